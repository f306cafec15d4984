#!/usr/bin/env bats
# The programs under valgrind against a real KDC: no invalid read or write,
# no use of uninitialised memory, no definite or indirect leak, on the happy
# paths and on the common failures.  Exit status 99 is valgrind's finding;
# anything else is the program's own.  Every program is run here (the last
# test checks it).  Not a suite of the ASan build (./check and meson leave
# it out there): valgrind cannot run ASan-instrumented programs, and ASan
# itself checks the same things there.

load helpers

setup_file() {
    if [ "${KS_SANITIZED:-0}" = 1 ]; then
        echo "valgrind.bats: valgrind cannot run the programs of a sanitized build (KS_SANITIZED=1); run it on a plain build" >&2
        return 1
    fi
    ks_setup_realm
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    command -v valgrind >/dev/null || ks_skip_missing "valgrind"
    ks_fresh_ccache
}

# Run PROGRAM ARGS... under valgrind.  Its log goes to the test's temp dir
# and, when valgrind found something (status 99), to stderr, where `run`
# catches it for the failure message.
vg() {
    local rc=0
    valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --log-file="$BATS_TEST_TMPDIR/valgrind.%p.log" "$@" || rc=$?
    if [ "$rc" -eq 99 ]; then
        cat "$BATS_TEST_TMPDIR"/valgrind.*.log >&2
    fi
    return "$rc"
}

kinit_alice() {
    echo alice-pw | "$KINIT" alice >/dev/null
}

@test "kinit with a password on stdin under valgrind" {
    run vg "$KINIT" --trace "$BATS_TEST_TMPDIR/trace" alice <<<alice-pw
    assert_success
    [ -s "$BATS_TEST_TMPDIR/trace" ] || fail "no trace written"
}

@test "kinit with a wrong password under valgrind fails cleanly" {
    run vg "$KINIT" alice <<<wrong-pw
    assert_failure 1
}

@test "klist under valgrind" {
    kinit_alice
    run vg "$KLIST" </dev/null
    assert_success
    assert_output --partial "krbtgt/$KS_REALM@$KS_REALM"
}

@test "klist -e -f under valgrind" {
    kinit_alice
    run vg "$KLIST" -e -f </dev/null
    assert_success
    assert_output --partial "Flags:"
}

@test "klist of a missing cache under valgrind fails cleanly" {
    run vg "$KLIST" </dev/null
    assert_failure 1
}

@test "kdestroy under valgrind" {
    kinit_alice
    run vg "$KDESTROY" </dev/null
    assert_success
    [ ! -e "$BATS_TEST_TMPDIR/ccache" ] || fail "the cache is still there"
}

@test "kinit with a keytab under valgrind" {
    run vg "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot </dev/null
    assert_success
}

@test "klist -k of a keytab under valgrind" {
    run vg "$KLIST" -k "$KS_REALM_DIR/service.keytab" </dev/null
    assert_success
    assert_output --partial "$KS_SERVICE@$KS_REALM"
}

@test "kvno with -k under valgrind" {
    kinit_alice
    run vg "$KVNO" -k "$KS_REALM_DIR/service.keytab" "$KS_SERVICE" </dev/null
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

@test "kvno of an unknown service under valgrind fails cleanly" {
    kinit_alice
    run vg "$KVNO" "HTTP/nowhere.test.realm" </dev/null
    assert_failure 1
}

@test "kstep run with both keytabs under valgrind" {
    kinit_alice
    run vg "$KSTEP" run "$KS_SERVICE" --trace - \
        --krbtgt-keytab "$KS_REALM_DIR/krbtgt.keytab" \
        --service-keytab "$KS_REALM_DIR/service.keytab" </dev/null
    assert_success
    assert_output --partial "session key equals the one in step 4: yes"
}

@test "kstep kdc, decrypt and decode under valgrind" {
    kinit_alice
    "$KSTEP" request "$KS_SERVICE" -o "$BATS_TEST_TMPDIR/req.der" </dev/null
    run vg "$KSTEP" kdc "$BATS_TEST_TMPDIR/req.der" \
        --keytab "$KS_REALM_DIR/krbtgt.keytab" \
        --keytab "$KS_REALM_DIR/service.keytab" -o "$BATS_TEST_TMPDIR/rep.der"
    assert_success
    run vg "$KSTEP" decrypt "$BATS_TEST_TMPDIR/rep.der" \
        --request "$BATS_TEST_TMPDIR/req.der" </dev/null
    assert_success
    run vg "$KSTEP" decode --json "$BATS_TEST_TMPDIR/rep.der" </dev/null
    assert_success
}

@test "kswitch and kdestroy --credential under valgrind" {
    local dir=$BATS_TEST_TMPDIR/coll
    mkdir -p "$dir"
    echo alice-pw | KRB5CCNAME=DIR:$dir "$KINIT" alice >/dev/null
    echo bob-pw | KRB5CCNAME=DIR:$dir "$KINIT" bob >/dev/null
    KRB5CCNAME=DIR:$dir run vg "$KSWITCH" -p "alice@$KS_REALM" </dev/null
    assert_success
    kinit_alice
    "$KVNO" "$KS_SERVICE" >/dev/null
    run vg "$KDESTROY" --credential "$KS_SERVICE@$KS_REALM" </dev/null
    assert_success
    run "$KLIST"
    refute_output --partial "$KS_SERVICE"
}

@test "every program of the build is run under valgrind above" {
    local prog missing=()
    for prog in "$KS_BUILD"/cmd/*; do
        [ -f "$prog" ] && [ -x "$prog" ] || continue
        prog=${prog##*/}
        grep -q "run vg \"\$${prog^^}\"" "$BATS_TEST_FILENAME" ||
            missing+=("$prog")
    done
    [ ${#missing[@]} -eq 0 ] || fail "not run under valgrind: ${missing[*]}"
    [ -x "$KS_BUILD/cmd/kinit" ] || fail "no programs in $KS_BUILD/cmd"
}

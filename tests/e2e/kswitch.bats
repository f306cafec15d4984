#!/usr/bin/env bats
# kswitch against MIT's kswitch: the same collection (DIR, KEYRING, KCM:
# every type the machine offers) is made twice, switched once by MIT's
# kswitch and once by ours; stdout, stderr, the exit status and the
# collection as MIT's klist then sees it must be identical.  Usage errors
# follow kstep's style (exit 2 as MIT's, "Try 'kswitch --help'").

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    # Checked here, at run time: the reason is kept for the skips.
    export KS_KEYRING_WHY KS_KCM_WHY
    KS_KEYRING_WHY=$(ks_keyring_works) || true
    # Not in $(...): it exports KRB5_CONFIG naming the daemon's socket.
    ks_kcm_start "$BATS_FILE_TMPDIR/kcm" >"$BATS_FILE_TMPDIR/kcm.why" || true
    KS_KCM_WHY=$(cat "$BATS_FILE_TMPDIR/kcm.why")
}

teardown_file() {
    ks_kcm_stop "$BATS_FILE_TMPDIR/kcm"
    ks_teardown_realm
}

teardown() {
    local run
    # Keyring and KCM caches outlive the test's temp dir.
    case ${KRB5CCNAME:-} in
    KEYRING:*)
        for run in mit our; do
            ks_keyring_forget "${KS_COLLECTION}_$run"
        done
        ;;
    KCM:*) "$MIT_KDESTROY" -A -q 2>/dev/null || true ;;
    esac
}

# The collection of TYPE this test uses, exported as KRB5CCNAME.
use_type() {
    case $1 in
    DIR)
        export KRB5CCNAME=DIR:$BATS_TEST_TMPDIR/col
        ;;
    KEYRING)
        [ -z "$KS_KEYRING_WHY" ] || skip "$KS_KEYRING_WHY"
        # A keyring collection outlives kdestroy -A (and then names its
        # first cache differently): each run gets one of its own.
        KS_COLLECTION=KEYRING:session:ks_sw_${BATS_ROOT_PID}_$BATS_TEST_NUMBER
        export KRB5CCNAME=${KS_COLLECTION}_mit
        ;;
    KCM)
        [ -z "$KS_KCM_WHY" ] || skip "$KS_KCM_WHY"
        export KRB5CCNAME=KCM:
        ;;
    esac
}

# A fresh collection with caches for alice, bob and robot (the primary:
# MIT's kinit makes the cache it fills the primary one), for RUN (mit or
# our; a KEYRING collection of its own for each).
collection() {
    case $KRB5CCNAME in
    KEYRING:*) export KRB5CCNAME=${KS_COLLECTION}_${1:-mit} ;;
    esac
    "$MIT_KDESTROY" -A -q 2>/dev/null || true
    rm -rf "$BATS_TEST_TMPDIR/col" && mkdir "$BATS_TEST_TMPDIR/col"
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
}

# The cache of PRINCIPAL in the collection, as MIT's klist -l names it.
cache_of() {
    "$MIT_KLIST" -l | awk -v p="$1@$KS_REALM" '$1 == p { print $2 }'
}

# Cache names made equal across two runs: DIR's tktXXXXXX, KEYRING's
# krb_ccache_XXXXXXX, KCM's serial numbers.
normalise() {
    sed -e 's/tkt[A-Za-z0-9]\{6\}/tktXXXXXX/g' \
        -e 's/\(ks_sw_[0-9_]*\)_\(mit\|our\)/\1_RUN/g' \
        -e 's/krb_ccache_[A-Za-z0-9]*/krb_ccache_X/g' \
        -e 's/KCM:\([0-9]*\):[0-9]*/KCM:\1:N/g'
}

# What a switch changed: the default cache's principal and the collection.
state() {
    local rc=0
    "$MIT_KLIST" 2>&1 | head -n 2 | normalise || true
    "$MIT_KLIST" -l >"$BATS_TEST_TMPDIR/state.l" 2>&1 || rc=$?
    normalise <"$BATS_TEST_TMPDIR/state.l" | sort
    echo "exit $rc"
}

# same_as_mit ARGS...: make the collection, run MIT's kswitch ARGS; make it
# again, run ours.  "@bob" in ARGS stands for bob's cache of this run,
# "@collection" for the collection's name.
# Leaves ours in $output, $status and $lines.
same_as_mit() {
    local d=$BATS_TEST_TMPDIR mit_rc=0 our_rc=0 prog args arg
    for prog in mit our; do
        collection $prog
        args=()
        for arg in "$@"; do
            [ "$arg" = @bob ] && arg=$(cache_of bob)
            [ "$arg" = @collection ] && arg=$KRB5CCNAME
            args+=("$arg")
        done
        local bin=$MIT_KSWITCH rc=0
        [ $prog = our ] && bin=$KSWITCH
        timeout 10 "$bin" "${args[@]}" >"$d/$prog.out" 2>"$d/$prog.err" \
            </dev/null || rc=$?
        state >"$d/$prog.state"
        normalise <"$d/$prog.err" >"$d/$prog.nerr"
        if [ $prog = mit ]; then mit_rc=$rc; else our_rc=$rc; fi
    done
    diff -u "$d/mit.out" "$d/our.out" ||
        fail "kswitch $*: standard output differs from MIT's"
    diff -u "$d/mit.nerr" "$d/our.nerr" ||
        fail "kswitch $*: standard error differs from MIT's"
    [ "$mit_rc" = "$our_rc" ] ||
        fail "kswitch $*: exit status $our_rc, MIT's $mit_rc"
    diff -u "$d/mit.state" "$d/our.state" ||
        fail "kswitch $*: the collection differs from MIT's afterwards"
    output=$(cat "$d/our.out" "$d/our.err")
    status=$our_rc
    lines=()
    [ -z "$output" ] || mapfile -t lines < <(grep -v '^$' <<<"$output")
}

# Every comparison, on the collection of TYPE.
compare_on() {
    use_type "$1"
    same_as_mit -p bob
    assert_success
    assert_output ""
    run -0 "$MIT_KLIST"
    assert_line --index 1 "Default principal: bob@$KS_REALM"
    same_as_mit -p "alice@$KS_REALM"
    assert_success
    same_as_mit -c @bob
    assert_success
    run -0 "$MIT_KLIST"
    assert_line --index 1 "Default principal: bob@$KS_REALM"
    same_as_mit -p nobody
    assert_failure 1
    assert_output "kswitch: Matching credential not found while searching for ccache for nobody"
    same_as_mit -p 'bad@@name'
    assert_failure 1
    same_as_mit -c BOGUS:nothing
    assert_failure 1
    assert_output "kswitch: Unknown credential cache type while resolving BOGUS:nothing"
    same_as_mit -c @collection
    assert_success
}

@test "a DIR collection: -p, -c and failures, as MIT" {
    compare_on DIR
}

@test "a KEYRING collection: -p, -c and failures, as MIT" {
    compare_on KEYRING
}

@test "a KCM collection: -p, -c and failures, as MIT" {
    compare_on KCM
}

@test "our kinit and klist follow the switch (DIR)" {
    use_type DIR
    collection
    run -0 "$KSWITCH" -p alice
    run -0 "$KLIST"
    assert_line --index 1 "Default principal: alice@$KS_REALM"
    echo bob-pw | "$KINIT" bob >/dev/null
    run -0 "$MIT_KLIST"
    assert_line --index 1 "Default principal: bob@$KS_REALM"
}

@test "caches without a collection (FILE, MEMORY) are accepted and unchanged, as MIT" {
    use_type DIR
    same_as_mit -c "FILE:$BATS_TEST_TMPDIR/plain"
    assert_success
    same_as_mit -c MEMORY:x
    assert_success
    # As MIT's, -c does not check that the cache exists.
    same_as_mit -c "DIR::$BATS_TEST_TMPDIR/col/tktnothere"
    assert_success
    run -1 "$MIT_KLIST"
    assert_output "klist: No credentials cache found (filename: $BATS_TEST_TMPDIR/col/tktnothere)"
}

@test "--json: the new primary cache and its principal; errors as a document" {
    use_type DIR
    collection
    run --separate-stderr -0 "$KSWITCH" --json -p bob
    assert_equal "$(jq -r .principal <<<"$output")" "bob@$KS_REALM"
    assert_equal "$(jq -r .primary <<<"$output")" "$(cache_of bob)"
    run --separate-stderr -1 "$KSWITCH" --json -p nobody
    assert_equal "$(jq -r .error.name <<<"$output")" KRB5_CC_NOTFOUND
    assert_equal "$(jq -r .error.message <<<"$output")" \
        "Matching credential not found while searching for ccache for nobody"
    # shellcheck disable=SC2154 # set by run --separate-stderr
    assert_equal "$stderr" \
        "kswitch: Matching credential not found while searching for ccache for nobody"
    run --separate-stderr -1 "$KSWITCH" --json -c BOGUS:x
    assert_equal "$(jq -r .error.message <<<"$output")" \
        "Unknown credential cache type while resolving BOGUS:x"
    run --separate-stderr -0 "$KSWITCH" --json -c "DIR::$BATS_TEST_TMPDIR/col/tktnew"
    assert_equal "$(jq -c . <<<"$output")" \
        "{\"primary\":\"DIR::$BATS_TEST_TMPDIR/col/tktnew\",\"principal\":null}"
}

@test "a FIFO in the collection is passed over (-p) or refused (-c), at once" {
    use_type DIR
    collection
    mkfifo "$BATS_TEST_TMPDIR/col/tktfifo"
    run -0 timeout 5 "$KSWITCH" -p alice
    run -1 timeout 5 "$KSWITCH" -p nobody
    mv "$BATS_TEST_TMPDIR/col/primary" "$BATS_TEST_TMPDIR/primary.saved"
    mkfifo "$BATS_TEST_TMPDIR/col/primary"
    run -1 timeout 5 "$KSWITCH" -c "DIR:$BATS_TEST_TMPDIR/col"
    assert_output "kswitch: $BATS_TEST_TMPDIR/col/primary is a FIFO, not a credentials cache"
    [ -p "$BATS_TEST_TMPDIR/col/primary" ] || fail "the FIFO was replaced"
    rm "$BATS_TEST_TMPDIR/col/primary" "$BATS_TEST_TMPDIR/col/tktfifo"
}

@test "usage errors: exit 2 as MIT's, and 'Try kswitch --help'" {
    local args
    for args in "" "-c a -p b" "-c a -c b" "-p a -p b" "extra" "-c a extra" \
        "-x" "-c"; do
        # shellcheck disable=SC2086 # split on purpose
        run --separate-stderr -2 "$KSWITCH" $args
        assert_output ""
        [[ $stderr == "kswitch: "*$'\n'"Try 'kswitch --help' for more information." ]] ||
            fail "kswitch $args: stderr was: $stderr"
        # shellcheck disable=SC2086
        run -2 "$MIT_KSWITCH" $args
    done
    run --separate-stderr -2 "$KSWITCH"
    assert_equal "$stderr" "kswitch: One of -c or -p must be specified
Try 'kswitch --help' for more information."
    run --separate-stderr -2 "$KSWITCH" -c a -p b
    assert_equal "$stderr" "kswitch: Only one -c or -p option allowed
Try 'kswitch --help' for more information."
}

@test "--trace names the new primary cache" {
    use_type DIR
    collection
    run -0 "$KSWITCH" --trace - -p alice
    assert_output "kswitch: [ccache] $(cache_of alice) is now the primary cache of its collection"
}

@test "--help and --version" {
    run -0 "$KSWITCH" --help
    assert_line --regexp '^Usage: kswitch '
    assert_output --partial "-p PRINCIPAL"
    run -0 "$KSWITCH" --version
    assert_output --regexp '^kswitch \(kstep\) [0-9]'
}

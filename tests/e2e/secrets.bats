#!/usr/bin/env bats
# Secrets stay secret: no password and no key bytes in traces (text or
# JSON) or in --json output unless --show-keys asks for them (and then
# they are there: the control), and password buffers are zeroed before
# they are freed (tests/tools/freecheck.c watches every free(); a program
# that frees a password unzeroed is the control).

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

LONG_PW=long-password-for-the-secrets-test-0123456789

setup_file() {
    ks_setup_realm
    KRB5_CONFIG=$KS_REALM_DIR/krb5.conf KRB5_KDC_PROFILE=$KS_REALM_DIR/kdc.conf \
        kadmin.local -r "$KS_REALM" -q "addprinc -pw $LONG_PW carol" \
        >/dev/null 2>&1
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

# The hex of the TGT's session key in the cache (kstep shows it only when
# asked with --show-keys).
tgt_key_hex() {
    "$KSTEP" run "$KS_SERVICE" --json --show-keys |
        jq -r '.steps[0]["tgt-session-key"].contents'
}

# The hex of the keys in robot's keytab, one a line, from MIT's klist.
robot_keys_hex() {
    "$MIT_KLIST" -K -k "$KS_REALM_DIR/robot.keytab" |
        sed -n 's/.*(0x\([0-9a-f]*\))$/\1/p'
}

# Fail if FILE holds HEX in either case.
refute_hex_in() {
    if grep -qi -- "$2" "$1"; then
        echo "key bytes $2 found in $1" >&2
        return 1
    fi
}

@test "a password kinit: no password in the trace (text, JSON) or the JSON output" {
    echo alice-pw | "$KINIT" --trace "$BATS_TEST_TMPDIR/t.txt" alice >/dev/null
    echo alice-pw | "$KINIT" --json --trace "$BATS_TEST_TMPDIR/t.json" \
        --trace-format json alice >"$BATS_TEST_TMPDIR/out.json"
    [ -s "$BATS_TEST_TMPDIR/t.txt" ] && [ -s "$BATS_TEST_TMPDIR/t.json" ]
    run grep -l alice-pw "$BATS_TEST_TMPDIR/t.txt" "$BATS_TEST_TMPDIR/t.json" \
        "$BATS_TEST_TMPDIR/out.json"
    assert_failure 1
}

@test "kinit and kvno traces hold no session key bytes; --show-keys shows them" {
    local hex
    echo alice-pw | "$KINIT" --trace "$BATS_TEST_TMPDIR/kinit.txt" \
        --trace-format json alice >/dev/null
    "$KVNO" --trace "$BATS_TEST_TMPDIR/kvno.txt" "$KS_SERVICE" >/dev/null
    hex=$(tgt_key_hex)
    [ ${#hex} -eq 64 ]
    refute_hex_in "$BATS_TEST_TMPDIR/kinit.txt" "$hex"
    refute_hex_in "$BATS_TEST_TMPDIR/kvno.txt" "$hex"
    # The control: asked for, the same key is there.
    "$KSTEP" run "$KS_SERVICE" --show-keys --trace "$BATS_TEST_TMPDIR/shown.txt" >/dev/null
    run grep -c -i -- "$hex" "$BATS_TEST_TMPDIR/shown.txt"
    assert_success
}

@test "kstep run: no key bytes in its JSON or its trace without --show-keys" {
    local hex
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    "$KSTEP" run "$KS_SERVICE" --json --trace "$BATS_TEST_TMPDIR/run.trace" \
        --trace-format json >"$BATS_TEST_TMPDIR/run.json"
    hex=$(tgt_key_hex)
    [ ${#hex} -eq 64 ]
    refute_hex_in "$BATS_TEST_TMPDIR/run.json" "$hex"
    refute_hex_in "$BATS_TEST_TMPDIR/run.trace" "$hex"
    run jq -e '[.. | objects | select(has("contents"))] | length == 0' \
        "$BATS_TEST_TMPDIR/run.json"
    assert_success
    run jq -e '.steps[0]["tgt-session-key"].fingerprint | test("^[0-9a-f]{4}$")' \
        "$BATS_TEST_TMPDIR/run.json"
    assert_success
}

@test "a keytab kinit: no long-term key bytes in the trace" {
    local hex
    "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" --trace "$BATS_TEST_TMPDIR/kt.txt" \
        robot >/dev/null
    [ -s "$BATS_TEST_TMPDIR/kt.txt" ]
    run robot_keys_hex
    assert_success
    [ "${#lines[@]}" -ge 1 ]
    for hex in "${lines[@]}"; do
        refute_hex_in "$BATS_TEST_TMPDIR/kt.txt" "$hex"
    done
}

# Run CMD... under freecheck, its standard input from the file INPUT, with
# the long password as the secret; prints how many freed blocks still held
# it.  Only CMD is watched (a shell around it keeps its own copies).
freed_with_secret() {
    local input=$1 out=$BATS_TEST_TMPDIR/freecheck.out
    shift
    rm -f "$out"
    KS_FREECHECK_SECRET=$LONG_PW KS_FREECHECK_OUT=$out \
        LD_PRELOAD=$FREECHECK_SO "$@" <"$input" >/dev/null 2>&1 || true
    cat "$out"
}

# The freecheck library and programs of the plain build: LD_PRELOAD cannot
# wrap free() under ASan, so the ASan run checks the plain programs too.
plain_programs() {
    PLAIN=${KS_PLAIN_BUILD:-$KS_TOP/build}
    FREECHECK_SO=$PLAIN/tests/libfreecheck.so
    [ -f "$FREECHECK_SO" ] || {
        echo "no $FREECHECK_SO: build $PLAIN first" >&2
        return 1
    }
}

@test "the control: a program that frees a password unzeroed is caught" {
    plain_programs
    printf '%s\n' "$LONG_PW" >"$BATS_TEST_TMPDIR/pw"
    run freed_with_secret "$BATS_TEST_TMPDIR/pw" "$PLAIN/tests/freecheck_leaky"
    assert_output 1
}

@test "kinit zeroes the password before freeing it (stdin and --password-file)" {
    plain_programs
    printf '%s\n' "$LONG_PW" >"$BATS_TEST_TMPDIR/pw"
    chmod 600 "$BATS_TEST_TMPDIR/pw"
    run freed_with_secret "$BATS_TEST_TMPDIR/pw" "$PLAIN/cmd/kinit" carol
    assert_output 0
    run "$MIT_KLIST"
    assert_success
    assert_line --partial "Default principal: carol@$KS_REALM"
    ks_fresh_ccache
    run freed_with_secret /dev/null "$PLAIN/cmd/kinit" --password-file \
        "$BATS_TEST_TMPDIR/pw" carol
    assert_output 0
    run "$MIT_KLIST"
    assert_success
}

@test "a password change zeroes the old and new passwords" {
    local new=another-long-password-for-secrets-9876543210
    plain_programs
    KRB5_CONFIG=$KS_REALM_DIR/krb5.conf KRB5_KDC_PROFILE=$KS_REALM_DIR/kdc.conf \
        kadmin.local -r "$KS_REALM" -q "addprinc -pw $LONG_PW -pwexpire now dora" \
        >/dev/null 2>&1
    ks_realm_start_kadmind "$KS_REALM_DIR"
    printf '%s\n%s\n%s\n' "$LONG_PW" "$new" "$new" >"$BATS_TEST_TMPDIR/pws"
    run freed_with_secret "$BATS_TEST_TMPDIR/pws" "$PLAIN/cmd/kinit" dora
    ks_realm_stop_kadmind "$KS_REALM_DIR"
    assert_output 0
    run "$MIT_KLIST"
    assert_success
    assert_line "Default principal: dora@$KS_REALM"
}

#!/usr/bin/env bats
# The order in which kvno asks for cross-realm TGTs, against MIT's kvno on
# the same input.  Five fixture realms under EXAMPLE, with no [capaths] in
# the client's krb5.conf, so the hierarchical path from A.EXAMPLE to any
# X.EXAMPLE goes through EXAMPLE:
#   A.EXAMPLE <-> B.EXAMPLE    a direct cross-realm key only
#   A.EXAMPLE <-> EXAMPLE <-> C.EXAMPLE, D.EXAMPLE    the hierarchy only
# MIT's client (1.20) asks A.EXAMPLE's KDC for the TGT of the service's
# realm (krbtgt/B.EXAMPLE@A.EXAMPLE) first, and walks only [capaths]
# intermediates, never the hierarchy: that is left to the KDC, which may
# send a TGT for a closer realm instead (then the client follows it "off
# the path").  A.EXAMPLE's KDC has [capaths] A.EXAMPLE -> C.EXAMPLE direct,
# so it refuses krbtgt/C.EXAMPLE@A.EXAMPLE outright (MIT gives up, kstep
# then tries the hierarchy); for D.EXAMPLE it follows the hierarchy and
# sends krbtgt/EXAMPLE@A.EXAMPLE in place of the TGT asked for.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    local t=$BATS_FILE_TMPDIR r
    for r in B EXAMPLE C D A; do
        ks_realm_create "$t/$r" "${r/#[ABCD]/&.EXAMPLE}" || return 1
    done
    ks_realm_add_cross_keys "$t/A" "$t/B" &&
        ks_realm_add_cross_keys "$t/A" "$t/EXAMPLE" &&
        ks_realm_add_cross_keys "$t/EXAMPLE" "$t/C" &&
        ks_realm_add_cross_keys "$t/EXAMPLE" "$t/D" || return 1
    # A.EXAMPLE's KDC believes the path to C.EXAMPLE is direct.
    printf '\n[capaths]\n    A.EXAMPLE = {\n        C.EXAMPLE = .\n    }\n' \
        >>"$t/A/krb5.conf"
    ks_realm_stop "$t/A"
    ks_realm_start "$t/A" || return 1
    ks_realm_conf_all "$t/client.conf" "$t/A" "$t/B" "$t/EXAMPLE" "$t/C" \
        "$t/D"
}

teardown_file() {
    local r
    for r in A B EXAMPLE C D; do
        ks_realm_stop "$BATS_FILE_TMPDIR/$r"
    done
}

setup() {
    export KRB5_CONFIG=$BATS_FILE_TMPDIR/client.conf
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/ours
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo alice-pw | KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit \
        "$MIT_KINIT" alice >/dev/null
}

# The cache CC as MIT's klist shows it, without the times.
klist_entries() {
    "$MIT_KLIST" -c "$1" | tail -n +4 | sed 's/^[0-9/: ]*//'
}

# Run MIT's kvno and ours on ARGS, each on a cache of its own, and check
# that both end the same way, print the same and leave the same tickets.
same_as_mit() {
    local mit_status mit_output
    run "$MIT_KVNO" -c "FILE:$BATS_TEST_TMPDIR/mit" "$@"
    mit_status=$status mit_output=$output
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" "$@"
    assert_equal "$status" "$mit_status"
    assert_equal "$output" "$mit_output"
    assert_equal "$(klist_entries "$KRB5CCNAME")" \
        "$(klist_entries "FILE:$BATS_TEST_TMPDIR/mit")"
}

@test "a direct cross-realm key: its TGT is asked for first, as MIT does" {
    same_as_mit HTTP/web.b.example@B.EXAMPLE
    assert_success
    assert_output "HTTP/web.b.example@B.EXAMPLE: kvno = 1"
    run "$MIT_KLIST"
    assert_line --regexp "  krbtgt/B.EXAMPLE@A.EXAMPLE\$"
    refute_line --partial "krbtgt/EXAMPLE@A.EXAMPLE"
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_line --partial "TGS-REQ for krbtgt/B.EXAMPLE@A.EXAMPLE"
    refute_line --partial "TGS-REQ for krbtgt/EXAMPLE@A.EXAMPLE"
}

@test "the direct TGT refused: MIT gives up, kstep goes up the hierarchy" {
    run "$MIT_KVNO" -c "FILE:$BATS_TEST_TMPDIR/mit" \
        HTTP/web.c.example@C.EXAMPLE
    assert_failure 1
    assert_output --partial "krbtgt/C.EXAMPLE@A.EXAMPLE not found in Kerberos database"
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" HTTP/web.c.example@C.EXAMPLE
    assert_success
    assert_output "HTTP/web.c.example@C.EXAMPLE: kvno = 1"
    run "$MIT_KLIST"
    assert_line --regexp "  krbtgt/EXAMPLE@A.EXAMPLE\$"
    assert_line --regexp "  krbtgt/C.EXAMPLE@EXAMPLE\$"
    run grep -F -e "TGS-REQ for krbtgt/" -e "realm hierarchy" \
        "$BATS_TEST_TMPDIR/trace"
    assert_equal "${#lines[@]}" 4
    assert_line --index 0 --partial "TGS-REQ for krbtgt/C.EXAMPLE@A.EXAMPLE"
    assert_line --index 1 --partial "trying the realm hierarchy through EXAMPLE"
    assert_line --index 2 --partial "TGS-REQ for krbtgt/EXAMPLE@A.EXAMPLE"
    assert_line --index 3 --partial "TGS-REQ for krbtgt/C.EXAMPLE@EXAMPLE"
}

@test "a closer TGT sent in place of the one asked for moves the walk on" {
    same_as_mit HTTP/web.d.example@D.EXAMPLE
    assert_success
    assert_output "HTTP/web.d.example@D.EXAMPLE: kvno = 1"
    run grep -F "TGS-REQ for krbtgt/" "$BATS_TEST_TMPDIR/trace"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --partial "TGS-REQ for krbtgt/D.EXAMPLE@A.EXAMPLE"
    assert_line --index 1 --partial "TGS-REQ for krbtgt/D.EXAMPLE@EXAMPLE"
}

@test "no path at all: MIT's error, after the hierarchy was tried" {
    # Nothing links B.EXAMPLE's KDC to C.EXAMPLE or to EXAMPLE.
    ks_realm_conf_all "$BATS_TEST_TMPDIR/b.conf" "$BATS_FILE_TMPDIR/B" \
        "$BATS_FILE_TMPDIR/C" "$BATS_FILE_TMPDIR/EXAMPLE"
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/b.conf
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo alice-pw | KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit \
        "$MIT_KINIT" alice >/dev/null
    run "$MIT_KVNO" -c "FILE:$BATS_TEST_TMPDIR/mit" \
        HTTP/web.c.example@C.EXAMPLE
    assert_failure 1
    assert_output --partial "krbtgt/C.EXAMPLE@B.EXAMPLE not found in Kerberos database"
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" HTTP/web.c.example@C.EXAMPLE
    assert_failure 1
    assert_output --regexp "^kvno: .*krbtgt/C.EXAMPLE@B.EXAMPLE.*not found in Kerberos database"
    run grep -F "TGS-REQ for krbtgt/" "$BATS_TEST_TMPDIR/trace"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --partial "TGS-REQ for krbtgt/C.EXAMPLE@B.EXAMPLE"
    assert_line --index 1 --partial "TGS-REQ for krbtgt/EXAMPLE@B.EXAMPLE"
    assert_equal "$(klist_entries "$KRB5CCNAME")" \
        "$(klist_entries "FILE:$BATS_TEST_TMPDIR/mit")"
}

#!/usr/bin/env bats
# Cross-realm: two fixture realms (TEST.REALM, OTHER.REALM) linked with
# cross-realm keys, [capaths] and [domain_realm] (ks_realm_link).  kvno
# walks the path from the local TGT, follows the KDC's referrals for a
# host-based name without a realm, and stores what MIT stores.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}

setup_file() {
    ks_realm_create "$BATS_FILE_TMPDIR/other" OTHER.REALM
    ks_realm_create "$BATS_FILE_TMPDIR/realm" TEST.REALM
    ks_realm_link "$BATS_FILE_TMPDIR/realm" "$BATS_FILE_TMPDIR/other"
    # A client configuration without [domain_realm] for the other realm:
    # only the KDC's referral can tell where web.other.realm lives.
    grep -v 'other.realm = OTHER.REALM' "$KS_REALM_DIR/krb5.conf" \
        >"$KS_REALM_DIR/krb5-referral.conf"
}

teardown_file() {
    ks_realm_stop "$BATS_FILE_TMPDIR/realm"
    ks_realm_stop "$BATS_FILE_TMPDIR/other"
}

setup() {
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
}

@test "a service of the other realm, named with its realm" {
    run "$KVNO" "$KS_OTHER_SERVICE@$KS_OTHER_REALM"
    assert_success
    assert_output "$KS_OTHER_SERVICE@$KS_OTHER_REALM: kvno = 1"
    run "$MIT_KLIST"
    assert_line --regexp "  krbtgt/$KS_OTHER_REALM@$KS_REALM\$"
    assert_line --regexp "  $KS_OTHER_SERVICE@$KS_OTHER_REALM\$"
}

@test "the ticket opens with the other realm's service keytab" {
    run "$KVNO" -k "$KS_OTHER_DIR/service.keytab" \
        "$KS_OTHER_SERVICE@$KS_OTHER_REALM"
    assert_success
    assert_output "$KS_OTHER_SERVICE@$KS_OTHER_REALM: kvno = 1, keytab entry valid"
    run "$MIT_KVNO" --cached-only -k "$KS_OTHER_DIR/service.keytab" \
        "$KS_OTHER_SERVICE@$KS_OTHER_REALM"
    assert_success
    assert_output "$KS_OTHER_SERVICE@$KS_OTHER_REALM: kvno = 1, keytab entry valid"
}

@test "the cached cross-realm TGT is used again" {
    "$KVNO" "$KS_OTHER_SERVICE@$KS_OTHER_REALM" >/dev/null
    run "$KVNO" --trace - "HTTP/nope.other.realm@$KS_OTHER_REALM"
    assert_failure 1
    refute_line --partial "TGS-REQ for krbtgt/$KS_OTHER_REALM@$KS_REALM"
    assert_line --partial "TGS-REQ for HTTP/nope.other.realm@$KS_OTHER_REALM"
    assert_line --regexp "^kvno: Server .* not found in Kerberos database while getting credentials for HTTP/nope.other.realm@$KS_OTHER_REALM"
}

@test "-S sname host: [domain_realm] puts the host in the other realm" {
    run "$KVNO" -S HTTP web.other.realm
    assert_success
    assert_output "$KS_OTHER_SERVICE@$KS_OTHER_REALM: kvno = 1"
}

@test "no [domain_realm] for the host: the KDC's referral is followed" {
    export KRB5_CONFIG=$KS_REALM_DIR/krb5-referral.conf
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" -S HTTP web.other.realm
    assert_success
    # MIT stores and names such a ticket with an empty realm.
    assert_output "$KS_OTHER_SERVICE@: kvno = 1"
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_line --partial "[TGS path] referred to realm $KS_OTHER_REALM"
    local ours
    ours=$("$MIT_KLIST" | tail -n +4)
    # MIT's kvno in the same situation leaves the same entries behind.
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run "$MIT_KVNO" -S HTTP web.other.realm
    assert_output "$KS_OTHER_SERVICE@: kvno = 1"
    run "$MIT_KLIST"
    assert_equal "$(tail -n +4 <<<"$output" | sed 's/^[0-9/: ]*//')" \
        "$(sed 's/^[0-9/: ]*//' <<<"$ours")"
}

@test "the referral ticket is accepted by a GSSAPI program" {
    export KRB5_CONFIG=$KS_REALM_DIR/krb5-referral.conf
    "$KVNO" -S HTTP web.other.realm >/dev/null
    KRB5_KTNAME=FILE:$KS_OTHER_DIR/service.keytab run /usr/bin/python3 - <<'PY'
import os, gssapi
name = gssapi.Name("HTTP@web.other.realm", gssapi.NameType.hostbased_service)
creds = gssapi.Credentials(usage="initiate", store={"ccache": os.environ["KRB5CCNAME"]})
init = gssapi.SecurityContext(name=name, creds=creds, usage="initiate")
accept = gssapi.SecurityContext(usage="accept")
accept.step(init.step())
print(accept.initiator_name)
PY
    assert_success
    assert_output "alice@TEST.REALM"
}

@test "many services across both realms in one call" {
    run "$KVNO" "$KS_SERVICE" "$KS_OTHER_SERVICE@$KS_OTHER_REALM" \
        "HTTP/web.test.realm@$KS_REALM"
    assert_success
    assert_equal "${#lines[@]}" 3
    assert_line --index 1 "$KS_OTHER_SERVICE@$KS_OTHER_REALM: kvno = 1"
}

#!/usr/bin/env bats
# kvno -I / -U (S4U2Self), -P (S4U2Proxy) and --u2u (user-to-user) against
# a real MIT KDC and, for constrained delegation, which MIT's DB2 back end
# cannot hold rules for, a real Heimdal KDC beside it (tests/heimdal.sh).
# Each call is compared with MIT's kvno making the same call: the lines
# printed, the exit status, and the cache as MIT's klist lists it.  The
# checks of forged replies are in tests/unit/test_s4u.c.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers
# shellcheck source=../heimdal.sh
source "$KS_TOP/tests/heimdal.sh"

KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}

setup_file() {
    ks_setup_realm
    # S4U2Self tickets are forwardable only for a service allowed to
    # authenticate as a delegate (MIT's +ok_to_auth_as_delegate).
    ks_realm_kadmin "$KS_REALM_DIR" \
        "modprinc +ok_to_auth_as_delegate $KS_SERVICE"
    # Heimdal's KDC, where it can be unpacked (./check does it); why not
    # is kept for the skips.  A realm that fails to start fails the file.
    if ks_heimdal_root 2>"$BATS_FILE_TMPDIR/heimdal.why"; then
        ks_heimdal_create "$BATS_FILE_TMPDIR/heimdal" H.REALM
    fi
}

teardown_file() {
    ks_heimdal_stop "$BATS_FILE_TMPDIR/heimdal"
    ks_teardown_realm
}

# The service's own cache (forwardable TGT from its keytab), in $1.
service_cache() {
    KRB5CCNAME=FILE:$1 "$MIT_KINIT" -f -k -t "$KS_REALM_DIR/service.keytab" \
        "$KS_SERVICE" >/dev/null
}

setup() {
    ks_fresh_ccache
    service_cache "$BATS_TEST_TMPDIR/ccache"
    KS_MIT_CC=FILE:$BATS_TEST_TMPDIR/mit
    service_cache "$BATS_TEST_TMPDIR/mit"
}

# klist -f without its dates: what two caches made a second apart share.
listing() {
    "$MIT_KLIST" -f -c "$1" |
        sed -E 's#[0-9]{2}/[0-9]{2}/[0-9]{2} [0-9:]{8}#DATE#g' |
        grep -v '^Ticket cache'
}

# Run our kvno and MIT's with the same arguments on two fresh caches; the
# output, exit status and listing must be the same.  Error lines ("kvno:
# ...") are ours by design (they say what was tried): the tests check them.
same_as_mit() {
    local ours_out ours_rc ours_list
    run "$KVNO" "$@"
    ours_out=$(grep -v '^kvno: ' <<<"$output" || true)
    ours_rc=$status
    ours_list=$(listing "$KRB5CCNAME")
    run "$MIT_KVNO" -c "$KS_MIT_CC" "$@"
    assert_equal "$ours_rc" "$status"
    assert_equal "$ours_out" "$(grep -v '^kvno: ' <<<"$output" || true)"
    assert_equal "$ours_list" "$(listing "$KS_MIT_CC")"
}

@test "kvno -I: S4U2Self prints MIT's line, stores a ticket for the user" {
    run "$KVNO" -I alice "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    run "$MIT_KLIST" -f
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
    assert_line --regexp "for client alice@$KS_REALM, Flags: FT\$"
}

@test "kvno -I gives the ticket and cache MIT's kvno -I gives" {
    same_as_mit -I alice "$KS_SERVICE"
}

@test "kvno -U (enterprise name) gives what MIT's kvno -U gives" {
    same_as_mit -U alice "$KS_SERVICE"
}

@test "kvno -I: the ticket holds the user, as the service's keytab sees it" {
    run "$KVNO" -k "$KS_REALM_DIR/service.keytab" -I alice "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

@test "kvno -I: the KDC's PA-S4U-X509-USER is checked (trace)" {
    run "$KVNO" --trace - -I alice "$KS_SERVICE"
    assert_success
    assert_line --partial "PA-S4U-X509-USER (nonce 0x"
    assert_line --partial "the KDC vouches for alice@$KS_REALM: PA-S4U-X509-USER nonce matches, keyed checksum valid"
}

@test "kvno -I: a cached S4U2Self ticket is used, and MIT's kvno finds ours" {
    run "$KVNO" -I alice "$KS_SERVICE"
    assert_success
    run "$KVNO" --cached-only -I alice "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    run "$MIT_KVNO" --cached-only -I alice "$KS_SERVICE"
    assert_success
}

@test "kvno -I --cached-only without a cached ticket fails, as MIT's" {
    run "$KVNO" --cached-only -I alice "$KS_SERVICE"
    assert_failure 1
    assert_output --partial "only cached tickets were to be used"
    run "$MIT_KVNO" -c "$KS_MIT_CC" --cached-only -I alice "$KS_SERVICE"
    assert_failure 1
}

@test "kvno -I for another service than the cache's fails, as MIT's" {
    local before
    before=$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")
    run "$KVNO" -I alice bob
    assert_failure 1
    assert_output "kvno: bob@$KS_REALM: client and server principal names must match (without -P, -I and -U ask for a ticket to the cache's principal $KS_SERVICE@$KS_REALM)"
    assert_equal "$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")" "$before"
    run "$MIT_KVNO" -c "$KS_MIT_CC" -I alice bob
    assert_failure 1
}

@test "kvno -I for an unknown user: one line, exit 1, cache unchanged" {
    local before
    before=$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")
    run "$KVNO" -I nobody "$KS_SERVICE"
    assert_failure 1
    assert_output "kvno: Client not found in Kerberos database while getting credentials for $KS_SERVICE@$KS_REALM; the KDC knows no such user: Client not found in Kerberos database"
    assert_equal "$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")" "$before"
}

@test "kvno -I for a user of another realm says it is not supported" {
    run "$KVNO" -I alice@ELSEWHERE.REALM "$KS_SERVICE"
    assert_failure 1
    assert_output --partial "not supported across realms"
}

@test "kvno -I --out-cache: the cache is the user's, as with MIT's kvno" {
    run "$KVNO" --out-cache "FILE:$BATS_TEST_TMPDIR/out" -I alice "$KS_SERVICE"
    assert_success
    run "$MIT_KVNO" -c "$KS_MIT_CC" --out-cache "FILE:$BATS_TEST_TMPDIR/mout" \
        -I alice "$KS_SERVICE"
    assert_success
    assert_equal "$(listing "FILE:$BATS_TEST_TMPDIR/out")" \
        "$(listing "FILE:$BATS_TEST_TMPDIR/mout")"
    run "$MIT_KLIST" -c "FILE:$BATS_TEST_TMPDIR/out"
    assert_line "Default principal: alice@$KS_REALM"
}

@test "kvno -I -P on MIT's DB2 KDC: refused as MIT's kvno is, after its line" {
    same_as_mit -I alice -P bob
    assert_failure 1
    run "$KVNO" -I alice -P bob
    assert_line "bob@$KS_REALM: kvno = 1"
    # MIT's line, then our hint.
    assert_line --regexp "^kvno: KDC can't fulfill requested option bob@$KS_REALM: constrained delegation failed( \\(.*\\))?\$"
}

@test "kvno option rules are MIT's (usage errors exit 1)" {
    run "$KVNO" -P "$KS_SERVICE"
    assert_failure 1
    assert_line --partial "Option -P (constrained delegation) requires option -I|-U|-F (protocol transition)"
    run "$KVNO" -I alice --u2u "$KRB5CCNAME" "$KS_SERVICE"
    assert_failure 1
    assert_line --partial "Options --u2u and -I|-U|-F are mutually exclusive"
    run "$KVNO" -I alice -U alice "$KS_SERVICE"
    assert_failure 1
    run "$KVNO" -I
    assert_failure 1
}

@test "kvno -F says certificates are not supported, exit 1" {
    run "$KVNO" -F /nonexistent.pem "$KS_SERVICE"
    assert_failure 1
    assert_output "kvno: -F (S4U2Self with a certificate) is not supported: use -I or -U with the user's name"
}

@test "kvno -I with the KDC stopped: one line, exit 1, cache unchanged" {
    local before conf=$BATS_TEST_TMPDIR/krb5.conf
    sed -E "s/kdc = 127.0.0.1:[0-9]+/kdc = 127.0.0.1:$(ks_free_port)/" \
        "$KRB5_CONFIG" >"$conf"
    before=$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")
    KRB5_CONFIG=$conf run "$KVNO" --timeout 2 -I alice "$KS_SERVICE"
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    assert_output --regexp "^kvno: Cannot contact any KDC for realm '$KS_REALM' while getting credentials for $KS_SERVICE@$KS_REALM"
    assert_equal "$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")" "$before"
}

# User-to-user: bob's TGT in a cache of its own.
bob_cache() {
    echo bob-pw | KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/bob "$MIT_KINIT" bob \
        >/dev/null
}

@test "kvno --u2u gives what MIT's kvno --u2u gives" {
    bob_cache
    same_as_mit --u2u "FILE:$BATS_TEST_TMPDIR/bob" "bob@$KS_REALM"
    assert_success
    assert_output "bob@$KS_REALM: kvno = 0"
}

@test "kvno --u2u: the ticket is in bob's TGT session key, MIT's kvno finds it" {
    bob_cache
    run "$KVNO" --u2u "FILE:$BATS_TEST_TMPDIR/bob" "bob@$KS_REALM"
    assert_success
    # The ticket's enctype is that of bob's TGT session key (klist -e).
    run "$MIT_KLIST" -e
    assert_line --regexp "Etype \(skey, tkt\): .*, aes256-cts-hmac-sha1-96 \$"
    # MIT matches cached user-to-user tickets on the second ticket too.
    run "$MIT_KVNO" --cached-only --u2u "FILE:$BATS_TEST_TMPDIR/bob" \
        "bob@$KS_REALM"
    assert_success
    assert_output "bob@$KS_REALM: kvno = 0"
}

@test "kvno --u2u with no such cache: one line, exit 1, as MIT's" {
    run "$KVNO" --u2u "FILE:$BATS_TEST_TMPDIR/none" "bob@$KS_REALM"
    assert_failure 1
    assert_output --partial "kvno: getting the user-to-user ticket-granting ticket from FILE:$BATS_TEST_TMPDIR/none: No credentials cache found"
    run "$MIT_KVNO" --u2u "FILE:$BATS_TEST_TMPDIR/none" "bob@$KS_REALM"
    assert_failure 1
}

# Constrained delegation against Heimdal's KDC, which holds the rule
# HTTP/web.h.realm -> host/back.h.realm.

heimdal_setup() {
    local h=$BATS_FILE_TMPDIR/heimdal
    [ -f "$h/kdc.pid" ] ||
        ks_skip_missing "Heimdal's KDC ($(cat "$BATS_FILE_TMPDIR/heimdal.why"))"
    export KRB5_CONFIG=$h/krb5.conf
    KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/h-ours
    KS_MIT_CC=FILE:$BATS_TEST_TMPDIR/h-mit
    for cc in "$KRB5CCNAME" "$KS_MIT_CC"; do
        KRB5CCNAME=$cc "$MIT_KINIT" -f -k -t "$h/service.keytab" \
            HTTP/web.h.realm >/dev/null
    done
}

@test "kvno (Heimdal): a plain TGS exchange works, as with MIT's kvno" {
    # The S4U tests below build on it (in FAST when the cache says the
    # KDC has it, as MIT's kvno does).
    heimdal_setup
    same_as_mit host/other.h.realm
    assert_success
    assert_output "host/other.h.realm@H.REALM: kvno = 1"
}

@test "kvno -I -P (Heimdal): S4U2Proxy ticket as MIT's kvno gets it" {
    heimdal_setup
    same_as_mit -I alice -P host/back.h.realm
    assert_success
    assert_output "host/back.h.realm@H.REALM: kvno = 1"
    run "$MIT_KLIST" -f
    assert_line --regexp "  host/back.h.realm@H.REALM\$"
    assert_line --regexp "for client alice@H.REALM, .*Flags: FRAT\$"
}

@test "kvno -I -P (Heimdal): the back end's keytab opens the ticket for alice" {
    heimdal_setup
    run "$KVNO" -I alice -P host/back.h.realm
    assert_success
    # MIT's kvno -k checks the cached ticket alice -> host/back with its key.
    KS_OUT=FILE:$BATS_TEST_TMPDIR/h-out
    run "$KVNO" --out-cache "$KS_OUT" -I alice -P host/back.h.realm
    assert_success
    run "$MIT_KLIST" -c "$KS_OUT"
    assert_line "Default principal: alice@H.REALM"
    run "$MIT_KVNO" -c "$KS_OUT" --cached-only \
        -k "$BATS_FILE_TMPDIR/heimdal/back.keytab" host/back.h.realm
    assert_success
    assert_output "host/back.h.realm@H.REALM: kvno = 1, keytab entry valid"
}

@test "kvno -I -P (Heimdal): a service no rule names is refused, as MIT's" {
    heimdal_setup
    same_as_mit -I alice -P host/other.h.realm
    assert_failure 1
    run "$KVNO" -I alice -P host/other.h.realm
    assert_line --regexp "^kvno: KDC can't fulfill requested option host/other.h.realm@H.REALM: constrained delegation failed( \\(.*\\))?\$"
}

@test "kvno -I (Heimdal): a reply without PA-S4U-X509-USER is taken as MIT takes it" {
    heimdal_setup
    run "$KVNO" --trace - -I alice HTTP/web.h.realm
    assert_success
    assert_line "HTTP/web.h.realm@H.REALM: kvno = 1"
    assert_line --partial "the reply has no PA-S4U-X509-USER (a KDC that knows only PA-FOR-USER)"
}

#!/usr/bin/env bats
# kvno against a real MIT KDC and MIT's own tools: the lines MIT's kvno
# prints, caches MIT's klist and kvno read, a ticket a real GSSAPI program
# accepts, cached tickets reused, many services in one call, and every
# failure as one clear line with a non-zero exit and the cache unchanged.
# (Replies for another request, and the other reply checks, are in
# tests/unit/test_tgs.c, with replies built under known keys.)

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}
KS_MANY=25

setup_file() {
    ks_setup_realm
    ks_add_services svc "$KS_MANY"
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    KS_CCFILE=${KRB5CCNAME#FILE:}
}

# The service principals of the many-services tests.
many() {
    local i
    for ((i = 1; i <= KS_MANY; i++)); do echo "HTTP/svc$i.test.realm"; done
}

@test "kvno prints MIT's line and stores a ticket MIT's klist lists" {
    run "$KVNO" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    run "$MIT_KLIST"
    assert_success
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
}

@test "kvno prints what MIT's kvno prints" {
    run "$KVNO" "$KS_SERVICE"
    local ours=$output
    ks_fresh_ccache
    KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit
    echo alice-pw | "$MIT_KINIT" -c "$KRB5CCNAME" alice >/dev/null
    run "$MIT_KVNO" -c "$KRB5CCNAME" "$KS_SERVICE"
    assert_equal "$ours" "$output"
}

@test "the ticket's flags follow the TGT's, as with MIT's kvno" {
    echo renew-pw | "$MIT_KINIT" -f -r 2d renew >/dev/null
    "$KVNO" "$KS_SERVICE" >/dev/null
    local ours
    ours=$("$MIT_KLIST" -f | grep -A1 "  $KS_SERVICE@" | tail -1 | sed 's/^.*Flags/Flags/')
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit
    echo renew-pw | "$MIT_KINIT" -f -r 2d renew >/dev/null
    "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    run bash -c "'$MIT_KLIST' -f | grep -A1 '  $KS_SERVICE@' | tail -1 | sed 's/^.*Flags/Flags/'"
    assert_equal "$ours" "$output"
    assert_equal "$ours" "Flags: FRT"
}

@test "kvno -k: keytab entry valid" {
    run "$KVNO" -k "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

@test "kvno -k with another service's keytab: invalid, exit 1" {
    run "$KVNO" -k "$KS_REALM_DIR/robot.keytab" "$KS_SERVICE"
    assert_failure 1
    assert_line --index 0 "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry invalid"
    assert_line --index 1 --partial "kvno: "
}

@test "MIT's kvno -k accepts the ticket we stored, from the cache" {
    "$KVNO" "$KS_SERVICE" >/dev/null
    run "$MIT_KVNO" --cached-only -k "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

@test "a GSSAPI program accepts the ticket we stored" {
    "$KVNO" "$KS_SERVICE" >/dev/null
    run /usr/bin/python3 - <<'PY'
import gssapi
name = gssapi.Name("HTTP@web.test.realm", gssapi.NameType.hostbased_service)
creds = gssapi.Credentials(usage="initiate", store={"ccache": __import__("os").environ["KRB5CCNAME"]})
init = gssapi.SecurityContext(name=name, creds=creds, usage="initiate")
token = init.step()
accept = gssapi.SecurityContext(usage="accept")
accept.step(token)
print(accept.initiator_name)
PY
    assert_success
    assert_output "alice@TEST.REALM"
}

@test "a valid cached ticket is used again without a request" {
    "$KVNO" "$KS_SERVICE" >/dev/null
    local before
    before=$(ks_file_sum "$KS_CCFILE")
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_line --partial "[TGS lookup] valid ticket for $KS_SERVICE@$KS_REALM"
    refute_line --partial "[6/8 send]"
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
}

@test "--trace shows the client's steps 1, 6, 7 and 8" {
    run "$KVNO" --trace - "$KS_SERVICE"
    assert_success
    assert_line --regexp "^kvno: \[1/8 request\] TGS-REQ for $KS_SERVICE@$KS_REALM, nonce 0x[0-9a-f]{8}, etypes aes"
    assert_line --partial "[6/8 send]"
    assert_line --regexp "^kvno: \[7/8 decrypt\] service session key [a-z0-9-]+ key [0-9a-f]{4}, nonce matches"
    assert_line --partial "[8/8 store] ticket for $KS_SERVICE@$KS_REALM stored in"
}

@test "many services in one call: MIT's lines, every ticket stored" {
    # shellcheck disable=SC2046
    run "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" $(many)
    assert_success
    local ours=$output
    assert_equal "${#lines[@]}" "$KS_MANY"
    run "$MIT_KLIST"
    assert_equal "$(grep -c 'HTTP/svc' <<<"$output")" "$KS_MANY"
    # MIT's kvno on the tickets we stored: the same lines, from the cache.
    # shellcheck disable=SC2046
    run "$MIT_KVNO" --cached-only $(many)
    assert_success
    assert_equal "$output" "$ours"
}

@test "an unknown service: one clear line, exit 1, cache unchanged" {
    local before
    before=$(ks_file_sum "$KS_CCFILE")
    run "$KVNO" HTTP/nope.test.realm
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    assert_output --regexp "^kvno: Server HTTP/nope.test.realm@TEST.REALM not found in Kerberos database while getting credentials for HTTP/nope.test.realm@TEST.REALM; Server 'HTTP/nope.test.realm@TEST.REALM' not found in Kerberos database.*\(is the service principal registered\?\)$"
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
}

@test "a good and an unknown service: the good line, one error, exit 1" {
    run --separate-stderr "$KVNO" "$KS_SERVICE" HTTP/nope.test.realm
    assert_failure 1
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ ${stderr_lines[0]} == "kvno: Server HTTP/nope.test.realm@TEST.REALM not found in Kerberos database while getting credentials for HTTP/nope.test.realm@TEST.REALM"* ]]
}

@test "an expired TGT: one clear line, exit 1, cache unchanged" {
    echo alice-pw | "$MIT_KINIT" -l 1s alice >/dev/null
    sleep 2
    local before
    before=$(ks_file_sum "$KS_CCFILE")
    run "$KVNO" "$KS_SERVICE"
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    assert_output --regexp "^kvno: .* while getting credentials for $KS_SERVICE@$KS_REALM; the ticket-granting ticket krbtgt/$KS_REALM@$KS_REALM expired at .*"
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
}

@test "no cache: one clear line, exit 1, no cache made" {
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/none
    run "$KVNO" "$KS_SERVICE"
    assert_failure 1
    assert_output "kvno: No credentials cache found (filename: $BATS_TEST_TMPDIR/none) while getting client principal name; reading the credentials cache FILE:$BATS_TEST_TMPDIR/none: No credentials cache found (filename: $BATS_TEST_TMPDIR/none) (run kinit first)"
    [ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "an unreachable KDC: one clear line, exit 1, cache unchanged" {
    local port before
    port=$(ks_free_port)
    sed -e "s/127.0.0.1:$KS_REALM_PORT/127.0.0.1:$port/" \
        -e "s/request_timeout = .*/request_timeout = 2/" \
        "$KS_REALM_DIR/krb5.conf" >"$BATS_TEST_TMPDIR/krb5.conf"
    before=$(ks_file_sum "$KS_CCFILE")
    KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf run "$KVNO" "$KS_SERVICE"
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    assert_output --regexp "^kvno: Cannot contact any KDC for realm '$KS_REALM' while getting credentials for $KS_SERVICE@$KS_REALM.*127\.0\.0\.1:$port"
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
}

@test "--cached-only: nothing cached is a failure without a request" {
    run "$KVNO" --cached-only --trace - "$KS_SERVICE"
    assert_failure 1
    refute_line --partial "[6/8 send]"
    assert_line --regexp "^kvno: .*while getting credentials for $KS_SERVICE@$KS_REALM.*no valid ticket in the cache"
}

@test "--no-store: the ticket is printed, the cache left alone" {
    local before
    before=$(ks_file_sum "$KS_CCFILE")
    run "$KVNO" --no-store "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
}

@test "--out-cache: the tickets go to another cache" {
    local before
    before=$(ks_file_sum "$KS_CCFILE")
    run "$KVNO" --out-cache "FILE:$BATS_TEST_TMPDIR/out" "$KS_SERVICE"
    assert_success
    assert_equal "$(ks_file_sum "$KS_CCFILE")" "$before"
    run "$MIT_KLIST" -c "FILE:$BATS_TEST_TMPDIR/out"
    assert_success
    assert_line "Default principal: alice@$KS_REALM"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
}

@test "-S sname host: a host-based name, as MIT's kvno" {
    run "$KVNO" -S HTTP web.test.realm
    assert_success
    local ours=$output
    run "$MIT_KVNO" --cached-only -S HTTP web.test.realm
    assert_equal "$ours" "$output"
}

@test "-e: the session key of the type asked for" {
    run "$KVNO" -e aes128-cts-hmac-sha1-96 "$KS_SERVICE"
    assert_success
    run "$MIT_KLIST" -e
    assert_line --regexp "Etype \(skey, tkt\): aes128-cts-hmac-sha1-96, "
}

@test "-e with an unknown name: one line, exit 1" {
    run "$KVNO" -e nonsense "$KS_SERVICE"
    assert_failure 1
    assert_output --partial "kvno: Invalid argument while converting etype; unknown encryption type 'nonsense'"
}

@test "-q prints nothing on success" {
    run "$KVNO" -q "$KS_SERVICE"
    assert_success
    assert_output ""
}

@test "-F (S4U2Self with a certificate) says it is not supported" {
    # -I, -U, -P and --u2u are tested in s4u.bats.
    run "$KVNO" -F cert.pem "$KS_SERVICE"
    assert_failure 1
    assert_output --partial "is not supported"
}

@test "usage errors: -u with -S, no service (exit 1, as MIT's kvno)" {
    run "$KVNO" -u -S HTTP web.test.realm
    assert_failure 1
    assert_line --index 0 "kvno: Options -u and -S are mutually exclusive"
    run "$KVNO"
    assert_failure 1
    assert_line --index 1 "Try 'kvno --help' for more information."
}

@test "kvno links no libkrb5 protocol driver" {
    run bash -c "nm -D --undefined-only '$KS_BUILD/cmd/kvno' | grep -E 'krb5_(get_credentials|tkt_creds|get_cred_via|mk_req|sendto_kdc|get_init_creds|init_creds|get_in_tkt|rd_rep|get_renewed|get_validated)|k5_locate_kdc'"
    assert_failure 1
    assert_output ""
}

@test "kvno -k --json: the ticket's PAC, decoded, its signatures checked with the keytab's keys" {
    local kt=$BATS_TEST_TMPDIR/both.keytab
    run "$KVNO" -k "$KS_REALM_DIR/service.keytab" --json "$KS_SERVICE"
    assert_success
    run jq -e '.services[0].keytab_valid and
        .services[0].pac["client-info"].name == "alice" and
        ([.services[0].pac.signatures[] | select(."buffer-name" == "SERVER_CHECKSUM")
          | .verified] == [true]) and
        ([.services[0].pac.signatures[] | select(."buffer-name" == "KDC_CHECKSUM")
          | .reason] == ["no krbtgt key"])' <<<"$output"
    assert_success
    # With the krbtgt key in the keytab too, every signature is checked.
    printf 'rkt %s\nrkt %s\nwkt %s\n' "$KS_REALM_DIR/service.keytab" \
        "$KS_REALM_DIR/krbtgt.keytab" "$kt" | ktutil >/dev/null
    run "$KVNO" -k "$kt" --json "$KS_SERVICE"
    assert_success
    run jq -e '[.services[0].pac.signatures[].verified] | length >= 3 and all' \
        <<<"$output"
    assert_success
    # The text stays MIT's line.
    run "$KVNO" -k "$kt" "$KS_SERVICE"
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

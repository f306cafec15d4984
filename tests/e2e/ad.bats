#!/usr/bin/env bats
# kinit, kvno, klist and kstep against a real Active Directory DC (Samba,
# tests/samba.sh) in a network namespace of this file's own.  Wherever MIT
# has the feature, our program and MIT's make the same call on two caches:
# the same lines, exit status and cache as MIT's klist lists it.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers
# shellcheck source=../samba.sh
source "$KS_TOP/tests/samba.sh"

setup_file() {
    local why
    if ! why=$(ks_samba_usable); then
        echo "$why" >"$BATS_FILE_TMPDIR/skip"
        return 0
    fi
    ks_samba_create "$BATS_FILE_TMPDIR/ad"
    # A second user who must change her password, for MIT's kinit.
    ks_samba_tool "$BATS_FILE_TMPDIR/ad" user create dave dave-pw \
        --must-change-at-next-login >/dev/null
}

teardown_file() {
    ks_samba_stop "$BATS_FILE_TMPDIR/ad"
}

setup() {
    [ ! -e "$BATS_FILE_TMPDIR/skip" ] ||
        ks_skip_missing "$(cat "$BATS_FILE_TMPDIR/skip")"
    AD=$BATS_FILE_TMPDIR/ad
    export KRB5_CONFIG=$AD/krb5.conf
    ks_fresh_ccache
    MIT_CC=FILE:$BATS_TEST_TMPDIR/mit
    cd "$BATS_TEST_TMPDIR" || return 1
}

# CMD... inside the DC's namespace (its only network is its loopback).
ns() {
    ks_samba_in "$AD" "$@"
}

# MIT's klist -f (-e with $2) of cache $1, dates and cache name left out.
listing() {
    ns "$MIT_KLIST" -f ${2:+"$2"} -c "$1" |
        sed -E 's#[0-9]{2}/[0-9]{2}/[0-9]{2} [0-9:]{8}#DATE#g' |
        grep -v '^Ticket cache'
}

# Cache $1 gets alice's TGT from MIT's kinit.
alice_tgt() {
    echo alice-pw | ns "$MIT_KINIT" -c "$1" alice >/dev/null
}

# Run PROG (ours) and MIT_PROG with ARGS on $KRB5CCNAME and $MIT_CC, STDIN
# given in $IN: same output (our "PROG: ..." error lines aside, they say
# more by design), same status, same listing.
same_as_mit() {
    local prog=$1 mit=$2 ours_out ours_rc
    shift 2
    run ns "$prog" "$@" <<<"${IN:-}"
    ours_out=$(grep -v "^${prog##*/}: " <<<"$output" || true)
    ours_rc=$status
    run ns env KRB5CCNAME="$MIT_CC" "$mit" "$@" <<<"${IN:-}"
    assert_equal "$ours_rc" "$status"
    assert_equal "$ours_out" "$(grep -v "^${mit##*/}: " <<<"$output" || true)"
    assert_equal "$(listing "$KRB5CCNAME" -e)" "$(listing "$MIT_CC" -e)"
}

@test "ad: kinit with a password is MIT's kinit (prompt, expiry warning, cache)" {
    IN=alice-pw same_as_mit "$KINIT" "$MIT_KINIT" alice
    assert_line --regexp '^Warning: Your password will expire in [0-9]+ days on '
    run listing "$KRB5CCNAME"
    assert_line "Default principal: alice@AD.TEST"
    assert_line --regexp "krbtgt/AD.TEST@AD.TEST$"
}

@test "ad: kinit -k with an exported keytab is MIT's kinit -k (no warning)" {
    same_as_mit "$KINIT" "$MIT_KINIT" -k -t "$AD/alice.keytab" alice
    assert_output ""
    run ns "$KINIT" -k -t "$AD/svc1.keytab" svc1
    assert_success
    run listing "$KRB5CCNAME"
    assert_line "Default principal: svc1@AD.TEST"
}

@test "ad: kinit -E with a UPN of another suffix keeps the name as asked" {
    IN=bob-pw same_as_mit "$KINIT" "$MIT_KINIT" -E bob@corp.example
    assert_output "Password for bob\\@corp.example@AD.TEST: 
$(sed -n 2p <<<"$output")"
    run listing "$KRB5CCNAME"
    assert_line 'Default principal: bob\@corp.example@AD.TEST'
    refute_line --partial "for client"
    # The TGT names the user as asked (no canonicalize flag), so the
    # authenticators of both kvnos match it.
    run ns "$KVNO" HTTP/web.ad.test
    assert_success
    run ns "$MIT_KVNO" HTTP/aes.ad.test
    assert_success
}

@test "ad: kinit -C -E takes AD's canonical name, as MIT's" {
    IN=bob-pw same_as_mit "$KINIT" "$MIT_KINIT" -C -E bob@corp.example
    run listing "$KRB5CCNAME"
    assert_line "Default principal: bob@AD.TEST"
    IN=bob-pw same_as_mit "$KINIT" "$MIT_KINIT" -C bob
}

@test "ad: a UPN without -E is a name in realm CORP.EXAMPLE: both fail" {
    IN=bob-pw same_as_mit "$KINIT" "$MIT_KINIT" bob@corp.example
    assert_failure 1
}

@test "ad: kvno of an AES-only and an rc4-only account, as MIT's kvno" {
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" HTTP/aes.ad.test HTTP/rc4.ad.test HTTP/web.ad.test
    assert_output "HTTP/aes.ad.test@AD.TEST: kvno = 2
HTTP/rc4.ad.test@AD.TEST: kvno = 2
HTTP/web.ad.test@AD.TEST: kvno = 2"
    run listing "$KRB5CCNAME" -e
    assert_line --partial "Etype (skey, tkt): aes256-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96"
    assert_line --partial "Etype (skey, tkt): DEPRECATED:arcfour-hmac, DEPRECATED:arcfour-hmac"
    assert_line --partial "Etype (skey, tkt): aes256-cts-hmac-sha1-96, DEPRECATED:arcfour-hmac"
}

@test "ad: kvno -e of an enctype the account does not allow fails as MIT's" {
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -e arcfour-hmac HTTP/aes.ad.test
    assert_failure 1
    # Samba 4.17's error carries no MS-KILE e-data and nothing else in the
    # run showed AD yet: the general hint (test_errors.c checks AD's).
    run ns "$KVNO" -e aes256-cts HTTP/rc4.ad.test
    assert_failure 1
    assert_output "kvno: KDC has no support for encryption type while getting credentials for HTTP/rc4.ad.test@AD.TEST (compare default_tkt_enctypes with the KDC's supported_enctypes)"
}

@test "ad: kvno -k with the SPN's and the account's keytab: entry valid, as MIT's" {
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -k "$AD/svc1-spn.keytab" HTTP/web.ad.test
    assert_output "HTTP/web.ad.test@AD.TEST: kvno = 2, keytab entry valid"
    # Exported under the account name (svc1@AD.TEST), found as MIT finds it.
    same_as_mit "$KVNO" "$MIT_KVNO" -k "$AD/svc1.keytab" HTTP/web.ad.test
    assert_output "HTTP/web.ad.test@AD.TEST: kvno = 2, keytab entry valid"
    same_as_mit "$KVNO" "$MIT_KVNO" -k "$AD/svcaes.keytab" HTTP/aes.ad.test
    assert_output "HTTP/aes.ad.test@AD.TEST: kvno = 2, keytab entry valid"
    run ns "$KVNO" --trace - -k "$AD/svcaes.keytab" HTTP/aes.ad.test
    assert_line --partial "no key named HTTP/aes.ad.test@AD.TEST in the keytab: the ticket opens with the key of svcaes@AD.TEST (kvno 2, aes256-cts-hmac-sha1-96"
}

@test "ad: kvno -k with another account's keytab: entry invalid, as MIT's" {
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -k "$AD/svc1.keytab" HTTP/aes.ad.test
    assert_failure 1
    run ns "$KVNO" -k "$AD/svc1.keytab" HTTP/aes.ad.test
    assert_failure 1
    assert_line "HTTP/aes.ad.test@AD.TEST: kvno = 2, keytab entry invalid"
    assert_line --partial "none of its 1 other aes256-cts-hmac-sha1-96 keys of kvno 2 opens the ticket"
}

@test "ad: kstep opens AD's TGT and ticket with keytabs named after the accounts" {
    alice_tgt "$KRB5CCNAME"
    run ns "$KSTEP" run HTTP/aes.ad.test --krbtgt-keytab "$AD/krbtgt.keytab" \
        --service-keytab "$AD/svcaes.keytab"
    assert_success
    refute_output --partial "not opened"
    run ns "$KSTEP" request HTTP/web.ad.test -o req.der
    assert_success
    run ns "$KSTEP" open-tgt req.der --keytab "$AD/krbtgt.keytab"
    assert_success
    assert_line --regexp "^ +cname: alice$"
    assert_line --regexp "ad-type: 128 \(AD-WIN2K-PAC\)"
    run ns "$KSTEP" send req.der -o rep.der
    assert_success
    run ns "$KSTEP" open-ticket rep.der --keytab "$AD/svc1.keytab"
    assert_success
    assert_line --regexp "^ +cname: alice$"
    assert_line --regexp "^ +server checksum: valid$"
}

@test "ad: kstep run gets the ticket kvno gets: renewable, in FAST" {
    echo alice-pw | ns "$MIT_KINIT" -f -c "$KRB5CCNAME" alice >/dev/null
    echo alice-pw | ns "$MIT_KINIT" -f -c "$MIT_CC" alice >/dev/null
    run --separate-stderr ns "$KSTEP" run HTTP/aes.ad.test --trace -
    assert_success
    [[ $stderr == *"wrapped in FAST"* ]]
    run ns "$MIT_KVNO" -c "$MIT_CC" HTTP/aes.ad.test
    assert_success
    local ours mit
    ours=$(listing "$KRB5CCNAME" | grep -A1 'HTTP/aes.ad.test@AD.TEST$' | sed -n 's/.*Flags: //p')
    mit=$(listing "$MIT_CC" | grep -A1 'HTTP/aes.ad.test@AD.TEST$' | sed -n 's/.*Flags: //p')
    [[ $mit == *F*R* ]]
    assert_equal "$ours" "$mit"
}

@test "ad: kinit -T (FAST armor) is MIT's kinit -T" {
    ns "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/armor" -k -t "$AD/svc1.keytab" svc1
    IN=alice-pw same_as_mit "$KINIT" "$MIT_KINIT" -T "FILE:$BATS_TEST_TMPDIR/armor" alice
    assert_success
    run ns "$KINIT" --trace - -T "FILE:$BATS_TEST_TMPDIR/armor" alice <<<alice-pw
    assert_success
    assert_line --partial "FAST"
}

@test "ad: kinit -R renews AD's TGT as MIT's kinit -R" {
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    sleep 1
    same_as_mit "$KINIT" "$MIT_KINIT" -R
    assert_success
    run listing "$KRB5CCNAME"
    assert_line --partial "Flags: RATO"
}

@test "ad: a password that must change is changed over kpasswd (port 464)" {
    run ns "$KINIT" carol <<<$'carol-pw\nCarol-new-1\nCarol-new-1'
    assert_success
    assert_line --index 1 "Password expired.  You must change it now."
    run listing "$KRB5CCNAME"
    assert_line "Default principal: carol@AD.TEST"
    # MIT's kinit does the same for dave; both new passwords then work.
    run ns "$MIT_KINIT" -c "$MIT_CC" dave <<<$'dave-pw\nDave-new-1\nDave-new-1'
    assert_success
    assert_line --index 1 "Password expired.  You must change it now."
    run ns "$MIT_KINIT" -c "$MIT_CC" carol <<<Carol-new-1
    assert_success
    run ns "$KINIT" dave <<<Dave-new-1
    assert_success
    run ns "$KINIT" carol <<<carol-pw
    assert_failure 1
}

# The delegating service's own forwardable TGT, from its keytab.
service_tgt() {
    ns "$MIT_KINIT" -f -c "$1" -k -t "$AD/svcdeleg.keytab" svcdeleg
}

@test "ad: kvno -I and -U (S4U2Self) are MIT's" {
    service_tgt "$KRB5CCNAME"
    service_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -I alice svcdeleg
    assert_output "svcdeleg@AD.TEST: kvno = 2"
    same_as_mit "$KVNO" "$MIT_KVNO" -U alice svcdeleg
    run listing "$KRB5CCNAME"
    assert_line --partial "for client alice@AD.TEST"
    run ns "$KVNO" -k "$AD/svcdeleg.keytab" -U alice svcdeleg
    assert_output "svcdeleg@AD.TEST: kvno = 2, keytab entry valid"
}

@test "ad: kvno -U -P (S4U2Proxy, constrained delegation) is MIT's" {
    service_tgt "$KRB5CCNAME"
    service_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -U alice -P HTTP/back.ad.test
    assert_success
    assert_output "HTTP/back.ad.test@AD.TEST: kvno = 2"
    run listing "$KRB5CCNAME"
    assert_line --regexp "HTTP/back.ad.test@AD.TEST$"
    # A service AD does not let svcdeleg delegate to: both refuse.
    same_as_mit "$KVNO" "$MIT_KVNO" -U alice -P HTTP/web.ad.test
    assert_failure 1
}

# Last: it changes svcrc4's key, which the tests above ask for at kvno 2.
@test "ad: a keytab of an older key version: invalid, and the hint names msDS-KeyVersionNumber" {
    ks_samba_tool "$AD" user setpassword svcrc4 --newpassword=svcrc4-new >/dev/null
    printf 'rkt %s\nrkt %s\nwkt %s\n' "$AD/svc1.keytab" "$AD/svcrc4.keytab" \
        "$BATS_TEST_TMPDIR/both.keytab" | ktutil >/dev/null
    alice_tgt "$KRB5CCNAME"
    alice_tgt "$MIT_CC"
    same_as_mit "$KVNO" "$MIT_KVNO" -k "$BATS_TEST_TMPDIR/both.keytab" \
        HTTP/web.ad.test HTTP/rc4.ad.test
    assert_failure 1
    run ns "$KVNO" -k "$BATS_TEST_TMPDIR/both.keytab" HTTP/web.ad.test HTTP/rc4.ad.test
    assert_failure 1
    assert_line "HTTP/web.ad.test@AD.TEST: kvno = 2, keytab entry valid"
    assert_line "HTTP/rc4.ad.test@AD.TEST: kvno = 3, keytab entry invalid"
    # The first ticket's PAC (LOGON_INFO) showed AD: the hint speaks AD.
    assert_line --partial "no key for HTTP/rc4.ad.test@AD.TEST of kvno 3 in keytab FILE:$BATS_TEST_TMPDIR/both.keytab (its arcfour-hmac keys are of kvno 2)"
    assert_line --partial "msDS-KeyVersionNumber"
    # Alone, nothing showed AD yet: the general hint.
    run ns "$KVNO" -k "$BATS_TEST_TMPDIR/both.keytab" HTTP/rc4.ad.test
    assert_failure 1
    assert_line --partial "the service's key changed since the keytab was made"
}

@test "ad: the decoded PAC is the directory's alice, and every signature verifies" {
    local sid group primary
    echo alice-pw | ns "$KINIT" alice >/dev/null
    ns "$KSTEP" run HTTP/web.ad.test --krbtgt-keytab "$AD/krbtgt.keytab" \
        --service-keytab "$AD/svc1.keytab" --json >run.json
    ks_samba_tool "$AD" user show alice \
        --attributes=objectSid,primaryGroupID,memberOf >alice.ldif
    ks_samba_tool "$AD" group show staff --attributes=objectSid >staff.ldif
    sid=$(sed -n 's/^objectSid: //p' alice.ldif)
    primary=$(sed -n 's/^primaryGroupID: //p' alice.ldif)
    group=$(sed -n 's/^objectSid: S-.*-//p' staff.ldif)
    grep -q '^memberOf: CN=staff,' alice.ldif
    # objectSid = the logon domain's SID + the user's RID; primaryGroupID
    # and the group alice is a member of are in the PAC as RIDs.
    run jq -e --arg sid "$sid" --argjson primary "$primary" \
        --argjson group "$group" '
        .steps[4].pac["logon-info"] as $l
        | ($l["logon-domain-id"] + "-" + ($l["user-id"] | tostring)) == $sid
          and $l["primary-group-id"] == $primary
          and ([$l.groups[].rid] | index($group)) != null
          and $l["effective-name"] == "alice"' run.json
    assert_success
    # The server signature with the service key; the KDC, ticket and full
    # signatures with the krbtgt key (exported as krbtgt@AD.TEST).
    run jq -e '[.steps[4].pac | .. | objects | select(has("verified"))]
        | (length == 4) and all(.verified == true)' run.json
    assert_success
    run jq -r '[.steps[4].pac | .. | objects | select(has("verified"))
        | ."buffer-name"] | join(" ")' run.json
    assert_output "SERVER_CHECKSUM KDC_CHECKSUM TICKET_CHECKSUM FULL_CHECKSUM"
}

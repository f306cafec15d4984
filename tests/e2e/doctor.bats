#!/usr/bin/env bats
# kstep doctor against realms the fixture breaks on purpose: a wrong port,
# a stopped KDC, a KDC whose clock is an hour ahead (libfaketime), an
# unknown principal and an unknown service, a stale keytab, a keytab of an
# enctype the KDC does not issue, a disabled account, an expired password,
# krb5.conf without default_realm, with a misspelt relation, without a
# [domain_realm] entry, and with enctype lists that exclude the account's
# keys.  Each gives its finding, its hint and the documented exit status
# (0: no error; 1: an error).  SRV records that lead nowhere are in
# dns.bats, which has the name server.

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    kadmin_local <<KADMIN
addprinc -randkey HTTP/stale.test.realm
addprinc -randkey HTTP/newkey.test.realm
addprinc -pw carol-pw carol
addprinc -pw dave-pw dave
modprinc -allow_tix carol
modprinc -pwexpire "2000-01-01 00:00:00 UTC" dave
ktadd -k $KS_REALM_DIR/stale.keytab HTTP/stale.test.realm
cpw -randkey HTTP/stale.test.realm
KADMIN
}

kadmin_local() {
    KRB5_CONFIG=$KS_REALM_DIR/krb5.conf KRB5_KDC_PROFILE=$KS_REALM_DIR/kdc.conf \
        kadmin.local -r "$KS_REALM" >/dev/null 2>&1
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    DOCTOR_CONF=$BATS_TEST_TMPDIR/krb5.conf
    cp "$KS_REALM_DIR/krb5.conf" "$DOCTOR_CONF"
}

doctor() {
    KRB5_CONFIG=$DOCTOR_CONF run "$KSTEP" doctor "$@"
}

@test "a healthy realm: every KDC answers on both transports, exit 0" {
    doctor alice
    assert_success
    assert_line "realm $KS_REALM, principal alice@$KS_REALM"
    assert_line "  127.0.0.1:$KS_REALM_PORT, from kdc = 127.0.0.1:$KS_REALM_PORT"
    assert_line --regexp '^    UDP  answered in [0-9.]+ ms$'
    assert_line --regexp '^    TCP  answered in [0-9.]+ ms$'
    assert_line --regexp "^  ok +kdc +127.0.0.1:$KS_REALM_PORT answers over UDP and TCP$"
    assert_line --regexp "^  ok +clock +127.0.0.1:$KS_REALM_PORT's clock is within [0-2] s of ours$"
    assert_line '0 errors, 0 warnings'
}

@test "what the KDC offers before pre-authentication: types, salt, FAST" {
    doctor alice
    assert_success
    assert_line --partial '  pre-authentication types: '
    assert_line --partial 'PA-ENC-TIMESTAMP (2)'
    assert_line '  key: aes256-cts-hmac-sha1-96, salt "TEST.REALMalice"'
    assert_line '  FAST: offered'
}

@test "--json: one document with the KDCs, the offer and the findings" {
    doctor alice --json
    assert_success
    run jq -e -s 'length == 1 and .[0].doctor.worst == "ok"
        and (.[0].doctor.kdcs[0].udp.answered)
        and (.[0].doctor.kdcs[0].tcp.answered)
        and (.[0].doctor.kdcs[0].clock_offset | fabs < 3)
        and (.[0].doctor.offer.fast)
        and (.[0].doctor.offer.etype_info[0].salt == "TEST.REALMalice")
        and (.[0].doctor.offer.padata | any(.type == 2 and .name == "PA-ENC-TIMESTAMP"))
        and (.[0].doctor.findings | all(.severity == "ok"))' <<<"$output"
    assert_success
}

@test "a wrong port: the KDC does not answer, with the address and a hint" {
    doctor --kdc 127.0.0.1:9 "$KS_REALM"
    assert_failure 1
    assert_line --regexp '^  error +kdc +127.0.0.1:9 \(from --kdc 127.0.0.1:9\) does not answer: '
    assert_line --partial 'hint: is the KDC running there, and is the port right?'
    assert_line '1 error, 0 warnings'
}

@test "a stopped KDC: an error finding, and JSON says so" {
    ks_realm_stop "$KS_REALM_DIR"
    doctor --json --timeout 2 "$KS_REALM"
    ks_realm_start "$KS_REALM_DIR"
    assert_failure 1
    run jq -e '.doctor.worst == "error" and
        (.doctor.kdcs[0].udp.answered | not) and
        (.doctor.findings[] | select(.check == "kdc") | .hint | test("running"))' \
        <<<"$output"
    assert_success
}

@test "a KDC clock an hour ahead: the offset measured and compared with clockskew" {
    ks_realm_restart_faketime "$KS_REALM_DIR" +1h || skip "libfaketime is not installed"
    doctor alice
    ks_realm_stop "$KS_REALM_DIR"
    ks_realm_start "$KS_REALM_DIR"
    assert_failure 1
    assert_line --regexp "^  error +clock +127.0.0.1:$KS_REALM_PORT's clock is 3(59[5-9]|60[0-5]) s ahead of ours, more than clockskew allows \(300 s\)$"
    assert_line --partial "hint: set this machine's clock (NTP)"
}

@test "an unknown principal: the KDC does not know it" {
    doctor nobody
    assert_failure 1
    assert_line --regexp "^  error +preauth +the KDC does not know nobody@$KS_REALM$"
}

@test "an unknown service, with a TGT: the SPN is not registered" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor HTTP/missing.test.realm
    assert_failure 1
    assert_line --regexp "^  error +service +the KDC does not know the service HTTP/missing.test.realm@$KS_REALM$"
    assert_line --partial 'hint: register the service principal'
}

@test "a known service, with a TGT: tickets are issued" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor "$KS_SERVICE"
    assert_success
    assert_line --regexp "^  ok +service +the KDC issues tickets for $KS_SERVICE@$KS_REALM "
}

@test "a stale keytab: the KDC's kvno against the keytab's" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor --keytab "$KS_REALM_DIR/stale.keytab"
    assert_failure 1
    assert_line --regexp "^  error +keytab +the KDC issues tickets for HTTP/stale.test.realm@$KS_REALM under kvno 3 \(aes256-cts-hmac-sha1-96\); the keytab holds kvno 2 of that enctype$"
    assert_line --partial 'hint: the key was changed after the keytab was written'
}

@test "a stale keytab without a TGT: the AS exchange with its key fails" {
    doctor --keytab "$KS_REALM_DIR/stale.keytab" HTTP/stale.test.realm
    assert_failure 1
    assert_line --regexp "^  error +keytab +the keytab's key for HTTP/stale.test.realm@$KS_REALM is not the KDC's: "
}

@test "a keytab of an enctype the KDC does not issue" {
    local kt=$BATS_TEST_TMPDIR/aes128.keytab
    printf 'addent -password -p HTTP/newkey.test.realm@%s -k 1 -e aes128-cts-hmac-sha1-96\nsome-pw\nwkt %s\n' \
        "$KS_REALM" "$kt" | ktutil >/dev/null
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor --keytab "$kt"
    assert_failure 1
    assert_line --regexp "^  error +keytab +the KDC issues aes256-cts-hmac-sha1-96 tickets for HTTP/newkey.test.realm@$KS_REALM; the keytab holds no aes256-cts-hmac-sha1-96 key for it$"
}

@test "a good keytab: the keytab opens the KDC's ticket" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor --keytab "$KS_REALM_DIR/service.keytab"
    assert_success
    assert_line --regexp "^  ok +keytab +the keytab opens the KDC's ticket for $KS_SERVICE@$KS_REALM \(kvno 1, aes256-cts-hmac-sha1-96\)$"
}

@test "a disabled account" {
    doctor carol
    assert_failure 1
    assert_line --regexp "^  error +preauth +the KDC refuses carol@$KS_REALM: client revoked$"
    assert_line --partial 'hint: the account is disabled or locked out'
    refute_line --partial 'exists and requires pre-authentication'
}

@test "an expired password" {
    doctor dave
    assert_failure 1
    assert_line --regexp "^  error +preauth +the password of dave@$KS_REALM has expired$"
    assert_line --partial 'hint: change the password'
}

@test "no default_realm and no realm named: an error, exit 1" {
    sed -i '/default_realm/d' "$DOCTOR_CONF"
    doctor
    assert_failure 1
    assert_line --regexp '^  error +config +krb5.conf has no default_realm and no realm was named'
    assert_line --partial 'hint: add default_realm = YOUR.REALM to [libdefaults]'
}

@test "a misspelt relation: a warning with the nearest known name" {
    ks_conf_add_libdefault "$DOCTOR_CONF" "default_tkt_enctype = aes256-cts"
    doctor "$KS_REALM"
    assert_success
    assert_line --regexp "^  warning +config +\[libdefaults\]: unknown relation 'default_tkt_enctype' \(ignored\)$"
    assert_line --partial 'hint: did you mean default_tkt_enctypes?'
}

@test "a host that [domain_realm] does not map" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    doctor "HTTP/web.elsewhere.org@$KS_REALM"
    assert_line --regexp '^  warning +config +no \[domain_realm\] entry maps web.elsewhere.org'
    assert_line --partial "hint: add \".elsewhere.org = $KS_REALM\" to [domain_realm]"
}

@test "enctype lists that exclude the account's keys" {
    ks_conf_add_libdefault "$DOCTOR_CONF" "default_tkt_enctypes = camellia256-cts-cmac"
    doctor alice
    assert_failure 1
    assert_line --regexp "^  error +preauth +the KDC holds keys of .*aes256-cts-hmac-sha1-96.* for alice@$KS_REALM, none of which our default_tkt_enctypes \(camellia256-cts-cmac\) allows$"
}

@test "usage: one optional argument, --help, a mistyped option" {
    run "$KSTEP" doctor a b
    assert_failure 2
    assert_line --partial "unexpected argument 'b'"
    run "$KSTEP" doctor --help
    assert_success
    assert_line --partial '--keytab'
    run "$KSTEP" doctor --keytabb x
    assert_failure 2
}

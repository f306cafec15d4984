#!/usr/bin/env bats
# Client referrals in the AS exchange (RFC 6806 7).  MIT's DB2 KDC never
# issues them ("our built-in KDB modules do not support client referrals
# for AS requests", krb5 commit 437fbad), so fake KDCs
# (tests/tools/fakekdc.py --mode error) answer KDC_ERR_WRONG_REALM for
# realms of their own, pointing at the real realm of the fixture or at one
# another (loops, endless chains), and a real MIT KDC issues the ticket.

bats_require_minimum_version 1.5.0
load helpers

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
    cp "$KS_REALM_DIR/krb5.conf" "$BATS_TEST_TMPDIR/krb5.conf"
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf
    FAKES=()
}

teardown() {
    local name
    for name in "${FAKES[@]}"; do
        ks_fakekdc_stop "$BATS_TEST_TMPDIR" "$name"
    done
}

# A fake KDC NAME for REALM started with ARGS..., named in krb5.conf.
fake_realm() {
    local name=$1 realm=$2 port
    shift 2
    port=$(ks_fakekdc_start "$BATS_TEST_TMPDIR" "$name" --mode error \
        --realm "$realm" "$@")
    FAKES+=("$name")
    ks_conf_add_realm "$KRB5_CONFIG" "$realm" "kdc = 127.0.0.1:$port"
    FAKE_PORT=$port
}

requests() {
    ks_fakekdc_count "$BATS_TEST_TMPDIR" "$1"
}

@test "referral: WRONG_REALM without -C is a plain error naming -C" {
    fake_realm refer REFER.REALM --code 68 --crealm "$KS_REALM"
    run "$KINIT" alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_line "kinit: Realm not local to KDC while getting initial credentials (the KDC refers the client to realm $KS_REALM; kinit -C follows such referrals)"
    [ "$(requests refer)" = 1 ]
    [ ! -e "$CC" ]
    # MIT's kinit does not follow it either.
    run "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/mit" alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
}

@test "referral: -C follows it to the real realm, ignoring the error's cname" {
    fake_realm refer REFER.REALM --code 68 --crealm "$KS_REALM" --cname mallory
    run "$KINIT" -C --trace "$BATS_TEST_TMPDIR/trace" alice@REFER.REALM <<<"alice-pw"
    assert_success
    assert_output "Password for alice@$KS_REALM: "
    grep -q "client referral 1 of at most 5: the KDC of REFER.REALM says the client is in $KS_REALM" \
        "$BATS_TEST_TMPDIR/trace"
    run "$MIT_KLIST"
    assert_line "Default principal: alice@$KS_REALM"
    assert_line --partial "krbtgt/$KS_REALM@$KS_REALM"
    # MIT's kinit -C ends with the same principal.
    echo alice-pw | "$MIT_KINIT" -C -c "FILE:$BATS_TEST_TMPDIR/mit" alice@REFER.REALM >/dev/null
    run "$MIT_KLIST" -c "$BATS_TEST_TMPDIR/mit"
    assert_line "Default principal: alice@$KS_REALM"
}

@test "referral: an enterprise name (-E) follows it too" {
    fake_realm refer REFER.REALM --code 68 --crealm "$KS_REALM"
    ks_conf_add_libdefault "$KRB5_CONFIG" "default_realm = REFER.REALM"
    sed -i "/default_realm = $KS_REALM/d" "$KRB5_CONFIG"
    run "$KINIT" -E alice <<<"alice-pw"
    assert_success
    run "$MIT_KLIST"
    assert_line "Default principal: alice@$KS_REALM"
}

@test "referral: C_PRINCIPAL_UNKNOWN naming another realm (Windows 2003)" {
    fake_realm refer REFER.REALM --code 6 --crealm "$KS_REALM"
    run "$KINIT" -C alice@REFER.REALM <<<"alice-pw"
    assert_success
    run "$KINIT" alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output --partial "not found in Kerberos database"
}

@test "referral: a loop A -> B -> A stops at once" {
    fake_realm a A.REALM --code 68 --crealm B.REALM
    fake_realm b B.REALM --code 68 --crealm A.REALM
    run "$KINIT" -C alice@A.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: KDC reply did not match expectations while getting initial credentials; client referral not followed: referral loop A.REALM -> B.REALM -> A.REALM"
    [ "$(requests a)" = 1 ]
    [ "$(requests b)" = 1 ]
    [ ! -e "$CC" ]
}

@test "referral: an endless chain stops after 5 referrals" {
    local i
    fake_realm hop HOP0.REALM --code 68 --crealm "HOP{n}.REALM"
    for ((i = 1; i <= 20; i++)); do
        ks_conf_add_realm "$KRB5_CONFIG" "HOP$i.REALM" "kdc = 127.0.0.1:$FAKE_PORT"
    done
    run "$KINIT" -C alice@HOP0.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: KDC reply did not match expectations while getting initial credentials; client referral not followed: more than 5 referrals (HOP0.REALM -> HOP1.REALM -> HOP2.REALM -> HOP3.REALM -> HOP4.REALM -> HOP5.REALM -> HOP6.REALM)"
    [ "$(requests hop)" = 6 ]
}

@test "referral: WRONG_REALM without a crealm is an error, not a crash" {
    fake_realm refer REFER.REALM --code 68
    run "$KINIT" -C alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: KDC reply did not match expectations while getting initial credentials; client referral not followed: the KDC's WRONG_REALM error names no realm"
    run "$KINIT" alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: Realm not local to KDC while getting initial credentials (the KDC names another realm for this principal: try kinit -C (and -E for an enterprise name))"
}

@test "referral: only to realms krb5.conf names KDCs for" {
    fake_realm refer REFER.REALM --code 68 --crealm EVIL.REALM
    run "$KINIT" -C alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: KDC reply did not match expectations while getting initial credentials; client referral not followed: krb5.conf names no KDC for realm EVIL.REALM"
    [ "$(requests refer)" = 1 ]
}

@test "referral: a realm with control characters is refused, and sanitised" {
    fake_realm refer REFER.REALM --code 68 --crealm $'EVIL\e[31m.REALM'
    run "$KINIT" -C alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output "kinit: KDC reply did not match expectations while getting initial credentials; client referral not followed: the KDC's error names an unusable realm"
    run "$KINIT" alice@REFER.REALM <<<"alice-pw"
    assert_failure 1
    assert_output --partial 'realm EVIL\x1b[31m.REALM;'
}

#!/usr/bin/env bats
# FAST (RFC 6113): kinit -T armors the AS exchange with a TGT from an armor
# cache, and kvno sends FAST TGS requests (implicit TGT armor) when the
# cache says the KDC supports FAST.  Stripped and modified FAST replies are
# covered by tests/unit/test_fast.c, with replies built there.

load helpers

setup_file() {
    ks_setup_realm
    export ARMOR=FILE:$BATS_FILE_TMPDIR/armor
    "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" -c "$ARMOR" robot
    # The same realm, with encrypted timestamps disabled on the client
    # (MIT's krb5.conf option): only FAST's encrypted challenge is left.
    ks_realm_client_conf "$KS_REALM_DIR" "$BATS_FILE_TMPDIR/no-encts.conf" \
        disable_encrypted_timestamp true
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

@test "kinit -T: an armored AS exchange gives a TGT MIT's klist lists" {
    run "$KINIT" -T "$ARMOR" --password-file <(echo alice-pw) alice
    assert_success
    run "$MIT_KLIST"
    assert_success
    assert_output --partial "Default principal: alice@$KS_REALM"
    assert_output --partial "krbtgt/$KS_REALM@$KS_REALM"
}

@test "kinit -T: the trace shows the armor, encrypted challenge and FAST reply" {
    run "$KINIT" -T "$ARMOR" --trace - --password-file <(echo alice-pw) alice
    assert_success
    assert_output --regexp "\[AS fast\] FAST armor: AP-REQ with robot@$KS_REALM's ticket krbtgt/$KS_REALM@$KS_REALM"
    assert_output --partial "[AS fast] wrapped in FAST with AP-REQ armor"
    assert_output --partial "FAST error opened with the armor key: inner error 25"
    assert_output --partial "[AS fast] PA-ENCRYPTED-CHALLENGE"
    assert_output --partial "FAST reply opened with the armor key (usage 52): nonce matches, ticket checksum verifies (usage 53), client alice@$KS_REALM"
    assert_output --partial "the KDC's encrypted challenge opens with our key (usage 55)"
    refute_output --partial "PA-ENC-TIMESTAMP with"
}

@test "kinit -T: the cache records fast_avail as MIT's kinit does" {
    run "$KINIT" -T "$ARMOR" --password-file <(echo alice-pw) alice
    assert_success
    run "$MIT_KLIST" -C
    assert_success
    assert_output --partial "config: fast_avail(krbtgt/$KS_REALM@$KS_REALM) = yes"
}

@test "disable_encrypted_timestamp: MIT's and our plain kinit are refused, kinit -T works" {
    export KRB5_CONFIG=$BATS_FILE_TMPDIR/no-encts.conf
    run "$MIT_KINIT" alice <<<alice-pw
    assert_failure
    assert_output --partial "Encrypted timestamp is disabled"
    run "$KINIT" --password-file <(echo alice-pw) alice
    assert_failure 1
    assert_output --partial "Encrypted timestamp is disabled"
    assert_output --partial "-T"
    [ ! -e "$BATS_TEST_TMPDIR/ccache" ]
    run "$KINIT" -T "$ARMOR" --password-file <(echo alice-pw) alice
    assert_success
    run "$MIT_KLIST"
    assert_output --partial "krbtgt/$KS_REALM@$KS_REALM"
}

@test "kinit -T: a wrong password inside FAST is 'Password incorrect'" {
    run "$KINIT" -T "$ARMOR" --password-file <(echo wrong-pw) alice
    assert_failure 1
    assert_output --partial "Password incorrect"
    [ ! -e "$BATS_TEST_TMPDIR/ccache" ]
}

@test "kinit -T: a missing armor cache is one clear line, exit 1, cache untouched" {
    "$KINIT" --password-file <(echo bob-pw) bob
    before=$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")
    run "$KINIT" -T "FILE:$BATS_TEST_TMPDIR/none" \
        --password-file <(echo alice-pw) alice
    assert_failure 1
    assert_output --partial "FAST armor cache FILE:$BATS_TEST_TMPDIR/none"
    assert_output --partial "No credentials cache found"
    [ "${#lines[@]}" -eq 1 ]
    [ "$(ks_file_sum "$BATS_TEST_TMPDIR/ccache")" = "$before" ]
}

@test "kinit -T: an armor cache without a TGT of the realm is refused" {
    other=FILE:$BATS_TEST_TMPDIR/other-armor
    # Only a service ticket, no krbtgt/REALM: nothing to armor with.
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" -c "$other" \
        -S "$KS_SERVICE" robot
    run "$KINIT" -T "$other" --password-file <(echo alice-pw) alice
    assert_failure 1
    assert_output --partial "holds no ticket-granting ticket for $KS_REALM"
}

@test "kvno after kinit -T: the TGS exchange is in FAST and the ticket works" {
    "$KINIT" -T "$ARMOR" --password-file <(echo alice-pw) alice
    run "$KVNO" --trace - "$KS_SERVICE"
    assert_success
    assert_output --partial "[1/8 request] wrapped in FAST with implicit TGT armor"
    assert_output --partial "[7/8 decrypt] FAST reply opened with the armor key"
    assert_output --partial "opened with the strengthened authenticator subkey (FAST, usage 9)"
    assert_output --partial "$KS_SERVICE@$KS_REALM: kvno = 1"
    run "$MIT_KVNO" -k "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    assert_success
    assert_output --partial "keytab entry valid"
}

@test "kvno on MIT's cache: MIT's fast_avail entry turns FAST on too" {
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    run "$KVNO" --trace - "$KS_SERVICE"
    assert_success
    assert_output --partial "wrapped in FAST with implicit TGT armor"
    assert_output --partial "$KS_SERVICE@$KS_REALM: kvno = 1"
}

@test "kinit --help lists -T; a -T without its argument is a usage error" {
    run "$KINIT" --help
    assert_success
    assert_output --regexp "-T.*ARMOR_CACHE"
    run "$KINIT" -T
    assert_failure 2
}

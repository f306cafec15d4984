#!/usr/bin/env bats
# Our kinit against a real MIT KDC: passwords, keytabs, ticket options as
# MIT's klist shows them (beside what MIT's kinit gets), -V, --trace, and
# failures that print one line, exit 1 and leave the old cache alone.

bats_require_minimum_version 1.5.0
load helpers

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
}

# MIT's klist -f lines for the TGT: "renew until ..., Flags: FRI" etc.
flags_of() {
    "$MIT_KLIST" -f -c "$1" | sed -n 's/.*Flags: //p'
}

# A cache holding bob's TGT, to check that failures leave it alone.
seed_cache() {
    echo bob-pw | "$MIT_KINIT" -c "FILE:$CC" bob >/dev/null
    BEFORE=$(ks_file_sum "$CC")
}

@test "kinit: alice (pre-auth required) with the password on stdin" {
    run "$KINIT" alice <<<"alice-pw"
    assert_success
    assert_output "Password for alice@$KS_REALM: "
    run "$MIT_KLIST"
    assert_success
    assert_line "Default principal: alice@$KS_REALM"
    assert_line --partial "krbtgt/$KS_REALM@$KS_REALM"
}

@test "kinit: bob (no pre-auth) with the password on stdin" {
    run "$KINIT" bob <<<"bob-pw"
    assert_success
    run "$MIT_KLIST"
    assert_line "Default principal: bob@$KS_REALM"
}

@test "kinit: the principal defaults to the cache's" {
    seed_cache
    run "$KINIT" <<<"bob-pw"
    assert_success
    assert_output "Password for bob@$KS_REALM: "
}

@test "kinit -k -t: a keytab" {
    run "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot </dev/null
    assert_success
    assert_output ""
    run "$MIT_KLIST"
    assert_line "Default principal: robot@$KS_REALM"
}

@test "kinit -t without -k: forces -k, as MIT's" {
    run "$KINIT" -t "$KS_REALM_DIR/robot.keytab" robot </dev/null
    assert_success
    assert_output "keytab specified, forcing -k"
}

@test "kinit -k: a keytab without the principal's keys" {
    seed_cache
    run "$KINIT" -k -t "$KS_REALM_DIR/service.keytab" robot
    assert_failure 1
    assert_output "kinit: Keytab contains no suitable keys for robot@$KS_REALM while getting initial credentials (check the keytab with klist -k -e)"
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit -k: a keytab with the wrong key (with and without pre-auth)" {
    local who mit
    seed_cache
    for who in robot:"Password incorrect" alice:"Preauthentication failed"; do
        mit=${who#*:} who=${who%%:*}
        printf 'addent -password -p %s@%s -k 1 -e aes256-cts-hmac-sha1-96\nnot-the-key\nwkt %s\n' \
            "$who" "$KS_REALM" "$BATS_TEST_TMPDIR/$who.keytab" | ktutil >/dev/null
        run --separate-stderr "$KINIT" -k -t "$BATS_TEST_TMPDIR/$who.keytab" "$who"
        assert_failure 1
        # MIT's words first (no pre-auth: the reply does not decrypt).
        [ "$stderr" = "kinit: $mit while getting initial credentials; Key from the keytab incorrect (check the password or the keytab's key version)" ]
    done
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit --password-file FILE and -" {
    printf 'alice-pw\n' >"$BATS_TEST_TMPDIR/pw"
    chmod 600 "$BATS_TEST_TMPDIR/pw"
    run "$KINIT" --password-file "$BATS_TEST_TMPDIR/pw" alice </dev/null
    assert_success
    assert_output ""
    run "$KINIT" --password-file - bob <<<"bob-pw"
    assert_success
    run "$MIT_KLIST"
    assert_line "Default principal: bob@$KS_REALM"
}

@test "kinit -l -r -f: the ticket MIT's kinit gets, as MIT's klist shows it" {
    run "$KINIT" -l 2h -r 3d -f renew <<<"renew-pw"
    assert_success
    ours=$(flags_of "$CC")
    echo renew-pw | "$MIT_KINIT" -c "FILE:$CC.mit" -l 2h -r 3d -f renew
    mit=$(flags_of "$CC.mit")
    echo "ours: $ours / MIT: $mit"
    [ "$ours" = "$mit" ]
    [[ $ours == *"Flags: FRI"* || $ours == "FRI" ]]
    # 2 hours of life, 3 days renewable, as MIT's (the KDC's clock may
    # tick between our request and its start time).
    run "$MIT_KLIST" -c "$CC"
    start=$(date -d "$(echo "$output" | awk '/krbtgt/ {print $1, $2}')" +%s)
    end=$(date -d "$(echo "$output" | awk '/krbtgt/ {print $3, $4}')" +%s)
    renew=$(date -d "$(echo "$output" | sed -n 's/.*renew until \([0-9\/]* [0-9:]*\).*/\1/p')" +%s)
    [ $((end - start)) -ge 7198 ] && [ $((end - start)) -le 7200 ]
    [ $((renew - start)) -ge 259198 ] && [ $((renew - start)) -le 259200 ]
}

@test "kinit -F -P and defaults: flags as MIT's kinit gets them" {
    run "$KINIT" -F -P alice <<<"alice-pw"
    assert_success
    echo alice-pw | "$MIT_KINIT" -c "FILE:$CC.mit" -F -P alice
    [ "$(flags_of "$CC")" = "$(flags_of "$CC.mit")" ]
    [ "$(flags_of "$CC")" = "IA" ]
}

@test "kinit -s: a postdated ticket, as MIT's" {
    run "$KINIT" -s 1h bob <<<"bob-pw"
    assert_success
    echo bob-pw | "$MIT_KINIT" -c "FILE:$CC.mit" -s 1h bob
    [ "$(flags_of "$CC")" = "$(flags_of "$CC.mit")" ]
    [[ $(flags_of "$CC") == *d*i* ]]
}

@test "kinit -S: a ticket for a service instead of krbtgt" {
    run "$KINIT" -S "$KS_SERVICE" bob <<<"bob-pw"
    assert_success
    run "$MIT_KLIST"
    assert_line --partial "$KS_SERVICE@$KS_REALM"
}

@test "kinit -c: a named cache" {
    run "$KINIT" -c "FILE:$BATS_TEST_TMPDIR/other" bob <<<"bob-pw"
    assert_success
    [ -s "$BATS_TEST_TMPDIR/other" ]
    [ ! -e "$CC" ]
}

@test "kinit -V: MIT's lines on stderr" {
    run --separate-stderr "$KINIT" -V bob <<<"bob-pw"
    assert_success
    assert_output "Password for bob@$KS_REALM: "
    [ "${stderr_lines[0]}" = "Using default cache: $CC" ]
    [ "${stderr_lines[1]}" = "Using principal: bob@$KS_REALM" ]
    [ "${stderr_lines[2]}" = "Authenticated to Kerberos v5" ]
    run --separate-stderr "$KINIT" -V -c "FILE:$CC" -k -t "$KS_REALM_DIR/robot.keytab" robot
    assert_success
    [ "${stderr_lines[0]}" = "Using specified cache: FILE:$CC" ]
    [ "${stderr_lines[1]}" = "Using principal: robot@$KS_REALM" ]
    [ "${stderr_lines[2]}" = "Using keytab: $KS_REALM_DIR/robot.keytab" ]
}

@test "kinit --trace -: the steps of the exchange, never the password" {
    run --separate-stderr "$KINIT" --trace - alice <<<"alice-pw"
    assert_success
    echo "$stderr"
    [[ $stderr == *"kinit: [AS request] AS-REQ for alice@$KS_REALM to krbtgt/$KS_REALM@$KS_REALM, nonce 0x"*", etypes aes256-cts-hmac-sha1-96,aes128-cts-hmac-sha1-96"* ]]
    [[ $stderr == *"[AS preauth] KDC requires pre-authentication"* ]]
    [[ $stderr == *"[AS preauth] ETYPE-INFO2 offers aes256-cts-hmac-sha1-96, salt \"${KS_REALM}alice\": chosen"* ]]
    [[ $stderr == *"[AS preauth] client key aes256-cts-hmac-sha1-96 key "* ]]
    [[ $stderr == *"[AS send] "* ]]
    [[ $stderr == *"[AS decrypt] enc-pa-rep: the KDC's checksum over our"* ]]
    [[ $stderr == *"[AS decrypt] nonce 0x"*" matches, names match"* ]]
    [[ $stderr == *"[AS store] 1 credential staged in a MEMORY cache and moved over FILE:$CC"* ]]
    [[ $stderr != *alice-pw* ]]
    # Two AS-REQs, each with its own nonce.
    n1=$(grep -o 'nonce 0x[0-9a-f]*' <<<"$stderr" | sed -n 1p)
    n2=$(grep -o 'nonce 0x[0-9a-f]*' <<<"$stderr" | sed -n 2p)
    [ -n "$n2" ] && [ "$n1" != "$n2" ]
}

@test "kinit --trace-format json: one JSON object a line" {
    run --separate-stderr "$KINIT" --trace - --trace-format json bob <<<"bob-pw"
    assert_success
    while read -r line; do
        /usr/bin/python3 -c 'import json,sys; json.loads(sys.argv[1])' "$line"
    done <<<"$stderr"
    [[ $stderr == *'"stage":"AS decrypt"'* ]]
}

@test "kinit: wrong password (pre-auth): one line, exit 1, cache unchanged" {
    seed_cache
    run --separate-stderr "$KINIT" alice <<<"wrong"
    assert_failure 1
    [ "$stderr" = "kinit: Password incorrect while getting initial credentials (check the password or the keytab's key version)" ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: wrong password (no pre-auth): the reply does not decrypt" {
    seed_cache
    run --separate-stderr "$KINIT" bob <<<"wrong"
    assert_failure 1
    [ "$stderr" = "kinit: Password incorrect while getting initial credentials (check the password or the keytab's key version)" ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: unknown principal" {
    seed_cache
    run --separate-stderr "$KINIT" nobody <<<"x"
    assert_failure 1
    [[ $stderr == "kinit: Client 'nobody@$KS_REALM' not found in Kerberos database while getting initial credentials"* ]]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: a cache in a missing directory" {
    run --separate-stderr "$KINIT" -c "FILE:$BATS_TEST_TMPDIR/no/such/cc" bob <<<"bob-pw"
    assert_failure 1
    [ "$stderr" = "kinit: Failed to store credentials: No credentials cache found while getting initial credentials; storing credentials in FILE:$BATS_TEST_TMPDIR/no/such/cc: No credentials cache found (does its directory exist?)" ]
}

@test "kinit: a cache under a regular file (not writable)" {
    : >"$BATS_TEST_TMPDIR/file"
    run --separate-stderr "$KINIT" -c "FILE:$BATS_TEST_TMPDIR/file/cc" bob <<<"bob-pw"
    assert_failure 1
    [[ $stderr == "kinit: Failed to store credentials: "*" while getting initial credentials; storing credentials in FILE:$BATS_TEST_TMPDIR/file/cc: "* ]]
    [ "${#stderr_lines[@]}" -eq 1 ]
}

@test "kinit: a cache in a read-only directory" {
    mkdir "$BATS_TEST_TMPDIR/ro"
    run --separate-stderr ks_run_readonly "$BATS_TEST_TMPDIR/ro" \
        "$KINIT" -c "FILE:$BATS_TEST_TMPDIR/ro/cc" bob <<<"bob-pw"
    assert_failure 1
    [[ $stderr == "kinit: Failed to store credentials: "*"; storing credentials in FILE:$BATS_TEST_TMPDIR/ro/cc: "* ]]
    [ ! -e "$BATS_TEST_TMPDIR/ro/cc" ]
}

@test "kinit: a malformed krb5.conf" {
    seed_cache
    printf '[libdefaults\n' >"$BATS_TEST_TMPDIR/bad.conf"
    KRB5_CONFIG=$BATS_TEST_TMPDIR/bad.conf run --separate-stderr "$KINIT" bob <<<"bob-pw"
    assert_failure 1
    [ "$stderr" = "kinit: reading the Kerberos configuration $BATS_TEST_TMPDIR/bad.conf: Improper format of Kerberos configuration file" ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: an unreachable KDC fails in one line and keeps the cache" {
    seed_cache
    sed "s/kdc = 127.0.0.1:[0-9]*/kdc = 127.0.0.1:9/" "$KRB5_CONFIG" >"$BATS_TEST_TMPDIR/down.conf"
    KRB5_CONFIG=$BATS_TEST_TMPDIR/down.conf run --separate-stderr "$KINIT" bob <<<"bob-pw"
    assert_failure 1
    [[ $stderr == "kinit: Cannot contact any KDC for realm '$KS_REALM' while getting initial credentials (tried "* ]]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: end of input at the password prompt" {
    seed_cache
    run --separate-stderr "$KINIT" bob </dev/null
    assert_failure 1
    [ "$stderr" = "kinit: Cannot read password while getting initial credentials; reading the password: Cannot read password" ]
    [ "$(ks_file_sum "$CC")" = "$BEFORE" ]
}

@test "kinit: usage errors exit 2 with Try" {
    run "$KINIT" --no-such-option
    assert_failure 2
    assert_line --partial "Try 'kinit --help'"
    run "$KINIT" -l bogus bob
    assert_failure 2
    assert_line "kinit: bad lifetime value 'bogus'"
    run "$KINIT" -f -F bob
    assert_failure 2
    run "$KINIT" alice bob
    assert_failure 2
    assert_line "kinit: extra arguments (starting with 'bob')"
}

@test "kinit: options not supported yet fail in one line" {
    run "$KINIT" -X x=y
    assert_failure 1
    assert_output --regexp "^kinit: -X .* is not supported yet"
    run "$KINIT" -I "$CC"
    assert_failure 1
    assert_output --regexp "^kinit: -I .* is not supported yet"
}

@test "kinit --help and --version" {
    run "$KINIT" --help
    assert_success
    assert_line --partial "--password-file"
    run "$KINIT" --version
    assert_success
    assert_output --regexp '^kinit \(kstep\) '
}

@test "kinit --request-pac / --no-request-pac" {
    run "$KINIT" --no-request-pac bob <<<"bob-pw"
    assert_success
    run "$KINIT" --request-pac bob <<<"bob-pw"
    assert_success
}

@test "kinit: no protocol driver of libkrb5 is linked" {
    run nm -D --undefined-only "$KINIT"
    assert_success
    refute_output --regexp 'krb5_get_init_creds|krb5_init_creds|krb5_get_in_tkt|krb5_sendto_kdc|krb5_get_credentials|krb5_mk_req|krb5_rd_rep|krb5_tkt_creds|krb5_get_cred_via|k5_locate_kdc|krb5_get_renewed|krb5_get_validated'
}

@test "kinit warns of an expiring password as MIT's kinit does" {
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -pw soon-pw -pwexpire "+84 hours" soon'
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -pw hour-pw -pwexpire "+30 minutes" hour'
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -pw far-pw -pwexpire "+30 days" far'
    local p mit
    for p in soon hour far; do
        run -0 "$MIT_KINIT" "$p" <<<"$p-pw"
        mit=$output
        run -0 "$KINIT" "$p" <<<"$p-pw"
        assert_output "$mit"
    done
    run -0 "$KINIT" hour <<<hour-pw
    assert_line --index 1 --regexp "^Warning: Your password will expire in less than one hour on "
    run -0 "$KINIT" far <<<far-pw
    refute_output --partial Warning
    # --json carries the time instead of the warning.
    run -0 --separate-stderr "$KINIT" --json soon <<<soon-pw
    refute_output --partial Warning
    [[ $(jq -r '.password_expires.iso' <<<"$output") == 20*Z ]]
}

@test "kinit warns of a deprecated enctype as MIT's kinit does" {
    # kadmin.local makes keys only of the realm's supported enctypes.
    sed -i 's/^\( *supported_enctypes = .*\)$/\1 des3-cbc-sha1:normal arcfour-hmac:normal/' \
        "$KS_REALM_DIR/kdc.conf"
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -e des3-cbc-sha1:normal -pw old-pw old'
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -e arcfour-hmac:normal -pw rc4-pw rc4u'
    local p pw mit
    for p in old:old-pw rc4u:rc4-pw alice:alice-pw; do
        pw=${p#*:}
        p=${p%%:*}
        run -0 "$MIT_KINIT" "$p" <<<"$pw"
        mit=$output
        run -0 "$KINIT" "$p" <<<"$pw"
        assert_output "$mit"
    done
    run -0 "$KINIT" old <<<old-pw
    assert_line --index 1 "Warning: encryption type des3-cbc-sha1 used for authentication is deprecated and will be disabled"
    run -0 "$KINIT" alice <<<alice-pw
    refute_output --partial Warning
}

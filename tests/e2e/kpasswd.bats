#!/usr/bin/env bats
# kinit and expired passwords: KDC_ERR_KEY_EXPIRED makes our kinit change
# the password with its own kpasswd exchange (MIT's kadmind serves it) and
# then get the ticket with the new one; refusals and mismatches print one
# line, exit 1 and change nothing.  Also kinit -n, which needs anonymous
# PKINIT that kstep does not implement.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    ks_realm_start_kadmind "$KS_REALM_DIR"
    # Each test has a principal of its own whose password has expired.
    ks_realm_kadmin "$KS_REALM_DIR" "addpol -minlength 12 longpw"
    local p
    for p in exp1 exp3 exp4 exp5 exp6; do
        ks_realm_kadmin "$KS_REALM_DIR" \
            "addprinc +requires_preauth -pw old-$p-pw -pwexpire yesterday $p"
    done
    ks_realm_kadmin "$KS_REALM_DIR" \
        "addprinc -policy longpw -pw old-password-long -pwexpire yesterday exp2"
}

teardown_file() {
    ks_realm_stop_kadmind "$KS_REALM_DIR"
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
}

# kadmin.local's view of principal $1: its last change and its expiry.
pw_state() {
    KRB5_CONFIG=$KS_REALM_DIR/krb5.conf KRB5_KDC_PROFILE=$KS_REALM_DIR/kdc.conf \
        kadmin.local -r "$KS_REALM" -q "getprinc $1" 2>/dev/null |
        grep -E '^(Last password change|Password expiration date):'
}

@test "kpasswd: an expired password is changed, then the ticket comes" {
    run --separate-stderr "$KINIT" --trace "$BATS_TEST_TMPDIR/trace" exp1 \
        <<<$'old-exp1-pw\nnew-exp1-pw\nnew-exp1-pw'
    assert_success
    # MIT's kinit prompts and banner, on stdout.
    assert_output "Password for exp1@$KS_REALM: 
Password expired.  You must change it now.
Enter new password: 
Enter it again: "
    run "$MIT_KLIST" -c "FILE:$CC"
    assert_success
    assert_line "Default principal: exp1@$KS_REALM"
    assert_line --partial "krbtgt/$KS_REALM@$KS_REALM"
    run pw_state exp1
    assert_line "Password expiration date: [never]"
    # The new password works with MIT's kinit, the old one no longer does.
    run "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/mit" exp1 <<<new-exp1-pw
    assert_success
    run "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/mit" exp1 <<<old-exp1-pw
    assert_failure
    assert_output --partial "Password incorrect"
    # The trace shows the exchange over TCP first, never the passwords.
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_line --partial "the password of exp1@$KS_REALM has expired"
    assert_line --regexp "\[kpasswd send\] [0-9]+ bytes over TCP to 127.0.0.1:$KS_KPASSWD_PORT \.\.\. "
    assert_line --partial "[kpasswd reply] result 0 (Success)"
    refute_output --partial "exp1-pw"
}

@test "kpasswd: a password the server rejects: its words, exit 1, no change" {
    local before
    before=$(pw_state exp2)
    run --separate-stderr "$KINIT" exp2 \
        <<<$'old-password-long\nshort\nshort'
    assert_failure 1
    assert_equal "$stderr" "kinit: Password change failed while getting initial credentials; the password has expired: changing it: Password change rejected: New password is too short. Please choose a password which is at least 12 characters long."
    [ ! -e "$CC" ]
    run pw_state exp2
    assert_output "$before"
}

@test "kpasswd: a confirmation that differs: one line, exit 1, no change" {
    local before
    before=$(pw_state exp3)
    run --separate-stderr "$KINIT" exp3 <<<$'old-exp3-pw\nnew-a-pw\nnew-b-pw'
    assert_failure 1
    assert_equal "$stderr" "kinit: Password mismatch while getting initial credentials; the password has expired: Password mismatch: the new password and its confirmation differ; the password was not changed"
    [ ! -e "$CC" ]
    run pw_state exp3
    assert_output "$before"
    # An empty new password is refused the same way.
    run --separate-stderr "$KINIT" exp3 <<<$'old-exp3-pw\n\n'
    assert_failure 1
    assert_equal "$stderr" "kinit: New password cannot be zero length while getting initial credentials; the password has expired: New password cannot be zero length; the password was not changed"
    run pw_state exp3
    assert_output "$before"
}

@test "kpasswd: a wrong old password gets no changepw ticket" {
    local before
    before=$(pw_state exp4)
    run --separate-stderr "$KINIT" exp4 <<<$'wrong-pw\nnew-exp4-pw\nnew-exp4-pw'
    assert_failure 1
    assert_equal "$stderr" "kinit: Password incorrect while getting initial credentials; the password has expired: getting a kadmin/changepw ticket: Password incorrect (check the password or the keytab's key version)"
    run pw_state exp4
    assert_output "$before"
}

@test "kpasswd: --password-file - reads the new password from the next lines" {
    run "$KINIT" --password-file - exp5 \
        <<<$'old-exp5-pw\nnew-exp5-pw\nnew-exp5-pw'
    assert_success
    run "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/mit" exp5 <<<new-exp5-pw
    assert_success
}

@test "kpasswd: no kpasswd server answering: one line naming it, exit 1" {
    local port before
    port=$(ks_free_port)
    sed "s/kpasswd_server = .*/kpasswd_server = 127.0.0.1:$port/" \
        "$KRB5_CONFIG" >"$BATS_TEST_TMPDIR/krb5.conf"
    before=$(pw_state exp6)
    KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf run --separate-stderr \
        "$KINIT" exp6 <<<$'old-exp6-pw\nnew-exp6-pw\nnew-exp6-pw'
    assert_failure 1
    assert_regex "$stderr" "^kinit: .* while getting initial credentials; the password has expired: changing it: Cannot contact any kpasswd server for realm '$KS_REALM' \(tried 127.0.0.1:$port over .*TCP \(connection refused\)"
    [ "${#lines[@]}" -le 4 ]
    [ ! -e "$CC" ]
    run pw_state exp6
    assert_output "$before"
}

@test "kpasswd: kinit links no password-change or AP driver of libkrb5" {
    run bash -c "nm -D --undefined-only '$KINIT' | grep -E 'krb5_(change_password|set_password|mk_priv|rd_priv|mk_req|rd_rep|mk_rep|rd_req)'"
    assert_failure
    assert_output ""
}

@test "kinit -n: no anonymous PKINIT; the KDC's answer said; MIT's exit code" {
    run "$MIT_KINIT" -n </dev/null
    assert_failure 1
    run --separate-stderr "$KINIT" -n </dev/null
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "kinit: anonymous PKINIT is not supported by kstep, and $KS_REALM offers no anonymous tickets (its KDC does not know WELLKNOWN/ANONYMOUS@$KS_REALM)"
    [ ! -e "$CC" ]
    # @REALM names the realm; a name asks for MIT's partial anonymity.
    run --separate-stderr "$KINIT" -n "@$KS_REALM" </dev/null
    assert_failure 1
    assert_equal "$stderr" "kinit: anonymous PKINIT is not supported by kstep, and $KS_REALM offers no anonymous tickets (its KDC does not know WELLKNOWN/ANONYMOUS@$KS_REALM)"
    run --separate-stderr "$KINIT" -n alice </dev/null
    assert_failure 1
    assert_equal "$stderr" "kinit: anonymous PKINIT is not supported by kstep, and the KDC refused the anonymous request for alice@$KS_REALM: KDC can't fulfill requested option"
}

@test "kinit -n: a realm with an anonymous principal but no PKINIT" {
    ks_realm_kadmin "$KS_REALM_DIR" "addprinc -randkey WELLKNOWN/ANONYMOUS"
    run --separate-stderr "$KINIT" -n </dev/null
    ks_realm_kadmin "$KS_REALM_DIR" "delprinc -force WELLKNOWN/ANONYMOUS"
    assert_failure 1
    # Never a password prompt for the anonymous principal (MIT asks one).
    assert_output ""
    assert_equal "$stderr" "kinit: anonymous PKINIT is not supported by kstep, and the KDC does not offer it (it asks WELLKNOWN/ANONYMOUS@$KS_REALM for other pre-authentication)"
    [ ! -e "$CC" ]
}

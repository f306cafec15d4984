#!/usr/bin/env bats
# Step 8 replaces: a ticket stored for a server the cache already holds a
# ticket for (kvno, kstep run, kstep store, kvno -U) takes the earlier
# one's place, so that MIT's klist lists the server once, on FILE, DIR,
# KEYRING and KCM caches; MIT's klist and kvno read the result, and the
# TGT, the other services and the config entries are left as they were.
# kvno scans the cache to remove a ticket only when the cache held one.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    ks_add_services st 12
    # Services whose tickets last two seconds: a test waits them out to
    # have an expired ticket in the cache beside a valid TGT.
    local i
    for ((i = 1; i <= 3; i++)); do
        echo "addprinc -randkey -maxlife \"2 seconds\" HTTP/short$i.test.realm"
    done | ks_realm_batch "$KS_REALM_DIR"
    export KS_KEYRING_WHY KS_KCM_WHY
    KS_KEYRING_WHY=$(ks_keyring_works) || true
    ks_kcm_start "$BATS_FILE_TMPDIR/kcm" >"$BATS_FILE_TMPDIR/kcm.why" || true
    KS_KCM_WHY=$(cat "$BATS_FILE_TMPDIR/kcm.why")
}

teardown_file() {
    ks_kcm_stop "$BATS_FILE_TMPDIR/kcm"
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

teardown() {
    case ${KRB5CCNAME:-} in
    KEYRING:*) ks_keyring_forget "$KRB5CCNAME" ;;
    KCM:*) "$MIT_KDESTROY" -A -q 2>/dev/null || true ;;
    esac
}

# How many times MIT's klist lists server $1 (a full name) in the cache.
listed() {
    "$MIT_KLIST" | grep -c "  $1\$" || true
}

# MIT's klist -C without the lines of server $1: the TGT, the other
# services and the config entries.
all_but() {
    "$MIT_KLIST" -C | grep -v "  $1\$"
}

# alice's cache as MIT's kinit leaves it (a TGT, config entries for FAST
# and the pre-authentication type), plus our ticket for another service.
alice_with_other() {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    "$KVNO" "HTTP/st6.test.realm" >/dev/null
}

# What must hold once $KS_SERVICE's ticket was replaced: listed once, the
# rest as in $BATS_TEST_TMPDIR/rest, MIT's kvno accepts the cached ticket.
assert_replaced() {
    assert_equal "$(listed "$KS_SERVICE@$KS_REALM")" 1
    diff -u "$BATS_TEST_TMPDIR/rest" <(all_but "$KS_SERVICE@$KS_REALM")
    run "$MIT_KVNO" --cached-only -k "$KS_REALM_DIR/service.keytab" \
        "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
}

@test "kvno then kstep run: the service once, the rest untouched, in place" {
    alice_with_other
    "$KVNO" "$KS_SERVICE" >/dev/null
    all_but "$KS_SERVICE@$KS_REALM" >"$BATS_TEST_TMPDIR/rest"
    grep -q '^config: fast_avail' "$BATS_TEST_TMPDIR/rest"
    local inode
    inode=$(stat -c %i "$BATS_TEST_TMPDIR/ccache")
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace -
    assert_success
    # shellcheck disable=SC2154 # set by run --separate-stderr
    [[ $stderr == *"[8/8 store] ticket for $KS_SERVICE@$KS_REALM stored in FILE:$BATS_TEST_TMPDIR/ccache, in place of any earlier one"* ]]
    assert_replaced
    # Marked removed in the file itself, as MIT's krb5_cc_remove_cred does:
    # the same file, not a rewritten copy.
    assert_equal "$(stat -c %i "$BATS_TEST_TMPDIR/ccache")" "$inode"
}

@test "kstep run twice, then kvno: the service once" {
    alice_with_other
    all_but "$KS_SERVICE@$KS_REALM" >"$BATS_TEST_TMPDIR/rest"
    "$KSTEP" run "$KS_SERVICE" >/dev/null
    "$KSTEP" run "$KS_SERVICE" >/dev/null
    assert_replaced
    # kvno finds it valid and stores nothing.
    run "$KVNO" "$KS_SERVICE"
    assert_success
    assert_replaced
}

@test "kvno then kstep request, send, store: the service once" {
    alice_with_other
    "$KVNO" "$KS_SERVICE" >/dev/null
    all_but "$KS_SERVICE@$KS_REALM" >"$BATS_TEST_TMPDIR/rest"
    "$KSTEP" request "$KS_SERVICE" -o "$BATS_TEST_TMPDIR/req.der" >/dev/null
    "$KSTEP" send "$BATS_TEST_TMPDIR/req.der" -o "$BATS_TEST_TMPDIR/rep.der" \
        >/dev/null
    run "$KSTEP" store "$BATS_TEST_TMPDIR/rep.der" \
        --request "$BATS_TEST_TMPDIR/req.der"
    assert_success
    assert_replaced
}

@test "kvno -e of another session key type replaces the cached ticket" {
    alice_with_other
    all_but "$KS_SERVICE@$KS_REALM" >"$BATS_TEST_TMPDIR/rest"
    "$KVNO" -e aes128-cts-hmac-sha1-96 "$KS_SERVICE" >/dev/null
    "$KVNO" -e aes256-cts-hmac-sha1-96 "$KS_SERVICE" >/dev/null
    assert_replaced
    run "$MIT_KLIST" -e
    assert_line --regexp "^	Etype \(skey, tkt\): aes256-cts-hmac-sha1-96, "
    refute_line --regexp "^	Etype \(skey, tkt\): aes128-cts-hmac-sha1-96, "
}

@test "kvno replaces expired tickets MIT's kvno stored, scanning only for those" {
    local s i
    alice_with_other
    for ((i = 1; i <= 3; i++)); do
        "$MIT_KVNO" "HTTP/short$i.test.realm" >/dev/null
    done
    "$MIT_KVNO" "HTTP/st1.test.realm" >/dev/null
    sleep 3
    # Three expired tickets to replace (two in one call, with new services
    # beside them: the batch path; one alone), one valid ticket to keep.
    KRB5_TRACE=$BATS_TEST_TMPDIR/trace run "$KVNO" HTTP/short1.test.realm \
        HTTP/short2.test.realm HTTP/st1.test.realm HTTP/st2.test.realm \
        HTTP/st3.test.realm
    assert_success
    KRB5_TRACE=$BATS_TEST_TMPDIR/trace run "$KVNO" HTTP/short3.test.realm
    assert_success
    for s in short1 short2 short3 st1 st2 st3 st6; do
        assert_equal "$(listed "HTTP/$s.test.realm@$KS_REALM")" 1
    done
    assert_equal "$(listed "krbtgt/$KS_REALM@$KS_REALM")" 1
    # libkrb5 traces each krb5_cc_remove_cred: one for each expired ticket,
    # none for the new services and the valid one.
    run grep -c 'Removing alice@TEST.REALM -> ' "$BATS_TEST_TMPDIR/trace"
    assert_output 3
    run "$MIT_KVNO" HTTP/short3.test.realm
    assert_success
}

@test "kvno of new services removes nothing (no scan of the cache)" {
    alice_with_other
    KRB5_TRACE=$BATS_TEST_TMPDIR/trace run "$KVNO" --trace \
        "$BATS_TEST_TMPDIR/ours" HTTP/st1.test.realm HTTP/st2.test.realm \
        HTTP/st3.test.realm HTTP/st4.test.realm "$KS_SERVICE"
    assert_success
    run grep -c 'Removing ' "$BATS_TEST_TMPDIR/trace"
    assert_output 0
    run grep -c '\[8/8 store\] .* stored in FILE:[^,]*$' "$BATS_TEST_TMPDIR/ours"
    assert_output 5
}

@test "kvno replacing more than 8 tickets takes them out in one rewrite" {
    local names=() i
    alice_with_other
    for ((i = 1; i <= 12; i++)); do names+=("HTTP/st$i.test.realm"); done
    "$KVNO" -e aes128-cts-hmac-sha1-96 "${names[@]}" >/dev/null
    "$MIT_KLIST" -C | grep -v '  HTTP/st' >"$BATS_TEST_TMPDIR/rest"
    KRB5_TRACE=$BATS_TEST_TMPDIR/trace run "$KVNO" --trace \
        "$BATS_TEST_TMPDIR/ours" -e aes256-cts-hmac-sha1-96 "${names[@]}"
    assert_success
    for ((i = 1; i <= 12; i++)); do
        assert_equal "$(listed "HTTP/st$i.test.realm@$KS_REALM")" 1
    done
    # No scan per ticket: one rewrite that took the 12 earlier ones out
    # (st6 too: alice_with_other's ticket is of the default type).
    run grep -c 'Removing ' "$BATS_TEST_TMPDIR/trace"
    assert_output 0
    run grep -c 'earlier tickets taken out of .* in one rewrite' \
        "$BATS_TEST_TMPDIR/ours"
    assert_output 1
    diff -u "$BATS_TEST_TMPDIR/rest" <("$MIT_KLIST" -C | grep -v '  HTTP/st')
    run "$MIT_KLIST" -e
    refute_line --regexp "^	Etype \(skey, tkt\): aes128-cts-hmac-sha1-96, "
    run "$MIT_KVNO" --cached-only "${names[@]}"
    assert_success
}

@test "kvno -U: an S4U2Self ticket of another session key type replaces the first" {
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    "$MIT_KVNO" -U alice "$KS_SERVICE" >/dev/null
    run "$KVNO" -U alice -e aes128-cts-hmac-sha1-96 "$KS_SERVICE"
    assert_success
    run "$MIT_KLIST" -e
    assert_success
    [ "$(grep -c "  $KS_SERVICE@$KS_REALM\$" <<<"$output")" -eq 1 ]
    assert_line --regexp "^	for client alice@$KS_REALM, Etype \(skey, tkt\): aes128-cts-hmac-sha1-96, "
    refute_line --regexp "^	for client alice@$KS_REALM, Etype \(skey, tkt\): aes256-cts-hmac-sha1-96, "
}

# ---- collections and other cache types -----------------------------------

# kvno then kstep run and kstep run again in the cache KRB5CCNAME names.
replace_twice() {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    "$MIT_KVNO" "HTTP/st6.test.realm" >/dev/null
    "$KVNO" "$KS_SERVICE" >/dev/null
    all_but "$KS_SERVICE@$KS_REALM" >"$BATS_TEST_TMPDIR/rest"
    run "$KSTEP" run "$KS_SERVICE"
    assert_success
    run "$KSTEP" run "$KS_SERVICE"
    assert_success
    assert_replaced
}

@test "DIR collection: the service once, the collection as MIT reads it" {
    mkdir -p "$BATS_TEST_TMPDIR/dir"
    export KRB5CCNAME=DIR:$BATS_TEST_TMPDIR/dir
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    replace_twice
    run "$MIT_KLIST" -l
    assert_success
    assert_line --regexp "^alice@$KS_REALM +DIR::"
    assert_line --regexp "^bob@$KS_REALM +DIR::"
}

@test "KEYRING cache: the service once" {
    [ -z "$KS_KEYRING_WHY" ] || skip "$KS_KEYRING_WHY"
    export KRB5CCNAME=KEYRING:session:ks_st_${BATS_ROOT_PID}_$BATS_TEST_NUMBER
    replace_twice
}

@test "KCM cache: the service once" {
    [ -z "$KS_KCM_WHY" ] || skip "$KS_KCM_WHY"
    export KRB5CCNAME=KCM:
    "$MIT_KDESTROY" -A -q 2>/dev/null || true
    replace_twice
}

#!/usr/bin/env bats
# KRB5_TRACE: our programs write MIT's trace lines, in MIT's format and
# wording, for the exchanges they drive themselves.  Each test runs MIT's
# program and ours for the same exchange against the same KDC, with the
# same cache name, and compares the SETS of trace messages after
# tests/tools/mit_trace_norm.py took out what changes from run to run (the
# "[pid] time:" prefix, key fingerprints, byte counts, ports, encrypted
# timestamps, MEMORY cache names).  Lines that differ on purpose are listed
# in each test, with the reason; each listed pattern must still match a
# line, so a list that goes stale fails.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

NORM=$KS_TOP/tests/tools/mit_trace_norm.py

# Both programs ask for the same enctypes whatever the built-in defaults
# are: the etype lines compare wording, not default lists.
ETYPES="aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"

setup_file() {
    local conf
    ks_realm_create "$BATS_FILE_TMPDIR/other" OTHER.REALM
    ks_realm_create "$BATS_FILE_TMPDIR/realm" TEST.REALM
    ks_realm_link "$BATS_FILE_TMPDIR/realm" "$BATS_FILE_TMPDIR/other"
    for conf in "$KS_REALM_DIR/krb5.conf" "$KS_OTHER_DIR/krb5.conf"; do
        ks_conf_add_libdefault "$conf" "default_tkt_enctypes = $ETYPES"
        ks_conf_add_libdefault "$conf" "default_tgs_enctypes = $ETYPES"
    done
    # Without [domain_realm] for the other realm: only the KDC's referral
    # says where web.other.realm lives.
    grep -v 'other.realm = OTHER.REALM' "$KS_REALM_DIR/krb5.conf" \
        >"$KS_REALM_DIR/krb5-referral.conf"
}

teardown_file() {
    ks_realm_stop "$BATS_FILE_TMPDIR/realm"
    ks_realm_stop "$BATS_FILE_TMPDIR/other"
}

setup() {
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/ccache
    FAKE=
}

teardown() {
    if [ -n "$FAKE" ]; then
        ks_fakekdc_stop "$BATS_TEST_TMPDIR" "$FAKE"
    fi
}

# A fresh cache holding alice's TGT, from MIT's kinit, untraced.
fresh_tgt() {
    rm -f "$BATS_TEST_TMPDIR/ccache"
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
}

# compare_traces MIT OURS [PATTERN...]: the normalised sets of trace lines
# of the files MIT and OURS are equal once the lines matching each
# extended regular expression PATTERN are taken out of both.  Each PATTERN
# must match a line of one of them, unless it starts with "?" (a line that
# depends on the machine, such as a plugin MIT fails to load).
compare_traces() {
    local mit=$1 ours=$2 re optional
    shift 2
    /usr/bin/python3 "$NORM" "$mit" >"$BATS_TEST_TMPDIR/mit.set"
    /usr/bin/python3 "$NORM" "$ours" >"$BATS_TEST_TMPDIR/ours.set"
    [ -s "$BATS_TEST_TMPDIR/mit.set" ] || fail "MIT's trace is empty"
    [ -s "$BATS_TEST_TMPDIR/ours.set" ] || fail "our trace is empty"
    for re in "$@"; do
        optional=false
        if [ "${re:0:1}" = "?" ]; then
            optional=true
            re=${re:1}
        fi
        if ! $optional && ! grep -Eq -- "$re" "$BATS_TEST_TMPDIR/mit.set" \
            "$BATS_TEST_TMPDIR/ours.set"; then
            fail "listed difference matches no line: $re"
        fi
        grep -Ev -- "$re" "$BATS_TEST_TMPDIR/mit.set" \
            >"$BATS_TEST_TMPDIR/mit.tmp" || true
        grep -Ev -- "$re" "$BATS_TEST_TMPDIR/ours.set" \
            >"$BATS_TEST_TMPDIR/ours.tmp" || true
        mv "$BATS_TEST_TMPDIR/mit.tmp" "$BATS_TEST_TMPDIR/mit.set"
        mv "$BATS_TEST_TMPDIR/ours.tmp" "$BATS_TEST_TMPDIR/ours.set"
    done
    run diff -u "$BATS_TEST_TMPDIR/mit.set" "$BATS_TEST_TMPDIR/ours.set"
    [ "$status" -eq 0 ] || fail "trace lines differ (- MIT, + ours):
$output"
}

# Differences of every kinit, on purpose:
KINIT_DIFFS=(
    # MIT's kinit loads preauth plugins; we load none.
    '?^Error loading plugin module '
    # MIT records the preauth type used in the cache (after
    # pre-authentication only); we do not.
    '?^Storing config in [^ ]+ for [^ ]+: pa_type: '
    '?^Storing [^ ]+ -> krb5_ccache_conf_data/pa_type/'
    # MIT writes fast_avail into its MEMORY cache before moving it into
    # place; we write it into the cache itself afterwards.
    '^Storing config in [^ ]+ for [^ ]+: fast_avail: yes$'
    '^Storing [^ ]+ -> krb5_ccache_conf_data/fast_avail/'
)

# Differences of every kvno, on purpose:
KVNO_DIFFS=(
    # MIT looks for a start_realm entry in the cache; we do not use one.
    '^Retrieving [^ ]+ -> krb5_ccache_conf_data/start_realm@X-CACHECONF: '
)

@test "password kinit with pre-authentication: MIT's trace lines" {
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KINIT" alice >/dev/null
    rm -f "$BATS_TEST_TMPDIR/ccache"
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" alice >/dev/null
    # The exchange itself is traced, not only libkrb5's cache operations.
    run grep -c 'Encrypted timestamp (for ' "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KINIT_DIFFS[@]}"
    grep -q 'pa_type: 2' "$BATS_TEST_TMPDIR/mit.trace"
}

@test "password kinit without pre-authentication: MIT's trace lines" {
    echo bob-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KINIT" bob >/dev/null
    rm -f "$BATS_TEST_TMPDIR/ccache"
    echo bob-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" bob >/dev/null
    run grep -c 'Getting AS key, salt "TEST.REALMbob", params ""' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KINIT_DIFFS[@]}"
}

@test "a wrong password: MIT's trace lines" {
    run bash -c 'echo wrong | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/mit.trace" "$MIT_KINIT"
    assert_failure
    run bash -c 'echo wrong | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/ours.trace" "$KINIT"
    assert_failure
    run grep -c 'Received error from KDC: -1765328360/Preauthentication failed' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # MIT asks the realm's primary KDC again after any error, and says so
    # even when krb5.conf names no primary; we do it only when a primary is
    # named and is not the KDC that answered.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" '?^Error loading plugin module ' \
        '^Retrying AS request with primary KDC$' \
        '^Sending request \(N bytes\) to TEST\.REALM \(primary\)$'
}

@test "keytab kinit: MIT's trace lines" {
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    rm -f "$BATS_TEST_TMPDIR/ccache"
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    run grep -c 'AS key obtained from gak_fct: aes256-cts/' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KINIT_DIFFS[@]}"
}

@test "kinit -T, FAST with an armor cache: MIT's trace lines" {
    local armor=FILE:$BATS_TEST_TMPDIR/armor
    KRB5CCNAME=$armor "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KINIT" -T "$armor" alice >/dev/null
    rm -f "$BATS_TEST_TMPDIR/ccache"
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" -T "$armor" alice >/dev/null
    run grep -c 'Preauth module encrypted_challenge (138) (real) returned: 0/Success' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # MIT armors only when the armor cache says its KDC offered FAST, and
    # gets the armor TGT through its TGS code; we armor whenever -T is
    # given, with the TGT the armor cache holds.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KINIT_DIFFS[@]}" "${KVNO_DIFFS[@]}" \
        '^Retrieving [^ ]+ -> krb5_ccache_conf_data/fast_avail/' \
        '^Read config in [^ ]+ for [^ ]+: fast_avail: yes$' \
        '^Using FAST due to armor ccache negotiation result$' \
        '^Getting credentials robot@TEST\.REALM -> krbtgt/TEST\.REALM@TEST\.REALM using ccache '
}

@test "kinit -R, renewing through the TGS exchange: MIT's trace lines" {
    echo renew-pw | "$MIT_KINIT" -r 2d renew >/dev/null
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace "$MIT_KINIT" -R
    rm -f "$BATS_TEST_TMPDIR/ccache"
    echo renew-pw | "$MIT_KINIT" -r 2d renew >/dev/null
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace "$KINIT" -R
    run grep -c 'Got cred; 0/Success' "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # MIT wraps the renewal in FAST when the cache says the KDC offers it;
    # ours renews without FAST.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" \
        '^Encoding request body and padata into FAST request$' \
        '^Decoding FAST response$' '^FAST reply key: '
}

@test "kvno of one service: MIT's trace lines" {
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace "$MIT_KVNO" "$KS_SERVICE" \
        >/dev/null
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace "$KVNO" "$KS_SERVICE" >/dev/null
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}" \
        '^Requesting tickets for HTTP/web\.test\.realm@TEST\.REALM, referrals (on|off)$'
    # MIT's kvno asks with referrals (canonicalize) for every service; ours
    # asks the named realm plainly.  That is the listed line above:
    run grep -c 'Requesting tickets for HTTP/web.test.realm@TEST.REALM, referrals off' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
}

@test "kvno of several services at once: MIT's trace lines" {
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace "$MIT_KVNO" "$KS_SERVICE" \
        "krbtgt/$KS_REALM" >/dev/null
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace "$KVNO" "$KS_SERVICE" \
        "krbtgt/$KS_REALM" >/dev/null
    run grep -c "Getting credentials alice@$KS_REALM -> krbtgt/$KS_REALM@$KS_REALM using ccache" \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}" \
        '^Requesting tickets for HTTP/web\.test\.realm@TEST\.REALM, referrals (on|off)$'
}

@test "kvno of an unknown service: MIT's trace lines" {
    fresh_tgt
    run env KRB5_TRACE="$BATS_TEST_TMPDIR/mit.trace" "$MIT_KVNO" \
        "nope/x@$KS_REALM"
    assert_failure
    fresh_tgt
    run env KRB5_TRACE="$BATS_TEST_TMPDIR/ours.trace" "$KVNO" \
        "nope/x@$KS_REALM"
    assert_failure
    run grep -c '^\[[0-9]*\] [0-9.]*: TGS request result: -1765328377/' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # MIT asks with referrals first, then without; we ask once, without.
    # MIT's result names the server ("Server nope/x@TEST.REALM not found
    # in Kerberos database"); ours is the code's own text.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}" \
        '^Requesting tickets for nope/x@TEST\.REALM, referrals on$' \
        '^TGS request result: -1765328377/'
}

@test "kvno -U, S4U2Self: MIT's trace lines" {
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace "$MIT_KVNO" -U alice \
        "$KS_SERVICE" >/dev/null
    rm -f "$BATS_TEST_TMPDIR/ccache"
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace "$KVNO" -U alice \
        "$KS_SERVICE" >/dev/null
    run grep -c 'Get cred via TGT krbtgt/TEST.REALM@TEST.REALM after requesting HTTP/web.test.realm@TEST.REALM (canonicalize on)' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # MIT first finds the user's realm with an AS request of its own, and
    # gets the service's TGT through its TGS code; we ask in the service's
    # realm, with the TGT the cache holds.  Before storing, we take any
    # earlier ticket of alice for the service out of the cache (MIT appends
    # a second one: store.bats), and libkrb5 traces that.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}" \
        '?^Error loading plugin module ' \
        '^Removing alice@TEST\.REALM -> HTTP/web\.test\.realm@TEST\.REALM from ' \
        '^Getting initial credentials for alice@TEST\.REALM$' \
        '^Sending unauthenticated request$' \
        '^Received error from KDC: -1765328359/' \
        '^Identified realm of client principal as TEST\.REALM$' \
        '^Getting credentials HTTP/web\.test\.realm@TEST\.REALM -> krbtgt/TEST\.REALM@TEST\.REALM using ccache '
}

@test "cross-realm kvno: MIT's trace lines" {
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KVNO" "$KS_OTHER_SERVICE@$KS_OTHER_REALM" >/dev/null
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KVNO" "$KS_OTHER_SERVICE@$KS_OTHER_REALM" >/dev/null
    run grep -c 'Requesting TGT krbtgt/OTHER.REALM@TEST.REALM using TGT krbtgt/TEST.REALM@TEST.REALM' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}" \
        '^Requesting tickets for HTTP/web\.other\.realm@OTHER\.REALM, referrals (on|off)$' \
        '^Retrieving [^ ]+ -> krbtgt/OTHER\.REALM@OTHER\.REALM from ' \
        '^Retrieving [^ ]+ -> krbtgt/OTHER\.REALM@TEST\.REALM from '
    # (MIT first looks for a TGT the other realm issued itself; we look for
    # the cross-realm TGT our realm issues, the one we would use.)
}

@test "a referral followed by kvno: MIT's trace lines" {
    export KRB5_CONFIG=$KS_REALM_DIR/krb5-referral.conf
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/mit.trace \
        "$MIT_KVNO" -S HTTP web.other.realm >/dev/null
    fresh_tgt
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KVNO" -S HTTP web.other.realm >/dev/null
    run grep -c 'Following referral TGT krbtgt/OTHER.REALM@TEST.REALM' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" "${KVNO_DIFFS[@]}"
}

@test "UDP answered with RESPONSE_TOO_BIG, then TCP: MIT's trace lines" {
    local port conf=$BATS_TEST_TMPDIR/krb5.conf
    FAKE=toobig
    port=$(ks_fakekdc_start "$BATS_TEST_TMPDIR" "$FAKE" --mode too-big \
        --realm FAKE.REALM)
    cat >"$conf" <<CONF
[libdefaults]
    default_realm = FAKE.REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    request_timeout = 3
    default_tkt_enctypes = $ETYPES

[realms]
    FAKE.REALM = {
        kdc = 127.0.0.1:$port
    }
CONF
    export KRB5_CONFIG=$conf
    run bash -c 'echo alice-pw | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/mit.trace" "$MIT_KINIT"
    assert_failure
    run bash -c 'echo alice-pw | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/ours.trace" "$KINIT"
    assert_failure
    run grep -c 'Sending request ([0-9]* bytes) to FAKE.REALM (tcp only)' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # The fake KDC's TCP answer is an error: MIT then asks the primary KDC
    # (there is none here); we retry with the primary only when a key was
    # rejected, as the primary may hold a newer one.
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" '?^Error loading plugin module ' \
        '^Retrying AS request with primary KDC$' \
        '^Sending request \(N bytes\) to FAKE\.REALM \(primary\)$'
}

@test "a KDC that refuses UDP and TCP: MIT's trace lines" {
    local conf=$BATS_TEST_TMPDIR/krb5.conf
    cat >"$conf" <<CONF
[libdefaults]
    default_realm = FAKE.REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    request_timeout = 3

[realms]
    FAKE.REALM = {
        kdc = 127.0.0.1:$(ks_free_port)
    }
CONF
    export KRB5_CONFIG=$conf
    run bash -c 'echo alice-pw | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/mit.trace" "$MIT_KINIT"
    assert_failure
    run bash -c 'echo alice-pw | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/ours.trace" "$KINIT"
    assert_failure
    run grep -c 'Terminating TCP connection to stream 127.0.0.1:' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    compare_traces "$BATS_TEST_TMPDIR/mit.trace" \
        "$BATS_TEST_TMPDIR/ours.trace" '?^Error loading plugin module '
}

@test "a key is shown as its enctype and a 4-digit fingerprint, never more" {
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" alice >/dev/null
    KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace "$KVNO" "$KS_SERVICE" >/dev/null
    # AS key (twice), AS reply session key, TGS subkey, FAST reply key,
    # TGS reply session key.
    run grep -Ec ' aes256-cts/[0-9A-F]{4}$' \
        "$BATS_TEST_TMPDIR/ours.trace"
    [ "$output" -ge 6 ] || fail "only $output key lines"
    run grep -E 'aes(256|128)-cts/[0-9A-Fa-f]{5}' "$BATS_TEST_TMPDIR/ours.trace"
    assert_failure
}

@test "every line has MIT's prefix; a trace file that cannot open is no failure" {
    echo alice-pw | KRB5_TRACE=$BATS_TEST_TMPDIR/ours.trace \
        "$KINIT" alice >/dev/null
    run grep -Evc '^\[[0-9]+\] [0-9]+\.[0-9]+: [^ ]' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 0
    run grep -c '^\[[0-9]*\] [0-9.]*: Getting initial credentials for alice@TEST.REALM$' \
        "$BATS_TEST_TMPDIR/ours.trace"
    assert_output 1
    # A file that cannot be opened leaves tracing off, as in MIT.
    run bash -c 'echo alice-pw | KRB5_TRACE=$1 "$2" alice' _ \
        "$BATS_TEST_TMPDIR/no/such/dir/trace" "$KINIT"
    assert_success
}

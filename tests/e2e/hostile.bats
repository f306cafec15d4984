#!/usr/bin/env bats
# Replies a real KDC will not send: tests/tools/tamperkdc stands in front
# of the fixture's KDC and changes each reply (nonce, names, realm,
# session-key enctype and length, flags, impossible or expired times, the
# client, the ticket's service, cut DER, a KRB-ERROR with terminal escapes
# and 60 KB of e-data), re-encrypted with the right keys so that the
# checks behind decryption are what must refuse it.  Every case: a
# non-zero exit, one line naming what was wrong, the cache byte for byte
# as it was, no crash, no hang, bounded memory.  (Silence, garbage,
# oversize and cut TCP frames are in transport.bats; referral loops in
# referral.bats.)

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

TAMPERKDC=$KS_BUILD/tests/tamperkdc

setup_file() {
    ks_setup_realm
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    CC_FILE=${KRB5CCNAME#FILE:}
    TAMPER_PID=
}

teardown() {
    if [ -n "$TAMPER_PID" ]; then
        kill "$TAMPER_PID" 2>/dev/null || true
        wait "$TAMPER_PID" 2>/dev/null || true
    fi
}

# Start the tampering KDC in MODE; its port in TAMPER_PORT.
tamper() {
    local i
    "$TAMPERKDC" --forward "$KS_REALM_PORT" --mode "$1" \
        --krbtgt-keytab "$KS_REALM_DIR/krbtgt.keytab" --lifetime 120 \
        >"$BATS_TEST_TMPDIR/tamper.port" 3>&- &
    TAMPER_PID=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$BATS_TEST_TMPDIR/tamper.port" ] && break
        sleep 0.05
    done
    TAMPER_PORT=$(cat "$BATS_TEST_TMPDIR/tamper.port")
    [ -n "$TAMPER_PORT" ]
}

# Run PROGRAM ARGS... under GNU time; its stderr in ERR_FILE, its peak
# RSS (KiB) in RSS, its exit status in STATUS, its seconds in SECS.
measured() {
    local start=$SECONDS
    set +e
    /usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$@" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    STATUS=$?
    set -e
    SECS=$((SECONDS - start))
    RSS=$(tail -n1 "$BATS_TEST_TMPDIR/rss")
    ERR_FILE=$BATS_TEST_TMPDIR/err
}

# The outcome every case must have: exit 1, a first line from PROGRAM
# matching REGEX, no terminal control byte on stderr, at most two lines,
# the cache as it was (SUM), within 10 s and 200 MiB.
refused_cleanly() {
    local program=$1 regex=$2 sum=$3
    [ "$STATUS" -eq 1 ] || { echo "exit status $STATUS"; cat "$ERR_FILE"; return 1; }
    head -n1 "$ERR_FILE" | grep -qE "^$program: .*($regex)" || {
        echo "first line does not match '$regex':"; cat "$ERR_FILE"; return 1; }
    ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$ERR_FILE" || {
        echo "control bytes on stderr"; return 1; }
    [ "$(wc -l <"$ERR_FILE")" -le 2 ] || { cat "$ERR_FILE"; return 1; }
    [ "$(ks_file_sum "$CC_FILE")" = "$sum" ] || { echo "cache changed"; return 1; }
    [ "$SECS" -le $((10 * KS_SLOW)) ] || { echo "took $SECS s"; return 1; }
    [ "$RSS" -le 204800 ] || { echo "peak RSS $RSS KiB"; return 1; }
}

# kinit alice through the tampering KDC in MODE, over a working cache.
as_case() {
    local mode=$1 regex=$2 sum
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    sum=$(ks_file_sum "$CC_FILE")
    tamper "$mode"
    printf 'alice-pw\n' >"$BATS_TEST_TMPDIR/pw"
    chmod 600 "$BATS_TEST_TMPDIR/pw"
    measured "$KINIT" --kdc "127.0.0.1:$TAMPER_PORT" --timeout 5 \
        --password-file "$BATS_TEST_TMPDIR/pw" alice
    refused_cleanly kinit "$regex" "$sum"
}

# kvno of the fixture's service through the tampering KDC in MODE, from a
# TGT whose cache does not say FAST is offered (so that the KDC's plain
# reply, which the tampering KDC can open, is what comes back).
tgs_case() {
    local mode=$1 regex=$2 sum
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    /usr/bin/python3 "$KS_TOP/tests/tools/ccache_drop_config.py" "$CC_FILE"
    sum=$(ks_file_sum "$CC_FILE")
    tamper "$mode"
    measured "$KVNO" --kdc "127.0.0.1:$TAMPER_PORT" --timeout 5 "$KS_SERVICE"
    refused_cleanly kvno "$regex" "$sum"
}

@test "the tampering KDC passes a real exchange through unchanged (control)" {
    local sum
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    /usr/bin/python3 "$KS_TOP/tests/tools/ccache_drop_config.py" "$CC_FILE"
    tamper none
    run "$KVNO" --kdc "127.0.0.1:$TAMPER_PORT" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    ks_fresh_ccache
    printf 'alice-pw\n' >"$BATS_TEST_TMPDIR/pw"
    chmod 600 "$BATS_TEST_TMPDIR/pw"
    run "$KINIT" --kdc "127.0.0.1:$TAMPER_PORT" --password-file "$BATS_TEST_TMPDIR/pw" alice
    assert_success
}

@test "AS-REP: another nonce"                  { as_case nonce 'nonce'; }
@test "AS-REP: another service in the enc-part" { as_case sname 'another service|names'; }
@test "AS-REP: another realm for the service"  { as_case srealm 'another service|names'; }
@test "AS-REP: the session key labelled with another enctype" { as_case enctype 'session key'; }
@test "AS-REP: a session key of an enctype not asked for" { as_case unrequested-enctype 'session key'; }
@test "AS-REP: a session key cut short"        { as_case keylen 'session key'; }
@test "AS-REP: an INVALID ticket not asked for" { as_case flags 'invalid'; }
@test "AS-REP: an end time after the till"     { as_case endtime-past-till 'later than asked'; }
@test "AS-REP: a ticket expired when issued"   { as_case expired 'ends before it starts'; }
@test "AS-REP: an end time before the start"   { as_case endtime-before-start 'ends before it starts'; }
@test "AS-REP: no auth time, 1970 dates"       { as_case authtime-zero 'ends before it starts'; }
@test "AS-REP: another client"                 { as_case cname 'another client'; }
@test "AS-REP: another client realm"           { as_case crealm 'another client'; }
@test "AS-REP: a ticket for another service"   { as_case ticket-sname 'service differs|names'; }
@test "AS-REP: DER cut in half"                { as_case truncate 'decoding|ASN.1'; }
@test "AS: a KRB-ERROR with terminal escapes and 60 KB of e-data" { as_case etext 'KDC said'; }

@test "TGS-REP: another nonce"                 { tgs_case nonce 'nonce'; }
@test "TGS-REP: another service in the enc-part" { tgs_case sname 'names HTTP/evil'; }
@test "TGS-REP: another realm for the service" { tgs_case srealm 'EVIL.REALM'; }
@test "TGS-REP: the session key labelled with another enctype" { tgs_case enctype 'session key'; }
@test "TGS-REP: a session key of an enctype not asked for" { tgs_case unrequested-enctype 'session key|enctype'; }
@test "TGS-REP: a session key cut short"       { tgs_case keylen 'session key'; }
@test "TGS-REP: an INVALID ticket not asked for" { tgs_case flags 'invalid'; }
@test "TGS-REP: an end time after the till"    { tgs_case endtime-past-till 'later than asked'; }
@test "TGS-REP: a start time two hours ahead"  { tgs_case starttime-future 'start time|skew'; }
@test "TGS-REP: a ticket expired when issued"  { tgs_case expired 'start time|skew|ends before'; }
@test "TGS-REP: an end time before the start"  { tgs_case endtime-before-start 'ends before it starts'; }
@test "TGS-REP: no auth time, 1970 dates"      { tgs_case authtime-zero 'start time|skew|ends before'; }
@test "TGS-REP: another client"                { tgs_case cname 'another client'; }
@test "TGS-REP: another client realm"          { tgs_case crealm 'another client'; }
@test "TGS-REP: a ticket for another service"  { tgs_case ticket-sname 'ticket is for HTTP/evil'; }
@test "TGS-REP: DER cut in half"               { tgs_case truncate 'decoding|ASN.1'; }
@test "TGS: a KRB-ERROR with terminal escapes and 60 KB of e-data" { tgs_case etext 'KDC said'; }

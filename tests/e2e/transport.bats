#!/usr/bin/env bats
# Transport failures, end to end: our kinit against fake KDCs that do what a
# real one will not (tests/tools/fakekdc.py), each in a fake realm whose
# krb5.conf this file writes in the test's temp dir; and the per-run options
# --kdc, --transport, --timeout and --retries, against those fakes and the
# file's real MIT realm.

load helpers

FAKEKDC=$KS_TOP/tests/tools/fakekdc.py
FAKE_REALM=FAKE.REALM

ks_realm_per_file

setup() {
    FAKE_PID=
    ks_fresh_ccache
    unset KRB5_KDC_PROFILE KRB5_KTNAME KRB5_CLIENT_KTNAME
}

teardown() {
    if [ -n "$FAKE_PID" ]; then
        kill "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
    fi
}

# Start a fake KDC in MODE on a free port; sets FAKE_PORT and FAKE_PID.
# fd 3 is closed for it, or bats would wait for it to exit.
start_fake() {
    local mode=$1 i
    /usr/bin/python3 "$FAKEKDC" --mode "$mode" --realm "$FAKE_REALM" \
        --lifetime 60 --log "$BATS_TEST_TMPDIR/fake.log" \
        >"$BATS_TEST_TMPDIR/fake.port" 2>"$BATS_TEST_TMPDIR/fake.err" 3>&- &
    FAKE_PID=$!
    for ((i = 0; i < 100; i++)); do
        # The background job may not have created the file yet.
        FAKE_PORT=$(head -n1 "$BATS_TEST_TMPDIR/fake.port" 2>/dev/null || true)
        [ -n "$FAKE_PORT" ] && return 0
        kill -0 "$FAKE_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$BATS_TEST_TMPDIR/fake.err" >&2
    return 1
}

# A krb5.conf whose realm's only KDC is 127.0.0.1:PORT, bounded by the same
# request_timeout as the realm fixture (3 s).
write_conf() {
    local port=$1
    cat >"$BATS_TEST_TMPDIR/krb5.conf" <<CONF
[libdefaults]
    default_realm = $FAKE_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    request_timeout = 3

[realms]
    $FAKE_REALM = {
        kdc = 127.0.0.1:$port
    }
CONF
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf
}

# Run our kinit for alice with the password on stdin; sets ELAPSED_MS.
run_kinit() {
    local t0 t1
    t0=$(date +%s%N)
    run bash -c 'echo alice-pw | "$1" alice' _ "$KINIT"
    t1=$(date +%s%N)
    ELAPSED_MS=$(((t1 - t0) / 1000000))
}

# The output has exactly one line that names the program.
assert_one_error_line() {
    local n
    n=$(grep -c 'kinit:' <<<"$output" || true)
    if [ "$n" != 1 ]; then
        echo "want one 'kinit:' line, got $n:" >&2
        echo "$output" >&2
        return 1
    fi
}

@test "kinit exists and has --help" {
    run "$KINIT" --help
    assert_success
}

@test "a silent KDC: kinit gives up within request_timeout, naming it" {
    start_fake silent
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "Cannot contact any KDC for realm '$FAKE_REALM'"
    assert_output --partial "127.0.0.1:$FAKE_PORT over UDP and TCP"
    [ "$ELAPSED_MS" -lt $((6000 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
    [ "$ELAPSED_MS" -ge 2500 ] || fail "gave up early: $ELAPSED_MS ms"
    # It really asked, over both transports.
    grep -q '^udp ' "$BATS_TEST_TMPDIR/fake.log"
    grep -q '^tcp ' "$BATS_TEST_TMPDIR/fake.log"
    [ ! -e "$BATS_TEST_TMPDIR/ccache" ]
}

@test "a silent KDC: the trace shows each try and the timeout" {
    start_fake silent
    write_conf "$FAKE_PORT"
    KSTEP_TRACE=$BATS_TEST_TMPDIR/trace run_kinit
    assert_failure 1
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_output --regexp "bytes over UDP to 127\.0\.0\.1:$FAKE_PORT"
    assert_output --regexp "bytes over TCP to 127\.0\.0\.1:$FAKE_PORT"
    assert_output --partial "no reply from 127.0.0.1:$FAKE_PORT over UDP"
}

@test "a refused port fails fast" {
    local port
    port=$(ks_free_port)
    write_conf "$port"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial \
        "127.0.0.1:$port over UDP (port unreachable) and TCP (connection refused)"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "garbage replies are a clear error" {
    start_fake garbage
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "127.0.0.1:$FAKE_PORT over UDP"
    assert_output --partial "29 bytes that are not a Kerberos message"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "RESPONSE_TOO_BIG over UDP sends the same request over TCP" {
    start_fake too-big
    write_conf "$FAKE_PORT"
    KSTEP_TRACE=$BATS_TEST_TMPDIR/trace run_kinit
    assert_failure 1
    # The TCP answer is a KRB-ERROR whose e-text says where it came from.
    assert_output --partial "request arrived over TCP"
    run cat "$BATS_TEST_TMPDIR/fake.log"
    assert_line --index 0 --regexp '^udp [0-9]+$'
    assert_line --index 1 --regexp '^tcp [0-9]+$'
    # Same request both times.
    [ "${lines[0]#udp }" = "${lines[1]#tcp }" ]
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_output --partial "sending again over TCP"
}

@test "a TCP connection closed mid-reply is that KDC failing" {
    start_fake close
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "connection closed after 2 of 4 length bytes"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "a reply length with the reserved high bit is refused" {
    start_fake high-bit
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_output --partial "reserved high bit set"
}

@test "a TCP reply length far past the 1 MiB cap is refused at once" {
    start_fake huge
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "127.0.0.1:$FAKE_PORT"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "a TCP connection reset after the request is that KDC failing" {
    start_fake reset
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "127.0.0.1:$FAKE_PORT"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "a reply dripping one byte a second costs only --timeout" {
    start_fake drip
    write_conf "$FAKE_PORT"
    local t0 t1
    t0=$(date +%s%N)
    run bash -c 'echo alice-pw | "$1" --timeout 2 alice' _ "$KINIT"
    t1=$(date +%s%N)
    assert_failure 1
    assert_one_error_line
    assert_output --partial "Cannot contact any KDC"
    [ $(((t1 - t0) / 1000000)) -lt $((3500 * KS_SLOW)) ] || fail "took $(((t1 - t0) / 1000000)) ms"
}

@test "KDC_ERR_SVC_UNAVAILABLE is that KDC failing" {
    start_fake unavailable
    write_conf "$FAKE_PORT"
    run_kinit
    assert_failure 1
    assert_one_error_line
    assert_output --partial "service unavailable"
    [ "$ELAPSED_MS" -lt $((1500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

# ---- --timeout, --retries, --transport, --kdc ------------------------------

# Our kinit for alice with options, the password on stdin; sets ELAPSED_MS.
run_kinit_opts() {
    local t0 t1
    t0=$(date +%s%N)
    run bash -c 'echo alice-pw | "$@" alice' _ "$KINIT" "$@"
    t1=$(date +%s%N)
    ELAPSED_MS=$(((t1 - t0) / 1000000))
}

# A krb5.conf for the real realm whose only KDC is a refused port.
write_dead_realm_conf() {
    DEAD_PORT=$(ks_free_port)
    sed "s/kdc = 127\.0\.0\.1:$KS_REALM_PORT\$/kdc = 127.0.0.1:$DEAD_PORT/" \
        "$KS_REALM_DIR/krb5.conf" >"$BATS_TEST_TMPDIR/krb5.conf"
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf
    grep -q "kdc = 127.0.0.1:$DEAD_PORT" "$KRB5_CONFIG"
}

@test "--timeout 2: a silent KDC costs 2 s, and the error names it" {
    start_fake silent
    write_conf "$FAKE_PORT"     # request_timeout = 3 there: ours wins
    run_kinit_opts --timeout 2
    assert_failure 1
    assert_one_error_line
    assert_output --partial "Cannot contact any KDC for realm '$FAKE_REALM' while getting initial credentials (tried 127.0.0.1:$FAKE_PORT over UDP and TCP (no reply), 2.0 s)"
    [ "$ELAPSED_MS" -ge 1900 ] || fail "gave up early: $ELAPSED_MS ms"
    [ "$ELAPSED_MS" -lt $((2800 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
    [ ! -e "$BATS_TEST_TMPDIR/ccache" ]
}

@test "--timeout bounds several silent KDCs together" {
    local port2
    start_fake silent
    write_conf "$FAKE_PORT"
    port2=$(ks_free_port)
    # The second --kdc refuses at once; the bound holds for the whole list.
    run_kinit_opts --timeout 1.5 --kdc "127.0.0.1:$FAKE_PORT" \
        --kdc "udp/127.0.0.1:$port2"
    assert_failure 1
    assert_output --partial "tried 127.0.0.1:$FAKE_PORT over UDP and TCP (no reply), 127.0.0.1:$port2 over UDP (port unreachable), 1.5 s)"
    [ "$ELAPSED_MS" -lt $((2300 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
}

@test "--retries 1: one pass over the KDCs; --retries 2: two" {
    start_fake silent
    write_conf "$FAKE_PORT"
    run_kinit_opts --transport udp --retries 1 --timeout 30
    assert_failure 1
    assert_output --partial "127.0.0.1:$FAKE_PORT over UDP (no reply)"
    # One datagram, then the pass's back-off (2 s) and no more.
    run grep -c '^udp ' "$BATS_TEST_TMPDIR/fake.log"
    assert_output 1
    [ "$ELAPSED_MS" -lt $((4500 * KS_SLOW)) ] || fail "took $ELAPSED_MS ms"
    : >"$BATS_TEST_TMPDIR/fake.log"
    # The second pass starts after 1 s + 2 s; the bound ends it at 4 s.
    run_kinit_opts --transport udp --retries 2 --timeout 4
    assert_failure 1
    run grep -c '^udp ' "$BATS_TEST_TMPDIR/fake.log"
    assert_output 2
    run grep -c '^tcp ' "$BATS_TEST_TMPDIR/fake.log"
    assert_output 0
}

@test "--kdc: the real KDC while krb5.conf names a dead one" {
    write_dead_realm_conf
    run_kinit_opts
    assert_failure 1
    assert_output --partial "127.0.0.1:$DEAD_PORT over UDP (port unreachable)"
    KSTEP_TRACE=$BATS_TEST_TMPDIR/trace \
        run_kinit_opts --kdc "127.0.0.1:$KS_REALM_PORT"
    assert_success
    run "$MIT_KLIST"
    assert_success
    assert_output --partial "krbtgt/$KS_REALM@$KS_REALM"
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_output --partial "KDCs for $KS_REALM from --kdc, instead of krb5.conf's and DNS's"
    assert_output --partial "KDC 127.0.0.1:$KS_REALM_PORT (UDP or TCP) from --kdc 127.0.0.1:$KS_REALM_PORT"
    refute_output --partial ":$DEAD_PORT"
}

@test "--kdc works for kvno too" {
    write_dead_realm_conf
    run_kinit_opts --kdc "127.0.0.1:$KS_REALM_PORT"
    assert_success
    run "$KVNO" --kdc "127.0.0.1:$KS_REALM_PORT" "$KS_SERVICE"
    assert_success
    assert_output --partial "$KS_SERVICE@$KS_REALM: kvno = "
    run "$KVNO" "HTTP/other.test.realm"
    assert_failure 1
    assert_output --partial "127.0.0.1:$DEAD_PORT"
}

@test "--transport tcp: the exchange goes over TCP only" {
    write_dead_realm_conf
    KSTEP_TRACE=$BATS_TEST_TMPDIR/trace run_kinit_opts --transport tcp \
        --kdc "127.0.0.1:$KS_REALM_PORT"
    assert_success
    run cat "$BATS_TEST_TMPDIR/trace"
    assert_output --regexp "\[AS send\] [0-9]+ bytes over TCP to 127\.0\.0\.1:$KS_REALM_PORT \.\.\. [0-9]+ bytes back"
    refute_output --partial "over UDP"
}

@test "--transport udp with a tcp/ --kdc entry: nothing to try, said clearly" {
    run_kinit_opts --transport udp --kdc "tcp/127.0.0.1:$KS_REALM_PORT"
    assert_failure 1
    assert_one_error_line
    assert_output --partial "Cannot contact any KDC for realm '$KS_REALM' while getting initial credentials (tried nothing: no kdc entry allows UDP"
}

@test "a malformed --kdc, --transport, --timeout is a usage error" {
    run_kinit_opts --kdc "127.0.0.1:99999"
    assert_failure 2
    assert_line --index 0 --partial "kinit: --kdc '127.0.0.1:99999' is not a KDC address"
    assert_line --index 1 "Try 'kinit --help' for more information."
    run_kinit_opts --transport sctp
    assert_failure 2
    assert_line --index 0 "kinit: unknown transport 'sctp' (use 'udp' or 'tcp')"
    run_kinit_opts --timeout -1
    assert_failure 2
    assert_line --index 0 "kinit: --timeout takes seconds from 0 to 3600"
}

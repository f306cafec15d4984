#!/usr/bin/env bats
# DNS discovery of KDCs, end to end, with a real name server.  The whole
# file runs in a network and mount namespace of its own (unshare): its
# loopback has its own ports, and its /etc/resolv.conf is a bind mount of a
# file here that names 127.0.0.1, where each test starts Debian's dnsmasq
# with the SRV and URI records it wants.  The realm's MIT KDC runs inside the
# namespace too, and krb5.conf names no kdc for the realm: only DNS can lead
# the programs to it.  Nothing outside the namespace sees a query.

# Commands for other shells are single-quoted on purpose.
# shellcheck disable=SC2016

load helpers

setup_file() {
    local dir=$BATS_FILE_TMPDIR i
    export KS_NS_DIR=$dir
    command -v dnsmasq >/dev/null || {
        echo "dnsmasq is not installed (Debian's dnsmasq-base; ./check" \
            "installs it)" >&2
        return 1
    }
    if ! unshare --net --mount true 2>/dev/null; then
        export KS_DNS_SKIP="cannot create a network namespace here (needs root or CAP_SYS_ADMIN)"
        return 0
    fi
    echo "nameserver 127.0.0.1" >"$dir/resolv.conf"
    # The namespace lives as long as this holder; fd 3 closed, or bats
    # would wait for it.
    unshare --net --mount --propagation private bash -c '
        ip link set lo up &&
        mount --bind "$1/resolv.conf" /etc/resolv.conf &&
        touch "$1/ns.ready" && exec sleep 3600' _ "$dir" 3>&- &
    echo $! >"$dir/holder.pid"
    for ((i = 0; i < 100; i++)); do
        [ -e "$dir/ns.ready" ] && break
        sleep 0.05
    done
    [ -e "$dir/ns.ready" ] || { echo "the namespace did not start" >&2; return 1; }
    # The realm's KDC, started inside the namespace.
    ns_run bash -c 'source "$1"; ks_realm_create "$2" TEST.REALM' _ \
        "$KS_TOP/tests/realm.sh" "$dir/realm" 3>&- || return 1
    export KS_REALM_DIR=$dir/realm
    KS_REALM_PORT=$(cat "$dir/realm/port")
    export KS_REALM_PORT
}

teardown_file() {
    [ -n "${KS_NS_DIR:-}" ] || return 0
    ks_realm_stop "$KS_NS_DIR/realm"
    if [ -f "$KS_NS_DIR/holder.pid" ]; then
        kill "$(cat "$KS_NS_DIR/holder.pid")" 2>/dev/null || true
    fi
}

# Run a command inside the namespace.
ns_run() {
    nsenter -t "$(cat "$KS_NS_DIR/holder.pid")" -n -m -- "$@"
}

setup() {
    [ -z "${KS_DNS_SKIP:-}" ] || skip "$KS_DNS_SKIP"
    DNS_PID=
    ks_fresh_ccache
    unset KRB5_KDC_PROFILE KRB5_KTNAME KRB5_CLIENT_KTNAME
    DNS_LOG=$BATS_TEST_TMPDIR/dns.log
}

teardown() {
    if [ -n "$DNS_PID" ]; then
        kill "$DNS_PID" 2>/dev/null || true
        wait "$DNS_PID" 2>/dev/null || true
    fi
}

# Serve the records named by dnsmasq options (--srv-host=..., --dns-rr=...)
# on 127.0.0.1:53 in the namespace; kdc.test.realm and dead.test.realm are
# 127.0.0.1, and nothing else under test.realm exists.
start_dns() {
    local i
    : >"$DNS_LOG"
    # nsenter execs dnsmasq (no fork), so $! is dnsmasq's PID.
    nsenter -t "$(cat "$KS_NS_DIR/holder.pid")" -n -m -- \
        dnsmasq --keep-in-foreground --no-resolv --no-hosts \
        --listen-address=127.0.0.1 --bind-interfaces --port=53 \
        --user=root --group=root --pid-file= \
        --log-queries --log-facility="$DNS_LOG" \
        --local=/test.realm/ \
        --host-record=kdc.test.realm,127.0.0.1 \
        --host-record=dead.test.realm,127.0.0.1 \
        "$@" >"$BATS_TEST_TMPDIR/dnsmasq.out" 2>&1 3>&- &
    DNS_PID=$!
    for ((i = 0; i < 100; i++)); do
        kill -0 "$DNS_PID" 2>/dev/null || break
        ns_run ss -Hlnup '( sport = :53 )' | grep -q "pid=$DNS_PID," &&
            return 0
        sleep 0.05
    done
    cat "$BATS_TEST_TMPDIR/dnsmasq.out" >&2
    return 1
}

# A URI record for dnsmasq: --dns-rr with priority, weight and the text.
uri_rr() {
    printf -- '--dns-rr=_kerberos.TEST.REALM,256,%04x%04x%s' "$1" "$2" \
        "$(printf '%s' "$3" | od -An -tx1 | tr -d ' \n')"
}

# An SRV record as raw data (--dns-rr), which dnsmasq serves in the order
# given, where --srv-host records come out sorted by priority:
# srv_rr NAME PRIORITY WEIGHT PORT TARGET.
srv_rr() {
    local label data
    data=$(printf '%04x%04x%04x' "$2" "$3" "$4")
    for label in ${5//./ }; do
        data+=$(printf '%02x' "${#label}")$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n')
    done
    printf -- '--dns-rr=%s,33,%s00' "$1" "$data"
}

# A krb5.conf that names no KDC for TEST.REALM, plus the given
# [libdefaults] lines.
write_conf() {
    {
        echo "[libdefaults]"
        echo "    default_realm = TEST.REALM"
        echo "    dns_lookup_realm = false"
        echo "    rdns = false"
        echo "    dns_canonicalize_hostname = false"
        echo "    request_timeout = 3"
        printf '    %s\n' "$@"
    } >"$BATS_TEST_TMPDIR/krb5.conf"
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf
}

# Our kinit for alice inside the namespace, tracing to $TRACE.
ns_kinit() {
    TRACE=$BATS_TEST_TMPDIR/trace
    run ns_run bash -c 'echo alice-pw | "$@"' _ "$KINIT" --trace "$TRACE" \
        "$@" alice
}

@test "SRV records lead kinit to the realm's KDC" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,10
    write_conf
    ns_kinit
    assert_success
    run "$MIT_KLIST"
    assert_success
    assert_output --partial "krbtgt/TEST.REALM@TEST.REALM"
    run cat "$TRACE"
    assert_output --partial "no kdc for TEST.REALM in krb5.conf: asking DNS"
    assert_output --partial "DNS SRV _kerberos._udp.TEST.REALM.: 1 usable record"
    assert_output --partial "KDC 127.0.0.1:$KS_REALM_PORT (UDP) from DNS SRV _kerberos._udp.TEST.REALM. (kdc.test.realm.:$KS_REALM_PORT, priority 0, weight 10)"
    assert_output --regexp "over UDP to 127\.0\.0\.1:$KS_REALM_PORT \.\.\. [0-9]+ bytes back"
    # Absolute names: no search-list suffix was ever asked for.
    grep -q 'query\[SRV\] _kerberos._udp.TEST.REALM from' "$DNS_LOG"
    run grep -c 'query\[SRV\] _kerberos._udp.TEST.REALM\.[a-z]' "$DNS_LOG"
    assert_output 0
}

@test "MIT's kinit finds the KDC through the same records" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,10
    write_conf
    run ns_run bash -c 'echo alice-pw | "$1" alice' _ "$MIT_KINIT"
    assert_success
}

@test "SRV priority: the lowest first, a higher one only when it fails" {
    # Priority 0 is a dead port (refused at once), 10 the real KDC.
    # In the answer, the higher priority comes first: the order is ours.
    # (dnsmasq serves --dns-rr records last given first.)
    start_dns "$(srv_rr _kerberos._udp.TEST.REALM 0 0 9 dead.test.realm)" \
        "$(srv_rr _kerberos._udp.TEST.REALM 10 0 "$KS_REALM_PORT" kdc.test.realm)"
    write_conf
    ns_kinit
    assert_success
    run grep "SRV record 1:" "$TRACE"
    assert_line --index 0 --partial "kdc.test.realm.:$KS_REALM_PORT over UDP, priority 10"
    run grep -n -E "bytes over UDP to 127\.0\.0\.1:(9|$KS_REALM_PORT)$" "$TRACE"
    assert_line --index 0 --regexp "127\.0\.0\.1:9$"
    assert_line --index 1 --regexp "127\.0\.0\.1:$KS_REALM_PORT$"
}

@test "SRV priority: a working first choice means the others are not tried" {
    start_dns "$(srv_rr _kerberos._udp.TEST.REALM 0 0 "$KS_REALM_PORT" kdc.test.realm)" \
        "$(srv_rr _kerberos._udp.TEST.REALM 5 0 9 dead.test.realm)"
    write_conf
    ns_kinit
    assert_success
    run grep "SRV record 1:" "$TRACE"
    assert_line --index 0 --partial "dead.test.realm.:9 over UDP, priority 5"
    # Both are listed, in priority order; only the first is asked.
    run grep "from DNS SRV" "$TRACE"
    assert_line --index 0 --partial "127.0.0.1:$KS_REALM_PORT (UDP)"
    assert_line --index 1 --partial "127.0.0.1:9 (UDP)"
    run grep "over UDP to 127.0.0.1:9$" "$TRACE"
    assert_failure
}

@test "_kerberos._tcp records mean TCP" {
    start_dns --srv-host=_kerberos._tcp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,0
    write_conf
    ns_kinit
    assert_success
    run cat "$TRACE"
    assert_output --partial "DNS SRV _kerberos._udp.TEST.REALM.: no such name"
    assert_output --regexp "over TCP to 127\.0\.0\.1:$KS_REALM_PORT \.\.\. [0-9]+ bytes back"
    refute_output --partial "over UDP to"
}

@test "an SRV target of \".\" says the realm has no KDC: one clear error" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM --srv-host=_kerberos._tcp.TEST.REALM
    write_conf
    ns_kinit
    assert_failure 1
    assert_output --partial 'Cannot find KDC for realm "TEST.REALM" (DNS says it has none'
    [ "$(grep -c 'kinit:' <<<"$output")" = 1 ]
    run cat "$TRACE"
    assert_output --partial 'target ".": no KDC service over UDP'
    # MIT's kinit fails too.
    run ns_run bash -c 'echo alice-pw | "$1" alice' _ "$MIT_KINIT"
    assert_failure
}

@test "URI records come first, and say the transport" {
    start_dns "$(uri_rr 0 1 "krb5srv:m:tcp:kdc.test.realm:$KS_REALM_PORT")" \
        --srv-host=_kerberos._udp.TEST.REALM,dead.test.realm,9,0,0
    write_conf
    ns_kinit
    assert_success
    run cat "$TRACE"
    assert_output --partial "DNS URI _kerberos.TEST.REALM.: 1 usable record"
    assert_output --partial "KDC 127.0.0.1:$KS_REALM_PORT (TCP) from DNS URI _kerberos.TEST.REALM."
    assert_output --regexp "over TCP to 127\.0\.0\.1:$KS_REALM_PORT \.\.\. [0-9]+ bytes back"
    # The SRV records were not needed.
    refute_output --partial "DNS SRV"
}

@test "dns_uri_lookup = false: URI records are not asked for" {
    start_dns "$(uri_rr 0 1 "krb5srv::tcp:dead.test.realm:9")" \
        --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,0
    write_conf "dns_uri_lookup = false"
    ns_kinit
    assert_success
    run cat "$TRACE"
    refute_output --partial "DNS URI"
    assert_output --partial "from DNS SRV _kerberos._udp.TEST.REALM."
    run grep -c 'query\[TYPE256\]' "$DNS_LOG"
    assert_output 0
}

@test "no usable record at all: a clear error" {
    start_dns "$(uri_rr 0 0 "krb5srv::kkdcp:https://proxy.test.realm/KdcProxy")"
    write_conf
    ns_kinit
    assert_failure 1
    assert_output --partial "Cannot find KDC for realm \"TEST.REALM\" (no kdc in krb5.conf, and DNS has no usable _kerberos SRV or URI record for it)"
}

@test "unusable URI records fall back to SRV" {
    start_dns "$(uri_rr 0 0 "krb5srv::kkdcp:https://proxy.test.realm/KdcProxy")" \
        --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,0
    write_conf
    ns_kinit
    assert_success
    run cat "$TRACE"
    assert_output --partial "DNS URI _kerberos.TEST.REALM.: 0 usable records"
    assert_output --partial "from DNS SRV _kerberos._udp.TEST.REALM."
}

@test "dns_lookup_kdc = false: DNS is not asked" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,0
    write_conf "dns_lookup_kdc = false"
    ns_kinit
    assert_failure 1
    assert_output --partial "Cannot find KDC for realm \"TEST.REALM\" (add the realm's kdc to [realms] in krb5.conf)"
    run grep -c '_kerberos' "$DNS_LOG"
    assert_output 0
}

@test "a kdc in krb5.conf: DNS is not asked even with dns_lookup_kdc" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,dead.test.realm,9,0,0
    write_conf "dns_lookup_kdc = true"
    printf '[realms]\n    TEST.REALM = {\n        kdc = 127.0.0.1:%s\n    }\n' \
        "$KS_REALM_PORT" >>"$KRB5_CONFIG"
    ns_kinit
    assert_success
    run grep -c '_kerberos' "$DNS_LOG"
    assert_output 0
}

@test "--kdc replaces what DNS would say" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,dead.test.realm,9,0,0
    write_conf
    ns_kinit --kdc "127.0.0.1:$KS_REALM_PORT"
    assert_success
    run grep -c '_kerberos' "$DNS_LOG"
    assert_output 0
}

@test "no name server listening: a clear error, at once" {
    local t0 t1
    write_conf
    t0=$(date +%s%N)
    ns_kinit
    t1=$(date +%s%N)
    assert_failure 1
    assert_output --partial "Cannot find KDC for realm \"TEST.REALM\" (no kdc in krb5.conf, and the name servers of resolv.conf did not answer)"
    [ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
}

@test "a name server that never answers costs at most 2 tries of 2 s" {
    local t0 t1 pid
    # A UDP socket on port 53 that reads nothing and answers nothing.
    nsenter -t "$(cat "$KS_NS_DIR/holder.pid")" -n -m -- /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
time.sleep(60)' 3>&- &
    pid=$!
    sleep 0.3
    write_conf
    t0=$(date +%s%N)
    ns_kinit
    t1=$(date +%s%N)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    assert_failure 1
    assert_output --partial "Cannot find KDC for realm \"TEST.REALM\" (no kdc in krb5.conf, and the name servers of resolv.conf did not answer)"
    [ $(((t1 - t0) / 1000000)) -lt 6000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
    # The first unanswered query ends the lookup.
    run grep -c "did not answer\|no answer from the name servers" "$TRACE"
    assert_output 1
}

@test "kvno finds the KDC through DNS too" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,0
    write_conf
    ns_kinit
    assert_success
    run ns_run "$KVNO" --trace "$BATS_TEST_TMPDIR/kvno.trace" HTTP/web.test.realm
    assert_success
    assert_output --partial "HTTP/web.test.realm@TEST.REALM: kvno = "
    grep -q "from DNS SRV _kerberos._udp.TEST.REALM." "$BATS_TEST_TMPDIR/kvno.trace"
}

@test "kstep doctor names the SRV record a KDC came from, and one that leads nowhere" {
    local dead
    dead=$(ks_free_port)
    start_dns --srv-host=_kerberos._udp.TEST.REALM,kdc.test.realm,"$KS_REALM_PORT",0,10 \
        --srv-host=_kerberos._udp.TEST.REALM,dead.test.realm,"$dead",1,10
    write_conf
    run ns_run "$KSTEP" doctor --timeout 1 TEST.REALM
    assert_failure 1
    assert_line "  127.0.0.1:$KS_REALM_PORT, from DNS SRV _kerberos._udp.TEST.REALM. (kdc.test.realm.:$KS_REALM_PORT, priority 0, weight 10)"
    assert_line --regexp "^  ok +kdc +127.0.0.1:$KS_REALM_PORT answers over UDP only$"
    assert_line --regexp "^  error +kdc +127.0.0.1:$dead \(from DNS SRV _kerberos._udp.TEST.REALM. \(dead.test.realm.:$dead, priority 1, weight 10\)\) does not answer: "
}

@test "kstep doctor: SRV records that say the realm has no KDC" {
    start_dns --srv-host=_kerberos._udp.TEST.REALM,.,0,0,0
    write_conf
    run ns_run "$KSTEP" doctor --timeout 1 TEST.REALM
    assert_failure 1
    assert_line --regexp '^  error +kdc +no KDC of TEST.REALM could be found: '
    assert_line --partial 'hint: add kdc = HOST[:PORT] under [realms] in krb5.conf'
}

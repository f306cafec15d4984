#!/usr/bin/env bats
# kinit's ticket options against a real MIT KDC, each compared with what
# MIT's kinit gets for the same options as MIT's klist -f shows it (flags,
# lifetimes, renewable lifetimes, start offsets, addresses); -R and -v
# through our TGS exchange; the clock-skew error and the retry against the
# primary KDC with fake KDCs (tests/tools/fakekdc.py), and a real KDC whose
# clock is an hour ahead (libfaketime) when it is installed.

bats_require_minimum_version 1.5.0
load helpers

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
    MITCC=$BATS_TEST_TMPDIR/mit-ccache
    SHIFTED=
}

teardown() {
    local name
    for name in fake fake2; do
        ks_fakekdc_stop "$BATS_TEST_TMPDIR" "$name"
    done
    [ -z "$SHIFTED" ] || ks_realm_stop "$SHIFTED"
}

# MIT's klist -f -a of CACHE with each time turned into minutes from NOW
# (start) or from the ticket's start (end, renew-till), rounded, since a
# slow run issues tickets a second or two apart:
# "start+0m end=600m renew=2880m flags=RIA addrs=..." per ticket.
normalized() {
    local cache=$1 now=$2
    "$MIT_KLIST" -f -a -c "$cache" | /usr/bin/python3 -c '
import re, sys, calendar, time
now = int(sys.argv[1])
def t(d, h):
    return calendar.timegm(time.strptime(d + " " + h, "%m/%d/%y %H:%M:%S"))
D = r"(\d\d/\d\d/\d\d \d\d:\d\d:\d\d)"
out, cur = [], None
for line in sys.stdin:
    m = re.match(D + "  " + D + r"  (\S+)", line)
    if m:
        s = t(*m.group(1).split()); e = t(*m.group(2).split())
        cur = {"start": round((s - now) / 60), "end": round((e - s) / 60),
               "svc": m.group(3), "start_abs": s}
        out.append(cur)
        continue
    if cur is None:
        continue
    r = re.search("renew until " + D, line)
    if r:
        cur["renew"] = "%dm" % round((t(*r.group(1).split()) -
                                      cur["start_abs"]) / 60)
    f = re.search(r"Flags: (\S+)", line)
    if f:
        cur["flags"] = f.group(1)
    a = re.search(r"Addresses: (.*)", line)
    if a:
        cur["addrs"] = a.group(1).strip()
for c in out:
    print("%s start%+dm end=%dm renew=%s flags=%s addrs=%s" % (
        c["svc"], c["start"], c["end"], c.get("renew", "-"),
        c.get("flags", "-"), c.get("addrs", "-")))
' "$now"
}

# Run MIT's kinit and ours with the same OPTIONS for WHO; both caches as
# MIT's klist shows them must agree.
same_as_mit() {
    local who=$1 now mine theirs
    shift
    now=$(date +%s)
    echo "$who-pw" | "$MIT_KINIT" -c "FILE:$MITCC" "$@" "$who" >/dev/null
    echo "$who-pw" | "$KINIT" -c "FILE:$CC" "$@" "$who" >/dev/null
    theirs=$(normalized "$MITCC" "$now")
    mine=$(normalized "$CC" "$now")
    echo "MIT:  $theirs" >&2
    echo "ours: $mine" >&2
    [ -n "$mine" ] && [ "$mine" = "$theirs" ]
}

@test "kinit options: defaults, -l, -r, -l -r, as MIT's kinit gets them" {
    local who
    for who in renew alice bob; do
        same_as_mit "$who"
        same_as_mit "$who" -l 1h
        same_as_mit "$who" -r 2d
        same_as_mit "$who" -l 1h -r 3h
        same_as_mit "$who" -l 2h -r 1h
    done
}

@test "kinit options: -f -F -p -P, as MIT's kinit gets them" {
    local who
    for who in renew alice; do
        same_as_mit "$who" -f
        same_as_mit "$who" -F
        same_as_mit "$who" -p
        same_as_mit "$who" -P
        same_as_mit "$who" -f -p -r 1d
    done
    run normalized "$CC" "$(date +%s)"
    assert_output --partial "flags=FPRIA"
}

@test "kinit options: -a and -A, addresses as MIT's kinit gets them" {
    same_as_mit renew -a
    run normalized "$CC" "$(date +%s)"
    refute_output --partial "addrs=(none)"
    same_as_mit renew -A
    run normalized "$CC" "$(date +%s)"
    assert_output --partial "addrs=(none)"
}

@test "kinit -s: postdated tickets (invalid, may-postdate), as MIT's" {
    same_as_mit renew -s 1h
    run normalized "$CC" "$(date +%s)"
    assert_output --regexp "start\+60m end=600m renew=- flags=DdiI "
    same_as_mit alice -s 30m -r 2d -f
}

@test "kinit -R: renews the TGT, keeps the principal and renew-till" {
    local before after
    echo renew-pw | "$KINIT" -r 2d renew >/dev/null
    before=$(normalized "$CC" "$(date +%s)")
    sleep 1
    run "$KINIT" -R
    assert_success
    assert_output ""
    run "$MIT_KLIST"
    assert_line "Default principal: renew@$KS_REALM"
    after=$(normalized "$CC" "$(date +%s)")
    # Same life and flags plus T (the KDC's TGS sets transited-checked).
    [ "${after/flags=RIT/flags=RI}" != "$after" ]
    # The renew-till stays where it was: the new start moved, the
    # renewable life from it shrank by as much.
    run "$MIT_KLIST" -c "$CC"
    assert_success
}

@test "kinit -R: the same flags and lifetimes as MIT's kinit -R" {
    local now mine theirs
    echo renew-pw | "$MIT_KINIT" -c "FILE:$MITCC" -r 2d -f renew >/dev/null
    echo renew-pw | "$KINIT" -c "FILE:$CC" -r 2d -f renew >/dev/null
    sleep 1
    "$MIT_KINIT" -c "FILE:$MITCC" -R
    run "$KINIT" -c "FILE:$CC" -R -V
    assert_success
    assert_line "Authenticated to Kerberos v5"
    now=$(date +%s)
    theirs=$(normalized "$MITCC" "$now")
    mine=$(normalized "$CC" "$now")
    echo "MIT: $theirs / ours: $mine" >&2
    [ "$mine" = "$theirs" ]
}

@test "kinit -R: a ticket that is not renewable: the KDC refuses, one line, exit 1, cache kept" {
    local sum
    echo bob-pw | "$KINIT" bob >/dev/null
    sum=$(ks_file_sum "$CC")
    run "$KINIT" -R
    assert_failure 1
    # As MIT's kinit, the KDC is asked and its answer reported.
    assert_output --regexp "^kinit: KDC can't fulfill requested option while renewing credentials .*\(the ticket for krbtgt/$KS_REALM@$KS_REALM is not renewable: get a renewable one with kinit -r\)$"
    [ "$(ks_file_sum "$CC")" = "$sum" ]
}

@test "kinit -R: past its renew-till: one line, exit 1, cache kept" {
    local sum
    echo renew-pw | "$KINIT" -l 2s -r 3s renew >/dev/null
    sum=$(ks_file_sum "$CC")
    sleep 4
    # Within the clock skew the KDC decides (MIT: "Ticket expired") ...
    run "$KINIT" -R
    assert_failure 1
    assert_output --regexp "^kinit: Ticket expired while renewing credentials"
    [ "${#lines[@]}" = 1 ]
    [ "$(ks_file_sum "$CC")" = "$sum" ]
    # ... beyond it we say so without asking.
    cp "$KRB5_CONFIG" "$BATS_TEST_TMPDIR/krb5.conf"
    ks_conf_add_libdefault "$BATS_TEST_TMPDIR/krb5.conf" "clockskew = 1"
    KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf run "$KINIT" -R
    assert_failure 1
    assert_output --regexp "(could be renewed until|expired at) .*\(run kinit without -R\)$"
    [ "$(ks_file_sum "$CC")" = "$sum" ]
}

@test "kinit -R: no cache, and a principal the cache has no ticket for" {
    run "$KINIT" -R
    assert_failure 1
    assert_output --regexp "^kinit: .*"
    [ "${#lines[@]}" = 1 ]
    echo renew-pw | "$KINIT" -r 1d renew >/dev/null
    run "$KINIT" -R bob
    assert_failure 1
    assert_output --regexp "^kinit: .* while renewing credentials"
}

@test "kinit -v: validates a postdated ticket once it starts, as MIT's" {
    local now mine theirs
    echo renew-pw | "$MIT_KINIT" -c "FILE:$MITCC" -s 2s -l 1h renew >/dev/null
    echo renew-pw | "$KINIT" -c "FILE:$CC" -s 2s -l 1h renew >/dev/null
    run "$KINIT" -c "FILE:$CC" -v
    assert_failure 1
    assert_output "kinit: Ticket not yet valid while validating credentials (compare this machine's clock with the KDC's)"
    sleep 3
    "$MIT_KINIT" -c "FILE:$MITCC" -v
    run "$KINIT" -c "FILE:$CC" -v
    assert_success
    now=$(date +%s)
    theirs=$(normalized "$MITCC" "$now")
    mine=$(normalized "$CC" "$now")
    echo "MIT: $theirs / ours: $mine" >&2
    [ "$mine" = "$theirs" ]
    run "$MIT_KLIST" -f -c "$CC"
    assert_line --partial "Flags: DdIT"
}

@test "kinit -v: a ticket that is not postdated: one line, exit 1" {
    local sum
    echo renew-pw | "$KINIT" renew >/dev/null
    sum=$(ks_file_sum "$CC")
    run "$KINIT" -v
    assert_failure 1
    assert_output "kinit: KDC can't fulfill requested option while validating credentials; the ticket for krbtgt/$KS_REALM@$KS_REALM is not postdated, so there is nothing to validate"
    [ "$(ks_file_sum "$CC")" = "$sum" ]
}

@test "kinit -R --trace: the TGS exchange with the ticket itself" {
    echo renew-pw | "$KINIT" -r 1d renew >/dev/null
    run "$KINIT" -R --trace -
    assert_success
    assert_line --regexp "^kinit: \[renew\] renew krbtgt/$KS_REALM@$KS_REALM with the ticket itself \(kdc-options [a-z,-]*renew[a-z,-]*\)$"
    assert_line --partial "[1/8 request] TGS-REQ for krbtgt/$KS_REALM@$KS_REALM"
    assert_line --partial "[renew] renew: new ticket valid"
}

# A copy of the realm's krb5.conf whose only KDC is fake KDC NAME started
# with ARGS...; exported as KRB5_CONFIG.
fake_realm_kdc() {
    local name=$1 port
    shift
    port=$(ks_fakekdc_start "$BATS_TEST_TMPDIR" "$name" --realm "$KS_REALM" "$@")
    cp "$KS_REALM_DIR/krb5.conf" "$BATS_TEST_TMPDIR/krb5.conf"
    sed -i "s/kdc = 127.0.0.1:$KS_REALM_PORT/kdc = 127.0.0.1:$port/" \
        "$BATS_TEST_TMPDIR/krb5.conf"
    export KRB5_CONFIG=$BATS_TEST_TMPDIR/krb5.conf
}

@test "kinit: KRB_AP_ERR_SKEW names both clocks; kdc_timesync retries once" {
    fake_realm_kdc fake --mode error --code 25,37 --stime-offset 3600
    run "$KINIT" --trace "$BATS_TEST_TMPDIR/trace" alice <<<"alice-pw"
    assert_failure 1
    assert_line --regexp "^kinit: Clock skew too great while getting initial credentials: this machine's clock says .* UTC, the KDC's error claims .* UTC \(\+3600 s; the limit is 300 s; retried once with the KDC's time\)$"
    # PREAUTH_REQUIRED, our timestamp, the one retry: three requests.
    [ "$(ks_fakekdc_count "$BATS_TEST_TMPDIR" fake)" = 3 ]
    grep -q "retrying once with that time in the timestamp only" \
        "$BATS_TEST_TMPDIR/trace"
    [ ! -e "$CC" ]
}

@test "kinit: KRB_AP_ERR_SKEW without kdc_timesync: no retry" {
    fake_realm_kdc fake --mode error --code 25,37 --stime-offset 3600
    ks_conf_add_libdefault "$KRB5_CONFIG" "kdc_timesync = false"
    run "$KINIT" alice <<<"alice-pw"
    assert_failure 1
    assert_line --partial "(+3600 s; the limit is 300 s; kdc_timesync = true would retry with it)"
    [ "$(ks_fakekdc_count "$BATS_TEST_TMPDIR" fake)" = 2 ]
}

@test "kinit: a rejected password is tried once more with the primary KDC" {
    fake_realm_kdc fake --mode error --code 24
    sed -i "s|kdc = 127.0.0.1:\(.*\)|kdc = 127.0.0.1:\1\n        primary_kdc = 127.0.0.1:$KS_REALM_PORT|" \
        "$KRB5_CONFIG"
    run "$KINIT" --trace "$BATS_TEST_TMPDIR/trace" alice <<<"alice-pw"
    assert_success
    [ "$(ks_fakekdc_count "$BATS_TEST_TMPDIR" fake)" = 1 ]
    grep -q "retrying the AS request with the primary KDC" \
        "$BATS_TEST_TMPDIR/trace"
    run "$MIT_KLIST"
    assert_line "Default principal: alice@$KS_REALM"
}

@test "kinit: no retry when the primary itself rejected it, or is down" {
    fake_realm_kdc fake --mode error --code 24
    sed -i "s|kdc = 127.0.0.1:\(.*\)|kdc = 127.0.0.1:\1\n        primary_kdc = 127.0.0.1:\1|" \
        "$KRB5_CONFIG"
    run "$KINIT" alice <<<"alice-pw"
    assert_failure 1
    [ "$(ks_fakekdc_count "$BATS_TEST_TMPDIR" fake)" = 1 ]
    # A primary that does not answer: the replica's answer stands.
    sed -i "s|primary_kdc = .*|primary_kdc = 127.0.0.1:1|" "$KRB5_CONFIG"
    run "$KINIT" alice <<<"alice-pw"
    assert_failure 1
    assert_output --partial "kinit: Password incorrect while getting initial credentials"
    [ "$(grep -c "kinit:" <<<"$output")" = 1 ]
}

# A second realm whose KDC runs an hour ahead (libfaketime), as KRB5_CONFIG.
shifted_realm() {
    SHIFTED=$BATS_TEST_TMPDIR/shifted
    ks_realm_create "$SHIFTED" SHIFT.REALM >/dev/null 2>&1 || return 1
    [ -n "$(ks_faketime_lib)" ] ||
        ks_skip_missing "libfaketime (Debian's faketime)"
    ks_realm_restart_faketime "$SHIFTED" "+1h" || return 1
    export KRB5CCNAME=FILE:$CC
}

@test "kinit: a KDC an hour ahead, with kdc_timesync (the default), as MIT" {
    shifted_realm
    echo alice-pw | "$MIT_KINIT" -c "FILE:$MITCC" alice >/dev/null
    run "$KINIT" --trace "$BATS_TEST_TMPDIR/trace" alice <<<"alice-pw"
    assert_success
    grep -q "kdc_timesync: KDC clock is +3[56][0-9][0-9] s from ours" \
        "$BATS_TEST_TMPDIR/trace"
    # Both caches, as MIT's klist shows them with the stored offset.
    [ "$(normalized "$CC" 0)" = "$(normalized "$MITCC" 0)" ] ||
        [ "$("$MIT_KLIST" -c "$CC" | sed -n 5p | cut -c1-14)" = \
          "$("$MIT_KLIST" -c "$MITCC" | sed -n 5p | cut -c1-14)" ]
}

@test "kinit: a KDC an hour ahead without kdc_timesync: both clocks named" {
    shifted_realm
    ks_conf_add_libdefault "$KRB5_CONFIG" "kdc_timesync = false"
    # (MIT 1.20's kinit gets a ticket here all the same: it retries with
    # the error's time even without kdc_timesync; we follow the setting.)
    run "$KINIT" alice <<<"alice-pw"
    assert_failure 1
    assert_line --regexp "^kinit: Clock skew too great while getting initial credentials: this machine's clock says .*, the KDC's error claims .* \(\+3[56][0-9][0-9] s; "
    [ ! -e "$CC" ]
}

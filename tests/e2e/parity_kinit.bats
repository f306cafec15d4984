#!/usr/bin/env bats
# MIT parity of kinit and kvno (issues 14 and 15): MIT's tools
# (/usr/bin/kinit, /usr/bin/kvno) and ours run on the same input against
# the fixture's MIT KDC, and what a script sees is compared: the exit
# status, the first line on stderr (ours may add detail after MIT's words,
# never change them), and the cache as MIT's klist shows it.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -pw soon-pw -pwexpire "+2 days" soon'
    ks_realm_kadmin "$KS_REALM_DIR" "ktadd -k $KS_REALM_DIR/soon.keytab -norandkey soon"
    ks_realm_kadmin "$KS_REALM_DIR" 'addprinc -pw expd-pw -pwexpire now expd'
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    MITCC=$BATS_TEST_TMPDIR/mit-cc
    OURCC=$BATS_TEST_TMPDIR/our-cc
}

# MIT's klist -f of CACHE, times made relative and rounded to minutes: the
# default principal, then per ticket "SERVICE start+Nm life=Nm renew=Nm
# flags=F".  The KDC starts a ticket a second or two after the client
# computed the end it asks for, so a life is a few seconds short of the one
# asked for: 5 s are added before rounding, so that -l 90 is always 2m.
view() {
    "$MIT_KLIST" -f -c "FILE:$1" 2>&1 | /usr/bin/python3 -c '
import re, sys, calendar, time
now = int(sys.argv[1])
D = r"(\d\d/\d\d/\d\d \d\d:\d\d:\d\d)"
def t(s):
    return calendar.timegm(time.strptime(s, "%m/%d/%y %H:%M:%S"))
start = None
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(D + "  " + D + r"  (\S+)", line)
    r = re.search("renew until " + D, line)
    f = re.search("Flags: (\S*)", line)
    if m:
        start = t(m.group(1))
        print("%s start%+dm life=%dm" % (m.group(3),
              round((start - now) / 60),
              round((t(m.group(2)) - start + 5) / 60)),
              end=" ")
    elif r:
        print("renew=%dm" % round((t(r.group(1)) - start + 5) / 60), end=" ")
    elif f:
        print("flags=" + f.group(1))
    elif line.startswith(("Default principal", "klist:")):
        print(re.sub(r" \(filename: .*\)", "", line))
' "$(date +%s)"
}

# The default principal's name type in the FILE cache $1 ("10": an
# enterprise name, "1": a principal name), which MIT's klist does not show.
name_type() {
    /usr/bin/python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 4 + struct.unpack(">H", d[2:4])[0] if d[:2] == b"\x05\x04" else 2
print(struct.unpack(">I", d[off:off + 4])[0])
' "$1"
}

# Run PROGRAM (MIT's or ours) with ARGS into cache CC, the line $INPUT on
# stdin (none at all when it is empty); sets STATUS, FIRST (first stderr
# line), STDOUT.
run_one() {
    local prog=$1 cc=$2 input=/dev/null
    shift 2
    rm -f "$cc"
    if [ -n "${INPUT-}" ]; then
        input=$BATS_TEST_TMPDIR/input
        printf '%s\n' "$INPUT" >"$input"
    fi
    STATUS=0
    KRB5CCNAME=FILE:$cc "$prog" "$@" <"$input" \
        >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || STATUS=$?
    FIRST=$(head -n 1 "$BATS_TEST_TMPDIR/err")
    STDOUT=$(cat "$BATS_TEST_TMPDIR/out")
}

# Both kinits with ARGS: same status, our first stderr line starts with
# MIT's, the same cache as MIT's klist -f shows it.
same_kinit() {
    local mit_status mit_first mit_view
    run_one "$MIT_KINIT" "$MITCC" "$@"
    mit_status=$STATUS mit_first=$FIRST mit_view=$(view "$MITCC")
    MIT_STDOUT=$STDOUT
    run_one "$KINIT" "$OURCC" "$@"
    echo "MIT: $mit_status '$mit_first' / ours: $STATUS '$FIRST'" >&2
    echo "MIT cache: $mit_view" >&2
    echo "our cache: $(view "$OURCC")" >&2
    [ "$STATUS" = "$mit_status" ]
    [[ $FIRST == "$mit_first"* ]]
    [ "$(view "$OURCC")" = "$mit_view" ]
}

@test "kinit -l: every duration form MIT accepts, with MIT's lifetimes" {
    INPUT=alice-pw
    for life in 90 90s 1h30m 1:30:00 2h 45m 1d -1s -3600s -1h; do
        same_kinit -l "$life" alice
        view "$OURCC" | grep -q krbtgt
    done
    # A negative lifetime is sent and the KDC issues a ticket that ends
    # before it starts, as for MIT's kinit.
    run view "$OURCC"
    assert_output --regexp "life=-60m"
}

@test "kinit -r: renewable lives, a negative one asks for no renewable ticket" {
    INPUT=alice-pw
    for renew in 2d 36h 1:00:00 -1s -2d; do
        same_kinit -l 1h -r "$renew" alice
    done
    run view "$OURCC"
    refute_output --partial "renew="
}

@test "kinit -s: a start in the past, a postdated start and an absolute time" {
    INPUT=alice-pw
    for start in -3600s -1h 30m 2h; do
        same_kinit -s "$start" alice
    done
    same_kinit -s "$(date -u -d '+3 hours' +%Y%m%d%H%M%S)" alice
    run view "$OURCC"
    assert_output --regexp "start\+180m"
}

@test "kinit: durations MIT refuses are usage errors here too (exit 2)" {
    INPUT=alice-pw
    for bad in "-l 0" "-l bogus" "-r 0" "-s 0" "-s bogus"; do
        # shellcheck disable=SC2086
        run_one "$MIT_KINIT" "$MITCC" $bad alice
        [ "$STATUS" = 2 ]
        # shellcheck disable=SC2086
        run_one "$KINIT" "$OURCC" $bad alice
        [ "$STATUS" = 2 ]
        [ ! -e "$OURCC" ]
    done
}

@test "kinit -R of a ticket that is not renewable: the KDC's answer, as MIT's" {
    local mit_first mit_status
    echo bob-pw | KRB5CCNAME=FILE:$MITCC "$MIT_KINIT" bob >/dev/null
    cp "$MITCC" "$OURCC"
    KRB5CCNAME=FILE:$MITCC run -1 "$MIT_KINIT" -R
    mit_first=${lines[0]}
    assert_equal "$mit_first" "kinit: KDC can't fulfill requested option while renewing credentials"
    KRB5CCNAME=FILE:$OURCC run -1 "$KINIT" -R
    [[ ${lines[0]} == "$mit_first"* ]]
    [ "$(view "$OURCC")" = "$(view "$MITCC")" ]
}

@test "kinit: MIT's error lines for the common failures" {
    INPUT=wrong-pw same_kinit alice         # pre-auth: Password incorrect
    [[ $FIRST == "kinit: Password incorrect while getting initial credentials"* ]]
    INPUT=wrong-pw same_kinit bob           # the reply does not decrypt
    [[ $FIRST == "kinit: Password incorrect while getting initial credentials"* ]]
    INPUT=x same_kinit nobody
    [[ $FIRST == "kinit: Client 'nobody@$KS_REALM' not found in Kerberos database while getting initial credentials"* ]]
    INPUT=alice-pw same_kinit -S nosuch/service alice
    [[ $FIRST == "kinit: Server not found in Kerberos database while getting initial credentials"* ]]
    INPUT= same_kinit bob                   # no password on stdin
    [[ $FIRST == "kinit: Cannot read password while getting initial credentials"* ]]
    INPUT= same_kinit alice
    [[ $FIRST == "kinit: Pre-authentication failed: Cannot read password while getting initial credentials"* ]]
    INPUT= same_kinit -k -t "$KS_REALM_DIR/robot.keytab" alice
    [[ $FIRST == "kinit: Keytab contains no suitable keys for alice@$KS_REALM while getting initial credentials"* ]]
    INPUT=x same_kinit 'bad@@name'
    [[ $FIRST == "kinit: Malformed representation of principal when parsing name bad@@name"* ]]
}

@test "kinit: an expired password without a terminal, as MIT's" {
    INPUT=expd-pw same_kinit expd
    [[ $FIRST == "kinit: Cannot read password while getting initial credentials"* ]]
}

@test "kinit: an unreachable KDC, as MIT's" {
    local conf=$BATS_TEST_TMPDIR/krb5.conf port
    port=$(ks_free_port)
    sed "s/127.0.0.1:$KS_REALM_PORT/127.0.0.1:$port/" "$KRB5_CONFIG" >"$conf"
    KRB5_CONFIG=$conf INPUT=alice-pw same_kinit alice
    [[ $FIRST == "kinit: Cannot contact any KDC for realm '$KS_REALM' while getting initial credentials"* ]]
}

@test "kinit: a cache that cannot be written, as MIT 1.20 says it" {
    local mit_first
    run -1 --separate-stderr "$MIT_KINIT" -c "FILE:$BATS_TEST_TMPDIR/no/such/cc" alice <<<alice-pw
    mit_first=${stderr_lines[0]}
    assert_equal "$mit_first" "kinit: Failed to store credentials: No credentials cache found while getting initial credentials"
    run -1 --separate-stderr "$KINIT" -c "FILE:$BATS_TEST_TMPDIR/no/such/cc" alice <<<alice-pw
    [[ ${stderr_lines[0]} == "$mit_first"* ]]
}

@test "kinit -E: the enterprise name as typed; -C -E: the canonical name" {
    INPUT=alice-pw same_kinit -E alice
    assert_equal "$(name_type "$OURCC")" "$(name_type "$MITCC")"
    assert_equal "$(name_type "$OURCC")" 10
    INPUT=alice-pw same_kinit -C -E alice
    assert_equal "$(name_type "$OURCC")" "$(name_type "$MITCC")"
    assert_equal "$(name_type "$OURCC")" 1
}

@test "kinit -k: no password-expiry warning (MIT warns on password logins)" {
    INPUT= same_kinit -k -t "$KS_REALM_DIR/soon.keytab" soon
    assert_equal "$STDOUT" "$MIT_STDOUT"
    assert_equal "$STDOUT" ""
    [ ! -s "$BATS_TEST_TMPDIR/err" ]
    # With the password, both warn.
    INPUT=soon-pw same_kinit soon
    assert_equal "$STDOUT" "$MIT_STDOUT"
    [[ $STDOUT == *"Warning: Your password will expire in "* ]]
}

# Both kvnos with ARGS on the cache CC: same status, our first stderr line
# starts with MIT's.
same_kvno() {
    local cc=$1 mit_status mit_first
    shift
    STATUS=0
    KRB5CCNAME=FILE:$cc "$MIT_KVNO" "$@" >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
        STATUS=$?
    mit_status=$STATUS mit_first=$(head -n 1 "$BATS_TEST_TMPDIR/err")
    STATUS=0
    KRB5CCNAME=FILE:$cc "$KVNO" "$@" >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
        STATUS=$?
    FIRST=$(head -n 1 "$BATS_TEST_TMPDIR/err")
    echo "MIT: $mit_status '$mit_first' / ours: $STATUS '$FIRST'" >&2
    [ "$STATUS" = "$mit_status" ]
    [[ $FIRST == "$mit_first"* ]]
}

@test "kvno: MIT's error lines for the common failures" {
    echo alice-pw | KRB5CCNAME=FILE:$MITCC "$MIT_KINIT" alice >/dev/null
    same_kvno "$MITCC" "HTTP/nope.$(echo "$KS_REALM" | tr A-Z a-z)"
    [[ $FIRST == "kvno: Server HTTP/nope."*" not found in Kerberos database while getting credentials for HTTP/nope."* ]]
    same_kvno "$BATS_TEST_TMPDIR/none" "$KS_SERVICE"
    assert_equal "$FIRST" "kvno: No credentials cache found (filename: $BATS_TEST_TMPDIR/none) while getting client principal name; reading the credentials cache FILE:$BATS_TEST_TMPDIR/none: No credentials cache found (filename: $BATS_TEST_TMPDIR/none) (run kinit first)"
    same_kvno "$MITCC" -e nonsense "$KS_SERVICE"
    [[ $FIRST == "kvno: Invalid argument while converting etype"* ]]
    same_kvno "$MITCC" 'bad@@name'
    [[ $FIRST == "kvno: Malformed representation of principal while parsing principal name bad@@name"* ]]
    same_kvno "$MITCC" -k "$BATS_TEST_TMPDIR/none.keytab" "$KS_SERVICE"
    # MIT's first line is the "keytab entry invalid" one; the error follows.
    run -1 --separate-stderr "$KVNO" -c "FILE:$MITCC" -k "$BATS_TEST_TMPDIR/none.keytab" "$KS_SERVICE"
    [[ ${stderr_lines[1]} == "kvno: Key table file '$BATS_TEST_TMPDIR/none.keytab' not found while decrypting ticket for $KS_SERVICE@$KS_REALM"* ]]
}

@test "kvno: an unreachable KDC, as MIT's" {
    local conf=$BATS_TEST_TMPDIR/krb5.conf port
    echo alice-pw | KRB5CCNAME=FILE:$MITCC "$MIT_KINIT" alice >/dev/null
    port=$(ks_free_port)
    sed "s/127.0.0.1:$KS_REALM_PORT/127.0.0.1:$port/" "$KRB5_CONFIG" >"$conf"
    KRB5_CONFIG=$conf same_kvno "$MITCC" "$KS_SERVICE"
    [[ $FIRST == "kvno: Cannot contact any KDC for realm '$KS_REALM' while getting credentials for $KS_SERVICE@$KS_REALM"* ]]
}

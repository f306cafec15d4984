#!/usr/bin/env bats
# krb5.conf relations that change what a client sends or accepts, honoured
# as MIT honours them.  Each test runs MIT's program (/usr/bin/kinit,
# /usr/bin/kvno) and ours on the same input against the same real KDC and
# compares the exit status, the first line of standard error (ours must
# hold MIT's message: ours adds what was tried, on purpose) and the caches
# as MIT's klist lists them.  Realms that must be unusual (a krbtgt that
# issues only some session keys, a KDC clock far ahead) are made in the
# test that needs them and stopped in teardown.

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers
# shellcheck source=../heimdal.sh
source "$KS_TOP/tests/heimdal.sh"

setup_file() {
    ks_setup_realm
    if ks_heimdal_root; then
        ks_heimdal_create "$BATS_FILE_TMPDIR/heimdal" H.REALM ||
            rm -rf "$BATS_FILE_TMPDIR/heimdal"
    fi
}

teardown_file() {
    ks_heimdal_stop "$BATS_FILE_TMPDIR/heimdal"
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    OURS=$BATS_TEST_TMPDIR/ours
    THEIRS=$BATS_TEST_TMPDIR/mit
    CONF=$BATS_TEST_TMPDIR/krb5.conf
    cp "$KRB5_CONFIG" "$CONF"
    export KRB5_CONFIG=$CONF
    FAKES=()
}

teardown() {
    local name
    for name in "${FAKES[@]}"; do
        ks_fakekdc_stop "$BATS_TEST_TMPDIR" "$name"
    done
    ks_realm_stop "$BATS_TEST_TMPDIR/odd"
    ks_heimdal_stop "$BATS_TEST_TMPDIR/hodd"
}

# Heimdal's realm of this file (H.REALM), its krb5.conf copied to $CONF.
heimdal_realm() {
    local h=$BATS_FILE_TMPDIR/heimdal
    [ -f "$h/kdc.pid" ] || skip "Heimdal's KDC is not available here"
    cp "$h/krb5.conf" "$CONF"
}

# A realm of this test's own in $BATS_TEST_TMPDIR/odd (ODD.REALM), with
# the caches and KRB5_CONFIG of setup pointed at it.
odd_realm() {
    ks_realm_create "$BATS_TEST_TMPDIR/odd" ODD.REALM >/dev/null
    cp "$KRB5_CONFIG" "$CONF"
    export KRB5_CONFIG=$CONF
    ks_fresh_ccache
}

# klist -e -f without dates and cache name: what two caches made a second
# apart by two programs share.
listing() {
    "$MIT_KLIST" -e -f -c "$1" 2>&1 |
        sed -E -e 's#[0-9]{2}/[0-9]{2}/[0-9]{2} [0-9:]{8}#DATE#g' \
            -e 's#\(filename: [^)]*\)#(filename: F)#' |
        grep -v '^Ticket cache'
}

# MIT's error message without "prog: ", " while ..." and any leading
# "context: " parts: the innermost reason, which ours must repeat.
mit_message() {
    sed -E -e 's/^[a-z]+: //' -e 's/ while .*$//' -e 's/^.*: //' <<<"$1"
}

# Run PROG (kinit or kvno: ours, then MIT's) with ARGS... on cache $OURS
# and $THEIRS, standard input from $STDIN (default: nothing); the exit
# status must be the same, ours must say what MIT's first error line says,
# and MIT's klist must list both caches alike.
same_as_mit() {
    local prog=$1 ours_bin mit_bin ours_rc ours_err mit_rc mit_err
    shift
    case $prog in
        kinit) ours_bin=$KINIT mit_bin=$MIT_KINIT ;;
        kvno) ours_bin=$KVNO mit_bin=$MIT_KVNO ;;
    esac
    ours_rc=0
    KRB5CCNAME=FILE:$OURS "$ours_bin" "$@" <<<"${STDIN:-}" \
        >"$BATS_TEST_TMPDIR/ours.out" 2>"$BATS_TEST_TMPDIR/ours.err" ||
        ours_rc=$?
    mit_rc=0
    KRB5CCNAME=FILE:$THEIRS "$mit_bin" "$@" <<<"${STDIN:-}" \
        >"$BATS_TEST_TMPDIR/mit.out" 2>"$BATS_TEST_TMPDIR/mit.err" ||
        mit_rc=$?
    ours_err=$(grep -v '^Password for ' "$BATS_TEST_TMPDIR/ours.err" |
        head -n1 || true)
    mit_err=$(grep -v '^Password for ' "$BATS_TEST_TMPDIR/mit.err" |
        head -n1 || true)
    echo "ours ($ours_rc): $ours_err"
    echo "MIT's ($mit_rc): $mit_err"
    assert_equal "$ours_rc" "$mit_rc"
    if [ -n "$mit_err" ] && [ "$ours_err" != "$mit_err" ]; then
        [[ "$ours_err" == "$prog: "*"$(mit_message "$mit_err")"* ]] ||
            fail "ours does not say what MIT's says"
    else
        assert_equal "$ours_err" "$mit_err"
    fi
    assert_equal "$(listing "$OURS")" "$(listing "$THEIRS")"
}

# The KDC log's etype list of the last AS_REQ for PRINCIPAL.
last_as_etypes() {
    grep "AS_REQ .*$1" "$2/kdc.log" | tail -n1 |
        sed -E 's/^.*AS_REQ \([0-9]+ etypes \{([^}]*)\}.*$/\1/'
}

# ---- 1: kinit -k sorts the keytab's enctypes first, then the rest ------

@test "kinit -k: a krbtgt with an rc4 key giving only aes128 session keys, keytab aes256 only" {
    odd_realm
    local dir=$BATS_TEST_TMPDIR/odd
    printf 'addprinc -randkey -e aes256-cts:normal r256\nktadd -k %s -norandkey r256\n' \
        "$dir/r256.keytab" |
        KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
            kadmin.local -r ODD.REALM >/dev/null 2>&1
    ks_realm_krbtgt_keys "$dir" arcfour-hmac:normal aes128-cts
    same_as_mit kinit -k -t "$dir/r256.keytab" r256
    run listing "$OURS"
    assert_line --partial "Etype (skey, tkt): aes128-cts-hmac-sha1-96, DEPRECATED:arcfour-hmac"
    # The keytab's enctype first, then the permitted list in its order.
    run last_as_etypes r256 "$dir"
    assert_output --regexp '^aes256-cts-hmac-sha1-96\(18\), aes128-cts-hmac-sha1-96\(17\), '
}

# ---- 2: enctype lists -------------------------------------------------

@test "default_tgs_enctypes = aes128 aes256: the service session key is aes128, as MIT's kvno" {
    ks_conf_add_libdefault "$CONF" \
        "default_tgs_enctypes = aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96"
    KRB5CCNAME=FILE:$OURS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    KRB5CCNAME=FILE:$THEIRS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    same_as_mit kvno "$KS_SERVICE"
    run listing "$OURS"
    assert_line --partial "Etype (skey, tkt): aes128-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96"
}

@test "default_tkt_enctypes = DEFAULT -aes256-cts +aes128-cts: the TGT session key as MIT's" {
    ks_conf_add_libdefault "$CONF" \
        "default_tkt_enctypes = DEFAULT -aes256-cts +aes128-cts"
    STDIN=alice-pw same_as_mit kinit alice
    run listing "$OURS"
    assert_line --partial "Etype (skey, tkt): aes128-cts-hmac-sha1-96,"
}

@test "permitted_enctypes alone stands for the AS and TGS lists, as MIT" {
    ks_conf_add_libdefault "$CONF" "permitted_enctypes = aes128-cts"
    STDIN=alice-pw same_as_mit kinit alice
    same_as_mit kvno "$KS_SERVICE"
    run listing "$OURS"
    assert_line --partial "Etype (skey, tkt): aes128-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96"
}

@test "default_tkt_enctypes naming only what libkrb5 lacks: both refuse alike" {
    ks_conf_add_libdefault "$CONF" "default_tkt_enctypes = no-such-enctype"
    STDIN=alice-pw same_as_mit kinit alice
    [ ! -e "$OURS" ]
}

@test "default_tkt_enctypes = des3 rc4 against aes-only keys: both fail alike" {
    ks_conf_add_libdefault "$CONF" "default_tkt_enctypes = des3 rc4"
    STDIN=alice-pw same_as_mit kinit alice
    [ ! -e "$OURS" ]
}

@test "allow_weak_crypto: a weak enctype alone is dropped, or asked for when allowed, as MIT" {
    ks_conf_add_libdefault "$CONF" "default_tkt_enctypes = arcfour-hmac-exp"
    STDIN=alice-pw same_as_mit kinit alice
    grep -q "No supported encryption types" "$BATS_TEST_TMPDIR/ours.err"
    ks_conf_add_libdefault "$CONF" "allow_weak_crypto = true"
    STDIN=alice-pw same_as_mit kinit alice
    run grep -c "No supported encryption types" "$BATS_TEST_TMPDIR/ours.err"
    assert_output 0
    [ ! -e "$OURS" ]
}

# ---- 3: kdc_default_options --------------------------------------------

@test "kdc_default_options = 0: no renewable-ok in the AS-REQ, as MIT" {
    ks_conf_add_libdefault "$CONF" "kdc_default_options = 0"
    STDIN=alice-pw same_as_mit kinit -l 8d alice
    run "$KINIT" --trace - alice <<<alice-pw
    assert_success
    refute_output --partial "renewable-ok"
}

@test "kdc_default_options unset: renewable-ok caps a long life at renew time, as MIT" {
    STDIN=alice-pw same_as_mit kinit -l 8d alice
    run "$KINIT" --trace - alice <<<alice-pw
    assert_line --partial "kdc-options renewable-ok"
}

# ---- 4: kdc_timesync against a KDC whose clock is far ahead ---------------

# The time offset in the header of the v4 FILE cache $1 (0 when none).
header_offset() {
    /usr/bin/python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
hlen = struct.unpack(">H", data[2:4])[0]
pos, off = 4, 0
while pos < 4 + hlen:
    tag, length = struct.unpack(">HH", data[pos:pos + 4])
    if tag == 1:
        off = struct.unpack(">i", data[pos + 4:pos + 8])[0]
    pos += 4 + length
print(off)
PY
}

skewed_realm() {
    odd_realm
    ks_realm_restart_faketime "$BATS_TEST_TMPDIR/odd" +2d ||
        skip "libfaketime is not installed"
}

@test "kdc_timesync: a KDC two days ahead; kinit then kvno work, as MIT's" {
    skewed_realm
    STDIN=alice-pw same_as_mit kinit alice
    # The TGT does not end before it starts: MIT's klist -s finds it valid.
    KRB5CCNAME=FILE:$OURS run "$MIT_KLIST" -s
    assert_success
    # The offset is in the cache as MIT's kinit puts it there.
    local ours mit
    ours=$(header_offset "$OURS")
    mit=$(header_offset "$THEIRS")
    [ "$ours" -gt 172000 ] && [ "$ours" -lt 173600 ] || fail "offset $ours"
    [ $((ours - mit)) -le 5 ] && [ $((mit - ours)) -le 5 ] ||
        fail "offsets $ours and $mit"
    # With kdc_timesync = 0 the stored offset is not used: both fail alike.
    cp "$OURS" "$OURS.kept"
    cp "$THEIRS" "$THEIRS.kept"
    sed 's/^\[libdefaults\]$/[libdefaults]\n    kdc_timesync = 0/' "$CONF" \
        >"$CONF.nosync"
    KRB5_CONFIG=$CONF.nosync same_as_mit kvno "$KS_SERVICE"
    grep -q "Clock skew too great" "$BATS_TEST_TMPDIR/ours.err"
    mv "$OURS.kept" "$OURS"
    mv "$THEIRS.kept" "$THEIRS"
    same_as_mit kvno "$KS_SERVICE"
    # MIT's kvno on our cache and ours on MIT's.
    KRB5CCNAME=FILE:$OURS run "$MIT_KVNO" -S HTTP web.odd.realm
    assert_success
    KRB5CCNAME=FILE:$THEIRS run "$KVNO" -S HTTP web.odd.realm
    assert_success
}

@test "kdc_timesync = 0: a KDC two days ahead is a clock skew error, as MIT's" {
    skewed_realm
    ks_conf_add_libdefault "$CONF" "kdc_timesync = 0"
    STDIN=alice-pw same_as_mit kinit alice
    [ ! -e "$OURS" ]
    grep -q "Clock skew too great" "$BATS_TEST_TMPDIR/ours.err"
}

# ---- 5: disable_encrypted_timestamp across a client referral -------------

@test "disable_encrypted_timestamp of the first realm holds after a referral (-C)" {
    local port
    port=$(ks_fakekdc_start "$BATS_TEST_TMPDIR" refer --mode error \
        --realm REFER.REALM --code 68 --crealm "$KS_REALM")
    FAKES+=(refer)
    ks_conf_add_realm "$CONF" REFER.REALM "kdc = 127.0.0.1:$port" \
        "disable_encrypted_timestamp = true"
    STDIN=alice-pw same_as_mit kinit -C alice@REFER.REALM
    [ ! -e "$OURS" ]
    # Said before any password prompt, as MIT.
    run grep -c "Password for" "$BATS_TEST_TMPDIR/ours.err"
    assert_output 0
    grep -q "Encrypted timestamp is disabled (disable_encrypted_timestamp for REFER.REALM" \
        "$BATS_TEST_TMPDIR/ours.err"
}

@test "disable_encrypted_timestamp of the referred realm holds too, as MIT" {
    local port
    port=$(ks_fakekdc_start "$BATS_TEST_TMPDIR" refer --mode error \
        --realm REFER.REALM --code 68 --crealm "$KS_REALM")
    FAKES+=(refer)
    ks_conf_add_realm "$CONF" REFER.REALM "kdc = 127.0.0.1:$port"
    sed -i "/^        kdc = 127.0.0.1:$KS_REALM_PORT/a\\        disable_encrypted_timestamp = true" "$CONF"
    STDIN=alice-pw same_as_mit kinit -C alice@REFER.REALM
    [ ! -e "$OURS" ]
}

# ---- 7: the other relations, each against MIT's program ------------------

@test "forwardable, proxiable and noaddresses = false: flags and addresses as MIT's" {
    ks_conf_add_libdefault "$CONF" "forwardable = true"
    ks_conf_add_libdefault "$CONF" "proxiable = true"
    ks_conf_add_libdefault "$CONF" "noaddresses = false"
    STDIN=alice-pw same_as_mit kinit alice
    run listing "$OURS"
    assert_line --regexp "Flags: FPI"
    # The addresses asked for: this host's, in both tickets.
    assert_equal "$("$MIT_KLIST" -a -c "$OURS" | grep -A3 Addresses)" \
        "$("$MIT_KLIST" -a -c "$THEIRS" | grep -A3 Addresses)"
    "$MIT_KLIST" -a -c "$OURS" | grep -q "Addresses: [0-9]"
}

@test "[libdefaults] REALM = { ... } wins over [libdefaults] for the client's realm, as MIT" {
    ks_conf_add_libdefault "$CONF" "forwardable = false"
    ks_conf_add_libdefault "$CONF" \
        "$KS_REALM = {\n        forwardable = true\n        ticket_lifetime = 1h\n    }"
    STDIN=alice-pw same_as_mit kinit alice
    run listing "$OURS"
    assert_line --regexp "Flags: FI"
    local start end
    start=$(KRB5CCNAME=FILE:$OURS "$MIT_KLIST" | grep krbtgt | awk '{print $1 " " $2}')
    end=$(KRB5CCNAME=FILE:$OURS "$MIT_KLIST" | grep krbtgt | awk '{print $3 " " $4}')
    assert_equal "$(( $(date -d "$end" +%s) - $(date -d "$start" +%s) ))" 3600
}

@test "forwardable = true: the service ticket kvno gets is forwardable, as MIT's" {
    ks_conf_add_libdefault "$CONF" "forwardable = true"
    KRB5CCNAME=FILE:$OURS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    KRB5CCNAME=FILE:$THEIRS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    same_as_mit kvno "$KS_SERVICE"
    run listing "$OURS"
    assert_line --partial "Flags: FAT, Etype"
}

@test "qualify_shortname: kvno -S of a short host name, as MIT's" {
    ks_conf_add_libdefault "$CONF" "qualify_shortname = ${KS_REALM,,}"
    KRB5CCNAME=FILE:$OURS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    KRB5CCNAME=FILE:$THEIRS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    same_as_mit kvno -S HTTP web
    run listing "$OURS"
    assert_line --partial "$KS_SERVICE@$KS_REALM"
}

@test "ticket_lifetime and renew_lifetime: the times MIT's kinit asks for" {
    sed -i 's/ticket_lifetime = 10h/ticket_lifetime = 2h/' "$CONF"
    ks_conf_add_libdefault "$CONF" "renew_lifetime = 3d"
    STDIN=renew-pw same_as_mit kinit renew
    local ours mit
    ours=$(KRB5CCNAME=FILE:$OURS "$MIT_KLIST" | grep krbtgt | awk '{print $3 " " $4}')
    mit=$(KRB5CCNAME=FILE:$THEIRS "$MIT_KLIST" | grep krbtgt | awk '{print $3 " " $4}')
    echo "ours ends $ours, MIT's $mit"
    [ "$(( $(date -d "$ours" +%s) - $(date -d "$mit" +%s) ))" -le 5 ]
    run listing "$OURS"
    assert_line --regexp "renew until DATE"
}

@test "canonicalize = true in [libdefaults]: kinit asks for it, as MIT's" {
    ks_conf_add_libdefault "$CONF" "canonicalize = true"
    STDIN=alice-pw same_as_mit kinit alice
    run "$KINIT" --trace - alice <<<alice-pw
    assert_line --partial "kdc-options canonicalize"
}

@test "err_fmt: klist formats its message as MIT's klist does" {
    ks_conf_add_libdefault "$CONF" "err_fmt = E%C: %M"
    run "$KLIST" -c "FILE:$BATS_TEST_TMPDIR/missing"
    assert_failure 1
    assert_output "klist: E-1765328189: No credentials cache found (filename: $BATS_TEST_TMPDIR/missing)"
    run "$MIT_KLIST" -c "FILE:$BATS_TEST_TMPDIR/missing"
    assert_output "klist: E-1765328189: No credentials cache found (filename: $BATS_TEST_TMPDIR/missing)"
    # Our kinit formats its failures too (MIT 1.20's leaves this one out).
    run "$KINIT" alice <<<wrong-pw
    assert_failure 1
    assert_line --regexp "^kinit: E-1765328360: .*Password incorrect"
}

# A KDC 10 minutes ahead that itself allows 15 minutes of skew.
tolerant_skewed_realm() {
    odd_realm
    ks_conf_add_libdefault "$BATS_TEST_TMPDIR/odd/krb5.conf" "clockskew = 900"
    ks_realm_restart_faketime "$BATS_TEST_TMPDIR/odd" +600 ||
        skip "libfaketime is not installed"
    ks_conf_add_libdefault "$CONF" "kdc_timesync = 0"
}

@test "clockskew: 10 minutes off, kdc_timesync = 0: refused at 300 s, as MIT" {
    tolerant_skewed_realm
    STDIN=alice-pw same_as_mit kinit alice
    [ ! -e "$OURS" ]
}

@test "clockskew = 900: 10 minutes off, kdc_timesync = 0: accepted, as MIT" {
    tolerant_skewed_realm
    ks_conf_add_libdefault "$CONF" "clockskew = 900"
    STDIN=alice-pw same_as_mit kinit alice
    [ -e "$OURS" ]
}

@test "udp_preference_limit = 1: every request over TCP, and it works as MIT's" {
    ks_conf_add_libdefault "$CONF" "udp_preference_limit = 1"
    STDIN=alice-pw same_as_mit kinit alice
    run "$KINIT" --trace - alice <<<alice-pw
    assert_success
    assert_output --partial "over TCP"
    refute_output --partial "over UDP"
}

@test "udp_preference_limit = 0: TCP first, as MIT" {
    ks_conf_add_libdefault "$CONF" "udp_preference_limit = 0"
    STDIN=alice-pw same_as_mit kinit alice
    run "$KINIT" --trace - alice <<<alice-pw
    assert_success
    assert_output --partial "over TCP"
    refute_output --partial "over UDP"
}

@test "default_ccache_name: both kinits write the cache it names" {
    unset KRB5CCNAME
    ks_conf_add_libdefault "$CONF" \
        "default_ccache_name = FILE:$BATS_TEST_TMPDIR/named_%{uid}"
    run "$KINIT" alice <<<alice-pw
    assert_success
    [ -s "$BATS_TEST_TMPDIR/named_$(id -u)" ]
    mv "$BATS_TEST_TMPDIR/named_$(id -u)" "$OURS"
    "$MIT_KINIT" alice <<<alice-pw >/dev/null
    mv "$BATS_TEST_TMPDIR/named_$(id -u)" "$THEIRS"
    assert_equal "$(listing "$OURS")" "$(listing "$THEIRS")"
}

@test "default_client_keytab_name: kinit -i uses it, as MIT's" {
    unset KRB5_CLIENT_KTNAME
    ks_conf_add_libdefault "$CONF" \
        "default_client_keytab_name = FILE:$KS_REALM_DIR/robot.keytab"
    same_as_mit kinit -i robot
    [ -s "$OURS" ]
}

@test "default_keytab_name: kinit -k without -t uses it, as MIT's" {
    unset KRB5_KTNAME
    ks_conf_add_libdefault "$CONF" \
        "default_keytab_name = FILE:$KS_REALM_DIR/robot.keytab"
    same_as_mit kinit -k robot
    [ -s "$OURS" ]
}

@test "ccache_type = 3: both write a version 3 FILE cache" {
    ks_conf_add_libdefault "$CONF" "ccache_type = 3"
    STDIN=alice-pw same_as_mit kinit alice
    assert_equal "$(head -c2 "$OURS" | od -An -tx1)" " 05 03"
    assert_equal "$(head -c2 "$THEIRS" | od -An -tx1)" " 05 03"
}

# ---- the same against Heimdal's KDC, where it behaves as MIT's ----------

# Heimdal's KDC picks session keys by its own preference, not the
# client's order: the caches are compared, not an enctype.
@test "Heimdal: default_tgs_enctypes = aes128 aes256: the service ticket MIT's kvno gets" {
    heimdal_realm
    ks_conf_add_libdefault "$CONF" \
        "default_tgs_enctypes = aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96"
    KRB5CCNAME=FILE:$OURS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    KRB5CCNAME=FILE:$THEIRS "$MIT_KINIT" alice <<<alice-pw >/dev/null
    same_as_mit kvno host/other.h.realm
    run listing "$OURS"
    assert_line --partial "host/other.h.realm@H.REALM"
}

@test "Heimdal: default_tkt_enctypes and kdc_default_options = 0, as MIT's kinit" {
    heimdal_realm
    ks_conf_add_libdefault "$CONF" "default_tkt_enctypes = aes128-cts DEFAULT"
    ks_conf_add_libdefault "$CONF" "kdc_default_options = 0"
    STDIN=alice-pw same_as_mit kinit -l 8d alice
    run listing "$OURS"
    assert_line --partial "krbtgt/H.REALM@H.REALM"
    refute_output --partial "renew until"
}

@test "Heimdal: kdc_default_options unset: renewable-ok makes a long life renewable, as MIT's kinit" {
    heimdal_realm
    STDIN=alice-pw same_as_mit kinit -l 8d alice
    run listing "$OURS"
    assert_output --partial "renew until"
}

@test "Heimdal: kdc_timesync against a Heimdal KDC two days ahead, as MIT's kinit and kvno" {
    ks_heimdal_root || skip "Heimdal's KDC is not available here"
    local h=$BATS_TEST_TMPDIR/hodd lib
    lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1)
    [ -n "$lib" ] || skip "libfaketime is not installed"
    ks_heimdal_create "$h" HODD.REALM >/dev/null
    ks_heimdal_stop "$h"
    LD_PRELOAD=$lib FAKETIME=+2d ks_heimdal_start "$h"
    cp "$h/krb5.conf" "$CONF"
    STDIN=alice-pw same_as_mit kinit alice
    KRB5CCNAME=FILE:$OURS run "$MIT_KLIST" -s
    assert_success
    same_as_mit kvno host/other.hodd.realm
}

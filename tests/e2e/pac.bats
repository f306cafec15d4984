#!/usr/bin/env bats
# The PAC decoded by our own reader: the same bytes decoded by Samba's NDR
# code (python3-samba, with Debian's /usr/bin/python3) give the same value
# for every field we print (tests/tools/pac_compare.py); and against the
# fixture's MIT KDC, MIT's PAC (no LOGON_INFO: CLIENT_INFO, UPN_DNS_INFO
# and the signatures) decodes in every subcommand that opens a ticket, and
# every signature verifies with the krbtgt and service keytabs.

bats_require_minimum_version 1.5.0
load helpers

KSTEP=${KSTEP_BIN:-$KS_BUILD/cmd/kstep}
PAC_JSON=$KS_BUILD/tests/pac_json
TOOLS=$BATS_TEST_DIRNAME/../tools
VECTORS=$BATS_TEST_DIRNAME/../fixtures/pac
SAMBA_PYTHON=/usr/bin/python3

setup_file() {
    ks_setup_realm
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    KRBTGT_KT=$KS_REALM_DIR/krbtgt.keytab
    SERVICE_KT=$KS_REALM_DIR/service.keytab
    cd "$BATS_TEST_TMPDIR" || return 1
}

need_samba() {
    "$SAMBA_PYTHON" -c 'import samba.dcerpc.krb5pac' 2>/dev/null ||
        skip "python3-samba is not installed (./check installs it)"
}

# Our JSON for vector $1, then Samba's comparison of it.
compare_vector() {
    "$PAC_JSON" "$VECTORS/$1.hex" > "$1.json"
    run "$SAMBA_PYTHON" "$TOOLS/pac_compare.py" "$VECTORS/$1.hex" "$1.json"
}

@test "pac: Samba's decoding of the full vector equals ours, field by field" {
    need_samba
    compare_vector full
    assert_success
    assert_output --regexp '^6[0-9] fields compared, 0 differences$'
}

@test "pac: the minimal, unicode, device and signed vectors too" {
    need_samba
    for v in minimal unicode device signed; do
        compare_vector "$v"
        assert_success
        assert_output --regexp '^[1-9][0-9]* fields compared, 0 differences$'
    done
}

@test "pac: the comparison sees one changed RID, one missing SID" {
    need_samba
    "$PAC_JSON" "$VECTORS/full.hex" > full.json
    jq '.pac."logon-info".groups[1].rid = 999' full.json > changed.json
    run "$SAMBA_PYTHON" "$TOOLS/pac_compare.py" "$VECTORS/full.hex" changed.json
    assert_failure
    assert_line --partial 'pac.logon-info.groups[1].rid: ours 999, Samba'"'"'s 512'
    jq 'del(.pac.requestor)' full.json > missing.json
    run "$SAMBA_PYTHON" "$TOOLS/pac_compare.py" "$VECTORS/full.hex" missing.json
    assert_failure
    assert_line --partial 'pac.requestor: missing from ours'
}

@test "pac: the text shows the logon info, groups, UPN and signatures" {
    run "$PAC_JSON" "$VECTORS/full.hex" --text
    assert_success
    assert_line '    effective-name: alice'
    assert_line '    logon-domain-id: S-1-5-21-1004336348-1177238915-682003330'
    assert_line '      - rid: 1120'
    assert_line '    password-must-change: never (0x7fffffffffffffff)'
    assert_line '          attributes: 0x20000007 (mandatory, enabled-by-default, enabled, resource)'
    assert_line '    sam-name: alice'
    assert_line '    s4u2proxy-target: cifs/fs.samdom.example.com'
    assert_line '      signature-type: 16 (hmac-sha1-96-aes256)'
}

# kvno's TGS exchange by hand: req.der and rep.der here.
exchange() {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    "$KSTEP" 6 req.der -o rep.der >/dev/null
}

@test "pac: MIT's service-ticket PAC decodes; all signatures verify with both keytabs" {
    exchange
    run --separate-stderr "$KSTEP" 5 rep.der --keytab "$SERVICE_KT" \
        --keytab "$KRBTGT_KT" --json
    assert_success
    jq -e '.pac."client-info".name == "alice"' <<<"$output"
    jq -e '(.pac."upn-dns-info" // {"upn": "alice@"}).upn | startswith("alice@")' \
        <<<"$output"
    jq -e '.pac."logon-info" == null' <<<"$output"
    # MIT 1.20 signs with the server, KDC and ticket signatures.
    jq -e '[.pac.signatures[].buffer] | sort == [6, 7, 16]' <<<"$output"
    jq -e '[.pac.signatures[] | .verified] | all' <<<"$output"
    jq -e '[.pac.signatures[] | select(.buffer == 6) | .key] == ["service"]' \
        <<<"$output"
    jq -e '.pac."malformed-buffers" == null' <<<"$output"
}

@test "pac: MIT's PAC decoded by Samba equals ours, field by field" {
    need_samba
    exchange
    run "$PAC_JSON" --ticket rep.der "$SERVICE_KT" mit-pac.bin
    assert_success
    printf '%s\n' "$output" > mit.json
    run "$SAMBA_PYTHON" "$TOOLS/pac_compare.py" mit-pac.bin mit.json
    assert_success
    assert_output --regexp '^[1-9][0-9]* fields compared, 0 differences$'
}

@test "pac: without the krbtgt key, the KDC and ticket signatures are not checked" {
    exchange
    run --separate-stderr "$KSTEP" 5 rep.der --keytab "$SERVICE_KT" --json
    assert_success
    jq -e '[.pac.signatures[] | select(.buffer == 6) | .verified] == [true]' \
        <<<"$output"
    jq -e '[.pac.signatures[] | select(.buffer != 6) | .verified] | all(. == null)' \
        <<<"$output"
    jq -e '[.pac.signatures[] | select(.buffer == 7) | .reason] == ["no krbtgt key"]' \
        <<<"$output"
    run "$KSTEP" 5 rep.der --keytab "$SERVICE_KT"
    assert_success
    assert_line --regexp '^ +verified: not checked \(no krbtgt key\)$'
    assert_line --regexp '^ +verified: valid \(service key\)$'
}

@test "pac: open-tgt shows the TGT's PAC, verified with the krbtgt key" {
    exchange
    run --separate-stderr "$KSTEP" 2 req.der --keytab "$KRBTGT_KT" --json
    assert_success
    jq -e '.pac."client-info".name == "alice"' <<<"$output"
    jq -e '[.pac.signatures[] | .verified] | all' <<<"$output"
    jq -e '[.pac.signatures[] | .buffer] | contains([6, 7])' <<<"$output"
}

@test "pac: run traces every signature's verdict; the local KDC's PAC verifies" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --krbtgt-keytab "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    [[ $stderr == *"[5/8 open-ticket] PAC ticket signature verifies with the krbtgt key"* ]]
    [[ $stderr == *"[2/8 open-tgt] PAC KDC signature verifies with the krbtgt key"* ]]
    assert_line --regexp '^ +verified: valid \(krbtgt key\)$'
    refute_line --partial 'INVALID'
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --json \
        --local-kdc "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    jq -e '[.steps[] | select(.step == 5) | .pac.signatures[].verified] | length >= 3 and all' \
        <<<"$output"
}

@test "pac: read without keys, every signature says it was not checked" {
    # (tests/unit/test_pac.c checks changed PACs against libkrb5's.)
    run "$PAC_JSON" "$VECTORS/minimal.hex"
    assert_success
    jq -e '[.pac.signatures[].verified] == [null, null]' <<<"$output"
}

@test "pac: decode --keytab opens the ticket inside a TGS-REP or a TGS-REQ" {
    exchange
    run --separate-stderr "$KSTEP" decode rep.der --keytab "$SERVICE_KT" \
        --keytab "$KRBTGT_KT" --json
    assert_success
    jq -e '.opened.ticket != null' <<<"$output"
    jq -e '.opened.pac."client-info".name == "alice"' <<<"$output"
    jq -e '[.opened.pac.signatures[].verified] | length == 3 and all' \
        <<<"$output"
    run --separate-stderr "$KSTEP" decode req.der --keytab "$KRBTGT_KT"
    assert_success
    assert_line --regexp '^opened:$'
    assert_line --regexp '^      name: alice$'
    refute_line --partial 'INVALID'
    run --separate-stderr "$KSTEP" decode rep.der --keytab "$KRBTGT_KT"
    assert_failure
    [[ $stderr == *"opening the ticket in rep.der"* ]]
    run --separate-stderr "$KSTEP" decode rep.der --der --keytab "$KRBTGT_KT"
    assert_failure 2
}

@test "pac: kdc shows the PAC of the ticket it sealed, every signature valid" {
    exchange
    run --separate-stderr "$KSTEP" kdc req.der --keytab "$KRBTGT_KT" \
        --keytab "$SERVICE_KT" -o local.der --json
    assert_success
    jq -e '.pac."client-info".name == "alice"' <<<"$output"
    jq -e '[.pac.signatures[].buffer] | sort == [6, 7, 16]' <<<"$output"
    jq -e '[.pac.signatures[].verified] | all' <<<"$output"
}

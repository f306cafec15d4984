#!/usr/bin/env bats
# kstep against a real MIT KDC: the eight steps of the TGS exchange run one
# by one give what kvno gets; the KDC-side steps opened with the fixture's
# krbtgt and service keytabs show that same exchange; the local KDC's
# reply is accepted by steps 7 and 8; run traces the steps in order; decode
# names RFC 4120's fields; --json parses; failures print one line, exit
# non-zero and store nothing.

bats_require_minimum_version 1.5.0
load helpers

KSTEP=${KSTEP_BIN:-$KS_BUILD/cmd/kstep}
KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
    KRBTGT_KT=$KS_REALM_DIR/krbtgt.keytab
    SERVICE_KT=$KS_REALM_DIR/service.keytab
    cd "$BATS_TEST_TMPDIR" || return 1
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
}

# Steps 1 and 6 by hand: req.der and rep.der in the test's directory.
request_and_send() {
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    "$KSTEP" 6 req.der -o rep.der >/dev/null
}

# Assert that the last `run` wrote exactly one line on stderr.
assert_one_error_line() {
    [ "${#stderr_lines[@]}" -eq 1 ] || {
        echo "expected one line on stderr, got: $stderr" >&2
        return 1
    }
    [[ ${stderr_lines[0]} == kstep:* ]]
}

@test "kstep --help lists the subcommands with their step numbers" {
    run "$KSTEP" --help
    assert_success
    assert_line --regexp '^  1  request SERVICE +build the TGS-REQ'
    assert_line --regexp '^  2  open-tgt REQ'
    assert_line --regexp '^  3  check-authenticator REQ'
    assert_line --regexp '^  4  open-reply REP'
    assert_line --regexp '^  5  open-ticket REP'
    assert_line --regexp '^  6  send REQ'
    assert_line --regexp '^  7  decrypt REP'
    assert_line --regexp '^  8  store REP'
    assert_line --regexp '^ +run SERVICE'
    assert_line --regexp '^ +kdc REQ'
    assert_line --regexp '^ +decode FILE'
}

@test "kstep help SUB is kstep SUB --help, by name or number" {
    run "$KSTEP" help check-authenticator
    assert_success
    assert_line --regexp '^Usage: kstep check-authenticator \[OPTION\.\.\.\] REQ'
    assert_line --partial -- '--keytab'
    assert_line --partial -- '--json'
    assert_line --partial -- '--show-keys'
    assert_line --partial -- '--trace'
    local by_name=$output
    run "$KSTEP" 3 --help
    assert_success
    assert_equal "$output" "$by_name"
}

@test "kstep: an unknown subcommand is one line and exit 2" {
    run --separate-stderr "$KSTEP" frobnicate
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "kstep: unknown subcommand 'frobnicate'"
    assert_equal "${stderr_lines[1]}" "Try 'kstep --help' for more information."
    run --separate-stderr "$KSTEP" 9
    assert_failure 2
    run --separate-stderr "$KSTEP"
    assert_failure 2
}

@test "kstep: usage errors exit 2 and point at the subcommand's help" {
    run --separate-stderr "$KSTEP" decrypt --bogus rep.der
    assert_failure 2
    assert_equal "${stderr_lines[1]}" \
        "Try 'kstep decrypt --help' for more information."
    run --separate-stderr "$KSTEP" 7 rep.der
    assert_failure 2
    assert_equal "${stderr_lines[0]}" \
        "kstep decrypt: give the request with --request REQ"
    run --separate-stderr "$KSTEP" open-tgt req.der
    assert_failure 2
    run --separate-stderr "$KSTEP" request
    assert_failure 2
    run --separate-stderr "$KSTEP" request a b
    assert_failure 2
    run --separate-stderr "$KSTEP" decode --der --json req.der
    assert_failure 2
    assert_equal "$output" ""
}

@test "kstep --version" {
    run "$KSTEP" --version
    assert_success
    assert_output --regexp '^kstep \(kstep\) [0-9]'
}

@test "kstep 1, 6, 7, 8 by hand store the ticket kvno would get" {
    run "$KSTEP" 1 "$KS_SERVICE" -o req.der
    assert_success
    assert_line '[1/8 request]'
    assert_line "  service: $KS_SERVICE@$KS_REALM"
    run "$KSTEP" 6 req.der -o rep.der
    assert_success
    assert_line '  reply: KRB_TGS_REP'
    run "$KSTEP" 7 rep.der --request req.der
    assert_success
    assert_line --regexp '^  reply accepted: yes'
    run "$MIT_KLIST"
    refute_output --partial "$KS_SERVICE"
    run "$KSTEP" 8 rep.der --request req.der
    assert_success
    assert_line "  stored: $KS_SERVICE@$KS_REALM"
    run "$MIT_KLIST"
    assert_success
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
    # The stored ticket is what a service accepts: MIT's kvno checks it
    # against the service's keytab without asking the KDC.
    run "$MIT_KVNO" -k "$SERVICE_KT" "$KS_SERVICE"
    assert_success
    assert_output --partial "keytab entry valid"
    # kvno, MIT's and ours, find the stored ticket and print its kvno.
    run "$MIT_KVNO" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    if [ -x "$KVNO" ]; then
        run "$KVNO" "$KS_SERVICE"
        assert_success
        assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    fi
}

@test "kstep by name is kstep by number" {
    run "$KSTEP" request "$KS_SERVICE" -o req.der
    assert_success
    run "$KSTEP" send req.der -o rep.der
    assert_success
    run "$KSTEP" decrypt rep.der --request req.der
    assert_success
    run "$KSTEP" store rep.der --request req.der
    assert_success
    run "$MIT_KLIST"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
}

@test "kstep 1 | kstep 6 -: DER goes to stdout when it is not a terminal" {
    "$KSTEP" 1 "$KS_SERVICE" >req.der
    run "$KSTEP" decode req.der
    assert_success
    assert_line 'message: KRB_TGS_REQ'
    "$KSTEP" 6 - <req.der >rep.der
    run "$KSTEP" decode rep.der
    assert_line 'message: KRB_TGS_REP'
}

@test "kstep 2 opens the TGT with the krbtgt keytab" {
    request_and_send
    run "$KSTEP" 2 req.der --keytab "$KRBTGT_KT"
    assert_success
    assert_line '[2/8 open-tgt]'
    assert_line "    sname: krbtgt/$KS_REALM"
    assert_line '    EncTicketPart:'
    assert_line '      cname: alice'
    assert_line "      crealm: $KS_REALM"
    assert_line --regexp '^      flags: .*initial.*pre-authent'
    assert_line --regexp '^      key: aes256-cts-hmac-sha1-96 key [0-9a-f]{4}$'
    assert_line --regexp 'ad-type: 128 \(AD-WIN2K-PAC\)'
}

@test "kstep 3 checks the authenticator with the cache's or the KDC's key" {
    request_and_send
    run "$KSTEP" 3 req.der
    assert_success
    assert_line '[3/8 check-authenticator]'
    assert_line '  session-key-from: the cache'
    assert_line '    cname: alice'
    assert_line '      cksumtype: hmac-sha1-96-aes256'
    assert_line '  client matches the TGT: yes'
    assert_line --regexp '^  time within the clock skew: yes \(skew -?[0-9]+ s\)$'
    assert_line \
        '  checksum over req-body: valid (hmac-sha1-96-aes256, keyed)'
    local from_cache
    from_cache=$(grep '  session-key:' <<<"$output")
    run "$KSTEP" 3 req.der --keytab "$KRBTGT_KT"
    assert_success
    assert_line '  session-key-from: the TGT opened with the krbtgt key'
    assert_line "$from_cache"
    assert_line '  client matches the TGT: yes'
}

@test "kstep 4 and 5 open the real reply; 5's session key is 4's" {
    request_and_send
    run "$KSTEP" 4 rep.der --request req.der
    assert_success
    assert_line '[4/8 open-reply]'
    assert_line '  opened-with: the authenticator subkey'
    assert_line "    sname: $KS_SERVICE"
    assert_line '  nonce matches the request: yes'
    run "$KSTEP" 5 rep.der --keytab "$SERVICE_KT" --request req.der
    assert_success
    assert_line '[5/8 open-ticket]'
    assert_line '      cname: alice'
    assert_line --regexp 'type: 6 \(SERVER_CHECKSUM\)'
    assert_line '    server checksum: valid'
    assert_line '  session key equals the one in step 4: yes'
    local fp4 fp5
    fp4=$("$KSTEP" 4 rep.der --request req.der --json |
        jq -r '.EncKDCRepPart.key.fingerprint')
    fp5=$("$KSTEP" 5 rep.der --keytab "$SERVICE_KT" --json |
        jq -r '.ticket.EncTicketPart.key.fingerprint')
    [[ $fp4 =~ ^[0-9a-f]{4}$ ]]
    assert_equal "$fp5" "$fp4"
}

@test "kstep 5 with the wrong key fails with one line" {
    request_and_send
    run --separate-stderr "$KSTEP" 5 rep.der --keytab "$KRBTGT_KT"
    assert_failure 1
    assert_one_error_line
}

@test "kstep kdc answers kstep 1's request; kstep 7 and 8 accept it" {
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    run "$KSTEP" kdc req.der --keytab "$KRBTGT_KT" --keytab "$SERVICE_KT" \
        -o local.der
    assert_success
    assert_line '  reply: KRB_TGS_REP'
    run "$KSTEP" 7 local.der --request req.der
    assert_success
    assert_line --regexp '^  reply accepted: yes'
    run "$KSTEP" 8 local.der --request req.der
    assert_success
    run "$MIT_KVNO" -k "$SERVICE_KT" "$KS_SERVICE"
    assert_success
    assert_output --partial "keytab entry valid"
    # As a KDC does, the local one signed the TGT's PAC again for the
    # service: its server checksum verifies with the service key.
    run "$KSTEP" 5 local.der --keytab "$SERVICE_KT" --request req.der
    assert_success
    assert_line --regexp '^    server checksum: valid'
}

@test "kstep kdc without the service key answers with a KRB-ERROR" {
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    run --separate-stderr "$KSTEP" kdc req.der --keytab "$KRBTGT_KT" \
        -o local.der
    assert_failure 1
    assert_one_error_line
    run "$KSTEP" decode local.der
    assert_line --regexp '^error-code: 7 \(KDC_ERR_S_PRINCIPAL_UNKNOWN\)$'
}

@test "kstep run --trace - shows the eight steps in order with the round trip" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --krbtgt-keytab "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    local steps
    steps=$(sed -n 's/^kstep: \[\([1-8]\)\/8 .*/\1/p' <<<"$stderr" | uniq |
        tr -d '\n')
    assert_equal "$steps" "12345678"
    [[ $stderr =~ \[6/8\ send\]\ [0-9]+\ bytes\ over\ (UDP|TCP)\ to\ 127\.0\.0\.1:[0-9]+\ \.\.\.\ [0-9]+\ bytes\ back\ in\ [0-9.]+\ ms ]]
    steps=$(sed -n 's/^\[\([1-8]\)\/8 .*/\1/p' <<<"$output" | tr -d '\n')
    assert_equal "$steps" "12345678"
    run "$MIT_KLIST"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
}

# The flags of the ticket for $KS_SERVICE in cache $1, as MIT's klist -f.
service_flags() {
    "$MIT_KLIST" -f -c "$1" | grep -A1 "  $KS_SERVICE@$KS_REALM\$" |
        sed -n 's/.*Flags: //p'
}

@test "kstep run and request build kvno's request: same flags, FAST when offered" {
    echo renew-pw | "$MIT_KINIT" -f -r 2d -c "FILE:$CC" renew >/dev/null
    cp "$CC" kvno.cc
    run "$MIT_KVNO" -c "FILE:$BATS_TEST_TMPDIR/kvno.cc" "$KS_SERVICE"
    assert_success
    local want
    want=$(service_flags "FILE:$BATS_TEST_TMPDIR/kvno.cc")
    [[ $want == *F*R* ]]
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace -
    assert_success
    assert_equal "$(service_flags "FILE:$CC")" "$want"
    [[ $stderr == *"wrapped in FAST"* ]]
    assert_line --regexp '^ +kdc-options: forwardable, renewable'
    # kstep request alone builds the same request.
    run "$KSTEP" request "$KS_SERVICE" -o req.der
    assert_success
    assert_line --regexp '^ +kdc-options: forwardable, renewable'
    assert_line --partial 'PA-FX-FAST'
    # --bare: no options, no FAST; the KDC then gives neither flag.
    echo renew-pw | "$MIT_KINIT" -f -r 2d -c "FILE:$CC" renew >/dev/null
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --bare --trace -
    assert_success
    [[ $stderr != *"wrapped in FAST"* ]]
    assert_line --regexp '^ +kdc-options: \(none\)'
    [[ $(service_flags "FILE:$CC") != *F* ]]
    [[ $(service_flags "FILE:$CC") != *R* ]]
}

@test "kstep run with keytabs that lack the keys: 2 and 5 not opened, ticket stored" {
    # Each keytab holds the other's key: neither step can open its ticket.
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --krbtgt-keytab "$SERVICE_KT" --service-keytab "$KRBTGT_KT"
    assert_success
    assert_line --regexp "^  not opened: .*no key for krbtgt/$KS_REALM@$KS_REALM in keytab FILE:$SERVICE_KT"
    assert_line --regexp "^  not opened: .*no key for $KS_SERVICE@$KS_REALM in keytab FILE:$KRBTGT_KT"
    assert_line '[8/8 store]'
    [[ $stderr == *"[2/8 open-tgt] not opened: "* ]]
    [[ $stderr == *"[5/8 open-ticket] not opened: "* ]]
    run "$MIT_KLIST"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
    run "$KSTEP" run "$KS_SERVICE" --json --service-keytab "$KRBTGT_KT"
    assert_success
    run jq -r '.steps[] | select(.step == 5) | ."not-opened"' <<<"$output"
    assert_output --regexp "^not opened: .*no key for $KS_SERVICE@$KS_REALM"
}

@test "kstep run without keytabs says which steps it could not show" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace -
    assert_success
    assert_line '[2/8 open-tgt]'
    assert_line '  needs the krbtgt key (--krbtgt-keytab)'
    assert_line '  needs the service key (--service-keytab)'
    [[ $stderr == *"[5/8 open-ticket] skipped"* ]]
}

@test "kstep run --local-kdc never talks to the KDC" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --local-kdc "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    assert_line '  kdc: local (--local-kdc)'
    [[ $stderr != *"bytes back in"* ]]
    run "$MIT_KVNO" -k "$SERVICE_KT" "$KS_SERVICE"
    assert_success
}

@test "kstep run --json is one document with the eight steps" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --json \
        --krbtgt-keytab "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    run jq -c '[.steps[].step]' <<<"$output"
    assert_output '[1,2,3,4,5,6,7,8]'
}

@test "kstep --trace-format json: one object a line, steps named" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --trace-format json
    assert_success
    run jq -s -c '[.[] | select(.step > 0) | .step] | unique' <<<"$stderr"
    assert_output '[1,2,3,4,5,6,7,8]'
}

@test "kstep: keys are fingerprints unless --show-keys" {
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --trace - \
        --krbtgt-keytab "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    refute_output --regexp '[0-9a-f]{32}'
    [[ ! $stderr =~ [0-9a-f]{32} ]]
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --show-keys --trace - \
        --krbtgt-keytab "$KRBTGT_KT" --service-keytab "$SERVICE_KT"
    assert_success
    assert_line --regexp '^  +key: aes256-cts-hmac-sha1-96 key [0-9a-f]{4} \([0-9a-f]{64}\)$'
}

@test "kstep decode names RFC 4120's fields of each artefact" {
    request_and_send
    run "$KSTEP" decode req.der
    assert_success
    for f in message pvno msg-type padata req-body; do
        assert_line --regexp "^$f:"
    done
    assert_line 'msg-type: 12 (KRB_TGS_REQ)'
    assert_line '  - padata-type: 1 (PA-TGS-REQ)'
    for f in kdc-options realm sname till nonce etype; do
        assert_line --regexp "^  $f:"
    done
    assert_line --regexp '^ {10}sname: krbtgt/'
    run "$KSTEP" decode rep.der
    assert_success
    assert_line 'msg-type: 13 (KRB_TGS_REP)'
    assert_line "crealm: $KS_REALM"
    assert_line 'cname: alice'
    assert_line 'ticket:'
    assert_line "  sname: $KS_SERVICE"
    assert_line 'enc-part:'
    run "$KSTEP" decode --der req.der
    assert_success
    assert_line --regexp '^\[APPLICATION 12\] \([0-9]+\)$'
}

@test "kstep --json output parses and has the fields" {
    request_and_send
    run "$KSTEP" decode req.der --json
    assert_success
    run jq -r '[.message, ."msg-type", ."req-body".sname,
        (."req-body".etype | length > 0),
        .padata[0]."padata-value"."ap-req".ticket.sname] | @tsv' <<<"$output"
    assert_output "$(printf 'KRB_TGS_REQ\t12\t%s\ttrue\tkrbtgt/%s' \
        "$KS_SERVICE" "$KS_REALM")"
    run "$KSTEP" 3 req.der --json
    run jq -r '[.step, .name, ."client-matches-tgt", ."checksum-ok",
        .authenticator.cname] | @tsv' <<<"$output"
    assert_output "$(printf '3\tcheck-authenticator\ttrue\ttrue\talice')"
    run "$KSTEP" 6 req.der -o rep2.der --json
    run jq -r '[.step, .reply, (."round-trip-ms" >= 0)] | @tsv' <<<"$output"
    assert_output "$(printf '6\tKRB_TGS_REP\ttrue')"
    run "$KSTEP" 7 rep.der --request req.der --json
    run jq -r '[.accepted, .server, ."session-key".enctype] | @tsv' \
        <<<"$output"
    assert_output "$(printf 'true\t%s@%s\taes256-cts-hmac-sha1-96' \
        "$KS_SERVICE" "$KS_REALM")"
}

@test "kstep 6: an unknown service's KRB-ERROR is explained; nothing stored" {
    local before
    before=$(ks_file_sum "$CC")
    "$KSTEP" 1 "HTTP/nowhere.test.realm" -o req.der >/dev/null
    run --separate-stderr "$KSTEP" 6 req.der -o rep.der
    assert_failure 1
    assert_one_error_line
    [[ ${stderr_lines[0]} == *"HTTP/nowhere.test.realm@$KS_REALM"*"not found in Kerberos database"* ]]
    assert_line '  reply: KRB_ERROR'
    assert_line '    error-code: 7 (KDC_ERR_S_PRINCIPAL_UNKNOWN)'
    run "$KSTEP" decode rep.der --json
    run jq -r '."error-code-name"' <<<"$output"
    assert_output KDC_ERR_S_PRINCIPAL_UNKNOWN
    run --separate-stderr "$KSTEP" 8 rep.der --request req.der
    assert_failure 1
    assert_one_error_line
    assert_equal "$(ks_file_sum "$CC")" "$before"
}

@test "kstep without a cache: one line, exit 1, no artefact" {
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/no-such-cache
    run --separate-stderr "$KSTEP" 1 "$KS_SERVICE" -o req.der
    assert_failure 1
    assert_one_error_line
    [[ ${stderr_lines[0]} == *"no-such-cache"* ]]
    [ ! -e req.der ]
    run --separate-stderr "$KSTEP" run "$KS_SERVICE"
    assert_failure 1
}

@test "kstep 7 refuses a reply given with the wrong --request" {
    request_and_send
    "$KSTEP" 1 "$KS_SERVICE" -o other.der >/dev/null
    local before
    before=$(ks_file_sum "$CC")
    run --separate-stderr "$KSTEP" 7 rep.der --request other.der
    assert_failure 1
    assert_one_error_line
    [[ ${stderr_lines[0]} == *"another request"* ]]
    assert_line --regexp '^  reply accepted: no'
    run --separate-stderr "$KSTEP" 8 rep.der --request other.der
    assert_failure 1
    assert_equal "$(ks_file_sum "$CC")" "$before"
}

@test "kstep: a truncated artefact is one line and exit 1" {
    request_and_send
    head -c 100 req.der >short.der
    for cmd in "decode short.der" "2 short.der --keytab $KRBTGT_KT" \
        "6 short.der -o x.der" "7 short.der --request req.der"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$KSTEP" $cmd
        assert_failure 1
        assert_one_error_line
        [[ ${stderr_lines[0]} == *"short.der"*"truncated"* ]]
    done
    [ ! -e x.der ]
}

@test "kstep: a file that is not a Kerberos message is one line and exit 1" {
    local before
    before=$(ks_file_sum "$CC")
    echo "hello, world" >junk
    for cmd in "decode junk" "3 junk" "4 junk --request junk" \
        "8 junk --request junk"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$KSTEP" $cmd
        assert_failure 1
        assert_one_error_line
        [[ ${stderr_lines[0]} == *"junk is not a Kerberos message"* ]]
    done
    run --separate-stderr "$KSTEP" decode "$BATS_TEST_TMPDIR/absent"
    assert_failure 1
    assert_one_error_line
    assert_equal "$(ks_file_sum "$CC")" "$before"
}

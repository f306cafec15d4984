#!/usr/bin/env bats
# --json on kinit, kvno and kstep against a real MIT KDC: on success and on
# every failure provoked here, standard output is exactly one JSON document
# (jq -s 'length == 1') with the documented fields and types, the exit
# status is the one of the same command without --json, the error is the
# documented {"error": {...}} object, and no key is in the document unless
# kstep's --show-keys asked for it.

bats_require_minimum_version 1.5.0
load helpers

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
    SERVICE_KT=$KS_REALM_DIR/service.keytab
    KRBTGT_KT=$KS_REALM_DIR/krbtgt.keytab
    ROBOT_KT=$KS_REALM_DIR/robot.keytab
    PORT=$(cat "$KS_REALM_DIR/port")
    cd "$BATS_TEST_TMPDIR" || return 1
}

# A TGT for alice in the test's cache, from MIT's kinit.
mit_tgt() {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
}

# After `run --separate-stderr`: stdout is exactly one JSON document.
assert_one_document() {
    local n
    n=$(printf '%s' "$output" | jq -s 'length') || {
        echo "stdout is not JSON: $output" >&2
        return 1
    }
    [ "$n" = 1 ] || {
        echo "expected one JSON document on stdout, got $n: $output" >&2
        return 1
    }
}

# After `run`: jq -e FILTER holds on stdout.
assert_jq() {
    printf '%s' "$output" | jq -e "$1" >/dev/null || {
        echo "jq -e '$1' fails on: $output" >&2
        return 1
    }
}

# After `run`: stdout is the error document of NAME, with its types.
assert_error_document() {
    assert_one_document
    assert_jq 'keys == ["error"]'
    assert_jq ".error.name == \"$1\""
    assert_jq '.error | (.code | type) == "number" and
        (.message | type) == "string" and
        (.hint | type == "string" or . == null)'
}

# No member anywhere is a key's bytes ("contents") or a password.
assert_no_key_bytes() {
    assert_jq '[paths | map(tostring) | last] |
        all(. != "contents" and . != "password")'
}

# The exit status of CMD... without --json (stdout and stderr dropped;
# stdin is the caller's, for a password).
text_status() {
    local status=0
    "$@" >/dev/null 2>&1 || status=$?
    echo "$status"
}

# A krb5.conf whose realm's KDC is a port where nothing listens.
dead_kdc_conf() {
    local port
    port=$(ks_free_port)
    sed "s/kdc = 127.0.0.1:[0-9]*/kdc = 127.0.0.1:$port/" \
        "$KS_REALM_DIR/krb5.conf" >"$BATS_TEST_TMPDIR/dead.conf"
    echo "$BATS_TEST_TMPDIR/dead.conf"
}

# --- kinit -------------------------------------------------------------

@test "kinit --json: one document with the documented fields and types" {
    run --separate-stderr bash -c "echo alice-pw | '$KINIT' --json alice"
    assert_success
    assert_one_document
    assert_jq ".cache == \"FILE:$CC\""
    assert_jq ".client == \"alice@$KS_REALM\""
    assert_jq ".server == \"krbtgt/$KS_REALM@$KS_REALM\""
    assert_jq '.times | (.auth, .start, .end) |
        (.iso | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
        and (.epoch | type == "number")'
    assert_jq '.times.renew_until == null'
    assert_jq '.times.end.epoch > .times.start.epoch'
    assert_jq '(.times.auth.epoch | todate) == .times.auth.iso'
    assert_jq '.flags | type == "array" and index("initial") != null and
        index("pre-authent") != null'
    assert_jq '.session_key_enctype == {"name": "aes256-cts-hmac-sha1-96",
        "number": 18}'
    assert_jq '.ticket_enctype.number == 18'
    assert_jq ".kdc == \"127.0.0.1:$PORT\""
    assert_jq '.transport == "UDP"'
    assert_no_key_bytes
    # The ticket is stored as without --json: MIT's klist reads it.
    run "$MIT_KLIST"
    assert_success
    assert_line --regexp "krbtgt/$KS_REALM@$KS_REALM\$"
}

@test "kinit --json: the password prompt goes to stderr, not into the JSON" {
    run --separate-stderr bash -c "echo alice-pw | '$KINIT' --json alice"
    assert_success
    refute_output --partial 'Password'
    assert_one_document
    [[ $stderr == *"Password for alice@$KS_REALM:"* ]]
    # Without --json the prompt stays on stdout, as MIT's kinit has it.
    run --separate-stderr bash -c "echo alice-pw | '$KINIT' alice"
    assert_success
    assert_output --partial "Password for alice@$KS_REALM:"
}

@test "kinit --json: keytab, TCP, renewable: kdc, transport, renew_until" {
    run --separate-stderr "$KINIT" --json -k -t "$ROBOT_KT" --transport tcp \
        robot
    assert_success
    assert_one_document
    assert_jq ".client == \"robot@$KS_REALM\""
    assert_jq ".kdc == \"127.0.0.1:$PORT\" and .transport == \"TCP\""
    run --separate-stderr bash -c \
        "echo renew-pw | '$KINIT' --json -r 2d renew"
    assert_success
    assert_jq '.times.renew_until.epoch > .times.end.epoch'
    assert_jq '.flags | index("renewable") != null'
}

@test "kinit -R --json: the renewed ticket, no AS exchange" {
    echo renew-pw | "$KINIT" -r 2d renew >/dev/null
    run --separate-stderr "$KINIT" -R --json
    assert_success
    assert_one_document
    assert_jq ".client == \"renew@$KS_REALM\""
    assert_jq '.kdc == null and .transport == null'
    assert_jq '.times.renew_until.epoch > .times.end.epoch'
    run --separate-stderr "$KINIT" -R --json -c "FILE:$BATS_TEST_TMPDIR/none"
    assert_failure 1
    assert_error_document KRB5_FCC_NOFILE
}

@test "kinit --json: wrong password, same status, error document, cache kept" {
    echo bob-pw | "$KINIT" bob >/dev/null
    local before expected
    before=$(ks_file_sum "$CC")
    expected=$(echo wrong | text_status "$KINIT" alice)
    [ "$expected" = 1 ]
    run --separate-stderr bash -c "echo wrong | '$KINIT' --json alice"
    assert_failure "$expected"
    assert_error_document KDC_ERR_PREAUTH_FAILED
    assert_jq '.error.code == -1765328360'
    assert_jq '.error.message | startswith("Password incorrect while getting initial credentials")'
    assert_jq '.error.hint | test("password")'
    # The one line on stderr is there too, after the prompt.
    [[ ${stderr_lines[-1]} == "kinit: Password incorrect while getting initial credentials"* ]]
    assert_equal "$(ks_file_sum "$CC")" "$before"
}

@test "kinit --json: unknown principal" {
    local expected
    expected=$(echo x | text_status "$KINIT" nobody)
    run --separate-stderr bash -c "echo x | '$KINIT' --json nobody"
    assert_failure "$expected"
    assert_error_document KDC_ERR_C_PRINCIPAL_UNKNOWN
    assert_jq ".error.message | contains(\"nobody@$KS_REALM\")"
    [ ! -e "$CC" ]
}

@test "kinit --json: unreachable KDC" {
    local conf expected
    conf=$(dead_kdc_conf)
    expected=$(KRB5_CONFIG=$conf text_status "$KINIT" -k -t "$ROBOT_KT" robot)
    [ "$expected" = 1 ]
    KRB5_CONFIG=$conf run --separate-stderr "$KINIT" --json -k \
        -t "$ROBOT_KT" robot
    assert_failure "$expected"
    assert_error_document KRB5_KDC_UNREACH
    assert_jq '.error.message | contains("127.0.0.1:")'
    assert_jq '.error.hint | type == "string"'
    [ ! -e "$CC" ]
}

@test "kinit --json: a usage error writes nothing on stdout, exit 2" {
    run --separate-stderr "$KINIT" --json -f -F alice
    assert_failure 2
    assert_output ''
    # No key is ever shown: there is no --show-keys to ask for one.
    run --separate-stderr "$KINIT" --json --show-keys alice
    assert_failure 2
    assert_output ''
}

@test "kinit --json: a bad --trace-format is an error document too" {
    run --separate-stderr "$KINIT" --json --trace-format xml -k \
        -t "$ROBOT_KT" robot
    assert_failure 1
    assert_error_document EINVAL
}

# --- kvno --------------------------------------------------------------

@test "kvno --json: one entry with the documented fields; cached next time" {
    mit_tgt
    run --separate-stderr "$KVNO" --json "$KS_SERVICE"
    assert_success
    assert_one_document
    assert_jq '.services | length == 1'
    assert_jq ".services[0].service == \"$KS_SERVICE@$KS_REALM\""
    assert_jq '.services[0].kvno == 1'
    assert_jq '.services[0].ticket_enctype == {"name":
        "aes256-cts-hmac-sha1-96", "number": 18}'
    assert_jq '.services[0].session_key_enctype.number | type == "number"'
    assert_jq '.services[0].cached == false'
    assert_jq '.services[0] | has("keytab_valid") | not'
    assert_jq '.services[0] | has("error") | not'
    assert_no_key_bytes
    run --separate-stderr "$KVNO" --json -k "$SERVICE_KT" "$KS_SERVICE"
    assert_success
    assert_jq '.services[0].cached == true'
    assert_jq '.services[0].keytab_valid == true'
    # -q does not silence the document.
    run --separate-stderr "$KVNO" --json -q "$KS_SERVICE"
    assert_success
    assert_one_document
}

@test "kvno --json: an unknown service is an entry with an error, exit 1" {
    mit_tgt
    local expected
    expected=$(text_status "$KVNO" "HTTP/nope@$KS_REALM")
    [ "$expected" = 1 ]
    run --separate-stderr "$KVNO" --json "HTTP/nope@$KS_REALM"
    assert_failure "$expected"
    assert_one_document
    assert_jq ".services[0].service == \"HTTP/nope@$KS_REALM\""
    assert_jq '.services[0].error.name == "KDC_ERR_S_PRINCIPAL_UNKNOWN"'
    assert_jq '.services[0].error.hint == "is the service principal registered?"'
    assert_jq '.services[0] | has("kvno") | not'
    assert_equal "${#stderr_lines[@]}" 1
}

@test "kvno --json: no cache is the error document" {
    local expected
    expected=$(text_status "$KVNO" "$KS_SERVICE")
    [ "$expected" = 1 ]
    run --separate-stderr "$KVNO" --json "$KS_SERVICE"
    assert_failure "$expected"
    assert_error_document KRB5_FCC_NOFILE
    assert_jq '.error.hint == "run kinit first"'
}

@test "kvno --json: good and bad services mixed, in order, one document" {
    mit_tgt
    local expected
    expected=$(text_status "$KVNO" "$KS_SERVICE" "HTTP/nope@$KS_REALM" \
        'bad@@name' "$KS_SERVICE")
    [ "$expected" = 1 ]
    run --separate-stderr "$KVNO" --json "$KS_SERVICE" "HTTP/nope@$KS_REALM" \
        'bad@@name' "$KS_SERVICE"
    assert_failure "$expected"
    assert_one_document
    assert_jq '[.services[].service] == ["'"$KS_SERVICE@$KS_REALM"'",
        "HTTP/nope@'"$KS_REALM"'", "bad@@name", "'"$KS_SERVICE@$KS_REALM"'"]'
    assert_jq '[.services[] | has("error")] == [false, true, true, false]'
    assert_jq '.services[2].error.name == "KRB5_PARSE_MALFORMED"'
    assert_jq '.services[0].kvno == 1 and .services[3].kvno == 1'
    # The good service's ticket was stored as without --json.
    run "$MIT_KLIST"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
}

@test "kvno --json -k with the wrong keytab: keytab_valid false and why" {
    mit_tgt
    local expected
    expected=$(text_status "$KVNO" -k "$ROBOT_KT" "$KS_SERVICE")
    [ "$expected" = 1 ]
    run --separate-stderr "$KVNO" --json -k "$ROBOT_KT" "$KS_SERVICE"
    assert_failure "$expected"
    assert_one_document
    assert_jq '.services[0].keytab_valid == false'
    assert_jq '.services[0].kvno == 1'
    assert_jq '.services[0].error.name == "KRB5_KT_NOTFOUND"'
}

@test "kvno --json: a usage error writes nothing on stdout (exit 1, as MIT)" {
    run --separate-stderr "$KVNO" --json -u -S HTTP web.test.realm
    assert_failure 1
    assert_output ''
    run --separate-stderr "$KVNO" --json --show-keys "$KS_SERVICE"
    assert_failure 1
    assert_output ''
}

# --- kstep -------------------------------------------------------------

@test "kstep --json: every subcommand writes one document on success" {
    mit_tgt
    run --separate-stderr "$KSTEP" 1 "$KS_SERVICE" -o req.der --json
    assert_success
    assert_one_document
    assert_jq '.step == 1 and .name == "request" and (.nonce | type) == "number"'
    run --separate-stderr "$KSTEP" 2 req.der --keytab "$KRBTGT_KT" --json
    assert_success
    assert_one_document
    assert_jq '.step == 2'
    run --separate-stderr "$KSTEP" 3 req.der --json
    assert_success
    assert_one_document
    assert_jq '.step == 3 and ."time-ok" == true and ."checksum-ok" == true'
    run --separate-stderr "$KSTEP" 6 req.der -o rep.der --json
    assert_success
    assert_one_document
    assert_jq ".step == 6 and .reply == \"KRB_TGS_REP\" and
        .kdc == \"127.0.0.1:$PORT\""
    run --separate-stderr "$KSTEP" 4 rep.der --request req.der --json
    assert_success
    assert_one_document
    assert_jq '."nonce-matches" == true'
    run --separate-stderr "$KSTEP" 5 rep.der --keytab "$SERVICE_KT" \
        --request req.der --json
    assert_success
    assert_one_document
    assert_jq '."session-key-matches" == true'
    run --separate-stderr "$KSTEP" 7 rep.der --request req.der --json
    assert_success
    assert_one_document
    assert_jq '.accepted == true and (.endtime.epoch | type) == "number"'
    run --separate-stderr "$KSTEP" 8 rep.der --request req.der --json
    assert_success
    assert_one_document
    assert_jq ".stored == \"$KS_SERVICE@$KS_REALM\""
    run --separate-stderr "$KSTEP" decode rep.der --json
    assert_success
    assert_one_document
    run --separate-stderr "$KSTEP" kdc req.der --keytab "$KRBTGT_KT" \
        --keytab "$SERVICE_KT" -o local.der --json
    assert_success
    assert_one_document
    run --separate-stderr "$KSTEP" run "$KS_SERVICE" --json
    assert_success
    assert_one_document
    assert_jq '[.steps[].step] == [1, 2, 3, 4, 5, 6, 7, 8]'
    assert_jq 'has("error") | not'
}

@test "kstep --json: keys only as enctype and fingerprint unless --show-keys" {
    mit_tgt
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    "$KSTEP" 6 req.der -o rep.der >/dev/null
    run --separate-stderr "$KSTEP" 7 rep.der --request req.der --json
    assert_success
    assert_no_key_bytes
    assert_jq '."session-key" | keys == ["enctype", "fingerprint"]'
    run --separate-stderr "$KSTEP" 7 rep.der --request req.der --json \
        --show-keys
    assert_success
    assert_jq '."session-key".contents | test("^[0-9a-f]{64}$")'
}

@test "kstep --json: request with no cache is the error document" {
    local expected
    expected=$(text_status "$KSTEP" request "$KS_SERVICE" -o req.der)
    [ "$expected" = 1 ]
    run --separate-stderr "$KSTEP" request "$KS_SERVICE" -o req.der --json
    assert_failure "$expected"
    assert_error_document KRB5_FCC_NOFILE
    assert_jq '.error.hint == "run kinit first"'
    assert_equal "${#stderr_lines[@]}" 1
    [ ! -e req.der ]
}

@test "kstep --json: decrypt with the wrong --request: the step, then the error" {
    mit_tgt
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    "$KSTEP" 6 req.der -o rep.der >/dev/null
    "$KSTEP" 1 "$KS_SERVICE" -o other.der >/dev/null
    local expected
    expected=$(text_status "$KSTEP" decrypt rep.der --request other.der)
    [ "$expected" = 1 ]
    run --separate-stderr "$KSTEP" decrypt rep.der --request other.der --json
    assert_failure "$expected"
    assert_one_document
    assert_jq '.step == 7 and .accepted == false'
    assert_jq '.error.name == "KRB_AP_ERR_BAD_INTEGRITY"'
    assert_jq '.error.message | startswith("opening the TGS-REP")'
    assert_equal "${#stderr_lines[@]}" 1
}

@test "kstep --json: decode of a file that is not Kerberos" {
    echo 'hello, world' >junk
    local expected
    expected=$(text_status "$KSTEP" decode junk)
    [ "$expected" = 1 ]
    run --separate-stderr "$KSTEP" decode junk --json
    assert_failure "$expected"
    assert_error_document KRB_AP_ERR_MSG_TYPE
    run --separate-stderr "$KSTEP" decode no-such-file --json
    assert_failure 1
    assert_error_document ENOENT
}

@test "kstep --json: run and send of an unknown service keep the KRB-ERROR" {
    mit_tgt
    local expected
    expected=$(text_status "$KSTEP" run "HTTP/nope@$KS_REALM")
    [ "$expected" = 1 ]
    run --separate-stderr "$KSTEP" run "HTTP/nope@$KS_REALM" --json
    assert_failure "$expected"
    assert_one_document
    assert_jq '.service == "HTTP/nope@'"$KS_REALM"'"'
    assert_jq '.steps[-1].step == 6 and .steps[-1]."krb-error" != null'
    assert_jq '.error.name == "KDC_ERR_S_PRINCIPAL_UNKNOWN"'
    "$KSTEP" 1 "HTTP/nope@$KS_REALM" -o req.der >/dev/null
    run --separate-stderr "$KSTEP" send req.der -o rep.der --json
    assert_failure 1
    assert_one_document
    assert_jq '.step == 6 and .reply == "KRB_ERROR"'
    assert_jq '.error.name == "KDC_ERR_S_PRINCIPAL_UNKNOWN"'
}

@test "kstep --json: a wrong key in step 5 is the error document" {
    mit_tgt
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    "$KSTEP" 6 req.der -o rep.der >/dev/null
    local expected
    expected=$(text_status "$KSTEP" 5 rep.der --keytab "$KRBTGT_KT")
    run --separate-stderr "$KSTEP" 5 rep.der --keytab "$KRBTGT_KT" --json
    assert_failure "$expected"
    assert_one_document
    assert_jq 'has("error")'
}

@test "kstep --json: unreachable KDC in step 6" {
    mit_tgt
    "$KSTEP" 1 "$KS_SERVICE" -o req.der >/dev/null
    local conf
    conf=$(dead_kdc_conf)
    KRB5_CONFIG=$conf run --separate-stderr "$KSTEP" 6 req.der -o rep.der \
        --json
    assert_failure 1
    assert_error_document KRB5_KDC_UNREACH
    [ ! -e rep.der ]
}

@test "kstep --json: usage errors write nothing on stdout, exit 2" {
    mit_tgt
    # The DER would share stdout with the document: -o is required.
    run --separate-stderr "$KSTEP" request "$KS_SERVICE" --json
    assert_failure 2
    assert_output ''
    [[ $stderr == *"--json"*"-o FILE"* ]]
    run --separate-stderr "$KSTEP" decrypt rep.der --json
    assert_failure 2
    assert_output ''
    run --separate-stderr "$KSTEP" decode --der --json rep.der
    assert_failure 2
    assert_output ''
}

@test "kstep --json: a bad --trace-format is the error document" {
    run --separate-stderr "$KSTEP" decode rep.der --json --trace-format xml
    assert_failure 1
    assert_error_document EINVAL
}

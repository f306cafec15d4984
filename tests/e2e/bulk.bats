#!/usr/bin/env bats
# kvno of a few hundred services in one call, against a real MIT KDC: the
# bulk path streams its requests through a window (--in-flight), opens and
# stores each reply as it arrives, and shows a progress line on a
# terminal.  What is checked is the result, never the time: every ticket
# once in the cache MIT's klist reads, MIT's lines and exit status, one
# failing service failing alone, the window's size, the progress line only
# where it belongs, and a KDC that goes away in the middle of the list.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}
KS_BULK=300

setup_file() {
    ks_setup_realm
    ks_add_services bulk "$KS_BULK"
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    mapfile -t NAMES < <(bulk_names)
}

bulk_names() {
    local i
    for ((i = 1; i <= KS_BULK; i++)); do echo "HTTP/bulk$i.test.realm"; done
}

# The service principals MIT's klist lists in cache $1, one per line, as
# many times as they are there.
klist_services() {
    "$MIT_KLIST" -c "$1" | awk '/^[0-9]/ { print $NF }' | grep -v '^krbtgt/'
}

@test "$KS_BULK services in one call: MIT's lines, each ticket in the cache once" {
    run --separate-stderr "$KVNO" "${NAMES[@]}"
    assert_success
    [ -z "$stderr" ]
    local ours=$output
    assert_equal "${#lines[@]}" "$KS_BULK"
    # MIT's klist reads the cache, and finds every service once, no more,
    # in the order they were named (as MIT's kvno stores them).
    run klist_services "${KRB5CCNAME#FILE:}"
    assert_success
    assert_equal "$output" "$(printf '%s@TEST.REALM\n' "${NAMES[@]}")"
    # MIT's kvno prints the same lines from the tickets we stored.
    run "$MIT_KVNO" --cached-only "${NAMES[@]}"
    assert_success
    assert_equal "$output" "$ours"
}

@test "a service named three times among many: one request, one ticket, MIT's lines" {
    local list=("${NAMES[@]:0:100}" "${NAMES[5]}" "${NAMES[@]:100:100}" "${NAMES[5]}")
    run --separate-stderr "$KVNO" --trace "$BATS_TEST_TMPDIR/trace" "${list[@]}"
    assert_success
    local ours=$output
    assert_equal "${#lines[@]}" 202
    assert_equal "$(grep -c "\[1/8 request\] TGS-REQ for ${NAMES[5]}@" \
        "$BATS_TEST_TMPDIR/trace")" 1
    run klist_services "${KRB5CCNAME#FILE:}"
    assert_equal "$(grep -c "^${NAMES[5]}@" <<<"$output")" 1
    assert_equal "${#lines[@]}" 200
    # MIT's kvno, from a cache of its own, prints the same 202 lines.
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit-ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run "$MIT_KVNO" "${list[@]}"
    assert_success
    assert_equal "$output" "$ours"
}

@test "an unknown service among many fails alone, with MIT's status and line" {
    local list=("${NAMES[@]:0:150}" HTTP/nope.test.realm "${NAMES[@]:150}")
    run --separate-stderr "$KVNO" "${list[@]}"
    local status_ours=$status ours=$output err_ours=("${stderr_lines[@]}")
    # MIT's kvno on the same list, with a cache of its own.
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/mit-ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run --separate-stderr "$MIT_KVNO" "${list[@]}"
    assert_equal "$status_ours" "$status"
    assert_equal "$status_ours" 1
    assert_equal "$ours" "$output"
    assert_equal "${#lines[@]}" "$KS_BULK"
    assert_equal "${#err_ours[@]}" 1
    assert_equal "${#stderr_lines[@]}" 1
    # Ours is MIT's line, then what kstep adds after "; ".
    [[ ${err_ours[0]} == "${stderr_lines[0]}" ||
       ${err_ours[0]} == "${stderr_lines[0]}; "* ]]
}

# How many TGS-REQs the trace in $1 shows before the first reply is opened.
requests_before_first_reply() {
    awk '/\[7\/8 decrypt\]/ { exit } /\[1\/8 request\] TGS-REQ for/ { n++ }
         END { print n + 0 }' "$1"
}

@test "--in-flight 1 and 64 give the same cache; the window is what was asked" {
    run "$KVNO" -q --in-flight 1 --trace "$BATS_TEST_TMPDIR/one.trace" \
        "${NAMES[@]}"
    assert_success
    local one
    one=$(klist_services "${KRB5CCNAME#FILE:}" | sort)
    assert_equal "$(wc -l <<<"$one")" "$KS_BULK"
    assert_equal "$(requests_before_first_reply "$BATS_TEST_TMPDIR/one.trace")" 1

    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/wide
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run "$KVNO" -q --in-flight 64 --trace "$BATS_TEST_TMPDIR/wide.trace" \
        "${NAMES[@]}"
    assert_success
    assert_equal "$(klist_services "${KRB5CCNAME#FILE:}" | sort)" "$one"
    # Every slot is filled before the first reply is waited for.
    assert_equal "$(requests_before_first_reply "$BATS_TEST_TMPDIR/wide.trace")" 64

    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/eight
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run "$KVNO" -q --in-flight 8 --trace "$BATS_TEST_TMPDIR/eight.trace" \
        "${NAMES[@]}"
    assert_success
    assert_equal "$(requests_before_first_reply "$BATS_TEST_TMPDIR/eight.trace")" 8
    assert_equal "$(klist_services "${KRB5CCNAME#FILE:}" | sort)" "$one"
}

@test "--in-flight: a bad value is a usage error, exit 1, the cache untouched" {
    local before bad
    before=$(ks_file_sum "${KRB5CCNAME#FILE:}")
    for bad in 0 257 -1 abc 8x '' ' 8' 99999999999999999999; do
        run --separate-stderr "$KVNO" --in-flight "$bad" "$KS_SERVICE"
        assert_failure 1
        [ -z "$output" ]
        assert_equal "${stderr_lines[0]}" \
            "kvno: bad --in-flight value '$bad' (a number of requests from 1 to 256)"
        assert_equal "${stderr_lines[1]}" \
            "Try 'kvno --help' for more information."
    done
    assert_equal "$(ks_file_sum "${KRB5CCNAME#FILE:}")" "$before"
}

# Run kvno with ARGS on a terminal (script(1)'s pty); its screen in $output.
on_terminal() {
    local cmd=$KVNO a
    for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
    run script -qfec "$cmd" /dev/null
}

@test "a progress line on a terminal, erased before the output" {
    command -v script >/dev/null || ks_skip_missing script
    on_terminal "${NAMES[@]}"
    assert_success
    # The line is redrawn in place and ends with every service done ...
    [[ $output == *$'\r'"kvno: $KS_BULK/$KS_BULK services, 0 failed, "*" s"$'\e[K'* ]]
    # ... then erased, and the first kvno line starts on a clean line.
    [[ $output == *$'\r\e[K'"HTTP/bulk1.test.realm@TEST.REALM: kvno = 1"$'\r\n'* ]]
    # Nothing of it after the output has started.
    local after=${output#*"HTTP/bulk1.test.realm@TEST.REALM: kvno = 1"}
    [[ $after != *"services, "* ]]
    assert_equal "$(grep -c 'kvno = 1' <<<"$output")" "$KS_BULK"
}

@test "the progress line counts failures" {
    command -v script >/dev/null || ks_skip_missing script
    on_terminal "${NAMES[@]:0:200}" HTTP/nope.test.realm
    assert_failure 1
    [[ $output == *$'\r'"kvno: 201/201 services, 1 failed, "* ]]
}

@test "no progress line with -q, --json, a trace, off a terminal, or for a short run" {
    command -v script >/dev/null || ks_skip_missing script
    on_terminal -q "${NAMES[@]}"
    assert_success
    assert_output ""
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    on_terminal --json "${NAMES[@]}"
    assert_success
    [[ $output != *"services, "* ]]
    [[ $output == *'"services"'* ]]
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    on_terminal --trace "$BATS_TEST_TMPDIR/trace" "${NAMES[@]}"
    assert_success
    [[ $output != *"services, "* ]]
    # Every ticket is now cached: nothing left to fetch, no line.
    on_terminal "${NAMES[@]}"
    assert_success
    [[ $output != *"services, "* ]]
    # Standard error a file, not a terminal.
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run --separate-stderr "$KVNO" "${NAMES[@]}"
    assert_success
    [ -z "$stderr" ]
    # 99 services to fetch are too few for a line.
    ks_fresh_ccache
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    on_terminal "${NAMES[@]:0:99}"
    assert_success
    [[ $output != *"services, "* ]]
}

@test "the KDC stopped in the middle of the list: one line per lost service, the cache readable" {
    local fifo=$BATS_TEST_TMPDIR/trace.fifo stored=0 line pid fd
    mkfifo "$fifo"
    # One request at a time, so the KDC stops between two of them.
    "$KVNO" --in-flight 1 --retries 1 --timeout 5 --trace "$fifo" \
        "${NAMES[@]}" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    pid=$!
    exec {fd}<"$fifo"
    # kvno blocks on the trace once the pipe is full, so it cannot be done
    # with the list while the KDC is being stopped.
    while read -r -u "$fd" line; do
        [[ $line == *"[8/8 store]"* ]] && stored=$((stored + 1))
        [ "$stored" -lt 10 ] || break
    done
    ks_realm_stop "$KS_REALM_DIR"
    cat <&"$fd" >/dev/null
    exec {fd}<&-
    local rc=0
    wait "$pid" || rc=$?
    ks_realm_start "$KS_REALM_DIR"
    assert_equal "$rc" 1
    local got lost
    got=$(wc -l <"$BATS_TEST_TMPDIR/out")
    lost=$(wc -l <"$BATS_TEST_TMPDIR/err")
    [ "$got" -ge 10 ]
    [ "$lost" -ge 1 ]
    assert_equal "$((got + lost))" "$KS_BULK"
    # Each lost service: one line, MIT's words, naming it and the KDC.  The
    # request at the KDC when it stopped got no reply over UDP; the later
    # ones found the port closed.
    run grep -Evc "^kvno: Cannot contact any KDC for realm 'TEST\.REALM' while getting credentials for HTTP/bulk[0-9]*\.test\.realm@TEST\.REALM \(tried 127\.0\.0\.1:[0-9]* over UDP \((port unreachable|no reply)\) and TCP \(connection refused\), [0-9.]* s\)$" \
        "$BATS_TEST_TMPDIR/err"
    assert_output 0
    # The services printed and the services lost are the list, each once.
    assert_equal \
        "$( (sed 's/: kvno = 1$//' "$BATS_TEST_TMPDIR/out"
             sed 's/.* for \([^ ]*\) (tried .*/\1/' "$BATS_TEST_TMPDIR/err") | sort)" \
        "$(printf '%s@TEST.REALM\n' "${NAMES[@]}" | sort)"
    # MIT's klist reads the cache: the tickets printed, once each.
    run klist_services "${KRB5CCNAME#FILE:}"
    assert_success
    assert_equal "$(sort <<<"$output")" \
        "$(sed 's/: kvno = 1$//' "$BATS_TEST_TMPDIR/out" | sort)"
}

#!/usr/bin/env bats
# Many programs on one cache at once: 16 kvno (and 16 kstep store) on one
# FILE cache and in one DIR collection lose no ticket, and MIT's klist
# reads the result; kinit replacing a cache while others read it never
# shows them a half-written one.  Every loop is bounded.

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

N=16

setup_file() {
    ks_setup_realm
    ks_add_services c "$N"
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

# Run "$@ SERVICE" for the N services at once; fails if any failed.
all_at_once() {
    local i pids=() failed=0
    for ((i = 1; i <= N; i++)); do
        "$@" "HTTP/c$i.test.realm" >/dev/null 2>"$BATS_TEST_TMPDIR/err$i" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do
        wait "$i" || failed=1
    done
    [ "$failed" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/err* >&2; return 1; }
}

# MIT's klist lists each of the N services exactly once.
assert_each_once() {
    local i
    run "$MIT_KLIST"
    assert_success
    for ((i = 1; i <= N; i++)); do
        [ "$(grep -c " HTTP/c$i.test.realm@" <<<"$output")" -eq 1 ] || {
            echo "HTTP/c$i.test.realm is not listed once:" >&2
            echo "$output" >&2
            return 1
        }
    done
}

@test "16 kvno at once on one FILE cache: every ticket there once" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    all_at_once "$KVNO"
    assert_each_once
}

@test "16 kvno at once in one DIR collection: every ticket there once" {
    mkdir -p "$BATS_TEST_TMPDIR/dir"
    export KRB5CCNAME=DIR:$BATS_TEST_TMPDIR/dir
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    all_at_once "$KVNO"
    assert_each_once
    run "$MIT_KLIST" -l
    assert_success
}

# kstep store of the saved reply for service $1.
store_one() {
    local n=${1#HTTP/c}
    n=${n%%.*}
    "$KSTEP" store "$BATS_TEST_TMPDIR/rep$n.der" \
        --request "$BATS_TEST_TMPDIR/req$n.der"
}

@test "16 kstep store at once on one FILE cache: every ticket there once" {
    local i
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    for ((i = 1; i <= N; i++)); do
        "$KSTEP" request "HTTP/c$i.test.realm" -o "$BATS_TEST_TMPDIR/req$i.der"
        "$KSTEP" send "$BATS_TEST_TMPDIR/req$i.der" -o "$BATS_TEST_TMPDIR/rep$i.der"
    done
    all_at_once store_one
    assert_each_once
}

@test "kinit replacing a cache never shows a reader a half-written one" {
    local i pids=() bad=0
    echo alice-pw | "$KINIT" alice >/dev/null
    for ((i = 1; i <= 8; i++)); do
        ( for ((j = 0; j < 4; j++)); do
              echo alice-pw | "$KINIT" alice >/dev/null 2>&1 || exit 1
          done ) &
        pids+=($!)
    done
    # Readers while the writers run: each look must find a whole cache
    # with a valid TGT.
    for ((i = 0; i < 150; i++)); do
        "$MIT_KLIST" -s || bad=$((bad + 1))
    done
    for i in "${pids[@]}"; do
        wait "$i" || { echo "a kinit failed" >&2; return 1; }
    done
    [ "$bad" -eq 0 ] || { echo "$bad of 150 reads found no valid TGT" >&2; return 1; }
    run "$MIT_KLIST"
    assert_success
    assert_line --partial "krbtgt/$KS_REALM@$KS_REALM"
}

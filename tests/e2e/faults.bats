#!/usr/bin/env bats
# Faults around the programs: a file size limit, a full file system, a KDC
# stopped or killed in the middle of an exchange, a cache truncated or
# corrupted on disk.  Each gives a clear one-line error, a documented
# non-zero exit, and leaves the cache as it was (byte for byte where the
# program could not write it), never a crash or a hang.

# Each test runs in its own subshell: exporting there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    ks_add_services f 40
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
    CC_FILE=${KRB5CCNAME#FILE:}
}

@test "a file size limit: kinit fails in one line, the old cache intact" {
    local before
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    before=$(ks_file_sum "$CC_FILE")
    # SIGXFSZ ignored, as a shell that set the limit would: writes fail
    # with EFBIG instead of killing the program.
    printf 'renew-pw\n' >"$BATS_TEST_TMPDIR/pw"
    chmod 600 "$BATS_TEST_TMPDIR/pw"
    run bash -c 'trap "" XFSZ; ulimit -f 0; "$1" --password-file "$2" renew' \
        _ "$KINIT" "$BATS_TEST_TMPDIR/pw"
    assert_failure 1
    [ "${#lines[@]}" -le 2 ]
    assert_line --index 0 --regexp '^kinit: .*Credentials cache I/O operation failed'

    [ "$(ks_file_sum "$CC_FILE")" = "$before" ]
    run "$MIT_KLIST"
    assert_success
    assert_line "Default principal: alice@$KS_REALM"
}

@test "a full file system: kvno fails in one line and the cache stays readable" {
    local dir=$BATS_TEST_TMPDIR/small i
    mkdir -p "$dir"
    # A 16 KiB tmpfs in a mount namespace of its own, the cache on it.
    # (Its messages go outside it: the full disk would swallow them.)
    run unshare --mount --propagation private bash -c '
        mount -t tmpfs -o size=16k tmpfs "$1" || exit 99
        export KRB5CCNAME=FILE:$1/cc
        echo alice-pw | "$2" alice >/dev/null || exit 98
        for ((i = 1; i <= 40; i++)); do
            "$3" "HTTP/f$i.test.realm" >/dev/null 2>"$5/err" || break
        done
        [ "$i" -le 40 ] || exit 97          # the disk never filled
        cat "$5/err"
        "$4" >"$5/klist.out" 2>&1 || exit 96
        grep -c " HTTP/f" "$5/klist.out"
    ' _ "$dir" "$MIT_KINIT" "$KVNO" "$MIT_KLIST" "$BATS_TEST_TMPDIR"
    assert_success
    assert_line --index 0 --regexp '^kvno: .*: Credentials cache I/O operation failed'
    # Every ticket stored before the disk filled is still listed.
    [ "${lines[-1]}" -ge 1 ]
}

@test "a KDC stopped in the middle (SIGSTOP): kvno gives up at --timeout" {
    local before pid start
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    before=$(ks_file_sum "$CC_FILE")
    pid=$(cat "$KS_REALM_DIR/kdc.pidfile")
    kill -STOP "$pid"
    start=$SECONDS
    run "$KVNO" --timeout 2 HTTP/f1.test.realm
    kill -CONT "$pid"
    assert_failure 1
    assert_line --index 0 --partial 'Cannot contact any KDC'
    [ $((SECONDS - start)) -le $((5 * KS_SLOW)) ]
    [ "$(ks_file_sum "$CC_FILE")" = "$before" ]
}

@test "a KDC killed in the middle: one clear line, the cache unchanged" {
    local before
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    before=$(ks_file_sum "$CC_FILE")
    ks_realm_stop "$KS_REALM_DIR"
    run "$KVNO" --timeout 2 HTTP/f2.test.realm
    ks_realm_start "$KS_REALM_DIR"
    assert_failure 1
    assert_line --index 0 --partial 'Cannot contact any KDC'
    [ "$(ks_file_sum "$CC_FILE")" = "$before" ]
}

@test "a truncated cache: klist and kvno say so in one line, as MIT's klist does" {
    local size before
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    size=$(stat -c %s "$CC_FILE")
    truncate -s $((size / 2)) "$CC_FILE"
    before=$(ks_file_sum "$CC_FILE")
    run "$MIT_KLIST"
    local mit_status=$status mit_first=${lines[0]}
    run "$KLIST"
    [ "$status" -eq "$mit_status" ]
    assert_line --index 0 "$mit_first"
    run "$KVNO" HTTP/f3.test.realm
    assert_failure 1
    [ "${#lines[@]}" -le 2 ]
    [ "$(ks_file_sum "$CC_FILE")" = "$before" ]
}

@test "a corrupted cache (garbage bytes): a clear error, and kinit replaces it" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    head -c 300 /dev/urandom | dd of="$CC_FILE" bs=1 seek=40 conv=notrunc status=none
    run "$KLIST"
    assert_failure 1
    run "$KVNO" HTTP/f4.test.realm
    assert_failure 1
    echo alice-pw | "$KINIT" alice >/dev/null
    run "$MIT_KLIST"
    assert_success
    assert_line "Default principal: alice@$KS_REALM"
}

#!/usr/bin/env bats
# ./demo, the README's first command, on the programs under test: it runs
# every step, and leaves neither its temp dir nor its KDC behind.

bats_require_minimum_version 1.5.0
load helpers

@test "./demo runs kinit, klist, kvno, kstep and kdestroy against its own realm" {
    run env KS_BUILD="$KS_BUILD" TMPDIR="$BATS_TEST_TMPDIR" \
        "$KS_TOP/demo" </dev/null
    assert_success
    assert_output --partial "$ echo alice-pw | $KS_BUILD/cmd/kinit --trace - alice"
    assert_output --partial "krbtgt/TEST.REALM@TEST.REALM"
    assert_output --partial "Default principal: alice@TEST.REALM"
    assert_line "HTTP/web.test.realm@TEST.REALM: kvno = 1"
    assert_line "HTTP/web.test.realm@TEST.REALM: kvno = 1, keytab entry valid"
    # kstep run: the eight steps in order, the KDC-side ones opened.
    assert_output --regexp "\[1/8 request\].*\[2/8 open-tgt\].*\[3/8 check-authenticator\].*\[4/8 open-reply\].*\[5/8 open-ticket\].*\[6/8 send\].*\[7/8 decrypt\].*\[8/8 store\]"
    assert_output --partial "session key equals the one in step 4: yes"
    assert_output --regexp "kstep: \[6/8 send\] [0-9]+ bytes over UDP to 127.0.0.1:[0-9]+ \.\.\. [0-9]+ bytes back in [0-9.]+ ms"
    assert_line "no (exit status 1)"
    # Its temp dir is gone, and with it the KDC's pid file: the KDC was
    # stopped by ks_realm_stop.
    run find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'kstep-demo.*'
    assert_output ""
}

#!/usr/bin/env bats
# ./demo, the README's first command, on the programs under test: it runs
# every step, and leaves neither its temp dir nor its KDC behind.

bats_require_minimum_version 1.5.0
load helpers

@test "./demo runs kinit, klist and kdestroy against its own realm" {
    run env KS_BUILD="$KS_BUILD" TMPDIR="$BATS_TEST_TMPDIR" \
        "$KS_TOP/demo" </dev/null
    assert_success
    assert_output --partial "$ echo alice-pw | $KS_BUILD/cmd/kinit --trace - alice"
    assert_output --partial "krbtgt/TEST.REALM@TEST.REALM"
    assert_output --partial "Default principal: alice@TEST.REALM"
    assert_line "no (exit status 1)"
    # Its temp dir is gone, and with it the KDC's pid file: the KDC was
    # stopped by ks_realm_stop.
    run find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'kstep-demo.*'
    assert_output ""
}

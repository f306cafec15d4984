#!/usr/bin/env bats
# The structure of the source: common/ stands on floors (core, then wire and
# creds, then exchange, then inspect) and no room reaches up or round in a
# circle, by #include or by the symbols its object file uses; the programs
# in cmd/ stay thin.  tests/tools/layers.py does the reading.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    export KS_TOP=$BATS_TEST_DIRNAME/../..
}

@test "common/ keeps its floors and has no circle, in includes or symbols" {
    run python3 "$KS_TOP/tests/tools/layers.py" "$KS_TOP" "$KS_BUILD"
    [ "$status" -eq 0 ] || echo "$output" >&2
    assert_success
    assert_output ok
}

@test "the floor check finds a room that includes an upper floor" {
    cp -r "$KS_TOP/common" "$BATS_TEST_TMPDIR/common"
    printf '#include "inspect/inspect.h"\n' >>"$BATS_TEST_TMPDIR/common/core/text.c"
    run python3 "$KS_TOP/tests/tools/layers.py" "$BATS_TEST_TMPDIR"
    assert_failure 1
    assert_output --partial 'common/core/text.c (floor core) includes "inspect/inspect.h" (floor inspect)'
}

@test "the floor check finds an include circle within one floor" {
    cp -r "$KS_TOP/common" "$BATS_TEST_TMPDIR/common"
    printf '#include "core/text.h"\n' >>"$BATS_TEST_TMPDIR/common/core/json.h"
    printf '#include "core/json.h"\n' >>"$BATS_TEST_TMPDIR/common/core/text.h"
    run python3 "$KS_TOP/tests/tools/layers.py" "$BATS_TEST_TMPDIR"
    assert_failure 1
    assert_output --partial 'include circle: core/json.h -> core/text.h'
}

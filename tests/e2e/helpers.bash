# shellcheck shell=bash
# Loaded by every bats file:  load helpers
#
# The programs under test are reached by absolute path only: MIT's kinit,
# klist and kdestroy are on PATH on the same machine, and a test that ran
# "kinit" would silently test MIT's.  ./check and meson pass the paths in
# KINIT_BIN, KLIST_BIN, KDESTROY_BIN, KVNO_BIN, KSTEP_BIN (falling back to
# build/ here).

bats_load_library bats-support
bats_load_library bats-assert

KS_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# shellcheck source=../realm.sh
source "$KS_TOP/tests/realm.sh"

KS_BUILD=${KS_BUILD:-$KS_TOP/build}
KINIT=${KINIT_BIN:-$KS_BUILD/cmd/kinit}
KLIST=${KLIST_BIN:-$KS_BUILD/cmd/klist}
KDESTROY=${KDESTROY_BIN:-$KS_BUILD/cmd/kdestroy}
KVNO=${KVNO_BIN:-$KS_BUILD/cmd/kvno}
KSTEP=${KSTEP_BIN:-$KS_BUILD/cmd/kstep}
# MIT's own tools, named explicitly for comparisons.
MIT_KINIT=/usr/bin/kinit
MIT_KLIST=/usr/bin/klist
MIT_KDESTROY=/usr/bin/kdestroy
MIT_KVNO=/usr/bin/kvno

# Dates in klist output follow the locale: compare under a fixed one.
export LC_ALL=C
export TZ=UTC
unset KSTEP_TRACE KSTEP_TRACE_FORMAT KRB5_TRACE

# In setup_file: a realm of this file's own, in its temp dir.
ks_setup_realm() {
    ks_realm_create "$BATS_FILE_TMPDIR/realm" "${1:-TEST.REALM}"
}

# In teardown_file: always runs, also when a test failed.
ks_teardown_realm() {
    ks_realm_stop "$BATS_FILE_TMPDIR/realm"
}

# In setup: a cache of this test's own.
ks_fresh_ccache() {
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/ccache
}

# Print a checksum of a file, or "absent".
ks_file_sum() {
    if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi
}

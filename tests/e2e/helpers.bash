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
KSWITCH=${KSWITCH_BIN:-$KS_BUILD/cmd/kswitch}

# KS_VALGRIND=1: every program of ours runs under valgrind's memcheck
# through a wrapper; an error or a definite or indirect leak makes it exit
# 97 (so a test that checks the exit status fails) and leaves a log in
# $KS_VALGRIND_LOGS (default: the run's temp dir), which the run checks
# at the end of each file (ks_valgrind_clean).  The whole e2e suite under
# valgrind: README, "Hostile input, faults and secrets".
if [ -n "${KS_VALGRIND:-}" ]; then
    KS_VALGRIND_LOGS=${KS_VALGRIND_LOGS:-${BATS_RUN_TMPDIR:-/tmp}/valgrind}
    mkdir -p "$KS_VALGRIND_LOGS" "${BATS_RUN_TMPDIR:-/tmp}/vgbin"
    for _ks_p in KINIT KLIST KDESTROY KVNO KSTEP KSWITCH; do
        _ks_w=${BATS_RUN_TMPDIR:-/tmp}/vgbin/${_ks_p,,}
        if [ ! -x "$_ks_w" ]; then
            printf '#!/bin/sh
exec valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect --log-file=%s/%%p.log %s "$@"
' \
                "$KS_VALGRIND_LOGS" "${!_ks_p}" >"$_ks_w.new"
            chmod +x "$_ks_w.new"
            mv "$_ks_w.new" "$_ks_w"
        fi
        printf -v "$_ks_p" '%s' "$_ks_w"
        # Suites that name a program by its *_BIN variable get it too.
        export "${_ks_p}_BIN=$_ks_w"
    done
    unset _ks_p _ks_w
fi
# How much longer a bounded wait may take: valgrind runs ~20x slower.
KS_SLOW=$([ -n "${KS_VALGRIND:-}" ] && echo 20 || echo 1)

# MIT's own tools, named explicitly for comparisons.
MIT_KINIT=/usr/bin/kinit
MIT_KLIST=/usr/bin/klist
MIT_KDESTROY=/usr/bin/kdestroy
MIT_KVNO=/usr/bin/kvno
MIT_KSWITCH=/usr/bin/kswitch

# Dates in klist output follow the locale: compare under a fixed one.
export LC_ALL=C
export TZ=UTC
unset KSTEP_TRACE KSTEP_TRACE_FORMAT KRB5_TRACE

# In setup_file: a realm of this file's own, in its temp dir.
#   ks_setup_realm [REALM] [--kind mit|heimdal]   (see ks_realm_create)
ks_setup_realm() {
    ks_realm_create "$BATS_FILE_TMPDIR/realm" "$@"
}

# In teardown_file: always runs, also when a test failed.
ks_teardown_realm() {
    ks_realm_stop "$BATS_FILE_TMPDIR/realm"
}

# The common case, at the top of a suite that needs one realm and nothing
# else before its tests:
#   ks_realm_per_file [REALM] [--kind mit|heimdal]
# defines setup_file (ks_setup_realm with these arguments) and
# teardown_file (ks_teardown_realm).  A suite that sets up more writes its
# own setup_file and teardown_file instead.
ks_realm_per_file() {
    KS_FILE_REALM_ARGS=("$@")
    setup_file() { ks_setup_realm "${KS_FILE_REALM_ARGS[@]}"; }
    teardown_file() { ks_teardown_realm; }
}

# ---- skips ----------------------------------------------------------------
#
# A skip is not a pass: ./check lists every skip with its reason, and with
# CI=true counts a skip for a missing dependency as a failure.

# ks_skip_missing WHAT: skip this test because WHAT (a program, a package,
# a locale) is not installed here; the TAP line ends "# skip missing: WHAT".
ks_skip_missing() {
    skip "$KS_MISSING$*"
}

# The prefix of the reason of such a skip (also for reasons kept for later,
# as ks_kcm_start's).
KS_MISSING="missing: "

# In setup: a cache of this test's own.
ks_fresh_ccache() {
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/ccache
}

# Print a checksum of a file, or "absent".
ks_file_sum() {
    if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi
}

# ---- cache types beyond FILE and DIR (checked at run time) --------------

# Destroy the caches of the KEYRING collection NAME and, where keyctl is
# installed (keyutils), unlink the collection's keyring that kdestroy -A
# leaves in the session keyring.
ks_keyring_forget() {
    KRB5CCNAME=$1 "$MIT_KDESTROY" -A -q 2>/dev/null || true
    command -v keyctl >/dev/null || return 0
    keyctl unlink "%keyring:_krb_${1#KEYRING:session:}" @s >/dev/null 2>&1 ||
        true
}

# True if MIT's kinit can keep a cache in the kernel keyring here; else
# prints why on stdout (for skip).
ks_keyring_works() {
    local name=KEYRING:session:ks_probe_$$ out rc=0
    if ! out=$("$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" -c "$name" \
        robot 2>&1) || ! "$MIT_KLIST" -s "$name" 2>/dev/null; then
        echo "KEYRING caches do not work here: ${out:-klist -s fails}"
        rc=1
    fi
    ks_keyring_forget "$name"
    return $rc
}

# In setup_file: start a KCM daemon of this file's own (Heimdal's kcm, in
# a mount namespace of its own so that its fixed socket path lands in
# DIR), and add a krb5.conf naming its socket to KRB5_CONFIG.  Returns 1
# with the reason on stdout when no KCM daemon can run here.
ks_kcm_start() {
    local dir=$1 kcm=/usr/sbin/kcm i
    [ -x "$kcm" ] || { echo "${KS_MISSING}a KCM daemon ($kcm: apt-get install heimdal-kcm)"; return 1; }
    command -v unshare >/dev/null || { echo "${KS_MISSING}unshare, to give kcm a socket of its own"; return 1; }
    mkdir -p "$dir"
    unshare -m sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir" "$kcm" \
        >"$dir/kcm.log" 2>&1 </dev/null &
    echo $! >"$dir/kcm.pid"
    for ((i = 0; i < 50; i++)); do
        [ -S "$dir/.heim_org.h5l.kcm-socket" ] && break
        kill -0 "$(cat "$dir/kcm.pid")" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -S "$dir/.heim_org.h5l.kcm-socket" ]; then
        echo "the KCM daemon did not start: $(head -c 300 "$dir/kcm.log")"
        ks_kcm_stop "$dir"
        return 1
    fi
    printf '[libdefaults]\n    kcm_socket = %s\n' \
        "$dir/.heim_org.h5l.kcm-socket" >"$dir/kcm.conf"
    export KRB5_CONFIG=$dir/kcm.conf:$KRB5_CONFIG
}

# In teardown_file: stop the KCM daemon of ks_kcm_start DIR by its PID.
ks_kcm_stop() {
    local pid
    pid=$(cat "$1/kcm.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || true
    rm -f "$1/kcm.pid"
}

# ks_run_readonly DIR COMMAND...: run COMMAND (as `run` would be given it)
# with DIR read-only.  Root writes into a directory whatever its mode, so
# as root DIR becomes a read-only bind mount of itself in a mount namespace
# of the command's own (gone with the command); otherwise DIR loses its
# write bits.  Bounded: 60 s.
ks_run_readonly() {
    local dir=$1
    shift
    if [ "$(id -u)" -ne 0 ]; then
        chmod a-w "$dir"
        timeout 60 "$@"
        return
    fi
    timeout 60 unshare -m --propagation private sh -c \
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 125
         shift
         exec "$@"' sh "$dir" "$@"
}

# Add the service principals HTTP/PREFIX1.test.realm to HTTP/PREFIXN... with
# random keys to this file's realm, in one admin process.
ks_add_services() {
    local prefix=$1 n=$2 i
    for ((i = 1; i <= n; i++)); do
        echo "addprinc -randkey HTTP/$prefix$i.test.realm"
    done | ks_realm_batch "$KS_REALM_DIR"
}

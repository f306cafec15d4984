#!/usr/bin/env bats
# klist against MIT's klist: the same caches and keytabs (made by MIT's
# kinit and kvno, and by ours), listed by both with the same options;
# stdout, stderr and the exit status must be identical byte for byte.
# Where MIT's klist cannot be followed (it waits for ever on a FIFO) our
# own behaviour is checked instead.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

# Option sets for listing a cache; every one is compared with MIT's.
KS_CACHE_OPTION_SETS=(
    "" "-c" "-e" "-f" "-a" "-a -n" "-C" "-d" "-s" "-l" "-A" "-A -s"
    "-e -f" "-f -C" "-e -f -a -n -C -d" "-A -e -f -C" "-5"
)

setup_file() {
    ks_setup_realm
    export KS_CC=$BATS_FILE_TMPDIR/caches
    mkdir -p "$KS_CC"
    local svc=$KS_SERVICE
    # A forwardable TGT, a service ticket and libkrb5's config entries.
    echo alice-pw | KRB5CCNAME=FILE:$KS_CC/alice "$MIT_KINIT" -f alice >/dev/null
    KRB5CCNAME=FILE:$KS_CC/alice "$MIT_KVNO" "$svc" >/dev/null
    # Renewable: a "renew until" line.
    echo renew-pw | "$MIT_KINIT" -r 2d -c "FILE:$KS_CC/renew" renew >/dev/null
    # From a keytab.
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" -c "FILE:$KS_CC/robot" \
        robot
    # A service ticket straight from the AS: no TGT at all.
    echo bob-pw | "$MIT_KINIT" -S "$svc" -c "FILE:$KS_CC/svconly" bob >/dev/null
    # Addresses in the ticket.
    echo alice-pw | "$MIT_KINIT" -a -c "FILE:$KS_CC/addr" alice >/dev/null
    # S4U2Self: a ticket for another client ("for client alice").
    KRB5CCNAME=FILE:$KS_CC/s4u "$MIT_KINIT" -k -t "$KS_REALM_DIR/service.keytab" \
        "$svc"
    KRB5CCNAME=FILE:$KS_CC/s4u "$MIT_KVNO" -U alice "$svc" >/dev/null
    # Expired: a two-second ticket, waited out below.
    echo bob-pw | "$MIT_KINIT" -l 2s -c "FILE:$KS_CC/expired" bob >/dev/null
    # Files that are no cache.
    head -c 300 /dev/urandom >"$KS_CC/garbage"
    printf '\005\004\000\000' >"$KS_CC/truncated"
    : >"$KS_CC/empty"
    mkdir "$KS_CC/directory"
    mkfifo "$KS_CC/fifo"
    sleep 3
}

teardown_file() {
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

# Run MIT's klist and ours with ARGS; their stdout, stderr and exit status
# must be identical.  Leaves ours in $output and $status for more checks.
same_as_mit() {
    local d=$BATS_TEST_TMPDIR mit_rc=0 our_rc=0
    timeout 10 "$MIT_KLIST" "$@" >"$d/mit.out" 2>"$d/mit.err" </dev/null ||
        mit_rc=$?
    timeout 10 "$KLIST" "$@" >"$d/our.out" 2>"$d/our.err" </dev/null ||
        our_rc=$?
    diff -u "$d/mit.out" "$d/our.out" ||
        fail "klist $*: standard output differs from MIT's"
    diff -u "$d/mit.err" "$d/our.err" ||
        fail "klist $*: standard error differs from MIT's"
    [ "$mit_rc" = "$our_rc" ] ||
        fail "klist $*: exit status $our_rc, MIT's $mit_rc"
    output=$(cat "$d/our.out" "$d/our.err")
    status=$our_rc
    # As bats' run sets it: the lines of the output, empty ones left out.
    lines=()
    [ -z "$output" ] || mapfile -t lines < <(grep -v '^$' <<<"$output")
}

# Compare every option set of KS_CACHE_OPTION_SETS on cache NAME (the
# default cache when NAME is not given).
same_as_mit_all_options() {
    local opts
    for opts in "${KS_CACHE_OPTION_SETS[@]}"; do
        # shellcheck disable=SC2086 # the option set is split on purpose
        same_as_mit $opts "$@"
    done
}

@test "a TGT, a service ticket and config entries: every option as MIT" {
    same_as_mit_all_options "FILE:$KS_CC/alice"
}

@test "the default cache (KRB5CCNAME) with every option as MIT" {
    local opts
    export KRB5CCNAME=FILE:$KS_CC/alice
    for opts in "${KS_CACHE_OPTION_SETS[@]}"; do
        # shellcheck disable=SC2086
        same_as_mit $opts
    done
}

@test "a cache named without its FILE: type is listed as MIT does" {
    same_as_mit "$KS_CC/alice"
    same_as_mit -c -f "$KS_CC/alice"
}

@test "the default listing has MIT's header and one line per ticket" {
    same_as_mit "FILE:$KS_CC/alice"
    assert_line --index 0 "Ticket cache: FILE:$KS_CC/alice"
    assert_line --index 1 "Default principal: alice@$KS_REALM"
    assert_line --index 2 "Valid starting     Expires            Service principal"
    assert_line --regexp "^[0-9/]{8} [0-9:]{8}  [0-9/]{8} [0-9:]{8}  krbtgt/$KS_REALM@$KS_REALM\$"
    assert_line --regexp "  $KS_SERVICE@$KS_REALM\$"
    refute_line --partial "config:"
}

@test "-f shows MIT's flag letters; -C shows the config entries" {
    same_as_mit -f -C "FILE:$KS_CC/alice"
    assert_line $'\tFlags: FIA'
    assert_line "config: fast_avail(krbtgt/$KS_REALM@$KS_REALM) = yes"
}

@test "a renewable ticket: renew until, flags and enctypes as MIT" {
    same_as_mit_all_options "FILE:$KS_CC/renew"
    same_as_mit -f "FILE:$KS_CC/renew"
    assert_line --regexp $'^\trenew until [0-9/]{8} [0-9:]{8}, Flags: RI$'
}

@test "a ticket from a keytab, as MIT" {
    same_as_mit_all_options "FILE:$KS_CC/robot"
}

@test "a cache with a service ticket and no TGT, as MIT (-s too)" {
    same_as_mit_all_options "FILE:$KS_CC/svconly"
    same_as_mit -s "FILE:$KS_CC/svconly"
    assert_success
}

@test "ticket addresses with -a and -a -n, as MIT" {
    same_as_mit_all_options "FILE:$KS_CC/addr"
    same_as_mit -a -n "FILE:$KS_CC/addr"
    assert_line --regexp $'^\tAddresses: '
    refute_line $'\tAddresses: (none)'
}

@test "a ticket for another client (S4U2Self) says 'for client', as MIT" {
    same_as_mit_all_options "FILE:$KS_CC/s4u"
    same_as_mit -f "FILE:$KS_CC/s4u"
    assert_line --regexp $'^\tfor client alice@'"$KS_REALM"
}

@test "an expired cache is listed as MIT does; -s fails; -l says (Expired)" {
    same_as_mit_all_options "FILE:$KS_CC/expired"
    same_as_mit -s "FILE:$KS_CC/expired"
    assert_failure 1
    same_as_mit -l "FILE:$KS_CC/expired"
    assert_line --partial "FILE:$KS_CC/expired (Expired)"
}

@test "-s: 0 for a current TGT, 1 otherwise, silent, as MIT" {
    local cache
    for cache in alice renew robot expired missing garbage directory; do
        same_as_mit -s "FILE:$KS_CC/$cache"
        assert_output ""
    done
    same_as_mit -s "FILE:$KS_CC/alice"
    assert_success
}

@test "a missing cache: MIT's message and exit 1" {
    same_as_mit_all_options "FILE:$KS_CC/missing"
    same_as_mit "FILE:$KS_CC/missing"
    assert_failure 1
    assert_output "klist: No credentials cache found (filename: $KS_CC/missing)"
    export KRB5CCNAME=FILE:$KS_CC/missing
    same_as_mit
    assert_failure 1
}

@test "-l and -A on a missing cache: MIT's header only, exit 1" {
    same_as_mit -l "FILE:$KS_CC/missing"
    assert_failure 1
    assert_output "$(printf '%-30s %s\n%-30s %s' "Principal name" \
        "Cache name" "--------------" "----------")"
    same_as_mit -A "FILE:$KS_CC/missing"
    assert_failure 1
    assert_output ""
}

@test "an empty cache name is a missing FILE cache, as MIT (no overread)" {
    local opts
    for opts in "" "-s" "-e -f" "-C"; do
        # shellcheck disable=SC2086
        same_as_mit $opts ""
        assert_failure 1
    done
    # libkrb5's collection cursor reads past an empty name: not through us.
    run -1 "$KLIST" -l ""
    assert_output "$(printf '%-30s %s\n%-30s %s' "Principal name" \
        "Cache name" "--------------" "----------")"
    run -1 "$KLIST" -A ""
    assert_output ""
    KRB5CCNAME= run -1 "$KLIST"
    assert_output "klist: No credentials cache found (filename: )"
}

@test "files that are no cache (garbage, truncated, empty, a directory), as MIT" {
    local cache
    for cache in garbage truncated empty directory; do
        same_as_mit_all_options "FILE:$KS_CC/$cache"
        same_as_mit "FILE:$KS_CC/$cache"
        assert_failure 1
    done
}

@test "a FIFO named as the cache is refused at once, never opened" {
    local opts
    for opts in "" "-s" "-l" "-A" "-e -f"; do
        # shellcheck disable=SC2086
        run -1 timeout 5 "$KLIST" $opts "FILE:$KS_CC/fifo"
        case $opts in
        -s) assert_output "" ;;
        -l) assert_line "klist: $KS_CC/fifo is a FIFO, not a credentials cache" ;;
        *) assert_output "klist: $KS_CC/fifo is a FIFO, not a credentials cache" ;;
        esac
    done
    KRB5CCNAME=$KS_CC/fifo run -1 timeout 5 "$KLIST"
    assert_output "klist: $KS_CC/fifo is a FIFO, not a credentials cache"
}

@test "a device named as the cache is refused" {
    run -1 timeout 5 "$KLIST" /dev/null
    assert_output "klist: /dev/null is a device, not a credentials cache"
}

@test "a DIR collection: default, -l, -A, -A -s and each cache, as MIT" {
    local dir=$BATS_TEST_TMPDIR/col cache
    mkdir "$dir"
    export KRB5CCNAME=DIR:$dir
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    same_as_mit_all_options
    same_as_mit_all_options "DIR:$dir"
    for cache in "$dir"/tkt*; do
        same_as_mit_all_options "DIR::$cache"
    done
    same_as_mit -l
    assert_success
    assert_line --regexp "^alice@$KS_REALM +DIR::$dir/tkt"
    assert_line --regexp "^bob@$KS_REALM +DIR::$dir/tkt"
    assert_line --regexp "^robot@$KS_REALM +DIR::$dir/tkt"
}

@test "a DIR collection with an expired member and a FIFO in it" {
    local dir=$BATS_TEST_TMPDIR/col
    mkdir "$dir"
    export KRB5CCNAME=DIR:$dir
    cp "$KS_CC/expired" "$dir/tktold"
    chmod 600 "$dir/tktold"
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    same_as_mit -l
    assert_line --regexp "^bob@$KS_REALM +DIR::$dir/tktold \(Expired\)\$"
    same_as_mit -A
    same_as_mit -A -s
    assert_success
    # MIT's klist would hang on the FIFO; ours skips it (-l) or says why.
    mkfifo "$dir/tktfifo"
    run -0 timeout 5 "$KLIST" -l
    refute_line --partial tktfifo
    run -0 timeout 5 "$KLIST" -A
    assert_line "klist: $dir/tktfifo is a FIFO, not a credentials cache"
}

@test "keytabs: -k with -t, -K, -e and -i, as MIT" {
    local opts kt
    for kt in "" "$KS_REALM_DIR/robot.keytab" "FILE:$KS_REALM_DIR/service.keytab"; do
        for opts in "" "-t" "-K" "-e" "-t -K -e" "-i" "-i -e -t"; do
            # shellcheck disable=SC2086
            same_as_mit -k $opts $kt
            assert_success
        done
    done
    same_as_mit -k -i
    assert_line "Keytab name: $KRB5_CLIENT_KTNAME"
    same_as_mit -k
    assert_line "Keytab name: $KRB5_KTNAME"
    assert_line "---- --------------------------------------------------------------------------"
}

@test "keytabs: weak enctypes are marked DEPRECATED: as MIT does" {
    local kt=$BATS_TEST_TMPDIR/legacy.keytab
    printf '%s\n' \
        "addent -password -p legacy@$KS_REALM -k 3 -e arcfour-hmac" legacy-pw \
        "addent -password -p legacy@$KS_REALM -k 3 -e des3-cbc-sha1" legacy-pw \
        "addent -password -p legacy@$KS_REALM -k 4 -e aes128-cts-hmac-sha1-96" \
        legacy-pw "wkt $kt" quit | ktutil >/dev/null 2>&1
    same_as_mit -k -e -t -K "$kt"
    assert_line --partial "(DEPRECATED:arcfour-hmac)"
    assert_line --partial "(aes128-cts-hmac-sha1-96)"
}

@test "keytabs: missing, garbage and empty files, as MIT" {
    local kt
    : >"$BATS_TEST_TMPDIR/empty.keytab"
    for kt in "$KS_CC/missing" "$KS_CC/garbage" "$BATS_TEST_TMPDIR/empty.keytab"; do
        same_as_mit -k "$kt"
        assert_failure 1
    done
    same_as_mit -k "$KS_CC/missing"
    assert_line "klist: Key table file '$KS_CC/missing' not found while starting keytab scan"
}

@test "keytabs: a FIFO is refused at once" {
    run -1 timeout 5 "$KLIST" -k "$KS_CC/fifo"
    assert_line "Keytab name: FILE:$KS_CC/fifo"
    assert_line "klist: $KS_CC/fifo is a FIFO, not a keytab"
}

@test "-4 exits 3 with MIT's message" {
    same_as_mit -4
    assert_failure 3
}

@test "-V and --version print our version and exit 0" {
    local version
    version=$(jq -r .version "$KS_BUILD/meson-info/intro-projectinfo.json" 2>/dev/null ||
        true)
    run -0 "$KLIST" -V
    assert_output --regexp "^klist \(kstep\) ${version:-[0-9.]+}\$"
    run -0 "$KLIST" --version
    assert_output --regexp "^klist \(kstep\) "
}

@test "options that do not go together: exit 1 as MIT's, and 'Try klist --help'" {
    local opts
    for opts in "-x" "-t" "-K" "-c -k" "-n" "-l -A" "-l -s" "-k -f" \
        "-k -s" "-k -a" "-k -l" "-k -A" "one two"; do
        # shellcheck disable=SC2086
        run --separate-stderr -1 "$KLIST" $opts
        assert_output ""
        # shellcheck disable=SC2154 # set by run --separate-stderr
        [[ $stderr == "klist: "*$'\n'"Try 'klist --help' for more information." ]] ||
            fail "klist $opts: stderr was: $stderr"
        # MIT's klist rejects the same combinations (with exit 1).
        # shellcheck disable=SC2086
        run -1 "$MIT_KLIST" $opts
    done
}

@test "--trace names the cache read" {
    run -0 "$KLIST" --trace - "FILE:$KS_CC/alice"
    assert_line --regexp "^klist: \[ccache\] [0-9]+ entries in FILE:$KS_CC/alice\$"
    run -0 "$KLIST" --trace - -s "FILE:$KS_CC/alice"
    assert_line --partial "a current TGT"
    run -0 "$KLIST" --trace - -k
    assert_line --partial "listing keytab $KRB5_KTNAME"
}

@test "a listing cut short by a full disk fails" {
    [ -w /dev/full ] || skip "no /dev/full"
    # shellcheck disable=SC2016 # expanded by the inner shell
    run -1 bash -c '"$1" "$2" >/dev/full' _ "$KLIST" "FILE:$KS_CC/alice"
    assert_output "klist: write error on standard output: No space left on device"
}

# ---- caches made by our own kinit --------------------------------------

our_kinit_works() {
    "$KINIT" --help >/dev/null 2>&1 || skip "our kinit is not built yet"
}

@test "caches from our kinit (password, -f, -r, keytab, -S) list as MIT's" {
    our_kinit_works
    local c=$BATS_TEST_TMPDIR
    echo alice-pw | "$KINIT" -c "FILE:$c/pw" alice >/dev/null
    echo alice-pw | "$KINIT" -f -c "FILE:$c/fwd" alice >/dev/null
    echo renew-pw | "$KINIT" -r 2d -c "FILE:$c/renew" renew >/dev/null
    "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" -c "FILE:$c/robot" robot
    echo bob-pw | "$KINIT" -S "$KS_SERVICE" -c "FILE:$c/svc" bob >/dev/null
    KRB5CCNAME=FILE:$c/pw "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    for cache in pw fwd renew robot svc; do
        same_as_mit_all_options "FILE:$c/$cache"
        same_as_mit -s "FILE:$c/$cache"
        assert_success
    done
}

@test "a DIR collection filled by our kinit lists as MIT's" {
    our_kinit_works
    local dir=$BATS_TEST_TMPDIR/col
    mkdir "$dir"
    export KRB5CCNAME=DIR:$dir
    echo alice-pw | "$KINIT" alice >/dev/null
    echo bob-pw | "$KINIT" bob >/dev/null
    same_as_mit_all_options
    same_as_mit -l
    assert_line --regexp "^alice@$KS_REALM +DIR::$dir/tkt"
    assert_line --regexp "^bob@$KS_REALM +DIR::$dir/tkt"
}

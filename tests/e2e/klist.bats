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
    # KEYRING and KCM caches, where the machine offers them (checked now).
    export KS_KEYRING_WHY KS_KCM_WHY
    KS_KEYRING_WHY=$(ks_keyring_works) || true
    ks_kcm_start "$BATS_FILE_TMPDIR/kcm" >"$BATS_FILE_TMPDIR/kcm.why" || true
    KS_KCM_WHY=$(cat "$BATS_FILE_TMPDIR/kcm.why")
    sleep 3
}

teardown_file() {
    ks_kcm_stop "$BATS_FILE_TMPDIR/kcm"
    ks_teardown_realm
}

setup() {
    ks_fresh_ccache
}

teardown() {
    case ${KRB5CCNAME:-} in
    KEYRING:*) ks_keyring_forget "$KRB5CCNAME" ;;
    KCM:*) "$MIT_KDESTROY" -A -q 2>/dev/null || true ;;
    esac
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

# ---- KEYRING and KCM collections ------------------------------------------

# Fill a collection of TYPE with alice (and a service ticket), bob and
# robot, by MIT's kinit; skip with the reason when the type is not offered.
fill_collection() {
    case $1 in
    KEYRING)
        [ -z "$KS_KEYRING_WHY" ] || skip "$KS_KEYRING_WHY"
        export KRB5CCNAME=KEYRING:session:ks_kl_${BATS_ROOT_PID}_$BATS_TEST_NUMBER
        ;;
    KCM)
        [ -z "$KS_KCM_WHY" ] || skip "$KS_KCM_WHY"
        export KRB5CCNAME=KCM:
        ;;
    esac
    "$MIT_KDESTROY" -A -q 2>/dev/null || true
    echo alice-pw | "$MIT_KINIT" -f alice >/dev/null
    "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
}

# Every option set on the collection and on each of its caches, as MIT.
compare_collection() {
    local cache
    same_as_mit_all_options
    same_as_mit -l
    assert_success
    assert_line --regexp "^alice@$KS_REALM +$1"
    assert_line --regexp "^bob@$KS_REALM +$1"
    for cache in $("$MIT_KLIST" -l | awk 'NR > 2 { print $2 }'); do
        same_as_mit_all_options "$cache"
    done
    run -0 "$KLIST" --json -l
    assert_equal "$(jq -r '[.caches[].default_principal] | sort | join(" ")' \
        <<<"$output")" "alice@$KS_REALM bob@$KS_REALM robot@$KS_REALM"
    "$MIT_KDESTROY" -A -q
}

@test "a KEYRING collection: every option, -l and -A, as MIT" {
    fill_collection KEYRING
    compare_collection "KEYRING:session:ks_kl_"
}

@test "a KCM collection: every option, -l and -A, as MIT" {
    fill_collection KCM
    compare_collection "KCM:"
}

# ---- --json ---------------------------------------------------------------

# jq FILTER on $output must print EXPECTED.
json_is() {
    local got
    got=$(jq -c -r "$1" <<<"$output") || fail "not JSON: $output"
    [ "$got" = "$2" ] || fail "jq '$1': got '$got', want '$2'"
}

@test "--json: a cache as one document: principals, times, flags, enctypes" {
    local now end mit_letters
    now=$(date +%s)
    run --separate-stderr -0 "$KLIST" --json "FILE:$KS_CC/alice"
    json_is .cache "FILE:$KS_CC/alice"
    json_is .default_principal "alice@$KS_REALM"
    json_is '.credentials | length' 2
    json_is '.credentials[0].client' "alice@$KS_REALM"
    json_is '.credentials[0].server' "krbtgt/$KS_REALM@$KS_REALM"
    json_is '.credentials[1].server' "$KS_SERVICE@$KS_REALM"
    # Times: iso and epoch agree; renew_until null for a plain ticket.
    json_is '[.credentials[].times[] | select(. != null) |
              (.iso == (.epoch | todate))] | all' true
    json_is '.credentials[0].times.renew_until' null
    json_is '.credentials[0].times.end.iso | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' true
    json_is '.credentials[0].expired' false
    end=$(jq '.credentials[0].times.end.epoch' <<<"$output")
    json_is "(.credentials[0].remaining_seconds - ($end - $now)) | fabs <= 5" true
    # Flags as names, and the letters MIT's -f shows.
    json_is '.credentials[0].flags | index("forwardable") != null' true
    json_is '.credentials[0].flags | index("initial") != null' true
    mit_letters=$("$MIT_KLIST" -f "FILE:$KS_CC/alice" |
        sed -n '0,/^\tFlags: /s/^\tFlags: //p')
    json_is '.credentials[0].flags_letters' "$mit_letters"
    json_is '.credentials[0].session_key_enctype' \
        '{"name":"aes256-cts-hmac-sha1-96","number":18}'
    json_is '.credentials[0].ticket_enctype.number' 18
    json_is '.credentials[0].config' false
    json_is '.credentials[0].addresses' '[]'
    # Config entries only with -C; never a key.
    json_is '[.credentials[] | select(.config)] | length' 0
    json_is '[.. | objects | has("key")] | any' false
    assert_equal "$stderr" ""
    run -0 "$KLIST" --json -C "FILE:$KS_CC/alice"
    json_is '[.credentials[] | select(.config) | .name] | index("fast_avail") != null' true
    json_is '.credentials[] | select(.name == "fast_avail") | .value' yes
}

@test "--json: expired, renewable, addresses and another client" {
    run -0 "$KLIST" --json "FILE:$KS_CC/expired"
    json_is '.credentials[0].expired' true
    json_is '.credentials[0].remaining_seconds' 0
    run -0 "$KLIST" --json "FILE:$KS_CC/renew"
    json_is '.credentials[0].times.renew_until.epoch > .credentials[0].times.end.epoch' true
    json_is '.credentials[0].flags | index("renewable") != null' true
    run -0 "$KLIST" --json "FILE:$KS_CC/addr"
    json_is '.credentials[0].addresses | length > 0' true
    json_is '.credentials[0].addresses[0] | test("^[0-9.:a-f]+$")' true
    run -0 "$KLIST" --json "FILE:$KS_CC/s4u"
    json_is '[.credentials[].client] | index("alice@'"$KS_REALM"'") != null' true
}

@test "--json: a keytab; key bytes only with -K, as MIT's -K shows them" {
    local mit_key
    run -0 "$KLIST" --json -k "$KS_REALM_DIR/robot.keytab"
    json_is .keytab "FILE:$KS_REALM_DIR/robot.keytab"
    json_is '.entries | length' \
        "$("$MIT_KLIST" -k "$KS_REALM_DIR/robot.keytab" | tail -n +4 | wc -l)"
    json_is '.entries[0].principal' "robot@$KS_REALM"
    json_is '.entries[0].kvno | type' number
    json_is '.entries[0].enctype.name' aes256-cts-hmac-sha1-96
    json_is '.entries[0].timestamp.epoch | type' number
    json_is '[.entries[] | has("key")] | any' false
    run -0 "$KLIST" --json -k -K "$KS_REALM_DIR/robot.keytab"
    mit_key=$("$MIT_KLIST" -k -K "$KS_REALM_DIR/robot.keytab" |
        sed -n '4s/.*(0x\([0-9a-f]*\))$/\1/p')
    [ -n "$mit_key" ] || fail "no key in MIT's klist -k -K"
    json_is '.entries[0].key' "$mit_key"
}

@test "--json errors: the error document, same exit status and stderr as text" {
    local args
    for args in "FILE:$KS_CC/missing" "FILE:$KS_CC/garbage" \
        "FILE:$KS_CC/truncated" "FILE:$KS_CC/directory" "-k $KS_CC/missing" \
        "-k $KS_CC/garbage" "FILE:$KS_CC/fifo"; do
        # shellcheck disable=SC2086 # split on purpose
        run --separate-stderr timeout 5 "$KLIST" $args
        local text_status=$status text_stderr=$stderr
        # shellcheck disable=SC2086
        run --separate-stderr timeout 5 "$KLIST" --json $args
        assert_equal "$status" "$text_status"
        assert_equal "$stderr" "$text_stderr"
        json_is '.error | keys' '["code","hint","message","name"]'
        json_is '.error.message' "${text_stderr#klist: }"
    done
    run --separate-stderr -1 "$KLIST" --json "FILE:$KS_CC/missing"
    json_is .error.name KRB5_FCC_NOFILE
    json_is .error.message "No credentials cache found (filename: $KS_CC/missing)"
}

@test "--json -l and -A on a DIR collection; -s --json prints nothing" {
    local dir=$BATS_TEST_TMPDIR/col
    mkdir "$dir"
    export KRB5CCNAME=DIR:$dir
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    cp "$KS_CC/expired" "$dir/tktold"
    run -0 "$KLIST" --json -l
    json_is '.caches | length' 3
    json_is '.caches[] | select(.default_principal == "alice@'"$KS_REALM"'") | .expired' false
    json_is '.caches[] | select(.cache == "DIR::'"$dir"'/tktold") | .expired' true
    run -0 "$KLIST" --json -A
    json_is '[.caches[].default_principal] | sort | join(",")' \
        "alice@$KS_REALM,bob@$KS_REALM,bob@$KS_REALM"
    json_is '[.caches[].credentials | length] | add' 3
    # A FIFO in the collection: its own error object, the rest listed.
    mkfifo "$dir/tktfifo"
    run --separate-stderr -0 timeout 5 "$KLIST" --json -A
    json_is '.caches[] | select(.cache == "DIR::'"$dir"'/tktfifo") | .error.message' \
        "$dir/tktfifo is a FIFO, not a credentials cache"
    json_is '[.caches[] | select(.error == null)] | length' 3
    rm "$dir/tktfifo"
    run -0 "$KLIST" --json -s
    assert_output ""
    run -1 "$KLIST" --json -A "DIR:$BATS_TEST_TMPDIR/nothing"
    json_is . '{"caches":[]}'
}

# ---- --min-lifetime -------------------------------------------------------

@test "-s --min-lifetime: a 1-minute ticket fails 2m, passes 30s" {
    echo alice-pw | "$MIT_KINIT" -l 1m alice >/dev/null
    run -1 "$KLIST" -s --min-lifetime 2m
    assert_output ""
    run -0 "$KLIST" -s --min-lifetime 30s
    assert_output ""
    run -0 "$KLIST" -s --min-lifetime 0
    run -1 "$KLIST" -s --min-lifetime 1h
    run -1 "$KLIST" -s --min-lifetime 2m "FILE:$KS_CC/missing"
    # The TGT decides, as for -s: an expired TGT fails whatever else.
    run -1 "$KLIST" -s --min-lifetime 1s "FILE:$KS_CC/expired"
    # Without a TGT, any ticket: the service ticket of svconly lasts hours.
    run -0 "$KLIST" -s --min-lifetime 1h "FILE:$KS_CC/svconly"
    run -1 "$KLIST" -s --min-lifetime 2d "FILE:$KS_CC/svconly"
    # -A -s: any cache of the collection that stays valid long enough.
    run -0 "$KLIST" -A -s --min-lifetime 30s
    run -1 "$KLIST" -A -s --min-lifetime 5m
}

@test "--min-lifetime: a bad duration or no -s is a usage error (exit 1)" {
    local args
    for args in "-s --min-lifetime soon" "-s --min-lifetime -5m" \
        "--min-lifetime 5m" "-s --min-lifetime"; do
        # shellcheck disable=SC2086 # split on purpose
        run --separate-stderr -1 "$KLIST" $args
        assert_output ""
        [[ $stderr == "klist: "*$'\n'"Try 'klist --help' for more information." ]] ||
            fail "klist $args: stderr was: $stderr"
    done
}

@test "dates follow the user's locale (LC_TIME), as MIT's klist prints them" {
    locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' ||
        ks_skip_missing "the de_DE.UTF-8 locale (./check makes it as root)"
    echo renew-pw | "$MIT_KINIT" -r 2d renew >/dev/null
    # MIT also translates some labels (krb5-locales); we do not: compare
    # the header's column layout and the ticket line, where only dates are.
    LC_ALL=de_DE.UTF-8 run -0 "$MIT_KLIST"
    local mit=$output
    LC_ALL=de_DE.UTF-8 run -0 "$KLIST"
    # (bats drops the blank line from $lines: index 2 is the 4th line)
    assert_line --index 2 "$(sed -n 4p <<<"$mit")"
    assert_line --index 3 "$(sed -n 5p <<<"$mit")"
    assert_line --index 3 --regexp '^[0-9]{2}\.[0-9]{2}\.[0-9]{4} '
    # JSON keeps RFC 3339 whatever the locale.
    LC_ALL=de_DE.UTF-8 run -0 "$KLIST" --json
    [[ $(jq -r '.credentials[0].times.end.iso' <<<"$output") == 20*Z ]]
}

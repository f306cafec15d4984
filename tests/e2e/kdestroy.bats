#!/usr/bin/env bats
# kdestroy against MIT's kdestroy: the same caches are made twice, destroyed
# once by MIT's kdestroy and once by ours; stdout, stderr, the exit status
# and what is left behind must be identical.  Where we differ on purpose (a
# FIFO is refused, usage errors point to --help) ours is checked alone.

# Each test runs in its own subshell: exporting KRB5CCNAME there is meant.
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_setup_realm
    # KEYRING and KCM caches, where the machine offers them (checked now).
    export KS_KEYRING_WHY KS_KCM_WHY
    KS_KEYRING_WHY=$(ks_keyring_works) || true
    ks_kcm_start "$BATS_FILE_TMPDIR/kcm" >"$BATS_FILE_TMPDIR/kcm.why" || true
    KS_KCM_WHY=$(cat "$BATS_FILE_TMPDIR/kcm.why")
}

teardown_file() {
    ks_kcm_stop "$BATS_FILE_TMPDIR/kcm"
    ks_teardown_realm
}

teardown() {
    local name
    # Keyring collections outlive the test's temp dir.
    [ -f "$BATS_TEST_TMPDIR/keyrings" ] || return 0
    while read -r name; do
        ks_keyring_forget "$name"
    done <"$BATS_TEST_TMPDIR/keyrings"
}

setup() {
    ks_fresh_ccache
    W=$BATS_TEST_TMPDIR/w
}

# ---- fixtures: each makes the same caches again under $W -----------------

# One FILE cache, the default one: $W/cc (alice).
one_file_cache() {
    rm -rf "$W" && mkdir "$W"
    export KRB5CCNAME=FILE:$W/cc
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
}

# Two FILE caches: $W/cc (alice, the default) and $W/other (bob).
two_file_caches() {
    one_file_cache
    echo bob-pw | "$MIT_KINIT" -c "FILE:$W/other" bob >/dev/null
}

# A DIR collection $W/col with alice, bob and robot (primary: robot).
dir_collection() {
    rm -rf "$W" && mkdir "$W" "$W/col"
    export KRB5CCNAME=DIR:$W/col
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
}

# The same three caches in a KEYRING collection, a new one each time (a
# keyring collection outlives kdestroy -A and then names its first cache
# differently).
keyring_collection() {
    [ -z "$KS_KEYRING_WHY" ] || skip "$KS_KEYRING_WHY"
    rm -rf "$W" && mkdir "$W"
    KS_RUNS=$((${KS_RUNS:-0} + 1))
    export KRB5CCNAME=KEYRING:session:ks_kd_${BATS_ROOT_PID}_${BATS_TEST_NUMBER}_$KS_RUNS
    echo "$KRB5CCNAME" >>"$BATS_TEST_TMPDIR/keyrings"
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
}

# The same three caches in the KCM daemon of this file.
kcm_collection() {
    [ -z "$KS_KCM_WHY" ] || skip "$KS_KCM_WHY"
    rm -rf "$W" && mkdir "$W"
    export KRB5CCNAME=KCM:
    "$MIT_KDESTROY" -A -q 2>/dev/null || true
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
}

# A FILE cache with a TGT and two service tickets: $W/cc.
service_tickets() {
    one_file_cache
    "$MIT_KVNO" "$KS_SERVICE" "krbtgt/$KS_REALM" >/dev/null
}

# Nothing at all: the default cache is missing.
no_cache() {
    rm -rf "$W" && mkdir "$W"
    export KRB5CCNAME=FILE:$W/cc
}

# Not a cache but files: garbage bytes and a directory.
not_caches() {
    no_cache
    head -c 300 /dev/urandom >"$W/garbage"
    mkdir "$W/directory"
}

# What is left: the collection as MIT's klist lists it (random tkt names
# made equal, in sorted order: a directory's order is no order) and the
# files under $W.
leftovers() {
    local rc=0
    "$MIT_KLIST" -l >"$BATS_TEST_TMPDIR/left.l" 2>&1 || rc=$?
    sed -e 's/tkt[A-Za-z0-9]\{6\}/tktXXXXXX/g' \
        -e 's/ks_kd_[0-9_]*/ks_kd_X/g' \
        -e 's/krb_ccache_[A-Za-z0-9]*/krb_ccache_X/g' \
        -e 's/KCM:\([0-9]*\):[0-9]*/KCM:\1:N/g' \
        "$BATS_TEST_TMPDIR/left.l" | sort
    echo "exit $rc"
    (cd "$W" && find . | sed 's/tkt[A-Za-z0-9]\{6\}/tktXXXXXX/g' | sort)
}

# same_as_mit FIXTURE ARGS...: make FIXTURE, run MIT's kdestroy ARGS; make
# it again, run ours.  Output, exit status and leftovers must be identical.
# Leaves ours in $output, $status and $lines.
same_as_mit() {
    local fixture=$1 d=$BATS_TEST_TMPDIR mit_rc=0 our_rc=0
    shift
    "$fixture"
    timeout 10 "$MIT_KDESTROY" "$@" >"$d/mit.out" 2>"$d/mit.err" </dev/null ||
        mit_rc=$?
    leftovers >"$d/mit.left"
    "$fixture"
    timeout 10 "$KDESTROY" "$@" >"$d/our.out" 2>"$d/our.err" </dev/null ||
        our_rc=$?
    leftovers >"$d/our.left"
    diff -u "$d/mit.out" "$d/our.out" ||
        fail "kdestroy $*: standard output differs from MIT's"
    diff -u "$d/mit.err" "$d/our.err" ||
        fail "kdestroy $*: standard error differs from MIT's"
    [ "$mit_rc" = "$our_rc" ] ||
        fail "kdestroy $*: exit status $our_rc, MIT's $mit_rc"
    diff -u "$d/mit.left" "$d/our.left" ||
        fail "kdestroy $*: left behind something else than MIT's"
    output=$(cat "$d/our.out" "$d/our.err")
    status=$our_rc
    lines=()
    [ -z "$output" ] || mapfile -t lines < <(grep -v '^$' <<<"$output")
}

@test "destroys the default cache: gone, MIT's klist finds none, as MIT" {
    same_as_mit one_file_cache
    assert_success
    assert_output ""
    [ ! -e "$W/cc" ] || fail "$W/cc is still there"
    run -1 "$MIT_KLIST"
    assert_output "klist: No credentials cache found (filename: $W/cc)"
    run -1 "$MIT_KLIST" -s
}

@test "-c destroys the named cache and leaves the default one, as MIT" {
    same_as_mit two_file_caches -c "FILE:$W/other"
    assert_success
    [ -e "$W/cc" ] || fail "the default cache went too"
    same_as_mit two_file_caches -c "$W/other"
    same_as_mit two_file_caches -q -c "FILE:$W/other"
}

@test "the cache is overwritten before it is removed, as MIT does" {
    one_file_cache
    ln "$W/cc" "$W/link"
    run -0 "$KDESTROY"
    [ ! -e "$W/cc" ] || fail "$W/cc is still there"
    run tr -d '\000' <"$W/link"
    assert_output ""
}

@test "a missing cache: MIT's message, exit 0 (with -q too)" {
    same_as_mit no_cache
    assert_success
    assert_output "kdestroy: No credentials cache found while destroying cache"
    same_as_mit no_cache -q
    assert_success
    same_as_mit no_cache -c "FILE:$W/nothing"
    assert_success
}

@test "an empty cache name is a missing cache, as MIT (no overread)" {
    same_as_mit no_cache -c ""
    assert_success
    assert_output "kdestroy: No credentials cache found while destroying cache"
    KRB5CCNAME= run -0 "$KDESTROY" -A
    assert_output ""
}

@test "a garbage file is destroyed; a directory is not (bell unless -q), as MIT" {
    same_as_mit not_caches -c "$W/garbage"
    assert_success
    same_as_mit not_caches -c "$W/directory"
    assert_failure 1
    assert_line $'Ticket cache \aNOT\a destroyed!'
    same_as_mit not_caches -q -c "$W/directory"
    assert_failure 1
    assert_line "Ticket cache NOT destroyed!"
}

@test "a DIR collection: the primary cache, then a warning about the others" {
    same_as_mit dir_collection
    assert_success
    assert_output "Other credential caches present, use -A to destroy all"
    run -0 "$MIT_KLIST" -l
    refute_line --partial "robot@"
    assert_line --partial "alice@"
    # -q: no warning.
    same_as_mit dir_collection -q
    assert_output ""
}

@test "-A destroys every cache of the collection, as MIT" {
    same_as_mit dir_collection -A
    assert_success
    assert_output ""
    run -1 "$MIT_KLIST" -l
    assert_equal "${#lines[@]}" 2
    same_as_mit dir_collection -A -c "DIR:$W/col"
    same_as_mit dir_collection -A -q
    same_as_mit no_cache -A
    assert_success
}

@test "-p destroys the cache of one principal in the collection, as MIT" {
    same_as_mit dir_collection -p bob
    assert_success
    assert_output ""
    run -0 "$MIT_KLIST" -l
    refute_line --partial "bob@"
    assert_line --partial "alice@"
    assert_line --partial "robot@"
    same_as_mit dir_collection -p "alice@$KS_REALM"
    same_as_mit two_file_caches -p alice
}

@test "-p with no cache for the principal, or a malformed one: exit 1, as MIT" {
    same_as_mit dir_collection -p nobody
    assert_failure 1
    assert_output "kdestroy: Matching credential not found while finding cache for nobody"
    same_as_mit dir_collection -p 'bad@@name'
    assert_failure 1
    assert_output --partial "while parsing principal name bad@@name"
}

@test "a FIFO named as the cache is refused and left in place, at once" {
    no_cache
    mkfifo "$W/fifo"
    run -1 timeout 5 "$KDESTROY" -c "$W/fifo"
    assert_line "kdestroy: $W/fifo is a FIFO, not a credentials cache"
    assert_line $'Ticket cache \aNOT\a destroyed!'
    [ -p "$W/fifo" ] || fail "the FIFO was removed"
    KRB5CCNAME=FILE:$W/fifo run -1 timeout 5 "$KDESTROY" -q
    assert_line "Ticket cache NOT destroyed!"
}

@test "-A and -p skip a FIFO in a DIR collection without hanging" {
    dir_collection
    mkfifo "$W/col/tktfifo"
    run -1 timeout 5 "$KDESTROY" -p nobody
    run -0 timeout 5 "$KDESTROY" -p bob
    run -0 timeout 5 "$KDESTROY" -A
    assert_output "kdestroy: $W/col/tktfifo is a FIFO, not a credentials cache"
    [ -p "$W/col/tktfifo" ] || fail "the FIFO was removed"
    run -0 find "$W/col" -name 'tkt*' -type f
    assert_output ""
}

@test "usage errors: exit 2 and 'Try kdestroy --help', as MIT's exit 2" {
    local args
    for args in "-x" "-A -p bob" "extra" "-c one -c two" "-p a -p b" "-c"; do
        # shellcheck disable=SC2086 # split on purpose
        run --separate-stderr -2 "$KDESTROY" $args
        assert_output ""
        # shellcheck disable=SC2154 # set by run --separate-stderr
        [[ $stderr == "kdestroy: "*$'\n'"Try 'kdestroy --help' for more information." ]] ||
            fail "kdestroy $args: stderr was: $stderr"
        # shellcheck disable=SC2086
        run -2 "$MIT_KDESTROY" $args
    done
    run --separate-stderr -2 "$KDESTROY" -A -p bob
    [[ $stderr == "kdestroy: -A option is exclusive with -p option"* ]] ||
        fail "stderr was: $stderr"
}

@test "-4 exits 3 with MIT's message" {
    same_as_mit no_cache -4
    assert_failure 3
    assert_output "Kerberos 4 is no longer supported"
}

@test "--version prints our version" {
    run -0 "$KDESTROY" --version
    assert_output --regexp "^kdestroy \(kstep\) [0-9]"
}

@test "--trace names the caches destroyed" {
    one_file_cache
    run -0 "$KDESTROY" --trace -
    assert_line "kdestroy: [ccache] destroyed FILE:$W/cc"
    dir_collection
    run -0 "$KDESTROY" --trace - -A
    assert_line --regexp "^kdestroy: \[ccache\] destroyed DIR::$W/col/tkt"
}

@test "a cache made by our kinit is destroyed; MIT's klist then finds none" {
    "$KINIT" --help >/dev/null 2>&1 || skip "our kinit is not built yet"
    no_cache
    echo alice-pw | "$KINIT" alice >/dev/null
    run -0 "$MIT_KLIST" -s
    run -0 "$KDESTROY"
    assert_output ""
    run -1 "$MIT_KLIST"
    assert_output "klist: No credentials cache found (filename: $W/cc)"
}

# ---- KEYRING and KCM collections -------------------------------------------

compare_collection() {
    same_as_mit "$1"
    assert_success
    assert_output "Other credential caches present, use -A to destroy all"
    same_as_mit "$1" -q
    assert_output ""
    same_as_mit "$1" -A
    assert_success
    run -1 "$MIT_KLIST" -l
    assert_equal "${#lines[@]}" 2
    same_as_mit "$1" -p bob
    assert_success
    run -0 "$MIT_KLIST" -l
    refute_line --partial "bob@"
    assert_line --partial "alice@"
    same_as_mit "$1" -p nobody
    assert_failure 1
}

@test "a KEYRING collection: default, -q, -A and -p, as MIT" {
    compare_collection keyring_collection
}

@test "a KCM collection: default, -q, -A and -p, as MIT" {
    compare_collection kcm_collection
}

# ---- --credential -------------------------------------------------------------

# The services cached in the default cache, as MIT's klist lists them.
services() {
    "$MIT_KLIST" | awk 'NR > 4 { print $5 }'
}

@test "--credential removes one ticket and keeps the rest, config entries too" {
    service_tickets
    run -0 "$MIT_KLIST" -C
    local before=$output
    run --separate-stderr -0 "$KDESTROY" --credential "$KS_SERVICE"
    assert_output ""
    assert_equal "$(services)" "krbtgt/$KS_REALM@$KS_REALM"
    # Everything else as it was: MIT's listing less that one line.
    run -0 "$MIT_KLIST" -C
    assert_equal "$output" "$(grep -v " $KS_SERVICE@" <<<"$before")"
    # MIT's kvno gets a new ticket with the TGT that was kept.
    run -0 "$MIT_KVNO" "$KS_SERVICE"
    assert_equal "$(services | sort)" \
        "$(printf '%s\n' "$KS_SERVICE@$KS_REALM" "krbtgt/$KS_REALM@$KS_REALM" | sort)"
}

@test "--credential with a full name, -c, and in a DIR collection with -p" {
    service_tickets
    run -0 "$KDESTROY" -c "FILE:$W/cc" --credential "$KS_SERVICE@$KS_REALM"
    assert_equal "$(services)" "krbtgt/$KS_REALM@$KS_REALM"
    dir_collection
    echo bob-pw | "$MIT_KINIT" bob >/dev/null
    "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    run -0 "$KSWITCH" -p robot
    run -0 "$KDESTROY" -p bob --credential "$KS_SERVICE"
    run -0 "$MIT_KLIST" "$("$MIT_KLIST" -l | awk '$1 ~ /^bob@/ { print $2 }')"
    refute_line --partial "$KS_SERVICE"
    assert_line --partial "krbtgt/$KS_REALM@$KS_REALM"
}

@test "--credential when the ticket is not there: a clear message, exit 1, cache untouched" {
    local sum
    one_file_cache
    sum=$(ks_file_sum "$W/cc")
    run --separate-stderr -1 "$KDESTROY" --credential "$KS_SERVICE"
    # shellcheck disable=SC2154 # set by run --separate-stderr
    assert_equal "$stderr" "kdestroy: no ticket for $KS_SERVICE@$KS_REALM in FILE:$W/cc (klist lists what the cache holds)"
    assert_equal "$(ks_file_sum "$W/cc")" "$sum"
    no_cache
    run --separate-stderr -1 "$KDESTROY" --credential "$KS_SERVICE"
    assert_equal "$stderr" "kdestroy: No credentials cache found while reading FILE:$W/cc"
    run --separate-stderr -1 "$KDESTROY" --credential 'bad@@name'
    assert_equal "$stderr" "kdestroy: Malformed representation of principal while parsing principal name bad@@name"
    run --separate-stderr -2 "$KDESTROY" -A --credential "$KS_SERVICE"
    [[ $stderr == *"Try 'kdestroy --help'"* ]] || fail "stderr: $stderr"
}

@test "--credential in KEYRING and KCM caches" {
    local type
    for type in keyring kcm; do
        case $type in
        keyring) [ -z "$KS_KEYRING_WHY" ] || continue ;;
        kcm) [ -z "$KS_KCM_WHY" ] || continue ;;
        esac
        "${type}_collection"
        "$MIT_KVNO" "$KS_SERVICE" >/dev/null
        run -0 "$KDESTROY" --credential "$KS_SERVICE"
        assert_equal "$(services)" "krbtgt/$KS_REALM@$KS_REALM"
        run -0 "$MIT_KLIST" -l
        assert_equal "${#lines[@]}" 5
        "$MIT_KDESTROY" -A -q
    done
    [ -z "$KS_KEYRING_WHY" ] || skip "$KS_KEYRING_WHY"
    [ -z "$KS_KCM_WHY" ] || skip "$KS_KCM_WHY"
}

# ---- --json -------------------------------------------------------------------

@test "--json: what was destroyed, as one document" {
    one_file_cache
    run --separate-stderr -0 "$KDESTROY" --json
    assert_equal "$(jq -c . <<<"$output")" \
        "{\"destroyed\":[\"FILE:$W/cc\"],\"other_caches\":false}"
    run --separate-stderr -0 "$KDESTROY" --json
    assert_equal "$(jq -c . <<<"$output")" \
        "{\"destroyed\":[],\"not_found\":\"FILE:$W/cc\",\"other_caches\":false}"
    assert_equal "$stderr" "kdestroy: No credentials cache found while destroying cache"
    dir_collection
    run --separate-stderr -0 "$KDESTROY" --json -A
    assert_equal "$(jq '.destroyed | length' <<<"$output")" 3
    jq -e '.destroyed | all(startswith("DIR::'"$W"'/col/tkt"))' <<<"$output" >/dev/null ||
        fail "destroyed: $output"
    dir_collection
    run --separate-stderr -0 "$KDESTROY" --json
    assert_equal "$(jq .other_caches <<<"$output")" true
    service_tickets
    run --separate-stderr -0 "$KDESTROY" --json --credential "$KS_SERVICE"
    assert_equal "$(jq -c . <<<"$output")" \
        "{\"cache\":\"FILE:$W/cc\",\"removed\":[\"$KS_SERVICE@$KS_REALM\"]}"
}

@test "--json errors: the error document, same exit status and stderr as text" {
    local args
    dir_collection
    for args in "-p nobody" "-p bad@@name" "--credential nothere"; do
        # shellcheck disable=SC2086 # split on purpose
        run --separate-stderr "$KDESTROY" $args
        local text_status=$status text_stderr=$stderr
        # shellcheck disable=SC2086
        run --separate-stderr "$KDESTROY" --json $args
        assert_equal "$status" "$text_status"
        assert_equal "$stderr" "$text_stderr"
        assert_equal "$(jq -c '.error | keys' <<<"$output")" \
            '["code","hint","message","name"]'
        assert_equal "$(jq -r .error.message <<<"$output")" "${text_stderr#kdestroy: }"
    done
    run --separate-stderr -1 "$KDESTROY" --json -p nobody
    assert_equal "$(jq -r .error.name <<<"$output")" KRB5_CC_NOTFOUND
}

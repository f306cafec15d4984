#!/usr/bin/env bats
# What every program shares, checked on the built programs without a realm:
# --help, --version and usage errors in one style; --help, the man page and
# the completions agree on the options; no libkrb5 protocol driver is
# linked in; `meson install` puts programs, man pages and completions where
# they belong under their prefixed names.

bats_require_minimum_version 1.5.0
load helpers

# libkrb5's protocol drivers: those jobs are kstep's own (../shared/DESIGN.md).
KS_FORBIDDEN_SYMBOLS='krb5_get_init_creds|krb5_init_creds_|krb5_get_credentials|krb5_tkt_creds_|krb5_get_cred_via_tkt|krb5_get_in_tkt|krb5_mk_req|krb5_rd_rep|krb5_sendto_kdc|k5_locate_kdc|krb5_get_renewed_creds|krb5_get_validated_creds'

setup_file() {
    [ -f "$KS_BUILD/meson-info/intro-projectinfo.json" ] || {
        echo "KS_BUILD=$KS_BUILD is not a configured meson build" >&2
        return 1
    }
    # One install for the install tests; --no-rebuild: the programs under
    # test are the ones already built (other suites may be running them).
    export KS_DEST=$BATS_FILE_TMPDIR/dest
    meson install -C "$KS_BUILD" --no-rebuild --quiet --destdir "$KS_DEST" \
        >"$BATS_FILE_TMPDIR/install.out" 2>&1 || true
}

# The value of a build option of KS_BUILD.
build_option() {
    jq -r --arg n "$1" '.[] | select(.name == $n) | .value' \
        "$KS_BUILD/meson-info/intro-buildoptions.json"
}

# Where an install directory option (bindir, mandir, datadir) lands in DEST.
dest_dir() {
    local dir
    dir=$(build_option "$1")
    case $dir in
    /*) echo "$KS_DEST$dir" ;;
    *) echo "$KS_DEST$(build_option prefix)/$dir" ;;
    esac
}

# The options PROGRAM [SUBCOMMAND] --help lists, one a line (-c, --cache,
# ...), popt's own help options left out.
help_options() {
    "$@" --help </dev/null |
        sed -n 's/^ \{2,6\}\(-[^ ]\([^ ]\| [^ ]\)*\).*$/\1/p' |
        tr ',' '\n' | sed -e 's/^ *//' -e 's/=.*//' -e 's/ .*//' |
        grep -v -x -e '-?' -e '--help' -e '--usage' || true
}

# True if FILE mentions option OPT as a word of its own.
mentions_option() {
    grep -q -E -- "(^|[^-a-zA-Z0-9])$2([^a-zA-Z0-9-]|\$)" "$1"
}

# The forbidden symbols among the undefined symbols `nm -D` lists on stdin.
forbidden_symbols() {
    awk '{ print $NF }' | sed 's/@.*//' | grep -E -x "($KS_FORBIDDEN_SYMBOLS).*" || true
}

check_help() {
    local name=$1 prog=$2 opt
    shift 2
    run "$prog" --help </dev/null
    assert_success
    assert_output --regexp "(^|\n)Usage: $name( |$)"
    for opt in --trace --trace-format --version --help "$@"; do
        assert_output --regexp "(^|[ ,])$opt([ =,]|\$)"
    done
}

check_version() {
    local name=$1 prog=$2 version
    version=$(jq -r .version "$KS_BUILD/meson-info/intro-projectinfo.json")
    run "$prog" --version </dev/null
    assert_success
    assert_output "$name (kstep) $version"
}

# A usage error exits 2, or with MIT's tool's status where it differs.
check_usage_error() {
    local name=$1 prog=$2 want=$3
    run --separate-stderr "$prog" --no-such-option </dev/null
    assert_equal "$status" "$want"
    assert_equal "$output" ""
    # shellcheck disable=SC2154 # set by run --separate-stderr
    [[ $stderr == *"Try '$name --help' for more information."* ]] || {
        echo "stderr: $stderr"
        return 1
    }
}

# Every option of --help is in the man page and the completions.
check_documented() {
    local name=$1 prog=$2 opt opts file missing=()
    for file in "man/$name.1.scd" "completions/bash/$name" \
        "completions/zsh/_$name" "completions/fish/$name.fish"; do
        [ -f "$KS_TOP/$file" ] || missing+=("$file: no such file")
    done
    [ ${#missing[@]} -eq 0 ] || fail "$(printf '%s\n' "${missing[@]}")"
    opts=$(help_options "$prog")
    [ -n "$opts" ] || fail "no options found in $name --help"
    for opt in $opts; do
        # The shared trailer (COMMON OPTIONS) is part of every page.
        mentions_option "$KS_TOP/man/$name.1.scd" "$opt" ||
            mentions_option "$KS_TOP/man/trailer.scd" "$opt" ||
            missing+=("man/$name.1.scd: $opt")
        mentions_option "$KS_TOP/completions/bash/$name" "$opt" ||
            missing+=("completions/bash/$name: $opt")
        mentions_option "$KS_TOP/completions/zsh/_$name" "$opt" ||
            missing+=("completions/zsh/_$name: $opt")
        # fish spells long options as "-l cache"; short ones are not checked.
        case $opt in
        --*) grep -q -E -- "(-l|--long-option) +['\"]?${opt#--}(['\"]|[^a-zA-Z0-9-]|\$)" \
            "$KS_TOP/completions/fish/$name.fish" ||
            missing+=("completions/fish/$name.fish: $opt") ;;
        esac
    done
    if [ ${#missing[@]} -gt 0 ]; then
        printf 'not documented: %s\n' "${missing[@]}"
        return 1
    fi
}

check_no_protocol_driver() {
    local prog=$1 undefined
    undefined=$(nm -D --undefined-only "$prog")
    # Positive control: the same listing shows libkrb5's ccache functions,
    # so an empty or broken listing cannot pass.
    grep -q -E '(^|[[:space:]])krb5_cc_' <<<"$undefined" ||
        fail "no krb5_cc_ symbol in nm -D of $prog: is the check broken?"
    run forbidden_symbols <<<"$undefined"
    assert_output ""
}

@test "every program binds all its libkrb5 symbols at start-up" {
    # The private encoders and decoders (krb5_private.h) are not in MIT's
    # headers: a libkrb5 that dropped one must fail here, at start-up with
    # LD_BIND_NOW, not at the first call in the field.
    local prog
    for prog in "$KINIT" "$KLIST" "$KDESTROY" "$KVNO" "$KSWITCH" "$KSTEP"; do
        run env LD_BIND_NOW=1 "$prog" --version </dev/null
        assert_success
    done
}

@test "LD_BIND_NOW does catch a symbol the library lacks" {
    # Control for the test above: a program importing a symbol that no
    # library has fails at start-up under LD_BIND_NOW.
    local dir=$BATS_TEST_TMPDIR
    printf 'void ks_no_such_symbol(void);\nint main(int c, char **v) { if (c > 5) ks_no_such_symbol(); return 0; }\n' >"$dir/m.c"
    printf 'void ks_no_such_symbol(void) {}\n' >"$dir/l.c"
    cc -shared -fPIC -o "$dir/libl.so" "$dir/l.c"
    cc -o "$dir/m" "$dir/m.c" -L"$dir" -ll -Wl,-rpath,"$dir"
    run env LD_BIND_NOW=1 "$dir/m"
    assert_success
    printf 'void other(void) {}\n' >"$dir/l.c"
    cc -shared -fPIC -o "$dir/libl.so" "$dir/l.c"
    run -127 env LD_BIND_NOW=1 "$dir/m"
    assert_output --partial "undefined symbol: ks_no_such_symbol"
}

@test "the symbol check finds a protocol driver when there is one" {
    run forbidden_symbols <<'NM'
                 U krb5_cc_resolve@krb5_3_MIT
                 U krb5_get_init_creds_password@krb5_3_MIT
                 U krb5_init_creds_step@krb5_3_MIT
                 U krb5_c_decrypt@krb5_3_MIT
                 U krb5_sendto_kdc
NM
    assert_output "$(printf '%s\n' krb5_get_init_creds_password \
        krb5_init_creds_step krb5_sendto_kdc)"
}

@test "kinit --help lists its options" {
    check_help kinit "$KINIT" -c -k -t
}

@test "klist --help lists its options" {
    check_help klist "$KLIST" -c -e -f -s
}

@test "kdestroy --help lists its options" {
    check_help kdestroy "$KDESTROY" -c -q -A
}

@test "kswitch --help lists its options" {
    check_help kswitch "$KSWITCH" -c -p --json
}

@test "kvno --help lists its options" {
    check_help kvno "$KVNO" -c -e -k -S
}

@test "kstep --help lists the eight steps and the other subcommands" {
    local sub
    run -0 "$KSTEP" --help </dev/null
    assert_output --regexp "(^|\n)Usage: kstep SUBCOMMAND"
    for sub in "1  request" "2  open-tgt" "3  check-authenticator" \
        "4  open-reply" "5  open-ticket" "6  send" "7  decrypt" "8  store" \
        "run SERVICE" "kdc REQ" "decode FILE" "doctor [REALM | PRINCIPAL]"; do
        assert_output --partial "$sub"
    done
}

@test "kinit --version prints its name and version" {
    check_version kinit "$KINIT"
}

@test "klist --version prints its name and version" {
    check_version klist "$KLIST"
}

@test "kdestroy --version prints its name and version" {
    check_version kdestroy "$KDESTROY"
}

@test "kswitch --version prints its name and version" {
    check_version kswitch "$KSWITCH"
}

@test "kvno --version prints its name and version" {
    check_version kvno "$KVNO"
}

@test "kstep --version prints its name and version" {
    check_version kstep "$KSTEP"
}

@test "kvno: a mistyped option exits 1 (as MIT's) and points to --help" {
    check_usage_error kvno "$KVNO" 1
}

@test "kstep: a mistyped option or subcommand exits 2 and points to --help" {
    check_usage_error kstep "$KSTEP" 2
    run --separate-stderr -2 "$KSTEP" no-such-step </dev/null
    assert_equal "$stderr" "kstep: unknown subcommand 'no-such-step'
Try 'kstep --help' for more information."
    run --separate-stderr -2 "$KSTEP" request --no-such-option x </dev/null
    [[ $stderr == *"Try 'kstep request --help'"* || $stderr == *"Try 'kstep --help'"* ]] ||
        fail "stderr: $stderr"
}

@test "kinit: a mistyped option exits 2 and points to --help" {
    check_usage_error kinit "$KINIT" 2
}

@test "klist: a mistyped option exits 1 (as MIT's) and points to --help" {
    check_usage_error klist "$KLIST" 1
}

@test "kdestroy: a mistyped option exits 2 and points to --help" {
    check_usage_error kdestroy "$KDESTROY" 2
}

@test "kswitch: a mistyped option exits 2 (as MIT's) and points to --help" {
    check_usage_error kswitch "$KSWITCH" 2
    run -2 "$MIT_KSWITCH" --no-such-option </dev/null
}

@test "kinit: every option of --help is in the man page and completions" {
    check_documented kinit "$KINIT"
}

@test "klist: every option of --help is in the man page and completions" {
    check_documented klist "$KLIST"
}

@test "kdestroy: every option of --help is in the man page and completions" {
    check_documented kdestroy "$KDESTROY"
}

@test "kswitch: every option of --help is in the man page and completions" {
    check_documented kswitch "$KSWITCH"
}

@test "kvno: every option of --help is in the man page and completions" {
    check_documented kvno "$KVNO"
}

@test "kstep: every subcommand's options are in the man page and completions" {
    local sub opt missing=()
    for sub in request open-tgt check-authenticator open-reply open-ticket \
        send decrypt store run kdc decode doctor; do
        for opt in $(help_options "$KSTEP" "$sub"); do
            mentions_option "$KS_TOP/man/kstep.1.scd" "$opt" ||
                mentions_option "$KS_TOP/man/trailer.scd" "$opt" ||
                missing+=("man/kstep.1.scd: $sub $opt")
            mentions_option "$KS_TOP/completions/bash/kstep" "$opt" ||
                missing+=("completions/bash/kstep: $sub $opt")
            mentions_option "$KS_TOP/completions/zsh/_kstep" "$opt" ||
                missing+=("completions/zsh/_kstep: $sub $opt")
        done
        grep -q -w -- "$sub" "$KS_TOP/completions/fish/kstep.fish" ||
            missing+=("completions/fish/kstep.fish: $sub")
        grep -q -w -- "$sub" "$KS_TOP/man/kstep.1.scd" ||
            missing+=("man/kstep.1.scd: $sub")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        printf 'not documented: %s\n' "${missing[@]}"
        return 1
    fi
}

@test "kinit links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KINIT"
}

@test "klist links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KLIST"
}

@test "kdestroy links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KDESTROY"
}

@test "kswitch links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KSWITCH"
}

@test "kvno links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KVNO"
}

@test "kstep links no libkrb5 protocol driver" {
    check_no_protocol_driver "$KSTEP"
}

@test "meson install installs the programs under their prefixed names" {
    local prefix bindir name version
    prefix=$(build_option program_prefix)
    bindir=$(dest_dir bindir)
    version=$(jq -r .version "$KS_BUILD/meson-info/intro-projectinfo.json")
    run cat "$BATS_FILE_TMPDIR/install.out"
    [ -d "$KS_DEST" ] || fail "meson install failed: $output"
    for name in kinit klist kdestroy kvno kswitch; do
        [ -x "$bindir/$prefix$name" ] || fail "$bindir/$prefix$name missing"
        run "$bindir/$prefix$name" --version </dev/null
        assert_output "$name (kstep) $version"
    done
    # kstep has no MIT counterpart: never prefixed.
    run "$bindir/kstep" --version </dev/null
    assert_output "kstep (kstep) $version"
}

@test "meson install installs the man pages, named after the programs" {
    local prefix mandir name page
    [ "$(build_option man)" != disabled ] || skip "built with -Dman=disabled"
    prefix=$(build_option program_prefix)
    mandir=$(dest_dir mandir)
    [ -f "$mandir/man1/kstep.1" ] || fail "kstep.1 missing"
    [ -f "$mandir/man7/kstep.7" ] || fail "kstep.7 missing"
    for name in kinit klist kdestroy kvno kswitch; do
        page=$mandir/man1/$prefix$name.1
        [ -f "$page" ] || fail "$page missing"
        # The title and NAME name the installed program; the trailer is in.
        grep -q -x ".TH \"$prefix$name\" \"1\".*" "$page" ||
            fail "$page: title is not $prefix$name"
        grep -q "^$prefix$name - " "$page" ||
            fail "$page: NAME is not $prefix$name"
        grep -q 'KSTEP_TRACE_FORMAT' "$page" ||
            fail "$page: the shared trailer is missing"
    done
}

@test "meson install installs bash, zsh and fish completions" {
    local prefix datadir name file
    prefix=$(build_option program_prefix)
    datadir=$(dest_dir datadir)
    for file in bash-completion/completions/kstep zsh/site-functions/_kstep \
        fish/vendor_completions.d/kstep.fish; do
        [ -f "$datadir/$file" ] || fail "$datadir/$file missing"
    done
    for name in kinit klist kdestroy kvno kswitch; do
        for file in "bash-completion/completions/$prefix$name" \
            "zsh/site-functions/_$prefix$name" \
            "fish/vendor_completions.d/$prefix$name.fish"; do
            [ -f "$datadir/$file" ] || fail "$datadir/$file missing"
        done
        # Registered for the bare name and the prefixed one.
        run bash -c 'source "$1" && complete -p "$2" && complete -p "$3"' \
            bash "$datadir/bash-completion/completions/$prefix$name" \
            "$name" "kstep-$name"
        assert_success
        run head -n 1 "$datadir/zsh/site-functions/_$prefix$name"
        assert_output --regexp "^#compdef( .*)? $name( |\$)"
        assert_output --regexp "^#compdef( .*)? kstep-$name( |\$)"
        grep -q -w -- "kstep-$name" \
            "$datadir/fish/vendor_completions.d/$prefix$name.fish" ||
            fail "the fish completion of $name does not name kstep-$name"
    done
}

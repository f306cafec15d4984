#!/usr/bin/env bats
# The realm fixture itself (tests/realm.sh), of both kinds: an MIT realm
# and a Heimdal realm made by the same ks_realm_create have the same
# principals and keytabs, our programs work the same against both, and
# ks_realm_link, ks_realm_addprinc and ks_realm_ktadd work across kinds.
# Each test runs the same steps against each kind in turn.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    ks_realm_create "$BATS_FILE_TMPDIR/mit" MIT.REALM --no-export
    # Heimdal's KDC where it can be unpacked (./check does it); why not is
    # kept for the skips.
    if ks_heimdal_root 2>"$BATS_FILE_TMPDIR/heimdal.why"; then
        ks_realm_create "$BATS_FILE_TMPDIR/heimdal" H.REALM --kind heimdal \
            --no-export
    fi
}

teardown_file() {
    ks_realm_stop "$BATS_FILE_TMPDIR/mit"
    ks_realm_stop "$BATS_FILE_TMPDIR/heimdal"
}

# use KIND: point the environment at the realm of that kind, a cache of
# this test's own; sets DIR, REALM and LC (REALM lower-cased).
use() {
    DIR=$BATS_FILE_TMPDIR/$1
    if [ "$1" = heimdal ] && [ ! -f "$DIR/kdc.pid" ]; then
        ks_skip_missing "Heimdal's KDC ($(cat "$BATS_FILE_TMPDIR/heimdal.why"))"
    fi
    [ "$(ks_realm_kind "$DIR")" = "$1" ] || fail "$DIR is not a $1 realm"
    REALM=$(cat "$DIR/realm")
    LC=${REALM,,}
    export KRB5_CONFIG=$DIR/krb5.conf
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/$1.cc
}

@test "both kinds: our kinit with alice's password (pre-auth) and bob's" {
    local kind
    for kind in mit heimdal; do
        use "$kind"
        run "$KINIT" alice <<<alice-pw
        assert_success
        run "$MIT_KLIST" -f
        assert_line "Default principal: alice@$REALM"
        assert_line --partial "krbtgt/$REALM@$REALM"
        assert_line --regexp "Flags: .*A"
        run "$KINIT" bob <<<bob-pw
        assert_success
        run "$KINIT" alice <<<wrong-pw
        assert_failure 1
    done
}

@test "both kinds: robot's keytab, renew's renewable TGT, the krbtgt keytab" {
    local kind
    for kind in mit heimdal; do
        use "$kind"
        run "$KINIT" -k -t "$DIR/robot.keytab" robot
        assert_success
        run "$KINIT" -r 2d renew <<<renew-pw
        assert_success
        run "$MIT_KLIST"
        assert_line --partial "renew until"
        run "$MIT_KLIST" -k "$DIR/krbtgt.keytab"
        assert_line --partial "krbtgt/$REALM@$REALM"
    done
}

@test "both kinds: our kvno gets HTTP/web.<realm>, its keytab opens it" {
    local kind
    for kind in mit heimdal; do
        use "$kind"
        "$MIT_KINIT" alice <<<alice-pw >/dev/null
        run "$KVNO" "HTTP/web.$LC"
        assert_success
        assert_output "HTTP/web.$LC@$REALM: kvno = 1"
        run "$MIT_KVNO" --cached-only -k "$DIR/service.keytab" "HTTP/web.$LC"
        assert_success
        assert_output "HTTP/web.$LC@$REALM: kvno = 1, keytab entry valid"
    done
}

@test "both kinds: ks_realm_addprinc, and ks_realm_ktadd keeps the key" {
    local kind
    for kind in mit heimdal; do
        use "$kind"
        ks_realm_addprinc "$DIR" "carol-$kind" --password carol-pw --preauth
        run "$KINIT" "carol-$kind" <<<carol-pw
        assert_success
        ks_realm_addprinc "$DIR" "HTTP/new-$kind.$LC"
        ks_realm_ktadd "$DIR" "$BATS_TEST_TMPDIR/$kind.keytab" "HTTP/new-$kind.$LC"
        run "$KVNO" -k "$BATS_TEST_TMPDIR/$kind.keytab" "HTTP/new-$kind.$LC"
        assert_success
        assert_output "HTTP/new-$kind.$LC@$REALM: kvno = 1, keytab entry valid"
        # A failed admin command fails the call, in both kinds.
        run ks_realm_addprinc "$DIR" alice --password other-pw
        assert_failure
        assert_output --partial "an admin command failed"
    done
}

@test "ks_realm_create refuses a kind it does not know" {
    run ks_realm_create "$BATS_TEST_TMPDIR/x" X.REALM --kind nosuch
    assert_failure
    assert_output --partial "no such kind of realm: nosuch"
    [ ! -e "$BATS_TEST_TMPDIR/x" ]
}

# Last: linking rewrites both krb5.conf files and restarts both KDCs.
@test "ks_realm_link: an MIT realm and a Heimdal realm, both ways" {
    use heimdal
    ks_realm_link "$BATS_FILE_TMPDIR/mit" "$BATS_FILE_TMPDIR/heimdal"
    [ "$KS_OTHER_REALM" = H.REALM ]
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/from-mit
    "$MIT_KINIT" alice <<<alice-pw >/dev/null
    run "$KVNO" "HTTP/web.h.realm@H.REALM"
    assert_success
    assert_output "HTTP/web.h.realm@H.REALM: kvno = 1"
    export KRB5_CONFIG=$BATS_FILE_TMPDIR/heimdal/krb5.conf
    export KRB5CCNAME=FILE:$BATS_TEST_TMPDIR/from-heimdal
    "$MIT_KINIT" alice <<<alice-pw >/dev/null
    run "$KVNO" "HTTP/web.mit.realm@MIT.REALM"
    assert_success
    assert_output "HTTP/web.mit.realm@MIT.REALM: kvno = 1"
}

#!/usr/bin/env bats
# Our caches in MIT's tools and MIT's caches in ours: MIT's klist lists
# what our kinit stored, MIT's kvno uses our TGT (so its session key and
# ticket are right), a GSSAPI program initiates a context from it, and our
# kinit replaces caches MIT's kinit made.

bats_require_minimum_version 1.5.0
load helpers

ks_realm_per_file

setup() {
    ks_fresh_ccache
    CC=$BATS_TEST_TMPDIR/ccache
}

@test "interop: MIT's klist lists the TGT our kinit stored" {
    "$KINIT" -f alice <<<"alice-pw" >/dev/null
    run "$MIT_KLIST" -f -e
    assert_success
    assert_line "Ticket cache: FILE:$CC"
    assert_line "Default principal: alice@$KS_REALM"
    assert_line --regexp "^[0-9/]+ [0-9:]+  [0-9/]+ [0-9:]+  krbtgt/$KS_REALM@$KS_REALM\$"
    assert_line --regexp "Flags: FIA, Etype \(skey, tkt\): aes256-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96"
    run "$MIT_KLIST" -s
    assert_success
}

@test "interop: MIT's klist sees the same flags as for MIT's kinit" {
    for opts in "" "-f" "-f -p" "-r 2d" "-F -P"; do
        # shellcheck disable=SC2086
        "$KINIT" $opts -c "FILE:$CC" renew <<<"renew-pw" >/dev/null
        # shellcheck disable=SC2086
        echo renew-pw | "$MIT_KINIT" $opts -c "FILE:$CC.mit" renew >/dev/null
        ours=$("$MIT_KLIST" -f -c "$CC" | sed -n 's/.*Flags: //p')
        mit=$("$MIT_KLIST" -f -c "$CC.mit" | sed -n 's/.*Flags: //p')
        echo "options '$opts': ours $ours, MIT $mit"
        [ "$ours" = "$mit" ]
    done
}

@test "interop: MIT's kvno gets a service ticket with our TGT" {
    "$KINIT" alice <<<"alice-pw" >/dev/null
    run "$MIT_KVNO" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
    run "$MIT_KVNO" -k "$KS_REALM_DIR/service.keytab" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1, keytab entry valid"
    run "$MIT_KLIST"
    assert_line --partial "$KS_SERVICE@$KS_REALM"
}

@test "interop: MIT's kvno with a TGT our kinit got from a keytab" {
    "$KINIT" -k -t "$KS_REALM_DIR/robot.keytab" robot
    run "$MIT_KVNO" "$KS_SERVICE"
    assert_success
    assert_output "$KS_SERVICE@$KS_REALM: kvno = 1"
}

@test "interop: a GSSAPI program initiates a context from our TGT" {
    /usr/bin/python3 -c 'import gssapi' 2>/dev/null || ks_skip_missing "python3-gssapi"
    "$KINIT" bob <<<"bob-pw" >/dev/null
    run /usr/bin/python3 - "web.$(echo "$KS_REALM" | tr '[:upper:]' '[:lower:]')" <<'PY'
import sys, gssapi
name = gssapi.Name("HTTP@" + sys.argv[1], gssapi.NameType.hostbased_service)
init = gssapi.SecurityContext(name=name, usage="initiate")
accept = gssapi.SecurityContext(usage="accept")
token = init.step()
accept.step(token)
print(accept.initiator_name)
PY
    assert_success
    assert_output "bob@$KS_REALM"
}

@test "interop: our kinit replaces a cache MIT's kinit made" {
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    "$MIT_KVNO" "$KS_SERVICE" >/dev/null
    run "$KINIT" bob <<<"bob-pw"
    assert_success
    run "$MIT_KLIST"
    assert_success
    assert_line "Default principal: bob@$KS_REALM"
    refute_line --partial "$KS_SERVICE"
    [ "$(grep -c krbtgt <<<"$output")" -eq 1 ]
}

@test "interop: MIT's kinit replaces a cache our kinit made" {
    "$KINIT" bob <<<"bob-pw" >/dev/null
    echo alice-pw | "$MIT_KINIT" alice >/dev/null
    run "$MIT_KLIST"
    assert_line "Default principal: alice@$KS_REALM"
}

@test "interop: a DIR collection, as MIT's kinit switches it" {
    export KRB5CCNAME=DIR:$BATS_TEST_TMPDIR/dir
    "$KINIT" bob <<<"bob-pw" >/dev/null
    run --separate-stderr "$KINIT" -V -k -t "$KS_REALM_DIR/robot.keytab" robot
    assert_success
    [[ ${stderr_lines[0]} == "Using new cache: "* ]]
    run "$MIT_KLIST" -l
    assert_success
    assert_line --regexp "^bob@$KS_REALM +DIR:"
    assert_line --regexp "^robot@$KS_REALM +DIR:"
    # robot's cache is now the primary one, as after MIT's kinit.
    run "$MIT_KLIST"
    assert_line "Default principal: robot@$KS_REALM"
    run --separate-stderr "$KINIT" -V bob <<<"bob-pw"
    assert_success
    [[ ${stderr_lines[0]} == "Using existing cache: "* ]]
    run "$MIT_KLIST"
    assert_line "Default principal: bob@$KS_REALM"
}

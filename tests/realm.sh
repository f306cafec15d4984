# shellcheck shell=bash
# A throwaway MIT realm on 127.0.0.1: sourced by the bats suites (through
# e2e/helpers.bash) and by ./demo.  Everything lives in one directory; the
# KDC is started in the foreground mode (-n) in the background, and stopped
# by its PID.
#
#   ks_realm_create DIR [REALM]   create, start, export KRB5_CONFIG & co.
#   ks_realm_stop DIR             stop the KDC started for DIR
#   ks_realm_kadmin DIR CMD...    run kadmin.local commands in DIR's realm
#
# Principals (password = name + "-pw" unless said otherwise):
#   alice       +requires_preauth       password alice-pw
#   bob         no pre-authentication   password bob-pw
#   robot       random key, in $DIR/robot.keytab
#   renew       renewable up to 7 days  password renew-pw
#   HTTP/web.<realm lowercased>  random key, in $DIR/service.keytab
#   krbtgt/<REALM> in $DIR/krbtgt.keytab (for inspecting TGTs)

KS_REALM_MASTER_PW=master-pw-not-secret

# A TCP and UDP port both free on 127.0.0.1, from the kernel's choice.
ks_free_port() {
    /usr/bin/python3 - <<'PY'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    print(port)
    break
PY
}

# Wait, bounded (10 s), until the daemon whose PID is in PIDFILE listens on
# PORT over UDP and TCP.  Returns 1 if it died or never listened.
ks_wait_listening() {
    local port=$1 pidfile=$2 i
    for ((i = 0; i < 100; i++)); do
        if [ -n "$(ss -Hlnu "( sport = :$port )" 2>/dev/null)" ] &&
            [ -n "$(ss -Hlnt "( sport = :$port )" 2>/dev/null)" ]; then
            return 0
        fi
        kill -0 "$(cat "$pidfile")" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Stop the process whose PID is in PIDFILE: TERM, up to 5 s, then KILL.
ks_stop_pidfile() {
    local pidfile=$1 pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

ks_realm_write_conf() {
    local dir=$1 realm=$2 port=$3
    local lc
    lc=$(echo "$realm" | tr '[:upper:]' '[:lower:]')
    cat >"$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    request_timeout = 3
    ticket_lifetime = 10h

[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    .$lc = $realm
    $lc = $realm
CONF
    cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 10h
        max_renewable_life = 7d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:$dir/kdc.log
CONF
    : >"$dir/kadm5.acl"
}

ks_realm_kadmin() {
    local dir=$1
    shift
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kadmin.local -r "$(cat "$dir/realm")" -q "$*" >/dev/null
}

# Start the KDC for DIR and wait, bounded, until it listens on UDP and TCP.
ks_realm_start() {
    local dir=$1 port realm
    port=$(cat "$dir/port")
    realm=$(cat "$dir/realm")
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        krb5kdc -n -r "$realm" -P "$dir/kdc.pidfile" \
        >>"$dir/kdc.out" 2>&1 &
    echo $! >"$dir/kdc.pid"
    ks_wait_listening "$port" "$dir/kdc.pid" && return 0
    echo "realm fixture: krb5kdc did not start on port $port:" >&2
    cat "$dir/kdc.out" "$dir/kdc.log" >&2 2>/dev/null
    return 1
}

ks_realm_stop() {
    ks_stop_pidfile "$1/kdc.pid"
}

ks_realm_create() {
    local dir=$1 realm=${2:-TEST.REALM} port lc
    lc=$(echo "$realm" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$dir"
    port=$(ks_free_port)
    [ -n "$port" ] || { echo "realm fixture: no free port" >&2; return 1; }
    echo "$port" >"$dir/port"
    echo "$realm" >"$dir/realm"
    ks_realm_write_conf "$dir" "$realm" "$port"
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kdb5_util create -s -r "$realm" -P "$KS_REALM_MASTER_PW" \
        >"$dir/kdb5_util.out" 2>&1 || {
        cat "$dir/kdb5_util.out" >&2
        return 1
    }
    # One kadmin.local for all principals: much faster than one each.
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kadmin.local -r "$realm" >"$dir/kadmin.out" 2>&1 <<KADMIN || {
modprinc -maxrenewlife 7d krbtgt/$realm
addprinc +requires_preauth -pw alice-pw alice
addprinc -requires_preauth -pw bob-pw bob
addprinc -randkey robot
ktadd -k $dir/robot.keytab -norandkey robot
addprinc -maxrenewlife 7d -pw renew-pw renew
addprinc -randkey HTTP/web.$lc
ktadd -k $dir/service.keytab -norandkey HTTP/web.$lc
ktadd -k $dir/krbtgt.keytab -norandkey krbtgt/$realm
KADMIN
        cat "$dir/kadmin.out" >&2
        return 1
    }
    ks_realm_start "$dir" || return 1
    export KRB5_CONFIG=$dir/krb5.conf
    export KRB5_KDC_PROFILE=$dir/kdc.conf
    export KRB5CCNAME=FILE:$dir/ccache
    export KRB5_KTNAME=FILE:$dir/service.keytab
    export KRB5_CLIENT_KTNAME=FILE:$dir/robot.keytab
    export KS_REALM=$realm
    export KS_REALM_DIR=$dir
    export KS_REALM_PORT=$port
    export KS_SERVICE=HTTP/web.$lc
}

# Link the realms of DIR_A and DIR_B (both made by ks_realm_create) for
# cross-realm tests: krbtgt/B@A and krbtgt/A@B with the same password in
# both databases, and in each directory a krb5.conf that names both realms,
# with [capaths] (direct both ways) and [domain_realm] for both; the KDCs
# are restarted to read it (their referrals come from its [domain_realm]).
# Exports KRB5_CONFIG=$DIR_A/krb5.conf and KS_OTHER_REALM, KS_OTHER_DIR,
# KS_OTHER_SERVICE.
ks_realm_link() {
    local a=$1 b=$2 ra rb pa pb la lb pw=cross-realm-pw-not-secret dir
    ra=$(cat "$a/realm") rb=$(cat "$b/realm")
    pa=$(cat "$a/port") pb=$(cat "$b/port")
    la=$(echo "$ra" | tr '[:upper:]' '[:lower:]')
    lb=$(echo "$rb" | tr '[:upper:]' '[:lower:]')
    for dir in "$a" "$b"; do
        ks_realm_kadmin "$dir" "addprinc -pw $pw krbtgt/$rb@$ra" \
            2>>"$dir/kadmin.out" || return 1
        ks_realm_kadmin "$dir" "addprinc -pw $pw krbtgt/$ra@$rb" \
            2>>"$dir/kadmin.out" || return 1
    done
    for dir in "$a" "$b"; do
        cat >"$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $(cat "$dir/realm")
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    request_timeout = 3
    ticket_lifetime = 10h

[realms]
    $ra = {
        kdc = 127.0.0.1:$pa
    }
    $rb = {
        kdc = 127.0.0.1:$pb
    }

[domain_realm]
    .$la = $ra
    $la = $ra
    .$lb = $rb
    $lb = $rb

[capaths]
    $ra = {
        $rb = .
    }
    $rb = {
        $ra = .
    }
CONF
        ks_realm_stop "$dir"
        ks_realm_start "$dir" || return 1
    done
    export KRB5_CONFIG=$a/krb5.conf
    export KS_OTHER_REALM=$rb
    export KS_OTHER_DIR=$b
    export KS_OTHER_SERVICE=HTTP/web.$lb
}

# Start tests/tools/fakekdc.py with ARGS... in the background, named NAME
# under DIR: its port in DIR/NAME.port (and echoed), its PID in
# DIR/NAME.pid, one line per request in DIR/NAME.log.  fd 3 is closed for
# it, or bats would wait for it to exit.  Stop it with ks_fakekdc_stop.
ks_fakekdc_start() {
    local dir=$1 name=$2 i port
    shift 2
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/tools/fakekdc.py" \
        --lifetime 120 --log "$dir/$name.log" "$@" \
        >"$dir/$name.port" 2>"$dir/$name.err" 3>&- &
    echo $! >"$dir/$name.pid"
    for ((i = 0; i < 100; i++)); do
        port=$(head -n1 "$dir/$name.port" 2>/dev/null || true)
        if [ -n "$port" ]; then
            echo "$port"
            return 0
        fi
        kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/$name.err" >&2
    return 1
}

ks_fakekdc_stop() {
    local dir=$1 name=$2 pid
    [ -f "$dir/$name.pid" ] || return 0
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
}

# Requests a fake KDC started by ks_fakekdc_start has received so far.
ks_fakekdc_count() {
    if [ -f "$1/$2.log" ]; then wc -l <"$1/$2.log"; else echo 0; fi
}

# In the krb5.conf FILE: add realm REALM with the relations LINE... (for
# example "kdc = 127.0.0.1:8888") at the top of [realms].
ks_conf_add_realm() {
    local file=$1 realm=$2 line body=""
    shift 2
    for line in "$@"; do body+="        $line\n"; done
    sed -i "s|^\[realms\]\$|[realms]\n    $realm = {\n${body}    }|" "$file"
}

# In the krb5.conf FILE: add the relation LINE to [libdefaults].
ks_conf_add_libdefault() {
    sed -i "s|^\[libdefaults\]\$|[libdefaults]\n    $2|" "$1"
}

# Run DIR's KDC again under libfaketime with its clock moved by OFFSET
# ("+1h"); returns 1 when libfaketime is not installed (skip the test).
ks_realm_restart_faketime() {
    local dir=$1 offset=$2 lib
    lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1)
    [ -n "$lib" ] || return 1
    ks_realm_stop "$dir"
    LD_PRELOAD=$lib FAKETIME=$offset ks_realm_start "$dir"
}

# Start kadmind for DIR's realm, for password changes (kpasswd) and kadmin,
# on free 127.0.0.1 ports, and wait, bounded, until kpasswd listens on UDP
# and TCP.  Names both in DIR's kdc.conf (kpasswd_listen, kadmind_listen)
# and krb5.conf (kpasswd_server, admin_server; call it after
# ks_realm_link, which rewrites krb5.conf).  Exports KS_KPASSWD_PORT.
# Stop it with ks_realm_stop_kadmind DIR.
ks_realm_start_kadmind() {
    local dir=$1 realm port kp ka i
    realm=$(cat "$dir/realm")
    port=$(cat "$dir/port")
    kp=$(ks_free_port)
    for ((i = 0; i < 20; i++)); do
        ka=$(ks_free_port)
        [ "$ka" != "$kp" ] && break
    done
    [ -n "$kp" ] && [ -n "$ka" ] && [ "$ka" != "$kp" ] || {
        echo "realm fixture: no free ports for kadmind" >&2
        return 1
    }
    grep -v -E 'kpasswd_listen|kadmind_listen|admin_server = FILE' \
        "$dir/kdc.conf" |
        awk -v acl="acl_file = $dir/kadm5.acl" -v kp="$kp" -v ka="$ka" \
            -v logfile="$dir/kadmind.log" '
            { print }
            index($0, acl) { print "        kpasswd_listen = 127.0.0.1:" kp
                             print "        kadmind_listen = 127.0.0.1:" ka }
            /^\[logging\]/ { print "    admin_server = FILE:" logfile }
        ' >"$dir/kdc.conf.new" && mv "$dir/kdc.conf.new" "$dir/kdc.conf"
    grep -v -E 'kpasswd_server|admin_server' "$dir/krb5.conf" |
        awk -v kdc="kdc = 127.0.0.1:$port" -v kp="$kp" -v ka="$ka" '
            { print }
            $0 ~ "^ *" kdc "$" {
                print "        kpasswd_server = 127.0.0.1:" kp
                print "        admin_server = 127.0.0.1:" ka }
        ' >"$dir/krb5.conf.new" && mv "$dir/krb5.conf.new" "$dir/krb5.conf"
    echo "$kp" >"$dir/kpasswd.port"
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kadmind -nofork -r "$realm" -P "$dir/kadmind.pidfile" \
        >>"$dir/kadmind.out" 2>&1 3>&- &
    echo $! >"$dir/kadmind.pid"
    if ks_wait_listening "$kp" "$dir/kadmind.pid"; then
        export KS_KPASSWD_PORT=$kp
        return 0
    fi
    echo "realm fixture: kadmind did not start on port $kp:" >&2
    cat "$dir/kadmind.out" "$dir/kadmind.log" >&2 2>/dev/null
    return 1
}

# Stop the kadmind started for DIR by ks_realm_start_kadmind, by its PID.
ks_realm_stop_kadmind() {
    ks_stop_pidfile "$1/kadmind.pid"
}

# Write to OUT a copy of DIR's client krb5.conf (made by ks_realm_create)
# with KEY = VALUE added to the realm's [realms] entry, for a client-side
# realm option such as
#   ks_realm_client_conf DIR OUT disable_encrypted_timestamp true
# (use it with KRB5_CONFIG=OUT; the KDC is untouched).
ks_realm_client_conf() {
    local dir=$1 out=$2 key=$3 value=$4
    sed "/^        kdc = /a\\        $key = $value" "$dir/krb5.conf" >"$out"
}

# ---- cross-realm keys without a shared krb5.conf (crossrealm_order.bats) ----

# Cross-realm keys between the realms of DIR_A and DIR_B (made by
# ks_realm_create): krbtgt/B@A and krbtgt/A@B with the same password in
# both databases.  Unlike ks_realm_link, no krb5.conf is written and no KDC
# restarted (the KDCs read their databases as they go); the test writes its
# client configuration with ks_realm_conf_all.
ks_realm_add_cross_keys() {
    local a=$1 b=$2 ra rb pw=cross-realm-pw-not-secret dir
    ra=$(cat "$a/realm") rb=$(cat "$b/realm")
    for dir in "$a" "$b"; do
        ks_realm_kadmin "$dir" "addprinc -pw $pw krbtgt/$rb@$ra" \
            2>>"$dir/kadmin.out" || return 1
        ks_realm_kadmin "$dir" "addprinc -pw $pw krbtgt/$ra@$rb" \
            2>>"$dir/kadmin.out" || return 1
    done
}

# Write to OUT a client krb5.conf whose default realm is DIR_1's and which
# names the KDC and [domain_realm] of every DIR given, with no [capaths]:
# cross-realm paths follow the realm hierarchy.
ks_realm_conf_all() {
    local out=$1 dir realm lc
    shift
    {
        printf '[libdefaults]\n    default_realm = %s\n' "$(cat "$1/realm")"
        printf '    dns_lookup_kdc = false\n    dns_lookup_realm = false\n'
        printf '    rdns = false\n    dns_canonicalize_hostname = false\n'
        printf '    request_timeout = 3\n    ticket_lifetime = 10h\n\n'
        printf '[realms]\n'
        for dir in "$@"; do
            printf '    %s = {\n        kdc = 127.0.0.1:%s\n    }\n' \
                "$(cat "$dir/realm")" "$(cat "$dir/port")"
        done
        printf '\n[domain_realm]\n'
        for dir in "$@"; do
            realm=$(cat "$dir/realm")
            lc=$(echo "$realm" | tr '[:upper:]' '[:lower:]')
            printf '    .%s = %s\n    %s = %s\n' "$lc" "$realm" "$lc" "$realm"
        done
    } >"$out"
}

# ---- krb5.conf parity (tests/e2e/parity_conf.bats) -----------------------

# Give DIR's krbtgt new random keys of the enctypes KEYSALTS (for example
# "arcfour-hmac:normal"; supported_enctypes in DIR's kdc.conf is widened
# to hold them) and, when SESSION is given, the session_enctypes string
# attribute SESSION, so that the KDC issues TGT session keys only of those
# enctypes.  Restarts DIR's KDC to read kdc.conf again.
ks_realm_krbtgt_keys() {
    local dir=$1 keysalts=$2 session=${3:-} realm
    realm=$(cat "$dir/realm")
    sed -i "s/^\( *supported_enctypes = .*\)\$/\1 $keysalts/" "$dir/kdc.conf"
    ks_realm_stop "$dir"
    ks_realm_kadmin "$dir" "cpw -randkey -e $keysalts krbtgt/$realm" || return 1
    if [ -n "$session" ]; then
        ks_realm_kadmin "$dir" \
            "setstr krbtgt/$realm session_enctypes $session" || return 1
    fi
    ks_realm_start "$dir"
}

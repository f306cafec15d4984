# shellcheck shell=bash
# Throwaway realms on 127.0.0.1, of either kind: MIT's KDC (Debian's
# krb5-kdc) or Heimdal's (unpacked beside MIT's, see ks_heimdal_root).
# Sourced by the bats suites (through e2e/helpers.bash), ./demo and
# tests/bench/compare.  Everything of a realm lives in one directory; its
# KDC runs in the foreground mode in the background and is stopped by its
# PID.
#
#   ks_realm_create DIR [REALM] [--kind mit|heimdal] [--no-export]
#                        create and start (REALM: TEST.REALM, kind: mit);
#                        export KRB5_CONFIG, KRB5CCNAME, KS_REALM & co.
#                        unless --no-export
#   ks_realm_stop DIR    stop DIR's KDC;  ks_realm_start DIR starts it again
#   ks_realm_link A B    cross-realm keys and one krb5.conf for both realms
#                        (of either kind)
#   ks_realm_addprinc DIR NAME [--password PW] [--preauth] [--renewable]
#                        add a principal (random key without --password)
#   ks_realm_ktadd DIR KEYTAB NAME...   export keys as they are (no new key)
#   ks_realm_kadmin DIR CMD...   the kind's own admin commands (MIT's
#                        kadmin.local -q, Heimdal's kadmin -l), output dropped
#   ks_realm_kind DIR    mit or heimdal
#
# Every realm has (REALM lower-cased as lc):
#   alice       +requires_preauth       password alice-pw
#   bob         no pre-authentication   password bob-pw
#   robot       random key, in $DIR/robot.keytab
#   renew       renewable up to 7 days  password renew-pw
#   HTTP/web.<lc>  random key, in $DIR/service.keytab
#   krbtgt/<REALM> in $DIR/krbtgt.keytab (for inspecting TGTs)
# A Heimdal realm also has, for constrained delegation rules (which MIT's
# DB2 back end cannot hold):
#   host/back.<lc>   random key in $DIR/back.keytab; HTTP/web.<lc> may
#                    delegate to it and is trusted for delegation
#   host/other.<lc>  random key, no rule names it
#
# The kinds differ only in a back end of functions ks_<kind>_<verb>:
#   libdefaults       print the kind's own [libdefaults] lines
#   conf DIR          print the kind's server part of krb5.conf (Heimdal's
#                     [kdc]; MIT's KDC reads kdc.conf, made by init)
#   init DIR          create the database
#   setup_cmds REALM  admin commands that set the realm's limits
#   addprinc NAME [--password PW] [--preauth] [--renewable]
#                     print the admin command adding NAME
#   ktadd KEYTAB NAME print the admin command exporting NAME's keys
#   extra_cmds DIR REALM  admin commands for the kind's own principals
#   batch DIR         run the admin commands on stdin in one process;
#                     1 if one failed (its output is in DIR/kadmin.last)
#   kdc DIR           exec the KDC in the foreground

KS_REALM_MASTER_PW=master-pw-not-secret
KS_HEIMDAL_ROOT=${KS_HEIMDAL_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/kstep/heimdal}

# --- shared by both kinds: ports, daemons ------------------------------------

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

# ks_daemon_start DIR NAME PORT COMMAND...: run COMMAND (which must exec the
# daemon, so that its PID is the daemon's) in the background, output to
# DIR/NAME.out, PID to DIR/NAME.pid, and wait, bounded, until it listens on
# PORT over UDP and TCP.  fd 3 is closed for it, or bats would wait for it.
ks_daemon_start() {
    local dir=$1 name=$2 port=$3
    shift 3
    "$@" >>"$dir/$name.out" 2>&1 </dev/null 3>&- &
    echo $! >"$dir/$name.pid"
    ks_wait_listening "$port" "$dir/$name.pid" && return 0
    echo "realm fixture: $name ($1) did not start on port $port:" >&2
    cat "$dir/$name.out" "$dir/$name.log" >&2 2>/dev/null
    return 1
}

ks_realm_kind() {
    cat "$1/kind" 2>/dev/null || echo mit
}

# Run the admin commands on stdin in one process of DIR's kind; its output
# is added to DIR/kadmin.out, and shown on stderr when a command failed.
ks_realm_batch() {
    local dir=$1
    "ks_$(ks_realm_kind "$dir")_batch" "$dir" >"$dir/kadmin.last" 2>&1 || {
        cat "$dir/kadmin.last" >>"$dir/kadmin.out"
        echo "realm fixture: an admin command failed in $dir:" >&2
        cat "$dir/kadmin.last" >&2
        return 1
    }
    cat "$dir/kadmin.last" >>"$dir/kadmin.out"
}

# --- shared by both kinds: realms ------------------------------------------

# Write DIR/krb5.conf for DIR's realm and those of the LINKED directories:
# the client part (every realm's KDC, [domain_realm], and with more than one
# realm [capaths] direct between each pair), then the server part of DIR's
# kind.  Heimdal's parser wants every "{" at the end of its line.
ks_realm_write_krb5_conf() {
    local dir=$1 d r s
    local dirs=("$@")
    {
        printf '[libdefaults]\n'
        printf '    default_realm = %s\n' "$(cat "$dir/realm")"
        printf '    %s\n' "dns_lookup_kdc = false" "dns_lookup_realm = false" \
            "rdns = false" "dns_canonicalize_hostname = false" \
            "request_timeout = 3"
        "ks_$(ks_realm_kind "$dir")_libdefaults"
        printf '\n[realms]\n'
        for d in "${dirs[@]}"; do
            printf '    %s = {\n        kdc = 127.0.0.1:%s\n    }\n' \
                "$(cat "$d/realm")" "$(cat "$d/port")"
        done
        printf '\n[domain_realm]\n'
        for d in "${dirs[@]}"; do
            r=$(cat "$d/realm")
            printf '    .%s = %s\n    %s = %s\n' "${r,,}" "$r" "${r,,}" "$r"
        done
        if [ ${#dirs[@]} -gt 1 ]; then
            printf '\n[capaths]\n'
            for d in "${dirs[@]}"; do
                printf '    %s = {\n' "$(cat "$d/realm")"
                for s in "${dirs[@]}"; do
                    [ "$s" = "$d" ] || printf '        %s = .\n' "$(cat "$s/realm")"
                done
                printf '    }\n'
            done
        fi
        "ks_$(ks_realm_kind "$dir")_conf" "$dir"
    } >"$dir/krb5.conf"
}

# The admin commands for the principals every realm has.
ks_realm_standard_cmds() {
    local kind=$1 dir=$2 realm=$3
    "ks_${kind}_addprinc" alice --password alice-pw --preauth
    "ks_${kind}_addprinc" bob --password bob-pw
    "ks_${kind}_addprinc" robot
    "ks_${kind}_ktadd" "$dir/robot.keytab" robot
    "ks_${kind}_addprinc" renew --password renew-pw --renewable
    "ks_${kind}_addprinc" "HTTP/web.${realm,,}"
    "ks_${kind}_ktadd" "$dir/service.keytab" "HTTP/web.${realm,,}"
    "ks_${kind}_ktadd" "$dir/krbtgt.keytab" "krbtgt/$realm"
}

ks_realm_create() {
    local dir=$1 realm=TEST.REALM kind=mit exports=1 port kt
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --kind) kind=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
        --no-export) exports=0; shift ;;
        *) realm=$1; shift ;;
        esac
    done
    case $kind in
    mit) ;;
    heimdal) ks_heimdal_root || return 1 ;;
    *) echo "realm fixture: no such kind of realm: $kind" >&2; return 1 ;;
    esac
    mkdir -p "$dir"
    port=$(ks_free_port)
    [ -n "$port" ] || { echo "realm fixture: no free port" >&2; return 1; }
    echo "$port" >"$dir/port"
    echo "$realm" >"$dir/realm"
    echo "$kind" >"$dir/kind"
    ks_realm_write_krb5_conf "$dir"
    "ks_${kind}_init" "$dir" || return 1
    # One admin process for all principals: much faster than one each.
    {
        "ks_${kind}_setup_cmds" "$realm"
        ks_realm_standard_cmds "$kind" "$dir" "$realm"
        "ks_${kind}_extra_cmds" "$dir" "$realm"
    } | ks_realm_batch "$dir" || return 1
    for kt in robot service krbtgt; do
        [ -s "$dir/$kt.keytab" ] || {
            echo "realm fixture: no $kt.keytab made in $dir" >&2
            return 1
        }
    done
    ks_realm_start "$dir" || return 1
    [ "$exports" = 1 ] || return 0
    export KRB5_CONFIG=$dir/krb5.conf
    if [ "$kind" = mit ]; then
        export KRB5_KDC_PROFILE=$dir/kdc.conf
    else
        unset KRB5_KDC_PROFILE
    fi
    export KRB5CCNAME=FILE:$dir/ccache
    export KRB5_KTNAME=FILE:$dir/service.keytab
    export KRB5_CLIENT_KTNAME=FILE:$dir/robot.keytab
    export KS_REALM=$realm
    export KS_REALM_DIR=$dir
    export KS_REALM_PORT=$port
    export KS_REALM_KIND=$kind
    export KS_SERVICE=HTTP/web.${realm,,}
}

# Start the KDC for DIR and wait, bounded, until it listens on UDP and TCP.
ks_realm_start() {
    ks_daemon_start "$1" kdc "$(cat "$1/port")" \
        "ks_$(ks_realm_kind "$1")_kdc" "$1"
}

ks_realm_stop() {
    ks_stop_pidfile "$1/kdc.pid"
}

ks_realm_addprinc() {
    local dir=$1
    shift
    "ks_$(ks_realm_kind "$dir")_addprinc" "$@" | ks_realm_batch "$dir"
}

ks_realm_ktadd() {
    local dir=$1 keytab=$2 name
    shift 2
    for name in "$@"; do
        "ks_$(ks_realm_kind "$dir")_ktadd" "$keytab" "$name"
    done | ks_realm_batch "$dir"
}

ks_realm_kadmin() {
    local dir=$1
    shift
    case $(ks_realm_kind "$dir") in
    mit)
        KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
            kadmin.local -r "$(cat "$dir/realm")" -q "$*" >/dev/null ;;
    heimdal) ks_heimdal_kadmin "$dir" "$@" >/dev/null ;;
    esac
}

# Link the realms of DIR_A and DIR_B (both made by ks_realm_create, of
# either kind) for cross-realm tests: krbtgt/B@A and krbtgt/A@B with the
# same password in both databases, and in each directory a krb5.conf that
# names both realms, with [capaths] (direct both ways) and [domain_realm]
# for both; the KDCs are restarted to read it (MIT's referrals come from
# its [domain_realm]).  Exports KRB5_CONFIG=$DIR_A/krb5.conf and
# KS_OTHER_REALM, KS_OTHER_DIR, KS_OTHER_SERVICE.
ks_realm_link() {
    local a=$1 b=$2 ra rb pw=cross-realm-pw-not-secret dir
    ra=$(cat "$a/realm") rb=$(cat "$b/realm")
    for dir in "$a" "$b"; do
        ks_realm_addprinc "$dir" "krbtgt/$rb@$ra" --password "$pw" &&
            ks_realm_addprinc "$dir" "krbtgt/$ra@$rb" --password "$pw" ||
            return 1
    done
    ks_realm_write_krb5_conf "$a" "$b"
    ks_realm_write_krb5_conf "$b" "$a"
    for dir in "$a" "$b"; do
        ks_realm_stop "$dir"
        ks_realm_start "$dir" || return 1
    done
    export KRB5_CONFIG=$a/krb5.conf
    export KS_OTHER_REALM=$rb
    export KS_OTHER_DIR=$b
    export KS_OTHER_SERVICE=HTTP/web.${rb,,}
}

# --- the MIT back end --------------------------------------------------------

# MIT's KDC reads kdc.conf (written by ks_mit_init): nothing to add.
ks_mit_conf() { :; }

# Clients of an MIT realm ask for 10 h, the realm's longest.
ks_mit_libdefaults() {
    echo "    ticket_lifetime = 10h"
}

# kdc.conf, an empty kadm5.acl and the database.
ks_mit_init() {
    local dir=$1 realm port
    realm=$(cat "$dir/realm") port=$(cat "$dir/port")
    cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 1d
        max_renewable_life = 7d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:$dir/kdc.log
CONF
    : >"$dir/kadm5.acl"
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kdb5_util create -s -r "$realm" -P "$KS_REALM_MASTER_PW" \
        >"$dir/kdb5_util.out" 2>&1 || {
        cat "$dir/kdb5_util.out" >&2
        return 1
    }
}

ks_mit_setup_cmds() {
    echo "modprinc -maxrenewlife 7d krbtgt/$1"
}

ks_mit_addprinc() {
    local name=$1 args=()
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --password) args+=(-pw "$2"); shift ;;
        --preauth) args+=(+requires_preauth) ;;
        --renewable) args+=(-maxrenewlife 7d) ;;
        esac
        shift
    done
    case " ${args[*]} " in *" -pw "*) ;; *) args+=(-randkey) ;; esac
    echo "addprinc ${args[*]} $name"
}

ks_mit_ktadd() {
    echo "ktadd -k $1 -norandkey $2"
}

ks_mit_extra_cmds() { :; }

# kadmin.local exits 0 after a failed command: its messages tell (com_err's
# "... while ...", and ktadd's and the command loop's own).
ks_mit_batch() {
    local dir=$1 out
    out=$(KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        kadmin.local -r "$(cat "$dir/realm")" 2>&1) || {
        printf '%s\n' "$out"
        return 1
    }
    printf '%s\n' "$out"
    ! grep -q -E ' while |does not exist|Unknown request' <<<"$out"
}

ks_mit_kdc() {
    local dir=$1
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        exec krb5kdc -n -r "$(cat "$dir/realm")" -P "$dir/kdc.pidfile"
}

# --- the Heimdal back end ----------------------------------------------------
#
# Debian's heimdal-kdc and heimdal-clients conflict with MIT's packages, so
# they are not installed: they are fetched with `apt-get download` and
# unpacked with `dpkg -x` into $KS_HEIMDAL_ROOT (default
# ~/.cache/kstep/heimdal), once.  Their libraries (libkdc2-heimdal & co.)
# conflict with nothing and are installed by ./check.

ks_heimdal_kdc_bin() { echo "$KS_HEIMDAL_ROOT/usr/lib/heimdal-servers/kdc"; }
ks_heimdal_kadmin_bin() { echo "$KS_HEIMDAL_ROOT/usr/bin/kadmin.heimdal"; }
ks_heimdal_kstash_bin() { echo "$KS_HEIMDAL_ROOT/usr/sbin/kstash"; }

# Unpack heimdal-kdc and heimdal-clients once (a lock keeps concurrent test
# runs from unpacking twice).  Returns 1, saying why on stderr, when they
# cannot be unpacked or a library they need is not installed.
ks_heimdal_root() {
    local work missing
    if ! [ -x "$(ks_heimdal_kdc_bin)" ] || ! [ -x "$(ks_heimdal_kadmin_bin)" ]; then
        command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
            echo "Heimdal's KDC: no apt-get and dpkg to unpack it" >&2
            return 1
        }
        mkdir -p "$KS_HEIMDAL_ROOT" || return 1
        (
            flock -w 300 9 || exit 1
            [ -x "$(ks_heimdal_kdc_bin)" ] && exit 0
            work=$(mktemp -d) || exit 1
            rc=1
            if (cd "$work" && timeout 200 apt-get download heimdal-kdc \
                heimdal-clients >/dev/null 2>&1); then
                rc=0
                for deb in "$work"/*.deb; do
                    dpkg -x "$deb" "$KS_HEIMDAL_ROOT" || rc=1
                done
            fi
            rm -rf "$work"
            exit $rc
        ) 9>"$KS_HEIMDAL_ROOT/.lock" || {
            echo "Heimdal's KDC: apt-get download heimdal-kdc heimdal-clients failed" >&2
            return 1
        }
    fi
    # The libraries must be installed for the programs to start.
    missing=$(ldd "$(ks_heimdal_kdc_bin)" "$(ks_heimdal_kadmin_bin)" \
        "$(ks_heimdal_kstash_bin)" 2>&1 | awk '/not found/ { print $1 }' |
        sort -u | tr '\n' ' ')
    [ -z "$missing" ] || {
        echo "Heimdal's KDC: libraries not found: $missing(./check installs their packages)" >&2
        return 1
    }
}

# Heimdal's admin tool, local mode, on DIR's database; prints its output.
ks_heimdal_kadmin() {
    local dir=$1
    shift
    KRB5_CONFIG=$dir/krb5.conf "$(ks_heimdal_kadmin_bin)" -l \
        -c "$dir/krb5.conf" "$@"
}

# The server part of krb5.conf (Heimdal's KDC reads krb5.conf), printed;
# the same enctypes as MIT's realms.
ks_heimdal_conf() {
    local dir=$1
    cat <<CONF

[kdc]
    database = {
        dbname = $dir/heimdal
        realm = $(cat "$dir/realm")
        mkey_file = $dir/m-key
        acl_file = $dir/kadmind.acl
        log_file = $dir/iprop.log
    }
    logging = FILE:$dir/kdc.log

[kadmin]
    default_keys = aes256-cts-hmac-sha1-96:pw-salt aes128-cts-hmac-sha1-96:pw-salt
CONF
}

# Clients of a Heimdal realm ask for MIT's default of a day: beyond the
# realm's 10 h, which makes the KDC issue renewable tickets (renewable-ok).
ks_heimdal_libdefaults() { :; }

ks_heimdal_init() {
    local dir=$1
    : >"$dir/kadmind.acl"
    KRB5_CONFIG=$dir/krb5.conf "$(ks_heimdal_kstash_bin)" --random-key \
        --key-file="$dir/m-key" >"$dir/kstash.out" 2>&1 || {
        cat "$dir/kstash.out" >&2
        return 1
    }
}

ks_heimdal_setup_cmds() {
    echo "init --realm-max-ticket-life=10h --realm-max-renewable-life=7d $1"
}

ks_heimdal_addprinc() {
    local name=$1 args=(--use-defaults)
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --password) args+=("--password=$2"); shift ;;
        --preauth) args+=(--attributes=requires-pre-auth) ;;
        --renewable) args+=(--max-renewable-life=7d) ;;
        esac
        shift
    done
    case " ${args[*]} " in *" --password="*) ;; *) args+=(--random-key) ;; esac
    echo "add ${args[*]} $name"
}

ks_heimdal_ktadd() {
    echo "ext_keytab -k $1 $2"
}

ks_heimdal_extra_cmds() {
    local dir=$1 lc=${2,,}
    ks_heimdal_addprinc "host/back.$lc"
    ks_heimdal_addprinc "host/other.$lc"
    echo "modify --constrained-delegation=host/back.$lc@$2 HTTP/web.$lc"
    echo "modify -a +trusted-for-delegation HTTP/web.$lc"
    ks_heimdal_ktadd "$dir/back.keytab" "host/back.$lc"
}

ks_heimdal_batch() {
    ks_heimdal_kadmin "$1"
}

ks_heimdal_kdc() {
    local dir=$1
    KRB5_CONFIG=$dir/krb5.conf exec "$(ks_heimdal_kdc_bin)" \
        -c "$dir/krb5.conf" --addresses=127.0.0.1 --ports="$(cat "$dir/port")"
}

# The names tests/heimdal.sh gave: a Heimdal realm that exports nothing.
ks_heimdal_create() {
    ks_realm_create "$1" "$2" --kind heimdal --no-export
}
ks_heimdal_start() { ks_realm_start "$@"; }
ks_heimdal_stop() { ks_realm_stop "$@"; }

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

# The path of libfaketime (Debian's faketime), or nothing.
ks_faketime_lib() {
    ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1
}

# Run DIR's KDC again under libfaketime with its clock moved by OFFSET
# ("+1h"); returns 1 when libfaketime is not installed (ks_faketime_lib)
# or the KDC did not start.
ks_realm_restart_faketime() {
    local dir=$1 offset=$2 lib
    lib=$(ks_faketime_lib)
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
    local dir=$1 port kp ka i
    [ "$(ks_realm_kind "$dir")" = mit ] || {
        echo "realm fixture: kadmind is MIT's; $dir is a $(ks_realm_kind "$dir") realm" >&2
        return 1
    }
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
    ks_daemon_start "$dir" kadmind "$kp" ks_mit_kadmind "$dir" || return 1
    export KS_KPASSWD_PORT=$kp
}

ks_mit_kadmind() {
    local dir=$1
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf \
        exec kadmind -nofork -r "$(cat "$dir/realm")" -P "$dir/kadmind.pidfile"
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

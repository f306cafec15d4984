# shellcheck shell=bash
# A throwaway Heimdal realm on 127.0.0.1, beside MIT's: for what MIT's DB2
# KDC cannot do, such as constrained delegation (S4U2Proxy) rules.
# Sourced by bats suites after e2e/helpers.bash (which gives ks_free_port).
#
# Debian's heimdal-kdc and heimdal-clients conflict with MIT's packages, so
# they are not installed: they are fetched with `apt-get download` and
# unpacked with `dpkg -x` into $KS_HEIMDAL_ROOT (default
# ~/.cache/kstep/heimdal), once.  Their libraries (libkdc2-heimdal & co.)
# conflict with nothing and are installed by ./check.
#
#   ks_heimdal_root               unpack the programs if needed; 1 if not
#                                 possible (the caller skips)
#   ks_heimdal_create DIR REALM   database, principals, KDC started; writes
#                                 DIR/krb5.conf (for MIT's tools too)
#   ks_heimdal_kadmin DIR ARGS... kadmin -l in DIR's realm
#   ks_heimdal_stop DIR           stop the KDC started for DIR
#
# Principals (REALM lower-cased as lc):
#   alice                  password alice-pw
#   HTTP/web.<lc>          random key in DIR/service.keytab; may delegate
#                          to host/back.<lc> (constrained delegation) and
#                          is trusted for delegation (forwardable S4U2Self)
#   host/back.<lc>         random key in DIR/back.keytab
#   host/other.<lc>        random key, no rule names it

KS_HEIMDAL_ROOT=${KS_HEIMDAL_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/kstep/heimdal}

ks_heimdal_kdc_bin() { echo "$KS_HEIMDAL_ROOT/usr/lib/heimdal-servers/kdc"; }
ks_heimdal_kadmin_bin() { echo "$KS_HEIMDAL_ROOT/usr/bin/kadmin.heimdal"; }

# Unpack heimdal-kdc and heimdal-clients once (a lock keeps concurrent test
# runs from unpacking twice).
ks_heimdal_root() {
    local work
    [ -x "$(ks_heimdal_kdc_bin)" ] && [ -x "$(ks_heimdal_kadmin_bin)" ] &&
        return 0
    command -v apt-get >/dev/null && command -v dpkg >/dev/null || return 1
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
    ) 9>"$KS_HEIMDAL_ROOT/.lock" || return 1
    # The libraries must be installed for the programs to start.
    "$(ks_heimdal_kadmin_bin)" --version >/dev/null 2>&1
}

ks_heimdal_kadmin() {
    local dir=$1
    shift
    KRB5_CONFIG=$dir/krb5.conf "$(ks_heimdal_kadmin_bin)" -l \
        -c "$dir/krb5.conf" "$@"
}

# Heimdal's configuration parser wants every "{" at the end of its line.
ks_heimdal_write_conf() {
    local dir=$1 realm=$2 port=$3 lc
    lc=$(echo "$realm" | tr '[:upper:]' '[:lower:]')
    cat >"$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    request_timeout = 3

[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    .$lc = $realm

[kdc]
    database = {
        dbname = $dir/heimdal
        realm = $realm
        mkey_file = $dir/m-key
        acl_file = $dir/kadmind.acl
        log_file = $dir/iprop.log
    }
    logging = FILE:$dir/kdc.log
CONF
}

# Start the KDC for DIR; wait, bounded, until it listens on UDP and TCP.
ks_heimdal_start() {
    local dir=$1 port
    port=$(cat "$dir/port")
    KRB5_CONFIG=$dir/krb5.conf "$(ks_heimdal_kdc_bin)" -c "$dir/krb5.conf" \
        --addresses=127.0.0.1 --ports="$port" >>"$dir/kdc.out" 2>&1 &
    echo $! >"$dir/kdc.pid"
    ks_wait_listening "$port" "$dir/kdc.pid" && return 0
    echo "heimdal fixture: kdc did not start on port $port:" >&2
    cat "$dir/kdc.out" "$dir/kdc.log" >&2 2>/dev/null
    return 1
}

ks_heimdal_stop() {
    ks_stop_pidfile "$1/kdc.pid"
}

ks_heimdal_create() {
    local dir=$1 realm=$2 port lc
    lc=$(echo "$realm" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$dir"
    port=$(ks_free_port)
    [ -n "$port" ] || { echo "heimdal fixture: no free port" >&2; return 1; }
    echo "$port" >"$dir/port"
    echo "$realm" >"$dir/realm"
    ks_heimdal_write_conf "$dir" "$realm" "$port"
    : >"$dir/kadmind.acl"
    KRB5_CONFIG=$dir/krb5.conf "$KS_HEIMDAL_ROOT/usr/sbin/kstash" \
        --random-key --key-file="$dir/m-key" >"$dir/setup.out" 2>&1 &&
    {
        ks_heimdal_kadmin "$dir" init --realm-max-ticket-life=10h \
            --realm-max-renewable-life=7d "$realm" &&
        ks_heimdal_kadmin "$dir" add --use-defaults --password=alice-pw alice &&
        ks_heimdal_kadmin "$dir" add --use-defaults --random-key \
            "HTTP/web.$lc" &&
        ks_heimdal_kadmin "$dir" add --use-defaults --random-key \
            "host/back.$lc" &&
        ks_heimdal_kadmin "$dir" add --use-defaults --random-key \
            "host/other.$lc" &&
        ks_heimdal_kadmin "$dir" modify \
            --constrained-delegation="host/back.$lc@$realm" "HTTP/web.$lc" &&
        ks_heimdal_kadmin "$dir" modify -a +trusted-for-delegation \
            "HTTP/web.$lc" &&
        ks_heimdal_kadmin "$dir" ext_keytab -k "$dir/service.keytab" \
            "HTTP/web.$lc" &&
        ks_heimdal_kadmin "$dir" ext_keytab -k "$dir/back.keytab" \
            "host/back.$lc"
    } >>"$dir/setup.out" 2>&1 || {
        cat "$dir/setup.out" >&2
        return 1
    }
    ks_heimdal_start "$dir"
}

# shellcheck shell=bash
# A throwaway Samba Active Directory DC (realm AD.TEST), each in a network
# namespace that has only its own loopback, so that several bats files can
# run one side by side, every one on 127.0.0.1:88 of its own namespace.
#
# Provisioning takes about 12 s of CPU, so it is done once, into a template
# ($KS_SAMBA_TEMPLATE, by default ~/.cache/kstep/samba-<hash of this file>,
# so that a change here provisions afresh); ./check makes it before the
# suites start, and a bats file that finds none makes it (a lock keeps two
# from provisioning at once).  Each DC is a copy of the template.
#
#   ks_samba_usable               1 and a reason on stdout if no DC can run
#                                 here (not root, Samba not installed)
#   ks_samba_template             provision the template if needed
#   ks_samba_create DIR           copy the template to DIR, start the DC in a
#                                 namespace of its own; writes DIR/krb5.conf,
#                                 DIR/ns (the namespace) and DIR/samba.pid
#   ks_samba_stop DIR             stop that DC by its PID, delete its namespace
#   ks_samba_tool DIR ARGS...     samba-tool on DIR's database
#   ks_samba_in DIR CMD...        CMD inside DIR's namespace (clients)
#
# Accounts (password = name + "-pw"; AD's complexity rules are off):
#   alice                  a user, member of the group "staff";
#                          alice.keytab holds her keys
#   bob                    UPN bob@corp.example (another suffix)
#   carol                  must change her password at the next logon
#   svc1      HTTP/web.ad.test   no msDS-SupportedEncryptionTypes (rc4
#                                tickets); svc1.keytab is the export under
#                                the account name (svc1@AD.TEST: aes256,
#                                aes128, rc4), svc1-spn.keytab under the SPN
#   svcaes    HTTP/aes.ad.test   msDS-SupportedEncryptionTypes 24 (AES only)
#   svcrc4    HTTP/rc4.ad.test   msDS-SupportedEncryptionTypes 4 (rc4 only)
#   svcdeleg  HTTP/front.ad.test may authenticate as anyone (S4U2Self with
#                                any protocol) and delegate to
#                                HTTP/back.ad.test (S4U2Proxy)
#   svcback   HTTP/back.ad.test
#   krbtgt                       krbtgt.keytab (krbtgt@AD.TEST)
# Every svc* account has NAME.keytab, exported under the account name.

KS_SAMBA_REALM=AD.TEST
KS_SAMBA_ADMINPW='Admin-pw-1!'

ks_samba_template_dir() {
    local sum
    sum=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
    echo "${KS_SAMBA_TEMPLATE:-${XDG_CACHE_HOME:-$HOME/.cache}/kstep/samba-$sum}"
}

ks_samba_usable() {
    local p
    if [ "$(id -u)" -ne 0 ]; then
        echo "a Samba DC in a network namespace needs root"
        return 1
    fi
    for p in samba samba-tool ip ss; do
        command -v "$p" >/dev/null || {
            echo "$p is not installed (./check installs samba and friends)"
            return 1
        }
    done
}

# samba-tool on the database of the provisioned tree DIR.
ks_samba_tool() {
    local dir=$1
    shift
    samba-tool "$@" -s "$dir/etc/smb.conf" -H "$dir/private/sam.ldb"
}

# Apply an LDIF (stdin) to DIR's database: samba-tool has no generic way to
# set one attribute, Samba's Python bindings have.
ks_samba_ldif() {
    /usr/bin/python3 -c '
import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load(sys.argv[1] + "/etc/smb.conf")
db = SamDB(url=sys.argv[1] + "/private/sam.ldb",
           session_info=system_session(), lp=lp)
db.modify_ldif(sys.stdin.read().replace("@BASE@", str(db.domain_dn())))
' "$1"
}

# The smb.conf edits: no forwarder off the machine, loopback only, no
# NetBIOS, only the services the tests use, logs under DIR.
ks_samba_edit_conf() {
    local dir=$1 conf=$1/etc/smb.conf
    sed -i -e '/dns forwarder/d' -e '/^\s*log file\s*=/d' "$conf"
    sed -i "/^\[global\]/a\\
\tinterfaces = lo\\
\tbind interfaces only = yes\\
\tdisable netbios = yes\\
\tserver services = kdc\\
\tlog file = $dir/log.samba\\
\tpid directory = $dir/run\\
\tncalrpc dir = $dir/ncalrpc\\
\tlog level = 1" "$conf"
    mkdir -p "$dir/cache" "$dir/run" "$dir/ncalrpc"
}

ks_samba_accounts() {
    local dir=$1 u
    ks_samba_tool "$dir" domain passwordsettings set --complexity=off \
        --min-pwd-length=1 --min-pwd-age=0 --history-length=0 >/dev/null || return 1
    for u in alice bob svc1 svcaes svcrc4 svcdeleg svcback; do
        ks_samba_tool "$dir" user create "$u" "$u-pw" >/dev/null || return 1
    done
    ks_samba_tool "$dir" user create carol carol-pw \
        --must-change-at-next-login >/dev/null || return 1
    # A group of alice's own, so that her PAC's LOGON_INFO has a group SID
    # to compare with memberOf.
    ks_samba_tool "$dir" group add staff >/dev/null &&
        ks_samba_tool "$dir" group addmembers staff alice >/dev/null &&
        ks_samba_tool "$dir" spn add HTTP/web.ad.test svc1 &&
        ks_samba_tool "$dir" spn add HTTP/aes.ad.test svcaes &&
        ks_samba_tool "$dir" spn add HTTP/rc4.ad.test svcrc4 &&
        ks_samba_tool "$dir" spn add HTTP/front.ad.test svcdeleg &&
        ks_samba_tool "$dir" spn add HTTP/back.ad.test svcback &&
        ks_samba_tool "$dir" delegation for-any-protocol svcdeleg on &&
        ks_samba_tool "$dir" delegation add-service svcdeleg \
            HTTP/back.ad.test || return 1
    ks_samba_ldif "$dir" <<'LDIF' || return 1
dn: CN=svcaes,CN=Users,@BASE@
changetype: modify
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 24

dn: CN=svcrc4,CN=Users,@BASE@
changetype: modify
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 4

dn: CN=bob,CN=Users,@BASE@
changetype: modify
replace: userPrincipalName
userPrincipalName: bob@corp.example
LDIF
    for u in alice svc1 svcaes svcrc4 svcdeleg svcback krbtgt; do
        samba-tool domain exportkeytab "$dir/$u.keytab" --principal="$u" \
            -s "$dir/etc/smb.conf" >/dev/null || return 1
    done
    samba-tool domain exportkeytab "$dir/svc1-spn.keytab" \
        --principal=HTTP/web.ad.test -s "$dir/etc/smb.conf" >/dev/null
}

# Provision into a fresh directory beside the template, then rename it: a
# template that exists is complete.
ks_samba_provision() {
    local tpl=$1 work=$1.new
    rm -rf "$work"
    samba-tool domain provision --targetdir="$work" \
        --realm="$KS_SAMBA_REALM" --domain=ADTEST --server-role=dc \
        --dns-backend=SAMBA_INTERNAL --adminpass="$KS_SAMBA_ADMINPW" \
        --use-rfc2307 --host-name=dc1 >"$tpl.log" 2>&1 || {
        tail -n 20 "$tpl.log"
        return 1
    }
    ks_samba_edit_conf "$work" &&
        ks_samba_accounts "$work" >>"$tpl.log" 2>&1 || {
        tail -n 20 "$tpl.log"
        return 1
    }
    echo "$work" >"$work/template-path"
    mv "$work" "$tpl"
}

ks_samba_template() {
    local tpl
    tpl=$(ks_samba_template_dir)
    [ -f "$tpl/template-path" ] && return 0
    mkdir -p "$(dirname "$tpl")" || return 1
    (
        flock -w 300 9 || exit 1
        [ -f "$tpl/template-path" ] && exit 0
        ks_samba_provision "$tpl"
    ) 9>"$tpl.lock"
}

ks_samba_in() {
    local dir=$1
    shift
    ip netns exec "$(cat "$dir/ns")" "$@"
}

ks_samba_write_krb5_conf() {
    cat >"$1/krb5.conf" <<CONF
[libdefaults]
    default_realm = $KS_SAMBA_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
    request_timeout = 5

[realms]
    $KS_SAMBA_REALM = {
        kdc = 127.0.0.1:88
        kpasswd_server = 127.0.0.1:464
    }

[domain_realm]
    .ad.test = $KS_SAMBA_REALM
    ad.test = $KS_SAMBA_REALM
CONF
}

# Wait, bounded (20 s), until the DC listens on TCP and UDP port 88 in its
# namespace.
ks_samba_wait() {
    local dir=$1 i
    for ((i = 0; i < 200; i++)); do
        if [ -n "$(ks_samba_in "$dir" ss -Hlnt '( sport = :88 )')" ] &&
            [ -n "$(ks_samba_in "$dir" ss -Hlnu '( sport = :88 )')" ]; then
            return 0
        fi
        kill -0 "$(cat "$dir/samba.pid")" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

ks_samba_create() {
    local dir=$1 tpl old ns
    ks_samba_template || return 1
    tpl=$(ks_samba_template_dir)
    old=$(cat "$tpl/template-path")
    mkdir -p "$(dirname "$dir")" && rm -rf "$dir" &&
        cp -a "$tpl" "$dir" || return 1
    # Only smb.conf names the directory the template was provisioned in.
    sed -i "s#$old#$dir#g" "$dir/etc/smb.conf"
    ks_samba_write_krb5_conf "$dir"
    ns=ks-ad-$$-$RANDOM
    ip netns add "$ns" || return 1
    echo "$ns" >"$dir/ns"
    ip -n "$ns" link set lo up || return 1
    ip netns exec "$ns" samba -i -s "$dir/etc/smb.conf" \
        </dev/null >"$dir/samba.out" 2>&1 &
    echo $! >"$dir/samba.pid"
    if ! ks_samba_wait "$dir"; then
        echo "samba fixture: the DC did not start:" >&2
        tail -n 20 "$dir/samba.out" >&2
        return 1
    fi
}

ks_samba_stop() {
    local dir=$1 pid i
    if [ -f "$dir/samba.pid" ]; then
        pid=$(cat "$dir/samba.pid")
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/samba.pid"
    fi
    if [ -f "$dir/ns" ]; then
        ip netns delete "$(cat "$dir/ns")" 2>/dev/null || true
        rm -f "$dir/ns"
    fi
}

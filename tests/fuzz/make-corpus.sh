#!/usr/bin/env bash
# Make the seed corpora of tests/fuzz/corpus/ from real exchanges: a
# throwaway realm (tests/realm.sh), our kinit through a small recording
# proxy (AS-REQ, KRB-ERROR with METHOD-DATA, AS-REP), kstep request and
# send (TGS-REQ, TGS-REP, KRB-ERROR), the realm's krb5.conf, and DNS
# answers for SRV and URI records made by hand.  The files are checked in;
# run this again (from the top of the tree, with build/ built) only to
# renew them.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
build=${1:-build}
corpus=tests/fuzz/corpus
work=$(mktemp -d)
trap 'ks_realm_stop "$work/realm" 2>/dev/null; kill "$proxy" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=../realm.sh
source tests/realm.sh
ks_realm_create "$work/realm" >/dev/null

# A UDP proxy that writes every request and reply it relays to files.
/usr/bin/python3 - "$KS_REALM_PORT" "$work" >"$work/proxy.port" <<'PY' &
import socket, sys
kdc = ("127.0.0.1", int(sys.argv[1])); out = sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
n = 0
while n < 20:
    req, client = s.recvfrom(65536)
    k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); k.settimeout(5)
    k.sendto(req, kdc); rep = k.recv(65536)
    n += 1
    open("%s/msg-%02d-req.der" % (out, n), "wb").write(req)
    open("%s/msg-%02d-rep.der" % (out, n), "wb").write(rep)
    s.sendto(rep, client)
PY
proxy=$!
for _ in $(seq 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
echo alice-pw | "$build/cmd/kinit" --kdc "127.0.0.1:$(cat "$work/proxy.port")" \
    --transport udp alice >/dev/null
"$build/cmd/kstep" request "$KS_SERVICE" -o "$work/tgs-req.der"
"$build/cmd/kstep" send "$work/tgs-req.der" -o "$work/tgs-rep.der"
"$build/cmd/kstep" request HTTP/nowhere.test.realm -o "$work/tgs-req-unknown.der"
"$build/cmd/kstep" send "$work/tgs-req-unknown.der" -o "$work/tgs-err.der" || true

put() { # put TARGET NAME FILE
    mkdir -p "$corpus/$1"
    cp "$3" "$corpus/$1/$2"
}
for f in "$work"/msg-*.der "$work"/tgs-*.der; do
    n=$(basename "$f" .der)
    put der "$n" "$f"
    put decode "$n" "$f"
done
for f in "$work"/msg-*-rep.der; do put as_reply "$(basename "$f" .der)" "$f"; done
for f in "$work"/tgs-rep.der "$work"/tgs-err.der "$work"/tgs-req.der; do
    put tgs_reply "$(basename "$f" .der)" "$f"
done
# The METHOD-DATA of the KRB-ERROR that asked for pre-authentication, and
# the replies as a KDC's TCP stream (length prefix) and datagram.
/usr/bin/python3 - "$work" "$corpus" <<'PY'
import glob, os, struct, sys
work, corpus = sys.argv[1], sys.argv[2]
def tlv(b, i):
    tag = b[i]; i += 1; n = b[i]; i += 1
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i:i+k], "big"); i += k
    return tag, i, n
for f in sorted(glob.glob(work + "/msg-*-rep.der")):
    b = open(f, "rb").read()
    name = os.path.basename(f)[:-4]
    open("%s/transport/%s-tcp" % (corpus, name), "wb").write(struct.pack(">I", len(b)) + b)
    open("%s/transport/%s-udp" % (corpus, name), "wb").write(b)
    if b[0] != 0x7e:
        continue
    _, i, n = tlv(b, 0); _, i, n = tlv(b, i); end = i + n
    while i < end:
        tag, j, n = tlv(b, i)
        if tag == 0xac:                      # [12] e-data
            _, k, m = tlv(b, j)
            open("%s/as_reply/%s-method-data" % (corpus, name), "wb").write(b[k:k+m])
        i = j + n
PY
put config krb5.conf "$work/realm/krb5.conf"
printf 'aes256-cts-hmac-sha1-96 DEFAULT -rc4 +des3 aes-sha2 camellia' >"$corpus/config/enctypes"
printf 'tcp/[::1]:88' >"$corpus/config/kdc-entry"
printf 'alice \xc3\xa9\x01\x1b[2J "quoted" \\back\\ \xff\xfe end' >"$corpus/json/strings"
printf 'plain' >"$corpus/json/plain"
# DNS answers: one SRV record and one URI record for _kerberos.TEST.REALM.
/usr/bin/python3 - "$corpus/dns" <<'PY'
import struct, sys
out = sys.argv[1]
def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".") if l) + b"\0"
def msg(qname, qtype, rdata):
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0)
    q = name(qname) + struct.pack(">HH", qtype, 1)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata
    return hdr + q + rr
srv = struct.pack(">HHH", 0, 10, 88) + name("kdc.test.realm")
open(out + "/srv", "wb").write(msg("_kerberos._udp.TEST.REALM", 33, srv))
uri = struct.pack(">HH", 10, 1) + b"krb5srv:m:tcp:kdc.test.realm:88"
open(out + "/uri", "wb").write(msg("_kerberos.TEST.REALM", 256, uri))
PY
ls -R "$corpus" | head -60

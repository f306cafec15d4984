#!/usr/bin/python3
"""fakekdc: a hand-written fake KDC for what a real one will not do.

It listens on UDP and TCP on the same port of 127.0.0.1 (--port, or a port
free for both when 0), prints that port on stdout, then serves until SIGTERM,
SIGINT or --lifetime seconds.  It never looks inside a request; it answers
every one the same way, by --mode:

  silent       reads every request and never answers; TCP connections are
               accepted and held open (a KDC that is down behind a firewall
               that drops packets, or a hung KDC).
  garbage      answers 29 bytes that are not a Kerberos message ("fakekdc:
               this is not Kerberos"); over TCP with a correct length prefix,
               so only the content is wrong.
  too-big      over UDP: a KRB-ERROR with error-code 52
               (KRB_ERR_RESPONSE_TOO_BIG); over TCP: a KRB-ERROR 60
               (KRB_ERR_GENERIC) whose e-text is "fakekdc: request arrived
               over TCP", so a test can see that the client switched.
  close        over UDP: KRB-ERROR 52, to send the client to TCP at once; over
               TCP: reads the request, writes two bytes of the length prefix
               and closes the connection.
  high-bit     over UDP: KRB-ERROR 52; over TCP: a length prefix with the
               reserved high bit set (0x80000010) and 16 bytes.
  unavailable  a KRB-ERROR 29 (KDC_ERR_SVC_UNAVAILABLE) over UDP and TCP.
  huge         over UDP: KRB-ERROR 52; over TCP: a length prefix of
               0x7ffffff0 (high bit clear, far past any reply a client
               should take) and 16 bytes.
  reset        over UDP: KRB-ERROR 52; over TCP: reads the request and
               resets the connection (SO_LINGER 0), sending nothing.
  drip         over UDP: KRB-ERROR 52; over TCP: a valid KRB-ERROR 60 sent
               one byte a second, so that it never arrives within a short
               client timeout.
  error        a KRB-ERROR over UDP and TCP whose error-code is --code: a
               comma-separated list, the n-th request getting the n-th code
               and later ones the last (e.g. 68 for KDC_ERR_WRONG_REALM, 37
               for KRB_AP_ERR_SKEW, 24 for KDC_ERR_PREAUTH_FAILED).  With
               --crealm the error carries that crealm ("{n}" in it becomes
               the request's number, from 1, for endless referral chains),
               with --cname that client name (which a client must ignore),
               and its stime is --stime-offset seconds from now.  A 25
               (KDC_ERR_PREAUTH_REQUIRED) offers PA-ENC-TIMESTAMP with an
               ETYPE-INFO2 for aes256-cts-hmac-sha1-96, salt REALM + "alice".

The KRB-ERRORs carry --realm (default TEST.REALM) and sname krbtgt/REALM.
With --log FILE, one line per request received: "udp 181" or "tcp 185".
Standard library only; run it with /usr/bin/python3.
"""

import argparse
import select
import signal
import socket
import struct
import sys
import time

GARBAGE = b"fakekdc: this is not Kerberos"
TCP_MAX_REQUEST = 1 << 20


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(value):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big",
                          signed=True)
    return der(0x02, body)


def ctx(n, body):
    """A context-specific, constructed [n] tag around BODY."""
    return der(0xA0 | n, body)


def method_data(salt):
    """METHOD-DATA for PREAUTH_REQUIRED: PA-ENC-TIMESTAMP and an
    ETYPE-INFO2 for aes256-cts-hmac-sha1-96 with SALT."""
    info = der(0x30, der(0x30, ctx(0, der_int(18)) +
                         ctx(1, der(0x1B, salt.encode()))))
    return der(0x30, der(0x30, ctx(1, der_int(2)) + ctx(2, der(0x04, b""))) +
               der(0x30, ctx(1, der_int(19)) + ctx(2, der(0x04, info))))


def krb_error(code, realm, etext=None, crealm=None, cname=None,
              stime_offset=0, salt=None):
    """A KRB-ERROR (RFC 4120 5.9.1) with the fields a decoder requires."""
    stime = time.strftime("%Y%m%d%H%M%SZ",
                          time.gmtime(time.time() + stime_offset)).encode()
    sname = der(0x30, ctx(0, der_int(2)) +
                ctx(1, der(0x30, der(0x1B, b"krbtgt") +
                           der(0x1B, realm.encode()))))
    client = b""
    if crealm is not None:
        client += ctx(7, der(0x1B, crealm.encode()))
    if cname is not None:
        client += ctx(8, der(0x30, ctx(0, der_int(1)) +
                             ctx(1, der(0x30, der(0x1B, cname.encode())))))
    fields = (ctx(0, der_int(5)) + ctx(1, der_int(30)) +
              ctx(4, der(0x18, stime)) + ctx(5, der_int(0)) +
              ctx(6, der_int(code)) + client +
              ctx(9, der(0x1B, realm.encode())) + ctx(10, sname))
    if etext is not None:
        fields += ctx(11, der(0x1B, etext.encode()))
    if code == 25 and salt is not None:
        fields += ctx(12, der(0x04, method_data(salt)))
    return der(0x7E, der(0x30, fields))


def framed(msg):
    return struct.pack(">I", len(msg)) + msg


class FakeKdc:
    def __init__(self, mode, realm, log, args=None):
        self.mode = mode
        self.realm = realm
        self.log = log
        self.args = args
        self.count = 0

    def error_answer(self):
        """Mode error: the next KRB-ERROR of the --code list."""
        a = self.args
        self.count += 1
        codes = [int(c) for c in a.code.split(",")]
        code = codes[min(self.count, len(codes)) - 1]
        crealm = None
        if a.crealm is not None:
            crealm = a.crealm.replace("{n}", str(self.count))
        return krb_error(code, self.realm, crealm=crealm, cname=a.cname,
                         stime_offset=a.stime_offset,
                         salt=self.realm + "alice")

    def note(self, transport, n):
        if self.log is not None:
            with open(self.log, "a", encoding="ascii") as f:
                f.write(f"{transport} {n}\n")

    def udp_answer(self):
        """The datagram to send back, or None."""
        m = self.mode
        if m == "garbage":
            return GARBAGE
        if m in ("too-big", "close", "high-bit", "huge", "reset", "drip"):
            return krb_error(52, self.realm)
        if m == "unavailable":
            return krb_error(29, self.realm)
        if m == "error":
            return self.error_answer()
        return None

    def tcp_answer(self):
        """(bytes to send, close afterwards)."""
        m = self.mode
        if m == "garbage":
            return framed(GARBAGE), False
        if m == "too-big":
            return framed(krb_error(60, self.realm,
                                    "fakekdc: request arrived over TCP")), False
        if m == "close":
            return b"\x00\x00", True
        if m == "high-bit":
            return struct.pack(">I", 0x80000010) + b"\x00" * 16, False
        if m == "huge":
            return struct.pack(">I", 0x7FFFFFF0) + b"\x00" * 16, False
        if m == "reset":
            return b"", "reset"
        if m == "drip":
            return framed(krb_error(60, self.realm, "fakekdc: drip")), "drip"
        if m == "unavailable":
            return framed(krb_error(29, self.realm)), False
        if m == "error":
            return framed(self.error_answer()), False
        return b"", False


def bind_pair(port):
    """A TCP listener and a UDP socket on the same port of 127.0.0.1."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("127.0.0.1", port))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", t.getsockname()[1]))
        except OSError:
            t.close()
            u.close()
            if port != 0:
                raise
            continue
        t.listen(16)
        return t, u
    raise OSError("no port free for both UDP and TCP")


def serve_tcp_data(kdc, conn, buf):
    """Answer each complete request in BUF; returns (rest, keep open)."""
    while len(buf) >= 4:
        n = struct.unpack(">I", buf[:4])[0]
        if n > TCP_MAX_REQUEST:
            return b"", False
        if len(buf) < 4 + n:
            break
        kdc.note("tcp", n)
        buf = buf[4 + n:]
        data, close = kdc.tcp_answer()
        if close == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
            return b"", False
        try:
            if close == "drip":
                # One byte a second, bounded by the fake's lifetime: the
                # client must give up on its own timeout, not wait.
                for i in range(len(data)):
                    conn.sendall(data[i:i + 1])
                    time.sleep(1)
                return b"", False
            if data:
                conn.sendall(data)
        except OSError:
            return b"", False
        if close:
            return b"", False
    return buf, True


def serve(kdc, tcp, udp, lifetime):
    conns = {}
    end = time.monotonic() + lifetime
    while time.monotonic() < end:
        ready, _, _ = select.select([tcp, udp] + list(conns), [], [], 0.5)
        for s in ready:
            if s is udp:
                data, peer = udp.recvfrom(65536)
                kdc.note("udp", len(data))
                answer = kdc.udp_answer()
                if answer is not None:
                    udp.sendto(answer, peer)
            elif s is tcp:
                conn, _ = tcp.accept()
                conns[conn] = b""
            else:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                keep = bool(data)
                if keep:
                    conns[s], keep = serve_tcp_data(kdc, s, conns[s] + data)
                if not keep:
                    del conns[s]
                    s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", required=True,
                   choices=["silent", "garbage", "too-big", "close",
                            "high-bit", "unavailable", "error", "huge",
                            "reset", "drip"])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--realm", default="TEST.REALM")
    p.add_argument("--lifetime", type=float, default=60.0,
                   help="seconds before exiting on its own (default 60)")
    p.add_argument("--log", help="append one line per request received")
    p.add_argument("--code", default="60",
                   help="mode error: error codes, comma-separated")
    p.add_argument("--crealm", help="mode error: the error's crealm")
    p.add_argument("--cname", help="mode error: the error's cname")
    p.add_argument("--stime-offset", type=int, default=0,
                   help="mode error: seconds added to the error's stime")
    args = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tcp, udp = bind_pair(args.port)
    print(tcp.getsockname()[1], flush=True)
    try:
        serve(FakeKdc(args.mode, args.realm, args.log, args), tcp, udp,
              args.lifetime)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

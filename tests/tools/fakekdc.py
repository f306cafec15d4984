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


def krb_error(code, realm, etext=None):
    """A KRB-ERROR (RFC 4120 5.9.1) with the fields a decoder requires."""
    stime = time.strftime("%Y%m%d%H%M%SZ", time.gmtime()).encode()
    sname = der(0x30, ctx(0, der_int(2)) +
                ctx(1, der(0x30, der(0x1B, b"krbtgt") +
                           der(0x1B, realm.encode()))))
    fields = (ctx(0, der_int(5)) + ctx(1, der_int(30)) +
              ctx(4, der(0x18, stime)) + ctx(5, der_int(0)) +
              ctx(6, der_int(code)) + ctx(9, der(0x1B, realm.encode())) +
              ctx(10, sname))
    if etext is not None:
        fields += ctx(11, der(0x1B, etext.encode()))
    return der(0x7E, der(0x30, fields))


def framed(msg):
    return struct.pack(">I", len(msg)) + msg


class FakeKdc:
    def __init__(self, mode, realm, log):
        self.mode = mode
        self.realm = realm
        self.log = log

    def note(self, transport, n):
        if self.log is not None:
            with open(self.log, "a", encoding="ascii") as f:
                f.write(f"{transport} {n}\n")

    def udp_answer(self):
        """The datagram to send back, or None."""
        m = self.mode
        if m == "garbage":
            return GARBAGE
        if m in ("too-big", "close", "high-bit"):
            return krb_error(52, self.realm)
        if m == "unavailable":
            return krb_error(29, self.realm)
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
        if m == "unavailable":
            return framed(krb_error(29, self.realm)), False
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
        try:
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
                            "high-bit", "unavailable"])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--realm", default="TEST.REALM")
    p.add_argument("--lifetime", type=float, default=60.0,
                   help="seconds before exiting on its own (default 60)")
    p.add_argument("--log", help="append one line per request received")
    args = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tcp, udp = bind_pair(args.port)
    print(tcp.getsockname()[1], flush=True)
    try:
        serve(FakeKdc(args.mode, args.realm, args.log), tcp, udp,
              args.lifetime)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""ccache_drop_config: rewrite a FILE credentials cache (format 4) without
its configuration entries (the X-CACHECONF: realm: fast_avail, pa_type,
...), so that a test can give kvno a TGT with no sign that FAST is offered.

    ccache_drop_config.py PATH

Standard library only.  Test code: it trusts the file it is given.
"""
import struct
import sys


def principal(b, i):
    _, count = struct.unpack_from(">II", b, i)
    i += 8
    n, = struct.unpack_from(">I", b, i)
    realm = b[i + 4:i + 4 + n]
    i += 4 + n
    for _ in range(count):
        n, = struct.unpack_from(">I", b, i)
        i += 4 + n
    return realm, i


def counted(b, i):
    n, = struct.unpack_from(">I", b, i)
    return i + 4 + n


def credential(b, i):
    start = i
    _, i = principal(b, i)
    realm, i = principal(b, i)
    i += 2                                  # keyblock enctype
    i = counted(b, i)                       # key
    i += 16 + 1 + 4                         # times, is_skey, flags
    count, = struct.unpack_from(">I", b, i)
    i += 4
    for _ in range(count):                  # addresses
        i = counted(b, i + 2)
    count, = struct.unpack_from(">I", b, i)
    i += 4
    for _ in range(count):                  # authdata
        i = counted(b, i + 2)
    i = counted(b, i)                       # ticket
    i = counted(b, i)                       # second ticket
    return realm, b[start:i], i


def main():
    path = sys.argv[1]
    b = open(path, "rb").read()
    if b[:2] != b"\x05\x04":
        sys.exit("not a version 4 FILE cache")
    hlen, = struct.unpack_from(">H", b, 2)
    i = 4 + hlen
    _, i = principal(b, i)
    out = bytearray(b[:i])
    while i < len(b):
        realm, cred, i = credential(b, i)
        if realm != b"X-CACHECONF:":
            out += cred
    open(path, "wb").write(out)


if __name__ == "__main__":
    main()

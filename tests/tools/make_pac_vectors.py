#!/usr/bin/python3
"""Make the PAC test vectors of tests/fixtures/pac/ with Samba's own NDR
code (python3-samba), so that the unit test checks our reader against
bytes we did not write.  Run with Debian's /usr/bin/python3:

    /usr/bin/python3 tests/tools/make_pac_vectors.py tests/fixtures/pac

Each vector is NAME.hex: the PAC (PACTYPE and its buffers) as hex.  The
signatures are placeholders (these vectors test decoding), but for
signed.hex: its full, server and KDC signatures are made, in MS-PAC's order
(2.8: full, then server, then the KDC's countersignature), with Samba's
own Kerberos crypto (samba.tests.krb5.kcrypto) and the keys SERVICE_KEY and
KRBTGT_KEY below (aes256-cts-hmac-sha1-96).
"""
import os
import struct
import sys

from samba.dcerpc import krb5pac, lsa, netlogon, samr, security
from samba.ndr import ndr_pack, ndr_unpack

SERVICE_KEY = bytes(range(32))
KRBTGT_KEY = bytes(range(32, 64))
KEY_USAGE_PAC = 17              # KERB_NON_KERB_CKSUM_SALT

SE_GROUP_DEFAULT = 7            # mandatory, enabled by default, enabled
SE_GROUP_RESOURCE = 0x20000000


def ustr(text):
    s = lsa.String()
    s.string = text
    return s


def ustr_large(text):
    s = lsa.StringLarge()
    s.string = text
    return s


def rids(pairs):
    out = []
    for rid, attrs in pairs:
        r = samr.RidWithAttribute()
        r.rid = rid
        r.attributes = attrs
        out.append(r)
    arr = samr.RidWithAttributeArray()
    arr.count = len(out)
    arr.rids = out
    return arr


def sid_attrs(pairs):
    out = []
    for sid, attrs in pairs:
        s = netlogon.netr_SidAttr()
        s.sid = security.dom_sid(sid)
        s.attributes = attrs
        out.append(s)
    return out


def logon_info(full):
    base = netlogon.netr_SamBaseInfo()
    base.logon_time = 134091072000000000 if full else 0
    base.logoff_time = 0x7fffffffffffffff
    base.kickoff_time = 0x7fffffffffffffff
    base.last_password_change = 134085024001234567 if full else 0
    base.allow_password_change = 134085888001234567 if full else 0
    base.force_password_change = 0x7fffffffffffffff
    base.account_name = ustr("alice" if full else "svc-min")
    base.full_name = ustr("Alice Liddell" if full else "")
    base.logon_script = ustr("logon.cmd" if full else "")
    base.profile_path = ustr("\\\\fs\\profiles\\alice" if full else "")
    base.home_directory = ustr("\\\\fs\\home\\alice" if full else "")
    base.home_drive = ustr("H:" if full else "")
    base.logon_count = 42 if full else 0
    base.bad_password_count = 3 if full else 0
    base.rid = 1105 if full else 1106
    base.primary_gid = 513
    if full:
        base.groups = rids([(513, SE_GROUP_DEFAULT), (512, SE_GROUP_DEFAULT),
                            (1120, SE_GROUP_DEFAULT)])
    else:
        base.groups = rids([])
    base.user_flags = 0x20 if full else 0
    base.logon_server = ustr_large("DC1" if full else "")
    base.logon_domain = ustr_large("SAMDOM" if full else "MIN")
    base.domain_sid = security.dom_sid(
        "S-1-5-21-1004336348-1177238915-682003330" if full
        else "S-1-5-21-1-2-3")
    base.acct_flags = 0x10 if full else 0x210
    base.sub_auth_status = 0
    base.failed_logon_count = 0
    info3 = netlogon.netr_SamInfo3()
    info3.base = base
    if full:
        info3.sids = sid_attrs([
            ("S-1-18-1", SE_GROUP_DEFAULT),
            ("S-1-5-21-2000000000-2000000001-2000000002-1234",
             SE_GROUP_DEFAULT),
        ])
        info3.sidcount = 2
    else:
        info3.sidcount = 0
    info = krb5pac.PAC_LOGON_INFO()
    info.info3 = info3
    res = krb5pac.PAC_DOMAIN_GROUP_MEMBERSHIP()
    if full:
        res.domain_sid = security.dom_sid("S-1-5-21-3000000000-3000000001-"
                                          "3000000002")
        res.groups = rids([(1201, SE_GROUP_DEFAULT | SE_GROUP_RESOURCE),
                           (1202, SE_GROUP_DEFAULT | SE_GROUP_RESOURCE)])
    else:
        res.groups = rids([])
    info.resource_groups = res
    ctr = krb5pac.PAC_LOGON_INFO_CTR()
    ctr.info = info
    return ctr


def logon_name(name):
    n = krb5pac.PAC_LOGON_NAME()
    n.logon_time = 134091072000000000
    n.account_name = name
    return n


def upn(full):
    u = krb5pac.PAC_UPN_DNS_INFO()
    if full:
        u.upn_name = "alice@samdom.example.com"
        u.dns_domain_name = "SAMDOM.EXAMPLE.COM"
        u.flags = krb5pac.PAC_UPN_DNS_FLAG_HAS_SAM_NAME_AND_SID
        ex = krb5pac.PAC_UPN_DNS_INFO_SAM_NAME_AND_SID()
        ex.samaccountname = "alice"
        ex.objectsid = security.dom_sid(
            "S-1-5-21-1004336348-1177238915-682003330-1105")
        u.ex = ex
    else:
        u.upn_name = "svc-min@min.test"
        u.dns_domain_name = "MIN.TEST"
        u.flags = krb5pac.PAC_UPN_DNS_FLAG_CONSTRUCTED
    return u


def attributes():
    a = krb5pac.PAC_ATTRIBUTES_INFO()
    a.flags_length = 2
    a.flags = krb5pac.PAC_ATTRIBUTE_FLAG_PAC_WAS_REQUESTED
    return a


def requester(sid):
    r = krb5pac.PAC_REQUESTER_SID()
    r.sid = security.dom_sid(sid)
    return r


def delegation():
    d = krb5pac.PAC_CONSTRAINED_DELEGATION()
    d.proxy_target = ustr("cifs/fs.samdom.example.com")
    d.transited_services = [
        ustr("http/web.samdom.example.com@SAMDOM.EXAMPLE.COM"),
        ustr("host/app.samdom.example.com@SAMDOM.EXAMPLE.COM"),
    ]
    d.num_transited_services = 2
    ctr = krb5pac.PAC_CONSTRAINED_DELEGATION_CTR()
    ctr.info = d
    return ctr


def signature(fill):
    s = krb5pac.PAC_SIGNATURE_DATA()
    s.type = 16                 # hmac-sha1-96-aes256
    s.signature = bytes([fill]) * 12
    return s


def raw(data):
    r = krb5pac.DATA_BLOB_REM()
    r.remaining = data
    return r


def ndr_sid(text):
    """A deferred RPC_SID: its conformance count, then the SID."""
    packed = ndr_pack(security.dom_sid(text))
    return struct.pack("<I", packed[1]) + packed


def device_info():
    """PAC_DEVICE_INFO (MS-PAC 2.12).  Samba 4.17's Python has no type for
    it, so this one is written by hand (type serialization header, a
    top-level pointer, deferred referents in pointer order); the SIDs
    inside are still packed by Samba."""
    refs = iter(range(0x20000, 0x30000, 4))
    body = struct.pack("<I", next(refs))                 # top-level pointer
    body += struct.pack("<II", 1107, 515)                # UserId, group
    body += struct.pack("<I", next(refs))                # AccountDomainId
    body += struct.pack("<II", 2, next(refs))            # AccountGroupIds
    body += struct.pack("<II", 1, next(refs))            # ExtraSids
    body += struct.pack("<II", 1, next(refs))            # DomainGroup
    body += ndr_sid("S-1-5-21-1004336348-1177238915-682003330")
    body += struct.pack("<IIIII", 2, 515, 7, 1130, 7)
    body += struct.pack("<III", 1, next(refs), 7)
    body += ndr_sid("S-1-18-2")
    body += struct.pack("<IIII", 1, next(refs), 2, next(refs))
    body += ndr_sid("S-1-5-21-3000000000-3000000001-3000000002")
    body += struct.pack("<IIIII", 2, 1301, 0x20000007, 1302, 0x20000007)
    head = struct.pack("<BBHI", 1, 0x10, 8, 0xcccccccc)
    head += struct.pack("<II", len(body), 0)
    return raw(head + body)


def sign(pac_data):
    """Make the full, server and KDC signatures of a packed PAC whose
    signature buffers hold zeros."""
    from samba.tests.krb5 import kcrypto

    def cksum(key, data):
        k = kcrypto.Key(kcrypto.Enctype.AES256, key)
        return kcrypto.make_checksum(kcrypto.Cksumtype.SHA1_AES256, k,
                                     KEY_USAGE_PAC, data)

    p = ndr_unpack(krb5pac.PAC_DATA, pac_data)
    sigs = {b.type: b for b in p.buffers}
    # Full: the PAC with the server, KDC and full signatures zeroed.
    sigs[krb5pac.PAC_TYPE_FULL_CHECKSUM].info.signature = \
        cksum(KRBTGT_KEY, ndr_pack(p))
    # Server: the PAC with the server and KDC signatures zeroed.
    srv = cksum(SERVICE_KEY, ndr_pack(p))
    sigs[krb5pac.PAC_TYPE_SRV_CHECKSUM].info.signature = srv
    # KDC: the server signature.
    sigs[krb5pac.PAC_TYPE_KDC_CHECKSUM].info.signature = \
        cksum(KRBTGT_KEY, srv)
    return ndr_pack(p)


def pac(entries):
    bufs = []
    for ptype, info in entries:
        b = krb5pac.PAC_BUFFER()
        b.type = ptype
        b.info = info
        bufs.append(b)
    p = krb5pac.PAC_DATA()
    p.num_buffers = len(bufs)
    p.version = 0
    p.buffers = bufs
    return ndr_pack(p)


def vectors():
    full = pac([
        (krb5pac.PAC_TYPE_LOGON_INFO, logon_info(True)),
        (krb5pac.PAC_TYPE_LOGON_NAME, logon_name("alice")),
        (krb5pac.PAC_TYPE_UPN_DNS_INFO, upn(True)),
        (krb5pac.PAC_TYPE_CONSTRAINED_DELEGATION, delegation()),
        (krb5pac.PAC_TYPE_ATTRIBUTES_INFO, attributes()),
        (krb5pac.PAC_TYPE_REQUESTER_SID, requester(
            "S-1-5-21-1004336348-1177238915-682003330-1105")),
        (krb5pac.PAC_TYPE_CLIENT_CLAIMS_INFO, raw(b"\x01\x10\x08\x00" * 6)),
        (krb5pac.PAC_TYPE_SRV_CHECKSUM, signature(0x11)),
        (krb5pac.PAC_TYPE_KDC_CHECKSUM, signature(0x22)),
        (krb5pac.PAC_TYPE_TICKET_CHECKSUM, signature(0x33)),
        (krb5pac.PAC_TYPE_FULL_CHECKSUM, signature(0x44)),
    ])
    minimal = pac([
        (krb5pac.PAC_TYPE_LOGON_INFO, logon_info(False)),
        (krb5pac.PAC_TYPE_LOGON_NAME, logon_name("svc-min")),
        (krb5pac.PAC_TYPE_UPN_DNS_INFO, upn(False)),
        (krb5pac.PAC_TYPE_SRV_CHECKSUM, signature(0x55)),
        (krb5pac.PAC_TYPE_KDC_CHECKSUM, signature(0x66)),
    ])
    # Names beyond ASCII: accents, CJK, and a character outside the BMP
    # (a UTF-16 surrogate pair).
    intl = logon_info(True)
    intl.info.info3.base.full_name = ustr("Zo\u00eb \u00c5ngstr\u00f6m "
                                          "\u65e5\u672c \U0001d11e")
    intl.info.info3.base.account_name = ustr("zo\u00eb")
    unicode = pac([
        (krb5pac.PAC_TYPE_LOGON_INFO, intl),
        (krb5pac.PAC_TYPE_LOGON_NAME, logon_name("zo\u00eb")),
        (krb5pac.PAC_TYPE_SRV_CHECKSUM, signature(0x77)),
        (krb5pac.PAC_TYPE_KDC_CHECKSUM, signature(0x88)),
    ])
    device = pac([
        (krb5pac.PAC_TYPE_LOGON_INFO, logon_info(False)),
        (krb5pac.PAC_TYPE_DEVICE_INFO, device_info()),
        (krb5pac.PAC_TYPE_DEVICE_CLAIMS_INFO, raw(b"\x00" * 40)),
        (krb5pac.PAC_TYPE_SRV_CHECKSUM, signature(0x99)),
        (krb5pac.PAC_TYPE_KDC_CHECKSUM, signature(0xaa)),
    ])
    signed = sign(pac([
        (krb5pac.PAC_TYPE_LOGON_INFO, logon_info(True)),
        (krb5pac.PAC_TYPE_LOGON_NAME, logon_name("alice")),
        (krb5pac.PAC_TYPE_UPN_DNS_INFO, upn(True)),
        (krb5pac.PAC_TYPE_FULL_CHECKSUM, signature(0)),
        (krb5pac.PAC_TYPE_SRV_CHECKSUM, signature(0)),
        (krb5pac.PAC_TYPE_KDC_CHECKSUM, signature(0)),
    ]))
    return {"full": full, "minimal": minimal, "unicode": unicode,
            "device": device, "signed": signed}


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, data in vectors().items():
        with open(os.path.join(outdir, name + ".hex"), "w") as f:
            hexs = data.hex()
            for i in range(0, len(hexs), 64):
                f.write(hexs[i:i + 64] + "\n")


if __name__ == "__main__":
    main()

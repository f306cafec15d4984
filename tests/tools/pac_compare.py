#!/usr/bin/python3
"""Compare our decoding of a PAC with Samba's.

    pac_compare.py PAC_FILE OURS_JSON

PAC_FILE holds the PAC as bytes or as hex (tests/fixtures/pac/*.hex);
OURS_JSON is what tests/pac_json (or kstep --json, its "pac" member)
printed for it.  Samba's ndr_unpack (python3-samba, Debian's
/usr/bin/python3) decodes the same bytes, and every field we print is
compared with Samba's value.  Prints one line per difference and the
number of fields compared; exit status 1 on any difference or when
nothing was compared.
"""
import json
import sys

from samba.dcerpc import krb5pac
from samba.ndr import ndr_unpack


def read_pac(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return bytes.fromhex(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return data


def escaped(text):
    """A string as kstep's emit writes it: non-printable-ASCII bytes of
    its UTF-8 as \\xNN."""
    if text is None:
        return ""
    out = []
    for b in text.encode("utf-8"):
        out.append(chr(b) if 0x20 <= b < 0x7f else "\\x%02x" % b)
    return "".join(out)


def sid(value):
    return None if value is None else str(value)


def rids(arr):
    if arr is None or not arr.count:
        return []
    return [{"rid": r.rid, "attributes": r.attributes} for r in arr.rids]


def sid_attrs(sids, count):
    if not count:
        return []
    return [{"sid": sid(s.sid), "attributes": s.attributes} for s in sids]


def logon(info):
    base = info.info3.base
    res = info.resource_groups
    return {
        "logon-time": {"filetime": base.logon_time},
        "logoff-time": {"filetime": base.logoff_time},
        "kickoff-time": {"filetime": base.kickoff_time},
        "password-last-set": {"filetime": base.last_password_change},
        "password-can-change": {"filetime": base.allow_password_change},
        "password-must-change": {"filetime": base.force_password_change},
        "effective-name": escaped(base.account_name.string),
        "full-name": escaped(base.full_name.string),
        "logon-script": escaped(base.logon_script.string),
        "profile-path": escaped(base.profile_path.string),
        "home-directory": escaped(base.home_directory.string),
        "home-drive": escaped(base.home_drive.string),
        "logon-count": base.logon_count,
        "bad-password-count": base.bad_password_count,
        "user-id": base.rid,
        "primary-group-id": base.primary_gid,
        "groups": rids(base.groups),
        "user-flags": base.user_flags,
        "logon-server": escaped(base.logon_server.string),
        "logon-domain-name": escaped(base.logon_domain.string),
        "logon-domain-id": sid(base.domain_sid),
        "user-account-control": base.acct_flags,
        "sub-auth-status": base.sub_auth_status,
        "last-successful-logon": {"filetime": base.last_successful_logon},
        "last-failed-logon": {"filetime": base.last_failed_logon},
        "failed-logon-count": base.failed_logon_count,
        "extra-sids": sid_attrs(info.info3.sids, info.info3.sidcount),
        "resource-groups": {"domain-sid": sid(res.domain_sid),
                            "groups": rids(res.groups)},
    }


def upn(u):
    out = {"upn": escaped(u.upn_name),
           "dns-domain-name": escaped(u.dns_domain_name),
           "flags": u.flags}
    if u.flags & krb5pac.PAC_UPN_DNS_FLAG_HAS_SAM_NAME_AND_SID:
        out["sam-name"] = escaped(u.ex.samaccountname)
        out["sid"] = sid(u.ex.objectsid)
    return out


def delegation(d):
    return {"s4u2proxy-target": escaped(d.proxy_target.string),
            "transited-services": [escaped(t.string)
                                   for t in (d.transited_services or [])]}


SIGNATURES = (krb5pac.PAC_TYPE_SRV_CHECKSUM, krb5pac.PAC_TYPE_KDC_CHECKSUM,
              krb5pac.PAC_TYPE_TICKET_CHECKSUM, krb5pac.PAC_TYPE_FULL_CHECKSUM)


def samba_view(data):
    pac = ndr_unpack(krb5pac.PAC_DATA, data)
    raw = ndr_unpack(krb5pac.PAC_DATA_RAW, data)
    view = {"signatures": []}
    seen = set()
    for buf, rbuf in zip(pac.buffers, raw.buffers):
        t, info = buf.type, buf.info
        if t in seen:
            continue
        seen.add(t)
        if t == krb5pac.PAC_TYPE_LOGON_INFO:
            view["logon-info"] = logon(info.info)
        elif t == krb5pac.PAC_TYPE_UPN_DNS_INFO:
            view["upn-dns-info"] = upn(info)
        elif t == krb5pac.PAC_TYPE_LOGON_NAME:
            view["client-info"] = {"client-id": {"filetime": info.logon_time},
                                   "name": escaped(info.account_name)}
        elif t == krb5pac.PAC_TYPE_ATTRIBUTES_INFO:
            view["attributes-info"] = {"flags-length": info.flags_length,
                                       "flags": info.flags}
        elif t == krb5pac.PAC_TYPE_REQUESTER_SID:
            view["requestor"] = {"sid": sid(info.sid)}
        elif t == krb5pac.PAC_TYPE_CONSTRAINED_DELEGATION:
            view["delegation-info"] = delegation(info.info)
        elif t == krb5pac.PAC_TYPE_CLIENT_CLAIMS_INFO:
            view["client-claims"] = {"length": rbuf.ndr_size}
        elif t == krb5pac.PAC_TYPE_DEVICE_CLAIMS_INFO:
            view["device-claims"] = {"length": rbuf.ndr_size}
        elif t == krb5pac.PAC_TYPE_DEVICE_INFO:
            # Samba 4.17's Python has no PAC_DEVICE_INFO: not compared
            # (tests/unit/test_pac.c checks it).
            view["device-info"] = None
        elif t in SIGNATURES:
            view["signatures"].append({"buffer": t,
                                       "signature-type": info.type,
                                       "length": len(info.signature)})
    return view


def compare(want, got, path, problems, counter):
    """Every leaf of WANT must be in GOT with the same value."""
    if want is None and path.endswith("device-info"):
        return
    if isinstance(want, dict):
        if not isinstance(got, dict):
            problems.append("%s: ours is %r, Samba's an object" % (path, got))
            return
        for key, value in want.items():
            if key not in got:
                problems.append("%s.%s: missing from ours" % (path, key))
                continue
            compare(value, got[key], path + "." + key, problems, counter)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            problems.append("%s: ours has %r, Samba's %d items"
                            % (path, got, len(want)))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            compare(w, g, "%s[%d]" % (path, i), problems, counter)
    else:
        counter[0] += 1
        if want != got:
            problems.append("%s: ours %r, Samba's %r" % (path, got, want))


def main():
    data = read_pac(sys.argv[1])
    with open(sys.argv[2]) as f:
        ours = json.load(f)
    ours = ours.get("pac", ours)
    want = samba_view(data)
    problems, counter = [], [0]
    compare(want, ours, "pac", problems, counter)
    # Buffers we show that Samba did not see are differences too.
    for key in ours:
        if key not in want and key not in ("buffers", "client-name",
                                           "client-time",
                                           "server-checksum-ok"):
            problems.append("pac.%s: ours only" % key)
    for p in problems:
        print(p)
    print("%d fields compared, %d differences" % (counter[0], len(problems)))
    sys.exit(1 if problems or counter[0] == 0 else 0)


if __name__ == "__main__":
    main()

/*
 * pac_upn: UPN_DNS_INFO (MS-PAC 2.10), not NDR but a little-endian header
 * of lengths and offsets (from the buffer's start) to UTF-16LE strings,
 * and, when the extended flag is set, the SAM account name and the SID.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"

/* The LENGTH-byte string at OFFSET of the buffer. */
static int
string_at(const unsigned char *data, size_t len, uint16_t length,
          uint16_t offset, char **str_out)
{
    if ((size_t)offset + length > len)
        return EINVAL;
    if (length == 0) {
        *str_out = strdup("");
        return *str_out == NULL ? ENOMEM : 0;
    }
    return ks_utf16le_to_utf8(data + offset, length, str_out);
}

void
ks_pac_upn_free(struct ks_pac_upn *u)
{
    if (u == NULL)
        return;
    free(u->upn);
    free(u->dns_domain);
    free(u->sam_name);
    free(u->sid);
    free(u);
}

/* SamNameLength, SamNameOffset, SidLength, SidOffset. */
static int
extended(struct ks_ndr *r, struct ks_pac_upn *u)
{
    uint16_t name_len, name_off, sid_len, sid_off;
    size_t used;
    int ret;

    if (ks_ndr_u16(r, &name_len) || ks_ndr_u16(r, &name_off) ||
        ks_ndr_u16(r, &sid_len) || ks_ndr_u16(r, &sid_off))
        return EINVAL;
    ret = string_at(r->data, r->len, name_len, name_off, &u->sam_name);
    if (ret)
        return ret;
    if ((size_t)sid_off + sid_len > r->len)
        return EINVAL;
    ret = ks_sid_from_bytes(r->data + sid_off, sid_len, &u->sid, &used);
    if (ret == 0 && used != sid_len)
        ret = EINVAL;
    return ret;
}

int
ks_pac_decode_upn(const unsigned char *data, size_t len,
                  struct ks_pac_upn **out, size_t *at_out)
{
    struct ks_pac_upn *u = NULL;
    uint16_t upn_len, upn_off, dns_len, dns_off;
    struct ks_ndr r;
    int ret = EINVAL;

    ks_ndr_init(&r, data, len);
    u = calloc(1, sizeof(*u));
    if (u == NULL)
        return ENOMEM;
    if (ks_ndr_u16(&r, &upn_len) || ks_ndr_u16(&r, &upn_off) ||
        ks_ndr_u16(&r, &dns_len) || ks_ndr_u16(&r, &dns_off) ||
        ks_ndr_u32(&r, &u->flags))
        goto cleanup;
    ret = string_at(data, len, upn_len, upn_off, &u->upn);
    if (!ret)
        ret = string_at(data, len, dns_len, dns_off, &u->dns_domain);
    if (!ret && (u->flags & KS_PAC_UPN_EXTENDED))
        ret = extended(&r, u);
    if (ret)
        goto cleanup;
    *out = u;
    u = NULL;

cleanup:
    if (ret)
        *at_out = r.pos;
    ks_pac_upn_free(u);
    return ret;
}

/*
 * pac_small: the PAC buffers of a few fixed fields: PAC_CLIENT_INFO
 * (MS-PAC 2.7), PAC_ATTRIBUTES_INFO (2.14), PAC_REQUESTOR (2.15) and the
 * signature buffers, PAC_SIGNATURE_DATA (2.8).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"

int
ks_pac_decode_client(const unsigned char *data, size_t len,
                     struct ks_pac_client **out, size_t *at_out)
{
    struct ks_pac_client *c;
    uint16_t name_len;
    struct ks_ndr r;
    int ret = EINVAL;

    ks_ndr_init(&r, data, len);
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ENOMEM;
    if (ks_ndr_u64(&r, &c->client_id) || ks_ndr_u16(&r, &name_len) ||
        name_len > len - r.pos)
        goto cleanup;
    ret = name_len == 0 ? ((c->name = strdup("")) ? 0 : ENOMEM)
                        : ks_utf16le_to_utf8(data + r.pos, name_len,
                                             &c->name);
    if (ret)
        goto cleanup;
    *out = c;
    c = NULL;

cleanup:
    if (ret)
        *at_out = r.pos;
    if (c != NULL)
        free(c->name);
    free(c);
    return ret;
}

int
ks_pac_decode_attributes(const unsigned char *data, size_t len,
                         struct ks_pac_attributes **out, size_t *at_out)
{
    struct ks_pac_attributes *a;
    size_t words;
    struct ks_ndr r;
    int ret = EINVAL;

    ks_ndr_init(&r, data, len);
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return ENOMEM;
    if (ks_ndr_u32(&r, &a->flags_length))
        goto cleanup;
    /* FlagsLength counts bits; the words holding them must be there. */
    words = ((size_t)a->flags_length + 31) / 32;
    if (words > (len - r.pos) / 4)
        goto cleanup;
    if (words > 0 && ks_ndr_u32(&r, &a->flags))
        goto cleanup;
    *out = a;
    a = NULL;
    ret = 0;

cleanup:
    if (ret)
        *at_out = r.pos;
    free(a);
    return ret;
}

int
ks_pac_decode_requestor(const unsigned char *data, size_t len,
                        char **sid_out, size_t *at_out)
{
    size_t used;
    int ret;

    ret = ks_sid_from_bytes(data, len, sid_out, &used);
    if (ret == EINVAL)
        *at_out = 0;
    return ret;
}

/* The Signature length of each checksum type a KDC uses in a PAC. */
static size_t
signature_length(krb5_cksumtype type)
{
    switch (type) {
    case -138:                  /* hmac-md5 (RC4) */
        return 16;
    case 15:                    /* hmac-sha1-96-aes128 */
    case 16:                    /* hmac-sha1-96-aes256 */
        return 12;
    case 19:                    /* hmac-sha256-128-aes128 */
        return 16;
    case 20:                    /* hmac-sha384-192-aes256 */
        return 24;
    default:
        return 0;
    }
}

int
ks_pac_decode_signature(const unsigned char *data, size_t len,
                        struct ks_pac_signature *sig, size_t *at_out)
{
    struct ks_ndr r;
    uint32_t type;
    size_t n;

    ks_ndr_init(&r, data, len);
    if (ks_ndr_u32(&r, &type)) {
        *at_out = 0;
        return EINVAL;
    }
    sig->cksumtype = (krb5_cksumtype)(int32_t)type;
    n = signature_length(sig->cksumtype);
    /* An unknown type: the rest of the buffer is its signature. */
    if (n == 0)
        n = len - r.pos;
    if (n > len - r.pos) {
        *at_out = r.pos;
        return EINVAL;
    }
    sig->offset = r.pos;
    sig->length = n;
    r.pos += n;
    /* An RODC's KDC signature ends with its identifier (MS-PAC 2.8). */
    sig->has_rodc = len - r.pos >= 2;
    if (sig->has_rodc)
        sig->rodc_identifier = (uint16_t)(data[r.pos] | data[r.pos + 1] << 8);
    sig->verdict = KS_PAC_NOT_CHECKED;
    sig->why = "no key given";
    return 0;
}

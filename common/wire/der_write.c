/*
 * der_write: DER elements built from parts, with exact lengths.  Each
 * element is written once into a buffer of its final size: the header is
 * computed from the parts' lengths first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/secret.h"
#include "wire/der_write.h"

/* The largest content length written (the length field is 4 octets). */
#define MAX_CONTENT 0xffffffffUL

/* Octets needed for the length field of a content of LEN bytes. */
static size_t
length_octets(size_t len)
{
    size_t n = 1;

    if (len < 0x80)
        return 1;
    while (len > 0) {
        n++;
        len >>= 8;
    }
    return n;
}

static void
put_length(unsigned char *p, size_t len, size_t octets)
{
    if (octets == 1) {
        p[0] = (unsigned char)len;
        return;
    }
    p[0] = (unsigned char)(0x80 | (octets - 1));
    for (size_t i = octets - 1; i > 0; i--) {
        p[i] = (unsigned char)(len & 0xff);
        len >>= 8;
    }
}

krb5_error_code
ks_der_write_tlv(unsigned char tag, const krb5_data *parts, size_t n,
                 krb5_data *out)
{
    size_t content = 0, header, used;
    unsigned char *buf;

    for (size_t i = 0; i < n; i++) {
        if (parts[i].length > MAX_CONTENT - content)
            return EOVERFLOW;
        content += parts[i].length;
    }
    header = 1 + length_octets(content);
    if (content > MAX_CONTENT - header)
        return EOVERFLOW;
    buf = malloc(header + content);
    if (buf == NULL)
        return ENOMEM;
    buf[0] = tag;
    put_length(buf + 1, content, header - 1);
    used = header;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].length > 0)
            memcpy(buf + used, parts[i].data, parts[i].length);
        used += parts[i].length;
    }
    out->magic = KV5M_DATA;
    out->data = (char *)buf;
    out->length = (unsigned int)used;
    return 0;
}

krb5_error_code
ks_der_write_explicit(unsigned int num, const krb5_data *inner,
                      krb5_data *out)
{
    if (num > 30)
        return EINVAL;
    return ks_der_write_tlv((unsigned char)KS_DER_TAG_CONTEXT(num), inner, 1,
                            out);
}

/* At most this many fields in one SEQUENCE (KrbFastArmoredReq has 3). */
#define MAX_FIELDS 8

krb5_error_code
ks_der_write_fields(const krb5_data *const *fields, size_t n,
                    krb5_data *out)
{
    krb5_data tagged[MAX_FIELDS] = { { 0 } };
    krb5_error_code ret = 0;
    size_t m = 0;

    if (n > MAX_FIELDS)
        return EINVAL;
    for (size_t i = 0; i < n && !ret; i++) {
        if (fields[i] == NULL)
            continue;
        ret = ks_der_write_explicit((unsigned int)i, fields[i], &tagged[m]);
        if (!ret)
            m++;
    }
    if (!ret)
        ret = ks_der_write_tlv(KS_DER_TAG_SEQUENCE, tagged, m, out);
    for (size_t i = 0; i < m; i++)
        ks_der_write_free(&tagged[i]);
    return ret;
}

krb5_error_code
ks_der_write_integer(krb5_int32 value, krb5_data *out)
{
    unsigned char bytes[4];
    uint32_t u = (uint32_t)value;
    size_t skip = 0;
    krb5_data part;

    for (size_t i = 0; i < 4; i++)
        bytes[i] = (unsigned char)(u >> (24 - 8 * i));
    /* Drop leading octets that only repeat the sign bit. */
    while (skip < 3 &&
           ((bytes[skip] == 0x00 && !(bytes[skip + 1] & 0x80)) ||
            (bytes[skip] == 0xff && (bytes[skip + 1] & 0x80))))
        skip++;
    part.magic = KV5M_DATA;
    part.data = (char *)bytes + skip;
    part.length = (unsigned int)(4 - skip);
    return ks_der_write_tlv(KS_DER_TAG_INTEGER, &part, 1, out);
}

krb5_error_code
ks_der_write_octet_string(const void *bytes, size_t len, krb5_data *out)
{
    krb5_data part;

    if (len > MAX_CONTENT)
        return EOVERFLOW;
    part.magic = KV5M_DATA;
    part.data = (char *)bytes;
    part.length = (unsigned int)len;
    return ks_der_write_tlv(KS_DER_TAG_OCTET_STRING, &part, 1, out);
}

krb5_error_code
ks_der_write_flags(krb5_flags flags, krb5_data *out)
{
    uint32_t u = (uint32_t)flags;
    unsigned char bytes[5] = {
        0,      /* unused bits in the last octet */
        (unsigned char)(u >> 24), (unsigned char)(u >> 16),
        (unsigned char)(u >> 8), (unsigned char)u,
    };
    krb5_data part = { KV5M_DATA, sizeof(bytes), (char *)bytes };

    return ks_der_write_tlv(KS_DER_TAG_BIT_STRING, &part, 1, out);
}

krb5_error_code
ks_der_write_time(krb5_timestamp t, krb5_data *out)
{
    time_t tt = (time_t)(uint32_t)t;
    struct tm tm;
    char text[32];
    krb5_data part;

    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(text, sizeof(text), "%Y%m%d%H%M%SZ", &tm) != 15)
        return EINVAL;
    part.magic = KV5M_DATA;
    part.data = text;
    part.length = 15;
    return ks_der_write_tlv(KS_DER_TAG_GENERALIZED_TIME, &part, 1, out);
}

void
ks_der_write_free(krb5_data *out)
{
    /* What we write may hold keys: zeroed like any other secret. */
    ks_secret_free(out);
}

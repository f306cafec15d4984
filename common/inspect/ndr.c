/*
 * ndr: the bounds-checked NDR reader under the PAC decoders.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"

/* MS-DTYP 2.4.2: at most 15 sub-authorities. */
#define SID_MAX_SUBAUTH 15

void
ks_ndr_init(struct ks_ndr *r, const void *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
}

static int
need(const struct ks_ndr *r, size_t n)
{
    return r->pos <= r->len && n <= r->len - r->pos ? 0 : EINVAL;
}

int
ks_ndr_skip(struct ks_ndr *r, size_t n)
{
    if (need(r, n))
        return EINVAL;
    r->pos += n;
    return 0;
}

int
ks_ndr_align(struct ks_ndr *r, size_t n)
{
    size_t pad = (n - (r->pos & (n - 1))) & (n - 1);

    return ks_ndr_skip(r, pad);
}

int
ks_ndr_u8(struct ks_ndr *r, uint8_t *out)
{
    if (need(r, 1))
        return EINVAL;
    *out = r->data[r->pos++];
    return 0;
}

int
ks_ndr_u16(struct ks_ndr *r, uint16_t *out)
{
    const unsigned char *p;

    if (ks_ndr_align(r, 2) || need(r, 2))
        return EINVAL;
    p = r->data + r->pos;
    *out = (uint16_t)(p[0] | p[1] << 8);
    r->pos += 2;
    return 0;
}

int
ks_ndr_u32(struct ks_ndr *r, uint32_t *out)
{
    const unsigned char *p;

    if (ks_ndr_align(r, 4) || need(r, 4))
        return EINVAL;
    p = r->data + r->pos;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
    r->pos += 4;
    return 0;
}

int
ks_ndr_u64(struct ks_ndr *r, uint64_t *out)
{
    uint32_t lo, hi;

    if (ks_ndr_u32(r, &lo) || ks_ndr_u32(r, &hi))
        return EINVAL;
    *out = (uint64_t)hi << 32 | lo;
    return 0;
}

int
ks_ndr_type_header(struct ks_ndr *r)
{
    uint8_t version, endian;
    uint16_t hlen;
    uint32_t filler, objlen;

    if (ks_ndr_u8(r, &version) || ks_ndr_u8(r, &endian) ||
        ks_ndr_u16(r, &hlen) || ks_ndr_u32(r, &filler))
        return EINVAL;
    /* Only what Windows and Samba write: version 1, little-endian. */
    if (version != 1 || endian != 0x10 || hlen != 8)
        return EINVAL;
    if (ks_ndr_u32(r, &objlen) || ks_ndr_u32(r, &filler))
        return EINVAL;
    return need(r, objlen);
}

int
ks_ndr_count(struct ks_ndr *r, size_t min_size, uint32_t *count_out)
{
    uint32_t n;

    if (ks_ndr_u32(r, &n))
        return EINVAL;
    if (min_size > 0 && n > (r->len - r->pos) / min_size) {
        r->pos -= 4;
        return EINVAL;
    }
    *count_out = n;
    return 0;
}

int
ks_ndr_ustr_header(struct ks_ndr *r, struct ks_ndr_ustr *out)
{
    if (ks_ndr_u16(r, &out->length) || ks_ndr_u16(r, &out->max_length) ||
        ks_ndr_u32(r, &out->ref))
        return EINVAL;
    if (out->length % 2 != 0 || out->length > out->max_length)
        return EINVAL;
    return 0;
}

int
ks_ndr_ustr_body(struct ks_ndr *r, const struct ks_ndr_ustr *hdr,
                 char **str_out)
{
    uint32_t max, offset, actual;
    char *s;

    if (hdr->ref == 0) {
        if (hdr->length != 0)
            return EINVAL;
        s = strdup("");
        if (s == NULL)
            return ENOMEM;
        *str_out = s;
        return 0;
    }
    if (ks_ndr_u32(r, &max) || ks_ndr_u32(r, &offset) ||
        ks_ndr_u32(r, &actual))
        return EINVAL;
    if (offset != 0 || actual > max || max != hdr->max_length / 2u ||
        actual != hdr->length / 2u)
        return EINVAL;
    if (need(r, (size_t)actual * 2))
        return EINVAL;
    if (ks_utf16le_to_utf8(r->data + r->pos, (size_t)actual * 2, &s))
        return EINVAL;
    r->pos += (size_t)actual * 2;
    *str_out = s;
    return 0;
}

/* Format a SID whose parts are read; SUB has COUNT entries. */
static int
format_sid(uint8_t revision, uint64_t authority, const uint32_t *sub,
           size_t count, char **sid_out)
{
    /* "S-255-281474976710655" and 15 times "-4294967295" */
    char buf[32 + SID_MAX_SUBAUTH * 11];
    size_t n;

    n = (size_t)snprintf(buf, sizeof(buf), "S-%u-%" PRIu64,
                         (unsigned int)revision, authority);
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "-%" PRIu32, sub[i]);
    *sid_out = strdup(buf);
    return *sid_out == NULL ? ENOMEM : 0;
}

int
ks_sid_from_bytes(const unsigned char *p, size_t len, char **sid_out,
                  size_t *used_out)
{
    uint32_t sub[SID_MAX_SUBAUTH];
    uint64_t authority = 0;
    size_t count, size;
    int ret;

    if (len < 8)
        return EINVAL;
    count = p[1];
    size = 8 + count * 4;
    if (p[0] != 1 || count > SID_MAX_SUBAUTH || size > len)
        return EINVAL;
    /* The identifier authority is big-endian, the rest little-endian. */
    for (int i = 2; i < 8; i++)
        authority = authority << 8 | p[i];
    for (size_t i = 0; i < count; i++) {
        const unsigned char *q = p + 8 + i * 4;
        sub[i] = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
                 (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    }
    ret = format_sid(p[0], authority, sub, count, sid_out);
    if (ret == 0)
        *used_out = size;
    return ret;
}

int
ks_ndr_sid(struct ks_ndr *r, char **sid_out)
{
    uint32_t conformance;
    size_t used;
    int ret;

    if (ks_ndr_u32(r, &conformance))
        return EINVAL;
    if (need(r, 8) || r->data[r->pos + 1] != conformance)
        return EINVAL;
    ret = ks_sid_from_bytes(r->data + r->pos, r->len - r->pos, sid_out,
                            &used);
    if (ret)
        return ret;
    r->pos += used;
    return 0;
}

/* Append code point CP to OUT as UTF-8. */
static size_t
put_utf8(unsigned char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

int
ks_utf16le_to_utf8(const unsigned char *p, size_t len, char **str_out)
{
    unsigned char *out;
    size_t n = 0;
    int ret = EINVAL;

    if (len % 2 != 0)
        return EINVAL;
    /* Each UTF-16 unit gives at most 3 bytes (a pair gives 4 for 2). */
    out = malloc(len / 2 * 3 + 1);
    if (out == NULL)
        return ENOMEM;
    for (size_t i = 0; i < len; i += 2) {
        uint32_t cp = (uint32_t)(p[i] | p[i + 1] << 8), lo;

        if (cp >= 0xdc00 && cp <= 0xdfff)
            goto cleanup;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (i + 3 >= len)
                goto cleanup;
            lo = (uint32_t)(p[i + 2] | p[i + 3] << 8);
            if (lo < 0xdc00 || lo > 0xdfff)
                goto cleanup;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        /* A C string cannot hold a NUL: such a name is refused. */
        if (cp == 0)
            goto cleanup;
        n += put_utf8(out + n, cp);
    }
    out[n] = '\0';
    *str_out = (char *)out;
    out = NULL;
    ret = 0;

cleanup:
    free(out);
    return ret;
}

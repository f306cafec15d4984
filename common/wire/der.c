/*
 * der: a small DER walker.  Every length is checked against what is left
 * of its container before it is used, and nesting is bounded, so a hostile
 * message can make these functions fail but never read out of bounds.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wire/der.h"

/* Universal tags the dump names. */
enum {
    TAG_BOOLEAN = 1,
    TAG_INTEGER = 2,
    TAG_BIT_STRING = 3,
    TAG_OCTET_STRING = 4,
    TAG_NULL = 5,
    TAG_OID = 6,
    TAG_ENUMERATED = 10,
    TAG_UTF8_STRING = 12,
    TAG_SEQUENCE = 16,
    TAG_SET = 17,
    TAG_PRINTABLE_STRING = 19,
    TAG_IA5_STRING = 22,
    TAG_UTC_TIME = 23,
    TAG_GENERALIZED_TIME = 24,
    TAG_GENERAL_STRING = 27,
};

/* How many value bytes a dump line previews. */
#define PREVIEW_BYTES 16

/* Read the identifier octets at BUF; *pos moves past them. */
static krb5_error_code
read_tag(const uint8_t *buf, size_t len, size_t *pos,
         struct ks_der_tlv *tlv)
{
    uint8_t b;
    uint32_t tag;
    int n;

    if (*pos >= len)
        return ASN1_OVERRUN;
    b = buf[(*pos)++];
    tlv->cls = (enum ks_der_class)(b >> 6);
    tlv->constructed = (b & 0x20) != 0;
    tag = b & 0x1f;
    if (tag == 0x1f) {
        /* High tag number form: base 128, at most 4 octets (28 bits). */
        tag = 0;
        for (n = 0;; n++) {
            if (n == 4)
                return ASN1_BAD_ID;
            if (*pos >= len)
                return ASN1_OVERRUN;
            b = buf[(*pos)++];
            tag = (tag << 7) | (b & 0x7f);
            if (!(b & 0x80))
                break;
        }
    }
    tlv->tag = tag;
    return 0;
}

/* Read the length octets at BUF; *pos moves past them. */
static krb5_error_code
read_length(const uint8_t *buf, size_t len, size_t *pos, size_t *len_out)
{
    uint8_t b;
    size_t n, value = 0;

    if (*pos >= len)
        return ASN1_OVERRUN;
    b = buf[(*pos)++];
    if (b < 0x80) {
        *len_out = b;
        return 0;
    }
    if (b == 0x80)
        return ASN1_INDEF;      /* BER indefinite length: not DER */
    n = b & 0x7f;
    if (n > 4)
        return ASN1_BAD_LENGTH;
    if (len - *pos < n)
        return ASN1_OVERRUN;
    while (n-- > 0)
        value = (value << 8) | buf[(*pos)++];
    *len_out = value;
    return 0;
}

krb5_error_code
ks_der_read(const uint8_t *buf, size_t len, struct ks_der_tlv *tlv_out)
{
    struct ks_der_tlv tlv;
    size_t pos = 0, vlen = 0;
    krb5_error_code ret;

    if (buf == NULL && len > 0)
        return EINVAL;
    memset(&tlv, 0, sizeof(tlv));
    ret = read_tag(buf, len, &pos, &tlv);
    if (ret)
        return ret;
    ret = read_length(buf, len, &pos, &vlen);
    if (ret)
        return ret;
    if (vlen > len - pos)
        return ASN1_OVERRUN;
    tlv.start = buf;
    tlv.value = buf + pos;
    tlv.value_len = vlen;
    tlv.total_len = pos + vlen;
    *tlv_out = tlv;
    return 0;
}

static int
tag_matches(const struct ks_der_tlv *tlv, const struct ks_der_step *step)
{
    return tlv->cls == step->cls && tlv->tag == step->tag;
}

/* The child of PARENT named by STEP, in *child_out. */
static krb5_error_code
find_child(const struct ks_der_tlv *parent, const struct ks_der_step *step,
           struct ks_der_tlv *child_out)
{
    const uint8_t *p = parent->value;
    size_t left = parent->value_len;
    struct ks_der_tlv child;
    krb5_error_code ret;

    if (!parent->constructed)
        return ENOENT;
    while (left > 0) {
        ret = ks_der_read(p, left, &child);
        if (ret)
            return ret;
        if (tag_matches(&child, step)) {
            *child_out = child;
            return 0;
        }
        p += child.total_len;
        left -= child.total_len;
    }
    return ENOENT;
}

krb5_error_code
ks_der_find(const uint8_t *buf, size_t len, const struct ks_der_step *path,
            size_t nsteps, struct ks_der_tlv *tlv_out)
{
    struct ks_der_tlv cur;
    krb5_error_code ret;

    if (nsteps == 0 || nsteps > KS_DER_MAX_DEPTH)
        return EINVAL;
    ret = ks_der_read(buf, len, &cur);
    if (ret)
        return ret;
    if (!tag_matches(&cur, &path[0]))
        return ENOENT;
    for (size_t i = 1; i < nsteps; i++) {
        ret = find_child(&cur, &path[i], &cur);
        if (ret)
            return ret;
    }
    *tlv_out = cur;
    return 0;
}

krb5_error_code
ks_der_req_body(const krb5_data *req, krb5_data *body_out)
{
    /* KDC-REQ ::= [APPLICATION 10 or 12] SEQUENCE { ..., req-body [4] } */
    struct ks_der_step path[] = {
        { KS_DER_APPLICATION, 12 },
        { KS_DER_UNIVERSAL, TAG_SEQUENCE },
        { KS_DER_CONTEXT, 4 },
    };
    struct ks_der_tlv tlv;
    krb5_error_code ret;
    char *copy;

    if (req == NULL || req->length == 0)
        return ASN1_OVERRUN;
    if ((uint8_t)req->data[0] == 0x6a)
        path[0].tag = 10;
    ret = ks_der_find((const uint8_t *)req->data, req->length, path, 3,
                      &tlv);
    if (ret)
        return ret == ENOENT ? ASN1_MISSING_FIELD : ret;
    /* [4] is explicit: the KDC-REQ-BODY is the one element inside it. */
    ret = ks_der_read(tlv.value, tlv.value_len, &tlv);
    if (ret)
        return ret;
    copy = malloc(tlv.total_len ? tlv.total_len : 1);
    if (copy == NULL)
        return ENOMEM;
    memcpy(copy, tlv.start, tlv.total_len);
    body_out->magic = KV5M_DATA;
    body_out->data = copy;
    body_out->length = (unsigned int)tlv.total_len;
    return 0;
}

/* ---- dump ---- */

static const char *
universal_name(uint32_t tag)
{
    switch (tag) {
    case TAG_BOOLEAN: return "BOOLEAN";
    case TAG_INTEGER: return "INTEGER";
    case TAG_BIT_STRING: return "BIT STRING";
    case TAG_OCTET_STRING: return "OCTET STRING";
    case TAG_NULL: return "NULL";
    case TAG_OID: return "OBJECT IDENTIFIER";
    case TAG_ENUMERATED: return "ENUMERATED";
    case TAG_UTF8_STRING: return "UTF8String";
    case TAG_SEQUENCE: return "SEQUENCE";
    case TAG_SET: return "SET";
    case TAG_PRINTABLE_STRING: return "PrintableString";
    case TAG_IA5_STRING: return "IA5String";
    case TAG_UTC_TIME: return "UTCTime";
    case TAG_GENERALIZED_TIME: return "GeneralizedTime";
    case TAG_GENERAL_STRING: return "GeneralString";
    default: return NULL;
    }
}

/* "[APPLICATION 12]", "[3]", "SEQUENCE", "UNIVERSAL 30" into BUF. */
static void
tag_label(const struct ks_der_tlv *tlv, char *buf, size_t len)
{
    static const char *const classes[] = { "UNIVERSAL", "APPLICATION", "",
                                           "PRIVATE" };
    const char *name;

    if (tlv->cls == KS_DER_UNIVERSAL) {
        name = universal_name(tlv->tag);
        if (name != NULL)
            snprintf(buf, len, "%s", name);
        else
            snprintf(buf, len, "UNIVERSAL %" PRIu32, tlv->tag);
    } else if (tlv->cls == KS_DER_CONTEXT) {
        snprintf(buf, len, "[%" PRIu32 "]", tlv->tag);
    } else {
        snprintf(buf, len, "[%s %" PRIu32 "]", classes[tlv->cls], tlv->tag);
    }
}

static int
is_text_tag(uint32_t tag)
{
    return tag == TAG_GENERAL_STRING || tag == TAG_GENERALIZED_TIME ||
           tag == TAG_UTF8_STRING || tag == TAG_IA5_STRING ||
           tag == TAG_PRINTABLE_STRING || tag == TAG_UTC_TIME;
}

static int
all_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    }
    return 1;
}

/* An INTEGER of up to 8 octets as a signed number; longer ones in hex. */
static void
print_integer(FILE *out, const uint8_t *p, size_t n)
{
    int64_t v;

    if (n == 0 || n > 8) {
        fprintf(out, " (%zu octets)", n);
        return;
    }
    v = (p[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < n; i++)
        v = (int64_t)(((uint64_t)v << 8) | p[i]);
    fprintf(out, " %" PRId64, v);
    if (v < 0 || v > 9)
        fprintf(out, " (0x%" PRIx64 ")", (uint64_t)v & (n == 8 ? UINT64_MAX
                                        : ((UINT64_C(1) << (8 * n)) - 1)));
}

static void
print_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t shown = n < PREVIEW_BYTES ? n : PREVIEW_BYTES;

    for (size_t i = 0; i < shown; i++)
        fprintf(out, " %02x", p[i]);
    if (shown < n)
        fprintf(out, " ...");
}

/* The value part of a primitive element's line. */
static void
print_primitive(FILE *out, const struct ks_der_tlv *tlv)
{
    size_t n = tlv->value_len;

    if (tlv->cls == KS_DER_UNIVERSAL && tlv->tag == TAG_INTEGER) {
        print_integer(out, tlv->value, n);
    } else if (tlv->cls == KS_DER_UNIVERSAL && tlv->tag == TAG_BOOLEAN &&
               n == 1) {
        fprintf(out, " %s", tlv->value[0] ? "TRUE" : "FALSE");
    } else if ((tlv->cls == KS_DER_UNIVERSAL && is_text_tag(tlv->tag)) ||
               (n > 0 && all_printable(tlv->value, n))) {
        /* Text is shown escaped and cut like the hex preview. */
        fprintf(out, " \"");
        for (size_t i = 0; i < n && i < 4 * PREVIEW_BYTES; i++) {
            uint8_t c = tlv->value[i];
            if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')
                fputc(c, out);
            else
                fprintf(out, "\\x%02x", c);
        }
        fprintf(out, n > 4 * PREVIEW_BYTES ? "\"..." : "\"");
    } else {
        print_hex(out, tlv->value, n);
    }
}

static krb5_error_code dump_elements(FILE *out, const uint8_t *p,
                                     size_t len, int depth);

/*
 * An OCTET STRING that is exactly one constructed DER element (padata
 * values such as the AP-REQ in PA-TGS-REQ) is dumped as a tree too.
 */
static int
encapsulates(const struct ks_der_tlv *tlv)
{
    struct ks_der_tlv inner;

    if (tlv->cls != KS_DER_UNIVERSAL || tlv->tag != TAG_OCTET_STRING ||
        tlv->value_len < 2)
        return 0;
    if (ks_der_read(tlv->value, tlv->value_len, &inner) != 0)
        return 0;
    return inner.constructed && inner.total_len == tlv->value_len;
}

static krb5_error_code
dump_one(FILE *out, const struct ks_der_tlv *tlv, int depth)
{
    char label[48];

    if (depth >= KS_DER_MAX_DEPTH) {
        fprintf(out, "%*s! nested deeper than %d levels\n", 2 * depth, "",
                KS_DER_MAX_DEPTH);
        return ASN1_BAD_FORMAT;
    }
    tag_label(tlv, label, sizeof(label));
    fprintf(out, "%*s%s (%zu)", 2 * depth, "", label, tlv->value_len);
    if (tlv->constructed) {
        fputc('\n', out);
        return dump_elements(out, tlv->value, tlv->value_len, depth + 1);
    }
    if (encapsulates(tlv)) {
        fprintf(out, " containing\n");
        return dump_elements(out, tlv->value, tlv->value_len, depth + 1);
    }
    print_primitive(out, tlv);
    fputc('\n', out);
    return 0;
}

static krb5_error_code
dump_elements(FILE *out, const uint8_t *p, size_t len, int depth)
{
    struct ks_der_tlv tlv;
    krb5_error_code ret;

    while (len > 0) {
        ret = ks_der_read(p, len, &tlv);
        if (ret) {
            fprintf(out, "%*s! malformed element (%zu bytes left): %s\n",
                    2 * depth, "", len, error_message(ret));
            return ret;
        }
        ret = dump_one(out, &tlv, depth);
        if (ret)
            return ret;
        p += tlv.total_len;
        len -= tlv.total_len;
    }
    return 0;
}

krb5_error_code
ks_der_dump(FILE *out, const krb5_data *data)
{
    struct ks_der_tlv tlv;
    krb5_error_code ret;
    const uint8_t *p;

    if (data == NULL || data->length == 0) {
        fprintf(out, "! empty\n");
        return ASN1_OVERRUN;
    }
    p = (const uint8_t *)data->data;
    ret = ks_der_read(p, data->length, &tlv);
    if (ret) {
        fprintf(out, "! malformed element: %s\n", error_message(ret));
        return ret;
    }
    ret = dump_one(out, &tlv, 0);
    if (ret)
        return ret;
    if (tlv.total_len < data->length) {
        fprintf(out, "! %zu trailing bytes after the message\n",
                data->length - tlv.total_len);
    }
    return 0;
}

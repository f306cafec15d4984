/*
 * der: the DER walker on good, truncated, deep and hostile input.  The
 * truncation loops run under valgrind in the valgrind setup, which is
 * what proves "no read out of bounds".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/der.h"
#include "core/krb5_private.h"
#include "tap.h"

static krb5_context k5;

static krb5_error_code
read_bytes(const char *bytes, size_t len, struct ks_der_tlv *tlv)
{
    return ks_der_read((const uint8_t *)bytes, len, tlv);
}

static void
test_headers(void)
{
    struct ks_der_tlv t;
    uint8_t buf[300];

    ok(read_bytes("\x02\x01\x05", 3, &t) == 0 && t.cls == KS_DER_UNIVERSAL &&
       t.tag == 2 && !t.constructed && t.value_len == 1 && t.total_len == 3 &&
       t.value[0] == 5, "short form INTEGER");
    memset(buf, 0xaa, sizeof(buf));
    memcpy(buf, "\x04\x81\x80", 3);
    ok(ks_der_read(buf, 131, &t) == 0 && t.value_len == 128 &&
       t.total_len == 131, "one length octet (0x81)");
    memcpy(buf, "\x04\x82\x01\x00", 4);
    ok(ks_der_read(buf, 260, &t) == 0 && t.value_len == 256,
       "two length octets (0x82)");
    memcpy(buf, "\x04\x84\x00\x00\x01\x00", 6);
    ok(ks_der_read(buf, 262, &t) == 0 && t.value_len == 256,
       "four length octets (0x84)");
    is_int(ks_der_read(buf, 261, &t), ASN1_OVERRUN, "one byte short");
    is_int(read_bytes("\x04\x85\x00\x00\x00\x01\x00\x00", 8, &t),
           ASN1_BAD_LENGTH, "five length octets refused");
    is_int(read_bytes("\x30\x80\x00\x00", 4, &t), ASN1_INDEF,
           "indefinite length refused");
    is_int(read_bytes("\x04\x84\xff\xff\xff\xff\x00", 7, &t), ASN1_OVERRUN,
           "a 4 GiB length over 7 bytes");
    is_int(read_bytes("\x04\x84\x80\x00\x00\x00", 6, &t), ASN1_OVERRUN,
           "a 2 GiB length over 6 bytes");
    ok(read_bytes("\x9f\x81\x00\x00", 4, &t) == 0 &&
       t.cls == KS_DER_CONTEXT && t.tag == 128 && t.value_len == 0,
       "multi-byte tag [128]");
    ok(read_bytes("\x7f\x1f\x00", 3, &t) == 0 &&
       t.cls == KS_DER_APPLICATION && t.constructed && t.tag == 31,
       "multi-byte tag [APPLICATION 31]");
    is_int(read_bytes("\x9f\x81\x81\x81\x81\x01\x00", 7, &t), ASN1_BAD_ID,
           "tag numbers over 28 bits refused");
    is_int(read_bytes("\x9f\x81", 2, &t), ASN1_OVERRUN, "truncated tag");
    is_int(ks_der_read(NULL, 0, &t), ASN1_OVERRUN, "empty input");
    is_int(read_bytes("\x30", 1, &t), ASN1_OVERRUN, "tag without length");
    ok(read_bytes("\x05\x00\xff", 3, &t) == 0 && t.total_len == 2,
       "trailing bytes are left alone");
}

/* A TGS-REQ (or AS-REQ) with made-up ticket bytes: no keys needed. */
static krb5_data *
make_req(int tgs, krb5_data **body_out)
{
    krb5_principal server = NULL, client = NULL;
    krb5_enctype ktype[] = { 18, 17 };
    krb5_kdc_req req;
    krb5_ticket tkt;
    krb5_ap_req ap;
    krb5_pa_data pa, *pas[2] = { &pa, NULL };
    krb5_data *apd = NULL, *out = NULL;
    char cipher[64];

    memset(cipher, 0x5a, sizeof(cipher));
    krb5_parse_name(k5, "HTTP/web.kstep.test@KSTEP.TEST", &server);
    krb5_parse_name(k5, "alice@KSTEP.TEST", &client);
    memset(&tkt, 0, sizeof(tkt));
    tkt.server = server;
    tkt.enc_part.enctype = 18;
    tkt.enc_part.kvno = 2;
    tkt.enc_part.ciphertext.data = cipher;
    tkt.enc_part.ciphertext.length = sizeof(cipher);
    memset(&ap, 0, sizeof(ap));
    ap.ticket = &tkt;
    ap.authenticator = tkt.enc_part;
    encode_krb5_ap_req(&ap, &apd);
    pa.magic = KV5M_PA_DATA;
    pa.pa_type = tgs ? KRB5_PADATA_AP_REQ : 149;
    pa.length = apd->length;
    pa.contents = (krb5_octet *)apd->data;
    memset(&req, 0, sizeof(req));
    req.padata = pas;
    req.kdc_options = KDC_OPT_FORWARDABLE;
    req.client = tgs ? NULL : client;
    req.server = server;
    req.till = 1800000000;
    req.nonce = 0x12345678;
    req.ktype = ktype;
    req.nktypes = 2;
    if (tgs)
        encode_krb5_tgs_req(&req, &out);
    else
        encode_krb5_as_req(&req, &out);
    encode_krb5_kdc_req_body(&req, body_out);
    krb5_free_data(k5, apd);
    krb5_free_principal(k5, server);
    krb5_free_principal(k5, client);
    return out;
}

static void
test_req_body(void)
{
    krb5_data *req, *body = NULL, got = { 0 }, d;
    int bad = 0;

    for (int tgs = 0; tgs <= 1; tgs++) {
        req = make_req(tgs, &body);
        ok(ks_der_req_body(req, &got) == 0 && got.length == body->length &&
           memcmp(got.data, body->data, body->length) == 0,
           "%s req-body sliced is the encoder's", tgs ? "TGS" : "AS");
        krb5_free_data_contents(k5, &got);
        krb5_free_data(k5, body);
        body = NULL;
        for (unsigned int n = 0; n < req->length; n++) {
            d = *req;
            d.length = n;
            if (ks_der_req_body(&d, &got) == 0) {
                bad++;
                krb5_free_data_contents(k5, &got);
            }
        }
        krb5_free_data(k5, req);
    }
    is_int(bad, 0, "req-body of every truncation refused");
    d.data = (char *)"\x6d\x03\x30\x01\x00";
    d.length = 5;
    ok(ks_der_req_body(&d, &got) != 0, "not a KDC-REQ: refused");
    d.data = (char *)"\x6c\x05\x30\x03\xa9\x01\x00";
    d.length = 7;
    is_int(ks_der_req_body(&d, &got), ASN1_MISSING_FIELD, "no [4]");
}

static void
test_find(void)
{
    const struct ks_der_step pvno[] = {
        { KS_DER_APPLICATION, 12 }, { KS_DER_UNIVERSAL, 16 },
        { KS_DER_CONTEXT, 1 }, { KS_DER_UNIVERSAL, 2 },
    };
    const struct ks_der_step missing[] = {
        { KS_DER_APPLICATION, 12 }, { KS_DER_UNIVERSAL, 16 },
        { KS_DER_CONTEXT, 9 },
    };
    const struct ks_der_step wrong_top[] = { { KS_DER_APPLICATION, 13 } };
    struct ks_der_step deep[KS_DER_MAX_DEPTH + 1];
    krb5_data *body = NULL, *req = make_req(1, &body);
    const uint8_t *p = (const uint8_t *)req->data;
    struct ks_der_tlv t;
    int bad = 0;

    ok(ks_der_find(p, req->length, pvno, 4, &t) == 0 && t.value_len == 1 &&
       t.value[0] == 5, "path to pvno finds 5");
    is_int(ks_der_find(p, req->length, missing, 3, &t), ENOENT,
           "missing step: ENOENT");
    is_int(ks_der_find(p, req->length, wrong_top, 1, &t), ENOENT,
           "wrong outer tag: ENOENT");
    is_int(ks_der_find(p, req->length, pvno, 0, &t), EINVAL, "empty path");
    memset(deep, 0, sizeof(deep));
    is_int(ks_der_find(p, req->length, deep, KS_DER_MAX_DEPTH + 1, &t),
           EINVAL, "path deeper than the bound");
    for (unsigned int n = 0; n < req->length; n++) {
        if (ks_der_find(p, n, pvno, 4, &t) == 0 &&
            t.value + t.value_len > p + n)
            bad++;
    }
    is_int(bad, 0, "find never points past a truncated buffer");
    is_int(ks_der_find((const uint8_t *)"\x30\x03\x04\x05\x00", 5,
                       (const struct ks_der_step[]){ { 0, 16 }, { 0, 4 } },
                       2, &t),
           ASN1_OVERRUN, "inner length beyond its container");
    krb5_free_data(k5, body);
    krb5_free_data(k5, req);
}

static char *
dump_to_string(const void *bytes, size_t len, krb5_error_code *ret)
{
    krb5_data d = { KV5M_DATA, (unsigned int)len, (char *)bytes };
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    *ret = ks_der_dump(f, &d);
    fclose(f);
    return text;
}

static void
test_dump(void)
{
    static const char msg[] =
        "\x30\x47"
        "\xa0\x03\x02\x01\x05"
        "\xa1\x0c\x1b\x0aKSTEP.TEST"
        "\xa2\x11\x18\x0f" "20261124154405Z"
        "\xa3\x06\x04\x04\x00\x01\xfe\xff"
        "\xa4\x03\x02\x01\xff"
        "\xa5\x07\x02\x05\x00\x80\x00\x00\x01"
        "\xa6\x07\x04\x05\x30\x03\x01\x01\xff"
        "\x05\x00"
        "\xde\xad";
    static const char want[] =
        "SEQUENCE (71)\n"
        "  [0] (3)\n"
        "    INTEGER (1) 5\n"
        "  [1] (12)\n"
        "    GeneralString (10) \"KSTEP.TEST\"\n"
        "  [2] (17)\n"
        "    GeneralizedTime (15) \"20261124154405Z\"\n"
        "  [3] (6)\n"
        "    OCTET STRING (4) 00 01 fe ff\n"
        "  [4] (3)\n"
        "    INTEGER (1) -1 (0xff)\n"
        "  [5] (7)\n"
        "    INTEGER (5) 2147483649 (0x80000001)\n"
        "  [6] (7)\n"
        "    OCTET STRING (5) containing\n"
        "      SEQUENCE (3)\n"
        "        BOOLEAN (1) TRUE\n"
        "  NULL (0)\n"
        "! 2 trailing bytes after the message\n";
    krb5_error_code ret;
    char *text = dump_to_string(msg, sizeof(msg) - 1, &ret);

    is_int(ret, 0, "dump succeeds");
    is_str(text, want, "dump text");
    free(text);
}

static void
test_dump_message(void)
{
    krb5_data *body = NULL, *req = make_req(1, &body);
    krb5_error_code ret;
    char *text = dump_to_string(req->data, req->length, &ret);
    int failed = 0;

    ok(ret == 0 && strstr(text, "[APPLICATION 12]") == text,
       "TGS-REQ dump starts with its tag");
    ok(strstr(text, "OCTET STRING") && strstr(text, "containing\n") &&
       strstr(text, "[APPLICATION 14]") && strstr(text, "[APPLICATION 1]"),
       "the AP-REQ in PA-TGS-REQ and its Ticket are dumped as trees");
    ok(strstr(text, "GeneralString (10) \"KSTEP.TEST\"") != NULL,
       "realm as text");
    ok(strstr(text, "INTEGER (4) 305419896 (0x12345678)") != NULL,
       "nonce decoded");
    free(text);
    for (unsigned int n = 0; n < req->length; n++) {
        text = dump_to_string(req->data, n, &ret);
        if (ret == 0)
            failed++;
        free(text);
    }
    is_int(failed, 0, "dump of every truncation reports an error");
    krb5_free_data(k5, body);
    krb5_free_data(k5, req);
}

/* DEPTH SEQUENCEs inside each other, innermost empty. */
static uint8_t *
nested(int depth, size_t *len_out)
{
    uint8_t *buf = malloc((size_t)depth * 2);

    for (int i = 0; i < depth; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (uint8_t)(2 * (depth - i - 1));
    }
    *len_out = (size_t)depth * 2;
    return buf;
}

static void
test_depth(void)
{
    size_t len;
    uint8_t *buf;
    krb5_error_code ret;
    char *text;

    buf = nested(KS_DER_MAX_DEPTH, &len);
    text = dump_to_string(buf, len, &ret);
    is_int(ret, 0, "%d levels dump", KS_DER_MAX_DEPTH);
    free(text);
    free(buf);
    buf = nested(KS_DER_MAX_DEPTH + 1, &len);
    text = dump_to_string(buf, len, &ret);
    is_int(ret, ASN1_BAD_FORMAT, "%d levels refused", KS_DER_MAX_DEPTH + 1);
    ok(strstr(text, "! nested deeper than 32 levels") != NULL, "and said");
    free(text);
    free(buf);

    /* CVE-2020-28196 shape: ~1 MiB of nested indefinite lengths. */
    len = 1000 * 1024;
    buf = malloc(len);
    for (size_t i = 0; i < len; i += 2) {
        buf[i] = 0x30;
        buf[i + 1] = 0x80;
    }
    text = dump_to_string(buf, len, &ret);
    is_int(ret, ASN1_INDEF, "1 MiB of '30 80' refused at once");
    free(text);
    free(buf);

    /* Deep definite nesting, 0x84 lengths: refused at the bound. */
    len = 6 * 1000;
    buf = malloc(len);
    for (size_t i = 0; i < 1000; i++) {
        size_t inner = len - 6 * (i + 1);
        buf[6 * i] = 0x30;
        buf[6 * i + 1] = 0x84;
        buf[6 * i + 2] = (uint8_t)(inner >> 24);
        buf[6 * i + 3] = (uint8_t)(inner >> 16);
        buf[6 * i + 4] = (uint8_t)(inner >> 8);
        buf[6 * i + 5] = (uint8_t)inner;
    }
    text = dump_to_string(buf, len, &ret);
    is_int(ret, ASN1_BAD_FORMAT, "1000 levels of 0x84 lengths refused");
    free(text);
    free(buf);
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (krb5_init_context(&k5) != 0) {
        ok(0, "krb5 context");
        return tap_done();
    }
    test_headers();
    test_req_body();
    test_find();
    test_dump();
    test_dump_message();
    test_depth();
    krb5_free_context(k5);
    return tap_done();
}

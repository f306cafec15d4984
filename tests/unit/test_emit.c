/* emit: the same calls rendered as indented text and as one JSON document;
 * untrusted bytes escaped; keys as fingerprints unless asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emit.h"
#include "tap.h"

/* Render with FORMAT through FN into a static buffer. */
static const char *
render(enum ks_emit_format format, bool show_keys,
       void (*fn)(struct ks_emit *, krb5_context), krb5_context k5)
{
    static char buf[8192];
    struct ks_emit *e = NULL;
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

    memset(buf, 0, sizeof(buf));
    if (f == NULL || ks_emit_new(f, format, show_keys, &e) != 0)
        return "";
    fn(e, k5);
    ks_emit_finish(e);
    fclose(f);
    return buf;
}

static void
ticket(struct ks_emit *e, krb5_context k5)
{
    krb5_principal p = NULL;

    krb5_parse_name(k5, "HTTP/web@R", &p);
    ks_emit_begin_object(e, "ticket");
    ks_emit_principal(e, "server", k5, p);
    ks_emit_time(e, "endtime", 1795535045);
    ks_emit_int(e, "kvno", 2);
    ks_emit_bool(e, "ok", true);
    ks_emit_end(e);
    krb5_free_principal(k5, p);
}

static void
test_object(krb5_context k5)
{
    is_str(render(KS_EMIT_TEXT, false, ticket, k5),
           "ticket:\n  server: HTTP/web@R\n  endtime: 2026-11-24T15:44:05Z\n"
           "  kvno: 2\n  ok: yes\n",
           "text: an object is indented name: value lines");
    is_str(render(KS_EMIT_JSON, false, ticket, k5),
           "{\"ticket\":{\"server\":\"HTTP/web@R\",\"endtime\":{\"iso\":"
           "\"2026-11-24T15:44:05Z\",\"epoch\":1795535045},\"kvno\":2,"
           "\"ok\":true}}\n",
           "JSON: one document");
}

static void
arrays(struct ks_emit *e, krb5_context k5)
{
    ks_emit_begin_array(e, "etype");
    ks_emit_enctype(e, NULL, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    ks_emit_enctype(e, NULL, ENCTYPE_AES128_CTS_HMAC_SHA1_96);
    ks_emit_end(e);
    ks_emit_begin_array(e, "padata");
    ks_emit_begin_object(e, NULL);
    ks_emit_named_int(e, "padata-type", 1, "PA-TGS-REQ");
    ks_emit_int(e, "length", 700);
    ks_emit_end(e);
    ks_emit_end(e);
    ks_emit_begin_array(e, "addresses");
    ks_emit_end(e);
    ks_emit_kdc_options(e, "kdc-options", KDC_OPT_FORWARDABLE |
                                              KDC_OPT_CANONICALIZE | 0x4000);
    ks_emit_ticket_flags(e, "flags", 0);
}

static void
test_arrays(krb5_context k5)
{
    is_str(render(KS_EMIT_TEXT, false, arrays, k5),
           "etype: aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96\n"
           "padata:\n  - padata-type: 1 (PA-TGS-REQ)\n    length: 700\n"
           "addresses: (none)\n"
           "kdc-options: forwardable, canonicalize, 0x00004000\n"
           "flags: (none)\n",
           "text: scalar arrays inline, object arrays as - items");
    is_str(render(KS_EMIT_JSON, false, arrays, k5),
           "{\"etype\":[\"aes256-cts-hmac-sha1-96\","
           "\"aes128-cts-hmac-sha1-96\"],\"padata\":[{\"padata-type\":1,"
           "\"padata-type-name\":\"PA-TGS-REQ\",\"length\":700}],"
           "\"addresses\":[],\"kdc-options\":[\"forwardable\","
           "\"canonicalize\",\"0x00004000\"],\"flags\":[]}\n",
           "JSON: arrays, named numbers, flag names");
}

static void
steps(struct ks_emit *e, krb5_context k5)
{
    ks_emit_begin_steps(e, "steps");
    ks_emit_begin_step(e, 3, "check-authenticator");
    ks_emit_check(e, "client_matches", "client matches the TGT", true, NULL);
    ks_emit_verdict(e, "checksum_ok", "checksum over req-body", false,
                    "valid", "invalid", "hmac-sha1-96-aes256, keyed");
    ks_emit_end(e);
    ks_emit_begin_step(e, 4, "open-reply");
    ks_emit_note(e, "note", "opened");
    ks_emit_end(e);
    ks_emit_end(e);
}

static void
one_step(struct ks_emit *e, krb5_context k5)
{
    ks_emit_begin_step(e, 6, "send");
    ks_emit_string(e, "kdc", "127.0.0.1:88");
    ks_emit_end(e);
}

static void
test_steps(krb5_context k5)
{
    is_str(render(KS_EMIT_TEXT, false, steps, k5),
           "[3/8 check-authenticator]\n  client matches the TGT: yes\n"
           "  checksum over req-body: invalid (hmac-sha1-96-aes256, keyed)\n"
           "[4/8 open-reply]\n  opened\n",
           "text: step headers and verdict lines");
    is_str(render(KS_EMIT_JSON, false, steps, k5),
           "{\"steps\":[{\"step\":3,\"name\":\"check-authenticator\","
           "\"client_matches\":true,\"checksum_ok\":false},{\"step\":4,"
           "\"name\":\"open-reply\",\"note\":\"opened\"}]}\n",
           "JSON: steps as an array of objects, verdicts as booleans");
    is_str(render(KS_EMIT_JSON, false, one_step, k5),
           "{\"step\":6,\"name\":\"send\",\"kdc\":\"127.0.0.1:88\"}\n",
           "JSON: a lone step joins the document");
}

static void
untrusted(struct ks_emit *e, krb5_context k5)
{
    krb5_data d = { KV5M_DATA, 6, (char *)"a\x1b[2J\xff" };

    ks_emit_data(e, "e-text", &d);
    ks_emit_string(e, "quote", "say \"hi\"");
    ks_emit_string(e, "none", NULL);
}

static void
test_escaping(krb5_context k5)
{
    is_str(render(KS_EMIT_TEXT, false, untrusted, k5),
           "e-text: a\\x1b[2J\\xff\nquote: say \"hi\"\nnone: (none)\n",
           "text: control bytes and non-ASCII as \\xNN");
    is_str(render(KS_EMIT_JSON, false, untrusted, k5),
           "{\"e-text\":\"a\\\\x1b[2J\\\\xff\",\"quote\":"
           "\"say \\\"hi\\\"\",\"none\":null}\n",
           "JSON: the same, as valid JSON strings");
}

static void
scalars(struct ks_emit *e, krb5_context k5)
{
    krb5_data empty = { KV5M_DATA, 0, NULL };

    ks_emit_double(e, "rtt", 0.8125);
    ks_emit_data(e, "contents", &empty);
    ks_emit_hex(e, "cksum", "\x0a\xcf", 2);
    ks_emit_null(e, "cname");
    ks_emit_principal(e, "sname", k5, NULL);
}

static void
nothing(struct ks_emit *e, krb5_context k5)
{
}

static void
test_scalars(krb5_context k5)
{
    is_str(render(KS_EMIT_TEXT, false, scalars, k5),
           "rtt: 0.812\ncontents: (empty)\ncksum: 0acf\ncname: (none)\n"
           "sname: (none)\n",
           "text: numbers, empty strings, hex, absent values");
    is_str(render(KS_EMIT_JSON, false, scalars, k5),
           "{\"rtt\":0.812,\"contents\":\"\",\"cksum\":\"0acf\","
           "\"cname\":null,\"sname\":null}\n",
           "JSON: the same");
    is_str(render(KS_EMIT_JSON, false, nothing, k5), "{}\n",
           "JSON: an empty document is still one");
    is_str(render(KS_EMIT_TEXT, false, nothing, k5), "",
           "text: nothing at all");
}

static void
keys(struct ks_emit *e, krb5_context k5)
{
    krb5_octet bytes[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
                             9, 10, 11, 12, 13, 14, 15, 16 };
    krb5_keyblock kb = { KV5M_KEYBLOCK, ENCTYPE_AES128_CTS_HMAC_SHA1_96,
                         16, bytes };

    ks_emit_key(e, "session-key", k5, &kb);
}

static void
test_keys(krb5_context k5)
{
    const char *text = render(KS_EMIT_TEXT, false, keys, k5);

    ok(strncmp(text, "session-key: aes128-cts-hmac-sha1-96 key ", 41) == 0 &&
           strlen(text) == 46,
       "text: a key is its enctype and fingerprint");
    ok(strstr(text, "0102030405") == NULL, "text: no key bytes");
    text = render(KS_EMIT_JSON, false, keys, k5);
    ok(strstr(text, "\"fingerprint\":\"") != NULL &&
           strstr(text, "contents") == NULL,
       "JSON: fingerprint, no contents");
    text = render(KS_EMIT_TEXT, true, keys, k5);
    ok(strstr(text, "(0102030405060708090a0b0c0d0e0f10)") != NULL,
       "text with show_keys: the bytes too");
    text = render(KS_EMIT_JSON, true, keys, k5);
    ok(strstr(text, "\"contents\":\"0102030405060708090a0b0c0d0e0f10\"") !=
           NULL,
       "JSON with show_keys: contents");
}

static void
unbalanced(struct ks_emit *e, krb5_context k5)
{
    ks_emit_begin_object(e, "a");
    ks_emit_begin_array(e, "b");
    ks_emit_int(e, NULL, 1);
    ks_emit_end(e);
    ks_emit_end(e);
    ks_emit_end(e);             /* one too many: ignored */
    ks_emit_begin_object(e, "c");
    ks_emit_begin_array(e, "d");  /* left open: finish closes */
}

static void
test_balance(krb5_context k5)
{
    is_str(render(KS_EMIT_JSON, false, unbalanced, k5),
           "{\"a\":{\"b\":[1]},\"c\":{\"d\":[]}}\n",
           "JSON: finish closes what is open, extra ends are ignored");
}

int
main(void)
{
    krb5_context k5 = NULL;

    if (krb5_init_context(&k5) != 0) {
        printf("Bail out! krb5_init_context\n");
        return 1;
    }
    test_object(k5);
    test_arrays(k5);
    test_steps(k5);
    test_escaping(k5);
    test_scalars(k5);
    test_keys(k5);
    test_balance(k5);
    krb5_free_context(k5);
    return tap_done();
}

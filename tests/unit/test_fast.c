/*
 * Unit tests for der_write (exact DER, and round trips through MIT's FAST
 * decoders) and fast (key derivations, the request, replies built here
 * with MIT's encoders: stripped, replayed, modified).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/der_write.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "tap.h"

static struct ks_context *ctx;

static int
same(const krb5_data *d, const void *want, size_t len)
{
    return d->length == len && memcmp(d->data, want, len) == 0;
}

static void
test_integers(void)
{
    static const struct {
        krb5_int32 v;
        unsigned char der[6];
        size_t len;
    } cases[] = {
        { 0, { 2, 1, 0 }, 3 },
        { 127, { 2, 1, 0x7f }, 3 },
        { 128, { 2, 2, 0, 0x80 }, 4 },
        { 256, { 2, 2, 1, 0 }, 4 },
        { -1, { 2, 1, 0xff }, 3 },
        { -128, { 2, 1, 0x80 }, 3 },
        { -129, { 2, 2, 0xff, 0x7f }, 4 },
        { INT32_MAX, { 2, 4, 0x7f, 0xff, 0xff, 0xff }, 6 },
        { INT32_MIN, { 2, 4, 0x80, 0, 0, 0 }, 6 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        krb5_data d = { 0 };

        ok(ks_der_write_integer(cases[i].v, &d) == 0 &&
           same(&d, cases[i].der, cases[i].len),
           "INTEGER %ld in the fewest octets", (long)cases[i].v);
        ks_der_write_free(&d);
    }
}

static void
test_lengths(void)
{
    static const struct {
        size_t len;
        unsigned char head[5];
        size_t hlen;
    } cases[] = {
        { 0, { 4, 0 }, 2 },
        { 127, { 4, 0x7f }, 2 },
        { 128, { 4, 0x81, 0x80 }, 3 },
        { 255, { 4, 0x81, 0xff }, 3 },
        { 256, { 4, 0x82, 1, 0 }, 4 },
        { 65536, { 4, 0x83, 1, 0, 0 }, 5 },
    };
    unsigned char *buf = calloc(1, 65536);

    for (size_t i = 0; buf != NULL && i < sizeof(cases) / sizeof(*cases);
         i++) {
        krb5_data d = { 0 };
        int good = ks_der_write_octet_string(buf, cases[i].len, &d) == 0 &&
            d.length == cases[i].hlen + cases[i].len &&
            memcmp(d.data, cases[i].head, cases[i].hlen) == 0;

        ok(good, "OCTET STRING of %zu bytes: %zu header bytes",
           cases[i].len, cases[i].hlen);
        ks_der_write_free(&d);
    }
    free(buf);
}

static void
test_flags_fields(void)
{
    static const unsigned char flags[] = { 3, 5, 0, 0x40, 0x81, 0, 0x10 };
    static const unsigned char seq[] = {
        0x30, 0x0a, 0xa0, 0x03, 2, 1, 5, 0xa2, 0x03, 2, 1, 7
    };
    krb5_data d = { 0 }, a = { 0 }, c = { 0 };
    const krb5_data *fields[3] = { &a, NULL, &c };

    ok(ks_der_write_flags(0x40810010, &d) == 0 &&
       same(&d, flags, sizeof(flags)),
       "KerberosFlags: 32-bit BIT STRING, bit 0 first");
    ks_der_write_free(&d);
    ks_der_write_integer(5, &a);
    ks_der_write_integer(7, &c);
    ok(ks_der_write_fields(fields, 3, &d) == 0 && same(&d, seq, sizeof(seq)),
       "SEQUENCE of [0] and [2], the absent [1] left out");
    ks_der_write_free(&d);
    ks_der_write_free(&a);
    ks_der_write_free(&c);
}

/* Our GeneralizedTime is the one inside MIT's PA-ENC-TS-ENC encoding. */
static void
test_time(krb5_timestamp t)
{
    krb5_pa_enc_ts ts = { t, 0 };
    krb5_data *mit = NULL, d = { 0 };
    int found = 0;

    if (encode_krb5_pa_enc_ts(&ts, &mit) == 0 &&
        ks_der_write_time(t, &d) == 0 && d.length == 17) {
        for (size_t i = 0; i + d.length <= mit->length; i++)
            found |= memcmp(mit->data + i, d.data, d.length) == 0;
    }
    ok(found, "GeneralizedTime of %lu as MIT encodes it",
       (unsigned long)(uint32_t)t);
    krb5_free_data(ctx->k5, mit);
    ks_der_write_free(&d);
}

static krb5_keyblock *
random_key(void)
{
    krb5_keyblock *k = calloc(1, sizeof(*k));

    if (k == NULL ||
        krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                               k) != 0)
        abort();
    return k;
}

static void
test_keys(void)
{
    krb5_keyblock *a = random_key(), *b = random_key();
    krb5_keyblock *got = NULL, *want = NULL, *swapped = NULL;

    ok(ks_fast_armor_key(ctx, a, b, &got) == 0 &&
       krb5_c_fx_cf2_simple(ctx->k5, a, "subkeyarmor", b, "ticketarmor",
                            &want) == 0 &&
       got->length == want->length &&
       memcmp(got->contents, want->contents, got->length) == 0,
       "armor key = KRB-FX-CF2(subkey, ticket key, subkeyarmor, "
       "ticketarmor)");
    ok(ks_fast_armor_key(ctx, b, a, &swapped) == 0 &&
       memcmp(got->contents, swapped->contents, got->length) != 0,
       "the armor key depends on the order of the keys");
    krb5_free_keyblock(ctx->k5, got);
    krb5_free_keyblock(ctx->k5, want);
    got = want = NULL;
    ok(ks_fast_reply_key(ctx, a, b, &got) == 0 &&
       krb5_c_fx_cf2_simple(ctx->k5, a, "strengthenkey", b, "replykey",
                            &want) == 0 &&
       got->enctype == a->enctype &&
       memcmp(got->contents, want->contents, got->length) == 0,
       "reply key = KRB-FX-CF2(strengthen key, reply key, strengthenkey, "
       "replykey)");
    krb5_free_keyblock(ctx->k5, got);
    krb5_free_keyblock(ctx->k5, want);
    krb5_free_keyblock(ctx->k5, swapped);
    krb5_free_keyblock(ctx->k5, a);
    krb5_free_keyblock(ctx->k5, b);
}

/* A FAST state with ARMOR_KEY, AS armor when AS_ARMOR. */
static struct ks_fast *
new_fast(bool as_armor)
{
    struct ks_fast *f = calloc(1, sizeof(*f));
    krb5_data type = { 0 }, value = { 0 };
    const krb5_data *fields[2] = { &type, &value };

    if (f == NULL)
        abort();
    f->armor_key = random_key();
    f->stage = as_armor ? "AS fast" : "1/8 request";
    f->tgs = !as_armor;
    f->step = as_armor ? 0 : 1;
    if (as_armor) {
        ks_der_write_integer(KS_FAST_ARMOR_AP_REQUEST, &type);
        ks_der_write_octet_string("AP-REQ bytes", 12, &value);
        ks_der_write_fields(fields, 2, &f->armor);
        ks_der_write_free(&type);
        ks_der_write_free(&value);
    }
    return f;
}

struct req_fixture {
    krb5_principal client, server;
    krb5_enctype etypes[2];
    krb5_pa_data pa, *padata[2];
    krb5_kdc_req kr;
};

static void
make_req(struct req_fixture *rf)
{
    static unsigned char pac[] = { 0x30, 5, 0xa0, 3, 1, 1, 0xff };

    memset(rf, 0, sizeof(*rf));
    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &rf->client);
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &rf->server);
    rf->etypes[0] = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    rf->pa.magic = KV5M_PA_DATA;
    rf->pa.pa_type = KRB5_PADATA_PAC_REQUEST;
    rf->pa.length = sizeof(pac);
    rf->pa.contents = pac;
    rf->padata[0] = &rf->pa;
    rf->kr.magic = KV5M_KDC_REQ;
    rf->kr.msg_type = KRB5_AS_REQ;
    rf->kr.kdc_options = KDC_OPT_RENEWABLE_OK;
    rf->kr.client = rf->client;
    rf->kr.server = rf->server;
    rf->kr.till = 2000000000;
    rf->kr.nonce = 0x1234567;
    rf->kr.nktypes = 1;
    rf->kr.ktype = rf->etypes;
    rf->kr.padata = rf->padata;
}

static void
free_req(struct req_fixture *rf)
{
    krb5_free_principal(ctx->k5, rf->client);
    krb5_free_principal(ctx->k5, rf->server);
}

/* Open the KrbFastReq of AR with F's armor key. */
static krb5_fast_req *
open_fast_req(const struct ks_fast *f, const krb5_fast_armored_req *ar)
{
    krb5_data plain = { 0 };
    krb5_fast_req *fr = NULL;

    plain.length = ar->enc_part.ciphertext.length;
    plain.data = malloc(plain.length);
    if (plain.data != NULL &&
        krb5_c_decrypt(ctx->k5, f->armor_key, KS_KU_FAST_ENC, NULL,
                       &ar->enc_part, &plain) == 0)
        decode_krb5_fast_req(&plain, &fr);
    free(plain.data);
    return fr;
}

static bool
checksum_ok(const struct ks_fast *f, const krb5_data *over,
            const krb5_checksum *ck)
{
    krb5_boolean valid = FALSE;

    return krb5_c_verify_checksum(ctx->k5, f->armor_key,
                                  KS_KU_FAST_REQ_CHKSUM, over, ck,
                                  &valid) == 0 && valid;
}

static void
test_request(bool as_armor)
{
    struct ks_fast *f = new_fast(as_armor);
    struct req_fixture rf;
    krb5_pa_data *pa = NULL;
    krb5_fast_armored_req *ar = NULL;
    krb5_fast_req *fr = NULL;
    krb5_data der, *body = NULL, apreq = { KV5M_DATA, 6, "AP-REQ" };
    const char *what = as_armor ? "AS" : "TGS";

    make_req(&rf);
    is_int(ks_fast_make_padata(ctx, f, &rf.kr, as_armor ? NULL : &apreq,
                               &pa), 0, "%s: PA-FX-FAST made", what);
    der.length = pa->length;
    der.data = (char *)pa->contents;
    is_int(pa->pa_type, KS_PA_FX_FAST, "%s: padata type 136", what);
    is_int(decode_krb5_pa_fx_fast_request(&der, &ar), 0,
           "%s: MIT decodes our PA-FX-FAST-REQUEST", what);
    encode_krb5_kdc_req_body(&rf.kr, &body);
    if (as_armor)
        ok(ar->armor != NULL && ar->armor->armor_type == 1 &&
           ar->armor->armor_value.length == 12 &&
           memcmp(ar->armor->armor_value.data, "AP-REQ bytes", 12) == 0,
           "AS: KrbFastArmor type 1 carries the AP-REQ");
    else
        ok(ar->armor == NULL, "TGS: implicit armor, no armor field");
    ok(checksum_ok(f, as_armor ? body : &apreq, &ar->req_checksum),
       "%s: req-checksum (usage 50) over the %s verifies", what,
       as_armor ? "req-body" : "AP-REQ");
    fr = open_fast_req(f, ar);
    ok(fr != NULL && fr->fast_options == 0 && fr->req_body != NULL &&
       fr->req_body->nonce == rf.kr.nonce &&
       fr->req_body->till == rf.kr.till &&
       krb5_principal_compare(ctx->k5, fr->req_body->server, rf.server) &&
       krb5_principal_compare(ctx->k5, fr->req_body->client, rf.client),
       "%s: the KrbFastReq (usage 51) holds the req-body", what);
    ok(fr != NULL && fr->req_body->padata != NULL &&
       fr->req_body->padata[0] != NULL &&
       fr->req_body->padata[0]->pa_type == KRB5_PADATA_PAC_REQUEST &&
       fr->req_body->padata[1] == NULL,
       "%s: ... and the real padata", what);
    krb5_free_fast_req(ctx->k5, fr);
    krb5_free_fast_armored_req(ctx->k5, ar);
    krb5_free_data(ctx->k5, body);
    free(pa->contents);
    free(pa);
    free_req(&rf);
    ks_fast_free(ctx, f);
}

/* What a test reply is made of, and how to spoil it. */
struct spoil {
    bool strip;             /* no PA-FX-FAST at all */
    bool no_finished;
    bool no_strengthen;
    bool bad_cksum;         /* checksum over other bytes */
    bool wrong_key;         /* encrypted with another key */
    krb5_int32 nonce_delta;
};

static krb5_ticket *
fake_ticket(void)
{
    static char cipher[] = "not really a ciphertext";
    krb5_ticket *t = calloc(1, sizeof(*t));

    t->magic = KV5M_TICKET;
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &t->server);
    t->enc_part.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    t->enc_part.ciphertext.length = sizeof(cipher);
    t->enc_part.ciphertext.data = malloc(sizeof(cipher));
    memcpy(t->enc_part.ciphertext.data, cipher, sizeof(cipher));
    return t;
}

/* PA-FX-FAST contents: the KrbFastResponse RESP encrypted for F. */
static krb5_data *
seal_response(const struct ks_fast *f, const krb5_fast_response *resp,
              bool wrong_key)
{
    krb5_keyblock *key = wrong_key ? random_key() : f->armor_key;
    krb5_data *plain = NULL, *out = NULL;
    krb5_enc_data enc = { 0 };
    size_t len = 0;

    encode_krb5_fast_response(resp, &plain);
    krb5_c_encrypt_length(ctx->k5, key->enctype, plain->length, &len);
    enc.enctype = key->enctype;
    enc.ciphertext.length = (unsigned int)len;
    enc.ciphertext.data = malloc(len);
    krb5_c_encrypt(ctx->k5, key, KS_KU_FAST_REP, NULL, plain, &enc);
    encode_krb5_pa_fx_fast_reply(&enc, &out);
    free(enc.ciphertext.data);
    krb5_free_data(ctx->k5, plain);
    if (wrong_key)
        krb5_free_keyblock(ctx->k5, key);
    return out;
}

/* A decoded reply for nonce 42 with a FAST response spoiled as S says. */
static krb5_kdc_rep *
fake_reply(const struct ks_fast *f, const struct spoil *s,
           krb5_pa_data **inner_padata)
{
    krb5_kdc_rep *rep = calloc(1, sizeof(*rep));
    krb5_fast_response resp;
    krb5_fast_finished fin;
    krb5_data *tkt = NULL, *sealed;
    krb5_keyblock *strengthen = random_key();
    krb5_pa_data *none[1] = { NULL };

    rep->msg_type = KRB5_AS_REP;
    rep->ticket = fake_ticket();
    krb5_parse_name(ctx->k5, "mallory@TEST.REALM", &rep->client);
    memset(&resp, 0, sizeof(resp));
    memset(&fin, 0, sizeof(fin));
    encode_krb5_ticket(rep->ticket, &tkt);
    if (s->bad_cksum)
        tkt->data[tkt->length - 1] ^= 1;
    krb5_c_make_checksum(ctx->k5, 0, f->armor_key, KS_KU_FAST_FINISHED, tkt,
                         &fin.ticket_checksum);
    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &fin.client);
    fin.timestamp = 1795538209;
    resp.padata = inner_padata != NULL ? inner_padata : none;
    resp.strengthen_key = s->no_strengthen ? NULL : strengthen;
    resp.finished = s->no_finished ? NULL : &fin;
    resp.nonce = 42 + s->nonce_delta;
    sealed = seal_response(f, &resp, s->wrong_key);
    rep->padata = calloc(2, sizeof(*rep->padata));
    if (!s->strip) {
        rep->padata[0] = calloc(1, sizeof(krb5_pa_data));
        rep->padata[0]->pa_type = KS_PA_FX_FAST;
        rep->padata[0]->length = sealed->length;
        rep->padata[0]->contents = (krb5_octet *)sealed->data;
        sealed->data = NULL;
    }
    krb5_free_data(ctx->k5, sealed);
    krb5_free_data(ctx->k5, tkt);
    krb5_free_checksum_contents(ctx->k5, &fin.ticket_checksum);
    krb5_free_principal(ctx->k5, fin.client);
    krb5_free_keyblock(ctx->k5, strengthen);
    return rep;
}

static krb5_error_code
try_reply(bool tgs, const struct spoil *s, char **client_out)
{
    struct ks_fast *f = new_fast(!tgs);
    krb5_kdc_rep *rep = fake_reply(f, s, NULL);
    krb5_keyblock *strengthen = NULL;
    krb5_error_code ret;

    ret = ks_fast_open_reply(ctx, f, rep, 42, &strengthen);
    if (!ret && client_out != NULL)
        krb5_unparse_name(ctx->k5, rep->client, client_out);
    if (!ret && !s->no_strengthen && strengthen == NULL)
        ret = -1;
    krb5_free_keyblock(ctx->k5, strengthen);
    krb5_free_kdc_rep(ctx->k5, rep);
    ks_fast_free(ctx, f);
    return ret;
}

static void
test_replies(void)
{
    struct spoil s;
    char *client = NULL;

    memset(&s, 0, sizeof(s));
    is_int(try_reply(false, &s, &client), 0, "a good FAST AS reply opens");
    is_str(client, "alice@TEST.REALM",
           "the client comes from finished, not the clear reply");
    krb5_free_unparsed_name(ctx->k5, client);
    is_int(try_reply(true, &s, NULL), 0, "a good FAST TGS reply opens");
    s.strip = true;
    is_int(try_reply(false, &s, NULL), KRB5_ERR_FAST_REQUIRED,
           "FAST stripped from an AS reply: refused");
    is_int(try_reply(true, &s, NULL), -1,
           "a TGS reply without FAST is taken as plain, with no strengthen "
           "key (a stripped one then fails to open)");
    memset(&s, 0, sizeof(s));
    s.nonce_delta = 1;
    is_int(try_reply(false, &s, NULL), KRB5_KDCREP_MODIFIED,
           "another nonce in the FAST response: modified");
    memset(&s, 0, sizeof(s));
    s.no_finished = true;
    is_int(try_reply(false, &s, NULL), KRB5_KDCREP_MODIFIED,
           "no finished message: modified");
    memset(&s, 0, sizeof(s));
    s.bad_cksum = true;
    is_int(try_reply(false, &s, NULL), KRB5_KDCREP_MODIFIED,
           "ticket checksum over other bytes: modified");
    memset(&s, 0, sizeof(s));
    s.no_strengthen = true;
    is_int(try_reply(false, &s, NULL), 0,
           "an AS reply may come without a strengthen key");
    is_int(try_reply(true, &s, NULL), KRB5_KDCREP_MODIFIED,
           "a TGS reply without a strengthen key: modified (RFC 6113 "
           "5.4.3)");
    memset(&s, 0, sizeof(s));
    s.wrong_key = true;
    ok(try_reply(false, &s, NULL) != 0,
       "a FAST response under another key is refused");
}

/* KRB-ERROR whose e-data hold PA-FX-FAST with PA-FX-ERROR (code 24). */
static void
test_error(void)
{
    struct ks_fast *f = new_fast(true);
    krb5_error inner, outer, *got = NULL;
    krb5_data *inner_der = NULL, *edata = NULL;
    krb5_pa_data fx_err, *inner_pa[2] = { &fx_err, NULL };
    krb5_pa_data **outer_pa = NULL, **padata = NULL;
    struct spoil s;
    krb5_kdc_rep *rep;

    memset(&inner, 0, sizeof(inner));
    memset(&outer, 0, sizeof(outer));
    memset(&s, 0, sizeof(s));
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &inner.server);
    inner.error = 24;
    encode_krb5_error(&inner, &inner_der);
    fx_err.magic = KV5M_PA_DATA;
    fx_err.pa_type = KS_PA_FX_ERROR;
    fx_err.length = inner_der->length;
    fx_err.contents = (krb5_octet *)inner_der->data;
    /* The reply helper seals a response; its padata are what we need. */
    rep = fake_reply(f, &s, inner_pa);
    outer_pa = rep->padata;
    encode_krb5_padata_sequence(outer_pa, &edata);
    outer.error = 25;
    outer.server = inner.server;
    outer.e_data = *edata;
    is_int(ks_fast_open_error(ctx, f, &outer, 42, &got, &padata), 0,
           "a FAST error opens");
    ok(got != NULL && got->error == 24,
       "the inner PA-FX-ERROR counts, not the outer error");
    ok(padata != NULL && padata[0] != NULL &&
       padata[0]->pa_type == KS_PA_FX_ERROR,
       "the padata come from the FAST response");
    krb5_free_error(ctx->k5, got);
    krb5_free_pa_data(ctx->k5, padata);
    got = NULL;
    padata = NULL;
    is_int(ks_fast_open_error(ctx, f, &outer, 43, &got, &padata),
           KRB5_KDCREP_MODIFIED, "a FAST error for another nonce: refused");
    outer.e_data.length = 0;
    ok(ks_fast_open_error(ctx, f, &outer, 42, &got, &padata) == 0 &&
       got == NULL, "an error outside FAST is not opened");
    krb5_free_data(ctx->k5, edata);
    krb5_free_data(ctx->k5, inner_der);
    krb5_free_principal(ctx->k5, inner.server);
    krb5_free_kdc_rep(ctx->k5, rep);
    ks_fast_free(ctx, f);
}

/* The KDC's challenge encrypted with CF2(armor, client key, PEPPER). */
static krb5_pa_data *
kdc_challenge(const struct ks_fast *f, const krb5_keyblock *client,
              const char *pepper, krb5_keyusage usage)
{
    krb5_pa_enc_ts ts = { 1795538209, 0 };
    krb5_keyblock *key = NULL;
    krb5_data *plain = NULL, *der = NULL;
    krb5_enc_data enc = { 0 };
    krb5_pa_data *pa = calloc(1, sizeof(*pa));
    size_t len = 0;

    krb5_c_fx_cf2_simple(ctx->k5, f->armor_key, pepper,
                         (krb5_keyblock *)client, "challengelongterm", &key);
    encode_krb5_pa_enc_ts(&ts, &plain);
    krb5_c_encrypt_length(ctx->k5, key->enctype, plain->length, &len);
    enc.enctype = key->enctype;
    enc.ciphertext.length = (unsigned int)len;
    enc.ciphertext.data = malloc(len);
    krb5_c_encrypt(ctx->k5, key, usage, NULL, plain, &enc);
    encode_krb5_enc_data(&enc, &der);
    pa->pa_type = KS_PA_ENCRYPTED_CHALLENGE;
    pa->length = der->length;
    pa->contents = (krb5_octet *)der->data;
    free(der);
    free(enc.ciphertext.data);
    krb5_free_data(ctx->k5, plain);
    krb5_free_keyblock(ctx->k5, key);
    return pa;
}

static void
test_challenge(void)
{
    struct ks_fast *f = new_fast(true);
    krb5_keyblock *client = random_key(), *key = NULL;
    krb5_pa_data *pa = NULL, *list[2] = { NULL, NULL };
    krb5_enc_data *enc = NULL;
    krb5_pa_enc_ts *ts = NULL;
    krb5_data der, plain = { 0 };

    is_int(ks_fast_make_challenge(ctx, f, client, 1795538209, 7, &pa), 0,
           "PA-ENCRYPTED-CHALLENGE made");
    der.length = pa->length;
    der.data = (char *)pa->contents;
    krb5_c_fx_cf2_simple(ctx->k5, f->armor_key, "clientchallengearmor",
                         client, "challengelongterm", &key);
    if (decode_krb5_enc_data(&der, &enc) == 0) {
        plain.length = enc->ciphertext.length;
        plain.data = malloc(plain.length);
        if (krb5_c_decrypt(ctx->k5, key, KS_KU_ENC_CHALLENGE_CLIENT, NULL,
                           enc, &plain) == 0)
            decode_krb5_pa_enc_ts(&plain, &ts);
    }
    ok(pa->pa_type == KS_PA_ENCRYPTED_CHALLENGE && ts != NULL &&
       ts->patimestamp == 1795538209 && ts->pausec == 7,
       "the KDC opens it with the client challenge key (usage 54)");
    free(plain.data);
    krb5_free_pa_enc_ts(ctx->k5, ts);
    krb5_free_enc_data(ctx->k5, enc);
    free(pa->contents);
    free(pa);
    list[0] = kdc_challenge(f, client, "kdcchallengearmor",
                            KS_KU_ENC_CHALLENGE_KDC);
    is_int(ks_fast_verify_challenge(ctx, f, client, list), 0,
           "the KDC's challenge (usage 55) verifies");
    free(list[0]->contents);
    free(list[0]);
    list[0] = kdc_challenge(f, client, "clientchallengearmor",
                            KS_KU_ENC_CHALLENGE_CLIENT);
    is_int(ks_fast_verify_challenge(ctx, f, client, list),
           KRB5_KDCREP_MODIFIED, "our own challenge echoed back: refused");
    free(list[0]->contents);
    free(list[0]);
    list[0] = NULL;
    is_int(ks_fast_verify_challenge(ctx, f, client, list),
           KRB5_KDCREP_MODIFIED, "no KDC challenge in the reply: refused");
    krb5_free_keyblock(ctx->k5, key);
    krb5_free_keyblock(ctx->k5, client);
    ks_fast_free(ctx, f);
}

static void
test_config(void)
{
    krb5_creds tgt;
    krb5_ccache cc = NULL;
    krb5_data value = { 0 };
    krb5_data realm = { KV5M_DATA, 10, "TEST.REALM" };
    krb5_data other = { KV5M_DATA, 11, "OTHER.REALM" };

    memset(&tgt, 0, sizeof(tgt));
    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &tgt.client);
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &tgt.server);
    tgt.ticket.data = "ticket";
    tgt.ticket.length = 6;
    tgt.times.endtime = 2000000000;
    krb5_cc_new_unique(ctx->k5, "MEMORY", NULL, &cc);
    krb5_cc_initialize(ctx->k5, cc, tgt.client);
    krb5_cc_store_cred(ctx->k5, cc, &tgt);
    ok(!ks_fast_ccache_avail(ctx, cc, &realm),
       "a cache without the entry: no FAST for TGS");
    ks_fast_store_avail(ctx, cc, &tgt);
    ok(krb5_cc_get_config(ctx->k5, cc, tgt.server, "fast_avail",
                          &value) == 0 && value.length == 3 &&
       memcmp(value.data, "yes", 3) == 0,
       "the entry is MIT's config fast_avail = yes");
    krb5_free_data_contents(ctx->k5, &value);
    ok(ks_fast_ccache_avail(ctx, cc, &realm),
       "with the entry: FAST for the realm's TGS");
    ok(!ks_fast_ccache_avail(ctx, cc, &other), "... not for another realm");
    krb5_cc_destroy(ctx->k5, cc);
    krb5_free_principal(ctx->k5, tgt.server);
    krb5_parse_name(ctx->k5, "HTTP/web@TEST.REALM", &tgt.server);
    krb5_cc_new_unique(ctx->k5, "MEMORY", NULL, &cc);
    krb5_cc_initialize(ctx->k5, cc, tgt.client);
    ks_fast_store_avail(ctx, cc, &tgt);
    ok(!ks_fast_ccache_avail(ctx, cc, &realm),
       "no entry for a ticket that is no TGT (kinit -S)");
    krb5_cc_destroy(ctx->k5, cc);
    krb5_free_principal(ctx->k5, tgt.server);
    krb5_free_principal(ctx->k5, tgt.client);
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (ks_context_new("test_fast", &ctx, NULL) != 0) {
        ok(0, "context");
        return tap_done();
    }
    test_integers();
    test_lengths();
    test_flags_fields();
    test_time(1795538209);
    test_time((krb5_timestamp)0x80000000U);
    test_keys();
    test_request(true);
    test_request(false);
    test_replies();
    test_error();
    test_challenge();
    test_config();
    ks_context_free(ctx);
    return tap_done();
}

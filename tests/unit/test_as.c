/*
 * as: what the AS room does offline: the request it encodes, the key hint
 * it picks, PA-ENC-TIMESTAMP, and every reply check, against replies built
 * here with MIT's encoders and random keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "exchange/as.h"
#include "core/krb5_private.h"
#include "tap.h"

static struct ks_context *ctx;
static krb5_principal alice, tgs, other;

static const krb5_enctype aes_both[] = {
    ENCTYPE_AES256_CTS_HMAC_SHA1_96, ENCTYPE_AES128_CTS_HMAC_SHA1_96, 0
};
static const krb5_enctype aes256_only[] = {
    ENCTYPE_AES256_CTS_HMAC_SHA1_96, 0
};

static void
test_nonce(void)
{
    krb5_int32 n, first = 0;
    bool all_positive = true, all_same = true;

    for (int i = 0; i < 2000; i++) {
        if (ks_as_make_nonce(ctx->k5, &n) != 0)
            all_positive = false;
        if (n < 0)
            all_positive = false;
        if (i == 0)
            first = n;
        else if (n != first)
            all_same = false;
    }
    ok(all_positive, "2000 nonces are all non-negative (31 bits)");
    ok(!all_same, "nonces differ");
}

static struct ks_as_options
base_options(void)
{
    struct ks_as_options o = { 0 };

    o.client = alice;
    o.renew_lifetime = -1;
    o.forwardable = -1;
    o.proxiable = -1;
    o.addresses = -1;
    o.request_pac = -1;
    return o;
}

static void
test_init_request(void)
{
    struct ks_as_options o = base_options();
    struct ks_as_request req;

    ctx->config.forwardable = false;
    ctx->config.renew_lifetime = 0;
    o.lifetime = 3600;
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    is_int(req.till, 1003600, "till is now + lifetime");
    is_int(req.rtime, 0, "no rtime without a renewable life");
    ok(req.kdc_options & KDC_OPT_RENEWABLE_OK, "renewable-ok by default");
    ok(!(req.kdc_options & KDC_OPT_FORWARDABLE), "not forwardable");
    ctx->config.kdc_default_options = 0;
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    ok(!(req.kdc_options & KDC_OPT_RENEWABLE_OK),
       "kdc_default_options = 0: no renewable-ok");
    ctx->config.kdc_default_options = KDC_OPT_RENEWABLE_OK;

    o.forwardable = 1;
    o.proxiable = 1;
    o.renew_lifetime = 60;
    o.start_delay = 500;
    o.canonicalize = true;
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    ok(req.kdc_options & KDC_OPT_FORWARDABLE, "-f: forwardable");
    ok(req.kdc_options & KDC_OPT_PROXIABLE, "-p: proxiable");
    ok(req.kdc_options & KDC_OPT_CANONICALIZE, "-C: canonicalize");
    ok((req.kdc_options & KDC_OPT_POSTDATED) &&
       (req.kdc_options & KDC_OPT_ALLOW_POSTDATE), "-s: postdated");
    is_int(req.from, 1000500, "from is now + start");
    is_int(req.till, 1004100, "till counts from the start");
    ok(req.kdc_options & KDC_OPT_RENEWABLE, "renewable with a renew life");
    ok(!(req.kdc_options & KDC_OPT_RENEWABLE_OK), "no renewable-ok then");
    is_int(req.rtime, req.till, "rtime is never shorter than till");

    o = base_options();
    ctx->config.forwardable = true;
    ctx->config.renew_lifetime = 7200;
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    ok(req.kdc_options & KDC_OPT_FORWARDABLE, "forwardable from krb5.conf");
    ok(req.kdc_options & KDC_OPT_RENEWABLE, "renew_lifetime from krb5.conf");
    is_int(req.till, 1000000 + ctx->config.ticket_lifetime,
           "ticket_lifetime from krb5.conf");
    ctx->config.forwardable = false;
    ctx->config.renew_lifetime = 0;
}

static const krb5_pa_data *
find_pa(krb5_pa_data **padata, krb5_preauthtype type)
{
    for (size_t i = 0; padata != NULL && padata[i] != NULL; i++) {
        if (padata[i]->pa_type == type)
            return padata[i];
    }
    return NULL;
}

static void
test_encode(void)
{
    struct ks_as_options o = base_options();
    struct ks_as_request req;
    krb5_kdc_req *dec = NULL;
    krb5_data cookie = { KV5M_DATA, 3, (char *)"abc" };
    const krb5_pa_data *pa;
    static const krb5_octet pac_true[] = { 0x30, 0x05, 0xa0, 0x03,
                                           0x01, 0x01, 0xff };

    o.request_pac = 1;
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    req.nonce = 0x12345678;
    is_int(ks_as_encode_request(ctx, &req, NULL, &cookie), 0,
           "the AS-REQ encodes");
    ok(req.der.length > 0 && (unsigned char)req.der.data[0] == 0x6a,
       "it is an [APPLICATION 10] AS-REQ");
    is_int(decode_krb5_as_req(&req.der, &dec), 0, "and decodes again");
    if (dec == NULL)
        return;
    is_int(dec->nonce, 0x12345678, "nonce round trip");
    ok(krb5_principal_compare(ctx->k5, dec->client, alice), "cname");
    ok(krb5_principal_compare(ctx->k5, dec->server, tgs), "sname");
    is_int(dec->nktypes, 2, "two enctypes");
    is_int(dec->ktype[0], ENCTYPE_AES256_CTS_HMAC_SHA1_96, "in our order");
    is_int(dec->till, req.till, "till round trip");
    pa = find_pa(dec->padata, KRB5_PADATA_PAC_REQUEST);
    ok(pa != NULL && pa->length == sizeof(pac_true) &&
       memcmp(pa->contents, pac_true, sizeof(pac_true)) == 0,
       "PA-PAC-REQUEST true");
    pa = find_pa(dec->padata, KRB5_ENCPADATA_REQ_ENC_PA_REP);
    ok(pa != NULL && pa->length == 0, "PA-REQ-ENC-PA-REP, empty");
    pa = find_pa(dec->padata, KRB5_PADATA_FX_COOKIE);
    ok(pa != NULL && pa->length == 3 && memcmp(pa->contents, "abc", 3) == 0,
       "the cookie is echoed");
    krb5_free_kdc_req(ctx->k5, dec);
    dec = NULL;

    o.request_pac = -1;
    ks_as_request_clear(&req);
    ks_as_init_request(ctx, &o, tgs, aes_both, 1000000, &req);
    ks_as_encode_request(ctx, &req, NULL, NULL);
    decode_krb5_as_req(&req.der, &dec);
    ok(dec != NULL && find_pa(dec->padata, KRB5_PADATA_PAC_REQUEST) == NULL,
       "no PA-PAC-REQUEST unless asked");
    ok(dec != NULL &&
       find_pa(dec->padata, KRB5_ENCPADATA_REQ_ENC_PA_REP) != NULL,
       "PA-REQ-ENC-PA-REP always");
    krb5_free_kdc_req(ctx->k5, dec);
    ks_as_request_clear(&req);
}

/* METHOD-DATA holding one ETYPE-INFO2 of the given entries. */
static krb5_pa_data **
method_data(krb5_etype_info_entry **entries)
{
    krb5_data *der = NULL;
    krb5_pa_data **padata = calloc(2, sizeof(*padata));

    encode_krb5_etype_info2(entries, &der);
    padata[0] = calloc(1, sizeof(**padata));
    padata[0]->magic = KV5M_PA_DATA;
    padata[0]->pa_type = KRB5_PADATA_ETYPE_INFO2;
    padata[0]->length = der->length;
    padata[0]->contents = (krb5_octet *)der->data;
    free(der);
    return padata;
}

static void
test_hint(void)
{
    krb5_etype_info_entry rc4 = { 0 }, aes = { 0 }, nosalt = { 0 };
    krb5_etype_info_entry *list[3] = { &rc4, &aes, NULL };
    krb5_etype_info_entry *list2[2] = { &nosalt, NULL };
    krb5_pa_data **md;
    struct ks_as_hint hint;
    krb5_enctype aes128_only[] = { ENCTYPE_AES128_CTS_HMAC_SHA1_96, 0 };

    rc4.etype = ENCTYPE_ARCFOUR_HMAC;
    rc4.length = 1;
    rc4.salt = (krb5_octet *)"x";
    aes.etype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    aes.length = 15;
    aes.salt = (krb5_octet *)"TEST.REALMalice";
    aes.s2kparams.length = 4;
    aes.s2kparams.data = (char *)"\x00\x00\x10\x00";
    md = method_data(list);
    is_int(ks_as_choose_hint(ctx, md, aes_both, false, &hint), 0,
           "a usable ETYPE-INFO2");
    is_int(hint.etype, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
           "the first entry we asked for, not the KDC's first (rc4)");
    ok(hint.has_salt && hint.salt.length == 15 &&
       memcmp(hint.salt.data, "TEST.REALMalice", 15) == 0, "its salt");
    is_int(hint.s2kparams.length, 4, "its s2kparams");
    ks_as_hint_clear(&hint);
    is_int(ks_as_choose_hint(ctx, md, aes128_only, false, &hint),
           KRB5_CONFIG_ETYPE_NOSUPP,
           "entries only for enctypes we did not ask for are refused");
    krb5_free_pa_data(ctx->k5, md);

    nosalt.etype = ENCTYPE_AES128_CTS_HMAC_SHA1_96;
    nosalt.length = KS_ETYPE_NO_SALT;
    md = method_data(list2);
    is_int(ks_as_choose_hint(ctx, md, aes_both, false, &hint), 0, "no salt");
    ok(!hint.has_salt, "an absent salt means the default salt");
    ks_as_hint_clear(&hint);
    krb5_free_pa_data(ctx->k5, md);

    is_int(ks_as_choose_hint(ctx, NULL, aes_both, false, &hint), 0, "no padata");
    is_int(hint.etype, 0, "no hint at all");
}

static void
test_password_key(void)
{
    struct ks_as_hint hint = { 0 };
    krb5_keyblock mine = { 0 }, mit = { 0 };
    krb5_data pw = { KV5M_DATA, 8, (char *)"alice-pw" };
    krb5_data salt = { KV5M_DATA, 15, (char *)"TEST.REALMalice" };

    hint.etype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    is_int(ks_as_password_key(ctx, alice, "alice-pw", &hint, &mine), 0,
           "key from a password and the default salt");
    krb5_c_string_to_key(ctx->k5, hint.etype, &pw, &salt, &mit);
    ok(mine.length == mit.length &&
       memcmp(mine.contents, mit.contents, mit.length) == 0,
       "the default salt is realm + name");
    krb5_free_keyblock_contents(ctx->k5, &mine);
    krb5_free_keyblock_contents(ctx->k5, &mit);
    hint.s2kparams.length = 4;
    hint.s2kparams.data = (char *)"\x00\x00\x00\x01";
    ok(ks_as_password_key(ctx, alice, "alice-pw", &hint, &mine) != 0,
       "an s2kparams iteration count of 1 is refused");
}

static void
test_enc_timestamp(void)
{
    krb5_keyblock key = { 0 };
    krb5_pa_data *pa = NULL;
    krb5_data der, plain = { 0 };
    krb5_enc_data *enc = NULL;
    krb5_pa_enc_ts *ts = NULL;

    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &key);
    is_int(ks_as_make_enc_timestamp(ctx, &key, 1234567, 89, &pa), 0,
           "PA-ENC-TIMESTAMP made");
    if (pa == NULL)
        return;
    is_int(pa->pa_type, KRB5_PADATA_ENC_TIMESTAMP, "type 2");
    der.magic = KV5M_DATA;
    der.length = pa->length;
    der.data = (char *)pa->contents;
    decode_krb5_enc_data(&der, &enc);
    plain.length = enc->ciphertext.length;
    plain.data = malloc(plain.length);
    is_int(krb5_c_decrypt(ctx->k5, &key, 1, NULL, enc, &plain), 0,
           "decrypts with key usage 1");
    decode_krb5_pa_enc_ts(&plain, &ts);
    ok(ts != NULL && ts->patimestamp == 1234567 && ts->pausec == 89,
       "holds the time");
    krb5_free_pa_enc_ts(ctx->k5, ts);
    free(plain.data);
    krb5_free_enc_data(ctx->k5, enc);
    free(pa->contents);
    free(pa);
    krb5_free_keyblock_contents(ctx->k5, &key);
}

/* A reply a KDC could send, to be spoiled one field at a time. */
struct fake {
    krb5_keyblock reply_key, session;
    krb5_enctype reply_etype;
    krb5_enc_kdc_rep_part enc;
    krb5_principal client, ticket_server;
    krb5_pa_data *enc_padata[2];
    krb5_pa_data cksum_pa;
    krb5_data *cksum_der;
    krb5_last_req_entry lr, *lr_list[2];
};

static void
fake_init(struct fake *f, const struct ks_as_request *req)
{
    memset(f, 0, sizeof(*f));
    f->reply_etype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    krb5_c_make_random_key(ctx->k5, f->reply_etype, &f->reply_key);
    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                           &f->session);
    f->enc.magic = KV5M_ENC_KDC_REP_PART;
    f->enc.msg_type = KRB5_AS_REP;
    f->enc.session = &f->session;
    f->lr.magic = KV5M_LAST_REQ_ENTRY;
    f->lr_list[0] = &f->lr;
    f->enc.last_req = f->lr_list;
    f->enc.nonce = req->nonce;
    f->enc.flags = TKT_FLG_INITIAL | TKT_FLG_PRE_AUTH;
    f->enc.times.authtime = 1000000;
    f->enc.times.starttime = 1000000;
    f->enc.times.endtime = req->till;
    f->enc.server = req->server;
    f->client = req->client;
    f->ticket_server = req->server;
}

/* Encode the AS-REP for F, the enc-part encrypted with F's reply key. */
static krb5_data *
fake_encode(struct fake *f)
{
    krb5_data *plain = NULL, *out = NULL;
    krb5_kdc_rep rep;
    krb5_ticket tkt;
    size_t len = 0;

    encode_krb5_enc_kdc_rep_part(&f->enc, &plain);
    memset(&tkt, 0, sizeof(tkt));
    tkt.magic = KV5M_TICKET;
    tkt.server = f->ticket_server;
    tkt.enc_part.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    tkt.enc_part.kvno = 1;
    tkt.enc_part.ciphertext.length = 4;
    tkt.enc_part.ciphertext.data = (char *)"tkt!";
    memset(&rep, 0, sizeof(rep));
    rep.magic = KV5M_KDC_REP;
    rep.msg_type = KRB5_AS_REP;
    rep.client = f->client;
    rep.ticket = &tkt;
    krb5_c_encrypt_length(ctx->k5, f->reply_key.enctype, plain->length, &len);
    rep.enc_part.enctype = f->reply_etype;
    rep.enc_part.ciphertext.length = (unsigned int)len;
    rep.enc_part.ciphertext.data = malloc(len);
    krb5_c_encrypt(ctx->k5, &f->reply_key, 3, NULL, plain, &rep.enc_part);
    encode_krb5_as_rep(&rep, &out);
    free(rep.enc_part.ciphertext.data);
    krb5_free_data(ctx->k5, plain);
    return out;
}

/* Run the three reply steps on F; returns the first error. */
static krb5_error_code
fake_check(struct fake *f, const struct ks_as_request *req,
           const krb5_keyblock *key, krb5_creds **creds_out)
{
    krb5_data *der = fake_encode(f);
    krb5_kdc_rep *rep = NULL;
    krb5_error_code ret;

    ret = ks_as_decode_reply(ctx, req, der, &rep);
    if (!ret)
        ret = ks_as_decrypt_reply(ctx, req, rep,
                                  key != NULL ? key : &f->reply_key);
    if (!ret)
        ret = ks_as_verify_reply(ctx, req, rep, 1000010);
    if (!ret && creds_out != NULL)
        ret = ks_as_make_creds(ctx, rep, creds_out);
    krb5_free_kdc_rep(ctx->k5, rep);
    krb5_free_data(ctx->k5, der);
    return ret;
}

static void
fake_free(struct fake *f)
{
    krb5_free_keyblock_contents(ctx->k5, &f->reply_key);
    krb5_free_keyblock_contents(ctx->k5, &f->session);
    krb5_free_data(ctx->k5, f->cksum_der);
}

/* Add PA-REQ-ENC-PA-REP with a checksum over DATA. */
static void
fake_enc_pa_rep(struct fake *f, const krb5_data *data)
{
    krb5_checksum ck = { 0 };

    krb5_c_make_checksum(ctx->k5, 0, &f->reply_key, 56, data, &ck);
    encode_krb5_checksum(&ck, &f->cksum_der);
    krb5_free_checksum_contents(ctx->k5, &ck);
    f->cksum_pa.magic = KV5M_PA_DATA;
    f->cksum_pa.pa_type = KRB5_ENCPADATA_REQ_ENC_PA_REP;
    f->cksum_pa.length = f->cksum_der->length;
    f->cksum_pa.contents = (krb5_octet *)f->cksum_der->data;
    f->enc_padata[0] = &f->cksum_pa;
    f->enc.enc_padata = f->enc_padata;
    f->enc.flags |= TKT_FLG_ENC_PA_REP;
}

static void
test_reply_ok(struct ks_as_request *req)
{
    struct fake f;
    krb5_creds *creds = NULL;
    krb5_ticket *tkt = NULL;

    fake_init(&f, req);
    is_int(fake_check(&f, req, NULL, &creds), 0, "a good reply passes");
    ok(creds != NULL && krb5_principal_compare(ctx->k5, creds->client,
                                               alice), "creds: client");
    ok(creds != NULL && krb5_principal_compare(ctx->k5, creds->server, tgs),
       "creds: server");
    ok(creds != NULL && creds->keyblock.length == f.session.length &&
       memcmp(creds->keyblock.contents, f.session.contents,
              f.session.length) == 0, "creds: the session key");
    ok(creds != NULL && krb5_decode_ticket(&creds->ticket, &tkt) == 0 &&
       krb5_principal_compare(ctx->k5, tkt->server, tgs),
       "creds: the ticket re-encodes");
    krb5_free_ticket(ctx->k5, tkt);
    krb5_free_creds(ctx->k5, creds);
    fake_free(&f);

    fake_init(&f, req);
    fake_enc_pa_rep(&f, &req->der);
    is_int(fake_check(&f, req, NULL, NULL), 0,
           "enc-pa-rep with a checksum over our request passes");
    fake_free(&f);
}

static void
test_reply_bad(struct ks_as_request *req)
{
    struct fake f;
    krb5_keyblock wrong = { 0 };
    krb5_data altered = { KV5M_DATA, 5, (char *)"other" };

    fake_init(&f, req);
    f.enc.nonce ^= 1;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "wrong nonce: modified");
    fake_free(&f);

    fake_init(&f, req);
    f.enc.server = other;
    f.ticket_server = other;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "another sname: modified");
    fake_free(&f);

    fake_init(&f, req);
    f.ticket_server = other;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "ticket sname differs from the enc-part's: modified");
    fake_free(&f);

    fake_init(&f, req);
    f.client = other;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "another cname: modified");
    fake_free(&f);

    fake_init(&f, req);
    f.enc.times.endtime = req->till + 1;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "endtime after till: modified");
    fake_free(&f);

    fake_init(&f, req);
    f.enc.flags |= TKT_FLG_RENEWABLE;
    f.enc.times.renew_till = req->till + 100;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "renewable-ok: renew-till after till: modified");
    fake_free(&f);

    fake_init(&f, req);
    krb5_free_keyblock_contents(ctx->k5, &f.reply_key);
    f.reply_etype = ENCTYPE_AES128_CTS_HMAC_SHA1_96;
    krb5_c_make_random_key(ctx->k5, f.reply_etype, &f.reply_key);
    is_int(fake_check(&f, req, NULL, NULL), KRB5_CONFIG_ETYPE_NOSUPP,
           "a reply in an enctype we did not ask for is refused");
    fake_free(&f);

    fake_init(&f, req);
    krb5_c_make_random_key(ctx->k5, f.reply_etype, &wrong);
    is_int(fake_check(&f, req, &wrong, NULL), KRB5KRB_AP_ERR_BAD_INTEGRITY,
           "the wrong key: bad integrity");
    krb5_free_keyblock_contents(ctx->k5, &wrong);
    fake_free(&f);

    fake_init(&f, req);
    f.enc.flags |= TKT_FLG_ENC_PA_REP;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "enc-pa-rep flag without the checksum: modified");
    fake_free(&f);

    fake_init(&f, req);
    fake_enc_pa_rep(&f, &altered);
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "enc-pa-rep checksum over other bytes: modified");
    fake_free(&f);
}

static void
test_reply_policy(struct ks_as_request *req)
{
    struct fake f;

    ctx->config.kdc_timesync = false;
    fake_init(&f, req);
    f.enc.times.starttime = 1000010 + 3600;
    f.enc.times.endtime = req->till;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_SKEW,
           "an hour of skew without kdc_timesync: skew");
    fake_free(&f);
    ctx->config.kdc_timesync = true;
    fake_init(&f, req);
    f.enc.times.starttime = 1000010 + 3600;
    is_int(fake_check(&f, req, NULL, NULL), 0,
           "with kdc_timesync the offset is taken instead");
    fake_free(&f);

    fake_init(&f, req);
    krb5_free_keyblock_contents(ctx->k5, &f.session);
    krb5_c_make_random_key(ctx->k5, ENCTYPE_DES3_CBC_SHA1, &f.session);
    ctx->config.permitted_enctypes[0] = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    ctx->config.permitted_enctypes[1] = 0;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_CONFIG_ETYPE_NOSUPP,
           "a session key of a non-permitted enctype is refused");
    fake_free(&f);

    fake_init(&f, req);
    f.session.length = 16;
    is_int(fake_check(&f, req, NULL, NULL), KRB5_KDCREP_MODIFIED,
           "a session key of the wrong length is refused");
    f.session.length = 32;
    fake_free(&f);
}

/* The three reply steps on BYTES with KEY; 0 when all pass. */
static krb5_error_code
check_bytes(const struct ks_as_request *req, const krb5_data *bytes,
            const krb5_keyblock *key, krb5_creds **creds_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_error_code ret;

    ret = ks_as_decode_reply(ctx, req, bytes, &rep);
    if (!ret)
        ret = ks_as_decrypt_reply(ctx, req, rep, key);
    if (!ret)
        ret = ks_as_verify_reply(ctx, req, rep, 1000010);
    if (!ret)
        ret = ks_as_make_creds(ctx, rep, creds_out);
    krb5_free_kdc_rep(ctx->k5, rep);
    return ret;
}

/*
 * A good AS-REP cut at every length and changed one byte at a time: every
 * cut is refused, nothing crashes (ASan and valgrind run this), and a
 * change is either refused or in bytes the client cannot check (the
 * ticket), never giving another client, server or session key.
 */
static void
test_reply_hostile(struct ks_as_request *req)
{
    static const unsigned char patterns[] = { 0x01, 0x80, 0xff };
    unsigned int accepted_cut = 0, refused = 0, tried = 0, odd = 0;
    krb5_creds *creds = NULL;
    struct fake f;
    krb5_data *der, bytes;

    fake_init(&f, req);
    der = fake_encode(&f);
    bytes.magic = KV5M_DATA;
    for (unsigned int len = 0; len < der->length; len++) {
        bytes.data = der->data;
        bytes.length = len;
        if (check_bytes(req, &bytes, &f.reply_key, &creds) == 0) {
            accepted_cut++;
            krb5_free_creds(ctx->k5, creds);
        }
    }
    is_int(accepted_cut, 0, "every cut of a %u-byte AS-REP is refused",
           der->length);
    bytes.length = der->length;
    bytes.data = malloc(der->length);
    for (unsigned int pos = 0; bytes.data != NULL && pos < der->length;
         pos++) {
        for (size_t p = 0; p < sizeof(patterns); p++) {
            memcpy(bytes.data, der->data, der->length);
            bytes.data[pos] ^= (char)patterns[p];
            tried++;
            creds = NULL;
            if (check_bytes(req, &bytes, &f.reply_key, &creds) != 0) {
                refused++;
                continue;
            }
            if (!krb5_principal_compare(ctx->k5, creds->client, alice) ||
                !krb5_principal_compare(ctx->k5, creds->server, tgs) ||
                memcmp(creds->keyblock.contents, f.session.contents,
                       f.session.length) != 0)
                odd++;
            krb5_free_creds(ctx->k5, creds);
        }
    }
    free(bytes.data);
    ok(refused > 0 && refused <= tried, "%u of %u changed AS-REPs refused",
       refused, tried);
    is_int(odd, 0, "no changed AS-REP gives another client, server or key");
    krb5_free_data(ctx->k5, der);
    fake_free(&f);
}

static void
test_replies(void)
{
    struct ks_as_options o = base_options();
    struct ks_as_request req;
    krb5_kdc_rep *rep = NULL;
    krb5_data err = { KV5M_DATA, 2, (char *)"\x7e\x00" };

    o.lifetime = 36000;
    ks_as_init_request(ctx, &o, tgs, aes256_only, 1000000, &req);
    req.nonce = 0x2468ace;
    ks_as_encode_request(ctx, &req, NULL, NULL);
    test_reply_ok(&req);
    test_reply_bad(&req);
    test_reply_policy(&req);
    test_reply_hostile(&req);
    is_int(ks_as_decode_reply(ctx, &req, &err, &rep),
           KRB5KRB_AP_ERR_MSG_TYPE, "a KRB-ERROR is not an AS-REP");
    ks_as_request_clear(&req);
}

static void
add_key(krb5_keytab kt, krb5_principal who, krb5_enctype etype)
{
    krb5_keytab_entry e;

    memset(&e, 0, sizeof(e));
    e.principal = who;
    e.vno = 3;
    krb5_c_make_random_key(ctx->k5, etype, &e.key);
    krb5_kt_add_entry(ctx->k5, kt, &e);
    krb5_free_keyblock_contents(ctx->k5, &e.key);
}

static void
test_keytab_etypes(void)
{
    krb5_keytab kt = NULL;
    krb5_enctype *got = NULL;

    krb5_kt_resolve(ctx->k5, "MEMORY:test_as", &kt);
    add_key(kt, alice, ENCTYPE_AES128_CTS_HMAC_SHA1_96);
    add_key(kt, other, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    is_int(ks_as_keytab_etypes(ctx, kt, alice, aes_both, &got), 0,
           "keytab enctypes for alice");
    ok(got != NULL && got[0] == ENCTYPE_AES128_CTS_HMAC_SHA1_96 &&
       got[1] == ENCTYPE_AES256_CTS_HMAC_SHA1_96 && got[2] == 0,
       "the keytab's enctype first, then the rest, as MIT sorts them");
    free(got);
    got = NULL;
    is_int(ks_as_keytab_etypes(ctx, kt, tgs, aes_both, &got),
           KRB5_KT_NOTFOUND, "no key for the principal: not found");
    krb5_kt_close(ctx->k5, kt);
}

/* A KRB-ERROR with CODE and, when CREALM is set, that crealm. */
static krb5_error *
referral_error(krb5_context k5, krb5_ui_4 code, const char *crealm)
{
    krb5_error *err = calloc(1, sizeof(*err));

    err->error = code;
    if (crealm != NULL)
        krb5_build_principal(k5, &err->client, (unsigned int)strlen(crealm),
                             crealm, "mallory", (char *)NULL);
    return err;
}

static bool
message_has(krb5_context k5, krb5_error_code code, const char *want)
{
    const char *msg = krb5_get_error_message(k5, code);
    bool yes = strstr(msg, want) != NULL;

    if (!yes)
        printf("# message: %s\n", msg);
    krb5_free_error_message(k5, msg);
    return yes;
}

static void
test_referral_is(void)
{
    krb5_error *e68 = referral_error(ctx->k5, 68, "OTHER.REALM");
    krb5_error *e6same = referral_error(ctx->k5, 6, "TEST.REALM");
    krb5_error *e6other = referral_error(ctx->k5, 6, "OTHER.REALM");
    krb5_error *e6none = referral_error(ctx->k5, 6, NULL);
    krb5_error *e24 = referral_error(ctx->k5, 24, "OTHER.REALM");

    ok(ks_as_referral_is(e68, alice), "68 is a referral");
    ok(!ks_as_referral_is(e6same, alice),
       "6 with the client's own realm is not");
    ok(ks_as_referral_is(e6other, alice),
       "6 with another crealm is (Windows 2003)");
    ok(!ks_as_referral_is(e6none, alice), "6 without crealm is not");
    ok(!ks_as_referral_is(e24, alice), "24 is not");
    krb5_free_error(ctx->k5, e68);
    krb5_free_error(ctx->k5, e6same);
    krb5_free_error(ctx->k5, e6other);
    krb5_free_error(ctx->k5, e6none);
    krb5_free_error(ctx->k5, e24);
}

/* One referral decision for ERR; *realm_out freed here, returned as a
 * verdict string ("" when none). */
static krb5_error_code
refer(struct ks_context *c, struct ks_as_referral *ref, bool allowed,
      krb5_ui_4 code, const char *crealm, char *next, size_t len)
{
    krb5_error *err = referral_error(c->k5, code, crealm);
    char *realm = NULL;
    krb5_error_code ret;

    ret = ks_as_referral_next(c, ref, alice, allowed, err, &realm);
    snprintf(next, len, "%s", realm != NULL ? realm : "");
    free(realm);
    krb5_free_error(c->k5, err);
    return ret;
}

static void
test_referral_next(void)
{
    struct ks_context *c = NULL;
    struct ks_as_referral ref = { 0 };
    char path[] = "/tmp/test_as_krb5_XXXXXX", next[64], name[16];
    krb5_error_code ret;
    FILE *f;
    int fd, i;

    fd = mkstemp(path);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        ok(0, "temp krb5.conf");
        return;
    }
    fprintf(f, "[realms]\n");
    for (i = 1; i <= 8; i++)
        fprintf(f, " R%d.REALM = {\n  kdc = 127.0.0.1:1\n }\n", i);
    fclose(f);
    setenv("KRB5_CONFIG", path, 1);
    ret = ks_context_new("test_as", &c, NULL);
    setenv("KRB5_CONFIG", "/dev/null", 1);
    ok(ret == 0, "a context with realms R1..R8");
    if (ret) {
        unlink(path);
        return;
    }
    ret = refer(c, &ref, false, 68, "R1.REALM", next, sizeof(next));
    ok(ret == KRB5KDC_ERR_WRONG_REALM && next[0] == '\0' &&
       message_has(c->k5, ret, "kinit -C follows"),
       "not asked for: the plain error, naming -C");
    ret = refer(c, &ref, true, 68, NULL, next, sizeof(next));
    ok(ret == KRB5_KDCREP_MODIFIED && message_has(c->k5, ret, "no realm"),
       "no crealm: refused");
    ret = refer(c, &ref, true, 68, "NOWHERE.REALM", next, sizeof(next));
    ok(ret == KRB5_KDCREP_MODIFIED &&
       message_has(c->k5, ret, "names no KDC for realm NOWHERE.REALM"),
       "a realm without KDCs in krb5.conf: refused");
    ret = refer(c, &ref, true, 68, "R1.REALM", next, sizeof(next));
    ok(ret == 0 && strcmp(next, "R1.REALM") == 0, "R1 followed");
    ret = refer(c, &ref, true, 68, "TEST.REALM", next, sizeof(next));
    ok(ret == KRB5_KDCREP_MODIFIED &&
       message_has(c->k5, ret, "loop TEST.REALM -> R1.REALM -> TEST.REALM"),
       "back to the first realm: a loop");
    for (i = 2; i <= 5; i++) {
        snprintf(name, sizeof(name), "R%d.REALM", i);
        ret = refer(c, &ref, true, 68, name, next, sizeof(next));
        ok(ret == 0 && strcmp(next, name) == 0, "%s followed", name);
    }
    ret = refer(c, &ref, true, 68, "R6.REALM", next, sizeof(next));
    ok(ret == KRB5_KDCREP_MODIFIED &&
       message_has(c->k5, ret, "more than 5 referrals"),
       "the sixth referral: refused");
    ks_as_referral_clear(&ref);
    ks_as_referral_clear(&ref);
    ks_context_free(c);
    unlink(path);
}

static void
test_skew_error(void)
{
    krb5_error err;
    krb5_error_code ret;

    memset(&err, 0, sizeof(err));
    err.error = 37;
    err.stime = 1800000000 + 3600;
    ret = ks_as_skew_error(ctx, &err, 1800000000, true);
    ok(ret == KRB5KRB_AP_ERR_SKEW &&
       message_has(ctx->k5, ret, "this machine's clock says 2027-01-15 "
                   "08:00:00 UTC, the KDC's error claims 2027-01-15 "
                   "09:00:00 UTC (+3600 s"),
       "skew: both clocks in the message");
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (ks_context_new("test_as", &ctx, NULL) != 0) {
        ok(0, "context");
        return tap_done();
    }
    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &alice);
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &tgs);
    krb5_parse_name(ctx->k5, "mallory@TEST.REALM", &other);
    test_nonce();
    test_init_request();
    test_encode();
    test_hint();
    test_password_key();
    test_enc_timestamp();
    test_replies();
    test_keytab_etypes();
    test_referral_is();
    test_referral_next();
    test_skew_error();
    krb5_free_principal(ctx->k5, alice);
    krb5_free_principal(ctx->k5, tgs);
    krb5_free_principal(ctx->k5, other);
    ks_context_free(ctx);
    return tap_done();
}

/*
 * fast: the client side of RFC 6113 (see fast.h).  The request pieces
 * libkrb5 can encode are encoded by it (AP-REQ, KDC-REQ-BODY, PA-DATA
 * sequence, Checksum, EncryptedData); der_write wraps them into the FAST
 * structures MIT has no exported encoder for.  The reply structures are
 * decoded by MIT's exported decoders.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/der_write.h"
#include "core/errors.h"
#include "core/keys.h"
#include "core/secret.h"
#include "exchange/apreq.h"
#include "exchange/fast.h"
#include "core/mit_trace.h"
#include "wire/padata.h"

#define KU_AP_REQ_AUTH 11

static const char conf_realm[] = "X-CACHECONF:";
static const char conf_name[] = "krb5_ccache_conf_data";

static krb5_data
pa_bytes(const krb5_pa_data *pa)
{
    krb5_data d = { KV5M_DATA, pa->length, (char *)pa->contents };

    return d;
}

void
ks_fast_free(struct ks_context *ctx, struct ks_fast *fast)
{
    if (fast == NULL)
        return;
    krb5_free_keyblock(ctx->k5, fast->armor_key);
    ks_der_write_free(&fast->armor);
    free(fast);
}

static krb5_error_code
cf2(struct ks_context *ctx, const krb5_keyblock *k1, const char *pepper1,
    const krb5_keyblock *k2, const char *pepper2, krb5_keyblock **out)
{
    krb5_error_code ret;

    ret = krb5_c_fx_cf2_simple(ctx->k5, (krb5_keyblock *)k1, pepper1,
                               (krb5_keyblock *)k2, pepper2, out);
    if (ret)
        return ks_error_set(ctx, ret, "deriving a FAST key (KRB-FX-CF2 "
                            "\"%s\", \"%s\")", pepper1, pepper2);
    return 0;
}

/* cf2() on key objects: the run's PRF+ of a cached key is reused. */
static krb5_error_code
cf2_k(struct ks_context *ctx, krb5_key k1, const char *pepper1, krb5_key k2,
      const char *pepper2, krb5_keyblock **out)
{
    krb5_error_code ret;

    ret = ks_keys_cf2(ctx, k1, pepper1, k2, pepper2, out);
    if (ret)
        return ks_error_set(ctx, ret, "deriving a FAST key (KRB-FX-CF2 "
                            "\"%s\", \"%s\")", pepper1, pepper2);
    return 0;
}

krb5_error_code
ks_fast_reply_key_k(struct ks_context *ctx, const krb5_keyblock *strengthen,
                    krb5_key reply_key, krb5_keyblock **key_out)
{
    krb5_key sk = NULL;
    krb5_error_code ret;

    ret = krb5_k_create_key(ctx->k5, strengthen, &sk);
    if (ret)
        return ks_error_set(ctx, ret, "deriving a FAST key (KRB-FX-CF2 "
                            "\"strengthenkey\", \"replykey\")");
    ret = cf2_k(ctx, sk, "strengthenkey", reply_key, "replykey", key_out);
    krb5_k_free_key(ctx->k5, sk);
    return ret;
}

krb5_error_code
ks_fast_armor_key(struct ks_context *ctx, const krb5_keyblock *subkey,
                  const krb5_keyblock *ticket_key, krb5_keyblock **key_out)
{
    return cf2(ctx, subkey, "subkeyarmor", ticket_key, "ticketarmor",
               key_out);
}

krb5_error_code
ks_fast_reply_key(struct ks_context *ctx, const krb5_keyblock *strengthen,
                  const krb5_keyblock *reply_key, krb5_keyblock **key_out)
{
    return cf2(ctx, strengthen, "strengthenkey", reply_key, "replykey",
               key_out);
}

static void
zap(krb5_data *d)
{
    ks_der_write_free(d);
}

static krb5_error_code
krbtgt_name(struct ks_context *ctx, const krb5_data *realm, krb5_principal *out)
{
    return krb5_build_principal_ext(ctx->k5, out, realm->length, realm->data,
                                    KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                    realm->length, realm->data, 0);
}

/* The armor cache's TGT for REALM, valid now, into *tgt_out. */
static krb5_error_code
armor_tgt(struct ks_context *ctx, krb5_ccache cc, const krb5_data *realm,
          krb5_creds *tgt_out)
{
    krb5_creds mcred;
    krb5_principal client = NULL, server = NULL;
    krb5_timestamp now;
    krb5_error_code ret;

    memset(&mcred, 0, sizeof(mcred));
    ret = krb5_cc_get_principal(ctx->k5, cc, &client);
    if (ret)
        return ret;     /* libkrb5's message names the file */
    ret = krbtgt_name(ctx, realm, &server);
    if (ret)
        goto cleanup;
    mcred.client = client;
    mcred.server = server;
    ret = krb5_cc_retrieve_cred(ctx->k5, cc, 0, &mcred, tgt_out);
    if (ret) {
        ret = ks_error_set(ctx, KRB5_CC_NOTFOUND, "it holds no "
                           "ticket-granting ticket for %.*s",
                           (int)realm->length, realm->data);
        goto cleanup;
    }
    if (krb5_timeofday(ctx->k5, &now) == 0 &&
        (uint32_t)tgt_out->times.endtime <= (uint32_t)now) {
        krb5_free_cred_contents(ctx->k5, tgt_out);
        ret = ks_error_set(ctx, KRB5KRB_AP_ERR_TKT_EXPIRED, "its "
                           "ticket-granting ticket has expired");
    }

cleanup:
    krb5_free_principal(ctx->k5, client);
    krb5_free_principal(ctx->k5, server);
    return ret;
}

/* AP-REQ { TGT, authenticator { armor client, now, SUBKEY } (usage 11) }. */
static krb5_error_code
armor_ap_req(struct ks_context *ctx, const krb5_creds *tgt,
             krb5_keyblock *subkey, krb5_data **ap_out)
{
    krb5_authenticator auth;
    krb5_error_code ret;

    memset(&auth, 0, sizeof(auth));
    auth.magic = KV5M_AUTHENTICATOR;
    auth.client = tgt->client;
    auth.subkey = subkey;
    ret = krb5_us_timeofday(ctx->k5, &auth.ctime, &auth.cusec);
    if (!ret)
        KS_MTRACE_MK_REQ(ctx, tgt->client, tgt->server, 0, subkey,
                         &tgt->keyblock);
    if (!ret)
        ret = ks_apreq_make(ctx, tgt, 0, KU_AP_REQ_AUTH, &auth, ap_out);
    return ret;
}

/* KrbFastArmor { armor-type 1 (AP-REQ), armor-value AP } into OUT. */
static krb5_error_code
encode_armor(const krb5_data *ap, krb5_data *out)
{
    krb5_data type = { 0 }, value = { 0 };
    const krb5_data *fields[2] = { &type, &value };
    krb5_error_code ret;

    ret = ks_der_write_integer(KS_FAST_ARMOR_AP_REQUEST, &type);
    if (!ret)
        ret = ks_der_write_octet_string(ap->data, ap->length, &value);
    if (!ret)
        ret = ks_der_write_fields(fields, 2, out);
    ks_der_write_free(&type);
    ks_der_write_free(&value);
    return ret;
}

static void
trace_as_armor(struct ks_context *ctx, const krb5_creds *tgt,
               const krb5_keyblock *subkey, const struct ks_fast *fast)
{
    char *client = NULL, *server = NULL, k1[160], k2[160];

    if (!ks_trace_enabled(ctx->trace))
        return;
    if (krb5_unparse_name(ctx->k5, tgt->client, &client) == 0 &&
        krb5_unparse_name(ctx->k5, tgt->server, &server) == 0)
        ks_trace(ctx->trace, "AS fast", 0, "armor",
                 "FAST armor: AP-REQ with %s's ticket %s and a fresh subkey "
                 "%s; armor key %s (KRB-FX-CF2 of subkey and session key)",
                 client, server,
                 ks_trace_key(ctx->trace, ctx->k5, subkey, k1, sizeof(k1)),
                 ks_trace_key(ctx->trace, ctx->k5, fast->armor_key, k2,
                              sizeof(k2)));
    krb5_free_unparsed_name(ctx->k5, client);
    krb5_free_unparsed_name(ctx->k5, server);
}

/* "FAST armor cache FILE:/x: ..." with a hint on making one. */
static void
armor_cache_error(struct ks_context *ctx, krb5_ccache cc,
                  krb5_error_code code)
{
    char *name = NULL;

    if (krb5_cc_get_full_name(ctx->k5, cc, &name) != 0)
        name = NULL;
    ks_error_prefix(ctx, code, "FAST armor cache %s (it needs a "
                    "ticket-granting ticket of the realm, e.g. from kinit "
                    "-k -c %s)", name != NULL ? name : "",
                    name != NULL ? name : "CACHE");
    krb5_free_string(ctx->k5, name);
}

static void
mtrace_armor_ccache(struct ks_context *ctx, krb5_ccache cc)
{
    char *name = NULL;

    if (!ks_mit_trace_on(ctx) || krb5_cc_get_full_name(ctx->k5, cc,
                                                       &name) != 0)
        return;
    KS_MTRACE_FAST_ARMOR_CCACHE(ctx, name);
    krb5_free_string(ctx->k5, name);
}

krb5_error_code
ks_fast_as_armor(struct ks_context *ctx, krb5_ccache armor_cc,
                 const krb5_data *realm, struct ks_fast **fast_out)
{
    struct ks_fast *fast = NULL;
    krb5_creds tgt;
    krb5_keyblock subkey = { 0 };
    krb5_data *ap = NULL;
    krb5_error_code ret;

    memset(&tgt, 0, sizeof(tgt));
    fast = calloc(1, sizeof(*fast));
    if (fast == NULL)
        return ENOMEM;
    fast->stage = "AS fast";
    mtrace_armor_ccache(ctx, armor_cc);
    ret = armor_tgt(ctx, armor_cc, realm, &tgt);
    if (ret) {
        armor_cache_error(ctx, armor_cc, ret);
        goto cleanup;
    }
    KS_MTRACE_FAST_ARMOR_CCACHE_KEY(ctx, &tgt.keyblock);
    ret = krb5_c_make_random_key(ctx->k5, tgt.keyblock.enctype, &subkey);
    if (!ret)
        ret = armor_ap_req(ctx, &tgt, &subkey, &ap);
    if (!ret)
        ret = ks_fast_armor_key(ctx, &subkey, &tgt.keyblock,
                                &fast->armor_key);
    if (!ret)
        KS_MTRACE_FAST_ARMOR_KEY(ctx, fast->armor_key);
    if (!ret)
        ret = encode_armor(ap, &fast->armor);
    if (ret) {
        ks_error_prefix(ctx, ret, "making the FAST armor");
        goto cleanup;
    }
    trace_as_armor(ctx, &tgt, &subkey, fast);
    *fast_out = fast;
    fast = NULL;

cleanup:
    ks_fast_free(ctx, fast);
    krb5_free_data(ctx->k5, ap);
    krb5_free_keyblock_contents(ctx->k5, &subkey);
    krb5_free_cred_contents(ctx->k5, &tgt);
    return ret;
}

krb5_error_code
ks_fast_tgs_armor(struct ks_context *ctx, krb5_key subkey, krb5_key session,
                  struct ks_fast **fast_out)
{
    struct ks_fast *fast;
    krb5_error_code ret;

    fast = calloc(1, sizeof(*fast));
    if (fast == NULL)
        return ENOMEM;
    fast->tgs = true;
    fast->stage = "1/8 request";
    fast->step = 1;
    ret = cf2_k(ctx, subkey, "subkeyarmor", session, "ticketarmor",
                &fast->armor_key);
    if (ret) {
        ks_fast_free(ctx, fast);
        return ret;
    }
    *fast_out = fast;
    return 0;
}

/* KrbFastReq { fast-options 0, PADATA (none: an empty sequence), BODY
 * (the DER KDC-REQ-BODY) }. */
static krb5_error_code
encode_fast_req(krb5_pa_data *const *padata, const krb5_data *body,
                krb5_data *out)
{
    krb5_data options = { 0 }, empty = { 0 }, *pa = NULL;
    const krb5_data *fields[3] = { &options, &empty, body };
    krb5_error_code ret;

    ret = ks_der_write_flags(0, &options);
    if (!ret && padata != NULL && padata[0] != NULL)
        ret = encode_krb5_padata_sequence((krb5_pa_data **)padata, &pa);
    else if (!ret)
        ret = ks_der_write_tlv(KS_DER_TAG_SEQUENCE, NULL, 0, &empty);
    if (!ret) {
        if (pa != NULL)
            fields[1] = pa;
        ret = ks_der_write_fields(fields, 3, out);
    }
    ks_der_write_free(&options);
    ks_der_write_free(&empty);
    if (pa != NULL)
        zap(pa);
    free(pa);
    return ret;
}

/* KrbFastArmoredReq { armor, req-checksum, enc-fast-req } as
 * PA-FX-FAST-REQUEST (CHOICE armored-data [0]). */
static krb5_error_code
encode_armored(const struct ks_fast *fast, const krb5_data *cksum,
               const krb5_data *enc, krb5_data *out)
{
    const krb5_data *fields[3] = { NULL, cksum, enc };
    krb5_data armored = { 0 };
    krb5_error_code ret;

    if (fast->armor.length > 0)
        fields[0] = &fast->armor;
    ret = ks_der_write_fields(fields, 3, &armored);
    if (!ret)
        ret = ks_der_write_explicit(0, &armored, out);
    ks_der_write_free(&armored);
    return ret;
}

static krb5_error_code
new_pa(krb5_preauthtype type, krb5_data *contents, krb5_pa_data **pa_out)
{
    krb5_pa_data *pa = calloc(1, sizeof(*pa));

    if (pa == NULL)
        return ENOMEM;
    pa->magic = KV5M_PA_DATA;
    pa->pa_type = type;
    pa->length = contents->length;
    pa->contents = (krb5_octet *)contents->data;
    contents->data = NULL;
    contents->length = 0;
    *pa_out = pa;
    return 0;
}

krb5_error_code
ks_fast_make_padata(struct ks_context *ctx, const struct ks_fast *fast,
                    const krb5_kdc_req *inner, const krb5_data *checksummed,
                    krb5_pa_data **pa_out)
{
    krb5_data *body = NULL;
    krb5_error_code ret;

    ret = encode_krb5_kdc_req_body(inner, &body);
    if (ret)
        return ks_error_set(ctx, ret, "wrapping the request in FAST");
    ret = ks_fast_make_padata_body(ctx, fast, inner->padata, body,
                                   checksummed, pa_out);
    krb5_free_data(ctx->k5, body);
    return ret;
}

krb5_error_code
ks_fast_make_padata_body(struct ks_context *ctx, const struct ks_fast *fast,
                         krb5_pa_data *const *padata, const krb5_data *body,
                         const krb5_data *checksummed, krb5_pa_data **pa_out)
{
    krb5_data fast_req = { 0 }, out = { 0 };
    krb5_data *enc_der = NULL, *ck_der = NULL;
    krb5_enc_data enc = { 0 };
    krb5_checksum ck = { 0 };
    krb5_error_code ret;

    ret = encode_fast_req(padata, body, &fast_req);
    if (!ret)
        ret = ks_secret_encrypt(ctx->k5, fast->armor_key, KS_KU_FAST_ENC,
                                &fast_req, &enc);
    if (!ret)
        ret = encode_krb5_enc_data(&enc, &enc_der);
    /* Type 0: the armor key's mandatory keyed checksum. */
    if (!ret)
        ret = krb5_c_make_checksum(ctx->k5, 0, fast->armor_key,
                                   KS_KU_FAST_REQ_CHKSUM,
                                   checksummed != NULL ? checksummed : body,
                                   &ck);
    if (!ret)
        ret = encode_krb5_checksum(&ck, &ck_der);
    if (!ret)
        ret = encode_armored(fast, ck_der, enc_der, &out);
    if (!ret)
        ret = new_pa(KS_PA_FX_FAST, &out, pa_out);
    if (ret)
        ks_error_set(ctx, ret, "wrapping the request in FAST");
    zap(&fast_req);
    ks_der_write_free(&out);
    krb5_free_data(ctx->k5, enc_der);
    krb5_free_data(ctx->k5, ck_der);
    free(enc.ciphertext.data);
    krb5_free_checksum_contents(ctx->k5, &ck);
    return ret;
}

void
ks_fast_trace_request(struct ks_context *ctx, const struct ks_fast *fast)
{
    char key[160];

    if (fast == NULL || !ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, fast->stage, fast->step, "fast-request",
             "wrapped in FAST with %s armor: padata and req-body in a "
             "KrbFastReq encrypted with the armor key %s (usage 51), "
             "checksum over the %s (usage 50)",
             fast->tgs ? "implicit TGT" : "AP-REQ",
             ks_trace_key(ctx->trace, ctx->k5, fast->armor_key, key,
                          sizeof(key)),
             fast->tgs ? "PA-TGS-REQ AP-REQ" : "req-body");
}

static krb5_error_code
modified(struct ks_context *ctx, const char *what)
{
    return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "%s", what);
}

/* Open the KrbFastResponse in PADATA and check its nonce. */
static krb5_error_code
open_response(struct ks_context *ctx, const struct ks_fast *fast,
              krb5_pa_data *const *padata, krb5_int32 nonce,
              krb5_fast_response **resp_out)
{
    const krb5_pa_data *pa = ks_padata_find(padata, KS_PA_FX_FAST);
    krb5_enc_data *enc = NULL;
    krb5_data der, plain = { 0 };
    krb5_error_code ret;

    if (pa == NULL)
        return ks_error_set(ctx, KRB5_ERR_FAST_REQUIRED, "the KDC's reply "
                            "has no PA-FX-FAST although the request was "
                            "armored (FAST stripped on the way, or a KDC "
                            "without FAST): reply refused");
    der = pa_bytes(pa);
    ret = decode_krb5_pa_fx_fast_reply(&der, &enc);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KDC's PA-FX-FAST");
    ret = ks_secret_decrypt(ctx->k5, fast->armor_key, KS_KU_FAST_REP, enc,
                            &plain);
    krb5_free_enc_data(ctx->k5, enc);
    if (ret)
        return ks_error_set(ctx, ret, "Failed to decrypt FAST reply with "
                            "the armor key (usage 52)");
    ret = decode_krb5_fast_response(&plain, resp_out);
    zap(&plain);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KDC's FAST response");
    if ((*resp_out)->nonce != nonce) {
        krb5_free_fast_response(ctx->k5, *resp_out);
        *resp_out = NULL;
        return modified(ctx, "nonce modified in FAST response: KDC "
                        "response modified");
    }
    return 0;
}

/* The finished message: present, and its keyed checksum over the DER
 * ticket (usage 53) verifies.  TICKET_DER is the ticket as the KDC sent
 * it, or NULL: TICKET encoded again. */
static krb5_error_code
check_finished(struct ks_context *ctx, const struct ks_fast *fast,
               const krb5_fast_response *resp, const krb5_ticket *ticket,
               const krb5_data *ticket_der)
{
    const krb5_checksum *ck;
    krb5_data *der = NULL;
    krb5_boolean valid = FALSE;
    krb5_error_code ret;

    if (resp->finished == NULL || resp->finished->client == NULL)
        return modified(ctx, "FAST response missing finish message in KDC "
                        "reply");
    ck = &resp->finished->ticket_checksum;
    if (!krb5_c_is_keyed_cksum(ck->checksum_type))
        return modified(ctx, "the FAST ticket checksum is unkeyed");
    if (ticket_der == NULL) {
        ret = encode_krb5_ticket(ticket, &der);
        if (ret)
            return ret;
        ticket_der = der;
    }
    ret = krb5_c_verify_checksum(ctx->k5, fast->armor_key,
                                 KS_KU_FAST_FINISHED, ticket_der, ck, &valid);
    krb5_free_data(ctx->k5, der);
    if (ret || !valid)
        return modified(ctx, "Ticket modified in KDC reply (the FAST "
                        "ticket checksum does not verify)");
    return 0;
}

static void
trace_reply(struct ks_context *ctx, const struct ks_fast *fast,
            const krb5_fast_response *resp)
{
    char *client = NULL, key[160];
    const char *stage = fast->tgs ? "7/8 decrypt" : fast->stage;

    if (!ks_trace_enabled(ctx->trace) ||
        krb5_unparse_name(ctx->k5, resp->finished->client, &client) != 0)
        return;
    ks_trace(ctx->trace, stage, fast->tgs ? 7 : 0, "fast-reply",
             "FAST reply opened with the armor key (usage 52): nonce "
             "matches, ticket checksum verifies (usage 53), client %s, "
             "strengthen key %s", client,
             resp->strengthen_key != NULL ?
             ks_trace_key(ctx->trace, ctx->k5, resp->strengthen_key, key,
                          sizeof(key)) : "(none)");
    krb5_free_unparsed_name(ctx->k5, client);
}

krb5_error_code
ks_fast_open_reply(struct ks_context *ctx, const struct ks_fast *fast,
                   krb5_kdc_rep *rep, krb5_int32 nonce,
                   krb5_keyblock **strengthen_out)
{
    return ks_fast_open_reply_raw(ctx, fast, rep, NULL, nonce,
                                  strengthen_out);
}

krb5_error_code
ks_fast_open_reply_raw(struct ks_context *ctx, const struct ks_fast *fast,
                       krb5_kdc_rep *rep, const krb5_data *ticket_der,
                       krb5_int32 nonce, krb5_keyblock **strengthen_out)
{
    krb5_fast_response *resp = NULL;
    krb5_error_code ret;

    *strengthen_out = NULL;
    if (fast->tgs && ks_padata_find(rep->padata, KS_PA_FX_FAST) == NULL) {
        /* As MIT: a KDC without FAST for TGS answers plainly.  A FAST
         * reply stripped on the way cannot pass as one: its enc-part is
         * under the strengthened key and will not open. */
        ks_trace(ctx->trace, "7/8 decrypt", 7, "fast-absent",
                 "the TGS-REP carries no FAST response: it must open with "
                 "the plain subkey or session key");
        return 0;
    }
    ret = open_response(ctx, fast, rep->padata, nonce, &resp);
    if (ret)
        return ret;
    ret = check_finished(ctx, fast, resp, rep->ticket, ticket_der);
    if (!ret && fast->tgs && resp->strengthen_key == NULL)
        ret = modified(ctx, "the FAST TGS reply has no strengthen key "
                       "(RFC 6113 5.4.3)");
    if (ret)
        goto cleanup;
    trace_reply(ctx, fast, resp);
    /* The authenticated name and padata replace the clear ones. */
    krb5_free_principal(ctx->k5, rep->client);
    rep->client = resp->finished->client;
    resp->finished->client = NULL;
    krb5_free_pa_data(ctx->k5, rep->padata);
    rep->padata = resp->padata;
    resp->padata = NULL;
    *strengthen_out = resp->strengthen_key;
    resp->strengthen_key = NULL;

cleanup:
    krb5_free_fast_response(ctx->k5, resp);
    return ret;
}

krb5_error_code
ks_fast_open_error(struct ks_context *ctx, const struct ks_fast *fast,
                   const krb5_error *outer, krb5_int32 nonce,
                   krb5_error **inner_out, krb5_pa_data ***padata_out)
{
    krb5_pa_data **outer_pa = NULL;
    krb5_fast_response *resp = NULL;
    const krb5_pa_data *fx;
    krb5_data der;
    krb5_error_code ret;

    *inner_out = NULL;
    if (outer->e_data.length == 0 ||
        decode_krb5_padata_sequence(&outer->e_data, &outer_pa) != 0 ||
        ks_padata_find(outer_pa, KS_PA_FX_FAST) == NULL) {
        krb5_free_pa_data(ctx->k5, outer_pa);
        return 0;
    }
    ret = open_response(ctx, fast, outer_pa, nonce, &resp);
    krb5_free_pa_data(ctx->k5, outer_pa);
    if (ret)
        return ret;
    fx = ks_padata_find(resp->padata, KS_PA_FX_ERROR);
    if (fx == NULL) {
        ret = ks_error_set(ctx, KRB5KDC_ERR_PREAUTH_FAILED, "Expecting "
                           "FX_ERROR pa-data inside FAST container");
        goto cleanup;
    }
    der = pa_bytes(fx);
    ret = decode_krb5_error(&der, inner_out);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the KDC's PA-FX-ERROR");
        goto cleanup;
    }
    ks_trace(ctx->trace, fast->tgs ? "7/8 decrypt" : fast->stage,
             fast->tgs ? 7 : 0, "fast-error",
             "FAST error opened with the armor key: inner error %ld (the "
             "outer error %ld is ignored)", (long)(*inner_out)->error,
             (long)outer->error);
    *padata_out = resp->padata;
    resp->padata = NULL;

cleanup:
    krb5_free_fast_response(ctx->k5, resp);
    return ret;
}

krb5_error_code
ks_fast_make_challenge(struct ks_context *ctx, const struct ks_fast *fast,
                       const krb5_keyblock *client_key, krb5_timestamp time,
                       krb5_int32 usec, krb5_pa_data **pa_out)
{
    krb5_pa_enc_ts ts = { time, usec };
    krb5_keyblock *key = NULL;
    krb5_data *plain = NULL, *der = NULL;
    krb5_enc_data enc = { 0 };
    krb5_error_code ret;

    ret = cf2(ctx, fast->armor_key, "clientchallengearmor", client_key,
              "challengelongterm", &key);
    if (ret)
        return ret;
    ret = encode_krb5_pa_enc_ts(&ts, &plain);
    if (!ret)
        ret = ks_secret_encrypt(ctx->k5, key, KS_KU_ENC_CHALLENGE_CLIENT,
                                plain, &enc);
    if (!ret)
        ret = encode_krb5_enc_data(&enc, &der);
    if (!ret)
        ret = new_pa(KS_PA_ENCRYPTED_CHALLENGE, der, pa_out);
    if (ret)
        ks_error_set(ctx, ret, "making PA-ENCRYPTED-CHALLENGE");
    if (plain != NULL)
        zap(plain);
    free(plain);
    krb5_free_data(ctx->k5, der);
    free(enc.ciphertext.data);
    krb5_free_keyblock(ctx->k5, key);
    return ret;
}

krb5_error_code
ks_fast_verify_challenge(struct ks_context *ctx, const struct ks_fast *fast,
                         const krb5_keyblock *client_key,
                         krb5_pa_data *const *padata)
{
    const krb5_pa_data *pa =
        ks_padata_find(padata, KS_PA_ENCRYPTED_CHALLENGE);
    krb5_keyblock *key = NULL;
    krb5_enc_data *enc = NULL;
    krb5_pa_enc_ts *ts = NULL;
    krb5_data der, plain = { 0 };
    krb5_error_code ret;

    if (pa == NULL)
        return modified(ctx, "the KDC's FAST reply lacks its encrypted "
                        "challenge (PA-ENCRYPTED-CHALLENGE)");
    der = pa_bytes(pa);
    ret = cf2(ctx, fast->armor_key, "kdcchallengearmor", client_key,
              "challengelongterm", &key);
    if (ret)
        return ret;
    ret = decode_krb5_enc_data(&der, &enc);
    if (!ret)
        ret = ks_secret_decrypt(ctx->k5, key, KS_KU_ENC_CHALLENGE_KDC, enc,
                                &plain);
    if (!ret)
        ret = decode_krb5_pa_enc_ts(&plain, &ts);
    if (ret)
        ret = modified(ctx, "the KDC's encrypted challenge does not open "
                       "with our key (usage 55)");
    else
        ks_trace(ctx->trace, fast->stage, fast->step, "kdc-challenge",
                 "the KDC's encrypted challenge opens with our key (usage "
                 "55): the KDC knows the client's key");
    zap(&plain);
    krb5_free_pa_enc_ts(ctx->k5, ts);
    krb5_free_enc_data(ctx->k5, enc);
    krb5_free_keyblock(ctx->k5, key);
    return ret;
}

bool
ks_fast_advertised(const krb5_enc_kdc_rep_part *enc)
{
    return enc != NULL && (enc->flags & TKT_FLG_ENC_PA_REP) &&
           ks_padata_find(enc->enc_padata, KS_PA_FX_FAST) != NULL;
}

static bool
is_tgs(krb5_const_principal p)
{
    return p->length == 2 && p->data[0].length == KRB5_TGS_NAME_SIZE &&
           memcmp(p->data[0].data, KRB5_TGS_NAME, KRB5_TGS_NAME_SIZE) == 0;
}

static bool
data_eq(const krb5_data *a, const krb5_data *b)
{
    return a->length == b->length &&
           (a->length == 0 || memcmp(a->data, b->data, a->length) == 0);
}

/* krb5_ccache_conf_data/fast_avail/krbtgt\/R\@R@X-CACHECONF: */
static krb5_error_code
avail_principal(struct ks_context *ctx, const krb5_data *realm,
                krb5_principal *out)
{
    krb5_principal tgs = NULL;
    char *name = NULL;
    krb5_error_code ret;

    ret = krbtgt_name(ctx, realm, &tgs);
    if (!ret)
        ret = krb5_unparse_name(ctx->k5, tgs, &name);
    if (!ret)
        ret = krb5_build_principal(ctx->k5, out, sizeof(conf_realm) - 1,
                                   conf_realm, conf_name, KS_FAST_AVAIL_KEY,
                                   name, (char *)NULL);
    krb5_free_unparsed_name(ctx->k5, name);
    krb5_free_principal(ctx->k5, tgs);
    return ret;
}

void
ks_fast_store_avail(struct ks_context *ctx, krb5_ccache cc,
                    const krb5_creds *tgt)
{
    krb5_data yes = { KV5M_DATA, 3, "yes" };
    krb5_error_code ret;

    if (!is_tgs(tgt->server) ||
        !data_eq(&tgt->server->data[1], &tgt->server->realm))
        return;
    ret = krb5_cc_set_config(ctx->k5, cc, tgt->server, KS_FAST_AVAIL_KEY,
                             &yes);
    if (ret)
        ks_trace(ctx->trace, "AS store", 0, "fast-avail-failed",
                 "could not record fast_avail in the cache (code %ld): "
                 "later TGS requests go without FAST", (long)ret);
    else
        ks_trace(ctx->trace, "AS store", 0, "fast-avail",
                 "the KDC advertised FAST: recorded as the cache "
                 "configuration entry fast_avail, as MIT's kinit does");
}

/* Entries looked at by ks_fast_ccache_avail at most. */
#define AVAIL_SCAN_MAX 64

bool
ks_fast_ccache_avail(struct ks_context *ctx, krb5_ccache cc,
                     const krb5_data *realm)
{
    krb5_principal want = NULL;
    krb5_cc_cursor cur = NULL;
    krb5_creds c;
    bool found = false;

    if (avail_principal(ctx, realm, &want) != 0)
        return false;
    if (krb5_cc_start_seq_get(ctx->k5, cc, &cur) != 0) {
        krb5_free_principal(ctx->k5, want);
        return false;
    }
    for (int i = 0; i < AVAIL_SCAN_MAX && !found &&
         krb5_cc_next_cred(ctx->k5, cc, &cur, &c) == 0; i++) {
        bool config = krb5_is_config_principal(ctx->k5, c.server);
        /* kinit writes its entries first: a service ticket ends them. */
        bool service = !config && !is_tgs(c.server);

        found = config && krb5_principal_compare(ctx->k5, c.server, want);
        krb5_free_cred_contents(ctx->k5, &c);
        if (service)
            break;
    }
    krb5_cc_end_seq_get(ctx->k5, cc, &cur);
    krb5_free_principal(ctx->k5, want);
    return found;
}

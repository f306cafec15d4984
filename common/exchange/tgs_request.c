/*
 * tgs_request: step 1 of the TGS exchange, built (ks_tgs_build_request)
 * or read back from its DER artefact (ks_tgs_load_request).
 *
 * The krb5_kdc_req, krb5_authenticator and krb5_ap_req are built on the
 * stack and only borrow: they never go to libkrb5's free functions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/keys.h"
#include "core/secret.h"
#include "exchange/apreq.h"
#include "core/text.h"
#include "core/mit_trace.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "wire/der_write.h"
#include "exchange/tgs.h"
#include "exchange/tgs_int.h"

/* [APPLICATION 12], constructed. */
#define TAG_TGS_REQ 0x6c
/* PA-TGS-REQ (RFC 4120 5.2.7.1). */
#define PA_TGS_REQ 1
/* Key usages (RFC 4120 7.5.1). */
#define KU_TGS_REQ_AUTH_CKSUM 6
#define KU_TGS_REQ_AUTH 7

bool
tgs_etype_in(krb5_enctype e, const krb5_enctype *list)
{
    for (size_t i = 0; list != NULL && list[i] != 0; i++) {
        if (list[i] == e)
            return true;
    }
    return false;
}

void
ks_tgs_request_free(struct ks_context *ctx, struct ks_tgs_request *req)
{
    if (req == NULL)
        return;
    krb5_free_data_contents(ctx->k5, &req->encoded);
    krb5_free_creds(ctx->k5, req->tgt);
    krb5_free_principal(ctx->k5, req->server);
    krb5_free_keyblock(ctx->k5, req->subkey);
    krb5_k_free_key(ctx->k5, req->subkey_key);
    krb5_k_free_key(ctx->k5, req->session_key);
    free(req->etypes);
    krb5_free_data_contents(ctx->k5, &req->second_ticket);
    ks_fast_free(ctx, req->fast);
    free(req);
}

static krb5_error_code
make_nonce(krb5_context kctx, krb5_int32 *nonce_out)
{
    unsigned char b[4];
    krb5_data d = { KV5M_DATA, sizeof(b), (char *)b };
    krb5_error_code ret;
    uint32_t n;

    ret = krb5_c_random_make_octets(kctx, &d);
    if (ret)
        return ret;
    n = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
        ((uint32_t)b[2] << 8) | b[3];
    /* Encoded as a signed INTEGER: 31 bits, as MIT does. */
    *nonce_out = (krb5_int32)(n & 0x7fffffffU);
    return 0;
}

static krb5_error_code
copy_etypes(const krb5_enctype *in, krb5_enctype **out)
{
    size_t n = 0;

    while (in != NULL && in[n] != 0)
        n++;
    if (n == 0)
        return KRB5_CONFIG_ETYPE_NOSUPP;
    *out = calloc(n + 1, sizeof(**out));
    if (*out == NULL)
        return ENOMEM;
    memcpy(*out, in, n * sizeof(**out));
    return 0;
}

/* The till of a request: given, else what the TGT allows. */
static krb5_timestamp
default_till(const krb5_creds *tgt, krb5_flags kdc_options)
{
    if ((kdc_options & KDC_OPT_RENEW) && tgt->times.renew_till != 0)
        return tgt->times.renew_till;
    return tgt->times.endtime;
}

static krb5_error_code copy_der(const krb5_data *in, krb5_data *out);

/* Key objects for the subkey and the TGT session key: the session key's
 * is the run's, so its derived keys (checksum, authenticator, PRF) are
 * made once per TGT, not once per request. */
static krb5_error_code
request_keys(struct ks_context *ctx, struct ks_tgs_request *req)
{
    krb5_error_code ret;

    ret = krb5_k_create_key(ctx->k5, req->subkey, &req->subkey_key);
    if (!ret)
        ret = ks_keys_get(ctx, &req->tgt->keyblock, &req->session_key);
    return ret;
}

/* A request with everything but the encoding: names, nonce, times,
 * subkey. */
static krb5_error_code
new_request(struct ks_context *ctx, const krb5_creds *tgt,
            krb5_const_principal server, const struct ks_tgs_options *opts,
            struct ks_tgs_request **req_out)
{
    struct ks_tgs_request *req;
    krb5_error_code ret;

    req = calloc(1, sizeof(*req));
    if (req == NULL)
        return ENOMEM;
    ret = krb5_copy_creds(ctx->k5, tgt, &req->tgt);
    if (!ret)
        ret = krb5_copy_principal(ctx->k5, server, &req->server);
    if (!ret)
        ret = copy_etypes(opts != NULL && opts->etypes != NULL ?
                          opts->etypes : ctx->config.tgs_enctypes,
                          &req->etypes);
    if (!ret)
        ret = make_nonce(ctx->k5, &req->nonce);
    if (!ret)
        ret = krb5_us_timeofday(ctx->k5, &req->ctime, &req->cusec);
    if (!ret) {
        req->subkey = calloc(1, sizeof(*req->subkey));
        ret = req->subkey == NULL ? ENOMEM :
            krb5_c_make_random_key(ctx->k5, tgt->keyblock.enctype,
                                   req->subkey);
    }
    if (!ret)
        ret = request_keys(ctx, req);
    if (ret) {
        ks_tgs_request_free(ctx, req);
        return ret;
    }
    req->kdc_options = opts != NULL ? opts->kdc_options : 0;
    req->till = opts != NULL && opts->till != 0 ? opts->till :
        default_till(tgt, req->kdc_options);
    if (opts != NULL && opts->second_ticket != NULL &&
        copy_der(opts->second_ticket, &req->second_ticket) != 0) {
        ks_tgs_request_free(ctx, req);
        return ENOMEM;
    }
    req->hook = opts != NULL ? opts->hook : NULL;
    *req_out = req;
    return 0;
}

/* The KDC-REQ-BODY fields of REQ in *KR (borrowing from REQ). */
static void
fill_kdc_req(struct ks_tgs_request *req, krb5_kdc_req *kr)
{
    size_t n = 0;

    while (req->etypes[n] != 0)
        n++;
    memset(kr, 0, sizeof(*kr));
    kr->magic = KV5M_KDC_REQ;
    kr->msg_type = KRB5_TGS_REQ;
    kr->kdc_options = req->kdc_options;
    kr->server = req->server;
    kr->till = req->till;
    kr->nonce = req->nonce;
    kr->ktype = req->etypes;
    kr->nktypes = (int)n;
}

/* The authenticator over BODY, encrypted under the TGT session key
 * (usage 7), into *enc_out (ciphertext malloc'ed). */
static krb5_error_code
make_authenticator(struct ks_context *ctx, struct ks_tgs_request *req,
                   const krb5_data *body, krb5_enc_data *enc_out)
{
    krb5_authenticator auth;
    krb5_checksum cksum = { 0 };
    krb5_error_code ret;

    /* Type 0: the mandatory keyed checksum of the session key's type. */
    ret = krb5_k_make_checksum(ctx->k5, 0, req->session_key,
                               KU_TGS_REQ_AUTH_CKSUM, body, &cksum);
    if (ret)
        goto cleanup;
    memset(&auth, 0, sizeof(auth));
    auth.magic = KV5M_AUTHENTICATOR;
    auth.client = req->tgt->client;
    auth.checksum = &cksum;
    auth.ctime = req->ctime;
    auth.cusec = req->cusec;
    auth.subkey = req->subkey;
    ret = ks_apreq_seal_authenticator(ctx, req->session_key,
                                      KU_TGS_REQ_AUTH, &auth, enc_out);

cleanup:
    krb5_free_checksum_contents(ctx->k5, &cksum);
    return ret;
}

/* The hook's padata after PA-TGS-REQ (PA) into a new NULL-terminated
 * array that borrows every element. */
static krb5_error_code
join_padata(krb5_pa_data *pa, krb5_pa_data **extra, krb5_pa_data ***out)
{
    size_t n = 0;

    while (extra != NULL && extra[n] != NULL)
        n++;
    *out = calloc(n + 2, sizeof(**out));
    if (*out == NULL)
        return ENOMEM;
    (*out)[0] = pa;
    for (size_t i = 0; i < n; i++)
        (*out)[i + 1] = extra[i];
    return 0;
}

/* The additional ticket (user-to-user, S4U2Proxy) decoded into *t_out. */
static krb5_error_code
decode_second_ticket(struct ks_context *ctx, const struct ks_tgs_request *req,
                     krb5_ticket **t_out)
{
    krb5_error_code ret;

    *t_out = NULL;
    if (req->second_ticket.length == 0)
        return 0;
    ret = decode_krb5_ticket(&req->second_ticket, t_out);
    if (ret)
        ks_error_set(ctx, ret, "decoding the additional ticket");
    return ret;
}

/*
 * FAST (RFC 6113 5.4.2, implicit TGT armor): the hook's padata EXTRA go
 * inside the KrbFastReq with KR's body; the checksum covers the AP-REQ.
 * The outer padata are PA-TGS-REQ, PA-FX-FAST and EXTRA again, as MIT
 * sends them (a KDC without FAST still finds what it needs).
 */
static krb5_error_code
fast_padata(struct ks_context *ctx, struct ks_tgs_request *req,
            const krb5_data *body, const krb5_data *ap, krb5_pa_data *pa,
            krb5_pa_data **extra, krb5_pa_data **fx_out,
            krb5_pa_data ***padata_out)
{
    krb5_pa_data **list;
    size_t n = 0;
    krb5_error_code ret;

    /* The inner req-body is the outer one: encoded once. */
    ret = ks_fast_make_padata_body(ctx, req->fast, extra, body, ap, fx_out);
    if (ret)
        return ret;
    while (extra != NULL && extra[n] != NULL)
        n++;
    list = calloc(n + 3, sizeof(*list));
    if (list == NULL)
        return ENOMEM;
    list[0] = pa;
    list[1] = *fx_out;
    for (size_t i = 0; i < n; i++)
        list[i + 2] = extra[i];
    *padata_out = list;
    return 0;
}

/*
 * KDC-REQ ::= [APPLICATION 12] SEQUENCE { pvno [1] 5, msg-type [2] 12,
 * padata [3], req-body [4] } (RFC 4120 5.4.1) around BODY, the DER
 * req-body the checksum covered: libkrb5's encode_krb5_tgs_req would
 * encode the body a second time.
 */
static krb5_error_code
encode_tgs_req(krb5_pa_data **padata, const krb5_data *body, krb5_data *out)
{
    krb5_data pvno = { 0 }, type = { 0 }, seq = { 0 }, *pa = NULL;
    const krb5_data *fields[5] = { NULL, &pvno, &type, NULL, body };
    krb5_error_code ret;

    ret = ks_der_write_integer(KRB5_PVNO, &pvno);
    if (!ret)
        ret = ks_der_write_integer(KRB5_TGS_REQ, &type);
    if (!ret)
        ret = encode_krb5_padata_sequence(padata, &pa);
    if (!ret) {
        fields[3] = pa;
        ret = ks_der_write_fields(fields, 5, &seq);
    }
    if (!ret)
        ret = ks_der_write_tlv(TAG_TGS_REQ, &seq, 1, out);
    ks_der_write_free(&pvno);
    ks_der_write_free(&type);
    ks_der_write_free(&seq);
    if (pa != NULL)
        ks_der_write_free(pa);
    free(pa);
    return ret;
}

/* Encode REQ: req-body, authenticator, AP-REQ, TGS-REQ. */
static krb5_error_code
encode_request(struct ks_context *ctx, struct ks_tgs_request *req)
{
    krb5_kdc_req kr;
    krb5_data *body = NULL, *ap = NULL;
    krb5_enc_data auth = { 0 };
    krb5_pa_data pa, **padata = NULL, **extra = NULL, *fx = NULL;
    krb5_ticket *second = NULL, *tickets[2] = { NULL, NULL };
    krb5_error_code ret;

    fill_kdc_req(req, &kr);
    ret = decode_second_ticket(ctx, req, &second);
    if (!ret && second != NULL) {
        tickets[0] = second;
        kr.second_ticket = tickets;
    }
    if (!ret && req->hook != NULL && req->hook->padata != NULL)
        ret = req->hook->padata(ctx, req, req->hook->arg, &extra);
    if (!ret)
        ret = encode_krb5_kdc_req_body(&kr, &body);
    if (!ret)
        ret = make_authenticator(ctx, req, body, &auth);
    if (!ret)
        ret = ks_apreq_encode(ctx, req->tgt, 0, &auth, &ap);
    if (ret)
        goto cleanup;
    memset(&pa, 0, sizeof(pa));
    pa.magic = KV5M_PA_DATA;
    pa.pa_type = PA_TGS_REQ;
    pa.length = ap->length;
    pa.contents = (krb5_octet *)ap->data;
    if (req->fast != NULL)
        ret = fast_padata(ctx, req, body, ap, &pa, extra, &fx, &padata);
    else
        ret = join_padata(&pa, extra, &padata);
    if (!ret)
        ret = encode_tgs_req(padata, body, &req->encoded);

cleanup:
    free(padata);
    if (fx != NULL)
        free(fx->contents);
    free(fx);
    krb5_free_pa_data(ctx->k5, extra);
    krb5_free_ticket(ctx->k5, second);
    krb5_free_data(ctx->k5, body);
    krb5_free_data(ctx->k5, ap);
    free(auth.ciphertext.data);
    return ret;
}

static void
trace_request(struct ks_context *ctx, const struct ks_tgs_request *req)
{
    char name[256], etypes[512], key[160];

    if (!ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, "1/8 request", 1, "request",
             "TGS-REQ for %s, nonce 0x%08x, etypes %s",
             ks_text_principal(ctx->k5, req->server, name, sizeof(name)),
             (unsigned int)req->nonce,
             ks_text_enctypes(req->etypes, etypes, sizeof(etypes)));
    ks_trace(ctx->trace, "1/8 request", 1, "authenticator",
             "authenticator for %s with subkey %s, %u bytes in all",
             ks_text_principal(ctx->k5, req->tgt->client, name, sizeof(name)),
             ks_trace_key(ctx->trace, ctx->k5, req->subkey, key,
                          sizeof(key)),
             req->encoded.length);
    ks_fast_trace_request(ctx, req->fast);
}

krb5_error_code
ks_tgs_build_request(struct ks_context *ctx, const krb5_creds *tgt,
                     krb5_const_principal server,
                     const struct ks_tgs_options *opts,
                     struct ks_tgs_request **req_out)
{
    struct ks_tgs_request *req = NULL;
    krb5_error_code ret;

    if (tgt == NULL || tgt->ticket.length == 0) {
        return ks_error_set(ctx, KRB5_NO_TKT_SUPPLIED,
                            "building a TGS-REQ");
    }
    if (!krb5_c_valid_enctype(tgt->keyblock.enctype)) {
        return ks_error_set(ctx, KRB5_PROG_ETYPE_NOSUPP,
                            "the ticket-granting ticket's session key "
                            "(enctype %d)", (int)tgt->keyblock.enctype);
    }
    ret = new_request(ctx, tgt, server, opts, &req);
    if (ret == KRB5_CONFIG_ETYPE_NOSUPP)
        return ks_error_set(ctx, ret, "building a TGS-REQ: no permitted "
                            "encryption type to ask for");
    if (!ret) {
        KS_MTRACE_SEND_TGS_SUBKEY(ctx, req->subkey);
        KS_MTRACE_SEND_TGS_ETYPES(ctx, req->etypes);
    }
    if (!ret && opts != NULL && opts->fast)
        KS_MTRACE_FAST_ENCODE(ctx);
    if (!ret && opts != NULL && opts->fast)
        ret = ks_fast_tgs_armor(ctx, req->subkey_key, req->session_key,
                                &req->fast);
    if (!ret)
        ret = encode_request(ctx, req);
    if (ret) {
        ks_tgs_request_free(ctx, req);
        return ret;
    }
    trace_request(ctx, req);
    *req_out = req;
    return 0;
}

/* The AP-REQ inside a decoded TGS-REQ's PA-TGS-REQ. */
static krb5_error_code
find_ap_req(struct ks_context *ctx, const krb5_kdc_req *kr,
            krb5_ap_req **ap_out)
{
    krb5_data d;

    for (size_t i = 0; kr->padata != NULL && kr->padata[i] != NULL; i++) {
        if (kr->padata[i]->pa_type != PA_TGS_REQ)
            continue;
        d.magic = KV5M_DATA;
        d.length = kr->padata[i]->length;
        d.data = (char *)kr->padata[i]->contents;
        return decode_krb5_ap_req(&d, ap_out);
    }
    return ks_error_set(ctx, KRB5KDC_ERR_PADATA_TYPE_NOSUPP,
                        "the TGS-REQ carries no PA-TGS-REQ");
}

/* The cached credential whose ticket is TICKET's encoding. */
static krb5_error_code
find_tgt(struct ks_context *ctx, krb5_ccache cc, const krb5_ticket *ticket,
         krb5_creds **tgt_out)
{
    krb5_data *der = NULL;
    krb5_cc_cursor cur = NULL;
    krb5_creds c;
    krb5_error_code ret;

    ret = encode_krb5_ticket(ticket, &der);
    if (ret)
        return ret;
    ret = krb5_cc_start_seq_get(ctx->k5, cc, &cur);
    if (ret)
        goto cleanup;
    /* Each call consumes one record of the cache: bounded by its size. */
    while ((ret = krb5_cc_next_cred(ctx->k5, cc, &cur, &c)) == 0) {
        bool same = c.ticket.length == der->length &&
            memcmp(c.ticket.data, der->data, der->length) == 0;

        if (same) {
            ret = krb5_copy_creds(ctx->k5, &c, tgt_out);
            krb5_free_cred_contents(ctx->k5, &c);
            break;
        }
        krb5_free_cred_contents(ctx->k5, &c);
    }
    krb5_cc_end_seq_get(ctx->k5, cc, &cur);
    if (ret == KRB5_CC_END)
        ret = ks_error_set(ctx, KRB5_CC_NOTFOUND, "the TGS-REQ's ticket is "
                           "not in the credentials cache");

cleanup:
    krb5_free_data(ctx->k5, der);
    return ret;
}

/* Open the authenticator with the TGT session key (usage 7). */
static krb5_error_code
open_authenticator(struct ks_context *ctx, const krb5_creds *tgt,
                   const krb5_enc_data *enc, krb5_authenticator **auth_out)
{
    krb5_data plain = { 0 };
    krb5_error_code ret;

    ret = ks_secret_decrypt(ctx->k5, &tgt->keyblock, KU_TGS_REQ_AUTH, enc,
                            &plain);
    if (ret)
        ks_error_set(ctx, ret, "opening the TGS-REQ's authenticator with "
                     "the ticket-granting ticket's session key");
    else
        ret = decode_krb5_authenticator(&plain, auth_out);
    ks_secret_free(&plain);
    return ret;
}

/* Fill REQ from the decoded parts; moves what it takes. */
static krb5_error_code
take_parts(struct ks_context *ctx, struct ks_tgs_request *req,
           krb5_kdc_req *kr, krb5_authenticator *auth)
{
    krb5_enctype none[1] = { 0 };
    krb5_error_code ret;

    if (auth->subkey == NULL)
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED,
                            "the TGS-REQ's authenticator has no subkey");
    req->server = kr->server;
    kr->server = NULL;
    req->subkey = auth->subkey;
    auth->subkey = NULL;
    req->nonce = kr->nonce;
    req->kdc_options = kr->kdc_options;
    req->till = kr->till;
    req->ctime = auth->ctime;
    req->cusec = auth->cusec;
    if (kr->nktypes > 0 && kr->ktype != NULL) {
        req->etypes = calloc((size_t)kr->nktypes + 1, sizeof(krb5_enctype));
        if (req->etypes == NULL)
            return ENOMEM;
        memcpy(req->etypes, kr->ktype,
               (size_t)kr->nktypes * sizeof(krb5_enctype));
        return 0;
    }
    ret = copy_etypes(none, &req->etypes);
    return ret == KRB5_CONFIG_ETYPE_NOSUPP ? 0 : ret;
}

static krb5_error_code
copy_der(const krb5_data *in, krb5_data *out)
{
    out->magic = KV5M_DATA;
    out->length = in->length;
    out->data = malloc(in->length ? in->length : 1);
    if (out->data == NULL)
        return ENOMEM;
    memcpy(out->data, in->data, in->length);
    return 0;
}

static bool
has_fast(const krb5_kdc_req *kr)
{
    for (size_t i = 0; kr->padata != NULL && kr->padata[i] != NULL; i++) {
        if (kr->padata[i]->pa_type == KS_PA_FX_FAST)
            return true;
    }
    return false;
}

krb5_error_code
ks_tgs_load_request(struct ks_context *ctx, krb5_ccache cc,
                    const krb5_data *der, struct ks_tgs_request **req_out)
{
    struct ks_tgs_request *req = NULL;
    krb5_kdc_req *kr = NULL;
    krb5_ap_req *ap = NULL;
    krb5_authenticator *auth = NULL;
    krb5_error_code ret;

    req = calloc(1, sizeof(*req));
    if (req == NULL)
        return ENOMEM;
    ret = decode_krb5_tgs_req(der, &kr);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the TGS-REQ");
        goto cleanup;
    }
    ret = find_ap_req(ctx, kr, &ap);
    if (!ret)
        ret = find_tgt(ctx, cc, ap->ticket, &req->tgt);
    if (!ret)
        ret = open_authenticator(ctx, req->tgt, &ap->authenticator, &auth);
    if (!ret)
        ret = take_parts(ctx, req, kr, auth);
    if (!ret)
        ret = request_keys(ctx, req);
    /* A FAST request's armor key follows from the subkey and TGT. */
    if (!ret && has_fast(kr))
        ret = ks_fast_tgs_armor(ctx, req->subkey_key, req->session_key,
                                &req->fast);
    if (!ret)
        ret = copy_der(der, &req->encoded);
    if (ret)
        goto cleanup;
    *req_out = req;
    req = NULL;

cleanup:
    ks_tgs_request_free(ctx, req);
    krb5_free_kdc_req(ctx->k5, kr);
    krb5_free_ap_req(ctx->k5, ap);
    krb5_free_authenticator(ctx->k5, auth);
    return ret;
}

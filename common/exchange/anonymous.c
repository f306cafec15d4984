/*
 * anonymous: one AS-REQ with the request-anonymous option, and an honest
 * message about its answer (kstep has no PKINIT to complete it with).
 */
#include <string.h>

#include "exchange/anonymous.h"
#include "exchange/as.h"
#include "core/errors.h"
#include "core/krb5_private.h"
#include "wire/transport.h"
#include "wire/padata.h"

#define KRB_ERROR_TAG 0x7e
#define AS_REP_TAG 0x6b
#define NOT_SUPPORTED "anonymous PKINIT is not supported by kstep"

static bool
data_is(const krb5_data *d, const char *s)
{
    return d->length == strlen(s) && memcmp(d->data, s, d->length) == 0;
}

/* PREAUTH_REQUIRED: PKINIT offered, or something else. */
static krb5_error_code
preauth_required(struct ks_context *ctx, const krb5_error *err,
                 const char *who)
{
    krb5_pa_data **padata = NULL;
    bool pkinit;

    if (err->e_data.length > 0 &&
        decode_krb5_padata_sequence(&err->e_data, &padata) != 0)
        padata = NULL;
    pkinit = ks_padata_has(padata, KRB5_PADATA_PK_AS_REQ) ||
             ks_padata_has(padata, KRB5_PADATA_PK_AS_REQ_OLD);
    krb5_free_pa_data(ctx->k5, padata);
    krb5_set_error_message(ctx->k5, KRB5_PREAUTH_FAILED,
                           pkinit ? NOT_SUPPORTED " (the KDC offers "
                                    "anonymous tickets for %s through "
                                    "PKINIT)"
                                  : NOT_SUPPORTED ", and the KDC does not "
                                    "offer it (it asks %s for other "
                                    "pre-authentication)", who);
    return KRB5_PREAUTH_FAILED;
}

static bool
is_anonymous(krb5_const_principal p)
{
    return p->length == 2 && data_is(&p->data[0], KRB5_WELLKNOWN_NAMESTR) &&
           data_is(&p->data[1], KRB5_ANONYMOUS_PRINCSTR);
}

/* A KRB-ERROR: the KDC's refusal, in its own code. */
static krb5_error_code
refused(struct ks_context *ctx, const krb5_data *reply, const char *realm,
        krb5_const_principal client, const char *who)
{
    krb5_error *err = NULL;
    krb5_error_code code;

    if (decode_krb5_error(reply, &err) != 0)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE, "decoding the "
                            "KDC's error");
    code = ks_error_code_from_protocol(err->error);
    ks_trace(ctx->trace, "AS request", 0, "krb-error",
             "KDC answered the anonymous request with error %ld",
             (long)err->error);
    if (code == KRB5KDC_ERR_PREAUTH_REQUIRED)
        code = preauth_required(ctx, err, who);
    else if (code == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN && is_anonymous(client))
        krb5_set_error_message(ctx->k5, code, NOT_SUPPORTED ", and %s "
                               "offers no anonymous tickets (its KDC does "
                               "not know %s)", realm, who);
    else
        krb5_set_error_message(ctx->k5, code, NOT_SUPPORTED ", and the KDC "
                               "refused the anonymous request for %s: %s",
                               who, error_message(code));
    krb5_free_error(ctx->k5, err);
    return code;
}

static krb5_error_code
classify(struct ks_context *ctx, const krb5_data *reply, const char *realm,
         krb5_const_principal client, const char *who)
{
    unsigned char tag = reply->length > 0 ? (unsigned char)reply->data[0]
                                          : 0;

    if (tag == KRB_ERROR_TAG)
        return refused(ctx, reply, realm, client, who);
    if (tag == AS_REP_TAG) {
        /* Without PA-PKINIT-KX checked, such a ticket may come from a
         * man in the middle (Heimdal CVE-2019-12098). */
        krb5_set_error_message(ctx->k5, KRB5_PREAUTH_FAILED, NOT_SUPPORTED
                               " (the KDC issued a ticket for %s that only "
                               "PKINIT could verify; nothing was stored)",
                               who);
        return KRB5_PREAUTH_FAILED;
    }
    return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE, "the KDC's reply is "
                        "neither an AS-REP nor an error");
}

/* The AS-REQ: like kinit's, plus request-anonymous and canonicalize. */
static krb5_error_code
build(struct ks_context *ctx, krb5_principal client, krb5_principal tgs,
      struct ks_as_request *req)
{
    struct ks_as_options opts;
    krb5_timestamp now;
    krb5_error_code ret;

    memset(&opts, 0, sizeof(opts));
    opts.client = client;
    opts.renew_lifetime = -1;
    opts.forwardable = opts.proxiable = opts.addresses = -1;
    opts.request_pac = -1;
    opts.canonicalize = true;
    ret = krb5_timeofday(ctx->k5, &now);
    if (!ret)
        ret = ks_as_init_request(ctx, &opts, tgs, ctx->config.tkt_enctypes,
                                 now, req);
    if (ret)
        return ret;
    req->kdc_options |= KDC_OPT_REQUEST_ANONYMOUS;
    ret = ks_as_make_nonce(ctx->k5, &req->nonce);
    if (!ret)
        ret = ks_as_encode_request(ctx, req, NULL, NULL);
    return ret;
}

krb5_error_code
ks_anonymous_request(struct ks_context *ctx, krb5_principal client)
{
    struct ks_as_request req;
    krb5_principal tgs = NULL;
    krb5_data reply = { 0 };
    char realm[256], *who = NULL;
    const krb5_data *r = &client->realm;
    krb5_error_code ret;

    memset(&req, 0, sizeof(req));
    if (r->length == 0 || r->length >= sizeof(realm))
        return ks_error_set(ctx, KRB5_REALM_UNKNOWN, "the anonymous "
                            "principal has no usable realm");
    memcpy(realm, r->data, r->length);
    realm[r->length] = '\0';
    ret = krb5_unparse_name(ctx->k5, client, &who);
    if (!ret)
        ret = krb5_build_principal_ext(ctx->k5, &tgs, r->length, r->data,
                                       KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                       r->length, r->data, 0);
    if (!ret)
        ret = build(ctx, client, tgs, &req);
    if (ret)
        goto cleanup;
    ks_trace(ctx->trace, "AS request", 0, "anonymous",
             "AS-REQ for %s with request-anonymous: kstep has no PKINIT to "
             "finish it, this only asks what the realm offers", who);
    ret = ks_transport_send(ctx, realm, &req.der, "AS send", 0, &reply,
                            NULL);
    if (ret) {
        ks_error_prefix(ctx, ret, "asking for anonymous credentials for %s",
                        who);
        goto cleanup;
    }
    ret = classify(ctx, &reply, realm, client, who);

cleanup:
    krb5_free_data_contents(ctx->k5, &reply);
    ks_as_request_clear(&req);
    krb5_free_principal(ctx->k5, tgs);
    krb5_free_unparsed_name(ctx->k5, who);
    return ret;
}

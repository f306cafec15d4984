/*
 * asreq: building and encoding one AS-REQ (the request half of the AS
 * room).  The struct krb5_kdc_req lives on the stack and only borrows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exchange/as.h"
#include "core/text.h"
#include "core/errors.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "core/flags.h"

/* PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN } (MS-KILE). */
static const krb5_octet pac_request_true[] = {
    0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0xff
};
static const krb5_octet pac_request_false[] = {
    0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0x00
};

/* At most: PA-ENC-TIMESTAMP, PA-FX-COOKIE, PA-PAC-REQUEST,
 * PA-REQ-ENC-PA-REP, and the terminating NULL. */
#define MAX_PADATA 5

krb5_error_code
ks_as_make_nonce(krb5_context kctx, krb5_int32 *nonce_out)
{
    unsigned char bytes[4];
    krb5_data d = { KV5M_DATA, sizeof(bytes), (char *)bytes };
    krb5_error_code ret;
    uint32_t n;

    ret = krb5_c_random_make_octets(kctx, &d);
    if (ret)
        return ret;
    n = ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) |
        ((uint32_t)bytes[2] << 8) | bytes[3];
    /* The field is encoded as a signed INTEGER (LIBKRB5.md): 31 bits. */
    *nonce_out = (krb5_int32)(n & 0x7fffffffU);
    return 0;
}

/* NOW + DELTA with the wrap-around of an unsigned 32-bit time. */
static krb5_timestamp
ts_incr(krb5_timestamp now, krb5_deltat delta)
{
    return (krb5_timestamp)(uint32_t)((uint32_t)now + (uint32_t)delta);
}

static bool
ts_after(krb5_timestamp a, krb5_timestamp b)
{
    return (uint32_t)a > (uint32_t)b;
}

static int
pick(int value, bool config_value)
{
    return value < 0 ? config_value : value != 0;
}

bool
ks_as_realm_bool(struct ks_context *ctx, const krb5_data *realm,
                 const char *name, bool plain)
{
    char *text = NULL;
    bool val = plain;

    if (ks_config_realm_libdefault(ctx->k5, realm, name, &text) == 0 &&
        text != NULL)
        val = ks_config_parse_bool(text);
    free(text);
    return val;
}

/* A duration of the realm's [libdefaults] subsection, else PLAIN. */
static krb5_deltat
realm_deltat(struct ks_context *ctx, const krb5_data *realm,
             const char *name, krb5_deltat plain)
{
    char *text = NULL;
    krb5_deltat val = plain;

    if (ks_config_realm_libdefault(ctx->k5, realm, name, &text) == 0 &&
        text != NULL && krb5_string_to_deltat(text, &val) != 0)
        val = plain;
    free(text);
    return val;
}

/* The renewable life to ask for: -r, else krb5.conf's (0: none). */
static krb5_deltat
renew_life(struct ks_context *ctx, const struct ks_as_options *opts)
{
    if (opts->renew_lifetime >= 0)
        return opts->renew_lifetime;
    return realm_deltat(ctx, &opts->client->realm, "renew_lifetime",
                        ctx->config.renew_lifetime);
}

void
ks_as_set_times(struct ks_context *ctx, const struct ks_as_options *opts,
                krb5_timestamp now, struct ks_as_request *req)
{
    krb5_deltat life, renew;
    krb5_timestamp start = now;

    req->from = 0;
    req->rtime = 0;
    /* As MIT: a start in the past is sent as "from" without asking for a
     * postdated ticket, and the times asked for count from it; a negative
     * lifetime is sent as it is (kinit -l -1s). */
    if (opts->start_delay != 0)
        start = req->from = ts_incr(now, opts->start_delay);
    life = opts->lifetime != 0 ? opts->lifetime
         : realm_deltat(ctx, &opts->client->realm, "ticket_lifetime",
                        ctx->config.ticket_lifetime);
    req->till = ts_incr(start, life);
    renew = renew_life(ctx, opts);
    if (renew > 0) {
        /* As MIT: never ask for a renewable life shorter than the life. */
        req->rtime = ts_incr(start, renew);
        if (ts_after(req->till, req->rtime))
            req->rtime = req->till;
    }
}

krb5_error_code
ks_as_init_request(struct ks_context *ctx, const struct ks_as_options *opts,
                   krb5_principal server, const krb5_enctype *etypes,
                   krb5_timestamp now, struct ks_as_request *req_out)
{
    struct ks_as_request req = { 0 };
    const krb5_data *realm = &opts->client->realm;
    krb5_deltat renew;

    req.client = opts->client;
    req.server = server;
    req.etypes = etypes;
    req.request_pac = opts->request_pac;
    /* As MIT: the options start from kdc_default_options. */
    req.kdc_options = ctx->config.kdc_default_options;
    /* Each of these as MIT reads it: the option, else the client realm's
     * [libdefaults] subsection, else [libdefaults]. */
    if (pick(opts->forwardable,
             ks_as_realm_bool(ctx, realm, "forwardable",
                              ctx->config.forwardable)))
        req.kdc_options |= KDC_OPT_FORWARDABLE;
    if (pick(opts->proxiable,
             ks_as_realm_bool(ctx, realm, "proxiable",
                              ctx->config.proxiable)))
        req.kdc_options |= KDC_OPT_PROXIABLE;
    if (opts->canonicalize ||
        ks_as_realm_bool(ctx, realm, "canonicalize",
                         ctx->config.canonicalize))
        req.kdc_options |= KDC_OPT_CANONICALIZE;
    if (opts->start_delay > 0)
        req.kdc_options |= KDC_OPT_ALLOW_POSTDATE | KDC_OPT_POSTDATED;
    ks_as_set_times(ctx, opts, now, &req);
    renew = renew_life(ctx, opts);
    if (renew > 0) {
        /* As MIT: renewable-ok only when no renewable life is asked for. */
        req.kdc_options |= KDC_OPT_RENEWABLE;
        req.kdc_options &= ~KDC_OPT_RENEWABLE_OK;
    }
    *req_out = req;
    return 0;
}

static void
trace_request(struct ks_context *ctx, const struct ks_as_request *req,
              size_t npadata)
{
    char *client = NULL, *server = NULL, etypes[512], till[32], opts[256];

    if (!ks_trace_enabled(ctx->trace))
        return;
    if (krb5_unparse_name(ctx->k5, req->client, &client) != 0 ||
        krb5_unparse_name(ctx->k5, req->server, &server) != 0)
        goto cleanup;
    ks_text_enctypes(req->etypes, etypes, sizeof(etypes));
    ks_trace(ctx->trace, "AS request", 0, "request",
             "AS-REQ for %s to %s, nonce 0x%08x, etypes %s", client, server,
             (unsigned int)req->nonce, etypes);
    ks_trace(ctx->trace, "AS request", 0, "request-options",
             "kdc-options %s, till %s%s, %zu padata, %u bytes",
             ks_kdc_options_names(req->kdc_options, ",", opts,
                                  sizeof(opts)),
             ks_text_time(req->till, till, sizeof(till)),
             req->rtime != 0 ? ", renewable" : "", npadata,
             req->der.length);
    ks_fast_trace_request(ctx, req->fast);

cleanup:
    krb5_free_unparsed_name(ctx->k5, client);
    krb5_free_unparsed_name(ctx->k5, server);
}

static void
set_pa(krb5_pa_data *pa, krb5_preauthtype type, const void *contents,
       unsigned int length)
{
    pa->magic = KV5M_PA_DATA;
    pa->pa_type = type;
    pa->length = length;
    pa->contents = (krb5_octet *)contents;
}

/* Fill LIST (MAX_PADATA long, NULL-terminated) from STORE; returns the
 * number of entries. */
static size_t
build_padata(const struct ks_as_request *req, const krb5_pa_data *enc_ts,
             const krb5_data *cookie, krb5_pa_data store[MAX_PADATA],
             krb5_pa_data *list[MAX_PADATA])
{
    size_t n = 0;

    if (enc_ts != NULL)
        store[n++] = *enc_ts;
    if (cookie != NULL && cookie->length > 0)
        set_pa(&store[n++], KRB5_PADATA_FX_COOKIE, cookie->data,
               cookie->length);
    if (req->request_pac >= 0) {
        const krb5_octet *der = req->request_pac ? pac_request_true
                                                 : pac_request_false;

        set_pa(&store[n++], KRB5_PADATA_PAC_REQUEST, der,
               sizeof(pac_request_true));
    }
    /* RFC 6806 11: ask for the KDC's checksum over this request. */
    set_pa(&store[n++], KRB5_ENCPADATA_REQ_ENC_PA_REP, NULL, 0);
    for (size_t i = 0; i < n; i++)
        list[i] = &store[i];
    list[n] = NULL;
    return n;
}

/* With FAST the padata travel inside the armored KrbFastReq; the outer
 * request carries PA-FX-FAST alone (RFC 6113 5.4.2). */
static krb5_error_code
encode_outer(struct ks_context *ctx, const struct ks_as_request *req,
             krb5_kdc_req *kreq, krb5_data **der_out)
{
    krb5_pa_data *fx = NULL, *outer[2] = { NULL, NULL };
    krb5_pa_data **inner = kreq->padata;
    krb5_error_code ret;

    if (req->fast == NULL)
        return encode_krb5_as_req(kreq, der_out);
    ret = ks_fast_make_padata(ctx, req->fast, kreq, NULL, &fx);
    if (ret)
        return ret;
    outer[0] = fx;
    kreq->padata = outer;
    ret = encode_krb5_as_req(kreq, der_out);
    kreq->padata = inner;
    free(fx->contents);
    free(fx);
    return ret;
}

krb5_error_code
ks_as_encode_request(struct ks_context *ctx, struct ks_as_request *req,
                     const krb5_pa_data *enc_ts, const krb5_data *cookie)
{
    krb5_kdc_req kreq;
    krb5_pa_data store[MAX_PADATA], *list[MAX_PADATA];
    krb5_data *der = NULL;
    krb5_error_code ret;
    size_t npadata, nktypes = 0;

    while (req->etypes[nktypes] != 0)
        nktypes++;
    memset(&kreq, 0, sizeof(kreq));
    npadata = build_padata(req, enc_ts, cookie, store, list);
    kreq.magic = KV5M_KDC_REQ;
    kreq.msg_type = KRB5_AS_REQ;
    kreq.padata = list;
    kreq.kdc_options = req->kdc_options;
    kreq.client = req->client;
    kreq.server = req->server;
    kreq.from = req->from;
    kreq.till = req->till;
    kreq.rtime = req->rtime;
    kreq.nonce = req->nonce;
    kreq.nktypes = (int)nktypes;
    kreq.ktype = (krb5_enctype *)req->etypes;
    kreq.addresses = req->addresses;
    ret = encode_outer(ctx, req, &kreq, &der);
    if (ret)
        return ks_error_prefix(ctx, ret, "encoding the AS-REQ");
    krb5_free_data_contents(ctx->k5, &req->der);
    req->der = *der;
    free(der);
    trace_request(ctx, req, npadata);
    return 0;
}

void
ks_as_request_clear(struct ks_as_request *req)
{
    if (req == NULL)
        return;
    free(req->der.data);
    memset(req, 0, sizeof(*req));
}

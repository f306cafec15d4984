/*
 * kstep's client steps: 1 request, 6 send, 7 decrypt, 8 store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/artefact.h"
#include "creds/ccache.h"
#include "inspect/describe.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "core/krb5_private.h"
#include "kstep.h"

#define TAG_KRB_ERROR 0x7e

/* The TGT of the cache's client for its own realm, still valid. */
static krb5_error_code
find_tgt(struct kstep_env *env, krb5_ccache cc, krb5_creds **tgt_out)
{
    krb5_context k5 = env->ctx->k5;
    krb5_creds mcreds, *tgt = NULL;
    krb5_principal client = NULL, tgs = NULL;
    krb5_error_code ret;

    memset(&mcreds, 0, sizeof(mcreds));
    tgt = calloc(1, sizeof(*tgt));
    if (tgt == NULL)
        return ENOMEM;
    ret = krb5_cc_get_principal(k5, cc, &client);
    if (ret) {
        ks_error_set(env->ctx, ret, "reading the cache %s:%s",
                     krb5_cc_get_type(k5, cc), krb5_cc_get_name(k5, cc));
        ks_error_add_hint(env->ctx, ret);
        goto cleanup;
    }
    ret = krb5_build_principal_ext(k5, &tgs, client->realm.length,
                                   client->realm.data, KRB5_TGS_NAME_SIZE,
                                   KRB5_TGS_NAME, client->realm.length,
                                   client->realm.data, 0);
    if (ret)
        goto cleanup;
    mcreds.client = client;
    mcreds.server = tgs;
    mcreds.times.endtime = (krb5_timestamp)time(NULL);
    ret = krb5_cc_retrieve_cred(k5, cc, KRB5_TC_MATCH_TIMES, &mcreds, tgt);
    if (ret) {
        ks_error_set(env->ctx, ret, "no valid TGT in %s:%s (run kinit)",
                     krb5_cc_get_type(k5, cc), krb5_cc_get_name(k5, cc));
        goto cleanup;
    }
    *tgt_out = tgt;
    tgt = NULL;

cleanup:
    free(tgt);
    krb5_free_principal(k5, client);
    krb5_free_principal(k5, tgs);
    return ret;
}

static void
emit_request(struct kstep_env *env, const struct ks_tgs_request *req)
{
    struct ks_emit *e = env->emit;
    krb5_context k5 = env->ctx->k5;

    ks_emit_begin_step(e, 1, "request");
    ks_emit_principal(e, "service", k5, req->server);
    ks_emit_principal(e, "client", k5, req->tgt->client);
    ks_emit_principal(e, "tgt", k5, req->tgt->server);
    ks_emit_key(e, "tgt-session-key", k5, &req->tgt->keyblock);
    ks_emit_key(e, "subkey", k5, req->subkey);
    ks_emit_int(e, "nonce", req->nonce);
    ks_emit_begin_object(e, "tgs-req");
    ks_describe_message(env->ctx, e, "the request", &req->encoded);
    ks_emit_end(e);
    ks_emit_end(e);
}

krb5_error_code
kstep_do_request(struct kstep_env *env, const char *service,
                 struct ks_tgs_request **req_out)
{
    struct ks_tgs_options opts = { 0 };
    krb5_principal server = NULL;
    krb5_creds *tgt = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code ret;

    ret = krb5_parse_name(env->ctx->k5, service, &server);
    if (ret) {
        ks_error_set(env->ctx, ret, "reading the service name '%s'", service);
        goto cleanup;
    }
    ret = kstep_ccache(env, &cc);
    if (!ret)
        ret = find_tgt(env, cc, &tgt);
    if (!ret && !kstep_opt.bare)
        ks_tgs_as_kvno_would(env->ctx, cc, tgt, &opts);
    /* The local KDC (kstep kdc, run --local-kdc) does not speak FAST. */
    if (kstep_opt.local_kdc != NULL)
        opts.fast = false;
    if (!ret)
        ret = ks_tgs_build_request(env->ctx, tgt, server, &opts, req_out);
    if (ret) {
        ks_error_prefix(env->ctx, ret, "building a TGS-REQ for %s", service);
        goto cleanup;
    }
    emit_request(env, *req_out);

cleanup:
    krb5_free_principal(env->ctx->k5, server);
    krb5_free_creds(env->ctx->k5, tgt);
    return ret;
}

/* The realm whose KDC takes REQ: the instance of the TGT's krbtgt/X@Y. */
static krb5_error_code
request_realm(struct kstep_env *env, const krb5_data *req, char **realm_out)
{
    krb5_kdc_req *kr = NULL;
    krb5_ap_req *ap = NULL;
    const krb5_data *r;
    krb5_error_code ret;

    ret = ks_inspect_decode_tgs_req(env->ctx, req, &kr, &ap);
    if (ret)
        return ret;
    r = &ap->ticket->server->realm;
    if (ks_tgs_is_tgs_principal(ap->ticket->server))
        r = &ap->ticket->server->data[1];
    *realm_out = strndup(r->data, r->length);
    if (*realm_out == NULL)
        ret = ENOMEM;
    krb5_free_kdc_req(env->ctx->k5, kr);
    krb5_free_ap_req(env->ctx->k5, ap);
    return ret;
}

krb5_error_code
kstep_do_send(struct kstep_env *env, const krb5_data *req,
              krb5_data *reply_out, struct ks_send_result *result_out)
{
    char *realm = NULL;
    krb5_error_code ret;

    ret = request_realm(env, req, &realm);
    if (!ret)
        ret = ks_transport_send(env->ctx, realm, req, kstep_stage(6), 6,
                                reply_out, result_out);
    if (ret)
        ks_error_prefix(env->ctx, ret, "sending the TGS-REQ");
    free(realm);
    return ret;
}

/* The service a KRB-ERROR is about, from the request when there is one. */
krb5_error_code
kstep_explain_error(struct kstep_env *env, const krb5_data *reply,
                    const char *service)
{
    krb5_error *err = NULL;
    const char *msg;
    krb5_error_code ret;

    ret = decode_krb5_error(reply, &err);
    if (ret)
        return ks_error_set(env->ctx, ret, "decoding the KDC's KRB-ERROR");
    ks_describe_error(env->ctx, env->emit, "krb-error", err);
    ret = ks_error_from_reply(env->ctx, err, service);
    msg = ks_context_message(env->ctx, ret);
    ks_emit_string(env->emit, "explanation", msg);
    ks_context_free_message(env->ctx, msg);
    krb5_free_error(env->ctx->k5, err);
    return ret;
}

void
kstep_emit_send(struct kstep_env *env, const krb5_data *req,
                const krb5_data *reply, const struct ks_send_result *result)
{
    struct ks_emit *e = env->emit;
    const char *kind = ks_artefact_kind(reply);

    ks_emit_string(e, "kdc", result->kdc);
    ks_emit_string(e, "transport", ks_transport_name(result->used));
    ks_emit_int(e, "request-length", req->length);
    ks_emit_int(e, "reply-length", reply->length);
    ks_emit_double(e, "round-trip-ms", result->rtt_ms);
    ks_emit_int(e, "tries", result->tries);
    ks_emit_string(e, "reply", kind != NULL ? kind : "unknown");
}

/* Service name of a TGS-REQ, for error messages; "" if unreadable. */
static void
request_service(struct kstep_env *env, const krb5_data *req, char *buf,
                size_t len)
{
    krb5_kdc_req *kr = NULL;
    char *name = NULL;

    buf[0] = '\0';
    if (decode_krb5_tgs_req(req, &kr) != 0)
        return;
    if (kr->server != NULL &&
        krb5_unparse_name(env->ctx->k5, kr->server, &name) == 0)
        snprintf(buf, len, "%s", name);
    krb5_free_unparsed_name(env->ctx->k5, name);
    krb5_free_kdc_req(env->ctx->k5, kr);
}

static int
sub_request(struct kstep_env *env, const char *const *args)
{
    struct ks_tgs_request *req = NULL;
    const char *out = kstep_output_path();
    krb5_error_code ret;

    ret = kstep_do_request(env, args[0], &req);
    if (!ret)
        ret = ks_artefact_write(env->ctx, out, &req->encoded);
    if (!ret && !kstep_output_is_stdout(out))
        kstep_trace(env, 1, "saved", "TGS-REQ saved to %s", out);
    ks_tgs_request_free(env->ctx, req);
    if (ret)
        kstep_report(env, ret);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static int
sub_send(struct kstep_env *env, const char *const *args)
{
    krb5_data req = { KV5M_DATA, 0, NULL }, reply = { KV5M_DATA, 0, NULL };
    struct ks_send_result result;
    const char *out = kstep_output_path();
    char service[256];
    krb5_error_code ret;

    memset(&result, 0, sizeof(result));
    ret = kstep_read(env, args[0], &req);
    if (!ret)
        ret = kstep_do_send(env, &req, &reply, &result);
    if (ret)
        goto cleanup;
    ks_emit_begin_step(env->emit, 6, "send");
    kstep_emit_send(env, &req, &reply, &result);
    ret = ks_artefact_write(env->ctx, out, &reply);
    if (!ret && (unsigned char)reply.data[0] == TAG_KRB_ERROR) {
        request_service(env, &req, service, sizeof(service));
        ret = kstep_explain_error(env, &reply,
                                  service[0] != '\0' ? service : NULL);
    }
    ks_emit_end(env->emit);

cleanup:
    if (ret)
        kstep_report(env, ret);
    krb5_free_data_contents(env->ctx->k5, &req);
    krb5_free_data_contents(env->ctx->k5, &reply);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static void
emit_creds(struct kstep_env *env, const krb5_creds *creds)
{
    struct ks_emit *e = env->emit;
    krb5_context k5 = env->ctx->k5;

    ks_emit_principal(e, "client", k5, creds->client);
    ks_emit_principal(e, "server", k5, creds->server);
    ks_emit_key(e, "session-key", k5, &creds->keyblock);
    ks_emit_ticket_flags(e, "flags", (krb5_flags)creds->ticket_flags);
    ks_emit_time(e, "authtime", creds->times.authtime);
    ks_emit_time(e, "starttime", creds->times.starttime);
    ks_emit_time(e, "endtime", creds->times.endtime);
    if (creds->times.renew_till != 0)
        ks_emit_time(e, "renew-till", creds->times.renew_till);
    ks_emit_int(e, "ticket-length", creds->ticket.length);
}

krb5_error_code
kstep_do_decrypt(struct kstep_env *env, const struct ks_tgs_request *req,
                 const krb5_data *reply, krb5_creds **creds_out)
{
    struct ks_emit *e = env->emit;
    krb5_error_code ret;
    const char *msg;

    ks_emit_begin_step(e, 7, "decrypt");
    ret = ks_tgs_open_reply(env->ctx, req, reply, creds_out);
    if (ret) {
        msg = ks_context_message(env->ctx, ret);
        ks_emit_check(e, "accepted", "reply accepted", false, msg);
        ks_context_free_message(env->ctx, msg);
    } else {
        ks_emit_check(e, "accepted", "reply accepted", true,
                      "nonce, names, times and flags match the request");
        emit_creds(env, *creds_out);
    }
    ks_emit_end(e);
    return ret;
}

krb5_error_code
kstep_do_store(struct kstep_env *env, krb5_ccache cc,
               const krb5_creds *creds)
{
    char *name = NULL;
    krb5_error_code ret;

    ret = ks_tgs_store(env->ctx, cc, creds, KS_TGS_STORE_REPLACE);
    if (ret)
        return ret;
    ks_emit_begin_step(env->emit, 8, "store");
    ks_emit_principal(env->emit, "stored", env->ctx->k5, creds->server);
    if (ks_ccache_full_name(env->ctx, cc, &name) == 0)
        ks_emit_string(env->emit, "cache", name);
    krb5_free_string(env->ctx->k5, name);
    ks_emit_end(env->emit);
    return 0;
}

/* Steps 7 (and 8 when STORE) from a REP and the --request REQ. */
static int
decrypt_and_maybe_store(struct kstep_env *env, const char *rep_path,
                        bool store)
{
    struct ks_tgs_request *req = NULL;
    krb5_data reply = { KV5M_DATA, 0, NULL };
    krb5_creds *creds = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code ret;

    if (kstep_opt.request == NULL)
        kstep_usage("give the request with --request REQ");
    ret = kstep_read(env, rep_path, &reply);
    if (!ret)
        ret = kstep_load_request(env, kstep_opt.request, NULL, &req);
    if (!ret)
        ret = kstep_do_decrypt(env, req, &reply, &creds);
    if (!ret && store)
        ret = kstep_ccache(env, &cc);
    if (!ret && store)
        ret = kstep_do_store(env, cc, creds);
    if (ret)
        kstep_report(env, ret);
    krb5_free_creds(env->ctx->k5, creds);
    ks_tgs_request_free(env->ctx, req);
    krb5_free_data_contents(env->ctx->k5, &reply);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static int
sub_decrypt(struct kstep_env *env, const char *const *args)
{
    return decrypt_and_maybe_store(env, args[0], false);
}

static int
sub_store(struct kstep_env *env, const char *const *args)
{
    return decrypt_and_maybe_store(env, args[0], true);
}

static struct poptOption output_options[] = {
    { "output", 'o', POPT_ARG_STRING, &kstep_opt.output, 0,
      "write the DER message to FILE ('-': stdout; default: stdout when it "
      "is not a terminal)", "FILE" },
    POPT_TABLEEND
};

static struct poptOption build_options[] = {
    { "output", 'o', POPT_ARG_STRING, &kstep_opt.output, 0,
      "write the DER message to FILE ('-': stdout; default: stdout when it "
      "is not a terminal)", "FILE" },
    { "bare", '\0', POPT_ARG_NONE, &kstep_opt.bare, 0,
      "send no KDC options and no FAST (default: the request kvno sends)",
      NULL },
    POPT_TABLEEND
};

static struct poptOption request_options[] = {
    { "request", '\0', POPT_ARG_STRING, &kstep_opt.request, 0,
      "the TGS-REQ this reply answers (from step 1)", "REQ" },
    POPT_TABLEEND
};

const struct kstep_sub kstep_client_subs[] = {
    { "request", 1, "build the TGS-REQ from the cache's TGT", "SERVICE", 1,
      build_options, sub_request },
    { "send", 6, "send to the realm's KDCs; explain a KRB-ERROR", "REQ", 1,
      output_options, sub_send },
    { "decrypt", 7, "check the reply, take the service session key", "REP",
      1, request_options, sub_decrypt },
    { "store", 8, "store ticket and key in the cache", "REP", 1,
      request_options, sub_store },
    { NULL, 0, NULL, NULL, 0, NULL, NULL },
};

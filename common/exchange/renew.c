/*
 * renew: renew or validate a cached ticket through the TGS exchange
 * (ks_tgs_build_request with the ticket itself as the TGT, for its own
 * server), with MIT's kdc-options (the action plus the ticket's
 * forwardable, proxiable, may-postdate and renewable flags, as
 * krb5_get_renewed_creds does).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "core/mit_trace.h"
#include "exchange/renew.h"
#include "exchange/tgs.h"
#include "core/flags.h"
#include "core/text.h"

#define STAGE "renew"

static const char *
action_name(krb5_flags kdc_opt)
{
    return (kdc_opt & KDC_OPT_VALIDATE) ? "validate" : "renew";
}

/* A - B in seconds, on unsigned 32-bit times (y2038). */
static int32_t
ts_delta(krb5_timestamp a, krb5_timestamp b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* The ticket to renew or validate: SERVER (or the client realm's TGS
 * name), realm set to the client's. */
static krb5_error_code
find_ticket(struct ks_context *ctx, krb5_ccache cc,
            krb5_const_principal client, krb5_const_principal server,
            krb5_creds **old_out)
{
    krb5_context k5 = ctx->k5;
    krb5_principal name = NULL;
    krb5_creds mcreds, old;
    char *realm = NULL;
    krb5_error_code ret;

    realm = strndup(client->realm.data, client->realm.length);
    if (realm == NULL)
        return ENOMEM;
    if (server != NULL)
        ret = krb5_copy_principal(k5, server, &name);
    else
        ret = krb5_build_principal_ext(k5, &name, client->realm.length,
                                       client->realm.data,
                                       KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                       client->realm.length,
                                       client->realm.data, 0);
    if (!ret)
        ret = krb5_set_principal_realm(k5, name, realm);
    if (ret)
        goto cleanup;
    memset(&mcreds, 0, sizeof(mcreds));
    memset(&old, 0, sizeof(old));
    mcreds.client = (krb5_principal)client;
    mcreds.server = name;
    ret = krb5_cc_retrieve_cred(k5, cc, 0, &mcreds, &old);
    if (ret)
        goto cleanup;
    ret = krb5_copy_creds(k5, &old, old_out);
    krb5_free_cred_contents(k5, &old);

cleanup:
    free(realm);
    krb5_free_principal(k5, name);
    return ret;
}

/* A local refusal: the whole message is ours (no KDC said anything). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static krb5_error_code
refuse(struct ks_context *ctx, krb5_error_code code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    krb5_vset_error_message(ctx->k5, code, fmt, ap);
    va_end(ap);
    return code;
}

/* What the KDC would refuse anyway, said clearly and without a round
 * trip.  The clock skew is allowed, so the KDC decides the close calls. */
static krb5_error_code
check_renewable(struct ks_context *ctx, const krb5_creds *old,
                const char *name, krb5_timestamp now)
{
    krb5_deltat skew = ctx->config.clockskew;
    char t[64];

    /* A ticket that is not renewable goes to the KDC all the same, as
     * MIT's kinit sends it: scripts expect the KDC's answer. */
    if (!(old->ticket_flags & TKT_FLG_RENEWABLE))
        return 0;
    if (ts_delta(now, old->times.renew_till) > skew)
        return refuse(ctx, KRB5KRB_AP_ERR_TKT_EXPIRED, "the ticket for %s "
                      "could be renewed until %s, which has passed (run "
                      "kinit without -R)", name,
                      ks_text_when(old->times.renew_till, t, sizeof(t)));
    if (ts_delta(now, old->times.endtime) > skew)
        return refuse(ctx, KRB5KRB_AP_ERR_TKT_EXPIRED, "the ticket for %s "
                      "expired at %s, and an expired ticket cannot be "
                      "renewed (run kinit without -R)", name,
                      ks_text_when(old->times.endtime, t, sizeof(t)));
    return 0;
}

/* The KDC refused to renew a ticket that is not renewable: say why. */
static void
explain_not_renewable(struct ks_context *ctx, krb5_error_code code,
                      const char *name)
{
    const char *msg = ks_context_message(ctx, code);

    krb5_set_error_message(ctx->k5, code, "%s (the ticket for %s is not "
                           "renewable: get a renewable one with kinit -r)",
                           msg, name);
    ks_context_free_message(ctx, msg);
}

static krb5_error_code
check_validatable(struct ks_context *ctx, const krb5_creds *old,
                  const char *name, krb5_timestamp now)
{
    krb5_deltat skew = ctx->config.clockskew;
    char t[64];

    if (!(old->ticket_flags & TKT_FLG_INVALID))
        return refuse(ctx, KRB5KDC_ERR_BADOPTION, "the ticket for %s is not "
                      "postdated, so there is nothing to validate", name);
    if (ts_delta(old->times.starttime, now) > skew)
        return refuse(ctx, KRB5KRB_AP_ERR_TKT_NYV, "the ticket for %s is "
                      "postdated to %s; validate it from then on", name,
                      ks_text_when(old->times.starttime, t, sizeof(t)));
    if (ts_delta(now, old->times.endtime) > skew)
        return refuse(ctx, KRB5KRB_AP_ERR_TKT_EXPIRED, "the ticket for %s "
                      "expired at %s", name,
                      ks_text_when(old->times.endtime, t, sizeof(t)));
    return 0;
}

static krb5_error_code
modified(struct ks_context *ctx, const char *what)
{
    return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the new "
                        "ticket: %s", what);
}

/* Beyond PROTOCOL.md 1.3: the new ticket is the old one's successor. */
static krb5_error_code
check_new(struct ks_context *ctx, const krb5_creds *old,
          const krb5_creds *new, krb5_flags kdc_opt)
{
    const krb5_ticket_times *o = &old->times, *n = &new->times;

    if (!krb5_principal_compare(ctx->k5, new->server, old->server))
        return modified(ctx, "the new ticket is for another service");
    if (kdc_opt & KDC_OPT_VALIDATE) {
        if (new->ticket_flags & TKT_FLG_INVALID)
            return modified(ctx, "the ticket is still marked invalid");
        /* MIT's KDC starts the validated ticket now; it may not start
         * before the postdated time nor end later than the old one. */
        if (ts_delta(n->starttime, o->starttime) < 0 ||
            ts_delta(n->endtime, o->endtime) > 0)
            return modified(ctx, "the validated ticket's times exceed the "
                            "postdated one's");
        return 0;
    }
    if (!(new->ticket_flags & TKT_FLG_RENEWABLE))
        return modified(ctx, "the renewed ticket is not renewable");
    if (ts_delta(n->renew_till, o->renew_till) > 0 ||
        ts_delta(n->endtime, o->renew_till) > 0)
        return modified(ctx, "the renewed ticket outlasts the old one's "
                        "renew-till");
    return 0;
}

static void
trace_done(struct ks_context *ctx, const krb5_creds *c, krb5_flags kdc_opt)
{
    char a[64], b[64], r[64], flags[256];

    if (!ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, STAGE, 0, "done",
             "%s: new ticket valid %s to %s%s%s, flags %s",
             action_name(kdc_opt),
             ks_text_when(c->times.starttime, a, sizeof(a)),
             ks_text_when(c->times.endtime, b, sizeof(b)),
             (c->ticket_flags & TKT_FLG_RENEWABLE) ? ", renewable until "
                                                   : "",
             (c->ticket_flags & TKT_FLG_RENEWABLE)
                 ? ks_text_when(c->times.renew_till, r, sizeof(r)) : "",
             ks_flags_names((krb5_flags)c->ticket_flags, ",", flags,
                            sizeof(flags)));
}

/* Steps 1, 6 and 7 with OLD as the ticket-granting ticket. */
static krb5_error_code
exchange(struct ks_context *ctx, const krb5_creds *old, krb5_flags kdc_opt,
         krb5_creds **new_out)
{
    struct ks_tgs_options opts = { 0 };
    struct ks_tgs_request *req = NULL;
    krb5_data reply = { 0 };
    krb5_error_code ret;

    opts.kdc_options = kdc_opt | (old->ticket_flags & KDC_TKT_COMMON_MASK);
    /* MIT renews and validates through krb5_get_cred_via_tkt, whose
     * lines frame the request. */
    KS_MTRACE_GET_CRED_VIA_TKT_EXT(ctx, old->server, old->server,
                                   opts.kdc_options);
    ret = ks_tgs_build_request(ctx, old, old->server, &opts, &req);
    if (!ret)
        ret = ks_tgs_send(ctx, req, &reply, NULL);
    if (!ret)
        ret = ks_tgs_open_reply(ctx, req, &reply, new_out);
    if (!ret || req != NULL)
        KS_MTRACE_GET_CRED_VIA_TKT_EXT_RETURN(ctx, ret);
    krb5_free_data_contents(ctx->k5, &reply);
    ks_tgs_request_free(ctx, req);
    return ret;
}

krb5_error_code
ks_renew_validate(struct ks_context *ctx, krb5_ccache cc,
                  krb5_const_principal client, krb5_const_principal server,
                  krb5_flags kdc_opt, krb5_creds **creds_out)
{
    krb5_creds *old = NULL, *new = NULL;
    krb5_timestamp now;
    krb5_error_code ret;
    char name[256], opts[256];
    char *s = NULL;

    ret = find_ticket(ctx, cc, client, server, &old);
    if (ret)
        return ret;
    if (krb5_unparse_name(ctx->k5, old->server, &s) == 0) {
        snprintf(name, sizeof(name), "%s", s);
        krb5_free_unparsed_name(ctx->k5, s);
    } else {
        snprintf(name, sizeof(name), "(unprintable)");
    }
    ret = krb5_timeofday(ctx->k5, &now);
    if (!ret)
        ret = (kdc_opt & KDC_OPT_VALIDATE)
                  ? check_validatable(ctx, old, name, now)
                  : check_renewable(ctx, old, name, now);
    if (ret)
        goto cleanup;
    ks_trace(ctx->trace, STAGE, 0, "request",
             "%s %s with the ticket itself (kdc-options %s)",
             action_name(kdc_opt), name,
             ks_kdc_options_names(kdc_opt | (old->ticket_flags &
                                             KDC_TKT_COMMON_MASK),
                                  ",", opts, sizeof(opts)));
    ret = exchange(ctx, old, kdc_opt, &new);
    if (ret == KRB5KDC_ERR_BADOPTION && !(kdc_opt & KDC_OPT_VALIDATE) &&
        !(old->ticket_flags & TKT_FLG_RENEWABLE))
        explain_not_renewable(ctx, ret, name);
    if (!ret)
        ret = check_new(ctx, old, new, kdc_opt);
    if (ret)
        goto cleanup;
    trace_done(ctx, new, kdc_opt);
    *creds_out = new;
    new = NULL;

cleanup:
    krb5_free_creds(ctx->k5, new);
    krb5_free_creds(ctx->k5, old);
    return ret;
}

/*
 * kstep run: the eight steps in order, with the KDC-side ones shown inline
 * when keys are at hand; and kstep decode: any Kerberos message, field by
 * field or as its raw DER tree.
 *
 * The KDC does steps 2-5 between our send and its reply, so run shows them
 * from the keys we hold, after the reply came back and before step 6's
 * block.  To keep the trace in step order too, the real send is not traced
 * as it happens: its line is written from the send's result after steps 4
 * and 5.  With --local-kdc the local KDC traces 2-6 itself, and the
 * inspections that follow are not traced again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/artefact.h"
#include "wire/der.h"
#include "inspect/describe.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "core/krb5_private.h"
#include "kstep.h"

#define TAG_KRB_ERROR 0x7e
#define TAG_TICKET 0x61         /* [APPLICATION 1] */
#define TAG_TGS_REQ 0x6c        /* [APPLICATION 12] */
#define TAG_TGS_REP 0x6d        /* [APPLICATION 13] */

struct run_state {
    struct kstep_env *env;
    const char *service;
    struct ks_trace *trace;         /* the sink, while it is detached */
    krb5_keytab krbtgt_kt, service_kt, local_kt;
    struct ks_tgs_request *req;
    krb5_ticket *tgt;               /* step 2, when opened */
    krb5_data reply;
    struct ks_send_result result;
    krb5_enc_kdc_rep_part *part;    /* step 4 */
    krb5_creds *creds;              /* step 7 */
    bool failed;                    /* a check failed */
};

static void
detach_trace(struct run_state *st)
{
    if (st->trace == NULL) {
        st->trace = st->env->ctx->trace;
        st->env->ctx->trace = NULL;
    }
}

static void
attach_trace(struct run_state *st)
{
    if (st->trace != NULL) {
        st->env->ctx->trace = st->trace;
        st->trace = NULL;
    }
}

static void
skipped(struct run_state *st, int step, const char *name, const char *why)
{
    ks_emit_begin_step(st->env->emit, step, name);
    ks_emit_note(st->env->emit, "skipped", why);
    ks_emit_end(st->env->emit);
    kstep_trace(st->env, step, "skipped", "skipped: %s", why);
}

/* An inspection the keys given cannot do: no entry fits the ticket, or
 * the one that does is not its key. */
static bool
no_key(krb5_error_code ret)
{
    return ret == KRB5_KT_NOTFOUND || ret == KRB5_KT_KVNONOTFOUND ||
           ret == KRB5KRB_AP_ERR_BAD_INTEGRITY || ret == KRB5_BAD_ENCTYPE;
}

/*
 * Step STEP (an optional inspection) failed with RET: when it lacked the
 * key, say so under its header (text and JSON "not-opened") and in the
 * trace, and let the run go on (0); any other failure stops it.
 */
static krb5_error_code
not_opened(struct run_state *st, int step, const char *name,
           krb5_error_code ret)
{
    struct kstep_env *env = st->env;
    const char *msg;
    char line[1024];

    if (!no_key(ret))
        return ret;
    msg = ks_context_message(env->ctx, ret);
    snprintf(line, sizeof(line), "not opened: %s", msg);
    ks_context_free_message(env->ctx, msg);
    ks_emit_begin_step(env->emit, step, name);
    ks_emit_note(env->emit, "not-opened", line);
    ks_emit_end(env->emit);
    kstep_trace(env, step, "not-opened", "%s", line);
    return 0;
}

static krb5_error_code
open_run_keytabs(struct run_state *st)
{
    const char *names[4] = { NULL, NULL, NULL, NULL };
    struct kstep_env *env = st->env;
    krb5_error_code ret = 0;

    if (kstep_opt.krbtgt_keytab != NULL)
        ret = kstep_keytab(env, kstep_opt.krbtgt_keytab, &st->krbtgt_kt);
    if (!ret && kstep_opt.service_keytab != NULL)
        ret = kstep_keytab(env, kstep_opt.service_keytab, &st->service_kt);
    if (ret || kstep_opt.local_kdc == NULL)
        return ret;
    /* The local KDC wants every key in one keytab. */
    names[0] = kstep_opt.local_kdc;
    names[1] = kstep_opt.krbtgt_keytab;
    names[2] = names[1] != NULL ? kstep_opt.service_keytab : NULL;
    if (names[1] == NULL)
        names[1] = kstep_opt.service_keytab;
    return kstep_merged_keytab(env, names, &st->local_kt);
}

/* Steps 2 and 3 from the request, with the keys at hand. */
static krb5_error_code
request_side(struct run_state *st)
{
    krb5_keytab kt = st->krbtgt_kt ? st->krbtgt_kt : st->local_kt;
    const krb5_data *der = &st->req->encoded;
    krb5_error_code ret;

    if (kt == NULL) {
        skipped(st, 2, "open-tgt", "needs the krbtgt key (--krbtgt-keytab)");
    } else {
        ret = kstep_do_open_tgt(st->env, der, kt, &st->tgt);
        if (ret)
            ret = not_opened(st, 2, "open-tgt", ret);
        if (ret)
            return ret;
    }
    if (st->tgt != NULL)
        return kstep_do_check_authenticator(
            st->env, der, st->tgt->enc_part2->session,
            st->tgt->enc_part2->client, "the TGT opened with the krbtgt key",
            &st->failed);
    return kstep_do_check_authenticator(st->env, der, &st->req->tgt->keyblock,
                                        st->req->tgt->client, "the cache",
                                        &st->failed);
}

/* Steps 4 and 5 from the reply. */
static krb5_error_code
reply_side(struct run_state *st)
{
    krb5_keytab kt = st->service_kt ? st->service_kt : st->local_kt;
    krb5_error_code ret;

    if ((unsigned char)st->reply.data[0] == TAG_KRB_ERROR) {
        skipped(st, 4, "open-reply", "the KDC answered with an error");
        skipped(st, 5, "open-ticket", "the KDC answered with an error");
        return 0;
    }
    ret = kstep_do_open_reply(st->env, &st->reply, st->req, &st->part);
    if (ret)
        return ret;
    if (kt == NULL) {
        skipped(st, 5, "open-ticket",
                "needs the service key (--service-keytab)");
        return 0;
    }
    ret = kstep_do_open_ticket(st->env, &st->reply, kt,
                               st->krbtgt_kt ? st->krbtgt_kt : st->local_kt,
                               st->part, &st->failed);
    return ret ? not_opened(st, 5, "open-ticket", ret) : 0;
}

/* Step 6's block and, for the real KDC, its trace line; a KRB-ERROR is
 * explained there and returned. */
static krb5_error_code
show_send(struct run_state *st)
{
    struct kstep_env *env = st->env;
    const struct ks_send_result *r = &st->result;
    krb5_error_code ret = 0;

    ks_emit_begin_step(env->emit, 6, "send");
    if (st->local_kt != NULL) {
        ks_emit_string(env->emit, "kdc", "local (--local-kdc)");
        ks_emit_int(env->emit, "request-length", st->req->encoded.length);
        ks_emit_int(env->emit, "reply-length", st->reply.length);
    } else {
        kstep_emit_send(env, &st->req->encoded, &st->reply, r);
        kstep_trace(env, 6, "received",
                    "%u bytes over %s to %s ... %u bytes back in %.1f ms",
                    st->req->encoded.length, ks_transport_name(r->used),
                    r->kdc, st->reply.length, r->rtt_ms);
    }
    if ((unsigned char)st->reply.data[0] == TAG_KRB_ERROR)
        ret = kstep_explain_error(env, &st->reply, st->service);
    ks_emit_end(env->emit);
    return ret;
}

/* Everything up to the reply: steps 1-6. */
static krb5_error_code
exchange(struct run_state *st)
{
    krb5_error_code ret;

    ret = kstep_do_request(st->env, st->service, &st->req);
    if (!ret && st->local_kt != NULL) {
        ret = ks_kdc_local_answer(st->env->ctx, &st->req->encoded,
                                  st->local_kt, &st->reply);
        detach_trace(st);
    }
    if (!ret)
        ret = request_side(st);
    if (!ret && st->local_kt == NULL) {
        detach_trace(st);
        ret = kstep_do_send(st->env, &st->req->encoded, &st->reply,
                            &st->result);
        attach_trace(st);
    }
    if (!ret)
        ret = reply_side(st);
    attach_trace(st);
    if (!ret)
        ret = show_send(st);
    return ret;
}

static void
run_state_free(struct run_state *st)
{
    krb5_context k5 = st->env->ctx->k5;

    attach_trace(st);
    krb5_free_creds(k5, st->creds);
    krb5_free_enc_kdc_rep_part(k5, st->part);
    krb5_free_data_contents(k5, &st->reply);
    krb5_free_ticket(k5, st->tgt);
    ks_tgs_request_free(st->env->ctx, st->req);
    if (st->krbtgt_kt != NULL)
        krb5_kt_close(k5, st->krbtgt_kt);
    if (st->service_kt != NULL)
        krb5_kt_close(k5, st->service_kt);
    if (st->local_kt != NULL)
        krb5_kt_close(k5, st->local_kt);
}

static int
sub_run(struct kstep_env *env, const char *const *args)
{
    struct run_state st;
    krb5_ccache cc = NULL;
    krb5_error_code ret;

    memset(&st, 0, sizeof(st));
    st.env = env;
    st.service = args[0];
    ks_emit_string(env->emit, "service", args[0]);
    ks_emit_begin_steps(env->emit, "steps");
    ret = open_run_keytabs(&st);
    if (!ret)
        ret = exchange(&st);
    if (!ret)
        ret = kstep_do_decrypt(env, st.req, &st.reply, &st.creds);
    if (!ret)
        ret = kstep_ccache(env, &cc);
    if (!ret)
        ret = kstep_do_store(env, cc, st.creds);
    ks_emit_end(env->emit);
    run_state_free(&st);
    if (ret)
        kstep_report(env, ret);
    else if (st.failed)
        kstep_report_check(env, KRB5KRB_AP_ERR_MODIFIED,
                           "a check failed (see above)");
    return ret || st.failed ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

/* decode --keytab: the ticket inside DER (a TGS-REQ's TGT, a TGS-REP's
 * or a bare Ticket) opened with the keytabs, shown with its PAC. */
static krb5_error_code
decode_opened(struct kstep_env *env, const char *what, const krb5_data *der)
{
    const char *const *names = (const char *const *)kstep_opt.keytabs;
    unsigned char first = (unsigned char)der->data[0];
    krb5_keytab kt = NULL;
    krb5_ticket *ticket = NULL;
    krb5_error_code ret;

    if (first != TAG_TGS_REQ && first != TAG_TGS_REP && first != TAG_TICKET)
        return ks_error_set(env->ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "--keytab opens the ticket of a TGS-REQ, a "
                            "TGS-REP or a Ticket; %s is a %s", what,
                            ks_artefact_kind(der));
    ret = names[1] == NULL ? kstep_keytab(env, names[0], &kt)
                           : kstep_merged_keytab(env, names, &kt);
    if (ret)
        return ret;
    if (first == TAG_TGS_REQ)
        ret = ks_inspect_open_tgt(env->ctx, der, kt, &ticket);
    else
        ret = ks_inspect_open_ticket(env->ctx, der, kt, &ticket);
    if (ret) {
        ks_error_prefix(env->ctx, ret, "opening the ticket in %s", what);
    } else {
        ks_emit_begin_object(env->emit, "opened");
        ks_describe_ticket(env->ctx, env->emit,
                           first == TAG_TGS_REQ ? "tgt" : "ticket", ticket);
        kstep_emit_pac(env, kt, kt, ticket);
        ks_emit_end(env->emit);
    }
    krb5_free_ticket(env->ctx->k5, ticket);
    krb5_kt_close(env->ctx->k5, kt);
    return ret;
}

static int
sub_decode(struct kstep_env *env, const char *const *args)
{
    krb5_data der = { KV5M_DATA, 0, NULL };
    krb5_error_code ret;

    if (kstep_opt.der && kstep_opt.json)
        kstep_usage("--der and --json do not go together");
    if (kstep_opt.der && kstep_opt.keytabs != NULL)
        kstep_usage("--der and --keytab do not go together");
    ret = kstep_read(env, args[0], &der);
    if (!ret && kstep_opt.der) {
        ret = ks_der_dump(stdout, &der);
        if (ret)
            ks_error_set(env->ctx, ret, "%s is malformed", args[0]);
    } else if (!ret) {
        ret = ks_describe_message(env->ctx, env->emit, args[0], &der);
        if (!ret && kstep_opt.keytabs != NULL)
            ret = decode_opened(env, args[0], &der);
    }
    krb5_free_data_contents(env->ctx->k5, &der);
    if (ret)
        kstep_report(env, ret);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static struct poptOption run_options[] = {
    { "krbtgt-keytab", '\0', POPT_ARG_STRING, &kstep_opt.krbtgt_keytab, 0,
      "show step 2 (and check step 3 the KDC's way) with this krbtgt keytab",
      "KT" },
    { "service-keytab", '\0', POPT_ARG_STRING, &kstep_opt.service_keytab, 0,
      "show step 5 with the service's keytab", "KT" },
    { "local-kdc", '\0', POPT_ARG_STRING, &kstep_opt.local_kdc, 0,
      "answer with the local KDC and the keys in KT instead of the realm's "
      "KDC", "KT" },
    { "bare", '\0', POPT_ARG_NONE, &kstep_opt.bare, 0,
      "send no KDC options and no FAST (default: the request kvno sends)",
      NULL },
    POPT_TABLEEND
};

static struct poptOption decode_options[] = {
    { "der", '\0', POPT_ARG_NONE, &kstep_opt.der, 0,
      "print the raw DER tree (tags, lengths, values) instead", NULL },
    { "keytab", 'k', POPT_ARG_ARGV, &kstep_opt.keytabs, 0,
      "also open the ticket inside (a TGS-REQ's TGT, a TGS-REP's ticket) "
      "and show its PAC (repeat to merge several)", "KT" },
    POPT_TABLEEND
};

const struct kstep_sub kstep_misc_subs[] = {
    { "run", 0, "all eight steps in order, traced", "SERVICE", 1,
      run_options, sub_run },
    { "decode", 0, "any Kerberos message, field by field", "FILE", 1,
      decode_options, sub_decode },
    { NULL, 0, NULL, NULL, 0, NULL, NULL },
};

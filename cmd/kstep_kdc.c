/*
 * kstep's KDC-side steps, seen with keys: 2 open-tgt, 3
 * check-authenticator, 4 open-reply, 5 open-ticket; and `kstep kdc`, which
 * performs steps 2-6 locally.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/artefact.h"
#include "inspect/describe.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "core/krb5_private.h"
#include "kstep.h"

/* The keytab of --keytab: one, or several merged in memory. */
static krb5_error_code
open_keytabs(struct kstep_env *env, krb5_keytab *kt_out)
{
    char **names = kstep_opt.keytabs;

    if (names == NULL || names[0] == NULL)
        kstep_usage("give the keytab with --keytab KT");
    if (names[1] == NULL)
        return kstep_keytab(env, names[0], kt_out);
    return kstep_merged_keytab(env, (const char *const *)names, kt_out);
}

krb5_error_code
kstep_do_open_tgt(struct kstep_env *env, const krb5_data *req,
                  krb5_keytab kt, krb5_ticket **tgt_out)
{
    krb5_error_code ret;

    ret = ks_inspect_open_tgt(env->ctx, req, kt, tgt_out);
    if (ret)
        return ks_error_prefix(env->ctx, ret, "opening the TGT");
    ks_emit_begin_step(env->emit, 2, "open-tgt");
    ks_describe_ticket(env->ctx, env->emit, "tgt", *tgt_out);
    kstep_emit_pac(env, kt, kt, *tgt_out);
    ks_emit_end(env->emit);
    return 0;
}

static void
emit_checksum_verdict(struct kstep_env *env,
                      const struct ks_authenticator_check *chk)
{
    const krb5_checksum *ck = chk->authenticator->checksum;
    char type[48], detail[96];

    if (ck == NULL) {
        ks_emit_verdict(env->emit, "checksum-ok", "checksum over req-body",
                        false, "valid", "absent", NULL);
        return;
    }
    ks_describe_cksumtype(ck->checksum_type, type, sizeof(type));
    snprintf(detail, sizeof(detail), "%s, %s", type,
             chk->checksum_keyed ? "keyed" : "unkeyed: not trusted");
    ks_emit_verdict(env->emit, "checksum-ok", "checksum over req-body",
                    chk->checksum_ok, "valid", "invalid", detail);
    if (ks_emit_is_json(env->emit)) {
        ks_emit_string(env->emit, "checksum-type", type);
        ks_emit_bool(env->emit, "checksum-keyed", chk->checksum_keyed);
    }
}

static void
emit_authenticator_check(struct kstep_env *env,
                         const struct ks_authenticator_check *chk)
{
    struct ks_emit *e = env->emit;
    char skew[64];

    ks_describe_authenticator(env->ctx, e, "authenticator",
                              chk->authenticator);
    ks_emit_check(e, "client-matches-tgt", "client matches the TGT",
                  chk->client_matches, NULL);
    snprintf(skew, sizeof(skew), "skew %ld s", (long)chk->skew);
    ks_emit_check(e, "time-ok", "time within the clock skew", chk->time_ok,
                  skew);
    if (ks_emit_is_json(e))
        ks_emit_int(e, "skew-seconds", chk->skew);
    emit_checksum_verdict(env, chk);
    ks_emit_check(e, "body-from-wire", "req-body checked as sent",
                  chk->body_from_wire, NULL);
}

krb5_error_code
kstep_do_check_authenticator(struct kstep_env *env, const krb5_data *req,
                             const krb5_keyblock *session_key,
                             krb5_const_principal client,
                             const char *key_from, bool *failed)
{
    struct ks_authenticator_check *chk = NULL;
    krb5_error_code ret;

    ret = ks_inspect_check_authenticator(env->ctx, req, session_key, client,
                                         &chk);
    if (ret)
        return ks_error_prefix(env->ctx, ret, "opening the authenticator");
    ks_emit_begin_step(env->emit, 3, "check-authenticator");
    ks_emit_string(env->emit, "session-key-from", key_from);
    ks_emit_key(env->emit, "session-key", env->ctx->k5, session_key);
    emit_authenticator_check(env, chk);
    ks_emit_end(env->emit);
    if (failed != NULL)
        *failed = !(chk->client_matches && chk->time_ok && chk->checksum_ok);
    ks_authenticator_check_free(env->ctx, chk);
    return 0;
}

krb5_error_code
kstep_do_open_reply(struct kstep_env *env, const krb5_data *reply,
                    const struct ks_tgs_request *req,
                    krb5_enc_kdc_rep_part **part_out)
{
    krb5_keyusage usage = 0;
    krb5_keyblock *sub = NULL, *ses = NULL;
    struct ks_trace *trace;
    krb5_error_code ret;
    struct ks_emit *e = env->emit;

    /* In FAST the reply keys are strengthened (RFC 6113 5.4.3); the FAST
     * layer's trace belongs to step 7, which traces it again. */
    trace = env->ctx->trace;
    env->ctx->trace = NULL;
    ret = ks_tgs_reply_keys(env->ctx, req, reply, &sub, &ses);
    env->ctx->trace = trace;
    if (!ret)
        ret = ks_inspect_open_reply(env->ctx, reply, sub, ses, part_out,
                                    &usage);
    krb5_free_keyblock(env->ctx->k5, sub);
    krb5_free_keyblock(env->ctx->k5, ses);
    if (ret)
        return ks_error_prefix(env->ctx, ret, "opening the reply");
    ks_emit_begin_step(e, 4, "open-reply");
    ks_emit_string(e, "opened-with", usage == 9
                                         ? "the authenticator subkey"
                                         : "the TGT session key");
    ks_emit_int(e, "key-usage", usage);
    ks_describe_enc_kdc_rep_part(env->ctx, e, "EncKDCRepPart", *part_out);
    ks_emit_check(e, "nonce-matches", "nonce matches the request",
                  (*part_out)->nonce == req->nonce, NULL);
    ks_emit_end(e);
    return 0;
}

void
kstep_emit_pac(struct kstep_env *env, krb5_keytab kt, krb5_keytab krbtgt_kt,
               const krb5_ticket *ticket)
{
    struct ks_pac_view *pac = NULL;
    krb5_keyblock *key = NULL;

    ks_inspect_ticket_key(env->ctx, kt, ticket, &key);
    if (ks_inspect_pac_keys(env->ctx, ticket->enc_part2, ticket->server, key,
                            krbtgt_kt, &pac) == 0)
        ks_describe_pac(env->emit, "pac", pac);
    ks_pac_view_free(pac);
    krb5_free_keyblock(env->ctx->k5, key);
}

/* Steps 4 and 5 agree?  Returns true when they do. */
static bool
emit_comparison(struct kstep_env *env, const krb5_ticket *ticket,
                const krb5_enc_kdc_rep_part *part)
{
    unsigned int diff = ks_inspect_compare(env->ctx, ticket, part);
    struct ks_emit *e = env->emit;

    ks_emit_check(e, "session-key-matches",
                  "session key equals the one in step 4",
                  !(diff & KS_INSPECT_DIFF_KEY), NULL);
    ks_emit_check(e, "flags-match", "flags equal the reply's",
                  !(diff & KS_INSPECT_DIFF_FLAGS), NULL);
    ks_emit_check(e, "times-match", "times equal the reply's",
                  !(diff & KS_INSPECT_DIFF_TIMES), NULL);
    ks_emit_check(e, "server-matches", "server equals the reply's",
                  !(diff & KS_INSPECT_DIFF_SERVER), NULL);
    return diff == 0;
}

krb5_error_code
kstep_do_open_ticket(struct kstep_env *env, const krb5_data *reply,
                     krb5_keytab kt, krb5_keytab krbtgt_kt,
                     const krb5_enc_kdc_rep_part *part, bool *failed)
{
    krb5_ticket *ticket = NULL;
    krb5_error_code ret;

    ret = ks_inspect_open_ticket(env->ctx, reply, kt, &ticket);
    if (ret)
        return ks_error_prefix(env->ctx, ret, "opening the service ticket");
    ks_emit_begin_step(env->emit, 5, "open-ticket");
    ks_describe_ticket(env->ctx, env->emit, "ticket", ticket);
    kstep_emit_pac(env, kt, krbtgt_kt, ticket);
    if (part != NULL && !emit_comparison(env, ticket, part) && failed)
        *failed = true;
    ks_emit_end(env->emit);
    krb5_free_ticket(env->ctx->k5, ticket);
    return 0;
}

static int
finish(struct kstep_env *env, krb5_error_code ret, bool failed)
{
    if (ret) {
        kstep_report(env, ret);
        return KS_EXIT_FAILURE;
    }
    return failed ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

static int
sub_open_tgt(struct kstep_env *env, const char *const *args)
{
    krb5_data req = { KV5M_DATA, 0, NULL };
    krb5_keytab kt = NULL;
    krb5_ticket *tgt = NULL;
    krb5_error_code ret;

    ret = open_keytabs(env, &kt);
    if (!ret)
        ret = kstep_read(env, args[0], &req);
    if (!ret)
        ret = kstep_do_open_tgt(env, &req, kt, &tgt);
    krb5_free_ticket(env->ctx->k5, tgt);
    if (kt != NULL)
        krb5_kt_close(env->ctx->k5, kt);
    krb5_free_data_contents(env->ctx->k5, &req);
    return finish(env, ret, false);
}

/* Step 3 with the session key from the TGT opened by a krbtgt keytab. */
static krb5_error_code
check_with_keytab(struct kstep_env *env, const char *path, bool *failed)
{
    krb5_data req = { KV5M_DATA, 0, NULL };
    krb5_keytab kt = NULL;
    krb5_ticket *tgt = NULL;
    krb5_error_code ret;

    ret = open_keytabs(env, &kt);
    if (!ret)
        ret = kstep_read(env, path, &req);
    if (!ret)
        ret = ks_inspect_open_tgt(env->ctx, &req, kt, &tgt);
    if (!ret)
        ret = kstep_do_check_authenticator(
            env, &req, tgt->enc_part2->session, tgt->enc_part2->client,
            "the TGT opened with the krbtgt key", failed);
    krb5_free_ticket(env->ctx->k5, tgt);
    if (kt != NULL)
        krb5_kt_close(env->ctx->k5, kt);
    krb5_free_data_contents(env->ctx->k5, &req);
    return ret;
}

/* Step 3 with the session key of the cache's TGT. */
static krb5_error_code
check_with_cache(struct kstep_env *env, const char *path, bool *failed)
{
    struct ks_tgs_request *req = NULL;
    krb5_error_code ret;

    ret = kstep_load_request(env, path, NULL, &req);
    if (!ret)
        ret = kstep_do_check_authenticator(env, &req->encoded,
                                           &req->tgt->keyblock,
                                           req->tgt->client, "the cache",
                                           failed);
    ks_tgs_request_free(env->ctx, req);
    return ret;
}

static int
sub_check_authenticator(struct kstep_env *env, const char *const *args)
{
    bool failed = false;
    krb5_error_code ret;

    if (kstep_opt.keytabs != NULL)
        ret = check_with_keytab(env, args[0], &failed);
    else
        ret = check_with_cache(env, args[0], &failed);
    if (!ret && failed)
        kstep_report_check(env, KRB5KRB_AP_ERR_MODIFIED,
                           "the authenticator fails a check the KDC "
                           "makes");
    return finish(env, ret, failed);
}

static int
sub_open_reply(struct kstep_env *env, const char *const *args)
{
    struct ks_tgs_request *req = NULL;
    krb5_data reply = { KV5M_DATA, 0, NULL };
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_error_code ret;

    if (kstep_opt.request == NULL)
        kstep_usage("give the request with --request REQ");
    ret = kstep_read(env, args[0], &reply);
    if (!ret)
        ret = kstep_load_request(env, kstep_opt.request, NULL, &req);
    if (!ret)
        ret = kstep_do_open_reply(env, &reply, req, &part);
    krb5_free_enc_kdc_rep_part(env->ctx->k5, part);
    ks_tgs_request_free(env->ctx, req);
    krb5_free_data_contents(env->ctx->k5, &reply);
    return finish(env, ret, false);
}

/* The reply part of step 4 for --request, opened without output. */
static krb5_error_code
reply_part(struct kstep_env *env, const krb5_data *reply,
           krb5_enc_kdc_rep_part **part_out)
{
    struct ks_tgs_request *req = NULL;
    krb5_keyusage usage;
    krb5_error_code ret;
    krb5_keyblock *sub = NULL, *ses = NULL;
    struct ks_trace *trace = env->ctx->trace;

    ret = kstep_load_request(env, kstep_opt.request, NULL, &req);
    env->ctx->trace = NULL;             /* step 7 traces the FAST layer */
    if (!ret)
        ret = ks_tgs_reply_keys(env->ctx, req, reply, &sub, &ses);
    env->ctx->trace = trace;
    if (!ret)
        ret = ks_inspect_open_reply(env->ctx, reply, sub, ses, part_out,
                                    &usage);
    krb5_free_keyblock(env->ctx->k5, sub);
    krb5_free_keyblock(env->ctx->k5, ses);
    ks_tgs_request_free(env->ctx, req);
    return ret;
}

static int
sub_open_ticket(struct kstep_env *env, const char *const *args)
{
    krb5_data reply = { KV5M_DATA, 0, NULL };
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_keytab kt = NULL;
    bool failed = false;
    krb5_error_code ret;

    ret = open_keytabs(env, &kt);
    if (!ret)
        ret = kstep_read(env, args[0], &reply);
    if (!ret && kstep_opt.request != NULL)
        ret = reply_part(env, &reply, &part);
    if (!ret)
        ret = kstep_do_open_ticket(env, &reply, kt, kt, part, &failed);
    if (!ret && failed)
        kstep_report_check(env, KRB5_KDCREP_MODIFIED,
                           "the service ticket and the reply disagree");
    krb5_free_enc_kdc_rep_part(env->ctx->k5, part);
    if (kt != NULL)
        krb5_kt_close(env->ctx->k5, kt);
    krb5_free_data_contents(env->ctx->k5, &reply);
    return finish(env, ret, failed);
}

/* The PAC of the ticket the local KDC sealed in REPLY, checked with the
 * keys it was signed with.  Not traced: the local KDC traced its signing
 * at step 5 already, and the trace stays in step order. */
static void
emit_sealed_pac(struct kstep_env *env, const krb5_data *reply,
                krb5_keytab kt)
{
    struct ks_trace *trace = env->ctx->trace;
    krb5_ticket *ticket = NULL;

    env->ctx->trace = NULL;
    if (ks_inspect_open_ticket(env->ctx, reply, kt, &ticket) == 0)
        kstep_emit_pac(env, kt, kt, ticket);
    krb5_free_ticket(env->ctx->k5, ticket);
    env->ctx->trace = trace;
}

static int
sub_kdc(struct kstep_env *env, const char *const *args)
{
    krb5_data req = { KV5M_DATA, 0, NULL }, reply = { KV5M_DATA, 0, NULL };
    const char *out = kstep_output_path();
    krb5_keytab kt = NULL;
    krb5_error_code ret;

    ret = open_keytabs(env, &kt);
    if (!ret)
        ret = kstep_read(env, args[0], &req);
    if (!ret)
        ret = ks_kdc_local_answer(env->ctx, &req, kt, &reply);
    if (!ret)
        ret = ks_artefact_write(env->ctx, out, &reply);
    if (ret)
        goto cleanup;
    ks_emit_begin_step(env->emit, 0, "kdc");
    ks_emit_string(env->emit, "reply", ks_artefact_kind(&reply));
    ks_emit_int(env->emit, "reply-length", reply.length);
    if ((unsigned char)reply.data[0] == 0x7e)
        ret = kstep_explain_error(env, &reply, NULL);
    else
        emit_sealed_pac(env, &reply, kt);
    ks_emit_end(env->emit);

cleanup:
    if (kt != NULL)
        krb5_kt_close(env->ctx->k5, kt);
    krb5_free_data_contents(env->ctx->k5, &req);
    krb5_free_data_contents(env->ctx->k5, &reply);
    return finish(env, ret, false);
}

static struct poptOption keytab_options[] = {
    { "keytab", 'k', POPT_ARG_ARGV, &kstep_opt.keytabs, 0,
      "the keytab with the key (repeat to merge several)", "KT" },
    POPT_TABLEEND
};

static struct poptOption check_options[] = {
    { "keytab", 'k', POPT_ARG_ARGV, &kstep_opt.keytabs, 0,
      "open the TGT with this krbtgt keytab for the session key (default: "
      "the cache's TGT)", "KT" },
    POPT_TABLEEND
};

static struct poptOption reply_options[] = {
    { "request", '\0', POPT_ARG_STRING, &kstep_opt.request, 0,
      "the TGS-REQ this reply answers (from step 1)", "REQ" },
    POPT_TABLEEND
};

static struct poptOption ticket_options[] = {
    { "keytab", 'k', POPT_ARG_ARGV, &kstep_opt.keytabs, 0,
      "the service's keytab (repeat to merge several)", "KT" },
    { "request", '\0', POPT_ARG_STRING, &kstep_opt.request, 0,
      "also open the reply with this request and compare (step 4)", "REQ" },
    POPT_TABLEEND
};

static struct poptOption kdc_options[] = {
    { "keytab", 'k', POPT_ARG_ARGV, &kstep_opt.keytabs, 0,
      "the krbtgt and service keys (repeat to merge several keytabs)",
      "KT" },
    { "output", 'o', POPT_ARG_STRING, &kstep_opt.output, 0,
      "write the DER reply to FILE ('-': stdout; default: stdout when it "
      "is not a terminal)", "FILE" },
    POPT_TABLEEND
};

const struct kstep_sub kstep_kdc_subs[] = {
    { "open-tgt", 2, "open the TGT with the krbtgt key", "REQ", 1,
      keytab_options, sub_open_tgt },
    { "check-authenticator", 3, "open and check the authenticator", "REQ", 1,
      check_options, sub_check_authenticator },
    { "open-reply", 4, "open the part the KDC encrypted for the client",
      "REP", 1, reply_options, sub_open_reply },
    { "open-ticket", 5, "open the service ticket with the service key",
      "REP", 1, ticket_options, sub_open_ticket },
    { "kdc", 0, "steps 2-6 performed locally, no server", "REQ", 1,
      kdc_options, sub_kdc },
    { NULL, 0, NULL, NULL, 0, NULL, NULL },
};

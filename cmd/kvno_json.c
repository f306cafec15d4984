/*
 * kvno --json: one document on stdout with a result per service; each
 * failure is also written on stderr, as in text mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/errors.h"
#include "inspect/ticket_check.h"
#include "kvno.h"

krb5_error_code
kvno_json_keep_error(struct kvno_run *r, size_t i, krb5_error_code code)
{
    const char *msg = ks_context_message(r->ctx, code);

    r->json[i].code = code;
    r->json[i].message = strdup(msg);
    ks_context_free_message(r->ctx, msg);
    return r->json[i].message != NULL ? code : ENOMEM;
}

void
kvno_json_note_cached(struct kvno_run *r, const krb5_enctype *etypes)
{
    struct ks_ccache_match m;

    m.etype = etypes != NULL ? etypes[0] : 0;
    m.permitted = r->ctx->config.permitted_enctypes;
    m.now = (krb5_timestamp)time(NULL);
    for (size_t i = 0; i < r->n; i++) {
        if (r->servers[i] != NULL)
            r->json[i].cached = ks_ccache_index_find(r->idx, r->servers[i],
                                                     &m);
    }
}

/* A failed service: its stderr line as in text mode, and its entry's
 * "error". */
static void
json_failed(struct kvno_run *r, struct ks_emit *e, krb5_error_code code,
            const char *msg)
{
    ks_cli_error("%s", msg);
    ks_emit_error(e, "error", code, msg);
    r->errors++;
}

/* -k: whether the keytab opens the ticket, and why not. */
static void
json_keytab(struct kvno_run *r, struct ks_emit *e, krb5_ticket *t,
            const krb5_creds *c, const char *name)
{
    struct ks_context *ctx = r->ctx;
    const char *msg;
    krb5_error_code ret;

    ret = ks_ticket_check(ctx, r->kt, t, c);
    ks_emit_bool(e, "keytab_valid", ret == 0);
    if (!ret)
        return;
    ks_error_prefix(ctx, ret, "checking the ticket for %s with keytab %s",
                    name, kvno_opt.keytab);
    msg = ks_context_message(ctx, ret);
    json_failed(r, e, ret, msg);
    ks_context_free_message(ctx, msg);
}

/* --json: the entry of a service that got a ticket. */
static void
json_ticket(struct kvno_run *r, struct ks_emit *e,
            const struct ks_tgs_job *job, const char *name,
            const krb5_creds *cached)
{
    const krb5_creds *c = job->creds;
    krb5_ticket *t = NULL;
    krb5_error_code ret;

    ret = krb5_decode_ticket(&c->ticket, &t);
    if (ret) {
        json_failed(r, e, ret, "decoding the ticket failed");
        return;
    }
    ks_emit_int(e, "kvno", (int)t->enc_part.kvno);
    ks_emit_enctype_named(e, "ticket_enctype", t->enc_part.enctype);
    ks_emit_enctype_named(e, "session_key_enctype", c->keyblock.enctype);
    ks_emit_bool(e, "cached", cached != NULL &&
                 cached->ticket.length == c->ticket.length &&
                 memcmp(cached->ticket.data, c->ticket.data,
                        c->ticket.length) == 0);
    if (r->kt != NULL)
        json_keytab(r, e, t, c, name);
    krb5_free_ticket(r->ctx->k5, t);
}

/* --json: the entry of a service that was asked for. */
static void
json_service(struct kvno_run *r, struct ks_emit *e,
             const struct ks_tgs_job *job, const krb5_creds *cached)
{
    char *name = NULL;

    if (krb5_unparse_name(r->ctx->k5, job->server, &name) != 0) {
        json_failed(r, e, ENOMEM, "out of memory");
        return;
    }
    ks_emit_string(e, "service", name);
    if (job->code != 0)
        json_failed(r, e, job->code, job->message != NULL ?
                    job->message : "getting a ticket failed");
    else
        json_ticket(r, e, job, name, cached);
    krb5_free_unparsed_name(r->ctx->k5, name);
}

struct ks_emit *
kvno_json_report(struct kvno_run *r, const char **names)
{
    struct ks_emit *e = NULL;
    size_t j = 0;

    if (ks_emit_new(stdout, KS_EMIT_JSON, false, &e) != 0) {
        ks_cli_report(r->ctx, ENOMEM);
        r->errors++;
        return NULL;
    }
    ks_emit_begin_array(e, "services");
    for (size_t i = 0; i < r->n; i++) {
        ks_emit_begin_object(e, NULL);
        if (r->servers[i] == NULL) {
            ks_emit_string(e, "service", names[i]);
            ks_emit_error(e, "error", r->json[i].code, r->json[i].message);
        } else {
            json_service(r, e, &r->jobs[j++], r->json[i].cached);
        }
        ks_emit_end(e);
    }
    ks_emit_end(e);
    return e;
}

void
kvno_report_last(struct kvno_run *r, struct ks_emit *e, krb5_error_code code)
{
    const char *msg;

    r->errors++;
    if (e == NULL) {
        ks_cli_report(r->ctx, code);
        return;
    }
    msg = ks_context_message(r->ctx, code);
    ks_cli_error("%s", msg);
    ks_emit_error(e, "error", code, msg);
    ks_context_free_message(r->ctx, msg);
}

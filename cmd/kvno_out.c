/*
 * kvno's output besides the kvno lines: errors in MIT's words, and --json,
 * one document on stdout with a result per service (each failure is also
 * written on stderr, as in text mode).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <com_err.h>

#include "cli.h"
#include "core/errors.h"
#include "report.h"
#include "inspect/describe.h"
#include "inspect/inspect.h"
#include "inspect/ticket_check.h"
#include "kvno.h"

/* MIT's words for CODE: its extended text for a cache or a keytab that is
 * not there, else the com_err text. */
static void
mit_words(struct kvno_run *r, krb5_error_code code, char *buf, size_t len)
{
    krb5_context k5 = r->ctx->k5;

    const char *kt = kvno_opt.keytab;

    if (code == KRB5_FCC_NOFILE && r->cc != NULL &&
        strcmp(krb5_cc_get_type(k5, r->cc), "FILE") == 0)
        snprintf(buf, len, "%s (filename: %s)", error_message(code),
                 krb5_cc_get_name(k5, r->cc));
    else if (code == ENOENT && kt != NULL)
        snprintf(buf, len, "Key table file '%s' not found",
                 strncmp(kt, "FILE:", 5) == 0 ? kt + 5 : kt);
    else
        snprintf(buf, len, "%s", error_message(code));
}

krb5_error_code
kvno_mit(struct kvno_run *r, krb5_error_code code, const char *phrase, ...)
{
    char what[1024], words[1024];
    va_list ap;

    va_start(ap, phrase);
    vsnprintf(what, sizeof(what), phrase, ap);
    va_end(ap);
    mit_words(r, code, words, sizeof(words));
    ks_report_mit_set(r->ctx, code, words, NULL, "%s", what);
    return code;
}

/* A failed job's message in MIT's words: "WORDS while getting credentials
 * for SERVICE" ("SERVICE: constrained delegation failed" for S4U2Proxy),
 * then what ours adds. */
static void
mit_job(struct kvno_run *r, struct ks_tgs_job *job)
{
    struct ks_context *ctx = r->ctx;
    const char *ours = job->message, *colon, *msg;
    char *name = NULL, words[1024], realm[256];
    bool proxy;

    if (krb5_unparse_name(ctx->k5, job->server, &name) != 0)
        return;
    proxy = ours != NULL && strncmp(ours, "getting an S4U2Proxy", 20) == 0;
    /* Ours starts "getting a ticket for NAME: "; the rest is the news. */
    colon = ours != NULL ? strstr(ours, ": ") : NULL;
    if (colon != NULL && strncmp(ours, "getting ", 8) == 0)
        ours = colon + 2;
    snprintf(realm, sizeof(realm), "%.*s", (int)job->server->realm.length,
             job->server->realm.data);
    ks_report_mit_words(job->code, NULL, name, realm, words, sizeof(words));
    if (proxy)
        ks_report_mit_set(ctx, job->code, words, ours,
                          "%s: constrained delegation failed", name);
    else
        ks_report_mit_set(ctx, job->code, words, ours,
                          "while getting credentials for %s", name);
    msg = ks_context_message(ctx, job->code);
    free(job->message);
    job->message = strdup(msg);
    ks_context_free_message(ctx, msg);
    krb5_free_unparsed_name(ctx->k5, name);
}

void
kvno_mit_jobs(struct kvno_run *r)
{
    for (size_t i = 0; i < r->njobs; i++) {
        if (r->jobs[i].code != 0 && r->jobs[i].code != EINVAL)
            mit_job(r, &r->jobs[i]);
    }
}

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

/* -k, the ticket opened: its PAC, decoded, its signatures checked with
 * the keys the keytab holds (the service's; the krbtgt's if it is there). */
static void
json_pac(struct kvno_run *r, struct ks_emit *e, const krb5_ticket *t)
{
    struct ks_pac_view *pac = NULL;
    krb5_keyblock *key = NULL;

    if (ks_inspect_ticket_key(r->ctx, r->kt, t, &key) != 0)
        return;
    if (ks_inspect_pac_keys(r->ctx, t->enc_part2, t->server, key, r->kt,
                            &pac) == 0)
        ks_describe_pac(e, "pac", pac);
    ks_pac_view_free(pac);
    krb5_free_keyblock(r->ctx->k5, key);
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
    if (!ret) {
        json_pac(r, e, t);
        return;
    }
    kvno_mit(r, ret, "while decrypting ticket for %s", name);
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

/*
 * kvno: get service tickets and print their key version numbers, as MIT's
 * kvno does (same options, output lines and exit codes), with the TGS
 * exchange driven by common/tgs.  The cache is read once, and many
 * services are asked for with several requests in flight.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <krb5.h>

#include "creds/ccache.h"
#include "creds/ccache_lookup.h"
#include "cli.h"
#include "core/emit.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "exchange/s4u.h"
#include "exchange/tgs.h"

static struct {
    char *ccache;
    char *etype;
    int quiet;
    int unknown;
    char *sname;
    char *keytab;
    int canonicalize;
    int cached_only;
    int no_store;
    char *out_cache;
    char *impersonate;      /* -I */
    char *enterprise;       /* -U */
    char *cert_file;        /* -F */
    int proxy;              /* -P */
    char *u2u;              /* --u2u */
} opts;

static struct poptOption kvno_options[] = {
    { NULL, 'c', POPT_ARG_STRING, &opts.ccache, 0,
      "use the credentials cache CCACHE", "CCACHE" },
    { NULL, 'e', POPT_ARG_STRING, &opts.etype, 0,
      "ask for a session key of this encryption type", "ETYPE" },
    { NULL, 'q', POPT_ARG_NONE, &opts.quiet, 0,
      "print nothing on success", NULL },
    { NULL, 'u', POPT_ARG_NONE, &opts.unknown, 0,
      "treat the service names as of unknown name type", NULL },
    { NULL, 'S', POPT_ARG_STRING, &opts.sname, 0,
      "the arguments are host names of the service SNAME", "SNAME" },
    { NULL, 'k', POPT_ARG_STRING, &opts.keytab, 0,
      "decrypt each ticket with KEYTAB and say whether it is valid",
      "KEYTAB" },
    { NULL, 'C', POPT_ARG_NONE, &opts.canonicalize, 0,
      "ask the KDC to canonicalize the names (follow referrals)", NULL },
    { "cached-only", '\0', POPT_ARG_NONE, &opts.cached_only, 0,
      "use only tickets already in the cache", NULL },
    { "no-store", '\0', POPT_ARG_NONE, &opts.no_store, 0,
      "do not store new tickets in the cache", NULL },
    { "out-cache", '\0', POPT_ARG_STRING, &opts.out_cache, 0,
      "put the tickets in CACHE instead (replacing it)", "CACHE" },
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "print one JSON document with a result per service (errors too)",
      NULL },
    { NULL, 'I', POPT_ARG_STRING, &opts.impersonate, 0,
      "S4U2Self: a ticket to the cache's own principal for USER",
      "USER" },
    { NULL, 'U', POPT_ARG_STRING, &opts.enterprise, 0,
      "as -I, with USER as an enterprise name", "USER" },
    { NULL, 'F', POPT_ARG_STRING, &opts.cert_file, 0,
      "S4U2Self for a certificate's user (not supported)", "CERT" },
    { NULL, 'P', POPT_ARG_NONE, &opts.proxy, 0,
      "with -I or -U: S4U2Proxy tickets to the services named", NULL },
    { "u2u", '\0', POPT_ARG_STRING, &opts.u2u, 0,
      "user-to-user tickets, encrypted in the TGT of CCACHE's principal",
      "CCACHE" },
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
      "Common options:", NULL },
    POPT_AUTOHELP
    POPT_TABLEEND
};

/* MIT's kvno's rules for -I -U -F -P --u2u (usage errors, exit 1). */
static void
check_s4u_options(poptContext pc)
{
    bool impersonate = opts.impersonate != NULL || opts.enterprise != NULL ||
        opts.cert_file != NULL;

    if (opts.impersonate != NULL && opts.enterprise != NULL)
        ks_cli_usage_error(pc, 0, "Options -I and -U are mutually exclusive");
    if (opts.u2u != NULL && impersonate)
        ks_cli_usage_error(pc, 0, "Options --u2u and -I|-U|-F are mutually "
                           "exclusive");
    if (opts.proxy && !impersonate)
        ks_cli_usage_error(pc, 0, "Option -P (constrained delegation) "
                           "requires option -I|-U|-F (protocol transition)");
}

/* Parse the command line; returns the service names (owned by PC). */
static const char **
parse_options(poptContext pc, size_t *count_out)
{
    const char **args;
    size_t n = 0;
    int rc;

    while ((rc = poptGetNextOpt(pc)) > 0)
        ;
    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    if (opts.unknown && opts.sname != NULL)
        ks_cli_usage_error(pc, 0, "Options -u and -S are mutually exclusive");
    check_s4u_options(pc);
    args = poptGetArgs(pc);
    while (args != NULL && args[n] != NULL)
        n++;
    if (n == 0)
        ks_cli_usage_error(pc, 0, "no service named");
    *count_out = n;
    return args;
}

/* -F needs a KDC that maps certificates to users (an LDAP or certauth
 * KDB) and MIT's AS-based realm discovery; nothing here can test it. */
static bool
unsupported(void)
{
    if (opts.cert_file == NULL)
        return false;
    ks_cli_error("-F (S4U2Self with a certificate) is not supported: use "
                 "-I or -U with the user's name");
    return true;
}

/* --json: what is known of a name before the batch runs. */
struct json_name {
    krb5_error_code code;           /* the name did not parse */
    char *message;                  /* ... and why */
    const krb5_creds *cached;       /* the index's ticket for it, if any */
};

/* Everything a run holds, freed in one place. */
struct run {
    struct ks_context *ctx;
    krb5_ccache cc, out_cc;
    krb5_keytab kt;
    struct ks_ccache_index *idx;
    krb5_enctype etypes[2];
    krb5_principal *servers;        /* NULL where a name did not parse */
    struct ks_tgs_job *jobs;
    size_t n, njobs;
    int errors;
    struct json_name *json;         /* --json: one per name, else NULL */
    bool *shown;                    /* -P: the line was printed already */
};

static void
run_free(struct run *r)
{
    struct ks_context *ctx = r->ctx;

    ks_tgs_jobs_clear(ctx, r->jobs, r->njobs);
    free(r->jobs);
    for (size_t i = 0; r->json != NULL && i < r->n; i++)
        free(r->json[i].message);
    free(r->json);
    free(r->shown);
    for (size_t i = 0; r->servers != NULL && i < r->n; i++)
        krb5_free_principal(ctx->k5, r->servers[i]);
    free(r->servers);
    ks_ccache_index_free(ctx, r->idx);
    if (r->kt != NULL)
        krb5_kt_close(ctx->k5, r->kt);
    if (r->out_cc != NULL)
        krb5_cc_close(ctx->k5, r->out_cc);
    if (r->cc != NULL)
        krb5_cc_close(ctx->k5, r->cc);
}

/* -e, -c, -k, --out-cache and the cache itself: any failure ends the run,
 * as in MIT's kvno. */
static krb5_error_code
open_inputs(struct run *r)
{
    struct ks_context *ctx = r->ctx;
    krb5_error_code ret;

    if (opts.etype != NULL) {
        ret = krb5_string_to_enctype(opts.etype, &r->etypes[0]);
        if (ret)
            return ks_error_set(ctx, ret, "unknown encryption type '%s'",
                                opts.etype);
    }
    ret = ks_ccache_resolve(ctx, opts.ccache, &r->cc);
    if (!ret && opts.out_cache != NULL)
        ret = ks_ccache_resolve(ctx, opts.out_cache, &r->out_cc);
    if (!ret && opts.keytab != NULL) {
        ret = krb5_kt_resolve(ctx->k5, opts.keytab, &r->kt);
        if (ret)
            return ks_error_prefix(ctx, ret, "resolving keytab %s",
                                   opts.keytab);
    }
    if (!ret)
        ret = ks_ccache_index_load(ctx, r->cc, &r->idx);
    return ret;
}

static krb5_error_code
parse_service(struct ks_context *ctx, const char *name, krb5_principal *out)
{
    krb5_error_code ret;

    if (opts.sname != NULL)
        ret = krb5_sname_to_principal(ctx->k5, name, opts.sname,
                                      KRB5_NT_SRV_HST, out);
    else
        ret = krb5_parse_name(ctx->k5, name, out);
    if (ret)
        return ks_error_prefix(ctx, ret, "parsing principal name %s", name);
    if (opts.unknown)
        (*out)->type = KRB5_NT_UNKNOWN;
    return 0;
}

/* --json: a name that did not parse: its entry is written after the batch;
 * the line on stderr is written now, by the caller. */
static krb5_error_code
keep_json_error(struct run *r, size_t i, krb5_error_code code)
{
    const char *msg = ks_context_message(r->ctx, code);

    r->json[i].code = code;
    r->json[i].message = strdup(msg);
    ks_context_free_message(r->ctx, msg);
    return r->json[i].message != NULL ? code : ENOMEM;
}

/* One job per name that parses; a name that does not is one error. */
static krb5_error_code
make_jobs(struct run *r, const char **names)
{
    struct ks_context *ctx = r->ctx;
    krb5_error_code ret;

    r->servers = calloc(r->n, sizeof(*r->servers));
    r->jobs = calloc(r->n, sizeof(*r->jobs));
    if (r->servers == NULL || r->jobs == NULL)
        return ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        ret = parse_service(ctx, names[i], &r->servers[i]);
        if (ret == ENOMEM)
            return ret;
        if (ret && r->json != NULL)
            ret = keep_json_error(r, i, ret);
        if (ret == ENOMEM)
            return ret;
        if (ret) {
            /* MIT's kvno says nothing here with -q. */
            if (!opts.quiet && r->json != NULL)
                ks_cli_error("%s", r->json[i].message);
            else if (!opts.quiet)
                ks_cli_report(ctx, ret);
            r->servers[i] = NULL;
            r->errors++;
            continue;
        }
        r->jobs[r->njobs++].server = r->servers[i];
    }
    return 0;
}

/* The ticket opens with the keytab's key and says what the KDC said. */
static krb5_error_code
check_with_keytab(struct ks_context *ctx, krb5_keytab kt, krb5_ticket *t,
                  const krb5_creds *creds)
{
    const krb5_keyblock *k;
    krb5_error_code ret;

    ret = ks_inspect_decrypt_ticket(ctx, kt, t);
    if (ret)
        return ret;
    k = t->enc_part2->session;
    if (k->enctype != creds->keyblock.enctype ||
        k->length != creds->keyblock.length ||
        memcmp(k->contents, creds->keyblock.contents, k->length) != 0)
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "the ticket holds "
                            "another session key than the KDC's reply");
    if (!krb5_principal_compare(ctx->k5, t->enc_part2->client, creds->client))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "the ticket is for "
                            "another client");
    return 0;
}

/* MIT's output for one service. */
static void
report_one(struct run *r, const struct ks_tgs_job *job)
{
    struct ks_context *ctx = r->ctx;
    krb5_ticket *t = NULL;
    char *name = NULL;
    krb5_error_code ret;

    ret = krb5_unparse_name(ctx->k5, job->server, &name);
    if (!ret) {
        ret = krb5_decode_ticket(&job->creds->ticket, &t);
        if (ret)
            ks_error_prefix(ctx, ret, "decoding the ticket for %s", name);
    }
    if (!ret && r->kt != NULL) {
        ret = check_with_keytab(ctx, r->kt, t, job->creds);
        if (ret) {
            if (!opts.quiet)
                fprintf(stderr, "%s: kvno = %d, keytab entry invalid\n",
                        name, (int)t->enc_part.kvno);
            ks_error_prefix(ctx, ret, "checking the ticket for %s with "
                            "keytab %s", name, opts.keytab);
        } else if (!opts.quiet) {
            printf("%s: kvno = %d, keytab entry valid\n", name,
                   (int)t->enc_part.kvno);
        }
    } else if (!ret && !opts.quiet) {
        printf("%s: kvno = %d\n", name, (int)t->enc_part.kvno);
    }
    if (ret) {
        ks_cli_report(ctx, ret);
        r->errors++;
    }
    krb5_free_ticket(ctx->k5, t);
    krb5_free_unparsed_name(ctx->k5, name);
}

/* --json: the ticket the cache held for each service before the batch,
 * with the match the batch uses (so "cached" says where a ticket came
 * from). */
static void
json_note_cached(struct run *r, const krb5_enctype *etypes)
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
json_failed(struct run *r, struct ks_emit *e, krb5_error_code code,
            const char *msg)
{
    ks_cli_error("%s", msg);
    ks_emit_error(e, "error", code, msg);
    r->errors++;
}

/* --json: the entry of a service that got a ticket. */
static void
json_ticket(struct run *r, struct ks_emit *e, const struct ks_tgs_job *job,
            const char *name, const krb5_creds *cached)
{
    struct ks_context *ctx = r->ctx;
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
    if (r->kt != NULL) {
        ret = check_with_keytab(ctx, r->kt, t, c);
        ks_emit_bool(e, "keytab_valid", ret == 0);
        if (ret) {
            const char *msg;

            ks_error_prefix(ctx, ret, "checking the ticket for %s with "
                            "keytab %s", name, opts.keytab);
            msg = ks_context_message(ctx, ret);
            json_failed(r, e, ret, msg);
            ks_context_free_message(ctx, msg);
        }
    }
    krb5_free_ticket(ctx->k5, t);
}

/* --json: the entry of a service that was asked for. */
static void
json_service(struct run *r, struct ks_emit *e, const struct ks_tgs_job *job,
             const krb5_creds *cached)
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

/* --json: {"services":[...]}, one entry per name, in the order given;
 * the document is left open for a last error (ks_emit_finish closes it). */
static struct ks_emit *
json_report(struct run *r, const char **names)
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
        const struct ks_tgs_job *job = &r->jobs[j];

        ks_emit_begin_object(e, NULL);
        if (r->servers[i] == NULL) {
            ks_emit_string(e, "service", names[i]);
            ks_emit_error(e, "error", r->json[i].code, r->json[i].message);
        } else {
            json_service(r, e, job, r->json[i].cached);
            j++;
        }
        ks_emit_end(e);
    }
    ks_emit_end(e);
    return e;
}

/* A failure after the services: in the document when there is one. */
static void
report_last(struct run *r, struct ks_emit *e, krb5_error_code code)
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

/*
 * -I, -U (with -P) and --u2u: each service in turn, with common/s4u.
 */

/* Record JOB's failure: CODE and the message the context holds for it. */
static void
job_fail(struct ks_context *ctx, struct ks_tgs_job *job, krb5_error_code code)
{
    const char *msg = ks_context_message(ctx, code);

    job->code = code;
    free(job->message);
    job->message = strdup(msg);
    ks_context_free_message(ctx, msg);
}

/* Without -P, S4U2Self asks for a ticket to the cache's own principal:
 * MIT's kvno requires that name. */
static bool
self_named(struct run *r, struct ks_tgs_job *job)
{
    struct ks_context *ctx = r->ctx;
    krb5_const_principal me = ks_ccache_index_client(r->idx);
    char *name = NULL, *service = NULL;

    if (opts.proxy || krb5_principal_compare(ctx->k5, me, job->server))
        return true;
    if (krb5_unparse_name(ctx->k5, me, &name) != 0)
        name = NULL;
    if (krb5_unparse_name(ctx->k5, job->server, &service) != 0)
        service = NULL;
    job->code = EINVAL;
    free(job->message);
    if (asprintf(&job->message, "%s: client and server principal names "
                 "must match (without -P, -I and -U ask for a ticket to "
                 "the cache's principal %s)", service != NULL ? service : "",
                 name != NULL ? name : "") < 0)
        job->message = NULL;
    krb5_free_unparsed_name(ctx->k5, service);
    krb5_free_unparsed_name(ctx->k5, name);
    return false;
}

/* S4U2Self for USER and, with -P, S4U2Proxy to the service.  As MIT's
 * kvno, -P prints the S4U2Self ticket's line under the service's name
 * before it asks for the S4U2Proxy ticket. */
static void
special_s4u(struct run *r, const struct ks_tgs_get_options *go,
            krb5_const_principal user, size_t i)
{
    struct ks_context *ctx = r->ctx;
    struct ks_tgs_job *job = &r->jobs[i];
    krb5_creds *evidence = NULL;
    krb5_error_code ret;
    int errors = r->errors;

    if (!self_named(r, job))
        return;
    ret = ks_s4u_self(ctx, r->cc, r->idx, user, go, &evidence);
    if (ret || !opts.proxy) {
        if (ret)
            job_fail(ctx, job, ret);
        job->creds = evidence;
        return;
    }
    if (r->json == NULL) {
        job->creds = evidence;
        report_one(r, job);
        job->creds = NULL;
        r->shown[i] = true;
    }
    if (r->errors == errors) {
        ret = ks_s4u_proxy(ctx, r->cc, r->idx, evidence, job->server, go,
                           &job->creds);
        if (ret)
            job_fail(ctx, job, ret);
    }
    krb5_free_creds(ctx->k5, evidence);
}

static void
special_u2u(struct run *r, const struct ks_tgs_get_options *go,
            const krb5_creds *other_tgt, struct ks_tgs_job *job)
{
    krb5_error_code ret;

    ret = ks_s4u_u2u(r->ctx, r->cc, r->idx, other_tgt, job->server, go,
                     &job->creds);
    if (ret)
        job_fail(r->ctx, job, ret);
}

/* What -I, -U or --u2u needs before the first service: the user, or the
 * other user's TGT.  A failure here ends the run, as in MIT's kvno. */
static krb5_error_code
special_inputs(struct run *r, krb5_principal *user, krb5_creds **other_tgt)
{
    struct ks_context *ctx = r->ctx;
    krb5_ccache other = NULL;
    krb5_error_code ret;

    if (opts.u2u == NULL)
        return ks_s4u_parse_user(ctx, opts.impersonate != NULL ?
                                 opts.impersonate : opts.enterprise,
                                 opts.enterprise != NULL, user);
    ret = ks_ccache_resolve(ctx, opts.u2u, &other);
    if (!ret)
        ret = ks_s4u_u2u_tgt(ctx, other, other_tgt);
    if (other != NULL)
        krb5_cc_close(ctx->k5, other);
    return ret;
}

static bool
special_mode(void)
{
    return opts.impersonate != NULL || opts.enterprise != NULL ||
        opts.u2u != NULL;
}

/* The jobs' results, as ks_tgs_get_creds_many gives them. */
static krb5_error_code
run_special(struct run *r, const struct ks_tgs_get_options *go)
{
    krb5_principal user = NULL;
    krb5_creds *other_tgt = NULL;
    krb5_error_code ret;

    r->shown = calloc(r->njobs + 1, sizeof(*r->shown));
    if (r->shown == NULL)
        return ENOMEM;
    ret = special_inputs(r, &user, &other_tgt);
    for (size_t i = 0; !ret && i < r->njobs; i++) {
        if (other_tgt != NULL)
            special_u2u(r, go, other_tgt, &r->jobs[i]);
        else
            special_s4u(r, go, user, i);
    }
    krb5_free_creds(r->ctx->k5, other_tgt);
    krb5_free_principal(r->ctx->k5, user);
    return ret;
}

/* The output cache's principal: the first ticket's client, as in MIT's
 * kvno (the user, after -I or -U). */
static krb5_principal
out_client(const struct run *r)
{
    if (r->njobs > 0 && r->jobs[0].creds != NULL)
        return r->jobs[0].creds->client;
    return (krb5_principal)ks_ccache_index_client(r->idx);
}

/* --out-cache: every ticket of a wholly successful run, atomically. */
static krb5_error_code
write_out_cache(struct run *r)
{
    krb5_creds **list;
    size_t m = 0;
    krb5_error_code ret;

    list = calloc(r->njobs + 1, sizeof(*list));
    if (list == NULL)
        return ENOMEM;
    for (size_t i = 0; i < r->njobs; i++)
        list[m++] = r->jobs[i].creds;
    ret = ks_ccache_replace(r->ctx, r->out_cc, out_client(r), list);
    free(list);
    return ret;
}

static int
run(struct run *r, const char **names)
{
    struct ks_tgs_get_options go;
    struct ks_emit *e = NULL;
    krb5_error_code ret;

    memset(&go, 0, sizeof(go));
    ret = open_inputs(r);
    if (!ret && ks_cli.json) {
        r->json = calloc(r->n, sizeof(*r->json));
        if (r->json == NULL)
            ret = ENOMEM;
    }
    if (!ret)
        ret = make_jobs(r, names);
    if (ret) {
        ks_cli_report(r->ctx, ret);
        return KS_EXIT_FAILURE;
    }
    go.request.etypes = r->etypes[0] != 0 ? r->etypes : NULL;
    go.cached_only = opts.cached_only != 0;
    go.no_store = opts.no_store != 0 || opts.out_cache != NULL;
    go.canonicalize = opts.canonicalize != 0;
    if (r->json != NULL)
        json_note_cached(r, go.request.etypes);
    ret = special_mode() ? run_special(r, &go) :
        ks_tgs_get_creds_many(r->ctx, r->cc, r->idx, &go, r->jobs, r->njobs);
    if (ret) {
        ks_cli_report(r->ctx, ret);
        return KS_EXIT_FAILURE;
    }
    for (size_t i = 0; r->json == NULL && i < r->njobs; i++) {
        if (r->jobs[i].code != 0) {
            ks_cli_error("%s", r->jobs[i].message != NULL ?
                         r->jobs[i].message : "getting a ticket failed");
            r->errors++;
        } else if (r->shown == NULL || !r->shown[i]) {
            report_one(r, &r->jobs[i]);
        }
    }
    if (r->json != NULL)
        e = json_report(r, names);
    if (r->errors == 0 && r->out_cc != NULL &&
        (ret = write_out_cache(r)) != 0)
        report_last(r, e, ret);
    ks_emit_finish(e);
    return r->errors ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

int
main(int argc, const char **argv)
{
    poptContext pc;
    const char **names;
    struct run r;
    int status;

    pc = ks_cli_popt("kvno", "get service tickets and print their key "
                     "version numbers", argc, argv, kvno_options,
                     "[OPTION...] service1 service2 ...");
    memset(&r, 0, sizeof(r));
    ks_cli.usage_exit = KS_EXIT_FAILURE;    /* MIT's kvno exits 1 here */
    names = parse_options(pc, &r.n);
    if (unsupported()) {
        poptFreeContext(pc);
        return KS_EXIT_FAILURE;
    }
    r.ctx = ks_cli_context();
    if (r.ctx == NULL) {
        poptFreeContext(pc);
        return KS_EXIT_FAILURE;
    }
    status = run(&r, names);
    run_free(&r);
    ks_context_free(r.ctx);
    poptFreeContext(pc);
    return status;
}

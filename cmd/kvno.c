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

#include "core/emit.h"
#include "core/errors.h"
#include "core/mit_trace.h"
#include "creds/ccache.h"
#include "exchange/s4u.h"
#include "exchange/s4u_batch.h"
#include "inspect/ticket_check.h"
#include "kvno.h"
#include "options.h"

struct kvno_opts kvno_opt;

static struct poptOption kvno_options[] = {
    KS_OPT_CACHE(&kvno_opt.ccache, "use the credentials cache CCACHE"),
    KS_OPT_TEXT('e', NULL, &kvno_opt.etype, "ETYPE",
                "ask for a session key of this encryption type"),
    KS_OPT_FLAG('q', NULL, &kvno_opt.quiet, "print nothing on success"),
    KS_OPT_FLAG('u', NULL, &kvno_opt.unknown,
                "treat the service names as of unknown name type"),
    KS_OPT_TEXT('S', NULL, &kvno_opt.sname, "SNAME",
                "the arguments are host names of the service SNAME"),
    KS_OPT_TEXT('k', NULL, &kvno_opt.keytab, "KEYTAB",
                "decrypt each ticket with KEYTAB and say whether it is "
                "valid"),
    KS_OPT_FLAG('C', NULL, &kvno_opt.canonicalize,
                "ask the KDC to canonicalize the names (follow referrals)"),
    KS_OPT_FLAG('\0', "cached-only", &kvno_opt.cached_only,
                "use only tickets already in the cache"),
    KS_OPT_FLAG('\0', "no-store", &kvno_opt.no_store,
                "do not store new tickets in the cache"),
    KS_OPT_TEXT('\0', "out-cache", &kvno_opt.out_cache, "CACHE",
                "put the tickets in CACHE instead (replacing it)"),
    KS_OPT_JSON("print one JSON document with a result per service "
                "(errors too)"),
    KS_OPT_TEXT('I', NULL, &kvno_opt.impersonate, "USER",
                "S4U2Self: a ticket to the cache's own principal for USER"),
    KS_OPT_TEXT('U', NULL, &kvno_opt.enterprise, "USER",
                "as -I, with USER as an enterprise name"),
    KS_OPT_FLAG('P', NULL, &kvno_opt.proxy,
                "with -I or -U: S4U2Proxy tickets to the services named"),
    KS_OPT_TEXT('F', NULL, &kvno_opt.cert_file, "CERT",
                "S4U2Self for a certificate's user (not supported)"),
    KS_OPT_TEXT('\0', "u2u", &kvno_opt.u2u, "CCACHE",
                "user-to-user tickets, encrypted in the TGT of CCACHE's "
                "principal"),
    KS_OPT_TEXT('\0', "in-flight", &kvno_opt.in_flight, "N",
                "keep up to N requests at the KDC at once (1-256; default "
                "32)"),
    KS_OPT_COMMON,
    POPT_AUTOHELP
    POPT_TABLEEND
};

/* MIT's kvno's rules for -I -U -F -P --u2u (usage errors, exit 1). */
static void
check_s4u_options(poptContext pc)
{
    bool impersonate = kvno_opt.impersonate != NULL || kvno_opt.enterprise != NULL ||
        kvno_opt.cert_file != NULL;

    if (kvno_opt.impersonate != NULL && kvno_opt.enterprise != NULL)
        ks_cli_usage_error(pc, 0, "Options -I and -U are mutually exclusive");
    if (kvno_opt.u2u != NULL && impersonate)
        ks_cli_usage_error(pc, 0, "Options --u2u and -I|-U|-F are mutually "
                           "exclusive");
    if (kvno_opt.proxy && !impersonate)
        ks_cli_usage_error(pc, 0, "Option -P (constrained delegation) "
                           "requires option -I|-U|-F (protocol transition)");
}

/* --in-flight N: a whole number from 1 to KS_TGS_IN_FLIGHT_MAX. */
static size_t
parse_in_flight(poptContext pc)
{
    const char *s = kvno_opt.in_flight;
    char *end = NULL, msg[160];
    unsigned long v;

    if (s == NULL)
        return 0;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 &&
        v >= 1 && v <= KS_TGS_IN_FLIGHT_MAX)
        return (size_t)v;
    snprintf(msg, sizeof(msg), "bad --in-flight value '%.40s' (a number of "
             "requests from 1 to %d)", s, KS_TGS_IN_FLIGHT_MAX);
    ks_cli_usage_error(pc, 0, msg);
    return 0;
}

/* Parse the command line; returns the service names (owned by PC). */
static const char **
parse_options(poptContext pc, size_t *count_out, size_t *in_flight_out)
{
    const char **args;
    size_t n = 0;
    int rc;

    while ((rc = poptGetNextOpt(pc)) > 0)
        ;
    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    if (kvno_opt.unknown && kvno_opt.sname != NULL)
        ks_cli_usage_error(pc, 0, "Options -u and -S are mutually exclusive");
    check_s4u_options(pc);
    *in_flight_out = parse_in_flight(pc);
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
    if (kvno_opt.cert_file == NULL)
        return false;
    ks_cli_error("-F (S4U2Self with a certificate) is not supported: use "
                 "-I or -U with the user's name");
    return true;
}

static void
run_free(struct kvno_run *r)
{
    struct ks_context *ctx = r->ctx;

    ks_tgs_jobs_clear(ctx, r->jobs, r->njobs);
    free(r->jobs);
    for (size_t i = 0; r->json != NULL && i < r->n; i++)
        free(r->json[i].message);
    free(r->json);
    free(r->shown);
    free(r->seen);
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
open_inputs(struct kvno_run *r)
{
    struct ks_context *ctx = r->ctx;
    krb5_error_code ret;

    if (kvno_opt.etype != NULL) {
        ret = krb5_string_to_enctype(kvno_opt.etype, &r->etypes[0]);
        if (ret) {
            ks_error_set(ctx, ret, "unknown encryption type '%s'",
                         kvno_opt.etype);
            return kvno_mit(r, ret, "while converting etype");
        }
    }
    ret = ks_ccache_resolve(ctx, kvno_opt.ccache, &r->cc);
    if (ret)
        return kvno_mit(r, ret, "while opening ccache");
    if (kvno_opt.out_cache != NULL &&
        (ret = ks_ccache_resolve(ctx, kvno_opt.out_cache, &r->out_cc)) != 0)
        return kvno_mit(r, ret, "while resolving output ccache");
    if (kvno_opt.keytab != NULL &&
        (ret = krb5_kt_resolve(ctx->k5, kvno_opt.keytab, &r->kt)) != 0)
        return kvno_mit(r, ret, "resolving keytab %s", kvno_opt.keytab);
    ret = ks_ccache_index_load(ctx, r->cc, &r->idx);
    if (ret)
        return kvno_mit(r, ret, "while getting client principal name");
    return 0;
}

static krb5_error_code
parse_service(struct kvno_run *r, const char *name, krb5_principal *out)
{
    krb5_context k5 = r->ctx->k5;
    krb5_error_code ret;

    if (kvno_opt.sname != NULL)
        ret = krb5_sname_to_principal(k5, name, kvno_opt.sname,
                                      KRB5_NT_SRV_HST, out);
    else
        ret = krb5_parse_name(k5, name, out);
    if (ret)
        return kvno_mit(r, ret, "while parsing principal name %s", name);
    if (kvno_opt.unknown)
        (*out)->type = KRB5_NT_UNKNOWN;
    return 0;
}

/* One job per name that parses; a name that does not is one error. */
static krb5_error_code
make_jobs(struct kvno_run *r, const char **names)
{
    struct ks_context *ctx = r->ctx;
    krb5_error_code ret;

    r->servers = calloc(r->n, sizeof(*r->servers));
    r->jobs = calloc(r->n, sizeof(*r->jobs));
    if (r->servers == NULL || r->jobs == NULL)
        return ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        ret = parse_service(r, names[i], &r->servers[i]);
        if (ret == ENOMEM)
            return ret;
        if (ret && r->json != NULL)
            ret = kvno_json_keep_error(r, i, ret);
        if (ret == ENOMEM)
            return ret;
        if (ret) {
            /* MIT's kvno says nothing here with -q. */
            if (!kvno_opt.quiet && r->json != NULL)
                ks_cli_error("%s", r->json[i].message);
            else if (!kvno_opt.quiet)
                ks_cli_report(ctx, ret);
            r->servers[i] = NULL;
            r->errors++;
            continue;
        }
        r->jobs[r->njobs++].server = r->servers[i];
    }
    return 0;
}

/* What a plain run kept of JOB's ticket once it let go of it, or NULL. */
static const struct kvno_seen *
seen_of(const struct kvno_run *r, const struct ks_tgs_job *job)
{
    const struct kvno_seen *s;

    if (r->seen == NULL || job->creds != NULL)
        return NULL;
    s = &r->seen[job - r->jobs];
    return s->taken ? s : NULL;
}

/* MIT's output for one service. */
static void
report_one(struct kvno_run *r, const struct ks_tgs_job *job)
{
    struct ks_context *ctx = r->ctx;
    const struct kvno_seen *seen = seen_of(r, job);
    krb5_ticket *t = NULL;
    char *name = NULL;
    krb5_error_code ret;

    ret = krb5_unparse_name(ctx->k5, job->server, &name);
    if (!ret && seen != NULL) {
        if (!kvno_opt.quiet)
            printf("%s: kvno = %d\n", name, seen->kvno);
        goto cleanup;
    }
    if (!ret) {
        ret = krb5_decode_ticket(&job->creds->ticket, &t);
        if (ret)
            kvno_mit(r, ret, "while decoding ticket for %s", name);
    }
    if (!ret && r->kt != NULL) {
        ret = ks_ticket_check(ctx, r->kt, t, job->creds);
        if (ret) {
            if (!kvno_opt.quiet)
                fprintf(stderr, "%s: kvno = %d, keytab entry invalid\n",
                        name, (int)t->enc_part.kvno);
            kvno_mit(r, ret, "while decrypting ticket for %s", name);
        } else if (!kvno_opt.quiet) {
            printf("%s: kvno = %d, keytab entry valid\n", name,
                   (int)t->enc_part.kvno);
        }
    } else if (!ret && !kvno_opt.quiet) {
        printf("%s: kvno = %d\n", name, (int)t->enc_part.kvno);
    }
    if (ret) {
        ks_cli_report(ctx, ret);
        r->errors++;
    }

cleanup:
    krb5_free_ticket(ctx->k5, t);
    krb5_free_unparsed_name(ctx->k5, name);
}

/* What -I, -U or --u2u needs before the first service: the user, or the
 * other user's TGT.  A failure here ends the run, as in MIT's kvno. */
static krb5_error_code
special_inputs(struct kvno_run *r, krb5_principal *user, krb5_creds **other_tgt)
{
    struct ks_context *ctx = r->ctx;
    krb5_ccache other = NULL;
    krb5_error_code ret;

    if (kvno_opt.u2u == NULL)
        return ks_s4u_parse_user(ctx, kvno_opt.impersonate != NULL ?
                                 kvno_opt.impersonate : kvno_opt.enterprise,
                                 kvno_opt.enterprise != NULL, user);
    ret = ks_ccache_resolve(ctx, kvno_opt.u2u, &other);
    if (!ret)
        ret = ks_s4u_u2u_tgt(ctx, other, other_tgt);
    if (other != NULL)
        krb5_cc_close(ctx->k5, other);
    return ret;
}

static bool
special_mode(void)
{
    return kvno_opt.impersonate != NULL || kvno_opt.enterprise != NULL ||
        kvno_opt.u2u != NULL;
}

/* -P in text mode: the S4U2Self ticket's line, under the service's name,
 * before the S4U2Proxy ticket is asked for (as MIT's kvno); a failure
 * there ends this service. */
static int
show_evidence(void *data, size_t i, const struct ks_tgs_job *job)
{
    struct kvno_run *r = data;
    int errors = r->errors;

    report_one(r, job);
    r->shown[i] = true;
    return r->errors != errors;
}

/* The jobs' results, as ks_tgs_get_creds_many gives them. */
static krb5_error_code
run_special(struct kvno_run *r, const struct ks_tgs_get_options *go)
{
    struct ks_s4u_batch b = { NULL, NULL, kvno_opt.proxy != 0, NULL, r };
    krb5_principal user = NULL;
    krb5_creds *other_tgt = NULL;
    krb5_error_code ret;

    r->shown = calloc(r->njobs + 1, sizeof(*r->shown));
    if (r->shown == NULL)
        return ENOMEM;
    ret = special_inputs(r, &user, &other_tgt);
    b.user = user;
    b.other_tgt = other_tgt;
    b.evidence = r->json == NULL ? show_evidence : NULL;
    if (!ret)
        ret = ks_s4u_run_jobs(r->ctx, r->cc, r->idx, &b, go, r->jobs,
                              r->njobs);
    krb5_free_creds(r->ctx->k5, other_tgt);
    krb5_free_principal(r->ctx->k5, user);
    return ret;
}

/* A plain run (no -k, --json, --out-cache, -I, -U or --u2u) needs only
 * each ticket's kvno in the end: it is read as the ticket comes, and the
 * ticket let go, so a long run holds a few hundred bytes per service
 * (its name, job and kvno), not every ticket. */
static krb5_error_code
plain_run_setup(struct kvno_run *r)
{
    if (r->kt != NULL || r->json != NULL || r->out_cc != NULL ||
        special_mode() || r->njobs == 0)
        return 0;
    r->seen = calloc(r->njobs, sizeof(*r->seen));
    return r->seen == NULL ? ENOMEM : 0;
}

static void
take_kvno(struct kvno_run *r, struct ks_tgs_job *job)
{
    struct kvno_seen *s = &r->seen[job - r->jobs];
    krb5_ticket *t = NULL;

    /* One that does not decode stays, for report_one to say so. */
    if (krb5_decode_ticket(&job->creds->ticket, &t) != 0)
        return;
    s->kvno = (int)t->enc_part.kvno;
    s->taken = true;
    krb5_free_ticket(r->ctx->k5, t);
    krb5_free_creds(r->ctx->k5, job->creds);
    job->creds = NULL;
}

/* The progress line: never with -q, --json or a trace (whose lines would
 * cut through it). */
static void
jobs_start(void *arg, size_t to_fetch)
{
    struct kvno_run *r = arg;
    bool wanted = !kvno_opt.quiet && r->json == NULL &&
                  !ks_trace_enabled(r->ctx->trace) &&
                  !ks_mit_trace_on(r->ctx);

    ks_progress_begin(&r->progress, "services", to_fetch, wanted);
}

static void
job_settled(void *arg, struct ks_tgs_job *job)
{
    struct kvno_run *r = arg;

    ks_progress_step(&r->progress, job->code != 0);
    if (r->seen != NULL && job->creds != NULL)
        take_kvno(r, job);
}

/* The output cache's principal: the first ticket's client, as in MIT's
 * kvno (the user, after -I or -U). */
static krb5_principal
out_client(const struct kvno_run *r)
{
    if (r->njobs > 0 && r->jobs[0].creds != NULL)
        return r->jobs[0].creds->client;
    return (krb5_principal)ks_ccache_index_client(r->idx);
}

/* --out-cache: every ticket of a wholly successful run, atomically. */
static krb5_error_code
write_out_cache(struct kvno_run *r)
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
run(struct kvno_run *r, const char **names)
{
    struct ks_tgs_get_options go;
    struct ks_tgs_many many = { r->in_flight, jobs_start, job_settled, r };
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
    /* The index keeps only what this run may look up again: a service
     * named, or a TGT (-I, -U and --u2u also look up the cache's own
     * client's tickets). */
    if (!ret && !special_mode())
        ret = ks_ccache_index_keep_only(r->idx,
                                        (const krb5_const_principal *)r->servers,
                                        r->n);
    if (!ret)
        ret = plain_run_setup(r);
    if (ret) {
        ks_cli_report(r->ctx, ret);
        return KS_EXIT_FAILURE;
    }
    go.request.etypes = r->etypes[0] != 0 ? r->etypes : NULL;
    go.cached_only = kvno_opt.cached_only != 0;
    go.no_store = kvno_opt.no_store != 0 || kvno_opt.out_cache != NULL;
    go.canonicalize = kvno_opt.canonicalize != 0;
    if (r->json != NULL)
        kvno_json_note_cached(r, go.request.etypes);
    ret = special_mode() ? run_special(r, &go) :
        ks_tgs_get_creds_many(r->ctx, r->cc, r->idx, &go, &many, r->jobs,
                              r->njobs);
    ks_progress_end(&r->progress);
    if (ret) {
        ks_cli_report(r->ctx, ret);
        return KS_EXIT_FAILURE;
    }
    kvno_mit_jobs(r);
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
        e = kvno_json_report(r, names);
    if (r->errors == 0 && r->out_cc != NULL &&
        (ret = write_out_cache(r)) != 0)
        kvno_report_last(r, e, kvno_mit(r, ret, "while writing output "
                                        "ccache"));
    ks_emit_finish(e);
    return r->errors ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

int
main(int argc, const char **argv)
{
    poptContext pc;
    const char **names;
    struct kvno_run r;
    int status;

    pc = ks_cli_popt("kvno", "get service tickets and print their key "
                     "version numbers", argc, argv, kvno_options,
                     "[OPTION...] service1 service2 ...");
    memset(&r, 0, sizeof(r));
    ks_cli.usage_exit = KS_EXIT_FAILURE;    /* MIT's kvno exits 1 here */
    names = parse_options(pc, &r.n, &r.in_flight);
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

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

#include <krb5.h>

#include "ccache.h"
#include "ccache_lookup.h"
#include "cli.h"
#include "errors.h"
#include "inspect.h"
#include "tgs.h"

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
    { NULL, 'I', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN,
      &opts.impersonate, 0, "S4U2Self (not supported yet)", "USER" },
    { NULL, 'U', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN,
      &opts.enterprise, 0, "S4U2Self (not supported yet)", "USER" },
    { NULL, 'F', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN,
      &opts.cert_file, 0, "S4U2Self (not supported yet)", "CERT" },
    { NULL, 'P', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &opts.proxy, 0,
      "S4U2Proxy (not supported yet)", NULL },
    { "u2u", '\0', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, &opts.u2u, 0,
      "user-to-user (not supported yet)", "CCACHE" },
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
      "Common options:", NULL },
    POPT_AUTOHELP
    POPT_TABLEEND
};

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
    args = poptGetArgs(pc);
    while (args != NULL && args[n] != NULL)
        n++;
    if (n == 0)
        ks_cli_usage_error(pc, 0, "no service named");
    *count_out = n;
    return args;
}

/* S4U and user-to-user are later work: say so, exit 1. */
static bool
unsupported(void)
{
    const char *what = NULL;

    if (opts.impersonate != NULL)
        what = "-I (S4U2Self protocol transition)";
    else if (opts.enterprise != NULL)
        what = "-U (S4U2Self protocol transition)";
    else if (opts.cert_file != NULL)
        what = "-F (S4U2Self with a certificate)";
    else if (opts.proxy)
        what = "-P (S4U2Proxy constrained delegation)";
    else if (opts.u2u != NULL)
        what = "--u2u (user-to-user)";
    if (what == NULL)
        return false;
    ks_cli_error("%s is not supported yet", what);
    return true;
}

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
};

static void
run_free(struct run *r)
{
    struct ks_context *ctx = r->ctx;

    ks_tgs_jobs_clear(ctx, r->jobs, r->njobs);
    free(r->jobs);
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
        if (ret) {
            /* MIT's kvno says nothing here with -q. */
            if (!opts.quiet)
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
    ret = ks_ccache_replace(r->ctx, r->out_cc,
                            (krb5_principal)ks_ccache_index_client(r->idx),
                            list);
    free(list);
    return ret;
}

static int
run(struct run *r, const char **names)
{
    struct ks_tgs_get_options go;
    krb5_error_code ret;

    memset(&go, 0, sizeof(go));
    ret = open_inputs(r);
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
    ret = ks_tgs_get_creds_many(r->ctx, r->cc, r->idx, &go, r->jobs,
                                r->njobs);
    if (ret) {
        ks_cli_report(r->ctx, ret);
        return KS_EXIT_FAILURE;
    }
    for (size_t i = 0; i < r->njobs; i++) {
        if (r->jobs[i].code != 0) {
            ks_cli_error("%s", r->jobs[i].message != NULL ?
                         r->jobs[i].message : "getting a ticket failed");
            r->errors++;
        } else {
            report_one(r, &r->jobs[i]);
        }
    }
    if (r->errors == 0 && r->out_cc != NULL &&
        (ret = write_out_cache(r)) != 0) {
        ks_cli_report(r->ctx, ret);
        r->errors++;
    }
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

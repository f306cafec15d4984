/*
 * kdestroy: destroy a credentials cache, the cache of one principal in the
 * collection, or the whole collection, with MIT's options, messages and
 * exit codes.  A missing cache is not a failure (MIT: exit 0).  Names whose
 * file is a FIFO or a device are refused before libkrb5 touches them.
 * Beyond MIT: --credential removes one ticket and keeps the rest, and
 * --json writes what was destroyed as one JSON document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "cli.h"
#include "creds/ccache.h"
#include "creds/cccol.h"
#include "creds/ccfile.h"
#include "core/emit.h"
#include "core/trace.h"

struct kdestroy_opts {
    int all, quiet;
    char *cache;        /* -c, from poptGetOptArg */
    char *principal;    /* -p, from poptGetOptArg */
    char *credential;   /* --credential */
};

/* What was done, for --json. */
struct outcome {
    char **destroyed;       /* full names of the caches destroyed */
    size_t ndestroyed;
    char *missing;          /* the cache that was not there */
    char **removed;         /* --credential: the names removed */
    size_t nremoved;
    char *cache;            /* --credential: the cache changed */
    bool others;            /* other caches of the collection remain */
};

static struct kdestroy_opts opts;
static struct outcome done;

static struct poptOption kdestroy_options[] = {
    { NULL, 'A', POPT_ARG_NONE, &opts.all, 0,
      "destroy every cache of the collection", NULL },
    { NULL, 'q', POPT_ARG_NONE, &opts.quiet, 0,
      "quiet: no bell, no warning about other caches", NULL },
    { NULL, 'c', POPT_ARG_STRING, NULL, 'c',
      "the credentials cache to destroy", "CACHE" },
    { NULL, 'p', POPT_ARG_STRING, NULL, 'p',
      "destroy the cache of PRINCIPAL in the collection", "PRINCIPAL" },
    { "credential", '\0', POPT_ARG_STRING, &opts.credential, 0,
      "remove only the ticket for this service, keep the rest", "SERVICE" },
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "write what was destroyed as one JSON document on standard output",
      NULL },
    KS_CLI_KRB4_OPTIONS,
    KS_CLI_TABLE_END
};

/* Keep the argument of -c or -p; a second one is a usage error. */
static void
take_once(poptContext pc, char **slot, const char *msg)
{
    char *arg = poptGetOptArg(pc);

    if (*slot != NULL) {
        free(arg);
        ks_cli_usage_error(pc, 0, msg);
    }
    *slot = arg;
}

static void
parse_options(poptContext pc)
{
    int rc;

    while ((rc = ks_cli_next_option(pc)) > 0) {
        if (rc == 'c')
            take_once(pc, &opts.cache, "Only one -c option allowed");
        else if (rc == 'p')
            take_once(pc, &opts.principal, "Only one -p option allowed");
        else if (rc == '4')
            ks_cli_no_krb4(pc);
    }
    if (opts.all && opts.principal != NULL)
        ks_cli_usage_error(pc, 0, "-A option is exclusive with -p option");
    if (opts.all && opts.credential != NULL)
        ks_cli_usage_error(pc, 0, "--credential removes a ticket from one "
                           "cache: not with -A");
    ks_cli_no_operands(pc);
}

/* Remember NAME (copied) in the list LIST of *COUNT. */
static void
note(char ***list, size_t *count, const char *name)
{
    char **grown = realloc(*list, (*count + 1) * sizeof(**list));

    if (grown == NULL)
        return;
    *list = grown;
    grown[*count] = strdup(name);
    if (grown[*count] != NULL)
        (*count)++;
}

static void
free_list(char **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

/* Our refusal of a FIFO or a device, with the context's message: fatal
 * (the error document with --json) or, in -A, one line among others. */
static krb5_error_code
check_cache_file(struct ks_context *ctx, krb5_ccache cache, bool fatal)
{
    krb5_error_code ret = ks_ccfile_check_cache(ctx, cache);
    const char *msg;

    if (ret && fatal) {
        ks_cli_report(ctx, ret);
    } else if (ret) {
        msg = ks_context_message(ctx, ret);
        ks_cli_error("%s", msg);
        ks_context_free_message(ctx, msg);
    }
    return ret;
}

/* One cache of -A, destroyed unless it is a FIFO or a device. */
static bool
destroy_member(void *data, krb5_ccache *cache)
{
    struct ks_context *ctx = data;
    char *name = NULL;
    krb5_error_code ret;

    if (check_cache_file(ctx, *cache, false) != 0 ||
        krb5_cc_get_full_name(ctx->k5, *cache, &name) != 0)
        return false;
    ret = krb5_cc_destroy(ctx->k5, *cache);
    *cache = NULL;
    if (ret && ret != KRB5_FCC_NOFILE) {
        ks_cli_error("%s while destroying cache %s", error_message(ret),
                     name);
    } else {
        ks_trace(ctx->trace, "ccache", 0, "destroy", "destroyed %s", name);
        note(&done.destroyed, &done.ndestroyed, name);
    }
    krb5_free_string(ctx->k5, name);
    return false;
}

/* Walk the collection with FN; MIT's message if it cannot be listed. */
static int
walk_collection(struct ks_context *ctx, bool (*fn)(void *, krb5_ccache *),
                void *data)
{
    struct ks_cccol_walk w = { NULL, fn, data, 0 };
    krb5_error_code ret = ks_cccol_each(ctx, &w);

    if (ret) {
        ks_cli_report_mit(ctx, ret, "while listing credential caches");
        return KS_EXIT_FAILURE;
    }
    return KS_EXIT_OK;
}

static void
say_not_destroyed(void)
{
    if (opts.quiet)
        fprintf(stderr, "Ticket cache NOT destroyed!\n");
    else
        fprintf(stderr, "Ticket cache \aNOT\a destroyed!\n");
}

static krb5_error_code
open_default_cache(struct ks_context *ctx, krb5_ccache *cache_out)
{
    krb5_error_code ret;

    /* A DIR collection's primary file is read when it is resolved. */
    ret = ks_ccfile_check_default(ctx);
    if (ret) {
        ks_cli_report(ctx, ret);
        say_not_destroyed();
        return ret;
    }
    ret = krb5_cc_default(ctx->k5, cache_out);
    if (ret)
        ks_cli_report_mit(ctx, ret, "while resolving ccache");
    return ret;
}

/* Destroy CACHE (the handle is gone afterwards).  A missing cache is
 * reported but is no failure, as in MIT's kdestroy. */
static int
destroy_one(struct ks_context *ctx, krb5_ccache cache)
{
    char *name = NULL;
    krb5_error_code ret;
    int status = KS_EXIT_OK;

    if (check_cache_file(ctx, cache, true) != 0) {
        krb5_cc_close(ctx->k5, cache);
        say_not_destroyed();
        return KS_EXIT_FAILURE;
    }
    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        name = NULL;
    ret = krb5_cc_destroy(ctx->k5, cache);
    if (ret == KRB5_FCC_NOFILE) {
        ks_cli_error("%s while destroying cache", error_message(ret));
        free(done.missing);
        done.missing = name != NULL ? strdup(name) : NULL;
    } else if (ret) {
        ks_cli_report_mit(ctx, ret, "while destroying cache");
        say_not_destroyed();
        status = KS_EXIT_FAILURE;
    } else {
        ks_trace(ctx->trace, "ccache", 0, "destroy", "destroyed %s",
                 name != NULL ? name : "the cache");
        if (name != NULL)
            note(&done.destroyed, &done.ndestroyed, name);
    }
    krb5_free_string(ctx->k5, name);
    return status;
}

/* After destroying the default cache: one cache left is enough to say
 * that others remain. */
static bool
other_cache(void *data, krb5_ccache *cache)
{
    fprintf(stderr,
            "Other credential caches present, use -A to destroy all\n");
    done.others = true;
    return true;
}

/* --credential SERVICE: remove its tickets from CACHE, keep the rest. */
static int
remove_credential(struct ks_context *ctx, krb5_ccache cache)
{
    krb5_principal wanted = NULL;
    char *ccname = NULL, *sname = NULL;
    size_t removed, kept;
    krb5_error_code ret;

    ret = krb5_parse_name(ctx->k5, opts.credential, &wanted);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while parsing principal name %s",
                          opts.credential);
        goto cleanup;
    }
    ret = krb5_unparse_name(ctx->k5, wanted, &sname);
    if (ret == 0)
        ret = krb5_cc_get_full_name(ctx->k5, cache, &ccname);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while reading names");
        goto cleanup;
    }
    ret = check_cache_file(ctx, cache, true);
    if (ret)
        goto cleanup;
    ret = ks_ccache_remove(ctx, cache, wanted, &removed, &kept);
    if (ret) {
        ks_cli_report(ctx, ret);
        goto cleanup;
    }
    note(&done.removed, &done.nremoved, sname);
    done.cache = strdup(ccname);

cleanup:
    krb5_free_unparsed_name(ctx->k5, sname);
    krb5_free_string(ctx->k5, ccname);
    krb5_free_principal(ctx->k5, wanted);
    krb5_cc_close(ctx->k5, cache);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

/* ---- main ---------------------------------------------------------------- */

static void
emit_names(struct ks_emit *e, const char *key, char **names, size_t count)
{
    ks_emit_begin_array(e, key);
    for (size_t i = 0; i < count; i++)
        ks_emit_string(e, NULL, names[i]);
    ks_emit_end(e);
}

/* --json after a run that did not fail: what was done. */
static void
print_json(void)
{
    struct ks_emit *e = NULL;

    if (ks_emit_new(stdout, KS_EMIT_JSON, false, &e) != 0)
        return;
    if (opts.credential != NULL) {
        ks_emit_string(e, "cache", done.cache);
        emit_names(e, "removed", done.removed, done.nremoved);
    } else {
        emit_names(e, "destroyed", done.destroyed, done.ndestroyed);
        if (done.missing != NULL)
            ks_emit_string(e, "not_found", done.missing);
        if (!opts.all && opts.principal == NULL && !opts.quiet)
            ks_emit_bool(e, "other_caches", done.others);
    }
    ks_emit_finish(e);
}

static int
run(struct ks_context *ctx)
{
    krb5_ccache cache = NULL;
    krb5_error_code ret;
    int status;

    ret = ks_ccfile_set_default(ctx, opts.cache);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while setting default cache name");
        return KS_EXIT_FAILURE;
    }
    if (opts.all)
        return walk_collection(ctx, destroy_member, ctx);
    if (opts.principal != NULL)
        ret = ks_cli_principal_cache(ctx, opts.principal,
                                     "finding cache for", &cache);
    else
        ret = open_default_cache(ctx, &cache);
    if (ret)
        return KS_EXIT_FAILURE;
    if (opts.credential != NULL)
        return remove_credential(ctx, cache);
    status = destroy_one(ctx, cache);
    if (status == KS_EXIT_OK && !opts.quiet && opts.principal == NULL)
        status = walk_collection(ctx, other_cache, NULL);
    return status;
}

int
main(int argc, char **argv)
{
    struct ks_context *ctx;
    poptContext pc;
    int status = KS_EXIT_FAILURE;

    pc = ks_cli_popt("kdestroy", "destroy Kerberos credentials caches", argc,
                     (const char **)argv, kdestroy_options, NULL);
    parse_options(pc);
    ctx = ks_cli_context();
    if (ctx != NULL) {
        status = run(ctx);
        if (ks_cli.json && status == KS_EXIT_OK)
            print_json();
        ks_context_free(ctx);
    }
    free(opts.cache);
    free(opts.principal);
    free(opts.credential);
    free_list(done.destroyed, done.ndestroyed);
    free_list(done.removed, done.nremoved);
    free(done.missing);
    free(done.cache);
    poptFreeContext(pc);
    return status;
}

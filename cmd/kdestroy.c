/*
 * kdestroy: destroy a credentials cache, the cache of one principal in the
 * collection, or the whole collection, with MIT's options, messages and
 * exit codes.  A missing cache is not a failure (MIT: exit 0).  Names whose
 * file is a FIFO or a device are refused before libkrb5 touches them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "cli.h"
#include "ccfile.h"
#include "trace.h"

/* MIT's kdestroy exits 3 on -4 (Kerberos 4). */
#define KDESTROY_EXIT_NO_KRB4 3

struct kdestroy_opts {
    int all, quiet;
    char *cache;        /* -c, from poptGetOptArg */
    char *principal;    /* -p, from poptGetOptArg */
};

static struct kdestroy_opts opts;

static struct poptOption kdestroy_options[] = {
    { NULL, 'A', POPT_ARG_NONE, &opts.all, 0,
      "destroy every cache of the collection", NULL },
    { NULL, 'q', POPT_ARG_NONE, &opts.quiet, 0,
      "quiet: no bell, no warning about other caches", NULL },
    { NULL, 'c', POPT_ARG_STRING, NULL, 'c',
      "the credentials cache to destroy", "CACHE" },
    { NULL, 'p', POPT_ARG_STRING, NULL, 'p',
      "destroy the cache of PRINCIPAL in the collection", "PRINCIPAL" },
    { NULL, '5', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, 0,
      "Kerberos 5 (always)", NULL },
    { NULL, '4', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, '4',
      "Kerberos 4 (no longer supported)", NULL },
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
      "Common options:", NULL },
    POPT_AUTOHELP
    POPT_TABLEEND
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
    const char *extra;
    char msg[256];
    int rc;

    while ((rc = poptGetNextOpt(pc)) > 0) {
        if (rc == 'c') {
            take_once(pc, &opts.cache, "Only one -c option allowed");
        } else if (rc == 'p') {
            take_once(pc, &opts.principal, "Only one -p option allowed");
        } else if (rc == '4') {
            fprintf(stderr, "Kerberos 4 is no longer supported\n");
            poptFreeContext(pc);
            exit(KDESTROY_EXIT_NO_KRB4);
        }
    }
    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    if (opts.all && opts.principal != NULL)
        ks_cli_usage_error(pc, 0, "-A option is exclusive with -p option");
    extra = poptGetArg(pc);
    if (extra != NULL) {
        snprintf(msg, sizeof(msg), "unexpected argument '%s'", extra);
        ks_cli_usage_error(pc, 0, msg);
    }
}

/* Our refusal of a FIFO or a device, with the context's message. */
static krb5_error_code
check_cache_file(struct ks_context *ctx, krb5_ccache cache)
{
    char *name = NULL;
    krb5_error_code ret;

    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        return 0;
    ret = ks_ccfile_check(ctx, name);
    if (ret)
        ks_cli_report(ctx, ret);
    krb5_free_string(ctx->k5, name);
    return ret;
}

/* -A: every cache of the collection.  Like MIT, always exits 0 once the
 * collection could be listed. */
static int
destroy_all(struct ks_context *ctx)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache;
    krb5_error_code ret;
    char *name = NULL;

    ret = krb5_cccol_cursor_new(ctx->k5, &cursor);
    if (ret) {
        ks_cli_error("%s while listing credential caches",
                     error_message(ret));
        return KS_EXIT_FAILURE;
    }
    while (krb5_cccol_cursor_next(ctx->k5, cursor, &cache) == 0 &&
           cache != NULL) {
        if (check_cache_file(ctx, cache) != 0 ||
            krb5_cc_get_full_name(ctx->k5, cache, &name) != 0) {
            krb5_cc_close(ctx->k5, cache);
            continue;
        }
        ret = krb5_cc_destroy(ctx->k5, cache);
        if (ret && ret != KRB5_FCC_NOFILE)
            ks_cli_error("%s while destroying cache %s", error_message(ret),
                         name);
        else
            ks_trace(ctx->trace, "ccache", 0, "destroy", "destroyed %s",
                     name);
        krb5_free_string(ctx->k5, name);
        name = NULL;
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
    return KS_EXIT_OK;
}

/* Does CACHE belong to PRINC?  FIFOs and unreadable caches do not. */
static bool
cache_matches(struct ks_context *ctx, krb5_ccache cache,
              krb5_const_principal princ)
{
    krb5_principal owner = NULL;
    char *name = NULL;
    bool match = false;

    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0 ||
        ks_ccfile_check(ctx, name) != 0)
        goto cleanup;
    if (krb5_cc_get_principal(ctx->k5, cache, &owner) == 0)
        match = krb5_principal_compare(ctx->k5, owner, princ);

cleanup:
    krb5_free_principal(ctx->k5, owner);
    krb5_free_string(ctx->k5, name);
    return match;
}

/* The collection's cache for PRINC, as krb5_cc_cache_match finds it but
 * without opening FIFOs. */
static krb5_error_code
find_cache(struct ks_context *ctx, krb5_const_principal princ,
           krb5_ccache *cache_out)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache = NULL;
    krb5_error_code ret;

    ret = krb5_cccol_cursor_new(ctx->k5, &cursor);
    if (ret)
        return ret;
    while ((ret = krb5_cccol_cursor_next(ctx->k5, cursor, &cache)) == 0 &&
           cache != NULL) {
        if (cache_matches(ctx, cache, princ))
            break;
        krb5_cc_close(ctx->k5, cache);
        cache = NULL;
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
    if (ret == 0 && cache == NULL)
        ret = KRB5_CC_NOTFOUND;
    if (ret == 0)
        *cache_out = cache;
    return ret;
}

/* -p PRINCIPAL: MIT's messages and exit 1 on failure. */
static krb5_error_code
open_principal_cache(struct ks_context *ctx, const char *pname,
                     krb5_ccache *cache_out)
{
    krb5_principal princ = NULL;
    krb5_error_code ret;

    ret = krb5_parse_name(ctx->k5, pname, &princ);
    if (ret) {
        ks_cli_error("%s while parsing principal name %s",
                     error_message(ret), pname);
        return ret;
    }
    ret = find_cache(ctx, princ, cache_out);
    if (ret)
        ks_cli_error("%s while finding cache for %s", error_message(ret),
                     pname);
    krb5_free_principal(ctx->k5, princ);
    return ret;
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
    const char *name = krb5_cc_default_name(ctx->k5);

    /* A DIR collection's primary file is read when it is resolved. */
    if (name != NULL) {
        ret = ks_ccfile_check(ctx, name);
        if (ret) {
            ks_cli_report(ctx, ret);
            say_not_destroyed();
            return ret;
        }
    }
    ret = krb5_cc_default(ctx->k5, cache_out);
    if (ret)
        ks_cli_error("%s while resolving ccache", error_message(ret));
    return ret;
}

/* Destroy CACHE (the handle is gone afterwards).  A missing cache is
 * reported but is no failure, as in MIT's kdestroy. */
static int
destroy_one(struct ks_context *ctx, krb5_ccache cache)
{
    char *name = NULL;
    krb5_error_code ret;

    if (check_cache_file(ctx, cache) != 0) {
        krb5_cc_close(ctx->k5, cache);
        say_not_destroyed();
        return KS_EXIT_FAILURE;
    }
    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        name = NULL;
    ret = krb5_cc_destroy(ctx->k5, cache);
    if (ret)
        ks_cli_error("%s while destroying cache", error_message(ret));
    else
        ks_trace(ctx->trace, "ccache", 0, "destroy", "destroyed %s",
                 name != NULL ? name : "the cache");
    krb5_free_string(ctx->k5, name);
    if (ret && ret != KRB5_FCC_NOFILE) {
        say_not_destroyed();
        return KS_EXIT_FAILURE;
    }
    return KS_EXIT_OK;
}

/* After destroying the default cache: say if others remain. */
static int
warn_remaining(struct ks_context *ctx)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache = NULL;
    krb5_error_code ret;

    ret = krb5_cccol_cursor_new(ctx->k5, &cursor);
    if (ret) {
        ks_cli_error("%s while listing credential caches",
                     error_message(ret));
        return KS_EXIT_FAILURE;
    }
    if (krb5_cccol_cursor_next(ctx->k5, cursor, &cache) == 0 &&
        cache != NULL) {
        fprintf(stderr,
                "Other credential caches present, use -A to destroy all\n");
        krb5_cc_close(ctx->k5, cache);
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
    return KS_EXIT_OK;
}

static int
run(struct ks_context *ctx)
{
    krb5_ccache cache = NULL;
    krb5_error_code ret;
    int status;

    if (opts.cache != NULL) {
        ret = krb5_cc_set_default_name(ctx->k5, opts.cache);
        if (ret) {
            ks_cli_error("%s while setting default cache name",
                         error_message(ret));
            return KS_EXIT_FAILURE;
        }
    }
    ret = ks_ccfile_fix_empty_default(ctx);
    if (ret) {
        ks_cli_error("%s while setting default cache name",
                     error_message(ret));
        return KS_EXIT_FAILURE;
    }
    if (opts.all)
        return destroy_all(ctx);
    if (opts.principal != NULL)
        ret = open_principal_cache(ctx, opts.principal, &cache);
    else
        ret = open_default_cache(ctx, &cache);
    if (ret)
        return KS_EXIT_FAILURE;
    status = destroy_one(ctx, cache);
    if (status == KS_EXIT_OK && !opts.quiet && opts.principal == NULL)
        status = warn_remaining(ctx);
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
        ks_context_free(ctx);
    }
    free(opts.cache);
    free(opts.principal);
    poptFreeContext(pc);
    return status;
}

/*
 * kswitch: make a cache the primary cache of its collection (the one a
 * DIR:, KEYRING: or KCM: collection name resolves to), with MIT's options,
 * messages and exit codes: -c CACHE, or -p PRINCIPAL for the collection's
 * cache of that principal.  As MIT's kswitch, -c does not check that the
 * cache exists.  Names whose file is a FIFO or a device are refused before
 * libkrb5 reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "cli.h"
#include "creds/ccfile.h"
#include "core/emit.h"
#include "core/trace.h"

struct kswitch_opts {
    char *cache;        /* -c, from poptGetOptArg */
    char *principal;    /* -p, from poptGetOptArg */
};

static struct kswitch_opts opts;

static struct poptOption kswitch_options[] = {
    { NULL, 'c', POPT_ARG_STRING, NULL, 'c',
      "make CACHE the primary cache of its collection", "CACHE" },
    { NULL, 'p', POPT_ARG_STRING, NULL, 'p',
      "make the collection's cache of PRINCIPAL the primary one",
      "PRINCIPAL" },
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "write the new primary cache as one JSON document on standard output",
      NULL },
    KS_CLI_TABLE_END
};

static void
parse_options(poptContext pc)
{
    char *arg;
    int rc;

    while ((rc = ks_cli_next_option(pc)) > 0) {
        arg = poptGetOptArg(pc);
        if (opts.cache != NULL || opts.principal != NULL) {
            free(arg);
            ks_cli_usage_error(pc, 0, "Only one -c or -p option allowed");
        }
        if (rc == 'c')
            opts.cache = arg;
        else
            opts.principal = arg;
    }
    ks_cli_no_operands(pc);
    if (opts.cache == NULL && opts.principal == NULL)
        ks_cli_usage_error(pc, 0, "One of -c or -p must be specified");
}

/* -c NAME: resolved without being read (MIT does not check it exists). */
static krb5_error_code
resolve_named(struct ks_context *ctx, const char *name,
              krb5_ccache *cache_out)
{
    krb5_error_code ret;

    /* DIR:/dir reads its primary file when it is resolved. */
    ret = ks_ccfile_check(ctx, name);
    if (ret) {
        ks_cli_report(ctx, ret);
        return ret;
    }
    ret = krb5_cc_resolve(ctx->k5, name, cache_out);
    if (ret)
        ks_cli_report_mit(ctx, ret, "while resolving %s", name);
    return ret;
}

/* --json: {"primary":"DIR::/run/user/1000/krb5cc/tkt",
 *          "principal":"alice@EXAMPLE.ORG" or null}. */
static void
print_json(struct ks_context *ctx, krb5_ccache cache, const char *name)
{
    krb5_principal princ = NULL;
    struct ks_emit *e = NULL;

    if (ks_emit_new(stdout, KS_EMIT_JSON, false, &e) != 0)
        return;
    ks_emit_string(e, "primary", name);
    if (krb5_cc_get_principal(ctx->k5, cache, &princ) == 0)
        ks_emit_principal(e, "principal", ctx->k5, princ);
    else
        ks_emit_null(e, "principal");
    ks_emit_finish(e);
    krb5_free_principal(ctx->k5, princ);
}

static int
run(struct ks_context *ctx)
{
    krb5_ccache cache = NULL;
    krb5_error_code ret;
    char *name = NULL;

    if (opts.cache != NULL)
        ret = resolve_named(ctx, opts.cache, &cache);
    else
        ret = ks_cli_principal_cache(ctx, opts.principal,
                                     "searching for ccache for", &cache);
    if (ret)
        return KS_EXIT_FAILURE;
    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        name = NULL;
    ret = krb5_cc_switch(ctx->k5, cache);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while switching to credential cache");
    } else {
        ks_trace(ctx->trace, "ccache", 0, "switch",
                 "%s is now the primary cache of its collection",
                 name != NULL ? name : "the cache");
        if (ks_cli.json)
            print_json(ctx, cache, name);
    }
    krb5_free_string(ctx->k5, name);
    krb5_cc_close(ctx->k5, cache);
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

int
main(int argc, char **argv)
{
    struct ks_context *ctx;
    poptContext pc;
    int status = KS_EXIT_FAILURE;

    pc = ks_cli_popt("kswitch",
                     "switch the primary credentials cache of a collection",
                     argc, (const char **)argv, kswitch_options, NULL);
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

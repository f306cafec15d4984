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
#include "creds/ccfile.h"
#include "core/emit.h"
#include "core/trace.h"

/* MIT's kdestroy exits 3 on -4 (Kerberos 4). */
#define KDESTROY_EXIT_NO_KRB4 3

/* Most credentials --credential reads from one cache (a bound on memory;
 * a cache that holds more is refused, not cut). */
#define KDESTROY_MAX_CREDS 100000

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
    if (opts.all && opts.credential != NULL)
        ks_cli_usage_error(pc, 0, "--credential removes a ticket from one "
                           "cache: not with -A");
    extra = poptGetArg(pc);
    if (extra != NULL) {
        snprintf(msg, sizeof(msg), "unexpected argument '%s'", extra);
        ks_cli_usage_error(pc, 0, msg);
    }
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
    char *name = NULL;
    const char *msg;
    krb5_error_code ret;

    if (krb5_cc_get_full_name(ctx->k5, cache, &name) != 0)
        return 0;
    ret = ks_ccfile_check(ctx, name);
    if (ret && fatal) {
        ks_cli_report(ctx, ret);
    } else if (ret) {
        msg = ks_context_message(ctx, ret);
        ks_cli_error("%s", msg);
        ks_context_free_message(ctx, msg);
    }
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
        ks_cli_report_mit(ctx, ret, "while listing credential caches");
        return KS_EXIT_FAILURE;
    }
    while (krb5_cccol_cursor_next(ctx->k5, cursor, &cache) == 0 &&
           cache != NULL) {
        if (check_cache_file(ctx, cache, false) != 0 ||
            krb5_cc_get_full_name(ctx->k5, cache, &name) != 0) {
            krb5_cc_close(ctx->k5, cache);
            continue;
        }
        ret = krb5_cc_destroy(ctx->k5, cache);
        if (ret && ret != KRB5_FCC_NOFILE) {
            ks_cli_error("%s while destroying cache %s", error_message(ret),
                         name);
        } else {
            ks_trace(ctx->trace, "ccache", 0, "destroy", "destroyed %s",
                     name);
            note(&done.destroyed, &done.ndestroyed, name);
        }
        krb5_free_string(ctx->k5, name);
        name = NULL;
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
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

/* After destroying the default cache: say if others remain. */
static int
warn_remaining(struct ks_context *ctx)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache = NULL;
    krb5_error_code ret;

    ret = krb5_cccol_cursor_new(ctx->k5, &cursor);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while listing credential caches");
        return KS_EXIT_FAILURE;
    }
    if (krb5_cccol_cursor_next(ctx->k5, cursor, &cache) == 0 &&
        cache != NULL) {
        fprintf(stderr,
                "Other credential caches present, use -A to destroy all\n");
        done.others = true;
        krb5_cc_close(ctx->k5, cache);
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
    return KS_EXIT_OK;
}

/* ---- --credential: one ticket out, the rest kept ------------------------- */

/* Is the cached SERVER the one asked for?  A referral ticket is cached
 * under the name with an empty realm, which matches any realm. */
static bool
server_matches(krb5_context k5, krb5_const_principal server,
               krb5_const_principal wanted)
{
    if (krb5_is_config_principal(k5, server))
        return false;
    if (krb5_principal_compare(k5, server, wanted))
        return true;
    return server->realm.length == 0 &&
           krb5_principal_compare_any_realm(k5, server, wanted);
}

struct kept {
    krb5_creds **creds;     /* NULL-terminated */
    size_t count, removed;
};

static void
free_kept(krb5_context k5, struct kept *k)
{
    for (size_t i = 0; i < k->count; i++)
        krb5_free_creds(k5, k->creds[i]);
    free(k->creds);
}

/* Keep a copy of CRED in K. */
static krb5_error_code
keep(krb5_context k5, struct kept *k, const krb5_creds *cred)
{
    krb5_creds **grown;

    if (k->count >= KDESTROY_MAX_CREDS)
        return KRB5_CC_IO;
    grown = realloc(k->creds, (k->count + 2) * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    k->creds = grown;
    grown[k->count + 1] = NULL;
    if (krb5_copy_creds(k5, cred, &grown[k->count]) != 0)
        return ENOMEM;
    k->count++;
    return 0;
}

/* Read CACHE into K, leaving out the credentials for WANTED. */
static krb5_error_code
read_without(krb5_context k5, krb5_ccache cache, krb5_const_principal wanted,
             struct kept *k)
{
    krb5_cc_cursor cur;
    krb5_creds creds;
    krb5_error_code ret, ret2;

    ret = krb5_cc_start_seq_get(k5, cache, &cur);
    if (ret)
        return ret;
    while ((ret = krb5_cc_next_cred(k5, cache, &cur, &creds)) == 0) {
        if (server_matches(k5, creds.server, wanted))
            k->removed++;
        else
            ret = keep(k5, k, &creds);
        krb5_free_cred_contents(k5, &creds);
        if (ret)
            break;
    }
    ret2 = krb5_cc_end_seq_get(k5, cache, &cur);
    if (ret == KRB5_CC_END)
        ret = ret2;
    return ret;
}

/* The rest of CACHE, moved over it at once (ks_ccache_replace). */
static krb5_error_code
rewrite_without(struct ks_context *ctx, krb5_ccache cache,
                krb5_const_principal wanted, const char *ccname,
                const char *sname)
{
    struct kept k = { NULL, 0, 0 };
    krb5_principal client = NULL;
    krb5_error_code ret;

    ret = krb5_cc_get_principal(ctx->k5, cache, &client);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while reading %s", ccname);
        return ret;
    }
    ret = read_without(ctx->k5, cache, wanted, &k);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while reading %s", ccname);
    } else if (k.removed == 0) {
        ret = KRB5_CC_NOTFOUND;
        krb5_set_error_message(ctx->k5, ret, "no ticket for %s in %s "
                               "(klist lists what the cache holds)", sname,
                               ccname);
        ks_cli_report(ctx, ret);
    } else {
        ret = ks_ccache_replace(ctx, cache, client, k.creds);
        if (ret)
            ks_cli_report(ctx, ret);
    }
    if (ret == 0) {
        ks_trace(ctx->trace, "ccache", 0, "remove",
                 "removed %zu ticket%s for %s from %s, %zu entries kept",
                 k.removed, k.removed == 1 ? "" : "s", sname, ccname,
                 k.count);
        note(&done.removed, &done.nremoved, sname);
        done.cache = strdup(ccname);
    }
    free_kept(ctx->k5, &k);
    krb5_free_principal(ctx->k5, client);
    return ret;
}

/* --credential SERVICE: remove its tickets from CACHE, keep the rest. */
static int
remove_credential(struct ks_context *ctx, krb5_ccache cache)
{
    krb5_principal wanted = NULL;
    char *ccname = NULL, *sname = NULL;
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
    if (ret == 0)
        ret = rewrite_without(ctx, cache, wanted, ccname, sname);

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

    if (opts.cache != NULL) {
        ret = krb5_cc_set_default_name(ctx->k5, opts.cache);
        if (ret) {
            ks_cli_report_mit(ctx, ret, "while setting default cache name");
            return KS_EXIT_FAILURE;
        }
    }
    ret = ks_ccfile_fix_empty_default(ctx);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while setting default cache name");
        return KS_EXIT_FAILURE;
    }
    if (opts.all)
        return destroy_all(ctx);
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

/*
 * ccache: credentials caches through libkrb5's ccache API.  A replace is
 * staged in a MEMORY cache and moved over the target (krb5_cc_move, which
 * for FILE caches writes a temporary file and renames it into place).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "creds/ccache.h"
#include "core/errors.h"

krb5_error_code
ks_ccache_resolve(struct ks_context *ctx, const char *name,
                  krb5_ccache *cc_out)
{
    krb5_error_code ret;

    if (name != NULL)
        ret = krb5_cc_resolve(ctx->k5, name, cc_out);
    else
        ret = krb5_cc_default(ctx->k5, cc_out);
    if (ret)
        return ks_error_set(ctx, ret, "resolving the credentials cache %s",
                            name != NULL ? name : "(default)");
    return 0;
}

krb5_error_code
ks_ccache_full_name(struct ks_context *ctx, krb5_ccache cc, char **name_out)
{
    return krb5_cc_get_full_name(ctx->k5, cc, name_out);
}

/* Why a cache cannot be written, in words a user can act on. */
static const char *
store_hint(krb5_error_code code)
{
    switch (code) {
    case KRB5_FCC_NOFILE:
        return "does its directory exist?";
    case KRB5_FCC_PERM:
        return "is its directory writable by you?";
    case KRB5_CC_IO:
        return "is the disk full or the file system read-only?";
    default:
        return NULL;
    }
}

static krb5_error_code
store_failed(struct ks_context *ctx, krb5_ccache target, krb5_error_code code)
{
    char *name = NULL;
    const char *hint = store_hint(code);

    if (ks_ccache_full_name(ctx, target, &name) != 0)
        name = NULL;
    krb5_set_error_message(ctx->k5, code,
                           "storing credentials in %s: %s%s%s%s",
                           name != NULL ? name : "the cache",
                           error_message(code), hint != NULL ? " (" : "",
                           hint != NULL ? hint : "", hint != NULL ? ")" : "");
    krb5_free_string(ctx->k5, name);
    return code;
}

/* A MEMORY cache holding CLIENT and CREDS. */
static krb5_error_code
stage(struct ks_context *ctx, krb5_principal client,
      krb5_creds *const *creds, krb5_ccache *mem_out, size_t *count_out)
{
    krb5_ccache mem = NULL;
    krb5_error_code ret;
    size_t n = 0;

    ret = krb5_cc_new_unique(ctx->k5, "MEMORY", NULL, &mem);
    if (ret)
        return ret;
    ret = krb5_cc_initialize(ctx->k5, mem, client);
    for (; !ret && creds != NULL && creds[n] != NULL; n++)
        ret = krb5_cc_store_cred(ctx->k5, mem, creds[n]);
    if (ret) {
        krb5_cc_destroy(ctx->k5, mem);
        return ret;
    }
    *mem_out = mem;
    *count_out = n;
    return 0;
}

krb5_error_code
ks_ccache_replace(struct ks_context *ctx, krb5_ccache target,
                  krb5_principal client, krb5_creds *const *creds)
{
    krb5_ccache mem = NULL;
    krb5_error_code ret;
    size_t n = 0;
    char *name = NULL;

    ret = stage(ctx, client, creds, &mem, &n);
    if (ret)
        return store_failed(ctx, target, ret);
    /* On success krb5_cc_move destroys MEM; on failure it leaves it. */
    ret = krb5_cc_move(ctx->k5, mem, target);
    if (ret) {
        krb5_cc_destroy(ctx->k5, mem);
        return store_failed(ctx, target, ret);
    }
    if (ks_trace_enabled(ctx->trace) &&
        ks_ccache_full_name(ctx, target, &name) == 0) {
        ks_trace(ctx->trace, "AS store", 0, "stored",
                 "%zu credential%s staged in a MEMORY cache and moved over "
                 "%s (the old contents replaced at once)", n,
                 n == 1 ? "" : "s", name);
        krb5_free_string(ctx->k5, name);
    }
    return 0;
}

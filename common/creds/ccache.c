/*
 * ccache: credentials caches through libkrb5's ccache API.  A replace is
 * staged in a MEMORY cache and moved over the target (krb5_cc_move, which
 * for FILE caches writes a temporary file and renames it into place).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "creds/ccache.h"
#include "core/hash.h"
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

krb5_error_code
ks_ccache_while(struct ks_context *ctx, krb5_error_code code,
                const char *fmt, ...)
{
    const char *msg = ks_context_message(ctx, code);
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    krb5_set_error_message(ctx->k5, code, "%s %s", msg, what);
    ks_context_free_message(ctx, msg);
    return code;
}

krb5_error_code
ks_ccache_each(struct ks_context *ctx, krb5_ccache cache,
               const struct ks_ccache_visitor *v, unsigned int *count_out)
{
    krb5_cc_cursor cur;
    krb5_creds creds;
    krb5_error_code ret, stop = 0;
    unsigned int count = 0;

    ret = krb5_cc_start_seq_get(ctx->k5, cache, &cur);
    if (ret)
        return ks_ccache_while(ctx, ret, "while starting to retrieve tickets");
    if (v->begin != NULL)
        v->begin(v->data);
    while (stop == 0 &&
           (ret = krb5_cc_next_cred(ctx->k5, cache, &cur, &creds)) == 0) {
        stop = v->each(v->data, &creds);
        krb5_free_cred_contents(ctx->k5, &creds);
        count++;
    }
    if (count_out != NULL)
        *count_out = count;
    if (stop != 0 || ret != KRB5_CC_END) {
        krb5_cc_end_seq_get(ctx->k5, cache, &cur);
        if (stop != 0)
            return stop;
        return ks_ccache_while(ctx, ret, "while retrieving a ticket");
    }
    ret = krb5_cc_end_seq_get(ctx->k5, cache, &cur);
    if (ret)
        return ks_ccache_while(ctx, ret, "while finishing ticket retrieval");
    return 0;
}

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

/* What a rewrite keeps: copies of every credential DROP does not want. */
struct kept {
    krb5_context k5;
    bool (*drop)(krb5_context k5, const krb5_creds *cred, const void *arg);
    const void *arg;
    krb5_creds **creds;     /* NULL-terminated */
    size_t count, removed;
};

static void
free_kept(struct kept *k)
{
    for (size_t i = 0; i < k->count; i++)
        krb5_free_creds(k->k5, k->creds[i]);
    free(k->creds);
}

/* A ks_ccache_visitor: keep a copy of CRED unless K drops it. */
static krb5_error_code
keep(void *data, const krb5_creds *cred)
{
    struct kept *k = data;
    krb5_creds **grown;

    if (k->drop(k->k5, cred, k->arg)) {
        k->removed++;
        return 0;
    }
    if (k->count >= KS_CCACHE_REWRITE_MAX)
        return KRB5_CC_IO;
    grown = realloc(k->creds, (k->count + 2) * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    k->creds = grown;
    grown[k->count + 1] = NULL;
    if (krb5_copy_creds(k->k5, cred, &grown[k->count]) != 0)
        return ENOMEM;
    k->count++;
    return 0;
}

static bool
drop_server(krb5_context k5, const krb5_creds *cred, const void *wanted)
{
    return server_matches(k5, cred->server, wanted);
}

/* MIT's wording of a cache that could not be read: the library's plain
 * message for CODE, as kdestroy's com_err prints it. */
static krb5_error_code
read_failed(struct ks_context *ctx, krb5_error_code code, const char *ccname)
{
    krb5_set_error_message(ctx->k5, code, "%s while reading %s",
                           error_message(code), ccname);
    return code;
}

/* Read CACHE's client and every credential but WANTED's into K. */
static krb5_error_code
read_without(struct ks_context *ctx, krb5_ccache cache, const char *ccname,
             struct kept *k, krb5_principal *client_out)
{
    struct ks_ccache_visitor v = { NULL, keep, k };
    krb5_error_code ret;

    ret = krb5_cc_get_principal(ctx->k5, cache, client_out);
    if (ret)
        return read_failed(ctx, ret, ccname);
    ret = ks_ccache_each(ctx, cache, &v, NULL);
    if (ret)
        return read_failed(ctx, ret, ccname);
    return 0;
}

krb5_error_code
ks_ccache_remove(struct ks_context *ctx, krb5_ccache cache,
                 krb5_const_principal wanted, size_t *removed_out,
                 size_t *kept_out)
{
    struct kept k = { ctx->k5, drop_server, wanted, NULL, 0, 0 };
    krb5_principal client = NULL;
    char *ccname = NULL, *sname = NULL;
    krb5_error_code ret;

    ret = krb5_cc_get_full_name(ctx->k5, cache, &ccname);
    if (ret == 0)
        ret = krb5_unparse_name(ctx->k5, wanted, &sname);
    if (ret)
        goto cleanup;
    ret = read_without(ctx, cache, ccname, &k, &client);
    if (ret)
        goto cleanup;
    if (k.removed == 0) {
        ret = KRB5_CC_NOTFOUND;
        krb5_set_error_message(ctx->k5, ret, "no ticket for %s in %s "
                               "(klist lists what the cache holds)", sname,
                               ccname);
        goto cleanup;
    }
    ret = ks_ccache_replace(ctx, cache, client, k.creds);
    if (ret)
        goto cleanup;
    ks_trace(ctx->trace, "ccache", 0, "remove",
             "removed %zu ticket%s for %s from %s, %zu entries kept",
             k.removed, k.removed == 1 ? "" : "s", sname, ccname, k.count);
    *removed_out = k.removed;
    *kept_out = k.count;

cleanup:
    free_kept(&k);
    krb5_free_principal(ctx->k5, client);
    krb5_free_unparsed_name(ctx->k5, sname);
    krb5_free_string(ctx->k5, ccname);
    return ret;
}

bool
ks_ccache_replaces(krb5_context k5, const krb5_creds *fresh,
                   const krb5_creds *cached)
{
    if (!krb5_principal_compare(k5, fresh->client, cached->client) ||
        !krb5_principal_compare(k5, fresh->server, cached->server))
        return false;
    if (!fresh->is_skey != !cached->is_skey)
        return false;
    return !fresh->is_skey ||
           (fresh->second_ticket.length == cached->second_ticket.length &&
            (fresh->second_ticket.length == 0 ||
             memcmp(fresh->second_ticket.data, cached->second_ticket.data,
                    fresh->second_ticket.length) == 0));
}

/* Whether CODE from krb5_cc_remove_cred says the cache cannot take one
 * credential out: libkrb5's own code for a type without the operation,
 * or what a KCM daemon without it answers (libkrb5's KCM client reads
 * those the same way for its other optional operations). */
static bool
cannot_remove(krb5_context k5, krb5_ccache cache, krb5_error_code code)
{
    if (code == KRB5_CC_NOSUPP)
        return true;
    return strcmp(krb5_cc_get_type(k5, cache), "KCM") == 0 &&
           (code == KRB5_FCC_INTERNAL || code == KRB5_CC_IO);
}

static bool
drop_replaced(krb5_context k5, const krb5_creds *cred, const void *fresh)
{
    return ks_ccache_replaces(k5, fresh, cred);
}

/* The fallback for a cache that cannot remove: read it, write it back
 * without what FRESH replaces (only if there was something). */
static krb5_error_code
rewrite_without(struct ks_context *ctx, krb5_ccache cache,
                const char *ccname, const krb5_creds *fresh)
{
    struct kept k = { ctx->k5, drop_replaced, fresh, NULL, 0, 0 };
    krb5_principal client = NULL;
    krb5_error_code ret;

    ret = read_without(ctx, cache, ccname, &k, &client);
    if (!ret && k.removed > 0)
        ret = ks_ccache_replace(ctx, cache, client, k.creds);
    if (!ret)
        ks_trace(ctx->trace, "ccache", 0, "rewrite",
                 "%s cannot remove one credential: %zu removed by "
                 "rewriting it, %zu entries kept", ccname, k.removed,
                 k.count);
    free_kept(&k);
    krb5_free_principal(ctx->k5, client);
    return ret;
}

krb5_error_code
ks_ccache_remove_replaced(struct ks_context *ctx, krb5_ccache cache,
                          const krb5_creds *fresh)
{
    krb5_creds m;
    krb5_flags fields = KRB5_TC_MATCH_IS_SKEY;
    char *ccname = NULL;
    krb5_error_code ret;

    /* The fields ks_ccache_replaces compares, said to libkrb5: client and
     * server always; the second ticket for a user-to-user ticket. */
    memset(&m, 0, sizeof(m));
    m.client = fresh->client;
    m.server = fresh->server;
    m.is_skey = fresh->is_skey;
    if (fresh->is_skey) {
        m.second_ticket = fresh->second_ticket;
        fields |= KRB5_TC_MATCH_2ND_TKT;
    }
    ret = krb5_cc_remove_cred(ctx->k5, cache, fields, &m);
    /* Heimdal's KCM daemon says so when nothing matched. */
    if (ret == 0 || ret == KRB5_CC_NOTFOUND)
        return 0;
    if (krb5_cc_get_full_name(ctx->k5, cache, &ccname) != 0)
        ccname = NULL;
    if (cannot_remove(ctx->k5, cache, ret))
        ret = rewrite_without(ctx, cache, ccname != NULL ? ccname :
                              "the cache", fresh);
    else
        ks_error_set(ctx, ret, "removing the earlier tickets from %s",
                     ccname != NULL ? ccname : "the cache");
    krb5_free_string(ctx->k5, ccname);
    return ret;
}

/* FRESH by server, for ks_ccache_drop_superseded. */
struct superseded {
    krb5_principal client;
    const struct ks_ccache_fresh *fresh;
    struct ks_name_set servers;
};

static bool
drop_superseded(krb5_context k5, const krb5_creds *cred, const void *arg)
{
    const struct superseded *t = arg;
    size_t i;

    if (cred->is_skey || krb5_is_config_principal(k5, cred->server) ||
        !krb5_principal_compare(k5, cred->client, t->client))
        return false;
    return ks_name_set_find(&t->servers, cred->server, &i) &&
           ks_hash_bytes(KS_HASH_INIT, cred->ticket.data,
                         cred->ticket.length) != t->fresh[i].ticket_hash;
}

krb5_error_code
ks_ccache_drop_superseded(struct ks_context *ctx, krb5_ccache cache,
                          const struct ks_ccache_fresh *fresh, size_t n,
                          size_t *dropped_out)
{
    struct superseded t = { NULL, fresh, { NULL, 0 } };
    struct kept k = { ctx->k5, drop_superseded, &t, NULL, 0, 0 };
    krb5_principal client = NULL;
    char *ccname = NULL;
    krb5_error_code ret;

    ret = ks_name_set_init(&t.servers, n);
    if (ret)
        return ret;
    /* The first ticket of a server stored twice stands for both. */
    for (size_t i = 0; i < n; i++)
        ks_name_set_add(&t.servers, fresh[i].server, i, NULL);
    ret = krb5_cc_get_principal(ctx->k5, cache, &t.client);
    if (!ret)
        ret = krb5_cc_get_full_name(ctx->k5, cache, &ccname);
    if (!ret)
        ret = read_without(ctx, cache, ccname, &k, &client);
    if (!ret && k.removed > 0)
        ret = ks_ccache_replace(ctx, cache, client, k.creds);
    if (!ret) {
        ks_trace(ctx->trace, "8/8 store", 8, "rewrite",
                 "%zu earlier tickets taken out of %s in one rewrite, "
                 "%zu entries kept", k.removed, ccname, k.count);
        if (dropped_out != NULL)
            *dropped_out = k.removed;
    }
    free_kept(&k);
    ks_name_set_free(&t.servers);
    krb5_free_principal(ctx->k5, t.client);
    krb5_free_principal(ctx->k5, client);
    krb5_free_string(ctx->k5, ccname);
    return ret;
}

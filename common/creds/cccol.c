#include "creds/cccol.h"
#include "creds/ccfile.h"

krb5_error_code
ks_cccol_each(struct ks_context *ctx, struct ks_cccol_walk *w)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache = NULL;
    krb5_error_code ret;
    bool stop = false;

    w->error = 0;
    ret = krb5_cccol_cursor_new(ctx->k5, &cursor);
    if (ret)
        return ret;
    if (w->begin != NULL)
        w->begin(w->data);
    /* Bounded by the collection: the cursor ends after its last cache. */
    while (!stop &&
           (ret = krb5_cccol_cursor_next(ctx->k5, cursor, &cache)) == 0 &&
           cache != NULL) {
        stop = w->fn(w->data, &cache);
        if (cache != NULL)
            krb5_cc_close(ctx->k5, cache);
    }
    krb5_cccol_cursor_free(ctx->k5, &cursor);
    w->error = ret;
    return 0;
}

struct match {
    struct ks_context *ctx;
    krb5_const_principal princ;
    krb5_ccache found;
};

/* Keep CACHE if it belongs to PRINC.  FIFOs and unreadable caches do
 * not. */
static bool
cache_matches(void *data, krb5_ccache *cache)
{
    struct match *m = data;
    krb5_principal owner = NULL;
    bool match = false;

    if (ks_ccfile_check_cache(m->ctx, *cache) != 0)
        return false;
    if (krb5_cc_get_principal(m->ctx->k5, *cache, &owner) == 0)
        match = krb5_principal_compare(m->ctx->k5, owner, m->princ);
    krb5_free_principal(m->ctx->k5, owner);
    if (match) {
        m->found = *cache;
        *cache = NULL;
    }
    return match;
}

krb5_error_code
ks_cccol_match(struct ks_context *ctx, krb5_const_principal princ,
               krb5_ccache *cache_out)
{
    struct match m = { ctx, princ, NULL };
    struct ks_cccol_walk w = { NULL, cache_matches, &m, 0 };
    krb5_error_code ret;

    ret = ks_cccol_each(ctx, &w);
    if (ret == 0)
        ret = w.error;
    if (ret == 0 && m.found == NULL)
        ret = KRB5_CC_NOTFOUND;
    if (ret == 0)
        *cache_out = m.found;
    else if (m.found != NULL)
        krb5_cc_close(ctx->k5, m.found);
    return ret;
}

krb5_error_code
ks_cccol_names(struct ks_context *ctx, krb5_ccache cache, char **ccname_out,
               char **pname_out)
{
    krb5_principal princ = NULL;
    char *ccname = NULL, *pname = NULL;
    krb5_error_code ret;

    ret = krb5_cc_get_full_name(ctx->k5, cache, &ccname);
    if (ret == 0)
        ret = ks_ccfile_check(ctx, ccname);
    if (ret == 0)
        ret = krb5_cc_get_principal(ctx->k5, cache, &princ);
    if (ret == 0)
        ret = krb5_unparse_name(ctx->k5, princ, &pname);
    if (ret == 0) {
        *ccname_out = ccname;
        ccname = NULL;
        *pname_out = pname;
        pname = NULL;
    }
    krb5_free_principal(ctx->k5, princ);
    krb5_free_string(ctx->k5, ccname);
    return ret;
}

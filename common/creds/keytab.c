#include <stdio.h>
#include <unistd.h>

#include "core/errors.h"
#include "creds/ccache.h"
#include "creds/ccfile.h"
#include "creds/keytab.h"

krb5_error_code
ks_keytab_open(struct ks_context *ctx, const char *name, bool client,
               krb5_keytab *kt_out)
{
    krb5_error_code ret;

    if (name != NULL) {
        ret = krb5_kt_resolve(ctx->k5, name, kt_out);
        return ret ? ks_ccache_while(ctx, ret, "while resolving keytab %s",
                                     name) : 0;
    }
    if (client) {
        ret = krb5_kt_client_default(ctx->k5, kt_out);
        return ret ? ks_ccache_while(ctx, ret, "while getting default "
                                     "client keytab") : 0;
    }
    ret = krb5_kt_default(ctx->k5, kt_out);
    return ret ? ks_ccache_while(ctx, ret, "while getting default keytab")
               : 0;
}

krb5_error_code
ks_keytab_name(struct ks_context *ctx, krb5_keytab kt, char *buf, size_t len)
{
    krb5_error_code ret = krb5_kt_get_name(ctx->k5, kt, buf, (unsigned int)len);

    return ret ? ks_ccache_while(ctx, ret, "while getting keytab name") : 0;
}

/* ENTRY to V with its principal's name. */
static krb5_error_code
visit(struct ks_context *ctx, const krb5_keytab_entry *entry,
      const struct ks_keytab_visitor *v)
{
    char *pname = NULL;
    krb5_error_code ret;

    ret = krb5_unparse_name(ctx->k5, entry->principal, &pname);
    if (ret)
        return ks_ccache_while(ctx, ret, "while unparsing principal name");
    ret = v->each(v->data, entry, pname);
    krb5_free_unparsed_name(ctx->k5, pname);
    return ret;
}

/* Entries from an open cursor to the end; the cursor is left to end. */
static krb5_error_code
walk(struct ks_context *ctx, krb5_keytab kt, krb5_kt_cursor *cursor,
     const struct ks_keytab_visitor *v)
{
    krb5_keytab_entry entry;
    krb5_error_code ret, stop;

    while ((ret = krb5_kt_next_entry(ctx->k5, kt, &entry, cursor)) == 0) {
        stop = visit(ctx, &entry, v);
        krb5_free_keytab_entry_contents(ctx->k5, &entry);
        if (stop != 0)
            return stop;
    }
    if (ret != KRB5_KT_END)
        return ks_ccache_while(ctx, ret, "while scanning keytab");
    return 0;
}

krb5_error_code
ks_keytab_each(struct ks_context *ctx, krb5_keytab kt,
               const struct ks_keytab_visitor *v)
{
    krb5_kt_cursor cursor;
    char name[BUFSIZ];
    krb5_error_code ret;

    if (krb5_kt_get_name(ctx->k5, kt, name, sizeof(name)) == 0) {
        ret = ks_ktfile_check(ctx, name);
        if (ret)
            return ret;
        ks_trace(ctx->trace, "keytab", 0, "read", "listing keytab %s", name);
    }
    ret = krb5_kt_start_seq_get(ctx->k5, kt, &cursor);
    if (ret)
        return ks_ccache_while(ctx, ret, "while starting keytab scan");
    if (v->begin != NULL)
        v->begin(v->data);
    ret = walk(ctx, kt, &cursor, v);
    if (ret) {
        krb5_kt_end_seq_get(ctx->k5, kt, &cursor);
        return ret;
    }
    ret = krb5_kt_end_seq_get(ctx->k5, kt, &cursor);
    if (ret)
        return ks_ccache_while(ctx, ret, "while ending keytab scan");
    return 0;
}
/* Copy every entry of the keytab NAME into DEST. */
static krb5_error_code
copy_keytab(struct ks_context *ctx, const char *name, krb5_keytab dest)
{
    krb5_context k5 = ctx->k5;
    krb5_keytab kt = NULL;
    krb5_kt_cursor cur;
    krb5_keytab_entry ent;
    krb5_error_code ret;

    ret = ks_keytab_open(ctx, name, false, &kt);
    if (ret)
        return ret;
    ret = krb5_kt_start_seq_get(k5, kt, &cur);
    if (ret) {
        ks_error_set(ctx, ret, "reading keytab %s", name);
        goto cleanup;
    }
    while ((ret = krb5_kt_next_entry(k5, kt, &ent, &cur)) == 0) {
        ret = krb5_kt_add_entry(k5, dest, &ent);
        krb5_free_keytab_entry_contents(k5, &ent);
        if (ret)
            break;
    }
    krb5_kt_end_seq_get(k5, kt, &cur);
    if (ret == KRB5_KT_END)
        ret = 0;
    else if (ret)
        ks_error_set(ctx, ret, "reading keytab %s", name);

cleanup:
    krb5_kt_close(k5, kt);
    return ret;
}

krb5_error_code
ks_keytab_merge(struct ks_context *ctx, const char *const *names,
                krb5_keytab *kt_out)
{
    char name[64];
    krb5_keytab kt = NULL;
    krb5_error_code ret;

    snprintf(name, sizeof(name), "MEMORY:kstep-%ld", (long)getpid());
    ret = krb5_kt_resolve(ctx->k5, name, &kt);
    if (ret)
        return ks_error_set(ctx, ret, "making a keytab in memory");
    for (size_t i = 0; names[i] != NULL; i++) {
        ret = copy_keytab(ctx, names[i], kt);
        if (ret) {
            krb5_kt_close(ctx->k5, kt);
            return ret;
        }
    }
    *kt_out = kt;
    return 0;
}

#include <stdio.h>
#include <unistd.h>

#include "core/errors.h"
#include "creds/keytab.h"

krb5_error_code
ks_keytab_open(struct ks_context *ctx, const char *name, bool client_default,
               krb5_keytab *kt_out)
{
    krb5_error_code ret;

    if (name != NULL)
        ret = krb5_kt_resolve(ctx->k5, name, kt_out);
    else if (client_default)
        ret = krb5_kt_client_default(ctx->k5, kt_out);
    else
        ret = krb5_kt_default(ctx->k5, kt_out);
    if (ret)
        return ks_error_set(ctx, ret, "resolving keytab %s",
                            name != NULL ? name : "(default)");
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

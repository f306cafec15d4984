#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/trace.h"
#include "exchange/as_password.h"
#include "exchange/kpasswd.h"

/* The caller's password source, remembered after the first read. */
struct memo {
    const struct ks_as_keys *keys;
    char *typed;                    /* NULL until read; zeroed when freed */
    const char *changed;            /* the new password, once changed */
};

static krb5_error_code
memo_password(void *data, const char *prompt, char *buf, size_t buflen)
{
    struct memo *m = data;
    const char *have = m->changed != NULL ? m->changed : m->typed;
    krb5_error_code ret;

    if (have != NULL) {
        if (strlen(have) >= buflen)
            return KRB5_LIBOS_CANTREADPWD;
        memcpy(buf, have, strlen(have) + 1);
        return 0;
    }
    ret = m->keys->password(m->keys->password_data, prompt, buf, buflen);
    if (!ret)
        m->typed = strdup(buf);     /* NULL: asked again if needed */
    return ret;
}

static void
memo_clear(struct memo *m)
{
    if (m->typed != NULL) {
        explicit_bzero(m->typed, strlen(m->typed));
        free(m->typed);
    }
    m->typed = NULL;
}

/* A short ticket for kadmin/changepw with the old password (MIT: 5 min,
 * not renewable, forwardable or proxiable); the KDC issues it even though
 * the password has expired. */
static krb5_error_code
changepw_creds(struct ks_context *ctx, const struct ks_as_options *opts,
               const struct ks_as_keys *keys, krb5_creds **creds_out)
{
    const krb5_data *realm = &opts->client->realm;
    struct ks_as_options cpw = *opts;
    krb5_principal server = NULL;
    krb5_error_code ret;

    ret = krb5_build_principal_ext(ctx->k5, &server, realm->length,
                                   realm->data, 6, "kadmin", 8, "changepw",
                                   0);
    if (ret)
        return ret;
    cpw.server = server;
    cpw.lifetime = 5 * 60;
    cpw.renew_lifetime = 0;
    cpw.start_delay = 0;
    cpw.forwardable = cpw.proxiable = 0;
    cpw.sent = NULL;
    cpw.fast_avail = NULL;
    ret = ks_as_get_creds(ctx, &cpw, keys, creds_out);
    if (ret)
        ks_error_prefix(ctx, ret, "getting a kadmin/changepw ticket");
    krb5_free_principal(ctx->k5, server);
    return ret;
}

/* Change the password with kpasswd, then run the AS exchange of OPTS
 * again with the new one. */
static krb5_error_code
change_expired(struct ks_context *ctx, const struct ks_as_options *opts,
               const struct ks_as_keys *keys, struct memo *m,
               ks_new_password_fn new_password, void *data,
               krb5_creds **creds_out)
{
    krb5_creds *cpw = NULL;
    char *newpw = calloc(1, KS_AS_PASSWORD_MAX), *name = NULL;
    krb5_error_code ret = newpw != NULL ? 0 : ENOMEM;

    if (krb5_unparse_name(ctx->k5, opts->client, &name) != 0)
        name = NULL;
    ks_trace(ctx->trace, "AS request", 0, "key-expired",
             "the password of %s has expired: changing it with kpasswd",
             name != NULL ? name : "the client");
    krb5_free_unparsed_name(ctx->k5, name);
    if (!ret)
        ret = changepw_creds(ctx, opts, keys, &cpw);
    if (!ret)
        ret = new_password(data, newpw, KS_AS_PASSWORD_MAX);
    if (!ret) {
        ret = ks_kpasswd_change(ctx, cpw, newpw);
        if (ret)
            ks_error_prefix(ctx, ret, "changing it");
    }
    if (ret) {
        ks_error_prefix(ctx, ret, "the password has expired");
    } else {
        m->changed = newpw;
        ret = ks_as_get_creds(ctx, opts, keys, creds_out);
        m->changed = NULL;
        if (ret)
            ks_error_prefix(ctx, ret, "the password was changed, but with "
                            "the new one");
    }
    krb5_free_creds(ctx->k5, cpw);
    if (newpw != NULL)
        explicit_bzero(newpw, KS_AS_PASSWORD_MAX);
    free(newpw);
    return ret;
}

krb5_error_code
ks_as_get_creds_password(struct ks_context *ctx,
                         const struct ks_as_options *opts,
                         const struct ks_as_keys *keys,
                         ks_new_password_fn new_password,
                         void *new_password_data, krb5_creds **creds_out)
{
    struct memo m = { keys, NULL, NULL };
    struct ks_as_keys memo_keys = { memo_password, &m, NULL };
    krb5_creds *creds = NULL;
    krb5_error_code ret;

    if (keys->password == NULL)
        return ks_as_get_creds(ctx, opts, keys, creds_out);
    ret = ks_as_get_creds(ctx, opts, &memo_keys, &creds);
    if (ret == KRB5KDC_ERR_KEY_EXP && new_password != NULL)
        ret = change_expired(ctx, opts, &memo_keys, &m, new_password,
                             new_password_data, &creds);
    memo_clear(&m);
    if (!ret)
        *creds_out = creds;
    return ret;
}

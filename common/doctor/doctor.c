/* doctor: what is examined, in which order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "doctor/doctor.h"
#include "exchange/tgs.h"

/* The host of a host-based PRINCIPAL ("HTTP/web.example.org@R"), or NULL. */
static char *
principal_host(krb5_context k5, krb5_const_principal p)
{
    const krb5_data *c;

    if (p == NULL || p->length != 2 || p->type == KRB5_NT_ENTERPRISE_PRINCIPAL)
        return NULL;
    c = &p->data[1];
    if (c->length == 0 || memchr(c->data, '.', c->length) == NULL)
        return NULL;
    (void)k5;
    return strndup(c->data, c->length);
}

/* Decide the realm and the principal to probe from TARGET, the cache and
 * default_realm.  A word with no '@' and no '/' that is all capitals is
 * taken as a realm, as users type realms. */
static void
choose_target(struct ks_context *ctx, const struct ks_doctor_options *opts,
              struct ks_doctor_report *r, char **host_out)
{
    krb5_principal p = NULL, ccp = NULL;
    const char *t = opts->target;
    char *name = NULL, *def = NULL;
    bool realm_only = false;

    *host_out = NULL;
    if (t != NULL && strchr(t, '@') == NULL && strchr(t, '/') == NULL) {
        realm_only = true;
        for (const char *c = t; *c != '\0'; c++) {
            if (*c >= 'a' && *c <= 'z')
                realm_only = false;
        }
    }
    if (realm_only) {
        r->realm = strdup(t);
        return;
    }
    if (t != NULL) {
        if (krb5_parse_name(ctx->k5, t, &p) != 0) {
            ks_doctor_add(r, KS_DOCTOR_ERROR, "config",
                          "write it as name@REALM or service/host@REALM",
                          "'%s' is not a principal name", t);
            return;
        }
        r->principal_given = true;
    } else if (opts->cc != NULL &&
               krb5_cc_get_principal(ctx->k5, opts->cc, &ccp) == 0) {
        p = ccp;
        ccp = NULL;
        r->principal_given = true;
    }
    if (p != NULL) {
        if (krb5_unparse_name(ctx->k5, p, &name) == 0) {
            r->principal = strdup(name);
            krb5_free_unparsed_name(ctx->k5, name);
        }
        *host_out = principal_host(ctx->k5, p);
        r->service = *host_out != NULL;
        if (p->realm.length > 0)
            r->realm = strndup(p->realm.data, p->realm.length);
        krb5_free_principal(ctx->k5, p);
    }
    if (r->realm == NULL && krb5_get_default_realm(ctx->k5, &def) == 0) {
        r->realm = strdup(def);
        krb5_free_default_realm(ctx->k5, def);
    }
}

krb5_error_code
ks_doctor_run(struct ks_context *ctx, const struct ks_doctor_options *opts,
              struct ks_doctor_report **report_out)
{
    struct ks_doctor_report *r;
    char *host = NULL;

    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return ENOMEM;
    choose_target(ctx, opts, r, &host);
    ks_doctor_check_config(ctx, host, r);
    free(host);
    if (r->realm != NULL) {
        ks_doctor_check_kdcs(ctx, r);
        if (r->service && opts->target != NULL && opts->keytab == NULL)
            ks_doctor_check_service(ctx, opts, r);
        if (opts->keytab != NULL)
            ks_doctor_check_keytab(ctx, opts, r);
    }
    *report_out = r;
    return 0;
}

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"
#include "creds/ccache.h"
#include "creds/ccache_choose.h"

struct chooser {
    struct ks_context *ctx;
    const struct ks_ccache_want *want;
    ks_ccache_note_fn note;
    void *note_data;
    struct ks_ccache_choice c;
};

static void
note(struct chooser *ch, enum ks_ccache_how how, krb5_ccache cc)
{
    /* -c's cache by the name typed, as MIT's kinit -V shows it. */
    const char *name = how == KS_CCACHE_SPECIFIED ? ch->want->cache_name :
        krb5_cc_get_name(ch->ctx->k5, cc);

    if (ch->note != NULL)
        ch->note(ch->note_data, how, name);
}

/* Login name at the default realm, as MIT's kinit. */
static krb5_error_code
login_principal(struct chooser *ch)
{
    struct passwd *pw = getpwuid(getuid());

    if (pw == NULL)
        return ks_error_set(ch->ctx, KRB5_CC_NOTFOUND,
                            "unable to identify user");
    return krb5_parse_name(ch->ctx->k5, pw->pw_name, &ch->c.client);
}

/* WELLKNOWN/ANONYMOUS@REALM. */
static krb5_error_code
wellknown_anonymous(struct chooser *ch, const char *realm)
{
    krb5_error_code ret;

    ret = krb5_build_principal_ext(ch->ctx->k5, &ch->c.client,
                                   (unsigned int)strlen(realm), realm,
                                   (unsigned int)strlen(
                                       KRB5_WELLKNOWN_NAMESTR),
                                   KRB5_WELLKNOWN_NAMESTR,
                                   (unsigned int)strlen(
                                       KRB5_ANONYMOUS_PRINCSTR),
                                   KRB5_ANONYMOUS_PRINCSTR, 0);
    if (ret)
        return ks_error_set(ch->ctx, ret, "making the anonymous principal");
    return 0;
}

/*
 * -n: WELLKNOWN/ANONYMOUS of the default realm, or of REALM for "@REALM";
 * another name is MIT's partial anonymity (that client, anonymous flag).
 */
static krb5_error_code
anonymous_principal(struct chooser *ch)
{
    krb5_context k5 = ch->ctx->k5;
    const char *typed = ch->want->principal;
    krb5_principal given = NULL;
    char *realm = NULL;
    krb5_error_code ret;

    if (typed == NULL) {
        ret = krb5_get_default_realm(k5, &realm);
        if (!ret)
            ret = wellknown_anonymous(ch, realm);
        krb5_free_default_realm(k5, realm);
        return ret;
    }
    ret = krb5_parse_name(k5, typed, &given);
    if (ret)
        return ks_error_set(ch->ctx, ret, "parsing the principal name '%s'",
                            typed);
    if (given->length > 1 ||
        (given->length == 1 && given->data[0].length > 0)) {
        ch->c.client = given;
        return 0;
    }
    realm = strndup(given->realm.data, given->realm.length);
    krb5_free_principal(k5, given);
    ret = realm == NULL ? ENOMEM : wellknown_anonymous(ch, realm);
    free(realm);
    return ret;
}

static krb5_error_code
choose_principal(struct chooser *ch, krb5_ccache defcache)
{
    struct ks_context *ctx = ch->ctx;
    const struct ks_ccache_want *w = ch->want;
    int flags = w->enterprise ? KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0;
    krb5_error_code ret = 0;

    if (w->anonymous) {
        ret = anonymous_principal(ch);
    } else if (w->principal != NULL) {
        ret = krb5_parse_name_flags(ctx->k5, w->principal, flags,
                                    &ch->c.client);
        if (ret)
            ks_error_set(ctx, ret, "parsing the principal name '%s'",
                         w->principal);
    } else if (w->keytab) {
        ret = krb5_sname_to_principal(ctx->k5, NULL, "host",
                                      KRB5_NT_SRV_HST, &ch->c.client);
        if (ret)
            ks_error_set(ctx, ret, "making the default host principal "
                         "name");
    } else if (krb5_cc_get_principal(ctx->k5, defcache,
                                     &ch->c.client) != 0) {
        ret = login_principal(ch);
    }
    if (!ret)
        ret = krb5_unparse_name(ctx->k5, ch->c.client, &ch->c.client_name);
    return ret;
}

/*
 * Without -c, a collection gets the cache already holding the principal,
 * or a new one if the primary cache holds another principal.
 */
static krb5_error_code
choose_in_collection(struct chooser *ch, krb5_ccache defcache)
{
    krb5_context k5 = ch->ctx->k5;
    krb5_principal defprinc = NULL;
    const char *type = krb5_cc_get_type(k5, defcache);
    krb5_error_code ret;

    if (ch->want->principal == NULL || !krb5_cc_support_switch(k5, type))
        return 0;
    if (krb5_cc_cache_match(k5, ch->c.client, &ch->c.cc) == 0) {
        note(ch, KS_CCACHE_EXISTING, ch->c.cc);
        ch->c.switch_to = true;
        return 0;
    }
    if (krb5_cc_get_principal(k5, defcache, &defprinc) != 0)
        return 0;       /* the primary cache is empty: use it */
    krb5_free_principal(k5, defprinc);
    ret = krb5_cc_new_unique(k5, type, NULL, &ch->c.cc);
    if (ret)
        return ks_error_set(ch->ctx, ret, "creating a new cache in the "
                            "collection");
    note(ch, KS_CCACHE_NEW, ch->c.cc);
    ch->c.switch_to = true;
    return 0;
}

static krb5_error_code
choose(struct chooser *ch)
{
    struct ks_context *ctx = ch->ctx;
    krb5_ccache defcache = NULL;
    krb5_error_code ret;

    if (ch->want->cache_name != NULL) {
        ret = ks_ccache_resolve(ctx, ch->want->cache_name, &ch->c.cc);
        if (ret)
            return ret;
        note(ch, KS_CCACHE_SPECIFIED, ch->c.cc);
        return choose_principal(ch, ch->c.cc);
    }
    ret = ks_ccache_resolve(ctx, NULL, &defcache);
    if (ret)
        return ret;
    ret = choose_principal(ch, defcache);
    if (!ret)
        ret = choose_in_collection(ch, defcache);
    if (!ret && ch->c.cc == NULL) {
        note(ch, KS_CCACHE_DEFAULT, defcache);
        ch->c.cc = defcache;
        defcache = NULL;
    }
    if (defcache != NULL)
        krb5_cc_close(ctx->k5, defcache);
    return ret;
}

krb5_error_code
ks_ccache_choose(struct ks_context *ctx, const struct ks_ccache_want *want,
                 ks_ccache_note_fn note_fn, void *note_data,
                 struct ks_ccache_choice *choice_out)
{
    struct chooser ch = { ctx, want, note_fn, note_data, { 0 } };
    krb5_error_code ret;

    ret = choose(&ch);
    if (ret) {
        ks_ccache_choice_clear(ctx, &ch.c);
        return ret;
    }
    *choice_out = ch.c;
    return 0;
}

void
ks_ccache_choice_clear(struct ks_context *ctx,
                       struct ks_ccache_choice *choice)
{
    if (choice->cc != NULL)
        krb5_cc_close(ctx->k5, choice->cc);
    krb5_free_unparsed_name(ctx->k5, choice->client_name);
    krb5_free_principal(ctx->k5, choice->client);
    memset(choice, 0, sizeof(*choice));
}

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <profile.h>

#include "core/config.h"

/* MIT 1.20's default enctype list, in its order (init_ctx.c). */
static const krb5_enctype default_enctypes[] = {
    ENCTYPE_AES256_CTS_HMAC_SHA1_96,  ENCTYPE_AES128_CTS_HMAC_SHA1_96,
    ENCTYPE_AES256_CTS_HMAC_SHA384_192, ENCTYPE_AES128_CTS_HMAC_SHA256_128,
    ENCTYPE_DES3_CBC_SHA1,            ENCTYPE_ARCFOUR_HMAC,
    ENCTYPE_CAMELLIA128_CTS_CMAC,     ENCTYPE_CAMELLIA256_CTS_CMAC,
    0,
};

struct family {
    const char *name;
    krb5_enctype etypes[4];
};

static const struct family families[] = {
    { "aes", { ENCTYPE_AES256_CTS_HMAC_SHA1_96,
               ENCTYPE_AES128_CTS_HMAC_SHA1_96,
               ENCTYPE_AES256_CTS_HMAC_SHA384_192,
               ENCTYPE_AES128_CTS_HMAC_SHA256_128 } },
    /* Not MIT's: kstep also knows the two halves of "aes". */
    { "aes-sha1", { ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                    ENCTYPE_AES128_CTS_HMAC_SHA1_96 } },
    { "aes-sha2", { ENCTYPE_AES256_CTS_HMAC_SHA384_192,
                    ENCTYPE_AES128_CTS_HMAC_SHA256_128 } },
    { "camellia", { ENCTYPE_CAMELLIA256_CTS_CMAC,
                    ENCTYPE_CAMELLIA128_CTS_CMAC } },
    { "des3", { ENCTYPE_DES3_CBC_SHA1 } },
    { "rc4", { ENCTYPE_ARCFOUR_HMAC } },
};

/* Weak enctypes (MIT's list): single DES and the export RC4. */
static bool
is_weak(krb5_enctype e)
{
    return e == ENCTYPE_DES_CBC_CRC || e == ENCTYPE_DES_CBC_MD4 ||
           e == ENCTYPE_DES_CBC_MD5 || e == ENCTYPE_DES_CBC_RAW ||
           e == ENCTYPE_DES3_CBC_RAW || e == ENCTYPE_ARCFOUR_HMAC_EXP;
}

static size_t
list_len(const krb5_enctype *list)
{
    size_t n = 0;

    while (list[n] != 0)
        n++;
    return n;
}

static void
list_add(krb5_enctype *list, krb5_enctype e, bool allow_weak)
{
    size_t n = list_len(list);
    krb5_boolean valid = FALSE;

    if (krb5_c_valid_enctype(e))
        valid = TRUE;
    if (!valid || (!allow_weak && is_weak(e)))
        return;
    for (size_t i = 0; i < n; i++) {
        if (list[i] == e)
            return;
    }
    list[n] = e;
    list[n + 1] = 0;
}

static void
list_remove(krb5_enctype *list, krb5_enctype e)
{
    size_t n = list_len(list), j = 0;

    for (size_t i = 0; i < n; i++) {
        if (list[i] != e)
            list[j++] = list[i];
    }
    list[j] = 0;
}

/* Apply one word of an enctype list: a name, a family, or DEFAULT, with an
 * optional leading '+' or '-'. */
static void
apply_word(krb5_enctype *list, const char *word, bool allow_weak)
{
    bool remove = false;
    const krb5_enctype *set = NULL;
    size_t setlen = 0;
    krb5_enctype one;

    if (*word == '-' || *word == '+') {
        remove = (*word == '-');
        word++;
    }
    if (strcasecmp(word, "DEFAULT") == 0) {
        set = default_enctypes;
        setlen = list_len(default_enctypes);
    } else {
        for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
            if (strcasecmp(word, families[i].name) == 0) {
                set = families[i].etypes;
                setlen = 4;
                break;
            }
        }
    }
    if (set == NULL) {
        if (krb5_string_to_enctype((char *)word, &one) != 0)
            return;         /* unknown names are skipped, as MIT does */
        set = &one;
        setlen = 1;
    }
    for (size_t i = 0; i < setlen && set[i] != 0; i++) {
        if (remove)
            list_remove(list, set[i]);
        else
            list_add(list, set[i], allow_weak);
    }
}

krb5_error_code
ks_config_parse_enctypes(const char *text, bool allow_weak,
                         krb5_enctype **list_out)
{
    char *copy = NULL, *word, *save = NULL;
    krb5_enctype *list = NULL;
    /* Every word adds at most a family of 4, or the default list. */
    size_t cap = 16 + 8 * strlen(text);

    copy = strdup(text);
    list = calloc(cap, sizeof(*list));
    if (copy == NULL || list == NULL) {
        free(copy);
        free(list);
        return ENOMEM;
    }
    for (word = strtok_r(copy, " \t,", &save); word != NULL;
         word = strtok_r(NULL, " \t,", &save))
        apply_word(list, word, allow_weak);
    free(copy);
    *list_out = list;
    return 0;
}

static bool
get_bool(profile_t p, const char *name, bool def)
{
    int val = def;

    if (profile_get_boolean(p, "libdefaults", name, NULL, def, &val) != 0)
        return def;
    return val != 0;
}

static int
get_int(profile_t p, const char *name, int def)
{
    int val = def;

    if (profile_get_integer(p, "libdefaults", name, NULL, def, &val) != 0)
        return def;
    return val;
}

/* A duration ("10h", "1d 2h", "3600"): the default when absent or bad. */
static krb5_deltat
get_deltat(profile_t p, const char *name, krb5_deltat def)
{
    char *str = NULL;
    krb5_deltat val = def;

    if (profile_get_string(p, "libdefaults", name, NULL, NULL, &str) != 0 ||
        str == NULL)
        return def;
    if (krb5_string_to_deltat(str, &val) != 0)
        val = def;
    profile_release_string(str);
    return val;
}

/* The enctype list NAME; when absent, as MIT, permitted_enctypes' text,
 * and when that is absent too, DEFAULT. */
static krb5_error_code
get_enctypes(profile_t p, const char *name, bool allow_weak,
             krb5_enctype **out)
{
    char *str = NULL;
    krb5_error_code ret;

    if (profile_get_string(p, "libdefaults", name, NULL, NULL, &str) != 0)
        str = NULL;
    if (str == NULL &&
        profile_get_string(p, "libdefaults", "permitted_enctypes", NULL,
                           NULL, &str) != 0)
        str = NULL;
    ret = ks_config_parse_enctypes(str != NULL ? str : "DEFAULT", allow_weak,
                                   out);
    profile_release_string(str);
    return ret;
}

krb5_error_code
ks_config_load(krb5_context kctx, struct ks_config *cfg_out)
{
    struct ks_config cfg = { 0 };
    profile_t p = NULL;
    krb5_error_code ret;
    char *realm = NULL;
    int limit;

    ret = krb5_get_profile(kctx, &p);
    if (ret)
        return ret;
    if (krb5_get_default_realm(kctx, &realm) == 0) {
        cfg.default_realm = strdup(realm);
        krb5_free_default_realm(kctx, realm);
        if (cfg.default_realm == NULL) {
            ret = ENOMEM;
            goto cleanup;
        }
    }
    limit = get_int(p, "udp_preference_limit",
                    KS_DEFAULT_UDP_PREFERENCE_LIMIT);
    /* As MIT: negative means the default; 0 means every request goes over
     * TCP first, which 1 says as well (no request is that short) without
     * looking like an unset 0 to the transport. */
    if (limit < 0)
        limit = KS_DEFAULT_UDP_PREFERENCE_LIMIT;
    else if (limit == 0)
        limit = 1;
    if (limit > KS_MAX_UDP_PREFERENCE_LIMIT)
        limit = KS_MAX_UDP_PREFERENCE_LIMIT;
    cfg.udp_preference_limit = limit;
    cfg.ticket_lifetime = get_deltat(p, "ticket_lifetime",
                                     KS_DEFAULT_TICKET_LIFETIME);
    cfg.renew_lifetime = get_deltat(p, "renew_lifetime", 0);
    cfg.clockskew = get_deltat(p, "clockskew", KS_DEFAULT_CLOCKSKEW);
    cfg.forwardable = get_bool(p, "forwardable", false);
    cfg.proxiable = get_bool(p, "proxiable", false);
    cfg.noaddresses = get_bool(p, "noaddresses", true);
    cfg.canonicalize = get_bool(p, "canonicalize", false);
    cfg.kdc_timesync = get_bool(p, "kdc_timesync", true);
    cfg.allow_weak_crypto = get_bool(p, "allow_weak_crypto", false);
    /* A decimal integer, as MIT reads it; MIT's default is renewable-ok. */
    cfg.kdc_default_options = get_int(p, "kdc_default_options",
                                      KDC_OPT_RENEWABLE_OK);
    cfg.request_timeout_ms =
        (int)get_deltat(p, "request_timeout", 0) * 1000;
    if (cfg.request_timeout_ms <= 0)
        cfg.request_timeout_ms = KS_DEFAULT_REQUEST_TIMEOUT_MS;
    ret = get_enctypes(p, "permitted_enctypes", cfg.allow_weak_crypto,
                       &cfg.permitted_enctypes);
    if (ret)
        goto cleanup;
    ret = get_enctypes(p, "default_tkt_enctypes", cfg.allow_weak_crypto,
                       &cfg.tkt_enctypes);
    if (ret)
        goto cleanup;
    ret = get_enctypes(p, "default_tgs_enctypes", cfg.allow_weak_crypto,
                       &cfg.tgs_enctypes);
    if (ret)
        goto cleanup;
    /* As MIT, the lists are asked for as written, permitted_enctypes or
     * not; a reply's session key must be one asked for or permitted. */
    *cfg_out = cfg;
    memset(&cfg, 0, sizeof(cfg));

cleanup:
    ks_config_clear(&cfg);
    profile_release(p);
    return ret;
}

void
ks_config_clear(struct ks_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->default_realm);
    free(cfg->tkt_enctypes);
    free(cfg->tgs_enctypes);
    free(cfg->permitted_enctypes);
    memset(cfg, 0, sizeof(*cfg));
}

krb5_error_code
ks_config_realm_values(krb5_context kctx, const char *realm,
                       const char *name, char ***values_out)
{
    profile_t p = NULL;
    const char *names[4] = { "realms", realm, name, NULL };
    char **vals = NULL, **copy = NULL;
    krb5_error_code ret;
    size_t n = 0;

    ret = krb5_get_profile(kctx, &p);
    if (ret)
        return ret;
    ret = profile_get_values(p, names, &vals);
    if (ret == PROF_NO_RELATION || ret == PROF_NO_SECTION)
        ret = 0;
    if (ret)
        goto cleanup;
    while (vals != NULL && vals[n] != NULL)
        n++;
    copy = calloc(n + 1, sizeof(*copy));
    if (copy == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        copy[i] = strdup(vals[i]);
        if (copy[i] == NULL) {
            ks_config_free_list(copy);
            ret = ENOMEM;
            goto cleanup;
        }
    }
    *values_out = copy;

cleanup:
    profile_free_list(vals);
    profile_release(p);
    return ret;
}

void
ks_config_free_list(char **values)
{
    if (values == NULL)
        return;
    for (size_t i = 0; values[i] != NULL; i++)
        free(values[i]);
    free(values);
}

krb5_error_code
ks_config_realm_libdefault(krb5_context kctx, const krb5_data *realm,
                           const char *name, char **value_out)
{
    profile_t p = NULL;
    const char *names[4] = { "libdefaults", NULL, name, NULL };
    char realmstr[1024], **vals = NULL, *copy = NULL;
    krb5_error_code ret = 0;

    *value_out = NULL;
    if (realm == NULL || realm->length == 0 ||
        realm->length >= sizeof(realmstr))
        return 0;
    memcpy(realmstr, realm->data, realm->length);
    realmstr[realm->length] = '\0';
    names[1] = realmstr;
    if (krb5_get_profile(kctx, &p) != 0)
        return 0;
    /* No such subsection or relation is the usual case, not an error. */
    if (profile_get_values(p, names, &vals) == 0 && vals != NULL &&
        vals[0] != NULL) {
        copy = strdup(vals[0]);
        if (copy == NULL)
            ret = ENOMEM;
    }
    profile_free_list(vals);
    profile_release(p);
    *value_out = copy;
    return ret;
}

bool
ks_config_parse_bool(const char *text)
{
    static const char *const yes[] = { "y", "yes", "true", "t", "1", "on" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0)
            return true;
    }
    return false;
}

/*
 * as_referral: the AS exchange's decisions on errors that send it
 * somewhere else -- client referrals (RFC 6806 7: PROTO_WRONG_REALM, or
 * C_PRINCIPAL_UNKNOWN naming another realm), the retry against the
 * realm's primary KDC after a rejected password, and the clock-skew error.
 * Every field of a KRB-ERROR is unauthenticated (RFC 4120 5.9.1): a
 * referral is followed only when the user asked for canonicalization,
 * only to a realm krb5.conf names KDCs for, never twice to one realm and
 * at most KS_AS_MAX_REFERRALS times; the error's cname is never used.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exchange/as.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/text.h"

#define REALM_MAX 255
/* Protocol numbers (RFC 4120 7.5.9). */
#define PROTO_C_PRINCIPAL_UNKNOWN 6
#define PROTO_WRONG_REALM 68

static bool
realm_is(const krb5_data *a, const char *b)
{
    return a->length == strlen(b) && memcmp(a->data, b, a->length) == 0;
}

bool
ks_as_referral_is(const krb5_error *err, krb5_const_principal client)
{
    const krb5_data *cur = &client->realm;
    const krb5_data *to;

    if (err->error == PROTO_WRONG_REALM)
        return true;
    if (err->error != PROTO_C_PRINCIPAL_UNKNOWN || err->client == NULL)
        return false;
    /* Windows 2003 says "unknown" with the client's realm in crealm. */
    to = &err->client->realm;
    return to->length > 0 && (to->length != cur->length ||
                              memcmp(to->data, cur->data, cur->length) != 0);
}

void
ks_as_referral_clear(struct ks_as_referral *ref)
{
    if (ref == NULL)
        return;
    for (size_t i = 0; i < ref->nseen; i++)
        free(ref->seen[i]);
    memset(ref, 0, sizeof(*ref));
}

/* A realm name from the error, if it is one we could name in a message
 * and a configuration file: printable ASCII, no spaces, not too long. */
static bool
plausible_realm(const krb5_data *r)
{
    if (r->length == 0 || r->length > REALM_MAX)
        return false;
    for (unsigned int i = 0; i < r->length; i++) {
        unsigned char c = (unsigned char)r->data[i];

        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

static krb5_error_code
remember(struct ks_as_referral *ref, const krb5_data *realm)
{
    char *copy;

    if (ref->nseen >= sizeof(ref->seen) / sizeof(ref->seen[0]))
        return KRB5_KDC_UNREACH;
    copy = strndup(realm->data, realm->length);
    if (copy == NULL)
        return ENOMEM;
    ref->seen[ref->nseen++] = copy;
    return 0;
}

/* "A -> B -> A" into BUF. */
static const char *
path_text(const struct ks_as_referral *ref, const char *last, char *buf,
          size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < ref->nseen && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s -> ",
                                 ref->seen[i]);
    if (used < len)
        snprintf(buf + used, len - used, "%s", last);
    return buf;
}

/* Whether krb5.conf names KDCs for REALM (local policy for referrals). */
static bool
configured(struct ks_context *ctx, const char *realm)
{
    char **kdcs = NULL;
    bool yes;

    if (ks_config_realm_values(ctx->k5, realm, "kdc", &kdcs) != 0)
        return false;
    yes = kdcs[0] != NULL;
    ks_config_free_list(kdcs);
    return yes;
}

/* The referral is refused: say why in one line. */
static krb5_error_code
refuse(struct ks_context *ctx, const char *why, const char *realm)
{
    krb5_set_error_message(ctx->k5, KRB5_KDCREP_MODIFIED,
                           "client referral not followed: %s%s%s", why,
                           realm != NULL ? " " : "",
                           realm != NULL ? realm : "");
    return KRB5_KDCREP_MODIFIED;
}

/* Not a referral we follow: the plain error, with the realm it named. */
static krb5_error_code
plain_error(struct ks_context *ctx, const krb5_error *err)
{
    krb5_error_code code = ks_error_from_reply(ctx, err, NULL);
    const char *msg;
    char realm[4 * REALM_MAX + 8];

    if (err->error != PROTO_WRONG_REALM || err->client == NULL ||
        err->client->realm.length == 0)
        return code;
    ks_error_sanitize(err->client->realm.data, err->client->realm.length,
                      realm, sizeof(realm));
    /* This hint, which names the realm, stands in for the general one. */
    msg = error_message(code);
    krb5_set_error_message(ctx->k5, code, "%s (the KDC refers the client to "
                           "realm %s; kinit -C follows such referrals)", msg,
                           realm);
    return code;
}

krb5_error_code
ks_as_referral_next(struct ks_context *ctx, struct ks_as_referral *ref,
                    krb5_const_principal client, bool allowed,
                    const krb5_error *err, char **realm_out)
{
    const krb5_data *to = err->client != NULL ? &err->client->realm : NULL;
    char path[1024], *realm = NULL;
    krb5_error_code ret;

    *realm_out = NULL;
    if (!allowed)
        return plain_error(ctx, err);
    if (to == NULL || to->length == 0)
        return refuse(ctx, "the KDC's WRONG_REALM error names no realm",
                      NULL);
    if (!plausible_realm(to))
        return refuse(ctx, "the KDC's error names an unusable realm", NULL);
    if (ref->nseen == 0 && (ret = remember(ref, &client->realm)) != 0)
        return ret;
    realm = strndup(to->data, to->length);
    if (realm == NULL)
        return ENOMEM;
    for (size_t i = 0; i < ref->nseen; i++) {
        if (realm_is(to, ref->seen[i])) {
            path_text(ref, realm, path, sizeof(path));
            free(realm);
            return refuse(ctx, "referral loop", path);
        }
    }
    if (ref->hops >= KS_AS_MAX_REFERRALS) {
        path_text(ref, realm, path, sizeof(path));
        free(realm);
        krb5_set_error_message(ctx->k5, KRB5_KDCREP_MODIFIED,
                               "client referral not followed: more than %d "
                               "referrals (%s)", KS_AS_MAX_REFERRALS, path);
        return KRB5_KDCREP_MODIFIED;
    }
    if (!configured(ctx, realm)) {
        ret = refuse(ctx, "krb5.conf names no KDC for realm", realm);
        free(realm);
        return ret;
    }
    ret = remember(ref, to);
    if (ret) {
        free(realm);
        return ret;
    }
    ref->hops++;
    ks_trace(ctx->trace, "AS request", 0, "referral",
             "client referral %u of at most %d: the KDC of %s says the "
             "client is in %s (unauthenticated error %ld; its cname is "
             "ignored)", ref->hops, KS_AS_MAX_REFERRALS,
             ref->seen[ref->nseen - 2], realm, (long)err->error);
    *realm_out = realm;
    return 0;
}

krb5_error_code
ks_as_primary_kdcs(struct ks_context *ctx, const char *realm,
                   struct ks_kdc_list *list_out)
{
    static const char *const names[] = { "primary_kdc", "master_kdc" };
    struct ks_kdc_list list = { NULL, 0 };
    char **values = NULL, *host = NULL, *port = NULL, source[300];
    enum ks_transport_kind kind;
    krb5_error_code ret = 0;

    for (size_t n = 0; n < 2 && list.count == 0 && !ret; n++) {
        ret = ks_config_realm_values(ctx->k5, realm, names[n], &values);
        for (size_t i = 0; !ret && values[i] != NULL; i++) {
            if (ks_kdc_list_parse_entry(values[i], &host, &port, &kind) != 0)
                continue;   /* as MIT: a bad entry is skipped */
            snprintf(source, sizeof(source), "%s = %s", names[n], values[i]);
            ret = ks_kdc_list_add_host(ctx, &list, host, port, kind, source);
            if (ret == KRB5_KDC_UNREACH)
                ret = 0;
            free(host);
            free(port);
            host = port = NULL;
        }
        ks_config_free_list(values);
        values = NULL;
    }
    if (ret) {
        ks_kdc_list_free(&list);
        return ret;
    }
    *list_out = list;
    return 0;
}

bool
ks_as_kdc_in(const struct ks_kdc_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->addrs[i].name, name) == 0)
            return true;
    }
    return false;
}

krb5_error_code
ks_as_skew_error(struct ks_context *ctx, const krb5_error *err,
                 krb5_timestamp now, bool retried)
{
    krb5_error_code code = KRB5KRB_AP_ERR_SKEW;
    int32_t apart = (int32_t)((uint32_t)err->stime - (uint32_t)now);
    char ours[40], theirs[40];

    krb5_set_error_message(ctx->k5, code,
                           "Clock skew too great: this machine's clock says "
                           "%s, the KDC's error claims %s (%+ld s; the limit "
                           "is %ld s%s)",
                           ks_text_when(now, ours, sizeof(ours)),
                           ks_text_when(err->stime, theirs, sizeof(theirs)),
                           (long)apart, (long)ctx->config.clockskew,
                           retried ? "; retried once with the KDC's time"
                           : ctx->config.kdc_timesync ? ""
                           : "; kdc_timesync = true would retry with it");
    return code;
}

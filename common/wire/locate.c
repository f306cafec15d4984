#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/locate.h"
#include "wire/kdc_list.h"
#include "wire/locate_dns.h"

/* Longest krb5.conf entry quoted in a message or trace. */
#define KS_ENTRY_QUOTE_MAX 200

/* Add the addresses of one krb5.conf kdc value; a bad entry is skipped. */
static krb5_error_code
add_entry(struct ks_context *ctx, struct ks_kdc_list *list,
          const char *entry)
{
    char *host = NULL, *port = NULL, source[KS_ENTRY_QUOTE_MAX + 8];
    enum ks_transport_kind kind;
    krb5_error_code ret;

    snprintf(source, sizeof(source), "kdc = %.*s", KS_ENTRY_QUOTE_MAX,
             entry);
    ret = ks_kdc_list_parse_entry(entry, &host, &port, &kind);
    if (ret == EINVAL) {
        ks_trace(ctx->trace, "locate", 0, "skip", "skipping malformed %s%s",
                 source,
                 strstr(entry, "://") != NULL
                     ? " (KDC proxy URLs are not supported)"
                     : " (want host, host:port, [v6addr]:port, "
                       "optionally after udp/ or tcp/)");
        return 0;
    }
    if (ret == 0)
        ret = ks_kdc_list_add_host(ctx, list, host, port, kind, source);
    free(host);
    free(port);
    return ret == KRB5_KDC_UNREACH ? 0 : ret;
}

/* The --kdc entries: a malformed one is the user's typo, so an error;
 * one that does not resolve is skipped, as in krb5.conf. */
static krb5_error_code
add_cli_kdcs(struct ks_context *ctx, const char *realm,
             struct ks_kdc_list *list)
{
    char **kdcs = ctx->net.kdcs, *host = NULL, *port = NULL;
    char source[KS_ENTRY_QUOTE_MAX + 8];
    enum ks_transport_kind kind;
    krb5_error_code ret = 0;
    size_t i;

    ks_trace(ctx->trace, "locate", 0, "kdc-override",
             "KDCs for %s from --kdc, instead of krb5.conf's and DNS's",
             realm);
    for (i = 0; kdcs[i] != NULL && ret == 0; i++) {
        snprintf(source, sizeof(source), "--kdc %.*s", KS_ENTRY_QUOTE_MAX,
                 kdcs[i]);
        ret = ks_kdc_list_parse_entry(kdcs[i], &host, &port, &kind);
        if (ret == EINVAL) {
            krb5_set_error_message(ctx->k5, ret,
                                   "--kdc '%.*s' is not a KDC address (want "
                                   "HOST, HOST:PORT or [V6ADDR]:PORT, "
                                   "optionally after udp/ or tcp/)",
                                   KS_ENTRY_QUOTE_MAX, kdcs[i]);
            break;
        }
        if (ret == 0)
            ret = ks_kdc_list_add_host(ctx, list, host, port, kind, source);
        if (ret == KRB5_KDC_UNREACH)
            ret = 0;
        free(host);
        free(port);
        host = port = NULL;
    }
    if (ret == 0 && list->count == 0) {
        ret = KRB5_KDC_UNREACH;
        krb5_set_error_message(ctx->k5, ret,
                               "Cannot find KDC for realm \"%s\" (no --kdc "
                               "address resolves: %s%s)",
                               realm, kdcs[0], i > 1 ? ", ..." : "");
    }
    return ret;
}

/* No kdc in krb5.conf: DNS when dns_lookup_kdc allows it, as MIT does. */
static krb5_error_code
add_dns_kdcs(struct ks_context *ctx, const char *realm,
             struct ks_kdc_list *list)
{
    if (!ks_locate_dns_enabled(ctx)) {
        krb5_set_error_message(ctx->k5, KRB5_REALM_UNKNOWN,
                               "Cannot find KDC for realm \"%s\" (add the "
                               "realm's kdc to [realms] in krb5.conf)",
                               realm);
        return KRB5_REALM_UNKNOWN;
    }
    return ks_locate_dns(ctx, realm, list);
}

static krb5_error_code
add_conf_kdcs(struct ks_context *ctx, const char *realm,
              struct ks_kdc_list *list)
{
    char **values = NULL;
    krb5_error_code ret;
    size_t i;

    ret = ks_config_realm_values(ctx->k5, realm, "kdc", &values);
    if (ret)
        return ret;
    if (values[0] == NULL) {
        ks_config_free_list(values);
        return add_dns_kdcs(ctx, realm, list);
    }
    for (i = 0; values[i] != NULL && ret == 0; i++)
        ret = add_entry(ctx, list, values[i]);
    if (ret == 0 && list->count == 0) {
        ret = KRB5_KDC_UNREACH;
        krb5_set_error_message(ctx->k5, ret,
                               "Cannot find KDC for realm \"%s\" (none of "
                               "its %zu kdc entries in krb5.conf is usable: "
                               "malformed or not resolving)",
                               realm, i);
    }
    ks_config_free_list(values);
    return ret;
}

/* One realm's KDCs as first located in this run. */
struct located_realm {
    struct located_realm *next;
    char *realm;
    char **kdcs;                /* the --kdc list it came from, if any */
    struct ks_kdc_list list;
};

static void
located_free(void *head)
{
    struct located_realm *r = head, *next;

    for (; r != NULL; r = next) {
        next = r->next;
        free(r->realm);
        ks_kdc_list_free(&r->list);
        free(r);
    }
}

static krb5_error_code
list_copy(const struct ks_kdc_list *from, struct ks_kdc_list *to)
{
    to->addrs = calloc(from->count > 0 ? from->count : 1,
                       sizeof(*to->addrs));
    if (to->addrs == NULL)
        return ENOMEM;
    if (from->count > 0)
        memcpy(to->addrs, from->addrs, from->count * sizeof(*to->addrs));
    to->count = from->count;
    return 0;
}

static const struct located_realm *
located_find(const struct ks_context *ctx, const char *realm)
{
    const struct located_realm *r = ctx->located;

    for (; r != NULL; r = r->next) {
        if (strcmp(r->realm, realm) == 0 && r->kdcs == ctx->net.kdcs)
            return r;
    }
    return NULL;
}

/* Remember LIST for REALM; a failure only means asking again later. */
static void
located_keep(struct ks_context *ctx, const char *realm,
             const struct ks_kdc_list *list)
{
    struct located_realm *r = calloc(1, sizeof(*r));

    if (r == NULL || (r->realm = strdup(realm)) == NULL ||
        list_copy(list, &r->list) != 0) {
        located_free(r);
        return;
    }
    r->kdcs = ctx->net.kdcs;
    r->next = ctx->located;
    ctx->located = r;
    ctx->located_free = located_free;
}

krb5_error_code
ks_locate_kdcs(struct ks_context *ctx, const char *realm,
               struct ks_kdc_list *list_out)
{
    struct ks_kdc_list list = { 0 };
    const struct located_realm *known = located_find(ctx, realm);
    krb5_error_code ret;

    if (known != NULL)
        return list_copy(&known->list, list_out);
    if (ctx->net.kdcs != NULL && ctx->net.kdcs[0] != NULL)
        ret = add_cli_kdcs(ctx, realm, &list);
    else
        ret = add_conf_kdcs(ctx, realm, &list);
    if (ret)
        goto cleanup;
    located_keep(ctx, realm, &list);
    *list_out = list;
    memset(&list, 0, sizeof(list));

cleanup:
    ks_kdc_list_free(&list);
    return ret;
}

/* kdc_list: the addresses of a realm's KDCs, and the one place one enters. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/kdc_list.h"

/* Longest krb5.conf entry quoted in a message or trace. */
#define KS_ENTRY_QUOTE_MAX 200

static bool
valid_port(const char *port)
{
    long value = 0;

    if (*port == '\0' || strlen(port) > 5)
        return false;
    for (const char *p = port; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        value = value * 10 + (*p - '0');
    }
    return value >= 1 && value <= 65535;
}

/* A host is anything getaddrinfo may take, but never something that shows
 * the entry was mis-split: brackets, slashes, spaces, control bytes. */
static bool
valid_host(const char *host, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];

        if (c <= 0x20 || c >= 0x7f || strchr("[]/", c) != NULL)
            return false;
    }
    return true;
}

/* Strip a "udp/" or "tcp/" prefix (MIT's syntax) from *S. */
static enum ks_transport_kind
take_transport(const char **s)
{
    if (strncasecmp(*s, "udp/", 4) == 0) {
        *s += 4;
        return KS_TRANSPORT_UDP;
    }
    if (strncasecmp(*s, "tcp/", 4) == 0) {
        *s += 4;
        return KS_TRANSPORT_TCP;
    }
    return KS_TRANSPORT_ANY;
}

/* Find the host part of S and where the port starts (NULL: none). */
static krb5_error_code
split_host(const char *s, const char **host, size_t *hostlen,
           const char **port)
{
    const char *close, *colon;

    *port = NULL;
    if (*s == '[') {
        close = strchr(s, ']');
        if (close == NULL)
            return EINVAL;
        *host = s + 1;
        *hostlen = (size_t)(close - s - 1);
        if (close[1] == ':')
            *port = close + 2;
        else if (close[1] != '\0')
            return EINVAL;
        return 0;
    }
    *host = s;
    colon = strchr(s, ':');
    /* Two colons or more without brackets: a bare IPv6 address, as MIT's
     * k5_parse_host_string takes it, on the default port. */
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        *hostlen = (size_t)(colon - s);
        *port = colon + 1;
    } else {
        *hostlen = strlen(s);
    }
    return 0;
}

krb5_error_code
ks_kdc_list_parse_entry(const char *entry, char **host_out, char **port_out,
                      enum ks_transport_kind *transport_out)
{
    const char *s = entry, *host = NULL, *port = NULL;
    enum ks_transport_kind kind;
    char *h = NULL, *p = NULL;
    size_t hostlen = 0;
    krb5_error_code ret;

    if (entry == NULL)
        return EINVAL;
    kind = take_transport(&s);
    ret = split_host(s, &host, &hostlen, &port);
    if (ret)
        return ret;
    if (!valid_host(host, hostlen) || (port != NULL && !valid_port(port)))
        return EINVAL;
    h = strndup(host, hostlen);
    p = strdup(port != NULL ? port : KS_KDC_DEFAULT_PORT);
    if (h == NULL || p == NULL) {
        free(h);
        free(p);
        return ENOMEM;
    }
    *host_out = h;
    *port_out = p;
    *transport_out = kind;
    return 0;
}

void
ks_kdc_list_free(struct ks_kdc_list *list)
{
    if (list == NULL)
        return;
    free(list->addrs);
    list->addrs = NULL;
    list->count = 0;
}

static bool
list_has(const struct ks_kdc_list *list, const struct addrinfo *ai,
         enum ks_transport_kind kind)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct ks_kdc_addr *a = &list->addrs[i];

        if (a->transport == kind && a->addrlen == ai->ai_addrlen &&
            memcmp(&a->addr, ai->ai_addr, ai->ai_addrlen) == 0)
            return true;
    }
    return false;
}

/* "127.0.0.1:88" or "[::1]:88" into NAME. */
static void
addr_name(const struct sockaddr *sa, socklen_t len, char *name, size_t size)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];

    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(name, size, "(unprintable address)");
        return;
    }
    snprintf(name, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
             host, serv);
}

static krb5_error_code
list_append(struct ks_kdc_list *list, const struct addrinfo *ai,
            enum ks_transport_kind kind, const char *host,
            const char *source)
{
    struct ks_kdc_addr *grown, *a;

    if (ai->ai_addrlen > sizeof(a->addr))
        return 0;
    grown = realloc(list->addrs, (list->count + 1) * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    list->addrs = grown;
    a = &list->addrs[list->count++];
    memset(a, 0, sizeof(*a));
    memcpy(&a->addr, ai->ai_addr, ai->ai_addrlen);
    a->addrlen = ai->ai_addrlen;
    a->transport = kind;
    addr_name(ai->ai_addr, ai->ai_addrlen, a->name, sizeof(a->name));
    snprintf(a->host, sizeof(a->host), "%s", host);
    snprintf(a->source, sizeof(a->source), "%s", source);
    return 0;
}

krb5_error_code
ks_kdc_list_add_host(struct ks_context *ctx, struct ks_kdc_list *list,
                   const char *host, const char *port,
                   enum ks_transport_kind transport, const char *source)
{
    struct addrinfo hints = { 0 }, *res = NULL;
    krb5_error_code ret = 0;
    int gai;

    /* One result per address: the socket type is chosen when sending. */
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        ks_trace(ctx->trace, "locate", 0, "unresolved",
                 "skipping %s: %s does not resolve (%s)", source, host,
                 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return gai == EAI_MEMORY ? ENOMEM : KRB5_KDC_UNREACH;
    }
    for (struct addrinfo *ai = res; ai != NULL && ret == 0;
         ai = ai->ai_next) {
        if (list_has(list, ai, transport))
            continue;
        ret = list_append(list, ai, transport, host, source);
        if (ret == 0)
            ks_trace(ctx->trace, "locate", 0, "kdc", "KDC %s (%s) from %s",
                     list->addrs[list->count - 1].name,
                     ks_transport_name(transport), source);
    }
    freeaddrinfo(res);
    return ret;
}


/*
 * kdc_list: the addresses of a realm's KDCs, each with the transports its
 * entry allows.  ks_kdc_list_add_host is the one place an address enters a
 * list; locate and locate_dns fill lists, transport sends over them.
 */
#ifndef KS_KDC_LIST_H
#define KS_KDC_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <krb5.h>
#include "core/context.h"

#define KS_KDC_DEFAULT_PORT "88"

/* One address of one KDC, and which transports its entry allows. */
struct ks_kdc_addr {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    enum ks_transport_kind transport;
    char name[96];          /* "127.0.0.1:8800" or "[::1]:88", for messages */
    char source[160];       /* where it came from: "kdc = ...", "--kdc ...",
                             * a DNS record (kstep doctor shows it) */
    char host[256];         /* the host as configured, for MIT's trace */
};

struct ks_kdc_list {
    struct ks_kdc_addr *addrs;
    size_t count;
};

/* Free the addresses of LIST and empty it.  Accepts NULL and empty lists. */
void ks_kdc_list_free(struct ks_kdc_list *list);

/*
 * Resolve HOST and PORT (numeric addresses need no DNS) and append each
 * address to LIST, allowed TRANSPORT, skipping addresses already there
 * with the same transport.  Traces each address under stage "locate",
 * naming SOURCE (for example "kdc = 127.0.0.1:8800").  Returns 0, ENOMEM,
 * or KRB5_KDC_UNREACH when HOST does not resolve (no message set: the
 * caller decides whether that is fatal).
 */
krb5_error_code ks_kdc_list_add_host(struct ks_context *ctx,
                                   struct ks_kdc_list *list, const char *host,
                                   const char *port,
                                   enum ks_transport_kind transport,
                                   const char *source);

/*
 * Parse one "kdc" value into host, port and transport, MIT's syntax:
 * "host", "host:port", "[v6addr]", "[v6addr]:port", a bare "v6addr" (more
 * than one colon, default port), each optionally prefixed with "udp/" or
 * "tcp/" (any case) to allow only that transport.  The port defaults to
 * KS_KDC_DEFAULT_PORT and must be 1..65535.  HOST and PORT are malloc'ed
 * and set only on success.  Returns EINVAL for a malformed entry (empty
 * host, bad port, unbalanced brackets, spaces, URLs), ENOMEM.
 */
krb5_error_code ks_kdc_list_parse_entry(const char *entry, char **host_out,
                                      char **port_out,
                                      enum ks_transport_kind *transport_out);

#endif /* KS_KDC_LIST_H */

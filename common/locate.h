/*
 * locate: the KDCs of a realm, in order.  Today from krb5.conf ([realms]
 * REALM kdc = host[:port], "udp/" or "tcp/" prefixes, [v6addr]:port); DNS
 * SRV discovery will add entries through the same list (ks_locate_add_host
 * is the one place an address enters a list).
 */
#ifndef KS_LOCATE_H
#define KS_LOCATE_H

#include <stddef.h>
#include <sys/socket.h>
#include <krb5.h>
#include "context.h"

#define KS_KDC_DEFAULT_PORT "88"

/* One address of one KDC, and which transports its entry allows. */
struct ks_kdc_addr {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    enum ks_transport_kind transport;
    char name[96];          /* "127.0.0.1:8800" or "[::1]:88", for messages */
};

struct ks_kdc_list {
    struct ks_kdc_addr *addrs;
    size_t count;
};

/*
 * Find and resolve the KDCs of REALM.  Entries that do not resolve are
 * skipped (traced); if none is left the result is KRB5_KDC_UNREACH, and if
 * the realm names no KDC at all KRB5_REALM_UNKNOWN, each with a message.
 * Free the list with ks_kdc_list_free().
 */
krb5_error_code ks_locate_kdcs(struct ks_context *ctx, const char *realm,
                               struct ks_kdc_list *list_out);

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
krb5_error_code ks_locate_add_host(struct ks_context *ctx,
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
krb5_error_code ks_locate_parse_entry(const char *entry, char **host_out,
                                      char **port_out,
                                      enum ks_transport_kind *transport_out);

#endif /* KS_LOCATE_H */

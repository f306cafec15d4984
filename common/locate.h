/*
 * locate: the KDCs of a realm, in order.  Today from krb5.conf ([realms]
 * REALM kdc = host[:port], "udp/" or "tcp/" prefixes, [v6addr]:port); DNS
 * SRV discovery will add entries through the same list.
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

void ks_kdc_list_free(struct ks_kdc_list *list);

/*
 * Parse one "kdc" value into host, port and transport.  HOST and PORT are
 * malloc'ed.  Returns EINVAL for a malformed entry.
 */
krb5_error_code ks_locate_parse_entry(const char *entry, char **host_out,
                                      char **port_out,
                                      enum ks_transport_kind *transport_out);

#endif /* KS_LOCATE_H */

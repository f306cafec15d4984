/*
 * locate: the KDCs of a realm, in order.  From the first of:
 *   - the run's --kdc entries (ctx->net.kdcs), for every realm;
 *   - krb5.conf ([realms] REALM kdc = host[:port], "udp/" or "tcp/"
 *     prefixes, [v6addr]:port);
 *   - DNS, when krb5.conf names no kdc for the realm and dns_lookup_kdc
 *     (default true) allows it: URI records _kerberos.REALM. first when
 *     dns_uri_lookup (default true) allows it, else SRV records
 *     _kerberos._udp.REALM. and _kerberos._tcp.REALM. (locate_dns.c).
 */
#ifndef KS_LOCATE_H
#define KS_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <krb5.h>
#include "core/context.h"
#include "wire/kdc_list.h"

/*
 * Find and resolve the KDCs of REALM.  Entries that do not resolve are
 * skipped (traced); if none is left the result is KRB5_KDC_UNREACH, and if
 * the realm names no KDC at all KRB5_REALM_UNKNOWN, each with a message.
 * Free the list with ks_kdc_list_free().
 */
krb5_error_code ks_locate_kdcs(struct ks_context *ctx, const char *realm,
                               struct ks_kdc_list *list_out);

#endif /* KS_LOCATE_H */

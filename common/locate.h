/*
 * locate: the KDCs of a realm, in order.  From the first of:
 *   - the run's --kdc entries (ctx->net.kdcs), for every realm;
 *   - krb5.conf ([realms] REALM kdc = host[:port], "udp/" or "tcp/"
 *     prefixes, [v6addr]:port);
 *   - DNS, when krb5.conf names no kdc for the realm and dns_lookup_kdc
 *     (default true) allows it: URI records _kerberos.REALM. first when
 *     dns_uri_lookup (default true) allows it, else SRV records
 *     _kerberos._udp.REALM. and _kerberos._tcp.REALM. (locate_dns.c).
 * ks_locate_add_host is the one place an address enters a list.
 */
#ifndef KS_LOCATE_H
#define KS_LOCATE_H

#include <stdbool.h>
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

/* ---- DNS (locate_dns.c) ---------------------------------------------- */

#define KS_DNS_T_SRV 33
#define KS_DNS_T_URI 256
/* Records kept from one answer; more are ignored (traced). */
#define KS_DNS_MAX_TARGETS 64

/* One SRV or URI record that names a KDC. */
struct ks_dns_target {
    char *host;                     /* SRV: "kdc.example.org." (absolute);
                                     * URI: as written; "" for SRV's "." */
    char *port;                     /* "88" */
    unsigned int priority, weight;
    enum ks_transport_kind transport;
};

struct ks_dns_targets {
    struct ks_dns_target *t;
    size_t count;
};

/*
 * Whether [libdefaults] dns_lookup_kdc (or, unset, dns_fallback) allows
 * DNS; MIT's default is true.  Its booleans: y, yes, true, t, 1, on.
 */
bool ks_locate_dns_enabled(struct ks_context *ctx);

/*
 * Append the KDCs DNS names for REALM to LIST: the URI records when
 * dns_uri_lookup allows them and any is usable, else the SRV records for
 * UDP then TCP, each set in RFC 2782 order, each target resolved with
 * ks_locate_add_host.  Every query and record is traced under "locate".
 * The resolver waits at most 2 s a try, 2 tries a name server, and a query
 * the name servers do not answer ends the lookup.  Returns 0 when it
 * added at least one address; else, with a message saying why, and LIST
 * as it was: KRB5_ERR_NO_SERVICE when DNS says the realm has no KDC (an
 * SRV target of "." and no usable record), KRB5_REALM_UNKNOWN when there
 * was no usable record or no answer; or ENOMEM.
 */
krb5_error_code ks_locate_dns(struct ks_context *ctx, const char *realm,
                              struct ks_kdc_list *list);

/*
 * Parse the records of TYPE (KS_DNS_T_SRV or KS_DNS_T_URI) in the answer
 * section of the DNS message ANSWER (LEN bytes).  An SRV record gives a
 * target with TRANSPORT; a URI record is kept only when it reads
 * "krb5srv:FLAGS:udp|tcp:HOST[:PORT]" (case-insensitive scheme and
 * transport; kkdcp and other schemes are skipped).  Records of other types
 * (a CNAME on the way) are skipped; a record that runs past its data or
 * past the message makes the whole answer malformed.  Keeps at most
 * KS_DNS_MAX_TARGETS, in answer order.  Returns 0 (possibly no targets),
 * EINVAL for a malformed message, ENOMEM.  *targets_out is set only on
 * success; free it with ks_dns_targets_free().
 */
krb5_error_code ks_dns_parse_answer(const unsigned char *answer, size_t len,
                                    int type,
                                    enum ks_transport_kind transport,
                                    struct ks_dns_targets *targets_out);

/*
 * Order TARGETS as RFC 2782 says: by priority, lowest first; within one
 * priority, by a weighted random draw (weight 0 rarely first).  PICK(N,
 * ARG) returns a number from 0 to N inclusive; NULL means a uniform
 * random one.
 */
void ks_dns_targets_order(struct ks_dns_targets *targets,
                          unsigned long (*pick)(unsigned long n, void *arg),
                          void *arg);

/* Free what TARGETS holds and empty it.  Accepts NULL. */
void ks_dns_targets_free(struct ks_dns_targets *targets);

#endif /* KS_LOCATE_H */

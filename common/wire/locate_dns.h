/*
 * locate_dns: the KDCs DNS names for a realm: URI records, then SRV records,
 * in RFC 2782 order.  Used by locate when krb5.conf names no KDC.
 */
#ifndef KS_LOCATE_DNS_H
#define KS_LOCATE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"
#include "wire/kdc_list.h"

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
 * ks_kdc_list_add_host.  Every query and record is traced under "locate".
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

#endif /* KS_LOCATE_DNS_H */

/*
 * transport: send a message to a realm's KDCs and take the first reply.
 *
 * UDP (connected socket per KDC) or TCP with the 4-byte length prefix
 * (high bit reserved, replies capped at KS_TCP_MAX_REPLY).  Requests larger
 * than udp_preference_limit go over TCP first; a KRB_ERR_RESPONSE_TOO_BIG
 * over UDP makes the same request go over TCP, once.  KDCs are tried in
 * order with a per-try wait, over several passes, and the whole request is
 * bounded by the context's request timeout.  Everything runs on poll(), so
 * several requests can be in flight at once (ks_transport_send_many).
 */
#ifndef KS_TRANSPORT_H
#define KS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"
#include "wire/locate.h"

#define KS_TCP_MAX_REPLY (1024 * 1024)
#define KS_UDP_MAX_REPLY 65536

/* What happened to one request, for traces and messages. */
struct ks_send_result {
    char kdc[96];                   /* the KDC that answered */
    enum ks_transport_kind used;    /* UDP or TCP */
    double rtt_ms;                  /* from the last send to the reply */
    unsigned int tries;             /* datagrams and connections made */
};

/* One request of a batch. */
struct ks_send_job {
    const krb5_data *request;       /* in */
    bool primary;                   /* in: the KDCs are the realm's
                                     * primaries (for MIT's trace lines) */
    /* out: malloc'ed, free with krb5_free_data_contents() */
    krb5_data reply;
    krb5_error_code code;           /* out: 0 or why this request failed */
    struct ks_send_result result;   /* out */
};

/*
 * Send REQUEST to the KDCs of REALM and return the first reply that is a
 * complete message a KDC sends (first byte 0x6b AS-REP, 0x6d TGS-REP or
 * 0x7e KRB-ERROR; the caller decodes it).
 *
 * A reply that is not one, a KRB-ERROR that does not decode,
 * KDC_ERR_SVC_UNAVAILABLE, a refused port and a broken TCP frame count as
 * that KDC failing over that transport: we move on to the next at once
 * (stricter than MIT, which gives up on the first undecodable datagram).
 * KRB_ERR_RESPONSE_TOO_BIG over UDP sends the same request over TCP to that
 * KDC, once; over TCP it is returned as is.  Other KRB-ERRORs are returned
 * as is, for the caller.
 *
 * STAGE and STEP label the trace lines ("AS send", 0 / "6/8 send", 6).
 * On failure returns KRB5_KDC_UNREACH (with a message naming the KDCs
 * tried, over which transports, why when known, and the time spent),
 * KRB5_REALM_UNKNOWN, or ENOMEM; reply_out is then untouched.
 * result_out may be NULL.
 */
krb5_error_code ks_transport_send(struct ks_context *ctx, const char *realm,
                                  const krb5_data *request,
                                  const char *stage, int step,
                                  krb5_data *reply_out,
                                  struct ks_send_result *result_out);

/*
 * Send N requests to REALM's KDCs with at most MAX_IN_FLIGHT outstanding at
 * once (0 is taken as 1).  Each job gets its own code and reply (reply set
 * only when code is 0); each request has its own time bound, counted from
 * its start.  The context's message holds the last failing job's message.
 * Returns 0 when every job was attempted (look at each job's code), or an
 * error that stopped them all (KRB5_REALM_UNKNOWN, ENOMEM, a poll() error),
 * which is then also each unfinished job's code.
 */
krb5_error_code ks_transport_send_many(struct ks_context *ctx,
                                       const char *realm,
                                       struct ks_send_job *jobs, size_t n,
                                       size_t max_in_flight,
                                       const char *stage, int step);

/*
 * ks_transport_send_many() to the KDCs of an already located LIST (realm
 * only names them in messages), so a caller that sends several batches
 * locates once.  LIST must hold at least one address (EINVAL otherwise).
 */
krb5_error_code ks_transport_send_kdcs(struct ks_context *ctx,
                                       const char *realm,
                                       const struct ks_kdc_list *list,
                                       struct ks_send_job *jobs, size_t n,
                                       size_t max_in_flight,
                                       const char *stage, int step);

/*
 * Send one kpasswd REQUEST (RFC 3244) to the servers of LIST (common/
 * kpasswd locates them) with the same schedule, bounds and TCP framing as
 * ks_transport_send but TCP first (MIT: a resent datagram is a replay to
 * the server), and return the first reply that is a kpasswd message:
 * its 2-byte length equal to what arrived and version 1 or 0xff80, or a
 * bare KRB-ERROR (handled as a KDC's: RESPONSE_TOO_BIG over UDP goes to
 * TCP).  Failure messages say "kpasswd server" where the others say KDC.
 */
krb5_error_code ks_transport_send_kpasswd(struct ks_context *ctx,
                                          const char *realm,
                                          const struct ks_kdc_list *list,
                                          const krb5_data *request,
                                          const char *stage,
                                          krb5_data *reply_out,
                                          struct ks_send_result *result_out);


#endif /* KS_TRANSPORT_H */

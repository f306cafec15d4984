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

#include <stddef.h>
#include <krb5.h>
#include "context.h"
#include "locate.h"

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
    krb5_data reply;                /* out: malloc'ed, free with krb5_free_data_contents */
    krb5_error_code code;           /* out: 0 or why this request failed */
    struct ks_send_result result;   /* out */
};

/*
 * Send REQUEST to the KDCs of REALM and return the first reply that is a
 * complete message (its first byte is an application tag).  STAGE and STEP
 * label the trace lines ("AS send", 0 / "6/8 send", 6).  On failure returns
 * KRB5_KDC_UNREACH (with a message naming the KDCs tried and the time
 * spent), KRB5_REALM_UNKNOWN, or ENOMEM; reply_out is then untouched.
 * result_out may be NULL.
 */
krb5_error_code ks_transport_send(struct ks_context *ctx, const char *realm,
                                  const krb5_data *request,
                                  const char *stage, int step,
                                  krb5_data *reply_out,
                                  struct ks_send_result *result_out);

/*
 * Send N requests to REALM's KDCs with at most MAX_IN_FLIGHT outstanding at
 * once.  Each job gets its own code and reply.  Returns 0 when every job was
 * attempted (look at each job's code), or an error that stopped them all.
 */
krb5_error_code ks_transport_send_many(struct ks_context *ctx,
                                       const char *realm,
                                       struct ks_send_job *jobs, size_t n,
                                       size_t max_in_flight,
                                       const char *stage, int step);

#endif /* KS_TRANSPORT_H */

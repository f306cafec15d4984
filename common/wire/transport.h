/*
 * transport: send a message to a realm's KDCs and take the first reply.
 *
 * UDP (connected socket per KDC) or TCP with the 4-byte length prefix
 * (high bit reserved, replies capped at KS_TCP_MAX_REPLY).  Requests larger
 * than udp_preference_limit go over TCP first; a KRB_ERR_RESPONSE_TOO_BIG
 * over UDP makes the same request go over TCP, once.  KDCs are tried in
 * order with a per-try wait, over several passes, and the whole request is
 * bounded by the context's request timeout.  Everything runs on poll(), so
 * several requests can be in flight at once (ks_transport_send_many), or
 * streamed through a window with each request made just before it is sent
 * and each reply handed back as soon as it is in (ks_transport_send_stream).
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
    void *user;                     /* ks_transport_send_stream's caller's;
                                     * never touched by the transport */
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
 * A stream of N requests, made and consumed by the caller one at a time,
 * so that the caller's work on one reply overlaps the KDC's on the others
 * and memory is bounded by the window, not by N.
 */
struct ks_send_stream {
    size_t n;                       /* jobs, numbered 0 .. n-1 */
    size_t max_in_flight;           /* the window; 0 is taken as 1 */
    /*
     * Make job I: set JOB->request (and primary, user) on a zeroed JOB.
     * Called in order of I, just before the job is first sent, when a
     * slot of the window is free.  The request is borrowed until done()
     * for I has returned.  A non-zero return settles job I with that code
     * at once (done() is called with it) and the next job takes the slot.
     */
    krb5_error_code (*prepare)(void *arg, size_t i, struct ks_send_job *job);
    /*
     * Job I is over: JOB->code, and when it is 0 JOB->reply and result.
     * Called once per prepared job, as soon as it is over (in no
     * particular order), with its sockets already closed; the callee may
     * move JOB->reply out (setting its data to NULL), or it is freed when
     * done() returns.  The context's message is JOB->code's.  done() must
     * not call the transport.
     */
    void (*done)(void *arg, size_t i, struct ks_send_job *job);
    void *arg;
};

/*
 * Run STREAM against the KDCs of LIST (realm only names them in messages):
 * each job walks the same schedule, checks and time bound as with
 * ks_transport_send_many, and a slot freed by a finished job is given to
 * the next at once.  Returns 0 when every job was prepared and settled, or
 * an error that stopped them all (ENOMEM, a poll() error; EINVAL for an
 * empty LIST): the jobs in flight then get done() with that code, and the
 * jobs never prepared are left to the caller (it knows them: it never saw
 * prepare() for them).
 */
krb5_error_code ks_transport_send_stream(struct ks_context *ctx,
                                         const char *realm,
                                         const struct ks_kdc_list *list,
                                         const struct ks_send_stream *stream,
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

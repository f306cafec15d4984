/*
 * The transport runs every request as a small state machine driven by one
 * poll() loop, so a batch keeps many requests in flight.
 *
 * A request walks a schedule, as MIT's sendto_kdc.c does: pass 0 tries each
 * KDC over its preferred transport, then each over the other one (UDP
 * first, or TCP first for requests larger than udp_preference_limit); later
 * passes resend over UDP only.  After each try we wait KS_TRY_WAIT_MS for an
 * answer before the next one, keeping earlier sockets open for late
 * answers; after a pass we wait KS_FIRST_BACKOFF_MS, doubled each pass.  A
 * KDC that fails outright (refused, broken frame, garbage) moves the
 * schedule on at once.  Nothing outlives the request's deadline.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/krb5_private.h"
#include "core/mit_trace.h"
#include "wire/transport.h"

#define KS_TRY_WAIT_MS 1000
#define KS_FIRST_BACKOFF_MS 2000
#define KS_DEFAULT_PASSES 3
#define KS_MAX_PASSES 8
#define KS_PROTO_SVC_UNAVAILABLE 29
#define KS_PROTO_RESPONSE_TOO_BIG 52
#define KS_TAG_AS_REP 0x6b
#define KS_TAG_TGS_REP 0x6d
#define KS_TAG_KRB_ERROR 0x7e
/* Longest failure message; more KDCs than fit are cut with "...". */
#define KS_UNREACH_MSG_MAX 1024

enum { UDP = 0, TCP = 1 };

enum conn_state {
    CONN_IDLE = 0,      /* never opened */
    CONN_CONNECTING,    /* TCP: waiting for connect() */
    CONN_SENDING,       /* TCP: writing prefix and request */
    CONN_READING,       /* waiting for (the rest of) a reply */
    CONN_FAILED,        /* closed; this KDC is out over this transport */
};

struct conn {
    int fd;
    enum conn_state state;
    bool tried;
    double sent_at;
    unsigned char *out;             /* TCP: length prefix + request */
    size_t out_len, out_off;
    unsigned char lenbuf[4];        /* TCP: the reply's length prefix */
    size_t len_got;
    unsigned char *in;              /* TCP: the reply's body */
    size_t in_len, in_got;
    char reason[96];                /* why it failed, for the message */
};

struct kdc_state {
    struct conn c[2];               /* [UDP], [TCP] */
    bool fallback_done;             /* RESPONSE_TOO_BIG already acted on */
    bool resolved;                  /* MIT's "Resolving hostname" said */
};

struct req {
    struct ks_send_job *job;        /* the slot's */
    size_t index;                   /* the job's number in the stream */
    struct kdc_state *kdcs;
    double start, deadline, next_step;
    int pass, passes;
    size_t pos;
    int prefer;                     /* UDP or TCP */
    bool active, finished;
    bool have_last;
    size_t last_kdc;                /* the latest try, for move-on rules */
    int last_kind;
};

struct conn_ref {
    struct req *req;
    size_t kdc;
    int kind;
};

/* One call of the transport: a stream of jobs through a window of slots. */
struct run {
    struct ks_context *ctx;
    const char *realm, *stage;
    int step;
    const struct ks_kdc_list *list;
    unsigned char *udpbuf;          /* KS_UDP_MAX_REPLY, shared */
    struct pollfd *pfds;
    struct conn_ref *refs;
    size_t cap;
    bool kpasswd;                   /* kpasswd servers, not KDCs */
    const struct ks_send_stream *stream;
    struct req *reqs;               /* the window's slots */
    struct ks_send_job *slot_jobs;  /* the job each slot runs */
    size_t nslots, next;            /* next: the next job to prepare */
};

static const char *const kind_names[2] = { "UDP", "TCP" };

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static enum ks_transport_kind
kind_enum(int kind)
{
    return kind == UDP ? KS_TRANSPORT_UDP : KS_TRANSPORT_TCP;
}

static void
conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->out);
    free(c->in);
    c->out = c->in = NULL;
}

static bool
conn_live(const struct conn *c)
{
    return c->fd >= 0 && c->state != CONN_FAILED;
}

static const char *
kdc_name(struct run *run, size_t kdc)
{
    return run->list->addrs[kdc].name;
}

static const struct sockaddr *
kdc_sa(struct run *run, size_t kdc)
{
    return (const struct sockaddr *)&run->list->addrs[kdc].addr;
}

/* MIT resolves each KDC entry when a request first reaches it and says so;
 * ours were resolved once per run (locate), so the line comes when a
 * request first reaches one of the host's addresses. */
static void
mtrace_resolving(struct run *run, struct req *req, size_t kdc)
{
    const char *host = run->list->addrs[kdc].host;
    char numeric[NI_MAXHOST];

    if (req->kdcs[kdc].resolved || !ks_mit_trace_on(run->ctx))
        return;
    for (size_t i = 0; i < run->list->count; i++) {
        if (i == kdc || (host[0] != '\0' &&
                         strcmp(run->list->addrs[i].host, host) == 0))
            req->kdcs[i].resolved = true;
    }
    if (host[0] == '\0' &&
        getnameinfo(kdc_sa(run, kdc), run->list->addrs[kdc].addrlen,
                    numeric, sizeof(numeric), NULL, 0, NI_NUMERICHOST) == 0)
        host = numeric;
    if (host[0] != '\0')
        KS_MTRACE_SENDTO_KDC_RESOLVING(run->ctx, host);
}

/* ------------------------------------------------------------------ */
/* The schedule                                                        */

static bool
allowed(struct run *run, size_t kdc, int kind)
{
    enum ks_transport_kind entry = run->list->addrs[kdc].transport;
    enum ks_transport_kind forced = run->ctx->net.transport;

    return (entry == KS_TRANSPORT_ANY || entry == kind_enum(kind)) &&
           (forced == KS_TRANSPORT_ANY || forced == kind_enum(kind));
}

/* The try at position POS of pass PASS, if that position holds one that
 * can still be made. */
static bool
try_at(struct run *run, const struct req *req, int pass, size_t pos,
       size_t *kdc, int *kind)
{
    size_t n = run->list->count;
    int want;

    if (pass == 0 && pos < n) {
        *kdc = pos;
        want = allowed(run, pos, req->prefer) ? req->prefer : !req->prefer;
    } else if (pass == 0 && pos < 2 * n) {
        *kdc = pos - n;
        want = !req->prefer;
        /* Only a second transport; a KDC with one was tried above. */
        if (!allowed(run, *kdc, req->prefer))
            return false;
    } else if (pass > 0 && pos < n) {
        *kdc = pos;
        want = UDP;
    } else {
        return false;
    }
    *kind = want;
    return allowed(run, *kdc, want) &&
           req->kdcs[*kdc].c[want].state != CONN_FAILED;
}

static size_t
pass_len(struct run *run, int pass)
{
    return pass == 0 ? 2 * run->list->count : run->list->count;
}

/* Whether any try is left from the current position on. */
static bool
req_has_future(struct run *run, const struct req *req)
{
    size_t kdc;
    int kind;

    for (int pass = req->pass; pass < req->passes; pass++) {
        size_t pos = pass == req->pass ? req->pos : 0;

        for (; pos < pass_len(run, pass); pos++) {
            if (try_at(run, req, pass, pos, &kdc, &kind))
                return true;
        }
    }
    return false;
}

static bool
req_has_live(struct run *run, const struct req *req, bool tcp_only)
{
    for (size_t i = 0; i < run->list->count; i++) {
        if (conn_live(&req->kdcs[i].c[TCP]) ||
            (!tcp_only && conn_live(&req->kdcs[i].c[UDP])))
            return true;
    }
    return false;
}

/* A KDC failed over KIND: go on to the next try now if we were waiting
 * for that one, or for nothing at all. */
static void
req_move_on(struct run *run, struct req *req, size_t kdc, int kind,
            double now)
{
    if ((req->have_last && req->last_kdc == kdc && req->last_kind == kind) ||
        !req_has_live(run, req, false))
        req->next_step = now;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
conn_fail(struct run *run, struct req *req, size_t kdc, int kind,
          const char *fmt, ...)
{
    struct conn *c = &req->kdcs[kdc].c[kind];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
    va_end(ap);
    ks_trace(run->ctx->trace, run->stage, run->step, "failed",
             "%s over %s: %s", kdc_name(run, kdc), kind_names[kind],
             c->reason);
    /* MIT says so whenever it drops a TCP connection, failed or not. */
    if (kind == TCP && c->fd >= 0)
        KS_MTRACE_SENDTO_KDC_TCP_DISCONNECT(run->ctx, kdc_sa(run, kdc));
    conn_close(c);
    c->state = CONN_FAILED;
}

static void
fail_errno(struct run *run, struct req *req, size_t kdc, int kind, int err,
           double now)
{
    if (err == ECONNREFUSED && kind == UDP)
        conn_fail(run, req, kdc, kind, "port unreachable");
    else if (err == ECONNREFUSED)
        conn_fail(run, req, kdc, kind, "connection refused");
    else
        conn_fail(run, req, kdc, kind, "%s", strerror(err));
    req_move_on(run, req, kdc, kind, now);
}

/* ------------------------------------------------------------------ */
/* Starting tries                                                      */

static int
open_socket(struct run *run, size_t kdc, int kind)
{
    const struct ks_kdc_addr *a = &run->list->addrs[kdc];
    int type = kind == UDP ? SOCK_DGRAM : SOCK_STREAM;

    return socket(a->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static void
trace_sent(struct run *run, struct req *req, size_t kdc, int kind)
{
    ks_trace(run->ctx->trace, run->stage, run->step, "sent",
             "%u bytes over %s to %s", req->job->request->length,
             kind_names[kind], kdc_name(run, kdc));
}

static bool
start_udp(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[UDP];
    const krb5_data *msg = req->job->request;
    const struct ks_kdc_addr *a = &run->list->addrs[kdc];

    /* Connected, so the kernel drops datagrams from anyone else and
     * reports ICMP port-unreachable to us. */
    if (c->fd < 0) {
        c->fd = open_socket(run, kdc, UDP);
        if (c->fd < 0 ||
            connect(c->fd, (const struct sockaddr *)&a->addr, a->addrlen)) {
            fail_errno(run, req, kdc, UDP, errno, now);
            return false;
        }
    }
    c->tried = true;
    req->job->result.tries++;
    trace_sent(run, req, kdc, UDP);
    mtrace_resolving(run, req, kdc);
    if (req->pass == 0)
        KS_MTRACE_SENDTO_KDC_UDP_SEND_INITIAL(run->ctx, kdc_sa(run, kdc));
    else
        KS_MTRACE_SENDTO_KDC_UDP_SEND_RETRY(run->ctx, kdc_sa(run, kdc));
    if (send(c->fd, msg->data, msg->length, MSG_NOSIGNAL) < 0) {
        fail_errno(run, req, kdc, UDP, errno, now);
        return false;
    }
    c->state = CONN_READING;
    c->sent_at = now;
    return true;
}

static bool
start_tcp(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[TCP];
    const krb5_data *msg = req->job->request;
    const struct ks_kdc_addr *a = &run->list->addrs[kdc];
    uint32_t len = msg->length;

    if (c->state != CONN_IDLE)
        return false;
    c->tried = true;
    req->job->result.tries++;
    c->out = malloc(4 + (size_t)len);
    if (c->out == NULL) {
        fail_errno(run, req, kdc, TCP, ENOMEM, now);
        return false;
    }
    /* RFC 4120 7.2.2: 4-byte big-endian length, then the message. */
    c->out[0] = (unsigned char)(len >> 24);
    c->out[1] = (unsigned char)(len >> 16);
    c->out[2] = (unsigned char)(len >> 8);
    c->out[3] = (unsigned char)len;
    if (len > 0)
        memcpy(c->out + 4, msg->data, len);
    c->out_len = 4 + (size_t)len;
    c->sent_at = now;
    trace_sent(run, req, kdc, TCP);
    mtrace_resolving(run, req, kdc);
    KS_MTRACE_SENDTO_KDC_TCP_CONNECT(run->ctx, kdc_sa(run, kdc));
    c->fd = open_socket(run, kdc, TCP);
    if (c->fd < 0 ||
        (connect(c->fd, (const struct sockaddr *)&a->addr, a->addrlen) < 0 &&
         errno != EINPROGRESS)) {
        fail_errno(run, req, kdc, TCP, errno, now);
        return false;
    }
    c->state = CONN_CONNECTING;
    return true;
}

static bool
start_try(struct run *run, struct req *req, size_t kdc, int kind, double now)
{
    req->have_last = true;
    req->last_kdc = kdc;
    req->last_kind = kind;
    return kind == UDP ? start_udp(run, req, kdc, now)
                       : start_tcp(run, req, kdc, now);
}

static void
trace_wait_over(struct run *run, struct req *req, double now)
{
    const struct conn *c;
    bool pass_over = req->pos >= pass_len(run, req->pass);

    if (!req->have_last)
        return;
    c = &req->kdcs[req->last_kdc].c[req->last_kind];
    if (conn_live(c))
        ks_trace(run->ctx->trace, run->stage, run->step, "timeout",
                 "no reply from %s over %s after %.0f ms, %s",
                 kdc_name(run, req->last_kdc), kind_names[req->last_kind],
                 now - c->sent_at,
                 pass_over ? "waiting for a late answer"
                           : "trying the next");
    req->have_last = false;
}

/* Make the tries whose time has come.  Bounded: POS only grows, and PASS
 * grows at most PASSES times. */
static void
req_step(struct run *run, struct req *req, double now)
{
    size_t kdc;
    int kind;

    while (!req->finished && now >= req->next_step && now < req->deadline &&
           req->pass < req->passes) {
        trace_wait_over(run, req, now);
        if (req->pos >= pass_len(run, req->pass)) {
            req->next_step = now + (double)(KS_FIRST_BACKOFF_MS << req->pass);
            req->pass++;
            req->pos = 0;
            continue;
        }
        if (try_at(run, req, req->pass, req->pos++, &kdc, &kind) &&
            start_try(run, req, kdc, kind, now))
            req->next_step = now + KS_TRY_WAIT_MS;
    }
}

/* ------------------------------------------------------------------ */
/* Finishing                                                           */

static void
req_close_all(struct run *run, struct req *req)
{
    for (size_t i = 0; i < run->list->count; i++) {
        if (req->kdcs[i].c[TCP].fd >= 0)
            KS_MTRACE_SENDTO_KDC_TCP_DISCONNECT(run->ctx, kdc_sa(run, i));
        conn_close(&req->kdcs[i].c[UDP]);
        conn_close(&req->kdcs[i].c[TCP]);
    }
}

/* Why a try failed; a try that did not fail was never answered. */
static const char *
conn_reason(const struct conn *c)
{
    return c->reason[0] != '\0' ? c->reason : "no reply";
}

/* "127.0.0.1:88 over UDP (port unreachable) and TCP (connection
 * refused)", or "... over UDP and TCP (reason)" when both failed alike. */
static size_t
describe_kdc(struct run *run, const struct kdc_state *k, size_t kdc,
             char *buf, size_t len)
{
    const struct conn *u = &k->c[UDP], *t = &k->c[TCP];
    size_t used;

    if (u->tried && t->tried && strcmp(u->reason, t->reason) == 0) {
        used = (size_t)snprintf(buf, len, "%s over UDP and TCP",
                                kdc_name(run, kdc));
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, " (%s)",
                                     conn_reason(u));
        return used;
    }
    used = (size_t)snprintf(buf, len, "%s over", kdc_name(run, kdc));
    for (int kind = UDP; kind <= TCP && used < len; kind++) {
        const struct conn *c = &k->c[kind];

        if (!c->tried)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 kind == TCP && u->tried ? " and " : " ",
                                 kind_names[kind]);
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, " (%s)",
                                     conn_reason(c));
    }
    return used;
}

static void
req_set_unreach(struct run *run, struct req *req, double now)
{
    char msg[KS_UNREACH_MSG_MAX], one[256];
    size_t used, tried = 0;

    used = (size_t)snprintf(msg, sizeof(msg),
                            "Cannot contact any %s for realm '%s' (tried ",
                            run->kpasswd ? "kpasswd server" : "KDC",
                            run->realm);
    for (size_t i = 0; i < run->list->count; i++) {
        const struct kdc_state *k = &req->kdcs[i];

        if (!k->c[UDP].tried && !k->c[TCP].tried)
            continue;
        describe_kdc(run, k, i, one, sizeof(one));
        if (used + strlen(one) + 40 >= sizeof(msg)) {
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, ", ...");
            break;
        }
        used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s",
                                 tried++ ? ", " : "", one);
    }
    if (tried == 0)
        used += (size_t)snprintf(msg + used, sizeof(msg) - used,
                                 "nothing: no kdc entry allows %s",
                                 ks_transport_name(run->ctx->net.transport));
    if (used < sizeof(msg))
        snprintf(msg + used, sizeof(msg) - used, ", %.1f s)",
                 (now - req->start) / 1000.0);
    krb5_set_error_message(run->ctx->k5, KRB5_KDC_UNREACH, "%s", msg);
}

static void
req_finish(struct run *run, struct req *req, krb5_error_code code)
{
    req->job->code = code;
    req->finished = true;
    req_close_all(run, req);
}

static void
req_give_up(struct run *run, struct req *req, double now)
{
    ks_trace(run->ctx->trace, run->stage, run->step, "gave-up",
             "no usable reply from the %s of %s after %.1f s",
             run->kpasswd ? "kpasswd servers" : "KDCs", run->realm,
             (now - req->start) / 1000.0);
    req_set_unreach(run, req, now);
    req_finish(run, req, KRB5_KDC_UNREACH);
}

/* Give up at the deadline, when nothing is left to wait for, or when the
 * schedule is over and only an established TCP connection (waited on until
 * the deadline, as MIT does) could still answer. */
static void
req_check_done(struct run *run, struct req *req, double now)
{
    bool over = req->pass >= req->passes && now >= req->next_step;

    if (req->finished)
        return;
    if (now >= req->deadline ||
        (!req_has_live(run, req, false) && !req_has_future(run, req)) ||
        (over && !req_has_live(run, req, true)))
        req_give_up(run, req, now);
}

static void
req_succeed(struct run *run, struct req *req, size_t kdc, int kind,
            const unsigned char *data, size_t len, double now)
{
    struct ks_send_result *res = &req->job->result;
    const struct conn *c = &req->kdcs[kdc].c[kind];
    char *copy;

    copy = malloc(len);
    if (copy == NULL) {
        krb5_set_error_message(run->ctx->k5, ENOMEM, "out of memory");
        req_finish(run, req, ENOMEM);
        return;
    }
    memcpy(copy, data, len);
    req->job->reply.magic = KV5M_DATA;
    req->job->reply.data = copy;
    req->job->reply.length = (unsigned int)len;
    snprintf(res->kdc, sizeof(res->kdc), "%s", kdc_name(run, kdc));
    res->used = kind_enum(kind);
    res->rtt_ms = now - c->sent_at;
    ks_trace(run->ctx->trace, run->stage, run->step, "reply",
             "%u bytes over %s to %s ... %zu bytes back in %.1f ms",
             req->job->request->length, kind_names[kind],
             kdc_name(run, kdc), len, res->rtt_ms);
    KS_MTRACE_SENDTO_KDC_RESPONSE(run->ctx, len, kind == TCP,
                                  kdc_sa(run, kdc));
    req_finish(run, req, 0);
    if (!run->kpasswd)
        KS_MTRACE_SENDTO_KDC_PRIMARY(run->ctx, req->job->primary);
}

/* MIT hands a RESPONSE_TOO_BIG back to the exchange, which says so and
 * sends the request again over TCP only; ours does it here, and the MIT
 * trace tells the same story. */
static void
mtrace_too_big(struct run *run, struct req *req, size_t kdc, size_t len)
{
    if (!ks_mit_trace_on(run->ctx))
        return;
    KS_MTRACE_SENDTO_KDC_RESPONSE(run->ctx, len, 0, kdc_sa(run, kdc));
    KS_MTRACE_SENDTO_KDC_PRIMARY(run->ctx, req->job->primary);
    if (run->step == 0) {
        KS_MTRACE_INIT_CREDS_ERROR_REPLY(run->ctx, KRB5KRB_ERR_RESPONSE_TOO_BIG);
        KS_MTRACE_INIT_CREDS_RETRY_TCP(run->ctx);
    } else {
        KS_MTRACE_TKT_CREDS_RESPONSE_CODE(run->ctx,
                                          KRB5KRB_ERR_RESPONSE_TOO_BIG);
        KS_MTRACE_TKT_CREDS_RETRY_TCP(run->ctx);
    }
    KS_MTRACE_SENDTO_KDC(run->ctx, req->job->request->length, run->realm,
                         req->job->primary, true);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

/* The first byte of what a KDC sends: AS-REP, TGS-REP or KRB-ERROR.
 * Anything else (even another application tag) is not an answer. */
static bool
is_kdc_reply(unsigned char b)
{
    return b == KS_TAG_AS_REP || b == KS_TAG_TGS_REP || b == KS_TAG_KRB_ERROR;
}

static void
too_big(struct run *run, struct req *req, size_t kdc, size_t len, double now)
{
    struct kdc_state *k = &req->kdcs[kdc];

    if (k->fallback_done || !allowed(run, kdc, TCP) ||
        k->c[TCP].state == CONN_FAILED) {
        conn_fail(run, req, kdc, UDP, "reply too big for UDP, and TCP %s",
                  allowed(run, kdc, TCP) ? "failed" : "is not allowed");
        req_move_on(run, req, kdc, UDP, now);
        return;
    }
    k->fallback_done = true;
    mtrace_too_big(run, req, kdc, len);
    ks_trace(run->ctx->trace, run->stage, run->step, "tcp-fallback",
             "%s says the reply is too big for UDP "
             "(KRB_ERR_RESPONSE_TOO_BIG): sending again over TCP",
             kdc_name(run, kdc));
    conn_close(&k->c[UDP]);
    k->c[UDP].state = CONN_FAILED;
    snprintf(k->c[UDP].reason, sizeof(k->c[UDP].reason),
             "reply too big for UDP");
    /* An open TCP connection to it already carries the request. */
    if (k->c[TCP].state == CONN_IDLE && start_try(run, req, kdc, TCP, now))
        req->next_step = now + KS_TRY_WAIT_MS;
}

/* A kpasswd reply (RFC 3244): its 2-byte length is what arrived, and its
 * version is 1 or 0xff80.  The caller decodes the rest. */
static void
kpasswd_reply(struct run *run, struct req *req, size_t kdc, int kind,
              const unsigned char *data, size_t len, double now)
{
    unsigned int framed = len >= 6 ? (unsigned int)data[0] << 8 | data[1] : 0;
    unsigned int vno = len >= 6 ? (unsigned int)data[2] << 8 | data[3] : 0;

    if (framed != len || (vno != 0x0001 && vno != 0xff80)) {
        conn_fail(run, req, kdc, kind,
                  "answered with %zu bytes that are not a kpasswd reply",
                  len);
        req_move_on(run, req, kdc, kind, now);
        return;
    }
    req_succeed(run, req, kdc, kind, data, len, now);
}

/* Act on a complete reply from KDC over KIND. */
static void
handle_reply(struct run *run, struct req *req, size_t kdc, int kind,
             const unsigned char *data, size_t len, double now)
{
    krb5_data d = { KV5M_DATA, (unsigned int)len, (char *)data };
    krb5_error *err = NULL;
    krb5_int32 code;

    /* A bare KRB-ERROR from a kpasswd server is handled as a KDC's. */
    if (run->kpasswd && (len == 0 || data[0] != KS_TAG_KRB_ERROR)) {
        kpasswd_reply(run, req, kdc, kind, data, len, now);
        return;
    }
    if (len == 0 || !is_kdc_reply(data[0])) {
        conn_fail(run, req, kdc, kind,
                  "answered with %zu bytes that are not a Kerberos message",
                  len);
        req_move_on(run, req, kdc, kind, now);
        return;
    }
    if (data[0] != KS_TAG_KRB_ERROR) {
        req_succeed(run, req, kdc, kind, data, len, now);
        return;
    }
    if (decode_krb5_error(&d, &err) != 0) {
        conn_fail(run, req, kdc, kind, "answered with a KRB-ERROR of %zu "
                  "bytes that does not decode", len);
        req_move_on(run, req, kdc, kind, now);
        return;
    }
    code = err->error;
    krb5_free_error(run->ctx->k5, err);
    if (code == KS_PROTO_RESPONSE_TOO_BIG && kind == UDP) {
        too_big(run, req, kdc, len, now);
    } else if (code == KS_PROTO_SVC_UNAVAILABLE) {
        conn_fail(run, req, kdc, kind,
                  "service unavailable, KDC_ERR_SVC_UNAVAILABLE");
        req_move_on(run, req, kdc, kind, now);
    } else {
        req_succeed(run, req, kdc, kind, data, len, now);
    }
}

static void
udp_read(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[UDP];
    ssize_t n;

    /* MSG_TRUNC: the datagram's real length, to detect truncation. */
    n = recv(c->fd, run->udpbuf, KS_UDP_MAX_REPLY, MSG_TRUNC);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            fail_errno(run, req, kdc, UDP, errno, now);
        return;
    }
    if ((size_t)n > KS_UDP_MAX_REPLY) {
        conn_fail(run, req, kdc, UDP, "datagram of %zd bytes truncated", n);
        req_move_on(run, req, kdc, UDP, now);
        return;
    }
    handle_reply(run, req, kdc, UDP, run->udpbuf, (size_t)n, now);
}

static void
tcp_take_length(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[TCP];
    uint32_t len = (uint32_t)c->lenbuf[0] << 24 |
                   (uint32_t)c->lenbuf[1] << 16 |
                   (uint32_t)c->lenbuf[2] << 8 | c->lenbuf[3];

    /* RFC 4120 7.2.2: the high bit is reserved and must be zero. */
    if (len & 0x80000000u)
        conn_fail(run, req, kdc, TCP, "reply length 0x%08x has the "
                  "reserved high bit set", (unsigned int)len);
    else if (len > KS_TCP_MAX_REPLY)
        conn_fail(run, req, kdc, TCP, "reply length %u is over the %d-byte "
                  "cap", (unsigned int)len, KS_TCP_MAX_REPLY);
    else if (len == 0)
        conn_fail(run, req, kdc, TCP, "empty reply");
    else if ((c->in = malloc(len)) == NULL)
        conn_fail(run, req, kdc, TCP, "%s", strerror(ENOMEM));
    else {
        c->in_len = len;
        return;
    }
    req_move_on(run, req, kdc, TCP, now);
}

static void
tcp_read(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[TCP];
    ssize_t n;

    if (c->len_got < 4)
        n = recv(c->fd, c->lenbuf + c->len_got, 4 - c->len_got, 0);
    else
        n = recv(c->fd, c->in + c->in_got, c->in_len - c->in_got, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n < 0) {
        fail_errno(run, req, kdc, TCP, errno, now);
        return;
    }
    if (n == 0) {
        conn_fail(run, req, kdc, TCP, "connection closed after %zu of %s "
                  "bytes", c->len_got < 4 ? c->len_got : c->in_got,
                  c->len_got < 4 ? "4 length" : "the reply's");
        req_move_on(run, req, kdc, TCP, now);
        return;
    }
    if (c->len_got < 4) {
        c->len_got += (size_t)n;
        if (c->len_got == 4)
            tcp_take_length(run, req, kdc, now);
        return;
    }
    c->in_got += (size_t)n;
    if (c->in_got == c->in_len)
        handle_reply(run, req, kdc, TCP, c->in, c->in_len, now);
}

static void
tcp_write(struct run *run, struct req *req, size_t kdc, double now)
{
    struct conn *c = &req->kdcs[kdc].c[TCP];
    int err = 0;
    socklen_t errlen = sizeof(err);
    ssize_t n;

    if (c->state == CONN_CONNECTING) {
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
            err = errno;
        if (err) {
            fail_errno(run, req, kdc, TCP, err, now);
            return;
        }
        c->state = CONN_SENDING;
        KS_MTRACE_SENDTO_KDC_TCP_SEND(run->ctx, kdc_sa(run, kdc));
    }
    n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
             MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n < 0) {
        fail_errno(run, req, kdc, TCP, errno, now);
        return;
    }
    c->out_off += (size_t)n;
    if (c->out_off == c->out_len)
        c->state = CONN_READING;
}

/* ------------------------------------------------------------------ */
/* The poll loop                                                       */

static size_t
collect_fds(struct run *run, struct req *reqs, size_t nreqs)
{
    size_t n = 0;

    for (size_t r = 0; r < nreqs; r++) {
        if (!reqs[r].active || reqs[r].finished)
            continue;
        for (size_t k = 0; k < run->list->count; k++) {
            for (int kind = UDP; kind <= TCP; kind++) {
                const struct conn *c = &reqs[r].kdcs[k].c[kind];

                if (!conn_live(c) || n >= run->cap)
                    continue;
                run->pfds[n].fd = c->fd;
                run->pfds[n].events =
                    c->state == CONN_READING ? POLLIN : POLLOUT;
                run->pfds[n].revents = 0;
                run->refs[n] = (struct conn_ref){ &reqs[r], k, kind };
                n++;
            }
        }
    }
    return n;
}

static void
dispatch(struct run *run, size_t nfds, double now)
{
    for (size_t i = 0; i < nfds; i++) {
        struct conn_ref *ref = &run->refs[i];
        struct conn *c = &ref->req->kdcs[ref->kdc].c[ref->kind];

        /* An earlier event may have finished the request or closed this
         * socket. */
        if (run->pfds[i].revents == 0 || ref->req->finished ||
            c->fd != run->pfds[i].fd || !conn_live(c))
            continue;
        if (ref->kind == UDP)
            udp_read(run, ref->req, ref->kdc, now);
        else if (c->state == CONN_READING)
            tcp_read(run, ref->req, ref->kdc, now);
        else
            tcp_write(run, ref->req, ref->kdc, now);
    }
}

/* Milliseconds until the earliest thing any active request waits for. */
static int
poll_timeout(struct req *reqs, size_t nreqs, double now)
{
    double wake = -1;

    for (size_t r = 0; r < nreqs; r++) {
        const struct req *req = &reqs[r];
        double t = req->next_step;

        if (!req->active || req->finished)
            continue;
        if ((req->pass >= req->passes && now >= t) || t > req->deadline)
            t = req->deadline;
        if (wake < 0 || t < wake)
            wake = t;
    }
    if (wake <= now)
        return 0;
    return (int)(wake - now) + 1;
}

static int
req_passes(const struct ks_context *ctx)
{
    if (ctx->net.retries <= 0)
        return KS_DEFAULT_PASSES;
    return ctx->net.retries < KS_MAX_PASSES ? ctx->net.retries
                                            : KS_MAX_PASSES;
}

static int
req_timeout_ms(const struct ks_context *ctx)
{
    if (ctx->net.timeout_ms > 0)
        return ctx->net.timeout_ms;
    if (ctx->config.request_timeout_ms > 0)
        return ctx->config.request_timeout_ms;
    return KS_DEFAULT_REQUEST_TIMEOUT_MS;
}

static int
req_prefer(const struct ks_context *ctx, const krb5_data *request)
{
    int limit = ctx->config.udp_preference_limit;

    if (ctx->net.transport != KS_TRANSPORT_ANY)
        return ctx->net.transport == KS_TRANSPORT_UDP ? UDP : TCP;
    if (limit <= 0)
        limit = KS_DEFAULT_UDP_PREFERENCE_LIMIT;
    if (limit > KS_MAX_UDP_PREFERENCE_LIMIT)
        limit = KS_MAX_UDP_PREFERENCE_LIMIT;
    return request->length > (unsigned int)limit ? TCP : UDP;
}

static krb5_error_code
req_start(struct run *run, struct req *req, struct ks_send_job *job,
          size_t index, double now)
{
    memset(req, 0, sizeof(*req));
    req->kdcs = calloc(run->list->count, sizeof(*req->kdcs));
    if (req->kdcs == NULL)
        return ENOMEM;
    for (size_t k = 0; k < run->list->count; k++)
        req->kdcs[k].c[UDP].fd = req->kdcs[k].c[TCP].fd = -1;
    req->job = job;
    req->index = index;
    req->active = true;
    req->start = req->next_step = now;
    req->deadline = now + req_timeout_ms(run->ctx);
    req->passes = req_passes(run->ctx);
    req->prefer = req_prefer(run->ctx, job->request);
    /* kpasswd: TCP first, as MIT; a resent UDP request is a replay to the
     * server, whose first copy may already have changed the password. */
    if (run->kpasswd && run->ctx->net.transport == KS_TRANSPORT_ANY)
        req->prefer = TCP;
    if (!run->kpasswd)
        KS_MTRACE_SENDTO_KDC(run->ctx, job->request->length, run->realm,
                             job->primary,
                             run->ctx->net.transport == KS_TRANSPORT_TCP);
    return 0;
}

static void
req_release(struct run *run, struct req *req)
{
    if (req->kdcs != NULL)
        req_close_all(run, req);
    free(req->kdcs);
    memset(req, 0, sizeof(*req));
}

/* Hand job I back to the stream's caller, then drop what it left. */
static void
settle(struct run *run, size_t i, struct ks_send_job *job)
{
    run->stream->done(run->stream->arg, i, job);
    krb5_free_data_contents(run->ctx->k5, &job->reply);
    memset(job, 0, sizeof(*job));
}

/* Give every finished request back at once, its slot freed. */
static void
harvest(struct run *run)
{
    for (size_t s = 0; s < run->nslots; s++) {
        struct req *req = &run->reqs[s];
        size_t i = req->index;

        if (!req->active || !req->finished)
            continue;
        req_release(run, req);
        settle(run, i, &run->slot_jobs[s]);
    }
}

/* Prepare the next job for slot S and start it; a job that fails to
 * prepare is settled at once and the next one tried.  Returns ENOMEM if a
 * prepared job could not start (it is settled with that code). */
static krb5_error_code
fill_slot(struct run *run, size_t s, double now)
{
    const struct ks_send_stream *st = run->stream;
    struct ks_send_job *job = &run->slot_jobs[s];
    krb5_error_code ret;
    size_t i;

    while (run->next < st->n) {
        i = run->next++;
        memset(job, 0, sizeof(*job));
        job->reply.magic = KV5M_DATA;
        job->code = st->prepare(st->arg, i, job);
        if (job->code == 0 && job->request == NULL)
            job->code = EINVAL;
        if (job->code != 0) {
            settle(run, i, job);
            continue;
        }
        ret = req_start(run, &run->reqs[s], job, i, now);
        if (ret) {
            req_release(run, &run->reqs[s]);
            job->code = ret;
            settle(run, i, job);
        }
        return ret;
    }
    return 0;
}

static krb5_error_code
fill_slots(struct run *run, double now)
{
    krb5_error_code ret;

    for (size_t s = 0; s < run->nslots && run->next < run->stream->n; s++) {
        if (run->reqs[s].active)
            continue;
        ret = fill_slot(run, s, now);
        if (ret)
            return ret;
    }
    return 0;
}

/* Step every active request; returns how many are still going. */
static size_t
step_all(struct run *run, double now)
{
    size_t active = 0;

    for (size_t s = 0; s < run->nslots; s++) {
        struct req *req = &run->reqs[s];

        if (!req->active || req->finished)
            continue;
        req_step(run, req, now);
        req_check_done(run, req, now);
        if (!req->finished)
            active++;
    }
    return active;
}

/* The loop ends because every request ends by its deadline and the
 * stream has N jobs.  A finished request is handed back, and its slot
 * filled, before the next poll(). */
static krb5_error_code
run_jobs(struct run *run)
{
    size_t active, nfds;
    krb5_error_code ret;
    double now;
    int wait;

    for (;;) {
        now = now_ms();
        ret = fill_slots(run, now);
        if (ret)
            return ret;
        active = step_all(run, now);
        harvest(run);
        if (active == 0 && run->next >= run->stream->n)
            return 0;
        if (active == 0)
            continue;
        nfds = collect_fds(run, run->reqs, run->nslots);
        wait = poll_timeout(run->reqs, run->nslots, now);
        if (poll(run->pfds, nfds, wait) < 0 && errno != EINTR)
            return errno;
        dispatch(run, nfds, now_ms());
        harvest(run);
    }
}

/* An error stopped the run: the jobs in flight end with RET. */
static void
abort_slots(struct run *run, krb5_error_code ret)
{
    for (size_t s = 0; run->reqs != NULL && s < run->nslots; s++) {
        struct req *req = &run->reqs[s];
        size_t i = req->index;

        if (!req->active)
            continue;
        if (!req->finished)
            run->slot_jobs[s].code = ret;
        req_release(run, req);
        settle(run, i, &run->slot_jobs[s]);
    }
}

static krb5_error_code
send_stream(struct ks_context *ctx, const char *realm,
            const struct ks_kdc_list *list, bool kpasswd,
            const struct ks_send_stream *stream, const char *stage, int step)
{
    struct run run = { 0 };
    krb5_error_code ret = ENOMEM;

    if (stream->n == 0)
        return 0;
    if (list == NULL || list->count == 0)
        return EINVAL;
    run.ctx = ctx;
    run.realm = realm;
    run.stage = stage;
    run.step = step;
    run.list = list;
    run.kpasswd = kpasswd;
    run.stream = stream;
    run.nslots = stream->max_in_flight == 0 ? 1 : stream->max_in_flight;
    if (run.nslots > stream->n)
        run.nslots = stream->n;
    run.cap = run.nslots * list->count * 2;
    run.reqs = calloc(run.nslots, sizeof(*run.reqs));
    run.slot_jobs = calloc(run.nslots, sizeof(*run.slot_jobs));
    run.udpbuf = malloc(KS_UDP_MAX_REPLY);
    run.pfds = calloc(run.cap, sizeof(*run.pfds));
    run.refs = calloc(run.cap, sizeof(*run.refs));
    if (run.reqs != NULL && run.slot_jobs != NULL && run.udpbuf != NULL &&
        run.pfds != NULL && run.refs != NULL)
        ret = run_jobs(&run);
    if (ret)
        abort_slots(&run, ret);
    free(run.reqs);
    free(run.slot_jobs);
    free(run.udpbuf);
    free(run.pfds);
    free(run.refs);
    return ret;
}

krb5_error_code
ks_transport_send_stream(struct ks_context *ctx, const char *realm,
                         const struct ks_kdc_list *list,
                         const struct ks_send_stream *stream,
                         const char *stage, int step)
{
    return send_stream(ctx, realm, list, false, stream, stage, step);
}

/* A batch of jobs as a stream: each slot runs a copy of the job's request
 * and its results are copied back. */
static krb5_error_code
array_prepare(void *arg, size_t i, struct ks_send_job *job)
{
    const struct ks_send_job *src = (const struct ks_send_job *)arg + i;

    job->request = src->request;
    job->primary = src->primary;
    return 0;
}

static void
array_done(void *arg, size_t i, struct ks_send_job *job)
{
    struct ks_send_job *dst = (struct ks_send_job *)arg + i;

    dst->code = job->code;
    dst->result = job->result;
    if (job->code == 0) {
        dst->reply = job->reply;
        job->reply.data = NULL;
        job->reply.length = 0;
    }
}

static void
fail_unfinished(struct ks_send_job *jobs, size_t n, krb5_error_code ret)
{
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].reply.data == NULL && jobs[i].code == 0)
            jobs[i].code = ret;
    }
}

static void
jobs_reset(struct ks_send_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i].reply.magic = KV5M_DATA;
        jobs[i].reply.data = NULL;
        jobs[i].reply.length = 0;
        jobs[i].code = 0;
        memset(&jobs[i].result, 0, sizeof(jobs[i].result));
    }
}

static krb5_error_code
send_list(struct ks_context *ctx, const char *realm,
          const struct ks_kdc_list *list, bool kpasswd,
          struct ks_send_job *jobs, size_t n, size_t max_in_flight,
          const char *stage, int step)
{
    struct ks_send_stream stream = { n, max_in_flight, array_prepare,
                                     array_done, jobs };
    krb5_error_code ret;

    jobs_reset(jobs, n);
    ret = send_stream(ctx, realm, list, kpasswd, &stream, stage, step);
    if (ret)
        fail_unfinished(jobs, n, ret);
    return ret;
}

krb5_error_code
ks_transport_send_kdcs(struct ks_context *ctx, const char *realm,
                       const struct ks_kdc_list *list,
                       struct ks_send_job *jobs, size_t n,
                       size_t max_in_flight, const char *stage, int step)
{
    return send_list(ctx, realm, list, false, jobs, n, max_in_flight, stage,
                     step);
}

/* What a one-job send returns: RET (the send's), else the job's code, else
 * the job's reply and result moved out. */
static krb5_error_code
job_outcome(krb5_error_code ret, const struct ks_send_job *job,
            krb5_data *reply_out, struct ks_send_result *result_out)
{
    if (ret == 0)
        ret = job->code;
    if (ret)
        return ret;
    *reply_out = job->reply;
    if (result_out != NULL)
        *result_out = job->result;
    return 0;
}

krb5_error_code
ks_transport_send_kpasswd(struct ks_context *ctx, const char *realm,
                          const struct ks_kdc_list *list,
                          const krb5_data *request, const char *stage,
                          krb5_data *reply_out,
                          struct ks_send_result *result_out)
{
    struct ks_send_job job = { 0 };
    krb5_error_code ret;

    job.request = request;
    ret = send_list(ctx, realm, list, true, &job, 1, 1, stage, 0);
    return job_outcome(ret, &job, reply_out, result_out);
}

krb5_error_code
ks_transport_send_many(struct ks_context *ctx, const char *realm,
                       struct ks_send_job *jobs, size_t n,
                       size_t max_in_flight, const char *stage, int step)
{
    struct ks_kdc_list list = { 0 };
    krb5_error_code ret;

    jobs_reset(jobs, n);
    if (n == 0)
        return 0;
    ret = ks_locate_kdcs(ctx, realm, &list);
    if (ret) {
        fail_unfinished(jobs, n, ret);
        return ret;
    }
    ret = ks_transport_send_kdcs(ctx, realm, &list, jobs, n, max_in_flight,
                                 stage, step);
    ks_kdc_list_free(&list);
    return ret;
}

krb5_error_code
ks_transport_send(struct ks_context *ctx, const char *realm,
                  const krb5_data *request, const char *stage, int step,
                  krb5_data *reply_out, struct ks_send_result *result_out)
{
    struct ks_send_job job = { 0 };
    krb5_error_code ret;

    job.request = request;
    ret = ks_transport_send_many(ctx, realm, &job, 1, 1, stage, step);
    return job_outcome(ret, &job, reply_out, result_out);
}

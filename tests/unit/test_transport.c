/*
 * transport: against fake KDCs on 127.0.0.1 ephemeral ports, each served by
 * a forked child running a short script.  The parent binds the sockets
 * before forking (no race on the port), every child has an alarm() and is
 * always reaped, and every wait in the scripts is bounded by poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/krb5_private.h"
#include "wire/locate.h"
#include "wire/transport.h"
#include "tap.h"

#define CHILD_ALARM_S 10
#define CHILD_WAIT_MS 5000
#define SLACK_MS 400

static char tmpdir[64], conf[128], tracefile[128];

/* ------------------------------------------------------------------ */
/* Helpers for both sides                                              */

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool
wait_readable(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };

    return poll(&p, 1, ms) == 1;
}

static void
write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Read exactly LEN bytes, each wait bounded; false on EOF or timeout. */
static bool
read_full(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n;

        if (!wait_readable(fd, CHILD_WAIT_MS))
            return false;
        n = recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A UDP socket and a TCP listener on the same free port of 127.0.0.1. */
struct fake {
    int udp, tcp;
    int port;
};

static int
bind_on(int type, int port)
{
    struct sockaddr_in sin = { 0 };
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int
bound_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);

    getsockname(fd, (struct sockaddr *)&sin, &len);
    return ntohs(sin.sin_port);
}

static struct fake
fake_open(void)
{
    struct fake f = { -1, -1, 0 };

    for (int i = 0; i < 50 && f.udp < 0; i++) {
        f.tcp = bind_on(SOCK_STREAM, 0);
        if (f.tcp < 0)
            continue;
        f.port = bound_port(f.tcp);
        f.udp = bind_on(SOCK_DGRAM, f.port);
        if (f.udp < 0)
            close(f.tcp);
    }
    if (f.udp < 0 || listen(f.tcp, 8) < 0) {
        printf("Bail out! cannot bind a fake KDC\n");
        exit(1);
    }
    return f;
}

static void
fake_close(struct fake *f)
{
    if (f->udp >= 0)
        close(f->udp);
    if (f->tcp >= 0)
        close(f->tcp);
    f->udp = f->tcp = -1;
}

/* Run SCRIPT(F, ARG) in a child; the parent's copies are closed. */
static pid_t
spawn(int (*script)(struct fake *, const void *), struct fake *f,
      const void *arg)
{
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        alarm(CHILD_ALARM_S);
        _exit(script(f, arg));
    }
    fake_close(f);
    return pid;
}

/* Reap PID; its exit status, or -1 if it had to be killed. */
static int
reap(pid_t pid)
{
    int status = 0;

    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Server scripts (children).  They return their exit status.          */

struct reply_script {
    const char *reply;          /* sent back as is */
    size_t len;
};

/* UDP: answer one datagram. */
static int
udp_answer(struct fake *f, const void *arg)
{
    const struct reply_script *s = arg;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    char buf[2048];
    ssize_t n;

    if (!wait_readable(f->udp, CHILD_WAIT_MS))
        return 2;
    n = recvfrom(f->udp, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
                 &plen);
    if (n <= 0)
        return 3;
    sendto(f->udp, s->reply, s->len, 0, (struct sockaddr *)&peer, plen);
    return 0;
}

/* TCP: accept, read one framed request; returns the connection or -1. */
static int
tcp_take_request(struct fake *f, char *buf, size_t cap, size_t *len_out)
{
    unsigned char prefix[4];
    uint32_t len;
    int c;

    if (!wait_readable(f->tcp, CHILD_WAIT_MS))
        return -1;
    c = accept(f->tcp, NULL, NULL);
    if (c < 0 || !read_full(c, prefix, 4))
        return -1;
    len = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 |
          (uint32_t)prefix[2] << 8 | prefix[3];
    if (len > cap || !read_full(c, buf, len))
        return -1;
    *len_out = len;
    return c;
}

/* TCP: answer with the reply framed, written in small pieces with pauses,
 * so the client sees partial prefixes and bodies. */
static int
tcp_answer_split(struct fake *f, const void *arg)
{
    const struct reply_script *s = arg;
    unsigned char prefix[4];
    char buf[4096];
    size_t len;
    int c = tcp_take_request(f, buf, sizeof(buf), &len);

    if (c < 0)
        return 2;
    put_be32(prefix, (uint32_t)s->len);
    write_all(c, prefix, 1);
    usleep(30000);
    write_all(c, prefix + 1, 3);
    usleep(30000);
    write_all(c, s->reply, s->len / 2);
    usleep(30000);
    write_all(c, s->reply + s->len / 2, s->len - s->len / 2);
    wait_readable(c, CHILD_WAIT_MS);   /* until the client closes */
    close(c);
    return 0;
}

/* TCP: answer with these raw bytes (a bad prefix), then wait for close. */
static int
tcp_answer_raw(struct fake *f, const void *arg)
{
    const struct reply_script *s = arg;
    char buf[4096];
    size_t len;
    int c = tcp_take_request(f, buf, sizeof(buf), &len);

    if (c < 0)
        return 2;
    write_all(c, s->reply, s->len);
    if (s->len < 4)         /* "close before complete" */
        close(c);
    else
        wait_readable(c, CHILD_WAIT_MS);
    if (s->len >= 4)
        close(c);
    return 0;
}

struct too_big_script {
    const krb5_data *too_big;   /* KRB-ERROR 52 */
    const char *reply;          /* the TCP answer */
    size_t len;
};

/* UDP: KRB-ERROR 52; then TCP: the real reply, if the request matches. */
static int
too_big_then_tcp(struct fake *f, const void *arg)
{
    const struct too_big_script *s = arg;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    char udpreq[2048], tcpreq[2048];
    unsigned char prefix[4];
    size_t tcplen;
    ssize_t n;
    int c;

    if (!wait_readable(f->udp, CHILD_WAIT_MS))
        return 2;
    n = recvfrom(f->udp, udpreq, sizeof(udpreq), 0,
                 (struct sockaddr *)&peer, &plen);
    if (n <= 0)
        return 3;
    sendto(f->udp, s->too_big->data, s->too_big->length, 0,
           (struct sockaddr *)&peer, plen);
    c = tcp_take_request(f, tcpreq, sizeof(tcpreq), &tcplen);
    if (c < 0)
        return 4;
    if (tcplen != (size_t)n || memcmp(tcpreq, udpreq, tcplen) != 0)
        return 5;
    put_be32(prefix, (uint32_t)s->len);
    write_all(c, prefix, 4);
    write_all(c, s->reply, s->len);
    wait_readable(c, CHILD_WAIT_MS);
    close(c);
    return 0;
}

/* TCP: accept and reset at once, without reading (SIGPIPE bait). */
static int
tcp_reset(struct fake *f, const void *arg)
{
    struct linger lg = { 1, 0 };
    int c;

    (void)arg;
    if (!wait_readable(f->tcp, CHILD_WAIT_MS))
        return 2;
    c = accept(f->tcp, NULL, NULL);
    if (c < 0)
        return 3;
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(c);
    return 0;
}

#define MANY_JOBS 5
#define MANY_IN_FLIGHT 3

/* UDP: hold requests until MANY_IN_FLIGHT distinct clients wait at once,
 * then answer each ("\x6b" + its request after the first byte), newest
 * first.  Exit status: the most requests seen waiting at once. */
static int
udp_many(struct fake *f, const void *arg)
{
    struct sockaddr_storage peers[MANY_JOBS];
    socklen_t plens[MANY_JOBS];
    char bufs[MANY_JOBS][256];
    ssize_t lens[MANY_JOBS];
    int held = 0, served = 0, most = 0;

    (void)arg;
    while (served < MANY_JOBS) {
        bool more = wait_readable(f->udp, 300);

        if (more && held < MANY_JOBS) {
            plens[held] = sizeof(peers[held]);
            lens[held] = recvfrom(f->udp, bufs[held], sizeof(bufs[held]), 0,
                                  (struct sockaddr *)&peers[held],
                                  &plens[held]);
            if (lens[held] > 0)
                held++;
            most = held > most ? held : most;
        }
        if (held == 0 && !more)
            return 100 + most;
        if (held < MANY_IN_FLIGHT && more && served + held < MANY_JOBS)
            continue;
        while (held > 0) {
            held--;
            bufs[held][0] = 0x6b;
            sendto(f->udp, bufs[held], (size_t)lens[held], 0,
                   (struct sockaddr *)&peers[held], plens[held]);
            served++;
        }
    }
    return most;
}

/* UDP: answer every datagram at once (its first byte made 0x6b) until
 * nothing comes for 500 ms; exits with how many were answered. */
static int
udp_echo(struct fake *f, const void *arg)
{
    char buf[256];
    struct sockaddr_storage peer;
    socklen_t plen;
    ssize_t len;
    int served = 0;

    (void)arg;
    while (wait_readable(f->udp, 500) && served < 200) {
        plen = sizeof(peer);
        len = recvfrom(f->udp, buf, sizeof(buf), 0,
                       (struct sockaddr *)&peer, &plen);
        if (len <= 0)
            continue;
        buf[0] = 0x6b;
        sendto(f->udp, buf, (size_t)len, 0, (struct sockaddr *)&peer, plen);
        served++;
    }
    return served;
}

/* ------------------------------------------------------------------ */
/* Client side                                                         */

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static struct ks_context *
new_ctx(void)
{
    struct ks_context *ctx = NULL;
    struct ks_trace *trace = NULL;
    char *msg = NULL;

    if (ks_context_new("test_transport", &ctx, &msg) != 0) {
        printf("Bail out! ks_context_new: %s\n", msg ? msg : "?");
        exit(1);
    }
    unlink(tracefile);
    if (ks_trace_open(tracefile, KS_TRACE_TEXT, "test_transport", false,
                      &trace) != 0) {
        printf("Bail out! cannot open %s\n", tracefile);
        exit(1);
    }
    ks_context_set_trace(ctx, trace);
    return ctx;
}

static bool
trace_has(const char *want)
{
    char buf[16384];
    FILE *f = fopen(tracefile, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    if (strstr(buf, want) != NULL)
        return true;
    printf("#   trace has no '%s':\n", want);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        printf("#     %s\n", line);
    return false;
}

static bool
message_has(struct ks_context *ctx, krb5_error_code code, const char *want)
{
    const char *msg = ks_context_message(ctx, code);
    bool found = strstr(msg, want) != NULL;

    if (!found)
        printf("#   message: %s\n#   wanted: %s\n", msg, want);
    ks_context_free_message(ctx, msg);
    return found;
}

static void
list_add(struct ks_context *ctx, struct ks_kdc_list *list, int port,
         enum ks_transport_kind kind)
{
    char p[16];

    snprintf(p, sizeof(p), "%d", port);
    if (ks_kdc_list_add_host(ctx, list, "127.0.0.1", p, kind, "test") != 0) {
        printf("Bail out! cannot add 127.0.0.1:%d\n", port);
        exit(1);
    }
}

/* One request, one job, to LIST; returns the code, fills JOB. */
static krb5_error_code
send_one(struct ks_context *ctx, const struct ks_kdc_list *list,
         const char *req, size_t len, struct ks_send_job *job)
{
    static krb5_data request;
    krb5_error_code ret;

    request.magic = KV5M_DATA;
    request.data = (char *)req;
    request.length = (unsigned int)len;
    memset(job, 0, sizeof(*job));
    job->request = &request;
    ret = ks_transport_send_kdcs(ctx, "FAKE.REALM", list, job, 1, 1,
                                 "test send", 0);
    return ret ? ret : job->code;
}

static bool
reply_is(const struct ks_send_job *job, const char *want, size_t len)
{
    return job->code == 0 && job->reply.length == len &&
           memcmp(job->reply.data, want, len) == 0;
}

static krb5_data *
make_error(struct ks_context *ctx, krb5_int32 code)
{
    krb5_error err = { 0 };
    krb5_data *out = NULL;

    err.magic = KV5M_ERROR;
    err.error = code;
    err.stime = (krb5_timestamp)time(NULL);
    if (krb5_parse_name(ctx->k5, "krbtgt/FAKE.REALM@FAKE.REALM",
                        &err.server) != 0 ||
        encode_krb5_error(&err, &out) != 0) {
        printf("Bail out! cannot encode a KRB-ERROR\n");
        exit(1);
    }
    krb5_free_principal(ctx->k5, err.server);
    return out;
}

static const char request[] = "\x6a fake AS-REQ";
static const char as_rep[] = "\x6b fake AS-REP";

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_udp_reply(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct reply_script s = { as_rep, sizeof(as_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    char want[128];
    int port = f.port;
    pid_t pid;

    list_add(ctx, &list, port, KS_TRANSPORT_ANY);
    pid = spawn(udp_answer, &f, &s);
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "UDP: reply");
    ok(reply_is(&job, as_rep, sizeof(as_rep) - 1), "  reply bytes as sent");
    is_int(job.result.used, KS_TRANSPORT_UDP, "  over UDP");
    is_int(job.result.tries, 1, "  one datagram");
    snprintf(want, sizeof(want), "127.0.0.1:%d", port);
    is_str(job.result.kdc, want, "  names the KDC");
    snprintf(want, sizeof(want),
             "[test send] 13 bytes over UDP to 127.0.0.1:%d ... 13 bytes "
             "back in ", port);
    ok(trace_has(want), "  trace line in the documented format");
    is_int(reap(pid), 0, "  server saw the request");
    krb5_free_data_contents(ctx->k5, &job.reply);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

static void
test_tcp_split(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct reply_script s = { as_rep, sizeof(as_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    ctx->net.transport = KS_TRANSPORT_TCP;
    pid = spawn(tcp_answer_split, &f, &s);
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "TCP forced, reply written in pieces");
    ok(reply_is(&job, as_rep, sizeof(as_rep) - 1), "  reply reassembled");
    is_int(job.result.used, KS_TRANSPORT_TCP, "  over TCP");
    is_int(reap(pid), 0, "  server read a well-framed request");
    krb5_free_data_contents(ctx->k5, &job.reply);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* Larger than udp_preference_limit: TCP first, no datagram at all. */
static void
test_big_request_tcp_first(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct reply_script s = { as_rep, sizeof(as_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    char big[2000];
    pid_t pid;

    memset(big, 'x', sizeof(big));
    big[0] = 0x6c;
    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    pid = spawn(tcp_answer_split, &f, &s);
    is_int(send_one(ctx, &list, big, sizeof(big), &job), 0,
           "2000-byte request");
    is_int(job.result.used, KS_TRANSPORT_TCP, "  went over TCP first");
    is_int(job.result.tries, 1, "  without trying UDP");
    is_int(reap(pid), 0, "  server read all of it");
    krb5_free_data_contents(ctx->k5, &job.reply);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* A "tcp/" entry: even a small request goes over TCP, directly. */
static void
test_tcp_entry(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct reply_script s = { as_rep, sizeof(as_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_TCP);
    pid = spawn(tcp_answer_split, &f, &s);
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "tcp/ entry");
    is_int(job.result.used, KS_TRANSPORT_TCP, "  over TCP");
    is_int(job.result.tries, 1, "  without trying UDP");
    is_int(reap(pid), 0, "  server answered");
    krb5_free_data_contents(ctx->k5, &job.reply);

    /* UDP forced on a TCP-only KDC: nothing to try, said at once. */
    ctx->net.transport = KS_TRANSPORT_UDP;
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job),
           KRB5_KDC_UNREACH, "UDP forced on tcp/ entries: KDC_UNREACH");
    ok(message_has(ctx, KRB5_KDC_UNREACH, "no kdc entry allows UDP"),
       "  says why");
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

static void
test_too_big(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    krb5_data *err52 = make_error(ctx, 52);
    static const char tgs_rep[] = "\x6d reply over TCP";
    struct too_big_script s = { err52, tgs_rep, sizeof(tgs_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    pid = spawn(too_big_then_tcp, &f, &s);
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "RESPONSE_TOO_BIG over UDP");
    ok(reply_is(&job, tgs_rep, sizeof(tgs_rep) - 1), "  TCP reply returned");
    is_int(job.result.used, KS_TRANSPORT_TCP, "  switched to TCP");
    is_int(job.result.tries, 2, "  one datagram, one connection");
    ok(trace_has("says the reply is too big for UDP"), "  traced");
    is_int(reap(pid), 0, "  same request resent over TCP");
    krb5_free_data_contents(ctx->k5, &job.reply);
    krb5_free_data(ctx->k5, err52);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* A KDC that never answers: bounded by the timeout, clear message. */
static void
test_silent(int timeout_ms, const char *transports)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    char want[160];
    double t0, elapsed;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    ctx->net.timeout_ms = timeout_ms;
    t0 = now_ms();
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job),
           KRB5_KDC_UNREACH, "silent KDC, %d ms bound: KDC_UNREACH",
           timeout_ms);
    elapsed = now_ms() - t0;
    ok(elapsed >= timeout_ms - 50 && elapsed < timeout_ms + SLACK_MS,
       "  took %.0f ms (bound %d ms)", elapsed, timeout_ms);
    snprintf(want, sizeof(want),
             "Cannot contact any KDC for realm 'FAKE.REALM' (tried "
             "127.0.0.1:%d over %s (no reply), %.1f s)", f.port, transports,
             timeout_ms / 1000.0);
    ok(message_has(ctx, KRB5_KDC_UNREACH, want), "  message: %s", want);
    ok(job.reply.data == NULL, "  no reply");
    if (timeout_ms > 1000)
        ok(trace_has("no reply from 127.0.0.1:"), "  timeout traced");
    fake_close(&f);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* net.retries passes over UDP to a silent KDC: one datagram a pass, a
 * 2 s back-off after the first, and the end of the schedule (or the
 * bound, whichever comes first) ends the request. */
static void
test_retries(int retries, int timeout_ms, unsigned int want_tries,
             int want_ms)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    double t0, elapsed;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    ctx->net.transport = KS_TRANSPORT_UDP;
    ctx->net.retries = retries;
    ctx->net.timeout_ms = timeout_ms;
    t0 = now_ms();
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job),
           KRB5_KDC_UNREACH, "retries %d, bound %d ms: KDC_UNREACH", retries,
           timeout_ms);
    elapsed = now_ms() - t0;
    is_int(job.result.tries, want_tries, "  %u datagram(s)", want_tries);
    ok(elapsed >= want_ms - 50 && elapsed < want_ms + SLACK_MS,
       "  took %.0f ms (want %d ms)", elapsed, want_ms);
    fake_close(&f);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* TCP replies with a broken frame: that KDC fails at once. */
static void
test_bad_frame(const char *name, const char *bytes, size_t len,
               const char *reason)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct reply_script s = { bytes, len };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    double t0, elapsed;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_TCP);
    ctx->net.timeout_ms = 3000;
    pid = spawn(tcp_answer_raw, &f, &s);
    t0 = now_ms();
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job),
           KRB5_KDC_UNREACH, "%s: KDC_UNREACH", name);
    elapsed = now_ms() - t0;
    ok(elapsed < 500, "  fails fast (%.0f ms)", elapsed);
    ok(message_has(ctx, KRB5_KDC_UNREACH, reason), "  says '%s'", reason);
    reap(pid);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

static void
test_bad_frames(void)
{
    static const char high[] = "\x80\x00\x00\x10 sixteen bytes..";
    static const char huge[] = "\x00\x10\x00\x01";
    static const char half[] = "\x00\x00";
    static const char zero[] = "\x00\x00\x00\x00";
    static const char junk[] = "\x00\x00\x00\x05junk!";

    test_bad_frame("reply length with the high bit", high,
                   sizeof(high) - 1, "reserved high bit set");
    test_bad_frame("reply length over 1 MiB", huge, sizeof(huge) - 1,
                   "over the 1048576-byte cap");
    test_bad_frame("closed inside the length", half, sizeof(half) - 1,
                   "connection closed after 2 of 4 length bytes");
    test_bad_frame("zero length", zero, sizeof(zero) - 1, "empty reply");
    test_bad_frame("not Kerberos", junk, sizeof(junk) - 1,
                   "5 bytes that are not a Kerberos message");
}

static void
test_refused(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    double t0, elapsed;
    int port = f.port;
    char want[160];

    fake_close(&f);     /* nobody listens there any more */
    list_add(ctx, &list, port, KS_TRANSPORT_ANY);
    ctx->net.timeout_ms = 5000;
    t0 = now_ms();
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job),
           KRB5_KDC_UNREACH, "refused port: KDC_UNREACH");
    elapsed = now_ms() - t0;
    ok(elapsed < 500, "  fails fast (%.0f ms)", elapsed);
    snprintf(want, sizeof(want), "tried 127.0.0.1:%d over UDP (port "
             "unreachable) and TCP (connection refused), 0.", port);
    ok(message_has(ctx, KRB5_KDC_UNREACH, want), "  message: %s", want);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* Reset by the peer while we write a big request: no SIGPIPE. */
static void
test_no_sigpipe(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    size_t len = 4 * 1024 * 1024;
    char *big = calloc(1, len);
    pid_t pid;

    big[0] = 0x6c;
    list_add(ctx, &list, f.port, KS_TRANSPORT_TCP);
    ctx->net.timeout_ms = 3000;
    pid = spawn(tcp_reset, &f, NULL);
    is_int(send_one(ctx, &list, big, len, &job), KRB5_KDC_UNREACH,
           "connection reset while sending 4 MiB: KDC_UNREACH, alive");
    reap(pid);
    free(big);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* The first KDC fails at once (REPLY from SCRIPT); the second answers. */
static void
test_next_kdc(const char *name, const char *bad, size_t badlen,
              double max_ms)
{
    struct ks_context *ctx = new_ctx();
    struct fake f1 = fake_open(), f2 = fake_open();
    struct reply_script s1 = { bad, badlen };
    struct reply_script s2 = { as_rep, sizeof(as_rep) - 1 };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    char want[32];
    int port2 = f2.port;
    double t0, elapsed;
    pid_t p1 = -1, p2;

    list_add(ctx, &list, f1.port, KS_TRANSPORT_ANY);
    list_add(ctx, &list, f2.port, KS_TRANSPORT_ANY);
    if (bad != NULL)
        p1 = spawn(udp_answer, &f1, &s1);
    p2 = spawn(udp_answer, &f2, &s2);
    t0 = now_ms();
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "%s, then a good KDC", name);
    elapsed = now_ms() - t0;
    snprintf(want, sizeof(want), "127.0.0.1:%d", port2);
    is_str(job.result.kdc, want, "  the second KDC answered");
    ok(elapsed < max_ms && (bad != NULL || elapsed >= 950),
       "  after %.0f ms", elapsed);
    if (p1 > 0)
        reap(p1);
    reap(p2);
    fake_close(&f1);
    krb5_free_data_contents(ctx->k5, &job.reply);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

static void
test_next_kdcs(void)
{
    struct ks_context *ctx = new_ctx();
    krb5_data *err29 = make_error(ctx, 29);
    static const char garbage[] = "fakekdc: this is not Kerberos";

    test_next_kdc("garbage", garbage, sizeof(garbage) - 1, 500);
    test_next_kdc("KDC_ERR_SVC_UNAVAILABLE", err29->data, err29->length,
                  500);
    test_next_kdc("a silent KDC (1 s per try)", NULL, 0, 2000);
    krb5_free_data(ctx->k5, err29);
    ks_context_free(ctx);
}

/* Other KRB-ERRORs are the caller's business. */
static void
test_error_returned(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    krb5_data *err6 = make_error(ctx, 6);
    struct reply_script s = { err6->data, err6->length };
    struct ks_kdc_list list = { 0 };
    struct ks_send_job job;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    pid = spawn(udp_answer, &f, &s);
    is_int(send_one(ctx, &list, request, sizeof(request) - 1, &job), 0,
           "KRB-ERROR 6 is a reply");
    ok(job.reply.length == err6->length &&
       memcmp(job.reply.data, err6->data, err6->length) == 0,
       "  returned as is");
    reap(pid);
    krb5_free_data_contents(ctx->k5, &job.reply);
    krb5_free_data(ctx->k5, err6);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

static void
test_many(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct ks_send_job jobs[MANY_JOBS];
    krb5_data reqs[MANY_JOBS];
    char texts[MANY_JOBS][32];
    int good = 0;
    pid_t pid;

    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    ctx->net.timeout_ms = 4000;
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < MANY_JOBS; i++) {
        snprintf(texts[i], sizeof(texts[i]), "\x6c request number %d", i);
        reqs[i].magic = KV5M_DATA;
        reqs[i].data = texts[i];
        reqs[i].length = (unsigned int)strlen(texts[i]);
        jobs[i].request = &reqs[i];
    }
    pid = spawn(udp_many, &f, NULL);
    is_int(ks_transport_send_kdcs(ctx, "FAKE.REALM", &list, jobs, MANY_JOBS,
                                  MANY_IN_FLIGHT, "test send", 0),
           0, "send_many: %d jobs, %d in flight", MANY_JOBS, MANY_IN_FLIGHT);
    for (int i = 0; i < MANY_JOBS; i++) {
        texts[i][0] = 0x6b;
        if (jobs[i].code == 0 && jobs[i].reply.length == reqs[i].length &&
            memcmp(jobs[i].reply.data, texts[i], reqs[i].length) == 0)
            good++;
        krb5_free_data_contents(ctx->k5, &jobs[i].reply);
    }
    is_int(good, MANY_JOBS, "  each job got its own reply");
    is_int(reap(pid), MANY_IN_FLIGHT, "  %d requests were in flight at once",
           MANY_IN_FLIGHT);
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

#define STREAM_JOBS 8
#define STREAM_WINDOW 3
#define STREAM_BAD 5            /* the job whose prepare() fails */

/* What the stream's callbacks saw. */
struct stream_log {
    struct ks_context *ctx;
    krb5_data reqs[STREAM_JOBS];
    char texts[STREAM_JOBS][32];
    int prepared[STREAM_JOBS], done[STREAM_JOBS];
    krb5_error_code codes[STREAM_JOBS];
    bool good[STREAM_JOBS];
    size_t order_ok, outstanding, most;
    size_t dones_before_3rd_refill;
    int ndone;
};

static krb5_error_code
log_prepare(void *arg, size_t i, struct ks_send_job *job)
{
    struct stream_log *l = arg;

    if (i < STREAM_JOBS && l->prepared[i]++ == 0 && i == l->order_ok)
        l->order_ok++;
    if (i == STREAM_WINDOW)
        l->dones_before_3rd_refill = (size_t)l->ndone;
    if (i == STREAM_BAD)
        return KRB5_BAD_ENCTYPE;
    l->outstanding++;
    l->most = l->outstanding > l->most ? l->outstanding : l->most;
    job->request = &l->reqs[i];
    job->user = &l->texts[i];
    return 0;
}

static void
log_done(void *arg, size_t i, struct ks_send_job *job)
{
    struct stream_log *l = arg;
    char *want = job->user;

    if (i >= STREAM_JOBS)
        return;
    l->done[i]++;
    l->ndone++;
    l->codes[i] = job->code;
    if (i == STREAM_BAD)
        return;
    l->outstanding--;
    want[0] = 0x6b;
    l->good[i] = job->code == 0 && job->reply.length == strlen(want) &&
                 memcmp(job->reply.data, want, job->reply.length) == 0;
    /* Take every other reply: the transport must not free it then. */
    if (i % 2 == 0) {
        krb5_free_data_contents(l->ctx->k5, &job->reply);
        job->reply.data = NULL;
    }
}

static void
test_stream(void)
{
    struct ks_context *ctx = new_ctx();
    struct fake f = fake_open();
    struct ks_kdc_list list = { 0 };
    struct stream_log l;
    struct ks_send_stream st = { STREAM_JOBS, STREAM_WINDOW, log_prepare,
                                 log_done, &l };
    int once = 0, good = 0;
    pid_t pid;

    memset(&l, 0, sizeof(l));
    l.ctx = ctx;
    for (int i = 0; i < STREAM_JOBS; i++) {
        snprintf(l.texts[i], sizeof(l.texts[i]), "\x6c streamed %d", i);
        l.reqs[i].magic = KV5M_DATA;
        l.reqs[i].data = l.texts[i];
        l.reqs[i].length = (unsigned int)strlen(l.texts[i]);
    }
    list_add(ctx, &list, f.port, KS_TRANSPORT_ANY);
    ctx->net.timeout_ms = 4000;
    pid = spawn(udp_echo, &f, NULL);
    is_int(ks_transport_send_stream(ctx, "FAKE.REALM", &list, &st,
                                    "test send", 0),
           0, "send_stream: %d jobs through a window of %d", STREAM_JOBS,
           STREAM_WINDOW);
    for (int i = 0; i < STREAM_JOBS; i++) {
        once += l.prepared[i] == 1 && l.done[i] == 1;
        good += l.good[i];
    }
    is_int((int)l.order_ok, STREAM_JOBS, "  prepare() once per job, in order");
    is_int(once, STREAM_JOBS, "  done() once per job");
    is_int(good, STREAM_JOBS - 1, "  each sent job got its own reply");
    is_int(l.codes[STREAM_BAD], KRB5_BAD_ENCTYPE,
           "  a failed prepare() fails that job only");
    ok(l.most <= STREAM_WINDOW && l.most > 1,
       "  at most %d in flight (%zu)", STREAM_WINDOW, l.most);
    ok(l.dones_before_3rd_refill >= 1,
       "  a slot is refilled once a job is done");
    is_int(reap(pid), STREAM_JOBS - 1, "  the KDC saw every sent job once");
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* Through krb5.conf: locate, send; unknown realm; outputs untouched. */
static void
test_realm(void)
{
    struct ks_context *ctx;
    struct fake f = fake_open();
    struct reply_script s = { as_rep, sizeof(as_rep) - 1 };
    krb5_data req = { KV5M_DATA, sizeof(request) - 1, (char *)request };
    krb5_data reply = { 0, 7, (char *)"sentinel" };
    struct ks_send_result res;
    char text[512];
    pid_t pid;

    snprintf(text, sizeof(text),
             "[libdefaults]\n default_realm = FAKE.REALM\n"
             " dns_lookup_kdc = false\n"
             "[realms]\n FAKE.REALM = {\n  kdc = 127.0.0.1:%d\n }\n",
             f.port);
    write_file(conf, text);
    ctx = new_ctx();
    pid = spawn(udp_answer, &f, &s);
    is_int(ks_transport_send(ctx, "FAKE.REALM", &req, "AS send", 0, &reply,
                             &res),
           0, "ks_transport_send through krb5.conf");
    ok(reply.length == sizeof(as_rep) - 1 &&
       memcmp(reply.data, as_rep, reply.length) == 0, "  reply");
    is_int(reap(pid), 0, "  server answered");
    ok(trace_has("[locate] KDC 127.0.0.1:"), "  locate traced");
    krb5_free_data_contents(ctx->k5, &reply);

    reply.data = (char *)"sentinel";
    reply.length = 7;
    is_int(ks_transport_send(ctx, "NO.SUCH.REALM", &req, "AS send", 0,
                             &reply, NULL),
           KRB5_REALM_UNKNOWN, "unknown realm: REALM_UNKNOWN");
    ok(message_has(ctx, KRB5_REALM_UNKNOWN,
                   "Cannot find KDC for realm \"NO.SUCH.REALM\""),
       "  message names the realm");
    ok(reply.length == 7 && strcmp(reply.data, "sentinel") == 0,
       "  reply_out untouched");
    ks_context_free(ctx);
}

static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

int
main(void)
{
    int fds_before;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ks-test-transport-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf, sizeof(conf), "%s/krb5.conf", tmpdir);
    snprintf(tracefile, sizeof(tracefile), "%s/trace", tmpdir);
    /* DNS stays out: an unknown realm must not reach the host's resolver. */
    write_file(conf, "[libdefaults]\n default_realm = FAKE.REALM\n"
                     " dns_lookup_kdc = false\n");
    setenv("KRB5_CONFIG", conf, 1);
    fds_before = count_fds();

    test_udp_reply();
    test_tcp_split();
    test_big_request_tcp_first();
    test_tcp_entry();
    test_too_big();
    test_silent(600, "UDP");
    test_silent(1500, "UDP and TCP");
    test_retries(1, 10000, 1, 3000);
    test_retries(2, 3500, 2, 3500);
    test_bad_frames();
    test_refused();
    test_no_sigpipe();
    test_next_kdcs();
    test_error_returned();
    test_many();
    test_stream();
    test_realm();
    is_int(count_fds(), fds_before, "no file descriptor leaked");

    unlink(conf);
    unlink(tracefile);
    rmdir(tmpdir);
    return tap_done();
}

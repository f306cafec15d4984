/*
 * fuzz_transport: what a KDC sends back, over TCP (the input is the whole
 * stream, length prefix included, then the connection closes) and over UDP
 * (the input is the datagram), read by the transport as it reads a real
 * KDC's answer.  A thread plays the KDC on 127.0.0.1; every request is
 * bounded by a short timeout, so a stream that stops short costs little.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "wire/kdc_list.h"
#include "wire/transport.h"

static int tcp_listener = -1, udp_socket = -1;
static struct ks_kdc_addr tcp_addr, udp_addr;

struct answer {
    const uint8_t *data;
    size_t size;
    int tcp;
};

static int
bind_local(int type, struct ks_kdc_addr *addr)
{
    struct sockaddr_in sin = { 0 };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, type, 0);

    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) != 0 ||
        (type == SOCK_STREAM && listen(fd, 4) != 0))
        abort();
    memset(addr, 0, sizeof(*addr));
    memcpy(&addr->addr, &sin, sizeof(sin));
    addr->addrlen = sizeof(sin);
    addr->transport = type == SOCK_STREAM ? KS_TRANSPORT_TCP
                                          : KS_TRANSPORT_UDP;
    snprintf(addr->name, sizeof(addr->name), "127.0.0.1:%d",
             ntohs(sin.sin_port));
    return fd;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ks_context *ctx = fuzz_context();

    (void)argc;
    (void)argv;
    tcp_listener = bind_local(SOCK_STREAM, &tcp_addr);
    udp_socket = bind_local(SOCK_DGRAM, &udp_addr);
    ctx->net.timeout_ms = 200;
    ctx->net.retries = 1;
    return 0;
}

/* Wait at most half a second for FD to be readable. */
static int
readable(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };

    return poll(&p, 1, 500) == 1;
}

static void *
kdc(void *arg)
{
    const struct answer *a = arg;
    unsigned char buf[4096];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    int fd;

    if (!a->tcp) {
        if (readable(udp_socket) && recvfrom(udp_socket, buf, sizeof(buf), 0,
                     (struct sockaddr *)&from, &fromlen) > 0)
            (void)sendto(udp_socket, a->data, a->size > 65507 ? 65507
                         : a->size, 0, (struct sockaddr *)&from, fromlen);
        return NULL;
    }
    if (!readable(tcp_listener))
        return NULL;
    fd = accept(tcp_listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    (void)recv(fd, buf, sizeof(buf), 0);
    for (size_t off = 0; off < a->size;) {
        ssize_t n = send(fd, a->data + off, a->size - off, MSG_NOSIGNAL);

        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
    return NULL;
}

static void
ask(const struct ks_kdc_addr *addr, const uint8_t *data, size_t size,
    int tcp)
{
    struct ks_context *ctx = fuzz_context();
    static const char request_bytes[] = "\x6c\x03\x02\x01\x05";
    krb5_data request = { 0, 5, (char *)request_bytes };
    struct ks_kdc_addr one = *addr;
    struct ks_kdc_list list = { &one, 1 };
    struct ks_send_job job = { 0 };
    struct answer a = { data, size, tcp };
    pthread_t t;

    unsigned char stale[64];

    if (!tcp && size == 0)
        return;         /* an empty datagram never arrives: nothing to read */
    /* A retransmission of the last round's request must not be answered
     * in this one. */
    while (recv(udp_socket, stale, sizeof(stale), MSG_DONTWAIT) >= 0)
        ;
    ctx->net.transport = tcp ? KS_TRANSPORT_TCP : KS_TRANSPORT_UDP;
    job.request = &request;
    if (pthread_create(&t, NULL, kdc, &a) != 0)
        return;
    if (ks_transport_send_kdcs(ctx, "FUZZ.REALM", &list, &job, 1, 1, "fuzz",
                               0) == 0 && job.code == 0)
        krb5_free_data_contents(ctx->k5, &job.reply);
    pthread_join(t, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ask(&tcp_addr, data, size, 1);
    ask(&udp_addr, data, size, 0);
    return 0;
}

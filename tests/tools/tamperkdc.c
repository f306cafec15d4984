/*
 * tamperkdc: a KDC in front of the real fixture KDC that changes its
 * replies as only a hostile or broken KDC would, and re-encrypts them
 * with the right keys, so that the client's checks behind decryption are
 * what refuses them (tests/e2e/hostile.bats).
 *
 *   tamperkdc --forward PORT --mode MODE [--krbtgt-keytab KT]
 *             [--password PW] [--lifetime SECONDS]
 *
 * It listens on UDP and TCP of one free port of 127.0.0.1, prints the port
 * on stdout, forwards every request to 127.0.0.1:PORT over TCP and answers
 * with the reply changed by MODE.  An AS-REP is opened with the key made
 * from --password (the client's, default salt); a TGS-REP with the subkey
 * (or session key) found by opening the request's TGT with --krbtgt-keytab
 * and its authenticator.  A KRB-ERROR, and a reply MODE does not apply to,
 * pass unchanged.  Modes that change the enc-part:
 *   nonce, sname, srealm, enctype (session key labelled with another
 *   enctype), keylen (session key cut short), flags (INVALID set),
 *   endtime-past-till, starttime-future, expired, endtime-before-start,
 *   authtime-zero, unrequested-enctype (session key of an enctype the
 *   request did not list)
 * and the outer message: cname (another client), crealm, ticket-sname,
 * truncate (DER cut in half), trailing (garbage after the message),
 * etext (a KRB-ERROR whose e-text holds terminal escape sequences and
 * whose e-data is 60 KB, for every request).
 * Standard C and libkrb5 only; test code, never installed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/krb5_private.h"
#include "core/secret.h"
#include "inspect/inspect.h"

#define MAX_MSG (1 << 20)

static const char *mode;
static const char *password;
static krb5_keytab krbtgt_kt;
static int forward_port;
static struct ks_context *ctx;

static bool
is(const char *m)
{
    return strcmp(mode, m) == 0;
}

/* Send REQ to the real KDC over TCP; the reply into *REP. */
static int
forward(const unsigned char *req, size_t len, krb5_data *rep)
{
    struct sockaddr_in sin = { 0 };
    unsigned char hdr[4];
    uint32_t n;
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)forward_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        goto fail;
    n = htonl((uint32_t)len);
    memcpy(hdr, &n, 4);
    if (send(fd, hdr, 4, 0) != 4 || send(fd, req, len, 0) != (ssize_t)len)
        goto fail;
    if (recv(fd, hdr, 4, MSG_WAITALL) != 4)
        goto fail;
    memcpy(&n, hdr, 4);
    n = ntohl(n);
    if (n > MAX_MSG || (rep->data = malloc(n)) == NULL)
        goto fail;
    while (got < n) {
        ssize_t r = recv(fd, rep->data + got, n - got, 0);

        if (r <= 0)
            goto fail;
        got += (size_t)r;
    }
    rep->length = n;
    close(fd);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Change the decrypted reply part as MODE says; true if it applied. */
static bool
tamper_part(krb5_enc_kdc_rep_part *p, krb5_kdc_rep *rep)
{
    krb5_timestamp now = (krb5_timestamp)time(NULL);

    if (is("nonce")) {
        p->nonce ^= 0x5a5a;
    } else if (is("sname")) {
        krb5_free_principal(ctx->k5, p->server);
        krb5_parse_name(ctx->k5, "HTTP/evil.test.realm@TEST.REALM",
                        &p->server);
    } else if (is("srealm")) {
        krb5_free_data_contents(ctx->k5, &p->server->realm);
        p->server->realm.data = strdup("EVIL.REALM");
        p->server->realm.length = 10;
    } else if (is("enctype")) {
        p->session->enctype = p->session->enctype ==
            ENCTYPE_AES256_CTS_HMAC_SHA1_96 ? ENCTYPE_AES128_CTS_HMAC_SHA1_96
                                            : ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    } else if (is("unrequested-enctype")) {
        /* Weak, so neither asked for nor permitted by default. */
        p->session->enctype = ENCTYPE_ARCFOUR_HMAC_EXP;
        p->session->length = 16;
    } else if (is("keylen")) {
        p->session->length = 7;
    } else if (is("flags")) {
        p->flags |= TKT_FLG_INVALID;
    } else if (is("endtime-past-till")) {
        p->times.endtime = now + 400 * 24 * 3600;
    } else if (is("starttime-future")) {
        p->times.starttime = now + 7200;
    } else if (is("expired")) {
        p->times.starttime = now - 7200;
        p->times.endtime = now - 3600;
    } else if (is("endtime-before-start")) {
        p->times.endtime = p->times.starttime - 60;
    } else if (is("authtime-zero")) {
        p->times.authtime = 0;
        p->times.starttime = 0;
        p->times.endtime = 1;
    } else {
        (void)rep;
        return false;
    }
    return true;
}

/* Re-encrypt PART into REP's enc-part with KEY for USAGE. */
static int
reseal(krb5_kdc_rep *rep, krb5_enc_kdc_rep_part *part,
       const krb5_keyblock *key, krb5_keyusage usage)
{
    krb5_data *plain = NULL;
    krb5_enc_data enc = { 0 };
    krb5_kvno kvno = rep->enc_part.kvno;

    if (encode_krb5_enc_kdc_rep_part(part, &plain) != 0)
        return -1;
    if (ks_secret_encrypt(ctx->k5, key, usage, plain, &enc) != 0) {
        krb5_free_data(ctx->k5, plain);
        return -1;
    }
    krb5_free_data(ctx->k5, plain);
    free(rep->enc_part.ciphertext.data);
    rep->enc_part = enc;
    rep->enc_part.kvno = kvno;
    return 0;
}

/* The outer changes, on a decoded reply. */
static bool
tamper_outer(krb5_kdc_rep *rep)
{
    if (is("cname")) {
        krb5_free_principal(ctx->k5, rep->client);
        krb5_parse_name(ctx->k5, "mallory@TEST.REALM", &rep->client);
    } else if (is("crealm")) {
        krb5_free_data_contents(ctx->k5, &rep->client->realm);
        rep->client->realm.data = strdup("EVIL.REALM");
        rep->client->realm.length = 10;
    } else if (is("ticket-sname")) {
        krb5_free_principal(ctx->k5, rep->ticket->server);
        krb5_parse_name(ctx->k5, "HTTP/evil.test.realm@TEST.REALM",
                        &rep->ticket->server);
    } else {
        return false;
    }
    return true;
}

static int
tamper_as(krb5_data *reply)
{
    krb5_kdc_rep *rep = NULL;
    krb5_keyblock key = { 0 };
    krb5_data pw, salt = { 0 }, plain = { 0 };
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_data *out = NULL;
    int ret = -1;

    if (decode_krb5_as_rep(reply, &rep) != 0)
        return -1;
    if (!tamper_outer(rep)) {
        pw.data = (char *)password;
        pw.length = (unsigned int)strlen(password);
        if (krb5_principal2salt(ctx->k5, rep->client, &salt) != 0 ||
            krb5_c_string_to_key(ctx->k5, rep->enc_part.enctype, &pw, &salt,
                                 &key) != 0 ||
            ks_secret_decrypt(ctx->k5, &key, 3, &rep->enc_part, &plain) != 0 ||
            decode_krb5_enc_kdc_rep_part(&plain, &part) != 0 ||
            !tamper_part(part, rep) || reseal(rep, part, &key, 3) != 0)
            goto cleanup;
    }
    if (encode_krb5_as_rep(rep, &out) == 0) {
        free(reply->data);
        *reply = *out;
        free(out);
        ret = 0;
    }
cleanup:
    ks_secret_free(&plain);
    krb5_free_enc_kdc_rep_part(ctx->k5, part);
    krb5_free_keyblock_contents(ctx->k5, &key);
    free(salt.data);
    krb5_free_kdc_rep(ctx->k5, rep);
    return ret;
}

static int
tamper_tgs(const krb5_data *request, krb5_data *reply)
{
    krb5_ticket *tgt = NULL;
    struct ks_authenticator_check *chk = NULL;
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_kdc_rep *rep = NULL;
    krb5_keyusage usage = 0;
    krb5_data *out = NULL;
    const krb5_keyblock *key;
    int ret = -1;

    if (decode_krb5_tgs_rep(reply, &rep) != 0)
        return -1;
    if (!tamper_outer(rep)) {
        if (krbtgt_kt == NULL ||
            ks_inspect_open_tgt(ctx, request, krbtgt_kt, &tgt) != 0 ||
            ks_inspect_check_authenticator(ctx, request,
                                           tgt->enc_part2->session,
                                           tgt->enc_part2->client, &chk) != 0 ||
            ks_inspect_open_reply(ctx, reply, chk->authenticator->subkey,
                                  tgt->enc_part2->session, &part,
                                  &usage) != 0 ||
            !tamper_part(part, rep))
            goto cleanup;
        key = usage == 9 ? chk->authenticator->subkey : tgt->enc_part2->session;
        if (reseal(rep, part, key, usage) != 0)
            goto cleanup;
    }
    if (encode_krb5_tgs_rep(rep, &out) == 0) {
        free(reply->data);
        *reply = *out;
        free(out);
        ret = 0;
    }
cleanup:
    krb5_free_enc_kdc_rep_part(ctx->k5, part);
    ks_authenticator_check_free(ctx, chk);
    krb5_free_ticket(ctx->k5, tgt);
    krb5_free_kdc_rep(ctx->k5, rep);
    return ret;
}

/* A KRB-ERROR with terminal escapes in its e-text and 60 KB of e-data. */
static int
evil_error(krb5_data *reply)
{
    static const char etext[] = "\x1b[2J\x1b]0;pwned\x07boom\r\nfake: line";
    krb5_error err = { 0 };
    krb5_data *out = NULL;
    char *edata = calloc(1, 60000);

    if (edata == NULL)
        return -1;
    memset(edata, 'A', 60000);
    err.magic = KV5M_ERROR;
    err.stime = (krb5_timestamp)time(NULL);
    err.error = 60;          /* KRB_ERR_GENERIC */
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &err.server);
    err.text.data = (char *)etext;
    err.text.length = sizeof(etext) - 1;
    err.e_data.data = edata;
    err.e_data.length = 60000;
    if (encode_krb5_error(&err, &out) != 0) {
        free(edata);
        return -1;
    }
    free(edata);
    krb5_free_principal(ctx->k5, err.server);
    *reply = *out;
    free(out);
    return 0;
}

/* The answer to REQ (LEN bytes) into *OUT. */
static int
answer(const unsigned char *req, size_t len, krb5_data *out)
{
    krb5_data request = { 0, (unsigned int)len, (char *)req };
    char *grown;

    memset(out, 0, sizeof(*out));
    if (is("etext"))
        return evil_error(out);
    if (forward(req, len, out) != 0)
        return -1;
    if (out->length == 0)
        return 0;
    if ((unsigned char)out->data[0] == 0x6b)
        (void)tamper_as(out);
    else if ((unsigned char)out->data[0] == 0x6d)
        (void)tamper_tgs(&request, out);
    if (is("truncate") && out->data[0] != 0x7e) {
        out->length /= 2;
    } else if (is("trailing") && out->data[0] != 0x7e) {
        grown = realloc(out->data, out->length + 16);
        if (grown != NULL) {
            memset(grown + out->length, 0xee, 16);
            out->data = grown;
            out->length += 16;
        }
    }
    return 0;
}

static int
listen_on(int type, int port)
{
    struct sockaddr_in sin = { 0 };
    int fd = socket(AF_INET, type, 0), one = 1;

    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        (type == SOCK_STREAM && listen(fd, 8) != 0)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void
serve_tcp(int lfd)
{
    unsigned char hdr[4], *req;
    uint32_t n;
    krb5_data out = { 0 };
    int fd = accept(lfd, NULL, NULL);

    if (fd < 0)
        return;
    if (recv(fd, hdr, 4, MSG_WAITALL) == 4) {
        memcpy(&n, hdr, 4);
        n = ntohl(n);
        req = n <= MAX_MSG ? malloc(n) : NULL;
        if (req != NULL && recv(fd, req, n, MSG_WAITALL) == (ssize_t)n &&
            answer(req, n, &out) == 0) {
            n = htonl(out.length);
            memcpy(hdr, &n, 4);
            (void)send(fd, hdr, 4, MSG_NOSIGNAL);
            (void)send(fd, out.data, out.length, MSG_NOSIGNAL);
        }
        free(req);
        free(out.data);
    }
    close(fd);
}

static void
serve_udp(int fd)
{
    unsigned char buf[65536];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    krb5_data out = { 0 };
    ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
                         &fromlen);

    if (n > 0 && answer(buf, (size_t)n, &out) == 0 && out.length <= 65507)
        (void)sendto(fd, out.data, out.length, 0, (struct sockaddr *)&from,
                     fromlen);
    free(out.data);
}

int
main(int argc, char **argv)
{
    const char *ktname = NULL;
    int lifetime = 300, port, tcp = -1, udp = -1;
    time_t end;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--forward") == 0)
            forward_port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--mode") == 0)
            mode = argv[i + 1];
        else if (strcmp(argv[i], "--krbtgt-keytab") == 0)
            ktname = argv[i + 1];
        else if (strcmp(argv[i], "--password") == 0)
            password = argv[i + 1];
        else if (strcmp(argv[i], "--lifetime") == 0)
            lifetime = atoi(argv[i + 1]);
    }
    if (mode == NULL || forward_port <= 0) {
        fprintf(stderr, "usage: tamperkdc --forward PORT --mode MODE "
                "[--krbtgt-keytab KT] [--password PW] [--lifetime S]\n");
        return 2;
    }
    if (password == NULL)
        password = "alice-pw";
    if (ks_context_new("tamperkdc", &ctx, NULL) != 0 ||
        (ktname != NULL && krb5_kt_resolve(ctx->k5, ktname, &krbtgt_kt) != 0))
        return 1;
    /* One port free for both: try a few at random. */
    srand((unsigned int)getpid());
    for (int t = 0; t < 50 && (tcp < 0 || udp < 0); t++) {
        port = 20000 + rand() % 30000;
        if (tcp >= 0)
            close(tcp);
        tcp = listen_on(SOCK_STREAM, port);
        udp = tcp >= 0 ? listen_on(SOCK_DGRAM, port) : -1;
    }
    if (tcp < 0 || udp < 0)
        return 1;
    printf("%d\n", port);
    fflush(stdout);
    signal(SIGPIPE, SIG_IGN);
    end = time(NULL) + lifetime;
    while (time(NULL) < end) {
        struct pollfd p[2] = { { tcp, POLLIN, 0 }, { udp, POLLIN, 0 } };

        if (poll(p, 2, 1000) <= 0)
            continue;
        if (p[0].revents & POLLIN)
            serve_tcp(tcp);
        if (p[1].revents & POLLIN)
            serve_udp(udp);
    }
    return 0;
}

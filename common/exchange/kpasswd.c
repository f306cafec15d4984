/*
 * kpasswd: the change-password exchange (MIT's RFC 3244 version 1), built
 * and checked here with libkrb5's encoders and crypto only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "exchange/kpasswd.h"
#include "core/krb5_private.h"
#include "core/secret.h"
#include "exchange/apreq.h"
#include "wire/transport.h"

#define KRB_ERROR_TAG 0x7e
#define FRAME_HEADER 6
#define FRAME_MAX 0xffff
/* Longest krb5.conf entry quoted in a trace. */
#define ENTRY_QUOTE_MAX 200

/* ------------------------------------------------------------------ */
/* Locating the servers                                                */

enum port_rule { PORT_FROM_ENTRY, PORT_KPASSWD };

/* Whether a kdc-style entry names a port (ks_kdc_list_parse_entry fills in
 * the KDC's 88 when it does not, which is wrong for kpasswd_server). */
static bool
entry_has_port(const char *entry)
{
    const char *colon, *close;

    if (strncasecmp(entry, "udp/", 4) == 0 ||
        strncasecmp(entry, "tcp/", 4) == 0)
        entry += 4;
    if (*entry == '[') {
        close = strchr(entry, ']');
        return close != NULL && close[1] == ':';
    }
    colon = strchr(entry, ':');
    return colon != NULL && strchr(colon + 1, ':') == NULL;
}

/* Add the servers of one entry; one that is malformed or does not resolve
 * is skipped (traced), as the KDC list does. */
static krb5_error_code
add_entry(struct ks_context *ctx, struct ks_kdc_list *list, const char *name,
          const char *entry, enum port_rule rule)
{
    char *host = NULL, *port = NULL, source[ENTRY_QUOTE_MAX + 64];
    enum ks_transport_kind kind;
    bool own_port = rule == PORT_FROM_ENTRY && entry_has_port(entry);
    krb5_error_code ret;

    snprintf(source, sizeof(source), "%s = %.*s%s", name, ENTRY_QUOTE_MAX,
             entry, own_port ? "" : " (port " KS_KPASSWD_PORT ")");
    ret = ks_kdc_list_parse_entry(entry, &host, &port, &kind);
    if (ret == EINVAL) {
        ks_trace(ctx->trace, "kpasswd locate", 0, "skip",
                 "skipping malformed %s", source);
        return 0;
    }
    if (ret)
        return ret;
    /* MIT: admin_server's transport restriction does not carry over. */
    if (strcmp(name, "admin_server") == 0)
        kind = KS_TRANSPORT_ANY;
    ret = ks_kdc_list_add_host(ctx, list, host, own_port ? port
                                                      : KS_KPASSWD_PORT,
                             kind, source);
    free(host);
    free(port);
    return ret == KRB5_KDC_UNREACH ? 0 : ret;
}

/* Add every value of [realms] REALM NAME; *named counts them. */
static krb5_error_code
add_values(struct ks_context *ctx, struct ks_kdc_list *list,
           const char *realm, const char *name, enum port_rule rule,
           size_t *named)
{
    char **values = NULL;
    krb5_error_code ret;

    ret = ks_config_realm_values(ctx->k5, realm, name, &values);
    for (size_t i = 0; !ret && values[i] != NULL; i++) {
        (*named)++;
        ret = add_entry(ctx, list, name, values[i], rule);
    }
    ks_config_free_list(values);
    return ret;
}

/* ks_kpasswd_locate, and whether the list is the kdc fallback's. */
static krb5_error_code
locate(struct ks_context *ctx, const char *realm,
       struct ks_kdc_list *list_out, bool *from_kdcs)
{
    static const struct {
        const char *name;
        enum port_rule rule;
    } sources[] = {
        { "kpasswd_server", PORT_FROM_ENTRY },
        { "admin_server", PORT_KPASSWD },
        { "kdc", PORT_KPASSWD },
    };
    struct ks_kdc_list list = { 0 };
    krb5_error_code ret = 0;
    size_t named = 0;

    *from_kdcs = false;
    for (size_t i = 0; i < 3 && !ret && list.count == 0; i++) {
        if (i == 2) {
            ks_trace(ctx->trace, "kpasswd locate", 0, "kdc-fallback",
                     "no usable kpasswd_server or admin_server for %s: "
                     "trying its KDCs on port %s", realm, KS_KPASSWD_PORT);
            *from_kdcs = true;
        }
        ret = add_values(ctx, &list, realm, sources[i].name,
                         sources[i].rule, &named);
    }
    if (!ret && list.count == 0) {
        ret = named == 0 ? KRB5_REALM_UNKNOWN : KRB5_KDC_UNREACH;
        krb5_set_error_message(ctx->k5, ret, "Cannot find a kpasswd server "
                               "for realm \"%s\" (%s)", realm,
                               named == 0 ? "set kpasswd_server or "
                                            "admin_server in [realms] in "
                                            "krb5.conf"
                                          : "none of its kpasswd_server, "
                                            "admin_server or kdc entries "
                                            "resolves");
    }
    if (ret) {
        ks_kdc_list_free(&list);
        return ret;
    }
    *list_out = list;
    return 0;
}

krb5_error_code
ks_kpasswd_locate(struct ks_context *ctx, const char *realm,
                  struct ks_kdc_list *list_out)
{
    bool from_kdcs;

    return locate(ctx, realm, list_out, &from_kdcs);
}

/* ------------------------------------------------------------------ */
/* Sealing and opening                                                 */

/* ------------------------------------------------------------------ */
/* The request                                                         */

/* AP-REQ for the kadmin/changepw ticket: authenticator with our subkey and
 * sequence number under the session key (usage 11). */
static krb5_error_code
make_ap_req(struct ks_context *ctx, const krb5_creds *creds,
            const struct ks_kpasswd_request *req, krb5_data **ap_req_out)
{
    krb5_authenticator auth;

    memset(&auth, 0, sizeof(auth));
    auth.magic = KV5M_AUTHENTICATOR;
    auth.client = creds->client;
    auth.ctime = req->ctime;
    auth.cusec = req->cusec;
    auth.subkey = (krb5_keyblock *)&req->subkey;
    auth.seq_number = req->seq;
    return ks_apreq_make(ctx, creds, AP_OPTS_MUTUAL_REQUIRED,
                         KRB5_KEYUSAGE_AP_REQ_AUTH, &auth, ap_req_out);
}

/* KRB-PRIV of the new password under the subkey (usage 13). */
static krb5_error_code
make_priv(struct ks_context *ctx, const struct ks_kpasswd_request *req,
          const char *password, const krb5_address *local,
          krb5_data **priv_out)
{
    krb5_priv_enc_part part;
    krb5_priv priv;
    krb5_data *part_der = NULL;
    krb5_error_code ret;

    memset(&part, 0, sizeof(part));
    part.magic = KV5M_PRIV_ENC_PART;
    part.user_data.data = (char *)password;
    part.user_data.length = (unsigned int)strlen(password);
    part.seq_number = req->seq;
    part.s_address = (krb5_address *)local;
    memset(&priv, 0, sizeof(priv));
    priv.magic = KV5M_PRIV;
    ret = encode_krb5_enc_priv_part(&part, &part_der);
    if (!ret)
        ret = ks_secret_encrypt(ctx->k5, &req->subkey,
                                KRB5_KEYUSAGE_KRB_PRIV_ENCPART, part_der,
                                &priv.enc_part);
    if (!ret)
        ret = encode_krb5_priv(&priv, priv_out);
    free(priv.enc_part.ciphertext.data);
    ks_secret_free_encoded(ctx->k5, part_der);
    return ret;
}

static void
put16(unsigned char *p, unsigned int v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static krb5_error_code
frame(struct ks_context *ctx, const krb5_data *ap_req, const krb5_data *priv,
      krb5_data *der_out)
{
    size_t total = FRAME_HEADER + (size_t)ap_req->length + priv->length;
    unsigned char *p;

    if (total > FRAME_MAX)
        return ks_error_set(ctx, EINVAL, "the change-password request would "
                            "be %zu bytes, more than kpasswd's 16-bit "
                            "length allows", total);
    p = malloc(total);
    if (p == NULL)
        return ENOMEM;
    put16(p, (unsigned int)total);
    put16(p + 2, KS_KPASSWD_VERSION);
    put16(p + 4, ap_req->length);
    memcpy(p + FRAME_HEADER, ap_req->data, ap_req->length);
    memcpy(p + FRAME_HEADER + ap_req->length, priv->data, priv->length);
    der_out->magic = KV5M_DATA;
    der_out->data = (char *)p;
    der_out->length = (unsigned int)total;
    return 0;
}

/* Fresh subkey, sequence number and time for one request. */
static krb5_error_code
fresh_state(krb5_context k5, const krb5_creds *creds,
            struct ks_kpasswd_request *req)
{
    unsigned char bytes[4];
    krb5_data rnd = { KV5M_DATA, sizeof(bytes), (char *)bytes };
    krb5_error_code ret;

    ret = krb5_copy_keyblock_contents(k5, &creds->keyblock, &req->session);
    if (!ret)
        ret = krb5_c_make_random_key(k5, creds->keyblock.enctype,
                                     &req->subkey);
    if (!ret)
        ret = krb5_c_random_make_octets(k5, &rnd);
    if (!ret)
        ret = krb5_us_timeofday(k5, &req->ctime, &req->cusec);
    /* 31 bits and never 0, which the encoders would leave out. */
    req->seq = ((krb5_ui_4)bytes[0] << 24 | (krb5_ui_4)bytes[1] << 16 |
                (krb5_ui_4)bytes[2] << 8 | bytes[3]) & 0x7fffffffu;
    if (req->seq == 0)
        req->seq = 1;
    return ret;
}

krb5_error_code
ks_kpasswd_build_request(struct ks_context *ctx, const krb5_creds *creds,
                         const char *new_password,
                         const krb5_address *local,
                         struct ks_kpasswd_request *req_out)
{
    struct ks_kpasswd_request req;
    krb5_data *ap_req = NULL, *priv = NULL;
    krb5_error_code ret;

    memset(&req, 0, sizeof(req));
    if (strlen(new_password) > FRAME_MAX) {
        ret = ks_error_set(ctx, EINVAL, "the new password is too long");
        goto cleanup;
    }
    ret = fresh_state(ctx->k5, creds, &req);
    if (!ret)
        ret = make_ap_req(ctx, creds, &req, &ap_req);
    if (!ret)
        ret = make_priv(ctx, &req, new_password, local, &priv);
    if (!ret)
        ret = frame(ctx, ap_req, priv, &req.der);
    if (ret)
        goto cleanup;
    *req_out = req;
    memset(&req, 0, sizeof(req));

cleanup:
    krb5_free_data(ctx->k5, ap_req);
    krb5_free_data(ctx->k5, priv);
    ks_kpasswd_request_clear(ctx->k5, &req);
    return ret;
}

void
ks_kpasswd_request_clear(krb5_context kctx, struct ks_kpasswd_request *req)
{
    if (req == NULL)
        return;
    krb5_free_keyblock_contents(kctx, &req->session);
    krb5_free_keyblock_contents(kctx, &req->subkey);
    free(req->der.data);
    memset(req, 0, sizeof(*req));
}

/* ------------------------------------------------------------------ */
/* The reply                                                           */

const char *
ks_kpasswd_result_name(int code)
{
    switch (code) {
    case KRB5_KPASSWD_SUCCESS:
        return "Success";
    case KRB5_KPASSWD_MALFORMED:
        return "Malformed request error";
    case KRB5_KPASSWD_HARDERROR:
        return "Server error";
    case KRB5_KPASSWD_AUTHERROR:
        return "Authentication error";
    case KRB5_KPASSWD_SOFTERROR:
        return "Password change rejected";
    case KRB5_KPASSWD_ACCESSDENIED:
        return "Access denied";
    case KRB5_KPASSWD_BAD_VERSION:
        return "Wrong protocol version";
    case KRB5_KPASSWD_INITIAL_FLAG_NEEDED:
        return "Initial password required";
    default:
        return "Password change failed";
    }
}

static unsigned int
get16(const unsigned char *p)
{
    return (unsigned int)p[0] << 8 | p[1];
}

/* The server's words on one line: MIT's reading of a failure's result
 * string (an AD policy blob becomes sentences, an empty one a suggestion),
 * line breaks as spaces, sanitised. */
static void
result_text(krb5_context k5, const krb5_data *string, int code, char *out,
            size_t outlen)
{
    char *msg = NULL;
    size_t len;

    if (code == KRB5_KPASSWD_SUCCESS ||
        krb5_chpw_message(k5, string, &msg) != 0 || msg == NULL) {
        ks_error_sanitize(string->data, string->length, out, outlen);
        return;
    }
    for (char *p = msg; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == ' ')
        len--;
    ks_error_sanitize(msg, len, out, outlen);
    krb5_free_string(k5, msg);
}

/* CLEAR: a 2-byte result code and the result string. */
static krb5_error_code
parse_result(struct ks_context *ctx, const krb5_data *clear,
             bool authenticated, struct ks_kpasswd_result *result)
{
    const unsigned char *p = (const unsigned char *)clear->data;
    krb5_data rest;
    int code;

    if (clear->length < 2)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                            "result is %u bytes, too short for a result "
                            "code", clear->length);
    code = (int)get16(p);
    if (code > KRB5_KPASSWD_INITIAL_FLAG_NEEDED)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                            "server sent the unknown result code %d", code);
    /* Only an authenticated answer can say the password was changed. */
    if (!authenticated && code == KRB5_KPASSWD_SUCCESS)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "a kpasswd "
                            "KRB-ERROR claims success");
    rest.magic = KV5M_DATA;
    rest.data = clear->data + 2;
    rest.length = clear->length - 2;
    result->code = code;
    result->authenticated = authenticated;
    result_text(ctx->k5, &rest, code, result->text, sizeof(result->text));
    return 0;
}

/* A KRB-ERROR in place of AP-REP and KRB-PRIV: its e-data holds the
 * result; without e-data the error itself is the answer. */
static krb5_error_code
read_error(struct ks_context *ctx, const krb5_data *der,
           struct ks_kpasswd_result *result)
{
    krb5_error *err = NULL;
    krb5_error_code ret;

    ret = decode_krb5_error(der, &err);
    if (ret)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                            "server's KRB-ERROR does not decode");
    ks_trace(ctx->trace, "kpasswd reply", 0, "krb-error",
             "KRB-ERROR %ld instead of AP-REP and KRB-PRIV, %u bytes of "
             "e-data (unauthenticated)", (long)err->error,
             err->e_data.length);
    if (err->e_data.length == 0) {
        ret = ks_error_from_reply(ctx, err, NULL);
        ks_error_prefix(ctx, ret, "the kpasswd server refused the request");
    } else {
        ret = parse_result(ctx, &err->e_data, false, result);
    }
    krb5_free_error(ctx->k5, err);
    return ret;
}

/* AP-REP (usage 12): the server holds kadmin/changepw's key and answers
 * our authenticator.  Gives the server's sequence number. */
static krb5_error_code
read_ap_rep(struct ks_context *ctx, const struct ks_kpasswd_request *req,
            const krb5_data *der, krb5_ui_4 *seq_out)
{
    krb5_ap_rep *rep = NULL;
    krb5_ap_rep_enc_part *part = NULL;
    krb5_data plain = { 0 };
    krb5_error_code ret;

    ret = decode_krb5_ap_rep(der, &rep);
    if (ret) {
        ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd server's "
                     "AP-REP does not decode");
        ret = KRB5KRB_AP_ERR_MODIFIED;
        goto cleanup;
    }
    ret = ks_secret_decrypt(ctx->k5, &req->session,
                            KRB5_KEYUSAGE_AP_REP_ENCPART, &rep->enc_part,
                            &plain);
    if (ret) {
        ks_error_set(ctx, ret, "the kpasswd server's AP-REP does not open "
                     "with the ticket's session key");
        goto cleanup;
    }
    ret = decode_krb5_ap_rep_enc_part(&plain, &part);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the kpasswd server's AP-REP");
        goto cleanup;
    }
    if (part->ctime != req->ctime || part->cusec != req->cusec) {
        ret = ks_error_set(ctx, KRB5_MUTUAL_FAILED, "the kpasswd server's "
                           "AP-REP does not echo our authenticator's time");
        goto cleanup;
    }
    *seq_out = part->seq_number;

cleanup:
    ks_secret_free(&plain);
    krb5_free_ap_rep_enc_part(ctx->k5, part);
    krb5_free_ap_rep(ctx->k5, rep);
    return ret;
}

/*
 * KRB-PRIV (usage 13, our subkey, as MIT's client and server do), with the
 * AP-REP's sequence number.  Its s-address is not compared with the
 * server's: MIT's kadmind may name any of its addresses there, and MIT's
 * client does not look either (the subkey authenticates the message).
 */
static krb5_error_code
read_priv(struct ks_context *ctx, const struct ks_kpasswd_request *req,
          const krb5_data *der, krb5_ui_4 seq,
          struct ks_kpasswd_result *result)
{
    krb5_priv *priv = NULL;
    krb5_priv_enc_part *part = NULL;
    krb5_data plain = { 0 };
    krb5_error_code ret;

    ret = decode_krb5_priv(der, &priv);
    if (ret) {
        ret = ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                           "server's KRB-PRIV does not decode");
        goto cleanup;
    }
    ret = ks_secret_decrypt(ctx->k5, &req->subkey,
                            KRB5_KEYUSAGE_KRB_PRIV_ENCPART, &priv->enc_part,
                            &plain);
    if (ret) {
        ks_error_set(ctx, ret, "the kpasswd server's KRB-PRIV does not open "
                     "with our subkey");
        goto cleanup;
    }
    ret = decode_krb5_enc_priv_part(&plain, &part);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the kpasswd server's KRB-PRIV");
        goto cleanup;
    }
    if (part->seq_number != seq)
        ret = ks_error_set(ctx, KRB5KRB_AP_ERR_BADORDER, "the kpasswd "
                           "server's KRB-PRIV has sequence number %u, its "
                           "AP-REP said %u", (unsigned int)part->seq_number,
                           (unsigned int)seq);
    else
        ret = parse_result(ctx, &part->user_data, true, result);

cleanup:
    ks_secret_free(&plain);
    krb5_free_priv_enc_part(ctx->k5, part);
    krb5_free_priv(ctx->k5, priv);
    return ret;
}

krb5_error_code
ks_kpasswd_read_reply(struct ks_context *ctx,
                      const struct ks_kpasswd_request *req,
                      const krb5_data *reply,
                      struct ks_kpasswd_result *result_out)
{
    const unsigned char *p = (const unsigned char *)reply->data;
    struct ks_kpasswd_result result;
    krb5_data ap_rep, rest;
    unsigned int aplen, vno;
    krb5_ui_4 seq = 0;
    krb5_error_code ret;

    memset(&result, 0, sizeof(result));
    if (reply->length > 0 && p[0] == KRB_ERROR_TAG) {
        ret = read_error(ctx, reply, &result);
        goto done;
    }
    if (reply->length < FRAME_HEADER || get16(p) != reply->length)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                            "reply's length field does not match its %u "
                            "bytes", reply->length);
    vno = get16(p + 2);
    if (vno != KS_KPASSWD_VERSION && vno != KS_KPASSWD_SETPW_VERSION)
        return ks_error_set(ctx, KRB5KDC_ERR_BAD_PVNO, "the kpasswd reply "
                            "has protocol version 0x%04x", vno);
    aplen = get16(p + 4);
    if (aplen > reply->length - FRAME_HEADER)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MODIFIED, "the kpasswd "
                            "reply's AP-REP length runs past its end");
    rest.magic = ap_rep.magic = KV5M_DATA;
    ap_rep.data = reply->data + FRAME_HEADER;
    ap_rep.length = aplen;
    rest.data = ap_rep.data + aplen;
    rest.length = reply->length - FRAME_HEADER - aplen;
    if (aplen == 0) {
        ret = read_error(ctx, &rest, &result);
        goto done;
    }
    ret = read_ap_rep(ctx, req, &ap_rep, &seq);
    if (!ret)
        ret = read_priv(ctx, req, &rest, seq, &result);

done:
    if (ret)
        return ret;
    *result_out = result;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The exchange                                                        */

/* SA as a krb5_address whose contents point into BUF (16 bytes). */
static bool
to_krb5_address(const struct sockaddr_storage *sa, krb5_address *out,
                unsigned char *buf)
{
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

    memset(out, 0, sizeof(*out));
    out->magic = KV5M_ADDRESS;
    out->contents = buf;
    if (sa->ss_family == AF_INET) {
        out->addrtype = ADDRTYPE_INET;
        out->length = 4;
        memcpy(buf, &in4->sin_addr, 4);
        return true;
    }
    if (sa->ss_family == AF_INET6) {
        out->addrtype = ADDRTYPE_INET6;
        out->length = 16;
        memcpy(buf, &in6->sin6_addr, 16);
        return true;
    }
    return false;
}

/* The address the kernel sends from to SERVER: a connected UDP socket
 * tells it without sending anything. */
static krb5_error_code
local_address_for(const struct ks_kdc_addr *server,
                  struct sockaddr_storage *local)
{
    socklen_t len = sizeof(*local);
    krb5_error_code ret = 0;
    int fd;

    fd = socket(server->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    memset(local, 0, sizeof(*local));
    if (connect(fd, (const struct sockaddr *)&server->addr,
                server->addrlen) != 0 ||
        getsockname(fd, (struct sockaddr *)local, &len) != 0)
        ret = errno;
    close(fd);
    return ret;
}

/* One server: build from the address we reach it from, send, read. */
static krb5_error_code
try_server(struct ks_context *ctx, const char *realm,
           const struct ks_kdc_addr *server, const krb5_creds *creds,
           const char *password, struct ks_kpasswd_result *result)
{
    struct ks_kdc_list one = { (struct ks_kdc_addr *)server, 1 };
    struct ks_kpasswd_request req;
    struct sockaddr_storage local_sa;
    krb5_address local;
    unsigned char lbuf[16];
    krb5_data reply = { 0 };
    char keydesc[128];
    krb5_error_code ret;

    memset(&req, 0, sizeof(req));
    ret = local_address_for(server, &local_sa);
    if (ret) {
        /* Unreachable: the caller moves on to the next server. */
        krb5_set_error_message(ctx->k5, KRB5_KDC_UNREACH, "Cannot contact "
                               "the kpasswd server %s (%s)", server->name,
                               strerror(ret));
        return KRB5_KDC_UNREACH;
    }
    if (!to_krb5_address(&local_sa, &local, lbuf))
        return ks_error_set(ctx, EAFNOSUPPORT, "the kpasswd server %s",
                            server->name);
    ret = ks_kpasswd_build_request(ctx, creds, password, &local, &req);
    if (ret)
        return ret;
    ks_trace(ctx->trace, "kpasswd request", 0, "request",
             "change-password request (version 1, %u bytes) for %s: "
             "AP-REQ with subkey %s and sequence number %u, KRB-PRIV with "
             "the new password", req.der.length, server->name,
             ks_trace_key(ctx->trace, ctx->k5, &req.subkey, keydesc,
                          sizeof(keydesc)),
             (unsigned int)req.seq);
    ret = ks_transport_send_kpasswd(ctx, realm, &one, &req.der,
                                    "kpasswd send", &reply, NULL);
    if (!ret)
        ret = ks_kpasswd_read_reply(ctx, &req, &reply, result);
    krb5_free_data_contents(ctx->k5, &reply);
    ks_kpasswd_request_clear(ctx->k5, &req);
    return ret;
}

/* The error for a result other than success. */
static krb5_error_code
result_error(struct ks_context *ctx, const struct ks_kpasswd_result *r)
{
    krb5_set_error_message(ctx->k5, KRB5_CHPW_FAIL, "%s%s%s%s",
                           ks_kpasswd_result_name(r->code),
                           r->text[0] != '\0' ? ": " : "", r->text,
                           r->authenticated ? "" : " (unauthenticated "
                                                   "KRB-ERROR)");
    return KRB5_CHPW_FAIL;
}

krb5_error_code
ks_kpasswd_change(struct ks_context *ctx, const krb5_creds *creds,
                  const char *new_password)
{
    struct ks_kdc_list list = { 0 };
    struct ks_kpasswd_result result;
    const krb5_data *r = &creds->server->realm;
    bool from_kdcs = false;
    char realm[256];
    krb5_error_code ret;

    memset(&result, 0, sizeof(result));
    if (r->length == 0 || r->length >= sizeof(realm))
        return ks_error_set(ctx, KRB5_REALM_UNKNOWN, "the kadmin/changepw "
                            "ticket has no usable realm");
    memcpy(realm, r->data, r->length);
    realm[r->length] = '\0';
    ret = locate(ctx, realm, &list, &from_kdcs);
    if (ret)
        return ret;
    /* The next server only when this one did not answer at all. */
    ret = KRB5_KDC_UNREACH;
    for (size_t i = 0; i < list.count && ret == KRB5_KDC_UNREACH; i++)
        ret = try_server(ctx, realm, &list.addrs[i], creds, new_password,
                         &result);
    ks_kdc_list_free(&list);
    if (ret == KRB5_KDC_UNREACH && from_kdcs)
        ks_error_prefix(ctx, ret, "no kpasswd_server or admin_server for "
                        "%s in krb5.conf, so its KDCs were tried on port %s",
                        realm, KS_KPASSWD_PORT);
    if (ret)
        return ret;
    ks_trace(ctx->trace, "kpasswd reply", 0, "result",
             "result %d (%s)%s%s", result.code,
             ks_kpasswd_result_name(result.code),
             result.text[0] != '\0' ? ": " : "", result.text);
    if (result.code != KRB5_KPASSWD_SUCCESS)
        return result_error(ctx, &result);
    return 0;
}

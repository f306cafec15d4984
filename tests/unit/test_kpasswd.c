/*
 * kpasswd: the change-password request opened as MIT's kadmind would open
 * it (AP-REQ usage 11, KRB-PRIV usage 13 under the subkey), replies built
 * here as kadmind builds them (AP-REP usage 12, KRB-PRIV usage 13, framed
 * and bare KRB-ERRORs) and every check of the reply, all offline; and the
 * order in which the servers are located from krb5.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange/kpasswd.h"
#include "core/krb5_private.h"
#include "tap.h"

static struct ks_context *ctx;
static krb5_principal alice, changepw;
static krb5_keyblock service_key;
static krb5_creds creds;
static unsigned char local_bytes[4] = { 127, 0, 0, 1 };
static unsigned char other_bytes[4] = { 10, 0, 0, 1 };
static krb5_address local_addr = { KV5M_ADDRESS, ADDRTYPE_INET, 4,
                                   local_bytes };
static krb5_address other_addr = { KV5M_ADDRESS, ADDRTYPE_INET, 4,
                                   other_bytes };

static void
seal_encode(const krb5_keyblock *key, krb5_keyusage usage,
            const krb5_data *plain, krb5_enc_data *out)
{
    size_t len = 0;

    krb5_c_encrypt_length(ctx->k5, key->enctype, plain->length, &len);
    out->magic = KV5M_ENC_DATA;
    out->enctype = key->enctype;
    out->kvno = 0;
    out->ciphertext.length = (unsigned int)len;
    out->ciphertext.data = malloc(len);
    krb5_c_encrypt(ctx->k5, key, usage, NULL, plain, out);
}

static krb5_data
open_sealed(const krb5_keyblock *key, krb5_keyusage usage,
            const krb5_enc_data *in, krb5_error_code *ret)
{
    krb5_data plain = { KV5M_DATA, in->ciphertext.length, NULL };

    plain.data = malloc(in->ciphertext.length);
    *ret = krb5_c_decrypt(ctx->k5, key, usage, NULL, in, &plain);
    return plain;
}

/* A ticket for kadmin/changepw: only its outside matters here. */
static void
make_creds(void)
{
    krb5_ticket tkt;
    krb5_data *der = NULL, junk = { KV5M_DATA, 5, (char *)"hello" };

    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                           &service_key);
    memset(&tkt, 0, sizeof(tkt));
    tkt.server = changepw;
    seal_encode(&service_key, 2, &junk, &tkt.enc_part);
    tkt.enc_part.kvno = 1;
    encode_krb5_ticket(&tkt, &der);
    free(tkt.enc_part.ciphertext.data);
    memset(&creds, 0, sizeof(creds));
    creds.client = alice;
    creds.server = changepw;
    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                           &creds.keyblock);
    creds.ticket = *der;
    free(der);
}

/* What kadmind learns from a request. */
struct opened {
    bool ok;
    krb5_keyblock *subkey;
    krb5_ui_4 auth_seq, priv_seq;
    krb5_timestamp ctime;
    krb5_int32 cusec;
    char password[128];
    bool client_ok, server_ok, s_address_ok;
};

static void
open_priv(const krb5_data *der, struct opened *o)
{
    krb5_priv *priv = NULL;
    krb5_priv_enc_part *part = NULL;
    krb5_error_code ret;
    krb5_data plain;

    if (decode_krb5_priv(der, &priv) != 0)
        return;
    plain = open_sealed(o->subkey, 13, &priv->enc_part, &ret);
    if (ret == 0 && decode_krb5_enc_priv_part(&plain, &part) == 0) {
        o->priv_seq = part->seq_number;
        snprintf(o->password, sizeof(o->password), "%.*s",
                 (int)part->user_data.length, part->user_data.data);
        o->s_address_ok = krb5_address_compare(ctx->k5, part->s_address,
                                               &local_addr);
        o->ok = true;
        krb5_free_priv_enc_part(ctx->k5, part);
    }
    free(plain.data);
    krb5_free_priv(ctx->k5, priv);
}

/* Open REQ as kadmind does: framing, AP-REQ, authenticator, KRB-PRIV. */
static void
open_request(const krb5_data *req, struct opened *o)
{
    const unsigned char *p = (const unsigned char *)req->data;
    krb5_ap_req *ap = NULL;
    krb5_authenticator *auth = NULL;
    krb5_data apd, rest, plain = { 0 };
    krb5_error_code ret;
    unsigned int aplen;

    memset(o, 0, sizeof(*o));
    if (req->length < 6 || (p[0] << 8 | p[1]) != (int)req->length ||
        p[2] != 0 || p[3] != 1)
        return;
    aplen = (unsigned int)(p[4] << 8 | p[5]);
    apd.data = req->data + 6;
    apd.length = aplen;
    rest.data = apd.data + aplen;
    rest.length = req->length - 6 - aplen;
    if (decode_krb5_ap_req(&apd, &ap) != 0)
        return;
    o->server_ok = krb5_principal_compare(ctx->k5, ap->ticket->server,
                                          changepw);
    plain = open_sealed(&creds.keyblock, 11, &ap->authenticator, &ret);
    if (ret == 0 && decode_krb5_authenticator(&plain, &auth) == 0) {
        o->client_ok = krb5_principal_compare(ctx->k5, auth->client, alice);
        o->auth_seq = auth->seq_number;
        o->ctime = auth->ctime;
        o->cusec = auth->cusec;
        krb5_copy_keyblock(ctx->k5, auth->subkey, &o->subkey);
        krb5_free_authenticator(ctx->k5, auth);
        open_priv(&rest, o);
    }
    free(plain.data);
    krb5_free_ap_req(ctx->k5, ap);
}

/* How a reply is to be built (and broken). */
struct reply_spec {
    int code;
    const char *text;
    size_t textlen;                 /* 0: strlen(text) */
    krb5_ui_4 rep_seq, priv_seq;
    int ctime_delta;
    const krb5_keyblock *rep_key;   /* NULL: the session key */
    const krb5_keyblock *priv_key;  /* NULL: the request's subkey */
    const krb5_address *s_address;  /* NULL: the server's */
    unsigned int version;           /* 0: 1 */
    int length_delta;
};

static krb5_data *
build_ap_rep(const struct ks_kpasswd_request *req,
             const struct reply_spec *s)
{
    krb5_ap_rep_enc_part part;
    krb5_ap_rep rep;
    krb5_data *part_der = NULL, *der = NULL;

    memset(&part, 0, sizeof(part));
    part.ctime = req->ctime + s->ctime_delta;
    part.cusec = req->cusec;
    part.seq_number = s->rep_seq;
    encode_krb5_ap_rep_enc_part(&part, &part_der);
    memset(&rep, 0, sizeof(rep));
    seal_encode(s->rep_key ? s->rep_key : &req->session, 12, part_der,
                &rep.enc_part);
    encode_krb5_ap_rep(&rep, &der);
    free(rep.enc_part.ciphertext.data);
    krb5_free_data(ctx->k5, part_der);
    return der;
}

static krb5_data *
build_priv(const struct ks_kpasswd_request *req, const struct reply_spec *s)
{
    krb5_priv_enc_part part;
    krb5_priv priv;
    krb5_data *part_der = NULL, *der = NULL;
    size_t tl = s->textlen ? s->textlen : strlen(s->text);
    char *clear = malloc(2 + tl);

    clear[0] = (char)(s->code >> 8);
    clear[1] = (char)s->code;
    memcpy(clear + 2, s->text, tl);
    memset(&part, 0, sizeof(part));
    part.user_data.data = clear;
    part.user_data.length = (unsigned int)(2 + tl);
    part.seq_number = s->priv_seq;
    part.s_address = (krb5_address *)(s->s_address ? s->s_address
                                                   : &local_addr);
    encode_krb5_enc_priv_part(&part, &part_der);
    memset(&priv, 0, sizeof(priv));
    seal_encode(s->priv_key ? s->priv_key : &req->subkey, 13, part_der,
                &priv.enc_part);
    encode_krb5_priv(&priv, &der);
    free(priv.enc_part.ciphertext.data);
    krb5_free_data(ctx->k5, part_der);
    free(clear);
    return der;
}

static krb5_data
frame(const krb5_data *ap_rep, const krb5_data *rest, unsigned int version,
      int length_delta)
{
    krb5_data out;
    unsigned int aplen = ap_rep ? ap_rep->length : 0;
    unsigned int len = 6 + aplen + rest->length;
    unsigned char *p = malloc(len);

    p[0] = (unsigned char)((len + length_delta) >> 8);
    p[1] = (unsigned char)(len + length_delta);
    p[2] = (unsigned char)(version >> 8);
    p[3] = (unsigned char)version;
    p[4] = (unsigned char)(aplen >> 8);
    p[5] = (unsigned char)aplen;
    if (aplen)
        memcpy(p + 6, ap_rep->data, aplen);
    memcpy(p + 6 + aplen, rest->data, rest->length);
    out.magic = KV5M_DATA;
    out.data = (char *)p;
    out.length = len;
    return out;
}

static krb5_data
build_reply(const struct ks_kpasswd_request *req, const struct reply_spec *s)
{
    krb5_data *ap = build_ap_rep(req, s), *priv = build_priv(req, s);
    krb5_data out = frame(ap, priv, s->version ? s->version : 1,
                          s->length_delta);

    krb5_free_data(ctx->k5, ap);
    krb5_free_data(ctx->k5, priv);
    return out;
}

/* A KRB-ERROR from kadmin/changepw, e-data = CODE + TEXT when CODE >= 0. */
static krb5_data *
build_error(krb5_int32 error, int code, const char *text)
{
    krb5_error err;
    krb5_data *der = NULL;
    char edata[64];

    memset(&err, 0, sizeof(err));
    err.error = error;
    err.server = changepw;
    if (code >= 0) {
        edata[0] = (char)(code >> 8);
        edata[1] = (char)code;
        memcpy(edata + 2, text, strlen(text));
        err.e_data.data = edata;
        err.e_data.length = (unsigned int)(2 + strlen(text));
    }
    encode_krb5_error(&err, &der);
    return der;
}

static bool
message_has(krb5_error_code code, const char *want)
{
    const char *msg = ks_context_message(ctx, code);
    bool found = strstr(msg, want) != NULL;

    if (!found)
        printf("#   message: %s\n", msg);
    ks_context_free_message(ctx, msg);
    return found;
}

static void
test_request(void)
{
    struct ks_kpasswd_request req;
    struct opened o;
    krb5_error_code ret;
    char *big;

    ret = ks_kpasswd_build_request(ctx, &creds, "new-pw-1", &local_addr,
                                   &req);
    is_int(ret, 0, "build a change-password request");
    open_request(&req.der, &o);
    ok(o.ok, "kadmind's reading: framing, AP-REQ, authenticator, KRB-PRIV");
    ok(o.server_ok, "the AP-REQ carries the kadmin/changepw ticket");
    ok(o.client_ok, "the authenticator names the client");
    ok(o.subkey != NULL &&
           o.subkey->enctype == creds.keyblock.enctype &&
           o.subkey->length == req.subkey.length &&
           memcmp(o.subkey->contents, req.subkey.contents,
                  req.subkey.length) == 0,
       "the authenticator's subkey is the one kept for the reply");
    ok(o.subkey == NULL || o.subkey->length != creds.keyblock.length ||
           memcmp(o.subkey->contents, creds.keyblock.contents,
                  o.subkey->length) != 0,
       "the subkey is not the session key");
    is_str(o.password, "new-pw-1", "the KRB-PRIV holds the new password");
    ok(o.auth_seq != 0 && o.auth_seq == o.priv_seq && o.auth_seq == req.seq,
       "authenticator and KRB-PRIV carry the same sequence number");
    ok(o.s_address_ok, "the KRB-PRIV's s-address is our address");
    ok(o.ctime == req.ctime && o.cusec == req.cusec,
       "the request keeps the authenticator's time for the AP-REP check");
    ok(memmem(req.der.data, req.der.length, "new-pw-1", 8) == NULL,
       "the password does not appear in clear");
    krb5_free_keyblock(ctx->k5, o.subkey);
    ks_kpasswd_request_clear(ctx->k5, &req);
    ok(req.der.data == NULL && req.subkey.contents == NULL,
       "clearing the request frees it");

    big = malloc(70000);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    ret = ks_kpasswd_build_request(ctx, &creds, big, &local_addr, &req);
    ok(ret == EINVAL && message_has(ret, "too long"),
       "a password that cannot fit kpasswd's 16-bit framing is refused");
    free(big);
}

/* Build a request, a reply from SPEC, and read it. */
static krb5_error_code
exchange(const struct reply_spec *spec, struct ks_kpasswd_result *result)
{
    struct ks_kpasswd_request req;
    krb5_data reply;
    krb5_error_code ret;

    memset(result, 0, sizeof(*result));
    result->code = -1;
    ret = ks_kpasswd_build_request(ctx, &creds, "new-pw-1", &local_addr,
                                   &req);
    if (ret)
        return ret;
    reply = build_reply(&req, spec);
    ret = ks_kpasswd_read_reply(ctx, &req, &reply, result);
    free(reply.data);
    ks_kpasswd_request_clear(ctx->k5, &req);
    return ret;
}

static struct reply_spec
good_spec(int code, const char *text)
{
    struct reply_spec s;

    memset(&s, 0, sizeof(s));
    s.code = code;
    s.text = text;
    s.rep_seq = s.priv_seq = 797543878;
    return s;
}

static void
test_good_replies(void)
{
    struct ks_kpasswd_result r;
    struct reply_spec s = good_spec(0, "");
    static const char ad_policy[30] = { 0, 0, 0, 0, 0, 12 };
    krb5_error_code ret;

    ret = exchange(&s, &r);
    ok(ret == 0 && r.code == 0 && r.authenticated,
       "success: AP-REP and KRB-PRIV checked, result 0");
    s = good_spec(KRB5_KPASSWD_SOFTERROR, "New password is too short.\n"
                  "Please choose a password which is at least 12 "
                  "characters long.");
    ret = exchange(&s, &r);
    is_int(ret, 0, "a refusal is a result, not a failure to read");
    is_int(r.code, KRB5_KPASSWD_SOFTERROR, "result code 4 (soft error)");
    is_str(r.text, "New password is too short. Please choose a password "
           "which is at least 12 characters long.",
           "the server's text on one line");
    s = good_spec(KRB5_KPASSWD_SOFTERROR, "bad \x1b[31mred\x1b[0m");
    exchange(&s, &r);
    is_str(r.text, "bad \\x1b[31mred\\x1b[0m",
           "escape sequences in the server's text are defused");
    s = good_spec(KRB5_KPASSWD_SOFTERROR, ad_policy);
    s.textlen = sizeof(ad_policy);
    exchange(&s, &r);
    is_str(r.text, "The password must contain at least 12 characters.",
           "an AD policy blob is read as MIT reads it");
    s = good_spec(KRB5_KPASSWD_HARDERROR, "");
    exchange(&s, &r);
    ok(r.code == 2 && strstr(r.text, "contact your administrator") != NULL,
       "an empty refusal gets MIT's suggestion");
    is_str(ks_kpasswd_result_name(4), "Password change rejected",
           "result 4 has MIT's name");
    is_str(ks_kpasswd_result_name(5), "Access denied",
           "result 5 has MIT's name");
}

static void
test_bad_replies(void)
{
    struct ks_kpasswd_result r;
    struct reply_spec s;
    krb5_keyblock other = { 0 };

    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &other);
    s = good_spec(0, "");
    s.ctime_delta = 1;
    is_int(exchange(&s, &r), KRB5_MUTUAL_FAILED,
           "an AP-REP that does not echo our time is rejected");
    s = good_spec(0, "");
    s.rep_key = &other;
    is_int(exchange(&s, &r), KRB5KRB_AP_ERR_BAD_INTEGRITY,
           "an AP-REP not under the session key is rejected");
    s = good_spec(0, "");
    s.priv_key = &creds.keyblock;
    is_int(exchange(&s, &r), KRB5KRB_AP_ERR_BAD_INTEGRITY,
           "a KRB-PRIV not under our subkey is rejected");
    s = good_spec(0, "");
    s.priv_seq = 12345;
    is_int(exchange(&s, &r), KRB5KRB_AP_ERR_BADORDER,
           "a KRB-PRIV whose sequence number is not the AP-REP's");
    s = good_spec(0, "");
    s.s_address = &other_addr;
    ok(exchange(&s, &r) == 0 && r.code == 0,
       "a KRB-PRIV naming another sender address is read (kadmind may name "
       "any of its addresses; MIT's client does not compare either)");
    s = good_spec(9, "");
    is_int(exchange(&s, &r), KRB5KRB_AP_ERR_MODIFIED,
           "an unknown result code");
    s = good_spec(0, "");
    s.version = 2;
    is_int(exchange(&s, &r), KRB5KDC_ERR_BAD_PVNO, "protocol version 2");
    s = good_spec(0, "");
    s.length_delta = 1;
    is_int(exchange(&s, &r), KRB5KRB_AP_ERR_MODIFIED,
           "a length field that is not the reply's length");
    ok(r.code == -1, "a failed read leaves the result untouched");
    krb5_free_keyblock_contents(ctx->k5, &other);
}

static krb5_error_code
read_raw(const krb5_data *reply, struct ks_kpasswd_result *r)
{
    struct ks_kpasswd_request req;
    krb5_error_code ret;

    memset(r, 0, sizeof(*r));
    r->code = -1;
    ret = ks_kpasswd_build_request(ctx, &creds, "x", &local_addr, &req);
    if (!ret)
        ret = ks_kpasswd_read_reply(ctx, &req, reply, r);
    ks_kpasswd_request_clear(ctx->k5, &req);
    return ret;
}

static void
test_error_replies(void)
{
    struct ks_kpasswd_result r;
    krb5_data *err, framed, tiny = { KV5M_DATA, 5, (char *)"\0\5\0\1\0" };
    unsigned char past[8] = { 0, 8, 0, 1, 0, 9, 0, 0 };
    krb5_data past_end = { KV5M_DATA, 8, (char *)past };

    err = build_error(60, KRB5_KPASSWD_HARDERROR, "Failed reading request");
    framed = frame(NULL, err, 1, 0);
    is_int(read_raw(&framed, &r), 0, "a framed KRB-ERROR is read");
    ok(r.code == 2 && !r.authenticated &&
           strcmp(r.text, "Failed reading request") == 0,
       "its e-data gives the result, marked unauthenticated");
    free(framed.data);
    is_int(read_raw(err, &r), 0, "a bare KRB-ERROR is read too");
    krb5_free_data(ctx->k5, err);

    err = build_error(60, KRB5_KPASSWD_SUCCESS, "");
    is_int(read_raw(err, &r), KRB5KRB_AP_ERR_MODIFIED,
           "a KRB-ERROR that claims success is rejected");
    krb5_free_data(ctx->k5, err);

    err = build_error(41, -1, "");
    is_int(read_raw(err, &r), KRB5KRB_AP_ERR_MODIFIED,
           "a KRB-ERROR without e-data gives its own code");
    ok(message_has(KRB5KRB_AP_ERR_MODIFIED, "refused the request"),
       "... and says the server refused the request");
    krb5_free_data(ctx->k5, err);

    is_int(read_raw(&tiny, &r), KRB5KRB_AP_ERR_MODIFIED,
           "a reply shorter than the header");
    is_int(read_raw(&past_end, &r), KRB5KRB_AP_ERR_MODIFIED,
           "an AP-REP length that runs past the end");
}

static char conf[64];

static void
write_conf(const char *text)
{
    FILE *f = fopen(conf, "w");

    fputs(text, f);
    fclose(f);
}

static void
check_locate(const char *realm, const char *want, krb5_error_code want_ret,
             const char *what)
{
    struct ks_kdc_list list = { 0 };
    char got[256] = "";
    krb5_error_code ret = ks_kpasswd_locate(ctx, realm, &list);

    for (size_t i = 0; i < list.count; i++) {
        strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
        strncat(got, list.addrs[i].name, sizeof(got) - strlen(got) - 1);
    }
    if (want_ret)
        is_int(ret, want_ret, "%s", what);
    else
        is_str(got, want, "%s", what);
    ks_kdc_list_free(&list);
}

static void
test_locate(void)
{
    struct ks_context *saved = ctx;
    int fd;

    snprintf(conf, sizeof(conf), "/tmp/test_kpasswd.XXXXXX");
    fd = mkstemp(conf);
    close(fd);
    write_conf("[realms]\n"
               " BOTH = {\n  kdc = 127.0.0.1:88\n"
               "  kpasswd_server = 127.0.0.1:7464\n"
               "  admin_server = 127.0.0.2:749\n }\n"
               " NOPORT = {\n  kpasswd_server = 127.0.0.1\n }\n"
               " ADMIN = {\n  kdc = 127.0.0.1:88\n"
               "  admin_server = tcp/127.0.0.2:749\n }\n"
               " KDCONLY = {\n  kdc = 127.0.0.3:8888\n }\n"
               " V6 = {\n  kpasswd_server = [::1]:7464\n }\n"
               " EMPTY = {\n  default_domain = x\n }\n");
    setenv("KRB5_CONFIG", conf, 1);
    ctx = NULL;
    if (ks_context_new("test_kpasswd", &ctx, NULL) != 0) {
        ok(0, "context for the locate tests");
        ctx = saved;
        return;
    }
    check_locate("BOTH", "127.0.0.1:7464", 0,
                 "kpasswd_server first, with its own port");
    check_locate("NOPORT", "127.0.0.1:464", 0,
                 "kpasswd_server without a port: 464");
    check_locate("ADMIN", "127.0.0.2:464", 0,
                 "then admin_server, its port replaced by 464");
    check_locate("KDCONLY", "127.0.0.3:464", 0,
                 "then the kdc hosts on 464");
    check_locate("V6", "[::1]:7464", 0, "an IPv6 kpasswd_server");
    check_locate("EMPTY", NULL, KRB5_REALM_UNKNOWN,
                 "a realm that names no server");
    ok(message_has(KRB5_REALM_UNKNOWN, "set kpasswd_server or admin_server"),
       "... says what to configure");
    ks_context_free(ctx);
    ctx = saved;
    unlink(conf);
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (ks_context_new("test_kpasswd", &ctx, NULL) != 0) {
        ok(0, "context");
        return tap_done();
    }
    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &alice);
    krb5_parse_name(ctx->k5, "kadmin/changepw@TEST.REALM", &changepw);
    make_creds();
    test_request();
    test_good_replies();
    test_bad_replies();
    test_error_replies();
    test_locate();
    krb5_free_data_contents(ctx->k5, &creds.ticket);
    krb5_free_keyblock_contents(ctx->k5, &creds.keyblock);
    krb5_free_keyblock_contents(ctx->k5, &service_key);
    krb5_free_principal(ctx->k5, alice);
    krb5_free_principal(ctx->k5, changepw);
    ks_context_free(ctx);
    return tap_done();
}

/*
 * s4u: the S4U2Self, S4U2Proxy and user-to-user requests as built (step
 * 1, decoded back and their checksums verified), and the checks of S4U
 * replies built here under known keys.  No KDC is contacted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/krb5_private.h"
#include "exchange/s4u.h"
#include "tap.h"
#include "exchange/tgs.h"

#include "../fixtures/tgs_client.h"

static krb5_principal alice;

static krb5_creds *
fake_creds(const char *client, const char *server)
{
    krb5_creds *c = calloc(1, sizeof(*c));

    c->client = princ(client);
    c->server = princ(server);
    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &c->keyblock);
    c->times.authtime = c->times.starttime = now() - 10;
    c->times.endtime = now() + 3600;
    c->ticket_flags = TKT_FLG_FORWARDABLE;
    fake_ticket(c->server, &c->ticket);
    return c;
}

static struct ks_tgs_request *
build(const krb5_creds *tgt, const char *server, krb5_flags options,
      const krb5_data *second, const struct ks_tgs_hook *hook)
{
    struct ks_tgs_request *req = NULL;
    struct ks_tgs_options o = { 0 };
    krb5_principal s = princ(server);

    o.kdc_options = options;
    o.second_ticket = second;
    o.hook = hook;
    if (ks_tgs_build_request(ctx, tgt, s, &o, &req) != 0)
        abort();
    krb5_free_principal(k5, s);
    return req;
}

static const krb5_pa_data *
find_pa(krb5_pa_data **pa, krb5_preauthtype type)
{
    for (size_t i = 0; pa != NULL && pa[i] != NULL; i++) {
        if (pa[i]->pa_type == type)
            return pa[i];
    }
    return NULL;
}

static krb5_data
pa_data(const krb5_pa_data *pa)
{
    krb5_data d = { KV5M_DATA, pa->length, (char *)pa->contents };

    return d;
}

static void
test_for_user_text(void)
{
    krb5_principal p = princ("alice@TEST.REALM");
    krb5_data d = { 0 };
    const char want[] = "\x01\x00\x00\x00" "alice" "TEST.REALM" "Kerberos";

    is_int(ks_s4u_for_user_text(p, &d), 0, "PA-FOR-USER text made");
    ok(d.length == sizeof(want) - 1 && memcmp(d.data, want, d.length) == 0,
       "name type (little-endian), name, realm, \"Kerberos\"");
    krb5_free_data_contents(k5, &d);
    krb5_free_principal(k5, p);
}

/* PA-S4U-X509-USER: our nonce, the user, a keyed checksum (usage 26). */
static void
check_x509_user(const struct ks_tgs_request *req, krb5_pa_data **pa,
                krb5_const_principal user)
{
    const krb5_pa_data *p = find_pa(pa, KRB5_PADATA_S4U_X509_USER);
    krb5_pa_s4u_x509_user *px = NULL;
    krb5_data d, *der = NULL;
    krb5_boolean valid = FALSE;

    ok(p != NULL, "S4U2Self: PA-S4U-X509-USER sent");
    if (p == NULL)
        return;
    d = pa_data(p);
    is_int(decode_krb5_pa_s4u_x509_user(&d, &px), 0,
           "PA-S4U-X509-USER decodes");
    is_int(px->user_id.nonce, req->nonce, "its nonce is the request's");
    ok(krb5_principal_compare(k5, px->user_id.user, user), "its user");
    ok(px->user_id.options & KS_S4U_OPTS_USE_REPLY_KEY_USAGE,
       "asks the KDC to sign with usage 27");
    ok(krb5_c_is_keyed_cksum(px->cksum.checksum_type), "keyed checksum");
    encode_krb5_s4u_userid(&px->user_id, &der);
    krb5_c_verify_checksum(k5, req->subkey, 26, der, &px->cksum, &valid);
    ok(valid, "checksum verifies with the subkey, usage 26");
    krb5_free_data(k5, der);
    krb5_free_pa_s4u_x509_user(k5, px);
}

/* PA-FOR-USER: HMAC-MD5 with the TGT session key, usage 17. */
static void
check_for_user(const struct ks_tgs_request *req, krb5_pa_data **pa,
               krb5_const_principal user)
{
    const krb5_pa_data *p = find_pa(pa, KRB5_PADATA_FOR_USER);
    krb5_pa_for_user *fu = NULL;
    krb5_data d, text = { 0 };
    krb5_boolean valid = FALSE;

    ok(p != NULL, "S4U2Self: PA-FOR-USER sent");
    if (p == NULL)
        return;
    d = pa_data(p);
    is_int(decode_krb5_pa_for_user(&d, &fu), 0, "PA-FOR-USER decodes");
    ok(krb5_principal_compare(k5, fu->user, user), "its user");
    ok(fu->auth_package.length == 8 &&
       memcmp(fu->auth_package.data, "Kerberos", 8) == 0,
       "auth-package Kerberos");
    is_int(fu->cksum.checksum_type, CKSUMTYPE_HMAC_MD5_ARCFOUR,
           "HMAC-MD5 checksum");
    ks_s4u_for_user_text(fu->user, &text);
    krb5_c_verify_checksum(k5, &req->tgt->keyblock, 17, &text, &fu->cksum,
                           &valid);
    ok(valid, "checksum verifies with the session key, usage 17");
    krb5_free_data_contents(k5, &text);
    krb5_free_pa_for_user(k5, fu);
}

static void
test_self_request(const krb5_creds *tgt)
{
    krb5_principal user = princ("alice@TEST.REALM");
    struct ks_s4u_self_arg arg = { user, false };
    struct ks_tgs_hook hook;
    struct ks_tgs_request *req;
    krb5_kdc_req *kr = NULL;

    ks_s4u_self_hook(&arg, &hook);
    req = build(tgt, "HTTP/web.test.realm@TEST.REALM", KDC_OPT_CANONICALIZE,
                NULL, &hook);
    is_int(decode_krb5_tgs_req(&req->encoded, &kr), 0, "S4U2Self: decodes");
    is_int(kr->padata[0]->pa_type, 1, "PA-TGS-REQ first");
    is_int(kr->padata[1]->pa_type, KRB5_PADATA_S4U_X509_USER,
           "then PA-S4U-X509-USER");
    is_int(kr->padata[2]->pa_type, KRB5_PADATA_FOR_USER,
           "then PA-FOR-USER, as MIT sends them");
    check_x509_user(req, kr->padata, user);
    check_for_user(req, kr->padata, user);
    ok(kr->second_ticket == NULL, "no additional ticket");
    krb5_free_kdc_req(k5, kr);
    ks_tgs_request_free(ctx, req);
    krb5_free_principal(k5, user);
}

/* The authenticator's checksum covers the body with the additional
 * ticket in it. */
static void
check_body_checksum(const krb5_creds *tgt, krb5_kdc_req *kr,
                    const char *what)
{
    krb5_ap_req *ap = NULL;
    krb5_authenticator *auth = NULL;
    krb5_data plain, pad, *body = NULL;
    krb5_boolean valid = FALSE;

    pad = pa_data(kr->padata[0]);
    decode_krb5_ap_req(&pad, &ap);
    plain.length = ap->authenticator.ciphertext.length;
    plain.data = malloc(plain.length);
    krb5_c_decrypt(k5, &tgt->keyblock, 7, NULL, &ap->authenticator, &plain);
    decode_krb5_authenticator(&plain, &auth);
    encode_krb5_kdc_req_body(kr, &body);
    krb5_c_verify_checksum(k5, &tgt->keyblock, 6, body, auth->checksum,
                           &valid);
    ok(valid, "%s: the body checksum covers the additional ticket", what);
    krb5_free_data(k5, body);
    free(plain.data);
    krb5_free_authenticator(k5, auth);
    krb5_free_ap_req(k5, ap);
}

static void
test_proxy_request(const krb5_creds *tgt, const krb5_creds *evidence)
{
    struct ks_tgs_hook hook;
    struct ks_tgs_request *req;
    krb5_kdc_req *kr = NULL;
    krb5_data *der = NULL, d;
    krb5_pa_pac_options *po = NULL;
    const krb5_pa_data *p;

    ks_s4u_proxy_hook(evidence->client, &hook);
    req = build(tgt, "host/back.test.realm@TEST.REALM",
                KDC_OPT_CNAME_IN_ADDL_TKT | KDC_OPT_CANONICALIZE,
                &evidence->ticket, &hook);
    is_int(decode_krb5_tgs_req(&req->encoded, &kr), 0, "S4U2Proxy: decodes");
    ok(kr->kdc_options & KDC_OPT_CNAME_IN_ADDL_TKT, "cname-in-addl-tkt");
    ok(kr->second_ticket != NULL && kr->second_ticket[0] != NULL &&
       kr->second_ticket[1] == NULL, "one additional ticket");
    if (kr->second_ticket != NULL && kr->second_ticket[0] != NULL)
        encode_krb5_ticket(kr->second_ticket[0], &der);
    ok(der != NULL && der->length == evidence->ticket.length &&
       memcmp(der->data, evidence->ticket.data, der->length) == 0,
       "it is the evidence ticket");
    p = find_pa(kr->padata, KRB5_PADATA_PAC_OPTIONS);
    ok(p != NULL, "PA-PAC-OPTIONS sent");
    if (p != NULL) {
        d = pa_data(p);
        is_int(decode_krb5_pa_pac_options(&d, &po), 0,
               "PA-PAC-OPTIONS decodes");
        ok(po != NULL && (po->options & KS_PA_PAC_OPTIONS_RBCD),
           "resource-based constrained delegation asked for");
        free(po);
    }
    check_body_checksum(tgt, kr, "S4U2Proxy");
    krb5_free_data(k5, der);
    krb5_free_kdc_req(k5, kr);
    ks_tgs_request_free(ctx, req);
}

static void
test_u2u_request(const krb5_creds *tgt, const krb5_creds *other)
{
    struct ks_tgs_request *req;
    krb5_kdc_req *kr = NULL;

    req = build(tgt, "bob@TEST.REALM", KDC_OPT_ENC_TKT_IN_SKEY,
                &other->ticket, NULL);
    is_int(decode_krb5_tgs_req(&req->encoded, &kr), 0, "u2u: decodes");
    ok(kr->kdc_options & KDC_OPT_ENC_TKT_IN_SKEY, "enc-tkt-in-skey");
    ok(kr->second_ticket != NULL && kr->second_ticket[0] != NULL &&
       krb5_principal_compare(k5, kr->second_ticket[0]->server,
                              other->server),
       "the other user's TGT as additional ticket");
    ok(kr->padata[1] == NULL, "no padata beyond PA-TGS-REQ");
    check_body_checksum(tgt, kr, "u2u");
    krb5_free_kdc_req(k5, kr);
    ks_tgs_request_free(ctx, req);
}

/* How a test PA-S4U-X509-USER departs from a good one. */
struct s4u_twist {
    krb5_int32 nonce_delta;
    const char *user;               /* NULL: alice@TEST.REALM */
    krb5_cksumtype cksumtype;       /* 0: mandatory keyed */
    bool stranger_key;
    bool no_reply_usage;            /* options 0, usage 26 */
    bool empty_user;
};

static krb5_pa_data *
make_reply_s4u(const krb5_keyblock *subkey, krb5_int32 nonce,
               const struct s4u_twist *tw)
{
    krb5_pa_s4u_x509_user px;
    krb5_keyblock stranger = { 0 };
    krb5_data *userid = NULL, *der = NULL;
    krb5_pa_data *pa = calloc(1, sizeof(*pa));

    memset(&px, 0, sizeof(px));
    px.user_id.nonce = nonce + tw->nonce_delta;
    px.user_id.user = princ(tw->user ? tw->user : "alice@TEST.REALM");
    if (tw->empty_user)
        px.user_id.user->length = 0;
    px.user_id.options = tw->no_reply_usage ? 0 :
        KS_S4U_OPTS_USE_REPLY_KEY_USAGE;
    encode_krb5_s4u_userid(&px.user_id, &userid);
    if (tw->stranger_key)
        krb5_c_make_random_key(k5, subkey->enctype, &stranger);
    /* An unkeyed type is made without a key, as a forger would. */
    if (krb5_c_make_checksum(k5, tw->cksumtype,
                             tw->cksumtype != 0 &&
                             !krb5_c_is_keyed_cksum(tw->cksumtype) ? NULL :
                             tw->stranger_key ? &stranger : subkey,
                             tw->no_reply_usage ? 26 : 27, userid,
                             &px.cksum) != 0)
        abort();
    encode_krb5_pa_s4u_x509_user(&px, &der);
    pa->magic = KV5M_PA_DATA;
    pa->pa_type = KRB5_PADATA_S4U_X509_USER;
    pa->length = der->length;
    pa->contents = (krb5_octet *)der->data;
    free(der);
    if (tw->empty_user)
        px.user_id.user->length = 1;
    krb5_free_principal(k5, px.user_id.user);
    krb5_free_checksum_contents(k5, &px.cksum);
    krb5_free_data(k5, userid);
    krb5_free_keyblock_contents(k5, &stranger);
    return pa;
}

static krb5_error_code
verify(const krb5_keyblock *subkey, const struct s4u_twist *tw,
       bool in_enc_only, krb5_principal *user_out)
{
    krb5_pa_data *pa = make_reply_s4u(subkey, 1234, tw);
    krb5_pa_data *list[2] = { pa, NULL }, *none[1] = { NULL };
    krb5_error_code ret;

    ret = ks_s4u_verify_reply(ctx, subkey, 1234, in_enc_only ? none : list,
                              in_enc_only ? list : none, user_out);
    free(pa->contents);
    free(pa);
    return ret;
}

static void
test_verify_reply(void)
{
    krb5_keyblock subkey = { 0 };
    krb5_principal user = NULL;
    krb5_pa_data *none[1] = { NULL };
    struct s4u_twist tw = { 0 };

    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &subkey);
    is_int(verify(&subkey, &tw, false, &user), 0, "reply: good one passes");
    ok(user != NULL && krb5_principal_compare(k5, user, alice),
       "reply: the user it vouches for");
    krb5_free_principal(k5, user);
    tw.no_reply_usage = true;
    is_int(verify(&subkey, &tw, false, &user), 0,
           "reply: usage 26 without the reply-key-usage option");
    krb5_free_principal(k5, user);
    tw = (struct s4u_twist){ .nonce_delta = 1 };
    is_int(verify(&subkey, &tw, false, &user), KRB5_KDCREP_MODIFIED,
           "reply: another nonce is refused");
    tw = (struct s4u_twist){ .stranger_key = true };
    is_int(verify(&subkey, &tw, false, &user), KRB5_KDCREP_MODIFIED,
           "reply: a checksum under another key is refused");
    tw = (struct s4u_twist){ .cksumtype = CKSUMTYPE_RSA_MD5 };
    is_int(verify(&subkey, &tw, false, &user), KRB5KRB_AP_ERR_INAPP_CKSUM,
           "reply: an unkeyed checksum (RSA-MD5) is refused, not verified");
    tw = (struct s4u_twist){ .cksumtype = CKSUMTYPE_NIST_SHA };
    is_int(verify(&subkey, &tw, false, &user), KRB5KRB_AP_ERR_INAPP_CKSUM,
           "reply: an unkeyed checksum (SHA-1) is refused");
    tw = (struct s4u_twist){ .empty_user = true };
    is_int(verify(&subkey, &tw, false, &user), KRB5_KDCREP_MODIFIED,
           "reply: no user name is refused");
    tw = (struct s4u_twist){ 0 };
    is_int(verify(&subkey, &tw, true, &user), KRB5_KDCREP_MODIFIED,
           "reply: padata stripped from the outside is noticed");
    user = alice;       /* must be overwritten */
    is_int(ks_s4u_verify_reply(ctx, &subkey, 1, none, none, &user), 0,
           "reply: none at all (a PA-FOR-USER-only KDC) is accepted");
    ok(user == NULL, "... vouching for nobody");
    krb5_free_keyblock_contents(k5, &subkey);
}

/* A TGS-REP to REQ naming CLIENT, with PADATA outside. */
static void
make_reply(const struct ks_tgs_request *req, const char *client,
           krb5_pa_data **padata, krb5_data *out)
{
    krb5_kdc_rep rep;
    krb5_enc_kdc_rep_part enc;
    krb5_ticket tkt;
    krb5_keyblock session = { 0 };
    krb5_data *plain = NULL, *der = NULL;
    krb5_last_req_entry lr0 = { 0 }, *lr[2] = { &lr0, NULL };
    char blob[] = "service ticket ciphertext";
    size_t len;

    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &session);
    memset(&tkt, 0, sizeof(tkt));
    tkt.server = req->server;
    tkt.enc_part.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    tkt.enc_part.ciphertext.data = blob;
    tkt.enc_part.ciphertext.length = sizeof(blob);
    memset(&enc, 0, sizeof(enc));
    enc.msg_type = KRB5_TGS_REP;
    enc.session = &session;
    enc.nonce = req->nonce;
    enc.times.authtime = enc.times.starttime = now();
    enc.times.endtime = req->till - 60;
    enc.server = req->server;
    enc.last_req = lr;
    encode_krb5_enc_kdc_rep_part(&enc, &plain);
    memset(&rep, 0, sizeof(rep));
    rep.msg_type = KRB5_TGS_REP;
    rep.padata = padata;
    rep.client = princ(client);
    rep.ticket = &tkt;
    krb5_c_encrypt_length(k5, req->subkey->enctype, plain->length, &len);
    rep.enc_part.enctype = req->subkey->enctype;
    rep.enc_part.ciphertext.length = (unsigned int)len;
    rep.enc_part.ciphertext.data = malloc(len);
    krb5_c_encrypt(k5, req->subkey, 9, NULL, plain, &rep.enc_part);
    encode_krb5_tgs_rep(&rep, &der);
    *out = *der;
    free(der);
    free(rep.enc_part.ciphertext.data);
    krb5_free_principal(k5, rep.client);
    krb5_free_data(k5, plain);
    krb5_free_keyblock_contents(k5, &session);
}

/* An S4U2Self request and a reply naming CLIENT, with the KDC's
 * PA-S4U-X509-USER for VOUCHED (or none); the code of opening it. */
static krb5_error_code
self_reply(const krb5_creds *tgt, const char *client, const char *vouched,
           krb5_creds **creds_out)
{
    krb5_principal user = princ("alice@TEST.REALM");
    struct ks_s4u_self_arg arg = { user, false };
    struct s4u_twist tw = { .user = vouched };
    struct ks_tgs_hook hook;
    struct ks_tgs_request *req;
    krb5_pa_data *pa = NULL, *list[2] = { NULL, NULL };
    krb5_data reply;
    krb5_creds *creds = NULL;
    krb5_error_code ret;

    ks_s4u_self_hook(&arg, &hook);
    req = build(tgt, "HTTP/web.test.realm@TEST.REALM", KDC_OPT_CANONICALIZE,
                NULL, &hook);
    if (vouched != NULL)
        list[0] = pa = make_reply_s4u(req->subkey, req->nonce, &tw);
    make_reply(req, client, list, &reply);
    ret = ks_tgs_open_reply(ctx, req, &reply, &creds);
    if (creds_out != NULL)
        *creds_out = creds;
    else
        krb5_free_creds(k5, creds);
    if (pa != NULL)
        free(pa->contents);
    free(pa);
    krb5_free_data_contents(k5, &reply);
    ks_tgs_request_free(ctx, req);
    krb5_free_principal(k5, user);
    return ret;
}

static void
test_self_reply(const krb5_creds *tgt)
{
    krb5_creds *creds = NULL;

    is_int(self_reply(tgt, "alice@TEST.REALM", "alice@TEST.REALM", &creds),
           0, "S4U2Self reply for alice, vouched for: accepted");
    ok(creds != NULL && krb5_principal_compare(k5, creds->client, alice),
       "the credentials name alice, not the service");
    krb5_free_creds(k5, creds);
    is_int(self_reply(tgt, "mallory@TEST.REALM", "alice@TEST.REALM", NULL),
           KRB5_KDCREP_MODIFIED, "a reply naming another client than the "
           "one vouched for is refused");
    is_int(self_reply(tgt, "mallory@TEST.REALM", "mallory@TEST.REALM", NULL),
           KRB5_KDCREP_MODIFIED, "the KDC vouching for another user than "
           "asked for is refused");
    is_int(self_reply(tgt, "alice@TEST.REALM", NULL, NULL), 0,
           "no PA-S4U-X509-USER, the user asked for: accepted (as MIT)");
    is_int(self_reply(tgt, "mallory@TEST.REALM", NULL, NULL),
           KRB5_KDCREP_MODIFIED, "no PA-S4U-X509-USER, another user: "
           "refused");
}

static void
test_proxy_reply(const krb5_creds *tgt, const krb5_creds *evidence)
{
    struct ks_tgs_hook hook;
    struct ks_tgs_request *req;
    krb5_data reply;
    krb5_creds *creds = NULL;
    const char *names[2] = { "alice@TEST.REALM", "mallory@TEST.REALM" };

    ks_s4u_proxy_hook(evidence->client, &hook);
    for (int i = 0; i < 2; i++) {
        req = build(tgt, "host/back.test.realm@TEST.REALM",
                    KDC_OPT_CNAME_IN_ADDL_TKT | KDC_OPT_CANONICALIZE,
                    &evidence->ticket, &hook);
        make_reply(req, names[i], NULL, &reply);
        is_int(ks_tgs_open_reply(ctx, req, &reply, &creds),
               i == 0 ? 0 : KRB5_KDCREP_MODIFIED, "S4U2Proxy reply naming "
               "%s", names[i]);
        if (creds != NULL) {
            ok(!creds->is_skey && creds->second_ticket.length == 0,
               "a plain ticket for the cache, as MIT's (no second ticket)");
            krb5_free_creds(k5, creds);
            creds = NULL;
        }
        krb5_free_data_contents(k5, &reply);
        ks_tgs_request_free(ctx, req);
    }
}

static const char conf[] =
    "[libdefaults]\n"
    "    default_realm = TEST.REALM\n"
    "    dns_lookup_kdc = false\n";

int
main(void)
{
    char path[] = "/tmp/test_s4u_XXXXXX";
    int fd = mkstemp(path);
    krb5_creds *tgt, *evidence, *other;

    if (fd < 0 || write(fd, conf, sizeof(conf) - 1) < 0)
        return 1;
    close(fd);
    setenv("KRB5_CONFIG", path, 1);
    if (ks_context_new("test_s4u", &ctx, NULL) != 0)
        return 1;
    k5 = ctx->k5;
    alice = princ("alice@TEST.REALM");
    tgt = fake_creds("HTTP/web.test.realm@TEST.REALM",
                     "krbtgt/TEST.REALM@TEST.REALM");
    evidence = fake_creds("alice@TEST.REALM",
                          "HTTP/web.test.realm@TEST.REALM");
    other = fake_creds("bob@TEST.REALM", "krbtgt/TEST.REALM@TEST.REALM");
    test_for_user_text();
    test_self_request(tgt);
    test_proxy_request(tgt, evidence);
    test_u2u_request(tgt, other);
    test_verify_reply();
    test_self_reply(tgt);
    test_proxy_reply(tgt, evidence);
    krb5_free_creds(k5, tgt);
    krb5_free_creds(k5, evidence);
    krb5_free_creds(k5, other);
    krb5_free_principal(k5, alice);
    ks_context_free(ctx);
    unlink(path);
    return tap_done();
}

/*
 * tgs: the request built (step 1) and read back, every check of the reply
 * (step 7) against replies built here under known keys, realm paths,
 * [domain_realm], and the in-memory cache lookup.  No KDC is contacted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <com_err.h>

#include "creds/ccache_lookup.h"
#include "core/config.h"
#include "core/context.h"
#include "core/krb5_private.h"
#include "tap.h"
#include "exchange/tgs.h"

#include "../fixtures/tgs_client.h"

static krb5_creds *
fake_tgt(const char *server, krb5_flags flags)
{
    krb5_creds *c = calloc(1, sizeof(*c));

    c->client = princ("alice@TEST.REALM");
    c->server = princ(server);
    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &c->keyblock);
    c->times.authtime = c->times.starttime = now() - 10;
    c->times.endtime = now() + 3600;
    c->ticket_flags = flags;
    fake_ticket(c->server, &c->ticket);
    return c;
}

/* How a test reply departs from a good one. */
struct twist {
    krb5_int32 nonce_delta;
    const char *enc_server;     /* EncKDCRepPart sname */
    const char *tkt_server;     /* Ticket sname */
    const char *client;
    krb5_deltat end_after_till;
    krb5_deltat start_offset;
    krb5_enctype session_etype;
    krb5_flags flags;
    int key;                    /* 0 subkey/9, 1 session/8, 2 a stranger */
};

static void
make_reply(const struct ks_tgs_request *req, const struct twist *tw,
           krb5_data *out)
{
    krb5_kdc_rep rep;
    krb5_enc_kdc_rep_part enc;
    krb5_ticket tkt;
    krb5_keyblock session = { 0 }, stranger = { 0 };
    const krb5_keyblock *key = req->subkey;
    krb5_keyusage usage = 9;
    krb5_data *plain = NULL, *der = NULL;
    size_t len;
    char blob[] = "service ticket ciphertext";
    krb5_principal encs, tkts, client;
    /* MIT's encoder wants at least one last-req entry. */
    krb5_last_req_entry lr0 = { 0 }, *no_last_req[2] = { &lr0, NULL };

    encs = tw->enc_server ? princ(tw->enc_server) : req->server;
    tkts = tw->tkt_server ? princ(tw->tkt_server) : encs;
    client = tw->client ? princ(tw->client) : req->tgt->client;
    krb5_c_make_random_key(k5, ENCTYPE_AES128_CTS_HMAC_SHA1_96, &session);
    if (tw->session_etype)
        session.enctype = tw->session_etype;
    memset(&tkt, 0, sizeof(tkt));
    tkt.server = tkts;
    tkt.enc_part.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    tkt.enc_part.kvno = 2;
    tkt.enc_part.ciphertext.data = blob;
    tkt.enc_part.ciphertext.length = sizeof(blob);
    memset(&enc, 0, sizeof(enc));
    enc.msg_type = KRB5_TGS_REP;
    enc.session = &session;
    enc.nonce = req->nonce + tw->nonce_delta;
    enc.flags = tw->flags;
    enc.times.authtime = req->tgt->times.authtime;
    enc.times.starttime = now() + tw->start_offset;
    enc.times.endtime = req->till - 60 + tw->end_after_till;
    enc.server = encs;
    enc.last_req = no_last_req;
    {
        krb5_error_code e = encode_krb5_enc_kdc_rep_part(&enc, &plain);
        if (e != 0) {
            fprintf(stderr, "# encode: %s\n", error_message(e));
            abort();
        }
    }
    if (tw->key == 1) {
        key = &req->tgt->keyblock;
        usage = 8;
    } else if (tw->key == 2) {
        krb5_c_make_random_key(k5, req->subkey->enctype, &stranger);
        key = &stranger;
    }
    memset(&rep, 0, sizeof(rep));
    rep.msg_type = KRB5_TGS_REP;
    rep.client = client;
    rep.ticket = &tkt;
    krb5_c_encrypt_length(k5, key->enctype, plain->length, &len);
    rep.enc_part.enctype = key->enctype;
    rep.enc_part.ciphertext.length = (unsigned int)len;
    rep.enc_part.ciphertext.data = malloc(len);
    krb5_c_encrypt(k5, key, usage, NULL, plain, &rep.enc_part);
    encode_krb5_tgs_rep(&rep, &der);
    *out = *der;
    free(der);
    free(rep.enc_part.ciphertext.data);
    krb5_free_data(k5, plain);
    krb5_free_keyblock_contents(k5, &session);
    krb5_free_keyblock_contents(k5, &stranger);
    if (tkts != encs)
        krb5_free_principal(k5, tkts);
    if (encs != req->server)
        krb5_free_principal(k5, encs);
    if (client != req->tgt->client)
        krb5_free_principal(k5, client);
}

static struct ks_tgs_request *
request_for(const krb5_creds *tgt, const char *server, krb5_flags options)
{
    struct ks_tgs_request *req = NULL;
    struct ks_tgs_options o = { 0 };
    krb5_principal s = princ(server);

    o.kdc_options = options;
    if (ks_tgs_build_request(ctx, tgt, s, &o, &req) != 0)
        abort();
    krb5_free_principal(k5, s);
    return req;
}

/* Open a twisted reply to a fresh request; returns the code. */
static krb5_error_code
try_reply(const krb5_creds *tgt, const char *server, krb5_flags options,
          const struct twist *tw, krb5_creds **creds_out, char **msg_out)
{
    struct ks_tgs_request *req = request_for(tgt, server, options);
    krb5_data reply;
    krb5_creds *creds = NULL;
    krb5_error_code ret;

    make_reply(req, tw, &reply);
    ret = ks_tgs_open_reply(ctx, req, &reply, &creds);
    if (msg_out != NULL) {
        const char *m = ks_context_message(ctx, ret);

        *msg_out = strdup(m);
        ks_context_free_message(ctx, m);
    }
    if (creds_out != NULL)
        *creds_out = creds;
    else
        krb5_free_creds(k5, creds);
    krb5_free_data_contents(k5, &reply);
    ks_tgs_request_free(ctx, req);
    return ret;
}

static void
test_build(const krb5_creds *tgt)
{
    struct ks_tgs_request *req = request_for(tgt, "HTTP/web.test.realm@TEST.REALM", 0);
    krb5_kdc_req *kr = NULL;
    krb5_ap_req *ap = NULL;
    krb5_authenticator *auth = NULL;
    krb5_data plain, *body = NULL, pad;
    krb5_boolean valid = FALSE;

    ok(req->nonce >= 0, "nonce is 31 bits");
    is_int(req->till, tgt->times.endtime, "till is the TGT's endtime");
    is_int(req->subkey->enctype, tgt->keyblock.enctype,
           "subkey of the session key's enctype");
    is_int(decode_krb5_tgs_req(&req->encoded, &kr), 0, "TGS-REQ decodes");
    is_int(kr->nonce, req->nonce, "nonce on the wire");
    ok(krb5_principal_compare(k5, kr->server, req->server), "sname on the wire");
    ok(kr->client == NULL, "no cname in a TGS-REQ body");
    ok(kr->padata != NULL && kr->padata[0]->pa_type == 1, "PA-TGS-REQ");
    pad.data = (char *)kr->padata[0]->contents;
    pad.length = kr->padata[0]->length;
    is_int(decode_krb5_ap_req(&pad, &ap), 0, "AP-REQ decodes");
    plain.length = ap->authenticator.ciphertext.length;
    plain.data = malloc(plain.length);
    is_int(krb5_c_decrypt(k5, &tgt->keyblock, 7, NULL, &ap->authenticator,
                          &plain), 0, "authenticator opens (usage 7)");
    is_int(decode_krb5_authenticator(&plain, &auth), 0, "authenticator decodes");
    ok(krb5_principal_compare(k5, auth->client, tgt->client), "authenticator client");
    ok(auth->subkey != NULL && auth->subkey->length == req->subkey->length &&
       memcmp(auth->subkey->contents, req->subkey->contents,
              req->subkey->length) == 0, "subkey carried");
    ok(krb5_c_is_keyed_cksum(auth->checksum->checksum_type), "keyed checksum");
    encode_krb5_kdc_req_body(kr, &body);
    krb5_c_verify_checksum(k5, &tgt->keyblock, 6, body, auth->checksum, &valid);
    ok(valid, "checksum over the req-body verifies (usage 6)");
    krb5_free_data(k5, body);
    free(plain.data);
    krb5_free_authenticator(k5, auth);
    krb5_free_ap_req(k5, ap);
    krb5_free_kdc_req(k5, kr);
    ks_tgs_request_free(ctx, req);
}

/* The request as we write it (around a req-body encoded once and the
 * ticket's own bytes) is what libkrb5's encoder makes of it, with FAST
 * and without; a ticket that is no Ticket is refused before anything is
 * sent. */
static void
test_encoding(const krb5_creds *tgt)
{
    krb5_principal s = princ("HTTP/web.test.realm@TEST.REALM");
    struct ks_tgs_options o = { 0 };
    struct ks_tgs_request *req = NULL;
    krb5_kdc_req *kr = NULL;
    krb5_data *again = NULL;
    krb5_creds bad = *tgt;
    char junk[] = { 0x30, 0x00 };

    for (int fast = 0; fast < 2; fast++) {
        o.fast = fast != 0;
        ok(ks_tgs_build_request(ctx, tgt, s, &o, &req) == 0 &&
           decode_krb5_tgs_req(&req->encoded, &kr) == 0 &&
           encode_krb5_tgs_req(kr, &again) == 0 &&
           again->length == req->encoded.length &&
           memcmp(again->data, req->encoded.data, again->length) == 0,
           "%s TGS-REQ: byte for byte libkrb5's encoding",
           fast ? "a FAST" : "a plain");
        krb5_free_data(k5, again);
        again = NULL;
        krb5_free_kdc_req(k5, kr);
        kr = NULL;
        ks_tgs_request_free(ctx, req);
        req = NULL;
    }
    bad.ticket.data = junk;
    bad.ticket.length = sizeof(junk);
    o.fast = false;
    is_int(ks_tgs_build_request(ctx, &bad, s, &o, &req), ASN1_BAD_ID,
           "a cached ticket that is no Ticket is refused");
    ok(req == NULL, "and no request made");
    krb5_free_principal(k5, s);
}

static void
test_load(krb5_creds *tgt)
{
    struct ks_tgs_request *req = request_for(tgt, "HTTP/web.test.realm@TEST.REALM", 0);
    struct ks_tgs_request *back = NULL;
    krb5_ccache cc = NULL;

    krb5_cc_new_unique(k5, "MEMORY", NULL, &cc);
    krb5_cc_initialize(k5, cc, tgt->client);
    is_int(ks_tgs_load_request(ctx, cc, &req->encoded, &back), KRB5_CC_NOTFOUND,
           "load: no such TGT in an empty cache");
    krb5_cc_store_cred(k5, cc, tgt);
    is_int(ks_tgs_load_request(ctx, cc, &req->encoded, &back), 0,
           "load: request read back");
    if (back != NULL) {
        is_int(back->nonce, req->nonce, "load: nonce");
        ok(back->subkey->length == req->subkey->length &&
           memcmp(back->subkey->contents, req->subkey->contents,
                  req->subkey->length) == 0, "load: subkey recovered");
        ok(krb5_principal_compare(k5, back->server, req->server), "load: server");
        is_int(back->ctime, req->ctime, "load: ctime");
    }
    ks_tgs_request_free(ctx, back);
    ks_tgs_request_free(ctx, req);
    krb5_cc_destroy(k5, cc);
}

static void
check_code(const krb5_creds *tgt, const char *server, krb5_flags options,
           const struct twist *tw, krb5_error_code want, const char *needle,
           const char *what)
{
    char *msg = NULL;
    krb5_error_code got = try_reply(tgt, server, options, tw, NULL, &msg);

    is_int(got, want, "%s", what);
    if (needle != NULL) {
        ok(msg != NULL && strstr(msg, needle) != NULL, "%s: message says '%s'",
           what, needle);
        if (msg != NULL && strstr(msg, needle) == NULL)
            printf("#   message: %s\n", msg);
    }
    free(msg);
}

static void
test_reply_checks(const krb5_creds *tgt)
{
    const char *svc = "HTTP/web.test.realm@TEST.REALM";
    struct twist tw;
    krb5_creds *creds = NULL;

    memset(&tw, 0, sizeof(tw));
    is_int(try_reply(tgt, svc, 0, &tw, &creds, NULL), 0, "good reply (subkey)");
    ok(creds != NULL && creds->keyblock.enctype == ENCTYPE_AES128_CTS_HMAC_SHA1_96,
       "creds carry the service session key");
    ok(creds != NULL && creds->ticket.length > 0, "creds carry the ticket");
    krb5_free_creds(k5, creds);
    tw.key = 1;
    check_code(tgt, svc, 0, &tw, 0, NULL, "good reply (session key, usage 8)");
    tw.key = 2;
    check_code(tgt, svc, 0, &tw, KRB5KRB_AP_ERR_BAD_INTEGRITY,
               "another request", "reply under an unknown key");
    memset(&tw, 0, sizeof(tw));
    tw.nonce_delta = 1;
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_MODIFIED, "nonce", "wrong nonce");
    memset(&tw, 0, sizeof(tw));
    tw.enc_server = "HTTP/evil.test.realm@TEST.REALM";
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_MODIFIED, "asked for",
               "another service in the encrypted part");
    check_code(tgt, svc, KDC_OPT_CANONICALIZE, &tw, 0, NULL,
               "another name accepted with canonicalize");
    memset(&tw, 0, sizeof(tw));
    tw.tkt_server = "HTTP/evil.test.realm@TEST.REALM";
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_MODIFIED, "the ticket is for",
               "ticket sname differs from the encrypted part");
    memset(&tw, 0, sizeof(tw));
    tw.client = "mallory@TEST.REALM";
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_MODIFIED, "another client",
               "reply for another client");
    memset(&tw, 0, sizeof(tw));
    tw.end_after_till = 3600;
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_MODIFIED, "ends later",
               "endtime after till");
    memset(&tw, 0, sizeof(tw));
    tw.start_offset = 3 * 3600;
    check_code(tgt, svc, 0, &tw, KRB5_KDCREP_SKEW, "clock", "clock skew");
    memset(&tw, 0, sizeof(tw));
    tw.session_etype = ENCTYPE_DES_CBC_CRC;
    check_code(tgt, svc, 0, &tw, KRB5_CONFIG_ETYPE_NOSUPP, "not permitted",
               "session key of a forbidden enctype");
    memset(&tw, 0, sizeof(tw));
    tw.enc_server = "krbtgt/MID.REALM@TEST.REALM";
    check_code(tgt, "krbtgt/OTHER.REALM@TEST.REALM", 0, &tw, 0, NULL,
               "a TGT for another realm on the path is accepted");
}

static void
test_ok_as_delegate(void)
{
    krb5_creds *cross = fake_tgt("krbtgt/OTHER.REALM@TEST.REALM", 0);
    krb5_creds *cross_ok = fake_tgt("krbtgt/OTHER.REALM@TEST.REALM",
                                    TKT_FLG_OK_AS_DELEGATE);
    krb5_creds *local = fake_tgt("krbtgt/TEST.REALM@TEST.REALM", 0);
    const char *svc = "HTTP/web.other.realm@OTHER.REALM";
    struct twist tw;
    krb5_creds *c = NULL;

    memset(&tw, 0, sizeof(tw));
    tw.flags = TKT_FLG_OK_AS_DELEGATE;
    try_reply(cross, svc, 0, &tw, &c, NULL);
    ok(c != NULL && !(c->ticket_flags & TKT_FLG_OK_AS_DELEGATE),
       "ok-as-delegate from a foreign KDC stripped");
    krb5_free_creds(k5, c);
    c = NULL;
    try_reply(cross_ok, svc, 0, &tw, &c, NULL);
    ok(c != NULL && (c->ticket_flags & TKT_FLG_OK_AS_DELEGATE),
       "kept when the cross-realm TGT had it");
    krb5_free_creds(k5, c);
    c = NULL;
    try_reply(local, "HTTP/web.test.realm@TEST.REALM", 0, &tw, &c, NULL);
    ok(c != NULL && (c->ticket_flags & TKT_FLG_OK_AS_DELEGATE),
       "kept from the local KDC");
    krb5_free_creds(k5, c);
    krb5_free_creds(k5, cross);
    krb5_free_creds(k5, cross_ok);
    krb5_free_creds(k5, local);
}

static krb5_data
raw(const char *bytes, size_t len)
{
    krb5_data d;

    d.magic = KV5M_DATA;
    d.data = (char *)bytes;
    d.length = (unsigned int)len;
    return d;
}

static void
test_error_and_garbage(const krb5_creds *tgt)
{
    struct ks_tgs_request *req = request_for(tgt, "HTTP/nope@TEST.REALM", 0);
    krb5_error err;
    krb5_data *der = NULL, d;
    krb5_creds *creds = NULL;
    const char *msg;
    krb5_error_code ret;

    memset(&err, 0, sizeof(err));
    err.error = 7;
    err.server = req->server;
    encode_krb5_error(&err, &der);
    ret = ks_tgs_open_reply(ctx, req, der, &creds);
    is_int(ret, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, "KRB-ERROR 7");
    msg = ks_context_message(ctx, ret);
    ok(strstr(msg, "Server 'HTTP/nope@TEST.REALM' not found") != NULL,
       "the message names the service: %s", msg);
    ks_context_free_message(ctx, msg);
    krb5_free_data(k5, der);
    d = raw("\x30\x03\x02\x01\x05", 5);
    is_int(ks_tgs_open_reply(ctx, req, &d, &creds), KRB5KRB_AP_ERR_MSG_TYPE,
           "a reply that is no Kerberos message");
    d = raw("\x6b\x03\x02\x01\x05", 5);
    is_int(ks_tgs_open_reply(ctx, req, &d, &creds), KRB5KRB_AP_ERR_MSG_TYPE,
           "an AS-REP is not a TGS-REP");
    d = raw("\x6d\x03\x02\x01", 4);
    ok(ks_tgs_open_reply(ctx, req, &d, &creds) != 0, "a truncated TGS-REP");
    d = raw("", 0);
    is_int(ks_tgs_open_reply(ctx, req, &d, &creds), KRB5KRB_AP_ERR_MSG_TYPE,
           "an empty reply");
    ok(creds == NULL, "no credentials from a failed reply");
    ks_tgs_request_free(ctx, req);
}

static void
is_path(const char *from, const char *to, const char *want, const char *what)
{
    char **path = NULL, buf[512] = "";
    krb5_error_code ret = ks_tgs_realm_path(ctx, from, to, &path);

    for (size_t i = 0; ret == 0 && path[i] != NULL; i++) {
        strcat(buf, i ? " " : "");
        strcat(buf, path[i]);
    }
    is_str(ret ? "error" : buf, want, "%s", what);
    ks_config_free_list(path);
}

static void
test_paths(void)
{
    char *realm = NULL;

    is_path("TEST.REALM", "OTHER.REALM", "TEST.REALM OTHER.REALM",
            "capaths: direct ('.')");
    is_path("TEST.REALM", "FAR.REALM", "TEST.REALM MID.REALM FAR.REALM",
            "capaths: through an intermediate realm");
    is_path("TEST.REALM", "LOOP.REALM", "error", "capaths naming a realm twice");
    is_path("A.EXAMPLE.COM", "B.EXAMPLE.COM",
            "A.EXAMPLE.COM EXAMPLE.COM B.EXAMPLE.COM", "hierarchical: siblings");
    is_path("EXAMPLE.COM", "X.Y.EXAMPLE.COM",
            "EXAMPLE.COM Y.EXAMPLE.COM X.Y.EXAMPLE.COM", "hierarchical: down");
    is_path("X.Y.EXAMPLE.COM", "EXAMPLE.COM",
            "X.Y.EXAMPLE.COM Y.EXAMPLE.COM EXAMPLE.COM", "hierarchical: up");
    is_path("FOO", "BAR", "FOO BAR", "no common suffix: direct");
    is_int(ks_tgs_host_realm(ctx, "web.other.realm", &realm), 0, "host realm");
    is_str(realm, "OTHER.REALM", "[domain_realm] .other.realm");
    free(realm);
    ks_tgs_host_realm(ctx, "Special.Host.Example", &realm);
    is_str(realm, "SPECIAL.REALM", "[domain_realm] exact host, case folded");
    free(realm);
    ks_tgs_host_realm(ctx, "nowhere.invalid", &realm);
    ok(realm == NULL, "no mapping: no realm");
}

/* IDX holds OLD (for Q) among two others: a store replaced it. */
static void
test_forget(struct ks_ccache_index *idx, const krb5_creds *old,
            krb5_const_principal q)
{
    const krb5_creds *held = ks_ccache_index_find_any(idx, q);
    char name[64];

    is_int(ks_ccache_index_forget(ctx, idx, old), 0, "forget: replaced");
    ok(ks_ccache_index_find_any(idx, q) == NULL, "forget: no longer found");
    is_int(ks_ccache_index_count(idx), 2, "forget: two credentials left");
    /* Read under ASan and valgrind: a caller may still hold it. */
    ok(held->times.endtime == old->times.endtime,
       "forget: what was handed out stays valid");
    /* Enough more to grow the table: the rehash leaves it out too. */
    for (int i = 0; i < 40; i++) {
        krb5_creds *c;

        snprintf(name, sizeof(name), "HTTP/n%d.test.realm@TEST.REALM", i);
        c = fake_tgt(name, 0);
        ks_ccache_index_add(ctx, idx, c, NULL);
        krb5_free_creds(k5, c);
    }
    ok(ks_ccache_index_find_any(idx, q) == NULL,
       "forget: still after a rehash");
    is_int(ks_ccache_index_count(idx), 42, "forget: 42 credentials");
    ks_ccache_index_add(ctx, idx, old, NULL);
    ok(ks_ccache_index_find_any(idx, q) != NULL, "forget: added again");
    is_int(ks_ccache_index_forget(ctx, idx, old), 0, "forget: again");
    ok(ks_ccache_index_find_any(idx, q) == NULL, "forget: gone again");
}

/* The cache index and the cached paths of ks_tgs_get_creds. */
static void
test_lookup(krb5_creds *tgt)
{
    krb5_ccache cc = NULL;
    struct ks_ccache_index *idx = NULL;
    struct ks_ccache_match m = { 0 };
    struct ks_tgs_get_options go = { 0 };
    krb5_creds *svc = fake_tgt("HTTP/web.test.realm@TEST.REALM", 0);
    krb5_creds *old = fake_tgt("HTTP/old.test.realm@TEST.REALM", 0);
    krb5_creds *out = NULL;
    krb5_principal p = princ("HTTP/web.test.realm@TEST.REALM");
    krb5_principal q = princ("HTTP/old.test.realm@TEST.REALM");
    krb5_principal r = princ("HTTP/none.test.realm@TEST.REALM");
    const char *msg;
    krb5_error_code ret;

    old->times.endtime = now() - 5;
    krb5_cc_new_unique(k5, "MEMORY", NULL, &cc);
    krb5_cc_initialize(k5, cc, tgt->client);
    krb5_cc_store_cred(k5, cc, tgt);
    krb5_cc_store_cred(k5, cc, svc);
    krb5_cc_store_cred(k5, cc, old);
    is_int(ks_ccache_index_load(ctx, cc, &idx), 0, "index loads");
    is_int(ks_ccache_index_count(idx), 3, "three credentials");
    m.now = now();
    ok(ks_ccache_index_find(idx, p, &m) != NULL, "valid ticket found");
    ok(ks_ccache_index_find(idx, q, &m) == NULL, "expired ticket not usable");
    ok(ks_ccache_index_find_any(idx, q) != NULL, "but it is there");
    test_forget(idx, old, q);
    m.etype = ENCTYPE_AES128_CTS_HMAC_SHA1_96;
    ok(ks_ccache_index_find(idx, p, &m) == NULL, "-e: other enctype not used");
    go.cached_only = true;
    is_int(ks_tgs_get_creds_index(ctx, cc, idx, p, &go, &out), 0,
           "get_creds: cached ticket returned");
    krb5_free_creds(k5, out);
    out = NULL;
    ret = ks_tgs_get_creds_index(ctx, cc, idx, r, &go, &out);
    is_int(ret, KRB5_CC_NOTFOUND, "--cached-only: nothing cached");
    msg = ks_context_message(ctx, ret);
    ok(strncmp(msg, "getting a ticket for HTTP/none.test.realm@TEST.REALM: ",
               54) == 0, "the message names the service: %s", msg);
    ks_context_free_message(ctx, msg);
    ks_ccache_index_free(ctx, idx);
    idx = NULL;
    /* An expired TGT fails before any request is built. */
    krb5_cc_initialize(k5, cc, tgt->client);
    tgt->times.endtime = now() - 5;
    krb5_cc_store_cred(k5, cc, tgt);
    go.cached_only = false;
    ret = ks_tgs_get_creds(ctx, cc, r, &go, &out);
    is_int(ret, KRB5KRB_AP_ERR_TKT_EXPIRED, "expired TGT");
    msg = ks_context_message(ctx, ret);
    ok(strstr(msg, "expired") != NULL && strstr(msg, "kinit") != NULL,
       "the message says so: %s", msg);
    ks_context_free_message(ctx, msg);
    tgt->times.endtime = now() + 3600;
    krb5_free_principal(k5, p);
    krb5_free_principal(k5, q);
    krb5_free_principal(k5, r);
    krb5_free_creds(k5, svc);
    krb5_free_creds(k5, old);
    krb5_cc_destroy(k5, cc);
}

static const char conf[] =
    "[libdefaults]\n"
    "    default_realm = TEST.REALM\n"
    "    dns_lookup_kdc = false\n"
    "    dns_lookup_realm = false\n"
    "[capaths]\n"
    "    TEST.REALM = {\n"
    "        OTHER.REALM = .\n"
    "        FAR.REALM = MID.REALM\n"
    "        LOOP.REALM = MID.REALM\n"
    "        LOOP.REALM = MID.REALM\n"
    "    }\n"
    "[domain_realm]\n"
    "    .other.realm = OTHER.REALM\n"
    "    special.host.example = SPECIAL.REALM\n";

int
main(void)
{
    char path[] = "/tmp/test_tgs_XXXXXX";
    int fd = mkstemp(path);
    krb5_creds *tgt;

    if (fd < 0 || write(fd, conf, sizeof(conf) - 1) < 0)
        return 1;
    close(fd);
    setenv("KRB5_CONFIG", path, 1);
    if (ks_context_new("test_tgs", &ctx, NULL) != 0)
        return 1;
    k5 = ctx->k5;
    tgt = fake_tgt("krbtgt/TEST.REALM@TEST.REALM", 0);
    test_build(tgt);
    test_encoding(tgt);
    test_load(tgt);
    test_reply_checks(tgt);
    test_ok_as_delegate();
    test_error_and_garbage(tgt);
    test_paths();
    test_lookup(tgt);
    krb5_free_creds(k5, tgt);
    ks_context_free(ctx);
    unlink(path);
    return tap_done();
}

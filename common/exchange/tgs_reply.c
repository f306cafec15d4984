/*
 * tgs_reply: steps 6, 7 and 8 of the TGS exchange: send the request,
 * open and check the reply (PROTOCOL.md 1.3), store the ticket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "creds/ccache.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/mit_trace.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "wire/der.h"
#include "exchange/tgs.h"
#include "exchange/tgs_int.h"

/* Key usages (RFC 4120 7.5.1). */
#define KU_TGS_REP_SESSION 8
#define KU_TGS_REP_SUBKEY 9

#define TAG_TGS_REP 0x6d
#define TAG_KRB_ERROR 0x7e

bool
ks_tgs_is_tgs_principal(krb5_const_principal p)
{
    return p != NULL && p->length == 2 &&
           p->data[0].length == KRB5_TGS_NAME_SIZE &&
           memcmp(p->data[0].data, KRB5_TGS_NAME, KRB5_TGS_NAME_SIZE) == 0;
}

const krb5_data *
ks_tgs_kdc_realm(const krb5_creds *tgt)
{
    if (ks_tgs_is_tgs_principal(tgt->server))
        return &tgt->server->data[1];
    return &tgt->server->realm;
}

krb5_error_code
ks_tgs_send(struct ks_context *ctx, const struct ks_tgs_request *req,
            krb5_data *reply_out, struct ks_send_result *result_out)
{
    const krb5_data *r = ks_tgs_kdc_realm(req->tgt);
    char *realm;
    krb5_error_code ret;

    realm = strndup(r->data, r->length);
    if (realm == NULL)
        return ENOMEM;
    ret = ks_transport_send(ctx, realm, &req->encoded, "6/8 send", 6,
                            reply_out, result_out);
    free(realm);
    return ret;
}

/* With FAST only the inner error counts (RFC 6113 5.4.4): *ERR becomes
 * it.  An error outside FAST stays, and *PLAIN_OUT says so. */
static krb5_error_code
fast_error(struct ks_context *ctx, const struct ks_tgs_request *req,
           krb5_error **err, bool *plain_out)
{
    krb5_error *inner = NULL;
    krb5_pa_data **padata = NULL;
    krb5_error_code ret;

    ret = ks_fast_open_error(ctx, req->fast, *err, req->nonce, &inner,
                             &padata);
    krb5_free_pa_data(ctx->k5, padata);
    if (ret)
        return ret;
    if (inner == NULL) {
        *plain_out = true;
        return 0;
    }
    krb5_free_error(ctx->k5, *err);
    *err = inner;
    return 0;
}

/* A KRB-ERROR as the reply: its code, with a message naming the service. */
static krb5_error_code
error_reply(struct ks_context *ctx, const struct ks_tgs_request *req,
            const krb5_data *reply)
{
    krb5_error *err = NULL;
    krb5_error_code ret;
    char service[256];
    bool plain = false;

    ret = decode_krb5_error(reply, &err);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KDC's KRB-ERROR");
    if (req->fast != NULL) {
        KS_MTRACE_FAST_DECODE(ctx);
        ret = fast_error(ctx, req, &err, &plain);
        if (ret) {
            krb5_free_error(ctx->k5, err);
            return ret;
        }
    }
    ret = ks_error_from_reply(ctx, err,
                              ks_text_principal(ctx->k5, req->server, service,
                                       sizeof(service)));
    if (plain)
        ks_trace(ctx->trace, "7/8 decrypt", 7, "fast-absent",
                 "the KDC's error is not FAST-protected (a KDC without "
                 "FAST for TGS)");
    ks_trace(ctx->trace, "7/8 decrypt", 7, "error",
             "KRB-ERROR %ld from the KDC for %s", (long)err->error, service);
    krb5_free_error(ctx->k5, err);
    return ret;
}

static krb5_error_code
decrypt_with(struct ks_context *ctx, krb5_key key, krb5_keyusage usage,
             krb5_kdc_rep *rep)
{
    krb5_data plain = { 0 };
    krb5_error_code ret;

    if (krb5_k_key_enctype(ctx->k5, key) != rep->enc_part.enctype)
        return KRB5_BAD_ENCTYPE;
    ret = ks_secret_decrypt_k(ctx->k5, key, usage, &rep->enc_part, &plain);
    if (!ret)
        ret = decode_krb5_enc_kdc_rep_part(&plain, &rep->enc_part2);
    ks_secret_free(&plain);
    return ret;
}

/* The key a reply under REPLY_KEY opens with: REPLY_KEY itself, or with
 * FAST KRB-FX-CF2(STRENGTHEN, REPLY_KEY) (RFC 6113 5.4.3).  A new
 * reference either way. */
static krb5_error_code
opening_key(struct ks_context *ctx, const krb5_keyblock *strengthen,
            krb5_key reply_key, bool mtrace, krb5_key *key_out)
{
    krb5_keyblock *kb = NULL;
    krb5_error_code ret;

    if (strengthen == NULL) {
        krb5_k_reference_key(ctx->k5, reply_key);
        *key_out = reply_key;
        return 0;
    }
    ret = ks_fast_reply_key_k(ctx, strengthen, reply_key, &kb);
    if (!ret && mtrace)
        KS_MTRACE_FAST_REPLY_KEY(ctx, kb);
    if (!ret)
        ret = krb5_k_create_key(ctx->k5, kb, key_out);
    krb5_free_keyblock(ctx->k5, kb);
    return ret;
}

/* Open REP with REPLY_KEY (strengthened with FAST) for USAGE.  *opened is
 * false when only the decryption failed, which the caller may retry. */
static krb5_error_code
open_with(struct ks_context *ctx, const krb5_keyblock *strengthen,
          krb5_key reply_key, krb5_keyusage usage, bool mtrace,
          krb5_kdc_rep *rep, bool *retry_out)
{
    krb5_key key = NULL;
    krb5_error_code ret;

    *retry_out = false;
    ret = opening_key(ctx, strengthen, reply_key, mtrace, &key);
    if (ret)
        return ret;
    ret = decrypt_with(ctx, key, usage, rep);
    krb5_k_free_key(ctx->k5, key);
    *retry_out = ret != 0 && ret != ENOMEM;
    return ret;
}

/* The subkey first (usage 9), then the TGT session key (usage 8), which
 * old Heimdal KDCs use; with FAST both strengthened (RFC 6113 5.4.3), the
 * second only when the first does not open the reply. */
static krb5_error_code
decrypt_reply(struct ks_context *ctx, const struct ks_tgs_request *req,
              krb5_kdc_rep *rep, const krb5_keyblock *strengthen,
              const char **how_out)
{
    bool retry = false;
    krb5_error_code ret;

    ret = open_with(ctx, strengthen, req->subkey_key, KU_TGS_REP_SUBKEY,
                    true, rep, &retry);
    *how_out = strengthen != NULL ?
        "the strengthened authenticator subkey (FAST, usage 9)" :
        "the authenticator subkey (usage 9)";
    if (retry) {
        ret = open_with(ctx, strengthen, req->session_key,
                        KU_TGS_REP_SESSION, false, rep, &retry);
        *how_out = strengthen != NULL ?
            "the strengthened session key (FAST, usage 8)" :
            "the ticket-granting ticket's session key (usage 8)";
    }
    if (!ret || !retry)
        return ret;
    if (ret == KRB5_BAD_ENCTYPE)
        ret = KRB5KRB_AP_ERR_BAD_INTEGRITY;
    return ks_error_set(ctx, ret, "opening the TGS-REP: neither the "
                        "authenticator subkey nor the session key opens it "
                        "(a reply to another request?)");
}

static krb5_error_code
modified(struct ks_context *ctx, const char *what)
{
    return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the TGS-REP: %s",
                        what);
}

/* Check 6: the names of the ticket and of the reply. */
static krb5_error_code
check_server(struct ks_context *ctx, const struct ks_tgs_request *req,
             const krb5_kdc_rep *rep)
{
    krb5_const_principal got = rep->enc_part2->server;
    char a[256], b[256], msg[600];

    if (!krb5_principal_compare(ctx->k5, rep->ticket->server, got)) {
        snprintf(msg, sizeof(msg), "the ticket is for %s but the encrypted "
                 "part names %s", ks_text_principal(ctx->k5, rep->ticket->server, a,
                                           sizeof(a)),
                 ks_text_principal(ctx->k5, got, b, sizeof(b)));
        return modified(ctx, msg);
    }
    if (krb5_principal_compare(ctx->k5, got, req->server))
        return 0;
    if ((req->kdc_options & KDC_OPT_CANONICALIZE) ||
        (ks_tgs_is_tgs_principal(got) &&
         ks_tgs_is_tgs_principal(req->server))) {
        KS_MTRACE_TGS_REPLY_SERVER_DIFFERS(ctx, got, req->server);
        return 0;
    }
    snprintf(msg, sizeof(msg), "asked for %s, got a ticket for %s",
             ks_text_principal(ctx->k5, req->server, a, sizeof(a)),
             ks_text_principal(ctx->k5, got, b, sizeof(b)));
    return modified(ctx, msg);
}

/* Check 7: times and their bounds. */
static krb5_error_code
check_times(struct ks_context *ctx, const struct ks_tgs_request *req,
            const krb5_enc_kdc_rep_part *enc)
{
    const krb5_ticket_times *t = &enc->times;
    const krb5_creds *tgt = req->tgt;
    bool renewable = (enc->flags & TKT_FLG_RENEWABLE) != 0;

    if (req->till != 0 && tgs_ts_after(t->endtime, req->till))
        return modified(ctx, "the ticket ends later than asked for");
    if ((req->kdc_options & (KDC_OPT_RENEWABLE | KDC_OPT_RENEW)) &&
        renewable && tgt->times.renew_till != 0 &&
        tgs_ts_after(t->renew_till, tgt->times.renew_till))
        return modified(ctx, "the ticket is renewable for longer than the "
                        "ticket-granting ticket");
    if ((req->kdc_options & KDC_OPT_RENEWABLE_OK) &&
        !(req->kdc_options & KDC_OPT_RENEWABLE) && renewable &&
        req->till != 0 && tgs_ts_after(t->renew_till, req->till))
        return modified(ctx, "the renewable ticket outlasts the till "
                        "asked for");
    /* A validated ticket keeps its postdated start time (RFC 4120
     * 3.3.3.2), which may lie well in the past: no skew check for it. */
    if (!(req->kdc_options & (KDC_OPT_POSTDATED | KDC_OPT_VALIDATE)) &&
        tgs_ts_distance(t->starttime, req->ctime) >
        (uint32_t)ctx->config.clockskew)
        return ks_error_set(ctx, KRB5_KDCREP_SKEW, "checking the TGS-REP: "
                            "its start time is %lu s away from our clock",
                            (unsigned long)tgs_ts_distance(t->starttime,
                                                           req->ctime));
    /* A ticket that ends before it starts, or before the KDC issued it,
     * can never be used: refuse it rather than store it. */
    if (t->authtime == 0 ||
        !tgs_ts_after(t->endtime, t->starttime != 0 ? t->starttime
                                                    : t->authtime) ||
        !tgs_ts_after(t->endtime, t->authtime))
        return modified(ctx, "the ticket ends before it starts");
    if ((enc->flags & TKT_FLG_INVALID) &&
        !(req->kdc_options & (KDC_OPT_POSTDATED | KDC_OPT_ALLOW_POSTDATE)))
        return modified(ctx, "the ticket is marked invalid, but no "
                        "postdated ticket was asked for");
    return 0;
}

/* Session key: an enctype we implement and asked for or permit, of the
 * right size. */
static krb5_error_code
check_session_key(struct ks_context *ctx, const struct ks_tgs_request *req,
                  const krb5_keyblock *key)
{
    size_t keybytes = 0, keylength = 0;

    /* Asked for (default_tgs_enctypes, used as written, as MIT) or
     * permitted. */
    if (!krb5_c_valid_enctype(key->enctype) ||
        (!tgs_etype_in(key->enctype, ctx->config.permitted_enctypes) &&
         !tgs_etype_in(key->enctype, req->etypes)))
        return ks_error_set(ctx, KRB5_CONFIG_ETYPE_NOSUPP, "checking the "
                            "TGS-REP: session key enctype %d is not "
                            "permitted", (int)key->enctype);
    if (krb5_c_keylengths(ctx->k5, key->enctype, &keybytes,
                          &keylength) != 0 || key->length != keylength)
        return modified(ctx, "the session key has the wrong length");
    return 0;
}

/* Check 9: ok-as-delegate from a foreign realm's KDC counts only if the
 * cross-realm TGT also had it. */
static void
strip_ok_as_delegate(const struct ks_tgs_request *req,
                     krb5_enc_kdc_rep_part *enc)
{
    const krb5_data *issuer = ks_tgs_kdc_realm(req->tgt);
    const krb5_data *home = &req->tgt->client->realm;
    bool foreign = issuer->length != home->length ||
        memcmp(issuer->data, home->data, home->length) != 0;

    if (foreign && !(req->tgt->ticket_flags & TKT_FLG_OK_AS_DELEGATE))
        enc->flags &= ~TKT_FLG_OK_AS_DELEGATE;
}

static krb5_error_code
verify_reply(struct ks_context *ctx, const struct ks_tgs_request *req,
             krb5_kdc_rep *rep)
{
    krb5_enc_kdc_rep_part *enc = rep->enc_part2;
    krb5_error_code ret;
    char msg[128];

    if (rep->msg_type != KRB5_TGS_REP)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "checking the TGS-REP: message type %d",
                            (int)rep->msg_type);
    if (rep->client == NULL)
        return modified(ctx, "the reply names no client");
    /* S4U replies name the user; their hook checks that name. */
    if ((req->hook == NULL || !req->hook->checks_client) &&
        !krb5_principal_compare(ctx->k5, rep->client, req->tgt->client))
        return modified(ctx, "the reply is for another client");
    ret = check_server(ctx, req, rep);
    if (ret)
        return ret;
    if (enc->nonce != req->nonce) {
        snprintf(msg, sizeof(msg), "nonce 0x%08x is not the request's "
                 "0x%08x", (unsigned int)enc->nonce,
                 (unsigned int)req->nonce);
        return modified(ctx, msg);
    }
    ret = check_times(ctx, req, enc);
    if (!ret)
        ret = check_session_key(ctx, req, enc->session);
    if (!ret)
        strip_ok_as_delegate(req, enc);
    if (!ret && req->hook != NULL && req->hook->check_reply != NULL)
        ret = req->hook->check_reply(ctx, req, rep, req->hook->arg);
    return ret;
}

static krb5_error_code
copy_bytes(const krb5_data *in, krb5_data *out)
{
    out->magic = KV5M_DATA;
    out->data = malloc(in->length);
    if (out->data == NULL)
        return ENOMEM;
    memcpy(out->data, in->data, in->length);
    out->length = in->length;
    return 0;
}

/* The Ticket inside the TGS-REP REPLY, as the KDC sent it (RFC 4120
 * 5.4.2: [APPLICATION 13] SEQUENCE { ..., ticket [5] Ticket, ... }), into
 * *ticket_out, pointing into REPLY.  False when it cannot be found. */
static bool
raw_ticket(const krb5_data *reply, krb5_data *ticket_out)
{
    static const struct ks_der_step path[] = {
        { KS_DER_APPLICATION, 13 }, { KS_DER_UNIVERSAL, 16 },
        { KS_DER_CONTEXT, 5 }, { KS_DER_APPLICATION, 1 },
    };
    struct ks_der_tlv tlv;

    if (ks_der_find((const uint8_t *)reply->data, reply->length, path,
                    sizeof(path) / sizeof(path[0]), &tlv) != 0)
        return false;
    ticket_out->magic = KV5M_DATA;
    ticket_out->length = (unsigned int)tlv.total_len;
    ticket_out->data = (char *)tlv.start;
    return true;
}

/* Deep copies of the checked reply; the ticket is TICKET_DER (the KDC's
 * bytes), or REP's ticket encoded again when NULL. */
static krb5_error_code
make_creds(struct ks_context *ctx, const struct ks_tgs_request *req,
           const krb5_kdc_rep *rep, const krb5_data *ticket_der,
           krb5_creds **creds_out)
{
    const krb5_enc_kdc_rep_part *enc = rep->enc_part2;
    bool s4u = req->hook != NULL && req->hook->checks_client;
    bool u2u = (req->kdc_options & KDC_OPT_ENC_TKT_IN_SKEY) != 0;
    krb5_creds *c;
    krb5_data *ticket = NULL;
    krb5_error_code ret;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ENOMEM;
    c->magic = KV5M_CREDS;
    ret = krb5_copy_principal(ctx->k5, s4u ? rep->client : req->tgt->client,
                              &c->client);
    /* As MIT does: a user-to-user ticket keeps the TGT it is in. */
    if (!ret && u2u && req->second_ticket.length != 0)
        ret = copy_bytes(&req->second_ticket, &c->second_ticket);
    if (!ret)
        ret = krb5_copy_principal(ctx->k5, enc->server, &c->server);
    if (!ret)
        ret = krb5_copy_keyblock_contents(ctx->k5, enc->session,
                                          &c->keyblock);
    if (!ret && enc->caddrs != NULL)
        ret = krb5_copy_addresses(ctx->k5, enc->caddrs, &c->addresses);
    if (!ret && ticket_der != NULL)
        ret = copy_bytes(ticket_der, &c->ticket);
    else if (!ret)
        ret = encode_krb5_ticket(rep->ticket, &ticket);
    if (ret) {
        krb5_free_creds(ctx->k5, c);
        return ret;
    }
    if (ticket != NULL) {
        c->ticket = *ticket;
        free(ticket);
    }
    c->times = enc->times;
    c->ticket_flags = enc->flags;
    c->is_skey = u2u;
    *creds_out = c;
    return 0;
}

static void
trace_reply(struct ks_context *ctx, const krb5_kdc_rep *rep,
            const char *how)
{
    char key[160], name[256];

    if (!ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, "7/8 decrypt", 7, "decrypted",
             "TGS-REP for %s opened with %s",
             ks_text_principal(ctx->k5, rep->enc_part2->server, name, sizeof(name)), how);
    ks_trace(ctx->trace, "7/8 decrypt", 7, "checked",
             "service session key %s, nonce matches",
             ks_trace_key(ctx->trace, ctx->k5, rep->enc_part2->session, key,
                          sizeof(key)));
}

krb5_error_code
ks_tgs_open_reply(struct ks_context *ctx, const struct ks_tgs_request *req,
                  const krb5_data *reply, krb5_creds **creds_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_creds *creds = NULL;
    krb5_keyblock *strengthen = NULL;
    krb5_data ticket;
    const krb5_data *ticket_der = NULL;
    const char *how = NULL;
    unsigned char tag;
    krb5_error_code ret;

    if (reply == NULL || reply->length == 0)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "the KDC's reply is empty");
    tag = (unsigned char)reply->data[0];
    if (tag == TAG_KRB_ERROR)
        return error_reply(ctx, req, reply);
    if (tag != TAG_TGS_REP)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE, "the KDC's reply "
                            "(first byte 0x%02x) is not a TGS-REP", tag);
    ret = decode_krb5_tgs_rep(reply, &rep);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the TGS-REP");
    /* Its bytes, for the FAST checksum and the cache: not encoded again. */
    if (raw_ticket(reply, &ticket))
        ticket_der = &ticket;
    if (req->fast != NULL) {
        KS_MTRACE_FAST_DECODE(ctx);
        ret = ks_fast_open_reply_raw(ctx, req->fast, rep, ticket_der,
                                     req->nonce, &strengthen);
        /* The armor key comes from this request's subkey. */
        if (ret == KRB5KRB_AP_ERR_BAD_INTEGRITY)
            ks_error_prefix(ctx, ret, "opening the TGS-REP (a reply to "
                            "another request?)");
    }
    if (!ret)
        ret = decrypt_reply(ctx, req, rep, strengthen, &how);
    krb5_free_keyblock(ctx->k5, strengthen);
    if (!ret)
        ret = verify_reply(ctx, req, rep);
    if (!ret)
        ret = make_creds(ctx, req, rep, ticket_der, &creds);
    if (!ret) {
        trace_reply(ctx, rep, how);
        KS_MTRACE_TGS_REPLY(ctx, rep->client, rep->enc_part2->server,
                            rep->enc_part2->session);
        *creds_out = creds;
    }
    /* Frees enc_part2 too; krb5_free_keyblock zeroes the session key. */
    krb5_free_kdc_rep(ctx->k5, rep);
    return ret;
}

krb5_error_code
ks_tgs_reply_keys(struct ks_context *ctx, const struct ks_tgs_request *req,
                  const krb5_data *reply, krb5_keyblock **subkey_out,
                  krb5_keyblock **session_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_keyblock *strengthen = NULL, *sub = NULL, *ses = NULL;
    krb5_error_code ret;

    if (req->fast == NULL || reply == NULL || reply->length == 0 ||
        (unsigned char)reply->data[0] != TAG_TGS_REP) {
        ret = krb5_copy_keyblock(ctx->k5, req->subkey, &sub);
        if (!ret)
            ret = krb5_copy_keyblock(ctx->k5, &req->tgt->keyblock, &ses);
        goto done;
    }
    ret = decode_krb5_tgs_rep(reply, &rep);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the TGS-REP");
        goto done;
    }
    ret = ks_fast_open_reply(ctx, req->fast, rep, req->nonce, &strengthen);
    if (!ret && strengthen == NULL) {
        /* No FAST in the reply (a local KDC): the plain keys, as step 7. */
        ret = krb5_copy_keyblock(ctx->k5, req->subkey, &sub);
        if (!ret)
            ret = krb5_copy_keyblock(ctx->k5, &req->tgt->keyblock, &ses);
        goto done;
    }
    if (!ret)
        ret = ks_fast_reply_key_k(ctx, strengthen, req->subkey_key, &sub);
    if (!ret)
        ret = ks_fast_reply_key_k(ctx, strengthen, req->session_key, &ses);

done:
    krb5_free_kdc_rep(ctx->k5, rep);
    krb5_free_keyblock(ctx->k5, strengthen);
    if (ret) {
        krb5_free_keyblock(ctx->k5, sub);
        krb5_free_keyblock(ctx->k5, ses);
        return ret;
    }
    *subkey_out = sub;
    *session_out = ses;
    return 0;
}

krb5_error_code
ks_tgs_store(struct ks_context *ctx, krb5_ccache cc, const krb5_creds *creds,
             enum ks_tgs_store_mode mode)
{
    char name[256], *ccname = NULL;
    const char *where;
    krb5_error_code ret = 0;

    ks_text_principal(ctx->k5, creds->server, name, sizeof(name));
    if (mode == KS_TGS_STORE_REPLACE) {
        ret = ks_ccache_remove_replaced(ctx, cc, creds);
        if (ret)    /* the message names the cache */
            return ks_error_prefix(ctx, ret, "storing the ticket for %s",
                                   name);
    }
    ret = krb5_cc_store_cred(ctx->k5, cc, (krb5_creds *)creds);
    if (krb5_cc_get_full_name(ctx->k5, cc, &ccname) != 0)
        ccname = NULL;
    where = ccname != NULL ? ccname : "the credentials cache";
    if (ret)
        ks_error_prefix(ctx, ret, "storing the ticket for %s in %s", name,
                        where);
    else if (mode == KS_TGS_STORE_REPLACE)
        ks_trace(ctx->trace, "8/8 store", 8, "stored",
                 "ticket for %s stored in %s, in place of any earlier one",
                 name, where);
    else
        ks_trace(ctx->trace, "8/8 store", 8, "stored",
                 "ticket for %s stored in %s", name, where);
    krb5_free_string(ctx->k5, ccname);
    return ret;
}

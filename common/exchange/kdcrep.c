/*
 * kdcrep: the AS-REP half of the AS room: decode, decrypt, check every
 * item of PROTOCOL.md 1.2, and copy into krb5_creds.  Only the enc-part is
 * authenticated; the names the client trusts come from it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exchange/as.h"
#include "core/text.h"
#include "core/errors.h"
#include "core/secret.h"
#include "core/krb5_private.h"
#include "core/flags.h"

#define AS_REP_TAG 0x6b

static bool
ts_after(krb5_timestamp a, krb5_timestamp b)
{
    return (uint32_t)a > (uint32_t)b;
}

static int32_t
ts_delta(krb5_timestamp a, krb5_timestamp b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static bool
etype_in(krb5_enctype e, const krb5_enctype *list)
{
    for (size_t i = 0; list != NULL && list[i] != 0; i++) {
        if (list[i] == e)
            return true;
    }
    return false;
}

static const char *
etype_name(krb5_enctype e, char *buf, size_t len)
{
    if (krb5_enctype_to_name(e, FALSE, buf, len) != 0)
        snprintf(buf, len, "enctype %d", (int)e);
    return buf;
}

krb5_error_code
ks_as_decode_reply(struct ks_context *ctx, const struct ks_as_request *req,
                   const krb5_data *reply, krb5_kdc_rep **rep_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_error_code ret;
    char name[64];

    if (reply->length == 0 || (unsigned char)reply->data[0] != AS_REP_TAG)
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "the KDC's reply is not an AS-REP");
    ret = decode_krb5_as_rep(reply, &rep);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the AS-REP");
    if (rep->msg_type != KRB5_AS_REP) {
        krb5_free_kdc_rep(ctx->k5, rep);
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "the KDC's reply is not an AS-REP");
    }
    /* A reply in an enctype we never offered is likely forged (MIT). */
    if (!etype_in(rep->enc_part.enctype, req->etypes)) {
        ret = KRB5_CONFIG_ETYPE_NOSUPP;
        krb5_set_error_message(ctx->k5, ret,
                               "The KDC replied in %s, which we did not ask "
                               "for (reply rejected)",
                               etype_name(rep->enc_part.enctype, name,
                                          sizeof(name)));
        krb5_free_kdc_rep(ctx->k5, rep);
        return ret;
    }
    *rep_out = rep;
    return 0;
}

/* Read one DER TLV at *P (END bounds it): tag, content and its length. */
static bool
der_read(const unsigned char **p, const unsigned char *end,
         unsigned char *tag, const unsigned char **content, size_t *len)
{
    const unsigned char *q = *p;
    size_t l, nbytes;

    if (end - q < 2)
        return false;
    *tag = *q++;
    l = *q++;
    if (l & 0x80) {
        nbytes = l & 0x7f;
        if (nbytes == 0 || nbytes > 4 || (size_t)(end - q) < nbytes)
            return false;
        for (l = 0; nbytes > 0; nbytes--)
            l = (l << 8) | *q++;
    }
    if ((size_t)(end - q) < l)
        return false;
    *content = q;
    *len = l;
    *p = q + l;
    return true;
}

/* Checksum ::= SEQUENCE { cksumtype [0] Int32, checksum [1] OCTET STRING };
 * MIT exports no decoder for it.  CK borrows from DER. */
static bool
parse_checksum(const krb5_octet *der, size_t derlen, krb5_checksum *ck)
{
    const unsigned char *p = der, *end = der + derlen, *seq, *c, *v;
    size_t seqlen, clen, vlen;
    unsigned char tag;
    long type = 0;

    if (!der_read(&p, end, &tag, &seq, &seqlen) || tag != 0x30)
        return false;
    p = seq;
    end = seq + seqlen;
    if (!der_read(&p, end, &tag, &c, &clen) || tag != 0xa0 ||
        !der_read(&c, c + clen, &tag, &v, &vlen) || tag != 0x02 ||
        vlen == 0 || vlen > 4)
        return false;
    type = (v[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < vlen; i++)
        type = (long)(((unsigned long)type << 8) | v[i]);
    if (!der_read(&p, end, &tag, &c, &clen) || tag != 0xa1 ||
        !der_read(&c, c + clen, &tag, &v, &vlen) || tag != 0x04)
        return false;
    ck->magic = KV5M_CHECKSUM;
    ck->checksum_type = (krb5_cksumtype)type;
    ck->length = (unsigned int)vlen;
    ck->contents = (krb5_octet *)v;
    return true;
}

/* RFC 6806 11: with the enc-pa-rep flag the KDC proves it saw our exact
 * request; a reply without that proof is rejected. */
static krb5_error_code
check_enc_pa_rep(struct ks_context *ctx, const struct ks_as_request *req,
                 const krb5_enc_kdc_rep_part *enc, const krb5_keyblock *key)
{
    const krb5_pa_data *pa = NULL;
    krb5_checksum ck;
    krb5_boolean valid = FALSE;
    krb5_error_code ret;

    if (!(enc->flags & TKT_FLG_ENC_PA_REP)) {
        ks_trace(ctx->trace, "AS decrypt", 0, "enc-pa-rep-absent",
                 "reply has no enc-pa-rep flag: no request checksum to "
                 "check");
        return 0;
    }
    for (size_t i = 0; enc->enc_padata != NULL && enc->enc_padata[i]; i++) {
        if (enc->enc_padata[i]->pa_type == KRB5_ENCPADATA_REQ_ENC_PA_REP)
            pa = enc->enc_padata[i];
    }
    if (pa == NULL || !parse_checksum(pa->contents, pa->length, &ck))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED,
                            "the reply has the enc-pa-rep flag but no "
                            "request checksum");
    if (!krb5_c_is_keyed_cksum(ck.checksum_type))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED,
                            "the reply's request checksum is unkeyed "
                            "(type %d)", (int)ck.checksum_type);
    ret = krb5_c_verify_checksum(ctx->k5, key, KRB5_KEYUSAGE_AS_REQ,
                                 &req->der, &ck, &valid);
    if (ret || !valid)
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED,
                            "the reply's checksum over our AS-REQ does not "
                            "verify (request altered on the way?)");
    ks_trace(ctx->trace, "AS decrypt", 0, "enc-pa-rep",
             "enc-pa-rep: the KDC's checksum over our %u-byte AS-REQ "
             "verifies (checksum type %d)", req->der.length,
             (int)ck.checksum_type);
    return 0;
}

krb5_error_code
ks_as_decrypt_reply(struct ks_context *ctx, const struct ks_as_request *req,
                    krb5_kdc_rep *rep, const krb5_keyblock *key)
{
    krb5_data plain = { 0 };
    krb5_enc_kdc_rep_part *enc = NULL;
    krb5_error_code ret;
    char keydesc[128];

    ret = ks_secret_decrypt(ctx->k5, key, KRB5_KEYUSAGE_AS_REP_ENCPART,
                            &rep->enc_part, &plain);
    if (ret == ENOMEM)
        return ret;
    if (ret) {
        ks_trace(ctx->trace, "AS decrypt", 0, "decrypt-failed",
                 "reply enc-part does not decrypt with %s",
                 ks_trace_key(ctx->trace, ctx->k5, key, keydesc,
                              sizeof(keydesc)));
        goto cleanup;
    }
    ret = decode_krb5_enc_kdc_rep_part(&plain, &enc);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the AS-REP's encrypted part");
        goto cleanup;
    }
    ks_trace(ctx->trace, "AS decrypt", 0, "decrypted",
             "reply enc-part decrypted with %s (%u bytes of EncKDCRepPart)",
             ks_trace_key(ctx->trace, ctx->k5, key, keydesc, sizeof(keydesc)),
             plain.length);
    rep->enc_part2 = enc;
    ret = check_enc_pa_rep(ctx, req, enc, key);

cleanup:
    ks_secret_free(&plain);
    return ret;
}

static krb5_error_code
modified(struct ks_context *ctx, const char *what)
{
    return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "%s", what);
}

static bool
is_tgs_principal(krb5_context k5, krb5_const_principal p)
{
    return p->length == 2 && p->data[0].length == KRB5_TGS_NAME_SIZE &&
           memcmp(p->data[0].data, KRB5_TGS_NAME, KRB5_TGS_NAME_SIZE) == 0;
}

/* Items 10-12: the client and the service names. */
static krb5_error_code
check_names(struct ks_context *ctx, const struct ks_as_request *req,
            const krb5_kdc_rep *rep)
{
    const krb5_enc_kdc_rep_part *enc = rep->enc_part2;
    /* Items 10-11: canonicalize or an enterprise name allows new names. */
    bool canon = (req->kdc_options & KDC_OPT_CANONICALIZE) != 0 ||
        req->client->type == KRB5_NT_ENTERPRISE_PRINCIPAL;

    if (!canon && !krb5_principal_compare(ctx->k5, rep->client, req->client))
        return modified(ctx, "the reply is for another client");
    if (!krb5_principal_compare(ctx->k5, enc->server, req->server) &&
        !(canon && is_tgs_principal(ctx->k5, enc->server) &&
          is_tgs_principal(ctx->k5, req->server)))
        return modified(ctx, "the reply is for another service");
    if (!krb5_principal_compare(ctx->k5, enc->server, rep->ticket->server))
        return modified(ctx, "the ticket's service differs from the "
                        "reply's");
    return 0;
}

/* Items 13-17: nonce, times, renewable bounds, clock skew. */
static krb5_error_code
check_times(struct ks_context *ctx, const struct ks_as_request *req,
            const krb5_enc_kdc_rep_part *enc, krb5_timestamp now)
{
    const krb5_ticket_times *t = &enc->times;
    krb5_timestamp start = t->starttime != 0 ? t->starttime : t->authtime;
    int32_t skew;

    if (enc->nonce != req->nonce)
        return modified(ctx, "the reply's nonce does not match the "
                        "request's");
    if ((req->kdc_options & KDC_OPT_POSTDATED) && req->from != 0 &&
        start != req->from)
        return modified(ctx, "the reply's start time is not the one asked "
                        "for");
    if (req->till != 0 && ts_after(t->endtime, req->till))
        return modified(ctx, "the reply's end time is later than asked for");
    if ((req->kdc_options & KDC_OPT_RENEWABLE) && req->rtime != 0 &&
        ts_after(t->renew_till, req->rtime))
        return modified(ctx, "the reply's renew-till is later than asked "
                        "for");
    if ((req->kdc_options & KDC_OPT_RENEWABLE_OK) &&
        !(req->kdc_options & KDC_OPT_RENEWABLE) &&
        (enc->flags & TKT_FLG_RENEWABLE) && req->till != 0 &&
        ts_after(t->renew_till, req->till))
        return modified(ctx, "the reply's renew-till is later than the "
                        "end time asked for");
    skew = ts_delta(start, now);
    if (req->from == 0 && !ctx->config.kdc_timesync &&
        (skew > ctx->config.clockskew || skew < -ctx->config.clockskew))
        return ks_error_set(ctx, KRB5_KDCREP_SKEW,
                            "the reply starts %ld s from our clock (limit "
                            "%ld s; compare this machine's clock with the "
                            "KDC's)", (long)skew,
                            (long)ctx->config.clockskew);
    /* Whatever the clocks say, a ticket must end after it starts and
     * after the KDC issued it, unless a lifetime that short was asked for
     * (kinit -l -1s, as MIT's): else storing it would replace a cache that
     * works with one that never can. */
    if (t->authtime == 0 ||
        ((!ts_after(t->endtime, start) || !ts_after(t->endtime, t->authtime))
         && ts_after(req->till, req->from != 0 ? req->from : now)))
        return modified(ctx, "the reply's ticket ends before it starts");
    if ((enc->flags & TKT_FLG_INVALID) &&
        !(req->kdc_options & KDC_OPT_POSTDATED))
        return modified(ctx, "the reply's ticket is marked invalid, but no "
                        "postdated ticket was asked for");
    return 0;
}

/* Item 19: a session key of a valid enctype, one we asked for or permit
 * (MIT asks for default_tkt_enctypes as written, whatever
 * permitted_enctypes says), and of the right length. */
static krb5_error_code
check_session_key(struct ks_context *ctx, const struct ks_as_request *req,
                  const krb5_keyblock *key)
{
    size_t keylength = 0;
    char name[64];

    if (key == NULL || !krb5_c_valid_enctype(key->enctype) ||
        (!etype_in(key->enctype, ctx->config.permitted_enctypes) &&
         !etype_in(key->enctype, req->etypes)))
        return ks_error_set(ctx, KRB5_CONFIG_ETYPE_NOSUPP,
                            "the reply's session key is of %s, which is "
                            "not permitted",
                            key == NULL ? "no enctype"
                                        : etype_name(key->enctype, name,
                                                     sizeof(name)));
    if (krb5_c_keylengths(ctx->k5, key->enctype, NULL, &keylength) != 0 ||
        keylength != key->length)
        return modified(ctx, "the reply's session key has the wrong "
                        "length");
    return 0;
}

krb5_error_code
ks_as_verify_reply(struct ks_context *ctx, const struct ks_as_request *req,
                   const krb5_kdc_rep *rep, krb5_timestamp now)
{
    const krb5_enc_kdc_rep_part *enc = rep->enc_part2;
    krb5_error_code ret;
    char keydesc[128], end[32], flags[256];

    if (enc == NULL)
        return modified(ctx, "the reply was not decrypted");
    ret = check_names(ctx, req, rep);
    if (!ret)
        ret = check_times(ctx, req, enc, now);
    if (!ret)
        ret = check_session_key(ctx, req, enc->session);
    if (ret)
        return ret;
    ks_trace(ctx->trace, "AS decrypt", 0, "checked",
             "nonce 0x%08x matches, names match, ends %s, flags %s; "
             "session key %s", (unsigned int)enc->nonce,
             ks_text_time(enc->times.endtime, end, sizeof(end)),
             ks_flags_names(enc->flags, ",", flags, sizeof(flags)),
             ks_trace_key(ctx->trace, ctx->k5, enc->session, keydesc,
                          sizeof(keydesc)));
    return 0;
}

krb5_error_code
ks_as_make_creds(struct ks_context *ctx, const krb5_kdc_rep *rep,
                 krb5_creds **creds_out)
{
    const krb5_enc_kdc_rep_part *enc = rep->enc_part2;
    krb5_creds *creds = NULL;
    krb5_data *ticket = NULL;
    krb5_error_code ret;

    creds = calloc(1, sizeof(*creds));
    if (creds == NULL)
        return ENOMEM;
    creds->magic = KV5M_CREDS;
    ret = krb5_copy_principal(ctx->k5, rep->client, &creds->client);
    if (!ret)
        ret = krb5_copy_principal(ctx->k5, enc->server, &creds->server);
    if (!ret)
        ret = krb5_copy_keyblock_contents(ctx->k5, enc->session,
                                          &creds->keyblock);
    if (!ret && enc->caddrs != NULL)
        ret = krb5_copy_addresses(ctx->k5, enc->caddrs, &creds->addresses);
    /* The decoder keeps no raw bytes: re-encode, as MIT does. */
    if (!ret)
        ret = encode_krb5_ticket(rep->ticket, &ticket);
    if (ret) {
        krb5_free_creds(ctx->k5, creds);
        return ks_error_set(ctx, ret, "copying the credentials");
    }
    creds->ticket = *ticket;
    free(ticket);
    creds->times = enc->times;
    if (creds->times.starttime == 0)
        creds->times.starttime = creds->times.authtime;
    creds->ticket_flags = enc->flags;
    creds->is_skey = FALSE;
    *creds_out = creds;
    return 0;
}

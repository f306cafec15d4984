/*
 * inspect: steps 2-5 of the TGS exchange, seen with keys.  Every
 * decryption goes to a buffer that is zeroed before it is freed; traces
 * show keys as enctype and fingerprint only (ks_trace_key).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/der.h"
#include "core/errors.h"
#include "core/secret.h"
#include "inspect/inspect.h"
#include "core/text.h"
#include "core/krb5_private.h"
#include "core/trace.h"
#include "wire/padata.h"
#include "core/flags.h"

#define STAGE_2 "2/8 open-tgt"
#define STAGE_3 "3/8 check-authenticator"
#define STAGE_4 "4/8 open-reply"
#define STAGE_5 "5/8 open-ticket"

static const char *
name_of(struct ks_context *ctx, krb5_const_principal princ, char *buf,
        size_t len)
{
    return ks_text_principal(ctx->k5, princ, buf, len);
}

#define time_of ks_text_time

/* Decrypt and decode TICKET's enc-part with KEY; normalise starttime. */
static krb5_error_code
open_ticket_with(struct ks_context *ctx, const krb5_keyblock *key,
                 krb5_ticket *ticket)
{
    krb5_data plain = { KV5M_DATA, 0, NULL };
    krb5_enc_tkt_part *part = NULL;
    krb5_error_code ret;

    ret = ks_secret_decrypt(ctx->k5, key, KRB5_KEYUSAGE_KDC_REP_TICKET,
                            &ticket->enc_part, &plain);
    if (ret)
        return ret;
    ret = decode_krb5_enc_tkt_part(&plain, &part);
    ks_secret_free(&plain);
    if (ret)
        return ret;
    /* The decoder leaves an absent starttime 0 (LIBKRB5.md). */
    if (part->times.starttime == 0)
        part->times.starttime = part->times.authtime;
    krb5_free_enc_tkt_part(ctx->k5, ticket->enc_part2);
    ticket->enc_part2 = part;
    return 0;
}

/* Does the opened ticket's PAC hold a LOGON_INFO buffer?  Only Active
 * Directory's KDCs (Windows, Samba) write one: note it for the hints. */
static void
note_ad(struct ks_context *ctx, const krb5_enc_tkt_part *part)
{
    struct ks_pac_view *pac = NULL;
    struct ks_trace *trace = ctx->trace;
    krb5_error_code ret;

    if (ctx->kdc_is_ad)
        return;
    ctx->trace = NULL;                  /* a look, not a step: untraced */
    ret = ks_inspect_pac(ctx, part, NULL, NULL, &pac);
    ctx->trace = trace;
    if (ret)
        return;
    for (size_t i = 0; i < pac->count; i++) {
        if (pac->buffers[i].type == 1)
            ctx->kdc_is_ad = true;
    }
    ks_pac_view_free(pac);
}

krb5_error_code
ks_inspect_decrypt_ticket(struct ks_context *ctx, krb5_keytab kt,
                          krb5_ticket *ticket)
{
    krb5_keyblock *key = NULL;
    char pname[256], kbuf[128];
    krb5_error_code ret;

    ret = ks_inspect_ticket_key(ctx, kt, ticket, &key);
    if (ret)
        return ret;
    ret = open_ticket_with(ctx, key, ticket);
    if (ret == 0)
        note_ad(ctx, ticket->enc_part2);
    if (ret == ENOMEM) {
        ks_error_set(ctx, ret, "opening a ticket");
    } else if (ret) {
        if (ret != KRB5KRB_AP_ERR_BAD_INTEGRITY && ret != KRB5_BAD_MSIZE &&
            ret != KRB5_BAD_ENCTYPE)
            ret = KRB5KRB_AP_ERR_BAD_INTEGRITY;
        ks_error_set(ctx, ret, "the ticket for %s does not open with %s "
                     "(kvno %u)",
                     name_of(ctx, ticket->server, pname, sizeof(pname)),
                     ks_trace_key(NULL, ctx->k5, key, kbuf, sizeof(kbuf)),
                     (unsigned int)ticket->enc_part.kvno);
    }
    krb5_free_keyblock(ctx->k5, key);
    return ret;
}

krb5_error_code
ks_inspect_decode_tgs_req(struct ks_context *ctx, const krb5_data *tgs_req,
                          krb5_kdc_req **req_out, krb5_ap_req **ap_req_out)
{
    krb5_kdc_req *req = NULL;
    krb5_pa_data *pa;
    krb5_data apd;
    krb5_error_code ret;

    ret = decode_krb5_tgs_req(tgs_req, &req);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the TGS-REQ");
    pa = ks_padata_find(req->padata, KRB5_PADATA_AP_REQ);
    if (pa == NULL) {
        ret = ks_error_set(ctx, KRB5KDC_ERR_PADATA_TYPE_NOSUPP,
                           "the TGS-REQ carries no PA-TGS-REQ");
        goto cleanup;
    }
    apd.magic = KV5M_DATA;
    apd.length = pa->length;
    apd.data = (char *)pa->contents;
    ret = decode_krb5_ap_req(&apd, ap_req_out);
    if (ret) {
        ks_error_set(ctx, ret, "decoding the AP-REQ in PA-TGS-REQ");
        goto cleanup;
    }
    *req_out = req;
    req = NULL;

cleanup:
    krb5_free_kdc_req(ctx->k5, req);
    return ret;
}

/* Say in the trace when DATA carries bytes after its outer element. */
static void
trace_trailing(struct ks_context *ctx, const char *stage, int step,
               const krb5_data *data, const char *what)
{
    struct ks_der_tlv tlv;

    if (ks_der_read((const uint8_t *)data->data, data->length, &tlv) == 0 &&
        tlv.total_len < data->length) {
        ks_trace(ctx->trace, stage, step, "trailing-bytes",
                 "%zu trailing bytes after the %s (ignored)",
                 data->length - tlv.total_len, what);
    }
}

/* "SERVER for CLIENT opened (kvno N); KEY_NAME KEY; flags F": what the
 * traces of steps 2 and 5 say first about a ticket they opened. */
static const char *
opened_summary(struct ks_context *ctx, const krb5_ticket *t,
               const char *key_name, char *buf, size_t len)
{
    const krb5_enc_tkt_part *p = t->enc_part2;
    char sname[256], cname[256], kbuf[128], flags[256];

    snprintf(buf, len, "%s for %s opened (kvno %u); %s %s; flags %s",
             name_of(ctx, t->server, sname, sizeof(sname)),
             name_of(ctx, p->client, cname, sizeof(cname)),
             (unsigned int)t->enc_part.kvno, key_name,
             ks_trace_key(ctx->trace, ctx->k5, p->session, kbuf,
                          sizeof(kbuf)),
             ks_flags_names(p->flags, ",", flags, sizeof(flags)));
    return buf;
}

static void
trace_tgt(struct ks_context *ctx, const krb5_ticket *tgt)
{
    const krb5_enc_tkt_part *p = tgt->enc_part2;
    char summary[1024], t1[32], t2[32];

    if (!ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, STAGE_2, 2, "tgt-opened", "TGT %s; valid %s to %s",
             opened_summary(ctx, tgt, "logon session key", summary,
                            sizeof(summary)),
             time_of(p->times.starttime, t1, sizeof(t1)),
             time_of(p->times.endtime, t2, sizeof(t2)));
}

krb5_error_code
ks_inspect_open_tgt(struct ks_context *ctx, const krb5_data *tgs_req,
                    krb5_keytab kt, krb5_ticket **tgt_out)
{
    krb5_kdc_req *req = NULL;
    krb5_ap_req *ap_req = NULL;
    krb5_ticket *tgt;
    krb5_error_code ret;

    trace_trailing(ctx, STAGE_2, 2, tgs_req, "TGS-REQ");
    ret = ks_inspect_decode_tgs_req(ctx, tgs_req, &req, &ap_req);
    if (ret)
        goto cleanup;
    ret = ks_inspect_decrypt_ticket(ctx, kt, ap_req->ticket);
    if (ret) {
        ks_error_prefix(ctx, ret, "step 2, opening the TGT");
        goto cleanup;
    }
    trace_tgt(ctx, ap_req->ticket);
    tgt = ap_req->ticket;
    ap_req->ticket = NULL;
    *tgt_out = tgt;

cleanup:
    krb5_free_ap_req(ctx->k5, ap_req);
    krb5_free_kdc_req(ctx->k5, req);
    return ret;
}

void
ks_authenticator_check_free(struct ks_context *ctx,
                            struct ks_authenticator_check *chk)
{
    if (chk == NULL)
        return;
    krb5_free_authenticator(ctx->k5, chk->authenticator);
    free(chk);
}

/* now - ctime as a signed 32-bit difference (y2038-safe). */
static krb5_deltat
skew_of(krb5_timestamp now, krb5_timestamp ctime)
{
    uint32_t d = (uint32_t)now - (uint32_t)ctime;

    return d > INT32_MAX ? -(krb5_deltat)(UINT32_MAX - d) - 1
                         : (krb5_deltat)d;
}

static void
check_time(struct ks_context *ctx, struct ks_authenticator_check *chk)
{
    krb5_timestamp now = 0;
    krb5_deltat skew;

    if (krb5_timeofday(ctx->k5, &now) != 0)
        now = (krb5_timestamp)time(NULL);
    skew = skew_of(now, chk->authenticator->ctime);
    chk->skew = skew;
    chk->time_ok = skew >= -ctx->config.clockskew &&
                   skew <= ctx->config.clockskew;
}

/*
 * The req-body bytes the checksum covers: sliced from the wire; re-encoded
 * from the decoded request only if slicing fails.
 */
static krb5_error_code
body_bytes(const krb5_data *tgs_req, const krb5_kdc_req *req,
           krb5_data *body_out, bool *from_wire)
{
    krb5_data *enc = NULL;
    krb5_error_code ret;

    if (ks_der_req_body(tgs_req, body_out) == 0) {
        *from_wire = true;
        return 0;
    }
    ret = encode_krb5_kdc_req_body(req, &enc);
    if (ret)
        return ret;
    *body_out = *enc;
    free(enc);
    *from_wire = false;
    return 0;
}

/* The keyed check comes before krb5_c_verify_checksum (PROTOCOL.md 1.6). */
static krb5_error_code
check_checksum(struct ks_context *ctx, const krb5_data *tgs_req,
               const krb5_kdc_req *req, const krb5_keyblock *session_key,
               struct ks_authenticator_check *chk)
{
    const krb5_checksum *ck = chk->authenticator->checksum;
    krb5_data body = { KV5M_DATA, 0, NULL };
    krb5_boolean valid = FALSE;
    krb5_error_code ret;

    if (ck == NULL)
        return 0;
    chk->checksum_keyed = krb5_c_is_keyed_cksum(ck->checksum_type) != 0;
    if (!chk->checksum_keyed)
        return 0;
    ret = body_bytes(tgs_req, req, &body, &chk->body_from_wire);
    if (ret)
        return ret;
    ret = krb5_c_verify_checksum(ctx->k5, session_key,
                                 KRB5_KEYUSAGE_TGS_REQ_AUTH_CKSUM, &body,
                                 ck, &valid);
    krb5_free_data_contents(ctx->k5, &body);
    /* A checksum type that does not fit the key does not verify. */
    chk->checksum_ok = ret == 0 && valid;
    return ret == ENOMEM ? ret : 0;
}

static void
trace_check(struct ks_context *ctx, const struct ks_authenticator_check *c,
            const krb5_keyblock *session_key)
{
    const krb5_authenticator *a = c->authenticator;
    char cname[256], kbuf[128], sbuf[128];

    if (!ks_trace_enabled(ctx->trace))
        return;
    if (a->subkey != NULL)
        ks_trace_key(ctx->trace, ctx->k5, a->subkey, sbuf, sizeof(sbuf));
    else
        snprintf(sbuf, sizeof(sbuf), "none");
    ks_trace(ctx->trace, STAGE_3, 3, "authenticator",
             "authenticator from %s opened with %s: client %s, time %s "
             "(skew %ld s, limit %ld s), checksum type %d %s%s, subkey %s",
             name_of(ctx, a->client, cname, sizeof(cname)),
             ks_trace_key(ctx->trace, ctx->k5, session_key, kbuf,
                          sizeof(kbuf)),
             c->client_matches ? "matches the TGT" : "DOES NOT match the TGT",
             c->time_ok ? "ok" : "OUT OF SKEW", (long)c->skew,
             (long)ctx->config.clockskew,
             a->checksum ? (int)a->checksum->checksum_type : 0,
             !c->checksum_keyed ? "NOT KEYED (rejected)"
             : c->checksum_ok   ? "verifies over the req-body"
                                : "DOES NOT verify over the req-body",
             c->checksum_keyed && !c->body_from_wire ? " (re-encoded)" : "",
             sbuf);
}

/* Decrypt and decode the authenticator of AP_REQ into CHK. */
static krb5_error_code
open_authenticator(struct ks_context *ctx, const krb5_ap_req *ap_req,
                   const krb5_keyblock *session_key,
                   struct ks_authenticator_check *chk)
{
    krb5_data plain = { KV5M_DATA, 0, NULL };
    char kbuf[128];
    krb5_error_code ret;

    ret = ks_secret_decrypt(ctx->k5, session_key,
                            KRB5_KEYUSAGE_TGS_REQ_AUTH,
                            &ap_req->authenticator, &plain);
    if (ret == ENOMEM)
        return ret;
    if (ret) {
        return ks_error_set(ctx, KRB5KRB_AP_ERR_BAD_INTEGRITY,
                            "the authenticator does not open with %s (%s)",
                            ks_trace_key(NULL, ctx->k5, session_key, kbuf,
                                         sizeof(kbuf)),
                            error_message(ret));
    }
    ret = decode_krb5_authenticator(&plain, &chk->authenticator);
    ks_secret_free(&plain);
    if (ret)
        ks_error_set(ctx, ret, "decoding the authenticator");
    return ret;
}

krb5_error_code
ks_inspect_check_authenticator(struct ks_context *ctx,
                               const krb5_data *tgs_req,
                               const krb5_keyblock *session_key,
                               krb5_const_principal tgt_client,
                               struct ks_authenticator_check **chk_out)
{
    struct ks_authenticator_check *chk = NULL;
    krb5_kdc_req *req = NULL;
    krb5_ap_req *ap_req = NULL;
    krb5_error_code ret;

    chk = calloc(1, sizeof(*chk));
    if (chk == NULL)
        return ENOMEM;
    ret = ks_inspect_decode_tgs_req(ctx, tgs_req, &req, &ap_req);
    if (ret)
        goto cleanup;
    ret = open_authenticator(ctx, ap_req, session_key, chk);
    if (ret)
        goto cleanup;
    chk->client_matches = tgt_client != NULL &&
        krb5_principal_compare(ctx->k5, chk->authenticator->client,
                               tgt_client);
    check_time(ctx, chk);
    ret = check_checksum(ctx, tgs_req, req, session_key, chk);
    if (ret)
        goto cleanup;
    trace_check(ctx, chk, session_key);
    *chk_out = chk;
    chk = NULL;

cleanup:
    if (ret)
        ks_error_prefix(ctx, ret, "step 3, checking the authenticator");
    ks_authenticator_check_free(ctx, chk);
    krb5_free_ap_req(ctx->k5, ap_req);
    krb5_free_kdc_req(ctx->k5, req);
    return ret;
}

/* A KRB-ERROR where a reply was expected becomes its code and message. */
static krb5_error_code
reply_is_error(struct ks_context *ctx, const krb5_data *reply)
{
    krb5_error *err = NULL;
    krb5_error_code ret;

    ret = decode_krb5_error(reply, &err);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KRB-ERROR");
    ret = ks_error_from_reply(ctx, err, NULL);
    krb5_free_error(ctx->k5, err);
    return ks_error_prefix(ctx, ret, "the reply is a KRB-ERROR");
}

static krb5_error_code
decode_reply(struct ks_context *ctx, const krb5_data *reply,
             krb5_kdc_rep **rep_out)
{
    krb5_error_code ret;

    if (reply->length > 0 && (uint8_t)reply->data[0] == 0x7e)
        return reply_is_error(ctx, reply);
    ret = decode_krb5_tgs_rep(reply, rep_out);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the TGS-REP");
    return 0;
}

/* Try KEY with USAGE on the enc-part of REP. */
static krb5_error_code
try_reply_key(struct ks_context *ctx, const krb5_kdc_rep *rep,
              const krb5_keyblock *key, krb5_keyusage usage,
              krb5_enc_kdc_rep_part **part_out)
{
    krb5_data plain = { KV5M_DATA, 0, NULL };
    krb5_error_code ret;

    if (key == NULL)
        return KRB5KRB_AP_ERR_BAD_INTEGRITY;
    ret = ks_secret_decrypt(ctx->k5, key, usage, &rep->enc_part, &plain);
    if (ret)
        return ret;
    ret = decode_krb5_enc_kdc_rep_part(&plain, part_out);
    ks_secret_free(&plain);
    return ret;
}

static void
trace_reply(struct ks_context *ctx, const krb5_enc_kdc_rep_part *part,
            const krb5_keyblock *key, krb5_keyusage usage)
{
    char sname[256], kbuf[128], skbuf[128], t1[32], flags[256];

    if (!ks_trace_enabled(ctx->trace))
        return;
    ks_trace(ctx->trace, STAGE_4, 4, "reply-opened",
             "reply part opened with the %s (%s, usage %d): service session "
             "key %s for %s, nonce 0x%08x, flags %s, ends %s",
             usage == KRB5_KEYUSAGE_TGS_REP_ENCPART_SUBKEY
                 ? "authenticator subkey" : "logon session key",
             ks_trace_key(ctx->trace, ctx->k5, key, kbuf, sizeof(kbuf)),
             (int)usage,
             ks_trace_key(ctx->trace, ctx->k5, part->session, skbuf,
                          sizeof(skbuf)),
             name_of(ctx, part->server, sname, sizeof(sname)),
             (unsigned int)part->nonce,
             ks_flags_names(part->flags, ",", flags, sizeof(flags)),
             time_of(part->times.endtime, t1, sizeof(t1)));
}

krb5_error_code
ks_inspect_open_reply(struct ks_context *ctx, const krb5_data *reply,
                      const krb5_keyblock *subkey,
                      const krb5_keyblock *session_key,
                      krb5_enc_kdc_rep_part **part_out,
                      krb5_keyusage *usage_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_keyusage usage = KRB5_KEYUSAGE_TGS_REP_ENCPART_SUBKEY;
    const krb5_keyblock *key = subkey;
    krb5_error_code ret;

    ret = decode_reply(ctx, reply, &rep);
    if (ret)
        goto cleanup;
    trace_trailing(ctx, STAGE_4, 4, reply, "TGS-REP");
    ret = try_reply_key(ctx, rep, subkey, usage, &part);
    if (ret && ret != ENOMEM) {
        /* Heimdal up to 1.2 used the session key (PROTOCOL.md 1.3). */
        usage = KRB5_KEYUSAGE_TGS_REP_ENCPART_SESSKEY;
        key = session_key;
        ret = try_reply_key(ctx, rep, session_key, usage, &part);
    }
    if (ret) {
        ks_error_set(ctx, ret == ENOMEM ? ret : KRB5KRB_AP_ERR_BAD_INTEGRITY,
                     "step 4, the reply part opens neither with the %s "
                     "(usage 9) nor with the %s (usage 8)",
                     subkey ? "subkey" : "subkey (none given)",
                     session_key ? "session key" : "session key (none given)");
        ret = ret == ENOMEM ? ret : KRB5KRB_AP_ERR_BAD_INTEGRITY;
        goto cleanup;
    }
    trace_reply(ctx, part, key, usage);
    *part_out = part;
    *usage_out = usage;

cleanup:
    krb5_free_kdc_rep(ctx->k5, rep);
    return ret;
}

/* The Ticket in REPLY: a TGS-REP's, or a bare Ticket. */
static krb5_error_code
reply_ticket(struct ks_context *ctx, const krb5_data *reply,
             krb5_ticket **ticket_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_error_code ret;

    if (reply->length > 0 && (uint8_t)reply->data[0] == 0x61) {
        ret = decode_krb5_ticket(reply, ticket_out);
        return ret ? ks_error_set(ctx, ret, "decoding the ticket") : 0;
    }
    ret = decode_reply(ctx, reply, &rep);
    if (ret)
        return ret;
    *ticket_out = rep->ticket;
    rep->ticket = NULL;
    krb5_free_kdc_rep(ctx->k5, rep);
    return 0;
}

static void
trace_ticket(struct ks_context *ctx, const krb5_ticket *t)
{
    const krb5_enc_tkt_part *p = t->enc_part2;
    char summary[1024], t1[32], t2[32], t3[32];
    size_t nad = 0;

    if (!ks_trace_enabled(ctx->trace))
        return;
    while (p->authorization_data != NULL && p->authorization_data[nad])
        nad++;
    ks_trace(ctx->trace, STAGE_5, 5, "ticket-opened",
             "ticket %s; authtime %s, valid %s to %s; transited %s; %zu "
             "authorization data element%s",
             opened_summary(ctx, t, "session key", summary, sizeof(summary)),
             time_of(p->times.authtime, t1, sizeof(t1)),
             time_of(p->times.starttime, t2, sizeof(t2)),
             time_of(p->times.endtime, t3, sizeof(t3)),
             p->transited.tr_contents.length ? "non-empty" : "empty", nad,
             nad == 1 ? "" : "s");
}

krb5_error_code
ks_inspect_open_ticket(struct ks_context *ctx, const krb5_data *reply,
                       krb5_keytab kt, krb5_ticket **ticket_out)
{
    krb5_ticket *ticket = NULL;
    krb5_error_code ret;

    ret = reply_ticket(ctx, reply, &ticket);
    if (ret)
        goto cleanup;
    ret = ks_inspect_decrypt_ticket(ctx, kt, ticket);
    if (ret) {
        ks_error_prefix(ctx, ret, "step 5, opening the service ticket");
        goto cleanup;
    }
    trace_ticket(ctx, ticket);
    *ticket_out = ticket;
    ticket = NULL;

cleanup:
    krb5_free_ticket(ctx->k5, ticket);
    return ret;
}

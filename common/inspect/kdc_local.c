/*
 * kdc_local: the KDC half of the TGS exchange (steps 2-6), performed with
 * a keytab.  The rules, kept simple and close to MIT's KDC:
 *
 *   - The ticket in PA-TGS-REQ must be a TGT (krbtgt/...), valid now
 *     (within the clock skew), and not INVALID.
 *   - The authenticator must open with the TGT's session key, name the
 *     TGT's client, lie within the clock skew and carry a keyed checksum
 *     that verifies over the req-body as sent.  No replay cache.
 *   - Options: FORWARDABLE, PROXIABLE, RENEWABLE and ALLOW-POSTDATE are
 *     granted when the TGT has the matching flag (silently not granted
 *     otherwise, as MIT does); CANONICALIZE and RENEWABLE-OK are accepted
 *     and ignored (no referrals); FORWARDED, PROXY, POSTDATED, VALIDATE,
 *     RENEW, ENC-TKT-IN-SKEY and CNAME-IN-ADDL-TKT are refused with
 *     KDC_ERR_BADOPTION.
 *   - The service key is the service's entry in the keytab (highest kvno)
 *     of the first enctype of the configuration's permitted_enctypes that
 *     the keytab has.  None: KDC_ERR_S_PRINCIPAL_UNKNOWN.
 *   - The session key's enctype is the first enctype of the request's
 *     etype list that libkrb5 implements and permitted_enctypes allows
 *     (MIT also asks whether the service supports it; we do not).  None:
 *     KDC_ERR_ETYPE_NOSUPP.
 *   - Times: authtime from the TGT, starttime now, endtime the earlier of
 *     the TGT's endtime and the request's till (till 0: the TGT's), and
 *     renew-till, when renewable, the earlier of the TGT's renew-till and
 *     the request's rtime.
 *   - Flags: pre-authent, hw-authent, forwarded and proxy are inherited
 *     from the TGT, plus the granted options above.
 *   - Authorization data is the TGT's.  Its PAC, verified with the krbtgt
 *     key (a PAC that does not verify: KRB_AP_ERR_MODIFIED), is signed
 *     again for the service as a KDC does (server and KDC checksums, a
 *     ticket signature) and put first.  The request's
 *     enc-authorization-data is not copied.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "core/secret.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "core/text.h"
#include "core/krb5_private.h"
#include "core/trace.h"
#include "core/flags.h"

#define STAGE_2 "2/8 open-tgt"
#define STAGE_3 "3/8 check-authenticator"
#define STAGE_4 "4/8 encrypt-reply"
#define STAGE_5 "5/8 seal-ticket"
#define STAGE_6 "6/8 send"

/* Options this KDC does not honour. */
#define REFUSED_OPTIONS                                                    \
    (KDC_OPT_FORWARDED | KDC_OPT_PROXY | KDC_OPT_POSTDATED |              \
     KDC_OPT_VALIDATE | KDC_OPT_RENEW | KDC_OPT_ENC_TKT_IN_SKEY |          \
     KDC_OPT_CNAME_IN_ADDL_TKT)

/* Ticket flags copied from the TGT as they are. */
#define INHERITED_FLAGS                                                    \
    (TKT_FLG_PRE_AUTH | TKT_FLG_HW_AUTH | TKT_FLG_FORWARDED | TKT_FLG_PROXY)

struct kdc_state {
    struct ks_context *ctx;
    krb5_keytab kt;
    const krb5_data *der;           /* the TGS-REQ as received */
    krb5_timestamp now;
    krb5_int32 now_usec;
    krb5_kdc_req *req;
    krb5_ap_req *ap_req;            /* ap_req->ticket: the TGT, opened */
    struct ks_authenticator_check *chk;
    krb5_keyblock *service_key;
    krb5_kvno service_kvno;
    krb5_keyblock *session;         /* the service session key */
    krb5_enc_tkt_part tkt;          /* pointers borrowed, never freed,
                                     * but for ticket_ad */
    krb5_authdata **ticket_ad;      /* tkt's own list; [0] the new PAC
                                     * when pac_added */
    bool pac_added;
    krb5_error_code refusal;        /* non-zero: answer with a KRB-ERROR */
    char etext[256];
};

static const char *
name_of(struct ks_context *ctx, krb5_const_principal princ, char *buf,
        size_t len)
{
    return ks_text_principal(ctx->k5, princ, buf, len);
}

/* Decide to answer with the KRB-ERROR CODE; ETEXT says why. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
refuse(struct kdc_state *st, const char *stage, krb5_error_code code,
       const char *fmt, ...)
{
    va_list ap;
    int step = stage[0] - '0';

    va_start(ap, fmt);
    vsnprintf(st->etext, sizeof(st->etext), fmt, ap);
    va_end(ap);
    st->refusal = code;
    ks_trace(st->ctx->trace, stage, step, "refused", "%s: answering %s",
             st->etext, error_message(code));
}

/* a is later than b, with timestamps as unsigned (y2038-safe). */
static int
ts_after(krb5_timestamp a, krb5_timestamp b)
{
    return (uint32_t)a > (uint32_t)b;
}

static krb5_timestamp
ts_min(krb5_timestamp a, krb5_timestamp b)
{
    return ts_after(a, b) ? b : a;
}

static krb5_timestamp
ts_add(krb5_timestamp t, krb5_deltat d)
{
    return (krb5_timestamp)((uint32_t)t + (uint32_t)d);
}

static int
is_tgs_principal(krb5_const_principal p)
{
    return p != NULL && p->length == 2 && p->data[0].length == 6 &&
           memcmp(p->data[0].data, "krbtgt", 6) == 0;
}

/* Is the opened TGT usable now? */
static void
check_tgt(struct kdc_state *st)
{
    const krb5_ticket *tgt = st->ap_req->ticket;
    const krb5_enc_tkt_part *p = tgt->enc_part2;
    krb5_deltat skew = st->ctx->config.clockskew;
    char sname[256];

    if (!is_tgs_principal(tgt->server)) {
        refuse(st, STAGE_2, KRB5KDC_ERR_POLICY,
               "the ticket in the request is for %s, not a TGT",
               name_of(st->ctx, tgt->server, sname, sizeof(sname)));
    } else if (ts_after(st->now, ts_add(p->times.endtime, skew))) {
        refuse(st, STAGE_2, KRB5KRB_AP_ERR_TKT_EXPIRED, "the TGT expired");
    } else if (ts_after(p->times.starttime, ts_add(st->now, skew)) ||
               (p->flags & TKT_FLG_INVALID)) {
        refuse(st, STAGE_2, KRB5KRB_AP_ERR_TKT_NYV,
               "the TGT is not yet valid");
    }
}

static void
trace_tgt(struct kdc_state *st)
{
    const krb5_ticket *tgt = st->ap_req->ticket;
    char cname[256], kbuf[128], flags[256];

    if (!ks_trace_enabled(st->ctx->trace))
        return;
    ks_trace(st->ctx->trace, STAGE_2, 2, "tgt-opened",
             "TGT of %s opened with the krbtgt key (kvno %u): logon session "
             "key %s, flags %s",
             name_of(st->ctx, tgt->enc_part2->client, cname, sizeof(cname)),
             (unsigned int)tgt->enc_part.kvno,
             ks_trace_key(st->ctx->trace, st->ctx->k5,
                          tgt->enc_part2->session, kbuf, sizeof(kbuf)),
             ks_flags_names(tgt->enc_part2->flags, ",", flags,
                            sizeof(flags)));
}

/* Step 2: decode the request and open the TGT with the krbtgt key. */
static krb5_error_code
open_tgt(struct kdc_state *st)
{
    krb5_error_code ret;

    ret = ks_inspect_decode_tgs_req(st->ctx, st->der, &st->req, &st->ap_req);
    if (ret)
        return ret;
    if (st->req->server == NULL) {
        return ks_error_set(st->ctx, EINVAL,
                            "the TGS-REQ names no service");
    }
    ret = ks_inspect_decrypt_ticket(st->ctx, st->kt, st->ap_req->ticket);
    if (ret == KRB5KRB_AP_ERR_BAD_INTEGRITY || ret == KRB5_BAD_ENCTYPE ||
        ret == KRB5_BAD_MSIZE) {
        refuse(st, STAGE_2, KRB5KRB_AP_ERR_BAD_INTEGRITY,
               "the TGT does not decrypt with the krbtgt key");
        return 0;
    }
    if (ret)
        return ks_error_prefix(st->ctx, ret, "opening the TGT");
    trace_tgt(st);
    check_tgt(st);
    return 0;
}

/* Map a failed step-3 call to a refusal; only ENOMEM stays local. */
static krb5_error_code
authenticator_failed(struct kdc_state *st, krb5_error_code ret)
{
    const char *msg;

    if (ret == ENOMEM)
        return ret;
    msg = krb5_get_error_message(st->ctx->k5, ret);
    if (ret < ERROR_TABLE_BASE_krb5 || ret > ERROR_TABLE_BASE_krb5 + 127)
        ret = KRB5KRB_AP_ERR_BAD_INTEGRITY;
    refuse(st, STAGE_3, ret, "%s", msg);
    krb5_free_error_message(st->ctx->k5, msg);
    return 0;
}

/* Step 3: the KDC's checks of the authenticator, in MIT's order. */
static krb5_error_code
check_authenticator(struct kdc_state *st)
{
    const krb5_enc_tkt_part *tgt = st->ap_req->ticket->enc_part2;
    struct ks_authenticator_check *c;
    krb5_error_code ret;

    ret = ks_inspect_check_authenticator(st->ctx, st->der, tgt->session,
                                         tgt->client, &st->chk);
    if (ret)
        return authenticator_failed(st, ret);
    c = st->chk;
    if (!c->client_matches) {
        refuse(st, STAGE_3, KRB5KRB_AP_ERR_BADMATCH,
               "the authenticator's client is not the TGT's");
    } else if (!c->time_ok) {
        refuse(st, STAGE_3, KRB5KRB_AP_ERR_SKEW,
               "the authenticator is %ld s off the KDC's clock",
               (long)c->skew);
    } else if (!c->checksum_keyed) {
        refuse(st, STAGE_3, KRB5KRB_AP_ERR_INAPP_CKSUM,
               "the authenticator's checksum is missing or not keyed");
    } else if (!c->checksum_ok) {
        /* RFC 4120 3.3.2 says MODIFIED; MIT's KDC says BAD_INTEGRITY. */
        refuse(st, STAGE_3, KRB5KRB_AP_ERR_MODIFIED,
               "the checksum does not verify over the req-body");
    }
    return 0;
}

static void
check_options(struct kdc_state *st)
{
    krb5_flags refused = st->req->kdc_options & REFUSED_OPTIONS;

    if (refused != 0) {
        refuse(st, STAGE_3, KRB5KDC_ERR_BADOPTION,
               "this local KDC does not honour KDC options 0x%08x",
               (unsigned int)refused);
    }
    if (st->req->authorization_data.ciphertext.length > 0) {
        ks_trace(st->ctx->trace, STAGE_5, 5, "enc-authdata-ignored",
                 "the request's enc-authorization-data is not copied");
    }
}

/*
 * The service's entry in KT for the first of ETS (N enctypes) it has, in
 * *e; KRB5_KT_NOTFOUND when none.
 */
static krb5_error_code
first_entry(struct kdc_state *st, const krb5_enctype *ets, size_t n,
            krb5_keytab_entry *e)
{
    krb5_error_code ret = KRB5_KT_NOTFOUND;

    for (size_t i = 0; i < n; i++) {
        ret = krb5_kt_get_entry(st->ctx->k5, st->kt, st->req->server, 0,
                                ets[i], e);
        if (ret != KRB5_KT_NOTFOUND && ret != KRB5_KT_KVNONOTFOUND)
            return ret;
    }
    return KRB5_KT_NOTFOUND;
}

/* The service's key of the first permitted enctype the keytab has. */
static krb5_error_code
pick_service_key(struct kdc_state *st)
{
    static const krb5_enctype any = ENCTYPE_NULL;
    const krb5_enctype *ets = st->ctx->config.permitted_enctypes;
    size_t n = 0;
    krb5_keytab_entry e;
    krb5_error_code ret;
    char sname[256], kbuf[128];

    while (ets != NULL && ets[n] != 0)
        n++;
    if (n == 0) {
        ets = &any;
        n = 1;
    }
    name_of(st->ctx, st->req->server, sname, sizeof(sname));
    ret = first_entry(st, ets, n, &e);
    if (ret == KRB5_KT_NOTFOUND) {
        refuse(st, STAGE_5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
               "no permitted key for %s in the keytab", sname);
        return 0;
    }
    if (ret)
        return ks_error_set(st->ctx, ret, "looking up the key of %s", sname);
    st->service_kvno = e.vno;
    ret = krb5_copy_keyblock(st->ctx->k5, &e.key, &st->service_key);
    krb5_free_keytab_entry_contents(st->ctx->k5, &e);
    if (ret)
        return ret;
    ks_trace(st->ctx->trace, STAGE_5, 5, "service-key",
             "service key for %s: %s, kvno %u", sname,
             ks_trace_key(st->ctx->trace, st->ctx->k5, st->service_key, kbuf,
                          sizeof(kbuf)), (unsigned int)st->service_kvno);
    return 0;
}

static int
permitted(const struct ks_config *cfg, krb5_enctype et)
{
    if (!krb5_c_valid_enctype(et))
        return 0;
    if (cfg->permitted_enctypes == NULL)
        return 1;
    for (size_t i = 0; cfg->permitted_enctypes[i] != 0; i++) {
        if (cfg->permitted_enctypes[i] == et)
            return 1;
    }
    return 0;
}

/* Step 3, last part: the service session key. */
static krb5_error_code
invent_session_key(struct kdc_state *st)
{
    krb5_enctype et = 0;
    krb5_keyblock kb;
    krb5_error_code ret;
    char kbuf[128];

    for (int i = 0; i < st->req->nktypes && et == 0; i++) {
        if (permitted(&st->ctx->config, st->req->ktype[i]))
            et = st->req->ktype[i];
    }
    if (et == 0) {
        refuse(st, STAGE_3, KRB5KDC_ERR_ETYPE_NOSUPP,
               "no requested enctype is permitted");
        return 0;
    }
    ret = krb5_c_make_random_key(st->ctx->k5, et, &kb);
    if (ret)
        return ks_error_set(st->ctx, ret, "making a session key");
    ret = krb5_copy_keyblock(st->ctx->k5, &kb, &st->session);
    krb5_free_keyblock_contents(st->ctx->k5, &kb);
    if (ret)
        return ret;
    ks_trace(st->ctx->trace, STAGE_3, 3, "session-key",
             "service session key invented: %s (first requested enctype "
             "that is permitted)",
             ks_trace_key(st->ctx->trace, st->ctx->k5, st->session, kbuf,
                          sizeof(kbuf)));
    return 0;
}

static krb5_flags
ticket_flags(const krb5_kdc_req *req, krb5_flags tgt)
{
    krb5_flags f = tgt & INHERITED_FLAGS, o = req->kdc_options;

    if ((o & KDC_OPT_FORWARDABLE) && (tgt & TKT_FLG_FORWARDABLE))
        f |= TKT_FLG_FORWARDABLE;
    if ((o & KDC_OPT_PROXIABLE) && (tgt & TKT_FLG_PROXIABLE))
        f |= TKT_FLG_PROXIABLE;
    if ((o & KDC_OPT_RENEWABLE) && (tgt & TKT_FLG_RENEWABLE))
        f |= TKT_FLG_RENEWABLE;
    if ((o & KDC_OPT_ALLOW_POSTDATE) && (tgt & TKT_FLG_MAY_POSTDATE))
        f |= TKT_FLG_MAY_POSTDATE;
    return f;
}

static void
ticket_times(struct kdc_state *st, const krb5_enc_tkt_part *tgt)
{
    krb5_ticket_times *t = &st->tkt.times;

    t->authtime = tgt->times.authtime;
    t->starttime = st->now;
    t->endtime = tgt->times.endtime;
    if (st->req->till != 0)
        t->endtime = ts_min(t->endtime, st->req->till);
    t->renew_till = 0;
    if (st->tkt.flags & TKT_FLG_RENEWABLE) {
        t->renew_till = tgt->times.renew_till;
        if (st->req->rtime != 0)
            t->renew_till = ts_min(t->renew_till, st->req->rtime);
    }
}

/* The EncTicketPart of the service ticket (step 5). */
static void
build_ticket_part(struct kdc_state *st)
{
    const krb5_enc_tkt_part *tgt = st->ap_req->ticket->enc_part2;
    char t1[32], f1[256], f2[256], f3[256];

    memset(&st->tkt, 0, sizeof(st->tkt));
    st->tkt.magic = KV5M_ENC_TKT_PART;
    st->tkt.flags = ticket_flags(st->req, tgt->flags);
    st->tkt.session = st->session;
    st->tkt.client = tgt->client;
    st->tkt.transited.magic = KV5M_TRANSITED;
    st->tkt.transited.tr_type = KRB5_DOMAIN_X500_COMPRESS;
    st->tkt.caddrs = tgt->caddrs;
    st->tkt.authorization_data = tgt->authorization_data;
    ticket_times(st, tgt);
    if (!ts_after(st->tkt.times.endtime, st->now)) {
        refuse(st, STAGE_5, KRB5KDC_ERR_NEVER_VALID,
               "the requested end time has passed");
        return;
    }
    snprintf(t1, sizeof(t1), "%ld",
             (long)(uint32_t)st->tkt.times.endtime - (long)(uint32_t)st->now);
    ks_trace(st->ctx->trace, STAGE_5, 5, "ticket-part",
             "ticket flags %s (TGT %s, options %s); valid for %s s",
             ks_flags_names(st->tkt.flags, ",", f1, sizeof(f1)),
             ks_flags_names(tgt->flags, ",", f2, sizeof(f2)),
             ks_kdc_options_names(st->req->kdc_options, ",", f3,
                                  sizeof(f3)),
             t1);
}

/* Encrypt PLAIN with KEY for USAGE into *out (ciphertext allocated). */
static krb5_error_code
encrypt_to(struct ks_context *ctx, const krb5_keyblock *key,
           krb5_keyusage usage, krb5_kvno kvno, const krb5_data *plain,
           krb5_enc_data *out)
{
    krb5_error_code ret;

    memset(out, 0, sizeof(*out));
    ret = ks_secret_encrypt(ctx->k5, key, usage, plain, out);
    if (!ret)
        out->kvno = kvno;       /* encryption leaves it 0 */
    return ret;
}

typedef krb5_error_code (*encoder_fn)(const void *, krb5_data **);

/* Encode IN with ENCODE, encrypt it, and zero the encoded plaintext. */
static krb5_error_code
seal(struct ks_context *ctx, encoder_fn encode, const void *in,
     const krb5_keyblock *key, krb5_keyusage usage, krb5_kvno kvno,
     krb5_enc_data *out)
{
    krb5_data *plain = NULL;
    krb5_error_code ret;

    ret = encode(in, &plain);
    if (ret)
        return ret;
    ret = encrypt_to(ctx, key, usage, kvno, plain, out);
    ks_secret_free_encoded(ctx->k5, plain);
    return ret;
}

static krb5_error_code
encode_tkt_part(const void *p, krb5_data **out)
{
    return encode_krb5_enc_tkt_part(p, out);
}

static krb5_error_code
encode_rep_part(const void *p, krb5_data **out)
{
    return encode_krb5_enc_kdc_rep_part(p, out);
}

/* Step 5: the service ticket, sealed under the service key. */
static krb5_error_code
seal_ticket(struct kdc_state *st, krb5_ticket *ticket)
{
    char sname[256];
    krb5_error_code ret;

    memset(ticket, 0, sizeof(*ticket));
    ticket->magic = KV5M_TICKET;
    ticket->server = st->req->server;
    ret = seal(st->ctx, encode_tkt_part, &st->tkt, st->service_key,
               KRB5_KEYUSAGE_KDC_REP_TICKET, st->service_kvno,
               &ticket->enc_part);
    if (ret)
        return ks_error_set(st->ctx, ret, "sealing the service ticket");
    ks_trace(st->ctx->trace, STAGE_5, 5, "ticket-sealed",
             "ticket for %s sealed under the service key (usage 2, %u "
             "bytes)", name_of(st->ctx, ticket->server, sname, sizeof(sname)),
             ticket->enc_part.ciphertext.length);
    return 0;
}

/* Step 4: the EncTGSRepPart under the subkey (9) or session key (8). */
static krb5_error_code
encrypt_reply_part(struct kdc_state *st, krb5_enc_data *out)
{
    krb5_last_req_entry lr = { KV5M_LAST_REQ_ENTRY, KRB5_LRQ_NONE, 0 };
    krb5_last_req_entry *lrs[2] = { &lr, NULL };
    const krb5_keyblock *key = st->chk->authenticator->subkey;
    krb5_keyusage usage = KRB5_KEYUSAGE_TGS_REP_ENCPART_SUBKEY;
    krb5_enc_kdc_rep_part part;
    krb5_error_code ret;
    char kbuf[128];

    if (key == NULL) {
        key = st->ap_req->ticket->enc_part2->session;
        usage = KRB5_KEYUSAGE_TGS_REP_ENCPART_SESSKEY;
    }
    memset(&part, 0, sizeof(part));
    part.magic = KV5M_ENC_KDC_REP_PART;
    part.msg_type = KRB5_TGS_REP;
    part.session = st->session;
    part.last_req = lrs;
    part.nonce = st->req->nonce;
    part.flags = st->tkt.flags;
    part.times = st->tkt.times;
    part.server = st->req->server;
    part.caddrs = st->tkt.caddrs;
    ret = seal(st->ctx, encode_rep_part, &part, key, usage, 0, out);
    if (ret)
        return ks_error_set(st->ctx, ret, "encrypting the reply part");
    ks_trace(st->ctx->trace, STAGE_4, 4, "reply-part",
             "reply part (nonce 0x%08x) encrypted under the %s %s (usage %d)",
             (unsigned int)st->req->nonce,
             usage == KRB5_KEYUSAGE_TGS_REP_ENCPART_SUBKEY
                 ? "authenticator subkey" : "logon session key",
             ks_trace_key(st->ctx->trace, st->ctx->k5, key, kbuf,
                          sizeof(kbuf)), (int)usage);
    return 0;
}

static void
move_encoded(krb5_data *enc, krb5_data *out)
{
    *out = *enc;
    free(enc);
}

/* Steps 4-6: ticket, reply part, KRB_TGS_REP. */
static krb5_error_code
build_reply(struct kdc_state *st, krb5_data *reply_out)
{
    krb5_ticket ticket;
    krb5_kdc_rep rep;
    krb5_data *enc = NULL;
    krb5_error_code ret;

    memset(&rep, 0, sizeof(rep));
    memset(&ticket, 0, sizeof(ticket));
    ret = encrypt_reply_part(st, &rep.enc_part);
    if (!ret)
        ret = seal_ticket(st, &ticket);
    if (ret)
        goto cleanup;
    rep.magic = KV5M_KDC_REP;
    rep.msg_type = KRB5_TGS_REP;
    rep.client = st->tkt.client;
    rep.ticket = &ticket;
    ret = encode_krb5_tgs_rep(&rep, &enc);
    if (ret) {
        ks_error_set(st->ctx, ret, "encoding the TGS-REP");
        goto cleanup;
    }
    ks_trace(st->ctx->trace, STAGE_6, 6, "tgs-rep",
             "TGS-REP of %u bytes answered locally (nothing sent)",
             enc->length);
    move_encoded(enc, reply_out);

cleanup:
    free(rep.enc_part.ciphertext.data);
    free(ticket.enc_part.ciphertext.data);
    return ret;
}

/* Step 6 when a check failed: the KRB-ERROR a KDC would send. */
static krb5_error_code
encode_refusal(struct kdc_state *st, krb5_data *reply_out)
{
    krb5_error err;
    krb5_data *enc = NULL;
    krb5_error_code ret;

    memset(&err, 0, sizeof(err));
    err.magic = KV5M_ERROR;
    if (st->chk != NULL) {
        err.ctime = st->chk->authenticator->ctime;
        err.cusec = st->chk->authenticator->cusec;
    }
    err.stime = st->now;
    err.susec = st->now_usec;
    err.error = (krb5_ui_4)(st->refusal - ERROR_TABLE_BASE_krb5);
    err.server = st->req->server;
    err.text.magic = KV5M_DATA;
    err.text.data = st->etext;
    err.text.length = (unsigned int)strlen(st->etext);
    ret = encode_krb5_error(&err, &enc);
    if (ret)
        return ks_error_set(st->ctx, ret, "encoding a KRB-ERROR");
    ks_trace(st->ctx->trace, STAGE_6, 6, "krb-error",
             "KRB-ERROR %u of %u bytes answered locally (nothing sent)",
             (unsigned int)err.error, enc->length);
    move_encoded(enc, reply_out);
    return 0;
}

static bool
holds_pac(struct ks_context *ctx, const krb5_authdata *ad)
{
    krb5_authdata **inner = NULL;
    bool found = false;

    if (ad->ad_type == KRB5_AUTHDATA_WIN2K_PAC)
        return true;
    if (ad->ad_type != KRB5_AUTHDATA_IF_RELEVANT ||
        krb5_decode_authdata_container(ctx->k5, KRB5_AUTHDATA_IF_RELEVANT,
                                       ad, &inner) != 0)
        return false;
    for (size_t i = 0; inner != NULL && inner[i] != NULL; i++)
        found = found || inner[i]->ad_type == KRB5_AUTHDATA_WIN2K_PAC;
    krb5_free_authdata(ctx->k5, inner);
    return found;
}

/* The TGT's authorization data but its PAC, in a list of our own (its
 * elements borrowed) for krb5_kdc_sign_ticket to put the new PAC into. */
static krb5_error_code
ad_without_pac(struct kdc_state *st, krb5_authdata **in)
{
    size_t n = 0, k = 0;

    while (in != NULL && in[n] != NULL)
        n++;
    st->ticket_ad = calloc(n + 1, sizeof(*st->ticket_ad));
    if (st->ticket_ad == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!holds_pac(st->ctx, in[i]))
            st->ticket_ad[k++] = in[i];
    }
    st->tkt.authorization_data = st->ticket_ad;
    return 0;
}

/* Step 5 as a KDC does it: the TGT's PAC verified with the krbtgt key and
 * signed again for the service. */
static krb5_error_code
resign_pac(struct kdc_state *st)
{
    const krb5_ticket *tgt = st->ap_req->ticket;
    krb5_keyblock *krbtgt_key = NULL;
    krb5_pac pac = NULL;
    krb5_error_code ret;
    size_t before = 0;

    ret = ks_inspect_ticket_key(st->ctx, st->kt, tgt, &krbtgt_key);
    if (ret)
        return ret;
    if (krb5_kdc_verify_ticket(st->ctx->k5, tgt->enc_part2, tgt->server,
                               krbtgt_key, krbtgt_key, &pac) != 0) {
        refuse(st, STAGE_5, KRB5KRB_AP_ERR_MODIFIED,
               "the TGT's PAC does not verify with the krbtgt key");
        goto cleanup;
    }
    if (pac == NULL)
        goto cleanup;           /* no PAC: nothing to sign */
    ret = ad_without_pac(st, tgt->enc_part2->authorization_data);
    if (ret)
        goto cleanup;
    while (st->ticket_ad[before] != NULL)
        before++;
    ret = krb5_kdc_sign_ticket(st->ctx->k5, &st->tkt, pac, st->req->server,
                               tgt->enc_part2->client, st->service_key,
                               krbtgt_key, FALSE);
    /* It reallocates the list and puts the PAC first, even on failure. */
    st->ticket_ad = st->tkt.authorization_data;
    st->pac_added = st->ticket_ad != NULL && st->ticket_ad[0] != NULL &&
                    st->ticket_ad[before] != NULL;
    if (ret)
        ks_error_set(st->ctx, ret, "signing the PAC for the service");
    else
        ks_trace(st->ctx->trace, STAGE_5, 5, "pac-signed",
                 "the TGT's PAC verifies with the krbtgt key; signed again "
                 "for the service (server and KDC checksums, ticket "
                 "signature)");

cleanup:
    krb5_pac_free(st->ctx->k5, pac);
    krb5_free_keyblock(st->ctx->k5, krbtgt_key);
    return ret;
}

static void
free_ticket_ad(struct kdc_state *st)
{
    if (st->ticket_ad == NULL)
        return;
    if (st->pac_added) {
        free(st->ticket_ad[0]->contents);
        free(st->ticket_ad[0]);
    }
    free(st->ticket_ad);
}

/* Steps 2, 3 and the choices of steps 3 and 5, until one refuses. */
static krb5_error_code
run_checks(struct kdc_state *st)
{
    krb5_error_code ret;

    ret = open_tgt(st);
    if (ret || st->refusal)
        return ret;
    ret = check_authenticator(st);
    if (ret || st->refusal)
        return ret;
    check_options(st);
    if (st->refusal)
        return 0;
    ret = pick_service_key(st);
    if (ret || st->refusal)
        return ret;
    ret = invent_session_key(st);
    if (ret || st->refusal)
        return ret;
    build_ticket_part(st);
    if (st->refusal)
        return 0;
    return resign_pac(st);
}

krb5_error_code
ks_kdc_local_answer(struct ks_context *ctx, const krb5_data *tgs_req,
                    krb5_keytab kt, krb5_data *reply_out)
{
    struct kdc_state st;
    krb5_error_code ret;

    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    st.kt = kt;
    st.der = tgs_req;
    ret = krb5_us_timeofday(ctx->k5, &st.now, &st.now_usec);
    if (ret)
        return ret;
    ret = run_checks(&st);
    if (!ret && st.refusal)
        ret = encode_refusal(&st, reply_out);
    else if (!ret)
        ret = build_reply(&st, reply_out);
    if (ret)
        ks_error_prefix(ctx, ret, "answering the TGS-REQ locally");
    free_ticket_ad(&st);
    krb5_free_keyblock(ctx->k5, st.session);
    krb5_free_keyblock(ctx->k5, st.service_key);
    ks_authenticator_check_free(ctx, st.chk);
    krb5_free_ap_req(ctx->k5, st.ap_req);
    krb5_free_kdc_req(ctx->k5, st.req);
    return ret;
}

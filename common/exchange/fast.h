/*
 * fast: FAST, the flexible authentication secure tunnelling of RFC 6113,
 * on the client side.
 *
 * AS (kinit -T): an AP-REQ armor made from the armor cache's TGT with a
 * fresh subkey; armor key = KRB-FX-CF2(subkey, TGT session key,
 * "subkeyarmor", "ticketarmor").  The real padata and req-body travel in
 * an encrypted KrbFastReq (usage 51); the outer request carries only
 * PA-FX-FAST with a keyed checksum (usage 50) over its req-body.
 *
 * TGS: implicit TGT armor (no armor field): the armor key comes from the
 * TGS-REQ's authenticator subkey and the TGT session key, and the
 * req-checksum covers the PA-TGS-REQ AP-REQ (RFC 6113 5.4.2).
 *
 * Replies: the KrbFastResponse (usage 52) is the only source of padata and
 * errors that is trusted; its nonce must be the request's, its `finished`
 * must be present with a ticket checksum (usage 53) that verifies, and the
 * reply key is strengthened: KRB-FX-CF2(strengthen-key, reply-key,
 * "strengthenkey", "replykey").  A reply without PA-FX-FAST is refused
 * (KRB5_ERR_FAST_REQUIRED): nobody can strip FAST off it.
 *
 * Encrypted challenge (PA-ENCRYPTED-CHALLENGE, RFC 6113 5.4.6) is the
 * pre-authentication that only exists inside FAST.
 */
#ifndef KS_FAST_H
#define KS_FAST_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"
#include "core/krb5_private.h"

/* Key usages (RFC 6113 6.2). */
#define KS_KU_FAST_REQ_CHKSUM 50
#define KS_KU_FAST_ENC 51
#define KS_KU_FAST_REP 52
#define KS_KU_FAST_FINISHED 53
#define KS_KU_ENC_CHALLENGE_CLIENT 54
#define KS_KU_ENC_CHALLENGE_KDC 55

/* Padata types (RFC 6113 7.1, 7.2). */
#define KS_PA_FX_FAST 136
#define KS_PA_FX_ERROR 137
#define KS_PA_ENCRYPTED_CHALLENGE 138

/* MIT's ccache configuration key saying the KDC advertised FAST. */
#define KS_FAST_AVAIL_KEY "fast_avail"

/* The FAST state of one exchange. */
struct ks_fast {
    krb5_keyblock *armor_key;       /* owned; zeroed when freed */
    krb5_data armor;                /* DER KrbFastArmor; empty: implicit */
    bool tgs;                       /* a TGS exchange: strengthen key
                                     * required in the reply */
    const char *stage;              /* trace stage: "AS fast" or a step */
    int step;
};

void ks_fast_free(struct ks_context *ctx, struct ks_fast *fast);

/* KRB-FX-CF2(subkey, ticket session key, "subkeyarmor", "ticketarmor"). */
krb5_error_code ks_fast_armor_key(struct ks_context *ctx,
                                  const krb5_keyblock *subkey,
                                  const krb5_keyblock *ticket_key,
                                  krb5_keyblock **key_out);

/* KRB-FX-CF2(strengthen key, reply key, "strengthenkey", "replykey"). */
krb5_error_code ks_fast_reply_key(struct ks_context *ctx,
                                  const krb5_keyblock *strengthen,
                                  const krb5_keyblock *reply_key,
                                  krb5_keyblock **key_out);

/* The same with the reply key as a krb5_key (a TGS request's subkey or
 * the run's TGT session key), whose PRF key libkrb5 keeps. */
krb5_error_code ks_fast_reply_key_k(struct ks_context *ctx,
                                    const krb5_keyblock *strengthen,
                                    krb5_key reply_key,
                                    krb5_keyblock **key_out);

/*
 * AS armor: the TGT krbtgt/REALM@REALM of ARMOR_CC (valid now), an AP-REQ
 * with a fresh subkey (authenticator usage 11), the armor key.  Errors
 * name the armor cache: KRB5_CC_NOTFOUND without such a TGT,
 * KRB5KRB_AP_ERR_TKT_EXPIRED when it expired.  Traced at "AS fast".
 */
krb5_error_code ks_fast_as_armor(struct ks_context *ctx, krb5_ccache armor_cc,
                                 const krb5_data *realm,
                                 struct ks_fast **fast_out);

/* TGS implicit armor from the authenticator SUBKEY and the TGT SESSION
 * key (krb5_key objects: PRF+(SESSION, "ticketarmor") is computed once
 * per run when SESSION comes from ks_keys_get); traced at "1/8 request". */
krb5_error_code ks_fast_tgs_armor(struct ks_context *ctx, krb5_key subkey,
                                  krb5_key session,
                                  struct ks_fast **fast_out);

/*
 * The PA-FX-FAST padata (type KS_PA_FX_FAST, contents a
 * PA-FX-FAST-REQUEST) for the request INNER: KrbFastReq { fast-options 0,
 * INNER's padata (none: an empty sequence), INNER's req-body } encrypted
 * with the armor key, and a checksum over CHECKSUMMED (NULL: INNER's
 * req-body DER, which is the outer req-body's too).  *pa_out is malloc'ed
 * with its contents: free both.
 */
krb5_error_code ks_fast_make_padata(struct ks_context *ctx,
                                    const struct ks_fast *fast,
                                    const krb5_kdc_req *inner,
                                    const krb5_data *checksummed,
                                    krb5_pa_data **pa_out);

/* The same for a request whose KDC-REQ-BODY is already encoded (BODY,
 * DER) and whose inner padata are PADATA (NULL: none). */
krb5_error_code ks_fast_make_padata_body(struct ks_context *ctx,
                                         const struct ks_fast *fast,
                                         krb5_pa_data *const *padata,
                                         const krb5_data *body,
                                         const krb5_data *checksummed,
                                         krb5_pa_data **pa_out);

/* The trace line saying a request was wrapped (after the request's own
 * lines); nothing for a NULL FAST. */
void ks_fast_trace_request(struct ks_context *ctx,
                           const struct ks_fast *fast);

/*
 * Check the FAST part of a decoded AS-REP or TGS-REP REP to a request with
 * NONCE: PA-FX-FAST present (else KRB5_ERR_FAST_REQUIRED; a TGS-REP
 * without it gives 0 and no strengthen key, as MIT takes it: the KDC
 * strengthens the reply key whenever it answers in FAST, so a stripped
 * reply does not open with the plain key), the
 * KrbFastResponse opens with the armor key, its nonce matches, `finished`
 * is present and its ticket checksum verifies (else KRB5_KDCREP_MODIFIED).
 * Then rep->client becomes finished's client and rep->padata the
 * response's padata.  *strengthen_out gets the strengthen key (NULL when
 * absent; a TGS reply without one is KRB5_KDCREP_MODIFIED); free with
 * krb5_free_keyblock.
 */
krb5_error_code ks_fast_open_reply(struct ks_context *ctx,
                                   const struct ks_fast *fast,
                                   krb5_kdc_rep *rep, krb5_int32 nonce,
                                   krb5_keyblock **strengthen_out);

/* The same, with the reply's ticket as the KDC sent it (TICKET_DER, DER)
 * for the ticket checksum instead of REP's ticket encoded again; NULL
 * encodes it. */
krb5_error_code ks_fast_open_reply_raw(struct ks_context *ctx,
                                       const struct ks_fast *fast,
                                       krb5_kdc_rep *rep,
                                       const krb5_data *ticket_der,
                                       krb5_int32 nonce,
                                       krb5_keyblock **strengthen_out);

/*
 * The FAST error inside the KRB-ERROR OUTER (RFC 6113 5.4.4): the
 * KrbFastResponse in its e-data is opened and checked (nonce), and
 * *inner_out gets the PA-FX-ERROR's KRB-ERROR (free with krb5_free_error)
 * and *padata_out the response's padata (free with krb5_free_pa_data).
 * An error without PA-FX-FAST gives 0 and *inner_out NULL: the caller may
 * report it but must not act on its padata.
 */
krb5_error_code ks_fast_open_error(struct ks_context *ctx,
                                   const struct ks_fast *fast,
                                   const krb5_error *outer, krb5_int32 nonce,
                                   krb5_error **inner_out,
                                   krb5_pa_data ***padata_out);

/*
 * PA-ENCRYPTED-CHALLENGE: PA-ENC-TS-ENC {TIME, USEC} encrypted (usage 54)
 * with KRB-FX-CF2(armor key, CLIENT_KEY, "clientchallengearmor",
 * "challengelongterm").  Free with free(pa->contents), free(pa).
 */
krb5_error_code ks_fast_make_challenge(struct ks_context *ctx,
                                       const struct ks_fast *fast,
                                       const krb5_keyblock *client_key,
                                       krb5_timestamp time, krb5_int32 usec,
                                       krb5_pa_data **pa_out);

/*
 * The KDC's PA-ENCRYPTED-CHALLENGE in the (FAST) reply PADATA opens
 * (usage 55) with KRB-FX-CF2(armor key, CLIENT_KEY, "kdcchallengearmor",
 * "challengelongterm"): the KDC knew the client's key.  Absent or wrong:
 * KRB5_KDCREP_MODIFIED.
 */
krb5_error_code ks_fast_verify_challenge(struct ks_context *ctx,
                                         const struct ks_fast *fast,
                                         const krb5_keyblock *client_key,
                                         krb5_pa_data *const *padata);

/* Whether an AS reply's authenticated part advertises FAST (RFC 6806 11:
 * the enc-pa-rep flag and PA-FX-FAST among the encrypted padata). */
bool ks_fast_advertised(const krb5_enc_kdc_rep_part *enc);

/*
 * Record in CC (just written with TGT) that the KDC advertised FAST, with
 * libkrb5's krb5_cc_set_config as MIT's kinit does.  Nothing for a TGT
 * that is no krbtgt/REALM@REALM.  A failure is only traced: the cache
 * stays valid, TGS requests then go without FAST.
 */
void ks_fast_store_avail(struct ks_context *ctx, krb5_ccache cc,
                         const krb5_creds *tgt);

/*
 * Whether CC says the KDC of REALM supports FAST (the "fast_avail" entry
 * for krbtgt/REALM@REALM).  Reads only the entries kinit writes first (up
 * to the first service ticket), not the whole cache.  Errors read as
 * "no".
 */
bool ks_fast_ccache_avail(struct ks_context *ctx, krb5_ccache cc,
                          const krb5_data *realm);

#endif /* KS_FAST_H */

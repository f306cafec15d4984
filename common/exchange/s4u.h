/*
 * s4u: TGS exchanges that ask for more than a plain service ticket, each
 * built on the eight steps of common/tgs with a ks_tgs_hook:
 *
 *   S4U2Self (protocol transition, MS-SFU 3.1.5.1): a ticket to ourselves
 *     for a user who did not authenticate to the KDC.  PA-FOR-USER (129,
 *     HMAC-MD5 over the user's name with the TGT session key, usage 17)
 *     and PA-S4U-X509-USER (130, a keyed checksum with the authenticator
 *     subkey, usage 26); the KDC's PA-S4U-X509-USER in the reply must
 *     carry our nonce and a keyed checksum (usage 27) over the user it
 *     vouches for (PROTOCOL.md 1.3 item 5, 1.6).
 *   S4U2Proxy (constrained delegation, MS-SFU 3.1.5.2): a ticket to
 *     another service for the client of an evidence ticket, which goes as
 *     the additional ticket with cname-in-addl-tkt, and PA-PAC-OPTIONS
 *     asking for resource-based constrained delegation.
 *   user-to-user (RFC 4120 3.7): a ticket encrypted in the session key of
 *     another user's TGT (enc-tkt-in-skey, that TGT as additional ticket).
 *
 * All three stay in the realm of the cache's client: the referral walks
 * MIT does across realms for them are not implemented (a clear error).
 */
#ifndef KS_S4U_H
#define KS_S4U_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"
#include "exchange/tgs.h"

struct ks_ccache_index;

/*
 * The user for S4U2Self as MIT's kvno parses it: NAME as a principal, or,
 * with ENTERPRISE, as a one-component enterprise name (NT-ENTERPRISE)
 * in the default realm.  Free with krb5_free_principal.
 */
krb5_error_code ks_s4u_parse_user(struct ks_context *ctx, const char *name,
                                  bool enterprise, krb5_principal *user_out);

/*
 * S4U2Self: a ticket to the cache's own principal for USER, from the cache
 * (a valid one, looked up by client and server) or from the KDC with the
 * cache's TGT; stored in CC unless opts->no_store.  opts->request.etypes,
 * opts->cached_only and opts->no_store mean what they do for
 * ks_tgs_get_creds.  The credentials name the user the KDC vouched for.
 * Errors: KRB5_KDCREP_MODIFIED when the reply's PA-S4U-X509-USER has
 * another nonce or a bad checksum, or the reply names another user;
 * KRB5KRB_AP_ERR_INAPP_CKSUM for an unkeyed checksum;
 * KRB5_PROG_ETYPE_NOSUPP for an RC4 session key (its S4U checksums are
 * unkeyed); KRB5_REALM_CANT_RESOLVE for a user of another realm.  Each
 * with a message.
 */
krb5_error_code ks_s4u_self(struct ks_context *ctx, krb5_ccache cc,
                            struct ks_ccache_index *idx,
                            krb5_const_principal user,
                            const struct ks_tgs_get_options *opts,
                            krb5_creds **creds_out);

/*
 * S4U2Proxy: a ticket to SERVER for the client of EVIDENCE (a ticket to
 * the cache's principal, e.g. from ks_s4u_self), with the cache's TGT.
 * A cached one (same client and server, valid) is used first.  The
 * credentials name EVIDENCE's client and keep EVIDENCE as their second
 * ticket, as MIT's do.  Errors as the KDC says (KDC_ERR_BADOPTION when it
 * holds no delegation rule), KRB5_KDCREP_MODIFIED when the reply names
 * another client, KRB5_REALM_CANT_RESOLVE for a referral to another realm.
 */
krb5_error_code ks_s4u_proxy(struct ks_context *ctx, krb5_ccache cc,
                             struct ks_ccache_index *idx,
                             const krb5_creds *evidence,
                             krb5_const_principal server,
                             const struct ks_tgs_get_options *opts,
                             krb5_creds **creds_out);

/*
 * The other user's TGT for user-to-user: the valid krbtgt/R@R of OTHER's
 * default principal (R its realm), read from OTHER without contacting a
 * KDC.  *tgt_out: free with krb5_free_creds.
 */
krb5_error_code ks_s4u_u2u_tgt(struct ks_context *ctx, krb5_ccache other,
                               krb5_creds **tgt_out);

/*
 * User-to-user: a ticket to SERVER encrypted in the session key of
 * OTHER_TGT, from the cache (same server and second ticket) or from the
 * KDC with the cache's TGT; stored in CC unless opts->no_store.
 */
krb5_error_code ks_s4u_u2u(struct ks_context *ctx, krb5_ccache cc,
                           struct ks_ccache_index *idx,
                           const krb5_creds *other_tgt,
                           krb5_const_principal server,
                           const struct ks_tgs_get_options *opts,
                           krb5_creds **creds_out);

/*
 * The hooks of the S4U requests, for callers that drive the TGS steps
 * themselves (tests, kstep).  ARG and CLIENT are borrowed by the hook
 * until the reply is opened.
 *
 * S4U2Self: the request for the cache's principal carries PA-S4U-X509-USER
 * and PA-FOR-USER for arg->user (a name with its realm; an enterprise name
 * lets the KDC name the user); the reply must carry the KDC's
 * PA-S4U-X509-USER (ks_s4u_verify_reply) for that user, and name it.
 */
struct ks_s4u_self_arg {
    krb5_const_principal user;      /* as sent */
    bool enterprise;                /* set by ks_s4u_self_hook */
};
void ks_s4u_self_hook(struct ks_s4u_self_arg *arg,
                      struct ks_tgs_hook *hook_out);

/* S4U2Proxy: PA-PAC-OPTIONS (resource-based delegation); the reply must
 * name CLIENT (the evidence ticket's) and the service asked for. */
void ks_s4u_proxy_hook(krb5_const_principal client,
                       struct ks_tgs_hook *hook_out);

/*
 * For tests and the trace: the bytes PA-FOR-USER's checksum covers
 * (MS-SFU 2.2.1: the name type, little-endian, then each component, the
 * realm and "Kerberos", with no separators).  Free with
 * krb5_free_data_contents.
 */
krb5_error_code ks_s4u_for_user_text(krb5_const_principal user,
                                     krb5_data *out);

/*
 * Check the KDC's PA-S4U-X509-USER (in REP_PADATA, the reply's outer
 * padata) against what was sent: nonce, a keyed checksum with SUBKEY
 * (usage 27 when the KDC set the reply-key-usage option, else 26), a user
 * name; the user it names goes to *user_out (free with
 * krb5_free_principal).  A reply without one (a KDC that knows only
 * PA-FOR-USER, as Heimdal 7) is accepted with *user_out NULL, as MIT does,
 * unless ENC_PADATA (the encrypted part's) shows one was removed.
 */
krb5_error_code ks_s4u_verify_reply(struct ks_context *ctx,
                                    const krb5_keyblock *subkey,
                                    krb5_int32 nonce,
                                    krb5_pa_data *const *rep_padata,
                                    krb5_pa_data *const *enc_padata,
                                    krb5_principal *user_out);

#endif /* KS_S4U_H */

/*
 * kdc_local: the KDC half of the TGS exchange (steps 2-6), performed
 * locally with a keytab that holds the krbtgt key and the service's key:
 * open the TGT, check the authenticator, invent the service session key,
 * seal it with the TGT's authorization data into a ticket for the service,
 * encrypt the reply part for the client, and encode the KRB_TGS_REP (or a
 * KRB-ERROR, as a KDC would answer).  A teaching and testing tool: used
 * only when asked for (kstep kdc, kstep run --local-kdc).
 */
#ifndef KS_KDC_LOCAL_H
#define KS_KDC_LOCAL_H

#include <krb5.h>
#include "core/context.h"

/*
 * Answer TGS_REQ as a KDC would, with the keys in KT.  *reply_out is a
 * TGS-REP, or a KRB-ERROR when the request fails a KDC check; both return
 * 0 (free with krb5_free_data_contents).  The KRB-ERROR codes:
 *   KRB_AP_ERR_BAD_INTEGRITY   TGT or authenticator does not decrypt
 *   KRB_AP_ERR_TKT_EXPIRED / KRB_AP_ERR_TKT_NYV   the TGT's times
 *   KDC_ERR_POLICY             the ticket is not a krbtgt/... ticket
 *   KRB_AP_ERR_BADMATCH        authenticator client != TGT client
 *   KRB_AP_ERR_SKEW            authenticator time outside the clock skew
 *   KRB_AP_ERR_INAPP_CKSUM     checksum missing or not keyed
 *   KRB_AP_ERR_MODIFIED        checksum does not verify over the req-body
 *   KDC_ERR_BADOPTION          an option this KDC does not do (renew,
 *                              validate, forwarded, proxy, postdated,
 *                              enc-tkt-in-skey, S4U2Proxy)
 *   KDC_ERR_S_PRINCIPAL_UNKNOWN  no permitted key for the service in KT
 *   KDC_ERR_ETYPE_NOSUPP       no requested enctype is permitted
 *   KDC_ERR_NEVER_VALID        the requested till has passed
 * A local failure returns its code with a message: a request that does
 * not decode, or names no service; no key in KT for the TGT's server
 * (KRB5_KT_NOTFOUND ...); ENOMEM.  The rules (which enctype, flags, times)
 * are listed at the top of kdc_local.c.  Traced at "2/8 open-tgt",
 * "3/8 check-authenticator", "4/8 encrypt-reply", "5/8 seal-ticket" and
 * "6/8 send" (nothing is sent: the trace says so).
 */
krb5_error_code ks_kdc_local_answer(struct ks_context *ctx,
                                    const krb5_data *tgs_req, krb5_keytab kt,
                                    krb5_data *reply_out);

#endif /* KS_KDC_LOCAL_H */

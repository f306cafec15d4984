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
#include "context.h"

/*
 * Answer TGS_REQ as a KDC would, with the keys in KT.  *reply_out is a
 * TGS-REP, or a KRB-ERROR when the request fails a KDC check (an unknown
 * service key gives KDC_ERR_S_PRINCIPAL_UNKNOWN, a bad authenticator
 * KRB_AP_ERR_BAD_INTEGRITY, ...); both return 0.  A local failure (no
 * krbtgt key, ENOMEM) returns its code with a message.  Each step is
 * traced at "2/8 open-tgt" ... "6/8 send".
 */
krb5_error_code ks_kdc_local_answer(struct ks_context *ctx,
                                    const krb5_data *tgs_req, krb5_keytab kt,
                                    krb5_data *reply_out);

#endif /* KS_KDC_LOCAL_H */

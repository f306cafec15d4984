/*
 * renew: kinit -R and -v.  A ticket in the cache is renewed
 * (KDC_OPT_RENEW) or a postdated one validated (KDC_OPT_VALIDATE) through
 * a TGS exchange that presents the ticket itself, for the ticket's own
 * server; the reply gets the checks of PROTOCOL.md 1.3 and those of the
 * action (same names, renew-till bounds, a validated ticket keeps its
 * times).  The caller replaces the cache (ks_ccache_replace).
 */
#ifndef KS_RENEW_H
#define KS_RENEW_H

#include <krb5.h>
#include "core/context.h"

/*
 * Find CLIENT's ticket for SERVER (NULL: krbtgt/REALM@REALM of the
 * client's realm; a SERVER's realm is replaced by the client's, as MIT
 * does) in CC, renew it (KDC_OPT is KDC_OPT_RENEW) or validate it
 * (KDC_OPT_VALIDATE), and return the new credentials in *creds_out (free
 * with krb5_free_creds).  Refused locally, with one clear message and
 * nothing sent: a renewable ticket expired or past its renew-till
 * (KRB5KRB_AP_ERR_TKT_EXPIRED, beyond the clock skew), one that
 * is not postdated (KRB5KDC_ERR_BADOPTION) or not yet valid
 * (KRB5KRB_AP_ERR_TKT_NYV).  KRB5_KDCREP_MODIFIED when the reply does not
 * keep the names or times it must.  A ticket that is not renewable is sent
 * as MIT sends it, and the KDC's refusal (KRB5KDC_ERR_BADOPTION) gets a
 * note saying why.  Traced at "renew".
 */
krb5_error_code ks_renew_validate(struct ks_context *ctx, krb5_ccache cc,
                                  krb5_const_principal client,
                                  krb5_const_principal server,
                                  krb5_flags kdc_opt,
                                  krb5_creds **creds_out);

#endif /* KS_RENEW_H */

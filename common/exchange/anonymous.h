/*
 * anonymous: kinit -n.  Anonymous tickets (RFC 8062) need anonymous
 * PKINIT: the reply key comes from a Diffie-Hellman exchange that the
 * client must verify (PA-PKINIT-KX, ../shared/PROTOCOL.md 1.2 #18 and 2.1
 * #9).  kstep does not implement PKINIT, so it never accepts an anonymous
 * ticket; it still asks the KDC once, so that the user learns what the
 * realm offers, and says so in one message.
 */
#ifndef KS_ANONYMOUS_H
#define KS_ANONYMOUS_H

#include <krb5.h>
#include "core/context.h"

/*
 * Send one AS-REQ for CLIENT (WELLKNOWN/ANONYMOUS@REALM, or a named client
 * for MIT's partial anonymity) with the request-anonymous and canonicalize
 * options, no pre-authentication, and turn the answer into an error; never
 * returns 0.  The message always starts "anonymous PKINIT is not supported
 * by kstep" and says what the KDC answered: its refusal (the KDC's code is
 * returned, e.g. KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN when the realm has no
 * anonymous principal), that it offers PKINIT or other pre-authentication
 * (KRB5_PREAUTH_FAILED), or a ticket we cannot verify (KRB5_PREAUTH_FAILED,
 * nothing is kept).  Transport failures keep the transport's code and
 * message.
 */
krb5_error_code ks_anonymous_request(struct ks_context *ctx,
                                     krb5_principal client);

#endif /* KS_ANONYMOUS_H */

/*
 * pac_sign: verify the signatures of a decoded PAC (see pac_sign.c for
 * what each one covers).
 */
#ifndef KS_PAC_SIGN_H
#define KS_PAC_SIGN_H

#include <stddef.h>
#include <krb5.h>
#include "inspect/pac.h"

/* The enctype of the key a PAC checksum type is made with, or
 * ENCTYPE_NULL for a type that is not one of MS-PAC's. */
krb5_enctype ks_pac_cksum_enctype(krb5_cksumtype type);

/* MIT's short name of the checksum types above, or "unknown". */
const char *ks_pac_cksum_name(krb5_cksumtype type);

/*
 * Set the verdict of every signature of PAC (decoded from the LEN bytes
 * at DATA): the server signature with SERVER_KEY, the KDC, ticket and
 * full signatures with KRBTGT_KEY; a NULL key leaves the signature
 * KS_PAC_NOT_CHECKED with its reason.  PART is the ticket the PAC came
 * from (for the ticket signature; NULL: not checked).  A failed check is
 * a verdict, not an error: only ENOMEM is returned.
 */
krb5_error_code ks_pac_verify_signatures(krb5_context k5, struct ks_pac *pac,
                                         const void *data, size_t len,
                                         const krb5_enc_tkt_part *part,
                                         const krb5_keyblock *server_key,
                                         const krb5_keyblock *krbtgt_key);

#endif /* KS_PAC_SIGN_H */

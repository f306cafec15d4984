/*
 * apreq: the KRB_AP_REQ a client sends with a ticket (RFC 4120 5.5.1): the
 * ticket as its KDC issued it and an authenticator encrypted in the
 * ticket's session key.  PA-TGS-REQ (usage 7), FAST armor and kpasswd
 * (usage 11) all send one.
 */
#ifndef KS_APREQ_H
#define KS_APREQ_H

#include <krb5.h>
#include "core/context.h"

/*
 * AUTH encoded and encrypted in KEY for USAGE: *enc_out (ciphertext to
 * free with free()) is set only on success.  The encoded plaintext is
 * zeroed.  libkrb5's errors, with no message set.
 */
krb5_error_code ks_apreq_seal_authenticator(struct ks_context *ctx,
                                            krb5_key key,
                                            krb5_keyusage usage,
                                            const krb5_authenticator *auth,
                                            krb5_enc_data *enc_out);

/*
 * The AP-REQ of CREDS's ticket with the sealed authenticator AUTH and
 * AP_OPTIONS (AP_OPTS_*), DER into *ap_out (free with krb5_free_data).  A
 * ticket that does not decode is an error naming CREDS's server.
 */
krb5_error_code ks_apreq_encode(struct ks_context *ctx,
                                const krb5_creds *creds,
                                krb5_flags ap_options,
                                const krb5_enc_data *auth,
                                krb5_data **ap_out);

/*
 * Both: AUTH sealed in CREDS's session key for USAGE, and the AP-REQ.
 */
krb5_error_code ks_apreq_make(struct ks_context *ctx, const krb5_creds *creds,
                              krb5_flags ap_options, krb5_keyusage usage,
                              const krb5_authenticator *auth,
                              krb5_data **ap_out);

#endif /* KS_APREQ_H */

/*
 * as_password: the AS exchange with a password that may have expired.
 * When the KDC answers KDC_ERR_KEY_EXP, the password is changed with
 * kpasswd (a short kadmin/changepw ticket got with the old password) and
 * the exchange runs again with the new one, as MIT's kinit does.  The
 * typed password is kept for the run, so that it is asked for once even
 * when the KDC says it expired only after pre-authentication (AD,
 * Heimdal).
 */
#ifndef KS_AS_PASSWORD_H
#define KS_AS_PASSWORD_H

#include <stddef.h>
#include <krb5.h>

#include "core/context.h"
#include "exchange/as.h"

/* The longest password kept or changed to, NUL included. */
#define KS_AS_PASSWORD_MAX 1024

/*
 * Reads the new password (its prompts and confirmation are the caller's)
 * into BUF; returns 0, or an error with its message set on the context
 * (a mismatch, an empty password, an interrupt): nothing is changed then.
 */
typedef krb5_error_code (*ks_new_password_fn)(void *data, char *buf,
                                              size_t buflen);

/*
 * ks_as_get_creds() for OPTS and KEYS; with a password (KEYS->password)
 * and NEW_PASSWORD not NULL, an expired password is changed first, as
 * above.  Messages say which part failed ("the password has expired:
 * changing it: ...", "the password was changed, but with the new one:
 * ...").  *creds_out as ks_as_get_creds().
 */
krb5_error_code ks_as_get_creds_password(struct ks_context *ctx,
                                         const struct ks_as_options *opts,
                                         const struct ks_as_keys *keys,
                                         ks_new_password_fn new_password,
                                         void *new_password_data,
                                         krb5_creds **creds_out);

#endif /* KS_AS_PASSWORD_H */

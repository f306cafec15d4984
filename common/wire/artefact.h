/*
 * artefact: the files kstep's steps read and write: Kerberos messages in
 * DER exactly as on the wire.  "-" is stdin or stdout.
 */
#ifndef KS_ARTEFACT_H
#define KS_ARTEFACT_H

#include <krb5.h>
#include "core/context.h"

/* Largest artefact read (the TCP reply cap). */
#define KS_ARTEFACT_MAX (1024 * 1024)

/*
 * Read PATH (or stdin) into *data_out (free with krb5_free_data_contents).
 * A missing or oversize file, or one that does not start with a Kerberos
 * application tag, is an error with a message naming the file: errno
 * (open/read), KRB5_BAD_MSIZE (empty), EFBIG (over KS_ARTEFACT_MAX),
 * KRB5KRB_AP_ERR_MSG_TYPE (not a Kerberos message), a ks_der_read() code
 * (the outer element is truncated or malformed).  Trailing bytes after the
 * outer element are kept: the inspector reports them.
 */
krb5_error_code ks_artefact_read(struct ks_context *ctx, const char *path,
                                 krb5_data *data_out);

/*
 * Write DATA to PATH through a temporary file (PATH.XXXXXX, mode 0600: a
 * TGS-REQ carries a TGT) renamed into place, so a failure leaves no
 * half-written file; or to stdout for "-".  Returns 0 or errno with a
 * message naming PATH.
 */
krb5_error_code ks_artefact_write(struct ks_context *ctx, const char *path,
                                  const krb5_data *data);

/* The kind of Kerberos message DATA holds ("KRB_TGS_REQ", ...) from its
 * first byte, or NULL. */
const char *ks_artefact_kind(const krb5_data *data);

#endif /* KS_ARTEFACT_H */

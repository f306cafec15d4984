/*
 * artefact: the files kstep's steps read and write: Kerberos messages in
 * DER exactly as on the wire.  "-" is stdin or stdout.
 */
#ifndef KS_ARTEFACT_H
#define KS_ARTEFACT_H

#include <krb5.h>
#include "context.h"

/* Largest artefact read (the TCP reply cap). */
#define KS_ARTEFACT_MAX (1024 * 1024)

/*
 * Read PATH (or stdin) into *data_out (free with krb5_free_data_contents).
 * A missing or oversize file, or one that does not start with a Kerberos
 * application tag, is an error with a message naming the file.
 */
krb5_error_code ks_artefact_read(struct ks_context *ctx, const char *path,
                                 krb5_data *data_out);

/*
 * Write DATA to PATH through a temporary file renamed into place (so a
 * failure leaves no half-written file), or to stdout for "-".
 */
krb5_error_code ks_artefact_write(struct ks_context *ctx, const char *path,
                                  const krb5_data *data);

/* The kind of Kerberos message DATA holds ("KRB_TGS_REQ", ...) from its
 * first byte, or NULL. */
const char *ks_artefact_kind(const krb5_data *data);

#endif /* KS_ARTEFACT_H */

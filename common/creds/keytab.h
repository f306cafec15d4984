/*
 * keytab: opening keytabs by name as kinit, kvno and kstep name them, and
 * one keytab in memory made of several.
 */
#ifndef KS_KEYTAB_H
#define KS_KEYTAB_H

#include <stdbool.h>
#include <krb5.h>

#include "core/context.h"

/*
 * The keytab NAME, else (NAME NULL) the default client keytab when
 * CLIENT_DEFAULT (KRB5_CLIENT_KTNAME), else the default keytab
 * (KRB5_KTNAME), into *kt_out (close with krb5_kt_close).  A failure's
 * message names the keytab: "resolving keytab NAME".
 */
krb5_error_code ks_keytab_open(struct ks_context *ctx, const char *name,
                               bool client_default, krb5_keytab *kt_out);

/*
 * A MEMORY keytab holding every entry of the keytabs NAMES (NULL-ended),
 * into *kt_out.  A failure's message names the keytab that failed.
 */
krb5_error_code ks_keytab_merge(struct ks_context *ctx,
                                const char *const *names,
                                krb5_keytab *kt_out);

#endif /* KS_KEYTAB_H */

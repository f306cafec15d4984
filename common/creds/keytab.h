/*
 * keytab: a keytab opened by name or by default, several merged in memory
 * (kstep), and its entries walked once, with MIT klist's words for each failure so that the programs print
 * the context's message as it stands.
 */
#ifndef KS_KEYTAB_H
#define KS_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

/*
 * Resolve NAME, or when NAME is NULL the default keytab (KRB5_KTNAME,
 * default_keytab_name) or with CLIENT the default client keytab
 * (KRB5_CLIENT_KTNAME).  Failures: "... while resolving keytab NAME",
 * "... while getting default keytab", "... while getting default client
 * keytab".
 */
krb5_error_code ks_keytab_open(struct ks_context *ctx, const char *name,
                               bool client, krb5_keytab *kt_out);

/* KT's full name ("FILE:/etc/krb5.keytab") into BUF of LEN bytes;
 * "... while getting keytab name" on failure. */
krb5_error_code ks_keytab_name(struct ks_context *ctx, krb5_keytab kt,
                               char *buf, size_t len);

/*
 * A walk over a keytab's entries: BEGIN (may be NULL) once the keytab is
 * open for reading, then EACH for every entry with its principal's name
 * (both owned by the walk); a non-zero return of EACH stops the walk and
 * is returned as it is (EACH sets its own message).
 */
struct ks_keytab_visitor {
    void (*begin)(void *data);
    krb5_error_code (*each)(void *data, const krb5_keytab_entry *entry,
                            const char *pname);
    void *data;
};

/*
 * Walk KT with V, after refusing a FIFO or a device in the keytab's place
 * (ks_ktfile_check's message).  Failures of the keytab: "... while
 * starting keytab scan", "... while scanning keytab", "... while ending
 * keytab scan", "... while unparsing principal name".
 */
krb5_error_code ks_keytab_each(struct ks_context *ctx, krb5_keytab kt,
                               const struct ks_keytab_visitor *v);

/*
 * A MEMORY keytab holding every entry of the keytabs NAMES (NULL-ended),
 * into *kt_out (kstep's repeated --keytab).  A failure's message names the
 * keytab that failed.
 */
krb5_error_code ks_keytab_merge(struct ks_context *ctx,
                                const char *const *names,
                                krb5_keytab *kt_out);

#endif /* KS_KEYTAB_H */

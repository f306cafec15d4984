/*
 * ccache: credentials caches through libkrb5's ccache API.  A replace
 * (kinit) is built in a MEMORY cache and moved over the target with
 * krb5_cc_move, so a failure leaves the old cache exactly as it was and a
 * reader never sees a half-written one.
 */
#ifndef KS_CCACHE_H
#define KS_CCACHE_H

#include <krb5.h>
#include "core/context.h"

/*
 * Resolve NAME, or the default cache (KRB5CCNAME, default_ccache_name)
 * when NAME is NULL.  Sets a message naming the cache on failure.
 */
krb5_error_code ks_ccache_resolve(struct ks_context *ctx, const char *name,
                                  krb5_ccache *cc_out);

/*
 * Replace the contents of TARGET with CLIENT as default principal and the
 * NULL-terminated CREDS, atomically.  TARGET stays open and usable.
 * On failure TARGET is unchanged and the message names it.
 */
krb5_error_code ks_ccache_replace(struct ks_context *ctx, krb5_ccache target,
                                  krb5_principal client,
                                  krb5_creds *const *creds);

/* "FILE:/tmp/krb5cc_0" for messages; free with krb5_free_string. */
krb5_error_code ks_ccache_full_name(struct ks_context *ctx, krb5_ccache cc,
                                    char **name_out);

#endif /* KS_CCACHE_H */

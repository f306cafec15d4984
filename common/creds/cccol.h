/*
 * cccol: the caches of the default collection (DIR:, KEYRING:, KCM:, or
 * the one cache of a FILE: name), walked once in the collection's order.
 * Caches whose file is a FIFO or a device are never opened for reading
 * here (ccfile.h).
 */
#ifndef KS_CCCOL_H
#define KS_CCCOL_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"

/*
 * One walk.  BEGIN (may be NULL) is called once the collection is open,
 * before the first cache, so that a listing's header shows only when the
 * collection could be listed.  FN gets each cache in turn; it may take
 * the handle (to keep it, or to destroy it) by setting *CACHE to NULL,
 * else the walk closes it.  FN returns true to stop.  ERROR is the error
 * that ended the walk before the collection's end, or 0.
 */
struct ks_cccol_walk {
    void (*begin)(void *data);
    bool (*fn)(void *data, krb5_ccache *cache);
    void *data;
    krb5_error_code error;      /* out */
};

/*
 * Walk the default collection with W.  Returns 0, or libkrb5's error
 * from opening the collection (no message is set: the programs word it
 * as MIT's do).
 */
krb5_error_code ks_cccol_each(struct ks_context *ctx,
                              struct ks_cccol_walk *w);

/*
 * The cache of the collection whose default principal is PRINC, as
 * krb5_cc_cache_match finds it, but without opening a FIFO or a device
 * that sits in the collection.  Returns 0 and the open cache in
 * *cache_out, KRB5_CC_NOTFOUND when no cache belongs to PRINC, or
 * libkrb5's error from listing the collection (no message is set).
 */
krb5_error_code ks_cccol_match(struct ks_context *ctx,
                               krb5_const_principal princ,
                               krb5_ccache *cache_out);

/*
 * For a listing of the collection: CACHE's full name and its default
 * principal's name (free with krb5_free_string and
 * krb5_free_unparsed_name).  A FIFO or a device in the cache's place
 * (ccfile's KRB5_CC_FORMAT), an uninitialised or unreadable cache
 * (libkrb5's error) fail.
 */
krb5_error_code ks_cccol_names(struct ks_context *ctx, krb5_ccache cache,
                               char **ccname_out, char **pname_out);

#endif /* KS_CCCOL_H */

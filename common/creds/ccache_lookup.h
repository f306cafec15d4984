/*
 * ccache_lookup: a credentials cache read once into memory and looked up
 * by server name in constant time, so a program that asks for many
 * services (kvno) pays for the cache once and not once per service
 * (MIT's kvno rescans and relocks the whole file for every lookup).
 *
 * The index is a snapshot: credentials stored later by this program are
 * added with ks_ccache_index_add() (no rescan), and those a store
 * replaced are dropped with ks_ccache_index_forget(); writes by other
 * programs after the load are not seen.
 */
#ifndef KS_CCACHE_LOOKUP_H
#define KS_CCACHE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

struct ks_ccache_index;

/*
 * Read CC once: its default principal and every credential (cache
 * configuration entries are skipped).  A missing cache gives
 * KRB5_FCC_NOFILE (or the cache type's own code) with a message naming the
 * cache.  Free with ks_ccache_index_free().
 */
krb5_error_code ks_ccache_index_load(struct ks_context *ctx, krb5_ccache cc,
                                     struct ks_ccache_index **idx_out);

void ks_ccache_index_free(struct ks_context *ctx,
                          struct ks_ccache_index *idx);

/* The cache's default principal (owned by the index). */
krb5_const_principal ks_ccache_index_client(const struct ks_ccache_index *idx);

/* How many credentials the index holds. */
size_t ks_ccache_index_count(const struct ks_ccache_index *idx);

/* What makes a cached credential usable. */
struct ks_ccache_match {
    krb5_enctype etype;             /* 0: any permitted session key type */
    const krb5_enctype *permitted;  /* 0-terminated; NULL: any */
    krb5_timestamp now;             /* must be before the endtime */
};

/*
 * A usable credential of the default client for SERVER (realm and
 * components compared, name type ignored): not expired at match->now, not
 * postdated-invalid, not user-to-user, with a session key of the wanted
 * type.  Of several, the one that lasts longest.  NULL if there is none.
 * The result is owned by the index and stays valid until it is freed.
 */
const krb5_creds *ks_ccache_index_find(const struct ks_ccache_index *idx,
                                       krb5_const_principal server,
                                       const struct ks_ccache_match *match);

/*
 * Any credential of the default client for SERVER, valid or not (the
 * latest endtime), to tell "expired" from "absent".  NULL if none.
 */
const krb5_creds *ks_ccache_index_find_any(const struct ks_ccache_index *idx,
                                           krb5_const_principal server);

/*
 * Add a copy of CREDS (just stored in the cache, or kept in memory only);
 * *stored_out (if not NULL) gets the index's copy.
 */
krb5_error_code ks_ccache_index_add(struct ks_context *ctx,
                                    struct ks_ccache_index *idx,
                                    const krb5_creds *creds,
                                    const krb5_creds **stored_out);

/*
 * Forget the credentials that storing FRESH replaced in the cache
 * (ks_ccache_replaces; FRESH itself is not added): look-ups no longer see
 * them, but pointers to them handed out earlier stay valid until the
 * index is freed.  ENOMEM (some may be forgotten already).
 */
krb5_error_code ks_ccache_index_forget(struct ks_context *ctx,
                                       struct ks_ccache_index *idx,
                                       const krb5_creds *fresh);

#endif /* KS_CCACHE_LOOKUP_H */

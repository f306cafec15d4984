/*
 * ccache_lookup: a credentials cache read once into memory and looked up
 * by server name in constant time, so a program that asks for many
 * services (kvno) pays for the cache once and not once per service
 * (MIT's kvno rescans and relocks the whole file for every lookup).
 *
 * The cache is read lazily, through one cursor kept open: a look-up reads
 * on only as far as its answer (a ticket near the start of a cache of ten
 * thousand costs a few entries, not ten thousand); a miss reads on to the
 * end, once; nothing is read twice.  Entries no look-up can return
 * (configuration entries, other clients' tickets) are freed as they are
 * read.  Credentials stored later by this program are added with
 * ks_ccache_index_add() (no rescan), and those a store replaced are
 * dropped with ks_ccache_index_forget(); when the cursor, still open, reads
 * into what the program appended, those copies are recognised (same
 * names, same ticket) and not kept twice.  Writes by other programs after
 * the load may be seen or not, as the reading has got on.  A program that
 * takes entries out of the cache (or the index) must first read it to its
 * end (ks_ccache_index_count does), or the cursor may bring them back.
 */
#ifndef KS_CCACHE_LOOKUP_H
#define KS_CCACHE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

struct ks_ccache_index;

/*
 * Open CC for reading: its default principal, and a cursor on its
 * credentials, read as the look-ups need them.  A missing cache gives
 * KRB5_FCC_NOFILE (or the cache type's own code) with a message naming the
 * cache ("reading the credentials cache FILE:/x: ...").  CTX and CC must
 * stay open until the index is freed with ks_ccache_index_free().
 */
krb5_error_code ks_ccache_index_load(struct ks_context *ctx, krb5_ccache cc,
                                     struct ks_ccache_index **idx_out);

void ks_ccache_index_free(struct ks_context *ctx,
                          struct ks_ccache_index *idx);

/* The cache's default principal (owned by the index). */
krb5_const_principal ks_ccache_index_client(const struct ks_ccache_index *idx);

/* How many credentials of the default client the index holds, once the
 * cache is read to its end (this reads it), plus those added. */
size_t ks_ccache_index_count(const struct ks_ccache_index *idx);

/*
 * 0, or the failure that stopped the reading part-way (a corrupt entry,
 * an I/O error; a cache cut short is only shorter, as libkrb5 reads it),
 * its message set again in the context, in the words a failure at load
 * has: "reading the credentials cache FILE:/x: ...".  After such a
 * failure the entries read before it are still found; a look-up that
 * would have to read further finds nothing, and a caller that gets NULL
 * checks this before it takes NULL for "not cached".
 */
krb5_error_code ks_ccache_index_error(const struct ks_ccache_index *idx);

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
 * type.  Of several, the first in the cache (as MIT's
 * krb5_cc_retrieve_cred takes it: the cache is read only that far), then
 * the first one added.  NULL if there is none.  The result is owned by the
 * index and stays valid until it is freed.
 */
const krb5_creds *ks_ccache_index_find(const struct ks_ccache_index *idx,
                                       krb5_const_principal server,
                                       const struct ks_ccache_match *match);

/*
 * Any credential of the default client for SERVER, valid or not (the
 * latest endtime), to tell "expired" from "absent"; this reads the cache
 * to its end.  NULL if none.
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
 * index is freed.  Reads the cache to its end first.  ENOMEM (some may be
 * forgotten already).
 */
krb5_error_code ks_ccache_index_forget(struct ks_context *ctx,
                                       struct ks_ccache_index *idx,
                                       const krb5_creds *fresh);

/*
 * From here on, keep only the entries a look-up may still ask for: those
 * of SERVERS[0..N) (NULLs skipped) and every TGT (krbtgt/...); the rest
 * are freed as they are read, so a program that asks for a few services
 * holds a few entries of a cache of ten thousand.  A look-up for another
 * server then finds nothing.  SERVERS (the array and the principals) must
 * stay until the index is freed.  ENOMEM.
 */
krb5_error_code ks_ccache_index_keep_only(struct ks_ccache_index *idx,
                                          const krb5_const_principal *servers,
                                          size_t n);

#endif /* KS_CCACHE_LOOKUP_H */

/*
 * ccache: credentials caches through libkrb5's ccache API.  A replace
 * (kinit) is built in a MEMORY cache and moved over the target with
 * krb5_cc_move, so a failure leaves the old cache exactly as it was and a
 * reader never sees a half-written one.
 */
#ifndef KS_CCACHE_H
#define KS_CCACHE_H

#include <stdbool.h>
#include <stdint.h>
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

/*
 * Set the message for CODE as MIT's com_err prints a failure: the message
 * the context holds for CODE, a space, and FMT... ("No credentials cache
 * found (filename: /tmp/x) while starting to retrieve tickets").  Returns
 * CODE.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
krb5_error_code ks_ccache_while(struct ks_context *ctx, krb5_error_code code,
                                const char *fmt, ...);

/*
 * A walk over the credentials of one cache, config entries included.
 * BEGIN (may be NULL) is called once the cache is open for reading, before
 * the first credential, so that a listing's header shows only for a cache
 * that could be opened.  EACH gets every credential, owned by the walk;
 * a non-zero return stops the walk and is returned as it is (EACH sets
 * its own message).
 */
struct ks_ccache_visitor {
    void (*begin)(void *data);
    krb5_error_code (*each)(void *data, const krb5_creds *creds);
    void *data;
};

/*
 * Walk CACHE with V.  A failure of the cache is returned with MIT klist's
 * message ("... while starting to retrieve tickets", "... while retrieving
 * a ticket", "... while finishing ticket retrieval").  *COUNT_OUT (may be
 * NULL) gets the number of entries read, also on failure.
 */
krb5_error_code ks_ccache_each(struct ks_context *ctx, krb5_ccache cache,
                               const struct ks_ccache_visitor *v,
                               unsigned int *count_out);

/*
 * Take the credentials for WANTED out of CACHE and keep the rest: the
 * cache is read into memory and its remainder moved over it at once
 * (ks_ccache_replace), so a failure leaves it as it was.  A cached server
 * matches when it equals WANTED, or when it has an empty realm (a
 * referral ticket) and equals WANTED in any realm; config entries never
 * match.  *REMOVED_OUT and *KEPT_OUT get the counts.  A cache holding
 * more than KS_CCACHE_REWRITE_MAX entries is refused (KRB5_CC_IO), not
 * cut.  Errors: KRB5_CC_NOTFOUND when nothing matched ("no ticket for
 * SERVICE in CACHE (klist lists what the cache holds)"); a failure to
 * read the cache as MIT words it ("... while reading CACHE"); a failure
 * to write it with ks_ccache_replace's message.
 */
#define KS_CCACHE_REWRITE_MAX 100000
krb5_error_code ks_ccache_remove(struct ks_context *ctx, krb5_ccache cache,
                                 krb5_const_principal wanted,
                                 size_t *removed_out, size_t *kept_out);

/*
 * Whether storing FRESH replaces CACHED: the same client and server
 * (realm and components, as krb5_principal_compare) and the same kind.  A
 * plain ticket replaces plain tickets whatever their session key type,
 * times or flags, so that a cache holds one ticket per client and server;
 * a user-to-user ticket replaces only user-to-user tickets made with the
 * same second ticket (one for another TGT of the other party is another
 * credential, still needed).  Config entries never match: their server
 * is never a ticket's.
 */
bool ks_ccache_replaces(krb5_context k5, const krb5_creds *fresh,
                        const krb5_creds *cached);

/*
 * Remove from CACHE every credential that storing FRESH replaces
 * (ks_ccache_replaces), none if there is none; FRESH itself is not
 * stored.  This scans the whole cache once: call it only when the cache
 * may hold such a credential.  FILE and DIR caches get the entries marked
 * removed in place (krb5_cc_remove_cred, as MIT's own tools remove
 * tickets: the file keeps its size, and MIT's klist and libkrb5 skip
 * them); MEMORY and KEYRING unlink them.  A cache type that cannot remove
 * one credential (a KCM daemon without the operation) is rewritten
 * without them as ks_ccache_remove does (not safe against another
 * program storing at the same moment).  Errors are the cache's, with a
 * message naming it.
 */
krb5_error_code ks_ccache_remove_replaced(struct ks_context *ctx,
                                          krb5_ccache cache,
                                          const krb5_creds *fresh);

/* A ticket a run stored for a server the cache already held: its server,
 * and the hash of its ticket's bytes (ks_hash_bytes) that tells it from
 * the earlier ones. */
struct ks_ccache_fresh {
    krb5_principal server;
    uint64_t ticket_hash;
};

/*
 * Take out of CACHE, in one pass, every plain ticket of the cache's client
 * for a server of FRESH[0..N) other than FRESH's own, and write the rest
 * back at once (ks_ccache_replace): what a run that stored many tickets in
 * place of earlier ones does instead of a krb5_cc_remove_cred scan per
 * ticket.  A ticket another program stores in CACHE between the read and
 * the write is lost.  *DROPPED_OUT (may be NULL) gets the count.  Errors
 * as ks_ccache_remove's.
 */
krb5_error_code ks_ccache_drop_superseded(struct ks_context *ctx,
                                          krb5_ccache cache,
                                          const struct ks_ccache_fresh *fresh,
                                          size_t n, size_t *dropped_out);

#endif /* KS_CCACHE_H */

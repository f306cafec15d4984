/*
 * ccstatus: whether a credentials cache holds a ticket that is still
 * good, by MIT klist's rule for -s, so that `klist -s` in a shell prompt
 * answers as MIT's does.
 */
#ifndef KS_CCSTATUS_H
#define KS_CCSTATUS_H

#include <stdbool.h>
#include <krb5.h>
#include "core/context.h"

/*
 * Is CACHE current at NOW and for MIN_LIFE seconds more?  True when the
 * cache can be read to the end and holds a TGT for its principal's realm
 * (krbtgt/REALM@REALM) that ends after NOW + MIN_LIFE, or, when it holds
 * no such TGT at all, any other such ticket (config entries aside).
 * A FIFO or a device in the cache's place, an uninitialised or unreadable
 * cache: false.  Sets no message; traces what it found.
 */
bool ks_ccache_current(struct ks_context *ctx, krb5_ccache cache,
                       krb5_timestamp now, krb5_deltat min_life);

#endif /* KS_CCSTATUS_H */

/*
 * ccfile: what the name of a file-backed credentials cache or keytab points
 * at on disk.  libkrb5 opens these files without looking at their type, and
 * opening a FIFO for reading blocks for ever; so a name is checked here
 * before libkrb5 sees it (PROTOCOL.md 3.2).  Missing files, regular files
 * and directories pass: libkrb5 reports on those itself.
 */
#ifndef KS_CCFILE_H
#define KS_CCFILE_H

#include <krb5.h>
#include "core/context.h"

/*
 * Check the cache NAME ("FILE:/p", "/p", "DIR:/d", "DIR::/d/tkt";
 * other types pass).  For a DIR collection the "primary" file is checked.
 * Returns 0, or KRB5_CC_FORMAT with the message
 * "/p is a FIFO, not a credentials cache" (a device, a socket).
 */
krb5_error_code ks_ccfile_check(struct ks_context *ctx, const char *name);

/*
 * Check the keytab NAME ("FILE:/p", "WRFILE:/p", "/p"; other types pass).
 * Returns 0, or KRB5_KT_FORMAT with the message
 * "/p is a FIFO, not a keytab".
 */
krb5_error_code ks_ktfile_check(struct ks_context *ctx, const char *name);

/*
 * Make NAME (when not NULL) the default cache name, as MIT's klist,
 * kdestroy and kswitch do with the name they are given, then mend an
 * empty one (ks_ccfile_fix_empty_default).  Returns 0 or libkrb5's error
 * (no message is set).
 */
krb5_error_code ks_ccfile_set_default(struct ks_context *ctx,
                                      const char *name);

/* ks_ccfile_check() for the default cache name, if there is one. */
krb5_error_code ks_ccfile_check_default(struct ks_context *ctx);

/*
 * An empty default cache name (KRB5CCNAME="", or "" given as the name)
 * makes libkrb5 1.20's collection cursor read past the end of the name.
 * Make it "FILE:" instead: the same missing file, the same messages.
 * Returns 0 or libkrb5's error from krb5_cc_set_default_name.
 */
krb5_error_code ks_ccfile_fix_empty_default(struct ks_context *ctx);

/*
 * ks_ccfile_check() for the open CACHE, by its full name.  A cache whose
 * name cannot be had passes (libkrb5 will say what is wrong with it).
 */
krb5_error_code ks_ccfile_check_cache(struct ks_context *ctx,
                                      krb5_ccache cache);

#endif /* KS_CCFILE_H */

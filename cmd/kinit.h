/*
 * kinit: what cmd/kinit.c and cmd/kinit_out.c share: the run and its
 * output (the JSON document, MIT's warnings).
 */
#ifndef KS_KINIT_H
#define KS_KINIT_H

#include <stdbool.h>
#include <krb5.h>

#include "core/context.h"
#include "creds/ccache_choose.h"
#include "exchange/as.h"
#include "wire/transport.h"

/* What one run holds, freed in one place. */
struct kinit_run {
    struct ks_context *ctx;
    krb5_deltat lifetime, renew, start;
    struct ks_ccache_choice who;    /* the client and its cache */
    krb5_principal server;
    krb5_keytab keytab;
    krb5_creds *creds;
    struct ks_send_result sent;     /* the KDC that answered (--json) */
    bool fast_avail;                /* the KDC advertised FAST */
    struct ks_as_notes notes;       /* what to warn about */
};

/*
 * --json: the document for RUN's new credentials, rendered into *doc_out
 * (free()) before the cache is touched, so that nothing can fail after
 * it was stored.  No keys in it.
 */
krb5_error_code kinit_render_json(struct kinit_run *run, char **doc_out);

/* MIT's warnings of a deprecated key enctype and, after a password login
 * (PASSWORD), of a password that expires soon, on stdout. */
void kinit_warn_notes(const struct kinit_run *run, bool password);

#endif /* KS_KINIT_H */

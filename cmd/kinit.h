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

/* Where a run failed, for MIT's words. */
enum kinit_stage {
    KINIT_OURS,                     /* no MIT counterpart: our message */
    KINIT_CHOOSING,                 /* the client, cache or keytab */
    KINIT_EXCHANGE,                 /* the AS or TGS exchange */
    KINIT_STORING,                  /* the new credentials into the cache */
};

/* What one run holds, freed in one place. */
struct kinit_run {
    struct ks_context *ctx;
    enum kinit_stage stage;
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

/*
 * Report CODE as MIT's kinit words it: "kinit: Password incorrect while
 * getting initial credentials", "... while renewing credentials" (ACTION
 * 'R') or "validating credentials" ('v'), "Failed to store credentials:
 * ..." for the cache, "... when parsing name PRINCIPAL"; kstep's detail
 * and hint follow on the same line.  CACHE_NAME is -c's.
 */
void kinit_report(struct kinit_run *run, krb5_error_code code, int action,
                  const char *principal, const char *cache_name);

/* MIT's warnings of a deprecated key enctype and, after a password login
 * (PASSWORD), of a password that expires soon, on stdout. */
void kinit_warn_notes(const struct kinit_run *run, bool password);

#endif /* KS_KINIT_H */

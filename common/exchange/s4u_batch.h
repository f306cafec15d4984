/*
 * s4u_batch: kvno's -I, -U (with -P) and --u2u over a list of services,
 * one service after the other, each result in its ks_tgs_job as
 * ks_tgs_get_creds_many gives them.
 */
#ifndef KS_S4U_BATCH_H
#define KS_S4U_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>

#include "core/context.h"
#include "creds/ccache_lookup.h"
#include "exchange/tgs.h"

struct ks_s4u_batch {
    krb5_const_principal user;      /* -I, -U: the user (S4U2Self) ... */
    const krb5_creds *other_tgt;    /* ... or --u2u: the other's TGT */
    bool proxy;                     /* -P: S4U2Proxy to each service */
    /*
     * -P, may be NULL: JOB holds the S4U2Self ticket (borrowed) before
     * S4U2Proxy is asked for (MIT's kvno prints its line then); a nonzero
     * return leaves the job at that.
     */
    int (*evidence)(void *data, size_t i, const struct ks_tgs_job *job);
    void *data;
};

/*
 * For each of the N JOBS: with B->other_tgt a user-to-user ticket;
 * otherwise S4U2Self for B->user (the job's service must be the cache's
 * own principal unless B->proxy, as MIT's kvno requires: EINVAL with a
 * message saying so) and with B->proxy S4U2Proxy to the job's service.
 * Failures stay in the jobs; returns 0, or ENOMEM.
 */
krb5_error_code ks_s4u_run_jobs(struct ks_context *ctx, krb5_ccache cc,
                                struct ks_ccache_index *idx,
                                const struct ks_s4u_batch *b,
                                const struct ks_tgs_get_options *go,
                                struct ks_tgs_job *jobs, size_t n);

#endif /* KS_S4U_BATCH_H */

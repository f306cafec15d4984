#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/s4u.h"
#include "exchange/s4u_batch.h"

/* Record JOB's failure: CODE and the message the context holds for it. */
static void
job_fail(struct ks_context *ctx, struct ks_tgs_job *job, krb5_error_code code)
{
    const char *msg = ks_context_message(ctx, code);

    job->code = code;
    free(job->message);
    job->message = strdup(msg);
    ks_context_free_message(ctx, msg);
}

/* Without -P, S4U2Self asks for a ticket to the cache's own principal:
 * MIT's kvno requires that name. */
static bool
self_named(struct ks_context *ctx, struct ks_ccache_index *idx, bool proxy,
           struct ks_tgs_job *job)
{
    krb5_const_principal me = ks_ccache_index_client(idx);
    char *name = NULL, *service = NULL;

    if (proxy || krb5_principal_compare(ctx->k5, me, job->server))
        return true;
    if (krb5_unparse_name(ctx->k5, me, &name) != 0)
        name = NULL;
    if (krb5_unparse_name(ctx->k5, job->server, &service) != 0)
        service = NULL;
    job->code = EINVAL;
    free(job->message);
    if (asprintf(&job->message, "%s: client and server principal names "
                 "must match (without -P, -I and -U ask for a ticket to "
                 "the cache's principal %s)", service != NULL ? service : "",
                 name != NULL ? name : "") < 0)
        job->message = NULL;
    krb5_free_unparsed_name(ctx->k5, service);
    krb5_free_unparsed_name(ctx->k5, name);
    return false;
}

/* S4U2Self for the user and, with -P, S4U2Proxy to the service. */
static void
one_s4u(struct ks_context *ctx, krb5_ccache cc, struct ks_ccache_index *idx,
        const struct ks_s4u_batch *b, const struct ks_tgs_get_options *go,
        struct ks_tgs_job *jobs, size_t i)
{
    struct ks_tgs_job *job = &jobs[i];
    krb5_creds *evidence = NULL;
    krb5_error_code ret;
    int stop = 0;

    if (!self_named(ctx, idx, b->proxy, job))
        return;
    ret = ks_s4u_self(ctx, cc, idx, b->user, go, &evidence);
    if (ret || !b->proxy) {
        if (ret)
            job_fail(ctx, job, ret);
        job->creds = evidence;
        return;
    }
    if (b->evidence != NULL) {
        job->creds = evidence;
        stop = b->evidence(b->data, i, job);
        job->creds = NULL;
    }
    if (!stop) {
        ret = ks_s4u_proxy(ctx, cc, idx, evidence, job->server, go,
                           &job->creds);
        if (ret)
            job_fail(ctx, job, ret);
    }
    krb5_free_creds(ctx->k5, evidence);
}

krb5_error_code
ks_s4u_run_jobs(struct ks_context *ctx, krb5_ccache cc,
                struct ks_ccache_index *idx, const struct ks_s4u_batch *b,
                const struct ks_tgs_get_options *go, struct ks_tgs_job *jobs,
                size_t n)
{
    krb5_error_code ret;

    for (size_t i = 0; i < n; i++) {
        if (b->other_tgt == NULL) {
            one_s4u(ctx, cc, idx, b, go, jobs, i);
            continue;
        }
        ret = ks_s4u_u2u(ctx, cc, idx, b->other_tgt, jobs[i].server, go,
                         &jobs[i].creds);
        if (ret)
            job_fail(ctx, &jobs[i], ret);
    }
    return 0;
}

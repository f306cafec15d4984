/*
 * context: one per program run.  It holds the krb5_context (whose error
 * message slot carries our layered messages), the configuration read once,
 * the trace sink and the per-run transport overrides.
 */
#ifndef KS_CONTEXT_H
#define KS_CONTEXT_H

#include <stdbool.h>
#include <krb5.h>
#include "core/config.h"
#include "core/trace.h"

enum ks_transport_kind {
    KS_TRANSPORT_ANY = 0,
    KS_TRANSPORT_UDP,
    KS_TRANSPORT_TCP,
};

/* "UDP", "TCP" or "UDP or TCP", for messages and traces. */
const char *ks_transport_name(enum ks_transport_kind kind);

/* Per-run overrides of the transport; zero means "from the configuration". */
struct ks_transport_options {
    enum ks_transport_kind transport;   /* force UDP or TCP */
    int timeout_ms;                     /* total bound on one request */
    int retries;                        /* passes over the KDC list */
    char **kdcs;                        /* --kdc HOST[:PORT] entries that
                                         * replace the realm's KDCs;
                                         * NULL-terminated, or NULL */
};

struct ks_mit_trace;
struct ks_keys;

struct ks_context {
    krb5_context k5;
    struct ks_config config;
    struct ks_trace *trace;        /* NULL when not tracing */
    struct ks_mit_trace *mit_trace; /* MIT's lines to KRB5_TRACE, or NULL
                                     * (core/mit_trace.h) */
    const char *program;           /* "kinit", ...: for messages */
    struct ks_transport_options net;
    /* The KDCs located per realm in this run (locate.c owns the layout):
     * krb5.conf and DNS are asked once per realm, not once per request. */
    void *located;
    void (*located_free)(void *located);
    /* Set once this run saw Active Directory (a PAC with LOGON_INFO, an
     * MS-KILE error e-data): hints then name AD's attributes. */
    bool kdc_is_ad;
    /* krb5_key objects kept for the run (core/keys.h), or NULL. */
    struct ks_keys *keys;
};

/*
 * Create the context: krb5_init_context (which parses krb5.conf; a malformed
 * file fails here with the profile's message) and the configuration.
 * On failure *ctx_out is untouched and, if msg_out is not NULL, it receives
 * a malloc'ed message (there is no context to hold it).
 */
krb5_error_code ks_context_new(const char *program,
                               struct ks_context **ctx_out, char **msg_out);

/*
 * As ks_context_new, but without kstep's own settings (ctx->config stays
 * zeroed, nothing of krb5.conf is read beyond what krb5_init_context
 * reads): for a program that uses none of them (klist, whose -s runs in
 * shell prompts), as MIT's klist reads no more.
 */
krb5_error_code ks_context_new_bare(const char *program,
                                    struct ks_context **ctx_out,
                                    char **msg_out);

/* Attach a trace sink; the context owns it from now on. */
void ks_context_set_trace(struct ks_context *ctx, struct ks_trace *trace);

void ks_context_free(struct ks_context *ctx);

/*
 * The message for CODE as it stands in the context (with all the context
 * that was prepended), as a string to free with ks_context_free_message().
 */
const char *ks_context_message(struct ks_context *ctx, krb5_error_code code);
void ks_context_free_message(struct ks_context *ctx, const char *msg);

#endif /* KS_CONTEXT_H */

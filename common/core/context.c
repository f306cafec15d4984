#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "core/context.h"
#include "core/keys.h"
#include "core/mit_trace.h"

static krb5_error_code
context_new(const char *program, bool with_config,
            struct ks_context **ctx_out, char **msg_out)
{
    struct ks_context *ctx = NULL;
    krb5_error_code ret;
    const char *msg;

    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return ENOMEM;
    ctx->program = program;

    ret = krb5_init_context(&ctx->k5);
    if (ret) {
        /* No context to hold a message: the code's own text names the
         * problem ("Improper format of Kerberos configuration file"). */
        if (msg_out != NULL) {
            msg = error_message(ret);
            *msg_out = strdup(msg);
        }
        free(ctx);
        return ret;
    }
    ret = with_config ? ks_config_load(ctx->k5, &ctx->config) : 0;
    if (ret) {
        if (msg_out != NULL) {
            msg = krb5_get_error_message(ctx->k5, ret);
            *msg_out = strdup(msg);
            krb5_free_error_message(ctx->k5, msg);
        }
        ks_context_free(ctx);
        return ret;
    }
    /* Once per run, beside libkrb5's own descriptor for the same file. */
    ks_mit_trace_open_env(&ctx->mit_trace);
    *ctx_out = ctx;
    return 0;
}

krb5_error_code
ks_context_new(const char *program, struct ks_context **ctx_out,
               char **msg_out)
{
    return context_new(program, true, ctx_out, msg_out);
}

krb5_error_code
ks_context_new_bare(const char *program, struct ks_context **ctx_out,
                    char **msg_out)
{
    return context_new(program, false, ctx_out, msg_out);
}

void
ks_context_set_trace(struct ks_context *ctx, struct ks_trace *trace)
{
    ks_trace_close(ctx->trace);
    ctx->trace = trace;
}

void
ks_context_free(struct ks_context *ctx)
{
    if (ctx == NULL)
        return;
    ks_trace_close(ctx->trace);
    ks_mit_trace_close(ctx->mit_trace);
    if (ctx->located_free != NULL)
        ctx->located_free(ctx->located);
    ks_config_clear(&ctx->config);
    ks_keys_clear(ctx);
    if (ctx->k5 != NULL)
        krb5_free_context(ctx->k5);
    free(ctx);
}

const char *
ks_context_message(struct ks_context *ctx, krb5_error_code code)
{
    return krb5_get_error_message(ctx->k5, code);
}

void
ks_context_free_message(struct ks_context *ctx, const char *msg)
{
    krb5_free_error_message(ctx->k5, msg);
}

const char *
ks_transport_name(enum ks_transport_kind kind)
{
    switch (kind) {
    case KS_TRANSPORT_UDP:
        return "UDP";
    case KS_TRANSPORT_TCP:
        return "TCP";
    default:
        return "UDP or TCP";
    }
}

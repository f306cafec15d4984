/*
 * cli: what every program shares above common/ (cli.h); the password
 * prompt is in cli_password.c.
 */
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "creds/cccol.h"
#include "cli.h"
#include "core/errors.h"
#include "core/emit.h"
#include "wire/locate.h"
#include "ks_version.h"
#include "core/trace.h"

struct ks_cli ks_cli;

static void
common_callback(poptContext pc, enum poptCallbackReason reason,
                const struct poptOption *opt, const char *arg,
                const void *data)
{
    if (reason == POPT_CALLBACK_REASON_OPTION && opt->val == 'v') {
        ks_cli_print_version();
        exit(KS_EXIT_OK);
    }
}

struct poptOption ks_cli_common_options[] = {
    /* arg is set in ks_cli_popt(): ISO C has no function-to-object pointer
     * conversion for a static initializer. */
    { NULL, '\0', POPT_ARG_CALLBACK, NULL, 0, NULL, NULL },
    { "trace", '\0', POPT_ARG_STRING, &ks_cli.trace_dest, 0,
      "trace the exchange to DEST ('-' for stderr; also KSTEP_TRACE)",
      "DEST" },
    { "trace-format", '\0', POPT_ARG_STRING, &ks_cli.trace_format, 0,
      "trace lines as 'text' (default) or 'json'", "FORMAT" },
    { "version", '\0', POPT_ARG_NONE, NULL, 'v',
      "print the version and exit", NULL },
    { "kdc", '\0', POPT_ARG_ARGV, &ks_cli.kdcs, 0,
      "ask this KDC instead of the realm's (repeatable)", "HOST[:PORT]" },
    { "transport", '\0', POPT_ARG_STRING, &ks_cli.transport, 0,
      "talk to KDCs over 'udp' or 'tcp' only", "PROTO" },
    { "timeout", '\0', POPT_ARG_DOUBLE, &ks_cli.timeout, 0,
      "give up on a request after this long, all KDCs and retries included",
      "SECONDS" },
    { "retries", '\0', POPT_ARG_INT, &ks_cli.retries, 0,
      "passes over the KDC list (default 3)", "N" },
    POPT_TABLEEND
};

poptContext
ks_cli_popt(const char *program, const char *summary, int argc,
            const char **argv, const struct poptOption *table,
            const char *args_help)
{
    void (*cb)(poptContext, enum poptCallbackReason,
               const struct poptOption *, const char *, const void *) =
        common_callback;
    poptContext pc;

    ks_cli.program = program;
    ks_cli.summary = summary;
    /* Dates as the user's locale writes them, as MIT's tools print them;
     * only LC_TIME, so that JSON numbers keep their decimal point. */
    setlocale(LC_TIME, "");
    memcpy(&ks_cli_common_options[0].arg, &cb, sizeof(cb));
    /* No poptReadDefaultConfig: /etc/popt and ~/.popt never apply. */
    pc = poptGetContext(program, argc, argv, table, 0);
    if (args_help != NULL)
        poptSetOtherOptionHelp(pc, args_help);
    return pc;
}

void
ks_cli_usage_error(poptContext pc, int rc, const char *msg)
{
    if (rc < -1 && pc != NULL)
        fprintf(stderr, "%s: %s: %s\n", ks_cli.program,
                poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
    else if (msg != NULL)
        fprintf(stderr, "%s: %s\n", ks_cli.program, msg);
    fprintf(stderr, "Try '%s --help' for more information.\n",
            ks_cli.program);
    poptFreeContext(pc);
    exit(ks_cli.usage_exit != 0 ? ks_cli.usage_exit : KS_EXIT_USAGE);
}

void
ks_cli_print_version(void)
{
    printf("%s (kstep) %s\n", ks_cli.program, KS_VERSION);
}

int
ks_cli_finish_output(int status)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    ks_cli_error("write error on standard output%s%s",
                 errno ? ": " : "", errno ? strerror(errno) : "");
    return KS_EXIT_FAILURE;
}

krb5_error_code
ks_cli_doc_begin(struct ks_cli_doc *doc)
{
    memset(doc, 0, sizeof(*doc));
    doc->mem = open_memstream(&doc->buf, &doc->len);
    if (doc->mem != NULL &&
        ks_emit_new(doc->mem, KS_EMIT_JSON, false, &doc->e) == 0)
        return 0;
    if (doc->mem != NULL)
        fclose(doc->mem);
    free(doc->buf);
    memset(doc, 0, sizeof(*doc));
    return ENOMEM;
}

void
ks_cli_doc_end(struct ks_context *ctx, struct ks_cli_doc *doc,
               krb5_error_code err, const char *errmsg)
{
    ks_emit_finish(doc->e);
    if (fclose(doc->mem) != 0 && err == 0)
        err = ENOMEM;
    if (err != 0) {
        krb5_set_error_message(ctx->k5, err, "%s",
                               errmsg != NULL ? errmsg : error_message(err));
        ks_cli_report(ctx, err);
    } else {
        fwrite(doc->buf, 1, doc->len, stdout);
    }
    if (doc->buf != NULL)
        explicit_bzero(doc->buf, doc->len);
    free(doc->buf);
    memset(doc, 0, sizeof(*doc));
}

/* "PROGRAM: " + FMT... and a newline on stderr. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 0)))
#endif
static void
verror(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", ks_cli.program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
ks_cli_usage_errorf(poptContext pc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(fmt, ap);
    va_end(ap);
    ks_cli_usage_error(pc, 0, NULL);
}

int
ks_cli_next_option(poptContext pc)
{
    int rc = poptGetNextOpt(pc);

    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    return rc;
}

void
ks_cli_no_operands(poptContext pc)
{
    const char *extra = poptGetArg(pc);

    if (extra != NULL)
        ks_cli_usage_errorf(pc, "unexpected argument '%s'", extra);
}

void
ks_cli_no_krb4(poptContext pc)
{
    fprintf(stderr, "Kerberos 4 is no longer supported\n");
    poptFreeContext(pc);
    exit(KS_CLI_EXIT_NO_KRB4);
}

void
ks_cli_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(fmt, ap);
    va_end(ap);
}

/* One failure: its line on stderr and, with --json, the error document. */
static void
report_message(krb5_error_code code, const char *msg)
{
    ks_cli_error("%s", msg);
    if (ks_cli.json)
        ks_emit_error_document(stdout, code, msg);
}

void
ks_cli_report(struct ks_context *ctx, krb5_error_code code)
{
    const char *msg;

    if (ctx == NULL) {
        report_message(code, error_message(code));
        return;
    }
    msg = ks_context_message(ctx, code);
    report_message(code, msg);
    ks_context_free_message(ctx, msg);
}

/* A failure before the context exists, like ks_cli_report(). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
setup_error(krb5_error_code code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report_message(code, msg);
}

void
ks_cli_report_mit(struct ks_context *ctx, krb5_error_code code,
                  const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    krb5_set_error_message(ctx->k5, code, "%s %s", error_message(code), what);
    ks_cli_report(ctx, code);
}

krb5_error_code
ks_cli_principal_cache(struct ks_context *ctx, const char *pname,
                       const char *not_found_what, krb5_ccache *cache_out)
{
    krb5_principal princ = NULL;
    krb5_error_code ret;

    ret = krb5_parse_name(ctx->k5, pname, &princ);
    if (ret) {
        ks_cli_report_mit(ctx, ret, "while parsing principal name %s",
                          pname);
        return ret;
    }
    ret = ks_cccol_match(ctx, princ, cache_out);
    if (ret)
        ks_cli_report_mit(ctx, ret, "while %s %s", not_found_what, pname);
    krb5_free_principal(ctx->k5, princ);
    return ret;
}

/* Each --kdc value must be a KDC address as krb5.conf writes them. */
static void
check_kdcs(void)
{
    enum ks_transport_kind kind;
    char *host = NULL, *port = NULL;

    for (size_t i = 0; ks_cli.kdcs != NULL && ks_cli.kdcs[i] != NULL; i++) {
        if (ks_kdc_list_parse_entry(ks_cli.kdcs[i], &host, &port, &kind) != 0)
            ks_cli_usage_errorf(NULL, "--kdc '%s' is not a KDC address "
                                "(HOST[:PORT], [IPV6]:PORT, optionally "
                                "udp/ or tcp/ first)", ks_cli.kdcs[i]);
        free(host);
        free(port);
    }
}

static bool
net_options(struct ks_transport_options *net)
{
    memset(net, 0, sizeof(*net));
    if (ks_cli.transport != NULL) {
        if (strcmp(ks_cli.transport, "udp") == 0)
            net->transport = KS_TRANSPORT_UDP;
        else if (strcmp(ks_cli.transport, "tcp") == 0)
            net->transport = KS_TRANSPORT_TCP;
        else
            ks_cli_usage_errorf(NULL, "unknown transport '%s' (use 'udp' "
                                "or 'tcp')", ks_cli.transport);
    }
    if (ks_cli.timeout < 0 || ks_cli.timeout > 3600)
        ks_cli_usage_errorf(NULL, "--timeout takes seconds from 0 to 3600");
    net->timeout_ms = (int)(ks_cli.timeout * 1000);
    if (ks_cli.retries < 0 || ks_cli.retries > 100)
        ks_cli_usage_errorf(NULL, "--retries takes a number from 1 to 8 "
                            "(larger counts as 8)");
    net->retries = ks_cli.retries;
    check_kdcs();
    net->kdcs = ks_cli.kdcs;
    return true;
}

static krb5_error_code
open_trace(struct ks_trace **trace_out)
{
    const char *dest = ks_cli.trace_dest;
    enum ks_trace_format format = KS_TRACE_TEXT;
    const char *fmt = ks_cli.trace_format;
    krb5_error_code ret;

    if (dest == NULL)
        dest = secure_getenv("KSTEP_TRACE");
    if (fmt == NULL)
        fmt = secure_getenv("KSTEP_TRACE_FORMAT");
    if (fmt != NULL && strcmp(fmt, "json") == 0)
        format = KS_TRACE_JSON;
    else if (fmt != NULL && strcmp(fmt, "text") != 0) {
        setup_error(EINVAL, "unknown trace format '%s' (use 'text' or "
                    "'json')", fmt);
        return EINVAL;
    }
    *trace_out = NULL;
    if (dest == NULL || *dest == '\0')
        return 0;
    ret = ks_trace_open(dest, format, ks_cli.program, ks_cli.show_keys != 0,
                        trace_out);
    if (ret)
        setup_error(ret, "cannot open trace file %s: %s", dest,
                    strerror(ret));
    return ret;
}

struct ks_context *
ks_cli_context(void)
{
    struct ks_context *ctx = NULL;
    struct ks_trace *trace = NULL;
    struct ks_transport_options net;
    char *msg = NULL;
    krb5_error_code ret;

    if (!net_options(&net))
        return NULL;
    if (open_trace(&trace) != 0)
        return NULL;
    ret = ks_cli.no_config ? ks_context_new_bare(ks_cli.program, &ctx, &msg)
                           : ks_context_new(ks_cli.program, &ctx, &msg);
    if (ret) {
        const char *cfg = getenv("KRB5_CONFIG");

        setup_error(ret, "reading the Kerberos configuration%s%s: %s",
                    cfg != NULL ? " " : "", cfg != NULL ? cfg : "",
                    msg != NULL ? msg : error_message(ret));
        free(msg);
        ks_trace_close(trace);
        return NULL;
    }
    ks_context_set_trace(ctx, trace);
    ctx->net = net;
    return ctx;
}

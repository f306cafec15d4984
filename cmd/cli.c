#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <com_err.h>

#include "creds/ccfile.h"
#include "cli.h"
#include "core/errors.h"
#include "core/json.h"
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
        printf("%s (kstep) %s\n", ks_cli.program, KS_VERSION);
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
ks_cli_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", ks_cli.program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
report_json(krb5_error_code code, const char *msg)
{
    const char *hint = ks_error_hint(code);

    printf("{\"error\":{\"code\":%ld,\"name\":", (long)code);
    ks_json_string(stdout, ks_error_name(code));
    fputs(",\"message\":", stdout);
    ks_json_string(stdout, msg);
    fputs(",\"hint\":", stdout);
    if (hint != NULL)
        ks_json_string(stdout, hint);
    else
        fputs("null", stdout);
    fputs("}}\n", stdout);
    fflush(stdout);
}

void
ks_cli_report(struct ks_context *ctx, krb5_error_code code)
{
    const char *msg;

    if (ctx == NULL) {
        ks_cli_error("%s", error_message(code));
        if (ks_cli.json)
            report_json(code, error_message(code));
        return;
    }
    msg = ks_context_message(ctx, code);
    ks_cli_error("%s", msg);
    if (ks_cli.json)
        report_json(code, msg);
    ks_context_free_message(ctx, msg);
}

/* A failure before the context exists: one line and, with --json, the
 * error document, like ks_cli_report(). */
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
    ks_cli_error("%s", msg);
    if (ks_cli.json)
        report_json(code, msg);
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
    ret = ks_ccfile_match(ctx, princ, cache_out);
    if (ret)
        ks_cli_report_mit(ctx, ret, "while %s %s", not_found_what, pname);
    krb5_free_principal(ctx->k5, princ);
    return ret;
}

/* The transport overrides of the command line, checked. */
/* A bad value of a common option is a usage error, as a bad option is. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void
bad_value(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_cli_usage_error(NULL, 0, msg);
}

/* Each --kdc value must be a KDC address as krb5.conf writes them. */
static void
check_kdcs(void)
{
    enum ks_transport_kind kind;
    char *host = NULL, *port = NULL;

    for (size_t i = 0; ks_cli.kdcs != NULL && ks_cli.kdcs[i] != NULL; i++) {
        if (ks_kdc_list_parse_entry(ks_cli.kdcs[i], &host, &port, &kind) != 0)
            bad_value("--kdc '%s' is not a KDC address (HOST[:PORT], "
                      "[IPV6]:PORT, optionally udp/ or tcp/ first)",
                      ks_cli.kdcs[i]);
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
            bad_value("unknown transport '%s' (use 'udp' or 'tcp')",
                      ks_cli.transport);
    }
    if (ks_cli.timeout < 0 || ks_cli.timeout > 3600)
        bad_value("--timeout takes seconds from 0 to 3600");
    net->timeout_ms = (int)(ks_cli.timeout * 1000);
    if (ks_cli.retries < 0 || ks_cli.retries > 100)
        bad_value("--retries takes a number from 1 to 8 (larger counts "
                  "as 8)");
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
    ret = ks_context_new(ks_cli.program, &ctx, &msg);
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

/* The terminal state to put back if the user interrupts the prompt. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void
restore_tty_and_die(int sig)
{
    if (tty_saved)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Read one line from FD straight into BUF with read(2): stdio would keep a
 * copy of the password in its buffer, which nobody zeroes.
 */
static krb5_error_code
read_line(int fd, char *buf, size_t buflen)
{
    size_t len = 0;
    ssize_t n;
    char c;

    for (;;) {
        n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (c == '\n') {
            buf[len] = '\0';
            return 0;
        }
        if (len + 1 >= buflen) {
            explicit_bzero(buf, buflen);
            return KRB5_LIBOS_CANTREADPWD;  /* longer than we can hold */
        }
        buf[len++] = c;
    }
    buf[len] = '\0';
    /* End of input: a last line without newline still counts. */
    return len > 0 ? 0 : KRB5_LIBOS_PWDINTR;
}

static krb5_error_code
read_from_terminal(const char *prompt, char *buf, size_t buflen)
{
    struct termios quiet;
    void (*old_int)(int), (*old_term)(int);
    bool tty = isatty(STDIN_FILENO);
    /* MIT prompts on stdout; with --json stdout holds only the document. */
    FILE *out = ks_cli.json ? stderr : stdout;
    krb5_error_code ret;

    fputs(prompt, out);
    fflush(out);
    if (tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        tty_saved = 1;
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        old_int = signal(SIGINT, restore_tty_and_die);
        old_term = signal(SIGTERM, restore_tty_and_die);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        ret = read_line(STDIN_FILENO, buf, buflen);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_saved = 0;
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
    } else {
        ret = read_line(STDIN_FILENO, buf, buflen);
    }
    fputc('\n', out);
    fflush(out);
    return ret;
}

static krb5_error_code
read_from_file(const char *path, char *buf, size_t buflen)
{
    struct stat st;
    int fd;
    krb5_error_code ret;

    if (strcmp(path, "-") == 0)
        return read_line(STDIN_FILENO, buf, buflen);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ks_cli_error("cannot read password file %s: %s", path,
                     strerror(errno));
        return KRB5_LIBOS_CANTREADPWD;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
        ks_cli_error("warning: password file %s is readable by others "
                     "(chmod 600 it)", path);
    ret = read_line(fd, buf, buflen);
    close(fd);
    if (ret == KRB5_LIBOS_PWDINTR)
        ret = KRB5_LIBOS_CANTREADPWD;    /* an empty file */
    return ret;
}

krb5_error_code
ks_cli_read_password(void *data, const char *prompt, char *buf,
                     size_t buflen)
{
    const struct ks_password_source *src = data;

    if (src != NULL && src->file != NULL)
        return read_from_file(src->file, buf, buflen);
    return read_from_terminal(prompt, buf, buflen);
}

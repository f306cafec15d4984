/*
 * cli: what every program shares above common/: the popt table of common
 * options (--trace, --trace-format, --version, help), usage errors in one
 * style, the context with its trace sink, the one-line error report, and
 * password input.  Only cmd/ knows popt.
 */
#ifndef KS_CLI_H
#define KS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <popt.h>
#include <krb5.h>
#include "core/context.h"

/* Exit codes shared by the programs (MIT's where MIT has them). */
#define KS_EXIT_OK 0
#define KS_EXIT_FAILURE 1
#define KS_EXIT_USAGE 2

struct ks_cli {
    const char *program;        /* "kinit" */
    const char *summary;        /* one line for --help and --version */
    char *trace_dest;           /* --trace DEST, else KSTEP_TRACE */
    char *trace_format;         /* --trace-format text|json */
    int show_keys;              /* --show-keys (only where offered) */
    int usage_exit;             /* exit status of a usage error: MIT's
                                 * klist and kvno use 1, others 2 */
    int json;                   /* --json: one JSON document on stdout,
                                 * errors too (ks_cli_report) */
    /* Transport overrides, the same on every program. */
    char **kdcs;                /* --kdc HOST[:PORT], repeatable */
    char *transport;            /* --transport udp|tcp */
    double timeout;             /* --timeout SECONDS, total bound */
    int retries;                /* --retries N */
};

/* The global state popt's callback fills in; set ks_cli.program first. */
extern struct ks_cli ks_cli;

/*
 * The common table: include it in every program's table with
 *   { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
 *     "Common options:", NULL },
 * --version prints "PROGRAM (kstep) VERSION" and exits 0.
 */
extern struct poptOption ks_cli_common_options[];

/*
 * Create a popt context that never reads /etc/popt or ~/.popt.
 * Sets ks_cli.program and ks_cli.summary.
 */
poptContext ks_cli_popt(const char *program, const char *summary, int argc,
                        const char **argv, const struct poptOption *table,
                        const char *args_help);

/*
 * Report a popt error (RC < -1) or a usage mistake (MSG) as
 *   "PROGRAM: MSG\nTry 'PROGRAM --help' for more information."
 * on stderr and exit with ks_cli.usage_exit (KS_EXIT_USAGE unless the
 * program set MIT's own status).
 */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void ks_cli_usage_error(poptContext pc, int rc, const char *msg);

/*
 * Create the context and open the trace sink from --trace/--trace-format or
 * KSTEP_TRACE.  On failure prints one line (and, with ks_cli.json, the
 * error document as ks_cli_report() writes it) and returns NULL.
 */
struct ks_context *ks_cli_context(void);

/*
 * Print "PROGRAM: " + the context's message for CODE (which already holds
 * what was being done) on stderr.  CTX may be NULL.  With --json
 * (ks_cli.json) the error is also written to stdout as the document
 *   {"error":{"code":-1765328360,"name":"KDC_ERR_PREAUTH_FAILED",
 *             "message":"...","hint":"..." or null}}
 */
void ks_cli_report(struct ks_context *ctx, krb5_error_code code);

/*
 * Report CODE as MIT's com_err does, "PROGRAM: MESSAGE while WHAT...", for
 * the programs whose messages mirror MIT's word for word; with --json also
 * the error document (ks_cli_report).
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void ks_cli_report_mit(struct ks_context *ctx, krb5_error_code code,
                       const char *fmt, ...);

/*
 * -p PRINCIPAL of kdestroy and kswitch: the collection's cache whose
 * default principal PNAME is, into *cache_out.  A failure is reported as
 * MIT's tool words it: "while parsing principal name PNAME", or
 * "while NOT_FOUND_WHAT PNAME" ("while finding cache for").
 */
krb5_error_code ks_cli_principal_cache(struct ks_context *ctx,
                                       const char *pname,
                                       const char *not_found_what,
                                       krb5_ccache *cache_out);

/* Print "PROGRAM: " + FMT... on stderr. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void ks_cli_error(const char *fmt, ...);

/* Where a password comes from. */
struct ks_password_source {
    const char *file;   /* --password-file: a path, or "-" for stdin */
};

/*
 * A ks_password_fn for common/as: reads from the terminal without echo
 * (the prompt on stdout, as MIT's kinit does, or on stderr with
 * ks_cli.json so that stdout holds only the JSON document), from stdin
 * when it is not a terminal, or from the file of the ks_password_source
 * given as DATA.
 * Strips one trailing newline.  Returns KRB5_LIBOS_PWDINTR on an interrupt
 * or end of input, KRB5_LIBOS_CANTREADPWD when the file cannot be read.
 */
krb5_error_code ks_cli_read_password(void *data, const char *prompt,
                                     char *buf, size_t buflen);

#endif /* KS_CLI_H */

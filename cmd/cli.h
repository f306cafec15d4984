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
#include <stdio.h>
#include <popt.h>
#include <krb5.h>
#include "core/context.h"
#include "core/emit.h"

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
    /* The program uses none of kstep's krb5.conf settings (klist):
     * ks_cli_context() does not read them. */
    bool no_config;
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

/* As ks_cli_usage_error with a message made from FMT... */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3), noreturn))
#endif
void ks_cli_usage_errorf(poptContext pc, const char *fmt, ...);

/*
 * The next option of PC, as poptGetNextOpt() returns it: its value (> 0)
 * for the options that have one, or -1 at the end.  A popt error is a
 * usage error (ks_cli_usage_error, which exits).
 */
int ks_cli_next_option(poptContext pc);

/* The program takes no operand: one left in PC is a usage error,
 * "unexpected argument 'ARG'". */
void ks_cli_no_operands(poptContext pc);

/*
 * MIT's klist and kdestroy take -5 (Kerberos 5, always) and refuse -4
 * with "Kerberos 4 is no longer supported" and exit status 3: put
 * KS_CLI_KRB4_OPTIONS in the table and call ks_cli_no_krb4() when
 * ks_cli_next_option() returns '4'.
 */
#define KS_CLI_EXIT_NO_KRB4 3
#define KS_CLI_KRB4_OPTIONS                                              \
    { NULL, '5', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, 0,       \
      "Kerberos 5 (always)", NULL },                                     \
    { NULL, '4', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, '4',     \
      "Kerberos 4 (no longer supported)", NULL }
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void ks_cli_no_krb4(poptContext pc);

/* The end of every program's table: the common options, --help and
 * --usage. */
#define KS_CLI_TABLE_END                                                 \
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,     \
      "Common options:", NULL },                                         \
    POPT_AUTOHELP                                                        \
    POPT_TABLEEND

/* "PROGRAM (kstep) VERSION" on stdout. */
void ks_cli_print_version(void);

/*
 * The end of a program that wrote to stdout: a listing cut short by a
 * full disk or a closed pipe is a failure ("PROGRAM: write error on
 * standard output: ..."; KS_EXIT_FAILURE), else STATUS is returned.
 */
int ks_cli_finish_output(int status);

/*
 * --json where a failure must replace what was written so far: the
 * document is built in memory through E, and ks_cli_doc_end() writes it
 * to stdout only when the run did not fail, else ks_cli_report()'s error
 * document, so that stdout holds exactly one document.
 */
struct ks_cli_doc {
    struct ks_emit *e;
    FILE *mem;
    char *buf;
    size_t len;
};

/* Open DOC; ENOMEM on failure (DOC holds nothing to end). */
krb5_error_code ks_cli_doc_begin(struct ks_cli_doc *doc);

/*
 * Finish DOC and write it, or, when ERR is not 0 (or the document could
 * not be finished), report ERR with ERRMSG (the library's message when
 * NULL) as ks_cli_report() does.  The buffer is zeroed before it is freed
 * (it may hold keys).
 */
void ks_cli_doc_end(struct ks_context *ctx, struct ks_cli_doc *doc,
                    krb5_error_code err, const char *errmsg);

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

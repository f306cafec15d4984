/*
 * kstep: the eight steps of the Ticket-Granting Service exchange, each a
 * subcommand that can be run alone (by name or by step number), saved,
 * replayed, inspected with keys and traced (DESIGN.md).  This file holds
 * the dispatch, help and what the subcommands share; the steps live in
 * kstep_client.c (1, 6, 7, 8), kstep_kdc.c (2-5, kdc) and kstep_run.c
 * (run, decode).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/artefact.h"
#include "creds/ccache.h"
#include "creds/keytab.h"
#include "core/errors.h"
#include "kstep.h"
#include "ks_version.h"

#define SUMMARY "the eight steps of the Kerberos TGS exchange"

struct kstep_options kstep_opt;

struct poptOption kstep_common_options[] = {
    { "json", '\0', POPT_ARG_NONE, &kstep_opt.json, 0,
      "write the output as one JSON document", NULL },
    { "cache", 'c', POPT_ARG_STRING, &kstep_opt.ccache, 0,
      "the credentials cache (default: KRB5CCNAME)", "CCACHE" },
    { "show-keys", '\0', POPT_ARG_NONE, &ks_cli.show_keys, 0,
      "show key bytes in output and traces (default: enctype and "
      "fingerprint only)", NULL },
    POPT_TABLEEND
};

/* The running subcommand's popt context and name, for usage errors. */
static poptContext current_pc;
static char usage_name[64];

static const struct kstep_sub *const sub_tables[] = {
    kstep_client_subs, kstep_kdc_subs, kstep_misc_subs, kstep_doctor_subs,
};

/* Subcommands by step, then the others, in `kstep --help` order. */
static const struct kstep_sub *
find_sub(const char *name)
{
    for (size_t t = 0; t < sizeof(sub_tables) / sizeof(sub_tables[0]); t++) {
        for (const struct kstep_sub *s = sub_tables[t]; s->name; s++) {
            char num[4];

            snprintf(num, sizeof(num), "%d", s->step);
            if (strcmp(s->name, name) == 0 ||
                (s->step > 0 && strcmp(num, name) == 0))
                return s;
        }
    }
    return NULL;
}

static void
print_sub_line(FILE *out, const struct kstep_sub *s)
{
    char left[48];

    snprintf(left, sizeof(left), "%s %s", s->name, s->args);
    if (s->step > 0)
        fprintf(out, "  %d  %-28s %s\n", s->step, left, s->help);
    else
        fprintf(out, "     %-28s %s\n", left, s->help);
}

static void
print_main_help(FILE *out)
{
    fprintf(out, "Usage: kstep SUBCOMMAND [OPTION...] ARGS\n"
                 "   or: kstep STEP [OPTION...] ARGS\n"
                 "kstep: " SUMMARY ", one subcommand each.\n\n"
                 "Steps (by name or number):\n");
    for (int step = 1; step <= 8; step++) {
        char num[4];

        snprintf(num, sizeof(num), "%d", step);
        print_sub_line(out, find_sub(num));
    }
    fprintf(out, "\nOther subcommands:\n");
    print_sub_line(out, find_sub("run"));
    print_sub_line(out, find_sub("kdc"));
    print_sub_line(out, find_sub("decode"));
    print_sub_line(out, find_sub("doctor"));
    fprintf(out,
            "     %-28s %s\n\n"
            "Every subcommand takes --json, -c CCACHE, --show-keys,\n"
            "--trace DEST and --trace-format FORMAT.  Artefacts are DER\n"
            "messages as on the wire; '-' is stdin or stdout.\n"
            "Run 'kstep help SUBCOMMAND' or 'kstep SUBCOMMAND --help' for "
            "its options.\n",
            "help [SUBCOMMAND]", "show this help or a subcommand's");
}

/* The popt table of SUB: its own options, the kstep ones, the common. */
static void
build_table(const struct kstep_sub *sub, struct poptOption table[5])
{
    struct poptOption own = { NULL, '\0', POPT_ARG_INCLUDE_TABLE,
                              (void *)sub->options, 0, "Options:", NULL };
    struct poptOption kstep = { NULL, '\0', POPT_ARG_INCLUDE_TABLE,
                                kstep_common_options, 0,
                                "Options of every subcommand:", NULL };
    struct poptOption common = { NULL, '\0', POPT_ARG_INCLUDE_TABLE,
                                 ks_cli_common_options, 0,
                                 "Common options:", NULL };
    struct poptOption help[] = { POPT_AUTOHELP POPT_TABLEEND };
    int n = 0;

    if (sub->options != NULL)
        table[n++] = own;
    table[n++] = kstep;
    table[n++] = common;
    table[n++] = help[0];
    table[n] = help[1];
}

void
kstep_usage(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_cli.program = usage_name;
    ks_cli_usage_error(current_pc, 0, msg);
}

/* Parse SUB's options; returns its positional arguments. */
static const char **
parse_sub(const struct kstep_sub *sub, int argc, const char **argv,
          struct poptOption *table)
{
    static char args_help[64];
    const char **args;
    int rc, n = 0;

    snprintf(usage_name, sizeof(usage_name), "kstep %s", sub->name);
    snprintf(args_help, sizeof(args_help), "[OPTION...] %s", sub->args);
    build_table(sub, table);
    /* popt's "Usage:" line names argv[0]: make it "kstep SUB". */
    argv[0] = usage_name;
    current_pc = ks_cli_popt(usage_name, SUMMARY, argc, argv, table,
                             args_help);
    while ((rc = poptGetNextOpt(current_pc)) > 0)
        ;
    if (rc < -1)
        ks_cli_usage_error(current_pc, rc, NULL);
    args = poptGetArgs(current_pc);
    while (args != NULL && args[n] != NULL)
        n++;
    if (sub->nargs < 0 && n > 1)
        kstep_usage("unexpected argument '%s'", args[1]);
    if (sub->nargs >= 0 && n < sub->nargs)
        kstep_usage("missing %s", sub->args);
    if (sub->nargs >= 0 && n > sub->nargs)
        kstep_usage("unexpected argument '%s'", args[sub->nargs]);
    return args;
}

static void
free_options(void)
{
    free(kstep_opt.ccache);
    free(kstep_opt.output);
    free(kstep_opt.request);
    for (size_t i = 0; kstep_opt.keytabs && kstep_opt.keytabs[i]; i++)
        free(kstep_opt.keytabs[i]);
    free(kstep_opt.keytabs);
    free(kstep_opt.krbtgt_keytab);
    free(kstep_opt.service_keytab);
    free(kstep_opt.local_kdc);
    free(ks_cli.trace_dest);
    free(ks_cli.trace_format);
}

/* Does SUB write an artefact (and so may own stdout)? */
static bool
writes_artefact(const struct kstep_sub *sub)
{
    return strcmp(sub->name, "request") == 0 ||
           strcmp(sub->name, "send") == 0 || strcmp(sub->name, "kdc") == 0;
}

static int
env_open(struct kstep_env *env, const struct kstep_sub *sub)
{
    enum ks_emit_format fmt = kstep_opt.json ? KS_EMIT_JSON : KS_EMIT_TEXT;
    FILE *out = stdout;

    memset(env, 0, sizeof(*env));
    if (writes_artefact(sub) && kstep_output_is_stdout(kstep_output_path())) {
        /* stdout is for one thing: the DER or the JSON document. */
        if (kstep_opt.json)
            kstep_usage("--json writes the description on stdout: give "
                        "the DER message's file with -o FILE");
        env->emit_file = fopen("/dev/null", "we");
        if (env->emit_file == NULL)
            return KS_EXIT_FAILURE;
        out = env->emit_file;
    }
    ks_cli.program = "kstep";
    env->ctx = ks_cli_context();
    if (env->ctx == NULL)
        return KS_EXIT_FAILURE;
    if (ks_emit_new(out, fmt, ks_cli.show_keys != 0, &env->emit) != 0)
        return KS_EXIT_FAILURE;
    return KS_EXIT_OK;
}

static void
env_close(struct kstep_env *env)
{
    ks_emit_finish(env->emit);
    if (env->emit_file != NULL)
        fclose(env->emit_file);
    if (env->cc != NULL)
        krb5_cc_close(env->ctx->k5, env->cc);
    ks_context_free(env->ctx);
}

static int
run_sub(const struct kstep_sub *sub, int argc, const char **argv)
{
    struct poptOption table[5];
    struct kstep_env env;
    const char **args;
    int status;

    args = parse_sub(sub, argc, argv, table);
    /* Errors before the description exists (the configuration, --trace)
     * are written as ks_cli_report()'s JSON document. */
    ks_cli.json = kstep_opt.json;
    status = env_open(&env, sub);
    if (status == KS_EXIT_OK)
        status = sub->run(&env, args);
    if (env.ctx != NULL || env.emit != NULL)
        env_close(&env);
    poptFreeContext(current_pc);
    free_options();
    return status;
}

static int
help_command(int argc, const char **argv)
{
    const struct kstep_sub *sub;
    const char *help_argv[] = { NULL, "--help", NULL };

    if (argc < 2) {
        print_main_help(stdout);
        return KS_EXIT_OK;
    }
    sub = find_sub(argv[1]);
    if (sub == NULL) {
        fprintf(stderr, "kstep: unknown subcommand '%s'\n"
                        "Try 'kstep --help' for more information.\n",
                argv[1]);
        return KS_EXIT_USAGE;
    }
    help_argv[0] = sub->name;
    return run_sub(sub, 2, help_argv);
}

int
main(int argc, const char **argv)
{
    const struct kstep_sub *sub;
    const char *first = argc > 1 ? argv[1] : NULL;

    ks_cli.program = "kstep";
    /* Keep a step's output next to its trace lines when both go to one
     * pipe or file. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (first == NULL) {
        print_main_help(stderr);
        return KS_EXIT_USAGE;
    }
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 ||
        strcmp(first, "-?") == 0) {
        print_main_help(stdout);
        return KS_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0) {
        printf("kstep (kstep) %s\n", KS_VERSION);
        return KS_EXIT_OK;
    }
    if (strcmp(first, "help") == 0)
        return help_command(argc - 1, argv + 1);
    sub = find_sub(first);
    if (sub == NULL) {
        fprintf(stderr, "kstep: unknown %s '%s'\n"
                        "Try 'kstep --help' for more information.\n",
                first[0] == '-' ? "option" : "subcommand", first);
        return KS_EXIT_USAGE;
    }
    return run_sub(sub, argc - 1, argv + 1);
}

/* Shared helpers. */

/* The error ends the document whatever was open: one JSON document on
 * stdout however far the subcommand got (ks_cli_report() would start a
 * second one). */
void
kstep_report_check(struct kstep_env *env, krb5_error_code code,
                   const char *what)
{
    ks_cli_error("%s", what);
    if (env->emit != NULL && ks_emit_is_json(env->emit)) {
        ks_emit_unwind(env->emit);
        ks_emit_error(env->emit, "error", code, what);
    }
}

void
kstep_report(struct kstep_env *env, krb5_error_code code)
{
    const char *msg = ks_context_message(env->ctx, code);

    kstep_report_check(env, code, msg);
    ks_context_free_message(env->ctx, msg);
}

const char *
kstep_stage(int step)
{
    static const char *const stages[] = {
        "kstep",          "1/8 request",  "2/8 open-tgt",
        "3/8 check-authenticator",        "4/8 open-reply",
        "5/8 open-ticket", "6/8 send",    "7/8 decrypt",
        "8/8 store",
    };

    return step >= 1 && step <= 8 ? stages[step] : stages[0];
}

void
kstep_trace(struct kstep_env *env, int step, const char *event,
            const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (env->ctx->trace == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ks_trace(env->ctx->trace, kstep_stage(step), step, event, "%s", buf);
}

krb5_error_code
kstep_ccache(struct kstep_env *env, krb5_ccache *cc_out)
{
    krb5_error_code ret;

    if (env->cc == NULL) {
        ret = ks_ccache_resolve(env->ctx, kstep_opt.ccache, &env->cc);
        if (ret)
            return ret;
    }
    *cc_out = env->cc;
    return 0;
}

krb5_error_code
kstep_read(struct kstep_env *env, const char *path, krb5_data *data_out)
{
    return ks_artefact_read(env->ctx, path, data_out);
}

const char *
kstep_output_path(void)
{
    if (kstep_opt.output != NULL)
        return kstep_opt.output;
    if (isatty(STDOUT_FILENO))
        kstep_usage("the output is DER: give -o FILE (or -o - to write it "
                    "to the terminal anyway)");
    return "-";
}

bool
kstep_output_is_stdout(const char *path)
{
    return strcmp(path, "-") == 0;
}

krb5_error_code
kstep_keytab(struct kstep_env *env, const char *name, krb5_keytab *kt_out)
{
    return ks_keytab_open(env->ctx, name, false, kt_out);
}

krb5_error_code
kstep_merged_keytab(struct kstep_env *env, const char *const *names,
                    krb5_keytab *kt_out)
{
    return ks_keytab_merge(env->ctx, names, kt_out);
}

krb5_error_code
kstep_load_request(struct kstep_env *env, const char *path,
                   krb5_data *der_out, struct ks_tgs_request **req_out)
{
    krb5_data der = { KV5M_DATA, 0, NULL };
    krb5_ccache cc = NULL;
    krb5_error_code ret;

    ret = kstep_read(env, path, &der);
    if (!ret)
        ret = kstep_ccache(env, &cc);
    if (!ret) {
        ret = ks_tgs_load_request(env->ctx, cc, &der, req_out);
        if (ret)
            ks_error_prefix(env->ctx, ret, "reading %s with the cache's TGT",
                            path);
    }
    if (ret) {
        krb5_free_data_contents(env->ctx->k5, &der);
        return ret;
    }
    if (der_out != NULL)
        *der_out = der;
    else
        krb5_free_data_contents(env->ctx->k5, &der);
    return 0;
}

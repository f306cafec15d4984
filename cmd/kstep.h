/*
 * kstep: the eight steps of the TGS exchange as subcommands.  This header
 * is shared by cmd/kstep*.c only: the subcommand table, the options every
 * subcommand takes, and the step functions `kstep run` chains.
 */
#ifndef KSTEP_H
#define KSTEP_H

#include <stdbool.h>
#include <popt.h>
#include <krb5.h>

#include "cli.h"
#include "core/context.h"
#include "core/emit.h"
#include "exchange/tgs.h"
#include "wire/transport.h"

/* Every option of every subcommand; each subcommand's table points into
 * this one struct (popt fills it). */
struct kstep_options {
    int json;
    char *ccache;
    char *output;
    char *request;
    char **keytabs;             /* --keytab, repeatable where allowed */
    char *krbtgt_keytab;
    char *service_keytab;
    char *local_kdc;
    int der;
    int bare;                   /* request, run: no KDC options, no FAST */
};

extern struct kstep_options kstep_opt;

/* What a running subcommand has at hand. */
struct kstep_env {
    struct ks_context *ctx;
    struct ks_emit *emit;       /* the description on stdout */
    FILE *emit_file;            /* what emit writes to, when not stdout */
    krb5_ccache cc;             /* opened on first use */
};

struct kstep_sub {
    const char *name;
    int step;                   /* 1..8, 0 for run, kdc and decode */
    const char *help;           /* one line for `kstep --help` */
    const char *args;           /* "SERVICE" */
    int nargs;                  /* positional arguments required; -1:
                                 * none or one */
    const struct poptOption *options;
    int (*run)(struct kstep_env *env, const char *const *args);
};

/* The subcommands' own tables (kstep.c includes them in the common one). */
extern const struct kstep_sub kstep_client_subs[];   /* 1, 6, 7, 8 */
extern const struct kstep_sub kstep_kdc_subs[];      /* 2-5, kdc */
extern const struct kstep_sub kstep_misc_subs[];     /* run, decode */
extern const struct kstep_sub kstep_doctor_subs[];   /* doctor */

/* The options every subcommand takes: --json, -c, --show-keys. */
extern struct poptOption kstep_common_options[];

/* The usage line of the running subcommand, for usage errors. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
void kstep_usage(const char *fmt, ...);

/*
 * A failure of the running subcommand: one line "kstep: MESSAGE" on stderr
 * and, with --json, the error as the document's top-level "error" member
 * (after whatever was already described, which stays), so that stdout
 * holds exactly one JSON document however far the subcommand got.
 */
void kstep_report(struct kstep_env *env, krb5_error_code code);

/* A check the KDC would make failed: "kstep: WHAT" and, with --json, an
 * "error" member with CODE (the KDC's error for it) and WHAT. */
void kstep_report_check(struct kstep_env *env, krb5_error_code code,
                        const char *what);

/* The cache (-c or the default), opened once.  Reports failures. */
krb5_error_code kstep_ccache(struct kstep_env *env, krb5_ccache *cc_out);

/* Read an artefact (a file or "-"); the message names the file. */
krb5_error_code kstep_read(struct kstep_env *env, const char *path,
                           krb5_data *data_out);

/*
 * Where the artefact a subcommand makes goes: -o FILE, "-" for stdout, or,
 * with no -o, stdout when it is not a terminal (else a usage error).  When
 * it goes to stdout the description is not printed (it would mix with
 * the DER); kstep_env_open() is told so.
 */
const char *kstep_output_path(void);
bool kstep_output_is_stdout(const char *path);

/* Open a keytab by name; the message names it.  */
krb5_error_code kstep_keytab(struct kstep_env *env, const char *name,
                             krb5_keytab *kt_out);

/* A MEMORY keytab holding every key of NAMES (for the local KDC, which
 * wants the krbtgt and the service key in one). */
krb5_error_code kstep_merged_keytab(struct kstep_env *env,
                                    const char *const *names,
                                    krb5_keytab *kt_out);

/* Step 1 read back: the request of a REQ artefact with the cache's TGT. */
krb5_error_code kstep_load_request(struct kstep_env *env, const char *path,
                                   krb5_data *der_out,
                                   struct ks_tgs_request **req_out);

/* A trace line of kstep's own, tagged with its step. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void kstep_trace(struct kstep_env *env, int step, const char *event,
                 const char *fmt, ...);

/* "N/8 name" for step N. */
const char *kstep_stage(int step);

/*
 * The steps, each writing its block ("[N/8 name]") through env->emit.
 * They return 0 or a code with the context's message set; a check that
 * fails (steps 3, 5, 7) makes *failed true when FAILED is given.
 */
krb5_error_code kstep_do_request(struct kstep_env *env, const char *service,
                                 struct ks_tgs_request **req_out);
krb5_error_code kstep_do_open_tgt(struct kstep_env *env,
                                  const krb5_data *req, krb5_keytab kt,
                                  krb5_ticket **tgt_out);
krb5_error_code kstep_do_check_authenticator(
    struct kstep_env *env, const krb5_data *req,
    const krb5_keyblock *session_key, krb5_const_principal client,
    const char *key_from, bool *failed);
krb5_error_code kstep_do_open_reply(struct kstep_env *env,
                                    const krb5_data *reply,
                                    const struct ks_tgs_request *req,
                                    krb5_enc_kdc_rep_part **part_out);
/* The PAC of the opened TICKET as "pac": its server signature checked
 * with the key in KT that opened it, the KDC, ticket and full signatures
 * with a krbtgt key from KRBTGT_KT (may be NULL).  A ticket without a PAC
 * shows none. */
void kstep_emit_pac(struct kstep_env *env, krb5_keytab kt,
                    krb5_keytab krbtgt_kt, const krb5_ticket *ticket);

/* KRBTGT_KT (may be NULL) checks the PAC's KDC, ticket and full
 * signatures. */
krb5_error_code kstep_do_open_ticket(struct kstep_env *env,
                                     const krb5_data *reply, krb5_keytab kt,
                                     krb5_keytab krbtgt_kt,
                                     const krb5_enc_kdc_rep_part *part,
                                     bool *failed);
krb5_error_code kstep_do_send(struct kstep_env *env, const krb5_data *req,
                              krb5_data *reply_out,
                              struct ks_send_result *result_out);
void kstep_emit_send(struct kstep_env *env, const krb5_data *req,
                     const krb5_data *reply,
                     const struct ks_send_result *result);
krb5_error_code kstep_do_decrypt(struct kstep_env *env,
                                 const struct ks_tgs_request *req,
                                 const krb5_data *reply,
                                 krb5_creds **creds_out);
krb5_error_code kstep_do_store(struct kstep_env *env, krb5_ccache cc,
                               const krb5_creds *creds);

/* A KRB-ERROR reply: described under "krb-error" and turned into its code
 * with the explained message.  SERVICE names what was asked for. */
krb5_error_code kstep_explain_error(struct kstep_env *env,
                                    const krb5_data *reply,
                                    const char *service);

#endif /* KSTEP_H */

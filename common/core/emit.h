/*
 * emit: structured output, written once and rendered as indented text
 * ("name: value") or as one JSON document.  kstep's subcommands describe
 * messages through it, and --json on every program uses it.
 *
 *   ks_emit_begin_object(e, "ticket");
 *   ks_emit_principal(e, "server", k5, t->server);
 *   ks_emit_time(e, "endtime", t->enc_part2->times.endtime);
 *   ks_emit_end(e);
 *
 * Text: "ticket:\n  server: HTTP/web@R\n  endtime: 2026-11-24T15:44:05Z\n".
 * JSON: {"ticket":{"server":"HTTP/web@R","endtime":{"iso":"...","epoch":N}}}.
 * Keys appear as enctype and fingerprint unless show_keys.
 */
#ifndef KS_EMIT_H
#define KS_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <krb5.h>

enum ks_emit_format { KS_EMIT_TEXT, KS_EMIT_JSON };

struct ks_emit;

krb5_error_code ks_emit_new(FILE *out, enum ks_emit_format format,
                            bool show_keys, struct ks_emit **emit_out);

/* Close every open object and array and, for JSON, end the document with a
 * newline.  Frees E. */
void ks_emit_finish(struct ks_emit *e);

/* KEY is NULL inside an array. */
void ks_emit_begin_object(struct ks_emit *e, const char *key);
void ks_emit_begin_array(struct ks_emit *e, const char *key);
void ks_emit_end(struct ks_emit *e);

void ks_emit_string(struct ks_emit *e, const char *key, const char *value);
void ks_emit_data(struct ks_emit *e, const char *key, const krb5_data *d);
void ks_emit_int(struct ks_emit *e, const char *key, long long value);
void ks_emit_bool(struct ks_emit *e, const char *key, bool value);
void ks_emit_hex(struct ks_emit *e, const char *key, const void *bytes,
                 size_t len);
void ks_emit_time(struct ks_emit *e, const char *key, krb5_timestamp t);
void ks_emit_principal(struct ks_emit *e, const char *key, krb5_context k5,
                       krb5_const_principal p);
void ks_emit_enctype(struct ks_emit *e, const char *key, krb5_enctype et);
void ks_emit_key(struct ks_emit *e, const char *key, krb5_context k5,
                 const krb5_keyblock *kb);
void ks_emit_ticket_flags(struct ks_emit *e, const char *key,
                          krb5_flags flags);
void ks_emit_kdc_options(struct ks_emit *e, const char *key,
                         krb5_flags options);

/*
 * Additions for kstep's step output.
 */

/* The format and key policy E was made with. */
bool ks_emit_is_json(const struct ks_emit *e);
bool ks_emit_shows_keys(const struct ks_emit *e);

/* A string of LEN bytes (not NUL-terminated); bytes outside printable
 * ASCII are written as \xNN in both formats, as for every string. */
void ks_emit_string_len(struct ks_emit *e, const char *key, const char *value,
                        size_t len);

/* A number with three decimals ("0.812"). */
void ks_emit_double(struct ks_emit *e, const char *key, double value);

/* JSON null; text "(none)". */
void ks_emit_null(struct ks_emit *e, const char *key);

/* A number with its name: text "7 (KDC_ERR_S_PRINCIPAL_UNKNOWN)"; JSON
 * "key":7 and, when NAME is not NULL, "key-name":"...". */
void ks_emit_named_int(struct ks_emit *e, const char *key, long long value,
                       const char *name);

/*
 * A step of the exchange, closed with ks_emit_end().  Text: a header line
 * "[3/8 check-authenticator]" (or "[NAME]" for STEP 0) with the step's
 * fields indented under it.  JSON: "step":3,"name":"..." joined to the
 * enclosing object, or a new object inside ks_emit_begin_steps().
 */
void ks_emit_begin_step(struct ks_emit *e, int step, const char *name);

/* A list of steps, closed with ks_emit_end(): JSON array KEY; text adds
 * nothing (the step headers say it). */
void ks_emit_begin_steps(struct ks_emit *e, const char *key);

/*
 * A verdict: text "LABEL: YES" or "LABEL: NO", with " (DETAIL)" when
 * DETAIL is not NULL; JSON "KEY":true|false (DETAIL is for people: emit
 * what it says as fields of its own when machines need it).
 * ks_emit_check() is the same with "yes"/"no".
 */
void ks_emit_verdict(struct ks_emit *e, const char *key, const char *label,
                     bool ok, const char *yes, const char *no,
                     const char *detail);
void ks_emit_check(struct ks_emit *e, const char *key, const char *label,
                   bool ok, const char *detail);

/* A sentence: text on a line of its own; JSON "KEY":"TEXT". */
void ks_emit_note(struct ks_emit *e, const char *key, const char *text);

/*
 * Additions for --json on kinit, kvno and kstep's errors.
 */

/* An enctype with its number: JSON {"name":"aes256-cts-hmac-sha1-96",
 * "number":18}; text "aes256-cts-hmac-sha1-96 (18)". */
void ks_emit_enctype_named(struct ks_emit *e, const char *key,
                           krb5_enctype et);

/* Close every open object and array but the document itself, so that what
 * follows is a member of the top level (an error after partial output). */
void ks_emit_unwind(struct ks_emit *e);

/*
 * An error, shaped as ks_cli_report()'s document: JSON
 *   "KEY":{"code":N,"name":"KDC_ERR_...","message":MESSAGE,
 *          "hint":"..." or null}
 * (name and hint from errors.h); text the same fields indented under
 * "KEY:".
 */
void ks_emit_error(struct ks_emit *e, const char *key, krb5_error_code code,
                   const char *message);

/*
 * The whole error document of a program that failed, on OUT:
 *   {"error":{"code":N,"name":"KDC_ERR_...","message":MESSAGE,
 *             "hint":"..." or null}}
 * and a newline, flushed.  The fields are ks_emit_error's; MESSAGE keeps
 * its bytes (UTF-8 stays UTF-8, control characters are escaped) where
 * ks_emit_error cleans them as every member.
 */
void ks_emit_error_document(FILE *out, krb5_error_code code,
                            const char *message);

/*
 * A credential's times as kinit(1) and klist(1) document them under JSON
 * OUTPUT: an object KEY of "auth", "start" (the auth time when there is
 * no start time), "end" and "renew_until" (null when not renewable).
 */
void ks_emit_ticket_times(struct ks_emit *e, const char *key,
                          const krb5_ticket_times *t);

#endif /* KS_EMIT_H */

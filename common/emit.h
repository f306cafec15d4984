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

#endif /* KS_EMIT_H */

/*
 * trace: the trace sink.  A trace line names the program and the stage it
 * belongs to; for the eight steps of the TGS exchange the stage is
 * "N/8 name" (DESIGN.md):
 *
 *     kinit: [AS send] 201 bytes over UDP to 127.0.0.1:8800 ... 650 bytes back in 0.8 ms
 *     kvno: [6/8 send] 611 bytes over UDP to 127.0.0.1:8800 ... 642 bytes back in 0.8 ms
 *
 * In JSON format each line is one object:
 *     {"time":"2026-11-24T15:44:05.123Z","program":"kinit","stage":"AS send",
 *      "step":0,"event":"sent","message":"201 bytes over UDP ..."}
 * ("step" is 1..8 for the TGS steps, 0 otherwise).
 *
 * Keys are shown through ks_trace_key(): enctype and a 4-hex-digit
 * fingerprint (first two bytes of SHA-1 of the key, as MIT's trace does),
 * never their bytes, unless show_keys was set.  A NULL sink drops everything,
 * so callers never test for it.
 */
#ifndef KS_TRACE_H
#define KS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>

enum ks_trace_format { KS_TRACE_TEXT, KS_TRACE_JSON };

struct ks_trace;

/*
 * Open a sink writing to DEST: "-" is stderr, anything else a file opened
 * for appending with mode 0600.  Returns 0 or errno (with no message set:
 * the caller says which file).
 */
krb5_error_code ks_trace_open(const char *dest, enum ks_trace_format format,
                              const char *program, bool show_keys,
                              struct ks_trace **trace_out);

void ks_trace_close(struct ks_trace *trace);

bool ks_trace_enabled(const struct ks_trace *trace);
bool ks_trace_show_keys(const struct ks_trace *trace);

/*
 * Emit one line.  STAGE is the bracketed tag ("AS send", "6/8 send"), STEP
 * its TGS step number or 0, EVENT a stable identifier for JSON consumers.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void ks_trace(struct ks_trace *trace, const char *stage, int step,
              const char *event, const char *fmt, ...);

/*
 * Describe KEY for a trace line into BUF: "aes256-cts-hmac-sha1-96 key 3f9a"
 * or, with show_keys, the key's hex bytes after the fingerprint.
 * Returns BUF.
 */
const char *ks_trace_key(const struct ks_trace *trace, krb5_context kctx,
                         const krb5_keyblock *key, char *buf, size_t len);

/* Fingerprint of KEY: 4 lowercase hex digits, into buf[5]. */
void ks_key_fingerprint(krb5_context kctx, const krb5_keyblock *key,
                        char buf[5]);

#endif /* KS_TRACE_H */

/*
 * errors: KRB-ERROR replies and local failures turned into one clear
 * message with a hint.  Messages live in the krb5_context's error slot and
 * grow at each level (krb5_prepend_error_message), so a program prints one
 * line: "kinit: getting initial credentials for alice@R: Password incorrect".
 */
#ifndef KS_ERRORS_H
#define KS_ERRORS_H

#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

/* Longest e-text kept from a KDC's error, after sanitising. */
#define KS_ETEXT_MAX 200

/*
 * The com_err code for a protocol error number from a KRB-ERROR.  Numbers
 * outside 0..127 are not trusted for table look-ups: they map to
 * KRB5KRB_ERR_GENERIC (the caller says "unknown error code N").
 */
krb5_error_code ks_error_code_from_protocol(krb5_int32 protocol_error);

/*
 * Copy LEN bytes of untrusted text into OUT (size OUTLEN, always
 * NUL-terminated): printable ASCII kept, everything else (escapes, CR, NUL,
 * bytes >= 0x7f) written as \xNN, cut at KS_ETEXT_MAX with "...".
 */
void ks_error_sanitize(const char *in, size_t len, char *out, size_t outlen);

/*
 * Turn a decoded KRB-ERROR into a code and set its message in the context:
 * the library's message for the code, the KDC's e-text (sanitised) when it
 * adds something, and a hint (ks_error_hint_for; e-data in MS-KILE's form
 * marks the KDC as Active Directory).  SERVICE, if not NULL, names what
 * was asked for.  Returns the code.
 */
krb5_error_code ks_error_from_reply(struct ks_context *ctx,
                                    const krb5_error *err,
                                    const char *service);

/* RFC 4120's name of a protocol error number ("KDC_ERR_PREAUTH_FAILED"),
 * or NULL when it has none. */
const char *ks_error_protocol_name(krb5_int32 protocol_error);

/*
 * A stable name for CODE, for scripts: the protocol name of a KRB-ERROR
 * code, the com_err name of common local failures ("KRB5_KDC_UNREACH"),
 * else "UNKNOWN".
 */
const char *ks_error_name(krb5_error_code code);

/* A short hint for CODE ("is the service principal registered?"), or NULL. */
const char *ks_error_hint(krb5_error_code code);

/* ks_error_hint in CTX's words: Active Directory's attributes
 * (msDS-SupportedEncryptionTypes, msDS-KeyVersionNumber) once CTX saw AD
 * (ctx->kdc_is_ad).  CTX may be NULL. */
const char *ks_error_hint_for(const struct ks_context *ctx,
                              krb5_error_code code);

/*
 * Set the message for CODE to FMT... followed by ": " and the library's
 * message for CODE, replacing what was there.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
krb5_error_code ks_error_set(struct ks_context *ctx, krb5_error_code code,
                             const char *fmt, ...);

/* Append " (HINT)" to the message held for CODE when ks_error_hint has
 * one.  Returns CODE. */
krb5_error_code ks_error_add_hint(struct ks_context *ctx,
                                  krb5_error_code code);

/* Prepend "FMT...: " to the message already held for CODE. Returns CODE. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
krb5_error_code ks_error_prefix(struct ks_context *ctx, krb5_error_code code,
                                const char *fmt, ...);

#endif /* KS_ERRORS_H */

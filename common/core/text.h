/*
 * text: the few values every trace line and message writes, in one format:
 * principals, KerberosTimes (RFC 3339 UTC, or the user's locale as MIT's
 * klist writes them) and enctype names.  Each writes
 * into the caller's buffer and returns it, so calls nest in a printf.
 */
#ifndef KS_TEXT_H
#define KS_TEXT_H

#include <stddef.h>
#include <krb5.h>

/* "alice@TEST.REALM"; "(none)" for NULL, "(unprintable)" on failure. */
const char *ks_text_principal(krb5_context k5, krb5_const_principal princ,
                              char *buf, size_t len);

/* "2026-11-25T01:57:04Z", the timestamp taken as unsigned (y2038). */
const char *ks_text_iso(krb5_timestamp t, char *buf, size_t len);

/* As ks_text_iso, but "(none)" for 0. */
const char *ks_text_time(krb5_timestamp t, char *buf, size_t len);

/* "2026-11-25 01:57:04 UTC", for messages people read; the timestamp
 * taken as unsigned. */
const char *ks_text_when(krb5_timestamp t, char *buf, size_t len);

/*
 * Times as MIT's klist prints them, in the user's locale (LC_TIME):
 * ks_text_local_width() is the width of one printed at NOW (the short
 * form when it fits in 19 characters, else the long one), and
 * ks_text_local() writes T in that width, padded with spaces, into BUF
 * (at least WIDTH + 1 bytes; "" when it cannot be written).
 */
unsigned int ks_text_local_width(krb5_timestamp now);
const char *ks_text_local(krb5_timestamp t, unsigned int width, char *buf,
                          size_t len);

/* "aes256-cts-hmac-sha1-96"; "enctype N" for one libkrb5 does not name. */
const char *ks_text_enctype(krb5_enctype et, char *buf, size_t len);

/* The 0-terminated LIST as "name,name,...", cut to fit. */
const char *ks_text_enctypes(const krb5_enctype *list, char *buf,
                             size_t len);

#endif /* KS_TEXT_H */

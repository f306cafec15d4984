/*
 * json: the small JSON writer that trace lines and --json output share.
 */
#ifndef KS_JSON_H
#define KS_JSON_H

#include <stdio.h>

/* Write S as a JSON string, quotes included; bytes < 0x20, '"', '\\' and
 * 0x7f are escaped, other bytes pass through (UTF-8 stays UTF-8). */
void ks_json_string(FILE *out, const char *s);

/* Write LEN bytes of S as a JSON string. */
void ks_json_string_len(FILE *out, const char *s, size_t len);

#endif /* KS_JSON_H */

/*
 * report: failures in MIT's com_err form, so that scripts that grep MIT's
 * tools' first error line keep working:
 *   "PROGRAM: WORDS while DOING" + what kstep's message adds
 * WORDS is MIT's message for the code (ks_report_mit_words), DOING MIT's
 * context phrase.  kstep's detail and hint follow on the same line.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>

#include "core/context.h"

/* MIT's message for CODE when a request for NAME (a principal) in REALM
 * failed: its extended text for an unknown client or server and an
 * unreachable realm, else the com_err text.  Into BUF. */
void ks_report_mit_words(krb5_error_code code, const char *client,
                         const char *server, const char *realm, char *buf,
                         size_t len);

/*
 * Set CODE's message to MIT's line "WORDS PHRASE..." (PHRASE is MIT's:
 * "while getting credentials for %s", "when parsing name %s") followed by
 * what OURS (NULL: the context's message for CODE) adds to WORDS: its rest
 * when it starts with WORDS, else "; OURS".  ks_cli_report() then prints
 * it as "PROGRAM: ..." (and puts it in the --json error document).
 */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void ks_report_mit_set(struct ks_context *ctx, krb5_error_code code,
                       const char *words, const char *ours,
                       const char *phrase, ...);

#endif /* KS_REPORT_H */

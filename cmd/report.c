#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <com_err.h>

#include "report.h"

void
ks_report_mit_words(krb5_error_code code, const char *client,
                    const char *server, const char *realm, char *buf,
                    size_t len)
{
    if (code == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN && client != NULL)
        snprintf(buf, len, "Client '%s' not found in Kerberos database",
                 client);
    else if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN && server != NULL)
        snprintf(buf, len, "Server %s not found in Kerberos database",
                 server);
    else if (code == KRB5_KDC_UNREACH && realm != NULL)
        snprintf(buf, len, "Cannot contact any KDC for realm '%s'", realm);
    else
        snprintf(buf, len, "%s", error_message(code));
}

static void
set_message(struct ks_context *ctx, krb5_error_code code, const char *words,
            const char *ours, const char *phrase, va_list ap)
{
    const char *held = NULL, *rest = "", *sep = "";
    char what[1024];
    size_t n = strlen(words);

    vsnprintf(what, sizeof(what), phrase, ap);
    if (ours == NULL)
        ours = held = ks_context_message(ctx, code);
    if (strncmp(ours, words, n) == 0) {
        rest = ours + n;
    } else {
        sep = "; ";
        rest = ours;
    }
    krb5_set_error_message(ctx->k5, code, "%s %s%s%s", words, what, sep,
                           rest);
    if (held != NULL)
        ks_context_free_message(ctx, held);
}

void
ks_report_mit_set(struct ks_context *ctx, krb5_error_code code,
                  const char *words, const char *ours, const char *phrase,
                  ...)
{
    va_list ap;

    va_start(ap, phrase);
    set_message(ctx, code, words, ours, phrase, ap);
    va_end(ap);
}

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "errors.h"

/* KRB_ERR_GENERIC, the protocol number. */
#define KS_PROTOCOL_ERR_GENERIC 60

/* Protocol error numbers a KDC may send (RFC 4120 7.5.9; MIT's KDC maps
 * anything above to KRB_ERR_GENERIC before sending). */
#define KS_PROTOCOL_ERROR_MAX 127

krb5_error_code
ks_error_code_from_protocol(krb5_int32 protocol_error)
{
    if (protocol_error < 0 || protocol_error > KS_PROTOCOL_ERROR_MAX)
        return KRB5KRB_ERR_GENERIC;
    return ERROR_TABLE_BASE_krb5 + (krb5_error_code)protocol_error;
}

void
ks_error_sanitize(const char *in, size_t len, char *out, size_t outlen)
{
    size_t o = 0, kept = 0;

    if (outlen == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        char esc[5];
        size_t need;

        /* KDCs often NUL-terminate e-text: a final NUL is not content. */
        if (c == '\0' && i == len - 1)
            break;
        if (kept >= KS_ETEXT_MAX) {
            if (o + 4 <= outlen)
                memcpy(out + o, "...", 3), o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f) {
            esc[0] = (char)c;
            need = 1;
        } else {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            need = 4;
        }
        if (o + need + 1 > outlen)
            break;
        memcpy(out + o, esc, need);
        o += need;
        kept++;
    }
    out[o] = '\0';
}

const char *
ks_error_hint(krb5_error_code code)
{
    switch (code) {
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return "check the principal's spelling and realm";
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return "is the service principal registered?";
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        return "check the password or the keytab's key version";
    case KRB5KRB_AP_ERR_SKEW:
    case KRB5KRB_AP_ERR_TKT_NYV:
        return "compare this machine's clock with the KDC's";
    case KRB5KDC_ERR_ETYPE_NOSUPP:
        return "compare default_tkt_enctypes with the KDC's supported_enctypes";
    case KRB5KDC_ERR_KEY_EXP:
        return "the password has expired: change it with kpasswd";
    case KRB5KDC_ERR_CLIENT_REVOKED:
        return "the account is locked or disabled";
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return "run kinit again";
    case KRB5_KDC_UNREACH:
        return "is the KDC running, and does krb5.conf name it right?";
    case KRB5_REALM_UNKNOWN:
        return "add the realm's kdc to [realms] in krb5.conf";
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
        return "run kinit first";
    default:
        return NULL;
    }
}

static krb5_error_code
vset(struct ks_context *ctx, krb5_error_code code, const char *fmt,
     va_list ap)
{
    char buf[1024];

    vsnprintf(buf, sizeof(buf), fmt, ap);
    krb5_set_error_message(ctx->k5, code, "%s: %s", buf, error_message(code));
    return code;
}

krb5_error_code
ks_error_set(struct ks_context *ctx, krb5_error_code code, const char *fmt,
             ...)
{
    va_list ap;

    va_start(ap, fmt);
    vset(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

krb5_error_code
ks_error_prefix(struct ks_context *ctx, krb5_error_code code, const char *fmt,
                ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    krb5_prepend_error_message(ctx->k5, code, "%s", buf);
    return code;
}

/* The principal an error names, as text, into BUF; "" if none. */
static void
error_principal(struct ks_context *ctx, krb5_principal p, char *buf,
                size_t len)
{
    char *name = NULL;

    buf[0] = '\0';
    if (p == NULL || krb5_unparse_name(ctx->k5, p, &name) != 0)
        return;
    ks_error_sanitize(name, strlen(name), buf, len);
    krb5_free_unparsed_name(ctx->k5, name);
}

/* True for an all-capitals word such as MIT's "NEEDED_PREAUTH". */
static bool
is_status_word(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return false;
    }
    return true;
}

krb5_error_code
ks_error_from_reply(struct ks_context *ctx, const krb5_error *err,
                    const char *service)
{
    krb5_error_code code = ks_error_code_from_protocol(err->error);
    char base[512], etext[KS_ETEXT_MAX * 4 + 8], who[256];
    const char *hint;
    char msg[1024];
    size_t used;

    if (code == KRB5KRB_ERR_GENERIC && err->error != KS_PROTOCOL_ERR_GENERIC)
        snprintf(base, sizeof(base), "KDC returned unknown error code %ld",
                 (long)err->error);
    else if (code == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN && err->client != NULL) {
        error_principal(ctx, err->client, who, sizeof(who));
        snprintf(base, sizeof(base),
                 "Client '%s' not found in Kerberos database", who);
    } else if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN &&
               (service != NULL || err->server != NULL)) {
        if (service == NULL)
            error_principal(ctx, err->server, who, sizeof(who));
        snprintf(base, sizeof(base),
                 "Server '%s' not found in Kerberos database",
                 service != NULL ? service : who);
    } else
        snprintf(base, sizeof(base), "%s", error_message(code));

    used = (size_t)snprintf(msg, sizeof(msg), "%s", base);
    ks_error_sanitize(err->text.data, err->text.length, etext,
                      sizeof(etext));
    /* MIT's KDC sends its internal status word ("CLIENT_NOT_FOUND") or the
     * code's own text as e-text: neither adds anything. */
    if (etext[0] != '\0' && strstr(base, etext) == NULL &&
        !is_status_word(etext) && used < sizeof(msg))
        used += (size_t)snprintf(msg + used, sizeof(msg) - used,
                                 " (KDC said: %s)", etext);
    hint = ks_error_hint(code);
    if (hint != NULL && used < sizeof(msg))
        snprintf(msg + used, sizeof(msg) - used, " (%s)", hint);
    krb5_set_error_message(ctx->k5, code, "%s", msg);
    return code;
}

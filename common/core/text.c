#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/text.h"

const char *
ks_text_principal(krb5_context k5, krb5_const_principal princ, char *buf,
                  size_t len)
{
    char *s = NULL;

    if (princ == NULL || krb5_unparse_name(k5, princ, &s) != 0) {
        snprintf(buf, len, "%s", princ == NULL ? "(none)" : "(unprintable)");
        return buf;
    }
    snprintf(buf, len, "%s", s);
    krb5_free_unparsed_name(k5, s);
    return buf;
}

const char *
ks_text_time(krb5_timestamp t, char *buf, size_t len)
{
    time_t secs = (time_t)(uint32_t)t;
    struct tm tm;

    if (t == 0)
        snprintf(buf, len, "(none)");
    else if (gmtime_r(&secs, &tm) == NULL ||
             strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "%lu", (unsigned long)(uint32_t)t);
    return buf;
}

const char *
ks_text_when(krb5_timestamp t, char *buf, size_t len)
{
    time_t secs = (time_t)(uint32_t)t;
    struct tm tm;

    if (gmtime_r(&secs, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, len, "%lu", (unsigned long)(uint32_t)t);
    return buf;
}

const char *
ks_text_enctype(krb5_enctype et, char *buf, size_t len)
{
    if (krb5_enctype_to_name(et, FALSE, buf, len) != 0)
        snprintf(buf, len, "enctype %d", (int)et);
    return buf;
}

const char *
ks_text_enctypes(const krb5_enctype *list, char *buf, size_t len)
{
    size_t used = 0;
    char name[64];

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; list != NULL && list[i] != 0 && used < len; i++) {
        ks_text_enctype(list[i], name, sizeof(name));
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i > 0 ? "," : "", name);
    }
    return buf;
}

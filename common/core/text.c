#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

/* T (unsigned: y2038) in UTC, as RFC 3339 (ISO) or for people; the
 * number of seconds when it cannot be written. */
static const char *
utc_format(krb5_timestamp t, bool iso, char *buf, size_t len)
{
    time_t secs = (time_t)(uint32_t)t;
    struct tm tm;
    size_t n = 0;

    if (gmtime_r(&secs, &tm) != NULL)
        n = iso ? strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)
                : strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
    if (n == 0)
        snprintf(buf, len, "%lu", (unsigned long)(uint32_t)t);
    return buf;
}

/*
 * utc_format, remembered by value: a listing writes the same few times
 * again and again (ten thousand tickets from one kvno run share about
 * seven), and gmtime_r and strftime cost ~2,000 instructions each time.
 * The programs are single-threaded.
 */
#define UTC_SLOTS 8
static struct {
    bool set, iso;
    krb5_timestamp t;
    char text[32];
} utc_written[UTC_SLOTS];

static const char *
utc(krb5_timestamp t, bool iso, char *buf, size_t len)
{
    unsigned int slot = ((uint32_t)t * 2u + iso) % UTC_SLOTS;
    size_t n;

    if (!utc_written[slot].set || utc_written[slot].t != t ||
        utc_written[slot].iso != iso) {
        utc_format(t, iso, utc_written[slot].text,
                   sizeof(utc_written[slot].text));
        utc_written[slot].t = t;
        utc_written[slot].iso = iso;
        utc_written[slot].set = true;
    }
    n = strlen(utc_written[slot].text);
    /* A buffer too short: what utc_format does with it. */
    if (n >= len || n + 1 >= sizeof(utc_written[slot].text))
        return utc_format(t, iso, buf, len);
    memcpy(buf, utc_written[slot].text, n + 1);
    return buf;
}

const char *
ks_text_iso(krb5_timestamp t, char *buf, size_t len)
{
    return utc(t, true, buf, len);
}

const char *
ks_text_time(krb5_timestamp t, char *buf, size_t len)
{
    if (t == 0) {
        snprintf(buf, len, "(none)");
        return buf;
    }
    return ks_text_iso(t, buf, len);
}

const char *
ks_text_when(krb5_timestamp t, char *buf, size_t len)
{
    return utc(t, false, buf, len);
}

unsigned int
ks_text_local_width(krb5_timestamp now)
{
    char tmp[BUFSIZ];

    /* MIT's klist: the short form if it fits in 20 bytes, else the long. */
    if (krb5_timestamp_to_sfstring(now, tmp, 20, NULL) == 0 ||
        krb5_timestamp_to_sfstring(now, tmp, sizeof(tmp), NULL) == 0)
        return (unsigned int)strlen(tmp);
    return 15;
}

const char *
ks_text_local(krb5_timestamp t, unsigned int width, char *buf, size_t len)
{
    char fill = ' ';

    if (len == 0)
        return buf;
    if (width + 1 > len ||
        krb5_timestamp_to_sfstring(t, buf, width + 1, &fill) != 0)
        buf[0] = '\0';
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

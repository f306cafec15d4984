#include "core/duration.h"

bool
ks_duration_parse(const char *text, krb5_deltat *out)
{
    krb5_deltat d = 0;

    /* Negative durations are MIT's too: -l -1h asks for a ticket that
     * ends before it starts, and the KDC issues one. */
    if (krb5_string_to_deltat((char *)text, &d) != 0 || d == 0)
        return false;
    *out = d;
    return true;
}

bool
ks_duration_parse_start(const char *text, krb5_timestamp now,
                        krb5_deltat *out)
{
    krb5_timestamp abs = 0;

    if (ks_duration_parse(text, out))
        return true;
    if (krb5_string_to_timestamp((char *)text, &abs) != 0 || abs == 0)
        return false;
    /* As MIT's ts_delta: the difference of two 32-bit times. */
    *out = (krb5_deltat)((unsigned long)abs - (unsigned long)now);
    return true;
}

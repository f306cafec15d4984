#include <stdio.h>
#include <string.h>

#include "flags.h"

struct flag {
    krb5_flags bit;
    char letter;        /* MIT klist's letter, or '\0' */
    const char *name;   /* RFC 4120 */
};

/* In MIT klist's order of letters (H before A), then the letterless. */
static const struct flag flag_table[] = {
    { TKT_FLG_FORWARDABLE, 'F', "forwardable" },
    { TKT_FLG_FORWARDED, 'f', "forwarded" },
    { TKT_FLG_PROXIABLE, 'P', "proxiable" },
    { TKT_FLG_PROXY, 'p', "proxy" },
    { TKT_FLG_MAY_POSTDATE, 'D', "may-postdate" },
    { TKT_FLG_POSTDATED, 'd', "postdated" },
    { TKT_FLG_INVALID, 'i', "invalid" },
    { TKT_FLG_RENEWABLE, 'R', "renewable" },
    { TKT_FLG_INITIAL, 'I', "initial" },
    { TKT_FLG_HW_AUTH, 'H', "hw-authent" },
    { TKT_FLG_PRE_AUTH, 'A', "pre-authent" },
    { TKT_FLG_TRANSIT_POLICY_CHECKED, 'T', "transited-policy-checked" },
    { TKT_FLG_OK_AS_DELEGATE, 'O', "ok-as-delegate" },
    { TKT_FLG_ANONYMOUS, 'a', "anonymous" },
    { TKT_FLG_ENC_PA_REP, '\0', "enc-pa-rep" },
};

#define FLAG_COUNT (sizeof(flag_table) / sizeof(flag_table[0]))

const char *
ks_flags_letters(krb5_flags flags, char *buf, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return buf;
    for (size_t i = 0; i < FLAG_COUNT && n + 1 < len; i++) {
        if (flag_table[i].letter != '\0' && (flags & flag_table[i].bit))
            buf[n++] = flag_table[i].letter;
    }
    buf[n] = '\0';
    return buf;
}

const char *
ks_flag_name(krb5_flags bit)
{
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        if (flag_table[i].bit == bit)
            return flag_table[i].name;
    }
    return NULL;
}

/* Append STR to BUF (holding *USED bytes of LEN), cutting at the end. */
static void
append(char *buf, size_t len, size_t *used, const char *str)
{
    size_t n = strlen(str);

    if (*used + 1 >= len)
        return;
    if (n > len - 1 - *used)
        n = len - 1 - *used;
    memcpy(buf + *used, str, n);
    *used += n;
    buf[*used] = '\0';
}

const char *
ks_flags_names(krb5_flags flags, const char *sep, char *buf, size_t len)
{
    /* Bits from the most significant down: RFC 4120's order. */
    unsigned long bits = (unsigned long)(unsigned int)flags;
    size_t used = 0;
    char hex[16];

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (int b = 31; b >= 0; b--) {
        unsigned long bit = 1UL << b;
        const char *name;

        if (!(bits & bit))
            continue;
        name = ks_flag_name((krb5_flags)(unsigned int)bit);
        if (name == NULL) {
            snprintf(hex, sizeof(hex), "0x%08lx", bit);
            name = hex;
        }
        if (used > 0)
            append(buf, len, &used, sep);
        append(buf, len, &used, name);
    }
    return buf;
}

#include <stdio.h>
#include <string.h>

#include "core/flags.h"

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

/* The name of BIT in TABLE of N entries, or NULL. */
static const char *
lookup(const struct flag *table, size_t n, krb5_flags bit)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].bit == bit)
            return table[i].name;
    }
    return NULL;
}

const char *
ks_flag_name(krb5_flags bit)
{
    return lookup(flag_table, FLAG_COUNT, bit);
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

/* RFC 4120 5.4.1 KDCOptions (with RFC 6806's canonicalize, MS-SFU's
 * cname-in-addl-tkt and RFC 8062's request-anonymous); no letters. */
static const struct flag kdc_options[] = {
    { KDC_OPT_FORWARDABLE, '\0', "forwardable" },
    { KDC_OPT_FORWARDED, '\0', "forwarded" },
    { KDC_OPT_PROXIABLE, '\0', "proxiable" },
    { KDC_OPT_PROXY, '\0', "proxy" },
    { KDC_OPT_ALLOW_POSTDATE, '\0', "allow-postdate" },
    { KDC_OPT_POSTDATED, '\0', "postdated" },
    { KDC_OPT_RENEWABLE, '\0', "renewable" },
    { KDC_OPT_CNAME_IN_ADDL_TKT, '\0', "cname-in-addl-tkt" },
    { KDC_OPT_CANONICALIZE, '\0', "canonicalize" },
    { KDC_OPT_REQUEST_ANONYMOUS, '\0', "request-anonymous" },
    { KDC_OPT_DISABLE_TRANSITED_CHECK, '\0', "disable-transited-check" },
    { KDC_OPT_RENEWABLE_OK, '\0', "renewable-ok" },
    { KDC_OPT_ENC_TKT_IN_SKEY, '\0', "enc-tkt-in-skey" },
    { KDC_OPT_RENEW, '\0', "renew" },
    { KDC_OPT_VALIDATE, '\0', "validate" },
};

const char *
ks_kdc_option_name(krb5_flags bit)
{
    return lookup(kdc_options, sizeof(kdc_options) / sizeof(kdc_options[0]),
                  bit);
}

static const char *
bits_names(krb5_flags flags, const char *(*name_of)(krb5_flags),
           const char *sep, char *buf, size_t len)
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
        name = name_of((krb5_flags)(unsigned int)bit);
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

const char *
ks_flags_names(krb5_flags flags, const char *sep, char *buf, size_t len)
{
    return bits_names(flags, ks_flag_name, sep, buf, len);
}

const char *
ks_kdc_options_names(krb5_flags options, const char *sep, char *buf,
                     size_t len)
{
    return bits_names(options, ks_kdc_option_name, sep, buf, len);
}

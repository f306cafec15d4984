#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <com_err.h>

#include "core/errors.h"

/* KRB_ERR_GENERIC, the protocol number. */
#define KS_PROTOCOL_ERR_GENERIC 60

/* Protocol error numbers a KDC may send (RFC 4120 7.5.9; MIT's KDC maps
 * anything above to KRB_ERR_GENERIC before sending). */
#define KS_PROTOCOL_ERROR_MAX 127

/* RFC 4120 7.5.9 and RFC 6113 (90-93). */
static const char *const protocol_names[] = {
    [0] = "KDC_ERR_NONE",
    [1] = "KDC_ERR_NAME_EXP",
    [2] = "KDC_ERR_SERVICE_EXP",
    [3] = "KDC_ERR_BAD_PVNO",
    [4] = "KDC_ERR_C_OLD_MAST_KVNO",
    [5] = "KDC_ERR_S_OLD_MAST_KVNO",
    [6] = "KDC_ERR_C_PRINCIPAL_UNKNOWN",
    [7] = "KDC_ERR_S_PRINCIPAL_UNKNOWN",
    [8] = "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
    [9] = "KDC_ERR_NULL_KEY",
    [10] = "KDC_ERR_CANNOT_POSTDATE",
    [11] = "KDC_ERR_NEVER_VALID",
    [12] = "KDC_ERR_POLICY",
    [13] = "KDC_ERR_BADOPTION",
    [14] = "KDC_ERR_ETYPE_NOSUPP",
    [15] = "KDC_ERR_SUMTYPE_NOSUPP",
    [16] = "KDC_ERR_PADATA_TYPE_NOSUPP",
    [17] = "KDC_ERR_TRTYPE_NOSUPP",
    [18] = "KDC_ERR_CLIENT_REVOKED",
    [19] = "KDC_ERR_SERVICE_REVOKED",
    [20] = "KDC_ERR_TGT_REVOKED",
    [21] = "KDC_ERR_CLIENT_NOTYET",
    [22] = "KDC_ERR_SERVICE_NOTYET",
    [23] = "KDC_ERR_KEY_EXPIRED",
    [24] = "KDC_ERR_PREAUTH_FAILED",
    [25] = "KDC_ERR_PREAUTH_REQUIRED",
    [26] = "KDC_ERR_SERVER_NOMATCH",
    [27] = "KDC_ERR_MUST_USE_USER2USER",
    [28] = "KDC_ERR_PATH_NOT_ACCEPTED",
    [29] = "KDC_ERR_SVC_UNAVAILABLE",
    [31] = "KRB_AP_ERR_BAD_INTEGRITY",
    [32] = "KRB_AP_ERR_TKT_EXPIRED",
    [33] = "KRB_AP_ERR_TKT_NYV",
    [34] = "KRB_AP_ERR_REPEAT",
    [35] = "KRB_AP_ERR_NOT_US",
    [36] = "KRB_AP_ERR_BADMATCH",
    [37] = "KRB_AP_ERR_SKEW",
    [38] = "KRB_AP_ERR_BADADDR",
    [39] = "KRB_AP_ERR_BADVERSION",
    [40] = "KRB_AP_ERR_MSG_TYPE",
    [41] = "KRB_AP_ERR_MODIFIED",
    [42] = "KRB_AP_ERR_BADORDER",
    [44] = "KRB_AP_ERR_BADKEYVER",
    [45] = "KRB_AP_ERR_NOKEY",
    [46] = "KRB_AP_ERR_MUT_FAIL",
    [47] = "KRB_AP_ERR_BADDIRECTION",
    [48] = "KRB_AP_ERR_METHOD",
    [49] = "KRB_AP_ERR_BADSEQ",
    [50] = "KRB_AP_ERR_INAPP_CKSUM",
    [51] = "KRB_AP_PATH_NOT_ACCEPTED",
    [52] = "KRB_ERR_RESPONSE_TOO_BIG",
    [60] = "KRB_ERR_GENERIC",
    [61] = "KRB_ERR_FIELD_TOOLONG",
    [62] = "KDC_ERR_CLIENT_NOT_TRUSTED",
    [63] = "KDC_ERR_KDC_NOT_TRUSTED",
    [64] = "KDC_ERR_INVALID_SIG",
    [65] = "KDC_ERR_KEY_TOO_WEAK",
    [66] = "KDC_ERR_CERTIFICATE_MISMATCH",
    [67] = "KRB_AP_ERR_NO_TGT",
    [68] = "KDC_ERR_WRONG_REALM",
    [69] = "KRB_AP_ERR_USER_TO_USER_REQUIRED",
    [70] = "KDC_ERR_CANT_VERIFY_CERTIFICATE",
    [71] = "KDC_ERR_INVALID_CERTIFICATE",
    [72] = "KDC_ERR_REVOKED_CERTIFICATE",
    [73] = "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
    [74] = "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
    [75] = "KDC_ERR_CLIENT_NAME_MISMATCH",
    [76] = "KDC_ERR_KDC_NAME_MISMATCH",
    [90] = "KDC_ERR_PREAUTH_EXPIRED",
    [91] = "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
    [92] = "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET",
    [93] = "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *
ks_error_protocol_name(krb5_int32 protocol_error)
{
    if (protocol_error < 0 || (size_t)protocol_error >= COUNT(protocol_names))
        return NULL;
    return protocol_names[protocol_error];
}

/* Local failures a script may want to tell apart, by their com_err names. */
static const struct {
    krb5_error_code code;
    const char *name;
} local_names[] = {
    { KRB5_KDC_UNREACH, "KRB5_KDC_UNREACH" },
    { KRB5_REALM_UNKNOWN, "KRB5_REALM_UNKNOWN" },
    { KRB5_REALM_CANT_RESOLVE, "KRB5_REALM_CANT_RESOLVE" },
    { KRB5_FCC_NOFILE, "KRB5_FCC_NOFILE" },
    { KRB5_FCC_PERM, "KRB5_FCC_PERM" },
    { KRB5_CC_NOTFOUND, "KRB5_CC_NOTFOUND" },
    { KRB5_CC_FORMAT, "KRB5_CC_FORMAT" },
    { KRB5_CC_IO, "KRB5_CC_IO" },
    { KRB5_CC_BADNAME, "KRB5_CC_BADNAME" },
    { KRB5_CC_UNKNOWN_TYPE, "KRB5_CC_UNKNOWN_TYPE" },
    { KRB5_KT_NOTFOUND, "KRB5_KT_NOTFOUND" },
    { KRB5_KT_NOWRITE, "KRB5_KT_NOWRITE" },
    { KRB5_KDCREP_MODIFIED, "KRB5_KDCREP_MODIFIED" },
    { KRB5_KDCREP_SKEW, "KRB5_KDCREP_SKEW" },
    { KRB5_CONFIG_ETYPE_NOSUPP, "KRB5_CONFIG_ETYPE_NOSUPP" },
    { KRB5_PROG_ETYPE_NOSUPP, "KRB5_PROG_ETYPE_NOSUPP" },
    { KRB5_LIBOS_PWDINTR, "KRB5_LIBOS_PWDINTR" },
    { KRB5_LIBOS_CANTREADPWD, "KRB5_LIBOS_CANTREADPWD" },
    { KRB5_PARSE_MALFORMED, "KRB5_PARSE_MALFORMED" },
    { KRB5_NO_TKT_SUPPLIED, "KRB5_NO_TKT_SUPPLIED" },
    { KRB5_GET_IN_TKT_LOOP, "KRB5_GET_IN_TKT_LOOP" },
    { KRB5_ERR_BAD_S2K_PARAMS, "KRB5_ERR_BAD_S2K_PARAMS" },
    { KRB5_BAD_MSIZE, "KRB5_BAD_MSIZE" },
    { KRB5_CONFIG_BADFORMAT, "KRB5_CONFIG_BADFORMAT" },
    { ENOMEM, "ENOMEM" },
    { ENOENT, "ENOENT" },
    { EACCES, "EACCES" },
    { EINVAL, "EINVAL" },
    { ETIMEDOUT, "ETIMEDOUT" },
};

const char *
ks_error_name(krb5_error_code code)
{
    const char *name;

    if (code >= ERROR_TABLE_BASE_krb5 &&
        code <= ERROR_TABLE_BASE_krb5 + KS_PROTOCOL_ERROR_MAX) {
        name = ks_error_protocol_name(code - ERROR_TABLE_BASE_krb5);
        if (name != NULL)
            return name;
    }
    for (size_t i = 0; i < COUNT(local_names); i++) {
        if (local_names[i].code == code)
            return local_names[i].name;
    }
    return "UNKNOWN";
}

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

/* A hint for every KRB-ERROR code that has a name, by number: what to
 * look at first.  Messages built where more is known (the addresses
 * tried, the measured offset, the referral realm) say the rest. */
static const char *const protocol_hints[] = {
    [1] = "the client's entry has expired in the KDC's database: ask its "
          "administrator to extend it",
    [2] = "the service's entry has expired in the KDC's database: ask its "
          "administrator to extend it",
    [3] = "the KDC speaks another protocol version: is that port a KDC?",
    [4] = "the client's key is under an old master key: the KDC's "
          "administrator must update it",
    [5] = "the service's key is under an old master key: the KDC's "
          "administrator must update it",
    [6] = "check the principal's spelling and realm",
    [7] = "is the service principal registered?",
    [8] = "the KDC's database holds the name twice: its administrator must "
          "remove one",
    [9] = "the principal has no key: set a password or a random key for it",
    [10] = "the KDC does not allow postdated tickets for this principal",
    [11] = "the requested start time is after the end time: check -s and -l",
    [12] = "the KDC's policy refuses the request: look at the principal's "
           "flags (kadmin getprinc) and the KDC's log",
    [13] = "the KDC cannot grant an option asked for (renewable, "
           "forwardable, ...): drop it or allow it on the principal",
    [14] = "compare default_tkt_enctypes with the KDC's supported_enctypes",
    [15] = "the KDC does not accept the checksum type used: check "
           "permitted_enctypes",
    [16] = "the KDC does not accept this pre-authentication type",
    [17] = "the KDC does not accept the transited encoding",
    [18] = "the account is locked or disabled",
    [19] = "the service is disabled in the KDC's database",
    [20] = "the ticket-granting ticket was revoked: run kinit again",
    [21] = "the client's account is not valid yet",
    [22] = "the service's account is not valid yet",
    [23] = "the password has expired: change it with kpasswd",
    [24] = "check the password or the keytab's key version",
    [25] = "pre-authentication is required: give a password or a keytab",
    [26] = "the ticket was not meant for this service: check the service "
           "name and the keytab",
    [27] = "the service accepts only user-to-user tickets: use kvno --u2u",
    [28] = "the KDC does not accept the cross-realm path: check [capaths]",
    [29] = "the KDC is not serving requests right now: try another KDC or "
           "later",
    [31] = "check the password or the keytab's key version",
    [32] = "run kinit again",
    [33] = "compare this machine's clock with the KDC's",
    [34] = "a replayed request was refused: retry it",
    [35] = "the ticket is for another service: check the service name",
    [36] = "the ticket and authenticator do not match: retry, and check "
           "the cache",
    [37] = "compare this machine's clock with the KDC's",
    [38] = "the ticket carries addresses that do not match: try noaddresses "
           "= true",
    [39] = "a protocol version mismatch: is that port a Kerberos service?",
    [40] = "an unexpected message type: is that port a KDC?",
    [41] = "the message was altered or the key is wrong: check the keytab",
    [42] = "messages arrived out of order: retry",
    [44] = "the service's key changed since the keytab was made: get a "
           "new keytab",
    [45] = "the service has no key for the ticket: check its keytab",
    [46] = "mutual authentication failed: the server may not be who it "
           "claims",
    [47] = "a message went the wrong direction: retry",
    [48] = "the service wants another authentication method",
    [49] = "a sequence number is wrong: retry",
    [50] = "an inappropriate checksum type: check permitted_enctypes",
    [51] = "the service does not accept the cross-realm path: check "
           "[capaths]",
    [52] = "the reply is too big for UDP: use --transport tcp or "
           "udp_preference_limit = 1",
    [60] = "the KDC failed for a reason of its own: read its e-text and log",
    [61] = "a field is too long for the KDC: shorten the names or options",
    [62] = "the KDC does not trust the client's certificate (PKINIT)",
    [63] = "the client does not trust the KDC's certificate (PKINIT)",
    [64] = "a PKINIT signature is invalid",
    [65] = "the KDC finds the key too weak: use a stronger enctype or group",
    [66] = "the certificate does not match the principal (PKINIT)",
    [67] = "the service wanted a TGT for user-to-user: run kinit first",
    [68] = "the KDC names another realm for this principal: try kinit -C "
           "(and -E for an enterprise name)",
    [69] = "the service requires user-to-user: use kvno --u2u",
    [70] = "the KDC cannot verify the certificate (PKINIT)",
    [71] = "the certificate is invalid (PKINIT)",
    [72] = "the certificate was revoked (PKINIT)",
    [73] = "the certificate's revocation status is unknown (PKINIT)",
    [74] = "the certificate's revocation status is unavailable (PKINIT)",
    [75] = "the certificate names another client (PKINIT)",
    [76] = "the certificate names another KDC (PKINIT)",
    [90] = "the pre-authentication took too long: retry",
    [91] = "the KDC wants more pre-authentication data: retry",
    [92] = "the pre-authentication set was refused: check the password "
           "or the armor",
    [93] = "the KDC does not know a critical FAST option: drop -T or the "
           "option",
};

/* Hints for local failures, by com_err code. */
static const struct {
    krb5_error_code code;
    const char *hint;
} local_hints[] = {
    { KRB5_KDC_UNREACH, "is the KDC running, and does krb5.conf name it "
                        "right?" },
    { KRB5_REALM_UNKNOWN, "add the realm's kdc to [realms] in krb5.conf" },
    { KRB5_REALM_CANT_RESOLVE, "add the realm's kdc to [realms] in "
                               "krb5.conf, or check DNS" },
    { KRB5_FCC_NOFILE, "run kinit first" },
    { KRB5_CC_NOTFOUND, "run kinit first" },
    { KRB5_FCC_PERM, "check the cache file's owner and mode, or choose "
                     "another with -c" },
    { KRB5_CC_FORMAT, "the cache is damaged or not a cache: kdestroy it "
                      "and run kinit again" },
    { KRB5_CC_IO, "the cache could not be read or written: check the disk "
                  "and its permissions" },
    { KRB5_CC_BADNAME, "write the cache name as TYPE:RESIDUAL, e.g. "
                       "FILE:/tmp/cc" },
    { KRB5_CC_UNKNOWN_TYPE, "use FILE, DIR, KEYRING, KCM or MEMORY" },
    { KRB5_KT_NOTFOUND, "the keytab has no key for that principal: list it "
                        "with klist -k" },
    { KRB5_KT_NOWRITE, "the keytab is read-only" },
    { KRB5_KT_KVNONOTFOUND, "the service's key changed since the keytab "
                            "was made: get a new keytab" },
    { KRB5_KDCREP_MODIFIED, "the reply does not match the request: a "
                            "broken or hostile KDC, or a key mismatch" },
    { KRB5_KDCREP_SKEW, "compare this machine's clock with the KDC's" },
    { KRB5_CONFIG_ETYPE_NOSUPP, "compare default_tkt_enctypes and "
                                "permitted_enctypes with the account's "
                                "keys (kstep doctor PRINCIPAL)" },
    { KRB5_PROG_ETYPE_NOSUPP, "this libkrb5 does not implement the enctype: "
                              "use another" },
    { KRB5_LIBOS_PWDINTR, "no password was given: type one, or use "
                          "--password-file or -k" },
    { KRB5_LIBOS_CANTREADPWD, "no terminal to read a password from: use "
                              "--password-file or -k" },
    { KRB5_PARSE_MALFORMED, "write the name as name@REALM or "
                            "service/host@REALM" },
    { KRB5_NO_TKT_SUPPLIED, "run kinit first" },
    { KRB5_GET_IN_TKT_LOOP, "the KDC keeps asking for more: read its "
                            "e-text and log" },
    { KRB5_ERR_BAD_S2K_PARAMS, "the KDC sent an unusual iteration count: "
                               "check its supported_enctypes" },
    { KRB5_BAD_MSIZE, "a key or message of the wrong size: check the "
                      "keytab" },
    { KRB5_CONFIG_BADFORMAT, "fix the krb5.conf line it names" },
    { ENOENT, "check the file's path" },
    { EACCES, "check the file's owner and mode" },
    { ETIMEDOUT, "the KDC did not answer in time: raise --timeout or check "
                 "the network" },
};

const char *
ks_error_hint(krb5_error_code code)
{
    krb5_error_code n = code - ERROR_TABLE_BASE_krb5;

    if (code >= ERROR_TABLE_BASE_krb5 && n < (krb5_error_code)COUNT(protocol_hints))
        return protocol_hints[n];
    for (size_t i = 0; i < COUNT(local_hints); i++) {
        if (local_hints[i].code == code)
            return local_hints[i].hint;
    }
    return NULL;
}

const char *
ks_error_hint_for(const struct ks_context *ctx, krb5_error_code code)
{
    if (ctx == NULL || !ctx->kdc_is_ad)
        return ks_error_hint(code);
    switch (code) {
    case KRB5KDC_ERR_ETYPE_NOSUPP:
        return "Active Directory: the account's msDS-SupportedEncryptionTypes "
               "allows none of the enctypes asked for (default_tgs_enctypes, "
               "-e)";
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5_KT_KVNONOTFOUND:
        return "Active Directory: the key version is the account's "
               "msDS-KeyVersionNumber; export the keytab again after a "
               "password change";
    default:
        return ks_error_hint(code);
    }
}

/*
 * Windows and Samba put MS-KILE's KERB-ERROR-DATA in e-data: a SEQUENCE
 * whose first element is [1] data-type INTEGER (MIT's KDC never does).  Or
 * METHOD-DATA whose PA-PW-SALT (3) holds a 12-byte NTSTATUS record.
 */
static bool
edata_is_ad(const krb5_data *e)
{
    const unsigned char *p = (const unsigned char *)e->data;

    if (e->length < 4 || p == NULL || p[0] != 0x30)
        return false;
    for (unsigned int i = 2; i + 3 < e->length && i < 8; i++) {
        if (p[i] == 0xa1 && p[i + 2] == 0x02)
            return true;
    }
    for (unsigned int i = 0; i + 8 < e->length; i++) {
        /* padata-type [1] INTEGER 3, padata-value [2] OCTET STRING 12 */
        if (p[i] == 0xa1 && p[i + 1] == 0x03 && p[i + 2] == 0x02 &&
            p[i + 3] == 0x01 && p[i + 4] == 0x03 && p[i + 5] == 0xa2 &&
            p[i + 6] == 0x0e && p[i + 7] == 0x04 && p[i + 8] == 0x0c)
            return true;
    }
    return false;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
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

krb5_error_code
ks_error_add_hint(struct ks_context *ctx, krb5_error_code code)
{
    const char *hint = ks_error_hint_for(ctx, code), *msg;

    if (hint == NULL)
        return code;
    msg = ks_context_message(ctx, code);
    krb5_set_error_message(ctx->k5, code, "%s (%s)", msg, hint);
    ks_context_free_message(ctx, msg);
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
    if (edata_is_ad(&err->e_data))
        ctx->kdc_is_ad = true;
    hint = ks_error_hint_for(ctx, code);
    if (hint != NULL && used < sizeof(msg))
        snprintf(msg + used, sizeof(msg) - used, " (%s)", hint);
    krb5_set_error_message(ctx->k5, code, "%s", msg);
    return code;
}

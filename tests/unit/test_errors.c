/* errors: protocol codes clamped, untrusted e-text made safe, messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"
#include "tap.h"

static void
test_codes(void)
{
    is_int(ks_error_code_from_protocol(24), KRB5KDC_ERR_PREAUTH_FAILED,
           "24 is PREAUTH_FAILED");
    is_int(ks_error_code_from_protocol(127), ERROR_TABLE_BASE_krb5 + 127,
           "127 is in range");
    is_int(ks_error_code_from_protocol(128), KRB5KRB_ERR_GENERIC,
           "128 is clamped to generic");
    is_int(ks_error_code_from_protocol(-5), KRB5KRB_ERR_GENERIC,
           "negative codes are clamped");
    is_int(ks_error_code_from_protocol(0x7fffffff), KRB5KRB_ERR_GENERIC,
           "huge codes are clamped");
}

static void
test_sanitize(void)
{
    char out[1024], big[5000];

    ks_error_sanitize("plain text", 10, out, sizeof(out));
    is_str(out, "plain text", "printable text unchanged");
    ks_error_sanitize("a\x1b[2Jb\r\n", 8, out, sizeof(out));
    is_str(out, "a\\x1b[2Jb\\x0d\\x0a", "escapes and CR/LF escaped");
    ks_error_sanitize("x\0y", 3, out, sizeof(out));
    is_str(out, "x\\x00y", "an inner NUL is shown");
    ks_error_sanitize("abc", 4, out, sizeof(out));
    is_str(out, "abc", "a trailing NUL is dropped");
    ks_error_sanitize("\xc3\xa9", 2, out, sizeof(out));
    is_str(out, "\\xc3\\xa9", "high bytes escaped");
    memset(big, 'A', sizeof(big));
    ks_error_sanitize(big, sizeof(big), out, sizeof(out));
    is_int(strlen(out), KS_ETEXT_MAX + 3, "long text cut with ...");
    ks_error_sanitize(big, sizeof(big), out, 10);
    is_int(strlen(out), 9, "never overflows a small buffer");
}

static void
test_from_reply(struct ks_context *ctx)
{
    krb5_error err;
    krb5_error_code code;
    const char *msg;
    char text[] = "evil\x1b[2J";

    memset(&err, 0, sizeof(err));
    err.error = 6;
    krb5_parse_name(ctx->k5, "nobody@EXAMPLE.ORG", &err.client);
    code = ks_error_from_reply(ctx, &err, NULL);
    is_int(code, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, "code 6");
    msg = ks_context_message(ctx, code);
    ok(strstr(msg, "Client 'nobody@EXAMPLE.ORG' not found") != NULL,
       "names the client: %s", msg);
    ok(strstr(msg, "check the principal") != NULL, "with a hint");
    ks_context_free_message(ctx, msg);
    krb5_free_principal(ctx->k5, err.client);
    err.client = NULL;

    err.error = 200;
    err.text.data = text;
    err.text.length = sizeof(text) - 1;
    code = ks_error_from_reply(ctx, &err, NULL);
    is_int(code, KRB5KRB_ERR_GENERIC, "out-of-range code");
    msg = ks_context_message(ctx, code);
    ok(strstr(msg, "unknown error code 200") != NULL, "says so: %s", msg);
    ok(strchr(msg, '\x1b') == NULL, "no raw escape reaches the message");
    ok(strstr(msg, "KDC said: evil\\x1b[2J") != NULL, "e-text escaped");
    ks_context_free_message(ctx, msg);

    code = ks_error_set(ctx, ENOENT, "opening %s", "/x");
    msg = ks_context_message(ctx, code);
    is_str(msg, "opening /x: No such file or directory", "ks_error_set");
    ks_context_free_message(ctx, msg);
    ks_error_prefix(ctx, code, "step %d", 2);
    msg = ks_context_message(ctx, code);
    is_str(msg, "step 2: opening /x: No such file or directory",
           "ks_error_prefix layers");
    ks_context_free_message(ctx, msg);
}

/* Every KRB-ERROR code that has a name, and every local failure with a
 * name a script may match, comes with a hint. */
static void
test_hints(void)
{
    static const krb5_error_code locals[] = {
        KRB5_KDC_UNREACH, KRB5_REALM_UNKNOWN, KRB5_REALM_CANT_RESOLVE,
        KRB5_FCC_NOFILE, KRB5_FCC_PERM, KRB5_CC_NOTFOUND, KRB5_CC_FORMAT,
        KRB5_CC_IO, KRB5_CC_BADNAME, KRB5_CC_UNKNOWN_TYPE, KRB5_KT_NOTFOUND,
        KRB5_KT_NOWRITE, KRB5_KDCREP_MODIFIED, KRB5_KDCREP_SKEW,
        KRB5_CONFIG_ETYPE_NOSUPP, KRB5_PROG_ETYPE_NOSUPP, KRB5_LIBOS_PWDINTR,
        KRB5_LIBOS_CANTREADPWD, KRB5_PARSE_MALFORMED, KRB5_NO_TKT_SUPPLIED,
        KRB5_GET_IN_TKT_LOOP, KRB5_ERR_BAD_S2K_PARAMS, KRB5_BAD_MSIZE,
        KRB5_CONFIG_BADFORMAT, ENOENT, EACCES, ETIMEDOUT,
    };
    int missing = 0, named = 0;

    for (krb5_int32 n = 1; n <= 127; n++) {
        if (ks_error_protocol_name(n) == NULL)
            continue;
        named++;
        if (ks_error_hint(ERROR_TABLE_BASE_krb5 + n) == NULL) {
            missing++;
            printf("# no hint for %s\n", ks_error_protocol_name(n));
        }
    }
    ok(named > 70 && missing == 0, "each of %d named KRB-ERROR codes has a "
       "hint", named);
    missing = 0;
    for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
        if (ks_error_hint(locals[i]) == NULL) {
            missing++;
            printf("# no hint for %s\n", ks_error_name(locals[i]));
        }
    }
    ok(missing == 0, "each named local failure has a hint");
    ok(ks_error_hint(ERROR_TABLE_BASE_krb5 + 30) == NULL,
       "a code with no name has no hint");
}

/* Hints speak AD once the context saw it: e-data in MS-KILE's form. */
static void
test_ad_hints(struct ks_context *ctx)
{
    /* KERB-ERROR-DATA { data-type [1] 3, data-value [2] NTSTATUS record } */
    static const unsigned char kerb_error_data[] = {
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        0xbb, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00
    };
    krb5_error err;
    krb5_error_code code;
    const char *msg;

    memset(&err, 0, sizeof(err));
    err.error = 14;
    code = ks_error_from_reply(ctx, &err, NULL);
    msg = ks_context_message(ctx, code);
    ok(strstr(msg, "default_tkt_enctypes") != NULL &&
       strstr(msg, "msDS-") == NULL, "MIT's words without AD: %s", msg);
    ks_context_free_message(ctx, msg);
    ok(!ctx->kdc_is_ad, "no AD seen yet");

    err.e_data.data = (char *)kerb_error_data;
    err.e_data.length = sizeof(kerb_error_data);
    code = ks_error_from_reply(ctx, &err, NULL);
    is_int(code, KRB5KDC_ERR_ETYPE_NOSUPP, "code 14");
    ok(ctx->kdc_is_ad, "MS-KILE e-data: the KDC is AD");
    msg = ks_context_message(ctx, code);
    ok(strstr(msg, "msDS-SupportedEncryptionTypes") != NULL,
       "ETYPE_NOSUPP names msDS-SupportedEncryptionTypes: %s", msg);
    ks_context_free_message(ctx, msg);
    ok(strstr(ks_error_hint_for(ctx, KRB5KRB_AP_ERR_BADKEYVER),
              "msDS-KeyVersionNumber") != NULL &&
       strstr(ks_error_hint_for(ctx, KRB5_KT_KVNONOTFOUND),
              "msDS-KeyVersionNumber") != NULL,
       "a key version mismatch names msDS-KeyVersionNumber");
    ok(strstr(ks_error_hint_for(NULL, KRB5KRB_AP_ERR_BADKEYVER),
              "msDS-") == NULL, "not without a context that saw AD");
    ctx->kdc_is_ad = false;
}

int
main(void)
{
    struct ks_context *ctx = NULL;

    test_codes();
    test_sanitize();
    test_hints();
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (ks_context_new("test", &ctx, NULL) == 0) {
        test_from_reply(ctx);
        test_ad_hints(ctx);
        ks_context_free(ctx);
    } else {
        ok(0, "context");
    }
    return tap_done();
}

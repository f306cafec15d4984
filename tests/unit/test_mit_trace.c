/* mit_trace: MIT's KRB5_TRACE line format and how each word renders. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/mit_trace.h"
#include "tap.h"

static char path[] = "/tmp/ks_test_mit_trace_XXXXXX";

static char *
slurp(void)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

/* The message of the last line written, without "[pid] sec.usec: ". */
static const char *
last_message(void)
{
    static char msg[4096];
    char *text = slurp(), *line = text, *nl, *colon;

    for (;;) {
        nl = strchr(line, '\n');
        if (nl == NULL || nl[1] == '\0')
            break;
        line = nl + 1;
    }
    if (nl != NULL)
        *nl = '\0';
    colon = strstr(line, ": ");
    snprintf(msg, sizeof(msg), "%s", colon != NULL ? colon + 2 : "");
    return msg;
}

static void
test_prefix(struct ks_context *ctx)
{
    krb5_principal p = NULL;
    char want[64];
    const char *text;

    krb5_parse_name(ctx->k5, "alice@TEST.REALM", &p);
    KS_MTRACE_INIT_CREDS(ctx, p);
    krb5_free_principal(ctx->k5, p);
    text = slurp();
    snprintf(want, sizeof(want), "[%d] ", (int)getpid());
    ok(strncmp(text, want, strlen(want)) == 0, "a line starts with [pid]");
    ok(strchr(text, '.') != NULL && strstr(text, ": ") != NULL,
       "then seconds.microseconds and a colon");
    is_str(last_message(), "Getting initial credentials for alice@TEST.REALM",
           "MIT's wording, {princ} unparsed");
}

static void
test_keys(struct ks_context *ctx)
{
    unsigned char bytes[32];
    krb5_keyblock key = { KV5M_KEYBLOCK, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                          sizeof(bytes), bytes };

    for (unsigned int i = 0; i < sizeof(bytes); i++)
        bytes[i] = (unsigned char)i;
    KS_MTRACE_INIT_CREDS_DECRYPTED_REPLY(ctx, &key);
    /* SHA-1 of 00 01 .. 1f starts ae5b. */
    is_str(last_message(), "Decrypted AS reply; session key is: "
           "aes256-cts/AE5B", "a key: shortest enctype name and fingerprint");
    ok(strstr(slurp(), "000102030405") == NULL, "never the key's bytes");
    KS_MTRACE_FAST_REPLY_KEY(ctx, NULL);
    is_str(last_message(), "FAST reply key: (null)", "no key");
}

static void
test_lists(struct ks_context *ctx)
{
    krb5_pa_data a = { KV5M_PA_DATA, KRB5_PADATA_FX_COOKIE, 0, NULL };
    krb5_pa_data b = { KV5M_PA_DATA, 999, 0, NULL };
    krb5_pa_data *list[] = { &a, &b, NULL };
    krb5_enctype etypes[] = { ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                              ENCTYPE_AES128_CTS_HMAC_SHA1_96, 0 };
    krb5_enctype none[] = { 0 };

    KS_MTRACE_PREAUTH_INPUT(ctx, list);
    is_str(last_message(), "Processing preauth types: PA-FX-COOKIE (133), 999",
           "{patypes}: name and number, or the number");
    KS_MTRACE_PREAUTH_OUTPUT(ctx, NULL);
    is_str(last_message(), "Produced preauth for next request: (empty)",
           "{patypes}: none");
    KS_MTRACE_SEND_TGS_ETYPES(ctx, etypes);
    is_str(last_message(), "etypes requested in TGS request: aes256-cts, "
           "aes128-cts", "{etypes}");
    KS_MTRACE_SEND_TGS_ETYPES(ctx, none);
    is_str(last_message(), "etypes requested in TGS request: (empty)",
           "{etypes}: none");
}

static void
test_data(struct ks_context *ctx)
{
    krb5_data salt = { KV5M_DATA, 5, (char *)"a\nb\"c" };
    krb5_data empty = { KV5M_DATA, 0, NULL };
    krb5_data plain = { KV5M_DATA, 3, (char *)"\x01\xab\xff" };

    KS_MTRACE_PREAUTH_ETYPE_INFO(ctx, ENCTYPE_AES128_CTS_HMAC_SHA1_96, &salt,
                                 &empty);
    is_str(last_message(), "Selected etype info: etype aes128-cts, salt "
           "\"a\\x0ab\"c\", params \"\"",
           "{data}: printable bytes, others as \\xNN: no forged lines");
    KS_MTRACE_PREAUTH_ENC_TS(ctx, 1700000000, 42, &plain, &plain);
    is_str(last_message(), "Encrypted timestamp (for 1700000000.42): plain "
           "01ABFF, encrypted 01ABFF", "{hexdata}, {long}, {int}");
    KS_MTRACE_PREAUTH_COOKIE(ctx, 3, "MIT");
    is_str(last_message(), "Received cookie: MIT", "{lenstr}");
}

static void
test_codes(struct ks_context *ctx)
{
    struct sockaddr_in sin;

    KS_MTRACE_TKT_CREDS_RESPONSE_CODE(ctx, 0);
    is_str(last_message(), "TGS request result: 0/Success", "{kerr} 0");
    KS_MTRACE_INIT_CREDS_ERROR_REPLY(ctx, KRB5KDC_ERR_PREAUTH_REQUIRED);
    is_str(last_message(), "Received error from KDC: -1765328359/"
           "Additional pre-authentication required", "{kerr}");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(88);
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    KS_MTRACE_SENDTO_KDC_UDP_SEND_INITIAL(ctx, (struct sockaddr *)&sin);
    is_str(last_message(), "Sending initial UDP request to dgram "
           "127.0.0.1:88", "{raddr} over UDP");
    KS_MTRACE_SENDTO_KDC_RESPONSE(ctx, 788, 1, (struct sockaddr *)&sin);
    is_str(last_message(), "Received answer (788 bytes) from stream "
           "127.0.0.1:88", "{raddr} over TCP");
    KS_MTRACE_SENDTO_KDC(ctx, 181, "TEST.REALM", false, true);
    is_str(last_message(), "Sending request (181 bytes) to TEST.REALM "
           "(tcp only)", "optional words");
}

int
main(void)
{
    struct ks_context *ctx = NULL, *off = NULL;
    int fd;

    setenv("KRB5_CONFIG", "/dev/null", 1);
    unsetenv("KRB5_TRACE");
    ok(ks_context_new("test", &off, NULL) == 0, "a context without "
       "KRB5_TRACE");
    ok(!ks_mit_trace_on(off), "traces nothing");
    KS_MTRACE_FAST_DECODE(off);
    ks_context_free(off);

    fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    setenv("KRB5_TRACE", path, 1);
    ok(ks_context_new("test", &ctx, NULL) == 0, "a context with KRB5_TRACE");
    ok(ks_mit_trace_on(ctx), "traces");
    if (ctx != NULL) {
        test_prefix(ctx);
        test_keys(ctx);
        test_lists(ctx);
        test_data(ctx);
        test_codes(ctx);
    }
    ks_context_free(ctx);
    unlink(path);
    return tap_done();
}

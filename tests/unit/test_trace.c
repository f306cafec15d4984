/* trace: text and JSON lines, key fingerprints, keys never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/trace.h"
#include "tap.h"

static char *
slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

static void
test_lines(const char *path)
{
    struct ks_trace *t = NULL;
    char *text;

    ok(ks_trace_open(path, KS_TRACE_TEXT, "kvno", false, &t) == 0,
       "open a text sink");
    ks_trace(t, "6/8 send", 6, "sent", "%d bytes over %s", 611, "UDP");
    ks_trace_close(t);
    is_str(slurp(path), "kvno: [6/8 send] 611 bytes over UDP\n",
           "a text line names program and stage");
    unlink(path);

    ok(ks_trace_open(path, KS_TRACE_JSON, "kinit", false, &t) == 0,
       "open a JSON sink");
    ks_trace(t, "AS send", 0, "sent", "quote \" and \\ and \x01");
    ks_trace_close(t);
    text = slurp(path);
    ok(strncmp(text, "{\"time\":\"", 9) == 0, "JSON line starts with time");
    ok(strstr(text, "\"program\":\"kinit\",\"stage\":\"AS send\",\"step\":0,"
                    "\"event\":\"sent\"") != NULL,
       "JSON fields");
    ok(strstr(text, "\"message\":\"quote \\\" and \\\\ and \\u0001\"}\n") !=
           NULL,
       "JSON string escaping");
    unlink(path);

    ks_trace(NULL, "x", 0, "y", "a NULL sink drops lines");
    ok(!ks_trace_enabled(NULL), "NULL sink is disabled");
    ok(ks_trace_open("/nonexistent/dir/trace", KS_TRACE_TEXT, "k", false,
                     &t) != 0,
       "an unwritable destination is an error");
}

static void
test_keys(void)
{
    krb5_context k5 = NULL;
    krb5_keyblock key = { 0 };
    unsigned char bytes[32];
    struct ks_trace *t = NULL;
    char buf[256], fp[5];

    krb5_init_context(&k5);
    memset(bytes, 0x42, sizeof(bytes));
    key.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    key.length = sizeof(bytes);
    key.contents = bytes;
    ks_key_fingerprint(k5, &key, fp);
    ok(strlen(fp) == 4 && strcmp(fp, "????") != 0, "fingerprint %s", fp);
    ks_trace_key(NULL, k5, &key, buf, sizeof(buf));
    {
        char want[64];

        snprintf(want, sizeof(want), "aes256-cts-hmac-sha1-96 key %s", fp);
        is_str(buf, want, "a key is its enctype and fingerprint");
    }
    ks_trace_open("-", KS_TRACE_TEXT, "k", true, &t);
    ks_trace_key(t, k5, &key, buf, sizeof(buf));
    ok(strstr(buf, "(4242424242") != NULL, "--show-keys shows the bytes");
    ks_trace_close(t);
    krb5_free_context(k5);
}

int
main(void)
{
    char path[] = "/tmp/ks-test-trace-XXXXXX";
    int fd = mkstemp(path);

    if (fd >= 0) {
        close(fd);
        unlink(path);
        test_lines(path);
    }
    test_keys();
    return tap_done();
}

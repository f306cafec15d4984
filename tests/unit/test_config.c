/* config: enctype lists and [libdefaults] values as MIT reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "tap.h"

static int
count(const krb5_enctype *list)
{
    int n = 0;

    while (list[n] != 0)
        n++;
    return n;
}

static void
test_enctype_lists(void)
{
    krb5_enctype *l = NULL;

    ks_config_parse_enctypes("DEFAULT", false, &l);
    is_int(l[0], ENCTYPE_AES256_CTS_HMAC_SHA1_96, "DEFAULT starts with aes256-sha1");
    ok(count(l) >= 6, "DEFAULT has MIT's list");
    free(l);

    ks_config_parse_enctypes("aes256-cts aes128-cts", false, &l);
    is_int(count(l), 2, "two names give two enctypes");
    is_int(l[1], ENCTYPE_AES128_CTS_HMAC_SHA1_96, "in the order given");
    free(l);

    ks_config_parse_enctypes("DEFAULT -des3 -rc4", false, &l);
    for (int i = 0; l[i] != 0; i++)
        ok(l[i] != ENCTYPE_DES3_CBC_SHA1 && l[i] != ENCTYPE_ARCFOUR_HMAC,
           "removed family absent (%d)", (int)l[i]);
    free(l);

    ks_config_parse_enctypes("des-cbc-crc aes128-cts", false, &l);
    is_int(count(l), 1, "weak des-cbc-crc dropped without allow_weak_crypto");
    free(l);

    ks_config_parse_enctypes("no-such-enctype, aes-sha2", false, &l);
    is_int(count(l), 2, "unknown names skipped, family expanded");
    is_int(l[0], ENCTYPE_AES256_CTS_HMAC_SHA384_192, "aes-sha2 order");
    free(l);

    ks_config_parse_enctypes("aes aes256-cts", false, &l);
    is_int(count(l), 4, "duplicates kept once");
    free(l);
}

static void
write_conf(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
}

static void
test_load(const char *dir)
{
    char path[512];
    struct ks_context *ctx = NULL;
    char *msg = NULL;
    char **kdcs = NULL;
    krb5_error_code ret;

    snprintf(path, sizeof(path), "%s/krb5.conf", dir);
    write_conf(path,
               "[libdefaults]\n default_realm = EXAMPLE.ORG\n"
               " ticket_lifetime = 2h\n clockskew = 60\n"
               " udp_preference_limit = 99999\n forwardable = true\n"
               " default_tkt_enctypes = aes128-cts aes256-cts\n"
               " permitted_enctypes = aes256-cts camellia\n"
               " request_timeout = 4\n"
               " EXAMPLE.ORG = {\n  forwardable = false\n }\n"
               "[realms]\n EXAMPLE.ORG = {\n  kdc = a.example.org\n"
               "  kdc = b.example.org:750\n }\n");
    setenv("KRB5_CONFIG", path, 1);
    ret = ks_context_new("test", &ctx, &msg);
    is_int(ret, 0, "context from a good krb5.conf");
    if (ret) {
        free(msg);
        return;
    }
    is_str(ctx->config.default_realm, "EXAMPLE.ORG", "default_realm");
    is_int(ctx->config.ticket_lifetime, 7200, "ticket_lifetime 2h");
    is_int(ctx->config.clockskew, 60, "clockskew");
    is_int(ctx->config.udp_preference_limit, KS_MAX_UDP_PREFERENCE_LIMIT,
           "udp_preference_limit capped at the hard limit");
    ok(ctx->config.forwardable, "forwardable");
    ok(!ctx->config.proxiable, "proxiable defaults to false");
    ok(ctx->config.noaddresses, "noaddresses defaults to true");
    is_int(ctx->config.request_timeout_ms, 4000, "request_timeout 4 s");
    is_int(count(ctx->config.tkt_enctypes), 2,
           "tkt enctypes as written, as MIT: permitted_enctypes cuts none");
    is_int(ctx->config.tkt_enctypes[0], ENCTYPE_AES128_CTS_HMAC_SHA1_96,
           "in the order written");
    ok(count(ctx->config.tgs_enctypes) == 3 &&
       ctx->config.tgs_enctypes[0] == ENCTYPE_AES256_CTS_HMAC_SHA1_96,
       "no default_tgs_enctypes: permitted_enctypes stands for it, as MIT");
    is_int(ctx->config.kdc_default_options, KDC_OPT_RENEWABLE_OK,
           "kdc_default_options defaults to renewable-ok");
    ret = ks_config_realm_values(ctx->k5, "EXAMPLE.ORG", "kdc", &kdcs);
    is_int(ret, 0, "realm kdc values");
    if (ret == 0) {
        is_str(kdcs[0], "a.example.org", "first kdc");
        is_str(kdcs[1], "b.example.org:750", "second kdc in file order");
        ok(kdcs[2] == NULL, "list ends");
        ks_config_free_list(kdcs);
    }
    {
        krb5_data ex = { KV5M_DATA, 11, (char *)"EXAMPLE.ORG" };
        krb5_data no = { KV5M_DATA, 11, (char *)"NOWHERE.ORG" };
        char *val = NULL;

        ok(ks_config_realm_libdefault(ctx->k5, &ex, "forwardable", &val) ==
               0 && val != NULL && strcmp(val, "false") == 0,
           "[libdefaults] EXAMPLE.ORG = { forwardable } is found");
        free(val);
        val = NULL;
        ok(ks_config_realm_libdefault(ctx->k5, &no, "forwardable", &val) ==
               0 && val == NULL,
           "a realm without a subsection has no value (the plain one holds)");
        ok(ks_config_parse_bool("Yes") && ks_config_parse_bool("1") &&
           !ks_config_parse_bool("false") && !ks_config_parse_bool("0"),
           "booleans as MIT's profile reads them");
    }
    ret = ks_config_realm_values(ctx->k5, "NOWHERE.ORG", "kdc", &kdcs);
    ok(ret == 0 && kdcs[0] == NULL, "an unknown realm has no kdc values");
    if (ret == 0)
        ks_config_free_list(kdcs);
    ks_context_free(ctx);

    write_conf(path, "[libdefaults\n default_realm = X\n");
    ctx = NULL;
    ret = ks_context_new("test", &ctx, &msg);
    ok(ret != 0, "a malformed krb5.conf fails the context");
    ok(msg != NULL && *msg != '\0', "with a message: %s", msg ? msg : "");
    free(msg);
    unlink(path);
}

int
main(void)
{
    char dir[] = "/tmp/ks-test-config-XXXXXX";

    test_enctype_lists();
    if (mkdtemp(dir) != NULL) {
        test_load(dir);
        rmdir(dir);
    }
    return tap_done();
}

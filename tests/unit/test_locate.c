/*
 * locate: parsing of krb5.conf kdc values, and ks_locate_kdcs over a
 * temporary krb5.conf (numeric addresses only: no DNS is needed).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/errors.h"
#include "wire/locate.h"
#include "tap.h"

static void
check_good(const char *entry, const char *host, const char *port,
           enum ks_transport_kind kind)
{
    char *h = NULL, *p = NULL;
    enum ks_transport_kind k = KS_TRANSPORT_ANY;
    krb5_error_code ret;

    ret = ks_kdc_list_parse_entry(entry, &h, &p, &k);
    is_int(ret, 0, "parse '%s'", entry);
    if (ret == 0) {
        is_str(h, host, "  host of '%s'", entry);
        is_str(p, port, "  port of '%s'", entry);
        is_int(k, kind, "  transport of '%s'", entry);
    }
    free(h);
    free(p);
}

static void
check_bad(const char *entry)
{
    char *h = (char *)"untouched", *p = (char *)"untouched";
    enum ks_transport_kind k = KS_TRANSPORT_UDP;
    krb5_error_code ret;

    ret = ks_kdc_list_parse_entry(entry, &h, &p, &k);
    is_int(ret, EINVAL, "reject '%s'", entry);
    ok(strcmp(h, "untouched") == 0 && strcmp(p, "untouched") == 0 &&
       k == KS_TRANSPORT_UDP, "  outputs untouched for '%s'", entry);
}

static void
test_parse(void)
{
    check_good("kdc.example.org", "kdc.example.org", "88", KS_TRANSPORT_ANY);
    check_good("kdc.example.org:750", "kdc.example.org", "750",
               KS_TRANSPORT_ANY);
    check_good("127.0.0.1:8800", "127.0.0.1", "8800", KS_TRANSPORT_ANY);
    check_good("[::1]:88", "::1", "88", KS_TRANSPORT_ANY);
    check_good("[fe80::1%eth0]:8800", "fe80::1%eth0", "8800",
               KS_TRANSPORT_ANY);
    check_good("[::1]", "::1", "88", KS_TRANSPORT_ANY);
    check_good("::1", "::1", "88", KS_TRANSPORT_ANY);
    check_good("2001:db8::10", "2001:db8::10", "88", KS_TRANSPORT_ANY);
    check_good("udp/kdc.example.org:1088", "kdc.example.org", "1088",
               KS_TRANSPORT_UDP);
    check_good("tcp/127.0.0.1", "127.0.0.1", "88", KS_TRANSPORT_TCP);
    check_good("tcp/[::1]:65535", "::1", "65535", KS_TRANSPORT_TCP);
    check_good("TCP/kdc", "kdc", "88", KS_TRANSPORT_TCP);

    check_bad("");
    check_bad("kdc.example.org:");
    check_bad(":88");
    check_bad("kdc:0");
    check_bad("kdc:65536");
    check_bad("kdc:123456");
    check_bad("kdc:8a");
    check_bad("kdc:-1");
    check_bad("[::1");
    check_bad("[::1]x");
    check_bad("[::1]:");
    check_bad("[]:88");
    check_bad("tcp/");
    check_bad("udp/tcp/kdc");
    check_bad("kdc example");
    check_bad(" kdc");
    check_bad("https://kdc.example.org/KdcProxy");
    check_bad("kdc\t:88");
    is_int(ks_kdc_list_parse_entry(NULL, NULL, NULL, NULL), EINVAL,
           "reject NULL");
}

static char tmpdir[64];
static char conf[128];

static void
write_conf(const char *text)
{
    FILE *f = fopen(conf, "w");

    if (f == NULL) {
        perror(conf);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    setenv("KRB5_CONFIG", conf, 1);
}

static struct ks_context *
new_ctx(void)
{
    struct ks_context *ctx = NULL;
    char *msg = NULL;
    krb5_error_code ret = ks_context_new("test_locate", &ctx, &msg);

    if (ret) {
        printf("# ks_context_new: %s\n", msg ? msg : "?");
        free(msg);
        exit(1);
    }
    return ctx;
}

static bool
message_has(struct ks_context *ctx, krb5_error_code code, const char *want)
{
    const char *msg = ks_context_message(ctx, code);
    bool found = strstr(msg, want) != NULL;

    if (!found)
        printf("#   message: %s\n", msg);
    ks_context_free_message(ctx, msg);
    return found;
}

static const char conf_text[] =
    "[libdefaults]\n"
    "    default_realm = FAKE.REALM\n"
    "    dns_lookup_kdc = false\n"
    "[realms]\n"
    "    FAKE.REALM = {\n"
    "        kdc = 127.0.0.1:8800\n"
    "        kdc = not a valid entry\n"
    "        kdc = tcp/127.0.0.1:8801\n"
    "        kdc = [::1]:8802\n"
    "        kdc = udp/127.0.0.2\n"
    "        kdc = 127.0.0.1:8800\n"
    "    }\n"
    "    BROKEN.REALM = {\n"
    "        kdc = [::1]:99999\n"
    "        kdc = https://proxy.example.org/KdcProxy\n"
    "    }\n"
    "    EMPTY.REALM = {\n"
    "        admin_server = 127.0.0.1\n"
    "    }\n";

static void
test_kdcs(void)
{
    struct ks_kdc_list list = { 0 }, none = { 0 };
    struct ks_context *ctx;
    krb5_error_code ret;

    write_conf(conf_text);
    ctx = new_ctx();
    ret = ks_locate_kdcs(ctx, "FAKE.REALM", &list);
    is_int(ret, 0, "locate FAKE.REALM");
    is_int(list.count, 4, "four addresses (bad entry skipped, dup merged)");
    if (list.count == 4) {
        is_str(list.addrs[0].name, "127.0.0.1:8800", "first in file order");
        is_int(list.addrs[0].transport, KS_TRANSPORT_ANY, "  any transport");
        is_str(list.addrs[1].name, "127.0.0.1:8801", "second");
        is_int(list.addrs[1].transport, KS_TRANSPORT_TCP, "  TCP only");
        is_str(list.addrs[2].name, "[::1]:8802", "IPv6 in brackets");
        is_int(list.addrs[2].addr.ss_family, AF_INET6, "  AF_INET6");
        is_str(list.addrs[3].name, "127.0.0.2:88", "default port");
        is_int(list.addrs[3].transport, KS_TRANSPORT_UDP, "  UDP only");
        ok(list.addrs[0].addrlen == sizeof(struct sockaddr_in),
           "addrlen of an IPv4 address");
    }
    ks_kdc_list_free(&list);
    ok(list.addrs == NULL && list.count == 0, "free empties the list");
    ks_kdc_list_free(NULL);

    ret = ks_locate_kdcs(ctx, "EMPTY.REALM", &none);
    is_int(ret, KRB5_REALM_UNKNOWN, "realm without kdc: REALM_UNKNOWN");
    ok(message_has(ctx, ret, "Cannot find KDC for realm \"EMPTY.REALM\" "
                             "(add the realm's kdc to [realms] in "
                             "krb5.conf)"),
       "  message names the realm and the fix");
    ok(none.addrs == NULL, "  output untouched");

    ret = ks_locate_kdcs(ctx, "NOT.THERE", &none);
    is_int(ret, KRB5_REALM_UNKNOWN, "unknown realm: REALM_UNKNOWN");

    ret = ks_locate_kdcs(ctx, "BROKEN.REALM", &none);
    is_int(ret, KRB5_KDC_UNREACH, "only malformed entries: KDC_UNREACH");
    ok(message_has(ctx, ret, "BROKEN.REALM"), "  message names the realm");
    ok(none.addrs == NULL, "  output untouched");
    ks_context_free(ctx);
}

static void
test_add_host(void)
{
    struct ks_kdc_list list = { 0 };
    struct ks_context *ctx = new_ctx();

    is_int(ks_kdc_list_add_host(ctx, &list, "127.0.0.1", "88",
                              KS_TRANSPORT_ANY, "test"),
           0, "add a numeric host");
    is_int(ks_kdc_list_add_host(ctx, &list, "127.0.0.1", "88",
                              KS_TRANSPORT_TCP, "test"),
           0, "same address, other transport");
    is_int(ks_kdc_list_add_host(ctx, &list, "127.0.0.1", "88",
                              KS_TRANSPORT_ANY, "test"),
           0, "duplicate");
    is_int(list.count, 2, "duplicate skipped, other transport kept");
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

/* --kdc entries replace krb5.conf's, for any realm, in their order. */
static void
test_cli_kdcs(void)
{
    char *kdcs[] = { (char *)"tcp/127.0.0.1:9000", (char *)"[::1]:9001",
                     (char *)"127.0.0.1:9000", NULL };
    char *bad[] = { (char *)"127.0.0.1:9002", (char *)"kdc:99999", NULL };
    struct ks_kdc_list list = { 0 }, none = { 0 };
    struct ks_context *ctx;
    krb5_error_code ret;

    write_conf(conf_text);
    ctx = new_ctx();
    ctx->net.kdcs = kdcs;
    ret = ks_locate_kdcs(ctx, "FAKE.REALM", &list);
    is_int(ret, 0, "--kdc: locate FAKE.REALM");
    is_int(list.count, 3, "  the --kdc entries only, none of krb5.conf's");
    if (list.count == 3) {
        is_str(list.addrs[0].name, "127.0.0.1:9000", "  first --kdc first");
        is_int(list.addrs[0].transport, KS_TRANSPORT_TCP, "  tcp/ prefix");
        is_str(list.addrs[1].name, "[::1]:9001", "  IPv6 in brackets");
        is_int(list.addrs[2].transport, KS_TRANSPORT_ANY,
               "  same address without the prefix: any transport");
    }
    ks_kdc_list_free(&list);

    ret = ks_locate_kdcs(ctx, "NOT.THERE", &list);
    is_int(ret, 0, "--kdc: a realm krb5.conf does not know");
    is_int(list.count, 3, "  gets the --kdc entries");
    ks_kdc_list_free(&list);

    ctx->net.kdcs = bad;
    ret = ks_locate_kdcs(ctx, "FAKE.REALM", &none);
    is_int(ret, EINVAL, "a malformed --kdc is an error, not skipped");
    ok(message_has(ctx, ret, "--kdc 'kdc:99999' is not a KDC address"),
       "  message quotes it");
    ok(none.addrs == NULL, "  output untouched");

    ctx->net.kdcs = bad + 2;        /* an empty list: krb5.conf's again */
    ret = ks_locate_kdcs(ctx, "FAKE.REALM", &list);
    ok(ret == 0 && list.count == 4, "an empty --kdc list uses krb5.conf");
    ks_kdc_list_free(&list);
    ks_context_free(ctx);
}

int
main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ks-test-locate-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf, sizeof(conf), "%s/krb5.conf", tmpdir);
    test_parse();
    test_kdcs();
    test_add_host();
    test_cli_kdcs();
    unlink(conf);
    rmdir(tmpdir);
    return tap_done();
}

/*
 * locate_dns: SRV and URI answers parsed from DNS messages built here byte
 * by byte (no name server needed), RFC 2782 ordering with a chosen "random"
 * draw, and the dns_lookup_kdc switch read from a temporary krb5.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "wire/locate.h"
#include "wire/locate_dns.h"
#include "tap.h"

#define T_CNAME 5

/* A DNS message under construction. */
struct msg {
    unsigned char b[4096];
    size_t len;
    unsigned int ancount;
};

static void
put(struct msg *m, const void *data, size_t n)
{
    if (m->len + n > sizeof(m->b)) {
        printf("# message too long\n");
        exit(1);
    }
    memcpy(m->b + m->len, data, n);
    m->len += n;
}

static void
put16(struct msg *m, unsigned int v)
{
    unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

    put(m, b, 2);
}

static void
put32(struct msg *m, unsigned long v)
{
    put16(m, (unsigned int)(v >> 16) & 0xffff);
    put16(m, (unsigned int)v & 0xffff);
}

/* "a.b.c" as labels and the root, uncompressed; "" is the root alone. */
static void
put_name(struct msg *m, const char *name)
{
    const char *p = name, *dot;
    unsigned char n;

    while (*p != '\0') {
        dot = strchr(p, '.');
        n = (unsigned char)(dot != NULL ? (size_t)(dot - p) : strlen(p));
        put(m, &n, 1);
        put(m, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    n = 0;
    put(m, &n, 1);
}

/* Header (a response, no error) and the question QNAME/QTYPE IN.  The
 * answer count is patched by finish(). */
static void
start(struct msg *m, const char *qname, unsigned int qtype)
{
    memset(m, 0, sizeof(*m));
    put16(m, 0x1234);
    put16(m, 0x8180);
    put16(m, 1);
    put16(m, 0);
    put16(m, 0);
    put16(m, 0);
    put_name(m, qname);
    put16(m, qtype);
    put16(m, 1);
}

/* An answer's fixed part, owned by the question's name (pointer 0xc00c);
 * the caller adds RDLEN bytes of data. */
static void
answer(struct msg *m, unsigned int type, unsigned int rdlen)
{
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put32(m, 300);
    put16(m, rdlen);
    m->ancount++;
}

static void
srv(struct msg *m, unsigned int prio, unsigned int weight, unsigned int port,
    const char *target)
{
    struct msg name = { .len = 0 };

    put_name(&name, target);
    answer(m, 33, 6 + (unsigned int)name.len);
    put16(m, prio);
    put16(m, weight);
    put16(m, port);
    put(m, name.b, name.len);
}

static void
uri(struct msg *m, unsigned int prio, unsigned int weight, const char *text)
{
    answer(m, 256, 4 + (unsigned int)strlen(text));
    put16(m, prio);
    put16(m, weight);
    put(m, text, strlen(text));
}

static void
finish(struct msg *m)
{
    m->b[6] = (unsigned char)(m->ancount >> 8);
    m->b[7] = (unsigned char)m->ancount;
}

static krb5_error_code
parse(const struct msg *m, int type, struct ks_dns_targets *out)
{
    return ks_dns_parse_answer(m->b, m->len, type, KS_TRANSPORT_UDP, out);
}

static void
test_srv(void)
{
    struct ks_dns_targets t = { NULL, 0 };
    struct msg m;

    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    srv(&m, 10, 0, 88, "kdc2.example.org");
    answer(&m, T_CNAME, 2);         /* another type on the way: skipped */
    put16(&m, 0xc00c);
    srv(&m, 0, 5, 750, "kdc1.example.org");
    srv(&m, 0, 5, 0, "port0.example.org");
    finish(&m);
    is_int(parse(&m, 33, &t), 0, "SRV answer parses");
    is_int(t.count, 2, "  two SRV records (CNAME and port 0 skipped)");
    if (t.count == 2) {
        is_str(t.t[0].host, "kdc2.example.org.", "  target made absolute");
        is_str(t.t[0].port, "88", "  port");
        is_int(t.t[0].priority, 10, "  priority");
        is_int(t.t[0].weight, 0, "  weight");
        is_int(t.t[0].transport, KS_TRANSPORT_UDP, "  transport as asked");
        is_str(t.t[1].host, "kdc1.example.org.", "  second in answer order");
        is_str(t.t[1].port, "750", "  its port");
        is_int(t.t[1].weight, 5, "  its weight");
    }
    ks_dns_targets_free(&t);
    ok(t.t == NULL && t.count == 0, "free empties");
    ks_dns_targets_free(NULL);

    /* A compressed target: "kdc" then a pointer to the question's
     * "EXAMPLE.ORG" (offset 12 + len("_kerberos") + 1 + len("_udp") + 1). */
    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    answer(&m, 33, 6 + 4 + 2);
    put16(&m, 0);
    put16(&m, 0);
    put16(&m, 88);
    put(&m, "\003kdc", 4);
    put16(&m, 0xc000 | (12 + 10 + 5));
    finish(&m);
    is_int(parse(&m, 33, &t), 0, "compressed SRV target parses");
    ok(t.count == 1 && strcmp(t.t[0].host, "kdc.EXAMPLE.ORG.") == 0,
       "  compressed target expanded");
    ks_dns_targets_free(&t);

    start(&m, "_kerberos._tcp.EXAMPLE.ORG", 33);
    srv(&m, 0, 0, 88, "");
    finish(&m);
    is_int(ks_dns_parse_answer(m.b, m.len, 33, KS_TRANSPORT_TCP, &t), 0,
           "SRV target \".\" parses");
    ok(t.count == 1 && t.t[0].host[0] == '\0' &&
       t.t[0].transport == KS_TRANSPORT_TCP,
       "  kept as an empty host: no service");
    ks_dns_targets_free(&t);

    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    finish(&m);
    is_int(parse(&m, 33, &t), 0, "an answer with no records parses");
    is_int(t.count, 0, "  to no targets");
    ks_dns_targets_free(&t);
}

static void
test_srv_malformed(void)
{
    struct ks_dns_targets t = { NULL, 0 }, untouched = { NULL, 7 };
    struct msg m, cut;

    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    answer(&m, 33, 5);
    put(&m, "\0\0\0\0\0", 5);
    finish(&m);
    t = untouched;
    is_int(parse(&m, 33, &t), EINVAL, "SRV data shorter than 7 bytes");
    ok(t.t == NULL && t.count == 7, "  output untouched");

    /* The target's name runs past the record's data into the next
     * record, which the message as a whole still holds. */
    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    answer(&m, 33, 6 + 4);
    put16(&m, 0);
    put16(&m, 0);
    put16(&m, 88);
    put(&m, "\003kdc", 4);
    srv(&m, 0, 0, 88, "kdc.example.org");
    finish(&m);
    is_int(parse(&m, 33, &t), EINVAL, "SRV target longer than its data");

    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    srv(&m, 0, 0, 88, "kdc.example.org");
    finish(&m);
    cut = m;
    cut.len -= 5;
    is_int(parse(&cut, 33, &t), EINVAL, "a message cut short");
    cut = m;
    cut.b[7] = 9;           /* says nine answers, holds one */
    is_int(parse(&cut, 33, &t), EINVAL, "an answer count too large");
    cut = m;
    cut.len = 11;
    is_int(parse(&cut, 33, &t), EINVAL, "shorter than a header");
    /* A compression pointer to itself must not loop. */
    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    answer(&m, 33, 8);
    put16(&m, 0);
    put16(&m, 0);
    put16(&m, 88);
    put16(&m, 0xc000 | (unsigned int)m.len);
    finish(&m);
    is_int(parse(&m, 33, &t), EINVAL, "a compression loop");
    is_int(ks_dns_parse_answer(NULL, 0, 33, KS_TRANSPORT_UDP, &t), EINVAL,
           "NULL message");
}

static void
test_srv_many(void)
{
    struct ks_dns_targets t = { NULL, 0 };
    struct msg m;
    char name[32];

    start(&m, "_kerberos._udp.EXAMPLE.ORG", 33);
    for (int i = 0; i < KS_DNS_MAX_TARGETS + 10; i++) {
        snprintf(name, sizeof(name), "k%d.example.org", i);
        srv(&m, 0, 0, 88, name);
    }
    finish(&m);
    is_int(parse(&m, 33, &t), 0, "an answer with %d records",
           KS_DNS_MAX_TARGETS + 10);
    is_int(t.count, KS_DNS_MAX_TARGETS, "  keeps the first %d",
           KS_DNS_MAX_TARGETS);
    ks_dns_targets_free(&t);
}

static void
test_uri(void)
{
    struct ks_dns_targets t = { NULL, 0 };
    struct msg m;

    start(&m, "_kerberos.EXAMPLE.ORG", 256);
    uri(&m, 10, 1, "krb5srv:m:udp:kdc1.example.org:8888");
    uri(&m, 0, 2, "KRB5SRV::TCP:[::1]");
    uri(&m, 0, 0, "krb5srv::kkdcp:https://proxy.example.org/KdcProxy");
    uri(&m, 0, 0, "http://kdc.example.org/");
    uri(&m, 0, 0, "krb5srv:m:udp:");
    uri(&m, 0, 0, "krb5srv::udp:kdc.example.org:99999");
    uri(&m, 0, 0, "krb5srv::udp:kdc example");
    uri(&m, 0, 0, "krb5srv::udp:tcp/kdc.example.org");
    uri(&m, 0, 0, "krb5srv:udp:kdc.example.org");
    uri(&m, 0, 0, "krb5srv::tcp:kdc\001.example.org");
    uri(&m, 3, 4, "krb5srv::tcp:kdc3.example.org");
    finish(&m);
    is_int(parse(&m, 256, &t), 0, "URI answer parses");
    is_int(t.count, 3, "  three usable krb5srv records");
    if (t.count == 3) {
        is_str(t.t[0].host, "kdc1.example.org", "  host as written");
        is_str(t.t[0].port, "8888", "  port");
        is_int(t.t[0].transport, KS_TRANSPORT_UDP, "  udp");
        is_int(t.t[0].priority, 10, "  priority");
        is_int(t.t[0].weight, 1, "  weight");
        is_str(t.t[1].host, "::1", "  bracketed IPv6, any case");
        is_str(t.t[1].port, "88", "  default port");
        is_int(t.t[1].transport, KS_TRANSPORT_TCP, "  tcp");
        is_str(t.t[2].host, "kdc3.example.org", "  the last one");
    }
    ks_dns_targets_free(&t);

    start(&m, "_kerberos.EXAMPLE.ORG", 256);
    answer(&m, 256, 3);
    put(&m, "\0\0\0", 3);
    finish(&m);
    is_int(parse(&m, 256, &t), EINVAL, "URI data shorter than 4 bytes");

    /* An SRV record in a URI answer is not a URI. */
    start(&m, "_kerberos.EXAMPLE.ORG", 256);
    srv(&m, 0, 0, 88, "kdc.example.org");
    finish(&m);
    is_int(parse(&m, 256, &t), 0, "SRV records in a URI answer");
    is_int(t.count, 0, "  are skipped");
    ks_dns_targets_free(&t);
}

/* ------------------------------------------------------------------ */
/* Ordering                                                            */

static void
add(struct ks_dns_targets *t, const char *host, unsigned int prio,
    unsigned int weight)
{
    t->t = realloc(t->t, (t->count + 1) * sizeof(*t->t));
    if (t->t == NULL)
        exit(1);
    t->t[t->count].host = strdup(host);
    t->t[t->count].port = strdup("88");
    t->t[t->count].priority = prio;
    t->t[t->count].weight = weight;
    t->t[t->count].transport = KS_TRANSPORT_ANY;
    t->count++;
}

static unsigned long
pick_max(unsigned long n, void *arg)
{
    (void)arg;
    return n;
}

static unsigned long
pick_zero(unsigned long n, void *arg)
{
    (void)arg;
    (void)n;
    return 0;
}

/* The draws in order from an array, each taken modulo n + 1. */
static unsigned long
pick_listed(unsigned long n, void *arg)
{
    unsigned long **next = arg;

    return *(*next)++ % (n + 1);
}

static void
order_string(const struct ks_dns_targets *t, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < t->count && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i ? " " : "", t->t[i].host);
}

static void
check_order(unsigned long (*pick)(unsigned long, void *), void *arg,
            const char *want, const char *what)
{
    struct ks_dns_targets t = { NULL, 0 };
    char got[256];

    add(&t, "p10", 10, 0);
    add(&t, "p0-w10", 0, 10);
    add(&t, "p5", 5, 0);
    add(&t, "p0-w0", 0, 0);
    add(&t, "p0-w30", 0, 30);
    add(&t, "p10b", 10, 0);
    ks_dns_targets_order(&t, pick, arg);
    order_string(&t, got, sizeof(got));
    is_str(got, want, "order: %s", what);
    ks_dns_targets_free(&t);
}

static void
test_order(void)
{
    unsigned long draws[] = { 15, 0, 0, 0 }, *next = draws;
    struct ks_dns_targets t = { NULL, 0 };
    int heavy_first = 0, light_first = 0;

    /* Zero weights first; the draw 40 (the sum) reaches only the last
     * record, then 10 the w10 one. */
    check_order(pick_max, NULL, "p0-w30 p0-w10 p0-w0 p5 p10 p10b",
                "a draw of the sum takes the last record of the group");
    /* A draw of 0 takes the first record: the weight-0 one. */
    check_order(pick_zero, NULL, "p0-w0 p0-w10 p0-w30 p5 p10 p10b",
                "a draw of 0 takes a weight-0 record first");
    /* 15 of 40: running sums 0, 10, 40, so w30; then 0 of 10: w0. */
    check_order(pick_listed, &next, "p0-w30 p0-w0 p0-w10 p5 p10 p10b",
                "a draw in the middle");

    ks_dns_targets_order(NULL, NULL, NULL);
    ks_dns_targets_order(&t, NULL, NULL);
    ok(t.count == 0, "ordering nothing");

    /* Real draws: weight 99 against 1 comes first nearly always, and the
     * weight-1 record still comes first sometimes. */
    for (int i = 0; i < 2000; i++) {
        add(&t, "light", 0, 1);
        add(&t, "heavy", 0, 99);
        ks_dns_targets_order(&t, NULL, NULL);
        if (strcmp(t.t[0].host, "heavy") == 0)
            heavy_first++;
        else
            light_first++;
        ks_dns_targets_free(&t);
    }
    ok(heavy_first > 1900 && light_first > 0,
       "random draws follow the weights (%d heavy, %d light first)",
       heavy_first, light_first);
}

/* ------------------------------------------------------------------ */
/* dns_lookup_kdc                                                      */

static char conf[128];

static bool
enabled_with(const char *libdefaults)
{
    struct ks_context *ctx = NULL;
    char *msg = NULL;
    FILE *f = fopen(conf, "w");
    bool on;

    if (f == NULL) {
        perror(conf);
        exit(1);
    }
    fprintf(f, "[libdefaults]\n%s\n", libdefaults);
    fclose(f);
    setenv("KRB5_CONFIG", conf, 1);
    if (ks_context_new("test_locate_dns", &ctx, &msg) != 0) {
        printf("# ks_context_new: %s\n", msg ? msg : "?");
        exit(1);
    }
    on = ks_locate_dns_enabled(ctx);
    ks_context_free(ctx);
    return on;
}

static void
test_enabled(void)
{
    ok(enabled_with(""), "dns_lookup_kdc unset: on (MIT's default)");
    ok(!enabled_with("dns_lookup_kdc = false"), "dns_lookup_kdc = false");
    ok(enabled_with("dns_lookup_kdc = yes"), "dns_lookup_kdc = yes");
    ok(enabled_with("dns_lookup_kdc = On"), "dns_lookup_kdc = On");
    ok(!enabled_with("dns_lookup_kdc = maybe"), "an unknown word is false");
    ok(!enabled_with("dns_fallback = no"), "dns_fallback = no when unset");
    ok(enabled_with("dns_lookup_kdc = 1\ndns_fallback = no"),
       "dns_lookup_kdc wins over dns_fallback");
}

int
main(void)
{
    char dir[64];

    snprintf(dir, sizeof(dir), "/tmp/ks-test-locate-dns-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
    test_srv();
    test_srv_malformed();
    test_srv_many();
    test_uri();
    test_order();
    test_enabled();
    unlink(conf);
    rmdir(dir);
    return tap_done();
}

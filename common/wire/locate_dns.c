/*
 * locate_dns: the KDCs of a realm from DNS, as MIT's locate_kdc.c finds
 * them when krb5.conf names none: URI records (_kerberos.REALM., RFC 7553,
 * "krb5srv:m:udp:host:port") first, then SRV records (RFC 2782)
 * _kerberos._udp.REALM. and _kerberos._tcp.REALM.  Names get a trailing
 * dot so that the resolver never appends its search list.
 *
 * DNS is unauthenticated: a forged answer can only send us to a KDC that
 * cannot read our requests nor forge a reply that decrypts (PROTOCOL.md
 * 1.12), so a record is used, never trusted for anything else.
 */
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <profile.h>

#include "wire/locate_dns.h"

/* The largest DNS message (over TCP; glibc switches when truncated). */
#define KS_DNS_ANSWER_MAX 65536
/* Resolver bounds: seconds for a first try, tries per name server.  A
 * resolv.conf asking for less is kept. */
#define KS_DNS_RETRANS_MAX 2
#define KS_DNS_RETRY_MAX 2
/* Longest query name: "_kerberos._udp." + realm + "." */
#define KS_DNS_QNAME_MAX (NS_MAXDNAME + 16)

/* MIT's _krb5_conf_boolean: anything else is false. */
static bool
conf_boolean(const char *s)
{
    static const char *const yes[] = { "y", "yes", "true", "t", "1", "on" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return true;
    }
    return false;
}

/* A [libdefaults] boolean, with MIT's fallback name and default. */
static bool
libdefaults_flag(struct ks_context *ctx, const char *name,
                 const char *fallback, bool def)
{
    profile_t profile = NULL;
    char *value = NULL;
    bool result = def;

    if (krb5_get_profile(ctx->k5, &profile) != 0)
        return def;
    if (profile_get_string(profile, "libdefaults", name, NULL, NULL,
                           &value) == 0 &&
        value == NULL && fallback != NULL)
        profile_get_string(profile, "libdefaults", fallback, NULL, NULL,
                           &value);
    if (value != NULL)
        result = conf_boolean(value);
    profile_release_string(value);
    profile_release(profile);
    return result;
}

bool
ks_locate_dns_enabled(struct ks_context *ctx)
{
    return libdefaults_flag(ctx, "dns_lookup_kdc", "dns_fallback", true);
}

void
ks_dns_targets_free(struct ks_dns_targets *targets)
{
    if (targets == NULL)
        return;
    for (size_t i = 0; i < targets->count; i++) {
        free(targets->t[i].host);
        free(targets->t[i].port);
    }
    free(targets->t);
    targets->t = NULL;
    targets->count = 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

static krb5_error_code
targets_add(struct ks_dns_targets *targets, char *host, char *port,
            unsigned int priority, unsigned int weight,
            enum ks_transport_kind transport)
{
    struct ks_dns_target *grown;

    grown = realloc(targets->t, (targets->count + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(host);
        free(port);
        return ENOMEM;
    }
    targets->t = grown;
    grown[targets->count++] = (struct ks_dns_target){ host, port, priority,
                                                      weight, transport };
    return 0;
}

static unsigned int
get16(const unsigned char *p)
{
    return (unsigned int)p[0] << 8 | p[1];
}

/* SRV RDATA: priority, weight, port, target (RFC 2782 says uncompressed;
 * we take a compressed one too, as resolvers do). */
static krb5_error_code
parse_srv(const ns_msg *msg, const ns_rr *rr,
          enum ks_transport_kind transport, struct ks_dns_targets *targets)
{
    const unsigned char *rdata = ns_rr_rdata(*rr);
    size_t rdlen = ns_rr_rdlen(*rr);
    char name[NS_MAXDNAME], *host, *port;
    int used;

    if (rdlen < 7)
        return EINVAL;
    used = ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rdata + 6,
                              name, sizeof(name));
    if (used < 0 || (size_t)used > rdlen - 6)
        return EINVAL;
    if (get16(rdata + 4) == 0)
        return 0;
    /* "." (the root) means no service; it stays as "". */
    if (strcmp(name, ".") == 0 || name[0] == '\0')
        host = strdup("");
    else if (asprintf(&host, "%s.", name) < 0)
        host = NULL;
    if (host == NULL || asprintf(&port, "%u", get16(rdata + 4)) < 0) {
        free(host);
        return ENOMEM;
    }
    return targets_add(targets, host, port, get16(rdata), get16(rdata + 2),
                       transport);
}

/* "krb5srv:FLAGS:udp|tcp:" + rest, or NULL.  TARGET is printable ASCII. */
static const char *
uri_fields(const char *target, enum ks_transport_kind *transport)
{
    const char *p = target, *colon;

    if (strncasecmp(p, "krb5srv:", 8) != 0)
        return NULL;
    colon = strchr(p + 8, ':');           /* after the flags */
    if (colon == NULL)
        return NULL;
    p = colon + 1;
    if (strncasecmp(p, "udp:", 4) == 0)
        *transport = KS_TRANSPORT_UDP;
    else if (strncasecmp(p, "tcp:", 4) == 0)
        *transport = KS_TRANSPORT_TCP;
    else
        return NULL;                        /* kkdcp: a KDC proxy */
    return p + 4;
}

/* URI RDATA: priority, weight, then the URI itself to the end. */
static krb5_error_code
parse_uri(const ns_rr *rr, struct ks_dns_targets *targets)
{
    const unsigned char *rdata = ns_rr_rdata(*rr);
    size_t rdlen = ns_rr_rdlen(*rr);
    enum ks_transport_kind transport = KS_TRANSPORT_ANY, ignored;
    char uri[NS_MAXDNAME + 32], *host = NULL, *port = NULL;
    const char *hostport;
    krb5_error_code ret;

    if (rdlen < 4)
        return EINVAL;
    if (rdlen - 4 >= sizeof(uri))
        return 0;
    for (size_t i = 4; i < rdlen; i++) {
        if (rdata[i] <= 0x20 || rdata[i] >= 0x7f)
            return 0;
    }
    memcpy(uri, rdata + 4, rdlen - 4);
    uri[rdlen - 4] = '\0';
    hostport = uri_fields(uri, &transport);
    /* A prefix inside the host part ("udp/") is not URI syntax. */
    if (hostport == NULL || strchr(hostport, '/') != NULL)
        return 0;
    ret = ks_kdc_list_parse_entry(hostport, &host, &port, &ignored);
    if (ret == EINVAL)
        return 0;
    if (ret)
        return ret;
    return targets_add(targets, host, port, get16(rdata), get16(rdata + 2),
                       transport);
}

krb5_error_code
ks_dns_parse_answer(const unsigned char *answer, size_t len, int type,
                    enum ks_transport_kind transport,
                    struct ks_dns_targets *targets_out)
{
    struct ks_dns_targets targets = { NULL, 0 };
    krb5_error_code ret = 0;
    ns_msg msg;
    ns_rr rr;
    int n;

    if (answer == NULL || len > KS_DNS_ANSWER_MAX ||
        ns_initparse(answer, (int)len, &msg) < 0)
        return EINVAL;
    n = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < n && ret == 0; i++) {
        if (targets.count >= KS_DNS_MAX_TARGETS)
            break;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
            ret = EINVAL;
            break;
        }
        if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != type)
            continue;
        if (type == KS_DNS_T_SRV)
            ret = parse_srv(&msg, &rr, transport, &targets);
        else if (type == KS_DNS_T_URI)
            ret = parse_uri(&rr, &targets);
    }
    if (ret) {
        ks_dns_targets_free(&targets);
        return ret;
    }
    *targets_out = targets;
    return 0;
}

/* ------------------------------------------------------------------ */
/* RFC 2782 order                                                      */

static unsigned long
random_pick(unsigned long n, void *arg)
{
    (void)arg;
    return arc4random_uniform((uint32_t)n + 1);
}

/* Move T[FROM] to T[TO] (TO <= FROM), shifting the ones between. */
static void
move_back(struct ks_dns_target *t, size_t from, size_t to)
{
    struct ks_dns_target keep = t[from];

    memmove(&t[to + 1], &t[to], (from - to) * sizeof(*t));
    t[to] = keep;
}

/* Stable, so equal records keep the answer's order before the draw. */
static void
sort_by_priority(struct ks_dns_targets *targets)
{
    struct ks_dns_target *t = targets->t;

    for (size_t i = 1; i < targets->count; i++) {
        size_t j = i;

        while (j > 0 && t[j - 1].priority > t[i].priority)
            j--;
        if (j != i)
            move_back(t, i, j);
    }
}

/* RFC 2782: put the weight-0 records first, draw a number from 0 to the
 * sum of weights, take the first record whose running sum reaches it. */
static void
draw_one(struct ks_dns_target *t, size_t pos, size_t end,
         unsigned long (*pick)(unsigned long, void *), void *arg)
{
    unsigned long total = 0, running = 0, r;
    size_t zeros = pos, chosen = pos;

    for (size_t i = pos; i < end; i++) {
        if (t[i].weight == 0)
            move_back(t, i, zeros++);
    }
    for (size_t i = pos; i < end; i++)
        total += t[i].weight;
    r = pick(total, arg);
    for (size_t i = pos; i < end; i++) {
        running += t[i].weight;
        chosen = i;
        if (running >= r)
            break;
    }
    if (chosen != pos)
        move_back(t, chosen, pos);
}

void
ks_dns_targets_order(struct ks_dns_targets *targets,
                     unsigned long (*pick)(unsigned long, void *),
                     void *arg)
{
    struct ks_dns_target *t;
    size_t start = 0, end;

    if (targets == NULL || targets->count < 2)
        return;
    if (pick == NULL)
        pick = random_pick;
    sort_by_priority(targets);
    t = targets->t;
    while (start < targets->count) {
        for (end = start; end < targets->count &&
                          t[end].priority == t[start].priority;
             end++)
            ;
        for (size_t pos = start; pos + 1 < end; pos++)
            draw_one(t, pos, end, pick, arg);
        start = end;
    }
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

static const char *
dns_failure(int h_err)
{
    switch (h_err) {
    case HOST_NOT_FOUND:
        return "no such name";
    case NO_DATA:
        return "no records of that type";
    case TRY_AGAIN:
        return "no answer from the name servers (timed out or failed)";
    default:
        return "the name server refused or could not answer";
    }
}

/* The records as the answer gave them, before they are ordered. */
static void
trace_records(struct ks_context *ctx, const char *kind,
              const struct ks_dns_targets *targets)
{
    for (size_t i = 0; i < targets->count; i++) {
        const struct ks_dns_target *t = &targets->t[i];

        ks_trace(ctx->trace, "locate", 0, "dns-record",
                 "  %s record %zu: %s:%s over %s, priority %u, weight %u",
                 kind, i + 1, t->host[0] != '\0' ? t->host : ".", t->port,
                 ks_transport_name(t->transport), t->priority, t->weight);
    }
}

/* One query; an answer that does not come or does not parse is traced and
 * leaves TARGETS empty.  *DOWN is set when the name servers did not
 * answer, so that the next queries are not waited for too. */
static krb5_error_code
query(struct ks_context *ctx, res_state st, const char *qname, int type,
      enum ks_transport_kind transport, struct ks_dns_targets *targets,
      bool *down)
{
    const char *kind = type == KS_DNS_T_SRV ? "SRV" : "URI";
    unsigned char *buf = malloc(KS_DNS_ANSWER_MAX);
    krb5_error_code ret = 0;
    int n;

    if (buf == NULL)
        return ENOMEM;
    errno = 0;
    n = res_nquery(st, qname, ns_c_in, type, buf, KS_DNS_ANSWER_MAX);
    if (n < 0) {
        /* A SERVFAIL for one name is TRY_AGAIN too, but says nothing
         * about the next name: only silence or a closed port does. */
        *down = st->res_h_errno == TRY_AGAIN &&
                (errno == ETIMEDOUT || errno == ECONNREFUSED);
        ks_trace(ctx->trace, "locate", 0, "dns-none", "DNS %s %s: %s", kind,
                 qname, dns_failure(st->res_h_errno));
        goto cleanup;
    }
    ret = ks_dns_parse_answer(buf, n > KS_DNS_ANSWER_MAX ? KS_DNS_ANSWER_MAX
                                                         : (size_t)n,
                              type, transport, targets);
    if (ret == EINVAL) {
        ks_trace(ctx->trace, "locate", 0, "dns-malformed",
                 "DNS %s %s: ignoring a malformed answer of %d bytes", kind,
                 qname, n);
        ret = 0;
    } else if (ret == 0) {
        ks_trace(ctx->trace, "locate", 0, "dns-answer",
                 "DNS %s %s: %zu usable record%s", kind, qname,
                 targets->count, targets->count == 1 ? "" : "s");
        trace_records(ctx, kind, targets);
    }

cleanup:
    free(buf);
    return ret;
}

/* Put TARGETS, the answer of the KIND query QNAME, in RFC 2782 order and
 * resolve each, in that order, into LIST. */
static krb5_error_code
add_ordered(struct ks_context *ctx, struct ks_kdc_list *list,
            struct ks_dns_targets *targets, const char *kind,
            const char *qname)
{
    char source[KS_DNS_QNAME_MAX + 128];
    krb5_error_code ret = 0;

    ks_dns_targets_order(targets, NULL, NULL);
    for (size_t i = 0; i < targets->count && ret == 0; i++) {
        const struct ks_dns_target *t = &targets->t[i];

        if (t->host[0] == '\0')
            continue;
        snprintf(source, sizeof(source),
                 "DNS %s %s (%s:%s, priority %u, weight %u)", kind, qname,
                 t->host, t->port, t->priority, t->weight);
        ret = ks_kdc_list_add_host(ctx, list, t->host, t->port, t->transport,
                                 source);
        if (ret == KRB5_KDC_UNREACH)
            ret = 0;
    }
    return ret;
}

/* The dot that makes a query name absolute, unless the realm has it. */
static const char *
root_dot(const char *realm)
{
    return realm[strlen(realm) - 1] == '.' ? "" : ".";
}

static krb5_error_code
locate_uri(struct ks_context *ctx, res_state st, const char *realm,
           struct ks_kdc_list *list, bool *down)
{
    struct ks_dns_targets targets = { NULL, 0 };
    char qname[KS_DNS_QNAME_MAX];
    krb5_error_code ret;

    snprintf(qname, sizeof(qname), "_kerberos.%s%s", realm, root_dot(realm));
    ret = query(ctx, st, qname, KS_DNS_T_URI, KS_TRANSPORT_ANY, &targets,
                down);
    if (ret == 0)
        ret = add_ordered(ctx, list, &targets, "URI", qname);
    ks_dns_targets_free(&targets);
    return ret;
}

/* SRV for one transport; *NO_SERVICE when its only target is ".". */
static krb5_error_code
locate_srv(struct ks_context *ctx, res_state st, const char *realm,
           enum ks_transport_kind transport, struct ks_kdc_list *list,
           bool *no_service, bool *down)
{
    struct ks_dns_targets targets = { NULL, 0 };
    char qname[KS_DNS_QNAME_MAX];
    const char *proto = transport == KS_TRANSPORT_UDP ? "_udp" : "_tcp";
    krb5_error_code ret;

    snprintf(qname, sizeof(qname), "_kerberos.%s.%s%s", proto, realm,
             root_dot(realm));
    ret = query(ctx, st, qname, KS_DNS_T_SRV, transport, &targets, down);
    if (ret == 0 && targets.count == 1 && targets.t[0].host[0] == '\0') {
        ks_trace(ctx->trace, "locate", 0, "dns-no-service",
                 "DNS SRV %s: target \".\": no KDC service over %s", qname,
                 ks_transport_name(transport));
        *no_service = true;
    } else if (ret == 0) {
        ret = add_ordered(ctx, list, &targets, "SRV", qname);
    }
    ks_dns_targets_free(&targets);
    return ret;
}

/* Open the resolver with our bounds on its waits. */
static bool
resolver_open(struct ks_context *ctx, res_state st)
{
    memset(st, 0, sizeof(*st));
    if (res_ninit(st) != 0) {
        ks_trace(ctx->trace, "locate", 0, "dns-none",
                 "DNS: the resolver did not start (resolv.conf?)");
        res_nclose(st);
        return false;
    }
    if (st->retrans > KS_DNS_RETRANS_MAX)
        st->retrans = KS_DNS_RETRANS_MAX;
    if (st->retry > KS_DNS_RETRY_MAX)
        st->retry = KS_DNS_RETRY_MAX;
    return true;
}

/* What DNS said when it named no usable KDC, for the message. */
struct dns_outcome {
    bool no_service;                /* an SRV target "." */
    bool down;                      /* the name servers did not answer */
};

static krb5_error_code
locate_all(struct ks_context *ctx, res_state st, const char *realm,
           struct ks_kdc_list *list, struct dns_outcome *out)
{
    size_t before = list->count;
    krb5_error_code ret = 0;

    if (libdefaults_flag(ctx, "dns_uri_lookup", NULL, true)) {
        ret = locate_uri(ctx, st, realm, list, &out->down);
        if (ret || list->count > before || out->down)
            return ret;
    }
    ret = locate_srv(ctx, st, realm, KS_TRANSPORT_UDP, list,
                     &out->no_service, &out->down);
    if (ret == 0 && !out->down)
        ret = locate_srv(ctx, st, realm, KS_TRANSPORT_TCP, list,
                         &out->no_service, &out->down);
    return ret;
}

static krb5_error_code
none_found(struct ks_context *ctx, const char *realm,
           const struct dns_outcome *out)
{
    const char *why =
        out->no_service ? "DNS says it has none: its _kerberos SRV record "
                          "points at \".\""
        : out->down ? "no kdc in krb5.conf, and the name servers of "
                      "resolv.conf did not answer"
                    : "no kdc in krb5.conf, and DNS has no usable "
                      "_kerberos SRV or URI record for it";
    krb5_error_code ret =
        out->no_service ? KRB5_ERR_NO_SERVICE : KRB5_REALM_UNKNOWN;

    krb5_set_error_message(ctx->k5, ret,
                           "Cannot find KDC for realm \"%s\" (%s)", realm,
                           why);
    return ret;
}

krb5_error_code
ks_locate_dns(struct ks_context *ctx, const char *realm,
              struct ks_kdc_list *list)
{
    struct dns_outcome out = { false, false };
    struct __res_state st;
    krb5_error_code ret;
    size_t before = list->count;

    if (realm[0] == '\0' || strlen(realm) >= NS_MAXDNAME - 16) {
        ks_trace(ctx->trace, "locate", 0, "dns-none",
                 "DNS: realm \"%s\" is not a DNS name to look up", realm);
        return none_found(ctx, realm, &out);
    }
    if (!resolver_open(ctx, &st)) {
        out.down = true;
        return none_found(ctx, realm, &out);
    }
    ks_trace(ctx->trace, "locate", 0, "dns",
             "no kdc for %s in krb5.conf: asking DNS (dns_lookup_kdc)",
             realm);
    ret = locate_all(ctx, &st, realm, list, &out);
    res_nclose(&st);
    if (ret == 0 && list->count == before)
        ret = none_found(ctx, realm, &out);
    return ret;
}

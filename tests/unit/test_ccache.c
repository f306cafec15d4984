/*
 * ccache: ks_ccache_replace is atomic.  FILE caches in a temp dir: a new
 * cache, a replace (a new inode renamed into place), and failures (a
 * missing directory; a write that fails half-way, forced with
 * RLIMIT_FSIZE so it also works as root) that leave the old file as it was.
 * Then, on MEMORY caches: a walk (ks_ccache_each), taking one service's
 * tickets out (ks_ccache_remove), and MIT klist's -s rule
 * (ks_ccache_current).  Which tickets a store replaces
 * (ks_ccache_replaces), and their removal from MEMORY and FILE caches
 * (ks_ccache_remove_replaced).  Last, the lazy index (ks_ccache_index_*)
 * on FILE caches: it reads only as far as a look-up needs (a corrupt tail
 * and a ticket written after the load show it), answers the same in any
 * order, keeps no second copy of what it added while its cursor was open,
 * and reports a cache unreadable part-way in the words of a failed load.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "creds/ccache.h"
#include "creds/ccache_lookup.h"
#include "creds/ccstatus.h"
#include "tap.h"

static struct ks_context *ctx;
static char dir[] = "/tmp/ks_test_ccache.XXXXXX";

static krb5_creds *
fake_creds(const char *client, const char *ticket)
{
    krb5_creds *c = calloc(1, sizeof(*c));

    krb5_parse_name(ctx->k5, client, &c->client);
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &c->server);
    krb5_c_make_random_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                           &c->keyblock);
    c->times.authtime = c->times.starttime = 1800000000;
    c->times.endtime = 1800036000;
    c->ticket_flags = TKT_FLG_INITIAL;
    c->ticket.length = (unsigned int)strlen(ticket);
    c->ticket.data = strdup(ticket);
    return c;
}

/* Read FILE entirely into a malloc'ed buffer; *LEN gets its size. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;

    *len = 0;
    if (f == NULL)
        return NULL;
    buf = malloc(65536);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

static int
count_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n++;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static krb5_error_code
replace(const char *name, krb5_creds *creds)
{
    krb5_creds *list[2] = { creds, NULL };
    krb5_ccache cc = NULL;
    krb5_error_code ret;

    ret = ks_ccache_resolve(ctx, name, &cc);
    if (!ret)
        ret = ks_ccache_replace(ctx, cc, creds->client, list);
    if (cc != NULL)
        krb5_cc_close(ctx->k5, cc);
    return ret;
}

static void
test_new_and_replace(const char *path, const char *name)
{
    krb5_creds *a = fake_creds("alice@TEST.REALM", "ticket-one");
    krb5_creds *b = fake_creds("bob@TEST.REALM", "ticket-two");
    krb5_ccache cc = NULL;
    krb5_principal p = NULL;
    struct stat st1, st2;
    mode_t old = umask(0);

    is_int(replace(name, a), 0, "a new FILE cache");
    umask(old);
    ok(stat(path, &st1) == 0 && (st1.st_mode & 0777) == 0600,
       "created 0600 even under umask 000");
    is_int(replace(name, b), 0, "replaced");
    ok(stat(path, &st2) == 0 && st2.st_ino != st1.st_ino,
       "by a new file renamed into place");
    krb5_cc_resolve(ctx->k5, name, &cc);
    krb5_cc_get_principal(ctx->k5, cc, &p);
    ok(p != NULL && krb5_principal_compare(ctx->k5, p, b->client),
       "the new default principal");
    krb5_free_principal(ctx->k5, p);
    krb5_cc_close(ctx->k5, cc);
    is_int(count_files(), 1, "no staging file left behind");
    krb5_free_creds(ctx->k5, a);
    krb5_free_creds(ctx->k5, b);
}

static void
test_failures(const char *path, const char *name)
{
    krb5_creds *c = fake_creds("carol@TEST.REALM", "ticket-three");
    char *before, *after, missing[512];
    size_t len1, len2;
    const char *msg;
    struct rlimit saved, small;
    krb5_error_code ret;

    before = slurp(path, &len1);
    snprintf(missing, sizeof(missing), "FILE:%s/no/such/dir/cc", dir);
    ret = replace(missing, c);
    ok(ret != 0, "a cache in a missing directory fails");
    msg = ks_context_message(ctx, ret);
    ok(strstr(msg, missing) != NULL, "the message names the cache: %s", msg);
    ks_context_free_message(ctx, msg);

    /* A write that fails half-way: the old file must stay as it was. */
    signal(SIGXFSZ, SIG_IGN);
    fflush(stdout);     /* stdout may be a file: no writes while limited */
    getrlimit(RLIMIT_FSIZE, &saved);
    /* Only the soft limit: raising a hard limit again needs privilege. */
    small.rlim_cur = 16;
    small.rlim_max = saved.rlim_max;
    setrlimit(RLIMIT_FSIZE, &small);
    ret = replace(name, c);
    setrlimit(RLIMIT_FSIZE, &saved);
    ok(ret != 0, "a failing write fails the replace");
    after = slurp(path, &len2);
    ok(before != NULL && after != NULL && len1 == len2 &&
       memcmp(before, after, len1) == 0,
       "and leaves the old cache byte for byte");
    is_int(count_files(), 1, "and no staging file behind");
    free(before);
    free(after);
    krb5_free_creds(ctx->k5, c);
}

static void
test_names(const char *name)
{
    krb5_ccache cc = NULL;
    char *full = NULL;

    ks_ccache_resolve(ctx, name, &cc);
    is_int(ks_ccache_full_name(ctx, cc, &full), 0, "full name");
    is_str(full, name, "is TYPE:residual");
    krb5_free_string(ctx->k5, full);
    krb5_cc_close(ctx->k5, cc);
}

/* A MEMORY cache of alice@TEST.REALM holding a credential for each of
 * SERVERS (NULL-terminated), each ending at ENDS[i]. */
static krb5_ccache
memory_cache(const char *const *servers, const krb5_timestamp *ends)
{
    krb5_ccache cc = NULL;
    krb5_creds *c;

    krb5_cc_new_unique(ctx->k5, "MEMORY", NULL, &cc);
    c = fake_creds("alice@TEST.REALM", "ticket");
    krb5_cc_initialize(ctx->k5, cc, c->client);
    for (size_t i = 0; servers[i] != NULL; i++) {
        krb5_free_principal(ctx->k5, c->server);
        krb5_parse_name(ctx->k5, servers[i], &c->server);
        c->times.endtime = ends[i];
        krb5_cc_store_cred(ctx->k5, cc, c);
    }
    krb5_free_creds(ctx->k5, c);
    return cc;
}

static krb5_error_code
count_one(void *data, const krb5_creds *creds)
{
    unsigned int *seen = data;

    return ++*seen == 2 ? KRB5_CC_IO : 0;
}

static void
test_each(void)
{
    const char *servers[] = { "krbtgt/TEST.REALM@TEST.REALM",
                              "HTTP/web@TEST.REALM", "ldap/db@TEST.REALM",
                              NULL };
    const krb5_timestamp ends[] = { 1800036000, 1800036000, 1800036000 };
    krb5_ccache cc = memory_cache(servers, ends);
    unsigned int seen = 0, count = 0;
    struct ks_ccache_visitor v = { NULL, count_one, &seen };

    is_int(ks_ccache_each(ctx, cc, &v, &count), KRB5_CC_IO,
           "each: the visitor's error stops the walk");
    is_int(count, 2, "each: after the second of three entries");
    krb5_cc_destroy(ctx->k5, cc);
}

static void
test_remove(void)
{
    const char *servers[] = { "krbtgt/TEST.REALM@TEST.REALM",
                              "HTTP/web@TEST.REALM", "HTTP/web@", NULL };
    const krb5_timestamp ends[] = { 1800036000, 1800036000, 1800036000 };
    krb5_ccache cc = memory_cache(servers, ends);
    krb5_principal web = NULL;
    size_t removed = 0, kept = 0;
    const char *msg;

    krb5_parse_name(ctx->k5, "HTTP/web@TEST.REALM", &web);
    is_int(ks_ccache_remove(ctx, cc, web, &removed, &kept), 0,
           "remove: HTTP/web taken out");
    is_int(removed, 2, "remove: its ticket and its referral entry");
    is_int(kept, 1, "remove: the TGT kept");
    is_int(ks_ccache_remove(ctx, cc, web, &removed, &kept),
           KRB5_CC_NOTFOUND, "remove: a second time, nothing to take");
    msg = ks_context_message(ctx, KRB5_CC_NOTFOUND);
    ok(strstr(msg, "no ticket for HTTP/web@TEST.REALM in MEMORY:") == msg,
       "remove: the message names the service and the cache (%s)", msg);
    ks_context_free_message(ctx, msg);
    krb5_free_principal(ctx->k5, web);
    krb5_cc_destroy(ctx->k5, cc);
}

/* One entry of a cache for the replace tests. */
struct entry {
    const char *client, *server;
    krb5_enctype etype;
    const char *second;         /* user-to-user: the second ticket */
};

static krb5_creds *
entry_creds(const struct entry *e)
{
    krb5_creds *c = fake_creds(e->client, "ticket");

    krb5_free_principal(ctx->k5, c->server);
    krb5_parse_name(ctx->k5, e->server, &c->server);
    c->keyblock.enctype = e->etype;
    if (e->second != NULL) {
        c->is_skey = TRUE;
        c->second_ticket.length = (unsigned int)strlen(e->second);
        c->second_ticket.data = strdup(e->second);
    }
    return c;
}

/* Replaced or not, each case a pair (fresh, cached). */
static void
test_replaces(void)
{
    static const struct {
        struct entry fresh, cached;
        bool want;
        const char *what;
    } cases[] = {
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          true, "replaces: the same server" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES128_CTS_HMAC_SHA1_96, NULL },
          true, "replaces: another session key type too" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          { "bob@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          false, "replaces: not another client's (S4U)" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          { "alice@R", "HTTP/web@", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          false, "replaces: not the name with an empty realm" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" },
          false, "replaces: a plain ticket not a user-to-user one" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
          false, "replaces: a user-to-user ticket not a plain one" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES128_CTS_HMAC_SHA1_96, "a" },
          true, "replaces: user-to-user, the same second ticket" },
        { { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" },
          { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "b" },
          false, "replaces: not for another second ticket" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        krb5_creds *f = entry_creds(&cases[i].fresh);
        krb5_creds *c = entry_creds(&cases[i].cached);

        ok(ks_ccache_replaces(ctx->k5, f, c) == cases[i].want, "%s",
           cases[i].what);
        krb5_free_creds(ctx->k5, f);
        krb5_free_creds(ctx->k5, c);
    }
}

/* What a walk saw: the servers (config entries as "config"), each with
 * its session key type or "u2u", space-separated. */
struct seen {
    char text[1024];
};

static krb5_error_code
note(void *data, const krb5_creds *c)
{
    struct seen *s = data;
    char *name = NULL;
    size_t len = strlen(s->text);

    if (krb5_is_config_principal(ctx->k5, c->server)) {
        snprintf(s->text + len, sizeof(s->text) - len, "%sconfig",
                 len ? " " : "");
        return 0;
    }
    krb5_unparse_name(ctx->k5, c->server, &name);
    snprintf(s->text + len, sizeof(s->text) - len, "%s%s:%s%s", len ? " " : "",
             name, c->is_skey ? "u2u" : c->keyblock.enctype == 17 ? "128" :
             "256", c->client->data[0].data[0] == 'b' ? ":bob" : "");
    krb5_free_unparsed_name(ctx->k5, name);
    return 0;
}

static void
test_remove_replaced(const char *ccname)
{
    static const struct entry fill[] = {
        { "alice@R", "krbtgt/R@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
        { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
        { "alice@R", "HTTP/web@R", ENCTYPE_AES128_CTS_HMAC_SHA1_96, NULL },
        { "bob@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
        { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" },
        { "alice@R", "HTTP/web@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, "b" },
        { "alice@R", "ldap/db@R", ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL },
    };
    const struct entry web = { "alice@R", "HTTP/web@R",
                               ENCTYPE_AES256_CTS_HMAC_SHA1_96, NULL };
    const struct entry u2u = { "alice@R", "HTTP/web@R",
                               ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a" };
    krb5_data yes = { KV5M_DATA, 3, (char *)"yes" };
    struct seen seen = { "" };
    struct ks_ccache_visitor v = { NULL, note, &seen };
    krb5_ccache cc = NULL;
    krb5_creds *c;

    krb5_cc_resolve(ctx->k5, ccname, &cc);
    c = entry_creds(&fill[0]);
    krb5_cc_initialize(ctx->k5, cc, c->client);
    krb5_free_creds(ctx->k5, c);
    krb5_cc_set_config(ctx->k5, cc, NULL, "fast_avail", &yes);
    for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
        c = entry_creds(&fill[i]);
        krb5_cc_store_cred(ctx->k5, cc, c);
        krb5_free_creds(ctx->k5, c);
    }
    c = entry_creds(&web);
    is_int(ks_ccache_remove_replaced(ctx, cc, c), 0,
           "remove_replaced %s: a plain ticket", ccname);
    krb5_free_creds(ctx->k5, c);
    ks_ccache_each(ctx, cc, &v, NULL);
    is_str(seen.text, "config krbtgt/R@R:256 HTTP/web@R:256:bob "
           "HTTP/web@R:u2u HTTP/web@R:u2u ldap/db@R:256",
           "remove_replaced %s: both of its types gone, the rest kept",
           ccname);
    c = entry_creds(&u2u);
    is_int(ks_ccache_remove_replaced(ctx, cc, c), 0,
           "remove_replaced %s: a user-to-user ticket", ccname);
    krb5_free_creds(ctx->k5, c);
    seen.text[0] = '\0';
    ks_ccache_each(ctx, cc, &v, NULL);
    is_str(seen.text, "config krbtgt/R@R:256 HTTP/web@R:256:bob "
           "HTTP/web@R:u2u ldap/db@R:256",
           "remove_replaced %s: only the one with its second ticket gone",
           ccname);
    krb5_cc_destroy(ctx->k5, cc);
}

/* One case of the -s rule: SERVERS ending at ENDS, asked at NOW with
 * MIN_LIFE. */
static void
current_case(const char *const *servers, const krb5_timestamp *ends,
             krb5_deltat min_life, bool want, const char *what)
{
    krb5_ccache cc = memory_cache(servers, ends);

    ok(ks_ccache_current(ctx, cc, 1800000000, min_life) == want, "%s", what);
    krb5_cc_destroy(ctx->k5, cc);
}

static void
test_current(void)
{
    const char *tgt_and_web[] = { "krbtgt/TEST.REALM@TEST.REALM",
                                  "HTTP/web@TEST.REALM", NULL };
    const char *web[] = { "HTTP/web@TEST.REALM", NULL };
    const krb5_timestamp good[] = { 1800036000, 1800036000 };
    const krb5_timestamp old_tgt[] = { 1700000000, 1800036000 };
    const char *none[] = { NULL };

    current_case(tgt_and_web, good, 0, true, "current: a current TGT");
    current_case(tgt_and_web, good, 36000, false,
                 "current: not for --min-lifetime 10h");
    current_case(tgt_and_web, old_tgt, 0, false,
                 "current: an expired TGT outweighs a current ticket");
    current_case(web, good, 0, true,
                 "current: no TGT at all, a current ticket will do");
    current_case(none, good, 0, false, "current: an empty cache is not");
}

/*
 * The lazy index.
 */

#define LAZY_CLIENT "alice@TEST.REALM"

/* A service ticket svcN/host@TEST.REALM of the test client, ending at
 * END, its ticket bytes naming N and TAG. */
static krb5_creds *
lazy_creds(const char *server, krb5_timestamp end, const char *tag)
{
    krb5_creds *c = fake_creds(LAZY_CLIENT, tag);

    krb5_free_principal(ctx->k5, c->server);
    krb5_parse_name(ctx->k5, server, &c->server);
    c->times.authtime = c->times.starttime = end - 36000;
    c->times.endtime = end;
    return c;
}

static void
lazy_store(krb5_ccache cc, const char *server, krb5_timestamp end,
           const char *tag)
{
    krb5_creds *c = lazy_creds(server, end, tag);

    krb5_cc_store_cred(ctx->k5, cc, c);
    krb5_free_creds(ctx->k5, c);
}

static off_t
file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * PATH made afresh: the TGT, svc0..svc(N-1), a ticket of another client,
 * a second svc1 lasting longer than the first.  *TAIL_OUT gets the offset
 * where svc(N/2) starts.
 */
static krb5_ccache
lazy_cache(const char *path, int n, off_t *tail_out)
{
    char name[600], server[64], tag[32];
    krb5_principal me = NULL;
    krb5_creds *other;
    krb5_ccache cc = NULL;
    krb5_timestamp end = (krb5_timestamp)time(NULL) + 36000;

    snprintf(name, sizeof(name), "FILE:%s", path);
    unlink(path);
    krb5_cc_resolve(ctx->k5, name, &cc);
    krb5_parse_name(ctx->k5, LAZY_CLIENT, &me);
    krb5_cc_initialize(ctx->k5, cc, me);
    krb5_free_principal(ctx->k5, me);
    lazy_store(cc, "krbtgt/TEST.REALM@TEST.REALM", end, "tgt");
    for (int i = 0; i < n; i++) {
        if (i == n / 2)
            *tail_out = file_size(path);
        snprintf(server, sizeof(server), "svc%d/host@TEST.REALM", i);
        snprintf(tag, sizeof(tag), "ticket %d", i);
        lazy_store(cc, server, end, tag);
    }
    other = lazy_creds("svc2/host@TEST.REALM", end, "bob's");
    krb5_free_principal(ctx->k5, other->client);
    krb5_parse_name(ctx->k5, "bob@TEST.REALM", &other->client);
    krb5_cc_store_cred(ctx->k5, cc, other);
    krb5_free_creds(ctx->k5, other);
    lazy_store(cc, "svc1/host@TEST.REALM", end + 600, "svc1 again");
    return cc;
}

static const krb5_creds *
lazy_find(struct ks_ccache_index *idx, const char *server)
{
    struct ks_ccache_match m = { 0 };
    krb5_principal p = NULL;
    const krb5_creds *c;

    m.now = (krb5_timestamp)time(NULL);
    krb5_parse_name(ctx->k5, server, &p);
    c = ks_ccache_index_find(idx, p, &m);
    krb5_free_principal(ctx->k5, p);
    return c;
}

static bool
ticket_is(const krb5_creds *c, const char *tag)
{
    return c != NULL && c->ticket.length == strlen(tag) &&
           memcmp(c->ticket.data, tag, c->ticket.length) == 0;
}

/* Overwrite 16 bytes at OFF with 0xff: a length no file can hold. */
static void
corrupt_at(const char *path, off_t off)
{
    unsigned char junk[16];
    FILE *f = fopen(path, "r+b");

    memset(junk, 0xff, sizeof(junk));
    if (f == NULL)
        return;
    fseeko(f, off, SEEK_SET);
    fwrite(junk, 1, sizeof(junk), f);
    fclose(f);
}

/* Answers do not depend on the order of the look-ups: svc1 is the first
 * svc1 in the cache whether it is asked for first or after a miss. */
static void
test_lazy_order(const char *path)
{
    static const char *orders[2][3] = {
        { "svc1/host@TEST.REALM", "none/host@TEST.REALM",
          "svc7/host@TEST.REALM" },
        { "none/host@TEST.REALM", "svc7/host@TEST.REALM",
          "svc1/host@TEST.REALM" },
    };
    struct ks_ccache_index *idx = NULL;
    krb5_ccache cc;
    off_t tail;

    for (int o = 0; o < 2; o++) {
        cc = lazy_cache(path, 10, &tail);
        is_int(ks_ccache_index_load(ctx, cc, &idx), 0, "lazy: loads");
        if (idx == NULL) {
            krb5_cc_close(ctx->k5, cc);
            return;
        }
        for (int i = 0; i < 3; i++) {
            const krb5_creds *c = lazy_find(idx, orders[o][i]);

            if (orders[o][i][1] == 'o')
                ok(c == NULL, "lazy (order %d): a miss", o);
            else if (orders[o][i][3] == '1')
                ok(ticket_is(c, "ticket 1"),
                   "lazy (order %d): svc1 is the first in the cache", o);
            else
                ok(ticket_is(c, "ticket 7"), "lazy (order %d): svc7", o);
        }
        ok(lazy_find(idx, "svc2/host@TEST.REALM") != NULL &&
           ticket_is(lazy_find(idx, "svc2/host@TEST.REALM"), "ticket 2"),
           "lazy (order %d): svc2 is alice's, not bob's", o);
        is_int(ks_ccache_index_count(idx), 12,
               "lazy (order %d): TGT, 10 services and svc1 again; no bob", o);
        is_int(ks_ccache_index_error(idx), 0, "lazy (order %d): no error", o);
        ks_ccache_index_free(ctx, idx);
        krb5_cc_close(ctx->k5, cc);
    }
}

/* Only as far as asked: a corrupt tail goes unseen by a look-up that
 * stops before it, and stops one that needs it, in load's words. */
static void
test_lazy_corrupt(const char *path)
{
    struct ks_ccache_index *idx = NULL;
    krb5_ccache cc;
    const char *msg;
    off_t tail = 0;

    cc = lazy_cache(path, 10, &tail);
    corrupt_at(path, tail);
    is_int(ks_ccache_index_load(ctx, cc, &idx), 0,
           "corrupt tail: the load reads no entry");
    if (idx == NULL) {
        krb5_cc_close(ctx->k5, cc);
        return;
    }
    ok(ticket_is(lazy_find(idx, "svc3/host@TEST.REALM"), "ticket 3"),
       "corrupt tail: svc3 before it is found");
    is_int(ks_ccache_index_error(idx), 0, "corrupt tail: not read yet");
    ok(lazy_find(idx, "svc8/host@TEST.REALM") == NULL,
       "corrupt tail: svc8 after it is not");
    is_int(ks_ccache_index_error(idx), KRB5_CC_FORMAT,
           "corrupt tail: the failure is kept");
    /* Another message in between: asking again sets it back. */
    krb5_set_error_message(ctx->k5, KRB5_CC_FORMAT, "something else");
    ks_ccache_index_error(idx);
    msg = ks_context_message(ctx, KRB5_CC_FORMAT);
    ok(strncmp(msg, "reading the credentials cache FILE:", 35) == 0 &&
       strstr(msg, path) != NULL,
       "corrupt tail: the message names the cache: %s", msg);
    ks_context_free_message(ctx, msg);
    ok(ticket_is(lazy_find(idx, "svc4/host@TEST.REALM"), "ticket 4"),
       "corrupt tail: what was read before it still counts");
    ok(lazy_find(idx, "svc9/host@TEST.REALM") == NULL,
       "corrupt tail: no reading past a failure");
    ks_ccache_index_free(ctx, idx);
    krb5_cc_close(ctx->k5, cc);

    /* Cut short in the middle of an entry: libkrb5 sees the end there. */
    cc = lazy_cache(path, 10, &tail);
    truncate(path, tail + 20);
    is_int(ks_ccache_index_load(ctx, cc, &idx), 0, "cut short: loads");
    if (idx == NULL) {
        krb5_cc_close(ctx->k5, cc);
        return;
    }
    ok(lazy_find(idx, "svc8/host@TEST.REALM") == NULL &&
       ks_ccache_index_error(idx) == 0, "cut short: svc8 absent, no error");
    ok(ticket_is(lazy_find(idx, "svc4/host@TEST.REALM"), "ticket 4"),
       "cut short: svc4 before the cut");
    is_int(ks_ccache_index_count(idx), 6, "cut short: TGT and svc0..svc4");
    ks_ccache_index_free(ctx, idx);
    krb5_cc_close(ctx->k5, cc);
}

/* Stored while the cursor is open: what another handle appends is read
 * on into; what this program stored and added is not kept twice. */
static void
test_lazy_add(const char *path)
{
    struct ks_ccache_index *idx = NULL;
    krb5_creds *mine = NULL;
    const krb5_creds *kept = NULL;
    krb5_ccache cc, other = NULL;
    char name[600];
    off_t tail;

    cc = lazy_cache(path, 10, &tail);
    is_int(ks_ccache_index_load(ctx, cc, &idx), 0, "open scan: loads");
    if (idx == NULL) {
        krb5_cc_close(ctx->k5, cc);
        return;
    }
    ok(lazy_find(idx, "svc0/host@TEST.REALM") != NULL,
       "open scan: svc0 found near the start");
    snprintf(name, sizeof(name), "FILE:%s", path);
    krb5_cc_resolve(ctx->k5, name, &other);
    lazy_store(other, "late/host@TEST.REALM",
               (krb5_timestamp)time(NULL) + 3600, "late");
    krb5_cc_close(ctx->k5, other);
    mine = lazy_creds("new/host@TEST.REALM",
                      (krb5_timestamp)time(NULL) + 3600, "new");
    krb5_cc_store_cred(ctx->k5, cc, mine);
    is_int(ks_ccache_index_add(ctx, idx, mine, &kept), 0, "open scan: added");
    ok(lazy_find(idx, "new/host@TEST.REALM") == kept,
       "open scan: the added ticket is found, and is the index's copy");
    ok(ticket_is(lazy_find(idx, "late/host@TEST.REALM"), "late"),
       "open scan: a ticket stored after the load is read on into");
    is_int(ks_ccache_index_count(idx), 14,
           "open scan: 12, late and new once (its copy in the file not kept)");
    krb5_free_creds(ctx->k5, mine);
    ks_ccache_index_free(ctx, idx);
    krb5_cc_close(ctx->k5, cc);
}

/* keep_only: entries of the servers named and TGTs stay, the rest are
 * freed as read (the count shows it), and a look-up of another misses. */
static void
test_lazy_keep_only(const char *path)
{
    struct ks_ccache_index *idx = NULL;
    krb5_principal wanted[2] = { NULL, NULL };
    krb5_principal tgt = NULL;
    krb5_ccache cc;
    off_t tail;

    cc = lazy_cache(path, 10, &tail);
    krb5_parse_name(ctx->k5, "svc7/host@TEST.REALM", &wanted[0]);
    krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM", &tgt);
    is_int(ks_ccache_index_load(ctx, cc, &idx), 0, "keep_only: loads");
    if (idx != NULL) {
        is_int(ks_ccache_index_keep_only(idx,
                                         (const krb5_const_principal *)wanted,
                                         2), 0, "keep_only: set");
        ok(ticket_is(lazy_find(idx, "svc7/host@TEST.REALM"), "ticket 7"),
           "keep_only: a named server is found");
        ok(lazy_find(idx, "svc3/host@TEST.REALM") == NULL,
           "keep_only: another server is not kept");
        ok(ks_ccache_index_find_any(idx, tgt) != NULL,
           "keep_only: the TGT is kept");
        is_int(ks_ccache_index_count(idx), 2, "keep_only: TGT and svc7 only");
        ks_ccache_index_free(ctx, idx);
    }
    krb5_free_principal(ctx->k5, wanted[0]);
    krb5_free_principal(ctx->k5, tgt);
    krb5_cc_close(ctx->k5, cc);
}

static void
test_lazy(void)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/lazy", dir);
    test_lazy_order(path);
    test_lazy_corrupt(path);
    test_lazy_add(path);
    test_lazy_keep_only(path);
    unlink(path);
}

int
main(void)
{
    char path[512], name[600];

    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (mkdtemp(dir) == NULL || ks_context_new("test_ccache", &ctx, NULL)) {
        ok(0, "set-up");
        return tap_done();
    }
    snprintf(path, sizeof(path), "%s/cc", dir);
    snprintf(name, sizeof(name), "FILE:%s", path);
    test_new_and_replace(path, name);
    test_failures(path, name);
    test_names(name);
    test_each();
    test_remove();
    test_replaces();
    test_remove_replaced("MEMORY:replaced");
    snprintf(name, sizeof(name), "FILE:%s/replaced", dir);
    test_remove_replaced(name);
    test_current();
    test_lazy();
    unlink(path);
    rmdir(dir);
    ks_context_free(ctx);
    return tap_done();
}

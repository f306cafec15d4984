/*
 * ccache: ks_ccache_replace is atomic.  FILE caches in a temp dir: a new
 * cache, a replace (a new inode renamed into place), and failures (a
 * missing directory; a write that fails half-way, forced with
 * RLIMIT_FSIZE so it also works as root) that leave the old file as it was.
 * Then, on MEMORY caches: a walk (ks_ccache_each), taking one service's
 * tickets out (ks_ccache_remove), and MIT klist's -s rule
 * (ks_ccache_current).  Which tickets a store replaces
 * (ks_ccache_replaces), and their removal from MEMORY and FILE caches
 * (ks_ccache_remove_replaced).
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "creds/ccache.h"
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
    unlink(path);
    rmdir(dir);
    ks_context_free(ctx);
    return tap_done();
}

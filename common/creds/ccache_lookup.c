/*
 * ccache_lookup: the cache read once, only as far as the look-ups need,
 * hashed by server principal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds/ccache_lookup.h"
#include "core/errors.h"
#include "core/hash.h"
#include "creds/ccache.h"

/* The index never holds more than this many credentials, and never reads
 * more entries than this (a cache of four million tickets is corrupt or
 * hostile, not a cache). */
#define MAX_CREDS (1u << 22)

/*
 * Everything a look-up may change: the table grows while the cache is read
 * on, so it lives behind the index's pointer (the look-ups take a const
 * index, as they always did).
 */
struct table {
    struct ks_context *ctx;
    krb5_ccache cc;
    krb5_cc_cursor cursor;      /* open while the cache is not read to the end */
    bool reading;
    size_t nread;               /* entries taken from the cursor */
    krb5_error_code error;      /* what stopped the reading part-way, or 0 */
    char *error_message;        /* its message, to set again when asked */
    krb5_creds **creds;         /* each one malloc'ed: pointers stay valid */
    unsigned char *added;       /* per slot: ADDED, ADDED|ABSORBED, or 0 */
    size_t pending;             /* added slots not yet met in the cache */
    size_t count, cap;
    size_t *buckets;            /* index + 1 of the chain's first entry */
    size_t *next;               /* index + 1 of the next entry in a chain */
    size_t nbuckets;            /* a power of two */
    /* Forgotten (ks_ccache_index_forget): out of the chains, their slots
     * NULL, kept alive because callers may still hold them. */
    krb5_creds **gone;
    size_t ngone, gone_cap;
    /* ks_ccache_index_keep_only: the servers whose entries are kept (with
     * every TGT's), by hash; none set, every entry of the client is. */
    struct ks_name_set only;
};

#define ADDED 1u                /* from ks_ccache_index_add, not read */
#define ABSORBED 2u             /* and since read back from the cache */

struct ks_ccache_index {
    krb5_principal client;
    struct table *t;
};

/* Chains for CAP slots, in NBUCKETS buckets. */
static krb5_error_code
rehash(struct table *t, size_t cap, size_t nbuckets)
{
    size_t *buckets, *next;

    buckets = calloc(nbuckets, sizeof(*buckets));
    next = calloc(cap, sizeof(*next));
    if (buckets == NULL || next == NULL) {
        free(buckets);
        free(next);
        return ENOMEM;
    }
    free(t->buckets);
    free(t->next);
    t->buckets = buckets;
    t->next = next;
    t->nbuckets = nbuckets;
    for (size_t i = 0; i < t->count; i++) {
        size_t b;

        if (t->creds[i] == NULL)
            continue;
        b = ks_hash_principal(t->creds[i]->server) & (nbuckets - 1);
        t->next[i] = t->buckets[b];
        t->buckets[b] = i + 1;
    }
    return 0;
}

/* Take ownership of CREDS (a heap krb5_creds); FLAGS is 0 or ADDED. */
static krb5_error_code
insert(struct table *t, krb5_creds *creds, unsigned char flags)
{
    krb5_creds **grown;
    unsigned char *marks;
    size_t cap, b;
    krb5_error_code ret;

    if (t->count >= MAX_CREDS)
        return KRB5_CC_FORMAT;
    if (t->count == t->cap) {
        cap = t->cap == 0 ? 16 : t->cap * 2;
        grown = realloc(t->creds, cap * sizeof(*grown));
        if (grown == NULL)
            return ENOMEM;
        t->creds = grown;
        marks = realloc(t->added, cap);
        if (marks == NULL)
            return ENOMEM;
        t->added = marks;
        /* Two buckets per slot keeps the chains short.  The capacity
         * grows only once every array has. */
        ret = rehash(t, cap, cap * 2);
        if (ret)
            return ret;
        t->cap = cap;
    }
    b = ks_hash_principal(creds->server) & (t->nbuckets - 1);
    t->creds[t->count] = creds;
    t->added[t->count] = flags;
    t->next[t->count] = t->buckets[b];
    t->buckets[b] = t->count + 1;
    t->count++;
    return 0;
}

static bool
same_data(const krb5_data *a, const krb5_data *b)
{
    return a->length == b->length &&
           (a->length == 0 || memcmp(a->data, b->data, a->length) == 0);
}

/* The cache's name and ks_error_hint on CODE, as a failure to read it is
 * reported at load and part-way alike. */
static void
say_unreadable(struct ks_context *ctx, krb5_ccache cc, krb5_error_code code)
{
    char *name = NULL;
    const char *hint, *msg;

    if (krb5_cc_get_full_name(ctx->k5, cc, &name) != 0)
        name = NULL;
    ks_error_prefix(ctx, code, "reading the credentials cache %s",
                    name != NULL ? name : "(unnamed)");
    hint = ks_error_hint(code);
    if (hint != NULL) {
        msg = ks_context_message(ctx, code);
        krb5_set_error_message(ctx->k5, code, "%s (%s)", msg, hint);
        ks_context_free_message(ctx, msg);
    }
    krb5_free_string(ctx->k5, name);
}

static void
stop_reading(struct table *t)
{
    if (t->reading)
        krb5_cc_end_seq_get(t->ctx->k5, t->cc, &t->cursor);
    t->reading = false;
}

/* Whether C is a copy of a credential this program added (and stored: the
 * cursor reads on into what the program appended to the file).  That
 * slot is then marked, so that a second copy in the cache counts again. */
static bool
absorbed(struct table *t, const krb5_creds *c)
{
    size_t i;

    i = t->buckets[ks_hash_principal(c->server) & (t->nbuckets - 1)];
    for (; i != 0; i = t->next[i - 1]) {
        const krb5_creds *a = t->creds[i - 1];

        if (t->added[i - 1] != ADDED || !ks_name_equal(a->server, c->server) ||
            !ks_name_equal(a->client, c->client) ||
            !same_data(&a->ticket, &c->ticket))
            continue;
        t->added[i - 1] |= ABSORBED;
        t->pending--;
        return true;
    }
    return false;
}

/* Whether a look-up may ask for C's server (ks_ccache_index_keep_only). */
static bool
wanted_later(const struct table *t, const krb5_creds *c)
{
    krb5_const_principal s = c->server;

    if (t->only.slots == NULL)
        return true;
    if (s->length == 2 && s->data[0].length == 6 &&
        memcmp(s->data[0].data, "krbtgt", 6) == 0)
        return true;
    return ks_name_set_find(&t->only, s, NULL);
}

/*
 * Take the next entry from the cursor.  Entries no look-up can return
 * (configuration entries, other clients' tickets, copies of what was
 * added) are freed at once.  *KEPT_OUT is the entry kept, or NULL.
 * Returns false at the end of the cache or when reading fails (the
 * failure is kept in T, with its message).
 */
static bool
read_one(struct table *t, krb5_const_principal client,
         const krb5_creds **kept_out)
{
    krb5_context k5 = t->ctx->k5;
    krb5_creds c, *heap = NULL;
    krb5_error_code ret;
    const char *msg;

    *kept_out = NULL;
    if (!t->reading)
        return false;
    ret = krb5_cc_next_cred(k5, t->cc, &t->cursor, &c);
    if (ret == 0 && krb5_is_config_principal(k5, c.server)) {
        krb5_free_cred_contents(k5, &c);
        return true;
    }
    /* Bounded by the file: every call consumes a record. */
    if (ret == 0 && ++t->nread > MAX_CREDS) {
        krb5_free_cred_contents(k5, &c);
        ret = KRB5_CC_FORMAT;
    }
    if (ret == 0 && (!ks_name_equal(c.client, client) ||
                     !wanted_later(t, &c) ||
                     (t->pending > 0 && absorbed(t, &c)))) {
        krb5_free_cred_contents(k5, &c);
        return true;
    }
    if (ret == 0) {
        heap = malloc(sizeof(*heap));
        if (heap == NULL) {
            krb5_free_cred_contents(k5, &c);
            ret = ENOMEM;
        } else {
            *heap = c;
            ret = insert(t, heap, 0);
            if (ret)
                krb5_free_creds(k5, heap);
        }
    }
    if (ret == 0) {
        *kept_out = heap;
        return true;
    }
    stop_reading(t);
    if (ret != KRB5_CC_END) {
        t->error = ret;
        say_unreadable(t->ctx, t->cc, ret);
        msg = ks_context_message(t->ctx, ret);
        t->error_message = strdup(msg);
        ks_context_free_message(t->ctx, msg);
    }
    return false;
}

/* Read the cache to its end (or to a failure). */
static void
read_all(struct table *t, krb5_const_principal client)
{
    const krb5_creds *c;

    while (read_one(t, client, &c))
        ;
}

krb5_error_code
ks_ccache_index_load(struct ks_context *ctx, krb5_ccache cc,
                     struct ks_ccache_index **idx_out)
{
    struct ks_ccache_index *idx = NULL;
    krb5_error_code ret = ENOMEM;

    idx = calloc(1, sizeof(*idx));
    if (idx != NULL)
        idx->t = calloc(1, sizeof(*idx->t));
    if (idx == NULL || idx->t == NULL)
        goto cleanup;
    idx->t->ctx = ctx;
    idx->t->cc = cc;
    ret = krb5_cc_get_principal(ctx->k5, cc, &idx->client);
    if (!ret)
        ret = krb5_cc_start_seq_get(ctx->k5, cc, &idx->t->cursor);
    if (ret) {
        say_unreadable(ctx, cc, ret);
        goto cleanup;
    }
    idx->t->reading = true;
    *idx_out = idx;
    idx = NULL;

cleanup:
    ks_ccache_index_free(ctx, idx);
    return ret;
}

void
ks_ccache_index_free(struct ks_context *ctx, struct ks_ccache_index *idx)
{
    struct table *t;

    if (idx == NULL)
        return;
    t = idx->t;
    if (t != NULL) {
        stop_reading(t);
        for (size_t i = 0; i < t->count; i++)
            krb5_free_creds(ctx->k5, t->creds[i]);
        for (size_t i = 0; i < t->ngone; i++)
            krb5_free_creds(ctx->k5, t->gone[i]);
        free(t->gone);
        ks_name_set_free(&t->only);
        free(t->creds);
        free(t->added);
        free(t->buckets);
        free(t->next);
        free(t->error_message);
        free(t);
    }
    krb5_free_principal(ctx->k5, idx->client);
    free(idx);
}

krb5_const_principal
ks_ccache_index_client(const struct ks_ccache_index *idx)
{
    return idx->client;
}

size_t
ks_ccache_index_count(const struct ks_ccache_index *idx)
{
    read_all(idx->t, idx->client);
    return idx->t->count - idx->t->ngone;
}

krb5_error_code
ks_ccache_index_error(const struct ks_ccache_index *idx)
{
    const struct table *t = idx->t;

    if (t->error != 0 && t->error_message != NULL)
        krb5_set_error_message(t->ctx->k5, t->error, "%s", t->error_message);
    return t->error;
}

static bool
etype_in(krb5_enctype e, const krb5_enctype *list)
{
    if (list == NULL)
        return true;
    for (size_t i = 0; list[i] != 0; i++) {
        if (list[i] == e)
            return true;
    }
    return false;
}

static bool
usable(const krb5_creds *c, const struct ks_ccache_match *m)
{
    if (c->is_skey || c->second_ticket.length != 0 || c->ticket.length == 0)
        return false;
    if (c->ticket_flags & TKT_FLG_INVALID)
        return false;
    /* y2038: krb5_timestamp is an unsigned 32-bit time in disguise. */
    if ((uint32_t)c->times.endtime <= (uint32_t)m->now)
        return false;
    if (m->etype != 0 && c->keyblock.enctype != m->etype)
        return false;
    return etype_in(c->keyblock.enctype, m->permitted);
}

static bool
wanted(const struct ks_ccache_index *idx, const krb5_creds *c,
       krb5_const_principal server, const struct ks_ccache_match *match)
{
    return ks_name_equal(c->server, server) &&
           ks_name_equal(c->client, idx->client) &&
           (match == NULL || usable(c, match));
}

/* The first usable credential for SERVER among those in memory: *READ_OUT
 * gets the one read from the cache that came first in it, *ADDED_OUT the
 * first one added. */
static void
lookup(const struct ks_ccache_index *idx, krb5_const_principal server,
       const struct ks_ccache_match *match, const krb5_creds **read_out,
       const krb5_creds **added_out)
{
    const struct table *t = idx->t;
    size_t i, first_read = 0, first_added = 0;

    *read_out = *added_out = NULL;
    if (t->nbuckets == 0)
        return;
    i = t->buckets[ks_hash_principal(server) & (t->nbuckets - 1)];
    /* Each step follows a link to a lower insertion slot or a later one
     * that was linked once: the chain visits each entry at most once.
     * Chains run from the newest slot to the oldest. */
    for (; i != 0; i = t->next[i - 1]) {
        if (!wanted(idx, t->creds[i - 1], server, match))
            continue;
        if (t->added[i - 1] & ADDED)
            first_added = i;
        else
            first_read = i;
    }
    if (first_read != 0)
        *read_out = t->creds[first_read - 1];
    if (first_added != 0)
        *added_out = t->creds[first_added - 1];
}

const krb5_creds *
ks_ccache_index_find(const struct ks_ccache_index *idx,
                     krb5_const_principal server,
                     const struct ks_ccache_match *match)
{
    const krb5_creds *found, *added, *c;

    lookup(idx, server, match, &found, &added);
    if (found != NULL)
        return found;
    /* Read on only as far as the first one that will do. */
    while (read_one(idx->t, idx->client, &c)) {
        if (c != NULL && wanted(idx, c, server, match))
            return c;
    }
    return idx->t->error != 0 ? NULL : added;
}

const krb5_creds *
ks_ccache_index_find_any(const struct ks_ccache_index *idx,
                         krb5_const_principal server)
{
    const struct table *t = idx->t;
    const krb5_creds *best = NULL;
    size_t i;

    read_all(idx->t, idx->client);
    if (t->error != 0 || t->nbuckets == 0)
        return NULL;
    i = t->buckets[ks_hash_principal(server) & (t->nbuckets - 1)];
    for (; i != 0; i = t->next[i - 1]) {
        const krb5_creds *c = t->creds[i - 1];

        if (!wanted(idx, c, server, NULL))
            continue;
        if (best == NULL ||
            (uint32_t)c->times.endtime > (uint32_t)best->times.endtime)
            best = c;
    }
    return best;
}

krb5_error_code
ks_ccache_index_add(struct ks_context *ctx, struct ks_ccache_index *idx,
                    const krb5_creds *creds, const krb5_creds **stored_out)
{
    krb5_creds *copy = NULL;
    krb5_error_code ret;

    ret = krb5_copy_creds(ctx->k5, creds, &copy);
    if (ret)
        return ret;
    ret = insert(idx->t, copy, ADDED);
    if (ret) {
        krb5_free_creds(ctx->k5, copy);
        return ret;
    }
    /* Only while the cache is read on can a copy of it turn up there. */
    if (idx->t->reading)
        idx->t->pending++;
    if (stored_out != NULL)
        *stored_out = copy;
    return 0;
}

/* Room for one more forgotten credential. */
static krb5_error_code
grow_gone(struct table *t)
{
    krb5_creds **grown;
    size_t cap;

    if (t->ngone < t->gone_cap)
        return 0;
    cap = t->gone_cap == 0 ? 8 : t->gone_cap * 2;
    grown = realloc(t->gone, cap * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    t->gone = grown;
    t->gone_cap = cap;
    return 0;
}

krb5_error_code
ks_ccache_index_forget(struct ks_context *ctx, struct ks_ccache_index *idx,
                       const krb5_creds *fresh)
{
    struct table *t = idx->t;
    size_t *link, i;
    krb5_error_code ret;

    /* The cursor, left open, could bring back what the store took out of
     * the file (libkrb5's stdio buffer may hold it already). */
    read_all(t, idx->client);
    if (t->nbuckets == 0)
        return 0;
    link = &t->buckets[ks_hash_principal(fresh->server) & (t->nbuckets - 1)];
    while ((i = *link) != 0) {
        krb5_creds *c = t->creds[i - 1];

        if (!ks_ccache_replaces(ctx->k5, fresh, c)) {
            link = &t->next[i - 1];
            continue;
        }
        ret = grow_gone(t);
        if (ret)
            return ret;
        t->gone[t->ngone++] = c;
        t->creds[i - 1] = NULL;
        *link = t->next[i - 1];
    }
    return 0;
}

krb5_error_code
ks_ccache_index_keep_only(struct ks_ccache_index *idx,
                          const krb5_const_principal *servers, size_t n)
{
    struct table *t = idx->t;
    krb5_error_code ret;

    ks_name_set_free(&t->only);
    ret = ks_name_set_init(&t->only, n);
    if (ret)
        return ret;
    for (size_t i = 0; i < n; i++) {
        if (servers[i] != NULL)
            ks_name_set_add(&t->only, servers[i], i, NULL);
    }
    return 0;
}

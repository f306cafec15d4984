/*
 * ccache_lookup: the cache read once, hashed by server principal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds/ccache_lookup.h"
#include "core/errors.h"
#include "creds/ccache.h"

/* The index never holds more than this many credentials (a cache of a
 * million tickets is corrupt or hostile, not a cache). */
#define MAX_CREDS (1u << 22)

struct ks_ccache_index {
    krb5_principal client;
    krb5_creds **creds;         /* each one malloc'ed: pointers stay valid */
    size_t count, cap;
    size_t *buckets;            /* index + 1 of the chain's first entry */
    size_t *next;               /* index + 1 of the next entry in a chain */
    size_t nbuckets;            /* a power of two */
    /* Forgotten (ks_ccache_index_forget): out of the chains, their slots
     * NULL, kept alive because callers may still hold them. */
    krb5_creds **gone;
    size_t ngone, gone_cap;
};

/* FNV-1a over the realm and the components, each with its length. */
static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t
principal_hash(krb5_const_principal p)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint32_t len = p->realm.length;

    h = fnv(h, &len, sizeof(len));
    h = fnv(h, p->realm.data, p->realm.length);
    for (krb5_int32 i = 0; i < p->length; i++) {
        len = p->data[i].length;
        h = fnv(h, &len, sizeof(len));
        h = fnv(h, p->data[i].data, p->data[i].length);
    }
    return h;
}

static krb5_error_code
rehash(struct ks_ccache_index *idx, size_t nbuckets)
{
    size_t *buckets, *next;

    buckets = calloc(nbuckets, sizeof(*buckets));
    next = calloc(idx->cap, sizeof(*next));
    if (buckets == NULL || next == NULL) {
        free(buckets);
        free(next);
        return ENOMEM;
    }
    free(idx->buckets);
    free(idx->next);
    idx->buckets = buckets;
    idx->next = next;
    idx->nbuckets = nbuckets;
    for (size_t i = 0; i < idx->count; i++) {
        size_t b;

        if (idx->creds[i] == NULL)
            continue;
        b = principal_hash(idx->creds[i]->server) & (nbuckets - 1);
        idx->next[i] = idx->buckets[b];
        idx->buckets[b] = i + 1;
    }
    return 0;
}

/* Take ownership of CREDS (a heap krb5_creds). */
static krb5_error_code
insert(struct ks_ccache_index *idx, krb5_creds *creds)
{
    krb5_creds **grown;
    size_t cap, b;
    krb5_error_code ret;

    if (idx->count >= MAX_CREDS)
        return KRB5_CC_FORMAT;
    if (idx->count == idx->cap) {
        cap = idx->cap == 0 ? 16 : idx->cap * 2;
        grown = realloc(idx->creds, cap * sizeof(*grown));
        if (grown == NULL)
            return ENOMEM;
        idx->creds = grown;
        idx->cap = cap;
        /* Two buckets per slot keeps the chains short. */
        ret = rehash(idx, cap * 2);
        if (ret)
            return ret;
    }
    b = principal_hash(creds->server) & (idx->nbuckets - 1);
    idx->creds[idx->count] = creds;
    idx->next[idx->count] = idx->buckets[b];
    idx->buckets[b] = idx->count + 1;
    idx->count++;
    return 0;
}

static krb5_error_code
read_all(struct ks_context *ctx, krb5_ccache cc, struct ks_ccache_index *idx)
{
    krb5_cc_cursor cursor = NULL;
    krb5_creds c, *heap;
    krb5_error_code ret;

    ret = krb5_cc_start_seq_get(ctx->k5, cc, &cursor);
    if (ret)
        return ret;
    /* Bounded by the file: every call consumes a record, and insert()
     * refuses more than MAX_CREDS. */
    while ((ret = krb5_cc_next_cred(ctx->k5, cc, &cursor, &c)) == 0) {
        if (krb5_is_config_principal(ctx->k5, c.server)) {
            krb5_free_cred_contents(ctx->k5, &c);
            continue;
        }
        heap = malloc(sizeof(*heap));
        if (heap == NULL) {
            krb5_free_cred_contents(ctx->k5, &c);
            ret = ENOMEM;
            break;
        }
        *heap = c;
        ret = insert(idx, heap);
        if (ret) {
            krb5_free_creds(ctx->k5, heap);
            break;
        }
    }
    krb5_cc_end_seq_get(ctx->k5, cc, &cursor);
    return ret == KRB5_CC_END ? 0 : ret;
}

krb5_error_code
ks_ccache_index_load(struct ks_context *ctx, krb5_ccache cc,
                     struct ks_ccache_index **idx_out)
{
    struct ks_ccache_index *idx = NULL;
    krb5_error_code ret;
    char *name = NULL;
    const char *hint;

    idx = calloc(1, sizeof(*idx));
    if (idx == NULL)
        return ENOMEM;
    ret = krb5_cc_get_principal(ctx->k5, cc, &idx->client);
    if (!ret)
        ret = read_all(ctx, cc, idx);
    if (ret) {
        if (krb5_cc_get_full_name(ctx->k5, cc, &name) != 0)
            name = NULL;
        ks_error_prefix(ctx, ret, "reading the credentials cache %s",
                        name != NULL ? name : "(unnamed)");
        hint = ks_error_hint(ret);
        if (hint != NULL) {
            const char *msg = ks_context_message(ctx, ret);

            krb5_set_error_message(ctx->k5, ret, "%s (%s)", msg, hint);
            ks_context_free_message(ctx, msg);
        }
        krb5_free_string(ctx->k5, name);
        ks_ccache_index_free(ctx, idx);
        return ret;
    }
    *idx_out = idx;
    return 0;
}

void
ks_ccache_index_free(struct ks_context *ctx, struct ks_ccache_index *idx)
{
    if (idx == NULL)
        return;
    for (size_t i = 0; i < idx->count; i++)
        krb5_free_creds(ctx->k5, idx->creds[i]);
    for (size_t i = 0; i < idx->ngone; i++)
        krb5_free_creds(ctx->k5, idx->gone[i]);
    free(idx->gone);
    free(idx->creds);
    free(idx->buckets);
    free(idx->next);
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
    return idx->count - idx->ngone;
}

/* Same realm and components (the name type does not count, as in MIT's
 * krb5_principal_compare). */
static bool
same_name(krb5_const_principal a, krb5_const_principal b)
{
    if (a->length != b->length || a->realm.length != b->realm.length ||
        memcmp(a->realm.data, b->realm.data, a->realm.length) != 0)
        return false;
    for (krb5_int32 i = 0; i < a->length; i++) {
        if (a->data[i].length != b->data[i].length ||
            memcmp(a->data[i].data, b->data[i].data, a->data[i].length) != 0)
            return false;
    }
    return true;
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

/* Walk SERVER's chain; with MATCH NULL any credential counts. */
static const krb5_creds *
lookup(const struct ks_ccache_index *idx, krb5_const_principal server,
       const struct ks_ccache_match *match)
{
    const krb5_creds *best = NULL;
    size_t i;

    if (idx->nbuckets == 0)
        return NULL;
    i = idx->buckets[principal_hash(server) & (idx->nbuckets - 1)];
    /* Each step follows a link to a lower insertion slot or a later one
     * that was linked once: the chain visits each entry at most once. */
    for (; i != 0; i = idx->next[i - 1]) {
        const krb5_creds *c = idx->creds[i - 1];

        if (!same_name(c->server, server) ||
            !same_name(c->client, idx->client))
            continue;
        if (match != NULL && !usable(c, match))
            continue;
        if (best == NULL ||
            (uint32_t)c->times.endtime > (uint32_t)best->times.endtime)
            best = c;
    }
    return best;
}

const krb5_creds *
ks_ccache_index_find(const struct ks_ccache_index *idx,
                     krb5_const_principal server,
                     const struct ks_ccache_match *match)
{
    return lookup(idx, server, match);
}

const krb5_creds *
ks_ccache_index_find_any(const struct ks_ccache_index *idx,
                         krb5_const_principal server)
{
    return lookup(idx, server, NULL);
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
    ret = insert(idx, copy);
    if (ret) {
        krb5_free_creds(ctx->k5, copy);
        return ret;
    }
    if (stored_out != NULL)
        *stored_out = copy;
    return 0;
}

/* Room for one more forgotten credential. */
static krb5_error_code
grow_gone(struct ks_ccache_index *idx)
{
    krb5_creds **grown;
    size_t cap;

    if (idx->ngone < idx->gone_cap)
        return 0;
    cap = idx->gone_cap == 0 ? 8 : idx->gone_cap * 2;
    grown = realloc(idx->gone, cap * sizeof(*grown));
    if (grown == NULL)
        return ENOMEM;
    idx->gone = grown;
    idx->gone_cap = cap;
    return 0;
}

krb5_error_code
ks_ccache_index_forget(struct ks_context *ctx, struct ks_ccache_index *idx,
                       const krb5_creds *fresh)
{
    size_t *link, i;
    krb5_error_code ret;

    if (idx->nbuckets == 0)
        return 0;
    link = &idx->buckets[principal_hash(fresh->server) & (idx->nbuckets - 1)];
    while ((i = *link) != 0) {
        krb5_creds *c = idx->creds[i - 1];

        if (!ks_ccache_replaces(ctx->k5, fresh, c)) {
            link = &idx->next[i - 1];
            continue;
        }
        ret = grow_gone(idx);
        if (ret)
            return ret;
        idx->gone[idx->ngone++] = c;
        idx->creds[i - 1] = NULL;
        *link = idx->next[i - 1];
    }
    return 0;
}

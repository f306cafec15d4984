/*
 * keys: the run's krb5_key cache and KRB-FX-CF2 over krb5_key objects
 * (keys.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"

/* PRF+ outputs remembered per cached key. */
#define PRF_MAX 4

struct prf_memo {
    char *pepper;                   /* NULL: slot unused */
    krb5_data bytes;                /* zeroed when freed */
};

struct key_entry {
    krb5_keyblock kb;               /* our copy, to find the key by value */
    krb5_key key;                   /* NULL: slot unused */
    struct prf_memo prf[PRF_MAX];
};

struct ks_keys {
    struct key_entry entry[KS_KEYS_MAX];
    size_t next;                    /* the slot reused when all are taken */
};

static void
memo_clear(struct prf_memo *m)
{
    if (m->bytes.data != NULL)
        explicit_bzero(m->bytes.data, m->bytes.length);
    free(m->bytes.data);
    free(m->pepper);
    memset(m, 0, sizeof(*m));
}

static void
entry_clear(krb5_context k5, struct key_entry *e)
{
    for (size_t i = 0; i < PRF_MAX; i++)
        memo_clear(&e->prf[i]);
    krb5_k_free_key(k5, e->key);
    krb5_free_keyblock_contents(k5, &e->kb);
    memset(e, 0, sizeof(*e));
}

void
ks_keys_clear(struct ks_context *ctx)
{
    if (ctx == NULL || ctx->keys == NULL)
        return;
    for (size_t i = 0; i < KS_KEYS_MAX; i++)
        entry_clear(ctx->k5, &ctx->keys->entry[i]);
    free(ctx->keys);
    ctx->keys = NULL;
}

static bool
same_key(const krb5_keyblock *a, const krb5_keyblock *b)
{
    return a->enctype == b->enctype && a->length == b->length &&
           memcmp(a->contents, b->contents, a->length) == 0;
}

krb5_error_code
ks_keys_get(struct ks_context *ctx, const krb5_keyblock *kb,
            krb5_key *key_out)
{
    struct key_entry *e;
    krb5_error_code ret;

    if (ctx->keys == NULL) {
        ctx->keys = calloc(1, sizeof(*ctx->keys));
        if (ctx->keys == NULL)
            return ENOMEM;
    }
    for (size_t i = 0; i < KS_KEYS_MAX; i++) {
        e = &ctx->keys->entry[i];
        if (e->key != NULL && same_key(&e->kb, kb)) {
            krb5_k_reference_key(ctx->k5, e->key);
            *key_out = e->key;
            return 0;
        }
    }
    /* Holders of the evicted key keep their own reference. */
    e = &ctx->keys->entry[ctx->keys->next];
    ctx->keys->next = (ctx->keys->next + 1) % KS_KEYS_MAX;
    entry_clear(ctx->k5, e);
    ret = krb5_copy_keyblock_contents(ctx->k5, kb, &e->kb);
    if (!ret)
        ret = krb5_k_create_key(ctx->k5, kb, &e->key);
    if (ret) {
        entry_clear(ctx->k5, e);
        return ret;
    }
    krb5_k_reference_key(ctx->k5, e->key);
    *key_out = e->key;
    return 0;
}

/* PRF+ itself: PRF(KEY, 1 || PEPPER) || PRF(KEY, 2 || PEPPER) || ...,
 * cut to OUT's length.  One krb5_key for every block, so the PRF's
 * derived key is made once (krb5_c_prfplus makes it once per block). */
static krb5_error_code
prfplus(krb5_context k5, krb5_key key, const char *pepper, krb5_data *out)
{
    size_t prflen = 0, plen = strlen(pepper), done = 0, n;
    krb5_data in = { KV5M_DATA, 0, NULL }, block = { KV5M_DATA, 0, NULL };
    krb5_error_code ret;

    ret = krb5_c_prf_length(k5, krb5_k_key_enctype(k5, key), &prflen);
    if (ret)
        return ret;
    if (prflen == 0 || (out->length + prflen - 1) / prflen > 255)
        return E2BIG;
    in.data = malloc(plen + 1);
    block.data = malloc(prflen);
    if (in.data == NULL || block.data == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    in.length = (unsigned int)(plen + 1);
    block.length = (unsigned int)prflen;
    memcpy(in.data + 1, pepper, plen);
    for (unsigned int i = 1; done < out->length; i++) {
        in.data[0] = (char)i;
        ret = krb5_k_prf(k5, key, &in, &block);
        if (ret)
            goto cleanup;
        n = out->length - done < prflen ? out->length - done : prflen;
        memcpy(out->data + done, block.data, n);
        done += n;
    }

cleanup:
    if (ret)
        explicit_bzero(out->data, out->length);
    if (block.data != NULL)
        explicit_bzero(block.data, prflen);
    free(block.data);
    free(in.data);
    return ret;
}

static struct key_entry *
find_entry(struct ks_context *ctx, krb5_key key)
{
    for (size_t i = 0; ctx->keys != NULL && i < KS_KEYS_MAX; i++) {
        if (ctx->keys->entry[i].key == key)
            return &ctx->keys->entry[i];
    }
    return NULL;
}

/* Remember OUT as PRF+(E's key, PEPPER); a failure only forgets it. */
static void
remember(struct key_entry *e, const char *pepper, const krb5_data *out)
{
    struct prf_memo *m = NULL;

    for (size_t i = 0; i < PRF_MAX && m == NULL; i++) {
        if (e->prf[i].pepper == NULL)
            m = &e->prf[i];
    }
    if (m == NULL)
        return;
    m->pepper = strdup(pepper);
    m->bytes.data = malloc(out->length > 0 ? out->length : 1);
    if (m->pepper == NULL || m->bytes.data == NULL) {
        memo_clear(m);
        return;
    }
    m->bytes.magic = KV5M_DATA;
    m->bytes.length = out->length;
    memcpy(m->bytes.data, out->data, out->length);
}

krb5_error_code
ks_keys_prfplus(struct ks_context *ctx, krb5_key key, const char *pepper,
                krb5_data *out)
{
    struct key_entry *e = find_entry(ctx, key);
    krb5_error_code ret;

    for (size_t i = 0; e != NULL && i < PRF_MAX; i++) {
        const struct prf_memo *m = &e->prf[i];

        if (m->pepper != NULL && m->bytes.length == out->length &&
            strcmp(m->pepper, pepper) == 0) {
            memcpy(out->data, m->bytes.data, out->length);
            return 0;
        }
    }
    ret = prfplus(ctx->k5, key, pepper, out);
    if (!ret && e != NULL)
        remember(e, pepper, out);
    return ret;
}

krb5_error_code
ks_keys_cf2(struct ks_context *ctx, krb5_key k1, const char *pepper1,
            krb5_key k2, const char *pepper2, krb5_keyblock **out_out)
{
    krb5_enctype etype = krb5_k_key_enctype(ctx->k5, k1);
    size_t keybytes = 0, keylength = 0;
    krb5_data p1 = { KV5M_DATA, 0, NULL }, p2 = { KV5M_DATA, 0, NULL };
    krb5_keyblock *out = NULL;
    krb5_error_code ret;

    ret = krb5_c_keylengths(ctx->k5, etype, &keybytes, &keylength);
    if (ret)
        return ret;
    p1.data = calloc(1, keybytes > 0 ? keybytes : 1);
    p2.data = calloc(1, keybytes > 0 ? keybytes : 1);
    if (p1.data == NULL || p2.data == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    p1.length = p2.length = (unsigned int)keybytes;
    ret = ks_keys_prfplus(ctx, k1, pepper1, &p1);
    if (!ret)
        ret = ks_keys_prfplus(ctx, k2, pepper2, &p2);
    if (ret)
        goto cleanup;
    for (size_t i = 0; i < keybytes; i++)
        p1.data[i] ^= p2.data[i];
    ret = krb5_init_keyblock(ctx->k5, etype, keylength, &out);
    if (!ret)
        ret = krb5_c_random_to_key(ctx->k5, etype, &p1, out);
    if (ret)
        goto cleanup;
    *out_out = out;
    out = NULL;

cleanup:
    krb5_free_keyblock(ctx->k5, out);
    if (p1.data != NULL)
        explicit_bzero(p1.data, keybytes);
    if (p2.data != NULL)
        explicit_bzero(p2.data, keybytes);
    free(p1.data);
    free(p2.data);
    return ret;
}

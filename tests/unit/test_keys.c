/*
 * keys: the run's krb5_key cache, PRF+ and KRB-FX-CF2 over key objects,
 * checked against libkrb5's krb5_c_prfplus and krb5_c_fx_cf2_simple.
 */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/keys.h"
#include "tap.h"

static struct ks_context *ctx;

static krb5_keyblock *
random_key(krb5_enctype e)
{
    krb5_keyblock *k = NULL;

    if (krb5_init_keyblock(ctx->k5, e, 0, &k) != 0)
        return NULL;
    if (krb5_c_make_random_key(ctx->k5, e, k) != 0) {
        krb5_free_keyblock(ctx->k5, k);
        return NULL;
    }
    return k;
}

static bool
same_keyblock(const krb5_keyblock *a, const krb5_keyblock *b)
{
    return a != NULL && b != NULL && a->enctype == b->enctype &&
           a->length == b->length &&
           memcmp(a->contents, b->contents, a->length) == 0;
}

/* Our KRB-FX-CF2, twice (the second from the remembered PRF+), is
 * libkrb5's. */
static void
test_cf2(krb5_enctype e, const char *name)
{
    krb5_keyblock *a = random_key(e), *b = random_key(e);
    krb5_keyblock *want = NULL, *got = NULL, *again = NULL;
    krb5_key ka = NULL, kb = NULL;

    if (a == NULL || b == NULL ||
        krb5_c_fx_cf2_simple(ctx->k5, a, "subkeyarmor", b, "ticketarmor",
                             &want) != 0 ||
        krb5_k_create_key(ctx->k5, a, &ka) != 0 ||
        ks_keys_get(ctx, b, &kb) != 0) {
        ok(0, "%s: keys", name);
        goto cleanup;
    }
    ok(ks_keys_cf2(ctx, ka, "subkeyarmor", kb, "ticketarmor", &got) == 0 &&
       same_keyblock(got, want), "%s: KRB-FX-CF2 as libkrb5's", name);
    ok(ks_keys_cf2(ctx, ka, "subkeyarmor", kb, "ticketarmor", &again) == 0 &&
       same_keyblock(again, want), "%s: and again from the cached PRF+",
       name);

cleanup:
    krb5_k_free_key(ctx->k5, ka);
    krb5_k_free_key(ctx->k5, kb);
    krb5_free_keyblock(ctx->k5, a);
    krb5_free_keyblock(ctx->k5, b);
    krb5_free_keyblock(ctx->k5, want);
    krb5_free_keyblock(ctx->k5, got);
    krb5_free_keyblock(ctx->k5, again);
}

/* PRF+ of a length that is no multiple of the PRF's, as libkrb5's. */
static void
test_prfplus(void)
{
    krb5_keyblock *a = random_key(ENCTYPE_AES128_CTS_HMAC_SHA1_96);
    krb5_data pepper = { KV5M_DATA, 5, (char *)"hello" };
    char w[37], g[37];
    krb5_data want = { KV5M_DATA, sizeof(w), w };
    krb5_data got = { KV5M_DATA, sizeof(g), g };
    krb5_key k = NULL;

    ok(a != NULL && krb5_c_prfplus(ctx->k5, a, &pepper, &want) == 0 &&
       krb5_k_create_key(ctx->k5, a, &k) == 0 &&
       ks_keys_prfplus(ctx, k, "hello", &got) == 0 &&
       memcmp(w, g, sizeof(w)) == 0, "PRF+ of 37 bytes as libkrb5's");
    krb5_k_free_key(ctx->k5, k);
    krb5_free_keyblock(ctx->k5, a);
}

/* One key object per key value; more keys than slots evict the oldest,
 * whose holders keep a working reference. */
static void
test_cache(void)
{
    krb5_keyblock *kb[KS_KEYS_MAX + 1] = { NULL };
    krb5_key first = NULL, same = NULL, k = NULL;
    krb5_keyblock *out = NULL;
    bool all = true;

    for (size_t i = 0; i <= KS_KEYS_MAX; i++) {
        kb[i] = random_key(ENCTYPE_AES256_CTS_HMAC_SHA1_96);
        all = all && kb[i] != NULL;
    }
    if (!all || ks_keys_get(ctx, kb[0], &first) != 0) {
        ok(0, "keys");
        goto cleanup;
    }
    ok(ks_keys_get(ctx, kb[0], &same) == 0 && same == first,
       "the same key object for the same key");
    for (size_t i = 1; i <= KS_KEYS_MAX; i++) {
        k = NULL;
        all = all && ks_keys_get(ctx, kb[i], &k) == 0;
        krb5_k_free_key(ctx->k5, k);
    }
    ok(all, "more keys than slots");
    ok(ks_keys_cf2(ctx, first, "a", first, "b", &out) == 0,
       "an evicted key still works for its holder");

cleanup:
    krb5_k_free_key(ctx->k5, first);
    krb5_k_free_key(ctx->k5, same);
    krb5_free_keyblock(ctx->k5, out);
    for (size_t i = 0; i <= KS_KEYS_MAX; i++)
        krb5_free_keyblock(ctx->k5, kb[i]);
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (ks_context_new("test_keys", &ctx, NULL) != 0) {
        ok(0, "context");
        return tap_done();
    }
    test_cf2(ENCTYPE_AES128_CTS_HMAC_SHA1_96, "aes128-sha1");
    test_cf2(ENCTYPE_AES256_CTS_HMAC_SHA1_96, "aes256-sha1");
    test_cf2(ENCTYPE_AES128_CTS_HMAC_SHA256_128, "aes128-sha2");
    test_cf2(ENCTYPE_AES256_CTS_HMAC_SHA384_192, "aes256-sha2");
    test_cf2(ENCTYPE_CAMELLIA256_CTS_CMAC, "camellia256");
    test_prfplus();
    test_cache();
    ks_context_free(ctx);
    return tap_done();
}

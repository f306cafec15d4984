/*
 * secret: encrypting, decrypting into a buffer of its own, and zeroing
 * on free.
 */
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"
#include "tap.h"

static krb5_context k5;

static void
test_decrypt(void)
{
    krb5_keyblock *key = NULL, *other = NULL;
    krb5_data in = { KV5M_DATA, 11, (char *)"hello world" };
    krb5_data plain = { KV5M_DATA, 0, NULL }, untouched = plain;
    krb5_enc_data enc = { 0 };
    size_t len = 0;

    if (krb5_init_keyblock(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, 0, &key) ||
        krb5_c_make_random_key(k5, key->enctype, key) ||
        krb5_init_keyblock(k5, key->enctype, 0, &other) ||
        krb5_c_make_random_key(k5, key->enctype, other) ||
        krb5_c_encrypt_length(k5, key->enctype, in.length, &len)) {
        ok(0, "keys");
        return;
    }
    is_int(ks_secret_encrypt(k5, key, 7, &in, &enc), 0, "encrypts");
    ok(enc.enctype == key->enctype && enc.ciphertext.length == len,
       "the enctype and the length libkrb5 promised");
    is_int(ks_secret_decrypt(k5, key, 7, &enc, &plain), 0, "decrypts");
    ok(plain.length == in.length &&
       memcmp(plain.data, in.data, in.length) == 0, "the plaintext back");
    ks_secret_free(&plain);
    ok(plain.data == NULL && plain.length == 0, "freed and emptied");
    is_int(ks_secret_decrypt(k5, key, 8, &enc, &plain),
           KRB5KRB_AP_ERR_BAD_INTEGRITY, "another key usage fails");
    ok(plain.data == untouched.data && plain.length == 0,
       "nothing returned on failure");
    is_int(ks_secret_decrypt(k5, other, 7, &enc, &plain),
           KRB5KRB_AP_ERR_BAD_INTEGRITY, "another key fails");
    ks_secret_free(NULL);
    ks_secret_free(&plain);
    ok(1, "free accepts NULL and an empty buffer");
    free(enc.ciphertext.data);
    krb5_free_keyblock(k5, key);
    krb5_free_keyblock(k5, other);
}

int
main(void)
{
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (krb5_init_context(&k5) != 0) {
        ok(0, "krb5 context");
        return tap_done();
    }
    test_decrypt();
    krb5_free_context(k5);
    return tap_done();
}

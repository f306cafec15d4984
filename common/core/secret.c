/*
 * secret: encrypting, and decrypting into buffers of our own that are
 * zeroed when freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"

krb5_error_code
ks_secret_decrypt_k(krb5_context k5, krb5_key key, krb5_keyusage usage,
                    const krb5_enc_data *enc, krb5_data *plain_out)
{
    krb5_data plain = { KV5M_DATA, enc->ciphertext.length, NULL };
    krb5_error_code ret;

    /* The plaintext is never longer than the ciphertext; malloc(0) may
     * return NULL, so ask for at least one byte. */
    plain.data = malloc(plain.length > 0 ? plain.length : 1);
    if (plain.data == NULL)
        return ENOMEM;
    ret = krb5_k_decrypt(k5, key, usage, NULL, enc, &plain);
    if (ret) {
        /* A failed decryption may have left part of a plaintext. */
        plain.length = enc->ciphertext.length;
        ks_secret_free(&plain);
        return ret;
    }
    *plain_out = plain;
    return 0;
}

krb5_error_code
ks_secret_encrypt_k(krb5_context k5, krb5_key key, krb5_keyusage usage,
                    const krb5_data *plain, krb5_enc_data *enc_out)
{
    krb5_enc_data enc = { 0 };
    krb5_enctype etype = krb5_k_key_enctype(k5, key);
    size_t len = 0;
    krb5_error_code ret;

    ret = krb5_c_encrypt_length(k5, etype, plain->length, &len);
    if (ret)
        return ret;
    enc.magic = KV5M_ENC_DATA;
    enc.enctype = etype;
    enc.ciphertext.length = (unsigned int)len;
    enc.ciphertext.data = malloc(len > 0 ? len : 1);
    if (enc.ciphertext.data == NULL)
        return ENOMEM;
    ret = krb5_k_encrypt(k5, key, usage, NULL, plain, &enc);
    if (ret) {
        free(enc.ciphertext.data);
        return ret;
    }
    *enc_out = enc;
    return 0;
}

/* What krb5_c_encrypt and krb5_c_decrypt do with a keyblock: a key
 * object for one call. */
krb5_error_code
ks_secret_decrypt(krb5_context k5, const krb5_keyblock *keyblock,
                  krb5_keyusage usage, const krb5_enc_data *enc,
                  krb5_data *plain_out)
{
    krb5_key key = NULL;
    krb5_error_code ret;

    ret = krb5_k_create_key(k5, keyblock, &key);
    if (!ret)
        ret = ks_secret_decrypt_k(k5, key, usage, enc, plain_out);
    krb5_k_free_key(k5, key);
    return ret;
}

krb5_error_code
ks_secret_encrypt(krb5_context k5, const krb5_keyblock *keyblock,
                  krb5_keyusage usage, const krb5_data *plain,
                  krb5_enc_data *enc_out)
{
    krb5_key key = NULL;
    krb5_error_code ret;

    ret = krb5_k_create_key(k5, keyblock, &key);
    if (!ret)
        ret = ks_secret_encrypt_k(k5, key, usage, plain, enc_out);
    krb5_k_free_key(k5, key);
    return ret;
}

void
ks_secret_free(krb5_data *d)
{
    if (d == NULL || d->data == NULL)
        return;
    explicit_bzero(d->data, d->length);
    free(d->data);
    d->data = NULL;
    d->length = 0;
}

void
ks_secret_free_encoded(krb5_context k5, krb5_data *d)
{
    if (d != NULL && d->data != NULL)
        explicit_bzero(d->data, d->length);
    krb5_free_data(k5, d);
}

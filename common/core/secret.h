/*
 * secret: plaintext that came out of an encrypted part (keys, tickets,
 * authenticators) is decrypted into a buffer of its own and zeroed before
 * it is freed.  One copy of that, for every room that opens an
 * EncryptedData.
 */
#ifndef KS_SECRET_H
#define KS_SECRET_H

#include <krb5.h>

/*
 * Decrypt ENC with KEY for USAGE into a fresh buffer: *plain_out is set
 * only on success and is freed with ks_secret_free().  libkrb5's error
 * (KRB5KRB_AP_ERR_BAD_INTEGRITY for a wrong key, ...) or ENOMEM; no
 * message is set, so the caller says what it was opening.
 */
krb5_error_code ks_secret_decrypt(krb5_context k5, const krb5_keyblock *key,
                                  krb5_keyusage usage,
                                  const krb5_enc_data *enc,
                                  krb5_data *plain_out);

/*
 * Encrypt PLAIN with KEY for USAGE: *enc_out (enctype set, kvno 0) is set
 * only on success; free its ciphertext with free().  libkrb5's error or
 * ENOMEM, with no message set.
 */
krb5_error_code ks_secret_encrypt(krb5_context k5, const krb5_keyblock *key,
                                  krb5_keyusage usage,
                                  const krb5_data *plain,
                                  krb5_enc_data *enc_out);

/* The same with a krb5_key, whose derived keys libkrb5 keeps: for a key
 * used more than once in a run. */
krb5_error_code ks_secret_decrypt_k(krb5_context k5, krb5_key key,
                                    krb5_keyusage usage,
                                    const krb5_enc_data *enc,
                                    krb5_data *plain_out);
krb5_error_code ks_secret_encrypt_k(krb5_context k5, krb5_key key,
                                    krb5_keyusage usage,
                                    const krb5_data *plain,
                                    krb5_enc_data *enc_out);

/* Zero and free D's bytes and leave D empty.  D and its data may be NULL. */
void ks_secret_free(krb5_data *d);

/* Zero and free D, as a libkrb5 encoder returned it (krb5_free_data).  D
 * may be NULL. */
void ks_secret_free_encoded(krb5_context k5, krb5_data *d);

#endif /* KS_SECRET_H */

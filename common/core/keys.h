/*
 * keys: krb5_key objects for the keys a run uses again and again, and
 * KRB-FX-CF2 on them.
 *
 * Every krb5_c_* call on a raw keyblock makes a krb5_key and derives its
 * keys (Ke, Ki, Kc, the PRF key) again; a krb5_key kept for the run keeps
 * them.  The run's cache holds one krb5_key per TGT session key (at most
 * KS_KEYS_MAX, the oldest dropped first), and the PRF+ outputs asked of
 * them: PRF+(TGT session key, "ticketarmor") is the same for every FAST
 * TGS-REQ of a run.  Every cached byte is zeroed when freed.
 */
#ifndef KS_KEYS_H
#define KS_KEYS_H

#include <krb5.h>
#include "core/context.h"

#define KS_KEYS_MAX 8

/*
 * A krb5_key for KB from the run's cache (made on first use).  *key_out is
 * a new reference: release it with krb5_k_free_key.  ENOMEM or libkrb5's
 * error (KRB5_BAD_ENCTYPE), no message set.
 */
krb5_error_code ks_keys_get(struct ks_context *ctx, const krb5_keyblock *kb,
                            krb5_key *key_out);

/*
 * PRF+(KEY, PEPPER) (RFC 6113 5.1) into OUT, whose length the caller sets
 * and whose buffer it provides.  Remembered for the run when KEY came from
 * ks_keys_get.  libkrb5's error or ENOMEM; OUT is zeroed on failure.
 */
krb5_error_code ks_keys_prfplus(struct ks_context *ctx, krb5_key key,
                                const char *pepper, krb5_data *out);

/*
 * KRB-FX-CF2(K1, PEPPER1, K2, PEPPER2) (RFC 6113 5.1): random-to-key of
 * PRF+(K1, PEPPER1) XOR PRF+(K2, PEPPER2), of K1's enctype, as
 * krb5_c_fx_cf2_simple computes it.  *out_out is set only on success
 * (free with krb5_free_keyblock).  libkrb5's error or ENOMEM, no message.
 */
krb5_error_code ks_keys_cf2(struct ks_context *ctx, krb5_key k1,
                            const char *pepper1, krb5_key k2,
                            const char *pepper2, krb5_keyblock **out_out);

/* Drop the run's cache, zeroing what it held.  CTX may be NULL. */
void ks_keys_clear(struct ks_context *ctx);

#endif /* KS_KEYS_H */

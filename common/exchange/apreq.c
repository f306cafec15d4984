/*
 * apreq: a client's KRB_AP_REQ, for every exchange that sends one.
 */
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/krb5_private.h"
#include "core/secret.h"
#include "core/text.h"
#include "exchange/apreq.h"

krb5_error_code
ks_apreq_seal_authenticator(struct ks_context *ctx, krb5_key key,
                            krb5_keyusage usage,
                            const krb5_authenticator *auth,
                            krb5_enc_data *enc_out)
{
    krb5_data *plain = NULL;
    krb5_error_code ret;

    ret = encode_krb5_authenticator(auth, &plain);
    if (!ret)
        ret = ks_secret_encrypt_k(ctx->k5, key, usage, plain, enc_out);
    /* It holds the subkey. */
    ks_secret_free_encoded(ctx->k5, plain);
    return ret;
}

krb5_error_code
ks_apreq_encode(struct ks_context *ctx, const krb5_creds *creds,
                krb5_flags ap_options, const krb5_enc_data *auth,
                krb5_data **ap_out)
{
    krb5_ticket *ticket = NULL;
    krb5_ap_req ap;
    char name[256];
    krb5_error_code ret;

    ret = decode_krb5_ticket(&creds->ticket, &ticket);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the ticket for %s",
                            ks_text_principal(ctx->k5, creds->server, name,
                                              sizeof(name)));
    memset(&ap, 0, sizeof(ap));
    ap.magic = KV5M_AP_REQ;
    ap.ap_options = ap_options;
    ap.ticket = ticket;
    ap.authenticator = *auth;
    ret = encode_krb5_ap_req(&ap, ap_out);
    krb5_free_ticket(ctx->k5, ticket);
    return ret;
}

krb5_error_code
ks_apreq_make(struct ks_context *ctx, const krb5_creds *creds,
              krb5_flags ap_options, krb5_keyusage usage,
              const krb5_authenticator *auth, krb5_data **ap_out)
{
    krb5_enc_data enc = { 0 };
    krb5_key key = NULL;
    krb5_error_code ret;

    ret = krb5_k_create_key(ctx->k5, &creds->keyblock, &key);
    if (!ret)
        ret = ks_apreq_seal_authenticator(ctx, key, usage, auth, &enc);
    krb5_k_free_key(ctx->k5, key);
    if (!ret)
        ret = ks_apreq_encode(ctx, creds, ap_options, &enc, ap_out);
    free(enc.ciphertext.data);
    return ret;
}

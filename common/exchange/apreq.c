/*
 * apreq: a client's KRB_AP_REQ, for every exchange that sends one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/krb5_private.h"
#include "core/secret.h"
#include "core/text.h"
#include "exchange/apreq.h"
#include "wire/der.h"
#include "wire/der_write.h"

/* [APPLICATION 14], constructed. */
#define TAG_AP_REQ 0x6e

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

/* CREDS's ticket is one whole DER [APPLICATION 1] element. */
static krb5_error_code
check_ticket(const krb5_data *ticket)
{
    struct ks_der_tlv tlv;
    krb5_error_code ret;

    ret = ks_der_read((const uint8_t *)ticket->data, ticket->length, &tlv);
    if (ret)
        return ret;
    if (tlv.cls != KS_DER_APPLICATION || tlv.tag != 1 || !tlv.constructed)
        return ASN1_BAD_ID;
    return tlv.total_len == ticket->length ? 0 : ASN1_BAD_LENGTH;
}

/*
 * AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0] 5, msg-type [1] 14,
 * ap-options [2], ticket [3], authenticator [4] } (RFC 4120 5.5.1).  The
 * ticket goes in as the KDC issued it: decoding it only for libkrb5 to
 * encode it again cost every request a decode and an encode.
 */
krb5_error_code
ks_apreq_encode(struct ks_context *ctx, const krb5_creds *creds,
                krb5_flags ap_options, const krb5_enc_data *auth,
                krb5_data **ap_out)
{
    krb5_data pvno = { 0 }, type = { 0 }, opts = { 0 }, seq = { 0 };
    krb5_data *enc = NULL, *out = NULL;
    const krb5_data *fields[5] = { &pvno, &type, &opts, &creds->ticket,
                                   NULL };
    char name[256];
    krb5_error_code ret;

    ret = check_ticket(&creds->ticket);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the ticket for %s",
                            ks_text_principal(ctx->k5, creds->server, name,
                                              sizeof(name)));
    out = calloc(1, sizeof(*out));
    if (out == NULL)
        return ENOMEM;
    ret = encode_krb5_enc_data(auth, &enc);
    if (!ret)
        ret = ks_der_write_integer(KRB5_PVNO, &pvno);
    if (!ret)
        ret = ks_der_write_integer(KRB5_AP_REQ, &type);
    if (!ret)
        ret = ks_der_write_flags(ap_options, &opts);
    if (!ret) {
        fields[4] = enc;
        ret = ks_der_write_fields(fields, 5, &seq);
    }
    if (!ret)
        ret = ks_der_write_tlv(TAG_AP_REQ, &seq, 1, out);
    ks_der_write_free(&pvno);
    ks_der_write_free(&type);
    ks_der_write_free(&opts);
    ks_der_write_free(&seq);
    krb5_free_data(ctx->k5, enc);
    if (ret) {
        free(out);
        return ret;
    }
    out->magic = KV5M_DATA;
    *ap_out = out;
    return 0;
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

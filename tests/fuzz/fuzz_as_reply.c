/*
 * fuzz_as_reply: the client's side of the AS exchange on hostile input:
 * the AS-REP decoded, decrypted with alice's key (the fixture realm's
 * "alice-pw", so replies captured from it decrypt) and checked, and the
 * KRB-ERROR's METHOD-DATA read for the key hints that pre-authentication
 * follows.
 */
#include <string.h>
#include <time.h>

#include "core/krb5_private.h"
#include "exchange/as.h"
#include "fuzz.h"

static struct ks_as_request req;
static krb5_keyblock key;
static krb5_principal client, server;
static const krb5_enctype etypes[] = {
    ENCTYPE_AES256_CTS_HMAC_SHA1_96, ENCTYPE_AES128_CTS_HMAC_SHA1_96, 0
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ks_context *ctx = fuzz_context();
    struct ks_as_options opts = { 0 };
    krb5_data pw = { 0, 8, (char *)"alice-pw" };
    krb5_data salt = { 0, 15, (char *)"TEST.REALMalice" };

    (void)argc;
    (void)argv;
    if (krb5_parse_name(ctx->k5, "alice@TEST.REALM", &client) != 0 ||
        krb5_parse_name(ctx->k5, "krbtgt/TEST.REALM@TEST.REALM",
                        &server) != 0 ||
        krb5_c_string_to_key(ctx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &pw,
                             &salt, &key) != 0)
        abort();
    opts.client = client;
    opts.renew_lifetime = -1;
    opts.forwardable = opts.proxiable = opts.addresses = -1;
    opts.request_pac = -1;
    if (ks_as_init_request(ctx, &opts, server, etypes, time(NULL),
                           &req) != 0)
        abort();
    req.nonce = 0x1234567;
    if (ks_as_encode_request(ctx, &req, NULL, NULL) != 0)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_context *ctx = fuzz_context();
    krb5_data in = { 0, (unsigned int)size, (char *)data };
    krb5_kdc_rep *rep = NULL;
    krb5_creds *creds = NULL;
    krb5_pa_data **padata = NULL;
    struct ks_as_hint hint;

    if (ks_as_decode_reply(ctx, &req, &in, &rep) == 0) {
        if (ks_as_decrypt_reply(ctx, &req, rep, &key) == 0 &&
            ks_as_verify_reply(ctx, &req, rep, (krb5_timestamp)time(NULL)) == 0 &&
            ks_as_make_creds(ctx, rep, &creds) == 0)
            krb5_free_creds(ctx->k5, creds);
        krb5_free_kdc_rep(ctx->k5, rep);
    }
    if (decode_krb5_padata_sequence(&in, &padata) == 0) {
        if (ks_as_choose_hint(ctx, padata, etypes, false, &hint) == 0)
            ks_as_hint_clear(&hint);
        krb5_free_pa_data(ctx->k5, padata);
    }
    return 0;
}

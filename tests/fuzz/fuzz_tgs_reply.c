/*
 * fuzz_tgs_reply: step 7 (the client's checks of a TGS-REP), the KDC-side
 * openers of steps 4 and 5, and the local KDC answering the input as a
 * TGS-REQ.  An exchange is made offline once (tests/fixtures/exchange.h);
 * each input is tried as a reply on its own, and as a change to the good
 * reply (its first two bytes say where to start XORing the rest), so that
 * the checks behind a valid decryption are reached too.
 */
#include "exchange/tgs.h"
#include "fuzz.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"

#include "../fixtures/exchange.h"

static struct fx fx;
static struct ks_tgs_request *req;
static krb5_data good;
static krb5_creds tgt;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ks_tgs_options opts = { .kdc_options = KDC_OPT_FORWARDABLE };

    (void)argc;
    (void)argv;
    if (fx_init(&fx) != 0)
        abort();
    fx_tgt_creds(&fx, &tgt);
    if (ks_tgs_build_request(fx.ctx, &tgt, fx.service, &opts, &req) != 0 ||
        ks_kdc_local_answer(fx.ctx, &req->encoded, fx.kt, &good) != 0)
        abort();
    return 0;
}

static void
try_reply(const krb5_data *bytes)
{
    krb5_creds *creds = NULL;
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_ticket *ticket = NULL;
    krb5_keyusage usage;

    if (ks_tgs_open_reply(fx.ctx, req, bytes, &creds) == 0)
        krb5_free_creds(fx.k5, creds);
    if (ks_inspect_open_reply(fx.ctx, bytes, req->subkey, &fx.session,
                              &part, &usage) == 0)
        krb5_free_enc_kdc_rep_part(fx.k5, part);
    if (ks_inspect_open_ticket(fx.ctx, bytes, fx.kt, &ticket) == 0)
        krb5_free_ticket(fx.k5, ticket);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    krb5_data in = { 0, (unsigned int)size, (char *)data }, out = { 0 };
    krb5_data changed = { 0 };
    size_t at;

    try_reply(&in);
    if (ks_kdc_local_answer(fx.ctx, &in, fx.kt, &out) == 0)
        krb5_free_data_contents(fx.k5, &out);
    if (size < 3)
        return 0;
    changed.length = good.length;
    changed.data = malloc(good.length);
    if (changed.data == NULL)
        return 0;
    memcpy(changed.data, good.data, good.length);
    at = ((size_t)data[0] << 8 | data[1]) % good.length;
    for (size_t i = 2; i < size && at < good.length; i++, at++)
        changed.data[at] ^= (char)data[i];
    try_reply(&changed);
    free(changed.data);
    return 0;
}

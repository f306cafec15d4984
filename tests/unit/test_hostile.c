/*
 * hostile: a real TGS exchange made offline (tests/fixtures/exchange.h),
 * then its reply cut at every length and changed one byte at a time, fed
 * to the client's step 7 and to the KDC-side openers of steps 4 and 5, and
 * the request fed, cut and changed, to the local KDC.  Nothing may crash
 * or read out of bounds (the ASan build and the valgrind setup watch);
 * every cut reply must be refused, and a changed one either refused or,
 * where the change fell in bytes the client cannot check (the ticket's
 * ciphertext), accepted with the same service and key.  PROTOCOL.md 2.2.
 */
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "tap.h"
#include "exchange/tgs.h"

#include "../fixtures/exchange.h"

/* Single-byte changes tried per message: every position up to this many,
 * each XORed with three patterns (bounded, deterministic). */
#define MUTATED_POSITIONS 2048
static const unsigned char patterns[] = { 0x01, 0x80, 0xff };

struct exchange {
    struct ks_tgs_request *req;
    krb5_data reply;
    krb5_creds tgt;
};

static int
make_exchange(struct fx *fx, struct exchange *x)
{
    struct ks_tgs_options opts = { .kdc_options = KDC_OPT_FORWARDABLE };

    memset(x, 0, sizeof(*x));
    fx_tgt_creds(fx, &x->tgt);
    if (ks_tgs_build_request(fx->ctx, &x->tgt, fx->service, &opts,
                             &x->req) != 0)
        return -1;
    if (ks_kdc_local_answer(fx->ctx, &x->req->encoded, fx->kt,
                            &x->reply) != 0)
        return -1;
    return fx_first_byte(&x->reply) == 0x6d ? 0 : -1;
}

static void
free_exchange(struct fx *fx, struct exchange *x)
{
    krb5_free_data_contents(fx->k5, &x->reply);
    ks_tgs_request_free(fx->ctx, x->req);
    krb5_free_data_contents(fx->k5, &x->tgt.ticket);
}

/* Step 7 on BYTES: 0 accepted (CREDS checked against the good result),
 * 1 refused. */
static int
step7(struct fx *fx, const struct exchange *x, const krb5_data *bytes,
      const krb5_creds *good, int *odd)
{
    krb5_creds *creds = NULL;
    krb5_error_code ret = ks_tgs_open_reply(fx->ctx, x->req, bytes, &creds);

    if (ret)
        return 1;
    if (!krb5_principal_compare(fx->k5, creds->server, good->server) ||
        !krb5_principal_compare(fx->k5, creds->client, good->client) ||
        creds->keyblock.length != good->keyblock.length ||
        memcmp(creds->keyblock.contents, good->keyblock.contents,
               good->keyblock.length) != 0)
        (*odd)++;
    krb5_free_creds(fx->k5, creds);
    return 0;
}

/* The KDC-side openers on BYTES: only that they return. */
static void
steps45(struct fx *fx, const struct exchange *x, const krb5_data *bytes)
{
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_ticket *ticket = NULL;
    krb5_keyusage usage;

    if (ks_inspect_open_reply(fx->ctx, bytes, x->req->subkey,
                              &fx->session, &part, &usage) == 0)
        krb5_free_enc_kdc_rep_part(fx->k5, part);
    if (ks_inspect_open_ticket(fx->ctx, bytes, fx->kt, &ticket) == 0)
        krb5_free_ticket(fx->k5, ticket);
}

static void
test_cut_replies(struct fx *fx, const struct exchange *x,
                 const krb5_creds *good)
{
    unsigned int accepted = 0;
    int odd = 0;
    krb5_data cut;

    for (unsigned int len = 0; len < x->reply.length; len++) {
        cut.magic = KV5M_DATA;
        cut.data = x->reply.data;
        cut.length = len;
        if (step7(fx, x, &cut, good, &odd) == 0)
            accepted++;
        steps45(fx, x, &cut);
    }
    is_int(accepted, 0, "step 7 refuses the reply cut at each of its %u "
           "lengths", x->reply.length);
}

static void
test_changed_replies(struct fx *fx, const struct exchange *x,
                     const krb5_creds *good)
{
    unsigned int tried = 0, refused = 0;
    int odd = 0;
    krb5_data copy;

    copy.magic = KV5M_DATA;
    copy.length = x->reply.length;
    copy.data = malloc(copy.length);
    if (copy.data == NULL) {
        ok(0, "memory");
        return;
    }
    for (unsigned int pos = 0;
         pos < x->reply.length && pos < MUTATED_POSITIONS; pos++) {
        for (size_t p = 0; p < sizeof(patterns); p++) {
            memcpy(copy.data, x->reply.data, copy.length);
            copy.data[pos] ^= (char)patterns[p];
            tried++;
            refused += (unsigned int)step7(fx, x, &copy, good, &odd);
            steps45(fx, x, &copy);
        }
    }
    free(copy.data);
    ok(refused > 0 && refused < tried, "step 7 refused %u of %u changed "
       "replies (the rest changed bytes it cannot check)", refused, tried);
    is_int(odd, 0, "no changed reply was accepted with another service, "
           "client or key");
}

static void
test_changed_requests(struct fx *fx, const struct exchange *x)
{
    unsigned int answered = 0, tried = 0;
    krb5_data copy, reply;

    copy.magic = KV5M_DATA;
    copy.length = x->req->encoded.length;
    copy.data = malloc(copy.length);
    if (copy.data == NULL) {
        ok(0, "memory");
        return;
    }
    for (unsigned int pos = 0; pos < copy.length; pos += 3) {
        memcpy(copy.data, x->req->encoded.data, copy.length);
        copy.data[pos] ^= (char)0x80;
        tried++;
        memset(&reply, 0, sizeof(reply));
        if (ks_kdc_local_answer(fx->ctx, &copy, fx->kt, &reply) == 0)
            answered++;
        krb5_free_data_contents(fx->k5, &reply);
    }
    for (unsigned int len = 0; len < x->req->encoded.length; len += 7) {
        copy.length = len;
        memset(&reply, 0, sizeof(reply));
        if (ks_kdc_local_answer(fx->ctx, &copy, fx->kt, &reply) == 0)
            answered++;
        krb5_free_data_contents(fx->k5, &reply);
        tried++;
    }
    free(copy.data);
    ok(tried > 0, "the local KDC returned on %u changed or cut requests "
       "(%u answered with a reply or a KRB-ERROR)", tried, answered);
}

int
main(void)
{
    struct fx fx;
    struct exchange x;
    krb5_creds *good = NULL;

    if (fx_init(&fx) != 0) {
        ok(0, "fixture");
        return tap_done();
    }
    if (make_exchange(&fx, &x) != 0 ||
        ks_tgs_open_reply(fx.ctx, x.req, &x.reply, &good) != 0) {
        ok(0, "a good exchange to start from");
    } else {
        ok(1, "a good exchange: %u-byte request, %u-byte reply",
           x.req->encoded.length, x.reply.length);
        test_cut_replies(&fx, &x, good);
        test_changed_replies(&fx, &x, good);
        test_changed_requests(&fx, &x);
    }
    krb5_free_creds(fx.k5, good);
    free_exchange(&fx, &x);
    fx_free(&fx);
    return tap_done();
}

/*
 * kdc_local: steps 2-6 performed locally with a keytab; every decision
 * (enctype, flags, times, each KRB-ERROR) on an exchange built offline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "tap.h"
#include "exchange/tgs.h"
#include "core/trace.h"
#include "../fixtures/exchange.h"

/* Answer a request built with O; the reply in *reply (caller frees). */
static krb5_error_code
answer(struct fx *fx, const struct fx_req_opts *o, struct fx_req *r,
       krb5_data *reply)
{
    memset(reply, 0, sizeof(*reply));
    if (fx_make_request(fx, o, r) != 0)
        return -1;
    return ks_kdc_local_answer(fx->ctx, &r->der, fx->kt, reply);
}

/* The protocol error number the local KDC answers O with. */
static int
error_for(struct fx *fx, const struct fx_req_opts *o)
{
    struct fx_req r;
    krb5_data reply;
    int n = -2;

    if (answer(fx, o, &r, &reply) == 0)
        n = fx_error_number(fx, &reply);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
    return n;
}

/* Steps 4 and 5 opened with the inspector. */
struct opened {
    krb5_enc_kdc_rep_part *part;
    krb5_ticket *ticket;
};

static int
open_both(struct fx *fx, const struct fx_req *r, const krb5_data *reply,
          struct opened *out)
{
    krb5_keyusage usage;

    memset(out, 0, sizeof(*out));
    if (ks_inspect_open_reply(fx->ctx, reply, &r->subkey, &fx->session,
                              &out->part, &usage) != 0)
        return -1;
    return ks_inspect_open_ticket(fx->ctx, reply, fx->kt, &out->ticket);
}

static void
opened_free(struct fx *fx, struct opened *o)
{
    krb5_free_enc_kdc_rep_part(fx->k5, o->part);
    krb5_free_ticket(fx->k5, o->ticket);
}

static void
test_good(struct fx *fx)
{
    struct fx_req_opts o = { .kdc_options = KDC_OPT_FORWARDABLE |
                                            KDC_OPT_RENEWABLE };
    struct fx_req r;
    krb5_data reply;
    struct opened op;
    krb5_enc_tkt_part *tp;
    krb5_error_code ret;

    o.till = fx->now + 20 * 3600;
    ret = answer(fx, &o, &r, &reply);
    ok(ret == 0 && fx_first_byte(&reply) == 0x6d, "a TGS-REP");
    ok(open_both(fx, &r, &reply, &op) == 0, "reply and ticket open");
    tp = op.ticket ? op.ticket->enc_part2 : NULL;
    ok(tp && krb5_principal_compare(fx->k5, tp->client, fx->client),
       "ticket client is the TGT's");
    ok(op.ticket && krb5_principal_compare(fx->k5, op.ticket->server,
                                           fx->service) &&
       op.part && krb5_principal_compare(fx->k5, op.part->server,
                                         fx->service), "sname as asked");
    is_int(op.ticket ? op.ticket->enc_part.kvno : 0, FX_SERVICE_KVNO,
           "ticket kvno is the service key's");
    is_int(op.ticket ? op.ticket->enc_part.enctype : 0,
           ENCTYPE_AES256_CTS_HMAC_SHA1_96,
           "ticket under the first permitted enctype the keytab has");
    is_int(op.part ? op.part->session->enctype : 0,
           ENCTYPE_AES256_CTS_HMAC_SHA1_96, "session key: first requested");
    ok(op.part && op.part->nonce == r.nonce, "nonce from the request");
    ok(tp && tp->flags == (TKT_FLG_FORWARDABLE | TKT_FLG_RENEWABLE |
                           TKT_FLG_PRE_AUTH),
       "flags: forwardable, renewable asked; pre-authent inherited; "
       "not initial (0x%08x)", tp ? (unsigned int)tp->flags : 0);
    ok(tp && tp->times.authtime == fx->now - 60, "authtime from the TGT");
    ok(tp && tp->times.endtime == fx->now + FX_TGT_LIFE,
       "endtime capped at the TGT's");
    ok(tp && tp->times.renew_till == fx->now + 7 * 86400,
       "renew-till from the TGT");
    ok(tp && tp->transited.tr_contents.length == 0, "transited empty");
    ok(tp && tp->authorization_data && tp->authorization_data[0],
       "authorization data copied");
    is_int(op.ticket && op.part ? ks_inspect_compare(fx->ctx, op.ticket,
                                                      op.part) : 99, 0,
           "reply and ticket agree");
    opened_free(fx, &op);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

static void
test_choices(struct fx *fx)
{
    static const krb5_enctype aes128_first[] = {
        ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96, 0
    };
    static const krb5_enctype weak_only[] = { 1, 24, 0 };
    struct fx_req_opts o = { .etypes = aes128_first };
    struct fx_req r;
    krb5_data reply;
    struct opened op;

    o.till = fx->now + 1800;
    answer(fx, &o, &r, &reply);
    open_both(fx, &r, &reply, &op);
    is_int(op.part ? op.part->session->enctype : 0,
           ENCTYPE_AES128_CTS_HMAC_SHA1_96,
           "session enctype: the first requested that is permitted");
    ok(op.ticket && op.ticket->enc_part2->times.endtime == fx->now + 1800,
       "endtime: the request's till when earlier");
    ok(op.ticket && !(op.ticket->enc_part2->flags &
                      (TKT_FLG_FORWARDABLE | TKT_FLG_RENEWABLE)) &&
       op.ticket->enc_part2->times.renew_till == 0,
       "nothing asked, nothing granted");
    opened_free(fx, &op);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);

    memset(&o, 0, sizeof(o));
    o.etypes = weak_only;
    is_int(error_for(fx, &o), 14, "only DES / export RC4: ETYPE_NOSUPP");
}

static void
test_refusals(struct fx *fx)
{
    struct fx_req_opts o;

    memset(&o, 0, sizeof(o));
    o.service = "nosuch/service@" FX_REALM;
    is_int(error_for(fx, &o), 7, "unknown service: S_PRINCIPAL_UNKNOWN");
    memset(&o, 0, sizeof(o));
    o.wrong_session = 1;
    is_int(error_for(fx, &o), 31, "authenticator under another key: "
           "BAD_INTEGRITY");
    memset(&o, 0, sizeof(o));
    o.tamper_body = 1;
    is_int(error_for(fx, &o), 41, "req-body changed after the checksum: "
           "MODIFIED");
    memset(&o, 0, sizeof(o));
    o.cksumtype = CKSUMTYPE_RSA_MD5;
    is_int(error_for(fx, &o), 50, "unkeyed checksum: INAPP_CKSUM");
    memset(&o, 0, sizeof(o));
    o.no_checksum = 1;
    is_int(error_for(fx, &o), 50, "no checksum: INAPP_CKSUM");
    memset(&o, 0, sizeof(o));
    o.ctime_offset = 600;
    is_int(error_for(fx, &o), 37, "authenticator 10 min ahead: SKEW");
    memset(&o, 0, sizeof(o));
    o.auth_client = "mallory@" FX_REALM;
    is_int(error_for(fx, &o), 36, "another client: BADMATCH");
    memset(&o, 0, sizeof(o));
    o.kdc_options = KDC_OPT_RENEW;
    is_int(error_for(fx, &o), 13, "renew: BADOPTION (not done here)");
    memset(&o, 0, sizeof(o));
    o.till = fx->now - 10;
    is_int(error_for(fx, &o), 11, "till in the past: NEVER_VALID");
}

static void
test_error_fields(struct fx *fx)
{
    struct fx_req_opts o = { .ctime_offset = -1000 };
    struct fx_req r;
    krb5_data reply;
    krb5_error *err = NULL;

    answer(fx, &o, &r, &reply);
    ok(decode_krb5_error(&reply, &err) == 0, "KRB-ERROR decodes");
    ok(err && krb5_principal_compare(fx->k5, err->server, fx->service),
       "names the service asked for");
    ok(err && err->stime != 0 && err->ctime == fx->now - 1000,
       "stime set, ctime echoed");
    ok(err && err->text.length > 0 &&
       memmem(err->text.data, err->text.length, "clock", 5) != NULL,
       "e-text says why");
    krb5_free_error(fx->k5, err);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

/* Tickets other than a good TGT in PA-TGS-REQ. */
static void
test_tgt_problems(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    krb5_keyblock saved = fx->krbtgt_key, other = { 0 };
    struct fx_req r;
    krb5_data reply;
    krb5_error_code ret;

    krb5_c_make_random_key(fx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &other);
    fx_make_ticket(fx, fx->krbtgt, &other, FX_KRBTGT_KVNO, FX_TGT_FLAGS,
                   FX_TGT_LIFE);
    is_int(error_for(fx, &o), 31, "TGT under another krbtgt key: "
           "BAD_INTEGRITY");
    krb5_free_keyblock_contents(fx->k5, &other);
    fx->krbtgt_key = saved;

    fx_make_ticket(fx, fx->krbtgt, &fx->krbtgt_key, FX_KRBTGT_KVNO,
                   FX_TGT_FLAGS, -3600);
    is_int(error_for(fx, &o), 32, "expired TGT: TKT_EXPIRED");
    fx_make_ticket(fx, fx->krbtgt, &fx->krbtgt_key, FX_KRBTGT_KVNO,
                   FX_TGT_FLAGS | TKT_FLG_INVALID, FX_TGT_LIFE);
    is_int(error_for(fx, &o), 33, "invalid TGT: TKT_NYV");
    fx_make_ticket(fx, fx->service, &fx->service_key, FX_SERVICE_KVNO,
                   FX_TGT_FLAGS, FX_TGT_LIFE);
    is_int(error_for(fx, &o), 12, "a service ticket is no TGT: POLICY");

    fx_make_ticket(fx, fx->krbtgt, &fx->krbtgt_key, FX_KRBTGT_KVNO + 1,
                   FX_TGT_FLAGS, FX_TGT_LIFE);
    ret = answer(fx, &o, &r, &reply);
    ok(ret == KRB5_KT_KVNONOTFOUND && reply.data == NULL,
       "no krbtgt key of that kvno: a local failure, no reply");
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);

    fx_make_tgt(fx, FX_TGT_FLAGS);
    is_int(error_for(fx, &o), -1, "back to a good TGT: no error");
}

static void
test_garbage(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    struct fx_req r;
    krb5_data d, reply;
    int accepted = 0;

    fx_make_request(fx, &o, &r);
    for (unsigned int n = 0; n < r.der.length; n++) {
        d = r.der;
        d.length = n;
        memset(&reply, 0, sizeof(reply));
        if (ks_kdc_local_answer(fx->ctx, &d, fx->kt, &reply) == 0)
            accepted++;
        krb5_free_data_contents(fx->k5, &reply);
    }
    is_int(accepted, 0, "every truncated TGS-REQ is a local failure");
    fx_req_free(fx, &r);
}

static void
test_trace(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    struct fx_req r;
    struct ks_trace *trace = NULL;
    krb5_data reply;
    char path[] = "/tmp/kstep-test-kdc-XXXXXX", text[8192];
    FILE *f;
    size_t n = 0;
    int fd;

    fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    ks_trace_open(path, KS_TRACE_TEXT, "test", false, &trace);
    ks_context_set_trace(fx->ctx, trace);
    answer(fx, &o, &r, &reply);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
    o.wrong_session = 1;
    answer(fx, &o, &r, &reply);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
    ks_context_set_trace(fx->ctx, NULL);
    f = fopen(path, "r");
    if (f != NULL) {
        n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
    }
    text[n] = '\0';
    unlink(path);
    ok(strstr(text, "[2/8 open-tgt] TGT of alice@") != NULL, "step 2");
    ok(strstr(text, "[3/8 check-authenticator] service session key "
                    "invented: aes256-cts-hmac-sha1-96 key ") != NULL,
       "step 3: session key shown by fingerprint");
    ok(strstr(text, "[4/8 encrypt-reply] reply part") != NULL, "step 4");
    ok(strstr(text, "[5/8 seal-ticket] service key for HTTP/") != NULL &&
       strstr(text, "[5/8 seal-ticket] ticket for HTTP/") != NULL, "step 5");
    ok(strstr(text, "[6/8 send] TGS-REP of ") != NULL, "step 6");
    ok(strstr(text, "[3/8 check-authenticator] step 3, checking the "
                    "authenticator: the authenticator does not open") != NULL
       && strstr(text, "[6/8 send] KRB-ERROR 31 ") != NULL,
       "a refusal is traced with its reason and code");
}

/* Step 1 (tgs.c) -> steps 2-6 here -> step 7 (tgs.c). */
static void
test_round_trip(struct fx *fx)
{
    struct ks_tgs_options opts = { .kdc_options = KDC_OPT_FORWARDABLE };
    struct ks_tgs_request *req = NULL;
    struct ks_authenticator_check *chk = NULL;
    krb5_creds tgt, *creds = NULL;
    krb5_data reply = { 0 };
    krb5_error_code ret;

    fx_tgt_creds(fx, &tgt);
    ret = ks_tgs_build_request(fx->ctx, &tgt, fx->service, &opts, &req);
    is_int(ret, 0, "ks_tgs_build_request makes a request");
    if (ret) {
        krb5_free_data_contents(fx->k5, &tgt.ticket);
        return;
    }
    ret = ks_inspect_check_authenticator(fx->ctx, &req->encoded,
                                         &fx->session, fx->client, &chk);
    ok(ret == 0 && chk->checksum_keyed && chk->checksum_ok &&
       chk->time_ok && chk->client_matches && chk->body_from_wire,
       "its authenticator passes every step-3 check");
    ks_authenticator_check_free(fx->ctx, chk);
    ret = ks_kdc_local_answer(fx->ctx, &req->encoded, fx->kt, &reply);
    ok(ret == 0 && fx_first_byte(&reply) == 0x6d,
       "the local KDC answers it with a TGS-REP");
    ret = ks_tgs_open_reply(fx->ctx, req, &reply, &creds);
    is_int(ret, 0, "ks_tgs_open_reply accepts the local KDC's reply");
    ok(creds && krb5_principal_compare(fx->k5, creds->server, fx->service)
       && (creds->ticket_flags & TKT_FLG_FORWARDABLE),
       "credentials for the service, forwardable");
    krb5_free_creds(fx->k5, creds);
    krb5_free_data_contents(fx->k5, &reply);
    ks_tgs_request_free(fx->ctx, req);
    krb5_free_data_contents(fx->k5, &tgt.ticket);
}

int
main(void)
{
    struct fx fx;

    if (fx_init(&fx) != 0) {
        ok(0, "fixture");
        return tap_done();
    }
    test_good(&fx);
    test_choices(&fx);
    test_refusals(&fx);
    test_error_fields(&fx);
    test_tgt_problems(&fx);
    test_garbage(&fx);
    test_trace(&fx);
    test_round_trip(&fx);
    fx_free(&fx);
    return tap_done();
}

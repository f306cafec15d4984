/*
 * inspect: steps 2-5 seen with keys, on an exchange built offline
 * (tests/fixtures/exchange.h) and answered by kdc_local; plus the
 * artefact files the steps read and write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/artefact.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/kdc_local.h"
#include "tap.h"
#include "core/trace.h"
#include "../fixtures/exchange.h"

static char tmpdir[] = "/tmp/kstep-test-inspect-XXXXXX";

static int
message_has(struct ks_context *ctx, krb5_error_code code, const char *s)
{
    const char *msg = ks_context_message(ctx, code);
    int found = msg != NULL && strstr(msg, s) != NULL;

    if (!found)
        printf("# message: %s\n", msg ? msg : "(null)");
    ks_context_free_message(ctx, msg);
    return found;
}

static void
write_file(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f != NULL) {
        if (len > 0)
            fwrite(bytes, 1, len, f);
        fclose(f);
    }
}

static void
test_artefacts(struct fx *fx, const krb5_data *req)
{
    char path[256], bad[256];
    krb5_data back = { 0 }, trunc = *req;
    struct stat st;
    krb5_error_code ret;
    char *big;

    snprintf(path, sizeof(path), "%s/tgs-req.der", tmpdir);
    umask(022);
    ret = ks_artefact_write(fx->ctx, path, req);
    is_int(ret, 0, "artefact written");
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
       "artefact mode 0600 (it carries a TGT)");
    ret = ks_artefact_read(fx->ctx, path, &back);
    is_int(ret, 0, "artefact read back");
    ok(back.length == req->length &&
       memcmp(back.data, req->data, req->length) == 0, "same bytes");
    is_str(ks_artefact_kind(&back), "KRB_TGS_REQ", "kind from first byte");
    krb5_free_data_contents(fx->k5, &back);

    snprintf(bad, sizeof(bad), "%s/empty", tmpdir);
    write_file(bad, "", 0);
    ret = ks_artefact_read(fx->ctx, bad, &back);
    ok(ret != 0 && message_has(fx->ctx, ret, bad), "empty file refused");
    write_file(bad, "hello\n", 6);
    ret = ks_artefact_read(fx->ctx, bad, &back);
    is_int(ret, KRB5KRB_AP_ERR_MSG_TYPE, "text file refused");
    ok(message_has(fx->ctx, ret, "not a Kerberos message"), "says why");
    trunc.length = 10;
    write_file(bad, trunc.data, trunc.length);
    ret = ks_artefact_read(fx->ctx, bad, &back);
    ok(ret != 0 && message_has(fx->ctx, ret, "truncated"),
       "truncated message refused");
    big = calloc(1, KS_ARTEFACT_MAX + 1);
    big[0] = 0x6c;
    write_file(bad, big, KS_ARTEFACT_MAX + 1);
    free(big);
    ret = ks_artefact_read(fx->ctx, bad, &back);
    is_int(ret, EFBIG, "oversize file refused");
    unlink(bad);
    ret = ks_artefact_read(fx->ctx, bad, &back);
    ok(ret == ENOENT && message_has(fx->ctx, ret, bad),
       "missing file named in the message");
    snprintf(bad, sizeof(bad), "%s/no/such/dir/x.der", tmpdir);
    ret = ks_artefact_write(fx->ctx, bad, req);
    ok(ret == ENOENT && message_has(fx->ctx, ret, bad),
       "write into a missing directory fails, naming it");
    unlink(path);
    ok(ks_artefact_kind(&trunc) != NULL, "kind of a prefix still known");
    trunc.length = 0;
    ok(ks_artefact_kind(&trunc) == NULL, "no kind for empty data");
}

static void
test_keytab_key(struct fx *fx)
{
    krb5_keyblock *key = NULL;
    krb5_principal nobody = NULL;
    krb5_error_code ret;

    ret = ks_inspect_keytab_key(fx->ctx, fx->kt, fx->service, 0,
                                ENCTYPE_AES128_CTS_HMAC_SHA1_96, &key);
    ok(ret == 0 && key != NULL &&
       key->enctype == ENCTYPE_AES128_CTS_HMAC_SHA1_96, "keytab key found");
    krb5_free_keyblock(fx->k5, key);
    key = NULL;
    krb5_parse_name(fx->k5, "nobody/x@" FX_REALM, &nobody);
    ret = ks_inspect_keytab_key(fx->ctx, fx->kt, nobody, 7,
                                ENCTYPE_AES256_CTS_HMAC_SHA1_96, &key);
    ok(ret != 0 && key == NULL, "absent key is an error");
    ok(message_has(fx->ctx, ret, "nobody/x@" FX_REALM) &&
       message_has(fx->ctx, ret, "kvno 7") &&
       message_has(fx->ctx, ret, "aes256-cts") &&
       message_has(fx->ctx, ret, fx->ktname),
       "message names principal, kvno, enctype and keytab");
    krb5_free_principal(fx->k5, nobody);
}

/* Steps 2-5 on a good exchange. */
/* A keytab as Active Directory exports it: the service's key under the
 * account name, not the ticket's server name (and a decoy beside it). */
static void
test_keytab_other_name(struct fx *fx)
{
    krb5_keytab kt = NULL;
    krb5_principal acct = NULL, other = NULL;
    krb5_keyblock key = { 0 }, decoy = { 0 }, stale = { 0 };
    krb5_keyblock *found = NULL;
    krb5_ticket t;
    krb5_keytab_entry e;
    krb5_error_code ret;
    char ktname[64];

    snprintf(ktname, sizeof(ktname), "MEMORY:kstep-ad-%d", (int)getpid());
    krb5_kt_resolve(fx->k5, ktname, &kt);
    krb5_parse_name(fx->k5, "svc1@" FX_REALM, &acct);
    krb5_parse_name(fx->k5, "decoy@" FX_REALM, &other);
    krb5_c_make_random_key(fx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &decoy);
    krb5_c_make_random_key(fx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &key);
    krb5_c_make_random_key(fx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &stale);
    memset(&e, 0, sizeof(e));
    e.principal = other;                /* first: right enctype, wrong key */
    e.vno = FX_SERVICE_KVNO;
    e.key = decoy;
    krb5_kt_add_entry(fx->k5, kt, &e);
    e.principal = acct;                 /* right key, older kvno: skipped */
    e.vno = FX_SERVICE_KVNO - 1;
    e.key = stale;
    krb5_kt_add_entry(fx->k5, kt, &e);

    /* A service ticket under KEY (fx_make_ticket writes fx->tgt). */
    ret = fx_make_ticket(fx, fx->service, &key, FX_SERVICE_KVNO,
                         FX_TGT_FLAGS, 3600);
    t = fx->tgt;
    t.enc_part2 = NULL;
    ret = ret ? ret : ks_inspect_decrypt_ticket(fx->ctx, kt, &t);
    ok(ret == KRB5_KT_NOTFOUND &&
       message_has(fx->ctx, ret, "none of its 1 other"),
       "entries of another name that do not open it: not found, tried 1");
    e.vno = FX_SERVICE_KVNO;
    e.key = key;
    krb5_kt_add_entry(fx->k5, kt, &e);
    ret = ks_inspect_decrypt_ticket(fx->ctx, kt, &t);
    is_int(ret, 0, "ticket opens with the key under the account name");
    ok(t.enc_part2 != NULL &&
       krb5_principal_compare(fx->k5, t.enc_part2->client, fx->client),
       "and decodes");
    krb5_free_enc_tkt_part(fx->k5, t.enc_part2);
    t.enc_part2 = NULL;
    ret = ks_inspect_ticket_key(fx->ctx, kt, &t, &found);
    ok(ret == 0 && found != NULL && found->length == key.length &&
       memcmp(found->contents, key.contents, key.length) == 0,
       "the key found is the one that opens it");
    krb5_free_keyblock(fx->k5, found);
    found = NULL;

    /* The named entry is taken first, even where another would open it. */
    ret = ks_inspect_ticket_key(fx->ctx, fx->kt, &t, &found);
    ok(ret == 0 && found != NULL && found->length == fx->service_key.length &&
       memcmp(found->contents, fx->service_key.contents, found->length) == 0,
       "an entry under the server name wins");
    krb5_free_keyblock(fx->k5, found);
    found = NULL;

    /* Nothing of the ticket's enctype: not found, named as before. */
    ret = fx_make_ticket(fx, fx->service, &fx->service_key128,
                         FX_SERVICE_KVNO, FX_TGT_FLAGS, 3600);
    t = fx->tgt;
    t.enc_part2 = NULL;
    ret = ret ? ret : ks_inspect_decrypt_ticket(fx->ctx, kt, &t);
    ok(ret == KRB5_KT_NOTFOUND &&
       message_has(fx->ctx, ret, "no key for " FX_SERVICE),
       "no entry of the enctype: Key table entry not found");

    fx_make_tgt(fx, FX_TGT_FLAGS);
    e.key = key;
    krb5_kt_remove_entry(fx->k5, kt, &e);
    e.vno = FX_SERVICE_KVNO - 1;
    e.key = stale;
    krb5_kt_remove_entry(fx->k5, kt, &e);
    e.principal = other;
    e.vno = FX_SERVICE_KVNO;
    e.key = decoy;
    krb5_kt_remove_entry(fx->k5, kt, &e);
    krb5_kt_close(fx->k5, kt);
    krb5_free_keyblock_contents(fx->k5, &key);
    krb5_free_keyblock_contents(fx->k5, &decoy);
    krb5_free_keyblock_contents(fx->k5, &stale);
    krb5_free_principal(fx->k5, acct);
    krb5_free_principal(fx->k5, other);
}

static void
test_good_exchange(struct fx *fx)
{
    struct fx_req_opts o = { .kdc_options = KDC_OPT_FORWARDABLE };
    struct fx_req r;
    krb5_data reply = { 0 };
    krb5_ticket *tgt = NULL, *svc = NULL;
    struct ks_authenticator_check *chk = NULL;
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_keyusage usage = 0;
    struct ks_pac_view *pac = NULL;
    krb5_error_code ret;

    ok(fx_make_request(fx, &o, &r) == 0, "request built");
    test_artefacts(fx, &r.der);
    ret = ks_kdc_local_answer(fx->ctx, &r.der, fx->kt, &reply);
    ok(ret == 0 && fx_first_byte(&reply) == 0x6d, "local KDC answers TGS-REP");

    ret = ks_inspect_open_tgt(fx->ctx, &r.der, fx->kt, &tgt);
    is_int(ret, 0, "step 2 opens the TGT");
    ok(tgt != NULL && tgt->enc_part2 != NULL &&
       krb5_principal_compare(fx->k5, tgt->enc_part2->client, fx->client),
       "TGT client is alice");
    ok(tgt != NULL && tgt->enc_part2->session->length == fx->session.length &&
       memcmp(tgt->enc_part2->session->contents, fx->session.contents,
              fx->session.length) == 0, "logon session key recovered");
    ok(tgt != NULL && tgt->enc_part2->times.starttime != 0,
       "starttime normalised");

    ret = ks_inspect_check_authenticator(fx->ctx, &r.der, &fx->session,
                                         fx->client, &chk);
    is_int(ret, 0, "step 3 opens the authenticator");
    ok(chk && chk->client_matches && chk->time_ok && chk->checksum_keyed &&
       chk->checksum_ok && chk->body_from_wire, "step 3 checks pass");
    ok(chk && chk->authenticator->subkey != NULL &&
       memcmp(chk->authenticator->subkey->contents, r.subkey.contents,
              r.subkey.length) == 0, "subkey recovered");

    ret = ks_inspect_open_reply(fx->ctx, &reply, &r.subkey, &fx->session,
                                &part, &usage);
    is_int(ret, 0, "step 4 opens the reply");
    is_int(usage, 9, "with the subkey (usage 9)");
    ok(part && part->nonce == r.nonce, "nonce echoed");

    ret = ks_inspect_open_ticket(fx->ctx, &reply, fx->kt, &svc);
    is_int(ret, 0, "step 5 opens the service ticket");
    ok(svc && part && svc->enc_part2->session->length ==
       part->session->length && memcmp(svc->enc_part2->session->contents,
       part->session->contents, part->session->length) == 0,
       "ticket session key == reply session key");
    ok(svc && (svc->enc_part2->flags & TKT_FLG_FORWARDABLE),
       "forwardable granted as asked");
    is_int(svc && part ? ks_inspect_compare(fx->ctx, svc, part) : 99, 0,
           "ticket and reply agree");

    ret = ks_inspect_pac(fx->ctx, tgt->enc_part2, fx->krbtgt,
                         &fx->krbtgt_key, &pac);
    is_int(ret, 0, "PAC found in the TGT");
    is_int(pac ? pac->count : 0, 4,
           "four PAC buffers: logon info, client info, two checksums");
    is_str(pac ? pac->client_name : NULL, "alice", "PAC client info");
    is_int(pac ? pac->server_checksum_ok : 9, 1,
           "TGT PAC server checksum verifies with the krbtgt key");
    ks_pac_view_free(pac);
    pac = NULL;
    ret = ks_inspect_pac(fx->ctx, svc->enc_part2, fx->service,
                         &fx->service_key, &pac);
    is_int(ret, 0, "PAC copied into the service ticket");
    is_int(pac ? pac->server_checksum_ok : 9, 1,
           "signed again for the service: its server checksum verifies "
           "with the service key");
    ks_pac_view_free(pac);
    pac = NULL;
    ret = ks_inspect_pac(fx->ctx, svc->enc_part2, fx->service, NULL, &pac);
    is_int(pac ? pac->server_checksum_ok : 9, -1, "no key: not checked");
    ks_pac_view_free(pac);

    krb5_free_enc_kdc_rep_part(fx->k5, part);
    krb5_free_ticket(fx->k5, svc);
    ks_authenticator_check_free(fx->ctx, chk);
    krb5_free_ticket(fx->k5, tgt);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

/* Step 3 with one thing wrong at a time. */
static struct ks_authenticator_check *
check_with(struct fx *fx, const struct fx_req_opts *o,
           krb5_error_code *ret_out)
{
    struct ks_authenticator_check *chk = NULL;
    struct fx_req r;

    if (fx_make_request(fx, o, &r) != 0) {
        *ret_out = -1;
        return NULL;
    }
    *ret_out = ks_inspect_check_authenticator(fx->ctx, &r.der, &fx->session,
                                              fx->client, &chk);
    fx_req_free(fx, &r);
    return chk;
}

static void
test_step3_failures(struct fx *fx)
{
    struct fx_req_opts o;
    struct ks_authenticator_check *c;
    krb5_error_code ret;

    memset(&o, 0, sizeof(o));
    o.wrong_session = 1;
    c = check_with(fx, &o, &ret);
    ok(ret == KRB5KRB_AP_ERR_BAD_INTEGRITY && c == NULL,
       "authenticator under another key: BAD_INTEGRITY");
    ok(message_has(fx->ctx, ret, "step 3"), "message names step 3");

    memset(&o, 0, sizeof(o));
    o.tamper_body = 1;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && c->checksum_keyed && !c->checksum_ok &&
       c->client_matches && c->time_ok, "tampered req-body: checksum fails");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.cksumtype = CKSUMTYPE_RSA_MD5;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && !c->checksum_keyed && !c->checksum_ok,
       "correct but unkeyed RSA-MD5 checksum rejected");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.cksumtype = CKSUMTYPE_NIST_SHA;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && !c->checksum_keyed && !c->checksum_ok,
       "correct but unkeyed SHA-1 checksum rejected");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.no_checksum = 1;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && !c->checksum_keyed && !c->checksum_ok,
       "missing checksum rejected");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.cksum_key = ENCTYPE_AES128_CTS_HMAC_SHA1_96;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && c->checksum_keyed && !c->checksum_ok,
       "keyed checksum of another type (aes128 key) does not verify");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.cksum_key = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && c->checksum_keyed && !c->checksum_ok,
       "keyed checksum under another aes256 key does not verify");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.ctime_offset = -3600;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && !c->time_ok && c->skew >= 3600 && c->skew < 3700 &&
       c->checksum_ok, "an hour-old authenticator is out of skew");
    ks_authenticator_check_free(fx->ctx, c);

    memset(&o, 0, sizeof(o));
    o.auth_client = "mallory@" FX_REALM;
    c = check_with(fx, &o, &ret);
    ok(ret == 0 && c && !c->client_matches && c->checksum_ok,
       "authenticator for another client does not match the TGT");
    ks_authenticator_check_free(fx->ctx, c);
}

static void
test_reply_keys(struct fx *fx)
{
    struct fx_req_opts o = { .no_subkey = 1 };
    struct fx_req r;
    krb5_data reply = { 0 };
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_keyusage usage = 0;
    krb5_keyblock other = { 0 };
    krb5_error_code ret;

    fx_make_request(fx, &o, &r);
    ks_kdc_local_answer(fx->ctx, &r.der, fx->kt, &reply);
    ret = ks_inspect_open_reply(fx->ctx, &reply, NULL, &fx->session, &part,
                                &usage);
    ok(ret == 0 && usage == 8, "no subkey: reply opens with the session "
       "key (usage 8)");
    krb5_free_enc_kdc_rep_part(fx->k5, part);
    part = NULL;
    krb5_c_make_random_key(fx->k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &other);
    ret = ks_inspect_open_reply(fx->ctx, &reply, &other, &fx->session, &part,
                                &usage);
    ok(ret == 0 && usage == 8, "a wrong subkey falls back to usage 8");
    krb5_free_enc_kdc_rep_part(fx->k5, part);
    part = NULL;
    ret = ks_inspect_open_reply(fx->ctx, &reply, &other, NULL, &part, &usage);
    ok(ret == KRB5KRB_AP_ERR_BAD_INTEGRITY && part == NULL,
       "no right key: BAD_INTEGRITY");
    ok(message_has(fx->ctx, ret, "usage 9") &&
       message_has(fx->ctx, ret, "usage 8"), "message names both tries");
    krb5_free_keyblock_contents(fx->k5, &other);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);

    /* A KRB-ERROR reply is reported as the error it carries. */
    memset(&o, 0, sizeof(o));
    o.service = "nosuch/service@" FX_REALM;
    fx_make_request(fx, &o, &r);
    ks_kdc_local_answer(fx->ctx, &r.der, fx->kt, &reply);
    ret = ks_inspect_open_reply(fx->ctx, &reply, &r.subkey, NULL, &part,
                                &usage);
    is_int(ret, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
           "step 4 on a KRB-ERROR gives its code");
    ok(message_has(fx->ctx, ret, "KRB-ERROR"), "and says so");
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

/* Flip forwardable inside the service ticket and re-encrypt it. */
static krb5_error_code
bronze_bit(struct fx *fx, const krb5_data *reply, krb5_data *out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_ticket *t;
    krb5_data *plain = NULL, *enc = NULL;
    krb5_error_code ret;

    ret = decode_krb5_tgs_rep(reply, &rep);
    if (ret)
        return ret;
    t = rep->ticket;
    ret = ks_inspect_decrypt_ticket(fx->ctx, fx->kt, t);
    if (ret)
        goto cleanup;
    t->enc_part2->flags ^= TKT_FLG_FORWARDABLE;
    ret = encode_krb5_enc_tkt_part(t->enc_part2, &plain);
    if (ret)
        goto cleanup;
    free(t->enc_part.ciphertext.data);
    ret = fx_encrypt(fx, &fx->service_key, KRB5_KEYUSAGE_KDC_REP_TICKET,
                     t->enc_part.kvno, plain, &t->enc_part);
    if (!ret)
        ret = encode_krb5_tgs_rep(rep, &enc);
    if (!ret) {
        *out = *enc;
        free(enc);
    }

cleanup:
    krb5_free_data(fx->k5, plain);
    krb5_free_kdc_rep(fx->k5, rep);
    return ret;
}

static void
test_bronze_bit(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    struct fx_req r;
    krb5_data reply = { 0 }, tampered = { 0 };
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_ticket *svc = NULL;
    krb5_keyusage usage;
    unsigned int diff;

    fx_make_request(fx, &o, &r);
    ks_kdc_local_answer(fx->ctx, &r.der, fx->kt, &reply);
    ok(bronze_bit(fx, &reply, &tampered) == 0, "Bronze Bit tamper made");
    ks_inspect_open_reply(fx->ctx, &tampered, &r.subkey, NULL, &part,
                          &usage);
    ks_inspect_open_ticket(fx->ctx, &tampered, fx->kt, &svc);
    ok(part && svc && !(part->flags & TKT_FLG_FORWARDABLE) &&
       (svc->enc_part2->flags & TKT_FLG_FORWARDABLE),
       "the ticket says forwardable, the reply does not");
    diff = part && svc ? ks_inspect_compare(fx->ctx, svc, part) : 0;
    is_int(diff, KS_INSPECT_DIFF_FLAGS,
           "compare reports a flags mismatch only");
    krb5_free_enc_kdc_rep_part(fx->k5, part);
    krb5_free_ticket(fx->k5, svc);
    krb5_free_data_contents(fx->k5, &tampered);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return strdup("");
    buf = calloc(1, 1 << 16);
    n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int
hex_of_key_in(const char *text, const krb5_keyblock *k)
{
    char hex[200];

    for (unsigned int i = 0; i < k->length && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02x", k->contents[i]);
    return strstr(text, hex) != NULL;
}

static void
test_trace(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    struct fx_req r;
    struct ks_trace *trace = NULL;
    krb5_data reply = { 0 };
    krb5_ticket *tgt = NULL, *svc = NULL;
    struct ks_authenticator_check *chk = NULL;
    krb5_enc_kdc_rep_part *part = NULL;
    krb5_keyusage usage;
    char path[256], *text;

    snprintf(path, sizeof(path), "%s/trace", tmpdir);
    ks_trace_open(path, KS_TRACE_TEXT, "test", false, &trace);
    ks_context_set_trace(fx->ctx, trace);
    fx_make_request(fx, &o, &r);
    ks_kdc_local_answer(fx->ctx, &r.der, fx->kt, &reply);
    ks_inspect_open_tgt(fx->ctx, &r.der, fx->kt, &tgt);
    ks_inspect_check_authenticator(fx->ctx, &r.der, &fx->session,
                                   fx->client, &chk);
    ks_inspect_open_reply(fx->ctx, &reply, &r.subkey, NULL, &part, &usage);
    ks_inspect_open_ticket(fx->ctx, &reply, fx->kt, &svc);
    ks_context_set_trace(fx->ctx, NULL);
    text = slurp(path);
    ok(strstr(text, "[2/8 open-tgt] TGT krbtgt/" FX_REALM) != NULL,
       "step 2 traced");
    ok(strstr(text, "[3/8 check-authenticator] authenticator from alice@")
       != NULL && strstr(text, "verifies over the req-body") != NULL,
       "step 3 traced");
    ok(strstr(text, "[4/8 open-reply] reply part opened with the "
                    "authenticator subkey") != NULL, "step 4 traced");
    ok(strstr(text, "[5/8 open-ticket] ticket HTTP/web.kstep.test@") != NULL,
       "step 5 traced");
    ok(!hex_of_key_in(text, &fx->session) &&
       !hex_of_key_in(text, &fx->krbtgt_key) &&
       !hex_of_key_in(text, &fx->service_key) &&
       !hex_of_key_in(text, &r.subkey),
       "no key bytes in the trace");
    free(text);
    unlink(path);
    krb5_free_enc_kdc_rep_part(fx->k5, part);
    krb5_free_ticket(fx->k5, svc);
    ks_authenticator_check_free(fx->ctx, chk);
    krb5_free_ticket(fx->k5, tgt);
    krb5_free_data_contents(fx->k5, &reply);
    fx_req_free(fx, &r);
}

static void
test_bad_inputs(struct fx *fx)
{
    struct fx_req_opts o = { 0 };
    struct fx_req r;
    krb5_data d;
    krb5_ticket *tgt = NULL;
    struct ks_authenticator_check *chk = NULL;
    struct ks_pac_view *pac = NULL;
    krb5_enc_tkt_part empty;
    int crashes = 0;

    fx_make_request(fx, &o, &r);
    /* Every truncation fails cleanly (valgrind watches the reads). */
    for (unsigned int n = 0; n < r.der.length; n++) {
        d = r.der;
        d.length = n;
        if (ks_inspect_open_tgt(fx->ctx, &d, fx->kt, &tgt) == 0) {
            crashes++;
            krb5_free_ticket(fx->k5, tgt);
        }
        if (ks_inspect_check_authenticator(fx->ctx, &d, &fx->session,
                                           fx->client, &chk) == 0) {
            crashes++;
            ks_authenticator_check_free(fx->ctx, chk);
        }
    }
    is_int(crashes, 0, "no truncation of the TGS-REQ is accepted");
    memset(&empty, 0, sizeof(empty));
    is_int(ks_inspect_pac(fx->ctx, &empty, NULL, NULL, &pac), ENOENT,
           "a ticket without authorization data has no PAC");
    fx_req_free(fx, &r);
}

int
main(void)
{
    struct fx fx;

    if (mkdtemp(tmpdir) == NULL || fx_init(&fx) != 0) {
        ok(0, "fixture");
        return tap_done();
    }
    test_keytab_key(&fx);
    test_keytab_other_name(&fx);
    test_good_exchange(&fx);
    test_step3_failures(&fx);
    test_reply_keys(&fx);
    test_bronze_bit(&fx);
    test_trace(&fx);
    test_bad_inputs(&fx);
    fx_free(&fx);
    rmdir(tmpdir);
    return tap_done();
}

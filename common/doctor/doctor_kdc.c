/*
 * doctor: the KDCs of a realm, one address and one transport at a time,
 * with a password-less AS-REQ: whether they answer and how fast, their
 * clock, and what they offer the principal before pre-authentication.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/errors.h"
#include "core/krb5_private.h"
#include "core/text.h"
#include "doctor/doctor.h"
#include "exchange/as.h"
#include "wire/locate.h"
#include "wire/padata.h"
#include "wire/transport.h"

/* Every enctype libkrb5 implements, so that the KDC's hints name every key
 * the principal has, not just the ones our configuration asks for. */
#define ALL_ENCTYPES "aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 " \
    "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 camellia256-cts-cmac " \
    "camellia128-cts-cmac des3-cbc-sha1 arcfour-hmac"

/* Whether the probe asks about the user's own principal. */
static bool
asked_user(const struct ks_doctor_report *r)
{
    return r->principal_given && !r->service;
}

/* The AS-REQ of the probe, made once. */
struct probe {
    krb5_principal client, server;
    krb5_enctype *etypes;
    struct ks_as_request req;
};

static void
probe_free(struct ks_context *ctx, struct probe *p)
{
    ks_as_request_clear(&p->req);
    krb5_free_principal(ctx->k5, p->client);
    krb5_free_principal(ctx->k5, p->server);
    free(p->etypes);
}

static krb5_error_code
probe_make(struct ks_context *ctx, const struct ks_doctor_report *r,
           struct probe *p)
{
    struct ks_as_options opts = { 0 };
    const char *realm = r->realm;
    krb5_error_code ret;

    memset(p, 0, sizeof(*p));
    /* No principal given, or a service (checked with a TGS request): one
     * nobody has, which every KDC still answers (with its clock); only a
     * real user shows pre-authentication. */
    if (r->principal != NULL && !r->service)
        ret = krb5_parse_name(ctx->k5, r->principal, &p->client);
    else
        ret = krb5_build_principal(ctx->k5, &p->client,
                                   (unsigned int)strlen(realm), realm,
                                   "kstep-doctor-probe", (char *)NULL);
    if (ret == 0)
        ret = krb5_build_principal(ctx->k5, &p->server,
                                   (unsigned int)strlen(realm), realm,
                                   KRB5_TGS_NAME, realm, (char *)NULL);
    if (ret == 0)
        ret = ks_config_parse_enctypes(ALL_ENCTYPES, true, &p->etypes);
    if (ret)
        return ret;
    opts.client = p->client;
    opts.renew_lifetime = -1;
    opts.forwardable = opts.proxiable = opts.addresses = -1;
    opts.request_pac = -1;
    ret = ks_as_init_request(ctx, &opts, p->server, p->etypes, time(NULL),
                             &p->req);
    if (ret == 0)
        ret = ks_as_make_nonce(ctx->k5, &p->req.nonce);
    if (ret == 0)
        ret = ks_as_encode_request(ctx, &p->req, NULL, NULL);
    return ret;
}

/* Send the probe to one address over one transport. */
static krb5_error_code
probe_send(struct ks_context *ctx, const char *realm,
           const struct ks_kdc_addr *addr, enum ks_transport_kind kind,
           const struct probe *p, struct ks_doctor_probe *out,
           krb5_data *reply_out)
{
    struct ks_kdc_addr one = *addr;
    struct ks_kdc_list list = { &one, 1 };
    struct ks_send_job job = { 0 };
    enum ks_transport_kind saved = ctx->net.transport;
    krb5_error_code ret;
    const char *msg;

    one.transport = kind;
    ctx->net.transport = kind;
    job.request = &p->req.der;
    ret = ks_transport_send_kdcs(ctx, realm, &list, &job, 1, 1, "doctor", 0);
    ctx->net.transport = saved;
    if (ret == 0)
        ret = job.code;
    out->tried = true;
    if (ret) {
        msg = ks_context_message(ctx, ret);
        out->why = strdup(msg != NULL ? msg : "no answer");
        ks_context_free_message(ctx, msg);
        return ret;
    }
    out->answered = true;
    out->rtt_ms = job.result.rtt_ms;
    *reply_out = job.reply;
    return 0;
}

static void
keep_offer(struct ks_doctor_report *r, krb5_pa_data **padata)
{
    size_t n = 0;

    for (size_t i = 0; padata != NULL && padata[i] != NULL; i++)
        n++;
    r->patypes = calloc(n + 1, sizeof(*r->patypes));
    for (size_t i = 0; r->patypes != NULL && i < n; i++)
        r->patypes[i] = padata[i]->pa_type;
    for (size_t i = 0; i < n; i++) {
        krb5_pa_data *pa = padata[i];
        krb5_data d = { 0, pa->length, (char *)pa->contents };
        krb5_etype_info_entry **info = NULL;

        if (pa->pa_type == KRB5_PADATA_FX_FAST)
            r->fast_offered = true;
        if (pa->pa_type != KRB5_PADATA_ETYPE_INFO2 ||
            decode_krb5_etype_info2(&d, &info) != 0)
            continue;
        for (size_t j = 0; info[j] != NULL; j++) {
            struct ks_doctor_etype *grown, *e;

            grown = realloc(r->etypes, (r->netypes + 1) * sizeof(*grown));
            if (grown == NULL)
                break;
            r->etypes = grown;
            e = &r->etypes[r->netypes++];
            memset(e, 0, sizeof(*e));
            e->etype = info[j]->etype;
            if (info[j]->length != KS_ETYPE_NO_SALT) {
                e->has_salt = true;
                e->salt.data = malloc(info[j]->length + 1);
                if (e->salt.data != NULL) {
                    memcpy(e->salt.data, info[j]->salt, info[j]->length);
                    e->salt.length = info[j]->length;
                }
            }
            if (info[j]->s2kparams.length > 0) {
                e->s2kparams.data = malloc(info[j]->s2kparams.length);
                if (e->s2kparams.data != NULL) {
                    memcpy(e->s2kparams.data, info[j]->s2kparams.data,
                           info[j]->s2kparams.length);
                    e->s2kparams.length = info[j]->s2kparams.length;
                }
            }
        }
        krb5_free_etype_info(NULL, info);
    }
    r->offer_seen = true;
}

/* Whether the KDC's keys for the principal fit what we would ask for. */
static void
judge_etypes(struct ks_context *ctx, struct ks_doctor_report *r)
{
    const krb5_enctype *ours = ctx->config.tkt_enctypes;
    char offered[256] = "", list[512], one[64];
    size_t used = 0;

    for (size_t i = 0; i < r->netypes; i++) {
        ks_text_enctype(r->etypes[i].etype, one, sizeof(one));
        used += (size_t)snprintf(offered + used,
                                 used < sizeof(offered) ? sizeof(offered) - used : 0,
                                 "%s%s", i > 0 ? "," : "", one);
        for (size_t j = 0; ours != NULL && ours[j] != 0; j++) {
            if (ours[j] == r->etypes[i].etype) {
                ks_doctor_add(r, KS_DOCTOR_OK, "preauth", NULL,
                              "%s has a key of %s, which "
                              "default_tkt_enctypes allows", r->principal, one);
                return;
            }
        }
    }
    if (r->netypes == 0)
        return;
    ks_text_enctypes(ours, list, sizeof(list));
    ks_doctor_add(r, KS_DOCTOR_ERROR, "preauth",
                  "add one of the account's enctypes to default_tkt_enctypes "
                  "and permitted_enctypes, or give the account a key of one "
                  "of ours",
                  "the KDC holds keys of %s for %s, none of which our "
                  "default_tkt_enctypes (%s) allows", offered, r->principal,
                  list);
}

static void
judge_error(struct ks_context *ctx, struct ks_doctor_report *r,
            krb5_error *err)
{
    krb5_error_code code = ks_error_code_from_protocol(err->error);
    krb5_data ed = err->e_data;
    krb5_pa_data **padata = NULL;
    const char *who = r->principal;

    switch (code) {
    case KRB5KDC_ERR_PREAUTH_REQUIRED:
        r->preauth_required = true;
        if (ed.length > 0 && decode_krb5_padata_sequence(&ed, &padata) == 0) {
            keep_offer(r, padata);
            krb5_free_pa_data(ctx->k5, padata);
        } else {
            r->offer_seen = true;
        }
        ks_doctor_add(r, KS_DOCTOR_OK, "preauth", NULL,
                      "%s exists and requires pre-authentication%s", who,
                      r->fast_offered ? "; the KDC offers FAST" : "");
        judge_etypes(ctx, r);
        return;
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        if (!asked_user(r))
            return;
        ks_doctor_add(r, KS_DOCTOR_ERROR, "preauth",
                      "check the name's spelling and realm (kadmin: "
                      "listprincs); an AD user may need an enterprise name "
                      "(kinit -E)",
                      "the KDC does not know %s", who);
        return;
    case KRB5KDC_ERR_CLIENT_REVOKED:
        ks_doctor_add(r, KS_DOCTOR_ERROR, "preauth",
                      "the account is disabled or locked out: kadmin "
                      "modprinc +allow_tix, or unlock it",
                      "the KDC refuses %s: client revoked", who);
        return;
    case KRB5KDC_ERR_KEY_EXP:
        ks_doctor_add(r, KS_DOCTOR_ERROR, "preauth",
                      "change the password (kinit changes it at the prompt, "
                      "or kpasswd)", "the password of %s has expired", who);
        return;
    case KRB5KDC_ERR_ETYPE_NOSUPP:
        ks_doctor_add(r, KS_DOCTOR_ERROR, "preauth",
                      "give the account keys of a current enctype (AES)",
                      "the KDC has no key for %s of any enctype libkrb5 "
                      "implements", who);
        return;
    default:
        if (!asked_user(r) && code == KRB5KDC_ERR_POLICY)
            return;
        ks_doctor_add(r, KS_DOCTOR_WARNING, "preauth", ks_error_hint(code),
                      "the KDC answered a request for %s with %s (%s)", who,
                      ks_error_name(code), error_message(code));
    }
}

static void
judge_reply(struct ks_context *ctx, struct ks_doctor_report *r,
            struct ks_doctor_kdc *k, const krb5_data *reply, bool first)
{
    krb5_error *err = NULL;
    time_t now = time(NULL);

    if (reply->length > 0 && (unsigned char)reply->data[0] == 0x6b) {
        r->judged = true;
        if (first)
            r->offer_seen = true;
        if (first && asked_user(r))
            ks_doctor_add(r, KS_DOCTOR_WARNING, "preauth",
                          "require pre-authentication for the account "
                          "(kadmin: modprinc +requires_preauth)",
                          "the KDC issues tickets for %s without "
                          "pre-authentication: its reply can be attacked "
                          "offline for the password", r->principal);
        return;
    }
    if (decode_krb5_error(reply, &err) != 0)
        return;
    k->has_offset = true;
    k->offset = (long long)err->stime - (long long)now;
    if (first)
        judge_error(ctx, r, err);
    r->judged = true;
    krb5_free_error(ctx->k5, err);
}

static void
judge_clock(struct ks_context *ctx, struct ks_doctor_report *r,
            const struct ks_doctor_kdc *k)
{
    long long off = k->offset, mag = off < 0 ? -off : off;
    long long skew = ctx->config.clockskew;
    char hint[200];

    snprintf(hint, sizeof(hint), "set this machine's clock (NTP) or the "
             "KDC's; clockskew (now %lld s) only hides the difference",
             skew);
    if (mag > skew)
        ks_doctor_add(r, KS_DOCTOR_ERROR, "clock", hint,
                      "%s's clock is %lld s %s ours, more than clockskew "
                      "allows (%lld s)", k->address, mag,
                      off > 0 ? "ahead of" : "behind", skew);
    else if (mag > skew / 2)
        ks_doctor_add(r, KS_DOCTOR_WARNING, "clock", hint,
                      "%s's clock is %lld s %s ours, close to clockskew "
                      "(%lld s)", k->address, mag,
                      off > 0 ? "ahead of" : "behind", skew);
    else
        ks_doctor_add(r, KS_DOCTOR_OK, "clock", NULL,
                      "%s's clock is within %lld s of ours", k->address,
                      mag);
}

static void
probe_kdc(struct ks_context *ctx, struct ks_doctor_report *r,
          const struct ks_kdc_addr *addr, const struct probe *p,
          struct ks_doctor_kdc *k)
{
    static const enum ks_transport_kind kinds[2] = { KS_TRANSPORT_UDP,
                                                     KS_TRANSPORT_TCP };

    snprintf(k->address, sizeof(k->address), "%s", addr->name);
    snprintf(k->source, sizeof(k->source), "%s", addr->source);
    for (int i = 0; i < 2; i++) {
        struct ks_doctor_probe *out = i == 0 ? &k->udp : &k->tcp;
        krb5_data reply = { 0 };

        if (addr->transport != KS_TRANSPORT_ANY &&
            addr->transport != kinds[i])
            continue;
        if (probe_send(ctx, r->realm, addr, kinds[i], p, out, &reply) != 0)
            continue;
        judge_reply(ctx, r, k, &reply, !r->judged);
        krb5_free_data_contents(ctx->k5, &reply);
    }
    if (k->udp.answered || k->tcp.answered) {
        ks_doctor_add(r, KS_DOCTOR_OK, "kdc", NULL, "%s answers over %s",
                      k->address, k->udp.answered && k->tcp.answered
                      ? "UDP and TCP" : k->udp.answered ? "UDP only"
                      : "TCP only");
        if (k->has_offset)
            judge_clock(ctx, r, k);
    } else {
        ks_doctor_add(r, KS_DOCTOR_ERROR, "kdc",
                      "is the KDC running there, and is the port right? "
                      "(a firewall may drop UDP or TCP 88)",
                      "%s (from %s) does not answer: %s", k->address,
                      k->source, k->udp.why != NULL ? k->udp.why
                      : k->tcp.why != NULL ? k->tcp.why : "no answer");
    }
}

void
ks_doctor_check_kdcs(struct ks_context *ctx, struct ks_doctor_report *r)
{
    struct ks_kdc_list list = { 0 };
    struct probe p;
    const char *msg;
    krb5_error_code ret;

    ret = ks_locate_kdcs(ctx, r->realm, &list);
    if (ret) {
        msg = ks_context_message(ctx, ret);
        ks_doctor_add(r, KS_DOCTOR_ERROR, "kdc",
                      "add kdc = HOST[:PORT] under [realms] in krb5.conf, "
                      "or publish _kerberos._udp SRV records",
                      "no KDC of %s could be found: %s", r->realm,
                      msg != NULL ? msg : error_message(ret));
        ks_context_free_message(ctx, msg);
        return;
    }
    r->kdcs = calloc(list.count, sizeof(*r->kdcs));
    if (r->kdcs == NULL || probe_make(ctx, r, &p) != 0) {
        ks_kdc_list_free(&list);
        return;
    }
    r->nkdcs = list.count;
    for (size_t i = 0; i < list.count; i++)
        probe_kdc(ctx, r, &list.addrs[i], &p, &r->kdcs[i]);
    if (asked_user(r) && !r->judged)
        ks_doctor_add(r, KS_DOCTOR_INFO, "preauth", NULL,
                      "no KDC answered, so what it offers %s is unknown",
                      r->principal);
    probe_free(ctx, &p);
    ks_kdc_list_free(&list);
}

/*
 * s4u: S4U2Self, S4U2Proxy and user-to-user requests (s4u.h), each one
 * TGS exchange of common/tgs with a hook for its padata and reply checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds/ccache_lookup.h"
#include "core/errors.h"
#include "core/mit_trace.h"
#include "core/text.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "exchange/s4u.h"
#include "exchange/tgs_int.h"
#include "wire/padata.h"

/* The options a request inherits from its TGT's flags (MIT's
 * KDC_TKT_COMMON_MASK): forwardable, proxiable, may-postdate, renewable. */
#define INHERITED_FLAGS (TKT_FLG_FORWARDABLE | TKT_FLG_PROXIABLE | \
                         TKT_FLG_MAY_POSTDATE | TKT_FLG_RENEWABLE)

/* MS-SFU 2.2.1: the authentication package PA-FOR-USER names. */
static const char auth_package[] = "Kerberos";

krb5_error_code
ks_s4u_parse_user(struct ks_context *ctx, const char *name, bool enterprise,
                  krb5_principal *user_out)
{
    krb5_error_code ret;

    ret = krb5_parse_name_flags(ctx->k5, name, enterprise ?
                                KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0,
                                user_out);
    if (ret)
        return ks_error_prefix(ctx, ret, "parsing principal name %s", name);
    return 0;
}

/*
 * Cache look-ups.  The index (ccache_lookup.h) knows only the default
 * client's plain tickets; S4U and user-to-user tickets name another client
 * or carry a second ticket, so they are looked up in the cache itself, as
 * MIT does (one scan per service: these runs ask for few).
 */

static krb5_error_code
now(struct ks_context *ctx, krb5_timestamp *t)
{
    krb5_int32 usec;

    return krb5_us_timeofday(ctx->k5, t, &usec);
}

/* A valid cached credential for CLIENT to SERVER, with SECOND as its
 * second ticket when not NULL; KRB5_CC_NOTFOUND when there is none. */
static krb5_error_code
find_cached(struct ks_context *ctx, krb5_ccache cc,
            krb5_const_principal client, krb5_const_principal server,
            const krb5_data *second, krb5_enctype etype, krb5_creds **out)
{
    krb5_creds mcreds, *c;
    krb5_flags fields = KRB5_TC_MATCH_TIMES | KRB5_TC_SUPPORTED_KTYPES;
    krb5_error_code ret;

    memset(&mcreds, 0, sizeof(mcreds));
    mcreds.client = (krb5_principal)client;
    mcreds.server = (krb5_principal)server;
    ret = now(ctx, &mcreds.times.endtime);
    if (ret)
        return ret;
    if (etype != 0) {
        mcreds.keyblock.enctype = etype;
        fields |= KRB5_TC_MATCH_KTYPE;
    }
    if (second != NULL) {
        mcreds.second_ticket = *second;
        mcreds.is_skey = TRUE;
        fields |= KRB5_TC_MATCH_2ND_TKT | KRB5_TC_MATCH_IS_SKEY;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ENOMEM;
    ret = krb5_cc_retrieve_cred(ctx->k5, cc, fields, &mcreds, c);
    if (ret) {
        free(c);
        return ret == KRB5_CC_NOT_KTYPE ? KRB5_CC_NOTFOUND : ret;
    }
    *out = c;
    return 0;
}

/* The one enctype of -e, which a cached ticket must have, or 0. */
static krb5_enctype
wanted_etype(const struct ks_tgs_get_options *opts)
{
    const krb5_enctype *e = opts->request.etypes;

    return e != NULL && e[0] != 0 && e[1] == 0 ? e[0] : 0;
}

/* A cached ticket (traced), KRB5_CC_NOTFOUND, or with cached_only the
 * error that says so. */
static krb5_error_code
cached(struct ks_context *ctx, krb5_ccache cc, krb5_const_principal client,
       krb5_const_principal server, const krb5_data *second,
       const struct ks_tgs_get_options *opts, krb5_creds **out)
{
    char a[256], b[256];
    krb5_error_code ret;

    ret = find_cached(ctx, cc, client, server, second, wanted_etype(opts),
                      out);
    if (ret == 0)
        ks_trace(ctx->trace, "TGS lookup", 0, "cached", "valid ticket for "
                 "%s to %s in the cache: no request",
                 ks_text_principal(ctx->k5, client, a, sizeof(a)),
                 ks_text_principal(ctx->k5, server, b, sizeof(b)));
    else if (ret == KRB5_CC_NOTFOUND && opts->cached_only)
        ret = ks_error_set(ctx, ret, "no valid ticket in the cache, and "
                           "only cached tickets were to be used");
    return ret;
}

/* The cache's own TGT krbtgt/R@R (R the client's realm), valid now. */
static krb5_error_code
home_tgt(struct ks_context *ctx, krb5_ccache cc,
         const struct ks_ccache_index *idx, const krb5_creds **tgt_out)
{
    const krb5_data *r = &ks_ccache_index_client(idx)->realm;
    struct ks_ccache_match m = { 0 };
    krb5_principal tgs = NULL;
    char name[256];
    krb5_error_code ret;

    ret = krb5_build_principal_ext(ctx->k5, &tgs, r->length, r->data,
                                   KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                   r->length, r->data, 0);
    if (!ret)
        ret = now(ctx, &m.now);
    if (ret)
        goto cleanup;
    m.permitted = ctx->config.permitted_enctypes;
    *tgt_out = ks_ccache_index_find(idx, tgs, &m);
    KS_MTRACE_CC_RETRIEVE(ctx, cc, ks_ccache_index_client(idx), tgs,
                          *tgt_out != NULL ? 0 : KRB5_CC_NOTFOUND);
    if (*tgt_out == NULL)
        ret = ks_ccache_index_error(idx);
    if (*tgt_out == NULL && ret == 0)
        ret = ks_error_set(ctx, KRB5_CC_NOTFOUND, "no valid ticket-granting "
                           "ticket %s in the credentials cache (run kinit "
                           "first)", ks_text_principal(ctx->k5, tgs, name, sizeof(name)));

cleanup:
    krb5_free_principal(ctx->k5, tgs);
    return ret;
}

/* These requests go to the client's own realm only. */
static krb5_error_code
same_realm(struct ks_context *ctx, krb5_const_principal p,
           krb5_const_principal home, const char *what)
{
    if (p->realm.length == home->realm.length &&
        memcmp(p->realm.data, home->realm.data, p->realm.length) == 0)
        return 0;
    return ks_error_set(ctx, KRB5_REALM_CANT_RESOLVE, "%s in realm %.*s, "
                        "not the cache's realm %.*s: not supported across "
                        "realms", what, (int)p->realm.length, p->realm.data,
                        (int)home->realm.length, home->realm.data);
}

/* Steps 1, 6 and 7 with TGT and O; in FAST when CC says the KDC has it,
 * as MIT's kvno does (the KDC's S4U padata then come inside FAST). */
static krb5_error_code
exchange(struct ks_context *ctx, krb5_ccache cc, const krb5_creds *tgt,
         krb5_const_principal server, const struct ks_tgs_options *opts,
         krb5_creds **creds_out)
{
    struct ks_tgs_options o = *opts;
    struct ks_tgs_request *req = NULL;
    krb5_data reply = { 0 };
    krb5_error_code ret;

    o.fast = o.fast || ks_fast_ccache_avail(ctx, cc, ks_tgs_kdc_realm(tgt));
    ret = ks_tgs_build_request(ctx, tgt, server, &o, &req);
    if (!ret)
        ret = ks_tgs_send(ctx, req, &reply, NULL);
    if (!ret)
        ret = ks_tgs_open_reply(ctx, req, &reply, creds_out);
    krb5_free_data_contents(ctx->k5, &reply);
    ks_tgs_request_free(ctx, req);
    return ret;
}

/* Step 8 unless no_store; the credentials are returned either way. */
static krb5_error_code
finish(struct ks_context *ctx, krb5_ccache cc,
       const struct ks_tgs_get_options *opts, krb5_creds *creds,
       krb5_creds **creds_out)
{
    krb5_error_code ret = 0;

    if (!opts->no_store)
        ret = ks_tgs_store(ctx, cc, creds, KS_TGS_STORE_REPLACE);
    if (ret) {
        krb5_free_creds(ctx->k5, creds);
        return ret;
    }
    *creds_out = creds;
    return 0;
}

/* A new pa-data element holding D's bytes (D's buffer is taken). */
static krb5_error_code
take_padata(krb5_preauthtype type, krb5_data *d, krb5_pa_data **out)
{
    krb5_pa_data *pa;

    pa = calloc(1, sizeof(*pa));
    if (pa == NULL)
        return ENOMEM;
    pa->magic = KV5M_PA_DATA;
    pa->pa_type = type;
    pa->length = d->length;
    pa->contents = (krb5_octet *)d->data;
    d->data = NULL;
    d->length = 0;
    *out = pa;
    return 0;
}

/*
 * S4U2Self.
 */

krb5_error_code
ks_s4u_for_user_text(krb5_const_principal user, krb5_data *out)
{
    size_t len = 4 + user->realm.length + sizeof(auth_package) - 1;
    uint32_t type = (uint32_t)user->type;
    char *p;

    for (krb5_int32 i = 0; i < user->length; i++)
        len += user->data[i].length;
    out->magic = KV5M_DATA;
    out->data = malloc(len);
    if (out->data == NULL)
        return ENOMEM;
    out->length = (unsigned int)len;
    p = out->data;
    for (int i = 0; i < 4; i++)
        *p++ = (char)((type >> (8 * i)) & 0xff);
    for (krb5_int32 i = 0; i < user->length; i++) {
        if (user->data[i].length > 0)
            memcpy(p, user->data[i].data, user->data[i].length);
        p += user->data[i].length;
    }
    if (user->realm.length > 0)
        memcpy(p, user->realm.data, user->realm.length);
    p += user->realm.length;
    memcpy(p, auth_package, sizeof(auth_package) - 1);
    return 0;
}

/* PA-FOR-USER: USER and an HMAC-MD5 checksum with the TGT session key
 * (usage 17), whatever that key's type (MS-SFU 2.2.1). */
static krb5_error_code
make_pa_for_user(struct ks_context *ctx, const krb5_keyblock *key,
                 krb5_const_principal user, krb5_pa_data **out)
{
    krb5_pa_for_user fu;
    krb5_data text = { 0 }, *der = NULL;
    krb5_error_code ret;

    memset(&fu, 0, sizeof(fu));
    fu.user = (krb5_principal)user;
    fu.auth_package.data = (char *)auth_package;
    fu.auth_package.length = sizeof(auth_package) - 1;
    ret = ks_s4u_for_user_text(user, &text);
    if (!ret)
        ret = krb5_c_make_checksum(ctx->k5, CKSUMTYPE_HMAC_MD5_ARCFOUR, key,
                                   KRB5_KEYUSAGE_APP_DATA_CKSUM, &text,
                                   &fu.cksum);
    if (!ret)
        ret = encode_krb5_pa_for_user(&fu, &der);
    if (!ret)
        ret = take_padata(KRB5_PADATA_FOR_USER, der, out);
    krb5_free_data_contents(ctx->k5, &text);
    krb5_free_checksum_contents(ctx->k5, &fu.cksum);
    krb5_free_data(ctx->k5, der);
    return ret;
}

/* PA-S4U-X509-USER: USER and NONCE, with the mandatory (keyed) checksum of
 * SUBKEY's type, usage 26, over the DER S4UUserID. */
static krb5_error_code
make_pa_s4u_x509_user(struct ks_context *ctx, const krb5_keyblock *subkey,
                      krb5_int32 nonce, krb5_const_principal user,
                      krb5_pa_data **out)
{
    krb5_pa_s4u_x509_user px;
    krb5_data *userid = NULL, *der = NULL;
    krb5_error_code ret;

    memset(&px, 0, sizeof(px));
    px.user_id.nonce = nonce;
    px.user_id.user = (krb5_principal)user;
    px.user_id.options = KS_S4U_OPTS_USE_REPLY_KEY_USAGE;
    ret = encode_krb5_s4u_userid(&px.user_id, &userid);
    if (!ret)
        ret = krb5_c_make_checksum(ctx->k5, 0, subkey,
                                   KRB5_KEYUSAGE_PA_S4U_X509_USER_REQUEST,
                                   userid, &px.cksum);
    if (!ret)
        ret = encode_krb5_pa_s4u_x509_user(&px, &der);
    if (!ret)
        ret = take_padata(KRB5_PADATA_S4U_X509_USER, der, out);
    krb5_free_checksum_contents(ctx->k5, &px.cksum);
    krb5_free_data(ctx->k5, userid);
    krb5_free_data(ctx->k5, der);
    return ret;
}

/* Hook: [PA-S4U-X509-USER, PA-FOR-USER], as MIT sends them. */
static krb5_error_code
self_padata(struct ks_context *ctx, const struct ks_tgs_request *req,
            void *arg, krb5_pa_data ***padata_out)
{
    const struct ks_s4u_self_arg *st = arg;
    krb5_pa_data **pa;
    char name[256];
    krb5_error_code ret;

    pa = calloc(3, sizeof(*pa));
    if (pa == NULL)
        return ENOMEM;
    ret = make_pa_s4u_x509_user(ctx, req->subkey, req->nonce, st->user,
                                &pa[0]);
    if (!ret)
        ret = make_pa_for_user(ctx, &req->tgt->keyblock, st->user, &pa[1]);
    if (ret) {
        krb5_free_pa_data(ctx->k5, pa);
        return ks_error_set(ctx, ret, "building the S4U2Self padata");
    }
    ks_trace(ctx->trace, "1/8 request", 1, "s4u2self",
             "S4U2Self for %s: PA-S4U-X509-USER (nonce 0x%08x, checksum "
             "usage 26 with the subkey) and PA-FOR-USER (HMAC-MD5, usage "
             "17 with the session key)",
             ks_text_principal(ctx->k5, st->user, name, sizeof(name)),
             (unsigned int)req->nonce);
    *padata_out = pa;
    return 0;
}

/* The KDC's PA-S4U-X509-USER, decoded. */
static krb5_error_code
decode_reply_s4u(struct ks_context *ctx, const krb5_pa_data *pa,
                 krb5_pa_s4u_x509_user **out)
{
    krb5_data d;
    krb5_error_code ret;

    d.magic = KV5M_DATA;
    d.length = pa->length;
    d.data = (char *)pa->contents;
    ret = decode_krb5_pa_s4u_x509_user(&d, out);
    if (ret)
        ks_error_set(ctx, ret, "decoding the KDC's PA-S4U-X509-USER");
    return ret;
}

/* The reply's checksum: keyed (CVE-2010-1323 class: an unkeyed one would
 * "verify" without the key), and valid with SUBKEY. */
static krb5_error_code
check_s4u_checksum(struct ks_context *ctx, const krb5_keyblock *subkey,
                   const krb5_pa_s4u_x509_user *rep)
{
    krb5_keyusage usage = (rep->user_id.options &
                           KS_S4U_OPTS_USE_REPLY_KEY_USAGE) ?
        KRB5_KEYUSAGE_PA_S4U_X509_USER_REPLY :
        KRB5_KEYUSAGE_PA_S4U_X509_USER_REQUEST;
    krb5_data *der = NULL;
    krb5_boolean valid = FALSE;
    krb5_error_code ret;

    if (!krb5_c_is_keyed_cksum(rep->cksum.checksum_type))
        return ks_error_set(ctx, KRB5KRB_AP_ERR_INAPP_CKSUM, "checking the "
                            "S4U2Self reply: its checksum (type %d) is not "
                            "keyed", (int)rep->cksum.checksum_type);
    ret = encode_krb5_s4u_userid(&rep->user_id, &der);
    if (!ret)
        ret = krb5_c_verify_checksum(ctx->k5, subkey, usage, der,
                                     &rep->cksum, &valid);
    krb5_free_data(ctx->k5, der);
    if (!ret && !valid)
        ret = KRB5_KDCREP_MODIFIED;
    if (ret)
        ks_error_set(ctx, ret, "checking the S4U2Self reply: the "
                     "PA-S4U-X509-USER checksum (usage %d) does not verify",
                     (int)usage);
    return ret;
}

krb5_error_code
ks_s4u_verify_reply(struct ks_context *ctx, const krb5_keyblock *subkey,
                    krb5_int32 nonce, krb5_pa_data *const *rep_padata,
                    krb5_pa_data *const *enc_padata,
                    krb5_principal *user_out)
{
    const krb5_pa_data *pa = ks_padata_find(rep_padata,
                                         KRB5_PADATA_S4U_X509_USER);
    krb5_pa_s4u_x509_user *rep = NULL;
    krb5_error_code ret;

    *user_out = NULL;
    if (pa == NULL && ks_padata_find(enc_padata, KRB5_PADATA_S4U_X509_USER))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the "
                            "S4U2Self reply: its PA-S4U-X509-USER was "
                            "removed");
    if (pa == NULL)
        return 0;
    ret = decode_reply_s4u(ctx, pa, &rep);
    if (ret)
        return ret;
    if (rep->user_id.nonce != nonce)
        ret = ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the S4U2Self "
                           "reply: PA-S4U-X509-USER nonce 0x%08x is not the "
                           "request's 0x%08x",
                           (unsigned int)rep->user_id.nonce,
                           (unsigned int)nonce);
    if (!ret)
        ret = check_s4u_checksum(ctx, subkey, rep);
    if (!ret && (rep->user_id.user == NULL ||
                 rep->user_id.user->length == 0))
        ret = ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the S4U2Self "
                           "reply: PA-S4U-X509-USER names no user");
    if (!ret)
        ret = krb5_copy_principal(ctx->k5, rep->user_id.user, user_out);
    krb5_free_pa_s4u_x509_user(ctx->k5, rep);
    return ret;
}

/* A KDC that knows only PA-FOR-USER (Heimdal 7) vouches for nobody: as
 * MIT, accept a reply naming the user asked for, and say so. */
static krb5_error_code
check_unvouched(struct ks_context *ctx, const krb5_kdc_rep *rep,
                const struct ks_s4u_self_arg *st)
{
    char a[256], b[256];

    if (!krb5_principal_compare(ctx->k5, rep->client, st->user))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the "
                            "S4U2Self reply: it names client %s, not %s",
                            ks_text_principal(ctx->k5, rep->client, a, sizeof(a)),
                            ks_text_principal(ctx->k5, st->user, b, sizeof(b)));
    ks_trace(ctx->trace, "7/8 decrypt", 7, "s4u2self-unvouched",
             "the reply has no PA-S4U-X509-USER (a KDC that knows only "
             "PA-FOR-USER): its client name %s is as asked for, but not "
             "checksum-protected", ks_text_principal(ctx->k5, rep->client, a, sizeof(a)));
    return 0;
}

/* Hook: the KDC vouches (checksum) for the user the reply names; without
 * an enterprise name, for the user asked for. */
static krb5_error_code
self_check(struct ks_context *ctx, const struct ks_tgs_request *req,
           const krb5_kdc_rep *rep, void *arg)
{
    const struct ks_s4u_self_arg *st = arg;
    krb5_principal vouched = NULL;
    char a[256], b[256];
    krb5_error_code ret;

    ret = ks_s4u_verify_reply(ctx, req->subkey, req->nonce, rep->padata,
                              rep->enc_part2->enc_padata, &vouched);
    if (ret)
        return ret;
    if (vouched == NULL)
        return check_unvouched(ctx, rep, st);
    if (!st->enterprise &&
        !krb5_principal_compare(ctx->k5, vouched, st->user))
        ret = ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the S4U2Self "
                           "reply: the KDC vouches for %s, not %s",
                           ks_text_principal(ctx->k5, vouched, a, sizeof(a)),
                           ks_text_principal(ctx->k5, st->user, b, sizeof(b)));
    else if (!krb5_principal_compare(ctx->k5, rep->client, vouched))
        ret = ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the S4U2Self "
                           "reply: it names client %s but the KDC vouches "
                           "for %s", ks_text_principal(ctx->k5, rep->client, a, sizeof(a)),
                           ks_text_principal(ctx->k5, vouched, b, sizeof(b)));
    else
        ks_trace(ctx->trace, "7/8 decrypt", 7, "s4u2self-verified",
                 "the KDC vouches for %s: PA-S4U-X509-USER nonce matches, "
                 "keyed checksum valid", ks_text_principal(ctx->k5, vouched, a,
                                                  sizeof(a)));
    krb5_free_principal(ctx->k5, vouched);
    return ret;
}

/* RC4's S4U checksums are unkeyed (MD4; MS-SFU 2.2.2): not used. */
static krb5_error_code
check_s4u_enctype(struct ks_context *ctx, const krb5_creds *tgt)
{
    krb5_enctype e = tgt->keyblock.enctype;

    if (e != ENCTYPE_ARCFOUR_HMAC && e != ENCTYPE_ARCFOUR_HMAC_EXP)
        return 0;
    return ks_error_set(ctx, KRB5_PROG_ETYPE_NOSUPP, "S4U2Self with an RC4 "
                        "ticket-granting ticket session key (its S4U "
                        "checksums are unkeyed)");
}

/* The name the request carries: an enterprise name gets the realm of the
 * service (MIT asks the KDC with an AS exchange; one realm here). */
static krb5_error_code
request_user(struct ks_context *ctx, krb5_const_principal user,
             krb5_const_principal self, krb5_principal *out)
{
    krb5_error_code ret;

    if (user->type != KRB5_NT_ENTERPRISE_PRINCIPAL) {
        ret = same_realm(ctx, user, self, "S4U2Self for a user");
        return ret ? ret : krb5_copy_principal(ctx->k5, user, out);
    }
    if (user->length != 1)
        return ks_error_set(ctx, KRB5_PARSE_MALFORMED, "an enterprise name "
                            "has one component");
    ret = krb5_build_principal_ext(ctx->k5, out, self->realm.length,
                                   self->realm.data, user->data[0].length,
                                   user->data[0].data, 0);
    if (!ret)
        (*out)->type = KRB5_NT_ENTERPRISE_PRINCIPAL;
    return ret;
}

/* The S4U2Self exchange proper. */
static krb5_error_code
self_from_kdc(struct ks_context *ctx, krb5_ccache cc,
              const struct ks_ccache_index *idx,
              krb5_const_principal user, const struct ks_tgs_get_options *opts,
              krb5_creds **creds_out)
{
    krb5_const_principal self = ks_ccache_index_client(idx);
    struct ks_tgs_options o = opts->request;
    struct ks_tgs_hook hook;
    struct ks_s4u_self_arg st;
    krb5_principal sent = NULL;
    const krb5_creds *tgt = NULL;
    krb5_error_code ret;

    ret = home_tgt(ctx, cc, idx, &tgt);
    if (!ret)
        ret = check_s4u_enctype(ctx, tgt);
    if (!ret)
        ret = request_user(ctx, user, self, &sent);
    if (ret)
        return ret;
    st.user = sent;
    ks_s4u_self_hook(&st, &hook);
    o.kdc_options |= KDC_OPT_CANONICALIZE |
        (tgt->ticket_flags & INHERITED_FLAGS);
    o.hook = &hook;
    /* MIT's S4U2Self goes through krb5_get_cred_via_tkt: its lines. */
    KS_MTRACE_GET_CRED_VIA_TKT_EXT(ctx, self, tgt->server, o.kdc_options);
    ret = exchange(ctx, cc, tgt, self, &o, creds_out);
    KS_MTRACE_GET_CRED_VIA_TKT_EXT_RETURN(ctx, ret);
    krb5_free_principal(ctx->k5, sent);
    return ret;
}

void
ks_s4u_self_hook(struct ks_s4u_self_arg *arg, struct ks_tgs_hook *hook_out)
{
    arg->enterprise = arg->user->type == KRB5_NT_ENTERPRISE_PRINCIPAL;
    memset(hook_out, 0, sizeof(*hook_out));
    hook_out->padata = self_padata;
    hook_out->check_reply = self_check;
    hook_out->checks_client = true;
    hook_out->arg = arg;
}

krb5_error_code
ks_s4u_self(struct ks_context *ctx, krb5_ccache cc,
            struct ks_ccache_index *idx, krb5_const_principal user,
            const struct ks_tgs_get_options *opts, krb5_creds **creds_out)
{
    krb5_const_principal self = ks_ccache_index_client(idx);
    krb5_creds *creds = NULL;
    char name[256];
    krb5_error_code ret;

    KS_MTRACE_TKT_CREDS(ctx, user, self, cc);
    ret = cached(ctx, cc, user, self, NULL, opts, creds_out);
    if (ret != KRB5_CC_NOTFOUND || opts->cached_only)
        goto done;
    ret = self_from_kdc(ctx, cc, idx, user, opts, &creds);
    /* The KRB-ERROR names the service as client: say who is unknown. */
    if (ret == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN)
        ks_error_set(ctx, ret, "the KDC knows no such user");
    if (!ret)
        ret = finish(ctx, cc, opts, creds, creds_out);

done:
    if (ret && ret != ENOMEM)
        ks_error_prefix(ctx, ret, "getting an S4U2Self ticket for %s",
                        ks_text_principal(ctx->k5, user, name, sizeof(name)));
    return ret;
}

/*
 * S4U2Proxy.
 */

/* Hook: PA-PAC-OPTIONS with the resource-based delegation bit, so a KDC
 * that has RBCD rules may use them (MIT sends it always). */
static krb5_error_code
proxy_padata(struct ks_context *ctx, const struct ks_tgs_request *req,
             void *arg, krb5_pa_data ***padata_out)
{
    krb5_pa_pac_options po = { KS_PA_PAC_OPTIONS_RBCD };
    krb5_data *der = NULL;
    krb5_pa_data **pa;
    krb5_error_code ret;

    pa = calloc(2, sizeof(*pa));
    if (pa == NULL)
        return ENOMEM;
    ret = encode_krb5_pa_pac_options(&po, &der);
    if (!ret)
        ret = take_padata(KRB5_PADATA_PAC_OPTIONS, der, &pa[0]);
    krb5_free_data(ctx->k5, der);
    if (ret) {
        krb5_free_pa_data(ctx->k5, pa);
        return ret;
    }
    *padata_out = pa;
    return 0;
}

/* Hook: the ticket is for the evidence ticket's client and the service
 * asked for; a referral to another realm is not followed. */
static krb5_error_code
proxy_check(struct ks_context *ctx, const struct ks_tgs_request *req,
            const krb5_kdc_rep *rep, void *arg)
{
    krb5_const_principal client = arg;
    krb5_const_principal got = rep->enc_part2->server;
    char a[256], b[256];

    if (!krb5_principal_compare(ctx->k5, rep->client, client))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "checking the "
                            "S4U2Proxy reply: it names client %s, not the "
                            "evidence ticket's %s",
                            ks_text_principal(ctx->k5, rep->client, a, sizeof(a)),
                            ks_text_principal(ctx->k5, client, b, sizeof(b)));
    if (ks_tgs_is_tgs_principal(got) && !ks_tgs_is_tgs_principal(req->server))
        return ks_error_set(ctx, KRB5_REALM_CANT_RESOLVE, "the KDC refers "
                            "the S4U2Proxy request to another realm (%s): "
                            "not supported across realms",
                            ks_text_principal(ctx->k5, got, a, sizeof(a)));
    if (!krb5_principal_compare_any_realm(ctx->k5, got, req->server))
        return ks_error_set(ctx, KRB5KRB_AP_WRONG_PRINC, "checking the "
                            "S4U2Proxy reply: asked for %s, got %s",
                            ks_text_principal(ctx->k5, req->server, a, sizeof(a)),
                            ks_text_principal(ctx->k5, got, b, sizeof(b)));
    return 0;
}

void
ks_s4u_proxy_hook(krb5_const_principal client, struct ks_tgs_hook *hook_out)
{
    memset(hook_out, 0, sizeof(*hook_out));
    hook_out->padata = proxy_padata;
    hook_out->check_reply = proxy_check;
    hook_out->checks_client = true;
    hook_out->arg = (void *)client;
}

/* The S4U2Proxy exchange proper. */
static krb5_error_code
proxy_from_kdc(struct ks_context *ctx, krb5_ccache cc,
               const struct ks_ccache_index *idx,
               const krb5_creds *evidence, krb5_const_principal server,
               const struct ks_tgs_get_options *opts, krb5_creds **creds_out)
{
    struct ks_tgs_options o = opts->request;
    struct ks_tgs_hook hook;
    const krb5_creds *tgt = NULL;
    krb5_principal requested = NULL;
    krb5_creds *creds = NULL;
    krb5_error_code ret;

    ret = home_tgt(ctx, cc, idx, &tgt);
    if (!ret)
        ret = same_realm(ctx, server, tgt->client, "S4U2Proxy to a service");
    if (ret)
        return ret;
    ks_s4u_proxy_hook(evidence->client, &hook);
    o.kdc_options |= KDC_OPT_CNAME_IN_ADDL_TKT | KDC_OPT_CANONICALIZE |
        (tgt->ticket_flags & INHERITED_FLAGS);
    o.second_ticket = &evidence->ticket;
    o.hook = &hook;
    ks_trace(ctx->trace, "1/8 request", 1, "s4u2proxy", "S4U2Proxy: the "
             "evidence ticket goes as additional ticket (cname-in-addl-tkt), "
             "with PA-PAC-OPTIONS (resource-based delegation)");
    ret = exchange(ctx, cc, tgt, server, &o, &creds);
    if (!ret)
        ret = krb5_copy_principal(ctx->k5, server, &requested);
    if (ret) {
        krb5_free_creds(ctx->k5, creds);
        return ret;
    }
    /* MIT keeps the ticket under the name asked for. */
    krb5_free_principal(ctx->k5, creds->server);
    creds->server = requested;
    *creds_out = creds;
    return 0;
}

krb5_error_code
ks_s4u_proxy(struct ks_context *ctx, krb5_ccache cc,
             struct ks_ccache_index *idx, const krb5_creds *evidence,
             krb5_const_principal server,
             const struct ks_tgs_get_options *opts, krb5_creds **creds_out)
{
    krb5_creds *creds = NULL;
    char a[256], b[256];
    krb5_error_code ret;

    ret = cached(ctx, cc, evidence->client, server, NULL, opts, creds_out);
    if (ret != KRB5_CC_NOTFOUND || opts->cached_only)
        goto done;
    ret = proxy_from_kdc(ctx, cc, idx, evidence, server, opts, &creds);
    if (!ret)
        ret = finish(ctx, cc, opts, creds, creds_out);

done:
    if (ret && ret != ENOMEM)
        ks_error_prefix(ctx, ret, "getting an S4U2Proxy ticket to %s for %s",
                        ks_text_principal(ctx->k5, server, a, sizeof(a)),
                        ks_text_principal(ctx->k5, evidence->client, b, sizeof(b)));
    return ret;
}

/*
 * User-to-user.
 */

krb5_error_code
ks_s4u_u2u_tgt(struct ks_context *ctx, krb5_ccache other,
               krb5_creds **tgt_out)
{
    krb5_principal client = NULL, tgs = NULL;
    char *ccname = NULL;
    krb5_error_code ret;

    ret = krb5_cc_get_principal(ctx->k5, other, &client);
    if (!ret)
        ret = krb5_build_principal_ext(ctx->k5, &tgs, client->realm.length,
                                       client->realm.data, KRB5_TGS_NAME_SIZE,
                                       KRB5_TGS_NAME, client->realm.length,
                                       client->realm.data, 0);
    if (!ret)
        ret = find_cached(ctx, other, client, tgs, NULL, 0, tgt_out);
    if (ret && ret != ENOMEM) {
        if (krb5_cc_get_full_name(ctx->k5, other, &ccname) != 0)
            ccname = NULL;
        ks_error_prefix(ctx, ret, "getting the user-to-user ticket-granting "
                        "ticket from %s", ccname != NULL ? ccname :
                        "the other cache");
    }
    krb5_free_string(ctx->k5, ccname);
    krb5_free_principal(ctx->k5, tgs);
    krb5_free_principal(ctx->k5, client);
    return ret;
}

krb5_error_code
ks_s4u_u2u(struct ks_context *ctx, krb5_ccache cc,
           struct ks_ccache_index *idx, const krb5_creds *other_tgt,
           krb5_const_principal server, const struct ks_tgs_get_options *opts,
           krb5_creds **creds_out)
{
    struct ks_tgs_options o = opts->request;
    const krb5_creds *tgt = NULL;
    krb5_creds *creds = NULL;
    char name[256];
    krb5_error_code ret;

    ret = cached(ctx, cc, ks_ccache_index_client(idx), server,
                 &other_tgt->ticket, opts, creds_out);
    if (ret != KRB5_CC_NOTFOUND || opts->cached_only)
        goto done;
    ret = home_tgt(ctx, cc, idx, &tgt);
    if (!ret)
        ret = same_realm(ctx, server, tgt->client, "a user-to-user ticket "
                         "to a principal");
    if (ret)
        goto done;
    o.kdc_options |= KDC_OPT_ENC_TKT_IN_SKEY |
        (tgt->ticket_flags & INHERITED_FLAGS);
    o.second_ticket = &other_tgt->ticket;
    ks_trace(ctx->trace, "1/8 request", 1, "u2u", "user-to-user: the ticket "
             "is to be encrypted in the session key of %s's TGT",
             ks_text_principal(ctx->k5, other_tgt->client, name, sizeof(name)));
    ret = exchange(ctx, cc, tgt, server, &o, &creds);
    if (!ret)
        ret = finish(ctx, cc, opts, creds, creds_out);

done:
    if (ret && ret != ENOMEM)
        ks_error_prefix(ctx, ret, "getting a user-to-user ticket for %s",
                        ks_text_principal(ctx->k5, server, name, sizeof(name)));
    return ret;
}

/*
 * as: the AS exchange loop.  Each round sends one AS-REQ with a new nonce;
 * a KRB-ERROR either gives the hints for pre-authentication (and another
 * round) or ends the exchange; an AS-REP is decrypted, checked and turned
 * into credentials.  The password is asked for only when a key is needed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/as.h"
#include "core/errors.h"
#include "exchange/fast.h"
#include "core/krb5_private.h"
#include "wire/padata.h"
#include "core/mit_trace.h"
#include "wire/transport.h"
#include "wire/padata.h"

#define KRB_ERROR_TAG 0x7e
#define AS_REP_TAG 0x6b
#define PASSWORD_MAX 1024

struct as_state {
    struct ks_context *ctx;
    const struct ks_as_options *opts;
    const struct ks_as_keys *keys;
    char realm[256];
    krb5_principal server;          /* owned */
    krb5_enctype *etypes;           /* owned */
    krb5_address **addresses;       /* owned */
    struct ks_as_request req;
    struct ks_as_hint hint;         /* from PREAUTH_REQUIRED */
    krb5_data cookie;               /* PA-FX-COOKIE to echo */
    krb5_pa_data *enc_ts;           /* owned */
    krb5_keyblock key;              /* the client's key, or contents NULL */
    krb5_data key_salt;             /* the salt KEY was made with */
    char *password;                 /* owned, zeroed; NULL until asked */
    krb5_deltat pa_offset;          /* KDC time - ours, preauth only */
    /* disable_encrypted_timestamp of any realm this exchange has been in:
     * never set back, or a client referral would get round it (MIT). */
    char encts_off_in[256];         /* "": enabled */
    /* Where the exchange is sent, and its retries (as_referral.c). */
    struct ks_as_options own;       /* the caller's, with our own client */
    struct ks_send_result sent;     /* the KDC that sent the last reply */
    struct ks_kdc_list primary;     /* non-empty: ask only these */
    bool primary_tried;
    bool skew_retried;
    struct ks_as_referral referral;
    /* -T: FAST (fast.h). */
    struct ks_fast *fast;           /* the armor, or NULL */
    char fast_realm[256];           /* the realm it was made for */
    bool challenge;                 /* PA-ENCRYPTED-CHALLENGE was sent */
};

static void
state_free(struct as_state *st)
{
    krb5_context k5 = st->ctx->k5;

    krb5_free_principal(k5, st->server);
    free(st->etypes);
    krb5_free_addresses(k5, st->addresses);
    ks_as_request_clear(&st->req);
    ks_as_hint_clear(&st->hint);
    free(st->cookie.data);
    if (st->enc_ts != NULL)
        free(st->enc_ts->contents);
    free(st->enc_ts);
    krb5_free_keyblock_contents(k5, &st->key);
    free(st->key_salt.data);
    if (st->password != NULL) {
        explicit_bzero(st->password, PASSWORD_MAX);
        free(st->password);
    }
    krb5_free_principal(k5, st->own.client);
    ks_kdc_list_free(&st->primary);
    ks_as_referral_clear(&st->referral);
    ks_fast_free(st->ctx, st->fast);
}

static krb5_error_code
copy_data(krb5_data *out, const krb5_data *in)
{
    free(out->data);
    out->magic = KV5M_DATA;
    out->length = in->length;
    out->data = malloc(in->length > 0 ? in->length : 1);
    if (out->data == NULL) {
        out->length = 0;
        return ENOMEM;
    }
    if (in->length > 0)
        memcpy(out->data, in->data, in->length);
    return 0;
}

/* The enctypes to ask for: the caller's, the configuration's, and for a
 * keytab only those it holds a key of. */
static krb5_error_code
choose_etypes(struct as_state *st)
{
    const krb5_enctype *base = st->opts->etypes;
    size_t n = 0;

    if (base == NULL)
        base = st->ctx->config.tkt_enctypes;
    if (st->keys->keytab != NULL)
        return ks_as_keytab_etypes(st->ctx, st->keys->keytab,
                                   st->opts->client, base, &st->etypes);
    while (base[n] != 0)
        n++;
    if (n == 0)
        return ks_error_set(st->ctx, KRB5_CONFIG_ETYPE_NOSUPP,
                            "no permitted enctype to ask for "
                            "(default_tkt_enctypes, permitted_enctypes)");
    st->etypes = calloc(n + 1, sizeof(*st->etypes));
    if (st->etypes == NULL)
        return ENOMEM;
    memcpy(st->etypes, base, n * sizeof(*st->etypes));
    return 0;
}

/* A fresh AS-REQ for the current realm, server and etypes, stamped now,
 * with the addresses chosen at the start. */
static krb5_error_code
start_request(struct as_state *st)
{
    krb5_timestamp now;
    krb5_error_code ret;

    ret = krb5_timeofday(st->ctx->k5, &now);
    if (!ret)
        ret = ks_as_init_request(st->ctx, st->opts, st->server, st->etypes,
                                 now, &st->req);
    st->req.addresses = st->addresses;
    return ret;
}

static krb5_error_code
state_init(struct as_state *st)
{
    struct ks_context *ctx = st->ctx;
    const krb5_data *realm = &st->opts->client->realm;
    krb5_error_code ret;
    bool addrs;

    /* A keytab without the client's keys is the clearer message. */
    ret = choose_etypes(st);
    if (ret)
        return ret;
    if (realm->length == 0 || realm->length >= sizeof(st->realm))
        return ks_error_set(ctx, KRB5_REALM_UNKNOWN,
                            "the client principal has no usable realm");
    memcpy(st->realm, realm->data, realm->length);
    st->realm[realm->length] = '\0';
    if (ks_as_enc_ts_disabled(ctx, st->realm))
        snprintf(st->encts_off_in, sizeof(st->encts_off_in), "%s",
                 st->realm);
    if (st->opts->server != NULL)
        ret = krb5_copy_principal(ctx->k5, st->opts->server, &st->server);
    else
        ret = krb5_build_principal_ext(ctx->k5, &st->server, realm->length,
                                       realm->data, KRB5_TGS_NAME_SIZE,
                                       KRB5_TGS_NAME, realm->length,
                                       realm->data, 0);
    if (ret)
        return ret;
    /* The service is in the client's realm, as MIT's get_in_tkt does. */
    ret = krb5_set_principal_realm(ctx->k5, st->server, st->realm);
    if (ret)
        return ret;
    addrs = st->opts->addresses < 0
        ? !ks_as_realm_bool(ctx, realm, "noaddresses",
                            ctx->config.noaddresses)
        : st->opts->addresses != 0;
    if (addrs) {
        ret = krb5_os_localaddr(ctx->k5, &st->addresses);
        if (ret)
            return ks_error_set(ctx, ret, "finding this host's addresses");
    }
    return start_request(st);
}

static krb5_error_code
get_password(struct as_state *st)
{
    struct ks_context *ctx = st->ctx;
    char *name = NULL, prompt[512];
    krb5_error_code ret;

    if (st->password != NULL)
        return 0;
    if (st->keys->password == NULL)
        return ks_error_set(ctx, KRB5_LIBOS_CANTREADPWD,
                            "no password source");
    ret = krb5_unparse_name(ctx->k5, st->opts->client, &name);
    if (ret)
        return ret;
    snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
    krb5_free_unparsed_name(ctx->k5, name);
    st->password = calloc(1, PASSWORD_MAX);
    if (st->password == NULL)
        return ENOMEM;
    ret = st->keys->password(st->keys->password_data, prompt, st->password,
                             PASSWORD_MAX);
    if (ret) {
        explicit_bzero(st->password, PASSWORD_MAX);
        free(st->password);
        st->password = NULL;
        return ks_error_set(ctx, ret, "reading the password");
    }
    return 0;
}

static krb5_error_code
keytab_key(struct as_state *st, krb5_enctype etype)
{
    struct ks_context *ctx = st->ctx;
    krb5_keytab_entry entry;
    krb5_error_code ret;
    char keydesc[128];

    memset(&entry, 0, sizeof(entry));
    ret = krb5_kt_get_entry(ctx->k5, st->keys->keytab, st->opts->client, 0,
                            etype, &entry);
    if (ret)
        return ks_error_set(ctx, ret, "finding the client's key in the "
                            "keytab");
    krb5_free_keyblock_contents(ctx->k5, &st->key);
    ret = krb5_copy_keyblock_contents(ctx->k5, &entry.key, &st->key);
    if (!ret)
        ks_trace(ctx->trace, "AS preauth", 0, "key",
                 "client key %s from the keytab (kvno %u)",
                 ks_trace_key(ctx->trace, ctx->k5, &st->key, keydesc,
                              sizeof(keydesc)),
                 (unsigned int)entry.vno);
    krb5_free_keytab_entry_contents(ctx->k5, &entry);
    return ret;
}

static bool
same_salt(const struct as_state *st, const struct ks_as_hint *hint)
{
    const krb5_data *a = &st->key_salt;

    if (!hint->has_salt)
        return a->data == NULL;
    return a->data != NULL && a->length == hint->salt.length &&
           memcmp(a->data, hint->salt.data, a->length) == 0;
}

/*
 * Make sure st->key is the client's key for HINT (etype, salt, params),
 * asking for the password the first time.  CLIENT names the default salt.
 */
static bool
key_ready(const struct as_state *st, const struct ks_as_hint *hint)
{
    return st->key.contents != NULL && st->key.enctype == hint->etype &&
           (st->keys->keytab != NULL || same_salt(st, hint));
}

static krb5_error_code
ensure_key(struct as_state *st, const struct ks_as_hint *hint,
           krb5_const_principal client)
{
    krb5_error_code ret;

    if (key_ready(st, hint))
        return 0;
    if (st->keys->keytab != NULL)
        return keytab_key(st, hint->etype);
    ret = get_password(st);
    if (ret)
        return ret;
    krb5_free_keyblock_contents(st->ctx->k5, &st->key);
    free(st->key_salt.data);
    st->key_salt.data = NULL;
    ret = ks_as_password_key(st->ctx, client, st->password, hint, &st->key);
    if (!ret && hint->has_salt)
        ret = copy_data(&st->key_salt, &hint->salt);
    return ret;
}

/* The message for a rejected key: MIT's "Password incorrect" and a hint. */
static krb5_error_code
key_incorrect(struct as_state *st, krb5_error_code code)
{
    krb5_set_error_message(st->ctx->k5, code, "%s (%s)",
                           st->keys->keytab != NULL
                               ? "Key from the keytab incorrect"
                               : "Password incorrect",
                           ks_error_hint(code));
    return code;
}

static krb5_pa_data **
error_padata(struct ks_context *ctx, const krb5_error *err)
{
    krb5_pa_data **padata = NULL;

    if (err->e_data.length == 0)
        return NULL;
    if (decode_krb5_padata_sequence(&err->e_data, &padata) != 0 &&
        decode_krb5_typed_data(&err->e_data, &padata) != 0)
        return NULL;
    return padata;
}

static void
trace_offered(struct ks_context *ctx, krb5_pa_data *const *padata)
{
    char list[512];
    size_t used = 0;

    list[0] = '\0';
    for (size_t i = 0; padata != NULL && padata[i] != NULL; i++) {
        const char *name = ks_padata_name(padata[i]->pa_type);

        if (used < sizeof(list))
            used += (size_t)snprintf(list + used, sizeof(list) - used,
                                     "%s%d%s%s%s", i > 0 ? ", " : "",
                                     (int)padata[i]->pa_type,
                                     name != NULL ? " (" : "",
                                     name != NULL ? name : "",
                                     name != NULL ? ")" : "");
    }
    ks_trace(ctx->trace, "AS preauth", 0, "preauth-required",
             "KDC requires pre-authentication; it offers padata %s",
             list[0] != '\0' ? list : "(none)");
}

static void
keep_cookie(struct as_state *st, krb5_pa_data *const *padata)
{
    for (size_t i = 0; padata != NULL && padata[i] != NULL; i++) {
        if (padata[i]->pa_type == KRB5_PADATA_FX_COOKIE) {
            krb5_data c = { KV5M_DATA, padata[i]->length,
                            (char *)padata[i]->contents };

            KS_MTRACE_PREAUTH_COOKIE(st->ctx, c.length, c.data);
            if (copy_data(&st->cookie, &c) == 0)
                ks_trace(st->ctx->trace, "AS preauth", 0, "cookie",
                         "keeping the KDC's %u-byte PA-FX-COOKIE to echo",
                         c.length);
        }
    }
}

/* Inside FAST, encrypted challenge is preferred (it exists only there). */
static bool
use_challenge(const struct as_state *st, krb5_pa_data *const *padata)
{
    return st->fast != NULL &&
           ks_padata_has(padata, KRB5_PADATA_ENCRYPTED_CHALLENGE);
}

/* PA-ENCRYPTED-CHALLENGE with the time PREPARE_PREAUTH chose. */
static krb5_error_code
make_challenge(struct as_state *st, const krb5_error *err,
               krb5_timestamp now, krb5_int32 usec)
{
    struct ks_context *ctx = st->ctx;
    krb5_error_code ret;

    ks_trace(ctx->trace, "AS fast", 0, "enc-challenge",
             "PA-ENCRYPTED-CHALLENGE with %s (offset %+ld s from ours), "
             "key KRB-FX-CF2(armor key, client key), usage 54",
             ctx->config.kdc_timesync ? "the KDC's time" : "our time",
             (long)st->pa_offset);
    ret = ks_fast_make_challenge(ctx, st->fast, &st->key,
                                 (krb5_timestamp)((uint32_t)now +
                                                  (uint32_t)st->pa_offset),
                                 ctx->config.kdc_timesync ? err->susec
                                                          : usec,
                                 &st->enc_ts);
    st->challenge = ret == 0;
    return ret;
}

/* MIT's word on a preauth module's outcome, and the padata the next
 * request carries (the cookie first, as MIT sends them). */
static void
mtrace_produced(struct as_state *st, const char *module,
                krb5_preauthtype type, krb5_error_code code)
{
    krb5_pa_data cookie = { 0 }, *list[3] = { NULL, NULL, NULL };
    size_t n = 0;

    if (!ks_mit_trace_on(st->ctx))
        return;
    KS_MTRACE_PREAUTH_PROCESS(st->ctx, module, type, true, code);
    if (code)
        return;
    cookie.pa_type = KRB5_PADATA_FX_COOKIE;
    if (st->cookie.data != NULL)
        list[n++] = &cookie;
    list[n] = st->enc_ts;
    KS_MTRACE_PREAUTH_OUTPUT(st->ctx, list);
}

/* PREAUTH_REQUIRED: choose the key from the hints, make PA-ENC-TIMESTAMP. */
static krb5_error_code
prepare_preauth(struct as_state *st, const krb5_error *err,
                krb5_pa_data *const *padata)
{
    struct ks_context *ctx = st->ctx;
    krb5_timestamp now;
    krb5_int32 usec;
    krb5_error_code ret;

    trace_offered(ctx, padata);
    KS_MTRACE_INIT_CREDS_PREAUTH(ctx);
    KS_MTRACE_PREAUTH_INPUT(ctx, padata);
    if (st->enc_ts != NULL)
        return ks_error_set(ctx, KRB5KDC_ERR_PREAUTH_FAILED,
                            "the KDC asked for pre-authentication again "
                            "after our encrypted timestamp");
    if (!ks_padata_has(padata, KRB5_PADATA_ENC_TIMESTAMP) &&
        !use_challenge(st, padata))
        return ks_error_set(ctx, KRB5_PREAUTH_FAILED,
                            "the KDC offers no pre-authentication we "
                            "support (we do PA-ENC-TIMESTAMP, and "
                            "PA-ENCRYPTED-CHALLENGE with FAST armor: -T)");
    if (!use_challenge(st, padata) && st->encts_off_in[0] != '\0')
        return ks_error_set(ctx, KRB5_PREAUTH_FAILED,
                            "Encrypted timestamp is disabled "
                            "(disable_encrypted_timestamp for %s in "
                            "krb5.conf); armor the exchange with -T for "
                            "encrypted challenge", st->encts_off_in);
    ks_as_hint_clear(&st->hint);
    ret = ks_as_choose_hint(ctx, padata, st->etypes, false, &st->hint);
    if (ret)
        return ret;
    if (st->hint.etype == 0)
        st->hint.etype = st->etypes[0];
    ret = ensure_key(st, &st->hint, st->opts->client);
    /* MIT's words when the password for pre-authentication is not had. */
    if (ret == KRB5_LIBOS_CANTREADPWD || ret == KRB5_LIBOS_PWDINTR)
        return ks_error_prefix(ctx, ret, "Pre-authentication failed");
    if (ret)
        return ret;
    if (!use_challenge(st, padata))
        KS_MTRACE_PREAUTH_ENC_TS_KEY_GAK(ctx, &st->key);
    ret = krb5_us_timeofday(ctx->k5, &now, &usec);
    if (ret)
        return ret;
    /* With kdc_timesync (MIT's default, and MIT's rule) the KDC's
     * unauthenticated time, for this timestamp only. */
    st->pa_offset = ctx->config.kdc_timesync
        ? (krb5_deltat)((uint32_t)err->stime - (uint32_t)now) : 0;
    st->challenge = false;
    if (use_challenge(st, padata)) {
        ret = make_challenge(st, err, now, usec);
        mtrace_produced(st, "encrypted_challenge",
                        KRB5_PADATA_ENCRYPTED_CHALLENGE, ret);
        return ret;
    }
    ks_trace(ctx->trace, "AS preauth", 0, "enc-timestamp",
             "PA-ENC-TIMESTAMP with %s (offset %+ld s from ours), key "
             "usage 1", ctx->config.kdc_timesync ? "the KDC's time"
                                                 : "our time",
             (long)st->pa_offset);
    ret = ks_as_make_enc_timestamp(ctx, &st->key,
                                   (krb5_timestamp)((uint32_t)now +
                                                    (uint32_t)st->pa_offset),
                                   ctx->config.kdc_timesync ? err->susec
                                                            : usec,
                                   &st->enc_ts);
    mtrace_produced(st, "encrypted_timestamp", KRB5_PADATA_ENC_TIMESTAMP,
                    ret);
    return ret;
}

/* What one realm's rounds gathered: dropped when the exchange starts
 * over (a referral, the primary KDC).  The password is kept. */
static void
reset_rounds(struct as_state *st)
{
    ks_as_hint_clear(&st->hint);
    free(st->cookie.data);
    st->cookie.data = NULL;
    st->cookie.length = 0;
    if (st->enc_ts != NULL)
        free(st->enc_ts->contents);
    free(st->enc_ts);
    st->enc_ts = NULL;
    st->pa_offset = 0;
}

/* The exchange again in REALM (a client referral): the client's and the
 * server's realm change; the key goes, since its default salt names the
 * realm. */
static krb5_error_code
restart_in_realm(struct as_state *st, const char *realm)
{
    struct ks_context *ctx = st->ctx;
    size_t len = strlen(realm);
    krb5_error_code ret;

    ret = krb5_set_principal_realm(ctx->k5, st->own.client, realm);
    if (!ret && st->opts->server == NULL) {
        krb5_free_principal(ctx->k5, st->server);
        st->server = NULL;
        ret = krb5_build_principal_ext(ctx->k5, &st->server,
                                       (unsigned int)len, realm,
                                       KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                       (unsigned int)len, realm, 0);
    } else if (!ret) {
        ret = krb5_set_principal_realm(ctx->k5, st->server, realm);
    }
    if (ret)
        return ret;
    snprintf(st->realm, sizeof(st->realm), "%s", realm);
    if (st->encts_off_in[0] == '\0' && ks_as_enc_ts_disabled(ctx, realm))
        snprintf(st->encts_off_in, sizeof(st->encts_off_in), "%s", realm);
    reset_rounds(st);
    krb5_free_keyblock_contents(ctx->k5, &st->key);
    free(st->key_salt.data);
    st->key_salt.data = NULL;
    ks_as_request_clear(&st->req);
    return start_request(st);
}

/* WRONG_REALM (or its Windows 2003 form): followed only when the user
 * asked for canonicalization or gave an enterprise name (RFC 6806 7). */
static krb5_error_code
follow_referral(struct as_state *st, const krb5_error *err)
{
    bool allowed = (st->req.kdc_options & KDC_OPT_CANONICALIZE) != 0 ||
        st->opts->client->type == KRB5_NT_ENTERPRISE_PRINCIPAL;
    char *realm = NULL;
    krb5_error_code ret;

    ret = ks_as_referral_next(st->ctx, &st->referral, st->opts->client,
                              allowed, err, &realm);
    if (!ret) {
        krb5_data r = { KV5M_DATA, (unsigned int)strlen(realm), realm };

        KS_MTRACE_INIT_CREDS_REFERRAL(st->ctx, &r);
        ret = restart_in_realm(st, realm);
    }
    free(realm);
    return ret;
}

/*
 * KRB_AP_ERR_SKEW to our timestamp: with kdc_timesync, one more round
 * whose timestamp uses the time of this unauthenticated error (never
 * stored, never again); otherwise the error, with both clocks.
 */
static krb5_error_code
retry_skew(struct as_state *st, const krb5_error *err)
{
    struct ks_context *ctx = st->ctx;
    krb5_timestamp now;
    krb5_int32 usec;
    krb5_error_code ret;

    ret = krb5_us_timeofday(ctx->k5, &now, &usec);
    if (ret)
        return ret;
    /* Without a timestamp sent, another try could not change a thing. */
    if (!ctx->config.kdc_timesync || st->skew_retried || st->enc_ts == NULL)
        return ks_as_skew_error(ctx, err, now, st->skew_retried);
    st->skew_retried = true;
    st->pa_offset = (krb5_deltat)((uint32_t)err->stime - (uint32_t)now);
    ks_trace(ctx->trace, "AS preauth", 0, "skew-retry",
             "KDC says our clock is off; its unauthenticated time is %+ld s "
             "from ours: retrying once with that time in the timestamp only",
             (long)st->pa_offset);
    free(st->enc_ts->contents);
    free(st->enc_ts);
    st->enc_ts = NULL;
    return ks_as_make_enc_timestamp(ctx, &st->key,
                                    (krb5_timestamp)((uint32_t)now +
                                                     (uint32_t)st->pa_offset),
                                    err->susec, &st->enc_ts);
}

/*
 * With FAST only the error inside PA-FX-FAST counts (RFC 6113 5.4.4): *ERR
 * becomes it and *PADATA its padata.  An error outside FAST ends the
 * exchange: its padata are never acted on.
 */
static krb5_error_code
fast_error(struct as_state *st, krb5_error **err, krb5_pa_data ***padata)
{
    krb5_error *inner = NULL;
    krb5_error_code ret;

    KS_MTRACE_FAST_DECODE(st->ctx);
    ret = ks_fast_open_error(st->ctx, st->fast, *err, st->req.nonce, &inner,
                             padata);
    if (ret)
        return ret;
    if (inner == NULL) {
        ret = ks_error_from_reply(st->ctx, *err, NULL);
        return ks_error_prefix(st->ctx, ret, "the KDC's error is not "
                               "FAST-protected (does the KDC support "
                               "FAST?)");
    }
    krb5_free_error(st->ctx->k5, *err);
    *err = inner;
    return 0;
}

/* A KRB-ERROR: 0 to send another round, or the error that ends it. */
static krb5_error_code
handle_error(struct as_state *st, const krb5_data *reply)
{
    struct ks_context *ctx = st->ctx;
    krb5_error *err = NULL;
    krb5_pa_data **padata = NULL;
    krb5_error_code ret, code;

    ret = decode_krb5_error(reply, &err);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KDC's error");
    if (st->fast != NULL && (ret = fast_error(st, &err, &padata)) != 0) {
        krb5_free_error(ctx->k5, err);
        return ret;
    }
    code = ks_error_code_from_protocol(err->error);
    KS_MTRACE_INIT_CREDS_ERROR_REPLY(ctx, code);
    ks_trace(ctx->trace, "AS request", 0, "krb-error",
             "KDC answered with error %ld", (long)err->error);
    if (st->fast == NULL)
        padata = error_padata(ctx, err);
    keep_cookie(st, padata);
    if (ks_as_referral_is(err, st->opts->client))
        ret = follow_referral(st, err);
    else if (code == KRB5KDC_ERR_PREAUTH_REQUIRED)
        ret = prepare_preauth(st, err, padata);
    else if (code == KRB5KDC_ERR_PREAUTH_FAILED ||
             code == KRB5KRB_AP_ERR_BAD_INTEGRITY)
        ret = key_incorrect(st, code);
    else if (code == KRB5KRB_AP_ERR_SKEW)
        ret = retry_skew(st, err);
    else
        ret = ks_error_from_reply(ctx, err, NULL);
    krb5_free_pa_data(ctx->k5, padata);
    krb5_free_error(ctx->k5, err);
    return ret;
}

/* The reply key's hint: the AS-REP's own ETYPE-INFO2 for its enctype, else
 * the earlier hints, else the default salt. */
static krb5_error_code
reply_hint(struct as_state *st, const krb5_kdc_rep *rep,
           struct ks_as_hint *hint)
{
    krb5_enctype etype[2] = { rep->enc_part.enctype, 0 };
    krb5_error_code ret;

    ret = ks_as_choose_hint(st->ctx, rep->padata, etype, true, hint);
    if (ret == KRB5_CONFIG_ETYPE_NOSUPP)
        ret = 0;            /* an entry for another enctype: ignore it */
    if (ret || hint->etype != 0)
        return ret;
    if (st->hint.etype == etype[0]) {
        hint->etype = etype[0];
        hint->has_salt = st->hint.has_salt;
        if (st->hint.has_salt)
            ret = copy_data(&hint->salt, &st->hint.salt);
        if (!ret && st->hint.s2kparams.length > 0)
            ret = copy_data(&hint->s2kparams, &st->hint.s2kparams);
        return ret;
    }
    hint->etype = etype[0];
    return 0;
}

/* The reply key: the client's key, strengthened under FAST. */
static krb5_error_code
decrypt_reply(struct as_state *st, krb5_kdc_rep *rep,
              const krb5_keyblock *strengthen)
{
    krb5_keyblock *key = NULL;
    krb5_error_code ret;

    if (strengthen == NULL)
        return ks_as_decrypt_reply(st->ctx, &st->req, rep, &st->key);
    ret = ks_fast_reply_key(st->ctx, strengthen, &st->key, &key);
    if (!ret)
        KS_MTRACE_FAST_REPLY_KEY(st->ctx, key);
    if (!ret)
        ret = ks_as_decrypt_reply(st->ctx, &st->req, rep, key);
    krb5_free_keyblock(st->ctx->k5, key);
    return ret;
}

static void
take_notes(const krb5_enc_kdc_rep_part *enc, krb5_enctype key_enctype,
           struct ks_as_notes *out)
{
    memset(out, 0, sizeof(*out));
    out->key_enctype = key_enctype;
    for (size_t i = 0; enc->last_req != NULL && enc->last_req[i] != NULL;
         i++) {
        krb5_int32 type = enc->last_req[i]->lr_type;

        if (type == KRB5_LRQ_ALL_PW_EXPTIME ||
            type == KRB5_LRQ_ONE_PW_EXPTIME) {
            out->password_expires = enc->last_req[i]->value;
            out->from_last_req = true;
            return;
        }
    }
    out->password_expires = enc->key_exp;
}

void
ks_as_enctype_warning(const struct ks_as_notes *notes, char *buf,
                      size_t len)
{
    char name[64];

    buf[0] = '\0';
    switch (notes->key_enctype) {
    case ENCTYPE_DES_CBC_CRC:
    case ENCTYPE_DES_CBC_MD4:
    case ENCTYPE_DES_CBC_MD5:
    case ENCTYPE_DES_CBC_RAW:
    case ENCTYPE_DES3_CBC_RAW:
    case ENCTYPE_DES3_CBC_SHA1:
    case ENCTYPE_ARCFOUR_HMAC:
    case ENCTYPE_ARCFOUR_HMAC_EXP:
        break;
    default:
        return;
    }
    if (krb5_enctype_to_name(notes->key_enctype, FALSE, name,
                             sizeof(name)) != 0)
        return;
    snprintf(buf, len, "Warning: encryption type %s used for "
             "authentication is deprecated and will be disabled", name);
}

void
ks_as_expiry_warning(const struct ks_as_notes *notes, krb5_timestamp now,
                     char *buf, size_t len)
{
    /* Timestamps are unsigned on the wire (y2038): compare as such. */
    int64_t delta =
        (int64_t)(uint32_t)notes->password_expires - (uint32_t)now;
    char when[128];

    buf[0] = '\0';
    if (notes->password_expires == 0 ||
        (!notes->from_last_req && (delta < 0 || delta > 7 * 86400)))
        return;
    if (krb5_timestamp_to_string(notes->password_expires, when,
                                 sizeof(when)) != 0)
        return;
    if (delta < 3600)
        snprintf(buf, len, "Warning: Your password will expire in less "
                 "than one hour on %s", when);
    else if (delta < 2 * 86400)
        snprintf(buf, len, "Warning: Your password will expire in %d "
                 "hour%s on %s", (int)(delta / 3600),
                 delta < 7200 ? "" : "s", when);
    else
        snprintf(buf, len, "Warning: Your password will expire in %d days "
                 "on %s", (int)(delta / 86400), when);
}

/* After the reply opened: the KDC's encrypted challenge, whether it
 * advertises FAST for the TGS exchanges to come, and password expiry. */
static krb5_error_code
after_reply(struct as_state *st, const krb5_kdc_rep *rep)
{
    krb5_error_code ret = 0;

    if (st->opts->notes != NULL)
        take_notes(rep->enc_part2, st->key.enctype, st->opts->notes);

    if (st->challenge)
        ret = ks_fast_verify_challenge(st->ctx, st->fast, &st->key,
                                       rep->padata);
    if (!ret && st->opts->fast_avail != NULL)
        *st->opts->fast_avail = ks_fast_advertised(rep->enc_part2);
    if (!ret)
        KS_MTRACE_FAST_NEGO(st->ctx, ks_fast_advertised(rep->enc_part2));
    return ret;
}

/* MIT's "Getting AS key": the salt the key is made with, the default one
 * (from CLIENT) when the KDC gave none. */
static void
mtrace_gak(struct as_state *st, const struct ks_as_hint *hint,
           krb5_const_principal client)
{
    krb5_data salt = { 0 };

    if (!ks_mit_trace_on(st->ctx))
        return;
    if (hint->has_salt) {
        KS_MTRACE_INIT_CREDS_GAK(st->ctx, &hint->salt, &hint->s2kparams);
    } else if (krb5_principal2salt(st->ctx->k5, client, &salt) == 0) {
        KS_MTRACE_INIT_CREDS_GAK(st->ctx, &salt, &hint->s2kparams);
        krb5_free_data_contents(st->ctx->k5, &salt);
    }
}

static krb5_error_code
open_reply(struct as_state *st, krb5_kdc_rep *rep,
           const krb5_keyblock *strengthen)
{
    struct ks_context *ctx = st->ctx;
    struct ks_as_hint hint = { 0 };
    krb5_timestamp now;
    krb5_error_code ret;

    bool ready;

    KS_MTRACE_PREAUTH_INPUT(ctx, rep->padata);
    ret = reply_hint(st, rep, &hint);
    KS_MTRACE_PREAUTH_OUTPUT(ctx, NULL);
    ready = ret == 0 && key_ready(st, &hint);
    if (!ret && !ready)
        mtrace_gak(st, &hint, rep->client);
    /* The default salt comes from the reply's name (MIT), which is
     * checked against the request below. */
    if (!ret)
        ret = ensure_key(st, &hint, rep->client);
    ks_as_hint_clear(&hint);
    if (ret)
        return ret;
    if (ready)
        KS_MTRACE_INIT_CREDS_AS_KEY_PREAUTH(ctx, &st->key);
    else
        KS_MTRACE_INIT_CREDS_AS_KEY_GAK(ctx, &st->key);
    ret = decrypt_reply(st, rep, strengthen);
    if (ret == KRB5KRB_AP_ERR_BAD_INTEGRITY)
        return key_incorrect(st, ret);
    if (ret)
        return ret;
    KS_MTRACE_INIT_CREDS_DECRYPTED_REPLY(ctx, rep->enc_part2->session);
    ret = krb5_timeofday(ctx->k5, &now);
    if (!ret)
        ret = ks_as_verify_reply(ctx, &st->req, rep, now);
    if (!ret)
        ret = after_reply(st, rep);
    return ret;
}

static void
sync_time(struct as_state *st, const krb5_kdc_rep *rep)
{
    struct ks_context *ctx = st->ctx;
    krb5_timestamp now = 0;

    if (!ctx->config.kdc_timesync)
        return;
    krb5_timeofday(ctx->k5, &now);
    /* From the authenticated reply only (PROTOCOL.md 1.7). */
    krb5_set_real_time(ctx->k5, rep->enc_part2->times.authtime, -1);
    ks_trace(ctx->trace, "AS decrypt", 0, "timesync",
             "kdc_timesync: KDC clock is %+ld s from ours (from the "
             "authenticated reply)",
             (long)(int32_t)((uint32_t)rep->enc_part2->times.authtime -
                             (uint32_t)now));
}

static krb5_error_code
handle_reply(struct as_state *st, const krb5_data *reply,
             krb5_creds **creds_out)
{
    krb5_kdc_rep *rep = NULL;
    krb5_keyblock *strengthen = NULL;
    krb5_error_code ret;

    ret = ks_as_decode_reply(st->ctx, &st->req, reply, &rep);
    if (ret)
        return ret;
    /* With armor a reply without FAST is refused (RFC 6113 5.4.3). */
    if (st->fast != NULL) {
        KS_MTRACE_FAST_DECODE(st->ctx);
        ret = ks_fast_open_reply(st->ctx, st->fast, rep, st->req.nonce,
                                 &strengthen);
    }
    if (!ret)
        ret = open_reply(st, rep, strengthen);
    krb5_free_keyblock(st->ctx->k5, strengthen);
    if (!ret) {
        sync_time(st, rep);
        ret = ks_as_make_creds(st->ctx, rep, creds_out);
    }
    krb5_free_kdc_rep(st->ctx->k5, rep);
    return ret;
}

/* To the realm's KDCs, or only its primary ones after retry_primary. */
static krb5_error_code
send_request(struct as_state *st, krb5_data *reply_out)
{
    struct ks_context *ctx = st->ctx;
    struct ks_send_job job;
    krb5_error_code ret;

    memset(&st->sent, 0, sizeof(st->sent));
    if (st->primary.count == 0) {
        ret = ks_transport_send(ctx, st->realm, &st->req.der, "AS send", 0,
                                reply_out, &st->sent);
    } else {
        memset(&job, 0, sizeof(job));
        job.request = &st->req.der;
        job.primary = true;
        ret = ks_transport_send_kdcs(ctx, st->realm, &st->primary, &job, 1,
                                     1, "AS send", 0);
        if (!ret)
            ret = job.code;
        if (!ret) {
            *reply_out = job.reply;
            st->sent = job.result;
        }
    }
    if (!ret && st->opts->sent != NULL)
        *st->opts->sent = st->sent;
    return ret;
}

/*
 * As MIT: a password (or key) rejected by a KDC that is not the realm's
 * primary_kdc is tried once more with the primary, whose copy of the key
 * may be newer.  True when the exchange should start over.
 */
static bool
retry_primary(struct as_state *st, krb5_error_code code)
{
    struct ks_context *ctx = st->ctx;

    if ((code != KRB5KDC_ERR_PREAUTH_FAILED &&
         code != KRB5KRB_AP_ERR_BAD_INTEGRITY) || st->primary_tried ||
        st->sent.kdc[0] == '\0')
        return false;
    st->primary_tried = true;
    if (ks_as_primary_kdcs(ctx, st->realm, &st->primary) != 0 ||
        st->primary.count == 0 || ks_as_kdc_in(&st->primary, st->sent.kdc)) {
        ks_kdc_list_free(&st->primary);
        return false;
    }
    KS_MTRACE_INIT_CREDS_PRIMARY(ctx);
    KS_MTRACE_INIT_CREDS(ctx, st->opts->client);
    ks_trace(ctx->trace, "AS request", 0, "primary-retry",
             "retrying the AS request with the primary KDC: %s, which is "
             "not the primary, rejected the key", st->sent.kdc);
    reset_rounds(st);
    return true;
}

/* After retry_primary: an unreachable primary leaves the replica's
 * answer (SAVED, CODE) as the result, as MIT does. */
static krb5_error_code
primary_outcome(struct as_state *st, krb5_error_code ret,
                krb5_error_code code, const char *saved)
{
    if (ret != KRB5_KDC_UNREACH && ret != KRB5_REALM_UNKNOWN)
        return ret;
    ks_trace(st->ctx->trace, "AS request", 0, "primary-unreachable",
             "the primary KDC did not answer: keeping the first answer");
    krb5_set_error_message(st->ctx->k5, code, "%s", saved);
    return code;
}

/* -T: every request is armored; a referral to another realm needs armor
 * from that realm's TGT. */
static krb5_error_code
ensure_armor(struct as_state *st)
{
    krb5_data realm;
    krb5_error_code ret;

    if (st->opts->armor_ccache == NULL)
        return 0;
    if (st->fast == NULL || strcmp(st->fast_realm, st->realm) != 0) {
        ks_fast_free(st->ctx, st->fast);
        st->fast = NULL;
        realm.magic = KV5M_DATA;
        realm.data = st->realm;
        realm.length = (unsigned int)strlen(st->realm);
        ret = ks_fast_as_armor(st->ctx, st->opts->armor_ccache, &realm,
                               &st->fast);
        if (ret)
            return ret;
        snprintf(st->fast_realm, sizeof(st->fast_realm), "%s", st->realm);
    }
    st->req.fast = st->fast;
    return 0;
}

/*
 * Each request's times count from now, as MIT's set_request_times: with
 * kdc_timesync, once a KDC error told its time, from the KDC's time, so
 * that a retry to a KDC whose clock is far ahead does not ask for a ticket
 * that ends before it starts.
 */
static krb5_error_code
reset_times(struct as_state *st)
{
    krb5_timestamp now;
    krb5_error_code ret;

    ret = krb5_timeofday(st->ctx->k5, &now);
    if (ret)
        return ret;
    if (st->ctx->config.kdc_timesync)
        now = (krb5_timestamp)((uint32_t)now + (uint32_t)st->pa_offset);
    ks_as_set_times(st->ctx, st->opts, now, &st->req);
    return 0;
}

/* One round: a new nonce, encode, send; *done when creds came back. */
static krb5_error_code
round_trip(struct as_state *st, krb5_creds **creds_out)
{
    struct ks_context *ctx = st->ctx;
    krb5_data reply = { 0 };
    krb5_error_code ret;
    unsigned char tag;

    ret = ensure_armor(st);
    if (!ret)
        ret = reset_times(st);
    if (!ret)
        ret = ks_as_make_nonce(ctx->k5, &st->req.nonce);
    if (!ret)
        ret = ks_as_encode_request(ctx, &st->req, st->enc_ts,
                                   st->cookie.data != NULL ? &st->cookie
                                                           : NULL);
    if (!ret && st->enc_ts == NULL && st->cookie.data == NULL)
        KS_MTRACE_INIT_CREDS_PREAUTH_NONE(ctx);
    if (!ret && st->req.fast != NULL)
        KS_MTRACE_FAST_ENCODE(ctx);
    if (!ret)
        ret = send_request(st, &reply);
    if (ret)
        return ret;
    tag = reply.length > 0 ? (unsigned char)reply.data[0] : 0;
    if (tag == KRB_ERROR_TAG)
        ret = handle_error(st, &reply);
    else if (tag == AS_REP_TAG)
        ret = handle_reply(st, &reply, creds_out);
    else
        ret = ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                           "the KDC's reply is neither an AS-REP nor an "
                           "error");
    krb5_free_data_contents(ctx->k5, &reply);
    return ret;
}

krb5_error_code
ks_as_get_creds(struct ks_context *ctx, const struct ks_as_options *opts,
                const struct ks_as_keys *keys, krb5_creds **creds_out)
{
    struct as_state st;
    krb5_creds *creds = NULL;
    krb5_error_code ret, first_code = 0;
    const char *first_msg = NULL;

    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    st.own = *opts;
    st.own.client = NULL;
    st.opts = &st.own;
    st.keys = keys;
    KS_MTRACE_INIT_CREDS(ctx, opts->client);
    /* Our own client: a referral changes its realm. */
    ret = krb5_copy_principal(ctx->k5, opts->client, &st.own.client);
    if (!ret)
        ret = state_init(&st);
    for (int round = 0; !ret && creds == NULL; round++) {
        if (round == KS_AS_MAX_ROUNDS) {
            ret = ks_error_set(ctx, KRB5_GET_IN_TKT_LOOP,
                               "%d AS-REQs without a ticket",
                               KS_AS_MAX_ROUNDS);
            break;
        }
        ret = round_trip(&st, &creds);
        if (ret && st.primary.count > 0)
            ret = primary_outcome(&st, ret, first_code, first_msg);
        else if (ret && retry_primary(&st, ret)) {
            first_code = ret;
            first_msg = krb5_get_error_message(ctx->k5, ret);
            ret = 0;
        }
    }
    krb5_free_error_message(ctx->k5, first_msg);
    state_free(&st);
    if (ret) {
        krb5_free_creds(ctx->k5, creds);
        return ret;
    }
    *creds_out = creds;
    return 0;
}

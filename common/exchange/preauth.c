/*
 * preauth: the client's long-term key and PA-ENC-TIMESTAMP.  The KDC's
 * hints (ETYPE-INFO2 > ETYPE-INFO > PW-SALT) are unauthenticated: only an
 * entry for an enctype we asked for is ever used (PROTOCOL.md 1.4, 1.6).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exchange/as.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/secret.h"
#include "core/krb5_private.h"
#include "core/mit_trace.h"
#include "wire/padata.h"

static bool
etype_in(krb5_enctype e, const krb5_enctype *list)
{
    for (size_t i = 0; list[i] != 0; i++) {
        if (list[i] == e)
            return true;
    }
    return false;
}

static krb5_error_code
copy_bytes(krb5_data *out, const void *bytes, unsigned int len)
{
    out->magic = KV5M_DATA;
    out->length = len;
    out->data = malloc(len > 0 ? len : 1);
    if (out->data == NULL)
        return ENOMEM;
    if (len > 0)
        memcpy(out->data, bytes, len);
    return 0;
}

static krb5_error_code
hint_from_entry(const krb5_etype_info_entry *e, struct ks_as_hint *hint)
{
    krb5_error_code ret;

    hint->etype = e->etype;
    if (e->length != KS_ETYPE_NO_SALT) {
        hint->has_salt = true;
        ret = copy_bytes(&hint->salt, e->salt, e->length);
        if (ret)
            return ret;
    }
    if (e->s2kparams.length > 0)
        return copy_bytes(&hint->s2kparams, e->s2kparams.data,
                          e->s2kparams.length);
    return 0;
}

static void
trace_entry(struct ks_context *ctx, const char *what, bool in_reply,
            const krb5_etype_info_entry *e, bool chosen)
{
    char name[64], salt[KS_ETEXT_MAX * 4 + 8] = "";

    if (!ks_trace_enabled(ctx->trace))
        return;
    if (krb5_enctype_to_name(e->etype, FALSE, name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "enctype %d", (int)e->etype);
    if (e->length != KS_ETYPE_NO_SALT)
        ks_error_sanitize((const char *)e->salt, e->length, salt,
                          sizeof(salt));
    ks_trace(ctx->trace, in_reply ? "AS decrypt" : "AS preauth", 0,
             chosen ? "etype-chosen" : "etype",
             "%s%s offers %s, salt %s%s%s%s%s",
             in_reply ? "the reply's " : "", what, name,
             e->length != KS_ETYPE_NO_SALT ? "\"" : "(default)", salt,
             e->length != KS_ETYPE_NO_SALT ? "\"" : "",
             e->s2kparams.length > 0 ? ", with s2kparams" : "",
             chosen ? ": chosen" : ": not asked for, skipped");
}

/* Decode one ETYPE-INFO2 or ETYPE-INFO and take its first usable entry. */
static krb5_error_code
hint_from_info(struct ks_context *ctx, const krb5_pa_data *pa,
               const krb5_enctype *requested, bool in_reply,
               struct ks_as_hint *hint)
{
    krb5_data d = { KV5M_DATA, pa->length, (char *)pa->contents };
    krb5_etype_info_entry **entries = NULL;
    bool info2 = pa->pa_type == KRB5_PADATA_ETYPE_INFO2;
    const char *what = info2 ? "ETYPE-INFO2" : "ETYPE-INFO";
    krb5_error_code ret;
    size_t i;

    ret = info2 ? decode_krb5_etype_info2(&d, &entries)
                : decode_krb5_etype_info(&d, &entries);
    if (ret)
        return ks_error_set(ctx, ret, "decoding the KDC's %s", what);
    for (i = 0; entries[i] != NULL; i++) {
        bool usable = etype_in(entries[i]->etype, requested);

        trace_entry(ctx, what, in_reply, entries[i], usable);
        if (usable)
            break;
    }
    if (entries[i] == NULL) {
        ret = KRB5_CONFIG_ETYPE_NOSUPP;
        krb5_set_error_message(ctx->k5, ret,
                               "The KDC's %s names no enctype we asked for "
                               "(%s)", what,
                               "compare default_tkt_enctypes with the "
                               "principal's keys");
        goto cleanup;
    }
    ret = hint_from_entry(entries[i], hint);
    if (!ret)
        KS_MTRACE_PREAUTH_ETYPE_INFO(ctx, hint->etype, &hint->salt,
                                     &hint->s2kparams);

cleanup:
    krb5_free_etype_info(ctx->k5, entries);
    return ret;
}

krb5_error_code
ks_as_choose_hint(struct ks_context *ctx, krb5_pa_data *const *padata,
                  const krb5_enctype *requested, bool in_reply,
                  struct ks_as_hint *hint_out)
{
    struct ks_as_hint hint = { 0 };
    const krb5_pa_data *pa;
    krb5_error_code ret = 0;

    pa = ks_padata_find(padata, KRB5_PADATA_ETYPE_INFO2);
    if (pa == NULL)
        pa = ks_padata_find(padata, KRB5_PADATA_ETYPE_INFO);
    if (pa != NULL) {
        ret = hint_from_info(ctx, pa, requested, in_reply, &hint);
    } else if ((pa = ks_padata_find(padata, KRB5_PADATA_PW_SALT)) != NULL) {
        hint.etype = requested[0];
        hint.has_salt = true;
        ret = copy_bytes(&hint.salt, pa->contents, pa->length);
        if (!ret)
            KS_MTRACE_PREAUTH_ETYPE_INFO(ctx, hint.etype, &hint.salt,
                                         &hint.s2kparams);
        ks_trace(ctx->trace, "AS preauth", 0, "pw-salt",
                 "PW-SALT gives the salt; using the first enctype we asked "
                 "for");
    }
    if (ret) {
        ks_as_hint_clear(&hint);
        return ret;
    }
    *hint_out = hint;
    return 0;
}

void
ks_as_hint_clear(struct ks_as_hint *hint)
{
    if (hint == NULL)
        return;
    free(hint->salt.data);
    free(hint->s2kparams.data);
    memset(hint, 0, sizeof(*hint));
}

bool
ks_as_enc_ts_disabled(struct ks_context *ctx, const char *realm)
{
    /* What the profile library reads as true. */
    static const char *const yes[] = { "y", "yes", "true", "t", "1", "on" };
    char **values = NULL;
    bool off = false;

    if (ks_config_realm_values(ctx->k5, realm, "disable_encrypted_timestamp",
                               &values) != 0)
        return false;
    for (size_t i = 0; values[0] != NULL && i < sizeof(yes) / sizeof(*yes);
         i++) {
        if (strcasecmp(values[0], yes[i]) == 0)
            off = true;
    }
    ks_config_free_list(values);
    return off;
}

krb5_error_code
ks_as_password_key(struct ks_context *ctx, krb5_const_principal client,
                   const char *password, const struct ks_as_hint *hint,
                   krb5_keyblock *key_out)
{
    krb5_data pw = { KV5M_DATA, (unsigned int)strlen(password),
                     (char *)password };
    krb5_data salt = { 0 }, defsalt = { 0 };
    const krb5_data *params = NULL;
    krb5_error_code ret;
    char keydesc[128];

    if (hint->has_salt) {
        salt = hint->salt;
    } else {
        ret = krb5_principal2salt(ctx->k5, client, &defsalt);
        if (ret)
            return ks_error_set(ctx, ret, "making the default salt");
        salt = defsalt;
    }
    if (hint->s2kparams.length > 0)
        params = &hint->s2kparams;
    ret = krb5_c_string_to_key_with_params(ctx->k5, hint->etype, &pw, &salt,
                                           params, key_out);
    krb5_free_data_contents(ctx->k5, &defsalt);
    if (ret)
        return ks_error_set(ctx, ret, "deriving the key from the password");
    ks_trace(ctx->trace, "AS preauth", 0, "key",
             "client key %s from the password%s",
             ks_trace_key(ctx->trace, ctx->k5, key_out, keydesc,
                          sizeof(keydesc)),
             hint->has_salt ? "" : " and the default salt");
    return 0;
}

krb5_error_code
ks_as_make_enc_timestamp(struct ks_context *ctx, const krb5_keyblock *key,
                         krb5_timestamp time, krb5_int32 usec,
                         krb5_pa_data **pa_out)
{
    krb5_pa_enc_ts ts = { time, usec };
    krb5_data *plain = NULL, *der = NULL;
    krb5_enc_data enc = { 0 };
    krb5_pa_data *pa = NULL;
    krb5_error_code ret;

    pa = calloc(1, sizeof(*pa));
    ret = pa == NULL ? ENOMEM : encode_krb5_pa_enc_ts(&ts, &plain);
    if (!ret)
        ret = ks_secret_encrypt(ctx->k5, key, KRB5_KEYUSAGE_AS_REQ_PA_ENC_TS,
                                plain, &enc);
    if (ret)
        goto cleanup;
    KS_MTRACE_PREAUTH_ENC_TS(ctx, time, usec, plain, &enc.ciphertext);
    ret = encode_krb5_enc_data(&enc, &der);
    if (ret)
        goto cleanup;
    pa->magic = KV5M_PA_DATA;
    pa->pa_type = KRB5_PADATA_ENC_TIMESTAMP;
    pa->length = der->length;
    pa->contents = (krb5_octet *)der->data;
    free(der);
    *pa_out = pa;
    pa = NULL;

cleanup:
    ks_secret_free_encoded(ctx->k5, plain);
    free(enc.ciphertext.data);
    free(pa);
    if (ret)
        ks_error_set(ctx, ret, "making PA-ENC-TIMESTAMP");
    return ret;
}

static void
add_etype(krb5_enctype *list, krb5_enctype e)
{
    size_t n = 0;

    while (list[n] != 0) {
        if (list[n] == e)
            return;
        n++;
    }
    list[n] = e;
    list[n + 1] = 0;
}

/* Add to HAVE the enctypes of CANDIDATES that KEYTAB holds for CLIENT. */
static krb5_error_code
scan_keytab(struct ks_context *ctx, krb5_keytab keytab,
            krb5_const_principal client, const krb5_enctype *candidates,
            krb5_enctype *have)
{
    krb5_kt_cursor cursor;
    krb5_keytab_entry entry;
    krb5_error_code ret;

    ret = krb5_kt_start_seq_get(ctx->k5, keytab, &cursor);
    if (ret)
        return ks_error_set(ctx, ret, "reading the keytab");
    while (krb5_kt_next_entry(ctx->k5, keytab, &entry, &cursor) == 0) {
        if (krb5_principal_compare(ctx->k5, entry.principal, client) &&
            etype_in(entry.key.enctype, candidates))
            add_etype(have, entry.key.enctype);
        krb5_free_keytab_entry_contents(ctx->k5, &entry);
    }
    krb5_kt_end_seq_get(ctx->k5, keytab, &cursor);
    return 0;
}

static krb5_error_code
no_keytab_keys(struct ks_context *ctx, krb5_const_principal client)
{
    char *name = NULL;

    if (krb5_unparse_name(ctx->k5, client, &name) != 0)
        name = NULL;
    krb5_set_error_message(ctx->k5, KRB5_KT_NOTFOUND,
                           "Keytab contains no suitable keys for %s "
                           "(check the keytab with klist -k -e)",
                           name != NULL ? name : "the client");
    krb5_free_unparsed_name(ctx->k5, name);
    return KRB5_KT_NOTFOUND;
}

krb5_error_code
ks_as_keytab_etypes(struct ks_context *ctx, krb5_keytab keytab,
                    krb5_const_principal client,
                    const krb5_enctype *candidates,
                    krb5_enctype **etypes_out)
{
    krb5_enctype *have = NULL, *out = NULL;
    krb5_error_code ret;
    size_t n = 0, j = 0;

    while (candidates[n] != 0)
        n++;
    have = calloc(n + 1, sizeof(*have));
    out = calloc(n + 1, sizeof(*out));
    if (have == NULL || out == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    ret = scan_keytab(ctx, keytab, client, candidates, have);
    if (ret)
        goto cleanup;
    /* In the configuration's order, not the keytab's. */
    for (size_t i = 0; i < n; i++) {
        if (etype_in(candidates[i], have))
            out[j++] = candidates[i];
    }
    KS_MTRACE_INIT_CREDS_KEYTAB_LOOKUP(ctx, client, have);
    if (j == 0) {
        ret = no_keytab_keys(ctx, client);
        goto cleanup;
    }
    /* The rest follow, as MIT's sort_enctypes does: the reply key must be
     * one the keytab holds, but the krbtgt may lack all of those, and the
     * ticket and session key may then still be of another enctype. */
    for (size_t i = 0; i < n; i++) {
        if (!etype_in(candidates[i], have))
            out[j++] = candidates[i];
    }
    *etypes_out = out;
    out = NULL;

cleanup:
    free(have);
    free(out);
    return ret;
}

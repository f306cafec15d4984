/*
 * describe: field-by-field descriptions of Kerberos messages, with RFC
 * 4120's names.  Everything is written through emit; nothing decrypts.
 */
#include <stdio.h>
#include <string.h>

#include "wire/artefact.h"
#include "wire/padata.h"
#include "inspect/describe.h"
#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/pac_emit.h"
#include "core/krb5_private.h"

/* Inner values shorter than this are shown in hex as well. */
#define SHORT_VALUE 32

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct number_name {
    int number;
    const char *name;
};

static const char *
lookup(const struct number_name *table, size_t n, int number)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].number == number)
            return table[i].name;
    }
    return NULL;
}

static const struct number_name msg_types[] = {
    { 10, "KRB_AS_REQ" }, { 11, "KRB_AS_REP" },  { 12, "KRB_TGS_REQ" },
    { 13, "KRB_TGS_REP" }, { 14, "KRB_AP_REQ" }, { 15, "KRB_AP_REP" },
    { 20, "KRB_SAFE" },   { 21, "KRB_PRIV" },    { 22, "KRB_CRED" },
    { 30, "KRB_ERROR" },
};

const char *
ks_describe_msg_type_name(int msg_type)
{
    return lookup(msg_types, COUNT(msg_types), msg_type);
}

const char *
ks_describe_padata_name(krb5_preauthtype type)
{
    return ks_padata_name(type);
}

const char *
ks_describe_error_name(krb5_int32 protocol_error)
{
    return ks_error_protocol_name(protocol_error);
}

static const struct number_name authdata_types[] = {
    { 1, "AD-IF-RELEVANT" },     { 4, "AD-KDC-ISSUED" },
    { 5, "AD-AND-OR" },          { 8, "AD-MANDATORY-FOR-KDC" },
    { 71, "AD-FX-ARMOR" },       { 96, "AD-CAMMAC" },
    { 97, "AD-AUTHENTICATION-INDICATOR" },
    { 128, "AD-WIN2K-PAC" },     { 129, "AD-ETYPE-NEGOTIATION" },
    { 143, "AD-AP-OPTIONS" },    { 512, "AD-SIGNTICKET" },
};

const char *
ks_describe_authdata_name(krb5_authdatatype type)
{
    return lookup(authdata_types, COUNT(authdata_types), (int)type);
}

/* MS-PAC 2.4. */
static const struct number_name pac_types[] = {
    { 1, "LOGON_INFO" },         { 2, "CREDENTIALS_INFO" },
    { 6, "SERVER_CHECKSUM" },    { 7, "PRIVSVR_CHECKSUM" },
    { 10, "CLIENT_INFO" },       { 11, "DELEGATION_INFO" },
    { 12, "UPN_DNS_INFO" },      { 13, "CLIENT_CLAIMS_INFO" },
    { 14, "DEVICE_INFO" },       { 15, "DEVICE_CLAIMS_INFO" },
    { 16, "TICKET_CHECKSUM" },   { 17, "ATTRIBUTES_INFO" },
    { 18, "REQUESTOR" },         { 19, "FULL_CHECKSUM" },
};

const char *
ks_describe_pac_buffer_name(krb5_ui_4 type)
{
    return lookup(pac_types, COUNT(pac_types), (int)type);
}

/* RFC 3961 and RFC 8009 checksum types, by MIT's short names. */
static const struct number_name cksum_types[] = {
    { 1, "crc32" },
    { 2, "md4" },
    { 3, "md4-des" },
    { 7, "md5" },
    { 8, "md5-des" },
    { 12, "hmac-sha1-des3-kd" },
    { 14, "sha1" },
    { 15, "hmac-sha1-96-aes128" },
    { 16, "hmac-sha1-96-aes256" },
    { 17, "cmac-camellia128" },
    { 18, "cmac-camellia256" },
    { 19, "hmac-sha256-128-aes128" },
    { 20, "hmac-sha384-192-aes256" },
    { -138, "hmac-md5-arcfour" },
};

const char *
ks_describe_cksumtype(krb5_cksumtype type, char *buf, size_t len)
{
    const char *name = lookup(cksum_types, COUNT(cksum_types), (int)type);

    if (name != NULL)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "cksumtype %d", (int)type);
    return buf;
}

/* A PrincipalName without its realm ("HTTP/web.test.realm"). */
static void
emit_pname(struct ks_context *ctx, struct ks_emit *e, const char *key,
           krb5_const_principal p)
{
    char *name = NULL;

    if (p == NULL) {
        ks_emit_null(e, key);
        return;
    }
    if (krb5_unparse_name_flags(ctx->k5, p, KRB5_PRINCIPAL_UNPARSE_NO_REALM,
                                &name) != 0) {
        ks_emit_string(e, key, "(unprintable name)");
        return;
    }
    ks_emit_string(e, key, name);
    krb5_free_unparsed_name(ctx->k5, name);
}

static void
emit_realm(struct ks_emit *e, const char *key, krb5_const_principal p)
{
    if (p == NULL)
        ks_emit_null(e, key);
    else
        ks_emit_data(e, key, &p->realm);
}

/* An optional time: absent (0) is left out. */
static void
emit_opt_time(struct ks_emit *e, const char *key, krb5_timestamp t)
{
    if (t != 0)
        ks_emit_time(e, key, t);
}

static void
emit_msg_type(struct ks_emit *e, int msg_type)
{
    ks_emit_int(e, "pvno", KRB5_PVNO);
    ks_emit_named_int(e, "msg-type", msg_type,
                      ks_describe_msg_type_name(msg_type));
}

void
ks_describe_enc_data(struct ks_emit *e, const char *key,
                     const krb5_enc_data *enc)
{
    ks_emit_begin_object(e, key);
    ks_emit_enctype(e, "etype", enc->enctype);
    if (enc->kvno != 0)
        ks_emit_int(e, "kvno", enc->kvno);
    ks_emit_int(e, "cipher-length", enc->ciphertext.length);
    ks_emit_end(e);
}

static void
emit_addresses(struct ks_emit *e, const char *key, krb5_address *const *a)
{
    char buf[64];

    ks_emit_begin_array(e, key);
    for (size_t i = 0; a != NULL && a[i] != NULL; i++) {
        const krb5_octet *c = a[i]->contents;

        if (a[i]->addrtype == ADDRTYPE_INET && a[i]->length == 4) {
            snprintf(buf, sizeof(buf), "%u.%u.%u.%u", c[0], c[1], c[2],
                     c[3]);
            ks_emit_string(e, NULL, buf);
        } else {
            ks_emit_hex(e, NULL, c, a[i]->length);
        }
    }
    ks_emit_end(e);
}

static void emit_authdata(struct ks_context *ctx, struct ks_emit *e,
                          const char *key, krb5_authdata *const *ad,
                          int depth);

/* AD-IF-RELEVANT holds more authorization data: show it too. */
static void
emit_ad_container(struct ks_context *ctx, struct ks_emit *e,
                  const krb5_authdata *ad, int depth)
{
    krb5_authdata **inner = NULL;

    if (depth >= 4 ||
        krb5_decode_authdata_container(ctx->k5, KRB5_AUTHDATA_IF_RELEVANT,
                                       ad, &inner) != 0)
        return;
    emit_authdata(ctx, e, "elements", inner, depth + 1);
    krb5_free_authdata(ctx->k5, inner);
}

static void
emit_authdata(struct ks_context *ctx, struct ks_emit *e, const char *key,
              krb5_authdata *const *ad, int depth)
{
    ks_emit_begin_array(e, key);
    for (size_t i = 0; ad != NULL && ad[i] != NULL; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_named_int(e, "ad-type", ad[i]->ad_type,
                          ks_describe_authdata_name(ad[i]->ad_type));
        ks_emit_int(e, "ad-data-length", ad[i]->length);
        if (ad[i]->ad_type == KRB5_AUTHDATA_IF_RELEVANT)
            emit_ad_container(ctx, e, ad[i], depth);
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void
emit_checksum(struct ks_emit *e, const char *key, const krb5_checksum *ck)
{
    char name[48];

    if (ck == NULL)
        return;
    ks_emit_begin_object(e, key);
    ks_emit_string(e, "cksumtype",
                   ks_describe_cksumtype(ck->checksum_type, name,
                                         sizeof(name)));
    ks_emit_hex(e, "checksum", ck->contents, ck->length);
    ks_emit_end(e);
}

void
ks_describe_ticket(struct ks_context *ctx, struct ks_emit *e,
                   const char *key, const krb5_ticket *t)
{
    ks_emit_begin_object(e, key);
    ks_emit_int(e, "tkt-vno", KRB5_PVNO);
    emit_realm(e, "realm", t->server);
    emit_pname(ctx, e, "sname", t->server);
    ks_describe_enc_data(e, "enc-part", &t->enc_part);
    if (t->enc_part2 != NULL)
        ks_describe_enc_tkt_part(ctx, e, "EncTicketPart", t->enc_part2);
    ks_emit_end(e);
}

static void
emit_transited(struct ks_emit *e, const krb5_transited *tr)
{
    ks_emit_begin_object(e, "transited");
    ks_emit_int(e, "tr-type", tr->tr_type);
    ks_emit_data(e, "contents", &tr->tr_contents);
    ks_emit_end(e);
}

void
ks_describe_enc_tkt_part(struct ks_context *ctx, struct ks_emit *e,
                         const char *key, const krb5_enc_tkt_part *part)
{
    ks_emit_begin_object(e, key);
    ks_emit_ticket_flags(e, "flags", part->flags);
    ks_emit_key(e, "key", ctx->k5, part->session);
    emit_realm(e, "crealm", part->client);
    emit_pname(ctx, e, "cname", part->client);
    emit_transited(e, &part->transited);
    ks_emit_time(e, "authtime", part->times.authtime);
    emit_opt_time(e, "starttime", part->times.starttime);
    ks_emit_time(e, "endtime", part->times.endtime);
    emit_opt_time(e, "renew-till", part->times.renew_till);
    emit_addresses(e, "caddr", part->caddrs);
    emit_authdata(ctx, e, "authorization-data", part->authorization_data, 0);
    ks_emit_end(e);
}

static void
emit_last_req(struct ks_emit *e, krb5_last_req_entry *const *lr)
{
    ks_emit_begin_array(e, "last-req");
    for (size_t i = 0; lr != NULL && lr[i] != NULL; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_int(e, "lr-type", lr[i]->lr_type);
        ks_emit_time(e, "lr-value", lr[i]->value);
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void emit_padata(struct ks_context *ctx, struct ks_emit *e,
                        const char *key, krb5_pa_data *const *pa);

void
ks_describe_enc_kdc_rep_part(struct ks_context *ctx, struct ks_emit *e,
                             const char *key,
                             const krb5_enc_kdc_rep_part *part)
{
    ks_emit_begin_object(e, key);
    ks_emit_key(e, "key", ctx->k5, part->session);
    emit_last_req(e, part->last_req);
    ks_emit_int(e, "nonce", part->nonce);
    emit_opt_time(e, "key-expiration", part->key_exp);
    ks_emit_ticket_flags(e, "flags", part->flags);
    ks_emit_time(e, "authtime", part->times.authtime);
    emit_opt_time(e, "starttime", part->times.starttime);
    ks_emit_time(e, "endtime", part->times.endtime);
    emit_opt_time(e, "renew-till", part->times.renew_till);
    emit_realm(e, "srealm", part->server);
    emit_pname(ctx, e, "sname", part->server);
    emit_addresses(e, "caddr", part->caddrs);
    if (part->enc_padata != NULL)
        emit_padata(ctx, e, "encrypted-pa-data", part->enc_padata);
    ks_emit_end(e);
}

void
ks_describe_authenticator(struct ks_context *ctx, struct ks_emit *e,
                          const char *key, const krb5_authenticator *a)
{
    ks_emit_begin_object(e, key);
    ks_emit_int(e, "authenticator-vno", KRB5_PVNO);
    emit_realm(e, "crealm", a->client);
    emit_pname(ctx, e, "cname", a->client);
    emit_checksum(e, "cksum", a->checksum);
    ks_emit_int(e, "cusec", a->cusec);
    ks_emit_time(e, "ctime", a->ctime);
    if (a->subkey != NULL)
        ks_emit_key(e, "subkey", ctx->k5, a->subkey);
    if (a->seq_number != 0)
        ks_emit_int(e, "seq-number", a->seq_number);
    emit_authdata(ctx, e, "authorization-data", a->authorization_data, 0);
    ks_emit_end(e);
}

static void
emit_ap_options(struct ks_emit *e, krb5_flags options)
{
    ks_emit_begin_array(e, "ap-options");
    if (options & AP_OPTS_USE_SESSION_KEY)
        ks_emit_string(e, NULL, "use-session-key");
    if (options & AP_OPTS_MUTUAL_REQUIRED)
        ks_emit_string(e, NULL, "mutual-required");
    ks_emit_end(e);
}

void
ks_describe_ap_req(struct ks_context *ctx, struct ks_emit *e,
                   const char *key, const krb5_ap_req *ap)
{
    ks_emit_begin_object(e, key);
    emit_msg_type(e, KRB5_AP_REQ);
    emit_ap_options(e, ap->ap_options);
    if (ap->ticket != NULL)
        ks_describe_ticket(ctx, e, "ticket", ap->ticket);
    ks_describe_enc_data(e, "authenticator", &ap->authenticator);
    ks_emit_end(e);
}

static void
emit_pa_tgs_req(struct ks_context *ctx, struct ks_emit *e,
                const krb5_data *value)
{
    krb5_ap_req *ap = NULL;

    if (decode_krb5_ap_req(value, &ap) != 0) {
        ks_emit_note(e, "note", "does not decode as an AP-REQ");
        return;
    }
    ks_describe_ap_req(ctx, e, "ap-req", ap);
    krb5_free_ap_req(ctx->k5, ap);
}

static void
emit_etype_info2(struct ks_context *ctx, struct ks_emit *e,
                 const krb5_data *value)
{
    krb5_etype_info_entry **info = NULL;

    if (decode_krb5_etype_info2(value, &info) != 0) {
        ks_emit_note(e, "note", "does not decode as ETYPE-INFO2");
        return;
    }
    ks_emit_begin_array(e, "etype-info2");
    for (size_t i = 0; info[i] != NULL; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_enctype(e, "etype", info[i]->etype);
        if (info[i]->length != KS_ETYPE_NO_SALT)
            ks_emit_string_len(e, "salt", (const char *)info[i]->salt,
                               info[i]->length);
        if (info[i]->s2kparams.length > 0)
            ks_emit_hex(e, "s2kparams", info[i]->s2kparams.data,
                        info[i]->s2kparams.length);
        ks_emit_end(e);
    }
    ks_emit_end(e);
    krb5_free_etype_info(ctx->k5, info);
}

/* PA-PAC-REQUEST is KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0]
 * BOOLEAN }: seven fixed bytes. */
static void
emit_pac_request(struct ks_emit *e, const krb5_data *value)
{
    static const unsigned char head[] = { 0x30, 0x05, 0xa0, 0x03,
                                          0x01, 0x01 };

    if (value->length == 7 && memcmp(value->data, head, 6) == 0)
        ks_emit_bool(e, "include-pac", value->data[6] != 0);
}

static void
emit_padata_value(struct ks_context *ctx, struct ks_emit *e,
                  const krb5_pa_data *pa)
{
    krb5_data value = { KV5M_DATA, pa->length, (char *)pa->contents };

    ks_emit_begin_object(e, "padata-value");
    ks_emit_int(e, "length", pa->length);
    if (pa->pa_type == KRB5_PADATA_AP_REQ)
        emit_pa_tgs_req(ctx, e, &value);
    else if (pa->pa_type == KRB5_PADATA_ETYPE_INFO2)
        emit_etype_info2(ctx, e, &value);
    else if (pa->pa_type == KRB5_PADATA_PAC_REQUEST)
        emit_pac_request(e, &value);
    else if (pa->length > 0 && pa->length <= SHORT_VALUE)
        ks_emit_hex(e, "hex", pa->contents, pa->length);
    ks_emit_end(e);
}

static void
emit_padata(struct ks_context *ctx, struct ks_emit *e, const char *key,
            krb5_pa_data *const *pa)
{
    ks_emit_begin_array(e, key);
    for (size_t i = 0; pa != NULL && pa[i] != NULL; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_named_int(e, "padata-type", pa[i]->pa_type,
                          ks_describe_padata_name(pa[i]->pa_type));
        emit_padata_value(ctx, e, pa[i]);
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void
emit_etypes(struct ks_emit *e, const krb5_enctype *etypes, int n)
{
    ks_emit_begin_array(e, "etype");
    for (int i = 0; i < n; i++)
        ks_emit_enctype(e, NULL, etypes[i]);
    ks_emit_end(e);
}

static void
emit_req_body(struct ks_context *ctx, struct ks_emit *e,
              const krb5_kdc_req *req)
{
    ks_emit_begin_object(e, "req-body");
    ks_emit_kdc_options(e, "kdc-options", req->kdc_options);
    if (req->client != NULL)
        emit_pname(ctx, e, "cname", req->client);
    emit_realm(e, "realm", req->server);
    emit_pname(ctx, e, "sname", req->server);
    emit_opt_time(e, "from", req->from);
    ks_emit_time(e, "till", req->till);
    emit_opt_time(e, "rtime", req->rtime);
    ks_emit_int(e, "nonce", req->nonce);
    emit_etypes(e, req->ktype, req->nktypes);
    emit_addresses(e, "addresses", req->addresses);
    if (req->authorization_data.ciphertext.length > 0)
        ks_describe_enc_data(e, "enc-authorization-data",
                             &req->authorization_data);
    ks_emit_begin_array(e, "additional-tickets");
    for (size_t i = 0; req->second_ticket != NULL &&
                       req->second_ticket[i] != NULL; i++)
        ks_describe_ticket(ctx, e, NULL, req->second_ticket[i]);
    ks_emit_end(e);
    ks_emit_end(e);
}

void
ks_describe_kdc_req(struct ks_context *ctx, struct ks_emit *e,
                    const char *key, const krb5_kdc_req *req)
{
    if (key != NULL)
        ks_emit_begin_object(e, key);
    emit_msg_type(e, req->msg_type);
    emit_padata(ctx, e, "padata", req->padata);
    emit_req_body(ctx, e, req);
    if (key != NULL)
        ks_emit_end(e);
}

void
ks_describe_kdc_rep(struct ks_context *ctx, struct ks_emit *e,
                    const char *key, const krb5_kdc_rep *rep)
{
    if (key != NULL)
        ks_emit_begin_object(e, key);
    emit_msg_type(e, rep->msg_type);
    emit_padata(ctx, e, "padata", rep->padata);
    emit_realm(e, "crealm", rep->client);
    emit_pname(ctx, e, "cname", rep->client);
    if (rep->ticket != NULL)
        ks_describe_ticket(ctx, e, "ticket", rep->ticket);
    ks_describe_enc_data(e, "enc-part", &rep->enc_part);
    if (rep->enc_part2 != NULL)
        ks_describe_enc_kdc_rep_part(ctx, e, "EncKDCRepPart",
                                     rep->enc_part2);
    if (key != NULL)
        ks_emit_end(e);
}

/* e-data: METHOD-DATA when it decodes as such, else its length. */
static void
emit_e_data(struct ks_context *ctx, struct ks_emit *e, const krb5_data *d)
{
    krb5_pa_data **pa = NULL;

    if (d->length == 0)
        return;
    if (decode_krb5_padata_sequence(d, &pa) == 0) {
        emit_padata(ctx, e, "e-data", pa);
        krb5_free_pa_data(ctx->k5, pa);
        return;
    }
    ks_emit_begin_object(e, "e-data");
    ks_emit_int(e, "length", d->length);
    ks_emit_end(e);
}

void
ks_describe_error(struct ks_context *ctx, struct ks_emit *e,
                  const char *key, const krb5_error *err)
{
    char text[KS_ETEXT_MAX * 4 + 8];

    if (key != NULL)
        ks_emit_begin_object(e, key);
    emit_msg_type(e, KRB5_ERROR);
    emit_opt_time(e, "ctime", err->ctime);
    if (err->ctime != 0)
        ks_emit_int(e, "cusec", err->cusec);
    ks_emit_time(e, "stime", err->stime);
    ks_emit_int(e, "susec", err->susec);
    ks_emit_named_int(e, "error-code", err->error,
                      ks_describe_error_name(err->error));
    if (err->client != NULL) {
        emit_realm(e, "crealm", err->client);
        emit_pname(ctx, e, "cname", err->client);
    }
    emit_realm(e, "realm", err->server);
    emit_pname(ctx, e, "sname", err->server);
    if (err->text.length > 0) {
        ks_error_sanitize(err->text.data, err->text.length, text,
                          sizeof(text));
        ks_emit_string(e, "e-text", text);
    }
    emit_e_data(ctx, e, &err->e_data);
    if (key != NULL)
        ks_emit_end(e);
}

void
ks_describe_pac(struct ks_emit *e, const char *key,
                const struct ks_pac_view *pac)
{
    ks_emit_begin_object(e, key);
    ks_emit_begin_array(e, "buffers");
    for (size_t i = 0; i < pac->count; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_named_int(e, "type", pac->buffers[i].type,
                          ks_describe_pac_buffer_name(pac->buffers[i].type));
        ks_emit_int(e, "length", (long long)pac->buffers[i].length);
        ks_emit_end(e);
    }
    ks_emit_end(e);
    if (pac->client_name != NULL) {
        ks_emit_string(e, "client-name", pac->client_name);
        ks_emit_time(e, "client-time", pac->client_time);
    }
    if (pac->server_checksum_ok >= 0)
        ks_emit_verdict(e, "server-checksum-ok", "server checksum",
                        pac->server_checksum_ok == 1, "valid", "invalid",
                        NULL);
    if (pac->decoded != NULL)
        ks_pac_emit(e, pac->decoded);
    ks_emit_end(e);
}

/* What every top-level description starts with. */
static void
emit_header(struct ks_emit *e, const krb5_data *der)
{
    ks_emit_string(e, "message", ks_artefact_kind(der));
    ks_emit_int(e, "length", der->length);
}

/*
 * The messages kstep decode describes field by field, by their first byte
 * (the APPLICATION tag).  Each kind has a libkrb5 decoder, a describer and
 * a free function of its own type; KIND_ADAPTERS wraps them in functions
 * of one type each, so that one table holds every kind without casting
 * function pointers.
 */
struct message_kind {
    unsigned char first;
    krb5_error_code (*decode)(const krb5_data *der, void **msg_out);
    void (*describe)(struct ks_context *ctx, struct ks_emit *e,
                     const void *msg);
    void (*release)(krb5_context k5, void *msg);
};

#define KIND_ADAPTERS(name, type, decoder, describer, key, freer)          \
    static krb5_error_code                                                 \
    decode_##name(const krb5_data *der, void **msg_out)                    \
    {                                                                      \
        type *msg = NULL;                                                  \
        krb5_error_code ret = decoder(der, &msg);                          \
                                                                           \
        if (!ret)                                                          \
            *msg_out = msg;                                                \
        return ret;                                                        \
    }                                                                      \
    static void                                                            \
    describe_##name(struct ks_context *ctx, struct ks_emit *e,             \
                    const void *msg)                                       \
    {                                                                      \
        describer(ctx, e, key, msg);                                       \
    }                                                                      \
    static void                                                            \
    free_##name(krb5_context k5, void *msg)                                \
    {                                                                      \
        freer(k5, msg);                                                    \
    }

KIND_ADAPTERS(ticket, krb5_ticket, decode_krb5_ticket, ks_describe_ticket,
              "ticket", krb5_free_ticket)
KIND_ADAPTERS(authenticator, krb5_authenticator, decode_krb5_authenticator,
              ks_describe_authenticator, "authenticator",
              krb5_free_authenticator)
KIND_ADAPTERS(enc_tkt, krb5_enc_tkt_part, decode_krb5_enc_tkt_part,
              ks_describe_enc_tkt_part, "EncTicketPart",
              krb5_free_enc_tkt_part)
KIND_ADAPTERS(as_req, krb5_kdc_req, decode_krb5_as_req, ks_describe_kdc_req,
              NULL, krb5_free_kdc_req)
KIND_ADAPTERS(tgs_req, krb5_kdc_req, decode_krb5_tgs_req, ks_describe_kdc_req,
              NULL, krb5_free_kdc_req)
KIND_ADAPTERS(as_rep, krb5_kdc_rep, decode_krb5_as_rep, ks_describe_kdc_rep,
              NULL, krb5_free_kdc_rep)
KIND_ADAPTERS(tgs_rep, krb5_kdc_rep, decode_krb5_tgs_rep, ks_describe_kdc_rep,
              NULL, krb5_free_kdc_rep)
KIND_ADAPTERS(ap_req, krb5_ap_req, decode_krb5_ap_req, ks_describe_ap_req,
              "ap-req", krb5_free_ap_req)
KIND_ADAPTERS(enc_rep, krb5_enc_kdc_rep_part, decode_krb5_enc_kdc_rep_part,
              ks_describe_enc_kdc_rep_part, "EncKDCRepPart",
              krb5_free_enc_kdc_rep_part)
KIND_ADAPTERS(krb_error, krb5_error, decode_krb5_error, ks_describe_error,
              NULL, krb5_free_error)

#define KIND(first, name) { first, decode_##name, describe_##name, free_##name }

static const struct message_kind message_kinds[] = {
    KIND(0x61, ticket),        KIND(0x62, authenticator),
    KIND(0x63, enc_tkt),       KIND(0x6a, as_req),
    KIND(0x6b, as_rep),        KIND(0x6c, tgs_req),
    KIND(0x6d, tgs_rep),       KIND(0x6e, ap_req),
    KIND(0x79, enc_rep),       KIND(0x7a, enc_rep),
    KIND(0x7e, krb_error),
};

static const struct message_kind *
message_kind(unsigned char first)
{
    for (size_t i = 0; i < COUNT(message_kinds); i++) {
        if (message_kinds[i].first == first)
            return &message_kinds[i];
    }
    return NULL;
}

krb5_error_code
ks_describe_message(struct ks_context *ctx, struct ks_emit *e,
                    const char *what, const krb5_data *der)
{
    const char *kind_name = ks_artefact_kind(der);
    const struct message_kind *kind;
    void *msg = NULL;
    krb5_error_code ret;

    if (kind_name == NULL) {
        return ks_error_set(ctx, KRB5KRB_AP_ERR_MSG_TYPE,
                            "%s is not a Kerberos message", what);
    }
    kind = message_kind((unsigned char)der->data[0]);
    if (kind == NULL) {
        emit_header(e, der);
        ks_emit_note(e, "note", "no field-by-field description for this "
                                "kind of message: use --der");
        return 0;
    }
    /* Decoded before anything is emitted, so a message that does not
     * decode leaves the output untouched. */
    ret = kind->decode(der, &msg);
    if (ret)
        return ks_error_set(ctx, ret, "%s does not decode as %s", what,
                            kind_name);
    emit_header(e, der);
    kind->describe(ctx, e, msg);
    kind->release(ctx->k5, msg);
    return 0;
}

/*
 * pac_emit: a decoded PAC through emit, in text and JSON.  Field names are
 * MS-PAC's, in the toolkit's lower-case-with-dashes form
 * (EffectiveName -> effective-name).  Numbers that are bit sets are shown
 * in hex in text with their names, and in JSON as the number plus a
 * "-names" array; FILETIMEs as an ISO time in text and as
 * {"filetime": N, "iso": "..." or null} in JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/emit.h"
#include "inspect/pac.h"
#include "inspect/pac_emit.h"
#include "inspect/pac_sign.h"

struct bit_name {
    uint32_t bit;
    const char *name;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* SE_GROUP_* (MS-PAC 2.2.1, MS-DTYP). */
static const struct bit_name group_bits[] = {
    { 0x1, "mandatory" },            { 0x2, "enabled-by-default" },
    { 0x4, "enabled" },              { 0x8, "owner" },
    { 0x10, "use-for-deny-only" },   { 0x20, "integrity" },
    { 0x40, "integrity-enabled" },   { 0x20000000, "resource" },
    { 0xc0000000, "logon-id" },
};

/* UserFlags (MS-PAC 2.5; Samba's netr_UserFlags). */
static const struct bit_name user_bits[] = {
    { 0x1, "guest" },                { 0x2, "no-encryption" },
    { 0x4, "cached-account" },       { 0x8, "used-lm-password" },
    { 0x20, "extra-sids" },          { 0x40, "subauth-session-key" },
    { 0x80, "server-trust-account" }, { 0x100, "ntlmv2-enabled" },
    { 0x200, "resource-groups" },    { 0x400, "profile-path-returned" },
    { 0x1000000, "grace-logon" },
};

/* UserAccountControl (MS-SAMR 2.2.1.12). */
static const struct bit_name uac_bits[] = {
    { 0x1, "account-disabled" },     { 0x2, "home-directory-required" },
    { 0x4, "password-not-required" }, { 0x8, "temp-duplicate-account" },
    { 0x10, "normal-account" },      { 0x20, "mns-logon-account" },
    { 0x40, "interdomain-trust-account" },
    { 0x80, "workstation-trust-account" },
    { 0x100, "server-trust-account" }, { 0x200, "dont-expire-password" },
    { 0x400, "account-auto-locked" },
    { 0x800, "encrypted-text-password-allowed" },
    { 0x1000, "smartcard-required" }, { 0x2000, "trusted-for-delegation" },
    { 0x4000, "not-delegated" },     { 0x8000, "use-des-key-only" },
    { 0x10000, "dont-require-preauth" }, { 0x20000, "password-expired" },
    { 0x40000, "trusted-to-authenticate-for-delegation" },
    { 0x80000, "no-auth-data-required" },
    { 0x100000, "partial-secrets-account" }, { 0x200000, "use-aes-keys" },
};

static const struct bit_name upn_bits[] = {
    { KS_PAC_UPN_CONSTRUCTED, "upn-constructed" },
    { KS_PAC_UPN_EXTENDED, "sam-name-and-sid" },
};

static const struct bit_name attr_bits[] = {
    { KS_PAC_ATTR_WAS_REQUESTED, "pac-was-requested" },
    { KS_PAC_ATTR_WAS_GIVEN_IMPLICITLY, "pac-was-given-implicitly" },
};

/* The buffer names of MS-PAC 2.4, for the buffers shown here. */
static const struct bit_name buffer_names[] = {
    { KS_PAC_LOGON_INFO, "LOGON_INFO" },
    { KS_PAC_SERVER_CHECKSUM, "SERVER_CHECKSUM" },
    { KS_PAC_KDC_CHECKSUM, "KDC_CHECKSUM" },
    { KS_PAC_CLIENT_INFO, "CLIENT_INFO" },
    { KS_PAC_DELEGATION_INFO, "DELEGATION_INFO" },
    { KS_PAC_UPN_DNS_INFO, "UPN_DNS_INFO" },
    { KS_PAC_DEVICE_INFO, "DEVICE_INFO" },
    { KS_PAC_TICKET_CHECKSUM, "TICKET_CHECKSUM" },
    { KS_PAC_ATTRIBUTES_INFO, "ATTRIBUTES_INFO" },
    { KS_PAC_REQUESTOR, "REQUESTOR" },
    { KS_PAC_FULL_CHECKSUM, "FULL_CHECKSUM" },
};

static const char *
buffer_name(uint32_t type)
{
    for (size_t i = 0; i < COUNT(buffer_names); i++) {
        if (buffer_names[i].bit == type)
            return buffer_names[i].name;
    }
    return "unknown";
}

/* Text "0x00000007 (mandatory, enabled)"; JSON KEY: N, KEY-names: [...]. */
static void
emit_bits(struct ks_emit *e, const char *key, uint32_t value,
          const struct bit_name *names, size_t n)
{
    char text[512], namekey[64];
    size_t len;
    bool first = true;

    if (ks_emit_is_json(e)) {
        ks_emit_int(e, key, value);
        snprintf(namekey, sizeof(namekey), "%s-names", key);
        ks_emit_begin_array(e, namekey);
        for (size_t i = 0; i < n; i++) {
            if ((value & names[i].bit) == names[i].bit)
                ks_emit_string(e, NULL, names[i].name);
        }
        ks_emit_end(e);
        return;
    }
    len = (size_t)snprintf(text, sizeof(text), "0x%08" PRIx32, value);
    for (size_t i = 0; i < n && len < sizeof(text); i++) {
        if ((value & names[i].bit) != names[i].bit)
            continue;
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
                                first ? " (" : ", ", names[i].name);
        first = false;
    }
    if (!first && len < sizeof(text))
        snprintf(text + len, sizeof(text) - len, ")");
    ks_emit_string(e, key, text);
}

/* A FILETIME (100 ns since 1601) as ISO 8601, or false when it is none. */
static bool
filetime_iso(uint64_t ft, char *buf, size_t len)
{
    const uint64_t epoch_diff = 11644473600ULL;
    struct tm tm;
    time_t t;

    if (ft == 0 || ft == KS_FILETIME_NEVER || ft / 10000000 < epoch_diff)
        return false;
    t = (time_t)(ft / 10000000 - epoch_diff);
    if (gmtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return false;
    return true;
}

static void
emit_filetime(struct ks_emit *e, const char *key, uint64_t ft)
{
    char iso[64], text[96];
    bool ok = filetime_iso(ft, iso, sizeof(iso));

    if (ks_emit_is_json(e)) {
        ks_emit_begin_object(e, key);
        /* JSON numbers: the 64 bits as an unsigned decimal. */
        ks_emit_int(e, "filetime", (long long)ft);
        if (ok)
            ks_emit_string(e, "iso", iso);
        else
            ks_emit_null(e, "iso");
        ks_emit_end(e);
        return;
    }
    if (ok)
        snprintf(text, sizeof(text), "%s", iso);
    else if (ft == KS_FILETIME_NEVER)
        snprintf(text, sizeof(text), "never (0x7fffffffffffffff)");
    else if (ft == 0)
        snprintf(text, sizeof(text), "not set (0)");
    else
        snprintf(text, sizeof(text), "0x%016" PRIx64, ft);
    ks_emit_string(e, key, text);
}

static void
emit_sid(struct ks_emit *e, const char *key, const char *sid)
{
    if (sid == NULL)
        ks_emit_null(e, key);
    else
        ks_emit_string(e, key, sid);
}

static void
emit_rids(struct ks_emit *e, const char *key, const struct ks_pac_rid *rids,
          size_t n)
{
    ks_emit_begin_array(e, key);
    for (size_t i = 0; i < n; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_int(e, "rid", rids[i].rid);
        emit_bits(e, "attributes", rids[i].attributes, group_bits,
                  COUNT(group_bits));
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void
emit_sid_attrs(struct ks_emit *e, const char *key,
               const struct ks_pac_sid_attr *sids, size_t n)
{
    ks_emit_begin_array(e, key);
    for (size_t i = 0; i < n; i++) {
        ks_emit_begin_object(e, NULL);
        emit_sid(e, "sid", sids[i].sid);
        emit_bits(e, "attributes", sids[i].attributes, group_bits,
                  COUNT(group_bits));
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void
emit_domain_groups(struct ks_emit *e, const char *key,
                   const struct ks_pac_domain_groups *g)
{
    ks_emit_begin_object(e, key);
    emit_sid(e, "domain-sid", g->domain_sid);
    emit_rids(e, "groups", g->rids, g->count);
    ks_emit_end(e);
}

static void
emit_logon_times(struct ks_emit *e, const struct ks_pac_logon *l)
{
    emit_filetime(e, "logon-time", l->logon_time);
    emit_filetime(e, "logoff-time", l->logoff_time);
    emit_filetime(e, "kickoff-time", l->kickoff_time);
    emit_filetime(e, "password-last-set", l->password_last_set);
    emit_filetime(e, "password-can-change", l->password_can_change);
    emit_filetime(e, "password-must-change", l->password_must_change);
}

static void
emit_logon(struct ks_emit *e, const struct ks_pac_logon *l)
{
    ks_emit_begin_object(e, "logon-info");
    emit_logon_times(e, l);
    ks_emit_string(e, "effective-name", l->effective_name);
    ks_emit_string(e, "full-name", l->full_name);
    ks_emit_string(e, "logon-script", l->logon_script);
    ks_emit_string(e, "profile-path", l->profile_path);
    ks_emit_string(e, "home-directory", l->home_directory);
    ks_emit_string(e, "home-drive", l->home_drive);
    ks_emit_int(e, "logon-count", l->logon_count);
    ks_emit_int(e, "bad-password-count", l->bad_password_count);
    ks_emit_int(e, "user-id", l->user_id);
    ks_emit_int(e, "primary-group-id", l->primary_group_id);
    emit_rids(e, "groups", l->groups, l->group_count);
    emit_bits(e, "user-flags", l->user_flags, user_bits, COUNT(user_bits));
    ks_emit_string(e, "logon-server", l->logon_server);
    ks_emit_string(e, "logon-domain-name", l->logon_domain);
    emit_sid(e, "logon-domain-id", l->logon_domain_sid);
    emit_bits(e, "user-account-control", l->user_account_control, uac_bits,
              COUNT(uac_bits));
    ks_emit_int(e, "sub-auth-status", l->sub_auth_status);
    emit_filetime(e, "last-successful-logon", l->last_successful_logon);
    emit_filetime(e, "last-failed-logon", l->last_failed_logon);
    ks_emit_int(e, "failed-logon-count", l->failed_logon_count);
    emit_sid_attrs(e, "extra-sids", l->extra_sids, l->sid_count);
    emit_domain_groups(e, "resource-groups", &l->resource);
    ks_emit_end(e);
}

static void
emit_device(struct ks_emit *e, const struct ks_pac_device *d)
{
    ks_emit_begin_object(e, "device-info");
    ks_emit_int(e, "user-id", d->user_id);
    ks_emit_int(e, "primary-group-id", d->primary_group_id);
    emit_sid(e, "account-domain-id", d->account_domain_sid);
    emit_rids(e, "account-groups", d->groups, d->group_count);
    emit_sid_attrs(e, "extra-sids", d->extra_sids, d->sid_count);
    ks_emit_begin_array(e, "domain-groups");
    for (size_t i = 0; i < d->domain_count; i++)
        emit_domain_groups(e, NULL, &d->domains[i]);
    ks_emit_end(e);
    ks_emit_end(e);
}

static void
emit_upn(struct ks_emit *e, const struct ks_pac_upn *u)
{
    ks_emit_begin_object(e, "upn-dns-info");
    ks_emit_string(e, "upn", u->upn);
    ks_emit_string(e, "dns-domain-name", u->dns_domain);
    emit_bits(e, "flags", u->flags, upn_bits, COUNT(upn_bits));
    if (u->flags & KS_PAC_UPN_EXTENDED) {
        ks_emit_string(e, "sam-name", u->sam_name);
        emit_sid(e, "sid", u->sid);
    }
    ks_emit_end(e);
}

static void
emit_small(struct ks_emit *e, const struct ks_pac *pac)
{
    if (pac->client != NULL) {
        ks_emit_begin_object(e, "client-info");
        emit_filetime(e, "client-id", pac->client->client_id);
        ks_emit_string(e, "name", pac->client->name);
        ks_emit_end(e);
    }
    if (pac->attributes != NULL) {
        ks_emit_begin_object(e, "attributes-info");
        ks_emit_int(e, "flags-length", pac->attributes->flags_length);
        emit_bits(e, "flags", pac->attributes->flags, attr_bits,
                  COUNT(attr_bits));
        ks_emit_end(e);
    }
    if (pac->requestor_sid != NULL) {
        ks_emit_begin_object(e, "requestor");
        ks_emit_string(e, "sid", pac->requestor_sid);
        ks_emit_end(e);
    }
    if (pac->delegation != NULL) {
        ks_emit_begin_object(e, "delegation-info");
        ks_emit_string(e, "s4u2proxy-target", pac->delegation->proxy_target);
        ks_emit_begin_array(e, "transited-services");
        for (size_t i = 0; i < pac->delegation->count; i++)
            ks_emit_string(e, NULL, pac->delegation->transited[i]);
        ks_emit_end(e);
        ks_emit_end(e);
    }
    if (pac->has_client_claims) {
        ks_emit_begin_object(e, "client-claims");
        ks_emit_int(e, "length", (long long)pac->client_claims_length);
        ks_emit_end(e);
    }
    if (pac->has_device_claims) {
        ks_emit_begin_object(e, "device-claims");
        ks_emit_int(e, "length", (long long)pac->device_claims_length);
        ks_emit_end(e);
    }
}

static void
emit_verdict(struct ks_emit *e, const struct ks_pac_signature *s)
{
    char text[128];

    if (ks_emit_is_json(e)) {
        if (s->verdict == KS_PAC_NOT_CHECKED)
            ks_emit_null(e, "verified");
        else
            ks_emit_bool(e, "verified", s->verdict == KS_PAC_VALID);
        if (s->key_name != NULL)
            ks_emit_string(e, "key", s->key_name);
        if (s->why != NULL)
            ks_emit_string(e, "reason", s->why);
        return;
    }
    if (s->verdict == KS_PAC_NOT_CHECKED)
        snprintf(text, sizeof(text), "not checked (%s)",
                 s->why ? s->why : "no key");
    else if (s->verdict == KS_PAC_VALID)
        snprintf(text, sizeof(text), "valid (%s key)", s->key_name);
    else
        snprintf(text, sizeof(text), "INVALID (%s key: %s)", s->key_name,
                 s->why ? s->why : "does not match");
    ks_emit_string(e, "verified", text);
}

static void
emit_signatures(struct ks_emit *e, const struct ks_pac *pac)
{
    ks_emit_begin_array(e, "signatures");
    for (size_t i = 0; i < pac->sig_count; i++) {
        const struct ks_pac_signature *s = &pac->sigs[i];

        ks_emit_begin_object(e, NULL);
        ks_emit_named_int(e, "buffer", s->buffer_type,
                          buffer_name(s->buffer_type));
        ks_emit_named_int(e, "signature-type", s->cksumtype,
                          ks_pac_cksum_name(s->cksumtype));
        ks_emit_int(e, "length", (long long)s->length);
        if (s->has_rodc)
            ks_emit_int(e, "rodc-identifier", s->rodc_identifier);
        emit_verdict(e, s);
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

static void
emit_malformed(struct ks_emit *e, const struct ks_pac *pac)
{
    bool any = false;

    for (size_t i = 0; i < pac->count; i++)
        any = any || pac->entries[i].error != 0;
    if (!any)
        return;
    ks_emit_begin_array(e, "malformed-buffers");
    for (size_t i = 0; i < pac->count; i++) {
        const struct ks_pac_entry *ent = &pac->entries[i];

        if (ent->error == 0)
            continue;
        ks_emit_begin_object(e, NULL);
        ks_emit_named_int(e, "type", ent->type, buffer_name(ent->type));
        ks_emit_string(e, "problem", ent->error == EEXIST
                                         ? "a second buffer of this type"
                                         : "does not decode");
        ks_emit_int(e, "at", (long long)ent->error_at);
        ks_emit_end(e);
    }
    ks_emit_end(e);
}

void
ks_pac_emit(struct ks_emit *e, const struct ks_pac *pac)
{
    if (pac->logon != NULL)
        emit_logon(e, pac->logon);
    if (pac->upn != NULL)
        emit_upn(e, pac->upn);
    emit_small(e, pac);
    if (pac->device != NULL)
        emit_device(e, pac->device);
    emit_signatures(e, pac);
    emit_malformed(e, pac);
}

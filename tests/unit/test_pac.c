/*
 * pac: our PAC reader (common/inspect/ndr.c, pac*.c) against PACs made by
 * Samba's own NDR code (tests/tools/make_pac_vectors.py wrote the hex
 * vectors of tests/fixtures/pac/), every truncation and thousands of
 * single-byte changes of them (no crash, an error or a decode), and the
 * signature checks against PACs signed by libkrb5.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"
#include "inspect/pac_sign.h"
#include "tap.h"

#ifndef KS_FIXTURES
#define KS_FIXTURES "tests/fixtures"
#endif

#define FT_NEVER 0x7fffffffffffffffULL
#define DOM "S-1-5-21-1004336348-1177238915-682003330"

struct vec {
    unsigned char *data;
    size_t len;
};

static int
load(const char *name, struct vec *v)
{
    char path[512], line[256];
    FILE *f;
    size_t cap = 4096;
    int hi = -1;

    snprintf(path, sizeof(path), "%s/pac/%s.hex", KS_FIXTURES, name);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    v->data = malloc(cap);
    v->len = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        for (char *p = line; *p; p++) {
            int c = (unsigned char)*p, x;

            if (!isxdigit(c))
                continue;
            x = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
            if (hi < 0) {
                hi = x;
                continue;
            }
            if (v->len == cap)
                v->data = realloc(v->data, cap *= 2);
            v->data[v->len++] = (unsigned char)(hi << 4 | x);
            hi = -1;
        }
    }
    fclose(f);
    return 0;
}

static const struct ks_pac_entry *
entry(const struct ks_pac *pac, uint32_t type)
{
    return pac ? ks_pac_find(pac, type) : NULL;
}

static void
test_full_logon(const struct ks_pac_logon *l)
{
    ok(l != NULL, "full: LOGON_INFO decodes");
    if (l == NULL)
        return;
    ok(l->logon_time == 134091072000000000ULL, "logon time");
    ok(l->logoff_time == FT_NEVER && l->kickoff_time == FT_NEVER,
       "logoff and kickoff: never");
    ok(l->password_last_set == 134085024001234567ULL, "password last set");
    ok(l->password_can_change == 134085888001234567ULL,
       "password can change");
    ok(l->password_must_change == FT_NEVER, "password must change: never");
    is_str(l->effective_name, "alice", "effective name");
    is_str(l->full_name, "Alice Liddell", "full name");
    is_str(l->logon_script, "logon.cmd", "logon script");
    is_str(l->profile_path, "\\\\fs\\profiles\\alice", "profile path");
    is_str(l->home_directory, "\\\\fs\\home\\alice", "home directory");
    is_str(l->home_drive, "H:", "home drive");
    is_int(l->logon_count, 42, "logon count");
    is_int(l->bad_password_count, 3, "bad password count");
    is_int(l->user_id, 1105, "user RID");
    is_int(l->primary_group_id, 513, "primary group RID");
    is_int(l->group_count, 3, "three groups");
    ok(l->group_count == 3 && l->groups[0].rid == 513 &&
       l->groups[1].rid == 512 && l->groups[2].rid == 1120 &&
       l->groups[2].attributes == 7, "group RIDs and attributes");
    is_int(l->user_flags, 0x20, "user flags: extra SIDs");
    is_str(l->logon_server, "DC1", "logon server");
    is_str(l->logon_domain, "SAMDOM", "logon domain name");
    is_str(l->logon_domain_sid, DOM, "logon domain SID");
    is_int(l->user_account_control, 0x10, "user account control");
    is_int(l->sid_count, 2, "two extra SIDs");
    if (l->sid_count == 2) {
        is_str(l->extra_sids[0].sid, "S-1-18-1", "extra SID 1");
        is_str(l->extra_sids[1].sid,
               "S-1-5-21-2000000000-2000000001-2000000002-1234",
               "extra SID 2");
        is_int(l->extra_sids[1].attributes, 7, "extra SID attributes");
    }
    is_str(l->resource.domain_sid,
           "S-1-5-21-3000000000-3000000001-3000000002",
           "resource group domain SID");
    ok(l->resource.count == 2 && l->resource.rids[0].rid == 1201 &&
       l->resource.rids[1].rid == 1202 &&
       l->resource.rids[1].attributes == 0x20000007,
       "resource group RIDs and attributes");
}

static void
test_full(void)
{
    struct ks_pac *pac = NULL;
    struct vec v;
    int ret;

    if (load("full", &v) != 0) {
        ok(0, "full.hex readable");
        return;
    }
    ret = ks_pac_decode(v.data, v.len, &pac);
    is_int(ret, 0, "full: the container decodes");
    is_int(pac ? pac->count : 0, 11, "eleven buffers");
    for (size_t i = 0; pac && i < pac->count; i++)
        is_int(pac->entries[i].error, 0, "buffer %u decodes",
               (unsigned int)pac->entries[i].type);
    test_full_logon(pac ? pac->logon : NULL);
    ok(pac && pac->upn, "UPN_DNS_INFO decodes");
    if (pac && pac->upn) {
        is_str(pac->upn->upn, "alice@samdom.example.com", "UPN");
        is_str(pac->upn->dns_domain, "SAMDOM.EXAMPLE.COM", "DNS domain");
        is_int(pac->upn->flags, 2, "flags: SAM name and SID");
        is_str(pac->upn->sam_name, "alice", "SAM name");
        is_str(pac->upn->sid, DOM "-1105", "SID");
    }
    ok(pac && pac->client && pac->client->client_id == 134091072000000000ULL,
       "client info time");
    is_str(pac && pac->client ? pac->client->name : NULL, "alice",
           "client info name");
    ok(pac && pac->attributes && pac->attributes->flags_length == 2 &&
       pac->attributes->flags == 1, "attributes: PAC was requested");
    is_str(pac ? pac->requestor_sid : NULL, DOM "-1105", "requestor SID");
    ok(pac && pac->delegation, "delegation info decodes");
    if (pac && pac->delegation) {
        is_str(pac->delegation->proxy_target, "cifs/fs.samdom.example.com",
               "S4U2proxy target");
        is_int(pac->delegation->count, 2, "two transited services");
        if (pac->delegation->count == 2)
            is_str(pac->delegation->transited[1],
                   "host/app.samdom.example.com@SAMDOM.EXAMPLE.COM",
                   "second transited service");
    }
    ok(pac && pac->has_client_claims && pac->client_claims_length == 24,
       "client claims: 24 bytes");
    is_int(pac ? pac->sig_count : 0, 4, "four signatures");
    ok(pac && pac->sig_count == 4 && pac->sigs[0].cksumtype == 16 &&
       pac->sigs[0].length == 12 && !pac->sigs[0].has_rodc &&
       v.data[pac->sigs[3].offset] == 0x44,
       "signature type, length and place");
    ks_pac_free(pac);
    free(v.data);
}

static void
test_minimal(void)
{
    struct ks_pac *pac = NULL;
    struct vec v;

    if (load("minimal", &v) != 0) {
        ok(0, "minimal.hex readable");
        return;
    }
    is_int(ks_pac_decode(v.data, v.len, &pac), 0, "minimal decodes");
    ok(pac && pac->logon, "minimal: LOGON_INFO");
    if (pac && pac->logon) {
        is_str(pac->logon->full_name, "", "empty full name");
        is_int(pac->logon->group_count, 0, "no groups");
        is_int(pac->logon->sid_count, 0, "no extra SIDs");
        ok(pac->logon->resource.domain_sid == NULL &&
           pac->logon->resource.count == 0, "no resource groups");
        is_str(pac->logon->logon_domain_sid, "S-1-5-21-1-2-3", "domain SID");
        is_int(pac->logon->user_account_control, 0x210, "UAC");
    }
    ok(pac && pac->upn && pac->upn->flags == 1 && pac->upn->sam_name == NULL,
       "UPN constructed, without SAM name");
    ok(pac && entry(pac, KS_PAC_REQUESTOR) == NULL && !pac->requestor_sid,
       "no requestor");
    ks_pac_free(pac);
    free(v.data);
}

/* Decode a copy of exactly LEN bytes, so ASan sees a read past them. */
static int
decode_copy(const unsigned char *data, size_t len, int *decoded)
{
    unsigned char *copy = malloc(len ? len : 1);
    struct ks_pac *pac = NULL;
    int ret;

    memcpy(copy, data, len);
    ret = ks_pac_decode(copy, len, &pac);
    if (ret == 0) {
        for (size_t i = 0; i < pac->count; i++)
            *decoded += pac->entries[i].error == 0;
    }
    ks_pac_free(pac);
    free(copy);
    return ret == 0 || ret == EINVAL ? 0 : -1;
}

/* Every buffer decoder on every prefix of its buffer. */
static int
truncate_buffers(const struct vec *v, int *errors)
{
    struct ks_pac *pac = NULL;
    int bad = 0;

    if (ks_pac_decode(v->data, v->len, &pac) != 0)
        return -1;
    for (size_t i = 0; i < pac->count; i++) {
        const struct ks_pac_entry *e = &pac->entries[i];

        for (size_t n = 0; n < e->length; n++) {
            unsigned char hdr[24] = { 1, 0, 0, 0, 0, 0, 0, 0 };
            unsigned char *one = malloc(sizeof(hdr) + n);
            int dummy = 0;

            /* A one-buffer PAC holding the first N bytes of the buffer. */
            memcpy(hdr + 8, &e->type, 4);
            hdr[12] = (unsigned char)n;
            hdr[13] = (unsigned char)(n >> 8);
            hdr[16] = sizeof(hdr);
            memcpy(one, hdr, sizeof(hdr));
            memcpy(one + sizeof(hdr), v->data + e->offset, n);
            if (decode_copy(one, sizeof(hdr) + n, &dummy) != 0)
                bad++;
            *errors += dummy == 0;
            free(one);
        }
    }
    ks_pac_free(pac);
    return bad;
}

static void
test_hostile(const char *name)
{
    struct vec v;
    unsigned int seed = 12345;
    int bad = 0, decoded = 0, errors = 0;
    unsigned char *m;

    if (load(name, &v) != 0) {
        ok(0, "%s.hex readable", name);
        return;
    }
    for (size_t n = 0; n < v.len; n++)
        bad += decode_copy(v.data, n, &decoded) != 0;
    is_int(bad, 0, "%s: every truncation of the PAC: an error or a decode",
           name);
    bad = truncate_buffers(&v, &errors);
    is_int(bad, 0, "%s: every truncation of every buffer, alone", name);
    ok(errors > 0, "%s: truncated buffers are refused (%d)", name, errors);
    m = malloc(v.len);
    decoded = 0;
    for (int i = 0; i < 4000; i++) {
        size_t at;

        memcpy(m, v.data, v.len);
        seed = seed * 1103515245u + 12345u;
        at = (seed >> 8) % v.len;
        seed = seed * 1103515245u + 12345u;
        m[at] ^= (unsigned char)((seed >> 16) | 1);
        bad += decode_copy(m, v.len, &decoded) != 0;
    }
    is_int(bad, 0, "%s: 4000 single-byte changes: an error or a decode",
           name);
    ok(decoded > 0, "%s: most changed PACs still decode (%d buffers)", name,
       decoded);
    free(m);
    free(v.data);
}

static void
test_unicode(void)
{
    struct ks_pac *pac = NULL;
    struct vec v;

    if (load("unicode", &v) != 0) {
        ok(0, "unicode.hex readable");
        return;
    }
    is_int(ks_pac_decode(v.data, v.len, &pac), 0, "unicode decodes");
    /* U+00EB, U+00C5, U+00F6, U+65E5 U+672C, U+1D11E (a surrogate pair). */
    is_str(pac && pac->logon ? pac->logon->full_name : NULL,
           "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m \xe6\x97\xa5\xe6\x9c\xac "
           "\xf0\x9d\x84\x9e", "UTF-16 to UTF-8, surrogate pair included");
    is_str(pac && pac->client ? pac->client->name : NULL, "zo\xc3\xab",
           "client info name in UTF-8");
    ks_pac_free(pac);
    free(v.data);
}

static void
test_device(void)
{
    struct ks_pac *pac = NULL;
    const struct ks_pac_device *d;
    struct vec v;

    if (load("device", &v) != 0) {
        ok(0, "device.hex readable");
        return;
    }
    is_int(ks_pac_decode(v.data, v.len, &pac), 0, "device decodes");
    d = pac ? pac->device : NULL;
    ok(d != NULL, "DEVICE_INFO decodes");
    if (d != NULL) {
        ok(d->user_id == 1107 && d->primary_group_id == 515,
           "device RID and primary group");
        is_str(d->account_domain_sid, DOM, "device account domain");
        ok(d->group_count == 2 && d->groups[1].rid == 1130,
           "device account groups");
        ok(d->sid_count == 1 && strcmp(d->extra_sids[0].sid, "S-1-18-2") == 0,
           "device extra SID");
        ok(d->domain_count == 1 && d->domains[0].count == 2 &&
           d->domains[0].rids[0].rid == 1301 &&
           strcmp(d->domains[0].domain_sid,
                  "S-1-5-21-3000000000-3000000001-3000000002") == 0,
           "device domain groups");
    }
    ok(pac && pac->has_device_claims && pac->device_claims_length == 40,
       "device claims: 40 bytes");
    ks_pac_free(pac);
    free(v.data);
}

static void
test_ndr_limits(void)
{
    static const unsigned char sid16[8] = { 1, 16, 0, 0, 0, 0, 0, 5 };
    static const unsigned char lone[2] = { 0x00, 0xd8 };
    static const unsigned char huge[16] = {
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,   /* two billion buffers */
    };
    struct ks_pac *pac = NULL;
    char *s = NULL;
    size_t used;

    is_int(ks_sid_from_bytes(sid16, sizeof(sid16), &s, &used), EINVAL,
           "a SID with 16 sub-authorities is refused");
    is_int(ks_utf16le_to_utf8(lone, sizeof(lone), &s), EINVAL,
           "an unpaired surrogate is refused");
    is_int(ks_pac_decode(huge, sizeof(huge), &pac), EINVAL,
           "a buffer count larger than the PAC is refused");
}

static enum ks_pac_verdict
verdict(const struct ks_pac *pac, uint32_t type)
{
    for (size_t i = 0; i < pac->sig_count; i++) {
        if (pac->sigs[i].buffer_type == type)
            return pac->sigs[i].verdict;
    }
    return (enum ks_pac_verdict)99;
}

/* signed.hex: full, server and KDC signatures made with Samba's crypto
 * and the generator's keys (bytes 0..31 and 32..63, aes256). */
static void
test_signed_by_samba(void)
{
    unsigned char srv_bytes[32], tgt_bytes[32];
    krb5_keyblock srv = { KV5M_KEYBLOCK, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                          32, srv_bytes };
    krb5_keyblock tgt = { KV5M_KEYBLOCK, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                          32, tgt_bytes };
    const struct ks_pac_entry *logon;
    struct ks_pac *pac = NULL;
    krb5_context k5;
    struct vec v;

    for (int i = 0; i < 32; i++) {
        srv_bytes[i] = (unsigned char)i;
        tgt_bytes[i] = (unsigned char)(32 + i);
    }
    if (load("signed", &v) != 0 || krb5_init_context(&k5) != 0) {
        ok(0, "signed.hex readable");
        return;
    }
    is_int(ks_pac_decode(v.data, v.len, &pac), 0, "signed decodes");
    if (pac == NULL)
        return;
    ks_pac_verify_signatures(k5, pac, v.data, v.len, NULL, &srv, &tgt);
    is_int(verdict(pac, KS_PAC_FULL_CHECKSUM), KS_PAC_VALID,
           "Samba-made full signature verifies with the krbtgt key");
    is_int(verdict(pac, KS_PAC_SERVER_CHECKSUM), KS_PAC_VALID,
           "Samba-made server signature verifies (over the full one)");
    is_int(verdict(pac, KS_PAC_KDC_CHECKSUM), KS_PAC_VALID,
           "Samba-made KDC signature verifies");
    ks_pac_verify_signatures(k5, pac, v.data, v.len, NULL, &tgt, &srv);
    ok(verdict(pac, KS_PAC_FULL_CHECKSUM) == KS_PAC_INVALID &&
       verdict(pac, KS_PAC_SERVER_CHECKSUM) == KS_PAC_INVALID &&
       verdict(pac, KS_PAC_KDC_CHECKSUM) == KS_PAC_INVALID,
       "swapped keys: all three invalid");
    /* A changed RID: the full and server signatures cover it, the KDC
     * signature covers only the server signature. */
    logon = entry(pac, KS_PAC_LOGON_INFO);
    if (logon != NULL)
        v.data[logon->offset + 100] ^= 1;
    ks_pac_verify_signatures(k5, pac, v.data, v.len, NULL, &srv, &tgt);
    ok(verdict(pac, KS_PAC_FULL_CHECKSUM) == KS_PAC_INVALID &&
       verdict(pac, KS_PAC_SERVER_CHECKSUM) == KS_PAC_INVALID &&
       verdict(pac, KS_PAC_KDC_CHECKSUM) == KS_PAC_VALID,
       "logon info changed: full and server invalid, KDC still valid");
    ks_pac_free(pac);
    free(v.data);
    krb5_free_context(k5);
}

/* A PAC signed by libkrb5 into a ticket, checked by ours. */
static void
test_signatures(void)
{
    krb5_context k5;
    krb5_keyblock srv, tgt;
    krb5_principal client, server;
    krb5_enc_tkt_part part;
    krb5_authdata **found = NULL;
    krb5_pac mp = NULL;
    struct ks_pac *pac = NULL;
    const struct ks_pac_entry *cinfo;
    unsigned char *raw;
    size_t len;

    krb5_init_context(&k5);
    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &srv);
    krb5_c_make_random_key(k5, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &tgt);
    krb5_parse_name(k5, "alice@EXAMPLE.ORG", &client);
    krb5_parse_name(k5, "HTTP/web.example.org@EXAMPLE.ORG", &server);
    memset(&part, 0, sizeof(part));
    part.session = &srv;
    part.client = client;
    part.transited.tr_contents.data = "";
    part.times.authtime = 1700000000;
    part.times.endtime = 1700036000;
    krb5_pac_init(k5, &mp);
    is_int(krb5_kdc_sign_ticket(k5, &part, mp, server, client, &srv, &tgt,
                                FALSE), 0, "libkrb5 signs a PAC");
    krb5_find_authdata(k5, part.authorization_data, NULL,
                       KRB5_AUTHDATA_WIN2K_PAC, &found);
    len = found[0]->length;
    raw = malloc(len);
    memcpy(raw, found[0]->contents, len);
    is_int(ks_pac_decode(raw, len, &pac), 0, "our reader decodes it");
    ks_pac_verify_signatures(k5, pac, raw, len, &part, &srv, &tgt);
    for (size_t i = 0; i < pac->sig_count; i++)
        is_int(pac->sigs[i].verdict, KS_PAC_VALID,
               "signature %u verifies", (unsigned int)pac->sigs[i].buffer_type);
    ok(pac->sig_count == 3, "server, KDC and ticket signatures");
    ks_pac_verify_signatures(k5, pac, raw, len, &part, &srv, NULL);
    for (size_t i = 0; i < pac->sig_count; i++) {
        if (pac->sigs[i].buffer_type == KS_PAC_SERVER_CHECKSUM)
            is_int(pac->sigs[i].verdict, KS_PAC_VALID,
                   "no krbtgt key: the server signature is still checked");
        else
            is_int(pac->sigs[i].verdict, KS_PAC_NOT_CHECKED,
                   "no krbtgt key: %u not checked",
                   (unsigned int)pac->sigs[i].buffer_type);
    }
    ks_pac_verify_signatures(k5, pac, raw, len, &part, &tgt, &srv);
    for (size_t i = 0; i < pac->sig_count; i++)
        is_int(pac->sigs[i].verdict, KS_PAC_INVALID,
               "swapped keys: %u invalid",
               (unsigned int)pac->sigs[i].buffer_type);
    /* A changed client name (under the server signature) and a changed
     * ticket (under the ticket signature). */
    cinfo = entry(pac, KS_PAC_CLIENT_INFO);
    ok(cinfo != NULL, "libkrb5 wrote CLIENT_INFO");
    if (cinfo != NULL)
        raw[cinfo->offset + 10] ^= 1;
    part.times.endtime++;
    ks_pac_verify_signatures(k5, pac, raw, len, &part, &srv, &tgt);
    for (size_t i = 0; i < pac->sig_count; i++) {
        if (pac->sigs[i].buffer_type == KS_PAC_SERVER_CHECKSUM ||
            pac->sigs[i].buffer_type == KS_PAC_TICKET_CHECKSUM)
            is_int(pac->sigs[i].verdict, KS_PAC_INVALID,
                   "changed: %u invalid",
                   (unsigned int)pac->sigs[i].buffer_type);
    }
    ks_pac_free(pac);
    free(raw);
    krb5_free_authdata(k5, found);
    krb5_free_authdata(k5, part.authorization_data);
    krb5_pac_free(k5, mp);
    krb5_free_principal(k5, client);
    krb5_free_principal(k5, server);
    krb5_free_keyblock_contents(k5, &srv);
    krb5_free_keyblock_contents(k5, &tgt);
    krb5_free_context(k5);
}

int
main(void)
{
    test_full();
    test_minimal();
    test_ndr_limits();
    test_hostile("full");
    test_hostile("minimal");
    test_unicode();
    test_hostile("unicode");
    test_device();
    test_hostile("device");
    test_signatures();
    test_signed_by_samba();
    test_hostile("signed");
    return tap_done();
}

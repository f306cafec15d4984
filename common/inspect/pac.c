/*
 * pac: the PAC container (PACTYPE, MS-PAC 2.3) and the dispatch of its
 * buffers to their decoders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"

#define PAC_HEADER_SIZE 8       /* cBuffers, Version */
#define PAC_ENTRY_SIZE 16       /* ulType, cbBufferSize, Offset */

void
ks_pac_free(struct ks_pac *pac)
{
    if (pac == NULL)
        return;
    free(pac->entries);
    ks_pac_logon_free(pac->logon);
    if (pac->client != NULL)
        free(pac->client->name);
    free(pac->client);
    ks_pac_upn_free(pac->upn);
    free(pac->attributes);
    free(pac->requestor_sid);
    ks_pac_delegation_free(pac->delegation);
    ks_pac_device_free(pac->device);
    free(pac);
}

const struct ks_pac_entry *
ks_pac_find(const struct ks_pac *pac, uint32_t type)
{
    for (size_t i = 0; i < pac->count; i++) {
        if (pac->entries[i].type == type)
            return &pac->entries[i];
    }
    return NULL;
}

/* PACTYPE's header and its PAC_INFO_BUFFER array, every buffer inside. */
static int
read_entries(struct ks_ndr *r, struct ks_pac *pac)
{
    uint32_t count, type, size;
    uint64_t offset;

    if (ks_ndr_u32(r, &count) || ks_ndr_u32(r, &pac->version))
        return EINVAL;
    if (count > (r->len - r->pos) / PAC_ENTRY_SIZE)
        return EINVAL;
    pac->entries = calloc(count ? count : 1, sizeof(*pac->entries));
    if (pac->entries == NULL)
        return ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        if (ks_ndr_u32(r, &type) || ks_ndr_u32(r, &size) ||
            ks_ndr_u64(r, &offset))
            return EINVAL;
        if (offset > r->len || size > r->len - offset ||
            offset < PAC_HEADER_SIZE + (uint64_t)count * PAC_ENTRY_SIZE)
            return EINVAL;
        pac->entries[i].type = type;
        pac->entries[i].offset = (size_t)offset;
        pac->entries[i].length = size;
    }
    pac->count = count;
    return 0;
}

static int
decode_signature(struct ks_pac *pac, const unsigned char *p,
                 const struct ks_pac_entry *ent, size_t *at)
{
    struct ks_pac_signature *sig;
    int ret;

    if (pac->sig_count == KS_PAC_MAX_SIGNATURES)
        return EINVAL;
    sig = &pac->sigs[pac->sig_count];
    memset(sig, 0, sizeof(*sig));
    ret = ks_pac_decode_signature(p, ent->length, sig, at);
    if (ret)
        return ret;
    sig->buffer_type = ent->type;
    sig->offset += ent->offset;
    pac->sig_count++;
    return 0;
}

/* Decode the buffer of ENT into PAC; *AT is where it failed. */
static int
decode_buffer(struct ks_pac *pac, const unsigned char *data,
              const struct ks_pac_entry *ent, size_t *at)
{
    const unsigned char *p = data + ent->offset;
    size_t n = ent->length;

    switch (ent->type) {
    case KS_PAC_LOGON_INFO:
        return ks_pac_decode_logon(p, n, &pac->logon, at);
    case KS_PAC_DEVICE_INFO:
        return ks_pac_decode_device(p, n, &pac->device, at);
    case KS_PAC_UPN_DNS_INFO:
        return ks_pac_decode_upn(p, n, &pac->upn, at);
    case KS_PAC_CLIENT_INFO:
        return ks_pac_decode_client(p, n, &pac->client, at);
    case KS_PAC_ATTRIBUTES_INFO:
        return ks_pac_decode_attributes(p, n, &pac->attributes, at);
    case KS_PAC_REQUESTOR:
        return ks_pac_decode_requestor(p, n, &pac->requestor_sid, at);
    case KS_PAC_DELEGATION_INFO:
        return ks_pac_decode_delegation(p, n, &pac->delegation, at);
    case KS_PAC_CLIENT_CLAIMS_INFO:
        pac->has_client_claims = true;
        pac->client_claims_length = n;
        return 0;
    case KS_PAC_DEVICE_CLAIMS_INFO:
        pac->has_device_claims = true;
        pac->device_claims_length = n;
        return 0;
    case KS_PAC_SERVER_CHECKSUM:
    case KS_PAC_KDC_CHECKSUM:
    case KS_PAC_TICKET_CHECKSUM:
    case KS_PAC_FULL_CHECKSUM:
        return decode_signature(pac, p, ent, at);
    default:
        /* CREDENTIALS_INFO is encrypted; others are unknown: listed only. */
        return 0;
    }
}

krb5_error_code
ks_pac_decode(const void *data, size_t len, struct ks_pac **pac_out)
{
    struct ks_pac *pac;
    struct ks_ndr r;
    size_t at;
    int ret;

    ks_ndr_init(&r, data, len);
    pac = calloc(1, sizeof(*pac));
    if (pac == NULL)
        return ENOMEM;
    ret = read_entries(&r, pac);
    if (ret)
        goto cleanup;
    for (size_t i = 0; i < pac->count; i++) {
        struct ks_pac_entry *ent = &pac->entries[i];

        /* The first buffer of a type is the one that counts (MIT and
         * Windows refuse a PAC with two); a second is not decoded. */
        if (ks_pac_find(pac, ent->type) != ent) {
            ent->error = EEXIST;
            continue;
        }
        at = 0;
        ent->error = decode_buffer(pac, data, ent, &at);
        if (ent->error == ENOMEM) {
            ret = ENOMEM;
            goto cleanup;
        }
        ent->error_at = at;
    }
    *pac_out = pac;
    pac = NULL;

cleanup:
    ks_pac_free(pac);
    return ret;
}

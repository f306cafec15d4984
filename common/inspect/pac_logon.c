/*
 * pac_logon: the two NDR buffers about accounts and their groups,
 * KERB_VALIDATION_INFO (LOGON_INFO, MS-PAC 2.5) and PAC_DEVICE_INFO
 * (MS-PAC 2.12).  Both are a top-level unique pointer to a structure
 * whose strings, SIDs and arrays follow it as deferred referents, in the
 * order of their pointers (MS-RPCE 2.2.6, NDR 14.3.12.3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"

/* Bytes of an element on the wire: the least an array count may claim. */
#define RID_SIZE 8               /* RelativeId, Attributes */
#define SID_ATTR_SIZE 8          /* Sid pointer, Attributes */
#define DOMAIN_GROUP_SIZE 12     /* DomainId, GroupCount, GroupIds */

static void
free_sid_attrs(struct ks_pac_sid_attr *sids, size_t n)
{
    for (size_t i = 0; sids != NULL && i < n; i++)
        free(sids[i].sid);
    free(sids);
}

/* A deferred SID, or NULL for a NULL pointer REF. */
static int
opt_sid(struct ks_ndr *r, uint32_t ref, char **sid_out)
{
    *sid_out = NULL;
    return ref == 0 ? 0 : ks_ndr_sid(r, sid_out);
}

/* The deferred conformant array of COUNT GROUP_MEMBERSHIPs behind REF. */
static int
rid_array(struct ks_ndr *r, uint32_t ref, uint32_t count,
          struct ks_pac_rid **rids_out)
{
    struct ks_pac_rid *rids;
    uint32_t n;

    *rids_out = NULL;
    if (ref == 0)
        return count == 0 ? 0 : EINVAL;
    if (ks_ndr_count(r, RID_SIZE, &n))
        return EINVAL;
    if (n != count)
        return EINVAL;
    rids = calloc(n ? n : 1, sizeof(*rids));
    if (rids == NULL)
        return ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (ks_ndr_u32(r, &rids[i].rid) ||
            ks_ndr_u32(r, &rids[i].attributes)) {
            free(rids);
            return EINVAL;
        }
    }
    *rids_out = rids;
    return 0;
}

/* The deferred array of COUNT KERB_SID_AND_ATTRIBUTES behind REF, then
 * the SIDs its elements point to. */
static int
sid_attr_array(struct ks_ndr *r, uint32_t ref, uint32_t count,
               struct ks_pac_sid_attr **sids_out)
{
    struct ks_pac_sid_attr *sids = NULL;
    uint32_t *refs = NULL;
    uint32_t n;
    int ret = EINVAL;

    *sids_out = NULL;
    if (ref == 0)
        return count == 0 ? 0 : EINVAL;
    if (ks_ndr_count(r, SID_ATTR_SIZE, &n) || n != count)
        return EINVAL;
    sids = calloc(n ? n : 1, sizeof(*sids));
    refs = calloc(n ? n : 1, sizeof(*refs));
    if (sids == NULL || refs == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (ks_ndr_u32(r, &refs[i]) || ks_ndr_u32(r, &sids[i].attributes))
            goto cleanup;
    }
    for (uint32_t i = 0; i < n; i++) {
        ret = opt_sid(r, refs[i], &sids[i].sid);
        if (ret)
            goto cleanup;
    }
    *sids_out = sids;
    sids = NULL;
    ret = 0;

cleanup:
    free_sid_attrs(sids, n);
    free(refs);
    return ret;
}

void
ks_pac_logon_free(struct ks_pac_logon *l)
{
    if (l == NULL)
        return;
    free(l->effective_name);
    free(l->full_name);
    free(l->logon_script);
    free(l->profile_path);
    free(l->home_directory);
    free(l->home_drive);
    free(l->groups);
    free(l->logon_server);
    free(l->logon_domain);
    free(l->logon_domain_sid);
    free_sid_attrs(l->extra_sids, l->sid_count);
    free(l->resource.domain_sid);
    free(l->resource.rids);
    free(l);
}

/* The pointers of KERB_VALIDATION_INFO, kept for its deferred part. */
struct logon_refs {
    struct ks_ndr_ustr names[6];    /* effective name .. home drive */
    struct ks_ndr_ustr server, domain;
    uint32_t groups, domain_sid, sids, res_domain, res_groups;
    uint32_t group_count, sid_count, res_count;
};

static int
logon_times(struct ks_ndr *r, struct ks_pac_logon *l)
{
    return ks_ndr_u64(r, &l->logon_time) || ks_ndr_u64(r, &l->logoff_time) ||
           ks_ndr_u64(r, &l->kickoff_time) ||
           ks_ndr_u64(r, &l->password_last_set) ||
           ks_ndr_u64(r, &l->password_can_change) ||
           ks_ndr_u64(r, &l->password_must_change) ? EINVAL : 0;
}

/* The fixed part, from LogonTime to ResourceGroupIds. */
static int
logon_scalars(struct ks_ndr *r, struct ks_pac_logon *l, struct logon_refs *f)
{
    uint32_t reserved3;

    if (logon_times(r, l))
        return EINVAL;
    for (int i = 0; i < 6; i++) {
        if (ks_ndr_ustr_header(r, &f->names[i]))
            return EINVAL;
    }
    if (ks_ndr_u16(r, &l->logon_count) ||
        ks_ndr_u16(r, &l->bad_password_count) ||
        ks_ndr_u32(r, &l->user_id) || ks_ndr_u32(r, &l->primary_group_id) ||
        ks_ndr_u32(r, &f->group_count) || ks_ndr_u32(r, &f->groups) ||
        ks_ndr_u32(r, &l->user_flags) ||
        ks_ndr_skip(r, 16) ||       /* UserSessionKey: unused, zero */
        ks_ndr_ustr_header(r, &f->server) ||
        ks_ndr_ustr_header(r, &f->domain) ||
        ks_ndr_u32(r, &f->domain_sid) ||
        ks_ndr_skip(r, 8) ||        /* Reserved1 */
        ks_ndr_u32(r, &l->user_account_control) ||
        ks_ndr_u32(r, &l->sub_auth_status) ||
        ks_ndr_u64(r, &l->last_successful_logon) ||
        ks_ndr_u64(r, &l->last_failed_logon) ||
        ks_ndr_u32(r, &l->failed_logon_count) ||
        ks_ndr_u32(r, &reserved3) ||
        ks_ndr_u32(r, &f->sid_count) || ks_ndr_u32(r, &f->sids) ||
        ks_ndr_u32(r, &f->res_domain) ||
        ks_ndr_u32(r, &f->res_count) || ks_ndr_u32(r, &f->res_groups))
        return EINVAL;
    return 0;
}

/* The deferred part, in the order of the pointers. */
static int
logon_deferred(struct ks_ndr *r, struct ks_pac_logon *l,
               const struct logon_refs *f)
{
    char **names[6] = { &l->effective_name, &l->full_name,
                        &l->logon_script, &l->profile_path,
                        &l->home_directory, &l->home_drive };
    int ret;

    for (int i = 0; i < 6; i++) {
        ret = ks_ndr_ustr_body(r, &f->names[i], names[i]);
        if (ret)
            return ret;
    }
    ret = rid_array(r, f->groups, f->group_count, &l->groups);
    if (ret)
        return ret;
    l->group_count = f->group_count;
    ret = ks_ndr_ustr_body(r, &f->server, &l->logon_server);
    if (!ret)
        ret = ks_ndr_ustr_body(r, &f->domain, &l->logon_domain);
    if (!ret)
        ret = opt_sid(r, f->domain_sid, &l->logon_domain_sid);
    if (!ret)
        ret = sid_attr_array(r, f->sids, f->sid_count, &l->extra_sids);
    if (ret)
        return ret;
    l->sid_count = f->sid_count;
    ret = opt_sid(r, f->res_domain, &l->resource.domain_sid);
    if (!ret)
        ret = rid_array(r, f->res_groups, f->res_count, &l->resource.rids);
    if (!ret)
        l->resource.count = f->res_count;
    return ret;
}

int
ks_pac_decode_logon(const unsigned char *data, size_t len,
                    struct ks_pac_logon **out, size_t *at_out)
{
    struct ks_pac_logon *l = NULL;
    struct logon_refs f;
    struct ks_ndr r;
    uint32_t top;
    int ret = EINVAL;

    memset(&f, 0, sizeof(f));
    ks_ndr_init(&r, data, len);
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return ENOMEM;
    if (ks_ndr_type_header(&r) || ks_ndr_u32(&r, &top) || top == 0)
        goto cleanup;
    ret = logon_scalars(&r, l, &f);
    if (!ret)
        ret = logon_deferred(&r, l, &f);
    if (ret)
        goto cleanup;
    *out = l;
    l = NULL;

cleanup:
    if (ret)
        *at_out = r.pos;
    ks_pac_logon_free(l);
    return ret;
}

void
ks_pac_device_free(struct ks_pac_device *d)
{
    if (d == NULL)
        return;
    free(d->account_domain_sid);
    free(d->groups);
    free_sid_attrs(d->extra_sids, d->sid_count);
    for (size_t i = 0; d->domains != NULL && i < d->domain_count; i++) {
        free(d->domains[i].domain_sid);
        free(d->domains[i].rids);
    }
    free(d->domains);
    free(d);
}

/* DOMAIN_GROUP_MEMBERSHIP[COUNT] behind REF: the inline elements, then
 * each element's SID and RIDs. */
static int
domain_groups(struct ks_ndr *r, uint32_t ref, uint32_t count,
              struct ks_pac_device *d)
{
    uint32_t n, (*refs)[3];
    int ret = EINVAL;

    if (ref == 0)
        return count == 0 ? 0 : EINVAL;
    if (ks_ndr_count(r, DOMAIN_GROUP_SIZE, &n) || n != count)
        return EINVAL;
    refs = calloc(n ? n : 1, sizeof(*refs));
    d->domains = calloc(n ? n : 1, sizeof(*d->domains));
    if (refs == NULL || d->domains == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    d->domain_count = n;
    for (uint32_t i = 0; i < n; i++) {
        if (ks_ndr_u32(r, &refs[i][0]) || ks_ndr_u32(r, &refs[i][1]) ||
            ks_ndr_u32(r, &refs[i][2]))
            goto cleanup;
    }
    for (uint32_t i = 0; i < n; i++) {
        ret = opt_sid(r, refs[i][0], &d->domains[i].domain_sid);
        if (!ret)
            ret = rid_array(r, refs[i][2], refs[i][1], &d->domains[i].rids);
        if (ret)
            goto cleanup;
        d->domains[i].count = refs[i][1];
    }
    ret = 0;

cleanup:
    free(refs);
    return ret;
}

int
ks_pac_decode_device(const unsigned char *data, size_t len,
                     struct ks_pac_device **out, size_t *at_out)
{
    struct ks_pac_device *d = NULL;
    uint32_t top, dom_ref, grp_count, grp_ref, sid_count, sid_ref;
    uint32_t dg_count, dg_ref;
    struct ks_ndr r;
    int ret = EINVAL;

    ks_ndr_init(&r, data, len);
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return ENOMEM;
    if (ks_ndr_type_header(&r) || ks_ndr_u32(&r, &top) || top == 0 ||
        ks_ndr_u32(&r, &d->user_id) || ks_ndr_u32(&r, &d->primary_group_id) ||
        ks_ndr_u32(&r, &dom_ref) || ks_ndr_u32(&r, &grp_count) ||
        ks_ndr_u32(&r, &grp_ref) || ks_ndr_u32(&r, &sid_count) ||
        ks_ndr_u32(&r, &sid_ref) || ks_ndr_u32(&r, &dg_count) ||
        ks_ndr_u32(&r, &dg_ref))
        goto cleanup;
    ret = opt_sid(&r, dom_ref, &d->account_domain_sid);
    if (!ret)
        ret = rid_array(&r, grp_ref, grp_count, &d->groups);
    if (ret)
        goto cleanup;
    d->group_count = grp_count;
    ret = sid_attr_array(&r, sid_ref, sid_count, &d->extra_sids);
    if (ret)
        goto cleanup;
    d->sid_count = sid_count;
    ret = domain_groups(&r, dg_ref, dg_count, d);
    if (ret)
        goto cleanup;
    *out = d;
    d = NULL;

cleanup:
    if (ret)
        *at_out = r.pos;
    ks_pac_device_free(d);
    return ret;
}

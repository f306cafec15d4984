/*
 * pac_delegation: S4U_DELEGATION_INFO (MS-PAC 2.9), in NDR: the
 * S4U2proxy target and the services the ticket passed through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/ndr.h"
#include "inspect/pac.h"

#define USTR_SIZE 8             /* Length, MaximumLength, Buffer pointer */

void
ks_pac_delegation_free(struct ks_pac_delegation *d)
{
    if (d == NULL)
        return;
    free(d->proxy_target);
    for (size_t i = 0; d->transited != NULL && i < d->count; i++)
        free(d->transited[i]);
    free(d->transited);
    free(d);
}

/* The conformant array of COUNT RPC_UNICODE_STRINGs behind REF. */
static int
transited(struct ks_ndr *r, uint32_t ref, uint32_t count,
          struct ks_pac_delegation *d)
{
    struct ks_ndr_ustr *hdrs = NULL;
    uint32_t n;
    int ret = EINVAL;

    if (ref == 0)
        return count == 0 ? 0 : EINVAL;
    if (ks_ndr_count(r, USTR_SIZE, &n) || n != count)
        return EINVAL;
    hdrs = calloc(n ? n : 1, sizeof(*hdrs));
    d->transited = calloc(n ? n : 1, sizeof(*d->transited));
    if (hdrs == NULL || d->transited == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    d->count = n;
    for (uint32_t i = 0; i < n; i++) {
        if (ks_ndr_ustr_header(r, &hdrs[i]))
            goto cleanup;
    }
    for (uint32_t i = 0; i < n; i++) {
        ret = ks_ndr_ustr_body(r, &hdrs[i], &d->transited[i]);
        if (ret)
            goto cleanup;
    }
    ret = 0;

cleanup:
    free(hdrs);
    return ret;
}

int
ks_pac_decode_delegation(const unsigned char *data, size_t len,
                         struct ks_pac_delegation **out, size_t *at_out)
{
    struct ks_pac_delegation *d;
    struct ks_ndr_ustr target;
    uint32_t top, count, ref;
    struct ks_ndr r;
    int ret = EINVAL;

    ks_ndr_init(&r, data, len);
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return ENOMEM;
    if (ks_ndr_type_header(&r) || ks_ndr_u32(&r, &top) || top == 0 ||
        ks_ndr_ustr_header(&r, &target) || ks_ndr_u32(&r, &count) ||
        ks_ndr_u32(&r, &ref))
        goto cleanup;
    ret = ks_ndr_ustr_body(&r, &target, &d->proxy_target);
    if (!ret)
        ret = transited(&r, ref, count, d);
    if (ret)
        goto cleanup;
    *out = d;
    d = NULL;

cleanup:
    if (ret)
        *at_out = r.pos;
    ks_pac_delegation_free(d);
    return ret;
}

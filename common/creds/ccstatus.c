#include <stdint.h>
#include <string.h>

#include "creds/ccache.h"
#include "creds/ccfile.h"
#include "creds/ccstatus.h"

/* What a walk over the cache found. */
struct scan {
    krb5_context k5;
    const krb5_data *realm;     /* of the cache's principal */
    uint32_t deadline;          /* a ticket must end after this */
    bool tgt, current_tgt, current_cred;
};

static bool
data_equal(const krb5_data *a, const char *bytes, size_t len)
{
    return a->length == len && memcmp(a->data, bytes, len) == 0;
}

/* Is PRINC the TGT of REALM in REALM (krbtgt/REALM@REALM)? */
static bool
is_local_tgt(krb5_const_principal princ, const krb5_data *realm)
{
    return princ->length == 2 &&
           data_equal(&princ->realm, realm->data, realm->length) &&
           data_equal(&princ->data[0], KRB5_TGS_NAME,
                      sizeof(KRB5_TGS_NAME) - 1) &&
           data_equal(&princ->data[1], realm->data, realm->length);
}

/* A ks_ccache_visitor: note one credential.  MIT compares timestamps as
 * unsigned: good until 2106. */
static krb5_error_code
scan_one(void *data, const krb5_creds *creds)
{
    struct scan *s = data;
    bool current = (uint32_t)creds->times.endtime > s->deadline;

    if (is_local_tgt(creds->server, s->realm)) {
        s->tgt = true;
        s->current_tgt = s->current_tgt || current;
    } else if (current && !krb5_is_config_principal(s->k5, creds->server)) {
        s->current_cred = true;
    }
    return 0;
}

bool
ks_ccache_current(struct ks_context *ctx, krb5_ccache cache,
                  krb5_timestamp now, krb5_deltat min_life)
{
    struct scan s = { ctx->k5, NULL, (uint32_t)now + (uint32_t)min_life,
                      false, false, false };
    struct ks_ccache_visitor v = { NULL, scan_one, &s };
    krb5_principal princ = NULL;
    krb5_error_code ret;

    if (ks_ccfile_check_cache(ctx, cache) != 0 ||
        krb5_cc_get_principal(ctx->k5, cache, &princ) != 0)
        return false;
    s.realm = &princ->realm;
    ret = ks_ccache_each(ctx, cache, &v, NULL);
    krb5_free_principal(ctx->k5, princ);
    if (ret)
        return false;
    ks_trace(ctx->trace, "ccache", 0, "check",
             "%s:%s: %s TGT, %s", krb5_cc_get_type(ctx->k5, cache),
             krb5_cc_get_name(ctx->k5, cache),
             s.tgt ? (s.current_tgt ? "a current" : "an expired") : "no",
             s.current_cred ? "current tickets" : "no current ticket");
    return s.tgt ? s.current_tgt : s.current_cred;
}

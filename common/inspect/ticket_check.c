#include <string.h>

#include "core/errors.h"
#include "inspect/inspect.h"
#include "inspect/ticket_check.h"

krb5_error_code
ks_ticket_check(struct ks_context *ctx, krb5_keytab kt, krb5_ticket *t,
                const krb5_creds *creds)
{
    const krb5_keyblock *k;
    krb5_error_code ret;

    ret = ks_inspect_decrypt_ticket(ctx, kt, t);
    if (ret)
        return ret;
    k = t->enc_part2->session;
    if (k->enctype != creds->keyblock.enctype ||
        k->length != creds->keyblock.length ||
        memcmp(k->contents, creds->keyblock.contents, k->length) != 0)
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "the ticket holds "
                            "another session key than the KDC's reply");
    if (!krb5_principal_compare(ctx->k5, t->enc_part2->client, creds->client))
        return ks_error_set(ctx, KRB5_KDCREP_MODIFIED, "the ticket is for "
                            "another client");
    return 0;
}

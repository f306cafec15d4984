/*
 * inspect, continued: the PAC inside a ticket's authorization data, and
 * what differs between the ticket (step 5) and the reply part (step 4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "inspect/inspect.h"
#include "core/trace.h"

#define STAGE_5 "5/8 open-ticket"

void
ks_pac_view_free(struct ks_pac_view *view)
{
    if (view == NULL)
        return;
    free(view->buffers);
    free(view->client_name);
    free(view);
}

/* The one AD-WIN2K-PAC element of AUTHDATA (inside AD-IF-RELEVANT). */
static krb5_error_code
find_pac(struct ks_context *ctx, krb5_authdata *const *authdata,
         krb5_pac *pac_out)
{
    krb5_authdata **found = NULL;
    krb5_error_code ret;

    ret = krb5_find_authdata(ctx->k5, authdata, NULL,
                             KRB5_AUTHDATA_WIN2K_PAC, &found);
    if (ret)
        return ks_error_set(ctx, ret, "looking for a PAC");
    if (found == NULL || found[0] == NULL) {
        krb5_free_authdata(ctx->k5, found);
        return ks_error_set(ctx, ENOENT, "the ticket carries no PAC");
    }
    if (found[1] != NULL) {
        /* MIT's KDC and acceptors refuse a ticket with two PACs too. */
        krb5_free_authdata(ctx->k5, found);
        return ks_error_set(ctx, EINVAL,
                            "the ticket carries more than one PAC");
    }
    ret = krb5_pac_parse(ctx->k5, found[0]->contents, found[0]->length,
                         pac_out);
    krb5_free_authdata(ctx->k5, found);
    if (ret)
        return ks_error_set(ctx, ret, "parsing the PAC");
    return 0;
}

/* The types and lengths of every buffer of PAC into VIEW. */
static krb5_error_code
list_buffers(struct ks_context *ctx, krb5_pac pac, struct ks_pac_view *view)
{
    krb5_ui_4 *types = NULL;
    size_t n = 0;
    krb5_data d;
    krb5_error_code ret;

    ret = krb5_pac_get_types(ctx->k5, pac, &n, &types);
    if (ret)
        return ks_error_set(ctx, ret, "listing the PAC buffers");
    view->buffers = calloc(n ? n : 1, sizeof(*view->buffers));
    if (view->buffers == NULL) {
        free(types);
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        view->buffers[i].type = types[i];
        if (krb5_pac_get_buffer(ctx->k5, pac, types[i], &d) == 0) {
            view->buffers[i].length = d.length;
            krb5_free_data_contents(ctx->k5, &d);
        }
    }
    view->count = n;
    free(types);
    return 0;
}

/* 1, 0, or -1 (no key): does the server checksum verify with KEY? */
static int
verify_server(struct ks_context *ctx, krb5_pac pac,
              const krb5_enc_tkt_part *part, krb5_const_principal server,
              const krb5_keyblock *key)
{
    krb5_error_code ret;
    char kbuf[128], sname[256] = "the service";
    char *s = NULL;

    if (key == NULL)
        return -1;
    if (server != NULL && krb5_unparse_name(ctx->k5, server, &s) == 0) {
        snprintf(sname, sizeof(sname), "%s", s);
        krb5_free_unparsed_name(ctx->k5, s);
    }
    /* krb5_pac_verify refuses an unkeyed checksum type itself (pac.c). */
    ret = krb5_pac_verify(ctx->k5, pac, part->times.authtime, part->client,
                          key, NULL);
    ks_trace(ctx->trace, STAGE_5, 5, "pac-checksum",
             "PAC server checksum %s with the key of %s (%s)%s%s",
             ret == 0 ? "verifies" : "DOES NOT verify", sname,
             ks_trace_key(ctx->trace, ctx->k5, key, kbuf, sizeof(kbuf)),
             ret == 0 ? "" : ": ", ret == 0 ? "" : error_message(ret));
    return ret == 0 ? 1 : 0;
}

krb5_error_code
ks_inspect_pac(struct ks_context *ctx, const krb5_enc_tkt_part *part,
               krb5_const_principal server, const krb5_keyblock *server_key,
               struct ks_pac_view **view_out)
{
    struct ks_pac_view *view = NULL;
    krb5_pac pac = NULL;
    krb5_error_code ret;

    view = calloc(1, sizeof(*view));
    if (view == NULL)
        return ENOMEM;
    ret = find_pac(ctx, part->authorization_data, &pac);
    if (ret)
        goto cleanup;
    ret = list_buffers(ctx, pac, view);
    if (ret)
        goto cleanup;
    if (krb5_pac_get_client_info(ctx->k5, pac, &view->client_time,
                                 &view->client_name) != 0)
        view->client_name = NULL;
    view->server_checksum_ok = verify_server(ctx, pac, part, server,
                                             server_key);
    ks_trace(ctx->trace, STAGE_5, 5, "pac",
             "PAC with %zu buffers, client info %s", view->count,
             view->client_name ? view->client_name : "(none)");
    *view_out = view;
    view = NULL;

cleanup:
    krb5_pac_free(ctx->k5, pac);
    ks_pac_view_free(view);
    return ret;
}

static bool
same_key(const krb5_keyblock *a, const krb5_keyblock *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return a->enctype == b->enctype && a->length == b->length &&
           memcmp(a->contents, b->contents, a->length) == 0;
}

static bool
same_times(const krb5_ticket_times *a, const krb5_ticket_times *b)
{
    return a->authtime == b->authtime && a->starttime == b->starttime &&
           a->endtime == b->endtime && a->renew_till == b->renew_till;
}

static void
trace_diff(struct ks_context *ctx, unsigned int diff,
           const krb5_enc_tkt_part *tp, const krb5_enc_kdc_rep_part *part)
{
    if (diff & KS_INSPECT_DIFF_FLAGS) {
        ks_trace(ctx->trace, STAGE_5, 5, "flags-mismatch",
                 "flags mismatch between ticket and KDC reply: ticket "
                 "0x%08x, reply 0x%08x (the ticket's flags are the ones a "
                 "service sees)", (unsigned int)tp->flags,
                 (unsigned int)part->flags);
    }
    if (diff & KS_INSPECT_DIFF_KEY) {
        ks_trace(ctx->trace, STAGE_5, 5, "key-mismatch",
                 "session key mismatch between ticket and KDC reply");
    }
    if (diff & KS_INSPECT_DIFF_TIMES) {
        ks_trace(ctx->trace, STAGE_5, 5, "times-mismatch",
                 "times mismatch between ticket and KDC reply");
    }
    if (diff & KS_INSPECT_DIFF_SERVER) {
        ks_trace(ctx->trace, STAGE_5, 5, "server-mismatch",
                 "server name mismatch between ticket and KDC reply");
    }
    if (diff == 0) {
        ks_trace(ctx->trace, STAGE_5, 5, "ticket-matches-reply",
                 "ticket and KDC reply agree on flags, session key, times "
                 "and server");
    }
}

unsigned int
ks_inspect_compare(struct ks_context *ctx, const krb5_ticket *ticket,
                   const krb5_enc_kdc_rep_part *part)
{
    const krb5_enc_tkt_part *tp = ticket->enc_part2;
    unsigned int diff = 0;

    if (tp == NULL || part == NULL)
        return 0;
    if (tp->flags != part->flags)
        diff |= KS_INSPECT_DIFF_FLAGS;
    if (!same_key(tp->session, part->session))
        diff |= KS_INSPECT_DIFF_KEY;
    if (!same_times(&tp->times, &part->times))
        diff |= KS_INSPECT_DIFF_TIMES;
    if (!krb5_principal_compare(ctx->k5, ticket->server, part->server))
        diff |= KS_INSPECT_DIFF_SERVER;
    trace_diff(ctx, diff, tp, part);
    return diff;
}

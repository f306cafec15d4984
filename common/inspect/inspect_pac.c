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
#include "inspect/pac.h"
#include "inspect/pac_sign.h"
#include "core/trace.h"

#define STAGE_5 "5/8 open-ticket"

void
ks_pac_view_free(struct ks_pac_view *view)
{
    if (view == NULL)
        return;
    free(view->buffers);
    free(view->client_name);
    ks_pac_free(view->decoded);
    free(view);
}

/* The one AD-WIN2K-PAC element of AUTHDATA (inside AD-IF-RELEVANT). */
static krb5_error_code
find_pac(struct ks_context *ctx, krb5_authdata *const *authdata,
         krb5_pac *pac_out, krb5_data *raw_out)
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
    if (ret == 0) {
        /* Our decoder reads the same bytes (krb5_pac keeps no copy we
         * may read whole). */
        raw_out->data = malloc(found[0]->length ? found[0]->length : 1);
        if (raw_out->data == NULL) {
            krb5_pac_free(ctx->k5, *pac_out);
            *pac_out = NULL;
            ret = ENOMEM;
        } else {
            memcpy(raw_out->data, found[0]->contents, found[0]->length);
            raw_out->length = found[0]->length;
        }
    }
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

/* Is P a krbtgt/... principal (a TGT's server)? */
static bool
is_krbtgt(krb5_context k5, krb5_const_principal p)
{
    const krb5_data *c;

    if (p == NULL || krb5_princ_size(k5, p) != 2)
        return false;
    c = krb5_princ_component(k5, p, 0);
    return c->length == 6 && memcmp(c->data, "krbtgt", 6) == 0;
}

/* Is the krbtgt principal P its own realm's (not a cross-realm key)? */
static bool
own_realm(krb5_context k5, krb5_const_principal p)
{
    const krb5_data *c = krb5_princ_component(k5, p, 1);
    const krb5_data *r = krb5_princ_realm(k5, p);

    return c->length == r->length && memcmp(c->data, r->data, r->length) == 0;
}

/* The trace tag of the step that opened the ticket: 2 for a TGT. */
static const char *
stage_of(krb5_context k5, krb5_const_principal server, int *step)
{
    *step = is_krbtgt(k5, server) ? 2 : 5;
    return *step == 2 ? "2/8 open-tgt" : STAGE_5;
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
    const char *stage;
    int step;

    if (key == NULL)
        return -1;
    if (server != NULL && krb5_unparse_name(ctx->k5, server, &s) == 0) {
        snprintf(sname, sizeof(sname), "%s", s);
        krb5_free_unparsed_name(ctx->k5, s);
    }
    /* krb5_pac_verify refuses an unkeyed checksum type itself (pac.c). */
    ret = krb5_pac_verify(ctx->k5, pac, part->times.authtime, part->client,
                          key, NULL);
    stage = stage_of(ctx->k5, server, &step);
    ks_trace(ctx->trace, stage, step, "pac-checksum",
             "PAC server checksum %s with the key of %s (%s)%s%s",
             ret == 0 ? "verifies" : "DOES NOT verify", sname,
             ks_trace_key(ctx->trace, ctx->k5, key, kbuf, sizeof(kbuf)),
             ret == 0 ? "" : ": ", ret == 0 ? "" : error_message(ret));
    return ret == 0 ? 1 : 0;
}

/*
 * The krbtgt key for the KDC, ticket and full signatures: SERVER_KEY when
 * the ticket is a TGT of its own realm, else krbtgt/REALM@REALM of
 * SERVER's realm from KT, of the enctype the KDC signature's type needs.
 * NULL when there is none; *owned_out is the copy to free.
 */
static const krb5_keyblock *
krbtgt_key(struct ks_context *ctx, const struct ks_pac *pac,
           krb5_const_principal server, const krb5_keyblock *server_key,
           krb5_keytab kt, krb5_keyblock **owned_out)
{
    krb5_principal tgs = NULL;
    krb5_enctype et = ENCTYPE_NULL;
    const krb5_data *realm;

    *owned_out = NULL;
    for (size_t i = 0; i < pac->sig_count; i++) {
        if (pac->sigs[i].buffer_type == KS_PAC_KDC_CHECKSUM)
            et = ks_pac_cksum_enctype(pac->sigs[i].cksumtype);
    }
    if (is_krbtgt(ctx->k5, server) && server_key != NULL &&
        own_realm(ctx->k5, server))
        return server_key;
    if (kt == NULL || server == NULL || et == ENCTYPE_NULL)
        return NULL;
    realm = krb5_princ_realm(ctx->k5, server);
    if (krb5_build_principal_ext(ctx->k5, &tgs, realm->length, realm->data,
                                 6, "krbtgt", realm->length, realm->data,
                                 0) != 0)
        return NULL;
    /* A missing key is not an error here: the verdict says "no key". */
    if (ks_inspect_keytab_key(ctx, kt, tgs, 0, et, owned_out) != 0)
        *owned_out = NULL;
    krb5_free_principal(ctx->k5, tgs);
    /* Active Directory's export names the key krbtgt@REALM. */
    if (*owned_out == NULL &&
        krb5_build_principal_ext(ctx->k5, &tgs, realm->length, realm->data,
                                 6, "krbtgt", 0) == 0) {
        if (ks_inspect_keytab_key(ctx, kt, tgs, 0, et, owned_out) != 0)
            *owned_out = NULL;
        krb5_free_principal(ctx->k5, tgs);
    }
    return *owned_out;
}

static const char *
sig_label(uint32_t type)
{
    switch (type) {
    case KS_PAC_SERVER_CHECKSUM:
        return "server";
    case KS_PAC_KDC_CHECKSUM:
        return "KDC";
    case KS_PAC_TICKET_CHECKSUM:
        return "ticket";
    default:
        return "full";
    }
}

static void
trace_signatures(struct ks_context *ctx, const struct ks_pac *pac,
                 const char *stage, int step)
{
    for (size_t i = 0; i < pac->sig_count; i++) {
        const struct ks_pac_signature *s = &pac->sigs[i];

        if (s->verdict == KS_PAC_NOT_CHECKED) {
            ks_trace(ctx->trace, stage, step, "pac-signature",
                     "PAC %s signature not checked: %s",
                     sig_label(s->buffer_type), s->why ? s->why : "no key");
        } else {
            ks_trace(ctx->trace, stage, step, "pac-signature",
                     "PAC %s signature %s with the %s key%s%s",
                     sig_label(s->buffer_type),
                     s->verdict == KS_PAC_VALID ? "verifies"
                                                : "DOES NOT verify",
                     s->key_name, s->why ? ": " : "",
                     s->why ? s->why : "");
        }
    }
}

/* Decode RAW with our reader and check its signatures into VIEW. */
static krb5_error_code
decode_whole(struct ks_context *ctx, const krb5_data *raw,
             const krb5_enc_tkt_part *part, krb5_const_principal server,
             const krb5_keyblock *server_key, krb5_keytab krbtgt_kt,
             struct ks_pac_view *view)
{
    krb5_keyblock *owned = NULL;
    const krb5_keyblock *tgt_key;
    const char *stage;
    krb5_error_code ret;
    int step;

    stage = stage_of(ctx->k5, server, &step);
    ret = ks_pac_decode(raw->data, raw->length, &view->decoded);
    if (ret == EINVAL) {
        ks_trace(ctx->trace, stage, step, "pac-malformed",
                 "the PAC container does not decode: buffers not shown");
        return 0;
    }
    if (ret)
        return ret;
    tgt_key = krbtgt_key(ctx, view->decoded, server, server_key, krbtgt_kt,
                         &owned);
    ret = ks_pac_verify_signatures(ctx->k5, view->decoded, raw->data,
                                   raw->length, part, server_key, tgt_key);
    krb5_free_keyblock(ctx->k5, owned);
    if (ret)
        return ret;
    trace_signatures(ctx, view->decoded, stage, step);
    return 0;
}

krb5_error_code
ks_inspect_pac_keys(struct ks_context *ctx, const krb5_enc_tkt_part *part,
                    krb5_const_principal server,
                    const krb5_keyblock *server_key, krb5_keytab krbtgt_kt,
                    struct ks_pac_view **view_out)
{
    struct ks_pac_view *view = NULL;
    krb5_data raw = { KV5M_DATA, 0, NULL };
    krb5_pac pac = NULL;
    const char *stage;
    krb5_error_code ret;
    int step;

    view = calloc(1, sizeof(*view));
    if (view == NULL)
        return ENOMEM;
    ret = find_pac(ctx, part->authorization_data, &pac, &raw);
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
    ret = decode_whole(ctx, &raw, part, server, server_key, krbtgt_kt, view);
    if (ret)
        goto cleanup;
    stage = stage_of(ctx->k5, server, &step);
    ks_trace(ctx->trace, stage, step, "pac",
             "PAC with %zu buffers, client info %s", view->count,
             view->client_name ? view->client_name : "(none)");
    *view_out = view;
    view = NULL;

cleanup:
    free(raw.data);
    krb5_pac_free(ctx->k5, pac);
    ks_pac_view_free(view);
    return ret;
}

krb5_error_code
ks_inspect_pac(struct ks_context *ctx, const krb5_enc_tkt_part *part,
               krb5_const_principal server, const krb5_keyblock *server_key,
               struct ks_pac_view **view_out)
{
    return ks_inspect_pac_keys(ctx, part, server, server_key, NULL,
                               view_out);
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

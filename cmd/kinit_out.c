/*
 * kinit's output besides MIT's lines: the --json document and the
 * warnings MIT's prompter writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/emit.h"
#include "core/errors.h"
#include "creds/ccache.h"
#include "kinit.h"

/* The ticket's times as kinit(1) documents them under JSON OUTPUT. */
static void
emit_times(struct ks_emit *e, const krb5_ticket_times *t)
{
    ks_emit_begin_object(e, "times");
    ks_emit_time(e, "auth", t->authtime);
    ks_emit_time(e, "start", t->starttime != 0 ? t->starttime : t->authtime);
    ks_emit_time(e, "end", t->endtime);
    if (t->renew_till != 0)
        ks_emit_time(e, "renew_until", t->renew_till);
    else
        ks_emit_null(e, "renew_until");
    ks_emit_end(e);
}

static void
emit_document(struct kinit_run *run, struct ks_emit *e, const char *cache,
              const krb5_ticket *t)
{
    krb5_context k5 = run->ctx->k5;
    const krb5_creds *c = run->creds;

    ks_emit_string(e, "cache", cache);
    ks_emit_principal(e, "client", k5, c->client);
    ks_emit_principal(e, "server", k5, c->server);
    emit_times(e, &c->times);
    ks_emit_ticket_flags(e, "flags", (krb5_flags)c->ticket_flags);
    ks_emit_enctype_named(e, "session_key_enctype", c->keyblock.enctype);
    ks_emit_enctype_named(e, "ticket_enctype", t->enc_part.enctype);
    if (run->notes.password_expires != 0)
        ks_emit_time(e, "password_expires", run->notes.password_expires);
    else
        ks_emit_null(e, "password_expires");
    if (run->sent.kdc[0] != '\0') {
        ks_emit_string(e, "kdc", run->sent.kdc);
        ks_emit_string(e, "transport", ks_transport_name(run->sent.used));
    } else {
        ks_emit_null(e, "kdc");         /* no AS exchange (-R, -v) */
        ks_emit_null(e, "transport");
    }
    ks_emit_finish(e);
}

krb5_error_code
kinit_render_json(struct kinit_run *run, char **doc_out)
{
    krb5_context k5 = run->ctx->k5;
    struct ks_emit *e = NULL;
    krb5_ticket *t = NULL;
    char *cache = NULL, *doc = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    krb5_error_code ret;

    ret = krb5_decode_ticket(&run->creds->ticket, &t);
    if (ret) {
        ks_error_set(run->ctx, ret, "decoding the ticket");
        goto cleanup;
    }
    ret = ks_ccache_full_name(run->ctx, run->who.cc, &cache);
    if (ret)
        goto cleanup;
    mem = open_memstream(&doc, &len);
    if (mem == NULL || ks_emit_new(mem, KS_EMIT_JSON, false, &e) != 0) {
        ret = ENOMEM;
        goto cleanup;
    }
    emit_document(run, e, cache, t);
    ret = fclose(mem) != 0 ? ENOMEM : 0;
    mem = NULL;
    if (ret)
        goto cleanup;
    *doc_out = doc;
    doc = NULL;

cleanup:
    if (mem != NULL)
        fclose(mem);
    free(doc);
    krb5_free_string(k5, cache);
    krb5_free_ticket(k5, t);
    return ret;
}

void
kinit_warn_notes(const struct kinit_run *run, bool password)
{
    char msg[256];

    ks_as_enctype_warning(&run->notes, msg, sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
    /* MIT's expiry warning comes from its password prompter's login. */
    if (!password)
        return;
    ks_as_expiry_warning(&run->notes, (krb5_timestamp)time(NULL), msg,
                         sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
}

/*
 * kinit's output besides MIT's lines: the --json document and the
 * warnings MIT's prompter writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <com_err.h>

#include "core/emit.h"
#include "core/errors.h"
#include "creds/ccache.h"
#include "cli.h"
#include "kinit.h"
#include "report.h"

static void
emit_document(struct kinit_run *run, struct ks_emit *e, const char *cache,
              const krb5_ticket *t)
{
    krb5_context k5 = run->ctx->k5;
    const krb5_creds *c = run->creds;

    ks_emit_string(e, "cache", cache);
    ks_emit_principal(e, "client", k5, c->client);
    ks_emit_principal(e, "server", k5, c->server);
    ks_emit_ticket_times(e, "times", &c->times);
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

    /* Both warnings come from MIT's password prompter: with a keytab MIT
     * has none and says nothing (AD names an expiry in every reply). */
    if (!password)
        return;
    ks_as_enctype_warning(&run->notes, msg, sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
    ks_as_expiry_warning(&run->notes, (krb5_timestamp)time(NULL), msg,
                         sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
}

/* Whether the context's message for CODE starts with PREFIX. */
static bool
starts_with(const struct kinit_run *run, krb5_error_code code,
          const char *prefix)
{
    const char *msg = ks_context_message(run->ctx, code);
    bool yes = strncmp(msg, prefix, strlen(prefix)) == 0;

    ks_context_free_message(run->ctx, msg);
    return yes;
}

/* MIT's words for a failed exchange ("Password incorrect" for a reply
 * that does not decrypt, or pre-authentication refused after a password
 * was typed). */
static void
exchange_words(const struct kinit_run *run, krb5_error_code code,
               char *buf, size_t len)
{
    const krb5_data *realm = run->who.client != NULL ?
        &run->who.client->realm : NULL;
    char r[256] = "";

    if (code == KRB5KRB_AP_ERR_BAD_INTEGRITY ||
        (code == KRB5KDC_ERR_PREAUTH_FAILED && run->keytab == NULL)) {
        snprintf(buf, len, "Password incorrect");
        return;
    }
    if (code == KRB5_KT_NOTFOUND && run->keytab != NULL) {
        snprintf(buf, len, "Keytab contains no suitable keys for %s",
                 run->who.client_name);
        return;
    }
    if (realm != NULL)
        snprintf(r, sizeof(r), "%.*s", (int)realm->length, realm->data);
    ks_report_mit_words(code, run->who.client_name, NULL, r, buf, len);
    if (code == KRB5_LIBOS_CANTREADPWD && starts_with(run, code, "Pre-auth"))
        snprintf(buf, len, "Pre-authentication failed: %s",
                 error_message(code));
}

void
kinit_report(struct kinit_run *run, krb5_error_code code, int action,
             const char *principal, const char *cache_name)
{
    const char *doing = action == 'R' ? "renewing credentials" :
        action == 'v' ? "validating credentials" :
        "getting initial credentials";
    char words[512];

    if (run->stage == KINIT_CHOOSING &&
        (code == KRB5_PARSE_MALFORMED || code == KRB5_PARSE_ILLCHAR)) {
        ks_report_mit_set(run->ctx, code, error_message(code), NULL,
                          "when parsing name %s",
                          principal != NULL ? principal : "");
    } else if (run->stage == KINIT_EXCHANGE) {
        exchange_words(run, code, words, sizeof(words));
        ks_report_mit_set(run->ctx, code, words, NULL, "while %s", doing);
    } else if (run->stage == KINIT_STORING && action == 0) {
        /* MIT 1.20 stores inside its AS exchange. */
        snprintf(words, sizeof(words), "Failed to store credentials: %s",
                 error_message(code));
        ks_report_mit_set(run->ctx, code, words, NULL, "while %s", doing);
    } else if (run->stage == KINIT_STORING) {
        ks_report_mit_set(run->ctx, code, error_message(code), NULL,
                          "while saving to cache %s",
                          cache_name != NULL ? cache_name : "");
    }
    ks_cli_report(run->ctx, code);
}

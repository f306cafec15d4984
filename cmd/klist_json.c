/*
 * klist's --json document: keytab entries, caches and credentials with
 * everything MIT's -f, -e, -a and -d would show, always, as klist(1)
 * documents under JSON OUTPUT.  Addresses are numbers, never looked up.
 * Also where klist's failures go: a line on stderr and, with --json, the
 * error document or a cache's "error" member.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "core/flags.h"
#include "klist.h"

/*
 * One failure, MESSAGE in full ("... while ...").  Text: "klist: MESSAGE"
 * on stderr.  JSON: the same line and, inside -A, an "error" member of the
 * cache's object; elsewhere the first failure is kept for the error
 * document that replaces the listing (ks_cli_report prints its line).
 */
static void
fail(struct lister *l, krb5_error_code code, const char *message)
{
    if (l->e != NULL && !l->in_collection) {
        if (l->err == 0) {
            l->err = code;
            l->errmsg = strdup(message);
        }
        return;
    }
    ks_cli_error("%s", message);
    if (l->e != NULL && !l->cache_failed) {
        ks_emit_error(l->e, "error", code, message);
        l->cache_failed = true;
    }
}

void
klist_report_code(struct lister *l, krb5_error_code code)
{
    const char *msg = ks_context_message(l->ctx, code);

    fail(l, code, msg);
    ks_context_free_message(l->ctx, msg);
}

void
klist_report(struct lister *l, krb5_error_code code, const char *what)
{
    const char *msg = ks_context_message(l->ctx, code);
    char full[1024];

    snprintf(full, sizeof(full), "%s %s", msg, what);
    ks_context_free_message(l->ctx, msg);
    fail(l, code, full);
}

/* One keytab entry as JSON; the key's bytes only with -K. */
void
klist_json_keytab_entry(struct lister *l, const krb5_keytab_entry *entry,
                        const char *pname)
{
    ks_emit_begin_object(l->e, NULL);
    ks_emit_int(l->e, "kvno", entry->vno);
    ks_emit_string(l->e, "principal", pname);
    ks_emit_time(l->e, "timestamp", entry->timestamp);
    ks_emit_enctype_named(l->e, "enctype", entry->key.enctype);
    if (l->o->keys)
        ks_emit_hex(l->e, "key", entry->key.contents, entry->key.length);
    ks_emit_end(l->e);
}

/* "TYPE:NAME", as the listing's header names the cache. */
void
klist_json_cache_name(struct lister *l, const char *key, krb5_ccache cache)
{
    char *name = NULL;

    if (asprintf(&name, "%s:%s", krb5_cc_get_type(l->k5, cache),
                 krb5_cc_get_name(l->k5, cache)) < 0) {
        ks_emit_null(l->e, key);
        return;
    }
    ks_emit_string(l->e, key, name);
    free(name);
}

/* An address as a number ("192.0.2.1", "2001:db8::1"), never through DNS. */
static void
json_address(struct ks_emit *e, const krb5_address *a)
{
    char buf[INET6_ADDRSTRLEN + 32];
    int family = a->addrtype == ADDRTYPE_INET && a->length == 4 ? AF_INET
               : a->addrtype == ADDRTYPE_INET6 && a->length == 16 ? AF_INET6
               : AF_UNSPEC;

    if (family == AF_UNSPEC ||
        inet_ntop(family, a->contents, buf, sizeof(buf)) == NULL)
        snprintf(buf, sizeof(buf), "addrtype %d length %u",
                 (int)a->addrtype, a->length);
    ks_emit_string(e, NULL, buf);
}

static void
json_times(struct lister *l, const krb5_ticket_times *t)
{
    struct ks_emit *e = l->e;
    /* MIT compares timestamps as unsigned: good until 2106. */
    bool expired = (uint32_t)t->endtime <= (uint32_t)l->now;

    ks_emit_ticket_times(e, "times", t);
    ks_emit_bool(e, "expired", expired);
    ks_emit_int(e, "remaining_seconds",
                expired ? 0 : (long long)((uint32_t)t->endtime -
                                          (uint32_t)l->now));
}

/* Everything MIT's -f, -e, -a and -d show, always. */
static void
json_ticket(struct lister *l, const krb5_creds *cred, const krb5_ticket *tkt)
{
    struct ks_emit *e = l->e;
    char letters[KS_FLAGS_LETTERS_MAX];

    json_times(l, &cred->times);
    ks_emit_ticket_flags(e, "flags", cred->ticket_flags);
    ks_emit_string(e, "flags_letters",
                   ks_flags_letters(cred->ticket_flags, letters,
                                    sizeof(letters)));
    ks_emit_enctype_named(e, "session_key_enctype", cred->keyblock.enctype);
    if (tkt != NULL) {
        ks_emit_enctype_named(e, "ticket_enctype", tkt->enc_part.enctype);
        ks_emit_principal(e, "ticket_server", l->k5, tkt->server);
    } else {
        ks_emit_null(e, "ticket_enctype");
        ks_emit_null(e, "ticket_server");
    }
    ks_emit_begin_array(e, "addresses");
    for (size_t i = 0; cred->addresses != NULL && cred->addresses[i]; i++)
        json_address(e, cred->addresses[i]);
    ks_emit_end(e);
    ks_emit_begin_array(e, "authdata_types");
    for (size_t i = 0; cred->authdata != NULL && cred->authdata[i]; i++)
        ks_emit_int(e, NULL, cred->authdata[i]->ad_type);
    ks_emit_end(e);
}

/* A config entry: krb5_ccache_conf_data/NAME[/PRINCIPAL] = VALUE. */
static void
json_config(struct lister *l, const krb5_creds *cred)
{
    static const char *const parts[] = { "name", "principal" };
    krb5_const_principal server = cred->server;

    for (krb5_int32 i = 0; i < 2; i++) {
        if (server->length > i + 1)
            ks_emit_data(l->e, parts[i], &server->data[i + 1]);
        else
            ks_emit_null(l->e, parts[i]);
    }
    ks_emit_data(l->e, "value", &cred->ticket);
}

void
klist_json_credential(struct lister *l, const krb5_creds *cred)
{
    bool config = krb5_is_config_principal(l->k5, cred->server);
    krb5_ticket *tkt = NULL;

    ks_emit_begin_object(l->e, NULL);
    ks_emit_principal(l->e, "client", l->k5, cred->client);
    ks_emit_principal(l->e, "server", l->k5, cred->server);
    if (config) {
        json_config(l, cred);
    } else {
        (void)krb5_decode_ticket(&cred->ticket, &tkt);
        json_ticket(l, cred, tkt);
    }
    ks_emit_bool(l->e, "config", config);
    ks_emit_end(l->e);
    krb5_free_ticket(l->k5, tkt);
}


/* One cache of -l. */
void
klist_json_list_line(struct lister *l, const char *ccname, const char *pname,
                     bool expired)
{
    ks_emit_begin_object(l->e, NULL);
    ks_emit_string(l->e, "cache", ccname);
    ks_emit_string(l->e, "default_principal", pname);
    ks_emit_bool(l->e, "expired", expired);
    ks_emit_end(l->e);
}

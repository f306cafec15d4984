/*
 * ticket_key: the key that opens a ticket, found in a keytab as MIT finds
 * it: the entry named after the ticket's server, else any entry of the
 * ticket's enctype and key version whose key decrypts it (Active
 * Directory exports keys under the account's name, not the SPN).  Below
 * inspect and the PAC checks, which both look keys up here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/trace.h"
#include "inspect/inspect.h"

#define STAGE_2 "2/8 open-tgt"
#define STAGE_5 "5/8 open-ticket"

static const char *
name_of(struct ks_context *ctx, krb5_const_principal princ, char *buf,
        size_t len)
{
    return ks_text_principal(ctx->k5, princ, buf, len);
}

/* 0 names no enctype: "any enctype" reads right in keytab messages. */
static const char *
enctype_of(krb5_enctype et, char *buf, size_t len)
{
    if (et == 0) {
        snprintf(buf, len, "any enctype");
        return buf;
    }
    return ks_text_enctype(et, buf, len);
}

krb5_error_code
ks_inspect_keytab_key(struct ks_context *ctx, krb5_keytab kt,
                      krb5_const_principal princ, krb5_kvno kvno,
                      krb5_enctype enctype, krb5_keyblock **key_out)
{
    krb5_keytab_entry entry;
    char pname[256], ktname[256], etname[64], kvbuf[32];
    krb5_error_code ret;

    ret = krb5_kt_get_entry(ctx->k5, kt, princ, kvno, enctype, &entry);
    if (ret) {
        if (krb5_kt_get_name(ctx->k5, kt, ktname, sizeof(ktname)) != 0)
            snprintf(ktname, sizeof(ktname), "(unnamed)");
        if (kvno == 0)
            snprintf(kvbuf, sizeof(kvbuf), "any kvno");
        else
            snprintf(kvbuf, sizeof(kvbuf), "kvno %u", (unsigned int)kvno);
        return ks_error_set(ctx, ret, "no key for %s (%s, %s) in keytab %s",
                            name_of(ctx, princ, pname, sizeof(pname)),
                            kvbuf, enctype_of(enctype, etname,
                                              sizeof(etname)), ktname);
    }
    ret = krb5_copy_keyblock(ctx->k5, &entry.key, key_out);
    krb5_free_keytab_entry_contents(ctx->k5, &entry);
    return ret;
}

/* True if KEY decrypts TICKET's enc-part (the plaintext is thrown away). */
static bool
key_opens(struct ks_context *ctx, const krb5_keyblock *key,
          const krb5_ticket *ticket)
{
    krb5_data plain = { KV5M_DATA, 0, NULL };

    if (ks_secret_decrypt(ctx->k5, key, KRB5_KEYUSAGE_KDC_REP_TICKET,
                          &ticket->enc_part, &plain) != 0)
        return false;
    ks_secret_free(&plain);
    return true;
}

static bool
is_tgt(const krb5_ticket *ticket)
{
    const krb5_principal_data *p = ticket->server;

    return p != NULL && p->length == 2 && p->data[0].length == 6 &&
           memcmp(p->data[0].data, "krbtgt", 6) == 0;
}

/* Does keytab entry E hold a key that may have encrypted TICKET?  Its
 * enctype must be the ticket's; its kvno too, when the ticket names one
 * (keytabs may keep only the low 8 bits). */
static bool
entry_fits(const krb5_keytab_entry *e, const krb5_ticket *ticket)
{
    krb5_kvno kvno = ticket->enc_part.kvno;

    if (e->key.enctype != ticket->enc_part.enctype)
        return false;
    return kvno == 0 || e->vno == kvno || e->vno == (kvno & 0xff);
}

/*
 * MIT's way for a keytab with no entry under the ticket's server name
 * (Active Directory exports keys under the account name, "svc1@AD.TEST",
 * not under the SPN): try every entry that fits, whatever its name, and
 * keep the first whose key decrypts the ticket.  KRB5_KT_NOTFOUND when no
 * entry fits, KRB5KRB_AP_ERR_BAD_INTEGRITY when none of those decrypts;
 * *tried_out counts the entries tried, *other_kvno_out is the kvno of an
 * entry of the ticket's enctype at another key version (0: none).
 */
static krb5_error_code
any_entry_key(struct ks_context *ctx, krb5_keytab kt,
              const krb5_ticket *ticket, int *tried_out,
              krb5_kvno *other_kvno_out, krb5_keyblock **key_out)
{
    krb5_kt_cursor cursor;
    krb5_keytab_entry e;
    char sname[256], ename[256], kbuf[128];
    krb5_error_code ret = KRB5_KT_NOTFOUND;

    *tried_out = 0;
    if (krb5_kt_start_seq_get(ctx->k5, kt, &cursor) != 0)
        return KRB5_KT_NOTFOUND;
    while (ret != 0 && krb5_kt_next_entry(ctx->k5, kt, &e, &cursor) == 0) {
        if (e.key.enctype == ticket->enc_part.enctype &&
            !entry_fits(&e, ticket))
            *other_kvno_out = e.vno;
        if (entry_fits(&e, ticket)) {
            (*tried_out)++;
            if (key_opens(ctx, &e.key, ticket)) {
                ret = krb5_copy_keyblock(ctx->k5, &e.key, key_out);
                if (ret == 0)
                    ks_trace(ctx->trace, is_tgt(ticket) ? STAGE_2 : STAGE_5,
                             is_tgt(ticket) ? 2 : 5, "keytab-other-name",
                             "no key named %s in the keytab: the ticket "
                             "opens with the key of %s (kvno %u, %s)",
                             name_of(ctx, ticket->server, sname,
                                     sizeof(sname)),
                             name_of(ctx, e.principal, ename, sizeof(ename)),
                             (unsigned int)e.vno,
                             ks_trace_key(ctx->trace, ctx->k5, &e.key, kbuf,
                                          sizeof(kbuf)));
            } else {
                ret = KRB5KRB_AP_ERR_BAD_INTEGRITY;
            }
        }
        krb5_free_keytab_entry_contents(ctx->k5, &e);
    }
    krb5_kt_end_seq_get(ctx->k5, kt, &cursor);
    return ret;
}

static const char *
kt_name(struct ks_context *ctx, krb5_keytab kt, char *buf, size_t len)
{
    if (krb5_kt_get_name(ctx->k5, kt, buf, len) != 0)
        snprintf(buf, len, "(unnamed)");
    return buf;
}

krb5_error_code
ks_inspect_ticket_key(struct ks_context *ctx, krb5_keytab kt,
                      const krb5_ticket *ticket, krb5_keyblock **key_out)
{
    krb5_keyblock *key = NULL;
    char pname[256], ktname[256], etname[64];
    krb5_error_code ret, ret2;
    krb5_kvno other_kvno = 0;
    int tried = 0;

    ret = ks_inspect_keytab_key(ctx, kt, ticket->server,
                                ticket->enc_part.kvno,
                                ticket->enc_part.enctype, &key);
    if (ret == KRB5_KT_KVNONOTFOUND)
        return ks_error_add_hint(ctx, ret);
    if (ret != KRB5_KT_NOTFOUND) {
        if (ret == 0)
            *key_out = key;
        return ret;
    }
    ret2 = any_entry_key(ctx, kt, ticket, &tried, &other_kvno, &key);
    if (ret2 == 0) {
        *key_out = key;
        return 0;
    }
    if (ret2 == KRB5_KT_NOTFOUND && other_kvno != 0) {
        /* The account's key, but of another version: a changed key. */
        ret = ks_error_set(ctx, KRB5_KT_KVNONOTFOUND, "no key for %s of "
                           "kvno %u in keytab %s (its %s keys are of kvno "
                           "%u)", name_of(ctx, ticket->server, pname,
                                          sizeof(pname)),
                           (unsigned int)ticket->enc_part.kvno,
                           kt_name(ctx, kt, ktname, sizeof(ktname)),
                           enctype_of(ticket->enc_part.enctype, etname,
                                      sizeof(etname)),
                           (unsigned int)other_kvno);
        return ks_error_add_hint(ctx, ret);
    }
    if (ret2 == KRB5_KT_NOTFOUND)
        return ret;                     /* the message names the key */
    /* Entries of other names were tried, none is this ticket's key: the
     * key is not in the keytab (MIT: "Wrong principal in request"). */
    kt_name(ctx, kt, ktname, sizeof(ktname));
    return ks_error_set(ctx, KRB5_KT_NOTFOUND, "no key for %s in keytab "
                        "%s, and none of "
                        "its %d other %s keys of kvno %u opens the ticket",
                        name_of(ctx, ticket->server, pname, sizeof(pname)),
                        ktname, tried,
                        enctype_of(ticket->enc_part.enctype, etname,
                                   sizeof(etname)),
                        (unsigned int)ticket->enc_part.kvno);
}

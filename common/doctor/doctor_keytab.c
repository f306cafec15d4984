/*
 * doctor: a keytab against the KDC.  With a TGT in the cache, a ticket for
 * each of the keytab's principals is asked for and opened with the keytab,
 * as a service would; without one, an AS exchange with the keytab's key
 * shows whether the KDC holds the same key.  A service principal given
 * without a keytab is asked for with the cache's TGT, to show whether the
 * KDC knows it.  Nothing is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/krb5_private.h"
#include "core/text.h"
#include "doctor/doctor.h"
#include "exchange/as.h"
#include "exchange/tgs.h"
#include "inspect/inspect.h"

/* At most this many principals of one keytab are checked. */
#define MAX_PRINCIPALS 16

struct kt_names {
    krb5_principal p[MAX_PRINCIPALS];
    size_t n;
    bool more;
};

static void
names_free(krb5_context k5, struct kt_names *names)
{
    for (size_t i = 0; i < names->n; i++)
        krb5_free_principal(k5, names->p[i]);
}

static krb5_error_code
list_principals(krb5_context k5, krb5_keytab kt, struct kt_names *out)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    krb5_error_code ret;

    memset(out, 0, sizeof(*out));
    ret = krb5_kt_start_seq_get(k5, kt, &cur);
    if (ret)
        return ret;
    while (krb5_kt_next_entry(k5, kt, &e, &cur) == 0) {
        bool seen = false;

        for (size_t i = 0; i < out->n && !seen; i++)
            seen = krb5_principal_compare(k5, out->p[i], e.principal);
        if (!seen && out->n == MAX_PRINCIPALS)
            out->more = true;
        else if (!seen)
            krb5_copy_principal(k5, e.principal, &out->p[out->n++]);
        krb5_free_keytab_entry_contents(k5, &e);
    }
    krb5_kt_end_seq_get(k5, kt, &cur);
    return 0;
}

/* "kvno 2 and 3" for the keytab's entries of P with ENCTYPE, or "". */
static void
kvnos_of(krb5_context k5, krb5_keytab kt, krb5_const_principal p,
         krb5_enctype enctype, char *buf, size_t len)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    size_t used = 0;

    buf[0] = '\0';
    if (krb5_kt_start_seq_get(k5, kt, &cur) != 0)
        return;
    while (krb5_kt_next_entry(k5, kt, &e, &cur) == 0) {
        if (used < len && e.key.enctype == enctype &&
            krb5_principal_compare(k5, p, e.principal))
            used += (size_t)snprintf(buf + used, len - used, "%s%u",
                                     used > 0 ? ", " : "kvno ",
                                     (unsigned int)e.vno);
        krb5_free_keytab_entry_contents(k5, &e);
    }
    krb5_kt_end_seq_get(k5, kt, &cur);
}

static void
judge_ticket(struct ks_context *ctx, struct ks_doctor_report *r,
             krb5_keytab kt, const char *name, krb5_creds *creds)
{
    krb5_ticket *tkt = NULL;
    krb5_error_code ret;
    char et[64], have[128];

    if (decode_krb5_ticket(&creds->ticket, &tkt) != 0)
        return;
    ks_text_enctype(tkt->enc_part.enctype, et, sizeof(et));
    ret = ks_inspect_decrypt_ticket(ctx, kt, tkt);
    if (ret == 0) {
        ks_doctor_add(r, KS_DOCTOR_OK, "keytab", NULL,
                      "the keytab opens the KDC's ticket for %s (kvno %u, "
                      "%s)", name, (unsigned int)tkt->enc_part.kvno, et);
    } else if (ret == KRB5_KT_NOTFOUND || ret == KRB5_KT_KVNONOTFOUND) {
        kvnos_of(ctx->k5, kt, tkt->server, tkt->enc_part.enctype, have,
                 sizeof(have));
        if (have[0] != '\0')
            ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab",
                          "the key was changed after the keytab was "
                          "written: export it again (MIT: kadmin ktadd "
                          "-norandkey; AD: samba-tool domain exportkeytab)",
                          "the KDC issues tickets for %s under kvno %u "
                          "(%s); the keytab holds %s of that enctype", name,
                          (unsigned int)tkt->enc_part.kvno, et, have);
        else
            ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab",
                          "export a key of that enctype into the keytab, or "
                          "limit the service's enctypes to the keytab's",
                          "the KDC issues %s tickets for %s; the keytab "
                          "holds no %s key for it", et, name, et);
    } else {
        ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab",
                      "the keytab's key has the KDC's kvno but not its "
                      "value: was the password set again without a new "
                      "kvno? export the key again",
                      "the keytab cannot open the KDC's ticket for %s "
                      "(kvno %u, %s): %s", name,
                      (unsigned int)tkt->enc_part.kvno, et,
                      error_message(ret));
    }
    krb5_free_ticket(ctx->k5, tkt);
}

static void
check_by_tgs(struct ks_context *ctx, struct ks_doctor_report *r,
             krb5_ccache cc, krb5_keytab kt, krb5_principal p,
             const char *name)
{
    struct ks_tgs_get_options o = { 0 };
    krb5_creds *creds = NULL;
    krb5_error_code ret;
    const char *msg;

    o.no_store = true;
    ret = ks_tgs_get_creds(ctx, cc, p, &o, &creds);
    if (ret) {
        msg = ks_context_message(ctx, ret);
        ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab", ks_error_hint(ret),
                      "no ticket for %s could be had to check the keytab "
                      "with: %s", name, msg != NULL ? msg : "");
        ks_context_free_message(ctx, msg);
        return;
    }
    judge_ticket(ctx, r, kt, name, creds);
    krb5_free_creds(ctx->k5, creds);
}

static void
check_by_as(struct ks_context *ctx, struct ks_doctor_report *r,
            krb5_keytab kt, krb5_principal p, const char *name)
{
    struct ks_as_options o = { 0 };
    struct ks_as_keys keys = { 0 };
    krb5_creds *creds = NULL;
    krb5_error_code ret;
    const char *msg;

    o.client = p;
    o.renew_lifetime = -1;
    o.forwardable = o.proxiable = o.addresses = -1;
    o.request_pac = -1;
    keys.keytab = kt;
    ret = ks_as_get_creds(ctx, &o, &keys, &creds);
    if (ret == 0) {
        ks_doctor_add(r, KS_DOCTOR_OK, "keytab", NULL,
                      "the keytab's key for %s is the KDC's (an AS exchange "
                      "with it succeeded)", name);
        krb5_free_creds(ctx->k5, creds);
        return;
    }
    msg = ks_context_message(ctx, ret);
    if (ret == KRB5KDC_ERR_PREAUTH_FAILED ||
        ret == KRB5KRB_AP_ERR_BAD_INTEGRITY)
        ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab",
                      "the key was changed after the keytab was written: "
                      "export it again (MIT: kadmin ktadd -norandkey; AD: "
                      "samba-tool domain exportkeytab)",
                      "the keytab's key for %s is not the KDC's: %s", name,
                      msg != NULL ? msg : error_message(ret));
    else
        ks_doctor_add(r, KS_DOCTOR_WARNING, "keytab", ks_error_hint(ret),
                      "the keytab's key for %s could not be tried: %s", name,
                      msg != NULL ? msg : error_message(ret));
    ks_context_free_message(ctx, msg);
}

static bool
has_tgt(struct ks_context *ctx, krb5_ccache cc)
{
    krb5_principal p = NULL;
    bool ok;

    if (cc == NULL)
        return false;
    ok = krb5_cc_get_principal(ctx->k5, cc, &p) == 0;
    krb5_free_principal(ctx->k5, p);
    return ok;
}

void
ks_doctor_check_keytab(struct ks_context *ctx,
                       const struct ks_doctor_options *opts,
                       struct ks_doctor_report *r)
{
    krb5_keytab kt = NULL;
    struct kt_names names;
    krb5_error_code ret;
    bool tgs = has_tgt(ctx, opts->cc);
    char name[512];

    ret = krb5_kt_resolve(ctx->k5, opts->keytab, &kt);
    if (ret == 0)
        ret = list_principals(ctx->k5, kt, &names);
    if (ret) {
        ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab",
                      "check the keytab's path and that it is readable",
                      "keytab %s cannot be read: %s", opts->keytab,
                      error_message(ret));
        goto cleanup;
    }
    if (names.n == 0)
        ks_doctor_add(r, KS_DOCTOR_ERROR, "keytab", "add keys with kadmin "
                      "ktadd or ktutil", "keytab %s holds no key",
                      opts->keytab);
    for (size_t i = 0; i < names.n; i++) {
        ks_text_principal(ctx->k5, names.p[i], name, sizeof(name));
        if (r->principal_given && r->principal != NULL &&
            strcmp(name, r->principal) != 0 && names.n > 1)
            continue;
        if (tgs && !ks_tgs_is_tgs_principal(names.p[i]))
            check_by_tgs(ctx, r, opts->cc, kt, names.p[i], name);
        else
            check_by_as(ctx, r, kt, names.p[i], name);
    }
    if (names.more)
        ks_doctor_add(r, KS_DOCTOR_INFO, "keytab", NULL,
                      "only the first %d principals of the keytab were "
                      "checked", MAX_PRINCIPALS);
    names_free(ctx->k5, &names);
cleanup:
    if (kt != NULL)
        krb5_kt_close(ctx->k5, kt);
}

void
ks_doctor_check_service(struct ks_context *ctx,
                        const struct ks_doctor_options *opts,
                        struct ks_doctor_report *r)
{
    struct ks_tgs_get_options o = { 0 };
    krb5_principal p = NULL;
    krb5_creds *creds = NULL;
    krb5_error_code ret;
    const char *msg;
    char et[64];

    if (!has_tgt(ctx, opts->cc)) {
        ks_doctor_add(r, KS_DOCTOR_INFO, "service", "run kinit first to "
                      "have the service checked too",
                      "no TGT in the cache: whether the KDC issues tickets "
                      "for %s was not checked", r->principal);
        return;
    }
    if (krb5_parse_name(ctx->k5, r->principal, &p) != 0)
        return;
    o.no_store = true;
    ret = ks_tgs_get_creds(ctx, opts->cc, p, &o, &creds);
    if (ret == 0) {
        ks_doctor_add(r, KS_DOCTOR_OK, "service", NULL,
                      "the KDC issues tickets for %s (%s session key)",
                      r->principal, ks_text_enctype(creds->keyblock.enctype,
                                                    et, sizeof(et)));
    } else if (ret == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN) {
        ks_doctor_add(r, KS_DOCTOR_ERROR, "service",
                      "register the service principal (MIT: kadmin addprinc "
                      "-randkey; AD: setspn -S or samba-tool spn add), or "
                      "check the host name: MIT's clients ask for the name "
                      "as typed unless dns_canonicalize_hostname is on",
                      "the KDC does not know the service %s", r->principal);
    } else {
        msg = ks_context_message(ctx, ret);
        ks_doctor_add(r, KS_DOCTOR_ERROR, "service", ks_error_hint(ret),
                      "no ticket for %s: %s", r->principal,
                      msg != NULL ? msg : error_message(ret));
        ks_context_free_message(ctx, msg);
    }
    krb5_free_creds(ctx->k5, creds);
    krb5_free_principal(ctx->k5, p);
}

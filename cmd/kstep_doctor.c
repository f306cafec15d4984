/*
 * kstep doctor [REALM | PRINCIPAL] [--keytab KT]: the realm's set-up
 * examined from this machine (common/doctor), printed as sections and
 * findings, or as one JSON document.  Exit 0 when no finding is an error,
 * 1 when one is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emit.h"
#include "core/errors.h"
#include "core/text.h"
#include "doctor/doctor.h"
#include "wire/padata.h"
#include "kstep.h"

static char *doctor_keytab;

static void
print_probe(const char *name, const struct ks_doctor_probe *p)
{
    if (!p->tried)
        printf("    %s  not allowed by its entry\n", name);
    else if (p->answered)
        printf("    %s  answered in %.1f ms\n", name, p->rtt_ms);
    else
        printf("    %s  no answer: %s\n", name, p->why != NULL ? p->why : "");
}

static void
print_offer(const struct ks_doctor_report *r)
{
    char et[64];

    printf("\nWhat the KDC offers %s before pre-authentication\n",
           r->principal);
    if (!r->preauth_required) {
        printf("  no pre-authentication asked for\n");
        return;
    }
    printf("  pre-authentication types:");
    for (size_t i = 0; r->patypes != NULL && r->patypes[i] != 0; i++)
        printf("%s %s (%d)", i > 0 ? "," : "",
               ks_padata_name(r->patypes[i]), (int)r->patypes[i]);
    printf("\n");
    for (size_t i = 0; i < r->netypes; i++) {
        const struct ks_doctor_etype *e = &r->etypes[i];

        printf("  key: %s", ks_text_enctype(e->etype, et, sizeof(et)));
        if (e->has_salt)
            printf(", salt \"%.*s\"", (int)e->salt.length, e->salt.data);
        else
            printf(", default salt");
        if (e->s2kparams.length == 4) {
            const unsigned char *b = (const unsigned char *)e->s2kparams.data;

            printf(", %lu iterations", ((unsigned long)b[0] << 24) |
                   ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) |
                   b[3]);
        }
        printf("\n");
    }
    printf("  FAST: %s\n", r->fast_offered ? "offered" : "not offered");
}

static void
print_text(const struct ks_doctor_report *r)
{
    size_t errors = 0, warnings = 0;

    printf("realm %s", r->realm != NULL ? r->realm : "(none)");
    if (r->principal != NULL)
        printf(", principal %s", r->principal);
    printf("\n");
    if (r->nkdcs > 0)
        printf("\nKDCs\n");
    for (size_t i = 0; i < r->nkdcs; i++) {
        const struct ks_doctor_kdc *k = &r->kdcs[i];

        printf("  %s, from %s\n", k->address, k->source);
        print_probe("UDP", &k->udp);
        print_probe("TCP", &k->tcp);
        if (k->has_offset)
            printf("    clock: the KDC's is %lld s %s ours\n",
                   k->offset < 0 ? -k->offset : k->offset,
                   k->offset < 0 ? "behind" : "ahead of");
    }
    if (r->offer_seen && r->principal_given && !r->service)
        print_offer(r);
    printf("\nFindings\n");
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct ks_doctor_finding *f = &r->findings[i];

        printf("  %-8s %-8s %s\n", ks_doctor_severity_name(f->severity),
               f->check, f->message);
        if (f->hint != NULL)
            printf("  %-8s %-8s hint: %s\n", "", "", f->hint);
        errors += f->severity == KS_DOCTOR_ERROR;
        warnings += f->severity == KS_DOCTOR_WARNING;
    }
    printf("\n%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s",
           warnings, warnings == 1 ? "" : "s");
}

static void
emit_probe(struct ks_emit *e, const char *key, const struct ks_doctor_probe *p)
{
    ks_emit_begin_object(e, key);
    ks_emit_bool(e, "tried", p->tried);
    ks_emit_bool(e, "answered", p->answered);
    if (p->answered)
        ks_emit_double(e, "rtt_ms", p->rtt_ms);
    if (p->why != NULL)
        ks_emit_string(e, "error", p->why);
    ks_emit_end(e);
}

static void
emit_offer(struct ks_emit *e, const struct ks_doctor_report *r)
{
    ks_emit_begin_object(e, "offer");
    ks_emit_bool(e, "preauth_required", r->preauth_required);
    ks_emit_begin_array(e, "padata");
    for (size_t i = 0; r->patypes != NULL && r->patypes[i] != 0; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_int(e, "type", r->patypes[i]);
        ks_emit_string(e, "name", ks_padata_name(r->patypes[i]));
        ks_emit_end(e);
    }
    ks_emit_end(e);
    ks_emit_begin_array(e, "etype_info");
    for (size_t i = 0; i < r->netypes; i++) {
        ks_emit_begin_object(e, NULL);
        ks_emit_enctype(e, "enctype", r->etypes[i].etype);
        if (r->etypes[i].has_salt)
            ks_emit_data(e, "salt", &r->etypes[i].salt);
        else
            ks_emit_null(e, "salt");
        ks_emit_hex(e, "s2kparams", r->etypes[i].s2kparams.data,
                    r->etypes[i].s2kparams.length);
        ks_emit_end(e);
    }
    ks_emit_end(e);
    ks_emit_bool(e, "fast", r->fast_offered);
    ks_emit_end(e);
}

static void
emit_json(struct ks_emit *e, const struct ks_doctor_report *r)
{
    ks_emit_begin_object(e, "doctor");
    if (r->realm != NULL)
        ks_emit_string(e, "realm", r->realm);
    else
        ks_emit_null(e, "realm");
    if (r->principal != NULL)
        ks_emit_string(e, "principal", r->principal);
    else
        ks_emit_null(e, "principal");
    ks_emit_begin_array(e, "kdcs");
    for (size_t i = 0; i < r->nkdcs; i++) {
        const struct ks_doctor_kdc *k = &r->kdcs[i];

        ks_emit_begin_object(e, NULL);
        ks_emit_string(e, "address", k->address);
        ks_emit_string(e, "source", k->source);
        emit_probe(e, "udp", &k->udp);
        emit_probe(e, "tcp", &k->tcp);
        if (k->has_offset)
            ks_emit_int(e, "clock_offset", k->offset);
        else
            ks_emit_null(e, "clock_offset");
        ks_emit_end(e);
    }
    ks_emit_end(e);
    if (r->offer_seen && r->principal_given && !r->service)
        emit_offer(e, r);
    ks_emit_begin_array(e, "findings");
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct ks_doctor_finding *f = &r->findings[i];

        ks_emit_begin_object(e, NULL);
        ks_emit_string(e, "severity",
                       ks_doctor_severity_name(f->severity));
        ks_emit_string(e, "check", f->check);
        ks_emit_string(e, "message", f->message);
        if (f->hint != NULL)
            ks_emit_string(e, "hint", f->hint);
        else
            ks_emit_null(e, "hint");
        ks_emit_end(e);
    }
    ks_emit_end(e);
    ks_emit_string(e, "worst", ks_doctor_severity_name(ks_doctor_worst(r)));
    ks_emit_end(e);
}

static int
sub_doctor(struct kstep_env *env, const char *const *args)
{
    struct ks_doctor_options opts = { 0 };
    struct ks_doctor_report *r = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code ret;
    int status;

    opts.target = args != NULL ? args[0] : NULL;
    opts.keytab = doctor_keytab;
    /* A missing cache is not an error here: it only means no TGT. */
    if (kstep_opt.ccache != NULL)
        ret = krb5_cc_resolve(env->ctx->k5, kstep_opt.ccache, &cc);
    else
        ret = krb5_cc_default(env->ctx->k5, &cc);
    if (ret == 0)
        opts.cc = cc;
    /* One probe should not wait as long as a login does. */
    if (env->ctx->net.timeout_ms == 0)
        env->ctx->net.timeout_ms = 3000;
    if (env->ctx->net.retries == 0)
        env->ctx->net.retries = 1;
    ret = ks_doctor_run(env->ctx, &opts, &r);
    if (ret) {
        kstep_report(env, ret);
        status = KS_EXIT_FAILURE;
        goto cleanup;
    }
    if (kstep_opt.json)
        emit_json(env->emit, r);
    else
        print_text(r);
    status = ks_doctor_worst(r) == KS_DOCTOR_ERROR ? KS_EXIT_FAILURE
                                                   : KS_EXIT_OK;
cleanup:
    ks_doctor_report_free(r);
    if (cc != NULL)
        krb5_cc_close(env->ctx->k5, cc);
    return status;
}

static struct poptOption doctor_options[] = {
    { "keytab", 'k', POPT_ARG_STRING, &doctor_keytab, 0,
      "check this keytab's keys against the KDC's", "KT" },
    POPT_TABLEEND
};

const struct kstep_sub kstep_doctor_subs[] = {
    { "doctor", 0, "examine a realm's set-up: KDCs, clock, keys", "[REALM | PRINCIPAL]", -1, doctor_options,
      sub_doctor },
    { NULL, 0, NULL, NULL, 0, NULL, NULL },
};

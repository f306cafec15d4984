/*
 * doctor: a realm's set-up examined from the client's side, as findings
 * with a severity and a hint each: where the KDCs come from and whether
 * they answer, the clock against theirs, what the KDC offers a principal
 * before pre-authentication, whether a keytab opens the KDC's tickets, and
 * what krb5.conf gets wrong.  `kstep doctor` prints the report.
 *
 * The checks never store anything: no cache is written, no key kept.
 */
#ifndef KS_DOCTOR_H
#define KS_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>
#include "core/context.h"

enum ks_doctor_severity {
    KS_DOCTOR_OK = 0,
    KS_DOCTOR_INFO,
    KS_DOCTOR_WARNING,
    KS_DOCTOR_ERROR,
};

/* One finding.  CHECK names what was checked: "config", "kdc", "clock",
 * "preauth", "keytab", "service". */
struct ks_doctor_finding {
    enum ks_doctor_severity severity;
    const char *check;              /* static */
    char *message;                  /* owned */
    char *hint;                     /* owned, NULL: none */
};

/* What one KDC address did over one transport. */
struct ks_doctor_probe {
    bool tried;
    bool answered;
    double rtt_ms;
    char *why;                      /* owned: why it did not answer */
};

struct ks_doctor_kdc {
    char address[96];
    char source[160];
    struct ks_doctor_probe udp, tcp;
    bool has_offset;                /* the KDC's time was seen */
    long long offset;               /* the KDC's clock minus ours, seconds */
};

/* One ETYPE-INFO2 entry the KDC offered. */
struct ks_doctor_etype {
    krb5_enctype etype;
    bool has_salt;
    krb5_data salt;                 /* owned */
    krb5_data s2kparams;            /* owned */
};

struct ks_doctor_report {
    char *realm;                    /* owned, NULL when none was found */
    char *principal;                /* owned: the probed name, or NULL */
    bool principal_given;           /* named by the user (or the cache) */
    bool service;                   /* the principal is host-based */
    struct ks_doctor_finding *findings;
    size_t nfindings;
    struct ks_doctor_kdc *kdcs;
    size_t nkdcs;
    bool judged;                    /* a KDC's answer to the probe was read */
    /* What the KDC offered the principal before pre-authentication. */
    bool offer_seen;
    bool preauth_required;
    krb5_preauthtype *patypes;      /* owned, 0-terminated when not NULL */
    struct ks_doctor_etype *etypes;
    size_t netypes;
    bool fast_offered;
};

struct ks_doctor_options {
    const char *target;             /* REALM, PRINCIPAL or NULL */
    const char *keytab;             /* NULL: no keytab check */
    krb5_ccache cc;                 /* borrowed, NULL: no cache (TGS keytab
                                     * check needs one) */
};

/*
 * Run every check for OPTS and return the report (free it with
 * ks_doctor_report_free).  Failures of what is checked become findings;
 * the return value is non-zero only for ENOMEM and the like.
 */
krb5_error_code ks_doctor_run(struct ks_context *ctx,
                              const struct ks_doctor_options *opts,
                              struct ks_doctor_report **report_out);

void ks_doctor_report_free(struct ks_doctor_report *report);

/* The worst severity in REPORT. */
enum ks_doctor_severity ks_doctor_worst(const struct ks_doctor_report *report);

/* "ok", "info", "warning", "error". */
const char *ks_doctor_severity_name(enum ks_doctor_severity severity);

/* ---- for the checks (doctor_*.c) ------------------------------------- */

/* Add a finding; HINT may be NULL.  Out of memory drops it silently: a
 * report is best effort. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void ks_doctor_add(struct ks_doctor_report *report,
                   enum ks_doctor_severity severity, const char *check,
                   const char *hint, const char *fmt, ...);

/* krb5.conf: default_realm, unknown relations, realms without KDCs,
 * [domain_realm] for HOST (NULL: not checked). */
void ks_doctor_check_config(struct ks_context *ctx, const char *host,
                            struct ks_doctor_report *report);

/* The relation name in KNOWN (NULL-terminated) nearest to NAME, if it is
 * close enough to be a typo, else NULL. */
const char *ks_doctor_nearest(const char *name, const char *const *known);

/* Each KDC of the report's realm over UDP and TCP, its clock, and what it
 * offers PRINCIPAL (the report's) before pre-authentication. */
void ks_doctor_check_kdcs(struct ks_context *ctx,
                          struct ks_doctor_report *report);

/* The keytab's keys against the KDC's. */
void ks_doctor_check_keytab(struct ks_context *ctx,
                            const struct ks_doctor_options *opts,
                            struct ks_doctor_report *report);

/* With a TGT in the cache, whether the KDC issues tickets for the
 * report's principal (a service). */
void ks_doctor_check_service(struct ks_context *ctx,
                             const struct ks_doctor_options *opts,
                             struct ks_doctor_report *report);

#endif /* KS_DOCTOR_H */

/* doctor_report: the findings of a run and the report that holds them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

void
ks_doctor_add(struct ks_doctor_report *report,
              enum ks_doctor_severity severity, const char *check,
              const char *hint, const char *fmt, ...)
{
    struct ks_doctor_finding *grown, *f;
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    grown = realloc(report->findings,
                    (report->nfindings + 1) * sizeof(*grown));
    if (grown == NULL)
        return;
    report->findings = grown;
    f = &report->findings[report->nfindings];
    f->severity = severity;
    f->check = check;
    f->message = strdup(buf);
    f->hint = hint != NULL ? strdup(hint) : NULL;
    if (f->message == NULL) {
        free(f->hint);
        return;
    }
    report->nfindings++;
}

const char *
ks_doctor_severity_name(enum ks_doctor_severity severity)
{
    static const char *const names[] = { "ok", "info", "warning", "error" };

    return (unsigned int)severity < 4 ? names[severity] : "error";
}

enum ks_doctor_severity
ks_doctor_worst(const struct ks_doctor_report *report)
{
    enum ks_doctor_severity worst = KS_DOCTOR_OK;

    for (size_t i = 0; i < report->nfindings; i++) {
        if (report->findings[i].severity > worst)
            worst = report->findings[i].severity;
    }
    return worst;
}

void
ks_doctor_report_free(struct ks_doctor_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->nfindings; i++) {
        free(report->findings[i].message);
        free(report->findings[i].hint);
    }
    for (size_t i = 0; i < report->nkdcs; i++) {
        free(report->kdcs[i].udp.why);
        free(report->kdcs[i].tcp.why);
    }
    for (size_t i = 0; i < report->netypes; i++) {
        free(report->etypes[i].salt.data);
        free(report->etypes[i].s2kparams.data);
    }
    free(report->findings);
    free(report->kdcs);
    free(report->etypes);
    free(report->patypes);
    free(report->realm);
    free(report->principal);
    free(report);
}

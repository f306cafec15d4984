/*
 * kvno: what cmd/kvno.c and cmd/kvno_json.c share: the options, the run,
 * and the --json document.
 */
#ifndef KS_KVNO_H
#define KS_KVNO_H

#include <stdbool.h>
#include <stddef.h>
#include <krb5.h>

#include "core/context.h"
#include "core/emit.h"
#include "creds/ccache_lookup.h"
#include "exchange/tgs.h"
#include "progress.h"

struct kvno_opts {
    char *ccache;
    char *etype;
    int quiet;
    int unknown;
    char *sname;
    char *keytab;
    int canonicalize;
    int cached_only;
    int no_store;
    char *out_cache;
    char *impersonate;      /* -I */
    char *enterprise;       /* -U */
    char *cert_file;        /* -F */
    int proxy;              /* -P */
    char *u2u;              /* --u2u */
    char *in_flight;        /* --in-flight N */
};

extern struct kvno_opts kvno_opt;

/* --json: what is known of a name before the batch runs. */
struct kvno_json_name {
    krb5_error_code code;           /* the name did not parse */
    char *message;                  /* ... and why */
    const krb5_creds *cached;       /* the index's ticket for it, if any */
};

/* A ticket's kvno, kept when the run lets go of the ticket itself. */
struct kvno_seen {
    int kvno;
    bool taken;             /* the ticket was freed once this was read */
};

/* Everything a run holds, freed in one place. */
struct kvno_run {
    struct ks_context *ctx;
    krb5_ccache cc, out_cc;
    krb5_keytab kt;
    struct ks_ccache_index *idx;
    krb5_enctype etypes[2];
    krb5_principal *servers;        /* NULL where a name did not parse */
    struct ks_tgs_job *jobs;
    size_t n, njobs;
    int errors;
    struct kvno_json_name *json;    /* --json: one per name, else NULL */
    bool *shown;                    /* -P: the line was printed already */
    size_t in_flight;               /* --in-flight, 0 for the default */
    struct kvno_seen *seen;         /* plain runs: one per job, else NULL */
    struct ks_progress progress;
};

/*
 * Set CODE's message in MIT's words, "WORDS PHRASE...", with what the
 * context's message adds after them (report.h).  Returns CODE.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
krb5_error_code kvno_mit(struct kvno_run *r, krb5_error_code code,
                         const char *phrase, ...);

/* Every failed job's message in MIT's words ("... while getting
 * credentials for SERVICE"); the -I/-U name check keeps ours. */
void kvno_mit_jobs(struct kvno_run *r);

/* --json: keep name I's parse failure CODE for the document. */
krb5_error_code kvno_json_keep_error(struct kvno_run *r, size_t i,
                                     krb5_error_code code);

/* --json: the ticket the cache held for each service before the batch,
 * with the match the batch uses (so "cached" says where a ticket came
 * from). */
void kvno_json_note_cached(struct kvno_run *r, const krb5_enctype *etypes);

/* --json: {"services":[...]}, one entry per name, in the order given;
 * the document is left open for a last error (ks_emit_finish closes it);
 * NULL (counted as an error) when it cannot be started. */
struct ks_emit *kvno_json_report(struct kvno_run *r, const char **names);

/* A failure after the services: in the document E when there is one. */
void kvno_report_last(struct kvno_run *r, struct ks_emit *e,
                      krb5_error_code code);

#endif /* KS_KVNO_H */

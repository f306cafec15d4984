/*
 * klist's parts: klist.c parses the options and walks caches, collections
 * and keytabs through common/creds; klist_text.c prints what it finds as
 * MIT's klist does, klist_json.c as the --json document.
 */
#ifndef KS_KLIST_H
#define KS_KLIST_H

#include <stdbool.h>
#include <krb5.h>

#include "core/context.h"
#include "core/emit.h"

struct klist_opts {
    int ccache, keytab, client_keytab, list, all, etype, version;
    int adtype, flags, status, addresses, numeric, times, keys, config;
    char *min_lifetime;     /* --min-lifetime, as krb5_string_to_deltat */
    krb5_deltat min_life;   /* ... parsed */
    const char *name;
};

/* What one run shares: the options, the clock and the cache being shown. */
struct lister {
    struct ks_context *ctx;
    krb5_context k5;
    const struct klist_opts *o;
    krb5_timestamp now;
    unsigned int width;     /* of one printed time */
    char *defname;          /* default principal of the cache shown */
    krb5_const_principal defprinc;  /* ... the same, parsed */
    char *sname;            /* a server name, its buffer reused per line */
    size_t sname_size;
    /* --json: the document is written to a buffer, and replaced by the
     * error document when the run fails (one document on stdout). */
    struct ks_emit *e;
    bool listing;           /* a walk's begin has opened its listing */
    bool in_collection;     /* -A: errors go into the cache's object */
    bool cache_failed;      /* ... and one is there already */
    krb5_error_code err;    /* the first error outside a collection */
    char *errmsg;           /* ... its message */
};

/* "klist: MESSAGE", the context's message for CODE (with --json kept for
 * the error document, or in -A the cache's "error" member). */
void klist_report_code(struct lister *l, krb5_error_code code);

/* "klist: MESSAGE WHAT" ("... while resolving ccache"), as MIT's com_err
 * hook prints it; otherwise as klist_report_code. */
void klist_report(struct lister *l, krb5_error_code code, const char *what);

/* klist_text.c: MIT's layout. */
void klist_text_keytab_header(struct lister *l);
void klist_text_keytab_entry(struct lister *l, const krb5_keytab_entry *entry,
                             const char *pname);
void klist_text_cache_header(struct lister *l, krb5_ccache cache);
void klist_text_credential(struct lister *l, const krb5_creds *cred);
void klist_text_list_header(void);
void klist_text_list_line(const char *pname, const char *ccname,
                          bool expired);

/* klist_json.c: the members of the --json document. */
void klist_json_keytab_entry(struct lister *l,
                             const krb5_keytab_entry *entry,
                             const char *pname);
void klist_json_cache_name(struct lister *l, const char *key,
                           krb5_ccache cache);
void klist_json_credential(struct lister *l, const krb5_creds *cred);
void klist_json_list_line(struct lister *l, const char *ccname,
                          const char *pname, bool expired);

#endif /* KS_KLIST_H */

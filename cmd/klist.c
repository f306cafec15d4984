/*
 * klist: list a credentials cache, a cache collection or a keytab, line
 * for line as MIT's klist does (same options, output and exit codes).
 * Only libkrb5's ccache and keytab readers are used: listing never talks
 * to a KDC.  Beyond MIT: --json writes the same listing as one JSON
 * document (or the error document), and -s --min-lifetime asks for a
 * ticket that stays valid for a while yet.
 *
 * This file parses the options and walks what is listed (common/creds);
 * klist_text.c and klist_json.c print it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <com_err.h>

#include "cli.h"
#include "creds/ccache.h"
#include "creds/cccol.h"
#include "creds/ccfile.h"
#include "creds/ccstatus.h"
#include "creds/keytab.h"
#include "core/text.h"
#include "klist.h"

static struct klist_opts opts;

/* A flag of MIT's: -LETTER sets opts.FIELD. */
#define KLIST_FLAG(letter, field, help) \
    { NULL, letter, POPT_ARG_NONE, &opts.field, 0, help, NULL }

static struct poptOption klist_options[] = {
    KLIST_FLAG('c', ccache, "list a credentials cache (the default)"),
    KLIST_FLAG('k', keytab, "list a keytab"),
    KLIST_FLAG('i', client_keytab,
               "with -k and no name: the default client keytab"),
    KLIST_FLAG('l', list, "list the caches of the collection"),
    KLIST_FLAG('A', all, "show every cache of the collection"),
    KLIST_FLAG('e', etype, "show encryption types"),
    KLIST_FLAG('V', version, "print the version and exit"),
    KLIST_FLAG('d', adtype, "show authorization data types"),
    KLIST_FLAG('f', flags, "show ticket flags"),
    KLIST_FLAG('s', status,
               "print nothing; exit 0 if the cache holds a current ticket"),
    KLIST_FLAG('a', addresses, "show ticket addresses"),
    KLIST_FLAG('n', numeric, "with -a: numeric addresses, no reverse lookup"),
    KLIST_FLAG('t', times, "with -k: show entry timestamps"),
    KLIST_FLAG('K', keys, "with -k: show the keys themselves"),
    KLIST_FLAG('C', config, "show configuration entries"),
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "write one JSON document on standard output", NULL },
    { "min-lifetime", '\0', POPT_ARG_STRING, &opts.min_lifetime, 0,
      "with -s: the ticket must stay valid this long (e.g. 10m, 1h30m)",
      "DURATION" },
    KS_CLI_KRB4_OPTIONS,
    KS_CLI_TABLE_END
};

/* Options that do not go together, as MIT's usage() rejects them; the
 * first rule broken is the one reported. */
static void
check_combinations(poptContext pc)
{
    bool bad_life = opts.min_lifetime != NULL &&
        (krb5_string_to_deltat(opts.min_lifetime, &opts.min_life) != 0 ||
         opts.min_life < 0);
    const struct {
        bool broken;
        const char *msg;
    } rules[] = {
        { opts.ccache && opts.keytab, "-c and -k cannot be used together" },
        { opts.numeric && !opts.addresses, "-n needs -a" },
        { !opts.keytab && (opts.times || opts.keys), "-t and -K need -k" },
        { !opts.keytab && opts.list && (opts.all || opts.status),
          "-l cannot be used with -A or -s" },
        { opts.keytab && (opts.flags || opts.status || opts.addresses ||
                          opts.all || opts.list),
          "-f, -s, -a, -A and -l are for caches, not keytabs (-k)" },
        { opts.min_lifetime != NULL && !opts.status,
          "--min-lifetime needs -s" },
        { bad_life, "--min-lifetime takes a duration such as 90s, 10m, "
                    "1h30m or 1d" },
    };

    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (rules[i].broken)
            ks_cli_usage_error(pc, 0, rules[i].msg);
    }
}

static void
parse_options(poptContext pc)
{
    const char **args;
    int rc;

    while ((rc = ks_cli_next_option(pc)) > 0) {
        if (rc == '4')
            ks_cli_no_krb4(pc);
    }
    check_combinations(pc);
    args = poptGetArgs(pc);
    if (args != NULL && args[0] != NULL && args[1] != NULL)
        ks_cli_usage_errorf(pc, "extra arguments (starting with \"%s\")",
                            args[1]);
    opts.name = args != NULL ? args[0] : NULL;
}

/* ---- keytabs ------------------------------------------------------------- */

/* The keytab is open for reading: the header, or the JSON array. */
static void
keytab_begin(void *data)
{
    struct lister *l = data;

    if (l->e != NULL)
        ks_emit_begin_array(l->e, "entries");
    else
        klist_text_keytab_header(l);
    l->listing = true;
}

/* After a walk: close the JSON array its begin opened, if it did. */
static void
end_listing(struct lister *l)
{
    if (l->listing && l->e != NULL)
        ks_emit_end(l->e);
    l->listing = false;
}

static krb5_error_code
keytab_entry(void *data, const krb5_keytab_entry *entry, const char *pname)
{
    struct lister *l = data;

    if (l->e != NULL)
        klist_json_keytab_entry(l, entry, pname);
    else
        klist_text_keytab_entry(l, entry, pname);
    return 0;
}

static int
do_keytab(struct lister *l)
{
    struct ks_keytab_visitor v = { keytab_begin, keytab_entry, l };
    krb5_keytab kt = NULL;
    char name[BUFSIZ];
    krb5_error_code ret;

    ret = ks_keytab_open(l->ctx, l->o->name, l->o->client_keytab != 0, &kt);
    if (ret == 0)
        ret = ks_keytab_name(l->ctx, kt, name, sizeof(name));
    if (ret)
        goto cleanup;
    if (l->e != NULL)
        ks_emit_string(l->e, "keytab", name);
    else
        printf("Keytab name: %s\n", name);
    ret = ks_keytab_each(l->ctx, kt, &v);
    end_listing(l);

cleanup:
    if (ret)
        klist_report_code(l, ret);
    if (kt != NULL)
        krb5_kt_close(l->k5, kt);
    return ret ? 1 : 0;
}

/* ---- one cache ----------------------------------------------------------- */

/* The cache is open for reading: the JSON array of its credentials. */
static void
cache_begin(void *data)
{
    struct lister *l = data;

    if (l->e != NULL)
        ks_emit_begin_array(l->e, "credentials");
    l->listing = true;
}

/* One credential; config entries only with -C. */
static krb5_error_code
cache_entry(void *data, const krb5_creds *creds)
{
    struct lister *l = data;

    if (!l->o->config && krb5_is_config_principal(l->k5, creds->server))
        return 0;
    if (l->e != NULL)
        klist_json_credential(l, creds);
    else
        klist_text_credential(l, creds);
    return 0;
}

static int
show_credentials(struct lister *l, krb5_ccache cache)
{
    struct ks_ccache_visitor v = { cache_begin, cache_entry, l };
    unsigned int count = 0;
    krb5_error_code ret;

    ret = ks_ccache_each(l->ctx, cache, &v, &count);
    end_listing(l);
    if (ret) {
        klist_report_code(l, ret);
        return 1;
    }
    ks_trace(l->ctx->trace, "ccache", 0, "read", "%u entries in %s:%s",
             count, krb5_cc_get_type(l->k5, cache),
             krb5_cc_get_name(l->k5, cache));
    return 0;
}

/* Show CACHE as MIT's klist does; 0 if it could be read to the end. */
static int
show_ccache(struct lister *l, krb5_ccache cache)
{
    krb5_principal princ = NULL;
    krb5_error_code ret;
    int status = 1;

    if (l->e != NULL)
        klist_json_cache_name(l, "cache", cache);
    ret = ks_ccfile_check_cache(l->ctx, cache);
    if (ret == 0)
        ret = krb5_cc_get_principal(l->k5, cache, &princ);
    if (ret) {
        klist_report_code(l, ret);
        return 1;
    }
    ret = krb5_unparse_name(l->k5, princ, &l->defname);
    if (ret) {
        klist_report(l, ret, "while unparsing principal name");
        goto cleanup;
    }
    l->defprinc = princ;
    if (l->e != NULL)
        ks_emit_string(l->e, "default_principal", l->defname);
    else
        klist_text_cache_header(l, cache);
    status = show_credentials(l, cache);

cleanup:
    krb5_free_principal(l->k5, princ);
    krb5_free_unparsed_name(l->k5, l->defname);
    l->defname = NULL;
    l->defprinc = NULL;
    return status;
}

/* -s: 0 if CACHE holds a current ticket, by MIT's rule. */
static int
check_ccache(struct lister *l, krb5_ccache cache)
{
    return ks_ccache_current(l->ctx, cache, l->now, l->o->min_life) ? 0 : 1;
}

/* ---- the default cache and collections ----------------------------------- */

/* Check the default cache name before libkrb5 opens anything. */
static int
check_default_name(struct lister *l)
{
    krb5_error_code ret = ks_ccfile_check_default(l->ctx);

    if (ret && !l->o->status)
        klist_report_code(l, ret);
    return ret != 0;
}

static int
do_ccache(struct lister *l)
{
    krb5_ccache cache = NULL;
    krb5_error_code ret;
    int status;

    if (check_default_name(l) != 0)
        return 1;
    ret = krb5_cc_default(l->k5, &cache);
    if (ret) {
        if (!l->o->status)
            klist_report(l, ret, "while resolving ccache");
        return 1;
    }
    status = l->o->status ? check_ccache(l, cache) : show_ccache(l, cache);
    krb5_cc_close(l->k5, cache);
    return status;
}

/* A walk over the collection, for -l and -A. */
struct member_walk {
    struct lister *l;
    int status;             /* 0 once one cache was listed or is current */
    bool first;
};

/* -l and -A: the JSON array of caches, or -l's header. */
static void
collection_begin(void *data)
{
    struct member_walk *w = data;

    if (w->l->e != NULL)
        ks_emit_begin_array(w->l->e, "caches");
    else if (w->l->o->list)
        klist_text_list_header();
}

/* One line of -l; an uninitialised or unreadable cache is left out, as
 * MIT does. */
static bool
list_one(void *data, krb5_ccache *cache)
{
    struct member_walk *w = data;
    struct lister *l = w->l;
    char *pname = NULL, *ccname = NULL;
    bool expired;

    if (ks_cccol_names(l->ctx, *cache, &ccname, &pname) != 0)
        return false;
    expired = check_ccache(l, *cache) != 0;
    if (l->e != NULL)
        klist_json_list_line(l, ccname, pname, expired);
    else
        klist_text_list_line(pname, ccname, expired);
    w->status = 0;
    krb5_free_unparsed_name(l->k5, pname);
    krb5_free_string(l->k5, ccname);
    return false;
}

/* One cache of -A (a blank line between two); in JSON an object of the
 * "caches" array, which holds the cache's error when it could not be
 * read. */
static bool
show_one(void *data, krb5_ccache *cache)
{
    struct member_walk *w = data;
    struct lister *l = w->l;
    int st;

    if (l->o->status) {
        st = check_ccache(l, *cache);
    } else if (l->e == NULL) {
        if (!w->first)
            putchar('\n');
        st = show_ccache(l, *cache);
    } else {
        ks_emit_begin_object(l->e, NULL);
        l->in_collection = true;
        l->cache_failed = false;
        st = show_ccache(l, *cache);
        l->in_collection = false;
        ks_emit_end(l->e);
    }
    w->first = false;
    if (st == 0)
        w->status = 0;
    return false;
}

/* -l or -A: 0 if at least one cache was listed (or, with -s, is
 * current). */
static int
walk_collection(struct lister *l, bool (*fn)(void *, krb5_ccache *))
{
    struct member_walk mw = { l, 1, true };
    struct ks_cccol_walk w = { collection_begin, fn, &mw, 0 };
    krb5_error_code ret;

    if (check_default_name(l) != 0)
        return 1;
    ret = ks_cccol_each(l->ctx, &w);
    if (ret) {
        if (!l->o->status)
            klist_report(l, ret, "while listing ccache collection");
        return 1;
    }
    if (l->e != NULL)
        ks_emit_end(l->e);
    return mw.status;
}

/* ---- main ---------------------------------------------------------------- */

static int
run(struct lister *l)
{
    krb5_error_code ret;

    /* As MIT: a name outside -k becomes the default cache, so that -l and
     * -A list its collection. */
    ret = ks_ccfile_set_default(l->ctx, l->o->keytab ? NULL : l->o->name);
    if (ret) {
        klist_report(l, ret, "while setting default cache name");
        return 1;
    }
    if (l->o->list)
        return walk_collection(l, list_one);
    if (l->o->all)
        return walk_collection(l, show_one);
    if (l->o->keytab)
        return do_keytab(l);
    return do_ccache(l);
}

/* --json: the listing, or the error document in its place. */
static int
run_json(struct lister *l)
{
    struct ks_cli_doc doc;
    int status;

    if (ks_cli_doc_begin(&doc) != 0) {
        ks_cli_report(l->ctx, ENOMEM);
        return KS_EXIT_FAILURE;
    }
    l->e = doc.e;
    status = run(l);
    l->e = NULL;
    ks_cli_doc_end(l->ctx, &doc, l->err, l->errmsg);
    free(l->errmsg);
    return status;
}

int
main(int argc, char **argv)
{
    struct lister l = { 0 };
    poptContext pc;
    int status;

    pc = ks_cli_popt("klist", "list Kerberos credentials caches and keytabs",
                     argc, (const char **)argv, klist_options,
                     "[OPTION...] [name]");
    ks_cli.usage_exit = KS_EXIT_FAILURE;    /* MIT's klist exits 1 here */
    ks_cli.no_config = true;                /* nothing of ours to read */
    parse_options(pc);
    if (opts.version) {
        ks_cli_print_version();
        poptFreeContext(pc);
        return ks_cli_finish_output(KS_EXIT_OK);
    }
    l.o = &opts;
    l.now = (krb5_timestamp)(uint32_t)time(NULL);
    /* -s writes no time: no strftime for the width of one. */
    l.width = opts.status ? 0 : ks_text_local_width(l.now);
    l.ctx = ks_cli_context();
    if (l.ctx == NULL) {
        poptFreeContext(pc);
        return KS_EXIT_FAILURE;
    }
    l.k5 = l.ctx->k5;
    /* -s prints nothing, in JSON as in text. */
    if (ks_cli.json && !opts.status)
        status = ks_cli_finish_output(run_json(&l));
    else
        status = ks_cli_finish_output(run(&l));
    free(l.sname);
    ks_context_free(l.ctx);
    free(opts.min_lifetime);
    poptFreeContext(pc);
    return status;
}

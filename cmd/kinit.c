/*
 * kinit: obtain a ticket-granting ticket with a password or a keytab and
 * store it in a credentials cache, as MIT's kinit does (same options, -V
 * lines and exit codes), with kstep's own AS exchange.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "as.h"
#include "ccache.h"
#include "cli.h"
#include "errors.h"

struct kinit_opts {
    int verbose;
    char *lifetime, *start, *renew;
    int forwardable, noforwardable, proxiable, noproxiable;
    int addresses, noaddresses, canonicalize, enterprise;
    int use_keytab, client_keytab;
    char *keytab_name, *cache_name, *service_name, *password_file;
    int request_pac, no_request_pac;
    /* Accepted, not supported yet. */
    int renew_flag, validate, anonymous;
    char *armor_cache, *attribute, *input_cache;
    char *principal;
};

/* What the options asked for, parsed. */
struct kinit_run {
    struct ks_context *ctx;
    const struct kinit_opts *o;
    krb5_deltat lifetime, renew, start;
    krb5_principal me;
    char *me_name;
    krb5_principal server;
    krb5_ccache cc;
    bool switch_to;                 /* a collection: make CC primary */
    krb5_keytab keytab;
    krb5_creds *creds;
};

static struct kinit_opts o;

static struct poptOption options[] = {
    { NULL, 'V', POPT_ARG_NONE, &o.verbose, 0,
      "verbose: name the cache, principal and keytab used", NULL },
    { NULL, 'l', POPT_ARG_STRING, &o.lifetime, 0,
      "ticket lifetime (10h, 1d2h, 3600, 1:30:00)", "LIFETIME" },
    { NULL, 's', POPT_ARG_STRING, &o.start, 0,
      "postdate the ticket: start after a duration or at a time",
      "START" },
    { NULL, 'r', POPT_ARG_STRING, &o.renew, 0,
      "ask for a renewable ticket with this renewable life", "RENEW" },
    { "forwardable", 'f', POPT_ARG_NONE, &o.forwardable, 0,
      "ask for a forwardable ticket", NULL },
    { "noforwardable", 'F', POPT_ARG_NONE, &o.noforwardable, 0,
      "ask for a ticket that is not forwardable", NULL },
    { "proxiable", 'p', POPT_ARG_NONE, &o.proxiable, 0,
      "ask for a proxiable ticket", NULL },
    { "noproxiable", 'P', POPT_ARG_NONE, &o.noproxiable, 0,
      "ask for a ticket that is not proxiable", NULL },
    { "addresses", 'a', POPT_ARG_NONE, &o.addresses, 0,
      "ask for a ticket bound to this host's addresses", NULL },
    { "noaddresses", 'A', POPT_ARG_NONE, &o.noaddresses, 0,
      "ask for an addressless ticket", NULL },
    { "canonicalize", 'C', POPT_ARG_NONE, &o.canonicalize, 0,
      "let the KDC canonicalize the client name", NULL },
    { "enterprise", 'E', POPT_ARG_NONE, &o.enterprise, 0,
      "the principal is an enterprise name (implies -C)", NULL },
    { NULL, 'k', POPT_ARG_NONE, &o.use_keytab, 0,
      "use a key from a keytab instead of a password", NULL },
    { NULL, 't', POPT_ARG_STRING, &o.keytab_name, 0,
      "the keytab to use (implies -k)", "KEYTAB" },
    { NULL, 'i', POPT_ARG_NONE, &o.client_keytab, 0,
      "with -k: use the default client keytab", NULL },
    { NULL, 'c', POPT_ARG_STRING, &o.cache_name, 0,
      "the credentials cache to store the ticket in", "CACHE" },
    { NULL, 'S', POPT_ARG_STRING, &o.service_name, 0,
      "ask for a ticket for this service instead of krbtgt", "SERVICE" },
    { "request-pac", '\0', POPT_ARG_NONE, &o.request_pac, 0,
      "ask the KDC to include a PAC", NULL },
    { "no-request-pac", '\0', POPT_ARG_NONE, &o.no_request_pac, 0,
      "ask the KDC not to include a PAC", NULL },
    { "password-file", '\0', POPT_ARG_STRING, &o.password_file, 0,
      "read the password from FILE ('-' for stdin)", "FILE" },
    { NULL, 'R', POPT_ARG_NONE, &o.renew_flag, 0,
      "renew the ticket (not supported yet)", NULL },
    { NULL, 'v', POPT_ARG_NONE, &o.validate, 0,
      "validate a postdated ticket (not supported yet)", NULL },
    { NULL, 'n', POPT_ARG_NONE, &o.anonymous, 0,
      "anonymous (not supported yet)", NULL },
    { NULL, 'T', POPT_ARG_STRING, &o.armor_cache, 0,
      "FAST armor cache (not supported yet)", "ARMOR_CACHE" },
    { NULL, 'X', POPT_ARG_STRING, &o.attribute, 0,
      "pre-authentication attribute (not supported yet)",
      "ATTR[=VALUE]" },
    { NULL, 'I', POPT_ARG_STRING, &o.input_cache, 0,
      "input credentials cache (not supported yet)", "INPUT_CACHE" },
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
      "Common options:", NULL },
    POPT_AUTOHELP
    POPT_TABLEEND
};

static void
free_opts(void)
{
    free(o.lifetime);
    free(o.start);
    free(o.renew);
    free(o.keytab_name);
    free(o.cache_name);
    free(o.service_name);
    free(o.password_file);
    free(o.armor_cache);
    free(o.attribute);
    free(o.input_cache);
    free(o.principal);
}

/* -R, -v, -n, -T, -X, -I: accepted for MIT compatibility, one line. */
static void
refuse_unsupported(void)
{
    static const struct {
        char letter;
        const char *what;
    } todo[] = {
        { 'R', "renew" }, { 'v', "validate" }, { 'n', "anonymous" },
        { 'T', "armor cache" }, { 'X', "preauth attributes" },
        { 'I', "input cache" },
    };
    const bool given[] = {
        o.renew_flag, o.validate, o.anonymous, o.armor_cache != NULL,
        o.attribute != NULL, o.input_cache != NULL,
    };

    for (size_t i = 0; i < sizeof(todo) / sizeof(todo[0]); i++) {
        if (given[i]) {
            ks_cli_error("-%c (%s) is not supported yet", todo[i].letter,
                         todo[i].what);
            free_opts();
            exit(KS_EXIT_FAILURE);
        }
    }
}

static bool
parse_duration(const char *text, krb5_deltat *out)
{
    return krb5_string_to_deltat((char *)text, out) == 0 && *out > 0;
}

/* -s: a duration from now, or an absolute time (MIT's rules). */
static bool
parse_start(const char *text, krb5_deltat *out)
{
    krb5_timestamp abs = 0;

    if (parse_duration(text, out))
        return true;
    if (krb5_string_to_timestamp((char *)text, &abs) != 0 || abs == 0)
        return false;
    *out = (krb5_deltat)((unsigned long)abs - (unsigned long)time(NULL));
    return true;
}

static void
check_usage(poptContext pc, struct kinit_run *run)
{
    char msg[256];

    if (o.forwardable && o.noforwardable)
        ks_cli_usage_error(pc, 0, "only one of -f and -F allowed");
    if (o.proxiable && o.noproxiable)
        ks_cli_usage_error(pc, 0, "only one of -p and -P allowed");
    if (o.addresses && o.noaddresses)
        ks_cli_usage_error(pc, 0, "only one of -a and -A allowed");
    if (o.request_pac && o.no_request_pac)
        ks_cli_usage_error(pc, 0, "only one of --request-pac and "
                           "--no-request-pac allowed");
    if (o.client_keytab && o.keytab_name != NULL)
        ks_cli_usage_error(pc, 0, "only one of -i and -t allowed");
    msg[0] = '\0';
    if (o.lifetime != NULL && !parse_duration(o.lifetime, &run->lifetime))
        snprintf(msg, sizeof(msg), "bad lifetime value '%s'", o.lifetime);
    else if (o.renew != NULL && !parse_duration(o.renew, &run->renew))
        snprintf(msg, sizeof(msg), "bad renewable lifetime value '%s'",
                 o.renew);
    else if (o.start != NULL && !parse_start(o.start, &run->start))
        snprintf(msg, sizeof(msg), "bad start time value '%s'", o.start);
    if (msg[0] != '\0')
        ks_cli_usage_error(pc, 0, msg);
}

static void
parse_command_line(int argc, const char **argv, struct kinit_run *run)
{
    poptContext pc;
    const char *extra;
    char msg[256];
    int rc;

    pc = ks_cli_popt("kinit", "obtain and cache a Kerberos ticket-granting "
                     "ticket", argc, argv, options, "[principal]");
    while ((rc = poptGetNextOpt(pc)) > 0)
        ;
    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    if (poptPeekArg(pc) != NULL)
        o.principal = strdup(poptGetArg(pc));
    extra = poptGetArg(pc);
    if (extra != NULL) {
        snprintf(msg, sizeof(msg), "extra arguments (starting with '%s')",
                 extra);
        ks_cli_usage_error(pc, 0, msg);
    }
    check_usage(pc, run);
    poptFreeContext(pc);
    refuse_unsupported();
    if (o.keytab_name != NULL && !o.use_keytab) {
        /* As MIT's kinit. */
        fprintf(stderr, "keytab specified, forcing -k\n");
        o.use_keytab = 1;
    }
}

static krb5_error_code
open_keytab(struct kinit_run *run)
{
    struct ks_context *ctx = run->ctx;
    krb5_error_code ret;

    if (!o.use_keytab)
        return 0;
    if (o.keytab_name != NULL)
        ret = krb5_kt_resolve(ctx->k5, o.keytab_name, &run->keytab);
    else if (o.client_keytab)
        ret = krb5_kt_client_default(ctx->k5, &run->keytab);
    else
        ret = krb5_kt_default(ctx->k5, &run->keytab);
    if (ret)
        return ks_error_set(ctx, ret, "resolving the keytab %s",
                            o.keytab_name != NULL ? o.keytab_name
                                                  : "(default)");
    return 0;
}

/* Login name at the default realm, as MIT's kinit. */
static krb5_error_code
login_principal(struct kinit_run *run)
{
    struct passwd *pw = getpwuid(getuid());

    if (pw == NULL)
        return ks_error_set(run->ctx, KRB5_CC_NOTFOUND,
                            "unable to identify user");
    return krb5_parse_name(run->ctx->k5, pw->pw_name, &run->me);
}

static krb5_error_code
choose_principal(struct kinit_run *run, krb5_ccache defcache)
{
    struct ks_context *ctx = run->ctx;
    int flags = o.enterprise ? KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0;
    krb5_error_code ret;

    if (o.principal != NULL) {
        ret = krb5_parse_name_flags(ctx->k5, o.principal, flags, &run->me);
        if (ret)
            return ks_error_set(ctx, ret, "parsing the principal name '%s'",
                                o.principal);
    } else if (o.use_keytab) {
        ret = krb5_sname_to_principal(ctx->k5, NULL, "host",
                                      KRB5_NT_SRV_HST, &run->me);
        if (ret)
            return ks_error_set(ctx, ret, "making the default host "
                                "principal name");
    } else if (krb5_cc_get_principal(ctx->k5, defcache, &run->me) != 0) {
        ret = login_principal(run);
        if (ret)
            return ret;
    }
    return krb5_unparse_name(ctx->k5, run->me, &run->me_name);
}

/*
 * Without -c, a collection (DIR, KEYRING, KCM) gets the cache already
 * holding the principal, or a new one if the primary cache holds another
 * principal (MIT 1.20's rules).
 */
static krb5_error_code
choose_in_collection(struct kinit_run *run, krb5_ccache defcache)
{
    krb5_context k5 = run->ctx->k5;
    krb5_principal defprinc = NULL;
    const char *type = krb5_cc_get_type(k5, defcache);
    krb5_error_code ret;

    if (o.principal == NULL || !krb5_cc_support_switch(k5, type))
        return 0;
    if (krb5_cc_cache_match(k5, run->me, &run->cc) == 0) {
        if (o.verbose)
            fprintf(stderr, "Using existing cache: %s\n",
                    krb5_cc_get_name(k5, run->cc));
        run->switch_to = true;
        return 0;
    }
    if (krb5_cc_get_principal(k5, defcache, &defprinc) != 0)
        return 0;       /* the primary cache is empty: use it */
    krb5_free_principal(k5, defprinc);
    ret = krb5_cc_new_unique(k5, type, NULL, &run->cc);
    if (ret)
        return ks_error_set(run->ctx, ret, "creating a new cache in the "
                            "collection");
    if (o.verbose)
        fprintf(stderr, "Using new cache: %s\n",
                krb5_cc_get_name(k5, run->cc));
    run->switch_to = true;
    return 0;
}

static krb5_error_code
choose_cache(struct kinit_run *run)
{
    struct ks_context *ctx = run->ctx;
    krb5_ccache defcache = NULL;
    krb5_error_code ret;

    if (o.cache_name != NULL) {
        ret = ks_ccache_resolve(ctx, o.cache_name, &run->cc);
        if (!ret && o.verbose)
            fprintf(stderr, "Using specified cache: %s\n", o.cache_name);
        if (!ret)
            ret = choose_principal(run, run->cc);
        return ret;
    }
    ret = ks_ccache_resolve(ctx, NULL, &defcache);
    if (ret)
        return ret;
    ret = choose_principal(run, defcache);
    if (!ret)
        ret = choose_in_collection(run, defcache);
    if (!ret && run->cc == NULL) {
        if (o.verbose)
            fprintf(stderr, "Using default cache: %s\n",
                    krb5_cc_get_name(ctx->k5, defcache));
        run->cc = defcache;
        defcache = NULL;
    }
    if (defcache != NULL)
        krb5_cc_close(ctx->k5, defcache);
    return ret;
}

static krb5_error_code
parse_service(struct kinit_run *run)
{
    krb5_error_code ret;

    if (o.service_name == NULL)
        return 0;
    ret = krb5_parse_name(run->ctx->k5, o.service_name, &run->server);
    if (ret)
        return ks_error_set(run->ctx, ret, "parsing the service name '%s'",
                            o.service_name);
    return 0;
}

static int
tristate(int yes, int no)
{
    return yes ? 1 : no ? 0 : -1;
}

static krb5_error_code
get_creds(struct kinit_run *run)
{
    struct ks_password_source src = { o.password_file };
    struct ks_as_options opts = { 0 };
    struct ks_as_keys keys = { 0 };
    krb5_error_code ret;

    opts.client = run->me;
    opts.server = run->server;
    opts.lifetime = run->lifetime;
    opts.renew_lifetime = o.renew != NULL ? run->renew : -1;
    opts.start_delay = run->start;
    opts.forwardable = tristate(o.forwardable, o.noforwardable);
    opts.proxiable = tristate(o.proxiable, o.noproxiable);
    opts.addresses = tristate(o.addresses, o.noaddresses);
    opts.request_pac = tristate(o.request_pac, o.no_request_pac);
    opts.canonicalize = o.canonicalize || o.enterprise;
    if (run->keytab != NULL) {
        keys.keytab = run->keytab;
    } else {
        keys.password = ks_cli_read_password;
        keys.password_data = &src;
    }
    ret = ks_as_get_creds(run->ctx, &opts, &keys, &run->creds);
    if (ret)
        ks_error_prefix(run->ctx, ret, "getting initial credentials for %s",
                        run->me_name);
    return ret;
}

static krb5_error_code
kinit(struct kinit_run *run)
{
    krb5_context k5 = run->ctx->k5;
    krb5_creds *list[2] = { NULL, NULL };
    krb5_error_code ret;

    ret = open_keytab(run);
    if (!ret)
        ret = choose_cache(run);
    if (!ret)
        ret = parse_service(run);
    if (ret)
        return ret;
    if (o.verbose) {
        fprintf(stderr, "Using principal: %s\n", run->me_name);
        if (o.keytab_name != NULL)
            fprintf(stderr, "Using keytab: %s\n", o.keytab_name);
    }
    ret = get_creds(run);
    if (ret)
        return ret;
    list[0] = run->creds;
    ret = ks_ccache_replace(run->ctx, run->cc, run->creds->client, list);
    if (ret)
        return ret;
    if (run->switch_to)
        krb5_cc_switch(k5, run->cc);
    if (o.verbose)
        fprintf(stderr, "Authenticated to Kerberos v5\n");
    return 0;
}

static void
run_free(struct kinit_run *run)
{
    krb5_context k5 = run->ctx->k5;

    krb5_free_creds(k5, run->creds);
    if (run->keytab != NULL)
        krb5_kt_close(k5, run->keytab);
    if (run->cc != NULL)
        krb5_cc_close(k5, run->cc);
    krb5_free_principal(k5, run->server);
    krb5_free_unparsed_name(k5, run->me_name);
    krb5_free_principal(k5, run->me);
}

int
main(int argc, const char **argv)
{
    struct kinit_run run = { 0 };
    krb5_error_code ret;

    parse_command_line(argc, argv, &run);
    run.o = &o;
    run.ctx = ks_cli_context();
    if (run.ctx == NULL) {
        free_opts();
        return KS_EXIT_FAILURE;
    }
    ret = kinit(&run);
    if (ret)
        ks_cli_report(run.ctx, ret);
    run_free(&run);
    ks_context_free(run.ctx);
    free_opts();
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

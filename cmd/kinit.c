/*
 * kinit: obtain a ticket-granting ticket with a password or a keytab and
 * store it in a credentials cache, as MIT's kinit does (same options, -V
 * lines and exit codes), with kstep's own AS exchange.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange/anonymous.h"
#include "exchange/as.h"
#include "creds/ccache.h"
#include "cli.h"
#include "core/emit.h"
#include "core/errors.h"
#include "exchange/fast.h"
#include "exchange/kpasswd.h"
#include "exchange/renew.h"

struct kinit_opts {
    int verbose;
    char *lifetime, *start, *renew;
    int forwardable, noforwardable, proxiable, noproxiable;
    int addresses, noaddresses, canonicalize, enterprise;
    int use_keytab, client_keytab;
    char *keytab_name, *cache_name, *service_name, *password_file;
    int request_pac, no_request_pac;
    int action;                     /* 0, or the last of -R and -v (MIT) */
    /* Accepted, not supported yet. */
    int anonymous;
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
    struct ks_send_result sent;     /* the KDC that answered (--json) */
    bool fast_avail;                /* the KDC advertised FAST */
    struct ks_as_notes notes;       /* what to warn about */
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
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "print what was obtained as one JSON document (errors too)", NULL },
    { NULL, 'R', POPT_ARG_VAL, &o.action, 'R',
      "renew the cached ticket-granting ticket (or -S SERVICE's ticket)",
      NULL },
    { NULL, 'v', POPT_ARG_VAL, &o.action, 'v',
      "validate the cached postdated ticket (or -S SERVICE's ticket)",
      NULL },
    { NULL, 'n', POPT_ARG_NONE, &o.anonymous, 0,
      "anonymous ticket (needs PKINIT, which kstep lacks: reports what "
      "the KDC offers)", NULL },
    { NULL, 'T', POPT_ARG_STRING, &o.armor_cache, 0,
      "armor the exchange with FAST (RFC 6113), using the TGT in "
      "ARMOR_CACHE", "ARMOR_CACHE" },
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

/* -X, -I: accepted for MIT compatibility, one line. */
static void
refuse_unsupported(void)
{
    static const struct {
        char letter;
        const char *what;
    } todo[] = {
        { 'X', "preauth attributes" },
        { 'I', "input cache" },
    };
    const bool given[] = {
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
    /* Renewing and validating use the cache, never a keytab. */
    if (o.action != 0)
        o.use_keytab = 0;
    else if (o.keytab_name != NULL && !o.use_keytab) {
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

/*
 * -n: WELLKNOWN/ANONYMOUS of the default realm, or of REALM for "@REALM";
 * another name is MIT's partial anonymity (that client, anonymous flag).
 */
static krb5_error_code
anonymous_principal(struct kinit_run *run)
{
    krb5_context k5 = run->ctx->k5;
    krb5_principal given = NULL;
    char *realm = NULL;
    krb5_error_code ret;

    if (o.principal != NULL) {
        ret = krb5_parse_name(k5, o.principal, &given);
        if (ret)
            return ks_error_set(run->ctx, ret, "parsing the principal name "
                                "'%s'", o.principal);
        if (given->length > 1 ||
            (given->length == 1 && given->data[0].length > 0)) {
            run->me = given;
            return krb5_unparse_name(k5, run->me, &run->me_name);
        }
        realm = strndup(given->realm.data, given->realm.length);
        krb5_free_principal(k5, given);
        ret = realm == NULL ? ENOMEM : 0;
    } else {
        ret = krb5_get_default_realm(k5, &realm);
    }
    if (!ret)
        ret = krb5_build_principal_ext(k5, &run->me, (unsigned int)
                                       strlen(realm), realm,
                                       (unsigned int)strlen(
                                           KRB5_WELLKNOWN_NAMESTR),
                                       KRB5_WELLKNOWN_NAMESTR,
                                       (unsigned int)strlen(
                                           KRB5_ANONYMOUS_PRINCSTR),
                                       KRB5_ANONYMOUS_PRINCSTR, 0);
    free(realm);
    if (ret)
        return ks_error_set(run->ctx, ret, "making the anonymous principal");
    return krb5_unparse_name(k5, run->me, &run->me_name);
}

static krb5_error_code
choose_principal(struct kinit_run *run, krb5_ccache defcache)
{
    struct ks_context *ctx = run->ctx;
    int flags = o.enterprise ? KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0;
    krb5_error_code ret;

    if (o.anonymous)
        return anonymous_principal(run);
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

/*
 * The password source of the AS exchanges.  It keeps what was typed, so
 * that an expired password is asked for once even when the KDC says so
 * only after pre-authentication (AD, Heimdal), and then gives the new one.
 */
struct kinit_password {
    struct ks_password_source *src;
    char *typed;                    /* NULL until read; zeroed when freed */
    const char *changed;            /* the new password, once changed */
};

#define KINIT_PASSWORD_MAX 1024

static krb5_error_code
kinit_password(void *data, const char *prompt, char *buf, size_t buflen)
{
    struct kinit_password *pw = data;
    const char *have = pw->changed != NULL ? pw->changed : pw->typed;
    krb5_error_code ret;

    if (have != NULL) {
        if (strlen(have) >= buflen)
            return KRB5_LIBOS_CANTREADPWD;
        memcpy(buf, have, strlen(have) + 1);
        return 0;
    }
    ret = ks_cli_read_password(pw->src, prompt, buf, buflen);
    if (!ret)
        pw->typed = strdup(buf);    /* NULL: asked again if needed */
    return ret;
}

static void
kinit_password_free(struct kinit_password *pw)
{
    if (pw->typed != NULL) {
        explicit_bzero(pw->typed, strlen(pw->typed));
        free(pw->typed);
    }
    pw->typed = NULL;
}

/*
 * MIT's banner and prompts.  The new password comes from the terminal (or
 * stdin when it is not one); after --password-file - from the next lines of
 * stdin.  A mismatch or an empty password ends here: nothing is changed.
 */
static krb5_error_code
read_new_password(struct kinit_run *run, char *newpw, char *again,
                  size_t len)
{
    struct ks_password_source src = { NULL };
    krb5_context k5 = run->ctx->k5;
    krb5_error_code ret;

    if (o.password_file != NULL && strcmp(o.password_file, "-") == 0)
        src.file = "-";
    fputs("Password expired.  You must change it now.\n",
          ks_cli.json ? stderr : stdout);
    fflush(ks_cli.json ? stderr : stdout);
    ret = ks_cli_read_password(&src, "Enter new password: ", newpw, len);
    if (!ret)
        ret = ks_cli_read_password(&src, "Enter it again: ", again, len);
    if (ret)
        return ks_error_set(run->ctx, ret, "reading the new password");
    if (strcmp(newpw, again) != 0) {
        krb5_set_error_message(k5, KRB5_LIBOS_BADPWDMATCH, "Password "
                               "mismatch: the new password and its "
                               "confirmation differ; the password was not "
                               "changed");
        return KRB5_LIBOS_BADPWDMATCH;
    }
    if (newpw[0] == '\0') {
        krb5_set_error_message(k5, KRB5_CHPW_PWDNULL, "New password cannot "
                               "be zero length; the password was not "
                               "changed");
        return KRB5_CHPW_PWDNULL;
    }
    return 0;
}

/* A short ticket for kadmin/changepw with the old password (MIT: 5 min,
 * not renewable, forwardable or proxiable); the KDC issues it even though
 * the password has expired. */
static krb5_error_code
changepw_creds(struct kinit_run *run, const struct ks_as_options *opts,
               const struct ks_as_keys *keys, krb5_creds **creds_out)
{
    krb5_context k5 = run->ctx->k5;
    const krb5_data *realm = &run->me->realm;
    struct ks_as_options cpw = *opts;
    krb5_principal server = NULL;
    krb5_error_code ret;

    ret = krb5_build_principal_ext(k5, &server, realm->length, realm->data,
                                   6, "kadmin", 8, "changepw", 0);
    if (ret)
        return ret;
    cpw.server = server;
    cpw.lifetime = 5 * 60;
    cpw.renew_lifetime = 0;
    cpw.start_delay = 0;
    cpw.forwardable = cpw.proxiable = 0;
    cpw.sent = NULL;
    cpw.fast_avail = NULL;
    ret = ks_as_get_creds(run->ctx, &cpw, keys, creds_out);
    if (ret)
        ks_error_prefix(run->ctx, ret, "getting a kadmin/changepw ticket");
    krb5_free_principal(k5, server);
    return ret;
}

/*
 * KDC_ERR_KEY_EXP: change the password with kpasswd, then run the AS
 * exchange of OPTS again with the new password (MIT's kinit does the same).
 */
static krb5_error_code
change_expired_password(struct kinit_run *run,
                        const struct ks_as_options *opts,
                        const struct ks_as_keys *keys,
                        struct kinit_password *pw)
{
    krb5_creds *cpw = NULL;
    char *newpw = calloc(1, KINIT_PASSWORD_MAX);
    char *again = calloc(1, KINIT_PASSWORD_MAX);
    krb5_error_code ret = newpw != NULL && again != NULL ? 0 : ENOMEM;

    ks_trace(run->ctx->trace, "AS request", 0, "key-expired",
             "the password of %s has expired: changing it with kpasswd",
             run->me_name);
    if (!ret)
        ret = changepw_creds(run, opts, keys, &cpw);
    if (!ret)
        ret = read_new_password(run, newpw, again, KINIT_PASSWORD_MAX);
    if (!ret) {
        ret = ks_kpasswd_change(run->ctx, cpw, newpw);
        if (ret)
            ks_error_prefix(run->ctx, ret, "changing it");
    }
    if (ret) {
        ks_error_prefix(run->ctx, ret, "the password has expired");
    } else {
        pw->changed = newpw;
        ret = ks_as_get_creds(run->ctx, opts, keys, &run->creds);
        pw->changed = NULL;
        if (ret)
            ks_error_prefix(run->ctx, ret, "the password was changed, but "
                            "with the new one");
    }
    krb5_free_creds(run->ctx->k5, cpw);
    if (newpw != NULL)
        explicit_bzero(newpw, KINIT_PASSWORD_MAX);
    if (again != NULL)
        explicit_bzero(again, KINIT_PASSWORD_MAX);
    free(newpw);
    free(again);
    return ret;
}

static krb5_error_code
get_creds(struct kinit_run *run)
{
    struct ks_password_source src = { o.password_file };
    struct kinit_password pw = { &src, NULL, NULL };
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
    opts.canonicalize = o.canonicalize;
    opts.sent = &run->sent;
    opts.fast_avail = &run->fast_avail;
    opts.notes = &run->notes;
    if (run->keytab != NULL) {
        keys.keytab = run->keytab;
    } else {
        keys.password = kinit_password;
        keys.password_data = &pw;
    }
    /* -T: MIT's armor cache name; it must hold a TGT of the realm. */
    ret = o.armor_cache == NULL ? 0 :
        ks_ccache_resolve(run->ctx, o.armor_cache, &opts.armor_ccache);
    if (!ret)
        ret = ks_as_get_creds(run->ctx, &opts, &keys, &run->creds);
    if (ret == KRB5KDC_ERR_KEY_EXP && keys.password != NULL)
        ret = change_expired_password(run, &opts, &keys, &pw);
    kinit_password_free(&pw);
    if (opts.armor_ccache != NULL)
        krb5_cc_close(run->ctx->k5, opts.armor_ccache);
    if (ret)
        ks_error_prefix(run->ctx, ret, "getting initial credentials for %s",
                        run->me_name);
    return ret;
}

/* The ticket's times as kinit(1) documents them under JSON OUTPUT. */
static void
emit_times(struct ks_emit *e, const krb5_ticket_times *t)
{
    ks_emit_begin_object(e, "times");
    ks_emit_time(e, "auth", t->authtime);
    ks_emit_time(e, "start", t->starttime != 0 ? t->starttime : t->authtime);
    ks_emit_time(e, "end", t->endtime);
    if (t->renew_till != 0)
        ks_emit_time(e, "renew_until", t->renew_till);
    else
        ks_emit_null(e, "renew_until");
    ks_emit_end(e);
}

/*
 * --json: the document, rendered into *DOC_OUT before the cache is
 * touched so that nothing can fail after it was stored.  No keys in it.
 */
static krb5_error_code
render_json(struct kinit_run *run, char **doc_out)
{
    krb5_context k5 = run->ctx->k5;
    const krb5_creds *c = run->creds;
    struct ks_emit *e = NULL;
    krb5_ticket *t = NULL;
    char *cache = NULL, *doc = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    krb5_error_code ret;

    ret = krb5_decode_ticket(&c->ticket, &t);
    if (ret) {
        ks_error_set(run->ctx, ret, "decoding the ticket");
        goto cleanup;
    }
    ret = ks_ccache_full_name(run->ctx, run->cc, &cache);
    if (ret)
        goto cleanup;
    mem = open_memstream(&doc, &len);
    if (mem == NULL || ks_emit_new(mem, KS_EMIT_JSON, false, &e) != 0) {
        ret = ENOMEM;
        goto cleanup;
    }
    ks_emit_string(e, "cache", cache);
    ks_emit_principal(e, "client", k5, c->client);
    ks_emit_principal(e, "server", k5, c->server);
    emit_times(e, &c->times);
    ks_emit_ticket_flags(e, "flags", (krb5_flags)c->ticket_flags);
    ks_emit_enctype_named(e, "session_key_enctype", c->keyblock.enctype);
    ks_emit_enctype_named(e, "ticket_enctype", t->enc_part.enctype);
    if (run->notes.password_expires != 0)
        ks_emit_time(e, "password_expires", run->notes.password_expires);
    else
        ks_emit_null(e, "password_expires");
    if (run->sent.kdc[0] != '\0') {
        ks_emit_string(e, "kdc", run->sent.kdc);
        ks_emit_string(e, "transport", ks_transport_name(run->sent.used));
    } else {
        ks_emit_null(e, "kdc");         /* no AS exchange (-R, -v) */
        ks_emit_null(e, "transport");
    }
    ks_emit_finish(e);
    if (fclose(mem) != 0) {
        mem = NULL;
        ret = ENOMEM;
        goto cleanup;
    }
    mem = NULL;
    *doc_out = doc;
    doc = NULL;

cleanup:
    if (mem != NULL)
        fclose(mem);
    free(doc);
    krb5_free_string(k5, cache);
    krb5_free_ticket(k5, t);
    return ret;
}

/* MIT's warnings of a deprecated key enctype and of a password that
 * expires soon, on stdout as MIT's prompter writes them; with a keytab
 * MIT has no prompter and says nothing (AD names an expiry in every
 * reply). */
static void
warn_notes(const struct kinit_run *run)
{
    char msg[256];

    if (run->keytab != NULL)
        return;

    ks_as_enctype_warning(&run->notes, msg, sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
    ks_as_expiry_warning(&run->notes, (krb5_timestamp)time(NULL), msg,
                         sizeof(msg));
    if (msg[0] != '\0')
        printf("%s\n", msg);
}

/*
 * Store the new credentials (the cache replaced atomically, with CLIENT as
 * its principal) and, with --json, print the document rendered before the
 * cache was touched.
 */
static krb5_error_code
store_and_print(struct kinit_run *run, krb5_principal client)
{
    krb5_creds *list[2] = { run->creds, NULL };
    char *doc = NULL;
    krb5_error_code ret;

    if (ks_cli.json) {
        ret = render_json(run, &doc);
        if (ret)
            return ret;
    }
    ret = ks_ccache_replace(run->ctx, run->cc, client, list);
    /* As MIT: a KDC that advertised FAST gets FAST TGS requests later. */
    if (!ret && run->fast_avail)
        ks_fast_store_avail(run->ctx, run->cc, run->creds);
    if (ret) {
        free(doc);
        return ret;
    }
    if (run->switch_to)
        krb5_cc_switch(run->ctx->k5, run->cc);
    if (o.verbose)
        fprintf(stderr, "Authenticated to Kerberos v5\n");
    if (doc != NULL)
        fputs(doc, stdout);
    else
        warn_notes(run);
    free(doc);
    return 0;
}

/*
 * -R / -v: the cached ticket renewed or validated through the TGS exchange,
 * then the cache replaced atomically, keeping its principal (as MIT).
 */
static krb5_error_code
renew_or_validate(struct kinit_run *run)
{
    krb5_flags opt = o.action == 'v' ? KDC_OPT_VALIDATE : KDC_OPT_RENEW;
    krb5_error_code ret;

    ret = ks_renew_validate(run->ctx, run->cc, run->me, run->server, opt,
                            &run->creds);
    if (ret)
        return ks_error_prefix(run->ctx, ret, "%s credentials for %s",
                               o.action == 'v' ? "validating" : "renewing",
                               run->me_name);
    return store_and_print(run, run->me);
}

/*
 * Without -C the cache and its TGT keep the name as asked (an enterprise
 * name stays "bob\@corp.example@AD.TEST" though AD answers "bob@AD.TEST"),
 * in the realm a client referral ended in: what MIT's kinit stores.
 */
static krb5_error_code
store_as_asked(struct kinit_run *run)
{
    const krb5_data *realm = &run->creds->client->realm;
    krb5_principal client = NULL;
    krb5_error_code ret;
    char *name;

    name = strndup(realm->data, realm->length);
    if (name == NULL)
        return ENOMEM;
    ret = krb5_copy_principal(run->ctx->k5, run->me, &client);
    if (!ret)
        ret = krb5_set_principal_realm(run->ctx->k5, client, name);
    free(name);
    if (ret) {
        krb5_free_principal(run->ctx->k5, client);
        return ret;
    }
    /* The ticket too is stored for the name as asked, as MIT stores it. */
    krb5_free_principal(run->ctx->k5, run->creds->client);
    run->creds->client = client;
    return store_and_print(run, client);
}

static krb5_error_code
kinit(struct kinit_run *run)
{
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
    if (o.action != 0)
        return renew_or_validate(run);
    if (o.anonymous)
        return ks_anonymous_request(run->ctx, run->me);
    ret = get_creds(run);
    if (ret)
        return ret;
    if (o.canonicalize)
        return store_and_print(run, run->creds->client);
    return store_as_asked(run);
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

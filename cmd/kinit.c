/*
 * kinit: obtain a ticket-granting ticket with a password or a keytab and
 * store it in a credentials cache, as MIT's kinit does (same options, -V
 * lines and exit codes), with kstep's own AS exchange.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/errors.h"
#include "creds/ccache.h"
#include "creds/keytab.h"
#include "exchange/anonymous.h"
#include "exchange/as_password.h"
#include "exchange/fast.h"
#include "exchange/renew.h"
#include "kinit.h"
#include "options.h"

static struct {
    int verbose;
    char *lifetime, *start, *renew;
    int forwardable, proxiable, addresses, request_pac;    /* yes/no pairs */
    int canonicalize, enterprise;
    int use_keytab, client_keytab;
    char *keytab_name, *cache_name, *service_name, *password_file;
    int action;                     /* 0, or the last of -R and -v (MIT) */
    int anonymous;
    char *armor_cache;
    char *attribute, *input_cache;  /* accepted, not supported yet */
    char *principal;
} o;

static struct poptOption options[] = {
    KS_OPT_FLAG('V', NULL, &o.verbose,
                "verbose: name the cache, principal and keytab used"),
    KS_OPT_TEXT('l', NULL, &o.lifetime, "LIFETIME", "ticket lifetime"),
    KS_OPT_TEXT('s', NULL, &o.start, "START",
                "postdate the ticket: start after a duration or at a time"),
    KS_OPT_TEXT('r', NULL, &o.renew, "RENEW",
                "ask for a renewable ticket with this renewable life"),
    KS_OPT_PAIR('f', 'F', "forwardable", &o.forwardable),
    KS_OPT_PAIR('p', 'P', "proxiable", &o.proxiable),
    KS_OPT_ASK('a', "addresses", &o.addresses, KS_OPT_YES,
               "ask for a ticket bound to this host's addresses"),
    KS_OPT_ASK('A', "noaddresses", &o.addresses, KS_OPT_NO,
               "ask for an addressless ticket"),
    KS_OPT_FLAG('C', "canonicalize", &o.canonicalize,
                "let the KDC canonicalize the client name"),
    KS_OPT_FLAG('E', "enterprise", &o.enterprise,
                "the principal is an enterprise name (with -C: canonical)"),
    KS_OPT_FLAG('k', NULL, &o.use_keytab,
                "use a key from a keytab instead of a password"),
    KS_OPT_TEXT('t', NULL, &o.keytab_name, "KEYTAB",
                "the keytab to use (implies -k)"),
    KS_OPT_FLAG('i', NULL, &o.client_keytab,
                "with -k: use the default client keytab"),
    { NULL, 'c', POPT_ARG_STRING, &o.cache_name, 0,
      "the credentials cache to store the ticket in", "CACHE" },
    KS_OPT_TEXT('S', NULL, &o.service_name, "SERVICE",
                "ask for a ticket for this service instead of krbtgt"),
    KS_OPT_ASK('\0', "request-pac", &o.request_pac, KS_OPT_YES,
               "ask the KDC to include a PAC"),
    KS_OPT_ASK('\0', "no-request-pac", &o.request_pac, KS_OPT_NO,
               "ask the KDC not to include a PAC"),
    KS_OPT_TEXT('\0', "password-file", &o.password_file, "FILE",
                "read the password from FILE ('-' for stdin)"),
    KS_OPT_JSON("print what was obtained as one JSON document (errors too)"),
    KS_OPT_VAL('R', &o.action, 'R',
               "renew the cached TGT (or -S SERVICE's ticket)"),
    KS_OPT_VAL('v', &o.action, 'v',
               "validate the cached postdated TGT (or -S SERVICE's ticket)"),
    KS_OPT_FLAG('n', NULL, &o.anonymous,
                "anonymous ticket (needs PKINIT, which kstep lacks: reports "
                "what the KDC offers)"),
    KS_OPT_TEXT('T', NULL, &o.armor_cache, "ARMOR_CACHE",
                "armor the exchange with FAST (RFC 6113), using the TGT in "
                "ARMOR_CACHE"),
    KS_OPT_TEXT('X', NULL, &o.attribute, "ATTR[=VALUE]",
                "pre-authentication attribute (not supported yet)"),
    KS_OPT_TEXT('I', NULL, &o.input_cache, "INPUT_CACHE",
                "input credentials cache (not supported yet)"),
    KS_OPT_COMMON,
    POPT_AUTOHELP
    POPT_TABLEEND
};

/* The yes/no pairs: giving both halves is a usage error (MIT's words). */
static const struct {
    int *pair;
    const char *both;
} pairs[] = {
    { &o.forwardable, "only one of -f and -F allowed" },
    { &o.proxiable, "only one of -p and -P allowed" },
    { &o.addresses, "only one of -a and -A allowed" },
    { &o.request_pac,
      "only one of --request-pac and --no-request-pac allowed" },
};

static void
free_opts(void)
{
    char *strings[] = {
        o.lifetime, o.start, o.renew, o.keytab_name, o.cache_name,
        o.service_name, o.password_file, o.armor_cache, o.attribute,
        o.input_cache, o.principal,
    };

    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(strings[i]);
}

/* -X, -I: accepted for MIT compatibility, one line. */
static void
refuse_unsupported(void)
{
    const char *what = o.attribute != NULL ? "-X (preauth attributes)" :
        o.input_cache != NULL ? "-I (input cache)" : NULL;

    if (what == NULL)
        return;
    ks_cli_error("%s is not supported yet", what);
    free_opts();
    exit(KS_EXIT_FAILURE);
}

static void
check_usage(poptContext pc, struct kinit_run *run)
{
    krb5_timestamp now = (krb5_timestamp)time(NULL);
    char msg[256];

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        if (ks_opt_both(*pairs[i].pair))
            ks_cli_usage_error(pc, 0, pairs[i].both);
    }
    if (o.client_keytab && o.keytab_name != NULL)
        ks_cli_usage_error(pc, 0, "only one of -i and -t allowed");
    msg[0] = '\0';
    if (o.lifetime != NULL && !ks_duration_parse(o.lifetime, &run->lifetime))
        snprintf(msg, sizeof(msg), "bad lifetime value '%s'", o.lifetime);
    else if (o.renew != NULL && !ks_duration_parse(o.renew, &run->renew))
        snprintf(msg, sizeof(msg), "bad renewable lifetime value '%s'",
                 o.renew);
    else if (o.start != NULL &&
             !ks_duration_parse_start(o.start, now, &run->start))
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
    else if ((o.keytab_name != NULL || o.client_keytab) && !o.use_keytab) {
        /* As MIT's kinit: -t and -i both mean a keytab. */
        fprintf(stderr, "keytab specified, forcing -k\n");
        o.use_keytab = 1;
    }
}

/* -V: MIT's line for the cache chosen, as soon as it is chosen. */
static void
note_cache(void *data, enum ks_ccache_how how, const char *name)
{
    static const char *const said[] = {
        [KS_CCACHE_SPECIFIED] = "Using specified cache",
        [KS_CCACHE_EXISTING] = "Using existing cache",
        [KS_CCACHE_NEW] = "Using new cache",
        [KS_CCACHE_DEFAULT] = "Using default cache",
    };

    (void)data;
    if (o.verbose)
        fprintf(stderr, "%s: %s\n", said[how], name);
}

static krb5_error_code
choose(struct kinit_run *run)
{
    struct ks_ccache_want want = {
        o.cache_name, o.principal, o.enterprise != 0, o.use_keytab != 0,
        o.anonymous != 0,
    };
    krb5_error_code ret = 0;

    if (o.use_keytab)
        ret = ks_keytab_open(run->ctx, o.keytab_name, o.client_keytab != 0,
                             &run->keytab);
    if (!ret)
        ret = ks_ccache_choose(run->ctx, &want, note_cache, NULL, &run->who);
    if (!ret && o.service_name != NULL) {
        ret = krb5_parse_name(run->ctx->k5, o.service_name, &run->server);
        if (ret)
            ks_error_set(run->ctx, ret, "parsing the service name '%s'",
                         o.service_name);
    }
    return ret;
}

/* The password from the terminal, stdin or --password-file.  The end of
 * input is MIT's "Cannot read password" (an interrupt ends the program). */
static krb5_error_code
read_password(void *data, const char *prompt, char *buf, size_t buflen)
{
    krb5_error_code ret = ks_cli_read_password(data, prompt, buf, buflen);

    return ret == KRB5_LIBOS_PWDINTR ? KRB5_LIBOS_CANTREADPWD : ret;
}

/*
 * MIT's banner and prompts for a new password.  It comes from the
 * terminal (or stdin when it is not one); after --password-file - from the
 * next lines of stdin.  A mismatch or an empty password ends here.
 */
static krb5_error_code
read_new_password(void *data, char *newpw, size_t len)
{
    struct kinit_run *run = data;
    struct ks_password_source src = { NULL };
    krb5_context k5 = run->ctx->k5;
    FILE *out = ks_cli.json ? stderr : stdout;
    char again[KS_AS_PASSWORD_MAX];
    krb5_error_code ret;

    if (o.password_file != NULL && strcmp(o.password_file, "-") == 0)
        src.file = "-";
    fputs("Password expired.  You must change it now.\n", out);
    fflush(out);
    ret = read_password(&src, "Enter new password: ", newpw, len);
    if (!ret)
        ret = read_password(&src, "Enter it again: ", again, sizeof(again));
    if (ret) {
        ks_error_set(run->ctx, ret, "reading the new password");
    } else if (strcmp(newpw, again) != 0) {
        ret = KRB5_LIBOS_BADPWDMATCH;
        krb5_set_error_message(k5, ret, "Password mismatch: the new "
                               "password and its confirmation differ; the "
                               "password was not changed");
    } else if (newpw[0] == '\0') {
        ret = KRB5_CHPW_PWDNULL;
        krb5_set_error_message(k5, ret, "New password cannot be zero "
                               "length; the password was not changed");
    }
    explicit_bzero(again, sizeof(again));
    return ret;
}

static krb5_error_code
get_creds(struct kinit_run *run)
{
    struct ks_password_source src = { o.password_file };
    struct ks_as_options opts = { 0 };
    struct ks_as_keys keys = { 0 };
    krb5_error_code ret;

    opts.client = run->who.client;
    opts.server = run->server;
    opts.lifetime = run->lifetime;
    /* -r with a negative life asks for no renewable ticket (MIT). */
    opts.renew_lifetime = o.renew == NULL ? -1 : run->renew > 0 ? run->renew
                                                                : 0;
    opts.start_delay = run->start;
    opts.forwardable = ks_opt_tristate(o.forwardable);
    opts.proxiable = ks_opt_tristate(o.proxiable);
    opts.addresses = ks_opt_tristate(o.addresses);
    opts.request_pac = ks_opt_tristate(o.request_pac);
    /* MIT 1.20: -E alone keeps the enterprise name as typed. */
    opts.canonicalize = o.canonicalize != 0;
    opts.sent = &run->sent;
    opts.fast_avail = &run->fast_avail;
    opts.notes = &run->notes;
    keys.keytab = run->keytab;
    if (run->keytab == NULL) {
        keys.password = read_password;
        keys.password_data = &src;
    }
    /* -T: MIT's armor cache name; it must hold a TGT of the realm. */
    ret = o.armor_cache == NULL ? 0 :
        ks_ccache_resolve(run->ctx, o.armor_cache, &opts.armor_ccache);
    if (!ret)
        ret = ks_as_get_creds_password(run->ctx, &opts, &keys,
                                       read_new_password, run, &run->creds);
    if (opts.armor_ccache != NULL)
        krb5_cc_close(run->ctx->k5, opts.armor_ccache);
    return ret;
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

    ret = ks_cli.json ? kinit_render_json(run, &doc) : 0;
    if (!ret) {
        run->stage = KINIT_STORING;
        ret = ks_ccache_replace(run->ctx, run->who.cc, client, list);
    }
    if (ret) {
        free(doc);
        return ret;
    }
    /* As MIT: a KDC that advertised FAST gets FAST TGS requests later. */
    if (run->fast_avail)
        ks_fast_store_avail(run->ctx, run->who.cc, run->creds);
    if (run->who.switch_to)
        krb5_cc_switch(run->ctx->k5, run->who.cc);
    if (o.verbose)
        fprintf(stderr, "Authenticated to Kerberos v5\n");
    if (doc != NULL)
        fputs(doc, stdout);
    else
        kinit_warn_notes(run, run->keytab == NULL);
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

    ret = ks_renew_validate(run->ctx, run->who.cc, run->who.client,
                            run->server, opt, &run->creds);
    if (ret)
        return ret;
    return store_and_print(run, run->who.client);
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
    ret = krb5_copy_principal(run->ctx->k5, run->who.client, &client);
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

    run->stage = KINIT_CHOOSING;
    ret = choose(run);
    if (ret)
        return ret;
    run->stage = KINIT_EXCHANGE;
    if (o.verbose) {
        fprintf(stderr, "Using principal: %s\n", run->who.client_name);
        if (o.keytab_name != NULL)
            fprintf(stderr, "Using keytab: %s\n", o.keytab_name);
    }
    if (o.action != 0)
        return renew_or_validate(run);
    if (o.anonymous) {
        run->stage = KINIT_OURS;    /* MIT's words would not say why */
        return ks_anonymous_request(run->ctx, run->who.client);
    }
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
    krb5_free_principal(k5, run->server);
    ks_ccache_choice_clear(run->ctx, &run->who);
}

int
main(int argc, const char **argv)
{
    struct kinit_run run = { 0 };
    krb5_error_code ret;

    parse_command_line(argc, argv, &run);
    run.ctx = ks_cli_context();
    if (run.ctx == NULL) {
        free_opts();
        return KS_EXIT_FAILURE;
    }
    ret = kinit(&run);
    if (ret)
        kinit_report(&run, ret, o.action, o.principal, o.cache_name);
    run_free(&run);
    ks_context_free(run.ctx);
    free_opts();
    return ret ? KS_EXIT_FAILURE : KS_EXIT_OK;
}

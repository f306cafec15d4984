/*
 * klist: list a credentials cache, a cache collection or a keytab, line
 * for line as MIT's klist does (same options, output and exit codes).
 * Only libkrb5's ccache and keytab readers are used: listing never talks
 * to a KDC.  Beyond MIT: --json writes the same listing as one JSON
 * document (or the error document), and -s --min-lifetime asks for a
 * ticket that stays valid for a while yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <com_err.h>

#include "cli.h"
#include "creds/ccfile.h"
#include "core/emit.h"
#include "core/flags.h"
#include "ks_version.h"
#include "core/trace.h"

/* MIT's klist exits 3 on -4 (Kerberos 4). */
#define KLIST_EXIT_NO_KRB4 3

/* Columns of a config entry's value, as MIT wraps it. */
#define CONFIG_INDENT 8
#define CONFIG_WRAP 72

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
    /* --json: the document is written to a buffer, and replaced by the
     * error document when the run fails (one document on stdout). */
    struct ks_emit *e;
    bool in_collection;     /* -A: errors go into the cache's object */
    bool cache_failed;      /* ... and one is there already */
    krb5_error_code err;    /* the first error outside a collection */
    char *errmsg;           /* ... its message */
};

static struct klist_opts opts;

static struct poptOption klist_options[] = {
    { NULL, 'c', POPT_ARG_NONE, &opts.ccache, 0,
      "list a credentials cache (the default)", NULL },
    { NULL, 'k', POPT_ARG_NONE, &opts.keytab, 0, "list a keytab", NULL },
    { NULL, 'i', POPT_ARG_NONE, &opts.client_keytab, 0,
      "with -k and no name: the default client keytab", NULL },
    { NULL, 'l', POPT_ARG_NONE, &opts.list, 0,
      "list the caches of the collection", NULL },
    { NULL, 'A', POPT_ARG_NONE, &opts.all, 0,
      "show every cache of the collection", NULL },
    { NULL, 'e', POPT_ARG_NONE, &opts.etype, 0,
      "show encryption types", NULL },
    { NULL, 'V', POPT_ARG_NONE, &opts.version, 0,
      "print the version and exit", NULL },
    { NULL, 'd', POPT_ARG_NONE, &opts.adtype, 0,
      "show authorization data types", NULL },
    { NULL, 'f', POPT_ARG_NONE, &opts.flags, 0, "show ticket flags", NULL },
    { NULL, 's', POPT_ARG_NONE, &opts.status, 0,
      "print nothing; exit 0 if the cache holds a current ticket", NULL },
    { NULL, 'a', POPT_ARG_NONE, &opts.addresses, 0,
      "show ticket addresses", NULL },
    { NULL, 'n', POPT_ARG_NONE, &opts.numeric, 0,
      "with -a: numeric addresses, no reverse lookup", NULL },
    { NULL, 't', POPT_ARG_NONE, &opts.times, 0,
      "with -k: show entry timestamps", NULL },
    { NULL, 'K', POPT_ARG_NONE, &opts.keys, 0,
      "with -k: show the keys themselves", NULL },
    { NULL, 'C', POPT_ARG_NONE, &opts.config, 0,
      "show configuration entries", NULL },
    { "json", '\0', POPT_ARG_NONE, &ks_cli.json, 0,
      "write one JSON document on standard output", NULL },
    { "min-lifetime", '\0', POPT_ARG_STRING, &opts.min_lifetime, 0,
      "with -s: the ticket must stay valid this long (e.g. 10m, 1h30m)",
      "DURATION" },
    { NULL, '5', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, 0,
      "Kerberos 5 (always)", NULL },
    { NULL, '4', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, '4',
      "Kerberos 4 (no longer supported)", NULL },
    { NULL, '\0', POPT_ARG_INCLUDE_TABLE, ks_cli_common_options, 0,
      "Common options:", NULL },
    POPT_AUTOHELP
    POPT_TABLEEND
};

/* Options that do not go together, as MIT's usage() rejects them. */
static void
check_combinations(poptContext pc)
{
    const char *msg = NULL;

    if (opts.ccache && opts.keytab)
        msg = "-c and -k cannot be used together";
    else if (opts.numeric && !opts.addresses)
        msg = "-n needs -a";
    else if (!opts.keytab && (opts.times || opts.keys))
        msg = "-t and -K need -k";
    else if (!opts.keytab && opts.list && (opts.all || opts.status))
        msg = "-l cannot be used with -A or -s";
    else if (opts.keytab && (opts.flags || opts.status || opts.addresses ||
                             opts.all || opts.list))
        msg = "-f, -s, -a, -A and -l are for caches, not keytabs (-k)";
    else if (opts.min_lifetime != NULL && !opts.status)
        msg = "--min-lifetime needs -s";
    else if (opts.min_lifetime != NULL &&
             (krb5_string_to_deltat(opts.min_lifetime, &opts.min_life) != 0 ||
              opts.min_life < 0))
        msg = "--min-lifetime takes a duration such as 90s, 10m, 1h30m or "
              "1d";
    if (msg != NULL)
        ks_cli_usage_error(pc, 0, msg);
}

static void
parse_options(poptContext pc)
{
    const char **args;
    char msg[256];
    int rc;

    while ((rc = poptGetNextOpt(pc)) > 0) {
        if (rc == '4') {
            fprintf(stderr, "Kerberos 4 is no longer supported\n");
            poptFreeContext(pc);
            exit(KLIST_EXIT_NO_KRB4);
        }
    }
    if (rc < -1)
        ks_cli_usage_error(pc, rc, NULL);
    check_combinations(pc);
    args = poptGetArgs(pc);
    if (args != NULL && args[0] != NULL && args[1] != NULL) {
        snprintf(msg, sizeof(msg), "extra arguments (starting with \"%s\")",
                 args[1]);
        ks_cli_usage_error(pc, 0, msg);
    }
    opts.name = args != NULL ? args[0] : NULL;
}

/*
 * One failure, MESSAGE in full ("... while ...").  Text: "klist: MESSAGE"
 * on stderr.  JSON: the same line and, inside -A, an "error" member of the
 * cache's object; elsewhere the first failure is kept for the error
 * document that replaces the listing (ks_cli_report prints its line).
 */
static void
fail(struct lister *l, krb5_error_code code, const char *message)
{
    if (l->e != NULL && !l->in_collection) {
        if (l->err == 0) {
            l->err = code;
            l->errmsg = strdup(message);
        }
        return;
    }
    ks_cli_error("%s", message);
    if (l->e != NULL && !l->cache_failed) {
        ks_emit_error(l->e, "error", code, message);
        l->cache_failed = true;
    }
}

/* "klist: MESSAGE", the context's message for CODE. */
static void
report_code(struct lister *l, krb5_error_code code)
{
    const char *msg = ks_context_message(l->ctx, code);

    fail(l, code, msg);
    ks_context_free_message(l->ctx, msg);
}

/* "klist: MESSAGE while ...", as MIT's com_err hook prints it. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
report(struct lister *l, krb5_error_code code, const char *fmt, ...)
{
    const char *msg = ks_context_message(l->ctx, code);
    char what[512], full[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "%s %s", msg, what);
    ks_context_free_message(l->ctx, msg);
    fail(l, code, full);
}

static bool
ts_after(krb5_timestamp a, krb5_timestamp b)
{
    /* MIT treats timestamps as unsigned: good until 2106. */
    return (uint32_t)a > (uint32_t)b;
}

/* Width of a printed time in this locale, as MIT's klist computes it. */
static unsigned int
time_width(krb5_timestamp now)
{
    char tmp[BUFSIZ];

    if (krb5_timestamp_to_sfstring(now, tmp, 20, NULL) == 0 ||
        krb5_timestamp_to_sfstring(now, tmp, sizeof(tmp), NULL) == 0)
        return (unsigned int)strlen(tmp);
    return 15;
}

static void
print_time(struct lister *l, krb5_timestamp ts)
{
    char buf[BUFSIZ];
    char fill = ' ';

    if (krb5_timestamp_to_sfstring(ts, buf, l->width + 1, &fill) == 0)
        fputs(buf, stdout);
}

static void
fill(int count, int c)
{
    for (int i = 0; i < count; i++)
        putchar(c);
}

/* An enctype as MIT's klist names it, "DEPRECATED:" for the weak ones. */
static const char *
etype_name(krb5_enctype enctype, char *buf, size_t len)
{
    static const krb5_enctype current[] = {
        ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
        ENCTYPE_AES128_CTS_HMAC_SHA256_128,
        ENCTYPE_AES256_CTS_HMAC_SHA384_192, ENCTYPE_CAMELLIA128_CTS_CMAC,
        ENCTYPE_CAMELLIA256_CTS_CMAC,
    };
    size_t off = 0;
    bool deprecated = true;

    for (size_t i = 0; i < sizeof(current) / sizeof(current[0]); i++)
        deprecated = deprecated && current[i] != enctype;
    if (deprecated)
        off = (size_t)snprintf(buf, len, "DEPRECATED:");
    if (krb5_enctype_to_name(enctype, FALSE, buf + off, len - off) != 0)
        snprintf(buf + off, len - off, "etype %d", (int)enctype);
    return buf;
}

/* ---- keytabs ------------------------------------------------------------- */

static krb5_error_code
resolve_keytab(struct lister *l, krb5_keytab *kt_out)
{
    krb5_error_code ret;

    if (l->o->name == NULL && l->o->client_keytab) {
        ret = krb5_kt_client_default(l->k5, kt_out);
        if (ret)
            report(l, ret, "while getting default client keytab");
    } else if (l->o->name == NULL) {
        ret = krb5_kt_default(l->k5, kt_out);
        if (ret)
            report(l, ret, "while getting default keytab");
    } else {
        ret = krb5_kt_resolve(l->k5, l->o->name, kt_out);
        if (ret)
            report(l, ret, "while resolving keytab %s", l->o->name);
    }
    return ret;
}

static void
print_keytab_header(struct lister *l)
{
    int width = (int)l->width;

    if (!l->o->times) {
        printf("KVNO Principal\n");
        printf("---- ");
        fill(74, '-');
        putchar('\n');
        return;
    }
    fputs("KVNO Timestamp", stdout);
    fill(width - (int)sizeof("Timestamp") + 2, ' ');
    printf("Principal\n");
    printf("---- ");
    fill(width, '-');
    putchar(' ');
    fill(78 - width - (int)sizeof("KVNO"), '-');
    putchar('\n');
}

/* One keytab entry as JSON; the key's bytes only with -K. */
static void
json_keytab_entry(struct lister *l, const krb5_keytab_entry *entry,
                  const char *pname)
{
    ks_emit_begin_object(l->e, NULL);
    ks_emit_int(l->e, "kvno", entry->vno);
    ks_emit_string(l->e, "principal", pname);
    ks_emit_time(l->e, "timestamp", entry->timestamp);
    ks_emit_enctype_named(l->e, "enctype", entry->key.enctype);
    if (l->o->keys)
        ks_emit_hex(l->e, "key", entry->key.contents, entry->key.length);
    ks_emit_end(l->e);
}

static krb5_error_code
print_keytab_entry(struct lister *l, const krb5_keytab_entry *entry)
{
    char *pname = NULL, ename[128];
    krb5_error_code ret;

    ret = krb5_unparse_name(l->k5, entry->principal, &pname);
    if (ret) {
        report(l, ret, "while unparsing principal name");
        return ret;
    }
    if (l->e != NULL) {
        json_keytab_entry(l, entry, pname);
        krb5_free_unparsed_name(l->k5, pname);
        return 0;
    }
    printf("%4d ", (int)entry->vno);
    if (l->o->times) {
        print_time(l, entry->timestamp);
        putchar(' ');
    }
    fputs(pname, stdout);
    if (l->o->etype)
        printf(" (%s) ",
               etype_name(entry->key.enctype, ename, sizeof(ename)));
    if (l->o->keys) {
        printf(" (0x");
        for (unsigned int i = 0; i < entry->key.length; i++)
            printf("%02x", entry->key.contents[i]);
        putchar(')');
    }
    putchar('\n');
    krb5_free_unparsed_name(l->k5, pname);
    return 0;
}

static int
list_keytab_entries(struct lister *l, krb5_keytab kt)
{
    krb5_kt_cursor cursor;
    krb5_keytab_entry entry;
    krb5_error_code ret, printed = 0;

    ret = krb5_kt_start_seq_get(l->k5, kt, &cursor);
    if (ret) {
        report(l, ret, "while starting keytab scan");
        return 1;
    }
    if (l->e != NULL)
        ks_emit_begin_array(l->e, "entries");
    else
        print_keytab_header(l);
    while ((ret = krb5_kt_next_entry(l->k5, kt, &entry, &cursor)) == 0) {
        printed = print_keytab_entry(l, &entry);
        krb5_free_keytab_entry_contents(l->k5, &entry);
        if (printed != 0)
            break;
    }
    if (l->e != NULL)
        ks_emit_end(l->e);
    if (printed != 0 || ret != KRB5_KT_END) {
        if (printed == 0)
            report(l, ret, "while scanning keytab");
        krb5_kt_end_seq_get(l->k5, kt, &cursor);
        return 1;
    }
    ret = krb5_kt_end_seq_get(l->k5, kt, &cursor);
    if (ret) {
        report(l, ret, "while ending keytab scan");
        return 1;
    }
    return 0;
}

static int
do_keytab(struct lister *l)
{
    krb5_keytab kt = NULL;
    char name[BUFSIZ];
    krb5_error_code ret;
    int status = 1;

    if (resolve_keytab(l, &kt) != 0)
        return 1;
    ret = krb5_kt_get_name(l->k5, kt, name, sizeof(name));
    if (ret) {
        report(l, ret, "while getting keytab name");
        goto cleanup;
    }
    if (l->e != NULL)
        ks_emit_string(l->e, "keytab", name);
    else
        printf("Keytab name: %s\n", name);
    ret = ks_ktfile_check(l->ctx, name);
    if (ret) {
        report_code(l, ret);
        goto cleanup;
    }
    ks_trace(l->ctx->trace, "keytab", 0, "read", "listing keytab %s", name);
    status = list_keytab_entries(l, kt);

cleanup:
    krb5_kt_close(l->k5, kt);
    return status;
}

/* ---- one credential ------------------------------------------------------ */

/* "\t" before the first extra field of a credential, ", " between. */
static void
separate(int extra)
{
    fputs(extra ? ", " : "\t", stdout);
}

/* "config: key(principal) = ", returning the column reached. */
static int
print_config_name(krb5_const_principal server)
{
    int col = CONFIG_INDENT;

    fputs("config: ", stdout);
    for (krb5_int32 i = 1; i < server->length; i++)
        col += printf("%s%.*s%s", i > 1 ? "(" : "",
                      (int)server->data[i].length, server->data[i].data,
                      i > 1 ? ")" : "");
    fputs(" = ", stdout);
    return col + 3;
}

/* A config entry's value: printable bytes as they are, others in octal. */
static void
print_config_data(int col, const krb5_data *data)
{
    for (unsigned int i = 0; i < data->length; i++) {
        unsigned char c = (unsigned char)data->data[i];

        if (col < CONFIG_INDENT) {
            fill(CONFIG_INDENT - col, ' ');
            col = CONFIG_INDENT;
        }
        if (c > 0x20 && c < 0x7f) {
            putchar(c);
            col++;
        } else {
            col += printf("\\%03o", c);
        }
        if (col > CONFIG_WRAP) {
            putchar('\n');
            col = 0;
        }
    }
    if (col > 0)
        putchar('\n');
}

static void
print_adtypes(krb5_authdata *const *authdata)
{
    fputs("AD types: ", stdout);
    for (size_t i = 0; authdata[i] != NULL; i++)
        printf("%s%d", i ? ", " : "", (int)authdata[i]->ad_type);
}

/* Renewal, flags, enctypes and authdata types, as MIT lays them out. */
static void
print_extras(struct lister *l, const krb5_creds *cred,
             const krb5_ticket *tkt, int extra)
{
    char buf[128];

    if (cred->times.renew_till) {
        separate(extra);
        fputs("renew until ", stdout);
        print_time(l, cred->times.renew_till);
        extra += 2;
    }
    if (l->o->flags && *ks_flags_letters(cred->ticket_flags, buf,
                                         sizeof(buf)) != '\0') {
        separate(extra);
        printf("Flags: %s", buf);
        extra++;
    }
    if (extra > 2) {
        putchar('\n');
        extra = 0;
    }
    if (l->o->etype && tkt != NULL) {
        separate(extra);
        printf("Etype (skey, tkt): %s, ",
               etype_name(cred->keyblock.enctype, buf, sizeof(buf)));
        printf("%s ", etype_name(tkt->enc_part.enctype, buf, sizeof(buf)));
        extra++;
    }
    if (l->o->adtype && cred->authdata != NULL) {
        separate(extra);
        print_adtypes(cred->authdata);
        extra++;
    }
    if (extra)
        putchar('\n');
}

static void
print_address(struct lister *l, const krb5_address *a)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    socklen_t sslen;
    char host[NI_MAXHOST];
    int err;

    memset(&ss, 0, sizeof(ss));
    if (a->addrtype == ADDRTYPE_INET && a->length == 4) {
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, a->contents, 4);
        sslen = sizeof(*sin);
    } else if (a->addrtype == ADDRTYPE_INET6 && a->length == 16) {
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, a->contents, 16);
        sslen = sizeof(*sin6);
    } else if (a->addrtype == ADDRTYPE_INET ||
               a->addrtype == ADDRTYPE_INET6) {
        printf("broken address (type %d length %d)", (int)a->addrtype,
               (int)a->length);
        return;
    } else {
        printf("unknown addrtype %d", (int)a->addrtype);
        return;
    }
    err = getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
                      NULL, 0, l->o->numeric ? NI_NUMERICHOST : 0);
    if (err)
        printf("unprintable address (type %d, error %d %s)",
               (int)a->addrtype, err, gai_strerror(err));
    else
        fputs(host, stdout);
}

static void
print_addresses(struct lister *l, const krb5_creds *cred)
{
    if (cred->addresses == NULL || cred->addresses[0] == NULL) {
        printf("\tAddresses: (none)\n");
        return;
    }
    printf("\tAddresses: ");
    for (size_t i = 0; cred->addresses[i] != NULL; i++) {
        if (i > 0)
            printf(", ");
        print_address(l, cred->addresses[i]);
    }
    putchar('\n');
}

/* The ticket's own server when the cache keeps it under another name
 * (referrals). */
static void
print_ticket_server(struct lister *l, const krb5_creds *cred,
                    const krb5_ticket *tkt)
{
    char *name = NULL;
    krb5_error_code ret;

    if (krb5_principal_compare(l->k5, cred->server, tkt->server))
        return;
    ret = krb5_unparse_name(l->k5, tkt->server, &name);
    if (ret) {
        report(l, ret, "while unparsing ticket server name");
        return;
    }
    printf("\tTicket server: %s\n", name);
    krb5_free_unparsed_name(l->k5, name);
}

static void
print_main_line(struct lister *l, const krb5_creds *cred,
                const char *sname)
{
    print_time(l, cred->times.starttime ? cred->times.starttime
                                        : cred->times.authtime);
    fputs("  ", stdout);
    print_time(l, cred->times.endtime);
    printf("  %s\n", sname);
}

static void
show_credential(struct lister *l, const krb5_creds *cred)
{
    krb5_boolean is_config = krb5_is_config_principal(l->k5, cred->server);
    krb5_ticket *tkt = NULL;
    char *name = NULL, *sname = NULL;
    krb5_error_code ret;
    int extra = 0, col = 0;

    ret = krb5_unparse_name(l->k5, cred->client, &name);
    if (ret) {
        report(l, ret, "while unparsing client name");
        goto cleanup;
    }
    ret = krb5_unparse_name(l->k5, cred->server, &sname);
    if (ret) {
        report(l, ret, "while unparsing server name");
        goto cleanup;
    }
    if (!is_config) {
        (void)krb5_decode_ticket(&cred->ticket, &tkt);
        print_main_line(l, cred, sname);
    } else {
        col = print_config_name(cred->server);
    }
    if (strcmp(name, l->defname) != 0) {
        printf("\tfor client %s", name);
        extra++;
    }
    if (is_config)
        print_config_data(col, &cred->ticket);
    print_extras(l, cred, tkt, extra);
    if (l->o->addresses)
        print_addresses(l, cred);
    if (tkt != NULL)
        print_ticket_server(l, cred, tkt);

cleanup:
    krb5_free_unparsed_name(l->k5, name);
    krb5_free_unparsed_name(l->k5, sname);
    krb5_free_ticket(l->k5, tkt);
}

/* ---- one credential as JSON --------------------------------------------- */

/* An address as a number ("192.0.2.1", "2001:db8::1"), never through DNS. */
static void
json_address(struct ks_emit *e, const krb5_address *a)
{
    char buf[INET6_ADDRSTRLEN + 32];
    int family = a->addrtype == ADDRTYPE_INET && a->length == 4 ? AF_INET
               : a->addrtype == ADDRTYPE_INET6 && a->length == 16 ? AF_INET6
               : AF_UNSPEC;

    if (family == AF_UNSPEC ||
        inet_ntop(family, a->contents, buf, sizeof(buf)) == NULL)
        snprintf(buf, sizeof(buf), "addrtype %d length %u",
                 (int)a->addrtype, a->length);
    ks_emit_string(e, NULL, buf);
}

static void
json_times(struct lister *l, const krb5_ticket_times *t)
{
    struct ks_emit *e = l->e;
    bool expired = !ts_after(t->endtime, l->now);

    ks_emit_begin_object(e, "times");
    ks_emit_time(e, "auth", t->authtime);
    ks_emit_time(e, "start", t->starttime ? t->starttime : t->authtime);
    ks_emit_time(e, "end", t->endtime);
    if (t->renew_till)
        ks_emit_time(e, "renew_until", t->renew_till);
    else
        ks_emit_null(e, "renew_until");
    ks_emit_end(e);
    ks_emit_bool(e, "expired", expired);
    ks_emit_int(e, "remaining_seconds",
                expired ? 0 : (long long)((uint32_t)t->endtime -
                                          (uint32_t)l->now));
}

/* Everything MIT's -f, -e, -a and -d show, always. */
static void
json_ticket(struct lister *l, const krb5_creds *cred, const krb5_ticket *tkt)
{
    struct ks_emit *e = l->e;
    char letters[KS_FLAGS_LETTERS_MAX];

    json_times(l, &cred->times);
    ks_emit_ticket_flags(e, "flags", cred->ticket_flags);
    ks_emit_string(e, "flags_letters",
                   ks_flags_letters(cred->ticket_flags, letters,
                                    sizeof(letters)));
    ks_emit_enctype_named(e, "session_key_enctype", cred->keyblock.enctype);
    if (tkt != NULL) {
        ks_emit_enctype_named(e, "ticket_enctype", tkt->enc_part.enctype);
        ks_emit_principal(e, "ticket_server", l->k5, tkt->server);
    } else {
        ks_emit_null(e, "ticket_enctype");
        ks_emit_null(e, "ticket_server");
    }
    ks_emit_begin_array(e, "addresses");
    for (size_t i = 0; cred->addresses != NULL && cred->addresses[i]; i++)
        json_address(e, cred->addresses[i]);
    ks_emit_end(e);
    ks_emit_begin_array(e, "authdata_types");
    for (size_t i = 0; cred->authdata != NULL && cred->authdata[i]; i++)
        ks_emit_int(e, NULL, cred->authdata[i]->ad_type);
    ks_emit_end(e);
}

/* A config entry: krb5_ccache_conf_data/NAME[/PRINCIPAL] = VALUE. */
static void
json_config(struct lister *l, const krb5_creds *cred)
{
    krb5_const_principal server = cred->server;
    struct ks_emit *e = l->e;

    if (server->length > 1)
        ks_emit_data(e, "name", &server->data[1]);
    else
        ks_emit_null(e, "name");
    if (server->length > 2)
        ks_emit_data(e, "principal", &server->data[2]);
    else
        ks_emit_null(e, "principal");
    ks_emit_data(e, "value", &cred->ticket);
}

static void
json_credential(struct lister *l, const krb5_creds *cred)
{
    bool config = krb5_is_config_principal(l->k5, cred->server);
    krb5_ticket *tkt = NULL;

    ks_emit_begin_object(l->e, NULL);
    ks_emit_principal(l->e, "client", l->k5, cred->client);
    ks_emit_principal(l->e, "server", l->k5, cred->server);
    if (config) {
        json_config(l, cred);
    } else {
        (void)krb5_decode_ticket(&cred->ticket, &tkt);
        json_ticket(l, cred, tkt);
    }
    ks_emit_bool(l->e, "config", config);
    ks_emit_end(l->e);
    krb5_free_ticket(l->k5, tkt);
}

/* ---- one cache ----------------------------------------------------------- */

/* Refuse a cache whose file is a FIFO or a device; LOUD says it. */
static krb5_error_code
check_cache_file(struct lister *l, krb5_ccache cache, bool loud)
{
    char *name = NULL;
    krb5_error_code ret;

    if (krb5_cc_get_full_name(l->k5, cache, &name) != 0)
        return 0;           /* libkrb5 will say what is wrong */
    ret = ks_ccfile_check(l->ctx, name);
    if (ret && loud)
        report_code(l, ret);
    krb5_free_string(l->k5, name);
    return ret;
}

/* "TYPE:NAME", as the listing's header names the cache. */
static void
emit_cache_name(struct lister *l, const char *key, krb5_ccache cache)
{
    char *name = NULL;

    if (asprintf(&name, "%s:%s", krb5_cc_get_type(l->k5, cache),
                 krb5_cc_get_name(l->k5, cache)) < 0) {
        ks_emit_null(l->e, key);
        return;
    }
    ks_emit_string(l->e, key, name);
    free(name);
}

static void
print_cache_header(struct lister *l, krb5_ccache cache)
{
    int width = (int)l->width;

    printf("Ticket cache: %s:%s\nDefault principal: %s\n\n",
           krb5_cc_get_type(l->k5, cache), krb5_cc_get_name(l->k5, cache),
           l->defname);
    fputs("Valid starting", stdout);
    fill(width - (int)sizeof("Valid starting") + 3, ' ');
    fputs("Expires", stdout);
    fill(width - (int)sizeof("Expires") + 3, ' ');
    fputs("Service principal\n", stdout);
}

static int
show_credentials(struct lister *l, krb5_ccache cache)
{
    krb5_cc_cursor cur;
    krb5_creds creds;
    krb5_error_code ret;
    unsigned int count = 0;

    ret = krb5_cc_start_seq_get(l->k5, cache, &cur);
    if (ret) {
        report(l, ret, "while starting to retrieve tickets");
        return 1;
    }
    if (l->e != NULL)
        ks_emit_begin_array(l->e, "credentials");
    while ((ret = krb5_cc_next_cred(l->k5, cache, &cur, &creds)) == 0) {
        if (l->o->config || !krb5_is_config_principal(l->k5, creds.server)) {
            if (l->e != NULL)
                json_credential(l, &creds);
            else
                show_credential(l, &creds);
        }
        krb5_free_cred_contents(l->k5, &creds);
        count++;
    }
    if (l->e != NULL)
        ks_emit_end(l->e);
    if (ret != KRB5_CC_END) {
        report(l, ret, "while retrieving a ticket");
        krb5_cc_end_seq_get(l->k5, cache, &cur);
        return 1;
    }
    ret = krb5_cc_end_seq_get(l->k5, cache, &cur);
    if (ret) {
        report(l, ret, "while finishing ticket retrieval");
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
        emit_cache_name(l, "cache", cache);
    if (check_cache_file(l, cache, true) != 0)
        return 1;
    ret = krb5_cc_get_principal(l->k5, cache, &princ);
    if (ret) {
        report_code(l, ret);
        return 1;
    }
    ret = krb5_unparse_name(l->k5, princ, &l->defname);
    if (ret) {
        report(l, ret, "while unparsing principal name");
        goto cleanup;
    }
    if (l->e != NULL)
        ks_emit_string(l->e, "default_principal", l->defname);
    else
        print_cache_header(l, cache);
    status = show_credentials(l, cache);

cleanup:
    krb5_free_principal(l->k5, princ);
    krb5_free_unparsed_name(l->k5, l->defname);
    l->defname = NULL;
    return status;
}

static bool
data_equal(const krb5_data *a, const char *bytes, size_t len)
{
    return a->length == len && memcmp(a->data, bytes, len) == 0;
}

/* Is PRINC the TGT of REALM in REALM (krbtgt/REALM@REALM)? */
static bool
is_local_tgt(krb5_const_principal princ, const krb5_data *realm)
{
    return princ->length == 2 &&
           data_equal(&princ->realm, realm->data, realm->length) &&
           data_equal(&princ->data[0], KRB5_TGS_NAME,
                      sizeof(KRB5_TGS_NAME) - 1) &&
           data_equal(&princ->data[1], realm->data, realm->length);
}

struct tgt_scan {
    bool tgt, current_tgt, current_cred;
};

static void
scan_credential(struct lister *l, const krb5_creds *creds,
                const krb5_data *realm, struct tgt_scan *scan)
{
    /* --min-lifetime: current means current for that long still. */
    krb5_timestamp deadline =
        (krb5_timestamp)((uint32_t)l->now + (uint32_t)l->o->min_life);
    bool current = ts_after(creds->times.endtime, deadline);

    if (is_local_tgt(creds->server, realm)) {
        scan->tgt = true;
        scan->current_tgt = scan->current_tgt || current;
    } else if (current &&
               !krb5_is_config_principal(l->k5, creds->server)) {
        scan->current_cred = true;
    }
}

/*
 * MIT's rule for -s: 0 if the cache can be read and holds a current TGT
 * for its principal's realm, or, when it holds no such TGT at all, any
 * current ticket; else 1.  Prints nothing.
 */
static int
check_ccache(struct lister *l, krb5_ccache cache)
{
    struct tgt_scan scan = { false, false, false };
    krb5_principal princ = NULL;
    krb5_cc_cursor cur;
    krb5_creds creds;
    krb5_error_code ret;

    if (check_cache_file(l, cache, false) != 0 ||
        krb5_cc_get_principal(l->k5, cache, &princ) != 0)
        return 1;
    ret = krb5_cc_start_seq_get(l->k5, cache, &cur);
    if (ret)
        goto cleanup;
    while ((ret = krb5_cc_next_cred(l->k5, cache, &cur, &creds)) == 0) {
        scan_credential(l, &creds, &princ->realm, &scan);
        krb5_free_cred_contents(l->k5, &creds);
    }
    if (krb5_cc_end_seq_get(l->k5, cache, &cur) != 0 && ret == KRB5_CC_END)
        ret = KRB5_CC_IO;

cleanup:
    krb5_free_principal(l->k5, princ);
    if (ret != KRB5_CC_END)
        return 1;
    ks_trace(l->ctx->trace, "ccache", 0, "check",
             "%s:%s: %s TGT, %s", krb5_cc_get_type(l->k5, cache),
             krb5_cc_get_name(l->k5, cache),
             scan.tgt ? (scan.current_tgt ? "a current" : "an expired") : "no",
             scan.current_cred ? "current tickets" : "no current ticket");
    if (scan.tgt)
        return scan.current_tgt ? 0 : 1;
    return scan.current_cred ? 0 : 1;
}

/* ---- the default cache and collections ----------------------------------- */

/* Check the default cache name before libkrb5 opens anything. */
static int
check_default_name(struct lister *l)
{
    const char *name = krb5_cc_default_name(l->k5);
    krb5_error_code ret;

    if (name == NULL)
        return 0;
    ret = ks_ccfile_check(l->ctx, name);
    if (ret && !l->o->status)
        report_code(l, ret);
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
            report(l, ret, "while resolving ccache");
        return 1;
    }
    status = l->o->status ? check_ccache(l, cache) : show_ccache(l, cache);
    krb5_cc_close(l->k5, cache);
    return status;
}

/* One line of -l; 0 if CACHE has a principal to show. */
static int
list_one(struct lister *l, krb5_ccache cache)
{
    krb5_principal princ = NULL;
    char *pname = NULL, *ccname = NULL;
    int status = 1;

    if (krb5_cc_get_full_name(l->k5, cache, &ccname) != 0 ||
        ks_ccfile_check(l->ctx, ccname) != 0)
        goto cleanup;
    /* An uninitialised or unreadable cache is left out, as MIT does. */
    if (krb5_cc_get_principal(l->k5, cache, &princ) != 0 ||
        krb5_unparse_name(l->k5, princ, &pname) != 0)
        goto cleanup;
    if (l->e != NULL) {
        ks_emit_begin_object(l->e, NULL);
        ks_emit_string(l->e, "cache", ccname);
        ks_emit_string(l->e, "default_principal", pname);
        ks_emit_bool(l->e, "expired", check_ccache(l, cache) != 0);
        ks_emit_end(l->e);
    } else {
        printf("%-30.30s %s", pname, ccname);
        if (check_ccache(l, cache) != 0)
            printf(" (Expired)");
        putchar('\n');
    }
    status = 0;

cleanup:
    krb5_free_principal(l->k5, princ);
    krb5_free_unparsed_name(l->k5, pname);
    krb5_free_string(l->k5, ccname);
    return status;
}

static krb5_error_code
open_collection(struct lister *l, krb5_cccol_cursor *cursor_out)
{
    krb5_error_code ret;

    if (check_default_name(l) != 0)
        return KRB5_CC_FORMAT;
    ret = krb5_cccol_cursor_new(l->k5, cursor_out);
    if (ret && !l->o->status)
        report(l, ret, "while listing ccache collection");
    return ret;
}

/* -l: 0 if at least one cache was listed. */
static int
list_collection(struct lister *l)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache;
    int status = 1;

    if (open_collection(l, &cursor) != 0)
        return 1;
    if (l->e != NULL) {
        ks_emit_begin_array(l->e, "caches");
    } else {
        printf("%-30s %s\n", "Principal name", "Cache name");
        printf("%-30s %s\n", "--------------", "----------");
    }
    while (krb5_cccol_cursor_next(l->k5, cursor, &cache) == 0 &&
           cache != NULL) {
        if (list_one(l, cache) == 0)
            status = 0;
        krb5_cc_close(l->k5, cache);
    }
    krb5_cccol_cursor_free(l->k5, &cursor);
    if (l->e != NULL)
        ks_emit_end(l->e);
    return status;
}

/* One cache of -A: in JSON an object of the "caches" array, which holds
 * the cache's error when it could not be read. */
static int
show_member(struct lister *l, krb5_ccache cache)
{
    int status;

    if (l->e == NULL)
        return show_ccache(l, cache);
    ks_emit_begin_object(l->e, NULL);
    l->in_collection = true;
    l->cache_failed = false;
    status = show_ccache(l, cache);
    l->in_collection = false;
    ks_emit_end(l->e);
    return status;
}

/* -A: 0 if at least one cache was shown (or, with -s, is current). */
static int
show_collection(struct lister *l)
{
    krb5_cccol_cursor cursor;
    krb5_ccache cache;
    bool first = true;
    int status = 1, st;

    if (open_collection(l, &cursor) != 0)
        return 1;
    if (l->e != NULL)
        ks_emit_begin_array(l->e, "caches");
    while (krb5_cccol_cursor_next(l->k5, cursor, &cache) == 0 &&
           cache != NULL) {
        if (l->e == NULL && !l->o->status && !first)
            putchar('\n');
        first = false;
        st = l->o->status ? check_ccache(l, cache) : show_member(l, cache);
        if (st == 0)
            status = 0;
        krb5_cc_close(l->k5, cache);
    }
    krb5_cccol_cursor_free(l->k5, &cursor);
    if (l->e != NULL)
        ks_emit_end(l->e);
    return status;
}

/* ---- main ---------------------------------------------------------------- */

static int
run(struct lister *l)
{
    krb5_error_code ret;

    /* As MIT: a name outside -k becomes the default cache, so that -l and
     * -A list its collection. */
    if (l->o->name != NULL && !l->o->keytab) {
        ret = krb5_cc_set_default_name(l->k5, l->o->name);
        if (ret) {
            report(l, ret, "while setting default cache name");
            return 1;
        }
    }
    ret = ks_ccfile_fix_empty_default(l->ctx);
    if (ret) {
        report(l, ret, "while setting default cache name");
        return 1;
    }
    if (l->o->list)
        return list_collection(l);
    if (l->o->all)
        return show_collection(l);
    if (l->o->keytab)
        return do_keytab(l);
    return do_ccache(l);
}

/*
 * --json: the listing is written into a buffer.  On success the buffer is
 * the document; after a failure the error document (ks_cli_report) takes
 * its place, so stdout always holds exactly one document.
 */
static int
run_json(struct lister *l)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int status = KS_EXIT_FAILURE;

    if (mem == NULL || ks_emit_new(mem, KS_EMIT_JSON, false, &l->e) != 0) {
        ks_cli_report(l->ctx, ENOMEM);
        goto cleanup;
    }
    status = run(l);
    ks_emit_finish(l->e);
    l->e = NULL;
    if (fclose(mem) != 0 && l->err == 0)
        l->err = ENOMEM;
    mem = NULL;
    if (l->err != 0) {
        krb5_set_error_message(l->k5, l->err, "%s",
                               l->errmsg != NULL ? l->errmsg
                                                 : error_message(l->err));
        ks_cli_report(l->ctx, l->err);
    } else {
        fwrite(buf, 1, len, stdout);
    }

cleanup:
    if (mem != NULL)
        fclose(mem);
    if (buf != NULL)
        explicit_bzero(buf, len);       /* -K put keys there */
    free(buf);
    free(l->errmsg);
    return status;
}

/* A listing cut short by a full disk or a closed pipe is a failure. */
static int
finish_output(int status)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    ks_cli_error("write error on standard output%s%s",
                 errno ? ": " : "", errno ? strerror(errno) : "");
    return KS_EXIT_FAILURE;
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
    parse_options(pc);
    if (opts.version) {
        printf("%s (kstep) %s\n", ks_cli.program, KS_VERSION);
        poptFreeContext(pc);
        return finish_output(KS_EXIT_OK);
    }
    l.o = &opts;
    l.now = (krb5_timestamp)(uint32_t)time(NULL);
    l.width = time_width(l.now);
    l.ctx = ks_cli_context();
    if (l.ctx == NULL) {
        poptFreeContext(pc);
        return KS_EXIT_FAILURE;
    }
    l.k5 = l.ctx->k5;
    /* -s prints nothing, in JSON as in text. */
    if (ks_cli.json && !opts.status)
        status = finish_output(run_json(&l));
    else
        status = finish_output(run(&l));
    ks_context_free(l.ctx);
    free(opts.min_lifetime);
    poptFreeContext(pc);
    return status;
}

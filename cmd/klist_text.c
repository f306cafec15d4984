/*
 * klist's listing in MIT's layout, line for line: the keytab and cache
 * headers, keytab entries, and each credential with what -f, -e, -a, -d
 * and -C add.  Times are written in the user's locale (core/text.h).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/flags.h"
#include "core/text.h"
#include "klist.h"
#include "wire/der.h"

/* Columns of a config entry's value, as MIT wraps it. */
#define CONFIG_INDENT 8
#define CONFIG_WRAP 72

/*
 * Times already written, by value: a cache's tickets share a handful of
 * start and end times (ten thousand tickets from one kvno run have about
 * seven), and each one written anew costs a localtime and a strftime
 * (~4,700 instructions).  The width is the same for the whole run.
 */
#define TIME_SLOTS 16
static struct {
    bool set;
    krb5_timestamp ts;
    unsigned int width;
    char text[128];
} times_written[TIME_SLOTS];

static void
print_time(struct lister *l, krb5_timestamp ts)
{
    unsigned int slot = (uint32_t)ts % TIME_SLOTS;
    char buf[BUFSIZ];

    if (l->width + 1 > sizeof(times_written[0].text)) {
        fputs(ks_text_local(ts, l->width, buf, sizeof(buf)), stdout);
        return;
    }
    if (!times_written[slot].set || times_written[slot].ts != ts ||
        times_written[slot].width != l->width) {
        ks_text_local(ts, l->width, times_written[slot].text,
                      sizeof(times_written[slot].text));
        times_written[slot].ts = ts;
        times_written[slot].width = l->width;
        times_written[slot].set = true;
    }
    fputs(times_written[slot].text, stdout);
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

void
klist_text_keytab_header(struct lister *l)
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

void
klist_text_keytab_entry(struct lister *l, const krb5_keytab_entry *entry,
                        const char *pname)
{
    char ename[128];

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
}

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
        klist_report(l, ret, "while unparsing ticket server name");
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
    fputs("  ", stdout);
    fputs(sname, stdout);
    putchar('\n');
}

/* DATA with krb5_unparse_name's quoting, at Q. */
static char *
quote(char *q, const krb5_data *data)
{
    for (unsigned int i = 0; i < data->length; i++) {
        char c = data->data[i];

        switch (c) {
        case '@': case '/': case '\\':
            *q++ = '\\';
            *q++ = c;
            break;
        case '\t': *q++ = '\\'; *q++ = 't'; break;
        case '\n': *q++ = '\\'; *q++ = 'n'; break;
        case '\b': *q++ = '\\'; *q++ = 'b'; break;
        case '\0': *q++ = '\\'; *q++ = '0'; break;
        default: *q++ = c; break;
        }
    }
    return q;
}

/*
 * SERVER as krb5_unparse_name writes it ("a/b@R", separators and control
 * characters quoted), into l->sname, a buffer kept for the whole listing:
 * one allocation per line less.  (krb5_unparse_name_ext, which takes a
 * buffer, leaks it when it is already large enough.)
 */
static krb5_error_code
unparse_server(struct lister *l, krb5_const_principal server)
{
    size_t need = 2 * (size_t)server->realm.length + 2;
    krb5_error_code ret;
    char *q;

    /* No name strings: a rarity, left to libkrb5. */
    if (server->length <= 0) {
        ret = krb5_unparse_name(l->k5, server, &q);
        if (ret)
            return ret;
        free(l->sname);
        l->sname = q;
        l->sname_size = strlen(q) + 1;
        return 0;
    }
    for (krb5_int32 i = 0; i < server->length; i++)
        need += 2 * (size_t)server->data[i].length + 1;
    if (need > l->sname_size) {
        q = realloc(l->sname, need);
        if (q == NULL)
            return ENOMEM;
        l->sname = q;
        l->sname_size = need;
    }
    q = l->sname;
    for (krb5_int32 i = 0; i < server->length; i++) {
        if (i > 0)
            *q++ = '/';
        q = quote(q, &server->data[i]);
    }
    *q++ = '@';
    q = quote(q, &server->realm);
    *q = '\0';
    return 0;
}

static bool
der_is(const struct ks_der_tlv *t, const krb5_data *d)
{
    return t->value_len == d->length &&
           memcmp(t->value, d->data, d->length) == 0;
}

/*
 * Whether the DER Ticket names SERVER (realm and name strings), read in
 * place.  Decoding every ticket (krb5_decode_ticket) costs ~6,000
 * instructions and a dozen allocations, only to learn that its server is
 * the one it is cached under, which it is but for referrals.  False when
 * it cannot tell: the caller then decodes, as MIT's klist does, and shows
 * what the decoded ticket says (a ticket libkrb5 cannot decode shows no
 * line either way).
 */
static bool
ticket_names(const krb5_data *ticket, krb5_const_principal server)
{
    static const struct ks_der_step ticket_path[] = {
        { KS_DER_APPLICATION, 1 }, { KS_DER_UNIVERSAL, 16 },
    };
    const uint8_t *buf = (const uint8_t *)ticket->data;
    struct ks_der_tlv seq, field, t, s;
    size_t off, at;
    krb5_int32 i = 0;
    bool realm_ok = false;

    if (ks_der_find(buf, ticket->length, ticket_path, 2, &seq) != 0)
        return false;
    /* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1],
     * sname [2] PrincipalName, enc-part [3] }. */
    for (off = 0; off < seq.value_len; off += field.total_len) {
        if (ks_der_read(seq.value + off, seq.value_len - off, &field) != 0 ||
            field.cls != KS_DER_CONTEXT)
            return false;
        if (field.tag == 1) {
            if (ks_der_read(field.value, field.value_len, &s) != 0 ||
                s.constructed || s.cls != KS_DER_UNIVERSAL || s.tag != 27 ||
                !der_is(&s, &server->realm))
                return false;
            realm_ok = true;
        }
        if (field.tag == 2)
            break;
    }
    /* PrincipalName ::= SEQUENCE { name-type [0], name-string [1]
     * SEQUENCE OF KerberosString } */
    if (!realm_ok || off >= seq.value_len ||
        ks_der_read(field.value, field.value_len, &t) != 0 ||
        t.cls != KS_DER_UNIVERSAL || t.tag != 16 || !t.constructed)
        return false;
    for (at = 0; at < t.value_len; at += s.total_len) {
        if (ks_der_read(t.value + at, t.value_len - at, &s) != 0)
            return false;
        if (s.cls == KS_DER_CONTEXT && s.tag == 1)
            break;
    }
    if (at >= t.value_len ||
        ks_der_read(s.value, s.value_len, &seq) != 0 ||
        seq.cls != KS_DER_UNIVERSAL || seq.tag != 16 || !seq.constructed)
        return false;
    for (off = 0; off < seq.value_len; off += s.total_len, i++) {
        if (ks_der_read(seq.value + off, seq.value_len - off, &s) != 0 ||
            s.constructed || s.cls != KS_DER_UNIVERSAL || s.tag != 27 ||
            i >= server->length || !der_is(&s, &server->data[i]))
            return false;
    }
    return i == server->length;
}

void
klist_text_credential(struct lister *l, const krb5_creds *cred)
{
    krb5_boolean is_config = krb5_is_config_principal(l->k5, cred->server);
    krb5_ticket *tkt = NULL;
    char *name = NULL;
    krb5_error_code ret;
    int extra = 0, col = 0;

    /* The default client's name is known: unparse only another's. */
    if (l->defprinc == NULL ||
        !krb5_principal_compare(l->k5, cred->client, l->defprinc)) {
        ret = krb5_unparse_name(l->k5, cred->client, &name);
        if (ret) {
            klist_report(l, ret, "while unparsing client name");
            goto cleanup;
        }
    }
    ret = unparse_server(l, cred->server);
    if (ret) {
        klist_report(l, ret, "while unparsing server name");
        goto cleanup;
    }
    /* The ticket only for -e, or when it may name another server. */
    if (!is_config && (l->o->etype || !ticket_names(&cred->ticket,
                                                     cred->server)))
        (void)krb5_decode_ticket(&cred->ticket, &tkt);
    if (!is_config)
        print_main_line(l, cred, l->sname);
    else
        col = print_config_name(cred->server);
    if (name != NULL && strcmp(name, l->defname) != 0) {
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
    krb5_free_ticket(l->k5, tkt);
}

void
klist_text_cache_header(struct lister *l, krb5_ccache cache)
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


/* -l: "Principal name / Cache name" over their underlines. */
void
klist_text_list_header(void)
{
    printf("%-30s %s\n", "Principal name", "Cache name");
    printf("%-30s %s\n", "--------------", "----------");
}

void
klist_text_list_line(const char *pname, const char *ccname, bool expired)
{
    printf("%-30.30s %s%s\n", pname, ccname, expired ? " (Expired)" : "");
}

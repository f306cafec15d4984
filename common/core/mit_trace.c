#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <com_err.h>

#include "core/mit_trace.h"

/* A message longer than this is cut: no MIT client line comes near it. */
#define KS_MTRACE_MAX 8192

struct ks_mit_trace {
    int fd;
};

/* The message being built; bounded, so a long list cannot overflow it. */
struct line {
    char buf[KS_MTRACE_MAX];
    size_t len;
};

void
ks_mit_trace_open_env(struct ks_mit_trace **sink_out)
{
    struct ks_mit_trace *sink;
    const char *name = secure_getenv("KRB5_TRACE");
    int fd;

    *sink_out = NULL;
    if (name == NULL)
        return;
    /* As MIT's krb5_set_trace_filename: appending, so that libkrb5's own
     * lines (on its own descriptor) and ours interleave in order. */
    fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    sink = malloc(sizeof(*sink));
    if (sink == NULL) {
        close(fd);
        return;
    }
    sink->fd = fd;
    *sink_out = sink;
}

void
ks_mit_trace_close(struct ks_mit_trace *sink)
{
    if (sink == NULL)
        return;
    close(sink->fd);
    free(sink);
}

bool
ks_mit_trace_on(const struct ks_context *ctx)
{
    return ctx != NULL && ctx->mit_trace != NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
add_fmt(struct line *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->len >= sizeof(l->buf) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
    if (l->len > sizeof(l->buf) - 1)
        l->len = sizeof(l->buf) - 1;
}

static void
add_str(struct line *l, const char *s)
{
    add_fmt(l, "%s", s);
}

/* MIT shows printable bytes as they are and others as \xNN, so a name or
 * salt with a newline cannot forge a trace line. */
static void
add_printable(struct line *l, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)p[i];

        if (b >= 32 && b <= 126)
            add_fmt(l, "%c", b);
        else
            add_fmt(l, "\\x%02x", b);
    }
}

static void
add_hex(struct line *l, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++)
        add_fmt(l, "%02X", b[i]);
}

/* {etype}: the shortest name, as MIT (krb5_enctype_to_name with
 * shortest), else the number. */
static void
add_etype(struct line *l, krb5_enctype e)
{
    char name[64];

    if (krb5_enctype_to_name(e, TRUE, name, sizeof(name)) == 0)
        add_str(l, name);
    else
        add_fmt(l, "%d", (int)e);
}

/* {keyblock}: the enctype and the first two bytes of the SHA-1 of the key,
 * as four upper-case hex digits: enough to tell keys apart, nothing more. */
static void
add_keyblock(struct ks_context *ctx, struct line *l,
             const krb5_keyblock *key)
{
    krb5_checksum sum = { 0 };
    krb5_data in;

    if (key == NULL) {
        add_str(l, "(null)");
        return;
    }
    add_etype(l, key->enctype);
    add_str(l, "/");
    in.magic = KV5M_DATA;
    in.data = (char *)key->contents;
    in.length = key->length;
    if (krb5_c_make_checksum(ctx->k5, CKSUMTYPE_SHA1, NULL, 0, &in,
                             &sum) == 0 && sum.length >= 2)
        add_fmt(l, "%02X%02X", sum.contents[0], sum.contents[1]);
    krb5_free_checksum_contents(ctx->k5, &sum);
}

static const char *
patype_name(krb5_preauthtype t)
{
    switch (t) {
    case 1: return "PA-TGS-REQ";
    case 2: return "PA-ENC-TIMESTAMP";
    case 3: return "PA-PW-SALT";
    case 11: return "PA-ETYPE-INFO";
    case 16: return "PA-PK-AS-REQ";
    case 17: return "PA-PK-AS-REP";
    case 19: return "PA-ETYPE-INFO2";
    case 20: return "PA-SVR-REFERRAL-INFO";
    case 128: return "PA-PAC-REQUEST";
    case 129: return "PA-FOR_USER";
    case 130: return "PA-FOR-X509-USER";
    case 133: return "PA-FX-COOKIE";
    case 136: return "PA-FX-FAST";
    case 137: return "PA-FX-ERROR";
    case 138: return "PA-ENCRYPTED-CHALLENGE";
    case 141: return "PA-OTP-CHALLENGE";
    case 142: return "PA-OTP-REQUEST";
    case 147: return "PA-PKINIT-KX";
    case 149: return "PA-REQ-ENC-PA-REP";
    case 151: return "PA-SPAKE";
    case 165: return "PA-REDHAT-IDP-OAUTH2";
    case 167: return "PA-PAC-OPTIONS";
    default: return NULL;
    }
}

static void
add_patypes(struct line *l, krb5_pa_data *const *pa)
{
    const char *name;

    if (pa == NULL || *pa == NULL)
        add_str(l, "(empty)");
    for (; pa != NULL && *pa != NULL; pa++) {
        name = patype_name((*pa)->pa_type);
        if (name != NULL)
            add_fmt(l, "%s (%d)", name, (int)(*pa)->pa_type);
        else
            add_fmt(l, "%d", (int)(*pa)->pa_type);
        if (pa[1] != NULL)
            add_str(l, ", ");
    }
}

static void
add_etypes(struct line *l, const krb5_enctype *e)
{
    if (e == NULL || *e == 0)
        add_str(l, "(empty)");
    for (; e != NULL && *e != 0; e++) {
        add_etype(l, *e);
        if (e[1] != 0)
            add_str(l, ", ");
    }
}

static void
add_raddr(struct line *l, int tcp, const struct sockaddr *sa)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    socklen_t len = sa->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in);

    add_str(l, tcp ? "stream" : "dgram");
    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        add_fmt(l, " %s:%s", host, serv);
    else
        add_fmt(l, " af%d", (int)sa->sa_family);
}

static void
add_princ(struct ks_context *ctx, struct line *l, krb5_const_principal p)
{
    char *s = NULL;

    if (p != NULL && krb5_unparse_name(ctx->k5, p, &s) == 0)
        add_str(l, s);
    krb5_free_unparsed_name(ctx->k5, s);
}

/* {kerr}: the code's own text, not a message we prepended context to. */
static void
add_kerr(struct line *l, krb5_error_code code)
{
    add_fmt(l, "%ld/%s", (long)code, code ? error_message(code) : "Success");
}

static void
add_ccache(struct ks_context *ctx, struct line *l, krb5_ccache cc)
{
    add_fmt(l, "%s:%s", krb5_cc_get_type(ctx->k5, cc),
            krb5_cc_get_name(ctx->k5, cc));
}

static void
add_keytab(struct ks_context *ctx, struct line *l, krb5_keytab kt)
{
    char name[1024];

    if (krb5_kt_get_name(ctx->k5, kt, name, sizeof(name)) == 0)
        add_str(l, name);
}

/* One {word}; returns false for a word we do not know (the message then
 * ends, as it would be wrong from there on). */
static bool
add_word(struct ks_context *ctx, struct line *l, const char *w, va_list *ap)
{
    const krb5_data *d;
    const char *s;
    size_t n;
    int tcp;

    if (strcmp(w, "int") == 0) {
        add_fmt(l, "%d", va_arg(*ap, int));
    } else if (strcmp(w, "long") == 0) {
        add_fmt(l, "%ld", va_arg(*ap, long));
    } else if (strcmp(w, "str") == 0) {
        s = va_arg(*ap, const char *);
        s = s == NULL ? "(null)" : s;
        add_printable(l, s, strlen(s));
    } else if (strcmp(w, "lenstr") == 0) {
        n = va_arg(*ap, size_t);
        s = va_arg(*ap, const char *);
        if (s == NULL && n != 0)
            add_str(l, "(null)");
        else if (s != NULL)
            add_printable(l, s, n);
    } else if (strcmp(w, "data") == 0 || strcmp(w, "hexdata") == 0) {
        d = va_arg(*ap, const krb5_data *);
        if (d == NULL || (d->length != 0 && d->data == NULL))
            add_str(l, "(null)");
        else if (w[0] == 'h')
            add_hex(l, d->data, d->length);
        else
            add_printable(l, d->data, d->length);
    } else if (strcmp(w, "errno") == 0) {
        n = (size_t)va_arg(*ap, int);
        add_fmt(l, "%d/%s", (int)n, strerror((int)n));
    } else if (strcmp(w, "kerr") == 0) {
        add_kerr(l, va_arg(*ap, krb5_error_code));
    } else if (strcmp(w, "keyblock") == 0) {
        add_keyblock(ctx, l, va_arg(*ap, const krb5_keyblock *));
    } else if (strcmp(w, "princ") == 0) {
        add_princ(ctx, l, va_arg(*ap, krb5_const_principal));
    } else if (strcmp(w, "etype") == 0) {
        add_etype(l, va_arg(*ap, krb5_enctype));
    } else if (strcmp(w, "etypes") == 0) {
        add_etypes(l, va_arg(*ap, const krb5_enctype *));
    } else if (strcmp(w, "patypes") == 0) {
        add_patypes(l, va_arg(*ap, krb5_pa_data *const *));
    } else if (strcmp(w, "ccache") == 0) {
        add_ccache(ctx, l, va_arg(*ap, krb5_ccache));
    } else if (strcmp(w, "keytab") == 0) {
        add_keytab(ctx, l, va_arg(*ap, krb5_keytab));
    } else if (strcmp(w, "raddr") == 0) {
        tcp = va_arg(*ap, int);
        add_raddr(l, tcp, va_arg(*ap, const struct sockaddr *));
    } else {
        return false;
    }
    return true;
}

static void
format(struct ks_context *ctx, struct line *l, const char *fmt, va_list *ap)
{
    char word[16];
    size_t n;

    for (;;) {
        n = strcspn(fmt, "{");
        add_fmt(l, "%.*s", (int)n, fmt);
        if (fmt[n] == '\0')
            return;
        fmt += n + 1;
        n = strcspn(fmt, "}");
        if (fmt[n] == '\0' || n >= sizeof(word))
            return;
        memcpy(word, fmt, n);
        word[n] = '\0';
        fmt += n + 1;
        if (!add_word(ctx, l, word, ap))
            return;
    }
}

void
ks_mtrace(struct ks_context *ctx, const char *fmt, ...)
{
    struct line *l;
    struct timeval tv;
    char head[64];
    int hlen;
    va_list ap;

    if (!ks_mit_trace_on(ctx))
        return;
    l = malloc(sizeof(*l));
    if (l == NULL)
        return;
    gettimeofday(&tv, NULL);
    /* MIT's prefix, "%d.%d" included: its microseconds are not padded. */
    hlen = snprintf(head, sizeof(head), "[%d] %d.%d: ", (int)getpid(),
                    (int)tv.tv_sec, (int)tv.tv_usec);
    l->len = 0;
    add_fmt(l, "%.*s", hlen, head);
    va_start(ap, fmt);
    format(ctx, l, fmt, &ap);
    va_end(ap);
    if (l->len > sizeof(l->buf) - 2)
        l->len = sizeof(l->buf) - 2;
    l->buf[l->len++] = '\n';
    /* One write per line, so lines from libkrb5's descriptor never land in
     * the middle of ours. */
    (void)!write(ctx->mit_trace->fd, l->buf, l->len);
    explicit_bzero(l, sizeof(*l));
    free(l);
}

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/trace.h"

struct ks_trace {
    FILE *out;
    bool owns_out;
    enum ks_trace_format format;
    bool show_keys;
    const char *program;
};

krb5_error_code
ks_trace_open(const char *dest, enum ks_trace_format format,
              const char *program, bool show_keys,
              struct ks_trace **trace_out)
{
    struct ks_trace *t;
    int fd;

    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return ENOMEM;
    t->format = format;
    t->show_keys = show_keys;
    t->program = program;
    if (strcmp(dest, "-") == 0) {
        t->out = stderr;
    } else {
        /* 0600: a trace holds ticket bytes and principal names. */
        fd = open(dest, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || (t->out = fdopen(fd, "a")) == NULL) {
            int err = errno;

            if (fd >= 0)
                close(fd);
            free(t);
            return err;
        }
        t->owns_out = true;
    }
    *trace_out = t;
    return 0;
}

void
ks_trace_close(struct ks_trace *trace)
{
    if (trace == NULL)
        return;
    if (trace->owns_out)
        fclose(trace->out);
    else
        fflush(trace->out);
    free(trace);
}

bool
ks_trace_enabled(const struct ks_trace *trace)
{
    return trace != NULL;
}

bool
ks_trace_show_keys(const struct ks_trace *trace)
{
    return trace != NULL && trace->show_keys;
}

static void
write_json(struct ks_trace *t, const char *stage, int step,
           const char *event, const char *msg)
{
    struct timeval tv;
    struct tm tm;
    char stamp[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(t->out, "{\"time\":\"%s.%03ldZ\",\"program\":", stamp,
            (long)(tv.tv_usec / 1000));
    ks_json_string(t->out, t->program);
    fputs(",\"stage\":", t->out);
    ks_json_string(t->out, stage);
    fprintf(t->out, ",\"step\":%d,\"event\":", step);
    ks_json_string(t->out, event);
    fputs(",\"message\":", t->out);
    ks_json_string(t->out, msg);
    fputs("}\n", t->out);
}

void
ks_trace(struct ks_trace *trace, const char *stage, int step,
         const char *event, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    if (trace == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (trace->format == KS_TRACE_JSON)
        write_json(trace, stage, step, event, buf);
    else
        fprintf(trace->out, "%s: [%s] %s\n", trace->program, stage, buf);
    fflush(trace->out);
}

void
ks_key_fingerprint(krb5_context kctx, const krb5_keyblock *key, char buf[5])
{
    krb5_checksum sum = { 0 };
    krb5_data in;

    in.magic = KV5M_DATA;
    in.data = (char *)key->contents;
    in.length = key->length;
    if (krb5_c_make_checksum(kctx, CKSUMTYPE_SHA1, NULL, 0, &in, &sum) != 0 ||
        sum.length < 2) {
        snprintf(buf, 5, "????");
    } else {
        snprintf(buf, 5, "%02x%02x", sum.contents[0], sum.contents[1]);
    }
    krb5_free_checksum_contents(kctx, &sum);
}

const char *
ks_trace_key(const struct ks_trace *trace, krb5_context kctx,
             const krb5_keyblock *key, char *buf, size_t len)
{
    char name[64], fp[5];
    size_t used;

    if (krb5_enctype_to_name(key->enctype, FALSE, name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "enctype %d", (int)key->enctype);
    ks_key_fingerprint(kctx, key, fp);
    used = (size_t)snprintf(buf, len, "%s key %s", name, fp);
    if (ks_trace_show_keys(trace) && used < len) {
        snprintf(buf + used, len - used, " (");
        used += 2;
        for (unsigned int i = 0; i < key->length && used + 3 < len; i++) {
            snprintf(buf + used, len - used, "%02x", key->contents[i]);
            used += 2;
        }
        if (used + 1 < len)
            snprintf(buf + used, len - used, ")");
    }
    return buf;
}

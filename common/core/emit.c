/*
 * emit: one writer, two renderings.  Output is streamed as it is emitted;
 * a small stack of open frames knows, for JSON, whether a comma is due
 * and, for text, the indentation and whether an array is written inline
 * ("etype: a, b") or as a block of "- " items.
 *
 * Every string that may come off the wire (names, e-text, data) is written
 * with bytes outside printable ASCII as \xNN, in both formats, so neither a
 * terminal nor a JSON parser ever sees raw control or invalid UTF-8 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/emit.h"
#include "core/errors.h"
#include "core/flags.h"
#include "core/json.h"
#include "core/text.h"
#include "core/trace.h"

#define MAX_FRAMES 48

enum frame_kind {
    FRAME_OBJECT,
    FRAME_ARRAY,
    FRAME_FLAT,        /* a step at object level: its fields join the parent */
};

/* How a text array is being written. */
enum array_mode { ARRAY_EMPTY, ARRAY_INLINE, ARRAY_BLOCK };

struct frame {
    enum frame_kind kind;
    int level;               /* text indentation of the children */
    unsigned int count;      /* JSON members written so far */
    enum array_mode mode;
    bool dash;               /* text: the next line starts an array item */
};

struct ks_emit {
    FILE *out;
    enum ks_emit_format format;
    bool show_keys;
    int depth;               /* frames in use; 0 after finish */
    int overflow;            /* frames refused beyond MAX_FRAMES */
    bool opened;             /* JSON: the document's "{" is written */
    struct frame stack[MAX_FRAMES];
};

krb5_error_code
ks_emit_new(FILE *out, enum ks_emit_format format, bool show_keys,
            struct ks_emit **emit_out)
{
    struct ks_emit *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return ENOMEM;
    e->out = out;
    e->format = format;
    e->show_keys = show_keys;
    e->depth = 1;
    e->stack[0].kind = FRAME_OBJECT;
    *emit_out = e;
    return 0;
}

bool
ks_emit_is_json(const struct ks_emit *e)
{
    return e->format == KS_EMIT_JSON;
}

bool
ks_emit_shows_keys(const struct ks_emit *e)
{
    return e->show_keys;
}

static struct frame *
top(struct ks_emit *e)
{
    return &e->stack[e->depth - 1];
}

/* The frame whose JSON container a member is written into. */
static struct frame *
json_container(struct ks_emit *e)
{
    int i = e->depth - 1;

    while (i > 0 && e->stack[i].kind == FRAME_FLAT)
        i--;
    return &e->stack[i];
}

/* Write LEN bytes of S with everything but printable ASCII as \xNN. */
static void
write_clean(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
}

/* S cleaned as write_clean() does, as a JSON string. */
static void
json_clean(FILE *out, const char *s, size_t len)
{
    char *buf = malloc(len * 4 + 1);
    size_t n = 0;

    if (buf == NULL) {
        fputs("\"\"", out);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f)
            buf[n++] = (char)c;
        else
            n += (size_t)snprintf(buf + n, 5, "\\x%02x", c);
    }
    ks_json_string_len(out, buf, n);
    free(buf);
}

static void
indent(FILE *out, int level)
{
    for (int i = 0; i < level; i++)
        fputs("  ", out);
}

/* JSON: the comma and "key": before a member or array element. */
static void
json_member(struct ks_emit *e, const char *key)
{
    struct frame *f = json_container(e);

    /* Opened late, so a program that stops on a usage error before
     * writing anything leaves stdout empty. */
    if (!e->opened) {
        fputc('{', e->out);
        e->opened = true;
    }
    if (f->count++ > 0)
        fputc(',', e->out);
    if (f->kind != FRAME_ARRAY && key != NULL) {
        ks_json_string(e->out, key);
        fputc(':', e->out);
    }
}

/* Text: start a line for KEY at the current frame ("  key:", "  - key:",
 * "  -"), without the value and without the newline. */
static void
text_line(struct ks_emit *e, const char *key)
{
    struct frame *f = top(e);

    if (f->dash) {
        indent(e->out, f->level - 1);
        fputs("- ", e->out);
        f->dash = false;
    } else {
        indent(e->out, f->level);
    }
    if (key != NULL) {
        write_clean(e->out, key, strlen(key));
        fputc(':', e->out);
    } else {
        fputc('-', e->out);
    }
}

/* Text: an array that meets a block element after inline ones breaks the
 * line and goes on as a block. */
static void
text_block_element(struct ks_emit *e)
{
    struct frame *f = top(e);

    if (f->mode == ARRAY_INLINE)
        fputc('\n', e->out);
    else if (f->mode == ARRAY_EMPTY)
        fputc('\n', e->out);
    f->mode = ARRAY_BLOCK;
}

/* Text: begin a scalar; afterwards the caller writes the value and calls
 * text_scalar_end(). */
static void
text_scalar_begin(struct ks_emit *e, const char *key)
{
    struct frame *f = top(e);

    if (f->kind == FRAME_ARRAY && f->mode != ARRAY_BLOCK) {
        fputs(f->mode == ARRAY_INLINE ? ", " : " ", e->out);
        f->mode = ARRAY_INLINE;
        return;
    }
    if (f->kind == FRAME_ARRAY)
        text_line(e, NULL);
    else
        text_line(e, key);
    fputc(' ', e->out);
}

static void
text_scalar_end(struct ks_emit *e)
{
    struct frame *f = top(e);

    if (!(f->kind == FRAME_ARRAY && f->mode == ARRAY_INLINE))
        fputc('\n', e->out);
}

/* Begin a scalar member in either format. */
static void
scalar_begin(struct ks_emit *e, const char *key)
{
    if (e->format == KS_EMIT_JSON)
        json_member(e, key);
    else
        text_scalar_begin(e, key);
}

static void
scalar_end(struct ks_emit *e)
{
    if (e->format == KS_EMIT_TEXT)
        text_scalar_end(e);
}

static bool
push(struct ks_emit *e, enum frame_kind kind, int level, bool dash)
{
    struct frame *f;

    if (e->depth >= MAX_FRAMES) {
        e->overflow++;
        return false;
    }
    f = &e->stack[e->depth++];
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->level = level;
    f->dash = dash;
    return true;
}

static void
begin_container(struct ks_emit *e, const char *key, enum frame_kind kind)
{
    struct frame *parent = top(e);
    bool in_array = parent->kind == FRAME_ARRAY;

    if (e->format == KS_EMIT_JSON) {
        json_member(e, key);
        fputc(kind == FRAME_ARRAY ? '[' : '{', e->out);
        push(e, kind, 0, false);
        return;
    }
    if (in_array)
        text_block_element(e);
    if (kind == FRAME_OBJECT && in_array) {
        /* The item's first line carries the dash. */
        push(e, kind, parent->level + 1, true);
        return;
    }
    text_line(e, in_array ? NULL : key);
    if (kind == FRAME_OBJECT)
        fputc('\n', e->out);
    push(e, kind, parent->level + 1, false);
}

void
ks_emit_begin_object(struct ks_emit *e, const char *key)
{
    begin_container(e, key, FRAME_OBJECT);
}

void
ks_emit_begin_array(struct ks_emit *e, const char *key)
{
    begin_container(e, key, FRAME_ARRAY);
}

void
ks_emit_begin_steps(struct ks_emit *e, const char *key)
{
    if (e->format == KS_EMIT_JSON)
        ks_emit_begin_array(e, key);
    else
        push(e, FRAME_FLAT, top(e)->level, false);
}

void
ks_emit_begin_step(struct ks_emit *e, int step, const char *name)
{
    struct frame *parent = top(e);

    if (e->format == KS_EMIT_JSON) {
        if (json_container(e)->kind == FRAME_ARRAY)
            ks_emit_begin_object(e, NULL);
        else
            push(e, FRAME_FLAT, 0, false);
        if (step > 0)
            ks_emit_int(e, "step", step);
        ks_emit_string(e, "name", name);
        return;
    }
    indent(e->out, parent->level);
    if (step > 0)
        fprintf(e->out, "[%d/8 %s]\n", step, name);
    else
        fprintf(e->out, "[%s]\n", name);
    push(e, FRAME_FLAT, parent->level + 1, false);
}

/* Text: an object item of an array that got no field still shows. */
static void
empty_item(struct ks_emit *e)
{
    struct frame *f = top(e);

    indent(e->out, f->level - 1);
    fputs("- (empty)\n", e->out);
}

static void
end_text_array(struct ks_emit *e, struct frame *f)
{
    if (f->mode == ARRAY_INLINE)
        fputc('\n', e->out);
    else if (f->mode == ARRAY_EMPTY)
        fputs(" (none)\n", e->out);
}

void
ks_emit_end(struct ks_emit *e)
{
    struct frame *f;

    if (e->overflow > 0) {
        e->overflow--;
        return;
    }
    if (e->depth <= 1)
        return;                 /* the root is closed by finish */
    f = top(e);
    if (e->format == KS_EMIT_JSON && f->kind != FRAME_FLAT)
        fputc(f->kind == FRAME_ARRAY ? ']' : '}', e->out);
    else if (e->format == KS_EMIT_TEXT && f->kind == FRAME_ARRAY)
        end_text_array(e, f);
    else if (e->format == KS_EMIT_TEXT && f->kind == FRAME_OBJECT && f->dash)
        empty_item(e);
    e->depth--;
}

void
ks_emit_finish(struct ks_emit *e)
{
    if (e == NULL)
        return;
    e->overflow = 0;
    while (e->depth > 1)
        ks_emit_end(e);
    if (e->format == KS_EMIT_JSON)
        fputs(e->opened ? "}\n" : "{}\n", e->out);
    fflush(e->out);
    free(e);
}

void
ks_emit_string(struct ks_emit *e, const char *key, const char *value)
{
    if (value == NULL) {
        ks_emit_null(e, key);
        return;
    }
    ks_emit_string_len(e, key, value, strlen(value));
}

void
ks_emit_string_len(struct ks_emit *e, const char *key, const char *value,
                   size_t len)
{
    scalar_begin(e, key);
    if (e->format == KS_EMIT_JSON)
        json_clean(e->out, value, len);
    else if (len == 0)
        fputs("(empty)", e->out);
    else
        write_clean(e->out, value, len);
    scalar_end(e);
}

void
ks_emit_null(struct ks_emit *e, const char *key)
{
    scalar_begin(e, key);
    fputs(e->format == KS_EMIT_JSON ? "null" : "(none)", e->out);
    scalar_end(e);
}

void
ks_emit_data(struct ks_emit *e, const char *key, const krb5_data *d)
{
    if (d == NULL || (d->length > 0 && d->data == NULL)) {
        ks_emit_null(e, key);
        return;
    }
    ks_emit_string_len(e, key, d->data, d->length);
}

void
ks_emit_int(struct ks_emit *e, const char *key, long long value)
{
    scalar_begin(e, key);
    fprintf(e->out, "%lld", value);
    scalar_end(e);
}

void
ks_emit_named_int(struct ks_emit *e, const char *key, long long value,
                  const char *name)
{
    char namekey[128];

    if (e->format == KS_EMIT_JSON) {
        ks_emit_int(e, key, value);
        if (name != NULL && key != NULL && top(e)->kind != FRAME_ARRAY) {
            snprintf(namekey, sizeof(namekey), "%s-name", key);
            ks_emit_string(e, namekey, name);
        }
        return;
    }
    scalar_begin(e, key);
    fprintf(e->out, "%lld", value);
    if (name != NULL)
        fprintf(e->out, " (%s)", name);
    scalar_end(e);
}

void
ks_emit_double(struct ks_emit *e, const char *key, double value)
{
    scalar_begin(e, key);
    fprintf(e->out, "%.3f", value);
    scalar_end(e);
}

void
ks_emit_bool(struct ks_emit *e, const char *key, bool value)
{
    scalar_begin(e, key);
    if (e->format == KS_EMIT_JSON)
        fputs(value ? "true" : "false", e->out);
    else
        fputs(value ? "yes" : "no", e->out);
    scalar_end(e);
}

void
ks_emit_hex(struct ks_emit *e, const char *key, const void *bytes,
            size_t len)
{
    const unsigned char *b = bytes;

    scalar_begin(e, key);
    if (e->format == KS_EMIT_JSON)
        fputc('"', e->out);
    for (size_t i = 0; i < len; i++)
        fprintf(e->out, "%02x", b[i]);
    if (e->format == KS_EMIT_JSON)
        fputc('"', e->out);
    else if (len == 0)
        fputs("(empty)", e->out);
    scalar_end(e);
}

/* A value people read as TEXT (printable ASCII: a time, an enctype
 * name), and machines as an object of TEXT under TEXT_KEY and NUMBER
 * under NUMBER_KEY; in text " (NUMBER)" follows when WITH_NUMBER.  JSON
 * is written straight: klist --json writes four of these per ticket. */
static void
text_and_number(struct ks_emit *e, const char *key, const char *text,
                const char *text_key, const char *number_key,
                long long number, bool with_number)
{
    if (e->format == KS_EMIT_JSON) {
        json_member(e, key);
        fprintf(e->out, "{\"%s\":", text_key);
        ks_json_string(e->out, text);
        fprintf(e->out, ",\"%s\":%lld}", number_key, number);
        return;
    }
    scalar_begin(e, key);
    write_clean(e->out, text, strlen(text));
    if (with_number)
        fprintf(e->out, " (%lld)", number);
    scalar_end(e);
}

void
ks_emit_time(struct ks_emit *e, const char *key, krb5_timestamp t)
{
    char iso[64];

    /* Kerberos timestamps are unsigned in practice (y2038): see
     * LIBKRB5.md. */
    ks_text_iso(t, iso, sizeof(iso));
    text_and_number(e, key, iso, "iso", "epoch", (uint32_t)t, false);
}

void
ks_emit_principal(struct ks_emit *e, const char *key, krb5_context k5,
                  krb5_const_principal p)
{
    char *name = NULL;

    if (p == NULL) {
        ks_emit_null(e, key);
        return;
    }
    if (krb5_unparse_name(k5, p, &name) != 0) {
        ks_emit_string(e, key, "(unprintable name)");
        return;
    }
    ks_emit_string(e, key, name);
    krb5_free_unparsed_name(k5, name);
}

void
ks_emit_enctype(struct ks_emit *e, const char *key, krb5_enctype et)
{
    char name[64];

    ks_text_enctype(et, name, sizeof(name));
    ks_emit_string(e, key, name);
}

static void
write_key_hex(FILE *out, const krb5_keyblock *kb)
{
    for (unsigned int i = 0; i < kb->length; i++)
        fprintf(out, "%02x", kb->contents[i]);
}

void
ks_emit_key(struct ks_emit *e, const char *key, krb5_context k5,
            const krb5_keyblock *kb)
{
    char name[64], fp[5];

    if (kb == NULL) {
        ks_emit_null(e, key);
        return;
    }
    ks_text_enctype(kb->enctype, name, sizeof(name));
    ks_key_fingerprint(k5, kb, fp);
    if (e->format == KS_EMIT_JSON) {
        json_member(e, key);
        fputs("{\"enctype\":", e->out);
        ks_json_string(e->out, name);
        fprintf(e->out, ",\"fingerprint\":\"%s\"", fp);
        if (e->show_keys) {
            fputs(",\"contents\":\"", e->out);
            write_key_hex(e->out, kb);
            fputc('"', e->out);
        }
        fputc('}', e->out);
        return;
    }
    scalar_begin(e, key);
    fprintf(e->out, "%s key %s", name, fp);
    if (e->show_keys) {
        fputs(" (", e->out);
        write_key_hex(e->out, kb);
        fputc(')', e->out);
    }
    scalar_end(e);
}

/* An array of names, most significant bit first (RFC order); bits without
 * a name as "0x00004000".  NAME_OF names one bit (flags.h). */
static void
emit_bits(struct ks_emit *e, const char *key,
          const char *(*name_of)(krb5_flags), krb5_flags flags)
{
    uint32_t bits = (uint32_t)flags;
    char hex[16];

    ks_emit_begin_array(e, key);
    for (uint32_t bit = 0x80000000u; bit != 0; bit >>= 1) {
        const char *name;

        if (!(bits & bit))
            continue;
        name = name_of((krb5_flags)bit);
        if (name == NULL) {
            snprintf(hex, sizeof(hex), "0x%08" PRIx32, bit);
            name = hex;
        }
        ks_emit_string(e, NULL, name);
    }
    ks_emit_end(e);
}

void
ks_emit_ticket_flags(struct ks_emit *e, const char *key, krb5_flags flags)
{
    emit_bits(e, key, ks_flag_name, flags);
}

void
ks_emit_kdc_options(struct ks_emit *e, const char *key, krb5_flags options)
{
    emit_bits(e, key, ks_kdc_option_name, options);
}

void
ks_emit_verdict(struct ks_emit *e, const char *key, const char *label,
                bool ok, const char *yes, const char *no, const char *detail)
{
    if (e->format == KS_EMIT_JSON) {
        ks_emit_bool(e, key, ok);
        return;
    }
    scalar_begin(e, label);
    fputs(ok ? yes : no, e->out);
    if (detail != NULL) {
        fputs(" (", e->out);
        write_clean(e->out, detail, strlen(detail));
        fputc(')', e->out);
    }
    scalar_end(e);
}

void
ks_emit_check(struct ks_emit *e, const char *key, const char *label, bool ok,
              const char *detail)
{
    ks_emit_verdict(e, key, label, ok, "yes", "no", detail);
}

void
ks_emit_note(struct ks_emit *e, const char *key, const char *text)
{
    if (e->format == KS_EMIT_JSON) {
        ks_emit_string(e, key, text);
        return;
    }
    indent(e->out, top(e)->level);
    write_clean(e->out, text, strlen(text));
    fputc('\n', e->out);
}

void
ks_emit_enctype_named(struct ks_emit *e, const char *key, krb5_enctype et)
{
    char name[64];

    ks_text_enctype(et, name, sizeof(name));
    text_and_number(e, key, name, "name", "number", et, true);
}

void
ks_emit_unwind(struct ks_emit *e)
{
    e->overflow = 0;
    while (e->depth > 1)
        ks_emit_end(e);
}

void
ks_emit_error(struct ks_emit *e, const char *key, krb5_error_code code,
              const char *message)
{
    ks_emit_begin_object(e, key);
    ks_emit_int(e, "code", code);
    ks_emit_string(e, "name", ks_error_name(code));
    ks_emit_string(e, "message", message);
    ks_emit_string(e, "hint", ks_error_hint(code));
    ks_emit_end(e);
}

void
ks_emit_error_document(FILE *out, krb5_error_code code, const char *message)
{
    const char *hint = ks_error_hint(code);

    /* Written with ks_json_string, not cleaned as members are: the
     * message keeps its UTF-8 (a principal name a user typed). */
    fprintf(out, "{\"error\":{\"code\":%ld,\"name\":", (long)code);
    ks_json_string(out, ks_error_name(code));
    fputs(",\"message\":", out);
    ks_json_string(out, message);
    fputs(",\"hint\":", out);
    if (hint != NULL)
        ks_json_string(out, hint);
    else
        fputs("null", out);
    fputs("}}\n", out);
    fflush(out);
}

void
ks_emit_ticket_times(struct ks_emit *e, const char *key,
                     const krb5_ticket_times *t)
{
    ks_emit_begin_object(e, key);
    ks_emit_time(e, "auth", t->authtime);
    ks_emit_time(e, "start", t->starttime != 0 ? t->starttime : t->authtime);
    ks_emit_time(e, "end", t->endtime);
    if (t->renew_till != 0)
        ks_emit_time(e, "renew_until", t->renew_till);
    else
        ks_emit_null(e, "renew_until");
    ks_emit_end(e);
}

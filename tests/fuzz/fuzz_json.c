/*
 * fuzz_json: the JSON writer.  The input, cut into strings, goes through
 * every kind of value emit writes (keys too), and the document must then
 * be well-formed JSON, which a small strict reader here checks: anything
 * else aborts, so the fuzzer reports it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emit.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* A strict JSON reader: returns the position after one value, or NULL. */
static const char *value(const char *p, int depth);

static const char *
ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *
string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (strchr("0123456789abcdefABCDEF", p[i]) == NULL ||
                        p[i] == '\0')
                        return NULL;
                }
                p += 4;
            } else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *
container(const char *p, int depth, char close, int keyed)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            p = string(ws(p));
            if (p == NULL || *(p = ws(p)) != ':')
                return NULL;
            p++;
        }
        p = value(p, depth + 1);
        if (p == NULL)
            return NULL;
        p = ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *
value(const char *p, int depth)
{
    char *end;

    p = ws(p);
    if (depth > 64)
        return NULL;
    if (*p == '{')
        return container(p, depth, '}', 1);
    if (*p == '[')
        return container(p, depth, ']', 0);
    if (*p == '"')
        return string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    strtod(p, &end);
    return end == p ? NULL : end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_emit *e = NULL;
    char *doc = NULL, *text;
    size_t len = 0, half = size / 2;
    krb5_data d = { 0, (unsigned int)size, (char *)data };
    FILE *out = open_memstream(&doc, &len);
    const char *end;

    if (out == NULL)
        return 0;
    text = malloc(size + 1);
    if (text == NULL || ks_emit_new(out, KS_EMIT_JSON, false, &e) != 0) {
        fclose(out);
        free(doc);
        free(text);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    ks_emit_begin_object(e, "doc");
    ks_emit_string(e, text, text + half);
    ks_emit_string_len(e, "raw", (const char *)data, size);
    ks_emit_data(e, "data", &d);
    ks_emit_hex(e, "hex", data, size);
    ks_emit_begin_array(e, text + half);
    ks_emit_string(e, NULL, text);
    ks_emit_int(e, NULL, (long long)size * 7 - 3);
    ks_emit_double(e, NULL, size / 3.0);
    ks_emit_null(e, NULL);
    ks_emit_named_int(e, NULL, (long long)half, text);
    ks_emit_end(e);
    ks_emit_named_int(e, "named", (long long)half, text + half);
    ks_emit_finish(e);
    fclose(out);
    end = value(doc, 0);
    if (end == NULL || *ws(end) != '\0') {
        fprintf(stderr, "malformed JSON: %s\n", doc);
        abort();
    }
    free(doc);
    free(text);
    return 0;
}

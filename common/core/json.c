#include <string.h>

#include "core/json.h"

/* The two-character escapes JSON has; other control bytes are \u00XX. */
static const char *
short_escape(unsigned char c)
{
    static const struct {
        unsigned char c;
        const char *escape;
    } escapes[] = {
        { '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\n" },
        { '\r', "\\r" }, { '\t', "\\t" },
    };

    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        if (escapes[i].c == c)
            return escapes[i].escape;
    }
    return NULL;
}

void
ks_json_string_len(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *escape;

        /* Most bytes pass as they are: no table look-up for them. */
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            fputc(c, out);
            continue;
        }
        escape = short_escape(c);
        if (escape != NULL)
            fputs(escape, out);
        else
            fprintf(out, "\\u%04x", c);
    }
    fputc('"', out);
}

void
ks_json_string(FILE *out, const char *s)
{
    ks_json_string_len(out, s, strlen(s));
}

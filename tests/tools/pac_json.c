/*
 * pac_json: decode one PAC with our reader and print it as kstep does
 * (JSON, or text with --text).  The file holds the PAC's bytes, or hex
 * (whitespace ignored) as the vectors of tests/fixtures/pac/ do.  Exit
 * status 0 when it decodes, 1 when the container does not.  For
 * tests/e2e/pac.bats, which compares the output with Samba's decoding.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emit.h"
#include "inspect/pac.h"
#include "inspect/pac_emit.h"

#define MAX_PAC (1024 * 1024)

/* Hex text to bytes in place; -1 when it is not hex. */
static long
unhex(unsigned char *buf, size_t len)
{
    size_t n = 0;
    int hi = -1;

    for (size_t i = 0; i < len; i++) {
        int c = buf[i], v;

        if (isspace(c))
            continue;
        if (!isxdigit(c))
            return -1;
        v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}

int
main(int argc, char **argv)
{
    static unsigned char buf[MAX_PAC];
    struct ks_emit *e = NULL;
    struct ks_pac *pac = NULL;
    bool text = argc > 2 && strcmp(argv[2], "--text") == 0;
    size_t len;
    long n;
    FILE *f;

    if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL) {
        fprintf(stderr, "usage: pac_json FILE [--text]\n");
        return 2;
    }
    len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    n = unhex(buf, len);
    if (n >= 0)
        len = (size_t)n;
    if (ks_pac_decode(buf, len, &pac) != 0) {
        fprintf(stderr, "pac_json: %s: the PAC does not decode\n", argv[1]);
        return 1;
    }
    if (ks_emit_new(stdout, text ? KS_EMIT_TEXT : KS_EMIT_JSON, false, &e)) {
        ks_pac_free(pac);
        return 1;
    }
    ks_emit_begin_object(e, "pac");
    ks_pac_emit(e, pac);
    ks_emit_end(e);
    ks_emit_finish(e);
    ks_pac_free(pac);
    return 0;
}

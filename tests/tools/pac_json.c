/*
 * pac_json: decode one PAC with our reader and print it as kstep does
 * (JSON, or text with --text).  For tests/e2e/pac.bats, which compares
 * the output with Samba's decoding of the same bytes.
 *
 *   pac_json FILE [--text]
 *       FILE holds the PAC's bytes, or hex (whitespace ignored) as the
 *       vectors of tests/fixtures/pac/ do.
 *   pac_json --ticket REP KT RAW_OUT
 *       Open the ticket in REP (a TGS-REP or a Ticket, DER) with the
 *       keytab KT, write its PAC's bytes to RAW_OUT and print them as JSON.
 *
 * Exit status 0 when the PAC decodes, 1 when it (or the ticket) does not,
 * 2 on a usage error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>

#include "core/context.h"
#include "core/emit.h"
#include "inspect/inspect.h"
#include "inspect/pac.h"
#include "inspect/pac_emit.h"

#define MAX_PAC (1024 * 1024)

static unsigned char buf[MAX_PAC];

/* Hex text to bytes in place; -1 when it is not hex. */
static long
unhex(unsigned char *p, size_t len)
{
    size_t n = 0;
    int hi = -1;

    for (size_t i = 0; i < len; i++) {
        int c = p[i], v;

        if (isspace(c))
            continue;
        if (!isxdigit(c))
            return -1;
        v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            p[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}

static int
read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return -1;
    *len_out = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return 0;
}

/* The PAC of the ticket in REP, opened with KT, into buf. */
static int
pac_of_ticket(const char *rep, const char *ktname, const char *raw_out,
              size_t *len_out)
{
    struct ks_context *ctx = NULL;
    krb5_ticket *ticket = NULL;
    krb5_authdata **found = NULL;
    krb5_keytab kt = NULL;
    krb5_data der;
    size_t len;
    FILE *f;
    int ok = -1;

    if (read_file(rep, &len) != 0 || ks_context_new("pac_json", &ctx, NULL))
        return -1;
    der.magic = KV5M_DATA;
    der.length = (unsigned int)len;
    der.data = (char *)buf;
    if (krb5_kt_resolve(ctx->k5, ktname, &kt) != 0 ||
        ks_inspect_open_ticket(ctx, &der, kt, &ticket) != 0 ||
        krb5_find_authdata(ctx->k5, ticket->enc_part2->authorization_data,
                           NULL, KRB5_AUTHDATA_WIN2K_PAC, &found) != 0 ||
        found == NULL || found[0] == NULL)
        goto cleanup;
    len = found[0]->length;
    memcpy(buf, found[0]->contents, len);
    f = fopen(raw_out, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len) {
        if (f != NULL)
            fclose(f);
        goto cleanup;
    }
    fclose(f);
    *len_out = len;
    ok = 0;

cleanup:
    krb5_free_authdata(ctx->k5, found);
    krb5_free_ticket(ctx->k5, ticket);
    if (kt != NULL)
        krb5_kt_close(ctx->k5, kt);
    ks_context_free(ctx);
    return ok;
}

int
main(int argc, char **argv)
{
    struct ks_emit *e = NULL;
    struct ks_pac *pac = NULL;
    bool text = false;
    size_t len;
    long n;

    if (argc == 5 && strcmp(argv[1], "--ticket") == 0) {
        if (pac_of_ticket(argv[2], argv[3], argv[4], &len) != 0) {
            fprintf(stderr, "pac_json: no PAC opened in %s\n", argv[2]);
            return 1;
        }
    } else if (argc == 2 || (argc == 3 && strcmp(argv[2], "--text") == 0)) {
        text = argc == 3;
        if (read_file(argv[1], &len) != 0) {
            fprintf(stderr, "pac_json: cannot read %s\n", argv[1]);
            return 1;
        }
        n = unhex(buf, len);
        if (n >= 0)
            len = (size_t)n;
    } else {
        fprintf(stderr, "usage: pac_json FILE [--text]\n"
                        "       pac_json --ticket REP KT RAW_OUT\n");
        return 2;
    }
    if (ks_pac_decode(buf, len, &pac) != 0) {
        fprintf(stderr, "pac_json: the PAC does not decode\n");
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

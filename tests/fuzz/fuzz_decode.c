/* fuzz_decode: `kstep decode FILE`, every Kerberos message described field
 * by field, in text and in JSON. */
#include <stdio.h>

#include "core/emit.h"
#include "fuzz.h"
#include "inspect/describe.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)fuzz_context();
    return 0;
}

static void
describe(struct ks_context *ctx, FILE *out, enum ks_emit_format format,
         const krb5_data *der)
{
    struct ks_emit *e = NULL;

    if (ks_emit_new(out, format, false, &e) != 0)
        return;
    (void)ks_describe_message(ctx, e, "input", der);
    ks_emit_finish(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null_out;
    struct ks_context *ctx = fuzz_context();
    krb5_data der = { 0, (unsigned int)size, (char *)data };

    if (null_out == NULL)
        null_out = fopen("/dev/null", "w");
    describe(ctx, null_out, KS_EMIT_TEXT, &der);
    describe(ctx, null_out, KS_EMIT_JSON, &der);
    return 0;
}

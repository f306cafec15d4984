/*
 * What every fuzz target shares: a context made once (KRB5_CONFIG pointed
 * at /dev/null unless the environment names one), and the entry points
 * libFuzzer calls.  Built with -Dfuzz=enabled (clang), a target is a
 * libFuzzer program; in the ordinary builds replay.c gives it a main()
 * that runs every file of its seed corpus once, as a TAP unit test.
 */
#ifndef KS_FUZZ_H
#define KS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "core/context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The run's context, made on first use; aborts when it cannot be made
 * (nothing can be fuzzed then). */
static inline struct ks_context *
fuzz_context(void)
{
    static struct ks_context *ctx;

    if (ctx == NULL) {
        setenv("KRB5_CONFIG", "/dev/null", 0);
        if (ks_context_new("fuzz", &ctx, NULL) != 0)
            abort();
    }
    return ctx;
}

#endif /* KS_FUZZ_H */

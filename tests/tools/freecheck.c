/*
 * freecheck: an LD_PRELOAD library for the secrets tests.  It wraps free()
 * and, when KS_FREECHECK_SECRET is set, looks in every block about to be
 * freed for the secret's bytes after the first 16 (which the allocator
 * overwrites with its own pointers); at exit it writes to the file named by
 * KS_FREECHECK_OUT how many freed blocks still held it.  A program that
 * zeroes its password buffers before freeing them scores 0.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*real_free)(void *);
static const char *secret;
static size_t secret_len;
static unsigned long found;
static int busy;

/* dlsym gives an object pointer; POSIX allows it to be a function's. */
static void
find_free(void)
{
    void *sym = dlsym(RTLD_NEXT, "free");

    memcpy(&real_free, &sym, sizeof(real_free));
}

__attribute__((constructor)) static void
start(void)
{
    find_free();
    secret = getenv("KS_FREECHECK_SECRET");
    secret_len = secret != NULL ? strlen(secret) : 0;
}

__attribute__((destructor)) static void
finish(void)
{
    const char *out = getenv("KS_FREECHECK_OUT");
    FILE *f;

    if (out == NULL || (f = fopen(out, "w")) == NULL)
        return;
    fprintf(f, "%lu\n", found);
    fclose(f);
}

void
free(void *p)
{
    if (p != NULL && secret_len > 16 && !busy && real_free != NULL) {
        size_t size = malloc_usable_size(p);

        busy = 1;
        /* The tail alone: the head is the allocator's after free. */
        if (size >= secret_len &&
            memmem(p, size, secret + 16, secret_len - 16) != NULL)
            found++;
        busy = 0;
    }
    if (real_free == NULL)
        find_free();
    real_free(p);
}

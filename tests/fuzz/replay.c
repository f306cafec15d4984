/*
 * replay: main() for a fuzz target in the ordinary builds.  Runs the
 * target once on every file named, or on every file of its seed corpus
 * (KS_FUZZ_CORPUS, set by meson) when none is, and prints TAP: one "ok"
 * per input.  A crash or a sanitizer finding ends the program, which the
 * test harness counts as a failure; so does an empty corpus.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (1024 * 1024)
#define REPLAY_MAX_FILES 4096

static int
read_file(const char *path, uint8_t **data_out, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    if (f == NULL)
        return -1;
    buf = malloc(REPLAY_MAX_INPUT);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, REPLAY_MAX_INPUT, f);
    fclose(f);
    *data_out = buf;
    *len_out = n;
    return 0;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of DIR, sorted, into NAMES (at most REPLAY_MAX_FILES). */
static size_t
list_dir(const char *dir, char **names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < REPLAY_MAX_FILES) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            names[n++] = strdup(path);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    return n;
}

int
main(int argc, char **argv)
{
    static char *names[REPLAY_MAX_FILES];
    size_t n = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc && n < REPLAY_MAX_FILES; i++)
            names[n++] = strdup(argv[i]);
    } else {
        n = list_dir(KS_FUZZ_CORPUS, names);
    }
    printf("1..%zu\n", n == 0 ? (size_t)1 : n);
    if (n == 0) {
        printf("not ok 1 - no seed input in %s\n", KS_FUZZ_CORPUS);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *data = NULL;
        size_t len = 0;

        if (read_file(names[i], &data, &len) != 0) {
            printf("not ok %zu - %s cannot be read\n", i + 1, names[i]);
            continue;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        printf("ok %zu - %s (%zu bytes)\n", i + 1, strrchr(names[i], '/') != NULL ? strrchr(names[i], '/') + 1 : names[i], len);
        free(names[i]);
    }
    return 0;
}

/*
 * A minimal TAP producer for the unit tests: one "ok N - name" or
 * "not ok N - name" line per check, a plan at the end, exit status 1 if any
 * check failed.
 */
#ifndef KS_TAP_H
#define KS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

#define ok(cond, ...)                                                     \
    do {                                                                  \
        int ok_cond_ = !!(cond);                                          \
        printf("%sok %d - ", ok_cond_ ? "" : "not ", ++tap_count);        \
        printf(__VA_ARGS__);                                              \
        printf("\n");                                                     \
        if (!ok_cond_) {                                                  \
            tap_failed++;                                                 \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);\
        }                                                                 \
    } while (0)

#define is_int(got, want, ...)                                            \
    do {                                                                  \
        long is_g_ = (long)(got), is_w_ = (long)(want);                   \
        ok(is_g_ == is_w_, __VA_ARGS__);                                  \
        if (is_g_ != is_w_)                                               \
            printf("#   got %ld, want %ld\n", is_g_, is_w_);              \
    } while (0)

#define is_str(got, want, ...)                                            \
    do {                                                                  \
        const char *is_g_ = (got), *is_w_ = (want);                       \
        int is_same_ = is_g_ != NULL && is_w_ != NULL &&                  \
                       strcmp(is_g_, is_w_) == 0;                         \
        ok(is_same_, __VA_ARGS__);                                        \
        if (!is_same_)                                                    \
            printf("#   got '%s', want '%s'\n", is_g_ ? is_g_ : "(null)", \
                   is_w_ ? is_w_ : "(null)");                             \
    } while (0)

static inline int
tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif /* KS_TAP_H */

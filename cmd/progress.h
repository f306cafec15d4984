/*
 * progress: one line on stderr that a long run keeps up to date ("kvno:
 * 1234/10000 services, 2 failed, 3.1 s"), rewritten in place with \r at
 * most KS_PROGRESS_HZ times a second and erased before the run's own
 * output.  Only for a terminal: the caller decides whether the line is
 * wanted (not with -q, --json or a trace); ks_progress_begin checks that
 * stderr is a terminal and the run long enough.
 */
#ifndef KS_PROGRESS_H
#define KS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Fewer items than this finish too soon for a progress line. */
#define KS_PROGRESS_MIN_ITEMS 100
#define KS_PROGRESS_HZ 10

struct ks_progress {
    bool on;
    bool shown;                 /* a line is on the screen */
    const char *what;           /* "services" */
    size_t total, done, failed;
    double start, last;         /* seconds, monotonic */
};

/*
 * Start counting TOTAL items of WHAT (a plural noun, borrowed).  The line
 * is on only when WANTED, TOTAL >= KS_PROGRESS_MIN_ITEMS and stderr is a
 * terminal; otherwise every call below does nothing.
 */
void ks_progress_begin(struct ks_progress *p, const char *what,
                       size_t total, bool wanted);

/* One item over (FAILED: it failed); redraws if the last draw is old. */
void ks_progress_step(struct ks_progress *p, bool failed);

/* Erase the line (\r, erase to end of line), so output starts clean. */
void ks_progress_end(struct ks_progress *p);

#endif /* KS_PROGRESS_H */

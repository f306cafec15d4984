/*
 * progress: a line on a terminal for long runs.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
draw(struct ks_progress *p, double now)
{
    /* \r back to the start, the line, then erase what a longer one left. */
    fprintf(stderr, "\r%s: %zu/%zu %s, %zu failed, %.1f s\033[K",
            ks_cli.program, p->done, p->total, p->what, p->failed,
            now - p->start);
    fflush(stderr);
    p->shown = true;
    p->last = now;
}

void
ks_progress_begin(struct ks_progress *p, const char *what, size_t total,
                  bool wanted)
{
    p->on = wanted && total >= KS_PROGRESS_MIN_ITEMS && isatty(STDERR_FILENO);
    p->shown = false;
    p->what = what;
    p->total = total;
    p->done = p->failed = 0;
    p->start = p->last = now_s();
}

void
ks_progress_step(struct ks_progress *p, bool failed)
{
    double now;

    if (!p->on)
        return;
    p->done++;
    p->failed += failed;
    now = now_s();
    if (!p->shown || now - p->last >= 1.0 / KS_PROGRESS_HZ ||
        p->done == p->total)
        draw(p, now);
}

void
ks_progress_end(struct ks_progress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->on = false;
    p->shown = false;
}

/* Progress bar and transfer-rate text for get/send/recv. The bar is drawn
 * on stderr only when it is a terminal, at most ten times a second. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_WIDTH 30
#define PROGRESS_EVERY (100 * UST_MSEC)

void progress_start(struct progress *p, uint64_t total, ust_time_t now)
{
    memset(p, 0, sizeof(*p));
    p->tty = isatty(STDERR_FILENO) == 1;
    p->total = total;
    p->start = now;
}

const char *format_bytes(uint64_t n, char buf[32])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, 32, "%.1f %s", v, units[u]);
    return buf;
}

const char *format_rate(uint64_t bytes, ust_time_t elapsed, char buf[48])
{
    double secs = (double)elapsed / (double)UST_SEC;
    if (secs <= 0) {
        snprintf(buf, 48, "-");
        return buf;
    }
    double bps = (double)bytes * 8 / secs;
    if (bps >= 1e9)
        snprintf(buf, 48, "%.2f Gbit/s", bps / 1e9);
    else if (bps >= 1e6)
        snprintf(buf, 48, "%.2f Mbit/s", bps / 1e6);
    else
        snprintf(buf, 48, "%.1f kbit/s", bps / 1e3);
    return buf;
}

static void draw(struct progress *p, ust_time_t now)
{
    char done[32], total[32], rate[48];
    format_rate(p->done, now - p->start, rate);
    if (p->total) {
        unsigned pct = (unsigned)(p->done * 100 / p->total);
        unsigned fill = (unsigned)(p->done * PROGRESS_WIDTH / p->total);
        char bar[PROGRESS_WIDTH + 1];
        memset(bar, '#', fill);
        memset(bar + fill, '.', PROGRESS_WIDTH - fill);
        bar[PROGRESS_WIDTH] = '\0';
        fprintf(stderr, "\r[%s] %3u%% %s / %s  %s   ", bar, pct, format_bytes(p->done, done),
                format_bytes(p->total, total), rate);
    } else {
        fprintf(stderr, "\r%s  %s   ", format_bytes(p->done, done), rate);
    }
    fflush(stderr);
    p->drawn = true;
    p->last_draw = now;
}

void progress_update(struct progress *p, uint64_t done, ust_time_t now)
{
    p->done = done;
    if (p->tty && (!p->drawn || now - p->last_draw >= PROGRESS_EVERY))
        draw(p, now);
}

void progress_finish(struct progress *p, ust_time_t now)
{
    if (!p->tty || !p->drawn)
        return;
    draw(p, now);
    fputc('\n', stderr);
}

/* The real event loop: epoll over the devices' descriptors, sleeping
 * exactly until the stack's next deadline, on CLOCK_MONOTONIC. This file
 * and src/dev are the only places that read a clock. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/signals.h"
#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "loop/loop_wait.h"
#include "ustack/loop.h"

#define LOOP_RX_BUDGET 64 /* frames per device per round: fairness between devices */
#define LOOP_RX_ROUNDS 16 /* rounds per wake-up before timers run */
#define LOOP_MAX_FDS 16 /* application descriptors (ust_loop_add_fd) */
#define LOOP_MAX_EVENTS (UST_MAX_DEVS + LOOP_MAX_FDS)

/* An application descriptor watched next to the devices. */
struct loop_fd {
    int fd;               /* -1: free slot */
    ust_loop_fd_fn fn;
    void *ctx;
};

struct ust_loop {
    struct ust_stack *st;
    int epfd;
    struct ust_dev *watched[UST_MAX_DEVS]; /* devices registered with epoll */
    unsigned nwatched;
    unsigned seen_ndevs; /* st->ndevs at the last refresh */
    bool lost_reported[UST_MAX_DEVS]; /* by stack device index: failure reported */
    struct loop_fd fds[LOOP_MAX_FDS];
    bool wait_ms_only; /* the kernel has no epoll_pwait2 */
    bool hot;          /* frames come in quick succession: cfg.busy_poll_auto_us applies */
};

/* epoll_event.data.u64 says what woke us: a device index below
 * LOOP_TAG_FD, an application descriptor slot from LOOP_TAG_FD on. */
#define LOOP_TAG_FD 1024u

ust_time_t ust_clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ust_time_t)ts.tv_sec * UST_SEC + (ust_time_t)ts.tv_nsec;
}

static ust_time_t loop_clock(void *ctx)
{
    (void)ctx;
    return ust_clock_monotonic();
}

/* A blocking socket call waits here: process the network until the
 * deadline or until something happened. */
static int loop_wait(void *ctx, ust_time_t deadline)
{
    struct ust_loop *loop = ctx;
    ust_time_t now = ust_clock_monotonic();
    ust_time_t max_wait = deadline == UST_TIME_NEVER ? UST_TIME_NEVER
                          : deadline > now           ? deadline - now
                                                     : 0;
    return ust_loop_run_once(loop, max_wait);
}

static bool loop_watches(const struct ust_loop *loop, const struct ust_dev *dev)
{
    for (unsigned i = 0; i < loop->nwatched; i++)
        if (loop->watched[i] == dev)
            return true;
    return false;
}

int ust_loop_refresh(struct ust_loop *loop)
{
    struct ust_stack *st = loop->st;
    for (unsigned i = 0; i < st->ndevs; i++) {
        struct ust_dev *dev = st->devs[i];
        int fd = ust_dev_fd(dev);
        if (fd < 0 || ust_dev_failed(dev) || loop_watches(loop, dev) ||
            loop->nwatched == UST_MAX_DEVS)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = loop->nwatched};
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
            return UST_ERR_IO;
        loop->watched[loop->nwatched++] = dev;
    }
    loop->seen_ndevs = st->ndevs;
    return UST_OK;
}

/* RFC 9293 3.4.1 MUST-9: on a real network the ISN key must not be
 * derivable from the (default, constant) PRNG seed. Keep a key the
 * application installed; otherwise take one from the kernel. */
static int install_random_secret(struct ust_stack *st)
{
    if (ust_stack_has_secret(st))
        return UST_OK;
    uint8_t key[16];
    size_t got = 0;
    while (got < sizeof(key)) {
        ssize_t n = getrandom(key + got, sizeof(key) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return UST_ERR_IO;
        got += (size_t)n;
    }
    return ust_stack_set_secret(st, key, sizeof(key));
}

struct ust_loop *ust_loop_new(struct ust_stack *st)
{
    if (!st)
        return NULL;
    struct ust_loop *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return NULL;
    loop->st = st;
    if (install_random_secret(st) != UST_OK) {
        free(loop);
        return NULL;
    }
    for (unsigned i = 0; i < LOOP_MAX_FDS; i++)
        loop->fds[i].fd = -1;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0 || ust_loop_refresh(loop) != UST_OK) {
        ust_loop_free(loop);
        return NULL;
    }
    ust_stack_set_clock(st, loop_clock, loop);
    ust_stack_set_waiter(st, loop_wait, loop);
    return loop;
}

void ust_loop_free(struct ust_loop *loop)
{
    if (!loop)
        return;
    if (loop->st->wait_ctx == loop) {
        ust_stack_set_waiter(loop->st, NULL, NULL);
        ust_stack_set_clock(loop->st, NULL, NULL);
    }
    if (loop->epfd >= 0)
        close(loop->epfd);
    free(loop);
}

int ust_loop_fd(const struct ust_loop *loop) { return loop->epfd; }

/* Sleeps until an event or for `wait` ns, to the nanosecond where the
 * kernel has epoll_pwait2 (src/loop/loop_wait.c says why), in whole
 * milliseconds where it does not (ENOSYS: remembered, asked once). */
static int loop_epoll_wait(struct ust_loop *loop, struct epoll_event *evs, ust_time_t wait)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
    if (!loop->wait_ms_only) {
        struct timespec ts;
        int n = epoll_pwait2(loop->epfd, evs, LOOP_MAX_EVENTS,
                             loop_wait_timespec(wait, &ts) ? &ts : NULL, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        loop->wait_ms_only = true;
    }
#endif
    return epoll_wait(loop->epfd, evs, LOOP_MAX_EVENTS, loop_wait_ms(wait));
}

/* cfg.busy_poll_us (as Linux's SO_BUSY_POLL): before sleeping, ask epoll
 * without blocking until something is ready, for at most the window (or
 * the wait, if shorter). A frame that arrives within it is taken without
 * the sleep and wake-up that cost several microseconds per round trip.
 * sched_yield lets a peer on the same CPU run (a request/response partner
 * pinned there would otherwise wait for our time slice to end). Returns
 * what epoll returned last: 0 when the window ended empty. */
static int loop_busy_poll(struct ust_loop *loop, struct epoll_event *evs, ust_time_t *wait,
                          ust_time_t window)
{
    if (window == 0 || *wait == 0)
        return 0;
    if (window > *wait)
        window = *wait;
    struct ust_link_stats *ls = &loop->st->stats.link; /* the stack's, no device's */
    ls->busy_polls++;
    ust_time_t start = ust_clock_monotonic(), now = start;
    int n = 0;
    while (n == 0 && now - start < window) {
        n = epoll_wait(loop->epfd, evs, LOOP_MAX_EVENTS, 0);
        if (n == 0) {
            sched_yield();
            now = ust_clock_monotonic();
        }
    }
    *wait = now - start < *wait ? *wait - (now - start) : 0;
    if (n > 0)
        ls->busy_poll_hits++;
    return n;
}

/* The wait of one turn: a busy poll (cfg.busy_poll_us, or while the loop
 * is hot cfg.busy_poll_auto_us), then a sleep. The loop is hot after a
 * poll that found something or a sleep that something ended within 4
 * auto windows: the next frame is then likely to come within one, and
 * taking it without the sleep and the wake-up (tens of microseconds on
 * a VM, a third of a TAP round trip) is what a sender on a fast path
 * waits for every round trip. An idle exchange cools the loop at its
 * first long sleep and never spins. */
static int loop_wait_events(struct ust_loop *loop, struct epoll_event *evs, ust_time_t wait)
{
    const struct ust_config *cfg = ust_stack_config(loop->st);
    ust_time_t auto_window = (ust_time_t)cfg->busy_poll_auto_us * UST_USEC;
    ust_time_t window = cfg->busy_poll_us ? (ust_time_t)cfg->busy_poll_us * UST_USEC
                        : loop->hot      ? auto_window
                                         : 0;
    if (wait == 0) /* work is due: a look, which says nothing about the pace */
        return loop_epoll_wait(loop, evs, 0);
    int n = loop_busy_poll(loop, evs, &wait, window);
    if (n != 0) {
        loop->hot = n > 0;
        return n;
    }
    ust_time_t start = auto_window ? ust_clock_monotonic() : 0;
    n = loop_epoll_wait(loop, evs, wait);
    loop->hot = n > 0 && auto_window && ust_clock_monotonic() - start <= 4 * auto_window;
    return n;
}

/* A device that failed leaves the epoll set: its dead descriptor would
 * report an error on every epoll_wait and the loop would spin on it. Each
 * failure is reported once, as UST_ERR_NETDOWN from the turn that saw it. */
static int loop_drop_failed(struct ust_loop *loop)
{
    struct ust_stack *st = loop->st;
    int rc = UST_OK;
    for (unsigned i = 0; i < st->ndevs; i++) {
        struct ust_dev *dev = st->devs[i];
        if (!ust_dev_failed(dev) || loop->lost_reported[i])
            continue;
        loop->lost_reported[i] = true;
        int fd = ust_dev_fd(dev);
        if (fd >= 0 && loop_watches(loop, dev))
            (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
        rc = UST_ERR_NETDOWN;
    }
    return rc;
}

/* Reads one woken device. A descriptor that hung up (a pipe or socket
 * whose other end closed) and has nothing to read will never have
 * anything: the device is lost even if its driver does not say so. */
static bool loop_poll_dev(struct ust_dev *dev, ust_time_t now, uint32_t events, int round)
{
    int got = ust_dev_poll_rx(dev, now, LOOP_RX_BUDGET);
    if (got == 0 && round == 0 && (events & EPOLLHUP))
        ust_dev_set_failed(dev, EPIPE);
    return got == LOOP_RX_BUDGET;
}

int ust_loop_run_once(struct ust_loop *loop, ust_time_t max_wait)
{
    struct ust_stack *st = loop->st;
    if (st->ndevs != loop->seen_ndevs && ust_loop_refresh(loop) != UST_OK)
        return UST_ERR_IO; /* a device added since: watch it too */
    stack_tx_flush(st); /* nothing waits in a transmit queue while we sleep */
    ust_time_t now = ust_clock_monotonic();
    ust_time_t next = ust_stack_poll_at(st);
    ust_time_t wait = next == UST_TIME_NEVER ? UST_TIME_NEVER : next > now ? next - now : 0;
    if (max_wait < wait)
        wait = max_wait;
    struct epoll_event evs[LOOP_MAX_EVENTS];
    int n = loop_wait_events(loop, evs, wait);
    if (n < 0) {
        if (errno != EINTR)
            return UST_ERR_IO;
        /* With no handler installed nothing of the application's ran:
         * the kernel's own task work (a torn-down io_uring, signals.h)
         * ended the wait, and a blocking call must not fail for it. */
        if (signal_handler_interrupts(false))
            return UST_ERR_AGAIN;
        n = 0;
    }
    /* Drain input before timers, round-robin between devices: an ACK
     * already waiting in a device must be seen before the retransmission
     * timer concludes it is missing (spurious RTOs under load otherwise).
     * LOOP_RX_ROUNDS bounds the work of one turn. */
    bool more = true;
    for (int round = 0; more && round < LOOP_RX_ROUNDS; round++) {
        more = false;
        now = ust_clock_monotonic();
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag < LOOP_TAG_FD && tag < loop->nwatched &&
                loop_poll_dev(loop->watched[tag], now, evs[i].events, round))
                more = true;
        }
    }
    /* Timers at the time input was last looked at (the last round's
     * start), not later: a timer that says an ACK is missing (RTO, tail
     * loss probe, RACK's reordering timer) must not fire on a deadline
     * that passed while this thread was busy or preempted after the read,
     * with the ACK already waiting in the device. It fires in the next
     * turn, after that turn's read, if the ACK really did not come. */
    ust_stack_poll(st, now);
    /* Application descriptors last: their callbacks see the stack's state
     * after this turn's frames and timers. */
    for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        if (tag < LOOP_TAG_FD || tag - LOOP_TAG_FD >= LOOP_MAX_FDS)
            continue;
        struct loop_fd *f = &loop->fds[tag - LOOP_TAG_FD];
        if (f->fd >= 0)
            f->fn(f->ctx, f->fd, evs[i].events);
    }
    return loop_drop_failed(loop);
}

int ust_loop_add_fd(struct ust_loop *loop, int fd, ust_loop_fd_fn fn, void *ctx)
{
    if (!loop || fd < 0 || !fn)
        return UST_ERR_INVAL;
    for (unsigned i = 0; i < LOOP_MAX_FDS; i++) {
        if (loop->fds[i].fd == fd)
            return UST_ERR_EXIST;
    }
    for (unsigned i = 0; i < LOOP_MAX_FDS; i++) {
        if (loop->fds[i].fd >= 0)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LOOP_TAG_FD + i};
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
            return UST_ERR_IO;
        loop->fds[i] = (struct loop_fd){.fd = fd, .fn = fn, .ctx = ctx};
        return UST_OK;
    }
    return UST_ERR_NOMEM;
}

int ust_loop_del_fd(struct ust_loop *loop, int fd)
{
    if (!loop || fd < 0)
        return UST_ERR_INVAL;
    for (unsigned i = 0; i < LOOP_MAX_FDS; i++) {
        if (loop->fds[i].fd != fd)
            continue;
        (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
        loop->fds[i].fd = -1;
        return UST_OK;
    }
    return UST_ERR_NOENT;
}

int ust_loop_run(struct ust_loop *loop, volatile int *stop)
{
    while (!stop || !*stop) {
        int rc = ust_loop_run_once(loop, UST_TIME_NEVER); /* UST_ERR_NETDOWN ends it too */
        if (rc != UST_OK && rc != UST_ERR_AGAIN)
            return rc;
    }
    return UST_OK;
}

/* Ctrl-C (SIGINT) and SIGTERM for every command that runs until stopped
 * (get, send, recv, serve, ping), without a signal handler or process-wide
 * state: the two signals are blocked and read from a signalfd that the
 * event loop watches (ust_loop_add_fd), and the stack's waiter is wrapped
 * so that once one has arrived every blocking socket call returns EINTR
 * at once (socket.h: a waiter answering UST_ERR_AGAIN). get, send and
 * recv then print what they have done so far and exit 128 + the signal
 * number, as shells report a process a signal ended (130 for SIGINT, 143
 * for SIGTERM). serve and ping drive the loop themselves: they test
 * `caught` after each turn and end as their Linux counterparts do (serve
 * prints its counters, ping iputils' statistics). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"

/* The signalfd became readable: remember the first signal. */
static void on_signalfd(void *ctx, int fd, uint32_t events)
{
    struct cli_signals *s = ctx;
    (void)events;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        if (!s->caught)
            s->caught = (int)si.ssi_signo;
}

/* The loop's waiter (loop_real.c), interrupted once a signal arrived. */
static int stop_wait(void *ctx, ust_time_t deadline)
{
    struct cli_signals *s = ctx;
    if (s->caught)
        return UST_ERR_AGAIN;
    ust_time_t now = ust_clock_monotonic();
    ust_time_t max_wait = deadline == UST_TIME_NEVER ? UST_TIME_NEVER
                          : deadline > now           ? deadline - now
                                                     : 0;
    int rc = ust_loop_run_once(s->loop, max_wait);
    return s->caught ? UST_ERR_AGAIN : rc;
}

/* s->fd (just made; -1 if that failed, errno set) watched by the loop with
 * on_ready, and the stack's waiter made interruptible by it. 0, or -1 with
 * errno set (the caller undoes what it did). */
static int attach(struct cli_signals *s, struct link_ctx *c,
                  void (*on_ready)(void *ctx, int fd, uint32_t events))
{
    if (s->fd < 0)
        return -1;
    if (ust_loop_add_fd(c->loop, s->fd, on_ready, s) != UST_OK) {
        errno = EIO;
        return -1;
    }
    s->st = c->st;
    s->loop = c->loop;
    ust_stack_set_waiter(c->st, stop_wait, s);
    return 0;
}

int cli_signals_open(struct cli_signals *s, struct link_ctx *c)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stop, &s->saved) < 0)
        return -1;
    s->fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
    if (attach(s, c, on_signalfd) == 0)
        return 0;
    int e = errno;
    cli_signals_close(s);
    errno = e;
    return -1;
}

/* The relay's eventfd became readable: the number another thread sent. */
static void on_relay(void *ctx, int fd, uint32_t events)
{
    struct cli_signals *s = ctx;
    (void)events;
    uint64_t v;
    if (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && !s->caught)
        s->caught = (int)v;
}

int cli_signals_open_relay(struct cli_signals *s, struct link_ctx *c)
{
    memset(s, 0, sizeof(*s));
    s->relay = true;
    pthread_sigmask(SIG_BLOCK, NULL, &s->saved);
    s->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (attach(s, c, on_relay) == 0)
        return 0;
    int e = errno;
    cli_signals_detach(s);
    errno = e;
    return -1;
}

void cli_signals_relay(const struct cli_signals *s, int what)
{
    uint64_t v = (uint64_t)what;
    if (s->fd >= 0 && write(s->fd, &v, sizeof(v)) < 0)
        return; /* only when the counter would overflow: it is set already */
}

void cli_signals_detach(struct cli_signals *s)
{
    if (s->fd >= 0)
        (s->relay ? on_relay : on_signalfd)(s, s->fd, 0); /* one that came since the last loop turn */
    if (s->st) {
        /* The stack is freed next (link_close). ust_loop_free resets the
         * stack's waiter and clock only while the waiter is its own: with
         * ours installed, nothing may point at this struct or at the loop
         * once they are gone, so both are reset here. */
        ust_stack_set_waiter(s->st, NULL, NULL);
        ust_stack_set_clock(s->st, NULL, NULL);
        ust_loop_del_fd(s->loop, s->fd);
        s->st = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

void cli_signals_close(struct cli_signals *s)
{
    bool restore = !s->relay && !s->keep_mask;
    cli_signals_detach(s);
    /* A signal that came after the one we read is delivered now, with
     * its default action: a second Ctrl-C ends the process. */
    if (restore)
        sigprocmask(SIG_SETMASK, &s->saved, NULL);
}

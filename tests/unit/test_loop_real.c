/* The real event loop (epoll + CLOCK_MONOTONIC) over an application device
 * backed by a socketpair, and the TAP/TUN drivers against the Linux kernel
 * inside a private network namespace (skipped without the privilege).
 * No fixed sleeps: every wait is on a condition or a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/signals.h"
#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "loop/loop_wait.h"
#include "ustack/ustack.h"
#include "wire/wbuf.h"

/* ---- an application device on a SOCK_SEQPACKET pair (one read = one frame) ---- */
struct pair_dev {
    int ours, peer;
    volatile int *stop_on_rx;
    unsigned sent;
    unsigned polls; /* poll_rx calls */
};

static int pair_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct pair_dev *p = ctx;
    p->sent++;
    return write(p->ours, frame, len) == (ssize_t)len ? 0 : UST_ERR_IO;
}

static int pair_fd(void *ctx) { return ((struct pair_dev *)ctx)->ours; }

static int pair_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    struct pair_dev *p = ctx;
    uint8_t buf[2048];
    int got = 0;
    p->polls++;
    while ((unsigned)got < budget) {
        ssize_t n = recv(p->ours, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0)
            break;
        ust_dev_input(dev, now, buf, (size_t)n);
        got++;
    }
    if (got && p->stop_on_rx)
        *p->stop_on_rx = 1;
    return got;
}

static const struct ust_dev_ops pair_ops = {
    .transmit = pair_transmit, .fd = pair_fd, .poll_rx = pair_poll_rx};

static struct ust_dev *pair_new(struct ust_stack *st, struct pair_dev *p)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    p->ours = sv[0];
    p->peer = sv[1];
    return ust_dev_new(st, "pair0", UST_LINK_ETHERNET, NULL, 1500, &pair_ops, p);
}

static void pair_inject(struct pair_dev *p, int count)
{
    uint8_t frame[60];
    memset(frame, 0xee, sizeof(frame));
    for (int i = 0; i < count; i++)
        assert_int_equal(write(p->peer, frame, sizeof(frame)), (ssize_t)sizeof(frame));
}

static void test_loop_reads_ready_devices_with_budget(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct pair_dev p = {0};
    struct ust_dev *dev = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    assert_non_null(loop);
    assert_true(ust_loop_fd(loop) >= 0);
    assert_non_null(st->clock_fn);
    assert_non_null(st->wait_fn);
    pair_inject(&p, 3);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(dev->stats.rx_frames, 3);
    pair_inject(&p, 100); /* more than one budget: drained in rounds before timers run */
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(dev->stats.rx_frames, 103);

    /* A device added after the loop was created is watched as well. */
    struct pair_dev p2 = {0};
    struct ust_dev *dev2 = pair_new(st, &p2);
    pair_inject(&p2, 2);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(dev2->stats.rx_frames, 2);
    /* Nothing ready and no deadline, max_wait 0: returns at once. */
    assert_int_equal(ust_loop_run_once(loop, 0), 0);
    close(p2.peer);
    ust_time_t t0 = ust_clock_monotonic();
    assert_true(ust_stack_now(st) >= t0); /* the monotonic clock is installed */
    ust_loop_free(loop);
    assert_null(st->wait_fn);
    ust_stack_free(st);
    close(p.peer);
}

/* cfg.busy_poll_auto_us: a fresh loop sleeps at once; once a sleep was
 * ended by a frame within moments (tried until it happens: a preempted
 * turn may take longer), the next turn polls before sleeping and takes
 * a frame already there without sleeping; a turn whose wait runs out
 * with nothing cools the loop, and the turn after it sleeps at once. */
static void test_loop_auto_busy_poll(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    const struct ust_link_stats *ls = &ust_stack_stats(st)->link;
    struct pair_dev p = {0};
    struct ust_dev *dev = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    assert_int_equal(ust_loop_run_once(loop, UST_MSEC), 0); /* nothing comes */
    assert_int_equal(ls->busy_polls, 0);
    int tries = 0;
    for (; ls->busy_polls == 0 && tries < 1000; tries++) {
        pair_inject(&p, 1);
        assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    }
    assert_true(ls->busy_polls > 0);
    /* the turn that polled found its frame waiting: hot stays hot */
    assert_int_equal(ls->busy_poll_hits, ls->busy_polls);
    assert_int_equal(dev->stats.rx_frames, (uint64_t)tries);
    uint64_t polls = ls->busy_polls;
    assert_int_equal(ust_loop_run_once(loop, 2 * UST_MSEC), 0); /* polls, then the wait runs out */
    assert_int_equal(ls->busy_polls, polls + 1);
    assert_int_equal(ls->busy_poll_hits, polls);
    assert_int_equal(ust_loop_run_once(loop, 2 * UST_MSEC), 0); /* cold: sleeps at once */
    assert_int_equal(ls->busy_polls, polls + 1);
    ust_loop_free(loop);
    ust_stack_free(st);
    close(p.peer);

    /* 0: never polls, however quickly frames come. */
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.busy_poll_auto_us = 0;
    st = ust_stack_new(&cfg);
    struct pair_dev q = {0};
    (void)pair_new(st, &q);
    loop = ust_loop_new(st);
    for (int i = 0; i < 50; i++) {
        pair_inject(&q, 1);
        assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    }
    assert_int_equal(ust_stack_stats(st)->link.busy_polls, 0);
    ust_loop_free(loop);
    ust_stack_free(st);
    close(q.peer);
}

/* The wait handed to epoll_pwait2 is the stack's, to the nanosecond: a
 * pacing timer due in 120 us must not become a 1 ms sleep. The fallback
 * for kernels without it rounds up to whole ms (never wakes early). */
static void test_loop_wait_is_precise(void **state)
{
    (void)state;
    struct timespec ts;
    assert_true(loop_wait_timespec(120 * UST_USEC, &ts));
    assert_int_equal(ts.tv_sec, 0);
    assert_int_equal(ts.tv_nsec, 120000);
    assert_true(loop_wait_timespec(0, &ts));
    assert_int_equal(ts.tv_sec, 0);
    assert_int_equal(ts.tv_nsec, 0);
    assert_true(loop_wait_timespec(3 * UST_SEC + 7, &ts));
    assert_int_equal(ts.tv_sec, 3);
    assert_int_equal(ts.tv_nsec, 7);
    assert_false(loop_wait_timespec(UST_TIME_NEVER, &ts)); /* no timeout */
    assert_true(loop_wait_timespec(UST_TIME_NEVER - 1, &ts)); /* capped, not wrapped */
    assert_true(ts.tv_sec > 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    assert_int_equal(loop_wait_ms(120 * UST_USEC), 1);
    assert_int_equal(loop_wait_ms(UST_MSEC), 1);
    assert_int_equal(loop_wait_ms(UST_MSEC + 1), 2);
    assert_int_equal(loop_wait_ms(0), 0);
    assert_int_equal(loop_wait_ms(UST_TIME_NEVER), -1);
    assert_true(loop_wait_ms(UST_TIME_NEVER - 1) > 0);
}

/* The loop sleeps exactly until the stack's next deadline: a shaped frame
 * is released by the first wake-up after its tokens arrive. */
static void test_loop_wakes_for_deadline(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct pair_dev p = {0};
    struct ust_dev *dev = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    /* 1000 bytes at 4 Mbit/s with a 1000-byte burst: the second frame
     * waits 2 ms for its tokens. */
    assert_int_equal(ust_dev_shaper_attach(dev, 4000000, 1000, 10000), 0);
    /* both at one instant: a pause between two clock reads on a loaded
     * machine would earn the second frame its tokens */
    ust_time_t now = ust_clock_monotonic();
    for (int i = 0; i < 2; i++) {
        struct pkt *pk = pkt_alloc(PKT_HEADROOM, 1000);
        memset(pk->data, i, 1000);
        dev_transmit(dev, now, pk);
    }
    assert_int_equal(p.sent, 1);
    ust_time_t due = ust_stack_poll_at(st);
    assert_true(due != UST_TIME_NEVER);
    for (int i = 0; i < 100 && p.sent < 2; i++)
        assert_int_equal(ust_loop_run_once(loop, UST_TIME_NEVER), 0);
    assert_int_equal(p.sent, 2);
    assert_true(ust_clock_monotonic() >= due); /* never early */
    ust_loop_free(loop);
    ust_stack_free(st);
    close(p.peer);
}

/* A device whose first read, after handing its frames to the stack, arms a
 * stack timer due just after they were handled, lets the clock pass that
 * deadline and puts a new frame in the socket: a frame (an ACK) that came
 * after the read while this thread was still busy, or preempted, before
 * the turn's timers. */
struct late_frame {
    struct pair_dev p; /* first: pair_poll_rx takes the context as its own */
    struct ust_stack *st;
    struct ust_timer tm;
    unsigned fired_after_polls; /* p.polls when the timer fired; 0: not yet */
};

static void late_timer_fired(struct ust_stack *st, struct ust_timer *tm, ust_time_t now)
{
    (void)st;
    (void)now;
    struct late_frame *lf = (struct late_frame *)((char *)tm - offsetof(struct late_frame, tm));
    lf->fired_after_polls = lf->p.polls;
}

static int late_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    struct late_frame *lf = ctx;
    int got = pair_poll_rx(&lf->p, dev, now, budget);
    if (lf->p.polls == 1) {
        ust_time_t due = ust_stack_now(lf->st) + 1;
        assert_int_equal(timer_arm(lf->st, &lf->tm, due), 0);
        while (ust_clock_monotonic() <= due)
            ; /* a nanosecond: the deadline passes before the turn's timers */
        pair_inject(&lf->p, 1);
    }
    return got;
}

static const struct ust_dev_ops late_ops = {
    .transmit = pair_transmit, .fd = pair_fd, .poll_rx = late_poll_rx};

/* Timers run at the time input was last read, not at a later clock: a
 * timer that concludes an ACK is missing (RTO, tail loss probe, RACK's
 * reordering timer) must not fire while the ACK waits in the device. It
 * fires in the next turn, after that turn's read (measured on the loss
 * bench before: 30 % of ustack's tail loss probes went with frames
 * waiting in the TAP). */
static void test_loop_timers_after_input(void **state)
{
    (void)state;
    struct late_frame lf = {0};
    lf.st = ust_stack_new(NULL);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    lf.p.ours = sv[0];
    lf.p.peer = sv[1];
    struct ust_dev *dev = ust_dev_new(lf.st, "late0", UST_LINK_ETHERNET, NULL, 1500, &late_ops, &lf);
    assert_non_null(dev);
    timer_init(&lf.tm, late_timer_fired);
    struct ust_loop *loop = ust_loop_new(lf.st);
    assert_non_null(loop);
    pair_inject(&lf.p, 1);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(lf.p.polls, 1);
    assert_int_equal(lf.fired_after_polls, 0); /* the late frame is not read yet */
    for (int i = 0; i < 100 && lf.fired_after_polls == 0; i++)
        assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(lf.fired_after_polls, 2); /* after the read that took it */
    assert_int_equal(dev->stats.rx_frames, 2);
    ust_loop_free(loop);
    ust_stack_free(lf.st);
    close(lf.p.peer);
}

static void test_loop_run_until_stop(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    volatile int stop = 0;
    struct pair_dev p = {.stop_on_rx = &stop};
    struct ust_dev *dev = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    pair_inject(&p, 1);
    assert_int_equal(ust_loop_run(loop, &stop), 0);
    assert_int_equal(dev->stats.rx_frames, 1);
    ust_loop_free(loop);
    ust_stack_free(st);
    close(p.peer);
}

/* ---- a device whose descriptor goes bad ---- */
/* Its descriptor is a pipe kept readable (a byte nobody reads): once the
 * driver says the device failed, a loop still watching it would be woken
 * on every epoll_wait and call poll_rx again. */
struct bad_dev {
    int rd, wr;
    int fail_errno;   /* 0: works (nothing to read); else fails with it */
    bool set_errno;   /* report through ust_dev_set_failed, not just the return */
    unsigned polls, sent;
};

static int bad_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now, (void)frame, (void)len;
    ((struct bad_dev *)ctx)->sent++;
    return 0;
}

static int bad_fd(void *ctx) { return ((struct bad_dev *)ctx)->rd; }

static int bad_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    (void)now, (void)budget;
    struct bad_dev *b = ctx;
    b->polls++;
    if (!b->fail_errno)
        return 0;
    if (b->set_errno)
        ust_dev_set_failed(dev, b->fail_errno);
    return UST_ERR_IO;
}

static const struct ust_dev_ops bad_ops = {
    .transmit = bad_transmit, .fd = bad_fd, .poll_rx = bad_poll_rx};

static struct ust_dev *bad_new(struct ust_stack *st, struct bad_dev *b)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    b->rd = fds[0];
    b->wr = fds[1];
    return ust_dev_new(st, "bad0", UST_LINK_ETHERNET, NULL, 1500, &bad_ops, b);
}

static void bad_free(struct bad_dev *b)
{
    close(b->rd);
    close(b->wr);
}

/* The descriptor starts failing: the device is marked failed with the
 * driver's errno and counted, the loop reports it once and never polls it
 * again although its descriptor stays readable, what the stack sends
 * through it is dropped without reaching the driver, and the other device
 * keeps working. */
static void test_loop_drops_failed_device(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct bad_dev b = {.set_errno = true};
    struct ust_dev *bad = bad_new(st, &b);
    struct pair_dev p = {0};
    struct ust_dev *good = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    assert_non_null(loop);
    assert_int_equal(ust_loop_run_once(loop, 0), 0);
    assert_int_equal(ust_dev_failed(bad), 0);

    b.fail_errno = EBADFD;
    assert_int_equal(write(b.wr, "x", 1), 1); /* readable from now on, for good */
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), UST_ERR_NETDOWN);
    assert_int_equal(ust_dev_failed(bad), EBADFD);
    assert_int_equal(b.polls, 1);
    assert_int_equal(bad->stats.rx_errors, 1);
    assert_int_equal(bad->stats.dev_lost, 1);
    assert_int_equal(st->stats.link.dev_lost, 1);
    assert_int_equal(ust_dev_failed(good), 0);

    /* Reported once; a readable but dropped descriptor wakes nobody. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(ust_loop_run_once(loop, 0), 0);
    assert_int_equal(b.polls, 1);
    assert_int_equal(ust_dev_poll_rx(bad, ust_clock_monotonic(), 64), UST_ERR_NETDOWN);
    assert_int_equal(b.polls, 1);

    struct pkt *pk = pkt_alloc(PKT_HEADROOM, 60);
    memset(pk->data, 0, 60);
    assert_int_equal(dev_transmit(bad, ust_clock_monotonic(), pk), UST_ERR_NETDOWN);
    assert_int_equal(b.sent, 0);
    assert_int_equal(bad->stats.tx_drops, 1);
    assert_int_equal(bad->stats.tx_errors, 1);

    pair_inject(&p, 2);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(good->stats.rx_frames, 2);
    ust_loop_free(loop);
    ust_stack_free(st);
    bad_free(&b);
    close(p.peer);
}

/* A driver that only returns an error (no errno) gets EIO; ust_loop_run
 * returns UST_ERR_NETDOWN instead of running on without its device. */
static void test_loop_run_returns_when_device_fails(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct bad_dev b = {.fail_errno = EIO};
    struct ust_dev *bad = bad_new(st, &b);
    struct ust_loop *loop = ust_loop_new(st);
    assert_int_equal(write(b.wr, "x", 1), 1);
    assert_int_equal(ust_loop_run(loop, NULL), UST_ERR_NETDOWN);
    assert_int_equal(ust_dev_failed(bad), EIO);
    assert_int_equal(b.polls, 1);
    ust_loop_free(loop);
    ust_stack_free(st);
    bad_free(&b);
}

/* A blocking socket call waiting in the loop learns of the loss: ENETDOWN,
 * instead of waiting for ever on a network that cannot answer. */
static void test_blocking_call_sees_device_loss(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct bad_dev b = {.fail_errno = EBADFD, .set_errno = true};
    struct ust_dev *bad = bad_new(st, &b);
    struct ust_loop *loop = ust_loop_new(st);
    int fd = ust_socket(st, AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(write(b.wr, "x", 1), 1);
    char buf[16];
    assert_int_equal(ust_recv(st, fd, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ENETDOWN);
    assert_int_equal(ust_dev_failed(bad), EBADFD);
    ust_close(st, fd);
    ust_loop_free(loop);
    ust_stack_free(st);
    bad_free(&b);
}

/* A descriptor that hung up (the peer of a socketpair closed) and yields
 * nothing: the device is lost even though its driver only returns 0. */
static void test_loop_drops_hung_up_device(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct pair_dev p = {0};
    struct ust_dev *dev = pair_new(st, &p);
    struct ust_loop *loop = ust_loop_new(st);
    pair_inject(&p, 1);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), 0);
    assert_int_equal(dev->stats.rx_frames, 1);
    close(p.peer);
    assert_int_equal(ust_loop_run_once(loop, UST_SEC), UST_ERR_NETDOWN);
    assert_int_equal(ust_dev_failed(dev), EPIPE);
    unsigned polls = p.polls;
    for (int i = 0; i < 5; i++)
        assert_int_equal(ust_loop_run_once(loop, 0), 0);
    assert_int_equal(p.polls, polls);
    assert_int_equal(dev->stats.dev_lost, 1);
    ust_loop_free(loop);
    ust_stack_free(st);
}

static void on_alarm(int sig) { (void)sig; }

static void test_loop_interrupted_by_signal(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_loop *loop = ust_loop_new(st);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART: epoll_wait returns EINTR */
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 10000}};
    setitimer(ITIMER_REAL, &it, NULL);
    assert_int_equal(ust_loop_run_once(loop, UST_TIME_NEVER), UST_ERR_AGAIN);
    sigaction(SIGALRM, &old, NULL);
    ust_loop_free(loop);
    ust_stack_free(st);
}

/* ---- TAP/TUN against the kernel in a private network namespace ---- */
#define SKIP_CODE 77

static int child_check(bool ok, int code) { return ok ? 0 : code; }

/* ARP request from 203.0.113.2 for the kernel's 203.0.113.1. */
static size_t build_arp_request(uint8_t *f, const uint8_t mac[6])
{
    memset(f, 0, 42);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    put_be16(f + 12, 0x0806);
    put_be16(f + 14, 1);
    put_be16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    put_be16(f + 20, 1);
    memcpy(f + 22, mac, 6);
    put_be32(f + 28, UST_IP4(203, 0, 113, 2));
    put_be32(f + 38, UST_IP4(203, 0, 113, 1));
    return 42;
}

/* Scans a capture for a received ARP reply from the kernel. */
static bool capture_has_arp_reply(FILE *cap)
{
    fflush(cap);
    long end = ftell(cap);
    uint8_t buf[1 << 16];
    rewind(cap);
    size_t n = fread(buf, 1, sizeof(buf), cap);
    fseek(cap, end, SEEK_SET);
    for (size_t off = 24; off + 16 <= n;) {
        uint32_t incl = get_le32(buf + off + 8);
        const uint8_t *fr = buf + off + 16;
        if (off + 16 + incl > n)
            break;
        if (incl >= 42 && get_be16(fr + 12) == 0x0806 && get_be16(fr + 20) == 2 &&
            get_be32(fr + 28) == UST_IP4(203, 0, 113, 1))
            return true;
        off += 16 + incl;
    }
    return false;
}

/* A stack (configured by cfg, or the defaults) with TAP `name` in a network
 * namespace of its own: 0, SKIP_CODE without the privilege, or 10. */
static int tap_in_own_netns(const char *name, unsigned mtu, const struct ust_config *cfg,
                            struct ust_stack **st, struct ust_dev **dev)
{
    if (unshare(CLONE_NEWNET) != 0)
        return SKIP_CODE;
    *st = ust_stack_new(cfg);
    int err = ust_dev_tap_open(*st, name, mtu, dev);
    if (err != UST_OK)
        return err == UST_ERR_PERM ? SKIP_CODE : 10;
    return 0;
}

static int tap_child(void)
{
    struct ust_stack *st;
    struct ust_dev *dev;
    int err = tap_in_own_netns("ustap0", 1400, NULL, &st, &dev);
    if (err)
        return err;
    if (ust_dev_link_type(dev) != UST_LINK_ETHERNET || (ust_dev_mac(dev)->b[0] & 3) != 2)
        return 11;
    if (ust_dev_host_config("ustap0", UST_IP4(203, 0, 113, 1), 24, 1400) != 0)
        return 12;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "ustap0");
    int rc = child_check(ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == 1400, 13);
    if (!rc)
        rc = child_check(ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP), 14);
    if (!rc) {
        struct sockaddr_in sin;
        rc = child_check(ioctl(s, SIOCGIFADDR, &ifr) == 0, 15);
        memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
        if (!rc)
            rc = child_check(ntohl(sin.sin_addr.s_addr) == UST_IP4(203, 0, 113, 1), 16);
    }
    close(s);
    if (rc)
        return rc;
    FILE *cap = tmpfile();
    ust_dev_pcap_attach(dev, cap);
    struct ust_loop *loop = ust_loop_new(st);
    uint8_t f[42];
    struct pkt *p = pkt_copy(f, build_arp_request(f, ust_dev_mac(dev)->b));
    if (dev_transmit(dev, ust_clock_monotonic(), p) != 0)
        return 17;
    ust_time_t deadline = ust_clock_monotonic() + 60 * UST_SEC; /* a failure bound only */
    bool replied = false;
    while (!replied && ust_clock_monotonic() < deadline) {
        ust_loop_run_once(loop, 100 * UST_MSEC);
        replied = capture_has_arp_reply(cap);
    }
    if (!replied)
        return 18;
    /* TUN: an IP-only link. */
    struct ust_dev *tun;
    if (ust_dev_tun_open(st, "ustun0", 1500, &tun) != UST_OK || ust_dev_link_type(tun) != UST_LINK_IP || ust_dev_fd(tun) < 0)
        return 19;
    if (ust_dev_host_config("ustun0", UST_IP4(198, 51, 100, 1), 24, 1500) != 0)
        return 20;
    if (ust_dev_host_config("nosuchif0", UST_IP4(198, 51, 100, 9), 24, 1500) != UST_ERR_IO)
        return 21;
    ust_loop_free(loop);
    ust_stack_free(st);
    fclose(cap);
    return 0;
}

/* Tearing down an io_uring makes the kernel run task work in the thread
 * that used it (io_uring's exit work), which ends that thread's next
 * epoll_wait with EINTR though no signal came: here the transmit ring a
 * TAP opens with, freed by choosing one write() per frame. With no
 * handler installed that must not reach the application: the loop's turns
 * end normally, and a blocking accept with a receive timeout ends with
 * EAGAIN at its timeout, not EINTR (bench_tcp --tap-tx write failed its
 * first accept so). */
static int ring_teardown_child(void)
{
    struct ust_stack *st;
    struct ust_dev *dev;
    int err = tap_in_own_netns("ustring0", 1500, NULL, &st, &dev);
    if (err)
        return err;
    bool had_ring = ust_dev_tap_tx(dev) == UST_TAP_TX_URING;
    if (ust_dev_tap_set_tx(dev, UST_TAP_TX_WRITE) != UST_OK)
        return 11;
    if (signal_handler_interrupts(false))
        return 12; /* the test itself must run with no handler */
    struct ust_loop *loop = ust_loop_new(st);
    ust_time_t end = ust_clock_monotonic() + 300 * UST_MSEC;
    while (ust_clock_monotonic() < end)
        if (ust_loop_run_once(loop, 50 * UST_MSEC) != UST_OK)
            return 13;
    if (ust_dev_tap_set_tx(dev, UST_TAP_TX_AUTO) != UST_OK ||
        ust_dev_tap_set_tx(dev, UST_TAP_TX_WRITE) != UST_OK)
        return 14; /* a second ring, torn down again */
    int fd = ust_socket(st, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5001)};
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    if (fd < 0 || ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        ust_listen(st, fd, 1) != 0 ||
        ust_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
        return 15;
    errno = 0;
    if (ust_accept(st, fd, NULL, NULL) != -1 || errno != EAGAIN)
        return 16;
    ust_loop_free(loop);
    ust_stack_free(st);
    return had_ring ? 0 : SKIP_CODE; /* no io_uring: nothing was torn down */
}

/* The threads of this process: io_uring's polling thread is one of them
 * (it names itself "iou-sqp-PID" only once it runs, so count them all). */
static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* cfg.tap_tx_sqpoll: the polling thread inherits the stack thread's CPU
 * affinity, so a thread allowed one CPU gets the ring without it (the two
 * would take turns on that CPU); allowed two, the thread is there. */
static int sqpoll_affinity_child(void)
{
    cpu_set_t all, one;
    if (sched_getaffinity(0, sizeof(all), &all) != 0)
        return 20;
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET(c, &all))
            first = c;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0)
        return 21;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.tap_tx_sqpoll = true;
    struct ust_stack *st;
    struct ust_dev *dev;
    int err = tap_in_own_netns("ustsq1", 1500, &cfg, &st, &dev);
    if (err)
        return err;
    if (ust_dev_tap_tx(dev) != UST_TAP_TX_URING || threads() < 1)
        return SKIP_CODE; /* no io_uring here */
    if (threads() != 1)
        return 22;
    if (CPU_COUNT(&all) < 2)
        return 0;
    if (sched_setaffinity(0, sizeof(all), &all) != 0 ||
        ust_dev_tap_set_tx(dev, UST_TAP_TX_WRITE) != UST_OK ||
        ust_dev_tap_set_tx(dev, UST_TAP_TX_AUTO) != UST_OK)
        return 23;
    if (threads() != 2)
        return 24;
    ust_stack_free(st);
    return 0;
}

/* Runs `child` in a forked process (it may unshare namespaces and drop
 * privileges without touching this one): 0 passes, SKIP_CODE skips, any
 * other exit code names the step that failed. */
static void run_in_child(int (*child)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child());
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == SKIP_CODE)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_tap_against_kernel(void **state)
{
    (void)state;
    run_in_child(tap_child);
}

static void test_ring_teardown_is_no_signal(void **state)
{
    (void)state;
    run_in_child(ring_teardown_child);
}

static void test_sqpoll_follows_affinity(void **state)
{
    (void)state;
    run_in_child(sqpoll_affinity_child);
}

/* The open errors keep the kernel's reason (tun_set_iff): a second open of
 * a single-queue TAP or TUN device is EBUSY, a name that belongs to an
 * interface of another kind (lo; a TUN asked for as a TAP and the other
 * way round) is EINVAL, UST_ERR_DEVTYPE, and without CAP_NET_ADMIN EPERM.
 * Each step returns its own exit code. */
static int open_one(struct ust_stack *st, bool tap, const char *name, int want)
{
    struct ust_dev *dev = NULL;
    int err = tap ? ust_dev_tap_open(st, name, 1500, &dev) : ust_dev_tun_open(st, name, 1500, &dev);
    return err == want && (want != UST_OK) == (dev == NULL) ? 0 : 1;
}

static int open_errors_child(void)
{
    if (unshare(CLONE_NEWNET) != 0)
        return SKIP_CODE;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *first;
    int err = ust_dev_tap_open(st, "ustbusy0", 1500, &first);
    if (err != UST_OK)
        return err == UST_ERR_PERM ? SKIP_CODE : 10;
    const struct {
        bool tap;
        const char *name;
        int want;
    } steps[] = {
        {true, "ustbusy0", UST_ERR_BUSY},   /* the TAP we hold */
        {false, "ustbusy1", UST_OK},
        {false, "ustbusy1", UST_ERR_BUSY},  /* the TUN we hold */
        {true, "lo", UST_ERR_DEVTYPE},
        {false, "lo", UST_ERR_DEVTYPE},
        {true, "ustbusy1", UST_ERR_DEVTYPE}, /* a TUN device asked for as a TAP */
        {false, "ustbusy0", UST_ERR_DEVTYPE},
    };
    for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (open_one(st, steps[i].tap, steps[i].name, steps[i].want))
            return 11 + (int)i;
    if (ust_err_to_errno(UST_ERR_BUSY) != EBUSY || ust_err_to_errno(UST_ERR_DEVTYPE) != EINVAL)
        return 30;
    /* Without privileges (root gives its capabilities up with its uid). */
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 31;
    if (open_one(st, true, "ustperm1", UST_ERR_PERM))
        return 32;
    ust_stack_free(st);
    return 0;
}

static void test_tuntap_open_errors_keep_errno(void **state)
{
    (void)state;
    run_in_child(open_errors_child);
}

/* ust_dev_tap_open_queue: every call is one more queue (descriptor) of
 * the same multi-queue TAP, with the MAC given; a single-queue open of it,
 * and a queue open of a single-queue TAP, are UST_ERR_QUEUEMODE (EINVAL
 * from the kernel, told apart through the namespace's own sysfs, mounted
 * here as `ip netns exec` does). Each step returns its own exit code. */
static int queue_open_child(void)
{
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
        return SKIP_CODE;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
        return SKIP_CODE;
    struct ust_stack *st = ust_stack_new(NULL);
    const struct ust_mac mac = {{0x02, 0, 0, 0, 0x51, 0x01}};
    struct ust_dev *q0 = NULL, *q1 = NULL, *other = NULL;
    int err = ust_dev_tap_open_queue(st, "ustmq0", 1500, NULL, &q0);
    if (err != UST_OK)
        return err == UST_ERR_PERM ? SKIP_CODE : 10;
    if (ust_dev_tap_open_queue(st, "ustmq0", 1500, ust_dev_mac(q0), &q1) != UST_OK)
        return 11;
    if (memcmp(ust_dev_mac(q1), ust_dev_mac(q0), 6) != 0 || ust_dev_fd(q0) == ust_dev_fd(q1))
        return 12;
    if (ust_dev_tap_open_queue(st, "ustmq0", 1500, &mac, &other) != UST_OK ||
        memcmp(ust_dev_mac(other), &mac, 6) != 0)
        return 13;
    if (ust_dev_tap_open(st, "ustmq0", 1500, &other) != UST_ERR_QUEUEMODE || other)
        return 14;
    struct ust_dev *single;
    if (ust_dev_tap_open(st, "ustsq0", 1500, &single) != UST_OK)
        return 15;
    if (ust_dev_tap_open_queue(st, "ustsq0", 1500, NULL, &other) != UST_ERR_QUEUEMODE)
        return 16;
    if (ust_dev_tap_open_queue(st, "lo", 1500, NULL, &other) != UST_ERR_DEVTYPE ||
        ust_dev_tun_open_queue(st, "ustmq0", 1500, &other) != UST_ERR_DEVTYPE)
        return 17;
    if (ust_err_to_errno(UST_ERR_QUEUEMODE) != EINVAL)
        return 18;
    ust_stack_free(st);
    return 0;
}

static void test_tap_queue_open(void **state)
{
    (void)state;
    run_in_child(queue_open_child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_reads_ready_devices_with_budget),
        cmocka_unit_test(test_loop_auto_busy_poll),
        cmocka_unit_test(test_loop_wakes_for_deadline),
        cmocka_unit_test(test_loop_wait_is_precise),
        cmocka_unit_test(test_loop_timers_after_input),
        cmocka_unit_test(test_loop_run_until_stop),
        cmocka_unit_test(test_loop_interrupted_by_signal),
        cmocka_unit_test(test_loop_drops_failed_device),
        cmocka_unit_test(test_loop_run_returns_when_device_fails),
        cmocka_unit_test(test_blocking_call_sees_device_loss),
        cmocka_unit_test(test_loop_drops_hung_up_device),
        cmocka_unit_test(test_tap_against_kernel),
        cmocka_unit_test(test_ring_teardown_is_no_signal),
        cmocka_unit_test(test_sqpoll_follows_affinity),
        cmocka_unit_test(test_tuntap_open_errors_keep_errno),
        cmocka_unit_test(test_tap_queue_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

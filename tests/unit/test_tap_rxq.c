/* The io_uring receive batch of the TAP driver (src/dev/dev_tap_rxq.c),
 * driven on a datagram socket pair instead of a TAP descriptor: a read
 * returns one datagram as a TAP read returns one frame, no privilege is
 * needed, and the frames handed up show exactly what was read and in
 * which order. Skipped where the kernel refuses io_uring, except under
 * CI=true where that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dev/dev_impl.h"
#include "dev/dev_tap_rxq.h"
#include "ustack/ustack.h"

#define MAX_FRAMES 400

struct fixture {
    struct ust_stack *st;
    struct ust_dev *dev; /* owns the counters the queue updates */
    int rfd, wfd;        /* the socket pair standing in for the TAP */
    struct tap_rxq *q;
    unsigned seen;       /* frames handed up */
    size_t len[MAX_FRAMES];
    uint8_t first[MAX_FRAMES], last[MAX_FRAMES];
};

static int drop_frame(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)now, (void)frame, (void)len;
    return UST_OK;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static const struct ust_dev_ops ops = {.transmit = drop_frame};
    f->st = ust_stack_new(NULL);
    f->dev = ust_dev_new(f->st, "r0", UST_LINK_ETHERNET, NULL, 1500, &ops, NULL);
    int fds[2];
    if (!f->dev || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        return -1;
    f->rfd = fds[0];
    f->wfd = fds[1];
    int big = 4 << 20; /* room for every test's datagrams */
    (void)setsockopt(f->wfd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    (void)setsockopt(f->rfd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tap_rxq_free(f->q);
    close(f->rfd);
    close(f->wfd);
    ust_stack_free(f->st);
    free(f);
    return 0;
}

static void open_queue(struct fixture *f, size_t buf_len, unsigned max_batch)
{
    int err = 0;
    f->q = tap_rxq_new(f->rfd, buf_len, max_batch, &err);
    if (!f->q) {
        if (getenv("CI") && !strcmp(getenv("CI"), "true"))
            fail_msg("io_uring unavailable under CI: %s", strerror(-err));
        skip();
    }
}

/* Frame i: 60 + i % 1400 bytes, each (i * 13 + k) mod 251. */
static size_t frame_len(unsigned i) { return 60 + i % 1400; }
static uint8_t frame_byte(unsigned i, size_t k) { return (uint8_t)((i * 13 + k) % 251); }

static void send_frames(struct fixture *f, unsigned from, unsigned n)
{
    uint8_t buf[1500];
    for (unsigned i = from; i < from + n; i++) {
        for (size_t k = 0; k < frame_len(i); k++)
            buf[k] = frame_byte(i, k);
        assert_int_equal(send(f->wfd, buf, frame_len(i), 0), (ssize_t)frame_len(i));
    }
}

static void on_frame(void *ctx, struct ust_dev *dev, ust_time_t now, uint8_t *frame,
                     size_t len)
{
    struct fixture *f = ctx;
    (void)dev, (void)now;
    assert_true(f->seen < MAX_FRAMES);
    for (size_t k = 0; k < len; k++) /* byte-exact, in order */
        assert_int_equal(frame[k], frame_byte(f->seen, k));
    f->len[f->seen++] = len;
}

static int poll_rx(struct fixture *f, unsigned budget)
{
    return tap_rxq_poll(f->q, f->dev, 0, budget, on_frame, f);
}

/* A backlog (frames that queued while the stack was busy) is read in
 * batches: every frame, in order, byte-exact, fewer system calls than
 * frames; the budget bounds one poll, and the next poll goes on. */
static void test_backlog_is_read_in_batches_in_order(void **state)
{
    struct fixture *f = *state;
    open_queue(f, 2048, 32);
    send_frames(f, 0, 300);
    assert_int_equal(poll_rx(f, 64), 64);
    assert_int_equal(f->seen, 64);
    unsigned total = 64;
    int got;
    while ((got = poll_rx(f, 64)) > 0)
        total += (unsigned)got;
    assert_int_equal(got, 0);
    assert_int_equal(total, 300);
    assert_int_equal(f->seen, 300);
    for (unsigned i = 0; i < 300; i++)
        assert_int_equal(f->len[i], frame_len(i));
    /* the first two by the read() probe, the rest in batches */
    assert_int_equal(f->dev->stats.rx_uring, 298);
    /* many frames per call: with batches doubling to 32, 298 frames take
     * a few dozen calls at most, never one per frame */
    assert_true(f->dev->stats.rx_uring_calls * 4 < f->dev->stats.rx_uring);
    assert_int_equal(ust_stack_stats(f->st)->link.rx_uring_calls, f->dev->stats.rx_uring_calls);
}

/* An empty queue and a lone frame are plain read()s (no ring call); a
 * backlog behind the second frame goes to the ring, which returns at
 * once when it finds the queue empty (RWF_NOWAIT: nothing stays armed),
 * so frames sent later are read by the next poll. */
static void test_lone_frames_by_read_backlog_by_ring(void **state)
{
    struct fixture *f = *state;
    open_queue(f, 2048, 8);
    assert_int_equal(poll_rx(f, 64), 0);
    send_frames(f, 0, 1);
    assert_int_equal(poll_rx(f, 64), 1);
    assert_int_equal(f->dev->stats.rx_uring_calls, 0);
    send_frames(f, 1, 5);
    assert_int_equal(poll_rx(f, 64), 5);
    assert_int_equal(f->dev->stats.rx_uring, 3); /* 2 by the probe, 3 in batches */
    assert_true(f->dev->stats.rx_uring_calls >= 1);
    assert_int_equal(poll_rx(f, 64), 0);
    send_frames(f, 6, 1);
    assert_int_equal(poll_rx(f, 64), 1);
    assert_int_equal(f->seen, 7);
    for (unsigned i = 0; i < 7; i++)
        assert_int_equal(f->len[i], frame_len(i));
}

/* Buffers are as large as the driver says (a TAP with IFF_VNET_HDR and
 * 64 KiB frames raises it): a frame of exactly buf_len bytes is whole. */
static void test_frame_fills_the_buffer(void **state)
{
    struct fixture *f = *state;
    open_queue(f, 1000, 4);
    send_frames(f, 0, 1);   /* 60 bytes */
    uint8_t buf[1000];
    for (size_t k = 0; k < sizeof(buf); k++)
        buf[k] = frame_byte(1, k);
    assert_int_equal(send(f->wfd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    send_frames(f, 2, 1);
    send_frames(f, 3, 1);
    assert_int_equal(poll_rx(f, 64), 4); /* 2 by read(), 2 through the ring */
    assert_int_equal(f->len[1], 1000);
    assert_int_equal(f->dev->stats.rx_uring, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backlog_is_read_in_batches_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lone_frames_by_read_backlog_by_ring, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frame_fills_the_buffer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

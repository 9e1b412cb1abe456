/* The io_uring transmit queue of the TAP driver (src/dev/dev_tap_txq.c)
 * and the ring under it (src/dev/uring.c), driven on a pipe instead of a
 * TAP descriptor: no privilege needed, and the bytes that come out of the
 * pipe show exactly what was written and in which order. Skipped where
 * the kernel refuses io_uring, except under CI=true where that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "dev/dev_tap_txq.h"
#include "dev/uring.h"
#include "ustack/ustack.h"

struct fixture {
    struct ust_stack *st;
    struct ust_dev *dev; /* owns the counters the queue updates */
    int rfd, wfd;        /* the pipe standing in for the TAP */
    struct tap_txq *q;
};

static int drop_frame(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx, (void)now, (void)frame, (void)len;
    return UST_OK;
}

static void no_uring(int err)
{
    if (getenv("CI") && !strcmp(getenv("CI"), "true"))
        fail_msg("io_uring unavailable under CI: %s", strerror(-err));
    skip();
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static const struct ust_dev_ops ops = {.transmit = drop_frame};
    f->st = ust_stack_new(NULL);
    f->dev = ust_dev_new(f->st, "q0", UST_LINK_ETHERNET, NULL, 1500, &ops, NULL);
    int fds[2];
    if (!f->dev || pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    f->rfd = fds[0];
    f->wfd = fds[1];
    (void)fcntl(f->wfd, F_SETPIPE_SZ, 1 << 20); /* room for every test's bytes */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tap_txq_free(f->q, f->dev);
    close(f->rfd);
    close(f->wfd);
    ust_stack_free(f->st);
    free(f);
    return 0;
}

static void open_queue_sqpoll(struct fixture *f, bool sqpoll)
{
    int err = 0;
    f->q = tap_txq_new(f->wfd, 1500, sqpoll, &err);
    if (!f->q)
        no_uring(err);
}

static void open_queue(struct fixture *f) { open_queue_sqpoll(f, true); }

/* Frame number i: `len` bytes, each (i * 7 + k) mod 251. */
static uint8_t frame_byte(unsigned i, size_t k) { return (uint8_t)((i * 7 + k) % 251); }

static void send_frame(struct fixture *f, unsigned i, size_t len)
{
    static uint8_t frame[4000];
    assert_true(len <= sizeof(frame));
    for (size_t k = 0; k < len; k++)
        frame[k] = frame_byte(i, k);
    assert_int_equal(tap_txq_transmit(f->q, f->dev, frame, len), UST_OK);
    memset(frame, 0, len); /* the queue keeps its own copy */
}

/* Reads n frames of len bytes from the pipe (flushing and reaping while
 * waiting, with a deadline) and checks every byte and the order. */
static void expect_frames(struct fixture *f, unsigned first, unsigned n, size_t len)
{
    uint8_t buf[4096];
    size_t want = (size_t)n * len, got = 0;
    ust_time_t deadline = ust_clock_monotonic() + 60 * UST_SEC; /* a failure bound only */
    while (got < want) {
        size_t room = want - got < sizeof(buf) ? want - got : sizeof(buf);
        ssize_t r = read(f->rfd, buf, room);
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            assert_true(ust_clock_monotonic() < deadline);
            tap_txq_flush(f->q, f->dev);
            continue;
        }
        for (ssize_t k = 0; k < r; k++) {
            size_t at = got + (size_t)k;
            unsigned i = first + (unsigned)(at / len);
            if (buf[k] != frame_byte(i, at % len))
                fail_msg("byte %zu (frame %u) out of place", at, i);
        }
        got += (size_t)r;
    }
    assert_int_equal(read(f->rfd, buf, 1), -1); /* and nothing more */
}

static void test_small_burst_is_written_directly_at_flush(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    for (unsigned i = 0; i < 3; i++)
        send_frame(f, i, 100);
    uint8_t b;
    assert_int_equal(read(f->rfd, &b, 1), -1); /* held until the burst ends */
    assert_int_equal(errno, EAGAIN);
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 3, 100);
    assert_int_equal(f->dev->stats.tx_uring, 0); /* write(), no ring */
}

static void test_large_burst_goes_through_the_ring_in_order(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    for (unsigned i = 0; i < 64; i++)
        send_frame(f, i, 1000);
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 64, 1000);
    /* the first 16 KiB (17 frames) are published together, later frames
     * follow through the ring while earlier ones are in flight */
    assert_true(f->dev->stats.tx_uring >= 17);
    assert_int_equal(f->dev->stats.tx_drops, 0);
}

static void test_more_frames_than_entries_wait_for_completions(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    for (unsigned i = 0; i < 1000; i++) /* 256 buffers: transmit must wait */
        send_frame(f, i, 200);
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 1000, 200);
    assert_int_equal(f->dev->stats.tx_drops, 0);
}

static void test_free_sends_and_waits_for_everything(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    for (unsigned i = 0; i < 40; i++)
        send_frame(f, i, 1000);
    send_frame(f, 40, 10); /* held (not yet published) when free comes */
    tap_txq_free(f->q, f->dev);
    f->q = NULL;
    /* everything is in the pipe when free returns: no flush, no wait */
    uint8_t buf[40 * 1000 + 10];
    assert_int_equal(read(f->rfd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    for (size_t at = 0; at < 40000; at++)
        assert_int_equal(buf[at], frame_byte((unsigned)(at / 1000), at % 1000));
    assert_int_equal(buf[40000], frame_byte(40, 0));
}

/* A frame larger than the queue's buffers (the MTU grew after the queue
 * was made) is written directly, but only after everything before it. */
static void test_oversized_frame_waits_for_the_ring(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    for (unsigned i = 0; i < 20; i++)
        send_frame(f, i, 1000); /* 20000 bytes: in the ring */
    assert_true(f->dev->stats.tx_uring >= 17);
    send_frame(f, 20, 3000);
    /* written before transmit returns: no flush needed */
    static uint8_t buf[23000];
    assert_int_equal(read(f->rfd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    for (size_t at = 0; at < 20000; at++)
        assert_int_equal(buf[at], frame_byte((unsigned)(at / 1000), at % 1000));
    for (size_t k = 0; k < 3000; k++)
        assert_int_equal(buf[20000 + k], frame_byte(20, k));
}

/* A packet of the stack's pool is lent, not copied: the write reads the
 * packet's own memory (bytes changed after transmit_pkt are the ones the
 * kernel gets, which a copy would not show), and the packet returns to the
 * pool once the kernel is done with it. */
static void test_pool_packet_is_written_in_place(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    struct pkt_pool *pool = &f->st->pkt_pool;
    struct pkt *p = pkt_pool_alloc(pool, PKT_HEADROOM, 100);
    assert_non_null(p);
    size_t spare = pool->n;
    memset(p->data, 0, 100);
    assert_int_equal(tap_txq_transmit_pkt(f->q, f->dev, p), UST_OK);
    for (size_t k = 0; k < 100; k++) /* the buffer the kernel will read */
        p->data[k] = frame_byte(0, k);
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 1, 100);
    assert_int_equal(pool->n, spare + 1);
    assert_ptr_equal(pool->free, p); /* back in the pool, reused next */
}

/* Returns 1 if the packet was new (the pool had none spare). */
static unsigned send_pool_frame(struct fixture *f, unsigned i, size_t len)
{
    unsigned fresh = f->st->pkt_pool.n == 0;
    struct pkt *p = pkt_pool_alloc(&f->st->pkt_pool, PKT_HEADROOM, len);
    assert_non_null(p);
    for (size_t k = 0; k < len; k++)
        p->data[k] = frame_byte(i, k);
    assert_int_equal(tap_txq_transmit_pkt(f->q, f->dev, p), UST_OK);
    return fresh;
}

/* Lent packets through the ring: in order, more than the ring holds (so
 * transmit waits for completions), every packet back in the pool. */
static void test_lent_packets_through_the_ring_return_to_the_pool(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    unsigned fresh = 0;
    for (unsigned i = 0; i < 300; i++)
        fresh += send_pool_frame(f, i, 1000);
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 300, 1000);
    assert_true(f->dev->stats.tx_uring >= 17);
    assert_int_equal(f->dev->stats.tx_drops, 0);
    tap_txq_free(f->q, f->dev); /* reaps every completion */
    f->q = NULL;
    /* at most 256 in flight: completed packets were reused for later frames */
    assert_true(fresh <= 257);
    assert_int_equal(f->st->pkt_pool.n, fresh); /* and every one came back */
}

/* Reads exactly n bytes from the pipe (flushing and reaping while
 * waiting, with a deadline only as a failure bound). */
static void read_exact(struct fixture *f, uint8_t *buf, size_t n)
{
    size_t got = 0;
    ust_time_t deadline = ust_clock_monotonic() + 60 * UST_SEC;
    while (got < n) {
        ssize_t r = read(f->rfd, buf + got, n - got);
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            assert_true(ust_clock_monotonic() < deadline);
            tap_txq_flush(f->q, f->dev);
            continue;
        }
        got += (size_t)r;
    }
}

/* A packet larger than the queue's buffers (a TSO super-packet) is lent
 * to the ring like a pool packet: it goes with the burst between the
 * frames around it,
 * in order, as a ring entry (tx_uring), from its own memory (bytes
 * changed after transmit_pkt are what the kernel gets), and is freed
 * once its completion is reaped. */
static void test_large_packet_is_lent_to_the_ring(void **state)
{
    struct fixture *f = *state;
    open_queue_sqpoll(f, false); /* (held until the flush: the kernel reads after the change) */
    enum { SMALL = 1000, NSMALL = 20, LARGE = 60000 };
    for (unsigned i = 0; i < NSMALL; i++)
        (void)send_pool_frame(f, i, SMALL);
    struct pkt *big = pkt_alloc(PKT_HEADROOM, LARGE);
    assert_non_null(big);
    memset(big->data, 0, LARGE);
    assert_int_equal(tap_txq_transmit_pkt(f->q, f->dev, big), UST_OK);
    for (size_t k = 0; k < LARGE; k++) /* lent, not copied: this is what goes */
        big->data[k] = frame_byte(NSMALL, k);
    (void)send_pool_frame(f, NSMALL + 1, SMALL);
    tap_txq_flush(f->q, f->dev);
    static uint8_t buf[NSMALL * SMALL + LARGE + SMALL];
    read_exact(f, buf, sizeof(buf));
    for (size_t at = 0; at < NSMALL * SMALL; at++)
        assert_int_equal(buf[at], frame_byte((unsigned)(at / SMALL), at % SMALL));
    for (size_t k = 0; k < LARGE; k++)
        assert_int_equal(buf[NSMALL * SMALL + k], frame_byte(NSMALL, k));
    for (size_t k = 0; k < SMALL; k++)
        assert_int_equal(buf[NSMALL * SMALL + LARGE + k], frame_byte(NSMALL + 1, k));
    assert_int_equal(f->dev->stats.tx_uring, NSMALL + 2); /* the large one among them */
    assert_int_equal(f->dev->stats.tx_drops, 0);
    tap_txq_free(f->q, f->dev); /* reaps: the large packet is freed (ASan checks) */
    f->q = NULL;
}

/* A run of large packets without a polling thread (the default): one
 * io_uring_enter for the burst, in order, none lost. */
static void test_large_packets_in_a_row_without_sqpoll(void **state)
{
    struct fixture *f = *state;
    open_queue_sqpoll(f, false);
    enum { LARGE = 50000, N = 18 }; /* 900 KB: under the pipe's 1 MiB */
    for (unsigned i = 0; i < N; i++) {
        struct pkt *p = pkt_alloc(PKT_HEADROOM, LARGE);
        assert_non_null(p);
        for (size_t k = 0; k < LARGE; k++)
            p->data[k] = frame_byte(i, k);
        assert_int_equal(tap_txq_transmit_pkt(f->q, f->dev, p), UST_OK);
    }
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, N, LARGE);
    assert_int_equal(f->dev->stats.tx_uring, N); /* a burst: all through the ring */
    assert_int_equal(f->dev->stats.tx_drops, 0);
}

/* Any other packet (not the pool's size) is copied: changing it after
 * transmit_pkt changes nothing the kernel gets. */
static void test_other_packet_is_copied(void **state)
{
    struct fixture *f = *state;
    open_queue(f);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 100);
    assert_non_null(p);
    for (size_t k = 0; k < 100; k++)
        p->data[k] = frame_byte(0, k);
    struct pkt_pool *pool = &f->st->pkt_pool;
    size_t spare = pool->n;
    assert_int_equal(tap_txq_transmit_pkt(f->q, f->dev, p), UST_OK);
    /* p is freed: nothing to change; the copy is what goes out */
    tap_txq_flush(f->q, f->dev);
    expect_frames(f, 0, 1, 100);
    assert_int_equal(pool->n, spare); /* freed, not pooled */
}

static void count_cqe(void *ctx, uint64_t user_data, int32_t res)
{
    (void)user_data;
    assert_int_equal(res, 0);
    (*(unsigned *)ctx)++;
}

static void test_ring_full_until_the_kernel_consumes(void **state)
{
    (void)state;
    struct uring u;
    int rc = uring_init(&u, 8, true, 2);
    if (rc < 0)
        no_uring(rc);
    for (unsigned i = 0; i < u.ring.sq.ring_entries; i++) {
        struct io_uring_sqe *sqe = uring_get_sqe(&u);
        assert_non_null(sqe);
        sqe->opcode = IORING_OP_NOP;
        sqe->user_data = i;
    }
    assert_true(uring_sq_full(&u));
    assert_null(uring_get_sqe(&u));
    assert_int_equal(uring_unpublished(&u), u.ring.sq.ring_entries);
    assert_true(uring_publish(&u) >= 0);
    assert_int_equal(uring_unpublished(&u), 0);
    assert_int_equal(uring_wait_sq(&u), 0);
    unsigned done = 0;
    while (done < u.ring.sq.ring_entries) {
        assert_int_equal(uring_wait_cqe(&u), 0);
        uring_reap(&u, count_cqe, &done);
    }
    assert_int_equal(done, u.ring.sq.ring_entries);
    assert_false(uring_sq_full(&u));
    uring_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_burst_is_written_directly_at_flush, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_large_burst_goes_through_the_ring_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_more_frames_than_entries_wait_for_completions,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_sends_and_waits_for_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oversized_frame_waits_for_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_full_until_the_kernel_consumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_packet_is_written_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lent_packets_through_the_ring_return_to_the_pool,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_packet_is_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_packet_is_lent_to_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_packets_in_a_row_without_sqpoll, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

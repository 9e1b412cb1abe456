/* TAP/TUN receive in batches through io_uring.
 *
 * Why: a TAP read() returns one frame, so the plain receive loop makes a
 * system call per frame plus one that finds the queue empty. Here one
 * io_uring_enter issues a batch of reads, each into its own buffer.
 *
 * How: every read carries RWF_NOWAIT, so the kernel performs it inside
 * the submitting call and a read that finds the queue empty completes at
 * once with -EAGAIN instead of waiting (armed on the descriptor's poll,
 * it would complete later into a buffer we might be reusing). All the
 * batch's completions are therefore posted when io_uring_enter returns,
 * in submission order, which is the order the kernel queued the frames.
 * Multishot read with provided buffers (IORING_OP_READ_MULTISHOT, Linux
 * 6.7) needs no submission per batch, but measured no cheaper per frame
 * (a poll of the TAP and a buffer lookup after every frame instead) and
 * no faster (ARCHITECTURE.md, "Transmit bursts and receive batches"), so
 * batches stay.
 *
 * The batch adapts: it doubles while every read returns a frame, and
 * shrinks to one more than what the last batch found. At its smallest
 * (the last wake-up found at most one frame: requests and responses, an
 * ACK now and then) the driver probes with plain read()s instead: a lone
 * frame costs two of them (the frame, then EAGAIN), which measured 0.7 us
 * per round trip faster than one io_uring_enter of two reads; a second
 * frame means a backlog, and batches take the rest. Links (IOSQE_IO_LINK) cannot
 * stop the batch at the first empty read: a frame is a short read, which
 * breaks a link chain. */
#include "dev_tap_rxq.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dev_host.h"
#include "dev_impl.h"
#include "uring.h"

#define RXQ_MIN_BATCH 2
#define RXQ_MAX_BATCH 256 /* bounds the buffers: 256 x 64 KiB at most per ring */

struct tap_rxq {
    struct uring ring;
    int fd;
    uint8_t *buf;      /* max_batch buffers of buf_len bytes */
    size_t buf_len;
    unsigned max_batch;
    unsigned batch;    /* reads in the next submission */
    int32_t *res;      /* each read's result, by buffer */
};

struct tap_rxq *tap_rxq_new(int fd, size_t buf_len, unsigned max_batch, int *err)
{
    struct tap_rxq *q = calloc(1, sizeof(*q));
    if (!q) {
        *err = -ENOMEM;
        return NULL;
    }
    if (max_batch < RXQ_MIN_BATCH)
        max_batch = RXQ_MIN_BATCH;
    if (max_batch > RXQ_MAX_BATCH)
        max_batch = RXQ_MAX_BATCH;
    q->fd = fd;
    q->buf_len = buf_len;
    q->max_batch = max_batch;
    q->batch = RXQ_MIN_BATCH;
    /* Pages are touched as frames fill them: 64 KiB buffers cost what
     * their frames use. */
    q->buf = malloc(buf_len * max_batch);
    q->res = calloc(max_batch, sizeof(*q->res));
    unsigned entries = 1;
    while (entries < max_batch)
        entries <<= 1;
    int rc = q->buf && q->res ? uring_init(&q->ring, entries, false, 0) : -ENOMEM;
    if (rc < 0) {
        free(q->buf);
        free(q->res);
        free(q);
        *err = rc;
        return NULL;
    }
    *err = 0;
    return q;
}

void tap_rxq_free(struct tap_rxq *q)
{
    if (!q)
        return;
    uring_free(&q->ring);
    free(q->buf);
    free(q->res);
    free(q);
}

static void on_read(void *ctx, uint64_t user_data, int32_t res)
{
    struct tap_rxq *q = ctx;
    if (user_data < q->max_batch)
        q->res[user_data] = res;
}

/* Issues n reads and collects their results into q->res: 0, or a
 * negative errno when the ring itself failed. */
static int read_batch(struct tap_rxq *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct io_uring_sqe *sqe = uring_get_sqe(&q->ring);
        if (!sqe)
            return -EBUSY; /* the ring is sized for max_batch: cannot happen */
        io_uring_prep_read(sqe, q->fd, q->buf + i * q->buf_len, (unsigned)q->buf_len, 0);
        sqe->rw_flags = RWF_NOWAIT;
        io_uring_sqe_set_data64(sqe, i);
        q->res[i] = -EINPROGRESS;
    }
    int rc = uring_publish(&q->ring);
    if (rc < 0)
        return rc;
    unsigned done = uring_reap(&q->ring, on_read, q);
    /* RWF_NOWAIT reads complete within the submission; should one not,
     * wait for it: its buffer is about to be reused. */
    while (done < n) {
        if ((rc = uring_wait_cqe(&q->ring)) < 0)
            return rc;
        done += uring_reap(&q->ring, on_read, q);
    }
    return 0;
}

/* Hands the frames of the last batch to fn in order. Returns the frames
 * handed, and in *stop_err the first error that ended the batch early
 * (-EAGAIN: the queue is empty). */
static unsigned deliver(struct tap_rxq *q, unsigned n, struct ust_dev *dev, ust_time_t now,
                        tap_rx_frame_fn fn, void *ctx, int *stop_err)
{
    unsigned got = 0;
    *stop_err = 0;
    for (unsigned i = 0; i < n; i++) {
        int32_t r = q->res[i];
        if (r > 0) {
            fn(ctx, dev, now, q->buf + i * q->buf_len, (size_t)r);
            got++;
        } else if (!*stop_err) {
            *stop_err = r == 0 ? -EAGAIN : r;
        }
    }
    return got;
}

/* Up to `max` frames by read(), into the first buffer. Returns the number
 * read, or a negative errno that ended reading before any frame: -EAGAIN
 * when the queue is empty. */
static int read_probe(struct tap_rxq *q, struct ust_dev *dev, ust_time_t now, unsigned max,
                      tap_rx_frame_fn fn, void *ctx)
{
    int got = 0;
    while ((unsigned)got < max) {
        ssize_t n = read(q->fd, q->buf, q->buf_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got ? got : (n == 0 ? -EAGAIN : -errno);
        fn(ctx, dev, now, q->buf, (size_t)n);
        got++;
    }
    return got;
}

int tap_rxq_poll(struct tap_rxq *q, struct ust_dev *dev, ust_time_t now, unsigned budget,
                 tap_rx_frame_fn fn, void *ctx)
{
    unsigned got = 0;
    if (q->batch <= RXQ_MIN_BATCH) {
        int rc = read_probe(q, dev, now, budget < 2 ? budget : 2, fn, ctx);
        if (rc < 0)
            return rc == -EAGAIN || !dev_read_errno_fatal(-rc) ? 0 : rc;
        got = (unsigned)rc;
        if (got < 2)
            return (int)got; /* a lone frame, or none: nothing queued behind it */
    }
    while (got < budget) {
        unsigned n = q->batch < budget - got ? q->batch : budget - got;
        int rc = read_batch(q, n);
        if (rc < 0)
            return got ? (int)got : rc;
        int stop = 0;
        unsigned k = deliver(q, n, dev, now, fn, ctx, &stop);
        got += k;
        dev->stats.rx_uring_calls++;
        stack_stats(dev->st)->link.rx_uring_calls++;
        dev->stats.rx_uring += k;
        stack_stats(dev->st)->link.rx_uring += k;
        q->batch = k == n ? (n * 2 < q->max_batch ? n * 2 : q->max_batch)
                          : (k + 1 > RXQ_MIN_BATCH ? k + 1 : RXQ_MIN_BATCH);
        if (stop == -EINTR)
            continue;
        if (stop && stop != -EAGAIN && dev_read_errno_fatal(-stop))
            return got ? (int)got : stop;
        if (k < n)
            break; /* empty (or a passing shortage): until the next wake-up */
    }
    return (int)got;
}

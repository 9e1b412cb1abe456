/* TAP/TUN transmit through io_uring with a kernel polling thread.
 *
 * Why: a write() on a TAP descriptor does not just copy the frame. The
 * kernel runs its whole receive path for it (IP, TCP, waking the reading
 * application) in the writer's context, so one write per frame leaves the
 * stack's thread spending most of its time in the kernel. Handing bursts
 * to io_uring's polling thread moves that work to another CPU, with no
 * system call per frame, while the stack goes on producing frames.
 *
 * How: during a burst (a batch of received frames, a timer round, one
 * send call: the stack's tx_hold scopes) frames are held as filled but
 * unpublished submission entries. A burst that reaches TXQ_BURST_BYTES is
 * published to the polling thread at once and every frame after it
 * follows through the ring; at the end of the burst what is left goes
 * either through the ring, or, when the burst is small (an ACK, a
 * request, a handshake) and nothing is in flight, straight through
 * write(): waking the polling thread costs more than the write itself,
 * and frames keep their order because a direct write only happens when
 * the ring is empty. The packet itself is the write buffer: it goes back
 * to the pool when its completion is reaped. */
#include "dev_tap_txq.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/stack_impl.h"
#include "core/trace.h"
#include "dev_impl.h"
#include "uring.h"

#define TXQ_ENTRIES 256            /* frames queued or in flight at most */
#define TXQ_BURST_BYTES (16 * 1024) /* a burst this large goes to the ring */
#define TXQ_IDLE_MS 2              /* the polling thread sleeps after this */

struct tap_txq {
    struct uring ring;
    int fd;
    struct ust_dev *dev;               /* for counters while reaping */
    struct pkt *slot[TXQ_ENTRIES];     /* frame of each entry in use */
    unsigned free_slot[TXQ_ENTRIES];
    unsigned nfree;
    unsigned inflight;                 /* published, completion not reaped */
    size_t held_bytes;                 /* filled, not yet published */
};

struct tap_txq *tap_txq_new(int fd, int *err)
{
    struct tap_txq *q = calloc(1, sizeof(*q));
    if (!q) {
        *err = -ENOMEM;
        return NULL;
    }
    int rc = uring_init(&q->ring, TXQ_ENTRIES, TXQ_IDLE_MS);
    if (rc < 0) {
        free(q);
        *err = rc;
        return NULL;
    }
    q->fd = fd;
    for (unsigned i = 0; i < TXQ_ENTRIES; i++)
        q->free_slot[i] = i;
    q->nfree = TXQ_ENTRIES;
    *err = 0;
    return q;
}

static void release_slot(struct tap_txq *q, unsigned s)
{
    pkt_pool_free(&q->dev->st->pkt_pool, q->slot[s]);
    q->slot[s] = NULL;
    q->free_slot[q->nfree++] = s;
}

static void on_completion(void *ctx, uint64_t user_data, int32_t res)
{
    struct tap_txq *q = ctx;
    unsigned s = (unsigned)user_data;
    if (s >= TXQ_ENTRIES || !q->slot[s])
        return; /* not ours: cannot happen, but never trust an index */
    if (res < 0 || (size_t)res != q->slot[s]->len) {
        DEV_COUNT(q->dev, tx_drops);
        TRACE(q->dev->st, "dev", "%s async tx drop len %zu: res %d", q->dev->name,
              q->slot[s]->len, (int)res);
    }
    release_slot(q, s);
    q->inflight--;
}

static void reap(struct tap_txq *q, struct ust_dev *dev)
{
    q->dev = dev;
    uring_reap(&q->ring, on_completion, q);
}

static void publish(struct tap_txq *q)
{
    unsigned n = uring_unpublished(&q->ring);
    if (!n)
        return;
    q->inflight += n;
    q->held_bytes = 0;
    q->dev->stats.tx_uring += n;
    q->dev->st->stats.link.tx_uring += n;
    if (uring_publish(&q->ring) < 0)
        TRACE(q->dev->st, "dev", "%s: waking the io_uring thread failed", q->dev->name);
}

/* A small burst with nothing in flight: one write() per frame, in order. */
static void write_held(struct tap_txq *q)
{
    struct uring *u = &q->ring;
    for (unsigned i = *u->sq_tail; i != u->local_tail; i++) {
        unsigned s = (unsigned)u->sqes[i & *u->sq_mask].user_data;
        struct pkt *p = q->slot[s];
        ssize_t n = write(q->fd, p->data, p->len);
        if (n < 0 || (size_t)n != p->len)
            DEV_COUNT(q->dev, tx_drops);
        release_slot(q, s);
    }
    uring_unfill(u);
    q->held_bytes = 0;
}

/* Waits until a slot (a completion reaped) and an SQE are free. Each wait
 * waits for what can come: a completion only while frames are in flight
 * (every slot is), an SQE only once everything is published. */
static int make_room(struct tap_txq *q, struct ust_dev *dev)
{
    reap(q, dev);
    while (q->nfree == 0) {
        publish(q);
        if (uring_wait_cqe(&q->ring) < 0)
            return UST_ERR_IO;
        reap(q, dev);
    }
    while (uring_sq_full(&q->ring)) {
        publish(q);
        if (uring_wait_sq(&q->ring) < 0)
            return UST_ERR_IO;
    }
    return UST_OK;
}

int tap_txq_transmit(struct tap_txq *q, struct ust_dev *dev, struct pkt *p)
{
    if (make_room(q, dev) != UST_OK) {
        pkt_pool_free(&dev->st->pkt_pool, p);
        return UST_ERR_IO;
    }
    struct io_uring_sqe *sqe = uring_get_sqe(&q->ring);
    if (!sqe) { /* make_room saw one free: cannot happen */
        pkt_pool_free(&dev->st->pkt_pool, p);
        return UST_ERR_IO;
    }
    unsigned s = q->free_slot[--q->nfree];
    q->slot[s] = p;
    sqe->opcode = IORING_OP_WRITE;
    sqe->fd = q->fd;
    sqe->addr = (uint64_t)(uintptr_t)p->data;
    sqe->len = (uint32_t)p->len;
    sqe->off = 0; /* a TAP descriptor has no file position */
    sqe->user_data = s;
    q->held_bytes += p->len;
    if (q->held_bytes >= TXQ_BURST_BYTES || q->inflight > 0)
        publish(q); /* a burst is on: let the polling thread start on it */
    return UST_OK;
}

void tap_txq_flush(struct tap_txq *q, struct ust_dev *dev)
{
    reap(q, dev);
    if (uring_unpublished(&q->ring) == 0)
        return;
    if (q->inflight == 0 && q->held_bytes < TXQ_BURST_BYTES)
        write_held(q);
    else
        publish(q);
}

void tap_txq_free(struct tap_txq *q, struct ust_dev *dev)
{
    if (!q)
        return;
    tap_txq_flush(q, dev);
    while (q->inflight > 0 && uring_wait_cqe(&q->ring) == 0)
        reap(q, dev);
    for (unsigned s = 0; s < TXQ_ENTRIES; s++) {
        if (q->slot[s])
            pkt_pool_free(&dev->st->pkt_pool, q->slot[s]);
    }
    uring_free(&q->ring);
    free(q);
}

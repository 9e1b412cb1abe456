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
 * the ring is empty.
 *
 * Buffers: a packet from the stack's pool (the one size every ordinary
 * frame is built in) is lent to the queue as it is: its memory is the
 * write's buffer, so the frame goes to the kernel where the stack built
 * it, and the packet returns to the pool when its completion is reaped.
 * A packet too large for the queue's buffers (a TSO super-packet of up
 * to 64 KiB) is lent the same way, within TXQ_LARGE_BUDGET bytes in
 * flight: it then goes with the burst in one io_uring_enter (or to the
 * polling thread) instead of a write() of its own after the ring drains.
 * Any other frame is copied into a buffer of the queue, where it stays
 * until its completion is reaped. */
#include "dev_tap_txq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"
#include "uring.h"

#define TXQ_ENTRIES 256             /* submission entries; frames in flight at most */
#define TXQ_MIN_SLOTS 16
#define TXQ_SLOT_BUDGET (1024 * 1024) /* bytes of frame buffers per device */
#define TXQ_BURST_BYTES (16 * 1024) /* a burst this large goes to the ring */
#define TXQ_LARGE_BUDGET (1024 * 1024) /* bytes of lent oversized packets in flight */
#define TXQ_IDLE_MS 1               /* the polling thread sleeps after this (ms; it spins until then) */

struct tap_txq {
    struct uring ring;
    int fd;
    struct ust_dev *dev;            /* for counters while reaping */
    uint8_t *buf;                   /* nslots buffers of slot_len bytes */
    size_t slot_len;
    unsigned nslots;
    uint32_t len[TXQ_ENTRIES];      /* frame length in each slot in use */
    unsigned free_slot[TXQ_ENTRIES];
    unsigned nfree;
    struct pkt *pkt[TXQ_ENTRIES];   /* a lent packet in the slot (its buffer), or NULL */
    unsigned inflight;              /* published, completion not reaped */
    size_t held_bytes;              /* filled, not yet published */
    size_t large_bytes;             /* lent packets over slot_len, held or in flight */
    bool broken;                    /* the ring failed: write() from now on */
};

/* Slots hold a copy of each frame: a buffer allocated once and reused
 * stays in the cache and never goes back to the allocator, where large
 * frames would make the heap shrink and grow (page faults, and TLB
 * shootdowns reaching the polling thread's CPU). Up to TXQ_ENTRIES of
 * them, within TXQ_SLOT_BUDGET bytes. */
static size_t slot_len_for(unsigned mtu) { return ((size_t)mtu + 18 + 63) & ~(size_t)63; }

struct tap_txq *tap_txq_new(int fd, unsigned mtu, bool sqpoll, int *err)
{
    struct tap_txq *q = calloc(1, sizeof(*q));
    if (!q) {
        *err = -ENOMEM;
        return NULL;
    }
    q->slot_len = slot_len_for(mtu);
    size_t n = TXQ_SLOT_BUDGET / q->slot_len;
    q->nslots = n > TXQ_ENTRIES ? TXQ_ENTRIES : n < TXQ_MIN_SLOTS ? TXQ_MIN_SLOTS : (unsigned)n;
    q->buf = aligned_alloc(64, q->slot_len * q->nslots);
    int rc = q->buf ? uring_init(&q->ring, TXQ_ENTRIES, sqpoll, TXQ_IDLE_MS) : -ENOMEM;
    if (rc < 0) {
        free(q->buf);
        free(q);
        *err = rc;
        return NULL;
    }
    q->fd = fd;
    for (unsigned i = 0; i < q->nslots; i++)
        q->free_slot[i] = i;
    q->nfree = q->nslots;
    *err = 0;
    return q;
}

static uint8_t *slot_buf(const struct tap_txq *q, unsigned s) { return q->buf + s * q->slot_len; }

/* Where slot s's frame is: a lent packet's memory or the slot's buffer. */
static const uint8_t *slot_data(const struct tap_txq *q, unsigned s)
{
    return q->pkt[s] ? q->pkt[s]->data : slot_buf(q, s);
}

/* The kernel is done with slot s: a lent packet goes back to the pool. */
static void slot_release(struct tap_txq *q, unsigned s)
{
    if (q->pkt[s] && q->len[s] > q->slot_len)
        q->large_bytes -= q->len[s];
    if (q->pkt[s]) {
        pkt_pool_free(stack_pkt_pool(q->dev->st), q->pkt[s]);
        q->pkt[s] = NULL;
    }
    q->free_slot[q->nfree++] = s;
}

static void on_completion(void *ctx, uint64_t user_data, int32_t res)
{
    struct tap_txq *q = ctx;
    unsigned s = (unsigned)user_data;
    if (s >= q->nslots)
        return; /* not ours: cannot happen, but never trust an index */
    if (res < 0 || (uint32_t)res != q->len[s]) {
        if (res < 0 && dev_write_errno_fatal(-res))
            ust_dev_set_failed(q->dev, -res); /* the interface was deleted */
        DEV_COUNT(q->dev, tx_drops);
        TRACE(q->dev->st, "dev", "%s async tx drop len %u: res %d", q->dev->name,
              (unsigned)q->len[s], (int)res);
    }
    slot_release(q, s);
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
    stack_stats(q->dev->st)->link.tx_uring += n;
    int rc = uring_publish(&q->ring);
    if (rc < 0)
        TRACE(q->dev->st, "dev", "%s: io_uring submit failed: %s", q->dev->name, strerror(-rc));
}

static void write_frame(struct tap_txq *q, const uint8_t *frame, size_t len)
{
    ssize_t n = write(q->fd, frame, len);
    if (n < 0 && dev_write_errno_fatal(errno))
        ust_dev_set_failed(q->dev, errno);
    if (n < 0 || (size_t)n != len)
        DEV_COUNT(q->dev, tx_drops);
}

/* A small burst with nothing in flight: one write() per frame, in order. */
static void write_held(struct tap_txq *q)
{
    struct uring *u = &q->ring;
    unsigned held = uring_unpublished(u);
    for (unsigned i = 0; i < held; i++) {
        unsigned s = (unsigned)uring_unpublished_sqe(u, i)->user_data;
        write_frame(q, slot_data(q, s), q->len[s]);
        slot_release(q, s);
    }
    uring_unfill(u);
    q->held_bytes = 0;
}

/* Waits until a slot (a completion reaped) and an SQE are free, and for
 * an oversized packet (large: its length, else 0) until it fits the
 * budget of lent large packets (or nothing large is out). Each wait
 * waits for what can come: a completion only while frames are in flight
 * (publish makes every held frame so), an SQE only once everything is
 * published. */
static int make_room(struct tap_txq *q, struct ust_dev *dev, size_t large)
{
    reap(q, dev);
    while (q->nfree == 0 || (large && q->large_bytes > 0 &&
                             q->large_bytes + large > TXQ_LARGE_BUDGET)) {
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

/* Everything held goes out and every completion is reaped. */
static void drain(struct tap_txq *q, struct ust_dev *dev)
{
    tap_txq_flush(q, dev);
    while (q->inflight > 0 && uring_wait_cqe(&q->ring) == 0)
        reap(q, dev);
}

/* The kernel stopped serving the ring (io_uring_enter fails): the frames
 * it holds are lost to us, the rest goes out with write(), not dropped. */
static void give_up_ring(struct tap_txq *q, struct ust_dev *dev)
{
    TRACE(dev->st, "dev", "%s: io_uring failed, one write() per frame from now on", dev->name);
    q->broken = true;
    if (uring_unpublished(&q->ring) > 0)
        write_held(q);
}

static int queue_slot(struct tap_txq *q, struct pkt *p, size_t len);

int tap_txq_transmit(struct tap_txq *q, struct ust_dev *dev, const uint8_t *frame, size_t len)
{
    if (len > q->slot_len && !q->broken) /* the MTU grew since: after the others */
        drain(q, dev);
    if (!q->broken && len <= q->slot_len && make_room(q, dev, 0) != UST_OK)
        give_up_ring(q, dev);
    if (q->broken || len > q->slot_len) {
        write_frame(q, frame, len);
        return UST_OK;
    }
    memcpy(slot_buf(q, q->free_slot[q->nfree - 1]), frame, len);
    return queue_slot(q, NULL, len);
}

int tap_txq_transmit_pkt(struct tap_txq *q, struct ust_dev *dev, struct pkt *p)
{
    bool large = p->len > q->slot_len;
    if ((p->cap != PKT_POOL_CAP && !large) || q->broken) { /* small, not the pool's: copied */
        int rc = tap_txq_transmit(q, dev, p->data, p->len);
        pkt_pool_free(stack_pkt_pool(dev->st), p);
        return rc;
    }
    if (make_room(q, dev, large ? p->len : 0) != UST_OK) {
        give_up_ring(q, dev);
        write_frame(q, p->data, p->len);
        pkt_pool_free(stack_pkt_pool(dev->st), p);
        return UST_OK;
    }
    return queue_slot(q, p, p->len);
}

/* Fills a write of the next free slot's frame (in lent packet p, or
 * already copied into the slot's buffer when p is NULL). */
static int queue_slot(struct tap_txq *q, struct pkt *p, size_t len)
{
    struct io_uring_sqe *sqe = uring_get_sqe(&q->ring);
    if (!sqe) { /* make_room saw one free: cannot happen */
        if (p)
            pkt_pool_free(stack_pkt_pool(q->dev->st), p);
        return UST_ERR_IO;
    }
    unsigned s = q->free_slot[--q->nfree];
    q->pkt[s] = p;
    q->len[s] = (uint32_t)len;
    if (p && len > q->slot_len)
        q->large_bytes += len;
    /* offset 0: a TAP descriptor has no file position */
    io_uring_prep_write(sqe, q->fd, slot_data(q, s), (unsigned)len, 0);
    io_uring_sqe_set_data64(sqe, s);
    q->held_bytes += len;
    /* A burst is on: let the polling thread start on it. Without one,
     * every publish is a system call: the burst waits for its end. */
    if (q->ring.sqpoll && (q->held_bytes >= TXQ_BURST_BYTES || q->inflight > 0))
        publish(q);
    return UST_OK;
}

/* With a polling thread, a small burst (an ACK, a request) goes out by
 * write(): waking the thread costs more. Without one, io_uring_enter is a
 * system call like write(), so only a lone frame is written directly. */
static bool write_is_cheaper(const struct tap_txq *q)
{
    if (q->ring.sqpoll)
        return q->held_bytes < TXQ_BURST_BYTES;
    return uring_unpublished(&q->ring) == 1;
}

void tap_txq_flush(struct tap_txq *q, struct ust_dev *dev)
{
    reap(q, dev);
    if (uring_unpublished(&q->ring) == 0)
        return;
    if (q->inflight == 0 && write_is_cheaper(q))
        write_held(q);
    else
        publish(q);
}

void tap_txq_free(struct tap_txq *q, struct ust_dev *dev)
{
    if (!q)
        return;
    drain(q, dev);
    for (unsigned s = 0; s < q->nslots; s++)
        if (q->pkt[s]) /* only if the ring failed to complete: never lose a packet */
            pkt_pool_free(stack_pkt_pool(dev->st), q->pkt[s]);
    uring_free(&q->ring);
    free(q->buf);
    free(q);
}

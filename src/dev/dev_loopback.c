/* Loopback device: what it transmits it receives back on the stack's next
 * poll. Transmit only queues (bounded), so the stack is never re-entered
 * from inside its own output path; the driver-internal poll hook delivers
 * the queue, and ust_stack_poll_at() reports "due now" while frames wait. */
#include <stdlib.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"

#define LOOPBACK_MTU 65535
#define LOOPBACK_MAX_FRAMES 512
#define LOOPBACK_MAX_BYTES (4u << 20)

struct loopback {
    struct pkt_queue q;
    ust_time_t queued_at; /* when the queue became non-empty */
};

static int loopback_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct loopback *lo = ctx;
    if (lo->q.count >= LOOPBACK_MAX_FRAMES || lo->q.bytes + len > LOOPBACK_MAX_BYTES)
        return UST_ERR_NOMEM; /* counted as tx_drops by the device core */
    struct pkt *p = pkt_copy(frame, len);
    if (!p)
        return UST_ERR_NOMEM;
    if (!lo->q.head)
        lo->queued_at = now;
    pkt_queue_push(&lo->q, p);
    return UST_OK;
}

static ust_time_t loopback_poll_at(void *ctx)
{
    struct loopback *lo = ctx;
    return lo->q.head ? lo->queued_at : UST_TIME_NEVER;
}

static void loopback_poll(void *ctx, struct ust_dev *dev, ust_time_t now)
{
    struct loopback *lo = ctx;
    /* Deliver only what was queued before this poll: replies generated
     * while delivering wait for the next poll (bounded work per poll). */
    struct pkt_queue batch = lo->q;
    lo->q = (struct pkt_queue){0};
    lo->queued_at = now;
    struct pkt *p;
    while ((p = pkt_queue_pop(&batch))) {
        ust_dev_input(dev, now, p->data, p->len);
        pkt_free(p);
    }
}

static void loopback_close(void *ctx)
{
    struct loopback *lo = ctx;
    pkt_queue_clear(&lo->q);
    free(lo);
}

static const struct ust_dev_ops loopback_ops = {
    .transmit = loopback_transmit,
    .close = loopback_close,
};

static const struct dev_poll_ops loopback_poll_ops = {
    .poll_at = loopback_poll_at,
    .poll = loopback_poll,
};

struct ust_dev *ust_dev_loopback_new(struct ust_stack *st)
{
    struct loopback *lo = calloc(1, sizeof(*lo));
    if (!lo)
        return NULL;
    static const struct ust_mac zero_mac = {{0}};
    struct ust_dev *dev =
        ust_dev_new(st, "lo", UST_LINK_IP, &zero_mac, LOOPBACK_MTU, &loopback_ops, lo);
    if (!dev) {
        free(lo);
        return NULL;
    }
    dev->drv_poll = &loopback_poll_ops;
    return dev;
}

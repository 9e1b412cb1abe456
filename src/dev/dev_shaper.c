/* Token-bucket traffic shaper on a device's transmit side: a layer of the
 * device's middleware chain, below capture and above the fault injector.
 *
 * Credit is kept in exact integer units of 1e-9 bit ("bit-nanoseconds"
 * divided by a second): `rate_bps` units accrue per nanosecond and a frame
 * of n bytes costs n * 8 * 1e9 units. So credit and release times are exact
 * in virtual time, with no floating point and no rounding drift.
 *
 * The bucket holds at most `burst` bytes of credit; a frame larger than the
 * burst waits until the bucket has its full cost (the ceiling rises to the
 * head frame's cost), so the long-run rate stays exact. Frames waiting for
 * credit sit in a queue bounded by `queue_bytes`; what does not fit is
 * dropped and counted (shaper_drops). */
#include <stdlib.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"

#define UNITS_PER_BYTE (8 * UST_SEC)

struct shaper {
    struct dev_layer layer; /* first: the layer is the shaper */
    uint64_t rate_bps;
    uint64_t cap;         /* burst in credit units */
    uint64_t credit;      /* current credit in units */
    ust_time_t last;      /* time credit was last brought up to date */
    size_t queue_limit;   /* bytes */
    struct pkt_queue q;
};

static uint64_t frame_cost(size_t len) { return (uint64_t)len * UNITS_PER_BYTE; }

/* The most credit the bucket may hold while `head_cost` waits. */
static uint64_t credit_ceiling(const struct shaper *s, uint64_t head_cost)
{
    return head_cost > s->cap ? head_cost : s->cap;
}

static void shaper_refill(struct shaper *s, ust_time_t now)
{
    if (now <= s->last)
        return;
    uint64_t dt = now - s->last;
    s->last = now;
    uint64_t ceiling = credit_ceiling(s, s->q.head ? frame_cost(s->q.head->len) : 0);
    if (s->credit >= ceiling)
        return;
    /* Overflow-safe: a long idle period simply fills the bucket. */
    if (dt >= (ceiling - s->credit) / s->rate_bps + 1)
        s->credit = ceiling;
    else
        s->credit += dt * s->rate_bps;
    if (s->credit > ceiling)
        s->credit = ceiling;
}

static const struct dev_layer_ops shaper_layer_ops;

static struct shaper *shaper_of(const struct ust_dev *dev)
{
    return (struct shaper *)dev_layer_find(dev, &shaper_layer_ops);
}

int ust_dev_shaper_attach(struct ust_dev *dev, uint64_t rate_bps, size_t burst_bytes,
                          size_t queue_bytes)
{
    if (!dev || rate_bps == 0 || burst_bytes == 0 || burst_bytes > UINT64_MAX / UNITS_PER_BYTE / 2)
        return UST_ERR_INVAL;
    struct shaper *s = calloc(1, sizeof(*s));
    if (!s)
        return UST_ERR_NOMEM;
    s->layer.ops = &shaper_layer_ops;
    s->rate_bps = rate_bps;
    s->cap = frame_cost(burst_bytes);
    s->credit = s->cap; /* a fresh bucket starts full: the first burst goes at once */
    s->last = stack_now(dev->st);
    s->queue_limit = queue_bytes;
    ust_dev_shaper_detach(dev);
    dev_layer_insert(dev, &s->layer);
    TRACE(dev->st, "shaper", "%s: rate %llu bit/s burst %zu queue %zu", dev->name,
          (unsigned long long)rate_bps, burst_bytes, queue_bytes);
    return UST_OK;
}

void ust_dev_shaper_detach(struct ust_dev *dev)
{
    struct shaper *s = dev ? shaper_of(dev) : NULL;
    if (!s)
        return;
    /* Frames still waiting are dropped: they were promised no later slot. */
    for (size_t i = 0; i < s->q.count; i++)
        DEV_COUNT(dev, shaper_drops);
    dev_layer_remove(dev, &s->layer);
}

static void shaper_free(struct dev_layer *l)
{
    struct shaper *s = (struct shaper *)l;
    pkt_queue_clear(&s->q);
    free(s);
}

static int shaper_enqueue(struct dev_layer *l, ust_time_t now, struct pkt *p)
{
    struct shaper *s = (struct shaper *)l;
    struct ust_dev *dev = l->dev;
    shaper_refill(s, now);
    uint64_t cost = frame_cost(p->len);
    if (!s->q.head && s->credit >= cost) {
        s->credit -= cost;
        return dev_layer_transmit_below(l, now, p);
    }
    if (s->q.bytes + p->len > s->queue_limit) {
        DEV_COUNT(dev, shaper_drops);
        TRACE(dev->st, "shaper", "%s: drop len %zu (queue %zu/%zu bytes)", dev->name, p->len,
              s->q.bytes, s->queue_limit);
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    DEV_COUNT(dev, shaper_queued);
    pkt_queue_push(&s->q, p);
    return UST_OK;
}

static ust_time_t shaper_poll_at(const struct dev_layer *l)
{
    const struct shaper *s = (const struct shaper *)l;
    if (!s->q.head)
        return UST_TIME_NEVER;
    uint64_t cost = frame_cost(s->q.head->len);
    if (s->credit >= cost)
        return s->last;
    uint64_t missing = cost - s->credit;
    return s->last + (missing + s->rate_bps - 1) / s->rate_bps; /* round up: never early */
}

static void shaper_poll(struct dev_layer *l, ust_time_t now)
{
    struct shaper *s = (struct shaper *)l;
    shaper_refill(s, now);
    while (s->q.head && s->credit >= frame_cost(s->q.head->len)) {
        struct pkt *p = pkt_queue_pop(&s->q);
        s->credit -= frame_cost(p->len);
        dev_layer_transmit_below(l, now, p);
        /* The next head may have a higher ceiling than this one. */
        shaper_refill(s, now);
    }
}

/* Received frames are not shaped. */
static int shaper_input(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len)
{
    return dev_layer_input_above(l, now, frame, len);
}

/* The shaper paces what is sent; what arrives goes up as it came. */
static bool shaper_rx_unchanged(const struct dev_layer *l)
{
    (void)l;
    return true;
}

static const struct dev_layer_ops shaper_layer_ops = {
    .name = "shaper",
    .rank = 1,
    .transmit = shaper_enqueue,
    .input = shaper_input,
    .rx_unchanged = shaper_rx_unchanged,
    .poll_at = shaper_poll_at,
    .poll = shaper_poll,
    .free = shaper_free,
};

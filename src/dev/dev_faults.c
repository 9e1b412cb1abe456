/* Fault injector: a layer at the bottom of a device's middleware chain
 * (nearest the driver, so capture and shaper see what the stack sends and
 * gets) that loses, delays with jitter, reorders, duplicates and corrupts
 * frames, per direction, like the simulator's cables but on any device: a
 * real TAP or TUN link where the kernel has no netem, or an application
 * device in a test.
 *
 * Every draw comes from the injector's own PRNG, in a fixed order per
 * frame (loss, duplicate, then per copy: corrupt, jitter, reorder), and only
 * for a fault that is on, so a seed gives the same faults on the same
 * frames. Held copies wait in a list sorted by release time (ties in
 * arrival order), bounded by cfg.dev_fault_queue_len; one timer of the
 * stack's heap per direction is armed at the head, so ust_stack_poll_at()
 * covers the injector and the real loop wakes for it. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/timer.h"
#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"

#define FAULT_DEFAULT_REORDER_DELAY UST_MSEC
#define ETH_HDR_LEN 14

struct held_frame {
    struct held_frame *next;
    ust_time_t when;
    size_t len;
    uint8_t data[];
};

struct fault_dir {
    struct faults *fx;
    int dir;                 /* UST_DEV_TX or UST_DEV_RX */
    struct ust_dev_faults f;
    struct held_frame *head, *tail;
    size_t count;
    ust_time_t last_release; /* jitter never reorders: releases stay monotonic */
    struct ust_timer timer;  /* armed at head->when while frames are held */
    struct ust_dev_fault_stats stats;
};

struct faults {
    struct dev_layer layer; /* first: the layer is the injector */
    struct ust_rng rng;
    struct fault_dir dir[2];
};

static const struct dev_layer_ops faults_layer_ops;

static struct faults *faults_of(const struct ust_dev *dev)
{
    return (struct faults *)dev_layer_find(dev, &faults_layer_ops);
}

/* Draws only for an active fault: turning one fault on does not shift the
 * sequence of a run that never uses it. */
static bool chance(struct faults *fx, double p) { return p > 0 && rng_unit(&fx->rng) < p; }

static void trace_fault(struct fault_dir *d, const char *what, size_t len)
{
    struct ust_dev *dev = d->fx->layer.dev;
    TRACE(dev->st, "faults", "%s %s %s len %zu", dev->name, d->dir == UST_DEV_TX ? "tx" : "rx",
          what, len);
}

/* Hands a copy on: towards the driver (a new packet) or up to the stack. */
static int fault_pass(struct fault_dir *d, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct dev_layer *l = &d->fx->layer;
    if (d->dir == UST_DEV_RX)
        return dev_layer_input_above(l, now, frame, len);
    struct pkt *p = pkt_copy(frame, len);
    if (!p) {
        DEV_COUNT(l->dev, tx_drops);
        return UST_ERR_NOMEM;
    }
    return dev_layer_transmit_below(l, now, p);
}

/* Inserts h after every held frame due no later (stable for equal times).
 * Most frames go at the tail: only reordered ones are overtaken. */
static void held_insert(struct fault_dir *d, struct held_frame *h)
{
    d->count++;
    if (!d->head || d->tail->when <= h->when) {
        h->next = NULL;
        if (d->tail)
            d->tail->next = h;
        else
            d->head = h;
        d->tail = h;
        return;
    }
    struct held_frame **pp = &d->head;
    while ((*pp)->when <= h->when)
        pp = &(*pp)->next;
    h->next = *pp;
    *pp = h;
}

static struct held_frame *held_pop(struct fault_dir *d)
{
    struct held_frame *h = d->head;
    d->head = h->next;
    if (!d->head)
        d->tail = NULL;
    d->count--;
    return h;
}

static void fault_rearm(struct fault_dir *d)
{
    struct ust_stack *st = d->fx->layer.dev->st;
    if (!d->head)
        timer_cancel(st, &d->timer);
    else if (!timer_armed(&d->timer) || d->timer.when != d->head->when)
        timer_arm(st, &d->timer, d->head->when); /* NOMEM: released at the next arm */
}

/* The stack's timer: every held frame due by now goes on, in order. */
static void fault_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)st;
    struct fault_dir *d = (struct fault_dir *)((char *)t - offsetof(struct fault_dir, timer));
    while (d->head && d->head->when <= now) {
        struct held_frame *h = held_pop(d);
        fault_pass(d, now, h->data, h->len);
        free(h);
    }
    fault_rearm(d);
}

/* When the copy may go on: now + delay + jitter, never before an earlier
 * copy, unless reordering holds it back by reorder_delay. */
static ust_time_t release_time(struct fault_dir *d, ust_time_t now, bool *reordered)
{
    ust_time_t t = now + d->f.delay;
    if (d->f.jitter)
        t += rng_below(&d->fx->rng, d->f.jitter + 1);
    *reordered = chance(d->fx, d->f.reorder);
    if (*reordered)
        return t + (d->f.reorder_delay ? d->f.reorder_delay : FAULT_DEFAULT_REORDER_DELAY);
    if (t < d->last_release)
        t = d->last_release;
    d->last_release = t;
    return t;
}

/* A single bit flip past the link header: RFC 1071's checksum (IP header,
 * ICMP, UDP, TCP) detects every single-bit error, so the frame fails a
 * check upstream instead of being misdelivered. */
static void corrupt_bit(struct faults *fx, const struct ust_dev *dev, uint8_t *data, size_t len)
{
    size_t skip = dev->type == UST_LINK_ETHERNET && len > ETH_HDR_LEN ? ETH_HDR_LEN : 0;
    uint64_t bit = rng_below(&fx->rng, (uint64_t)(len - skip) * 8);
    data[skip + bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static bool queue_full(const struct fault_dir *d)
{
    return d->count >= ust_stack_config(d->fx->layer.dev->st)->dev_fault_queue_len;
}

/* One copy of an offered frame: maybe corrupted, then passed on now or held. */
static int fault_copy(struct fault_dir *d, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct ust_dev *dev = d->fx->layer.dev;
    struct held_frame *h = malloc(sizeof(*h) + len);
    if (!h) {
        DEV_COUNT(dev, fault_queue_drops);
        d->stats.queue_drops++;
        return UST_ERR_NOMEM;
    }
    h->len = len;
    memcpy(h->data, frame, len);
    if (len && chance(d->fx, d->f.corrupt)) {
        corrupt_bit(d->fx, dev, h->data, len);
        if (d == &d->fx->dir[UST_DEV_RX]) /* a checksum the driver vouched for */
            stack_services(dev->st)->rx_off.csum_valid = false; /* is not of these bytes */
        d->stats.corrupted++;
        DEV_COUNT(dev, fault_corrupted);
        trace_fault(d, "corrupted", len);
    }
    bool reordered;
    h->when = release_time(d, now, &reordered);
    if (reordered) {
        d->stats.reordered++;
        DEV_COUNT(dev, fault_reordered);
        trace_fault(d, "reordered", len);
    }
    bool due_held = d->head && d->head->when <= now; /* keep order with those */
    if (h->when <= now && !due_held) {
        int rc = fault_pass(d, now, h->data, h->len);
        free(h);
        return rc;
    }
    if (queue_full(d)) {
        d->stats.queue_drops++;
        DEV_COUNT(dev, fault_queue_drops);
        trace_fault(d, "queue full: dropped", len);
        free(h);
        return UST_ERR_NOMEM;
    }
    d->stats.delayed++;
    DEV_COUNT(dev, fault_delayed);
    held_insert(d, h);
    fault_rearm(d);
    return UST_OK;
}

/* Counts the frame offered and draws its loss. */
static bool fault_lose(struct fault_dir *d, size_t len)
{
    d->stats.frames++;
    if (!chance(d->fx, d->f.loss))
        return false;
    d->stats.lost++;
    DEV_COUNT(d->fx->layer.dev, fault_lost);
    trace_fault(d, "lost", len);
    return true;
}

/* Nothing but loss can happen to the frame (no fault that copies or holds
 * it is on, nothing held): it may go on as it is, without a copy. The
 * draws are the same as on the full path, which draws nothing more for
 * faults that are off. */
static bool fault_loss_only(const struct fault_dir *d)
{
    const struct ust_dev_faults *f = &d->f;
    return !d->head && !f->delay && !f->jitter && !(f->reorder > 0) && !(f->duplicate > 0) &&
           !(f->corrupt > 0);
}

static int fault_offer(struct fault_dir *d, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct ust_dev *dev = d->fx->layer.dev;
    if (fault_lose(d, len))
        return UST_OK; /* the wire took it: the sender cannot tell */
    int copies = 1;
    if (chance(d->fx, d->f.duplicate)) {
        copies = 2;
        d->stats.duplicated++;
        DEV_COUNT(dev, fault_duplicated);
        trace_fault(d, "duplicated", len);
    }
    int rc = UST_OK;
    for (int c = 0; c < copies; c++) {
        int r = fault_copy(d, now, frame, len);
        if (c == 0)
            rc = r;
    }
    return rc;
}

static int faults_transmit(struct dev_layer *l, ust_time_t now, struct pkt *p)
{
    struct fault_dir *d = &((struct faults *)l)->dir[UST_DEV_TX];
    int rc = UST_OK;
    if (!fault_loss_only(d))
        rc = fault_offer(d, now, p->data, p->len); /* copies what goes on */
    else if (!fault_lose(d, p->len))
        return dev_layer_transmit_below(l, now, p); /* p itself goes on */
    pkt_pool_free(stack_pkt_pool(l->dev->st), p);
    return rc;
}

static int faults_input(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct fault_dir *d = &((struct faults *)l)->dir[UST_DEV_RX];
    if (!fault_loss_only(d))
        return fault_offer(d, now, frame, len);
    return fault_lose(d, len) ? UST_OK : dev_layer_input_above(l, now, frame, len);
}

/* Drops what a direction holds (detach, device freed): counted. */
static void fault_dir_flush(struct fault_dir *d, bool count)
{
    struct ust_dev *dev = d->fx->layer.dev;
    while (d->head) {
        free(held_pop(d));
        if (count) {
            d->stats.queue_drops++;
            DEV_COUNT(dev, fault_queue_drops);
        }
    }
    timer_cancel(dev->st, &d->timer);
}

static void faults_free(struct dev_layer *l)
{
    struct faults *fx = (struct faults *)l;
    for (int i = 0; i < 2; i++)
        fault_dir_flush(&fx->dir[i], false);
    free(fx);
}

/* Loss alone passes each surviving frame up as it is, at once. */
static bool faults_rx_unchanged(const struct dev_layer *l)
{
    return fault_loss_only(&((const struct faults *)l)->dir[UST_DEV_RX]);
}

static const struct dev_layer_ops faults_layer_ops = {
    .name = "faults",
    .rank = 2,
    .transmit = faults_transmit,
    .input = faults_input,
    .rx_unchanged = faults_rx_unchanged,
    .free = faults_free,
};

static struct faults *faults_get(struct ust_dev *dev)
{
    struct faults *fx = faults_of(dev);
    if (fx)
        return fx;
    fx = calloc(1, sizeof(*fx));
    if (!fx)
        return NULL;
    fx->layer.ops = &faults_layer_ops;
    rng_seed(&fx->rng, rng_next(stack_rng(dev->st)));
    for (int i = 0; i < 2; i++) {
        fx->dir[i].fx = fx;
        fx->dir[i].dir = i;
        timer_init(&fx->dir[i].timer, fault_timer_fired);
    }
    dev_layer_insert(dev, &fx->layer);
    return fx;
}

static bool probability(double p) { return p >= 0 && p <= 1; }

int ust_dev_faults_set(struct ust_dev *dev, enum ust_dev_dir dir, const struct ust_dev_faults *f)
{
    if (!dev || !f || (dir != UST_DEV_TX && dir != UST_DEV_RX) || !probability(f->loss) ||
        !probability(f->duplicate) || !probability(f->reorder) || !probability(f->corrupt))
        return UST_ERR_INVAL;
    struct faults *fx = faults_get(dev);
    if (!fx)
        return UST_ERR_NOMEM;
    fx->dir[dir].f = *f;
    return UST_OK;
}

int ust_dev_faults_seed(struct ust_dev *dev, uint64_t seed)
{
    struct faults *fx = dev ? faults_get(dev) : NULL;
    if (!fx)
        return dev ? UST_ERR_NOMEM : UST_ERR_INVAL;
    rng_seed(&fx->rng, seed);
    return UST_OK;
}

void ust_dev_faults_detach(struct ust_dev *dev)
{
    struct faults *fx = dev ? faults_of(dev) : NULL;
    if (!fx)
        return;
    for (int i = 0; i < 2; i++)
        fault_dir_flush(&fx->dir[i], true);
    dev_layer_remove(dev, &fx->layer);
}

int ust_dev_faults_stats(const struct ust_dev *dev, enum ust_dev_dir dir,
                         struct ust_dev_fault_stats *out)
{
    struct faults *fx = dev ? faults_of(dev) : NULL;
    if (!fx || !out || (dir != UST_DEV_TX && dir != UST_DEV_RX))
        return UST_ERR_INVAL;
    *out = fx->dir[dir].stats;
    out->held = fx->dir[dir].count;
    return UST_OK;
}

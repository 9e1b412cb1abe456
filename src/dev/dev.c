/* Device core: creation, receive entry point, transmit through the
 * middleware chain (dev_layer.c: pcap, shaper, fault injector) to the
 * driver. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/trace.h"
#include "wire/eth.h"
#include "dev_gso.h"
#include "dev_host.h"
#include "dev_impl.h"

struct ust_dev *ust_dev_new(struct ust_stack *st, const char *name, enum ust_link_type type,
                            const struct ust_mac *mac, unsigned mtu,
                            const struct ust_dev_ops *ops, void *ctx)
{
    if (!st || !ops || !ops->transmit || mtu < 68 || mtu > 65535)
        return NULL;
    struct ust_dev *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return NULL;
    dev->st = st;
    snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "dev");
    dev->type = type;
    dev->mtu = mtu;
    dev->ops = *ops;
    dev->ctx = ctx;
    dev->ifindex = -1;
    if (mac) {
        dev->mac = *mac;
    } else {
        /* Locally administered unicast address from the stack's PRNG. */
        rng_bytes(stack_rng(st), dev->mac.b, 6);
        dev->mac.b[0] = (uint8_t)((dev->mac.b[0] & 0xfe) | 0x02);
    }
    if (stack_add_dev(st, dev) != UST_OK) {
        free(dev);
        return NULL;
    }
    return dev;
}

void dev_free(struct ust_dev *dev)
{
    if (!dev)
        return;
    dev_layers_free(dev);
    if (dev->ops.close)
        dev->ops.close(dev->ctx);
    free(dev);
}

int ust_dev_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len)
{
    /* Each frame is handled at its own time, not at its batch's: a driver
     * reading 64 ACKs takes hundreds of microseconds, and the batch's start
     * time on all of them shrank RTT samples and delivery-rate intervals
     * (tcp_rate.c) to nothing, so BBR's bandwidth estimate ran far above
     * what the path delivered. With an installed clock (the real loop's, or
     * a simulator's virtual one) the stack's time follows it. */
    stack_set_now(dev->st, now);
    (void)ust_stack_now(dev->st);
    dev->stats.rx_frames++;
    dev->stats.rx_bytes += len;
    struct ust_stats *stats = stack_stats(dev->st);
    stats->link.rx_frames++;
    stats->link.rx_bytes += len;
    /* The chain is entered from the driver's side: the bottom layer first. */
    struct dev_layer *bottom = dev->top;
    while (bottom && bottom->below)
        bottom = bottom->below;
    if (bottom)
        return bottom->ops->input(bottom, stack_now(dev->st), frame, len);
    return stack_frame_input(dev->st, dev, stack_now(dev->st), frame, len);
}

int dev_input_offload(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len,
                      const struct rx_offload *off)
{
    struct ust_services *svc = stack_services(dev->st);
    if (off->csum_valid)
        DEV_COUNT(dev, rx_csum_trusted);
    svc->rx_off = *off;
    int rc = ust_dev_input(dev, now, frame, len);
    svc->rx_off = (struct rx_offload){0}; /* the next frame vouches for itself */
    return rc;
}

void dev_tx_flush(struct ust_dev *dev)
{
    if (dev->txq)
        dev->txq->flush(dev->ctx, dev);
}

/* Counts a frame the driver took or refused; flushes outside a burst. */
static int dev_count_tx(struct ust_dev *dev, size_t len, int rc)
{
    if (rc < 0) {
        DEV_COUNT(dev, tx_drops);
        if (dev->failed)
            DEV_COUNT(dev, tx_errors);
        TRACE(dev->st, "dev", "%s tx drop len %zu: %s", dev->name, len, ust_strerror(rc));
    } else {
        dev->stats.tx_frames++;
        dev->stats.tx_bytes += len;
        struct ust_stats *stats = stack_stats(dev->st);
        stats->link.tx_frames++;
        stats->link.tx_bytes += len;
    }
    if (rc >= 0 && !stack_tx_held(dev->st))
        dev_tx_flush(dev);
    return rc < 0 ? rc : UST_OK;
}

int dev_driver_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p)
{
    /* A driver with a transmit queue takes the packet itself (its memory
     * becomes the transmit buffer) or copies the frame, and may hold it
     * until the burst ends (stack_tx_release); outside one it goes now.
     * A failed device is not asked again: its descriptor is gone. */
    size_t len = p->len;
    if (!dev->failed && dev->txq && dev->txq->transmit_pkt)
        return dev_count_tx(dev, len, dev->txq->transmit_pkt(dev->ctx, dev, p)); /* p taken */
    int rc = dev->failed ? UST_ERR_NETDOWN
             : dev->txq  ? dev->txq->transmit(dev->ctx, dev, p->data, p->len)
                         : dev->ops.transmit(dev->ctx, now, p->data, p->len);
    pkt_pool_free(stack_pkt_pool(dev->st), p);
    return dev_count_tx(dev, len, rc);
}

/* Only a driver's packet path (txq.transmit_pkt) sees p->off: a driver
 * taking frames (ops.transmit, txq.transmit) would get a super-packet or
 * a partial checksum it cannot know about, whatever caps it declared. */
static bool dev_sees_offload(const struct ust_dev *dev)
{
    return dev->txq && dev->txq->transmit_pkt;
}

unsigned dev_gso_max(const struct ust_dev *dev, enum pkt_gso_type type)
{
    if (type != PKT_GSO_TCPV4 && type != PKT_GSO_TCPV6)
        return 0;
    uint32_t need = DEV_OFF_CSUM | (type == PKT_GSO_TCPV4 ? DEV_OFF_TSO4 : DEV_OFF_TSO6);
    if ((dev->offload_caps & need) != need || dev->failed ||
        !dev_sees_offload(dev))
        return 0;
    return dev->gso_max_bytes < 65535 ? dev->gso_max_bytes : 65535;
}

bool dev_csum_offload(const struct ust_dev *dev)
{
    return (dev->offload_caps & DEV_OFF_CSUM) && dev_sees_offload(dev) && !dev->top &&
           !dev->failed;
}

/* A complete wire frame into the middleware chain, then the driver. */
static int dev_transmit_frame(struct ust_dev *dev, ust_time_t now, struct pkt *p)
{
    if (dev->top)
        return dev->top->ops->transmit(dev->top, now, p);
    return dev_driver_transmit(dev, now, p);
}

/* Does the driver itself fulfil p's offload requests? Only with no
 * middleware: capture, shaper and fault injector work per wire frame (a
 * capture shows what went on the wire, a loss hits one segment), as
 * Linux's taps see segments after validate_xmit_skb. */
static bool dev_offload_in_driver(const struct ust_dev *dev, const struct pkt *p)
{
    if (dev->top || dev->failed)
        return false;
    if (p->off.gso_size) {
        size_t l2 = dev->type == UST_LINK_ETHERNET ? ETH_HDR_LEN : 0;
        unsigned max = dev_gso_max(dev, (enum pkt_gso_type)p->off.gso_type);
        return max && p->len >= l2 && p->len - l2 <= max;
    }
    return (dev->offload_caps & DEV_OFF_CSUM) && dev_sees_offload(dev);
}

struct dev_gso_ctx {
    struct ust_dev *dev;
    ust_time_t now;
};

static int dev_gso_emit(void *arg, struct pkt *seg)
{
    struct dev_gso_ctx *c = arg;
    DEV_COUNT(c->dev, tx_gso_segs);
    return dev_transmit_frame(c->dev, c->now, seg);
}

/* What the driver cannot do, done in software (dev_gso.c); p taken. */
static int dev_offload_in_software(struct ust_dev *dev, ust_time_t now, struct pkt *p)
{
    struct pkt_pool *pool = stack_pkt_pool(dev->st);
    if (p->off.gso_size) {
        struct dev_gso_ctx c = {dev, now};
        int n = gso_segment(p, dev->type, pool, dev_gso_emit, &c);
        if (n == UST_ERR_INVAL)
            DEV_COUNT(dev, tx_gso_bad);
        else
            DEV_COUNT(dev, tx_gso_sw);
        return n < 0 ? n : UST_OK;
    }
    if (gso_csum_complete(p, dev->type) < 0) {
        DEV_COUNT(dev, tx_gso_bad);
        pkt_pool_free(pool, p);
        return UST_ERR_INVAL;
    }
    DEV_COUNT(dev, tx_csum_sw);
    return dev_transmit_frame(dev, now, p);
}

int dev_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p)
{
    if (p->off.gso_size == 0 && !p->off.csum_partial)
        return dev_transmit_frame(dev, now, p);
    if (!dev_offload_in_driver(dev, p))
        return dev_offload_in_software(dev, now, p);
    if (p->off.gso_size)
        DEV_COUNT(dev, tx_gso_offloaded);
    return dev_driver_transmit(dev, now, p);
}

ust_time_t dev_poll_at(const struct ust_dev *dev)
{
    ust_time_t next = dev_layers_poll_at(dev);
    if (dev->drv_poll) {
        ust_time_t d = dev->drv_poll->poll_at(dev->ctx);
        if (d < next)
            next = d;
    }
    return next;
}

void dev_poll(struct ust_dev *dev, ust_time_t now)
{
    dev_layers_poll(dev, now);
    if (dev->drv_poll && dev->drv_poll->poll_at(dev->ctx) <= now)
        dev->drv_poll->poll(dev->ctx, dev, now);
}

int ust_dev_poll_rx(struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    if (!dev->ops.poll_rx)
        return 0;
    if (dev->failed)
        return UST_ERR_NETDOWN;
    stack_set_now(dev->st, now);
    /* The frames of one poll are one receive batch: protocols may defer
     * work to its end (core/defer.h). */
    stack_rx_batch_begin(dev->st);
    stack_tx_hold(dev->st); /* and what they make us send is one burst */
    int rc = dev->ops.poll_rx(dev->ctx, dev, now, budget);
    stack_rx_batch_end(dev->st);
    stack_tx_release(dev->st);
    /* A driver error (not "nothing now") ends the device: polling a dead
     * descriptor again would only fail again, as fast as the CPU goes. */
    if ((rc < 0 && rc != UST_ERR_AGAIN) || dev->failed) {
        DEV_COUNT(dev, rx_errors);
        ust_dev_set_failed(dev, ust_err_to_errno(rc < 0 ? rc : UST_ERR_IO));
    }
    return rc;
}

void ust_dev_set_failed(struct ust_dev *dev, int errnum)
{
    if (!dev || dev->failed)
        return;
    dev->failed = errnum > 0 ? errnum : EIO;
    DEV_COUNT(dev, dev_lost);
    TRACE(dev->st, "dev", "%s lost: %s", dev->name, strerror(dev->failed));
}

int ust_dev_failed(const struct ust_dev *dev) { return dev ? dev->failed : 0; }

bool dev_read_errno_fatal(int e)
{
    return e != EAGAIN && e != EWOULDBLOCK && e != EINTR && e != ENOBUFS && e != ENOMEM;
}

bool dev_write_errno_fatal(int e)
{
    return e == EBADFD || e == EBADF || e == ENODEV || e == ENXIO;
}

const char *ust_dev_name(const struct ust_dev *dev) { return dev->name; }
enum ust_link_type ust_dev_link_type(const struct ust_dev *dev) { return dev->type; }
const struct ust_mac *ust_dev_mac(const struct ust_dev *dev) { return &dev->mac; }
unsigned ust_dev_mtu(const struct ust_dev *dev) { return dev->mtu; }
void ust_dev_set_mtu(struct ust_dev *dev, unsigned mtu) { dev->mtu = mtu; }
int ust_dev_fd(const struct ust_dev *dev) { return dev->ops.fd ? dev->ops.fd(dev->ctx) : -1; }
struct ust_stack *ust_dev_stack(const struct ust_dev *dev) { return dev->st; }
const struct ust_link_stats *ust_dev_stats(const struct ust_dev *dev) { return &dev->stats; }

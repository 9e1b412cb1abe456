/* Device internals shared by the drivers, middleware and the stack. */
#ifndef UST_DEV_IMPL_H
#define UST_DEV_IMPL_H

#include "buf/pkt.h"
#include "ustack/dev.h"

struct pcap_writer;
struct shaper;

/* Driver-internal work that the stack's poll drives (e.g. the loopback
 * queue): not part of the public ops, so application drivers never see it. */
struct dev_poll_ops {
    /* Earliest time the driver has work, UST_TIME_NEVER if none. A time at
     * or before `now` means "due now". */
    ust_time_t (*poll_at)(void *ctx);
    /* Does the due work; may call ust_dev_input(). */
    void (*poll)(void *ctx, struct ust_dev *dev, ust_time_t now);
};

/* Driver-internal transmit queue (TAP/TUN over io_uring): the driver may
 * hold frames until the stack's burst of output ends (stack_tx_release)
 * and flush is called. */
struct dev_txq_ops {
    /* Queues a copy of the frame. 0, or a negative ust_err if dropped. */
    int (*transmit)(void *ctx, struct ust_dev *dev, const uint8_t *frame, size_t len);
    /* Hands every held frame to the kernel. */
    void (*flush)(void *ctx, struct ust_dev *dev);
};

struct ust_dev {
    struct ust_stack *st;
    char name[16];
    enum ust_link_type type;
    struct ust_mac mac;
    unsigned mtu;            /* IP MTU */
    struct ust_dev_ops ops;
    void *ctx;
    int ifindex;             /* interface using this device, -1 none */
    struct ust_link_stats stats;
    struct pcap_writer *pcap; /* capture middleware, NULL when off */
    struct shaper *shaper;    /* transmit shaper, NULL when off */
    const struct dev_poll_ops *drv_poll; /* driver-internal poll, NULL none */
    const struct dev_txq_ops *txq; /* driver transmit queue, NULL: ops.transmit */
    int failed;              /* errno of the failure that ended the device, 0: working */
};

/* Sends a complete frame (link header included). Consumes p. Passes it
 * through pcap and the shaper, then the driver. Returns 0 or a negative
 * ust_err (the frame was dropped and counted). */
int dev_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p);
/* Work queued inside the device's middleware (shaper): next deadline and
 * the call that releases it. */
ust_time_t dev_poll_at(const struct ust_dev *dev);
void dev_poll(struct ust_dev *dev, ust_time_t now);
void dev_free(struct ust_dev *dev);
/* Sends what the driver's transmit queue holds (no-op without one). */
void dev_tx_flush(struct ust_dev *dev);

/* Is errno `e` from a read() of the driver's descriptor one after which
 * reading will never succeed again (as opposed to "nothing now" or a
 * passing shortage)? A deleted TAP interface gives EBADFD. */
bool dev_read_errno_fatal(int e);
/* Same for write(): only errors that say the descriptor itself is gone.
 * A TAP whose interface is down gives EIO and a bad frame EINVAL: those
 * drop one frame, the device stays. */
bool dev_write_errno_fatal(int e);

/* Counts a drop in the device and in the stack's link counters. */
#define DEV_COUNT(dev, field)                 \
    do {                                      \
        (dev)->stats.field++;                 \
        (dev)->st->stats.link.field++;        \
    } while (0)

/* pcap middleware (dev_pcap.c) */
void pcap_write_frame(struct pcap_writer *w, ust_time_t now, const uint8_t *frame, size_t len);
void pcap_writer_free(struct pcap_writer *w);
/* Write failures since the capture was attached (capture stops at the first). */
uint64_t pcap_write_errors(const struct ust_dev *dev);
/* shaper middleware (dev_shaper.c): takes p if it returns 0 */
int shaper_enqueue(struct ust_dev *dev, ust_time_t now, struct pkt *p);
ust_time_t shaper_poll_at(const struct shaper *s);
void shaper_poll(struct ust_dev *dev, ust_time_t now);
void shaper_free(struct shaper *s);
/* Hands a frame to the driver, after middleware. Consumes p. */
int dev_driver_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p);

#endif

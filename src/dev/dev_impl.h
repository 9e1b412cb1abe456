/* Device internals shared by the drivers, middleware and the stack. */
#ifndef UST_DEV_IMPL_H
#define UST_DEV_IMPL_H

#include "buf/pkt.h"
#include "core/services.h" /* stack_stats, for DEV_COUNT */
#include "ustack/dev.h"

struct dev_layer;

/* A layer that wraps the device below it (middleware: capture, shaper,
 * fault injector). Layers form a chain between the link layer (above the
 * top one) and the driver (below the bottom one); each sees the frames the
 * layer above sends and the frames the layer below receives, exactly as if
 * the layer below were the device. Ordered by rank, lowest nearest the
 * stack: capture sees what the stack sends and gets, the shaper paces
 * what goes towards the wire, the fault injector models the wire. */
struct dev_layer_ops {
    const char *name;
    int rank;
    /* Sends p (taken) on; calls dev_layer_transmit_below when it passes it. */
    int (*transmit)(struct dev_layer *l, ust_time_t now, struct pkt *p);
    /* A received frame (borrowed); calls dev_layer_input_above to pass it. */
    int (*input)(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len);
    /* Optional: work held inside the layer that the stack's poll releases
     * (layers may also arm the stack's timers instead). */
    ust_time_t (*poll_at)(const struct dev_layer *l);
    void (*poll)(struct dev_layer *l, ust_time_t now);
    /* Optional: true while every received frame the layer passes on goes up
     * unchanged within its input call (or is dropped): a driver's word on
     * the frame's checksum then holds above it, so a frame the kernel sent
     * with its checksum left to us (NEEDS_CSUM) need not be completed
     * first. NULL: the layer reads, changes or holds frames (capture). */
    bool (*rx_unchanged)(const struct dev_layer *l);
    /* Frees the layer and whatever it holds. */
    void (*free)(struct dev_layer *l);
};

struct dev_layer {
    const struct dev_layer_ops *ops;
    struct ust_dev *dev;
    struct dev_layer *above; /* nearer the stack; NULL: the link layer */
    struct dev_layer *below; /* nearer the driver; NULL: the driver */
};

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
    /* Optional: queues the packet itself (taken, also on error): its
     * memory is the transmit buffer, so the frame the stack built goes to
     * the kernel in place, without a copy; the driver returns it to the
     * stack's packet pool when the kernel is done with it. */
    int (*transmit_pkt)(void *ctx, struct ust_dev *dev, struct pkt *p);
    /* Hands every held frame to the kernel. */
    void (*flush)(void *ctx, struct ust_dev *dev);
};

/* What a driver can do for the packets it is given (struct pkt_offload):
 * set by the driver when it opens, read by whoever builds packets
 * (through the net layer) and by dev_transmit, which segments in software
 * for drivers and middleware that cannot. */
enum dev_offload_cap {
    DEV_OFF_CSUM = 1u << 0, /* completes a partial L4 checksum (csum_partial) */
    DEV_OFF_TSO4 = 1u << 1, /* segments PKT_GSO_TCPV4 */
    DEV_OFF_TSO6 = 1u << 2, /* segments PKT_GSO_TCPV6 */
    DEV_OFF_USO = 1u << 3,  /* segments PKT_GSO_UDP_L4 */
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
    struct dev_layer *top;   /* middleware chain, nearest the stack; NULL none */
    const struct dev_poll_ops *drv_poll; /* driver-internal poll, NULL none */
    const struct dev_txq_ops *txq; /* driver transmit queue, NULL: ops.transmit */
    int failed;              /* errno of the failure that ended the device, 0: working */
    bool wall_clock;         /* a real wire (TAP/TUN): captures stamp wall-clock time */
    uint32_t offload_caps;   /* enum dev_offload_cap bits the driver fulfils; 0 none */
    uint32_t gso_max_bytes;  /* largest packet (IP header on) it segments; 0 none */
};

/* Sends a complete frame (link header included). Consumes p. Passes it
 * through the middleware chain, then the driver. Returns 0 or a negative
 * ust_err (the frame was dropped and counted). */
int dev_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p);
/* Work queued inside the device's middleware or driver: next deadline and
 * the call that releases it. */
ust_time_t dev_poll_at(const struct ust_dev *dev);
void dev_poll(struct ust_dev *dev, ust_time_t now);
void dev_free(struct ust_dev *dev);
/* ust_dev_input for a frame the driver vouches for (a TAP's virtio_net_hdr):
 * *off holds for the frame's input only (stack_rx_offload), and the
 * device's GSO / trusted-checksum counters count it. */
int dev_input_offload(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len,
                      const struct rx_offload *off);
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
        stack_stats((dev)->st)->link.field++; \
    } while (0)

/* ---- the middleware chain (dev_layer.c) ---- */
/* Inserts l (l->ops set) at its rank's place; a layer of the same ops is
 * replaced (freed). */
void dev_layer_insert(struct ust_dev *dev, struct dev_layer *l);
/* The layer with these ops, NULL if none. */
struct dev_layer *dev_layer_find(const struct ust_dev *dev, const struct dev_layer_ops *ops);
/* No layer needs the wire's checksums of received frames (every one's
 * rx_unchanged says so; true without layers). */
bool dev_layers_rx_unchanged(const struct ust_dev *dev);
/* Unlinks l and frees it. */
void dev_layer_remove(struct ust_dev *dev, struct dev_layer *l);
void dev_layers_free(struct ust_dev *dev);
/* Passes p (taken) to the next layer towards the driver, or the driver. */
int dev_layer_transmit_below(struct dev_layer *l, ust_time_t now, struct pkt *p);
/* Passes a received frame to the next layer towards the stack, or the link layer. */
int dev_layer_input_above(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len);
ust_time_t dev_layers_poll_at(const struct ust_dev *dev);
void dev_layers_poll(struct ust_dev *dev, ust_time_t now);

/* pcap middleware (dev_pcap.c) */
/* Write failures since the capture was attached (capture stops at the first). */
uint64_t pcap_write_errors(const struct ust_dev *dev);
/* Is a capture layer attached? */
bool pcap_attached(const struct ust_dev *dev);
/* Hands a frame to the driver, after middleware. Consumes p. */
int dev_driver_transmit(struct ust_dev *dev, ust_time_t now, struct pkt *p);

#endif

/* ustack — network devices: drivers (TAP, TUN, loopback, simulated,
 * application-supplied) and middleware that wraps any of them (packet
 * capture, traffic shaper, fault injector).
 * A device belongs to one stack; the stack frees it. */
#ifndef USTACK_DEV_H
#define USTACK_DEV_H

#include "stats.h"
#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_dev;

enum ust_link_type {
    UST_LINK_ETHERNET, /* frames carry an Ethernet II header; ARP resolves */
    UST_LINK_IP,       /* frames are bare IPv4/IPv6 datagrams (TUN-like); no ARP, no ND */
};

/* What a driver provides. Only `transmit` is required. */
struct ust_dev_ops {
    /* Sends one frame (without FCS). Returns 0, or a negative ust_err if it
     * was dropped (counted in tx_drops). Must not call back into the stack. */
    int (*transmit)(void *ctx, ust_time_t now, const uint8_t *frame, size_t len);
    /* Optional: a file descriptor that becomes readable when frames wait. */
    int (*fd)(void *ctx);
    /* Optional: reads up to `budget` waiting frames and hands each to
     * ust_dev_input(). Returns the number handed in (0 or UST_ERR_AGAIN:
     * nothing waits), or another negative ust_err when the device can no
     * longer receive: that marks it failed (ust_dev_failed). */
    int (*poll_rx)(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget);
    /* Optional: releases ctx when the device is freed. */
    void (*close)(void *ctx);
};

/* Creates an application-supplied device. mac may be NULL for a random
 * locally administered address (from the stack's PRNG). mtu is the IP MTU. */
UST_API struct ust_dev *ust_dev_new(struct ust_stack *st, const char *name, enum ust_link_type type,
                                    const struct ust_mac *mac, unsigned mtu,
                                    const struct ust_dev_ops *ops, void *ctx);
/* Hands a received frame to the stack. The frame is only borrowed for the
 * duration of the call. Returns 0 or a negative ust_err (the frame was
 * dropped and counted). */
UST_API int ust_dev_input(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len);

UST_API const char *ust_dev_name(const struct ust_dev *dev);
UST_API enum ust_link_type ust_dev_link_type(const struct ust_dev *dev);
UST_API const struct ust_mac *ust_dev_mac(const struct ust_dev *dev);
UST_API unsigned ust_dev_mtu(const struct ust_dev *dev);
UST_API void ust_dev_set_mtu(struct ust_dev *dev, unsigned mtu);
UST_API int ust_dev_fd(const struct ust_dev *dev);
UST_API struct ust_stack *ust_dev_stack(const struct ust_dev *dev);
UST_API const struct ust_link_stats *ust_dev_stats(const struct ust_dev *dev);
/* Calls the driver's poll_rx (no-op without one). The frames it delivers
 * form one receive batch: TCP acknowledges their in-order data once, when
 * the call returns, instead of every second segment (out-of-order data is
 * still acknowledged at once). Frames given one by one to ust_dev_input
 * are acknowledged as they come. */
UST_API int ust_dev_poll_rx(struct ust_dev *dev, ust_time_t now, unsigned budget);

/* A device that failed for good: its descriptor gives hard errors (a TAP
 * whose interface was deleted: EBADFD), or its driver's poll_rx returned
 * an error, or the driver said so with ust_dev_set_failed. From then on
 * it is not polled (the event loop drops it from its epoll set and
 * reports it, see loop.h), what the stack sends through it is dropped
 * (tx_drops and tx_errors), and the link counters rx_errors / dev_lost
 * record it. ust_dev_failed returns the errno that ended the device (e.g.
 * EBADFD, EIO), 0 while it works. A failed device stays failed: the
 * application closes it (frees the stack) or carries on without it. */
UST_API int ust_dev_failed(const struct ust_dev *dev);
/* For application drivers: declares the device failed with errno errnum
 * (EIO if not positive). The first call wins; later ones change nothing. */
UST_API void ust_dev_set_failed(struct ust_dev *dev, int errnum);

/* ---- drivers ----------------------------------------------------------- */
/* Opens (creating if needed) the Linux TAP device `ifname` with
 * IFF_TAP|IFF_NO_PI, non-blocking, and stores the device in *dev. Returns 0,
 * or a negative ust_err with *dev NULL that keeps the kernel's reason:
 * UST_ERR_PERM without CAP_NET_ADMIN or /dev/net/tun access, UST_ERR_BUSY
 * (EBUSY) when another process has the device open, UST_ERR_DEVTYPE when
 * `ifname` is an interface of another kind (lo, eth0, a TUN device),
 * UST_ERR_QUEUEMODE when it is a multi-queue TAP (ust_dev_tap_open_queue),
 * UST_ERR_NOENT without /dev/net/tun, ...; ust_err_to_errno gives the
 * errno (UST_ERR_IO only for an errno with no ust_err of its own). */
UST_API int ust_dev_tap_open(struct ust_stack *st, const char *ifname, unsigned mtu,
                             struct ust_dev **dev);
/* Same for a TUN device (IFF_TUN|IFF_NO_PI): an IP-only link; the same
 * errors (UST_ERR_DEVTYPE: `ifname` exists and is not a TUN device). */
UST_API int ust_dev_tun_open(struct ust_stack *st, const char *ifname, unsigned mtu,
                             struct ust_dev **dev);
/* One queue of a multi-queue TAP device (IFF_TAP|IFF_MULTI_QUEUE|IFF_NO_PI),
 * created if needed: every call opens one more queue (one descriptor) of
 * the same interface, for one stack each (one stack per thread, sharing
 * nothing). Frames the kernel sends out of the interface go to one queue
 * per flow: tun's automatic queue selection (tun_automq_select_queue) hashes
 * the addresses and ports of the frame, symmetrically, and a flow whose
 * frames were last written through a queue goes back to that queue; a new
 * flow gets the queue its hash picks. So a connection stays with the stack
 * that sent its first frame (ours) or answered its SYN (Linux's), and every
 * queue's stack needs the same address and MAC: give the first queue's MAC
 * (ust_dev_mac) to the others (mac NULL: a random one). The errors of
 * ust_dev_tap_open, and UST_ERR_QUEUEMODE when `ifname` is a single-queue
 * TAP (ust_dev_tap_open opens those; the reverse gets it too). */
UST_API int ust_dev_tap_open_queue(struct ust_stack *st, const char *ifname, unsigned mtu,
                                   const struct ust_mac *mac, struct ust_dev **dev);
/* The same for a TUN device (IFF_TUN|IFF_MULTI_QUEUE): no MAC, no ARP. */
UST_API int ust_dev_tun_open_queue(struct ust_stack *st, const char *ifname, unsigned mtu,
                                   struct ust_dev **dev);
/* How a TAP/TUN device hands frames to the kernel. A write() on a TAP
 * descriptor runs the kernel's receive path for the frame (its IP, its
 * TCP, waking the reader) in the writer's thread; with io_uring that work
 * moves to a kernel thread on another CPU and bursts need no system call
 * per frame.
 *   UST_TAP_TX_AUTO   io_uring for bursts of output: one io_uring_enter
 *                     per burst, or with cfg.tap_tx_sqpoll through a kernel
 *                     polling thread (io_uring SQPOLL; it spins while busy
 *                     and sleeps after 1 ms without work) for bursts of
 *                     16 KiB and more; write() for a lone frame (SQPOLL: a
 *                     small burst) when nothing is queued (lowest latency);
 *                     plain write() if the kernel refuses io_uring.
 *                     The default of ust_dev_tap_open/ust_dev_tun_open.
 *   UST_TAP_TX_WRITE  one write() per frame, in the caller's thread.
 *   UST_TAP_TX_URING  as AUTO, but fails (UST_ERR_NOTSUP) without io_uring.
 * Frames keep their order in every mode. */
enum ust_tap_tx {
    UST_TAP_TX_AUTO,
    UST_TAP_TX_WRITE,
    UST_TAP_TX_URING,
};
/* Switches mode (frames already queued go out first). UST_ERR_INVAL on a
 * device that is not a TAP/TUN. */
UST_API int ust_dev_tap_set_tx(struct ust_dev *dev, enum ust_tap_tx mode);
/* The mode in effect: UST_TAP_TX_URING or UST_TAP_TX_WRITE. */
UST_API enum ust_tap_tx ust_dev_tap_tx(const struct ust_dev *dev);
/* Configures the Linux side of a TAP/TUN device (in the current network
 * namespace): address host_addr/prefix_len, MTU, and link up. */
UST_API int ust_dev_host_config(const char *ifname, ust_ip4_t host_addr, int prefix_len,
                                unsigned mtu);
/* A loopback device: what it transmits it receives back on the next poll. */
UST_API struct ust_dev *ust_dev_loopback_new(struct ust_stack *st);

/* ---- middleware -------------------------------------------------------- */
/* Captures every frame the device sends or receives into a pcap file
 * (LINKTYPE_ETHERNET or LINKTYPE_RAW for IP links, nanosecond timestamps:
 * wall-clock time on TAP/TUN devices, the stack's clock elsewhere, e.g.
 * the simulator's virtual time). The file is flushed at least once a
 * second (a timer of the stack, so an idle link flushes too) and when the
 * capture is closed or the device or stack freed, so a reader can follow
 * it while it grows. path "-" writes to standard output (flushed every
 * frame). A path ending in ".pcapng" writes pcapng. Returns 0 or a
 * negative ust_err; when the file cannot be created, errno keeps the
 * system's reason (e.g. ENOENT: strerror(errno) names it). */
UST_API int ust_dev_pcap_open(struct ust_dev *dev, const char *path);
enum ust_pcap_format {
    UST_PCAP_AUTO,    /* pcapng if the path ends in ".pcapng", else pcap */
    UST_PCAP_CLASSIC, /* libpcap format, magic 0xa1b23c4d (nanoseconds) */
    UST_PCAP_NG,      /* pcapng: section header, one interface block with the
                         device's name and MTU, enhanced packet blocks with the
                         direction and, while tracing is on, the stack's reason
                         for the frame as a comment */
};
struct ust_pcap_opts {
    unsigned snaplen;            /* bytes kept of each frame; 0: 262144 (as tcpdump) */
    enum ust_pcap_format format;
};
/* ust_dev_pcap_open with options (opts NULL: the defaults). */
UST_API int ust_dev_pcap_open_opts(struct ust_dev *dev, const char *path,
                                   const struct ust_pcap_opts *opts);
/* Same onto an already open FILE* (not closed by the stack). */
UST_API int ust_dev_pcap_attach(struct ust_dev *dev, void *file);
/* Flushes and closes the capture (freeing the device or stack does too). */
UST_API void ust_dev_pcap_close(struct ust_dev *dev);

/* Token-bucket shaper on the transmit side: rate in bits per second, burst
 * in bytes, and a bounded queue (queue_bytes) for frames waiting for
 * tokens; frames that do not fit are dropped and counted (shaper_drops). */
UST_API int ust_dev_shaper_attach(struct ust_dev *dev, uint64_t rate_bps, size_t burst_bytes,
                                  size_t queue_bytes);
UST_API void ust_dev_shaper_detach(struct ust_dev *dev);

/* Fault injector: loses, delays (with jitter), reorders, duplicates and
 * corrupts the frames of one direction of any device (TAP, TUN, loopback,
 * simulated, application), as a lossy wire would; the Linux netem qdisc
 * for a user-space stack. It sits nearest the driver: capture and shaper
 * see the frames the stack sends and gets. Every draw comes from the
 * injector's own PRNG (xoshiro256**), so a seed gives the same faults on
 * the same sequence of frames. Held frames wait in a queue of at most
 * cfg.dev_fault_queue_len frames per direction, released by the stack's
 * timers (ust_stack_poll_at() covers them). */
enum ust_dev_dir {
    UST_DEV_TX, /* frames the stack sends, on their way to the driver */
    UST_DEV_RX, /* frames the driver received, on their way to the stack */
};
struct ust_dev_faults {
    double loss;        /* probability a frame is lost, 0..1 */
    double duplicate;   /* probability a frame is passed on twice */
    double reorder;     /* probability a frame is held back by reorder_delay
                           (later frames overtake it) */
    double corrupt;     /* probability one bit of the frame is flipped, after the
                           Ethernet header (a TAP frame has no FCS: a flipped
                           MAC address would be misdelivery, not corruption);
                           the IP or transport checksum then fails upstream */
    ust_time_t delay;   /* fixed delay */
    ust_time_t jitter;  /* uniform extra delay 0..jitter; frames stay in order
                           unless reorder hits */
    ust_time_t reorder_delay; /* extra delay of a reordered frame (0: 1 ms) */
};
/* Sets the faults of one direction, inserting the injector if the device
 * has none (seeded from the stack's PRNG; ust_dev_faults_seed re-seeds).
 * All zero passes frames straight through. UST_ERR_INVAL for a bad value. */
UST_API int ust_dev_faults_set(struct ust_dev *dev, enum ust_dev_dir dir, const struct ust_dev_faults *f);
/* Seeds the injector's PRNG (inserting the injector if needed). */
UST_API int ust_dev_faults_seed(struct ust_dev *dev, uint64_t seed);
/* Removes the injector; frames it still holds are dropped (fault_queue_drops). */
UST_API void ust_dev_faults_detach(struct ust_dev *dev);
/* What one direction of the injector did. */
struct ust_dev_fault_stats {
    uint64_t frames;      /* frames offered */
    uint64_t lost;        /* dropped by the loss fault */
    uint64_t duplicated;  /* extra copies passed on */
    uint64_t reordered;   /* held back by reorder_delay */
    uint64_t corrupted;   /* copies with a bit flipped */
    uint64_t delayed;     /* copies held for a later time */
    uint64_t queue_drops; /* copies dropped: the queue was full (or detached) */
    uint64_t held;        /* copies waiting now */
};
/* UST_ERR_INVAL if the device has no injector. */
UST_API int ust_dev_faults_stats(const struct ust_dev *dev, enum ust_dev_dir dir,
                         struct ust_dev_fault_stats *out);

#endif

/* ustack — the simulated network: many stacks and Ethernet switches in one
 * process, driven by a virtual clock. Faults (loss, duplication,
 * reordering, corruption, delay with jitter, bandwidth, MTU, ECN CE marks) come from a
 * seeded PRNG: the same seed gives the same run, frame for frame. */
#ifndef USTACK_SIM_H
#define USTACK_SIM_H

#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_dev;
struct ust_sim;
struct ust_sim_switch;

UST_API struct ust_sim *ust_sim_new(uint64_t seed);
/* Frees the simulator and its switches (not the stacks). Stacks and sim may
 * be freed in either order, but once a registered stack is freed the
 * simulator must not be run again (it polls every registered stack). The
 * NICs of freed switches stay in their stacks, unplugged (transmit fails). */
UST_API void ust_sim_free(struct ust_sim *sim);
UST_API ust_time_t ust_sim_now(const struct ust_sim *sim);

/* Registers a stack: the simulator drives its timers and installs its
 * virtual clock and a waiter so blocking socket calls run the simulation.
 * The waiter executes one event step (ust_sim_step) up to its deadline and
 * returns 0; when nothing is pending before the deadline it moves the clock
 * to the deadline and returns UST_ERR_TIMEDOUT (also for a deadline of
 * UST_TIME_NEVER with nothing pending: nothing can ever happen then). */
UST_API int ust_sim_add_stack(struct ust_sim *sim, struct ust_stack *st);

/* A learning Ethernet switch with any number of ports. */
UST_API struct ust_sim_switch *ust_sim_switch_new(struct ust_sim *sim, const char *name);
/* Creates a simulated NIC in `st` plugged into a new port of `sw`. mac NULL
 * picks a deterministic one. The NIC appends an Ethernet FCS (CRC-32) on
 * transmit and checks it on receive (bad frames -> rx_crc_errors). */
UST_API struct ust_dev *ust_sim_attach(struct ust_sim_switch *sw, struct ust_stack *st,
                                       const char *ifname,
                                       const struct ust_mac *mac, unsigned mtu);
/* Pulls a simulated NIC's cable out of its switch (frames on their way to
 * it are lost, its transmissions fail) and tells its stack the link went
 * down (ust_iface_set_link); ust_sim_plug puts it into a new port of sw
 * (the same or another switch: another link) and tells it the link is up.
 * 0, or UST_ERR_INVAL (not a simulated NIC; unplugged already / plugged
 * already). */
UST_API int ust_sim_unplug(struct ust_dev *dev);
UST_API int ust_sim_plug(struct ust_dev *dev, struct ust_sim_switch *sw);
/* Makes a simulated NIC segment TCP/IPv4 and TCP/IPv6 itself (TSO, up to 64 KiB) and complete
 * checksums, as a NIC with transmit offloads: the stack then hands it TCP
 * super-packets (cfg.tcp_tso), which the NIC cuts into frames with the
 * software segmenter before its cable. Off by default. 0 or UST_ERR_INVAL
 * (not a simulated NIC). */
UST_API int ust_sim_set_tso(struct ust_dev *dev, bool on);

struct ust_sim_faults {
    double loss;        /* probability a frame is lost, 0..1 */
    double duplicate;   /* probability a frame is delivered twice */
    double reorder;     /* probability a frame is held back by reorder_delay */
    double corrupt;     /* probability one bit of the frame is flipped */
    ust_time_t delay;   /* fixed propagation delay */
    ust_time_t jitter;  /* uniform extra delay 0..jitter (frames stay in order
                           unless reorder hits) */
    ust_time_t reorder_delay; /* extra delay of a reordered frame (default 1 ms) */
    uint64_t rate_bps;  /* link bandwidth, 0 = unlimited; serialisation counts
                           preamble+SFD (8), FCS (4) and inter-frame gap (12) */
    unsigned mtu;       /* frames with a payload over this are dropped (0 = none) */
    double ce_mark;     /* probability that an ECN-capable IPv4 packet (ECT(0) or
                           ECT(1)) is marked CE instead of being dropped, as an
                           AQM router does (RFC 3168 5); the header checksum
                           and the FCS are updated */
};
enum ust_sim_dir {
    UST_SIM_TX, /* frames the NIC sends into the switch */
    UST_SIM_RX, /* frames the switch delivers to the NIC */
};
/* Sets the faults of one direction of a simulated NIC's cable. */
UST_API int ust_sim_set_faults(struct ust_dev *dev, enum ust_sim_dir dir,
                               const struct ust_sim_faults *f);

/* What one direction of a simulated cable did to the frames it carried. */
struct ust_sim_link_stats {
    uint64_t frames;     /* frames offered to this direction */
    uint64_t lost;       /* dropped by the loss fault */
    uint64_t duplicated; /* extra copies delivered */
    uint64_t reordered;  /* held back by reorder_delay */
    uint64_t corrupted;  /* frames with a bit flipped */
    uint64_t mtu_drops;  /* payload over the cable's mtu */
    uint64_t ce_marked;  /* ECT packets marked CE by the ce_mark fault */
};
/* Reads the counters of one direction of a simulated NIC's cable. */
UST_API int ust_sim_get_link_stats(const struct ust_dev *dev, enum ust_sim_dir dir,
                                   struct ust_sim_link_stats *out);

/* Advances the virtual clock, delivering frames and running timers, until
 * `t` (absolute). Each step jumps to the earliest of the next frame arrival
 * and every stack's ust_stack_poll_at(), delivers the frames due then and
 * polls every stack. Livelock guard: after 10000 steps without the clock
 * moving (a deadline that stays due however often it is polled), the clock
 * moves on to the next later event; a run call also stops after 2e8 steps. */
UST_API void ust_sim_run_until(struct ust_sim *sim, ust_time_t t);
/* Runs while pred(ctx) is true and the clock is before `deadline`. Returns
 * true if pred became false (the condition was met). */
UST_API bool ust_sim_run_while(struct ust_sim *sim, bool (*pred)(void *ctx), void *ctx,
                               ust_time_t deadline);
/* Executes at most one event step (<= deadline). Returns false when no event
 * is pending before the deadline. */
UST_API bool ust_sim_step(struct ust_sim *sim, ust_time_t deadline);
/* Frames still in flight in the simulator. */
UST_API size_t ust_sim_frames_in_flight(const struct ust_sim *sim);

#endif

/* The simulated network on top of the event engine: cables (sim_cable.c:
 * one direction's faults, serialisation, delay), learning switches and the
 * NIC driver (sim_switch.c). */
#ifndef UST_SIM_NET_H
#define UST_SIM_NET_H

#include "sim_impl.h"

#define ETH_HDR_LEN 14
#define ETH_MIN_FRAME 60 /* without FCS (IEEE 802.3 minimum 64 with it) */
#define ETH_FCS_LEN 4

enum sim_event_kind {
    SIM_EV_TO_SWITCH, /* a frame reaches the switch from port `port` */
    SIM_EV_TO_NIC,    /* a frame reaches the NIC on port `port` */
};

/* One direction of a cable. */
struct sim_dir {
    struct ust_sim_faults f;
    ust_time_t busy_until;   /* the cable is serialising until then */
    ust_time_t last_arrival; /* jitter never reorders: arrivals stay monotonic */
    struct ust_sim_link_stats stats;
};

struct sim_nic {
    struct ust_sim *sim; /* NULL once the simulator is gone */
    struct ust_sim_switch *sw;
    unsigned port;
    struct ust_dev *dev;
    struct sim_dir dir[2];
};

/* Puts wire bytes on one direction of nic's cable: unless a fault drops
 * it, `deliver` gets the frame at the far end (switch for UST_SIM_TX, NIC
 * for UST_SIM_RX) after serialisation, delay and jitter. frame_len is the
 * length before padding and FCS. */
void cable_send(struct sim_nic *nic, int dir, const uint8_t *wire, size_t wire_len,
                size_t frame_len, sim_deliver_fn deliver);

#endif

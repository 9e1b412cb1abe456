/* Test harness for the link and network layers: stacks with
 * application-supplied devices whose transmit callback records every frame,
 * optionally joined by "wires" (hub semantics: a frame goes to every other
 * device on the same wire). Frames are queued and delivered only by
 * nh_pump()/nh_run_until(), so the stack is never re-entered from its own
 * transmit path, and time is a virtual clock owned by the harness. */
#ifndef NET_HARNESS_H
#define NET_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"

#define NH_MAX_STACKS 8
#define NH_MAX_PORTS 16
#define NH_NO_WIRE (-1)

struct nh_frame {
    uint8_t *data;
    size_t len;
    ust_time_t at;
    int port; /* the port that sent it */
};

struct nh_net;

struct nh_port {
    struct nh_net *net;
    int index;
    struct ust_dev *dev;
    int wire;             /* NH_NO_WIRE: frames are only recorded */
    struct nh_frame *tx;  /* every frame the device transmitted */
    size_t ntx, captx;
    int fail_tx;          /* >0: the next transmits return UST_ERR_IO */
};

struct nh_net {
    ust_time_t now;
    struct ust_stack *stacks[NH_MAX_STACKS];
    int nstacks;
    struct nh_port ports[NH_MAX_PORTS];
    int nports;
    struct nh_frame *q; /* frames in flight */
    size_t qhead, qn, qcap;
    size_t delivered;
    bool ipv6;          /* stacks made by nh_stack keep IPv6 on (false: off,
                           so IPv4 tests see only the frames they count) */
};

struct nh_net *nh_net_new(void);
/* Frees the stacks (and so their devices) and recorded frames. */
void nh_net_free(struct nh_net *n);
/* A stack whose clock is the harness clock; cfg NULL = defaults. IPv6 is
 * turned off unless n->ipv6 (its DAD frames would join IPv4's counts). */
struct ust_stack *nh_stack(struct nh_net *n, const struct ust_config *cfg);
/* A device on st attached to `wire` (or NH_NO_WIRE), MAC 02:00:00:00:00:<mac_last>.
 * Returns the port index. */
int nh_port_new(struct nh_net *n, struct ust_stack *st, int wire, enum ust_link_type type,
                uint8_t mac_last, unsigned mtu);
static inline struct nh_port *nh_port(struct nh_net *n, int i) { return &n->ports[i]; }
static inline struct ust_dev *nh_dev(struct nh_net *n, int i) { return n->ports[i].dev; }
/* A device plus an interface address in one call; returns the port. */
int nh_host(struct nh_net *n, struct ust_stack *st, int wire, uint8_t mac_last, ust_ip4_t addr,
            int prefix_len, unsigned mtu);
struct ust_mac nh_mac(uint8_t last);

/* Delivers queued frames (and the ones they cause) until none is left. */
size_t nh_pump(struct nh_net *n);
/* Runs the network: pump, poll every stack at each deadline up to t. */
void nh_run_until(struct nh_net *n, ust_time_t t);
/* Hands `frame` to the port's device as if received at n->now. */
int nh_inject(struct nh_net *n, int port, const uint8_t *frame, size_t len);

size_t nh_tx_count(struct nh_net *n, int port);
const struct nh_frame *nh_tx(struct nh_net *n, int port, size_t i);
void nh_tx_clear(struct nh_net *n, int port);

/* ---- frame builders (through the wire emitters) ------------------------ */
/* Ethernet header + payload; returns the frame length (padded to 60). */
size_t nh_build_eth(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6],
                    uint16_t type, const uint8_t *payload, size_t plen);
struct nh_ip {
    ust_ip4_t src, dst;
    uint8_t proto, ttl, tos;
    uint16_t id;
    bool df, mf;
    uint16_t frag_off;      /* bytes */
    const uint8_t *opts;    /* options (multiple of 4 bytes) */
    uint8_t opt_len;
};
/* IPv4 header + payload; returns the datagram length. */
size_t nh_build_ipv4(uint8_t *buf, size_t cap, const struct nh_ip *ip, const uint8_t *payload,
                     size_t plen);
/* ICMP message (header + data) with a correct checksum; returns length. */
size_t nh_build_icmp(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint32_t rest,
                     const uint8_t *data, size_t dlen);
/* ARP packet in an Ethernet frame. */
size_t nh_build_arp(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[6],
                    const uint8_t sha[6], ust_ip4_t spa, const uint8_t tha[6], ust_ip4_t tpa);

/* Recorded frame i of port, parsed: returns the IPv4 datagram inside an
 * Ethernet frame (or the frame itself on IP links) and its length. */
const uint8_t *nh_tx_ipv4(struct nh_net *n, int port, size_t i, size_t *len);

/* Collects ping results. */
struct nh_pings {
    struct ust_ping_result r[64];
    int n;
};
void nh_ping_collect(void *ctx, const struct ust_ping_result *r);

#endif

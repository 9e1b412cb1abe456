/* struct ust_stack: everything one stack owns. No module keeps state
 * anywhere else, so several stacks can share a process. */
#ifndef UST_STACK_IMPL_H
#define UST_STACK_IMPL_H

#include <stddef.h>

#include "buf/pkt.h"
#include "core/defer.h"
#include "core/rand.h"
#include "core/services.h"
#include "core/timer.h"
#include "dev/dev_host.h"
#include "link/link.h"
#include "net/net.h"
#include "socket/sock.h"
#include "transport/transport.h"
#include "ustack/config.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

struct tcp_state;

struct ust_iface {
    struct ust_dev *dev;
    ust_ip4_t addr;
    ust_ip4_t mask;
    int prefix_len;
    int index;
};

struct ust_stack {
    /* First: the services reach their state without this header
     * (core/services.h, stack_services). */
    struct ust_services svc;
    struct ust_config cfg;
    ust_time_t now;           /* last time seen at an entry point */
    struct ust_rng rng;
    struct ust_stats stats;

    ust_clock_fn clock_fn;
    void *clock_ctx;
    ust_wait_fn wait_fn;
    void *wait_ctx;

    struct ust_dev *devs[UST_MAX_DEVS];
    unsigned ndevs;
    struct ust_iface ifaces[UST_MAX_IFACES];
    unsigned nifaces;

    /* Where a device hands each received frame (link_input, set by
     * ust_stack_new): the device layer does not name the layer above. */
    int (*frame_input)(struct ust_dev *dev, ust_time_t now, const uint8_t *frame, size_t len);
    /* Demultiplexing, filled by each protocol's register function at
     * creation (ust_stack_new): EtherType -> handler (link), IP protocol
     * -> ops (net). */
    struct link_proto_table link_protos;
    struct ip_proto_table ip_protos;

    struct arp_table arp;
    struct route_table routes;
    struct pmtu_cache pmtu;
    struct reasm_table reasm;
    struct icmp_state icmp;
    uint16_t ip_next_id;      /* IPv4 identification counter */
    struct pkt_queue ip_local; /* datagrams to ourselves, delivered by poll */

    struct udp_state udp;
    struct tcp_state *tcp;
    /* Readiness upcall the socket layer registers (BSD so_upcall):
     * transports call it through transport_notify. */
    transport_upcall_fn sock_upcall;
    /* Inside ust_dev_poll_rx (a batch of frames read together): protocols
     * may defer work (TCP: in-order ACKs) to hooks run when it ends
     * (stack_rx_batch_end, defer.h). */
    unsigned rx_batch;
    struct stack_defer_list defer;
    /* Inside a burst of output (a receive batch, a timer round, one send
     * call): drivers with a transmit queue may hold frames until the
     * outermost burst ends (stack_tx_release) or the stack waits. */
    unsigned tx_hold;
    struct pkt_pool pkt_pool; /* spare frame-sized packets for transmit */
    struct sock_table socks;
};

_Static_assert(offsetof(struct ust_stack, svc) == 0, "stack_services() casts the stack");

/* The interface that owns `addr`, or NULL. */
struct ust_iface *iface_by_addr(struct ust_stack *st, ust_ip4_t addr);
struct ust_iface *iface_by_index(struct ust_stack *st, int index);
/* Bursts of output (stack_tx_hold, stack_tx_release, stack_tx_flush) and
 * stack_add_dev: dev/dev_host.h. */

#endif

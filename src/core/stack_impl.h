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
#include "dhcp/dhcp.h"
#include "dns/dns.h"
#include "link/iface.h"
#include "link/link.h"
#include "link/link_state.h"
#include "net/net.h"
#include "net/net_state.h"
#include "net6/net6_state.h"
#include "socket/sock.h"
#include "transport/transport.h"
#include "ustack/config.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

struct tcp_state;

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
     * creation (ust_stack_new): EtherType -> handler (in link, with the
     * ARP cache: link/link_state.h, stack_link), IP protocol -> ops (net). */
    struct link_state link;
    /* The network layer's state (net/net_state.h, stack_net), with the
     * IP protocol table. */
    struct net_state net;
    struct pmtu_cache pmtu;
    /* IPv6 (net6/net6_state.h, stack_net6). */
    struct net6_state net6;

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
    struct dns_state dns; /* the resolver's cache (an application of the stack) */
    struct dhcp_state dhcp; /* the DHCP clients the stack runs (dhcp/dhcp.h) */
};

_Static_assert(offsetof(struct ust_stack, svc) == 0, "stack_services() casts the stack");

/* iface_by_addr, iface_by_index: link/iface.h. */
/* Bursts of output (stack_tx_hold, stack_tx_release, stack_tx_flush) and
 * stack_add_dev: dev/dev_host.h. */

#endif

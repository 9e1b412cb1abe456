/* The state the link layer owns: the EtherType demultiplexing table and
 * the ARP neighbour cache. It lives in struct ust_stack (the assembly,
 * core/stack_impl.h); the link layer reaches it through stack_link(), a
 * plain call that core/stack.c implements, so link code never sees the
 * stack's other layers. */
#ifndef UST_LINK_STATE_H
#define UST_LINK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "mcast_filter.h"

/* What ARP tells the network layer (set by the assembly, ust_stack_new,
 * to ipv4_gateway_advice and icmp_local_unreachable: link does not name
 * the layer above). Called once per resolution, never per frame. */
struct link_upcalls {
    /* RFC 1122 3.3.1.4: advice about a neighbour that may be a gateway
     * (positive: it answered; negative: resolution failed). */
    void (*neighbour_advice)(struct ust_stack *st, ust_ip4_t ip, bool positive);
    /* A datagram dropped because its next hop did not resolve: the
     * sender is told "host unreachable" locally (RFC 1122 2.3.2.2). */
    void (*unresolved)(struct ust_stack *st, const uint8_t *dgram, size_t len);
};

/* One address being probed before use (RFC 5227 2.1, for DHCP): any ARP
 * packet that claims it, or another host's probe for it, is a conflict. */
struct arp_watch {
    ust_ip4_t addr; /* 0: none */
    bool conflict;
};

struct link_state {
    struct link_proto_table protos; /* EtherType -> handler (ethernet.c) */
    struct arp_table arp;           /* the neighbour cache (arp_cache.c) */
    struct link_upcalls up;
    struct arp_watch watch;
    struct link_mcast_filter mcast[UST_MAX_IFACES]; /* mcast_filter.c */
};

/* This stack's link state (core/stack.c). */
struct link_state *stack_link(struct ust_stack *st);
const struct link_state *stack_link_const(const struct ust_stack *st);

#endif

/* The state the network layer owns: the IP protocol table, routes and
 * their cache, reassembly buffers, ICMP state, the identification counter
 * and the queue of datagrams to ourselves. It lives in struct ust_stack
 * (the assembly, core/stack_impl.h); net code reaches it through
 * stack_net(), a plain call core/stack.c implements. The path-MTU cache is
 * still a member of struct ust_stack of its own (TCP reads its generation
 * through pmtu_gen(), net.h); net reaches it through stack_pmtu(). */
#ifndef UST_NET_STATE_H
#define UST_NET_STATE_H

#include <stdint.h>

#include "buf/pkt.h"
#include "igmp.h"
#include "net.h"

struct net_state {
    struct ip_proto_table protos; /* IP protocol -> ops (ip_proto_register) */
    struct route_table routes;    /* route.c, route_cache.c */
    struct reasm_table reasm;     /* reassembly.c */
    struct icmp_state icmp;       /* icmp.c, icmp_error.c */
    uint16_t next_id;             /* IPv4 identification counter */
    struct pkt_queue local;       /* datagrams to ourselves, delivered by poll */
    struct igmp_state igmp;       /* igmp.c: group memberships per interface */
};

/* This stack's network state (core/stack.c). */
struct net_state *stack_net(struct ust_stack *st);
const struct net_state *stack_net_const(const struct ust_stack *st);
/* This stack's path-MTU cache (core/stack.c). */
struct pmtu_cache *stack_pmtu(struct ust_stack *st);
const struct pmtu_cache *stack_pmtu_const(const struct ust_stack *st);

#endif

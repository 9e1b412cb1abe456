/* Multicast state of a UDP socket, shared by udp_mcast.c (memberships,
 * IPPROTO_IP options, the input filter) and udp_mcast6.c (the IPPROTO_IPV6
 * options, RFC 3493 5.2, and MCAST_JOIN_GROUP of RFC 3678 for IPv6). */
#ifndef UST_UDP_MCAST_H
#define UST_UDP_MCAST_H

#include "udp_impl.h"

struct mcast_membership {
    struct ust_addr group; /* either family */
    int ifindex;
    bool exclude;          /* filter mode (RFC 3376 3.1); any-source: EXCLUDE({}) */
    unsigned nsrc;         /* at most cfg.mcast_max_sources (IPv6: mld_max_sources) */
    struct ust_addr *src;  /* the filter's sources, the group's family */
};

struct udp_mcast {
    int ttl;          /* IP_MULTICAST_TTL (1: RFC 1112 6.1) */
    bool loop;        /* IP_MULTICAST_LOOP (on: RFC 1112 6.1) */
    bool all;         /* IP_MULTICAST_ALL (off, see socket.h) */
    int ifindex;      /* IP_MULTICAST_IF; -1: by route */
    int hops6;        /* IPV6_MULTICAST_HOPS (1: RFC 3493 5.2) */
    bool loop6;       /* IPV6_MULTICAST_LOOP (on) */
    int ifindex6;     /* IPV6_MULTICAST_IF; -1: by route */
    unsigned n, cap;
    struct mcast_membership *v;
};

/* The socket's settings, made with the defaults on first use; NULL: out
 * of memory. */
struct udp_mcast *udp_mcast_of(struct udp_pcb *pcb);
/* Joins group on the interface (both families): EADDRINUSE when joined
 * already there, ENOMEM beyond cfg.igmp_max_memberships (JoinsRefused). */
int udp_mcast_add(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                  int ifindex);
/* Leaves it (ifindex -1: wherever joined); EADDRNOTAVAIL: not a member. */
int udp_mcast_drop(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                   int ifindex);
/* The membership of g on ifindex (-1: any interface), or -1. */
int udp_mcast_find(const struct udp_mcast *mc, const struct ust_addr *g, int ifindex);
/* The IPv4 interface of an ip_mreqn (index + 1, else address), ip_mreq or
 * ip_mreq_source (address); none given: the one routing picks for group,
 * else the first (Linux ip_mc_find_dev). -1: no such interface. */
int udp_mcast_iface4(struct ust_stack *st, int index1, ust_ip4_t addr, ust_ip4_t group);
/* Joins as udp_mcast_add with an empty filter of that mode. */
int udp_mcast_add_mode(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                       int ifindex, bool exclude);
/* The network layer's join of g with an empty filter of that mode, and
 * the leave of m (udp_mcast_net.c: IGMP or MLD). */
int udp_mcast_net_join(struct ust_stack *st, const struct ust_addr *g, int ifindex,
                       bool exclude);
void udp_mcast_net_leave(struct ust_stack *st, struct mcast_membership *m);
/* The network layer's state for membership m changes from its filter to
 * (exclude, src[0..n)); on success m holds the new filter (src copied). */
int udp_mcast_refilter(struct ust_stack *st, struct mcast_membership *m, bool exclude,
                       const struct ust_addr *src, unsigned n);
/* Source filter options (udp_mcast_src.c, RFC 3678 4.1.2, 5.1.2): IPv4
 * IP_{ADD,DROP}_SOURCE_MEMBERSHIP, IP_{BLOCK,UNBLOCK}_SOURCE and
 * MCAST_{JOIN,LEAVE}_SOURCE_GROUP, MCAST_{BLOCK,UNBLOCK}_SOURCE;
 * UST_ERR_NOPROTOOPT for any other name. */
int udp_mcast_source_opt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                         size_t len);
/* The same four MCAST_*_SOURCE* options at IPPROTO_IPV6 with AF_INET6
 * addresses (RFC 3678 5.1.2, RFC 3810 4.1). */
int udp_mcast6_source_opt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                          size_t len);
/* Does m's filter let a datagram from src through (RFC 3376 3.1)? */
bool udp_mcast_source_ok(const struct mcast_membership *m, const struct ust_addr *src);
/* MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP of an IPv4 group (udp_mcast.c). */
int udp_mcast_group_req4(struct ust_stack *st, struct udp_pcb *pcb, bool join, const void *val,
                         size_t len);

#endif

/* The IPv6 network layer as the transport sees it (issue #13): output,
 * the per-destination queries TCP and UDP need, and the registration of
 * protocols above IPv6. The same shape as IPv4's (net/net.h: ipv4_out,
 * ipv4_output, ip_proto_ops), so that TCP and UDP keep one code path and
 * switch on the address family only where they reach the network layer.
 *
 * Layer "net6" sits beside "net" (scripts/check_includes.py): it may use
 * net's headers (the ICMP rate limiter, the path-MTU ideas), transport
 * includes this header, and net never includes net6. */
#ifndef UST_NET6_H
#define UST_NET6_H

#include <stdbool.h>
#include <stdint.h>

#include "buf/pkt.h"
#include "ustack/types.h"
#include "wire/ipv6.h"

struct ust_stack;
struct ust_iface;

/* What a transport asks ipv6_output for. */
struct ipv6_out {
    struct ipv6_addr src; /* :: (unspecified): chosen for dst (RFC 6724 5) */
    struct ipv6_addr dst;
    int ifindex;          /* the interface a link-local or link-scope multicast
                             dst is on (the stack's index, scope_id - 1);
                             -1: by route */
    uint8_t proto;        /* the upper-layer Next Header (6, 17, 58) */
    int16_t hop_limit;    /* -1: the default (cfg, or a router's Cur Hop Limit) */
    uint8_t tclass;       /* DSCP << 2 | ECN */
    bool dontfrag;        /* IPV6_DONTFRAG: UST_ERR_MSGSIZE instead of
                             fragmenting above the path MTU (RFC 3542 11.2) */
    bool mc_loop;         /* multicast dst: a copy for this host's members
                             on the interface (IPV6_MULTICAST_LOOP) */
    bool min_mtu;         /* IPV6_USE_MIN_MTU: fragment to 1280, not the
                             path MTU (RFC 3542 11.1) */
};

/* Sends p (consumed): p holds the upper-layer header and payload, its
 * checksum already complete (or csum_partial over the IPv6 pseudo-header,
 * RFC 8200 8.1). Source selection, route/next hop, neighbour resolution
 * (the packet may wait for it), fragmentation at the source to the path
 * MTU (RFC 8200 5), local delivery to our own addresses through the
 * poll-time queue. 0 or a negative ust_err (UST_ERR_NOROUTE,
 * UST_ERR_MSGSIZE, UST_ERR_ADDRNOTAVAIL for a src that is not ours). */
int ipv6_output(struct ust_stack *st, const struct ipv6_out *o, struct pkt *p);

/* The source address the stack would use towards dst (RFC 6724 5), for
 * connect/sendto on an unbound socket: 0, or UST_ERR_NOROUTE when no
 * route or no usable address exists. ifindex as in struct ipv6_out. */
int ipv6_source_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    struct ipv6_addr *src);
/* The same for a socket that set IPV6_ADDR_PREFERENCES (RFC 5014):
 * prefer_public reverses rule 7 for it alone (RFC 6724 5, SAS-5). */
int ipv6_source_pref(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                     bool prefer_public, struct ipv6_addr *src);
/* The path MTU towards dst (at least IPV6_MIN_MTU, RFC 8201), for TCP's
 * MSS (MTU - 60) and UDP's fragmentation decisions. */
unsigned ipv6_mtu_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex);
/* TSO super-packet bytes (IPv6 header on) allowed towards dst: what the
 * route's device segments as PKT_GSO_TCPV6 (dev_gso_max); 0: one segment
 * per packet (no TSO6 on the device, middleware, or dst local). */
unsigned ipv6_gso_max_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex);
/* Does the route's device towards dst complete a partial TCP/UDP checksum
 * itself (dev_csum_offload)? false when dst is local or unrouted. */
bool ipv6_csum_offload_for(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex);
/* Is a one of our unicast addresses (a usable one: not tentative)?
 * For bind(2): EADDRNOTAVAIL otherwise. ifindex: the scope of a link-local
 * a (-1: any interface). */
bool ipv6_is_local(const struct ust_stack *st, const struct ipv6_addr *a, int ifindex);

/* Socket multicast (mcast6.c): one more / one fewer listener of group on
 * the interface, announced with MLD (RFC 3810 6.1); UST_ERR_INVAL: not
 * multicast or no such interface, UST_ERR_NOMEM: cfg.igmp_max_memberships
 * sockets' groups on the interface already, or MLD's table is full. */
int ipv6_mcast_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
void ipv6_mcast_leave(struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
/* A socket's source filter on group moves from old to new (NULL: not a
 * member; 16-byte addresses), merged and reported by MLDv2 (RFC 3810 4.2,
 * 6.1). Errors as ipv6_mcast_join for a join; UST_ERR_NOBUFS: the group
 * would name more than cfg.mld_max_group_sources sources. */
struct msf_filter;
int ipv6_mcast_filter(struct ust_stack *st, int ifindex, const struct ipv6_addr *group,
                      const struct msf_filter *old, const struct msf_filter *new);
/* The interface of a join that names none (the group's route, else the
 * first interface with IPv6); -1: none. */
int ipv6_mcast_iface(const struct ust_stack *st, const struct ipv6_addr *group);
/* Does the stack's interface ifindex run IPv6? */
bool ipv6_iface_exists(const struct ust_stack *st, int ifindex);

/* Upper-layer reachability confirmation (RFC 4861 7.3.1): TCP calls it
 * when an ACK from dst acknowledges new data, so the neighbour entry of
 * dst's next hop stays REACHABLE without NUD probes. Cheap: a route
 * lookup and a timer re-arm; nothing when no entry exists. */
void ipv6_confirm_reachable(struct ust_stack *st, const struct ipv6_addr *dst, int ifindex);

/* A packet for us, as IPv6 input hands it to the upper layer (after the
 * extension headers and reassembly). */
struct ip6_rx {
    struct ust_iface *ifc;     /* receiving interface; NULL: local delivery */
    int ifindex;               /* its index (the scope of link-local addresses) */
    const struct ipv6_hdr *h;  /* the fixed header (src, dst, hop limit, tclass) */
    const uint8_t *pkt;        /* the whole packet from the fixed header, for quoting */
    size_t pkt_len;
    const uint8_t *seg;        /* the upper-layer part */
    size_t seg_len;
    bool mcast;                /* sent to a multicast address */
};
/* An ICMPv6 error (RFC 4443 3) about a packet we sent: orig the quoted
 * fixed header, l4 the quoted upper-layer bytes (at least 8). */
struct ip6_err {
    uint8_t type, code;
    uint32_t extra;            /* MTU (Packet Too Big) or pointer (Parameter Problem) */
    struct ipv6_addr from;     /* who reported it */
    const struct ipv6_hdr *orig;
    const uint8_t *l4;
    size_t l4_len;
    bool local;                /* made here: neighbour resolution failed for our
                                  own packet (RFC 4861 7.2.2), nothing on the wire */
};
/* Destination Unreachable code 4, port unreachable (RFC 4443 3.1: SHOULD),
 * about the packet of rx: a UDP datagram no socket takes. Never about a
 * multicast one (2.4 e.3); rate limited as every ICMPv6 error. */
void ipv6_port_unreachable(struct ust_stack *st, const struct ip6_rx *rx);
struct ip6_proto_ops {
    void (*input)(struct ust_stack *st, const struct ip6_rx *rx);
    void (*err_input)(struct ust_stack *st, const struct ip6_err *e);
    bool unicast_only;         /* multicast destinations dropped before input (TCP) */
};
/* Registers the upper-layer protocol `proto` above IPv6; UST_ERR_EXIST
 * when it has ops already. An unregistered Next Header gets a Parameter
 * Problem code 1 (RFC 8200 4). */
int ip6_proto_register(struct ust_stack *st, uint8_t proto, const struct ip6_proto_ops *ops);

#endif

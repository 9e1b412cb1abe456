/* The network layer as TCP and UDP see it, whatever the family (issue
 * #13): the per-destination queries and the pseudo-header, switching on
 * struct ust_addr's family to IPv4 (net/net.h) or IPv6 (net6/net6.h).
 * This is the one place the transport branches on the family below it;
 * everything above (TCBs, pcbs, lookups, sockets) carries struct ust_addr. */
#ifndef UST_TP_NET_H
#define UST_TP_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "ustack/types.h"
#include "wire/csum.h"
#include "wire/ipv6.h"

struct ust_sock;

struct ust_stack;

/* The stack's interface index of a scoped IPv6 address; -1: by route. */
static inline int tp_ifindex(const struct ust_addr *a)
{
    return a->scope_id ? (int)a->scope_id - 1 : -1;
}
static inline struct ipv6_addr tp_ip6(const struct ust_addr *a)
{
    struct ipv6_addr x;
    for (int i = 0; i < 16; i++)
        x.b[i] = a->u.v6[i];
    return x;
}
/* Does the address carry a scope (link-local unicast, link- or
 * interface-scope multicast; RFC 4007 6)? Other addresses get scope 0, so
 * that ust_addr_eq compares what identifies a connection. */
bool tp_addr_scoped(const struct ust_addr *a);
/* An address off the wire: IPv6 scoped by the receiving interface. */
struct ust_addr tp_addr_rx6(const struct ipv6_addr *a, int ifindex);

/* Do two local addresses of one port overlap (bind conflicts, Linux
 * inet_rcv_saddr_equal)? Family 0 (unbound) overlaps everything; the
 * families' wildcards overlap their own family; a :: socket without
 * IPV6_V6ONLY covers IPv4 too (RFC 3493 3.7), so it overlaps every IPv4
 * address and 0.0.0.0. */
bool tp_laddr_overlap(const struct ust_addr *a, bool a_v6only, const struct ust_addr *b,
                      bool b_v6only);
/* Does a socket bound to laddr (v6only as set) take a datagram or SYN
 * sent to dst? */
bool tp_laddr_takes(const struct ust_addr *laddr, bool v6only, const struct ust_addr *dst);

/* Largest transport header + payload that goes to dst unfragmented: the
 * path MTU (IPv4: route and RFC 1191 cache; IPv6: RFC 8201) minus the IP
 * header (20 / 40), so TCP's MSS is this - 20 in both families. */
unsigned tp_mtu_for(const struct ust_stack *st, const struct ust_addr *dst);
/* TSO super-packet bytes allowed towards dst (0: software segments). */
unsigned tp_gso_max_for(const struct ust_stack *st, const struct ust_addr *dst);
/* The IPv6 half of tp_csum_offload_for (ipv6_csum_offload_for). */
bool tp_csum_offload6_for(const struct ust_stack *st, const struct ust_addr *dst);
/* Does the device towards dst complete TCP/UDP checksums? Inline: on
 * every segment. */
static inline bool tp_csum_offload_for(const struct ust_stack *st, const struct ust_addr *dst)
{
    if (dst->family == UST_AF_INET6)
        return tp_csum_offload6_for(st, dst);
    return dst->family == UST_AF_INET && ipv4_csum_offload_for(st, dst->u.v4);
}
/* The source the stack uses towards dst: 0, or UST_ERR_NOROUTE.
 * prefer_public: the socket's IPV6_PREFER_SRC_PUBLIC (RFC 5014, SAS-5). */
int tp_source_for(const struct ust_stack *st, const struct ust_addr *dst, bool prefer_public,
                  struct ust_addr *src);
/* Does socket s ask for public over temporary sources (IPV6_ADDR_PREFERENCES)? */
bool tp_prefer_public(const struct ust_sock *s);
/* Is a one of our addresses (bind: EADDRNOTAVAIL otherwise)? */
bool tp_is_local(struct ust_stack *st, const struct ust_addr *a);
/* The TCP/UDP pseudo-header sum (RFC 9293 3.1, RFC 8200 8.1). */
uint32_t tp_csum_pseudo6(const struct ust_addr *src, const struct ust_addr *dst, uint8_t proto,
                         uint32_t len);
static inline uint32_t tp_csum_pseudo(const struct ust_addr *src, const struct ust_addr *dst,
                                      uint8_t proto, uint32_t len)
{
    if (dst->family == UST_AF_INET6)
        return tp_csum_pseudo6(src, dst, proto, len);
    return csum_pseudo(src->u.v4, dst->u.v4, proto, (uint16_t)len);
}

#endif

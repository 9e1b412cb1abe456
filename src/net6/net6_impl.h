/* The IPv6 layer's internal interfaces between its files (issue #13).
 * The transport sees only net6.h. */
#ifndef UST_NET6_IMPL_H
#define UST_NET6_IMPL_H

#include "net6.h"
#include "net6_state.h"
#include "addrconf.h"
#include "router_list.h"
#include "core/rand.h"
#include "dev/dev_host.h"
#include "link/iface.h"
#include "ustack/stack.h"
#include "wire/icmpv6.h"
#include "wire/nd.h"

struct ust_dev;

/* "fe80::1" into a caller's buffer (for trace lines). */
#define IP6STR(a, buf) (ipv6_addr_format((a), (buf), sizeof(buf)), (buf))

/* ---- interfaces and addresses (ipv6_addr.c, ipv6_iid.c, dad.c) ---- */
/* IPv6 state of interface ifindex when IPv6 is on there, else NULL. */
struct ip6_iface *ip6_iface(struct ust_stack *st, int ifindex);
const struct ip6_iface *ip6_iface_const(const struct ust_stack *st, int ifindex);
/* Turns IPv6 on for an Ethernet interface: the link-local address
 * (RFC 7217 identifier, DAD) and the all-nodes filter. */
int ipv6_iface_up(struct ust_stack *st, int ifindex);
/* Adds addr/prefix_len to ifindex (tentative while DAD runs); the slot or
 * a negative ust_err (UST_ERR_EXIST, UST_ERR_NOMEM when the list is full). */
struct ip6_ifaddr *ip6_addr_add(struct ust_stack *st, int ifindex, const struct ipv6_addr *a,
                                uint8_t prefix_len, enum ip6_addr_origin origin, int *err);
/* Our address a on ifindex (-1: any interface), in any state, or NULL. */
struct ip6_ifaddr *ip6_addr_find(struct ust_stack *st, int ifindex, const struct ipv6_addr *a);
const struct ip6_ifaddr *ip6_addr_find_const(const struct ust_stack *st, int ifindex,
                                             const struct ipv6_addr *a);
/* Is dst a multicast group we listen to on ifindex (all-nodes, the
 * solicited-node group of one of our addresses, RFC 4291 2.8)? */
bool ip6_mcast_joined(const struct ust_stack *st, int ifindex, const struct ipv6_addr *dst);
/* The interface identifier of RFC 7217 5: F(prefix, interface, counter, secret). */
void ip6_iid_stable(const struct ust_stack *st, const struct ipv6_addr *prefix, int ifindex,
                    unsigned dad_counter, uint8_t iid[8]);
/* DAD (RFC 4862 5.4): start on a tentative address; NS/NA input about a
 * target that is one of ours. */
void dad_start(struct ust_stack *st, struct ip6_ifaddr *a);
void dad_conflict(struct ust_stack *st, struct ip6_ifaddr *a, const char *why);
void dad_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);

/* Removes our address a (slot freed, its solicited-node group left). */
void ip6_addr_del(struct ust_stack *st, struct ip6_ifaddr *a);

/* ---- router discovery and SLAAC (slaac.c) ---- */
struct ip6_autoconf {
    struct ust_stack *st;
    int ifindex;
    bool on;
    uint8_t hop_limit;         /* the last RA's Cur Hop Limit (0: none yet) */
    uint32_t reachable_ms;     /* ... its non-zero Reachable Time (0: none yet) */
    uint32_t retrans_ms;       /* ... its non-zero Retrans Timer (0: none yet) */
    struct router_list rl;
    struct addrconf ac;
    struct ust_timer timer;    /* the earlier of the modules' deadlines */
    /* RFC 4191 more-specific routes (ra_routes.c), cfg.ipv6_ra_max_routes */
    struct ra_route {
        struct ipv6_addr prefix, router;
        uint8_t len;
        int8_t pref;           /* 1 high, 0 medium, -1 low */
        ust_time_t expires;    /* UST_TIME_NEVER: infinite lifetime */
    } routes[UST_RA_MAX_ROUTES];
    unsigned n_routes;
    /* RFC 8106 RDNSS servers and DNSSL names (ra_dns.c), cfg.ipv6_ra_max_dns */
    struct ra_dns_server {
        struct ipv6_addr addr;
        ust_time_t expires;
    } dns[UST_RA_MAX_DNS];
    unsigned n_dns;
    struct ra_dns_domain {
        char name[ND_DNSSL_NAME_MAX];
        ust_time_t expires;
    } domains[UST_RA_MAX_DNS];
    unsigned n_domains;
};
/* ra_routes.c: a Route Information option of an RA from router; the
 * longest route for dst (its length and router; -1 when none); expiry;
 * the routes through a router that stopped being one. */
void ra_routes_option(struct ip6_autoconf *ra, ust_time_t now, const struct ipv6_addr *router,
                      const struct nd_opt *o);
int ra_routes_match(const struct ip6_autoconf *ra, const struct ipv6_addr *dst,
                    struct ipv6_addr *router);
ust_time_t ra_routes_deadline(const struct ip6_autoconf *ra);
void ra_routes_tick(struct ip6_autoconf *ra, ust_time_t now);
void ra_routes_drop_router(struct ip6_autoconf *ra, const struct ipv6_addr *router);
/* ra_dns.c: an RDNSS or DNSSL option (true when the server list changed);
 * expiry (true likewise); the one hand-off of the servers of every
 * interface to the resolver (cfg.dns_servers6). */
bool ra_dns_option(struct ip6_autoconf *ra, ust_time_t now, const struct nd_opt *o);
ust_time_t ra_dns_deadline(const struct ip6_autoconf *ra);
bool ra_dns_tick(struct ip6_autoconf *ra, ust_time_t now);
void ra_dns_handoff(struct ust_stack *st);
/* The interface got IPv6: router list and SLAAC when cfg.ipv6_accept_ra. */
int slaac_iface_up(struct ust_stack *st, int ifindex);
/* Our link-local address on ifindex once it passed DAD (RFC 4861 6.3.7). */
bool ip6_link_local_usable(struct ust_stack *st, int ifindex, struct ipv6_addr *out);
/* Joins group at the link layer (its multicast MAC) on ifindex. */
void ip6_group_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
/* The router side (ra_send.c, RFC 4861 6.2): is ifindex advertising; an RS. */
bool ra_send_advertising(const struct ust_stack *st, int ifindex);
void ra_send_rs_input(struct ust_stack *st, const struct ip6_rx *rx);
void slaac_ra_input(struct ust_stack *st, const struct ip6_rx *rx);
/* dad.c: DAD of a (an IP6A_AUTOCONF address) ended. */
void slaac_router_gone(struct ust_stack *st, int ifindex, const struct ipv6_addr *router);
void slaac_dad_result(struct ust_stack *st, const struct ip6_ifaddr *a, bool duplicate);
/* Next hop from the RA state when no static route matched. */
int slaac_next_hop(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                   int *out_ifindex, struct ipv6_addr *nh);
/* dev_mtu lowered to the RA's MTU option; the RA's Cur Hop Limit or -1. */
unsigned slaac_link_mtu(const struct ust_stack *st, int ifindex, unsigned dev_mtu);
int slaac_hop_limit(const struct ust_stack *st, int ifindex);
/* RetransTimer and BaseReachableTime on ifindex: the last RA's non-zero
 * values, else cfg.nd_retrans_time / nd_reachable_time (RFC 4861 6.3.4). */
ust_time_t slaac_retrans_time(const struct ust_stack *st, int ifindex);
ust_time_t slaac_base_reachable(const struct ust_stack *st, int ifindex);
void slaac_destroy(struct ust_stack *st);
/* ust_iface_set_dad_transmits changed ifindex's DupAddrDetectTransmits. */
void slaac_set_dad_transmits(struct ust_stack *st, int ifindex, unsigned transmits);
/* The link of ifindex went down (up false: every autoconfigured address
 * removed, what RAs taught forgotten, soliciting stopped) or came up
 * (Router Solicitations again): ipv6_link.c, RFC 8981 3.6. */
void slaac_link_change(struct ust_stack *st, int ifindex, bool up);

/* ---- source choice (ipv6_source.c) ---- */
/* RFC 6724 5 among ifindex's assigned addresses: 0 and *src, or
 * UST_ERR_NOROUTE when none is allowed (e.g. only a link-local address for
 * a global destination is still fine; no address at all is not). */
int ip6_source_on_iface(const struct ust_stack *st, int ifindex, const struct ipv6_addr *dst,
                        struct ipv6_addr *src);

/* ---- routes (route6.c) ---- */
int route6_add(struct ust_stack *st, const struct ipv6_addr *prefix, uint8_t prefix_len,
               const struct ipv6_addr *gw, int ifindex);
const struct route6 *route6_lookup(const struct ust_stack *st, const struct ipv6_addr *dst);
/* The interface and next hop for dst (ifindex >= 0 pins link scope). */
int route6_next_hop(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                    int *out_ifindex, struct ipv6_addr *nh);

/* ---- output (ipv6_output.c, ipv6_frag.c) ---- */
/* Prepends the fixed header h to p and sends it towards next hop nh on
 * ifindex: multicast straight to its MAC, unicast through the neighbour
 * cache. No source checks, no fragmentation (ND and fragments). */
int ip6_send(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h,
             const struct ipv6_addr *nh, struct pkt *p);
/* Is ifindex a link without link-layer addresses (TUN, Linux's NOARP):
 * no address resolution, no DAD, no solicited-node groups, no link-layer
 * address options? */
bool ip6_link_noarp(const struct ust_stack *st, int ifindex);
/* A finished packet (header on) to its link: multicast MAC or ND; on a
 * NOARP link straight out. */
int ip6_link_send(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh, struct pkt *p);
/* Splits upper-layer p into fragments of at most mtu (RFC 8200 4.5). */
int ip6_fragment(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h,
                 const struct ipv6_addr *nh, struct pkt *p, unsigned mtu);
unsigned ip6_link_mtu(const struct ust_stack *st, int ifindex);
struct ust_dev *ip6_dev(const struct ust_stack *st, int ifindex);

/* ---- input (ipv6_input.c, reasm6.c, ipv6_local.c) ---- */
/* The link layer's 0x86DD handler. */
void ipv6_link_input(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                     const uint8_t *buf, size_t len, bool link_mcast);
/* A whole packet pkt[0..len) for us: extension headers and delivery.
 * ifindex -1: from the local queue. */
void ip6_process(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                 bool link_mcast);
/* As a router (cfg.ip_forwarding, ipv6_forward.c): pkt[0..len), not for
 * us, forwarded or answered with an ICMPv6 error. False: not a router
 * (the caller drops it as not for us). */
bool ip6_forward(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                 const struct ipv6_hdr *h, bool link_mcast);
/* "ICMPv6", "TCP", "hop-by-hop", ... or the number in buf: for trace lines. */
const char *ipv6_nh_name(uint8_t nh, char buf[8]);
/* The same for a reassembled packet (fragmented: ND refuses it, RFC 6980). */
void ip6_process_ex(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                    bool link_mcast, bool fragmented);
/* The fixed header of a packet that may be cut short (a quote). */
int ip6_parse_head(const uint8_t *pkt, size_t len, struct ipv6_hdr *h);
/* 0x86DD in the link layer's table (stack creation). */
int ipv6_register(struct ust_stack *st);
/* A fragment (not atomic) whose Fragment header e follows the header whose
 * Next Header octet is at nh_off. */
void reasm6_input(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                  size_t frag_off, size_t nh_off, const struct ipv6_frag *f);
void reasm6_destroy(struct ust_stack *st);
int ip6_local_enqueue(struct ust_stack *st, struct pkt *p);
/* A copy of a multicast packet for our own members (mcast6.c). */
void ip6_mcast_loop(struct ust_stack *st, const struct ipv6_hdr *h, const struct pkt *p);
void ipv6_local_poll(struct ust_stack *st);
bool ipv6_local_pending(const struct ust_stack *st);
void ipv6_local_destroy(struct ust_stack *st);

/* ---- neighbour cache (nd_cache.c) and ND messages (nd.c) ---- */
int nd_init(struct ust_stack *st);
void nd_destroy(struct ust_stack *st);
/* Resolves nh on ifindex and sends the finished packet p (consumed), or
 * queues it (bounded) and solicits (RFC 4861 7.2.2). */
int nd_output(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh, struct pkt *p);
struct nd_entry *nd_lookup(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip);
struct nd_entry *nd_create(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip);
void nd_remove(struct ust_stack *st, struct nd_entry *e);
/* Every entry of interface ifindex removed (its link went down). */
void nd_iface_flush(struct ust_stack *st, int ifindex);
/* RFC 4861 7.2.5 / 7.3.3: a link-layer address learned (NS source,
 * unsolicited NA, ...): STALE when new or changed, packets flushed. */
void nd_learn(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip,
              const uint8_t mac[6], bool create);
/* A solicited NA (7.2.5) with these flags and optional TLLA. */
void nd_na_update(struct ust_stack *st, struct nd_entry *e, const uint8_t *mac, bool solicited,
                  bool override, bool router);
/* Upper-layer reachability confirmation (7.3.1), e.g. TCP ACK progress. */
void nd_confirm(struct ust_stack *st, int ifindex, const struct ipv6_addr *ip);
void nd_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now);
const char *nd_state_name(enum nd_state s);

/* Puts the IPv6 header (Hop Limit 255) on the ND message p and sends it
 * to dst_mac (NULL: dst is multicast, or unicast through the cache). */
void nd_send_msg(struct ust_stack *st, int ifindex, const struct ipv6_addr *src,
                 const struct ipv6_addr *dst, const uint8_t *dst_mac, struct pkt *p);
void nd_input(struct ust_stack *st, const struct ip6_rx *rx, const struct icmpv6_hdr *ih);
struct nd_msg;
/* The Ethernet address of m's SLLA or TLLA option (type), or NULL. */
const uint8_t *nd_lladdr(const struct nd_msg *m, uint8_t type);

/* ---- Redirects (redirect6.c) and the redirected destinations
 * (redirect6_cache.c), RFC 4861 8 ---- */
void redirect6_input(struct ust_stack *st, const struct ip6_rx *rx);
/* Router mode: pkt[0..len) (header h), arrived on ifindex, is forwarded
 * back out of it to next_hop: a Redirect to its source when RFC 4861 8.2
 * allows (redirect6_send.c). */
void redirect6_send(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                    const struct ipv6_hdr *h, const struct ipv6_addr *next_hop);
/* dst's redirected next hop (on ifindex when >= 0): true and out_ifindex,
 * nh set, or false. */
bool redir6_lookup(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                   int *out_ifindex, struct ipv6_addr *nh);
void redir6_add(struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                const struct ipv6_addr *nh);
/* The neighbour nh on ifindex stopped answering: destinations redirected
 * to it go back to the routes. */
void redir6_forget_next_hop(struct ust_stack *st, int ifindex, const struct ipv6_addr *nh);
/* Every redirect through interface ifindex forgotten (its link went down). */
void redir6_forget_iface(struct ust_stack *st, int ifindex);
/* An NS for target: to its solicited-node group (dst_mac NULL) or unicast;
 * from :: for DAD. */
void nd_send_ns(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                const struct ipv6_addr *unicast_dst, const uint8_t *dst_mac, bool dad);
/* One solicitation of a neighbour, cfg.nd_solicit_copies NS: address
 * resolution (known_mac NULL) or a NUD probe to known_mac. */
void nd_solicit(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                const uint8_t *known_mac);

/* ---- ICMPv6 (icmp6.c, icmp6_error.c), path MTU (pmtu6.c) ---- */
int icmp6_register(struct ust_stack *st);
/* An error about the received packet inv[0..len) (RFC 4443 2.4): rate
 * limited, never about an error or a multicast (unless allow_mcast: PTB,
 * Parameter Problem code 2), the quote capped at 1280 bytes. */
/* "destination unreachable", "packet too big", ... for trace lines. */
const char *icmp6_error_name(uint8_t type);
void icmp6_send_error(struct ust_stack *st, int ifindex, uint8_t type, uint8_t code,
                      uint32_t word, const uint8_t *inv, size_t len, bool link_mcast,
                      bool allow_mcast);
/* Neighbour resolution failed for our packet pkt[0..len) (RFC 4861 7.2.2):
 * Destination Unreachable code 3 to the protocol that sent it. */
void icmp6_addr_unreachable(struct ust_stack *st, const uint8_t *pkt, size_t len);
/* Sends the ICMPv6 message p (type... filled, checksum computed here). */
int icmp6_output(struct ust_stack *st, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                 int ifindex, int hop_limit, struct pkt *p);
unsigned pmtu6_get(const struct ust_stack *st, const struct ipv6_addr *dst);
/* A validated Packet Too Big: lowers the estimate, never below 1280. true
 * when it changed. */
bool pmtu6_update(struct ust_stack *st, const struct ipv6_addr *dst, unsigned mtu);

#endif

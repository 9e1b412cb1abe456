/* ustack — the stack object: interfaces, routes, time, counters, trace,
 * and the ICMP echo (ping) API. */
#ifndef USTACK_STACK_H
#define USTACK_STACK_H

#include <stdio.h>

#include "config.h"
#include "stats.h"
#include "export.h"
#include "types.h"

struct ust_stack;
struct ust_dev;

/* Creates a stack. cfg may be NULL for the defaults. Returns NULL on
 * allocation failure. Everything the stack owns hangs off this object:
 * several stacks can live in one process. */
UST_API struct ust_stack *ust_stack_new(const struct ust_config *cfg);
/* Frees the stack with its devices, sockets and queued packets. */
UST_API void ust_stack_free(struct ust_stack *st);
UST_API const struct ust_config *ust_stack_config(const struct ust_stack *st);

/* ---- time ------------------------------------------------------------ */
/* The clock the socket API and ping API read when they need "now"; the
 * event loops (real or simulated) install theirs. Without one the stack
 * uses the last time passed to ust_stack_poll()/ust_dev_input(). */
typedef ust_time_t (*ust_clock_fn)(void *ctx);
UST_API void ust_stack_set_clock(struct ust_stack *st, ust_clock_fn fn, void *ctx);
/* The driver a blocking call uses to keep the stack running while it
 * waits: run the network until `deadline` or until something happened.
 * Installed by ust_loop (real) and ust_sim (simulated). */
typedef int (*ust_wait_fn)(void *ctx, ust_time_t deadline);
UST_API void ust_stack_set_waiter(struct ust_stack *st, ust_wait_fn fn, void *ctx);
/* Current time as the stack sees it (clock if installed, else last poll). */
UST_API ust_time_t ust_stack_now(struct ust_stack *st);

/* Runs expired timers and flushes internal queues. */
UST_API void ust_stack_poll(struct ust_stack *st, ust_time_t now);
/* The earliest deadline of any timer or queued work, or UST_TIME_NEVER:
 * an event loop may sleep exactly until then. */
UST_API ust_time_t ust_stack_poll_at(const struct ust_stack *st);

/* ---- secret key ------------------------------------------------------ */
/* Installs the secret that keys the TCP initial-sequence-number function
 * and the connection hash (RFC 9293 3.4.1 MUST-9, RFC 6528): any length,
 * folded into a 128-bit key. Without it the key is drawn from the stack
 * PRNG, which is reproducible from cfg.seed (what the simulator wants).
 * The real event loop (ust_loop_new) installs a key from the kernel's
 * random source unless one was set. Returns 0 or UST_ERR_INVAL. */
UST_API int ust_stack_set_secret(struct ust_stack *st, const void *key, size_t len);
/* True once ust_stack_set_secret() succeeded on this stack. */
UST_API bool ust_stack_has_secret(const struct ust_stack *st);

/* ---- interfaces and routes ------------------------------------------- */
/* Gives device `dev` the IPv4 address addr/prefix_len and adds the
 * connected route. Sends a gratuitous ARP on Ethernet links. Returns the
 * interface index (>= 0) or a negative ust_err. */
UST_API int ust_iface_add(struct ust_stack *st, struct ust_dev *dev, ust_ip4_t addr,
                          int prefix_len);
/* addr 0 with prefix_len 0 adds an interface without an address: it
 * hears broadcasts and may send to 255.255.255.255 from 0.0.0.0 (what a
 * DHCP client needs before it has a lease, RFC 2131 4.1). */
/* Replaces interface ifindex's address and connected route (addr 0,
 * prefix_len 0: removes it). Announced with a gratuitous ARP. */
UST_API int ust_iface_set_addr(struct ust_stack *st, int ifindex, ust_ip4_t addr,
                               int prefix_len);
UST_API int ust_iface_count(const struct ust_stack *st);
UST_API int ust_iface_info(const struct ust_stack *st, int ifindex, ust_ip4_t *addr,
                           int *prefix_len,
                           struct ust_dev **dev);
/* if_nametoindex(3) over the stack's interfaces, named by their devices
 * (ust_dev_name: the TAP/TUN name): the IPv6 zone (ifindex + 1, as
 * sin6_scope_id), or 0 when no interface has that name. */
UST_API uint32_t ust_if_nametoindex(const struct ust_stack *st, const char *name);
/* ust_addr_parse, and an IPv6 zone may also be an interface name
 * ("fe80::1%tap0", RFC 4007 11.2, as Linux's getaddrinfo takes it). 0,
 * UST_ERR_INVAL, or UST_ERR_NOENT for a name no interface has. */
UST_API int ust_addr_parse_scoped(const struct ust_stack *st, const char *s,
                                  struct ust_addr *out);
/* ---- IPv6 addresses and routes (issue #13) ----------------------------
 * With cfg.ipv6_enabled every Ethernet interface gets IPv6 and a link-local
 * address fe80::/64 with a stable, opaque identifier (RFC 7217). Addresses
 * are tentative until Duplicate Address Detection (RFC 4862 5.4) finds no
 * other owner: then preferred, or duplicated (never used). */
enum ust_addr6_state { UST_ADDR6_TENTATIVE, UST_ADDR6_PREFERRED, UST_ADDR6_DEPRECATED,
                       UST_ADDR6_DUPLICATED };
enum ust_addr6_origin { UST_ADDR6_LINK_LOCAL, UST_ADDR6_STATIC, UST_ADDR6_AUTOCONF };
struct ust_addr6_info {
    uint8_t addr[16];
    int prefix_len;
    enum ust_addr6_state state;
    enum ust_addr6_origin origin;
    uint32_t valid_lft, preferred_lft; /* seconds; UINT32_MAX: infinite */
    bool temporary;                    /* RFC 8981 temporary (cfg.ipv6_temp_addrs) */
};
/* IPv6 text: RFC 4291 2.2 forms in (0 or UST_ERR_INVAL), RFC 5952 out. */
#define UST_IP6_STRLEN 46
UST_API int ust_ip6_parse(const char *s, uint8_t out[16]);
UST_API char *ust_ip6_str(const uint8_t addr[16], char buf[UST_IP6_STRLEN]);
/* Adds addr/prefix_len to interface ifindex with its on-link prefix route
 * (UST_MAX_ADDRS6 per interface). 0 or UST_ERR_INVAL, UST_ERR_EXIST,
 * UST_ERR_NOMEM (list full), UST_ERR_NOENT, UST_ERR_NOTSUP (IPv6 off there). */
UST_API int ust_iface_add_addr6(struct ust_stack *st, int ifindex, const uint8_t addr[16],
                                int prefix_len);
/* Turns IPv6 on for interface ifindex of a stack made with
 * cfg.ipv6_enabled false (as Linux's disable_ipv6=0): its RFC 7217
 * link-local address (DAD), MLD, router discovery as the config says.
 * 0, UST_ERR_NOENT, UST_ERR_EXIST (on already), UST_ERR_NOTSUP (not
 * Ethernet, or an MTU below 1280). */
UST_API int ust_iface_enable_ipv6(struct ust_stack *st, int ifindex);
/* What interface ifindex's Router Advertisements said about DNS (RFC 8106
 * RDNSS and DNSSL; at most cfg.ipv6_ra_max_dns of each, lifetimes in
 * seconds left, UINT32_MAX infinite): 0 or UST_ERR_NOENT, UST_ERR_NOTSUP
 * (IPv6 or RA processing off there). */
#define UST_DNSSL_NAME_MAX 254
struct ust_ra_dns {
    unsigned n_servers;
    uint8_t servers[UST_RA_MAX_DNS][16];
    uint32_t server_lft[UST_RA_MAX_DNS];
    unsigned n_domains;
    char domains[UST_RA_MAX_DNS][UST_DNSSL_NAME_MAX];
    uint32_t domain_lft[UST_RA_MAX_DNS];
};
UST_API int ust_iface_ra_dns(const struct ust_stack *st, int ifindex, struct ust_ra_dns *out);
/* Sets interface ifindex's DupAddrDetectTransmits (RFC 4862 5.1; the
 * default is cfg.ipv6_dad_transmits): the Neighbor Solicitations each new
 * address sends before it is used, 0 turning DAD off there. An address
 * still tentative sends at most that many more. 0 or UST_ERR_NOENT,
 * UST_ERR_NOTSUP (IPv6 off there). */
UST_API int ust_iface_set_dad_transmits(struct ust_stack *st, int ifindex, unsigned transmits);
/* The link (carrier) of interface ifindex went down (up false) or came
 * back up, perhaps on another link: what an embedder calls on a carrier
 * change (ustack sees none on TAP; the simulator's ust_sim_unplug /
 * ust_sim_plug call it). Every reconnection is taken as a move to a new
 * link (no RFC 6059 detection). Down: the autoconfigured IPv6 addresses
 * (SLAAC, temporary) are removed, and with them what Router
 * Advertisements taught (routers, prefixes, routes, DNS), the
 * interface's neighbour cache and redirects. Up: the remaining IPv6
 * addresses (link-local, static) run DAD again, Router Solicitations
 * start, and the new link's RAs form new addresses and temporary ones
 * (RFC 4862 5.4, RFC 4861 6.3.7, RFC 8981 3.6). 0 (also when nothing
 * changes, or IPv6 is off there) or UST_ERR_NOENT. */
UST_API int ust_iface_set_link(struct ust_stack *st, int ifindex, bool up);
/* Copies up to max of interface ifindex's IPv6 addresses; returns how many
 * (0 when IPv6 is off there) or UST_ERR_NOENT. */
UST_API int ust_iface_addrs6(const struct ust_stack *st, int ifindex,
                             struct ust_addr6_info *out, int max);
/* Adds an IPv6 route prefix/prefix_len via gateway (NULL: on-link) out of
 * ifindex (-1: the interface of the gateway's prefix, or the only one for
 * a link-local gateway). ::/0 is the default router. */
UST_API int ust_route_add6(struct ust_stack *st, const uint8_t prefix[16], int prefix_len,
                           const uint8_t gateway[16], int ifindex);

/* Router side of router discovery (RFC 4861 6.2): interface ifindex becomes
 * an advertising interface (AdvSendAdvertisements) whose Router
 * Advertisements carry these n prefixes (at most 4) as Prefix Information
 * options, plus cfg.ipv6_ra_* (router lifetime, hop limit, MTU). It joins
 * ff02::2, answers Router Solicitations and sends unsolicited RAs every
 * MinRtrAdvInterval..MaxRtrAdvInterval (the first three at most 16 s
 * apart). n = 0 stops advertising (a final RA with router lifetime 0).
 * Only a router advertises: ust_stack_set_forwarding first. 0,
 * UST_ERR_INVAL (bad prefixes, or not forwarding), UST_ERR_NOTSUP (IPv6
 * off there). */
struct ust_ra_prefix {
    uint8_t prefix[16];
    int prefix_len;
    bool on_link, autonomous;           /* the L and A flags */
    uint32_t valid_lft, preferred_lft;  /* seconds; UINT32_MAX: infinity */
};
UST_API int ust_ra_advertise(struct ust_stack *st, int ifindex, const struct ust_ra_prefix *p,
                             int n);

/* Adds a static route dst/prefix_len via gateway (0 = directly connected)
 * out of interface ifindex (-1 = the interface whose subnet holds gateway). */
UST_API int ust_route_add(struct ust_stack *st, ust_ip4_t dst, int prefix_len, ust_ip4_t gateway,
                          int ifindex);
UST_API int ust_route_del(struct ust_stack *st, ust_ip4_t dst, int prefix_len);
/* The same with a preference: several routes for one prefix may coexist
 * (different gateways); the lowest metric whose gateway is not believed
 * dead is used (RFC 1122 3.3.1.4-5). ust_route_add uses metric 0. */
UST_API int ust_route_add_metric(struct ust_stack *st, ust_ip4_t dst, int prefix_len,
                                 ust_ip4_t gateway,
                                 int ifindex, unsigned metric);
/* Adds a default gateway (0.0.0.0/0 via gateway). Several may be added
 * (RFC 1122 3.3.1.2): each is preferred less than the ones before it. When
 * ARP cannot resolve the gateway in use (or ust_ip_advise_delivery gives
 * negative advice) it is believed dead and the next one is used; it is
 * tried again after cfg.ip_gw_retry or as soon as it answers ARP. */
UST_API int ust_route_default(struct ust_stack *st, ust_ip4_t gateway);
/* ADVISE_DELIVPROB (RFC 1122 3.4): an application (or transport) tells IP
 * that delivery to dst is failing (positive = false) or working; the
 * advice applies to the gateway dst goes through (none for on-link dst). */
UST_API void ust_ip_advise_delivery(struct ust_stack *st, ust_ip4_t dst, bool positive);
/* Longest-prefix-match lookup: on success fills ifindex and next hop. */
UST_API int ust_route_lookup(const struct ust_stack *st, ust_ip4_t dst, int *ifindex,
                             ust_ip4_t *next_hop);
UST_API void ust_route_dump(const struct ust_stack *st, FILE *out);
/* GET_MAXSIZES of RFC 1122 3.4: *mms_s = the largest transport message
 * (transport header + data) that goes to dst without fragmentation (path
 * MTU - 20; 556 without a route), *mms_r = the largest one this host can
 * receive (MMS_R = EMTU_R - 20 = 65515, RFC 1122 3.3.2). Either pointer may
 * be NULL. Returns 0 or UST_ERR_INVAL. */
UST_API int ust_ip_max_sizes(const struct ust_stack *st, ust_ip4_t dst, unsigned *mms_s,
                             unsigned *mms_r);
/* Router mode: forward datagrams not addressed to us (off by default). */
UST_API void ust_stack_set_forwarding(struct ust_stack *st, bool on);
/* Sets cfg.dns_server (the resolver's name server; DHCP hands it one). */
UST_API void ust_stack_set_dns_server(struct ust_stack *st, ust_ip4_t server);
/* Sets cfg.dns_servers6 to the n (at most UST_RA_MAX_DNS) IPv6 servers
 * (Router Advertisements' RDNSS options hand theirs over this way). */
UST_API void ust_stack_set_dns_servers6(struct ust_stack *st, const uint8_t (*servers)[16],
                                        unsigned n);
/* Sets cfg.dns_server6 and its scope (an IPv6 name server, e.g. from an
 * RA's RDNSS option, RFC 8106; all-zero addr removes it). The resolver
 * asks it when cfg.dns_server is 0. */
UST_API void ust_stack_set_dns_server6(struct ust_stack *st, const uint8_t addr[16],
                                       uint32_t scope_id);

/* ---- ARP --------------------------------------------------------------- */
/* Removes every neighbour cache entry (RFC 1122 2.3.2.1: a way to flush). */
UST_API void ust_arp_flush(struct ust_stack *st);
UST_API void ust_arp_dump(const struct ust_stack *st, FILE *out);

/* ---- counters -------------------------------------------------------- */
UST_API const struct ust_stats *ust_stack_stats(const struct ust_stack *st);
/* Calls fn for every counter, e.g. ("ip", "InReceives", 12). */
typedef void (*ust_counter_fn)(void *ctx, const char *layer, const char *name, uint64_t value);
UST_API void ust_stats_foreach(const struct ust_stack *st, ust_counter_fn fn, void *ctx);
/* Prints the non-zero counters grouped by layer (all if `all`). */
UST_API void ust_stats_print(const struct ust_stack *st, FILE *out, bool all);

/* ---- trace ------------------------------------------------------------- */
/* When set, each layer reports what it did to each packet, e.g.
 * layer "ip", msg "rx 203.0.113.1->203.0.113.2 proto ICMP len 84 ttl 64". */
typedef void (*ust_trace_fn)(void *ctx, ust_time_t now, const char *layer, const char *msg);
UST_API void ust_stack_set_trace(struct ust_stack *st, ust_trace_fn fn, void *ctx);
/* A ready-made trace sink printing "  +12.345678 ip    rx ..." lines to a FILE*. */
UST_API void ust_trace_to_file(void *file, ust_time_t now, const char *layer, const char *msg);
/* Trace categories: which layers report (all by default). A category that
 * is off costs one mask test at each of its trace points: its lines are
 * never formatted. UST_TRACE_CC is TCP's congestion state (cwnd, ssthresh,
 * srtt, rto, the peer's window) after each ACK, off unless asked for. */
enum ust_trace_category {
    UST_TRACE_DEV = 1u << 0,  /* devices, captures, shaper, faults, interfaces */
    UST_TRACE_ETH = 1u << 1,
    UST_TRACE_ARP = 1u << 2,
    UST_TRACE_IP = 1u << 3,   /* IPv4, routes, fragments */
    UST_TRACE_ICMP = 1u << 4,
    UST_TRACE_UDP = 1u << 5,
    UST_TRACE_TCP = 1u << 6,  /* segments, state changes, loss recovery */
    UST_TRACE_CC = 1u << 7,   /* cwnd/ssthresh/srtt/rto/window after each ACK */
    UST_TRACE_ALL = (1u << 8) - 1,
};
UST_API void ust_stack_set_trace_categories(struct ust_stack *st, uint32_t categories);
/* "tcp,cc" -> UST_TRACE_TCP | UST_TRACE_CC; names: dev, eth, arp, link
 * (eth and arp), ip, icmp, udp, tcp, cc, all. Returns 0 or UST_ERR_INVAL
 * (an unknown or empty name). */
UST_API int ust_trace_parse_categories(const char *list, uint32_t *categories);

/* ---- ICMP echo (ping) ------------------------------------------------- */
enum ust_ping_event {
    UST_PING_REPLY,         /* echo reply arrived */
    UST_PING_UNREACHABLE,   /* destination unreachable (code in `code`) */
    UST_PING_TIME_EXCEEDED, /* TTL expired on the way */
    UST_PING_LOCAL_ERROR,   /* resolution failed locally (ARP: host unreachable) */
};
struct ust_ping_result {
    enum ust_ping_event event;
    ust_ip4_t from;        /* who answered (or reported the error) */
    uint16_t id, seq;
    uint8_t ttl;           /* TTL of the reply datagram */
    uint8_t code;          /* ICMP code for errors */
    size_t len;            /* ICMP payload bytes of the reply */
    bool payload_ok;       /* reply carries the exact payload we sent */
    ust_time_t at;         /* when it arrived */
    bool ipv6;             /* an ICMPv6 answer: the sender is from6, ttl its hop limit */
    uint8_t from6[16];
};
typedef void (*ust_ping_fn)(void *ctx, const struct ust_ping_result *r);
UST_API void ust_ping_set_handler(struct ust_stack *st, ust_ping_fn fn, void *ctx);
/* Sends one echo request with `size` payload bytes (a pattern; the first 8
 * bytes carry the send time). Large sizes are fragmented. Returns 0 or a
 * negative ust_err (UST_ERR_NOROUTE, UST_ERR_MSGSIZE, ...). */
UST_API int ust_ping_send(struct ust_stack *st, ust_ip4_t dst, uint16_t id, uint16_t seq,
                          size_t size,
                          uint8_t ttl);
/* The same over ICMPv6 (RFC 4443 4.1): ifindex is the scope of a
 * link-local destination (-1: the only IPv6 interface); hop_limit <= 0:
 * the default. Results arrive at the same handler with r->ipv6 set. */
UST_API int ust_ping6_send(struct ust_stack *st, const uint8_t dst[16], int ifindex, uint16_t id,
                           uint16_t seq, size_t size, int hop_limit);

#endif

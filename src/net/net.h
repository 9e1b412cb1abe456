/* Network layer: IPv4 input/output, routing, fragmentation and
 * reassembly, ICMP. */
#ifndef UST_NET_H
#define UST_NET_H

#include "buf/pkt.h"
#include "core/timer.h"
#include "link/iface.h"
#include "ustack/config.h"
#include "ustack/stack.h"
#include "wire/ipv4.h"

struct ust_stack;
struct ust_iface;
struct reasm;

/* What the transport layer asks ipv4_output for. */
struct ipv4_out {
    ust_ip4_t src;   /* 0: the address of the outgoing interface */
    ust_ip4_t dst;
    uint8_t proto;
    uint8_t ttl;     /* 0: the configured default */
    uint8_t tos;
    bool df;         /* don't fragment */
    /* IP options (RFC 1122 3.2.1.8), in the form IP_OPTIONS takes: at most
     * 40 bytes; a source route lists the gateways to pass, and ipv4_output
     * sends to the first with the final destination (dst) at the end of
     * the route (ipv4_opts_for_output). NULL/0: none. */
    const uint8_t *opts;
    uint8_t opt_len;
    /* Multicast (and limited broadcast): the interface to send by (NULL:
     * the route's, else the first), and whether a copy is delivered here
     * too when the interface is a member of the group (IP_MULTICAST_LOOP,
     * RFC 1112 6.1). */
    struct ust_iface *oif;
    bool mc_loop;
};

/* ---- IP options (ipv4_options.c, source_route.c) ------------------------ */
/* Validates options an application or transport gives (well-formed, at
 * most one source route with pointer 4, no Stream Identifier) and copies
 * them padded with EOL to a multiple of 4. Returns the length or
 * UST_ERR_INVAL. */
int ipv4_opts_from_user(const uint8_t *in, size_t len, uint8_t out[IPV4_MAX_OPT_LEN]);
/* The options as sent: from_user, then a source route put in the form of
 * RFC 1122 3.2.1.8c case (A); *hdr_dst = the first hop (or final_dst). */
int ipv4_opts_for_output(const uint8_t *opts, size_t len, ust_ip4_t final_dst,
                         uint8_t out[IPV4_MAX_OPT_LEN], ust_ip4_t *hdr_dst);
/* Offset, in opts[0..len), of the octet that makes the list malformed
 * (a missing or bad length octet), or -1 when it is well formed. */
int ipv4_opts_bad_offset(const uint8_t *opts, size_t len);
/* Can `a` be a hop of a source route: a unicast address (not 0, 127/8,
 * multicast, class E or 255.255.255.255)? */
static inline bool ipv4_srr_hop_ok(ust_ip4_t a)
{
    return a != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}
/* Offset of the LSRR/SSRR option in opts[0..len), or -1. */
int ipv4_srr_find(const uint8_t *opts, size_t len);
/* Where a datagram to dst with these options (application form) goes
 * first: the first gateway of a source route, else dst. For choosing the
 * source address before ipv4_output. */
ust_ip4_t ipv4_first_hop(const uint8_t *opts, size_t len, ust_ip4_t dst);
/* Is the source route at opt complete (pointer past the last address)? */
bool ipv4_srr_complete(const uint8_t *opt);
/* Rewrites a route in application form (gateways G1..Gn) into the sent
 * form {G2..Gn, final_dst}; returns G1, the IP destination to use. */
ust_ip4_t ipv4_srr_originate(uint8_t *opt, ust_ip4_t final_dst);
/* The return route for a received (completed) route from src, in
 * application form, without src or repeated hops; 0 = none, and always 0
 * while cfg.ip_accept_source_route is off. */
size_t ipv4_srr_reverse(const struct ust_stack *st, const uint8_t *opt, ust_ip4_t src,
                        uint8_t out[IPV4_MAX_OPT_LEN]);
/* A datagram to us with a source route: true to deliver (complete route or
 * none); false when it was refused with Destination Unreachable code 5. */
bool ipv4_srr_accept(struct ust_stack *st, const struct ipv4_hdr *h, const uint8_t *dgram);

/* Receives the IPv4 datagram buf[0..len) from ifc; link_bcast says the
 * frame was a link-layer broadcast (RFC 1122 2.4). */
void ipv4_input(struct ust_stack *st, struct ust_iface *ifc, const uint8_t *buf, size_t len,
                bool link_bcast);
/* Sends p (consumed), which holds the transport header and payload: route
 * lookup, header, checksum, fragmentation, next hop. A destination that is
 * ours is queued for delivery by the next ust_stack_poll. Returns 0 (also
 * when the datagram waits for ARP) or a negative ust_err (UST_ERR_NOROUTE,
 * UST_ERR_MSGSIZE over 65535 or over the MTU with DF, ...). */
int ipv4_output(struct ust_stack *st, const struct ipv4_out *o, struct pkt *p);
/* The source address ipv4_output would use for dst (0 when no route). */
ust_ip4_t ipv4_source_for(const struct ust_stack *st, ust_ip4_t dst);
/* True for the limited broadcast out of an interface without an address:
 * the one datagram that may carry source 0.0.0.0 (ipv4_output.c). */
bool ipv4_unnumbered_broadcast(const struct ust_stack *st, ust_ip4_t dst);
/* Largest transport payload+header that goes to dst without fragmenting
 * (path MTU - IP header), for TCP's MSS and UDP's EMSGSIZE. */
unsigned ipv4_mtu_for(const struct ust_stack *st, ust_ip4_t dst);
/* The largest datagram (IP header on) that may go to dst as one TCP
 * super-packet for the device to segment (TSO, issue #12): the device of
 * the route's interface segments PKT_GSO_TCPV4 and completes checksums;
 * 0 when it cannot or dst is local. */
unsigned ipv4_gso_max_for(const struct ust_stack *st, ust_ip4_t dst);
/* Does the device of dst's route complete TCP/UDP checksums itself
 * (dev_csum_offload)? false when dst is local or unrouted. */
bool ipv4_csum_offload_for(const struct ust_stack *st, ust_ip4_t dst);
/* MMS_R (RFC 1122 3.3.2): the largest transport message we can receive,
 * EMTU_R - 20 = 65515 (ipv4_maxsizes.c). */
unsigned ipv4_mms_r(const struct ust_stack *st);
/* Is `a` one of our addresses (an interface address or 127.0.0.0/8) / a
 * broadcast address for us (limited, or directed on one of our subnets)? */
bool ipv4_is_local(const struct ust_stack *st, ust_ip4_t a);
bool ipv4_is_broadcast(const struct ust_stack *st, ust_ip4_t a);
/* ipv4_is_broadcast, plus the non-standard 0 forms that RFC 1122 3.3.6
 * says to accept on input (0.0.0.0, {net, subnet, 0}, {net, 0}): for
 * classifying received datagrams only. */
bool ipv4_is_broadcast_in(const struct ust_stack *st, ust_ip4_t a);
/* ipv4_is_iface_broadcast: link/iface.h; ipv4_is_multicast: wire/ipv4.h. */
/* RFC 1122 3.2.1.3: may this address be the source of a datagram? (not 0,
 * loopback, broadcast, multicast, class E, or one of our subnet broadcasts) */
bool ipv4_is_valid_source(const struct ust_stack *st, ust_ip4_t a);
/* Transmits a finished datagram p (header built) towards next_hop over
 * ifc, fragmenting it to `mtu` when allowed (DF clear). Consumes p. */
int ipv4_transmit(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p,
                  unsigned mtu);
/* "ICMP", "UDP", "TCP" or the number, for trace lines. */
const char *ipv4_proto_name(uint8_t proto, char buf[8]);
/* Delivers a validated datagram addressed to us to its protocol. */
void ipv4_deliver(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *h,
                  const uint8_t *dgram, bool link_bcast);

/* ---- Protocols above IP (registered at stack creation) ----------------- */
/* A datagram for us, as ipv4_deliver hands it to its protocol. */
struct ip_rx {
    struct ust_iface *ifc;  /* receiving interface; NULL: local delivery */
    const struct ipv4_hdr *h; /* parsed header, h->opts the received options */
    const uint8_t *dgram;   /* the whole datagram (h->total_len), for quoting */
    const uint8_t *seg;     /* the protocol's part (after the IP header) */
    size_t seg_len;
    bool link_bcast;        /* arrived in a link-layer broadcast (RFC 1122 2.4) */
};
/* An ICMP error (received, or made up when ARP gave up) about a datagram
 * we sent with protocol orig->proto: orig is the quoted IP header, l4 the
 * quoted bytes of the protocol (at least 8). */
struct ip_err {
    uint8_t type, code;
    uint32_t extra;         /* the ICMP header's second word (MTU, pointer) */
    ust_ip4_t from;         /* who reported it */
    const struct ipv4_hdr *orig;
    const uint8_t *l4;
    size_t l4_len;
    int event;              /* enum ust_ping_event for ping; -1: none */
};
/* What a protocol above IP registers (BSD's protosw): its input and the
 * delivery of ICMP errors about what it sent (err_input, RFC 1122 3.2.2,
 * may be NULL). unicast_only: datagrams to a broadcast or multicast
 * address are dropped (InAddrErrors) before input (TCP, RFC 9293 3.9.1). */
struct ip_proto_ops {
    void (*input)(struct ust_stack *st, const struct ip_rx *rx);
    void (*err_input)(struct ust_stack *st, const struct ip_err *e);
    bool unicast_only;
};
/* IP protocol number -> ops. A protocol without ops is unknown:
 * InUnknownProtos and a protocol unreachable (RFC 1122 3.2.2.1). */
struct ip_proto_table {
    const struct ip_proto_ops *by_proto[256];
};
/* UST_ERR_EXIST when the protocol has ops already. */
int ip_proto_register(struct ust_stack *st, uint8_t proto, const struct ip_proto_ops *ops);
/* IPv4 as the link layer's ETH_TYPE_IPV4 handler (ipv4.c); ICMP as IP
 * protocol 1 (icmp.c). */
int ipv4_register(struct ust_stack *st);
int icmp_register(struct ust_stack *st);

/* Datagrams to our own addresses (loopback semantics, ipv4_local.c): output
 * queues them and ust_stack_poll delivers them, so output never re-enters
 * input. Bounded by IPV4_LOCAL_QUEUE_MAX packets. */
#define IPV4_LOCAL_QUEUE_MAX 256
int ipv4_local_enqueue(struct ust_stack *st, struct pkt *p);
/* Input of a datagram from the local queue (no source checks: it is ours). */
void ipv4_input_local(struct ust_stack *st, const uint8_t *buf, size_t len);
void ipv4_local_poll(struct ust_stack *st);
bool ipv4_local_pending(const struct ust_stack *st);
void ipv4_local_destroy(struct ust_stack *st);

/* Router mode (ipv4_forward.c): forwards a datagram not addressed to us. */
void ipv4_forward(struct ust_stack *st, struct ust_iface *in, const struct ipv4_hdr *h,
                  const uint8_t *dgram);

/* Parses the IPv4 header quoted inside an ICMP error (or of a datagram
 * waiting for ARP): the quote holds the header and at least 8 more bytes
 * but usually not the whole datagram, so total_len is not checked against
 * the buffer, nor are the options (so that a Parameter Problem can quote a
 * datagram with bad ones). l4 and l4_len receive the quoted transport
 * bytes. */
int ipv4_parse_quoted(const uint8_t *buf, size_t len, struct ipv4_hdr *h, const uint8_t **l4,
                      size_t *l4_len);

/* ---- routing (route.c) ------------------------------------------------ */
struct route {
    ust_ip4_t dst, mask, gateway;
    int prefix_len;
    int ifindex;
    unsigned metric;      /* preference among routes for one prefix (lower first) */
    bool dead;            /* its gateway is believed dead (dead_gw.c) */
    ust_time_t dead_until; /* ... until then: tried again afterwards */
};
/* The route cache (RFC 1122 3.3.1.2-3, route_cache.c): per destination,
 * the first hop in use. Filled from the table on first use; a Redirect
 * rewrites an entry (aged like the PMTU cache); entries through a gateway
 * found dead are dropped, so the next lookup picks another; any change of
 * the table empties it. Bounded, least recently used evicted. */
#define ROUTE_CACHE_SIZE 64
#define REDIRECT_AGE (10 * 60 * UST_SEC)
struct route_cache_entry {
    ust_ip4_t dst, gateway; /* gateway 0: dst is on-link */
    int ifindex;
    bool valid;
    bool redirected;        /* learnt from an ICMP Redirect */
    ust_time_t expires;     /* redirected entries only */
    ust_time_t used;        /* for LRU eviction */
};
struct route_table {
    struct route r[UST_MAX_ROUTES]; /* sorted by prefix_len, longest first;
                                       one prefix's routes together, by metric */
    unsigned n;
    struct route_cache_entry cache[ROUTE_CACHE_SIZE];
    struct ust_timer gw_retry;      /* revives dead gateways (dead_gw.c) */
};
/* Longest-prefix match; among routes for the same prefix (several default
 * gateways) the lowest metric whose gateway is not believed dead, or the
 * lowest metric when all are (RFC 1122 3.3.1.5). */
const struct route *route_lookup(const struct route_table *t, ust_ip4_t dst);
/* Adds r; UST_ERR_EXIST for the same prefix and gateway. Empties the
 * cache (except redirects). */
int route_insert(struct route_table *t, const struct route *r);
/* Removes every route for dst/prefix_len. */
int route_remove(struct route_table *t, ust_ip4_t dst, int prefix_len);
/* The first hop for dst through the route cache. NULL when no route. */
struct ust_iface *route_next_hop(struct ust_stack *st, ust_ip4_t dst, ust_ip4_t *next_hop);
/* Cache maintenance (route_cache.c). */
void route_cache_flush(struct route_table *t, bool keep_redirects);
void route_cache_flush_gateway(struct route_table *t, ust_ip4_t gw);
/* Makes gw the first hop for dst (a validated Redirect). */
void route_cache_redirect(struct ust_stack *st, ust_ip4_t dst, ust_ip4_t gw, int ifindex);
/* An ICMP redirect from `from` about a datagram we sent to orig_dst says
 * to use new_gw instead (redirect.c). Validated, then cached. */
void redirect_input(struct ust_stack *st, ust_ip4_t from, ust_ip4_t orig_dst, ust_ip4_t new_gw);
/* The redirected gateway for dst, or 0. */
ust_ip4_t redirect_get(const struct ust_stack *st, ust_ip4_t dst);

/* ---- dead gateway detection (dead_gw.c, RFC 1122 3.3.1.4) ------------
 * Advice about a neighbour `gw` (from ARP: resolution failed / succeeded):
 * when it is the gateway of some route, negative advice marks those
 * routes dead for cfg.ip_gw_retry (traffic moves to the next default
 * gateway), positive advice revives them. */
void ipv4_gateway_advice(struct ust_stack *st, ust_ip4_t gw, bool positive);
/* ADVISE_DELIVPROB (RFC 1122 3.4) from a transport: advice about delivery
 * to dst, applied to the gateway dst currently goes through (nothing for
 * an on-link destination). The hook TCP calls after R1 retransmissions
 * (negative) or on new ACKs (positive); ust_ip_advise_delivery for
 * applications. */
void ipv4_advise_delivery(struct ust_stack *st, ust_ip4_t dst, bool positive);

/* ---- path MTU cache (RFC 1191), fed by ICMP fragmentation-needed ------- */
#define PMTU_CACHE_SIZE 64
#define PMTU_AGE (10 * 60 * UST_SEC) /* RFC 1191 6.3: raise the estimate after 10 min */
struct pmtu_entry {
    ust_ip4_t dst;
    unsigned mtu;          /* 0 = free slot */
    bool at_floor;         /* clamped to cfg.ip_min_pmtu: sent without DF */
    ust_time_t expires;
};
struct pmtu_cache {
    struct pmtu_entry e[PMTU_CACHE_SIZE];
    ust_time_t max_expires; /* latest expiry of any entry: a cheap "none valid"
                               answer on every transmitted datagram */
    unsigned gen;           /* bumped whenever an estimate is lowered: TCP
                               recomputes its MSS when it differs */
};
#define PMTU_MIN 68 /* RFC 791: every link carries 68 bytes */
/* Lowers the estimate for dst to mtu (at least cfg.ip_min_pmtu); a value
 * below 68 or not below the current MTU is ignored. True if lowered. */
bool pmtu_update(struct ust_stack *st, ust_ip4_t dst, unsigned mtu);
/* An ICMP fragmentation-needed for dst: next_hop_mtu from the message
 * (0 or < 68: estimated from quoted_len, RFC 1191 7). True if lowered. */
bool pmtu_frag_needed(struct ust_stack *st, ust_ip4_t dst, unsigned next_hop_mtu,
                      unsigned quoted_len);
unsigned pmtu_get(const struct ust_stack *st, ust_ip4_t dst); /* 0 = none */
bool pmtu_at_floor(const struct ust_stack *st, ust_ip4_t dst);
unsigned pmtu_plateau_below(unsigned len);
/* The cache's generation (pmtu_cache.gen): TCP compares it with the one it
 * last saw, once per segment sent, and recomputes its MSS when it moved. */
unsigned pmtu_gen(const struct ust_stack *st);

/* ---- reassembly (reassembly.c) -----------------------------------------
 * Overlap policy (as Linux for IPv4 since 4.19, RFC 5722 in spirit): an
 * exact duplicate of a fragment already held (same offset and length) is
 * ignored; any other overlap drops the whole datagram (ReasmOverlaps), so
 * overlapping data can never be used to rewrite headers checked earlier.
 * A fragment extending past the end fixed by the last fragment, or a second
 * "last" fragment with a different end, also drops the datagram. Memory
 * policy: a fragment that would start a datagram beyond cfg.ip_reasm_max, or
 * push the total past cfg.ip_reasm_mem_max, is refused (ReasmMemDrops);
 * datagrams already in progress are kept until they complete or time out. */
struct reasm_table {
    struct reasm *list;  /* datagrams being reassembled */
    unsigned count;
    size_t mem;          /* bytes held, bounded by cfg.ip_reasm_mem_max */
};
/* Feeds a fragment (whole datagram bytes, header parsed into h). When it
 * completes a datagram, returns 1 and sets *out and *out_len to the reassembled
 * datagram (header + payload; freed by the caller with free()). Returns 0
 * while incomplete and a negative value if the fragment was dropped. */
int reasm_input(struct ust_stack *st, const struct ipv4_hdr *h, const uint8_t *buf,
                uint8_t **out, size_t *out_len);
void reasm_destroy(struct ust_stack *st);
/* Splits datagram p (header already built, hdr_len bytes) to fit mtu and
 * passes each fragment to ifc/next_hop. Consumes p. */
int ipv4_fragment(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p,
                  unsigned mtu);

/* ---- ICMP (icmp.c) ------------------------------------------------------ */
struct icmp_state {
    ust_ping_fn ping_fn;
    void *ping_ctx;
    /* Error rate limiter: a token bucket written as GCRA (the "theoretical
     * arrival time" of the next error), integer and deterministic. Starts
     * full: cfg.icmp_err_burst errors, then cfg.icmp_err_rate per second. */
    ust_time_t err_tat;
};
void icmp_input(struct ust_stack *st, struct ust_iface *ifc, const struct ipv4_hdr *ip,
                const uint8_t *dgram, size_t dgram_len, bool link_bcast);
/* Sends an ICMP error about the datagram orig[0..orig_len) (header and at
 * least 8 payload bytes are quoted). Suppressed per RFC 1122 3.2.2: never
 * about an ICMP error, a broadcast/multicast, a non-first fragment, or a
 * datagram whose source is not a unicast host; rate-limited. `extra` is the
 * second header word (next-hop MTU for fragmentation needed). */
void icmp_send_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                     const uint8_t *orig, size_t orig_len);
/* Reports a local delivery failure (ARP gave up) for the queued datagram. */
void icmp_local_unreachable(struct ust_stack *st, const uint8_t *dgram, size_t len);
/* The options of the echo reply to request ip (RFC 1122 3.2.2.6): its
 * source route reversed, its Record Route / Timestamp updated with us and
 * reflected (echo_options.c); in IP_OPTIONS form. Returns the length. */
size_t icmp_echo_reply_options(const struct ust_stack *st, const struct ipv4_hdr *ip,
                               uint8_t out[IPV4_MAX_OPT_LEN]);
/* Token bucket check for outgoing errors: true if one may be sent now. */
bool icmp_err_allowed(struct ust_stack *st);
/* Passes an ICMP error about a datagram we sent to whoever sent it: the
 * err_input registered for the quoted protocol (UDP, TCP, ICMP's ping
 * handler). `event` (an enum ust_ping_event, or -1 for "not reported to
 * ping") is used for echo requests. */
void icmp_notify_upper(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                       ust_ip4_t from, const uint8_t *quote, size_t quote_len, int event);
/* ICMP's err_input (icmp_error.c): errors about our echo requests. */
void icmp_ping_error(struct ust_stack *st, const struct ip_err *e);
/* The ping payload pattern byte at index i (i >= 8; bytes 0-7 = send time). */
static inline uint8_t ping_pattern(size_t i) { return (uint8_t)(i & 0xff); }

#endif

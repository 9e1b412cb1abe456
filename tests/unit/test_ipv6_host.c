/* IPv6 host rules of docs/conformance.md (the IPv6 checklist) that the
 * other IPv6 tests leave unproven, each through the whole stack on the
 * harness: packets forged with the wire layer and injected as Ethernet
 * frames, the stack's answers read back byte by byte from the frames it
 * sent, on a virtual clock. Each test's comment names its checklist IDs
 * and the RFC section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "../harness/ra_build.h"
#include "core/stack_impl.h"
#include "net6/mld6.h"
#include "net6/net6_impl.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const struct ipv6_addr PEER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const struct ipv6_addr ALL_NODES = {{0xff, 0x02, [15] = 1}};
static const struct ipv6_addr UNSPEC;
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x11};

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

/* A stack on one recorded port (no wire). dad: DupAddrDetectTransmits;
 * with_us: US/64 added and PEER resolved, so answers leave at once. */
static void fx_make_seed(struct fx *f, unsigned dad, unsigned mtu, bool with_us, uint64_t seed)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = dad;
    if (seed)
        cfg.seed = seed;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, mtu);
    assert_true(f->port >= 0);
    if (with_us) {
        assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
        nd_learn(f->st, 0, &PEER, PEER_MAC, true);
    }
    nh_tx_clear(f->n, f->port);
}

static void fx_make(struct fx *f, unsigned dad, unsigned mtu, bool with_us)
{
    fx_make_seed(f, dad, mtu, with_us, 0);
}

static void fx_up(struct fx *f) { fx_make(f, 0, 1500, true); }

static const uint8_t *our_mac(struct fx *f) { return ust_dev_mac(nh_dev(f->n, f->port))->b; }

/* Injects IPv6 src -> dst (Next Header nh, Hop Limit hlim) with payload pl. */
static void inject6(struct fx *f, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                    uint8_t nh, uint8_t hlim, const uint8_t *pl, size_t plen)
{
    uint8_t pkt[1600], frame[1700], dmac[6];
    assert_true(plen + 40 <= sizeof(pkt));
    struct ipv6_hdr h = {.payload_len = (uint16_t)plen, .next_hdr = nh, .hop_limit = hlim,
                         .src = *src, .dst = *dst};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, pl, plen);
    if (ipv6_addr_is_multicast(dst))
        ipv6_mcast_mac(dst, dmac);
    else
        memcpy(dmac, our_mac(f), 6);
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, PEER_MAC, ETH_TYPE_IPV6, pkt, 40 + plen);
    nh_inject(f->n, f->port, frame, len);
    nh_run_until(f->n, f->n->now);
}

static void inject(struct fx *f, const struct ipv6_addr *dst, uint8_t nh, const uint8_t *pl,
                   size_t plen)
{
    inject6(f, &PEER, dst, nh, 64, pl, plen);
}

/* An echo request (8 + dlen bytes) at msg, checksummed for src -> dst. */
static size_t echo_from(uint8_t *msg, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                        size_t dlen)
{
    memset(msg + 8, 0x5a, dlen);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = 1, .seq = 1};
    icmpv6_emit(&h, src, dst, msg, 8 + dlen);
    return 8 + dlen;
}

static size_t echo(uint8_t *msg, const struct ipv6_addr *dst, size_t dlen)
{
    return echo_from(msg, &PEER, dst, dlen);
}

/* The IPv6 packets the stack sent since the last clear whose Next Header
 * is ICMPv6 and whose type is `type` (0: any ICMPv6); the last one's IPv6
 * header in *ip (NULL if none). */
static int sent(struct fx *f, uint8_t type, const uint8_t **ip)
{
    int k = 0;
    if (ip)
        *ip = NULL;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        const uint8_t *p = fr->data + 14;
        if (get_be16(fr->data + 12) != ETH_TYPE_IPV6 || p[6] != IPV6_NH_ICMPV6 ||
            (type && p[40] != type))
            continue;
        k++;
        if (ip)
            *ip = p;
    }
    return k;
}

/* NODE-1 (RFC 8504 4, RFC 2464 3, 7) and IP6-19 (RFC 8200 5): frames are
 * EtherType 0x86DD; a multicast packet goes to 33:33 + the group's low 32
 * bits; the link MTU is 1500 and a packet that large is accepted whole and
 * answered whole, without fragments. */
static void test_ethernet_framing_and_link_mtu(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 1, 1500, false);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, US.b, 64), 0);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC); /* DAD's NS for US */
    struct ipv6_addr sn;
    ipv6_solicited_node(&US, &sn);
    bool seen = false;
    for (size_t i = 0; i < nh_tx_count(f.n, f.port); i++) {
        const uint8_t *fr = nh_tx(f.n, f.port, i)->data;
        if (fr[14 + 40] != ICMPV6_ND_NS || memcmp(fr + 14 + 24, sn.b, 16))
            continue;
        seen = true;
        assert_int_equal(get_be16(fr + 12), 0x86dd);
        const uint8_t want[6] = {0x33, 0x33, sn.b[12], sn.b[13], sn.b[14], sn.b[15]};
        assert_memory_equal(fr, want, 6);
    }
    assert_true(seen);
    assert_int_equal(ipv6_mtu_for(f.st, &PEER, -1), 1500);
    nd_learn(f.st, 0, &PEER, PEER_MAC, true);
    nh_tx_clear(f.n, f.port);
    static uint8_t pl[1460];
    inject(&f, &US, IPV6_NH_ICMPV6, pl, echo(pl, &US, 1460 - 8)); /* a 1500-byte packet */
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, &ip), 1);
    assert_int_equal(get_be16(ip + 4), 1460); /* whole, in one frame */
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6FragOKs, 0);
    nh_net_free(f.n);
}

/* IP6-18 (RFC 8200 5): a link whose MTU is below 1280 gets no IPv6: no
 * address, and IPv6 arriving on it is discarded. */
static void test_small_mtu_link_gets_no_ipv6(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 0, 1000, false);
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    assert_true(ust_iface_addrs6(f.st, 0, a, UST_MAX_ADDRS6) <= 0);
    assert_true(ust_iface_add_addr6(f.st, 0, US.b, 64) < 0);
    uint8_t pl[32];
    inject(&f, &US, IPV6_NH_ICMPV6, pl, echo(pl, &US, 8));
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InDiscards, 1);
    nh_net_free(f.n);
}

/* An options header (Hop-by-Hop or Destination) of 8 bytes: next, then a
 * 4-byte option of `type` (0: PadN) and a 2-byte PadN... as given. */
static size_t opts8(uint8_t *p, uint8_t next, uint8_t type)
{
    memset(p, 0, 8);
    p[0] = next;
    p[2] = type ? type : IPV6_OPT_PADN;
    p[3] = 4;
    return 8;
}

/* A Routing header (24 bytes) of rtype with segs_left. */
static size_t routing24(uint8_t *p, uint8_t next, uint8_t rtype, uint8_t segs_left)
{
    memset(p, 0, 24);
    p[0] = next;
    p[1] = 2;
    p[2] = rtype;
    p[3] = segs_left;
    return 24;
}

/* IP6-2, IP6-4 (RFC 8200 4, 4.1), ICMP6-13 (RFC 4443 3.4): a chain of
 * Hop-by-Hop, Destination, Routing (Segments Left 0), Destination,
 * Destination is accepted in that order and the echo behind it answered;
 * the headers are handled in packet order: a Destination header whose
 * unknown option says "Parameter Problem" stops the packet there (pointer
 * at that option), before the Routing header behind it that would give
 * another error, and nothing behind is processed. */
static void test_extension_headers_in_order(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[128], code;
    size_t n = opts8(pl, IPV6_NH_DSTOPTS, 0);
    n += opts8(pl + n, IPV6_NH_ROUTING, 0);
    n += routing24(pl + n, IPV6_NH_DSTOPTS, 77, 0);
    n += opts8(pl + n, IPV6_NH_DSTOPTS, 0);
    n += opts8(pl + n, IPV6_NH_ICMPV6, 0);
    n += echo(pl + n, &US, 8);
    inject(&f, &US, IPV6_NH_HOPOPTS, pl, n);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL), 1);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL), 0);
    nh_tx_clear(f.n, f.port);
    n = opts8(pl, IPV6_NH_ROUTING, 0x9e); /* unknown, action 10 */
    n += routing24(pl + n, IPV6_NH_ICMPV6, 77, 1);
    n += echo(pl + n, &US, 8);
    inject(&f, &US, IPV6_NH_DSTOPTS, pl, n);
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &ip), 1);
    code = ip[41];
    assert_int_equal(code, 2);
    assert_int_equal(get_be32(ip + 44), 42); /* the option, not the Routing Type (58) */
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL), 0);
    nh_net_free(f.n);
}

/* IP6-5 (RFC 8200 4.2): options are processed strictly in order: an
 * unknown option "discard silently" (01) before one that asks for a
 * Parameter Problem (10) drops the packet silently; in the other order the
 * error points at the first option. */
static void test_options_processed_in_order(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64];
    for (int order = 0; order < 2; order++) {
        nh_tx_clear(f.n, f.port);
        memset(pl, 0, 8);
        pl[0] = IPV6_NH_ICMPV6;
        pl[2] = order ? 0x9e : 0x5e; /* first option, 1 data byte */
        pl[3] = 1;
        pl[5] = order ? 0x5e : 0x9e; /* second option, 1 data byte */
        pl[6] = 1;
        size_t n = 8 + echo(pl + 8, &US, 8);
        inject(&f, &US, IPV6_NH_DSTOPTS, pl, n);
        const uint8_t *ip;
        assert_int_equal(sent(&f, 0, &ip), order);
        if (order) {
            assert_int_equal(ip[40], ICMPV6_PARAM_PROBLEM);
            assert_int_equal(get_be32(ip + 44), 42);
        }
    }
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InBadOptions, 2);
    nh_net_free(f.n);
}

/* IP6-17 (RFC 8200 4.7): after Next Header 59 the rest is ignored, even a
 * valid echo request; no error either. */
static void test_no_next_header_ignores_the_rest(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64];
    inject(&f, &US, IPV6_NH_NONE, pl, echo(pl, &US, 8));
    size_t n = opts8(pl, IPV6_NH_NONE, 0);
    n += echo(pl + n, &US, 8);
    inject(&f, &US, IPV6_NH_DSTOPTS, pl, n);
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InHdrErrors, 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InUnknownProtos, 0);
    nh_net_free(f.n);
}

/* IP6-21 (RFC 8200 8.4): the reply to a packet that came with a Routing
 * header carries no Routing header: ICMPv6 right after the fixed header,
 * to the packet's source. */
static void test_reply_to_routing_header_not_reversed(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64];
    size_t n = routing24(pl, IPV6_NH_ICMPV6, 0, 0);
    n += echo(pl + n, &US, 8);
    inject(&f, &US, IPV6_NH_ROUTING, pl, n);
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, &ip), 1);
    assert_int_equal(ip[6], IPV6_NH_ICMPV6);
    assert_int_equal(get_be16(ip + 4), 16); /* the echo alone */
    assert_memory_equal(ip + 24, PEER.b, 16);
    nh_net_free(f.n);
}

struct frag_seen {
    uint32_t id;
    size_t total;     /* bytes of the fragmentable part */
    unsigned count;
};

/* The fragments of the last packets sent: checks each one (RFC 8200 4.5)
 * and returns the packets' Identification values in order. */
static unsigned check_fragments(struct fx *f, size_t mtu, struct frag_seen *out, unsigned max)
{
    unsigned np = 0;
    size_t expect_off = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        const uint8_t *ip = fr->data + 14;
        if (get_be16(fr->data + 12) != ETH_TYPE_IPV6 || ip[6] != IPV6_NH_FRAGMENT)
            continue;
        size_t plen = get_be16(ip + 4), data = plen - 8;
        assert_true(40 + plen <= mtu);                     /* within the path MTU */
        assert_memory_equal(ip + 8, US.b, 16);             /* the fixed header repeated */
        assert_memory_equal(ip + 24, PEER.b, 16);
        const uint8_t *fh = ip + 40;
        size_t off = get_be16(fh + 2) & 0xfff8u;
        bool more = fh[3] & 1;
        uint32_t id = get_be32(fh + 4);
        assert_int_equal(fh[0], IPV6_NH_ICMPV6);
        if (off == 0) {                                    /* a new packet */
            assert_true(np < max);
            out[np++] = (struct frag_seen){.id = id};
            assert_int_equal(fh[8], ICMPV6_ECHO_REQUEST);  /* HDRC-1: header chain here */
            expect_off = 0;
        }
        struct frag_seen *s = &out[np - 1];
        assert_int_equal(id, s->id);
        assert_int_equal(off, expect_off);                 /* no gap, no overlap */
        if (more)
            assert_int_equal(data % 8, 0);
        expect_off = off + data;
        s->total = expect_off;
        s->count++;
    }
    return np;
}

/* IP6-11, IP6-12 (RFC 8200 4.5), OVL-1 (RFC 5722 4), HDRC-1 (RFC 7112 5),
 * NODE-5 (RFC 8504 5.1): a packet above the path MTU leaves in fragments
 * that each fit the MTU, repeat the fixed header, are multiples of 8 but
 * the last, follow each other without overlap and carry the whole header
 * chain in the first; two packets to one destination get different
 * Identifications. A packet that fits is sent without a Fragment header,
 * also after a Packet Too Big below 1280 (no atomic fragments). */
static void test_fragments_sent(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    assert_int_equal(ust_ping6_send(f.st, PEER.b, -1, 7, 1, 3000, -1), 0);
    assert_int_equal(ust_ping6_send(f.st, PEER.b, -1, 7, 2, 3000, -1), 0);
    nh_run_until(f.n, f.n->now + UST_MSEC);
    struct frag_seen s[4];
    assert_int_equal(check_fragments(&f, 1500, s, 4), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s[i].total, 8 + 3000);
        assert_int_equal(s[i].count, 3);
    }
    assert_true(s[0].id != s[1].id);
    assert_true(s[1].id != s[0].id + 1); /* NODE-6: from the PRNG, not a counter */
    /* A PTB of 1000 quoting a packet of ours: ignored (below 1280). */
    uint8_t pl[8 + 48] = {0};
    struct ipv6_hdr q = {.payload_len = 1400, .next_hdr = IPV6_NH_ICMPV6, .hop_limit = 64,
                         .src = US, .dst = PEER};
    ipv6_emit(&q, pl + 8, 40);
    pl[48] = ICMPV6_ECHO_REQUEST;
    struct icmpv6_hdr h = {.type = ICMPV6_PKT_TOO_BIG, .mtu = 1000};
    icmpv6_emit(&h, &PEER, &US, pl, sizeof(pl));
    inject(&f, &US, IPV6_NH_ICMPV6, pl, sizeof(pl));
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6PmtuIgnored, 1);
    nh_tx_clear(f.n, f.port);
    assert_int_equal(ust_ping6_send(f.st, PEER.b, -1, 7, 3, 1452, -1), 0); /* 1500 bytes */
    assert_int_equal(ust_ping6_send(f.st, PEER.b, -1, 7, 4, 1232, -1), 0); /* 1280 bytes */
    nh_run_until(f.n, f.n->now + UST_MSEC);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REQUEST, NULL), 2);
    assert_int_equal(check_fragments(&f, 1500, s, 4), 0);
    nh_net_free(f.n);
}

/* A fragment of echo message msg (len bytes): [off, off + n). */
static void inject_frag(struct fx *f, const uint8_t *msg, size_t off, size_t n, bool more,
                        uint32_t id)
{
    uint8_t pl[1500];
    struct ipv6_frag fh = {.next_hdr = IPV6_NH_ICMPV6, .offset = (uint16_t)off, .more = more,
                           .id = id};
    ipv6_frag_emit(&fh, pl, 8);
    memcpy(pl + 8, msg + off, n);
    inject(f, &US, IPV6_NH_FRAGMENT, pl, 8 + n);
}

/* ATOM-2 (RFC 6946 4): an atomic fragment with the {source, destination,
 * ID} of a datagram being reassembled is answered on its own and leaves
 * the queued fragments alone: the datagram completes afterwards. */
static void test_atomic_fragment_leaves_queue_alone(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    static uint8_t big[2008], small[64];
    echo(big, &US, sizeof(big) - 8);
    inject_frag(&f, big, 0, 1200, true, 0x55);
    inject_frag(&f, small, 0, echo(small, &US, 8), false, 0x55); /* atomic, same ID */
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL), 1);
    inject_frag(&f, big, 1200, sizeof(big) - 1200, false, 0x55);
    nh_run_until(f.n, f.n->now + UST_MSEC);
    const struct ust_stats *s = ust_stack_stats(f.st);
    assert_int_equal(s->ip6.Ip6ReasmAtomic, 1);
    assert_int_equal(s->ip6.Ip6ReasmOKs, 1);
    assert_int_equal(s->icmp6.Icmp6InEchos, 2);
    nh_net_free(f.n);
}

/* HDRC-4, HDRC-2 (RFC 7112 5): a first fragment that does not hold the
 * whole header chain (4 bytes of a UDP header) is dropped with Parameter
 * Problem code 3, pointer 0. */
static void test_first_fragment_without_chain(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[16] = {0};
    struct ipv6_frag fh = {.next_hdr = IPV6_NH_UDP, .more = true, .id = 9};
    ipv6_frag_emit(&fh, pl, 8);
    inject(&f, &US, IPV6_NH_FRAGMENT, pl, 12);
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &ip), 1);
    assert_int_equal(ip[41], 3);
    assert_int_equal(get_be32(ip + 44), 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6ReasmChainIncomplete, 1);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6ReasmReqds, 0);
    nh_net_free(f.n);
}

/* ICMP6-2 (RFC 4443 2.2): an error about a packet sent to one of our
 * addresses comes from that address; about a packet to a multicast group
 * (Parameter Problem code 2 may be sent for those) from a unicast address
 * of ours. ICMP6-8 (2.4 e.6): none for a packet from ::. */
static void test_error_source_and_unspecified_sender(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64] = {0};
    inject(&f, &US, 200, pl, 16);
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &ip), 1);
    assert_memory_equal(ip + 8, US.b, 16);
    nh_tx_clear(f.n, f.port);
    size_t n = opts8(pl, IPV6_NH_ICMPV6, 0x9e);
    n += echo(pl + n, &ALL_NODES, 8);
    inject(&f, &ALL_NODES, IPV6_NH_DSTOPTS, pl, n);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &ip), 1);
    struct ipv6_addr src;
    memcpy(src.b, ip + 8, 16);
    assert_false(ipv6_addr_is_multicast(&src));
    assert_true(ipv6_is_local(f.st, &src, -1));
    nh_tx_clear(f.n, f.port);
    uint64_t suppressed = ust_stack_stats(f.st)->icmp6.Icmp6OutErrorSuppressed;
    memset(pl, 0, 16);
    inject6(&f, &UNSPEC, &US, 200, 64, pl, 16);
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6OutErrorSuppressed, suppressed + 1);
    nh_net_free(f.n);
}

/* ICMP6-4 (RFC 4443 2.4 b): an informational message of an unknown type
 * (200) is dropped silently. */
static void test_unknown_informational_dropped(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[16] = {0};
    struct icmpv6_hdr h = {.type = 200};
    icmpv6_emit(&h, &PEER, &US, pl, sizeof(pl));
    inject(&f, &US, IPV6_NH_ICMPV6, pl, sizeof(pl));
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InOther, 1);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InErrors, 0);
    nh_net_free(f.n);
}

/* An ICMPv6 error of type/code about a UDP datagram US:sport -> PEER:dport. */
static void inject_udp_error(struct fx *f, uint8_t type, uint8_t code, uint16_t sport,
                             uint16_t dport)
{
    uint8_t pl[8 + 48] = {0};
    struct ipv6_hdr q = {.payload_len = 8, .next_hdr = IPV6_NH_UDP, .hop_limit = 64, .src = US,
                         .dst = PEER};
    ipv6_emit(&q, pl + 8, 40);
    put_be16(pl + 48, sport);
    put_be16(pl + 50, dport);
    put_be16(pl + 52, 8);
    struct icmpv6_hdr h = {.type = type, .code = code};
    icmpv6_emit(&h, &PEER, &US, pl, sizeof(pl));
    inject(f, &US, IPV6_NH_ICMPV6, pl, sizeof(pl));
}

static int so_error(struct fx *f, int s)
{
    int err = -1;
    socklen_t len = sizeof(err);
    assert_int_equal(ust_getsockopt(f->st, s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    return err;
}

/* ICMP6-12 (RFC 4443 3.1-3.4), ICMP6-3 (2.4 a): Destination Unreachable,
 * Packet Too Big, Time Exceeded, Parameter Problem and an error of a type
 * ICMPv6 does not know (100) received through the stack reach the UDP
 * socket that sent the quoted datagram, as its pending error. */
static void test_errors_reach_the_udp_socket(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    int s = ust_socket(f.st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    struct ust_addr to = ust_addr_from_ip6(PEER.b, 0);
    struct sockaddr_storage ss;
    socklen_t sl = ust_addr_to_sockaddr(&to, 9000, &ss);
    assert_int_equal(ust_connect(f.st, s, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(ust_send(f.st, s, "x", 1, 0), 1);
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);
    assert_int_equal(ust_getsockname(f.st, s, (struct sockaddr *)&me, &ml), 0);
    uint16_t sport = ntohs(((struct sockaddr_in6 *)&me)->sin6_port);
    const struct {
        uint8_t type, code;
        int err;
    } cases[] = {{ICMPV6_DST_UNREACH, 4, ECONNREFUSED}, {ICMPV6_PKT_TOO_BIG, 0, EMSGSIZE},
                 {ICMPV6_TIME_EXCEEDED, 0, EHOSTUNREACH}, {ICMPV6_PARAM_PROBLEM, 0, EPROTO},
                 {100, 0, EHOSTUNREACH}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(so_error(&f, s), 0);
        inject_udp_error(&f, cases[i].type, cases[i].code, sport, 9000);
        assert_int_equal(so_error(&f, s), cases[i].err);
    }
    /* Not our datagram (another port): nobody is told. */
    inject_udp_error(&f, ICMPV6_DST_UNREACH, 4, (uint16_t)(sport + 1), 9000);
    assert_int_equal(so_error(&f, s), 0);
    ust_close(f.st, s);
    nh_net_free(f.n);
}

/* ---- Neighbor Discovery ---- */

/* An NS or NA from src to dst in msg: target, flags, an optional
 * link-layer option (opt_type, mac); returns its length (checksummed). */
static size_t nd_build(uint8_t *msg, uint8_t type, const struct ipv6_addr *target, bool solicited,
                       bool override, uint8_t opt_type, const uint8_t *mac,
                       const struct ipv6_addr *src, const struct ipv6_addr *dst)
{
    struct nd_msg m = {.type = type, .target = *target, .solicited = solicited,
                       .override = override};
    size_t len = (size_t)nd_emit(&m, msg, 64);
    if (mac)
        len += (size_t)nd_opt_lladdr_emit(opt_type, mac, msg + len, 8);
    icmpv6_set_csum(msg, len, src, dst);
    return len;
}

static void inject_ns(struct fx *f, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                      const struct ipv6_addr *target, const uint8_t *slla, uint8_t hlim)
{
    uint8_t msg[64];
    size_t len = nd_build(msg, ICMPV6_ND_NS, target, false, false, ND_OPT_SLLA, slla, src, dst);
    inject6(f, src, dst, IPV6_NH_ICMPV6, hlim, msg, len);
}

/* ND-5 (RFC 4861 7.1.1), ND-26 (7.2.3), ND-1 (4.3, 7.1.1 on receipt):
 * an NS is answered only when valid: Hop Limit 255, checksum, code 0,
 * target not multicast, from :: only to a solicited-node group and without
 * SLLA, for one of our addresses; each bad one is dropped silently. A
 * non-zero reserved field and an unknown option are ignored. */
static void test_ns_checks(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr sn, other = US;
    other.b[15] = 9;
    ipv6_solicited_node(&US, &sn);
    inject_ns(&f, &PEER, &sn, &US, PEER_MAC, 254);            /* hop limit */
    inject_ns(&f, &PEER, &sn, &ALL_NODES, PEER_MAC, 255);     /* multicast target */
    inject_ns(&f, &UNSPEC, &US, &US, NULL, 255);              /* :: to a unicast address */
    inject_ns(&f, &UNSPEC, &sn, &US, PEER_MAC, 255);          /* :: with SLLA */
    struct ipv6_addr sn_other;
    ipv6_solicited_node(&other, &sn_other);
    inject_ns(&f, &PEER, &sn_other, &other, PEER_MAC, 255);   /* not our address */
    uint8_t msg[64];
    size_t len = nd_build(msg, ICMPV6_ND_NS, &US, false, false, ND_OPT_SLLA, PEER_MAC, &PEER, &sn);
    msg[2] ^= 1;                                              /* checksum */
    inject6(&f, &PEER, &sn, IPV6_NH_ICMPV6, 255, msg, len);
    msg[2] ^= 1;
    msg[1] = 1;                                               /* code 1 */
    icmpv6_set_csum(msg, len, &PEER, &sn);
    inject6(&f, &PEER, &sn, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(sent(&f, ICMPV6_ND_NA, NULL), 0);
    const struct ust_stats *s = ust_stack_stats(f.st);
    assert_int_equal(s->icmp6.Icmp6InNdInvalid, 5);
    assert_int_equal(s->icmp6.Icmp6InCsumErrors, 1);
    /* Reserved bits set and an unknown option: still answered. */
    len = nd_build(msg, ICMPV6_ND_NS, &US, false, false, ND_OPT_SLLA, PEER_MAC, &PEER, &sn);
    static const uint8_t unknown[8] = {200, 1, 1, 2, 3, 4, 5, 6};
    memcpy(msg + len, unknown, 8);
    len += 8;
    msg[4] = 0xff;
    msg[7] = 0x01;
    icmpv6_set_csum(msg, len, &PEER, &sn);
    inject6(&f, &PEER, &sn, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(sent(&f, ICMPV6_ND_NA, NULL), 1);
    nh_net_free(f.n);
}

/* Sends one 8-byte payload to dst through ipv6_output (protocol 253). */
static void send_to(struct fx *f, const struct ipv6_addr *dst)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 8);
    memset(p->data, 0, 8);
    struct ipv6_out o = {.dst = *dst, .ifindex = -1, .proto = 253, .hop_limit = -1};
    assert_int_equal(ipv6_output(f->st, &o, p), 0);
}

static void inject_na(struct fx *f, const struct ipv6_addr *dst, const struct ipv6_addr *target,
                      bool solicited, uint8_t hlim)
{
    uint8_t msg[64];
    size_t len = nd_build(msg, ICMPV6_ND_NA, target, solicited, true, ND_OPT_TLLA, PEER_MAC,
                          &PEER, dst);
    inject6(f, &PEER, dst, IPV6_NH_ICMPV6, hlim, msg, len);
}

/* ND-6 (RFC 4861 7.1.2): an NA teaches nothing unless valid: Hop Limit
 * 255, checksum, code 0, target not multicast, S=0 when sent to a
 * multicast address. The valid one completes the resolution. */
static void test_na_checks(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 0, 1500, true);
    struct ipv6_addr nb = PEER;
    nb.b[15] = 7;
    send_to(&f, &nb);
    struct nd_entry *e = nd_lookup(f.st, 0, &nb);
    assert_int_equal(e->state, ND_INCOMPLETE);
    uint8_t msg[64];
    inject_na(&f, &US, &nb, true, 254);                        /* hop limit */
    inject_na(&f, &ALL_NODES, &nb, true, 255);                 /* S=1 to multicast */
    size_t len = nd_build(msg, ICMPV6_ND_NA, &nb, true, true, ND_OPT_TLLA, PEER_MAC, &PEER, &US);
    msg[3] ^= 1;                                               /* checksum */
    inject6(&f, &PEER, &US, IPV6_NH_ICMPV6, 255, msg, len);
    msg[3] ^= 1;
    msg[1] = 1;                                                /* code 1 */
    icmpv6_set_csum(msg, len, &PEER, &US);
    inject6(&f, &PEER, &US, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(nd_lookup(f.st, 0, &nb)->state, ND_INCOMPLETE);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InNdInvalid, 3);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InCsumErrors, 1);
    /* A multicast target: dropped too, and it never names an entry. */
    inject_na(&f, &US, &ALL_NODES, true, 255);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InNdInvalid, 4);
    inject_na(&f, &US, &nb, true, 255);
    assert_int_equal(nd_lookup(f.st, 0, &nb)->state, ND_REACHABLE);
    nh_net_free(f.n);
}

/* The last NA the stack sent, or NULL. */
static const uint8_t *last_na(struct fx *f)
{
    const uint8_t *ip;
    return sent(f, ICMPV6_ND_NA, &ip) ? ip : NULL;
}

/* ND-28 (RFC 4861 7.2.4), ND-1 (reserved fields sent as zero): the NA
 * answering a multicast NS from a unicast source: to that source, S=1,
 * O=1, R=0 (a host), the target copied, our link-layer address as TLLA,
 * the 29 reserved bits zero. Answering a DAD NS (from ::): to ff02::1,
 * S=0, TLLA included. */
static void test_na_answer_fields(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr sn;
    ipv6_solicited_node(&US, &sn);
    inject_ns(&f, &PEER, &sn, &US, PEER_MAC, 255);
    const uint8_t *ip = last_na(&f);
    assert_non_null(ip);
    assert_int_equal(ip[7], 255);
    assert_memory_equal(ip + 8, US.b, 16);
    assert_memory_equal(ip + 24, PEER.b, 16);
    const uint8_t *na = ip + 40;
    assert_int_equal(na[4], 0x60);                      /* S, O; R=0 */
    assert_int_equal(na[5] | na[6] | na[7], 0);
    assert_memory_equal(na + 8, US.b, 16);
    assert_int_equal(get_be16(ip + 4), 32);
    assert_int_equal(na[24], ND_OPT_TLLA);
    assert_int_equal(na[25], 1);
    assert_memory_equal(na + 26, our_mac(&f), 6);
    nh_tx_clear(f.n, f.port);
    inject_ns(&f, &UNSPEC, &sn, &US, NULL, 255);
    ip = last_na(&f);
    assert_non_null(ip);
    assert_memory_equal(ip + 24, ALL_NODES.b, 16);
    assert_int_equal(ip[44], 0x20);                     /* O only: S=0 */
    assert_int_equal(ip[40 + 24], ND_OPT_TLLA);
    assert_memory_equal(ip + 40 + 26, our_mac(&f), 6);
    nh_net_free(f.n);
}

/* ND-3 (RFC 4861 7.2.2), ND-2 (4.3), NDFR-1 (RFC 6980 5): address
 * resolution's NS goes to the target's solicited-node group with our
 * link-layer address (SLLA); DAD's NS from :: has no option; ND messages
 * are never fragmented (ICMPv6 right after the fixed header, Hop Limit
 * 255). */
static void test_ns_sent_fields(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 1, 1500, false);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC); /* the link-local address passes DAD */
    assert_int_equal(ust_iface_add_addr6(f.st, 0, US.b, 64), 0);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC);
    struct ipv6_addr nb = PEER, sn_nb, sn_us;
    nb.b[15] = 7;
    ipv6_solicited_node(&nb, &sn_nb);
    ipv6_solicited_node(&US, &sn_us);
    send_to(&f, &nb);
    unsigned dad_ns = 0, res_ns = 0;
    for (size_t i = 0; i < nh_tx_count(f.n, f.port); i++) {
        const uint8_t *ip = nh_tx(f.n, f.port, i)->data + 14;
        if (ip[6] == IPV6_NH_FRAGMENT)
            fail_msg("a fragment was sent");
        if (ip[6] != IPV6_NH_ICMPV6 || ip[40] != ICMPV6_ND_NS)
            continue;
        assert_int_equal(ip[7], 255);
        if (!memcmp(ip + 40 + 8, US.b, 16)) {
            dad_ns++;
            assert_memory_equal(ip + 8, UNSPEC.b, 16);
            assert_memory_equal(ip + 24, sn_us.b, 16);
            assert_int_equal(get_be16(ip + 4), ND_NS_LEN); /* no option */
        } else if (!memcmp(ip + 40 + 8, nb.b, 16)) {
            res_ns++;
            assert_memory_equal(ip + 24, sn_nb.b, 16);
            assert_int_equal(get_be16(ip + 4), ND_NS_LEN + 8);
            assert_int_equal(ip[40 + 24], ND_OPT_SLLA);
            assert_memory_equal(ip + 40 + 26, our_mac(&f), 6);
        }
    }
    assert_int_equal(dad_ns, 1);
    assert_int_equal(res_ns, 1);
    nh_net_free(f.n);
}

/* ND-27 (RFC 4861 7.2.3): an NS from :: creates no neighbour entry, nor
 * does one without SLLA; an NS does not change IsRouter of an entry. */
static void test_ns_learns_only_what_it_may(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 0, 1500, false);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, US.b, 64), 0);
    struct ipv6_addr sn;
    ipv6_solicited_node(&US, &sn);
    inject_ns(&f, &UNSPEC, &sn, &US, NULL, 255);
    assert_int_equal(f.st->net6.nd.count, 0);
    /* Without SLLA nothing is learnt: the NA back resolves PEER itself
     * (RFC 4861 7.2.4), so its entry is INCOMPLETE, with no address. */
    inject_ns(&f, &PEER, &sn, &US, NULL, 255);
    assert_null(nd_lookup(f.st, 0, &UNSPEC));
    struct nd_entry *e = nd_lookup(f.st, 0, &PEER);
    assert_true(!e || e->state == ND_INCOMPLETE);
    assert_int_equal(f.st->net6.nd.count, e ? 1 : 0);
    nd_learn(f.st, 0, &PEER, PEER_MAC, true);
    e = nd_lookup(f.st, 0, &PEER);
    e->is_router = true;
    const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x22};
    inject_ns(&f, &PEER, &sn, &US, mac2, 255);
    e = nd_lookup(f.st, 0, &PEER);
    assert_memory_equal(e->mac.b, mac2, 6); /* the new address, STALE ... */
    assert_true(e->is_router);              /* ... and still a router */
    nh_net_free(f.n);
}

/* ND-8 (RFC 4861 6.1.1), ND-9 (6.2.4, 8.3): a host drops a Router
 * Solicitation silently and never sends an RA or a Redirect (over the
 * whole run: addresses, DAD, resolution, an RS received). */
static void test_host_drops_rs_never_sends_ra(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 1, 1500, false);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, US.b, 64), 0);
    nh_run_until(f.n, f.n->now + 3 * UST_SEC);
    uint8_t msg[16];
    struct nd_msg m = {.type = ICMPV6_ND_RS};
    size_t len = (size_t)nd_emit(&m, msg, sizeof(msg));
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_SLLA, PEER_MAC, msg + len, 8);
    const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    const struct ipv6_addr peer_ll = {{0xfe, 0x80, [15] = 1}};
    icmpv6_set_csum(msg, len, &peer_ll, &all_routers);
    size_t before = nh_tx_count(f.n, f.port);
    uint64_t other = ust_stack_stats(f.st)->icmp6.Icmp6InOther;
    inject6(&f, &peer_ll, &all_routers, IPV6_NH_ICMPV6, 255, msg, len);
    icmpv6_set_csum(msg, len, &peer_ll, &ALL_NODES);
    inject6(&f, &peer_ll, &ALL_NODES, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(nh_tx_count(f.n, f.port), before);
    assert_null(nd_lookup(f.st, 0, &peer_ll));
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InOther, other + 1); /* ff02::2: not joined */
    send_to(&f, &PEER);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_true(sent(&f, ICMPV6_ND_NS, NULL) >= 2);
    assert_int_equal(sent(&f, ICMPV6_ND_RA, NULL), 0);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 0);
    nh_net_free(f.n);
}

/* ---- Router Advertisements through the stack ---- */

static const uint8_t ROUTER_LL_TEXT[] = "fe80::1";

/* An RA from fe80::1 (PEER_MAC as SLLA unless no_slla) for the given
 * router lifetime, with one PIO when prefix is not NULL; injected with hop
 * limit hlim; corrupt: 1 bad checksum, 2 code 1. */
static void inject_ra(struct fx *f, uint16_t lifetime, const char *prefix, uint8_t pio_flags,
                      uint32_t valid, uint32_t preferred, uint8_t hlim, int corrupt)
{
    struct ra_build b;
    ra_begin(&b, (const char *)ROUTER_LL_TEXT, 0, 0, lifetime, 0, 0);
    uint8_t slla[8];
    nd_opt_lladdr_emit(ND_OPT_SLLA, PEER_MAC, slla, 8);
    ra_raw(&b, slla, sizeof(slla));
    if (prefix)
        ra_pio(&b, prefix, 64, pio_flags, valid, preferred);
    if (corrupt == 2)
        b.buf[1] = 1;
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    if (corrupt == 1)
        b.buf[2] ^= 0x40;
    inject6(f, &b.src, &b.dst, IPV6_NH_ICMPV6, hlim, b.buf, b.len);
}

/* ND-4 (RFC 4861 6.1.2) through the stack: RAs with Hop Limit 254, a bad
 * checksum, code 1 or from a global source teach nothing; the valid one
 * makes fe80::1 the default router. */
static void test_ra_checks_through_stack(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    const struct ust_stats *s = ust_stack_stats(f.st);
    struct ipv6_addr far = {{0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1}}, nh;
    int out_if;
    inject_ra(&f, 1800, NULL, 0, 0, 0, 254, 0);
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 1);
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 2);
    struct ra_build b;
    ra_begin(&b, "2001:db8::1", 0, 0, 1800, 0, 0);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(&f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
    assert_int_equal(s->ra.Accepted, 0);
    assert_int_equal(s->icmp6.Icmp6InCsumErrors, 1);
    assert_int_equal(s->ra.BadHopLimit + s->ra.BadSource + s->ra.Malformed, 3);
    assert_int_equal(route6_next_hop(f.st, &far, -1, &out_if, &nh), UST_ERR_NOROUTE);
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 0);
    assert_int_equal(s->ra.Accepted, 1);
    assert_int_equal(route6_next_hop(f.st, &far, -1, &out_if, &nh), 0);
    assert_memory_equal(nh.b, ip6("fe80::1").b, 16);
    /* ND-27: an RA without SLLA creates no neighbour entry. */
    ra_begin(&b, "fe80::2", 0, 0, 1800, 0, 0);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(&f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
    assert_int_equal(s->ra.Accepted, 2);
    assert_null(nd_lookup(f.st, 0, &b.src));
    nh_net_free(f.n);
}

/* ND-13 (RFC 4861 6.3.4): the RA's sender gets a neighbour entry with its
 * link-layer address, STALE, IsRouter TRUE; ND-33 (7.3.1): neither a later
 * RA nor an unsolicited NA with the same address confirms reachability. */
static void test_ra_sender_entry_stale_router(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr r = ip6("fe80::1");
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 0);
    struct nd_entry *e = nd_lookup(f.st, 0, &r);
    assert_non_null(e);
    assert_int_equal(e->state, ND_STALE);
    assert_true(e->is_router);
    assert_memory_equal(e->mac.b, PEER_MAC, 6);
    nh_run_until(f.n, f.n->now + UST_SEC);
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 0);
    assert_int_equal(nd_lookup(f.st, 0, &r)->state, ND_STALE);
    uint8_t msg[64];
    struct nd_msg m = {.type = ICMPV6_ND_NA, .target = r, .override = false, .router = true};
    size_t len = (size_t)nd_emit(&m, msg, 64);
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_TLLA, PEER_MAC, msg + len, 8);
    icmpv6_set_csum(msg, len, &r, &ALL_NODES);
    inject6(&f, &r, &ALL_NODES, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(nd_lookup(f.st, 0, &r)->state, ND_STALE);
    nh_net_free(f.n);
}

/* An NA from fe80::1 about itself to ff02::1 (O=1, TLLA PEER_MAC). */
static void inject_router_na(struct fx *f, bool router)
{
    struct ipv6_addr r = ip6("fe80::1");
    uint8_t msg[64];
    struct nd_msg m = {.type = ICMPV6_ND_NA, .target = r, .override = true, .router = router};
    size_t len = (size_t)nd_emit(&m, msg, 64);
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_TLLA, PEER_MAC, msg + len, 8);
    icmpv6_set_csum(msg, len, &r, &ALL_NODES);
    inject6(f, &r, &ALL_NODES, IPV6_NH_ICMPV6, 255, msg, len);
}

/* ND-17 (RFC 4861 7.2.5, 6.3.5): a default router whose NA says R=0
 * (IsRouter going FALSE) leaves the Default Router List: destinations
 * that went through it have no next hop at once; one with R=1 stays. */
static void test_router_leaves_when_isrouter_false(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr far = {{0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1}}, nh;
    int out_if;
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 0);
    inject_router_na(&f, true);
    assert_int_equal(route6_next_hop(f.st, &far, -1, &out_if, &nh), 0);
    assert_memory_equal(nh.b, ip6("fe80::1").b, 16);
    inject_router_na(&f, false);
    assert_false(nd_lookup(f.st, 0, &nh)->is_router);
    assert_int_equal(route6_next_hop(f.st, &far, -1, &out_if, &nh), UST_ERR_NOROUTE);
    nh_net_free(f.n);
}

/* The Router Solicitations the stack sent (times in t, at most max). */
static unsigned rs_sent(struct fx *f, ust_time_t *t, unsigned max)
{
    unsigned n = 0;
    const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        const uint8_t *ip = fr->data + 14;
        if (ip[6] != IPV6_NH_ICMPV6 || ip[40] != ICMPV6_ND_RS)
            continue;
        assert_memory_equal(ip + 24, all_routers.b, 16);
        assert_int_equal(ip[7], 255);
        const uint8_t mac[6] = {0x33, 0x33, 0, 0, 0, 2};
        assert_memory_equal(fr->data, mac, 6);
        struct ipv6_addr src;
        memcpy(src.b, ip + 8, 16);
        /* ND-2: no SLLA from ::; from the link-local address, with it. */
        if (ipv6_addr_is_unspecified(&src)) {
            assert_int_equal(get_be16(ip + 4), ND_RS_LEN);
        } else {
            assert_true(ipv6_addr_is_link_local(&src));
            assert_int_equal(get_be16(ip + 4), ND_RS_LEN + 8);
            assert_int_equal(ip[40 + 8], ND_OPT_SLLA);
        }
        if (n < max)
            t[n] = fr->at;
        n++;
    }
    return n;
}

/* NODE-18 (RFC 8504 5.4), NODE-21 (RFC 7559), ND-10 (RFC 4861 6.3.7),
 * ND-2: from start the host solicits routers: to ff02::2 (33:33:0:0:0:2),
 * the first within 1 s, then again and again with a doubling interval
 * from about 4 s (RFC 7559: no give-up after three); from :: without SLLA
 * before its link-local address is usable, with SLLA after. An RA with a
 * non-zero Router Lifetime stops them. */
static void test_rs_schedule_and_stop(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 1, 1500, false);
    ust_time_t t0 = f.n->now;
    nh_run_until(f.n, t0 + 130 * UST_SEC);
    ust_time_t t[16];
    unsigned n = rs_sent(&f, t, 16);
    assert_true(n >= 5 && n <= 7);
    assert_true(t[0] <= t0 + UST_SEC);
    ust_time_t expect = 4 * UST_SEC;
    for (unsigned i = 1; i < n; i++) {
        ust_time_t gap = t[i] - t[i - 1];
        assert_true(gap >= expect - expect / 10 - 1);
        assert_true(gap <= (expect + expect / 10) * 11 / 10 + 1);
        expect = gap * 2;
    }
    assert_true(ust_stack_stats(f.st)->addrconf.RsSent == n);
    inject_ra(&f, 1800, NULL, 0, 0, 0, 255, 0);
    nh_tx_clear(f.n, f.port);
    nh_run_until(f.n, f.n->now + 2 * 3600 * UST_SEC);
    assert_int_equal(rs_sent(&f, t, 16), 0);
    nh_net_free(f.n);
}

/* The stack's addresses of an origin (at most max), their states. */
static int addrs_of(struct fx *f, enum ust_addr6_origin origin, struct ust_addr6_info *out,
                    int max)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(f->st, 0, a, UST_MAX_ADDRS6), n = 0;
    for (int j = 0; j < k; j++)
        if (a[j].origin == origin && n < max)
            out[n++] = a[j];
    return n;
}

static bool echo_answered_from(struct fx *f, const struct ipv6_addr *dst)
{
    uint8_t pl[32];
    nh_tx_clear(f->n, f->port);
    inject(f, dst, IPV6_NH_ICMPV6, pl, echo(pl, dst, 8));
    const uint8_t *ip;
    return sent(f, ICMPV6_ECHO_REPLY, &ip) == 1 && !memcmp(ip + 8, dst->b, 16);
}

/* SLAAC-15, SLAAC-16 (RFC 4862 5.5.4), ND-22 (RFC 4861 7.2.1): SLAAC
 * addresses from two PIOs (preferred 10 s, valid 40 s) pass DAD and join
 * their solicited-node groups. Deprecated after 10 s, an address still
 * receives (an echo to it is answered from it); invalid after 40 s it is
 * gone: not a destination, not a source. Its group is left, except the
 * one a static address with the same low 24 bits still maps to. */
static void test_slaac_address_lifetimes(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    inject_ra(&f, 1800, "2001:db8:1::", ND_PIO_ONLINK | ND_PIO_AUTO, 40, 10, 255, 0);
    inject_ra(&f, 1800, "2001:db8:2::", ND_PIO_ONLINK | ND_PIO_AUTO, 40, 10, 255, 0);
    nh_run_until(f.n, f.n->now + 2 * UST_SEC); /* DAD's random start; 0 transmits */
    struct ust_addr6_info a[4];
    assert_int_equal(addrs_of(&f, UST_ADDR6_AUTOCONF, a, 4), 2);
    struct ipv6_addr s1, s2, g1, g2;
    memcpy(s1.b, a[0].addr, 16);
    memcpy(s2.b, a[1].addr, 16);
    ipv6_solicited_node(&s1, &g1);
    ipv6_solicited_node(&s2, &g2);
    for (int i = 0; i < 2; i++)
        assert_int_equal(a[i].state, UST_ADDR6_PREFERRED);
    assert_true(ip6_mcast_joined(f.st, 0, &g1) && ip6_mcast_joined(f.st, 0, &g2));
    struct ipv6_addr twin = s1; /* another prefix, the same interface identifier */
    twin.b[5] = 9;
    assert_int_equal(ust_iface_add_addr6(f.st, 0, twin.b, 64), 0);
    nh_run_until(f.n, f.n->now + 11 * UST_SEC);
    assert_int_equal(addrs_of(&f, UST_ADDR6_AUTOCONF, a, 4), 2);
    assert_int_equal(a[0].state, UST_ADDR6_DEPRECATED);
    assert_true(echo_answered_from(&f, &s1));
    nh_run_until(f.n, f.n->now + 30 * UST_SEC);
    assert_int_equal(addrs_of(&f, UST_ADDR6_AUTOCONF, a, 4), 0);
    uint64_t addr_errors = ust_stack_stats(f.st)->ip6.Ip6InAddrErrors;
    assert_false(echo_answered_from(&f, &s1));
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InAddrErrors, addr_errors + 1);
    struct ipv6_addr src;
    struct ipv6_addr far = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x99}};
    assert_int_equal(ipv6_source_for(f.st, &far, -1, &src), 0);
    assert_false(ipv6_addr_eq(&src, &s1) || ipv6_addr_eq(&src, &s2));
    assert_false(ip6_mcast_joined(f.st, 0, &g2));
    assert_true(ip6_mcast_joined(f.st, 0, &g1)); /* the static twin maps to it */
    nh_net_free(f.n);
}

/* ND-19 (RFC 5942 4): an address formed from a PIO with L=0 does not make
 * its prefix on-link: other addresses of the prefix go through the
 * default router; once the router is gone they have no next hop. */
static void test_slaac_l0_prefix_stays_off_link(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    inject_ra(&f, 1800, "2001:db8:1::", ND_PIO_AUTO, 3600, 1800, 255, 0);
    nh_run_until(f.n, f.n->now + 2 * UST_SEC);
    struct ust_addr6_info a[2];
    assert_int_equal(addrs_of(&f, UST_ADDR6_AUTOCONF, a, 2), 1);
    struct ipv6_addr other = ip6("2001:db8:1::77"), nh;
    int out_if;
    assert_int_equal(route6_next_hop(f.st, &other, -1, &out_if, &nh), 0);
    assert_memory_equal(nh.b, ip6("fe80::1").b, 16);
    inject_ra(&f, 0, NULL, 0, 0, 0, 255, 0);
    assert_int_equal(route6_next_hop(f.st, &other, -1, &out_if, &nh), UST_ERR_NOROUTE);
    nh_net_free(f.n);
}

/* The DAD NS the stack sent for target (times in t). */
static unsigned dad_ns_for(struct fx *f, const struct ipv6_addr *target, ust_time_t *t)
{
    unsigned n = 0;
    struct ipv6_addr sn;
    ipv6_solicited_node(target, &sn);
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        const uint8_t *ip = fr->data + 14;
        if (ip[6] != IPV6_NH_ICMPV6 || ip[40] != ICMPV6_ND_NS || memcmp(ip + 48, target->b, 16))
            continue;
        assert_memory_equal(ip + 8, UNSPEC.b, 16);
        assert_memory_equal(ip + 24, sn.b, 16);
        t[n++] = fr->at;
    }
    return n;
}

/* SLAAC-5, SLAAC-6 (RFC 4862 5.4, 5.4.2), SLAAC-8 (5.4.3): with
 * DupAddrDetectTransmits 3, an address whose interface identifier already
 * passed DAD (the link-local one's) is probed all the same: its
 * solicited-node group is joined at once, three NS from :: go to it
 * RetransTimer (1 s) apart. While tentative an NS from a unicast source
 * for it is not answered. An address whose group hears another node's DAD
 * NS during the start-up delay is a duplicate before it sent any NS. */
static void test_dad_probes_and_tentative_rules(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 3, 1500, false);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    struct ust_addr6_info ll[1];
    assert_int_equal(addrs_of(&f, UST_ADDR6_LINK_LOCAL, ll, 1), 1);
    assert_int_equal(ll[0].state, UST_ADDR6_PREFERRED);
    struct ipv6_addr x = US, sn;
    memcpy(x.b + 8, ll[0].addr + 8, 8);
    ipv6_solicited_node(&x, &sn);
    nh_tx_clear(f.n, f.port);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, x.b, 64), 0);
    assert_true(ip6_mcast_joined(f.st, 0, &sn));
    inject_ns(&f, &PEER, &sn, &x, PEER_MAC, 255);
    assert_int_equal(sent(&f, ICMPV6_ND_NA, NULL), 0);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    ust_time_t t[8];
    assert_int_equal(dad_ns_for(&f, &x, t), 3);
    assert_true(t[1] - t[0] == UST_SEC && t[2] - t[1] == UST_SEC);
    assert_int_equal(sent(&f, ICMPV6_ND_NA, NULL), 0);
    struct ust_addr6_info st[4];
    int k = addrs_of(&f, UST_ADDR6_STATIC, st, 4);
    assert_int_equal(k, 1);
    assert_int_equal(st[0].state, UST_ADDR6_PREFERRED);
    /* Another node's DAD NS during the start-up delay. */
    struct ipv6_addr y = x, sny;
    y.b[15] ^= 0x5a;
    ipv6_solicited_node(&y, &sny);
    nh_tx_clear(f.n, f.port);
    assert_int_equal(ust_iface_add_addr6(f.st, 0, y.b, 64), 0);
    inject_ns(&f, &UNSPEC, &sny, &y, NULL, 255);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_int_equal(dad_ns_for(&f, &y, t), 0);
    assert_int_equal(ust_stack_stats(f.st)->nd6.DadDuplicates, 1);
    k = addrs_of(&f, UST_ADDR6_STATIC, st, 4);
    assert_int_equal(k, 2);
    assert_int_equal(st[1].state, UST_ADDR6_DUPLICATED);
    nh_net_free(f.n);
}

/* SLAAC-2 (RFC 4862 5.3): the link-local address formed when the
 * interface came up (fe80::/64 + an interface identifier) never expires:
 * still preferred, with infinite lifetimes, after 40 days. */
static void test_link_local_never_expires(void **state)
{
    (void)state;
    struct fx f;
    fx_make(&f, 1, 1500, false);
    struct ust_addr6_info ll[1];
    assert_int_equal(addrs_of(&f, UST_ADDR6_LINK_LOCAL, ll, 1), 1);
    const uint8_t fe80[8] = {0xfe, 0x80};
    assert_memory_equal(ll[0].addr, fe80, 8);
    nh_run_until(f.n, f.n->now + 40ULL * 86400 * UST_SEC);
    struct ust_addr6_info later[1];
    assert_int_equal(addrs_of(&f, UST_ADDR6_LINK_LOCAL, later, 1), 1);
    assert_memory_equal(later[0].addr, ll[0].addr, 16);
    assert_int_equal(later[0].state, UST_ADDR6_PREFERRED);
    assert_int_equal(later[0].valid_lft, UINT32_MAX);
    assert_int_equal(later[0].preferred_lft, UINT32_MAX);
    nh_net_free(f.n);
}

/* ipv6_output of 8 bytes src -> dst (src :: : the stack chooses). */
static int output_rc(struct fx *f, const struct ipv6_addr *src, const struct ipv6_addr *dst)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 8);
    memset(p->data, 0, 8);
    struct ipv6_out o = {.dst = *dst, .ifindex = -1, .proto = 253, .hop_limit = -1};
    if (src)
        o.src = *src;
    return ipv6_output(f->st, &o, p);
}

/* ADDR-1, ADDR-2, ADDR-3 (RFC 4291 2.5.2, 2.5.3, 2.7): nothing is sent to
 * :: or to a scope-0 group, nor from ::1 or a multicast address; a packet
 * from the wire to ::1, from ::1, from a multicast source or to a scope-0
 * group is dropped silently; a scope-15 (global) group is sent to from a
 * global address, a scope-2 one from the link-local address. */
static void test_address_rules(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    const struct ipv6_addr loop = {{[15] = 1}}, scope0 = {{0xff, 0x00, [15] = 0x42}};
    const struct ipv6_addr global_grp = {{0xff, 0x0e, [15] = 0x42}};
    assert_int_equal(output_rc(&f, NULL, &UNSPEC), UST_ERR_INVAL);
    assert_int_equal(output_rc(&f, NULL, &scope0), UST_ERR_INVAL);
    assert_int_equal(output_rc(&f, &loop, &PEER), UST_ERR_INVAL);
    assert_int_equal(output_rc(&f, &ALL_NODES, &PEER), UST_ERR_ADDRNOTAVAIL);
    assert_int_equal(sent(&f, 0, NULL) + (int)nh_tx_count(f.n, f.port), 0);
    uint8_t pl[32];
    const struct ust_stats *s = ust_stack_stats(f.st);
    uint64_t addr_errors = s->ip6.Ip6InAddrErrors;
    inject6(&f, &PEER, &loop, IPV6_NH_ICMPV6, 64, pl, echo_from(pl, &PEER, &loop, 8));
    inject6(&f, &loop, &US, IPV6_NH_ICMPV6, 64, pl, echo_from(pl, &loop, &US, 8));
    inject6(&f, &ALL_NODES, &US, IPV6_NH_ICMPV6, 64, pl, echo_from(pl, &ALL_NODES, &US, 8));
    inject6(&f, &PEER, &scope0, IPV6_NH_ICMPV6, 64, pl, echo_from(pl, &PEER, &scope0, 8));
    assert_int_equal(nh_tx_count(f.n, f.port), 0);
    /* The scope-0 group is not in the link filter: dropped before IPv6. */
    assert_int_equal(s->ip6.Ip6InAddrErrors, addr_errors + 3);
    assert_int_equal(output_rc(&f, NULL, &global_grp), 0);
    assert_int_equal(output_rc(&f, NULL, &ALL_NODES), 0);
    assert_int_equal(nh_tx_count(f.n, f.port), 2);
    const uint8_t *ip = nh_tx(f.n, f.port, 0)->data + 14;
    assert_memory_equal(ip + 8, US.b, 16);
    assert_memory_equal(ip + 24, global_grp.b, 16);
    ip = nh_tx(f.n, f.port, 1)->data + 14;
    assert_int_equal(ip[8], 0xfe);
    assert_int_equal(ip[9], 0x80);
    nh_net_free(f.n);
}

/* A Packet Too Big of mtu quoting a packet US -> dst (upper layer: nh
 * with the 8 bytes l4). */
static void inject_ptb(struct fx *f, const struct ipv6_addr *dst, uint32_t mtu, uint8_t nh,
                       const uint8_t l4[8], int port)
{
    uint8_t pl[8 + 48] = {0};
    struct ipv6_hdr q = {.payload_len = 1400, .next_hdr = nh, .hop_limit = 64, .src = US,
                         .dst = *dst};
    ipv6_emit(&q, pl + 8, 40);
    memcpy(pl + 48, l4, 8);
    struct icmpv6_hdr h = {.type = ICMPV6_PKT_TOO_BIG, .mtu = mtu};
    icmpv6_emit(&h, &PEER, &US, pl, sizeof(pl));
    uint8_t pkt[200], frame[300];
    struct ipv6_hdr ih = {.payload_len = sizeof(pl), .next_hdr = IPV6_NH_ICMPV6, .hop_limit = 64,
                          .src = PEER, .dst = US};
    ipv6_emit(&ih, pkt, 40);
    memcpy(pkt + 40, pl, sizeof(pl));
    size_t len = nh_build_eth(frame, sizeof(frame), ust_dev_mac(nh_dev(f->n, port))->b, PEER_MAC,
                              ETH_TYPE_IPV6, pkt, 40 + sizeof(pl));
    nh_inject(f->n, port, frame, len);
    nh_run_until(f->n, f->n->now);
}

/* PMTU-7 (RFC 8201 5.2): the estimate is kept per destination: a Packet
 * Too Big about one leaves another on the link alone. PMTU-6 (4): the
 * lowered estimate holds for more than 5 minutes (no probe upward before;
 * forgotten after cfg.ipv6_pmtu_expire, 10 min). */
static void test_path_mtu_per_destination(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ipv6_addr other = PEER;
    other.b[15] = 7;
    const uint8_t echo_l4[8] = {ICMPV6_ECHO_REQUEST};
    inject_ptb(&f, &PEER, 1300, IPV6_NH_ICMPV6, echo_l4, f.port);
    assert_int_equal(ipv6_mtu_for(f.st, &PEER, -1), 1300);
    assert_int_equal(ipv6_mtu_for(f.st, &other, -1), 1500);
    nh_run_until(f.n, f.n->now + 301 * UST_SEC);
    assert_int_equal(ipv6_mtu_for(f.st, &PEER, -1), 1300);
    nh_run_until(f.n, f.n->now + 300 * UST_SEC);
    assert_int_equal(ipv6_mtu_for(f.st, &PEER, -1), 1500);
    nh_net_free(f.n);
}

/* Two stacks on one wire for TCP: a has US, b has PEER. */
struct pair {
    struct nh_net *n;
    struct ust_stack *a, *b;
    int pa, pb;
};

static void pair_up(struct pair *p)
{
    p->n = nh_net_new();
    p->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    cfg.ipv6_accept_ra = false;
    p->a = nh_stack(p->n, &cfg);
    p->b = nh_stack(p->n, &cfg);
    p->pa = nh_host(p->n, p->a, 0, 0x0a, UST_IP4(203, 0, 113, 2), 24, 1500);
    p->pb = nh_host(p->n, p->b, 0, 0x0b, UST_IP4(203, 0, 113, 1), 24, 1500);
    assert_int_equal(ust_iface_add_addr6(p->a, 0, US.b, 64), 0);
    assert_int_equal(ust_iface_add_addr6(p->b, 0, PEER.b, 64), 0);
}

static int listener(struct ust_stack *st, uint16_t port, int maxseg)
{
    int l = ust_socket(st, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(l >= 0);
    if (maxseg)
        assert_int_equal(ust_setsockopt(st, l, IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof(int)), 0);
    struct ust_addr any = ust_addr_from_ip6(UNSPEC.b, 0);
    struct sockaddr_storage ss;
    socklen_t n = ust_addr_to_sockaddr(&any, port, &ss);
    assert_int_equal(ust_bind(st, l, (struct sockaddr *)&ss, n), 0);
    assert_int_equal(ust_listen(st, l, 8), 0);
    return l;
}

/* Connects a to PEER:port; returns the socket and its local port. */
static int connect_to(struct pair *p, uint16_t port, uint16_t *lport)
{
    int c = ust_socket(p->a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(c >= 0);
    struct ust_addr to = ust_addr_from_ip6(PEER.b, 0);
    struct sockaddr_storage ss;
    socklen_t n = ust_addr_to_sockaddr(&to, port, &ss);
    ust_connect(p->a, c, (struct sockaddr *)&ss, n);
    nh_run_until(p->n, p->n->now + 100 * UST_MSEC);
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);
    assert_int_equal(ust_getsockname(p->a, c, (struct sockaddr *)&me, &ml), 0);
    *lport = ntohs(((struct sockaddr_in6 *)&me)->sin6_port);
    return c;
}

/* The largest TCP/IPv6 packet a sent from lport since the last clear, and
 * its TCP header length; fails on any fragment sent. */
static size_t largest_segment(struct pair *p, uint16_t lport, size_t *tcp_hdr)
{
    size_t max = 0;
    for (size_t i = 0; i < nh_tx_count(p->n, p->pa); i++) {
        const uint8_t *fr = nh_tx(p->n, p->pa, i)->data;
        const uint8_t *ip = fr + 14;
        if (get_be16(fr + 12) != ETH_TYPE_IPV6)
            continue;
        if (ip[6] == IPV6_NH_FRAGMENT)
            fail_msg("TCP segment fragmented");
        if (ip[6] != IPV6_NH_TCP || get_be16(ip + 40) != lport)
            continue;
        size_t len = 40 + get_be16(ip + 4);
        if (len > max) {
            max = len;
            *tcp_hdr = (size_t)(ip[40 + 12] >> 4) * 4;
        }
    }
    return max;
}

/* XPORT-6 (RFC 9293 3.7.1, MUST-16), XPORT-7 (RFC 8201 5.4), PMTU-8
 * (RFC 8201 5.2): over IPv6 a connection's full segments are exactly
 * min(SendMSS + 20, MMS_S) - TCP header with options: 1500-byte packets
 * toward a peer announcing 1440, 40 + 1020 bytes toward one announcing
 * 1000 (TCP_MAXSEG on its listener). A Packet Too Big of 1300 quoting one
 * connection lowers the path's estimate, and every connection to that
 * destination, the quoted one and another, then sends packets of exactly
 * 1300 bytes, never fragments; the one held by the peer's MSS stays. */
static void test_tcp_segments_follow_mss_and_path_mtu(void **state)
{
    (void)state;
    struct pair p;
    pair_up(&p);
    int l80 = listener(p.b, 80, 0), l81 = listener(p.b, 81, 1000);
    uint16_t port[3];
    int c[3] = {connect_to(&p, 80, &port[0]), connect_to(&p, 81, &port[1]),
                connect_to(&p, 80, &port[2])};
    int acc[3];
    for (int i = 0; i < 3; i++) {
        acc[i] = ust_accept(p.b, i == 1 ? l81 : l80, NULL, NULL);
        assert_true(acc[i] >= 0);
    }
    static char data[8000];
    const size_t before[3] = {1500, 40 + 1020, 1500}, after[3] = {1300, 40 + 1020, 1300};
    for (int round = 0; round < 2; round++) {
        nh_tx_clear(p.n, p.pa);
        for (int i = 0; i < 3; i++)
            assert_int_equal(ust_send(p.a, c[i], data, sizeof(data), 0), (ssize_t)sizeof(data));
        nh_run_until(p.n, p.n->now + UST_SEC);
        for (int i = 0; i < 3; i++) {
            size_t hdr = 0, max = largest_segment(&p, port[i], &hdr);
            assert_int_equal(max, round ? after[i] : before[i]);
            assert_true(hdr >= 20);
            char buf[8192];
            while (ust_recv(p.b, acc[i], buf, sizeof(buf), 0) > 0)
                ;
        }
        if (round == 0) {
            uint8_t l4[8] = {0};
            put_be16(l4, port[0]);
            put_be16(l4 + 2, 80);
            inject_ptb(&(struct fx){.n = p.n, .st = p.a, .port = p.pa}, &PEER, 1300, IPV6_NH_TCP,
                       l4, p.pa);
            assert_int_equal(ipv6_mtu_for(p.a, &PEER, -1), 1300);
        }
    }
    for (int i = 0; i < 3; i++) {
        ust_close(p.a, c[i]);
        ust_close(p.b, acc[i]);
    }
    ust_close(p.b, l80);
    ust_close(p.b, l81);
    nh_net_free(p.n);
}

/* ICMP6-17 (RFC 4443 4.2): an Echo Request to ff02::1 is answered, from
 * a unicast address of the receiving interface, with the data whole. */
static void test_echo_to_multicast_answered_from_unicast(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64];
    inject(&f, &ALL_NODES, IPV6_NH_ICMPV6, pl, echo(pl, &ALL_NODES, 24));
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, &ip), 1);
    struct ipv6_addr src;
    memcpy(src.b, ip + 8, 16);
    assert_false(ipv6_addr_is_multicast(&src));
    assert_non_null(ip6_addr_find(f.st, 0, &src));
    assert_memory_equal(ip + 24, PEER.b, 16);
    assert_int_equal(get_be16(ip + 4), 8 + 24);
    assert_memory_equal(ip + 48, pl + 8, 24);
    nh_net_free(f.n);
}

/* IID-3 (RFC 7217 5): the link-local address's IID is F(fe80::/64,
 * Net_Iface, DAD_Counter 0, secret key) (ip6_iid_stable: SipHash-2-4 over
 * the prefix, the interface index and MAC, the counter, keyed with the
 * stack's 128-bit secret); another stack (another key) on the same
 * interface gets another one. */
static void test_link_local_iid_is_rfc7217(void **state)
{
    (void)state;
    struct fx f, g;
    fx_make_seed(&f, 0, 1500, false, 11);
    fx_make_seed(&g, 0, 1500, false, 12);
    const struct ipv6_addr fe80 = {{0xfe, 0x80}};
    struct ust_addr6_info a[1], b[1];
    assert_int_equal(addrs_of(&f, UST_ADDR6_LINK_LOCAL, a, 1), 1);
    assert_int_equal(addrs_of(&g, UST_ADDR6_LINK_LOCAL, b, 1), 1);
    uint8_t iid[8];
    ip6_iid_stable(f.st, &fe80, 0, 0, iid);
    assert_memory_equal(a[0].addr + 8, iid, 8);
    assert_memory_not_equal(a[0].addr + 8, b[0].addr + 8, 8);
    nh_net_free(f.n);
    nh_net_free(g.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_framing_and_link_mtu),
        cmocka_unit_test(test_small_mtu_link_gets_no_ipv6),
        cmocka_unit_test(test_extension_headers_in_order),
        cmocka_unit_test(test_options_processed_in_order),
        cmocka_unit_test(test_no_next_header_ignores_the_rest),
        cmocka_unit_test(test_reply_to_routing_header_not_reversed),
        cmocka_unit_test(test_fragments_sent),
        cmocka_unit_test(test_atomic_fragment_leaves_queue_alone),
        cmocka_unit_test(test_first_fragment_without_chain),
        cmocka_unit_test(test_error_source_and_unspecified_sender),
        cmocka_unit_test(test_unknown_informational_dropped),
        cmocka_unit_test(test_errors_reach_the_udp_socket),
        cmocka_unit_test(test_ns_checks),
        cmocka_unit_test(test_na_checks),
        cmocka_unit_test(test_na_answer_fields),
        cmocka_unit_test(test_ns_sent_fields),
        cmocka_unit_test(test_ns_learns_only_what_it_may),
        cmocka_unit_test(test_host_drops_rs_never_sends_ra),
        cmocka_unit_test(test_ra_checks_through_stack),
        cmocka_unit_test(test_ra_sender_entry_stale_router),
        cmocka_unit_test(test_router_leaves_when_isrouter_false),
        cmocka_unit_test(test_rs_schedule_and_stop),
        cmocka_unit_test(test_slaac_address_lifetimes),
        cmocka_unit_test(test_slaac_l0_prefix_stays_off_link),
        cmocka_unit_test(test_dad_probes_and_tentative_rules),
        cmocka_unit_test(test_link_local_never_expires),
        cmocka_unit_test(test_address_rules),
        cmocka_unit_test(test_path_mtu_per_destination),
        cmocka_unit_test(test_tcp_segments_follow_mss_and_path_mtu),
        cmocka_unit_test(test_echo_to_multicast_answered_from_unicast),
        cmocka_unit_test(test_link_local_iid_is_rfc7217),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* IPv6 host rules of docs/conformance.md's IPv6 checklist for the IP layer,
 * ICMPv6, addresses, path MTU and TCP / UDP over IPv6 that the other IPv6
 * tests leave unproven, each through the whole stack on the harness
 * (tests/harness/ipv6_host.h): packets forged with the wire layer and
 * injected as Ethernet frames, the stack's answers read back byte by byte
 * from the frames it sent, on a virtual clock. Each test's comment names
 * its checklist IDs and the RFC section; neighbour discovery and address
 * configuration are in test_nd_host.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "../harness/ipv6_host.h"
#include "wire/udp.h"

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
                 {100, 0, EPROTO}}; /* Linux icmpv6_err_convert: unknown type */
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

/* A UDP datagram PEER -> dst:dport with 4 bytes of data. */
static void inject_udp(struct fx *f, const struct ipv6_addr *dst, uint16_t dport)
{
    uint8_t pl[8 + 4] = {0, 0, 0, 0, 0, 0, 0, 0, 'd', 'a', 't', 'a'};
    uint32_t ps = ipv6_csum_pseudo(&PEER, dst, 0, IPV6_NH_UDP); /* length: udp_emit_ps adds it */
    assert_int_equal(udp_emit_ps(5000, dport, ps, pl, sizeof(pl), 4), 8);
    inject(f, dst, IPV6_NH_UDP, pl, sizeof(pl));
}

/* ICMP6-11 (RFC 4443 3.1), ICMP6-1: a UDP datagram to a port without a
 * socket gets Destination Unreachable code 4 quoting it whole; one sent to
 * a multicast group nobody joined gets none (2.4 e.3). */
static void test_udp_port_unreachable(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    inject_udp(&f, &US, 9);
    const uint8_t *ip;
    assert_int_equal(sent(&f, ICMPV6_DST_UNREACH, &ip), 1);
    assert_int_equal(ip[41], ICMPV6_UNREACH_PORT);
    assert_memory_equal(ip + 8, US.b, 16);     /* from the address it was sent to */
    assert_memory_equal(ip + 24, PEER.b, 16);
    assert_int_equal(get_be16(ip + 4), 8 + 40 + 12); /* the invoking packet whole */
    assert_int_equal(ip[48 + 6], IPV6_NH_UDP);
    assert_int_equal(get_be16(ip + 48 + 40 + 2), 9);
    assert_int_equal(ust_stack_stats(f.st)->udp.NoPorts, 1);
    nh_tx_clear(f.n, f.port);
    inject_udp(&f, &ALL_NODES, 9);
    assert_int_equal(sent(&f, 0, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->udp.NoPorts, 2);
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
        cmocka_unit_test(test_echo_to_multicast_answered_from_unicast),
        cmocka_unit_test(test_errors_reach_the_udp_socket),
        cmocka_unit_test(test_udp_port_unreachable),
        cmocka_unit_test(test_address_rules),
        cmocka_unit_test(test_path_mtu_per_destination),
        cmocka_unit_test(test_tcp_segments_follow_mss_and_path_mtu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

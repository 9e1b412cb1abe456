/* IPv6 host rules of docs/conformance.md's IPv6 checklist for neighbour
 * discovery, router discovery, SLAAC, DAD and interface identifiers (RFC
 * 4861, 5942, 4862, 7217), each through the whole stack on the harness
 * (tests/harness/ipv6_host.h): NS, NA, RS and RA forged with the wire
 * layer and injected, the stack's messages, neighbour cache, router list
 * and addresses checked on a virtual clock. Each test's comment names its
 * checklist IDs and the RFC section; the IP layer is in test_ipv6_host.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/ipv6_host.h"
#include "../harness/ra_build.h"

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
    uint64_t ignored = ust_stack_stats(f.st)->ra.RsIgnored;
    inject6(&f, &peer_ll, &all_routers, IPV6_NH_ICMPV6, 255, msg, len);
    icmpv6_set_csum(msg, len, &peer_ll, &ALL_NODES);
    inject6(&f, &peer_ll, &ALL_NODES, IPV6_NH_ICMPV6, 255, msg, len);
    assert_int_equal(nh_tx_count(f.n, f.port), before);
    assert_null(nd_lookup(f.st, 0, &peer_ll));
    /* ff02::2 is not joined; the one to ff02::1 reaches ICMPv6 and is
     * ignored: this stack does not advertise (ra_send.c). */
    assert_int_equal(ust_stack_stats(f.st)->ra.RsIgnored, ignored + 1);
    send_to(&f, &PEER);
    nh_run_until(f.n, f.n->now + 5 * UST_SEC);
    assert_true(sent(&f, ICMPV6_ND_NS, NULL) >= 2);
    assert_int_equal(sent(&f, ICMPV6_ND_RA, NULL), 0);
    assert_int_equal(sent(&f, ICMPV6_ND_REDIRECT, NULL), 0);
    nh_net_free(f.n);
}

/* An RA from fe80::1 (PEER_MAC as SLLA) for the given
 * router lifetime, with one PIO when prefix is not NULL; injected with hop
 * limit hlim; corrupt: 1 bad checksum, 2 code 1. */
static void inject_ra(struct fx *f, uint16_t lifetime, const char *prefix, uint8_t pio_flags,
                      uint32_t valid, uint32_t preferred, uint8_t hlim, int corrupt)
{
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, lifetime, 0, 0);
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

/* ND-12 (RFC 4861 6.3.4): an RA's Retrans Timer and Reachable Time reach
 * the neighbour cache: resolution NS go 2.5 s apart, a REACHABLE entry's
 * ReachableTime is drawn from 0.5-1.5 x the advertised 8 s (not the
 * configured 30 s); a later RA with both 0 changes nothing; values below
 * 10 ms / 100 ms are raised to those. */
static void test_ra_timers_reach_neighbour_cache(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    struct ra_build b;
    ra_begin(&b, "fe80::1", 0, 0, 1800, 8000, 2500);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(&f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
    ra_begin(&b, "fe80::1", 0, 0, 1800, 0, 0);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(&f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
    assert_int_equal(ust_stack_stats(f.st)->ra.Accepted, 2);
    struct ipv6_addr nb = PEER;
    nb.b[15] = 7;
    nh_tx_clear(f.n, f.port);
    send_to(&f, &nb);
    nh_run_until(f.n, f.n->now + 10 * UST_SEC);
    ust_time_t t[8];
    unsigned n = 0;
    for (size_t i = 0; i < nh_tx_count(f.n, f.port) && n < 8; i++) {
        const uint8_t *ip = nh_tx(f.n, f.port, i)->data + 14;
        if (ip[6] == IPV6_NH_ICMPV6 && ip[40] == ICMPV6_ND_NS && !memcmp(ip + 48, nb.b, 16))
            t[n++] = nh_tx(f.n, f.port, i)->at;
    }
    assert_int_equal(n, 3);
    assert_true(t[1] - t[0] == 2500 * UST_MSEC && t[2] - t[1] == 2500 * UST_MSEC);
    nb.b[15] = 8;
    send_to(&f, &nb);
    inject_na(&f, &US, &nb, true, 255);
    const struct nd_entry *e = nd_lookup(f.st, 0, &nb);
    assert_int_equal(e->state, ND_REACHABLE);
    assert_true(e->reachable_time >= 4 * UST_SEC && e->reachable_time < 12 * UST_SEC);
    /* Tiny values are floored (as Linux: 10 ms, 100 ms). */
    ra_begin(&b, "fe80::1", 0, 0, 1800, 1, 1);
    icmpv6_set_csum(b.buf, b.len, &b.src, &b.dst);
    inject6(&f, &b.src, &b.dst, IPV6_NH_ICMPV6, 255, b.buf, b.len);
    assert_true(slaac_retrans_time(f.st, 0) == 10 * UST_MSEC);
    assert_true(slaac_base_reachable(f.st, 0) == 100 * UST_MSEC);
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
        cmocka_unit_test(test_ns_checks),
        cmocka_unit_test(test_na_checks),
        cmocka_unit_test(test_na_answer_fields),
        cmocka_unit_test(test_ns_sent_fields),
        cmocka_unit_test(test_ns_learns_only_what_it_may),
        cmocka_unit_test(test_host_drops_rs_never_sends_ra),
        cmocka_unit_test(test_ra_checks_through_stack),
        cmocka_unit_test(test_ra_sender_entry_stale_router),
        cmocka_unit_test(test_router_leaves_when_isrouter_false),
        cmocka_unit_test(test_ra_timers_reach_neighbour_cache),
        cmocka_unit_test(test_rs_schedule_and_stop),
        cmocka_unit_test(test_slaac_address_lifetimes),
        cmocka_unit_test(test_slaac_l0_prefix_stays_off_link),
        cmocka_unit_test(test_dad_probes_and_tentative_rules),
        cmocka_unit_test(test_link_local_never_expires),
        cmocka_unit_test(test_link_local_iid_is_rfc7217),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

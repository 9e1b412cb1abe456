/* The fixture of the IPv6 host-requirement tests (tests/unit/test_ipv6_host.c,
 * tests/unit/test_nd_host.c): one stack on a recorded harness port, IPv6
 * packets forged with the wire layer and injected as Ethernet frames from
 * PEER (PEER_MAC), and the stack's ICMPv6 answers read back from the frames
 * it sent. Include after cmocka.h. */
#ifndef USTACK_TESTS_IPV6_HOST_H
#define USTACK_TESTS_IPV6_HOST_H

#include <string.h>

#include "net_harness.h"
#include "core/stack_impl.h"
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
static inline void fx_make_seed(struct fx *f, unsigned dad, unsigned mtu, bool with_us, uint64_t seed)
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

static inline void fx_make(struct fx *f, unsigned dad, unsigned mtu, bool with_us)
{
    fx_make_seed(f, dad, mtu, with_us, 0);
}

static inline void fx_up(struct fx *f) { fx_make(f, 0, 1500, true); }

static inline const uint8_t *our_mac(struct fx *f) { return ust_dev_mac(nh_dev(f->n, f->port))->b; }

/* Injects IPv6 src -> dst (Next Header nh, Hop Limit hlim) with payload pl. */
static inline void inject6(struct fx *f, const struct ipv6_addr *src, const struct ipv6_addr *dst,
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

static inline void inject(struct fx *f, const struct ipv6_addr *dst, uint8_t nh, const uint8_t *pl,
                   size_t plen)
{
    inject6(f, &PEER, dst, nh, 64, pl, plen);
}

/* An echo request (8 + dlen bytes) at msg, checksummed for src -> dst. */
static inline size_t echo_from(uint8_t *msg, const struct ipv6_addr *src, const struct ipv6_addr *dst,
                        size_t dlen)
{
    memset(msg + 8, 0x5a, dlen);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = 1, .seq = 1};
    icmpv6_emit(&h, src, dst, msg, 8 + dlen);
    return 8 + dlen;
}

static inline size_t echo(uint8_t *msg, const struct ipv6_addr *dst, size_t dlen)
{
    return echo_from(msg, &PEER, dst, dlen);
}

/* The IPv6 packets the stack sent since the last clear whose Next Header
 * is ICMPv6 and whose type is `type` (0: any ICMPv6); the last one's IPv6
 * header in *ip (NULL if none). */
static inline int sent(struct fx *f, uint8_t type, const uint8_t **ip)
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

#endif

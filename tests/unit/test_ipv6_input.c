/* IPv6 input of a host (RFC 8200 4, RFC 5095, RFC 6946, RFC 6980, RFC 4443
 * 2.4) on the harness: packets forged with the wire layer and injected,
 * the stack's answers (echo replies, Parameter Problems) read back from
 * the frames it sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "wire/eth.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

static const struct ipv6_addr US = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const struct ipv6_addr PEER = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const struct ipv6_addr ALL_NODES = {{0xff, 0x02, [15] = 1}};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x11};

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

static void fx_up(struct fx *f)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, 1500);
    assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
    /* The peer is resolved: answers leave at once. */
    nd_learn(f->st, 0, &PEER, PEER_MAC, true);
    nh_tx_clear(f->n, f->port);
}

/* Injects an IPv6 packet PEER -> dst whose payload (after the fixed
 * header) is pl; nh is the fixed header's Next Header. */
static void inject(struct fx *f, const struct ipv6_addr *dst, uint8_t nh, uint8_t hlim,
                   const uint8_t *pl, size_t plen)
{
    uint8_t pkt[1600], frame[1700], dmac[6];
    struct ipv6_hdr h = {.payload_len = (uint16_t)plen, .next_hdr = nh, .hop_limit = hlim,
                         .src = PEER, .dst = *dst};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, pl, plen);
    if (ipv6_addr_is_multicast(dst))
        ipv6_mcast_mac(dst, dmac);
    else
        memcpy(dmac, ust_dev_mac(nh_dev(f->n, f->port))->b, 6);
    size_t len = nh_build_eth(frame, sizeof(frame), dmac, PEER_MAC, ETH_TYPE_IPV6, pkt, 40 + plen);
    nh_inject(f->n, f->port, frame, len);
    nh_run_until(f->n, f->n->now);
}

/* An echo request (8 + dlen bytes) at msg, checksummed for PEER -> dst. */
static size_t echo(uint8_t *msg, const struct ipv6_addr *dst, size_t dlen)
{
    memset(msg + 8, 0x5a, dlen);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = 1, .seq = 1};
    icmpv6_emit(&h, &PEER, dst, msg, 8 + dlen);
    return 8 + dlen;
}

/* The ICMPv6 messages the stack sent since the last clear: count of type,
 * and the code and word of the last one. */
static int sent(struct fx *f, uint8_t type, uint8_t *code, uint32_t *word, size_t *len)
{
    int k = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        const uint8_t *ip = fr->data + 14;
        if (get_be16(fr->data + 12) != ETH_TYPE_IPV6 || ip[6] != IPV6_NH_ICMPV6 || ip[40] != type)
            continue;
        k++;
        if (code)
            *code = ip[41];
        if (word)
            *word = get_be32(ip + 44);
        if (len)
            *len = 40 + get_be16(ip + 4);
    }
    return k;
}

static void test_unknown_next_header_parameter_problem(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[16] = {0};
    inject(&f, &US, 200, 64, pl, sizeof(pl));
    uint8_t code;
    uint32_t ptr;
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(code, 1);
    assert_int_equal(ptr, 6); /* the fixed header's Next Header octet */
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InUnknownProtos, 1);
    /* To a multicast group: dropped, no error (RFC 4443 2.4 e.3). */
    nh_tx_clear(f.n, f.port);
    inject(&f, &ALL_NODES, 200, 64, pl, sizeof(pl));
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6OutErrorSuppressed, 1);
    nh_net_free(f.n);
}

/* A Routing header of type rtype with segs_left, then an echo request. */
static size_t routing_then_echo(uint8_t *pl, uint8_t rtype, uint8_t segs_left)
{
    memset(pl, 0, 24);
    pl[0] = IPV6_NH_ICMPV6;
    pl[1] = 2; /* 24 bytes: one address */
    pl[2] = rtype;
    pl[3] = segs_left;
    return 24 + echo(pl + 24, &US, 8);
}

static void test_routing_headers(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64], code;
    uint32_t ptr;
    /* RH0 with segments left: never processed (RFC 5095), code 0 at Routing Type. */
    size_t n = routing_then_echo(pl, 0, 1);
    inject(&f, &US, IPV6_NH_ROUTING, 64, pl, n);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(code, 0);
    assert_int_equal(ptr, 42);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InRh0Drops, 1);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL, NULL, NULL), 0);
    /* An unknown type with segments left: the same (IP6-10). */
    nh_tx_clear(f.n, f.port);
    n = routing_then_echo(pl, 77, 2);
    inject(&f, &US, IPV6_NH_ROUTING, 64, pl, n);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(ptr, 42);
    /* Segments left 0: ignored, the echo answered (IP6-9). */
    nh_tx_clear(f.n, f.port);
    n = routing_then_echo(pl, 0, 0);
    inject(&f, &US, IPV6_NH_ROUTING, 64, pl, n);
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL, NULL, NULL), 1);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 0);
    nh_net_free(f.n);
}

/* Hop-by-Hop with one option of `type` (2 data bytes), then an echo. */
static size_t hbh_then_echo(uint8_t *pl, uint8_t type, const struct ipv6_addr *dst)
{
    memset(pl, 0, 8);
    pl[0] = IPV6_NH_ICMPV6;
    pl[1] = 0;
    pl[2] = type;
    pl[3] = 2;
    pl[6] = IPV6_OPT_PADN;
    pl[7] = 0;
    return 8 + echo(pl + 8, dst, 8);
}

static void test_unknown_options_by_action_bits(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64], code;
    uint32_t ptr;
    /* 00: skipped (IP6-6). */
    inject(&f, &US, IPV6_NH_HOPOPTS, 64, pl, hbh_then_echo(pl, 0x1e, &US));
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL, NULL, NULL), 1);
    /* 01: dropped silently. */
    nh_tx_clear(f.n, f.port);
    inject(&f, &US, IPV6_NH_HOPOPTS, 64, pl, hbh_then_echo(pl, 0x5e, &US));
    assert_int_equal(nh_tx_count(f.n, f.port), 0);
    /* 10: Parameter Problem code 2 at the option, even to multicast (IP6-7). */
    inject(&f, &ALL_NODES, IPV6_NH_HOPOPTS, 64, pl, hbh_then_echo(pl, 0x9e, &ALL_NODES));
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(code, 2);
    assert_int_equal(ptr, 42);
    /* 11: code 2 only when the destination is not multicast (IP6-8). */
    nh_tx_clear(f.n, f.port);
    inject(&f, &ALL_NODES, IPV6_NH_HOPOPTS, 64, pl, hbh_then_echo(pl, 0xde, &ALL_NODES));
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 0);
    inject(&f, &US, IPV6_NH_HOPOPTS, 64, pl, hbh_then_echo(pl, 0xde, &US));
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 1);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InBadOptions, 4);
    nh_net_free(f.n);
}

static void test_hop_by_hop_not_first_and_hop_limit_zero(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[64], code;
    uint32_t ptr;
    /* Destination Options, then Hop-by-Hop: code 1 at the Next Header naming it. */
    memset(pl, 0, 16);
    pl[0] = IPV6_NH_HOPOPTS;
    pl[2] = IPV6_OPT_PADN;
    pl[3] = 4;
    pl[8] = IPV6_NH_ICMPV6;
    pl[10] = IPV6_OPT_PADN;
    pl[11] = 4;
    size_t n = 16 + echo(pl + 16, &US, 8);
    inject(&f, &US, IPV6_NH_DSTOPTS, 64, pl, n);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(code, 1);
    assert_int_equal(ptr, 40);
    /* Hop Limit 0 to us: processed normally (IP6-1). */
    nh_tx_clear(f.n, f.port);
    inject(&f, &US, IPV6_NH_ICMPV6, 0, pl + 16, echo(pl + 16, &US, 8));
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL, NULL, NULL), 1);
    nh_net_free(f.n);
}

static void test_atomic_fragment_and_nd_in_fragment(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[128];
    struct ipv6_frag fh = {.next_hdr = IPV6_NH_ICMPV6, .id = 9};
    ipv6_frag_emit(&fh, pl, 8);
    /* An atomic fragment is a whole packet (RFC 6946). */
    inject(&f, &US, IPV6_NH_FRAGMENT, 64, pl, 8 + echo(pl + 8, &US, 8));
    assert_int_equal(sent(&f, ICMPV6_ECHO_REPLY, NULL, NULL, NULL), 1);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6ReasmAtomic, 1);
    /* An NS in a fragment is ignored (RFC 6980). */
    nh_tx_clear(f.n, f.port);
    struct ipv6_addr sn;
    ipv6_solicited_node(&US, &sn);
    struct nd_msg m = {.type = ICMPV6_ND_NS, .target = US};
    size_t len = (size_t)nd_emit(&m, pl + 8, 64);
    icmpv6_set_csum(pl + 8, len, &PEER, &sn);
    uint8_t pkt[128];
    struct ipv6_hdr h = {.payload_len = (uint16_t)(8 + len), .next_hdr = IPV6_NH_FRAGMENT,
                         .hop_limit = 255, .src = PEER, .dst = sn};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, pl, 8 + len);
    uint8_t frame[200], dmac[6];
    ipv6_mcast_mac(&sn, dmac);
    size_t fl = nh_build_eth(frame, sizeof(frame), dmac, PEER_MAC, ETH_TYPE_IPV6, pkt, 48 + len);
    nh_inject(f.n, f.port, frame, fl);
    assert_int_equal(sent(&f, ICMPV6_ND_NA, NULL, NULL, NULL), 0);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6InNdFragments, 1);
    nh_net_free(f.n);
}

static void test_fragment_length_checks(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[128], code;
    uint32_t ptr;
    /* M=1 and 13 data bytes: not a multiple of 8 (IP6-15/16: pointer 4). */
    struct ipv6_frag fh = {.next_hdr = IPV6_NH_ICMPV6, .more = true, .id = 3};
    ipv6_frag_emit(&fh, pl, 8);
    memset(pl + 8, 0, 13);
    pl[8] = ICMPV6_ECHO_REQUEST; /* (a fragment of an error would get no error) */
    inject(&f, &US, IPV6_NH_FRAGMENT, 64, pl, 21);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(code, 0);
    assert_int_equal(ptr, 4);
    /* Beyond 65535 bytes: pointer at the Fragment Offset. */
    nh_tx_clear(f.n, f.port);
    fh.offset = 65528;
    ipv6_frag_emit(&fh, pl, 8);
    inject(&f, &US, IPV6_NH_FRAGMENT, 64, pl, 8 + 16);
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, &code, &ptr, NULL), 1);
    assert_int_equal(ptr, 42);
    nh_net_free(f.n);
}

static void test_errors_rate_limited_and_never_about_errors(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[16] = {0};
    for (int i = 0; i < 60; i++)
        inject(&f, &US, 200, 64, pl, sizeof(pl));
    /* The bucket: cfg.icmp6_err_burst (50) at once, the rest refused. */
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 50);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6OutRateLimited, 10);
    /* An ICMPv6 error with a bad field gets no error back (2.4 e.1). */
    nh_run_until(f.n, f.n->now + 2 * UST_SEC);
    nh_tx_clear(f.n, f.port);
    uint8_t err[8 + 48] = {ICMPV6_DST_UNREACH};
    uint8_t dopt[8 + sizeof(err)] = {IPV6_NH_ICMPV6, 0, 0x9e, 4};
    icmpv6_set_csum(err, sizeof(err), &PEER, &US);
    memcpy(dopt + 8, err, sizeof(err));
    inject(&f, &US, IPV6_NH_DSTOPTS, 64, dopt, sizeof(dopt));
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, NULL), 0);
    nh_net_free(f.n);
}

static void test_error_quote_fits_minimum_mtu(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[1400] = {0};
    inject(&f, &US, 200, 64, pl, sizeof(pl));
    size_t len = 0;
    assert_int_equal(sent(&f, ICMPV6_PARAM_PROBLEM, NULL, NULL, &len), 1);
    assert_int_equal(len, IPV6_MIN_MTU); /* as much of the packet as fits 1280 */
    nh_net_free(f.n);
}

static void test_not_for_us_and_tentative(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f);
    uint8_t pl[32];
    struct ipv6_addr other = US;
    other.b[15] = 9;
    inject(&f, &other, IPV6_NH_ICMPV6, 64, pl, echo(pl, &other, 8));
    assert_int_equal(nh_tx_count(f.n, f.port), 0); /* a host forwards nothing */
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InAddrErrors, 1);
    /* To a tentative address: silently discarded (RFC 4862 5.4). */
    ip6_addr_find(f.st, 0, &US)->state = IP6A_TENTATIVE;
    inject(&f, &US, IPV6_NH_ICMPV6, 64, pl, echo(pl, &US, 8));
    assert_int_equal(nh_tx_count(f.n, f.port), 0);
    assert_int_equal(ust_stack_stats(f.st)->ip6.Ip6InAddrErrors, 2);
    nh_net_free(f.n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_next_header_parameter_problem),
        cmocka_unit_test(test_routing_headers),
        cmocka_unit_test(test_unknown_options_by_action_bits),
        cmocka_unit_test(test_hop_by_hop_not_first_and_hop_limit_zero),
        cmocka_unit_test(test_atomic_fragment_and_nd_in_fragment),
        cmocka_unit_test(test_fragment_length_checks),
        cmocka_unit_test(test_errors_rate_limited_and_never_about_errors),
        cmocka_unit_test(test_error_quote_fits_minimum_mtu),
        cmocka_unit_test(test_not_for_us_and_tentative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

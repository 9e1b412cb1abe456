/* IPv6 between two dual-stack stacks over the simulated switch (issue
 * #13): link-local addresses and DAD, ping6 both ways, NUD on a cut cable,
 * DAD conflicts, fragmented echo, overlapping fragments, reassembly
 * timeout and Packet Too Big. Everything runs on the simulator's virtual
 * clock; frames are forged with the wire layer and injected with
 * ust_dev_input where a test needs a packet the stack would never send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/wbuf.h"

struct net2 {
    struct ust_sim *sim;
    struct ust_sim_switch *sw;
    struct ust_stack *st[2];
    struct ust_dev *dev[2];
    struct ust_ping_result last[2];
    int replies[2];
    int errors[2];
    struct pctx {
        struct net2 *n;
        int i;
    } ctx[2]; /* the ping handler's context per stack */
};

static void ping_handler(void *vctx, const struct ust_ping_result *r)
{
    const struct pctx *c = vctx;
    c->n->last[c->i] = *r;
    if (r->event == UST_PING_REPLY && r->payload_ok)
        c->n->replies[c->i]++;
    else
        c->n->errors[c->i]++;
}

static int setup(void **state)
{
    struct net2 *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(11);
    n->sw = ust_sim_switch_new(n->sim, "sw0");
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 100 + (uint64_t)i;
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(n->sw, n->st[i], "eth0", NULL, 1500);
        assert_non_null(n->dev[i]);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
        n->ctx[i] = (struct pctx){n, i};
        ust_ping_set_handler(n->st[i], ping_handler, &n->ctx[i]);
    }
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net2 *n = *state;
    ust_sim_free(n->sim);
    ust_stack_free(n->st[0]);
    ust_stack_free(n->st[1]);
    free(n);
    return 0;
}

static void run_for(struct net2 *n, ust_time_t d) { ust_sim_run_until(n->sim, ust_sim_now(n->sim) + d); }

/* The link-local address of stack i, which must be in `state`. */
static bool ll_addr(struct net2 *n, int i, enum ust_addr6_state want, uint8_t out[16])
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[i], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL && a[j].state == want) {
            memcpy(out, a[j].addr, 16);
            return true;
        }
    return false;
}

static void addr_state(struct net2 *n, int i, const uint8_t addr[16], enum ust_addr6_state *st)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[i], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (!memcmp(a[j].addr, addr, 16))
            *st = a[j].state;
}

static void test_link_local_dad_then_ping_both_ways(void **state)
{
    struct net2 *n = *state;
    uint8_t ll[2][16];
    /* Tentative at first: DAD has not finished. */
    assert_true(ll_addr(n, 0, UST_ADDR6_TENTATIVE, ll[0]));
    assert_int_equal(ll[0][0], 0xfe);
    assert_int_equal(ll[0][1], 0x80);
    /* No MAC in the identifier (RFC 7217, not EUI-64's ff:fe). */
    assert_false(ll[0][11] == 0xff && ll[0][12] == 0xfe);
    run_for(n, 3 * UST_SEC);
    for (int i = 0; i < 2; i++) {
        assert_true(ll_addr(n, i, UST_ADDR6_PREFERRED, ll[i]));
        assert_int_equal(ust_stack_stats(n->st[i])->nd6.DadSucceeded, 1);
        assert_int_equal(ust_stack_stats(n->st[i])->icmp6.Icmp6OutNeighborSolicits, 1);
    }
    assert_memory_not_equal(ll[0], ll[1], 16);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ust_ping6_send(n->st[i], ll[1 - i], 0, 7, 1, 56, -1), 0);
        run_for(n, UST_SEC);
        assert_int_equal(n->replies[i], 1);
        assert_true(n->last[i].ipv6);
        assert_memory_equal(n->last[i].from6, ll[1 - i], 16);
        assert_int_equal(n->last[i].len, 56);
    }
    /* The first ping resolved each other (NS/NA); the second needed none. */
    assert_true(ust_stack_stats(n->st[1])->icmp6.Icmp6InNeighborSolicits >= 1);
    assert_true(ust_stack_stats(n->st[0])->icmp6.Icmp6InNeighborAdvertisements >= 1);
    assert_int_equal(ust_stack_stats(n->st[0])->icmp6.Icmp6InEchos, 1);
    assert_int_equal(ust_stack_stats(n->st[1])->icmp6.Icmp6InEchos, 1);
}

static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void global_up(struct net2 *n)
{
    assert_int_equal(ust_iface_add_addr6(n->st[0], 0, A6, 64), 0);
    assert_int_equal(ust_iface_add_addr6(n->st[1], 0, B6, 64), 0);
    run_for(n, 3 * UST_SEC);
    enum ust_addr6_state s0 = UST_ADDR6_TENTATIVE, s1 = UST_ADDR6_TENTATIVE;
    addr_state(n, 0, A6, &s0);
    addr_state(n, 1, B6, &s1);
    assert_int_equal(s0, UST_ADDR6_PREFERRED);
    assert_int_equal(s1, UST_ADDR6_PREFERRED);
}

static void test_fragmented_echo_both_ways(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ust_ping6_send(n->st[i], i ? A6 : B6, -1, 9, 1, 4000, -1), 0);
        run_for(n, UST_SEC);
        assert_int_equal(n->replies[i], 1);
        assert_int_equal(n->last[i].len, 4000);
    }
    for (int i = 0; i < 2; i++) {
        const struct ust_stats *s = ust_stack_stats(n->st[i]);
        assert_int_equal(s->ip6.Ip6FragOKs, 2);       /* request and reply */
        assert_int_equal(s->ip6.Ip6FragCreates, 6);   /* 4008 bytes: 3 fragments each */
        assert_int_equal(s->ip6.Ip6ReasmOKs, 2);
    }
}

static void test_dad_conflict_same_static_address(void **state)
{
    struct net2 *n = *state;
    run_for(n, 3 * UST_SEC); /* link-local addresses settled */
    assert_int_equal(ust_iface_add_addr6(n->st[0], 0, A6, 64), 0);
    run_for(n, 3 * UST_SEC);
    /* b tries the address a already has: a answers its DAD NS. */
    assert_int_equal(ust_iface_add_addr6(n->st[1], 0, A6, 64), 0);
    run_for(n, 3 * UST_SEC);
    enum ust_addr6_state s0 = UST_ADDR6_TENTATIVE, s1 = UST_ADDR6_TENTATIVE;
    addr_state(n, 0, A6, &s0);
    addr_state(n, 1, A6, &s1);
    assert_int_equal(s0, UST_ADDR6_PREFERRED);
    assert_int_equal(s1, UST_ADDR6_DUPLICATED);
    assert_int_equal(ust_stack_stats(n->st[1])->nd6.DadDuplicates, 1);
    /* The duplicate is never used: not ours for bind, never a source. */
    assert_false(ipv6_is_local(n->st[1], (const struct ipv6_addr *)A6, -1));
    struct ipv6_addr src;
    assert_int_equal(ipv6_source_for(n->st[1], (const struct ipv6_addr *)A6, -1, &src), 0);
    assert_memory_not_equal(src.b, A6, 16);
}

static void test_nud_detects_dead_neighbour(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    assert_int_equal(ust_ping6_send(n->st[0], B6, -1, 3, 1, 56, -1), 0);
    run_for(n, UST_SEC);
    assert_int_equal(n->replies[0], 1);
    /* The NA a sent b's link-local address went through DELAY and PROBE:
     * let that settle (REACHABLE) before the cut. */
    run_for(n, 10 * UST_SEC);
    assert_int_equal(ust_stack_stats(n->st[0])->nd6.NudFailed, 0);
    /* Cut b's cable: both directions lose everything. */
    struct ust_sim_faults cut = {.loss = 1.0};
    assert_int_equal(ust_sim_set_faults(n->dev[1], UST_SIM_TX, &cut), 0);
    assert_int_equal(ust_sim_set_faults(n->dev[1], UST_SIM_RX, &cut), 0);
    /* REACHABLE ages to STALE (at most 1.5 x 30 s), a use moves it to
     * DELAY, then PROBE: three unicast NS unanswered remove it. */
    run_for(n, 46 * UST_SEC);
    assert_int_equal(ust_ping6_send(n->st[0], B6, -1, 3, 2, 56, -1), 0);
    run_for(n, 10 * UST_SEC);
    const struct ust_stats *s = ust_stack_stats(n->st[0]);
    assert_int_equal(s->nd6.NudFailed, 1);
    assert_null(nd_lookup(n->st[0], 0, (const struct ipv6_addr *)B6));
    /* Packets sent now wait for a resolution that fails: dropped, counted. */
    uint64_t drops = s->nd6.QueueDrops;
    assert_int_equal(ust_ping6_send(n->st[0], B6, -1, 3, 3, 56, -1), 0);
    assert_int_equal(ust_ping6_send(n->st[0], B6, -1, 3, 4, 56, -1), 0);
    run_for(n, 5 * UST_SEC);
    assert_int_equal(s->nd6.ResolveFailed, 1);
    assert_int_equal(s->nd6.QueueDrops, drops + 2);
    assert_int_equal(n->replies[0], 1);
}

/* ---- forged input ---- */
/* An Ethernet frame carrying IPv6 src->dst with payload pl (next header nh). */
static void inject(struct net2 *n, int to, const uint8_t src[16], const uint8_t dst[16],
                   uint8_t nh, const uint8_t *pl, size_t plen)
{
    uint8_t f[1600];
    assert_true(plen + 54 <= sizeof(f));
    memcpy(f, ust_dev_mac(n->dev[to])->b, 6);
    memcpy(f + 6, ust_dev_mac(n->dev[1 - to])->b, 6);
    put_be16(f + 12, ETH_TYPE_IPV6);
    struct ipv6_hdr h = {.payload_len = (uint16_t)plen, .next_hdr = nh, .hop_limit = 64};
    memcpy(h.src.b, src, 16);
    memcpy(h.dst.b, dst, 16);
    ipv6_emit(&h, f + 14, 40);
    memcpy(f + 54, pl, plen);
    ust_dev_input(n->dev[to], ust_sim_now(n->sim), f, 54 + plen);
}

/* Fragment of an echo request: `off` bytes into the 8+len-byte message. */
static void inject_frag(struct net2 *n, const uint8_t *msg, size_t off, size_t len, bool more,
                        uint32_t id)
{
    uint8_t pl[1500];
    struct ipv6_frag f = {.next_hdr = IPV6_NH_ICMPV6, .offset = (uint16_t)off, .more = more, .id = id};
    ipv6_frag_emit(&f, pl, 8);
    memcpy(pl + 8, msg + off, len);
    inject(n, 1, A6, B6, IPV6_NH_FRAGMENT, pl, 8 + len);
}

static void echo_msg(uint8_t *msg, size_t len)
{
    for (size_t i = 8; i < len; i++)
        msg[i] = (uint8_t)i;
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = 5, .seq = 1};
    icmpv6_emit(&h, (const struct ipv6_addr *)A6, (const struct ipv6_addr *)B6, msg, len);
}

static void test_overlapping_fragments_drop_datagram(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    uint8_t msg[2008];
    echo_msg(msg, sizeof(msg));
    inject_frag(n, msg, 0, 1200, true, 0x77);
    inject_frag(n, msg, 1192, 816, false, 0x77); /* overlaps the first by 8 bytes */
    run_for(n, UST_SEC);
    const struct ust_stats *s = ust_stack_stats(n->st[1]);
    assert_int_equal(s->ip6.Ip6ReasmOverlaps, 1);
    assert_int_equal(s->ip6.Ip6ReasmOKs, 0);
    assert_int_equal(s->icmp6.Icmp6InEchos, 0);
    /* A later, consistent fragment of the same datagram does not revive it. */
    inject_frag(n, msg, 1200, 808, false, 0x77);
    run_for(n, UST_SEC);
    assert_int_equal(s->ip6.Ip6ReasmOKs, 0);
    assert_int_equal(s->ip6.Ip6ReasmOverlaps, 2);
    /* No ICMP error for overlaps (RFC 5722), even after the timeout. */
    run_for(n, 61 * UST_SEC);
    assert_int_equal(s->icmp6.Icmp6OutTimeExcds, 0);
    /* The same fragments without the overlap are reassembled and answered. */
    inject_frag(n, msg, 0, 1200, true, 0x78);
    inject_frag(n, msg, 1200, 808, false, 0x78);
    run_for(n, UST_SEC);
    assert_int_equal(s->ip6.Ip6ReasmOKs, 1);
    assert_int_equal(s->icmp6.Icmp6InEchos, 1);
}

static void test_reassembly_timeout_sends_time_exceeded(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    uint8_t msg[2008];
    echo_msg(msg, sizeof(msg));
    inject_frag(n, msg, 0, 1200, true, 0x99);
    run_for(n, 59 * UST_SEC);
    const struct ust_stats *s = ust_stack_stats(n->st[1]);
    assert_int_equal(s->ip6.Ip6ReasmTimeout, 0);
    run_for(n, 2 * UST_SEC);
    assert_int_equal(s->ip6.Ip6ReasmTimeout, 1);
    assert_int_equal(s->icmp6.Icmp6OutTimeExcds, 1);
    assert_int_equal(ust_stack_stats(n->st[0])->icmp6.Icmp6InTimeExcds, 1);
    /* Only the last fragment: no Time Exceeded (IP6-14 needs the first). */
    inject_frag(n, msg, 1200, 808, false, 0x9a);
    run_for(n, 61 * UST_SEC);
    assert_int_equal(s->ip6.Ip6ReasmTimeout, 2);
    assert_int_equal(s->icmp6.Icmp6OutTimeExcds, 1);
}

/* A Packet Too Big from "a router" about a packet a sent to b. */
static void inject_ptb(struct net2 *n, uint32_t mtu, const uint8_t quoted_src[16])
{
    uint8_t pl[8 + 48] = {0};
    struct ipv6_hdr q = {.payload_len = 1400, .next_hdr = IPV6_NH_ICMPV6, .hop_limit = 64};
    memcpy(q.src.b, quoted_src, 16);
    memcpy(q.dst.b, B6, 16);
    ipv6_emit(&q, pl + 8, 40);
    pl[48] = ICMPV6_ECHO_REQUEST;
    struct icmpv6_hdr h = {.type = ICMPV6_PKT_TOO_BIG, .mtu = mtu};
    icmpv6_emit(&h, (const struct ipv6_addr *)B6, (const struct ipv6_addr *)A6, pl, sizeof(pl));
    uint8_t f[1600];
    memcpy(f, ust_dev_mac(n->dev[0])->b, 6);
    memcpy(f + 6, ust_dev_mac(n->dev[1])->b, 6);
    put_be16(f + 12, ETH_TYPE_IPV6);
    struct ipv6_hdr h6 = {.payload_len = sizeof(pl), .next_hdr = IPV6_NH_ICMPV6, .hop_limit = 64};
    memcpy(h6.src.b, B6, 16);
    memcpy(h6.dst.b, A6, 16);
    ipv6_emit(&h6, f + 14, 40);
    memcpy(f + 54, pl, sizeof(pl));
    ust_dev_input(n->dev[0], ust_sim_now(n->sim), f, 54 + sizeof(pl));
}

static void test_packet_too_big_lowers_path_mtu(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    const struct ipv6_addr *b = (const struct ipv6_addr *)B6;
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1500);
    inject_ptb(n, 1400, A6);
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1400);
    /* Never below 1280 (RFC 8201 4, RFC 8021). */
    inject_ptb(n, 600, A6);
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1400);
    assert_int_equal(ust_stack_stats(n->st[0])->icmp6.Icmp6PmtuIgnored, 1);
    /* A quote of a packet we did not send is ignored (RFC 8201 4). */
    inject_ptb(n, 1300, B6);
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1400);
    assert_int_equal(ust_stack_stats(n->st[0])->icmp6.Icmp6InBadQuotes, 1);
    /* Never raised by a PTB. */
    inject_ptb(n, 1450, A6);
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1400);
    /* A 1400-byte echo now leaves in fragments of at most 1400 bytes. */
    assert_int_equal(ust_ping6_send(n->st[0], B6, -1, 2, 1, 1400, -1), 0);
    run_for(n, UST_SEC);
    assert_int_equal(n->replies[0], 1);
    assert_int_equal(ust_stack_stats(n->st[0])->ip6.Ip6FragOKs, 1);
    /* Forgotten after cfg.ipv6_pmtu_expire (10 min). */
    run_for(n, 601 * UST_SEC);
    ust_stack_now(n->st[0]);
    assert_int_equal(ipv6_mtu_for(n->st[0], b, -1), 1500);
}

/* ::1 and our own addresses: through the local queue, never on the wire. */
static void test_ping_own_addresses_and_loopback(void **state)
{
    struct net2 *n = *state;
    global_up(n);
    uint64_t tx = ust_stack_stats(n->st[0])->link.tx_frames;
    static const uint8_t loop6[16] = {[15] = 1};
    assert_int_equal(ust_ping6_send(n->st[0], loop6, -1, 4, 1, 100, -1), 0);
    assert_int_equal(ust_ping6_send(n->st[0], A6, -1, 4, 2, 3000, -1), 0);
    run_for(n, UST_SEC);
    assert_int_equal(n->replies[0], 2);
    assert_int_equal(ust_stack_stats(n->st[0])->link.tx_frames, tx);
    /* ::1 is ours for bind(2); a duplicate or foreign address is not. */
    assert_true(ipv6_is_local(n->st[0], (const struct ipv6_addr *)loop6, -1));
    assert_false(ipv6_is_local(n->st[0], (const struct ipv6_addr *)B6, -1));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_link_local_dad_then_ping_both_ways),
        T(test_fragmented_echo_both_ways),
        T(test_dad_conflict_same_static_address),
        T(test_nud_detects_dead_neighbour),
        T(test_overlapping_fragments_drop_datagram),
        T(test_reassembly_timeout_sends_time_exceeded),
        T(test_packet_too_big_lowers_path_mtu),
        T(test_ping_own_addresses_and_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

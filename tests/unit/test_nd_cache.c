/* The IPv6 neighbour cache (RFC 4861 7.3) on the harness's virtual clock:
 * one stack on a port whose frames are recorded, Neighbor Advertisements
 * and Solicitations forged with the wire layer. Every state and every
 * transition of 7.3.3 / Appendix C that a host makes. */
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
static const struct ipv6_addr NB = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const uint8_t NB_MAC[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t NB_MAC2[6] = {0x02, 0, 0, 0, 0, 0x22};

struct fx {
    struct nh_net *n;
    struct ust_stack *st;
    int port;
};

static void fx_up_copies(struct fx *f, unsigned max_entries, unsigned ns_copies)
{
    f->n = nh_net_new();
    f->n->ipv6 = true;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0; /* addresses usable at once: this is about the cache */
    if (max_entries)
        cfg.nd_max_entries = max_entries;
    cfg.nd_solicit_copies = ns_copies;
    f->st = nh_stack(f->n, &cfg);
    f->port = nh_host(f->n, f->st, NH_NO_WIRE, 1, UST_IP4(203, 0, 113, 2), 24, 1500);
    assert_true(f->port >= 0);
    assert_int_equal(ust_iface_add_addr6(f->st, 0, US.b, 64), 0);
    nh_tx_clear(f->n, f->port);
}

static void fx_up(struct fx *f, unsigned max_entries) { fx_up_copies(f, max_entries, 1); }

/* An NA (or NS) from NB in an Ethernet frame to us. */
static void inject_nd(struct fx *f, uint8_t type, const struct ipv6_addr *target,
                      const uint8_t *ll, bool solicited, bool override, const uint8_t src_mac[6])
{
    uint8_t msg[32];
    struct nd_msg m = {.type = type, .target = *target, .solicited = solicited,
                       .override = override};
    size_t len = (size_t)nd_emit(&m, msg, sizeof(msg));
    if (ll)
        len += (size_t)nd_opt_lladdr_emit(type == ICMPV6_ND_NA ? ND_OPT_TLLA : ND_OPT_SLLA, ll,
                                          msg + len, 8);
    struct ipv6_addr dst = US;
    if (type == ICMPV6_ND_NS)
        ipv6_solicited_node(&US, &dst);
    icmpv6_set_csum(msg, len, &NB, &dst);
    uint8_t pkt[80];
    struct ipv6_hdr h = {.payload_len = (uint16_t)len, .next_hdr = IPV6_NH_ICMPV6,
                         .hop_limit = 255, .src = NB, .dst = dst};
    ipv6_emit(&h, pkt, 40);
    memcpy(pkt + 40, msg, len);
    uint8_t frame[128], dmac[6];
    if (type == ICMPV6_ND_NS)
        ipv6_mcast_mac(&dst, dmac);
    else
        memcpy(dmac, ust_dev_mac(nh_dev(f->n, f->port))->b, 6);
    size_t flen = nh_build_eth(frame, sizeof(frame), dmac, src_mac, ETH_TYPE_IPV6, pkt, 40 + len);
    nh_inject(f->n, f->port, frame, flen);
}

/* Sends one 8-byte UDP-ish payload to NB through ipv6_output. */
static void send_to_nb(struct fx *f)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 8);
    memset(p->data, 0, 8);
    struct ipv6_out o = {.dst = NB, .ifindex = -1, .proto = 253, .hop_limit = -1};
    assert_int_equal(ipv6_output(f->st, &o, p), 0);
}

/* Recorded frames since the last clear that are NS (and unicast ones). */
static void count_ns(struct fx *f, int *mcast, int *ucast, int *data)
{
    *mcast = *ucast = *data = 0;
    for (size_t i = 0; i < nh_tx_count(f->n, f->port); i++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, i);
        if (get_be16(fr->data + 12) != ETH_TYPE_IPV6)
            continue;
        const uint8_t *ip = fr->data + 14;
        if (ip[6] == IPV6_NH_ICMPV6 && ip[40] == ICMPV6_ND_NS)
            (fr->data[0] == 0x33 ? (*mcast)++ : (*ucast)++);
        else if (ip[6] == 253) {
            (*data)++;
            assert_memory_equal(fr->data, NB_MAC, 6); /* to the resolved MAC only */
        }
    }
}

static struct nd_entry *entry(struct fx *f) { return nd_lookup(f->st, 0, &NB); }

static void run_to(struct fx *f, ust_time_t t) { nh_run_until(f->n, t); }

static void test_incomplete_retries_then_fails_and_drops_queue(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    for (int i = 0; i < 70; i++)
        send_to_nb(&f);
    assert_int_equal(entry(&f)->state, ND_INCOMPLETE);
    /* 64 wait (cfg.nd_queue_len); the 6 oldest gave way (RFC 4861 7.2.2). */
    assert_int_equal(entry(&f)->pending.count, 64);
    const struct ust_stats *s = ust_stack_stats(f.st);
    assert_int_equal(s->nd6.QueueDrops, 6);
    int mc, uc, data;
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(mc, 1);
    run_to(&f, 2500 * UST_MSEC);
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(mc, 3); /* MAX_MULTICAST_SOLICIT, RetransTimer 1 s apart */
    assert_non_null(entry(&f));
    run_to(&f, 3100 * UST_MSEC);
    assert_null(entry(&f));
    assert_int_equal(s->nd6.ResolveFailed, 1);
    assert_int_equal(s->nd6.QueueDrops, 70);
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(data, 0);
    nh_net_free(f.n);
}

static void test_solicited_na_reaches_then_ages_to_stale(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    send_to_nb(&f);
    send_to_nb(&f);
    /* An NA without TLLA teaches nothing while INCOMPLETE. */
    inject_nd(&f, ICMPV6_ND_NA, &NB, NULL, true, true, NB_MAC);
    assert_int_equal(entry(&f)->state, ND_INCOMPLETE);
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC, true, true, NB_MAC);
    assert_int_equal(entry(&f)->state, ND_REACHABLE);
    int mc, uc, data;
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(data, 2); /* the queue flushed, in order, to NB_MAC */
    ust_time_t rt = entry(&f)->reachable_time;
    assert_true(rt >= 15 * UST_SEC && rt < 45 * UST_SEC); /* 0.5-1.5 x 30 s */
    run_to(&f, rt - UST_MSEC);
    assert_int_equal(entry(&f)->state, ND_REACHABLE);
    run_to(&f, rt + UST_MSEC);
    assert_int_equal(entry(&f)->state, ND_STALE);
    /* Unused, a STALE entry is forgotten after cfg.nd_stale_time (60 s). */
    run_to(&f, rt + 61 * UST_SEC);
    assert_null(entry(&f));
    nh_net_free(f.n);
}

static void reachable(struct fx *f)
{
    send_to_nb(f);
    inject_nd(f, ICMPV6_ND_NA, &NB, NB_MAC, true, true, NB_MAC);
    assert_int_equal(entry(f)->state, ND_REACHABLE);
}

static void test_stale_use_delay_probe_confirmed(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    reachable(&f);
    ust_time_t t = 46 * UST_SEC;
    run_to(&f, t);
    assert_int_equal(entry(&f)->state, ND_STALE);
    nh_tx_clear(f.n, f.port);
    send_to_nb(&f); /* sent at once to the cached address, then DELAY */
    assert_int_equal(entry(&f)->state, ND_DELAY);
    int mc, uc, data;
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(data, 1);
    run_to(&f, t + 4900 * UST_MSEC);
    assert_int_equal(entry(&f)->state, ND_DELAY);
    run_to(&f, t + 5100 * UST_MSEC); /* DELAY_FIRST_PROBE_TIME: a unicast probe */
    assert_int_equal(entry(&f)->state, ND_PROBE);
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(uc, 1);
    assert_int_equal(mc, 0);
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC, true, false, NB_MAC);
    assert_int_equal(entry(&f)->state, ND_REACHABLE);
    nh_net_free(f.n);
}

/* RFC 4861 7.3.1: an upper layer's confirmation restarts REACHABLE, so a
 * busy connection never needs NUD probes. */
static void test_upper_layer_confirmation_keeps_reachable(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    reachable(&f);
    for (int s = 10; s <= 120; s += 10) {
        run_to(&f, (ust_time_t)s * UST_SEC);
        ipv6_confirm_reachable(f.st, &NB, -1);
        assert_int_equal(entry(&f)->state, ND_REACHABLE);
    }
    int mc, uc, data;
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(uc, 0);
    nh_net_free(f.n);
}

static void test_probe_unanswered_removes_entry(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    reachable(&f);
    run_to(&f, 46 * UST_SEC);
    send_to_nb(&f);
    nh_tx_clear(f.n, f.port);
    run_to(&f, 46 * UST_SEC + 5 * UST_SEC + 2500 * UST_MSEC);
    int mc, uc, data;
    count_ns(&f, &mc, &uc, &data);
    assert_int_equal(uc, 3); /* MAX_UNICAST_SOLICIT */
    assert_non_null(entry(&f));
    run_to(&f, 46 * UST_SEC + 5 * UST_SEC + 3100 * UST_MSEC);
    assert_null(entry(&f));
    assert_int_equal(ust_stack_stats(f.st)->nd6.NudFailed, 1);
    nh_net_free(f.n);
}

static void test_na_flags_and_unsolicited(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    /* 7.2.5: an NA for a target without an entry is ignored. */
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC, false, true, NB_MAC);
    assert_null(entry(&f));
    assert_int_equal(ust_stack_stats(f.st)->nd6.UnsolicitedNaIgnored, 1);
    reachable(&f);
    /* O=0 with another address: the cached one is kept, REACHABLE -> STALE. */
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC2, false, false, NB_MAC2);
    assert_int_equal(entry(&f)->state, ND_STALE);
    assert_memory_equal(entry(&f)->mac.b, NB_MAC, 6);
    /* O=1, unsolicited, another address: taken, STALE (7.2.6). */
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC2, false, true, NB_MAC2);
    assert_int_equal(entry(&f)->state, ND_STALE);
    assert_memory_equal(entry(&f)->mac.b, NB_MAC2, 6);
    /* S=1 with the same address: REACHABLE again. */
    inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC2, true, false, NB_MAC2);
    assert_int_equal(entry(&f)->state, ND_REACHABLE);
    nh_net_free(f.n);
}

static void test_ns_learns_sender_and_is_answered(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 0);
    inject_nd(&f, ICMPV6_ND_NS, &US, NB_MAC, false, false, NB_MAC);
    assert_non_null(entry(&f));
    /* 7.2.3: STALE from the SLLA; the NA back was its first use: DELAY (7.3.3). */
    assert_int_equal(entry(&f)->state, ND_DELAY);
    assert_memory_equal(entry(&f)->mac.b, NB_MAC, 6);
    /* The NA back: solicited, override, from the target, hop limit 255. */
    bool found = false;
    for (size_t i = 0; i < nh_tx_count(f.n, f.port); i++) {
        const uint8_t *fr = nh_tx(f.n, f.port, i)->data;
        if (get_be16(fr + 12) != ETH_TYPE_IPV6 || fr[14 + 40] != ICMPV6_ND_NA)
            continue;
        found = true;
        assert_memory_equal(fr, NB_MAC, 6);
        assert_int_equal(fr[14 + 7], 255);
        assert_memory_equal(fr + 14 + 8, US.b, 16);
        assert_int_equal(fr[14 + 44] & 0xe0, 0x60); /* S and O, not R */
    }
    assert_true(found);
    assert_int_equal(ust_stack_stats(f.st)->icmp6.Icmp6OutNeighborAdvertisements, 1);
    nh_net_free(f.n);
}

static void test_table_bounded_evicts_incomplete_first(void **state)
{
    (void)state;
    struct fx f;
    fx_up(&f, 4);
    reachable(&f);
    for (uint8_t k = 10; k < 14; k++) {
        struct pkt *p = pkt_alloc(PKT_HEADROOM, 8);
        memset(p->data, 0, 8);
        struct ipv6_out o = {.dst = NB, .ifindex = -1, .proto = 253, .hop_limit = -1};
        o.dst.b[15] = k;
        assert_int_equal(ipv6_output(f.st, &o, p), 0);
    }
    assert_int_equal(f.st->net6.nd.count, 4);
    assert_int_equal(ust_stack_stats(f.st)->nd6.EntriesEvicted, 1);
    assert_non_null(entry(&f)); /* the REACHABLE one stayed */
    nh_net_free(f.n);
}

/* Recorded NS number i since the last clear: its Ethernet and IPv6
 * destinations; each carries our SLLA and asks for NB. */
static void nth_ns(struct fx *f, size_t i, uint8_t dmac[6], struct ipv6_addr *dst)
{
    size_t seen = 0;
    for (size_t k = 0; k < nh_tx_count(f->n, f->port); k++) {
        const struct nh_frame *fr = nh_tx(f->n, f->port, k);
        const uint8_t *ip = fr->data + 14;
        if (get_be16(fr->data + 12) != ETH_TYPE_IPV6 || ip[6] != IPV6_NH_ICMPV6 ||
            ip[40] != ICMPV6_ND_NS || seen++ != i)
            continue;
        memcpy(dmac, fr->data, 6);
        memcpy(dst->b, ip + 24, 16);
        assert_memory_equal(ip + 48, NB.b, 16);                   /* target */
        assert_int_equal(ip[64], ND_OPT_SLLA);
        assert_memory_equal(ip + 66, ust_dev_mac(nh_dev(f->n, f->port))->b, 6);
        return;
    }
    fail_msg("no NS number %zu", i);
}

/* cfg.nd_solicit_copies (serve --queues): each resolution attempt is the
 * multicast NS of RFC 4861 7.2.2 and then the copies to NB's own address
 * at the group's MAC; a NUD probe is the copies to the cached MAC. At
 * most 4; the attempts stay RetransTimer apart and 3 in number. */
static void test_solicit_copies(void **state)
{
    (void)state;
    const unsigned asked[] = {2, 9}, sent[] = {2, 4};
    for (int k = 0; k < 2; k++) {
        struct fx f;
        fx_up_copies(&f, 0, asked[k]);
        send_to_nb(&f);
        run_to(&f, 1500 * UST_MSEC); /* the first attempt and its retry */
        struct ipv6_addr group, dst;
        ipv6_solicited_node(&NB, &group);
        uint8_t group_mac[6], dmac[6];
        ipv6_mcast_mac(&group, group_mac);
        for (size_t i = 0; i < 2 * (1 + sent[k]); i++) {
            nth_ns(&f, i, dmac, &dst);
            bool first = i % (1 + sent[k]) == 0;
            assert_memory_equal(dst.b, first ? group.b : NB.b, 16);
            assert_memory_equal(dmac, group_mac, 6);
        }
        const struct ust_stats *s = ust_stack_stats(f.st);
        assert_int_equal(s->icmp6.Icmp6OutNeighborSolicits, 2 * (1 + sent[k]));
        inject_nd(&f, ICMPV6_ND_NA, &NB, NB_MAC, true, true, NB_MAC);
        assert_int_equal(entry(&f)->state, ND_REACHABLE);
        /* STALE, used, DELAY, then the first NUD probe: the copies only. */
        run_to(&f, 46 * UST_SEC);
        send_to_nb(&f);
        nh_tx_clear(f.n, f.port);
        run_to(&f, 46 * UST_SEC + 5100 * UST_MSEC);
        assert_int_equal(entry(&f)->state, ND_PROBE);
        for (size_t i = 0; i < sent[k]; i++) {
            nth_ns(&f, i, dmac, &dst);
            assert_memory_equal(dst.b, NB.b, 16);
            assert_memory_equal(dmac, NB_MAC, 6);
        }
        assert_int_equal(nh_tx_count(f.n, f.port), sent[k]);
        nh_net_free(f.n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incomplete_retries_then_fails_and_drops_queue),
        cmocka_unit_test(test_solicited_na_reaches_then_ages_to_stale),
        cmocka_unit_test(test_stale_use_delay_probe_confirmed),
        cmocka_unit_test(test_upper_layer_confirmation_keeps_reachable),
        cmocka_unit_test(test_probe_unanswered_removes_entry),
        cmocka_unit_test(test_na_flags_and_unsolicited),
        cmocka_unit_test(test_ns_learns_sender_and_is_answered),
        cmocka_unit_test(test_table_bounded_evicts_incomplete_first),
        cmocka_unit_test(test_solicit_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

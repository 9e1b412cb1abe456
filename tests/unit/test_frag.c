/* Fragmentation and reassembly: round trips at MTU 1500 and 576, order,
 * duplicates, the overlap policy, timeout (with time exceeded when fragment
 * zero arrived), memory and count caps, the 65535 limit, the end fixed by
 * the last fragment, and option copying. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/net_harness.h"
#include "core/stack_impl.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define ME UST_IP4(203, 0, 113, 1)
#define PEER UST_IP4(203, 0, 113, 2)

static struct nh_net *setup(struct ust_stack **st, const struct ust_config *cfg)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, cfg);
    assert_int_equal(nh_port_new(n, *st, NH_NO_WIRE, UST_LINK_IP, 1, 1500), 0);
    assert_int_equal(ust_iface_add(*st, nh_dev(n, 0), ME, 24), 0);
    return n;
}

/* An echo request message (header + 56 bytes): 64 bytes to split. */
static uint8_t msg[64];
static void make_msg(void)
{
    uint8_t data[56];
    for (int i = 0; i < 56; i++)
        data[i] = (uint8_t)(0xa0 + i);
    nh_build_icmp(msg, sizeof(msg), ICMP_ECHO_REQUEST, 0, 0x00420001, data, sizeof(data));
}

static void inject_frag(struct nh_net *n, uint16_t id, size_t off, size_t len, bool mf)
{
    uint8_t d[200];
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = IPV4_PROTO_ICMP, .id = id, .mf = mf,
                       .frag_off = (uint16_t)off};
    size_t dl = nh_build_ipv4(d, sizeof(d), &ip, msg + off, len);
    nh_inject(n, 0, d, dl);
}

/* The single echo reply carries the request's 56 data bytes. */
static void expect_reply(struct nh_net *n, size_t index)
{
    const struct nh_frame *f = nh_tx(n, 0, index);
    assert_non_null(f);
    assert_int_equal(f->len, 20 + 64);
    struct icmp_hdr h;
    assert_int_equal(icmp_parse(f->data + 20, 64, true, &h), 0);
    assert_int_equal(h.type, ICMP_ECHO_REPLY);
    assert_int_equal(h.id, 0x42);
    assert_memory_equal(f->data + 28, msg + 8, 56);
}

static void test_out_of_order(void **state)
{
    (void)state;
    make_msg();
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    inject_frag(n, 1, 48, 16, false);
    inject_frag(n, 1, 0, 24, true);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(st->net.reasm.count, 1);
    inject_frag(n, 1, 24, 24, true);
    assert_int_equal(nh_tx_count(n, 0), 1);
    expect_reply(n, 0);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmReqds, 3);
    assert_int_equal(s->ip.ReasmOKs, 1);
    assert_int_equal(st->net.reasm.count, 0);
    assert_int_equal(st->net.reasm.mem, 0);
    nh_net_free(n);
}

static void test_duplicates_tolerated(void **state)
{
    (void)state;
    make_msg();
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    inject_frag(n, 2, 0, 24, true);
    inject_frag(n, 2, 0, 24, true);
    inject_frag(n, 2, 48, 16, false);
    inject_frag(n, 2, 48, 16, false);
    inject_frag(n, 2, 24, 24, true);
    assert_int_equal(nh_tx_count(n, 0), 1);
    expect_reply(n, 0);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmReqds, 5);
    assert_int_equal(s->ip.ReasmOKs, 1);
    assert_int_equal(s->ip.ReasmFails, 0);
    nh_net_free(n);
}

static void test_overlap_drops_datagram(void **state)
{
    (void)state;
    make_msg();
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    inject_frag(n, 3, 0, 24, true);
    inject_frag(n, 3, 16, 32, true); /* overlaps [0,24) */
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmOverlaps, 1);
    assert_int_equal(s->ip.ReasmFails, 1);
    assert_int_equal(st->net.reasm.count, 0);
    assert_int_equal(st->net.reasm.mem, 0);
    /* The rest cannot complete the dropped datagram. */
    inject_frag(n, 3, 24, 24, true);
    inject_frag(n, 3, 48, 16, false);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(s->ip.ReasmOKs, 0);
    nh_net_free(n);
}

static void test_past_known_end_rejected(void **state)
{
    (void)state;
    make_msg();
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    inject_frag(n, 4, 24, 16, false); /* last: ends at 40 */
    inject_frag(n, 4, 40, 8, true);   /* beyond the end */
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmFails, 1);
    assert_int_equal(st->net.reasm.count, 0);
    /* A second "last" fragment with a different end. */
    inject_frag(n, 5, 48, 16, false);
    inject_frag(n, 5, 24, 16, false);
    assert_int_equal(s->ip.ReasmFails, 2);
    /* A non-last fragment whose length is not a multiple of 8. */
    inject_frag(n, 6, 0, 20, true);
    assert_int_equal(s->ip.ReasmFails, 3);
    assert_int_equal(st->net.reasm.count, 0);
    nh_net_free(n);
}

static void test_timeout_with_and_without_first(void **state)
{
    (void)state;
    make_msg();
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL); /* 30 s */
    inject_frag(n, 7, 0, 24, true);
    inject_frag(n, 7, 48, 16, false);
    n->now = 1 * UST_SEC;
    inject_frag(n, 8, 24, 24, true); /* fragment zero never comes */
    assert_int_equal(st->net.reasm.count, 2);
    assert_true(st->net.reasm.mem > 0);
    nh_run_until(n, 30 * UST_SEC - 1);
    assert_int_equal(st->net.reasm.count, 2);
    nh_run_until(n, 30 * UST_SEC);
    assert_int_equal(st->net.reasm.count, 1);
    /* RFC 1122 3.3.2: time exceeded, code 1, quoting fragment zero. */
    assert_int_equal(nh_tx_count(n, 0), 1);
    const struct nh_frame *f = nh_tx(n, 0, 0);
    struct ipv4_hdr h, q;
    struct icmp_hdr ic;
    assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(icmp_parse(f->data + 20, f->len - 20, true, &ic), 0);
    assert_int_equal(ic.type, ICMP_TIME_EXCEEDED);
    assert_int_equal(ic.code, ICMP_EXC_FRAG);
    assert_int_equal(ipv4_parse(f->data + 28, f->len - 28, true, &q), 0);
    assert_int_equal(q.id, 7);
    assert_true(q.mf);
    assert_memory_equal(f->data + 48, msg, 24);
    nh_run_until(n, 31 * UST_SEC);
    assert_int_equal(st->net.reasm.count, 0);
    assert_int_equal(st->net.reasm.mem, 0);
    assert_int_equal(nh_tx_count(n, 0), 1); /* none for the one without fragment zero */
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmTimeout, 2);
    assert_int_equal(s->ip.ReasmFails, 2);
    assert_int_equal(s->icmp.OutTimeExcds, 1);
    nh_net_free(n);
}

static void test_memory_and_count_caps(void **state)
{
    (void)state;
    make_msg();
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_reasm_max = 2;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, &cfg);
    inject_frag(n, 10, 0, 24, true);
    inject_frag(n, 11, 0, 24, true);
    inject_frag(n, 12, 0, 24, true); /* a third datagram is refused */
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.ReasmMemDrops, 1);
    assert_int_equal(st->net.reasm.count, 2);
    /* Datagrams in progress still complete. */
    inject_frag(n, 10, 24, 24, true);
    inject_frag(n, 10, 48, 16, false);
    assert_int_equal(s->ip.ReasmOKs, 1);
    nh_net_free(n);

    /* Byte cap: one datagram record plus two 24-byte fragments fit (on
     * LP64: 144 + 2 * (24 + 24) = 240), not a third piece or a second
     * datagram. */
    ust_config_default(&cfg);
    cfg.ip_reasm_mem_max = 270;
    n = setup(&st, &cfg);
    s = ust_stack_stats(st);
    inject_frag(n, 20, 0, 24, true);
    inject_frag(n, 20, 24, 24, true);
    assert_int_equal(s->ip.ReasmMemDrops, 0);
    size_t held = st->net.reasm.mem;
    assert_true(held <= 270);
    inject_frag(n, 20, 48, 16, false);
    inject_frag(n, 21, 0, 24, true);
    inject_frag(n, 21, 24, 24, true);
    assert_int_equal(s->ip.ReasmMemDrops, 3);
    assert_int_equal(st->net.reasm.count, 1);
    assert_int_equal(st->net.reasm.mem, held);
    nh_run_until(n, 31 * UST_SEC);
    assert_int_equal(st->net.reasm.mem, 0);
    assert_int_equal(st->net.reasm.count, 0);
    nh_net_free(n);
}

static void test_over_65535_rejected(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    const struct ust_stats *s = ust_stack_stats(st);
    static uint8_t d[40000], pl[33000];
    memset(pl, 0x11, sizeof(pl));
    /* A fragment that ends past 65535 - 20 by itself. */
    struct nh_ip ip = {.src = PEER, .dst = ME, .proto = 99, .id = 30, .frag_off = 65504};
    size_t len = nh_build_ipv4(d, sizeof(d), &ip, pl, 16);
    nh_inject(n, 0, d, len);
    assert_int_equal(s->ip.ReasmFails, 1);
    assert_int_equal(st->net.reasm.count, 0);
    /* Pieces that fit, but with fragment zero's 24-byte header the whole
     * would be 65536 bytes. */
    static const uint8_t nops[4] = {1, 1, 1, 1};
    ip = (struct nh_ip){.src = PEER, .dst = ME, .proto = 99, .id = 31, .mf = true,
                        .opts = nops, .opt_len = 4};
    len = nh_build_ipv4(d, sizeof(d), &ip, pl, 32768);
    nh_inject(n, 0, d, len);
    ip = (struct nh_ip){.src = PEER, .dst = ME, .proto = 99, .id = 31, .frag_off = 32768};
    len = nh_build_ipv4(d, sizeof(d), &ip, pl, 65512 - 32768);
    nh_inject(n, 0, d, len);
    assert_int_equal(s->ip.ReasmFails, 2);
    assert_int_equal(s->ip.ReasmOKs, 0);
    assert_int_equal(s->ip.InUnknownProtos, 0);
    assert_int_equal(st->net.reasm.count, 0);
    assert_int_equal(st->net.reasm.mem, 0);
    nh_net_free(n);
}

/* Two stacks on one IP-only wire: A pings B with a datagram of `size`
 * bytes of payload; both directions are fragmented and reassembled. */
static void round_trip(unsigned mtu, size_t size, size_t expect_frags)
{
    struct nh_net *n = nh_net_new();
    struct ust_stack *a = nh_stack(n, NULL), *b = nh_stack(n, NULL);
    assert_int_equal(nh_port_new(n, a, 0, UST_LINK_IP, 1, mtu), 0);
    assert_int_equal(nh_port_new(n, b, 0, UST_LINK_IP, 2, mtu), 1);
    ust_iface_add(a, nh_dev(n, 0), ME, 24);
    ust_iface_add(b, nh_dev(n, 1), PEER, 24);
    struct nh_pings pings = {0};
    ust_ping_set_handler(a, nh_ping_collect, &pings);
    assert_int_equal(ust_ping_send(a, PEER, 1, 1, size, 0), 0);
    assert_int_equal(nh_tx_count(n, 0), expect_frags);
    size_t sum = 0;
    for (size_t i = 0; i < expect_frags; i++) {
        struct ipv4_hdr h;
        const struct nh_frame *f = nh_tx(n, 0, i);
        assert_true(f->len <= mtu);
        assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
        assert_int_equal(h.frag_off, sum);
        assert_int_equal(h.mf, i + 1 < expect_frags);
        if (i + 1 < expect_frags)
            assert_int_equal(f->len, 20 + ((mtu - 20) & ~7u));
        sum += h.total_len - 20u;
    }
    assert_int_equal(sum, 8 + size);
    nh_run_until(n, UST_SEC);
    assert_int_equal(nh_tx_count(n, 1), expect_frags);
    assert_int_equal(pings.n, 1);
    assert_int_equal(pings.r[0].event, UST_PING_REPLY);
    assert_int_equal(pings.r[0].len, size);
    assert_true(pings.r[0].payload_ok);
    const struct ust_stats *sa = ust_stack_stats(a), *sb = ust_stack_stats(b);
    assert_int_equal(sa->ip.FragOKs, 1);
    assert_int_equal(sa->ip.FragCreates, expect_frags);
    assert_int_equal(sb->ip.ReasmOKs, 1);
    assert_int_equal(sb->ip.ReasmReqds, expect_frags);
    assert_int_equal(sa->ip.ReasmOKs, 1);
    assert_int_equal(a->net.reasm.mem + b->net.reasm.mem, 0);
    nh_net_free(n);
}

static void test_round_trip_4000_mtu_1500(void **state)
{
    (void)state;
    round_trip(1500, 4000 - 28, 3);
}

static void test_round_trip_4000_mtu_576(void **state)
{
    (void)state;
    round_trip(576, 4000 - 28, 8); /* 552 data bytes per fragment */
}

static void test_fragment_copies_only_copied_options(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(&st, NULL);
    /* Record route (type 7, not copied) + NOP, then type 0x82 (copied). */
    static const uint8_t opts[12] = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01, 0x82, 0x04, 0xaa, 0xbb};
    uint8_t payload[200];
    for (int i = 0; i < 200; i++)
        payload[i] = (uint8_t)i;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, 32 + 200);
    struct nh_ip ip = {.src = ME, .dst = PEER, .proto = 99, .id = 0x99, .opts = opts,
                       .opt_len = 12, .ttl = 9};
    assert_int_equal(nh_build_ipv4(p->data, p->len, &ip, payload, 200), 232);
    assert_int_equal(ipv4_fragment(st, &st->ifaces[0], PEER, p, 100), 0);
    /* First: 32-byte header + 64 data; then 24-byte headers + 72 data. */
    const size_t expect_hl[3] = {32, 24, 24}, expect_data[3] = {64, 72, 64};
    size_t off = 0;
    assert_int_equal(nh_tx_count(n, 0), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct nh_frame *f = nh_tx(n, 0, i);
        struct ipv4_hdr h;
        assert_int_equal(ipv4_parse(f->data, f->len, true, &h), 0);
        assert_int_equal(h.hdr_len, expect_hl[i]);
        assert_int_equal(h.total_len - h.hdr_len, expect_data[i]);
        assert_int_equal(h.frag_off, off);
        assert_int_equal(h.mf, i < 2);
        assert_int_equal(h.id, 0x99);
        assert_int_equal(h.ttl, 9);
        if (i == 0)
            assert_memory_equal(f->data + 20, opts, 12);
        else
            assert_memory_equal(f->data + 20, opts + 8, 4);
        assert_memory_equal(f->data + h.hdr_len, payload + off, expect_data[i]);
        off += expect_data[i];
    }
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->ip.FragOKs, 1);
    assert_int_equal(s->ip.FragCreates, 3);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_duplicates_tolerated),
        cmocka_unit_test(test_overlap_drops_datagram),
        cmocka_unit_test(test_past_known_end_rejected),
        cmocka_unit_test(test_timeout_with_and_without_first),
        cmocka_unit_test(test_memory_and_count_caps),
        cmocka_unit_test(test_over_65535_rejected),
        cmocka_unit_test(test_round_trip_4000_mtu_1500),
        cmocka_unit_test(test_round_trip_4000_mtu_576),
        cmocka_unit_test(test_fragment_copies_only_copied_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ARP and Ethernet: replies, resolution queue, retries and rate limit,
 * give-up with local host-unreachable, no poisoning, ageing, cache bound,
 * frame filtering. Driven through the net harness (recorded frames). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "../harness/net_harness.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define A1 UST_IP4(203, 0, 113, 1)
#define A2 UST_IP4(203, 0, 113, 2)
#define A7 UST_IP4(203, 0, 113, 7)
#define A9 UST_IP4(203, 0, 113, 9)

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO[6] = {0};
static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC2[6] = {0x02, 0, 0, 0, 0, 0x02};

/* One stack, one recorded Ethernet port 203.0.113.1/24 (mac ...:01). */
static struct nh_net *setup(const struct ust_config *cfg, struct ust_stack **st)
{
    struct nh_net *n = nh_net_new();
    *st = nh_stack(n, cfg);
    assert_int_equal(nh_host(n, *st, NH_NO_WIRE, 1, A1, 24, 1500), 0);
    return n;
}

static void parse_arp_frame(const struct nh_frame *f, struct eth_hdr *e, struct arp_pkt *a)
{
    assert_int_equal(eth_parse(f->data, f->len, e), 0);
    assert_int_equal(e->type, ETH_TYPE_ARP);
    assert_int_equal(arp_parse(f->data + e->hdr_len, f->len - e->hdr_len, a), 0);
}

static void inject_arp(struct nh_net *n, uint16_t op, const uint8_t *eth_dst, const uint8_t *sha,
                       ust_ip4_t spa, const uint8_t *tha, ust_ip4_t tpa)
{
    uint8_t f[64];
    size_t len = nh_build_arp(f, sizeof(f), op, eth_dst, sha, spa, tha, tpa);
    nh_inject(n, 0, f, len);
}

static void test_gratuitous_on_iface_add(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    static const uint8_t expect[60] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0x01,
        0xcb, 0x00, 0x71, 0x01, 0, 0, 0, 0, 0, 0, 0xcb, 0x00, 0x71, 0x01};
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_int_equal(nh_tx(n, 0, 0)->len, 60);
    assert_memory_equal(nh_tx(n, 0, 0)->data, expect, 60);
    assert_int_equal(ust_stack_stats(st)->arp.gratuitous_sent, 1);
    nh_net_free(n);
}

static void test_request_gets_reply(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    nh_tx_clear(n, 0);
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    static const uint8_t expect[60] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0, 0, 0, 0, 0x01,
        0xcb, 0x00, 0x71, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0xcb, 0x00, 0x71, 0x02};
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_memory_equal(nh_tx(n, 0, 0)->data, expect, 60);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->arp.in_requests, 1);
    assert_int_equal(s->arp.out_replies, 1);
    /* The requester is learnt (we will talk to it anyway). */
    struct arp_entry *e = arp_lookup(st, A2);
    assert_non_null(e);
    assert_int_equal(e->state, ARP_REACHABLE);
    assert_memory_equal(e->mac.b, MAC2, 6);
    /* A request for someone else is not answered and creates nothing. */
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A9);
    assert_int_equal(nh_tx_count(n, 0), 1);
    assert_null(arp_lookup(st, A9));
    nh_net_free(n);
}

/* Sequence number of the echo request in recorded frame i. */
static int echo_seq(struct nh_net *n, size_t i)
{
    size_t len;
    const uint8_t *ip = nh_tx_ipv4(n, 0, i, &len);
    if (!ip)
        return -1;
    struct ipv4_hdr h;
    struct icmp_hdr ic;
    assert_int_equal(ipv4_parse(ip, len, true, &h), 0);
    assert_int_equal(icmp_parse(ip + h.hdr_len, h.total_len - h.hdr_len, true, &ic), 0);
    assert_int_equal(ic.type, ICMP_ECHO_REQUEST);
    return ic.seq;
}

static void test_queue_while_resolving_then_flush_in_order(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.arp_queue_len = 3;
    struct nh_net *n = setup(&cfg, &st);
    nh_tx_clear(n, 0);
    for (uint16_t seq = 1; seq <= 5; seq++)
        assert_int_equal(ust_ping_send(st, A2, 7, seq, 16, 0), 0);
    /* One request only; the oldest two packets were pushed out. */
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct eth_hdr e;
    struct arp_pkt a;
    parse_arp_frame(nh_tx(n, 0, 0), &e, &a);
    assert_memory_equal(e.dst, BCAST, 6);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    assert_int_equal(a.tpa, A2);
    assert_int_equal(a.spa, A1);
    assert_int_equal(ust_stack_stats(st)->arp.queue_drops, 2);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_INCOMPLETE);
    inject_arp(n, ARP_OP_REPLY, MAC1, MAC2, A2, MAC1, A1);
    assert_int_equal(nh_tx_count(n, 0), 4);
    for (size_t i = 1; i <= 3; i++) {
        assert_int_equal(echo_seq(n, i), (int)i + 2);
        assert_memory_equal(nh_tx(n, 0, i)->data, MAC2, 6);
    }
    assert_int_equal(ust_stack_stats(st)->arp.unsolicited_ignored, 0);
    /* Resolved: the next packet goes straight out. */
    assert_int_equal(ust_ping_send(st, A2, 7, 6, 16, 0), 0);
    assert_int_equal(nh_tx_count(n, 0), 5);
    assert_int_equal(echo_seq(n, 4), 6);
    nh_net_free(n);
}

static void test_retries_rate_limit_and_give_up(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st); /* 3 requests, 1 s apart */
    struct nh_pings pings = {0};
    ust_ping_set_handler(st, nh_ping_collect, &pings);
    nh_tx_clear(n, 0);
    assert_int_equal(ust_ping_send(st, A9, 1, 1, 8, 0), 0);
    /* More traffic while resolving never adds requests (RFC 1122 2.3.2.1). */
    nh_run_until(n, 100 * UST_MSEC);
    assert_int_equal(ust_ping_send(st, A9, 1, 2, 8, 0), 0);
    nh_run_until(n, 1500 * UST_MSEC);
    assert_int_equal(ust_ping_send(st, A9, 1, 3, 8, 0), 0);
    nh_run_until(n, 2999 * UST_MSEC);
    assert_int_equal(nh_tx_count(n, 0), 3);
    const ust_time_t when[3] = {0, 1 * UST_SEC, 2 * UST_SEC};
    for (size_t i = 0; i < 3; i++) {
        struct eth_hdr e;
        struct arp_pkt a;
        parse_arp_frame(nh_tx(n, 0, i), &e, &a);
        assert_int_equal(a.tpa, A9);
        assert_int_equal(nh_tx(n, 0, i)->at, when[i]);
    }
    assert_int_equal(pings.n, 0);
    nh_run_until(n, 3 * UST_SEC);
    /* Given up: packets dropped, senders told locally, nothing on the wire. */
    assert_int_equal(nh_tx_count(n, 0), 3);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->arp.resolve_failed, 1);
    assert_int_equal(s->arp.out_requests, 3);
    assert_int_equal(s->icmp.OutDestUnreachs, 0);
    assert_null(arp_lookup(st, A9));
    assert_int_equal(pings.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pings.r[i].event, UST_PING_LOCAL_ERROR);
        assert_int_equal(pings.r[i].code, ICMP_UNREACH_HOST);
        assert_int_equal(pings.r[i].seq, i + 1);
        assert_int_equal(pings.r[i].from, A1);
        assert_int_equal(pings.r[i].at, 3 * UST_SEC);
    }
    /* A new attempt starts a fresh resolution. */
    assert_int_equal(ust_ping_send(st, A9, 1, 4, 8, 0), 0);
    assert_int_equal(nh_tx_count(n, 0), 4);
    nh_net_free(n);
}

/* cfg.arp_request_copies: each request (the first and every retry) goes
 * out that many times back to back, counted as frames; at most 4. */
static void test_request_copies(void **state)
{
    (void)state;
    const unsigned asked[] = {2, 9}, sent[] = {2, 4};
    for (int k = 0; k < 2; k++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.arp_request_copies = asked[k];
        struct ust_stack *st;
        struct nh_net *n = setup(&cfg, &st);
        nh_tx_clear(n, 0);
        assert_int_equal(ust_ping_send(st, A9, 1, 1, 8, 0), 0);
        nh_run_until(n, 500 * UST_MSEC);
        assert_int_equal(nh_tx_count(n, 0), sent[k]);
        nh_run_until(n, 1500 * UST_MSEC); /* the retry: as many again */
        assert_int_equal(nh_tx_count(n, 0), 2 * sent[k]);
        for (size_t i = 0; i < 2 * sent[k]; i++) {
            struct eth_hdr e;
            struct arp_pkt a;
            parse_arp_frame(nh_tx(n, 0, i), &e, &a);
            assert_int_equal(a.op, ARP_OP_REQUEST);
            assert_int_equal(a.tpa, A9);
            assert_int_equal(nh_tx(n, 0, i)->at, i < sent[k] ? 0 : 1 * UST_SEC);
        }
        assert_int_equal(ust_stack_stats(st)->arp.out_requests, 2 * sent[k]);
        nh_net_free(n);
    }
}

static void test_unsolicited_reply_does_not_poison(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    nh_tx_clear(n, 0);
    inject_arp(n, ARP_OP_REPLY, MAC1, MAC2, A7, MAC1, A1);
    inject_arp(n, ARP_OP_REPLY, BCAST, MAC2, A7, ZERO, A7); /* gratuitous reply */
    assert_null(arp_lookup(st, A7));
    assert_int_equal(ust_stack_stats(st)->arp.unsolicited_ignored, 2);
    /* Traffic to .7 still asks first. */
    ust_ping_send(st, A7, 1, 1, 8, 0);
    assert_int_equal(nh_tx_count(n, 0), 1);
    struct eth_hdr e;
    struct arp_pkt a;
    parse_arp_frame(nh_tx(n, 0, 0), &e, &a);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    nh_net_free(n);
}

static void test_merge_updates_existing_entry(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    const uint8_t mac_new[6] = {0x02, 0, 0, 0, 0, 0x22};
    /* A gratuitous ARP from a cached host updates it (RFC 826 merge). */
    inject_arp(n, ARP_OP_REQUEST, BCAST, mac_new, A2, ZERO, A2);
    assert_memory_equal(arp_lookup(st, A2)->mac.b, mac_new, 6);
    nh_net_free(n);
}

static void test_entry_ageing(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st); /* reachable 30 s, stale 60 s */
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    nh_run_until(n, 30 * UST_SEC - 1);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_REACHABLE);
    nh_run_until(n, 30 * UST_SEC);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_STALE);
    /* A stale entry is still used and revalidated by a unicast request. */
    nh_tx_clear(n, 0);
    ust_ping_send(st, A2, 1, 1, 8, 0);
    ust_ping_send(st, A2, 1, 2, 8, 0);
    assert_int_equal(nh_tx_count(n, 0), 3);
    struct eth_hdr e;
    struct arp_pkt a;
    parse_arp_frame(nh_tx(n, 0, 0), &e, &a);
    assert_memory_equal(e.dst, MAC2, 6); /* unicast poll, once */
    assert_int_equal(echo_seq(n, 1), 1);
    assert_int_equal(echo_seq(n, 2), 2);
    nh_run_until(n, 90 * UST_SEC - 1);
    assert_non_null(arp_lookup(st, A2));
    nh_run_until(n, 90 * UST_SEC);
    assert_null(arp_lookup(st, A2));
    nh_net_free(n);
}

static void test_stale_refreshed_by_reply(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    nh_run_until(n, 40 * UST_SEC);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_STALE);
    inject_arp(n, ARP_OP_REPLY, MAC1, MAC2, A2, MAC1, A1);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_REACHABLE);
    nh_run_until(n, 69 * UST_SEC);
    assert_int_equal(arp_lookup(st, A2)->state, ARP_REACHABLE);
    nh_net_free(n);
}

static void test_cache_bound_evicts_oldest_stale(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.arp_max_entries = 4;
    struct ust_stack *st;
    struct nh_net *n = setup(&cfg, &st);
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        mac[5] = (uint8_t)(0x10 + i);
        inject_arp(n, ARP_OP_REQUEST, BCAST, mac, UST_IP4(203, 0, 113, 10 + i), ZERO, A1);
        nh_run_until(n, n->now + UST_SEC);
    }
    nh_run_until(n, 31 * UST_SEC); /* .10 and .11 stale, .12 and .13 reachable */
    assert_int_equal(arp_lookup(st, UST_IP4(203, 0, 113, 10))->state, ARP_STALE);
    assert_int_equal(arp_lookup(st, UST_IP4(203, 0, 113, 13))->state, ARP_REACHABLE);
    mac[5] = 0x20;
    inject_arp(n, ARP_OP_REQUEST, BCAST, mac, UST_IP4(203, 0, 113, 20), ZERO, A1);
    assert_int_equal(st->link.arp.count, 4);
    assert_null(arp_lookup(st, UST_IP4(203, 0, 113, 10)));
    assert_non_null(arp_lookup(st, UST_IP4(203, 0, 113, 11)));
    assert_non_null(arp_lookup(st, UST_IP4(203, 0, 113, 20)));
    assert_int_equal(ust_stack_stats(st)->arp.entries_evicted, 1);
    nh_net_free(n);
}

/* A full cache of unanswered resolutions (packets to addresses nobody
 * answers for, e.g. SYN,ACKs to spoofed sources) loses its oldest
 * INCOMPLETE entry to a new one, and never a neighbour that answered. */
static void test_cache_full_evicts_incomplete_first(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.arp_max_entries = 4;
    struct ust_stack *st;
    struct nh_net *n = setup(&cfg, &st);
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1); /* a neighbour that answered */
    assert_int_equal(arp_lookup(st, A2)->state, ARP_REACHABLE);
    for (int i = 0; i < 6; i++) {
        nh_run_until(n, n->now + 100 * UST_MSEC);
        assert_int_equal(ust_ping_send(st, UST_IP4(203, 0, 113, 50 + i), 7, 1, 16, 0), 0);
        assert_true(st->link.arp.count <= 4);
        assert_non_null(arp_lookup(st, UST_IP4(203, 0, 113, 50 + i))); /* never refused */
    }
    assert_int_equal(arp_lookup(st, A2)->state, ARP_REACHABLE);
    assert_null(arp_lookup(st, UST_IP4(203, 0, 113, 50))); /* the oldest went */
    assert_null(arp_lookup(st, UST_IP4(203, 0, 113, 51)));
    assert_null(arp_lookup(st, UST_IP4(203, 0, 113, 52)));
    assert_non_null(arp_lookup(st, UST_IP4(203, 0, 113, 53)));
    assert_int_equal(ust_stack_stats(st)->arp.entries_evicted, 3);
    assert_int_equal(ust_stack_stats(st)->arp.queue_drops, 3); /* their pings */
    nh_net_free(n);
}

static void test_flush_and_dump(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    inject_arp(n, ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    ust_ping_send(st, A9, 1, 1, 8, 0);
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    ust_arp_dump(st, f);
    fclose(f);
    assert_non_null(strstr(buf, "203.0.113.2     02:00:00:00:00:02 REACHABLE  nh0      30.000s"));
    assert_non_null(strstr(buf, "203.0.113.9     (incomplete)      INCOMPLETE nh0      1.000s"));
    free(buf);
    ust_arp_flush(st);
    assert_int_equal(st->link.arp.count, 0);
    assert_int_equal(ust_stack_stats(st)->arp.queue_drops, 1);
    nh_run_until(n, 10 * UST_SEC); /* no timer of a freed entry fires */
    nh_net_free(n);
}

static void test_ethernet_filtering(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    uint8_t body[28] = {0}, f[80];
    const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x99};
    /* a group nobody joined (224.0.0.1's 01:00:5e:00:00:01 always passes) */
    const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
    size_t len = nh_build_eth(f, sizeof(f), other, MAC2, ETH_TYPE_IPV4, body, sizeof(body));
    nh_inject(n, 0, f, len);
    len = nh_build_eth(f, sizeof(f), mcast, MAC2, ETH_TYPE_IPV4, body, sizeof(body));
    nh_inject(n, 0, f, len);
    len = nh_build_eth(f, sizeof(f), MAC1, MAC2, 0x88b5, body, sizeof(body));
    nh_inject(n, 0, f, len);
    len = nh_build_eth(f, sizeof(f), MAC1, MAC2, 0x0050, body, sizeof(body)); /* 802.3 length */
    nh_inject(n, 0, f, len);
    nh_inject(n, 0, f, 13);
    /* 802.1Q: VLAN 5 dropped; a priority tag (VID 0) is processed. */
    uint8_t arp[64], tagged[80];
    size_t alen = nh_build_arp(arp, sizeof(arp), ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    memcpy(tagged, arp, 12);
    tagged[12] = 0x81;
    tagged[13] = 0x00;
    tagged[14] = 0x00;
    tagged[15] = 0x05;
    memcpy(tagged + 16, arp + 12, alen - 12);
    nh_inject(n, 0, tagged, alen + 4);
    assert_null(arp_lookup(st, A2));
    tagged[14] = 0xe0; /* PCP 7, VID 0 */
    tagged[15] = 0x00;
    nh_inject(n, 0, tagged, alen + 4);
    assert_non_null(arp_lookup(st, A2));
    const struct ust_link_stats *ls = ust_dev_stats(nh_dev(n, 0));
    assert_int_equal(ls->rx_not_for_us, 2);
    assert_int_equal(ls->rx_unknown_type, 2);
    assert_int_equal(ls->rx_truncated, 1);
    assert_int_equal(ls->rx_vlan, 1);
    assert_int_equal(ust_stack_stats(st)->link.rx_vlan, 1);
    nh_net_free(n);
}

static void test_arp_malformed_and_conflict(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    nh_tx_clear(n, 0);
    uint8_t f[80];
    size_t len = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, MAC2, A2, ZERO, A1);
    f[14] = 0x01; /* htype 0x0101 */
    nh_inject(n, 0, f, len);
    len = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, MAC2, A1, ZERO, A1); /* conflict */
    nh_inject(n, 0, f, len);
    len = nh_build_arp(f, sizeof(f), ARP_OP_REQUEST, BCAST, BCAST, A2, ZERO, A1);
    nh_inject(n, 0, f, len);
    const struct ust_stats *s = ust_stack_stats(st);
    assert_int_equal(s->arp.in_packets, 3);
    assert_int_equal(s->arp.in_errors, 3);
    assert_int_equal(nh_tx_count(n, 0), 0);
    assert_int_equal(st->link.arp.count, 0);
    nh_net_free(n);
}

static void test_broadcast_next_hop_without_arp(void **state)
{
    (void)state;
    struct ust_stack *st;
    struct nh_net *n = setup(NULL, &st);
    nh_tx_clear(n, 0);
    /* Multicast needs a route, as on Linux. */
    assert_int_equal(ust_route_add(st, UST_IP4(224, 0, 0, 0), 4, 0, 0), 0);
    const ust_ip4_t dsts[3] = {UST_IP4(203, 0, 113, 255), 0xffffffffu, UST_IP4(224, 0, 0, 251)};
    for (int i = 0; i < 3; i++) {
        struct pkt *p = pkt_alloc(PKT_HEADROOM, 8);
        memset(p->data, 0, 8);
        struct ipv4_out o = {.dst = dsts[i], .proto = IPV4_PROTO_UDP, .ttl = 1};
        assert_int_equal(ipv4_output(st, &o, p), 0);
    }
    assert_int_equal(nh_tx_count(n, 0), 3);
    assert_memory_equal(nh_tx(n, 0, 0)->data, BCAST, 6);
    assert_memory_equal(nh_tx(n, 0, 1)->data, BCAST, 6);
    /* RFC 1112 6.4 mapping for multicast. */
    assert_memory_equal(nh_tx(n, 0, 2)->data, "\x01\x00\x5e\x00\x00\xfb", 6);
    assert_int_equal(ust_stack_stats(st)->arp.out_requests, 0);
    assert_int_equal(st->link.arp.count, 0);
    size_t len;
    const uint8_t *ip = nh_tx_ipv4(n, 0, 1, &len);
    struct ipv4_hdr h;
    assert_int_equal(ipv4_parse(ip, len, true, &h), 0);
    assert_int_equal(h.src, A1);
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gratuitous_on_iface_add),
        cmocka_unit_test(test_request_gets_reply),
        cmocka_unit_test(test_request_copies),
        cmocka_unit_test(test_queue_while_resolving_then_flush_in_order),
        cmocka_unit_test(test_retries_rate_limit_and_give_up),
        cmocka_unit_test(test_unsolicited_reply_does_not_poison),
        cmocka_unit_test(test_merge_updates_existing_entry),
        cmocka_unit_test(test_entry_ageing),
        cmocka_unit_test(test_stale_refreshed_by_reply),
        cmocka_unit_test(test_cache_bound_evicts_oldest_stale),
        cmocka_unit_test(test_cache_full_evicts_incomplete_first),
        cmocka_unit_test(test_flush_and_dump),
        cmocka_unit_test(test_ethernet_filtering),
        cmocka_unit_test(test_arp_malformed_and_conflict),
        cmocka_unit_test(test_broadcast_next_hop_without_arp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* A SYN flood on the simulated network (RFC 4987). Three stacks on one
 * switch: a server listening on port 80, a client, and an attacker whose
 * NIC the test drives directly: every simulated millisecond it emits
 * crafted Ethernet/IPv4/TCP SYNs from random spoofed 198.51.100.0/24
 * sources and ports (5000 a second). The server's route to that network
 * goes through the attacker's address, so the SYN,ACKs have a neighbour
 * to go to (and die there: the attacker does not forward). A variant
 * spoofs sources on the server's own subnet, which nobody answers ARP
 * for, more of them than the server's ARP cache holds.
 *
 * While the flood goes on, the client connects and sends a pattern stream
 * that must arrive byte for byte; after the flood, a second connection
 * must work at once. Every millisecond the server's half-open connections
 * are counted through ust_netstat: they must never exceed the SYN queue's
 * bound. With cookies on (the default, mode 1) the SYN,ACKs beyond the
 * queue are cookies and the client's connection is one of them; with
 * cookies off (mode 0) the queue evicts its oldest entries instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf/pkt.h"
#include "dev/dev_impl.h"
#include "ustack/ustack.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "../harness/sin.h"
#include "../harness/stream.h"

#define SERVER_ADDR UST_IP4(203, 0, 113, 1)
#define CLIENT_ADDR UST_IP4(203, 0, 113, 2)
#define ATTACKER_ADDR UST_IP4(203, 0, 113, 66)
#define SPOOF_NET UST_IP4(198, 51, 100, 0)
#define PORT 80
#define BACKLOG 16          /* SYN queue min(16, tcp_max_syn_backlog) */
#define SYNS_PER_MS 5
#define TOTAL (512u << 10)
/* The on-link variant: spoofed sources 203.0.113.100-253, more than the
 * server's ARP cache holds, none of which answers ARP. */
#define ONLINK_SPOOF_FIRST UST_IP4(203, 0, 113, 100)
#define ONLINK_SPOOF_COUNT 154u
#define ONLINK_ARP_ENTRIES 64

struct net {
    bool onlink;        /* spoofed sources on the server's own subnet */
    struct ust_sim *sim;
    struct ust_stack *server, *client, *attacker;
    struct ust_dev *atk_dev;
    struct ust_mac server_mac;
    uint64_t rng;
    uint64_t syns_sent;
    unsigned max_half_open, max_tcp;
};

static uint32_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 16);
}

static struct ust_stack *stack_new(uint64_t seed, unsigned cookies, unsigned arp_entries)
{
    struct ust_config c;
    ust_config_default(&c);
    c.seed = seed;
    c.tcp_syncookies = cookies;
    if (arp_entries)
        c.arp_max_entries = arp_entries;
    struct ust_stack *st = ust_stack_new(&c);
    assert_non_null(st);
    return st;
}

static void net_up(struct net *n, uint64_t seed, unsigned cookies, bool onlink)
{
    memset(n, 0, sizeof(*n));
    n->onlink = onlink;
    n->rng = seed * 0x9e3779b97f4a7c15ull + 1;
    n->sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->server = stack_new(seed * 3 + 1, cookies, onlink ? ONLINK_ARP_ENTRIES : 0);
    n->client = stack_new(seed * 3 + 2, cookies, 0);
    n->attacker = stack_new(seed * 3 + 3, cookies, 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->server), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->client), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->attacker), 0);
    struct ust_dev *ds = ust_sim_attach(sw, n->server, "eth0", NULL, 1500);
    struct ust_dev *dc = ust_sim_attach(sw, n->client, "eth0", NULL, 1500);
    n->atk_dev = ust_sim_attach(sw, n->attacker, "eth0", NULL, 1500);
    int sif = ust_iface_add(n->server, ds, SERVER_ADDR, 24);
    assert_true(sif >= 0);
    assert_true(ust_iface_add(n->client, dc, CLIENT_ADDR, 24) >= 0);
    assert_true(ust_iface_add(n->attacker, n->atk_dev, ATTACKER_ADDR, 24) >= 0);
    assert_int_equal(ust_route_add(n->server, SPOOF_NET, 24, ATTACKER_ADDR, sif), 0);
    n->server_mac = *ust_dev_mac(ds);
    struct ust_sim_faults f = {.delay = 200 * UST_USEC, .rate_bps = 100000000};
    assert_int_equal(ust_sim_set_faults(ds, UST_SIM_TX, &f), 0);
    assert_int_equal(ust_sim_set_faults(dc, UST_SIM_TX, &f), 0);
    assert_int_equal(ust_sim_set_faults(n->atk_dev, UST_SIM_TX, &f), 0);
}

static void net_down(struct net *n)
{
    ust_sim_free(n->sim);
    ust_stack_free(n->server);
    ust_stack_free(n->client);
    ust_stack_free(n->attacker);
}

/* One spoofed SYN, built byte by byte and handed to the attacker's NIC. */
static void send_spoofed_syn(struct net *n)
{
    uint32_t r = xorshift(&n->rng);
    ust_ip4_t src = n->onlink ? ONLINK_SPOOF_FIRST + r % ONLINK_SPOOF_COUNT
                              : SPOOF_NET | (1 + r % 254);
    struct tcp_hdr th = {.sport = (uint16_t)(1024 + (r >> 8) % 60000), .dport = PORT,
                         .seq = xorshift(&n->rng), .flags = TCP_SYN, .wnd = 64240};
    th.opts.has_mss = true;
    th.opts.mss = 1460;
    if (r & 1) { /* half of them as Linux sends them: with timestamps */
        th.opts.sack_permitted = th.opts.has_wscale = th.opts.has_timestamp = true;
        th.opts.wscale = 7;
        th.opts.ts_val = xorshift(&n->rng);
    }
    size_t tl = TCP_HDR_LEN + tcp_opts_len(&th.opts);
    size_t len = ETH_HDR_LEN + IPV4_HDR_LEN + tl;
    struct pkt *p = pkt_alloc(0, len);
    assert_non_null(p);
    uint8_t *b = p->data;
    struct eth_hdr eh = {.type = ETH_TYPE_IPV4};
    memcpy(eh.dst, n->server_mac.b, ETH_ALEN);
    memcpy(eh.src, ust_dev_mac(n->atk_dev)->b, ETH_ALEN);
    assert_int_equal(eth_emit(&eh, b, len), ETH_HDR_LEN);
    struct ipv4_hdr ih = {.hdr_len = IPV4_HDR_LEN, .total_len = (uint16_t)(IPV4_HDR_LEN + tl),
                          .id = (uint16_t)r, .df = true, .ttl = 64, .proto = IPV4_PROTO_TCP,
                          .src = src, .dst = SERVER_ADDR};
    assert_int_equal(ipv4_emit(&ih, b + ETH_HDR_LEN, len - ETH_HDR_LEN), IPV4_HDR_LEN);
    assert_true(tcp_emit(&th, src, SERVER_ADDR, b + ETH_HDR_LEN + IPV4_HDR_LEN, tl, 0) > 0);
    dev_transmit(n->atk_dev, ust_sim_now(n->sim), p);
    n->syns_sent++;
}

struct census {
    unsigned half_open, tcp;
};

static void count_entry(void *ctx, const struct ust_sock_entry *e)
{
    struct census *c = ctx;
    if (e->proto != IPPROTO_TCP)
        return;
    c->tcp++;
    if (e->state == UST_TCP_SYN_RECEIVED && e->lport == PORT)
        c->half_open++;
}

/* One millisecond: the flood's SYNs (if on), then the simulation. */
static void tick(struct net *n, bool flood)
{
    for (unsigned i = 0; flood && i < SYNS_PER_MS; i++)
        send_spoofed_syn(n);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 1 * UST_MSEC);
    struct census c = {0};
    assert_true(ust_netstat(n->server, count_entry, &c) >= 0);
    if (c.half_open > n->max_half_open)
        n->max_half_open = c.half_open;
    if (c.tcp > n->max_tcp)
        n->max_tcp = c.tcp;
}

/* The client connects to the server's listener and sends TOTAL pattern
 * bytes, while the flood goes on if `flood`; fails unless they all arrive
 * within 60 s of virtual time. */
static void transfer(struct net *n, int lfd, bool flood)
{
    struct ust_stack *a = n->client, *b = n->server;
    int c = ust_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), s = -1;
    struct sockaddr_in to = sin_of(SERVER_ADDR, PORT);
    assert_int_equal(ust_connect(a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    size_t sent = 0, got = 0;
    bool closed = false, eof = false;
    ust_time_t deadline = ust_sim_now(n->sim) + 60 * UST_SEC;
    while (!eof && ust_sim_now(n->sim) < deadline) {
        tick(n, flood);
        if (s < 0 && (s = ust_accept(b, lfd, NULL, NULL)) >= 0)
            assert_int_equal(ust_set_nonblock(b, s, 1), 0);
        if (stream_send(a, c, &sent, TOTAL) && !closed) {
            assert_int_equal(ust_shutdown(a, c, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(b, s, &got);
    }
    if (!eof)
        fail_msg("%zu of %u bytes by the deadline (flood %d)", got, TOTAL, flood);
    assert_int_equal(got, TOTAL);
    ust_close(a, c);
    ust_close(b, s);
}

static void flood_run(uint64_t seed, unsigned cookies, bool onlink)
{
    struct net n;
    net_up(&n, seed, cookies, onlink);
    int l = ust_socket(n.server, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in any = sin_of(0, PORT);
    assert_int_equal(ust_bind(n.server, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(n.server, l, BACKLOG), 0);
    for (unsigned ms = 0; ms < 1000; ms++) /* the flood is on before the client comes */
        tick(&n, true);
    transfer(&n, l, true);
    for (unsigned ms = 0; ms < 1000; ms++)
        tick(&n, true);
    transfer(&n, l, false); /* right after the flood */
    const struct ust_tcp_stats *t = &ust_stack_stats(n.server)->tcp;
    const struct ust_arp_stats *arp = &ust_stack_stats(n.server)->arp;
    print_message("seed %llu cookies %u%s: %llu spoofed SYNs, half-open max %u, TCBs max %u, "
                  "cookies sent %llu recv %llu, evictions %llu, ARP evictions %llu\n",
                  (unsigned long long)seed, cookies, onlink ? " on-link" : "",
                  (unsigned long long)n.syns_sent,
                  n.max_half_open, n.max_tcp, (unsigned long long)t->SyncookiesSent,
                  (unsigned long long)t->SyncookiesRecv, (unsigned long long)t->SynQueueEvictions,
                  (unsigned long long)arp->entries_evicted);
    if (onlink) /* the SYN,ACKs to the spoofed sources overflowed the ARP cache */
        assert_true(arp->entries_evicted > 0);
    assert_true(n.syns_sent >= 10000);
    /* the SYN queue, and with it the stack's memory, stayed bounded */
    assert_true(n.max_half_open <= BACKLOG);
    assert_true(n.max_tcp <= BACKLOG + 8);
    if (cookies) {
        assert_true(t->SyncookiesSent > 0);
        assert_true(t->ReqQFullDoCookies > 0);
        assert_true(t->SyncookiesRecv >= 1); /* the client's connection during the flood */
        assert_int_equal(t->SynQueueEvictions, 0);
    } else {
        assert_int_equal(t->SyncookiesSent, 0);
        assert_true(t->SynQueueEvictions > 0);
    }
    ust_close(n.server, l);
    net_down(&n);
}

static void test_flood_with_cookies(void **state)
{
    (void)state;
    flood_run(1, 1, false);
    flood_run(2, 1, false);
}

static void test_flood_cookies_off_evicts(void **state)
{
    (void)state;
    flood_run(3, 0, false);
}

/* Spoofed sources on the server's own subnet: the SYN,ACKs to them wait
 * for ARP replies that never come, from more addresses than the ARP cache
 * holds; the client, a neighbour that answers, must keep its entry. */
static void test_flood_from_onlink_sources(void **state)
{
    (void)state;
    flood_run(4, 1, true);
    flood_run(5, 0, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_with_cookies),
        cmocka_unit_test(test_flood_cookies_off_evicts),
        cmocka_unit_test(test_flood_from_onlink_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

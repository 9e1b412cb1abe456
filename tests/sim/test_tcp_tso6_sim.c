/* TCP segmentation offload over IPv6, end to end in the simulator: A's
 * simulated NIC declares TSO (ust_sim_set_tso: TSO4 and TSO6), so TCP over
 * IPv6 hands it PKT_GSO_TCPV6 super-packets that the NIC cuts with the
 * software segmenter (dev_gso.c, IPv6 payload length per segment); with a
 * fault injector attached the device layer cuts them before it. Every
 * byte arrives (stream_recv checks each), no frame is over the cable's
 * MTU, and the wire carries as many segments as with TSO off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../harness/stream.h"
#include "ustack/ustack.h"

#define PORT 8080
#define TOTAL (2u << 20)

struct run {
    struct ust_tcp_stats a_tcp;
    struct ust_link_stats a_link;
    struct ust_sim_link_stats cable;
};

static struct sockaddr_in6 sin6_of(const char *text, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

static void up(struct stream_pair *p)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_accept_ra = false;  /* no router: the simulation goes idle */
    cfg.ipv6_dad_transmits = 0; /* the addresses are usable at once */
    struct ust_sim_faults f = {.delay = UST_MSEC, .rate_bps = 1000000000ull, .mtu = 1500};
    stream_pair_up(p, 11, &cfg, UST_IP4(203, 0, 113, 1), UST_IP4(203, 0, 113, 2), &f, &f);
    uint8_t a[16], b[16];
    assert_int_equal(ust_ip6_parse("2001:db8::1", a), 0);
    assert_int_equal(ust_ip6_parse("2001:db8::2", b), 0);
    assert_int_equal(ust_iface_add_addr6(p->a, 0, a, 64), 0);
    assert_int_equal(ust_iface_add_addr6(p->b, 0, b, 64), 0);
    ust_sim_run_until(p->sim, ust_sim_now(p->sim) + 100 * UST_MSEC);
}

/* A sends TOTAL bytes over IPv6 to B and half-closes; B reads to EOF. */
static void transfer6(struct run *r, bool tso, bool layer)
{
    struct stream_pair p;
    up(&p);
    if (tso)
        assert_int_equal(ust_sim_set_tso(p.da, true), 0);
    struct ust_dev_faults none = {0}; /* an injector that does nothing: a layer */
    if (layer)
        assert_int_equal(ust_dev_faults_set(p.da, UST_DEV_TX, &none), 0);
    int l = ust_socket(p.b, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 any = sin6_of("::", PORT), to = sin6_of("2001:db8::2", PORT);
    assert_int_equal(ust_bind(p.b, l, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(ust_listen(p.b, l, 8), 0);
    int c = ust_socket(p.a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(ust_connect(p.a, c, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    size_t sent = 0, got = 0;
    int s = -1;
    bool closed = false, eof = false;
    ust_time_t deadline = ust_sim_now(p.sim) + 600 * UST_SEC;
    while (!eof && ust_sim_now(p.sim) < deadline) {
        ust_sim_run_until(p.sim, ust_sim_now(p.sim) + UST_MSEC);
        if (s < 0 && (s = ust_accept(p.b, l, NULL, NULL)) >= 0)
            assert_int_equal(ust_set_nonblock(p.b, s, 1), 0);
        if (stream_send(p.a, c, &sent, TOTAL) && !closed) {
            assert_int_equal(ust_shutdown(p.a, c, SHUT_WR), 0);
            closed = true;
        }
        if (s >= 0)
            eof = stream_recv(p.b, s, &got);
    }
    assert_true(eof);
    assert_int_equal(got, TOTAL);
    r->a_tcp = ust_stack_stats(p.a)->tcp;
    r->a_link = ust_stack_stats(p.a)->link;
    assert_int_equal(ust_sim_get_link_stats(p.da, UST_SIM_TX, &r->cable), 0);
    ust_close(p.a, c);
    ust_close(p.b, s);
    ust_close(p.b, l);
    stream_pair_free(&p);
}

static void test_tso6_transfer_through_the_nic(void **state)
{
    (void)state;
    struct run off, on;
    transfer6(&off, false, false);
    transfer6(&on, true, false);
    assert_int_equal(off.a_tcp.OutTsoPackets, 0);
    assert_true(on.a_tcp.OutTsoPackets > 0);
    assert_int_equal(on.a_link.tx_gso_offloaded, on.a_tcp.OutTsoPackets); /* the NIC cut them */
    assert_int_equal(on.a_link.tx_gso_sw, 0);
    assert_int_equal(on.cable.mtu_drops, 0);
    assert_int_equal(on.cable.frames, off.cable.frames);
    assert_int_equal(on.a_tcp.OutSegs, off.a_tcp.OutSegs);
}

static void test_tso6_cut_before_a_layer(void **state)
{
    (void)state;
    struct run r;
    transfer6(&r, true, true);
    assert_true(r.a_tcp.OutTsoPackets > 0);
    assert_int_equal(r.a_link.tx_gso_sw, r.a_tcp.OutTsoPackets); /* in software, before it */
    assert_int_equal(r.a_link.tx_gso_offloaded, 0);
    assert_int_equal(r.cable.mtu_drops, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tso6_transfer_through_the_nic),
        cmocka_unit_test(test_tso6_cut_before_a_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* IP options on TCP connections (RFC 9293 3.9.2.1: MUST-51, MUST-52,
 * MUST-53): a source route given by the application on active open, the
 * return route of a source-routed SYN on passive open, and source-routed
 * SYNs dropped while source routes are off (the default). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness/tcp_harness.h"
#include "buf/pkt.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "transport/tcp/tcp.h"
#include "ustack/loop.h"
#include "ustack/sim.h"
#include "wire/ipv4.h"

#define MS UST_MSEC
#define L UST_IP4(203, 0, 113, 1)
#define RM UST_IP4(203, 0, 113, 2)

static uint8_t data[4096];

/* What TCP handed to IP: the segment's flags, the IP destination it named
 * and the IP options it asked for (tcp tx hook; the segment is consumed). */
struct ipopt_log {
    unsigned n;
    struct {
        uint8_t flags;
        uint32_t seq, ack;
        uint16_t mss; /* MSS option, 0 if absent */
        size_t len;
        ust_ip4_t dst;
        uint8_t opts[40];
        uint8_t opt_len;
    } seg[8];
};

static int ipopt_hook(void *ctx, const struct ipv4_out *o, struct pkt *p)
{
    struct ipopt_log *log = ctx;
    struct tcp_hdr t;
    assert_int_equal(tcp_parse(p->data, p->len, o->src, o->dst, true, &t), WIRE_OK);
    assert_true(log->n < 8);
    log->seg[log->n].flags = t.flags;
    log->seg[log->n].seq = t.seq;
    log->seg[log->n].ack = t.ack;
    log->seg[log->n].mss = t.opts.has_mss ? t.opts.mss : 0;
    log->seg[log->n].len = p->len - (size_t)t.hdr_len;
    log->seg[log->n].dst = o->dst;
    log->seg[log->n].opt_len = o->opt_len;
    if (o->opt_len)
        memcpy(log->seg[log->n].opts, o->opts, o->opt_len);
    log->n++;
    pkt_free(p);
    return 0;
}

#define GW UST_IP4(203, 0, 113, 9)

/* MUST-51 (3.9.2.1): IP_OPTIONS (here a loose source route via GW) on a
 * TCP socket before connect: the options go with every segment of the
 * connection (SYN, ACK, data) and the effective send MSS leaves room for
 * them (3.7.1 MUST-16: 1460 - 8 octets). */
static void test_ip_options_active_open(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ipopt_log log = {0};
    h->st->tcp->tx_hook = ipopt_hook;
    h->st->tcp->tx_hook_ctx = &log;
    struct ust_sock *s = th_socket(h);
    const uint8_t lsrr[] = {1, IPV4_OPT_LSRR, 7, 4, 203, 0, 113, 9};
    assert_int_equal(tcp_sock_ops.setsockopt(s, IPPROTO_IP, IP_OPTIONS, lsrr, sizeof(lsrr)),
                     UST_OK);
    uint8_t back[40];
    size_t blen = sizeof(back);
    assert_int_equal(tcp_sock_ops.getsockopt(s, IPPROTO_IP, IP_OPTIONS, back, &blen), UST_OK);
    assert_int_equal(blen, 8);
    struct sock_addr la = {.addr = ust_addr_from_ip4(TH_LOCAL), .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = ust_addr_from_ip4(TH_PEER), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.connect(s, &ra), UST_ERR_INPROGRESS);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.seg[0].flags, S);
    uint32_t iss = log.seg[0].seq;
    struct tcp_opts o = {.has_mss = true, .mss = 1460};
    seg_in_opts(h, S | A, PEER_ISS, iss + 1, 65535, &o, 0, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.send(s, data, 3000, 0, NULL), 3000);
    assert_true(log.n >= 3);
    for (unsigned k = 0; k < log.n; k++) {
        assert_int_equal(log.seg[k].dst, TH_PEER); /* IP routes it via GW */
        assert_int_equal(log.seg[k].opt_len, 8);
        assert_memory_equal(log.seg[k].opts, back, 8);
    }
    assert_int_equal(log.seg[1].flags, A);
    assert_int_equal(log.seg[2].len, 1460 - 8); /* MUST-16 with IP options */
    assert_int_equal(th_info(s).snd_mss, 1460 - 8);
    h->allow_unchecked = true;
    th_free(h);
}

/* A segment of the peer from TH_PEER:40000 to TH_LOCAL:80 over a completed
 * loose source route via GW (as GW forwarded it: the route records GW). */
static void seg_in_via_gw(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack)
{
    uint8_t d[IPV4_HDR_LEN + 8 + TCP_HDR_LEN + 4];
    const uint8_t rr[8] = {IPV4_OPT_LSRR, 7, 8, 203, 0, 113, 9, 0};
    struct tcp_hdr t = {.sport = TH_LPORT, .dport = TH_RPORT, .seq = seq, .ack = ack,
                        .flags = flags, .wnd = 65535};
    t.opts.has_mss = true;
    t.opts.mss = 1460;
    size_t tl = TCP_HDR_LEN + 4;
    uint8_t *tcp = d + IPV4_HDR_LEN + 8;
    assert_true(tcp_emit(&t, TH_PEER, TH_LOCAL, tcp, tl, 0) >= 0);
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN + 8, .total_len = sizeof(d), .ttl = 64,
                          .proto = IPV4_PROTO_TCP, .src = TH_PEER, .dst = TH_LOCAL,
                          .opt_len = 8};
    memcpy(d + IPV4_HDR_LEN, rr, 8); /* ipv4_emit writes the fixed header (and its checksum) */
    assert_int_equal(ipv4_emit(&ip, d, sizeof(d)), IPV4_HDR_LEN + 8);
    ust_dev_input(h->dev, h->now, d, sizeof(d));
}

/* MUST-53 (3.9.2.1): a passive OPEN whose SYN arrived over a source
 * route answers over the reversed route (SYN,ACK and later segments);
 * MUST-52: a listener with its own IP options uses those instead. The
 * same with a SYN cookie (cfg.tcp_syncookies 2): the cookie SYN,ACK
 * carries them, and the connection takes them from the peer's ACK, which
 * comes along the same route (a cookie keeps no state, as Linux). All
 * need received source routes accepted (cfg.ip_accept_source_route). */
static void test_ip_options_passive_open(void **state)
{
    (void)state;
    for (int mode = 0; mode < 4; mode++) {
        int own = mode & 1, cookie = mode >> 1;
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.tcp_syncookies = cookie ? 2 : 1;
        cfg.ip_accept_source_route = true;
        struct th *h = th_new(&cfg);
        struct ipopt_log log = {0};
        h->st->tcp->tx_hook = ipopt_hook;
        h->st->tcp->tx_hook_ctx = &log;
        struct ust_sock *l = th_socket(h);
        const uint8_t mine[] = {1, IPV4_OPT_LSRR, 7, 4, 203, 0, 113, 7};
        if (own)
            assert_int_equal(tcp_sock_ops.setsockopt(l, IPPROTO_IP, IP_OPTIONS, mine,
                                                     sizeof(mine)), UST_OK);
        struct sock_addr la = {.addr = ust_addr_from_ip4(0), .port = TH_RPORT};
        assert_int_equal(tcp_sock_ops.bind(l, &la), UST_OK);
        assert_int_equal(tcp_sock_ops.listen(l, 8), UST_OK);
        seg_in_via_gw(h, S, PEER_ISS, 0);
        assert_int_equal(log.n, 1);
        assert_int_equal(log.seg[0].flags, S | A);
        assert_int_equal(log.seg[0].dst, TH_PEER);
        if (own) {
            assert_int_equal(log.seg[0].opt_len, 8);
            assert_memory_equal(log.seg[0].opts, mine, 8);
        } else {
            /* the return route: loose source route via GW */
            assert_true(log.seg[0].opt_len >= 7);
            int off = ipv4_srr_find(log.seg[0].opts, log.seg[0].opt_len);
            assert_true(off >= 0);
            assert_int_equal(log.seg[0].opts[off], IPV4_OPT_LSRR);
            assert_int_equal(log.seg[0].opts[off + 1], 7);
            assert_int_equal(ipv4_first_hop(log.seg[0].opts, log.seg[0].opt_len, TH_PEER), GW);
        }
        h->lport = TH_RPORT;
        h->rport = TH_LPORT;
        if (cookie)
            seg_in_via_gw(h, A, PEER_ISS + 1, log.seg[0].seq + 1);
        else
            seg_in(h, A, PEER_ISS + 1, log.seg[0].seq + 1, 65535, NULL, 0);
        assert_int_equal(h->st->stats.tcp.SyncookiesRecv, cookie ? 1 : 0);
        struct ust_sock *c = th_socket(h);
        struct sock_addr peer;
        assert_int_equal(tcp_sock_ops.accept(l, c, &peer), UST_OK);
        assert_int_equal(tcp_sock_ops.send(c, "x", 1, 0, NULL), 1);
        assert_int_equal(log.n, 2);
        assert_int_equal(log.seg[1].opt_len, log.seg[0].opt_len); /* every segment */
        assert_memory_equal(log.seg[1].opts, log.seg[0].opts, log.seg[0].opt_len);
        h->allow_unchecked = true;
        th_free(h);
    }
}

/* With cfg.ip_accept_source_route off (the default, RFC 7126 4.3), the
 * same source-routed SYN is dropped by IP before TCP sees it: no SYN,ACK
 * (so no return route is ever built), no connection, InSrcRtDrops. */
static void test_source_routed_syn_dropped_by_default(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ipopt_log log = {0};
    h->st->tcp->tx_hook = ipopt_hook;
    h->st->tcp->tx_hook_ctx = &log;
    struct ust_sock *l = th_socket(h);
    struct sock_addr la = {.addr = ust_addr_from_ip4(0), .port = TH_RPORT};
    assert_int_equal(tcp_sock_ops.bind(l, &la), UST_OK);
    assert_int_equal(tcp_sock_ops.listen(l, 8), UST_OK);
    seg_in_via_gw(h, S, PEER_ISS, 0);
    assert_int_equal(log.n, 0);
    assert_int_equal(h->st->stats.ip.InSrcRtDrops, 1);
    assert_int_equal(h->st->stats.tcp.InSegs, 0);
    assert_int_equal(h->st->stats.tcp.PassiveOpens, 0);
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_options_active_open),
        cmocka_unit_test(test_ip_options_passive_open),
        cmocka_unit_test(test_source_routed_syn_dropped_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

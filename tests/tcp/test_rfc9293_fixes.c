/* RFC 9293 requirement tests (docs/conformance.md, "RFC 9293 (TCP)") for
 * rows that were open: unpredictable ISN keys (MUST-9), the R1 threshold
 * (MUST-20, MUST-22, SHLD-9, SHLD-10), sending urgent data (MUST-30),
 * urgent notification (MUST-32) and the window right edge under window
 * scaling (SHLD-14). Each test names the requirement IDs it proves and
 * the section of the RFC where they are stated. */
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

/* MUST-9 (3.4.1): with the default seed, two stacks under the real event
 * loop still get different ISN keys (the loop installs a kernel-random
 * key), while two simulated stacks with the same seed stay identical
 * (reproducible runs). A key the application set is kept by the loop. */
static void test_isn_key_random_under_real_loop(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    struct ust_stack *a = ust_stack_new(&c), *b = ust_stack_new(&c);
    uint32_t a0 = tcp_isn(a, L, 40000, RM, 80, UST_SEC);
    assert_int_equal(tcp_isn(b, L, 40000, RM, 80, UST_SEC), a0); /* same seed */
    struct ust_loop *la = ust_loop_new(a), *lb = ust_loop_new(b);
    assert_non_null(la);
    assert_non_null(lb);
    assert_true(ust_stack_has_secret(a));
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC),
                         tcp_isn(b, L, 40000, RM, 80, UST_SEC));
    ust_loop_free(la);
    ust_loop_free(lb);
    ust_stack_free(a);
    ust_stack_free(b);

    /* an application key survives ust_loop_new, and equal keys give equal ISNs */
    a = ust_stack_new(&c);
    b = ust_stack_new(&c);
    assert_int_equal(ust_stack_set_secret(a, "k", 1), UST_OK);
    assert_int_equal(ust_stack_set_secret(b, "k", 1), UST_OK);
    assert_int_equal(ust_stack_set_secret(b, NULL, 1), UST_ERR_INVAL);
    la = ust_loop_new(a);
    assert_non_null(la);
    assert_int_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), tcp_isn(b, L, 40000, RM, 80, UST_SEC));
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    ust_loop_free(la);
    ust_stack_free(a);
    ust_stack_free(b);

    /* the simulator keeps the deterministic, seeded key */
    struct ust_sim *sim = ust_sim_new(7);
    a = ust_stack_new(&c);
    b = ust_stack_new(&c);
    assert_int_equal(ust_sim_add_stack(sim, a), UST_OK);
    assert_int_equal(ust_sim_add_stack(sim, b), UST_OK);
    assert_false(ust_stack_has_secret(a));
    assert_int_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    assert_int_equal(tcp_isn(b, L, 40000, RM, 80, UST_SEC), a0);
    ust_sim_free(sim);
    ust_stack_free(a);
    ust_stack_free(b);
}

/* MUST-9: installing a key while connections exist re-keys the
 * connection hash; the established connection still gets its segments. */
static void test_secret_rekeys_connection_table(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    assert_int_equal(ust_stack_set_secret(h->st, "another key", 11), UST_OK);
    h->st->tcp->last = NULL; /* found through the re-keyed table, not the lookup cache */
    seg_in(h, A | P, PEER_ISS + 1, h->iss + 1, 65535, "hi", 2);
    assert_int_equal(th_info(s).bytes_received, 2);
    h->allow_unchecked = true;
    th_free(h);
}

/* Counts the TCP trace lines that report delivery advice given to IP. */
struct advice_log {
    unsigned negative, positive;
};

static void advice_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)now;
    struct advice_log *log = ctx;
    if (strcmp(layer, "tcp") != 0)
        return;
    if (strstr(msg, "negative advice to IP"))
        log->negative++;
    if (strstr(msg, "positive advice to IP"))
        log->positive++;
}

static uint8_t data[4096];

/* MUST-20, SHLD-9, SHLD-10 (3.8.3): at R1 (cfg.tcp_retries1 timeouts, 3
 * by default) TCP gives IP negative advice and the application sees a
 * soft error (SO_ERROR: ETIMEDOUT) while the connection stays open; a new
 * ACK gives positive advice; R2 still closes the connection later. */
static void test_r1_advice_and_soft_error(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    assert_int_equal(c.tcp_retries1, 3); /* SHLD-10: at least 3 retransmissions */
    c.tcp_retries1 = 2;
    struct th *h = th_new(&c);
    struct advice_log log = {0};
    ust_stack_set_trace(h->st, advice_trace, &log);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(log.positive, 1); /* the handshake's ACK */
    assert_int_equal(tcp_sock_ops.send(s, data, 100, 0, NULL), 100);
    seg_expect(h, A | P, i, p);
    th_advance(h, 300 * MS);
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 0);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    th_advance(h, 600 * MS); /* second timeout: R1 */
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT); /* SHLD-9 */
    assert_int_equal(tcp_sock_ops.take_error(s), 0);                /* read once */
    th_advance(h, 1200 * MS); /* third timeout: no second warning */
    seg_expect(h, A | P, i, p);
    assert_int_equal(log.negative, 1);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    seg_in(h, A, p, i + 100, 65535, NULL, 0); /* delivery works again: at once */
    assert_int_equal(log.positive, 2);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i + 100, p);
    seg_in(h, A, p, i + 110, 65535, NULL, 0);
    assert_int_equal(log.positive, 2); /* otherwise at most one a second */
    seg_expect_nothing(h);
    th_free(h);
}

/* MUST-22 (3.8.3): the same R1 for SYN retransmissions: negative advice
 * and a soft error readable while the connect goes on; the SYN,ACK gives
 * positive advice and withdraws the warning. */
static void test_syn_r1_advice(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries1 = 2;
    struct th *h = th_new(&c);
    struct advice_log log = {0};
    ust_stack_set_trace(h->st, advice_trace, &log);
    struct ust_sock *s = th_connect(h);
    th_advance(h, 1 * UST_SEC);
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 0);
    th_advance(h, 2 * UST_SEC); /* second SYN timeout: R1 */
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 1);
    assert_int_equal(th_state(s), UST_TCP_SYN_SENT);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_TIMEDOUT);
    th_advance(h, 4 * UST_SEC); /* R1 again? no: once per episode */
    seg_expect(h, S, h->iss, 0);
    assert_int_equal(log.negative, 1);
    seg_in(h, S | A, PEER_ISS, h->iss + 1, 65535, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_int_equal(log.positive, 1);
    assert_int_equal(tcp_sock_ops.take_error(s), 0); /* connected: no stale warning */
    th_free(h);
}

/* MUST-30, MUST-62 (3.8.5, 3.10.2): send(MSG_OOB) sets SND.UP after the
 * data just queued; every segment with SEG.SEQ < SND.UP carries URG and
 * urp = SND.UP - SEG.SEQ (retransmissions too); once the urgent data is
 * acknowledged, segments go without URG. */
static void test_send_urgent_data(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    assert_int_equal(tcp_sock_ops.send(s, "abc", 3, MSG_OOB, NULL), 3);
    const struct th_seg *g = seg_expect(h, A | P | U, i, p);
    assert_int_equal(g->urp, 3);
    assert_int_equal(g->len, 3);
    assert_memory_equal(g->data, "abc", 3);
    th_advance(h, 300 * MS); /* the retransmission is urgent too */
    g = seg_expect(h, A | P | U, i, p);
    assert_int_equal(g->urp, 3);
    seg_in(h, A, p, i + 3, 65535, NULL, 0);
    assert_int_equal(tcp_sock_ops.send(s, "de", 2, 0, NULL), 2);
    g = seg_expect(h, A | P, i + 3, p);
    assert_int_equal(g->urp, 0);
    seg_in(h, A, p, i + 5, 65535, NULL, 0);
    /* urgent data over two segments: the pointer follows SEG.SEQ */
    assert_int_equal(tcp_sock_ops.send(s, data, 2000, MSG_OOB, NULL), 2000);
    g = seg_expect(h, A | U, i + 5, p);
    assert_int_equal(g->len, 1460);
    assert_int_equal(g->urp, 2000);
    seg_expect_nothing(h); /* Nagle holds the short rest */
    seg_in(h, A, p, i + 5 + 1460, 65535, NULL, 0);
    g = seg_expect(h, A | P | U, i + 5 + 1460, p);
    assert_int_equal(g->len, 540);
    assert_int_equal(g->urp, 540);
    seg_in(h, A, p, i + 2005, 65535, NULL, 0);
    seg_expect_nothing(h);
    th_free(h);
}

/* Reads everything the stack's event fd holds; true if it was signalled. */
static bool event_fd_drain(int fd)
{
    uint64_t v;
    bool any = false;
    while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        any = true;
    return any;
}

/* MUST-32 (3.8.5): a new or advanced urgent pointer is signalled at once
 * (the stack's readiness notification fires) and the socket polls
 * POLLPRI while urgent data lies beyond the read position. */
static void test_urgent_notification(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    int efd = ust_stack_event_fd(h->st);
    assert_true(efd >= 0);
    event_fd_drain(efd);
    assert_false(tcp_sock_ops.poll(s) & POLLPRI);
    seg_in_opts(h, A | U, p, i, 65535, NULL, 3, NULL, 0); /* pointer alone, no data */
    assert_true(event_fd_drain(efd));
    assert_true(tcp_sock_ops.poll(s) & POLLPRI);
    assert_false(tcp_sock_ops.poll(s) & POLLIN);
    seg_in_opts(h, A | U | P, p, i, 65535, NULL, 5, "abcdef", 6); /* advanced to 5 */
    assert_true(event_fd_drain(efd));
    assert_int_equal(th_info(s).urg_pending, 5);
    char b[8];
    assert_int_equal(tcp_sock_ops.recv(s, b, 4, 0, NULL), 4);
    assert_true(tcp_sock_ops.poll(s) & POLLPRI); /* one urgent byte left */
    /* the read steps over the out-of-band "e" (no SO_OOBINLINE) */
    assert_int_equal(tcp_sock_ops.recv(s, b, 8, 0, NULL), 1);
    assert_memory_equal(b, "f", 1);
    assert_false(tcp_sock_ops.poll(s) & POLLPRI);
    h->allow_unchecked = true;
    th_free(h);
}

/* SHLD-14 (3.8.6): with window scaling (shift 3 for the default 256 KiB
 * buffer) the window field is rounded to 8-octet units; after one
 * received octet the advertised right edge must not move left (rounding
 * down would move it 7 octets left). */
static void test_scaled_window_edge_never_moves_left(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = true;
    o.mss = 1460;
    o.has_wscale = true;
    o.wscale = 0;
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &o, 0, NULL, 0);
    const struct th_seg *g = seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    assert_int_equal(th_info(s).rcv_wscale, 3);
    uint32_t edge0 = g->ack + ((uint32_t)g->wnd << 3);
    assert_int_equal(edge0, PEER_ISS + 1 + 262144);
    seg_in(h, A | P, PEER_ISS + 1, h->iss + 1, 65535, "x", 1);
    th_advance(h, 200 * MS); /* the delayed ACK */
    g = seg_expect(h, A, h->iss + 1, PEER_ISS + 2);
    uint32_t edge1 = g->ack + ((uint32_t)g->wnd << 3);
    /* 262143 free octets: rounded down (32767 units) the edge would move
     * 7 octets left; rounded up (32768) it moves 1 octet right */
    assert_int_equal(g->wnd, 32768);
    assert_int_equal(edge1, edge0 + 1);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), 1);
    seg_in(h, A | P, PEER_ISS + 2, h->iss + 1, 65535, "yz", 2);
    th_advance(h, 200 * MS);
    g = seg_expect(h, A, h->iss + 1, PEER_ISS + 4);
    assert_true((int32_t)(g->ack + ((uint32_t)g->wnd << 3) - edge1) >= 0);
    h->allow_unchecked = true;
    th_free(h);
}

/* MUST-47 (3.9.1.8), SHLD-25 (3.9.2.2): ICMP soft errors and R1 are made
 * available to the application without closing the connection: always
 * through SO_ERROR; with IP_RECVERR asynchronously too (POLLERR, the
 * readiness notification, and the next recv/send returns the error once,
 * as Linux). */
static void test_soft_errors_reported(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    c.tcp_retries1 = 1;
    struct th *h = th_new(&c);
    struct ust_sock *s = th_open_active(h, 65535);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    int efd = ust_stack_event_fd(h->st);
    assert_int_equal(tcp_sock_ops.send(s, data, 10, 0, NULL), 10);
    seg_expect(h, A | P, i, p);
    /* default: kept for SO_ERROR, not signalled */
    icmp_in(h, 3, 1, 0, i); /* host unreachable */
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.take_error(s), UST_ERR_HOSTUNREACH);
    assert_int_equal(tcp_sock_ops.take_error(s), 0);
    /* IP_RECVERR: POLLERR and the notification, recv reports it once */
    assert_int_equal(th_setopt_int(s, IPPROTO_IP, IP_RECVERR, 1), UST_OK);
    event_fd_drain(efd);
    icmp_in(h, 3, 0, 0, i); /* net unreachable */
    assert_true(event_fd_drain(efd));
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    char b[4];
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_NETUNREACH);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.recv(s, b, sizeof(b), 0, NULL), UST_ERR_AGAIN);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    /* R1 (one timeout here) with IP_RECVERR: POLLERR, send reports it once */
    th_advance(h, 300 * MS);
    seg_expect(h, A | P, i, p);
    assert_true(tcp_sock_ops.poll(s) & POLLERR);
    assert_int_equal(tcp_sock_ops.send(s, data, 5, 0, NULL), UST_ERR_NETUNREACH);
    assert_int_equal(tcp_sock_ops.send(s, data, 5, 0, NULL), 5);
    assert_false(tcp_sock_ops.poll(s) & POLLERR);
    seg_in(h, A, p, i + 10, 65535, NULL, 0);
    seg_expect(h, A | P, i + 10, p);
    seg_in(h, A, p, i + 15, 65535, NULL, 0);
    assert_int_equal(th_state(s), UST_TCP_ESTABLISHED);
    th_free(h);
}

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
    struct sock_addr la = {.addr = TH_LOCAL, .port = TH_LPORT};
    assert_int_equal(tcp_sock_ops.bind(s, &la), UST_OK);
    struct sock_addr ra = {.addr = TH_PEER, .port = TH_RPORT};
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
        struct sock_addr la = {.addr = 0, .port = TH_RPORT};
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
    struct sock_addr la = {.addr = 0, .port = TH_RPORT};
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
        cmocka_unit_test(test_isn_key_random_under_real_loop),
        cmocka_unit_test(test_secret_rekeys_connection_table),
        cmocka_unit_test(test_r1_advice_and_soft_error),
        cmocka_unit_test(test_syn_r1_advice),
        cmocka_unit_test(test_send_urgent_data),
        cmocka_unit_test(test_urgent_notification),
        cmocka_unit_test(test_scaled_window_edge_never_moves_left),
        cmocka_unit_test(test_soft_errors_reported),
        cmocka_unit_test(test_ip_options_active_open),
        cmocka_unit_test(test_ip_options_passive_open),
        cmocka_unit_test(test_source_routed_syn_dropped_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

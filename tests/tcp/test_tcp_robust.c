/* Robustness: a seeded random peer throws segments (any flags, sequence
 * and acknowledgment numbers near and far from the windows, options,
 * payloads), ICMP errors, time jumps and application calls at a
 * connection, from both an active and a passive open. Under ASan/UBSan
 * nothing may crash or leak, buffers stay within their caps, and every
 * connection is gone once time has run out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "../harness/tcp_harness.h"
#include "core/rand.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

struct peer {
    uint32_t seq; /* what the stack expects from us next (its last ACK) */
    uint32_t ack; /* the stack's SND.NXT as seen on the wire */
};

static void learn(struct th *h, struct peer *p)
{
    while (th_pending(h)) {
        const struct th_seg *s = &h->q[h->qhead++];
        if (s->flags & TCP_ACK)
            p->seq = s->ack;
        uint32_t end = s->seq + (uint32_t)s->len + ((s->flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
        if (!(s->flags & TCP_RST))
            p->ack = end;
    }
}

static uint32_t near(struct ust_rng *r, uint32_t base)
{
    switch (rng_below(r, 6)) {
    case 0: return (uint32_t)rng_next(r);                   /* anywhere */
    case 1: return base + (uint32_t)rng_below(r, 140000) - 70000; /* around the window */
    case 2: return base - (uint32_t)rng_below(r, 3);
    default: return base + (uint32_t)rng_below(r, 3000);    /* in the window */
    }
}

static void check_invariants(struct ust_stack *st)
{
    for (struct tcb *t = st->tcp->all; t; t = t->all_next) {
        assert_true(ring_len(&t->snd.buf) <= t->snd.buf.cap);
        assert_true(ring_len(&t->rcv.buf) <= t->rcv.buf.cap);
        assert_true(t->rcv.ooo.n <= st->cfg.tcp_ofo_ranges);
        assert_true(t->state <= UST_TCP_TIME_WAIT);
        assert_true(t->opt.mss >= 48);
    }
}

static void random_segment(struct th *h, struct ust_rng *r, struct peer *p)
{
    static const uint8_t common[] = {TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_FIN, TCP_RST,
                                     TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK | TCP_URG};
    uint8_t flags = rng_below(r, 4) ? common[rng_below(r, sizeof(common))]
                                    : (uint8_t)rng_below(r, 256);
    uint8_t payload[1600];
    size_t len = rng_below(r, 3) ? 0 : (size_t)rng_below(r, sizeof(payload));
    rng_bytes(r, payload, len);
    struct tcp_opts o;
    memset(&o, 0, sizeof(o));
    if (rng_below(r, 4) == 0) {
        o.has_mss = true;
        o.mss = (uint16_t)rng_next(r);
        o.has_wscale = rng_below(r, 2);
        o.wscale = (uint8_t)rng_below(r, 20);
    }
    if (rng_below(r, 3) == 0) {
        o.has_timestamp = true;
        o.ts_val = rng_below(r, 4) ? 100000 + (uint32_t)rng_below(r, 1000) : (uint32_t)rng_next(r);
        o.ts_ecr = (uint32_t)rng_next(r);
    }
    if (rng_below(r, 3) == 0) {
        o.sack_permitted = rng_below(r, 2);
        o.num_sack = (uint8_t)rng_below(r, o.has_timestamp ? 4 : 5);
        for (unsigned k = 0; k < o.num_sack; k++) {
            o.sack[k].left = near(r, p->ack - 3000);
            o.sack[k].right = o.sack[k].left + (uint32_t)rng_below(r, 3000);
        }
    }
    uint16_t wnd = rng_below(r, 8) ? (uint16_t)rng_next(r) : 0;
    seg_in_opts(h, flags, near(r, p->seq), near(r, p->ack), wnd, &o,
                (uint16_t)rng_next(r), payload, len);
}

static void app_call(struct th *h, struct ust_rng *r, struct ust_sock **sp)
{
    struct ust_sock *s = *sp;
    if (!s)
        return;
    uint8_t buf[5000];
    switch (rng_below(r, 8)) {
    case 0: case 1: case 2:
        tcp_sock_ops.send(s, buf, (size_t)rng_below(r, sizeof(buf)), 0, NULL);
        break;
    case 3: case 4:
        tcp_sock_ops.recv(s, buf, (size_t)rng_below(r, sizeof(buf)), 0, NULL);
        break;
    case 5:
        tcp_sock_ops.shutdown(s, (int)rng_below(r, 3));
        break;
    case 6:
        th_setopt_int(s, IPPROTO_TCP, TCP_NODELAY, (int)rng_below(r, 2));
        th_setopt_int(s, SOL_SOCKET, SO_KEEPALIVE, (int)rng_below(r, 2));
        th_setopt_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 1 + (int)rng_below(r, 5));
        break;
    default:
        if (rng_below(r, 4) == 0) {
            th_close(h, s);
            *sp = NULL;
        }
        break;
    }
    if (*sp)
        tcp_sock_ops.poll(*sp);
}

static void run_seed(uint64_t seed)
{
    struct ust_config c;
    ust_config_default(&c);
    c.seed = seed;
    c.tcp_rcvbuf = 8192 << (seed % 4);
    c.tcp_sndbuf = 4096 << (seed % 3);
    c.tcp_window_scaling = seed % 5 != 0;
    c.tcp_timestamps = seed % 3 != 0;
    c.tcp_sack = seed % 7 != 0;
    struct th *h = th_new(&c);
    struct ust_rng r;
    rng_seed(&r, seed * 7919);
    struct ust_sock *listener = NULL;
    struct ust_sock *s = seed % 2 ? th_open_active(h, (uint16_t)rng_next(&r))
                                  : th_open_passive(h, &listener);
    struct peer p = {.seq = PEER_ISS + 1, .ack = h->iss + 1};
    for (int step = 0; step < 1500; step++) {
        unsigned what = (unsigned)rng_below(&r, 100);
        if (what < 60)
            random_segment(h, &r, &p);
        else if (what < 85)
            app_call(h, &r, &s);
        else if (what < 97)
            th_advance(h, rng_below(&r, 2 * UST_SEC));
        else
            icmp_in(h, 3, (uint8_t)rng_below(&r, 6), (uint16_t)rng_below(&r, 1600),
                    near(&r, p.ack));
        learn(h, &p);
        check_invariants(h->st);
    }
    if (s)
        th_close(h, s);
    if (listener)
        th_close(h, listener);
    for (int k = 0; k < 40; k++) { /* every timer runs out: nothing lingers */
        th_advance(h, 60 * UST_SEC);
        learn(h, &p);
    }
    assert_int_equal(h->st->tcp->ntcbs, 0);
    th_free(h);
}

static void test_random_peer(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 60; seed++)
        run_seed(seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

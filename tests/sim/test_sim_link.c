/* Simulated Ethernet: raw frames between stacks over a learning switch with
 * faults, observed through device counters and a pcap on the receiver. The
 * upper layers are not involved (link_input may do anything with a frame). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "sim/sim_impl.h"
#include "ustack/ustack.h"
#include "wire/wbuf.h"

#define MAXN 4
#define ETHERTYPE_TEST 0x88b5 /* IEEE 802 local experimental */

struct net {
    struct ust_sim *sim;
    struct ust_sim_switch *sw;
    struct ust_stack *st[MAXN];
    struct ust_dev *dev[MAXN];
    FILE *cap[MAXN];
    int n;
};

static void net_up(struct net *n, uint64_t seed, int count)
{
    memset(n, 0, sizeof(*n));
    n->n = count;
    n->sim = ust_sim_new(seed);
    n->sw = ust_sim_switch_new(n->sim, "sw0");
    assert_non_null(n->sw);
    for (int i = 0; i < count; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 1000 + (uint64_t)i;
        n->st[i] = ust_stack_new(&cfg);
        char name[16];
        snprintf(name, sizeof(name), "eth%d", i);
        n->dev[i] = ust_sim_attach(n->sw, n->st[i], name, NULL, 1500);
        assert_non_null(n->dev[i]);
        n->cap[i] = tmpfile();
        assert_int_equal(ust_dev_pcap_attach(n->dev[i], n->cap[i]), 0);
    }
}

static void net_down(struct net *n)
{
    ust_sim_free(n->sim);
    for (int i = 0; i < n->n; i++) {
        ust_stack_free(n->st[i]);
        fclose(n->cap[i]);
    }
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Sends a raw frame of `len` bytes from stack i: header, a 32-bit sequence
 * number, then a byte pattern derived from it (checked on receipt). */
static void send_raw(struct net *n, int i, const uint8_t dst[6], uint32_t seq, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    assert_non_null(p);
    memcpy(p->data, dst, 6);
    memcpy(p->data + 6, ust_dev_mac(n->dev[i])->b, 6);
    put_be16(p->data + 12, ETHERTYPE_TEST);
    put_be32(p->data + 14, seq);
    for (size_t k = 18; k < len; k++)
        p->data[k] = (uint8_t)(seq * 7 + k);
    assert_int_equal(dev_transmit(n->dev[i], ust_sim_now(n->sim), p), 0);
}

/* ---- reading back a capture ---- */
struct rec {
    ust_time_t t;
    uint32_t len;
    uint8_t data[1600];
};

/* Reads up to max records of a pcap written so far; returns the count. */
static int read_pcap(FILE *f, struct rec *out, int max)
{
    fflush(f);
    rewind(f);
    uint8_t gh[24];
    assert_int_equal(fread(gh, 1, 24, f), 24);
    assert_int_equal(get_le32(gh), 0xa1b23c4d);
    int k = 0;
    uint8_t h[16];
    while (k < max && fread(h, 1, 16, f) == 16) {
        out[k].t = (ust_time_t)get_le32(h) * UST_SEC + get_le32(h + 4);
        out[k].len = get_le32(h + 8);
        assert_true(out[k].len <= sizeof(out[k].data));
        assert_int_equal(fread(out[k].data, 1, out[k].len, f), out[k].len);
        k++;
    }
    fseek(f, 0, SEEK_END);
    return k;
}

/* Received frames only (source MAC is not the capturing device's own). */
static int read_rx(struct net *n, int i, struct rec *out, int max)
{
    struct rec *all = calloc((size_t)max * 2 + 8, sizeof(*all));
    int cnt = read_pcap(n->cap[i], all, max * 2 + 8), k = 0;
    for (int j = 0; j < cnt && k < max; j++)
        if (memcmp(all[j].data + 6, ust_dev_mac(n->dev[i])->b, 6) != 0)
            out[k++] = all[j];
    free(all);
    return k;
}

static bool payload_intact(const struct rec *r, size_t len)
{
    uint32_t seq = get_be32(r->data + 14);
    if (r->len < len)
        return false;
    for (size_t k = 18; k < len; k++)
        if (r->data[k] != (uint8_t)(seq * 7 + k))
            return false;
    return true;
}

/* ---- tests ---- */

static void test_default_macs_and_padding(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    const uint8_t m0[6] = {0x02, 0, 0, 0, 1, 1}, m1[6] = {0x02, 0, 0, 0, 1, 2};
    assert_memory_equal(ust_dev_mac(n.dev[0])->b, m0, 6);
    assert_memory_equal(ust_dev_mac(n.dev[1])->b, m1, 6);
    send_raw(&n, 0, bcast, 7, 20); /* short: padded to 60 on the wire */
    assert_int_equal(ust_sim_frames_in_flight(n.sim), 1);
    /* On the wire: 60 bytes + FCS, CRC-32 little-endian (reference value
     * computed independently with zlib.crc32). */
    const struct sim_event *ev = n.sim->heap[0];
    assert_int_equal(ev->len, 64);
    const uint8_t fcs[4] = {0x88, 0x42, 0x27, 0xdf};
    assert_memory_equal(ev->data + 60, fcs, 4);
    ust_sim_run_until(n.sim, UST_MSEC);
    assert_int_equal(ust_sim_now(n.sim), UST_MSEC); /* time advances to the target */
    assert_int_equal(ust_sim_frames_in_flight(n.sim), 0);
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    struct rec r[2];
    assert_int_equal(read_rx(&n, 1, r, 2), 1);
    assert_int_equal(r[0].len, 60); /* padding kept, FCS stripped */
    assert_int_equal(get_be32(r[0].data + 14), 7);
    for (int k = 20; k < 60; k++)
        assert_int_equal(r[0].data[k], 0);
    net_down(&n);
}

static void test_delay_exact_arrival(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.delay = 5 * UST_MSEC};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    f.delay = 250 * UST_USEC;
    assert_int_equal(ust_sim_set_faults(n.dev[1], UST_SIM_RX, &f), 0);
    send_raw(&n, 0, bcast, 1, 100);
    ust_sim_run_until(n.sim, 5 * UST_MSEC + 250 * UST_USEC - 1);
    assert_int_equal(n.dev[1]->stats.rx_frames, 0);
    ust_sim_run_until(n.sim, 5 * UST_MSEC + 250 * UST_USEC);
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    struct rec r[1];
    assert_int_equal(read_rx(&n, 1, r, 1), 1);
    assert_int_equal(r[0].t, 5 * UST_MSEC + 250 * UST_USEC);
    net_down(&n);
}

static void test_bandwidth_serialisation(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.rate_bps = 1000000000};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    send_raw(&n, 0, bcast, 1, 1514);
    send_raw(&n, 0, bcast, 2, 1514); /* queues behind the first */
    send_raw(&n, 0, bcast, 3, 20);   /* padded: 60 + 4 + 20 bytes of wire time */
    ust_sim_run_until(n.sim, UST_SEC);
    struct rec r[3];
    assert_int_equal(read_rx(&n, 1, r, 3), 3);
    const ust_time_t one = (1514 + 4 + 8 + 12) * 8; /* 12304 ns */
    assert_int_equal(r[0].t, one);
    assert_int_equal(r[1].t, 2 * one);
    assert_int_equal(r[2].t, 2 * one + (60 + 4 + 8 + 12) * 8);
    net_down(&n);
}

static void test_learning_switch(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 3);
    const uint8_t *a = ust_dev_mac(n.dev[0])->b, *b = ust_dev_mac(n.dev[1])->b;
    uint8_t amac[6], bmac[6];
    memcpy(amac, a, 6);
    memcpy(bmac, b, 6);
    send_raw(&n, 0, bmac, 1, 64); /* B unknown yet: flooded */
    ust_sim_run_until(n.sim, UST_MSEC);
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    assert_int_equal(n.dev[2]->stats.rx_frames, 1);
    assert_int_equal(n.dev[0]->stats.rx_frames, 0); /* never back out of its port */
    send_raw(&n, 1, amac, 2, 64); /* A learned: only A */
    ust_sim_run_until(n.sim, 2 * UST_MSEC);
    assert_int_equal(n.dev[0]->stats.rx_frames, 1);
    assert_int_equal(n.dev[2]->stats.rx_frames, 1);
    send_raw(&n, 0, bmac, 3, 64); /* B learned now: only B */
    ust_sim_run_until(n.sim, 3 * UST_MSEC);
    assert_int_equal(n.dev[1]->stats.rx_frames, 2);
    assert_int_equal(n.dev[2]->stats.rx_frames, 1);
    send_raw(&n, 2, bcast, 4, 64); /* broadcast: everyone else */
    const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    send_raw(&n, 2, mcast, 5, 64); /* multicast: flooded too */
    ust_sim_run_until(n.sim, 4 * UST_MSEC);
    assert_int_equal(n.dev[0]->stats.rx_frames, 3);
    assert_int_equal(n.dev[1]->stats.rx_frames, 4);
    assert_int_equal(n.dev[2]->stats.rx_frames, 1);
    net_down(&n);
}

/* |x - N p| <= 5 sqrt(N p (1-p)) + 1: with a fixed seed the outcome is
 * fixed; the bound says the fault really has probability p. */
static void assert_binomial(uint64_t x, uint64_t N, double p)
{
    double mean = (double)N * p, sd = sqrt((double)N * p * (1 - p));
    double lo = mean - 5 * sd - 1, hi = mean + 5 * sd + 1;
    if ((double)x < lo || (double)x > hi)
        fail_msg("%llu outside binomial bound [%.0f, %.0f] for N=%llu p=%.3f",
                 (unsigned long long)x, lo, hi, (unsigned long long)N, p);
}

static void test_loss_rate(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 42, 2);
    struct ust_sim_faults f = {.loss = 0.1};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    const uint32_t N = 10000;
    for (uint32_t i = 0; i < N; i++)
        send_raw(&n, 0, bcast, i, 60);
    ust_sim_run_until(n.sim, UST_SEC);
    struct ust_sim_link_stats ls;
    assert_int_equal(ust_sim_get_link_stats(n.dev[0], UST_SIM_TX, &ls), 0);
    assert_int_equal(ls.frames, N);
    assert_int_equal(n.dev[1]->stats.rx_frames, N - ls.lost);
    assert_true(ls.lost > 0);
    assert_binomial(ls.lost, N, 0.1);
    net_down(&n);
}

static void test_duplication(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 43, 2);
    struct ust_sim_faults f = {.duplicate = 0.25};
    assert_int_equal(ust_sim_set_faults(n.dev[1], UST_SIM_RX, &f), 0);
    const uint32_t N = 4000;
    for (uint32_t i = 0; i < N; i++)
        send_raw(&n, 0, bcast, i, 60);
    ust_sim_run_until(n.sim, UST_SEC);
    struct ust_sim_link_stats ls;
    assert_int_equal(ust_sim_get_link_stats(n.dev[1], UST_SIM_RX, &ls), 0);
    assert_int_equal(n.dev[1]->stats.rx_frames, N + ls.duplicated);
    assert_binomial(ls.duplicated, N, 0.25);
    net_down(&n);
}

static void test_reordering(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 44, 2);
    struct ust_sim_faults f = {.reorder = 0.2, .reorder_delay = 10 * UST_USEC,
                               .jitter = 2 * UST_USEC};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    enum { N = 500 };
    for (uint32_t i = 0; i < N; i++) {
        send_raw(&n, 0, bcast, i, 60);
        ust_sim_run_until(n.sim, (ust_time_t)(i + 1) * UST_USEC);
    }
    ust_sim_run_until(n.sim, UST_SEC);
    static struct rec r[N];
    assert_int_equal(read_rx(&n, 1, r, N), N);
    struct ust_sim_link_stats ls;
    ust_sim_get_link_stats(n.dev[0], UST_SIM_TX, &ls);
    assert_binomial(ls.reordered, N, 0.2);
    static bool seen[N];
    int inversions = 0;
    uint32_t maxseq = 0;
    for (int i = 0; i < N; i++) {
        uint32_t s = get_be32(r[i].data + 14);
        assert_true(s < N);
        assert_false(seen[s]); /* each exactly once */
        seen[s] = true;
        if (i > 0 && s < maxseq)
            inversions++;
        if (s > maxseq)
            maxseq = s;
        if (i > 0)
            assert_true(r[i].t >= r[i - 1].t);
    }
    /* Only held-back frames arrive after a later one: jitter alone keeps order. */
    assert_true(inversions > 0);
    assert_true((uint64_t)inversions <= ls.reordered);
    net_down(&n);
}

static void test_jitter_keeps_order(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 45, 2);
    struct ust_sim_faults f = {.delay = 100 * UST_USEC, .jitter = 50 * UST_USEC};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    enum { N = 200 };
    for (uint32_t i = 0; i < N; i++) {
        send_raw(&n, 0, bcast, i, 60);
        ust_sim_run_until(n.sim, (ust_time_t)(i + 1) * 10 * UST_USEC);
    }
    ust_sim_run_until(n.sim, UST_SEC);
    static struct rec r[N];
    assert_int_equal(read_rx(&n, 1, r, N), N);
    bool varied = false;
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(get_be32(r[i].data + 14), i);
        ust_time_t sent = (ust_time_t)i * 10 * UST_USEC;
        assert_true(r[i].t >= sent + 100 * UST_USEC);
        if (r[i].t != sent + 100 * UST_USEC)
            varied = true;
    }
    assert_true(varied);
    net_down(&n);
}

static void test_corruption_counted_never_delivered(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 46, 2);
    struct ust_sim_faults f = {.corrupt = 0.3};
    assert_int_equal(ust_sim_set_faults(n.dev[1], UST_SIM_RX, &f), 0);
    enum { N = 1000 };
    for (uint32_t i = 0; i < N; i++)
        send_raw(&n, 0, bcast, i, 200);
    ust_sim_run_until(n.sim, UST_SEC);
    struct ust_sim_link_stats ls;
    ust_sim_get_link_stats(n.dev[1], UST_SIM_RX, &ls);
    assert_binomial(ls.corrupted, N, 0.3);
    assert_int_equal(n.dev[1]->stats.rx_crc_errors, ls.corrupted);
    assert_int_equal(n.st[1]->stats.link.rx_crc_errors, ls.corrupted);
    assert_int_equal(n.dev[1]->stats.rx_frames, N - ls.corrupted);
    static struct rec r[N];
    int got = read_rx(&n, 1, r, N);
    assert_int_equal(got, N - (int)ls.corrupted);
    for (int i = 0; i < got; i++) {
        assert_true(payload_intact(&r[i], 200));
        assert_memory_equal(r[i].data + 6, ust_dev_mac(n.dev[0])->b, 6);
    }
    net_down(&n);
}

static void test_mtu_drop(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.mtu = 1000};
    assert_int_equal(ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f), 0);
    send_raw(&n, 0, bcast, 1, 14 + 1000);
    send_raw(&n, 0, bcast, 2, 14 + 1001);
    ust_sim_run_until(n.sim, UST_MSEC);
    struct ust_sim_link_stats ls;
    ust_sim_get_link_stats(n.dev[0], UST_SIM_TX, &ls);
    assert_int_equal(ls.mtu_drops, 1);
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    struct rec r[2];
    assert_int_equal(read_rx(&n, 1, r, 2), 1);
    assert_int_equal(get_be32(r[0].data + 14), 1);
    net_down(&n);
}

/* Every fault at once; returns the receiver's capture as a malloc'd buffer. */
static uint8_t *faulty_run(uint64_t seed, size_t *len)
{
    struct net n;
    net_up(&n, seed, 3);
    struct ust_sim_faults f = {.loss = 0.05, .duplicate = 0.05, .reorder = 0.05,
                               .corrupt = 0.05, .delay = 30 * UST_USEC,
                               .jitter = 20 * UST_USEC, .rate_bps = 100000000};
    for (int i = 0; i < 3; i++) {
        ust_sim_set_faults(n.dev[i], UST_SIM_TX, &f);
        ust_sim_set_faults(n.dev[i], UST_SIM_RX, &f);
    }
    for (uint32_t i = 0; i < 300; i++) {
        send_raw(&n, (int)(i % 3), bcast, i, 60 + (i * 37) % 1400);
        ust_sim_run_until(n.sim, (ust_time_t)(i + 1) * 20 * UST_USEC);
    }
    ust_sim_run_until(n.sim, UST_SEC);
    FILE *cap = n.cap[1];
    fflush(cap);
    long sz = ftell(cap);
    assert_true(sz > 24);
    uint8_t *buf = malloc((size_t)sz);
    rewind(cap);
    assert_int_equal(fread(buf, 1, (size_t)sz, cap), (size_t)sz);
    *len = (size_t)sz;
    net_down(&n);
    return buf;
}

static void test_determinism(void **state)
{
    (void)state;
    size_t l1, l2, l3;
    uint8_t *a = faulty_run(7, &l1);
    uint8_t *b = faulty_run(7, &l2);
    uint8_t *c = faulty_run(8, &l3);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    assert_true(l1 != l3 || memcmp(a, c, l1) != 0);
    free(a);
    free(b);
    free(c);
}

/* A blocking call's waiter runs the whole network one event at a time. */
static void test_waiter_drives_network(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.delay = 3 * UST_MSEC};
    ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f);
    send_raw(&n, 0, bcast, 1, 60);
    struct ust_stack *st = n.st[1];
    assert_non_null(st->wait_fn);
    int steps = 0;
    while (n.dev[1]->stats.rx_frames == 0 && steps < 10) {
        assert_int_equal(st->wait_fn(st->wait_ctx, 10 * UST_MSEC), 0);
        steps++;
    }
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    assert_int_equal(ust_stack_now(st), 3 * UST_MSEC);
    /* Nothing else pending: the waiter jumps to the deadline. */
    assert_int_equal(st->wait_fn(st->wait_ctx, 10 * UST_MSEC), UST_ERR_TIMEDOUT);
    assert_int_equal(ust_stack_now(st), 10 * UST_MSEC);
    net_down(&n);
}

static bool no_frame_yet(void *ctx) { return ((struct ust_dev *)ctx)->stats.rx_frames == 0; }

static void test_run_while(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.delay = 2 * UST_MSEC};
    ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f);
    send_raw(&n, 0, bcast, 1, 60);
    assert_false(ust_sim_run_while(n.sim, no_frame_yet, n.dev[1], UST_MSEC));
    assert_int_equal(ust_sim_now(n.sim), UST_MSEC);
    assert_true(ust_sim_run_while(n.sim, no_frame_yet, n.dev[1], UST_SEC));
    assert_int_equal(ust_sim_now(n.sim), 2 * UST_MSEC);
    net_down(&n);
}

/* Freeing stacks before the simulator, with frames in flight, is safe. */
static void test_teardown_with_frames_in_flight(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    struct ust_sim_faults f = {.delay = UST_SEC};
    ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f);
    send_raw(&n, 0, bcast, 1, 60);
    for (int i = 0; i < n.n; i++) {
        ust_stack_free(n.st[i]);
        fclose(n.cap[i]);
    }
    assert_int_equal(ust_sim_frames_in_flight(n.sim), 1);
    ust_sim_free(n.sim);
}

/* A driver whose deadline stays due however often it is polled must not
 * freeze the virtual clock: the guard moves time on, frames still arrive. */
static ust_time_t stuck_poll_at(void *ctx)
{
    (void)ctx;
    return 0;
}
static void stuck_poll(void *ctx, struct ust_dev *dev, ust_time_t now)
{
    (void)dev;
    (void)now;
    (*(unsigned *)ctx)++;
}
static const struct dev_poll_ops stuck_ops = {.poll_at = stuck_poll_at, .poll = stuck_poll};
static int drop_transmit(void *ctx, ust_time_t now, const uint8_t *f, size_t len)
{
    (void)ctx;
    (void)now;
    (void)f;
    (void)len;
    return 0;
}

static void test_livelock_guard(void **state)
{
    (void)state;
    struct net n;
    net_up(&n, 1, 2);
    unsigned polls = 0;
    const struct ust_dev_ops ops = {.transmit = drop_transmit};
    struct ust_dev *stuck = ust_dev_new(n.st[0], "stuck", UST_LINK_IP, NULL, 1500, &ops, &polls);
    stuck->drv_poll = &stuck_ops;
    struct ust_sim_faults f = {.delay = 5 * UST_MSEC};
    ust_sim_set_faults(n.dev[0], UST_SIM_TX, &f);
    send_raw(&n, 0, bcast, 1, 60);
    ust_sim_run_until(n.sim, UST_SEC);
    assert_int_equal(ust_sim_now(n.sim), UST_SEC);
    assert_int_equal(n.dev[1]->stats.rx_frames, 1);
    struct rec r[1];
    assert_int_equal(read_rx(&n, 1, r, 1), 1);
    assert_int_equal(r[0].t, 5 * UST_MSEC); /* on time despite the stuck stack */
    assert_true(n.sim->livelock_breaks > 0);
    assert_true(polls > 0);
    stuck->drv_poll = NULL;
    net_down(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_macs_and_padding),
        cmocka_unit_test(test_delay_exact_arrival),
        cmocka_unit_test(test_bandwidth_serialisation),
        cmocka_unit_test(test_learning_switch),
        cmocka_unit_test(test_loss_rate),
        cmocka_unit_test(test_duplication),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_jitter_keeps_order),
        cmocka_unit_test(test_corruption_counted_never_delivered),
        cmocka_unit_test(test_mtu_drop),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_waiter_drives_network),
        cmocka_unit_test(test_run_while),
        cmocka_unit_test(test_teardown_with_frames_in_flight),
        cmocka_unit_test(test_livelock_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The fault injector on application devices, in virtual time: loss drops
 * exactly the frames its PRNG says, delay releases a frame at exactly
 * now + delay, jitter keeps order within its bounds, reordering holds a
 * frame back by reorder_delay, duplication and corruption (caught by the
 * checksums upstream), the bounded queue, determinism for a seed, and a
 * chain pcap -> shaper -> injector -> driver that composes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "../harness/net_harness.h"
#include "ustack/ustack.h"

#define FRAME_LEN 100
#define IP(a, b, c, d) ((ust_ip4_t)((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d)))

/* Sends frame number k (its first two bytes) from the port's device at n->now. */
static int send_numbered(struct nh_net *n, int port, unsigned k)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, FRAME_LEN);
    assert_non_null(p);
    memset(p->data, 0xab, FRAME_LEN);
    p->data[0] = (uint8_t)(k >> 8);
    p->data[1] = (uint8_t)k;
    return dev_transmit(nh_dev(n, port), n->now, p);
}

static unsigned frame_no(const struct nh_frame *f)
{
    return (unsigned)f->data[0] << 8 | f->data[1];
}

static struct nh_net *net_one(const struct ust_config *cfg, int *port)
{
    struct nh_net *n = nh_net_new();
    struct ust_stack *st = nh_stack(n, cfg);
    *port = nh_port_new(n, st, NH_NO_WIRE, UST_LINK_ETHERNET, 1, 1500);
    return n;
}

static struct ust_dev_fault_stats fstats(struct ust_dev *dev, enum ust_dev_dir dir)
{
    struct ust_dev_fault_stats s;
    assert_int_equal(ust_dev_faults_stats(dev, dir, &s), 0);
    return s;
}

/* Loss: with only loss on, the injector draws once per frame, so a model
 * PRNG with the same seed names exactly the frames it must drop. */
static void test_loss_drops_exactly_the_drawn_frames(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    const unsigned total = 2000;
    struct ust_dev_faults f = {.loss = 0.05};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    assert_int_equal(ust_dev_faults_seed(dev, 42), 0);
    for (unsigned k = 0; k < total; k++)
        assert_int_equal(send_numbered(n, port, k), 0);
    struct ust_rng model;
    rng_seed(&model, 42);
    unsigned lost = 0, out = 0;
    for (unsigned k = 0; k < total; k++) {
        if (rng_unit(&model) < 0.05) {
            lost++;
            continue;
        }
        assert_true(out < nh_tx_count(n, port));
        assert_int_equal(frame_no(nh_tx(n, port, out)), k); /* this frame, in order */
        out++;
    }
    assert_int_equal(nh_tx_count(n, port), out);
    assert_int_equal(fstats(dev, UST_DEV_TX).lost, lost);
    assert_int_equal(dev->stats.fault_lost, lost);
    assert_int_equal(dev->st->stats.link.fault_lost, lost);
    /* Binomial(2000, 0.05): mean 100, sd 9.7; 50..150 is beyond 5 sd. */
    assert_in_range(lost, 50, 150);
    nh_net_free(n);
}

/* Delay: the frame leaves at exactly now + delay, and the stack's next
 * deadline says so (so a real event loop wakes for it). */
static void test_delay_releases_at_exactly_now_plus_delay(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_stack *st = dev->st;
    struct ust_dev_faults f = {.delay = 20 * UST_MSEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    n->now = 5 * UST_MSEC;
    assert_int_equal(send_numbered(n, port, 7), 0);
    assert_int_equal(nh_tx_count(n, port), 0);
    assert_int_equal(ust_stack_poll_at(st), 25 * UST_MSEC);
    ust_stack_poll(st, 25 * UST_MSEC - 1);
    assert_int_equal(nh_tx_count(n, port), 0); /* one nanosecond early: nothing */
    ust_stack_poll(st, 25 * UST_MSEC);
    assert_int_equal(nh_tx_count(n, port), 1);
    assert_int_equal(nh_tx(n, port, 0)->at, 25 * UST_MSEC);
    assert_int_equal(frame_no(nh_tx(n, port, 0)), 7);
    assert_int_equal(fstats(dev, UST_DEV_TX).delayed, 1);
    assert_int_equal(ust_stack_poll_at(st), UST_TIME_NEVER);
    nh_net_free(n);
}

/* Receive side: a frame handed in at t reaches the link layer at t + delay
 * (it is not for us: rx_not_for_us counts it when it gets there). */
static void test_rx_delay_reaches_link_layer_late(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.delay = 3 * UST_MSEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_RX, &f), 0);
    uint8_t frame[60], payload[46] = {0};
    const uint8_t other[6] = {0x02, 9, 9, 9, 9, 9}, src[6] = {0x02, 8, 8, 8, 8, 8};
    size_t len = nh_build_eth(frame, sizeof(frame), other, src, 0x0800, payload, sizeof(payload));
    n->now = UST_MSEC;
    assert_int_equal(nh_inject(n, port, frame, len), 0);
    assert_int_equal(dev->stats.rx_frames, 1);
    assert_int_equal(dev->stats.rx_not_for_us, 0);
    assert_int_equal(ust_stack_poll_at(dev->st), 4 * UST_MSEC);
    ust_stack_poll(dev->st, 4 * UST_MSEC - 1);
    assert_int_equal(dev->stats.rx_not_for_us, 0);
    ust_stack_poll(dev->st, 4 * UST_MSEC);
    assert_int_equal(dev->stats.rx_not_for_us, 1);
    nh_net_free(n);
}

/* Jitter: every frame leaves within [sent + delay, sent + delay + jitter],
 * and frames keep their order. */
static void test_jitter_bounded_and_in_order(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.delay = 10 * UST_MSEC, .jitter = 5 * UST_MSEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    const unsigned total = 300;
    for (unsigned k = 0; k < total; k++) {
        nh_run_until(n, (ust_time_t)k * 100 * UST_USEC);
        assert_int_equal(send_numbered(n, port, k), 0);
    }
    nh_run_until(n, UST_SEC);
    assert_int_equal(nh_tx_count(n, port), total);
    bool some_jitter = false;
    for (unsigned i = 0; i < total; i++) {
        const struct nh_frame *fr = nh_tx(n, port, i);
        ust_time_t sent = (ust_time_t)i * 100 * UST_USEC;
        assert_int_equal(frame_no(fr), i);
        assert_in_range(fr->at, sent + 10 * UST_MSEC, sent + 15 * UST_MSEC);
        some_jitter |= fr->at != sent + 10 * UST_MSEC;
    }
    assert_true(some_jitter);
    nh_net_free(n);
}

/* Reordering: a reordered frame leaves exactly reorder_delay late, later
 * frames overtake it, and every frame leaves exactly once. */
static void test_reorder_holds_frames_back(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.reorder = 0.25, .reorder_delay = UST_MSEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    const unsigned total = 400;
    for (unsigned k = 0; k < total; k++) {
        nh_run_until(n, (ust_time_t)k * 100 * UST_USEC);
        assert_int_equal(send_numbered(n, port, k), 0);
    }
    nh_run_until(n, UST_SEC);
    assert_int_equal(nh_tx_count(n, port), total);
    bool seen[400] = {false};
    unsigned late = 0, inversions = 0;
    for (unsigned i = 0; i < total; i++) {
        const struct nh_frame *fr = nh_tx(n, port, i);
        unsigned k = frame_no(fr);
        assert_true(k < total && !seen[k]);
        seen[k] = true;
        ust_time_t sent = (ust_time_t)k * 100 * UST_USEC;
        if (fr->at != sent) {
            assert_int_equal(fr->at, sent + UST_MSEC);
            late++;
        }
        if (i > 0 && k < frame_no(nh_tx(n, port, i - 1)))
            inversions++;
    }
    assert_int_equal(late, fstats(dev, UST_DEV_TX).reordered);
    assert_in_range(late, 50, 150); /* Binomial(400, 0.25): mean 100, sd 8.7 */
    assert_true(inversions > 0);
    nh_net_free(n);
}

/* Duplication: every frame leaves once or twice; the extra copies are
 * exactly the duplicated count. */
static void test_duplicate_copies(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.duplicate = 0.3};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    const unsigned total = 500;
    for (unsigned k = 0; k < total; k++)
        assert_int_equal(send_numbered(n, port, k), 0);
    uint64_t dups = fstats(dev, UST_DEV_TX).duplicated;
    assert_int_equal(nh_tx_count(n, port), total + dups);
    assert_in_range(dups, 100, 200); /* Binomial(500, 0.3): mean 150, sd 10 */
    unsigned copies[500] = {0};
    for (size_t i = 0; i < nh_tx_count(n, port); i++)
        copies[frame_no(nh_tx(n, port, i))]++;
    unsigned twice = 0;
    for (unsigned k = 0; k < total; k++) {
        assert_in_range(copies[k], 1, 2);
        twice += copies[k] == 2;
    }
    assert_int_equal(twice, dups);
    assert_int_equal(dev->stats.tx_frames, total + dups);
    nh_net_free(n);
}

struct pair {
    struct nh_net *n;
    struct ust_stack *a, *b;
    int pa, pb;
    struct nh_pings pings;
};

static void pair_up(struct pair *p)
{
    memset(p, 0, sizeof(*p));
    p->n = nh_net_new();
    p->a = nh_stack(p->n, NULL);
    p->b = nh_stack(p->n, NULL);
    p->pa = nh_host(p->n, p->a, 0, 1, IP(198, 51, 100, 1), 24, 1500);
    p->pb = nh_host(p->n, p->b, 0, 2, IP(198, 51, 100, 2), 24, 1500);
    ust_ping_set_handler(p->a, nh_ping_collect, &p->pings);
}

static uint64_t damaged_drops(const struct ust_stack *st)
{
    return st->stats.ip.InHdrErrors + st->stats.ip.InTruncatedPkts + st->stats.ip.InCsumErrors +
           st->stats.icmp.InErrors;
}

/* Corruption: each corrupted echo request fails a check at B (IP header
 * checksum or ICMP checksum: one flipped bit is always caught, RFC 1071)
 * and is never answered. */
static void test_corrupt_fails_checksum_upstream(void **state)
{
    (void)state;
    struct pair p;
    pair_up(&p);
    /* Resolve ARP first, without faults: ARP has no checksum. */
    assert_int_equal(ust_ping_send(p.a, IP(198, 51, 100, 2), 1, 0, 200, 64), 0);
    nh_run_until(p.n, UST_SEC);
    assert_int_equal(p.pings.n, 1);
    struct ust_dev *db = nh_dev(p.n, p.pb);
    struct ust_dev_faults f = {.corrupt = 1.0};
    assert_int_equal(ust_dev_faults_set(db, UST_DEV_RX, &f), 0);
    uint64_t before = damaged_drops(p.b), echos = p.b->stats.icmp.InEchos;
    for (uint16_t s = 1; s <= 20; s++) {
        assert_int_equal(ust_ping_send(p.a, IP(198, 51, 100, 2), 1, s, 200, 64), 0);
        nh_run_until(p.n, p.n->now + 10 * UST_MSEC);
    }
    assert_int_equal(fstats(db, UST_DEV_RX).corrupted, 20);
    assert_int_equal(damaged_drops(p.b) - before, 20);
    assert_int_equal(p.b->stats.icmp.InEchos, echos);
    assert_int_equal(p.pings.n, 1); /* no reply to a corrupted request */
    nh_net_free(p.n);
}

/* The delay queue is bounded: what does not fit is dropped and counted. */
static void test_queue_bound_drops_and_counts(void **state)
{
    (void)state;
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.dev_fault_queue_len = 8;
    int port;
    struct nh_net *n = net_one(&cfg, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.delay = 10 * UST_MSEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    int refused = 0;
    for (unsigned k = 0; k < 20; k++)
        refused += send_numbered(n, port, k) < 0;
    assert_int_equal(refused, 12);
    struct ust_dev_fault_stats s = fstats(dev, UST_DEV_TX);
    assert_int_equal(s.queue_drops, 12);
    assert_int_equal(s.held, 8);
    assert_int_equal(dev->st->stats.link.fault_queue_drops, 12);
    nh_run_until(n, UST_SEC);
    assert_int_equal(nh_tx_count(n, port), 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(frame_no(nh_tx(n, port, i)), i); /* the first eight, in order */
    /* Detaching drops (and counts) what is still held. */
    assert_int_equal(send_numbered(n, port, 99), 0);
    ust_dev_faults_detach(dev);
    assert_int_equal(dev->stats.fault_queue_drops, 13);
    assert_int_equal(ust_stack_poll_at(dev->st), UST_TIME_NEVER);
    assert_int_equal(send_numbered(n, port, 100), 0); /* straight through now */
    assert_int_equal(nh_tx_count(n, port), 9);
    nh_net_free(n);
}

/* Every fault on at once: what leaves, when, with which bytes. */
static void run_all_faults(uint64_t seed, struct nh_net **out, int *port)
{
    struct nh_net *n = net_one(NULL, port);
    struct ust_dev *dev = nh_dev(n, *port);
    struct ust_dev_faults f = {.loss = 0.1, .duplicate = 0.1, .reorder = 0.1, .corrupt = 0.1,
                               .delay = UST_MSEC, .jitter = 500 * UST_USEC};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), 0);
    assert_int_equal(ust_dev_faults_seed(dev, seed), 0);
    for (unsigned k = 0; k < 300; k++) {
        nh_run_until(n, (ust_time_t)k * 50 * UST_USEC);
        send_numbered(n, *port, k);
    }
    nh_run_until(n, UST_SEC);
    *out = n;
}

static bool same_frames(struct nh_net *x, int px, struct nh_net *y, int py)
{
    if (nh_tx_count(x, px) != nh_tx_count(y, py))
        return false;
    for (size_t i = 0; i < nh_tx_count(x, px); i++) {
        const struct nh_frame *a = nh_tx(x, px, i), *b = nh_tx(y, py, i);
        if (a->at != b->at || a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
            return false;
    }
    return true;
}

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    struct nh_net *x, *y, *z;
    int px, py, pz;
    run_all_faults(7, &x, &px);
    run_all_faults(7, &y, &py);
    run_all_faults(8, &z, &pz);
    assert_true(same_frames(x, px, y, py));
    assert_false(same_frames(x, px, z, pz));
    struct ust_dev_fault_stats s = fstats(nh_dev(x, px), UST_DEV_TX);
    assert_true(s.lost > 0 && s.duplicated > 0 && s.reordered > 0 && s.corrupted > 0);
    nh_net_free(x);
    nh_net_free(y);
    nh_net_free(z);
}

static size_t pcap_records(FILE *f)
{
    fflush(f);
    long end = ftell(f);
    rewind(f);
    uint8_t h[16];
    size_t n = 0;
    if (fseek(f, 24, SEEK_SET) != 0)
        return 0;
    while (ftell(f) < end && fread(h, 1, 16, f) == 16) {
        uint32_t incl = (uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 |
                        (uint32_t)h[11] << 24;
        fseek(f, (long)incl, SEEK_CUR);
        n++;
    }
    return n;
}

/* pcap over shaper over injector over an application device: capture sees
 * every frame the stack sends and only the received frames the injector
 * let through; the driver sees what the injector let through. */
static void test_pcap_over_injector_composes(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    FILE *f = tmpfile();
    assert_non_null(f);
    struct ust_dev_faults f_tx = {.loss = 0.2}, f_rx = {.loss = 0.3};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f_tx), 0);
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_RX, &f_rx), 0);
    assert_int_equal(ust_dev_pcap_attach(dev, f), 0);
    assert_int_equal(ust_dev_shaper_attach(dev, 1000000000, 1 << 20, 1 << 20), 0);
    assert_string_equal(dev->top->ops->name, "pcap");
    assert_string_equal(dev->top->below->ops->name, "shaper");
    assert_string_equal(dev->top->below->below->ops->name, "faults");
    for (unsigned k = 0; k < 200; k++)
        assert_int_equal(send_numbered(n, port, k), 0);
    uint8_t frame[60], payload[46] = {0};
    const uint8_t other[6] = {0x02, 9, 9, 9, 9, 9}, src[6] = {0x02, 8, 8, 8, 8, 8};
    size_t len = nh_build_eth(frame, sizeof(frame), other, src, 0x0800, payload, sizeof(payload));
    for (unsigned k = 0; k < 200; k++)
        nh_inject(n, port, frame, len); /* not for us: refused when it gets through */
    struct ust_dev_fault_stats tx = fstats(dev, UST_DEV_TX), rx = fstats(dev, UST_DEV_RX);
    assert_true(tx.lost > 0 && rx.lost > 0);
    assert_int_equal(nh_tx_count(n, port), 200 - tx.lost);
    assert_int_equal(dev->stats.rx_not_for_us, 200 - rx.lost);
    assert_int_equal(pcap_records(f), 200 + 200 - rx.lost);
    assert_int_equal(dev->stats.rx_frames, 200); /* the driver handed in all */
    nh_net_free(n);
    fclose(f);
}

static void test_bad_values_refused(void **state)
{
    (void)state;
    int port;
    struct nh_net *n = net_one(NULL, &port);
    struct ust_dev *dev = nh_dev(n, port);
    struct ust_dev_faults f = {.loss = 1.5};
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_TX, &f), UST_ERR_INVAL);
    f.loss = -0.1;
    assert_int_equal(ust_dev_faults_set(dev, UST_DEV_RX, &f), UST_ERR_INVAL);
    struct ust_dev_fault_stats s;
    assert_int_equal(ust_dev_faults_stats(dev, UST_DEV_TX, &s), UST_ERR_INVAL); /* none */
    nh_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_drops_exactly_the_drawn_frames),
        cmocka_unit_test(test_delay_releases_at_exactly_now_plus_delay),
        cmocka_unit_test(test_rx_delay_reaches_link_layer_late),
        cmocka_unit_test(test_jitter_bounded_and_in_order),
        cmocka_unit_test(test_reorder_holds_frames_back),
        cmocka_unit_test(test_duplicate_copies),
        cmocka_unit_test(test_corrupt_fails_checksum_upstream),
        cmocka_unit_test(test_queue_bound_drops_and_counts),
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_pcap_over_injector_composes),
        cmocka_unit_test(test_bad_values_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

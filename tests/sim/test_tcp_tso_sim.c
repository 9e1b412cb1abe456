/* TCP segmentation offload on transmit, end to end in the simulator: a
 * sender whose simulated NIC declares TSO (ust_sim_set_tso) hands it
 * super-packets, the NIC cuts them with the software segmenter
 * (dev_gso.c), and the transfer is byte-exact with the same outcome as
 * with TSO off. The super-packets are really built (counters), stay
 * within the device's limit, carry gso_size = the MSS after options and
 * become wire frames no larger than the MTU (the cable drops anything
 * bigger); with middleware attached (a fault injector) the device layer
 * segments in software before it, so a loss hits single segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dev/dev_impl.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "ustack/ustack.h"
#include "../harness/stream.h"

#define A_ADDR UST_IP4(203, 0, 113, 1)
#define B_ADDR UST_IP4(203, 0, 113, 2)
#define PORT 5001
#define TOTAL (4u << 20)
#define MSS_TS 1448 /* 1500 - 20 - 20 - 12 (timestamps) */

/* What the NIC's driver was handed: a wrapper around the simulated NIC's
 * offload transmit path that looks at each packet first. */
struct watch {
    struct dev_txq_ops ops;
    const struct dev_txq_ops *nic;
    uint64_t super;        /* packets with off.gso_size */
    uint64_t plain;
    size_t max_dgram;      /* largest IP datagram handed over */
    bool bad_gso_size;     /* a super-packet with gso_size != MSS_TS */
    ust_time_t late;       /* packets from this time on count in max_dgram_late */
    size_t max_dgram_late;
    uint64_t super_late;
    uint64_t bad_partial;  /* packets whose partial checksum a device
                              completing it (skb_checksum_help) gets wrong */
    uint64_t plain_tcp;    /* single TCP segments (not super-packets) */
    uint64_t plain_partial; /* of those, with csum_partial */
};

/* What a device does with csum_partial (Linux skb_checksum_help, virtio
 * VIRTIO_NET_HDR_F_NEEDS_CSUM): sums the TCP bytes from the header on,
 * the field's pseudo-header sum included, and writes the complement into
 * the field. The result must verify against the pseudo-header for the
 * whole TCP length. */
static bool partial_csum_completes(const struct pkt *p)
{
    struct pkt *c = pkt_copy(p->data, p->len);
    assert_non_null(c);
    uint8_t *ip = c->data + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = (size_t)ip[2] << 8 | ip[3];
    uint8_t *th = ip + ihl;
    uint16_t sum = csum_fold(csum_partial(th, total - ihl, 0));
    th[16] = (uint8_t)(sum >> 8);
    th[17] = (uint8_t)sum;
    struct ipv4_hdr ih;
    struct tcp_hdr h;
    bool ok = ipv4_parse(ip, c->len - 14, true, &ih) == 0 &&
              tcp_parse(th, total - ihl, ih.src, ih.dst, true, &h) == 0;
    pkt_free(c);
    return ok;
}

/* The watch of the test running now (tests run one at a time). */
static struct watch *watch_of(void *ctx, struct ust_dev *dev)
{
    (void)ctx;
    return (struct watch *)(void *)dev->txq;
}

static int watch_pkt(void *ctx, struct ust_dev *dev, struct pkt *p)
{
    struct watch *w = watch_of(ctx, dev);
    if (p->off.gso_size) {
        w->super++;
        if (p->len - 14 > w->max_dgram)
            w->max_dgram = p->len - 14;
        w->bad_gso_size |= p->off.gso_size != MSS_TS;
        if (w->late && ust_stack_now(dev->st) >= w->late) {
            w->super_late++;
            if (p->len - 14 > w->max_dgram_late)
                w->max_dgram_late = p->len - 14;
        }
        assert_int_equal(p->off.gso_type, PKT_GSO_TCPV4);
        assert_int_equal(p->off.csum_partial, 1);
        w->bad_partial += !partial_csum_completes(p);
    } else {
        w->plain++;
        bool tcp = p->len > 14 + 20 && p->data[12] == 0x08 && p->data[13] == 0 &&
                   p->data[14 + 9] == IPV4_PROTO_TCP;
        w->plain_tcp += tcp;
        if (tcp && p->off.csum_partial) {
            w->plain_partial++;
            w->bad_partial += !partial_csum_completes(p);
        }
    }
    return w->nic->transmit_pkt(ctx, dev, p);
}

static void watch_install(struct watch *w, struct ust_dev *dev)
{
    memset(w, 0, sizeof(*w));
    w->nic = dev->txq;
    w->ops = *dev->txq;
    w->ops.transmit_pkt = watch_pkt;
    dev->txq = &w->ops; /* first member: watch_of finds w */
}

struct run {
    struct stream_xfer x;
    struct ust_tcp_stats a_tcp, b_tcp;
    struct ust_link_stats a_link;
    struct ust_sim_link_stats cable;
    struct ust_tcp_info info;
    struct watch w;
};

/* How a transfer runs. */
struct setup {
    bool tso;          /* A's NIC declares TSO */
    bool cfg_tso;      /* A's cfg.tcp_tso */
    uint32_t gso_max;  /* the NIC's limit (0: its own, 64 KiB) */
    const struct ust_dev_faults *faults; /* a fault injector on A's transmit side */
    double cable_loss; /* loss on A's cable, after the NIC */
    const char *cc;    /* cfg.tcp_congestion, NULL: the default */
    uint64_t rate_bps; /* A's cable (0: 1 Gbit/s) */
    ust_time_t late;   /* struct watch's late */
};

/* One 4 MiB transfer A -> B over 1 Gbit/s with a 2 ms RTT. */
static void transfer(struct run *r, const struct setup *s)
{
    memset(r, 0, sizeof(*r));
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.tcp_tso = s->cfg_tso;
    if (s->cc)
        snprintf(cfg.tcp_congestion, sizeof(cfg.tcp_congestion), "%s", s->cc);
    uint64_t rate = s->rate_bps ? s->rate_bps : 1000000000ull;
    struct ust_sim_faults fa = {.delay = UST_MSEC, .rate_bps = rate, .mtu = 1500,
                                .loss = s->cable_loss};
    struct ust_sim_faults fb = {.delay = UST_MSEC, .mtu = 1500};
    struct stream_pair p;
    stream_pair_up(&p, 7, &cfg, A_ADDR, B_ADDR, &fa, &fb);
    if (s->tso) {
        assert_int_equal(ust_sim_set_tso(p.da, true), 0);
        if (s->gso_max)
            p.da->gso_max_bytes = s->gso_max;
        watch_install(&r->w, p.da);
        r->w.late = s->late ? ust_sim_now(p.sim) + s->late : 0;
    }
    if (s->faults)
        assert_int_equal(ust_dev_faults_set(p.da, UST_DEV_TX, s->faults), 0);
    stream_transfer(p.sim, p.a, p.b, B_ADDR, PORT, TOTAL, 60 * UST_SEC, "tso", &r->x);
    socklen_t len = sizeof(r->info);
    assert_int_equal(ust_getsockopt(p.a, r->x.c, IPPROTO_TCP, UST_TCP_INFO, &r->info, &len), 0);
    r->a_tcp = ust_stack_stats(p.a)->tcp;
    r->b_tcp = ust_stack_stats(p.b)->tcp;
    r->a_link = ust_stack_stats(p.a)->link;
    assert_int_equal(ust_sim_get_link_stats(p.da, UST_SIM_TX, &r->cable), 0);
    stream_xfer_close(p.a, p.b, &r->x);
    stream_pair_free(&p);
}

/* The same transfer with TSO on and off: every byte arrives (stream_recv
 * checks them), in the same virtual time, with the same segments on the
 * wire, and with TSO on most of them left the stack as super-packets. */
static void test_tso_transfer_same_as_without(void **state)
{
    (void)state;
    struct run off, on;
    transfer(&off, &(struct setup){.cfg_tso = true});
    transfer(&on, &(struct setup){.tso = true, .cfg_tso = true});
    print_message("off took %lld segs %llu; on took %lld segs %llu super %llu max %zu\n", (long long)off.x.took, (unsigned long long)off.a_tcp.OutSegs, (long long)on.x.took, (unsigned long long)on.a_tcp.OutSegs, (unsigned long long)on.w.super, on.w.max_dgram);
    assert_int_equal(off.a_tcp.OutTsoPackets, 0);
    assert_true(on.a_tcp.OutTsoPackets > 0);
    assert_int_equal(on.info.tso_packets, on.a_tcp.OutTsoPackets);
    assert_int_equal(on.w.super, on.a_tcp.OutTsoPackets);
    assert_int_equal(on.a_link.tx_gso_offloaded, on.a_tcp.OutTsoPackets);
    assert_int_equal(on.a_link.tx_gso_sw, 0);
    assert_false(on.w.bad_gso_size);
    assert_int_equal(on.w.bad_partial, 0);
    /* every single segment too (ACKs, the tail, the handshake) leaves its
     * checksum to the NIC, as Linux's CHECKSUM_PARTIAL */
    assert_true(on.w.plain_tcp > 0);
    assert_int_equal(on.w.plain_partial, on.w.plain_tcp);
    assert_true(on.w.max_dgram <= 65535);
    assert_true(on.w.max_dgram > 1500);
    /* the wire saw ordinary frames: none over the MTU, as many as without TSO */
    assert_int_equal(on.cable.mtu_drops, 0);
    assert_int_equal(on.cable.frames, off.cable.frames);
    assert_int_equal(on.a_tcp.OutSegs, off.a_tcp.OutSegs);
    assert_int_equal(on.b_tcp.InSegs, off.b_tcp.InSegs);
    assert_int_equal(on.a_tcp.RetransSegs, off.a_tcp.RetransSegs);
    assert_int_equal(on.x.took, off.x.took);
}

/* A device limit below 64 KiB bounds every super-packet. */
static void test_tso_respects_device_limit(void **state)
{
    (void)state;
    struct run r;
    transfer(&r, &(struct setup){.tso = true, .cfg_tso = true, .gso_max = 16384});
    assert_true(r.w.super > 0);
    assert_true(r.w.max_dgram <= 16384);
    assert_true(r.w.max_dgram > 2 * MSS_TS);
    assert_int_equal(r.cable.mtu_drops, 0);
}

/* cfg.tcp_tso = false: the stack builds single segments even for a device
 * that could take more. */
static void test_tso_config_off(void **state)
{
    (void)state;
    struct run r;
    transfer(&r, &(struct setup){.tso = true, .cfg_tso = false});
    assert_int_equal(r.a_tcp.OutTsoPackets, 0);
    assert_int_equal(r.w.super, 0);
    assert_true(r.w.plain > 0);
    assert_int_equal(r.a_link.tx_gso_offloaded, 0);
    /* no TSO, but the NIC completes checksums: every segment partial,
     * every one completed right */
    assert_true(r.w.plain_tcp > 1000);
    assert_int_equal(r.w.plain_partial, r.w.plain_tcp);
    assert_int_equal(r.w.bad_partial, 0);
}

/* A fault injector on the device: TCP still builds super-packets, but the
 * device layer cuts them in software before the injector, so the driver
 * never sees one and the injected loss hits single wire frames; the
 * transfer still arrives whole. */
static void test_tso_with_middleware_segments_in_software(void **state)
{
    (void)state;
    struct ust_dev_faults f = {.loss = 0.01};
    struct run r;
    transfer(&r, &(struct setup){.tso = true, .cfg_tso = true, .faults = &f});
    assert_true(r.a_tcp.OutTsoPackets > 0);
    assert_int_equal(r.a_link.tx_gso_sw, r.a_tcp.OutTsoPackets);
    assert_true(r.a_link.tx_gso_segs >= 2 * r.a_link.tx_gso_sw);
    assert_int_equal(r.a_link.tx_gso_offloaded, 0);
    assert_int_equal(r.w.super, 0);
    /* single segments: TCP sums them itself (the device does not offer
     * checksum offload under middleware), none partial at the driver and
     * none left for the device layer to complete */
    assert_true(r.w.plain_tcp > 0);
    assert_int_equal(r.w.plain_partial, 0);
    assert_int_equal(r.a_link.tx_csum_sw, 0);
    assert_true(r.a_link.fault_lost > 0);
    assert_true(r.a_tcp.RetransSegs > 0);
    assert_int_equal(r.cable.mtu_drops, 0);
}

/* Loss on the wire after the NIC: SACK, RACK and the retransmissions
 * (single segments) work on the per-MSS records as without TSO, and the
 * run is the same as without it, frame for frame. */
static void test_tso_lossy_wire_same_as_without(void **state)
{
    (void)state;
    struct run off, on;
    transfer(&off, &(struct setup){.cfg_tso = true, .cable_loss = 0.02});
    transfer(&on, &(struct setup){.tso = true, .cfg_tso = true, .cable_loss = 0.02});
    assert_true(on.w.super > 0);
    assert_true(on.a_tcp.RetransSegs > 0);
    assert_int_equal(on.cable.lost, off.cable.lost);
    assert_int_equal(on.a_tcp.RetransSegs, off.a_tcp.RetransSegs);
    assert_int_equal(on.a_tcp.SackRetrans, off.a_tcp.SackRetrans);
    assert_int_equal(on.cable.frames, off.cable.frames);
    assert_int_equal(on.x.took, off.x.took);
}

/* A paced sender (BBR) on 10 Mbit/s: a super-packet is never more than
 * the rest of the pacing burst (about 1 ms at the pacing rate, at least
 * two segments). Once BBR has left Startup (after 1 s; the rate is then
 * at most 1.25 x 1.25 MB/s, under 2 MSS per ms) every super-packet holds
 * exactly two segments, though cwnd would allow far more. */
static void test_tso_paced_by_bbr(void **state)
{
    (void)state;
    struct run r;
    transfer(&r, &(struct setup){.tso = true, .cfg_tso = true, .cc = "bbr",
                                 .rate_bps = 10000000, .late = UST_SEC});
    assert_true(r.info.pacing_rate > 0);
    assert_true(strncmp(r.info.cc_state, "ProbeBW_", 8) == 0);
    assert_true(r.w.super_late > 0);
    assert_int_equal(r.w.max_dgram_late, 20 + 32 + 2 * MSS_TS);
    assert_true(r.w.max_dgram > r.w.max_dgram_late); /* Startup's higher rate: larger */
    assert_int_equal(r.cable.mtu_drops, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tso_transfer_same_as_without),
        cmocka_unit_test(test_tso_respects_device_limit),
        cmocka_unit_test(test_tso_config_off),
        cmocka_unit_test(test_tso_with_middleware_segments_in_software),
        cmocka_unit_test(test_tso_lossy_wire_same_as_without),
        cmocka_unit_test(test_tso_paced_by_bbr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

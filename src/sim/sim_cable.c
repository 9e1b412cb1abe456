/* One direction of a simulated cable: serialisation at the link rate,
 * delay with jitter, and the faults (loss, ECN CE marks, duplication,
 * corruption, reordering, MTU), each drawn from the simulator's seeded
 * PRNG in a fixed order, so the same seed gives the same run. */
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "sim_net.h"
#include "wire/csum.h"
#include "wire/wbuf.h"

#define ETH_WIRE_OVERHEAD 20 /* preamble+SFD (8) and inter-frame gap (12) */
#define SIM_DEFAULT_REORDER_DELAY UST_MSEC

static bool chance(struct ust_sim *sim, double p)
{
    /* Draw only for an active fault, so enabling one fault does not shift
     * the random sequence of a run that never uses it. */
    return p > 0 && rng_unit(&sim->rng) < p;
}

static ust_time_t serialisation_time(uint64_t rate_bps, size_t wire_len)
{
    if (!rate_bps)
        return 0;
    uint64_t bits = (uint64_t)(wire_len + ETH_WIRE_OVERHEAD) * 8;
    return (bits * UST_SEC + rate_bps - 1) / rate_bps;
}

static ust_time_t arrival_time(struct ust_sim *sim, struct sim_dir *d, bool *reordered)
{
    ust_time_t t = d->busy_until + d->f.delay;
    if (d->f.jitter)
        t += rng_below(&sim->rng, d->f.jitter + 1);
    *reordered = chance(sim, d->f.reorder);
    if (*reordered)
        return t + (d->f.reorder_delay ? d->f.reorder_delay : SIM_DEFAULT_REORDER_DELAY);
    if (t < d->last_arrival)
        t = d->last_arrival;
    d->last_arrival = t;
    return t;
}

static void trace_fault(struct sim_nic *nic, int dir, const char *what, size_t len)
{
    if (nic->dev)
        TRACE(nic->dev->st, "sim", "%s %s %s len %zu", nic->dev->name,
              dir == UST_SIM_TX ? "tx" : "rx", what, len);
}

/* The ECN field of an IPv4 packet in an untagged Ethernet frame (wire:
 * padded frame + FCS), or -1 when the frame holds none. */
static int frame_ecn(const uint8_t *wire, size_t wire_len)
{
    if (wire_len < ETH_HDR_LEN + 20 + ETH_FCS_LEN || get_be16(wire + 12) != 0x0800)
        return -1;
    if ((wire[ETH_HDR_LEN] >> 4) != 4 || (wire[ETH_HDR_LEN] & 0x0f) < 5)
        return -1;
    return wire[ETH_HDR_LEN + 1] & 0x3;
}

/* Marks the packet CE (RFC 3168 5: ECN field 11) as a congested router
 * would: the header checksum follows incrementally (RFC 1624, so a bad one
 * stays bad), then the FCS is recomputed, as the router sends a new frame. */
static void mark_ce(uint8_t *wire, size_t wire_len)
{
    uint8_t *ip = wire + ETH_HDR_LEN;
    uint16_t old_word = get_be16(ip);
    ip[1] |= 0x3;
    put_be16(ip + 10, csum_update16(get_be16(ip + 10), old_word, get_be16(ip)));
    size_t flen = wire_len - ETH_FCS_LEN;
    put_le32(wire + flen, crc32_ieee(wire, flen));
}

void cable_send(struct sim_nic *nic, int dir, const uint8_t *wire, size_t wire_len,
                size_t frame_len, sim_deliver_fn deliver)
{
    struct ust_sim *sim = nic->sim;
    struct sim_dir *d = &nic->dir[dir];
    d->stats.frames++;
    if (d->f.mtu && frame_len > ETH_HDR_LEN + (size_t)d->f.mtu) {
        d->stats.mtu_drops++;
        trace_fault(nic, dir, "mtu drop", frame_len);
        return;
    }
    /* A lost frame still occupied the wire while it was sent. */
    ust_time_t start = d->busy_until > sim->now ? d->busy_until : sim->now;
    d->busy_until = start + serialisation_time(d->f.rate_bps, wire_len);
    if (chance(sim, d->f.loss)) {
        d->stats.lost++;
        trace_fault(nic, dir, "lost", frame_len);
        return;
    }
    /* an ECT packet is marked CE instead of dropped (draws only for ECT) */
    int ecn = d->f.ce_mark > 0 ? frame_ecn(wire, wire_len) : -1;
    bool ce = (ecn == 1 || ecn == 2) && chance(sim, d->f.ce_mark);
    if (ce) {
        d->stats.ce_marked++;
        trace_fault(nic, dir, "CE marked", frame_len);
    }
    int copies = 1;
    if (chance(sim, d->f.duplicate)) {
        copies = 2;
        d->stats.duplicated++;
        trace_fault(nic, dir, "duplicated", frame_len);
    }
    for (int c = 0; c < copies; c++) {
        struct sim_event *ev = sim_event_new(wire_len);
        if (!ev) {
            sim->event_drops++;
            return;
        }
        memcpy(ev->data, wire, wire_len);
        if (ce)
            mark_ce(ev->data, wire_len);
        if (chance(sim, d->f.corrupt)) {
            uint64_t bit = rng_below(&sim->rng, (uint64_t)wire_len * 8);
            ev->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            d->stats.corrupted++;
            trace_fault(nic, dir, "corrupted", frame_len);
        }
        bool reordered;
        ev->when = arrival_time(sim, d, &reordered);
        if (reordered) {
            d->stats.reordered++;
            trace_fault(nic, dir, "reordered", frame_len);
        }
        ev->deliver = deliver;
        ev->kind = dir == UST_SIM_TX ? SIM_EV_TO_SWITCH : SIM_EV_TO_NIC;
        ev->sw = nic->sw;
        ev->port = nic->port;
        sim_schedule(sim, ev);
    }
}

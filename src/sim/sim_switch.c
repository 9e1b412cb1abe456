/* Simulated Ethernet: NICs plugged into learning switches, with faults on
 * each direction of each cable (sim_cable.c), all driven by the
 * simulator's virtual clock (sim_loop.c) and seeded PRNG (the same seed
 * gives the same run, byte for byte).
 *
 * Like real hardware, a NIC pads short frames to 60 bytes and appends the
 * FCS (CRC-32) on transmit, and checks the FCS on receive: a corrupted
 * frame is dropped there and counted as rx_crc_errors. The switch forwards
 * cut-through (it does not check the FCS), learns source addresses per
 * port, sends known unicast to one port and floods the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "core/trace.h"
#include "dev/dev_gso.h"
#include "dev/dev_impl.h"
#include "sim_net.h"
#include "wire/csum.h"
#include "wire/wbuf.h"

#define SIM_MAX_FRAME (ETH_HDR_LEN + 65535)
#define SIM_MAC_TABLE 1024

struct mac_entry {
    uint8_t mac[6];
    unsigned port;
};

struct ust_sim_switch {
    struct ust_sim *sim;
    char name[16];
    unsigned index; /* 1-based, used in default MAC addresses */
    struct sim_nic **ports;
    unsigned nports, capports;
    struct mac_entry table[SIM_MAC_TABLE];
    unsigned nentries, next_evict;
};

/* ---- helpers ----------------------------------------------------------- */

static bool mac_is_group(const uint8_t *mac) { return mac[0] & 1; }

static struct sim_nic *port_nic(const struct ust_sim_switch *sw, unsigned port)
{
    return port < sw->nports ? sw->ports[port] : NULL;
}

/* ---- the NIC driver ---------------------------------------------------- */

static void frame_arrives(struct ust_sim *sim, struct sim_event *ev);

static int sim_nic_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now; /* the cable runs on the simulator's clock */
    struct sim_nic *nic = ctx;
    if (!nic->sim || !nic->sw)
        return UST_ERR_IO; /* unplugged */
    if (len < ETH_HDR_LEN || len > SIM_MAX_FRAME)
        return UST_ERR_INVAL;
    size_t padded = len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len;
    uint8_t *wire = malloc(padded + ETH_FCS_LEN);
    if (!wire)
        return UST_ERR_NOMEM;
    memcpy(wire, frame, len);
    memset(wire + len, 0, padded - len);
    put_le32(wire + padded, crc32_ieee(wire, padded));
    cable_send(nic, UST_SIM_TX, wire, padded + ETH_FCS_LEN, len, frame_arrives);
    free(wire);
    return UST_OK;
}

/* ---- transmit offloads (ust_sim_set_tso): the "hardware" segments ---- */

static int sim_nic_send_seg(void *ctx, struct pkt *seg)
{
    struct sim_nic *nic = ctx;
    int rc = sim_nic_transmit(nic, 0, seg->data, seg->len);
    pkt_pool_free(stack_pkt_pool(nic->dev->st), seg);
    return rc;
}

/* The driver's packet path (dev_txq_ops): a super-packet or a partial
 * checksum is finished here, as a NIC does, before the cable. */
static int sim_nic_transmit_pkt(void *ctx, struct ust_dev *dev, struct pkt *p)
{
    struct pkt_pool *pool = stack_pkt_pool(dev->st);
    if (p->off.gso_size) {
        int n = gso_segment(p, dev->type, pool, sim_nic_send_seg, ctx);
        return n < 0 ? n : UST_OK;
    }
    if (p->off.csum_partial && gso_csum_complete(p, dev->type) < 0) {
        pkt_pool_free(pool, p);
        return UST_ERR_INVAL;
    }
    return sim_nic_send_seg(ctx, p);
}

static int sim_nic_transmit_copy(void *ctx, struct ust_dev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    return sim_nic_transmit(ctx, 0, frame, len);
}

static void sim_nic_flush(void *ctx, struct ust_dev *dev) { (void)ctx, (void)dev; }

static const struct dev_txq_ops sim_nic_offload_ops = {
    .transmit = sim_nic_transmit_copy,
    .transmit_pkt = sim_nic_transmit_pkt,
    .flush = sim_nic_flush,
};

static void sim_nic_close(void *ctx)
{
    struct sim_nic *nic = ctx;
    if (nic->sw && nic->port < nic->sw->nports)
        nic->sw->ports[nic->port] = NULL;
    free(nic);
}

static const struct ust_dev_ops sim_nic_ops = {
    .transmit = sim_nic_transmit,
    .close = sim_nic_close,
};

/* A frame reaches the NIC: check the FCS like the hardware does. */
static void nic_receive(struct ust_sim *sim, struct sim_nic *nic, const uint8_t *wire, size_t len)
{
    struct ust_dev *dev = nic->dev;
    if (len < ETH_MIN_FRAME + ETH_FCS_LEN)
        return;
    size_t flen = len - ETH_FCS_LEN;
    if (crc32_ieee(wire, flen) != get_le32(wire + flen)) {
        DEV_COUNT(dev, rx_crc_errors);
        TRACE(dev->st, "sim", "%s rx FCS error len %zu: dropped", dev->name, flen);
        return;
    }
    ust_dev_input(dev, sim->now, wire, flen);
}

/* ---- the switch -------------------------------------------------------- */

static struct mac_entry *mac_lookup(struct ust_sim_switch *sw, const uint8_t *mac)
{
    for (unsigned i = 0; i < sw->nentries; i++)
        if (memcmp(sw->table[i].mac, mac, 6) == 0)
            return &sw->table[i];
    return NULL;
}

static void mac_learn(struct ust_sim_switch *sw, const uint8_t *mac, unsigned port)
{
    if (mac_is_group(mac))
        return; /* a group address is never a source */
    struct mac_entry *e = mac_lookup(sw, mac);
    if (!e) {
        if (sw->nentries < SIM_MAC_TABLE) {
            e = &sw->table[sw->nentries++];
        } else {
            e = &sw->table[sw->next_evict]; /* bounded: overwrite round-robin */
            sw->next_evict = (sw->next_evict + 1) % SIM_MAC_TABLE;
        }
        memcpy(e->mac, mac, 6);
    }
    e->port = port; /* a station that moved is re-learned */
}

static void switch_forward(struct ust_sim_switch *sw, unsigned in_port, const uint8_t *wire,
                           size_t len)
{
    if (len < ETH_HDR_LEN + ETH_FCS_LEN)
        return;
    mac_learn(sw, wire + 6, in_port);
    size_t frame_len = len - ETH_FCS_LEN;
    struct mac_entry *e = mac_is_group(wire) ? NULL : mac_lookup(sw, wire);
    if (e) {
        struct sim_nic *out = port_nic(sw, e->port);
        if (e->port != in_port && out)
            cable_send(out, UST_SIM_RX, wire, len, frame_len, frame_arrives);
        return;
    }
    for (unsigned p = 0; p < sw->nports; p++) {
        struct sim_nic *out = port_nic(sw, p);
        if (p != in_port && out)
            cable_send(out, UST_SIM_RX, wire, len, frame_len, frame_arrives);
    }
}

/* The event engine's callback: a frame reaches the far end of a cable. */
static void frame_arrives(struct ust_sim *sim, struct sim_event *ev)
{
    if (ev->kind == SIM_EV_TO_SWITCH) {
        switch_forward(ev->sw, ev->port, ev->data, ev->len);
        return;
    }
    struct sim_nic *nic = port_nic(ev->sw, ev->port);
    if (nic)
        nic_receive(sim, nic, ev->data, ev->len);
}

static void sim_switch_free(void *obj);

struct ust_sim_switch *ust_sim_switch_new(struct ust_sim *sim, const char *name)
{
    if (!sim)
        return NULL;
    struct ust_sim_switch *sw = calloc(1, sizeof(*sw));
    if (!sw)
        return NULL;
    sw->sim = sim;
    snprintf(sw->name, sizeof(sw->name), "%s", name ? name : "sw");
    /* The simulator frees its switches; their numbers (1, 2, ...) name
     * the default MAC addresses. */
    sw->index = sim_own(sim, sw, sim_switch_free);
    if (!sw->index) {
        free(sw);
        return NULL;
    }
    return sw;
}

static void sim_switch_free(void *obj)
{
    struct ust_sim_switch *sw = obj;
    /* NICs live as long as their devices: unplug them, they outlive us. */
    for (unsigned p = 0; p < sw->nports; p++) {
        if (sw->ports[p]) {
            sw->ports[p]->sim = NULL;
            sw->ports[p]->sw = NULL;
        }
    }
    free(sw->ports);
    free(sw);
}

/* false: no memory for one more port. */
static bool room_for_port(struct ust_sim_switch *sw)
{
    if (sw->nports < sw->capports)
        return true;
    unsigned cap = sw->capports ? sw->capports * 2 : 8;
    struct sim_nic **v = realloc(sw->ports, cap * sizeof(*v));
    if (!v)
        return false;
    sw->ports = v;
    sw->capports = cap;
    return true;
}

struct ust_dev *ust_sim_attach(struct ust_sim_switch *sw, struct ust_stack *st, const char *ifname,
                               const struct ust_mac *mac, unsigned mtu)
{
    if (!sw || !st || ust_sim_add_stack(sw->sim, st) != UST_OK || !room_for_port(sw))
        return NULL;
    struct sim_nic *nic = calloc(1, sizeof(*nic));
    if (!nic)
        return NULL;
    nic->sim = sw->sim;
    nic->sw = sw;
    nic->port = sw->nports;
    struct ust_mac def = {{0x02, 0, 0, 0, (uint8_t)sw->index, (uint8_t)(nic->port + 1)}};
    nic->dev = ust_dev_new(st, ifname, UST_LINK_ETHERNET, mac ? mac : &def, mtu, &sim_nic_ops, nic);
    if (!nic->dev) {
        free(nic);
        return NULL;
    }
    sw->ports[sw->nports++] = nic;
    return nic->dev;
}

static struct sim_nic *sim_nic_of(const struct ust_dev *dev, enum ust_sim_dir dir)
{
    if (!dev || dev->ops.transmit != sim_nic_transmit || (dir != UST_SIM_TX && dir != UST_SIM_RX))
        return NULL;
    return dev->ctx;
}

int ust_sim_set_tso(struct ust_dev *dev, bool on)
{
    if (!sim_nic_of(dev, UST_SIM_TX))
        return UST_ERR_INVAL;
    dev->offload_caps = on ? DEV_OFF_TSO4 | DEV_OFF_TSO6 | DEV_OFF_CSUM : 0;
    dev->gso_max_bytes = on ? 65535 : 0;
    dev->txq = on ? &sim_nic_offload_ops : NULL;
    return UST_OK;
}

int ust_sim_set_faults(struct ust_dev *dev, enum ust_sim_dir dir, const struct ust_sim_faults *f)
{
    struct sim_nic *nic = sim_nic_of(dev, dir);
    if (!nic || !f)
        return UST_ERR_INVAL;
    if (!(f->loss >= 0 && f->loss <= 1) || !(f->duplicate >= 0 && f->duplicate <= 1) ||
        !(f->reorder >= 0 && f->reorder <= 1) || !(f->corrupt >= 0 && f->corrupt <= 1) ||
        !(f->ce_mark >= 0 && f->ce_mark <= 1))
        return UST_ERR_INVAL;
    nic->dir[dir].f = *f;
    return UST_OK;
}

int ust_sim_get_link_stats(const struct ust_dev *dev, enum ust_sim_dir dir,
                           struct ust_sim_link_stats *out)
{
    struct sim_nic *nic = sim_nic_of(dev, dir);
    if (!nic || !out)
        return UST_ERR_INVAL;
    *out = nic->dir[dir].stats;
    return UST_OK;
}

/* ---- cables pulled and plugged (ust_sim_unplug / ust_sim_plug) ---- */

/* The stack's link state follows the cable (ust_iface_set_link). */
static void tell_link(struct ust_dev *dev, bool up)
{
    struct ust_dev *d;
    for (int i = 0; i < ust_iface_count(dev->st); i++)
        if (ust_iface_info(dev->st, i, NULL, NULL, &d) == UST_OK && d == dev)
            ust_iface_set_link(dev->st, i, up);
}

int ust_sim_unplug(struct ust_dev *dev)
{
    struct sim_nic *nic = sim_nic_of(dev, UST_SIM_TX);
    if (!nic || !nic->sw)
        return UST_ERR_INVAL;
    nic->sw->ports[nic->port] = NULL; /* frames in flight to the port are lost */
    nic->sw = NULL;
    TRACE(dev->st, "sim", "%s unplugged", dev->name);
    tell_link(dev, false);
    return UST_OK;
}

int ust_sim_plug(struct ust_dev *dev, struct ust_sim_switch *sw)
{
    struct sim_nic *nic = sim_nic_of(dev, UST_SIM_TX);
    if (!nic || nic->sw || !sw || (nic->sim && nic->sim != sw->sim) || !room_for_port(sw))
        return UST_ERR_INVAL;
    nic->sim = sw->sim;
    nic->sw = sw;
    nic->port = sw->nports;
    sw->ports[sw->nports++] = nic;
    TRACE(dev->st, "sim", "%s plugged into %s port %u", dev->name, sw->name, nic->port);
    tell_link(dev, true);
    return UST_OK;
}

/* See net_harness.h. */
#include "net_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

static ust_time_t nh_clock(void *ctx) { return ((struct nh_net *)ctx)->now; }

struct nh_net *nh_net_new(void) { return calloc(1, sizeof(struct nh_net)); }

void nh_net_free(struct nh_net *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nstacks; i++)
        ust_stack_free(n->stacks[i]);
    for (int i = 0; i < n->nports; i++) {
        for (size_t j = 0; j < n->ports[i].ntx; j++)
            free(n->ports[i].tx[j].data);
        free(n->ports[i].tx);
    }
    for (size_t i = 0; i < n->qn; i++)
        free(n->q[(n->qhead + i) % n->qcap].data);
    free(n->q);
    free(n);
}

struct ust_stack *nh_stack(struct nh_net *n, const struct ust_config *cfg)
{
    if (n->nstacks == NH_MAX_STACKS)
        return NULL;
    struct ust_config c;
    if (cfg)
        c = *cfg;
    else
        ust_config_default(&c);
    if (!n->ipv6)
        c.ipv6_enabled = false;
    struct ust_stack *st = ust_stack_new(&c);
    if (!st)
        return NULL;
    ust_stack_set_clock(st, nh_clock, n);
    n->stacks[n->nstacks++] = st;
    return st;
}

struct ust_mac nh_mac(uint8_t last)
{
    struct ust_mac m = {{0x02, 0, 0, 0, 0, last}};
    return m;
}

static void nh_queue_push(struct nh_net *n, struct nh_frame f)
{
    if (n->qn == n->qcap) {
        size_t cap = n->qcap ? n->qcap * 2 : 64;
        struct nh_frame *q = malloc(cap * sizeof(*q));
        for (size_t i = 0; i < n->qn; i++)
            q[i] = n->q[(n->qhead + i) % n->qcap];
        free(n->q);
        n->q = q;
        n->qcap = cap;
        n->qhead = 0;
    }
    n->q[(n->qhead + n->qn) % n->qcap] = f;
    n->qn++;
}

static uint8_t *nh_dup(const uint8_t *b, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    memcpy(d, b, len);
    return d;
}

static int nh_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct nh_port *p = ctx;
    if (p->fail_tx > 0) {
        p->fail_tx--;
        return UST_ERR_IO;
    }
    if (p->ntx == p->captx) {
        p->captx = p->captx ? p->captx * 2 : 16;
        p->tx = realloc(p->tx, p->captx * sizeof(*p->tx));
    }
    p->tx[p->ntx++] = (struct nh_frame){nh_dup(frame, len), len, now, p->index};
    if (p->wire != NH_NO_WIRE)
        nh_queue_push(p->net, (struct nh_frame){nh_dup(frame, len), len, now, p->index});
    return 0;
}

int nh_port_new(struct nh_net *n, struct ust_stack *st, int wire, enum ust_link_type type,
                uint8_t mac_last, unsigned mtu)
{
    if (n->nports == NH_MAX_PORTS)
        return -1;
    struct nh_port *p = &n->ports[n->nports];
    memset(p, 0, sizeof(*p));
    p->net = n;
    p->index = n->nports;
    p->wire = wire;
    static const struct ust_dev_ops ops = {.transmit = nh_transmit};
    struct ust_mac mac = nh_mac(mac_last);
    char name[16];
    snprintf(name, sizeof(name), "nh%d", p->index);
    p->dev = ust_dev_new(st, name, type, &mac, mtu, &ops, p);
    if (!p->dev)
        return -1;
    return n->nports++;
}

int nh_host(struct nh_net *n, struct ust_stack *st, int wire, uint8_t mac_last, ust_ip4_t addr,
            int prefix_len, unsigned mtu)
{
    int port = nh_port_new(n, st, wire, UST_LINK_ETHERNET, mac_last, mtu);
    if (port < 0 || ust_iface_add(st, n->ports[port].dev, addr, prefix_len) < 0)
        return -1;
    return port;
}

size_t nh_pump(struct nh_net *n)
{
    size_t count = 0;
    while (n->qn && count < 1000000) {
        struct nh_frame f = n->q[n->qhead];
        n->qhead = (n->qhead + 1) % n->qcap;
        n->qn--;
        int wire = n->ports[f.port].wire;
        for (int i = 0; i < n->nports; i++)
            if (i != f.port && n->ports[i].wire == wire)
                ust_dev_input(n->ports[i].dev, n->now, f.data, f.len);
        free(f.data);
        count++;
    }
    n->delivered += count;
    return count;
}

static void nh_poll_all(struct nh_net *n)
{
    for (int i = 0; i < n->nstacks; i++)
        ust_stack_poll(n->stacks[i], n->now);
}

void nh_run_until(struct nh_net *n, ust_time_t t)
{
    for (int guard = 0; guard < 1000000; guard++) {
        nh_pump(n);
        nh_poll_all(n);
        if (n->qn)
            continue;
        ust_time_t next = UST_TIME_NEVER;
        for (int i = 0; i < n->nstacks; i++) {
            ust_time_t d = ust_stack_poll_at(n->stacks[i]);
            if (d < next)
                next = d;
        }
        if (next <= n->now)
            continue;
        if (next > t)
            break;
        n->now = next;
    }
    if (n->now < t)
        n->now = t;
    nh_poll_all(n);
    nh_pump(n);
}

int nh_inject(struct nh_net *n, int port, const uint8_t *frame, size_t len)
{
    return ust_dev_input(n->ports[port].dev, n->now, frame, len);
}

size_t nh_tx_count(struct nh_net *n, int port) { return n->ports[port].ntx; }

const struct nh_frame *nh_tx(struct nh_net *n, int port, size_t i)
{
    return i < n->ports[port].ntx ? &n->ports[port].tx[i] : NULL;
}

void nh_tx_clear(struct nh_net *n, int port)
{
    for (size_t j = 0; j < n->ports[port].ntx; j++)
        free(n->ports[port].tx[j].data);
    n->ports[port].ntx = 0;
}

size_t nh_build_eth(uint8_t *buf, size_t cap, const uint8_t dst[6], const uint8_t src[6],
                    uint16_t type, const uint8_t *payload, size_t plen)
{
    struct eth_hdr h = {.type = type};
    memcpy(h.dst, dst, 6);
    memcpy(h.src, src, 6);
    int hl = eth_emit(&h, buf, cap);
    if (hl < 0 || (size_t)hl + plen > cap)
        return 0;
    memcpy(buf + hl, payload, plen);
    size_t len = (size_t)hl + plen;
    if (len < ETH_MIN_FRAME && cap >= ETH_MIN_FRAME) {
        memset(buf + len, 0, ETH_MIN_FRAME - len);
        len = ETH_MIN_FRAME;
    }
    return len;
}

size_t nh_build_ipv4(uint8_t *buf, size_t cap, const struct nh_ip *ip, const uint8_t *payload,
                     size_t plen)
{
    size_t hl = IPV4_HDR_LEN + ip->opt_len;
    if (hl + plen > cap)
        return 0;
    if (ip->opt_len)
        memcpy(buf + IPV4_HDR_LEN, ip->opts, ip->opt_len);
    memcpy(buf + hl, payload, plen);
    struct ipv4_hdr h = {.hdr_len = (uint8_t)hl, .tos = ip->tos, .total_len = (uint16_t)(hl + plen),
                         .id = ip->id, .df = ip->df, .mf = ip->mf, .frag_off = ip->frag_off,
                         .ttl = ip->ttl ? ip->ttl : 64, .proto = ip->proto, .src = ip->src,
                         .dst = ip->dst, .opt_len = ip->opt_len};
    if (ipv4_emit(&h, buf, cap) < 0)
        return 0;
    return hl + plen;
}

size_t nh_build_icmp(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint32_t rest,
                     const uint8_t *data, size_t dlen)
{
    if (ICMP_HDR_LEN + dlen > cap)
        return 0;
    if (dlen)
        memcpy(buf + ICMP_HDR_LEN, data, dlen);
    struct icmp_hdr h = {.type = type, .code = code, .rest = rest, .id = (uint16_t)(rest >> 16),
                         .seq = (uint16_t)rest, .mtu = (uint16_t)rest};
    icmp_emit(&h, buf, cap, dlen);
    return ICMP_HDR_LEN + dlen;
}

size_t nh_build_arp(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[6],
                    const uint8_t sha[6], ust_ip4_t spa, const uint8_t tha[6], ust_ip4_t tpa)
{
    struct arp_pkt a = {.htype = ARP_HTYPE_ETHER, .ptype = ETH_TYPE_IPV4, .hlen = 6, .plen = 4,
                        .op = op, .spa = spa, .tpa = tpa};
    memcpy(a.sha, sha, 6);
    memcpy(a.tha, tha, 6);
    uint8_t body[ARP_LEN];
    arp_emit(&a, body, sizeof(body));
    return nh_build_eth(buf, cap, eth_dst, sha, ETH_TYPE_ARP, body, sizeof(body));
}

const uint8_t *nh_tx_ipv4(struct nh_net *n, int port, size_t i, size_t *len)
{
    const struct nh_frame *f = nh_tx(n, port, i);
    if (!f)
        return NULL;
    if (ust_dev_link_type(n->ports[port].dev) == UST_LINK_IP) {
        *len = f->len;
        return f->data;
    }
    struct eth_hdr h;
    if (eth_parse(f->data, f->len, &h) < 0 || h.type != ETH_TYPE_IPV4)
        return NULL;
    *len = f->len - h.hdr_len;
    return f->data + h.hdr_len;
}

void nh_ping_collect(void *ctx, const struct ust_ping_result *r)
{
    struct nh_pings *p = ctx;
    if (p->n < 64)
        p->r[p->n++] = *r;
}

/* ARP protocol (RFC 826, RFC 1122 2.3.2): requests, replies, the merge
 * rule, resolution of outgoing datagrams with a bounded wait queue, request
 * retries with the one-per-interval rate limit, and entry ageing. The cache
 * itself (storage, eviction) is in arp_cache.c. */
#include <stddef.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "iface.h"
#include "link.h"
#include "link_state.h"
#include "wire/ipv4.h"
#include "wire/arp.h"
#include "wire/eth.h"

static const uint8_t eth_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void arp_xmit(struct ust_stack *st, struct ust_dev *dev, const struct arp_pkt *a,
                     const uint8_t *dst_mac)
{
    /* Tailroom for the Ethernet minimum-frame padding. */
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ETH_MIN_FRAME - ETH_HDR_LEN);
    if (!p)
        return;
    if (arp_emit(a, p->data, p->len) != ARP_LEN) {
        pkt_free(p);
        return;
    }
    pkt_trim(p, ARP_LEN);
    eth_output(st, dev, p, dst_mac, ETH_TYPE_ARP);
}

static void arp_fill(struct arp_pkt *a, uint16_t op, const struct ust_iface *ifc)
{
    memset(a, 0, sizeof(*a));
    a->htype = ARP_HTYPE_ETHER;
    a->ptype = ETH_TYPE_IPV4;
    a->hlen = ETH_ALEN;
    a->plen = 4;
    a->op = op;
    memcpy(a->sha, ifc->dev->mac.b, ETH_ALEN);
    a->spa = ifc->addr;
}

#define ARP_REQUEST_COPIES_MAX 4 /* cfg.arp_request_copies: never an ARP flood */

void arp_send_request(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t target,
                      const uint8_t *dst_mac)
{
    struct arp_pkt a;
    arp_fill(&a, ARP_OP_REQUEST, ifc);
    a.tpa = target;
    char t[16], s[16];
    TRACE(st, "arp", "who-has %s tell %s%s", IP4STR(target, t), IP4STR(ifc->addr, s),
          dst_mac ? " (unicast)" : "");
    /* cfg.arp_request_copies: a copy's reply may reach another stack on
     * the same multi-queue TAP (config.h); the copies are one request. */
    unsigned copies = ust_stack_config(st)->arp_request_copies;
    copies = copies < 1 ? 1 : copies > ARP_REQUEST_COPIES_MAX ? ARP_REQUEST_COPIES_MAX : copies;
    for (unsigned i = 0; i < copies; i++) {
        stack_stats(st)->arp.out_requests++;
        arp_xmit(st, ifc->dev, &a, dst_mac ? dst_mac : eth_bcast);
    }
}

/* RFC 5227 2.3 announcement: a request with sender = target = our address,
 * so that neighbours holding an old mapping update it (RFC 826 merge). */
void arp_announce(struct ust_stack *st, struct ust_iface *ifc)
{
    struct arp_pkt a;
    arp_fill(&a, ARP_OP_REQUEST, ifc);
    a.tpa = ifc->addr;
    char s[16];
    TRACE(st, "arp", "gratuitous %s", IP4STR(ifc->addr, s));
    stack_stats(st)->arp.gratuitous_sent++;
    arp_xmit(st, ifc->dev, &a, eth_bcast);
}

void arp_probe(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t target)
{
    struct arp_pkt a;
    arp_fill(&a, ARP_OP_REQUEST, ifc);
    a.spa = 0; /* RFC 5227 2.1.1: all zeros, no cache is polluted */
    a.tpa = target;
    char t[16];
    TRACE(st, "arp", "probe %s", IP4STR(target, t));
    stack_stats(st)->arp.out_requests++;
    arp_xmit(st, ifc->dev, &a, eth_bcast);
}

void arp_prime(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t ip)
{
    if (arp_lookup(st, ip))
        return;
    struct arp_entry *e = arp_create(st, ip, ifc->index);
    if (!e)
        return;
    arp_send_request(st, ifc, ip, NULL);
    e->requests = 1;
    e->last_request = stack_now(st);
    timer_arm(st, &e->timer, stack_now(st) + ust_stack_config(st)->arp_retry_interval);
}

void arp_watch_start(struct ust_stack *st, ust_ip4_t addr)
{
    stack_link(st)->watch = (struct arp_watch){.addr = addr, .conflict = false};
}

bool arp_watch_conflict(const struct ust_stack *st) { return stack_link_const(st)->watch.conflict; }

/* RFC 5227 2.1.1: a packet whose sender is the probed address, or a probe
 * for it from another host, means the address is in use. */
static void arp_watch_check(struct ust_stack *st, const struct ust_dev *dev, const struct arp_pkt *a)
{
    struct arp_watch *w = &stack_link(st)->watch;
    if (!w->addr || !memcmp(a->sha, dev->mac.b, ETH_ALEN))
        return;
    if (a->spa == w->addr || (a->spa == 0 && a->tpa == w->addr && a->op == ARP_OP_REQUEST)) {
        char s[16];
        w->conflict = true;
        TRACE(st, "arp", "conflict: %s is in use", IP4STR(w->addr, s));
    }
}

static void arp_send_reply(struct ust_stack *st, struct ust_iface *ifc, const struct arp_pkt *req)
{
    struct arp_pkt a;
    arp_fill(&a, ARP_OP_REPLY, ifc);
    memcpy(a.tha, req->sha, ETH_ALEN);
    a.tpa = req->spa;
    char s[16], m[18];
    TRACE(st, "arp", "reply %s is-at %s", IP4STR(ifc->addr, s), ust_mac_str(&ifc->dev->mac, m));
    stack_stats(st)->arp.out_replies++;
    arp_xmit(st, ifc->dev, &a, req->sha);
}

void arp_confirm(struct ust_stack *st, struct arp_entry *e, const uint8_t mac[6])
{
    bool was_incomplete = e->state == ARP_INCOMPLETE;
    memcpy(e->mac.b, mac, ETH_ALEN);
    e->state = ARP_REACHABLE;
    e->confirmed = stack_now(st);
    e->requests = 0;
    timer_arm(st, &e->timer, e->confirmed + ust_stack_config(st)->arp_reachable_time);
    if (!was_incomplete)
        return;
    /* RFC 1122 3.3.1.4: a resolution that succeeded is positive advice
     * about a gateway (revives it if it was believed dead). */
    const struct link_upcalls *up = &stack_link(st)->up;
    if (up->neighbour_advice)
        up->neighbour_advice(st, e->ip, true);
    struct ust_iface *ifc = iface_by_index(st, e->ifindex);
    struct pkt *p;
    while ((p = pkt_queue_pop(&e->pending))) {
        if (ifc)
            eth_output(st, ifc->dev, p, e->mac.b, ETH_TYPE_IPV4);
        else
            pkt_free(p);
    }
}

/* Resolution failed after cfg.arp_max_requests requests: the waiting
 * datagrams are dropped and each sender is told "host unreachable" locally
 * (RFC 1122 2.3.2.2 / 2.4: never as a packet on the wire). The entry is
 * removed before anyone is told, so a handler that sends again starts a
 * fresh resolution instead of touching a dying entry. */
static void arp_give_up(struct ust_stack *st, struct arp_entry *e)
{
    struct pkt_queue q = e->pending;
    memset(&e->pending, 0, sizeof(e->pending));
    char a[16];
    TRACE(st, "arp", "%s unreachable after %u requests, %zu packets dropped",
          IP4STR(e->ip, a), e->requests, q.count);
    stack_stats(st)->arp.resolve_failed++;
    ust_ip4_t ip = e->ip;
    arp_remove(st, e);
    /* RFC 1122 3.3.1.4: the link layer's negative advice. When the address
     * is a gateway, traffic moves to the next default gateway. */
    const struct link_upcalls *up = &stack_link(st)->up;
    if (up->neighbour_advice)
        up->neighbour_advice(st, ip, false);
    struct pkt *p;
    while ((p = pkt_queue_pop(&q))) {
        if (up->unresolved)
            up->unresolved(st, p->data, p->len);
        pkt_free(p);
    }
}

void arp_timer_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    struct arp_entry *e = (struct arp_entry *)((char *)t - offsetof(struct arp_entry, timer));
    char a[16];
    switch (e->state) {
    case ARP_INCOMPLETE: {
        struct ust_iface *ifc = iface_by_index(st, e->ifindex);
        if (!ifc || e->requests >= ust_stack_config(st)->arp_max_requests) {
            arp_give_up(st, e);
            return;
        }
        arp_send_request(st, ifc, e->ip, NULL);
        e->requests++;
        e->last_request = now;
        timer_arm(st, &e->timer, now + ust_stack_config(st)->arp_retry_interval);
        return;
    }
    case ARP_REACHABLE:
        TRACE(st, "arp", "%s stale", IP4STR(e->ip, a));
        e->state = ARP_STALE;
        timer_arm(st, &e->timer, now + ust_stack_config(st)->arp_stale_time);
        return;
    case ARP_STALE:
        TRACE(st, "arp", "%s expired", IP4STR(e->ip, a));
        arp_remove(st, e);
        return;
    }
}

/* RFC 1122 2.3.2.2: keep at least the latest packet; the oldest goes. */
static void arp_enqueue(struct ust_stack *st, struct arp_entry *e, struct pkt *p)
{
    if (ust_stack_config(st)->arp_queue_len == 0) {
        stack_stats(st)->arp.queue_drops++;
        pkt_free(p);
        return;
    }
    while (e->pending.count >= ust_stack_config(st)->arp_queue_len) {
        stack_stats(st)->arp.queue_drops++;
        pkt_free(pkt_queue_pop(&e->pending));
    }
    pkt_queue_push(&e->pending, p);
}

/* A STALE mapping is still used, and revalidated by a unicast request at
 * most once per retry interval (RFC 1122 2.3.2.1 "unicast poll"). */
static void arp_revalidate(struct ust_stack *st, struct ust_iface *ifc, struct arp_entry *e)
{
    ust_time_t now = stack_now(st);
    if (e->last_request && e->last_request + ust_stack_config(st)->arp_retry_interval > now)
        return;
    e->last_request = now;
    arp_send_request(st, ifc, e->ip, e->mac.b);
}

int arp_output(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p)
{
    struct arp_entry *e = arp_lookup(st, next_hop);
    if (e && e->state != ARP_INCOMPLETE) {
        if (e->state == ARP_STALE)
            arp_revalidate(st, ifc, e);
        return eth_output(st, ifc->dev, p, e->mac.b, ETH_TYPE_IPV4);
    }
    if (e) {
        /* Already asking: the retry timer paces requests (the flood limit). */
        arp_enqueue(st, e, p);
        return UST_OK;
    }
    e = arp_create(st, next_hop, ifc->index);
    if (!e) {
        char a[16];
        TRACE(st, "arp", "cache full, drop packet for %s", IP4STR(next_hop, a));
        stack_stats(st)->arp.queue_drops++;
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    arp_enqueue(st, e, p);
    arp_send_request(st, ifc, next_hop, NULL);
    e->requests = 1;
    e->last_request = stack_now(st);
    timer_arm(st, &e->timer, stack_now(st) + ust_stack_config(st)->arp_retry_interval);
    return UST_OK;
}

/* Addresses that may never be learnt as a neighbour. */
static bool arp_sender_ok(struct ust_stack *st, const struct ust_iface *ifc, const struct arp_pkt *a)
{
    char s[16];
    if (eth_is_multicast(a->sha) || !memcmp(a->sha, ifc->dev->mac.b, ETH_ALEN)) {
        TRACE(st, "arp", "drop: bad sender hardware address");
        return false;
    }
    if (ifc->addr && a->spa == ifc->addr) {
        TRACE(st, "arp", "drop: address conflict on %s", IP4STR(a->spa, s));
        return false;
    }
    if (ipv4_is_multicast(a->spa) || ipv4_is_iface_broadcast(ifc, a->spa)) {
        TRACE(st, "arp", "drop: bad sender address %s", IP4STR(a->spa, s));
        return false;
    }
    return true;
}

/* RFC 826 "Packet Reception", with the RFC 1122 2.3.2.1 care against
 * poisoning: an existing entry is updated from any packet whose sender it
 * names; a new entry is created only for a request to our address (we are
 * about to talk to that host anyway). A reply nobody asked for is ignored.
 * We answer only for the address of the interface the request came in on. */
void arp_input(struct ust_stack *st, struct ust_dev *dev, const uint8_t *buf, size_t len)
{
    struct arp_pkt a;
    stack_stats(st)->arp.in_packets++;
    int rc = arp_parse(buf, len, &a);
    if (rc < 0) {
        stack_stats(st)->arp.in_errors++;
        TRACE(st, "arp", "drop: %s", wire_strerror(rc));
        return;
    }
    if (a.op == ARP_OP_REQUEST)
        stack_stats(st)->arp.in_requests++;
    else
        stack_stats(st)->arp.in_replies++;
    arp_watch_check(st, dev, &a);
    struct ust_iface *ifc = iface_by_index(st, dev->ifindex);
    if (!ifc)
        return; /* no interface on this device: nothing to answer or learn */
    if (!arp_sender_ok(st, ifc, &a)) {
        stack_stats(st)->arp.in_errors++;
        return;
    }
    char s[16], t[16];
    bool probe = a.spa == 0; /* RFC 5227 probe: answer, learn nothing */
    struct arp_entry *e = probe ? NULL : arp_lookup(st, a.spa);
    bool merged = e != NULL;
    if (e)
        arp_confirm(st, e, a.sha);
    if (a.tpa != ifc->addr || ifc->addr == 0) {
        if (!merged && a.op == ARP_OP_REPLY) {
            stack_stats(st)->arp.unsolicited_ignored++;
            TRACE(st, "arp", "ignore unsolicited reply %s", IP4STR(a.spa, s));
        }
        return;
    }
    if (a.op != ARP_OP_REQUEST) {
        if (!merged) {
            stack_stats(st)->arp.unsolicited_ignored++;
            TRACE(st, "arp", "ignore unsolicited reply %s", IP4STR(a.spa, s));
        }
        return;
    }
    TRACE(st, "arp", "request who-has %s tell %s", IP4STR(a.tpa, t), IP4STR(a.spa, s));
    if (!merged && !probe) {
        e = arp_create(st, a.spa, ifc->index);
        if (e)
            arp_confirm(st, e, a.sha);
    }
    arp_send_reply(st, ifc, &a);
}

static void arp_link_input(struct ust_stack *st, struct ust_dev *dev, struct ust_iface *ifc,
                           const uint8_t *payload, size_t len, bool bcast)
{
    (void)ifc; /* ARP answers for the interface of dev itself */
    (void)bcast;
    arp_input(st, dev, payload, len);
}

int arp_register(struct ust_stack *st) { return link_proto_register(st, ETH_TYPE_ARP, arp_link_input); }

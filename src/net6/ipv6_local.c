/* Packets to our own IPv6 addresses (and ::1): output queues them here and
 * ust_stack_poll delivers them, so that output never re-enters input (as
 * net/ipv4_local.c). Bounded by IPV4_LOCAL_QUEUE_MAX packets. */
#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "net6_impl.h"

int ip6_local_enqueue(struct ust_stack *st, struct pkt *p)
{
    struct pkt_queue *q = &stack_net6(st)->local;
    if (q->count >= IPV4_LOCAL_QUEUE_MAX) {
        stack_stats(st)->ip6.Ip6LocalQueueDrops++;
        TRACE(st, "ip6", "drop: local queue full");
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    pkt_queue_push(q, p);
    return UST_OK;
}

/* The interface that owns dst (the scope handed up), -1 for ::1. */
static int local_ifindex(const struct ust_stack *st, const uint8_t *pkt, size_t len)
{
    struct ipv6_hdr h;
    if (ipv6_parse(pkt, len, &h) < 0)
        return -1;
    /* A looped-back multicast copy arrives on the interface of its source. */
    const struct ip6_ifaddr *a =
        ip6_addr_find_const(st, -1, ipv6_addr_is_multicast(&h.dst) ? &h.src : &h.dst);
    return a ? a->ifindex : -1;
}

void ipv6_local_poll(struct ust_stack *st)
{
    /* Only what was queued before this call: replies made during delivery
     * wait for the next poll, so one poll always ends. */
    struct pkt_queue *q = &stack_net6(st)->local;
    size_t n = q->count;
    struct pkt *p;
    while (n-- > 0 && (p = pkt_queue_pop(q))) {
        stack_stats(st)->ip6.Ip6InReceives++;
        ip6_process(st, local_ifindex(st, p->data, p->len), p->data, p->len, false);
        pkt_free(p);
    }
}

bool ipv6_local_pending(const struct ust_stack *st) { return stack_net6_const(st)->local.count > 0; }

void ipv6_local_destroy(struct ust_stack *st) { pkt_queue_clear(&stack_net6(st)->local); }

/* Datagrams to our own addresses: output queues them here and
 * ust_stack_poll delivers them, so that output never re-enters input
 * (a transport calling ipv4_output from inside its input would otherwise
 * recurse). ust_stack_poll_at reports "now" while the queue is not empty. */
#include "core/stack_impl.h"
#include "core/trace.h"
#include "net.h"

int ipv4_local_enqueue(struct ust_stack *st, struct pkt *p)
{
    if (st->ip_local.count >= IPV4_LOCAL_QUEUE_MAX) {
        st->stats.ip.OutDiscards++;
        TRACE(st, "ip", "drop: local queue full");
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    pkt_queue_push(&st->ip_local, p);
    return UST_OK;
}

void ipv4_local_poll(struct ust_stack *st)
{
    /* Only what was queued before this call: replies generated during
     * delivery wait for the next poll, so one poll always terminates. */
    size_t n = st->ip_local.count;
    struct pkt *p;
    while (n-- > 0 && (p = pkt_queue_pop(&st->ip_local))) {
        ipv4_input_local(st, p->data, p->len);
        pkt_free(p);
    }
}

bool ipv4_local_pending(const struct ust_stack *st) { return st->ip_local.count > 0; }

void ipv4_local_destroy(struct ust_stack *st) { pkt_queue_clear(&st->ip_local); }

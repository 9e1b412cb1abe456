/* Datagrams to our own addresses: output queues them here and
 * ust_stack_poll delivers them, so that output never re-enters input
 * (a transport calling ipv4_output from inside its input would otherwise
 * recurse). ust_stack_poll_at reports "now" while the queue is not empty. */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"

int ipv4_local_enqueue(struct ust_stack *st, struct pkt *p)
{
    if (stack_net(st)->local.count >= IPV4_LOCAL_QUEUE_MAX) {
        stack_stats(st)->ip.OutDiscards++;
        TRACE(st, "ip", "drop: local queue full");
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    pkt_queue_push(&stack_net(st)->local, p);
    return UST_OK;
}

void ipv4_local_poll(struct ust_stack *st)
{
    /* Only what was queued before this call: replies generated during
     * delivery wait for the next poll, so one poll always terminates. */
    struct pkt_queue *q = &stack_net(st)->local;
    size_t n = q->count;
    struct pkt *p;
    while (n-- > 0 && (p = pkt_queue_pop(q))) {
        ipv4_input_local(st, p->data, p->len);
        pkt_free(p);
    }
}

bool ipv4_local_pending(const struct ust_stack *st) { return stack_net_const(st)->local.count > 0; }

void ipv4_local_destroy(struct ust_stack *st) { pkt_queue_clear(&stack_net(st)->local); }

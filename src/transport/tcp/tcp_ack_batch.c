/* ACKs of in-order data.
 *
 * RFC 5681 4.2 / RFC 9293 SHLD-19: an ACK at least every second full-sized
 * segment, else within the delayed-ACK time (MUST-40). Frames that a
 * driver reads in one batch (ust_dev_poll_rx) were all in the host at the
 * same moment, so one ACK at the end of the batch tells the sender what
 * one every two segments would, without a write() per two frames (half
 * the receiver's time went there). This is a stretch ACK, a deliberate
 * departure from the SHOULD, as Linux acknowledges a GRO packet of up to
 * 64 KB with one ACK: capped at min(64 KB, a quarter of the receive
 * buffer), and never for out-of-order data or a filled hole, which are
 * acknowledged at once (RFC 5681 4.2 MUST, RFC 9293 MUST-58/59: the ACKs
 * of a batch are coalesced, none is lost). */
#include "core/defer.h"
#include "core/services.h"
#include "tcp.h"
#include "transport/transport.h"

static uint32_t stretch_ack_cap(const struct tcb *t)
{
    uint32_t cap = (uint32_t)(t->rcv.buf.cap / 4);
    if (cap > 65536)
        cap = 65536;
    return cap > 2u * t->opt.rcv_mss ? cap : 2u * t->opt.rcv_mss;
}

static void ack_at_batch_end(struct tcb *t)
{
    t->flags |= TF_ACK_BATCH;
    if (t->in_ack_list)
        return;
    struct tcp_state *ts = stack_tcp(t->st);
    t->ack_next = ts->ack_list;
    ts->ack_list = t;
    t->in_ack_list = true;
}

void tcp_ack_in_order_data(struct tcb *t, bool filled_hole)
{
    if (filled_hole)
        t->flags |= TF_ACK_NOW;
    else if (t->rcv.unacked < 2u * t->opt.rcv_mss)
        tcp_delack_schedule(t);
    else if (stack_in_rx_batch(t->st) && t->rcv.unacked < stretch_ack_cap(t))
        ack_at_batch_end(t);
    else
        t->flags |= TF_ACK_NOW;
}

void tcp_ack_list_remove(struct tcb *t)
{
    if (!t->in_ack_list)
        return;
    struct tcb **pp = &stack_tcp(t->st)->ack_list;
    while (*pp && *pp != t)
        pp = &(*pp)->ack_next;
    if (*pp)
        *pp = t->ack_next;
    t->in_ack_list = false;
    t->flags &= ~TF_ACK_BATCH;
}

bool tcp_acks_pending(const struct ust_stack *st) { return stack_tcp(st) && stack_tcp(st)->ack_list; }

void tcp_rx_batch_end(struct ust_stack *st)
{
    struct tcp_state *ts = stack_tcp(st);
    if (!ts)
        return;
    struct tcb *t;
    while ((t = ts->ack_list)) {
        ts->ack_list = t->ack_next;
        t->in_ack_list = false;
        if (!(t->flags & TF_ACK_BATCH))
            continue; /* a segment carried it meanwhile */
        t->flags = (t->flags & ~TF_ACK_BATCH) | TF_ACK_NOW;
        tcp_output(t);
    }
}

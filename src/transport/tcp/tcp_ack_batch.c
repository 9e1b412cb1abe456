/* ACKs of in-order data (out-of-order data is ACKed at once, tcp_input.c).
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
 * of a batch are coalesced, none is lost).
 *
 * Quick-ACK mode (Linux tcp_enter_quickack_mode): at the start of a
 * connection, after out-of-order or duplicate data, and when text arrives
 * after more than an RTO without any (cfg.tcp_quickack_idle), the next in-order
 * segments (at most cfg.tcp_quickack, and half the window in segments) are
 * ACKed one by one: a sender in slow start or just out of loss recovery
 * gets its ACK clock back at once, and an ABC sender (RFC 3465, L = 2 SMSS)
 * its full cwnd growth, where a stretch ACK would give it 2 SMSS.
 *
 * SACK compression (Linux tcp_comp_sack_nr): each out-of-order segment
 * draws a duplicate ACK at once (RFC 5681 4.2), but once 3 have gone for
 * one RCV.NXT (the sender's DupThresh, RFC 5681 3.2 / RFC 6675), the
 * segments of the same receive batch that continue the latest one (the
 * burst beyond a hole) are folded into one ACK at its end, at most
 * cfg.tcp_comp_sack_nr at a time: its first SACK block holds them (RFC
 * 2018 4). A segment that opens a new hole or lands anywhere else is ACKed
 * at once, so every block's last growth is reported before a newer block
 * can push it out of the option's room (the sender's RACK would take the
 * unreported part for lost: measured, a Linux BBR sender then resent 1.6%
 * of a transfer at 1% loss). A long burst beyond a hole would otherwise
 * cost a write() per segment, and the sender learns the same from fewer
 * ACKs.
 *
 * After the application read (Linux tcp_cleanup_rbuf): an ACK still owed
 * goes at the next poll (a reply written first carries it instead) when
 * more than a full segment waits for it, or when the read emptied the
 * buffer of a pushed segment (PSH or short: the sender has nothing more in
 * flight behind it and would otherwise wait the delayed-ACK time, e.g.
 * behind Nagle). */
#include "core/defer.h"
#include "core/services.h"
#include "tcp.h"
#include "transport/transport.h"

#define DUPTHRESH 3 /* the sender's DupThresh (RFC 5681 3.2, RFC 6675 2) */

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

uint32_t tcp_rcv_full_seg(const struct tcb *t)
{
    /* the MSS we announced less the timestamps option the peer's segments
     * carry (RFC 7323 3.2; MUST-16 on its side) */
    uint32_t mss = t->opt.rcv_mss ? t->opt.rcv_mss : TCP_DEFAULT_MSS;
    uint32_t opt = t->opt.ts_ok ? 12 : 0;
    return mss > opt + 1 ? mss - opt : 1;
}

void tcp_quickack_enter(struct tcb *t)
{
    /* Linux tcp_incr_quickack: half the window in segments, at least 2 */
    unsigned max = ust_stack_config(t->st)->tcp_quickack;
    if (max == 0)
        return;
    if (max > UINT8_MAX)
        max = UINT8_MAX;
    uint32_t n = tcp_rcv_window(t) / (2 * tcp_rcv_full_seg(t));
    if (n < 2)
        n = 2;
    if (n > max)
        n = max;
    if (n > t->rcv.quick)
        t->rcv.quick = (uint8_t)n;
}

void tcp_quickack_data_in(struct tcb *t)
{
    ust_time_t now = stack_now(t->st);
    /* Linux tcp_event_data_recv: a gap longer than the RTO means the
     * sender restarts from a small window (RFC 5681 4.1, RFC 7661), and
     * delayed ACKs would hold back its slow start as at the beginning. The
     * base RTO, not a backed-off one: the gap is the sender's idle time. */
    if (ust_stack_config(t->st)->tcp_quickack_idle && t->at.had_data &&
        now - t->at.last_data_at > t->rtt.rto) {
        uint8_t before = t->rcv.quick;
        tcp_quickack_enter(t);
        if (t->rcv.quick > before)
            stack_stats(t->st)->tcp.QuickAckIdle++;
    }
    t->at.had_data = true;
    t->at.last_data_at = now;
}

void tcp_ack_in_order_data(struct tcb *t, bool filled_hole)
{
    if (filled_hole || t->rcv.quick) {
        /* A frame a driver coalesced (GSO over TAP) spends one quick ACK
         * per wire segment it carries, as Linux's tcp_dec_quickack_mode
         * counts a GRO packet's segments. */
        unsigned segs = stack_rx_segs(t->st);
        t->rcv.quick = (uint8_t)(t->rcv.quick > segs ? t->rcv.quick - segs : 0);
        t->flags |= TF_ACK_NOW;
    } else if (t->rcv.unacked < 2u * tcp_rcv_full_seg(t)) {
        tcp_delack_schedule(t);
    } else if (stack_in_rx_batch(t->st) && t->rcv.unacked < stretch_ack_cap(t)) {
        ack_at_batch_end(t);
    } else {
        t->flags |= TF_ACK_NOW;
    }
}

void tcp_ack_out_of_order(struct tcb *t, uint32_t seq, uint32_t len)
{
    unsigned max = ust_stack_config(t->st)->tcp_comp_sack_nr;
    if (t->rcv.dup_nxt != t->rcv.nxt) {
        t->rcv.dup_nxt = t->rcv.nxt;
        t->rcv.dup_sent = 0;
    }
    bool continues = seq == t->rcv.ooo_last_end;
    t->rcv.ooo_last_end = seq + len;
    bool fold = max && t->opt.sack_ok && stack_in_rx_batch(t->st) && continues &&
                t->rcv.dup_sent >= DUPTHRESH && t->rcv.sack_folded < max;
    if (!fold) {
        if (t->rcv.dup_sent < DUPTHRESH)
            t->rcv.dup_sent++;
        t->flags |= TF_ACK_NOW;
        return;
    }
    unsigned folded = t->rcv.sack_folded + stack_rx_segs(t->st); /* a coalesced frame: its segments */
    t->rcv.sack_folded = (uint8_t)(folded > UINT8_MAX ? UINT8_MAX : folded);
    stack_stats(t->st)->tcp.SackCompressed++;
    ack_at_batch_end(t);
}

void tcp_ack_after_read(struct tcb *t)
{
    if (!(t->flags & TF_DELACK) || (t->flags & TF_ACK_BATCH))
        return;
    bool drained = ring_len(&t->rcv.buf) == 0;
    if (t->rcv.unacked > tcp_rcv_full_seg(t) || (t->rcv.pushed && drained))
        ack_at_batch_end(t);
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

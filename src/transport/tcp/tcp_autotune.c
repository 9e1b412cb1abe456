/* Socket buffer autotuning, as Linux does it.
 *
 * Receive side (Linux tcp_rcv_space_adjust, "dynamic right-sizing"): the
 * window a receiver must offer to keep a sender busy is the path's
 * bandwidth-delay product, which a fixed buffer either wastes memory on or
 * falls short of. So once per receiver RTT the bytes the application read
 * in that RTT are compared with the last measurement; when the reading
 * rate grew, the receive ring grows to twice what was read plus 16
 * segments (room for a round of loss recovery), and more while the rate
 * still climbs (slow start), at most fourfold per RTT, up to
 * cfg.tcp_rmem_max. The ring only grows,
 * so the advertised right edge never moves left (RFC 9293 3.8.6), and the
 * window scale was picked at SYN time from that maximum (RFC 7323 2.2,
 * tcp_rcvbuf_ceiling), so the larger window can be expressed.
 *
 * The receiver's RTT (Linux rcv_rtt_est): from the timestamps (RFC 7323:
 * TSecr echoes our clock, so now - TSecr is a round trip) or, without
 * them, as the time to receive one advertised window; the window-based
 * sample only ever lowers the estimate (it overestimates when the sender
 * is not window-limited).
 *
 * Send side (Linux tcp_sndbuf_expand): the send ring holds everything
 * from SND.UNA on, so a sender whose cwnd outgrows half the ring stalls
 * on its own buffer. While the application keeps the ring more than half
 * full it grows to twice cwnd (at least doubling), up to cfg.tcp_wmem_max.
 *
 * A socket whose application set SO_RCVBUF / SO_SNDBUF keeps that size
 * (Linux SOCK_RCVBUF_LOCK / SOCK_SNDBUF_LOCK). Every growth is counted
 * (RcvBufGrown, SndBufGrown; BufGrowFailed when memory ran out, and the
 * connection then goes on with the buffer it has). What all connections
 * grew by together is bounded by cfg.tcp_autotune_mem_max (BufGrowLimited
 * when a growth was cut short or refused). */
#include "core/services.h"
#include "tcp.h"
#include "tcp_seg.h"
#include "transport/transport.h"
#include "transport/sock_ops.h"
#include "wire/seq.h"

static bool rcv_autotune(const struct tcb *t)
{
    const struct ust_config *c = ust_stack_config(t->st);
    return c->tcp_moderate_rcvbuf && !t->so.rcvbuf_lock && c->tcp_rmem_max > t->rcv.buf.cap;
}

size_t tcp_rcvbuf_ceiling(const struct tcb *t)
{
    const struct ust_config *c = ust_stack_config(t->st);
    bool grows = c->tcp_moderate_rcvbuf && !t->so.rcvbuf_lock;
    return grows && c->tcp_rmem_max > t->rcv.buf.cap ? c->tcp_rmem_max : t->rcv.buf.cap;
}

static void rcv_rtt_sample(struct tcb *t, ust_time_t sample, bool window_based)
{
    struct tcp_autotune *a = &t->at;
    if (sample <= 0)
        sample = UST_MSEC; /* below the timestamp clock's tick */
    if (a->rcv_rtt == 0)
        a->rcv_rtt = sample;
    else if (!window_based) /* RFC 6298's gain, as Linux; ust_time_t is unsigned */
        a->rcv_rtt = (ust_time_t)((int64_t)a->rcv_rtt +
                                  ((int64_t)sample - (int64_t)a->rcv_rtt) / 8);
    else if (sample < a->rcv_rtt)
        a->rcv_rtt = sample;
}

/* Linux tcp_rcv_rtt_measure: the time RCV.NXT takes to pass a window. */
static void rcv_rtt_by_window(struct tcb *t)
{
    struct tcp_autotune *a = &t->at;
    ust_time_t now = stack_now(t->st);
    if (a->rtt_started) {
        if (seq_lt(t->rcv.nxt, a->rtt_seq))
            return;
        rcv_rtt_sample(t, now - a->rtt_time, true);
    }
    /* the window last advertised: the sender may fill it in one round */
    uint32_t wnd = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    a->rtt_started = wnd >= tcp_rcv_full_seg(t);
    a->rtt_seq = t->rcv.nxt + wnd;
    a->rtt_time = now;
}

/* Linux tcp_rcv_rtt_measure_ts: a full segment echoing a TSval of ours
 * not used before (RFC 7323 4.1: our clock, 1 ms a tick). */
static void rcv_rtt_by_ts(struct tcb *t, const struct seg *s)
{
    const struct tcp_opts *o = &s->h->opts;
    if (!t->opt.ts_ok || !o->has_timestamp || o->ts_ecr == 0 || o->ts_ecr == t->at.last_tsecr)
        return;
    if (s->len < tcp_rcv_full_seg(t))
        return;
    t->at.last_tsecr = o->ts_ecr;
    uint32_t ticks = tcp_ts_now(t) - o->ts_ecr;
    if (ticks > 60000) /* older than a minute: a wrapped or bogus echo */
        return;
    rcv_rtt_sample(t, (ust_time_t)ticks * UST_MSEC, false);
}

void tcp_autotune_data_in(struct tcb *t, const struct seg *s)
{
    if (!rcv_autotune(t))
        return;
    if (t->opt.ts_ok)
        rcv_rtt_by_ts(t, s);
    else
        rcv_rtt_by_window(t);
}

/* Grows r towards cap within the stack-wide budget
 * (cfg.tcp_autotune_mem_max; Linux's tcp_mem has the same role). */
static bool grow_ring(struct tcb *t, struct ring *r, size_t cap, uint64_t *grown, int *stored)
{
    struct ust_stats *stats = stack_stats(t->st);
    struct tcp_state *ts = stack_tcp(t->st);
    size_t max = ust_stack_config(t->st)->tcp_autotune_mem_max;
    size_t room = ts->autotune_bytes < max ? max - ts->autotune_bytes : 0;
    if (cap - r->cap > room) {
        stats->tcp.BufGrowLimited++;
        cap = r->cap + room;
        if (room == 0)
            return false;
    }
    size_t old = r->cap;
    if (ring_grow(r, cap) != UST_OK) {
        stats->tcp.BufGrowFailed++;
        return false;
    }
    t->at.grown += cap - old;
    ts->autotune_bytes += cap - old;
    (*grown)++;
    if (stored) /* getsockopt(SO_RCVBUF/SO_SNDBUF) reports it, as Linux */
        *stored = (int)cap;
    return true;
}

void tcp_autotune_release(struct tcb *t)
{
    struct tcp_state *ts = stack_tcp(t->st);
    ts->autotune_bytes -= t->at.grown < ts->autotune_bytes ? t->at.grown : ts->autotune_bytes;
    t->at.grown = 0;
}

/* The ring size for `copied` bytes read in an RTT after `space` in the
 * previous one (Linux tcp_rcv_space_adjust's rcvwin). */
static uint64_t rcv_space_target(const struct tcb *t, uint32_t copied, uint32_t space)
{
    uint64_t win = 2 * (uint64_t)copied + 16 * (uint64_t)tcp_rcv_full_seg(t);
    if (space) /* the rate is still growing (slow start): room for that */
        win += 2 * (win * (copied - space) / space);
    return win;
}

void tcp_rcv_space_adjust(struct tcb *t)
{
    struct tcp_autotune *a = &t->at;
    ust_time_t now = stack_now(t->st);
    if (!a->space_started) {
        a->space_started = true;
        a->space = 10 * tcp_rcv_full_seg(t); /* Linux: the initial window's worth */
        a->space_seq = t->rcv.rd_seq;
        a->space_time = now;
        return;
    }
    if (a->rcv_rtt == 0 || now - a->space_time < a->rcv_rtt)
        return;
    uint32_t copied = t->rcv.rd_seq - a->space_seq;
    if (copied > a->space && rcv_autotune(t)) {
        uint64_t want = rcv_space_target(t, copied, a->space);
        uint64_t max = ust_stack_config(t->st)->tcp_rmem_max;
        uint64_t wmax = (uint64_t)65535 << t->opt.rcv_wscale; /* what the field holds */
        /* at most 4 x per RTT: our window is the ring's free space, so the
         * ring must not jump to the maximum on one burst that a short
         * transfer read in a coarse (1 ms timestamp) RTT; Linux's window
         * climbs towards its buffer gradually (rcv_ssthresh) */
        if (want > 4 * (uint64_t)t->rcv.buf.cap)
            want = 4 * (uint64_t)t->rcv.buf.cap;
        if (want > max)
            want = max;
        if (want > wmax)
            want = wmax;
        if (want > t->rcv.buf.cap)
            grow_ring(t, &t->rcv.buf, (size_t)want, &stack_stats(t->st)->tcp.RcvBufGrown,
                      t->sock ? &t->sock->rcvbuf : NULL);
    }
    if (copied > a->space)
        a->space = copied;
    a->space_seq = t->rcv.rd_seq;
    a->space_time = now;
}

void tcp_sndbuf_expand(struct tcb *t)
{
    const struct ust_config *c = ust_stack_config(t->st);
    struct ring *r = &t->snd.buf;
    if (t->so.sndbuf_lock || c->tcp_wmem_max <= r->cap)
        return;
    uint64_t want = 2 * (uint64_t)t->cc.cwnd;
    /* only for an application that keeps the ring filled (Linux grows it
     * when a writer found it full, SOCK_NOSPACE) */
    if (want <= r->cap || ring_len(r) < r->cap / 2)
        return;
    /* at least double: a resize copies the ring, so a cwnd that grows by
     * a segment per ACK must not cost a copy per ACK */
    if (want < 2 * (uint64_t)r->cap)
        want = 2 * (uint64_t)r->cap;
    if (want > c->tcp_wmem_max)
        want = c->tcp_wmem_max;
    grow_ring(t, r, (size_t)want, &stack_stats(t->st)->tcp.SndBufGrown,
              t->sock ? &t->sock->sndbuf : NULL);
}

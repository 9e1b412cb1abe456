/* Selective acknowledgments (RFC 2018). Receiving side: our ACKs carry
 * blocks describing the out-of-order data held (the assembler's ranges,
 * and a FIN held out of order), after a D-SACK block (RFC 2883) when a
 * segment brought data we already had. The block of the latest segment
 * goes first, then those reported most recently (RFC 2018 4): the
 * assembler keeps ranges in sequence order, so the TCB keeps that
 * recency (sack_recent, a few sequence numbers). Sending side: a scoreboard of what
 * the peer reported holding (another assembler, offsets from SND.UNA), so
 * that fast recovery retransmits the holes below SACKed data rather than
 * only SND.UNA, and going back after an RTO skips what the peer holds.
 * How much may be sent during recovery (pipe) is tcp_recovery.c's. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

void tcp_sack_update(struct tcb *t, const struct tcp_opts *o)
{
    if (!t->opt.sack_ok)
        return;
    for (unsigned i = 0; i < o->num_sack && i < TCP_MAX_SACK_BLOCKS; i++) {
        uint32_t l = o->sack[i].left, r = o->sack[i].right;
        /* only blocks inside what is outstanding (RFC 2018 is no licence
         * to believe anything else) */
        if (seq_lt(l, t->snd.una))
            l = t->snd.una;
        if (seq_gt(r, t->snd.max))
            r = t->snd.max;
        if (!seq_lt(l, r))
            continue;
        asm_add(&t->rec.sacked, l - t->snd.una, r - l); /* full table: the block is ignored */
    }
}

void tcp_sack_advance(struct tcb *t, uint32_t n)
{
    asm_advance(&t->rec.sacked, n);
}

bool tcp_sack_retransmit_hole(struct tcb *t)
{
    if (!t->opt.sack_ok || asm_empty(&t->rec.sacked))
        return false;
    uint32_t off = seq_gt(t->rec.sack_next, t->snd.una) ? t->rec.sack_next - t->snd.una : 0;
    for (unsigned i = 0; i < t->rec.sacked.n; i++) {
        const struct asm_range *r = &t->rec.sacked.r[i];
        if (off < r->start) {
            /* [off, r->start) is a hole with SACKed data above: lost */
            uint32_t len = r->start - off;
            tcp_request_rexmit(t, t->snd.una + off, len);
            tcp_output(t);
            uint32_t sent = len < t->opt.mss ? len : t->opt.mss;
            t->rec.sack_next = t->snd.una + off + sent;
            if (off == 0)
                t->rec.una_rexmit_high = t->snd.max;
            stack_stats(t->st)->tcp.SackRetrans++;
            return true;
        }
        if (off < r->end)
            off = r->end;
    }
    return false;
}

void tcp_dsack_note(struct tcb *t, uint32_t left, uint32_t right)
{
    if (!t->opt.sack_ok || !ust_stack_config(t->st)->tcp_dsack || !seq_lt(left, right))
        return;
    /* one pending report: the latest duplicate replaces an older one that
     * no ACK carried (RFC 2883 4: each duplicate is reported at most once) */
    t->rcv.dsack_pending = true;
    t->rcv.dsack_left = left;
    t->rcv.dsack_right = right;
    TCB_TRACE(t, "D-SACK %u-%u: received twice", left, right);
}

void tcp_dsack_note_ooo(struct tcb *t, uint32_t off, uint32_t len)
{
    /* the first held range the new bytes overlap: that part is a duplicate */
    const struct assembler *a = &t->rcv.ooo;
    for (unsigned i = 0; i < a->n; i++) {
        uint32_t lo = off > a->r[i].start ? off : a->r[i].start;
        uint32_t hi = off + len < a->r[i].end ? off + len : a->r[i].end;
        if (lo < hi) {
            tcp_dsack_note(t, t->rcv.nxt + lo, t->rcv.nxt + hi);
            return;
        }
    }
}

/* ---- the blocks our ACKs carry ------------------------------------------ */

/* Room for every held range and a FIN block of its own. */
#define HELD_MAX (TCP_OFO_RANGES_MAX + 1)

/* What is held beyond RCV.NXT as blocks, in sequence order. A FIN held
 * out of order occupies its sequence number, and Linux's blocks cover it
 * (tcp_data_queue_ofo: the block ends at end_seq, past the FIN): the
 * range ending at it grows by one, or it is a block of its own (a FIN
 * lies past the data). */
static unsigned held_blocks(const struct tcb *t, struct tcp_sack_block *b)
{
    const struct assembler *a = &t->rcv.ooo;
    bool fin = t->rcv.ooo_fin && seq_gt(t->rcv.ooo_fin_seq, t->rcv.nxt);
    unsigned n = 0;
    for (unsigned i = 0; i < a->n; i++, n++) {
        b[n].left = t->rcv.nxt + a->r[i].start;
        b[n].right = t->rcv.nxt + a->r[i].end;
        if (fin && seq_le(b[n].left, t->rcv.ooo_fin_seq) && seq_ge(b[n].right, t->rcv.ooo_fin_seq)) {
            if (b[n].right == t->rcv.ooo_fin_seq)
                b[n].right++;
            fin = false;
        }
    }
    if (fin) {
        b[n].left = t->rcv.ooo_fin_seq;
        b[n].right = t->rcv.ooo_fin_seq + 1;
        n++;
    }
    return n;
}

/* The held block containing seq, or -1 (consumed, or never held). */
static int block_of(const struct tcp_sack_block *b, unsigned n, uint32_t seq)
{
    for (unsigned i = 0; i < n; i++)
        if (seq_le(b[i].left, seq) && seq_lt(seq, b[i].right))
            return (int)i;
    return -1;
}

/* What block_of(held_blocks()) gives for seq, without building the
 * blocks (the assembler's binary search). This runs for every segment
 * that arrives out of order, and with a window of holes (1 % loss,
 * 4 MiB) building them all each time was 5 % of a receiver's CPU. */
static int held_index(const struct tcb *t, uint32_t seq)
{
    const struct assembler *a = &t->rcv.ooo;
    if (seq_lt(seq, t->rcv.nxt))
        return -1;
    uint32_t off = seq - t->rcv.nxt;
    unsigned lo = asm_lower_bound(a, off + 1); /* the first range that ends past off */
    if (lo < a->n && a->r[lo].start <= off)
        return (int)lo;
    bool fin = t->rcv.ooo_fin && seq_gt(t->rcv.ooo_fin_seq, t->rcv.nxt);
    if (!fin || seq != t->rcv.ooo_fin_seq)
        return -1;
    /* the FIN: on the range that ends at it, else a block of its own */
    return lo > 0 && a->r[lo - 1].end == off ? (int)(lo - 1) : (int)a->n;
}

void tcp_sack_note_ooo(struct tcb *t, uint32_t seq)
{
    int newest = held_index(t, seq);
    uint32_t keep[TCP_MAX_SACK_BLOCKS];
    unsigned n = 0;
    keep[n++] = seq;
    /* the older records, but not twice the newest block and not what
     * RCV.NXT passed; the oldest falls off */
    for (unsigned i = 0; i < t->rcv.sack_recent_n && n < TCP_MAX_SACK_BLOCKS; i++) {
        int k = held_index(t, t->rcv.sack_recent[i]);
        if (k >= 0 && k != newest)
            keep[n++] = t->rcv.sack_recent[i];
    }
    memcpy(t->rcv.sack_recent, keep, n * sizeof(keep[0]));
    t->rcv.sack_recent_n = (uint8_t)n;
}

/* The D-SACK block first, and the held block containing it second (RFC
 * 2883 4); it is sent once. Returns the blocks filled and sets *container
 * to the held block used, or -1. */
static unsigned take_dsack(struct tcb *t, const struct tcp_sack_block *held, unsigned nh,
                           struct tcp_sack_block *b, unsigned max, int *container)
{
    struct ust_stats *stats = stack_stats(t->st);
    unsigned n = 0;
    *container = -1;
    if (!t->rcv.dsack_pending)
        return 0;
    t->rcv.dsack_pending = false;
    b[n].left = t->rcv.dsack_left;
    b[n].right = t->rcv.dsack_right;
    n++;
    if (seq_le(t->rcv.dsack_right, t->rcv.nxt)) {
        stats->tcp.DsackOldSent++;
        return n;
    }
    stats->tcp.DsackOfoSent++;
    int k = block_of(held, nh, t->rcv.dsack_left);
    if (k >= 0 && seq_ge(held[k].right, t->rcv.dsack_right) && n < max) {
        b[n++] = held[k];
        *container = k;
    }
    return n;
}

/* RFC 2018 4: the next ACK repeats the blocks this one reported, in this
 * order (the D-SACK itself is reported once), then the older records a
 * short option had no room for. */
static void remember_reported(struct tcb *t, const struct tcp_sack_block *held, unsigned nh,
                              const struct tcp_sack_block *b, unsigned from, unsigned n)
{
    uint32_t keep[TCP_MAX_SACK_BLOCKS];
    unsigned k = 0;
    for (unsigned i = from; i < n && k < TCP_MAX_SACK_BLOCKS; i++)
        keep[k++] = b[i].left;
    for (unsigned i = 0; i < t->rcv.sack_recent_n && k < TCP_MAX_SACK_BLOCKS; i++) {
        int blk = block_of(held, nh, t->rcv.sack_recent[i]);
        if (blk >= 0 && block_of(b + from, n - from, t->rcv.sack_recent[i]) < 0)
            keep[k++] = t->rcv.sack_recent[i];
    }
    memcpy(t->rcv.sack_recent, keep, k * sizeof(keep[0]));
    t->rcv.sack_recent_n = (uint8_t)k;
}

unsigned tcp_sack_blocks(struct tcb *t, struct tcp_sack_block *b, unsigned max)
{
    if (!t->opt.sack_ok || max == 0)
        return 0;
    struct tcp_sack_block held[HELD_MAX];
    unsigned nh = held_blocks(t, held);
    bool used[HELD_MAX] = {false};
    int container;
    unsigned n = take_dsack(t, held, nh, b, max, &container);
    unsigned first = n > 0 ? 1 : 0; /* after the D-SACK block */
    if (container >= 0)
        used[container] = true;
    /* RFC 2018 4: the block of the latest segment, then those most
     * recently reported (the records are in that order), none twice */
    for (unsigned i = 0; i < t->rcv.sack_recent_n && n < max; i++) {
        int k = block_of(held, nh, t->rcv.sack_recent[i]);
        if (k >= 0 && !used[k]) {
            b[n++] = held[k];
            used[k] = true;
        }
    }
    /* room left: blocks not reported lately, lowest first */
    for (unsigned k = 0; k < nh && n < max; k++)
        if (!used[k])
            b[n++] = held[k];
    remember_reported(t, held, nh, b, first, n);
    return n;
}

void tcp_sack_skip_held(struct tcb *t)
{
    /* RFC 6675 5.1: after an RTO, resend only what the peer does not
     * report holding (SACKs that came since the timeout). */
    if (!t->opt.sack_ok || !seq_lt(t->snd.nxt, t->snd.max) ||
        !seq_ge(t->snd.nxt, t->snd.una))
        return;
    uint32_t off = t->snd.nxt - t->snd.una;
    for (unsigned i = 0; i < t->rec.sacked.n; i++) {
        const struct asm_range *r = &t->rec.sacked.r[i];
        if (off >= r->start && off < r->end) {
            t->snd.nxt = t->snd.una + r->end;
            return;
        }
    }
}

bool tcp_sack_is_dsack(const struct tcp_opts *o, uint32_t ack)
{
    if (o->num_sack == 0)
        return false;
    const struct tcp_sack_block *b = &o->sack[0];
    if (seq_lt(b->left, ack))
        return true;
    return o->num_sack > 1 && seq_ge(b->left, o->sack[1].left) && seq_le(b->right, o->sack[1].right);
}

void tcp_sack_check_reneging(struct tcb *t)
{
    /* The scoreboard counts from SND.UNA: a range at offset 0 is data the
     * receiver reported holding, yet its cumulative ACK stops before it. */
    if (!t->opt.sack_ok || asm_empty(&t->rec.sacked) || t->rec.sacked.r[0].start != 0 ||
        t->rec.sack_reneged)
        return;
    t->rec.sack_reneged = true;
    stack_stats(t->st)->tcp.SackReneging++;
    TCB_TRACE(t, "receiver reneged on SACKed data at %u", t->snd.una);
}

void tcp_sack_on_rto(struct tcb *t)
{
    if (!t->rec.sack_reneged)
        return; /* RFC 6675 5.1: still valid, resending skips what the peer holds */
    asm_clear(&t->rec.sacked); /* RFC 2018 8: forget it all */
    sendmap_clear_flag(&t->rack.map, RS_SACKED);
    t->rec.sack_reneged = false;
}

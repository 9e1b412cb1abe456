/* Selective acknowledgments (RFC 2018). Receiving side: our ACKs carry
 * blocks describing the out-of-order data held (the assembler's ranges,
 * the most recently changed first), after a D-SACK block (RFC 2883) when
 * a segment brought data we already had. Sending side: a scoreboard of what
 * the peer reported holding (another assembler, offsets from SND.UNA), so
 * that fast recovery retransmits the holes below SACKed data rather than
 * only SND.UNA, and going back after an RTO skips what the peer holds.
 * How much may be sent during recovery (pipe) is tcp_recovery.c's. */
#include "core/stack_impl.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

void tcp_sack_update(struct tcb *t, const struct tcp_opts *o)
{
    if (!(t->flags & TF_SACK_OK))
        return;
    for (unsigned i = 0; i < o->num_sack && i < TCP_MAX_SACK_BLOCKS; i++) {
        uint32_t l = o->sack[i].left, r = o->sack[i].right;
        /* only blocks inside what is outstanding (RFC 2018 is no licence
         * to believe anything else) */
        if (seq_lt(l, t->snd_una))
            l = t->snd_una;
        if (seq_gt(r, t->snd_max))
            r = t->snd_max;
        if (!seq_lt(l, r))
            continue;
        asm_add(&t->sacked, l - t->snd_una, r - l); /* full table: the block is ignored */
    }
}

void tcp_sack_advance(struct tcb *t, uint32_t n)
{
    asm_advance(&t->sacked, n);
}

bool tcp_sack_retransmit_hole(struct tcb *t)
{
    if (!(t->flags & TF_SACK_OK) || asm_empty(&t->sacked))
        return false;
    uint32_t off = seq_gt(t->sack_next, t->snd_una) ? t->sack_next - t->snd_una : 0;
    for (unsigned i = 0; i < t->sacked.n; i++) {
        const struct asm_range *r = &t->sacked.r[i];
        if (off < r->start) {
            /* [off, r->start) is a hole with SACKed data above: lost */
            uint32_t len = r->start - off;
            tcp_retransmit_at(t, t->snd_una + off, len);
            uint32_t sent = len < t->mss ? len : t->mss;
            t->sack_next = t->snd_una + off + sent;
            if (off == 0)
                t->una_rexmit_high = t->snd_max;
            t->st->stats.tcp.SackRetrans++;
            return true;
        }
        if (off < r->end)
            off = r->end;
    }
    return false;
}

void tcp_dsack_note(struct tcb *t, uint32_t left, uint32_t right)
{
    if (!(t->flags & TF_SACK_OK) || !t->st->cfg.tcp_dsack || !seq_lt(left, right))
        return;
    /* one pending report: the latest duplicate replaces an older one that
     * no ACK carried (RFC 2883 4: each duplicate is reported at most once) */
    t->dsack_pending = true;
    t->dsack_left = left;
    t->dsack_right = right;
    TCB_TRACE(t, "D-SACK %u-%u: received twice", left, right);
}

void tcp_dsack_note_ooo(struct tcb *t, uint32_t off, uint32_t len)
{
    /* the first held range the new bytes overlap: that part is a duplicate */
    const struct assembler *a = &t->ooo;
    for (unsigned i = 0; i < a->n; i++) {
        uint32_t lo = off > a->r[i].start ? off : a->r[i].start;
        uint32_t hi = off + len < a->r[i].end ? off + len : a->r[i].end;
        if (lo < hi) {
            tcp_dsack_note(t, t->rcv_nxt + lo, t->rcv_nxt + hi);
            return;
        }
    }
}

/* The out-of-order range holding the pending D-SACK, or -1 (RFC 2883 4:
 * it follows the D-SACK as the second block). */
static int dsack_container(const struct tcb *t)
{
    const struct assembler *a = &t->ooo;
    for (unsigned i = 0; i < a->n; i++)
        if (seq_le(t->rcv_nxt + a->r[i].start, t->dsack_left) &&
            seq_ge(t->rcv_nxt + a->r[i].end, t->dsack_right))
            return (int)i;
    return -1;
}

/* The D-SACK block first, and the range holding it second; it is sent
 * once. Returns the blocks filled and sets *skip to the range used. */
static unsigned take_dsack(struct tcb *t, struct tcp_sack_block *b, unsigned max, int *skip)
{
    unsigned n = 0;
    *skip = -1;
    if (!t->dsack_pending)
        return 0;
    t->dsack_pending = false;
    b[n].left = t->dsack_left;
    b[n].right = t->dsack_right;
    n++;
    if (seq_le(t->dsack_right, t->rcv_nxt)) {
        t->st->stats.tcp.DsackOldSent++;
        return n;
    }
    t->st->stats.tcp.DsackOfoSent++;
    *skip = dsack_container(t);
    if (*skip >= 0 && n < max) {
        b[n].left = t->rcv_nxt + t->ooo.r[*skip].start;
        b[n].right = t->rcv_nxt + t->ooo.r[*skip].end;
        n++;
    }
    return n;
}

unsigned tcp_sack_blocks(struct tcb *t, struct tcp_sack_block *b, unsigned max)
{
    const struct assembler *a = &t->ooo;
    if (!(t->flags & TF_SACK_OK) || max == 0)
        return 0;
    int skip;
    unsigned n = take_dsack(t, b, max, &skip);
    if (asm_empty(a))
        return n;
    /* RFC 2018 4: the range the latest segment changed first, then the
     * others (a range already sent as the D-SACK's second block is not
     * repeated, RFC 2883 4) */
    unsigned first = a->last < a->n ? a->last : 0;
    for (unsigned k = 0; k <= a->n && n < max; k++) {
        unsigned i = k == 0 ? first : k - 1;
        if ((k > 0 && i == first) || (int)i == skip)
            continue;
        b[n].left = t->rcv_nxt + a->r[i].start;
        b[n].right = t->rcv_nxt + a->r[i].end;
        n++;
    }
    return n;
}

void tcp_sack_skip_held(struct tcb *t)
{
    /* RFC 6675 5.1: after an RTO, resend only what the peer does not
     * report holding (SACKs that came since the timeout). */
    if (!(t->flags & TF_SACK_OK) || !seq_lt(t->snd_nxt, t->snd_max) ||
        !seq_ge(t->snd_nxt, t->snd_una))
        return;
    uint32_t off = t->snd_nxt - t->snd_una;
    for (unsigned i = 0; i < t->sacked.n; i++) {
        const struct asm_range *r = &t->sacked.r[i];
        if (off >= r->start && off < r->end) {
            t->snd_nxt = t->snd_una + r->end;
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
    if (!(t->flags & TF_SACK_OK) || asm_empty(&t->sacked) || t->sacked.r[0].start != 0 ||
        t->sack_reneged)
        return;
    t->sack_reneged = true;
    t->st->stats.tcp.SackReneging++;
    TCB_TRACE(t, "receiver reneged on SACKed data at %u", t->snd_una);
}

void tcp_sack_on_rto(struct tcb *t)
{
    if (!t->sack_reneged)
        return; /* RFC 6675 5.1: still valid, resending skips what the peer holds */
    asm_init(&t->sacked); /* RFC 2018 8: forget it all */
    sendmap_clear_flag(&t->rack.map, RS_SACKED);
    t->sack_reneged = false;
}

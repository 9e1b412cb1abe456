/* Loss detection helpers for fast recovery: Limited Transmit (RFC 3042)
 * and the SACK-based loss test of RFC 6675 (IsLost), so that a small
 * window, or one with several losses, starts recovery without waiting for
 * three duplicate ACKs that may never come. The scoreboard itself lives in
 * tcp_sack.c; the NewReno path (no SACK) is unchanged. */
#include "core/stack_impl.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

#define DUP_THRESH 3u /* RFC 5681 / RFC 6675 DupThresh */

uint32_t tcp_sacked_bytes(const struct tcb *t)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < t->sacked.n; i++)
        n += t->sacked.r[i].end - t->sacked.r[i].start;
    return n;
}

bool tcp_recovery_snd_una_lost(const struct tcb *t)
{
    /* RFC 6675 4 IsLost(SND.UNA): more than (DupThresh - 1) * SMSS bytes
     * above it were SACKed. Only ranges above SND.UNA are on the
     * scoreboard, so all of them count. */
    if (!(t->flags & TF_SACK_OK) || asm_empty(&t->sacked))
        return false;
    return tcp_sacked_bytes(t) > (DUP_THRESH - 1) * t->mss;
}

uint32_t tcp_limited_transmit_allowance(const struct tcb *t)
{
    /* RFC 3042 2: on each of the first DupThresh - 1 duplicate ACKs one
     * new segment may go beyond cwnd (cwnd itself is not raised), as long
     * as the peer's window allows; never a retransmission. */
    if ((t->flags & TF_IN_RECOVERY) || t->dupacks == 0 || t->dupacks >= DUP_THRESH)
        return 0;
    if (t->snd_nxt != t->snd_max)
        return 0;
    return t->dupacks * t->mss;
}

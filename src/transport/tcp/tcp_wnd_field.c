/* The window field of a segment under window scaling (RFC 7323 2.3,
 * RFC 9293 3.8.6 SHLD-14).
 *
 * The field carries the window >> Rcv.Wind.Shift, so the offered window
 * is rounded to a multiple of 2^shift. Rounding down could move the
 * right edge (RCV.NXT + window) left of one already offered by up to
 * 2^shift - 1 octets: a shrinking window, which a receiver should not
 * do. So when rounding down would fall short of the edge already
 * offered (RCV.ADV), round that edge up to the scale unit instead (as
 * Linux does); the few extra octets are at most one scale unit. */
#include "tcp.h"
#include "wire/seq.h"

uint16_t tcp_wnd_field(const struct tcb *t, uint32_t wnd)
{
    uint8_t shift = t->opt.rcv_wscale;
    uint32_t field = wnd >> shift;
    uint32_t cur = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    if ((field << shift) < cur)
        field = (cur + ((1u << shift) - 1)) >> shift;
    return (uint16_t)(field > 65535 ? 65535 : field);
}

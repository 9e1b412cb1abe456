/* The sending half of the urgent mechanism and urgent readiness
 * (RFC 9293 3.8.5, 3.10.2; MUST-30, MUST-32).
 *
 * send(MSG_OOB) makes the data just queued urgent: SND.UP becomes the
 * sequence number of the octet after it (MUST-62). Every segment sent
 * while SEG.SEQ < SND.UP carries URG with urp = SND.UP - SEG.SEQ, capped
 * at 65535 (the pointer then advances as later segments go out). The
 * urgent octets stay in the stream, as the receiving half keeps them
 * (SO_OOBINLINE semantics). POLLPRI is set while received urgent data
 * lies beyond the read position; tcp_input() signals readiness after every
 * segment, so a new or advanced pointer wakes pollers at once (MUST-32). */
#include <poll.h>

#include "core/stack_impl.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

void tcp_urg_mark(struct tcb *t)
{
    t->snd_up = tcp_snd_data_seq(t) + (uint32_t)ring_len(&t->sndbuf);
    t->snd_urg = true;
    char b[64];
    TCB_TRACE(t, "%s send urgent pointer %u", tcb_str(t, b, sizeof(b)), t->snd_up);
}

void tcp_urg_apply(struct tcb *t, struct tcp_hdr *h)
{
    if (!t->snd_urg || (h->flags & (TCP_SYN | TCP_RST)))
        return;
    if (seq_ge(t->snd_una, t->snd_up)) {
        t->snd_urg = false; /* every urgent octet was acknowledged */
        return;
    }
    if (!seq_lt(h->seq, t->snd_up))
        return;
    uint32_t urp = t->snd_up - h->seq;
    h->flags |= TCP_URG;
    h->urp = (uint16_t)(urp > 65535 ? 65535 : urp);
}

short tcp_urg_poll(const struct tcb *t)
{
    return t->urg_valid && seq_gt(t->rcv_up, t->rd_seq) ? POLLPRI : 0;
}

/* Urgent data (RFC 9293 3.8.5, 3.10.2, 3.10.7.4 sixth step; MUST-30..33,
 * MUST-62), with the socket semantics of Linux and BSD.
 *
 * Sending: send(MSG_OOB) makes the data just queued urgent: SND.UP becomes
 * the sequence number of the octet after it (MUST-62). Every segment sent
 * while SEG.SEQ < SND.UP carries URG with urp = SND.UP - SEG.SEQ, capped at
 * 65535 (the pointer then advances as later segments go out).
 *
 * Receiving: RCV.UP is the octet after the urgent data, so its last octet,
 * RCV.UP - 1, is "the mark" (Linux tcp_check_urg with tcp_stdurg 0, BSD).
 * Without SO_OOBINLINE that one octet is out of band: kept aside once it
 * arrives, returned by recv(MSG_OOB) once, and stepped over by ordinary
 * reads, which never read across the mark: a read stops before it, the
 * next one starts there. With SO_OOBINLINE it is ordinary data (reads
 * still stop at the mark) and recv(MSG_OOB) fails with EINVAL. Either way
 * every octet before the mark stays in the stream, so urgent data may have
 * any length (MUST-31). A newer pointer replaces the mark; an older
 * out-of-band octet not yet read becomes ordinary data, as in Linux. Once
 * a read passes the mark, it is forgotten (and so is an out-of-band octet
 * never fetched).
 *
 * Notification (MUST-32): tcp_input() signals readiness after every
 * segment, so a new or advanced pointer wakes pollers at once; POLLPRI
 * holds from the pointer's arrival until the out-of-band octet is read (or
 * a read passes the mark). Linux raises SIGURG at the pointer and POLLPRI
 * only once the octet is there; ustack has no signals, so POLLPRI does
 * both jobs. */
#include <poll.h>
#include <sys/socket.h>

#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

/* ---- sending ------------------------------------------------------------ */

void tcp_urg_mark(struct tcb *t)
{
    t->urg.snd_up = tcp_snd_data_end(t);
    t->urg.snd_urg = true;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s send urgent pointer %u", tcb_str(t, b, sizeof(b)), t->urg.snd_up);
}

void tcp_urg_apply(struct tcb *t, struct tcp_hdr *h)
{
    if (!t->urg.snd_urg || (h->flags & (TCP_SYN | TCP_RST)))
        return;
    if (seq_ge(t->snd.una, t->urg.snd_up)) {
        t->urg.snd_urg = false; /* every urgent octet was acknowledged */
        return;
    }
    if (!seq_lt(h->seq, t->urg.snd_up))
        return;
    uint32_t urp = t->urg.snd_up - h->seq;
    h->flags |= TCP_URG;
    h->urp = (uint16_t)(urp > 65535 ? 65535 : urp);
}

/* ---- receiving ---------------------------------------------------------- */

static uint32_t urg_mark_seq(const struct tcb *t) { return t->urg.rcv_up - 1; }

/* The mark's octet arrived and sits at the read position (unread). */
static bool mark_octet_at_read_head(const struct tcb *t)
{
    return urg_mark_seq(t) == t->rcv.rd_seq && t->rcv.rd_seq != t->rcv.nxt;
}

void tcp_urg_input(struct tcb *t, uint32_t seq, uint16_t urp)
{
    if (urp == 0)
        return;
    uint32_t up = seq + urp; /* MUST-62: first octet after the urgent data */
    if (seq_lt(up - 1, t->rcv.nxt))
        return; /* its octet was already received: an old pointer, not replayed */
    if (t->urg.state != TCP_URG_NONE && !seq_gt(up, t->urg.rcv_up))
        return; /* not newer than the one we have */
    if (t->urg.state != TCP_URG_NONE && !t->so.oobinline && mark_octet_at_read_head(t)) {
        /* the reader stands at the old mark: its out-of-band octet (fetched
         * or not) must not turn into data now (Linux does the same) */
        ring_drop(&t->rcv.buf, 1);
        t->rcv.rd_seq++;
    }
    t->urg.rcv_up = up;
    t->urg.state = TCP_URG_NOTYET;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s urgent pointer %u", tcb_str(t, b, sizeof(b)), up);
}

void tcp_urg_capture(struct tcb *t)
{
    if (t->urg.state != TCP_URG_NOTYET || !seq_lt(urg_mark_seq(t), t->rcv.nxt))
        return;
    size_t off = urg_mark_seq(t) - t->rcv.rd_seq;
    if (ring_peek(&t->rcv.buf, off, &t->urg.byte, 1) == 1) /* (not when it was the FIN) */
        t->urg.state = TCP_URG_VALID;
}

size_t tcp_urg_readable(const struct tcb *t, size_t *skip)
{
    size_t avail = ring_len(&t->rcv.buf);
    *skip = 0;
    if (t->urg.state == TCP_URG_NONE)
        return avail;
    size_t off = urg_mark_seq(t) - t->rcv.rd_seq;
    if (off >= avail)
        return avail; /* the mark lies beyond what can be read */
    if (off > 0)
        return off; /* stop before the mark */
    if (t->so.oobinline)
        return avail; /* at the mark: the octet is data, read across */
    *skip = 1;        /* at the mark: step over the out-of-band octet */
    return avail - 1;
}

void tcp_urg_consumed(struct tcb *t)
{
    if (t->urg.state != TCP_URG_NONE && seq_ge(t->rcv.rd_seq, t->urg.rcv_up))
        t->urg.state = TCP_URG_NONE; /* read past the mark */
}

ssize_t tcp_urg_recv_oob(struct tcb *t, void *buf, size_t len, int flags)
{
    /* EINVAL: inline, no mark, or its octet already fetched (as Linux
     * tcp_recv_urg and BSD) */
    if (t->so.oobinline || t->urg.state == TCP_URG_NONE || t->urg.state == TCP_URG_READ)
        return UST_ERR_INVAL;
    if (t->state == UST_TCP_CLOSED && !(t->flags & TF_FIN_RCVD))
        return UST_ERR_NOTCONN; /* reset */
    if (t->urg.state == TCP_URG_VALID) {
        if (!(flags & MSG_PEEK))
            t->urg.state = TCP_URG_READ; /* (Linux: a 0-byte read takes it too) */
        if (len == 0)
            return 0;
        if (!(flags & MSG_TRUNC))
            *(uint8_t *)buf = t->urg.byte;
        return 1;
    }
    if (t->state == UST_TCP_CLOSED || (t->flags & (TF_FIN_RCVD | TF_RD_SHUT)))
        return 0; /* the octet can never come */
    return UST_ERR_AGAIN; /* not here yet; socket.c never waits for it */
}

int tcp_urg_at_mark(const struct tcb *t)
{
    return t->urg.state != TCP_URG_NONE && urg_mark_seq(t) == t->rcv.rd_seq;
}

uint32_t tcp_urg_pending(const struct tcb *t)
{
    if (t->urg.state == TCP_URG_NONE || !seq_gt(t->urg.rcv_up, t->rcv.rd_seq))
        return 0;
    return t->urg.rcv_up - t->rcv.rd_seq;
}

short tcp_urg_poll(const struct tcb *t)
{
    return t->urg.state == TCP_URG_NOTYET || t->urg.state == TCP_URG_VALID ? POLLPRI : 0;
}

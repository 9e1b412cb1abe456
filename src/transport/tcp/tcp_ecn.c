/* Explicit Congestion Notification for TCP (RFC 3168; RFC 9293 3.8.2,
 * SHLD-8), as Linux does it with net.ipv4.tcp_ecn:
 *
 * - negotiation (6.1.1): an ECN-setup SYN carries ECE and CWR, the
 *   ECN-setup SYN,ACK ECE alone; no SYN or SYN,ACK is ever ECT. A SYN that
 *   goes again falls back to a plain SYN (6.1.1.1: a middlebox may drop the
 *   ECN-setup one), and ECN is then off for the connection;
 * - the sender marks new data segments ECT(0) in the IP header, never pure
 *   ACKs, retransmissions or window probes (6.1.4, 6.1.5, 6.1.6);
 * - the receiver that gets a CE-marked data segment sets ECE on every
 *   segment it sends until a segment with CWR arrives (6.1.3);
 * - the sender answers an ECE as a loss, through the congestion-control
 *   ops (tcp_cc_reduce), at most once per window of data, and sets CWR on
 *   the next new data segment (6.1.2). It does not retransmit anything.
 *
 * The ECN field is the low two bits of the TOS octet: TCP owns them, the
 * rest (DSCP) is what the socket chose with IP_TOS. */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/seq.h"

#define ECN_SETUP_SYN (TCP_ECE | TCP_CWR)

void tcp_ecn_connect(struct tcb *t)
{
    t->ecn.ok = false;
    t->ecn.offered = t->so.ecn_mode == 1;
}

uint8_t tcp_ecn_syn_flags(struct tcb *t, bool retransmission)
{
    if (t->state == UST_TCP_SYN_SENT) {
        if (retransmission && t->ecn.offered) {
            TCB_TRACE(t, "SYN retransmitted: no ECN-setup SYN any more (RFC 3168 6.1.1.1)");
            t->ecn.offered = false;
        }
        return t->ecn.offered ? ECN_SETUP_SYN : 0;
    }
    return t->ecn.ok ? TCP_ECE : 0; /* SYN,ACK: ECE without CWR */
}

void tcp_ecn_syn_in(struct tcb *t, uint8_t flags, bool synack)
{
    uint8_t e = flags & ECN_SETUP_SYN;
    if (synack) /* an ECN-setup SYN,ACK answers our ECN-setup SYN */
        t->ecn.ok = t->ecn.offered && e == TCP_ECE;
    else if (t->state == UST_TCP_SYN_SENT) /* simultaneous open: both asked */
        t->ecn.ok = t->ecn.offered && e == ECN_SETUP_SYN;
    else /* a peer's SYN to a listener: accepted in modes 1 and 2 */
        t->ecn.ok = t->so.ecn_mode != 0 && e == ECN_SETUP_SYN;
}

void tcp_ecn_established(struct tcb *t)
{
    t->ecn.echo = t->ecn.cwr = t->ecn.cut = false;
    t->ecn.high = t->snd.una - 1; /* the first ECE always counts */
    if (!t->ecn.ok)
        return;
    stack_stats(t->st)->tcp.EcnNegotiated++;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s ECN negotiated", tcb_str(t, b, sizeof(b)));
}

bool tcp_ecn_rx(struct tcb *t, uint8_t tos, uint8_t flags, uint32_t len)
{
    if (!t->ecn.ok)
        return false;
    /* 6.1.3: CWR ends the echo; CE on this same segment starts it again */
    if (flags & TCP_CWR)
        t->ecn.echo = false;
    if ((tos & TCP_ECN_MASK) != TCP_ECN_CE || len == 0)
        return false;
    stack_stats(t->st)->tcp.EcnCeReceived++;
    if (t->ecn.echo)
        return false;
    t->ecn.echo = true;
    TCB_TRACE(t, "CE received: ECE on our ACKs until CWR");
    /* as Linux: acknowledge at once, the sender's window may be small */
    return true;
}

void tcp_ecn_ack(struct tcb *t, uint8_t flags, uint32_t flight)
{
    struct ust_stats *stats = stack_stats(t->st);
    if (!t->ecn.ok || !(flags & TCP_ECE))
        return;
    stats->tcp.EcnEceReceived++;
    /* 6.1.2: once per window: ECE on ACKs up to the SND.MAX of the last
     * reduction still echoes CE marks of the data sent before our CWR */
    if (!seq_gt(t->snd.una, t->ecn.high))
        return;
    t->ecn.high = t->snd.max;
    t->ecn.cwr = true;
    if (t->rec.fast_recovery || t->rec.rto_recovery || !tcp_cc_reduce(t, flight))
        return; /* loss recovery already reduced cwnd for this window */
    stats->tcp.EcnCwndReductions++;
    t->ecn.cut = true;
    TCB_TRACE(t, "ECE: cwnd %u ssthresh %u, CWR on the next new data", t->cc.cwnd,
              t->cc.ssthresh);
}

bool tcp_ecn_window_reduced(const struct tcb *t)
{
    /* 6.1.2: "should not decrease ... ssthresh if it has been decreased
     * within the last round trip time" (Linux: its CWR state) */
    return t->ecn.cut && !seq_gt(t->snd.una, t->ecn.high);
}

uint8_t tcp_ecn_tx(struct tcb *t, uint8_t *flags, uint32_t seq, uint32_t len)
{
    uint8_t tos = (uint8_t)(tcp_so_tos(&t->so, &t->raddr) & ~TCP_ECN_MASK);
    if (!t->ecn.ok || (*flags & (TCP_SYN | TCP_RST)))
        return tos;
    if (t->ecn.echo)
        *flags |= TCP_ECE;
    /* ECT only on new data: not on pure ACKs (6.1.4), retransmissions
     * (6.1.5) or window probes (6.1.6) */
    bool new_data = len > 0 && !seq_lt(seq, t->snd.max) && !(t->flags & TF_FORCE_PROBE);
    if (!new_data)
        return tos;
    if (t->ecn.cwr) {
        *flags |= TCP_CWR;
        t->ecn.cwr = false;
        stack_stats(t->st)->tcp.EcnCwrSent++;
    }
    return (uint8_t)(tos | TCP_ECN_ECT0);
}

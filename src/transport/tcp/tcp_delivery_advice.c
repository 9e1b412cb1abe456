/* Delivery advice and the R1 threshold (RFC 9293 3.8.3, RFC 1122 3.3.1.4).
 *
 * R1: after cfg.tcp_retries1 consecutive retransmission timeouts (data or
 * SYN, MUST-20 / MUST-22; default 3, SHLD-10) TCP tells IP that delivery
 * to the peer is failing (negative advice: IP may then try another
 * gateway) and raises a soft error the application can see before R2
 * closes the connection (SHLD-9): SO_ERROR returns it, without closing
 * the connection, and clears it (as Linux's soft error). New ACKs are
 * positive advice: at once after R1, otherwise at most once per
 * TCP_ADVICE_INTERVAL so that a busy connection does not flood IP.
 *
 * Soft errors (R1 and ICMP soft errors, RFC 9293 3.9.1.8 MUST-47, 3.9.2.2
 * SHLD-25) never close the connection. By default they are only reported
 * when asked for (SO_ERROR). With IP_RECVERR they are reported
 * asynchronously, as Linux does for TCP: the connection polls POLLERR and
 * the next recv or send returns the error once. Not while connecting: the
 * outcome of connect() is not a soft error (it reads the pending error
 * when the socket polls POLLERR). */
#include <poll.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "tcp.h"

#define TCP_ADVICE_INTERVAL UST_SEC

void tcp_advice_r1(struct tcb *t)
{
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s R1 reached after %u retransmissions: negative advice to IP",
              tcb_str(t, b, sizeof(b)), t->rxt.retries);
    t->adv.r1_reached = true;
    if (t->raddr.family == UST_AF_INET) /* IPv6: ND's reachability (RFC 4861 7.3.1) */
        ipv4_advise_delivery(t->st, t->raddr.u.v4, false);
    /* an ICMP soft error explains the trouble better than a bare timeout */
    t->adv.soft_report = t->adv.soft_err ? t->adv.soft_err : UST_ERR_TIMEDOUT;
    tcp_notify(t);
}

void tcp_advice_ack(struct tcb *t)
{
    struct ust_stack *st = t->st;
    ust_time_t now = stack_now(st);
    if (!t->adv.r1_reached && t->adv.positive_at && now - t->adv.positive_at < TCP_ADVICE_INTERVAL)
        return;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s new ACK: positive advice to IP", tcb_str(t, b, sizeof(b)));
    t->adv.r1_reached = false;
    t->adv.positive_at = now ? now : 1;
    if (t->raddr.family == UST_AF_INET)
        ipv4_advise_delivery(st, t->raddr.u.v4, true);
}

void tcp_advice_established(struct tcb *t)
{
    t->adv.soft_report = 0; /* the handshake's trouble is over */
    tcp_advice_ack(t);
}

int tcp_take_soft_error(struct tcb *t)
{
    int e = t->adv.soft_report;
    t->adv.soft_report = 0;
    return e;
}

void tcp_soft_error(struct tcb *t, int err)
{
    t->adv.soft_err = err;    /* explains a later R2 */
    t->adv.soft_report = err; /* SO_ERROR; POLLERR with IP_RECVERR */
    if (tcp_so_recverr(&t->so, &t->raddr)) /* IPV6_RECVERR for an IPv6 connection */
        tcp_notify(t);
}

short tcp_soft_poll(const struct tcb *t)
{
    bool on = tcp_so_recverr(&t->so, &t->raddr);
    return on && t->adv.soft_report && tcp_state_synchronized(t->state) ? POLLERR : 0;
}

int tcp_soft_error_due(struct tcb *t)
{
    return tcp_soft_poll(t) ? tcp_take_soft_error(t) : 0;
}

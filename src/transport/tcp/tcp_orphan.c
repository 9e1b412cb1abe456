/* Orphans: connections whose socket the application closed and that still
 * finish alone (FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK). Nobody would
 * ever notice one that stays for ever, so they are bounded two ways, as in
 * Linux: FIN-WAIT-2 ends after cfg.tcp_fin_timeout (tcp_timer.c), and
 * beyond cfg.tcp_max_orphans a newly closed connection is reset at once
 * (Linux tcp_close: "too many orphaned sockets", TCPAbortOnMemory).
 * TIME-WAIT is not counted: it holds no buffers (tcb.c) and ends by
 * itself after 2 MSL. */
#include "core/services.h"
#include "core/trace.h"
#include "tcp.h"
#include "transport/transport.h"

bool tcp_orphan_begin(struct tcb *t)
{
    struct ust_stack *st = t->st;
    struct tcp_state *ts = stack_tcp(st);
    if (t->state == UST_TCP_CLOSED || t->state == UST_TCP_TIME_WAIT ||
        (t->flags & TF_ORPHAN_COUNTED))
        return true;
    unsigned cap = ust_stack_config(st)->tcp_max_orphans;
    if (cap && ts->norphans >= cap) {
        /* before the FIN is queued: a RST alone, where Linux sends the
         * FIN and then the RST */
        char b[TCB_STR_LEN];
        TCB_TRACE(t, "%s too many orphans (%u): reset", tcb_str(t, b, sizeof(b)),
                  ts->norphans);
        stack_stats(st)->tcp.AbortOnOrphanLimit++;
        tcp_drop(t, UST_ERR_CONNRESET, true);
        return false;
    }
    t->flags |= TF_ORPHAN_COUNTED;
    ts->norphans++;
    return true;
}

void tcp_orphan_end(struct tcb *t)
{
    if (!(t->flags & TF_ORPHAN_COUNTED))
        return;
    t->flags &= ~TF_ORPHAN_COUNTED;
    stack_tcp(t->st)->norphans--;
}

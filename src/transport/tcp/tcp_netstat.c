/* ust_netstat's view of TCP: every TCB of the stack, read-only. Listener
 * children and orphans (TIME-WAIT, closing after close()) have no
 * descriptor but are shown, as netstat shows them. */
#include <netinet/in.h>

#include "core/services.h"
#include "tcp.h"
#include "transport/netstat_impl.h"
#include "transport/sock_ops.h"
#include "transport/transport.h"

static uint32_t clamp32(size_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static void tcb_entry(const struct tcb *t, struct ust_sock_entry *e)
{
    *e = (struct ust_sock_entry){
        .proto = IPPROTO_TCP,
        .fd = t->sock ? t->sock->fd : -1,
        .laddr = t->v6sock ? ust_addr_to_v4mapped(&t->laddr) : t->laddr,
        .lport = t->lport,
        .raddr = t->v6sock ? ust_addr_to_v4mapped(&t->raddr) : t->raddr,
        .rport = t->rport,
        .state = (int)t->state,
    };
    if (t->state == UST_TCP_LISTEN) {
        /* Linux's convention: accept queue length and backlog */
        e->recv_q = t->lsn.naccept;
        e->send_q = t->lsn.backlog;
        e->raddr = (struct ust_addr){0};
        e->rport = 0;
    } else {
        e->recv_q = clamp32(ring_len(&t->rcv.buf));
        e->send_q = clamp32(ring_len(&t->snd.buf));
    }
}

int tcp_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx)
{
    struct tcp_state *ts = stack_tcp(st);
    if (!ts)
        return 0;
    int n = 0;
    for (const struct tcb *t = ts->all; t; t = t->all_next) {
        if (t->state == UST_TCP_CLOSED)
            continue; /* a fresh or finished socket: Linux's netstat omits it too */
        struct ust_sock_entry e;
        struct ust_tcp_info info; /* what `ss -ti` adds to a connection's row */
        tcb_entry(t, &e);
        if (t->state != UST_TCP_LISTEN) {
            tcp_fill_info(t, &info);
            e.tcp_info = &info;
        }
        fn(ctx, &e);
        n++;
    }
    return n;
}

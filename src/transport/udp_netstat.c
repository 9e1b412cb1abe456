/* ust_netstat's view of UDP: every bound socket, read-only. */
#include <netinet/in.h>

#include "core/services.h"
#include "transport/netstat_impl.h"
#include "transport/sock_ops.h"
#include "transport/transport.h"
#include "udp_impl.h"

int udp_netstat(struct ust_stack *st, ust_sock_entry_fn fn, void *ctx)
{
    int n = 0;
    const struct udp_state *us = stack_udp_const(st);
    if (!us->ports)
        return 0;
    for (unsigned b = 0; b < UDP_HASH_SIZE; b++) {
        for (const struct udp_pcb *p = us->ports[b]; p; p = p->hnext) {
            struct ust_sock_entry e = {
                .proto = IPPROTO_UDP,
                .fd = p->sock ? p->sock->fd : -1,
                .laddr = udp_show_addr(p, &p->laddr),
                .lport = p->lport,
                .raddr = p->connected ? udp_show_addr(p, &p->raddr) : (struct ust_addr){0},
                .rport = p->connected ? p->rport : 0,
                .state = UST_TCP_CLOSED,
                .recv_q = p->queued_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)p->queued_bytes,
            };
            fn(ctx, &e);
            n++;
        }
    }
    return n;
}

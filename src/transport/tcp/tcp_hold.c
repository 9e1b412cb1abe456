/* Stack-wide bounds on what peers can make the stack hold after the
 * application is done with it or before it can read it, beyond the
 * per-connection bounds (receive buffer, cfg.tcp_ofo_ranges assembler ranges):
 * - TIME-WAIT connections: at most cfg.tcp_max_tw_buckets. Beyond it a
 *   connection entering TIME-WAIT ends it on the next timer run, after the
 *   ACK of the peer's FIN has gone (Linux tcp_max_tw_buckets, "time wait
 *   bucket table overflow", TCPTimeWaitOverflow). TIME-WAIT protects
 *   against old duplicates (RFC 9293 3.6.1); a flood of short connections
 *   must not turn it into unbounded memory.
 * - Out-of-order bytes held by all connections together: at most
 *   cfg.tcp_ofo_mem_max. Beyond it new out-of-order data is not stored
 *   (it is ACKed as a duplicate, and the sender repeats it once the hole
 *   is filled); in-order data is always taken. Linux prunes out-of-order
 *   queues under tcp_mem pressure (TCPOFODrop / PruneCalled). */
#include "core/services.h"
#include "tcp.h"
#include "transport/transport.h"

void tcp_tw_enter(struct tcb *t)
{
    stack_tcp(t->st)->ntimewait++;
}

void tcp_tw_leave(struct tcb *t)
{
    struct tcp_state *ts = stack_tcp(t->st);
    if (ts->ntimewait)
        ts->ntimewait--;
}

bool tcp_tw_overflow(struct tcb *t)
{
    struct ust_stack *st = t->st;
    if (stack_tcp(st)->ntimewait <= ust_stack_config(st)->tcp_max_tw_buckets)
        return false;
    stack_stats(st)->tcp.TimeWaitOverflow++;
    return true;
}

bool tcp_ofo_room(const struct tcb *t, uint32_t len)
{
    const struct ust_stack *st = t->st;
    size_t cap = ust_stack_config(st)->tcp_ofo_mem_max;
    return !cap || stack_tcp(st)->ofo_bytes + len <= cap;
}

void tcp_ofo_account(struct tcb *t)
{
    uint32_t held = asm_bytes(&t->rcv.ooo);
    struct tcp_state *ts = stack_tcp(t->st);
    ts->ofo_bytes = ts->ofo_bytes - t->rcv.ooo_held + held;
    t->rcv.ooo_held = held;
}

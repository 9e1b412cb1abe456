/* The sender's chronographs (tcp_chrono.h): which condition holds the
 * connection's data, and for how long, as Linux's tcp_chrono_start /
 * tcp_chrono_stop keep them (net/ipv4/tcp_output.c). */
#include "core/services.h"
#include "tcp.h"
#include "wire/seq.h"

static bool nothing_to_send(const struct tcb *t)
{
    return ring_len(&t->snd.buf) == 0 && t->snd.una == t->snd.max;
}

static void chrono_set(struct tcb *t, enum tcp_chrono_kind kind)
{
    struct tcp_chrono *c = &t->chrono;
    ust_time_t now = stack_now(t->st);
    if (c->kind != CHRONO_IDLE)
        c->spent[c->kind] += now - c->since;
    c->since = now;
    c->kind = kind;
}

void tcp_chrono_start(struct tcb *t, enum tcp_chrono_kind kind)
{
    if (kind > t->chrono.kind)
        chrono_set(t, kind);
}

void tcp_chrono_stop(struct tcb *t, enum tcp_chrono_kind kind)
{
    if (t->chrono.kind == CHRONO_IDLE)
        return; /* (a receiver's every segment comes here: no clock read) */
    if (nothing_to_send(t))
        chrono_set(t, CHRONO_IDLE);
    else if (kind == t->chrono.kind)
        chrono_set(t, CHRONO_BUSY);
}

/* The application is woken for room as soon as the ring has some
 * (tcp_op_poll): an ACK that freed some, or autotuning that grew the
 * ring, ends its wait. (Every segment's input ends in tcp_output, so
 * what an ACK changed is seen here, at the same moment.) */
static void room_check(struct tcb *t)
{
    if (t->chrono.app_waits && ring_space(&t->snd.buf) > 0) {
        t->chrono.app_waits = false;
        tcp_chrono_stop(t, CHRONO_SNDBUF);
    }
}

/* Data waits and the next segment of it lies beyond the peer's window
 * while the congestion window would admit it (Linux tcp_write_xmit tests
 * cwnd first: a sender that cwnd holds is not window-limited). The send
 * buffer holds the sender when everything in it is sent and the
 * application found it full (its last write was cut short). */
void tcp_chrono_after_output(struct tcb *t)
{
    room_check(t);
    uint32_t data_end = tcp_snd_data_end(t);
    uint32_t unsent = seq_gt(data_end, t->snd.nxt) ? data_end - t->snd.nxt : 0;
    if (unsent == 0) {
        tcp_chrono_stop(t, CHRONO_RWND);
        if (t->chrono.app_waits)
            tcp_chrono_start(t, CHRONO_SNDBUF);
        return;
    }
    uint32_t next = unsent < t->opt.mss ? unsent : t->opt.mss;
    uint32_t end = t->snd.nxt + next;
    if (seq_gt(end, t->snd.una + t->snd.wnd) && !seq_gt(end, tcp_cc_send_edge(t)))
        tcp_chrono_start(t, CHRONO_RWND);
    else
        tcp_chrono_stop(t, CHRONO_RWND);
}

void tcp_chrono_end(struct tcb *t)
{
    t->chrono.app_waits = false;
    if (t->chrono.kind != CHRONO_IDLE)
        chrono_set(t, CHRONO_IDLE);
}

ust_time_t tcp_chrono_spent(const struct tcb *t, enum tcp_chrono_kind kind)
{
    const struct tcp_chrono *c = &t->chrono;
    ust_time_t spent = c->spent[kind];
    if (kind == c->kind && kind != CHRONO_IDLE)
        spent += stack_now(t->st) - c->since;
    return spent;
}

/* The TCP part of `ustack demo`: host A connects through the router to a
 * server on host B, sends a stream of bytes over the lossy links and
 * closes; every state change is shown with the stacks' own trace lines.
 * Sockets are non-blocking and the simulator is stepped by hand, one event
 * at a time, so that both applications (A writing, B reading) run side by
 * side in one thread on the virtual clock. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define TCP_DEADLINE (1800 * UST_SEC) /* virtual time a phase may take */
#define PROGRESS_STEPS 10

static struct ust_stack *stack_a(struct demo *d) { return d->host[HOST_A].st; }
static struct ust_stack *stack_b(struct demo *d) { return d->host[HOST_B].st; }
static ust_ip4_t addr_b(void) { return host_specs[HOST_B].nic[0].addr; }

/* The byte at offset i of the stream: B checks every one of them. */
static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 7 + i / 251); }

static double vsecs(struct demo *d, ust_time_t since)
{
    return (double)(ust_sim_now(d->sim) - since) / (double)UST_SEC;
}

/* ---- looking at the connection ----------------------------------------------- */

struct find_conn {
    uint16_t lport, rport;
    int state; /* -1: no such connection */
};

static void match_conn(void *ctx, const struct ust_sock_entry *e)
{
    struct find_conn *f = ctx;
    if (e->proto == IPPROTO_TCP && e->lport == f->lport && e->rport == f->rport)
        f->state = e->state;
}

/* State of the connection lport<->rport in st, -1 if it is gone. */
static int conn_state(struct ust_stack *st, uint16_t lport, uint16_t rport)
{
    struct find_conn f = {lport, rport, -1};
    ust_netstat(st, match_conn, &f);
    return f.state;
}

static void print_entry(void *ctx, const struct ust_sock_entry *e)
{
    netstat_print_row(ctx, e, NULL);
}

static void print_netstat(struct demo *d, int h)
{
    fprintf(d->out, "%s$ netstat -tuna\n", host_specs[h].title);
    netstat_print_header(d->out, false);
    ust_netstat(d->host[h].st, print_entry, d->out);
    fputc('\n', d->out);
}

/* ---- scene: the three-way handshake -------------------------------------------- */

static int open_listener(struct demo *d)
{
    struct ust_stack *st = stack_b(d);
    int fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DEMO_TCP_PORT)};
    if (fd < 0 || ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        ust_listen(st, fd, 8) < 0)
        return cli_usage_error("demo: B cannot listen on port %d: %s", DEMO_TCP_PORT,
                               strerror(errno));
    d->tcp.listen_fd = fd;
    return 0;
}

static short poll_one(struct ust_stack *st, int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return ust_poll(st, &p, 1, 0) > 0 ? p.revents : 0;
}

int scene_tcp_open(struct demo *d)
{
    demo_say(d, "B runs a server: socket(), bind() to port 5001, listen(). Its TCP now has a\n"
                "control block (TCB) in state LISTEN. A calls connect(198.51.100.20, 5001): A's\n"
                "TCP picks an ephemeral port and an initial sequence number, sends a SYN and\n"
                "enters SYN-SENT. B answers SYN+ACK (its TCB for this connection goes to\n"
                "SYN-RECEIVED), A acknowledges and both sides are ESTABLISHED. Each segment\n"
                "goes down through IP and Ethernet, across the router, and up again. A lost\n"
                "SYN or SYN+ACK is sent again when the retransmission timer (1 s) expires.\n"
                "Trace lines from here on: only TCP (--trace shows every layer).");
    demo_trace_all(d, d->o.trace ? TRACE_ALL : TRACE_TCP);
    int rc = open_listener(d);
    if (rc)
        return rc;
    struct ust_stack *a = stack_a(d);
    int fd = ust_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    d->tcp.client_fd = fd;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DEMO_TCP_PORT),
                              .sin_addr.s_addr = htonl(addr_b())};
    if (fd < 0 || (ust_connect(a, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
                   errno != EINPROGRESS))
        return cli_usage_error("demo: connect: %s", strerror(errno));
    ust_time_t start = ust_sim_now(d->sim), deadline = start + TCP_DEADLINE;
    short rev = 0;
    while (!(rev = poll_one(a, fd, POLLOUT)) && ust_sim_step(d->sim, deadline))
        ;
    /* Let B's side settle too (its ACK may still be on the way). */
    int afd = -1;
    while ((afd = ust_accept(stack_b(d), d->tcp.listen_fd, NULL, NULL)) < 0 &&
           ust_sim_step(d->sim, deadline))
        ;
    demo_mute_all(d, !d->o.trace);
    int err = 0;
    socklen_t len = sizeof(err);
    ust_getsockopt(a, fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!(rev & POLLOUT) || err || afd < 0) {
        fprintf(d->out, "\nconnect: %s (the links dropped too much)\n\n",
                strerror(err ? err : ETIMEDOUT));
        return 0;
    }
    d->tcp.server_fd = afd;
    ust_set_nonblock(stack_b(d), afd, 1);
    struct sockaddr_in me;
    socklen_t mlen = sizeof(me);
    ust_getsockname(a, fd, (struct sockaddr *)&me, &mlen);
    d->tcp.client_port = ntohs(me.sin_port);
    d->tcp.connected = true;
    fprintf(d->out, "\nconnected: 203.0.113.10:%u -> 198.51.100.20:%d after %.3f s of virtual "
                    "time;\nB's accept() returned the new connection.\n\n",
            d->tcp.client_port, DEMO_TCP_PORT, vsecs(d, start));
    return 0;
}

/* ---- scene: the transfer ---------------------------------------------------------- */

struct transfer {
    uint64_t total, sent, received;
    bool corrupt;
    int shown; /* progress steps printed */
    ust_time_t start;
};

static void progress_line(struct demo *d, struct transfer *x)
{
    while (x->shown < PROGRESS_STEPS &&
           x->received * PROGRESS_STEPS >= x->total * (uint64_t)(x->shown + 1)) {
        x->shown++;
        char bar[PROGRESS_STEPS * 3 + 1];
        memset(bar, '#', (size_t)x->shown * 3);
        memset(bar + x->shown * 3, '.', (size_t)(PROGRESS_STEPS - x->shown) * 3);
        bar[PROGRESS_STEPS * 3] = '\0';
        fprintf(d->out, "  [%s] %3d%%  %llu/%llu bytes  +%.3f s\n", bar, x->shown * 10,
                (unsigned long long)(x->total * (uint64_t)x->shown / PROGRESS_STEPS),
                (unsigned long long)x->total, vsecs(d, x->start));
    }
}

/* A writes what its send buffer takes. Returns bytes written. */
static size_t pump_send(struct demo *d, struct transfer *x)
{
    uint8_t buf[8192];
    size_t moved = 0;
    while (x->sent < x->total) {
        size_t n = x->total - x->sent < sizeof(buf) ? (size_t)(x->total - x->sent) : sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(x->sent + i);
        ssize_t w = ust_send(stack_a(d), d->tcp.client_fd, buf, n, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        x->sent += (uint64_t)w;
        moved += (size_t)w;
    }
    return moved;
}

/* B reads what arrived and checks it. Returns bytes read, -1 at EOF/error. */
static long pump_recv(struct demo *d, struct transfer *x)
{
    uint8_t buf[8192];
    long moved = 0;
    for (;;) {
        ssize_t n = ust_recv(stack_b(d), d->tcp.server_fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            return moved ? moved : -1;
        if (n < 0)
            return moved;
        for (ssize_t i = 0; i < n; i++)
            x->corrupt |= buf[i] != pattern(x->received + (uint64_t)i);
        x->received += (uint64_t)n;
        moved += n;
        progress_line(d, x);
    }
}

static void transfer_report(struct demo *d, struct transfer *x)
{
    struct ust_tcp_info ti;
    socklen_t len = sizeof(ti);
    ust_getsockopt(stack_a(d), d->tcp.client_fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len);
    ust_time_t elapsed = ust_sim_now(d->sim) - x->start;
    char rate[48];
    fprintf(d->out, "\nB received %llu of %llu bytes in %.3f s of virtual time (%s), %s.\n",
            (unsigned long long)x->received, (unsigned long long)x->total, vsecs(d, x->start),
            format_rate(x->received, elapsed, rate),
            x->corrupt ? "SOME BYTES WRONG" : "every byte in order and intact");
    fprintf(d->out, "A's TCP (TCP_INFO): %u segments retransmitted, congestion window %u bytes "
                    "(%u x mss %u), smoothed rtt %.1f ms, rto %.0f ms\n",
            ti.total_retrans, ti.cwnd, ti.snd_mss ? ti.cwnd / ti.snd_mss : 0, ti.snd_mss,
            ti.rtt_us / 1000.0, ti.rto_us / 1000.0);
    if (ti.pacing_rate) /* a paced controller (BBR): its model */
        fprintf(d->out, "A's %s: paced at %.2f Mbit/s, last delivery rate %.2f Mbit/s, "
                        "min rtt %.1f ms\n", ti.cc_state[0] ? ti.cc_state : "controller",
                ti.pacing_rate * 8 / 1e6, ti.delivery_rate * 8 / 1e6, ti.min_rtt_us / 1000.0);
    fprintf(d->out, "A's loss recovery: %u episodes (%u fast recoveries, %u timeouts), %u cwnd "
                    "reductions (at most %u in one episode), %u lost found by RACK, %u loss "
                    "probes, %u retransmissions lost again\n\n",
            ti.recoveries, ti.fast_retrans, ti.rtos, ti.cwnd_reductions,
            ti.max_episode_reductions, ti.rack_lost, ti.tlp_probes, ti.lost_retrans);
}

int scene_tcp_transfer(struct demo *d)
{
    if (!d->tcp.connected) {
        demo_say(d, "(skipped: no connection)");
        return 0;
    }
    struct ust_tcp_info ti;
    socklen_t tlen = sizeof(ti);
    ust_getsockopt(stack_a(d), d->tcp.client_fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &tlen);
    fprintf(d->out,
            "A writes %zu bytes. write() only copies them into A's send buffer (like\n"
            "the kernel's socket buffer); TCP cuts the buffer into segments of at most\n"
            "%u bytes (lan2's MTU of 1000 minus the IP and TCP headers and options),\n"
            "sends as many as the smaller of B's receive window and A's congestion window\n"
            "allow, and keeps every byte until B acknowledges it. A lost segment is sent\n"
            "again (fast retransmit) once B's selective ACKs show that segments sent after\n"
            "it arrived and it is overdue (RACK); a tail loss probe makes B report the end\n"
            "of a flight; the retransmission timer is the last resort. The congestion\n"
            "window shrinks each time. B's TCP puts out-of-order segments aside until the\n"
            "gap is filled, so B's read() always gets the bytes in order. %s\n\n",
            d->o.bytes, ti.snd_mss,
            d->o.trace ? "Shown: every\nline of the trace categories asked for."
                       : "Shown: state\nchanges, retransmissions and loss probes only.");
    struct transfer x = {.total = d->o.bytes, .start = ust_sim_now(d->sim)};
    demo_trace_all(d, d->o.trace ? TRACE_ALL : TRACE_TCP_EVENTS);
    ust_time_t deadline = x.start + TCP_DEADLINE;
    bool eof = false;
    while (x.received < x.total && !eof) {
            size_t s = pump_send(d, &x);
        long r = pump_recv(d, &x);
        eof = r < 0;
        if (!s && r <= 0 && !ust_sim_step(d->sim, deadline))
            break;
    }
    demo_mute_all(d, !d->o.trace);
    d->tcp.transferred = x.received == x.total && !x.corrupt;
    transfer_report(d, &x);
    return 0;
}

/* ---- scene: the four-way close -------------------------------------------------- */

struct close_wait {
    struct demo *d;
    int want_a;  /* state A's connection must reach */
};

static bool close_pending(void *ctx)
{
    struct close_wait *w = ctx;
    struct demo *d = w->d;
    uint16_t cp = d->tcp.client_port;
    return conn_state(stack_a(d), cp, DEMO_TCP_PORT) != w->want_a ||
           conn_state(stack_b(d), DEMO_TCP_PORT, cp) != -1;
}

/* B reads until the end of the stream (A's FIN), then closes too. */
static bool b_sees_eof(struct demo *d, ust_time_t deadline)
{
    uint8_t buf[4096];
    for (;;) {
            ssize_t n = ust_recv(stack_b(d), d->tcp.server_fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            return n == 0;
        if (n < 0 && !ust_sim_step(d->sim, deadline))
            return false;
    }
}

int scene_tcp_close(struct demo *d)
{
    if (!d->tcp.connected) {
        demo_say(d, "(skipped: no connection)");
        return 0;
    }
    demo_say(d, "A calls close(): its TCP sends a FIN after the last data byte (FIN-WAIT-1).\n"
                "B's TCP acknowledges it (CLOSE-WAIT; A goes to FIN-WAIT-2) and B's read()\n"
                "returns 0: the end of the stream. B calls close(): FIN (LAST-ACK). A\n"
                "acknowledges and waits in TIME-WAIT, so that a delayed duplicate segment\n"
                "cannot be taken for part of a new connection; B's TCB is gone (CLOSED).");
    demo_trace_all(d, d->o.trace ? TRACE_ALL : TRACE_TCP);
    ust_time_t start = ust_sim_now(d->sim), deadline = start + TCP_DEADLINE;
    ust_close(stack_a(d), d->tcp.client_fd);
    d->tcp.client_fd = -1;
    bool eof = b_sees_eof(d, deadline);
    ust_close(stack_b(d), d->tcp.server_fd);
    d->tcp.server_fd = -1;
    struct close_wait w = {d, UST_TCP_TIME_WAIT};
    bool done = eof && ust_sim_run_while(d->sim, close_pending, &w, deadline);
    demo_mute_all(d, !d->o.trace);
    if (!done) {
        fprintf(d->out, "\n(the close did not complete: the links dropped too much)\n\n");
        return 0;
    }
    fprintf(d->out, "\nclosed after %.3f s. What netstat shows now:\n\n", vsecs(d, start));
    print_netstat(d, HOST_A);
    print_netstat(d, HOST_B);
    demo_say(d, "A's TIME-WAIT lasts 2 x MSL = 60 s. The virtual clock skips ahead:");
    demo_trace_all(d, d->o.trace ? TRACE_ALL : TRACE_TCP);
    w.want_a = -1;
    done = ust_sim_run_while(d->sim, close_pending, &w, ust_sim_now(d->sim) + 120 * UST_SEC);
    demo_mute_all(d, !d->o.trace);
    fprintf(d->out, "\n%s\n\n", done ? "A's connection is gone too: netstat shows only B's "
                                       "listening socket."
                                     : "(TIME-WAIT did not end in time)");
    return 0;
}

/* ---- counters --------------------------------------------------------------------- */

void demo_tcp_counters(struct demo *d)
{
    static const struct demo_counter_row rows[] = {
        {"TCP connections opened", offsetof(struct ust_stats, tcp.ActiveOpens)},
        {"TCP connections accepted", offsetof(struct ust_stats, tcp.PassiveOpens)},
        {"TCP segments sent", offsetof(struct ust_stats, tcp.OutSegs)},
        {"TCP segments received", offsetof(struct ust_stats, tcp.InSegs)},
        {"TCP segments retransmitted", offsetof(struct ust_stats, tcp.RetransSegs)},
        {"TCP fast retransmits", offsetof(struct ust_stats, tcp.FastRetrans)},
        {"TCP losses found by RACK", offsetof(struct ust_stats, tcp.RackLost)},
        {"TCP tail loss probes", offsetof(struct ust_stats, tcp.TlpProbes)},
        {"TCP retransmit timeouts", offsetof(struct ust_stats, tcp.Timeouts)},
        {"TCP recovery episodes", offsetof(struct ust_stats, tcp.RecoveryEpisodes)},
        {"TCP cwnd reductions", offsetof(struct ust_stats, tcp.CwndReductions)},
        {"TCP reductions skipped (same episode)",
         offsetof(struct ust_stats, tcp.CwndReductionsSkipped)},
        {"TCP retransmissions lost again", offsetof(struct ust_stats, tcp.LostRetransmits)},
    };
    demo_print_counter_rows(d, rows, sizeof(rows) / sizeof(rows[0]));
}

/* REPRODUCER (not part of `make test`: it fails until the socket layer is
 * fixed). Build and run from the worktree after `make build`:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc tests/repro/stale_clock.c \
 *      build/libustack.a -lm -o /tmp/stale_clock && /tmp/stale_clock
 *
 * Expected: "SYN stamped 10.000 s -> OK", no retransmission.
 * Actual:   "SYN stamped 0.000 s -> STALE", one spurious SYN retransmission
 *           and an RTO of 3 s after the handshake (RFC 6298 5.7).
 *
 * Socket calls do not refresh the stack's time from the installed clock:
 * after a quiet stretch, connect() stamps its SYN (trace, pcap, RTT timing,
 * timers) with the time of the last poll, not the current virtual time. */
#include <stdio.h>
#include <string.h>
#include "ustack/ustack.h"

static void trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    ust_time_t *syn_at = ctx;
    if (!strcmp(layer, "tcp") && strstr(msg, "[S]") && !*syn_at)
        *syn_at = now;
}

int main(void)
{
    struct ust_sim *sim = ust_sim_new(1);
    struct ust_sim_switch *sw = ust_sim_switch_new(sim, "lan");
    struct ust_stack *a = ust_stack_new(NULL), *b = ust_stack_new(NULL);
    ust_sim_add_stack(sim, a);
    ust_sim_add_stack(sim, b);
    ust_iface_add(a, ust_sim_attach(sw, a, "eth0", NULL, 1500), UST_IP4(203, 0, 113, 1), 24);
    ust_iface_add(b, ust_sim_attach(sw, b, "eth0", NULL, 1500), UST_IP4(203, 0, 113, 2), 24);
    int lfd = ust_socket(b, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(80)};
    ust_bind(b, lfd, (struct sockaddr *)&any, sizeof(any));
    ust_listen(b, lfd, 4);
    ust_sim_run_until(sim, 10 * UST_SEC); /* nothing happens for 10 s */
    ust_time_t syn_at = 0;
    ust_stack_set_trace(a, trace, &syn_at);
    int fd = ust_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80),
                              .sin_addr.s_addr = htonl(UST_IP4(203, 0, 113, 2))};
    ust_connect(a, fd, (struct sockaddr *)&sin, sizeof(sin));
    int ok = syn_at == ust_sim_now(sim);
    printf("sim clock %.3f s, SYN stamped %.3f s -> %s\n", (double)ust_sim_now(sim) / UST_SEC,
           (double)syn_at / UST_SEC, ok ? "OK" : "STALE");
    ust_sim_run_until(sim, ust_sim_now(sim) + UST_SEC);
    struct ust_tcp_info ti;
    socklen_t len = sizeof(ti);
    ust_getsockopt(a, fd, IPPROTO_TCP, UST_TCP_INFO, &ti, &len);
    printf("state %s, srtt %.3f ms, rto %.3f ms (the link delay is 0)\n",
           ust_tcp_state_name(ti.state), ti.rtt_us / 1000.0, ti.rto_us / 1000.0);
    printf("A retransmitted %llu segment(s)\n",
           (unsigned long long)ust_stack_stats(a)->tcp.RetransSegs);
    ust_stack_free(a);
    ust_stack_free(b);
    ust_sim_free(sim);
    return ok ? 0 : 1;
}

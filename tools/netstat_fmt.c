/* The netstat table: same columns and widths as `netstat -tunap`. */
#include <stdio.h>

#include "cli.h"

#define ADDR_W 23

void netstat_print_header(FILE *out, bool with_pid)
{
    fprintf(out, "Proto Recv-Q Send-Q %-*s %-*s %-*s%s\n", ADDR_W, "Local Address", ADDR_W,
            "Foreign Address", with_pid ? 11 : 0, "State", with_pid ? " PID/Program name" : "");
}

static const char *endpoint(ust_ip4_t addr, uint16_t port, char buf[32])
{
    char a[16];
    if (port == 0)
        snprintf(buf, 32, "%s:*", ust_ip4_str(addr, a));
    else
        snprintf(buf, 32, "%s:%u", ust_ip4_str(addr, a), port);
    return buf;
}

const char *netstat_state_name(int state)
{
    /* The names netstat(8) prints (from the kernel's tcp_states.h order) */
    static const char *const names[] = {
        [UST_TCP_CLOSED] = "CLOSE",          [UST_TCP_LISTEN] = "LISTEN",
        [UST_TCP_SYN_SENT] = "SYN_SENT",     [UST_TCP_SYN_RECEIVED] = "SYN_RECV",
        [UST_TCP_ESTABLISHED] = "ESTABLISHED", [UST_TCP_FIN_WAIT_1] = "FIN_WAIT1",
        [UST_TCP_FIN_WAIT_2] = "FIN_WAIT2",  [UST_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
        [UST_TCP_CLOSING] = "CLOSING",       [UST_TCP_LAST_ACK] = "LAST_ACK",
        [UST_TCP_TIME_WAIT] = "TIME_WAIT",
    };
    if (state < 0 || (size_t)state >= sizeof(names) / sizeof(names[0]) || !names[state])
        return "UNKNOWN";
    return names[state];
}

void netstat_print_row(FILE *out, const struct ust_sock_entry *e, const char *prog)
{
    char l[32], r[32];
    bool tcp = e->proto == IPPROTO_TCP;
    const char *state = tcp ? netstat_state_name(e->state) : "";
    /* no trailing blanks: pad the state only when a PID column follows */
    fprintf(out, "%-5s %6u %6u %-*s %-*s %-*s%s%s\n", tcp ? "tcp" : "udp", e->recv_q, e->send_q,
            ADDR_W, endpoint(e->laddr, e->lport, l), ADDR_W, endpoint(e->raddr, e->rport, r),
            prog ? 11 : 0, state, prog ? " " : "", prog ? prog : "");
}

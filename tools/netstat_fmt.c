/* The netstat table: same columns and widths as `netstat -tunap`. */
#include <stdio.h>

#include "netstat.h"

#define ADDR_W 23

void netstat_print_header(FILE *out, bool with_pid)
{
    fprintf(out, "Proto Recv-Q Send-Q %-*s %-*s %-*s%s\n", ADDR_W, "Local Address", ADDR_W,
            "Foreign Address", with_pid ? 11 : 0, "State", with_pid ? " PID/Program name" : "");
}

char *netstat_addr_text(const struct ust_addr *a, const struct ust_addr *like,
                        char buf[UST_ADDR_STRLEN])
{
    if (a->family)
        return ust_addr_str(a, buf);
    struct ust_addr any = like->family == UST_AF_INET6 ? ust_addr_from_ip6((uint8_t[16]){0}, 0)
                                                       : ust_addr_from_ip4(0);
    return ust_addr_str(&any, buf);
}

/* "203.0.113.2:80", "[2001:db8::2]:80" (as ss brackets IPv6), "...:*". */
static const char *endpoint(const struct ust_addr *addr, const struct ust_addr *like,
                            uint16_t port, char buf[NETSTAT_EP_LEN])
{
    char a[UST_ADDR_STRLEN], p[8] = "*";
    netstat_addr_text(addr, like, a);
    if (port)
        snprintf(p, sizeof(p), "%u", port);
    bool six = addr->family == UST_AF_INET6 || (!addr->family && like->family == UST_AF_INET6);
    snprintf(buf, NETSTAT_EP_LEN, six ? "[%s]:%s" : "%s:%s", a, p);
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
    char l[NETSTAT_EP_LEN], r[NETSTAT_EP_LEN];
    bool tcp = e->proto == IPPROTO_TCP;
    const char *state = tcp ? netstat_state_name(e->state) : "";
    /* no trailing blanks: pad the state only when a PID column follows */
    fprintf(out, "%-5s %6u %6u %-*s %-*s %-*s%s%s\n", tcp ? "tcp" : "udp", e->recv_q, e->send_q,
            ADDR_W, endpoint(&e->laddr, &e->laddr, e->lport, l), ADDR_W,
            endpoint(&e->raddr, &e->laddr, e->rport, r),
            prog ? 11 : 0, state, prog ? " " : "", prog ? prog : "");
}

/* "1.2Mbps", as ss prints a rate given in bytes per second. */
static void print_rate(FILE *out, const char *name, unsigned long long bytes_per_s)
{
    double bps = (double)bytes_per_s * 8;
    const char *unit = "";
    if (bps >= 1e9) {
        bps /= 1e9;
        unit = "G";
    } else if (bps >= 1e6) {
        bps /= 1e6;
        unit = "M";
    } else if (bps >= 1e3) {
        bps /= 1e3;
        unit = "K";
    }
    fprintf(out, " %s %.4g%sbps", name, bps, unit);
}

/* The loss-recovery counters, each only when it is not zero (as ss). */
static void print_loss(FILE *out, const char *kv)
{
    static const char *const keys[] = {
        "rtos", "tlp_probes", "rack_lost", "fast_retrans", "recoveries", "cwnd_reductions",
        "lost_retrans", "spurious_dsack", "spurious_rtos", "undos",
    };
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        unsigned long long v = netstat_info_num(kv, keys[k]);
        if (v)
            fprintf(out, " %s:%llu", keys[k], v);
    }
}

/* Where the sender's time went, as ss prints it: busy time in ms, and the
 * parts its window and its send buffer held it, each with its share. */
static void print_chrono(FILE *out, const char *kv)
{
    unsigned long long busy = netstat_info_num(kv, "busy_us");
    if (!busy)
        return;
    fprintf(out, " busy:%llums", busy / 1000);
    static const char *const parts[][2] = {{"rwnd_limited_us", "rwnd_limited"},
                                           {"sndbuf_limited_us", "sndbuf_limited"}};
    for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
        unsigned long long v = netstat_info_num(kv, parts[k][0]);
        if (v)
            fprintf(out, " %s:%llums(%.1f%%)", parts[k][1], v / 1000,
                    100.0 * (double)v / (double)busy);
    }
}

/* `ss -ti`'s second line: times in ms, cwnd and ssthresh in segments,
 * rates in bit/s; "ssthresh" left out while it is still "infinite". */
void netstat_print_info(FILE *out, const char *kv)
{
    char algo[32], state[32];
    unsigned long long mss = netstat_info_num(kv, "snd_mss");
    unsigned long long ssthresh = netstat_info_num(kv, "ssthresh");
    fprintf(out, "\t %s", netstat_info_get(kv, "cc_algo", algo, sizeof(algo)) ? algo : "-");
    if (netstat_info_get(kv, "cc_state", state, sizeof(state)) && state[0])
        fprintf(out, " cc_state:%s", state);
    if (netstat_info_num(kv, "ecn"))
        fputs(" ecn", out);
    fprintf(out, " wscale:%llu,%llu rto:%g rtt:%g/%g minrtt:%g",
            netstat_info_num(kv, "snd_wscale"), netstat_info_num(kv, "rcv_wscale"),
            netstat_info_num(kv, "rto_us") / 1e3, netstat_info_num(kv, "rtt_us") / 1e3,
            netstat_info_num(kv, "rttvar_us") / 1e3, netstat_info_num(kv, "min_rtt_us") / 1e3);
    if (netstat_info_num(kv, "backoff"))
        fprintf(out, " backoff:%llu", netstat_info_num(kv, "backoff"));
    fprintf(out, " mss:%llu rcvmss:%llu", mss, netstat_info_num(kv, "rcv_mss"));
    if (mss) {
        fprintf(out, " cwnd:%llu", netstat_info_num(kv, "cwnd") / mss);
        if (ssthresh < (1ull << 30))
            fprintf(out, " ssthresh:%llu", ssthresh / mss);
    }
    fprintf(out, " bytes_sent:%llu bytes_retrans:%llu bytes_acked:%llu bytes_received:%llu",
            netstat_info_num(kv, "bytes_sent"), netstat_info_num(kv, "bytes_retrans"),
            netstat_info_num(kv, "bytes_acked"), netstat_info_num(kv, "bytes_received"));
    if (netstat_info_num(kv, "pacing_rate"))
        print_rate(out, "pacing_rate", netstat_info_num(kv, "pacing_rate"));
    if (netstat_info_num(kv, "delivery_rate"))
        print_rate(out, "delivery_rate", netstat_info_num(kv, "delivery_rate"));
    print_chrono(out, kv);
    fprintf(out, " retrans:%llu/%llu", netstat_info_num(kv, "retransmits"),
            netstat_info_num(kv, "total_retrans"));
    print_loss(out, kv);
    /* as ss: the receiver's RTT and what was read in it (autotuning) */
    if (netstat_info_num(kv, "rcv_rtt_us"))
        fprintf(out, " rcv_rtt:%g rcv_space:%llu", netstat_info_num(kv, "rcv_rtt_us") / 1e3,
                netstat_info_num(kv, "rcv_space"));
    fprintf(out, " snd_wnd:%llu rcv_wnd:%llu", netstat_info_num(kv, "snd_wnd"),
            netstat_info_num(kv, "rcv_wnd"));
    if (netstat_info_num(kv, "rcvbuf")) /* an older instance has no such key */
        fprintf(out, " sndbuf:%llu rcvbuf:%llu", netstat_info_num(kv, "sndbuf"),
                netstat_info_num(kv, "rcvbuf"));
    fputc('\n', out);
}

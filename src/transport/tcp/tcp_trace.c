/* TCP's trace lines: one per segment sent or received, written the same
 * way in both directions (source -> destination, tcpdump's flags and SYN
 * options), and the "cc" category's congestion state after each ACK. */
#include <stdio.h>

#include "core/trace.h"
#include "tcp.h"
#include "wire/wbuf.h"

const char *tcp_rexmit_cause_name(enum tcp_rexmit_cause c)
{
    switch (c) {
    case TCP_REXMIT_RTO: return "RTO";
    case TCP_REXMIT_FAST: return "fast retransmit";
    case TCP_REXMIT_RACK: return "RACK";
    case TCP_REXMIT_TLP: return "TLP";
    default: return "retransmission";
    }
}

void tcp_trace_seg(struct ust_stack *st, const char *dir, const struct ust_addr *src,
                   const struct ust_addr *dst, const uint8_t *hdr, uint32_t len, const char *why)
{
    if (!trace_wants(st, UST_TRACE_TCP))
        return;
    char s[UST_ADDR_STRLEN], d[UST_ADDR_STRLEN], fl[TCP_FLAGS_TEXT_LEN], opts[256] = "";
    uint8_t flags = hdr[13];
    tcp_flags_text(flags, fl);
    size_t hl = (size_t)(hdr[12] >> 4) * 4;
    if ((flags & TCP_SYN) && hl > TCP_HDR_LEN) {
        opts[0] = ' ';
        memcpy(opts + 1, "options ", 8);
        tcp_options_text(hdr + TCP_HDR_LEN, hl - TCP_HDR_LEN, opts + 9, sizeof(opts) - 9);
    }
    bool six = dst->family == UST_AF_INET6; /* [addr]:port, as ss */
    TRACE(st, "tcp", six ? "%s [%s]:%u->[%s]:%u %s seq %u ack %u win %u len %u%s%s%s"
                         : "%s %s:%u->%s:%u %s seq %u ack %u win %u len %u%s%s%s", dir,
          ust_addr_str(src, s), get_be16(hdr), ust_addr_str(dst, d), get_be16(hdr + 2), fl,
          get_be32(hdr + 4), get_be32(hdr + 8), get_be16(hdr + 14), len, opts, *why ? " " : "",
          why);
}

void tcp_trace_cc(const struct tcb *t, uint32_t ack)
{
    if (!trace_wants(t->st, UST_TRACE_CC))
        return;
    char b[TCB_STR_LEN];
    TRACE(t->st, "cc", "%s ack %u cwnd %u ssthresh %u srtt %llu us rto %llu ms wnd %u inflight %u",
          tcb_str(t, b, sizeof(b)), ack, t->cc.cwnd, t->cc.ssthresh,
          (unsigned long long)(t->rtt.srtt / UST_USEC),
          (unsigned long long)(tcp_rtt_rto(&t->rtt) / UST_MSEC), t->snd.wnd, tcp_flight(t));
}

/* TSO on transmit (tcp_tso.h): how much new data one super-packet carries
 * and how it is marked for the device. Only consecutive new data
 * coalesces; retransmissions, probes and urgent data go one segment at a
 * time as before. */
#include "tcp_tso.h"

#include "buf/pkt.h"
#include "core/services.h"
#include "net/net.h"
#include "tcp.h"
#include "transport/tp_net.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/seq.h"
#include "wire/wbuf.h"

#define TSO_MIN_SEGS 2 /* fewer is an ordinary segment (Linux tcp_min_tso_segs) */

/* Segments one super-packet may carry by Linux's autosizing: what the
 * pacing burst (about 1 ms of the rate) holds. */
static uint32_t tso_autosize_segs(const struct tcb *t)
{
    uint32_t mss = t->opt.mss;
    uint64_t burst;
    if (t->cc.pacing_rate) { /* paced: the rest of this burst, as per-segment output sends */
        burst = t->pace.burst_left ? t->pace.burst_left
                                   : tcp_pacing_quantum(t->cc.pacing_rate, mss);
        return (uint32_t)((burst + mss - 1) / mss);
    }
    if (!t->rtt.has_sample || !t->rtt.srtt) /* no RTT yet: the windows alone bound it */
        return UINT32_MAX;
    /* Linux's sk_pacing_rate of an unpaced flow: 2 * cwnd / SRTT
     * (tcp_update_pacing_rate in slow start; 1.2 in avoidance) */
    uint64_t rate = 2 * (uint64_t)t->cc.cwnd * UST_SEC / (uint64_t)t->rtt.srtt;
    return tcp_pacing_quantum(rate, mss) / mss;
}

uint32_t tcp_tso_max_len(struct tcb *t)
{
    uint32_t mss = t->opt.mss;
    if (!ust_stack_config(t->st)->tcp_tso || t->urg.snd_urg || seq_lt(t->snd.nxt, t->snd.max))
        return mss;
    unsigned dgram = tp_gso_max_for(t->st, &t->raddr); /* IPv6: only where net6 allows */
    /* every segment's headers: IP + IP options + TCP + timestamps */
    bool six = t->raddr.family == UST_AF_INET6;
    uint32_t hdrs = (six ? IPV6_HDR_LEN : IPV4_HDR_LEN + t->so.ip_opt_len) + TCP_HDR_LEN +
                    (t->opt.ts_ok ? 12 : 0);
    uint32_t segs = dgram > hdrs ? (dgram - hdrs) / mss : 0;
    uint32_t autosize = tso_autosize_segs(t);
    if (autosize < segs)
        segs = autosize;
    return segs >= TSO_MIN_SEGS ? segs * mss : mss;
}

void tcp_csum_partial_mark(const struct tcb *t, struct pkt *p)
{
    /* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum,
     * length included, not complemented; whoever segments adjusts it per
     * segment (tcp_gso_segment) or sums each segment (dev_gso.c). */
    uint32_t sum = tp_csum_pseudo(&t->laddr, &t->raddr, IPV4_PROTO_TCP, (uint32_t)p->len);
    put_be16(p->data + 16, (uint16_t)~csum_fold(sum));
    p->off = (struct pkt_offload){.csum_partial = 1};
}

void tcp_tso_mark(struct tcb *t, struct pkt *p, uint32_t len)
{
    tcp_csum_partial_mark(t, p);
    p->off = (struct pkt_offload){.gso_size = (uint16_t)t->opt.mss, .gso_type = t->raddr.family == UST_AF_INET6 ? PKT_GSO_TCPV6 : PKT_GSO_TCPV4,
                                  .csum_partial = 1};
    uint32_t segs = (len + t->opt.mss - 1) / t->opt.mss;
    t->ctr.tso_packets++;
    struct ust_tcp_stats *s = &stack_stats(t->st)->tcp;
    s->OutTsoPackets++;
    s->OutSegs += segs - 1; /* tcp_send_pkt counts the packet once; OutSegs counts segments */
}

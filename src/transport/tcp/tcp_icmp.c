/* ICMP errors about segments we sent (RFC 9293 3.9.2.2, RFC 5927).
 * MUST-54: dispatched to the connection they concern, after checking that
 * the quoted sequence number is one we have in flight (blind attacks).
 * MUST-56: soft errors never abort a connection, they are only
 * remembered for the application (reported if the connection then times
 * out). MUST-55: source quench is ignored. */
#include "core/stack_impl.h"
#include "core/trace.h"
#include "tcp.h"
#include "wire/icmp.h"
#include "wire/seq.h"
#include "wire/wbuf.h"

#define ICMP_T_UNREACH 3
#define ICMP_T_QUENCH 4
#define ICMP_T_TIMXCEED 11
#define ICMP_T_PARAMPROB 12
#define ICMP_C_NET 0
#define ICMP_C_HOST 1
#define ICMP_C_PROTO 2
#define ICMP_C_PORT 3
#define ICMP_C_FRAG_NEEDED 4

void tcp_icmp_error(struct ust_stack *st, uint8_t type, uint8_t code, uint32_t extra,
                    const struct ipv4_hdr *orig, const uint8_t *l4, size_t l4_len)
{
    (void)extra;
    if (l4_len < 8)
        return;
    uint16_t sport = get_be16(l4), dport = get_be16(l4 + 2);
    uint32_t seq = get_be32(l4 + 4);
    struct tcb *t = tcb_lookup(st, orig->src, sport, orig->dst, dport);
    if (!t || t->state == UST_TCP_LISTEN)
        return;
    if (!seq_in(seq, t->snd_una, t->snd_max) && !(t->snd_una == t->snd_max && seq == t->snd_una))
        return; /* not about anything in flight: ignore (RFC 5927 4.1) */
    st->stats.tcp.IcmpErrors++;
    char b[64];
    TCB_TRACE(t, "%s icmp type %u code %u", tcb_str(t, b, sizeof(b)), type, code);
    if (type == ICMP_T_QUENCH)
        return;
    if (type == ICMP_T_UNREACH && code == ICMP_C_FRAG_NEEDED) {
        uint16_t old = t->mss;
        tcp_update_mss(t); /* ipv4_mtu_for now reflects the path MTU */
        if (t->mss < old) {
            t->snd_nxt = t->snd_una;
            tcp_output(t);
        }
        return;
    }
    int err = UST_ERR_HOSTUNREACH;
    if (type == ICMP_T_UNREACH && code == ICMP_C_NET)
        err = UST_ERR_NETUNREACH;
    bool hard = type == ICMP_T_UNREACH && (code == ICMP_C_PROTO || code == ICMP_C_PORT);
    if (hard)
        err = UST_ERR_CONNREFUSED;
    if (hard && t->state == UST_TCP_SYN_SENT) { /* SHLD-26 */
        tcp_drop(t, err, false);
        tcb_reap(t);
        return;
    }
    tcp_soft_error(t, err); /* SHLD-25: kept, reported, not fatal */
}

/* Socket options of a TCP socket (SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP),
 * set and read through tcp_sock_ops (tcp_user.c), and TCP_INFO. */
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "tcp.h"
#include "transport/sock_ops.h"
#include "transport/tp_net.h"
#include "ustack/socket.h"
#include "wire/seq.h"

#define TCP_BUF_MIN 2048
#define TCP_BUF_MAX (64u << 20)

/* SO_SNDBUF / SO_RCVBUF (socket.c already applied Linux's doubling and
 * floor). The ring is resized while it holds nothing; later requests are
 * accepted and ignored, as the buffer is in use. */
static int set_buf(struct ust_sock *s, struct ring *r, int v, int *stored)
{
    if (v < 0)
        return UST_ERR_INVAL;
    size_t n = (size_t)v;
    if (n < TCP_BUF_MIN)
        n = TCP_BUF_MIN;
    if (n > TCP_BUF_MAX)
        n = TCP_BUF_MAX;
    if (ring_set_cap(r, n) == UST_OK && stored && s)
        *stored = (int)n;
    return UST_OK;
}

static int sol_socket_set(struct tcb *t, int name, const void *val, size_t len)
{
    if (name == SO_LINGER) {
        struct linger lg;
        if (len < sizeof(lg))
            return UST_ERR_INVAL;
        memcpy(&lg, val, sizeof(lg));
        t->so.linger_on = lg.l_onoff != 0;
        t->so.linger_sec = (unsigned)lg.l_linger; /* negative: no limit (Linux) */
        return UST_OK;
    }
    int v;
    if (len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case SO_KEEPALIVE:
        if (v)
            t->so.keepalive = true;
        else
            t->so.keepalive = false;
        tcp_keepalive_reset(t);
        return UST_OK;
    case SO_SNDBUF:
        t->so.sndbuf_lock = true; /* no autotuning (Linux SOCK_SNDBUF_LOCK) */
        return set_buf(t->sock, &t->snd.buf, v, t->sock ? &t->sock->sndbuf : NULL);
    case SO_RCVBUF:
        t->so.rcvbuf_lock = true; /* no autotuning (Linux SOCK_RCVBUF_LOCK) */
        if (t->state != UST_TCP_CLOSED && t->state != UST_TCP_LISTEN)
            return UST_OK; /* the window scale is already fixed */
        return set_buf(t->sock, &t->rcv.buf, v, t->sock ? &t->sock->rcvbuf : NULL);
    case SO_OOBINLINE: /* the urgent mark's octet stays in the stream */
        t->so.oobinline = v != 0;
        return UST_OK;
    case SO_REUSEADDR:
    case SO_BROADCAST:
        return UST_OK; /* kept by socket.c */
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

/* TCP_CONGESTION: by name, before the connection is established (the
 * window state of one algorithm means nothing to another). */
static int set_congestion(struct tcb *t, const void *val, size_t len)
{
    char name[16];
    size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
    memcpy(name, val, n);
    name[n] = 0;
    const struct cc_ops *ops = cc_find(name);
    if (!ops)
        return UST_ERR_NOENT;
    if (tcp_state_synchronized(t->state) && ops != t->cc_ops)
        return UST_ERR_ISCONN;
    t->cc_ops = ops;
    return UST_OK;
}

static int sol_tcp_set(struct tcb *t, int name, const void *val, size_t len)
{
    if (name == TCP_CONGESTION)
        return set_congestion(t, val, len);
    int v;
    if (len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case TCP_NODELAY: /* MUST-17 */
        if (v)
            t->so.nodelay = true;
        else
            t->so.nodelay = false;
        if (v)
            tcp_output(t);
        return UST_OK;
    case TCP_MAXSEG:
        if (v < 0 || v > 65535 || (v && v < 88))
            return UST_ERR_INVAL;
        t->so.user_mss = (uint16_t)v;
        if (tcp_state_synchronized(t->state))
            tcp_update_mss(t);
        return UST_OK;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return UST_ERR_INVAL;
        if (name == TCP_KEEPIDLE)
            t->so.keepidle = (ust_time_t)v * UST_SEC;
        else
            t->so.keepintvl = (ust_time_t)v * UST_SEC;
        timer_cancel(t->st, &t->timer.keep);
        tcp_keepalive_reset(t);
        return UST_OK;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return UST_ERR_INVAL;
        t->so.keepcnt = (unsigned)v;
        return UST_OK;
    case TCP_USER_TIMEOUT: /* milliseconds, 0 = the retry count decides */
        if (v < 0)
            return UST_ERR_INVAL;
        t->so.user_timeout = (ust_time_t)v * UST_MSEC;
        return UST_OK;
    case UST_TCP_ECN: /* RFC 3168: read by connect and by a listener's SYNs */
        if (v < 0 || v > 2)
            return UST_ERR_INVAL;
        t->so.ecn_mode = (uint8_t)v;
        return UST_OK;
    case UST_TCP_RTO_MIN:
        if (v < 1 || v > 60 * 1000 * 1000)
            return UST_ERR_INVAL;
        tcp_rtt_set_min(&t->rtt, (ust_time_t)v * UST_USEC);
        return UST_OK;
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

static int sol_ip_set(struct tcb *t, int name, const void *val, size_t len)
{
    if (name == IP_OPTIONS) /* MUST-51: e.g. a source route for the active OPEN */
        return tcp_ipopt_set(t, val, len);
    int v;
    if (len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case IP_TOS: /* MUST-48, SHLD-21/22: passed to IP as given, changeable any time */
        if (v < 0 || v > 255)
            return UST_ERR_INVAL;
        t->so.tos = (uint8_t)v;
        return UST_OK;
    case IP_TTL:
        if (v < -1 || v == 0 || v > 255)
            return UST_ERR_INVAL;
        t->so.ttl = (int16_t)v;
        return UST_OK;
    case IP_RECVERR: /* MUST-47: soft errors reported asynchronously */
        t->so.recverr = v != 0;
        return UST_OK;
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

/* IPPROTO_IPV6 options of an AF_INET6 TCP socket, each the IPv6 half of
 * a dual socket (Linux keeps them apart from IP_TTL, IP_TOS, IP_RECVERR,
 * which an IPv4-mapped connection uses): IPV6_UNICAST_HOPS (RFC 3493 5.1:
 * -1 the default, 0..255 as given, 0 too, as Linux), IPV6_TCLASS (RFC
 * 3542 6.5: -1 = 0), IPV6_RECVERR, IPV6_USE_MIN_MTU (11.1: -1, 0, 1),
 * IPV6_RECVPATHMTU (kept; Linux queues no notices for TCP); IPV6_PKTINFO
 * (6.1.1: a TCP socket's source is its connection's, so a sticky source
 * other than :: fails; the interface is not used). Others: the socket
 * layer's (IPV6_V6ONLY). */
static int sol_ipv6_set(struct tcb *t, int name, const void *val, size_t len)
{
    if (name == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        if (len < sizeof(pi))
            return UST_ERR_INVAL;
        memcpy(&pi, val, sizeof(pi));
        return IN6_IS_ADDR_UNSPECIFIED(&pi.ipi6_addr) ? UST_OK : UST_ERR_INVAL;
    }
    int v;
    if (len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case IPV6_RECVERR: t->so.recverr6 = v != 0; return UST_OK;
    case IPV6_RECVPATHMTU: t->so.recv_pathmtu = v != 0; return UST_OK;
    case IPV6_USE_MIN_MTU:
        if (v < -1 || v > 1)
            return UST_ERR_INVAL;
        t->so.use_min_mtu = (int8_t)v;
        if (tcp_state_synchronized(t->state))
            tcp_update_mss(t);
        return UST_OK;
    case IPV6_UNICAST_HOPS:
    case IPV6_TCLASS:
        if (v < -1 || v > 255)
            return UST_ERR_INVAL;
        if (name == IPV6_TCLASS)
            t->so.tclass6 = (uint8_t)(v < 0 ? 0 : v);
        else
            t->so.hops6 = (int16_t)v;
        return UST_OK;
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

int tcp_setsockopt(struct ust_sock *s, int level, int name, const void *val, size_t len)
{
    struct tcb *t = s->pcb;
    if (!val)
        return UST_ERR_INVAL;
    if (level == SOL_SOCKET)
        return sol_socket_set(t, name, val, len);
    if (level == IPPROTO_IPV6 && s->domain == AF_INET6)
        return sol_ipv6_set(t, name, val, len);
    if (level == IPPROTO_IP)
        return sol_ip_set(t, name, val, len);
    if (level == IPPROTO_TCP)
        return sol_tcp_set(t, name, val, len);
    return UST_ERR_NOPROTOOPT;
}

static uint32_t us32(ust_time_t v)
{
    ust_time_t us = v / UST_USEC;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

void tcp_fill_info(const struct tcb *t, struct ust_tcp_info *i)
{
    memset(i, 0, sizeof(*i));
    i->state = (uint8_t)t->state;
    i->snd_wscale = t->opt.snd_wscale;
    i->rcv_wscale = t->opt.rcv_wscale;
    i->backoff = (uint8_t)t->rtt.backoff;
    i->rtt_us = us32(t->rtt.srtt);
    i->rttvar_us = us32(t->rtt.rttvar);
    i->rto_us = us32(tcp_rtt_rto(&t->rtt));
    i->snd_mss = t->opt.mss;
    i->rcv_mss = t->opt.rcv_mss;
    i->cwnd = t->cc.cwnd;
    i->ssthresh = t->cc.ssthresh;
    i->snd_wnd = t->snd.wnd;
    i->rcv_wnd = seq_gt(t->rcv.adv, t->rcv.nxt) ? t->rcv.adv - t->rcv.nxt : 0;
    i->unacked = t->snd.max - t->snd.una;
    i->retransmits = t->rxt.retries;
    i->total_retrans = t->ctr.total_retrans;
    i->urg_pending = tcp_urg_pending(t);
    i->bytes_acked = t->ctr.bytes_acked;
    i->bytes_received = t->ctr.bytes_received;
    i->ecn = t->ecn.ok;
    i->pacing_rate = t->cc.pacing_rate;
    i->delivery_rate = t->rate.delivery_rate;
    if (t->cc_ops->state_name && tcp_state_synchronized(t->state))
        snprintf(i->cc_state, sizeof(i->cc_state), "%s", t->cc_ops->state_name(&t->cc));
    ust_time_t min = tcp_minrtt_get(&t->min_rtt);
    i->min_rtt_us = min == UST_TIME_NEVER ? 0 : us32(min);
    i->rtt_samples = t->rtt.samples;
    i->rcv_space = t->at.space;
    i->rcv_rtt_us = us32(t->at.rcv_rtt);
    i->rcvbuf = (uint32_t)t->rcv.buf.cap;
    i->sndbuf = (uint32_t)t->snd.buf.cap;
    i->rtt_ambiguous = t->ctr.rtt_ambiguous;
    i->spurious_dsack = t->ctr.spurious_dsack;
    i->spurious_rtos = t->ctr.spurious_rtos;
    i->undos = t->ctr.undos;
    i->rtos = t->ctr.rtos;
    i->tlp_probes = t->ctr.tlp_probes;
    i->rack_lost = t->ctr.rack_lost;
    i->fast_retrans = t->ctr.fast_retrans;
    i->recoveries = t->ctr.recoveries;
    i->cwnd_reductions = t->ctr.cwnd_reductions;
    i->max_episode_reductions = t->ctr.max_episode_reductions;
    i->lost_retrans = t->ctr.lost_retrans;
    i->bytes_sent = t->ctr.bytes_sent;
    i->bytes_retrans = t->ctr.bytes_retrans;
    i->tso_packets = t->ctr.tso_packets;
    i->rwnd_limited_us = tcp_chrono_spent(t, CHRONO_RWND) / UST_USEC;
    i->sndbuf_limited_us = tcp_chrono_spent(t, CHRONO_SNDBUF) / UST_USEC;
    i->busy_us = tcp_chrono_spent(t, CHRONO_BUSY) / UST_USEC + i->rwnd_limited_us +
                 i->sndbuf_limited_us;
    snprintf(i->cc_algo, sizeof(i->cc_algo), "%s", t->cc_ops->name);
}

static int put_int(void *val, size_t *len, int v)
{
    if (*len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return UST_OK;
}

/* RFC 3542 11.4 / Linux IPV6_PATHMTU: struct ip6_mtuinfo with the path
 * MTU towards the peer (ip6m_addr zero); ENOTCONN without a connection. */
static int get_pathmtu(struct tcb *t, void *val, size_t *len)
{
    struct ip6_mtuinfo mi;
    if (*len < sizeof(mi))
        return UST_ERR_INVAL;
    if (!tcp_state_synchronized(t->state) && t->state != UST_TCP_SYN_SENT)
        return UST_ERR_NOTCONN;
    memset(&mi, 0, sizeof(mi));
    mi.ip6m_mtu = tp_mtu_for(t->st, &t->raddr) +
                  (t->raddr.family == UST_AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_LEN);
    memcpy(val, &mi, sizeof(mi));
    *len = sizeof(mi);
    return UST_OK;
}

static int sol_ipv6_get(struct tcb *t, int name, void *val, size_t *len)
{
    switch (name) {
    case IPV6_RECVERR: return put_int(val, len, t->so.recverr6);
    case IPV6_RECVPATHMTU: return put_int(val, len, t->so.recv_pathmtu);
    case IPV6_USE_MIN_MTU: return put_int(val, len, t->so.use_min_mtu);
    case IPV6_TCLASS: return put_int(val, len, t->so.tclass6);
    case IPV6_UNICAST_HOPS:
        return put_int(val, len, t->so.hops6 >= 0 ? t->so.hops6
                                                  : ust_stack_config(t->st)->ipv6_hop_limit);
    case IPV6_PATHMTU: return get_pathmtu(t, val, len);
    default: return UST_ERR_NOPROTOOPT;
    }
}

int tcp_getsockopt(struct ust_sock *s, int level, int name, void *val, size_t *len)
{
    struct tcb *t = s->pcb;
    if (!val || !len)
        return UST_ERR_INVAL;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_KEEPALIVE: return put_int(val, len, t->so.keepalive);
        case SO_OOBINLINE: return put_int(val, len, t->so.oobinline);
        case SO_LINGER: {
            struct linger lg = {.l_onoff = t->so.linger_on, .l_linger = (int)t->so.linger_sec};
            if (*len < sizeof(lg))
                return UST_ERR_INVAL;
            memcpy(val, &lg, sizeof(lg));
            *len = sizeof(lg);
            return UST_OK;
        }
        default: return UST_ERR_NOPROTOOPT;
        }
    }
    if (level == IPPROTO_IP && name == IP_TOS)
        return put_int(val, len, t->so.tos);
    if (level == IPPROTO_IP && name == IP_TTL)
        return put_int(val, len, t->so.ttl > 0 ? t->so.ttl : ust_stack_config(t->st)->ip_default_ttl);
    if (level == IPPROTO_IP && name == IP_OPTIONS)
        return tcp_ipopt_get(t, val, len);
    if (level == IPPROTO_IP && name == IP_RECVERR)
        return put_int(val, len, t->so.recverr);
    if (level == IPPROTO_IPV6 && s->domain == AF_INET6)
        return sol_ipv6_get(t, name, val, len);
    if (level != IPPROTO_TCP)
        return UST_ERR_NOPROTOOPT;
    switch (name) {
    case TCP_NODELAY: return put_int(val, len, t->so.nodelay);
    case TCP_MAXSEG: return put_int(val, len, tcp_state_synchronized(t->state) ? t->opt.mss
                                              : (t->so.user_mss ? t->so.user_mss : TCP_DEFAULT_MSS));
    case TCP_KEEPIDLE: return put_int(val, len, (int)(t->so.keepidle / UST_SEC));
    case TCP_KEEPINTVL: return put_int(val, len, (int)(t->so.keepintvl / UST_SEC));
    case TCP_KEEPCNT: return put_int(val, len, (int)t->so.keepcnt);
    case TCP_USER_TIMEOUT: return put_int(val, len, (int)(t->so.user_timeout / UST_MSEC));
    case UST_TCP_ECN: return put_int(val, len, t->so.ecn_mode);
    case UST_TCP_RTO_MIN: return put_int(val, len, (int)(t->rtt.rto_min / UST_USEC));
    case TCP_CONGESTION: {
        size_t n = strlen(t->cc_ops->name) + 1;
        if (n > *len)
            n = *len;
        memcpy(val, t->cc_ops->name, n);
        *len = n;
        return UST_OK;
    }
    case UST_TCP_INFO: {
        struct ust_tcp_info info;
        tcp_fill_info(t, &info);
        size_t n = *len < sizeof(info) ? *len : sizeof(info);
        memcpy(val, &info, n);
        *len = n;
        return UST_OK;
    }
    default: return UST_ERR_NOPROTOOPT;
    }
}

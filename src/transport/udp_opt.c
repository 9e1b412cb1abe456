/* IPPROTO_IP options of a UDP socket: what RFC 1122 4.1.4 asks UDP to
 * give the application (the IP interface of Section 3.4): TTL, TOS and IP
 * options for sending (IP_TTL, IP_TOS, IP_OPTIONS), and what IP knows about
 * received datagrams (IP_PKTINFO, IP_RECVOPTS, IP_RETOPTS, IP_RECVTOS),
 * ICMP errors for unconnected sockets (IP_RECVERR, 4.1.3.3), plus the path MTU of a
 * connected socket (IP_MTU, GET_MAXSIZES). */
#include <netinet/in.h>
#include <string.h>

#include "core/services.h"
#include "net/net.h"
#include "transport/tp_net.h"
#include "transport/sock_ops.h"
#include "udp_impl.h"

static int get_int(const void *val, size_t len, int *v)
{
    if (!val || len < sizeof(int))
        return UST_ERR_INVAL;
    memcpy(v, val, sizeof(*v));
    return UST_OK;
}

/* RFC 1122 4.1.3.2: options the application gives are sent on every
 * datagram; an empty value removes them (Linux). */
static int set_options(struct udp_pcb *pcb, const void *val, size_t len)
{
    uint8_t opts[IPV4_MAX_OPT_LEN];
    int n = len ? ipv4_opts_from_user(val, len, opts) : 0;
    if (n < 0)
        return n;
    memcpy(pcb->opts, opts, (size_t)n);
    pcb->opt_len = (uint8_t)n;
    return UST_OK;
}

static bool *flag_of(struct udp_pcb *pcb, int name)
{
    switch (name) {
    case IP_PKTINFO: return &pcb->recv_pktinfo;
    case IP_RECVOPTS: return &pcb->recv_opts;
    case IP_RETOPTS: return &pcb->recv_retopts;
    case IP_RECVERR: return &pcb->recv_err;
    case IP_RECVTOS: return &pcb->recv_tos;
    default: return NULL;
    }
}

int udp_ip_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                      size_t len)
{
    int mrc = udp_mcast_setsockopt(st, pcb, name, val, len);
    if (mrc != UST_ERR_NOPROTOOPT)
        return mrc;
    if (name == IP_OPTIONS)
        return set_options(pcb, val, len);
    bool *flag = flag_of(pcb, name);
    if (!flag && name != IP_TTL && name != IP_TOS)
        return UST_ERR_NOPROTOOPT;
    int v;
    int rc = get_int(val, len, &v);
    if (rc != UST_OK)
        return rc;
    if (flag) {
        *flag = v != 0;
        if (name == IP_RECVERR && !v)
            udp_errq_clear(pcb); /* Linux purges the queue */
    } else if (name == IP_TTL) {
        /* RFC 1122 4.1.4: the application sets the TTL; -1 = default, and
         * 0 is refused (3.2.1.7: TTL 0 MUST NOT be sent; Linux: EINVAL). */
        if (v != -1 && (v < 1 || v > 255))
            return UST_ERR_INVAL;
        pcb->ttl = v;
    } else {
        pcb->tos = v & 0xff;
    }
    return UST_OK;
}

static int put_bytes(const void *v, size_t vlen, void *val, size_t *len)
{
    size_t n = *len < vlen ? *len : vlen;
    if (n)
        memcpy(val, v, n);
    *len = n;
    return UST_OK;
}

/* IP_MTU as Linux: the path MTU towards the connected peer. */
static int get_mtu(struct ust_stack *st, struct udp_pcb *pcb, int *v)
{
    if (!pcb->connected)
        return UST_ERR_NOTCONN;
    if (pcb->raddr.family == UST_AF_INET6) {
        *v = (int)tp_mtu_for(st, &pcb->raddr) + IPV6_HDR_LEN;
        return UST_OK;
    }
    ust_ip4_t hop = ipv4_first_hop(pcb->opts, pcb->opt_len, pcb->raddr.u.v4);
    *v = (int)ipv4_mtu_for(st, hop) + IPV4_HDR_LEN;
    return UST_OK;
}

int udp_ip_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val, size_t *len)
{
    int mrc = udp_mcast_getsockopt(st, pcb, name, val, len);
    if (mrc != UST_ERR_NOPROTOOPT)
        return mrc;
    if (name == IP_OPTIONS)
        return put_bytes(pcb->opts, pcb->opt_len, val, len);
    bool *flag = flag_of(pcb, name);
    int v;
    if (flag) {
        v = *flag;
    } else if (name == IP_TTL) {
        v = pcb->ttl > 0 ? pcb->ttl : ust_stack_config(st)->ip_default_ttl;
    } else if (name == IP_TOS) {
        v = pcb->tos;
    } else if (name == IP_MTU) {
        int rc = get_mtu(st, pcb, &v);
        if (rc != UST_OK)
            return rc;
    } else {
        return UST_ERR_NOPROTOOPT;
    }
    return put_bytes(&v, sizeof(v), val, len);
}

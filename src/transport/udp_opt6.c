/* IPPROTO_IPV6 options of an AF_INET6 UDP socket (RFC 3493 5, RFC 3542
 * 6): IPV6_UNICAST_HOPS (0 allowed), what the receiver learns about each
 * datagram (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS), the
 * sticky IPV6_PKTINFO (source and interface of every datagram),
 * IPV6_RECVERR (ICMPv6 errors to the error queue, RFC 4443 3) and IPV6_MTU
 * (the path MTU of a connected socket), IPV6_TCLASS, and RFC 3542 11's
 * IPV6_USE_MIN_MTU, IPV6_RECVPATHMTU and IPV6_PATHMTU (udp_pmtu6.c). On a
 * dual socket the hop limit, Traffic Class and IPV6_RECVERR are the IPv6
 * half only; IP_TTL, IP_TOS and IP_RECVERR (udp_opt.c) govern the
 * IPv4-mapped traffic, as Linux keeps them apart. Semantics and errno as
 * Linux's do_ipv6_setsockopt / ip6_datagram_send_ctl. */
#include <netinet/in.h>
#include <string.h>

#include "core/services.h"
#include "link/iface.h"
#include "net6/net6.h"
#include "transport/sock_ops.h"
#include "transport/tp_net.h"
#include "udp_impl.h"
#include "ustack/socket.h"

static bool *flag6_of(struct udp_pcb *pcb, int name)
{
    switch (name) {
    case IPV6_RECVPKTINFO: return &pcb->recv_pktinfo6;
    case IPV6_RECVHOPLIMIT: return &pcb->recv_hoplimit;
    case IPV6_RECVTCLASS: return &pcb->recv_tclass;
    case IPV6_RECVERR: return &pcb->recv_err6;
    case IPV6_DONTFRAG: return &pcb->dontfrag6;
    case IPV6_RECVPATHMTU: return &pcb->recv_pathmtu;
    default: return NULL;
    }
}

/* RFC 3542 6.1.1: the sticky IPV6_PKTINFO. Checked when used (as Linux):
 * the interface and the address may come and go. An all-zero value
 * removes it. */
static int set_sticky(struct udp_pcb *pcb, const void *val, size_t len)
{
    struct in6_pktinfo pi;
    if (!val || len < sizeof(pi))
        return UST_ERR_INVAL;
    memcpy(&pi, val, sizeof(pi));
    if (pi.ipi6_ifindex > 0x7fffffffu)
        return UST_ERR_NODEV;
    pcb->sticky_ifindex = (int)pi.ipi6_ifindex;
    pcb->sticky_src = ust_addr_from_ip6(pi.ipi6_addr.s6_addr, 0);
    if (ust_addr_is_any(&pcb->sticky_src))
        pcb->sticky_src = (struct ust_addr){0};
    return UST_OK;
}

/* The int-valued options that are not flags. Each family of a dual
 * socket has its own (Linux): these govern IPv6 datagrams only, IP_TTL
 * and IP_TOS the IPv4-mapped ones (udp_opt.c). */
static int set_value6(struct udp_pcb *pcb, int name, int v)
{
    switch (name) {
    case IPV6_MTU_DISCOVER: /* Linux: IPV6_PMTUDISC_DONT .. _OMIT */
        if (v < IPV6_PMTUDISC_DONT || v > IPV6_PMTUDISC_OMIT)
            return UST_ERR_INVAL;
        pcb->pmtudisc6 = (uint8_t)v;
        return UST_OK;
    case IPV6_UNICAST_HOPS:
        /* RFC 3493 5.1: -1 the default, 0..255 as given. Hop limit 0 is
         * sent (Linux too); a node it is addressed to takes it (RFC 8200
         * 3: only a forwarding node decrements and checks). */
        if (v < -1 || v > 255)
            return UST_ERR_INVAL;
        pcb->hops6 = v;
        return UST_OK;
    case IPV6_TCLASS: /* RFC 3542 6.5: -1 the default (0) */
        if (v < -1 || v > 255)
            return UST_ERR_INVAL;
        pcb->tclass6 = (uint8_t)(v < 0 ? 0 : v);
        return UST_OK;
    case IPV6_USE_MIN_MTU: /* RFC 3542 11.1: -1, 0 or 1 */
        if (v < -1 || v > 1)
            return UST_ERR_INVAL;
        pcb->use_min_mtu = (int8_t)v;
        return UST_OK;
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

int udp_ip6_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                       size_t len)
{
    (void)st;
    if (name == IPV6_PKTINFO)
        return set_sticky(pcb, val, len);
    bool *flag = flag6_of(pcb, name);
    if (!flag && name != IPV6_UNICAST_HOPS && name != IPV6_MTU_DISCOVER &&
        name != IPV6_TCLASS && name != IPV6_USE_MIN_MTU)
        return UST_ERR_NOPROTOOPT;
    int v;
    if (!val || len < sizeof(v))
        return UST_ERR_INVAL;
    memcpy(&v, val, sizeof(v));
    if (!flag)
        return set_value6(pcb, name, v);
    *flag = v != 0;
    if (name == IPV6_RECVERR && !v)
        udp_errq_clear(pcb); /* Linux purges the queue */
    return UST_OK;
}

static int put_int(int v, void *val, size_t *len)
{
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return UST_OK;
}

static int get_sticky(const struct udp_pcb *pcb, void *val, size_t *len)
{
    struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)pcb->sticky_ifindex};
    if (pcb->sticky_src.family == UST_AF_INET6)
        memcpy(pi.ipi6_addr.s6_addr, pcb->sticky_src.u.v6, 16);
    size_t n = *len < sizeof(pi) ? *len : sizeof(pi);
    memcpy(val, &pi, n);
    *len = n;
    return UST_OK;
}

int udp_ip6_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val,
                       size_t *len)
{
    bool *flag = flag6_of(pcb, name);
    if (flag)
        return put_int(*flag, val, len);
    switch (name) {
    case IPV6_MTU_DISCOVER: return put_int(pcb->pmtudisc6, val, len);
    case IPV6_TCLASS: return put_int(pcb->tclass6, val, len);
    case IPV6_USE_MIN_MTU: return put_int(pcb->use_min_mtu, val, len);
    case IPV6_UNICAST_HOPS:
        return put_int(pcb->hops6 >= 0 ? pcb->hops6 : ust_stack_config(st)->ipv6_hop_limit, val,
                       len);
    case IPV6_MTU: /* Linux: the path MTU towards the connected peer */
        if (!pcb->connected)
            return UST_ERR_NOTCONN;
        return put_int((int)tp_mtu_for(st, &pcb->raddr) +
                           (pcb->raddr.family == UST_AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_LEN),
                       val, len);
    case IPV6_PATHMTU: return udp_get_pathmtu(st, pcb, val, len);
    case IPV6_PKTINFO: return get_sticky(pcb, val, len);
    default: return UST_ERR_NOPROTOOPT;
    }
}

/* An explicit source (RFC 3542 6.1): one of our addresses; a link-local
 * one must be on the outgoing interface, which must then be known (Linux:
 * EINVAL for both). */
static int check_source(struct ust_stack *st, const struct ust_addr *want, int ix,
                        struct ust_addr *src)
{
    struct ipv6_addr w = tp_ip6(want);
    bool ll = ipv6_addr_is_link_local(&w);
    if (want->family != UST_AF_INET6 || (ll && ix < 0) || ipv6_addr_is_multicast(&w) ||
        !ipv6_is_local(st, &w, ll ? ix : -1))
        return UST_ERR_INVAL;
    *src = *want;
    src->scope_id = ll ? (uint32_t)ix + 1 : 0;
    return UST_OK;
}

int udp_source6_for(struct ust_stack *st, const struct udp_pcb *pcb, const struct ust_addr *dst,
                    const struct sock_tx_meta *tx, struct ust_addr *src, int *ifindex)
{
    struct ust_addr want = pcb->sticky_src;
    int ifx = pcb->sticky_ifindex; /* the user's index: ours + 1 */
    if (tx && tx->src6.family)
        want = tx->src6;
    if (tx && tx->ifindex)
        ifx = tx->ifindex;
    int ix = tp_ifindex(dst);
    if (ifx) {
        if (ix >= 0 && ix != ifx - 1)
            return UST_ERR_INVAL; /* Linux: the scope and the index disagree */
        if (!iface_at(st, ifx - 1))
            return UST_ERR_NODEV;
        ix = ifx - 1;
    }
    *ifindex = ix;
    if (want.family && !ust_addr_is_any(&want))
        return check_source(st, &want, ix, src);
    if (pcb->laddr.family == UST_AF_INET6 && !ust_addr_is_any(&pcb->laddr) &&
        pcb->laddr.u.v6[0] != 0xff) {
        *src = pcb->laddr; /* the bound unicast address */
        return UST_OK;
    }
    struct ipv6_addr d = tp_ip6(dst), s;
    if (ipv6_source_pref(st, &d, ix, tp_prefer_public(pcb->sock), &s) != UST_OK)
        return UST_ERR_NETUNREACH;
    *src = ust_addr_from_ip6(s.b, 0); /* RFC 6724's choice (rule 7 as the socket asks) */
    if (tp_addr_scoped(src))
        src->scope_id = ix >= 0 ? (uint32_t)ix + 1 : dst->scope_id;
    return UST_OK;
}

/* RFC 3542 11.2 and Linux ip6_sk_ignore_df: no fragmentation at the
 * source (EMSGSIZE above the path MTU) with IPV6_DONTFRAG (the message's,
 * else the socket's), or IPV6_MTU_DISCOVER DO, PROBE or INTERFACE. */
bool udp_dontfrag6(const struct udp_pcb *pcb, const struct sock_tx_meta *tx)
{
    if (tx && tx->dontfrag >= 0)
        return tx->dontfrag != 0;
    return pcb->dontfrag6 ||
           (pcb->pmtudisc6 >= IPV6_PMTUDISC_DO && pcb->pmtudisc6 != IPV6_PMTUDISC_OMIT);
}

/* The path MTU as an AF_INET6 UDP socket sees it (RFC 3542 11): the
 * IPV6_USE_MIN_MTU choice (11.1), the IPV6_PATHMTU notice of
 * IPV6_RECVPATHMTU (11.3) and the IPV6_PATHMTU socket option (11.4).
 * Linux has no IPV6_USE_MIN_MTU, so RFC 3542's semantics; the other two
 * as Linux: the notice comes when a datagram that may not be fragmented
 * (IPV6_DONTFRAG) is bigger than the path MTU and the send fails with
 * EMSGSIZE (ipv6_local_rxpmtu), one pending notice per socket (the newest
 * wins), read by the next recvmsg as an empty datagram from that
 * destination (ipv6_recv_rxpmtu). */
#include <netinet/in.h>
#include <string.h>

#include "net6/net6.h"
#include "transport/sock_ops.h"
#include "transport/tp_net.h"
#include "udp_impl.h"
#include "wire/ipv6.h"

bool udp_min_mtu6(const struct udp_pcb *pcb, const struct ust_addr *dst)
{
    if (pcb->use_min_mtu < 0) /* -1: multicast only */
        return dst->family == UST_AF_INET6 && dst->u.v6[0] == 0xff;
    return pcb->use_min_mtu == 1;
}

/* The MTU a datagram to dst (over ifindex, -1: by route) is held to. */
static uint32_t mtu_towards(struct ust_stack *st, const struct udp_pcb *pcb,
                            const struct ust_addr *dst, int ifindex)
{
    struct ipv6_addr d = tp_ip6(dst);
    uint32_t mtu = ipv6_mtu_for(st, &d, ifindex);
    return udp_min_mtu6(pcb, dst) && mtu > IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
}

void udp_rxpmtu_note(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *dst,
                     int ifindex)
{
    if (!pcb->recv_pathmtu)
        return;
    pcb->rxpmtu_pending = true;
    pcb->rxpmtu_dst = *dst;
    pcb->rxpmtu_mtu = mtu_towards(st, pcb, dst, ifindex);
}

bool udp_rxpmtu_ready(const struct udp_pcb *pcb)
{
    return pcb->rxpmtu_pending && pcb->recv_pathmtu;
}

ssize_t udp_rxpmtu_recv(struct udp_pcb *pcb, struct sock_addr *from, struct sock_meta *meta)
{
    if (from) {
        from->addr = pcb->rxpmtu_dst;
        from->port = 0;
    }
    if (meta) {
        meta->full_len = 0;
        meta->has_pathmtu = true;
        meta->pathmtu = pcb->rxpmtu_mtu;
        meta->pathmtu_dst = pcb->rxpmtu_dst;
    }
    pcb->rxpmtu_pending = false;
    return 0;
}

/* RFC 3542 11.4 / Linux IPV6_PATHMTU: struct ip6_mtuinfo with the path
 * MTU of the connected socket's route (ip6m_addr left zero, as Linux);
 * EINVAL for a short buffer, ENOTCONN unconnected. */
int udp_get_pathmtu(struct ust_stack *st, const struct udp_pcb *pcb, void *val, size_t *len)
{
    struct ip6_mtuinfo mi;
    if (*len < sizeof(mi))
        return UST_ERR_INVAL;
    if (!pcb->connected)
        return UST_ERR_NOTCONN;
    memset(&mi, 0, sizeof(mi));
    if (pcb->raddr.family == UST_AF_INET6)
        mi.ip6m_mtu = mtu_towards(st, pcb, &pcb->raddr, tp_ifindex(&pcb->raddr));
    else
        mi.ip6m_mtu = tp_mtu_for(st, &pcb->raddr) + IPV4_HDR_LEN;
    memcpy(val, &mi, sizeof(mi));
    *len = sizeof(mi);
    return UST_OK;
}

/* The IPPROTO_IPV6 control messages of AF_INET6 sockets (RFC 3542 6, as
 * Linux): on receive IPV6_PKTINFO (destination, interface), IPV6_HOPLIMIT,
 * IPV6_TCLASS, IPV6_PATHMTU (11.3) and the IPV6_RECVERR of the error
 * queue; on send
 * IPV6_PKTINFO (source, interface), IPV6_HOPLIMIT, IPV6_TCLASS and
 * IPV6_DONTFRAG (11.2) for one datagram. ipi6_ifindex is the ustack interface index + 1, as
 * IP_PKTINFO's ipi_ifindex (0: none / delivered locally). */
#include <string.h>

#include "sock_impl.h"
#include "ustack/socket.h"

void sock_put_control6(struct msghdr *m, size_t *used, const struct sock_meta *meta)
{
    if (meta->has_pktinfo6) {
        struct in6_pktinfo pi = {.ipi6_ifindex = meta->ifindex >= 0 ? (unsigned)meta->ifindex + 1
                                                                    : 0};
        memcpy(pi.ipi6_addr.s6_addr, meta->dst6.u.v6, 16);
        sock_cmsg_put(m, used, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
    }
    if (meta->has_hoplimit) { /* an int, RFC 3542 6.3 */
        int v = meta->hoplimit;
        sock_cmsg_put(m, used, IPPROTO_IPV6, IPV6_HOPLIMIT, &v, sizeof(v));
    }
    if (meta->has_tclass) { /* an int, RFC 3542 6.5 */
        int v = meta->tclass;
        sock_cmsg_put(m, used, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
    }
    if (meta->has_pathmtu) { /* RFC 3542 11.3, Linux ipv6_recv_rxpmtu */
        struct ip6_mtuinfo mi = {.ip6m_mtu = meta->pathmtu};
        struct ust_addr d = ust_addr_to_v4mapped(&meta->pathmtu_dst);
        mi.ip6m_addr.sin6_family = AF_INET6;
        memcpy(mi.ip6m_addr.sin6_addr.s6_addr, d.u.v6, 16);
        mi.ip6m_addr.sin6_scope_id = meta->pathmtu_dst.scope_id;
        sock_cmsg_put(m, used, IPPROTO_IPV6, IPV6_PATHMTU, &mi, sizeof(mi));
    }
}

/* Linux ipv6_recv_error: struct sock_extended_err and the reporter as a
 * struct sockaddr_in6 (an ICMPv4 one as ::ffff:a.b.c.d) behind it. */
void sock_cmsg_err6(struct msghdr *m, size_t *used, const struct sock_meta *meta)
{
    struct {
        struct ust_sock_extended_err ee;
        struct sockaddr_in6 offender;
    } e;
    memset(&e, 0, sizeof(e));
    sock_ee_fill(&e.ee, meta);
    struct ust_addr off = ust_addr_to_v4mapped(&meta->offender);
    e.offender.sin6_family = AF_INET6;
    memcpy(e.offender.sin6_addr.s6_addr, off.u.v6, 16);
    sock_cmsg_put(m, used, IPPROTO_IPV6, IPV6_RECVERR, &e, sizeof(e));
}

/* An int of -1..255 (-1: the socket's own), cmsg_len exactly
 * CMSG_LEN(sizeof(int)) (Linux ip6_datagram_send_ctl). */
static int cmsg_int6(const struct cmsghdr *c, int *out)
{
    int v;
    if (c->cmsg_len != CMSG_LEN(sizeof(v)))
        return EINVAL;
    memcpy(&v, CMSG_DATA(c), sizeof(v));
    if (v < -1 || v > 255)
        return EINVAL;
    *out = v;
    return 0;
}

int sock_tx_one6(const struct cmsghdr *c, struct sock_tx_meta *tx)
{
    switch (c->cmsg_type) {
    case IPV6_HOPLIMIT: /* RFC 3542 6.3: 0 is sent */
        return cmsg_int6(c, &tx->hops);
    case IPV6_TCLASS: /* RFC 3542 6.5 */
        return cmsg_int6(c, &tx->tclass);
    case IPV6_DONTFRAG: { /* RFC 3542 11.2: any int, not 0 = on */
        int v;
        if (c->cmsg_len != CMSG_LEN(sizeof(v)))
            return EINVAL;
        memcpy(&v, CMSG_DATA(c), sizeof(v));
        tx->dontfrag = v != 0;
        return 0;
    }
    case IPV6_PKTINFO: { /* RFC 3542 6.1: checked by the protocol */
        struct in6_pktinfo pi;
        if (c->cmsg_len < CMSG_LEN(sizeof(pi)))
            return EINVAL;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        if (pi.ipi6_ifindex > 0x7fffffffu)
            return ENODEV;
        tx->ifindex = (int)pi.ipi6_ifindex;
        struct ust_addr a = ust_addr_from_ip6(pi.ipi6_addr.s6_addr, 0);
        if (ust_ip6_is_v4mapped(pi.ipi6_addr.s6_addr))
            a = ust_addr_from_ip4(ntohl(pi.ipi6_addr.s6_addr32[3]));
        tx->src6 = ust_addr_is_any(&a) ? (struct ust_addr){0} : a;
        return 0;
    }
    default:
        return EINVAL;
    }
}

/* Family dispatch between the transport and IPv4 / IPv6 (tp_net.h). */
#include "tp_net.h"

#include "link/iface.h"
#include "net/net.h"
#include "net6/net6.h"
#include "sock_ops.h"
#include "wire/csum.h"

bool tp_addr_scoped(const struct ust_addr *a)
{
    if (a->family != UST_AF_INET6)
        return false;
    struct ipv6_addr x = tp_ip6(a);
    if (ipv6_addr_is_link_local(&x))
        return true;
    return ipv6_addr_is_multicast(&x) && ipv6_mcast_scope(&x) <= 2;
}

struct ust_addr tp_addr_rx6(const struct ipv6_addr *a, int ifindex)
{
    struct ust_addr r = ust_addr_from_ip6(a->b, 0);
    if (ifindex >= 0 && tp_addr_scoped(&r))
        r.scope_id = (uint32_t)ifindex + 1;
    return r;
}

unsigned tp_mtu_for(const struct ust_stack *st, const struct ust_addr *dst)
{
    if (dst->family == UST_AF_INET6) {
        struct ipv6_addr d = tp_ip6(dst);
        unsigned mtu = ipv6_mtu_for(st, &d, tp_ifindex(dst));
        return mtu > IPV6_HDR_LEN ? mtu - IPV6_HDR_LEN : 0;
    }
    return ipv4_mtu_for(st, dst->u.v4);
}

unsigned tp_gso_max_for(const struct ust_stack *st, const struct ust_addr *dst)
{
    if (dst->family == UST_AF_INET6) {
        struct ipv6_addr d = tp_ip6(dst);
        return ipv6_gso_max_for(st, &d, tp_ifindex(dst));
    }
    return ipv4_gso_max_for(st, dst->u.v4);
}

bool tp_csum_offload6_for(const struct ust_stack *st, const struct ust_addr *dst)
{
    struct ipv6_addr d = tp_ip6(dst);
    return ipv6_csum_offload_for(st, &d, tp_ifindex(dst));
}

bool tp_prefer_public(const struct ust_sock *s)
{
    /* RFC 5014 / Linux: PREFER_SRC_TMP and _PUBLIC never both stored */
    return s && (s->srcprefs & IPV6_PREFER_SRC_PUBLIC);
}

int tp_source_for(const struct ust_stack *st, const struct ust_addr *dst, bool prefer_public,
                  struct ust_addr *src)
{
    if (dst->family == UST_AF_INET6) {
        struct ipv6_addr d = tp_ip6(dst), s;
        int rc = ipv6_source_pref(st, &d, tp_ifindex(dst), prefer_public, &s);
        if (rc < 0)
            return rc;
        *src = ust_addr_from_ip6(s.b, 0);
        if (tp_addr_scoped(src))
            src->scope_id = dst->scope_id;
        return UST_OK;
    }
    ust_ip4_t s = ipv4_source_for(st, dst->u.v4);
    if (!s)
        return UST_ERR_NOROUTE;
    *src = ust_addr_from_ip4(s);
    return UST_OK;
}

bool tp_is_local(struct ust_stack *st, const struct ust_addr *a)
{
    if (a->family == UST_AF_INET6) {
        struct ipv6_addr x = tp_ip6(a);
        return ipv6_is_local(st, &x, tp_ifindex(a));
    }
    return iface_by_addr(st, a->u.v4) != NULL;
}

uint32_t tp_csum_pseudo6(const struct ust_addr *src, const struct ust_addr *dst, uint8_t proto,
                         uint32_t len)
{
    struct ipv6_addr s = tp_ip6(src), d = tp_ip6(dst);
    return ipv6_csum_pseudo(&s, &d, len, proto);
}

bool tp_laddr_overlap(const struct ust_addr *a, bool a_v6only, const struct ust_addr *b,
                      bool b_v6only)
{
    if (a->family == 0 || b->family == 0)
        return true;
    if (a->family == b->family)
        return ust_addr_is_any(a) || ust_addr_is_any(b) || ust_addr_eq(a, b);
    const struct ust_addr *six = a->family == UST_AF_INET6 ? a : b;
    bool six_v6only = a->family == UST_AF_INET6 ? a_v6only : b_v6only;
    return ust_addr_is_any(six) && !six_v6only;
}

bool tp_laddr_takes(const struct ust_addr *laddr, bool v6only, const struct ust_addr *dst)
{
    if (laddr->family == dst->family)
        return ust_addr_is_any(laddr) || ust_addr_eq(laddr, dst);
    if (laddr->family == 0)
        return true;
    return laddr->family == UST_AF_INET6 && dst->family == UST_AF_INET && !v6only &&
           ust_addr_is_any(laddr);
}

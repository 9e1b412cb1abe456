/* Source filters on UDP sockets (RFC 3678 4.1.2 and 5.1.2, the "delta"
 * interface; errors as Linux's ip_mc_source and ip6_mc_source): one
 * filter per membership, INCLUDE (source-specific joins) or EXCLUDE
 * (sources blocked on an any-source join), at most cfg.mcast_max_sources
 * (IPv4) or cfg.mld_max_sources (IPv6) sources. The merged interface
 * state and its reports are IGMP's (net/igmp_filter.c) or MLD's
 * (net6/mld6_filter.c). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "link/iface.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tp_net.h"
#include "udp_mcast.h"

static bool same_source(const struct ust_addr *a, const struct ust_addr *b)
{
    if (a->family != b->family)
        return false;
    return a->family == UST_AF_INET6 ? memcmp(a->u.v6, b->u.v6, 16) == 0 : a->u.v4 == b->u.v4;
}

static int source_index(const struct mcast_membership *m, const struct ust_addr *src)
{
    for (unsigned i = 0; i < m->nsrc; i++)
        if (same_source(&m->src[i], src))
            return (int)i;
    return -1;
}

bool udp_mcast_source_ok(const struct mcast_membership *m, const struct ust_addr *src)
{
    bool listed = source_index(m, src) >= 0;
    return m->exclude ? !listed : listed;
}

/* Linux's igmp_max_msf (10) and mld_max_msf (64). */
static unsigned max_sources(struct ust_stack *st, const struct ust_addr *g)
{
    const struct ust_config *c = ust_stack_config(st);
    return g->family == UST_AF_INET6 ? c->mld_max_sources : c->mcast_max_sources;
}

/* RFC 3678 4.1.2: add (or drop) one source of an existing membership's
 * filter in mode `exclude`. Linux: no membership EINVAL; the other mode
 * with sources EINVAL (an empty filter switches mode); a source already
 * there or (drop) not there EADDRNOTAVAIL; the filter full ENOBUFS; the
 * last INCLUDE source dropped leaves the group. */
static int change_source(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                         int ifindex, const struct ust_addr *src, bool exclude, bool add)
{
    int i = udp_mcast_find(pcb->mc, g, ifindex);
    if (i < 0)
        return UST_ERR_INVAL;
    struct mcast_membership *m = &pcb->mc->v[i];
    if (m->exclude != exclude && m->nsrc > 0)
        return UST_ERR_INVAL;
    int at = m->exclude == exclude ? source_index(m, src) : -1;
    if (add ? at >= 0 : at < 0)
        return UST_ERR_ADDRNOTAVAIL;
    if (!add && m->nsrc == 1 && !exclude)
        return udp_mcast_drop(st, pcb, g, m->ifindex); /* INCLUDE({}) is no membership */
    if (add && m->nsrc >= max_sources(st, g)) {
        if (g->family == UST_AF_INET6)
            stack_stats(st)->mld6.SourcesRefused++;
        else
            stack_stats(st)->igmp.SourcesRefused++;
        return UST_ERR_NOBUFS;
    }
    struct ust_addr *v = malloc((m->nsrc + 1) * sizeof(*v));
    if (!v)
        return UST_ERR_NOMEM;
    unsigned n = 0;
    for (unsigned k = 0; k < m->nsrc; k++)
        if ((int)k != at)
            v[n++] = m->src[k];
    if (add)
        v[n++] = *src;
    int rc = udp_mcast_refilter(st, m, exclude, v, n);
    free(v);
    return rc;
}

/* A source-specific join (IP_ADD_SOURCE_MEMBERSHIP, MCAST_JOIN_SOURCE_GROUP):
 * joins in INCLUDE mode first when not a member yet (undone if the source
 * is refused). */
static int join_source(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                       int ifindex, const struct ust_addr *src)
{
    int rc = udp_mcast_add_mode(st, pcb, g, ifindex, false);
    if (rc != UST_OK && rc != UST_ERR_ADDRINUSE)
        return rc;
    bool joined_now = rc == UST_OK;
    rc = change_source(st, pcb, g, ifindex, src, false, true);
    if (rc != UST_OK && joined_now)
        udp_mcast_drop(st, pcb, g, ifindex);
    return rc;
}

/* What each option does: (mode, add) and whether it may join. */
static int source_op(struct ust_stack *st, struct udp_pcb *pcb, int name,
                     const struct ust_addr *g, int ifindex, const struct ust_addr *src)
{
    if (!udp_mcast_of(pcb))
        return UST_ERR_NOMEM;
    switch (name) {
    case IP_ADD_SOURCE_MEMBERSHIP:
    case MCAST_JOIN_SOURCE_GROUP:
        return join_source(st, pcb, g, ifindex, src);
    case IP_DROP_SOURCE_MEMBERSHIP:
    case MCAST_LEAVE_SOURCE_GROUP:
        return change_source(st, pcb, g, ifindex, src, false, false);
    case IP_BLOCK_SOURCE:
    case MCAST_BLOCK_SOURCE:
        return change_source(st, pcb, g, ifindex, src, true, true);
    default: /* IP_UNBLOCK_SOURCE, MCAST_UNBLOCK_SOURCE */
        return change_source(st, pcb, g, ifindex, src, true, false);
    }
}

/* struct ip_mreq_source (RFC 3678 4.1.2). */
static int mreq_source(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                       size_t len)
{
    struct ip_mreq_source m;
    if (!val || len < sizeof(m))
        return UST_ERR_INVAL;
    memcpy(&m, val, sizeof(m));
    ust_ip4_t group = ntohl(m.imr_multiaddr.s_addr);
    if (!ipv4_is_multicast(group))
        return UST_ERR_INVAL;
    int ifindex = udp_mcast_iface4(st, 0, ntohl(m.imr_interface.s_addr), group);
    if (ifindex < 0)
        return UST_ERR_NODEV; /* Linux: ENODEV */
    struct ust_addr g = ust_addr_from_ip4(group);
    struct ust_addr s = ust_addr_from_ip4(ntohl(m.imr_sourceaddr.s_addr));
    return source_op(st, pcb, name, &g, ifindex, &s);
}

/* struct group_source_req (RFC 3678 5.1.2) at IPPROTO_IP: AF_INET group
 * and source (else EINVAL), gsr_interface = index + 1 (0: by route). */
static int group_source_req4(struct ust_stack *st, struct udp_pcb *pcb, int name,
                             const void *val, size_t len)
{
    struct group_source_req gsr;
    if (!val || len < sizeof(gsr))
        return UST_ERR_INVAL;
    memcpy(&gsr, val, sizeof(gsr));
    struct sockaddr_in gs, ss;
    memcpy(&gs, &gsr.gsr_group, sizeof(gs));
    memcpy(&ss, &gsr.gsr_source, sizeof(ss));
    if (gs.sin_family != AF_INET || ss.sin_family != AF_INET)
        return UST_ERR_INVAL;
    ust_ip4_t group = ntohl(gs.sin_addr.s_addr);
    if (!ipv4_is_multicast(group))
        return UST_ERR_INVAL;
    int ifindex;
    if (gsr.gsr_interface > 0)
        ifindex = iface_by_index(st, (int)gsr.gsr_interface - 1) ? (int)gsr.gsr_interface - 1
                                                                  : -1;
    else
        ifindex = udp_mcast_iface4(st, 0, 0, group);
    if (ifindex < 0)
        return UST_ERR_NODEV;
    struct ust_addr g = ust_addr_from_ip4(group);
    struct ust_addr s = ust_addr_from_ip4(ntohl(ss.sin_addr.s_addr));
    return source_op(st, pcb, name, &g, ifindex, &s);
}

/* struct group_source_req at IPPROTO_IPV6 (Linux's
 * do_ipv6_mcast_group_source and ip6_mc_source): AF_INET6 group and
 * source (else EADDRNOTAVAIL), a multicast group (else EINVAL), an
 * interface (index + 1; 0: the group's route) that runs IPv6 (else
 * ENODEV). Interface 0 matches a membership on any interface, except
 * for the join. */
static int group_source_req6(struct ust_stack *st, struct udp_pcb *pcb, int name,
                             const void *val, size_t len)
{
    struct group_source_req gsr;
    if (!val || len < sizeof(gsr))
        return UST_ERR_INVAL;
    memcpy(&gsr, val, sizeof(gsr));
    struct sockaddr_in6 gs, ss;
    memcpy(&gs, &gsr.gsr_group, sizeof(gs));
    memcpy(&ss, &gsr.gsr_source, sizeof(ss));
    if (gs.sin6_family != AF_INET6 || ss.sin6_family != AF_INET6)
        return UST_ERR_ADDRNOTAVAIL;
    struct ust_addr g = ust_addr_from_ip6(gs.sin6_addr.s6_addr, 0);
    struct ipv6_addr a = tp_ip6(&g);
    if (!ipv6_addr_is_multicast(&a))
        return UST_ERR_INVAL;
    uint32_t index1 = gsr.gsr_interface;
    int ifindex = index1 ? (int)index1 - 1 : ipv6_mcast_iface(st, &a);
    if (ifindex < 0 || index1 > UST_MAX_IFACES || !ipv6_iface_exists(st, ifindex))
        return UST_ERR_NODEV;
    if (index1 == 0 && name != MCAST_JOIN_SOURCE_GROUP)
        ifindex = -1;
    struct ust_addr s = ust_addr_from_ip6(ss.sin6_addr.s6_addr, 0);
    return source_op(st, pcb, name, &g, ifindex, &s);
}

int udp_mcast6_source_opt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                          size_t len)
{
    switch (name) {
    case MCAST_JOIN_SOURCE_GROUP:
    case MCAST_LEAVE_SOURCE_GROUP:
    case MCAST_BLOCK_SOURCE:
    case MCAST_UNBLOCK_SOURCE:
        return group_source_req6(st, pcb, name, val, len);
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

int udp_mcast_source_opt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                         size_t len)
{
    switch (name) {
    case IP_ADD_SOURCE_MEMBERSHIP:
    case IP_DROP_SOURCE_MEMBERSHIP:
    case IP_BLOCK_SOURCE:
    case IP_UNBLOCK_SOURCE:
        return mreq_source(st, pcb, name, val, len);
    case MCAST_JOIN_SOURCE_GROUP:
    case MCAST_LEAVE_SOURCE_GROUP:
    case MCAST_BLOCK_SOURCE:
    case MCAST_UNBLOCK_SOURCE:
        return group_source_req4(st, pcb, name, val, len);
    default:
        return UST_ERR_NOPROTOOPT;
    }
}

/* Multicast on UDP sockets (RFC 1112 7.1, the RFC 3678 / Linux socket
 * interface): group memberships (IP_ADD_MEMBERSHIP,
 * IP_DROP_MEMBERSHIP with struct ip_mreq or ip_mreqn), the sending
 * settings (IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP) and
 * IP_MULTICAST_ALL, and the input filter that gives a multicast datagram
 * to every socket on the port that joined its group on the interface it
 * came in on, when the membership's source filter (udp_mcast_src.c) lets
 * its source through. Memberships hold family-tagged groups (struct
 * ust_addr): IPv4 ones join with IGMP, IPv6 ones (udp_mcast6.c) with MLD. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "link/iface.h"
#include "net/igmp.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tp_net.h"
#include "transport/sock_ops.h"
#include "udp_mcast.h"

struct udp_mcast *udp_mcast_of(struct udp_pcb *pcb)
{
    if (!pcb->mc && (pcb->mc = calloc(1, sizeof(*pcb->mc)))) {
        pcb->mc->ttl = 1;
        pcb->mc->loop = true;
        pcb->mc->ifindex = -1;
        pcb->mc->hops6 = 1; /* RFC 3493 5.2 */
        pcb->mc->loop6 = true;
        pcb->mc->ifindex6 = -1;
    }
    return pcb->mc;
}

/* The same group, whatever scope id an address off the wire carries. */
static bool same_group(const struct ust_addr *a, const struct ust_addr *b)
{
    if (a->family != b->family)
        return false;
    return a->family == UST_AF_INET6 ? memcmp(a->u.v6, b->u.v6, 16) == 0 : a->u.v4 == b->u.v4;
}

int udp_mcast_find(const struct udp_mcast *mc, const struct ust_addr *g, int ifindex)
{
    for (unsigned i = 0; mc && i < mc->n; i++)
        if (same_group(&mc->v[i].group, g) && (ifindex < 0 || mc->v[i].ifindex == ifindex))
            return (int)i;
    return -1;
}

int udp_mcast_add(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                  int ifindex)
{
    return udp_mcast_add_mode(st, pcb, g, ifindex, true);
}

int udp_mcast_add_mode(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                       int ifindex, bool exclude)
{
    struct udp_mcast *mc = udp_mcast_of(pcb);
    if (!mc)
        return UST_ERR_NOMEM;
    if (udp_mcast_find(mc, g, ifindex) >= 0)
        return UST_ERR_ADDRINUSE; /* Linux: EADDRINUSE */
    if (mc->n >= ust_stack_config(st)->igmp_max_memberships) {
        if (g->family == UST_AF_INET6)
            stack_stats(st)->mld6.JoinsRefused++;
        else
            stack_stats(st)->igmp.JoinsRefused++;
        return UST_ERR_NOMEM;
    }
    if (mc->n == mc->cap) {
        unsigned cap = mc->cap ? mc->cap * 2 : 4;
        struct mcast_membership *v = realloc(mc->v, cap * sizeof(*v));
        if (!v)
            return UST_ERR_NOMEM;
        mc->v = v;
        mc->cap = cap;
    }
    int rc = udp_mcast_net_join(st, g, ifindex, exclude);
    if (rc != UST_OK)
        return rc;
    mc->v[mc->n] = (struct mcast_membership){.group = *g, .ifindex = ifindex,
                                             .exclude = exclude};
    mc->v[mc->n++].group.scope_id = 0;
    return UST_OK;
}

int udp_mcast_drop(struct ust_stack *st, struct udp_pcb *pcb, const struct ust_addr *g,
                   int ifindex)
{
    struct udp_mcast *mc = pcb->mc;
    int i = udp_mcast_find(mc, g, ifindex);
    if (i < 0)
        return UST_ERR_ADDRNOTAVAIL; /* Linux: not a member */
    udp_mcast_net_leave(st, &mc->v[i]);
    mc->v[i] = mc->v[--mc->n];
    return UST_OK;
}

/* The interface of an ip_mreqn (index + 1, else address) or ip_mreq
 * (address); none given: the one routing picks for the group, else the
 * first (as Linux's ip_mc_find_dev). -1: no such interface. */
int udp_mcast_iface4(struct ust_stack *st, int index1, ust_ip4_t addr, ust_ip4_t group)
{
    if (index1 > 0)
        return iface_by_index(st, index1 - 1) ? index1 - 1 : -1;
    const struct ust_iface *ifc = NULL;
    if (addr)
        return (ifc = iface_by_addr(st, addr)) ? ifc->index : -1;
    ust_ip4_t src = ipv4_source_for(st, group);
    if (!(ifc = src ? iface_by_addr(st, src) : NULL))
        ifc = iface_by_index(st, 0);
    return ifc ? ifc->index : -1;
}

/* IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP (struct ip_mreq or ip_mreqn). */
static int set_membership(struct ust_stack *st, struct udp_pcb *pcb, bool add, const void *val,
                          size_t len)
{
    struct ip_mreqn m = {0};
    if (!val || len < sizeof(struct ip_mreq))
        return UST_ERR_INVAL;
    memcpy(&m, val, len >= sizeof(m) ? sizeof(m) : sizeof(struct ip_mreq));
    ust_ip4_t group = ntohl(m.imr_multiaddr.s_addr);
    if (!ipv4_is_multicast(group))
        return UST_ERR_INVAL;
    /* A drop that names no interface leaves the group wherever joined. */
    bool named = add || m.imr_ifindex > 0 || m.imr_address.s_addr;
    int ifindex = named ? udp_mcast_iface4(st, m.imr_ifindex, ntohl(m.imr_address.s_addr), group) : -1;
    if (named && ifindex < 0)
        return UST_ERR_ADDRNOTAVAIL;
    struct ust_addr g = ust_addr_from_ip4(group);
    return add ? udp_mcast_add(st, pcb, &g, ifindex) : udp_mcast_drop(st, pcb, &g, ifindex);
}

/* RFC 3678 5.1 MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP (struct group_req)
 * at IPPROTO_IP: an AF_INET group (else EINVAL, as Linux), gr_interface
 * as imr_ifindex. */
int udp_mcast_group_req4(struct ust_stack *st, struct udp_pcb *pcb, bool join, const void *val,
                         size_t len)
{
    struct group_req gr;
    if (!val || len < sizeof(gr))
        return UST_ERR_INVAL;
    memcpy(&gr, val, sizeof(gr));
    struct sockaddr_in sin;
    memcpy(&sin, &gr.gr_group, sizeof(sin));
    if (sin.sin_family != AF_INET)
        return UST_ERR_INVAL;
    struct ip_mreqn m = {.imr_multiaddr = sin.sin_addr, .imr_ifindex = (int)gr.gr_interface};
    return set_membership(st, pcb, join, &m, sizeof(m));
}

/* An int, or one byte (Linux takes both for the IP_MULTICAST_* values). */
static int get_int_or_byte(const void *val, size_t len, int *v)
{
    if (!val || len == 0)
        return UST_ERR_INVAL;
    if (len < sizeof(int)) {
        *v = *(const uint8_t *)val;
        return UST_OK;
    }
    memcpy(v, val, sizeof(*v));
    return UST_OK;
}

/* IP_MULTICAST_IF: struct ip_mreqn (index + 1 or address), or struct
 * in_addr; INADDR_ANY goes back to the route's interface. */
static int set_mcast_if(struct ust_stack *st, struct udp_mcast *mc, const void *val, size_t len)
{
    struct ip_mreqn m = {0};
    if (!val || len < sizeof(struct in_addr))
        return UST_ERR_INVAL;
    if (len >= sizeof(m))
        memcpy(&m, val, sizeof(m));
    else
        memcpy(&m.imr_address, val, sizeof(struct in_addr));
    if (m.imr_ifindex <= 0 && m.imr_address.s_addr == 0) {
        mc->ifindex = -1;
        return UST_OK;
    }
    int i = udp_mcast_iface4(st, m.imr_ifindex, ntohl(m.imr_address.s_addr), 0);
    if (i < 0)
        return UST_ERR_ADDRNOTAVAIL;
    mc->ifindex = i;
    return UST_OK;
}

static int set_value(struct ust_stack *st, struct udp_mcast *mc, int name, const void *val,
                     size_t len)
{
    if (name == IP_MULTICAST_IF)
        return set_mcast_if(st, mc, val, len);
    int v;
    int rc = get_int_or_byte(val, len, &v);
    if (rc != UST_OK)
        return rc;
    if (name == IP_MULTICAST_TTL) {
        /* -1: the default (1). 0 (host-local only) is not supported. */
        if (v == -1)
            v = 1;
        if (v < 1 || v > 255)
            return UST_ERR_INVAL;
        mc->ttl = v;
    } else if (name == IP_MULTICAST_LOOP) {
        mc->loop = v != 0;
    } else {
        mc->all = v != 0;
    }
    return UST_OK;
}

int udp_mcast_setsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, const void *val,
                         size_t len)
{
    switch (name) {
    case IP_ADD_MEMBERSHIP:
    case IP_DROP_MEMBERSHIP:
        return set_membership(st, pcb, name == IP_ADD_MEMBERSHIP, val, len);
    case MCAST_JOIN_GROUP:
    case MCAST_LEAVE_GROUP:
        return udp_mcast_group_req4(st, pcb, name == MCAST_JOIN_GROUP, val, len);
    case IP_MULTICAST_IF:
    case IP_MULTICAST_TTL:
    case IP_MULTICAST_LOOP:
    case IP_MULTICAST_ALL:
        if (!udp_mcast_of(pcb))
            return UST_ERR_NOMEM;
        return set_value(st, pcb->mc, name, val, len);
    default:
        return udp_mcast_source_opt(st, pcb, name, val, len);
    }
}

int udp_mcast_getsockopt(struct ust_stack *st, struct udp_pcb *pcb, int name, void *val,
                         size_t *len)
{
    const struct udp_mcast *mc = pcb->mc;
    int v;
    switch (name) {
    case IP_MULTICAST_IF: {
        const struct ust_iface *ifc = mc && mc->ifindex >= 0 ? iface_at(st, mc->ifindex) : NULL;
        struct in_addr a = {.s_addr = htonl(ifc ? ifc->addr : 0)};
        size_t n = *len < sizeof(a) ? *len : sizeof(a);
        memcpy(val, &a, n);
        *len = n;
        return UST_OK;
    }
    case IP_MULTICAST_TTL: v = mc ? mc->ttl : 1; break;
    case IP_MULTICAST_LOOP: v = mc ? mc->loop : 1; break;
    case IP_MULTICAST_ALL: v = mc ? mc->all : 0; break;
    default: return UST_ERR_NOPROTOOPT;
    }
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return UST_OK;
}

bool udp_mcast_accepts(struct ust_stack *st, const struct udp_pcb *pcb,
                       const struct ust_addr *group, const struct ust_addr *src, int ifindex)
{
    const struct udp_mcast *mc = pcb->mc;
    if (!mc)
        return false;
    for (unsigned i = 0; i < mc->n; i++) {
        const struct mcast_membership *m = &mc->v[i];
        if (!same_group(&m->group, group) || m->ifindex != ifindex)
            continue;
        if (udp_mcast_source_ok(m, src))
            return true;
        if (group->family == UST_AF_INET6)
            stack_stats(st)->mld6.SourceFiltered++; /* RFC 3810 4.1 */
        else
            stack_stats(st)->igmp.SourceFiltered++; /* RFC 3376 3.1 */
        return false;
    }
    /* IP_MULTICAST_ALL: any IPv4 group the interface belongs to. */
    return mc->all && group->family == UST_AF_INET;
}

ust_ip4_t udp_mcast_source(struct ust_stack *st, const struct udp_pcb *pcb, ust_ip4_t dst,
                           const struct sock_tx_meta *tx, ust_ip4_t src)
{
    const struct udp_mcast *mc = pcb->mc;
    if (!ipv4_is_multicast(dst) || !mc || mc->ifindex < 0 || (tx && tx->src) ||
        (pcb->laddr.family == UST_AF_INET && pcb->laddr.u.v4 && ipv4_is_local(st, pcb->laddr.u.v4)))
        return src;
    const struct ust_iface *ifc = iface_at(st, mc->ifindex);
    return ifc ? ifc->addr : src;
}

void udp_mcast_out(struct ust_stack *st, const struct udp_pcb *pcb, const struct sock_tx_meta *tx,
                   struct ipv4_out *o)
{
    if (!ipv4_is_multicast(o->dst))
        return;
    const struct udp_mcast *mc = pcb->mc;
    /* RFC 1112 6.1: TTL 1 unless the application asks for more; a copy
     * for our own members unless it asks not to. */
    if (!(tx && tx->ttl > 0))
        o->ttl = (uint8_t)(mc ? mc->ttl : 1);
    o->mc_loop = mc ? mc->loop : true;
    if (mc && mc->ifindex >= 0)
        o->oif = iface_by_index(st, mc->ifindex);
}

void udp_mcast_close(struct ust_stack *st, struct udp_pcb *pcb)
{
    struct udp_mcast *mc = pcb->mc;
    if (!mc)
        return;
    for (unsigned i = 0; i < mc->n; i++)
        udp_mcast_net_leave(st, &mc->v[i]);
    free(mc->v);
    free(mc);
    pcb->mc = NULL;
}

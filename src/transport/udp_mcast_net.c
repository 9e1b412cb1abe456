/* A UDP membership's state in the network layer: its group joined, left
 * or refiltered with IGMP (IPv4, net/igmp_filter.c) or MLD (IPv6,
 * net6/mld6_filter.c), both merging the sockets' filters per interface
 * with core/msf.c (RFC 3376 3.2, RFC 3810 4.2). */
#include <stdlib.h>
#include <string.h>

#include "core/msf.h"
#include "core/services.h"
#include "net/igmp.h"
#include "net6/net6.h"
#include "tp_net.h"
#include "wire/wbuf.h"
#include "udp_mcast.h"

/* Sources as the network layer takes them: 4 bytes (network order) or
 * 16 each; NULL: out of memory. */
static uint8_t *addr_bytes(const struct ust_addr *src, unsigned n, size_t alen)
{
    uint8_t *v = malloc(n ? n * alen : 1);
    for (unsigned i = 0; v && i < n; i++) {
        if (alen == 4)
            put_be32(v + 4 * (size_t)i, src[i].u.v4);
        else
            memcpy(v + 16 * (size_t)i, src[i].u.v6, 16);
    }
    return v;
}

/* The group's filter state for one socket moves from old to new (NULL:
 * leaving), with IGMP or MLD. */
static int net_filter(struct ust_stack *st, const struct mcast_membership *m,
                      const struct msf_filter *old, const struct msf_filter *new)
{
    if (m->group.family == UST_AF_INET6) {
        struct ipv6_addr g = tp_ip6(&m->group);
        return ipv6_mcast_filter(st, m->ifindex, &g, old, new);
    }
    return igmp_filter_change(st, m->ifindex, m->group.u.v4, old, new);
}

/* m's state moves from m's filter to the given one (leaving: no
 * membership any more). */
static int refilter(struct ust_stack *st, const struct mcast_membership *m, bool exclude,
                    const struct ust_addr *src, unsigned n, bool leaving)
{
    size_t alen = m->group.family == UST_AF_INET6 ? 16 : 4;
    uint8_t *ov = addr_bytes(m->src, m->nsrc, alen), *nv = addr_bytes(src, n, alen);
    int rc = UST_ERR_NOMEM;
    if (ov && nv) {
        struct msf_filter o = {.exclude = m->exclude, .n = m->nsrc, .alen = alen, .src = ov};
        struct msf_filter f = {.exclude = exclude, .n = n, .alen = alen, .src = nv};
        rc = net_filter(st, m, &o, leaving ? NULL : &f);
    }
    free(ov);
    free(nv);
    return rc;
}

int udp_mcast_net_join(struct ust_stack *st, const struct ust_addr *g, int ifindex,
                       bool exclude)
{
    struct mcast_membership m = {.group = *g, .ifindex = ifindex};
    struct msf_filter none = {.exclude = exclude, .alen = g->family == UST_AF_INET6 ? 16 : 4};
    if (g->family == UST_AF_INET6 && exclude) {
        struct ipv6_addr a = tp_ip6(g);
        return ipv6_mcast_join(st, ifindex, &a); /* bounded as IPV6_JOIN_GROUP */
    }
    return net_filter(st, &m, NULL, &none);
}

void udp_mcast_net_leave(struct ust_stack *st, struct mcast_membership *m)
{
    /* Without memory for the lists, m leaves with its mode but no sources
     * (the counts of its sources stay: a source kept or blocked too long,
     * never a mode wrong). */
    if (m->nsrc == 0 || refilter(st, m, false, NULL, 0, true) != UST_OK) {
        struct msf_filter o = {.exclude = m->exclude,
                               .alen = m->group.family == UST_AF_INET6 ? 16 : 4};
        net_filter(st, m, &o, NULL);
    }
    free(m->src);
    m->src = NULL;
    m->nsrc = 0;
}

int udp_mcast_refilter(struct ust_stack *st, struct mcast_membership *m, bool exclude,
                       const struct ust_addr *src, unsigned n)
{
    struct ust_addr *copy = n ? malloc(n * sizeof(*copy)) : NULL;
    if (n && !copy)
        return UST_ERR_NOMEM;
    int rc = refilter(st, m, exclude, src, n, false);
    if (rc != UST_OK) {
        free(copy);
        return rc;
    }
    if (n)
        memcpy(copy, src, n * sizeof(*copy));
    free(m->src);
    m->src = copy;
    m->nsrc = n;
    m->exclude = exclude;
    return UST_OK;
}

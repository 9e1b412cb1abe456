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
#include "udp_mcast.h"

/* An IPv4 filter as IGMP takes it; NULL: out of memory. */
static ust_ip4_t *ip4_list(const struct ust_addr *src, unsigned n)
{
    ust_ip4_t *v = malloc((n ? n : 1) * sizeof(*v));
    for (unsigned i = 0; v && i < n; i++)
        v[i] = src[i].u.v4;
    return v;
}

/* IGMP's state for m moves from m's filter to the given one (leaving:
 * no membership any more). */
static int ip4_refilter(struct ust_stack *st, const struct mcast_membership *m, bool exclude,
                        const struct ust_addr *src, unsigned n, bool leaving)
{
    ust_ip4_t *ov = ip4_list(m->src, m->nsrc), *nv = ip4_list(src, n);
    int rc = UST_ERR_NOMEM;
    if (ov && nv) {
        struct igmp_sf o = {.exclude = m->exclude, .n = m->nsrc, .src = ov};
        struct igmp_sf f = {.exclude = exclude, .n = n, .src = nv};
        rc = igmp_filter_change(st, m->ifindex, m->group.u.v4, &o, leaving ? NULL : &f);
    }
    free(ov);
    free(nv);
    return rc;
}

/* IPv6 sources as 16-byte strings; NULL: out of memory. */
static uint8_t *ip6_bytes(const struct ust_addr *src, unsigned n)
{
    uint8_t *v = malloc(n ? (size_t)n * 16 : 1);
    for (unsigned i = 0; v && i < n; i++)
        memcpy(v + (size_t)i * 16, src[i].u.v6, 16);
    return v;
}

static int ip6_refilter(struct ust_stack *st, const struct mcast_membership *m, bool exclude,
                        const struct ust_addr *src, unsigned n, bool leaving)
{
    uint8_t *ov = ip6_bytes(m->src, m->nsrc), *nv = ip6_bytes(src, n);
    int rc = UST_ERR_NOMEM;
    if (ov && nv) {
        struct msf_filter o = {.exclude = m->exclude, .n = m->nsrc, .alen = 16, .src = ov};
        struct msf_filter f = {.exclude = exclude, .n = n, .alen = 16, .src = nv};
        struct ipv6_addr g = tp_ip6(&m->group);
        rc = ipv6_mcast_filter(st, m->ifindex, &g, &o, leaving ? NULL : &f);
    }
    free(ov);
    free(nv);
    return rc;
}

int udp_mcast_net_join(struct ust_stack *st, const struct ust_addr *g, int ifindex,
                       bool exclude)
{
    if (g->family == UST_AF_INET6) {
        struct ipv6_addr a = tp_ip6(g);
        if (exclude)
            return ipv6_mcast_join(st, ifindex, &a);
        static const struct msf_filter include_none = {.alen = 16};
        return ipv6_mcast_filter(st, ifindex, &a, NULL, &include_none);
    }
    if (exclude)
        return igmp_join(st, ifindex, g->u.v4);
    static const struct igmp_sf include_none = {.exclude = false};
    return igmp_filter_change(st, ifindex, g->u.v4, NULL, &include_none);
}

/* Without memory for the lists, m leaves with its mode but no sources
 * (the counts of its sources stay: a source kept or blocked too long,
 * never a mode wrong). */
static void leave_without_sources(struct ust_stack *st, const struct mcast_membership *m)
{
    if (m->group.family == UST_AF_INET6) {
        struct ipv6_addr a = tp_ip6(&m->group);
        struct msf_filter o = {.exclude = m->exclude, .alen = 16};
        ipv6_mcast_filter(st, m->ifindex, &a, &o, NULL);
        return;
    }
    struct igmp_sf o = {.exclude = m->exclude};
    igmp_filter_change(st, m->ifindex, m->group.u.v4, &o, NULL);
}

void udp_mcast_net_leave(struct ust_stack *st, struct mcast_membership *m)
{
    bool v6 = m->group.family == UST_AF_INET6;
    if (m->nsrc == 0 || (v6 ? ip6_refilter : ip4_refilter)(st, m, false, NULL, 0, true) != UST_OK)
        leave_without_sources(st, m);
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
    bool v6 = m->group.family == UST_AF_INET6;
    int rc = (v6 ? ip6_refilter : ip4_refilter)(st, m, exclude, src, n, false);
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

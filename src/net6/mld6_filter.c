/* MLDv2 source filters (RFC 3810 4.1, 4.2, 6.1): a socket's filter change
 * is merged into the interface state of its group by core/msf.c (the
 * rules IGMPv3 shares) and announced by what changed, Robustness times:
 * TO_IN / TO_EX on a mode change, else ALLOW / BLOCK of single sources.
 * In MLDv1 compatibility mode (8.3.2) source lists are not reported: the
 * first membership is a Report, the last a Done. The link filter follows
 * membership (refs 0 <-> 1). */
#include "core/services.h"
#include "core/trace.h"
#include "link/mcast_filter.h"
#include "mld6.h"
#include "net6_impl.h"
#include "wire/mld.h"

/* RFC 3810 6: ff02::1 is never reported, nor are groups of reserved (0)
 * or interface-local (1) scope. */
static bool is_reported(const struct ipv6_addr *g)
{
    static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};
    return ipv6_mcast_scope(g) > 1 && !ipv6_addr_eq(g, &all_nodes);
}

static int link_follow(struct ust_stack *st, int ifindex, const struct ipv6_addr *group,
                       bool open)
{
    uint8_t mac[6];
    ipv6_mcast_mac(group, mac);
    if (!open) {
        link_mcast_del(st, ifindex, mac);
        return UST_OK;
    }
    if (link_mcast_add(st, ifindex, mac) != UST_OK) {
        stack_stats(st)->mld6.JoinsRefused++;
        return UST_ERR_NOMEM;
    }
    return UST_OK;
}

/* The group made (a join) and entries for new's sources reserved, or
 * nothing changed. */
static int prepare(struct ust_stack *st, struct mld6_iface *ifs, const struct ipv6_addr *group,
                   const struct msf_filter *new, struct mld6_group **gp)
{
    struct mld6_group *g = *gp;
    bool opened = false;
    if (!g || g->f.refs == 0) {
        if (!new)
            return UST_ERR_ADDRNOTAVAIL;
        if (link_follow(st, ifs->index, group, true) != UST_OK)
            return UST_ERR_NOMEM;
        opened = true;
        if (!g && !(g = mld6_new_group(st, ifs, group))) {
            link_follow(st, ifs->index, group, false);
            return UST_ERR_NOMEM;
        }
        *gp = g;
        g->quiet = !is_reported(group);
    }
    int rc = msf_reserve(&g->f, new, ust_stack_config(st)->mld_max_group_sources);
    if (rc == 0)
        return UST_OK;
    if (rc == -2)
        stack_stats(st)->mld6.SourcesRefused++;
    if (opened) {
        link_follow(st, ifs->index, group, false);
        if (!msf_pending(&g->f))
            mld6_free_group(st, g);
    }
    return rc == -2 ? UST_ERR_NOBUFS : UST_ERR_NOMEM;
}

/* MLDv1 compatibility (8.3.2; RFC 2710 4). */
static void v1_change(struct ust_stack *st, struct mld6_iface *ifs, struct mld6_group *g,
                      unsigned refs_before)
{
    if (refs_before == 0 && g->f.refs > 0) {
        mld6_state_change(st, ifs, g);
    } else if (refs_before > 0 && g->f.refs == 0) {
        mld6_send_v1(st, ifs, ICMPV6_MLD1_DONE, &g->addr);
        mld6_free_group(st, g);
    }
}

static void trace_change(struct ust_stack *st, const struct mld6_group *g, unsigned refs_before)
{
    char a[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "%s %s: %s, %u sources named", refs_before == 0 ? "join" :
          g->f.refs == 0 ? "leave" : "filter change", IP6STR(&g->addr, a),
          g->f.nex ? "EXCLUDE" : "INCLUDE", g->f.nsrc);
}

int mld6_filter_change(struct ust_stack *st, int ifindex, const struct ipv6_addr *group,
                       const struct msf_filter *old, const struct msf_filter *new)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    if (!ifs || !ipv6_addr_is_multicast(group))
        return UST_ERR_INVAL;
    struct mld6_group *g = mld6_find_group(ifs, group);
    unsigned refs_before = g ? g->f.refs : 0;
    int rc = prepare(st, ifs, group, new, &g);
    if (rc != UST_OK)
        return rc;
    int ver = mld6_host_version(st, ifindex);
    bool report = !g->quiet && ver == 2;
    msf_update(&g->f, old, new, report ? (uint8_t)mld6_robustness(ifs) : 0);
    msf_gc(&g->f);
    if (!g->quiet)
        trace_change(st, g, refs_before);
    if (refs_before > 0 && g->f.refs == 0) {
        link_follow(st, ifindex, group, false);
        timer_cancel(st, &g->timer);
    }
    if (g->quiet) {
        if (g->f.refs == 0)
            mld6_free_group(st, g);
        return UST_OK;
    }
    if (ver != 2) {
        v1_change(st, ifs, g, refs_before);
        return UST_OK;
    }
    if (msf_pending(&g->f))
        mld6_state_change(st, ifs, g);
    if (g->f.refs == 0 && !msf_pending(&g->f))
        mld6_free_group(st, g);
    return UST_OK;
}

/* Source filters of IGMPv3 (RFC 3376 3.1, 3.2, 5.1): a socket's filter
 * change is merged into the interface state of its group by core/msf.c
 * (the rules MLDv2 shares: EXCLUDE if any socket excludes, with the
 * sources every EXCLUDE socket excludes and no INCLUDE socket includes;
 * else INCLUDE the union of the included sources) and announced by what
 * changed: the filter mode (TO_IN / TO_EX records) or the reception of
 * single sources (ALLOW / BLOCK records), each repeated [Robustness
 * Variable] times. */
#include <limits.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "igmp.h"
#include "link/mcast_filter.h"
#include "net.h"
#include "wire/igmp.h"
#include "wire/wbuf.h"

/* The link filter follows membership (refs 0 <-> 1). */
static int link_follow(struct ust_stack *st, int ifindex, ust_ip4_t group, bool open)
{
    uint8_t mac[6];
    link_ip4_mcast_mac(group, mac);
    if (!open) {
        link_mcast_del(st, ifindex, mac);
        return UST_OK;
    }
    if (link_mcast_add(st, ifindex, mac) != UST_OK) {
        stack_stats(st)->igmp.JoinsRefused++;
        return UST_ERR_NOMEM;
    }
    return UST_OK;
}

/* v2/v1 compatibility (RFC 3376 7.3.2): source lists are not reported;
 * the first membership is a Report, the last a Leave (v1: silence). */
static void older_change(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g,
                         unsigned refs_before, int ver)
{
    if (refs_before == 0 && g->f.refs > 0) {
        igmp_state_change(st, ifs, g);
    } else if (refs_before > 0 && g->f.refs == 0) {
        if (ver == 2)
            igmp_send_simple(st, ifs, IGMP_V2_LEAVE, g->addr); /* RFC 2236 6 */
        igmp_free_group(st, ifs, g);
    }
}

static int prepare(struct ust_stack *st, struct igmp_iface *ifs, ust_ip4_t group,
                   const struct msf_filter *new, struct igmp_group **gp)
{
    struct igmp_group *g = *gp;
    bool opened = false;
    if (!g || g->f.refs == 0) {
        if (!new)
            return UST_ERR_ADDRNOTAVAIL;
        if (link_follow(st, ifs->index, group, true) != UST_OK)
            return UST_ERR_NOMEM;
        opened = true;
        if (!g && !(g = igmp_new_group(st, ifs, group))) {
            link_follow(st, ifs->index, group, false);
            return UST_ERR_NOMEM;
        }
        *gp = g;
    }
    /* The sockets' bound (cfg.mcast_max_sources) is the only one here. */
    if (msf_reserve(&g->f, new, UINT_MAX) == 0)
        return UST_OK;
    if (opened) {
        link_follow(st, ifs->index, group, false);
        if (!msf_pending(&g->f))
            igmp_free_group(st, ifs, g);
    }
    return UST_ERR_NOMEM;
}

int igmp_filter_change(struct ust_stack *st, int ifindex, ust_ip4_t group,
                       const struct msf_filter *old, const struct msf_filter *new)
{
    struct igmp_iface *ifs = igmp_iface_of(st, ifindex);
    if (!ifs || !ipv4_is_multicast(group))
        return UST_ERR_INVAL;
    if (group == IGMP_ALL_SYSTEMS)
        return UST_OK; /* always a member, never reported (RFC 3376 3) */
    struct igmp_group *g = igmp_find_group(ifs, group);
    unsigned refs_before = g ? g->f.refs : 0;
    int rc = prepare(st, ifs, group, new, &g);
    if (rc != UST_OK)
        return rc;
    int ver = igmp_host_version(st, ifindex);
    msf_update(&g->f, old, new, ver == 3 ? (uint8_t)igmp_robustness(st, ifs) : 0);
    msf_gc(&g->f);
    char a[16];
    TRACE(st, "igmp", "%s %s: %s, %u sources named", refs_before == 0 ? "join" :
          g->f.refs == 0 ? "leave" : "filter change", IP4STR(group, a),
          g->f.nex ? "EXCLUDE" : "INCLUDE", g->f.nsrc);
    if (refs_before > 0 && g->f.refs == 0) {
        link_follow(st, ifindex, group, false);
        timer_cancel(st, &g->timer);
    }
    if (ver != 3) {
        older_change(st, ifs, g, refs_before, ver);
        return UST_OK;
    }
    if (msf_pending(&g->f))
        igmp_state_change(st, ifs, g);
    if (g->f.refs == 0 && !msf_pending(&g->f))
        igmp_free_group(st, ifs, g);
    return UST_OK;
}

/* Source filters of IGMPv3 (RFC 3376 3.1, 3.2, 5.1): the interface state
 * of a group is the merge of its sockets' filters — EXCLUDE if any socket
 * excludes, with the sources every EXCLUDE socket excludes and no INCLUDE
 * socket includes; else INCLUDE the union of the included sources. A
 * socket's filter change is applied as counts on the group's source table
 * and announced by what changed: the filter mode (TO_IN / TO_EX records)
 * or the reception of single sources (ALLOW / BLOCK records), each
 * repeated [Robustness Variable] times. */
#include <stdlib.h>

#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "igmp.h"
#include "link/mcast_filter.h"
#include "net.h"
#include "wire/igmp.h"
#include "wire/wbuf.h"

/* RFC 3376 3.2 for one source given the group's counts. */
static bool allowed_by(const struct igmp_src *s, unsigned nex)
{
    if (nex > 0)
        return !(s->ex_count == nex && s->in_count == 0);
    return s->in_count > 0;
}

static struct igmp_src *find_src(const struct igmp_group *g, ust_ip4_t a)
{
    for (unsigned i = 0; i < g->nsrc; i++)
        if (g->src[i].addr == a)
            return &g->src[i];
    return NULL;
}

bool igmp_source_allowed(const struct igmp_group *g, ust_ip4_t src)
{
    const struct igmp_src *s = find_src(g, src);
    return s ? allowed_by(s, g->nex) : g->nex > 0;
}

/* The table entry of a, added (counts 0) when missing; NULL: no memory. */
static struct igmp_src *src_entry(struct igmp_group *g, ust_ip4_t a)
{
    struct igmp_src *s = find_src(g, a);
    if (s)
        return s;
    if (g->nsrc == g->srccap) {
        unsigned cap = g->srccap ? g->srccap * 2 : 4;
        struct igmp_src *v = realloc(g->src, cap * sizeof(*v));
        if (!v)
            return NULL;
        g->src = v;
        g->srccap = cap;
    }
    g->src[g->nsrc] = (struct igmp_src){.addr = a};
    return &g->src[g->nsrc++];
}

/* Entries no filter names and no record waits for. */
static void src_gc(struct igmp_group *g)
{
    for (unsigned i = 0; i < g->nsrc;) {
        const struct igmp_src *s = &g->src[i];
        if (s->in_count == 0 && s->ex_count == 0 && s->rt == 0 && !s->queried)
            g->src[i] = g->src[--g->nsrc];
        else
            i++;
    }
}

/* Adds (+1) or removes (-1) one socket's filter from the counts. */
static void apply(struct igmp_group *g, const struct igmp_sf *f, int sign)
{
    g->refs += (unsigned)sign;
    g->nex += f->exclude ? (unsigned)sign : 0;
    for (unsigned i = 0; i < f->n; i++) {
        struct igmp_src *s = find_src(g, f->src[i]);
        if (!s)
            continue; /* entries were made before */
        unsigned *c = f->exclude ? &s->ex_count : &s->in_count;
        *c += (unsigned)sign;
    }
}

/* RFC 3376 5.1: after the counts changed, what to report: a new filter
 * mode (all pending source records give way to it), or the sources whose
 * reception changed; a source change while a mode change is still being
 * repeated goes out in its record (the current state) and repeats anew. */
static void schedule_change(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g,
                            bool was_exclude)
{
    uint8_t r = (uint8_t)igmp_robustness(st, ifs);
    bool mode_changed = (g->nex > 0) != was_exclude;
    bool src_changed = false;
    for (unsigned i = 0; i < g->nsrc; i++) {
        struct igmp_src *s = &g->src[i];
        bool now = allowed_by(s, g->nex);
        if (mode_changed) {
            s->rt = 0;
        } else if (now != s->was_allowed) {
            s->rt = r;
            s->rt_allow = now;
            src_changed = true;
        }
    }
    if (mode_changed || (src_changed && g->retrans > 0)) {
        g->change = g->nex > 0 ? IGMP_CHANGE_TO_EXCLUDE : IGMP_CHANGE_TO_INCLUDE;
        g->retrans = r;
    }
}

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
    if (refs_before == 0 && g->refs > 0) {
        igmp_state_change(st, ifs, g);
    } else if (refs_before > 0 && g->refs == 0) {
        if (ver == 2)
            igmp_send_simple(st, ifs, IGMP_V2_LEAVE, g->addr); /* RFC 2236 6 */
        igmp_free_group(st, ifs, g);
    }
}

static int prepare(struct ust_stack *st, struct igmp_iface *ifs, ust_ip4_t group,
                   const struct igmp_sf *new, struct igmp_group **gp)
{
    struct igmp_group *g = *gp;
    if (!g || g->refs == 0) {
        if (!new)
            return UST_ERR_ADDRNOTAVAIL;
        if (link_follow(st, ifs->index, group, true) != UST_OK)
            return UST_ERR_NOMEM;
        if (!g && !(g = igmp_new_group(st, ifs, group))) {
            link_follow(st, ifs->index, group, false);
            return UST_ERR_NOMEM;
        }
        *gp = g;
    }
    for (unsigned i = 0; new && i < new->n; i++) {
        if (!src_entry(g, new->src[i])) {
            src_gc(g);
            if (g->refs == 0) {
                link_follow(st, ifs->index, group, false);
                if (!igmp_pending(g))
                    igmp_free_group(st, ifs, g);
            }
            return UST_ERR_NOMEM;
        }
    }
    return UST_OK;
}

int igmp_filter_change(struct ust_stack *st, int ifindex, ust_ip4_t group,
                       const struct igmp_sf *old, const struct igmp_sf *new)
{
    struct igmp_iface *ifs = igmp_iface_of(st, ifindex);
    if (!ifs || !ipv4_is_multicast(group))
        return UST_ERR_INVAL;
    if (group == IGMP_ALL_SYSTEMS)
        return UST_OK; /* always a member, never reported (RFC 3376 3) */
    struct igmp_group *g = igmp_find_group(ifs, group);
    unsigned refs_before = g ? g->refs : 0;
    int rc = prepare(st, ifs, group, new, &g);
    if (rc != UST_OK)
        return rc;
    bool was_exclude = g->nex > 0;
    for (unsigned i = 0; i < g->nsrc; i++)
        g->src[i].was_allowed = allowed_by(&g->src[i], g->nex);
    if (old)
        apply(g, old, -1);
    if (new)
        apply(g, new, +1);
    char a[16];
    TRACE(st, "igmp", "%s %s: %s, %u sources named", refs_before == 0 ? "join" :
          g->refs == 0 ? "leave" : "filter change", IP4STR(group, a),
          g->nex ? "EXCLUDE" : "INCLUDE", g->nsrc);
    if (refs_before > 0 && g->refs == 0) {
        link_follow(st, ifindex, group, false);
        timer_cancel(st, &g->timer);
    }
    int ver = igmp_host_version(st, ifindex);
    if (ver != 3) {
        src_gc(g);
        older_change(st, ifs, g, refs_before, ver);
        return UST_OK;
    }
    schedule_change(st, ifs, g, was_exclude);
    src_gc(g);
    if (igmp_pending(g))
        igmp_state_change(st, ifs, g);
    if (g->refs == 0 && !igmp_pending(g))
        igmp_free_group(st, ifs, g);
    return UST_OK;
}

bool igmp_mark_queried(struct igmp_group *g, const uint8_t *q, unsigned n)
{
    if (g->nex > 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        struct igmp_src *s = find_src(g, get_be32(q + 4 * (size_t)i));
        if (s)
            s->queried = true;
    }
    return true;
}

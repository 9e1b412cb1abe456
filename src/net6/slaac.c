/* The datapath side of router discovery and SLAAC (RFC 4861 6.3, RFC 4862):
 * per interface a struct router_list and a struct addrconf (the pure
 * modules), fed with the Router Advertisements icmp6.c receives, asked for
 * the next hop of destinations no static route covers, and driven by one
 * stack timer at the earlier of their deadlines (ARCHITECTURE.md "IPv6 host
 * autoconfiguration"). Their callbacks land here: SLAAC addresses join the
 * interface's list as tentative and go through dad.c, Router
 * Solicitations leave from the link-local address (or :: before it is
 * usable), the RFC 7217 F() is SipHash-2-4 under the stack's secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/siphash.h"
#include "core/trace.h"
#include "addrsel.h"
#include "net6_impl.h"
#include "ustack/dev.h"

static struct ip6_autoconf *autoconf_of(const struct ust_stack *st, int ifindex)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    return f && f->ra && f->ra->on ? f->ra : NULL;
}

/* Re-arms the interface timer at the earlier deadline (a call may have
 * made work due at once, e.g. DAD of a new address). */
static void rearm(struct ip6_autoconf *ra)
{
    ust_time_t a = router_list_next_deadline(&ra->rl), b = addrconf_next_deadline(&ra->ac);
    ust_time_t c = ra_routes_deadline(ra), d = ra_dns_deadline(ra);
    ust_time_t when = a < b ? a : b;
    when = c < when ? c : when;
    when = d < when ? d : when;
    /* Background unless an address waits for its DAD: Router Solicitations
     * (for ever without a router, RFC 7559) and lifetimes do not keep a
     * simulation from going idle (timer.h). */
    timer_set_background(&ra->timer, !addrconf_dad_pending(&ra->ac));
    if (when == UST_TIME_NEVER)
        timer_cancel(ra->st, &ra->timer);
    else
        timer_arm(ra->st, &ra->timer, when);
}

static void autoconf_timer(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    struct ip6_autoconf *ra = (struct ip6_autoconf *)((char *)t - offsetof(struct ip6_autoconf, timer));
    router_list_tick(&ra->rl, now, stack_rng(st));
    addrconf_tick(&ra->ac, now);
    ra_routes_tick(ra, now);
    if (ra_dns_tick(ra, now))
        ra_dns_handoff(st);
    rearm(ra);
}

/* Our link-local address on ifindex when it passed DAD (RFC 4861 6.3.7). */
bool ip6_link_local_usable(struct ust_stack *st, int ifindex, struct ipv6_addr *out)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    for (unsigned k = 0; f && k < UST_MAX_ADDRS6; k++) {
        const struct ip6_ifaddr *a = &f->addrs[k];
        if (a->used && a->origin == IP6A_LINK_LOCAL && a->state == IP6A_PREFERRED) {
            *out = a->addr;
            return true;
        }
    }
    return false;
}

/* ---- struct ac_ops ---- */
/* "86400 s" or "infinity" (0xffffffff, RFC 4861 4.6.2). */
static const char *lifetime_str(uint32_t secs, char buf[16])
{
    if (secs == UINT32_MAX)
        return "infinity";
    snprintf(buf, 16, "%u s", secs);
    return buf;
}

static uint32_t secs_left(ust_time_t now, ust_time_t until)
{
    if (until == UST_TIME_NEVER)
        return UINT32_MAX;
    return until > now ? (uint32_t)((until - now) / UST_SEC) : 0;
}

static void ac_start_dad(void *ctx, const struct ac_addr *a)
{
    struct ip6_autoconf *ra = ctx;
    char b[IPV6_ADDR_STRLEN], v[16], pf[16];
    ust_time_t now = stack_now(ra->st);
    TRACE(ra->st, "nd", "slaac %s: tentative (valid %s, preferred %s), DAD first", IP6STR(&a->addr, b),
          lifetime_str(secs_left(now, a->valid_until), v),
          lifetime_str(secs_left(now, a->preferred_until), pf));
    int err;
    struct ip6_ifaddr *x = ip6_addr_add(ra->st, ra->ifindex, &a->addr, a->prefix_len,
                                        IP6A_AUTOCONF, &err);
    if (!x) {
        /* Ours already (a static address) or no room: as a duplicate, so
         * the module forms another or gives up (RFC 7217 6). */
        addrconf_dad_done(&ra->ac, stack_now(ra->st), &a->addr, true);
        return;
    }
    x->temporary = a->kind == AC_TEMPORARY; /* RFC 6724 rule 7 */
}

static void ac_addr_usable(void *ctx, const struct ac_addr *a)
{
    struct ip6_autoconf *ra = ctx;
    struct ip6_ifaddr *x = ip6_addr_find(ra->st, ra->ifindex, &a->addr);
    if (!x)
        return;
    ust_time_t now = stack_now(ra->st);
    uint8_t was = x->state;
    x->state = a->state == AC_DEPRECATED ? IP6A_DEPRECATED : IP6A_PREFERRED;
    x->valid_lft = secs_left(now, a->valid_until);
    x->preferred_lft = secs_left(now, a->preferred_until);
    char b[IPV6_ADDR_STRLEN], v[16], pf[16];
    if (x->state != was) /* RFC 4862 5.5.4: tentative -> preferred -> deprecated */
        TRACE(ra->st, "nd", "slaac %s: %s (valid %s, preferred %s)", IP6STR(&a->addr, b),
              x->state == IP6A_DEPRECATED ? "deprecated" : "preferred",
              lifetime_str(x->valid_lft, v), lifetime_str(x->preferred_lft, pf));
}

static void ac_addr_removed(void *ctx, const struct ac_addr *a)
{
    struct ip6_autoconf *ra = ctx;
    struct ip6_ifaddr *x = ip6_addr_find(ra->st, ra->ifindex, &a->addr);
    if (!x || x->origin != IP6A_AUTOCONF)
        return;
    char b[IPV6_ADDR_STRLEN];
    TRACE(ra->st, "nd", "slaac %s: removed", IP6STR(&a->addr, b));
    ip6_addr_del(ra->st, x);
}

/* RFC 4861 6.3.7, 4.1: to all-routers from the link-local address once it
 * is usable (with the Source Link-Layer option), else from :: without it. */
static void ac_send_rs(void *ctx)
{
    static const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    struct ip6_autoconf *ra = ctx;
    struct ust_dev *dev = ip6_dev(ra->st, ra->ifindex);
    struct ipv6_addr src = {{0}};
    bool have_src = ip6_link_local_usable(ra->st, ra->ifindex, &src);
    bool slla = have_src && !ip6_link_noarp(ra->st, ra->ifindex); /* RFC 4861 4.1 */
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ND_RS_LEN + (slla ? 8 : 0));
    if (!p || !dev) {
        pkt_free(p);
        return;
    }
    struct nd_msg m = {.type = ICMPV6_ND_RS};
    nd_emit(&m, p->data, p->len);
    if (slla)
        nd_opt_lladdr_emit(ND_OPT_SLLA, ust_dev_mac(dev)->b, p->data + ND_RS_LEN, 8);
    char b[IPV6_ADDR_STRLEN];
    TRACE(ra->st, "nd", "%s tx RS from %s", ust_dev_name(dev), IP6STR(&src, b));
    nd_send_msg(ra->st, ra->ifindex, &src, &all_routers, NULL, p);
}

static uint64_t ac_prf(void *ctx, const uint8_t *msg, size_t len)
{
    struct ip6_autoconf *ra = ctx;
    return siphash24(stack_net6(ra->st)->secret, msg, len);
}

static const struct ac_ops autoconf_ac_ops = {.start_dad = ac_start_dad,
                                              .addr_usable = ac_addr_usable,
                                              .addr_removed = ac_addr_removed,
                                              .send_rs = ac_send_rs,
                                              .prf = ac_prf};

/* ---- struct rl_ops ---- */
static void rl_router_removed(void *ctx, const struct ipv6_addr *router)
{
    /* No destination cache: every packet asks router_list_next_hop. */
    struct ip6_autoconf *ra = ctx;
    char b[IPV6_ADDR_STRLEN];
    TRACE(ra->st, "nd", "default router %s removed", IP6STR(router, b));
}

static enum rl_reach rl_router_reach(void *ctx, const struct ipv6_addr *router)
{
    struct ip6_autoconf *ra = ctx;
    const struct nd_entry *e = nd_lookup(ra->st, ra->ifindex, router);
    return e && e->state != ND_INCOMPLETE ? RL_REACH_PROBABLY : RL_REACH_UNKNOWN;
}

static const struct rl_ops autoconf_rl_ops = {.router_removed = rl_router_removed,
                                              .router_reach = rl_router_reach};

/* The link-local address stays the datapath's (ipv6_iface_up): the module
 * only forms addresses from prefixes and solicits routers, so the RS
 * schedule starts here instead of addrconf_start (RFC 4861 6.3.7). */
int slaac_iface_up(struct ust_stack *st, int ifindex)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ip6_iface *f = ip6_iface(st, ifindex);
    if (!f || !cfg->ipv6_accept_ra || cfg->ip_forwarding)
        return UST_OK; /* a router solicits nothing (RFC 4861 6.3.7; Linux accept_ra=1) */
    struct ip6_autoconf *ra = calloc(1, sizeof(*ra));
    if (!ra)
        return UST_ERR_NOMEM;
    ra->st = st;
    ra->ifindex = ifindex;
    timer_init(&ra->timer, autoconf_timer);
    struct ust_stats *s = stack_stats(st);
    const char *name = ust_dev_name(ip6_dev(st, ifindex));
    size_t name_len = strlen(name) < AC_NET_IFACE_MAX ? strlen(name) : AC_NET_IFACE_MAX;
    int rc = router_list_init(&ra->rl, cfg, ip6_link_mtu(st, ifindex), &autoconf_rl_ops, ra, &s->ra);
    if (rc == UST_OK) {
        rc = addrconf_init(&ra->ac, cfg, &autoconf_ac_ops, ra, stack_rng(st), &s->addrconf, name,
                           name_len);
        if (rc != UST_OK)
            router_list_free(&ra->rl);
    }
    if (rc != UST_OK) {
        free(ra);
        return rc;
    }
    addrconf_set_dad_params(&ra->ac, f->dad_transmits, cfg->nd_retrans_time);
    ra->on = true;
    f->ra = ra;
    ac_rs_start(&ra->ac, stack_now(st));
    rearm(ra);
    return UST_OK;
}

/* What an RA carried (RFC 4861 4.2, 4.6), one trace line per option. */
static void trace_ra_option(struct ust_stack *st, const struct nd_opt *o)
{
    struct nd_prefix_info pi;
    uint32_t mtu;
    const uint8_t *ll;
    size_t ll_len;
    char b[IPV6_ADDR_STRLEN], v[16], pf[16];
    if (o->type == ND_OPT_PREFIX && nd_opt_prefix(o, &pi) == 0)
        TRACE(st, "nd", "  RA prefix %s/%u%s%s valid %s preferred %s", IP6STR(&pi.prefix, b),
              pi.prefix_len, pi.flags & ND_PIO_ONLINK ? " on-link" : "",
              pi.flags & ND_PIO_AUTO ? " autonomous" : "", lifetime_str(pi.valid_lifetime, v),
              lifetime_str(pi.preferred_lifetime, pf));
    else if (o->type == ND_OPT_MTU && nd_opt_mtu(o, &mtu) == 0)
        TRACE(st, "nd", "  RA mtu %u", mtu);
    else if (o->type == ND_OPT_SLLA && nd_opt_lladdr(o, &ll, &ll_len) == 0 && ll_len == 6)
        TRACE(st, "nd", "  RA source link-layer %02x:%02x:%02x:%02x:%02x:%02x", ll[0], ll[1],
              ll[2], ll[3], ll[4], ll[5]);
    else
        TRACE(st, "nd", "  RA option type %u (%zu bytes)", o->type, o->len);
}

static void trace_ra(struct ust_stack *st, const struct ip6_rx *rx, const struct nd_msg *m)
{
    char b[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "rx RA from %s: router lifetime %u s, hop limit %u, reachable %u ms, "
          "retrans %u ms%s%s", IP6STR(&rx->h->src, b), m->router_lifetime, m->cur_hop_limit,
          m->reachable_time, m->retrans_timer, m->ra_flags & ND_RA_MANAGED ? ", M" : "",
          m->ra_flags & ND_RA_OTHER ? ", O" : "");
    struct nd_opt o;
    struct nd_opt_iter it;
    nd_opt_iter_init(&it, m->opts, m->opts_len);
    while (nd_opt_next(&it, &o))
        trace_ra_option(st, &o);
}

/* RFC 4861 6.3.4: an RA whose checksum icmp6.c verified. The router's
 * link-layer address goes to the neighbour cache (STALE, IsRouter). */
void slaac_ra_input(struct ust_stack *st, const struct ip6_rx *rx)
{
    struct ip6_autoconf *ra = autoconf_of(st, rx->ifindex);
    if (!ra || !rx->ifc) {
        stack_stats(st)->icmp6.Icmp6InOther++;
        return;
    }
    struct nd_ip ip = {.src = &rx->h->src, .dst = &rx->h->dst, .hop_limit = rx->h->hop_limit};
    struct nd_msg m;
    ust_time_t now = stack_now(st);
    if (router_list_ra_bytes(&ra->rl, now, &ip, rx->seg, rx->seg_len, &m, stack_rng(st)) != 0)
        return;
    if (trace_on(st))
        trace_ra(st, rx, &m);
    if (m.cur_hop_limit)
        ra->hop_limit = m.cur_hop_limit; /* RFC 4861 6.3.4: 0 is unspecified */
    /* ND-12: for the neighbour cache and DAD; floored as Linux does (100 ms,
     * 10 ms) so that an RA cannot make NUD or solicitations spin. */
    if (m.reachable_time)
        ra->reachable_ms = m.reachable_time < 100 ? 100 : m.reachable_time;
    if (m.retrans_timer)
        ra->retrans_ms = m.retrans_timer < 10 ? 10 : m.retrans_timer;
    struct nd_opt o;
    struct nd_opt_iter it;
    nd_opt_iter_init(&it, m.opts, m.opts_len);
    const uint8_t *ll;
    size_t ll_len;
    bool dns_changed = false;
    while (nd_opt_next(&it, &o)) {
        if (o.type == ND_OPT_SLLA && nd_opt_lladdr(&o, &ll, &ll_len) == 0 && ll_len == 6)
            nd_learn(st, rx->ifindex, &rx->h->src, ll, true);
        else if (o.type == ND_OPT_ROUTE_INFO) /* RFC 4191 */
            ra_routes_option(ra, now, &rx->h->src, &o);
        else if (o.type == ND_OPT_RDNSS || o.type == ND_OPT_DNSSL) /* RFC 8106 */
            dns_changed |= ra_dns_option(ra, now, &o);
    }
    if (dns_changed)
        ra_dns_handoff(st);
    /* RFC 4861 6.3.4: the sender's entry, new or not, is a router's. */
    struct nd_entry *e = nd_lookup(st, rx->ifindex, &rx->h->src);
    if (e)
        e->is_router = true;
    addrconf_ra(&ra->ac, now, &m);
    rearm(ra);
}

/* RFC 4861 7.2.5: a neighbour whose IsRouter flag went FALSE is no longer
 * a default router; packets ask for their next hop again (no Destination
 * Cache to purge). */
void slaac_router_gone(struct ust_stack *st, int ifindex, const struct ipv6_addr *router)
{
    struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    if (ra)
        ra_routes_drop_router(ra, router); /* its RFC 4191 routes too */
    if (ra && router_list_drop(&ra->rl, router))
        rearm(ra);
}

void slaac_dad_result(struct ust_stack *st, const struct ip6_ifaddr *a, bool duplicate)
{
    struct ip6_autoconf *ra = autoconf_of(st, a->ifindex);
    if (!ra || a->origin != IP6A_AUTOCONF)
        return;
    struct ipv6_addr addr = a->addr; /* the callback may remove a */
    addrconf_dad_done(&ra->ac, stack_now(st), &addr, duplicate);
    const struct ip6_ifaddr *x = duplicate ? NULL : ip6_addr_find(st, ra->ifindex, &addr);
    char b[IPV6_ADDR_STRLEN], v[16], pf[16];
    if (x) /* RFC 4862 5.4.5: DAD passed, the address is usable */
        TRACE(st, "nd", "slaac %s: tentative -> %s (valid %s, preferred %s)", IP6STR(&addr, b),
              x->state == IP6A_DEPRECATED ? "deprecated" : "preferred",
              lifetime_str(x->valid_lft, v), lifetime_str(x->preferred_lft, pf));
    rearm(ra);
}

/* RFC 4191 3.2: longest match first: an RA route beats the on-link
 * prefixes when it is longer; a ::/0 route counts only when no default
 * router is known (the Default Router List has their preferences). */
static bool ra_route_wins(const struct ip6_autoconf *ra, const struct ipv6_addr *dst,
                          struct ipv6_addr *nh)
{
    struct ipv6_addr via;
    int len = ra_routes_match(ra, dst, &via);
    if (len < 0 || (len == 0 && ra->rl.n_routers > 0) || ipv6_addr_is_link_local(dst))
        return false;
    for (unsigned i = 0; i < ra->rl.n_prefixes; i++) {
        const struct rl_prefix *p = &ra->rl.prefixes[i];
        if (p->len >= len && as_common_prefix(&p->prefix, dst, p->len) >= p->len)
            return false;
    }
    *nh = via;
    return true;
}

/* A destination no static route covers: on-link by the RA prefixes, else a
 * default router (RFC 4861 5.2, 6.3.6; RFC 5942: never assumed on-link).
 * The selection runs on a copy: output is const and only the round-robin
 * position would change (it then stays put between packets). */
int slaac_next_hop(const struct ust_stack *st, const struct ipv6_addr *dst, int ifindex,
                   int *out_ifindex, struct ipv6_addr *nh)
{
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        struct ip6_autoconf *ra = autoconf_of(st, i);
        if (!ra || (ifindex >= 0 && i != ifindex))
            continue;
        if (ra_route_wins(ra, dst, nh)) {
            *out_ifindex = i;
            return UST_OK;
        }
        struct router_list view = ra->rl;
        if (router_list_next_hop(&view, dst, nh) == UST_OK) {
            *out_ifindex = i;
            return UST_OK;
        }
    }
    return UST_ERR_NOROUTE;
}

unsigned slaac_link_mtu(const struct ust_stack *st, int ifindex, unsigned dev_mtu)
{
    const struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    return ra && ra->rl.mtu && ra->rl.mtu < dev_mtu ? ra->rl.mtu : dev_mtu;
}

int slaac_hop_limit(const struct ust_stack *st, int ifindex)
{
    const struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    return ra && ra->hop_limit ? ra->hop_limit : -1;
}

ust_time_t slaac_retrans_time(const struct ust_stack *st, int ifindex)
{
    const struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    return ra && ra->retrans_ms ? (ust_time_t)ra->retrans_ms * UST_MSEC
                                : ust_stack_config(st)->nd_retrans_time;
}

ust_time_t slaac_base_reachable(const struct ust_stack *st, int ifindex)
{
    const struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    return ra && ra->reachable_ms ? (ust_time_t)ra->reachable_ms * UST_MSEC
                                  : ust_stack_config(st)->nd_reachable_time;
}

void slaac_destroy(struct ust_stack *st)
{
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        struct ip6_iface *f = &stack_net6(st)->ifs[i];
        if (!f->ra)
            continue;
        timer_cancel(st, &f->ra->timer);
        router_list_free(&f->ra->rl);
        addrconf_free(&f->ra->ac);
        free(f->ra);
        f->ra = NULL;
    }
}

/* Down: addrconf_stop removes the SLAAC and temporary addresses (RFC 8981
 * 3.6: TEMP-6) and ends the solicitations; the Default Router List, the
 * prefixes, RFC 4191 routes, RDNSS / DNSSL and the RA-set parameters
 * belong to the old link and go too (Linux addrconf_ifdown). Up: Router
 * Solicitations start as on an interface that comes up (RFC 4861 6.3.7);
 * the new link's RAs form new addresses, temporary ones included. */
void slaac_link_change(struct ust_stack *st, int ifindex, bool up)
{
    struct ip6_autoconf *ra = autoconf_of(st, ifindex);
    if (!ra)
        return;
    if (up) {
        ac_rs_start(&ra->ac, stack_now(st));
        rearm(ra);
        return;
    }
    addrconf_stop(&ra->ac);
    router_list_clear(&ra->rl);
    ra->n_routes = 0;
    ra->hop_limit = 0;
    ra->reachable_ms = ra->retrans_ms = 0;
    if (ra->n_dns || ra->n_domains) {
        ra->n_dns = ra->n_domains = 0;
        ra_dns_handoff(st);
    }
    rearm(ra);
}

/* ust_iface_set_dad_transmits: the temporary-address regeneration advance
 * (RFC 8981 3.8 REGEN_ADVANCE) counts this interface's DAD probes. */
void slaac_set_dad_transmits(struct ust_stack *st, int ifindex, unsigned transmits)
{
    struct ip6_iface *f = ip6_iface(st, ifindex);
    if (f && f->ra)
        addrconf_set_dad_params(&f->ra->ac, transmits, slaac_retrans_time(st, ifindex));
}

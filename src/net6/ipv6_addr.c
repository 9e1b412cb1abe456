/* Interfaces' IPv6 addresses (RFC 4291, RFC 4862): a bounded list per
 * interface (UST_MAX_ADDRS6) with state, origin and lifetimes; the
 * link-local address every Ethernet interface gets when IPv6 is on; the
 * multicast groups each address implies (all-nodes, solicited-node,
 * RFC 4291 2.8) in the Ethernet filter. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "link/link.h"
#include "link/mcast_filter.h"
#include "mld6.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "ustack/stack.h"

struct ip6_iface *ip6_iface(struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES || !stack_net6(st)->ifs[ifindex].enabled)
        return NULL;
    return &stack_net6(st)->ifs[ifindex];
}

const struct ip6_iface *ip6_iface_const(const struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES || !stack_net6_const(st)->ifs[ifindex].enabled)
        return NULL;
    return &stack_net6_const(st)->ifs[ifindex];
}

struct ust_dev *ip6_dev(const struct ust_stack *st, int ifindex)
{
    const struct ust_iface *ifc = iface_at(st, ifindex);
    return ifc ? ifc->dev : NULL;
}

const struct ip6_ifaddr *ip6_addr_find_const(const struct ust_stack *st, int ifindex,
                                             const struct ipv6_addr *a)
{
    for (int i = 0; i < UST_MAX_IFACES; i++) {
        const struct ip6_iface *f = ip6_iface_const(st, i);
        if (!f || (ifindex >= 0 && i != ifindex))
            continue;
        for (unsigned k = 0; k < UST_MAX_ADDRS6; k++)
            if (f->addrs[k].used && ipv6_addr_eq(&f->addrs[k].addr, a))
                return &f->addrs[k];
    }
    return NULL;
}

struct ip6_ifaddr *ip6_addr_find(struct ust_stack *st, int ifindex, const struct ipv6_addr *a)
{
    return (struct ip6_ifaddr *)ip6_addr_find_const(st, ifindex, a);
}

static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};

bool ip6_mcast_joined(const struct ust_stack *st, int ifindex, const struct ipv6_addr *dst)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    if (!f)
        return false;
    static const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 2}};
    if (ipv6_addr_eq(dst, &all_nodes) || mld6_is_member(st, ifindex, dst))
        return true; /* sockets' groups (IPV6_JOIN_GROUP) are MLD's */
    if (f->adv.on && ipv6_addr_eq(dst, &all_routers))
        return true; /* all-routers: an advertising interface (ra_send.c) */
    for (unsigned k = 0; k < UST_MAX_ADDRS6; k++) {
        struct ipv6_addr g;
        if (!f->addrs[k].used)
            continue;
        ipv6_solicited_node(&f->addrs[k].addr, &g);
        if (ipv6_addr_eq(dst, &g))
            return true;
    }
    return false;
}

void ip6_group_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    uint8_t mac[6];
    ipv6_mcast_mac(group, mac);
    if (link_mcast_add(st, ifindex, mac) != UST_OK)
        TRACE(st, "ip6", "multicast filter full: group not joined");
}

/* The connected prefix of a static address (RFC 4861 5.1 on-link prefix);
 * the link-local /64 is implied by the scope. */
static void prefix_route_add(struct ust_stack *st, const struct ip6_ifaddr *a)
{
    /* A SLAAC address says nothing about on-link (RFC 5942 4): the RA's
     * PIO with L=1 does, in the router list. */
    if (a->origin != IP6A_STATIC || a->prefix_len == 128)
        return;
    struct ipv6_addr pfx = a->addr;
    for (unsigned bit = a->prefix_len; bit < 128; bit++)
        pfx.b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    if (route6_add(st, &pfx, a->prefix_len, NULL, a->ifindex) < 0)
        TRACE(st, "ip6", "no room for the prefix route");
}

struct ip6_ifaddr *ip6_addr_add(struct ust_stack *st, int ifindex, const struct ipv6_addr *a,
                                uint8_t prefix_len, enum ip6_addr_origin origin, int *err)
{
    struct ip6_iface *f = ip6_iface(st, ifindex);
    *err = f ? UST_ERR_NOMEM : UST_ERR_NOENT;
    if (!f)
        return NULL;
    if (ip6_addr_find(st, -1, a)) {
        *err = UST_ERR_EXIST;
        return NULL;
    }
    for (unsigned k = 0; k < UST_MAX_ADDRS6; k++) {
        struct ip6_ifaddr *s = &f->addrs[k];
        if (s->used)
            continue;
        *s = (struct ip6_ifaddr){.used = true, .addr = *a, .prefix_len = prefix_len,
                                 .state = IP6A_TENTATIVE, .origin = (uint8_t)origin,
                                 .ifindex = ifindex, .valid_lft = UINT32_MAX,
                                 .preferred_lft = UINT32_MAX, .created = stack_now(st)};
        timer_init(&s->dad_timer, dad_timer_fired);
        struct ipv6_addr g;
        ipv6_solicited_node(a, &g);
        /* RFC 4862 5.4.2: before DAD's first NS. The group serves ND only:
         * none on a NOARP link (as Linux's addrconf_join_solict). */
        if (!ip6_link_noarp(st, ifindex))
            mld6_join(st, ifindex, &g);
        prefix_route_add(st, s);
        *err = UST_OK;
        dad_start(st, s);
        return s;
    }
    return NULL; /* the list is full */
}

void ip6_addr_del(struct ust_stack *st, struct ip6_ifaddr *a)
{
    timer_cancel(st, &a->dad_timer);
    a->used = false;
    /* RFC 4862 5.4.2 / RFC 3810 6.1: the solicited-node group joined for
     * the address is left with it (a report when its last address goes). */
    struct ipv6_addr g;
    ipv6_solicited_node(&a->addr, &g);
    mld6_leave(st, a->ifindex, &g);
}

static int iface_up(struct ust_stack *st, int ifindex);

int ipv6_iface_up(struct ust_stack *st, int ifindex)
{
    if (!ust_stack_config(st)->ipv6_enabled)
        return UST_OK; /* IPv6 stays off there */
    return iface_up(st, ifindex);
}

int ust_iface_enable_ipv6(struct ust_stack *st, int ifindex)
{
    if (!iface_at(st, ifindex))
        return UST_ERR_NOENT;
    if (ip6_iface(st, ifindex))
        return UST_ERR_EXIST;
    ust_stack_now(st); /* an API call: DAD's timers start from the real time */
    int rc = iface_up(st, ifindex);
    return rc < 0 ? rc : ip6_iface(st, ifindex) ? UST_OK : UST_ERR_NOTSUP;
}

static int iface_up(struct ust_stack *st, int ifindex)
{
    struct net6_state *n6 = stack_net6(st);
    struct ust_dev *dev = ip6_dev(st, ifindex);
    if (!dev || ifindex >= UST_MAX_IFACES ||
        (ust_dev_link_type(dev) != UST_LINK_ETHERNET && ust_dev_link_type(dev) != UST_LINK_IP))
        return UST_OK; /* IPv6 stays off there */
    if (ust_dev_mtu(dev) < IPV6_MIN_MTU) {
        /* RFC 8200 5 (IP6-18): IPv6 needs a link MTU of at least 1280. */
        TRACE(st, "ip6", "%s: mtu %u below 1280, no IPv6", ust_dev_name(dev), ust_dev_mtu(dev));
        return UST_OK;
    }
    if (!n6->have_secret) {
        /* RFC 7217 5: the key is set once and kept; a configured one
         * (cfg.ipv6_stable_secret) keeps the addresses across restarts. */
        const struct ust_config *cfg = ust_stack_config(st);
        if (cfg->ipv6_stable_secret_set)
            memcpy(n6->secret, cfg->ipv6_stable_secret, sizeof(n6->secret));
        else
            rng_bytes(stack_rng(st), n6->secret, sizeof(n6->secret));
        n6->have_secret = true;
    }
    n6->ifs[ifindex].enabled = true;
    n6->ifs[ifindex].dad_transmits = ust_stack_config(st)->ipv6_dad_transmits;
    ip6_group_join(st, ifindex, &all_nodes);
    struct ipv6_addr ll = {{0xfe, 0x80}};
    ip6_iid_stable(st, &ll, ifindex, 0, ll.b + 8);
    int err;
    ip6_addr_add(st, ifindex, &ll, 64, IP6A_LINK_LOCAL, &err);
    return err < 0 ? err : slaac_iface_up(st, ifindex);
}

int ust_iface_add_addr6(struct ust_stack *st, int ifindex, const uint8_t addr[16], int prefix_len)
{
    struct ipv6_addr a;
    memcpy(a.b, addr, 16);
    if (prefix_len < 1 || prefix_len > 128 || ipv6_addr_is_multicast(&a) ||
        ipv6_addr_is_unspecified(&a) || ipv6_addr_is_loopback(&a))
        return UST_ERR_INVAL;
    if (!ip6_iface(st, ifindex))
        return iface_at(st, ifindex) ? UST_ERR_NOTSUP : UST_ERR_NOENT;
    ust_stack_now(st); /* an API call: the DAD timer starts from the real time */
    int err;
    struct ip6_ifaddr *s = ip6_addr_add(st, ifindex, &a, (uint8_t)prefix_len,
                                        ipv6_addr_is_link_local(&a) ? IP6A_LINK_LOCAL
                                                                    : IP6A_STATIC, &err);
    char b[IPV6_ADDR_STRLEN];
    if (s)
        TRACE(st, "if", "%s add %s/%d", ust_dev_name(ip6_dev(st, ifindex)), IP6STR(&a, b),
              prefix_len);
    return s ? UST_OK : err;
}

int ust_iface_addrs6(const struct ust_stack *st, int ifindex, struct ust_addr6_info *out,
                     int max)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    if (!f)
        return iface_at(st, ifindex) ? 0 : UST_ERR_NOENT;
    int n = 0;
    for (unsigned k = 0; k < UST_MAX_ADDRS6 && n < max; k++) {
        const struct ip6_ifaddr *a = &f->addrs[k];
        if (!a->used)
            continue;
        memcpy(out[n].addr, a->addr.b, 16);
        out[n].prefix_len = a->prefix_len;
        out[n].state = (enum ust_addr6_state)a->state;
        out[n].origin = (enum ust_addr6_origin)a->origin;
        out[n].valid_lft = a->valid_lft;
        out[n].preferred_lft = a->preferred_lft;
        out[n].temporary = a->temporary;
        n++;
    }
    return n;
}

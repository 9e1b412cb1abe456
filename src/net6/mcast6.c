/* IPv6 multicast for sockets (RFC 3493 5.2, RFC 3810 as a host): the
 * memberships a transport asks for, as MLD's groups (mld6.c reports them
 * and opens the link filter), the interface of a join that names none, and
 * the copy of an outgoing datagram for this host's own members
 * (IPV6_MULTICAST_LOOP). */
#include <string.h>

#include "core/services.h"
#include "mld6.h"
#include "net6_impl.h"

/* Groups on the interface that sockets asked for (the solicited-node
 * ones are the addresses'), joined or still announcing a leave. */
static unsigned socket_groups(struct ust_stack *st, int ifindex)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    unsigned n = 0;
    for (unsigned i = 0; ifs && i < MLD6_MAX_GROUPS; i++)
        n += ifs->groups[i].used && !ipv6_addr_is_solicited_node(&ifs->groups[i].addr);
    return n;
}

/* A new group beyond cfg.igmp_max_memberships on the interface (the IPv4
 * bound, for both families): ENOMEM, counted in JoinsRefused. */
static bool group_room(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    struct mld6_iface *ifs = mld6_iface_of(st, ifindex);
    if (ifs && !ipv6_addr_is_solicited_node(group) && !mld6_find_group(ifs, group) &&
        socket_groups(st, ifindex) >= ust_stack_config(st)->igmp_max_memberships) {
        stack_stats(st)->mld6.JoinsRefused++;
        return false;
    }
    return true;
}

int ipv6_mcast_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    return group_room(st, ifindex, group) ? mld6_join(st, ifindex, group) : UST_ERR_NOMEM;
}

int ipv6_mcast_filter(struct ust_stack *st, int ifindex, const struct ipv6_addr *group,
                      const struct msf_filter *old, const struct msf_filter *new)
{
    if (!old && !group_room(st, ifindex, group))
        return UST_ERR_NOMEM;
    return mld6_filter_change(st, ifindex, group, old, new);
}

void ipv6_mcast_leave(struct ust_stack *st, int ifindex, const struct ipv6_addr *group)
{
    mld6_leave(st, ifindex, group);
}

bool ipv6_iface_exists(const struct ust_stack *st, int ifindex)
{
    return ip6_iface_const(st, ifindex) != NULL;
}

/* As Linux's rt6_lookup for a join without an interface: the interface
 * the group routes to (the only one), else the first with IPv6. */
int ipv6_mcast_iface(const struct ust_stack *st, const struct ipv6_addr *group)
{
    int out_if;
    struct ipv6_addr nh;
    if (route6_next_hop(st, group, -1, &out_if, &nh) == UST_OK)
        return out_if;
    for (int i = 0; i < UST_MAX_IFACES; i++)
        if (ip6_iface_const(st, i))
            return i;
    return -1;
}

/* RFC 3493 5.2 IPV6_MULTICAST_LOOP: the packet (header h, payload p) is
 * also delivered here, through the local queue as packets to our own
 * addresses are; it arrives on the interface of its source address. */
void ip6_mcast_loop(struct ust_stack *st, const struct ipv6_hdr *h, const struct pkt *p)
{
    struct ipv6_hdr hh = *h;
    hh.payload_len = (uint16_t)p->len;
    struct pkt *c = pkt_alloc(PKT_HEADROOM, IPV6_HDR_LEN + p->len);
    if (!c) {
        stack_stats(st)->ip6.Ip6OutDiscards++;
        return;
    }
    ipv6_emit(&hh, c->data, IPV6_HDR_LEN);
    memcpy(c->data + IPV6_HDR_LEN, p->data, p->len);
    ip6_local_enqueue(st, c);
}

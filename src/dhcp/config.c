/* What a lease does to the stack: the interface's address and prefix, the
 * default route, the device MTU and the resolver's name server (RFC 2131
 * 4.4.1, RFC 2132 3.3, 3.5, 3.8, 5.1); and undoing it when the lease ends. */
#include <string.h>

#include "client.h"
#include "core/services.h"
#include "core/trace.h"
#include "ustack/dev.h"
#include "ustack/stack.h"
#include "wire/ipv4.h"

/* The prefix of a contiguous mask; else the address's class (RFC 2131
 * 4.3.1 leaves it to the client; RFC 1122 3.3.1.1 falls back the same). */
static int dhcp_prefix(const struct dhcp_msg *m)
{
    if (m->has & DHCP_HAS_MASK) {
        int n = 0;
        while (n < 32 && (m->mask & (0x80000000u >> n)))
            n++;
        ust_ip4_t rebuilt = n ? (ust_ip4_t)(0xffffffffu << (32 - n)) : 0;
        if (rebuilt == m->mask && n > 0 && n < 32)
            return n;
    }
    int cp = ipv4_classful_prefix(m->yiaddr);
    return cp ? cp : 24;
}

void dhcp_take_lease(struct ust_stack *st, struct ust_dhcp *c, const struct dhcp_msg *m)
{
    struct ust_dhcp_lease *l = &c->lease;
    memset(l, 0, sizeof(*l));
    l->addr = m->yiaddr;
    l->prefix_len = dhcp_prefix(m);
    l->router = m->has & DHCP_HAS_ROUTER ? m->router : 0;
    l->dns = m->ndns ? m->dns[0] : 0;
    l->server = m->server_id ? m->server_id : c->server;
    l->mtu = m->has & DHCP_HAS_MTU ? m->mtu : 0;
    l->acquired = ust_stack_now(st);
    /* RFC 2131 4.4.5: T1 0.5 and T2 0.875 of the lease unless given; an
     * infinite lease (0xffffffff) is never renewed. */
    l->lease_s = m->lease_s;
    l->t1_s = m->has & DHCP_HAS_T1 ? m->t1_s : m->lease_s / 2;
    l->t2_s = m->has & DHCP_HAS_T2 ? m->t2_s : (uint32_t)((uint64_t)m->lease_s * 7 / 8);
    if (l->t2_s > l->lease_s || l->t1_s > l->t2_s) {
        l->t1_s = m->lease_s / 2;
        l->t2_s = (uint32_t)((uint64_t)m->lease_s * 7 / 8);
    }
    if (l->lease_s == 0xffffffffu) {
        c->t1_at = c->t2_at = c->end_at = UST_TIME_NEVER;
        return;
    }
    c->t1_at = l->acquired + (ust_time_t)l->t1_s * UST_SEC;
    c->t2_at = l->acquired + (ust_time_t)l->t2_s * UST_SEC;
    c->end_at = l->acquired + (ust_time_t)l->lease_s * UST_SEC;
}

int dhcp_apply(struct ust_stack *st, struct ust_dhcp *c)
{
    const struct ust_dhcp_lease *l = &c->lease;
    char a[16], r[16], d[16];
    int rc = ust_iface_set_addr(st, c->ifindex, l->addr, l->prefix_len);
    if (rc < 0)
        return rc;
    c->have_lease = true;
    if (l->router && (rc = ust_route_default(st, l->router)) != UST_OK)
        TRACE(st, "dhcp", "router %s not usable: %s", IP4STR(l->router, r), ust_strerror(rc));
    struct ust_dev *dev = NULL;
    ust_iface_info(st, c->ifindex, NULL, NULL, &dev);
    if (dev && l->mtu && l->mtu < ust_dev_mtu(dev)) {
        if (!c->dev_mtu)
            c->dev_mtu = ust_dev_mtu(dev);
        ust_dev_set_mtu(dev, l->mtu);
    }
    if (l->dns)
        ust_stack_set_dns_server(st, l->dns);
    TRACE(st, "dhcp", "bound %s/%d router %s dns %s lease %us", IP4STR(l->addr, a),
          l->prefix_len, IP4STR(l->router, r), IP4STR(l->dns, d), (unsigned)l->lease_s);
    return UST_OK;
}

void dhcp_unapply(struct ust_stack *st, struct ust_dhcp *c)
{
    if (!c->have_lease)
        return;
    char a[16];
    TRACE(st, "dhcp", "unconfigure %s", IP4STR(c->lease.addr, a));
    if (c->lease.router)
        ust_route_del(st, 0, 0);
    ust_iface_set_addr(st, c->ifindex, 0, 0);
    struct ust_dev *dev = NULL;
    ust_iface_info(st, c->ifindex, NULL, NULL, &dev);
    if (dev && c->dev_mtu) {
        ust_dev_set_mtu(dev, c->dev_mtu);
        c->dev_mtu = 0;
    }
    if (c->lease.dns && ust_stack_config(st)->dns_server == c->lease.dns)
        ust_stack_set_dns_server(st, 0);
    c->have_lease = false;
}

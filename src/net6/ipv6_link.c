/* Link state changes of an interface (ust_iface_set_link): the carrier
 * went away or came back, perhaps on another link. ustack cannot see a
 * carrier itself (on TAP the embedder's side sets it), so the embedder
 * calls this; the simulator's ust_sim_unplug / ust_sim_plug do. Without
 * Detecting Network Attachment (RFC 6059) every reconnection is taken as
 * a move to a new link, as Linux's addrconf_ifdown / NETDEV_UP do:
 *  - down: the autoconfigured addresses (SLAAC, temporary) are removed
 *    (RFC 8981 3.6: TEMP-6), with the Default Router List, prefixes, RA
 *    routes and DNS, the interface's neighbour cache and redirects;
 *  - up: the remaining addresses (link-local, static) run Duplicate
 *    Address Detection again (RFC 4862 5.4: "whenever an interface is
 *    initialized ... attached to a link") and Router Solicitations start
 *    (RFC 4861 6.3.7), so the new link's prefixes form new addresses and
 *    new temporary ones. */
#include "core/services.h"
#include "core/trace.h"
#include "link/iface.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "ustack/stack.h"

static void link_down(struct ust_stack *st, int ifindex)
{
    slaac_link_change(st, ifindex, false);
    nd_iface_flush(st, ifindex);
    redir6_forget_iface(st, ifindex);
}

/* RFC 4862 5.4: every address left is tentative again until DAD passes. */
static void link_up(struct ust_stack *st, struct ip6_iface *f, int ifindex)
{
    for (unsigned k = 0; k < UST_MAX_ADDRS6; k++) {
        struct ip6_ifaddr *a = &f->addrs[k];
        if (!a->used)
            continue;
        a->state = IP6A_TENTATIVE;
        dad_start(st, a);
    }
    slaac_link_change(st, ifindex, true);
}

int ust_iface_set_link(struct ust_stack *st, int ifindex, bool up)
{
    if (!iface_at(st, ifindex))
        return UST_ERR_NOENT;
    struct ip6_iface *f = ip6_iface(st, ifindex);
    if (!f || f->link_down == !up)
        return UST_OK; /* no IPv6 there, or nothing changed */
    ust_stack_now(st); /* an API call: DAD's and RS timers start from the real time */
    TRACE(st, "if", "%s link %s", ust_dev_name(ip6_dev(st, ifindex)), up ? "up" : "down");
    f->link_down = !up;
    if (up)
        link_up(st, f, ifindex);
    else
        link_down(st, ifindex);
    return UST_OK;
}

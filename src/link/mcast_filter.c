/* The per-interface multicast MAC filter (mcast_filter.h): what a
 * protocol above joined decides which multicast frames link_input takes
 * (RFC 1112 6.4: a host accepts the frames of the groups it belongs to). */
#include <string.h>

#include "link_state.h"
#include "mcast_filter.h"
#include "wire/eth.h"

void link_ip4_mcast_mac(ust_ip4_t group, uint8_t mac[6])
{
    mac[0] = 0x01;
    mac[1] = 0x00;
    mac[2] = 0x5e;
    mac[3] = (uint8_t)((group >> 16) & 0x7f);
    mac[4] = (uint8_t)(group >> 8);
    mac[5] = (uint8_t)group;
}

static struct link_mcast_filter *filter_of(struct ust_stack *st, int ifindex)
{
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return NULL;
    return &stack_link(st)->mcast[ifindex];
}

static int find(const struct link_mcast_filter *f, const uint8_t mac[6])
{
    for (unsigned i = 0; i < f->n; i++)
        if (!memcmp(f->v[i].mac, mac, ETH_ALEN))
            return (int)i;
    return -1;
}

int link_mcast_add(struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    struct link_mcast_filter *f = filter_of(st, ifindex);
    if (!f || !eth_is_multicast(mac))
        return UST_ERR_INVAL;
    int i = find(f, mac);
    if (i >= 0) {
        f->v[i].refs++;
        return UST_OK;
    }
    if (f->n == LINK_MCAST_MAX)
        return UST_ERR_NOMEM;
    memcpy(f->v[f->n].mac, mac, ETH_ALEN);
    f->v[f->n].refs = 1;
    f->n++;
    return UST_OK;
}

void link_mcast_del(struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    struct link_mcast_filter *f = filter_of(st, ifindex);
    int i = f ? find(f, mac) : -1;
    if (i < 0 || --f->v[i].refs > 0)
        return;
    f->v[i] = f->v[--f->n]; /* unordered: the last one takes its slot */
}

bool link_mcast_accepts(const struct ust_stack *st, int ifindex, const uint8_t mac[6])
{
    static const uint8_t all_systems[ETH_ALEN] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    if (!memcmp(mac, all_systems, ETH_ALEN))
        return true;
    if (ifindex < 0 || ifindex >= UST_MAX_IFACES)
        return false;
    return find(&stack_link_const(st)->mcast[ifindex], mac) >= 0;
}

/* The Ethernet receive filter for multicast (RFC 1112 6.4, RFC 2464 7):
 * per interface, the group MAC addresses some protocol above joined, with
 * a reference count each (two IPv4 groups share a MAC when their low 23
 * bits agree; IPv6 will add its 33:33 addresses the same way). Frames to
 * other multicast MACs count rx_not_for_us. */
#ifndef UST_LINK_MCAST_FILTER_H
#define UST_LINK_MCAST_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "ustack/config.h"
#include "ustack/types.h"

struct ust_stack;

/* MAC addresses per interface: IGMP's groups are bounded by
 * cfg.igmp_max_memberships (20) before they get here. */
#define LINK_MCAST_MAX 64

struct link_mcast_filter {
    unsigned n;
    struct {
        uint8_t mac[6];
        unsigned refs;
    } v[LINK_MCAST_MAX];
};

/* RFC 1112 6.4: 01:00:5e and the low 23 bits of the group. */
void link_ip4_mcast_mac(ust_ip4_t group, uint8_t mac[6]);
/* Takes one reference on mac for the interface: UST_ERR_NOBUFS when the
 * table is full, UST_ERR_INVAL for a bad index or a non-multicast MAC. */
int link_mcast_add(struct ust_stack *st, int ifindex, const uint8_t mac[6]);
/* Drops one reference; the MAC is refused again at zero. */
void link_mcast_del(struct ust_stack *st, int ifindex, const uint8_t mac[6]);
/* Does the interface accept frames to this multicast MAC? 01:00:5e:00:00:01
 * (224.0.0.1, all systems: RFC 1112 6.4, RFC 3376 3) always. */
bool link_mcast_accepts(const struct ust_stack *st, int ifindex, const uint8_t mac[6]);

#endif

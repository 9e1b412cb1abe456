/* Interface address classification shared by ARP and the network layer
 * (RFC 1122 3.3.6). */
#include "iface.h"
#include "wire/ipv4.h"

bool ipv4_is_iface_broadcast(const struct ust_iface *ifc, ust_ip4_t a)
{
    if (a == 0xffffffffu)
        return true;
    /* /31 and /32 have no broadcast address (RFC 3021). */
    if (ifc->prefix_len > 30)
        return false;
    if (a == (ifc->addr | ~ifc->mask))
        return true; /* {<Network>, <Subnet>, -1} */
    /* RFC 1122 3.3.6: the network-directed {<Network>, -1} and the
     * all-subnets {<Network>, -1, -1} forms (the same bits) of the classful
     * network the interface's subnet is part of. Only when the interface
     * prefix subdivides that network: for a shorter (CIDR) prefix the
     * classful "broadcast" can be an ordinary host address. */
    int cp = ipv4_classful_prefix(ifc->addr);
    if (cp == 0 || ifc->prefix_len < cp)
        return false;
    ust_ip4_t cmask = 0xffffffffu << (32 - cp);
    return a == (ifc->addr | ~cmask);
}

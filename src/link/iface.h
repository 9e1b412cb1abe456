/* An interface: a device with an IPv4 address. The table of interfaces
 * belongs to the stack assembly (core/stack.c, ust_iface_add); ARP and the
 * network layer look interfaces up through these functions, without
 * seeing struct ust_stack. */
#ifndef UST_IFACE_H
#define UST_IFACE_H

#include <stdbool.h>

#include "ustack/types.h"

struct ust_dev;
struct ust_stack;

struct ust_iface {
    struct ust_dev *dev;
    ust_ip4_t addr;
    ust_ip4_t mask;
    int prefix_len;
    int index;
};

/* The interface that owns `addr`, or NULL (core/stack.c). */
struct ust_iface *iface_by_addr(struct ust_stack *st, ust_ip4_t addr);
/* The interface of this index, or NULL (core/stack.c). */
struct ust_iface *iface_by_index(struct ust_stack *st, int index);
/* The same for a read-only stack: the interfaces are numbered 0..n-1, so
 * `for (i = 0; (ifc = iface_at(st, i)); i++)` walks them all. */
const struct ust_iface *iface_at(const struct ust_stack *st, int index);

/* Broadcast for this interface (RFC 1122 3.3.6, every all-ones form):
 * limited (255.255.255.255), its subnet-directed broadcast (subnet | ~mask),
 * and the network-directed / all-subnets broadcast of its classful network
 * when the prefix is at least the class's (e.g. 10.255.255.255 for
 * 10.1.2.3/16); none of the directed forms for /31 and /32 (iface.c). */
bool ipv4_is_iface_broadcast(const struct ust_iface *ifc, ust_ip4_t a);

#endif

/* Stable, semantically opaque interface identifiers (RFC 7217 5, as
 * RFC 8064 recommends instead of the MAC-derived EUI-64):
 *   RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key)
 * F is SipHash-2-4 keyed with the stack's 128-bit secret (drawn from the
 * stack PRNG at creation): one call gives the 64-bit identifier.
 * Net_Iface is the interface index and the device's MAC (RFC 7217 5 lists
 * both: two stacks with one seed on one link still differ); no Network_ID
 * (optional). */
#include <string.h>

#include "core/siphash.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/wbuf.h"

/* Reserved identifiers (RFC 5453): the subnet-router anycast (all zero)
 * and the reserved subnet anycast range fdff:ffff:ffff:ff80-ffff. */
static bool iid_reserved(const uint8_t iid[8])
{
    static const uint8_t zero[8];
    static const uint8_t anycast[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return !memcmp(iid, zero, 8) || (!memcmp(iid, anycast, 7) && iid[7] >= 0x80);
}

void ip6_iid_stable(const struct ust_stack *st, const struct ipv6_addr *prefix, int ifindex,
                    unsigned dad_counter, uint8_t iid[8])
{
    uint8_t msg[8 + 4 + 6 + 4];
    memcpy(msg, prefix->b, 8); /* the /64 prefix */
    put_be32(msg + 8, (uint32_t)ifindex);
    struct ust_dev *dev = ip6_dev(st, ifindex);
    memcpy(msg + 12, dev ? ust_dev_mac(dev)->b : (const uint8_t[6]){0}, 6);
    for (;;) {
        /* RFC 7217 5: a reserved result is retried with the next counter. */
        put_be32(msg + 18, dad_counter++);
        uint64_t h = siphash24(stack_net6_const(st)->secret, msg, sizeof(msg));
        put_be32(iid, (uint32_t)(h >> 32));
        put_be32(iid + 4, (uint32_t)h);
        if (!iid_reserved(iid))
            return;
    }
}

/* Stable, semantically opaque interface identifiers (RFC 7217 5, as
 * RFC 8064 recommends instead of the MAC-derived EUI-64):
 *   RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key)
 * F is SipHash-2-4 keyed with the stack's 128-bit secret (drawn from the
 * stack PRNG at creation, or cfg.ipv6_stable_secret): one call gives the
 * 64-bit identifier.
 * Net_Iface is the interface index and the device's MAC (RFC 7217 5 lists
 * both: two stacks with one seed on one link still differ); no Network_ID
 * (optional). */
#include <string.h>

#include "core/siphash.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "ustack/stack.h"
#include "wire/wbuf.h"

/* Reserved identifiers (RFC 5453): the subnet-router anycast (all zero)
 * and the reserved subnet anycast range fdff:ffff:ffff:ff80-ffff. */
static bool iid_reserved(const uint8_t iid[8])
{
    static const uint8_t zero[8];
    static const uint8_t anycast[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return !memcmp(iid, zero, 8) || (!memcmp(iid, anycast, 7) && iid[7] >= 0x80);
}

/* Net_Iface into msg at off; returns the length used. The index and MAC;
 * with a configured key (there to keep the address across restarts, and
 * a TAP's MAC is drawn anew each run) the index and the device's name
 * instead: any stable per-interface value will do (RFC 7217 5), and the
 * name is what SLAAC's addresses use. */
static size_t net_iface(const struct ust_stack *st, int ifindex, uint8_t *msg)
{
    put_be32(msg, (uint32_t)ifindex);
    struct ust_dev *dev = ip6_dev(st, ifindex);
    if (!dev || !ust_stack_config(st)->ipv6_stable_secret_set) {
        memcpy(msg + 4, dev ? ust_dev_mac(dev)->b : (const uint8_t[6]){0}, 6);
        return 4 + 6;
    }
    memset(msg + 4, 0, 16);
    const char *name = ust_dev_name(dev);
    memcpy(msg + 4, name, strnlen(name, 16));
    return 4 + 16;
}

void ip6_iid_stable(const struct ust_stack *st, const struct ipv6_addr *prefix, int ifindex,
                    unsigned dad_counter, uint8_t iid[8])
{
    uint8_t msg[8 + 4 + 16 + 4];
    memcpy(msg, prefix->b, 8); /* the /64 prefix */
    size_t n = 8 + net_iface(st, ifindex, msg + 8);
    for (;;) {
        /* RFC 7217 5: a reserved result is retried with the next counter. */
        put_be32(msg + n, dad_counter++);
        uint64_t h = siphash24(stack_net6_const(st)->secret, msg, n + 4);
        put_be32(iid, (uint32_t)(h >> 32));
        put_be32(iid + 4, (uint32_t)h);
        if (!iid_reserved(iid))
            return;
    }
}

/* Interface identifiers: RFC 7217 stable-privacy IIDs for link-local and
 * stable addresses, random ones for RFC 8981 temporary addresses, both
 * checked against the reserved IIDs of RFC 5453 and the IIDs already used
 * on the prefix (RFC 7217 5, IID-5; RFC 8981 3.3.1, TEMP-4). */
#include <string.h>

#include "addrconf.h"

static uint64_t iid_of(const struct ipv6_addr *a)
{
    uint64_t v = 0;
    for (int i = 8; i < 16; i++)
        v = v << 8 | a->b[i];
    return v;
}

/* RFC 5453 6: the Subnet-Router anycast IID (0), the reserved subnet
 * anycast range FDFF:FFFF:FFFF:FF80-FFFF (RFC 2526) and the Ethernet
 * block 0200:5EFF:FE00:0000-0200:5EFF:FEFF:FFFF. */
bool ac_iid_reserved(const struct ipv6_addr *a)
{
    uint64_t v = iid_of(a);
    if (v == 0)
        return true;
    if (v >= 0xfdffffffffffff80ull && v <= 0xfdffffffffffffffull)
        return true;
    return v >= 0x02005efffe000000ull && v <= 0x02005efffeffffffull;
}

static bool iid_in_use(const struct addrconf *ac, const struct ac_addr *e)
{
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        const struct ac_addr *o = &ac->addrs[i];
        if (o != e && o->in_use && o->state != AC_DUPLICATE &&
            ipv6_addr_eq(&o->addr, &e->addr))
            return true;
    }
    return false;
}

/* F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key), RFC 7217 5:
 * the key is the prf's; the IID is its first 64 bits. */
static void stable_iid(struct addrconf *ac, struct ac_addr *e)
{
    uint8_t msg[8 + AC_NET_IFACE_MAX + AC_NETWORK_ID_MAX + 1];
    size_t n = 0;
    memcpy(msg, e->addr.b, 8);
    n += 8;
    memcpy(msg + n, ac->net_iface, ac->net_iface_len);
    n += ac->net_iface_len;
    memcpy(msg + n, ac->network_id, ac->network_id_len);
    n += ac->network_id_len;
    msg[n++] = e->dad_counter;
    uint64_t h = ac->ops->prf(ac->ctx, msg, n);
    for (int i = 0; i < 8; i++)
        e->addr.b[15 - i] = (uint8_t)(h >> (8 * i));
}

bool ac_make_iid(struct addrconf *ac, struct ac_addr *e)
{
    unsigned limit = e->kind == AC_TEMPORARY ? AC_TEMP_IDGEN_RETRIES : AC_IDGEN_RETRIES;
    for (;;) {
        if (e->kind == AC_TEMPORARY)
            rng_bytes(ac->rng, e->addr.b + 8, 8);
        else
            stable_iid(ac, e);
        if (!ac_iid_reserved(&e->addr) && !iid_in_use(ac, e))
            return true;
        ac->stats->IidRefused++;
        if (e->dad_counter >= limit)
            return false;
        e->dad_counter++; /* handled like a DAD failure (RFC 7217 5) */
    }
}

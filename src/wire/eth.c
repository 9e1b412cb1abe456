/* Ethernet II framing (RFC 894) with one IEEE 802.1Q tag recognised. */
#include "eth.h"

#include <string.h>

#include "wbuf.h"

int eth_parse(const uint8_t *buf, size_t len, struct eth_hdr *h)
{
    if (len < ETH_HDR_LEN)
        return WIRE_TRUNCATED;
    memcpy(h->dst, buf, ETH_ALEN);
    memcpy(h->src, buf + ETH_ALEN, ETH_ALEN);
    h->type = get_be16(buf + 12);
    h->has_vlan = false;
    h->vlan_tci = 0;
    h->hdr_len = ETH_HDR_LEN;
    if (h->type == ETH_TYPE_VLAN) {
        /* 802.1Q: TPID 0x8100, then TCI, then the real EtherType. */
        if (len < ETH_VLAN_HDR_LEN)
            return WIRE_TRUNCATED;
        h->has_vlan = true;
        h->vlan_tci = get_be16(buf + 14);
        h->type = get_be16(buf + 16);
        h->hdr_len = ETH_VLAN_HDR_LEN;
    }
    return WIRE_OK;
}

int eth_emit(const struct eth_hdr *h, uint8_t *buf, size_t cap)
{
    size_t need = h->has_vlan ? ETH_VLAN_HDR_LEN : ETH_HDR_LEN;
    if (cap < need)
        return WIRE_NOSPACE;
    memcpy(buf, h->dst, ETH_ALEN);
    memcpy(buf + ETH_ALEN, h->src, ETH_ALEN);
    if (h->has_vlan) {
        put_be16(buf + 12, ETH_TYPE_VLAN);
        put_be16(buf + 14, h->vlan_tci);
        put_be16(buf + 16, h->type);
    } else {
        put_be16(buf + 12, h->type);
    }
    return (int)need;
}

bool eth_is_broadcast(const uint8_t mac[ETH_ALEN])
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

/* The I/G bit: least significant bit of the first octet (IEEE 802-2014 8.2). */
bool eth_is_multicast(const uint8_t mac[ETH_ALEN])
{
    return (mac[0] & 1) != 0;
}

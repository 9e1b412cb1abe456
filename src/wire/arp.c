/* ARP packets for IPv4 over Ethernet (RFC 826). */
#include "arp.h"

#include <string.h>

#include "eth.h"
#include "wbuf.h"

#define ARP_FIXED_LEN 8 /* htype, ptype, hlen, plen, op */

int arp_parse(const uint8_t *buf, size_t len, struct arp_pkt *p)
{
    if (len < ARP_FIXED_LEN)
        return WIRE_TRUNCATED;
    p->htype = get_be16(buf);
    p->ptype = get_be16(buf + 2);
    p->hlen = buf[4];
    p->plen = buf[5];
    p->op = get_be16(buf + 6);
    /* RFC 826 "Packet Reception": other hardware/protocol pairs are not
     * ours. Checked before the length, since their addresses differ in size. */
    if (p->htype != ARP_HTYPE_ETHER || p->ptype != ETH_TYPE_IPV4 || p->hlen != 6 || p->plen != 4)
        return WIRE_UNSUPPORTED;
    if (p->op != ARP_OP_REQUEST && p->op != ARP_OP_REPLY)
        return WIRE_UNSUPPORTED;
    if (len < ARP_LEN)
        return WIRE_TRUNCATED;
    memcpy(p->sha, buf + 8, 6);
    p->spa = get_be32(buf + 14);
    memcpy(p->tha, buf + 18, 6);
    p->tpa = get_be32(buf + 24);
    return WIRE_OK;
}

/* Only Ethernet/IPv4 exists here, so the type and length fields are
 * always written as such, whatever the struct holds; op comes from p. */
int arp_emit(const struct arp_pkt *p, uint8_t *buf, size_t cap)
{
    if (cap < ARP_LEN)
        return WIRE_NOSPACE;
    put_be16(buf, ARP_HTYPE_ETHER);
    put_be16(buf + 2, ETH_TYPE_IPV4);
    buf[4] = 6;
    buf[5] = 4;
    put_be16(buf + 6, p->op);
    memcpy(buf + 8, p->sha, 6);
    put_be32(buf + 14, p->spa);
    memcpy(buf + 18, p->tha, 6);
    put_be32(buf + 24, p->tpa);
    return ARP_LEN;
}

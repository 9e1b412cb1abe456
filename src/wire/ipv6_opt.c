/* The Hop-by-Hop / Destination options walk (RFC 8200 4.2): TLVs in order,
 * Pad1 and PadN skipped, bounds checked against the header. */
#include "ipv6.h"

void ipv6_opt_iter_init(struct ipv6_opt_iter *it, const struct ipv6_ext *e)
{
    /* The options follow Next Header and Hdr Ext Len. */
    *it = (struct ipv6_opt_iter){.p = e->p + 2, .len = e->len - 2, .base = e->off + 2};
}

bool ipv6_opt_next(struct ipv6_opt_iter *it, struct ipv6_opt *o)
{
    while (it->err == WIRE_OK && it->off < it->len) {
        size_t i = it->off;
        uint8_t type = it->p[i];
        if (type == IPV6_OPT_PAD1) {
            it->off++;
            continue;
        }
        if (it->len - i < 2 || (size_t)it->p[i + 1] > it->len - i - 2) {
            it->err = WIRE_BAD_OPTION; /* length missing or past the header */
            it->bad_off = it->base + i + 1;
            return false;
        }
        uint8_t dlen = it->p[i + 1];
        it->off = i + 2 + dlen;
        if (type == IPV6_OPT_PADN)
            continue;
        *o = (struct ipv6_opt){.type = type, .len = dlen, .data = it->p + i + 2,
                               .off = it->base + i};
        return true;
    }
    return false;
}

int ipv6_hbh_router_alert_emit(uint8_t next_hdr, uint8_t *buf, size_t cap)
{
    if (cap < 8)
        return WIRE_NOSPACE;
    /* Next Header, length 0 (8 bytes), Router Alert (RFC 2711: type 5,
     * length 2, value 0 = MLD), PadN with no data. */
    const uint8_t hbh[8] = {next_hdr, 0, IPV6_OPT_ROUTER_ALERT, 2, 0, 0, IPV6_OPT_PADN, 0};
    for (int i = 0; i < 8; i++)
        buf[i] = hbh[i];
    return 8;
}

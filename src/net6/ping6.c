/* The ICMPv6 echo API (ust_ping6_send); replies and errors reach the
 * handler ust_ping_set_handler installed (icmp6.c), with r->ipv6 set. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net/net.h"
#include "net6_impl.h"
#include "wire/wbuf.h"

int ust_ping6_send(struct ust_stack *st, const uint8_t dst[16], int ifindex, uint16_t id,
                   uint16_t seq, size_t size, int hop_limit)
{
    struct ipv6_addr d, src;
    memcpy(d.b, dst, 16);
    if (size > 65535 - ICMPV6_HDR_LEN)
        return UST_ERR_MSGSIZE;
    if (hop_limit > 255)
        return UST_ERR_INVAL;
    ust_time_t now = ust_stack_now(st);
    int scope = ipv6_addr_is_link_local(&d) || ipv6_addr_is_multicast(&d) ? ifindex : -1;
    if (ipv6_source_for(st, &d, scope, &src) != UST_OK)
        return UST_ERR_NOROUTE;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, ICMPV6_HDR_LEN + size);
    if (!p)
        return UST_ERR_NOMEM;
    uint8_t *data = p->data + ICMPV6_HDR_LEN;
    uint8_t ts[8];
    put_be32(ts, (uint32_t)(now >> 32));
    put_be32(ts + 4, (uint32_t)now);
    for (size_t i = 0; i < size; i++)
        data[i] = i < 8 ? ts[i] : ping_pattern(i);
    struct icmpv6_hdr h = {.type = ICMPV6_ECHO_REQUEST, .id = id, .seq = seq};
    icmpv6_emit(&h, &src, &d, p->data, p->len);
    char s[IPV6_ADDR_STRLEN];
    TRACE(st, "icmp6", "echo request to %s id %u seq %u len %zu", IP6STR(&d, s), id, seq, size);
    stack_stats(st)->icmp6.Icmp6OutEchos++;
    return icmp6_output(st, &src, &d, scope, hop_limit > 0 ? hop_limit : -1, p);
}

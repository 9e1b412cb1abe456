/* IPv6 forwarding as a router (cfg.ip_forwarding, RFC 8200 3, RFC 4443):
 * a unicast packet that is not for us goes out of the interface of its
 * route with the Hop Limit decremented. Routers never fragment (RFC 8200
 * 5): a packet larger than the next link's MTU is answered with Packet Too
 * Big; Hop Limit 1 or 0 with Time Exceeded (code 0); no route with
 * Destination Unreachable code 0; a link-local source or destination never
 * leaves its link (RFC 4291 2.5.6; a link-local source to another link:
 * Destination Unreachable code 2, beyond scope). A packet going back out
 * of the link it came from is forwarded and its sender told the better
 * first hop with a Redirect (RFC 4861 8.2, redirect6_send.c). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/icmpv6.h"

static void fwd_error(struct ust_stack *st, int ifindex, uint8_t type, uint8_t code,
                      uint32_t word, const uint8_t *pkt, size_t len, bool link_mcast)
{
    icmp6_send_error(st, ifindex, type, code, word, pkt, len, link_mcast, false);
}

/* The next hop and its interface, or an error sent: false. */
static bool fwd_route(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                      const struct ipv6_hdr *h, bool link_mcast, int *out_if,
                      struct ipv6_addr *nh)
{
    char s[IPV6_ADDR_STRLEN], d[IPV6_ADDR_STRLEN];
    if (route6_next_hop(st, &h->dst, -1, out_if, nh) != UST_OK) {
        stack_stats(st)->ip6.Ip6InNoRoutes++;
        TRACE(st, "ip6", "drop: no route to %s", IP6STR(&h->dst, d));
        fwd_error(st, ifindex, ICMPV6_DST_UNREACH, ICMPV6_UNREACH_NOROUTE, 0, pkt, len,
                  link_mcast);
        return false;
    }
    if (ipv6_addr_is_link_local(&h->src) && *out_if != ifindex) {
        stack_stats(st)->ip6.Ip6InAddrErrors++;
        TRACE(st, "ip6", "drop: link-local source %s beyond its link", IP6STR(&h->src, s));
        fwd_error(st, ifindex, ICMPV6_DST_UNREACH, ICMPV6_UNREACH_SCOPE, 0, pkt, len,
                  link_mcast);
        return false;
    }
    return true;
}

bool ip6_forward(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                 const struct ipv6_hdr *h, bool link_mcast)
{
    if (!ust_stack_config(st)->ip_forwarding || ipv6_addr_is_multicast(&h->dst) ||
        ipv6_addr_is_link_local(&h->dst) || ipv6_addr_is_unspecified(&h->src) || link_mcast)
        return false; /* not a router, or a packet no router forwards */
    char s[IPV6_ADDR_STRLEN], d[IPV6_ADDR_STRLEN], n[8];
    TRACE(st, "ip6", "rx %s->%s next %s len %zu hlim %u", IP6STR(&h->src, s), IP6STR(&h->dst, d),
          ipv6_nh_name(h->next_hdr, n), len, h->hop_limit);
    if (h->hop_limit <= 1) { /* RFC 4443 3.3, RFC 8200 3 */
        stack_stats(st)->ip6.Ip6InHdrErrors++;
        TRACE(st, "ip6", "drop: hop limit exceeded %s->%s", IP6STR(&h->src, s),
              IP6STR(&h->dst, d));
        fwd_error(st, ifindex, ICMPV6_TIME_EXCEEDED, 0, 0, pkt, len, link_mcast);
        return true;
    }
    int out_if;
    struct ipv6_addr nh;
    if (!fwd_route(st, ifindex, pkt, len, h, link_mcast, &out_if, &nh))
        return true;
    if (out_if == ifindex) /* RFC 4861 8.2: before forwarding, as Linux ip6_forward */
        redirect6_send(st, ifindex, pkt, len, h, &nh);
    unsigned mtu = ip6_link_mtu(st, out_if);
    if (len > mtu) { /* RFC 8200 5: routers do not fragment; RFC 4443 3.2 */
        stack_stats(st)->ip6.Ip6InTooBigErrors++;
        TRACE(st, "ip6", "drop: %zu bytes > mtu %u of %s", len, mtu,
              ust_dev_name(ip6_dev(st, out_if)));
        icmp6_send_error(st, ifindex, ICMPV6_PKT_TOO_BIG, 0, mtu, pkt, len, link_mcast, true);
        return true;
    }
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    if (!p) {
        stack_stats(st)->ip6.Ip6InDiscards++;
        return true;
    }
    memcpy(p->data, pkt, len);
    p->data[7] = (uint8_t)(h->hop_limit - 1); /* the Hop Limit octet (RFC 8200 3) */
    TRACE(st, "ip6", "fwd %s->%s hlim %u via %s", IP6STR(&h->src, s), IP6STR(&h->dst, d),
          h->hop_limit - 1, ust_dev_name(ip6_dev(st, out_if)));
    stack_stats(st)->ip6.Ip6OutForwDatagrams++;
    ip6_link_send(st, out_if, &nh, p);
    return true;
}

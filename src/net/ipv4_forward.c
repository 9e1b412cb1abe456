/* Router mode (RFC 1812 5.2, 5.3): forwarding of datagrams not addressed
 * to us, when cfg.ip_forwarding is on. No redirects are sent; source-routed
 * datagrams are never forwarded; link broadcasts never reach this file
 * (ipv4_input drops them first). */
#include "core/services.h"
#include "core/trace.h"
#include "net.h"
#include "net_state.h"
#include "ustack/dev.h"
#include "wire/csum.h"
#include "wire/icmp.h"
#include "wire/wbuf.h"

/* RFC 1812 5.3.7: never forward to these (nor multicast: no multicast
 * routing here). */
static bool ipv4_forwardable_dst(ust_ip4_t a)
{
    return a != 0 && (a >> 24) != 127 && !ipv4_is_multicast(a) && a < 0xf0000000u;
}

/* RFC 1812 5.3.1 / RFC 1624: TTL - 1 with an incremental checksum update
 * of the 16-bit word that holds TTL and protocol. */
static void ipv4_decrement_ttl(uint8_t *hdr)
{
    uint16_t old_word = get_be16(hdr + 8);
    hdr[8]--;
    uint16_t new_word = get_be16(hdr + 8);
    put_be16(hdr + 10, csum_update16(get_be16(hdr + 10), old_word, new_word));
}

void ipv4_forward(struct ust_stack *st, struct ust_iface *in, const struct ipv4_hdr *h,
                  const uint8_t *dgram)
{
    (void)in;
    char s[16], d[16];
    if (h->has_source_route) {
        stack_stats(st)->ip.InDiscards++;
        TRACE(st, "ip", "drop: source-routed datagram not forwarded");
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_SRC_ROUTE, 0, dgram, h->total_len);
        return;
    }
    if (!ipv4_forwardable_dst(h->dst)) {
        stack_stats(st)->ip.InAddrErrors++;
        TRACE(st, "ip", "drop: will not forward to %s", IP4STR(h->dst, d));
        return;
    }
    if (h->ttl <= 1) {
        stack_stats(st)->ip.InTtlExceeded++;
        TRACE(st, "ip", "drop: ttl expired %s->%s", IP4STR(h->src, s), IP4STR(h->dst, d));
        icmp_send_error(st, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, dgram, h->total_len);
        return;
    }
    const struct route *r = route_lookup(&stack_net(st)->routes, h->dst);
    struct ust_iface *out = r ? iface_by_index(st, r->ifindex) : NULL;
    if (!out) {
        stack_stats(st)->ip.OutNoRoutes++;
        TRACE(st, "ip", "drop: no route to %s", IP4STR(h->dst, d));
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_NET, 0, dgram, h->total_len);
        return;
    }
    unsigned mtu = ust_dev_mtu(out->dev);
    if (h->total_len > mtu && h->df) {
        /* RFC 1191 4: tell the sender the next-hop MTU. */
        stack_stats(st)->ip.FragFails++;
        TRACE(st, "ip", "drop: %u bytes > mtu %u with DF", h->total_len, mtu);
        icmp_send_error(st, ICMP_DEST_UNREACH, ICMP_UNREACH_FRAG_NEEDED, mtu, dgram,
                        h->total_len);
        return;
    }
    struct pkt *p = pkt_copy(dgram, h->total_len);
    if (!p) {
        stack_stats(st)->ip.InDiscards++;
        return;
    }
    ipv4_decrement_ttl(p->data);
    stack_stats(st)->ip.ForwDatagrams++;
    ust_ip4_t next_hop = r->gateway ? r->gateway : h->dst;
    TRACE(st, "ip", "fwd %s->%s ttl %u via %s", IP4STR(h->src, s), IP4STR(h->dst, d),
          h->ttl - 1, ust_dev_name(out->dev));
    ipv4_transmit(st, out, next_hop, p, mtu);
}

/* Fragmentation at the source (RFC 8200 4.5, 5): the upper-layer packet is
 * split into pieces that, with the fixed header and an 8-byte Fragment
 * header, fit the path MTU; all but the last a multiple of 8 bytes, none
 * overlapping (RFC 5722, OVL-1). We add no extension headers, so the
 * upper-layer header is whole in the first fragment (RFC 7112, HDRC-1).
 * The Identification comes from the stack PRNG: hard to predict (RFC 7739,
 * NODE-6) and different per packet (IP6-11). */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

int ip6_fragment(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h,
                 const struct ipv6_addr *nh, struct pkt *p, unsigned mtu)
{
    size_t chunk = (mtu - IPV6_HDR_LEN - IPV6_FRAG_HDR_LEN) & ~(size_t)7;
    struct ipv6_hdr fh = *h;
    fh.next_hdr = IPV6_NH_FRAGMENT;
    struct ipv6_frag f = {.next_hdr = h->next_hdr, .id = (uint32_t)rng_next(stack_rng(st))};
    int rc = UST_OK;
    for (size_t off = 0; off < p->len && rc == UST_OK; off += chunk) {
        size_t n = p->len - off < chunk ? p->len - off : chunk;
        struct pkt *q = pkt_alloc(PKT_HEADROOM, IPV6_FRAG_HDR_LEN + n);
        if (!q) {
            stack_stats(st)->ip6.Ip6FragFails++;
            rc = UST_ERR_NOMEM;
            break;
        }
        f.offset = (uint16_t)off;
        f.more = off + n < p->len;
        ipv6_frag_emit(&f, q->data, IPV6_FRAG_HDR_LEN);
        memcpy(q->data + IPV6_FRAG_HDR_LEN, p->data + off, n);
        stack_stats(st)->ip6.Ip6FragCreates++;
        rc = ip6_send(st, ifindex, &fh, nh, q);
    }
    if (rc == UST_OK)
        stack_stats(st)->ip6.Ip6FragOKs++;
    char d[IPV6_ADDR_STRLEN];
    TRACE(st, "ip6", "fragment %zu bytes to %s id 0x%08x mtu %u", p->len, IP6STR(&h->dst, d),
          (unsigned)f.id, mtu);
    pkt_free(p);
    return rc;
}

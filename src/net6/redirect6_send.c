/* Redirects sent by a router (RFC 4861 8.2, RFC 8504 5.4: NODE-23). A
 * packet forwarded out of the interface it came in on, from a neighbour on
 * that link (its source on-link there) to a unicast destination, shows the
 * sender a better first hop: the next-hop router we use (then its
 * link-local address, 8.2 and 4.5: hosts accept no other target) or the
 * destination itself when it is on the link (target == destination). The
 * Redirect goes from our link-local address to the packet's source with a
 * Target Link-Layer Address option when the target's link address is
 * known, and a Redirected Header option quoting as much of the packet as
 * keeps the Redirect within 1280 octets (IPV6_MIN_MTU). 8.2 "MUST limit
 * the rate": a token bucket of its own at cfg.icmp6_err_rate /
 * icmp6_err_burst (RedirectsRateLimited), so Redirects never use up the
 * ICMPv6 errors' budget. cfg.ipv6_send_redirects off sends none. The
 * packet is forwarded either way (8.2: "the router forwards it"). */
#include <string.h>

#include "core/ratelimit.h"
#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/nd.h"

#define REDIR_OPT_HDR 8 /* Redirected Header: type, length, 6 reserved (4.6.3) */

/* 8.2: the packet's source is a neighbour: link-local (it arrived on
 * ifindex), or its route leads out of ifindex with itself as next hop. */
static bool source_on_link(const struct ust_stack *st, int ifindex, const struct ipv6_addr *src)
{
    if (ipv6_addr_is_link_local(src))
        return true;
    int out_if;
    struct ipv6_addr nh;
    return route6_next_hop(st, src, ifindex, &out_if, &nh) == UST_OK && out_if == ifindex &&
           ipv6_addr_eq(&nh, src);
}

/* The Redirect's bytes in buf (at least IPV6_MIN_MTU - IPV6_HDR_LEN). */
static size_t redirect_build(struct ust_stack *st, int ifindex, const struct ipv6_addr *target,
                             const struct ipv6_addr *dst, const uint8_t *pkt, size_t len,
                             uint8_t *buf)
{
    size_t cap = IPV6_MIN_MTU - IPV6_HDR_LEN;
    struct nd_msg m = {.type = ICMPV6_ND_REDIRECT, .target = *target, .dest = *dst};
    size_t n = (size_t)nd_emit(&m, buf, cap);
    struct nd_entry *e = nd_lookup(st, ifindex, target);
    if (e && e->state != ND_INCOMPLETE) /* 4.5: TLLA "if known" */
        n += (size_t)nd_opt_lladdr_emit(ND_OPT_TLLA, e->mac.b, buf + n, cap - n);
    size_t room = cap - n - REDIR_OPT_HDR; /* a multiple of 8 */
    size_t quote = len < room ? len : room;
    size_t padded = (quote + 7) & ~(size_t)7;
    memset(buf + n, 0, REDIR_OPT_HDR + padded);
    buf[n] = ND_OPT_REDIRECTED;
    buf[n + 1] = (uint8_t)((REDIR_OPT_HDR + padded) / 8);
    memcpy(buf + n + REDIR_OPT_HDR, pkt, quote);
    return n + REDIR_OPT_HDR + padded;
}

/* RFC 4861 8.2's conditions, rate limit included; true: send one. */
static bool redirect_wanted(struct ust_stack *st, int ifindex, const struct ipv6_hdr *h,
                            const struct ipv6_addr *target, struct ipv6_addr *ll_src)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_nd6_stats *c = &stack_stats(st)->nd6;
    if (!cfg->ipv6_send_redirects || ipv6_addr_is_multicast(&h->dst) ||
        !source_on_link(st, ifindex, &h->src))
        return false;
    /* a router target must be named by its link-local address (8.2, 4.5),
     * and the Redirect leaves from ours (8.2 "Source Address") */
    if ((!ipv6_addr_eq(target, &h->dst) && !ipv6_addr_is_link_local(target)) ||
        !ip6_link_local_usable(st, ifindex, ll_src)) {
        c->RedirectsNotSent++;
        return false;
    }
    if (!rate_bucket_take(&stack_net6(st)->redirect_tat, cfg->icmp6_err_rate,
                          cfg->icmp6_err_burst, stack_now(st))) {
        c->RedirectsRateLimited++;
        return false;
    }
    return true;
}

void redirect6_send(struct ust_stack *st, int ifindex, const uint8_t *pkt, size_t len,
                    const struct ipv6_hdr *h, const struct ipv6_addr *next_hop)
{
    struct ipv6_addr ll_src;
    if (!redirect_wanted(st, ifindex, h, next_hop, &ll_src))
        return;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, IPV6_MIN_MTU - IPV6_HDR_LEN);
    if (!p)
        return;
    pkt_trim(p, redirect_build(st, ifindex, next_hop, &h->dst, pkt, len, p->data));
    char d[IPV6_ADDR_STRLEN], t[IPV6_ADDR_STRLEN], s[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "%s tx Redirect to %s: %s via %s", ust_dev_name(ip6_dev(st, ifindex)),
          IP6STR(&h->src, s), IP6STR(&h->dst, d), IP6STR(next_hop, t));
    stack_stats(st)->nd6.RedirectsSent++;
    nd_send_msg(st, ifindex, &ll_src, &h->src, NULL, p);
}

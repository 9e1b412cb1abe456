/* Redirect input of a host (RFC 4861 8): a router tells us a better first
 * hop for a destination, or that the destination is on our link. A forged
 * Redirect diverts traffic, so each check of 8.1 drops silently with its
 * own counter: the IP and ICMP headers (link-local source, Hop Limit 255,
 * code 0, at least 40 octets: RedirectBadHeader; the checksum was
 * icmp6.c's), the addresses (destination not multicast, target link-local
 * or the destination itself: RedirectBadTarget; ND-36: an off-prefix
 * target is fine), the options (none of length 0, each one, the
 * Redirected Header too, inside the message: RedirectBadOption), and the
 * sender being the current first hop for the destination
 * (RedirectNotFirstHop). A valid one
 * (8.3) sets the destination's next hop in the Destination Cache
 * (redirect6_cache.c) and, with a Target Link-Layer Address option, the
 * target's neighbour entry (STALE when new or changed); a target other
 * than the destination is a router (IsRouter). cfg.ipv6_accept_redirects
 * off ignores them all (RedirectsDisabled), as Linux's accept_redirects=0. */
#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"
#include "wire/nd.h"

/* 8.1: the sender is the router we send dst's packets to now. */
static bool from_first_hop(const struct ust_stack *st, const struct ip6_rx *rx,
                           const struct ipv6_addr *dst)
{
    int out_if;
    struct ipv6_addr nh;
    int scope = ipv6_addr_is_link_local(dst) ? rx->ifindex : -1;
    if (route6_next_hop(st, dst, scope, &out_if, &nh) != UST_OK)
        return false;
    return out_if == rx->ifindex && !ipv6_addr_eq(&nh, dst) && ipv6_addr_eq(&nh, &rx->h->src);
}

/* The counter of the first rule m breaks, or NULL when it is valid. */
static uint64_t *redirect_reject(struct ust_stack *st, const struct ip6_rx *rx, struct nd_msg *m)
{
    struct ust_nd6_stats *c = &stack_stats(st)->nd6;
    const struct ipv6_hdr *h = rx->h;
    if (rx->ifindex < 0 || !ipv6_addr_is_link_local(&h->src) || h->hop_limit != ND_HOP_LIMIT ||
        rx->seg_len < ND_REDIRECT_LEN || rx->seg[1] != 0)
        return &c->RedirectBadHeader;
    struct nd_ip ip = {.src = &h->src, .dst = &h->dst, .hop_limit = h->hop_limit};
    int rc = nd_parse(rx->seg, rx->seg_len, &ip, m);
    if (rc == WIRE_BAD_OPTION) /* length 0, or past the message's end */
        return &c->RedirectBadOption;
    if (rc < 0)
        return &c->RedirectBadTarget; /* the header rules passed above */
    if (!from_first_hop(st, rx, &m->dest))
        return &c->RedirectNotFirstHop;
    return NULL;
}

static void redirect_apply(struct ust_stack *st, const struct ip6_rx *rx, const struct nd_msg *m)
{
    bool on_link = ipv6_addr_eq(&m->target, &m->dest);
    redir6_add(st, &m->dest, rx->ifindex, &m->target);
    const uint8_t *tll = nd_lladdr(m, ND_OPT_TLLA);
    if (tll) /* 8.3: created or changed: STALE; the same address: unchanged */
        nd_learn(st, rx->ifindex, &m->target, tll, true);
    struct nd_entry *e = nd_lookup(st, rx->ifindex, &m->target);
    if (e && !on_link)
        e->is_router = true;
    stack_stats(st)->nd6.RedirectsAccepted++;
    char d[IPV6_ADDR_STRLEN], t[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "redirect: %s via %s%s", IP6STR(&m->dest, d), IP6STR(&m->target, t),
          on_link ? " (on-link)" : "");
}

void redirect6_input(struct ust_stack *st, const struct ip6_rx *rx)
{
    struct nd_msg m;
    stack_stats(st)->nd6.RedirectsReceived++;
    if (!ust_stack_config(st)->ipv6_accept_redirects) {
        stack_stats(st)->nd6.RedirectsDisabled++;
        return;
    }
    uint64_t *why = redirect_reject(st, rx, &m);
    if (why) {
        (*why)++;
        char s[IPV6_ADDR_STRLEN];
        TRACE(st, "nd", "drop: invalid redirect from %s", IP6STR(&rx->h->src, s));
        return;
    }
    redirect_apply(st, rx, &m);
}

/* The router side of router discovery (RFC 4861 6.2): an advertising
 * interface sends Router Advertisements to all-nodes from its link-local
 * address, unsolicited every MinRtrAdvInterval..MaxRtrAdvInterval (6.2.4;
 * the first MAX_INITIAL_RTR_ADVERTISEMENTS at most 16 s apart) and in
 * answer to Router Solicitations (6.2.6: after a random delay of up to
 * 0.5 s, at most one multicast RA per MIN_DELAY_BETWEEN_RAS). The RA
 * carries the configured prefixes (PIO with L/A), the source link-layer
 * address and, when configured, the link MTU, the M and O flags (4.2),
 * an RDNSS and a DNSSL option (RFC 8106 5.1, 5.2). */
#include <string.h>

#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/nd.h"

#define MAX_INITIAL_RTR_ADVERT_INTERVAL (16 * UST_SEC)
#define MAX_INITIAL_RTR_ADVERTISEMENTS 3
#define MIN_DELAY_BETWEEN_RAS (3 * UST_SEC)
#define MAX_RA_DELAY_TIME (500 * UST_MSEC)
#define RA_NO_LINK_LOCAL_RETRY UST_SEC /* our link-local address still in DAD */

static const struct ipv6_addr all_nodes = {{0xff, 0x02, [15] = 1}};

static struct ra_adv *adv_of(struct ust_stack *st, int ifindex)
{
    struct ip6_iface *f = ip6_iface(st, ifindex);
    return f && f->adv.on ? &f->adv : NULL;
}

bool ra_send_advertising(const struct ust_stack *st, int ifindex)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    return f && f->adv.on;
}

/* RFC 8106 5.1: the Lifetime SHOULD default to at least 3 x
 * MaxRtrAdvInterval, so that a lost RA or two do not expire the servers. */
static uint32_t rdnss_lifetime(const struct ust_config *cfg)
{
    if (cfg->ipv6_ra_rdnss_lifetime)
        return (uint32_t)cfg->ipv6_ra_rdnss_lifetime;
    uint64_t three_max = 3 * (uint64_t)(cfg->ipv6_ra_max_interval / UST_SEC);
    return three_max > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)three_max;
}

static unsigned rdnss_count(const struct ust_config *cfg)
{
    return cfg->ipv6_ra_rdnss_count < UST_RA_MAX_DNS ? cfg->ipv6_ra_rdnss_count
                                                     : UST_RA_MAX_DNS;
}

/* The RA's bytes: fixed part with M and O (4.2), SLLA, MTU, one PIO per
 * prefix (4.6), RDNSS (RFC 8106 5.1). */
static size_t ra_build(struct ust_stack *st, const struct ra_adv *adv, const uint8_t mac[6],
                       uint16_t lifetime, uint8_t *buf, size_t cap)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct nd_msg m = {.type = ICMPV6_ND_RA, .cur_hop_limit = cfg->ipv6_ra_cur_hop_limit,
                       .router_lifetime = lifetime,
                       .ra_flags = (uint8_t)((cfg->ipv6_ra_managed ? ND_RA_MANAGED : 0) |
                                             (cfg->ipv6_ra_other ? ND_RA_OTHER : 0))};
    size_t len = (size_t)nd_emit(&m, buf, cap);
    len += (size_t)nd_opt_lladdr_emit(ND_OPT_SLLA, mac, buf + len, cap - len);
    if (cfg->ipv6_ra_mtu)
        len += (size_t)nd_opt_mtu_emit(cfg->ipv6_ra_mtu, buf + len, cap - len);
    for (unsigned i = 0; i < adv->nprefixes; i++) {
        const struct ra_prefix_adv *a = &adv->prefixes[i];
        struct nd_prefix_info pi = {.prefix_len = a->prefix_len, .flags = a->flags,
                                    .valid_lifetime = a->valid_lft,
                                    .preferred_lifetime = a->preferred_lft, .prefix = a->prefix};
        len += (size_t)nd_opt_prefix_emit(&pi, buf + len, cap - len);
    }
    if (rdnss_count(cfg))
        len += (size_t)nd_opt_rdnss_emit(rdnss_lifetime(cfg),
                                         (const uint8_t(*)[16])cfg->ipv6_ra_rdnss,
                                         rdnss_count(cfg), buf + len, cap - len);
    int dnssl = nd_opt_dnssl_emit(rdnss_lifetime(cfg), cfg->ipv6_ra_dnssl, buf + len, cap - len);
    if (dnssl > 0) /* none configured, or a malformed name: no option */
        len += (size_t)dnssl;
    return len;
}

/* The DNSSL option: each name's text and a length octet per label (at
 * most twice the text: "a b" gives 1 a 0 1 b 0), header and padding. */
#define RA_DNSSL_MAX (2 * sizeof(((struct ust_config *)0)->ipv6_ra_dnssl) + 16)
#define RA_MAX_LEN (ND_RA_LEN + 8 + 8 + RA_ADV_MAX_PREFIXES * 32 + 8 + UST_RA_MAX_DNS * 16 + \
                    RA_DNSSL_MAX)

/* One multicast RA to all-nodes; false when there is no usable link-local
 * source yet (6.2.2: RAs come from the link-local address). */
static bool ra_send(struct ust_stack *st, int ifindex, struct ra_adv *adv, uint16_t lifetime)
{
    struct ust_dev *dev = ip6_dev(st, ifindex);
    struct ipv6_addr src;
    if (!dev || !ip6_link_local_usable(st, ifindex, &src))
        return false;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, RA_MAX_LEN);
    if (!p)
        return true; /* no memory now: the next interval tries again */
    pkt_trim(p, ra_build(st, adv, ust_dev_mac(dev)->b, lifetime, p->data, RA_MAX_LEN));
    char s[IPV6_ADDR_STRLEN];
    const struct ust_config *cfg = ust_stack_config(st);
    TRACE(st, "nd", "%s tx RA from %s: router lifetime %u s, %u prefix%s%s%s%s%s",
          ust_dev_name(dev), IP6STR(&src, s), lifetime, adv->nprefixes,
          adv->nprefixes == 1 ? "" : "es", cfg->ipv6_ra_mtu ? ", mtu option" : "",
          cfg->ipv6_ra_managed ? ", M" : "", cfg->ipv6_ra_other ? ", O" : "",
          rdnss_count(cfg) ? ", rdnss option" : "");
    stack_stats(st)->ra.OutRAs++;
    nd_send_msg(st, ifindex, &src, &all_nodes, NULL, p);
    adv->last_mcast = stack_now(st);
    adv->sent_any = true;
    return true;
}

/* 6.2.4: uniformly distributed between Min and Max; the initial ones at
 * most MAX_INITIAL_RTR_ADVERT_INTERVAL. */
static ust_time_t next_interval(struct ust_stack *st, struct ra_adv *adv)
{
    const struct ust_config *cfg = ust_stack_config(st);
    ust_time_t lo = cfg->ipv6_ra_min_interval, hi = cfg->ipv6_ra_max_interval;
    if (hi < lo)
        hi = lo;
    ust_time_t t = lo + (ust_time_t)rng_below(stack_rng(st), (uint64_t)(hi - lo) + 1);
    if (adv->initial_left > 0 && t > MAX_INITIAL_RTR_ADVERT_INTERVAL)
        t = MAX_INITIAL_RTR_ADVERT_INTERVAL;
    return t;
}

static void ra_timer(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    struct ra_adv *adv = (struct ra_adv *)((char *)t - offsetof(struct ra_adv, timer));
    struct net6_state *n6 = stack_net6(st);
    int ifindex = (int)(((struct ip6_iface *)((char *)adv - offsetof(struct ip6_iface, adv))) -
                        n6->ifs);
    if (!ra_send(st, ifindex, adv, (uint16_t)ust_stack_config(st)->ipv6_ra_router_lifetime)) {
        timer_arm(st, t, now + RA_NO_LINK_LOCAL_RETRY);
        return;
    }
    ust_time_t next = next_interval(st, adv); /* capped after each initial RA */
    if (adv->initial_left > 0)
        adv->initial_left--;
    timer_arm(st, t, now + next);
}

/* 6.2.6: an RS on an advertising interface. Its source link-layer address
 * goes to the neighbour cache (STALE); the answer is the next multicast RA,
 * brought forward to a random time within MAX_RA_DELAY_TIME but no sooner
 * than MIN_DELAY_BETWEEN_RAS after the last one. */
void ra_send_rs_input(struct ust_stack *st, const struct ip6_rx *rx)
{
    struct ra_adv *adv = rx->ifindex >= 0 ? adv_of(st, rx->ifindex) : NULL;
    struct nd_ip ip = {.src = &rx->h->src, .dst = &rx->h->dst, .hop_limit = rx->h->hop_limit};
    struct nd_msg m;
    stack_stats(st)->ra.InRSs++;
    if (!adv || nd_parse(rx->seg, rx->seg_len, &ip, &m) < 0) {
        stack_stats(st)->ra.RsIgnored++; /* 6.1.1 validity, or not a router here */
        return;
    }
    char s[IPV6_ADDR_STRLEN];
    TRACE(st, "nd", "rx RS from %s", IP6STR(&rx->h->src, s));
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, m.opts, m.opts_len);
    const uint8_t *ll;
    size_t ll_len;
    while (nd_opt_next(&it, &o))
        if (o.type == ND_OPT_SLLA && nd_opt_lladdr(&o, &ll, &ll_len) == 0 && ll_len == 6)
            nd_learn(st, rx->ifindex, &rx->h->src, ll, true);
    ust_time_t now = stack_now(st);
    ust_time_t when = now + (ust_time_t)rng_below(stack_rng(st), MAX_RA_DELAY_TIME + 1);
    if (adv->sent_any && when < adv->last_mcast + MIN_DELAY_BETWEEN_RAS)
        when = adv->last_mcast + MIN_DELAY_BETWEEN_RAS;
    if (!timer_armed(&adv->timer) || when < adv->timer.when)
        timer_arm(st, &adv->timer, when);
}

static int prefixes_set(struct ra_adv *adv, const struct ust_ra_prefix *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i].prefix_len < 1 || p[i].prefix_len > 128 ||
            p[i].preferred_lft > p[i].valid_lft)
            return UST_ERR_INVAL;
    for (int i = 0; i < n; i++) {
        struct ra_prefix_adv *a = &adv->prefixes[i];
        memcpy(a->prefix.b, p[i].prefix, 16);
        a->prefix_len = (uint8_t)p[i].prefix_len;
        a->flags = (uint8_t)((p[i].on_link ? ND_PIO_ONLINK : 0) | (p[i].autonomous ? ND_PIO_AUTO : 0));
        a->valid_lft = p[i].valid_lft;
        a->preferred_lft = p[i].preferred_lft;
    }
    adv->nprefixes = (unsigned)n;
    return UST_OK;
}

int ust_ra_advertise(struct ust_stack *st, int ifindex, const struct ust_ra_prefix *p, int n)
{
    if (n < 0 || n > RA_ADV_MAX_PREFIXES || (n > 0 && !p))
        return UST_ERR_INVAL;
    struct ip6_iface *f = ip6_iface(st, ifindex);
    if (!f)
        return UST_ERR_NOTSUP;
    struct ra_adv *adv = &f->adv;
    ust_time_t now = ust_stack_now(st); /* an API call: the schedule starts now */
    if (n == 0) { /* 6.2.5: a final RA with router lifetime 0 */
        if (adv->on)
            ra_send(st, ifindex, adv, 0);
        timer_cancel(st, &adv->timer);
        adv->on = false;
        return UST_OK;
    }
    if (!ust_stack_config(st)->ip_forwarding)
        return UST_ERR_INVAL; /* a host sends no RA (RFC 4861 6.2.4, 6.2.2) */
    int rc = prefixes_set(adv, p, n);
    if (rc != UST_OK)
        return rc;
    if (!adv->on) {
        timer_init(&adv->timer, ra_timer);
        timer_set_background(&adv->timer, true); /* periodic for ever (timer.h) */
        adv->on = true;
        adv->initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS;
        adv->sent_any = false;
        ip6_group_join(st, ifindex, &(struct ipv6_addr){{0xff, 0x02, [15] = 2}});
    }
    /* 6.2.4: the first RA soon after the interface starts advertising. */
    timer_arm(st, &adv->timer, now + (ust_time_t)rng_below(stack_rng(st), MAX_RA_DELAY_TIME + 1));
    return UST_OK;
}

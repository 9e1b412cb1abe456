/* Fuzz target for host autoconfiguration: arbitrary Router Advertisement
 * bytes through the wire parser (nd_parse) into router_list and addrconf,
 * with time passing and DAD outcomes chosen by the input. The input is a
 * sequence of records [ctl][len][len bytes of ICMPv6 message]; ctl bit 0:
 * Hop Limit 254; bit 1: a global source; bits 2-3: which router (fe80::1-4);
 * bits 4-6: minutes to let pass before the message (x 37); bit 7: the DAD
 * runs the message started end "duplicate". After every step the
 * invariants must hold (any violation aborts): bounded lists, routers
 * link-local, no link-local or over-long on-link prefix, MTU within
 * [1280, link MTU], ReachableTime within 0.5-1.5 x base, no deadline left
 * in the past after a tick, lifetimes ordered, temporary addresses within
 * their caps and never link-local, no reserved IID in use, and every
 * address passed to start_dad removed at most once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net6/addrconf.h"
#include "net6/router_list.h"
#include "transport/tcp/tcp.h" /* siphash24 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINK_MTU 1500
#define PENDING_MAX 64

struct world {
    struct ust_config cfg;
    struct router_list rl;
    struct addrconf ac;
    struct ust_ra_stats ra_stats;
    struct ust_addrconf_stats ac_stats;
    struct ust_rng rng;
    ust_time_t now;
    struct ipv6_addr pending[PENDING_MAX];
    unsigned n_pending;
    uint64_t started, removed;
};

static void check(int cond)
{
    if (!cond)
        abort();
}

static void on_start_dad(void *ctx, const struct ac_addr *a)
{
    struct world *w = ctx;
    w->started++;
    if (w->n_pending < PENDING_MAX)
        w->pending[w->n_pending++] = a->addr;
}
static void on_usable(void *ctx, const struct ac_addr *a)
{
    (void)ctx;
    check(a->state == AC_PREFERRED || a->state == AC_DEPRECATED);
}
static void on_removed(void *ctx, const struct ac_addr *a)
{
    struct world *w = ctx;
    check(a->state == AC_DUPLICATE || a->state == AC_INVALID);
    w->removed++;
}
static uint64_t prf(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    static const uint8_t key[16] = "fuzz-ra-key-0123";
    return siphash24(key, msg, len);
}
static const struct ac_ops ac_ops = {on_start_dad, on_usable, on_removed, NULL, prf};

static void check_router_list(const struct world *w)
{
    const struct router_list *rl = &w->rl;
    check(rl->n_routers <= rl->max_routers && rl->n_prefixes <= rl->max_prefixes);
    for (unsigned i = 0; i < rl->n_routers; i++)
        check(ipv6_addr_is_link_local(&rl->routers[i].addr) && rl->routers[i].expires > w->now);
    for (unsigned i = 0; i < rl->n_prefixes; i++)
        check(!ipv6_addr_is_link_local(&rl->prefixes[i].prefix) && rl->prefixes[i].len <= 128 &&
              rl->prefixes[i].expires > w->now);
    check(rl->mtu >= IPV6_MIN_MTU && rl->mtu <= LINK_MTU);
    uint64_t base = (uint64_t)rl->base_reachable_ms * UST_MSEC;
    check(rl->reachable_time >= base / 2 && rl->reachable_time <= base / 2 * 3 + 1);
    check(router_list_next_deadline(rl) > w->now);
}

static void check_addrconf(const struct world *w)
{
    const struct addrconf *ac = &w->ac;
    uint64_t announced = 0;
    for (unsigned i = 0; i < ac->max_addrs; i++) {
        const struct ac_addr *a = &ac->addrs[i];
        if (!a->in_use)
            continue;
        announced += a->announced;
        check(a->valid_until > w->now);
        check(a->state != AC_INVALID);
        check(a->kind == AC_LINK_LOCAL ? ipv6_addr_is_link_local(&a->addr)
                                       : !ipv6_addr_is_link_local(&a->addr));
        check(a->state == AC_DUPLICATE || !ac_iid_reserved(&a->addr));
        if (a->kind == AC_TEMPORARY)
            check(a->valid_until <= a->created + ac->temp_valid &&
                  a->preferred_until <= a->valid_until);
        check(a->dad_counter <= AC_IDGEN_RETRIES);
    }
    check(w->started - w->removed == announced);
    check(addrconf_next_deadline(ac) > w->now);
}

/* Lets time pass to `end`, running every deadline on the way. */
static void advance(struct world *w, ust_time_t end)
{
    for (int guard = 0; guard < 10000; guard++) {
        ust_time_t d = router_list_next_deadline(&w->rl);
        ust_time_t d2 = addrconf_next_deadline(&w->ac);
        d = d2 < d ? d2 : d;
        if (d > end)
            break;
        w->now = d > w->now ? d : w->now;
        router_list_tick(&w->rl, w->now, &w->rng);
        addrconf_tick(&w->ac, w->now);
        check_router_list(w);
        check_addrconf(w);
    }
    w->now = end;
}

static void finish_dads(struct world *w, bool duplicate)
{
    unsigned n = w->n_pending;
    struct ipv6_addr todo[PENDING_MAX];
    memcpy(todo, w->pending, n * sizeof(todo[0]));
    w->n_pending = 0;
    for (unsigned i = 0; i < n; i++)
        (void)addrconf_dad_done(&w->ac, w->now, &todo[i], duplicate);
}

static void step(struct world *w, uint8_t ctl, const uint8_t *msg, size_t len)
{
    advance(w, w->now + (ust_time_t)((ctl >> 4) & 7) * 37 * 60 * UST_SEC);
    struct ipv6_addr src = {{0xfe, 0x80}}, dst = {{0xff, 0x02}};
    dst.b[15] = 1;
    if (ctl & 2)
        src.b[0] = 0x20;
    src.b[15] = (uint8_t)(1 + ((ctl >> 2) & 3));
    struct nd_ip ip = {&src, &dst, (ctl & 1) ? 254 : ND_HOP_LIMIT};
    struct nd_msg m;
    if (router_list_ra_bytes(&w->rl, w->now, &ip, msg, len, &m, &w->rng) == 0)
        addrconf_ra(&w->ac, w->now, &m);
    advance(w, w->now); /* what the RA made due now (the datapath re-arms) */
    check_router_list(w);
    check_addrconf(w);
    finish_dads(w, (ctl & 0x80) != 0);
    advance(w, w->now);
    check_addrconf(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return 0;
    ust_config_default(&w->cfg);
    w->cfg.ipv6_ra_max_routers = 3;
    w->cfg.ipv6_ra_max_prefixes = 4;
    w->cfg.ipv6_max_addrs = 8;
    w->cfg.ipv6_temp_addrs = size > 0 && (data[0] & 1);
    rng_seed(&w->rng, size);
    w->now = 1000 * UST_SEC;
    check(router_list_init(&w->rl, &w->cfg, LINK_MTU, NULL, NULL, &w->ra_stats) == 0);
    check(addrconf_init(&w->ac, &w->cfg, &ac_ops, w, &w->rng, &w->ac_stats, "fz0", 3) == 0);
    addrconf_start(&w->ac, w->now);
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t ctl = data[off], len = data[off + 1];
        off += 2;
        size_t n = len < size - off ? len : size - off;
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
        check(copy != NULL);
        memcpy(copy, data + off, n);
        step(w, ctl, copy, n);
        free(copy);
        off += n;
    }
    advance(w, w->now + 3 * 86400 * UST_SEC);
    addrconf_stop(&w->ac);
    check(w->started == w->removed);
    addrconf_free(&w->ac);
    router_list_free(&w->rl);
    free(w);
    return 0;
}

/* Router and prefix discovery for a host (RFC 4861 6.3.4-6.3.6, RFC 5942,
 * RFC 4191 default router preference): what one interface learnt from
 * Router Advertisements. A pure module: the datapath parses the RA
 * (nd_parse, src/wire/nd.h), hands it here with the IPv6 header fields,
 * asks for on-link determination and the next hop, and drives expiry:
 *
 *     router_list_init(&rl, cfg, link_mtu, ops, ctx, stats);
 *     rc = router_list_ra(&rl, now, &ip, &msg, rng);    // an RA arrived
 *     if (rc == 0) addrconf_ra(&ac, now, &msg);          // its PIOs for SLAAC
 *     router_list_next_hop(&rl, &dst, &nh);              // per destination
 *     arm a timer at router_list_next_deadline(&rl); on it router_list_tick(&rl, now)
 *
 * Times are the stack's clock (ust_time_t, ns); randomness (ReachableTime)
 * comes from the stack's PRNG through the rng argument. Every refusal
 * counts in struct ust_ra_stats (include/ustack/stats.h). */
#ifndef UST_NET6_ROUTER_LIST_H
#define UST_NET6_ROUTER_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rand.h"
#include "ustack/config.h"
#include "ustack/stats.h"
#include "ustack/types.h"
#include "wire/nd.h"

/* RFC 4861 10: host constants. */
#define RL_REACHABLE_TIME_MS 30000u  /* REACHABLE_TIME */
#define RL_RETRANS_TIMER_MS 1000u    /* RETRANS_TIMER */
#define RL_MIN_RANDOM_FACTOR_PCT 50  /* 0.5 */
#define RL_MAX_RANDOM_FACTOR_PCT 150 /* 1.5 */
/* ReachableTime is drawn again at least this often (RFC 4861 6.3.4,
 * "at least every few hours"). */
#define RL_REACHABLE_REDRAW (2 * 3600 * UST_SEC)
#define RL_DEFAULT_HOP_LIMIT 64      /* until an RA says otherwise */

/* RFC 4191 2.2: the Prf field of the RA flags. */
enum rl_pref { RL_PREF_LOW = -1, RL_PREF_MEDIUM = 0, RL_PREF_HIGH = 1 };

struct rl_router {
    struct ipv6_addr addr;   /* link-local (RFC 4861 6.1.2) */
    ust_time_t expires;      /* UST_TIME_NEVER never happens: lifetime <= 9000 s */
    int8_t pref;             /* enum rl_pref */
};

struct rl_prefix {
    struct ipv6_addr prefix; /* bits beyond len are zero */
    uint8_t len;
    ust_time_t expires;      /* UST_TIME_NEVER: infinite valid lifetime */
};

/* What neighbour reachability the datapath knows of a router (RFC 4861
 * 6.3.6): INCOMPLETE or no entry is "unknown or suspect". */
enum rl_reach { RL_REACH_UNKNOWN = 0, RL_REACH_PROBABLY = 1 };

/* Upcalls into the datapath, each may be NULL. */
struct rl_ops {
    /* A router left the Default Router List (expiry, lifetime 0): the
     * destinations through it redo next-hop determination (ND-17). */
    void (*router_removed)(void *ctx, const struct ipv6_addr *router);
    /* An on-link prefix ended: covered destinations are off-link again
     * (RFC 5942 4, ND-20). */
    void (*prefix_removed)(void *ctx, const struct ipv6_addr *prefix, uint8_t len);
    /* The reachability the neighbour cache has of a router (default:
     * unknown for all, so selection is round-robin). */
    enum rl_reach (*router_reach)(void *ctx, const struct ipv6_addr *router);
};

struct router_list {
    struct rl_router *routers;
    unsigned n_routers, max_routers;
    struct rl_prefix *prefixes;
    unsigned n_prefixes, max_prefixes;
    unsigned rr_next;            /* round-robin position (RFC 4861 6.3.6) */
    /* The link parameters RAs set (RFC 4861 6.3.2); 0 fields in an RA
     * leave them as they are (ND-11). */
    uint8_t cur_hop_limit;
    uint32_t base_reachable_ms;
    ust_time_t reachable_time;   /* drawn from base (ND-12) */
    ust_time_t reachable_redraw; /* when to draw it again */
    ust_time_t retrans_timer;
    uint32_t link_mtu;           /* the device's: the MTU option's cap */
    uint32_t mtu;                /* current link MTU (MTU option, ND-14) */
    bool managed, other;         /* M and O flags of the last RA */
    bool accept_ra;              /* cfg.ipv6_accept_ra */
    const struct rl_ops *ops;
    void *ctx;
    struct ust_ra_stats *stats;
};

/* Lists sized from cfg (ipv6_ra_max_routers, ipv6_ra_max_prefixes);
 * UST_ERR_NOMEM. stats: the stack's counters (never NULL). */
int router_list_init(struct router_list *rl, const struct ust_config *cfg, uint32_t link_mtu,
                     const struct rl_ops *ops, void *ctx, struct ust_ra_stats *stats);
void router_list_free(struct router_list *rl);
/* Forgets every router, prefix and RA-set link parameter (back to
 * router_list_init's defaults), without calling the ops: the link changed
 * (ust_iface_set_link). */
void router_list_clear(struct router_list *rl);

/* Processes an RA (RFC 4861 6.3.4). ip: the IPv6 header fields; m: what
 * nd_parse() made of the message. Returns 0 when it was accepted (its PIOs
 * may then go to addrconf_ra), or a negative ust_err when it was ignored:
 * not an RA, hop limit != 255 or a source that is not link-local (ND-4,
 * checked here too: the caller gives the header fields), or accept_ra off.
 * Options of a wrong length are skipped, the rest is processed (ND-1). */
int router_list_ra(struct router_list *rl, ust_time_t now, const struct nd_ip *ip,
                   const struct nd_msg *m, struct ust_rng *rng);
/* The same from the message bytes (checksum verified by the caller):
 * nd_parse() first, a malformed RA counted in RaMalformed. m receives the
 * parse for addrconf_ra. */
int router_list_ra_bytes(struct router_list *rl, ust_time_t now, const struct nd_ip *ip,
                         const uint8_t *msg, size_t len, struct nd_msg *m, struct ust_rng *rng);

/* On-link determination (RFC 4861 5.2, RFC 5942): link-local and multicast
 * destinations are on-link; otherwise only those inside a prefix from a PIO
 * with L=1 (longest match). Nothing else is ever assumed on-link. */
bool router_list_on_link(const struct router_list *rl, const struct ipv6_addr *dst);
/* Default router choice (RFC 4861 6.3.6, RFC 4191 3.2): the most preferred
 * router that is probably reachable; when none is, the next in round-robin
 * order. 0, or UST_ERR_NOROUTE with an empty list. */
int router_list_select(struct router_list *rl, struct ipv6_addr *router);
/* Next hop: dst itself when on-link, else a default router; UST_ERR_NOROUTE
 * when neither (RFC 5942 4: never assume on-link, ND-19). */
int router_list_next_hop(struct router_list *rl, const struct ipv6_addr *dst,
                         struct ipv6_addr *nh);

/* Removes router from the Default Router List (RFC 4861 7.2.5, 7.3.3: its
 * IsRouter flag went FALSE), calling ops->router_removed; false if it was
 * not in the list. */
bool router_list_drop(struct router_list *rl, const struct ipv6_addr *router);

/* Expires routers and prefixes whose lifetime ended (calling the ops) and
 * draws ReachableTime again when due. */
void router_list_tick(struct router_list *rl, ust_time_t now, struct ust_rng *rng);
/* The earliest time router_list_tick has work, or UST_TIME_NEVER. */
ust_time_t router_list_next_deadline(const struct router_list *rl);

#endif

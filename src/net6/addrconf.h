/* IPv6 stateless address autoconfiguration for one interface (RFC 4862),
 * with RFC 7217 stable-privacy interface identifiers, RFC 8981 temporary
 * addresses and the Router Solicitation schedule (RFC 4861 6.3.7, RFC
 * 7559). A pure module: it decides which addresses exist and in which
 * state; the datapath (src/net6 ipv6/nd code) runs DAD, holds the
 * interface's address list, and sends what the callbacks ask:
 *
 *     addrconf_init(&ac, cfg, &ops, ctx, rng, stats, net_iface, len);
 *     addrconf_start(&ac, now);              // interface up: link-local, RS
 *     addrconf_ra(&ac, now, &msg);           // an RA router_list_ra accepted
 *     addrconf_dad_done(&ac, now, &a, dup);  // the DAD started by ops->start_dad ended
 *     arm a timer at addrconf_next_deadline(&ac); on it addrconf_tick(&ac, now)
 *
 * An address reaches the datapath through ops->start_dad (tentative: join
 * its solicited-node group, send the DAD NSs, accept no traffic to it),
 * becomes usable with ops->addr_usable (preferred or deprecated: read
 * a->state; called again on each change between the two) and leaves with
 * ops->addr_removed (duplicate or invalid), exactly once for every address
 * passed to start_dad. A callback may call back into this module (e.g.
 * addrconf_dad_done from start_dad when DupAddrDetectTransmits is 0). */
#ifndef UST_NET6_ADDRCONF_H
#define UST_NET6_ADDRCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rand.h"
#include "ustack/config.h"
#include "ustack/stats.h"
#include "ustack/types.h"
#include "wire/nd.h"

#define AC_IID_BITS 64
#define AC_TWO_HOURS (2 * 3600 * UST_SEC)        /* RFC 4862 5.5.3 e */
#define AC_IDGEN_RETRIES 3                        /* RFC 7217 7 */
#define AC_IDGEN_DELAY UST_SEC                    /* RFC 7217 6: 0..1 s before a retry */
#define AC_TEMP_IDGEN_RETRIES 3                   /* RFC 8981 3.8 */
#define AC_MAX_DESYNC_PCT 40                      /* MAX_DESYNC_FACTOR 0.4 x TEMP_PREFERRED */
#define AC_MAX_RTR_SOLICITATION_DELAY UST_SEC     /* RFC 4861 10 */
#define AC_RTR_SOLICITATION_INTERVAL (4 * UST_SEC) /* RFC 4861 10; RFC 7559 IRT */
#define AC_MAX_RTR_SOLICITATION_INTERVAL (3600 * UST_SEC) /* RFC 7559 MRT */
#define AC_NET_IFACE_MAX 32
#define AC_NETWORK_ID_MAX 32

enum ac_state { AC_TENTATIVE, AC_PREFERRED, AC_DEPRECATED, AC_DUPLICATE, AC_INVALID };
enum ac_kind { AC_LINK_LOCAL, AC_STABLE, AC_TEMPORARY };

struct ac_addr {
    struct ipv6_addr addr;
    uint8_t prefix_len;          /* 64 */
    uint8_t kind;                /* enum ac_kind */
    uint8_t state;               /* enum ac_state */
    uint8_t dad_counter;         /* RFC 7217 DAD_Counter; temporary: tries */
    bool in_use;                 /* the slot holds an address */
    bool announced;              /* passed to start_dad and not removed yet */
    bool regen_done;             /* temporary: its successor was made */
    bool no_regen;               /* temporary: deprecated by a PIO with preferred
                                    lifetime 0, not replaced (RFC 8981 3.6) */
    ust_time_t dad_at;           /* tentative: when start_dad is due (NEVER: done) */
    ust_time_t preferred_until;  /* UST_TIME_NEVER: infinite */
    ust_time_t valid_until;
    ust_time_t created;
    ust_time_t desync;           /* temporary: its DESYNC_FACTOR */
};

struct ac_ops {
    void (*start_dad)(void *ctx, const struct ac_addr *a);
    void (*addr_usable)(void *ctx, const struct ac_addr *a);
    void (*addr_removed)(void *ctx, const struct ac_addr *a);
    void (*send_rs)(void *ctx);
    /* RFC 7217 F(): a keyed pseudorandom function of msg (the datapath's
     * secret key, e.g. SipHash-2-4 as the TCP ISN uses); 64 bits used. */
    uint64_t (*prf)(void *ctx, const uint8_t *msg, size_t len);
};

struct addrconf {
    struct ac_addr *addrs;
    unsigned max_addrs;
    const struct ac_ops *ops;
    void *ctx;
    struct ust_rng *rng;         /* the stack's PRNG */
    struct ust_addrconf_stats *stats;
    bool autoconf, temp_addrs;
    ust_time_t temp_valid, temp_preferred, regen_advance;
    uint8_t net_iface[AC_NET_IFACE_MAX];   /* RFC 7217 Net_Iface */
    size_t net_iface_len;
    uint8_t network_id[AC_NETWORK_ID_MAX]; /* RFC 7217 Network_ID (optional) */
    size_t network_id_len;
    /* Router Solicitations */
    unsigned rs_max, rs_sent;
    ust_time_t rs_next;          /* UST_TIME_NEVER: not soliciting */
    ust_time_t rs_rt;            /* RFC 7559: the last retransmission interval */
};

/* cfg: ipv6_autoconf, ipv6_temp_addrs, ipv6_temp_*_lft, ipv6_rs_max,
 * ipv6_max_addrs. net_iface: a stable name of the interface (RFC 7217
 * Net_Iface, at most AC_NET_IFACE_MAX bytes). UST_ERR_NOMEM / _INVAL. */
int addrconf_init(struct addrconf *ac, const struct ust_config *cfg, const struct ac_ops *ops,
                  void *ctx, struct ust_rng *rng, struct ust_addrconf_stats *stats,
                  const void *net_iface, size_t net_iface_len);
void addrconf_free(struct addrconf *ac);
/* REGEN_ADVANCE = 2 s + TEMP_IDGEN_RETRIES x DupAddrDetectTransmits x
 * RetransTimer (RFC 8981 3.8); the datapath's values (default 1, 1 s). */
void addrconf_set_dad_params(struct addrconf *ac, unsigned dad_transmits,
                             ust_time_t retrans_timer);

/* The interface came up (or joined a new link): the link-local address
 * (SLAAC-2, RFC 7217 IID) and Router Solicitations, each after a random
 * 0..1 s delay (RFC 4862 5.4.2, RFC 4861 6.3.7). */
void addrconf_start(struct addrconf *ac, ust_time_t now);
/* The interface went down or moved to another link: every address is
 * removed (addr_removed for those the datapath knew) and soliciting stops.
 * addrconf_start afterwards forms new ones (RFC 8981 3.6, TEMP-6). */
void addrconf_stop(struct addrconf *ac);
/* An RA that router_list_ra accepted: a non-zero Router Lifetime ends the
 * solicitations (ND-10); PIOs with A=1 form or refresh addresses (RFC 4862
 * 5.5.3) when autoconf is on. */
void addrconf_ra(struct addrconf *ac, ust_time_t now, const struct nd_msg *m);
/* One Prefix Information option (RFC 4862 5.5.3 a-e). */
void addrconf_pio(struct addrconf *ac, ust_time_t now, const struct nd_prefix_info *pi);
/* DAD of a ended: unique (the address becomes usable) or duplicate (removed;
 * a stable one is formed again with DAD_Counter + 1 after 0..1 s, up to
 * IDGEN_RETRIES, RFC 7217 6; a temporary one with a new random IID, up to
 * TEMP_IDGEN_RETRIES). UST_ERR_NOENT when a is not a tentative address. */
int addrconf_dad_done(struct addrconf *ac, ust_time_t now, const struct ipv6_addr *a,
                      bool duplicate);

void addrconf_tick(struct addrconf *ac, ust_time_t now);
ust_time_t addrconf_next_deadline(const struct addrconf *ac);
/* Is an address waiting for its DAD to start (RFC 4862 5.4.2's random
 * delay)? That is work the stack waits for; the rest of the module's
 * deadlines (Router Solicitations, lifetimes) are background housekeeping. */
bool addrconf_dad_pending(const struct addrconf *ac);
/* The entry holding a (any state), or NULL. */
const struct ac_addr *addrconf_find(const struct addrconf *ac, const struct ipv6_addr *a);

/* ---- inside the module (addrconf_iid.c, addrconf_temp.c, addrconf_rs.c) ---- */
/* RFC 5453 reserved IIDs (bytes 8..15 of a). */
bool ac_iid_reserved(const struct ipv6_addr *a);
/* Fills bytes 8..15 of e->addr: RFC 7217 F(prefix, Net_Iface, Network_ID,
 * DAD_Counter, key) for link-local and stable, random for temporary; an
 * IID that is reserved or already used on the prefix counts IidRefused and
 * moves to the next DAD_Counter / draw. false when the retries ran out. */
bool ac_make_iid(struct addrconf *ac, struct ac_addr *e);
struct ac_addr *ac_alloc(struct addrconf *ac);
/* A new tentative address from the /64 of prefix (kind: enum ac_kind);
 * start_dad is due after `delay`. NULL: no slot or no acceptable IID. */
struct ac_addr *ac_new_addr(struct addrconf *ac, ust_time_t now, uint8_t kind,
                            const struct ipv6_addr *prefix, ust_time_t delay);
struct ac_addr *ac_stable_for(struct addrconf *ac, const struct ipv6_addr *prefix);
/* false: temporaries off, no preferred lifetime left (TEMP-3), no slot. */
bool ac_temp_create(struct addrconf *ac, ust_time_t now, const struct ac_addr *stable);
void ac_temp_refresh(struct addrconf *ac, ust_time_t now, const struct ac_addr *stable,
                     uint32_t preferred_secs);
void ac_temp_regen(struct addrconf *ac, ust_time_t now, struct ac_addr *t);
ust_time_t ac_temp_regen_at(const struct addrconf *ac, const struct ac_addr *t);
/* e leaves the datapath's list in `state` (duplicate or invalid):
 * addr_removed if it was announced. */
void ac_withdraw(struct addrconf *ac, struct ac_addr *e, uint8_t state);
void ac_rs_start(struct addrconf *ac, ust_time_t now);
void ac_rs_tick(struct addrconf *ac, ust_time_t now);
ust_time_t ac_expiry(ust_time_t now, uint32_t secs);
ust_time_t ac_random_delay(struct addrconf *ac, ust_time_t max);

#endif

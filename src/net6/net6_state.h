/* The state the IPv6 layer owns: per-interface addresses, routes, the
 * neighbour cache, reassembly, the path-MTU cache, ICMPv6's rate limiter,
 * the protocol table and the queue of packets to ourselves. It lives in
 * struct ust_stack (core/stack_impl.h); net6 code reaches it through
 * stack_net6(), a plain call core/stack.c implements. */
#ifndef UST_NET6_STATE_H
#define UST_NET6_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf/pkt.h"
#include "core/timer.h"
#include "ustack/config.h"
#include "ustack/types.h"
#include "wire/ipv6.h"
#include "mld6.h"

struct ip6_proto_ops;

/* ---- addresses (ipv6_addr.c, dad.c) ---- */
enum ip6_addr_state {
    IP6A_TENTATIVE,  /* DAD running: not a source, NS for it not answered (RFC 4862 5.4) */
    IP6A_PREFERRED,
    IP6A_DEPRECATED, /* still received, not chosen as a source */
    IP6A_DUPLICATED, /* DAD found another node with it: never used */
};
enum ip6_addr_origin { IP6A_LINK_LOCAL, IP6A_STATIC, IP6A_AUTOCONF };

struct ip6_ifaddr {
    bool used;
    struct ipv6_addr addr;
    uint8_t prefix_len;
    uint8_t state;             /* enum ip6_addr_state */
    uint8_t origin;            /* enum ip6_addr_origin */
    bool temporary;            /* an RFC 8981 temporary address (RFC 6724 rule 7) */
    int ifindex;
    uint32_t valid_lft;        /* seconds; UINT32_MAX: infinite (RFC 4862 5.5.3) */
    uint32_t preferred_lft;
    ust_time_t created;
    unsigned dad_left;         /* DAD NS still to send */
    unsigned dad_counter;      /* RFC 7217 DAD_Counter this address was made with */
    struct ust_timer dad_timer;
};

struct ip6_autoconf;
/* An advertising interface (ra_send.c, RFC 4861 6.2): the prefixes its RAs
 * carry and the schedule of the next one. */
#define RA_ADV_MAX_PREFIXES 4
struct ra_prefix_adv {
    struct ipv6_addr prefix;
    uint8_t prefix_len, flags; /* ND_PIO_ONLINK | ND_PIO_AUTO */
    uint32_t valid_lft, preferred_lft;
};
struct ra_adv {
    bool on;                   /* AdvSendAdvertisements */
    struct ra_prefix_adv prefixes[RA_ADV_MAX_PREFIXES];
    unsigned nprefixes;
    unsigned initial_left;     /* MAX_INITIAL_RTR_ADVERTISEMENTS still to send */
    ust_time_t last_mcast;     /* the last multicast RA (MIN_DELAY_BETWEEN_RAS) */
    bool sent_any;
    struct ust_timer timer;    /* the next RA */
};
struct ip6_iface {
    bool enabled;
    struct ra_adv adv;
    struct ip6_ifaddr addrs[UST_MAX_ADDRS6];
    struct ip6_autoconf *ra;   /* router discovery and SLAAC (slaac.c); NULL:
                                  cfg.ipv6_accept_ra off */
    unsigned dad_transmits;    /* DupAddrDetectTransmits of this interface (RFC
                                  4862 5.1): cfg.ipv6_dad_transmits, then
                                  ust_iface_set_dad_transmits (dad.c) */
    bool link_down;            /* ust_iface_set_link(false) (ipv6_link.c) */
};

/* ---- routes (route6.c): on-link prefixes and default routers ---- */
struct route6 {
    struct ipv6_addr prefix;
    uint8_t prefix_len;
    bool has_gw;
    struct ipv6_addr gw;       /* link-local or global next hop */
    int ifindex;
};
struct route6_table {
    struct route6 r[UST_MAX_ROUTES];
    unsigned n;
};

/* ---- the neighbour cache (nd_cache.c), RFC 4861 7.3.2 ---- */
enum nd_state { ND_INCOMPLETE, ND_REACHABLE, ND_STALE, ND_DELAY, ND_PROBE };
struct nd_entry {
    struct ipv6_addr ip;
    int ifindex;
    struct ust_mac mac;
    enum nd_state state;
    bool is_router;
    unsigned probes;           /* NS sent in INCOMPLETE / PROBE */
    ust_time_t reachable_time; /* this entry's random ReachableTime */
    ust_time_t confirmed;      /* last reachability confirmation */
    ust_time_t used;           /* last packet sent through it */
    struct pkt_queue pending;  /* packets awaiting resolution (cfg.nd_queue_len) */
    struct ust_timer timer;
};
struct nd_table {
    struct nd_entry **v;       /* unordered; bounded by cfg.nd_max_entries */
    unsigned count, cap;
};

/* ---- reassembly (reasm6.c), RFC 8200 4.5 ---- */
struct reasm6 {
    struct ipv6_addr src, dst;
    uint32_t id;
    int ifindex;
    bool dead;                 /* an overlap was seen: everything dropped (RFC 5722) */
    bool have_first, have_last;
    uint8_t *unfrag;           /* the first fragment's headers before the Fragment header */
    size_t unfrag_len;
    uint8_t next_hdr;          /* the first fragment's Fragment header Next Header */
    uint8_t *first;            /* the first fragment as received, for Time Exceeded */
    size_t first_len;
    uint8_t *data;             /* fragmentable part, data[0..cap) */
    size_t cap;
    size_t total;              /* length of the fragmentable part (once last seen) */
    uint8_t *blocks;           /* bitmap of received 8-octet blocks */
    size_t mem;                /* bytes charged to the table */
    struct ust_timer timer;
    struct ust_stack *st;
};
struct reasm6_table {
    struct reasm6 **v;
    unsigned count;
    size_t mem;
};

/* ---- path MTU (pmtu6.c), RFC 8201 ---- */
#define PMTU6_ENTRIES 64
struct pmtu6_entry {
    struct ipv6_addr dst;
    unsigned mtu;              /* 0: slot free */
    ust_time_t expires;
};

/* ---- the Destination Cache's redirected entries (redirect6_cache.c), RFC
 * 4861 8.3: per destination the next hop a valid Redirect named ---- */
#define REDIR6_ENTRIES 64
struct redir6_entry {
    struct ipv6_addr dst;
    struct ipv6_addr nh;       /* the target: a router, or dst itself (on-link) */
    int ifindex;
    ust_time_t expires;        /* 0: slot free */
};

struct net6_state {
    const struct ip6_proto_ops *by_proto[256];
    struct ip6_iface ifs[UST_MAX_IFACES]; /* by interface index */
    struct route6_table routes;
    struct nd_table nd;
    struct reasm6_table reasm;
    struct pmtu6_entry pmtu[PMTU6_ENTRIES];
    ust_time_t icmp6_tat;      /* error rate limiter (core/ratelimit.h) */
    ust_time_t redirect_tat;   /* Redirects sent by a router (RFC 4861 8.2) */
    struct pkt_queue local;    /* packets to ourselves, delivered by poll */
    uint8_t secret[16];        /* RFC 7217 secret_key: cfg.ipv6_stable_secret, else
                               from the stack PRNG when the first interface gets
                               IPv6 (a stack without IPv6 draws nothing: its IPv4
                               runs stay as they were) */
    bool have_secret;
    struct mld6_state mld;     /* mld6.c: listened groups per interface */
    struct redir6_entry redir[REDIR6_ENTRIES];
};

/* This stack's IPv6 state (core/stack.c). */
struct net6_state *stack_net6(struct ust_stack *st);
const struct net6_state *stack_net6_const(const struct ust_stack *st);

#endif

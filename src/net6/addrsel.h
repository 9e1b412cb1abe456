/* RFC 6724 default address selection, as pure functions over arrays: the
 * source address for a destination (Section 5, rules 1-8) and the order of
 * a getaddrinfo result (Section 6, rules 1-10), with the policy table of
 * Section 2.1 (or one the caller configures). IPv4 addresses take part as
 * IPv4-mapped addresses (::ffff:a.b.c.d, Section 2). No state, no time. */
#ifndef UST_NET6_ADDRSEL_H
#define UST_NET6_ADDRSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ipv6.h"

/* One row of the policy table (RFC 6724 2.1). */
struct as_policy {
    struct ipv6_addr prefix;
    uint8_t len;
    uint8_t precedence;
    uint8_t label;
};
/* The default table of RFC 6724 2.1 (9 rows). */
extern const struct as_policy as_default_policy[];
extern const size_t as_default_policy_len;

/* Scope values (RFC 4291 2.7 / RFC 6724 3.1). */
#define AS_SCOPE_LINK 0x2
#define AS_SCOPE_SITE 0x5
#define AS_SCOPE_GLOBAL 0xe

/* A candidate source address: what the datapath knows of an address of one
 * of its interfaces that may be used (assigned: not tentative, duplicate or
 * invalid, RFC 4862 5.5.4, SLAAC-16). */
struct as_cand {
    struct ipv6_addr addr;
    uint8_t prefix_len;   /* the prefix part (0: 64), bounds rule 8's match */
    int ifindex;
    bool deprecated;      /* rule 3 */
    bool home, care_of;   /* rule 4 (Mobile IPv6; both false on a plain host) */
    bool temporary;       /* rule 7 (RFC 8981) */
    bool from_next_hop;   /* rule 5.5: in a prefix the chosen next hop advertised
                             (RFC 8028) */
};

struct as_opts {
    const struct as_policy *policy; /* NULL: the default table */
    size_t policy_len;
    int out_ifindex;       /* the outgoing interface (rule 5; -1 unknown) */
    bool prefer_public;    /* IPV6_PREFER_SRC_PUBLIC: rule 7 reversed (SAS-5) */
};

/* Scope, precedence and label of an address. */
uint8_t as_scope(const struct ipv6_addr *a);
const struct as_policy *as_policy_lookup(const struct as_opts *o, const struct ipv6_addr *a);
/* Leading bits a and b share, up to max (RFC 6724 2.2: CommonPrefixLen). */
unsigned as_common_prefix(const struct ipv6_addr *a, const struct ipv6_addr *b, unsigned max);
/* ::ffff:a.b.c.d for the IPv4 address ip (host order). */
void as_v4_mapped(uint32_t ip, struct ipv6_addr *out);
bool as_is_v4_mapped(const struct ipv6_addr *a);

/* The best source for dst among c[0..n) (RFC 6724 5): the index, or -1 when
 * no candidate is allowed. The candidate set (Section 4, SAS-3) leaves out
 * multicast and :: candidates, those of the other family (IPv4-mapped vs
 * IPv6), and, for a link-local or link-scope multicast dst, candidates on
 * another interface than o->out_ifindex (when it is known). */
int as_select_source(const struct as_cand *c, size_t n, const struct ipv6_addr *dst,
                     const struct as_opts *o);

/* A destination to sort (RFC 6724 6), with the source chosen for it. */
struct as_dst {
    struct ipv6_addr addr;
    bool unreachable;      /* rule 1: known unreachable (the caller's knowledge) */
    bool tunneled;         /* rule 7: reached through an encapsulating mechanism */
    bool has_src;          /* false: no source exists (rule 1) */
    struct as_cand src;
    size_t index;          /* position in the caller's list (rule 10) */
};
/* Sorts d[0..n) in place by rules 1-10; stable (rule 10 keeps the order). */
void as_sort_destinations(struct as_dst *d, size_t n, const struct as_opts *o);
/* For each d[i].addr picks the source from c[0..nc) (as_select_source),
 * then sorts: what getaddrinfo does with its results. */
void as_order_destinations(struct as_dst *d, size_t n, const struct as_cand *c, size_t nc,
                           const struct as_opts *o);

#endif

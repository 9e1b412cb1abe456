/* RFC 6724 default address selection: source rules 1-8 (Section 5) and
 * destination rules 1-10 (Section 6) over arrays the caller fills. */
#include "addrsel.h"

#define A16(...) {{__VA_ARGS__}}
/* RFC 6724 2.1, the default policy table. */
const struct as_policy as_default_policy[] = {
    {A16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 128, 50, 0},      /* ::1/128 */
    {A16(0), 0, 40, 1},                                                     /* ::/0 */
    {A16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff), 96, 35, 4},            /* ::ffff:0:0/96 */
    {A16(0x20, 0x02), 16, 30, 2},                                           /* 2002::/16 */
    {A16(0x20, 0x01, 0, 0), 32, 5, 5},                                      /* 2001::/32 */
    {A16(0xfc), 7, 3, 13},                                                  /* fc00::/7 */
    {A16(0), 96, 1, 3},                                                     /* ::/96 */
    {A16(0xfe, 0xc0), 10, 1, 11},                                           /* fec0::/10 */
    {A16(0x3f, 0xfe), 16, 1, 12},                                           /* 3ffe::/16 */
};
const size_t as_default_policy_len = sizeof(as_default_policy) / sizeof(as_default_policy[0]);

unsigned as_common_prefix(const struct ipv6_addr *a, const struct ipv6_addr *b, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < IPV6_ADDR_LEN && n < max; i++) {
        uint8_t x = a->b[i] ^ b->b[i];
        if (!x) {
            n += 8;
            continue;
        }
        while (!(x & 0x80)) {
            n++;
            x = (uint8_t)(x << 1);
        }
        break;
    }
    return n < max ? n : max;
}

void as_v4_mapped(uint32_t ip, struct ipv6_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->b[10] = out->b[11] = 0xff;
    for (int i = 0; i < 4; i++)
        out->b[12 + i] = (uint8_t)(ip >> (24 - 8 * i));
}

bool as_is_v4_mapped(const struct ipv6_addr *a)
{
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

/* RFC 6724 3.1 and 3.2: unicast scopes; IPv4 loopback and 169.254/16 are
 * link-local, every other IPv4 address global; ULAs are global. */
uint8_t as_scope(const struct ipv6_addr *a)
{
    if (ipv6_addr_is_multicast(a))
        return ipv6_mcast_scope(a);
    if (as_is_v4_mapped(a)) {
        bool ll = a->b[12] == 127 || (a->b[12] == 169 && a->b[13] == 254);
        return ll ? AS_SCOPE_LINK : AS_SCOPE_GLOBAL;
    }
    if (ipv6_addr_is_link_local(a) || ipv6_addr_is_loopback(a))
        return AS_SCOPE_LINK;
    if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0xc0)
        return AS_SCOPE_SITE; /* fec0::/10, deprecated but still scoped */
    return AS_SCOPE_GLOBAL;
}

/* Longest matching row (RFC 6724 2.1). A table without ::/0 still answers. */
const struct as_policy *as_policy_lookup(const struct as_opts *o, const struct ipv6_addr *a)
{
    const struct as_policy *t = o && o->policy ? o->policy : as_default_policy;
    size_t n = o && o->policy ? o->policy_len : as_default_policy_len;
    static const struct as_policy none = {A16(0), 0, 0, 0};
    const struct as_policy *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (as_common_prefix(&t[i].prefix, a, t[i].len) < t[i].len)
            continue;
        if (!best || t[i].len > best->len)
            best = &t[i];
    }
    return best ? best : &none;
}

static unsigned src_prefix_len(const struct as_cand *c)
{
    return c->prefix_len ? c->prefix_len : 64;
}

/* Section 4: which candidates may be considered at all. */
static bool cand_allowed(const struct as_cand *c, const struct ipv6_addr *dst,
                         const struct as_opts *o)
{
    if (ipv6_addr_is_multicast(&c->addr) || ipv6_addr_is_unspecified(&c->addr))
        return false;
    if (as_is_v4_mapped(&c->addr) != as_is_v4_mapped(dst))
        return false;
    bool link_dst = as_scope(dst) <= AS_SCOPE_LINK;
    if (link_dst && o && o->out_ifindex >= 0 && c->ifindex != o->out_ifindex)
        return false;
    return true;
}

/* > 0: prefer a, < 0: prefer b, 0: tie. Each rule only breaks the ties of
 * the ones before (Section 5). */
static int cmp_bool(bool a, bool b) { return (int)a - (int)b; }

static int src_rule2(const struct as_cand *a, const struct as_cand *b,
                     const struct ipv6_addr *dst)
{
    uint8_t sa = as_scope(&a->addr), sb = as_scope(&b->addr), sd = as_scope(dst);
    if (sa < sb)
        return sa < sd ? -1 : 1;
    if (sb < sa)
        return sb < sd ? 1 : -1;
    return 0;
}

static int src_rule4(const struct as_cand *a, const struct as_cand *b)
{
    bool a_both = a->home && a->care_of, b_both = b->home && b->care_of;
    if (a_both != b_both)
        return cmp_bool(a_both, b_both);
    if (a->home && !a->care_of && b->care_of && !b->home)
        return 1;
    if (b->home && !b->care_of && a->care_of && !a->home)
        return -1;
    return 0;
}

static int src_compare(const struct as_cand *a, const struct as_cand *b,
                       const struct ipv6_addr *dst, const struct as_opts *o)
{
    int r;
    if ((r = cmp_bool(ipv6_addr_eq(&a->addr, dst), ipv6_addr_eq(&b->addr, dst))))
        return r; /* rule 1: same address */
    if ((r = src_rule2(a, b, dst)))
        return r; /* rule 2: appropriate scope */
    if ((r = cmp_bool(!a->deprecated, !b->deprecated)))
        return r; /* rule 3: avoid deprecated */
    if ((r = src_rule4(a, b)))
        return r; /* rule 4: home addresses */
    int oif = o ? o->out_ifindex : -1;
    if (oif >= 0 && (r = cmp_bool(a->ifindex == oif, b->ifindex == oif)))
        return r; /* rule 5: outgoing interface */
    if ((r = cmp_bool(a->from_next_hop, b->from_next_hop)))
        return r; /* rule 5.5: prefix of the next hop (RFC 8028) */
    uint8_t ld = as_policy_lookup(o, dst)->label;
    if ((r = cmp_bool(as_policy_lookup(o, &a->addr)->label == ld,
                      as_policy_lookup(o, &b->addr)->label == ld)))
        return r; /* rule 6: matching label */
    bool pub = o && o->prefer_public;
    if ((r = cmp_bool(a->temporary != pub, b->temporary != pub)))
        return r; /* rule 7: temporary (or public, if asked) */
    unsigned ca = as_common_prefix(&a->addr, dst, src_prefix_len(a));
    unsigned cb = as_common_prefix(&b->addr, dst, src_prefix_len(b));
    return ca > cb ? 1 : ca < cb ? -1 : 0; /* rule 8: longest matching prefix */
}

int as_select_source(const struct as_cand *c, size_t n, const struct ipv6_addr *dst,
                     const struct as_opts *o)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!cand_allowed(&c[i], dst, o))
            continue;
        if (best < 0 || src_compare(&c[i], &c[best], dst, o) > 0)
            best = (int)i;
    }
    return best;
}

/* > 0: a sorts before b (Section 6). */
static int dst_compare(const struct as_dst *a, const struct as_dst *b, const struct as_opts *o)
{
    int r;
    if ((r = cmp_bool(a->has_src && !a->unreachable, b->has_src && !b->unreachable)))
        return r; /* rule 1: avoid unusable destinations */
    if (!a->has_src || !b->has_src)
        return 0;
    const struct as_cand *sa = &a->src, *sb = &b->src;
    uint8_t da = as_scope(&a->addr), db = as_scope(&b->addr);
    if ((r = cmp_bool(da == as_scope(&sa->addr), db == as_scope(&sb->addr))))
        return r; /* rule 2: matching scope */
    if ((r = cmp_bool(!sa->deprecated, !sb->deprecated)))
        return r; /* rule 3: avoid deprecated addresses */
    if ((r = src_rule4(sa, sb)))
        return r; /* rule 4: home addresses, as source rule 4 */
    const struct as_policy *pa = as_policy_lookup(o, &a->addr), *pb = as_policy_lookup(o, &b->addr);
    if ((r = cmp_bool(as_policy_lookup(o, &sa->addr)->label == pa->label,
                      as_policy_lookup(o, &sb->addr)->label == pb->label)))
        return r; /* rule 5: matching label */
    if (pa->precedence != pb->precedence)
        return pa->precedence > pb->precedence ? 1 : -1; /* rule 6 */
    if ((r = cmp_bool(!a->tunneled, !b->tunneled)))
        return r; /* rule 7: native transport */
    if (da != db)
        return da < db ? 1 : -1; /* rule 8: smaller scope */
    if (as_is_v4_mapped(&a->addr) == as_is_v4_mapped(&b->addr)) {
        unsigned ca = as_common_prefix(&a->addr, &sa->addr, src_prefix_len(sa));
        unsigned cb = as_common_prefix(&b->addr, &sb->addr, src_prefix_len(sb));
        if (ca != cb)
            return ca > cb ? 1 : -1; /* rule 9: longest matching prefix */
    }
    return 0; /* rule 10: leave the order */
}

/* Insertion sort: stable, and getaddrinfo lists are short. */
void as_sort_destinations(struct as_dst *d, size_t n, const struct as_opts *o)
{
    for (size_t i = 1; i < n; i++) {
        struct as_dst x = d[i];
        size_t j = i;
        while (j > 0 && dst_compare(&x, &d[j - 1], o) > 0) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = x;
    }
}

void as_order_destinations(struct as_dst *d, size_t n, const struct as_cand *c, size_t nc,
                           const struct as_opts *o)
{
    for (size_t i = 0; i < n; i++) {
        int s = as_select_source(c, nc, &d[i].addr, o);
        d[i].index = i;
        d[i].has_src = s >= 0;
        if (s >= 0)
            d[i].src = c[s];
    }
    as_sort_destinations(d, n, o);
}

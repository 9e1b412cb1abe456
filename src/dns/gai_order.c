/* getaddrinfo's result order and AI_ADDRCONFIG. The order is RFC 6724 6
 * (net6/addrsel.c does the rules): each destination gets the source the
 * stack would use for it (IPv4 ones as IPv4-mapped addresses, Section 2),
 * then rules 1-10 sort, so an AF_UNSPEC lookup puts IPv6 first only when
 * the stack has an IPv6 source that fits (rule 1: no source, last; rule 2
 * and 8: scope; rule 5: label; rule 6: precedence; rule 9: prefix). */
#include <string.h>

#include "net/net.h"
#include "net6/addrsel.h"
#include "net6/net6.h"
#include "query.h"
#include "ustack/stack.h"

static const uint8_t LOOPBACK6[16] = {[15] = 1};

/* The destination with the source the stack would pick for it. */
static void dst_with_source(const struct ust_stack *st, const struct ust_addr *a,
                            struct as_dst *d)
{
    memset(d, 0, sizeof(*d));
    if (a->family == UST_AF_INET) {
        as_v4_mapped(a->u.v4, &d->addr);
        ust_ip4_t src = ipv4_source_for(st, a->u.v4);
        d->has_src = src != 0;
        as_v4_mapped(src, &d->src.addr);
        d->src.prefix_len = 96 + 24; /* rule 9 is not applied to IPv4 (RFC 6724 6) */
        return;
    }
    memcpy(d->addr.b, a->u.v6, 16);
    int ifindex = a->scope_id ? (int)a->scope_id - 1 : -1;
    d->has_src = ipv6_source_for(st, &d->addr, ifindex, &d->src.addr) == UST_OK;
    d->src.prefix_len = 64;
}

void dns_order_results(const struct ust_stack *st, struct ust_addr *addrs, size_t n)
{
    struct as_dst d[2 * DNS_MAX_ADDRS];
    struct ust_addr copy[2 * DNS_MAX_ADDRS];
    if (n < 2 || n > 2 * DNS_MAX_ADDRS)
        return;
    for (size_t i = 0; i < n; i++) {
        dst_with_source(st, &addrs[i], &d[i]);
        d[i].index = i;
        copy[i] = addrs[i];
    }
    struct as_opts o = {.out_ifindex = -1};
    as_sort_destinations(d, n, &o);
    for (size_t i = 0; i < n; i++)
        addrs[i] = copy[d[i].index];
}

/* RFC 3493 6.1 as glibc reads it: a family counts when one of the
 * stack's interfaces has a usable address of it other than loopback
 * (IPv6 link-local ones do not count either: they reach no name server's
 * answers beyond the link). */
bool dns_family_configured(const struct ust_stack *st, int family)
{
    int n = ust_iface_count(st);
    for (int i = 0; i < n; i++) {
        ust_ip4_t a4 = 0;
        int plen;
        if (family == AF_INET && ust_iface_info(st, i, &a4, &plen, NULL) == UST_OK && a4 &&
            (a4 >> 24) != 127)
            return true;
        struct ust_addr6_info a6[UST_MAX_ADDRS6];
        int k = family == AF_INET6 ? ust_iface_addrs6(st, i, a6, UST_MAX_ADDRS6) : 0;
        for (int j = 0; j < k; j++) {
            bool usable = a6[j].state == UST_ADDR6_PREFERRED || a6[j].state == UST_ADDR6_DEPRECATED;
            bool ll = a6[j].addr[0] == 0xfe && (a6[j].addr[1] & 0xc0) == 0x80;
            if (usable && !ll && memcmp(a6[j].addr, LOOPBACK6, 16))
                return true;
        }
    }
    return false;
}

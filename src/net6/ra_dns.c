/* DNS configuration from Router Advertisements (RFC 8106): RDNSS server
 * addresses and DNSSL domain names, per interface in bounded lists
 * (cfg.ipv6_ra_max_dns each, 3 as 5.3.1 suggests) with their lifetimes.
 * A known entry gets the new lifetime, 0 removes it (5.1, 5.2); a new one
 * in a full list replaces the entry that would expire soonest (5.3.1).
 * The servers of every interface go to the resolver in one place,
 * ra_dns_handoff (cfg.dns_servers6, as the DHCP client sets dns_server);
 * the first becomes the resolver's cfg.dns_server6 unless the user set
 * one; all are shown by ust_iface_ra_dns. */
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "net6_impl.h"

static ust_time_t expiry(ust_time_t now, uint32_t lifetime)
{
    return lifetime == 0xffffffffu ? UST_TIME_NEVER : now + (ust_time_t)lifetime * UST_SEC;
}

static unsigned dns_cap(const struct ip6_autoconf *ra)
{
    unsigned cap = ust_stack_config(ra->st)->ipv6_ra_max_dns;
    return cap < UST_RA_MAX_DNS ? cap : UST_RA_MAX_DNS;
}

/* The slot for a new entry: a free one, else the soonest-expiring (RFC
 * 8106 5.3.1), or -1 with a capacity of 0. n: entries in use. */
static int slot_for_new(struct ip6_autoconf *ra, unsigned *n, const ust_time_t *expires,
                        size_t stride)
{
    unsigned cap = dns_cap(ra);
    if (*n < cap)
        return (int)(*n)++;
    if (cap == 0)
        return -1;
    unsigned victim = 0;
    for (unsigned i = 1; i < *n; i++)
        if (*(const ust_time_t *)((const char *)expires + i * stride) <
            *(const ust_time_t *)((const char *)expires + victim * stride))
            victim = i;
    stack_stats(ra->st)->ra.DnsListReplaced++;
    return (int)victim;
}

static bool server_update(struct ip6_autoconf *ra, ust_time_t now, const struct ipv6_addr *a,
                          uint32_t lifetime)
{
    for (unsigned i = 0; i < ra->n_dns; i++) {
        if (!ipv6_addr_eq(&ra->dns[i].addr, a))
            continue;
        if (lifetime == 0) {
            ra->dns[i] = ra->dns[--ra->n_dns];
            return true;
        }
        ra->dns[i].expires = expiry(now, lifetime);
        return false;
    }
    if (lifetime == 0)
        return false;
    int k = slot_for_new(ra, &ra->n_dns, &ra->dns[0].expires, sizeof(ra->dns[0]));
    if (k < 0)
        return false;
    ra->dns[k] = (struct ra_dns_server){.addr = *a, .expires = expiry(now, lifetime)};
    char b[IPV6_ADDR_STRLEN];
    TRACE(ra->st, "nd", "RDNSS %s, %u s", IP6STR(a, b), lifetime);
    return true;
}

static void domain_update(struct ip6_autoconf *ra, ust_time_t now, const char *name,
                          uint32_t lifetime)
{
    for (unsigned i = 0; i < ra->n_domains; i++) {
        if (strcmp(ra->domains[i].name, name) != 0)
            continue;
        if (lifetime == 0)
            ra->domains[i] = ra->domains[--ra->n_domains];
        else
            ra->domains[i].expires = expiry(now, lifetime);
        return;
    }
    int k = lifetime ? slot_for_new(ra, &ra->n_domains, &ra->domains[0].expires,
                                    sizeof(ra->domains[0]))
                     : -1;
    if (k < 0)
        return;
    memcpy(ra->domains[k].name, name, strlen(name) + 1);
    ra->domains[k].expires = expiry(now, lifetime);
    TRACE(ra->st, "nd", "DNSSL %s, %u s", name, lifetime);
}

/* RFC 8106 5.1: a server address must be one a query can go to. */
static bool server_usable(const struct ipv6_addr *a)
{
    return !ipv6_addr_is_multicast(a) && !ipv6_addr_is_unspecified(a) &&
           !ipv6_addr_is_loopback(a);
}

static bool rdnss_option(struct ip6_autoconf *ra, ust_time_t now, const struct nd_opt *o)
{
    uint32_t lifetime;
    size_t count;
    if (nd_opt_rdnss(o, &lifetime, &count) != WIRE_OK) {
        stack_stats(ra->st)->ra.RdnssIgnored++;
        return false;
    }
    bool changed = false;
    for (size_t i = 0; i < count; i++) {
        struct ipv6_addr a;
        nd_opt_rdnss_addr(o, i, &a);
        if (!server_usable(&a))
            stack_stats(ra->st)->ra.RdnssIgnored++;
        else
            changed |= server_update(ra, now, &a, lifetime);
    }
    return changed;
}

static void dnssl_option(struct ip6_autoconf *ra, ust_time_t now, const struct nd_opt *o)
{
    uint32_t lifetime;
    if (nd_opt_dnssl(o, &lifetime) != WIRE_OK) { /* any bad name: all ignored */
        stack_stats(ra->st)->ra.DnsslIgnored++;
        return;
    }
    char name[ND_DNSSL_NAME_MAX];
    size_t off = 8;
    while (nd_opt_dnssl_next(o, &off, name) == 1)
        domain_update(ra, now, name, lifetime);
}

bool ra_dns_option(struct ip6_autoconf *ra, ust_time_t now, const struct nd_opt *o)
{
    if (o->type == ND_OPT_RDNSS)
        return rdnss_option(ra, now, o);
    dnssl_option(ra, now, o);
    return false;
}

ust_time_t ra_dns_deadline(const struct ip6_autoconf *ra)
{
    ust_time_t when = UST_TIME_NEVER;
    for (unsigned i = 0; i < ra->n_dns; i++)
        if (ra->dns[i].expires < when)
            when = ra->dns[i].expires;
    for (unsigned i = 0; i < ra->n_domains; i++)
        if (ra->domains[i].expires < when)
            when = ra->domains[i].expires;
    return when;
}

bool ra_dns_tick(struct ip6_autoconf *ra, ust_time_t now)
{
    bool changed = false;
    struct ust_stats *s = stack_stats(ra->st);
    for (unsigned i = 0; i < ra->n_dns;) {
        if (ra->dns[i].expires <= now) {
            ra->dns[i] = ra->dns[--ra->n_dns];
            s->ra.DnsExpired++;
            changed = true;
        } else {
            i++;
        }
    }
    for (unsigned i = 0; i < ra->n_domains;) {
        if (ra->domains[i].expires <= now) {
            ra->domains[i] = ra->domains[--ra->n_domains];
            s->ra.DnsExpired++;
        } else {
            i++;
        }
    }
    return changed;
}

/* The one hand-off: every interface's RA servers, in interface order,
 * without repeats, become the resolver's IPv6 server list. */
/* cfg.dns_server6 is the RAs' to set when it is unset or came from an
 * earlier RDNSS list; a server the user configured stays. */
static bool server6_from_ra(const struct ust_config *c)
{
    static const uint8_t zero[16];
    if (!memcmp(c->dns_server6, zero, 16))
        return true;
    for (unsigned i = 0; i < c->dns_servers6_count; i++)
        if (!memcmp(c->dns_server6, c->dns_servers6[i], 16))
            return true;
    return false;
}

void ra_dns_handoff(struct ust_stack *st)
{
    uint8_t list[UST_RA_MAX_DNS][16];
    unsigned n = 0;
    uint32_t first_scope = 0;
    for (int f = 0; f < UST_MAX_IFACES; f++) {
        const struct ip6_iface *ifc = ip6_iface_const(st, f);
        const struct ip6_autoconf *ra = ifc ? ifc->ra : NULL;
        for (unsigned i = 0; ra && i < ra->n_dns && n < UST_RA_MAX_DNS; i++) {
            unsigned k = 0;
            while (k < n && memcmp(list[k], ra->dns[i].addr.b, 16) != 0)
                k++;
            if (k < n)
                continue;
            if (n == 0 && ipv6_addr_is_link_local(&ra->dns[i].addr))
                first_scope = (uint32_t)f + 1; /* RFC 8106 5.1: a link-local server */
            memcpy(list[n++], ra->dns[i].addr.b, 16);
        }
    }
    bool ours = server6_from_ra(ust_stack_config(st));
    ust_stack_set_dns_servers6(st, (const uint8_t(*)[16])list, n);
    static const uint8_t none[16];
    if (ours) /* the resolver asks the first (RFC 8106 5.3.1: in RA order) */
        ust_stack_set_dns_server6(st, n ? list[0] : none, n ? first_scope : 0);
}

static uint32_t secs_left(ust_time_t now, ust_time_t until)
{
    if (until == UST_TIME_NEVER)
        return UINT32_MAX;
    return until > now ? (uint32_t)((until - now) / UST_SEC) : 0;
}

int ust_iface_ra_dns(const struct ust_stack *st, int ifindex, struct ust_ra_dns *out)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    if (!f)
        return iface_at(st, ifindex) ? UST_ERR_NOTSUP : UST_ERR_NOENT;
    const struct ip6_autoconf *ra = f->ra;
    if (!ra)
        return UST_ERR_NOTSUP;
    memset(out, 0, sizeof(*out));
    ust_time_t now = stack_now(st);
    for (unsigned i = 0; i < ra->n_dns; i++) {
        memcpy(out->servers[i], ra->dns[i].addr.b, 16);
        out->server_lft[i] = secs_left(now, ra->dns[i].expires);
    }
    out->n_servers = ra->n_dns;
    for (unsigned i = 0; i < ra->n_domains; i++) {
        memcpy(out->domains[i], ra->domains[i].name, sizeof(out->domains[i]));
        out->domain_lft[i] = secs_left(now, ra->domains[i].expires);
    }
    out->n_domains = ra->n_domains;
    return UST_OK;
}

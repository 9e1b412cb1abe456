/* Counter enumeration and printing, generated from the X-macro lists. */
#include <stdio.h>
#include <string.h>

#include "ustack/stack.h"
#include "ustack/stats.h"

void ust_stats_foreach(const struct ust_stack *st, ust_counter_fn fn, void *ctx)
{
    const struct ust_stats *s = ust_stack_stats(st);
#define EMIT(layer, group, name) fn(ctx, layer, #name, s->group.name);
#define LINK(n) EMIT("link", link, n)
#define ARP(n) EMIT("arp", arp, n)
#define IP(n) EMIT("ip", ip, n)
#define ICMP(n) EMIT("icmp", icmp, n)
#define UDP(n) EMIT("udp", udp, n)
#define TCP(n) EMIT("tcp", tcp, n)
#define DNS(n) EMIT("dns", dns, n)
#define DHCP(n) EMIT("dhcp", dhcp, n)
#define RA(n) EMIT("ra", ra, n)
#define ADDRCONF(n) EMIT("addrconf", addrconf, n)
#define IGMP(n) EMIT("igmp", igmp, n)
#define IP6(n) EMIT("ip6", ip6, n)
#define ICMP6(n) EMIT("icmp6", icmp6, n)
#define ND6(n) EMIT("nd6", nd6, n)
#define MLD6(n) EMIT("mld6", mld6, n)
    UST_LINK_COUNTERS(LINK)
    UST_ARP_COUNTERS(ARP)
    UST_IP_COUNTERS(IP)
    UST_ICMP_COUNTERS(ICMP)
    UST_UDP_COUNTERS(UDP)
    UST_TCP_COUNTERS(TCP)
    UST_DNS_COUNTERS(DNS)
    UST_DHCP_COUNTERS(DHCP)
    UST_RA_COUNTERS(RA)
    UST_ADDRCONF_COUNTERS(ADDRCONF)
    UST_IGMP_COUNTERS(IGMP)
    UST_IP6_COUNTERS(IP6)
    UST_ICMP6_COUNTERS(ICMP6)
    UST_ND6_COUNTERS(ND6)
    UST_MLD6_COUNTERS(MLD6)
#undef EMIT
#undef LINK
#undef ARP
#undef IP
#undef ICMP
#undef UDP
#undef TCP
#undef DNS
#undef DHCP
#undef RA
#undef ADDRCONF
#undef MLD6
#undef IGMP
#undef IP6
#undef ICMP6
#undef ND6
}

struct print_ctx {
    FILE *out;
    bool all;
    const char *layer;
};

static void print_counter(void *vctx, const char *layer, const char *name, uint64_t v)
{
    struct print_ctx *c = vctx;
    if (!v && !c->all)
        return;
    if (!c->layer || strcmp(c->layer, layer) != 0) {
        fprintf(c->out, "%s:\n", layer);
        c->layer = layer;
    }
    fprintf(c->out, "    %-22s %llu\n", name, (unsigned long long)v);
}

void ust_stats_print(const struct ust_stack *st, FILE *out, bool all)
{
    struct print_ctx c = {out, all, NULL};
    ust_stats_foreach(st, print_counter, &c);
}

/* Sending MLD (RFC 3810 5, 7.4; RFC 2710 3): Hop Limit 1, a Hop-by-Hop
 * header with Router Alert value 0 (RFC 2711), out of the interface the
 * group belongs to, from its link-local address, or from :: while it has
 * no valid one (RFC 3810 5.2.13: a Report only). v2 Reports go to
 * ff02::16, v1 Reports to the group, Dones to ff02::2. Sent through
 * ip6_send, past source selection: :: is a legal source here. */
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "mld6.h"
#include "net6_impl.h"
#include "ustack/dev.h"
#include "wire/mld.h"

#define HBH_LEN 8

static const struct ipv6_addr all_mld2_routers = {{0xff, 0x02, [15] = 0x16}};
static const struct ipv6_addr all_routers = {{0xff, 0x02, [15] = 0x02}};

/* The interface's link-local address once DAD has passed; else ::. */
static struct ipv6_addr link_local_source(struct ust_stack *st, int ifindex)
{
    const struct ip6_iface *f = ip6_iface_const(st, ifindex);
    for (unsigned k = 0; f && k < UST_MAX_ADDRS6; k++) {
        const struct ip6_ifaddr *a = &f->addrs[k];
        if (a->used && ipv6_addr_is_link_local(&a->addr) &&
            (a->state == IP6A_PREFERRED || a->state == IP6A_DEPRECATED))
            return a->addr;
    }
    return (struct ipv6_addr){{0}};
}

/* p holds the ICMPv6 message after HBH_LEN bytes of headroom for the
 * Hop-by-Hop header. */
static int mld6_output(struct ust_stack *st, int ifindex, const struct ipv6_addr *src,
                       const struct ipv6_addr *dst, struct pkt *p)
{
    if (ipv6_hbh_router_alert_emit(IPV6_NH_ICMPV6, p->data, HBH_LEN) != HBH_LEN) {
        pkt_free(p);
        return UST_ERR_NOMEM;
    }
    struct ipv6_hdr h = {.next_hdr = IPV6_NH_HOPOPTS, .hop_limit = MLD_HOP_LIMIT, .src = *src,
                         .dst = *dst};
    stack_stats(st)->ip6.Ip6OutRequests++;
    return ip6_send(st, ifindex, &h, dst, p);
}

void mld6_send_v1(struct ust_stack *st, struct mld6_iface *ifs, uint8_t type,
                  const struct ipv6_addr *group)
{
    struct ipv6_addr src = link_local_source(st, ifs->index);
    const struct ipv6_addr *dst = type == ICMPV6_MLD1_DONE ? &all_routers : group;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, HBH_LEN + MLD1_LEN);
    if (p && mld1_emit(type, group, &src, dst, p->data + HBH_LEN, MLD1_LEN) < 0) {
        pkt_free(p);
        p = NULL;
    }
    if (!p || mld6_output(st, ifs->index, &src, dst, p) < 0) {
        stack_stats(st)->mld6.OutErrors++;
        return;
    }
    char g[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "tx v1 %s %s", type == ICMPV6_MLD1_DONE ? "done" : "report",
          IP6STR(group, g));
    if (type == ICMPV6_MLD1_DONE)
        stack_stats(st)->mld6.OutDones++;
    else
        stack_stats(st)->mld6.OutV1Reports++;
}

/* Records that fit one packet on this interface (RFC 3810 5.2.15). */
static size_t records_per_report(struct ust_stack *st, const struct mld6_iface *ifs)
{
    size_t room = ip6_link_mtu(st, ifs->index) - IPV6_HDR_LEN - HBH_LEN - MLD2_REPORT_HDR;
    return room / MLD2_RECORD_HDR;
}

static void flush_v2(struct ust_stack *st, struct mld6_iface *ifs, const struct mld2_record *r,
                     size_t n)
{
    struct ipv6_addr src = link_local_source(st, ifs->index);
    size_t cap = MLD2_REPORT_HDR + n * MLD2_RECORD_HDR;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, HBH_LEN + cap);
    int len = p ? mld2_report_emit(r, n, &src, &all_mld2_routers, p->data + HBH_LEN, cap) : -1;
    if (len < 0 || mld6_output(st, ifs->index, &src, &all_mld2_routers, p) < 0) {
        if (p && len < 0)
            pkt_free(p);
        stack_stats(st)->mld6.OutErrors++;
        return;
    }
    static const char *const rec_names[] = {"?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW",
                                            "BLOCK"};
    char g[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "tx v2 report to ff02::16, %zu record%s (first %s %s)", n,
          n == 1 ? "" : "s", rec_names[r[0].type <= MLD2_BLOCK_OLD_SOURCES ? r[0].type : 0],
          IP6STR(&r[0].group, g));
    stack_stats(st)->mld6.OutV2Reports++;
}

void mld6_send_v2(struct ust_stack *st, struct mld6_iface *ifs,
                  bool (*pick)(const struct mld6_group *g, const void *ctx), const void *ctx,
                  uint8_t rec_type)
{
    size_t per = records_per_report(st, ifs);
    struct mld2_record *recs = malloc(per * sizeof(*recs));
    size_t n = 0;
    if (!recs) {
        stack_stats(st)->mld6.OutErrors++;
        return;
    }
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        const struct mld6_group *g = &ifs->groups[i];
        if (!g->used || !pick(g, ctx))
            continue;
        recs[n++] = (struct mld2_record){.type = rec_type ? rec_type : g->change,
                                         .group = g->addr};
        if (n == per) {
            flush_v2(st, ifs, recs, n);
            n = 0;
        }
    }
    if (n)
        flush_v2(st, ifs, recs, n);
    free(recs);
}

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

/* Reports being filled: records and their sources up to the MTU. */
struct report {
    struct ust_stack *st;
    struct mld6_iface *ifs;
    size_t room;               /* bytes of records one Report may carry */
    size_t used;               /* ... of them in recs */
    struct mld2_record *recs;
    size_t n, maxrec;
    uint8_t *srcbytes;         /* the records' sources */
    size_t srcoff;
};

static bool report_init(struct report *r, struct ust_stack *st, struct mld6_iface *ifs)
{
    *r = (struct report){.st = st, .ifs = ifs};
    r->room = ip6_link_mtu(st, ifs->index) - IPV6_HDR_LEN - HBH_LEN - MLD2_REPORT_HDR;
    r->maxrec = r->room / MLD2_RECORD_HDR;
    r->recs = malloc(r->maxrec * sizeof(*r->recs));
    r->srcbytes = malloc(r->room);
    return r->recs && r->srcbytes;
}

static void trace_report(struct ust_stack *st, const struct mld2_record *r, size_t n)
{
    static const char *const rec_names[] = {"?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW",
                                            "BLOCK"};
    char g[IPV6_ADDR_STRLEN];
    TRACE(st, "mld", "tx v2 report to ff02::16, %zu record%s (first %s %s, %u sources)", n,
          n == 1 ? "" : "s", rec_names[r[0].type <= MLD2_BLOCK_OLD_SOURCES ? r[0].type : 0],
          IP6STR(&r[0].group, g), r[0].nsrc);
}

static void report_flush(struct report *r)
{
    if (r->n == 0)
        return;
    struct ust_stack *st = r->st;
    struct ipv6_addr src = link_local_source(st, r->ifs->index);
    size_t cap = MLD2_REPORT_HDR + r->used;
    struct pkt *p = pkt_alloc(PKT_HEADROOM, HBH_LEN + cap);
    int len = p ? mld2_report_emit(r->recs, r->n, &src, &all_mld2_routers, p->data + HBH_LEN,
                                   cap)
                : -1;
    if (len < 0 || mld6_output(st, r->ifs->index, &src, &all_mld2_routers, p) < 0) {
        if (p && len < 0)
            pkt_free(p);
        stack_stats(st)->mld6.OutErrors++;
    } else {
        trace_report(st, r->recs, r->n);
        stack_stats(st)->mld6.OutV2Reports++;
    }
    r->n = r->used = r->srcoff = 0;
}

static void report_free(struct report *r)
{
    if (r->recs && r->srcbytes)
        report_flush(r);
    free(r->recs);
    free(r->srcbytes);
}

/* One record of src[0..n) (16 bytes each): split over Reports when too
 * long (5.2.15); an IS_EX / TO_EX record is not split: the sources that
 * do not fit are left out (5.2.15: "the Multicast Address Record MUST be
 * truncated"). */
static void report_add(struct report *r, uint8_t type, const struct ipv6_addr *group,
                       const uint8_t *src, size_t n)
{
    bool ex = type == MLD2_MODE_IS_EXCLUDE || type == MLD2_CHANGE_TO_EXCLUDE;
    size_t done = 0;
    do {
        if (r->used + MLD2_RECORD_HDR + (n > done ? IPV6_ADDR_LEN : 0) > r->room ||
            r->n == r->maxrec)
            report_flush(r);
        size_t fit = (r->room - r->used - MLD2_RECORD_HDR) / IPV6_ADDR_LEN;
        size_t k = n - done < fit ? n - done : fit;
        if (k)
            memcpy(r->srcbytes + r->srcoff, src + done * IPV6_ADDR_LEN, k * IPV6_ADDR_LEN);
        r->recs[r->n++] = (struct mld2_record){.type = type, .group = *group,
                                               .nsrc = (uint16_t)k,
                                               .sources = r->srcbytes + r->srcoff};
        r->srcoff += k * IPV6_ADDR_LEN;
        r->used += MLD2_RECORD_HDR + k * IPV6_ADDR_LEN;
        done += k;
    } while (done < n && !ex);
}

static void add_collected(struct report *r, const struct mld6_group *g, uint8_t type,
                          bool (*want)(const struct msf_table *, const struct msf_src *),
                          bool even_empty)
{
    size_t n;
    uint8_t *v = msf_collect(&g->f, IPV6_ADDR_LEN, want, &n);
    if (n || even_empty)
        report_add(r, type, &g->addr, v, n);
    free(v);
}

/* 6.1: the mode-change record with the current list, else the pending
 * ALLOW and BLOCK records; one of their repeats is used up. */
static void add_group(struct report *r, struct mld6_group *g, enum mld6_report_kind kind)
{
    uint8_t current = g->f.nex ? MLD2_MODE_IS_EXCLUDE : MLD2_MODE_IS_INCLUDE;
    switch (kind) {
    case MLD6_REP_PENDING:
        if (g->f.retrans) {
            add_collected(r, g, g->f.change, msf_in_list, true);
        } else {
            add_collected(r, g, MLD2_ALLOW_NEW_SOURCES, msf_want_allow, false);
            add_collected(r, g, MLD2_BLOCK_OLD_SOURCES, msf_want_block, false);
        }
        msf_sent_pending(&g->f);
        break;
    case MLD6_REP_CURRENT: /* 6.3: IS_IN / IS_EX of the state */
        add_collected(r, g, current, msf_in_list, true);
        break;
    case MLD6_REP_QUERIED: /* 6.3: IS_IN of the queried sources received */
        add_collected(r, g, MLD2_MODE_IS_INCLUDE, msf_want_queried, false);
        break;
    }
}

void mld6_send_v2(struct ust_stack *st, struct mld6_iface *ifs,
                  bool (*pick)(const struct mld6_group *g, const void *ctx), const void *ctx,
                  enum mld6_report_kind kind)
{
    struct report r;
    if (!report_init(&r, st, ifs)) {
        stack_stats(st)->mld6.OutErrors++;
        report_free(&r);
        return;
    }
    for (unsigned i = 0; i < MLD6_MAX_GROUPS; i++) {
        struct mld6_group *g = &ifs->groups[i];
        if (g->used && pick(g, ctx))
            add_group(&r, g, kind);
    }
    report_free(&r);
}

/* Sending IGMP (RFC 3376 4): TTL 1, IP precedence Internetwork Control
 * (TOS 0xc0), the Router Alert option, out of the interface the
 * membership belongs to; the interface's address as source, or 0.0.0.0
 * while it has none (4.2.13). v3 Reports go to 224.0.0.22, v2/v1 Reports
 * to the group, v2 Leaves to 224.0.0.2 (RFC 2236 3). */
#include <stdlib.h>
#include <string.h>

#include "core/services.h"
#include "core/trace.h"
#include "igmp.h"
#include "net.h"
#include "ustack/dev.h"
#include "wire/igmp.h"
#include "wire/wbuf.h"

static int igmp_output(struct ust_stack *st, struct igmp_iface *ifs, ust_ip4_t dst,
                       const uint8_t *msg, size_t len)
{
    static const uint8_t router_alert[IPV4_RA_LEN] = {IPV4_OPT_ROUTER_ALERT, IPV4_RA_LEN, 0, 0};
    struct ust_iface *ifc = iface_by_index(st, ifs->index);
    struct pkt *p = ifc ? pkt_alloc(PKT_HEADROOM, len) : NULL;
    if (!p) {
        stack_stats(st)->igmp.OutErrors++;
        return UST_ERR_NOMEM;
    }
    memcpy(p->data, msg, len);
    struct ipv4_out o = {.dst = dst, .proto = IPV4_PROTO_IGMP, .ttl = 1, .tos = 0xc0,
                         .opts = router_alert, .opt_len = IPV4_RA_LEN, .oif = ifc};
    int rc = ipv4_output(st, &o, p);
    if (rc < 0)
        stack_stats(st)->igmp.OutErrors++;
    return rc;
}

void igmp_send_simple(struct ust_stack *st, struct igmp_iface *ifs, uint8_t type,
                      ust_ip4_t group)
{
    uint8_t msg[IGMP_MIN_LEN];
    char g[16];
    igmp_emit_simple(type, 0, group, msg, sizeof(msg));
    ust_ip4_t dst = type == IGMP_V2_LEAVE ? IGMP_ALL_ROUTERS : group;
    TRACE(st, "igmp", "tx %s %s", type == IGMP_V2_LEAVE ? "v2 leave" :
          type == IGMP_V2_REPORT ? "v2 report" : "v1 report", IP4STR(group, g));
    if (igmp_output(st, ifs, dst, msg, sizeof(msg)) < 0)
        return;
    struct ust_igmp_stats *s = &stack_stats(st)->igmp;
    if (type == IGMP_V2_LEAVE)
        s->OutLeaves++;
    else if (type == IGMP_V2_REPORT)
        s->OutV2Reports++;
    else
        s->OutV1Reports++;
}

/* A v3 Report being filled (RFC 3376 4.2.16: split to the MTU). */
struct report {
    struct ust_stack *st;
    struct igmp_iface *ifs;
    size_t room;               /* bytes of records one Report may carry */
    size_t used;               /* ... of them in recs */
    struct igmp_record *recs;
    size_t n, maxrec;
    uint8_t *srcbytes;         /* the records' sources, network order */
    size_t srcoff;
    uint8_t *buf;
};

static bool report_init(struct report *r, struct ust_stack *st, struct igmp_iface *ifs)
{
    const struct ust_iface *ifc = iface_at(st, ifs->index);
    unsigned mtu = ifc ? ust_dev_mtu(ifc->dev) : 576;
    *r = (struct report){.st = st, .ifs = ifs};
    r->room = mtu - IPV4_HDR_LEN - IPV4_RA_LEN - IGMP_V3_REPORT_HDR;
    r->maxrec = r->room / IGMP_V3_RECORD_HDR;
    r->recs = malloc(r->maxrec * sizeof(*r->recs));
    r->srcbytes = malloc(r->room);
    r->buf = malloc(IGMP_V3_REPORT_HDR + r->room);
    return r->recs && r->srcbytes && r->buf;
}

static void report_flush(struct report *r)
{
    if (r->n == 0)
        return;
    int len = igmp_v3_report_emit(r->recs, r->n, r->buf, IGMP_V3_REPORT_HDR + r->room);
    if (len >= 0) {
        TRACE(r->st, "igmp", "tx v3 report, %zu record%s (first type %u, %u sources)", r->n,
              r->n == 1 ? "" : "s", r->recs[0].type, r->recs[0].nsrc);
        if (igmp_output(r->st, r->ifs, IGMP_V3_ROUTERS, r->buf, (size_t)len) == 0)
            stack_stats(r->st)->igmp.OutV3Reports++;
    }
    r->n = r->used = r->srcoff = 0;
}

static void report_free(struct report *r)
{
    report_flush(r);
    free(r->recs);
    free(r->srcbytes);
    free(r->buf);
}

/* One record of src[0..n) (4 bytes each, network order): split over Reports when too long (4.2.16);
 * an IS_EX / TO_EX record is not split: the sources that do not fit are
 * left out. */
static void report_add(struct report *r, uint8_t type, ust_ip4_t group, const uint8_t *src,
                       size_t n)
{
    bool ex = type == IGMP_MODE_IS_EXCLUDE || type == IGMP_CHANGE_TO_EXCLUDE;
    size_t done = 0;
    do {
        if (r->used + IGMP_V3_RECORD_HDR + (n > done ? 4 : 0) > r->room || r->n == r->maxrec)
            report_flush(r);
        size_t fit = (r->room - r->used - IGMP_V3_RECORD_HDR) / 4;
        size_t k = n - done < fit ? n - done : fit;
        struct igmp_record *rec = &r->recs[r->n++];
        *rec = (struct igmp_record){.type = type, .group = group, .nsrc = (uint16_t)k,
                                    .sources = r->srcbytes + r->srcoff};
        if (k)
            memcpy(r->srcbytes + r->srcoff, src + 4 * done, 4 * k);
        r->srcoff += 4 * k;
        r->used += IGMP_V3_RECORD_HDR + 4 * k;
        done += k;
    } while (done < n && !ex);
}

/* IPv4 sources as msf_collect gives them: 4 bytes each, network order. */
static void add_collected(struct report *r, const struct igmp_group *g, uint8_t type,
                          bool (*want)(const struct msf_table *, const struct msf_src *),
                          bool even_empty)
{
    size_t n;
    uint8_t *v = msf_collect(&g->f, 4, want, &n);
    if (n || even_empty)
        report_add(r, type, g->addr, v, n);
    free(v);
}

/* 5.1: the mode-change record with the current list, else the pending
 * ALLOW and BLOCK records; one of their repeats is used up. */
static void add_pending(struct report *r, struct igmp_group *g)
{
    if (g->f.retrans) {
        add_collected(r, g, g->f.change, msf_in_list, true);
    } else {
        add_collected(r, g, IGMP_ALLOW_NEW_SOURCES, msf_want_allow, false);
        add_collected(r, g, IGMP_BLOCK_OLD_SOURCES, msf_want_block, false);
    }
    msf_sent_pending(&g->f);
}

static void add_group(struct report *r, struct igmp_group *g, enum igmp_report_kind kind)
{
    switch (kind) {
    case IGMP_REP_PENDING:
        add_pending(r, g);
        break;
    case IGMP_REP_CURRENT:
        add_collected(r, g, g->f.nex ? IGMP_MODE_IS_EXCLUDE : IGMP_MODE_IS_INCLUDE, msf_in_list,
                      true);
        break;
    case IGMP_REP_QUERIED:
        add_collected(r, g, IGMP_MODE_IS_INCLUDE, msf_want_queried, false);
        break;
    }
}

void igmp_send_v3(struct ust_stack *st, struct igmp_iface *ifs,
                  bool (*pick)(const struct igmp_group *g, const void *ctx), const void *ctx,
                  enum igmp_report_kind kind)
{
    struct report r;
    if (!report_init(&r, st, ifs)) {
        stack_stats(st)->igmp.OutErrors++;
        report_free(&r);
        return;
    }
    for (struct igmp_group *g = ifs->groups; g; g = g->next)
        if (pick(g, ctx))
            add_group(&r, g, kind);
    report_free(&r);
}

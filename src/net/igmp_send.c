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

/* Records that fit one datagram on this interface (RFC 3376 4.2.16: a
 * Report larger than the MTU is split). */
static size_t records_per_report(struct ust_stack *st, const struct igmp_iface *ifs)
{
    const struct ust_iface *ifc = iface_at(st, ifs->index);
    unsigned mtu = ifc ? ust_dev_mtu(ifc->dev) : 576;
    size_t room = mtu - IPV4_HDR_LEN - IPV4_RA_LEN - IGMP_V3_REPORT_HDR;
    size_t n = room / IGMP_V3_RECORD_HDR;
    return n ? n : 1;
}

static void flush_v3(struct ust_stack *st, struct igmp_iface *ifs, const struct igmp_record *r,
                     size_t n, uint8_t *buf, size_t cap)
{
    int len = igmp_v3_report_emit(r, n, buf, cap);
    if (len < 0)
        return;
    TRACE(st, "igmp", "tx v3 report, %zu record%s (first type %u)", n, n == 1 ? "" : "s",
          r[0].type);
    if (igmp_output(st, ifs, IGMP_V3_ROUTERS, buf, (size_t)len) == 0)
        stack_stats(st)->igmp.OutV3Reports++;
}

void igmp_send_v3(struct ust_stack *st, struct igmp_iface *ifs,
                  bool (*pick)(const struct igmp_group *g, const void *ctx), const void *ctx,
                  uint8_t rec_type)
{
    size_t per = records_per_report(st, ifs);
    size_t cap = IGMP_V3_REPORT_HDR + per * IGMP_V3_RECORD_HDR;
    struct igmp_record *recs = malloc(per * sizeof(*recs));
    uint8_t *buf = malloc(cap);
    size_t n = 0;
    if (!recs || !buf) {
        stack_stats(st)->igmp.OutErrors++;
        goto out;
    }
    for (const struct igmp_group *g = ifs->groups; g; g = g->next) {
        if (!pick(g, ctx))
            continue;
        recs[n++] = (struct igmp_record){.type = rec_type ? rec_type : g->change,
                                         .group = g->addr};
        if (n == per) {
            flush_v3(st, ifs, recs, n, buf, cap);
            n = 0;
        }
    }
    if (n)
        flush_v3(st, ifs, recs, n, buf, cap);
out:
    free(recs);
    free(buf);
}

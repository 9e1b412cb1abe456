/* Neighbor Discovery messages (RFC 4861 4.1-4.5) and their wire-level
 * validity checks (6.1.2, 7.1.1, 7.1.2, 8.1). */
#include "nd.h"
#include "wbuf.h"

static size_t fixed_len(uint8_t type)
{
    switch (type) {
    case ICMPV6_ND_RS: return ND_RS_LEN;
    case ICMPV6_ND_RA: return ND_RA_LEN;
    case ICMPV6_ND_NS: return ND_NS_LEN;
    case ICMPV6_ND_NA: return ND_NA_LEN;
    case ICMPV6_ND_REDIRECT: return ND_REDIRECT_LEN;
    default: return 0;
    }
}

static void read_fixed(const uint8_t *msg, struct nd_msg *m)
{
    if (m->type == ICMPV6_ND_RA) {
        m->cur_hop_limit = msg[4];
        m->ra_flags = msg[5];
        m->router_lifetime = get_be16(msg + 6);
        m->reachable_time = get_be32(msg + 8);
        m->retrans_timer = get_be32(msg + 12);
    } else if (m->type == ICMPV6_ND_NA) {
        uint32_t w = get_be32(msg + 4);
        m->router = (w & ND_NA_ROUTER) != 0;
        m->solicited = (w & ND_NA_SOLICITED) != 0;
        m->override = (w & ND_NA_OVERRIDE) != 0;
    }
    if (m->type == ICMPV6_ND_NS || m->type == ICMPV6_ND_NA || m->type == ICMPV6_ND_REDIRECT)
        memcpy(m->target.b, msg + 8, IPV6_ADDR_LEN);
    if (m->type == ICMPV6_ND_REDIRECT)
        memcpy(m->dest.b, msg + 24, IPV6_ADDR_LEN);
}

/* Every option has a non-zero length inside the message; and whether an
 * SLLA is among them. */
static int check_options(const struct nd_msg *m, bool *has_slla)
{
    struct nd_opt_iter it;
    struct nd_opt o;
    *has_slla = false;
    nd_opt_iter_init(&it, m->opts, m->opts_len);
    while (nd_opt_next(&it, &o))
        if (o.type == ND_OPT_SLLA)
            *has_slla = true;
    return it.err;
}

/* The per-type rules that need the addresses (RFC 4861 6.1.2-8.1). */
static int check_addresses(const struct nd_msg *m, const struct nd_ip *ip, bool has_slla)
{
    switch (m->type) {
    case ICMPV6_ND_RA:
        return ipv6_addr_is_link_local(ip->src) ? WIRE_OK : WIRE_UNSUPPORTED;
    case ICMPV6_ND_NS:
        if (ipv6_addr_is_multicast(&m->target))
            return WIRE_UNSUPPORTED;
        if (ipv6_addr_is_unspecified(ip->src) &&
            (!ipv6_addr_is_solicited_node(ip->dst) || has_slla)) /* DAD */
            return WIRE_UNSUPPORTED;
        return WIRE_OK;
    case ICMPV6_ND_NA:
        if (ipv6_addr_is_multicast(&m->target) ||
            (m->solicited && ipv6_addr_is_multicast(ip->dst)))
            return WIRE_UNSUPPORTED;
        return WIRE_OK;
    case ICMPV6_ND_REDIRECT:
        if (!ipv6_addr_is_link_local(ip->src) || ipv6_addr_is_multicast(&m->dest))
            return WIRE_UNSUPPORTED;
        if (!ipv6_addr_is_link_local(&m->target) && !ipv6_addr_eq(&m->target, &m->dest))
            return WIRE_UNSUPPORTED;
        return WIRE_OK;
    default:
        return WIRE_OK;
    }
}

int nd_parse(const uint8_t *msg, size_t len, const struct nd_ip *ip, struct nd_msg *m)
{
    if (len < 1)
        return WIRE_TRUNCATED;
    size_t fixed = fixed_len(msg[0]);
    if (fixed == 0)
        return WIRE_UNSUPPORTED;
    if (len < fixed)
        return WIRE_TRUNCATED;
    if (msg[1] != 0 || ip->hop_limit != ND_HOP_LIMIT)
        return WIRE_UNSUPPORTED;
    *m = (struct nd_msg){.type = msg[0], .opts = msg + fixed, .opts_len = len - fixed};
    read_fixed(msg, m);
    bool has_slla;
    int rc = check_options(m, &has_slla);
    if (rc != WIRE_OK)
        return rc;
    return check_addresses(m, ip, has_slla);
}

int nd_emit(const struct nd_msg *m, uint8_t *buf, size_t cap)
{
    size_t fixed = fixed_len(m->type);
    if (fixed == 0)
        return WIRE_UNSUPPORTED;
    if (cap < fixed)
        return WIRE_NOSPACE;
    memset(buf, 0, fixed); /* reserved fields are sent as 0 (ND-1) */
    buf[0] = m->type;
    if (m->type == ICMPV6_ND_RA) {
        buf[4] = m->cur_hop_limit;
        buf[5] = m->ra_flags;
        put_be16(buf + 6, m->router_lifetime);
        put_be32(buf + 8, m->reachable_time);
        put_be32(buf + 12, m->retrans_timer);
    } else if (m->type == ICMPV6_ND_NA) {
        put_be32(buf + 4, (m->router ? ND_NA_ROUTER : 0) | (m->solicited ? ND_NA_SOLICITED : 0) |
                          (m->override ? ND_NA_OVERRIDE : 0));
    }
    if (fixed >= ND_NS_LEN)
        memcpy(buf + 8, m->target.b, IPV6_ADDR_LEN);
    if (m->type == ICMPV6_ND_REDIRECT)
        memcpy(buf + 24, m->dest.b, IPV6_ADDR_LEN);
    return (int)fixed;
}

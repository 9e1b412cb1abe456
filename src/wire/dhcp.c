/* DHCPv4 parse and emit (RFC 2131 2-3, RFC 2132). Every option length is
 * checked against its field before a byte of it is read. */
#include "dhcp.h"

#include <string.h>

#include "wbuf.h"
#include "wire.h"

/* The length a known option must have: exact (> 0), a multiple of 4 of at
 * least 4 (-4), at least 1 (-1); 0 for options not read here. */
static int dhcp_opt_len_rule(uint8_t code)
{
    switch (code) {
    case DHCP_OPT_MSG_TYPE: case DHCP_OPT_OVERLOAD: return 1;
    case DHCP_OPT_MTU: case DHCP_OPT_MAX_MSG_SIZE: return 2;
    case DHCP_OPT_SUBNET_MASK: case DHCP_OPT_REQUESTED_IP: case DHCP_OPT_SERVER_ID:
    case DHCP_OPT_LEASE_TIME: case DHCP_OPT_T1: case DHCP_OPT_T2: return 4;
    case DHCP_OPT_ROUTER: case DHCP_OPT_DNS: return -4;
    case DHCP_OPT_PARAM_REQ: return -1;
    default: return 0;
    }
}

static bool dhcp_opt_len_ok(int rule, unsigned len)
{
    if (rule > 0)
        return len == (unsigned)rule;
    if (rule == -4)
        return len >= 4 && len % 4 == 0;
    return len >= 1;
}

static uint32_t dhcp_opt_bit(uint8_t code)
{
    switch (code) {
    case DHCP_OPT_SUBNET_MASK: return DHCP_HAS_MASK;
    case DHCP_OPT_ROUTER: return DHCP_HAS_ROUTER;
    case DHCP_OPT_DNS: return DHCP_HAS_DNS;
    case DHCP_OPT_MTU: return DHCP_HAS_MTU;
    case DHCP_OPT_REQUESTED_IP: return DHCP_HAS_REQ_IP;
    case DHCP_OPT_LEASE_TIME: return DHCP_HAS_LEASE;
    case DHCP_OPT_SERVER_ID: return DHCP_HAS_SERVER_ID;
    case DHCP_OPT_T1: return DHCP_HAS_T1;
    case DHCP_OPT_T2: return DHCP_HAS_T2;
    case DHCP_OPT_PARAM_REQ: return DHCP_HAS_PRL;
    case DHCP_OPT_MAX_MSG_SIZE: return DHCP_HAS_MAX_SIZE;
    case DHCP_OPT_OVERLOAD: return DHCP_HAS_OVERLOAD;
    default: return 0;
    }
}

/* Stores one known option whose length was checked. */
static int dhcp_opt_store(struct dhcp_msg *m, uint8_t code, const uint8_t *v, unsigned len)
{
    switch (code) {
    case DHCP_OPT_MSG_TYPE:
        if (v[0] < DHCP_DISCOVER || v[0] > DHCP_INFORM)
            return WIRE_BAD_OPTION;
        m->type = v[0];
        return WIRE_OK;
    case DHCP_OPT_OVERLOAD:
        if (v[0] < 1 || v[0] > 3) /* RFC 2132 9.3: 1 file, 2 sname, 3 both */
            return WIRE_BAD_OPTION;
        m->overload = v[0];
        return WIRE_OK;
    case DHCP_OPT_MTU:
        m->mtu = get_be16(v);
        return m->mtu < 68 ? WIRE_BAD_OPTION : WIRE_OK; /* RFC 2132 5.1 */
    case DHCP_OPT_MAX_MSG_SIZE:
        m->max_size = get_be16(v);
        return m->max_size < 576 ? WIRE_BAD_OPTION : WIRE_OK; /* RFC 2132 9.10 */
    case DHCP_OPT_SUBNET_MASK: m->mask = get_be32(v); return WIRE_OK;
    case DHCP_OPT_REQUESTED_IP: m->requested_ip = get_be32(v); return WIRE_OK;
    case DHCP_OPT_SERVER_ID: m->server_id = get_be32(v); return WIRE_OK;
    case DHCP_OPT_LEASE_TIME: m->lease_s = get_be32(v); return WIRE_OK;
    case DHCP_OPT_T1: m->t1_s = get_be32(v); return WIRE_OK;
    case DHCP_OPT_T2: m->t2_s = get_be32(v); return WIRE_OK;
    case DHCP_OPT_ROUTER: m->router = get_be32(v); return WIRE_OK; /* the first is preferred */
    case DHCP_OPT_DNS:
        for (unsigned i = 0; i < len / 4 && m->ndns < DHCP_MAX_DNS; i++)
            m->dns[m->ndns++] = get_be32(v + 4 * i);
        return WIRE_OK;
    case DHCP_OPT_PARAM_REQ:
        for (unsigned i = 0; i < len && m->nprl < DHCP_MAX_PRL; i++)
            m->prl[m->nprl++] = v[i];
        return WIRE_OK;
    default:
        return WIRE_OK;
    }
}

/* Walks one option field (RFC 2132 2): pad, end, code-length-value. END is
 * required; the bytes after it must be pad (RFC 2131 4.1 allows them). */
static int dhcp_opts_walk(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
    size_t i = 0;
    while (i < len) {
        uint8_t code = p[i];
        if (code == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END)
            return WIRE_OK;
        if (i + 2 > len || i + 2 + p[i + 1] > len)
            return WIRE_TRUNCATED;
        unsigned olen = p[i + 1];
        const uint8_t *v = p + i + 2;
        i += 2 + olen;
        int rule = dhcp_opt_len_rule(code);
        if (!rule)
            continue; /* not ours: skipped whole */
        uint32_t bit = dhcp_opt_bit(code);
        if ((bit && (m->has & bit)) || (code == DHCP_OPT_MSG_TYPE && m->type))
            return WIRE_BAD_OPTION; /* repeated: RFC 3396 concatenation not supported */
        if (!dhcp_opt_len_ok(rule, olen))
            return WIRE_BAD_OPTION;
        int rc = dhcp_opt_store(m, code, v, olen);
        if (rc != WIRE_OK)
            return rc;
        m->has |= bit;
    }
    return WIRE_BAD_OPTION; /* no END */
}

static void dhcp_parse_header(const uint8_t *b, struct dhcp_msg *m)
{
    m->op = b[0];
    m->htype = b[1];
    m->hlen = b[2];
    m->hops = b[3];
    m->xid = get_be32(b + 4);
    m->secs = get_be16(b + 8);
    m->flags = get_be16(b + 10);
    m->ciaddr = get_be32(b + 12);
    m->yiaddr = get_be32(b + 16);
    m->siaddr = get_be32(b + 20);
    m->giaddr = get_be32(b + 24);
    memcpy(m->chaddr, b + 28, sizeof(m->chaddr));
}

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (len < DHCP_MIN_LEN)
        return WIRE_TRUNCATED;
    dhcp_parse_header(buf, m);
    if (m->op != DHCP_BOOTREQUEST && m->op != DHCP_BOOTREPLY)
        return WIRE_BAD_LEN;
    if (get_be32(buf + DHCP_FIXED_LEN) != DHCP_MAGIC)
        return WIRE_UNSUPPORTED;
    int rc = dhcp_opts_walk(buf + DHCP_MIN_LEN, len - DHCP_MIN_LEN, m);
    if (rc != WIRE_OK)
        return rc;
    /* RFC 2131 4.1: with option 52, 'file' and then 'sname' hold options
     * too (an overload inside them is the same option repeated). */
    if ((m->overload & 1) &&
        (rc = dhcp_opts_walk(buf + DHCP_FILE_OFF, DHCP_FILE_LEN, m)) != WIRE_OK)
        return rc;
    if ((m->overload & 2) &&
        (rc = dhcp_opts_walk(buf + DHCP_SNAME_OFF, DHCP_SNAME_LEN, m)) != WIRE_OK)
        return rc;
    return WIRE_OK;
}

/* ---- emit ---------------------------------------------------------------- */

static size_t put_opt32(uint8_t *p, uint8_t code, uint32_t v)
{
    p[0] = code;
    p[1] = 4;
    put_be32(p + 2, v);
    return 6;
}

static void dhcp_emit_header(const struct dhcp_msg *m, uint8_t *b)
{
    memset(b, 0, DHCP_MIN_LEN);
    b[0] = m->op;
    b[1] = m->htype;
    b[2] = m->hlen;
    b[3] = m->hops;
    put_be32(b + 4, m->xid);
    put_be16(b + 8, m->secs);
    put_be16(b + 10, m->flags);
    put_be32(b + 12, m->ciaddr);
    put_be32(b + 16, m->yiaddr);
    put_be32(b + 20, m->siaddr);
    put_be32(b + 24, m->giaddr);
    memcpy(b + 28, m->chaddr, sizeof(m->chaddr));
    put_be32(b + DHCP_FIXED_LEN, DHCP_MAGIC);
}

/* The options a client sends, in RFC 2131 table 5's order of mention. */
static size_t dhcp_emit_opts(const struct dhcp_msg *m, uint8_t *p)
{
    size_t n = 0;
    if (m->type) {
        p[n++] = DHCP_OPT_MSG_TYPE;
        p[n++] = 1;
        p[n++] = m->type;
    }
    if (m->has & DHCP_HAS_REQ_IP)
        n += put_opt32(p + n, DHCP_OPT_REQUESTED_IP, m->requested_ip);
    if (m->has & DHCP_HAS_SERVER_ID)
        n += put_opt32(p + n, DHCP_OPT_SERVER_ID, m->server_id);
    if (m->has & DHCP_HAS_LEASE)
        n += put_opt32(p + n, DHCP_OPT_LEASE_TIME, m->lease_s);
    if (m->has & DHCP_HAS_MAX_SIZE) {
        p[n++] = DHCP_OPT_MAX_MSG_SIZE;
        p[n++] = 2;
        put_be16(p + n, m->max_size);
        n += 2;
    }
    if ((m->has & DHCP_HAS_PRL) && m->nprl) {
        p[n++] = DHCP_OPT_PARAM_REQ;
        p[n++] = (uint8_t)m->nprl;
        memcpy(p + n, m->prl, m->nprl);
        n += m->nprl;
    }
    p[n++] = DHCP_OPT_END;
    return n;
}

/* Largest option area dhcp_emit_opts writes: type, three 4-byte options,
 * max size, the request list, END. */
#define DHCP_EMIT_OPTS_MAX (3 + 3 * 6 + 4 + 2 + DHCP_MAX_PRL + 1)

int dhcp_emit(const struct dhcp_msg *m, uint8_t *buf, size_t cap)
{
    if (m->nprl > DHCP_MAX_PRL)
        return WIRE_BAD_LEN;
    if (cap < DHCP_MIN_LEN + DHCP_EMIT_OPTS_MAX || cap < DHCP_EMIT_MIN)
        return WIRE_NOSPACE;
    dhcp_emit_header(m, buf);
    size_t len = DHCP_MIN_LEN + dhcp_emit_opts(m, buf + DHCP_MIN_LEN);
    if (len < DHCP_EMIT_MIN) {
        memset(buf + len, DHCP_OPT_PAD, DHCP_EMIT_MIN - len);
        len = DHCP_EMIT_MIN;
    }
    return (int)len;
}

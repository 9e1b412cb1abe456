/* The IP options of an ICMP Echo Reply (RFC 1122 3.2.2.6): a source route
 * in the request is reversed and used (MUST), a Record Route or Timestamp
 * option is updated with this host and reflected "without truncation", so
 * that the record covers the whole round trip (SHOULD). Other options of
 * the request are not copied. */
#include <string.h>

#include "core/services.h"
#include "net.h"
#include "wire/wbuf.h"

#define IPV4_OPT_RR 7
#define IPV4_OPT_TS 68
#define TS_ONLY 0
#define TS_AND_ADDR 1
#define TS_PRESPECIFIED 3

/* RFC 791 Internet Timestamp: milliseconds since midnight UT. The stack
 * has no UT clock (time is a monotonic count), so it uses its own
 * milliseconds with the high-order bit set, which RFC 791 allows for a
 * time "not ... with respect to midnight UT". */
static uint32_t ts_now(const struct ust_stack *st)
{
    return (uint32_t)((stack_now(st) / UST_MSEC) & 0x7fffffffu) | 0x80000000u;
}

/* Record Route: our address in the next free slot, if there is one. */
static void rr_update(uint8_t *o, ust_ip4_t me)
{
    size_t len = o[1], ptr = o[2];
    if (ptr < 4 || ptr + 3 > len)
        return; /* full (or malformed): reflected as it came */
    put_be32(o + ptr - 1, me);
    o[2] = (uint8_t)(ptr + 4);
}

/* Timestamp: flags 0 (times), 1 (address + time) or 3 (prespecified
 * addresses); no room: the overflow count (high 4 bits of octet 3). */
static void ts_update(const struct ust_stack *st, uint8_t *o, ust_ip4_t me)
{
    size_t len = o[1], ptr = o[2];
    uint8_t flag = o[3] & 0x0f;
    if (len < 4 || ptr < 5 || (flag != TS_ONLY && flag != TS_AND_ADDR && flag != TS_PRESPECIFIED))
        return; /* malformed or unknown: reflected as it came */
    size_t need = flag == TS_ONLY ? 4 : 8;
    if (ptr + need - 1 > len) {
        if ((o[3] >> 4) < 15)
            o[3] = (uint8_t)(o[3] + 0x10);
        return;
    }
    if (flag == TS_PRESPECIFIED && get_be32(o + ptr - 1) != me)
        return; /* the next prespecified address is not ours */
    if (flag == TS_AND_ADDR)
        put_be32(o + ptr - 1, me);
    put_be32(o + ptr - 1 + need - 4, ts_now(st));
    o[2] = (uint8_t)(ptr + need);
}

/* Appends the reply's version of option o (length olen) to out; only the
 * first source route is used (one may be sent, RFC 1122 3.2.1.8c). */
static size_t reply_option(const struct ust_stack *st, const struct ipv4_hdr *ip, const uint8_t *o,
                           uint8_t *out, size_t n, bool *have_sr)
{
    size_t olen = o[1];
    if (o[0] == IPV4_OPT_LSRR || o[0] == IPV4_OPT_SSRR) {
        if (*have_sr)
            return n;
        *have_sr = true;
        return n + ipv4_srr_reverse(st, o, ip->src, out + n);
    }
    if (o[0] != IPV4_OPT_RR && o[0] != IPV4_OPT_TS)
        return n;
    memcpy(out + n, o, olen);
    if (o[0] == IPV4_OPT_RR)
        rr_update(out + n, ip->dst);
    else
        ts_update(st, out + n, ip->dst);
    return n + olen;
}

size_t icmp_echo_reply_options(const struct ust_stack *st, const struct ipv4_hdr *ip,
                               uint8_t out[IPV4_MAX_OPT_LEN])
{
    size_t n = 0;
    bool have_sr = false;
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, ip->opts, ip->opt_len);
    while (ipv4_opt_next(&it, &o))
        if (o.len >= 3 && n + o.len <= IPV4_MAX_OPT_LEN)
            n = reply_option(st, ip, o.p, out, n, &have_sr);
    return n;
}

/* Fuzz target for Neighbor Discovery and MLD messages (nd.h, mld.h): the
 * input is [ctl][ICMPv6 message]. ctl picks the IPv6 fields the checks
 * read: bits 0-1 the source (fe80::1, ::, 2001:db8::1, ff02::1), bits 2-3
 * the destination (ff02::1, the solicited-node group of 2001:db8::2,
 * 2001:db8::1, fe80::2), bit 4 Hop Limit 254 instead of 255. Every ND
 * option is read by every typed reader, and what they return must lie
 * inside the option; MLD Queries and Reports are parsed, and a Report whose
 * records carry no auxiliary data is emitted back and must equal the input
 * up to its checksum. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/mld.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static struct ipv6_addr pick(unsigned i, bool dst)
{
    static const char *const srcs[4] = {"fe80::1", "::", "2001:db8::1", "ff02::1"};
    static const char *const dsts[4] = {"ff02::1", "ff02::1:ff00:2", "2001:db8::1", "fe80::2"};
    struct ipv6_addr a;
    check(ipv6_addr_parse(dst ? dsts[i & 3] : srcs[i & 3], &a) == 0);
    return a;
}

static void read_option(const struct nd_opt *o, const uint8_t *end)
{
    const uint8_t *p;
    size_t n, count;
    uint32_t v;
    struct nd_prefix_info pi;
    check(o->len >= 8 && o->len % 8 == 0 && o->p + o->len <= end);
    if (nd_opt_lladdr(o, &p, &n) == WIRE_OK)
        check(p + n == o->p + o->len);
    if (nd_opt_redirected(o, &p, &n) == WIRE_OK)
        check(p + n == o->p + o->len);
    if (nd_opt_prefix(o, &pi) == WIRE_OK)
        check(pi.prefix_len <= 128);
    (void)nd_opt_mtu(o, &v);
    if (nd_opt_rdnss(o, &v, &count) == WIRE_OK) {
        check(8 + 16 * count == o->len && count >= 1);
        struct ipv6_addr a;
        nd_opt_rdnss_addr(o, count - 1, &a);
    }
}

static void fuzz_nd(const uint8_t *m, size_t n, const struct nd_ip *ip)
{
    struct nd_msg nd;
    if (nd_parse(m, n, ip, &nd) != WIRE_OK)
        return;
    check(ip->hop_limit == ND_HOP_LIMIT && m[1] == 0);
    struct nd_opt_iter it;
    struct nd_opt o;
    nd_opt_iter_init(&it, nd.opts, nd.opts_len);
    while (nd_opt_next(&it, &o))
        read_option(&o, m + n);
    check(it.err == WIRE_OK); /* nd_parse accepted only well-formed lists */
}

/* Records without aux data re-emitted: the same bytes but the checksum. */
static void fuzz_report(const uint8_t *m, size_t n, const struct ipv6_addr *src,
                        const struct ipv6_addr *dst)
{
    struct mld2_rec_iter it;
    struct mld2_record recs[8];
    size_t nrec = 0;
    if (mld2_report_iter_init(&it, m, n) != WIRE_OK)
        return;
    while (nrec < 8 && mld2_rec_next(&it, &recs[nrec])) {
        if (recs[nrec].aux_words)
            return;
        nrec++;
    }
    if (it.err || nrec != get_be16(m + 6))
        return;
    static uint8_t out[8192];
    int len = mld2_report_emit(recs, nrec, src, dst, out, sizeof(out));
    check(len > 0 && (size_t)len == it.off);
    check(out[0] == m[0] && memcmp(out + 6, m + 6, (size_t)len - 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = size - 1;
    uint8_t *m = malloc(n); /* exact size: ASan sees overreads */
    check(m != NULL);
    memcpy(m, data + 1, n);
    struct ipv6_addr src = pick(data[0], false), dst = pick(data[0] >> 2, true);
    struct nd_ip ip = {.src = &src, .dst = &dst, .hop_limit = (data[0] & 16) ? 254 : 255};
    fuzz_nd(m, n, &ip);
    struct mld_query q;
    if (mld_query_parse(m, n, &q) == WIRE_OK)
        check(q.v2 ? n >= MLD2_QUERY_MIN + (size_t)q.nsrc * 16 : n == MLD1_LEN);
    if (m[0] == ICMPV6_MLD2_REPORT)
        fuzz_report(m, n, &src, &dst);
    free(m);
    return 0;
}

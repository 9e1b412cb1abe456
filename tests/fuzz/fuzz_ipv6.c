/* Fuzz target for the IPv6 wire code (ipv6.h, icmpv6.h, nd.h, mld.h): the
 * input is an IPv6 packet. The fixed header is parsed and emitted back, the
 * extension-header chain walked (every header and option must lie inside
 * the packet, offsets must grow, the limits hold), fragment headers
 * re-emitted, and an ICMPv6 message reaching the end of the chain goes
 * through the ICMPv6, ND and MLD parsers and an error quoting the packet.
 * The source address goes through RFC 5952 text and back, and the input's
 * first bytes are also tried as address text. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/csum.h"
#include "wire/mld.h"
#include "wire/nd.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_text(const uint8_t *d, size_t n, const struct ipv6_addr *a)
{
    char s[IPV6_ADDR_STRLEN];
    struct ipv6_addr back;
    check(ipv6_addr_format(a, s, sizeof(s)) > 0);
    check(ipv6_addr_parse(s, &back) == 0 && ipv6_addr_eq(a, &back));
    char in[64];
    size_t len = n < sizeof(in) - 1 ? n : sizeof(in) - 1;
    memcpy(in, d, len);
    in[len] = '\0';
    if (ipv6_addr_parse(in, &back) == 0) { /* whatever parses formats and parses back */
        struct ipv6_addr again;
        check(ipv6_addr_format(&back, s, sizeof(s)) > 0);
        check(ipv6_addr_parse(s, &again) == 0 && ipv6_addr_eq(&again, &back));
    }
}

static void fuzz_options(const struct ipv6_ext *e, size_t pkt_len)
{
    struct ipv6_opt_iter oi;
    struct ipv6_opt o;
    size_t last = 0;
    ipv6_opt_iter_init(&oi, e);
    while (ipv6_opt_next(&oi, &o)) {
        check(o.off >= e->off + 2 && o.off + 2 + o.len <= e->off + e->len);
        check(o.off >= last && o.off + 2 + o.len <= pkt_len);
        check(o.type != IPV6_OPT_PAD1 && o.type != IPV6_OPT_PADN);
        last = o.off + 2;
        (void)ipv6_opt_action(o.type);
    }
    if (oi.err)
        check(oi.bad_off >= e->off + 2 && oi.bad_off <= e->off + e->len);
}

static void fuzz_frag(const struct ipv6_ext *e)
{
    uint8_t out[IPV6_FRAG_HDR_LEN];
    check(ipv6_frag_emit(&e->frag, out, sizeof(out)) == IPV6_FRAG_HDR_LEN);
    check(out[0] == e->p[0] && get_be32(out + 4) == get_be32(e->p + 4));
    check((get_be16(out + 2) & 0xfff9u) == (get_be16(e->p + 2) & 0xfff9u));
}

static void fuzz_nd_mld(const uint8_t *m, size_t n, const struct ipv6_hdr *h)
{
    struct nd_ip ip = {.src = &h->src, .dst = &h->dst, .hop_limit = h->hop_limit};
    struct nd_msg nd;
    if (nd_parse(m, n, &ip, &nd) == WIRE_OK) {
        check(nd.opts >= m && nd.opts + nd.opts_len == m + n);
        uint8_t fixed[ND_REDIRECT_LEN];
        int fl = nd_emit(&nd, fixed, sizeof(fixed));
        check(fl > 0 && nd.opts == m + fl); /* the fixed part, re-emitted */
        check(memcmp(fixed + 4, m + 4, 4) == 0 || nd.type != ICMPV6_ND_RA);
        check(memcmp(fixed + 8, m + 8, (size_t)fl - 8) == 0);
    }
    struct mld_query q;
    if (m[0] == ICMPV6_MLD_QUERY && mld_query_parse(m, n, &q) == WIRE_OK && q.nsrc)
        check(q.sources + (size_t)q.nsrc * 16 <= m + n);
    struct mld2_rec_iter it;
    struct mld2_record r;
    if (m[0] == ICMPV6_MLD2_REPORT && mld2_report_iter_init(&it, m, n) == WIRE_OK)
        while (mld2_rec_next(&it, &r))
            check(r.sources + (size_t)r.nsrc * 16 + r.aux_words * 4u <= m + n);
}

static void fuzz_icmpv6(const uint8_t *pkt, size_t len, size_t off, const struct ipv6_hdr *h)
{
    const uint8_t *m = pkt + off;
    size_t n = len - off;
    struct icmpv6_hdr ih;
    if (icmpv6_parse(m, n, &h->src, &h->dst, false, &ih) != WIRE_OK)
        return;
    fuzz_nd_mld(m, n, h);
    /* An error about this packet: within 1280 bytes, its checksum right. */
    static uint8_t err[IPV6_MIN_MTU];
    int el = icmpv6_error_emit(ICMPV6_PARAM_PROBLEM, 0, (uint32_t)off, pkt, len, &h->dst, &h->src,
                               err, sizeof(err));
    check(el >= ICMPV6_HDR_LEN && (size_t)el <= IPV6_MIN_MTU - IPV6_HDR_LEN);
    check(icmpv6_parse(err, (size_t)el, &h->dst, &h->src, true, &ih) == WIRE_OK);
    check(ih.pointer == off);
}

static void fuzz_chain(const uint8_t *pkt, size_t len, const struct ipv6_hdr *h)
{
    struct ipv6_ext_iter it;
    struct ipv6_ext e;
    ipv6_ext_iter_init(&it, pkt, len, IPV6_EXT_MAX_HDRS, IPV6_EXT_MAX_BYTES);
    size_t prev = 0;
    while (ipv6_ext_next(&it, &e)) {
        check(e.off >= IPV6_HDR_LEN && e.off > prev && e.off + e.len <= len);
        check(e.off + e.len - IPV6_HDR_LEN <= IPV6_EXT_MAX_BYTES);
        check(e.type != IPV6_NH_HOPOPTS || e.off == IPV6_HDR_LEN);
        prev = e.off;
        if (e.type == IPV6_NH_HOPOPTS || e.type == IPV6_NH_DSTOPTS)
            fuzz_options(&e, len);
        if (e.type == IPV6_NH_FRAGMENT)
            fuzz_frag(&e);
    }
    check(it.count <= IPV6_EXT_MAX_HDRS);
    if (it.err) {
        check(it.pp_code < 0 || it.bad_off < len);
        return;
    }
    check(it.off <= len);
    if (it.nh == IPV6_NH_ICMPV6 && !it.frag_later)
        fuzz_icmpv6(pkt, len, it.off, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *pkt = malloc(size ? size : 1); /* exact size: ASan sees overreads */
    check(pkt != NULL);
    if (size)
        memcpy(pkt, data, size);
    struct ipv6_hdr h;
    if (ipv6_parse(pkt, size, &h) == WIRE_OK) {
        uint8_t out[IPV6_HDR_LEN];
        check(ipv6_emit(&h, out, sizeof(out)) == IPV6_HDR_LEN);
        check(memcmp(out, pkt, IPV6_HDR_LEN) == 0);
        fuzz_chain(pkt, IPV6_HDR_LEN + h.payload_len, &h);
        fuzz_text(data, size, &h.src);
    } else {
        struct ipv6_addr a = {{0}};
        memcpy(a.b, data, size < 16 ? size : 16);
        fuzz_text(data, size, &a);
    }
    free(pkt);
    return 0;
}

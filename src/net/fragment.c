/* Fragmentation of outgoing (and forwarded) datagrams (RFC 791 3.2,
 * RFC 1122 3.3.2): 8-byte aligned pieces, options copied into later
 * fragments only when their "copied" flag says so. */
#include <string.h>

#include "core/services.h"
#include "link/link.h"
#include "core/trace.h"
#include "net.h"

/* Options with the copied flag (bit 7 of the type), padded to 4 bytes:
 * the option area of every fragment after the first. */
static size_t ipv4_copied_options(const uint8_t *opt, size_t len, uint8_t out[40])
{
    size_t n = 0;
    struct ipv4_opt_iter it;
    struct ipv4_opt o;
    ipv4_opt_iter_init(&it, opt, len); /* a malformed option ends the walk */
    while (ipv4_opt_next(&it, &o)) {
        if (o.type & 0x80) {
            memcpy(out + n, o.p, o.len);
            n += o.len;
        }
    }
    while (n % 4)
        out[n++] = IPV4_OPT_EOL;
    return n;
}

/* One fragment: header hdr (with fragment fields set by the caller), the
 * option bytes, and `chunk` bytes of data. */
static struct pkt *ipv4_build_fragment(const struct ipv4_hdr *fh, const uint8_t *opts,
                                       const uint8_t *data, size_t chunk)
{
    struct pkt *f = pkt_alloc(PKT_HEADROOM, fh->hdr_len + chunk);
    if (!f)
        return NULL;
    memcpy(f->data + IPV4_HDR_LEN, opts, fh->opt_len);
    memcpy(f->data + fh->hdr_len, data, chunk);
    if (ipv4_emit(fh, f->data, fh->hdr_len) != fh->hdr_len) {
        pkt_free(f);
        return NULL;
    }
    return f;
}

int ipv4_fragment(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t next_hop, struct pkt *p,
                  unsigned mtu)
{
    struct ipv4_hdr h;
    if (ipv4_parse(p->data, p->len, false, &h) != WIRE_OK) {
        stack_stats(st)->ip.FragFails++;
        pkt_free(p);
        return UST_ERR_INVAL;
    }
    uint8_t later_opts[40];
    size_t later_len = ipv4_copied_options(p->data + IPV4_HDR_LEN, h.opt_len, later_opts);
    const uint8_t *data = p->data + h.hdr_len;
    size_t data_len = (size_t)h.total_len - h.hdr_len;
    int rc = UST_OK;
    unsigned count = 0;
    for (size_t off = 0; off < data_len;) {
        bool first = off == 0;
        struct ipv4_hdr fh = h;
        fh.opt_len = (uint8_t)(first ? h.opt_len : later_len);
        fh.hdr_len = (uint8_t)(IPV4_HDR_LEN + fh.opt_len);
        if (mtu < (unsigned)fh.hdr_len + 8) {
            rc = UST_ERR_MSGSIZE;
            break;
        }
        size_t chunk = (mtu - fh.hdr_len) & ~(size_t)7;
        if (chunk > data_len - off)
            chunk = data_len - off;
        bool last = off + chunk == data_len;
        fh.total_len = (uint16_t)(fh.hdr_len + chunk);
        fh.mf = last ? h.mf : true; /* a re-fragmented middle piece keeps MF */
        fh.frag_off = (uint16_t)(h.frag_off + off);
        struct pkt *f = ipv4_build_fragment(&fh, first ? p->data + IPV4_HDR_LEN : later_opts,
                                            data + off, chunk);
        if (!f) {
            rc = UST_ERR_NOMEM;
            break;
        }
        stack_stats(st)->ip.FragCreates++;
        count++;
        int lrc = link_output_ip(st, ifc, next_hop, f);
        if (lrc < 0)
            rc = lrc;
        off += chunk;
    }
    if (rc == UST_ERR_MSGSIZE || rc == UST_ERR_NOMEM)
        stack_stats(st)->ip.FragFails++;
    else
        stack_stats(st)->ip.FragOKs++;
    TRACE(st, "ip", "fragment id %u: %u bytes into %u pieces (mtu %u)", h.id, h.total_len, count,
          mtu);
    pkt_free(p);
    return rc;
}

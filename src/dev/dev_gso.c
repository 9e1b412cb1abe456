/* Software segmentation offload and checksum completion (dev_gso.h):
 * Linux's inet_gso_segment / ipv6_gso_segment / tcp_gso_segment and
 * skb_checksum_help, for
 * devices and middleware that see only wire frames. The frame is our own,
 * but its header lengths are checked like received input: a bug above
 * must not make us read or write outside the packet. */
#include "dev_gso.h"

#include <string.h>

#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "wire/wbuf.h"

#define GSO_TCP_SEQ 4    /* offsets inside the TCP header (RFC 9293 3.1) */
#define GSO_TCP_DOFF 12
#define GSO_TCP_FLAGS 13
#define GSO_TCP_CSUM 16
#define GSO_UDP_LEN 4    /* RFC 768 */
#define GSO_UDP_CSUM 6

/* Bytes of link header in front of the IP header, or UST_ERR_INVAL. */
static int gso_link_len(enum ust_link_type type, const uint8_t *frame, size_t len)
{
    if (type == UST_LINK_IP)
        return 0;
    if (len < ETH_HDR_LEN)
        return UST_ERR_INVAL;
    uint16_t ethertype = get_be16(frame + 12);
    if (ethertype == ETH_TYPE_IPV4 || ethertype == ETH_TYPE_IPV6)
        return ETH_HDR_LEN;
    if (ethertype == ETH_TYPE_VLAN && len >= ETH_HDR_LEN + 4 &&
        (get_be16(frame + 16) == ETH_TYPE_IPV4 || get_be16(frame + 16) == ETH_TYPE_IPV6))
        return ETH_HDR_LEN + 4;
    return UST_ERR_INVAL;
}

/* The transport header's length, checked against the datagram's end. */
static int gso_l4_len(const uint8_t *frame, struct gso_hdrs *h)
{
    size_t room = h->end - h->l4_off;
    const uint8_t *l4 = frame + h->l4_off;
    if (h->proto == IPV4_PROTO_TCP) {
        if (room < TCP_HDR_LEN)
            return UST_ERR_INVAL;
        size_t doff = (size_t)(l4[GSO_TCP_DOFF] >> 4) * 4;
        if (doff < TCP_HDR_LEN || doff > room)
            return UST_ERR_INVAL;
        h->l4_hlen = doff;
        return UST_OK;
    }
    if (h->proto == IPV4_PROTO_UDP && room >= UDP_HDR_LEN && get_be16(l4 + GSO_UDP_LEN) == room) {
        h->l4_hlen = UDP_HDR_LEN;
        return UST_OK;
    }
    return UST_ERR_INVAL;
}

/* The IPv4 header at frame + l2: lengths, not a fragment. */
static int gso_parse_ip4(const uint8_t *frame, size_t len, size_t l2, struct gso_hdrs *h)
{
    const uint8_t *ip = frame + l2;
    if (len - l2 < IPV4_HDR_LEN)
        return UST_ERR_INVAL;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = get_be16(ip + 2);
    if (ihl < IPV4_HDR_LEN || total < ihl || total > len - l2)
        return UST_ERR_INVAL;
    if (get_be16(ip + 6) & 0x3fff) /* MF or a fragment offset: not ours to cut */
        return UST_ERR_INVAL;
    h->l4_off = l2 + ihl;
    h->end = l2 + total;
    h->proto = ip[9];
    return UST_OK;
}

/* The IPv6 header at frame + l2: TCP or UDP right after it (the stack
 * puts no extension header in front of either; a Fragment header means
 * fragments, not ours to cut), the payload inside the frame. */
static int gso_parse_ip6(const uint8_t *frame, size_t len, size_t l2, struct gso_hdrs *h)
{
    const uint8_t *ip = frame + l2;
    if (len - l2 < IPV6_HDR_LEN)
        return UST_ERR_INVAL;
    size_t payload = get_be16(ip + 4);
    if (payload > len - l2 - IPV6_HDR_LEN)
        return UST_ERR_INVAL;
    h->l4_off = l2 + IPV6_HDR_LEN;
    h->end = h->l4_off + payload;
    h->proto = ip[6];
    return UST_OK;
}

int gso_parse(enum ust_link_type type, const uint8_t *frame, size_t len, struct gso_hdrs *h)
{
    int l2 = gso_link_len(type, frame, len);
    if (l2 < 0 || len <= (size_t)l2)
        return UST_ERR_INVAL;
    unsigned version = frame[l2] >> 4;
    h->l3_off = (size_t)l2;
    h->v6 = version == 6;
    /* the version must be the one the link header names */
    if (type != UST_LINK_IP && (get_be16(frame + l2 - 2) == ETH_TYPE_IPV6) != h->v6)
        return UST_ERR_INVAL;
    int rc = version == 4   ? gso_parse_ip4(frame, len, (size_t)l2, h)
             : version == 6 ? gso_parse_ip6(frame, len, (size_t)l2, h)
                            : UST_ERR_INVAL;
    return rc < 0 ? rc : gso_l4_len(frame, h);
}

/* Writes the IPv4 header checksum of the header at ip (ihl bytes). */
static void gso_ip_csum(uint8_t *ip, size_t ihl)
{
    put_be16(ip + 10, 0);
    put_be16(ip + 10, csum_buf(ip, ihl));
}

/* The pseudo-header (RFC 9293 3.1, RFC 768; RFC 8200 8.1 for IPv6) of
 * the datagram at ip for an l4 length of l4_len bytes. */
static uint32_t gso_pseudo(const uint8_t *ip, bool v6, uint8_t proto, size_t l4_len)
{
    if (!v6)
        return csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), proto, (uint16_t)l4_len);
    struct ipv6_addr src, dst;
    memcpy(src.b, ip + 8, 16);
    memcpy(dst.b, ip + 24, 16);
    return ipv6_csum_pseudo(&src, &dst, (uint32_t)l4_len, proto);
}

int gso_csum_complete(struct pkt *p, enum ust_link_type type)
{
    struct gso_hdrs h;
    if (gso_parse(type, p->data, p->len, &h) < 0)
        return UST_ERR_INVAL;
    uint8_t *l4 = p->data + h.l4_off;
    size_t l4_len = h.end - h.l4_off;
    size_t field = h.proto == IPV4_PROTO_TCP ? GSO_TCP_CSUM : GSO_UDP_CSUM;
    put_be16(l4 + field, 0);
    uint32_t ps = gso_pseudo(p->data + h.l3_off, h.v6, h.proto, l4_len);
    uint16_t c = csum_fold(csum_partial(l4, l4_len, ps));
    if (h.proto == IPV4_PROTO_UDP && c == 0)
        c = 0xffff; /* RFC 768, RFC 8200 8.1: zero means "no checksum" */
    put_be16(l4 + field, c);
    p->off = (struct pkt_offload){0};
    return UST_OK;
}

/* What every segment shares: the super-packet's headers and numbers. */
struct gso_job {
    const uint8_t *frame; /* the super-packet */
    struct gso_hdrs h;
    size_t hdr_len;       /* link + IPv4 + TCP headers */
    size_t payload;       /* TCP payload bytes of the super-packet */
    size_t mss;
    uint16_t ip_id;
    uint32_t seq;
    uint8_t flags;
};

static void gso_free(struct pkt_pool *pool, struct pkt *p)
{
    if (pool)
        pkt_pool_free(pool, p);
    else
        pkt_free(p);
}

/* Builds segment i (payload [i*mss, +n)) into a new packet. */
static struct pkt *gso_build(const struct gso_job *j, struct pkt_pool *pool, size_t i, size_t n,
                             bool last)
{
    struct pkt *s = pool ? pkt_pool_alloc(pool, PKT_HEADROOM, j->hdr_len + n)
                         : pkt_alloc(PKT_HEADROOM, j->hdr_len + n);
    if (!s)
        return NULL;
    uint8_t *ip = s->data + j->h.l3_off, *th = s->data + j->h.l4_off;
    memcpy(s->data, j->frame, j->hdr_len);
    memcpy(s->data + j->hdr_len, j->frame + j->hdr_len + i * j->mss, n);
    size_t ihl = j->h.l4_off - j->h.l3_off;
    if (j->h.v6) { /* RFC 8200 3: no identification, no header checksum */
        put_be16(ip + 4, (uint16_t)(j->h.l4_hlen + n));
    } else {
        put_be16(ip + 2, (uint16_t)(ihl + j->h.l4_hlen + n));
        put_be16(ip + 4, (uint16_t)(j->ip_id + i));
        gso_ip_csum(ip, ihl);
    }
    uint8_t flags = j->flags;
    if (!last)
        flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i > 0)
        flags &= (uint8_t)~TCP_CWR;
    put_be32(th + GSO_TCP_SEQ, j->seq + (uint32_t)(i * j->mss));
    th[GSO_TCP_FLAGS] = flags;
    put_be16(th + GSO_TCP_CSUM, 0);
    size_t l4_len = j->h.l4_hlen + n;
    uint32_t ps = gso_pseudo(ip, j->h.v6, IPV4_PROTO_TCP, l4_len);
    put_be16(th + GSO_TCP_CSUM, csum_fold(csum_partial(th, l4_len, ps)));
    return s;
}

/* Fills the job from the super-packet; UST_ERR_INVAL if it cannot be cut. */
static int gso_job_init(struct gso_job *j, const struct pkt *p, enum ust_link_type type)
{
    bool v6 = p->off.gso_type == PKT_GSO_TCPV6;
    if ((p->off.gso_type != PKT_GSO_TCPV4 && !v6) || p->off.gso_size == 0)
        return UST_ERR_INVAL;
    if (gso_parse(type, p->data, p->len, &j->h) < 0 || j->h.proto != IPV4_PROTO_TCP ||
        j->h.v6 != v6)
        return UST_ERR_INVAL;
    const uint8_t *ip = p->data + j->h.l3_off, *th = p->data + j->h.l4_off;
    j->frame = p->data;
    j->hdr_len = j->h.l4_off + j->h.l4_hlen;
    j->payload = j->h.end - j->hdr_len;
    j->mss = p->off.gso_size;
    j->ip_id = v6 ? 0 : get_be16(ip + 4);
    j->seq = get_be32(th + GSO_TCP_SEQ);
    j->flags = th[GSO_TCP_FLAGS];
    return UST_OK;
}

int gso_segment(struct pkt *p, enum ust_link_type type, struct pkt_pool *pool, gso_emit_fn emit,
                void *arg)
{
    struct gso_job j;
    if (gso_job_init(&j, p, type) < 0) {
        gso_free(pool, p);
        return UST_ERR_INVAL;
    }
    if (j.payload <= j.mss) { /* nothing to cut: Linux sends it as it is */
        gso_csum_complete(p, type);
        int rc = emit(arg, p);
        return rc < 0 ? rc : 1;
    }
    size_t count = (j.payload + j.mss - 1) / j.mss;
    int first_err = 0;
    size_t i = 0;
    for (; i < count; i++) {
        size_t n = i + 1 < count ? j.mss : j.payload - i * j.mss;
        struct pkt *s = gso_build(&j, pool, i, n, i + 1 == count);
        if (!s) {
            first_err = first_err ? first_err : UST_ERR_NOMEM;
            break;
        }
        int rc = emit(arg, s);
        if (rc < 0 && !first_err)
            first_err = rc;
    }
    gso_free(pool, p);
    return first_err ? first_err : (int)count;
}

/* Capture file encoders: classic libpcap (nanosecond magic 0xa1b23c4d,
 * version 2.4) and pcapng (draft-ietf-opsawg-pcapng: Section Header Block,
 * one Interface Description Block, Enhanced Packet Blocks). Every field is
 * written with explicit little-endian stores (pcapng's byte-order magic
 * tells readers which), never through a struct overlay. */
#include <string.h>

#include "dev_pcap.h"
#include "wire/wbuf.h"

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_LINKTYPE_RAW 101u /* bare IPv4/IPv6 packets */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_BOM 0x1a2b3c4du
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define EPB_INBOUND 1u
#define EPB_OUTBOUND 2u
#define ETH_OVERHEAD 18u /* Ethernet header and one VLAN tag */

static uint32_t linktype(const struct ust_dev *dev)
{
    return dev->type == UST_LINK_IP ? PCAP_LINKTYPE_RAW : PCAP_LINKTYPE_ETHERNET;
}

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static bool put(struct pcap_writer *w, const void *buf, size_t len)
{
    if (w->failed)
        return false;
    if (len && fwrite(buf, 1, len, w->f) != len) {
        w->failed = true;
        w->errors++;
        return false;
    }
    w->dirty = true;
    w->buffered += len;
    return true;
}

void pcap_fmt_flush(struct pcap_writer *w)
{
    w->buffered = 0;
    if (!w->dirty || w->failed)
        return;
    w->dirty = false;
    if (fflush(w->f) != 0) {
        w->failed = true;
        w->errors++;
    }
}

/* A record of n bytes is about to be written: it must not be split by
 * stdio flushing a full buffer halfway through it. */
static void make_room(struct pcap_writer *w, size_t n)
{
    if (w->iobuf_len && w->buffered + n > w->iobuf_len)
        pcap_fmt_flush(w);
}

/* One pcapng option (code, length, value padded to 4) into buf; its size. */
static size_t opt(uint8_t *buf, uint16_t code, const void *val, size_t len)
{
    put_le16(buf, code);
    put_le16(buf + 2, (uint16_t)len);
    memcpy(buf + 4, val, len);
    memset(buf + 4 + len, 0, pad4(len) - len);
    return 4 + pad4(len);
}

static size_t opt_end(uint8_t *buf)
{
    put_le32(buf, 0);
    return 4;
}

static bool classic_header(struct pcap_writer *w, const struct ust_dev *dev)
{
    uint8_t h[24];
    put_le32(h, PCAP_MAGIC_NSEC);
    put_le16(h + 4, 2);
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);  /* thiszone: timestamps are UTC already */
    put_le32(h + 12, 0); /* sigfigs */
    put_le32(h + 16, w->snaplen);
    put_le32(h + 20, linktype(dev));
    return put(w, h, sizeof(h));
}

/* A block: type, total length, body (padded), total length again. */
static bool block(struct pcap_writer *w, uint32_t type, const uint8_t *body, size_t len)
{
    uint8_t h[8], t[4];
    uint32_t total = (uint32_t)(12 + len);
    put_le32(h, type);
    put_le32(h + 4, total);
    put_le32(t, total);
    return put(w, h, 8) && put(w, body, len) && put(w, t, 4);
}

static bool ng_header(struct pcap_writer *w, const struct ust_dev *dev)
{
    uint8_t b[256];
    size_t n = 0;
    put_le32(b, PCAPNG_BOM);
    put_le16(b + 4, 1); /* version 1.0 */
    put_le16(b + 6, 0);
    memset(b + 8, 0xff, 8); /* section length: not known */
    n = 16;
    n += opt(b + n, SHB_USERAPPL, "ustack", 6);
    n += opt_end(b + n);
    if (!block(w, PCAPNG_SHB, b, n))
        return false;
    /* The interface: the device's name and MTU; a snapshot length no
     * longer than its largest frame. */
    unsigned frame_max = dev->mtu + (dev->type == UST_LINK_IP ? 0 : ETH_OVERHEAD);
    if (w->snaplen > frame_max)
        w->snaplen = frame_max;
    put_le16(b, (uint16_t)linktype(dev));
    put_le16(b + 2, 0);
    put_le32(b + 4, w->snaplen);
    n = 8;
    n += opt(b + n, IF_NAME, dev->name, strlen(dev->name));
    char desc[64];
    int dl = snprintf(desc, sizeof(desc), "ustack %s, mtu %u", dev->name, dev->mtu);
    n += opt(b + n, IF_DESCRIPTION, desc, (size_t)dl);
    uint8_t resol = 9; /* nanoseconds */
    n += opt(b + n, IF_TSRESOL, &resol, 1);
    n += opt_end(b + n);
    return block(w, PCAPNG_IDB, b, n);
}

bool pcap_fmt_header(struct pcap_writer *w, const struct ust_dev *dev)
{
    return w->ng ? ng_header(w, dev) : classic_header(w, dev);
}

static bool classic_record(struct pcap_writer *w, uint64_t stamp, const uint8_t *frame,
                           size_t len, size_t incl)
{
    uint8_t h[16];
    put_le32(h, (uint32_t)(stamp / UST_SEC));
    put_le32(h + 4, (uint32_t)(stamp % UST_SEC));
    put_le32(h + 8, (uint32_t)incl);
    put_le32(h + 12, (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len));
    make_room(w, sizeof(h) + incl);
    return put(w, h, sizeof(h)) && put(w, frame, incl);
}

static bool ng_record(struct pcap_writer *w, uint64_t stamp, const uint8_t *frame, size_t len,
                      size_t incl, bool outbound, const char *note)
{
    uint8_t h[28], opts[16 + 8 + 256 + 4];
    size_t nl = strlen(note), n = 0;
    if (nl > 255)
        nl = 255;
    if (nl)
        n += opt(opts + n, OPT_COMMENT, note, nl);
    uint8_t flags[4];
    put_le32(flags, outbound ? EPB_OUTBOUND : EPB_INBOUND);
    n += opt(opts + n, EPB_FLAGS, flags, 4);
    n += opt_end(opts + n);
    uint32_t total = (uint32_t)(32 + pad4(incl) + n);
    put_le32(h, PCAPNG_EPB);
    put_le32(h + 4, total);
    put_le32(h + 8, 0); /* the file's one interface */
    put_le32(h + 12, (uint32_t)(stamp >> 32));
    put_le32(h + 16, (uint32_t)stamp);
    put_le32(h + 20, (uint32_t)incl);
    put_le32(h + 24, (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len));
    static const uint8_t zero[3];
    uint8_t t[4];
    put_le32(t, total);
    make_room(w, total);
    return put(w, h, sizeof(h)) && put(w, frame, incl) && put(w, zero, pad4(incl) - incl) &&
           put(w, opts, n) && put(w, t, 4);
}

bool pcap_fmt_record(struct pcap_writer *w, uint64_t stamp, const uint8_t *frame, size_t len,
                     bool outbound, const char *note)
{
    size_t incl = len < w->snaplen ? len : w->snaplen;
    if (!(w->ng ? ng_record(w, stamp, frame, len, incl, outbound, note)
                : classic_record(w, stamp, frame, len, incl)))
        return false;
    w->frames++;
    return true;
}

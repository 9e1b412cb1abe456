/* Packet capture middleware: a layer at the top of the device's chain (so
 * it records what the stack sends, before shaping, and what the stack
 * receives, after the fault injector) that writes every frame a device sends or receives
 * to a pcap file (the classic libpcap format with nanosecond timestamps,
 * magic 0xa1b23c4d, version 2.4), which Wireshark and tshark read.
 * Fields are written with explicit little-endian stores, never through a
 * struct overlay. A failed write stops the capture (counted) rather than
 * disturbing the stack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"
#include "wire/wbuf.h"

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_SNAPLEN 262144u
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_LINKTYPE_RAW 101u /* bare IPv4/IPv6 packets */
#define PCAP_GLOBAL_HDR_LEN 24
#define PCAP_RECORD_HDR_LEN 16

struct pcap_writer {
    struct dev_layer layer; /* first: the layer is the writer */
    FILE *f;
    bool owned;     /* opened by us: closed on detach */
    bool streaming; /* stdout or a pipe reader: flush every record */
    bool failed;    /* a write failed: capture stopped */
    uint64_t frames;
    uint64_t errors;
};

static uint32_t pcap_linktype(const struct ust_dev *dev)
{
    return dev->type == UST_LINK_IP ? PCAP_LINKTYPE_RAW : PCAP_LINKTYPE_ETHERNET;
}

static bool pcap_put(struct pcap_writer *w, const void *buf, size_t len)
{
    if (w->failed)
        return false;
    if (len && fwrite(buf, 1, len, w->f) != len) {
        w->failed = true;
        w->errors++;
        return false;
    }
    return true;
}

static bool pcap_write_global_header(struct pcap_writer *w, uint32_t linktype)
{
    uint8_t h[PCAP_GLOBAL_HDR_LEN];
    put_le32(h, PCAP_MAGIC_NSEC);
    put_le16(h + 4, PCAP_VERSION_MAJOR);
    put_le16(h + 6, PCAP_VERSION_MINOR);
    put_le32(h + 8, 0);  /* thiszone: timestamps are UTC-relative already */
    put_le32(h + 12, 0); /* sigfigs */
    put_le32(h + 16, PCAP_SNAPLEN);
    put_le32(h + 20, linktype);
    if (!pcap_put(w, h, sizeof(h)))
        return false;
    if (fflush(w->f) != 0) {
        w->failed = true;
        w->errors++;
        return false;
    }
    return true;
}

static void pcap_write_frame(struct pcap_writer *w, ust_time_t now, const uint8_t *frame, size_t len)
{
    if (!w || w->failed)
        return;
    size_t incl = len < PCAP_SNAPLEN ? len : PCAP_SNAPLEN;
    uint8_t h[PCAP_RECORD_HDR_LEN];
    put_le32(h, (uint32_t)(now / UST_SEC));
    put_le32(h + 4, (uint32_t)(now % UST_SEC));
    put_le32(h + 8, (uint32_t)incl);
    put_le32(h + 12, (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len));
    if (!pcap_put(w, h, sizeof(h)) || !pcap_put(w, frame, incl))
        return;
    w->frames++;
    if (w->streaming && fflush(w->f) != 0) {
        w->failed = true;
        w->errors++;
    }
}

static void pcap_writer_free(struct pcap_writer *w)
{
    if (!w)
        return;
    if (w->owned)
        fclose(w->f);
    else if (!w->failed)
        fflush(w->f);
    free(w);
}

static int pcap_layer_transmit(struct dev_layer *l, ust_time_t now, struct pkt *p)
{
    pcap_write_frame((struct pcap_writer *)l, now, p->data, p->len);
    return dev_layer_transmit_below(l, now, p);
}

static int pcap_layer_input(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len)
{
    pcap_write_frame((struct pcap_writer *)l, now, frame, len);
    return dev_layer_input_above(l, now, frame, len);
}

static void pcap_layer_free(struct dev_layer *l) { pcap_writer_free((struct pcap_writer *)l); }

static const struct dev_layer_ops pcap_layer_ops = {
    .name = "pcap",
    .rank = 0,
    .transmit = pcap_layer_transmit,
    .input = pcap_layer_input,
    .free = pcap_layer_free,
};

static struct pcap_writer *pcap_of(const struct ust_dev *dev)
{
    return (struct pcap_writer *)dev_layer_find(dev, &pcap_layer_ops);
}

static int pcap_install(struct ust_dev *dev, FILE *f, bool owned, bool streaming)
{
    struct pcap_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return UST_ERR_NOMEM;
    w->layer.ops = &pcap_layer_ops;
    w->f = f;
    w->owned = owned;
    w->streaming = streaming;
    if (!pcap_write_global_header(w, pcap_linktype(dev))) {
        TRACE(dev->st, "pcap", "%s: cannot write the pcap header", dev->name);
        w->owned = false; /* the caller still owns f on failure */
        pcap_writer_free(w);
        return UST_ERR_IO;
    }
    dev_layer_insert(dev, &w->layer); /* replaces a capture already on */
    TRACE(dev->st, "pcap", "%s: capture on (linktype %u)", dev->name, pcap_linktype(dev));
    return UST_OK;
}

int ust_dev_pcap_open(struct ust_dev *dev, const char *path)
{
    if (!dev || !path || !*path)
        return UST_ERR_INVAL;
    if (strcmp(path, "-") == 0)
        return pcap_install(dev, stdout, false, true);
    FILE *f = fopen(path, "wb");
    if (!f)
        return UST_ERR_IO;
    int rc = pcap_install(dev, f, true, false);
    if (rc != UST_OK)
        fclose(f);
    return rc;
}

int ust_dev_pcap_attach(struct ust_dev *dev, void *file)
{
    if (!dev || !file)
        return UST_ERR_INVAL;
    /* A FILE* handed in may feed a live reader (a pipe): flush per frame. */
    return pcap_install(dev, file, false, true);
}

void ust_dev_pcap_close(struct ust_dev *dev)
{
    struct pcap_writer *w = dev ? pcap_of(dev) : NULL;
    if (w)
        dev_layer_remove(dev, &w->layer);
}

uint64_t pcap_write_errors(const struct ust_dev *dev)
{
    struct pcap_writer *w = dev ? pcap_of(dev) : NULL;
    return w ? w->errors : 0;
}

bool pcap_attached(const struct ust_dev *dev) { return dev && pcap_of(dev); }

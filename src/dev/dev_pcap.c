/* Packet capture middleware: a layer at the top of the device's chain (so
 * it records what the stack sends, before shaping, and what the stack
 * receives, after the fault injector) that writes every frame a device
 * sends or receives to a pcap or pcapng file (dev_pcap_fmt.c), which
 * Wireshark and tshark read, also while it grows: records reach the file
 * at least once a second (a stack timer covers an idle link) and when the
 * capture, device or stack is closed, so a kill -9 loses at most about a
 * second. Real wires (TAP/TUN) are stamped with wall-clock time, read here
 * (src/dev may read clocks), so captures line up with tcpdump's; other
 * devices with the stack's clock (the simulator's virtual time).
 * A failed write stops the capture (counted) rather than disturbing the
 * stack. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/trace.h"
#include "dev_host.h"
#include "dev_pcap.h"

#define PCAP_FLUSH_INTERVAL UST_SEC /* the most a kill -9 loses */

static uint64_t pcap_stamp(const struct pcap_writer *w, ust_time_t now)
{
    if (!w->layer.dev->wall_clock)
        return now;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return now;
    return (uint64_t)ts.tv_sec * UST_SEC + (uint64_t)ts.tv_nsec;
}

static void pcap_flush(struct pcap_writer *w, ust_time_t now)
{
    w->last_flush = now;
    pcap_fmt_flush(w);
}

static void pcap_flush_fired(struct ust_stack *st, struct ust_timer *t, ust_time_t now)
{
    (void)st;
    pcap_flush((struct pcap_writer *)((char *)t - offsetof(struct pcap_writer, flush_timer)), now);
}

/* After a record: flush now if a second has passed (or a reader follows
 * every frame), else make sure the timer will. */
static void pcap_after_write(struct pcap_writer *w, ust_time_t now)
{
    if (w->streaming || now >= w->last_flush + PCAP_FLUSH_INTERVAL) {
        pcap_flush(w, now);
        return;
    }
    if (!timer_armed(&w->flush_timer))
        timer_arm(w->layer.dev->st, &w->flush_timer, w->last_flush + PCAP_FLUSH_INTERVAL);
}

static void pcap_write(struct pcap_writer *w, ust_time_t now, uint64_t stamp, const uint8_t *frame,
                       size_t len, bool outbound, const char *note)
{
    if (w->failed)
        return;
    pcap_fmt_record(w, stamp, frame, len, outbound, note);
    pcap_after_write(w, now);
}

/* The held received frame goes out with what the stack said about it. */
static void pcap_release_rx(struct pcap_writer *w, ust_time_t now)
{
    if (!w->rx_frame)
        return;
    char note[TRACE_NOTE_LEN];
    trace_note_take(w->layer.dev->st, false, note, sizeof(note));
    pcap_write(w, now, w->rx_stamp, w->rx_frame, w->rx_len, false, note);
    w->rx_frame = NULL;
}

/* Does the frame carry an IP datagram? Only those take a sent-frame note:
 * an ARP request sent while a segment waits for its answer must not. */
static bool carries_ip(const struct ust_dev *dev, const struct pkt *p)
{
    if (dev->type == UST_LINK_IP)
        return p->len > 0 && (p->data[0] >> 4) == 4;
    return p->len >= 14 && p->data[12] == 0x08 && p->data[13] == 0x00;
}

static int pcap_layer_transmit(struct dev_layer *l, ust_time_t now, struct pkt *p)
{
    struct pcap_writer *w = (struct pcap_writer *)l;
    char note[TRACE_NOTE_LEN] = "";
    if (w->ng) {
        pcap_release_rx(w, now); /* a reply follows the frame it answers */
        if (carries_ip(l->dev, p))
            trace_note_take(l->dev->st, true, note, sizeof(note));
    }
    pcap_write(w, now, pcap_stamp(w, now), p->data, p->len, true, note);
    return dev_layer_transmit_below(l, now, p);
}

static int pcap_layer_input(struct dev_layer *l, ust_time_t now, const uint8_t *frame, size_t len)
{
    struct pcap_writer *w = (struct pcap_writer *)l;
    struct ust_stack *st = l->dev->st;
    if (!w->ng || !trace_notes_on(st)) {
        pcap_write(w, now, pcap_stamp(w, now), frame, len, false, "");
        return dev_layer_input_above(l, now, frame, len);
    }
    pcap_release_rx(w, now); /* one held at a time */
    w->rx_frame = frame;
    w->rx_len = len;
    w->rx_stamp = pcap_stamp(w, now);
    trace_rx_begin(st);
    int rc = dev_layer_input_above(l, now, frame, len);
    pcap_release_rx(w, now);
    trace_rx_end(st);
    return rc;
}

static void pcap_layer_free(struct dev_layer *l)
{
    struct pcap_writer *w = (struct pcap_writer *)l;
    if (l->dev) {
        timer_cancel(l->dev->st, &w->flush_timer);
        if (w->ng && stack_services(l->dev->st)->notes.wanted)
            stack_services(l->dev->st)->notes.wanted--;
    }
    if (w->owned)
        fclose(w->f);
    else if (!w->failed)
        fflush(w->f);
    free(w->iobuf); /* after fclose: it was the stream's buffer */
    free(w);
}

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

static bool path_is_pcapng(const char *path)
{
    size_t n = strlen(path);
    return n >= 7 && !strcmp(path + n - 7, ".pcapng");
}

/* Room for the largest record: the frame and the pcapng block around it. */
#define PCAP_RECORD_OVERHEAD 512

/* Installs a writer on f. A file we opened (owned) is closed on failure;
 * another stays the caller's. */
static int pcap_install(struct ust_dev *dev, FILE *f, bool owned, bool streaming,
                        const struct ust_pcap_opts *o)
{
    struct pcap_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        if (owned)
            fclose(f);
        return UST_ERR_NOMEM;
    }
    w->snaplen = o->snaplen ? o->snaplen : PCAP_DEFAULT_SNAPLEN;
    if (owned) {
        w->iobuf_len = w->snaplen + PCAP_RECORD_OVERHEAD;
        if ((w->iobuf = malloc(w->iobuf_len)) == NULL ||
            setvbuf(f, w->iobuf, _IOFBF, w->iobuf_len) != 0)
            w->iobuf_len = 0; /* stdio's own buffer then */
    }
    w->layer.ops = &pcap_layer_ops;
    w->f = f;
    w->streaming = streaming;
    w->ng = o->format == UST_PCAP_NG;
    timer_init(&w->flush_timer, pcap_flush_fired);
    if (!pcap_fmt_header(w, dev) || fflush(f) != 0) {
        TRACE(dev->st, "pcap", "%s: cannot write the capture header", dev->name);
        int e = errno;
        if (owned)
            fclose(f);
        free(w->iobuf);
        free(w);
        errno = e;
        return UST_ERR_IO;
    }
    w->buffered = 0;
    w->dirty = false;
    w->owned = owned;
    w->last_flush = stack_now(dev->st);
    dev_layer_insert(dev, &w->layer); /* replaces a capture already on */
    if (w->ng)
        stack_services(dev->st)->notes.wanted++;
    TRACE(dev->st, "pcap", "%s: capture on (%s, snaplen %u)", dev->name,
          w->ng ? "pcapng" : "pcap", w->snaplen);
    return UST_OK;
}

/* fopen's errno as a ust_err (errno itself is left for the caller). */
static int open_error(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: return UST_ERR_NOENT;
    case EACCES: return UST_ERR_ACCES;
    case EPERM: case EROFS: return UST_ERR_PERM;
    case ENOMEM: return UST_ERR_NOMEM;
    default: return UST_ERR_IO;
    }
}

int ust_dev_pcap_open_opts(struct ust_dev *dev, const char *path, const struct ust_pcap_opts *opts)
{
    if (!dev || !path || !*path)
        return UST_ERR_INVAL;
    struct ust_pcap_opts o = opts ? *opts : (struct ust_pcap_opts){0};
    if (o.format == UST_PCAP_AUTO)
        o.format = path_is_pcapng(path) ? UST_PCAP_NG : UST_PCAP_CLASSIC;
    if (strcmp(path, "-") == 0)
        return pcap_install(dev, stdout, false, true, &o);
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        TRACE(dev->st, "pcap", "%s: %s", path, strerror(e));
        errno = e;
        return open_error(e);
    }
    return pcap_install(dev, f, true, false, &o); /* closes f on failure */
}

int ust_dev_pcap_open(struct ust_dev *dev, const char *path)
{
    return ust_dev_pcap_open_opts(dev, path, NULL);
}

int ust_dev_pcap_attach(struct ust_dev *dev, void *file)
{
    if (!dev || !file)
        return UST_ERR_INVAL;
    /* A FILE* handed in may feed a live reader (a pipe): flush per frame. */
    struct ust_pcap_opts o = {.format = UST_PCAP_CLASSIC};
    return pcap_install(dev, file, false, true, &o);
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

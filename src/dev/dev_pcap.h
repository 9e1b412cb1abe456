/* The capture writer shared by the capture layer (dev_pcap.c) and the two
 * file formats' encoders (dev_pcap_fmt.c). */
#ifndef UST_DEV_PCAP_H
#define UST_DEV_PCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/timer.h"
#include "dev_impl.h"

#define PCAP_DEFAULT_SNAPLEN 262144u /* as tcpdump -s 0 */

struct pcap_writer {
    struct dev_layer layer; /* first: the layer is the writer */
    FILE *f;
    bool owned;     /* opened by us: closed on detach */
    bool streaming; /* stdout or a pipe reader: flush every record */
    bool failed;    /* a write failed: capture stopped */
    bool ng;        /* pcapng (else classic pcap) */
    bool dirty;     /* records written since the last flush */
    unsigned snaplen;
    ust_time_t last_flush;      /* stack time of the last flush */
    struct ust_timer flush_timer; /* an idle link's records reach the file too */
    /* A received frame held until the layers above have handled it, so
     * that its pcapng comment can say what they did with it (borrowed:
     * valid during the input call only). */
    const uint8_t *rx_frame;
    size_t rx_len;
    uint64_t rx_stamp;
    /* The stdio buffer of a file we opened: larger than any record, and
     * flushed before a record that would not fit, so the file on disk
     * always ends with a whole record (a kill -9 leaves a readable file). */
    char *iobuf;
    size_t iobuf_len;
    size_t buffered;  /* bytes in it since the last flush */
    uint64_t frames;
    uint64_t errors;
};

/* Writes what is buffered to the file (counted on failure). */
void pcap_fmt_flush(struct pcap_writer *w);

/* File header: classic global header, or pcapng section header and the
 * device's interface description block. false: write failed (counted). */
bool pcap_fmt_header(struct pcap_writer *w, const struct ust_dev *dev);
/* One frame: stamp in nanoseconds since the epoch (or the stack's clock),
 * outbound or not, and the stack's note (pcapng only; "" for none). */
bool pcap_fmt_record(struct pcap_writer *w, uint64_t stamp, const uint8_t *frame, size_t len,
                     bool outbound, const char *note);

#endif

/* Packet capture: exact bytes of the pcap global header and record headers
 * for both link types, both directions, a bounded failure mode, pcapng
 * blocks with the stack's notes as comments, snaplen and the flush rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stack_impl.h"
#include "core/timer.h"
#include "core/trace.h"
#include "dev/dev_impl.h"
#include "ustack/ustack.h"

static int sink_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)now;
    (void)frame;
    (void)len;
    return 0;
}

static const struct ust_dev_ops sink_ops = {.transmit = sink_transmit};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t slurp(FILE *f, uint8_t *buf, size_t cap)
{
    fflush(f);
    rewind(f);
    return fread(buf, 1, cap, f);
}

static void send_frame(struct ust_dev *dev, ust_time_t now, uint8_t fill, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    assert_non_null(p);
    memset(p->data, fill, len);
    assert_int_equal(dev_transmit(dev, now, p), 0);
}

static const uint8_t global_eth[24] = {
    0x4d, 0x3c, 0xb2, 0xa1, /* magic: nanosecond timestamps */
    0x02, 0x00, 0x04, 0x00, /* version 2.4 */
    0, 0, 0, 0, 0, 0, 0, 0, /* thiszone, sigfigs */
    0x00, 0x00, 0x04, 0x00, /* snaplen 262144 */
    0x01, 0x00, 0x00, 0x00, /* LINKTYPE_ETHERNET */
};

static void test_pcap_ethernet_both_directions(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    assert_non_null(dev);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(ust_dev_pcap_attach(dev, f), 0);

    send_frame(dev, 1 * UST_SEC + 500000007, 0xaa, 60);             /* transmit */
    uint8_t in[42];
    memset(in, 0x55, sizeof(in));
    ust_dev_input(dev, 3 * UST_SEC + 999999999, in, sizeof(in));    /* receive */

    uint8_t buf[512];
    size_t n = slurp(f, buf, sizeof(buf));
    assert_int_equal(n, 24 + 16 + 60 + 16 + 42);
    assert_memory_equal(buf, global_eth, 24);
    const uint8_t *r = buf + 24;
    assert_int_equal(le32(r), 1);
    assert_int_equal(le32(r + 4), 500000007);
    assert_int_equal(le32(r + 8), 60);
    assert_int_equal(le32(r + 12), 60);
    assert_int_equal(r[16], 0xaa);
    assert_int_equal(r[16 + 59], 0xaa);
    r += 16 + 60;
    assert_int_equal(le32(r), 3);
    assert_int_equal(le32(r + 4), 999999999);
    assert_int_equal(le32(r + 8), 42);
    assert_int_equal(le32(r + 12), 42);
    assert_memory_equal(r + 16, in, 42);

    ust_dev_pcap_close(dev);
    send_frame(dev, 5 * UST_SEC, 0x11, 60); /* not captured any more */
    assert_int_equal(slurp(f, buf, sizeof(buf)), n);
    ust_stack_free(st);
    fclose(f);
}

static void test_pcap_raw_ip_file(void **state)
{
    (void)state;
    char path[] = "/tmp/ustack_pcap_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "tun0", UST_LINK_IP, NULL, 1500, &sink_ops, NULL);
    assert_int_equal(ust_dev_pcap_open(dev, path), 0);
    send_frame(dev, 0, 0x45, 20);
    send_frame(dev, 42 * UST_SEC, 0x45, 28);
    ust_stack_free(st); /* closes the capture file */

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t buf[256];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    unlink(path);
    assert_int_equal(n, 24 + 16 + 20 + 16 + 28);
    assert_memory_equal(buf, global_eth, 20);
    assert_int_equal(le32(buf + 20), 101); /* LINKTYPE_RAW */
    assert_int_equal(le32(buf + 24), 0);
    assert_int_equal(le32(buf + 28), 0);
    assert_int_equal(le32(buf + 32), 20);
    const uint8_t *r = buf + 24 + 16 + 20;
    assert_int_equal(le32(r), 42);
    assert_int_equal(le32(r + 4), 0);
    assert_int_equal(le32(r + 8), 28);
}

static void test_pcap_open_bad_path(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    errno = 0;
    assert_int_equal(ust_dev_pcap_open(dev, "/nonexistent-dir/x.pcap"), UST_ERR_NOENT);
    assert_int_equal(errno, ENOENT); /* the system's reason is kept for the message */
    assert_false(pcap_attached(dev));
    assert_int_equal(ust_dev_pcap_open(dev, ""), UST_ERR_INVAL);
    ust_stack_free(st);
}

/* A sink that runs out of space: the capture stops, counts the failure, and
 * the device keeps working. */
static void test_pcap_write_failure_stops_capture(void **state)
{
    (void)state;
    static char mem[64];
    FILE *f = fmemopen(mem, sizeof(mem), "w");
    assert_non_null(f);
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    assert_int_equal(ust_dev_pcap_attach(dev, f), 0);
    send_frame(dev, 1, 0x01, 100); /* 16 + 100 bytes do not fit in 40 left */
    assert_int_equal(pcap_write_errors(dev), 1);
    send_frame(dev, 2, 0x02, 100);
    send_frame(dev, 3, 0x03, 100);
    assert_int_equal(pcap_write_errors(dev), 1); /* stopped, not retried */
    assert_int_equal(dev->stats.tx_frames, 3);
    ust_stack_free(st);
    fclose(f);
}

/* "-" streams to standard output, flushed after every frame so a live
 * reader (tshark -r - / -i -) sees each one at once. */
static void test_pcap_stdout_streams(void **state)
{
    (void)state;
    char path[] = "/tmp/ustack_pcap_stdout_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(dup2(fd, 1) == 1);
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    int rc = ust_dev_pcap_open(dev, "-");
    send_frame(dev, 2 * UST_SEC + 5, 0x77, 64);
    struct stat sb;
    int frc = fstat(fd, &sb); /* before any close: the frame is already out */
    ust_dev_pcap_close(dev); /* must not close stdout */
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(frc, 0);
    assert_int_equal(sb.st_size, 24 + 16 + 64);
    assert_true(fcntl(1, F_GETFD) != -1);
    uint8_t buf[256];
    assert_int_equal(pread(fd, buf, sizeof(buf), 0), 24 + 16 + 64);
    assert_memory_equal(buf, global_eth, 24);
    assert_int_equal(le32(buf + 24), 2);
    assert_int_equal(le32(buf + 28), 5);
    close(fd);
    unlink(path);
    ust_stack_free(st);
}

static char *temp_path(const char *suffix)
{
    static const char tmpl[] = "/tmp/ustack_pcapng_XXXXXX";
    size_t sl = strlen(suffix);
    char *path = malloc(sizeof(tmpl) + sl);
    assert_non_null(path);
    memcpy(path, tmpl, sizeof(tmpl));
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    strcat(path, suffix);
    return path;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static off_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_size;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The value of pcapng option `code` in the options at p (up to end), or NULL. */
static const uint8_t *ng_option(const uint8_t *p, const uint8_t *end, uint16_t code,
                                uint16_t *len)
{
    while (p + 4 <= end && le16(p) != 0) {
        uint16_t l = le16(p + 2);
        if (le16(p) == code) {
            *len = l;
            return p + 4;
        }
        p += 4 + ((l + 3u) & ~3u);
    }
    return NULL;
}

/* An Ethernet frame of ethertype 0x08<type_lo> (0x00 IPv4, 0x06 ARP). */
static void send_typed_frame(struct ust_dev *dev, ust_time_t now, uint8_t type_lo, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    assert_non_null(p);
    memset(p->data, 0x45, len);
    p->data[12] = 0x08;
    p->data[13] = type_lo;
    assert_int_equal(dev_transmit(dev, now, p), 0);
}

static void quiet_sink(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)ctx;
    (void)now;
    (void)layer;
    (void)msg;
}

/* pcapng from the suffix: a section header, one interface block with the
 * device's name, nanosecond resolution and a snapshot length no longer
 * than the device's largest frame (or --snaplen), then enhanced packet
 * blocks with the direction, the kept and the real length, and the
 * stack's note about a sent frame as its comment. */
static void test_pcapng_blocks_and_comment(void **state)
{
    (void)state;
    char *path = temp_path(".pcapng");
    struct ust_stack *st = ust_stack_new(NULL);
    ust_stack_set_trace(st, quiet_sink, NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    struct ust_pcap_opts o = {.snaplen = 100};
    assert_int_equal(ust_dev_pcap_open_opts(dev, path, &o), 0);
    TRACE_NOTE_TX(st, "TCP retransmission (RTO)");
    send_typed_frame(dev, 6 * UST_SEC, 0x06, 60);      /* ARP first (the segment waits) */
    send_typed_frame(dev, 7 * UST_SEC + 3, 0x00, 300); /* the IPv4 frame gets the note */
    trace_note_tx_clear(st);
    send_typed_frame(dev, 8 * UST_SEC, 0x00, 60); /* no note: no comment */
    ust_stack_free(st);

    uint8_t buf[2048];
    size_t n = read_file(path, buf, sizeof(buf));
    unlink(path);
    free(path);
    assert_true(n > 28);
    assert_int_equal(le32(buf), 0x0a0d0d0a);     /* Section Header Block */
    assert_int_equal(le32(buf + 8), 0x1a2b3c4d); /* byte-order magic */
    const uint8_t *idb = buf + le32(buf + 4);
    assert_int_equal(le32(idb), 1);              /* Interface Description Block */
    assert_int_equal(le16(idb + 8), 1);          /* LINKTYPE_ETHERNET */
    assert_int_equal(le32(idb + 12), 100);       /* snaplen */
    uint16_t l;
    const uint8_t *v = ng_option(idb + 16, idb + le32(idb + 4) - 4, 2, &l); /* if_name */
    assert_non_null(v);
    assert_int_equal(l, 4);
    assert_memory_equal(v, "app0", 4);
    v = ng_option(idb + 16, idb + le32(idb + 4) - 4, 9, &l); /* if_tsresol */
    assert_non_null(v);
    assert_int_equal(v[0], 9);
    const uint8_t *arp = idb + le32(idb + 4);
    assert_int_equal(le32(arp + 20), 60);
    assert_null(ng_option(arp + 28 + 60, arp + le32(arp + 4) - 4, 1, &l)); /* not ARP's */
    const uint8_t *epb = arp + le32(arp + 4);
    assert_int_equal(le32(epb), 6);              /* Enhanced Packet Block */
    uint64_t ts = (uint64_t)le32(epb + 12) << 32 | le32(epb + 16);
    assert_true(ts == 7 * UST_SEC + 3);          /* the stack's clock: not a TAP */
    assert_int_equal(le32(epb + 20), 100);       /* kept */
    assert_int_equal(le32(epb + 24), 300);       /* on the wire */
    const uint8_t *opts = epb + 28 + 100, *end = epb + le32(epb + 4) - 4;
    v = ng_option(opts, end, 1, &l);             /* opt_comment */
    assert_non_null(v);
    assert_int_equal(l, strlen("TCP retransmission (RTO)"));
    assert_memory_equal(v, "TCP retransmission (RTO)", l);
    v = ng_option(opts, end, 2, &l);             /* epb_flags */
    assert_non_null(v);
    assert_int_equal(le32(v) & 3, 2);            /* outbound */
    const uint8_t *epb2 = epb + le32(epb + 4);
    assert_int_equal(le32(epb2 + 24), 60);
    assert_null(ng_option(epb2 + 28 + 60, epb2 + le32(epb2 + 4) - 4, 1, &l));
    assert_int_equal((size_t)(epb2 + le32(epb2 + 4) - buf), n);
}

/* A received frame the stack drops carries the reason as its comment
 * (written after the layers above have handled it) and is inbound. */
static void test_pcapng_rx_drop_comment(void **state)
{
    (void)state;
    char *path = temp_path(".pcapng");
    struct ust_stack *st = ust_stack_new(NULL);
    ust_stack_set_trace(st, quiet_sink, NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    assert_int_equal(ust_iface_add(st, dev, 0xcb00710a, 24) >= 0, 1);
    assert_int_equal(ust_dev_pcap_open(dev, path), 0);
    uint8_t in[60];
    memset(in, 0, sizeof(in));
    memcpy(in, dev->mac.b, 6);     /* to us */
    in[6] = 0x02;                  /* from a unicast MAC */
    in[12] = 0x88;                 /* an ethertype the stack does not speak */
    in[13] = 0xb5;
    ust_dev_input(dev, UST_SEC, in, sizeof(in));
    ust_stack_free(st);

    uint8_t buf[2048];
    size_t n = read_file(path, buf, sizeof(buf));
    unlink(path);
    free(path);
    const uint8_t *p = buf + le32(buf + 4);
    p += le32(p + 4); /* past the interface block */
    bool found = false;
    while (p + 12 <= buf + n && !found) {
        if (le32(p) == 6 && le32(p + 20) == sizeof(in)) {
            uint16_t l = 0;
            const uint8_t *end = p + le32(p + 4) - 4;
            const uint8_t *v = ng_option(p + 28 + sizeof(in), end, 1, &l);
            assert_non_null(v);
            assert_non_null(memmem(v, l, "drop: ethertype 0x88b5", 22));
            v = ng_option(p + 28 + sizeof(in), end, 2, &l);
            assert_non_null(v);
            assert_int_equal(le32(v) & 3, 1); /* inbound */
            found = true;
        }
        p += le32(p + 4);
    }
    assert_true(found);
}

/* Records reach the file within a second even on an idle link (a stack
 * timer), and at once when a second has passed since the last flush. */
static void test_pcap_flushed_within_a_second(void **state)
{
    (void)state;
    char *path = temp_path(".pcap");
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    assert_int_equal(ust_dev_pcap_open(dev, path), 0);
    assert_int_equal(file_size(path), 24); /* the header is out at once */
    send_frame(dev, UST_SEC / 2, 0x01, 60);
    assert_int_equal(file_size(path), 24); /* buffered ... */
    assert_true(timer_next(st) <= UST_SEC); /* ... with a flush due within a second */
    timer_run(st, UST_SEC);
    assert_int_equal(file_size(path), 24 + 16 + 60);
    send_frame(dev, 2 * UST_SEC + 1, 0x02, 60); /* a second after: written now */
    assert_int_equal(file_size(path), 24 + 2 * (16 + 60));
    ust_stack_free(st);
    unlink(path);
    free(path);
}

/* --snaplen: the record keeps N bytes, its original length stays real. */
static void test_pcap_snaplen(void **state)
{
    (void)state;
    char *path = temp_path(".pcap");
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *dev = ust_dev_new(st, "app0", UST_LINK_ETHERNET, NULL, 1500, &sink_ops, NULL);
    struct ust_pcap_opts o = {.snaplen = 64};
    assert_int_equal(ust_dev_pcap_open_opts(dev, path, &o), 0);
    send_frame(dev, 0, 0x33, 1000);
    ust_stack_free(st);
    uint8_t buf[512];
    size_t n = read_file(path, buf, sizeof(buf));
    unlink(path);
    free(path);
    assert_int_equal(n, 24 + 16 + 64);
    assert_int_equal(le32(buf + 16), 64);       /* global header snaplen */
    assert_int_equal(le32(buf + 24 + 8), 64);   /* incl_len */
    assert_int_equal(le32(buf + 24 + 12), 1000); /* orig_len */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_ethernet_both_directions),
        cmocka_unit_test(test_pcap_raw_ip_file),
        cmocka_unit_test(test_pcap_open_bad_path),
        cmocka_unit_test(test_pcap_write_failure_stops_capture),
        cmocka_unit_test(test_pcap_stdout_streams),
        cmocka_unit_test(test_pcapng_blocks_and_comment),
        cmocka_unit_test(test_pcapng_rx_drop_comment),
        cmocka_unit_test(test_pcap_flushed_within_a_second),
        cmocka_unit_test(test_pcap_snaplen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

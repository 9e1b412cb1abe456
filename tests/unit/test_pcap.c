/* Packet capture: exact bytes of the pcap global header and record headers
 * for both link types, both directions, and a bounded failure mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stack_impl.h"
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
    assert_int_equal(ust_dev_pcap_open(dev, "/nonexistent-dir/x.pcap"), UST_ERR_IO);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_ethernet_both_directions),
        cmocka_unit_test(test_pcap_raw_ip_file),
        cmocka_unit_test(test_pcap_open_bad_path),
        cmocka_unit_test(test_pcap_write_failure_stops_capture),
        cmocka_unit_test(test_pcap_stdout_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Fuzz target for a whole stack's IPv6 input: one Ethernet device with
 * IPv6 on (its link-local address and 2001:db8::2/64, usable at once: no
 * DAD) and IPv4 203.0.113.2/24, fed a sequence of records
 *     [2-byte big-endian length][IPv6 packet bytes][1-byte time step]
 * (a short last record is cut to what remains). Each packet is framed
 * (EtherType 0x86DD) to the device's MAC, or to the all-nodes MAC
 * 33:33:00:00:00:01 when its length is odd, and goes in through
 * ust_dev_input: the header checks, the extension-header walk,
 * reassembly, ICMPv6, ND and the neighbour cache all see fuzzer bytes.
 * The time step advances the clock before ust_stack_poll (0..127 ms,
 * 128..255: (step - 127) s), so DAD, ND, reassembly timeouts and the
 * error rate limiter run too. Everything is freed at the end; the
 * sanitizer reports leaks and bad accesses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 256

static int drop_tx(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)now;
    (void)frame;
    (void)len;
    return 0;
}

static ust_time_t time_step(uint8_t b)
{
    return b < 128 ? (ust_time_t)b * UST_MSEC : (ust_time_t)(b - 127) * UST_SEC;
}

/* Ethernet header + the packet, exactly sized so ASan sees overreads. */
static void feed(struct ust_dev *dev, ust_time_t now, const uint8_t *pkt, size_t len)
{
    uint8_t *frame = malloc(14 + len);
    if (!frame)
        return;
    static const uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
    memcpy(frame, len & 1 ? all_nodes : ust_dev_mac(dev)->b, 6);
    const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(frame + 6, src, 6);
    frame[12] = 0x86;
    frame[13] = 0xdd;
    memcpy(frame + 14, pkt, len);
    (void)ust_dev_input(dev, now, frame, 14 + len);
    free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ipv6_dad_transmits = 0;
    struct ust_stack *st = ust_stack_new(&cfg);
    if (!st)
        return 0;
    const struct ust_dev_ops ops = {.transmit = drop_tx};
    const struct ust_mac mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
    struct ust_dev *dev = ust_dev_new(st, "fuzz0", UST_LINK_ETHERNET, &mac, 1500, &ops, NULL);
    if (!dev) {
        ust_stack_free(st);
        return 0;
    }
    ust_time_t now = UST_SEC;
    ust_stack_poll(st, now);
    int ifindex = ust_iface_add(st, dev, UST_IP4(203, 0, 113, 2), 24);
    const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    (void)ust_iface_add_addr6(st, ifindex, a6, 64);
    size_t off = 0;
    for (int rec = 0; rec < MAX_RECORDS && size - off >= 2; rec++) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        feed(dev, now, data + off, len);
        off += len;
        if (off < size)
            now += time_step(data[off++]);
        ust_stack_poll(st, now);
    }
    ust_stack_poll(st, now + 300 * UST_SEC); /* every timer runs out */
    ust_stack_free(st);
    return 0;
}

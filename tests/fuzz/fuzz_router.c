/* Fuzz target for the network layer in router mode: a stack with two
 * Ethernet devices (eth0 203.0.113.254/24 MTU 1500, eth1 198.51.100.254/24
 * MTU 576), forwarding on, a default route via 198.51.100.1, and small
 * tables (8 ARP entries, 4 reassemblies in 8 KiB) so that every limit is
 * reached. Input: records
 *     [1 byte: device (low bit)][2-byte big-endian length][frame][1-byte time step]
 * (a short last record is cut to what remains); time steps as in
 * fuzz_stack.c (0..127 ms, 128..255 = (step - 127) s). Each record may also
 * make the router ping someone (bit 1 of the device byte), so that echo
 * replies and errors meet pending state. Everything is freed at the end. */
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

static void ignore_ping(void *ctx, const struct ust_ping_result *r)
{
    (void)ctx;
    (void)r;
}

static ust_time_t time_step(uint8_t b)
{
    return b < 128 ? (ust_time_t)b * UST_MSEC : (ust_time_t)(b - 127) * UST_SEC;
}

static struct ust_stack *router_new(struct ust_dev *dev[2])
{
    struct ust_config cfg;
    ust_config_default(&cfg);
    cfg.ip_forwarding = true;
    cfg.arp_max_entries = 8;
    cfg.ip_reasm_max = 4;
    cfg.ip_reasm_mem_max = 8192;
    cfg.icmp_err_burst = 4;
    struct ust_stack *st = ust_stack_new(&cfg);
    if (!st)
        return NULL;
    const struct ust_dev_ops ops = {.transmit = drop_tx};
    const struct ust_mac m0 = {{0x02, 0, 0, 0, 0, 0xfe}}, m1 = {{0x02, 0, 0, 0, 0, 0xfd}};
    dev[0] = ust_dev_new(st, "eth0", UST_LINK_ETHERNET, &m0, 1500, &ops, NULL);
    dev[1] = ust_dev_new(st, "eth1", UST_LINK_ETHERNET, &m1, 576, &ops, NULL);
    if (!dev[0] || !dev[1]) {
        ust_stack_free(st);
        return NULL;
    }
    ust_stack_poll(st, UST_SEC);
    (void)ust_iface_add(st, dev[0], UST_IP4(203, 0, 113, 254), 24);
    (void)ust_iface_add(st, dev[1], UST_IP4(198, 51, 100, 254), 24);
    (void)ust_route_default(st, UST_IP4(198, 51, 100, 1));
    ust_ping_set_handler(st, ignore_ping, NULL);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ust_dev *dev[2];
    struct ust_stack *st = router_new(dev);
    if (!st)
        return 0;
    ust_time_t now = UST_SEC;
    size_t off = 0;
    for (int rec = 0; rec < MAX_RECORDS && size - off >= 3; rec++) {
        uint8_t sel = data[off];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        uint8_t *frame = malloc(len ? len : 1); /* exact size: ASan sees overreads */
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        (void)ust_dev_input(dev[sel & 1], now, frame, len);
        free(frame);
        off += len;
        if (sel & 2)
            (void)ust_ping_send(st, UST_IP4(203, 0, 113, sel >> 2), 1, (uint16_t)rec,
                                (size_t)(sel >> 2) * 40, 0);
        if (off < size)
            now += time_step(data[off++]);
        ust_stack_poll(st, now);
    }
    ust_stack_poll(st, now + 300 * UST_SEC);
    ust_stack_free(st);
    return 0;
}

/* Fuzz target for the whole stack: one Ethernet device at 203.0.113.2/24,
 * a TCP listener on port 80 and a UDP socket on port 7, fed a sequence of
 * records
 *     [2-byte big-endian length][frame bytes][1-byte time step]
 * (a short last record is cut to what remains). Frames go in through
 * ust_dev_input; the time step advances the clock before ust_stack_poll:
 * steps 0..127 are milliseconds, 128..255 are (step - 127) seconds, so both
 * fine-grained and long timers (reassembly, TIME-WAIT) fire. Whatever the
 * sockets receive is drained. Everything is freed at the end; the sanitizer
 * reports leaks and bad accesses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 256

/* The socket layer is still being written: referenced weakly, the calls
 * are skipped while it has no definitions and start running (listener,
 * accept, receive) as soon as it lands, without editing this file. Once
 * the API exists for good these pragmas can go. */
#pragma weak ust_socket
#pragma weak ust_bind
#pragma weak ust_listen
#pragma weak ust_accept
#pragma weak ust_set_nonblock
#pragma weak ust_recv
#pragma weak ust_recvfrom
#pragma weak ust_close

static bool have_sockets(void)
{
    return ust_socket && ust_bind && ust_listen && ust_accept && ust_set_nonblock && ust_recv &&
           ust_recvfrom && ust_close;
}

struct fuzz_ctx {
    unsigned long tx_frames;
};

static int count_tx(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    (void)frame;
    (void)len;
    ((struct fuzz_ctx *)ctx)->tx_frames++;
    return 0;
}

static void open_sockets(struct ust_stack *st, int *tcp_fd, int *udp_fd)
{
    *tcp_fd = *udp_fd = -1;
    if (!have_sockets())
        return;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    *tcp_fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (*tcp_fd >= 0) {
        a.sin_port = htons(80);
        if (ust_bind(st, *tcp_fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            (void)ust_listen(st, *tcp_fd, 4);
    }
    *udp_fd = ust_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (*udp_fd >= 0) {
        a.sin_port = htons(7);
        (void)ust_bind(st, *udp_fd, (struct sockaddr *)&a, sizeof(a));
    }
}

/* Accepts and reads what is waiting, then closes the accepted socket; a
 * no-op while the socket layer is a stub. */
static void drain_sockets(struct ust_stack *st, int tcp_fd, int udp_fd)
{
    uint8_t buf[2048];
    if (tcp_fd >= 0) {
        for (int i = 0; i < 4; i++) {
            int c = ust_accept(st, tcp_fd, NULL, NULL);
            if (c < 0)
                break;
            (void)ust_set_nonblock(st, c, 1);
            (void)ust_recv(st, c, buf, sizeof(buf), 0);
            (void)ust_close(st, c);
        }
    }
    if (udp_fd >= 0) {
        for (int i = 0; i < 4; i++)
            if (ust_recvfrom(st, udp_fd, buf, sizeof(buf), 0, NULL, NULL) < 0)
                break;
    }
}

static ust_time_t time_step(uint8_t b)
{
    return b < 128 ? (ust_time_t)b * UST_MSEC : (ust_time_t)(b - 127) * UST_SEC;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_ctx ctx = {0};
    struct ust_stack *st = ust_stack_new(NULL);
    if (!st)
        return 0;
    const struct ust_dev_ops ops = {.transmit = count_tx};
    const struct ust_mac mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
    struct ust_dev *dev = ust_dev_new(st, "fuzz0", UST_LINK_ETHERNET, &mac, 1500, &ops, &ctx);
    if (!dev) {
        ust_stack_free(st);
        return 0;
    }
    ust_time_t now = UST_SEC;
    ust_stack_poll(st, now);
    (void)ust_iface_add(st, dev, UST_IP4(203, 0, 113, 2), 24);
    int tcp_fd, udp_fd;
    open_sockets(st, &tcp_fd, &udp_fd);

    size_t off = 0;
    for (int rec = 0; rec < MAX_RECORDS && size - off >= 2; rec++) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        /* A copy of exactly len bytes so ASan sees any overread. */
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        (void)ust_dev_input(dev, now, frame, len);
        free(frame);
        off += len;
        if (off < size)
            now += time_step(data[off++]);
        ust_stack_poll(st, now);
        drain_sockets(st, tcp_fd, udp_fd);
    }
    /* Let every pending timer run out before tearing down. */
    ust_stack_poll(st, now + 300 * UST_SEC);
    ust_stack_free(st);
    return 0;
}

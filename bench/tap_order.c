/* tap_order: does io_uring keep the order of writes to a TAP device?
 *
 *   tap_order NAME BURSTS BURST [SNDBUF]
 *
 * Creates TAP device NAME (run it inside a network namespace), brings it
 * up, opens it O_NONBLOCK as ustack does, and submits BURSTS bursts of
 * BURST independent (unlinked) writes, one io_uring_enter per burst, as
 * the TAP transmit queue (src/dev/dev_tap_txq.c) does. Each 1514-byte
 * frame carries a sequence number. An AF_PACKET socket bound to the
 * device (opened before the first write) receives the frames on the
 * Linux side in the order the kernel took them. With SNDBUF the TAP's
 * send buffer is set that small (TUNSETSNDBUF; ustack leaves Linux's
 * default, INT_MAX), so that writes can find it full.
 *
 * The result line: frames submitted, completions by outcome (ok, -EAGAIN,
 * other errors), frames received, and "reordered": received frames whose
 * number is below one received before (0 when order is kept; a frame that
 * never arrived does not count). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TO_FRAME 1514
#define TO_ETHERTYPE 0x88b5 /* IEEE 802 local experimental: the stack ignores it */
#define TO_MAX_BURST 256

struct to_counts {
    long ok, eagain, other, received, reordered;
};

static int tap_open(const char *name, int sndbuf)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
        return -1;
    if (sndbuf > 0 && ioctl(fd, TUNSETSNDBUF, &sndbuf) < 0)
        return -1;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP;
    int rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    close(s);
    return rc < 0 ? -1 : fd;
}

/* The Linux side: every frame of our ethertype that the device receives. */
static int sniffer_open(const char *name)
{
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(TO_ETHERTYPE));
    int rcvbuf = 64 << 20;
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        return -1;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(TO_ETHERTYPE);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
        return -1;
    sll.sll_ifindex = ifr.ifr_ifindex;
    return bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -1 : s;
}

static void frame_fill(uint8_t *f, uint32_t seq)
{
    memset(f, 0xff, 6);                                     /* broadcast */
    memcpy(f + 6, (const uint8_t[]){0x02, 0, 0, 0, 0, 1}, 6); /* locally administered */
    f[12] = TO_ETHERTYPE >> 8;
    f[13] = TO_ETHERTYPE & 0xff;
    for (int i = 0; i < 4; i++)
        f[14 + i] = (uint8_t)(seq >> (24 - 8 * i));
}

static void reap(struct io_uring *ring, unsigned n, struct to_counts *c)
{
    for (unsigned i = 0; i < n; i++) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(ring, &cqe) < 0)
            return;
        if (cqe->res == TO_FRAME)
            c->ok++;
        else if (cqe->res == -EAGAIN)
            c->eagain++;
        else
            c->other++;
        io_uring_cqe_seen(ring, cqe);
    }
}

/* Reads what the sniffer holds; counts frames and inversions. */
static void sniff(int s, uint32_t *max_seen, bool *any, struct to_counts *c)
{
    uint8_t f[2048];
    ssize_t n;
    while ((n = recv(s, f, sizeof(f), 0)) >= 18) {
        uint32_t seq = (uint32_t)f[14] << 24 | (uint32_t)f[15] << 16 | (uint32_t)f[16] << 8 | f[17];
        c->received++;
        if (*any && seq < *max_seen)
            c->reordered++;
        if (!*any || seq > *max_seen)
            *max_seen = seq;
        *any = true;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: tap_order NAME BURSTS BURST [SNDBUF]\n");
        return 2;
    }
    long bursts = atol(argv[2]), burst = atol(argv[3]);
    int sndbuf = argc == 5 ? atoi(argv[4]) : 0;
    if (bursts <= 0 || burst <= 0 || burst > TO_MAX_BURST) {
        fprintf(stderr, "tap_order: BURSTS > 0 and 0 < BURST <= %d\n", TO_MAX_BURST);
        return 2;
    }
    int fd = tap_open(argv[1], sndbuf);
    int sn = fd < 0 ? -1 : sniffer_open(argv[1]);
    struct io_uring ring;
    if (sn < 0 || io_uring_queue_init(TO_MAX_BURST, &ring, 0) < 0) {
        perror("tap_order: setup");
        return 1;
    }
    static uint8_t frames[TO_MAX_BURST][TO_FRAME];
    struct to_counts c = {0};
    uint32_t seq = 0, max_seen = 0;
    bool any = false;
    for (long b = 0; b < bursts; b++) {
        for (long i = 0; i < burst; i++) {
            frame_fill(frames[i], seq++);
            io_uring_prep_write(io_uring_get_sqe(&ring), fd, frames[i], TO_FRAME, 0);
        }
        io_uring_submit(&ring);
        reap(&ring, (unsigned)burst, &c);
        sniff(sn, &max_seen, &any, &c);
    }
    sniff(sn, &max_seen, &any, &c);
    printf("result frames=%u ok=%ld eagain=%ld other=%ld received=%ld reordered=%ld\n", seq, c.ok,
           c.eagain, c.other, c.received, c.reordered);
    return 0;
}

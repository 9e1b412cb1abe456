/* tap_ceiling: how fast a user-space reader can take frames off a TAP
 * device with no stack at all (one read() per frame, nothing done with it):
 * the ceiling under any stack that reads a TAP this way. bench/speed.sh
 * compares ustack's receive rows with it.
 *
 *   tap_ceiling NAME SECS plain|vnet [SENDER_CPU]
 *
 * Creates TAP device NAME (run it inside a network namespace), brings it up,
 * and forks a sender that writes frames into the TAP's transmit side through
 * an AF_PACKET socket: the kernel hands each to the TAP, and the reader (this
 * process) reads them, for SECS seconds.
 *   plain: 1514-byte Ethernet frames (MTU 1500), no IFF_VNET_HDR;
 *   vnet:  IFF_VNET_HDR with TSO offered (TUNSETOFFLOAD), and the sender
 *          passes TCP/IPv4 GSO packets of 45 x 1448 payload bytes (65214-byte
 *          frames) with a virtio_net_hdr (PACKET_VNET_HDR): each crosses the
 *          TAP whole, as Linux TCP's 64 KB GSO packets do when the reader
 *          takes offloads.
 * With SENDER_CPU the sender runs on that CPU only (the reader stays where
 * taskset put the program). The sender runs flat out; what the TAP's queue cannot hold is dropped by
 * the kernel (the TAP's tx_dropped), so the count is the reader's ceiling.
 * The result line gives frames, bytes of frames (without the vnet header),
 * Gbit/s, the mean frame size, and both processes' CPU seconds. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TC_MSS 1448
#define TC_SEGS 45
#define TC_HDRS 54 /* Ethernet 14 + IPv4 20 + TCP 20 */
#define TC_PLAIN_FRAME 1514
#define TC_GSO_FRAME (TC_HDRS + TC_MSS * TC_SEGS)
#define TC_READ_BUF (sizeof(struct virtio_net_hdr) + 65536)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rusage_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Creates the TAP (with IFF_VNET_HDR and TSO if vnet) and brings it up. */
static int tap_open(const char *name, int vnet)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        return -1;
    if (vnet && ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) < 0)
        return -1;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return -1;
    close(s);
    return fd;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* An Ethernet + IPv4 + TCP frame of len bytes from 02:00:00:00:00:01 to
 * 02:00:00:00:00:02, 203.0.113.1 -> 203.0.113.2 (contents do not matter to
 * the reader; the headers must be valid for the kernel to segment or pass
 * a GSO packet). */
static void build_frame(uint8_t *f, size_t len)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    memset(f, 0, len);
    memcpy(f, macs, sizeof(macs));
    put16(f + 12, ETHERTYPE_IP);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(len - 14));
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    static const uint8_t addrs[8] = {203, 0, 113, 1, 203, 0, 113, 2};
    memcpy(ip + 12, addrs, sizeof(addrs));
    put16(tcp, 40000);
    put16(tcp + 2, 9);
    tcp[12] = 5 << 4;
    tcp[13] = 0x10; /* ACK */
    put16(tcp + 14, 65535);
}

static int if_index(int s, const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    return ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? -1 : ifr.ifr_ifindex;
}

/* The sender: frames into the TAP through a packet socket, until killed. */
static void sender(const char *name, int vnet)
{
    size_t len = vnet ? TC_GSO_FRAME : TC_PLAIN_FRAME;
    uint8_t *buf = malloc(sizeof(struct virtio_net_hdr) + len);
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_ifindex = s < 0 ? 0 : if_index(s, name)};
    if (!buf || s < 0 || ll.sll_ifindex <= 0 || bind(s, (struct sockaddr *)&ll, sizeof(ll)) < 0 ||
        (vnet && setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)) {
        fprintf(stderr, "tap_ceiling: sender: %s\n", strerror(errno));
        _exit(1);
    }
    struct virtio_net_hdr h = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = TC_HDRS, .gso_size = TC_MSS, .csum_start = 34, .csum_offset = 16,
    };
    size_t off = vnet ? sizeof(h) : 0;
    memcpy(buf, &h, sizeof(h)); /* virtio_net_hdr: host byte order (little-endian hosts) */
    build_frame(buf + off, len);
    for (;;)
        if (send(s, buf, off + len, 0) < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "tap_ceiling: send: %s\n", strerror(errno));
            _exit(1);
        }
}

/* Reads frames for secs; prints the result line. */
static int reader(int fd, double secs, int vnet, pid_t child)
{
    uint8_t *buf = malloc(TC_READ_BUF);
    size_t skip = vnet ? sizeof(struct virtio_net_hdr) : 0;
    long long frames = 0, bytes = 0;
    double first = 0, t = 0;
    double cpu0 = rusage_s(RUSAGE_SELF);
    while (buf) {
        ssize_t n = read(fd, buf, TC_READ_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= (ssize_t)skip)
            break;
        t = now_s();
        if (frames++ == 0)
            first = t;
        bytes += n - (ssize_t)skip;
        if (t - first >= secs)
            break;
    }
    int failed = !buf || t - first < secs, err = errno;
    double cpu_reader = rusage_s(RUSAGE_SELF) - cpu0;
    free(buf);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    if (failed) {
        fprintf(stderr, "tap_ceiling: read: %s\n", strerror(err));
        return 1;
    }
    double span = t - first;
    printf("result mode=%s frames=%lld bytes=%lld secs=%.6f gbps=%.3f frame_bytes=%.0f "
           "reader_cpu_s=%.3f sender_cpu_s=%.3f\n",
           vnet ? "vnet" : "plain", frames, bytes, span, span > 0 ? bytes * 8 / span / 1e9 : 0.0,
           frames ? (double)bytes / (double)frames : 0.0, cpu_reader, rusage_s(RUSAGE_CHILDREN));
    return 0;
}

/* Pins the calling process to cpu ("" or NULL: leaves it). */
static int pin_to(const char *cpu)
{
    if (!cpu)
        return 0;
    char *end;
    long n = strtol(cpu, &end, 10);
    if (*end || n < 0 || n >= CPU_SETSIZE)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)n, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
    double secs = argc == 4 || argc == 5 ? strtod(argv[2], NULL) : 0;
    int vnet = secs > 0 && !strcmp(argv[3], "vnet");
    const char *sender_cpu = argc == 5 ? argv[4] : NULL;
    if (secs <= 0 || (!vnet && strcmp(argv[3], "plain"))) {
        fprintf(stderr, "usage: tap_ceiling NAME SECS plain|vnet [SENDER_CPU]\n");
        return 2;
    }
    int fd = tap_open(argv[1], vnet);
    if (fd < 0) {
        fprintf(stderr, "tap_ceiling: TAP %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        close(fd);
        if (pin_to(sender_cpu) < 0) {
            fprintf(stderr, "tap_ceiling: sender CPU %s: %s\n", sender_cpu, strerror(errno));
            _exit(1);
        }
        sender(argv[1], vnet);
    }
    if (child < 0)
        return 1;
    return reader(fd, secs, vnet, child);
}

/* Linux TAP and TUN drivers (/dev/net/tun, IFF_NO_PI, non-blocking), and
 * configuration of the kernel side of such an interface through ioctls on
 * an AF_INET datagram socket, in the caller's network namespace. Frames
 * go to the kernel through write(), or in bursts through io_uring
 * (dev_tap_txq.c): ust_dev_tap_set_tx(). Frames come in through batches
 * of reads on io_uring (dev_tap_rxq.c, cfg.tap_rx_batch), or one read()
 * each where the kernel refuses io_uring; either way each frame goes
 * through tap_rx_frame(). With cfg.dev_offload the
 * descriptor carries a virtio_net_hdr in front of every frame and the
 * kernel's TCP segmentation and checksum offloads are asked for
 * (dev_tap_vnet.c); a kernel that refuses them gets plain frames. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/trace.h"
#include "dev_host.h"
#include "dev_impl.h"
#include "dev_tap_mq.h"
#include "dev_tap_rxq.h"
#include "dev_tap_txq.h"
#include "dev_tap_vnet.h"
#include "wire/virtio_net.h"

#define IPV4_MAX_PACKET 65535 /* the largest super-packet: IPv4's total length */

/* Largest frame a TAP/TUN read can return: a virtio_net_hdr, an Ethernet
 * header with a VLAN tag and a 64 KiB datagram (a GSO super-frame; IPv6:
 * its 40-byte header in front of a payload length of up to 65535). One
 * buffer per device, reused by every read. */
#define TAP_BUF_LEN (VNET_HDR_LEN + 18 + 40 + 65535)

struct tap {
    int fd;
    struct ust_dev *dev;
    struct tap_txq *txq; /* NULL: one write() per frame */
    struct tap_rxq *rxq; /* NULL: one read() per frame */
    size_t rx_buf_len;   /* the largest read: every receive buffer's size */
    uint8_t *buf;        /* rx_buf_len bytes: the read() path's buffer */
    bool vnet;           /* IFF_VNET_HDR: a virtio_net_hdr in front of every frame */
    size_t l3_off;       /* where the IP header starts in a frame: 14 TAP, 0 TUN */
};

/* The kernel's reason kept: a permission problem (EPERM from TUNSETIFF
 * without CAP_NET_ADMIN, EACCES on /dev/net/tun) is UST_ERR_PERM, anything
 * else the matching enum ust_err (EBUSY: UST_ERR_BUSY, ENOENT, ENOMEM, ...),
 * UST_ERR_IO only for an errno without one. */
static int errno_to_ust(int e)
{
    return (e == EPERM || e == EACCES) ? UST_ERR_PERM : err_from_errno(e);
}

/* TUNSETIFF failed with `e`. Linux's tun_set_iff answers EINVAL when the
 * name belongs to an interface of another kind (lo, eth0, a TUN device
 * asked for as a TAP) and EBUSY when another file has a single-queue
 * TAP/TUN attached already; EINVAL too for a TAP/TUN whose queue mode
 * (IFF_MULTI_QUEUE) is not the one asked for: UST_ERR_QUEUEMODE. */
static int tunsetiff_error(int e, const char *ifname, short flags)
{
    if (e == EINVAL && if_nametoindex(ifname) != 0)
        return tap_mq_mismatch(ifname, flags) ? UST_ERR_QUEUEMODE : UST_ERR_DEVTYPE;
    return errno_to_ust(e);
}

static int tap_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct tap *t = ctx;
    uint8_t hdr[VNET_HDR_LEN] = {0}; /* a plain frame: nothing asked */
    struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)frame, len}};
    ssize_t n = t->vnet ? writev(t->fd, iov, 2) : write(t->fd, frame, len);
    if (t->vnet && n >= (ssize_t)sizeof(hdr))
        n -= (ssize_t)sizeof(hdr);
    if (n < 0 && dev_write_errno_fatal(errno))
        ust_dev_set_failed(t->dev, errno); /* the interface was deleted */
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? UST_ERR_AGAIN : UST_ERR_IO;
    return (size_t)n == len ? UST_OK : UST_ERR_IO;
}

static int tap_fd(void *ctx) { return ((struct tap *)ctx)->fd; }

/* One frame read from the descriptor (either receive path): the one
 * place that handles a frame as the kernel gave it (with a virtio_net_hdr
 * in front when t->vnet). */
static void tap_rx_frame(void *ctx, struct ust_dev *dev, ust_time_t now, uint8_t *buf, size_t n)
{
    struct tap *t = ctx;
    if (t->vnet)
        (void)tap_vnet_rx(dev, now, buf, n);
    else
        (void)ust_dev_input(dev, now, buf, n);
}

/* Reads until the kernel queue is empty (EAGAIN) or the budget is spent:
 * several frames per wake-up, in batches through io_uring or one read()
 * each. A hard error (EBADFD once the interface is deleted) ends the
 * device: the kernel will never give us a frame again. */
static int tap_poll_rx(void *ctx, struct ust_dev *dev, ust_time_t now, unsigned budget)
{
    struct tap *t = ctx;
    if (t->rxq) {
        int rc = tap_rxq_poll(t->rxq, dev, now, budget, tap_rx_frame, t);
        if (rc >= 0)
            return rc;
        ust_dev_set_failed(dev, -rc);
        return UST_ERR_IO;
    }
    int got = 0;
    while ((unsigned)got < budget) {
        ssize_t n = read(t->fd, t->buf, t->rx_buf_len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            if (!dev_read_errno_fatal(errno))
                break; /* ENOBUFS/ENOMEM: try again on the next wake-up */
            ust_dev_set_failed(dev, errno);
            return got ? got : UST_ERR_IO;
        }
        if (n == 0)
            break;
        tap_rx_frame(t, dev, now, t->buf, (size_t)n);
        got++;
    }
    return got;
}

static void tap_close(void *ctx)
{
    struct tap *t = ctx;
    tap_txq_free(t->txq, t->dev);
    tap_rxq_free(t->rxq);
    close(t->fd);
    free(t->buf);
    free(t);
}

static int tap_queue(void *ctx, struct ust_dev *dev, const uint8_t *frame, size_t len)
{
    struct tap *t = ctx;
    if (!t->txq || t->vnet) /* (dev.c gives packets: tap_queue_pkt) */
        return tap_transmit(ctx, 0, frame, len);
    return tap_txq_transmit(t->txq, dev, frame, len);
}

static void tap_flush(void *ctx, struct ust_dev *dev)
{
    struct tap *t = ctx;
    if (t->txq)
        tap_txq_flush(t->txq, dev);
}

/* With a virtio_net_hdr every packet goes through here, also without
 * io_uring: the header carries what p->off asks of the kernel. */
static int tap_queue_pkt(void *ctx, struct ust_dev *dev, struct pkt *p)
{
    struct tap *t = ctx;
    if (t->vnet) {
        int rc = tap_vnet_push(dev, &p, t->l3_off);
        if (rc < 0) {
            pkt_pool_free(stack_pkt_pool(dev->st), p);
            return rc;
        }
    }
    if (t->txq)
        return tap_txq_transmit_pkt(t->txq, dev, p);
    ssize_t n = write(t->fd, p->data, p->len);
    int err = errno;
    size_t len = p->len;
    pkt_pool_free(stack_pkt_pool(dev->st), p);
    if (n < 0 && dev_write_errno_fatal(err))
        ust_dev_set_failed(dev, err);
    return n == (ssize_t)len ? UST_OK : n < 0 && err == EAGAIN ? UST_ERR_AGAIN : UST_ERR_IO;
}

static const struct dev_txq_ops tap_txq_ops = {
    .transmit = tap_queue, .transmit_pkt = tap_queue_pkt, .flush = tap_flush};

static const struct ust_dev_ops tap_ops = {
    .transmit = tap_transmit,
    .fd = tap_fd,
    .poll_rx = tap_poll_rx,
    .close = tap_close,
};

/* Batched receive when configured and the kernel has io_uring; the
 * read() loop otherwise. */
static void tap_rx_setup(struct tap *t, struct ust_dev *dev)
{
    unsigned batch = ust_stack_config(dev->st)->tap_rx_batch;
    if (batch <= 1)
        return;
    int err;
    t->rxq = tap_rxq_new(t->fd, t->rx_buf_len, batch, &err);
    if (t->rxq)
        TRACE(dev->st, "dev", "%s: receive in batches of up to %u reads (io_uring)", dev->name,
              batch);
    else
        TRACE(dev->st, "dev", "%s: io_uring unavailable for receive (%s): read()", dev->name,
              strerror(-err));
}

/* A descriptor attached to interface ifr->ifr_name with these flags, or
 * -1 with *err set. */
static int tun_attach(struct ifreq *ifr, short flags, int *err)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *err = errno_to_ust(errno);
        return -1;
    }
    ifr->ifr_flags = flags;
    if (ioctl(fd, TUNSETIFF, ifr) < 0) {
        *err = tunsetiff_error(errno, ifr->ifr_name, flags);
        close(fd);
        return -1;
    }
    return fd;
}

static int set_offload(void *ctx, unsigned tun_flags)
{
    return ioctl(*(int *)ctx, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0 ? -1 : 0;
}

/* IFF_VNET_HDR is on: little-endian headers (TUNSETVNETLE; the legacy
 * default is the host's order) and the offloads. 0: refused. */
static unsigned vnet_setup(int fd, bool tso, uint32_t *caps)
{
    int le = 1;
    *caps = 0;
    if (ioctl(fd, TUNSETVNETLE, &le) < 0)
        return 0;
    return tap_offload_negotiate(set_offload, &fd, tso, caps);
}

/* tun_attach, with IFF_NAPI when cfg.tap_napi asks and the kernel takes
 * it (Linux 4.15; CAP_NET_ADMIN, as creating the device): a refusal costs
 * the flag, not the device. The NAPI queue Linux then keeps for our writes
 * has no limit of its own. A send buffer (TUNSETSNDBUF) would bound it but
 * takes Linux off its build_skb path (only used while the send buffer is
 * unlimited): 6.7-8.2 instead of 9.9-10.5 Gbit/s in bench/loss.sh's 0 %
 * cell. TCP's windows bound what a connection can queue there; a UDP
 * sender faster than the poll can grow it, which is why the mode is a
 * choice and not the default. */
static int tun_attach_cfg(struct ust_stack *st, struct ifreq *ifr, short flags, int *err)
{
    if (ust_stack_config(st)->tap_napi) {
        int fd = tun_attach(ifr, (short)(flags | IFF_NAPI), err);
        if (fd >= 0)
            return fd;
        TRACE(st, "dev", "%s: IFF_NAPI refused (%s): writes run Linux's receive path",
              ifr->ifr_name, ust_strerror(*err));
    }
    return tun_attach(ifr, flags, err);
}

/* Opens with a virtio_net_hdr when the stack's config asks for offloads
 * (cfg.dev_offload) and the kernel takes them; else, or when it refuses
 * (*refused), a plain descriptor: the header cannot be turned off on an
 * open one, so it is opened again. -1 with *err set. */
static int tun_open_fd(struct ust_stack *st, struct ifreq *ifr, short kind, uint32_t *caps,
                       bool *vnet, bool *refused, int *err)
{
    *vnet = *refused = false;
    *caps = 0;
    short plain = (short)(kind | IFF_NO_PI);
    if (!ust_stack_config(st)->dev_offload)
        return tun_attach_cfg(st, ifr, plain, err);
    int fd = tun_attach_cfg(st, ifr, (short)(plain | IFF_VNET_HDR), err);
    if (fd >= 0 && vnet_setup(fd, ust_stack_config(st)->dev_offload_tso, caps) != 0) {
        *vnet = true;
        return fd;
    }
    *refused = true;
    if (fd >= 0)
        close(fd);
    return tun_attach_cfg(st, ifr, plain, err);
}

static struct tap *tap_alloc(int fd, bool vnet, short kind)
{
    struct tap *t = calloc(1, sizeof(*t));
    if (t)
        t->buf = malloc(TAP_BUF_LEN);
    if (!t || !t->buf) {
        free(t);
        return NULL;
    }
    t->fd = fd;
    t->rx_buf_len = TAP_BUF_LEN;
    t->vnet = vnet;
    t->l3_off = kind & IFF_TAP ? 14 : 0;
    return t;
}

/* After the device exists: what the driver can do, and the counter. */
static void tap_offload_report(struct ust_dev *dev, struct tap *t, uint32_t caps, bool refused)
{
    if (t->vnet) {
        dev->offload_caps = caps;
        dev->gso_max_bytes = (caps & (DEV_OFF_TSO4 | DEV_OFF_TSO6)) ? IPV4_MAX_PACKET : 0;
        dev->txq = &tap_txq_ops; /* every packet carries its header (tap_queue_pkt) */
    }
    if (refused)
        DEV_COUNT(dev, offload_refused);
    TRACE(dev->st, "dev", "%s: offloads %s (caps 0x%x)", dev->name,
          t->vnet ? "on" : refused ? "refused by the kernel: plain frames" : "off",
          (unsigned)caps);
}

/* kind: IFF_TAP or IFF_TUN, with IFF_MULTI_QUEUE for one queue of a
 * multi-queue device; mac NULL: a random one. */
static struct ust_dev *tuntap_open(struct ust_stack *st, const char *ifname, unsigned mtu,
                                   short kind, const struct ust_mac *mac, int *err)
{
    int dummy;
    if (!err)
        err = &dummy;
    if (!st || !ifname || strlen(ifname) >= IFNAMSIZ) {
        *err = UST_ERR_INVAL;
        return NULL;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    uint32_t caps;
    bool vnet, refused;
    int fd = tun_open_fd(st, &ifr, kind, &caps, &vnet, &refused, err);
    if (fd < 0)
        return NULL;
    struct tap *t = tap_alloc(fd, vnet, kind);
    if (!t) {
        close(fd);
        *err = UST_ERR_NOMEM;
        return NULL;
    }
    /* TAP: our side gets a random locally administered MAC (mac NULL). */
    enum ust_link_type type = kind & IFF_TAP ? UST_LINK_ETHERNET : UST_LINK_IP;
    struct ust_dev *dev = ust_dev_new(st, ifr.ifr_name, type, mac, mtu, &tap_ops, t);
    if (!dev) {
        tap_close(t);
        *err = UST_ERR_NOMEM;
        return NULL;
    }
    t->dev = dev;
    dev->wall_clock = true; /* captures line up with the host's (tcpdump's) */
    tap_offload_report(dev, t, caps, refused);
    TRACE(st, "dev", "%s: %s%s open fd %d mtu %u", dev->name, kind & IFF_TAP ? "tap" : "tun",
          kind & IFF_MULTI_QUEUE ? " queue" : "", fd, mtu);
    (void)ust_dev_tap_set_tx(dev, UST_TAP_TX_AUTO);
    tap_rx_setup(t, dev);
    *err = UST_OK;
    return dev;
}

static struct tap *tap_of(const struct ust_dev *dev)
{
    return dev && dev->ops.transmit == tap_transmit ? dev->ctx : NULL;
}

/* io_uring's polling thread (SQPOLL) inherits the CPU affinity of the
 * thread that makes the ring. Allowed a single CPU, it can only take turns
 * with the stack's thread there, both spinning: measured with bench/loss.sh's
 * sender pinned to one CPU, newreno at 1 % loss went from 340 to 52 Mbit/s
 * (srtt 0.1 -> 3.4 ms) and at 0 % from about 8 to 5.9 Gbit/s. Such a
 * thread gets the ring without the polling thread. */
static bool sqpoll_has_a_cpu(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) > 1;
}

int ust_dev_tap_set_tx(struct ust_dev *dev, enum ust_tap_tx mode)
{
    struct tap *t = tap_of(dev);
    if (!t || (mode != UST_TAP_TX_AUTO && mode != UST_TAP_TX_WRITE && mode != UST_TAP_TX_URING))
        return UST_ERR_INVAL;
    if (mode == UST_TAP_TX_WRITE) {
        if (t->txq) {
            dev->txq = t->vnet ? &tap_txq_ops : NULL;
            tap_txq_free(t->txq, dev); /* what it holds goes out first */
            t->txq = NULL;
        }
        return UST_OK;
    }
    if (t->txq)
        return UST_OK;
    int err;
    bool sqpoll = ust_stack_config(dev->st)->tap_tx_sqpoll;
    if (sqpoll && !sqpoll_has_a_cpu()) {
        sqpoll = false;
        TRACE(dev->st, "dev", "%s: one CPU allowed: no io_uring polling thread", dev->name);
    }
    t->txq = tap_txq_new(t->fd, dev->mtu + (t->vnet ? VNET_HDR_LEN : 0), sqpoll, &err);
    if (!t->txq) {
        TRACE(dev->st, "dev", "%s: io_uring unavailable (%s): one write() per frame", dev->name,
              strerror(-err));
        return mode == UST_TAP_TX_URING ? (err == -ENOMEM ? UST_ERR_NOMEM : UST_ERR_NOTSUP)
                                        : UST_OK;
    }
    dev->txq = &tap_txq_ops;
    TRACE(dev->st, "dev", "%s: bursts go to the kernel through io_uring", dev->name);
    return UST_OK;
}

enum ust_tap_tx ust_dev_tap_tx(const struct ust_dev *dev)
{
    struct tap *t = tap_of(dev);
    return t && t->txq ? UST_TAP_TX_URING : UST_TAP_TX_WRITE;
}

/* The public convention: 0 or a negative ust_err, the device through *out. */
static int tuntap_open_into(struct ust_stack *st, const char *ifname, unsigned mtu, short kind,
                            const struct ust_mac *mac, struct ust_dev **out)
{
    if (!out)
        return UST_ERR_INVAL;
    int err = UST_OK;
    *out = tuntap_open(st, ifname, mtu, kind, mac, &err);
    return *out ? UST_OK : err;
}

int ust_dev_tap_open(struct ust_stack *st, const char *ifname, unsigned mtu, struct ust_dev **dev)
{
    return tuntap_open_into(st, ifname, mtu, IFF_TAP, NULL, dev);
}

int ust_dev_tun_open(struct ust_stack *st, const char *ifname, unsigned mtu, struct ust_dev **dev)
{
    return tuntap_open_into(st, ifname, mtu, IFF_TUN, NULL, dev);
}

int ust_dev_tap_open_queue(struct ust_stack *st, const char *ifname, unsigned mtu,
                           const struct ust_mac *mac, struct ust_dev **dev)
{
    return tuntap_open_into(st, ifname, mtu, IFF_TAP | IFF_MULTI_QUEUE, mac, dev);
}

int ust_dev_tun_open_queue(struct ust_stack *st, const char *ifname, unsigned mtu,
                           struct ust_dev **dev)
{
    return tuntap_open_into(st, ifname, mtu, IFF_TUN | IFF_MULTI_QUEUE, NULL, dev);
}

static void set_sockaddr_in(struct sockaddr *sa, ust_ip4_t addr)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    memcpy(sa, &sin, sizeof(sin));
}

static int ifreq_ioctl(int sock, unsigned long req, struct ifreq *ifr)
{
    return ioctl(sock, req, ifr) < 0 ? errno_to_ust(errno) : UST_OK;
}

int ust_dev_host_config(const char *ifname, ust_ip4_t host_addr, int prefix_len, unsigned mtu)
{
    if (!ifname || strlen(ifname) >= IFNAMSIZ || prefix_len < 0 || prefix_len > 32)
        return UST_ERR_INVAL;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return errno_to_ust(errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    int rc = UST_OK;
    if (host_addr) {
        set_sockaddr_in(&ifr.ifr_addr, host_addr);
        rc = ifreq_ioctl(sock, SIOCSIFADDR, &ifr);
        if (rc == UST_OK) {
            ust_ip4_t mask = prefix_len ? (ust_ip4_t)(0xffffffffu << (32 - prefix_len)) : 0;
            set_sockaddr_in(&ifr.ifr_netmask, mask);
            rc = ifreq_ioctl(sock, SIOCSIFNETMASK, &ifr);
        }
    }
    if (rc == UST_OK && mtu) {
        ifr.ifr_mtu = (int)mtu; /* the kernel side matches our MTU */
        rc = ifreq_ioctl(sock, SIOCSIFMTU, &ifr);
    }
    if (rc == UST_OK)
        rc = ifreq_ioctl(sock, SIOCGIFFLAGS, &ifr);
    if (rc == UST_OK) {
        ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
        rc = ifreq_ioctl(sock, SIOCSIFFLAGS, &ifr);
    }
    close(sock);
    return rc;
}

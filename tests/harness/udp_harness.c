/* Test harness for UDP and the socket layer (see udp_harness.h). */
#include "udp_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

static int th_transmit(void *ctx, ust_time_t now, const uint8_t *frame, size_t len)
{
    (void)now;
    struct udp_th *h = ctx;
    if (h->ntx < UDP_TH_MAX_TX && len <= UDP_TH_TX_CAP) {
        memcpy(h->tx[h->ntx], frame, len);
        h->tx_len[h->ntx] = len;
        h->ntx++;
    }
    return 0;
}

static ust_time_t th_clock(void *ctx) { return ((struct udp_th *)ctx)->clock; }

static void th_trace(void *ctx, ust_time_t now, const char *layer, const char *msg)
{
    (void)now;
    struct udp_th *h = ctx;
    if (h->ntrace < UDP_TH_TRACE_LINES)
        snprintf(h->trace[h->ntrace++], sizeof(h->trace[0]), "%s: %s", layer, msg);
}

struct udp_th *udp_th_new(const struct ust_config *cfg)
{
    struct udp_th *h = calloc(1, sizeof(*h));
    if (!h)
        abort();
    h->st = ust_stack_new(cfg);
    static const struct ust_dev_ops ops = {.transmit = th_transmit};
    h->dev = ust_dev_new(h->st, "t0", UST_LINK_IP, NULL, 1500, &ops, h);
    if (!h->st || !h->dev || ust_iface_add(h->st, h->dev, UDP_TH_LOCAL, 24) < 0)
        abort();
    ust_stack_set_clock(h->st, th_clock, h);
    ust_stack_set_trace(h->st, th_trace, h);
    return h;
}

void udp_th_free(struct udp_th *h)
{
    ust_stack_free(h->st);
    free(h);
}

static int th_wait(void *ctx, ust_time_t deadline)
{
    struct udp_th *h = ctx;
    h->waits++;
    h->last_deadline = deadline;
    if (h->waits == h->inject_on_wait) {
        udp_th_inject(h, UDP_TH_PEER, h->inject_sport, UDP_TH_LOCAL, h->inject_dport,
                      h->inject_data, h->inject_len);
        return h->wait_rc;
    }
    h->clock += h->wait_step;
    return h->wait_rc;
}

void udp_th_install_waiter(struct udp_th *h) { ust_stack_set_waiter(h->st, th_wait, h); }

size_t udp_th_build(uint8_t *buf, size_t cap, ust_ip4_t src, uint16_t sport, ust_ip4_t dst,
                    uint16_t dport, const void *data, size_t len)
{
    size_t total = IPV4_HDR_LEN + UDP_HDR_LEN + len;
    if (total > cap)
        abort();
    if (len)
        memcpy(buf + IPV4_HDR_LEN + UDP_HDR_LEN, data, len);
    if (udp_emit(sport, dport, src, dst, buf + IPV4_HDR_LEN, cap - IPV4_HDR_LEN, len) < 0)
        abort();
    struct ipv4_hdr ip = {.hdr_len = IPV4_HDR_LEN, .total_len = (uint16_t)total, .id = 1,
                          .ttl = 64, .proto = IPV4_PROTO_UDP, .src = src, .dst = dst};
    if (ipv4_emit(&ip, buf, cap) < 0)
        abort();
    return total;
}

void udp_th_deliver(struct udp_th *h, const uint8_t *dgram, size_t len, bool link_bcast)
{
    struct ipv4_hdr ip;
    if (ipv4_parse(dgram, len, true, &ip) < 0)
        abort();
    udp_input(h->st, &ip, dgram + ip.hdr_len, ip.total_len - ip.hdr_len, dgram, ip.total_len,
              link_bcast, 0);
}

void udp_th_inject(struct udp_th *h, ust_ip4_t src, uint16_t sport, ust_ip4_t dst, uint16_t dport,
                   const void *data, size_t len)
{
    size_t cap = IPV4_HDR_LEN + UDP_HDR_LEN + len;
    uint8_t *buf = malloc(cap);
    if (!buf)
        abort();
    size_t n = udp_th_build(buf, cap, src, sport, dst, dport, data, len);
    udp_th_deliver(h, buf, n, false);
    free(buf);
}

struct sockaddr_in udp_th_sin(ust_ip4_t addr, uint16_t port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    sin.sin_port = htons(port);
    return sin;
}

int udp_th_socket_bound(struct udp_th *h, ust_ip4_t addr, uint16_t port)
{
    int fd = ust_socket(h->st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = udp_th_sin(addr, port);
    if (fd < 0 || ust_bind(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        abort();
    return fd;
}

bool udp_th_traced(const struct udp_th *h, const char *line)
{
    for (unsigned i = 0; i < h->ntrace; i++)
        if (strcmp(h->trace[i], line) == 0)
            return true;
    return false;
}

/* The ust_stack object: creation, time, polling, interfaces. */
#include <stdlib.h>
#include <string.h>

#include "dev/dev_impl.h"
#include "net6/net6_impl.h"
#include "stack_impl.h"
#include "trace.h"

/* The transports' readiness upcall: wakes whoever waits on sockets (the
 * socket layer's event fd) and tells the DHCP clients the stack runs to
 * read their sockets when the batch ends (dhcp/dhcp.h). */
static void stack_readiness(struct ust_stack *st)
{
    sock_notify(st);
    dhcp_readiness(st);
}

/* The one place that knows every layer: each protocol adds itself to the
 * demultiplexing tables of the layer below (EtherType, IP protocol), TCP
 * and the DHCP clients their batch-end hooks, the socket layer and the
 * DHCP clients the readiness upcall. */
static int stack_register_protocols(struct ust_stack *st)
{
    st->frame_input = link_input;
    st->link.up.neighbour_advice = ipv4_gateway_advice;
    st->link.up.unresolved = icmp_local_unreachable;
    int (*const reg[])(struct ust_stack *) = {arp_register, ipv4_register, icmp_register,
                                              igmp_register, ipv6_register, icmp6_register,
                                              udp_register, tcp_register, dhcp_register};
    for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
        int rc = reg[i](st);
        if (rc != UST_OK)
            return rc;
    }
    sock_register(st);
    transport_set_upcall(st, stack_readiness);
    return UST_OK;
}

struct ust_stack *ust_stack_new(const struct ust_config *cfg)
{
    struct ust_stack *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    if (cfg)
        st->cfg = *cfg;
    else
        ust_config_default(&st->cfg);
    /* RFC 1122 3.2.1.7: a host MUST NOT send a datagram with TTL 0, so a
     * default TTL of 0 is replaced by the documented default (64). */
    if (st->cfg.ip_default_ttl == 0)
        st->cfg.ip_default_ttl = UST_DEFAULT_TTL;
    rng_seed(&st->rng, st->cfg.seed);
    st->net.next_id = (uint16_t)rng_next(&st->rng);
    if (st->cfg.ipv6_hop_limit == 0)
        st->cfg.ipv6_hop_limit = UST_DEFAULT_TTL;
    stack_services(st)->trace_hidden = UST_TRACE_CC; /* per-ACK lines: only when asked */
    if (timer_heap_init(&stack_services(st)->timers) != UST_OK ||
        timer_heap_init(&stack_services(st)->bg_timers) != UST_OK || arp_init(st) != UST_OK ||
        udp_init(st) != UST_OK || tcp_init(st) != UST_OK || stack_register_protocols(st) != UST_OK) {
        ust_stack_free(st);
        return NULL;
    }
    return st;
}

void ust_stack_free(struct ust_stack *st)
{
    if (!st)
        return;
    dhcp_destroy(st);
    dns_destroy(&st->dns);
    sock_table_destroy(st);
    tcp_destroy(st);
    udp_destroy(st);
    igmp_destroy(st);
    mld6_destroy(st);
    reasm_destroy(st);
    reasm6_destroy(st);
    ipv4_local_destroy(st);
    ipv6_local_destroy(st);
    slaac_destroy(st);
    nd_destroy(st);
    arp_destroy(st);
    for (unsigned i = 0; i < st->ndevs; i++)
        dev_free(st->devs[i]);
    timer_heap_free(&st->svc.timers);
    timer_heap_free(&st->svc.bg_timers);
    pkt_pool_clear(&st->pkt_pool);
    free(st);
}

const struct ust_stats *ust_stack_stats(const struct ust_stack *st) { return &st->stats; }

struct ust_stats *stack_stats(struct ust_stack *st) { return &st->stats; }

ust_time_t stack_now(const struct ust_stack *st) { return st->now; }

void stack_set_now(struct ust_stack *st, ust_time_t now)
{
    if (now > st->now)
        st->now = now;
}

const struct ust_config *ust_stack_config(const struct ust_stack *st) { return &st->cfg; }

void ust_stack_set_clock(struct ust_stack *st, ust_clock_fn fn, void *ctx)
{
    st->clock_fn = fn;
    st->clock_ctx = ctx;
}

void ust_stack_set_waiter(struct ust_stack *st, ust_wait_fn fn, void *ctx)
{
    st->wait_fn = fn;
    st->wait_ctx = ctx;
}

ust_time_t stack_now_fresh(struct ust_stack *st)
{
    if (st->clock_fn)
        stack_set_now(st, st->clock_fn(st->clock_ctx));
    return st->now;
}

ust_time_t ust_stack_now(struct ust_stack *st) { return stack_now_fresh(st); }

void stack_tx_flush(struct ust_stack *st)
{
    for (unsigned i = 0; i < st->ndevs; i++)
        dev_tx_flush(st->devs[i]);
}

void stack_tx_hold(struct ust_stack *st) { st->tx_hold++; }

bool stack_tx_held(const struct ust_stack *st) { return st->tx_hold != 0; }

void stack_tx_release(struct ust_stack *st)
{
    if (st->tx_hold > 0 && --st->tx_hold == 0)
        stack_tx_flush(st);
}

void ust_stack_poll(struct ust_stack *st, ust_time_t now)
{
    stack_set_now(st, now);
    stack_tx_hold(st); /* retransmissions of one timer round are one burst */
    stack_defer_run(st); /* nothing should be left: a driver forgot the end */
    timer_run(st, st->now);
    ipv4_local_poll(st);
    ipv6_local_poll(st);
    for (unsigned i = 0; i < st->ndevs; i++)
        dev_poll(st->devs[i], st->now);
    stack_tx_release(st);
}

static ust_time_t poll_at(const struct ust_stack *st, bool background_too)
{
    if (ipv4_local_pending(st) || ipv6_local_pending(st) || stack_defer_pending(st))
        return st->now; /* datagrams to ourselves / deferred work (ACKs) wait for the next poll */
    ust_time_t next = background_too ? timer_next(st) : timer_next_foreground(st);
    for (unsigned i = 0; i < st->ndevs; i++) {
        ust_time_t d = dev_poll_at(st->devs[i]);
        if (d < next)
            next = d;
    }
    return next;
}

ust_time_t ust_stack_poll_at(const struct ust_stack *st) { return poll_at(st, true); }

ust_time_t stack_busy_at(const struct ust_stack *st) { return poll_at(st, false); }

int stack_add_dev(struct ust_stack *st, struct ust_dev *dev)
{
    if (st->ndevs == UST_MAX_DEVS)
        return UST_ERR_NOMEM;
    st->devs[st->ndevs++] = dev;
    return UST_OK;
}

int stack_frame_input(struct ust_stack *st, struct ust_dev *dev, ust_time_t now,
                      const uint8_t *frame, size_t len)
{
    return st->frame_input(dev, now, frame, len);
}

struct pkt_pool *stack_pkt_pool(struct ust_stack *st) { return &st->pkt_pool; }

struct ust_rng *stack_rng(struct ust_stack *st) { return &st->rng; }

struct link_state *stack_link(struct ust_stack *st) { return &st->link; }
const struct link_state *stack_link_const(const struct ust_stack *st) { return &st->link; }

struct net_state *stack_net(struct ust_stack *st) { return &st->net; }
const struct net_state *stack_net_const(const struct ust_stack *st) { return &st->net; }
struct pmtu_cache *stack_pmtu(struct ust_stack *st) { return &st->pmtu; }
struct net6_state *stack_net6(struct ust_stack *st) { return &st->net6; }
const struct net6_state *stack_net6_const(const struct ust_stack *st) { return &st->net6; }
const struct pmtu_cache *stack_pmtu_const(const struct ust_stack *st) { return &st->pmtu; }

struct sock_table *stack_socks(struct ust_stack *st) { return &st->socks; }
struct dns_state *stack_dns(struct ust_stack *st) { return &st->dns; }
struct dhcp_state *stack_dhcp(struct ust_stack *st) { return &st->dhcp; }
const struct dhcp_state *stack_dhcp_const(const struct ust_stack *st) { return &st->dhcp; }

struct udp_state *stack_udp(struct ust_stack *st) { return &st->udp; }
const struct udp_state *stack_udp_const(const struct ust_stack *st) { return &st->udp; }
struct tcp_state *stack_tcp(const struct ust_stack *st) { return st->tcp; }
void stack_set_tcp(struct ust_stack *st, struct tcp_state *tcp) { st->tcp = tcp; }
transport_upcall_fn *stack_sock_upcall(struct ust_stack *st) { return &st->sock_upcall; }

bool stack_has_waiter(const struct ust_stack *st) { return st->wait_fn != NULL; }

int stack_wait(struct ust_stack *st, ust_time_t deadline)
{
    /* What the caller has sent so far goes out before we sleep, and the
     * network's work during the wait forms bursts of its own. */
    unsigned hold = st->tx_hold;
    st->tx_hold = 0;
    stack_tx_flush(st);
    int rc = st->wait_fn(st->wait_ctx, deadline);
    st->tx_hold = hold;
    return rc;
}

static ust_ip4_t prefix_mask(int len) { return len ? (ust_ip4_t)(0xffffffffu << (32 - len)) : 0; }

/* Gives ifc addr/prefix_len: the connected route, the trace line and the
 * gratuitous ARP. ifc has no address yet. */
static int iface_configure(struct ust_stack *st, struct ust_iface *ifc, ust_ip4_t addr,
                           int prefix_len)
{
    struct ust_dev *dev = ifc->dev;
    ifc->addr = addr;
    ifc->prefix_len = prefix_len;
    ifc->mask = prefix_mask(prefix_len);
    struct route r = {.dst = addr & ifc->mask, .mask = ifc->mask, .gateway = 0,
                      .prefix_len = prefix_len, .ifindex = ifc->index};
    int rc = route_insert(&st->net.routes, &r);
    if (rc != UST_OK)
        return rc;
    char a[16];
    /* An API call, not an input: refresh the time from the installed clock
     * so the gratuitous ARP and its capture carry the real time. */
    ust_stack_now(st);
    TRACE(st, "if", "%s up %s/%d mtu %u", dev->name, IP4STR(addr, a), prefix_len, dev->mtu);
    if (dev->type == UST_LINK_ETHERNET)
        arp_announce(st, ifc);
    return ifc->index;
}

int ust_iface_add(struct ust_stack *st, struct ust_dev *dev, ust_ip4_t addr, int prefix_len)
{
    if (!dev || dev->st != st || prefix_len < 0 || prefix_len > 32)
        return UST_ERR_INVAL;
    if (addr == 0 && prefix_len != 0)
        return UST_ERR_INVAL;
    if (dev->ifindex >= 0 || (addr && iface_by_addr(st, addr)))
        return UST_ERR_EXIST;
    if (st->nifaces == UST_MAX_IFACES)
        return UST_ERR_NOMEM;
    struct ust_iface *ifc = &st->ifaces[st->nifaces];
    memset(ifc, 0, sizeof(*ifc));
    ifc->dev = dev;
    ifc->index = (int)st->nifaces;
    dev->ifindex = ifc->index;
    st->nifaces++;
    ust_stack_now(st);
    int rc6 = ipv6_iface_up(st, ifc->index); /* IPv6 and its link-local address */
    if (rc6 < 0)
        TRACE(st, "if", "%s: no IPv6 link-local address: %s", dev->name, ust_strerror(rc6));
    if (addr == 0) {
        /* An interface without an address (DHCP's INIT state, RFC 2131
         * 4.1): it receives broadcasts and sends from 0.0.0.0 only. */
        TRACE(st, "if", "%s up without an address mtu %u", dev->name, dev->mtu);
        return ifc->index;
    }
    return iface_configure(st, ifc, addr, prefix_len);
}

int ust_iface_set_addr(struct ust_stack *st, int ifindex, ust_ip4_t addr, int prefix_len)
{
    struct ust_iface *ifc = iface_by_index(st, ifindex);
    if (!ifc)
        return UST_ERR_NOENT;
    if (prefix_len < 0 || prefix_len > 32 || (addr == 0 && prefix_len != 0))
        return UST_ERR_INVAL;
    if (addr == ifc->addr && prefix_len == ifc->prefix_len)
        return ifc->index;
    struct ust_iface *other = addr ? iface_by_addr(st, addr) : NULL;
    if (other && other != ifc)
        return UST_ERR_EXIST;
    if (ifc->addr) {
        route_remove(&st->net.routes, ifc->addr & ifc->mask, ifc->prefix_len);
        route_cache_flush(&st->net.routes, false);
    }
    ifc->addr = 0;
    ifc->prefix_len = 0;
    ifc->mask = 0;
    if (addr == 0) {
        ust_stack_now(st);
        TRACE(st, "if", "%s address removed", ifc->dev->name);
        return ifc->index;
    }
    return iface_configure(st, ifc, addr, prefix_len);
}

int ust_iface_count(const struct ust_stack *st) { return (int)st->nifaces; }

int ust_iface_info(const struct ust_stack *st, int ifindex, ust_ip4_t *addr, int *prefix_len,
                   struct ust_dev **dev)
{
    if (ifindex < 0 || (unsigned)ifindex >= st->nifaces)
        return UST_ERR_NOENT;
    const struct ust_iface *ifc = &st->ifaces[ifindex];
    if (addr)
        *addr = ifc->addr;
    if (prefix_len)
        *prefix_len = ifc->prefix_len;
    if (dev)
        *dev = ifc->dev;
    return UST_OK;
}

struct ust_iface *iface_by_addr(struct ust_stack *st, ust_ip4_t addr)
{
    if (addr == 0)
        return NULL; /* an interface without an address owns nothing */
    for (unsigned i = 0; i < st->nifaces; i++)
        if (st->ifaces[i].addr == addr)
            return &st->ifaces[i];
    return NULL;
}

struct ust_iface *iface_by_index(struct ust_stack *st, int index)
{
    if (index < 0 || (unsigned)index >= st->nifaces)
        return NULL;
    return &st->ifaces[index];
}

const struct ust_iface *iface_at(const struct ust_stack *st, int index)
{
    if (index < 0 || (unsigned)index >= st->nifaces)
        return NULL;
    return &st->ifaces[index];
}

void ust_stack_set_forwarding(struct ust_stack *st, bool on) { st->cfg.ip_forwarding = on; }

void ust_stack_set_dns_server(struct ust_stack *st, ust_ip4_t server) { st->cfg.dns_server = server; }

void ust_stack_set_dns_servers6(struct ust_stack *st, const uint8_t (*servers)[16], unsigned n)
{
    if (n > UST_RA_MAX_DNS)
        n = UST_RA_MAX_DNS;
    memcpy(st->cfg.dns_servers6, servers, n * 16u);
    st->cfg.dns_servers6_count = n;
}

void ust_stack_set_dns_server6(struct ust_stack *st, const uint8_t addr[16], uint32_t scope_id)
{
    memcpy(st->cfg.dns_server6, addr, sizeof(st->cfg.dns_server6));
    st->cfg.dns_server6_scope = scope_id;
}

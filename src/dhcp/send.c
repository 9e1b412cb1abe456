/* The messages this client sends (RFC 2131 4.4.1, table 5) and their
 * retransmission waits (RFC 2131 4.1). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "client.h"
#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "ustack/socket.h"
#include "ustack/stack.h"
#include "wire/wire.h"

ust_time_t dhcp_backoff(struct ust_stack *st, unsigned attempt)
{
    const struct ust_config *cfg = ust_stack_config(st);
    ust_time_t wait = cfg->dhcp_timeout;
    for (unsigned i = 0; i < attempt && wait < cfg->dhcp_timeout_max; i++)
        wait *= 2;
    if (wait > cfg->dhcp_timeout_max)
        wait = cfg->dhcp_timeout_max;
    /* RFC 2131 4.1: randomised by a uniform number between -1 and +1 s. */
    ust_time_t jitter = (ust_time_t)rng_below(stack_rng(st), 2 * UST_SEC + 1);
    wait = wait + jitter > UST_SEC ? wait + jitter - UST_SEC : wait;
    return wait;
}

static const char *dhcp_type_name(uint8_t type)
{
    static const char *const names[] = {"?",       "DISCOVER", "OFFER", "REQUEST", "DECLINE",
                                        "ACK",     "NAK",      "RELEASE", "INFORM"};
    return type <= DHCP_INFORM ? names[type] : "?";
}

/* RFC 2131 table 5: ciaddr, requested IP and server id per message and
 * state; the BROADCAST flag while we cannot receive unicast (4.1). */
static void dhcp_fill(const struct ust_dhcp *c, uint8_t type, ust_time_t now, struct dhcp_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->op = DHCP_BOOTREQUEST;
    m->htype = 1;
    m->hlen = 6;
    m->xid = c->xid;
    ust_time_t secs = (now - c->started) / UST_SEC;
    m->secs = secs > 0xffff ? 0xffff : (uint16_t)secs;
    memcpy(m->chaddr, c->mac, 6);
    m->type = type;
    bool bound = c->state == UST_DHCP_BOUND || c->state == UST_DHCP_RENEWING ||
                 c->state == UST_DHCP_REBINDING;
    if (type == DHCP_RELEASE || (type == DHCP_REQUEST && bound)) {
        m->ciaddr = c->lease.addr; /* RENEWING, REBINDING, RELEASE */
    } else {
        m->flags = DHCP_FLAG_BROADCAST;
        if (type == DHCP_REQUEST || type == DHCP_DECLINE) {
            m->requested_ip = c->offered;
            m->has |= DHCP_HAS_REQ_IP;
        }
    }
    if (type == DHCP_RELEASE || type == DHCP_DECLINE ||
        (type == DHCP_REQUEST && c->state == UST_DHCP_REQUESTING)) {
        m->server_id = c->server;
        m->has |= DHCP_HAS_SERVER_ID;
    }
    if (type == DHCP_DISCOVER || type == DHCP_REQUEST) {
        static const uint8_t wanted[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
                                         DHCP_OPT_MTU, DHCP_OPT_LEASE_TIME, DHCP_OPT_T1,
                                         DHCP_OPT_T2};
        memcpy(m->prl, wanted, sizeof(wanted));
        m->nprl = sizeof(wanted);
        m->has |= DHCP_HAS_PRL | DHCP_HAS_MAX_SIZE;
        m->max_size = 576; /* RFC 2131 2: what every host accepts */
    }
}

/* RENEWING and RELEASE go to the server; everything else is broadcast. */
static ust_ip4_t dhcp_dest(const struct ust_dhcp *c, uint8_t type)
{
    if (type == DHCP_RELEASE || (type == DHCP_REQUEST && c->state == UST_DHCP_RENEWING))
        return c->lease.server;
    return 0xffffffffu;
}

int dhcp_send(struct ust_stack *st, struct ust_dhcp *c, uint8_t type)
{
    struct dhcp_msg m;
    uint8_t buf[DHCP_EMIT_MIN + 64];
    dhcp_fill(c, type, ust_stack_now(st), &m);
    int len = dhcp_emit(&m, buf, sizeof(buf));
    if (len < 0)
        return UST_ERR_INVAL;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT)};
    ust_ip4_t dst = dhcp_dest(c, type);
    to.sin_addr.s_addr = htonl(dst);
    char a[16], d[16];
    TRACE(st, "dhcp", "tx %s xid 0x%08x to %s%s%s", dhcp_type_name(type), (unsigned)c->xid,
          IP4STR(dst, d), m.has & DHCP_HAS_REQ_IP ? " requested " : "",
          m.has & DHCP_HAS_REQ_IP ? IP4STR(m.requested_ip, a) : "");
    ssize_t n = ust_sendto(st, c->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
    return n == len ? UST_OK : UST_ERR_NETUNREACH;
}

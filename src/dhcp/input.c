/* Replies from servers (RFC 2131 4.4.1-4.4.5): only a BOOTREPLY with our
 * xid and hardware address counts, and only the message the state waits
 * for; everything else is counted and ignored. */
#include <string.h>

#include "client.h"
#include "core/services.h"
#include "core/trace.h"
#include "link/link.h"
#include "ustack/stack.h"
#include "ustack/stats.h"
#include "wire/ipv4.h"
#include "wire/wire.h"

static bool dhcp_usable_addr(ust_ip4_t a)
{
    return a != 0 && a != 0xffffffffu && !ipv4_is_multicast(a) && (a >> 24) != 127 &&
           (a >> 28) != 0xf;
}

static bool dhcp_is_ours(const struct ust_dhcp *c, const struct dhcp_msg *m)
{
    return m->op == DHCP_BOOTREPLY && m->xid == c->xid && m->htype == 1 && m->hlen == 6 &&
           !memcmp(m->chaddr, c->mac, 6);
}

/* SELECTING: the first usable offer is taken (RFC 2131 4.4.1 lets the
 * client choose; it MUST carry a server identifier, table 3). */
static void dhcp_on_offer(struct ust_stack *st, struct ust_dhcp *c, const struct dhcp_msg *m)
{
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    if (!dhcp_usable_addr(m->yiaddr) || !(m->has & DHCP_HAS_SERVER_ID)) {
        ds->Malformed++;
        TRACE(st, "dhcp", "drop: offer without a usable address or server id");
        return;
    }
    char a[16], s[16];
    TRACE(st, "dhcp", "offer %s from %s", IP4STR(m->yiaddr, a), IP4STR(m->server_id, s));
    c->offered = m->yiaddr;
    c->server = m->server_id;
    c->state = UST_DHCP_REQUESTING;
    c->attempts = 0;
    TRACE(st, "dhcp", "selecting -> requesting");
    ds->Requests++;
    dhcp_send(st, c, DHCP_REQUEST);
    c->deadline = ust_stack_now(st) + dhcp_backoff(st, 0);
    c->attempts = 1;
}

/* Does a renewed lease configure the stack differently? */
static bool dhcp_lease_changed(const struct ust_dhcp_lease *a, const struct ust_dhcp_lease *b)
{
    return a->prefix_len != b->prefix_len || a->router != b->router || a->dns != b->dns ||
           a->mtu != b->mtu;
}

/* An ACK needs the lease time (RFC 2131 table 3: MUST) and the address. */
static void dhcp_on_ack(struct ust_stack *st, struct ust_dhcp *c, const struct dhcp_msg *m)
{
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    bool extending = c->state == UST_DHCP_RENEWING || c->state == UST_DHCP_REBINDING;
    ust_ip4_t expect = extending ? c->lease.addr : c->offered;
    if (m->yiaddr != expect || !(m->has & DHCP_HAS_LEASE) || m->lease_s == 0) {
        ds->Malformed++;
        TRACE(st, "dhcp", "drop: ack without the address or a lease time");
        return;
    }
    struct ust_dhcp_lease old = c->lease;
    dhcp_take_lease(st, c, m);
    if (extending) {
        if (dhcp_lease_changed(&old, &c->lease)) {
            struct ust_dhcp_lease fresh = c->lease;
            c->lease = old; /* undo what the old lease set, then apply the new */
            dhcp_unapply(st, c);
            c->lease = fresh;
            dhcp_apply(st, c);
        }
        c->state = UST_DHCP_BOUND;
        c->attempts = 0;
        TRACE(st, "dhcp", "renewed: %s -> bound, lease %us", ust_dhcp_state_name(UST_DHCP_RENEWING),
              (unsigned)c->lease.lease_s);
        c->deadline = c->t1_at;
        return;
    }
    /* RFC 2131 4.4.1 and RFC 5227 2.1: probe before use. */
    arp_watch_start(st, c->offered);
    c->state = UST_DHCP_PROBING;
    c->attempts = 0;
    TRACE(st, "dhcp", "requesting -> probing");
    dhcp_timeout(st, c);
}

static void dhcp_on_reply(struct ust_stack *st, struct ust_dhcp *c, const struct dhcp_msg *m)
{
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    bool waiting_ack = c->state == UST_DHCP_REQUESTING || c->state == UST_DHCP_RENEWING ||
                       c->state == UST_DHCP_REBINDING;
    bool other_server = c->state == UST_DHCP_REQUESTING && m->server_id &&
                        m->server_id != c->server;
    if (m->type == DHCP_OFFER)
        ds->Offers++;
    else if (m->type == DHCP_ACK)
        ds->Acks++;
    else if (m->type == DHCP_NAK)
        ds->Naks++;
    if (m->type == DHCP_OFFER && c->state == UST_DHCP_SELECTING) {
        dhcp_on_offer(st, c, m);
    } else if (m->type == DHCP_ACK && waiting_ack && !other_server) {
        dhcp_on_ack(st, c, m);
    } else if (m->type == DHCP_NAK && waiting_ack && !other_server) {
        TRACE(st, "dhcp", "nak: start over");
        dhcp_restart(st, c, 0); /* RFC 2131 4.4.1, 4.4.5 */
    } else {
        ds->Mismatched++;
        TRACE(st, "dhcp", "ignore message type %u in %s", m->type,
              ust_dhcp_state_name((int)c->state));
    }
}

void dhcp_input(struct ust_stack *st, struct ust_dhcp *c, const uint8_t *buf, size_t len,
                ust_ip4_t from)
{
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    struct dhcp_msg m;
    char f[16];
    int rc = dhcp_parse(buf, len, &m);
    if (rc != WIRE_OK) {
        ds->Malformed++;
        TRACE(st, "dhcp", "drop from %s: %s", IP4STR(from, f), wire_strerror(rc));
        return;
    }
    if (!dhcp_is_ours(c, &m) || !m.type) {
        ds->Mismatched++;
        TRACE(st, "dhcp", "drop from %s: not for this exchange", IP4STR(from, f));
        return;
    }
    dhcp_on_reply(st, c, &m);
}

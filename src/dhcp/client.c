/* The client's state machine (RFC 2131 4.4, figure 5): what a reply does
 * in each state, and what each state does when its timer runs out. */
#include <string.h>

#include "client.h"
#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "link/iface.h"
#include "link/link.h"
#include "ustack/stack.h"
#include "ustack/stats.h"

static void dhcp_set_state(struct ust_stack *st, struct ust_dhcp *c, enum ust_dhcp_state s)
{
    if (c->state != s)
        TRACE(st, "dhcp", "%s -> %s", ust_dhcp_state_name((int)c->state),
              ust_dhcp_state_name((int)s));
    c->state = s;
    c->attempts = 0;
}

/* INIT: a new exchange (new xid), DISCOVER now or after `delay`. */
void dhcp_restart(struct ust_stack *st, struct ust_dhcp *c, ust_time_t delay)
{
    dhcp_unapply(st, c);
    arp_watch_start(st, 0);
    dhcp_set_state(st, c, UST_DHCP_INIT);
    c->deadline = ust_stack_now(st) + delay;
}

/* Sends `type` and arms the next retransmission, never past `limit`. */
static void dhcp_send_timed(struct ust_stack *st, struct ust_dhcp *c, uint8_t type,
                            ust_time_t limit)
{
    dhcp_send(st, c, type);
    ust_time_t now = ust_stack_now(st);
    c->deadline = now + dhcp_backoff(st, c->attempts);
    if (c->deadline > limit)
        c->deadline = limit;
    c->attempts++;
}

/* RFC 2131 4.4.5: in RENEWING and REBINDING, wait half the time left to
 * T2 (or the lease's end), at least 60 s, never past it. */
static void dhcp_send_extend(struct ust_stack *st, struct ust_dhcp *c, ust_time_t limit)
{
    ust_time_t now = ust_stack_now(st);
    dhcp_send(st, c, DHCP_REQUEST);
    ust_time_t half = limit > now ? (limit - now) / 2 : 0;
    if (half < 60 * UST_SEC)
        half = 60 * UST_SEC;
    c->deadline = now + half < limit ? now + half : limit;
    c->attempts++;
}

static void dhcp_probe_or_bind(struct ust_stack *st, struct ust_dhcp *c)
{
    const struct ust_config *cfg = ust_stack_config(st);
    if (arp_watch_conflict(st)) {
        char a[16];
        stack_stats(st)->dhcp.ArpConflicts++;
        stack_stats(st)->dhcp.Declines++;
        TRACE(st, "dhcp", "%s is in use: decline", IP4STR(c->offered, a));
        dhcp_send(st, c, DHCP_DECLINE);
        dhcp_restart(st, c, cfg->dhcp_decline_wait); /* RFC 2131 3.1.5 */
        return;
    }
    struct ust_iface *ifc = iface_by_index(st, c->ifindex);
    if (c->attempts < cfg->dhcp_arp_probes && ifc) {
        stack_stats(st)->dhcp.ArpProbes++;
        arp_probe(st, ifc, c->offered);
        c->attempts++;
        c->deadline = ust_stack_now(st) + cfg->dhcp_probe_interval;
        return;
    }
    arp_watch_start(st, 0);
    if (dhcp_apply(st, c) != UST_OK) {
        dhcp_restart(st, c, cfg->dhcp_decline_wait);
        return;
    }
    dhcp_set_state(st, c, UST_DHCP_BOUND);
    c->deadline = c->t1_at;
    if (ifc && ust_stack_config(st)->arp_max_entries)
        arp_prime(st, ifc, c->lease.server); /* RENEW and RELEASE are unicast */
}

/* The state's timer ran out (RFC 2131 4.4.5 for the lease times). */
void dhcp_timeout(struct ust_stack *st, struct ust_dhcp *c)
{
    const struct ust_config *cfg = ust_stack_config(st);
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    switch (c->state) {
    case UST_DHCP_INIT:
        c->xid = (uint32_t)(rng_next(stack_rng(st)) >> 32);
        c->started = ust_stack_now(st);
        dhcp_set_state(st, c, UST_DHCP_SELECTING);
        /* fall through */
    case UST_DHCP_SELECTING:
        if (c->attempts)
            ds->Timeouts++;
        ds->Discovers++;
        dhcp_send_timed(st, c, DHCP_DISCOVER, UST_TIME_NEVER);
        return;
    case UST_DHCP_REQUESTING:
        ds->Timeouts++;
        if (c->attempts >= cfg->dhcp_request_attempts) {
            dhcp_restart(st, c, 0);
            return;
        }
        ds->Requests++;
        dhcp_send_timed(st, c, DHCP_REQUEST, UST_TIME_NEVER);
        return;
    case UST_DHCP_PROBING:
        dhcp_probe_or_bind(st, c);
        return;
    default:
        break;
    }
    dhcp_lease_timeout(st, c);
}

/* BOUND, RENEWING, REBINDING: T1, T2, the lease's end. */
void dhcp_lease_timeout(struct ust_stack *st, struct ust_dhcp *c)
{
    struct ust_dhcp_stats *ds = &stack_stats(st)->dhcp;
    ust_time_t now = ust_stack_now(st);
    if (now >= c->end_at) {
        ds->Expiries++;
        TRACE(st, "dhcp", "lease expired");
        dhcp_restart(st, c, 0);
        return;
    }
    if (now >= c->t2_at && c->state != UST_DHCP_REBINDING) {
        dhcp_set_state(st, c, UST_DHCP_REBINDING);
        ds->Rebinds++;
    } else if (c->state == UST_DHCP_BOUND) {
        dhcp_set_state(st, c, UST_DHCP_RENEWING);
        c->started = now;
        c->xid = (uint32_t)(rng_next(stack_rng(st)) >> 32);
        ds->Renewals++;
    } else {
        ds->Timeouts++;
    }
    ds->Requests++;
    dhcp_send_extend(st, c, c->state == UST_DHCP_RENEWING ? c->t2_at : c->end_at);
}

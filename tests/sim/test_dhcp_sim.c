/* The DHCP client between simulated stacks: A starts without an address,
 * B runs the tiny server below (203.0.113.1:67). On the virtual clock:
 * DISCOVER -> OFFER -> REQUEST -> ACK, the ARP probes, the interface, route,
 * MTU and name server configured; renewal at T1 (unicast), rebinding at T2
 * (broadcast), expiry, NAK, an ARP conflict answered by DECLINE, RELEASE
 * on stop, the retransmission back-off, replies of another exchange. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/sin.h"
#include "ustack/ustack.h"
#include "wire/dhcp.h"
#include "wire/wbuf.h"

#define SRV UST_IP4(203, 0, 113, 1)
#define POOL1 UST_IP4(203, 0, 113, 50)
#define POOL2 UST_IP4(203, 0, 113, 51)
#define ROUTER UST_IP4(203, 0, 113, 254)
#define NS UST_IP4(198, 51, 100, 53)
#define LEASE_S 120

/* What the server does with each request. */
struct srv {
    int fd;
    ust_ip4_t next_addr;    /* offered next */
    unsigned naks;          /* REQUESTs still to refuse */
    ust_time_t deaf_until;  /* REQUESTs with ciaddr before this get no answer */
    bool silent;            /* answers nothing */
    uint32_t wrong_xid;     /* != 0: one OFFER with this xid first */
    unsigned seen[9];       /* per message type */
    ust_time_t seen_at[9];  /* last of each type */
    ust_ip4_t last_src[9];  /* its IP source */
    struct dhcp_msg last[9];
};

struct net {
    struct ust_sim *sim;
    struct ust_stack *a, *b, *c;
    struct ust_dev *cdev;
    struct ust_dhcp *cl;
    ust_time_t first_retx; /* the first DISCOVER's retransmission time */
    int ifa;
    struct srv s;
};

static int setup(void **state)
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(7);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    struct ust_config cfg;
    ust_config_default(&cfg);
    n->a = ust_stack_new(&cfg);
    n->b = ust_stack_new(&cfg);
    n->c = ust_stack_new(&cfg);
    assert_int_equal(ust_sim_add_stack(n->sim, n->a), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->b), 0);
    assert_int_equal(ust_sim_add_stack(n->sim, n->c), 0);
    n->ifa = ust_iface_add(n->a, ust_sim_attach(sw, n->a, "eth0", NULL, 1500), 0, 0);
    assert_true(n->ifa >= 0);
    assert_true(ust_iface_add(n->b, ust_sim_attach(sw, n->b, "eth0", NULL, 1500), SRV, 24) >= 0);
    n->cdev = ust_sim_attach(sw, n->c, "eth0", NULL, 1500); /* C: a conflicting host */
    n->s.fd = ust_socket(n->b, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(n->b, n->s.fd, SOL_SOCKET, SO_BROADCAST, &one, 4), 0);
    struct sockaddr_in any = sin_of(0, DHCP_SERVER_PORT);
    assert_int_equal(ust_bind(n->b, n->s.fd, (struct sockaddr *)&any, sizeof(any)), 0);
    n->s.next_addr = POOL1;
    if (getenv("DHCP_TRACE")) {
        ust_stack_set_trace(n->a, ust_trace_to_file, stderr);
        ust_stack_set_trace(n->b, ust_trace_to_file, stderr);
    }
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct net *n = *state;
    if (n->cl)
        ust_dhcp_stop(n->a, n->cl);
    ust_sim_free(n->sim);
    ust_stack_free(n->a);
    ust_stack_free(n->b);
    ust_stack_free(n->c);
    free(n);
    return 0;
}

static size_t opt32(uint8_t *p, uint8_t code, uint32_t v)
{
    p[0] = code;
    p[1] = 4;
    put_be32(p + 2, v);
    return 6;
}

/* A reply as a server writes it (RFC 2131 table 3). */
static size_t srv_reply(uint8_t *b, const struct dhcp_msg *q, uint8_t type, ust_ip4_t yiaddr,
                        uint32_t xid)
{
    memset(b, 0, 400);
    b[0] = DHCP_BOOTREPLY, b[1] = 1, b[2] = 6;
    put_be32(b + 4, xid);
    put_be16(b + 10, q->flags);
    put_be32(b + 16, yiaddr);
    memcpy(b + 28, q->chaddr, 16);
    put_be32(b + DHCP_FIXED_LEN, DHCP_MAGIC);
    size_t n = DHCP_MIN_LEN;
    b[n++] = DHCP_OPT_MSG_TYPE, b[n++] = 1, b[n++] = type;
    n += opt32(b + n, DHCP_OPT_SERVER_ID, SRV);
    if (type != DHCP_NAK) {
        n += opt32(b + n, DHCP_OPT_LEASE_TIME, LEASE_S);
        n += opt32(b + n, DHCP_OPT_SUBNET_MASK, 0xffffff00u);
        n += opt32(b + n, DHCP_OPT_ROUTER, ROUTER);
        n += opt32(b + n, DHCP_OPT_DNS, NS);
        b[n++] = DHCP_OPT_MTU, b[n++] = 2;
        put_be16(b + n, 1400);
        n += 2;
    }
    b[n++] = DHCP_OPT_END;
    return n < 300 ? 300 : n;
}

static void srv_send(struct net *n, const struct dhcp_msg *q, uint8_t type, ust_ip4_t yiaddr,
                     uint32_t xid)
{
    uint8_t b[400];
    size_t len = srv_reply(b, q, type, yiaddr, xid);
    /* RFC 2131 4.1: to ciaddr when set, else broadcast (the flag is set). */
    struct sockaddr_in to = sin_of(q->ciaddr ? q->ciaddr : 0xffffffffu, DHCP_CLIENT_PORT);
    assert_int_equal(ust_sendto(n->b, n->s.fd, b, len, 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)len);
}

static void srv_answer(struct net *n, const struct dhcp_msg *q, ust_ip4_t src)
{
    struct srv *s = &n->s;
    (void)src;
    if (s->silent || (q->ciaddr && ust_sim_now(n->sim) < s->deaf_until))
        return;
    if (q->type == DHCP_DISCOVER) {
        if (s->wrong_xid) {
            srv_send(n, q, DHCP_OFFER, s->next_addr, s->wrong_xid);
            s->wrong_xid = 0;
        }
        srv_send(n, q, DHCP_OFFER, s->next_addr, q->xid);
    } else if (q->type == DHCP_REQUEST) {
        if (s->naks) {
            s->naks--;
            srv_send(n, q, DHCP_NAK, 0, q->xid);
            return;
        }
        ust_ip4_t a = q->ciaddr ? q->ciaddr : q->requested_ip;
        srv_send(n, q, DHCP_ACK, a, q->xid);
    } else if (q->type == DHCP_DECLINE) {
        s->next_addr = POOL2;
    }
}

/* B reads and answers everything that has arrived. */
static void srv_serve(struct net *n)
{
    uint8_t b[1500];
    struct sockaddr_in from;
    for (;;) {
        socklen_t fl = sizeof(from);
        ssize_t len = ust_recvfrom(n->b, n->s.fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
        if (len < 0)
            return;
        struct dhcp_msg q;
        assert_int_equal(dhcp_parse(b, (size_t)len, &q), 0);
        assert_true(q.type >= 1 && q.type <= 8);
        n->s.seen[q.type]++;
        n->s.seen_at[q.type] = ust_sim_now(n->sim);
        n->s.last_src[q.type] = ntohl(from.sin_addr.s_addr);
        n->s.last[q.type] = q;
        srv_answer(n, &q, ntohl(from.sin_addr.s_addr));
    }
}

/* Runs the network until `until`, one simulator event at a time, the
 * server answering after each. The client is never stepped: the stack
 * runs it (its timer in the stack's heap, its socket read when the batch
 * of received frames ends), as any loop polling the stack would. */
static void run(struct net *n, ust_time_t until)
{
    while (ust_sim_now(n->sim) < until) {
        if (!ust_sim_step(n->sim, until))
            ust_sim_run_until(n->sim, until);
        srv_serve(n);
    }
}

/* The same with the stepped API of before (ust_dhcp_step at the
 * client's deadlines and after every event), which must still work. */
static void run_stepped(struct net *n, ust_time_t until)
{
    while (ust_sim_now(n->sim) < until) {
        ust_time_t dl = ust_dhcp_deadline(n->cl);
        if (dl > until)
            dl = until;
        if (!ust_sim_step(n->sim, dl))
            ust_sim_run_until(n->sim, dl);
        srv_serve(n);
        ust_dhcp_step(n->a, n->cl);
    }
}

static bool not_bound(void *ctx)
{
    struct net *n = ctx;
    srv_serve(n);
    return ust_dhcp_state(n->cl) != UST_DHCP_BOUND;
}

/* Starts the client and runs the network until BOUND (at most 60 s). */
static void bind_now(struct net *n)
{
    assert_int_equal(ust_dhcp_start(n->a, n->ifa, &n->cl), 0);
    n->first_retx = ust_dhcp_deadline(n->cl);
    ust_time_t t0 = ust_sim_now(n->sim);
    while (not_bound(n) && ust_sim_now(n->sim) < t0 + 60 * UST_SEC)
        if (!ust_sim_step(n->sim, t0 + 60 * UST_SEC))
            break;
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_BOUND);
}

static const struct ust_dhcp_stats *ds(struct net *n) { return &ust_stack_stats(n->a)->dhcp; }

static void test_discover_to_bound(void **state)
{
    struct net *n = *state;
    bind_now(n);
    /* The DISCOVER came from 0.0.0.0 with the BROADCAST flag (RFC 2131 4.1). */
    assert_int_equal(n->s.seen[DHCP_DISCOVER], 1);
    assert_int_equal(n->s.last_src[DHCP_DISCOVER], 0);
    assert_true(n->s.last[DHCP_DISCOVER].flags & DHCP_FLAG_BROADCAST);
    assert_int_equal(n->s.last[DHCP_REQUEST].requested_ip, POOL1);
    assert_int_equal(n->s.last[DHCP_REQUEST].server_id, SRV);
    assert_int_equal(n->s.last[DHCP_REQUEST].xid, n->s.last[DHCP_DISCOVER].xid);
    /* The offer was read as it arrived (the stack's receive hook), not at
     * the client's next timer. */
    assert_true(n->s.seen_at[DHCP_REQUEST] < n->first_retx);
    ust_ip4_t addr;
    int plen;
    struct ust_dev *dev;
    assert_int_equal(ust_iface_info(n->a, n->ifa, &addr, &plen, &dev), 0);
    assert_int_equal(addr, POOL1);
    assert_int_equal(plen, 24);
    assert_int_equal(ust_dev_mtu(dev), 1400);
    assert_int_equal(ust_stack_config(n->a)->dns_server, NS);
    int ifx;
    ust_ip4_t gw;
    assert_int_equal(ust_route_lookup(n->a, UST_IP4(192, 0, 2, 9), &ifx, &gw), 0);
    assert_int_equal(gw, ROUTER);
    struct ust_dhcp_lease l;
    assert_int_equal(ust_dhcp_lease(n->cl, &l), 0);
    assert_int_equal(l.lease_s, LEASE_S);
    assert_int_equal(l.t1_s, LEASE_S / 2);
    assert_int_equal(l.t2_s, LEASE_S * 7 / 8);
    /* Three probes, one second apart, before the address was used. */
    assert_int_equal(ds(n)->ArpProbes, 3);
    assert_true(l.acquired + 3 * UST_SEC <= ust_sim_now(n->sim));
    assert_int_equal(ds(n)->Discovers, 1);
    assert_int_equal(ds(n)->Requests, 1);
    assert_int_equal(ds(n)->Acks, 1);
    /* The address works: B reaches A by unicast now. */
    int fa = ust_socket(n->a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in p = sin_of(0, 9000), from;
    assert_int_equal(ust_bind(n->a, fa, (struct sockaddr *)&p, sizeof(p)), 0);
    int fb = ust_socket(n->b, AF_INET, SOCK_DGRAM, 0);
    p = sin_of(POOL1, 9000);
    assert_int_equal(ust_sendto(n->b, fb, "hi", 2, 0, (struct sockaddr *)&p, sizeof(p)), 2);
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + UST_SEC);
    char buf[8];
    socklen_t fl = sizeof(from);
    assert_int_equal(ust_recvfrom(n->a, fa, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 2);
    assert_int_equal(ntohl(from.sin_addr.s_addr), SRV);
}

static void test_renew_at_t1(void **state)
{
    struct net *n = *state;
    bind_now(n);
    struct ust_dhcp_lease l;
    ust_dhcp_lease(n->cl, &l);
    ust_time_t t1 = l.acquired + (LEASE_S / 2) * UST_SEC;
    run(n, t1 - UST_MSEC);
    assert_int_equal(n->s.seen[DHCP_REQUEST], 1);
    run(n, t1 + UST_SEC);
    /* RFC 2131 4.4.5: at T1 a unicast REQUEST with ciaddr, no server id. */
    assert_int_equal(n->s.seen[DHCP_REQUEST], 2);
    assert_int_equal(n->s.seen_at[DHCP_REQUEST], t1);
    assert_int_equal(n->s.last_src[DHCP_REQUEST], POOL1);
    assert_int_equal(n->s.last[DHCP_REQUEST].ciaddr, POOL1);
    assert_false(n->s.last[DHCP_REQUEST].has & DHCP_HAS_SERVER_ID);
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_BOUND);
    assert_int_equal(ds(n)->Renewals, 1);
    ust_dhcp_lease(n->cl, &l);
    assert_true(l.acquired >= t1); /* the new lease counts from its ACK */
}

/* The stepped API of before still works: an application that calls
 * ust_dhcp_step at the deadlines and on arrivals binds and renews just as
 * well (a step does now what the stack would do at its next poll). */
static void test_stepped_api_still_works(void **state)
{
    struct net *n = *state;
    assert_int_equal(ust_dhcp_start(n->a, n->ifa, &n->cl), 0);
    ust_time_t t0 = ust_sim_now(n->sim);
    while (ust_dhcp_step(n->a, n->cl) != UST_DHCP_BOUND && ust_sim_now(n->sim) < t0 + 60 * UST_SEC)
        run_stepped(n, ust_sim_now(n->sim) + 100 * UST_MSEC);
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_BOUND);
    struct ust_dhcp_lease l;
    ust_dhcp_lease(n->cl, &l);
    ust_time_t t1 = l.acquired + (LEASE_S / 2) * UST_SEC;
    assert_int_equal(ust_dhcp_deadline(n->cl), t1);
    run_stepped(n, t1 + UST_SEC);
    assert_int_equal(n->s.seen[DHCP_REQUEST], 2);
    assert_int_equal(n->s.seen_at[DHCP_REQUEST], t1); /* once, not once per caller */
    assert_int_equal(ds(n)->Renewals, 1);
    assert_int_equal(ust_dhcp_step(n->a, n->cl), UST_DHCP_BOUND);
}

/* A stack freed with its client still running frees the client too (no
 * leak under ASan) and sends nothing: here the simulator its NIC would
 * send through is already gone (teardown frees it first). */
static void test_stack_free_frees_running_client(void **state)
{
    struct net *n = *state;
    bind_now(n);
    n->cl = NULL; /* teardown: no ust_dhcp_stop, ust_stack_free does it */
    assert_int_equal(ds(n)->Releases, 0);
}

static void test_rebind_at_t2(void **state)
{
    struct net *n = *state;
    bind_now(n);
    struct ust_dhcp_lease l;
    ust_dhcp_lease(n->cl, &l);
    ust_time_t t2 = l.acquired + (LEASE_S * 7 / 8) * UST_SEC;
    n->s.deaf_until = t2; /* the renewals go unanswered */
    run(n, t2 - UST_MSEC);
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_RENEWING);
    run(n, t2 + 2 * UST_SEC);
    assert_int_equal(ds(n)->Rebinds, 1);
    assert_true(n->s.seen_at[DHCP_REQUEST] >= t2); /* the rebinding REQUEST, answered */
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_BOUND);
    ust_ip4_t addr;
    ust_iface_info(n->a, n->ifa, &addr, NULL, NULL);
    assert_int_equal(addr, POOL1);
}

static void test_lease_expiry(void **state)
{
    struct net *n = *state;
    bind_now(n);
    struct ust_dhcp_lease l;
    ust_dhcp_lease(n->cl, &l);
    n->s.silent = true;
    ust_time_t end = l.acquired + LEASE_S * UST_SEC;
    run(n, end - UST_MSEC);
    ust_ip4_t addr;
    ust_iface_info(n->a, n->ifa, &addr, NULL, NULL);
    assert_int_equal(addr, POOL1);
    run(n, end + UST_MSEC);
    assert_int_equal(ds(n)->Expiries, 1);
    ust_iface_info(n->a, n->ifa, &addr, NULL, NULL);
    assert_int_equal(addr, 0); /* address, route and name server gone */
    int ifx;
    ust_ip4_t gw;
    assert_true(ust_route_lookup(n->a, UST_IP4(192, 0, 2, 9), &ifx, &gw) < 0);
    assert_int_equal(ust_stack_config(n->a)->dns_server, 0);
    assert_int_equal(ust_dhcp_lease(n->cl, &l), UST_ERR_NOENT);
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_SELECTING);
    assert_int_equal(ds(n)->Discovers, 2);
}

static void test_nak_restarts(void **state)
{
    struct net *n = *state;
    n->s.naks = 1;
    bind_now(n);
    assert_int_equal(ds(n)->Naks, 1);
    assert_int_equal(n->s.seen[DHCP_DISCOVER], 2);
    assert_int_equal(n->s.seen[DHCP_REQUEST], 2);
}

static void test_arp_conflict_declines(void **state)
{
    struct net *n = *state;
    /* C already uses the address the server offers first. */
    assert_true(ust_iface_add(n->c, n->cdev, POOL1, 24) >= 0);
    bind_now(n);
    assert_int_equal(ds(n)->ArpConflicts, 1);
    assert_int_equal(ds(n)->Declines, 1);
    assert_int_equal(n->s.seen[DHCP_DECLINE], 1);
    assert_int_equal(n->s.last[DHCP_DECLINE].requested_ip, POOL1);
    assert_int_equal(n->s.last[DHCP_DECLINE].server_id, SRV);
    /* RFC 2131 3.1.5: the next DISCOVER waits at least 10 s. */
    assert_true(n->s.seen_at[DHCP_DISCOVER] >= n->s.seen_at[DHCP_DECLINE] + 10 * UST_SEC);
    ust_ip4_t addr;
    ust_iface_info(n->a, n->ifa, &addr, NULL, NULL);
    assert_int_equal(addr, POOL2);
}

static void test_release_on_stop(void **state)
{
    struct net *n = *state;
    bind_now(n);
    ust_dhcp_stop(n->a, n->cl);
    n->cl = NULL;
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + UST_SEC);
    srv_serve(n);
    assert_int_equal(n->s.seen[DHCP_RELEASE], 1);
    assert_int_equal(n->s.last[DHCP_RELEASE].ciaddr, POOL1);
    assert_int_equal(n->s.last[DHCP_RELEASE].server_id, SRV);
    assert_int_equal(n->s.last_src[DHCP_RELEASE], POOL1);
    ust_ip4_t addr;
    ust_iface_info(n->a, n->ifa, &addr, NULL, NULL);
    assert_int_equal(addr, 0);
    assert_int_equal(ds(n)->Releases, 1);
}

/* RFC 2131 4.1: 4 s, 8 s, 16 s, 32 s, 64 s, 64 s, each within +-1 s. */
static void test_retransmit_backoff(void **state)
{
    struct net *n = *state;
    n->s.silent = true;
    assert_int_equal(ust_dhcp_start(n->a, n->ifa, &n->cl), 0);
    ust_time_t prev = ust_sim_now(n->sim);
    const unsigned base[] = {4, 8, 16, 32, 64, 64};
    for (unsigned i = 0; i < 6; i++) {
        ust_time_t dl = ust_dhcp_deadline(n->cl);
        assert_true(dl >= prev + (base[i] - 1) * UST_SEC);
        assert_true(dl <= prev + (base[i] + 1) * UST_SEC);
        run(n, dl + 10 * UST_MSEC); /* sent at dl, read by B just after */
        assert_int_equal(n->s.seen[DHCP_DISCOVER], i + 2);
        prev = dl;
    }
    assert_int_equal(ds(n)->Timeouts, 6);
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_SELECTING);
}

static void test_other_xid_ignored(void **state)
{
    struct net *n = *state;
    n->s.wrong_xid = 0x12345678;
    bind_now(n);
    assert_int_equal(ds(n)->Mismatched, 1);
    assert_int_equal(ds(n)->Offers, 1);
}

static void test_wait_bound_times_out(void **state)
{
    struct net *n = *state;
    n->s.silent = true;
    assert_int_equal(ust_dhcp_start(n->a, n->ifa, &n->cl), 0);
    ust_time_t t0 = ust_sim_now(n->sim);
    assert_int_equal(ust_dhcp_wait_bound(n->a, n->cl, t0 + 10 * UST_SEC), UST_ERR_TIMEDOUT);
    assert_true(ust_sim_now(n->sim) >= t0 + 10 * UST_SEC);
    assert_int_equal(ds(n)->Discovers, 2); /* at 0 s and 4+-1 s; the third is after 10 s */
    assert_int_equal(ust_dhcp_state(n->cl), UST_DHCP_SELECTING);
}

/* The hooks under the client: an address-less interface sends only to
 * the limited broadcast (from 0.0.0.0), gets an address and loses it. */
static void test_unnumbered_interface_rules(void **state)
{
    struct net *n = *state;
    int fd = ust_socket(n->a, AF_INET, SOCK_DGRAM, 0);
    int one = 1;
    assert_int_equal(ust_setsockopt(n->a, fd, SOL_SOCKET, SO_BROADCAST, &one, 4), 0);
    struct sockaddr_in to = sin_of(SRV, 9);
    assert_int_equal(ust_sendto(n->a, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, ENETUNREACH); /* no source for a unicast */
    to = sin_of(0xffffffffu, 9);
    assert_int_equal(ust_sendto(n->a, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    assert_int_equal(ust_iface_add(n->a, NULL, 0, 8), UST_ERR_INVAL);
    assert_int_equal(ust_iface_set_addr(n->a, n->ifa, 0, 8), UST_ERR_INVAL);
    assert_int_equal(ust_iface_set_addr(n->a, n->ifa, POOL1, 24), n->ifa);
    int ifx;
    ust_ip4_t hop;
    assert_int_equal(ust_route_lookup(n->a, SRV, &ifx, &hop), 0);
    assert_int_equal(ust_iface_set_addr(n->a, n->ifa, 0, 0), n->ifa);
    assert_true(ust_route_lookup(n->a, SRV, &ifx, &hop) < 0); /* the connected route went too */
    assert_int_equal(ust_sendto(n->a, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    ust_close(n->a, fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_discover_to_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_at_t1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stepped_api_still_works, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_free_frees_running_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebind_at_t2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_conflict_declines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_on_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmit_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_xid_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_bound_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unnumbered_interface_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

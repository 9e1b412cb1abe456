/* TCB life cycle, the connection tables and the state writer.
 *
 * Two tables: `hash` finds a connection by its 4-tuple in O(1) (chains
 * keyed with SipHash so a peer cannot aim at one bucket); `ports` holds
 * every TCB with a local port, for bind conflicts, ephemeral ports and
 * listener lookup. Listener children are full TCBs owned by their listener
 * until accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/defer.h"
#include "core/rand.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "net/net.h"
#include "net6/net6.h"
#include "tcp.h"
#include "transport/tp_net.h"
#include "transport/transport.h"
#include "wire/wbuf.h"

static const char *const state_names[] = {
    "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

const char *ust_tcp_state_name(int s)
{
    if (s < 0 || (size_t)s >= sizeof(state_names) / sizeof(state_names[0]))
        return "?";
    return state_names[s];
}

int tcp_init(struct ust_stack *st)
{
    struct tcp_state *ts = calloc(1, sizeof(*ts));
    if (!ts)
        return UST_ERR_NOMEM;
    rng_bytes(stack_rng(st), ts->secret, sizeof(ts->secret));
    stack_set_tcp(st, ts);
    return UST_OK;
}

static void tcp_ip_input(struct ust_stack *st, const struct ip_rx *rx)
{
    tcp_input(st, rx->h, rx->seg, rx->seg_len, rx->dgram, rx->h->total_len);
}

static void tcp_ip6_err_input(struct ust_stack *st, const struct ip6_err *e)
{
    tcp_icmp6_error(st, e);
}

static void tcp_ip_err_input(struct ust_stack *st, const struct ip_err *e)
{
    tcp_icmp_error(st, e->type, e->code, e->extra, e->orig, e->l4, e->l4_len);
}

/* TCP is unicast only (RFC 9293 3.9.1: no broadcast/multicast). */
static const struct ip_proto_ops tcp_proto = {
    .input = tcp_ip_input,
    .err_input = tcp_ip_err_input,
    .unicast_only = true,
};

/* IP protocol 6, and the end of a receive batch sends the in-order ACKs
 * input deferred to it (one stretch ACK per batch). */
static const struct ip6_proto_ops tcp6_proto = {
    .input = tcp_input6,
    .err_input = tcp_ip6_err_input,
    .unicast_only = true,
};

/* ... and Next Header 6 above IPv6: one TCP for both families. */
int tcp_register(struct ust_stack *st)
{
    int rc = ip_proto_register(st, IPV4_PROTO_TCP, &tcp_proto);
    if (rc == UST_OK)
        rc = ip6_proto_register(st, IPV6_NH_TCP, &tcp6_proto);
    if (rc != UST_OK)
        return rc;
    return stack_defer_register(st, tcp_rx_batch_end, tcp_acks_pending);
}

void tcp_destroy(struct ust_stack *st)
{
    struct tcp_state *ts = stack_tcp(st);
    if (!ts)
        return;
    while (ts->all) {
        struct tcb *t = ts->all;
        if (t->sock) /* the socket table is already gone */
            t->sock = NULL;
        tcb_free(t);
    }
    free(ts);
    stack_set_tcp(st, NULL);
}

static unsigned tuple_hash(const struct ust_stack *st, const struct ust_addr *laddr,
                           uint16_t lport, const struct ust_addr *raddr, uint16_t rport)
{
    uint8_t msg[TCP_TUPLE_MSG_MAX];
    size_t n = tcp_tuple_msg(msg, laddr, lport, raddr, rport);
    return (unsigned)siphash24(stack_tcp(st)->secret, msg, n) & (TCP_HASH_BUCKETS - 1);
}

static unsigned port_bucket(uint16_t port) { return port & (TCP_PORT_BUCKETS - 1); }

struct tcb *tcb_new(struct ust_stack *st)
{
    struct tcp_state *ts = stack_tcp(st);
    struct tcb *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    const struct ust_config *c = ust_stack_config(st);
    t->st = st;
    t->state = UST_TCP_CLOSED;
    ring_init(&t->snd.buf, c->tcp_sndbuf);
    ring_init(&t->rcv.buf, c->tcp_rcvbuf);
    asm_init(&t->rcv.ooo);
    asm_init(&t->rec.sacked);
    asm_set_max(&t->rcv.ooo, c->tcp_ofo_ranges < TCP_OFO_RANGES_MAX ? c->tcp_ofo_ranges
                                                                     : TCP_OFO_RANGES_MAX);
    tcp_rtt_init(&t->rtt, c->tcp_rto_initial, c->tcp_rto_min, c->tcp_rto_max);
    tcp_minrtt_init(&t->min_rtt, c->tcp_min_rtt_window);
    t->cc_ops = cc_find(c->tcp_congestion);
    if (!t->cc_ops)
        t->cc_ops = &cc_newreno;
    t->so.ecn_mode = (uint8_t)(c->tcp_ecn <= 2 ? c->tcp_ecn : 2);
    t->so.keepidle = c->tcp_keepidle;
    t->so.keepintvl = c->tcp_keepintvl;
    t->so.keepcnt = c->tcp_keepcnt;
    t->so.ttl = -1;
    t->so.hops6 = -1;
    t->so.use_min_mtu = -1;
    t->opt.peer_mss = TCP_DEFAULT_MSS;
    t->opt.mss = TCP_DEFAULT_MSS;
    tcp_timers_init(t);
    t->all_next = ts->all;
    if (t->all_next)
        t->all_next->all_prev = t;
    ts->all = t;
    ts->ntcbs++;
    return t;
}

/* Doubly linked: a server's port bucket holds every connection on its
 * port (thousands in TIME-WAIT), and each goes without a walk. */
static void ports_remove(struct tcb *t)
{
    if (!t->in_ports)
        return;
    *t->pprev = t->pnext;
    if (t->pnext)
        t->pnext->pprev = t->pprev;
    t->in_ports = false;
}

static void ports_insert(struct tcb *t)
{
    struct tcb **head = &stack_tcp(t->st)->ports[port_bucket(t->lport)];
    t->pnext = *head;
    if (*head)
        (*head)->pprev = &t->pnext;
    t->pprev = head;
    *head = t;
    t->in_ports = true;
}

/* The listeners have a chain of their own, so that a SYN's listener
 * lookup does not walk the connections of the port (see ports_remove). */
static void listeners_update(struct tcb *t, bool listening)
{
    struct tcb **pp = &stack_tcp(t->st)->listeners[port_bucket(t->lport)];
    if (listening && !t->in_listeners) {
        t->lnext = *pp;
        *pp = t;
    } else if (!listening && t->in_listeners) {
        while (*pp != t)
            pp = &(*pp)->lnext;
        *pp = t->lnext;
    }
    t->in_listeners = listening;
}

void tcb_free(struct tcb *t)
{
    struct tcp_state *ts = stack_tcp(t->st);
    /* a listener's children go with it */
    while (t->lsn.synq)
        tcb_free(t->lsn.synq);
    while (t->lsn.acceptq)
        tcb_free(t->lsn.acceptq);
    if (t->listener)
        tcp_listener_remove_child(t);
    tcp_ack_list_remove(t);
    tcp_orphan_end(t);
    if (t->state == UST_TCP_TIME_WAIT)
        tcp_tw_leave(t);
    asm_clear(&t->rcv.ooo);
    asm_clear(&t->rec.sacked);
    tcp_ofo_account(t);
    tcp_timers_cancel(t);
    tcb_hash_remove(t);
    listeners_update(t, false);
    ports_remove(t);
    ring_free(&t->snd.buf);
    ring_free(&t->rcv.buf);
    tcp_autotune_release(t);
    tcp_rack_free(t);
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else
        ts->all = t->all_next;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    ts->ntcbs--;
    free(t);
}

const char *tcb_str(const struct tcb *t, char *buf, size_t len)
{
    char l[UST_ADDR_STRLEN], r[UST_ADDR_STRLEN];
    bool six = t->laddr.family == UST_AF_INET6 || t->raddr.family == UST_AF_INET6;
    snprintf(buf, len, six ? "[%s]:%u->[%s]:%u" : "%s:%u->%s:%u", ust_addr_str(&t->laddr, l),
             t->lport, ust_addr_str(&t->raddr, r), t->rport);
    return buf;
}

static bool counts_as_established(enum ust_tcp_state s)
{
    /* RFC 1213 tcpCurrEstab: ESTABLISHED or CLOSE-WAIT */
    return s == UST_TCP_ESTABLISHED || s == UST_TCP_CLOSE_WAIT;
}

/* Once nothing more will be sent (FIN-WAIT-2, TIME-WAIT, CLOSED) the send
 * ring's storage goes; the receive ring's too when nobody can read it or it
 * is empty. A server with many connections in TIME-WAIT keeps a few
 * hundred bytes for each, not its buffers. (Rings allocate lazily again
 * if ever written.) */
static void tcb_trim_memory(struct tcb *t)
{
    if (ring_len(&t->snd.buf) == 0) {
        ring_free(&t->snd.buf);
        tcp_rack_free(t); /* nothing outstanding: no send map either */
    }
    bool nobody_reads = (t->flags & TF_ORPHAN) && !t->listener;
    if (nobody_reads || (ring_len(&t->rcv.buf) == 0 && asm_empty(&t->rcv.ooo))) {
        if (t->state == UST_TCP_TIME_WAIT || t->state == UST_TCP_CLOSED) {
            ring_free(&t->rcv.buf);
            asm_clear(&t->rcv.ooo);
            tcp_ofo_account(t);
        }
    }
    if (!t->snd.buf.buf && !t->rcv.buf.buf && (t->state == UST_TCP_TIME_WAIT ||
                                               t->state == UST_TCP_CLOSED))
        tcp_autotune_release(t); /* its growth no longer holds memory */
}

void tcp_set_state(struct tcb *t, enum ust_tcp_state s)
{
    enum ust_tcp_state old = t->state;
    if (old == s)
        return;
    struct ust_tcp_stats *ts = &stack_stats(t->st)->tcp;
    char b[TCB_STR_LEN];
    TCB_TRACE(t, "%s %s -> %s", tcb_str(t, b, sizeof(b)), ust_tcp_state_name(old),
              ust_tcp_state_name(s));
    TRACE_NOTE(t->st, "TCP %s -> %s", ust_tcp_state_name(old), ust_tcp_state_name(s));
    if (counts_as_established(old) && !counts_as_established(s) && ts->CurrEstab)
        ts->CurrEstab--;
    if (counts_as_established(s) && !counts_as_established(old))
        ts->CurrEstab++;
    if (old == UST_TCP_CLOSED && s == UST_TCP_SYN_SENT)
        ts->ActiveOpens++;
    if ((old == UST_TCP_SYN_SENT || old == UST_TCP_SYN_RECEIVED) && s == UST_TCP_CLOSED)
        ts->AttemptFails++;
    if (s == UST_TCP_ESTABLISHED)
        t->flags |= TF_WAS_CONNECTED;
    if (s == UST_TCP_TIME_WAIT)
        tcp_tw_enter(t);
    if (old == UST_TCP_TIME_WAIT)
        tcp_tw_leave(t);
    if (s == UST_TCP_LISTEN || old == UST_TCP_LISTEN)
        listeners_update(t, s == UST_TCP_LISTEN);
    t->state = s;
    if (s == UST_TCP_TIME_WAIT || s == UST_TCP_CLOSED) {
        tcp_orphan_end(t);
        tcp_chrono_end(t);
    }
    if (s == UST_TCP_FIN_WAIT_2 || s == UST_TCP_TIME_WAIT || s == UST_TCP_CLOSED)
        tcb_trim_memory(t);
    tcp_notify(t);
    if (s == UST_TCP_CLOSED) {
        tcp_timers_cancel(t);
        tcb_hash_remove(t);
        t->flags &= ~(TF_ACK_NOW | TF_DELACK | TF_ACK_BATCH);
    }
}

void tcp_notify(struct tcb *t)
{
    if (t->sock || t->listener)
        transport_notify(t->st);
}

bool tcb_reap(struct tcb *t)
{
    if (t->state != UST_TCP_CLOSED || !(t->flags & TF_ORPHAN))
        return false;
    tcb_free(t);
    return true;
}

/* ust_addr_eq as three word compares, without branches on the family:
 * the helpers that make a struct ust_addr zero its unused bytes (types.h),
 * so equal addresses are equal bytes. On every received segment. */
static inline bool addr_same(const struct ust_addr *a, const struct ust_addr *b)
{
    uint64_t x[3], y[3];
    memcpy(x, a, sizeof(x));
    memcpy(y, b, sizeof(y));
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}
_Static_assert(sizeof(struct ust_addr) == 24, "addr_same compares three words");

/* The ports first: they tell most TCBs of a chain apart in one compare.
 * Both addresses of a connection are of one family (connect picks the
 * source for the destination, a child takes the segment's own pair), so
 * an IPv4 tuple compares as before issue #13: two 32-bit words. */
static inline bool tcb_is(const struct tcb *t, const struct ust_addr *laddr, uint16_t lport,
                          const struct ust_addr *raddr, uint16_t rport)
{
    if (t->lport != lport || t->rport != rport || t->raddr.family != raddr->family)
        return false;
    if (raddr->family == UST_AF_INET)
        return t->raddr.u.v4 == raddr->u.v4 && t->laddr.u.v4 == laddr->u.v4 &&
               t->laddr.family == laddr->family;
    return addr_same(&t->raddr, raddr) && addr_same(&t->laddr, laddr);
}

struct tcb *tcb_lookup(struct ust_stack *st, ust_ip4_t laddr, uint16_t lport, ust_ip4_t raddr,
                       uint16_t rport)
{
    struct ust_addr l = ust_addr_from_ip4(laddr), r = ust_addr_from_ip4(raddr);
    return tcb_find(st, &l, lport, &r, rport);
}

struct tcb *tcb_find(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport,
                     const struct ust_addr *raddr, uint16_t rport)
{
    struct tcp_state *ts = stack_tcp(st);
    /* Segments come in trains of one connection: the last hit saves the
     * SipHash of most lookups. It only ever holds a TCB in the table
     * (tcb_hash_remove forgets it). */
    struct tcb *last = ts->last;
    if (last && tcb_is(last, laddr, lport, raddr, rport))
        return last;
    struct tcb *t = ts->hash[tuple_hash(st, laddr, lport, raddr, rport)];
    for (; t; t = t->hnext)
        if (tcb_is(t, laddr, lport, raddr, rport)) {
            ts->last = t;
            return t;
        }
    return NULL;
}

/* A wildcard listener that takes a SYN to laddr: the family's own, or a
 * :: one without IPV6_V6ONLY for IPv4 (RFC 3493 3.7). */
static int wild_rank(const struct tcb *t, const struct ust_addr *laddr)
{
    if (!ust_addr_is_any(&t->laddr))
        return 0;
    if (t->laddr.family == laddr->family || t->laddr.family == 0)
        return 2;
    return laddr->family == UST_AF_INET && !t->v6only ? 1 : 0;
}

struct tcb *tcb_find_listener(struct ust_stack *st, const struct ust_addr *laddr, uint16_t lport)
{
    struct tcb *wild = NULL;
    int wild_best = 0;
    for (struct tcb *t = stack_tcp(st)->listeners[port_bucket(lport)]; t; t = t->lnext) {
        if (t->lport != lport || t->state != UST_TCP_LISTEN)
            continue;
        if (ust_addr_eq(&t->laddr, laddr))
            return t;
        int r = wild_rank(t, laddr);
        if (r > wild_best) {
            wild = t;
            wild_best = r;
        }
    }
    return wild;
}

/* Another listener on the port with the same address, or (whatever
 * SO_REUSEADDR said at bind) one of the other family that overlaps a ::
 * listener taking IPv4 (Linux: inet6 and inet wildcards conflict). */
bool tcb_listener_conflict(const struct tcb *t)
{
    for (const struct tcb *o = stack_tcp(t->st)->listeners[port_bucket(t->lport)]; o;
         o = o->lnext) {
        if (o == t || o->lport != t->lport || o->state != UST_TCP_LISTEN)
            continue;
        if (ust_addr_eq(&o->laddr, &t->laddr))
            return true;
        if (o->laddr.family != t->laddr.family &&
            tp_laddr_overlap(&o->laddr, o->v6only, &t->laddr, t->v6only))
            return true;
    }
    return false;
}

int tcb_hash_insert(struct tcb *t)
{
    if (t->in_hash)
        return UST_OK;
    if (tcb_find(t->st, &t->laddr, t->lport, &t->raddr, t->rport))
        return UST_ERR_ADDRINUSE;
    struct tcb **head = &stack_tcp(t->st)->hash[tuple_hash(t->st, &t->laddr, t->lport, &t->raddr, t->rport)];
    t->hnext = *head;
    *head = t;
    t->in_hash = true;
    return UST_OK;
}

void tcb_hash_remove(struct tcb *t)
{
    struct tcp_state *ts = stack_tcp(t->st);
    if (!t->in_hash)
        return;
    if (ts->last == t)
        ts->last = NULL;
    struct tcb **pp = &ts->hash[tuple_hash(t->st, &t->laddr, t->lport, &t->raddr, t->rport)];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    t->in_hash = false;
}

/* Another TCB holds lport on an overlapping address. SO_REUSEADDR lets a
 * socket bind next to connections that are not listening (TIME-WAIT). */
static bool port_conflict(const struct tcb *self, const struct ust_addr *laddr, uint16_t lport,
                          bool reuse)
{
    for (const struct tcb *t = stack_tcp(self->st)->ports[port_bucket(lport)]; t; t = t->pnext) {
        if (t == self || t->lport != lport || t->listener)
            continue;
        if (!tp_laddr_overlap(&t->laddr, t->v6only, laddr, self->v6only))
            continue;
        if (reuse && t->state != UST_TCP_LISTEN)
            continue;
        return true;
    }
    return false;
}

static bool port_used(const struct ust_stack *st, uint16_t lport)
{
    for (const struct tcb *t = stack_tcp(st)->ports[port_bucket(lport)]; t; t = t->pnext)
        if (t->lport == lport)
            return true;
    return false;
}

int tcb_bind(struct tcb *t, const struct ust_addr *laddr, uint16_t lport, bool reuse)
{
    if (t->in_ports)
        return UST_ERR_INVAL;
    if (lport == 0)
        return tcb_bind_ephemeral(t, laddr);
    if (port_conflict(t, laddr, lport, reuse))
        return UST_ERR_ADDRINUSE;
    t->laddr = *laddr;
    t->lport = lport;
    ports_insert(t);
    return UST_OK;
}

int tcb_bind_ephemeral(struct tcb *t, const struct ust_addr *laddr)
{
    struct ust_stack *st = t->st;
    const struct ust_config *cfg = ust_stack_config(st);
    uint16_t lo = cfg->ephemeral_lo, hi = cfg->ephemeral_hi;
    if (lo == 0 || hi < lo)
        return UST_ERR_ADDRNOTAVAIL;
    uint32_t n = (uint32_t)(hi - lo) + 1;
    uint32_t start = (uint32_t)rng_below(stack_rng(st), n);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % n);
        if (!port_used(st, port)) {
            t->laddr = *laddr;
            t->lport = port;
            ports_insert(t);
            return UST_OK;
        }
    }
    return UST_ERR_ADDRNOTAVAIL;
}

int tcb_bind_connect(struct tcb *t, const struct ust_addr *laddr, const struct ust_addr *raddr,
                     uint16_t rport)
{
    struct ust_stack *st = t->st;
    const struct ust_config *cfg = ust_stack_config(st);
    uint16_t lo = cfg->ephemeral_lo, hi = cfg->ephemeral_hi;
    if (lo == 0 || hi < lo)
        return UST_ERR_ADDRNOTAVAIL;
    uint32_t n = (uint32_t)(hi - lo) + 1;
    uint32_t offset = tcp_port_offset(st, laddr, raddr, rport);
    uint16_t *next = &stack_tcp(st)->port_table[tcp_port_table_index(st, laddr, raddr, rport)];
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = (uint16_t)(lo + (offset + *next) % n);
        (*next)++;
        /* stricter than RFC 6056's 4-tuple check: a port serves one TCB */
        if (!port_used(st, port)) {
            t->laddr = *laddr;
            t->lport = port;
            ports_insert(t);
            return UST_OK;
        }
    }
    return UST_ERR_ADDRNOTAVAIL;
}

/* Listener children share the listener's port without a conflict check. */
void tcb_bind_child(struct tcb *child, const struct ust_addr *laddr, uint16_t lport)
{
    child->laddr = *laddr;
    child->lport = lport;
    ports_insert(child);
}

/* ---- connection setup and listener queues --------------------------------- */

uint8_t tcp_rcv_wscale_for(const struct ust_stack *st, size_t cap)
{
    uint8_t ws = 0;
    /* RFC 7323 2.2: the smallest shift that lets us offer the whole buffer */
    while (ust_stack_config(st)->tcp_window_scaling && ws < TCP_MAX_WSCALE && (cap >> ws) > 65535)
        ws++;
    return ws;
}

void tcb_init_conn(struct tcb *t)
{
    const struct ust_config *c = ust_stack_config(t->st);
    t->opt.rcv_wscale = tcp_rcv_wscale_for(t->st, tcp_rcvbuf_ceiling(t));
    t->opt.rcv_mss = tcp_adv_mss(t);
    tcp_update_mss(t);
    t->cc_ops->init(&t->cc, t->opt.mss, c->tcp_initial_cwnd);
}

/* Listener children: on the SYN queue until established, then on the
 * accept queue until accepted (tcp_user.c) or dropped. */
static bool unlink_from(struct tcb **head, struct tcb *c)
{
    for (struct tcb **pp = head; *pp; pp = &(*pp)->qnext) {
        if (*pp == c) {
            *pp = c->qnext;
            c->qnext = NULL;
            return true;
        }
    }
    return false;
}

void tcp_listener_remove_child(struct tcb *c)
{
    struct tcb *l = c->listener;
    if (!l)
        return;
    if (unlink_from(&l->lsn.synq, c)) {
        l->lsn.nsyn--;
    } else if (unlink_from(&l->lsn.acceptq, c)) {
        l->lsn.naccept--;
        l->lsn.acceptq_tail = NULL;
        for (struct tcb *x = l->lsn.acceptq; x; x = x->qnext)
            l->lsn.acceptq_tail = x;
    }
    c->listener = NULL;
}

void tcp_accept_queue_push(struct tcb *l, struct tcb *c)
{
    if (unlink_from(&l->lsn.synq, c))
        l->lsn.nsyn--;
    c->qnext = NULL;
    if (l->lsn.acceptq_tail)
        l->lsn.acceptq_tail->qnext = c;
    else
        l->lsn.acceptq = c;
    l->lsn.acceptq_tail = c;
    l->lsn.naccept++;
}

/* ---- lifecycle end ------------------------------------------------------ */

void tcp_drop(struct tcb *t, int err, bool send_rst)
{
    if (send_rst && tcp_state_synchronized(t->state) && t->state != UST_TCP_TIME_WAIT)
    {
        tcp_request(t, TX_REQ_RESET);
        tcp_output(t);
    }
    if (t->state == UST_TCP_ESTABLISHED || t->state == UST_TCP_CLOSE_WAIT)
        stack_stats(t->st)->tcp.EstabResets++;
    t->err = err;
    tcp_set_state(t, UST_TCP_CLOSED);
}

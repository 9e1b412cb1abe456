/* TCP stress over the simulated network, through the public API only:
 *  (a) 50 MB each way at the same time on one connection, every cable
 *      losing 5% of its frames, reordering, duplicating and corrupting
 *      (bit flips the receiving NIC's FCS check catches), every byte
 *      checked against a generated pattern;
 *  (b) 1000 connections from four client hosts open at once through one
 *      listener with a bounded backlog, each a request and a reply, all
 *      succeeding, on the same faulty cables;
 *  (c) the same seed gives the same capture byte for byte, another seed a
 *      different one.
 * Sizes come from the environment (scripts/soak.sh runs a longer matrix):
 *   STRESS_MB (50), STRESS_CONNS (1000), STRESS_SEEDS (1: seeds 1..N). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "../harness/sin.h"

#define MAX_HOSTS 8
#define SERVER_ADDR UST_IP4(203, 0, 113, 1)
#define CLIENT_ADDR(i) UST_IP4(203, 0, 113, 10 + (i))
#define PORT 5001

static unsigned env_num(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    return v && *v ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

/* ---- the byte pattern: byte k of stream `key`, generated on the fly ---- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void pattern(uint64_t key, uint64_t off, uint8_t *out, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t block = (off + i) / 8;
        uint64_t w = mix64(key ^ (block * 0x100000001b3ull));
        for (unsigned b = (unsigned)((off + i) % 8); b < 8 && i < n; b++, i++)
            out[i] = (uint8_t)(w >> (8 * b));
    }
}

/* Checks n received bytes at offset off of stream key. */
static void check_bytes(uint64_t key, uint64_t off, const uint8_t *got, size_t n, const char *what)
{
    uint8_t want[4096];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(want) ? n - done : sizeof(want);
        pattern(key, off + done, want, k);
        if (memcmp(want, got + done, k) != 0) {
            size_t i = 0;
            while (want[i] == got[done + i])
                i++;
            fail_msg("%s: byte %llu is 0x%02x, expected 0x%02x", what,
                     (unsigned long long)(off + done + i), got[done + i], want[i]);
        }
        done += k;
    }
}

/* ---- capture digest: the pcap stream hashed as it is written ---------- */

struct digest {
    uint64_t h;     /* FNV-1a 64 of every byte */
    uint64_t bytes;
};

static ssize_t digest_write(void *cookie, const char *buf, size_t n)
{
    struct digest *d = cookie;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
    d->bytes += n;
    return (ssize_t)n;
}

/* ---- the network: a server and client hosts on one switch -------------- */

struct net {
    struct ust_sim *sim;
    struct ust_stack *st[MAX_HOSTS]; /* st[0] is the server */
    struct ust_dev *dev[MAX_HOSTS];
    unsigned n;
    FILE *pcap;
    struct digest dig;
};

/* Every cable, both directions of every frame's path through the switch:
 * the frame meets the faults of its sender's cable. */
static const struct ust_sim_faults faulty = {
    .loss = 0.05,
    .duplicate = 0.02,
    .reorder = 0.03,
    .reorder_delay = 2 * UST_MSEC,
    .corrupt = 0.02,
    .delay = 1 * UST_MSEC,
    .jitter = 200 * UST_USEC,
    .rate_bps = 1000000000,
};

static void net_up(struct net *n, uint64_t seed, unsigned clients, size_t bufsize, bool capture)
{
    memset(n, 0, sizeof(*n));
    assert_true(clients + 1 <= MAX_HOSTS);
    n->sim = ust_sim_new(seed);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    n->n = clients + 1;
    for (unsigned i = 0; i < n->n; i++) {
        struct ust_config c;
        ust_config_default(&c);
        c.seed = seed * 1000 + i + 1;
        c.tcp_sndbuf = bufsize;
        c.tcp_rcvbuf = bufsize;
        n->st[i] = ust_stack_new(&c);
        assert_non_null(n->st[i]);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_non_null(n->dev[i]);
        ust_ip4_t a = i == 0 ? SERVER_ADDR : CLIENT_ADDR(i);
        assert_true(ust_iface_add(n->st[i], n->dev[i], a, 24) >= 0);
        assert_int_equal(ust_sim_set_faults(n->dev[i], UST_SIM_TX, &faulty), 0);
    }
    if (capture) { /* the server's NIC sees every frame of the run */
        n->dig.h = 0xcbf29ce484222325ull;
        cookie_io_functions_t io = {.write = digest_write};
        n->pcap = fopencookie(&n->dig, "w", io);
        assert_non_null(n->pcap);
        assert_int_equal(ust_dev_pcap_attach(n->dev[0], n->pcap), 0);
    }
}

static void net_down(struct net *n)
{
    if (n->pcap) {
        ust_dev_pcap_close(n->dev[0]);
        fclose(n->pcap); /* flushes into the digest */
    }
    ust_sim_free(n->sim);
    for (unsigned i = 0; i < n->n; i++)
        ust_stack_free(n->st[i]);
}

/* Every fault happened on every cable, and the NICs dropped the corrupted
 * frames (their FCS check). */
static void assert_faults_seen(const struct net *n)
{
    for (unsigned i = 0; i < n->n; i++) {
        struct ust_sim_link_stats ls;
        assert_int_equal(ust_sim_get_link_stats(n->dev[i], UST_SIM_TX, &ls), 0);
        assert_true(ls.lost > 0 && ls.duplicated > 0 && ls.reordered > 0 && ls.corrupted > 0);
        assert_true(ust_dev_stats(n->dev[i])->rx_crc_errors > 0);
    }
}

/* STRESS_VERBOSE=1: what the run did, per host. */
static void report(const struct net *n, const char *what)
{
    if (!getenv("STRESS_VERBOSE"))
        return;
    fprintf(stderr, "%s: %.3f s simulated\n", what, (double)ust_sim_now(n->sim) / UST_SEC);
    for (unsigned i = 0; i < n->n; i++) {
        const struct ust_tcp_stats *t = &ust_stack_stats(n->st[i])->tcp;
        struct ust_sim_link_stats ls;
        ust_sim_get_link_stats(n->dev[i], UST_SIM_TX, &ls);
        fprintf(stderr,
                "  host %u: segs out %llu retrans %llu fast %llu rto %llu syn drops %llu | "
                "cable frames %llu lost %llu dup %llu reord %llu corrupt %llu | rx crc %llu\n",
                i, (unsigned long long)t->OutSegs, (unsigned long long)t->RetransSegs,
                (unsigned long long)t->FastRetrans, (unsigned long long)t->Timeouts,
                (unsigned long long)t->SynDrops, (unsigned long long)ls.frames,
                (unsigned long long)ls.lost, (unsigned long long)ls.duplicated,
                (unsigned long long)ls.reordered, (unsigned long long)ls.corrupted,
                (unsigned long long)ust_dev_stats(n->dev[i])->rx_crc_errors);
    }
}

/* Runs the clock on until every TCB is gone (TIME-WAIT included). */
static void assert_all_closed(struct net *n)
{
    ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 200 * UST_SEC);
    for (unsigned i = 0; i < n->n; i++) {
        const struct ust_tcp_stats *t = &ust_stack_stats(n->st[i])->tcp;
        assert_int_equal(t->CurrEstab, 0);
    }
    assert_int_equal(ust_sim_frames_in_flight(n->sim), 0);
}

static int listener(struct ust_stack *st, int backlog)
{
    int fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = sin_of(0, PORT);
    assert_int_equal(ust_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(ust_listen(st, fd, backlog), 0);
    return fd;
}

static int connect_nb(struct ust_stack *st)
{
    int fd = ust_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in to = sin_of(SERVER_ADDR, PORT);
    assert_int_equal(ust_connect(st, fd, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    return fd;
}

static int accept_nb(struct ust_stack *st, int l)
{
    int s = ust_accept(st, l, NULL, NULL);
    if (s < 0) {
        assert_int_equal(errno, EAGAIN);
        return -1;
    }
    assert_int_equal(ust_set_nonblock(st, s, 1), 0); /* accept does not inherit it */
    return s;
}

/* ---- one direction of a byte stream over a non-blocking socket --------- */

struct flow {
    uint64_t key, total;
    uint64_t sent, got;
    bool shut, eof;
    /* bulk flows: pattern bytes generated and not yet taken by send, kept
     * so that a full send buffer does not cost a regeneration each turn */
    uint8_t *cache;
    size_t cache_len, cache_off;
};

#define CHUNK 16384

/* Sends as much of the pattern as the socket takes; SHUT_WR at the end. */
static void flow_send(struct ust_stack *st, int fd, struct flow *f)
{
    uint8_t local[CHUNK];
    while (f->sent < f->total) {
        uint8_t *chunk = f->cache ? f->cache : local;
        if (!f->cache || f->cache_off == f->cache_len) {
            size_t want = f->total - f->sent < CHUNK ? (size_t)(f->total - f->sent) : CHUNK;
            pattern(f->key, f->sent, chunk, want);
            f->cache_len = want;
            f->cache_off = 0;
        }
        size_t want = f->cache_len - f->cache_off;
        ssize_t w = ust_send(st, fd, chunk + f->cache_off, want, 0);
        if (w < 0) {
            assert_int_equal(errno, EAGAIN);
            return;
        }
        f->sent += (uint64_t)w;
        f->cache_off += (size_t)w;
        if ((size_t)w < want)
            return;
    }
    if (!f->shut) {
        assert_int_equal(ust_shutdown(st, fd, SHUT_WR), 0);
        f->shut = true;
    }
}

/* Reads and checks whatever arrived, up to EOF. */
static void flow_recv(struct ust_stack *st, int fd, struct flow *f, const char *what)
{
    uint8_t chunk[CHUNK];
    while (!f->eof) {
        ssize_t r = ust_recv(st, fd, chunk, sizeof(chunk), 0);
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            return;
        }
        if (r == 0) {
            f->eof = true;
            if (f->got != f->total)
                fail_msg("%s: EOF after %llu of %llu bytes", what, (unsigned long long)f->got,
                         (unsigned long long)f->total);
            return;
        }
        if (f->got + (uint64_t)r > f->total)
            fail_msg("%s: more bytes than were sent", what);
        check_bytes(f->key, f->got, chunk, (size_t)r, what);
        f->got += (uint64_t)r;
    }
}

/* ---- (a) bulk both ways at once on one connection ---------------------- */

static void bulk_both_ways(struct net *n, uint64_t seed, uint64_t bytes)
{
    int l = listener(n->st[0], 4);
    int c = connect_nb(n->st[1]);
    int s = -1;
    uint8_t *cache_up = malloc(CHUNK), *cache_down = malloc(CHUNK);
    assert_non_null(cache_up);
    assert_non_null(cache_down);
    struct flow up = {.key = seed * 2 + 1, .total = bytes, .cache = cache_up};
    struct flow down = {.key = seed * 2 + 2, .total = bytes, .cache = cache_down};
    /* generous: 5% loss on 2 ms round trips leaves about 1 Mbit/s */
    ust_time_t deadline = ust_sim_now(n->sim) + 600 * UST_SEC + bytes / 50000 * UST_SEC;
    while (!(up.eof && down.eof) && ust_sim_now(n->sim) < deadline) {
        ust_sim_run_until(n->sim, ust_sim_now(n->sim) + 1 * UST_MSEC);
        if (s < 0)
            s = accept_nb(n->st[0], l);
        flow_send(n->st[1], c, &up);
        flow_recv(n->st[1], c, &down, "server->client");
        if (s >= 0) {
            flow_send(n->st[0], s, &down);
            flow_recv(n->st[0], s, &up, "client->server");
        }
    }
    if (!up.eof || !down.eof)
        fail_msg("seed %llu: after %llu s up %llu/%llu down %llu/%llu bytes",
                 (unsigned long long)seed, (unsigned long long)(ust_sim_now(n->sim) / UST_SEC),
                 (unsigned long long)up.got, (unsigned long long)bytes,
                 (unsigned long long)down.got, (unsigned long long)bytes);
    free(cache_up);
    free(cache_down);
    assert_int_equal(ust_close(n->st[1], c), 0);
    assert_int_equal(ust_close(n->st[0], s), 0);
    assert_int_equal(ust_close(n->st[0], l), 0);
    for (unsigned i = 0; i < 2; i++)
        assert_true(ust_stack_stats(n->st[i])->tcp.RetransSegs > 0);
    assert_all_closed(n);
}

/* ---- (b) many connections through one listener ------------------------- */

enum { C_CONNECTING, C_REQUEST, C_REPLY, C_DONE };

struct conn {
    int host, fd;   /* client host index, its socket */
    int state;
    struct flow req, rep;
};

struct srv_conn {
    int fd;
    uint32_t id;    /* learnt from the request header, UINT32_MAX before */
    uint8_t hdr[8];
    unsigned hdr_got;
    struct flow req, rep;
};

static uint64_t req_len(uint32_t id) { return 8 + (id * 7919u) % 6000u; }
static uint64_t rep_len(uint32_t id) { return 1 + (id * 104729u) % 9000u; }
static uint64_t req_key(uint32_t id) { return 0x5100000000ull + id; }
static uint64_t rep_key(uint32_t id) { return 0x5200000000ull + id; }

/* Client side of connection i: the request is an 8-byte header (id,
 * length) then the pattern; the reply is checked up to the server's EOF. */
static void client_step(struct net *n, struct conn *k, uint32_t id)
{
    struct ust_stack *st = n->st[k->host];
    if (k->state == C_CONNECTING) {
        uint8_t hdr[8];
        uint64_t body = req_len(id) - 8;
        for (int b = 0; b < 4; b++) {
            hdr[b] = (uint8_t)(id >> (24 - 8 * b));
            hdr[4 + b] = (uint8_t)(body >> (24 - 8 * b));
        }
        ssize_t w = ust_send(st, k->fd, hdr, 8, 0); /* EAGAIN until connected */
        if (w < 0 && errno == EAGAIN)
            return;
        if (w != 8)
            fail_msg("connection %u: send: %s", id, w < 0 ? strerror(errno) : "short");
        k->req = (struct flow){.key = req_key(id), .total = body};
        k->rep = (struct flow){.key = rep_key(id), .total = rep_len(id)};
        k->state = C_REQUEST;
    }
    if (k->state == C_REQUEST) {
        flow_send(st, k->fd, &k->req);
        if (k->req.shut)
            k->state = C_REPLY;
    }
    if (k->state == C_REPLY) {
        char what[32];
        snprintf(what, sizeof(what), "reply %u", id);
        flow_recv(st, k->fd, &k->rep, what);
        if (k->rep.eof) {
            assert_int_equal(ust_close(st, k->fd), 0);
            k->state = C_DONE;
        }
    }
}

/* Server side: reads the header and the request, and once every
 * connection is open at the same time (`all_open`) replies and closes. */
static bool server_step(struct net *n, struct srv_conn *k, bool all_open)
{
    struct ust_stack *st = n->st[0];
    while (k->hdr_got < 8) {
        ssize_t r = ust_recv(st, k->fd, k->hdr + k->hdr_got, 8 - k->hdr_got, 0);
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            return false;
        }
        assert_true(r > 0);
        k->hdr_got += (unsigned)r;
        if (k->hdr_got == 8) {
            k->id = (uint32_t)k->hdr[0] << 24 | (uint32_t)k->hdr[1] << 16 |
                    (uint32_t)k->hdr[2] << 8 | k->hdr[3];
            uint64_t body = (uint32_t)k->hdr[4] << 24 | (uint32_t)k->hdr[5] << 16 |
                            (uint32_t)k->hdr[6] << 8 | k->hdr[7];
            assert_int_equal(body, req_len(k->id) - 8);
            k->req = (struct flow){.key = req_key(k->id), .total = body};
            k->rep = (struct flow){.key = rep_key(k->id), .total = rep_len(k->id)};
        }
    }
    char what[32];
    snprintf(what, sizeof(what), "request %u", k->id);
    flow_recv(st, k->fd, &k->req, what);
    if (!k->req.eof || !all_open)
        return false;
    flow_send(st, k->fd, &k->rep);
    if (!k->rep.shut)
        return false;
    assert_int_equal(ust_close(st, k->fd), 0); /* the FIN follows the reply */
    return true;
}

static void many_connections(struct net *n, unsigned nconns, unsigned backlog)
{
    unsigned clients = n->n - 1;
    int l = listener(n->st[0], (int)backlog);
    struct conn *cc = calloc(nconns, sizeof(*cc));
    struct srv_conn *sc = calloc(nconns, sizeof(*sc));
    assert_non_null(cc);
    assert_non_null(sc);
    unsigned opened = 0, accepted = 0, served = 0, done = 0, max_open = 0;
    bool all_open = false;
    ust_time_t start = ust_sim_now(n->sim), deadline = start + 600 * UST_SEC;
    while (done < nconns && ust_sim_now(n->sim) < deadline) {
        /* each client host opens one connection per 0.5 ms: the SYNs of all
         * the hosts interleave at the listener */
        ust_time_t now = ust_sim_now(n->sim);
        while (opened < nconns && (ust_time_t)(opened / clients) * 500 * UST_USEC <= now - start) {
            cc[opened].host = 1 + (int)(opened % clients);
            cc[opened].fd = connect_nb(n->st[cc[opened].host]);
            opened++;
        }
        ust_sim_run_until(n->sim, now + 1 * UST_MSEC);
        int s;
        while ((s = accept_nb(n->st[0], l)) >= 0) {
            assert_true(accepted < nconns);
            sc[accepted++] = (struct srv_conn){.fd = s};
        }
        unsigned open = (unsigned)ust_stack_stats(n->st[0])->tcp.CurrEstab;
        if (open > max_open)
            max_open = open;
        all_open = all_open || (accepted == nconns && open == nconns);
        for (unsigned i = 0; i < accepted; i++)
            if (sc[i].fd >= 0 && server_step(n, &sc[i], all_open)) {
                sc[i].fd = -1;
                served++;
            }
        for (unsigned i = 0; i < opened; i++)
            if (cc[i].state != C_DONE) {
                client_step(n, &cc[i], i);
                done += cc[i].state == C_DONE;
            }
    }
    if (done < nconns)
        fail_msg("%u of %u connections done (%u accepted, %u served) after %llu s", done, nconns,
                 accepted, served, (unsigned long long)((ust_sim_now(n->sim) - start) / UST_SEC));
    assert_int_equal(served, nconns);
    assert_int_equal(max_open, nconns); /* all were open at the same time */
    assert_int_equal(ust_close(n->st[0], l), 0);
    free(cc);
    free(sc);
    assert_all_closed(n);
}

/* ---- the tests ---------------------------------------------------------- */

static void test_bulk_50mb_both_ways_faulty(void **state)
{
    (void)state;
    uint64_t bytes = (uint64_t)env_num("STRESS_MB", 50) * 1000000;
    for (uint64_t seed = 1; seed <= env_num("STRESS_SEEDS", 1); seed++) {
        struct net n;
        net_up(&n, seed, 1, 262144, false);
        bulk_both_ways(&n, seed, bytes);
        report(&n, "bulk both ways");
        assert_faults_seen(&n);
        net_down(&n);
    }
}

static void test_1000_connections_one_listener(void **state)
{
    (void)state;
    unsigned nconns = env_num("STRESS_CONNS", 1000);
    for (uint64_t seed = 1; seed <= env_num("STRESS_SEEDS", 1); seed++) {
        struct net n;
        net_up(&n, seed, 4, 16384, false);
        many_connections(&n, nconns, 64);
        report(&n, "many connections");
        if (nconns >= 200) /* enough frames for every fault to show */
            assert_faults_seen(&n);
        net_down(&n);
    }
}

/* Both scenarios, smaller, captured on the server's NIC. */
static struct digest captured_run(uint64_t seed)
{
    struct net n;
    net_up(&n, seed, 1, 262144, true);
    bulk_both_ways(&n, seed, 2000000);
    net_down(&n);
    struct digest bulk = n.dig;
    net_up(&n, seed, 3, 16384, true);
    many_connections(&n, 60, 8);
    net_down(&n);
    return (struct digest){.h = bulk.h * 31 + n.dig.h, .bytes = bulk.bytes + n.dig.bytes};
}

static void test_same_seed_same_pcap(void **state)
{
    (void)state;
    struct digest a = captured_run(7), b = captured_run(7), c = captured_run(8);
    assert_true(a.bytes > 4000000); /* the capture holds the whole run */
    assert_int_equal(a.bytes, b.bytes);
    assert_int_equal(a.h, b.h);
    assert_true(a.h != c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_50mb_both_ways_faulty),
        cmocka_unit_test(test_1000_connections_one_listener),
        cmocka_unit_test(test_same_seed_same_pcap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* RFC 6724 source selection in the datapath, with SLAAC and RFC 8981
 * temporary addresses (issue #13): a host and a router stack on the
 * simulated switch; the router (2001:db8:1::1/64) advertises 2001:db8:1::/64
 * (A=1) with an RA built by tests/harness/ra_build.c. What the host's TCP
 * connect and UDP send leave from is read at the router (accept's peer,
 * recvfrom's source): the temporary address when cfg.ipv6_temp_addrs is on
 * (rule 7), the stable one otherwise; deprecated addresses last (rule 3)
 * even against a longer matching prefix (rule 8); tentative ones never
 * (Section 4); a temporary address is replaced before it is deprecated
 * (RFC 8981 3.5); a socket's IPV6_ADDR_PREFERENCES reverses rule 7 for
 * it alone (RFC 5014). Virtual clock throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack_impl.h"
#include "net6/net6_impl.h"
#include "../harness/ra_build.h"
#include "ustack/ustack.h"

enum { HOST = 0, ROUTER = 1 };

struct net {
    struct ust_sim *sim;
    struct ust_stack *st[2];
    struct ust_dev *dev[2];
};

static void run_for(struct net *n, ust_time_t d) { ust_sim_run_until(n->sim, ust_sim_now(n->sim) + d); }

static struct net *net_new(void (*host_cfg)(struct ust_config *))
{
    struct net *n = calloc(1, sizeof(*n));
    n->sim = ust_sim_new(9);
    struct ust_sim_switch *sw = ust_sim_switch_new(n->sim, "sw0");
    for (int i = 0; i < 2; i++) {
        struct ust_config cfg;
        ust_config_default(&cfg);
        cfg.seed = 700 + (uint64_t)i;
        if (i == ROUTER)
            cfg.ipv6_accept_ra = false;
        else if (host_cfg)
            host_cfg(&cfg);
        n->st[i] = ust_stack_new(&cfg);
        assert_int_equal(ust_sim_add_stack(n->sim, n->st[i]), 0);
        n->dev[i] = ust_sim_attach(sw, n->st[i], "eth0", NULL, 1500);
        assert_true(ust_iface_add(n->st[i], n->dev[i], UST_IP4(203, 0, 113, 1 + i), 24) >= 0);
    }
    struct ipv6_addr r = ip6("2001:db8:1::1");
    assert_int_equal(ust_iface_add_addr6(n->st[ROUTER], 0, r.b, 64), 0);
    run_for(n, 3 * UST_SEC);
    return n;
}

static int teardown(void **state)
{
    struct net *n = *state;
    ust_sim_free(n->sim);
    ust_stack_free(n->st[HOST]);
    ust_stack_free(n->st[ROUTER]);
    free(n);
    return 0;
}

/* RA for 2001:db8:1::/64 (L=1, A=1) with these lifetimes, from the
 * router's link-local address. */
static void router_sends_ra(struct net *n, uint32_t valid, uint32_t preferred)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[ROUTER], 0, a, UST_MAX_ADDRS6);
    char src[IPV6_ADDR_STRLEN] = "";
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_LINK_LOCAL)
            ipv6_addr_format((const struct ipv6_addr *)a[j].addr, src, sizeof(src));
    struct ra_build b;
    ra_begin(&b, src, 64, 0, 1800, 0, 0);
    uint8_t slla[8];
    assert_int_equal(nd_opt_lladdr_emit(ND_OPT_SLLA, ust_dev_mac(n->dev[ROUTER])->b, slla, 8), 8);
    ra_raw(&b, slla, sizeof(slla));
    ra_pio(&b, "2001:db8:1::", 64, ND_PIO_ONLINK | ND_PIO_AUTO, valid, preferred);
    struct pkt *p = pkt_alloc(PKT_HEADROOM, b.len);
    assert_non_null(p);
    memcpy(p->data, b.buf, b.len);
    nd_send_msg(n->st[ROUTER], 0, &b.src, &b.dst, NULL, p);
}

/* The host's autoconfigured address that is (not) temporary, in state want. */
static bool host_addr(struct net *n, bool temporary, enum ust_addr6_state want,
                      struct ipv6_addr *out)
{
    struct ust_addr6_info a[UST_MAX_ADDRS6];
    int k = ust_iface_addrs6(n->st[HOST], 0, a, UST_MAX_ADDRS6);
    for (int j = 0; j < k; j++)
        if (a[j].origin == UST_ADDR6_AUTOCONF && a[j].temporary == temporary &&
            a[j].state == want) {
            memcpy(out->b, a[j].addr, 16);
            return true;
        }
    return false;
}

static struct sockaddr_in6 sin6(const struct ipv6_addr *a, uint16_t port)
{
    struct sockaddr_in6 s = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    memcpy(&s.sin6_addr, a->b, 16);
    return s;
}

/* Sets IPV6_ADDR_PREFERENCES on a host socket (prefs 0: leaves it unset). */
static void set_prefs(struct net *n, int fd, int prefs)
{
    if (prefs)
        assert_int_equal(ust_setsockopt(n->st[HOST], fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES,
                                        &prefs, sizeof(prefs)),
                         0);
}

/* The source the host's TCP connect to the router used, as the router's
 * accept() saw it; the host socket with IPV6_ADDR_PREFERENCES prefs. */
static struct ipv6_addr tcp_source_prefs(struct net *n, uint16_t port, int prefs)
{
    int l = ust_socket(n->st[ROUTER], AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct ipv6_addr any = {{0}}, r = ip6("2001:db8:1::1");
    struct sockaddr_in6 la = sin6(&any, port), ra = sin6(&r, port);
    assert_int_equal(ust_bind(n->st[ROUTER], l, (struct sockaddr *)&la, sizeof(la)), 0);
    assert_int_equal(ust_listen(n->st[ROUTER], l, 4), 0);
    int c = ust_socket(n->st[HOST], AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    set_prefs(n, c, prefs);
    assert_int_equal(ust_connect(n->st[HOST], c, (struct sockaddr *)&ra, sizeof(ra)), -1);
    assert_int_equal(errno, EINPROGRESS);
    struct sockaddr_in6 peer;
    socklen_t plen = sizeof(peer);
    int s = -1;
    for (int i = 0; i < 3000 && s < 0; i++) {
        run_for(n, UST_MSEC);
        s = ust_accept(n->st[ROUTER], l, (struct sockaddr *)&peer, &plen);
    }
    assert_true(s >= 0);
    struct ipv6_addr got;
    memcpy(got.b, &peer.sin6_addr, 16);
    ust_close(n->st[ROUTER], s);
    ust_close(n->st[ROUTER], l);
    ust_close(n->st[HOST], c);
    run_for(n, UST_SEC);
    return got;
}

static struct ipv6_addr tcp_source(struct net *n, uint16_t port)
{
    return tcp_source_prefs(n, port, 0);
}

/* The source of an unconnected sendto, as the router's recvfrom saw it. */
static struct ipv6_addr udp_source_prefs(struct net *n, uint16_t port, int prefs)
{
    int u = ust_socket(n->st[ROUTER], AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct ipv6_addr any = {{0}}, r = ip6("2001:db8:1::1");
    struct sockaddr_in6 la = sin6(&any, port), ra = sin6(&r, port);
    assert_int_equal(ust_bind(n->st[ROUTER], u, (struct sockaddr *)&la, sizeof(la)), 0);
    int c = ust_socket(n->st[HOST], AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    set_prefs(n, c, prefs);
    assert_int_equal(ust_sendto(n->st[HOST], c, "q", 1, 0, (struct sockaddr *)&ra, sizeof(ra)), 1);
    run_for(n, 100 * UST_MSEC);
    char b[4];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(n->st[ROUTER], u, b, sizeof(b), 0, (struct sockaddr *)&from, &flen), 1);
    struct ipv6_addr got;
    memcpy(got.b, &from.sin6_addr, 16);
    ust_close(n->st[ROUTER], u);
    ust_close(n->st[HOST], c);
    return got;
}

static struct ipv6_addr udp_source(struct net *n, uint16_t port)
{
    return udp_source_prefs(n, port, 0);
}

static void temp_on(struct ust_config *c) { c->ipv6_temp_addrs = true; }

static void test_temporary_preferred_when_enabled(void **state)
{
    struct net *n = net_new(temp_on);
    *state = n;
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC); /* DAD of both */
    struct ipv6_addr stable, temp;
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &stable));
    assert_true(host_addr(n, true, UST_ADDR6_PREFERRED, &temp)); /* TEMP-1 */
    assert_memory_equal(temp.b, stable.b, 8);
    assert_memory_not_equal(temp.b, stable.b, 16);
    struct ipv6_addr t = tcp_source(n, 81);
    assert_memory_equal(t.b, temp.b, 16);
    struct ipv6_addr u = udp_source(n, 5301);
    assert_memory_equal(u.b, temp.b, 16);
}

static void test_public_when_temporary_off(void **state)
{
    struct net *n = net_new(NULL);
    *state = n;
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC);
    struct ipv6_addr stable, temp;
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &stable));
    assert_false(host_addr(n, true, UST_ADDR6_PREFERRED, &temp));
    struct ipv6_addr t = tcp_source(n, 82);
    assert_memory_equal(t.b, stable.b, 16);
    struct ipv6_addr u = udp_source(n, 5302);
    assert_memory_equal(u.b, stable.b, 16);
}

/* SAS-1, SAS-2 (RFC 6724 1, 4): an application's choice wins over the
 * rules. With temporary addresses on, rule 7 would pick the temporary
 * address, but a socket bound to the stable one sends from it; binding an
 * address that is not a candidate (not ours) is refused. */
static void test_bound_source_overrides_rules(void **state)
{
    struct net *n = net_new(temp_on);
    *state = n;
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC);
    struct ipv6_addr stable, temp;
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &stable));
    assert_true(host_addr(n, true, UST_ADDR6_PREFERRED, &temp));
    int u = ust_socket(n->st[ROUTER], AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct ipv6_addr any = {{0}}, r = ip6("2001:db8:1::1"), foreign = ip6("2001:db8:1::99");
    struct sockaddr_in6 la = sin6(&any, 5310), ra = sin6(&r, 5310);
    assert_int_equal(ust_bind(n->st[ROUTER], u, (struct sockaddr *)&la, sizeof(la)), 0);
    int c = ust_socket(n->st[HOST], AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in6 bad = sin6(&foreign, 0), mine = sin6(&stable, 0);
    assert_int_equal(ust_bind(n->st[HOST], c, (struct sockaddr *)&bad, sizeof(bad)), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    assert_int_equal(ust_bind(n->st[HOST], c, (struct sockaddr *)&mine, sizeof(mine)), 0);
    assert_int_equal(ust_sendto(n->st[HOST], c, "q", 1, 0, (struct sockaddr *)&ra, sizeof(ra)), 1);
    run_for(n, 100 * UST_MSEC);
    char b[4];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    assert_int_equal(ust_recvfrom(n->st[ROUTER], u, b, sizeof(b), 0, (struct sockaddr *)&from, &flen), 1);
    assert_memory_equal(&from.sin6_addr, stable.b, 16);
    assert_memory_not_equal(&from.sin6_addr, temp.b, 16);
    ust_close(n->st[ROUTER], u);
    ust_close(n->st[HOST], c);
}

static void short_temp(struct ust_config *c)
{
    c->ipv6_temp_addrs = true;
    c->ipv6_temp_preferred_lft = 60 * UST_SEC;
    c->ipv6_temp_valid_lft = 600 * UST_SEC;
}

/* RFC 8981 3.5: the successor exists (and is preferred) before the old
 * temporary address is deprecated; new connections take it. */
static void test_temporary_regenerated_before_deprecation(void **state)
{
    struct net *n = net_new(short_temp);
    *state = n;
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC);
    struct ipv6_addr first, next, stable;
    assert_true(host_addr(n, true, UST_ADDR6_PREFERRED, &first));
    bool deprecated = false;
    for (int i = 0; i < 120 && !deprecated; i++) {
        run_for(n, UST_SEC);
        struct ust_addr6_info a[UST_MAX_ADDRS6];
        int k = ust_iface_addrs6(n->st[HOST], 0, a, UST_MAX_ADDRS6);
        for (int j = 0; j < k; j++)
            if (!memcmp(a[j].addr, first.b, 16) && a[j].state == UST_ADDR6_DEPRECATED)
                deprecated = true;
        if (!deprecated)
            continue;
        /* the moment the first is deprecated, its successor is usable */
        assert_true(host_addr(n, true, UST_ADDR6_PREFERRED, &next));
        assert_memory_not_equal(next.b, first.b, 16);
    }
    assert_true(deprecated);
    assert_true(ust_stack_stats(n->st[HOST])->addrconf.TempRegenerated >= 1);
    struct ipv6_addr t = tcp_source(n, 83);
    assert_memory_equal(t.b, next.b, 16);
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &stable));
}

/* Rule 3 before rule 8, and Section 4: never a tentative address. */
static void test_deprecated_last_tentative_never(void **state)
{
    struct net *n = net_new(NULL);
    *state = n;
    struct ipv6_addr other = ip6("2001:db8:9::5");
    assert_int_equal(ust_iface_add_addr6(n->st[HOST], 0, other.b, 64), 0);
    struct ipv6_addr net9 = ip6("2001:db8:9::"); /* the router's way back to it */
    assert_int_equal(ust_route_add6(n->st[ROUTER], net9.b, 64, NULL, 0), 0);
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC);
    struct ipv6_addr slaac, src, r = ip6("2001:db8:1::1");
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &slaac));
    struct ipv6_addr t = tcp_source(n, 84);
    assert_memory_equal(t.b, slaac.b, 16); /* rule 8: 2001:db8:1::/64 matches */
    /* Preferred lifetime 0: the SLAAC address is deprecated (RFC 4862
     * 5.5.4); the other prefix now wins although it matches less. */
    router_sends_ra(n, 86400, 0);
    run_for(n, 100 * UST_MSEC);
    assert_true(host_addr(n, false, UST_ADDR6_DEPRECATED, &slaac));
    t = tcp_source(n, 85);
    assert_memory_equal(t.b, other.b, 16);
    struct ipv6_addr u = udp_source(n, 5303);
    assert_memory_equal(u.b, other.b, 16);
    /* 2001:db8:1::3 would match ::1 best, but is tentative while DAD runs. */
    struct ipv6_addr near = ip6("2001:db8:1::3");
    assert_int_equal(ust_iface_add_addr6(n->st[HOST], 0, near.b, 64), 0);
    assert_int_equal(ipv6_source_for(n->st[HOST], &r, -1, &src), 0);
    assert_memory_equal(src.b, other.b, 16);
    run_for(n, 3 * UST_SEC);
    assert_int_equal(ipv6_source_for(n->st[HOST], &r, -1, &src), 0);
    assert_memory_equal(src.b, near.b, 16);
    t = tcp_source(n, 86);
    assert_memory_equal(t.b, near.b, 16);
}

static int get_prefs(struct net *n, int fd)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(ust_getsockopt(n->st[HOST], fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &v, &len),
                     0);
    assert_int_equal(len, sizeof(v));
    return v;
}

static void expect_prefs_einval(struct net *n, int fd, int prefs)
{
    errno = 0;
    assert_int_equal(ust_setsockopt(n->st[HOST], fd, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &prefs,
                                    sizeof(prefs)),
                     -1);
    assert_int_equal(errno, EINVAL);
}

/* SAS-5 (RFC 6724 5 rule 7, RFC 5014): IPV6_PREFER_SRC_PUBLIC on one
 * socket makes its TCP connect and UDP sends leave from the public
 * (stable) address while the host's default, and every other socket,
 * keeps the temporary one. Flags as Linux: conflicting ones EINVAL. */
static void test_addr_preferences_per_socket(void **state)
{
    struct net *n = net_new(temp_on);
    *state = n;
    router_sends_ra(n, 86400, 14400);
    run_for(n, 5 * UST_SEC);
    struct ipv6_addr stable, temp;
    assert_true(host_addr(n, false, UST_ADDR6_PREFERRED, &stable));
    assert_true(host_addr(n, true, UST_ADDR6_PREFERRED, &temp));
    struct ipv6_addr t = tcp_source_prefs(n, 87, IPV6_PREFER_SRC_PUBLIC);
    assert_memory_equal(t.b, stable.b, 16);
    t = tcp_source(n, 88); /* another socket: unaffected */
    assert_memory_equal(t.b, temp.b, 16);
    t = tcp_source_prefs(n, 89, IPV6_PREFER_SRC_TMP);
    assert_memory_equal(t.b, temp.b, 16);
    struct ipv6_addr u = udp_source_prefs(n, 5304, IPV6_PREFER_SRC_PUBLIC);
    assert_memory_equal(u.b, stable.b, 16);
    u = udp_source(n, 5305);
    assert_memory_equal(u.b, temp.b, 16);
    /* a connected UDP socket fixes its source at connect */
    int c = ust_socket(n->st[HOST], AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_int_equal(get_prefs(n, c), IPV6_PREFER_SRC_PUBTMP_DEFAULT | IPV6_PREFER_SRC_HOME);
    set_prefs(n, c, IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_COA);
    assert_int_equal(get_prefs(n, c), IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_COA);
    struct ipv6_addr r = ip6("2001:db8:1::1");
    struct sockaddr_in6 ra = sin6(&r, 5306), me;
    socklen_t mlen = sizeof(me);
    assert_int_equal(ust_connect(n->st[HOST], c, (struct sockaddr *)&ra, sizeof(ra)), 0);
    assert_int_equal(ust_getsockname(n->st[HOST], c, (struct sockaddr *)&me, &mlen), 0);
    assert_memory_equal(&me.sin6_addr, stable.b, 16);
    /* conflicting flags are refused and change nothing */
    expect_prefs_einval(n, c, IPV6_PREFER_SRC_TMP | IPV6_PREFER_SRC_PUBLIC);
    expect_prefs_einval(n, c, IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_PUBTMP_DEFAULT);
    expect_prefs_einval(n, c, IPV6_PREFER_SRC_HOME | IPV6_PREFER_SRC_COA);
    expect_prefs_einval(n, c, IPV6_PREFER_SRC_CGA | IPV6_PREFER_SRC_NONCGA);
    assert_int_equal(get_prefs(n, c), IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_COA);
    set_prefs(n, c, IPV6_PREFER_SRC_PUBTMP_DEFAULT | IPV6_PREFER_SRC_HOME);
    assert_int_equal(get_prefs(n, c), IPV6_PREFER_SRC_PUBTMP_DEFAULT | IPV6_PREFER_SRC_HOME);
    ust_close(n->st[HOST], c);
    int v4 = ust_socket(n->st[HOST], AF_INET, SOCK_DGRAM, 0), p = IPV6_PREFER_SRC_PUBLIC;
    assert_int_equal(ust_setsockopt(n->st[HOST], v4, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &p,
                                    sizeof(p)),
                     -1);
    assert_int_equal(errno, ENOPROTOOPT);
    ust_close(n->st[HOST], v4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_temporary_preferred_when_enabled, teardown),
        cmocka_unit_test_teardown(test_public_when_temporary_off, teardown),
        cmocka_unit_test_teardown(test_bound_source_overrides_rules, teardown),
        cmocka_unit_test_teardown(test_temporary_regenerated_before_deprecation, teardown),
        cmocka_unit_test_teardown(test_deprecated_last_tentative_never, teardown),
        cmocka_unit_test_teardown(test_addr_preferences_per_socket, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

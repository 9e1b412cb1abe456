/* The key of the ISN hash (RFC 9293 3.4.1 MUST-9, RFC 6528): random
 * from the kernel under the real event loop, seeded and reproducible under
 * the simulator, the application's own when it sets one; installing a key
 * re-keys the connection table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness/tcp_harness.h"
#include "buf/pkt.h"
#include "core/stack_impl.h"
#include "net/net.h"
#include "transport/tcp/tcp.h"
#include "ustack/loop.h"
#include "ustack/sim.h"
#include "wire/ipv4.h"

#define MS UST_MSEC
#define L UST_IP4(203, 0, 113, 1)
#define RM UST_IP4(203, 0, 113, 2)

/* MUST-9 (3.4.1): with the default seed, two stacks under the real event
 * loop still get different ISN keys (the loop installs a kernel-random
 * key), while two simulated stacks with the same seed stay identical
 * (reproducible runs). A key the application set is kept by the loop. */
static void test_isn_key_random_under_real_loop(void **state)
{
    (void)state;
    struct ust_config c;
    ust_config_default(&c);
    struct ust_stack *a = ust_stack_new(&c), *b = ust_stack_new(&c);
    uint32_t a0 = tcp_isn(a, L, 40000, RM, 80, UST_SEC);
    assert_int_equal(tcp_isn(b, L, 40000, RM, 80, UST_SEC), a0); /* same seed */
    struct ust_loop *la = ust_loop_new(a), *lb = ust_loop_new(b);
    assert_non_null(la);
    assert_non_null(lb);
    assert_true(ust_stack_has_secret(a));
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC),
                         tcp_isn(b, L, 40000, RM, 80, UST_SEC));
    ust_loop_free(la);
    ust_loop_free(lb);
    ust_stack_free(a);
    ust_stack_free(b);

    /* an application key survives ust_loop_new, and equal keys give equal ISNs */
    a = ust_stack_new(&c);
    b = ust_stack_new(&c);
    assert_int_equal(ust_stack_set_secret(a, "k", 1), UST_OK);
    assert_int_equal(ust_stack_set_secret(b, "k", 1), UST_OK);
    assert_int_equal(ust_stack_set_secret(b, NULL, 1), UST_ERR_INVAL);
    la = ust_loop_new(a);
    assert_non_null(la);
    assert_int_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), tcp_isn(b, L, 40000, RM, 80, UST_SEC));
    assert_int_not_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    ust_loop_free(la);
    ust_stack_free(a);
    ust_stack_free(b);

    /* the simulator keeps the deterministic, seeded key */
    struct ust_sim *sim = ust_sim_new(7);
    a = ust_stack_new(&c);
    b = ust_stack_new(&c);
    assert_int_equal(ust_sim_add_stack(sim, a), UST_OK);
    assert_int_equal(ust_sim_add_stack(sim, b), UST_OK);
    assert_false(ust_stack_has_secret(a));
    assert_int_equal(tcp_isn(a, L, 40000, RM, 80, UST_SEC), a0);
    assert_int_equal(tcp_isn(b, L, 40000, RM, 80, UST_SEC), a0);
    ust_sim_free(sim);
    ust_stack_free(a);
    ust_stack_free(b);
}

/* MUST-9: installing a key while connections exist re-keys the
 * connection hash; the established connection still gets its segments. */
static void test_secret_rekeys_connection_table(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_open_active(h, 65535);
    assert_int_equal(ust_stack_set_secret(h->st, "another key", 11), UST_OK);
    h->st->tcp->last = NULL; /* found through the re-keyed table, not the lookup cache */
    seg_in(h, A | P, PEER_ISS + 1, h->iss + 1, 65535, "hi", 2);
    assert_int_equal(th_info(s).bytes_received, 2);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isn_key_random_under_real_loop),
        cmocka_unit_test(test_secret_rekeys_connection_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

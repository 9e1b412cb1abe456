/* Which ACKs count as duplicate ACKs when D-SACK blocks (RFC 2883) come
 * in: ACKs carrying only D-SACK blocks are not duplicate ACKs (RFC 6675
 * 2): no fast retransmit, no cwnd cut; one that also SACKs new data is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[8 * 1460];

/* Active open, the peer permits SACK; 6 segments out, 2 acknowledged. */
static struct ust_sock *open_sack_and_send(struct th *h)
{
    struct ust_sock *s = th_open_sack(h, true);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    for (uint32_t k = 0; k < 6; k++)
        seg_expect(h, k == 5 ? A | P : A, i + k * M, p);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0);
    return s;
}

/* Three ACKs reporting only duplicates of acknowledged data (D-SACK
 * blocks below SEG.ACK): no fast retransmit, cwnd untouched. */
static void test_dsack_only_acks_are_not_dupacks(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_sack_and_send(h);
    (void)s;
    struct tcb *t = tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    uint32_t cwnd = t->cc.cwnd;
    for (uint32_t k = 0; k < 3; k++) {
        struct tcp_opts o = {.num_sack = 1, .sack = {{i + (k % 2) * M, i + (k % 2 + 1) * M}}};
        seg_in_opts(h, A, p, i + 2 * M, 65535, &o, 0, NULL, 0);
    }
    seg_expect_nothing(h);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 0);
    assert_int_equal(h->st->stats.tcp.DupAcks, 0);
    assert_int_equal(t->rec.dupacks, 0);
    assert_int_equal(t->cc.cwnd, cwnd);
    assert_false(t->rec.fast_recovery);
    h->allow_unchecked = true;
    th_free(h);
}

/* A D-SACK block followed by a block SACKing new data is a DupAck:
 * three of them still start fast retransmit at SND.UNA. */
static void test_dsack_with_new_sack_is_dupack(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = open_sack_and_send(h);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    for (uint32_t k = 0; k < 3; k++) {
        struct tcp_opts o = {.num_sack = 2,
                             .sack = {{i, i + M}, {i + 3 * M, i + (4 + k % 2) * M}}};
        seg_in_opts(h, A, p, i + 2 * M, 65535, &o, 0, NULL, 0);
    }
    assert_int_equal(h->st->stats.tcp.DupAcks, 3);
    assert_int_equal(h->st->stats.tcp.FastRetrans, 1);
    seg_expect(h, A, i + 2 * M, p);
    (void)s;
    assert_true(tcb_lookup(h->st, TH_LOCAL, h->lport, TH_PEER, h->rport)->rec.fast_recovery);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsack_only_acks_are_not_dupacks),
        cmocka_unit_test(test_dsack_with_new_sack_is_dupack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* REPRODUCER (not part of `make test`: it fails until TCP is fixed).
 * Build and run from the worktree after `make build`:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc tests/repro/test_dsack_dupack.c \
 *      tests/harness/tcp_harness.c build/libustack.a -lcmocka -lm -o /tmp/dsack && /tmp/dsack
 *
 * With SACK in use, a duplicate ACK that carries only a D-SACK block (RFC
 * 2883: "you sent me this twice", a block below the cumulative ACK) says
 * nothing about loss: RFC 6675 2 counts an ACK as a DupAck only when its
 * SACK blocks cover data not yet SACKed, and Linux does not enter recovery
 * on them. ustack (tcp_input.c ack_duplicate) counts any same-ACK,
 * same-window ACK, so the D-SACKs that answer a spurious retransmission
 * trigger a second, spurious fast retransmit and halve cwnd again. Seen
 * against Linux in test_200_parallel_curl_requests (436 D-SACK ACKs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../harness/tcp_harness.h"
#include "core/stack_impl.h"
#include "transport/tcp/tcp.h"

static uint8_t data[8 * 1460];

static void test_dsack_only_acks_are_not_dupacks(void **state)
{
    (void)state;
    struct th *h = th_new(NULL);
    struct ust_sock *s = th_connect(h);
    struct tcp_opts so = {.has_mss = true, .mss = 1460, .sack_permitted = true};
    th_advance(h, TH_RTT);
    seg_in_opts(h, S | A, PEER_ISS, h->iss + 1, 65535, &so, 0, NULL, 0);
    seg_expect(h, A, h->iss + 1, PEER_ISS + 1);
    uint32_t i = h->iss + 1, p = PEER_ISS + 1;
    const uint32_t M = 1460;
    assert_int_equal(tcp_sock_ops.send(s, data, 6 * M, 0, NULL), 6 * M);
    for (uint32_t k = 0; k < 6; k++)
        seg_expect(h, k == 5 ? A | P : A, i + k * M, p);
    seg_in(h, A, p, i + 2 * M, 65535, NULL, 0); /* two segments acknowledged */
    /* Three ACKs reporting duplicates of already acknowledged data only. */
    for (uint32_t k = 0; k < 3; k++) {
        struct tcp_opts o = {.num_sack = 1, .sack = {{i + (k % 2) * M, i + (k % 2 + 1) * M}}};
        seg_in_opts(h, A, p, i + 2 * M, 65535, &o, 0, NULL, 0);
    }
    seg_expect_nothing(h); /* fails: ustack fast-retransmits i + 2M */
    assert_int_equal(h->st->stats.tcp.FastRetrans, 0);
    h->allow_unchecked = true;
    th_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsack_only_acks_are_not_dupacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The send map of RACK (src/transport/tcp/tcp_sendmap.c): per-segment
 * transmit records, split by retransmissions and SACK edges, trimmed by
 * cumulative ACKs, bounded whatever the peer's blocks ask for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "transport/tcp/tcp.h"
#include "wire/seq.h"

#define T0 ((ust_time_t)1000)

static void expect_seg(const struct sendmap *m, unsigned i, uint32_t start, uint32_t end,
                       ust_time_t ts, uint8_t flags)
{
    assert_true(i < m->n);
    assert_int_equal(m->s[i].start, start);
    assert_int_equal(m->s[i].end, end);
    assert_int_equal(m->s[i].xmit_ts, ts);
    assert_int_equal(m->s[i].flags, flags);
}

static void test_new_data_and_retransmission(void **state)
{
    (void)state;
    struct sendmap m = {0};
    sendmap_sent(&m, 100, 10, T0);
    sendmap_sent(&m, 110, 10, T0 + 1);
    sendmap_sent(&m, 120, 5, T0 + 2);
    assert_int_equal(m.n, 3);
    assert_int_equal(sendmap_pipe(&m), 25);
    /* a retransmission of 105..115 splits two records and marks the
     * middle pieces; its number in send order is the newest */
    sendmap_set_flags(&m, &m.s[0], RS_LOST);
    sendmap_sent(&m, 105, 10, T0 + 3);
    assert_int_equal(m.n, 5);
    expect_seg(&m, 0, 100, 105, T0, RS_LOST);
    expect_seg(&m, 1, 105, 110, T0 + 3, RS_RETRANS);
    expect_seg(&m, 2, 110, 115, T0 + 3, RS_RETRANS);
    expect_seg(&m, 3, 115, 120, T0 + 1, 0);
    expect_seg(&m, 4, 120, 125, T0 + 2, 0);
    assert_true(m.s[1].xmit_no > m.s[4].xmit_no);
    assert_int_equal(m.s[1].xmit_no, m.s[2].xmit_no);
    assert_int_equal(sendmap_pipe(&m), 20); /* the lost 5 bytes are not in flight */
    assert_ptr_equal(sendmap_first_lost(&m), &m.s[0]);
    /* a retransmission that runs past the map appends the new part */
    sendmap_sent(&m, 120, 10, T0 + 4);
    assert_int_equal(m.n, 6);
    expect_seg(&m, 4, 120, 125, T0 + 4, RS_RETRANS);
    expect_seg(&m, 5, 125, 130, T0 + 4, 0);
    sendmap_free(&m);
}

/* sendmap_first_lost answers from the kept counts when nothing is lost
 * and unSACKed: a lost record found, a SACKed-and-lost one skipped, none
 * once the marks are cleared or SACKed, and a later lost one after an
 * earlier SACKed one. */
static void test_first_lost_follows_marks(void **state)
{
    (void)state;
    struct sendmap m = {0};
    for (uint32_t k = 0; k < 4; k++)
        sendmap_sent(&m, 1000 + k * 100, 100, T0 + k);
    assert_null(sendmap_first_lost(&m));
    sendmap_set_flags(&m, &m.s[2], RS_LOST);
    assert_ptr_equal(sendmap_first_lost(&m), &m.s[2]);
    sendmap_set_flags(&m, &m.s[0], RS_LOST | RS_SACKED); /* SACKed: not to resend */
    assert_ptr_equal(sendmap_first_lost(&m), &m.s[2]);
    sendmap_set_flags(&m, &m.s[2], RS_LOST | RS_SACKED);
    assert_null(sendmap_first_lost(&m));
    sendmap_set_flags(&m, &m.s[3], RS_LOST);
    assert_ptr_equal(sendmap_first_lost(&m), &m.s[3]);
    sendmap_clear_flag(&m, RS_LOST);
    assert_null(sendmap_first_lost(&m));
    sendmap_free(&m);
}

/* A full map that slides (ACK some records, send as many new ones) keeps
 * every record in order, never counts itself full, and stays inside its
 * allocation: ACKs move the records' start, appends compact them. */
static void test_sliding_window_keeps_records(void **state)
{
    (void)state;
    struct sendmap m = {0};
    sendmap_set_limit(&m, SENDMAP_MIN);
    uint32_t next = 0xfffff000u, una = next; /* across the wrap too */
    for (unsigned k = 0; k < SENDMAP_MIN; k++, next += 100)
        sendmap_sent(&m, next, 100, T0 + k);
    for (unsigned round = 0; round < 2000; round++) {
        una += 17 * 100;
        sendmap_ack(&m, una);
        for (unsigned k = 0; k < 17; k++, next += 100)
            sendmap_sent(&m, next, 100, T0 + SENDMAP_MIN + round * 17 + k);
        assert_int_equal(m.n, SENDMAP_MIN);
        assert_int_equal(m.s[0].start, una);
        assert_int_equal(m.s[m.n - 1].end, next);
        assert_true(m.s >= m.mem);
        assert_true(m.s + m.n <= m.mem + m.cap + m.cap / SENDMAP_SLACK_DIV);
    }
    for (unsigned i = 1; i < m.n; i++)
        assert_int_equal(m.s[i].start, m.s[i - 1].end);
    assert_int_equal(m.full, 0);
    assert_int_equal(sendmap_pipe(&m), SENDMAP_MIN * 100);
    sendmap_ack(&m, next); /* all acknowledged: back to the start */
    assert_int_equal(m.n, 0);
    assert_ptr_equal(m.s, m.mem);
    sendmap_free(&m);
}

static void test_ack_trims(void **state)
{
    (void)state;
    struct sendmap m = {0};
    for (uint32_t k = 0; k < 4; k++)
        sendmap_sent(&m, 1000 + k * 100, 100, T0 + k);
    sendmap_ack(&m, 1150); /* one whole record, half of the next */
    assert_int_equal(m.n, 3);
    expect_seg(&m, 0, 1150, 1200, T0 + 1, 0);
    sendmap_ack(&m, 1400);
    assert_int_equal(m.n, 0);
    assert_int_equal(sendmap_pipe(&m), 0);
    sendmap_free(&m);
}

static void test_sequence_wrap(void **state)
{
    (void)state;
    struct sendmap m = {0};
    sendmap_sent(&m, 0xffffff00u, 0x100, T0);
    sendmap_sent(&m, 0, 0x100, T0 + 1);
    assert_true(sendmap_split(&m, 0xffffff80u));
    assert_int_equal(m.n, 3);
    sendmap_set_flags(&m, &m.s[1], RS_SACKED);
    assert_int_equal(sendmap_pipe(&m), 0x180);
    sendmap_ack(&m, 0x80);
    assert_int_equal(m.n, 1);
    expect_seg(&m, 0, 0x80, 0x100, T0 + 1, 0);
    sendmap_free(&m);
}

static void test_bounded(void **state)
{
    (void)state;
    struct sendmap m = {0}; /* no limit set: SENDMAP_MIN records */
    for (uint32_t k = 0; k < SENDMAP_MIN; k++)
        sendmap_sent(&m, k * 10, 10, T0 + k);
    assert_int_equal(m.n, SENDMAP_MIN);
    assert_int_equal(m.full, 0);
    /* full: a split (a peer's SACK edge) does not fit, nothing moves */
    assert_false(sendmap_split(&m, 5));
    expect_seg(&m, 0, 0, 10, T0, 0);
    assert_int_equal(m.full, 1);
    /* new data joins the last record, which counts as sent now and is no
     * longer SACKed: later loss detection, never a wrong one */
    sendmap_set_flags(&m, &m.s[SENDMAP_MIN - 1], RS_SACKED);
    assert_int_equal(sendmap_pipe(&m), (SENDMAP_MIN - 1) * 10);
    sendmap_sent(&m, SENDMAP_MIN * 10, 10, T0 + 5000);
    assert_int_equal(sendmap_pipe(&m), (SENDMAP_MIN + 1) * 10);
    assert_int_equal(m.n, SENDMAP_MIN);
    expect_seg(&m, SENDMAP_MIN - 1, (SENDMAP_MIN - 1) * 10, (SENDMAP_MIN + 1) * 10, T0 + 5000, 0);
    assert_int_equal(m.cap, SENDMAP_MIN);
    assert_int_equal(m.full, 2);
    sendmap_free(&m);
    assert_int_equal(m.n, 0);
    assert_null(m.s);
}

/* The limit follows the send buffer (two records per MSS), within
 * [SENDMAP_MIN, SENDMAP_MAX]: a 4 MiB buffer at MSS 1448 keeps one record
 * per segment of a full window and a SACK split each. */
static void test_limit_follows_send_buffer(void **state)
{
    (void)state;
    struct sendmap m = {0};
    sendmap_set_limit(&m, 10);
    assert_int_equal(m.limit, SENDMAP_MIN);
    sendmap_set_limit(&m, (uint64_t)1 << 40);
    assert_int_equal(m.limit, SENDMAP_MAX);
    uint32_t segs = (4u << 20) / 1448; /* 2896 */
    sendmap_set_limit(&m, 2 * (uint64_t)(4u << 20) / 1448);
    for (uint32_t k = 0; k < segs; k++)
        sendmap_sent(&m, k * 1448, 1448, T0 + k);
    assert_int_equal(m.n, segs); /* none merged */
    for (uint32_t k = 0; k < segs; k++) /* a SACK edge inside every one */
        assert_true(sendmap_split(&m, k * 1448 + 700));
    assert_int_equal(m.n, 2 * segs);
    assert_int_equal(m.full, 0);
    assert_true(m.cap <= m.limit);
    sendmap_free(&m);
}

/* sendmap_index, with its shortcut for the last record, finds what a
 * linear scan finds (the first record ending after seq) for every
 * sequence number around every boundary, across the wrap too. */
static void test_index_matches_a_scan(void **state)
{
    (void)state;
    struct sendmap m = {0};
    sendmap_set_limit(&m, 64);
    uint32_t base = 0xffffff00u;
    for (unsigned k = 0; k < 8; k++)
        sendmap_sent(&m, base + k * 50, 50, T0 + k);
    for (uint32_t d = 0; d < 8 * 50 + 20; d++) {
        uint32_t seq = base - 10 + d;
        unsigned want = 0;
        while (want < m.n && seq_le(m.s[want].end, seq))
            want++;
        assert_int_equal(sendmap_index(&m, seq), want);
    }
    sendmap_free(&m);
}

/* pipe and the SACKed / marked counts are kept as records change
 * (output asks for pipe per segment, TLP for the SACKed count per ACK):
 * SACKs and loss marks take bytes out, a retransmission puts a lost
 * record back, ACKs (whole and partial) remove what they cover, and
 * clearing a flag everywhere (an RTO's reneging, an undo) puts them back. */
static void test_pipe_kept_through_changes(void **state)
{
    (void)state;
    struct sendmap m = {0};
    for (uint32_t k = 0; k < 6; k++)
        sendmap_sent(&m, 1000 + k * 100, 100, T0 + k);
    assert_int_equal(sendmap_pipe(&m), 600);
    assert_true(sendmap_split(&m, 1250));
    assert_int_equal(sendmap_pipe(&m), 600);
    sendmap_set_flags(&m, &m.s[3], RS_SACKED); /* [1250, 1300) */
    sendmap_set_flags(&m, &m.s[0], RS_LOST);
    sendmap_set_flags(&m, &m.s[1], RS_LOST);
    assert_int_equal(sendmap_pipe(&m), 350);
    assert_int_equal(sendmap_count(&m, RS_SACKED), 1);
    assert_int_equal(sendmap_count(&m, RS_SACKED | RS_LOST), 3);
    sendmap_set_flags(&m, &m.s[1], RS_LOST | RS_SACKED); /* counted out once */
    assert_int_equal(sendmap_pipe(&m), 350);
    assert_int_equal(sendmap_count(&m, RS_SACKED), 2);
    assert_int_equal(sendmap_count(&m, RS_SACKED | RS_LOST), 3);
    assert_true(sendmap_split(&m, 1150)); /* a split marked record counts twice */
    assert_int_equal(sendmap_count(&m, RS_SACKED), 3);
    assert_int_equal(sendmap_count(&m, RS_SACKED | RS_LOST), 4);
    assert_int_equal(sendmap_pipe(&m), 350);
    sendmap_sent(&m, 1000, 100, T0 + 10); /* record 0 resent: in flight again */
    assert_int_equal(sendmap_pipe(&m), 450);
    sendmap_ack(&m, 1050); /* half of it */
    assert_int_equal(sendmap_pipe(&m), 400);
    sendmap_clear_flag(&m, RS_SACKED); /* [1100, 1200) stays lost */
    assert_int_equal(sendmap_pipe(&m), 450);
    sendmap_clear_flag(&m, RS_LOST);
    assert_int_equal(sendmap_pipe(&m), 550);
    sendmap_ack(&m, 1600);
    assert_int_equal(m.n, 0);
    assert_int_equal(sendmap_pipe(&m), 0);
    sendmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_kept_through_changes),
        cmocka_unit_test(test_new_data_and_retransmission),
        cmocka_unit_test(test_ack_trims),
        cmocka_unit_test(test_first_lost_follows_marks),
        cmocka_unit_test(test_sliding_window_keeps_records),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_limit_follows_send_buffer),
        cmocka_unit_test(test_index_matches_a_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

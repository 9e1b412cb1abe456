/* Loopback device: a transmitted frame comes back on the next poll, never
 * from inside transmit; poll_at reports it due; the queue is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/stack_impl.h"
#include "dev/dev_impl.h"
#include "ustack/ustack.h"

static void send_ip(struct ust_dev *dev, ust_time_t now, size_t len)
{
    struct pkt *p = pkt_alloc(PKT_HEADROOM, len);
    assert_non_null(p);
    memset(p->data, 0x45, len);
    dev_transmit(dev, now, p);
}

static void test_loopback_delivers_on_next_poll(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *lo = ust_dev_loopback_new(st);
    assert_non_null(lo);
    assert_int_equal(ust_dev_link_type(lo), UST_LINK_IP);
    FILE *cap = tmpfile();
    assert_int_equal(ust_dev_pcap_attach(lo, cap), 0);
    assert_int_equal(ust_stack_poll_at(st), UST_TIME_NEVER);
    send_ip(lo, 100, 40);
    send_ip(lo, 100, 60);
    assert_int_equal(lo->stats.tx_frames, 2);
    assert_int_equal(lo->stats.rx_frames, 0); /* not re-entered from transmit */
    assert_true(ust_stack_poll_at(st) <= 100);  /* due now */
    ust_stack_poll(st, 100);
    assert_int_equal(lo->stats.rx_frames, 2);
    assert_int_equal(lo->stats.rx_bytes, 100);
    assert_int_equal(st->stats.link.rx_frames, 2);
    assert_int_equal(ust_stack_poll_at(st), UST_TIME_NEVER);
    /* Captured both ways: 2 tx + 2 rx records. */
    fflush(cap);
    assert_int_equal(ftell(cap), 24 + 2 * (16 + 40) + 2 * (16 + 60));
    ust_stack_free(st);
    fclose(cap);
}

static void test_loopback_queue_is_bounded(void **state)
{
    (void)state;
    struct ust_stack *st = ust_stack_new(NULL);
    struct ust_dev *lo = ust_dev_loopback_new(st);
    for (int i = 0; i < 600; i++)
        send_ip(lo, 0, 20);
    assert_int_equal(lo->stats.tx_frames, 512);
    assert_int_equal(lo->stats.tx_drops, 88);
    ust_stack_poll(st, 0);
    assert_int_equal(lo->stats.rx_frames, 512);
    ust_stack_free(st); /* and nothing leaks with frames still queued: */
    st = ust_stack_new(NULL);
    lo = ust_dev_loopback_new(st);
    send_ip(lo, 0, 20);
    ust_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_delivers_on_next_poll),
        cmocka_unit_test(test_loopback_queue_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

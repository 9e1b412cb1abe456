/* The iperf3 control protocol of `ustack serve --iperf3` (tools/iperf3_proto.c,
 * built into this test): cookies, the length-prefixed JSON framing, the
 * parameters a client sends, the results the server returns, and the
 * control connection's state machine driven by crafted bytes on a virtual
 * clock: a whole test as iperf3 3.12 runs it, refusals (bad cookie, UDP,
 * --bidir, oversized JSON, a message out of turn), a client that
 * terminates or closes, and every timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "iperf3_proto.h"

/* A cookie as iperf3's make_cookie writes it. */
static const uint8_t COOKIE[IP3_COOKIE_SIZE] = "abcdefghijklmnopqrstuvwxyz234567abcd";

/* What iperf3 3.12's send_parameters sends for `iperf3 -c X -t 2 -P 2 -R`. */
static const char PARAMS_R[] =
    "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0,\"parallel\":2,"
    "\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}";

/* What iperf3 3.12's send_results sends (one stream, the client sent). */
static const char CLIENT_RESULTS[] =
    "{\"cpu_util_total\":1.5,\"cpu_util_user\":0.1,\"cpu_util_system\":1.4,"
    "\"sender_has_retransmits\":1,\"congestion_used\":\"cubic\",\"streams\":[{\"id\":1,"
    "\"bytes\":1000,\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0,"
    "\"start_time\":0,\"end_time\":2.0}]}";

/* ---- helpers ---------------------------------------------------------------- */

/* Takes everything queued for the client. */
static size_t take_out(struct ip3_ctrl *c, uint8_t *buf, size_t cap)
{
    const uint8_t *p;
    size_t n = ip3_ctrl_pending(c, &p);
    assert_true(n <= cap);
    if (n)
        memcpy(buf, p, n);
    ip3_ctrl_sent(c, n);
    return n;
}

/* Feeds all of data (in one piece); returns the last event, and fails
 * the test if two events came out of it. */
static enum ip3_event feed(struct ip3_ctrl *c, const void *data, size_t len, ust_time_t now)
{
    size_t off = 0, used;
    enum ip3_event last = IP3_EV_NONE;
    do {
        enum ip3_event ev = ip3_ctrl_input(c, (const uint8_t *)data + off, len - off, now, &used);
        assert_true(used <= len - off);
        if (ev != IP3_EV_NONE) {
            assert_int_equal(last, IP3_EV_NONE);
            last = ev;
        }
        off += used;
    } while (off < len);
    return last;
}

static size_t framed(uint8_t *buf, const char *json)
{
    size_t n = strlen(json);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    memcpy(buf + 4, json, n);
    return n + 4;
}

static void expect_state(struct ip3_ctrl *c, const uint8_t *want, size_t n)
{
    uint8_t out[64];
    size_t got = take_out(c, out, sizeof(out));
    assert_int_equal(got, n);
    assert_memory_equal(out, want, n);
}

/* SERVER_ERROR, i_errno, errno: 9 bytes, big-endian numbers. */
static void expect_refusal(struct ip3_ctrl *c, int err, int sys_errno)
{
    const uint8_t want[9] = {0xfe, 0, 0, (uint8_t)(err >> 8), (uint8_t)err,
                             0, 0, (uint8_t)(sys_errno >> 8), (uint8_t)sys_errno};
    expect_state(c, want, sizeof(want));
    assert_int_equal(c->phase, IP3_PH_FAILED);
    assert_int_equal(c->err, err);
}

/* A control connection that has sent its cookie and `params`. */
static enum ip3_event to_params(struct ip3_ctrl *c, const char *params, ust_time_t now)
{
    uint8_t buf[512];
    ip3_ctrl_init(c, now);
    assert_int_equal(feed(c, COOKIE, sizeof(COOKIE), now), IP3_EV_NONE);
    expect_state(c, (const uint8_t[]){IP3_PARAM_EXCHANGE}, 1);
    return feed(c, buf, framed(buf, params), now);
}

/* ---- cookies, ids, framing ------------------------------------------------------ */

static void test_cookie(void **state)
{
    (void)state;
    assert_true(ip3_cookie_valid(COOKIE));
    uint8_t c[IP3_COOKIE_SIZE];
    memcpy(c, COOKIE, sizeof(c));
    c[36] = 'x'; /* no NUL at the end */
    assert_false(ip3_cookie_valid(c));
    memcpy(c, COOKIE, sizeof(c));
    c[3] = '\n';
    assert_false(ip3_cookie_valid(c));
    memcpy(c, "GET / HTTP/1.1\r\nHost: 203.0.113.2\r\n\r\n", sizeof(c));
    assert_false(ip3_cookie_valid(c));
}

static void test_stream_ids(void **state)
{
    (void)state;
    /* iperf_add_stream: 1, then 3, 4, 5 ... */
    assert_int_equal(ip3_stream_id(0), 1);
    assert_int_equal(ip3_stream_id(1), 3);
    assert_int_equal(ip3_stream_id(2), 4);
    assert_int_equal(ip3_stream_id(127), 129);
}

static void test_framing_pieces(void **state)
{
    (void)state;
    struct ip3_json_rx rx = {0};
    uint8_t buf[64];
    size_t n = framed(buf, "{\"a\":1}"), used;
    /* byte by byte: MORE until the last one */
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(ip3_json_rx_feed(&rx, buf + i, 1, &used), IP3_RX_MORE);
        assert_int_equal(used, 1);
    }
    assert_int_equal(ip3_json_rx_feed(&rx, buf + n - 1, 1, &used), IP3_RX_DONE);
    assert_string_equal(rx.buf, "{\"a\":1}");
    ip3_json_rx_reset(&rx);
    /* with bytes of the next message after it: only its own are used */
    memcpy(buf + n, "\x10", 1);
    assert_int_equal(ip3_json_rx_feed(&rx, buf, n + 1, &used), IP3_RX_DONE);
    assert_int_equal(used, n);
    ip3_json_rx_reset(&rx);
}

static void test_framing_bounds(void **state)
{
    (void)state;
    struct ip3_json_rx rx = {0};
    size_t used;
    const uint8_t zero[4] = {0, 0, 0, 0};
    assert_int_equal(ip3_json_rx_feed(&rx, zero, 4, &used), IP3_RX_BAD);
    ip3_json_rx_reset(&rx);
    /* 4 GB announced: refused before anything is allocated */
    const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(ip3_json_rx_feed(&rx, huge, 4, &used), IP3_RX_BAD);
    assert_null(rx.buf);
    ip3_json_rx_reset(&rx);
    const uint8_t over[4] = {0, 1, 0, 1}; /* IP3_MAX_JSON + 1 */
    assert_int_equal(ip3_json_rx_feed(&rx, over, 4, &used), IP3_RX_BAD);
    ip3_json_rx_reset(&rx);
    const uint8_t max[4] = {0, 1, 0, 0}; /* IP3_MAX_JSON: taken */
    assert_int_equal(ip3_json_rx_feed(&rx, max, 4, &used), IP3_RX_MORE);
    assert_non_null(rx.buf);
    ip3_json_rx_reset(&rx);
}

/* ---- parameters ------------------------------------------------------------------ */

static void test_params_iperf312(void **state)
{
    (void)state;
    struct ip3_params p;
    const char *why = NULL;
    assert_int_equal(ip3_params_parse(PARAMS_R, &p, &why), 0);
    assert_true(p.reverse);
    assert_int_equal(p.parallel, 2);
    assert_int_equal(p.duration, 2);
    assert_int_equal(p.blksize, 131072);
    assert_true(p.bytes == 0 && p.blocks == 0 && p.rate == 0);
    assert_false(p.server_output);
    assert_string_equal(p.client_version, "3.12");
    /* -n, -k, -b, -O, --get-server-output; defaults of what is absent */
    assert_int_equal(ip3_params_parse("{\"tcp\":true,\"num\":10485760,\"blockcount\":7,"
                                      "\"bandwidth\":1000000,\"omit\":1,\"get_server_output\":1}",
                                      &p, &why), 0);
    assert_false(p.reverse);
    assert_true(p.bytes == 10485760 && p.blocks == 7 && p.rate == 1000000 && p.omit == 1);
    assert_true(p.server_output);
    assert_int_equal(p.parallel, 1);
    assert_int_equal(p.blksize, IP3_DEFAULT_BLKSIZE);
}

static void test_params_refused(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int err;
    } cases[] = {
        {"{\"udp\":true,\"time\":10}", IP3_IEUNIMP},
        {"{\"sctp\":true}", IP3_IEUNIMP},
        {"{\"tcp\":true,\"bidirectional\":true}", IP3_IEUNIMP},
        {"{\"tcp\":true,\"parallel\":129}", IP3_IENUMSTREAMS},
        {"{\"tcp\":true,\"parallel\":0}", IP3_IENUMSTREAMS},
        {"{\"tcp\":true,\"parallel\":\"2\"}", IP3_IENUMSTREAMS},
        {"{\"tcp\":true,\"len\":2097152}", IP3_IEBLOCKSIZE},
        {"{\"tcp\":true,\"time\":-1}", IP3_IEDURATION},
        {"{\"tcp\":true,\"time\":86401}", IP3_IEDURATION},
        {"{\"tcp\":true,\"num\":-5}", IP3_IERECVPARAMS},
        {"{\"tcp\":true,\"bandwidth\":1e300}", IP3_IERECVPARAMS},
        {"[1,2]", IP3_IERECVPARAMS},
        {"{\"tcp\":true", IP3_IERECVPARAMS},
        {"", IP3_IERECVPARAMS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ip3_params p;
        const char *why = NULL;
        assert_int_equal(ip3_params_parse(cases[i].json, &p, &why), cases[i].err);
        assert_non_null(why);
    }
}

/* ---- results ----------------------------------------------------------------------- */

static void test_results_json(void **state)
{
    (void)state;
    const struct ip3_stream_result s[2] = {{1, 123456789012ULL, 7, 2.5}, {3, 42, 0, 2.5}};
    struct ip3_results r = {.sender = true, .congestion = "cubic", .n = 2, .streams = s};
    char *txt = ip3_results_json(&r);
    assert_non_null(txt);
    cJSON *j = cJSON_Parse(txt);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "sender_has_retransmits")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(j, "congestion_used")->valuestring, "cubic");
    assert_null(cJSON_GetObjectItem(j, "server_output_text"));
    const cJSON *streams = cJSON_GetObjectItem(j, "streams");
    assert_int_equal(cJSON_GetArraySize(streams), 2);
    const cJSON *s1 = cJSON_GetArrayItem(streams, 1);
    assert_int_equal(cJSON_GetObjectItem(s1, "id")->valueint, 3);
    assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(streams, 0), "bytes")->valuedouble ==
                123456789012.0);
    assert_true(cJSON_GetObjectItem(s1, "end_time")->valuedouble == 2.5);
    /* what the server sends is what iperf3's get_results requires */
    assert_int_equal(ip3_client_results_check(txt), 2);
    cJSON_Delete(j);
    free(txt);
    r.sender = false;
    r.server_output = "text";
    txt = ip3_results_json(&r);
    j = cJSON_Parse(txt);
    assert_int_equal(cJSON_GetObjectItem(j, "sender_has_retransmits")->valueint, -1);
    assert_string_equal(cJSON_GetObjectItem(j, "server_output_text")->valuestring, "text");
    cJSON_Delete(j);
    free(txt);
}

static void test_client_results_check(void **state)
{
    (void)state;
    assert_int_equal(ip3_client_results_check(CLIENT_RESULTS), 1);
    assert_int_equal(ip3_client_results_check("{\"cpu_util_total\":0,"
                                              "\"sender_has_retransmits\":0,\"streams\":[]}"), 0);
    assert_int_equal(ip3_client_results_check("{\"streams\":[]}"), -1);
    assert_int_equal(ip3_client_results_check("{\"cpu_util_total\":0,\"sender_has_retransmits\":0,"
                                              "\"streams\":[{\"id\":1}]}"), -1);
    assert_int_equal(ip3_client_results_check("nonsense"), -1);
}

/* ---- the state machine ---------------------------------------------------------------- */

/* A whole test, as `iperf3 -c X -t 2 -P 2 -R` runs it. */
static void test_ctrl_whole_test(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    ust_time_t t = 1000 * UST_SEC;
    ip3_ctrl_init(&c, t);
    /* the cookie in two pieces */
    assert_int_equal(feed(&c, COOKIE, 10, t), IP3_EV_NONE);
    expect_state(&c, NULL, 0);
    assert_int_equal(feed(&c, COOKIE + 10, sizeof(COOKIE) - 10, t), IP3_EV_NONE);
    expect_state(&c, (const uint8_t[]){IP3_PARAM_EXCHANGE}, 1);
    uint8_t buf[512];
    assert_int_equal(feed(&c, buf, framed(buf, PARAMS_R), t), IP3_EV_PARAMS);
    expect_state(&c, (const uint8_t[]){IP3_CREATE_STREAMS}, 1);
    assert_int_equal(c.params.parallel, 2);
    assert_memory_equal(c.cookie, COOKIE, sizeof(COOKIE));
    ip3_ctrl_streams_ready(&c, t);
    expect_state(&c, (const uint8_t[]){IP3_TEST_START, IP3_TEST_RUNNING}, 2);
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_TEST_END}, 1, t + 2 * UST_SEC),
                     IP3_EV_TEST_END);
    ip3_ctrl_test_ended(&c, t + 2 * UST_SEC);
    expect_state(&c, (const uint8_t[]){IP3_EXCHANGE_RESULTS}, 1);
    assert_int_equal(feed(&c, buf, framed(buf, CLIENT_RESULTS), t), IP3_EV_RESULTS);
    const struct ip3_stream_result s[2] = {{1, 1000, 2, 2.0}, {3, 2000, 0, 2.0}};
    struct ip3_results r = {.sender = true, .n = 2, .streams = s};
    assert_true(ip3_ctrl_send_results(&c, &r, t));
    uint8_t out[1024];
    size_t n = take_out(&c, out, sizeof(out));
    /* length, JSON, DISPLAY_RESULTS */
    size_t len = (size_t)out[0] << 24 | (size_t)out[1] << 16 | (size_t)out[2] << 8 | out[3];
    assert_int_equal(n, 4 + len + 1);
    assert_int_equal(out[n - 1], IP3_DISPLAY_RESULTS);
    out[4 + len] = '\0';
    assert_int_equal(ip3_client_results_check((const char *)out + 4), 2);
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_IPERF_DONE}, 1, t), IP3_EV_DONE);
    assert_int_equal(c.phase, IP3_PH_DONE);
    /* after the end, nothing is read and no timeout fires */
    assert_int_equal(feed(&c, "junk", 4, t), IP3_EV_NONE);
    assert_int_equal(ip3_ctrl_tick(&c, t + 3600 * UST_SEC), IP3_EV_NONE);
    ip3_ctrl_free(&c);
}

static void test_ctrl_bad_cookie(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    ip3_ctrl_init(&c, 0);
    static const char http[] = "GET / HTTP/1.1\r\nHost: 203.0.113.2:5201\r\n\r\n";
    assert_int_equal(feed(&c, http, sizeof(http) - 1, 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IERECVCOOKIE, EINVAL);
    assert_non_null(c.why);
    ip3_ctrl_free(&c);
}

static void test_ctrl_udp_refused(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    assert_int_equal(to_params(&c, "{\"udp\":true,\"time\":10,\"len\":1448}", 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IEUNIMP, 0);
    ip3_ctrl_free(&c);
    assert_int_equal(to_params(&c, "{\"tcp\":true,\"bidirectional\":true}", 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IEUNIMP, 0);
    ip3_ctrl_free(&c);
    assert_int_equal(to_params(&c, "{\"tcp\":true,\"parallel\":500}", 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IENUMSTREAMS, 0);
    ip3_ctrl_free(&c);
}

/* A length above IP3_MAX_JSON is refused from its 4 bytes alone. */
static void test_ctrl_oversized_params(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    ip3_ctrl_init(&c, 0);
    feed(&c, COOKIE, sizeof(COOKIE), 0);
    expect_state(&c, (const uint8_t[]){IP3_PARAM_EXCHANGE}, 1);
    assert_int_equal(feed(&c, (const uint8_t[]){0x7f, 0xff, 0xff, 0xff}, 4, 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IERECVPARAMS, EMSGSIZE);
    ip3_ctrl_free(&c);
}

/* A state byte out of turn: "received an unknown control message". */
static void test_ctrl_wrong_state(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    assert_int_equal(to_params(&c, PARAMS_R, 0), IP3_EV_PARAMS);
    take_out(&c, (uint8_t[8]){0}, 8);
    /* TEST_END before the test runs */
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_TEST_END}, 1, 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IEMESSAGE, 0);
    ip3_ctrl_free(&c);
    assert_int_equal(to_params(&c, PARAMS_R, 0), IP3_EV_PARAMS);
    ip3_ctrl_streams_ready(&c, 0);
    take_out(&c, (uint8_t[8]){0}, 8);
    /* TEST_START while running is what iperf3 ignores; PARAM_EXCHANGE is not */
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_TEST_START}, 1, 0), IP3_EV_NONE);
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_PARAM_EXCHANGE}, 1, 0), IP3_EV_ABORT);
    expect_refusal(&c, IP3_IEMESSAGE, 0);
    ip3_ctrl_free(&c);
}

/* Ctrl-C on the client (CLIENT_TERMINATE) or its connection closing:
 * the test ends, nothing is sent back. */
static void test_ctrl_client_gone(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    assert_int_equal(to_params(&c, PARAMS_R, 0), IP3_EV_PARAMS);
    ip3_ctrl_streams_ready(&c, 0);
    take_out(&c, (uint8_t[8]){0}, 8);
    assert_int_equal(feed(&c, (const uint8_t[]){IP3_CLIENT_TERMINATE}, 1, 0), IP3_EV_ABORT);
    assert_int_equal(c.phase, IP3_PH_FAILED);
    assert_int_equal(c.err, 0);
    expect_state(&c, NULL, 0);
    ip3_ctrl_free(&c);
    ip3_ctrl_init(&c, 0);
    feed(&c, COOKIE, 5, 0);
    size_t used;
    assert_int_equal(ip3_ctrl_input(&c, NULL, 0, 0, &used), IP3_EV_ABORT);
    assert_int_equal(c.phase, IP3_PH_FAILED);
    ip3_ctrl_free(&c);
}

/* Every wait on the client is bounded. */
static void test_ctrl_timeouts(void **state)
{
    (void)state;
    struct ip3_ctrl c;
    ust_time_t t0 = 5 * UST_SEC;
    ip3_ctrl_init(&c, t0); /* a connection that never sends its cookie */
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_HANDSHAKE_TIMEOUT - 1), IP3_EV_NONE);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_HANDSHAKE_TIMEOUT), IP3_EV_ABORT);
    assert_int_equal(c.phase, IP3_PH_FAILED);
    ip3_ctrl_free(&c);
    /* cookie, then no parameters */
    ip3_ctrl_init(&c, t0);
    feed(&c, COOKIE, sizeof(COOKIE), t0 + UST_SEC);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_HANDSHAKE_TIMEOUT), IP3_EV_NONE);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + UST_SEC + IP3_HANDSHAKE_TIMEOUT), IP3_EV_ABORT);
    ip3_ctrl_free(&c);
    /* streams that never connect */
    assert_int_equal(to_params(&c, PARAMS_R, t0), IP3_EV_PARAMS);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_HANDSHAKE_TIMEOUT), IP3_EV_ABORT);
    ip3_ctrl_free(&c);
    /* a running test: idle while nothing moves, and -t + -O + grace at most */
    assert_int_equal(to_params(&c, PARAMS_R, t0), IP3_EV_PARAMS);
    ip3_ctrl_streams_ready(&c, t0);
    ust_time_t t = t0;
    for (; t < t0 + 2 * UST_SEC + IP3_GRACE; t += UST_SEC) {
        ip3_ctrl_touch(&c, t);
        assert_int_equal(ip3_ctrl_tick(&c, t), IP3_EV_NONE);
    }
    assert_int_equal(ip3_ctrl_tick(&c, t), IP3_EV_ABORT);
    ip3_ctrl_free(&c);
    /* -n: no time limit, only the idle one */
    assert_int_equal(to_params(&c, "{\"tcp\":true,\"num\":1000000}", t0), IP3_EV_PARAMS);
    ip3_ctrl_streams_ready(&c, t0);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_IDLE_TIMEOUT - 1), IP3_EV_NONE);
    assert_int_equal(ip3_ctrl_tick(&c, t0 + IP3_IDLE_TIMEOUT), IP3_EV_ABORT);
    ip3_ctrl_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_stream_ids),
        cmocka_unit_test(test_framing_pieces),
        cmocka_unit_test(test_framing_bounds),
        cmocka_unit_test(test_params_iperf312),
        cmocka_unit_test(test_params_refused),
        cmocka_unit_test(test_results_json),
        cmocka_unit_test(test_client_results_check),
        cmocka_unit_test(test_ctrl_whole_test),
        cmocka_unit_test(test_ctrl_bad_cookie),
        cmocka_unit_test(test_ctrl_udp_refused),
        cmocka_unit_test(test_ctrl_oversized_params),
        cmocka_unit_test(test_ctrl_wrong_state),
        cmocka_unit_test(test_ctrl_client_gone),
        cmocka_unit_test(test_ctrl_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

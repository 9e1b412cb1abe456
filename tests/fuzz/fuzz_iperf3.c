/* Fuzz target for the iperf3 control protocol of `ustack serve --iperf3`
 * (tools/iperf3_proto.c, built into this target). The input is what a
 * client sends on the control connection; its first byte sets the size of
 * the pieces it arrives in. The state machine is driven as the server
 * drives it (streams "connect" when asked, results are exchanged), and its
 * promises are checked: consumption never exceeds the input, the output
 * queue stays bounded, an abort fails the connection, a finished or failed
 * connection reads nothing more, and every timeout ends it. The same
 * bytes after the first also go through the parameter parser alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iperf3_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

/* What serve_iperf3.c does for each event. */
static void react(struct ip3_ctrl *c, enum ip3_event ev, ust_time_t now)
{
    static const struct ip3_stream_result s[2] = {{1, 1000, 0, 1.0}, {3, 2000, -1, 1.0}};
    struct ip3_results r = {.sender = true, .congestion = "newreno", .n = 2, .streams = s};
    switch (ev) {
    case IP3_EV_PARAMS:
        check(c->phase == IP3_PH_STREAMS);
        check(c->params.parallel >= 1 && c->params.parallel <= IP3_MAX_STREAMS);
        check(c->params.blksize >= 1 && c->params.blksize <= IP3_MAX_BLKSIZE);
        ip3_ctrl_streams_ready(c, now);
        break;
    case IP3_EV_TEST_END: ip3_ctrl_test_ended(c, now); break;
    case IP3_EV_RESULTS: ip3_ctrl_send_results(c, &r, now); break;
    case IP3_EV_ABORT: check(c->phase == IP3_PH_FAILED && c->why); break;
    case IP3_EV_DONE: check(c->phase == IP3_PH_DONE); break;
    case IP3_EV_NONE: break;
    }
}

static void drive(const uint8_t *data, size_t size, size_t piece)
{
    struct ip3_ctrl c;
    ust_time_t now = UST_SEC;
    ip3_ctrl_init(&c, now);
    for (size_t off = 0; off < size;) {
        size_t len = size - off < piece ? size - off : piece, used;
        enum ip3_phase before = c.phase;
        enum ip3_event ev = ip3_ctrl_input(&c, data + off, len, now, &used);
        check(used >= 1 && used <= len);
        if (before == IP3_PH_DONE || before == IP3_PH_FAILED)
            check(ev == IP3_EV_NONE && c.phase == before);
        react(&c, ev, now);
        const uint8_t *p;
        check(ip3_ctrl_pending(&c, &p) <= IP3_MAX_JSON + 64);
        ip3_ctrl_sent(&c, ip3_ctrl_pending(&c, &p));
        off += used;
        now += UST_MSEC;
    }
    size_t used;
    react(&c, ip3_ctrl_input(&c, NULL, 0, now, &used), now); /* the client closes */
    check(c.phase == IP3_PH_DONE || c.phase == IP3_PH_FAILED);
    ip3_ctrl_free(&c);
    /* and a connection left as it is always times out */
    ip3_ctrl_init(&c, UST_SEC);
    for (size_t off = 0, used2; off < size; off += used2)
        react(&c, ip3_ctrl_input(&c, data + off, size - off, UST_SEC, &used2), UST_SEC);
    if (c.phase != IP3_PH_DONE && c.phase != IP3_PH_FAILED)
        check(ip3_ctrl_tick(&c, UST_SEC + (IP3_MAX_TIME * 2 + 1) * UST_SEC + IP3_GRACE) ==
              IP3_EV_ABORT);
    ip3_ctrl_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    drive(data + 1, size - 1, (size_t)(data[0] % 64) + 1);
    char *json = malloc(size);
    memcpy(json, data + 1, size - 1);
    json[size - 1] = '\0';
    struct ip3_params p;
    const char *why = NULL;
    if (ip3_params_parse(json, &p, &why) != 0)
        check(why != NULL);
    ip3_client_results_check(json);
    free(json);
    return 0;
}

/* The iperf3 control protocol, server side: framing, parameters, results
 * and the control connection's state machine (see iperf3_proto.h). JSON
 * is read and written with cJSON, as iperf3 itself does. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "iperf3_proto.h"

bool ip3_cookie_valid(const uint8_t cookie[IP3_COOKIE_SIZE])
{
    for (size_t i = 0; i + 1 < IP3_COOKIE_SIZE; i++)
        if (cookie[i] < 0x21 || cookie[i] > 0x7e)
            return false;
    return cookie[IP3_COOKIE_SIZE - 1] == '\0';
}

int ip3_stream_id(unsigned k)
{
    return k == 0 ? 1 : (int)k + 2;
}

/* ---- framing ---------------------------------------------------------------- */

void ip3_json_rx_reset(struct ip3_json_rx *rx)
{
    free(rx->buf);
    memset(rx, 0, sizeof(*rx));
}

enum ip3_rx_result ip3_json_rx_feed(struct ip3_json_rx *rx, const uint8_t *p, size_t n,
                                    size_t *used)
{
    size_t off = 0;
    while (rx->hdr_got < 4 && off < n)
        rx->hdr[rx->hdr_got++] = p[off++];
    *used = off;
    if (rx->hdr_got < 4)
        return IP3_RX_MORE;
    if (!rx->buf) {
        rx->len = (uint32_t)rx->hdr[0] << 24 | (uint32_t)rx->hdr[1] << 16 |
                  (uint32_t)rx->hdr[2] << 8 | rx->hdr[3];
        /* The length is the peer's word: bound it before allocating. */
        if (rx->len == 0 || rx->len > IP3_MAX_JSON)
            return IP3_RX_BAD;
        if (!(rx->buf = malloc(rx->len + 1)))
            return IP3_RX_BAD;
    }
    size_t take = n - off < rx->len - rx->got ? n - off : rx->len - rx->got;
    if (take)
        memcpy(rx->buf + rx->got, p + off, take);
    rx->got += take;
    *used = off + take;
    if (rx->got < rx->len)
        return IP3_RX_MORE;
    rx->buf[rx->len] = '\0';
    return IP3_RX_DONE;
}

/* ---- parameters -------------------------------------------------------------- */

/* A JSON number in [lo, hi], or absent (*out untouched). false: wrong. */
static bool get_num(const cJSON *j, const char *name, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return false;
    *out = floor(v->valuedouble);
    return true;
}

static bool has(const cJSON *j, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(j, name) != NULL;
}

/* What ustack does not run: refused with "not implemented yet". */
static int check_unsupported(const cJSON *j, const char **why)
{
    if (has(j, "udp"))
        *why = "UDP tests (-u) are not supported, only TCP";
    else if (has(j, "sctp"))
        *why = "SCTP tests are not supported, only TCP";
    else if (has(j, "bidirectional"))
        *why = "bidirectional tests (--bidir) are not supported: use -R for the other direction";
    else
        return 0;
    return IP3_IEUNIMP;
}

/* time, omit, parallel, len: the limits iperf3 itself enforces. */
static int parse_limits(const cJSON *j, struct ip3_params *p, const char **why)
{
    double t = 0, omit = 0, par = 1, len = IP3_DEFAULT_BLKSIZE;
    if (!get_num(j, "time", 0, IP3_MAX_TIME, &t) || !get_num(j, "omit", 0, IP3_MAX_TIME, &omit)) {
        *why = "test duration (-t, -O) out of range";
        return IP3_IEDURATION;
    }
    if (!get_num(j, "parallel", 1, IP3_MAX_STREAMS, &par)) {
        *why = "parallel streams (-P) out of range";
        return IP3_IENUMSTREAMS;
    }
    if (!get_num(j, "len", 1, IP3_MAX_BLKSIZE, &len)) {
        *why = "block size (-l) out of range";
        return IP3_IEBLOCKSIZE;
    }
    p->duration = (unsigned)t;
    p->omit = (unsigned)omit;
    p->parallel = (unsigned)par;
    p->blksize = (uint32_t)len;
    return 0;
}

/* num, blockcount, bandwidth, reverse, get_server_output, client_version. */
static int parse_rest(const cJSON *j, struct ip3_params *p, const char **why)
{
    double bytes = 0, blocks = 0, rate = 0;
    const double max = 9007199254740992.0; /* 2^53: exact in a JSON number */
    if (!get_num(j, "num", 0, max, &bytes) || !get_num(j, "blockcount", 0, max, &blocks) ||
        !get_num(j, "bandwidth", 0, max, &rate)) {
        *why = "bad -n, -k or -b";
        return IP3_IERECVPARAMS;
    }
    p->bytes = (uint64_t)bytes;
    p->blocks = (uint64_t)blocks;
    p->rate = (uint64_t)rate;
    p->reverse = has(j, "reverse");
    p->server_output = has(j, "get_server_output");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "client_version");
    if (cJSON_IsString(v))
        snprintf(p->client_version, sizeof(p->client_version), "%s", v->valuestring);
    return 0;
}

int ip3_params_parse(const char *json, struct ip3_params *p, const char **why)
{
    memset(p, 0, sizeof(*p));
    cJSON *j = cJSON_Parse(json);
    int err = 0;
    if (!cJSON_IsObject(j)) {
        *why = "the parameters are not a JSON object";
        err = IP3_IERECVPARAMS;
    } else if (!(err = check_unsupported(j, why)) && !(err = parse_limits(j, p, why))) {
        err = parse_rest(j, p, why);
    }
    cJSON_Delete(j);
    return err;
}

/* ---- results ------------------------------------------------------------------ */

static cJSON *stream_json(const struct ip3_stream_result *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    /* jitter, errors and packets are UDP's; a TCP stream has them at 0. */
    if (!cJSON_AddNumberToObject(o, "id", s->id) ||
        !cJSON_AddNumberToObject(o, "bytes", (double)s->bytes) ||
        !cJSON_AddNumberToObject(o, "retransmits", s->retransmits) ||
        !cJSON_AddNumberToObject(o, "jitter", 0) || !cJSON_AddNumberToObject(o, "errors", 0) ||
        !cJSON_AddNumberToObject(o, "packets", 0) ||
        !cJSON_AddNumberToObject(o, "start_time", 0) ||
        !cJSON_AddNumberToObject(o, "end_time", s->seconds)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The top level: CPU use is not measured (ustack reads no CPU clock),
 * so it is reported as 0. */
static bool results_head(cJSON *j, const struct ip3_results *r)
{
    if (!cJSON_AddNumberToObject(j, "cpu_util_total", 0) ||
        !cJSON_AddNumberToObject(j, "cpu_util_user", 0) ||
        !cJSON_AddNumberToObject(j, "cpu_util_system", 0) ||
        /* -1: this side received (send_results) */
        !cJSON_AddNumberToObject(j, "sender_has_retransmits", r->sender ? 1 : -1))
        return false;
    if (r->congestion && !cJSON_AddStringToObject(j, "congestion_used", r->congestion))
        return false;
    if (r->server_output && !cJSON_AddStringToObject(j, "server_output_text", r->server_output))
        return false;
    return true;
}

char *ip3_results_json(const struct ip3_results *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *arr = j && results_head(j, r) ? cJSON_AddArrayToObject(j, "streams") : NULL;
    char *s = NULL;
    bool ok = arr != NULL;
    for (unsigned i = 0; ok && i < r->n; i++) {
        cJSON *o = stream_json(&r->streams[i]);
        ok = o && cJSON_AddItemToArray(arr, o);
    }
    if (ok)
        s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* One stream of the client's results: the fields get_results requires. */
static bool client_stream_ok(const cJSON *s)
{
    static const char *const need[] = {"id", "bytes", "retransmits", "jitter", "errors",
                                       "packets"};
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, need[i])))
            return false;
    return true;
}

int ip3_client_results_check(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    const cJSON *streams = cJSON_GetObjectItemCaseSensitive(j, "streams");
    int n = -1;
    if (cJSON_IsObject(j) && cJSON_IsArray(streams) &&
        cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "cpu_util_total")) &&
        cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "sender_has_retransmits"))) {
        n = 0;
        const cJSON *s;
        cJSON_ArrayForEach(s, streams) {
            if (!client_stream_ok(s)) {
                n = -1;
                break;
            }
            n++;
        }
    }
    cJSON_Delete(j);
    return n;
}

/* ---- the control connection ------------------------------------------------------ */

void ip3_ctrl_init(struct ip3_ctrl *c, ust_time_t now)
{
    memset(c, 0, sizeof(*c));
    c->phase = IP3_PH_COOKIE;
    c->deadline = now + IP3_HANDSHAKE_TIMEOUT;
}

void ip3_ctrl_free(struct ip3_ctrl *c)
{
    ip3_json_rx_reset(&c->rx);
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = 0;
}

static void fail(struct ip3_ctrl *c, const char *why)
{
    c->phase = IP3_PH_FAILED;
    c->deadline = 0;
    if (!c->why)
        c->why = why;
}

/* Appends to the output queue. The queue holds at most a results message
 * and a few state bytes. */
static bool queue(struct ip3_ctrl *c, const void *p, size_t n)
{
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_len + n + 64;
        uint8_t *b = realloc(c->out, cap);
        if (!b) {
            fail(c, "out of memory");
            return false;
        }
        c->out = b;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return true;
}

static void queue_state(struct ip3_ctrl *c, enum ip3_msg m)
{
    uint8_t b = (uint8_t)(int8_t)m;
    queue(c, &b, 1);
}

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

void ip3_ctrl_refuse(struct ip3_ctrl *c, int err, int sys_errno, const char *why)
{
    uint8_t b[9];
    b[0] = (uint8_t)(int8_t)IP3_SERVER_ERROR;
    put_be32(b + 1, (uint32_t)err);
    put_be32(b + 5, (uint32_t)sys_errno);
    queue(c, b, sizeof(b));
    c->err = err;
    fail(c, why);
}

static void enter(struct ip3_ctrl *c, enum ip3_phase ph, ust_time_t now)
{
    c->phase = ph;
    c->deadline = now + IP3_HANDSHAKE_TIMEOUT;
}

static enum ip3_event on_cookie(struct ip3_ctrl *c, const uint8_t *p, size_t len,
                                ust_time_t now, size_t *used)
{
    size_t take = IP3_COOKIE_SIZE - c->cookie_got;
    take = take < len ? take : len;
    memcpy(c->cookie + c->cookie_got, p, take);
    c->cookie_got += take;
    *used = take;
    if (c->cookie_got < IP3_COOKIE_SIZE)
        return IP3_EV_NONE;
    if (!ip3_cookie_valid(c->cookie)) {
        ip3_ctrl_refuse(c, IP3_IERECVCOOKIE, EINVAL, "not an iperf3 client (bad cookie)");
        return IP3_EV_ABORT;
    }
    enter(c, IP3_PH_PARAMS, now);
    queue_state(c, IP3_PARAM_EXCHANGE);
    return IP3_EV_NONE;
}

static enum ip3_event on_params(struct ip3_ctrl *c, const uint8_t *p, size_t len,
                                ust_time_t now, size_t *used)
{
    enum ip3_rx_result r = ip3_json_rx_feed(&c->rx, p, len, used);
    if (r == IP3_RX_MORE)
        return IP3_EV_NONE;
    if (r == IP3_RX_BAD) {
        ip3_ctrl_refuse(c, IP3_IERECVPARAMS, EMSGSIZE, "parameter message of a bad length");
        return IP3_EV_ABORT;
    }
    const char *why = NULL;
    int err = ip3_params_parse(c->rx.buf, &c->params, &why);
    ip3_json_rx_reset(&c->rx);
    if (err) {
        ip3_ctrl_refuse(c, err, err == IP3_IERECVPARAMS ? EINVAL : 0, why);
        return IP3_EV_ABORT;
    }
    enter(c, IP3_PH_STREAMS, now);
    queue_state(c, IP3_CREATE_STREAMS);
    return IP3_EV_PARAMS;
}

static enum ip3_event on_client_results(struct ip3_ctrl *c, const uint8_t *p, size_t len,
                                        size_t *used)
{
    enum ip3_rx_result r = ip3_json_rx_feed(&c->rx, p, len, used);
    if (r == IP3_RX_MORE)
        return IP3_EV_NONE;
    int n = r == IP3_RX_DONE ? ip3_client_results_check(c->rx.buf) : -1;
    ip3_json_rx_reset(&c->rx);
    if (n < 0) {
        ip3_ctrl_refuse(c, IP3_IERECVRESULTS, EINVAL, "bad results from the client");
        return IP3_EV_ABORT;
    }
    return IP3_EV_RESULTS;
}

/* A state byte from the client while streams connect, the test runs, or
 * our results are out (iperf_handle_message_server). */
static enum ip3_event on_state(struct ip3_ctrl *c, int8_t m)
{
    if (m == IP3_CLIENT_TERMINATE) {
        fail(c, "the client has terminated");
        return IP3_EV_ABORT;
    }
    if (c->phase == IP3_PH_RUNNING && m == IP3_TEST_END)
        return IP3_EV_TEST_END;
    if (c->phase == IP3_PH_RUNNING && m == IP3_TEST_START)
        return IP3_EV_NONE;
    if (c->phase == IP3_PH_DISPLAY && m == IP3_IPERF_DONE) {
        c->phase = IP3_PH_DONE;
        c->deadline = 0;
        return IP3_EV_DONE;
    }
    ip3_ctrl_refuse(c, IP3_IEMESSAGE, 0, "unexpected control message");
    return IP3_EV_ABORT;
}

static const char *closed_why(enum ip3_phase ph)
{
    switch (ph) {
    case IP3_PH_COOKIE: return "the client closed before its cookie";
    case IP3_PH_PARAMS: return "the client closed before its parameters";
    case IP3_PH_DISPLAY: return "the client closed without IPERF_DONE";
    default: return "the client closed the control connection";
    }
}

enum ip3_event ip3_ctrl_input(struct ip3_ctrl *c, const uint8_t *p, size_t len,
                              ust_time_t now, size_t *used)
{
    *used = len;
    if (c->phase == IP3_PH_DONE || c->phase == IP3_PH_FAILED)
        return IP3_EV_NONE; /* nothing more is read */
    if (len == 0) {
        fail(c, closed_why(c->phase));
        return IP3_EV_ABORT;
    }
    switch (c->phase) {
    case IP3_PH_COOKIE: return on_cookie(c, p, len, now, used);
    case IP3_PH_PARAMS: return on_params(c, p, len, now, used);
    case IP3_PH_RESULTS: return on_client_results(c, p, len, used);
    default:
        *used = 1;
        return on_state(c, (int8_t)p[0]);
    }
}

static const char *timeout_why(enum ip3_phase ph)
{
    switch (ph) {
    case IP3_PH_COOKIE: return "no cookie within the handshake timeout";
    case IP3_PH_PARAMS: return "no parameters within the handshake timeout";
    case IP3_PH_STREAMS: return "the streams did not connect within the handshake timeout";
    case IP3_PH_RUNNING: return "the test stalled (nothing moved)";
    case IP3_PH_RESULTS: return "no results from the client within the handshake timeout";
    default: return "no IPERF_DONE from the client within the handshake timeout";
    }
}

enum ip3_event ip3_ctrl_tick(struct ip3_ctrl *c, ust_time_t now)
{
    if (c->phase == IP3_PH_DONE || c->phase == IP3_PH_FAILED)
        return IP3_EV_NONE;
    if (c->phase == IP3_PH_RUNNING && c->hard_deadline && now >= c->hard_deadline) {
        fail(c, "the test ran past its time (-t + -O) and the grace period");
        return IP3_EV_ABORT;
    }
    if (c->deadline && now >= c->deadline) {
        fail(c, timeout_why(c->phase));
        return IP3_EV_ABORT;
    }
    return IP3_EV_NONE;
}

void ip3_ctrl_touch(struct ip3_ctrl *c, ust_time_t now)
{
    if (c->phase == IP3_PH_RUNNING)
        c->deadline = now + IP3_IDLE_TIMEOUT;
}

void ip3_ctrl_streams_ready(struct ip3_ctrl *c, ust_time_t now)
{
    c->phase = IP3_PH_RUNNING;
    c->deadline = now + IP3_IDLE_TIMEOUT;
    /* The client times the test; this only bounds a client that never
     * says TEST_END (iperf3's server timer). */
    if (c->params.duration)
        c->hard_deadline = now + (ust_time_t)(c->params.duration + c->params.omit) * UST_SEC +
                           IP3_GRACE;
    queue_state(c, IP3_TEST_START);
    queue_state(c, IP3_TEST_RUNNING);
}

void ip3_ctrl_test_ended(struct ip3_ctrl *c, ust_time_t now)
{
    enter(c, IP3_PH_RESULTS, now);
    queue_state(c, IP3_EXCHANGE_RESULTS);
}

bool ip3_ctrl_send_results(struct ip3_ctrl *c, const struct ip3_results *r, ust_time_t now)
{
    char *s = ip3_results_json(r);
    size_t n = s ? strlen(s) : 0;
    if (!s || n > IP3_MAX_JSON) {
        free(s);
        fail(c, "could not build the results");
        return false;
    }
    uint8_t len[4];
    put_be32(len, (uint32_t)n);
    bool ok = queue(c, len, 4) && queue(c, s, n);
    free(s);
    if (!ok)
        return false;
    enter(c, IP3_PH_DISPLAY, now);
    queue_state(c, IP3_DISPLAY_RESULTS);
    return c->phase == IP3_PH_DISPLAY;
}

size_t ip3_ctrl_pending(const struct ip3_ctrl *c, const uint8_t **p)
{
    if (!c->out) {
        *p = NULL;
        return 0;
    }
    *p = c->out + c->out_off;
    return c->out_len - c->out_off;
}

void ip3_ctrl_sent(struct ip3_ctrl *c, size_t n)
{
    c->out_off += n;
}

/* The iperf3 control protocol, server side, for `ustack serve --iperf3`:
 * the constants (the one-byte states and the error numbers a client
 * prints), the 4-byte-length-prefixed JSON framing, the parameters a client
 * sends, the results a server returns, and the state machine of one control
 * connection. Pure code over bytes and an injected time: no sockets (the
 * server loop is serve_iperf3.c), so crafted bytes can drive it in tests.
 *
 * The protocol (esnet/iperf, src/iperf_api.c and iperf_server_api.c):
 *   client: connect, send a 37-byte cookie (36 characters and a NUL)
 *   server: PARAM_EXCHANGE          client: length + JSON parameters
 *   server: CREATE_STREAMS          client: connects each data stream to the
 *                                   same port, each sending the cookie first
 *   server: TEST_START, TEST_RUNNING  (data flows; the client times the test)
 *   client: TEST_END
 *   server: EXCHANGE_RESULTS        client: length + JSON results
 *   server: length + JSON results, DISPLAY_RESULTS
 *   client: IPERF_DONE
 * A refusal is SERVER_ERROR followed by two 32-bit big-endian numbers, the
 * iperf3 error number (i_errno) and an errno; a busy server answers a
 * second client with ACCESS_DENIED and closes. */
#ifndef UST_IPERF3_PROTO_H
#define UST_IPERF3_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/types.h"

#define IP3_DEFAULT_PORT 5201
#define IP3_COOKIE_SIZE 37            /* iperf.h COOKIE_SIZE: 36 characters + NUL */
#define IP3_MAX_JSON 65536            /* longer parameter/result messages: refused */
#define IP3_MAX_STREAMS 128           /* iperf3's MAX_STREAMS (-P) */
#define IP3_MAX_BLKSIZE (1024 * 1024) /* iperf3's MAX_BLOCKSIZE (-l) */
#define IP3_DEFAULT_BLKSIZE (128 * 1024)
#define IP3_MAX_TIME 86400            /* iperf3's MAX_TIME (-t), seconds */
#define IP3_HANDSHAKE_TIMEOUT (10 * UST_SEC) /* waiting for the client's next
                                                control message or its streams */
#define IP3_IDLE_TIMEOUT (60 * UST_SEC) /* a running test with nothing moving */
#define IP3_GRACE (40 * UST_SEC)      /* after -t + -O, as iperf3's server timer
                                         (4 s RTT x 10 state transitions) */

/* The state bytes (iperf_api.h). */
enum ip3_msg {
    IP3_TEST_START = 1,
    IP3_TEST_RUNNING = 2,
    IP3_TEST_END = 4,
    IP3_PARAM_EXCHANGE = 9,
    IP3_CREATE_STREAMS = 10,
    IP3_SERVER_TERMINATE = 11,
    IP3_CLIENT_TERMINATE = 12,
    IP3_EXCHANGE_RESULTS = 13,
    IP3_DISPLAY_RESULTS = 14,
    IP3_IPERF_START = 15,
    IP3_IPERF_DONE = 16,
    IP3_ACCESS_DENIED = -1,
    IP3_SERVER_ERROR = -2,
};

/* iperf3 error numbers (iperf_api.h i_errno) the client turns into text. */
enum ip3_err {
    IP3_IEDURATION = 5,     /* "test duration too long" */
    IP3_IENUMSTREAMS = 6,   /* "number of parallel streams too large" */
    IP3_IEBLOCKSIZE = 7,    /* "block size too large" */
    IP3_IEUNIMP = 13,       /* "an option you are trying to set is not implemented yet" */
    IP3_IERECVCOOKIE = 106, /* "unable to receive cookie at server" */
    IP3_IEMESSAGE = 110,    /* "received an unknown control message" */
    IP3_IERECVPARAMS = 114, /* "unable to receive parameters from client" */
    IP3_IERECVRESULTS = 117,/* "unable to receive results from client/server" */
};

/* Is this a cookie as iperf3 makes them: 36 printable ASCII characters
 * followed by a NUL? (Anything else is not an iperf3 client.) */
bool ip3_cookie_valid(const uint8_t cookie[IP3_COOKIE_SIZE]);

/* ---- length-prefixed JSON (iperf_api.c JSON_read / JSON_write) ---------- */
struct ip3_json_rx {
    uint8_t hdr[4];
    size_t hdr_got;
    uint32_t len;     /* the announced length, once hdr_got == 4 */
    char *buf;        /* len + 1 bytes (NUL-terminated when complete) */
    size_t got;
};
enum ip3_rx_result { IP3_RX_MORE = 0, IP3_RX_DONE = 1, IP3_RX_BAD = -1 };
/* Takes bytes of one message; *used says how many it consumed. DONE: the
 * message is complete in rx->buf (rx->len bytes + NUL); BAD: a length of 0
 * or above IP3_MAX_JSON, or no memory. */
enum ip3_rx_result ip3_json_rx_feed(struct ip3_json_rx *rx, const uint8_t *p, size_t n,
                                    size_t *used);
void ip3_json_rx_reset(struct ip3_json_rx *rx);

/* ---- the parameters a client sends (send_parameters) -------------------- */
struct ip3_params {
    bool reverse;           /* -R: the server sends */
    unsigned parallel;      /* -P: streams (1..IP3_MAX_STREAMS) */
    unsigned duration;      /* -t seconds (0: a byte or block count ends it) */
    unsigned omit;          /* -O seconds not counted at the start */
    uint64_t bytes;         /* -n (0: none) */
    uint64_t blocks;        /* -k (0: none) */
    uint32_t blksize;       /* -l: bytes per write */
    uint64_t rate;          /* -b bits/s per stream (0: unlimited) */
    bool server_output;     /* --get-server-output */
    char client_version[32];
};
/* Parses and checks the JSON parameters. Returns 0, or the iperf3 error
 * number to refuse the test with (UDP, SCTP and --bidir are IP3_IEUNIMP);
 * *why says what was wrong, for the server's log. */
int ip3_params_parse(const char *json, struct ip3_params *p, const char **why);

/* ---- the results a server sends (send_results) --------------------------- */
struct ip3_stream_result {
    int id;                 /* as the client numbers its streams: 1, 3, 4, ... */
    uint64_t bytes;         /* sent (reverse) or received */
    int retransmits;        /* segments retransmitted; -1 when not the sender */
    double seconds;         /* from the stream's start to the end of the test */
};
struct ip3_results {
    bool sender;            /* the server sent (reverse) */
    const char *congestion; /* the server's congestion control, or NULL */
    const char *server_output; /* text for --get-server-output, or NULL */
    unsigned n;
    const struct ip3_stream_result *streams;
};
/* The results JSON (malloc'd, NUL-terminated), or NULL without memory. */
char *ip3_results_json(const struct ip3_results *r);
/* Checks the client's results JSON has what iperf3's get_results needs.
 * Returns the number of streams it lists, or -1. */
int ip3_client_results_check(const char *json);
/* iperf3's stream ids: the first stream is 1, the k-th (k >= 1) is k + 2
 * (iperf_add_stream; kept by iperf3 for compatibility). */
int ip3_stream_id(unsigned k);

/* ---- the control connection, server side --------------------------------- */
enum ip3_phase {
    IP3_PH_COOKIE,   /* reading the cookie */
    IP3_PH_PARAMS,   /* PARAM_EXCHANGE sent, reading the parameters */
    IP3_PH_STREAMS,  /* CREATE_STREAMS sent, the streams connect */
    IP3_PH_RUNNING,  /* TEST_START, TEST_RUNNING sent; waiting for TEST_END */
    IP3_PH_RESULTS,  /* EXCHANGE_RESULTS sent, reading the client's results */
    IP3_PH_DISPLAY,  /* our results and DISPLAY_RESULTS sent; waiting for IPERF_DONE */
    IP3_PH_DONE,     /* IPERF_DONE received: the test is over */
    IP3_PH_FAILED,   /* aborted: send what is queued, then close */
};

/* What the server loop must do after feeding bytes. */
enum ip3_event {
    IP3_EV_NONE,
    IP3_EV_PARAMS,      /* parameters accepted, CREATE_STREAMS queued: accept streams */
    IP3_EV_TEST_END,    /* the client ended the test: stop the streams, then
                           call ip3_ctrl_test_ended */
    IP3_EV_RESULTS,     /* the client's results arrived: ip3_ctrl_send_results */
    IP3_EV_DONE,        /* IPERF_DONE: a complete test */
    IP3_EV_ABORT,       /* the test is over without results (c->why says why) */
};

struct ip3_ctrl {
    enum ip3_phase phase;
    uint8_t cookie[IP3_COOKIE_SIZE];
    size_t cookie_got;
    struct ip3_json_rx rx;
    struct ip3_params params;
    uint8_t *out;           /* bytes queued for the client */
    size_t out_len, out_off, out_cap;
    ust_time_t deadline;    /* the phase's timeout; 0: none */
    ust_time_t hard_deadline; /* running: -t + -O + IP3_GRACE after the start */
    const char *why;        /* the reason of an abort, for the log */
    int err;                /* the iperf3 error number sent, 0 if none */
};

void ip3_ctrl_init(struct ip3_ctrl *c, ust_time_t now);
void ip3_ctrl_free(struct ip3_ctrl *c);
/* Consumes bytes from the control connection, up to the first event;
 * *used says how many (call again with the rest). len 0 means the client
 * closed the connection. */
enum ip3_event ip3_ctrl_input(struct ip3_ctrl *c, const uint8_t *p, size_t len,
                              ust_time_t now, size_t *used);
/* The time limits: IP3_EV_ABORT when the phase's deadline has passed. */
enum ip3_event ip3_ctrl_tick(struct ip3_ctrl *c, ust_time_t now);
/* Something moved on a stream: the idle timeout of a running test restarts. */
void ip3_ctrl_touch(struct ip3_ctrl *c, ust_time_t now);
/* Every stream connected: queues TEST_START and TEST_RUNNING. */
void ip3_ctrl_streams_ready(struct ip3_ctrl *c, ust_time_t now);
/* The streams are stopped: queues EXCHANGE_RESULTS. */
void ip3_ctrl_test_ended(struct ip3_ctrl *c, ust_time_t now);
/* Queues our results and DISPLAY_RESULTS. Returns false without memory
 * (the test is then aborted). */
bool ip3_ctrl_send_results(struct ip3_ctrl *c, const struct ip3_results *r, ust_time_t now);
/* Queues SERVER_ERROR with the iperf3 error number `err` and errno `sys_errno`,
 * and fails the connection. */
void ip3_ctrl_refuse(struct ip3_ctrl *c, int err, int sys_errno, const char *why);
/* The bytes waiting to go to the client. */
size_t ip3_ctrl_pending(const struct ip3_ctrl *c, const uint8_t **p);
void ip3_ctrl_sent(struct ip3_ctrl *c, size_t n);

#endif

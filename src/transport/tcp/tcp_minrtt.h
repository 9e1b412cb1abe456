/* The windowed minimum RTT of a connection: the smallest RTT sample seen
 * in the last `wlen` (RFC 8985 6.2 RACK.min_RTT; the congestion
 * controller's min_rtt, cc.h). Kathleen Nichols' windowed-minimum
 * estimator, as Linux's win_minmax: three samples, the best of the whole
 * window and the best of its later quarter and half, so that when the
 * minimum ages out the next best is already known, in O(1) space and time.
 * A sample that is no larger than the current minimum, or one arriving
 * after a window without samples, starts over. */
#ifndef UST_TCP_MINRTT_H
#define UST_TCP_MINRTT_H

#include "ustack/types.h"

struct minrtt_sample {
    ust_time_t at;  /* when it was taken */
    ust_time_t rtt; /* UST_TIME_NEVER: none */
};

struct tcp_minrtt {
    struct minrtt_sample s[3]; /* best, second best, third best (later ones) */
    ust_time_t wlen;           /* the window (cfg.tcp_min_rtt_window) */
};

void tcp_minrtt_init(struct tcp_minrtt *m, ust_time_t wlen);
/* Feeds one sample taken at `now`; returns the minimum. */
ust_time_t tcp_minrtt_update(struct tcp_minrtt *m, ust_time_t now, ust_time_t rtt);
/* The minimum over the window, UST_TIME_NEVER before the first sample. */
ust_time_t tcp_minrtt_get(const struct tcp_minrtt *m);

#endif

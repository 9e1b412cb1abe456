/* Where a sender's time goes (Linux's TCP chronographs, tcpi_busy_time,
 * tcpi_rwnd_limited, tcpi_sndbuf_limited): from the moment the
 * application queues data until everything it queued is acknowledged the
 * connection is busy, and part of that time it is held by the peer's
 * receive window (data waits that the window does not admit) or by its
 * own send buffer (all of it is sent, and the application waits for room).
 * Those conditions overlap; the time goes to the one that explains most
 * (send buffer, then window, then plain busy), so the three add up to the
 * busy time. What slows a bulk sender down on a lossy path shows here:
 * a window or a buffer that a hole in the sequence space keeps full. */
#ifndef UST_TCP_CHRONO_H
#define UST_TCP_CHRONO_H

#include <stdbool.h>

#include "ustack/types.h"

enum tcp_chrono_kind {
    CHRONO_IDLE,   /* nothing queued or unacknowledged */
    CHRONO_BUSY,   /* data queued or in flight */
    CHRONO_RWND,   /* ... and the peer's window holds the next segment */
    CHRONO_SNDBUF, /* ... all sent, the application waits for buffer room */
    CHRONO_KINDS
};

struct tcp_chrono {
    enum tcp_chrono_kind kind;    /* the current condition */
    ust_time_t since;             /* when it began */
    ust_time_t spent[CHRONO_KINDS]; /* of the conditions that ended */
    bool app_waits;               /* the application's last write was cut
                                     short by a full send ring */
};

struct tcb;
/* The condition `kind` holds from now on, unless one that explains more does. */
void tcp_chrono_start(struct tcb *t, enum tcp_chrono_kind kind);
/* The condition `kind` is over: busy again if it was the current one (or
 * idle when nothing is queued or unacknowledged). */
void tcp_chrono_stop(struct tcb *t, enum tcp_chrono_kind kind);
/* After output: whether the window or the send buffer holds the sender. */
void tcp_chrono_after_output(struct tcb *t);
/* Nothing more to time: in TIME-WAIT all is acknowledged (output, which
 * would see it, no longer runs there), and a CLOSED connection (reset,
 * timed out, aborted) dropped what it held (Linux stops the busy
 * chronograph when it purges the write queue). */
void tcp_chrono_end(struct tcb *t);
/* The time spent in `kind` so far, the current period included. */
ust_time_t tcp_chrono_spent(const struct tcb *t, enum tcp_chrono_kind kind);

#endif

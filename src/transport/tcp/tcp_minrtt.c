/* Windowed minimum RTT (see tcp_minrtt.h). */
#include "tcp_minrtt.h"

static void reset(struct tcp_minrtt *m, ust_time_t now, ust_time_t rtt)
{
    struct minrtt_sample v = {.at = now, .rtt = rtt};
    m->s[0] = m->s[1] = m->s[2] = v;
}

void tcp_minrtt_init(struct tcp_minrtt *m, ust_time_t wlen)
{
    reset(m, 0, UST_TIME_NEVER);
    m->wlen = wlen;
}

/* The window moved past the best sample: the later ones move up. While
 * the best is young, the second best is refreshed once a quarter of the
 * window has gone without one and the third after half of it, so each
 * covers a later part of the window. */
static void age(struct tcp_minrtt *m, const struct minrtt_sample *v)
{
    ust_time_t dt = v->at - m->s[0].at;
    if (dt > m->wlen) {
        m->s[0] = m->s[1];
        m->s[1] = m->s[2];
        m->s[2] = *v;
        if (v->at - m->s[0].at > m->wlen) {
            m->s[0] = m->s[1];
            m->s[1] = m->s[2];
            m->s[2] = *v;
        }
    } else if (m->s[1].at == m->s[0].at && dt > m->wlen / 4) {
        m->s[2] = m->s[1] = *v;
    } else if (m->s[2].at == m->s[1].at && dt > m->wlen / 2) {
        m->s[2] = *v;
    }
}

ust_time_t tcp_minrtt_update(struct tcp_minrtt *m, ust_time_t now, ust_time_t rtt)
{
    struct minrtt_sample v = {.at = now, .rtt = rtt};
    if (rtt <= m->s[0].rtt || now - m->s[2].at > m->wlen) {
        reset(m, now, rtt); /* a new minimum, or nothing left in the window */
        return rtt;
    }
    if (rtt <= m->s[1].rtt)
        m->s[2] = m->s[1] = v;
    else if (rtt <= m->s[2].rtt)
        m->s[2] = v;
    age(m, &v);
    return m->s[0].rtt;
}

ust_time_t tcp_minrtt_get(const struct tcp_minrtt *m) { return m->s[0].rtt; }

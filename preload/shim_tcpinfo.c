/* getsockopt(IPPROTO_TCP, TCP_INFO) on a front socket: Linux's struct
 * tcp_info filled from the stack's UST_TCP_INFO. Programs read it for
 * their reports (iperf3 asks after every interval and counts a failure as
 * an error of the test); fields ustack does not track stay 0. Units as
 * Linux's: times in microseconds, cwnd, ssthresh and unacked in segments. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "shim.h"
#include "ustack/socket.h"

/* Linux's TCP_* state numbers (include/net/tcp_states.h) by ustack state. */
static uint8_t linux_state(uint8_t s)
{
    static const uint8_t map[] = {
        [UST_TCP_CLOSED] = TCP_CLOSE,         [UST_TCP_LISTEN] = TCP_LISTEN,
        [UST_TCP_SYN_SENT] = TCP_SYN_SENT,    [UST_TCP_SYN_RECEIVED] = TCP_SYN_RECV,
        [UST_TCP_ESTABLISHED] = TCP_ESTABLISHED, [UST_TCP_FIN_WAIT_1] = TCP_FIN_WAIT1,
        [UST_TCP_FIN_WAIT_2] = TCP_FIN_WAIT2, [UST_TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
        [UST_TCP_CLOSING] = TCP_CLOSING,      [UST_TCP_LAST_ACK] = TCP_LAST_ACK,
        [UST_TCP_TIME_WAIT] = TCP_TIME_WAIT,
    };
    return s < sizeof(map) ? map[s] : TCP_CLOSE;
}

static uint32_t segments(uint64_t bytes, uint32_t mss)
{
    uint64_t n = mss ? (bytes + mss - 1) / mss : 0;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static void linux_info(const struct ust_tcp_info *u, struct tcp_info *t)
{
    memset(t, 0, sizeof(*t));
    t->tcpi_state = linux_state(u->state);
    t->tcpi_retransmits = (uint8_t)(u->retransmits > 255 ? 255 : u->retransmits);
    t->tcpi_backoff = u->backoff;
    t->tcpi_snd_wscale = u->snd_wscale & 0xf;
    t->tcpi_rcv_wscale = u->rcv_wscale & 0xf;
    t->tcpi_rto = u->rto_us;
    t->tcpi_snd_mss = u->snd_mss;
    t->tcpi_rcv_mss = u->rcv_mss;
    t->tcpi_advmss = u->rcv_mss;
    t->tcpi_unacked = segments(u->unacked, u->snd_mss);
    t->tcpi_rtt = u->rtt_us;
    t->tcpi_rttvar = u->rttvar_us;
    t->tcpi_snd_ssthresh = segments(u->ssthresh, u->snd_mss);
    t->tcpi_snd_cwnd = segments(u->cwnd, u->snd_mss);
    t->tcpi_total_retrans = u->total_retrans;
}

int shim_tcp_info(struct ust_front *f, int fd, void *val, socklen_t *len)
{
    struct ust_tcp_info u;
    socklen_t ulen = sizeof(u);
    shim_enter();
    int r = ust_front_getsockopt(f, fd, IPPROTO_TCP, UST_TCP_INFO, &u, &ulen);
    shim_leave();
    if (r < 0)
        return -1;
    if (!len || !val) {
        errno = EFAULT;
        return -1;
    }
    struct tcp_info t;
    linux_info(&u, &t);
    /* as Linux: a shorter buffer gets the first *len bytes */
    size_t n = *len < sizeof(t) ? *len : sizeof(t);
    memcpy(val, &t, n);
    *len = (socklen_t)n;
    return 0;
}

/* Limits on the replies a blind attacker can provoke (RFC 5961 10):
 *  - ACKs answering unacceptable segments (RFC 9293 3.10.7.4 first check,
 *    PAWS, an ACK of unsent data) and challenge ACKs (RFC 5961 3-5): at
 *    most one per cfg.tcp_invalid_ratelimit per connection (Linux
 *    tcp_oow_rate_limited, one timestamp for both kinds);
 *  - challenge ACKs also within a stack-wide budget per second, randomized
 *    each second (RFC 5961 7; Linux after CVE-2016-5696: a fixed budget
 *    lets an off-path attacker count the challenge ACKs another
 *    connection drew and so find its sequence numbers);
 *  - RSTs for segments that match no connection (RFC 9293 3.10.7.1): a
 *    stack-wide token bucket, as FreeBSD's icmplim limits them.
 * Each suppression has its counter. */
#include "core/rand.h"
#include "core/ratelimit.h"
#include "core/services.h"
#include "core/trace.h"
#include "dev/dev_host.h"
#include "tcp.h"
#include "transport/transport.h"

/* Per connection: true when an ACK went less than tcp_invalid_ratelimit
 * ago (then *skipped counts this one); else the time is taken. */
static bool oow_rate_limited(struct tcb *t, uint64_t *skipped)
{
    struct ust_stack *st = t->st;
    ust_time_t now = stack_now(st);
    ust_time_t gap = ust_stack_config(st)->tcp_invalid_ratelimit;
    if (gap && t->oow.ack_sent && now - t->oow.ack_at < gap) {
        (*skipped)++;
        return true;
    }
    t->oow.ack_sent = true;
    t->oow.ack_at = now;
    return false;
}

void tcp_oow_ack(struct tcb *t, uint32_t seqlen, uint8_t flags, uint64_t *skipped)
{
    /* As Linux: a segment with data (or FIN) and no SYN is not limited,
     * its answer is no bigger and carries what the peer needs (a lost
     * ACK, a D-SACK, the ACK of a retransmitted FIN in TIME-WAIT); pure
     * ACKs and SYNs are what loops and floods are made of. */
    if ((seqlen == 0 || (flags & TCP_SYN)) && oow_rate_limited(t, skipped))
        return;
    t->flags |= TF_ACK_NOW;
}

/* RFC 5961 7: the stack-wide budget of this second. A new second draws a
 * new budget in [ceil(limit/2), ceil(limit/2) + limit - 1] from the
 * stack's PRNG (never libc's), as Linux tcp_send_challenge_ack does. */
static bool challenge_budget_take(struct ust_stack *st)
{
    ust_time_t now = stack_now(st);
    struct tcp_state *ts = stack_tcp(st);
    unsigned limit = ust_stack_config(st)->tcp_challenge_ack_limit;
    if (!ts->chal_started || now - ts->chal_window_start >= UST_SEC) {
        ts->chal_started = true;
        ts->chal_window_start = now;
        ts->chal_budget = limit ? (limit + 1) / 2 + (unsigned)rng_below(stack_rng(st), limit) : 0;
    }
    if (ts->chal_budget == 0)
        return false;
    ts->chal_budget--;
    return true;
}

void tcp_challenge_ack(struct tcb *t)
{
    struct ust_stack *st = t->st;
    struct ust_stats *stats = stack_stats(st);
    if (oow_rate_limited(t, &stats->tcp.AckSkippedChallenge))
        return;
    if (!challenge_budget_take(st)) {
        stats->tcp.ChallengeAckLimited++;
        return;
    }
    stats->tcp.ChallengeAcks++;
    t->flags |= TF_ACK_NOW;
}

bool tcp_rst_allowed(struct ust_stack *st)
{
    const struct ust_config *cfg = ust_stack_config(st);
    if (rate_bucket_take(&stack_tcp(st)->rst_tat, cfg->tcp_rst_rate, cfg->tcp_rst_burst, stack_now(st)))
        return true;
    stack_stats(st)->tcp.RstRateLimited++;
    TRACE(st, "tcp", "rate limit: RST not sent");
    return false;
}

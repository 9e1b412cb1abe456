/* The send map: one record per segment in [SND.UNA, SND.MAX) with the
 * time it was last sent (RFC 8985 4: "for each data segment sent, the
 * sender MUST store its most recent transmission time") and what is known
 * about it (SACKed, lost, retransmitted). The bytes stay in the send ring.
 *
 * Records are kept sorted and contiguous, so a record is found by a scan
 * and a transmission or SACK block that starts or ends inside a record
 * splits it. Memory is bounded: the array grows by doubling up to the
 * map's limit (sendmap_set_limit, from the send buffer); past that, new
 * data joins the last record (its time moves forward, so RACK calls it
 * lost later, never sooner) and a split that does not fit is skipped (the
 * record is treated as a whole); m->full counts both. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"
#include "wire/seq.h"

#define SENDMAP_INITIAL 16

/* A record counts in pipe (RFC 6675 2: in flight) unless SACKed or lost. */
static uint32_t pipe_part(const struct rack_seg *g)
{
    return (g->flags & (RS_SACKED | RS_LOST)) ? 0 : g->end - g->start;
}

/* What record g adds to the kept sums (sign 1) or takes from them (-1). */
static void account(struct sendmap *m, const struct rack_seg *g, int sign)
{
    uint32_t bytes = pipe_part(g);
    unsigned sacked = (g->flags & RS_SACKED) ? 1 : 0;
    unsigned marked = (g->flags & (RS_SACKED | RS_LOST)) ? 1 : 0;
    if (sign > 0) {
        m->pipe += bytes;
        m->n_sacked += sacked;
        m->n_marked += marked;
    } else {
        m->pipe -= bytes;
        m->n_sacked -= sacked;
        m->n_marked -= marked;
    }
}

void sendmap_set_flags(struct sendmap *m, struct rack_seg *g, uint8_t flags)
{
    account(m, g, -1);
    g->flags = flags;
    account(m, g, 1);
}

void sendmap_free(struct sendmap *m)
{
    free(m->mem);
    memset(m, 0, sizeof(*m));
}

void sendmap_set_limit(struct sendmap *m, uint64_t records)
{
    if (records < SENDMAP_MIN)
        records = SENDMAP_MIN;
    m->limit = records > SENDMAP_MAX ? SENDMAP_MAX : (unsigned)records;
}

static unsigned slots_for(unsigned cap) { return cap + cap / SENDMAP_SLACK_DIV; }

/* The records move back to the start of the allocation. A cumulative ACK
 * only moves s forward (sendmap_ack), so this runs once per cap /
 * SENDMAP_SLACK_DIV records acknowledged at most: a few record moves per
 * segment, where moving the whole window on every ACK (thousands of
 * records) cost about 5 % of a bulk sender's CPU. */
static void compact(struct sendmap *m)
{
    if (m->s != m->mem)
        memmove(m->mem, m->s, m->n * sizeof(*m->s));
    m->s = m->mem;
}

/* Room for one more record, after s[n). */
static bool sendmap_room(struct sendmap *m)
{
    if (m->n < m->cap) {
        if (m->s + m->n == m->mem + slots_for(m->cap))
            compact(m);
        return true;
    }
    unsigned limit = m->limit ? m->limit : SENDMAP_MIN;
    if (m->cap >= limit) {
        m->full++;
        return false;
    }
    unsigned cap = m->cap ? 2 * m->cap : SENDMAP_INITIAL;
    if (cap > limit)
        cap = limit;
    compact(m);
    struct rack_seg *s = realloc(m->mem, slots_for(cap) * sizeof(*s));
    if (!s)
        return false;
    m->s = m->mem = s;
    m->cap = cap;
    return true;
}

unsigned sendmap_index(const struct sendmap *m, uint32_t seq)
{
    /* the last record: what output just appended (every segment sent
     * asks for it), found without the search's cache misses */
    if (m->n && seq_le(m->s[m->n - 1].start, seq) && seq_lt(seq, m->s[m->n - 1].end))
        return m->n - 1;
    unsigned lo = 0, hi = m->n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (seq_le(m->s[mid].end, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sendmap_split(struct sendmap *m, uint32_t seq)
{
    unsigned i = sendmap_index(m, seq);
    if (i == m->n || !seq_lt(m->s[i].start, seq))
        return true; /* beyond the map, or a boundary already (or before it) */
    if (!sendmap_room(m))
        return false;
    account(m, &m->s[i], -1);
    memmove(&m->s[i + 1], &m->s[i], (m->n - i) * sizeof(*m->s));
    m->n++;
    m->s[i].end = seq;
    m->s[i + 1].start = seq;
    account(m, &m->s[i], 1);
    account(m, &m->s[i + 1], 1);
    return true;
}

/* New data [seq, end) goes after the last record. */
static void sendmap_append(struct sendmap *m, uint32_t seq, uint32_t end, ust_time_t now,
                           uint32_t no)
{
    if (m->n && seq_lt(m->s[m->n - 1].end, seq))
        seq = m->s[m->n - 1].end; /* keep the map contiguous */
    if (!sendmap_room(m)) {
        /* full: the last record grows and counts as sent now; what was
         * known about it is given up (it is in flight again) */
        struct rack_seg *r = &m->s[m->n - 1];
        account(m, r, -1);
        r->end = end;
        r->prev_ts = r->xmit_ts;
        r->xmit_ts = now;
        r->xmit_no = no;
        r->flags &= (uint8_t)~(RS_SACKED | RS_LOST);
        account(m, r, 1);
        return;
    }
    m->s[m->n++] = (struct rack_seg){.start = seq, .end = end, .xmit_ts = now, .xmit_no = no};
    account(m, &m->s[m->n - 1], 1);
}

void sendmap_sent(struct sendmap *m, uint32_t seq, uint32_t len, ust_time_t now)
{
    uint32_t end = seq + len, no = m->next_no++;
    if (len == 0)
        return;
    uint32_t top = m->n ? m->s[m->n - 1].end : seq;
    if (m->n && seq_lt(seq, top)) {
        /* a retransmission (RFC 8985 6.1): new time, no longer lost */
        sendmap_split(m, seq);
        sendmap_split(m, seq_min(end, top));
        for (unsigned i = sendmap_index(m, seq); i < m->n; i++) {
            struct rack_seg *r = &m->s[i];
            if (!seq_lt(r->start, end))
                break;
            r->prev_ts = r->xmit_ts;
            r->xmit_ts = now;
            r->xmit_no = no;
            sendmap_set_flags(m, r, (uint8_t)((r->flags & ~RS_LOST) | RS_RETRANS));
        }
    }
    if (!m->n || seq_gt(end, top))
        sendmap_append(m, m->n && seq_lt(seq, top) ? top : seq, end, now, no);
}

void sendmap_ack(struct sendmap *m, uint32_t ack)
{
    unsigned drop = 0;
    while (drop < m->n && seq_le(m->s[drop].end, ack))
        account(m, &m->s[drop++], -1);
    if (drop) { /* the records stay where they are (compact, later) */
        m->n -= drop;
        m->s = m->n ? m->s + drop : m->mem;
    }
    if (m->n && seq_lt(m->s[0].start, ack)) { /* a partly acknowledged segment */
        account(m, &m->s[0], -1);
        m->s[0].start = ack;
        account(m, &m->s[0], 1);
    }
}

uint32_t sendmap_pipe(const struct sendmap *m)
{
#ifndef NDEBUG /* the test builds check the kept sum against a count */
    uint32_t n = 0;
    for (unsigned i = 0; i < m->n; i++)
        n += pipe_part(&m->s[i]);
    assert(n == m->pipe);
#endif
    return m->pipe;
}

/* The records with any of flag's bits: kept for the two questions asked
 * per ACK (anything SACKed? anything SACKed or lost?), else counted. */
static unsigned count_scan(const struct sendmap *m, uint8_t flag)
{
    unsigned n = 0;
    for (unsigned i = 0; i < m->n; i++)
        if (m->s[i].flags & flag)
            n++;
    return n;
}

unsigned sendmap_count(const struct sendmap *m, uint8_t flag)
{
    unsigned kept = flag == RS_SACKED ? m->n_sacked
                    : flag == (RS_SACKED | RS_LOST) ? m->n_marked
                                                     : UINT32_MAX;
    if (kept == UINT32_MAX)
        return count_scan(m, flag);
    assert(kept == count_scan(m, flag)); /* the test builds check the kept count */
    return kept;
}

/* Called on every ACK (lost_unsent, rate sampling): the kept counts say
 * in O(1) when nothing is marked lost and not SACKed, the common case,
 * instead of a scan of a window of thousands of records. */
struct rack_seg *sendmap_first_lost(struct sendmap *m)
{
    if (m->n_marked == m->n_sacked)
        return NULL;
    for (unsigned i = 0; i < m->n; i++)
        if ((m->s[i].flags & (RS_LOST | RS_SACKED)) == RS_LOST)
            return &m->s[i];
    return NULL;
}

void sendmap_clear_flag(struct sendmap *m, uint8_t flag)
{
    for (unsigned i = 0; i < m->n; i++)
        sendmap_set_flags(m, &m->s[i], (uint8_t)(m->s[i].flags & ~flag));
}

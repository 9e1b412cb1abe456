/* Multicast source filters merged per interface, for both families (RFC
 * 3376 3.2 for IGMPv3, RFC 3810 4.2 for MLDv2, the same rules): each
 * socket's filter (INCLUDE or EXCLUDE a source list, RFC 3678) is counted
 * on the group's source table; the interface state is EXCLUDE if any
 * socket excludes, with the sources every EXCLUDE socket excludes and no
 * INCLUDE socket includes, else INCLUDE the union of the included
 * sources. A change is announced by what changed (RFC 3376 5.1, RFC 3810
 * 6.1): the filter mode (TO_IN / TO_EX records) or the reception of
 * single sources (ALLOW / BLOCK), each [Robustness Variable] times.
 * Addresses are bytes: 4 (IPv4, network order) or 16 (IPv6). */
#ifndef UST_CORE_MSF_H
#define UST_CORE_MSF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSF_ADDR_MAX 16

/* Record types, the same numbers in RFC 3376 4.2.12 and RFC 3810 5.2.12. */
#define MSF_MODE_IS_INCLUDE 1
#define MSF_MODE_IS_EXCLUDE 2
#define MSF_CHANGE_TO_INCLUDE 3
#define MSF_CHANGE_TO_EXCLUDE 4
#define MSF_ALLOW_NEW_SOURCES 5
#define MSF_BLOCK_OLD_SOURCES 6

/* One source the filters name, and how many INCLUDE / EXCLUDE sockets
 * list it; a pending ALLOW or BLOCK record is kept after none does. */
struct msf_src {
    uint8_t addr[MSF_ADDR_MAX]; /* alen bytes used, the rest 0 */
    unsigned in_count, ex_count;
    uint8_t rt;             /* source-list-change reports still to carry it */
    bool rt_allow;          /* ... in ALLOW_NEW_SOURCES (else BLOCK_OLD_SOURCES) */
    bool was_allowed;       /* scratch: before the change */
    bool queried;           /* named by a pending source-specific query */
};

/* A group's merged state on one interface. */
struct msf_table {
    unsigned refs;          /* socket memberships; 0: leaving */
    unsigned nex;           /* ... of them in EXCLUDE mode */
    struct msf_src *src;
    unsigned nsrc, srccap;
    uint8_t retrans;        /* filter-mode-change reports still to send */
    uint8_t change;         /* their record: MSF_CHANGE_TO_EXCLUDE / _INCLUDE */
    bool q_sources;         /* the pending query answer is source-specific */
};

/* One socket's filter: INCLUDE or EXCLUDE n addresses of alen bytes. */
struct msf_filter {
    bool exclude;
    unsigned n;
    size_t alen;
    const uint8_t *src;     /* n * alen bytes */
};

/* Is s in the interface state's source list (received in INCLUDE mode,
 * blocked in EXCLUDE mode)? */
bool msf_in_list(const struct msf_table *t, const struct msf_src *s);
/* Would the merged filter pass a datagram from a? */
bool msf_source_allowed(const struct msf_table *t, const uint8_t *a, size_t alen);
/* Entries for f's sources, so that msf_update cannot fail. 0; -1: no
 * memory; -2: the table would hold more than max sources (nothing added
 * either way). */
int msf_reserve(struct msf_table *t, const struct msf_filter *f, unsigned max);
/* A socket's filter goes from old to new (NULL: not a member): the
 * counts change and what must be reported is scheduled (retrans/change
 * for a mode change, rt of each source whose reception changed),
 * `robustness` times. Entries must have been reserved for new. */
void msf_update(struct msf_table *t, const struct msf_filter *old, const struct msf_filter *new,
                uint8_t robustness);
/* Drops entries no filter names and no record or query waits for. */
void msf_gc(struct msf_table *t);
/* Any state-change record still to send? */
bool msf_pending(const struct msf_table *t);
/* One round of state-change records was sent: one repeat fewer. */
void msf_sent_pending(struct msf_table *t);
/* No state-change record to send any more (older-version mode). */
void msf_drop_pending(struct msf_table *t);
/* A source-specific query names q[0..n) (alen bytes each): marks those
 * the table names; false when the answer must be about the whole group
 * (EXCLUDE mode: sources outside the filter would need remembering). */
bool msf_mark_queried(struct msf_table *t, const uint8_t *q, unsigned n, size_t alen);
void msf_clear_queried(struct msf_table *t);
/* The addresses of the sources for which want(t, s) holds, alen bytes
 * each, into a fresh array (NULL and *n = 0 when none or no memory). */
uint8_t *msf_collect(const struct msf_table *t, size_t alen,
                     bool (*want)(const struct msf_table *, const struct msf_src *), size_t *n);
bool msf_want_allow(const struct msf_table *t, const struct msf_src *s);
bool msf_want_block(const struct msf_table *t, const struct msf_src *s);
bool msf_want_queried(const struct msf_table *t, const struct msf_src *s);
void msf_free(struct msf_table *t);

#endif

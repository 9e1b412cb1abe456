/* IGMP as a host (RFC 3376, with the IGMPv2/v1 compatibility of 7 and
 * RFC 2236 / RFC 1112): per interface, the groups some socket joined, the
 * reports that announce them and the answers to queries. Each socket's
 * source filter (mode + source list, RFC 3376 3.1) is merged per
 * interface (3.2) by core/msf.c, as MLDv2's (igmp_filter.c). */
#ifndef UST_NET_IGMP_H
#define UST_NET_IGMP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/msf.h"
#include "core/timer.h"
#include "ustack/config.h"
#include "ustack/types.h"

struct ust_stack;

/* RFC 3376 8.2, 8.3: until a v3 Query says otherwise. */
#define IGMP_DEFAULT_QI (125 * UST_SEC)
#define IGMP_DEFAULT_QRI (10 * UST_SEC)

struct igmp_group {
    struct igmp_group *next;
    ust_ip4_t addr;
    int ifindex;
    struct ust_timer timer; /* the answer to a query about this group (5.2; v1/v2: 2236 3) */
    struct msf_table f;     /* f.refs memberships (0: leaving, announced until
                               the records are sent), merged filter (3.2),
                               pending records (5.1) */
};

struct igmp_iface {
    struct igmp_group *groups;
    unsigned ngroups;            /* joined and leaving */
    int index;
    struct ust_timer general;    /* v3 interface timer: answer to a General Query */
    struct ust_timer retrans;    /* next unsolicited (state-change) report */
    struct ust_timer v1_present; /* Older Version Querier Present timers (7.2.1) */
    struct ust_timer v2_present;
    uint8_t qrv;                 /* Robustness Variable from the last v3 Query (0: config) */
    ust_time_t qi;               /* Query Interval from its QQIC (0: 125 s) */
};

struct igmp_state {
    struct igmp_iface ifs[UST_MAX_IFACES];
};

/* IP protocol 2 (ust_stack_new); sets up the timers. */
int igmp_register(struct ust_stack *st);
/* Frees every group (the stack is going away: nothing is sent). */
void igmp_destroy(struct ust_stack *st);
/* One more membership of group on the interface. The first sends the
 * unsolicited reports (RFC 3376 5.1) and opens the receive filter.
 * UST_ERR_INVAL: not a multicast group or no such interface; UST_ERR_NOMEM:
 * cfg.igmp_max_memberships groups already (JoinsRefused). 224.0.0.1 is
 * always joined (RFC 3376 3: never reported). */
int igmp_join(struct ust_stack *st, int ifindex, ust_ip4_t group);
/* One membership fewer; the last closes the filter and announces the
 * leave (v3: TO_IN({}), v2: Leave Group, v1: nothing). */
void igmp_leave(struct ust_stack *st, int ifindex, ust_ip4_t group);

/* A socket's filter on group changes from `old` to `new` (NULL: not a
 * member; addresses of 4 bytes, network order): the interface state is merged again (RFC 3376 3.2) and its
 * change announced (5.1: TO_IN/TO_EX on a mode change, else ALLOW/BLOCK
 * of the sources whose reception changed). igmp_join/igmp_leave are this
 * with EXCLUDE({}). Errors as igmp_join (a join only). */
int igmp_filter_change(struct ust_stack *st, int ifindex, ust_ip4_t group,
                       const struct msf_filter *old, const struct msf_filter *new);
/* Does the interface belong to the group (delivery, loopback copies)? */
bool igmp_is_member(const struct ust_stack *st, int ifindex, ust_ip4_t group);
/* The interface's Host Compatibility Mode: 3, 2 or 1 (RFC 3376 7.2.1). */
int igmp_host_version(const struct ust_stack *st, int ifindex);

/* Internal to igmp*.c. Input (igmp_input.c): */
struct ip_proto_ops;
extern const struct ip_proto_ops igmp_proto_ops;
/* A v1/v2 querier was heard on an interface in v3 mode: the v3 work
 * pending there is dropped (as Linux: nothing v3 is sent any more). */
void igmp_enter_older_mode(struct ust_stack *st, struct igmp_iface *ifs);
/* igmp.c, for igmp_filter.c: */
struct igmp_group *igmp_new_group(struct ust_stack *st, struct igmp_iface *ifs, ust_ip4_t group);
void igmp_free_group(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g);
/* The first state-change report of g now, the rest later (5.1). */
void igmp_state_change(struct ust_stack *st, struct igmp_iface *ifs, struct igmp_group *g);
struct igmp_group *igmp_find_group(const struct igmp_iface *ifs, ust_ip4_t group);
unsigned igmp_robustness(const struct ust_stack *st, const struct igmp_iface *ifs);
/* Sending (igmp_send.c): */
struct igmp_iface *igmp_iface_of(struct ust_stack *st, int ifindex);
void igmp_send_simple(struct ust_stack *st, struct igmp_iface *ifs, uint8_t type,
                      ust_ip4_t group);
/* What igmp_send_v3 reports of each group it picks (RFC 3376 5.1, 5.2). */
enum igmp_report_kind {
    IGMP_REP_PENDING, /* its state-change records, one retransmission counted */
    IGMP_REP_CURRENT, /* IS_IN / IS_EX of its current state */
    IGMP_REP_QUERIED, /* IS_IN of the queried sources it receives */
};
/* A v3 Report of every group with `pick` true, split to the MTU. */
void igmp_send_v3(struct ust_stack *st, struct igmp_iface *ifs,
                  bool (*pick)(const struct igmp_group *g, const void *ctx), const void *ctx,
                  enum igmp_report_kind kind);

#endif

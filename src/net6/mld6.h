/* MLD as a host (RFC 3810, with the MLDv1 compatibility of 8 and RFC
 * 2710): per interface, the groups it listens to (the solicited-node group
 * of each address, RFC 4291 2.8 / RFC 4861 7.2.1), the reports that
 * announce them and the answers to queries. Each socket's source filter
 * (RFC 3810 4.1) is merged per interface (4.2) by core/msf.c, as IGMPv3's
 * (mld6_filter.c); any-source joins are EXCLUDE({}). */
#ifndef UST_NET6_MLD6_H
#define UST_NET6_MLD6_H

#include <stdbool.h>
#include <stdint.h>

#include "core/msf.h"
#include "core/timer.h"
#include "ustack/config.h"
#include "ustack/types.h"
#include "wire/ipv6.h"

struct ust_stack;
struct ip6_rx;

/* RFC 3810 9: the protocol defaults, until a v2 Query says otherwise. */
#define MLD6_ROBUSTNESS 2                    /* 9.1 */
#define MLD6_DEFAULT_QI (125 * UST_SEC)      /* 9.2 */
#define MLD6_DEFAULT_QRI (10 * UST_SEC)      /* 9.3 */
#define MLD6_UNSOLICITED_RI (1 * UST_SEC)    /* 9.11 */
/* Each address brings at most one solicited-node group; the room as many
 * again holds groups still announcing their leave; sockets' groups
 * (IPV6_JOIN_GROUP) have MLD6_SOCKET_GROUPS more. A join beyond: ENOMEM,
 * counted in JoinsRefused. */
#define MLD6_SOCKET_GROUPS 32
#define MLD6_MAX_GROUPS (2 * UST_MAX_ADDRS6 + MLD6_SOCKET_GROUPS)

struct mld6_group {
    bool used;
    struct ipv6_addr addr;
    int ifindex;
    bool quiet;             /* ff02::1, scope 0/1: a member, never reported (6) */
    struct ust_timer timer; /* the answer to a query about this group (6.2, 6.3) */
    struct msf_table f;     /* f.refs joins (0: leaving, announced until the
                               records are sent), merged filter, pending records */
};

struct mld6_iface {
    struct mld6_group groups[MLD6_MAX_GROUPS];
    int index;
    struct ust_timer general;    /* the answer to a General Query (6.2 rule 2) */
    struct ust_timer retrans;    /* next unsolicited report (6.1) */
    struct ust_timer v1_present; /* Older Version Querier Present (8.2.1) */
    uint8_t qrv;                 /* Robustness from the last v2 Query (0: default) */
    ust_time_t qi;               /* Query Interval from its QQIC (0: 125 s) */
};

struct mld6_state {
    struct mld6_iface ifs[UST_MAX_IFACES];
};

/* Sets up the timers (icmp6_register). */
void mld6_init(struct ust_stack *st);
/* One more listener of group on the interface: the first opens the link
 * filter and sends the unsolicited reports (RFC 3810 6.1). ff02::1 and
 * groups of scope 0/1 are joined silently (RFC 3810 6). UST_ERR_INVAL: not
 * multicast or no such interface; UST_ERR_NOMEM: the table is full. */
int mld6_join(struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
/* One fewer; the last closes the filter and announces the leave (v2:
 * TO_IN({}) Robustness times; v1: a Done to ff02::2, RFC 2710 4). */
void mld6_leave(struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
/* A socket's filter on group goes from old to new (NULL: not a member;
 * addresses of 16 bytes): the interface state is merged again (RFC 3810
 * 4.2) and its change announced (6.1: TO_IN/TO_EX on a mode change, else
 * ALLOW/BLOCK of the sources whose reception changed). mld6_join and
 * mld6_leave are this with EXCLUDE({}). Errors as mld6_join (a join only),
 * and UST_ERR_NOBUFS: the group's table would name more than
 * cfg.mld_max_group_sources sources (SourcesRefused). */
int mld6_filter_change(struct ust_stack *st, int ifindex, const struct ipv6_addr *group,
                       const struct msf_filter *old, const struct msf_filter *new);
/* Frees the groups' source tables (the stack is going away). */
void mld6_destroy(struct ust_stack *st);
/* Does the interface listen to group (a join not yet left)? */
bool mld6_is_member(const struct ust_stack *st, int ifindex, const struct ipv6_addr *group);
/* The interface's link-local address became valid: the groups reported
 * from :: until now are reported again from it (RFC 3810 5.2.13). */
void mld6_link_local_valid(struct ust_stack *st, int ifindex);
/* 2 or 1: the interface's compatibility mode (RFC 3810 8.2.1). */
int mld6_host_version(const struct ust_stack *st, int ifindex);
/* ICMPv6 types 130, 131, 132, 143 (icmp6.c). */
void mld6_input(struct ust_stack *st, const struct ip6_rx *rx, uint8_t type);

/* Internal to mld6*.c. */
struct mld6_iface *mld6_iface_of(struct ust_stack *st, int ifindex);
struct mld6_group *mld6_find_group(struct mld6_iface *ifs, const struct ipv6_addr *group);
unsigned mld6_robustness(const struct mld6_iface *ifs);
struct mld6_group *mld6_new_group(struct ust_stack *st, struct mld6_iface *ifs,
                                  const struct ipv6_addr *group);
void mld6_free_group(struct ust_stack *st, struct mld6_group *g);
/* The first state-change report of g now, the rest later (6.1). */
void mld6_state_change(struct ust_stack *st, struct mld6_iface *ifs, struct mld6_group *g);
/* An MLDv1 Report or Done about g (mld6_send.c). */
void mld6_send_v1(struct ust_stack *st, struct mld6_iface *ifs, uint8_t type,
                  const struct ipv6_addr *group);
/* What mld6_send_v2 reports of each group it picks (RFC 3810 6.1, 6.3). */
enum mld6_report_kind {
    MLD6_REP_PENDING, /* its state-change records, one retransmission counted */
    MLD6_REP_CURRENT, /* IS_IN / IS_EX of its current state */
    MLD6_REP_QUERIED, /* IS_IN of the queried sources it receives */
};
/* MLDv2 Reports to ff02::16 of every group with `pick` true, split to the
 * MTU (5.2.15). */
void mld6_send_v2(struct ust_stack *st, struct mld6_iface *ifs,
                  bool (*pick)(const struct mld6_group *g, const void *ctx), const void *ctx,
                  enum mld6_report_kind kind);
/* A v1 Query was heard: v2 work pending is dropped (8.2.1). */
void mld6_enter_v1_mode(struct ust_stack *st, struct mld6_iface *ifs);

#endif

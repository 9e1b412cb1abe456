/* Multicast Listener Discovery: MLDv2 (RFC 3810 5) Queries and Reports,
 * MLDv1 (RFC 2710 3) Reports and Dones for compatibility mode (MLD-7).
 * Sent with Hop Limit 1 behind ipv6_hbh_router_alert_emit() (MLD-1). */
#ifndef UST_WIRE_MLD_H
#define UST_WIRE_MLD_H

#include "icmpv6.h"

#define MLD1_LEN 24          /* MLDv1 message; an MLDv2 Query of 24 bytes is v1 */
#define MLD2_QUERY_MIN 28    /* RFC 3810 8.1: >= 28 is an MLDv2 Query */
#define MLD2_REPORT_HDR 8
#define MLD2_RECORD_HDR 20
#define MLD_HOP_LIMIT 1

/* Multicast Address Record types (RFC 3810 5.2.12). */
#define MLD2_MODE_IS_INCLUDE 1
#define MLD2_MODE_IS_EXCLUDE 2
#define MLD2_CHANGE_TO_INCLUDE 3
#define MLD2_CHANGE_TO_EXCLUDE 4
#define MLD2_ALLOW_NEW_SOURCES 5
#define MLD2_BLOCK_OLD_SOURCES 6

struct mld_query {
    bool v2;                /* false: an MLDv1 Query (24 bytes) */
    uint32_t max_resp_ms;   /* decoded Maximum Response Code/Delay (RFC 3810 5.1.3) */
    struct ipv6_addr group; /* :: for a General Query */
    /* v2 only */
    bool s_flag;            /* suppress router-side processing */
    uint8_t qrv;            /* Querier's Robustness Variable */
    uint32_t qqi_s;         /* decoded QQIC (5.1.9), seconds */
    uint16_t nsrc;
    const uint8_t *sources; /* nsrc * 16 bytes inside the message */
};

/* msg[0..len) is an ICMPv6 type 130 whose checksum the caller verified.
 * 24 bytes: v1; >= 28 with room for every source: v2; anything else
 * (25-27 bytes, sources past the end) WIRE_BAD_LEN / WIRE_TRUNCATED.
 * The IPv6-level checks (link-local source, Hop Limit 1, Router Alert:
 * MLD-2) are the caller's, as ipv6_ext_next/ipv6_opt_next report them. */
int mld_query_parse(const uint8_t *msg, size_t len, struct mld_query *q);
/* RFC 3810 5.1.3 and 5.1.9: exponential codes. */
uint32_t mld_decode_mrc(uint16_t code);
uint32_t mld_decode_qqic(uint8_t code);

/* One Multicast Address Record. */
struct mld2_record {
    uint8_t type;
    uint8_t aux_words;      /* Aux Data Len (32-bit words; 0 when we send) */
    uint16_t nsrc;
    struct ipv6_addr group;
    const uint8_t *sources; /* parse: nsrc * 16 bytes inside the message;
                               emit: nsrc addresses to copy */
};
/* An MLDv2 Report (type 143) of n records with checksum: the message
 * length, or WIRE_NOSPACE. */
int mld2_report_emit(const struct mld2_record *recs, size_t n, const struct ipv6_addr *src,
                     const struct ipv6_addr *dst, uint8_t *msg, size_t cap);

/* Reading a Report's records, bounds checked (RFC 3810 5.2):
 *     struct mld2_rec_iter it; struct mld2_record r;
 *     if (mld2_report_iter_init(&it, msg, len) == 0)
 *         while (mld2_rec_next(&it, &r)) ...
 *     if (it.err) ... */
struct mld2_rec_iter {
    const uint8_t *msg;
    size_t len, off;
    uint16_t left;          /* records not read yet */
    int err;                /* WIRE_TRUNCATED: a record past the end */
};
int mld2_report_iter_init(struct mld2_rec_iter *it, const uint8_t *msg, size_t len);
bool mld2_rec_next(struct mld2_rec_iter *it, struct mld2_record *r);
/* Source #i of a record read by mld2_rec_next. */
void mld2_record_source(const struct mld2_record *r, uint16_t i, struct ipv6_addr *a);

/* MLDv1 Report (131) or Done (132) for group, with checksum: 24 or
 * WIRE_NOSPACE. */
int mld1_emit(uint8_t type, const struct ipv6_addr *group, const struct ipv6_addr *src,
              const struct ipv6_addr *dst, uint8_t *msg, size_t cap);

#endif

/* IGMP messages (RFC 3376 4, RFC 2236 2, RFC 1112 App. I): Membership
 * Queries of the three versions, IGMPv3 Reports with their group records,
 * IGMPv2/v1 Reports and the v2 Leave Group. Pure parse/emit: the IP-level
 * checks (Router Alert, destination) are the caller's (net/igmp.c). */
#ifndef UST_WIRE_IGMP_H
#define UST_WIRE_IGMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/types.h"
#include "wire.h"

#define IPV4_PROTO_IGMP 2

#define IGMP_QUERY 0x11
#define IGMP_V1_REPORT 0x12
#define IGMP_V2_REPORT 0x16
#define IGMP_V2_LEAVE 0x17
#define IGMP_V3_REPORT 0x22

#define IGMP_MIN_LEN 8          /* v1/v2 messages, and v1/v2 Queries (RFC 3376 7.1) */
#define IGMP_V3_QUERY_MIN 12    /* a Query of >= 12 bytes is IGMPv3 */
#define IGMP_V3_REPORT_HDR 8
#define IGMP_V3_RECORD_HDR 8

/* Group Record types (RFC 3376 4.2.12). */
#define IGMP_MODE_IS_INCLUDE 1
#define IGMP_MODE_IS_EXCLUDE 2
#define IGMP_CHANGE_TO_INCLUDE 3
#define IGMP_CHANGE_TO_EXCLUDE 4
#define IGMP_ALLOW_NEW_SOURCES 5
#define IGMP_BLOCK_OLD_SOURCES 6

/* The IPv4 Router Alert option (RFC 2113): every IGMP message carries it
 * (RFC 3376 4, RFC 2236 2). */
#define IPV4_OPT_ROUTER_ALERT 148
#define IPV4_RA_LEN 4
#define IGMP_ALL_SYSTEMS 0xe0000001u  /* 224.0.0.1 */
#define IGMP_ALL_ROUTERS 0xe0000002u  /* 224.0.0.2: v2 Leave Group */
#define IGMP_V3_ROUTERS 0xe0000016u   /* 224.0.0.22: v3 Reports */

enum igmp_query_version { IGMP_QV1 = 1, IGMP_QV2 = 2, IGMP_QV3 = 3 };

/* Any IGMP message, as igmp_parse reads it. */
struct igmp_msg {
    uint8_t type;
    uint8_t code;            /* Max Resp Code (queries), 0 otherwise for v1 */
    ust_ip4_t group;         /* Group Address; 0 in a General Query / v3 Report */
    /* Queries only */
    enum igmp_query_version qver; /* RFC 3376 7.1: by length and code */
    uint32_t max_resp_ds;    /* decoded Max Resp Time, tenths of a second */
    bool s_flag;             /* v3: suppress router-side processing */
    uint8_t qrv;             /* v3: Querier's Robustness Variable (0: none) */
    uint32_t qqi_s;          /* v3: decoded QQIC, seconds */
    uint16_t nsrc;           /* v3: sources in the query */
    const uint8_t *sources;  /* v3: nsrc * 4 bytes inside the message */
    /* v3 Reports only */
    uint16_t nrec;
};

/* Parses msg[0..len), the IP payload of protocol 2: checks the checksum
 * over the whole message (WIRE_BAD_CSUM), the length (WIRE_TRUNCATED under
 * 8; a Query of 9-11 bytes is WIRE_BAD_LEN, RFC 3376 7.1: "silently
 * ignored"), v3 Query sources and v3 Report records within the message
 * (WIRE_TRUNCATED). Unknown types parse with only type/code/group. */
int igmp_parse(const uint8_t *msg, size_t len, struct igmp_msg *m);
/* RFC 3376 4.1.1 and 4.1.7: the exponential Max Resp Code (tenths of a
 * second) and QQIC (seconds). */
uint32_t igmp_decode_code(uint8_t code);
/* The inverse for emitters: the code whose decoded value is the largest
 * not above v. */
uint8_t igmp_encode_code(uint32_t v);

/* One Group Record (RFC 3376 4.2.4). */
struct igmp_record {
    uint8_t type;
    uint8_t aux_words;       /* Aux Data Len (0 when we send) */
    uint16_t nsrc;
    ust_ip4_t group;
    const uint8_t *sources;  /* nsrc * 4 bytes (parse: inside the message) */
};
/* An IGMPv3 Report of n records with checksum: its length, or
 * WIRE_NOSPACE. */
int igmp_v3_report_emit(const struct igmp_record *recs, size_t n, uint8_t *msg, size_t cap);
/* Reading a v3 Report's records, bounds checked (igmp_parse ran first):
 *     struct igmp_rec_iter it; struct igmp_record r;
 *     igmp_rec_iter_init(&it, msg, len);
 *     while (igmp_rec_next(&it, &r)) ...
 *     if (it.err) ... */
struct igmp_rec_iter {
    const uint8_t *msg;
    size_t len, off;
    uint16_t left;
    int err;
};
void igmp_rec_iter_init(struct igmp_rec_iter *it, const uint8_t *msg, size_t len);
bool igmp_rec_next(struct igmp_rec_iter *it, struct igmp_record *r);
/* An 8-byte message (v1/v2 Report, v2 Leave, v1/v2 Query) with checksum:
 * 8 or WIRE_NOSPACE. */
int igmp_emit_simple(uint8_t type, uint8_t code, ust_ip4_t group, uint8_t *msg, size_t cap);
/* An IGMPv3 Query (for tests and tools): 12 + 4*nsrc bytes or WIRE_NOSPACE. */
int igmp_v3_query_emit(uint8_t max_resp_code, ust_ip4_t group, bool s_flag, uint8_t qrv,
                       uint8_t qqic, const ust_ip4_t *sources, uint16_t nsrc, uint8_t *msg,
                       size_t cap);

#endif

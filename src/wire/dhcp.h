/* DHCPv4 messages (RFC 2131 2, RFC 2132): the BOOTP header and the options
 * a client reads and writes. Pure parse/emit: no state, no allocation. */
#ifndef UST_WIRE_DHCP_H
#define UST_WIRE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/types.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236     /* op .. file (RFC 2131 figure 1) */
#define DHCP_MAGIC 0x63825363u /* RFC 2131 3: the options' cookie */
#define DHCP_MIN_LEN 240       /* fixed part + cookie */
#define DHCP_EMIT_MIN 300      /* RFC 1542 2.1: BOOTP relays expect 300 octets */
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_FLAG_BROADCAST 0x8000u /* RFC 2131 4.1: reply by broadcast */
#define DHCP_MAX_DNS 3
#define DHCP_MAX_PRL 16

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };

/* Option 53 values (RFC 2132 9.6). */
enum dhcp_type {
    DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE,
    DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM,
};

/* Option codes used here (RFC 2132). */
enum dhcp_opt {
    DHCP_OPT_PAD = 0, DHCP_OPT_SUBNET_MASK = 1, DHCP_OPT_ROUTER = 3, DHCP_OPT_DNS = 6,
    DHCP_OPT_MTU = 26, DHCP_OPT_REQUESTED_IP = 50, DHCP_OPT_LEASE_TIME = 51,
    DHCP_OPT_OVERLOAD = 52, DHCP_OPT_MSG_TYPE = 53, DHCP_OPT_SERVER_ID = 54,
    DHCP_OPT_PARAM_REQ = 55, DHCP_OPT_MAX_MSG_SIZE = 57, DHCP_OPT_T1 = 58, DHCP_OPT_T2 = 59,
    DHCP_OPT_END = 255,
};

/* Which options a parsed message carried. */
enum dhcp_has {
    DHCP_HAS_MASK = 1u << 0, DHCP_HAS_ROUTER = 1u << 1, DHCP_HAS_DNS = 1u << 2,
    DHCP_HAS_MTU = 1u << 3, DHCP_HAS_REQ_IP = 1u << 4, DHCP_HAS_LEASE = 1u << 5,
    DHCP_HAS_SERVER_ID = 1u << 6, DHCP_HAS_T1 = 1u << 7, DHCP_HAS_T2 = 1u << 8,
    DHCP_HAS_PRL = 1u << 9, DHCP_HAS_MAX_SIZE = 1u << 10, DHCP_HAS_OVERLOAD = 1u << 11,
};

/* A message: the header fields (addresses in host order) and the options
 * above. Options this client does not know are skipped (lengths checked). */
struct dhcp_msg {
    uint8_t op;
    uint8_t htype, hlen, hops;
    uint32_t xid;
    uint16_t secs, flags;
    ust_ip4_t ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[16];
    uint8_t type;  /* option 53; 0 = absent */
    uint32_t has;  /* enum dhcp_has */
    ust_ip4_t mask, router, server_id, requested_ip;
    ust_ip4_t dns[DHCP_MAX_DNS];
    unsigned ndns;
    uint32_t lease_s, t1_s, t2_s;
    uint16_t mtu, max_size;
    uint8_t overload;
    uint8_t prl[DHCP_MAX_PRL];
    unsigned nprl;
};

/* Parses a message (the UDP payload). WIRE_TRUNCATED: shorter than 240
 * bytes, or an option's length runs past its field; WIRE_UNSUPPORTED: not
 * the magic cookie; WIRE_BAD_OPTION: a known option of the wrong length or
 * value, a repeated one, a missing END, a bad overload; WIRE_BAD_LEN: an op
 * that is neither request nor reply. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m);
/* Writes m (header, cookie, the options m->has and m->type name, END, pad
 * to DHCP_EMIT_MIN). Returns the length or WIRE_NOSPACE. */
int dhcp_emit(const struct dhcp_msg *m, uint8_t *buf, size_t cap);

#endif

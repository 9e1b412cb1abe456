/* TCP header and options (RFC 9293, RFC 7323, RFC 2018). */
#ifndef UST_WIRE_TCP_H
#define UST_WIRE_TCP_H

#include "wire.h"

#define TCP_HDR_LEN 20
#define TCP_MAX_HDR_LEN 60
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TIMESTAMP 8
#define TCP_MAX_SACK_BLOCKS 4

struct tcp_sack_block {
    uint32_t left, right;
};

struct tcp_opts {
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale;       /* as received (callers clamp to 14, RFC 7323 2.3) */
    bool sack_permitted;
    bool has_timestamp;
    uint32_t ts_val, ts_ecr;
    uint8_t num_sack;
    struct tcp_sack_block sack[TCP_MAX_SACK_BLOCKS];
    uint8_t num_unknown;  /* unknown options skipped (RFC 9293 3.1: MUST ignore) */
};

struct tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t hdr_len;      /* bytes (data offset * 4) */
    uint8_t flags;        /* TCP_FIN ... TCP_CWR */
    uint16_t wnd;         /* raw field, unscaled */
    uint16_t csum;
    uint16_t urp;
    struct tcp_opts opts;
};

/* Checks len >= 20, 20 <= data offset <= len, the checksum with the
 * pseudo-header (if verify_csum), and parses the options: an option whose
 * length is 0, 1 or runs past the header is WIRE_BAD_OPTION; a known option
 * with the wrong length is ignored like an unknown one. */
int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
              struct tcp_hdr *h);
/* The same with the pseudo-header sum given without its length field
 * (csum_pseudo(src, dst, 6, 0) or ipv6_csum_pseudo(src, dst, 0, 6): the
 * length enters both sums the same way, RFC 9293 3.1 / RFC 8200 8.1), so
 * that one parser serves IPv4 and IPv6. */
int tcp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, bool verify_csum,
                 struct tcp_hdr *h);
/* Size of the options that tcp_emit would write for `o` (padded to 4). */
size_t tcp_opts_len(const struct tcp_opts *o);
/* Writes header + options (h->hdr_len is ignored and computed) and the
 * checksum over header, options and the payload_len bytes that must already
 * follow the header in buf. Returns the header length or WIRE_NOSPACE. */
int tcp_emit(const struct tcp_hdr *h, uint32_t src, uint32_t dst, uint8_t *buf, size_t cap,
             size_t payload_len);
/* tcp_emit with the pseudo-header sum given as for tcp_parse_ps. */
int tcp_emit_ps(const struct tcp_hdr *h, uint32_t pseudo, uint8_t *buf, size_t cap,
                size_t payload_len);
/* The same with the checksum field left 0: for a segment whose checksum
 * the device completes (CHECKSUM_PARTIAL), where a sum would be thrown
 * away. Checks cap and payload_len as tcp_emit_ps does. */
int tcp_emit_nocsum(const struct tcp_hdr *h, uint8_t *buf, size_t cap, size_t payload_len);
/* tcpdump's text of the flags, e.g. "[S.]", "[P.]", "[F.]", "[R]". */
#define TCP_FLAGS_TEXT_LEN 12
void tcp_flags_text(uint8_t flags, char out[TCP_FLAGS_TEXT_LEN]);
/* tcpdump's text of an option list as on the wire, e.g.
 * "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]"; its length. */
size_t tcp_options_text(const uint8_t *opts, size_t len, char *out, size_t cap);
/* Parses options only (exposed for tests). */
int tcp_parse_options(const uint8_t *opts, size_t len, struct tcp_opts *o);

#endif

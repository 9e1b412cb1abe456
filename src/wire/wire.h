/* Wire formats: pure parse/emit code. No state, no allocation, no time.
 * Parsers check every length before reading and return a reason. */
#ifndef UST_WIRE_H
#define UST_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The reasons take a range of their own, below every enum ust_err value:
 * internal code has one convention (0 or more on success, a negative code
 * on failure), and a parser's reason that travels up by mistake can never
 * be read as a ust_err (ust_strerror calls it unknown). Callers turn a
 * reason into a counter or a ust_err where they handle it. */
enum wire_err {
    WIRE_OK = 0,
    WIRE_ERR_BASE = -100,
    WIRE_TRUNCATED = -101,   /* buffer shorter than a header or a length field says */
    WIRE_BAD_VERSION = -102, /* IP version wrong (not 4 for IPv4, not 6 for IPv6) */
    WIRE_BAD_HLEN = -103,    /* header length field below the minimum or past the data */
    WIRE_BAD_LEN = -104,     /* total/length field inconsistent */
    WIRE_BAD_CSUM = -105,    /* checksum does not verify */
    WIRE_BAD_OPTION = -106,  /* option length 0/1 or past the header */
    WIRE_UNSUPPORTED = -107, /* well-formed but not something we handle (e.g. ARP htype) */
    WIRE_NOSPACE = -108,     /* emit: destination buffer too small */
};
const char *wire_strerror(int err);

#endif

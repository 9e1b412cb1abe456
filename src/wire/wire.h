/* Wire formats: pure parse/emit code. No state, no allocation, no time.
 * Parsers check every length before reading and return a reason. */
#ifndef UST_WIRE_H
#define UST_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wire_err {
    WIRE_OK = 0,
    WIRE_TRUNCATED = -1,   /* buffer shorter than a header or a length field says */
    WIRE_BAD_VERSION = -2, /* IP version != 4 */
    WIRE_BAD_HLEN = -3,    /* header length field below the minimum or past the data */
    WIRE_BAD_LEN = -4,     /* total/length field inconsistent */
    WIRE_BAD_CSUM = -5,    /* checksum does not verify */
    WIRE_BAD_OPTION = -6,  /* option length 0/1 or past the header */
    WIRE_UNSUPPORTED = -7, /* well-formed but not something we handle (e.g. ARP htype) */
    WIRE_NOSPACE = -8,     /* emit: destination buffer too small */
};
const char *wire_strerror(int err);

#endif

/* Router Advertisements built with the wire emitters (src/wire/nd.h) for
 * the router_list / addrconf tests, and parsed back with nd_parse() as the
 * datapath will: the modules only ever see a parsed message. */
#ifndef UST_TEST_RA_BUILD_H
#define UST_TEST_RA_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "wire/nd.h"

struct ra_build {
    uint8_t buf[1024];
    size_t len;
    struct ipv6_addr src, dst;
    struct nd_ip ip;   /* src fe80::1 (as given), dst ff02::1, hop limit 255 */
    struct nd_msg m;   /* after ra_parse() */
};

/* Fixed part: Cur Hop Limit, flags (M/O, RFC 4191 Prf bits), Router
 * Lifetime (s), Reachable Time and Retrans Timer (ms); src as text. */
void ra_begin(struct ra_build *b, const char *src, uint8_t hop, uint8_t flags,
              uint16_t lifetime, uint32_t reach_ms, uint32_t retrans_ms);
/* PIO: prefix text, length, flags (ND_PIO_ONLINK | ND_PIO_AUTO), lifetimes (s). */
void ra_pio(struct ra_build *b, const char *prefix, uint8_t len, uint8_t flags,
            uint32_t valid, uint32_t preferred);
void ra_mtu(struct ra_build *b, uint32_t mtu);
void ra_raw(struct ra_build *b, const uint8_t *bytes, size_t n);
/* nd_parse() of the message into b->m; its return value. */
int ra_parse(struct ra_build *b);
/* Text to address; aborts the test on bad text. */
struct ipv6_addr ip6(const char *text);

#endif

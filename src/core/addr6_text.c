/* IPv6 address text for the public API (RFC 4291 2.2 in, RFC 5952 out),
 * over the wire layer's parser and formatter. */
#include <string.h>

#include "ustack/stack.h"
#include "wire/ipv6.h"

int ust_ip6_parse(const char *s, uint8_t out[16])
{
    struct ipv6_addr a;
    if (!s || ipv6_addr_parse(s, &a) != 0)
        return UST_ERR_INVAL;
    memcpy(out, a.b, 16);
    return UST_OK;
}

char *ust_ip6_str(const uint8_t addr[16], char buf[UST_IP6_STRLEN])
{
    struct ipv6_addr a;
    memcpy(a.b, addr, 16);
    ipv6_addr_format(&a, buf, UST_IP6_STRLEN);
    return buf;
}

/* Router Advertisements for the autoconfiguration tests (ra_build.h). */
#include "ra_build.h"

#include <stdlib.h>
#include <string.h>

struct ipv6_addr ip6(const char *text)
{
    struct ipv6_addr a;
    if (ipv6_addr_parse(text, &a) != 0)
        abort();
    return a;
}

void ra_begin(struct ra_build *b, const char *src, uint8_t hop, uint8_t flags,
              uint16_t lifetime, uint32_t reach_ms, uint32_t retrans_ms)
{
    memset(b, 0, sizeof(*b));
    b->src = ip6(src);
    b->dst = ip6("ff02::1");
    b->ip.src = &b->src;
    b->ip.dst = &b->dst;
    b->ip.hop_limit = ND_HOP_LIMIT;
    struct nd_msg m = {.type = ICMPV6_ND_RA, .cur_hop_limit = hop, .ra_flags = flags,
                       .router_lifetime = lifetime, .reachable_time = reach_ms,
                       .retrans_timer = retrans_ms};
    int n = nd_emit(&m, b->buf, sizeof(b->buf));
    if (n < 0)
        abort();
    b->len = (size_t)n;
}

void ra_pio(struct ra_build *b, const char *prefix, uint8_t len, uint8_t flags,
            uint32_t valid, uint32_t preferred)
{
    struct nd_prefix_info pi = {.prefix_len = len, .flags = flags, .valid_lifetime = valid,
                                .preferred_lifetime = preferred, .prefix = ip6(prefix)};
    int n = nd_opt_prefix_emit(&pi, b->buf + b->len, sizeof(b->buf) - b->len);
    if (n < 0)
        abort();
    b->len += (size_t)n;
}

void ra_mtu(struct ra_build *b, uint32_t mtu)
{
    int n = nd_opt_mtu_emit(mtu, b->buf + b->len, sizeof(b->buf) - b->len);
    if (n < 0)
        abort();
    b->len += (size_t)n;
}

void ra_raw(struct ra_build *b, const uint8_t *bytes, size_t n)
{
    if (b->len + n > sizeof(b->buf))
        abort();
    memcpy(b->buf + b->len, bytes, n);
    b->len += n;
}

int ra_parse(struct ra_build *b)
{
    return nd_parse(b->buf, b->len, &b->ip, &b->m);
}

/* Interface names as IPv6 zones: "fe80::1%tap0" (RFC 4007 11.2,
 * <address>%<zone_id>), as Linux's getaddrinfo(3) and if_nametoindex(3)
 * take them. A stack's interfaces are named by their devices
 * (ust_dev_name: the TAP or TUN name, "eth0" of a simulated one); the zone
 * is the interface index + 1, as sin6_scope_id. */
#include <string.h>

#include "ustack/dev.h"
#include "ustack/stack.h"
#include "wire/ipv6.h"

uint32_t ust_if_nametoindex(const struct ust_stack *st, const char *name)
{
    if (!st || !name || !*name)
        return 0;
    for (int i = 0; i < ust_iface_count(st); i++) {
        struct ust_dev *dev = NULL;
        if (ust_iface_info(st, i, NULL, NULL, &dev) == UST_OK && dev &&
            !strcmp(ust_dev_name(dev), name))
            return (uint32_t)i + 1;
    }
    return 0;
}

int ust_addr_parse_scoped(const struct ust_stack *st, const char *s, struct ust_addr *out)
{
    if (!s || !out)
        return UST_ERR_INVAL;
    if (ust_addr_parse(s, out) == UST_OK)
        return UST_OK; /* no zone, or a numeric one */
    const char *pct = strchr(s, '%');
    char buf[IPV6_ADDR_STRLEN];
    size_t n = pct ? (size_t)(pct - s) : 0;
    if (!pct || n >= sizeof(buf) || !memchr(s, ':', n))
        return UST_ERR_INVAL;
    uint32_t scope = ust_if_nametoindex(st, pct + 1);
    if (!scope)
        return UST_ERR_NOENT; /* no interface by that name: getaddrinfo's EAI_NONAME */
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (ust_addr_parse(buf, out) != UST_OK || out->family != UST_AF_INET6)
        return UST_ERR_INVAL;
    out->scope_id = scope;
    return UST_OK;
}

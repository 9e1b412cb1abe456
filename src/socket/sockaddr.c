/* Socket addresses between the application and the stack (RFC 3493 3.3,
 * 3.7): sockaddr_in for AF_INET sockets, sockaddr_in6 for AF_INET6 ones,
 * whose IPv4 peers travel as IPv4-mapped addresses (::ffff:a.b.c.d) and
 * are plain IPv4 below the socket layer. sin6_scope_id is the stack's
 * interface index + 1 for link-local addresses (RFC 4007 6). */
#include <arpa/inet.h>
#include <string.h>

#include "sock_impl.h"
#include "ustack/socket.h"

static sa_family_t family_of(const struct sockaddr *sa)
{
    sa_family_t f;
    memcpy(&f, sa, sizeof(f));
    return f;
}

/* Link-local unicast and link-scope multicast carry their interface. */
static bool scoped(const uint8_t a[16])
{
    return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) <= 2);
}

int ust_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct ust_addr *a,
                           uint16_t *port)
{
    if (!sa || !a)
        return UST_ERR_INVAL;
    if (len >= sizeof(struct sockaddr_in) && family_of(sa) == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof(sin));
        *a = ust_addr_from_ip4(ntohl(sin.sin_addr.s_addr));
        if (port)
            *port = ntohs(sin.sin_port);
        return UST_OK;
    }
    if (len >= sizeof(struct sockaddr_in6) && family_of(sa) == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, sa, sizeof(sin6));
        const uint8_t *b = sin6.sin6_addr.s6_addr;
        *a = ust_addr_from_ip6(b, scoped(b) ? sin6.sin6_scope_id : 0);
        if (port)
            *port = ntohs(sin6.sin6_port);
        return UST_OK;
    }
    return UST_ERR_INVAL;
}

socklen_t ust_addr_to_sockaddr(const struct ust_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == UST_AF_INET6) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port),
                                    .sin6_scope_id = a->scope_id};
        memcpy(sin6.sin6_addr.s6_addr, a->u.v6, 16);
        memcpy(ss, &sin6, sizeof(sin6));
        return sizeof(sin6);
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(a->family == UST_AF_INET ? a->u.v4 : 0);
    memcpy(ss, &sin, sizeof(sin));
    return sizeof(sin);
}

int sock_addr_from_user(const struct ust_sock *s, const struct sockaddr *sa, socklen_t len,
                        bool allow_unspec, struct sock_addr *out)
{
    if (!sa)
        return EFAULT;
    sa_family_t f = len >= sizeof(sa_family_t) ? family_of(sa) : AF_UNSPEC;
    if (s->domain != AF_INET6) {
        if (len < sizeof(struct sockaddr_in))
            return EINVAL;
        if (f != AF_INET && !(allow_unspec && f == AF_UNSPEC))
            return EAFNOSUPPORT;
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof(sin));
        out->addr = ust_addr_from_ip4(ntohl(sin.sin_addr.s_addr));
        out->port = ntohs(sin.sin_port);
        return 0;
    }
    if (f != AF_INET6)
        return len < sizeof(sa_family_t) ? EINVAL : EAFNOSUPPORT;
    if (len < sizeof(struct sockaddr_in6))
        return EINVAL;
    if (ust_addr_from_sockaddr(sa, len, &out->addr, &out->port) != UST_OK)
        return EINVAL;
    if (out->addr.family == UST_AF_INET6 && ust_ip6_is_v4mapped(out->addr.u.v6)) {
        if (s->v6only)
            return ENETUNREACH; /* Linux: no IPv4 on an IPV6_V6ONLY socket */
        out->addr = ust_addr_unmap(&out->addr); /* RFC 3493 3.7: IPv4 below */
    }
    return 0;
}

void sock_addr_to_user(const struct ust_sock *s, const struct sock_addr *a, struct sockaddr *sa,
                       socklen_t *len)
{
    struct sockaddr_storage ss;
    struct ust_addr shown = a->addr;
    if (s->domain == AF_INET6) {
        if (shown.family == 0)
            shown = ust_addr_from_ip6((const uint8_t[16]){0}, 0);
        shown = ust_addr_to_v4mapped(&shown);
    }
    socklen_t full = ust_addr_to_sockaddr(&shown, a->port, &ss);
    size_t n = *len < full ? *len : full;
    memcpy(sa, &ss, n);
    *len = full;
}

/* IPPROTO_IPV6 options of AF_INET6 sockets (RFC 3493 5): IPV6_V6ONLY is
 * the socket layer's own (it decides what addresses the socket takes);
 * IPV6_UNICAST_HOPS and IPV6_TCLASS are the protocols' IP_TTL and IP_TOS
 * under their IPv6 names, so one setting serves both families of a dual
 * socket. IPV6_ADDR_PREFERENCES (RFC 5014) is kept here too: the
 * protocols read s->srcprefs when they choose a source. A protocol that knows an IPPROTO_IPV6 option itself (UDP: RFC
 * 3542's, and hop limit 0) gets it first. AF_INET sockets have none of
 * them (ENOPROTOOPT, as Linux). */
#include <string.h>

#include "sock_impl.h"
#include "ustack/socket.h"

bool sock_is_ipv6_opt(const struct ust_sock *s, int level, int name)
{
    (void)s;
    return level == IPPROTO_IPV6 && (name == IPV6_V6ONLY || name == IPV6_UNICAST_HOPS ||
                                     name == IPV6_TCLASS || name == IPV6_ADDR_PREFERENCES);
}

/* RFC 5014 flags as Linux's __ip6_sock_set_addr_preferences: at most one
 * of TMP / PUBLIC / PUBTMP_DEFAULT (the last clears both), of HOME / COA
 * and of CGA / NONCGA (EINVAL otherwise); only TMP, PUBLIC and COA are
 * kept, the rest of the stored value stays unless the flag group is named. */
static int set_addr_prefs(struct ust_sock *s, int v)
{
    unsigned keep = ~0u, set = 0;
    switch (v & (IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP | IPV6_PREFER_SRC_PUBTMP_DEFAULT)) {
    case IPV6_PREFER_SRC_PUBLIC:
    case IPV6_PREFER_SRC_TMP:
        set |= (unsigned)v & (IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP);
        /* fall through */
    case IPV6_PREFER_SRC_PUBTMP_DEFAULT:
        keep &= ~(unsigned)(IPV6_PREFER_SRC_PUBLIC | IPV6_PREFER_SRC_TMP);
        break;
    case 0:
        break;
    default:
        return sock_fail(EINVAL);
    }
    switch (v & (IPV6_PREFER_SRC_HOME | IPV6_PREFER_SRC_COA)) {
    case IPV6_PREFER_SRC_HOME: keep &= ~(unsigned)IPV6_PREFER_SRC_COA; break;
    case IPV6_PREFER_SRC_COA: set |= IPV6_PREFER_SRC_COA; break;
    case 0: break;
    default: return sock_fail(EINVAL);
    }
    if ((v & IPV6_PREFER_SRC_CGA) && (v & IPV6_PREFER_SRC_NONCGA))
        return sock_fail(EINVAL);
    s->srcprefs = (uint8_t)((s->srcprefs & keep) | set);
    return 0;
}

/* getsockopt: the stored choice, PUBTMP_DEFAULT when none; COA or HOME. */
static int get_addr_prefs(const struct ust_sock *s)
{
    int v = s->srcprefs & IPV6_PREFER_SRC_TMP      ? IPV6_PREFER_SRC_TMP
            : s->srcprefs & IPV6_PREFER_SRC_PUBLIC ? IPV6_PREFER_SRC_PUBLIC
                                                   : IPV6_PREFER_SRC_PUBTMP_DEFAULT;
    return v | (s->srcprefs & IPV6_PREFER_SRC_COA ? IPV6_PREFER_SRC_COA : IPV6_PREFER_SRC_HOME);
}

/* The protocol's own answer: UST_ERR_NOPROTOOPT when it has none. */
static int ask_protocol_set(struct ust_sock *s, int name, const void *val, socklen_t len)
{
    return s->ops->setsockopt ? s->ops->setsockopt(s, IPPROTO_IPV6, name, val, len)
                              : UST_ERR_NOPROTOOPT;
}

/* Bound to a port already: IPV6_V6ONLY may no longer change (Linux). */
static bool is_bound(struct ust_sock *s)
{
    struct sock_addr a = {.port = 0};
    return s->ops->getname && s->ops->getname(s, false, &a) == UST_OK && a.port != 0;
}

static int to_protocol(struct ust_sock *s, int name, int v)
{
    if (!s->ops->setsockopt)
        return sock_fail(ENOPROTOOPT);
    int rc = s->ops->setsockopt(s, IPPROTO_IP, name, &v, sizeof(v));
    return rc < 0 ? sock_fail_err(rc) : 0;
}

int sock_setopt_ipv6(struct ust_sock *s, int name, const void *val, socklen_t len)
{
    if (s->domain != AF_INET6)
        return sock_fail(ENOPROTOOPT);
    if (name != IPV6_V6ONLY && name != IPV6_ADDR_PREFERENCES) {
        int rc = ask_protocol_set(s, name, val, len);
        if (rc != UST_ERR_NOPROTOOPT)
            return rc < 0 ? sock_fail_err(rc) : 0;
    }
    int v;
    if (!val || len < sizeof(int))
        return sock_fail(EINVAL);
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case IPV6_V6ONLY: /* RFC 3493 5.3 */
        if (is_bound(s))
            return sock_fail(EINVAL);
        s->v6only = v != 0;
        return 0;
    case IPV6_ADDR_PREFERENCES: /* RFC 5014 */
        return set_addr_prefs(s, v);
    case IPV6_UNICAST_HOPS: /* RFC 3493 5.1: -1 the default, 1..255 as given;
                               0 only where the protocol takes it (UDP) */
        if (v < -1 || v == 0 || v > 255)
            return sock_fail(EINVAL);
        return to_protocol(s, IP_TTL, v);
    default: /* IPV6_TCLASS (RFC 3542 6.5): -1 the default (0) */
        if (v < -1 || v > 255)
            return sock_fail(EINVAL);
        return to_protocol(s, IP_TOS, v < 0 ? 0 : v);
    }
}

int sock_getopt_ipv6(struct ust_sock *s, int name, void *val, socklen_t *len)
{
    if (s->domain != AF_INET6)
        return sock_fail(ENOPROTOOPT);
    int v = name == IPV6_ADDR_PREFERENCES ? get_addr_prefs(s) : s->v6only;
    bool own = name == IPV6_V6ONLY || name == IPV6_ADDR_PREFERENCES;
    if (!own && s->ops->getsockopt) {
        size_t n = *len;
        int rc = s->ops->getsockopt(s, IPPROTO_IPV6, name, val, &n);
        if (rc != UST_ERR_NOPROTOOPT) {
            if (rc < 0)
                return sock_fail_err(rc);
            *len = (socklen_t)n;
            return 0;
        }
    }
    if (!own) {
        size_t n = sizeof(v);
        int rc = s->ops->getsockopt ? s->ops->getsockopt(s, IPPROTO_IP,
                                                         name == IPV6_TCLASS ? IP_TOS : IP_TTL,
                                                         &v, &n)
                                    : UST_ERR_NOPROTOOPT;
        if (rc < 0)
            return sock_fail_err(rc);
    }
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = (socklen_t)n;
    return 0;
}

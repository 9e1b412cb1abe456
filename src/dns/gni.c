/* ust_getnameinfo: an IPv4 or IPv6 address and port as text, the reverse of
 * ust_getaddrinfo's local sources: the hosts file names an address, the
 * service table a port. No PTR query is sent (RFC 1035 3.5): without a
 * name in the hosts file the address stays numeric (or, with NI_NAMEREQD,
 * EAI_NONAME), as getnameinfo(3) answers when DNS knows no name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "ustack/config.h"
#include "ustack/dns.h"
#include "ustack/stack.h"

#define KNOWN_NI_FLAGS (NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM)

/* Copies text into out[cap]: EAI_OVERFLOW when it does not fit. */
static int put_text(char *out, socklen_t cap, const char *text)
{
    size_t n = strlen(text);
    if (n + 1 > cap)
        return EAI_OVERFLOW;
    memcpy(out, text, n + 1);
    return 0;
}

static int host_text(struct ust_stack *st, const struct ust_addr *addr, char *host,
                     socklen_t hostlen, int flags)
{
    char name[DNS_NAME_TEXT];
    const char *hosts = ust_stack_config(st)->dns_hosts;
    bool named = !(flags & NI_NUMERICHOST) &&
                 (addr->family == UST_AF_INET6
                      ? !addr->scope_id && dns_hosts_file_reverse6(hosts, addr->u.v6, name)
                      : dns_hosts_file_reverse(hosts, addr->u.v4, name));
    if (named) {
        char *dot = flags & NI_NOFQDN ? strchr(name, '.') : NULL;
        if (dot)
            *dot = '\0';
        return put_text(host, hostlen, name);
    }
    if (flags & NI_NAMEREQD)
        return EAI_NONAME;
    char numeric[UST_ADDR_STRLEN]; /* RFC 5952, "%N" for a scope (RFC 4007 11.2) */
    return put_text(host, hostlen, ust_addr_str(addr, numeric));
}

static int serv_text(uint16_t port, char *serv, socklen_t servlen, int flags)
{
    const char *name = flags & NI_NUMERICSERV ? NULL : dns_service_name(port);
    char numeric[8];
    snprintf(numeric, sizeof(numeric), "%u", (unsigned)port);
    return put_text(serv, servlen, name ? name : numeric);
}

/* The address and port of a sockaddr_in or sockaddr_in6 of at least its
 * size; -1 for another family or a short salen. */
static int sockaddr_read(const struct sockaddr *sa, socklen_t salen, struct ust_addr *addr,
                         uint16_t *port)
{
    if (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof(in6));
        *addr = ust_addr_from_ip6(in6.sin6_addr.s6_addr, in6.sin6_scope_id);
        *port = ntohs(in6.sin6_port);
        return 0;
    }
    if (sa->sa_family != AF_INET || salen < (socklen_t)sizeof(struct sockaddr_in))
        return -1;
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof(in));
    *addr = ust_addr_from_ip4(ntohl(in.sin_addr.s_addr));
    *port = ntohs(in.sin_port);
    return 0;
}

int ust_getnameinfo(struct ust_stack *st, const struct sockaddr *sa, socklen_t salen, char *host,
                    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
    if (flags & ~KNOWN_NI_FLAGS)
        return EAI_BADFLAGS;
    struct ust_addr addr;
    uint16_t port;
    if (!sa || sockaddr_read(sa, salen, &addr, &port) != 0)
        return EAI_FAMILY;
    if ((!host || !hostlen) && (!serv || !servlen))
        return EAI_NONAME;
    int rc = 0;
    if (host && hostlen)
        rc = host_text(st, &addr, host, hostlen, flags);
    if (rc == 0 && serv && servlen)
        rc = serv_text(port, serv, servlen, flags);
    return rc;
}

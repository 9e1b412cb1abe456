/* ust_getnameinfo: an IPv4 address and port as text, the reverse of
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

static int host_text(struct ust_stack *st, uint32_t addr, char *host, socklen_t hostlen,
                     int flags)
{
    char name[DNS_NAME_TEXT];
    if (!(flags & NI_NUMERICHOST) &&
        dns_hosts_file_reverse(ust_stack_config(st)->dns_hosts, addr, name)) {
        char *dot = flags & NI_NOFQDN ? strchr(name, '.') : NULL;
        if (dot)
            *dot = '\0';
        return put_text(host, hostlen, name);
    }
    if (flags & NI_NAMEREQD)
        return EAI_NONAME;
    struct in_addr in = {.s_addr = htonl(addr)};
    char numeric[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in, numeric, sizeof(numeric));
    return put_text(host, hostlen, numeric);
}

static int serv_text(uint16_t port, char *serv, socklen_t servlen, int flags)
{
    const char *name = flags & NI_NUMERICSERV ? NULL : dns_service_name(port);
    char numeric[8];
    snprintf(numeric, sizeof(numeric), "%u", (unsigned)port);
    return put_text(serv, servlen, name ? name : numeric);
}

int ust_getnameinfo(struct ust_stack *st, const struct sockaddr *sa, socklen_t salen, char *host,
                    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
    if (flags & ~KNOWN_NI_FLAGS)
        return EAI_BADFLAGS;
    if (!sa || salen < (socklen_t)sizeof(struct sockaddr_in) || sa->sa_family != AF_INET)
        return EAI_FAMILY;
    if ((!host || !hostlen) && (!serv || !servlen))
        return EAI_NONAME;
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof(in));
    int rc = 0;
    if (host && hostlen)
        rc = host_text(st, ntohl(in.sin_addr.s_addr), host, hostlen, flags);
    if (rc == 0 && serv && servlen)
        rc = serv_text(ntohs(in.sin_port), serv, servlen, flags);
    return rc;
}

/* Interposed legacy name calls: gethostbyname, gethostbyname2 (AF_INET),
 * gethostbyname_r, gethostbyname2_r through the stack's resolver (the
 * same ust_getaddrinfo path as getaddrinfo: numeric, --hosts, --dns), and
 * getnameinfo for AF_INET through ust_getnameinfo (numeric, or the hosts
 * file's name; services from libc's services database, then the stack's
 * table). h_errno as netdb.h says: HOST_NOT_FOUND, NO_DATA, TRY_AGAIN,
 * NO_RECOVERY, NETDB_INTERNAL (errno set). Other families go to libc. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shim.h"
#include "ustack/dns.h"

#define EXPORT __attribute__((visibility("default")))

/* Up to this many addresses per hostent (glibc gives every one; a name
 * with more is cut here). */
#define SHIM_HOST_ADDRS 16
/* gethostbyname's result lives here, one per thread (glibc keeps one per
 * process: a caller must copy it before the next call either way). */
#define SHIM_HOST_BUF 2048

static int herrno_of(int eai)
{
    switch (eai) {
    case 0:
        return NETDB_SUCCESS;
    case EAI_NONAME:
        return HOST_NOT_FOUND;
    case EAI_NODATA:
        return NO_DATA;
    case EAI_AGAIN:
        return TRY_AGAIN;
    case EAI_SYSTEM:
    case EAI_MEMORY:
        return NETDB_INTERNAL;
    default:
        return NO_RECOVERY;
    }
}

/* Lays out ai's IPv4 addresses and the name into buf as a hostent. */
static int fill_hostent(const struct addrinfo *ai, const char *name, struct hostent *h,
                        char *buf, size_t len)
{
    char *p = buf + (-(uintptr_t)buf & (sizeof(void *) - 1)); /* pointer alignment */
    size_t n = 0;
    for (const struct addrinfo *a = ai; a && n < SHIM_HOST_ADDRS; a = a->ai_next)
        n += a->ai_family == AF_INET;
    const char *canon = ai && ai->ai_canonname ? ai->ai_canonname : name;
    size_t need = (size_t)(p - buf) + (n + 2) * sizeof(char *) + n * 4 + strlen(canon) + 1;
    if (need > len)
        return ERANGE;
    char **aliases = (char **)(void *)p, **list = aliases + 1;
    char *addrs = (char *)(list + n + 1), *text = addrs + n * 4;
    size_t i = 0;
    for (const struct addrinfo *a = ai; a && i < n; a = a->ai_next) {
        if (a->ai_family != AF_INET)
            continue;
        memcpy(addrs + i * 4, &((const struct sockaddr_in *)(void *)a->ai_addr)->sin_addr, 4);
        list[i] = addrs + i * 4;
        i++;
    }
    list[n] = NULL;
    aliases[0] = NULL;
    strcpy(text, canon);
    *h = (struct hostent){.h_name = text, .h_aliases = aliases, .h_addrtype = AF_INET,
                          .h_length = 4, .h_addr_list = list};
    return 0;
}

/* The reentrant form: 0 with *result set or NULL (then *herr says why),
 * or ERANGE when buf is too small. */
static int host_lookup(const char *name, int af, struct hostent *h, char *buf, size_t len,
                       struct hostent **result, int *herr)
{
    *result = NULL;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_CANONNAME};
    struct addrinfo *res = NULL;
    int rc = shim_gai(name, NULL, &hints, &res);
    if (rc == 0 && af != AF_INET) {
        *herr = NO_DATA; /* the name exists, but the stack has no IPv6 */
        ust_freeaddrinfo(res);
        return 0;
    }
    if (rc != 0) {
        *herr = herrno_of(rc);
        return 0;
    }
    int err = fill_hostent(res, name, h, buf, len);
    ust_freeaddrinfo(res);
    if (err) {
        *herr = NETDB_INTERNAL;
        return err;
    }
    *herr = NETDB_SUCCESS;
    *result = h;
    return 0;
}

EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *h, char *buf,
                            size_t len, struct hostent **result, int *herr)
{
    if (shim_inside || (af != AF_INET && af != AF_INET6))
        return SHIM_REAL(gethostbyname2_r)(name, af, h, buf, len, result, herr);
    return host_lookup(name, af, h, buf, len, result, herr);
}

EXPORT int gethostbyname_r(const char *name, struct hostent *h, char *buf, size_t len,
                           struct hostent **result, int *herr)
{
    if (shim_inside)
        return SHIM_REAL(gethostbyname_r)(name, h, buf, len, result, herr);
    return host_lookup(name, AF_INET, h, buf, len, result, herr);
}

static _Thread_local struct {
    struct hostent h;
    char buf[SHIM_HOST_BUF];
} host_static;

EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
    if (shim_inside || (af != AF_INET && af != AF_INET6))
        return SHIM_REAL(gethostbyname2)(name, af);
    struct hostent *r = NULL;
    int herr = 0;
    int saved = errno;
    if (host_lookup(name, af, &host_static.h, host_static.buf, sizeof(host_static.buf), &r,
                    &herr) == ERANGE)
        errno = ERANGE;
    else if (herr != NETDB_INTERNAL)
        errno = saved;
    h_errno = herr;
    return r;
}

EXPORT struct hostent *gethostbyname(const char *name)
{
    if (shim_inside)
        return SHIM_REAL(gethostbyname)(name);
    return gethostbyname2(name, AF_INET);
}

struct gni_call {
    const struct sockaddr *sa;
    socklen_t salen;
    char *host, *serv;
    socklen_t hostlen, servlen;
    int flags, rc;
};

static int gni_run(struct ust_stack *st, void *ctx)
{
    struct gni_call *c = ctx;
    c->rc = ust_getnameinfo(st, c->sa, c->salen, c->host, c->hostlen, c->serv, c->servlen,
                            c->flags);
    return 0;
}

/* A port's name from libc's services database (/etc/services), else 0. */
static bool libc_service(const struct sockaddr *sa, char *serv, socklen_t servlen, int flags)
{
    struct servent se, *found = NULL;
    char buf[1024];
    int port = ((const struct sockaddr_in *)(const void *)sa)->sin_port;
    if (getservbyport_r(port, flags & NI_DGRAM ? "udp" : "tcp", &se, buf, sizeof(buf),
                        &found) != 0 || !found || strlen(found->s_name) + 1 > servlen)
        return false;
    strcpy(serv, found->s_name);
    return true;
}

EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
                       socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
    if (shim_inside || !sa || sa->sa_family != AF_INET)
        return SHIM_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
    struct ust_front *f = shim_front();
    if (!f)
        return EAI_SYSTEM; /* errno ENETDOWN */
    struct gni_call c = {.sa = sa, .salen = salen, .host = host, .hostlen = hostlen,
                         .serv = serv, .servlen = servlen, .flags = flags};
    shim_enter();
    if (serv && servlen && !(flags & NI_NUMERICSERV) &&
        salen >= (socklen_t)sizeof(struct sockaddr_in) && libc_service(sa, serv, servlen, flags))
        c.serv = NULL, c.servlen = 0; /* named by libc; the stack names the host */
    if (c.serv || (c.host && c.hostlen))
        ust_front_run(f, gni_run, &c);
    shim_leave();
    return c.rc;
}

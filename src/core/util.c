/* Address formatting/parsing and error strings for the public API. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ustack/types.h"

int ust_ip4_parse(const char *s, ust_ip4_t *out)
{
    unsigned v[4];
    int n = 0;
    if (!s || sscanf(s, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &n) != 4 || s[n] != '\0')
        return UST_ERR_INVAL;
    for (int i = 0; i < 4; i++)
        if (v[i] > 255)
            return UST_ERR_INVAL;
    /* Reject forms sscanf tolerates but a user did not mean: "+1.2.3.4", " 1.2.3.4". */
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return UST_ERR_INVAL;
    *out = UST_IP4(v[0], v[1], v[2], v[3]);
    return UST_OK;
}

int ust_cidr_parse(const char *s, ust_ip4_t *addr, int *prefix_len)
{
    char buf[32];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || (size_t)(slash - s) >= sizeof(buf))
        return UST_ERR_INVAL;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    const char *p = slash + 1;
    if (*p == '\0' || strlen(p) > 2)
        return UST_ERR_INVAL;
    int len = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return UST_ERR_INVAL;
        len = len * 10 + (*p - '0');
    }
    if (len > 32 || ust_ip4_parse(buf, addr) != UST_OK)
        return UST_ERR_INVAL;
    *prefix_len = len;
    return UST_OK;
}

char *ust_ip4_str(ust_ip4_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

char *ust_mac_str(const struct ust_mac *m, char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
             m->b[4], m->b[5]);
    return buf;
}

int ust_mac_parse(const char *s, struct ust_mac *out)
{
    unsigned v[6];
    int n = 0;
    if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &n) != 6 || s[n] != '\0')
        return UST_ERR_INVAL;
    for (int i = 0; i < 6; i++)
        out->b[i] = (uint8_t)v[i];
    return UST_OK;
}

static const struct {
    int err;
    int eno;
    const char *text;
} err_table[] = {
    {UST_OK, 0, "success"},
    {UST_ERR_NOMEM, ENOMEM, "out of memory or table full"},
    {UST_ERR_INVAL, EINVAL, "invalid argument"},
    {UST_ERR_AGAIN, EAGAIN, "resource temporarily unavailable"},
    {UST_ERR_NOROUTE, ENETUNREACH, "no route to destination"},
    {UST_ERR_HOSTUNREACH, EHOSTUNREACH, "host unreachable"},
    {UST_ERR_MSGSIZE, EMSGSIZE, "message too long"},
    {UST_ERR_ADDRINUSE, EADDRINUSE, "address already in use"},
    {UST_ERR_NOTCONN, ENOTCONN, "not connected"},
    {UST_ERR_CONNREFUSED, ECONNREFUSED, "connection refused"},
    {UST_ERR_CONNRESET, ECONNRESET, "connection reset by peer"},
    {UST_ERR_TIMEDOUT, ETIMEDOUT, "timed out"},
    {UST_ERR_PIPE, EPIPE, "broken pipe"},
    {UST_ERR_IO, EIO, "input/output error"},
    {UST_ERR_PERM, EPERM, "operation not permitted"},
    {UST_ERR_NOTSUP, EOPNOTSUPP, "operation not supported"},
    {UST_ERR_EXIST, EEXIST, "already exists"},
    {UST_ERR_NOENT, ENOENT, "no such entry"},
    {UST_ERR_ADDRNOTAVAIL, EADDRNOTAVAIL, "address not available"},
    {UST_ERR_BADF, EBADF, "bad descriptor"},
    {UST_ERR_ISCONN, EISCONN, "already connected"},
    {UST_ERR_INPROGRESS, EINPROGRESS, "operation in progress"},
    {UST_ERR_ALREADY, EALREADY, "operation already in progress"},
    {UST_ERR_NETUNREACH, ENETUNREACH, "network unreachable"},
    {UST_ERR_PROTOUNREACH, ENOPROTOOPT, "protocol unreachable"},
    {UST_ERR_NETDOWN, ENETDOWN, "network device lost"},
    {UST_ERR_NOPROTOOPT, ENOPROTOOPT, "protocol not available"},
    {UST_ERR_DESTADDRREQ, EDESTADDRREQ, "destination address required"},
    {UST_ERR_ACCES, EACCES, "permission denied"},
    {UST_ERR_PROTO, EPROTO, "protocol error"},
    {UST_ERR_HOSTDOWN, EHOSTDOWN, "host is down"},
    {UST_ERR_INTR, EINTR, "interrupted"},
};

const char *ust_strerror(int err)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].text;
    return "unknown error";
}

int ust_err_to_errno(int err)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].eno;
    return EIO;
}

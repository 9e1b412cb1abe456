/* setsockopt/getsockopt: the generic SOL_SOCKET options are kept in
 * struct ust_sock here; everything else goes to the protocol. */
#include <string.h>
#include <sys/time.h>

#include "sock_impl.h"
#include "ustack/socket.h"

/* SO_RCVBUF/SO_SNDBUF as Linux does it: the request is capped, doubled
 * (to leave room for bookkeeping) and raised to a floor. */
#define SOCK_BUF_MAX_REQUEST (4 * 1024 * 1024)
#define SOCK_MIN_RCVBUF 2304
#define SOCK_MIN_SNDBUF 4608

static int buf_size(int requested, int floor)
{
    unsigned v = (unsigned)requested; /* negative = huge, as in Linux */
    if (v > SOCK_BUF_MAX_REQUEST)
        v = SOCK_BUF_MAX_REQUEST;
    v *= 2;
    return v < (unsigned)floor ? floor : (int)v;
}

/* struct timeval -> timeout: {0,0} = none; a negative time expires at
 * once (Linux makes such a socket behave as non-blocking). */
static int timeo_from_user(const void *val, socklen_t len, ust_time_t *out)
{
    struct timeval tv;
    if (len < sizeof(tv))
        return EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return EDOM;
    if (tv.tv_sec < 0) {
        *out = 1;
        return 0;
    }
    if ((uint64_t)tv.tv_sec >= UST_TIME_NEVER / UST_SEC - 1) {
        *out = 0; /* beyond the clock's range: no timeout */
        return 0;
    }
    *out = (ust_time_t)tv.tv_sec * UST_SEC + (ust_time_t)tv.tv_usec * UST_USEC;
    return 0;
}

static struct timeval timeo_to_user(ust_time_t t)
{
    struct timeval tv = {.tv_sec = (time_t)(t / UST_SEC),
                         .tv_usec = (suseconds_t)((t % UST_SEC) / UST_USEC)};
    return tv;
}

/* Tells the protocol about a generic option it may care about. */
static int notify_protocol(struct ust_sock *s, int name, int value)
{
    if (!s->ops->setsockopt)
        return 0;
    int rc = s->ops->setsockopt(s, SOL_SOCKET, name, &value, sizeof(value));
    if (rc == UST_OK || rc == UST_ERR_NOPROTOOPT || rc == UST_ERR_NOTSUP)
        return 0;
    return sock_fail_err(rc);
}

static bool is_generic_int(int name)
{
    return name == SO_REUSEADDR || name == SO_BROADCAST || name == SO_RCVBUF ||
           name == SO_SNDBUF;
}

static int set_generic(struct ust_sock *s, int name, const void *val, socklen_t len)
{
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
        ust_time_t t;
        int eno = timeo_from_user(val, len, &t);
        if (eno)
            return sock_fail(eno);
        *(name == SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo) = t;
        return 0;
    }
    if (len < sizeof(int))
        return sock_fail(EINVAL);
    int v;
    memcpy(&v, val, sizeof(v));
    switch (name) {
    case SO_REUSEADDR:
        s->reuseaddr = v != 0;
        v = s->reuseaddr;
        break;
    case SO_BROADCAST:
        s->broadcast = v != 0;
        v = s->broadcast;
        break;
    case SO_RCVBUF:
        v = s->rcvbuf = buf_size(v, SOCK_MIN_RCVBUF);
        break;
    default: /* SO_SNDBUF */
        v = s->sndbuf = buf_size(v, SOCK_MIN_SNDBUF);
        break;
    }
    return notify_protocol(s, name, v);
}

int ust_setsockopt(struct ust_stack *st, int fd, int level, int name, const void *val,
                   socklen_t len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!val && len > 0)
        return sock_fail(EFAULT);
    if (level == SOL_SOCKET) {
        if (is_generic_int(name) || name == SO_RCVTIMEO || name == SO_SNDTIMEO)
            return val ? set_generic(s, name, val, len) : sock_fail(EINVAL);
        if (name == SO_TYPE || name == SO_ERROR)
            return sock_fail(ENOPROTOOPT); /* read-only */
    }
    if (sock_is_ipv6_opt(s, level, name))
        return sock_setopt_ipv6(s, name, val, len);
    if (!s->ops->setsockopt)
        return sock_fail(ENOPROTOOPT);
    int rc = s->ops->setsockopt(s, level, name, val, len);
    return rc < 0 ? sock_fail_err(rc) : 0;
}

/* Copies at most *len bytes of v (as getsockopt(2) truncates). */
static int copy_out(const void *v, size_t vlen, void *val, socklen_t *len)
{
    size_t n = *len < vlen ? *len : vlen;
    memcpy(val, v, n);
    *len = (socklen_t)n;
    return 0;
}

static int get_generic(struct ust_sock *s, int name, void *val, socklen_t *len)
{
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
        struct timeval tv = timeo_to_user(name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo);
        return copy_out(&tv, sizeof(tv), val, len);
    }
    int v;
    switch (name) {
    case SO_REUSEADDR:
        v = s->reuseaddr;
        break;
    case SO_BROADCAST:
        v = s->broadcast;
        break;
    case SO_RCVBUF:
        v = s->rcvbuf;
        break;
    case SO_SNDBUF:
        v = s->sndbuf;
        break;
    case SO_TYPE:
        v = s->type;
        break;
    default: { /* SO_ERROR: the pending error, cleared by reading */
        int err = s->ops->take_error ? s->ops->take_error(s) : 0;
        v = err < 0 ? ust_err_to_errno(err) : 0;
        break;
    }
    }
    return copy_out(&v, sizeof(v), val, len);
}

int ust_getsockopt(struct ust_stack *st, int fd, int level, int name, void *val, socklen_t *len)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!len || (!val && *len > 0))
        return sock_fail(EFAULT);
    if (level == SOL_SOCKET && (is_generic_int(name) || name == SO_RCVTIMEO ||
                                name == SO_SNDTIMEO || name == SO_TYPE || name == SO_ERROR))
        return get_generic(s, name, val, len);
    if (sock_is_ipv6_opt(s, level, name))
        return sock_getopt_ipv6(s, name, val, len);
    if (!s->ops->getsockopt)
        return sock_fail(ENOPROTOOPT);
    size_t n = *len;
    int rc = s->ops->getsockopt(s, level, name, val, &n);
    if (rc < 0)
        return sock_fail_err(rc);
    *len = (socklen_t)n;
    return 0;
}

/* ust_recvmsg / ust_sendmsg: scatter/gather over msg_iov and the control
 * messages that carry what IP knows about a datagram (RFC 1122 3.4: the
 * receiving interface, the specific destination, the IP options, ICMP
 * errors) to the application. */
#include <stdlib.h>
#include <string.h>

#include "sock_impl.h"
#include "ustack/socket.h"

static size_t iov_total(const struct iovec *iov, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

static void iov_scatter(const struct iovec *iov, size_t n, const uint8_t *src, size_t len)
{
    for (size_t i = 0; i < n && len; i++) {
        size_t c = iov[i].iov_len < len ? iov[i].iov_len : len;
        memcpy(iov[i].iov_base, src, c);
        src += c;
        len -= c;
    }
}

static void iov_gather(const struct iovec *iov, size_t n, uint8_t *dst)
{
    for (size_t i = 0; i < n; i++) {
        if (iov[i].iov_len)
            memcpy(dst, iov[i].iov_base, iov[i].iov_len);
        dst += iov[i].iov_len;
    }
}

/* Appends one control message. One that does not fit whole is cut to
 * the room left (its cmsg_len says what it holds) and MSG_CTRUNC set, as
 * Linux's put_cmsg does; no room for even its header: left out. */
void sock_cmsg_put(struct msghdr *m, size_t *used, int level, int type, const void *data,
                   size_t len)
{
    size_t room = m->msg_controllen > *used ? m->msg_controllen - *used : 0;
    if (room < CMSG_LEN(len)) {
        m->msg_flags |= MSG_CTRUNC;
        if (room < CMSG_LEN(0))
            return;
        len = room - CMSG_LEN(0);
    }
    struct cmsghdr c = {.cmsg_len = CMSG_LEN(len), .cmsg_level = level, .cmsg_type = type};
    uint8_t *at = (uint8_t *)m->msg_control + *used;
    size_t space = CMSG_SPACE(len) < room ? CMSG_SPACE(len) : room;
    memset(at, 0, space);
    memcpy(at, &c, sizeof(c));
    memcpy(at + CMSG_LEN(0), data, len);
    *used += space;
}

static void cmsg_put(struct msghdr *m, size_t *used, int type, const void *data, size_t len)
{
    sock_cmsg_put(m, used, IPPROTO_IP, type, data, len);
}

static void cmsg_pktinfo(struct msghdr *m, size_t *used, const struct sock_meta *meta)
{
    struct in_pktinfo pi = {.ipi_ifindex = meta->ifindex >= 0 ? meta->ifindex + 1 : 0};
    pi.ipi_spec_dst.s_addr = htonl(meta->spec_dst);
    pi.ipi_addr.s_addr = htonl(meta->dst);
    cmsg_put(m, used, IP_PKTINFO, &pi, sizeof(pi));
}

/* The fields of Linux's struct sock_extended_err both families share. */
void sock_ee_fill(struct ust_sock_extended_err *ee, const struct sock_meta *meta)
{
    ee->ee_errno = (uint32_t)ust_err_to_errno(meta->err);
    ee->ee_origin = meta->err_origin;
    ee->ee_type = meta->err_type;
    ee->ee_code = meta->err_code;
    ee->ee_info = meta->err_info;
}

static void cmsg_err(const struct ust_sock *s, struct msghdr *m, size_t *used,
                     const struct sock_meta *meta)
{
    if (s->domain == AF_INET6) {
        sock_cmsg_err6(m, used, meta);
        return;
    }
    struct {
        struct ust_sock_extended_err ee;
        struct sockaddr_in offender;
    } e;
    memset(&e, 0, sizeof(e));
    sock_ee_fill(&e.ee, meta);
    e.offender.sin_family = AF_INET;
    e.offender.sin_addr.s_addr = htonl(meta->offender.u.v4);
    cmsg_put(m, used, IP_RECVERR, &e, sizeof(e));
}

static void put_control(const struct ust_sock *s, struct msghdr *m, const struct sock_meta *meta)
{
    size_t used = 0;
    if (!m->msg_control)
        m->msg_controllen = 0;
    sock_put_control6(m, &used, meta);
    if (meta->has_pktinfo)
        cmsg_pktinfo(m, &used, meta);
    if (meta->has_tos)
        cmsg_put(m, &used, IP_TOS, &meta->tos, 1);
    if (meta->has_opts)
        cmsg_put(m, &used, IP_RECVOPTS, meta->opts, meta->opt_len);
    if (meta->has_retopts)
        cmsg_put(m, &used, IP_RETOPTS, meta->retopts, meta->retopt_len);
    if (meta->has_err)
        cmsg_err(s, m, &used, meta);
    m->msg_controllen = used;
}

static void name_to_user(const struct ust_sock *s, struct msghdr *m, const struct sock_addr *a,
                         bool dgram)
{
    if (!m->msg_name)
        return;
    if (!dgram) {
        m->msg_namelen = 0;
        return;
    }
    sock_addr_to_user(s, a, m->msg_name, &m->msg_namelen);
}

/* One protocol call, blocking as ust_recvfrom does (never for the error
 * queue). MSG_TRUNC is asked for so that the real length is known. */
static ssize_t recv_wait(struct ust_stack *st, struct ust_sock *s, void *buf, size_t len,
                         int flags, struct sock_addr *a, struct sock_meta *meta)
{
    bool nonblock = s->nonblock || (flags & (MSG_DONTWAIT | MSG_ERRQUEUE | MSG_OOB));
    struct sock_wait w = {.timeo = s->rcvtimeo};
    for (;;) {
        ssize_t rc = s->ops->recvmsg ? s->ops->recvmsg(s, buf, len, flags, a, meta)
                                     : s->ops->recv(s, buf, len, flags, a);
        if (rc >= 0 || rc != UST_ERR_AGAIN || nonblock)
            return rc;
        int wr = sock_wait_once(st, &w);
        if (wr < 0)
            return wr;
    }
}

ssize_t ust_recvmsg(struct ust_stack *st, int fd, struct msghdr *m, int flags)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!m || (!m->msg_iov && m->msg_iovlen))
        return sock_fail(EFAULT);
    if (!s->ops->recv && !s->ops->recvmsg)
        return sock_fail(EOPNOTSUPP);
    size_t len = iov_total(m->msg_iov, m->msg_iovlen);
    uint8_t *buf = len ? malloc(len) : NULL;
    if (len && !buf)
        return sock_fail(ENOMEM);
    struct sock_addr a = {.port = 0};
    struct sock_meta meta;
    memset(&meta, 0, sizeof(meta));
    bool dgram = s->type == SOCK_DGRAM;
    ssize_t rc = recv_wait(st, s, buf, len, flags | (dgram ? MSG_TRUNC : 0), &a, &meta);
    if (rc < 0) {
        free(buf);
        return sock_fail_err((int)rc);
    }
    size_t got = (size_t)rc < len ? (size_t)rc : len;
    iov_scatter(m->msg_iov, m->msg_iovlen, buf, got);
    free(buf);
    m->msg_flags = dgram && (size_t)rc > len ? MSG_TRUNC : 0;
    if (!dgram && (flags & MSG_OOB))
        m->msg_flags |= len ? MSG_OOB : MSG_OOB | MSG_TRUNC; /* as Linux */
    name_to_user(s, m, &a, dgram);
    put_control(s, m, &meta);
    return (flags & MSG_TRUNC) || !dgram ? rc : (ssize_t)got;
}

/* An int (or, for IP_TOS, a single byte as Linux also takes) control
 * message value; -1 when malformed. */
static int cmsg_int(const struct cmsghdr *c, bool byte_ok)
{
    int v;
    if (c->cmsg_len == CMSG_LEN(sizeof(int))) {
        memcpy(&v, CMSG_DATA(c), sizeof(v));
        return v;
    }
    if (byte_ok && c->cmsg_len == CMSG_LEN(1))
        return *CMSG_DATA(c);
    return -1;
}

/* One sending control message into tx; an errno when refused. */
static int tx_one(const struct ust_sock *s, const struct cmsghdr *c, struct sock_tx_meta *tx)
{
    if (c->cmsg_level == IPPROTO_IPV6 && s->domain == AF_INET6)
        return sock_tx_one6(c, tx);
    if (c->cmsg_level != IPPROTO_IP)
        return EINVAL;
    switch (c->cmsg_type) {
    case IP_TTL: /* RFC 1122 3.2.1.7: never 0 */
        tx->ttl = cmsg_int(c, false);
        return tx->ttl >= 1 && tx->ttl <= 255 ? 0 : EINVAL;
    case IP_TOS:
        tx->tos = cmsg_int(c, true);
        return tx->tos >= 0 && tx->tos <= 255 ? 0 : EINVAL;
    case IP_PKTINFO: {
        struct in_pktinfo pi;
        if (c->cmsg_len != CMSG_LEN(sizeof(pi)))
            return EINVAL;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        tx->src = ntohl(pi.ipi_spec_dst.s_addr);
        return 0;
    }
    default:
        return EINVAL;
    }
}

/* The control buffer is the application's: every cmsg_len must cover its
 * header and stay inside msg_controllen (Linux CMSG_OK), else EINVAL. */
static int tx_from_control(const struct ust_sock *s, const struct msghdr *m,
                           struct sock_tx_meta *tx)
{
    struct msghdr copy = *m; /* the CMSG macros want a mutable header */
    const uint8_t *end = (const uint8_t *)m->msg_control + m->msg_controllen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&copy); c; c = CMSG_NXTHDR(&copy, c)) {
        if (c->cmsg_len < sizeof(*c) || c->cmsg_len > (size_t)(end - (const uint8_t *)c))
            return EINVAL;
        int eno = tx_one(s, c, tx);
        if (eno)
            return eno;
    }
    return 0;
}

ssize_t ust_sendmsg(struct ust_stack *st, int fd, const struct msghdr *m, int flags)
{
    struct ust_sock *s = sock_get(st, fd);
    if (!s)
        return sock_fail(EBADF);
    if (!m || (!m->msg_iov && m->msg_iovlen) || (!m->msg_control && m->msg_controllen))
        return sock_fail(EFAULT);
    struct sock_tx_meta tx = {.ttl = -1, .tos = -1, .src = 0, .hops = -1, .tclass = -1,
                              .dontfrag = -1};
    if (m->msg_controllen) {
        int eno = tx_from_control(s, m, &tx);
        if (eno)
            return sock_fail(eno);
    }
    size_t len = iov_total(m->msg_iov, m->msg_iovlen);
    uint8_t *buf = len ? malloc(len) : NULL;
    if (len && !buf)
        return sock_fail(ENOMEM);
    iov_gather(m->msg_iov, m->msg_iovlen, buf);
    ssize_t rc = sock_sendto_tx(st, fd, buf, len, flags, m->msg_name, m->msg_namelen,
                                m->msg_controllen ? &tx : NULL);
    free(buf);
    return rc;
}

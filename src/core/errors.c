/* enum ust_err for the public API: its text (ust_strerror) and the errno
 * the socket layer reports for it (ust_err_to_errno), from one table. */
#include <errno.h>
#include <stddef.h>

#include "ustack/types.h"

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
    {UST_ERR_BUSY, EBUSY, "device busy"},
    {UST_ERR_DEVTYPE, EINVAL, "not a TAP/TUN device of the requested kind"},
    {UST_ERR_QUEUEMODE, EINVAL, "TAP/TUN device of the other queue mode (single/multi-queue)"},
    {UST_ERR_NODEV, ENODEV, "no such interface"},
    {UST_ERR_NOBUFS, ENOBUFS, "no buffer space available"},
};

const char *ust_strerror(int err)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].text;
    return "unknown error";
}

/* The first enum ust_err with that errno, UST_ERR_IO if none: the device
 * layer keeps the kernel's reason instead of a bare EIO. ENODEV from the
 * kernel stays UST_ERR_IO (the device calls document it so);
 * UST_ERR_NODEV is the sockets' "no such interface". */
int err_from_errno(int eno)
{
    for (size_t i = 1; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].eno == eno && err_table[i].err != UST_ERR_NODEV)
            return err_table[i].err;
    return UST_ERR_IO;
}

int ust_err_to_errno(int err)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].err == err)
            return err_table[i].eno;
    return EIO;
}

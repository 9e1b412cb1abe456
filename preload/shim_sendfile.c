/* Interposed sendfile/sendfile64 and splice. sendfile from a file to a
 * ustack socket reads the file into a bounded buffer and sends it through
 * the front: offset NULL uses and advances the file position, otherwise
 * the file is read with pread from *offset, which is updated and the file
 * position left alone (sendfile(2)). Only what the socket took counts: a
 * short send (non-blocking socket, timeout) moves the position just that
 * far. To a kernel descriptor sendfile is libc's. splice to or from a
 * ustack socket fails with EINVAL (its pipe side would bypass the front). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

/* One read-and-send piece; the kernel's own sendfile moves at most
 * 0x7ffff000 bytes per call (read(2)), as here. */
#define SHIM_SENDFILE_CHUNK (256u * 1024u)
#define SHIM_RW_MAX 0x7ffff000u

static ssize_t send_piece(int out_fd, const char *buf, size_t len)
{
    struct ust_front *f = atomic_load(&shim.front);
    shim_enter();
    ssize_t r = ust_front_send(f, out_fd, buf, len, 0);
    shim_leave();
    shim_sigpipe(r, 0);
    return r;
}

/* Sends up to count bytes of in_fd from *pos on; *pos advances by what
 * the socket took. Returns that count, or -1 when nothing went. */
static ssize_t file_to_socket(int out_fd, int in_fd, off_t *pos, size_t count)
{
    char *buf = malloc(SHIM_SENDFILE_CHUNK);
    if (!buf) {
        errno = ENOBUFS;
        return -1;
    }
    size_t done = 0;
    ssize_t r = 0;
    while (done < count) {
        size_t want = count - done < SHIM_SENDFILE_CHUNK ? count - done : SHIM_SENDFILE_CHUNK;
        ssize_t n = pread(in_fd, buf, want, *pos);
        if (n <= 0) {
            r = n;
            break; /* end of file, or an error (reported if nothing went) */
        }
        r = send_piece(out_fd, buf, (size_t)n);
        if (r <= 0)
            break;
        done += (size_t)r;
        *pos += r;
        if (r < n)
            break; /* the socket took less: non-blocking, or a timeout */
    }
    int saved = errno;
    free(buf);
    errno = saved;
    return done ? (ssize_t)done : r;
}

static ssize_t shim_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
    if (shim_fd_kind(in_fd) != 0) {
        errno = EINVAL; /* a socket cannot be sendfile's source */
        return -1;
    }
    if (count > SHIM_RW_MAX)
        count = SHIM_RW_MAX;
    off_t pos = offset ? *offset : lseek(in_fd, 0, SEEK_CUR);
    if (pos < 0) {
        if (errno == ESPIPE)
            errno = EINVAL; /* a pipe as the source is not supported here */
        return -1;
    }
    ssize_t r = file_to_socket(out_fd, in_fd, &pos, count);
    if (r > 0) {
        if (offset)
            *offset = pos;
        else
            (void)lseek(in_fd, pos, SEEK_SET);
    }
    return r;
}

EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
    int kind = shim_fd_kind(out_fd);
    if (kind < 0)
        return -1;
    if (kind == 0 && shim_fd_kind(in_fd) == 0)
        return SHIM_REAL(sendfile)(out_fd, in_fd, offset, count);
    if (kind == 0) {
        errno = EINVAL;
        return -1;
    }
    return shim_sendfile(out_fd, in_fd, offset, count);
}

/* off_t is 64 bits wherever the shim is built (static assertion below),
 * so sendfile64 is the same call. */
_Static_assert(sizeof(off_t) == 8, "sendfile64 relies on a 64-bit off_t");

EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
    return sendfile(out_fd, in_fd, offset, count);
}

EXPORT ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
                      unsigned int flags)
{
    int kin = shim_fd_kind(fd_in), kout = shim_fd_kind(fd_out);
    if (kin < 0 || kout < 0)
        return -1;
    if (kin > 0 || kout > 0) {
        errno = EINVAL;
        return -1;
    }
    return SHIM_REAL(splice)(fd_in, off_in, fd_out, off_out, len, flags);
}

/* Where `ustack get -o FILE` writes: a temporary file next to FILE, renamed
 * over it only when the download succeeded, so that a 404, a refused
 * connection, a timeout or Ctrl-C leaves an existing FILE as it was and no
 * partial file behind (curl -o with --remove-on-error; wget). The
 * temporary file is in FILE's own directory: rename(2) is atomic there,
 * and a reader sees the old file or the new one, never half of it.
 * "-" is standard output. A FILE that exists and is not a regular file
 * (/dev/null, a FIFO) is written in place: renaming over it would replace
 * the device node. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* FILE's target (a symlink's, so the link stays a link) into o->path. */
static int resolve_target(struct out_file *o, const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) && realpath(path, o->path))
        return 0;
    if (strlen(path) >= sizeof(o->path))
        return errno = ENAMETOOLONG, -1;
    strcpy(o->path, path);
    return 0;
}

/* The permissions the file gets: the old file's, or those a new file
 * would get (0666 less the umask). */
static mode_t new_mode(const struct stat *old, bool exists)
{
    if (exists)
        return old->st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static int open_temp(struct out_file *o, const struct stat *old, bool exists)
{
    char dir_buf[PATH_MAX], base_buf[PATH_MAX];
    strcpy(dir_buf, o->path);
    strcpy(base_buf, o->path);
    const char *dir = dirname(dir_buf), *base = basename(base_buf);
    if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.ustack-XXXXXX", dir, base) >=
        sizeof(o->tmp))
        return errno = ENAMETOOLONG, -1;
    int fd = mkstemp(o->tmp);
    if (fd < 0)
        return -1;
    o->temp = true;
    if (fchmod(fd, new_mode(old, exists)) < 0 || !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        o->temp = false;
        return errno = e, -1;
    }
    return 0;
}

int out_file_open(struct out_file *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->name = path;
    if (!strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    if (resolve_target(o, path) < 0)
        return -1;
    struct stat sb;
    bool exists = stat(o->path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return errno = EISDIR, -1;
    if (exists && !S_ISREG(sb.st_mode))
        return (o->f = fopen(o->path, "wb")) ? 0 : -1;
    return open_temp(o, &sb, exists);
}

int out_file_commit(struct out_file *o)
{
    int rc = fflush(o->f);
    if (o->f == stdout)
        return rc;
    if (fclose(o->f) != 0)
        rc = -1;
    o->f = NULL;
    if (o->temp && rc == 0 && rename(o->tmp, o->path) < 0)
        rc = -1;
    if (o->temp && rc != 0) {
        int e = errno;
        unlink(o->tmp);
        errno = e;
    }
    o->temp = false;
    return rc;
}

void out_file_discard(struct out_file *o)
{
    if (!o->f || o->f == stdout) {
        if (o->f)
            fflush(o->f);
        return;
    }
    fclose(o->f);
    o->f = NULL;
    if (o->temp)
        unlink(o->tmp);
    o->temp = false;
}

/* --stable-secret and --stable-secret-file: the RFC 7217 secret_key that
 * makes the link-local and SLAAC addresses the same after a restart
 * (cfg.ipv6_stable_secret). RFC 7217 5 asks for a random key of at least
 * 128 bits, set at the first start and kept: the file form does exactly
 * that (a missing file is created with 16 random bytes, mode 0600). The
 * text is 32 hex digits, or an IPv6 address as Linux's stable_secret
 * sysctl takes it (stable_secret_parse, link_opts.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli.h"

/* A new key file: 32 hex digits and a newline, readable by its owner only;
 * O_EXCL so that two instances starting together do not both write one. */
static int secret_file_create(const char *path, uint8_t out[16])
{
    if (getrandom(out, 16, 0) != 16)
        return cli_usage_error("--stable-secret-file: cannot read random bytes");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return cli_usage_error("--stable-secret-file %s: cannot create: %s", path,
                               strerror(errno));
    char text[34];
    for (int k = 0; k < 16; k++)
        snprintf(text + 2 * k, 3, "%02x", out[k]);
    text[32] = '\n';
    ssize_t n = write(fd, text, 33);
    int err = errno;
    close(fd);
    if (n != 33)
        return cli_usage_error("--stable-secret-file %s: cannot write: %s", path,
                               strerror(n < 0 ? err : EIO));
    return 0;
}

int stable_secret_file(const char *path, uint8_t out[16])
{
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT)
        return secret_file_create(path, out);
    if (!f)
        return cli_usage_error("--stable-secret-file %s: %s", path, strerror(errno));
    char line[128] = "";
    bool got = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, " \t\r\n")] = '\0';
    if (!got || stable_secret_parse(line, out) != 0)
        return cli_usage_error("--stable-secret-file %s: not 32 hex digits or an IPv6 address",
                               path);
    return 0;
}

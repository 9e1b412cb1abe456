/* The one line the CLI prints when a TAP or TUN device cannot be opened:
 * the kernel's reason, kept by the library (dev_tap.c), in words. */
#include "cli.h"

int cli_dev_open_error(const char *opt, const char *kind, const char *name, int err)
{
    switch (err) {
    case UST_ERR_PERM:
        return cli_usage_error("%s %s: permission denied (needs root or CAP_NET_ADMIN, and "
                               "access to /dev/net/tun)", opt, name);
    case UST_ERR_BUSY:
        return cli_usage_error("%s %s: %s: device busy (another program has the %s device "
                               "open)", opt, name, name, kind);
    case UST_ERR_DEVTYPE:
        return cli_usage_error("%s %s: %s is not a %s device", opt, name, name, kind);
    case UST_ERR_NOENT:
        return cli_usage_error("%s %s: /dev/net/tun is missing (no TUN/TAP support)", opt,
                               name);
    default:
        return cli_usage_error("%s %s: cannot open the %s device: %s", opt, name, kind,
                               ust_strerror(err));
    }
}

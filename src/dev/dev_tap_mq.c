/* Telling "a TAP/TUN device with the other queue mode" from "not a TAP/TUN
 * device": Linux's tun_set_iff answers EINVAL to both (an existing device
 * opened with a different IFF_MULTI_QUEUE bit, and a name of another
 * kind). The device's flags are in /sys/class/net/NAME/tun_flags
 * ("0x1102": IFF_TAP | IFF_MULTI_QUEUE | IFF_NO_PI). sysfs shows the
 * network namespace it was mounted in (`ip netns exec` mounts the
 * namespace's own), so the interface index it names must be the one our
 * namespace gives the name: otherwise we cannot tell, and say so. */
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>

#include "dev_tap_mq.h"

/* The unsigned number in the file, or -1. */
static long read_sysfs_num(const char *ifname, const char *attr)
{
    char path[96];
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long v = -1;
    if (fscanf(f, "%li", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

bool tap_mq_mismatch(const char *ifname, short flags)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0 || read_sysfs_num(ifname, "ifindex") != (long)idx)
        return false; /* sysfs of another namespace */
    long dev_flags = read_sysfs_num(ifname, "tun_flags");
    if (dev_flags < 0)
        return false; /* not a TAP/TUN device at all */
    short kind = flags & (IFF_TUN | IFF_TAP);
    return (dev_flags & (IFF_TUN | IFF_TAP)) == kind &&
           !!(dev_flags & IFF_MULTI_QUEUE) != !!(flags & IFF_MULTI_QUEUE);
}

/* The one parser of byte counts on the command line (--bytes, -s, --mtu,
 * the burst of --shape, ...): a whole number with an optional suffix.
 * K, M, G, T and KiB, MiB, GiB, TiB are powers of 1024 (as iperf3 -n and
 * GNU dd's K); KB, MB, GB, TB are powers of 1000 (as dd and the coreutils);
 * B is bytes. Case does not matter. No fractions, no signs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "cli.h"

struct size_unit {
    const char *suffix;
    uint64_t mult;
};

static const struct size_unit size_units[] = {
    {"", 1},
    {"B", 1},
    {"K", 1ull << 10},
    {"KiB", 1ull << 10},
    {"KB", 1000ull},
    {"M", 1ull << 20},
    {"MiB", 1ull << 20},
    {"MB", 1000000ull},
    {"G", 1ull << 30},
    {"GiB", 1ull << 30},
    {"GB", 1000000000ull},
    {"T", 1ull << 40},
    {"TiB", 1ull << 40},
    {"TB", 1000000000000ull},
};

int size_value(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    for (size_t k = 0; k < sizeof(size_units) / sizeof(size_units[0]); k++) {
        const struct size_unit *u = &size_units[k];
        if (strcasecmp(end, u->suffix) != 0)
            continue;
        if (v > UINT64_MAX / u->mult)
            return -1;
        *out = v * u->mult;
        return 0;
    }
    return -1;
}

/* "64M" when n is a whole number of K, M, G or T; else the digits. */
static const char *size_text(uint64_t n, char buf[32])
{
    static const char *const names[] = {"T", "G", "M", "K"};
    for (int k = 0; k < 4; k++) {
        uint64_t unit = 1ull << (10 * (4 - k));
        if (n >= unit && n % unit == 0) {
            snprintf(buf, 32, "%" PRIu64 "%s", n / unit, names[k]);
            return buf;
        }
    }
    snprintf(buf, 32, "%" PRIu64, n);
    return buf;
}

int parse_size(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;
    if (size_value(s, &v) == 0 && v >= lo && v <= hi) {
        *out = v;
        return 0;
    }
    char a[32], b[32];
    if (hi == UINT64_MAX)
        cli_usage_error("%s: '%s' is not a byte count (e.g. 1500, 64K, 10M, 1GiB)", opt, s);
    else
        cli_usage_error("%s: '%s' is not a byte count from %s to %s (e.g. 1500, 64K, 10M, "
                        "1GiB)", opt, s, size_text(lo, a), size_text(hi, b));
    return -1;
}

int parse_bytes(const char *s, size_t *bytes)
{
    uint64_t v;
    if (size_value(s, &v) != 0 || v > SIZE_MAX)
        return -1;
    *bytes = (size_t)v;
    return 0;
}

/* The CLI's default name server: the first IPv4 "nameserver" line of
 * resolv.conf(5), else its first IPv6 one. The library never reads the
 * file: it gets the address in cfg.dns_server / cfg.dns_server6. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int resolv_conf_parse(const char *text, int family, struct ust_addr *out)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        char key[16], val[64];
        /* "nameserver ADDR", keyword at the start of the line (resolv.conf(5)) */
        if (sscanf(p, "%15s %63s", key, val) == 2 && !strcmp(key, "nameserver") &&
            (p[0] == 'n') && ust_addr_parse(val, out) == UST_OK && out->family == family)
            return UST_OK;
    }
    return UST_ERR_NOENT;
}

int resolv_conf_nameserver(const char *path, int family, struct ust_addr *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return UST_ERR_NOENT;
    char text[8192];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    return resolv_conf_parse(text, family, out);
}

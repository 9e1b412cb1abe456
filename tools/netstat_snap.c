/* The control socket's text snapshot (ctl.c) read back into a table:
 * "sock" lines, the "tcpinfo" line that may follow a TCP connection's,
 * and "stat" lines. Lines of kinds this version does not know are
 * skipped, so a newer instance can say more. */
#include <stdlib.h>
#include <string.h>

#include "netstat.h"

static int state_from_name(const char *s)
{
    for (int i = UST_TCP_CLOSED; i <= UST_TCP_TIME_WAIT; i++)
        if (!strcmp(ust_tcp_state_name(i), s))
            return i;
    return -1;
}

/* An address of a "sock" line (ctl.c): IPv6 text, or IPv4 as a decimal
 * number (the only form before IPv6). */
static bool ctl_addr_parse(const char *s, struct ust_addr *a)
{
    if (strchr(s, ':'))
        return ust_addr_parse(s, a) == UST_OK;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v > UINT32_MAX)
        return false;
    *a = ust_addr_from_ip4((ust_ip4_t)v);
    return true;
}

/* One "sock ..." line into an entry. Returns false if malformed. */
static bool parse_sock(const char *line, struct ust_sock_entry *e)
{
    char proto[8], state[16], las[UST_ADDR_STRLEN], ras[UST_ADDR_STRLEN];
    unsigned lp, rp, rq, sq;
    int fd;
    if (sscanf(line, "sock %7s %d %57s %u %57s %u %15s %u %u", proto, &fd, las, &lp, ras, &rp,
               state, &rq, &sq) != 9)
        return false;
    struct ust_addr la, ra;
    if (!ctl_addr_parse(las, &la) || !ctl_addr_parse(ras, &ra))
        return false;
    *e = (struct ust_sock_entry){
        .proto = strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP,
        .fd = fd, .laddr = la, .lport = (uint16_t)lp, .raddr = ra, .rport = (uint16_t)rp,
        .recv_q = rq, .send_q = sq,
    };
    e->state = e->proto == IPPROTO_TCP ? state_from_name(state) : UST_TCP_CLOSED;
    return true;
}

/* "stat LAYER NAME VALUE", split in place. */
static bool parse_stat(char *line, struct netstat_counter *c)
{
    if (strncmp(line, "stat ", 5) != 0)
        return false;
    char *layer = line + 5, *name = strchr(layer, ' ');
    if (!name)
        return false;
    *name++ = '\0';
    char *val = strchr(name, ' ');
    if (!val)
        return false;
    *val++ = '\0';
    char *end;
    c->layer = layer;
    c->name = name;
    c->value = strtoull(val, &end, 10);
    return end != val && *end == '\0';
}

/* Room for element n: capacity 16, then doubled whenever n reaches it. */
static bool grow(void **arr, size_t n, size_t size)
{
    if (n != 0 && (n < 16 || (n & (n - 1))))
        return true;
    void *p = realloc(*arr, (n ? n * 2 : 16) * size);
    if (!p)
        return false;
    *arr = p;
    return true;
}

static bool add_line(struct netstat_snap *s, char *line)
{
    struct netstat_counter c;
    if (sscanf(line, "pid %ld", &s->pid) == 1)
        return true;
    if (sscanf(line, "queue %u %u", &s->queue, &s->queues) == 2)
        return true;
    if (!strncmp(line, "prog ", 5)) {
        s->prog = line + 5;
        return true;
    }
    if (!strncmp(line, "tcpinfo", 7) && (line[7] == ' ' || !line[7])) {
        if (s->nsocks && s->socks[s->nsocks - 1].e.proto == IPPROTO_TCP)
            s->socks[s->nsocks - 1].info = line + 7;
        return true;
    }
    if (!strncmp(line, "sock ", 5)) {
        struct ust_sock_entry e;
        if (!parse_sock(line, &e))
            return true;
        if (!grow((void **)&s->socks, s->nsocks, sizeof(*s->socks)))
            return false;
        s->socks[s->nsocks++] = (struct netstat_sock){.e = e};
        return true;
    }
    if (parse_stat(line, &c)) {
        if (!grow((void **)&s->ctrs, s->nctrs, sizeof(*s->ctrs)))
            return false;
        s->ctrs[s->nctrs++] = c;
    }
    return true;
}

bool netstat_snap_parse(char *text, const char *path, struct netstat_snap *s)
{
    memset(s, 0, sizeof(*s));
    s->text = text;
    s->path = path;
    if (strncmp(text, "ustack-ctl 1\n", 13) != 0) {
        netstat_snap_free(s);
        return false;
    }
    for (char *line = text + 13; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* cut short (reply too long, or too slow): not a whole line */
        *nl = '\0';
        if (!strcmp(line, "end")) {
            s->complete = true;
            break;
        }
        if (!add_line(s, line)) {
            netstat_snap_free(s);
            return false;
        }
        line = nl + 1;
    }
    return true;
}

void netstat_snap_free(struct netstat_snap *s)
{
    free(s->socks);
    free(s->ctrs);
    free(s->text);
    memset(s, 0, sizeof(*s));
}

/* `ustack netstat` internals: the control-socket snapshot as the client
 * reads it, and its three renderings (table, -i, --json). */
#ifndef UST_TOOLS_NETSTAT_H
#define UST_TOOLS_NETSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* ---- the "tcpinfo k=v ..." line (netstat_info.c) ------------------------- */
void netstat_info_write(FILE *f, const struct ust_tcp_info *info);
/* An entry's address as text: "-" (no address) shows as the wildcard of
 * `like`'s family (0.0.0.0 or ::), as netstat prints a missing peer. */
#define NETSTAT_EP_LEN (UST_ADDR_STRLEN + 10)
char *netstat_addr_text(const struct ust_addr *a, const struct ust_addr *like,
                        char buf[UST_ADDR_STRLEN]);
/* The value of `key` in a "k=v k=v" list copied into buf; NULL if absent. */
const char *netstat_info_get(const char *kv, const char *key, char *buf, size_t cap);
/* A numeric value; 0 if absent. */
unsigned long long netstat_info_num(const char *kv, const char *key);

/* ---- one instance's snapshot (netstat_snap.c) ----------------------------- */
struct netstat_sock {
    struct ust_sock_entry e;
    const char *info;           /* "k=v k=v" of a TCP connection, or NULL
                                   (listeners, UDP, an instance too old) */
};
struct netstat_counter {
    const char *layer, *name;
    unsigned long long value;
};
struct netstat_snap {
    const char *path;           /* the control socket it came from */
    long pid;
    unsigned queue, queues;     /* "queue K N" (serve --queues N); queues 0: absent */
    const char *prog;           /* the process's name ("prog" line), or NULL */
    struct netstat_sock *socks;
    size_t nsocks;
    struct netstat_counter *ctrs;
    size_t nctrs;
    bool complete;              /* its "end" line came: nothing was cut */
    char *text;                 /* owns every string above */
};
/* Parses `text` (taken over, freed by netstat_snap_free). False if it is
 * not a snapshot (text freed too). */
bool netstat_snap_parse(char *text, const char *path, struct netstat_snap *s);
void netstat_snap_free(struct netstat_snap *s);

/* ---- renderings (netstat_fmt.c, netstat_json.c) --------------------------- */
enum netstat_view { NETSTAT_SOCKETS, NETSTAT_INFO, NETSTAT_STATS };
/* The `ss -i` line under a connection's row: "\t cubic rto:204 rtt:...". */
void netstat_print_info(FILE *out, const char *kv);
void netstat_json_begin(FILE *out);
void netstat_json_instance(FILE *out, const struct netstat_snap *s, enum netstat_view view,
                           bool first);
void netstat_json_end(FILE *out);

#endif

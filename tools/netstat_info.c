/* A connection's UST_TCP_INFO on the control socket: one keyed line
 *
 *   tcpinfo rtt_us=1500 rttvar_us=750 ... cc_algo=cubic
 *
 * after its "sock tcp" line. Keys are the field names of struct
 * ust_tcp_info (include/ustack/socket.h); `netstat --json` prints them
 * under the same names. Keyed, not positional, so that a newer instance
 * can add keys that an older netstat skips, and a newer netstat reads an
 * older instance's line (or none) with the missing keys left out. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum field_type { F_U8, F_U32, F_U64, F_STR };

struct info_field {
    const char *key;
    size_t off;
    enum field_type type;
};

#define U8(k) {#k, offsetof(struct ust_tcp_info, k), F_U8}
#define U32(k) {#k, offsetof(struct ust_tcp_info, k), F_U32}
#define U64(k) {#k, offsetof(struct ust_tcp_info, k), F_U64}
#define STR(k) {#k, offsetof(struct ust_tcp_info, k), F_STR}

/* The order `netstat --json` prints them in; append new keys at the end. */
static const struct info_field info_fields[] = {
    U32(rtt_us), U32(rttvar_us), U32(min_rtt_us), U32(rto_us), U8(backoff),
    U32(snd_mss), U32(rcv_mss), U32(cwnd), U32(ssthresh), U32(snd_wnd), U32(rcv_wnd),
    U8(snd_wscale), U8(rcv_wscale), U32(unacked), U32(retransmits), U32(total_retrans),
    U64(bytes_sent), U64(bytes_retrans), U64(bytes_acked), U64(bytes_received),
    U64(delivery_rate), U64(pacing_rate), STR(cc_algo), STR(cc_state), U8(ecn),
    U32(urg_pending), U32(rtt_samples), U32(rtt_ambiguous), U32(rtos), U32(tlp_probes),
    U32(rack_lost), U32(fast_retrans), U32(recoveries), U32(cwnd_reductions),
    U32(max_episode_reductions), U32(lost_retrans), U32(spurious_dsack), U32(spurious_rtos),
    U32(undos), U32(tso_packets), U32(rcv_space), U32(rcv_rtt_us), U32(rcvbuf), U32(sndbuf),
    U64(busy_us), U64(rwnd_limited_us), U64(sndbuf_limited_us),
};

static void write_field(FILE *f, const struct info_field *d, const struct ust_tcp_info *i)
{
    const unsigned char *p = (const unsigned char *)i + d->off;
    uint32_t v32;
    uint64_t v64;
    switch (d->type) {
    case F_U8: fprintf(f, " %s=%u", d->key, (unsigned)*p); break;
    case F_U32:
        memcpy(&v32, p, sizeof(v32));
        fprintf(f, " %s=%u", d->key, (unsigned)v32);
        break;
    case F_U64:
        memcpy(&v64, p, sizeof(v64));
        fprintf(f, " %s=%llu", d->key, (unsigned long long)v64);
        break;
    case F_STR: {
        /* a name of the stack's own (no blanks); empty: "key=" */
        const char *s = (const char *)p;
        fprintf(f, " %s=%s", d->key, strpbrk(s, " \t\n=") ? "" : s);
        break;
    }
    }
}

void netstat_info_write(FILE *f, const struct ust_tcp_info *info)
{
    fputs("tcpinfo", f);
    for (size_t k = 0; k < sizeof(info_fields) / sizeof(info_fields[0]); k++)
        write_field(f, &info_fields[k], info);
    fputc('\n', f);
}

/* The value of `key` in a "k=v k=v" list, copied into buf; NULL if absent. */
const char *netstat_info_get(const char *kv, const char *key, char *buf, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = kv; p && *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t vlen = len - klen - 1;
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(buf, p + klen + 1, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        p += len;
    }
    return NULL;
}

unsigned long long netstat_info_num(const char *kv, const char *key)
{
    char buf[32];
    const char *v = netstat_info_get(kv, key, buf, sizeof(buf));
    return v ? strtoull(v, NULL, 10) : 0;
}

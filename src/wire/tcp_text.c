/* TCP header text as tcpdump prints it: flags "[S.]" and options
 * "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]", for trace lines, so a
 * trace reads like the capture of the same frames. */
#include <stdio.h>

#include "tcp.h"
#include "wbuf.h"

void tcp_flags_text(uint8_t flags, char out[TCP_FLAGS_TEXT_LEN])
{
    /* tcpdump's order (print-tcp.c tcp_flag_values): F S R P . U E W */
    static const struct {
        uint8_t bit;
        char c;
    } order[] = {{TCP_FIN, 'F'}, {TCP_SYN, 'S'}, {TCP_RST, 'R'}, {TCP_PSH, 'P'},
                 {TCP_ACK, '.'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'W'}};
    int n = 0;
    out[n++] = '[';
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (flags & order[i].bit)
            out[n++] = order[i].c;
    if (n == 1)
        out[n++] = 'n'; /* tcpdump's "[none]" shortened */
    out[n++] = ']';
    out[n] = '\0';
}

/* One option's text at out; its length (0 at the end of the list). */
static int one_option(const uint8_t *p, size_t left, char *out, size_t cap, size_t *used)
{
    if (p[0] == TCP_OPT_EOL) {
        *used = left;
        return snprintf(out, cap, "eol");
    }
    if (p[0] == TCP_OPT_NOP) {
        *used = 1;
        return snprintf(out, cap, "nop");
    }
    if (left < 2 || p[1] < 2 || p[1] > left) {
        *used = left;
        return snprintf(out, cap, "bad opt");
    }
    *used = p[1];
    switch (p[0]) {
    case TCP_OPT_MSS:
        if (p[1] == 4)
            return snprintf(out, cap, "mss %u", get_be16(p + 2));
        break;
    case TCP_OPT_WSCALE:
        if (p[1] == 3)
            return snprintf(out, cap, "wscale %u", p[2]);
        break;
    case TCP_OPT_SACK_PERM:
        return snprintf(out, cap, "sackOK");
    case TCP_OPT_SACK:
        return snprintf(out, cap, "sack %u", (p[1] - 2) / 8);
    case TCP_OPT_TIMESTAMP:
        if (p[1] == 10)
            return snprintf(out, cap, "TS val %u ecr %u", get_be32(p + 2), get_be32(p + 6));
        break;
    default:
        break;
    }
    return snprintf(out, cap, "unknown-%u", p[0]);
}

size_t tcp_options_text(const uint8_t *opts, size_t len, char *out, size_t cap)
{
    size_t n = 0, off = 0;
    if (cap < 3)
        return 0;
    out[n++] = '[';
    while (off < len && n + 2 < cap) {
        size_t used = 1;
        if (off)
            out[n++] = ',';
        int w = one_option(opts + off, len - off, out + n, cap - n - 1, &used);
        if (w < 0 || (size_t)w >= cap - n - 1) { /* no room: cut here */
            n = w < 0 ? n : cap - 2;
            break;
        }
        n += (size_t)w;
        off += used;
    }
    out[n++] = ']';
    out[n] = '\0';
    return n;
}

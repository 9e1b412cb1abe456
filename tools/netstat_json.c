/* `ustack netstat --json`: one JSON document (RFC 8259) for every
 * instance asked,
 *
 *   {"version": 1, "instances": [{"pid": .., "ctl": .., ["queue": K,
 *                                 "queues": N,] "sockets": [..]
 *                                 or "counters": {LAYER: {NAME: N}}}]}
 *
 * written by hand: the output is small and flat, and the field names are
 * README's (the socket table's columns, struct ust_tcp_info's fields, the
 * counter names of include/ustack/stats.h). */
#include <string.h>

#include "netstat.h"

/* A JSON string: quotes, backslashes and control characters escaped;
 * bytes beyond ASCII as \u00XX, so that any path gives valid UTF-8. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A "k=v" value: digits are a number, anything else a string. */
static void json_value(FILE *out, const char *v)
{
    if (v[0] && strspn(v, "0123456789") == strlen(v) && (v[0] != '0' || !v[1]))
        fputs(v, out);
    else
        json_str(out, v);
}

/* The tcpinfo line as an object, keys in the order the instance sent. */
static void json_info(FILE *out, const char *kv)
{
    fputs("{", out);
    bool first = true;
    for (const char *p = kv; *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        const char *eq = memchr(p, '=', len);
        if (eq && eq > p) {
            char key[64], val[64];
            snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
            snprintf(val, sizeof(val), "%.*s", (int)(p + len - eq - 1), eq + 1);
            fputs(first ? "" : ", ", out);
            json_str(out, key);
            fputs(": ", out);
            json_value(out, val);
            first = false;
        }
        p += len;
    }
    fputs("}", out);
}

static void json_addr(FILE *out, const char *key, const struct ust_addr *addr,
                      const struct ust_addr *like, uint16_t port)
{
    char a[UST_ADDR_STRLEN];
    fprintf(out, ", \"%s_address\": ", key);
    json_str(out, netstat_addr_text(addr, like, a));
    fprintf(out, ", \"%s_port\": %u", key, port);
}

static void json_sock(FILE *out, const struct netstat_sock *k, bool with_info)
{
    const struct ust_sock_entry *e = &k->e;
    bool tcp = e->proto == IPPROTO_TCP;
    fprintf(out, "        {\"proto\": \"%s\", \"fd\": %d", tcp ? "tcp" : "udp", e->fd);
    json_addr(out, "local", &e->laddr, &e->laddr, e->lport);
    json_addr(out, "remote", &e->raddr, &e->laddr, e->rport);
    fputs(", \"state\": ", out);
    if (tcp)
        json_str(out, netstat_state_name(e->state));
    else
        fputs("null", out);
    fprintf(out, ", \"recv_q\": %u, \"send_q\": %u", e->recv_q, e->send_q);
    if (with_info && k->info) {
        fputs(", \"tcp_info\": ", out);
        json_info(out, k->info);
    }
    fputs("}", out);
}

/* Every counter, zero ones too: a reader finds the same keys each time. */
static void json_counters(FILE *out, const struct netstat_snap *s)
{
    fputs("      \"counters\": {", out);
    const char *layer = NULL;
    for (size_t i = 0; i < s->nctrs; i++) {
        const struct netstat_counter *c = &s->ctrs[i];
        bool new_layer = !layer || strcmp(layer, c->layer) != 0;
        if (new_layer) {
            fputs(layer ? "},\n        " : "\n        ", out);
            json_str(out, c->layer);
            fputs(": {", out);
            layer = c->layer;
        }
        fputs(new_layer ? "" : ", ", out);
        json_str(out, c->name);
        fprintf(out, ": %llu", c->value);
    }
    fputs(layer ? "}\n      }\n" : "}\n", out);
}

void netstat_json_begin(FILE *out)
{
    fputs("{\n  \"version\": 1,\n  \"instances\": [", out);
}

void netstat_json_instance(FILE *out, const struct netstat_snap *s, enum netstat_view view,
                           bool first)
{
    fprintf(out, "%s\n    {\n      \"pid\": %ld,\n      \"program\": ", first ? "" : ",", s->pid);
    json_str(out, s->prog ? s->prog : "ustack");
    fputs(",\n      \"ctl\": ", out);
    json_str(out, s->path);
    fputs(",\n", out);
    if (s->queues > 1)
        fprintf(out, "      \"queue\": %u,\n      \"queues\": %u,\n", s->queue, s->queues);
    if (view == NETSTAT_STATS) {
        json_counters(out, s);
    } else {
        fputs("      \"sockets\": [", out);
        for (size_t i = 0; i < s->nsocks; i++) {
            fputs(i ? ",\n" : "\n", out);
            json_sock(out, &s->socks[i], view == NETSTAT_INFO);
        }
        fputs(s->nsocks ? "\n      ]\n" : "]\n", out);
    }
    fputs("    }", out);
}

void netstat_json_end(FILE *out)
{
    fputs("\n  ]\n}\n", out);
}

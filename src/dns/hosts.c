/* hosts(5): "ADDRESS NAME [ALIAS...]" per line, '#' to the end of a line.
 * The lookup works on text so that tests give it strings; only
 * dns_hosts_file_lookup touches the file system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "ustack/stack.h"

#define HOSTS_MAX_BYTES (1u << 20)

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next whitespace-separated field of [*p, end) into out; false at the
 * end of the line (or a comment). Fields too long for out are skipped. */
static bool next_field(const char **p, const char *end, char *out, size_t cap)
{
    const char *s = *p;
    while (s < end && is_space(*s))
        s++;
    if (s == end || *s == '#') {
        *p = end;
        return false;
    }
    const char *f = s;
    while (s < end && !is_space(*s) && *s != '#')
        s++;
    size_t n = (size_t)(s - f);
    *p = s;
    if (n >= cap)
        n = 0;
    memcpy(out, f, n);
    out[n] = '\0';
    return true;
}

/* Equal names, a trailing dot on either side ignored. */
static bool host_match(const char *field, const char *name)
{
    char a[DNS_NAME_TEXT], b[DNS_NAME_TEXT];
    snprintf(a, sizeof(a), "%s", field);
    snprintf(b, sizeof(b), "%s", name);
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        a[la - 1] = '\0';
    if (lb && b[lb - 1] == '.')
        b[lb - 1] = '\0';
    return a[0] && dns_name_equal(a, b);
}

static void add_addr(uint32_t *addr, unsigned *n, unsigned max, uint32_t a)
{
    for (unsigned i = 0; i < *n; i++)
        if (addr[i] == a)
            return;
    if (*n < max)
        addr[(*n)++] = a;
}

static void add_addr6(uint8_t (*addr6)[16], unsigned *n, unsigned max, const uint8_t a[16])
{
    for (unsigned i = 0; i < *n; i++)
        if (!memcmp(addr6[i], a, 16))
            return;
    if (*n < max)
        memcpy(addr6[(*n)++], a, 16);
}

/* What a lookup collects: IPv4 lines into addr (qtype A) or IPv6 lines
 * into addr6 (qtype AAAA), as glibc's files backend answers per family. */
struct hosts_want {
    uint16_t qtype;
    uint32_t *addr;
    uint8_t (*addr6)[16];
    unsigned max, n;
};

/* The line's address when it is of the family asked for. */
static bool line_addr(const char *field, struct hosts_want *w, struct ust_addr *a)
{
    if (ust_addr_parse(field, a) != UST_OK || a->scope_id)
        return false; /* garbage, or a scoped address no name should stand for */
    return a->family == (w->qtype == DNS_TYPE_AAAA ? UST_AF_INET6 : UST_AF_INET);
}

/* One line: does it name `name`, and with which address? */
static void scan_line(const char *p, const char *end, const char *name, struct hosts_want *w,
                      char canon[DNS_NAME_TEXT])
{
    char field[DNS_NAME_TEXT], first[DNS_NAME_TEXT];
    struct ust_addr a;
    if (!next_field(&p, end, field, sizeof(field)) || !line_addr(field, w, &a))
        return; /* blank, comment, the other family or garbage */
    for (bool is_first = true; next_field(&p, end, field, sizeof(field)); is_first = false) {
        if (is_first)
            snprintf(first, sizeof(first), "%s", field);
        if (!host_match(field, name))
            continue;
        if (w->n == 0)
            snprintf(canon, DNS_NAME_TEXT, "%s", first);
        if (a.family == UST_AF_INET6)
            add_addr6(w->addr6, &w->n, w->max, a.u.v6);
        else
            add_addr(w->addr, &w->n, w->max, a.u.v4);
        return;
    }
}

static unsigned hosts_scan(const char *text, size_t len, const char *name, struct hosts_want *w,
                           char canon[DNS_NAME_TEXT])
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        scan_line(p, eol, name, w, canon);
        p = eol + 1;
    }
    return w->n;
}

unsigned dns_hosts_lookup(const char *text, size_t len, const char *name, uint32_t *addr,
                          unsigned max, char canon[DNS_NAME_TEXT])
{
    struct hosts_want w = {.qtype = DNS_TYPE_A, .addr = addr, .max = max};
    return hosts_scan(text, len, name, &w, canon);
}

unsigned dns_hosts_lookup6(const char *text, size_t len, const char *name, uint8_t (*addr6)[16],
                           unsigned max, char canon[DNS_NAME_TEXT])
{
    struct hosts_want w = {.qtype = DNS_TYPE_AAAA, .addr6 = addr6, .max = max};
    return hosts_scan(text, len, name, &w, canon);
}

/* The first name of the first line for address `want` (either family):
 * the reverse of a lookup, as getnameinfo(3) reads hosts(5). */
static bool reverse_scan(const char *text, size_t len, const struct ust_addr *want,
                         char name[DNS_NAME_TEXT])
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        char field[DNS_NAME_TEXT];
        struct ust_addr a;
        const char *q = p;
        if (next_field(&q, eol, field, sizeof(field)) && ust_addr_parse(field, &a) == UST_OK &&
            ust_addr_eq(&a, want) && next_field(&q, eol, field, sizeof(field)) && field[0]) {
            snprintf(name, DNS_NAME_TEXT, "%s", field);
            return true;
        }
        p = eol + 1;
    }
    return false;
}

bool dns_hosts_reverse(const char *text, size_t len, uint32_t addr, char name[DNS_NAME_TEXT])
{
    struct ust_addr want = ust_addr_from_ip4(addr);
    return reverse_scan(text, len, &want, name);
}

bool dns_hosts_reverse6(const char *text, size_t len, const uint8_t addr[16],
                        char name[DNS_NAME_TEXT])
{
    struct ust_addr want = ust_addr_from_ip6(addr, 0);
    return reverse_scan(text, len, &want, name);
}

/* The hosts file's text (at most 1 MiB), NULL when it cannot be read. */
static char *hosts_read(const char *path, size_t *len)
{
    FILE *f = path && path[0] ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    char *text = malloc(HOSTS_MAX_BYTES);
    *len = text ? fread(text, 1, HOSTS_MAX_BYTES, f) : 0;
    fclose(f);
    return text;
}

unsigned dns_hosts_file_lookup(const char *path, const char *name, uint32_t *addr, unsigned max,
                               char canon[DNS_NAME_TEXT])
{
    size_t len = 0;
    char *text = hosts_read(path, &len);
    unsigned n = text ? dns_hosts_lookup(text, len, name, addr, max, canon) : 0;
    free(text);
    return n;
}

unsigned dns_hosts_file_lookup6(const char *path, const char *name, uint8_t (*addr6)[16],
                                unsigned max, char canon[DNS_NAME_TEXT])
{
    size_t len = 0;
    char *text = hosts_read(path, &len);
    unsigned n = text ? dns_hosts_lookup6(text, len, name, addr6, max, canon) : 0;
    free(text);
    return n;
}

bool dns_hosts_file_reverse(const char *path, uint32_t addr, char name[DNS_NAME_TEXT])
{
    size_t len = 0;
    char *text = hosts_read(path, &len);
    bool found = text && dns_hosts_reverse(text, len, addr, name);
    free(text);
    return found;
}

bool dns_hosts_file_reverse6(const char *path, const uint8_t addr[16], char name[DNS_NAME_TEXT])
{
    size_t len = 0;
    char *text = hosts_read(path, &len);
    bool found = text && dns_hosts_reverse6(text, len, addr, name);
    free(text);
    return found;
}

/* hosts(5): "ADDRESS NAME [ALIAS...]" per line, '#' to the end of a line.
 * The lookup works on text so that tests give it strings; only
 * dns_hosts_file_lookup touches the file system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

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

/* One line: does it name `name`, and with which address? */
static void scan_line(const char *p, const char *end, const char *name, uint32_t *addr,
                      unsigned *n, unsigned max, char canon[DNS_NAME_TEXT])
{
    char field[DNS_NAME_TEXT], first[DNS_NAME_TEXT];
    ust_ip4_t a;
    if (!next_field(&p, end, field, sizeof(field)) || ust_ip4_parse(field, &a) != UST_OK)
        return; /* blank, comment, IPv6 or garbage */
    for (bool is_first = true; next_field(&p, end, field, sizeof(field)); is_first = false) {
        if (is_first)
            snprintf(first, sizeof(first), "%s", field);
        if (!host_match(field, name))
            continue;
        if (*n == 0)
            snprintf(canon, DNS_NAME_TEXT, "%s", first);
        add_addr(addr, n, max, a);
        return;
    }
}

unsigned dns_hosts_lookup(const char *text, size_t len, const char *name, uint32_t *addr,
                          unsigned max, char canon[DNS_NAME_TEXT])
{
    unsigned n = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        scan_line(p, eol, name, addr, &n, max, canon);
        p = eol + 1;
    }
    return n;
}

/* The first name of the first line for address `addr` (host order):
 * the reverse of a lookup, as getnameinfo(3) reads hosts(5). */
bool dns_hosts_reverse(const char *text, size_t len, uint32_t addr, char name[DNS_NAME_TEXT])
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        char field[DNS_NAME_TEXT];
        ust_ip4_t a;
        const char *q = p;
        if (next_field(&q, eol, field, sizeof(field)) && ust_ip4_parse(field, &a) == UST_OK &&
            a == addr && next_field(&q, eol, field, sizeof(field)) && field[0]) {
            snprintf(name, DNS_NAME_TEXT, "%s", field);
            return true;
        }
        p = eol + 1;
    }
    return false;
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

bool dns_hosts_file_reverse(const char *path, uint32_t addr, char name[DNS_NAME_TEXT])
{
    size_t len = 0;
    char *text = hosts_read(path, &len);
    bool found = text && dns_hosts_reverse(text, len, addr, name);
    free(text);
    return found;
}

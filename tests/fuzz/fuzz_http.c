/* Fuzz target for the HTTP request head parser of `ustack serve --http`
 * (tools/http_req.c, built into this target: the tools are not part of
 * the library). The input is what a client sent on the connection: the
 * head is found as the server finds it, parsed, and what parses is
 * checked against the parser's promises (RFC 9112 3, 5); the decoded path
 * then goes through the path checks of http_open under a root that does
 * not exist (nothing is opened), and the response head is formatted. The
 * Range and conditional fields are then planned against several file
 * sizes and formatted (RFC 9110 13.2.2, 14). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static bool is_parse_status(int rc)
{
    return rc == 0 || rc == 400 || rc == 405 || rc == 414 || rc == 501 || rc == 505;
}

/* The server's view: a receive buffer of HTTP_MAX_HEAD bytes holding the
 * first bytes of the input. */
static long find_head(const char *buf, size_t len)
{
    long n = http_head_length(buf, len, HTTP_MAX_HEAD);
    check(n == 0 || n == -414 || n == -431 || (n >= 4 && (size_t)n <= len));
    if (n > 0)
        check(!memcmp(buf + n - 4, "\r\n\r\n", 4));
    if (n == 0)
        check(len < HTTP_MAX_HEAD);
    return n;
}

static void check_request(const struct http_request *r, int rc)
{
    check(is_parse_status(rc));
    if (rc != 0)
        return;
    size_t plen = strnlen(r->path, sizeof(r->path));
    check(plen < sizeof(r->path) && r->path[0] == '/');
    check(r->minor >= 0 && r->minor <= 9);
}

/* The Range, If-Range, If-Modified-Since and If-None-Match fields against
 * file sizes that straddle the range's positions: every plan must select
 * bytes inside the file (RFC 9110 14.1.2) and the head must format. */
static void check_plan(const struct http_request *r, uint64_t size, int64_t mtime, int64_t now)
{
    struct http_plan p;
    http_plan(r, size, mtime, now, &p);
    check(p.last_modified <= now && p.last_modified <= mtime);
    switch (p.status) {
    case 200: check(p.first == 0 && p.length == size); break;
    case 206:
        check(r->range.valid && p.length > 0 && p.length <= size && p.first <= size - p.length);
        break;
    case 304:
    case 416: check(p.length == 0); break;
    default: check(0);
    }
    struct http_head h = {.status = p.status, .type = p.status == 304 ? NULL : "text/plain",
                          .length = p.length, .keep_alive = r->keep_alive, .file = true,
                          .last_modified = p.last_modified, .now = now,
                          .range_first = p.first, .size = size};
    char out[1024];
    size_t n = http_format_head(out, sizeof(out), &h);
    check(n > 0 && n < sizeof(out) && !memcmp(out, "HTTP/1.1 ", 9));
    check((strstr(out, "\r\nContent-Range: ") != NULL) == (p.status == 206 || p.status == 416));
}

static void check_dates(const struct http_request *r, int64_t now)
{
    const struct http_datefield *f[] = {&r->if_modified_since, &r->if_range};
    for (size_t i = 0; i < 2; i++) {
        int64_t t;
        check(strnlen(f[i]->value, sizeof(f[i]->value)) < sizeof(f[i]->value));
        if (!http_date_parse(f[i]->value, strlen(f[i]->value), now, &t))
            continue;
        /* What parses formats back and parses to the same second. */
        char back[HTTP_DATE_LEN + 1];
        if (http_date_format(t, back)) {
            int64_t again;
            check(http_date_parse(back, HTTP_DATE_LEN, now, &again) && again == t);
        }
    }
}

static void open_and_format(const struct http_request *r, int rc)
{
    struct http_file f;
    if (rc == 0) {
        http_open("/nonexistent-ustack-fuzz-root", r->path, &f);
        check(f.fd < 0 && (f.status == 403 || f.status == 404));
        const int64_t now = 1780000000; /* 2026 */
        static const uint64_t sizes[] = {0, 1, 100, 1u << 20, UINT64_MAX / 2};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            check_plan(r, sizes[i], now - 3600, now);
            check_plan(r, sizes[i], now + 3600, now); /* mtime in the future */
            if (r->range.valid && !r->range.suffix && r->range.first < UINT64_MAX / 2) {
                check_plan(r, r->range.first, 0, now);
                check_plan(r, r->range.first + 1, 0, now);
            }
        }
        check_dates(r, now);
    }
    char out[512];
    int status = rc ? rc : 404;
    struct http_head h = {.status = status, .type = "text/html",
                          .keep_alive = rc == 0 && r->keep_alive, .allow = status == 405};
    size_t n = http_format_head(out, sizeof(out), &h);
    check(n > 0 && n < sizeof(out) && !memcmp(out, "HTTP/1.1 ", 9));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size < HTTP_MAX_HEAD ? size : HTTP_MAX_HEAD;
    /* An exact-size copy, so ASan sees any read past what was received. */
    char *buf = malloc(len ? len : 1);
    check(buf != NULL);
    buf[0] = '\0'; /* empty input: nothing is read, but GCC -O2 cannot see that */
    if (len)
        memcpy(buf, data, len);
    long head = find_head(buf, len);
    if (head > 0) {
        struct http_request *r = malloc(sizeof(*r));
        check(r != NULL);
        int rc = http_parse(buf, (size_t)head, r);
        check_request(r, rc);
        open_and_format(r, rc);
        free(r);
    }
    /* The parser must not rely on the terminator the server found: the
     * whole buffer, with or without one, parses or is refused. */
    struct http_request *raw = malloc(sizeof(*raw));
    check(raw != NULL);
    check_request(raw, http_parse(buf, len, raw));
    free(raw);
    free(buf);
    return 0;
}

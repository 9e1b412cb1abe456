/* Fuzz target for the HTTP request head parser of `ustack serve --http`
 * (tools/http_req.c, built into this target: the tools are not part of
 * the library). The input is what a client sent on the connection: the
 * head is found as the server finds it, parsed, and what parses is
 * checked against the parser's promises (RFC 9112 3, 5); the decoded path
 * then goes through the path checks of http_open under a root that does
 * not exist (nothing is opened), and the response head is formatted. */
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

static void open_and_format(const struct http_request *r, int rc)
{
    struct http_file f;
    if (rc == 0) {
        http_open("/nonexistent-ustack-fuzz-root", r->path, &f);
        check(f.fd < 0 && (f.status == 403 || f.status == 404));
    }
    char out[512];
    int status = rc ? rc : 404;
    size_t n = http_format_head(out, sizeof(out), status, "text/html", 0,
                                rc == 0 && r->keep_alive, status == 405);
    check(n > 0 && n < sizeof(out) && !memcmp(out, "HTTP/1.1 ", 9));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size < HTTP_MAX_HEAD ? size : HTTP_MAX_HEAD;
    /* An exact-size copy, so ASan sees any read past what was received. */
    char *buf = malloc(len ? len : 1);
    check(buf != NULL);
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

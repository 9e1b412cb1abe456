/* HTTP/1.1 request parsing (RFC 9112 2-3, 5, 9.3) and safe path resolution
 * for the static file server of `ustack serve --http`. Everything the
 * client sends is hostile: lengths are bounded, every syntax error gives
 * 400 and the connection closes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_req.h"
#include "ustack/ustack.h"

long http_head_length(const char *buf, size_t len, size_t cap)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return (long)(i + 4);
    if (len < cap)
        return 0;
    /* Full without the blank line: is it the request line that is huge? */
    return memchr(buf, '\n', len) ? -431 : -414;
}

/* RFC 9110 5.6.2: token characters. */
static bool tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes the path part of the target (query dropped). Rejects NUL
 * and bad escapes: "%2e%2e" becomes ".." and is caught afterwards. */
static int decode_path(const char *t, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
        int c = (unsigned char)t[i];
        if (c == '%') {
            int h = i + 2 < n ? hexval(t[i + 1]) : -1, l = h >= 0 ? hexval(t[i + 2]) : -1;
            if (h < 0 || l < 0)
                return 400;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return 400;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* Any ".." segment is refused outright (also "\" as a separator, which
 * some file systems honour). */
static bool path_escapes(const char *p)
{
    if (strchr(p, '\\'))
        return true;
    for (const char *s = p; *s;) {
        while (*s == '/')
            s++;
        const char *e = strchrnul(s, '/');
        if (e - s == 2 && s[0] == '.' && s[1] == '.')
            return true;
        s = e;
    }
    return false;
}

static int parse_request_line(const char *line, size_t n, struct http_request *r)
{
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1 || sp1 == line)
        return 400;
    for (const char *c = line; c < sp1; c++)
        if (!tchar((unsigned char)*c))
            return 400;
    const char *tgt = sp1 + 1;
    const char *sp2 = memchr(tgt, ' ', n - (size_t)(tgt - line));
    if (!sp2 || sp2 == tgt)
        return 400;
    const char *ver = sp2 + 1;
    size_t vlen = n - (size_t)(ver - line);
    if (vlen != 8 || memcmp(ver, "HTTP/", 5) || !isdigit((unsigned char)ver[5]) ||
        ver[6] != '.' || !isdigit((unsigned char)ver[7]))
        return 400;
    if (ver[5] != '1')
        return 505;
    r->minor = ver[7] - '0';
    size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - tgt);
    if (tlen > HTTP_MAX_TARGET)
        return 414;
    if (tgt[0] != '/')
        return 400; /* only origin-form (RFC 9112 3.2.1) */
    if (decode_path(tgt, tlen, r->path, sizeof(r->path)))
        return 400;
    if (mlen == 3 && !memcmp(line, "GET", 3))
        r->head = false;
    else if (mlen == 4 && !memcmp(line, "HEAD", 4))
        r->head = true;
    else
        return 405;
    return 0;
}

static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++)
        if (!strncasecmp(v + i, tok, tl) && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
            (i + tl == n || v[i + tl] == ',' || v[i + tl] == ' '))
            return true;
    return false;
}

static void keep_date(struct http_datefield *f, const char *v, size_t vl)
{
    if (f->count++ == 0 && vl <= HTTP_DATE_FIELD) {
        memcpy(f->value, v, vl);
        f->value[vl] = '\0';
    }
}

static bool name_is(const char *l, size_t nl, const char *name)
{
    return nl == strlen(name) && !strncasecmp(l, name, nl);
}

/* The fields of range and conditional requests (RFC 9110 13.1, 14.2).
 * None of them makes a request fail: a bad value is ignored. */
static void parse_cond_field(const char *l, size_t nl, const char *v, size_t vl,
                             struct http_request *r)
{
    if (name_is(l, nl, "Range")) {
        if (r->range_fields++ == 0)
            http_range_parse(v, vl, &r->range);
        else
            r->range.valid = false; /* which one would the client mean? */
    } else if (name_is(l, nl, "If-Modified-Since")) {
        keep_date(&r->if_modified_since, v, vl);
    } else if (name_is(l, nl, "If-Range")) {
        keep_date(&r->if_range, v, vl);
    } else if (name_is(l, nl, "If-None-Match")) {
        r->if_none_match = true;
        r->if_none_match_star |= vl == 1 && v[0] == '*';
    }
}

/* One header line "name: value". Returns 0 or an error status. */
static int parse_header(const char *l, size_t n, struct http_request *r, bool *host,
                        bool *close_tok, bool *keep_tok)
{
    const char *colon = memchr(l, ':', n);
    if (!colon || colon == l)
        return 400;
    for (const char *c = l; c < colon; c++)
        if (!tchar((unsigned char)*c))
            return 400; /* also whitespace before the colon (RFC 9112 5.1) */
    size_t nl = (size_t)(colon - l);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
    for (size_t i = 0; i < vl; i++)
        if (v[i] == 0 || v[i] == '\r' || v[i] == '\n')
            return 400;
    if (nl == 4 && !strncasecmp(l, "Host", 4)) {
        if (*host)
            return 400; /* RFC 9112 3.2: more than one Host */
        *host = true;
    } else if (nl == 10 && !strncasecmp(l, "Connection", 10)) {
        *close_tok |= has_token(v, vl, "close");
        *keep_tok |= has_token(v, vl, "keep-alive");
    } else if (nl == 17 && !strncasecmp(l, "Transfer-Encoding", 17)) {
        return 501; /* no request bodies here */
    } else if (nl == 14 && !strncasecmp(l, "Content-Length", 14)) {
        if (vl != 1 || v[0] != '0')
            return 400; /* a GET/HEAD body we would have to skip: refuse */
    } else {
        parse_cond_field(l, nl, v, vl, r);
    }
    return 0;
}

int http_parse(const char *head, size_t len, struct http_request *r)
{
    memset(r, 0, sizeof(*r));
    const char *end = head + len;
    const char *eol = memchr(head, '\n', len);
    if (!eol || eol == head || eol[-1] != '\r')
        return 400;
    int rc = parse_request_line(head, (size_t)(eol - 1 - head), r);
    bool host = false, close_tok = false, keep_tok = false;
    for (const char *l = eol + 1; rc == 0 && l < end;) {
        const char *e = memchr(l, '\n', (size_t)(end - l));
        if (!e || e == l || e[-1] != '\r')
            return 400; /* bare LF */
        size_t n = (size_t)(e - 1 - l);
        if (n == 0)
            break; /* the blank line */
        if (*l == ' ' || *l == '\t')
            return 400; /* obsolete line folding (RFC 9112 5.2) */
        rc = parse_header(l, n, r, &host, &close_tok, &keep_tok);
        l = e + 1;
    }
    if (rc)
        return rc;
    if (r->minor >= 1 && !host)
        return 400;
    r->keep_alive = r->minor >= 1 ? !close_tok : keep_tok && !close_tok;
    return 0;
}

static const char *content_type(const char *path)
{
    static const char *const map[][2] = {
        {".html", "text/html"}, {".htm", "text/html"},    {".txt", "text/plain"},
        {".css", "text/css"},   {".js", "text/javascript"}, {".json", "application/json"},
        {".png", "image/png"},  {".jpg", "image/jpeg"},   {".gif", "image/gif"},
        {".svg", "image/svg+xml"}, {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (!strcasecmp(dot, map[i][0]))
                return map[i][1];
    return "application/octet-stream";
}

/* Is `real` the root itself or inside it? */
static bool inside(const char *root, const char *real)
{
    size_t n = strlen(root);
    if (strncmp(root, real, n) != 0)
        return false;
    return real[n] == '\0' || real[n] == '/' || (n == 1 && root[0] == '/');
}

static int status_for_errno(int e) { return e == EACCES || e == EPERM ? 403 : 404; }

/* Resolves `joined` (root + request path) to a real path inside root. */
static int resolve(const char *root, const char *joined, char out[PATH_MAX])
{
    if (!realpath(joined, out))
        return status_for_errno(errno);
    return inside(root, out) ? 0 : 403;
}

void http_open(const char *root, const char *path, struct http_file *f)
{
    *f = (struct http_file){.status = 404, .fd = -1, .type = "text/html"};
    char joined[PATH_MAX], real[PATH_MAX];
    if (path_escapes(path)) {
        f->status = 403;
        return;
    }
    if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", root, path) >= sizeof(joined) ||
        (f->status = resolve(root, joined, real)) != 0)
        return;
    struct stat sb;
    if (stat(real, &sb) < 0) {
        f->status = status_for_errno(errno);
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        if ((size_t)snprintf(joined, sizeof(joined), "%s/index.html", real) >= sizeof(joined) ||
            (f->status = resolve(root, joined, real)) != 0 || stat(real, &sb) < 0) {
            f->status = f->status ? f->status : 404;
            return;
        }
    }
    if (!S_ISREG(sb.st_mode)) {
        f->status = 403;
        return;
    }
    f->fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f->fd < 0) {
        f->status = status_for_errno(errno);
        return;
    }
    f->status = 200;
    f->size = (uint64_t)sb.st_size;
    f->mtime = (int64_t)sb.st_mtim.tv_sec;
    f->type = content_type(real);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* The fields only file responses carry: Last-Modified (RFC 9110 8.8.2)
 * and Accept-Ranges (14.3), and Content-Range on 206 and 416 (14.4). */
static int file_fields(char *buf, size_t cap, const struct http_head *h)
{
    char lm[HTTP_DATE_LEN + 1], lm_field[64] = "", cr[80] = "";
    if (!h->file)
        return snprintf(buf, cap, "%s", "");
    if (http_date_format(h->last_modified, lm)) /* else no four-digit year: none */
        snprintf(lm_field, sizeof(lm_field), "Last-Modified: %s\r\n", lm);
    if (h->status == 206)
        snprintf(cr, sizeof(cr), "Content-Range: bytes %llu-%llu/%llu\r\n",
                 (unsigned long long)h->range_first,
                 (unsigned long long)(h->range_first + h->length - 1),
                 (unsigned long long)h->size);
    else if (h->status == 416)
        snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu\r\n", (unsigned long long)h->size);
    return snprintf(buf, cap, "%sAccept-Ranges: bytes\r\n%s", lm_field, cr);
}

size_t http_format_head(char *buf, size_t cap, const struct http_head *h)
{
    char date[HTTP_DATE_LEN + 1], fields[256], type[96] = "", length[48] = "";
    /* RFC 9110 6.6.1: an origin server with a clock sends Date. */
    http_date_format(h->now, date);
    if (file_fields(fields, sizeof(fields), h) >= (int)sizeof(fields))
        return 0;
    if (h->type)
        snprintf(type, sizeof(type), "Content-Type: %s\r\n", h->type);
    /* A 304 has no content and no Content-Length (RFC 9110 8.6, 15.4.5). */
    if (h->status != 304)
        snprintf(length, sizeof(length), "Content-Length: %llu\r\n",
                 (unsigned long long)h->length);
    int n = snprintf(buf, cap, "HTTP/1.1 %d %s\r\nServer: ustack/%s\r\nDate: %s\r\n%s%s%s%s%s\r\n",
                     h->status, http_reason(h->status), USTACK_VERSION, date, fields, type,
                     length, h->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n",
                     h->allow ? "Allow: GET, HEAD\r\n" : "");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

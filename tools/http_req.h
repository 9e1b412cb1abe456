/* HTTP/1.1 origin server pieces (RFC 9110, RFC 9112) for `ustack serve
 * --http`: request parsing and safe path resolution under a document root.
 * Pure functions over buffers and the file system; no sockets. */
#ifndef UST_HTTP_REQ_H
#define UST_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEAD 8192    /* request line + headers we accept */
#define HTTP_MAX_TARGET 2048  /* longer request-targets: 414 */
#define HTTP_DATE_LEN 29      /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define HTTP_DATE_FIELD 40    /* longest date field value kept; longer: invalid */

/* One byte range of a Range field (RFC 9110 14.1.2). */
struct http_range {
    bool valid;      /* the field held exactly one valid bytes range-spec */
    bool suffix;     /* "-n": the last `last` bytes */
    uint64_t first;  /* first-pos */
    uint64_t last;   /* last-pos (UINT64_MAX for "a-"), or the suffix-length */
};

/* A date-valued field kept raw: it is parsed when the response is chosen,
 * against the server's clock (RFC 850 two-digit years need it). */
struct http_datefield {
    unsigned count;                   /* how often the field appeared */
    char value[HTTP_DATE_FIELD + 1];  /* the value, "" if too long */
};

struct http_request {
    bool head;        /* HEAD (else GET) */
    int minor;        /* HTTP/1.<minor> */
    bool keep_alive;  /* the connection stays open after the response */
    char path[HTTP_MAX_TARGET + 1]; /* decoded path, starts with '/' */
    unsigned range_fields;          /* Range fields seen; only one is honoured */
    struct http_range range;
    struct http_datefield if_modified_since, if_range;
    bool if_none_match;       /* present (it overrides If-Modified-Since) */
    bool if_none_match_star;  /* and its value is "*" */
};

/* Looks for the end of the head (CRLFCRLF) in buf. Returns its length
 * including the blank line, 0 if not there yet, or a negative HTTP status
 * (-414 / -431) when buf is full without it. */
long http_head_length(const char *buf, size_t len, size_t cap);
/* Parses a complete head. Returns 0, or an HTTP status for the error
 * response (400, 405, 414, 501, 505); the connection closes after one. */
int http_parse(const char *head, size_t len, struct http_request *req);

/* What to send for a parsed request. */
struct http_file {
    int status;           /* 200, 403, 404 */
    int fd;               /* open file when 200, else -1 */
    uint64_t size;
    int64_t mtime;        /* seconds since the epoch (UTC) */
    const char *type;     /* Content-Type */
};
/* Maps req->path under root_real (a realpath()) to a file: no "..",
 * nothing outside the root (symlinks are resolved and checked), directories
 * serve their index.html. */
void http_open(const char *root_real, const char *path, struct http_file *f);

const char *http_reason(int status);

/* What a response head says. */
struct http_head {
    int status;
    const char *type;        /* Content-Type; NULL: none (304) */
    uint64_t length;         /* Content-Length (not sent on 304) */
    bool keep_alive;
    bool allow;              /* Allow: GET, HEAD (405) */
    bool file;               /* a file response: Last-Modified, Accept-Ranges */
    int64_t last_modified;
    int64_t now;             /* Date */
    uint64_t range_first;    /* 206: Content-Range first-last/size */
    uint64_t size;           /* 206, 416: the file's size */
};
/* Formats the response head into buf. Returns the length, or 0 if it does
 * not fit. */
size_t http_format_head(char *buf, size_t cap, const struct http_head *h);

/* IMF-fixdate of t into out (HTTP_DATE_LEN chars + NUL); 0 for a year
 * outside 0000-9999. */
size_t http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1]);
/* Parses an HTTP-date in any of the three formats of RFC 9110 5.6.7,
 * exactly n bytes, into seconds since the epoch. now: the server's clock,
 * for the two-digit years of RFC 850 dates. */
bool http_date_parse(const char *s, size_t n, int64_t now, int64_t *out);

/* Parses a Range field value. True only for exactly one valid byte range;
 * anything else (other units, bad syntax, several ranges) is ignored and
 * the whole file is sent (RFC 9110 14.2). */
bool http_range_parse(const char *v, size_t n, struct http_range *r);
/* The bytes r selects from a file of `size` bytes; false: unsatisfiable. */
bool http_range_resolve(const struct http_range *r, uint64_t size, uint64_t *first,
                        uint64_t *len);

/* The response a file gets. */
struct http_plan {
    int status;             /* 200, 206, 304, 416 */
    uint64_t first, length; /* the bytes of the file sent (for GET) */
    int64_t last_modified;  /* the Last-Modified to send */
};
/* Evaluates the preconditions and the Range of r (RFC 9110 13.2.2) for a
 * file of `size` bytes modified at mtime, at server time now. */
void http_plan(const struct http_request *r, uint64_t size, int64_t mtime, int64_t now,
               struct http_plan *p);

#endif

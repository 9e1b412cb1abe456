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

struct http_request {
    bool head;        /* HEAD (else GET) */
    int minor;        /* HTTP/1.<minor> */
    bool keep_alive;  /* the connection stays open after the response */
    char path[HTTP_MAX_TARGET + 1]; /* decoded path, starts with '/' */
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
    const char *type;     /* Content-Type */
};
/* Maps req->path under root_real (a realpath()) to a file: no "..",
 * nothing outside the root (symlinks are resolved and checked), directories
 * serve their index.html. */
void http_open(const char *root_real, const char *path, struct http_file *f);

const char *http_reason(int status);

/* Formats the response head into buf. body_len is the Content-Length.
 * Returns the length, or 0 if it does not fit. */
size_t http_format_head(char *buf, size_t cap, int status, const char *type, uint64_t body_len,
                        bool keep_alive, bool allow_header);

#endif

/* Range requests (RFC 9110 14) and conditional requests (RFC 9110 13) for
 * `ustack serve --http`: parsing a Range field value and deciding, from
 * a parsed request, the file's size and modification time and the
 * server's clock, which response a file gets: 200, 206, 304 or 416.
 * The clock is read by the caller (the CLI); everything here is pure. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_req.h"

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* 1*DIGIT into *v, saturating at UINT64_MAX: a position past any file is
 * as unsatisfiable as the exact huge number, and a huge suffix-length or
 * last-pos means "to the end" either way. Returns false without digits. */
static bool pos_digits(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        unsigned d = (unsigned)(**p - '0');
        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
        (*p)++;
    }
    *v = x;
    return *p > s;
}

/* One range-spec, exactly [s, e): int-range "a-" / "a-b" or suffix-range
 * "-n" (RFC 9110 14.1.1). a-b with b < a is invalid. */
static bool range_spec(const char *s, const char *e, struct http_range *r)
{
    *r = (struct http_range){.valid = true, .last = UINT64_MAX};
    if (s < e && *s == '-') {
        s++;
        r->suffix = true;
        return pos_digits(&s, e, &r->last) && s == e;
    }
    if (!pos_digits(&s, e, &r->first) || s == e || *s++ != '-')
        return false;
    if (s == e)
        return true; /* "a-": to the end */
    return pos_digits(&s, e, &r->last) && s == e && r->last >= r->first;
}

bool http_range_parse(const char *v, size_t n, struct http_range *r)
{
    *r = (struct http_range){0};
    const char *end = v + n, *eq = memchr(v, '=', n);
    /* Range units compare case-insensitively (RFC 9110 14.1); others
     * than "bytes" are ignored (14.2). */
    if (!eq || eq - v != 5 || strncasecmp(v, "bytes", 5))
        return false;
    struct http_range one = {0};
    unsigned specs = 0;
    /* range-set = 1#range-spec: elements separated by OWS "," OWS, and
     * empty elements are allowed (RFC 9110 5.6.1.2). */
    for (const char *p = eq + 1; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *s = p, *e = comma ? comma : end;
        while (s < e && is_ows(*s))
            s++;
        while (e > s && is_ows(e[-1]))
            e--;
        if (s < e) {
            if (!range_spec(s, e, &one))
                return false; /* one invalid spec voids the field (14.1.1) */
            specs++;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    /* Several ranges would need multipart/byteranges: we ignore the field
     * and send the whole file, which RFC 9110 14.2 allows. */
    if (specs != 1)
        return false;
    *r = one;
    return true;
}

bool http_range_resolve(const struct http_range *r, uint64_t size, uint64_t *first,
                        uint64_t *len)
{
    if (size == 0)
        return false; /* no byte exists to select (RFC 9110 14.1.2) */
    if (r->suffix) {
        if (r->last == 0)
            return false;
        *len = r->last < size ? r->last : size;
        *first = size - *len;
        return true;
    }
    if (r->first >= size)
        return false;
    uint64_t last = r->last < size - 1 ? r->last : size - 1;
    *first = r->first;
    *len = last - r->first + 1;
    return true;
}

/* A date field that is valid and present exactly once, else false. */
static bool field_date(const struct http_datefield *f, int64_t now, int64_t *t)
{
    return f->count == 1 && http_date_parse(f->value, strlen(f->value), now, t);
}

/* If-Range (RFC 9110 13.1.5): true when the Range may be honoured. We
 * send no ETag, so an entity-tag never matches; a date must equal the
 * Last-Modified we send, to the second. */
static bool if_range_holds(const struct http_request *r, int64_t last_modified, int64_t now)
{
    if (r->if_range.count == 0)
        return true;
    int64_t t;
    return field_date(&r->if_range, now, &t) && t == last_modified;
}

/* RFC 9110 13.2.2 steps 3-4 for GET/HEAD: is the client's copy current? */
static bool not_modified(const struct http_request *r, int64_t last_modified, int64_t now)
{
    if (r->if_none_match) /* it takes precedence over If-Modified-Since */
        return r->if_none_match_star; /* "*" matches any current file */
    int64_t since;
    return field_date(&r->if_modified_since, now, &since) && last_modified <= since;
}

void http_plan(const struct http_request *r, uint64_t size, int64_t mtime, int64_t now,
               struct http_plan *p)
{
    /* A Last-Modified later than Date is replaced by Date (RFC 9110
     * 8.8.2.1): a file touched "in the future" is not newer forever. */
    int64_t lm = mtime < now ? mtime : now;
    *p = (struct http_plan){.status = 200, .first = 0, .length = size, .last_modified = lm};
    if (not_modified(r, lm, now)) {
        p->status = 304;
        p->length = 0;
        return;
    }
    /* HEAD answers with the header fields GET would get (RFC 9110 9.3.2),
     * 206 and 416 included, as nginx and Apache do. */
    if (!r->range.valid || !if_range_holds(r, lm, now))
        return;
    if (http_range_resolve(&r->range, size, &p->first, &p->length)) {
        p->status = 206;
    } else {
        p->status = 416;
        p->length = 0;
    }
}

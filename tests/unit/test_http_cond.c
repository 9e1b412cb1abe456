/* `ustack serve --http` Range and conditional requests (tools/http_cond.c,
 * tools/http_date.c): the HTTP-date formats of RFC 9110 5.6.7, the Range
 * grammar of RFC 9110 14.1 (valid, edge and hostile values), and which
 * response a file gets (RFC 9110 13.2.2): 200, 206, 304 or 416. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The server is part of the ustack command, not of the library: compile
 * its pieces into this test directly. */
#include "../../tools/http_cond.c"
#include "../../tools/http_date.c"
#include "../../tools/http_req.c"

#define NOW 1780000000 /* 2026-05-28 20:26:40 UTC */

static bool date(const char *s, int64_t *t) { return http_date_parse(s, strlen(s), NOW, t); }

static void test_date_formats(void **state)
{
    (void)state;
    int64_t t = 0;
    /* RFC 9110 5.6.7's example in all three formats: 784111777. */
    assert_true(date("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    t = 0;
    assert_true(date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    t = 0;
    assert_true(date("Sun Nov  6 08:49:37 1994", &t));
    assert_int_equal(t, 784111777);
    char out[HTTP_DATE_LEN + 1];
    assert_int_equal(http_date_format(784111777, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(http_date_format(0, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(http_date_format(-1, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Wed, 31 Dec 1969 23:59:59 GMT");
    assert_int_equal(http_date_format(NOW, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Thu, 28 May 2026 20:26:40 GMT");
    /* 29 February and the turn of the century. */
    assert_true(date("Tue, 29 Feb 2000 12:00:00 GMT", &t));
    assert_int_equal(http_date_format(t, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Tue, 29 Feb 2000 12:00:00 GMT");
    assert_int_equal(http_date_format(253402300799, out), HTTP_DATE_LEN);
    assert_string_equal(out, "Fri, 31 Dec 9999 23:59:59 GMT");
    assert_int_equal(http_date_format(253402300800, out), 0); /* year 10000 */
}

static void test_date_roundtrip(void **state)
{
    (void)state;
    /* Every day across 1969-2101 (leap years, century rules): format and
     * parse again give the same second. */
    for (int64_t t = -86400 * 400 + 12345; t < 4133980800; t += 86400 - 7) {
        char out[HTTP_DATE_LEN + 1];
        int64_t back = 0;
        assert_int_equal(http_date_format(t, out), HTTP_DATE_LEN);
        assert_true(http_date_parse(out, HTTP_DATE_LEN, NOW, &back));
        assert_true(back == t);
    }
}

static void test_date_rfc850_years(void **state)
{
    (void)state;
    int64_t t = 0;
    /* Two-digit years: more than 50 years ahead of now (2026) means the
     * past century. */
    assert_true(date("Wednesday, 01-Jan-70 00:00:00 GMT", &t)); /* 2070: 44 years ahead */
    assert_int_equal(t, 3155760000);
    assert_true(date("Wednesday, 01-Jan-76 00:00:00 GMT", &t)); /* 2076 is 50 ahead */
    assert_int_equal(t, 3345062400);
    assert_true(date("Saturday, 01-Jan-77 00:00:00 GMT", &t)); /* 2077 is 51 ahead: 1977 */
    assert_int_equal(t, 220924800);
}

static void test_date_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37 UTC",    /* only GMT */
        "Sun, 06 Nov 1994 08:49:37 gmt",    /* case-sensitive */
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",     /* 2DIGIT day */
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",    /* no 31 November */
        "Thu, 29 Feb 1900 00:00:00 GMT",    /* not a leap year */
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",   /* trailing bytes */
        "Sun, 06 Nov 1994 08:49:37 GMTx",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov +994 08:49:37 GMT",
        "Sun, -6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:3",
        "Sunday, 06-Nov-1994 08:49:37 GMT", /* RFC 850 has two digits */
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",          /* asctime pads with a space */
        "Sun Nov  6 08:49:37 94",
        "Sunday",
        "Sun,",
        "1994-11-06T08:49:37Z",
        "784111777",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t t = 42;
        if (date(bad[i], &t))
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(t, 42);
    }
    /* A valid date cut anywhere is invalid: the parser never reads past n. */
    const char *good = "Sun, 06 Nov 1994 08:49:37 GMT";
    for (size_t n = 0; n < strlen(good); n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, good, n);
        int64_t t;
        assert_false(http_date_parse(copy, n, NOW, &t));
        free(copy);
    }
}

static struct http_range range(const char *v, bool *ok)
{
    struct http_range r;
    *ok = http_range_parse(v, strlen(v), &r);
    return r;
}

static void test_range_valid(void **state)
{
    (void)state;
    bool ok;
    struct http_range r = range("bytes=100-199", &ok);
    assert_true(ok && r.valid && !r.suffix && r.first == 100 && r.last == 199);
    r = range("bytes=0-", &ok);
    assert_true(ok && !r.suffix && r.first == 0 && r.last == UINT64_MAX);
    r = range("bytes=-500", &ok);
    assert_true(ok && r.suffix && r.last == 500);
    r = range("BYTES=5-5", &ok); /* units compare case-insensitively */
    assert_true(ok && r.first == 5 && r.last == 5);
    r = range("bytes= 7-8 ,", &ok); /* OWS around list elements, empty elements */
    assert_true(ok && r.first == 7 && r.last == 8);
    r = range("bytes=,,\t9-", &ok);
    assert_true(ok && r.first == 9 && r.last == UINT64_MAX);
    r = range("bytes=0000000000000000000000000000012-13", &ok); /* leading zeros */
    assert_true(ok && r.first == 12 && r.last == 13);
}

static void test_range_hostile(void **state)
{
    (void)state;
    bool ok;
    /* Numbers beyond 64 bits saturate: a first-pos past any file, a
     * last-pos or suffix-length meaning "to the end". */
    struct http_range r = range("bytes=99999999999999999999-", &ok);
    assert_true(ok && r.first == UINT64_MAX);
    r = range("bytes=18446744073709551615-18446744073709551616", &ok);
    assert_true(ok && r.first == UINT64_MAX && r.last == UINT64_MAX);
    r = range("bytes=0-99999999999999999999999999999999999999", &ok);
    assert_true(ok && r.first == 0 && r.last == UINT64_MAX);
    r = range("bytes=-99999999999999999999", &ok);
    assert_true(ok && r.suffix && r.last == UINT64_MAX);
    static const char *const ignored[] = {
        "", "bytes", "bytes=", "bytes=,", "bytes=-", "bytes=--5", "bytes=5", "bytes=a-b",
        "bytes=5-4",         /* last-pos before first-pos */
        "bytes=0-1,5-6",     /* several ranges: the whole file instead */
        "bytes=0-1, -5",
        "bytes=0-1,x",       /* one bad element voids the field */
        "bytes = 0-1",       /* no whitespace around "=" */
        "bytes=0 -1", "bytes=0- 1", "bytes=+1-2", "bytes=-+1", "bytes=1--2", "bytes=1-2-3",
        "bytes=0x10-20", "bytes=1e3-", "items=0-1", "bytesx=0-1", "byte=0-1", "=0-1",
        "bytes=\xff-1",
    };
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        r = range(ignored[i], &ok);
        if (ok || r.valid)
            fail_msg("accepted '%s'", ignored[i]);
    }
}

static void test_range_resolve(void **state)
{
    (void)state;
    struct http_range r = {.valid = true, .first = 100, .last = 199};
    uint64_t first = 0, len = 0;
    assert_true(http_range_resolve(&r, 1000, &first, &len));
    assert_true(first == 100 && len == 100);
    assert_true(http_range_resolve(&r, 150, &first, &len)); /* last-pos clipped */
    assert_true(first == 100 && len == 50);
    assert_false(http_range_resolve(&r, 100, &first, &len)); /* first-pos == size */
    r = (struct http_range){.valid = true, .first = 999, .last = UINT64_MAX};
    assert_true(http_range_resolve(&r, 1000, &first, &len));
    assert_true(first == 999 && len == 1);
    r.first = UINT64_MAX;
    assert_false(http_range_resolve(&r, UINT64_MAX, &first, &len));
    r = (struct http_range){.valid = true, .suffix = true, .last = 10};
    assert_true(http_range_resolve(&r, 1000, &first, &len));
    assert_true(first == 990 && len == 10);
    assert_true(http_range_resolve(&r, 4, &first, &len)); /* longer than the file */
    assert_true(first == 0 && len == 4);
    r.last = 0; /* "-0" selects nothing */
    assert_false(http_range_resolve(&r, 1000, &first, &len));
    r.last = 5; /* an empty file has no byte to select */
    assert_false(http_range_resolve(&r, 0, &first, &len));
}

/* A request head parsed as the server parses it. */
static struct http_request request(const char *fields)
{
    char head[1024];
    snprintf(head, sizeof(head), "GET /f HTTP/1.1\r\nHost: x\r\n%s\r\n", fields);
    struct http_request r;
    assert_int_equal(http_parse(head, strlen(head), &r), 0);
    return r;
}

static int plan_status(const char *fields, uint64_t size, int64_t mtime, struct http_plan *p)
{
    struct http_request r = request(fields);
    http_plan(&r, size, mtime, NOW, p);
    return p->status;
}

#define MTIME 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static void test_plan_range(void **state)
{
    (void)state;
    struct http_plan p;
    assert_int_equal(plan_status("", 1000, MTIME, &p), 200);
    assert_true(p.first == 0 && p.length == 1000 && p.last_modified == MTIME);
    assert_int_equal(plan_status("range:  bytes=100-199  \r\n", 1000, MTIME, &p), 206);
    assert_true(p.first == 100 && p.length == 100);
    assert_int_equal(plan_status("Range: bytes=1000-\r\n", 1000, MTIME, &p), 416);
    assert_true(p.length == 0);
    assert_int_equal(plan_status("Range: bytes=99999999999999999999-\r\n", 1000, MTIME, &p), 416);
    assert_int_equal(plan_status("Range: bytes=0-0\r\n", 0, MTIME, &p), 416);
    assert_int_equal(plan_status("Range: bytes=0-1,3-4\r\n", 1000, MTIME, &p), 200);
    assert_true(p.length == 1000);
    assert_int_equal(plan_status("Range: bytes=5-1\r\n", 1000, MTIME, &p), 200);
    /* Two Range fields: neither is honoured. */
    assert_int_equal(plan_status("Range: bytes=0-1\r\nRange: bytes=0-1\r\n", 1000, MTIME, &p),
                     200);
    /* If-Range: the exact Last-Modified keeps the range, anything else
     * (another date, an entity-tag, garbage) sends the whole file. */
    assert_int_equal(plan_status("Range: bytes=-10\r\n"
                                 "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 1000, MTIME, &p),
                     206);
    assert_true(p.first == 990 && p.length == 10);
    assert_int_equal(plan_status("Range: bytes=-10\r\n"
                                 "If-Range: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 1000, MTIME, &p),
                     200);
    assert_int_equal(plan_status("Range: bytes=-10\r\nIf-Range: \"abc\"\r\n", 1000, MTIME, &p),
                     200);
    assert_int_equal(plan_status("Range: bytes=-10\r\nIf-Range: x\r\n", 1000, MTIME, &p), 200);
    /* If-Range without Range changes nothing. */
    assert_int_equal(plan_status("If-Range: x\r\n", 1000, MTIME, &p), 200);
}

static void test_plan_conditional(void **state)
{
    (void)state;
    struct http_plan p;
    assert_int_equal(plan_status("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 10,
                                 MTIME, &p), 304);
    assert_true(p.length == 0);
    assert_int_equal(plan_status("if-modified-since: Sunday, 06-Nov-94 08:49:38 GMT\r\n", 10,
                                 MTIME, &p), 304);
    /* The file is newer than the client's copy. */
    assert_int_equal(plan_status("If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 10,
                                 MTIME, &p), 200);
    /* Invalid, too long or repeated dates are ignored. */
    assert_int_equal(plan_status("If-Modified-Since: yesterday\r\n", 10, MTIME, &p), 200);
    assert_int_equal(plan_status("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"
                                 "                                        \t x\r\n",
                                 10, MTIME, &p), 200);
    assert_int_equal(plan_status("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
                                 10, MTIME, &p), 200);
    /* 304 comes before the Range (RFC 9110 13.2.2). */
    assert_int_equal(plan_status("Range: bytes=0-1\r\n"
                                 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 10,
                                 MTIME, &p), 304);
    /* If-None-Match overrides If-Modified-Since; "*" matches any file. */
    assert_int_equal(plan_status("If-None-Match: \"x\"\r\n"
                                 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 10,
                                 MTIME, &p), 200);
    assert_int_equal(plan_status("If-None-Match: *\r\n", 10, MTIME, &p), 304);
    /* A modification time in the future is sent as Date (RFC 9110 8.8.2.1). */
    assert_int_equal(plan_status("", 10, NOW + 100, &p), 200);
    assert_true(p.last_modified == NOW);
}

static void test_head_fields(void **state)
{
    (void)state;
    char out[512];
    struct http_head h = {.status = 206, .type = "text/plain", .length = 100, .keep_alive = true,
                          .file = true, .last_modified = MTIME, .now = NOW,
                          .range_first = 100, .size = 1000};
    assert_true(http_format_head(out, sizeof(out), &h) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 206 Partial Content\r\n"));
    assert_non_null(strstr(out, "\r\nDate: Thu, 28 May 2026 20:26:40 GMT\r\n"));
    assert_non_null(strstr(out, "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
    assert_non_null(strstr(out, "\r\nAccept-Ranges: bytes\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Range: bytes 100-199/1000\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Length: 100\r\n"));
    h = (struct http_head){.status = 416, .type = "text/html", .length = 5, .file = true,
                           .last_modified = MTIME, .now = NOW, .size = 1000};
    assert_true(http_format_head(out, sizeof(out), &h) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 416 Range Not Satisfiable\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Range: bytes */1000\r\n"));
    h = (struct http_head){.status = 304, .file = true, .last_modified = MTIME, .now = NOW};
    assert_true(http_format_head(out, sizeof(out), &h) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 304 Not Modified\r\n"));
    assert_null(strstr(out, "Content-Length"));
    assert_null(strstr(out, "Content-Type"));
    assert_null(strstr(out, "Content-Range"));
    /* An error response is not a file: no validators, no ranges. */
    h = (struct http_head){.status = 404, .type = "text/html", .length = 5, .now = NOW};
    assert_true(http_format_head(out, sizeof(out), &h) > 0);
    assert_null(strstr(out, "Last-Modified"));
    assert_null(strstr(out, "Accept-Ranges"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_formats),      cmocka_unit_test(test_date_roundtrip),
        cmocka_unit_test(test_date_rfc850_years), cmocka_unit_test(test_date_invalid),
        cmocka_unit_test(test_range_valid),       cmocka_unit_test(test_range_hostile),
        cmocka_unit_test(test_range_resolve),     cmocka_unit_test(test_plan_range),
        cmocka_unit_test(test_plan_conditional),  cmocka_unit_test(test_head_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

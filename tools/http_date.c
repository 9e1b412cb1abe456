/* HTTP-date (RFC 9110 5.6.7) for `ustack serve --http`: formatting the
 * preferred IMF-fixdate and parsing all three formats a recipient must
 * accept (IMF-fixdate, obsolete RFC 850 and asctime). Pure arithmetic on
 * seconds since the epoch: no clock is read here and no locale or time
 * zone is consulted, so what a client sends cannot reach libc's tz code. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http_req.h"

static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const day_long[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil); exact for every year we accept. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day number. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

size_t http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1])
{
    int64_t days = floor_div(t, 86400), secs = t - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        out[0] = '\0';
        return 0; /* IMF-fixdate has a four-digit year */
    }
    int wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    snprintf(out, HTTP_DATE_LEN + 1, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[wday], d,
             month_names[m - 1], (int)y, (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60));
    return HTTP_DATE_LEN;
}

/* ---- parsing: a cursor over the field value, every step bounds-checked -- */

struct cursor {
    const char *p, *end;
};

static bool take(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n))
        return false;
    c->p += n;
    return true;
}

/* Exactly `width` digits (the grammar's nDIGIT). */
static bool digits(struct cursor *c, int width, int *out)
{
    if (c->end - c->p < width)
        return false;
    int v = 0;
    for (int i = 0; i < width; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += width;
    *out = v;
    return true;
}

/* One of `names` (case-sensitive: RFC 9110 5.6.7 day-name, month). */
static int name_of(struct cursor *c, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (take(c, names[i]))
            return i;
    return -1;
}

static bool time_of_day(struct cursor *c, int *h, int *mi, int *s)
{
    return digits(c, 2, h) && take(c, ":") && digits(c, 2, mi) && take(c, ":") &&
           digits(c, 2, s) && *h <= 23 && *mi <= 59 && *s <= 60; /* 60: leap second */
}

static bool valid_day(int y, int m, int d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d >= 1 && d <= mdays[m] && !(m == 1 && d == 29 && !leap);
}

struct civil {
    int y, m, d, h, mi, s; /* m: 0-11 */
};

/* IMF-fixdate after "day-name,": " 06 Nov 1994 08:49:37 GMT" */
static bool imf_rest(struct cursor *c, struct civil *v)
{
    return take(c, " ") && digits(c, 2, &v->d) && take(c, " ") &&
           (v->m = name_of(c, month_names, 12)) >= 0 && take(c, " ") && digits(c, 4, &v->y) &&
           take(c, " ") && time_of_day(c, &v->h, &v->mi, &v->s) && take(c, " GMT");
}

/* rfc850-date after "day-name-l,": " 06-Nov-94 08:49:37 GMT". A two-digit
 * year more than 50 years ahead of `now` is the most recent past year
 * with those digits (RFC 9110 5.6.7). */
static bool rfc850_rest(struct cursor *c, struct civil *v, int64_t now)
{
    int yy;
    if (!(take(c, " ") && digits(c, 2, &v->d) && take(c, "-") &&
          (v->m = name_of(c, month_names, 12)) >= 0 && take(c, "-") && digits(c, 2, &yy) &&
          take(c, " ") && time_of_day(c, &v->h, &v->mi, &v->s) && take(c, " GMT")))
        return false;
    int64_t cy;
    int cm, cd;
    civil_from_days(floor_div(now, 86400), &cy, &cm, &cd);
    int64_t y = cy - cy % 100 + yy;
    if (y > cy + 50)
        y -= 100;
    if (y < 0 || y > 9999)
        return false;
    v->y = (int)y;
    return true;
}

/* asctime-date after "day-name": " Nov  6 08:49:37 1994" */
static bool asctime_rest(struct cursor *c, struct civil *v)
{
    if (!take(c, " ") || (v->m = name_of(c, month_names, 12)) < 0 || !take(c, " "))
        return false;
    if (take(c, " ")) { /* one digit, space-padded */
        if (!digits(c, 1, &v->d))
            return false;
    } else if (!digits(c, 2, &v->d)) {
        return false;
    }
    return take(c, " ") && time_of_day(c, &v->h, &v->mi, &v->s) && take(c, " ") &&
           digits(c, 4, &v->y);
}

bool http_date_parse(const char *s, size_t n, int64_t now, int64_t *out)
{
    struct cursor c = {s, s + n};
    struct civil v = {0};
    bool ok;
    if (name_of(&c, day_long, 7) >= 0) {
        ok = take(&c, ",") && rfc850_rest(&c, &v, now);
    } else if (name_of(&c, day_names, 7) >= 0) {
        ok = take(&c, ",") ? imf_rest(&c, &v) : asctime_rest(&c, &v);
    } else {
        return false;
    }
    if (!ok || c.p != c.end || !valid_day(v.y, v.m, v.d))
        return false;
    *out = days_from_civil(v.y, v.m + 1, v.d) * 86400 + v.h * 3600 + v.mi * 60 + v.s;
    return true;
}

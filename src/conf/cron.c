/* cron: schedules (cron.h). */
#include "config.h"

#include "cron.h"
#include "conf_value.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- parsing */

struct field {
	int lo, hi;
	const char *const *names; /* names[i] is lo + i; NULL: numbers only */
};

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static const struct field fields[5] = {
    {0, 59, NULL}, {0, 23, NULL}, {1, 31, NULL}, {1, 12, months}, {0, 7, days},
};

/* A number or a name of the field at *p. */
static int value(const char **p, const struct field *f, int *out)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		long v = 0;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > 1000)
				return -EINVAL;
		}
		*p = s;
		*out = (int)v;
		return v < f->lo || v > f->hi ? -ERANGE : 0;
	}
	if (f->names && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
	    isalpha((unsigned char)s[2]) && !isalpha((unsigned char)s[3])) {
		for (int i = 0; i <= f->hi - f->lo; i++) {
			if (!strncasecmp(s, f->names[i], 3)) {
				*p = s + 3;
				*out = f->lo + i;
				return 0;
			}
		}
	}
	return -EINVAL;
}

/* One field: a comma list of *, N, N-M, each with an optional /STEP. */
static int parse_field(const char *s, size_t len, const struct field *f, uint64_t *bits,
		       const char **why)
{
	char buf[128];
	if (len >= sizeof(buf)) {
		*why = "a field is too long";
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	*bits = 0;
	char *save = NULL;
	if (!len || buf[0] == ',' || buf[len - 1] == ',' || strstr(buf, ",,")) {
		*why = "an empty item in a list";
		return -EINVAL;
	}
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		const char *p = it;
		int lo, hi, step = 1, r;
		bool range = false;
		if (*p == '*') {
			lo = f->lo;
			hi = f->hi;
			p++;
			range = true;
		} else {
			if ((r = value(&p, f, &lo)) < 0) {
				*why =
				    r == -ERANGE ? "a value out of range" : "not a number or name";
				return -EINVAL;
			}
			hi = lo;
			if (*p == '-') {
				p++;
				if ((r = value(&p, f, &hi)) < 0) {
					*why = r == -ERANGE ? "a value out of range"
							    : "not a number or name";
					return -EINVAL;
				}
				if (hi < lo) {
					*why = "a range that ends before it starts";
					return -EINVAL;
				}
				range = true;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p)) {
				*why = "a step that is not a number";
				return -EINVAL;
			}
			long v = 0;
			while (isdigit((unsigned char)*p) && v <= 1000)
				v = v * 10 + (*p++ - '0');
			if (v < 1 || v > f->hi - f->lo + 1) {
				*why = "a step out of range";
				return -EINVAL;
			}
			step = (int)v;
			/* N/S: from N to the end of the field */
			if (!range)
				hi = f->hi;
		}
		if (*p) {
			*why = "unexpected text in a field";
			return -EINVAL;
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ull << v;
	}
	return 0;
}

static const struct {
	const char *name;
	const char *spec;
} nicknames[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},	  {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

int cron_parse(const char *s, struct cron *c, const char **why)
{
	memset(c, 0, sizeof(*c));
	s += strspn(s, " \t");
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (*s == '@') {
		size_t w = strcspn(s, " \t");
		if (w == 6 && !strncasecmp(s, "@every", 6) && w < n) {
			char buf[64];
			size_t l = n - w;
			if (l >= sizeof(buf)) {
				*why = "@every needs a duration like 30s, 5m or 1h30m";
				return -EINVAL;
			}
			memcpy(buf, s + w, l);
			buf[l] = '\0';
			int64_t ms;
			if (cv_duration(buf, &ms) < 0 || ms < 1000) {
				*why =
				    "@every needs a duration of at least 1s, like 30s, 5m or 1h30m";
				return -EINVAL;
			}
			c->every_ms = ms;
			return 0;
		}
		for (size_t i = 0; i < sizeof(nicknames) / sizeof(*nicknames); i++)
			if (strlen(nicknames[i].name) == n && !strncasecmp(s, nicknames[i].name, n))
				return cron_parse(nicknames[i].spec, c, why);
		*why = "an unknown @name (@yearly, @monthly, @weekly, @daily, @hourly, @every "
		       "DURATION)";
		return -EINVAL;
	}
	uint64_t bits[5];
	const char *p = s, *end = s + n;
	int k = 0;
	while (p < end) {
		size_t l = strcspn(p, " \t");
		if (p + l > end)
			l = (size_t)(end - p);
		if (k == 5) {
			*why = "more than five fields (minute hour day month weekday)";
			return -EINVAL;
		}
		if (parse_field(p, l, &fields[k], &bits[k], why) < 0)
			return -EINVAL;
		if (k == 2)
			c->mday_any = *p == '*';
		if (k == 4)
			c->wday_any = *p == '*';
		k++;
		p += l;
		p += strspn(p, " \t");
	}
	if (k != 5) {
		*why = "five fields expected (minute hour day month weekday)";
		return -EINVAL;
	}
	c->min = bits[0];
	c->hour = (uint32_t)bits[1];
	c->mday = (uint32_t)bits[2];
	c->month = (uint16_t)bits[3];
	/* 7 is Sunday too */
	c->wday = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f);
	return 0;
}

/* ---------------------------------------------------------------- next time */

/* A local wall-clock minute, compared as a number. */
struct wall {
	int year, mon, mday, hour, min; /* mon 1..12 */
};

static int64_t wall_key(const struct wall *w)
{
	return ((((int64_t)w->year * 13 + w->mon) * 32 + w->mday) * 24 + w->hour) * 60 + w->min;
}

static struct wall wall_of(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct wall){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min};
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* 0 = Sunday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static bool day_due(const struct cron *c, int y, int m, int d)
{
	bool md = c->mday >> d & 1, wd = c->wday >> weekday(y, m, d) & 1;
	/* cron's rule: with both restricted, either day matches */
	if (!c->mday_any && !c->wday_any)
		return md || wd;
	return md && wd;
}

/* The first due wall minute strictly after w, or false within the years. */
static bool next_wall(const struct cron *c, struct wall *w, int max_year)
{
	struct wall x = *w;
	x.min++;
	for (;;) {
		if (x.min > 59) {
			x.min = 0;
			x.hour++;
		}
		if (x.hour > 23) {
			x.hour = 0;
			x.mday++;
		}
		if (x.mon > 12) {
			x.mon = 1;
			x.year++;
		}
		if (x.mday > mdays(x.year, x.mon)) {
			x.mday = 1;
			if (++x.mon > 12) {
				x.mon = 1;
				x.year++;
			}
		}
		if (x.year > max_year)
			return false;
		if (!(c->month >> x.mon & 1)) {
			x.mday = 1;
			x.hour = 0;
			x.min = 0;
			x.mon++;
			continue;
		}
		if (!day_due(c, x.year, x.mon, x.mday)) {
			x.hour = 0;
			x.min = 0;
			x.mday++;
			continue;
		}
		if (!(c->hour >> x.hour & 1)) {
			x.min = 0;
			x.hour++;
			continue;
		}
		if (!(c->min >> x.min & 1)) {
			x.min++;
			continue;
		}
		*w = x;
		return true;
	}
}

static time_t mk(const struct wall *w, int isdst)
{
	struct tm tm = {.tm_year = w->year - 1900,
			.tm_mon = w->mon - 1,
			.tm_mday = w->mday,
			.tm_hour = w->hour,
			.tm_min = w->min,
			.tm_isdst = isdst};
	return mktime(&tm);
}

/* The instant w occurs after `after`: the earlier of its occurrences (a
 * repeated hour has two), or, for a time the clock skipped, the first
 * instant whose local time is later.  -1: it is not after `after`. */
static time_t resolve(const struct wall *w, time_t after)
{
	int64_t key = wall_key(w);
	time_t best = -1;
	for (int dst = 0; dst <= 1; dst++) {
		time_t t = mk(w, dst);
		struct wall back = wall_of(t);
		if (t != (time_t)-1 && wall_key(&back) == key && t > after &&
		    (best < 0 || t < best))
			best = t;
	}
	if (best >= 0)
		return best;
	/* Not a valid local time (or only before `after`): if local time
	 * passes it after `after`, the first instant it does. */
	time_t lo = after, hi = mk(w, -1);
	struct wall hw = wall_of(hi);
	for (int i = 0; i < 4 && wall_key(&hw) < key; i++) {
		hi += 3600;
		hw = wall_of(hi);
	}
	if (hi <= lo || wall_key(&hw) < key)
		return -1;
	struct wall lw = wall_of(lo);
	if (wall_key(&lw) >= key)
		return -1; /* already passed: each wall time is due once */
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		struct wall mw = wall_of(mid);
		if (wall_key(&mw) >= key)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

time_t cron_next(const struct cron *c, time_t after)
{
	struct wall w = wall_of(after);
	int max_year = w.year + 8;
	while (next_wall(c, &w, max_year)) {
		time_t t = resolve(&w, after);
		if (t >= 0)
			return t;
	}
	return -1;
}

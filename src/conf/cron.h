/* cron: schedule= of a program (doc/supd.conf.5, SCHEDULES): a crontab
 * time of five fields, an @hourly-style name, or @every DURATION; and the
 * next time a schedule is due, in the local time zone (TZ).  Pure: no
 * logging, no clock of its own. */
#ifndef SUPD_CRON_H
#define SUPD_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cron {
	uint64_t min;	  /* bit n: minute n, 0..59 */
	uint32_t hour;	  /* 0..23 */
	uint32_t mday;	  /* 1..31 */
	uint16_t month;	  /* 1..12 */
	uint8_t wday;	  /* 0..6, Sunday 0 */
	bool mday_any;	  /* the day-of-month field was '*' */
	bool wday_any;	  /* the day-of-week field was '*' */
	int64_t every_ms; /* @every: > 0, the fields unused */
};

/* Parses s.  Returns 0, or -EINVAL with *why (a static string) saying what
 * is wrong. */
int cron_parse(const char *s, struct cron *c, const char **why);

/* The first time (unix seconds) strictly after `after` at which the cron
 * fields are due, or -1 when none comes within eight years (February 30).
 * Not for @every, which counts from its own start.  Wall-clock rules
 * across DST changes: each local time is due at most once (in a repeated
 * hour, the first time it occurs); local times that a change skips are
 * due once, at the instant of the change. */
time_t cron_next(const struct cron *c, time_t after);

#endif

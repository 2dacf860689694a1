/* libFuzzer target: schedule= (cron.c).  Checks, besides the sanitizers:
 *  - it answers 0 or -EINVAL with a reason;
 *  - a parsed crontab has a bit in every field, and none out of range;
 *  - its next due time, from instants around both DST changes of a zone
 *    that has them, is later than the instant (or -1: never), and asking
 *    again from one second before gives the same time. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool zoned;
	if (!zoned) {
		setenv("TZ", "America/New_York", 1);
		tzset();
		zoned = true;
	}
	if (size > 256)
		return 0;
	char s[257];
	memcpy(s, data, size);
	s[size] = '\0';
	struct cron c;
	const char *why = NULL;
	int r = cron_parse(s, &c, &why);
	if (r == -EINVAL) {
		if (!why)
			abort();
		return 0;
	}
	if (r != 0)
		abort();
	if (c.every_ms) {
		if (c.every_ms < 1000)
			abort();
		return 0;
	}
	if (!c.min || (c.min >> 60) || !c.hour || (c.hour >> 24) || !(c.mday & ~1u) ||
	    !(c.month & ~1u) || (c.month >> 13) || !c.wday || (c.wday >> 7))
		abort();
	/* 2026-03-08 06:30 and 2026-11-01 05:30 UTC: just before the changes */
	static const time_t at[] = {1772951400, 1793511000, 1767225600};
	for (size_t i = 0; i < sizeof(at) / sizeof(*at); i++) {
		time_t t = cron_next(&c, at[i]);
		if (t == -1)
			continue;
		if (t <= at[i])
			abort();
		if (t - 1 > at[i] && cron_next(&c, t - 1) != t)
			abort();
	}
	return 0;
}

/* cron: schedule= parsing (fields, ranges, steps, names, @names, @every,
 * invalid input) and the next due time, in UTC and across both DST changes
 * of America/New_York (the rules of cron.h). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"

static void tz(const char *z)
{
	setenv("TZ", z, 1);
	tzset();
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return timegm(&tm);
}

static struct cron parse_ok(const char *s)
{
	struct cron c;
	const char *why = NULL;
	int r = cron_parse(s, &c, &why);
	ck_assert_msg(r == 0, "'%s': %s", s, why ? why : "?");
	return c;
}

static void next_is(const char *spec, time_t after, time_t want)
{
	struct cron c = parse_ok(spec);
	time_t got = cron_next(&c, after);
	ck_assert_msg(got == want, "'%s' after %lld: got %lld, want %lld (diff %lld s)", spec,
		      (long long)after, (long long)got, (long long)want, (long long)(got - want));
}

START_TEST(test_fields)
{
	struct cron c = parse_ok("*/15 9-17 * jan-Mar MON-fri");
	ck_assert_uint_eq(c.min, 1ull | 1ull << 15 | 1ull << 30 | 1ull << 45);
	ck_assert_uint_eq(c.hour, 0x3fe00u);
	ck_assert_uint_eq(c.month, 0xeu);
	ck_assert_uint_eq(c.wday, 0x3eu);
	ck_assert(c.mday_any && !c.wday_any);
	c = parse_ok("10-50/20,5 0 1,15 * 7");
	ck_assert_uint_eq(c.min, 1ull << 5 | 1ull << 10 | 1ull << 30 | 1ull << 50);
	ck_assert_uint_eq(c.mday, 1u << 1 | 1u << 15);
	ck_assert_uint_eq(c.wday, 1u); /* 7 is Sunday */
	c = parse_ok("55/2 0 * * sun-sat");
	ck_assert_uint_eq(c.min, 1ull << 55 | 1ull << 57 | 1ull << 59);
	ck_assert_uint_eq(c.wday, 0x7fu);
	c = parse_ok("  0  0\t* * *  ");
	ck_assert_uint_eq(c.min, 1u);
	c = parse_ok("@hourly");
	ck_assert_uint_eq(c.min, 1u);
	ck_assert_uint_eq(c.hour, 0xffffffu);
	c = parse_ok("@WEEKLY");
	ck_assert_uint_eq(c.wday, 1u);
	c = parse_ok("@every 1h30m");
	ck_assert_int_eq(c.every_ms, 5400000);
	c = parse_ok("@every 2s");
	ck_assert_int_eq(c.every_ms, 2000);
}
END_TEST

START_TEST(test_invalid)
{
	static const char *const bad[] = {
	    "",
	    "* * * *",
	    "* * * * * *",
	    "60 * * * *",
	    "* 24 * * *",
	    "* * 0 * *",
	    "* * 32 * *",
	    "* * * 13 *",
	    "* * * 0 *",
	    "* * * * 8",
	    "5-1 * * * *",
	    "*/0 * * * *",
	    "*/61 * * * *",
	    "a * * * *",
	    "1,,2 * * * *",
	    ",1 * * * *",
	    "1- * * * *",
	    "1-2-3 * * * *",
	    "*/x * * * *",
	    "* * * janu *",
	    "* * * * mon-",
	    "jan * * * *",
	    "@reboot",
	    "@every",
	    "@every 0s",
	    "@every 500ms",
	    "@every soon",
	    "@daily x",
	    "@",
	    "99999999999 * * * *",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cron c;
		const char *why = NULL;
		ck_assert_msg(cron_parse(bad[i], &c, &why) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_msg(why && *why, "'%s': no reason", bad[i]);
	}
}
END_TEST

START_TEST(test_next_utc)
{
	tz("UTC");
	next_is("*/15 * * * *", utc(2026, 1, 5, 10, 7), utc(2026, 1, 5, 10, 15));
	next_is("*/15 * * * *", utc(2026, 1, 5, 10, 15), utc(2026, 1, 5, 10, 30));
	next_is("0 0 * * *", utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 0, 0));
	next_is("0 0 29 2 *", utc(2025, 3, 1, 0, 0), utc(2028, 2, 29, 0, 0));
	/* day of month OR weekday when both are restricted: the 13th, or a
	 * Friday (2026-02-06) */
	next_is("0 12 13 * fri", utc(2026, 2, 1, 0, 0), utc(2026, 2, 6, 12, 0));
	next_is("0 12 13 * fri", utc(2026, 2, 12, 0, 0), utc(2026, 2, 13, 12, 0));
	/* a restricted weekday with '*' days: only that weekday */
	next_is("0 12 * * 1", utc(2026, 2, 1, 0, 0), utc(2026, 2, 2, 12, 0));
	next_is("30 8 1 jan,jul *", utc(2026, 2, 1, 0, 0), utc(2026, 7, 1, 8, 30));
	struct cron c = parse_ok("0 0 30 2 *");
	ck_assert_int_eq(cron_next(&c, utc(2026, 1, 1, 0, 0)), -1);
}
END_TEST

/* America/New_York 2026: 02:00 EST -> 03:00 EDT on March 8 (07:00 UTC);
 * 02:00 EDT -> 01:00 EST on November 1 (06:00 UTC). */
START_TEST(test_dst_spring)
{
	tz("America/New_York");
	/* 02:30 does not exist that day: due once, when the clock jumps */
	next_is("30 2 * * *", utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 7, 0));
	next_is("30 2 * * *", utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30));
	/* every 15 minutes: 02:00..02:45 collapse into the one instant */
	next_is("*/15 * * * *", utc(2026, 3, 8, 6, 50), utc(2026, 3, 8, 7, 0));
	next_is("*/15 * * * *", utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 15));
	/* times around the gap are ordinary */
	next_is("59 1 * * *", utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 6, 59));
	next_is("0 3 * * *", utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 7, 0));
	next_is("0 12 * * *", utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 16, 0));
}
END_TEST

START_TEST(test_dst_autumn)
{
	tz("America/New_York");
	/* 01:30 happens twice: due the first time only */
	next_is("30 1 * * *", utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 5, 30));
	next_is("30 1 * * *", utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30));
	/* hourly: 01:00 EDT, then 02:00 EST (the second 01:00 is not due) */
	next_is("0 * * * *", utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 5, 0));
	next_is("0 * * * *", utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 7, 0));
	/* supd started during the second 01:xx: 01:30 EST is new to it */
	next_is("30 1 * * *", utc(2026, 11, 1, 6, 10), utc(2026, 11, 1, 6, 30));
	next_is("0 12 * * *", utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 17, 0));
}
END_TEST

START_TEST(test_dst_south)
{
	/* Australia/Sydney 2026: 03:00 AEDT -> 02:00 AEST on April 5 (16:00
	 * UTC on the 4th); 02:00 AEST -> 03:00 AEDT on October 4 (16:00 UTC on
	 * the 3rd) */
	tz("Australia/Sydney");
	next_is("30 2 * * *", utc(2026, 10, 3, 12, 0), utc(2026, 10, 3, 16, 0));
	next_is("30 2 * * *", utc(2026, 4, 4, 12, 0), utc(2026, 4, 4, 15, 30));
	next_is("30 2 * * *", utc(2026, 4, 4, 15, 30), utc(2026, 4, 5, 16, 30));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cron");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_next_utc);
	tcase_add_test(tc, test_dst_spring);
	tcase_add_test(tc, test_dst_autumn);
	tcase_add_test(tc, test_dst_south);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

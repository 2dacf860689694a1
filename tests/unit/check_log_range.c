/* log_range: the offset/length/tail arguments of every log read, and
 * supervisord's readLog span over a file's size. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "log_range.h"

static int parse(const char *o, const char *l, const char *t, struct log_range *lr)
{
	return log_range_parse(o, l, t, lr);
}

START_TEST(test_parse_ok)
{
	struct log_range lr;
	ck_assert_int_eq(parse(NULL, NULL, NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, -1600);
	ck_assert_int_eq(lr.length, 0);
	ck_assert(!lr.none);
	ck_assert_int_eq(parse("10", "20", NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, 10);
	ck_assert_int_eq(lr.length, 20);
	ck_assert_int_eq(parse("-300", NULL, NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, -300);
	ck_assert_int_eq(parse(NULL, "5", NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, 0);
	ck_assert_int_eq(lr.length, 5);
	ck_assert_int_eq(parse("9223372036854775807", "0", NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, INT64_MAX);
	ck_assert_int_eq(parse("-9223372036854775808", NULL, NULL, &lr), 0);
	ck_assert_int_eq(lr.offset, INT64_MIN);
	ck_assert_int_eq(parse(NULL, NULL, "0", &lr), 0);
	ck_assert(lr.none);
	ck_assert_int_eq(parse(NULL, NULL, "4096", &lr), 0);
	ck_assert_int_eq(lr.offset, -4096);
	ck_assert(!lr.none);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const bad[][3] = {
	    {"9223372036854775807", "-1", NULL}, /* the example */
	    {"0", "-1", NULL},
	    {"-5", "3", NULL}, /* a negative offset takes no length */
	    {"9223372036854775808", NULL, NULL},
	    {"-9223372036854775809", NULL, NULL},
	    {"99999999999999999999999", NULL, NULL},
	    {"", NULL, NULL},
	    {"-", NULL, NULL},
	    {" 5", NULL, NULL},
	    {"+5", NULL, NULL},
	    {"5 ", NULL, NULL},
	    {"0x10", NULL, NULL},
	    {NULL, "1e3", NULL},
	    {NULL, NULL, "-1"},
	    {NULL, NULL, "-9223372036854775808"},
	    {NULL, NULL, "abc"},
	    {"1", NULL, "5"}, /* tail and a range at once */
	    {NULL, "1", "5"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct log_range lr;
		ck_assert_msg(parse(bad[i][0], bad[i][1], bad[i][2], &lr) == -EINVAL,
			      "offset=%s length=%s tail=%s accepted", bad[i][0], bad[i][1],
			      bad[i][2]);
	}
}
END_TEST

START_TEST(test_span)
{
	int64_t s, e;
	ck_assert_int_eq(log_range_span(0, 0, 100, &s, &e), 0);
	ck_assert(s == 0 && e == 100);
	ck_assert_int_eq(log_range_span(10, 20, 100, &s, &e), 0);
	ck_assert(s == 10 && e == 30);
	ck_assert_int_eq(log_range_span(90, 20, 100, &s, &e), 0);
	ck_assert(s == 90 && e == 100);
	ck_assert_int_eq(log_range_span(200, 0, 100, &s, &e), 0);
	ck_assert(s == 100 && e == 100);
	ck_assert_int_eq(log_range_span(INT64_MAX, INT64_MAX, 100, &s, &e), 0);
	ck_assert(s == 100 && e == 100);
	ck_assert_int_eq(log_range_span(50, INT64_MAX, 100, &s, &e), 0);
	ck_assert(s == 50 && e == 100);
	ck_assert_int_eq(log_range_span(-30, 0, 100, &s, &e), 0);
	ck_assert(s == 70 && e == 100);
	ck_assert_int_eq(log_range_span(-300, 0, 100, &s, &e), 0);
	ck_assert(s == 0 && e == 100);
	ck_assert_int_eq(log_range_span(INT64_MIN, 0, 100, &s, &e), 0);
	ck_assert(s == 0 && e == 100);
	ck_assert_int_eq(log_range_span(INT64_MAX, -1, 100, &s, &e), -EINVAL);
	ck_assert_int_eq(log_range_span(-1, 1, 100, &s, &e), -EINVAL);
	ck_assert_int_eq(log_range_span(0, INT64_MIN, 100, &s, &e), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log_range");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_span);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

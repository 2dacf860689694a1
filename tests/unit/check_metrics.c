/* metrics.c's pure parts: the route label of a path (so that a label's
 * values stay few) and the parsing of /proc/<pid>/stat. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static void check_route(const char *path, const char *want)
{
	char buf[64];
	ck_assert_str_eq(metrics_route(path, buf, sizeof(buf)), want);
}

START_TEST(routes)
{
	check_route("/metrics", "/metrics");
	check_route("/v1/events", "/v1/events");
	check_route("/v1/processes", "/v1/processes");
	check_route("/v1/processes/web", "/v1/processes/{name}");
	check_route("/v1/processes/g:a/start", "/v1/processes/{name}/start");
	check_route("/v1/processes/web/log", "/v1/processes/{name}/log");
	check_route("/v1/processes/web/log/stderr", "/v1/processes/{name}/log/{stream}");
	check_route("/v1/processes/web/log/stderr/x", "other");
	check_route("/v1/processes/web/startx", "other");
	check_route("/v1/processes/web/stdin", "/v1/processes/{name}/stdin");
	check_route("/v1/groups/g", "/v1/groups/{name}");
	check_route("/v1/groups/g/x", "other");
	check_route("/RPC2/anything", "/RPC2");
	check_route("/logtail/web/stdout", "/logtail/{name}");
	check_route("/", "/");
	check_route("/nonexistent/very/long/path", "other");
	check_route("/v1/processes/", "other");
}
END_TEST

START_TEST(stat_line)
{
	/* a command with spaces and parentheses; fields 14, 15 (utime,
	 * stime), 20 (threads), 22 (starttime), 24 (rss) */
	const char *line = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 "
			   "250 50 0 0 20 0 3 0 9000 12345678 42 18446744073709551615 "
			   "1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	struct metrics_pstat st;
	ck_assert_int_eq(metrics_parse_stat(line, 100, 4096, &st), 0);
	ck_assert_uint_eq(st.cpu_ticks, 300);
	ck_assert(st.cpu_s > 2.99 && st.cpu_s < 3.01);
	ck_assert_int_eq(st.threads, 3);
	ck_assert(st.start_s > 89.99 && st.start_s < 90.01);
	ck_assert_uint_eq(st.rss, 42 * 4096);
	ck_assert_int_eq(metrics_parse_stat("1234 (x) S 1 2 3", 100, 4096, &st), -EINVAL);
	ck_assert_int_eq(metrics_parse_stat("no parenthesis", 100, 4096, &st), -EINVAL);
	ck_assert_int_eq(metrics_parse_stat("1 (x)", 100, 4096, &st), -EINVAL);
	ck_assert_int_eq(metrics_parse_stat(line, 0, 4096, &st), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, routes);
	tcase_add_test(tc, stat_line);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

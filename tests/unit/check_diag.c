/* diag: collecting and formatting file:line messages. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

START_TEST(test_format_forms)
{
	struct diags d;
	char buf[256];
	diags_init(&d);
	diag_error(&d, "a.conf", 12, 0, "unknown value '%s' for autorestart", "maybe");
	diag_warn(&d, "a.conf", 3, 0, "unknown option 'vacuum'");
	diag_error(&d, "b.yaml", 4, 7, "bad");
	diag_error(&d, NULL, 0, 0, "plain");
	diag_error(&d, "c.conf", 0, 0, "no line");
	ck_assert_uint_eq(d.n, 5);
	ck_assert_uint_eq(d.nerrors, 4);
	diag_format(&d.v[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.conf:12: unknown value 'maybe' for autorestart");
	diag_format(&d.v[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.conf:3: warning: unknown option 'vacuum'");
	diag_format(&d.v[2], buf, sizeof(buf));
	ck_assert_str_eq(buf, "b.yaml:4:7: bad");
	diag_format(&d.v[3], buf, sizeof(buf));
	ck_assert_str_eq(buf, "plain");
	diag_format(&d.v[4], buf, sizeof(buf));
	ck_assert_str_eq(buf, "c.conf: no line");
	diags_free(&d);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* The same diagnostic is kept once; a repeated error still counts. */
START_TEST(test_said_once)
{
	struct diags d;
	diags_init(&d);
	for (int i = 0; i < 1000; i++) {
		diag_error(&d, "a.yaml", 1, 1, "a value in a mapping must be a scalar");
		diag_warn(&d, "a.yaml", 2, 0, "unknown section [x] (ignored)");
		diag_error(&d, "a.yaml", 3, 4, "duplicate key '%s'", "<<");
	}
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.nerrors, 2000);
	/* what differs in kind, file, line, column or text is kept */
	diag_warn(&d, "a.yaml", 1, 1, "a value in a mapping must be a scalar");
	diag_error(&d, "b.yaml", 1, 1, "a value in a mapping must be a scalar");
	diag_error(&d, NULL, 1, 1, "a value in a mapping must be a scalar");
	diag_error(&d, "a.yaml", 9, 1, "a value in a mapping must be a scalar");
	diag_error(&d, "a.yaml", 1, 2, "a value in a mapping must be a scalar");
	diag_error(&d, "a.yaml", 1, 1, "a value in a mapping must be a scalar!");
	ck_assert_uint_eq(d.n, 9);
	diag_error(&d, NULL, 1, 1, "a value in a mapping must be a scalar");
	ck_assert_uint_eq(d.n, 9);
	/* reordered and shortened by its users (conf.c sorts, warnings are
	 * dropped): still each once */
	struct diag t = d.v[0];
	d.v[0] = d.v[2];
	d.v[2] = t;
	free(d.v[8].file);
	free(d.v[8].msg);
	d.n = 8;
	diags_changed(&d);
	diag_error(&d, "a.yaml", 3, 4, "duplicate key '<<'");
	diag_error(&d, "a.yaml", 1, 1, "a value in a mapping must be a scalar!");
	ck_assert_uint_eq(d.n, 9);
	for (int i = 0; i < 5000; i++)
		diag_error(&d, "c.conf", i + 1, 0, "bad %d", i % 7);
	ck_assert_uint_eq(d.n, 5009);
	for (int i = 0; i < 5000; i++)
		diag_error(&d, "c.conf", i + 1, 0, "bad %d", i % 7);
	ck_assert_uint_eq(d.n, 5009);
	diags_free(&d);
}
END_TEST

START_TEST(test_many)
{
	struct diags d;
	diags_init(&d);
	for (int i = 0; i < 1000; i++)
		diag_warn(&d, "x", i + 1, 0, "w%d", i);
	ck_assert_uint_eq(d.n, 1000);
	ck_assert_uint_eq(d.nerrors, 0);
	ck_assert_str_eq(d.v[999].msg, "w999");
	diags_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_format_forms);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_said_once);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

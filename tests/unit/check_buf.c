/* buf: appends keep every byte, in order, NUL-terminated. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

START_TEST(test_append)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	ck_assert_int_eq(buf_append(&b, &len, &cap, "", 0), 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, "");
	ck_assert_int_eq(buf_append(&b, &len, &cap, "ab", 2), 0);
	ck_assert_int_eq(buf_append(&b, &len, &cap, "c\0d", 3), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(b, "abc\0d", 6), 0);
	/* many small appends across several doublings */
	for (int i = 0; i < 100000; i++)
		ck_assert_int_eq(buf_append(&b, &len, &cap, "x", 1), 0);
	ck_assert_uint_eq(len, 100005);
	ck_assert_uint_gt(cap, len);
	ck_assert_int_eq(b[len], '\0');
	ck_assert_int_eq(b[len - 1], 'x');
	free(b);
}
END_TEST

START_TEST(test_big_and_overflow)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	size_t n = 1 << 20;
	char *src = malloc(n);
	for (size_t i = 0; i < n; i++)
		src[i] = (char)i;
	ck_assert_int_eq(buf_append(&b, &len, &cap, src, n), 0);
	ck_assert_int_eq(memcmp(b, src, n), 0);
	/* a length that cannot fit is refused, the buffer left as it was */
	ck_assert_int_eq(buf_append(&b, &len, &cap, src, (size_t)-1 / 2), -ENOMEM);
	ck_assert_uint_eq(len, n);
	free(src);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_big_and_overflow);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* utf8: the one validator, over the edges of each sequence length. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static size_t len(const char *s)
{
	return utf8_len((const unsigned char *)s, strlen(s) ? strlen(s) : 1);
}

START_TEST(test_valid)
{
	ck_assert_uint_eq(len("a"), 1);
	ck_assert_uint_eq(len("\xc2\x80"), 2);	       /* U+0080 */
	ck_assert_uint_eq(len("\xdf\xbf"), 2);	       /* U+07FF */
	ck_assert_uint_eq(len("\xe0\xa0\x80"), 3);     /* U+0800 */
	ck_assert_uint_eq(len("\xef\xbf\xbf"), 3);     /* U+FFFF */
	ck_assert_uint_eq(len("\xf0\x90\x80\x80"), 4); /* U+10000 */
	ck_assert_uint_eq(len("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
}
END_TEST

START_TEST(test_invalid)
{
	ck_assert_uint_eq(len("\x80"), 0);	       /* stray continuation */
	ck_assert_uint_eq(len("\xc0\x80"), 0);	       /* overlong NUL */
	ck_assert_uint_eq(len("\xc1\xbf"), 0);	       /* overlong */
	ck_assert_uint_eq(len("\xe0\x9f\xbf"), 0);     /* overlong 3 */
	ck_assert_uint_eq(len("\xf0\x8f\xbf\xbf"), 0); /* overlong 4 */
	ck_assert_uint_eq(len("\xed\xa0\x80"), 0);     /* surrogate */
	ck_assert_uint_eq(len("\xf4\x90\x80\x80"), 0); /* past U+10FFFF */
	ck_assert_uint_eq(len("\xf5\x80\x80\x80"), 0);
	ck_assert_uint_eq(len("\xc3\x28"), 0); /* bad continuation */
	ck_assert_uint_eq(len("\xe2\x82"), 0); /* cut by the NUL */
}
END_TEST

START_TEST(test_avail)
{
	const unsigned char s[] = {0xe2, 0x82, 0xac}; /* U+20AC, no NUL after */
	ck_assert_uint_eq(utf8_len(s, 3), 3);
	ck_assert_uint_eq(utf8_len(s, 2), 0);
	ck_assert_uint_eq(utf8_len(s, 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_avail);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

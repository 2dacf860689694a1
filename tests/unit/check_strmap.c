/* Unit tests for strmap.c and strpool.c. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "strpool.h"

START_TEST(test_empty)
{
	struct strmap m = {0};
	size_t v = 7;
	ck_assert(!strmap_get(&m, "x", &v));
	ck_assert_uint_eq(v, 7);
	strmap_free(&m);
}
END_TEST

START_TEST(test_put_get_replace)
{
	struct strmap m = {0};
	ck_assert_int_eq(strmap_put(&m, "program:web", 1), 0);
	ck_assert_int_eq(strmap_put(&m, "program:db", 2), 0);
	size_t v;
	ck_assert(strmap_get(&m, "program:web", &v));
	ck_assert_uint_eq(v, 1);
	ck_assert(strmap_get(&m, "program:db", NULL));
	ck_assert(!strmap_get(&m, "program:we", NULL));
	ck_assert(!strmap_get(&m, "", NULL));
	ck_assert_int_eq(strmap_put(&m, "program:web", 9), 0);
	ck_assert(strmap_get(&m, "program:web", &v));
	ck_assert_uint_eq(v, 9);
	ck_assert_uint_eq(m.n, 2);
	strmap_free(&m);
	ck_assert(!strmap_get(&m, "program:web", NULL));
}
END_TEST

/* Through many growths, every key keeps its value. */
START_TEST(test_many)
{
	enum { N = 20000 };
	static char names[N][16];
	struct strmap m = {0};
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		ck_assert_int_eq(strmap_put(&m, names[i], i), 0);
	}
	ck_assert_uint_eq(m.n, N);
	ck_assert_uint_ge(m.cap, 2 * N);
	for (size_t i = 0; i < N; i++) {
		size_t v;
		ck_assert(strmap_get(&m, names[i], &v));
		ck_assert_uint_eq(v, i);
	}
	ck_assert(!strmap_get(&m, "p20000", NULL));
	strmap_free(&m);
}
END_TEST

START_TEST(test_pool)
{
	struct strpool p = {0};
	char name[32];
	const char *first[3000];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "p%d", i % 1500);
		const char *s = strpool_intern(&p, name);
		ck_assert_str_eq(s, name);
		if (i < 1500)
			first[i] = s;
		else /* an equal string: the same copy */
			ck_assert_ptr_eq(s, first[i - 1500]);
		/* pointer-aligned blocks between the strings */
		void **v = strpool_alloc(&p, 3 * sizeof(void *));
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq((uintptr_t)v % sizeof(void *), 0);
		v[0] = v[1] = v[2] = NULL;
	}
	ck_assert_ptr_null(strpool_intern(&p, NULL));
	/* longer than a block */
	static char big[200000];
	memset(big, 'x', sizeof(big) - 1);
	const char *b = strpool_copy(&p, big, sizeof(big) - 1);
	ck_assert_uint_eq(strlen(b), sizeof(big) - 1);
	/* sealed: the strings stay, equal ones are no longer found */
	strpool_seal(&p);
	ck_assert_str_eq(first[7], "p7");
	ck_assert_ptr_ne(strpool_intern(&p, "p7"), first[7]);
	strpool_free(&p);
	strpool_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strmap");
	TCase *tc = tcase_create("strmap");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_put_get_replace);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_pool);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

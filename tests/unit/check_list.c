/* list.h: push, append, unlink anywhere (also twice, also of an element
 * on no list), and unlinking while iterating. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "list.h"

struct item {
	int v;
	LIST_LINK(struct item) link;
};

/* The list's values in order, as digits ("312"), checking the back links. */
static const char *walk(struct item *const *headp)
{
	static char buf[32];
	size_t n = 0;
	struct item *const *pp = headp;
	for (struct item *i = *headp; i; i = i->link.next) {
		ck_assert_ptr_eq(i->link.pprev, pp);
		pp = &i->link.next;
		buf[n++] = (char)('0' + i->v);
	}
	buf[n] = 0;
	return buf;
}

START_TEST(test_list)
{
	struct item it[5] = {{.v = 0}, {.v = 1}, {.v = 2}, {.v = 3}, {.v = 4}};
	struct item *head = NULL;
	ck_assert_str_eq(walk(&head), "");
	ck_assert(!list_linked(&it[1], link));
	list_unlink(&it[1], link); /* on no list: nothing */
	list_push(&head, &it[1], link);
	list_push(&head, &it[2], link);
	list_append(&head, &it[3], link);
	list_push(&head, &it[0], link);
	ck_assert_str_eq(walk(&head), "0213");
	list_unlink(&it[1], link); /* middle */
	ck_assert(!list_linked(&it[1], link));
	ck_assert_str_eq(walk(&head), "023");
	list_unlink(&it[1], link); /* again: nothing */
	list_unlink(&it[0], link); /* first */
	ck_assert_str_eq(walk(&head), "23");
	list_unlink(&it[3], link); /* last */
	ck_assert_str_eq(walk(&head), "2");
	list_unlink(&it[2], link);
	ck_assert_ptr_null(head);
	list_append(&head, &it[4], link);
	ck_assert_str_eq(walk(&head), "4");
}
END_TEST

START_TEST(test_unlink_while_iterating)
{
	struct item it[6];
	struct item *head = NULL;
	for (int i = 5; i >= 0; i--) {
		it[i] = (struct item){.v = i};
		list_push(&head, &it[i], link);
	}
	ck_assert_str_eq(walk(&head), "012345");
	struct item *i, *next;
	int seen = 0;
	list_foreach_safe (i, head, link, next) {
		seen++;
		if (i->v % 2 == 0)
			list_unlink(i, link);
	}
	ck_assert_int_eq(seen, 6);
	ck_assert_str_eq(walk(&head), "135");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("list");
	TCase *tc = tcase_create("list");
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_unlink_while_iterating);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

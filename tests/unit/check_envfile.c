/* envfile: env_file= syntax (comments, export, quotes, escapes, multi-line
 * values) and its errors with their line numbers. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

/* The assignments as "K=V;" in one string. */
struct got {
	char s[1024];
	int fail_at; /* the nth call returns -ENOMEM (0: never) */
	int calls;
};

static int collect(void *arg, const char *key, const char *val)
{
	struct got *g = arg;
	if (++g->calls == g->fail_at)
		return -ENOMEM;
	size_t n = strlen(g->s);
	snprintf(g->s + n, sizeof(g->s) - n, "%s=%s;", key, val);
	return 0;
}

static int parse(const char *text, struct got *g, int *line, const char **why)
{
	memset(g->s, 0, sizeof(g->s));
	*line = 0;
	*why = NULL;
	return envfile_parse(text, strlen(text), collect, g, line, why);
}

static void ok(const char *text, const char *want)
{
	struct got g = {0};
	int line;
	const char *why;
	int r = parse(text, &g, &line, &why);
	ck_assert_msg(r == 0, "'%s': %d %s at %d", text, r, why ? why : "", line);
	ck_assert_str_eq(g.s, want);
}

static void bad(const char *text, int want_line, const char *want_why)
{
	struct got g = {0};
	int line;
	const char *why;
	ck_assert_int_eq(parse(text, &g, &line, &why), -EINVAL);
	ck_assert_int_eq(line, want_line);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, want_why), "'%s': '%s' lacks '%s'", text, why, want_why);
}

START_TEST(test_plain)
{
	ok("", "");
	ok("A=1\nB=two words\n", "A=1;B=two words;");
	ok("A=1", "A=1;");
	ok("  A = 1  \n", "A=1;");
	ok("A=\n", "A=;");
	ok("A=x=y\n", "A=x=y;");
	ok("a.b-c_D9=v\n", "a.b-c_D9=v;");
	ok("_X=1\r\nY=2\r\n", "_X=1;Y=2;");
	ok("\xef\xbb\xbf"
	   "A=1\n",
	   "A=1;");
	/* later lines win in the caller: every assignment is reported */
	ok("A=1\nA=2\n", "A=1;A=2;");
}
END_TEST

START_TEST(test_comments_export)
{
	ok("# c\n\n   \n\t# indented\nA=1\n", "A=1;");
	ok("A=val # comment\n", "A=val;");
	ok("A=val# not a comment\n", "A=val# not a comment;");
	ok("A=#x\n", "A=#x;");
	ok("export A=1\nexport\tB=2\n", "A=1;B=2;");
	ok("export=1\n", "export=1;");
	ok("exportA=1\n", "exportA=1;");
}
END_TEST

START_TEST(test_quotes)
{
	ok("A=\"VAL # not a comment\"\n", "A=VAL # not a comment;");
	ok("A=\"VAL\" # comment\n", "A=VAL;");
	ok("A='$OTHER'\n", "A=$OTHER;");
	ok("A='Let\\'s go!'\n", "A=Let's go!;");
	ok("A=\"{\\\"hello\\\": \\\"json\\\"}\"\n", "A={\"hello\": \"json\"};");
	ok("A=\"a\\tb\\nc\\\\d\\$e\"\n", "A=a\tb\nc\\d$e;");
	ok("A='a\\tb'\n", "A=a\\tb;");
	ok("A=\"\\q\"\n", "A=\\q;");
	ok("A=\"\"\nB=''\n", "A=;B=;");
	ok("A=\"line one\nline two\"\nB=3\n", "A=line one\nline two;B=3;");
	ok("A='x'   \n", "A=x;");
	/* a quote inside an unquoted value is kept */
	ok("A=it's\n", "A=it's;");
}
END_TEST

START_TEST(test_errors)
{
	bad("A=1\nnot an assignment\n", 2, "expected '='");
	bad("A=1\n=x\n", 2, "key starts");
	bad("1A=x\n", 1, "key starts");
	bad("A B=x\n", 1, "expected '='");
	bad("A\n", 1, "expected '='");
	bad("export\n", 1, "expected '='");
	bad("A=\"open\nB=2\n", 1, "no closing");
	bad("A='open\n", 1, "no closing");
	bad("A=\"x\" y\n", 1, "after the closing quote");
	bad("A=1\nB=\"two\nlines\" z\n", 2, "after the closing quote");
	bad("A=\"two\nlines\"\nB C\n", 3, "expected '='");
	static const char nul[] = "A=1\nB=x\0y\n";
	struct got g = {0};
	int line;
	const char *why;
	ck_assert_int_eq(envfile_parse(nul, sizeof(nul) - 1, collect, &g, &line, &why), -EINVAL);
	ck_assert_int_eq(line, 2);
	ck_assert_ptr_nonnull(strstr(why, "NUL"));
}
END_TEST

START_TEST(test_callback_error)
{
	struct got g = {.fail_at = 2};
	int line = -1;
	const char *why = NULL;
	ck_assert_int_eq(parse("A=1\nB=2\nC=3\n", &g, &line, &why), -ENOMEM);
	ck_assert_str_eq(g.s, "A=1;");
	ck_assert_ptr_null(why);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("envfile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_comments_export);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_callback_error);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

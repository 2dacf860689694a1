/* webui.c's pure parts: HTML escaping, URL encoding, form parsing (the
 * same-origin check is http_parse.c's now, in check_http_parse). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "webui.h"

/* webui_html of s (NUL-terminated at len) as a string. */
static char *esc(const char *s, size_t len)
{
	struct buf b = {0};
	webui_html(&b, s, len);
	buf_put(&b, "", 1);
	ck_assert(!b.oom);
	return b.p;
}

static void check_esc(const char *in, const char *want)
{
	char *got = esc(in, strlen(in));
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(html_specials)
{
	check_esc("plain text 123", "plain text 123");
	check_esc("<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	check_esc("", "");
	check_esc("tab\tnl\ncr\r", "tab\tnl\ncr\r");
}
END_TEST

START_TEST(html_bytes)
{
	/* valid UTF-8 stays, broken sequences and controls become U+FFFD */
	check_esc("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
	check_esc("a\xff"
		  "b",
		  "a\xef\xbf\xbd"
		  "b");
	check_esc("a\xc3", "a\xef\xbf\xbd");				   /* cut at the end */
	check_esc("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	check_esc("\x1b[0m", "\xef\xbf\xbd[0m");
	/* an embedded NUL in log data */
	char *got = esc("a\0b", 3);
	ck_assert_str_eq(got, "a\xef\xbf\xbd"
			      "b");
	free(got);
}
END_TEST

START_TEST(url_encoding)
{
	struct buf b = {0};
	webui_url(&b, "grp:web 1&x=<y>~._-");
	buf_put(&b, "", 1);
	ck_assert_str_eq(b.p, "grp%3Aweb%201%26x%3D%3Cy%3E~._-");
	free(b.p);
}
END_TEST

START_TEST(form)
{
	char body[] = "processname=grp%3Aweb+1&action=stop&other=x";
	struct webui_form f;
	ck_assert_int_eq(webui_form_parse(body, &f), 0);
	ck_assert_str_eq(f.processname, "grp:web 1");
	ck_assert_str_eq(f.action, "stop");

	char empty[] = "";
	ck_assert_int_eq(webui_form_parse(empty, &f), 0);
	ck_assert_ptr_null(f.processname);
	ck_assert_ptr_null(f.action);

	char bare[] = "action&&processname=a&processname=b";
	ck_assert_int_eq(webui_form_parse(bare, &f), 0);
	ck_assert_str_eq(f.action, "");
	ck_assert_str_eq(f.processname, "b");

	char bad[] = "action=%zz";
	ck_assert_int_eq(webui_form_parse(bad, &f), -EBADMSG);
	char nul[] = "action=a%00b";
	ck_assert_int_eq(webui_form_parse(nul, &f), -EBADMSG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webui");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, html_specials);
	tcase_add_test(tc, html_bytes);
	tcase_add_test(tc, url_encoding);
	tcase_add_test(tc, form);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* conf_ini: configparser's reading of supervisord.conf, quirk by quirk. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_raw.h"

#define RAW_PARSE conf_ini_parse
#define RAW_FILE  "t.conf"
#include "raw_fixture.h"

/* raw_conf.only (supctl): other sections are not kept; a kept section may
 * come after skipped ones. */
START_TEST(test_only_sections)
{
	static const char *const only[] = {"supervisorctl", "unix_http_server", NULL};
	raw_free(&R);
	diags_free(&D);
	raw_init(&R);
	diags_init(&D);
	R.only = only;
	const char *text = "[program:a]\ncommand=x\n[supervisorctl]\nserverurl=unix:///s\n"
			   "[program:b]\ncommand=y\n  continued\n[unix_http_server]\nfile=/s\n";
	RC = conf_ini_parse(&R, "t.conf", text, strlen(text), &D);
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 2);
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "unix:///s");
	ck_assert_str_eq(val("unix_http_server", "file"), "/s");
	ck_assert_ptr_null(raw_find_section(&R, "program:a"));
	/* What a skipped section says is not read: not even its errors
	 * (#18: supctl scans 10,000 program sections for the next header). */
	static const char bad[] =
	    "[program:a]\nno delimiter here\n\0\n[supervisorctl]\nserverurl=u\n";
	raw_free(&R);
	raw_init(&R);
	R.only = only;
	RC = conf_ini_parse(&R, "t.conf", bad, sizeof(bad) - 1, &D);
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "u");
	ck_assert_int_eq(kv("supervisorctl", "serverurl")->line, 5);
}
END_TEST

static void parse_only(const char *text)
{
	static const char *const only[] = {"supctl", "supervisorctl", "unix_http_server", NULL};
	raw_free(&R);
	diags_free(&D);
	raw_init(&R);
	diags_init(&D);
	R.only = only;
	RC = conf_ini_parse(&R, "t.conf", text, strlen(text), &D);
}

/* The skip keeps every line number, finds a kept section after many
 * skipped ones and after one whose name starts like a kept one, and
 * merges a kept section repeated after them. */
START_TEST(test_only_skip_lines)
{
	parse_only("[unix_http_server]\nfile=/a\n"
		   "[program:a]\ncommand=x\n\n; [supervisorctl]\nx=[y]\n"
		   "[program:b]\ncommand=y\n"
		   "[supervisorctl_not]\nserverurl=no\n"
		   "[supervisorctl]\nserverurl=unix:///s\n"
		   "[program:c]\ncommand=z\n"
		   "[unix_http_server]\nchmod=0700\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 2);
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "unix:///s");
	ck_assert_int_eq(kv("supervisorctl", "serverurl")->line, 13);
	ck_assert_int_eq(raw_find_section(&R, "supervisorctl")->line, 12);
	ck_assert_str_eq(val("unix_http_server", "file"), "/a");
	ck_assert_str_eq(val("unix_http_server", "chmod"), "0700");
	ck_assert_int_eq(kv("unix_http_server", "chmod")->line, 17);
}
END_TEST

/* An indented '[' line in a skipped section continues an option when it
 * is indented deeper than the option, and is a header otherwise: the skip
 * leaves both to the line-by-line reading. */
START_TEST(test_only_skip_indented)
{
	parse_only("[program:a]\ncommand=x\n  [supervisorctl]\nserverurl=no\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_ptr_null(raw_find_section(&R, "supervisorctl"));
	parse_only("[program:a]\n[program:b]\n  command=x\n  [supervisorctl]\n"
		   "serverurl=yes\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "yes");
	ck_assert_int_eq(kv("supervisorctl", "serverurl")->line, 5);
	/* CRLF: read line by line, same result */
	parse_only("[program:a]\r\ncommand=x\r\n[supervisorctl]\r\nserverurl=crlf\r\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("supervisorctl", "serverurl"), "crlf");
	ck_assert_int_eq(kv("supervisorctl", "serverurl")->line, 4);
}
END_TEST

START_TEST(test_basic)
{
	parse("[supervisord]\nlogfile = /tmp/x.log\nnodaemon=true\n\n[program:web]\ncommand = "
	      "/bin/cat\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_uint_eq(R.nsecs, 2);
	ck_assert_str_eq(R.secs[0].name, "supervisord");
	ck_assert_int_eq(R.secs[0].line, 1);
	ck_assert_str_eq(R.secs[0].file, "t.conf");
	ck_assert_str_eq(R.secs[1].name, "program:web");
	ck_assert_int_eq(R.secs[1].line, 5);
	ck_assert_str_eq(val("supervisord", "logfile"), "/tmp/x.log");
	ck_assert_int_eq(kv("supervisord", "logfile")->line, 2);
	ck_assert_str_eq(kv("supervisord", "logfile")->file, "t.conf");
	ck_assert_str_eq(val("supervisord", "nodaemon"), "true");
	ck_assert_int_eq(kv("supervisord", "nodaemon")->line, 3);
	ck_assert_str_eq(val("program:web", "command"), "/bin/cat");
	ck_assert_int_eq(kv("program:web", "command")->line, 6);
}
END_TEST

START_TEST(test_delimiters)
{
	parse("[s]\na: b\nc = d:e\nf:g=h\ni=\nj :\nk  =  sp aced  \n l \n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "b");
	ck_assert_str_eq(val("s", "c"), "d:e");
	ck_assert_str_eq(val("s", "f"), "g=h");
	ck_assert_str_eq(val("s", "i"), "");
	ck_assert_str_eq(val("s", "j"), "");
	/* " l" is indented: it continues k's value. */
	ck_assert_str_eq(val("s", "k"), "sp aced\nl");
}
END_TEST

START_TEST(test_case)
{
	parse("[Program:Web]\nCOMMAND=X\nUser = Bob\n[program:web]\nuser=al\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 2);
	ck_assert_str_eq(val("Program:Web", "command"), "X");
	ck_assert_str_eq(val("Program:Web", "user"), "Bob");
	ck_assert_str_eq(val("program:web", "user"), "al");
	ck_assert_ptr_null(raw_find_section(&R, "program:Web"));
}
END_TEST

START_TEST(test_comments)
{
	parse("; top\n# top\n[s]\n  ; indented comment\na=b ;c\nd=e;f\ng=h #i\nj=k#l\n"
	      "m=bash -c 'foo ; bar'\nn=\t;tab comment\no=;starts\np=# starts\n"
	      "q=x;y ;z #w\nr=x#y #z ;w\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(D.n, 0);
	ck_assert_str_eq(val("s", "a"), "b");
	ck_assert_str_eq(val("s", "d"), "e;f");
	ck_assert_str_eq(val("s", "g"), "h");
	ck_assert_str_eq(val("s", "j"), "k#l");
	ck_assert_str_eq(val("s", "m"), "bash -c 'foo");
	ck_assert_str_eq(val("s", "n"), "");
	ck_assert_str_eq(val("s", "o"), ";starts");
	ck_assert_str_eq(val("s", "p"), "# starts");
	/* configparser's round-by-round search: the first '#' after a
	 * space wins over the later-found " ;" of the ';' round two. */
	ck_assert_str_eq(val("s", "q"), "x;y ;z");
	ck_assert_str_eq(val("s", "r"), "x#y #z");
	ck_assert_uint_eq(raw_find_section(&R, "s")->nkv, 10);
}
END_TEST

START_TEST(test_comment_after_header)
{
	parse("[s] ; the section\na=1\n[t]# glued\nb=2\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1");
	/* "[t]# glued": '#' is not after whitespace, so the header line is
	 * "[t]# glued"; configparser takes "t" and ignores the rest. */
	ck_assert_str_eq(val("t", "b"), "2");
	ck_assert_uint_eq(D.n, 1);
	ck_assert(D.v[0].warning);
	ck_assert_str_eq(diag_text(0),
			 "t.conf:3: warning: text after section header ignored: '# glued'");
}
END_TEST

START_TEST(test_continuation)
{
	parse("[s]\ncommand=/bin/sh\n  -c\n\t'echo hi'\nnext=1\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "command"), "/bin/sh\n-c\n'echo hi'");
	ck_assert_int_eq(kv("s", "command")->line, 2);
	ck_assert_str_eq(val("s", "next"), "1");
	ck_assert_int_eq(kv("s", "next")->line, 5);
}
END_TEST

START_TEST(test_continuation_blank_lines)
{
	parse("[s]\nfiles=a\n\n  b\n   \n\n  c\n\n\n   \nnext=2\nlast=z\n\n\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "files"), "a\n\nb\n\n\nc");
	ck_assert_str_eq(val("s", "next"), "2");
	ck_assert_str_eq(val("s", "last"), "z");
}
END_TEST

START_TEST(test_continuation_comments)
{
	parse("[s]\nenvironment=\n  A=1,\n  ; a comment inside\n  # another\n  B=2 ; tail\n\n"
	      "x=y\n");
	ck_assert_int_eq(RC, 0);
	/* An empty first line still starts the value: "\nA=1,..." */
	ck_assert_str_eq(val("s", "environment"), "\nA=1,\nB=2");
	ck_assert_str_eq(val("s", "x"), "y");
}
END_TEST

START_TEST(test_comment_line_is_not_blank)
{
	/* A comment line between continuation lines adds nothing, not even
	 * an empty line. */
	parse("[s]\na=1\n; c\n  2\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1\n2");
}
END_TEST

START_TEST(test_indent_relative)
{
	/* Continuation means: indented deeper than the option's own line. */
	parse("[s]\n  a=1\n  b=2\n    more\n\tc=3\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1");
	ck_assert_str_eq(val("s", "b"), "2\nmore");
	/* One tab is one character of indentation, not deeper than two
	 * spaces: a new option. */
	ck_assert_str_eq(val("s", "c"), "3");
}
END_TEST

START_TEST(test_indent_after_header)
{
	/* A header ends any value: an indented line after it is an option. */
	parse("[s]\na=1\n[t]\n   b=2\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1");
	ck_assert_str_eq(val("t", "b"), "2");
}
END_TEST

START_TEST(test_indented_header_in_value)
{
	/* An indented "[x]" under an option is continuation text. */
	parse("[s]\na=1\n  [x]\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1\n[x]");
	ck_assert_ptr_null(raw_find_section(&R, "x"));
}
END_TEST

START_TEST(test_long_line)
{
	size_t n = 20000;
	char *t = malloc(n + 64);
	strcpy(t, "[program:x]\ncommand=/bin/echo ");
	size_t l = strlen(t);
	for (size_t i = 0; i < n; i++)
		t[l + i] = (char)('a' + i % 26);
	t[l + n] = '\n';
	t[l + n + 1] = '\0';
	parse(t);
	ck_assert_int_eq(RC, 0);
	const char *v = val("program:x", "command");
	ck_assert_uint_eq(strlen(v), n + strlen("/bin/echo "));
	ck_assert_int_eq(memcmp(v, "/bin/echo abc", 13), 0);
	ck_assert_int_eq(v[strlen(v) - 1], 'a' + (n - 1) % 26);
	free(t);
}
END_TEST

START_TEST(test_crlf_bom)
{
	parse("\xef\xbb\xbf[s]\r\na = 1\r\n  2\r\nb=3 ;c\r\n\r\nd=4");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(R.secs[0].name, "s");
	ck_assert_str_eq(val("s", "a"), "1\n2");
	ck_assert_str_eq(val("s", "b"), "3");
	ck_assert_str_eq(val("s", "d"), "4");
	ck_assert_int_eq(kv("s", "d")->line, 6);
}
END_TEST

START_TEST(test_lone_cr)
{
	parse("[s]\ra=1\rb=2\r");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "1");
	ck_assert_str_eq(val("s", "b"), "2");
	ck_assert_int_eq(kv("s", "b")->line, 3);
}
END_TEST

START_TEST(test_duplicates)
{
	parse("[s]\na=1\nb=2\na=3\n[t]\nx=1\n[s]\nb=4\nc=5\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 2);
	struct raw_section *s = raw_find_section(&R, "s");
	ck_assert_int_eq(s->line, 1);
	ck_assert_uint_eq(s->nkv, 3);
	/* Replaced in place: first position, last value, last line. */
	ck_assert_str_eq(s->kv[0].key, "a");
	ck_assert_str_eq(s->kv[0].value, "3");
	ck_assert_int_eq(s->kv[0].line, 4);
	ck_assert_str_eq(s->kv[1].value, "4");
	ck_assert_int_eq(s->kv[1].line, 8);
	ck_assert_str_eq(s->kv[2].key, "c");
}
END_TEST

START_TEST(test_header_forms)
{
	parse("[ spaced ]\na=1\n[a]]\nb=2\n[x] junk\nc=3\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val(" spaced ", "a"), "1");
	ck_assert_str_eq(val("a]", "b"), "2");
	ck_assert_str_eq(val("x", "c"), "3");
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0),
			 "t.conf:5: warning: text after section header ignored: ' junk'");
}
END_TEST

START_TEST(test_empty_input)
{
	parse("");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
	parse("\n\n; only comments\n   \n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 0);
	parse("[empty]\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_uint_eq(R.nsecs, 1);
	ck_assert_uint_eq(R.secs[0].nkv, 0);
}
END_TEST

START_TEST(test_len_authoritative)
{
	const char t[] = "[s]\na=123456";
	RC = conf_ini_parse(&R, "t.conf", t, strlen(t) - 3, &D);
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "a"), "123");
}
END_TEST

START_TEST(test_err_no_section)
{
	parse("a=1\nb=2\n[s]\nc=3\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_uint_eq(D.nerrors, 1);
	ck_assert_str_eq(diag_text(0), "t.conf:1: option 'a' before the first [section] header");
	ck_assert_str_eq(val("s", "c"), "3");
}
END_TEST

START_TEST(test_err_no_delimiter)
{
	parse("[s]\na=1\njust words\nb=2\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0), "t.conf:3: expected 'name = value', a [section] header or a "
				       "comment, got 'just words'");
	ck_assert_str_eq(val("s", "b"), "2");
}
END_TEST

START_TEST(test_err_unterminated_header)
{
	parse("[program:x\ncommand=a\n[supervisord]\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 2);
	ck_assert_str_eq(diag_text(0),
			 "t.conf:1: unterminated section header '[program:x' (no ']')");
	/* The option after it has no section to go into. */
	ck_assert_str_eq(diag_text(1),
			 "t.conf:2: option 'command' before the first [section] header");
}
END_TEST

START_TEST(test_err_empty_header_and_key)
{
	parse("[s]\n[]\n= 3\n  : x\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 3);
	ck_assert_str_eq(diag_text(0), "t.conf:2: empty section name");
	ck_assert_str_eq(diag_text(1), "t.conf:3: empty option name before '='");
	ck_assert_str_eq(diag_text(2), "t.conf:4: empty option name before ':'");
}
END_TEST

START_TEST(test_err_collects_all)
{
	parse("[s]\nbad1\na=1\nbad2\n[t\nb=2\n[u]\nbad3\n");
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.nerrors, 4);
	ck_assert_int_eq(D.v[0].line, 2);
	ck_assert_int_eq(D.v[1].line, 4);
	ck_assert_int_eq(D.v[2].line, 5);
	ck_assert_int_eq(D.v[3].line, 8);
	/* "[t" is no header: b=2 still lands in [s]. */
	ck_assert_str_eq(val("s", "b"), "2");
}
END_TEST

START_TEST(test_err_nul)
{
	const char t[] = "[s]\na=x\0y\nb=2\n";
	RC = conf_ini_parse(&R, "t.conf", t, sizeof(t) - 1, &D);
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_str_eq(diag_text(0), "t.conf:2: NUL byte in line");
	ck_assert_str_eq(val("s", "b"), "2");
}
END_TEST

/* A file that is no config (an include pattern matching binaries): the
 * first 100 errors, then one saying the rest is not read. */
START_TEST(test_err_not_config)
{
	static char t[4000];
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, "x%d\n", i % 10);
	RC = conf_ini_parse(&R, "bin", t, n, &D);
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 101);
	ck_assert_str_eq(
	    diag_text(100),
	    "bin:100: 100 errors: the rest of the file is not read (is it a config file?)");
}
END_TEST

START_TEST(test_err_long_excerpt)
{
	char t[300];
	memset(t, 'x', sizeof(t));
	memcpy(t, "[s]\n", 4);
	t[sizeof(t) - 1] = '\0';
	parse(t);
	ck_assert_int_eq(RC, -EINVAL);
	ck_assert_uint_eq(D.n, 1);
	ck_assert_uint_lt(strlen(D.v[0].msg), 150);
}
END_TEST

START_TEST(test_two_files_merge)
{
	const char a[] = "[program:x]\ncommand=a\nuser=u\n";
	const char b[] = "\n[program:x]\ncommand=b\n";
	ck_assert_int_eq(conf_ini_parse(&R, "a.conf", a, strlen(a), &D), 0);
	ck_assert_int_eq(conf_ini_parse(&R, "b.conf", b, strlen(b), &D), 0);
	ck_assert_uint_eq(R.nsecs, 1);
	ck_assert_str_eq(R.secs[0].file, "a.conf");
	ck_assert_str_eq(val("program:x", "command"), "b");
	ck_assert_str_eq(kv("program:x", "command")->file, "b.conf");
	ck_assert_int_eq(kv("program:x", "command")->line, 3);
	ck_assert_str_eq(kv("program:x", "user")->file, "a.conf");
}
END_TEST

START_TEST(test_percent_untouched)
{
	parse("[program:x]\nprocess_name=%(program_name)s_%(process_num)02d\ncommand=echo %% "
	      "%(ENV_HOME)s\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("program:x", "process_name"), "%(program_name)s_%(process_num)02d");
	ck_assert_str_eq(val("program:x", "command"), "echo %% %(ENV_HOME)s");
}
END_TEST

START_TEST(test_quotes_kept)
{
	parse("[s]\nenvironment=A=\"x y\",B='z'\n");
	ck_assert_int_eq(RC, 0);
	ck_assert_str_eq(val("s", "environment"), "A=\"x y\",B='z'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf_ini");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_delimiters);
	tcase_add_test(tc, test_case);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_comment_after_header);
	tcase_add_test(tc, test_continuation);
	tcase_add_test(tc, test_continuation_blank_lines);
	tcase_add_test(tc, test_continuation_comments);
	tcase_add_test(tc, test_comment_line_is_not_blank);
	tcase_add_test(tc, test_indent_relative);
	tcase_add_test(tc, test_indent_after_header);
	tcase_add_test(tc, test_indented_header_in_value);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_crlf_bom);
	tcase_add_test(tc, test_lone_cr);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_header_forms);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_len_authoritative);
	tcase_add_test(tc, test_err_no_section);
	tcase_add_test(tc, test_err_no_delimiter);
	tcase_add_test(tc, test_err_unterminated_header);
	tcase_add_test(tc, test_err_empty_header_and_key);
	tcase_add_test(tc, test_err_collects_all);
	tcase_add_test(tc, test_err_nul);
	tcase_add_test(tc, test_err_not_config);
	tcase_add_test(tc, test_err_long_excerpt);
	tcase_add_test(tc, test_two_files_merge);
	tcase_add_test(tc, test_percent_untouched);
	tcase_add_test(tc, test_quotes_kept);
	tcase_add_test(tc, test_only_sections);
	tcase_add_test(tc, test_only_skip_lines);
	tcase_add_test(tc, test_only_skip_indented);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

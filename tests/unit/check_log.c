/* log: format, level filter, echo, file rotation, errno and long lines. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static char dir[256];
static char errpath[300];
static int saved_stderr = -1;

/* Each test runs with stderr sent to a file, so what log.c echoes can be
 * read back. */
static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/check_log.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
	log_set_level(LL_INFO);
	log_set_echo(false);
}

static void teardown(void)
{
	log_close();
	dup2(saved_stderr, 2);
	close(saved_stderr);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

static bool matches(const char *s, const char *re)
{
	regex_t r;
	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	bool m = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

#define STAMP "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}"

START_TEST(test_before_open_goes_to_stderr)
{
	log_info("hello %d", 5);
	log_warn("careful");
	char *s = slurp(errpath);
	ck_assert(matches(s, "^" STAMP " INFO hello 5\n" STAMP " WARN careful\n$"));
	free(s);
}
END_TEST

START_TEST(test_level_names_and_filter)
{
	log_set_level(LL_BLAT);
	ck_assert_int_eq(log_get_level(), LL_BLAT);
	log_msg(LL_BLAT, "b");
	log_trace("t");
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_error("e");
	log_crit("c");
	log_set_level(LL_WARN);
	log_info("hidden");
	log_warn("shown");
	char *s = slurp(errpath);
	ck_assert(matches(s, "^" STAMP " BLAT b\n" STAMP " TRAC t\n" STAMP " DEBG d\n" STAMP
			     " INFO i\n" STAMP " WARN w\n" STAMP " ERRO e\n" STAMP " CRIT c\n" STAMP
			     " WARN shown\n$"));
	free(s);
}
END_TEST

START_TEST(test_file_and_echo)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/logs/supd.log", dir);
	ck_assert_int_eq(log_open(p, 0, 0), 0);
	ck_assert_str_eq(log_path(), p);
	log_info("only in file");
	log_set_echo(true);
	log_info("in both");
	char *f = slurp(p);
	char *e = slurp(errpath);
	ck_assert(matches(f, "^" STAMP " INFO only in file\n" STAMP " INFO in both\n$"));
	ck_assert(matches(e, "^" STAMP " INFO in both\n$"));
	free(f);
	free(e);
	log_close();
	ck_assert_ptr_null(log_path());
}
END_TEST

START_TEST(test_no_file)
{
	ck_assert_int_eq(log_open(NULL, 0, 0), 0);
	log_info("nowhere");
	log_set_echo(true);
	log_info("echoed");
	char *e = slurp(errpath);
	ck_assert(matches(e, "^" STAMP " INFO echoed\n$"));
	free(e);
	ck_assert_int_eq(log_clear(), -ENOENT);
}
END_TEST

START_TEST(test_rotates)
{
	char p[300], p1[310], p2[310], p3[310];
	snprintf(p, sizeof(p), "%s/r.log", dir);
	snprintf(p1, sizeof(p1), "%s.1", p);
	snprintf(p2, sizeof(p2), "%s.2", p);
	snprintf(p3, sizeof(p3), "%s.3", p);
	ck_assert_int_eq(log_open(p, 300, 2), 0);
	for (int i = 0; i < 50; i++)
		log_info("message number %d", i);
	struct stat st;
	ck_assert_int_eq(stat(p1, &st), 0);
	ck_assert_int_ge(st.st_size, 300);
	ck_assert_int_lt(st.st_size, 300 + 60);
	ck_assert_int_eq(stat(p2, &st), 0);
	ck_assert_int_ne(stat(p3, &st), 0);
	char *s = slurp(p);
	ck_assert(matches(s, "message number 49\n$"));
	free(s);
	ck_assert_int_eq(log_clear(), 0);
	ck_assert_int_ne(stat(p1, &st), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
}
END_TEST

START_TEST(test_reopen)
{
	char p[300], moved[310];
	snprintf(p, sizeof(p), "%s/o.log", dir);
	snprintf(moved, sizeof(moved), "%s.old", p);
	ck_assert_int_eq(log_open(p, 0, 0), 0);
	log_info("first");
	ck_assert_int_eq(rename(p, moved), 0);
	ck_assert_int_eq(log_reopen(), 0);
	log_info("second");
	char *a = slurp(moved), *b = slurp(p);
	ck_assert(matches(a, "^" STAMP " INFO first\n$"));
	ck_assert(matches(b, "^" STAMP " INFO second\n$"));
	free(a);
	free(b);
}
END_TEST

START_TEST(test_errno_kept_and_percent_m)
{
	errno = ENOENT;
	log_info("x: %m");
	ck_assert_int_eq(errno, ENOENT);
	char *s = slurp(errpath);
	ck_assert(matches(s, " INFO x: No such file or directory\n$"));
	free(s);
}
END_TEST

START_TEST(test_long_message_cut)
{
	char *big = malloc(20000);
	memset(big, 'L', 19999);
	big[19999] = '\0';
	log_info("%s", big);
	free(big);
	char *s = slurp(errpath);
	size_t n = strlen(s);
	ck_assert_uint_le(n, 8192);
	ck_assert_uint_gt(n, 8000);
	ck_assert(matches(s, "^" STAMP " INFO L+\\.\\.\\.\n$"));
	free(s);
}
END_TEST

START_TEST(test_not_seekable_said_once)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	int rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(log_open(p, 1000, 3), 0);
	log_info("through");
	char buf[4096];
	ssize_t n = read(rd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert(matches(buf, "^" STAMP " WARN .*fifo is not a regular file: logfile_maxbytes "
			       "ignored, not rotating\n" STAMP " INFO through\n$"));
	close(rd);
}
END_TEST

static int notes;

static void note_cb(void *arg)
{
	ck_assert_ptr_eq(arg, &notes);
	notes++;
	log_info("from the callback"); /* must not recurse */
}

START_TEST(test_notify)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/n.log", dir);
	log_set_notify(note_cb, &notes);
	log_info("before open"); /* no file: no notification */
	ck_assert_int_eq(notes, 0);
	ck_assert_int_eq(log_open(p, 0, 0), 0);
	log_info("one");
	ck_assert_int_eq(notes, 1);
	log_debug("filtered");
	ck_assert_int_eq(notes, 1);
	log_info("two");
	ck_assert_int_eq(notes, 2);
	log_set_notify(NULL, NULL);
	log_info("three");
	ck_assert_int_eq(notes, 2);
	char *s = slurp(p);
	ck_assert(matches(s, "INFO one\n.* INFO from the callback\n.* INFO two\n.* INFO from the "
			     "callback\n.* INFO three\n$"));
	free(s);
}
END_TEST

/* logfile=syslog: a message per line, "LEVL text", at its level's
 * priority; below the level, nothing. */
static char sl_got[512];
static void record_syslog(int prio, const char *line, size_t len)
{
	size_t n = strlen(sl_got);
	snprintf(sl_got + n, sizeof(sl_got) - n, "%d<%.*s>", prio, (int)len, line);
}

START_TEST(test_syslog)
{
	sl_got[0] = '\0';
	ck_assert_int_eq(log_open(NULL, 0, 0), 0);
	log_set_syslog(record_syslog);
	log_info("spawned: '%s' with pid %d", "web", 12);
	log_warn("two\nlines");
	log_crit("gone");
	log_debug("not at info");
	log_set_syslog(NULL);
	log_info("after");
	char want[256];
	snprintf(want, sizeof(want),
		 "%d<INFO spawned: 'web' with pid 12>%d<WARN two>%d<WARN lines>%d<CRIT gone>",
		 LOG_INFO, LOG_WARNING, LOG_WARNING, LOG_CRIT);
	ck_assert_str_eq(sl_got, want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_before_open_goes_to_stderr);
	tcase_add_test(tc, test_level_names_and_filter);
	tcase_add_test(tc, test_file_and_echo);
	tcase_add_test(tc, test_no_file);
	tcase_add_test(tc, test_rotates);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_errno_kept_and_percent_m);
	tcase_add_test(tc, test_long_message_cut);
	tcase_add_test(tc, test_not_seekable_said_once);
	tcase_add_test(tc, test_notify);
	tcase_add_test(tc, test_syslog);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

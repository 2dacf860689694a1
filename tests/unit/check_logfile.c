/* logfile: rotation, recreation, reopen, non-seekable targets, write
 * errors, splice, and supervisord's read/tail offsets, on real files. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logfile.h"

static char dir[256];

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/check_logfile.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *pathf(const char *fmt, const char *arg)
{
	static char buf[16][512];
	static int k;
	char name[256];
	snprintf(name, sizeof(name), fmt, arg);
	k = (k + 1) % 16;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* The whole file, NUL-terminated; NULL when missing. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

START_TEST(test_rotation_names_and_contents)
{
	struct logfile lf;
	char *p = pathf("%s", "a.log");
	ck_assert_int_eq(logfile_open(&lf, p, 100, 3), 0);
	ck_assert(lf.seekable);
	char chunk[61];
	/* 10 chunks of 60 bytes, each rotation after the second chunk */
	for (int i = 0; i < 10; i++) {
		memset(chunk, 'a' + i, 59);
		chunk[59] = '\n';
		ck_assert_int_eq(logfile_write(&lf, chunk, 60), 0);
	}
	logfile_close(&lf);
	/* rotations after chunks 2,4,6,8,10: base is empty, .1 = i,j ... */
	size_t n;
	char *b = slurp(p, &n);
	ck_assert_uint_eq(n, 0);
	free(b);
	const char want[3] = {'i', 'g', 'e'};
	for (int k = 1; k <= 3; k++) {
		char name[32];
		snprintf(name, sizeof(name), "a.log.%d", k);
		b = slurp(pathf("%s", name), &n);
		ck_assert_ptr_nonnull(b);
		ck_assert_uint_eq(n, 120);
		ck_assert_int_eq(b[0], want[k - 1]);
		ck_assert_int_eq(b[60], want[k - 1] + 1);
		free(b);
	}
	ck_assert(!exists(pathf("%s", "a.log.4")));
}
END_TEST

START_TEST(test_backups_zero_truncates)
{
	struct logfile lf;
	char *p = pathf("%s", "z.log");
	ck_assert_int_eq(logfile_open(&lf, p, 10, 0), 0);
	ck_assert_int_eq(logfile_write(&lf, "0123456789ab", 12), 0);
	ck_assert_int_eq(logfile_write(&lf, "xyz", 3), 0);
	logfile_close(&lf);
	char *b = slurp(p, NULL);
	ck_assert_str_eq(b, "xyz");
	free(b);
	ck_assert(!exists(pathf("%s", "z.log.1")));
}
END_TEST

START_TEST(test_maxbytes_zero_never_rotates)
{
	struct logfile lf;
	char *p = pathf("%s", "n.log");
	ck_assert_int_eq(logfile_open(&lf, p, 0, 5), 0);
	char buf[1000];
	memset(buf, 'q', sizeof(buf));
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(logfile_write(&lf, buf, sizeof(buf)), 0);
	logfile_close(&lf);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 100000);
	ck_assert(!exists(pathf("%s", "n.log.1")));
}
END_TEST

START_TEST(test_appends_to_existing)
{
	char *p = pathf("%s", "e.log");
	FILE *f = fopen(p, "w");
	fputs("old\n", f);
	fclose(f);
	struct logfile lf;
	ck_assert_int_eq(logfile_open(&lf, p, 0, 0), 0);
	ck_assert_uint_eq(lf.size, 4);
	ck_assert_int_eq(logfile_write(&lf, "new\n", 4), 0);
	logfile_close(&lf);
	char *b = slurp(p, NULL);
	ck_assert_str_eq(b, "old\nnew\n");
	free(b);
}
END_TEST

START_TEST(test_deleted_dir_recreated)
{
	struct logfile lf;
	char *sub = pathf("%s", "d1/d2");
	char *p = pathf("%s", "d1/d2/x.log");
	/* missing directories are made at open */
	ck_assert_int_eq(logfile_open(&lf, p, 0, 0), 0);
	ck_assert_int_eq(logfile_write(&lf, "one\n", 4), 0);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(pathf("%s", "d1")), 0);
	ck_assert_int_eq(logfile_write(&lf, "two\n", 4), 0);
	char *b = slurp(p, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, "two\n");
	free(b);
	logfile_close(&lf);
}
END_TEST

START_TEST(test_reopen_after_rename)
{
	struct logfile lf;
	char *p = pathf("%s", "r.log");
	char *moved = pathf("%s", "r.log.old");
	ck_assert_int_eq(logfile_open(&lf, p, 0, 0), 0);
	ck_assert_int_eq(logfile_write(&lf, "before\n", 7), 0);
	ck_assert_int_eq(rename(p, moved), 0);
	/* still the same file until the reopen (like logrotate's mv) */
	ck_assert_int_eq(logfile_write(&lf, "between\n", 8), 0);
	ck_assert_int_eq(logfile_reopen(&lf), 0);
	ck_assert_int_eq(logfile_write(&lf, "after\n", 6), 0);
	logfile_close(&lf);
	char *b = slurp(moved, NULL);
	ck_assert_str_eq(b, "before\nbetween\n");
	free(b);
	b = slurp(p, NULL);
	ck_assert_str_eq(b, "after\n");
	free(b);
}
END_TEST

START_TEST(test_moved_noticed_without_reopen)
{
	struct logfile lf;
	char *p = pathf("%s", "m.log");
	char *moved = pathf("%s", "m.log.old");
	ck_assert_int_eq(logfile_open(&lf, p, 0, 0), 0);
	ck_assert_int_eq(logfile_write(&lf, "a\n", 2), 0);
	ck_assert_int_eq(rename(p, moved), 0);
	lf.checked_ms -= 5000; /* as if a second had passed */
	ck_assert_int_eq(logfile_write(&lf, "b\n", 2), 0);
	logfile_close(&lf);
	char *b = slurp(p, NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, "b\n");
	free(b);
}
END_TEST

START_TEST(test_external_truncate_and_shared_path)
{
	struct logfile a, b;
	char *p = pathf("%s", "t.log");
	ck_assert_int_eq(logfile_open(&a, p, 0, 0), 0);
	ck_assert_int_eq(logfile_open(&b, p, 0, 0), 0);
	ck_assert_int_eq(logfile_write(&a, "aaaa\n", 5), 0);
	ck_assert_int_eq(logfile_write(&b, "bb\n", 3), 0);
	ck_assert_int_eq(logfile_write(&a, "a2\n", 3), 0);
	char *s = slurp(p, NULL);
	ck_assert_str_eq(s, "aaaa\nbb\na2\n");
	free(s);
	ck_assert_int_eq(truncate(p, 0), 0); /* copytruncate */
	ck_assert_int_eq(logfile_write(&a, "c\n", 2), 0);
	s = slurp(p, NULL);
	ck_assert_str_eq(s, "c\n");
	free(s);
	logfile_close(&a);
	logfile_close(&b);
}
END_TEST

START_TEST(test_fifo_not_rotated)
{
	char *p = pathf("%s", "fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	int rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(rd, 0);
	struct logfile lf;
	ck_assert_int_eq(logfile_open(&lf, p, 10, 3), 0);
	ck_assert(!lf.seekable);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(logfile_write(&lf, "0123456789", 10), 0);
	ck_assert_int_eq(logfile_rotate(&lf), 0);
	char buf[200];
	ck_assert_int_eq(read(rd, buf, sizeof(buf)), 100);
	ck_assert(!exists(pathf("%s", "fifo.1")));
	logfile_close(&lf);
	close(rd);
}
END_TEST

START_TEST(test_splice_rotates)
{
	struct logfile lf;
	char *p = pathf("%s", "s.log");
	ck_assert_int_eq(logfile_open(&lf, p, 1000, 2), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	char buf[600];
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(write(pfd[1], buf, 600), 600);
	ck_assert_int_eq(logfile_splice(&lf, pfd[0], 65536), 600);
	ck_assert_int_eq(logfile_splice(&lf, pfd[0], 65536), -EAGAIN);
	memset(buf, 'y', sizeof(buf));
	ck_assert_int_eq(write(pfd[1], buf, 600), 600);
	ck_assert_int_eq(logfile_splice(&lf, pfd[0], 65536), 600);
	ck_assert_uint_eq(lf.size, 0);
	ck_assert_int_eq(write(pfd[1], "z", 1), 1);
	close(pfd[1]);
	ck_assert_int_eq(logfile_splice(&lf, pfd[0], 65536), 1);
	ck_assert_int_eq(logfile_splice(&lf, pfd[0], 65536), 0);
	close(pfd[0]);
	logfile_close(&lf);
	size_t n;
	char *b = slurp(pathf("%s", "s.log.1"), &n);
	ck_assert_uint_eq(n, 1200);
	ck_assert_int_eq(b[599], 'x');
	ck_assert_int_eq(b[600], 'y');
	free(b);
	b = slurp(p, NULL);
	ck_assert_str_eq(b, "z");
	free(b);
}
END_TEST

/* The oldest backup is removed before the shift, so each rotation keeps
 * exactly N backups, the newest in name.1. */
START_TEST(test_rotation_keeps_n_backups)
{
	struct logfile lf;
	char *p = pathf("%s", "k.log");
	ck_assert_int_eq(logfile_open(&lf, p, 10, 3), 0);
	for (int i = 0; i < 6; i++) {
		char line[11];
		memset(line, 'a' + i, 9);
		line[9] = '\n';
		ck_assert_int_eq(logfile_write(&lf, line, 10), 0);
	}
	logfile_close(&lf);
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "k.log.%d", i);
		size_t n;
		char *b = slurp(pathf("%s", name), &n);
		ck_assert_uint_eq(n, 10);
		ck_assert_int_eq(b[0], 'f' - (i - 1));
		free(b);
	}
	ck_assert(!exists(pathf("%s", "k.log.4")));
	size_t n;
	free(slurp(p, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_rotation_failure_keeps_data)
{
	struct logfile lf;
	char p[512];
	snprintf(p, sizeof(p), "%s", pathf("%s", "rf.log"));
	/* a non-empty directory where the backup goes: rename fails */
	ck_assert_int_eq(mkdir(pathf("%s", "rf.log.1"), 0700), 0);
	FILE *f = fopen(pathf("%s", "rf.log.1/x"), "w");
	fclose(f);
	ck_assert_int_eq(logfile_open(&lf, p, 10, 1), 0);
	ck_assert_int_eq(logfile_write(&lf, "0123456789ab\n", 13), 0);
	ck_assert_int_ne(lf.rotate_error, 0);
	ck_assert_int_eq(lf.last_error, 0);
	ck_assert_int_eq(logfile_write(&lf, "more\n", 5), 0);
	char *b = slurp(p, NULL);
	ck_assert_str_eq(b, "0123456789ab\nmore\n");
	free(b);
	/* fixed: the next attempt (not before a second) rotates */
	ck_assert_int_eq(unlink(pathf("%s", "rf.log.1/x")), 0);
	ck_assert_int_eq(rmdir(pathf("%s", "rf.log.1")), 0);
	lf.rotate_failed_ms -= 5000;
	ck_assert_int_eq(logfile_write(&lf, "last\n", 5), 0);
	ck_assert_int_eq(lf.rotate_error, 0);
	logfile_close(&lf);
	b = slurp(pathf("%s", "rf.log.1"), NULL);
	ck_assert_str_eq(b, "0123456789ab\nmore\nlast\n");
	free(b);
	b = slurp(p, NULL);
	ck_assert_str_eq(b, "");
	free(b);
}
END_TEST

START_TEST(test_clear)
{
	struct logfile lf;
	char *p = pathf("%s", "c.log");
	ck_assert_int_eq(logfile_open(&lf, p, 4, 2), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(logfile_write(&lf, "abcd", 4), 0);
	ck_assert_int_eq(logfile_write(&lf, "ab", 2), 0);
	ck_assert(exists(pathf("%s", "c.log.2")));
	ck_assert_int_eq(logfile_clear(&lf), 0);
	ck_assert(!exists(pathf("%s", "c.log.1")));
	ck_assert(!exists(pathf("%s", "c.log.2")));
	ck_assert_int_eq(logfile_write(&lf, "Q", 1), 0);
	logfile_close(&lf);
	char *b = slurp(p, NULL);
	ck_assert_str_eq(b, "Q");
	free(b);
}
END_TEST

/* Runs in a child: a file size limit makes writes fail with EFBIG (SIGXFSZ
 * ignored), standing in for a full disk.  Exit code: which check failed. */
static int fsize_child(const char *p)
{
	signal(SIGXFSZ, SIG_IGN);
	struct logfile lf;
	if (logfile_open(&lf, p, 0, 0) < 0)
		return 1;
	struct rlimit rl;
	getrlimit(RLIMIT_FSIZE, &rl);
	struct rlimit small = {1000, rl.rlim_max};
	if (setrlimit(RLIMIT_FSIZE, &small) < 0)
		return 2;
	char buf[600];
	memset(buf, 'w', sizeof(buf));
	if (logfile_write(&lf, buf, 600) != 0)
		return 3;
	if (logfile_write(&lf, buf, 600) != -EFBIG) /* 400 fit, 200 dropped */
		return 4;
	if (lf.last_error != EFBIG || lf.dropped != 200)
		return 5;
	if (logfile_write(&lf, buf, 600) != -EFBIG || lf.dropped != 800)
		return 6;
	/* "disk space" comes back */
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 7;
	if (logfile_write(&lf, "ok\n", 3) != 0)
		return 8;
	if (lf.last_error != 0 || lf.dropped != 800)
		return 9;
	logfile_close(&lf);
	struct stat st;
	if (stat(p, &st) < 0 || st.st_size != 1003)
		return 10;
	return 0;
}

START_TEST(test_write_error_counted)
{
	char *p = pathf("%s", "full.log");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fsize_child(p));
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(test_open_failure_retried)
{
	struct logfile lf;
	char *blocker = pathf("%s", "blk");
	FILE *f = fopen(blocker, "w");
	fclose(f);
	/* a directory component that is a file: ENOTDIR */
	char *p = pathf("%s", "blk/x.log");
	ck_assert_int_lt(logfile_open(&lf, p, 0, 0), 0);
	ck_assert_int_eq(lf.fd, -1);
	ck_assert_int_lt(logfile_write(&lf, "a", 1), 0);
	ck_assert_uint_eq(lf.dropped, 1);
	ck_assert_int_eq(unlink(blocker), 0);
	ck_assert_int_eq(logfile_write(&lf, "b", 1), 0);
	logfile_close(&lf);
	char *b = slurp(p, NULL);
	ck_assert_str_eq(b, "b");
	free(b);
}
END_TEST

START_TEST(test_read_range)
{
	char *p = pathf("%s", "rd.log");
	FILE *f = fopen(p, "w");
	fputs("0123456789", f);
	fclose(f);
	char *b;
	size_t n;
	ck_assert_int_eq(logfile_read_range(p, 0, 0, &b, &n), 0);
	ck_assert_str_eq(b, "0123456789");
	free(b);
	ck_assert_int_eq(logfile_read_range(p, 3, 4, &b, &n), 0);
	ck_assert_str_eq(b, "3456");
	free(b);
	ck_assert_int_eq(logfile_read_range(p, -3, 0, &b, &n), 0);
	ck_assert_str_eq(b, "789");
	free(b);
	ck_assert_int_eq(logfile_read_range(p, -30, 0, &b, &n), 0);
	ck_assert_str_eq(b, "0123456789");
	free(b);
	ck_assert_int_eq(logfile_read_range(p, 8, 100, &b, &n), 0);
	ck_assert_str_eq(b, "89");
	free(b);
	ck_assert_int_eq(logfile_read_range(p, 50, 0, &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(b);
	ck_assert_int_eq(logfile_read_range(p, -3, 2, &b, &n), -EINVAL);
	ck_assert_int_eq(logfile_read_range(p, 0, -1, &b, &n), -EINVAL);
	ck_assert_int_eq(logfile_read_range(pathf("%s", "none"), 0, 0, &b, &n), -ENOENT);
}
END_TEST

START_TEST(test_tail)
{
	char *p = pathf("%s", "tl.log");
	FILE *f = fopen(p, "w");
	fputs("0123456789", f);
	fclose(f);
	char *b;
	size_t n;
	int64_t off;
	bool ov;
	/* size 10 > 0 + 4: overflow, last 4 bytes */
	ck_assert_int_eq(logfile_tail(p, 0, 4, &b, &n, &off, &ov), 0);
	ck_assert_str_eq(b, "6789");
	ck_assert(ov);
	ck_assert_int_eq(off, 10);
	free(b);
	/* everything fits */
	ck_assert_int_eq(logfile_tail(p, 0, 100, &b, &n, &off, &ov), 0);
	ck_assert_str_eq(b, "0123456789");
	ck_assert(!ov);
	free(b);
	/* from offset 7 with room: the last min(length, size) bytes */
	ck_assert_int_eq(logfile_tail(p, 7, 5, &b, &n, &off, &ov), 0);
	ck_assert_str_eq(b, "56789");
	ck_assert(!ov);
	free(b);
	/* at the end: nothing new */
	ck_assert_int_eq(logfile_tail(p, 10, 5, &b, &n, &off, &ov), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert(!ov);
	ck_assert_int_eq(off, 10);
	free(b);
	ck_assert_int_eq(logfile_tail(pathf("%s", "none"), 5, 5, &b, &n, &off, &ov), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(off, 0);
	ck_assert(!ov);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("logfile");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rotation_names_and_contents);
	tcase_add_test(tc, test_backups_zero_truncates);
	tcase_add_test(tc, test_maxbytes_zero_never_rotates);
	tcase_add_test(tc, test_appends_to_existing);
	tcase_add_test(tc, test_deleted_dir_recreated);
	tcase_add_test(tc, test_reopen_after_rename);
	tcase_add_test(tc, test_moved_noticed_without_reopen);
	tcase_add_test(tc, test_external_truncate_and_shared_path);
	tcase_add_test(tc, test_fifo_not_rotated);
	tcase_add_test(tc, test_splice_rotates);
	tcase_add_test(tc, test_rotation_keeps_n_backups);
	tcase_add_test(tc, test_rotation_failure_keeps_data);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_write_error_counted);
	tcase_add_test(tc, test_open_failure_retried);
	tcase_add_test(tc, test_read_range);
	tcase_add_test(tc, test_tail);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

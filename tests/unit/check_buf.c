/* buf: appends keep every byte, in order, NUL-terminated. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* buf_put/buf_putf: a text built in steps, formats longer than the
 * stack buffer whole, and an out-of-memory that sticks. */
START_TEST(test_put)
{
	struct buf b = {0};
	buf_put(&b, "ab", 2);
	buf_putf(&b, "%d-%s", 42, "x");
	ck_assert_str_eq(b.p, "ab42-x");
	char big[1000];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_putf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, 6 + 2 + sizeof(big) - 1);
	ck_assert_int_eq(b.p[b.len - 1], ']');
	ck_assert(!b.oom);
	/* Once out of memory, nothing more is appended. */
	b.oom = true;
	size_t len = b.len;
	buf_put(&b, "z", 1);
	buf_putf(&b, "%d", 7);
	ck_assert_uint_eq(b.len, len);
	free(b.p);
	/* An append that cannot fit sets oom and leaves the text. */
	struct buf c = {0};
	buf_put(&c, "q", 1);
	buf_put(&c, "r", SIZE_MAX / 2);
	ck_assert(c.oom);
	ck_assert_str_eq(c.p, "q");
	free(c.p);
}
END_TEST

START_TEST(test_b64)
{
	char out[32];
	/* "user:pass", as in an Authorization: Basic header */
	ck_assert_int_eq(buf_b64_decode("dXNlcjpwYXNz", 12, out, sizeof(out)), 9);
	ck_assert_str_eq(out, "user:pass");
	/* padding, and whitespace as XML-RPC's <base64> may wrap it */
	ck_assert_int_eq(buf_b64_decode(" aGk=\n", 6, out, sizeof(out)), 2);
	ck_assert_str_eq(out, "hi");
	ck_assert_int_eq(buf_b64_decode("", 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(buf_b64_decode("aGk=aGk=", 8, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(buf_b64_decode("a*==", 4, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(buf_b64_decode("aGk===", 6, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(buf_b64_decode("a", 1, out, sizeof(out)), -EINVAL);
	/* room for the bytes and the NUL, or -ENOSPC */
	ck_assert_int_eq(buf_b64_decode("dXNlcjpwYXNz", 12, out, 9), -ENOSPC);
	ck_assert_int_eq(buf_b64_decode("dXNlcjpwYXNz", 12, out, 10), 9);
	/* in place */
	char t[] = "c3VwZA==";
	ck_assert_int_eq(buf_b64_decode(t, strlen(t), t, sizeof(t)), 4);
	ck_assert_str_eq(t, "supd");
}
END_TEST

START_TEST(test_read_file)
{
	char dir[] = "/tmp/check_buf.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/f", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 50000; i++)
		fprintf(f, "line %d\n", i);
	fputc('\0', f); /* a NUL inside the file is kept; len says where it ends */
	fclose(f);
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(buf_read_file(path, &text, &len), 0);
	ck_assert_uint_gt(len, 8192 * 2);
	ck_assert_int_eq(text[len - 1], '\0');
	ck_assert_int_eq(text[len], '\0');
	ck_assert_int_eq(strncmp(text, "line 0\nline 1\n", 14), 0);
	free(text);
	ck_assert_int_eq(buf_read_file(dir, &text, &len), -EISDIR);
	unlink(path);
	ck_assert_int_eq(buf_read_file(path, &text, &len), -ENOENT);
	rmdir(dir);
}
END_TEST

/* What a config load reads besides its main file: never waits, never reads
 * past the size the file had when opened. */
START_TEST(test_read_regular)
{
	char dir[] = "/tmp/check_buf.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64], fifo[64];
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a=1\nb=2\n", f);
	fclose(f);
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(buf_read_regular(path, 0, true, &text, &len), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(text, "a=1\nb=2\n");
	free(text);
	ck_assert_int_eq(buf_read_regular(path, 7, false, &text, &len), -EFBIG);
	ck_assert_int_eq(buf_read_regular(path, 8, false, &text, &len), 0);
	free(text);
	/* a FIFO with no writer: an error at once, not a wait */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(buf_read_regular(fifo, 0, true, &text, &len), -ENODEV);
	ck_assert_int_eq(buf_read_regular("/dev/zero", 0, false, &text, &len), -ENODEV);
	ck_assert_int_eq(buf_read_regular("/dev/null", 0, true, &text, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(text);
	ck_assert_int_eq(buf_read_regular(dir, 0, true, &text, &len), -EISDIR);
	/* a binary */
	f = fopen(path, "w");
	fwrite("x\0y", 1, 3, f);
	fclose(f);
	ck_assert_int_eq(buf_read_regular(path, 0, true, &text, &len), -EILSEQ);
	ck_assert_int_eq(buf_read_regular(path, 0, false, &text, &len), 0);
	ck_assert_uint_eq(len, 3);
	free(text);
	/* a file that grows while it is read (a log): the read ends */
	int fd = open(path, O_WRONLY | O_TRUNC | O_APPEND | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	static char chunk[65536];
	memset(chunk, ';', sizeof(chunk));
	ck_assert_int_eq(write(fd, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	pid_t w = fork();
	ck_assert_int_ge(w, 0);
	if (w == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* (an assertion ends the test) */
		for (;;)
			if (write(fd, chunk, sizeof(chunk)) < 0 ||
			    lseek(fd, 0, SEEK_END) > (64 << 20))
				ftruncate(fd, sizeof(chunk));
	}
	close(fd);
	ck_assert_int_eq(buf_read_regular(path, 0, false, &text, &len), 0);
	ck_assert_uint_ge(len, sizeof(chunk));
	free(text);
	kill(w, SIGKILL);
	ck_assert_int_eq(waitpid(w, NULL, 0), w);
	unlink(path);
	unlink(fifo);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_big_and_overflow);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_read_regular);
	tcase_add_test(tc, test_b64);
	tcase_add_test(tc, test_put);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

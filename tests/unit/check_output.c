/* output: real pipes, real writer processes, the real loop. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "output.h"

static char dir[256];
static struct loop *L;
static struct output_ctx *X;

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/check_output.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(loop_new(&L), 0);
	ck_assert_int_eq(output_ctx_new(&X, L), 0);
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	output_ctx_free(X);
	loop_free(L);
	log_close();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *pathf(const char *name)
{
	static char buf[16][512];
	static int k;
	k = (k + 1) % 16;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	fstat(fd, &st);
	char *b = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, b + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

/* Backups oldest first, then the current file. */
static char *slurp_rotated(const char *path, int backups, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *all = malloc(cap);
	for (int i = backups; i >= 0; i--) {
		char p[600];
		if (i)
			snprintf(p, sizeof(p), "%s.%d", path, i);
		else
			snprintf(p, sizeof(p), "%s", path);
		size_t k;
		char *b = slurp(p, &k);
		if (!b)
			continue;
		while (n + k + 1 > cap)
			all = realloc(all, cap *= 2);
		memcpy(all + n, b, k);
		n += k;
		free(b);
	}
	all[n] = '\0';
	*len = n;
	return all;
}

static void conf_defaults(struct conf_process *p, struct conf_supd *s, const char *name)
{
	/* settings that outlive the test's frame, a few tests' worth */
	static struct conf_settings ring[64];
	static unsigned next;
	memset(p, 0, sizeof(*p));
	memset(s, 0, sizeof(*s));
	p->s = &ring[next++ % 64];
	memset(p->s, 0, sizeof(*p->s));
	p->name = (char *)name;
	p->s->out.kind = CONF_LOG_FILE;
	p->s->err.kind = CONF_LOG_NONE;
	p->s->tail_buffer = 65536;
	s->childlogdir = dir;
	s->identifier = "supd";
}

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		n -= (size_t)w;
	}
}

typedef void (*writer_fn)(void *arg);

/* Forks a writer whose stdout (and stderr when err_fd is NULL and
 * redirect) go to new pipes; returns its pid and the read ends. */
static pid_t start_writer(writer_fn fn, void *arg, int *out_fd, int *err_fd)
{
	int po[2], pe[2] = {-1, -1};
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	if (err_fd)
		ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(err_fd ? pe[1] : po[1], 2);
		fn(arg);
		_exit(0);
	}
	close(po[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	*out_fd = po[0];
	if (err_fd) {
		close(pe[1]);
		fcntl(pe[0], F_SETFL, O_NONBLOCK);
		*err_fd = pe[0];
	}
	return pid;
}

static void wait_writer(pid_t pid)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}

/* Runs the loop until the outputs have read want bytes (30 s bound). */
static void pump_until(struct output **o, int n, const uint64_t *want)
{
	int64_t deadline = loop_now_ms() + 30000;
	for (;;) {
		bool done = true;
		for (int i = 0; i < n; i++)
			if (output_bytes(o[i], OUTPUT_STDOUT) + output_bytes(o[i], OUTPUT_STDERR) <
			    want[i])
				done = false;
		if (done)
			return;
		ck_assert_int_lt(loop_now_ms(), deadline);
		ck_assert_int_ge(loop_run_once(L, 100), 0);
	}
}

/* Runs the loop for ms milliseconds. */
static void pump_for(int ms)
{
	int64_t end = loop_now_ms() + ms;
	/* at least one round, even if we were descheduled past the end */
	do {
		int64_t left = end - loop_now_ms();
		loop_run_once(L, left > 0 ? (int)left : 0);
	} while (loop_now_ms() < end);
}

/* ------------------------------------------------------------ writers */

struct lines {
	const char *fmt;
	int n;
	const char *fmt2; /* to stderr, interleaved, when set */
};

static void lines_writer(void *arg)
{
	struct lines *w = arg;
	char buf[8192] = {0}, buf2[8192] = {0};
	size_t k = 0, k2 = 0;
	for (int i = 0; i < w->n; i++) {
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, w->fmt, i);
		if (w->fmt2)
			k2 += (size_t)snprintf(buf2 + k2, sizeof(buf2) - k2, w->fmt2, i);
		/* flush at varying sizes, like stdio and unlike it */
		if (k > sizeof(buf) - 100 || (i % 97) == 0) {
			write_all(1, buf, k);
			k = 0;
		}
		if (k2 > sizeof(buf2) - 100 || (i % 89) == 0) {
			write_all(2, buf2, k2);
			k2 = 0;
		}
	}
	write_all(1, buf, k);
	if (k2)
		write_all(2, buf2, k2);
}

static char *expected_lines(const char *fmt, int n, size_t *len)
{
	size_t cap = 64 * (size_t)n + 1, k = 0;
	char *b = malloc(cap);
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(b + k, cap - k, fmt, i);
	*len = k;
	return b;
}

static void integrity(bool slow)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "numbers");
	p.out_path = pathf("numbers.log");
	p.s->out.maxbytes = 100000;
	p.s->out.backups = 100;
	s.strip_ansi = slow; /* forces read+write instead of splice */
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	struct lines w = {"%08d\n", 300000, NULL};
	int fd;
	pid_t pid = start_writer(lines_writer, &w, &fd, NULL);
	ck_assert_int_eq(output_attach(o, fd, -1), 0);
	size_t elen;
	char *exp = expected_lines(w.fmt, w.n, &elen);
	uint64_t want = elen;
	pump_until(&o, 1, &want);
	wait_writer(pid);
	output_free(o);
	size_t n;
	char *got = slurp_rotated(pathf("numbers.log"), 100, &n);
	ck_assert_uint_eq(n, elen);
	ck_assert(memcmp(got, exp, n) == 0);
	/* 2.7 MB rotated at 100 KB: at least 6 backups (when every file
	 * overshoots by a whole chunk), each within maxbytes + one chunk */
	int backups = 0;
	for (int i = 1; i <= 100; i++) {
		char name[64];
		snprintf(name, sizeof(name), "numbers.log.%d", i);
		struct stat st;
		if (stat(pathf(name), &st) < 0)
			break;
		backups++;
		/* one chunk: 256 KiB spliced, 128 KiB read */
		ck_assert_int_ge(st.st_size, 100000);
		ck_assert_int_le(st.st_size, 100000 + (slow ? 128 : 256) * 1024);
	}
	ck_assert_int_ge(backups, 6);
	free(got);
	free(exp);
}

START_TEST(test_integrity_splice)
{
	integrity(false);
}
END_TEST

START_TEST(test_integrity_read_path)
{
	integrity(true);
}
END_TEST

START_TEST(test_redirect_stderr)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "both");
	p.s->redirect_stderr = true;
	p.out_path = pathf("both.log");
	p.s->out.maxbytes = 50000;
	p.s->out.backups = 100;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	ck_assert_ptr_null(output_path(o, OUTPUT_STDERR));
	char *b;
	size_t bn;
	ck_assert_int_eq(output_read(o, OUTPUT_STDERR, 0, 0, &b, &bn), -ENOENT);
	struct lines w = {"o%07d\n", 100000, "e%07d\n"};
	int fd;
	pid_t pid = start_writer(lines_writer, &w, &fd, NULL);
	ck_assert_int_eq(output_attach(o, fd, -1), 0);
	uint64_t want = 2 * 100000 * 9;
	pump_until(&o, 1, &want);
	wait_writer(pid);
	output_free(o);
	size_t n;
	char *got = slurp_rotated(pathf("both.log"), 100, &n);
	ck_assert_uint_eq(n, want);
	int next_o = 0, next_e = 0;
	for (size_t i = 0; i < n; i += 9) {
		ck_assert_int_eq(got[i + 8], '\n');
		int v = atoi(got + i + 1);
		if (got[i] == 'o')
			ck_assert_int_eq(v, next_o++);
		else if (got[i] == 'e')
			ck_assert_int_eq(v, next_e++);
		else
			ck_abort_msg("bad line at %zu", i);
	}
	ck_assert_int_eq(next_o, 100000);
	ck_assert_int_eq(next_e, 100000);
	free(got);
}
END_TEST

START_TEST(test_separate_stderr)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "two");
	p.out_path = pathf("two.out");
	p.s->err.kind = CONF_LOG_FILE;
	p.err_path = pathf("two.err");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	struct lines w = {"o%07d\n", 20000, "e%07d\n"};
	int fo, fe;
	pid_t pid = start_writer(lines_writer, &w, &fo, &fe);
	ck_assert_int_eq(output_attach(o, fo, fe), 0);
	uint64_t want = 2 * 20000 * 9;
	pump_until(&o, 1, &want);
	wait_writer(pid);
	output_free(o);
	size_t n, elen;
	char *got = slurp(pathf("two.out"), &n);
	char *exp = expected_lines("o%07d\n", 20000, &elen);
	ck_assert_uint_eq(n, elen);
	ck_assert(memcmp(got, exp, n) == 0);
	free(got);
	free(exp);
	got = slurp(pathf("two.err"), &n);
	exp = expected_lines("e%07d\n", 20000, &elen);
	ck_assert_uint_eq(n, elen);
	ck_assert(memcmp(got, exp, n) == 0);
	free(got);
	free(exp);
}
END_TEST

static void binary_writer(void *arg)
{
	static unsigned char b[300000];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 7 + i / 256);
	write_all(1, b, sizeof(b));
}

static int redirect_stdout(const char *path)
{
	fflush(stdout);
	int saved = dup(1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 1);
	close(fd);
	return saved;
}

static void restore_stdout(int saved)
{
	dup2(saved, 1);
	close(saved);
}

START_TEST(test_binary)
{
	for (int mode = 0; mode < 2; mode++) {
		struct conf_process p;
		struct conf_supd s;
		conf_defaults(&p, &s, "bin");
		p.out_path = pathf(mode ? "bin1.log" : "bin0.log");
		p.s->forward_output = mode == 1;
		int saved = redirect_stdout(pathf("fwd"));
		struct output *o;
		ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
		int fd;
		pid_t pid = start_writer(binary_writer, NULL, &fd, NULL);
		ck_assert_int_eq(output_attach(o, fd, -1), 0);
		uint64_t want = 300000;
		pump_until(&o, 1, &want);
		wait_writer(pid);
		output_free(o);
		restore_stdout(saved);
		size_t n;
		char *got = slurp(p.out_path, &n);
		ck_assert_uint_eq(n, 300000);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq((unsigned char)got[i], (unsigned char)(i * 7 + i / 256));
		free(got);
	}
}
END_TEST

static void endless_writer(void *arg)
{
	static char b[1 << 20];
	memset(b, 'x', sizeof(b));
	write_all(1, b, sizeof(b));
}

START_TEST(test_no_newline_forwarded_in_pieces)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "endless");
	p.out_path = pathf("endless.log");
	p.s->forward_output = true;
	int saved = redirect_stdout(pathf("fwd"));
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int fd;
	pid_t pid = start_writer(endless_writer, NULL, &fd, NULL);
	ck_assert_int_eq(output_attach(o, fd, -1), 0);
	uint64_t want = 1 << 20;
	pump_until(&o, 1, &want);
	wait_writer(pid);
	output_free(o);
	restore_stdout(saved);
	size_t n;
	char *got = slurp(pathf("endless.log"), &n);
	ck_assert_uint_eq(n, 1 << 20);
	free(got);
	got = slurp(pathf("fwd"), &n);
	/* pieces of 16 KiB: first "endless | ", then "endless + " */
	size_t payload = 0, pieces = 0;
	char *q = got;
	while (q < got + n) {
		char *nl = memchr(q, '\n', (size_t)(got + n - q));
		ck_assert_ptr_nonnull(nl);
		const char *pre = pieces == 0 ? "endless | " : "endless + ";
		ck_assert(strncmp(q, pre, 10) == 0);
		size_t k = (size_t)(nl - q) - 10;
		ck_assert_uint_le(k, 16384);
		for (size_t i = 0; i < k; i++)
			ck_assert_int_eq(q[10 + i], 'x');
		payload += k;
		pieces++;
		q = nl + 1;
	}
	ck_assert_uint_eq(payload, 1 << 20);
	ck_assert_uint_eq(pieces, 64);
	free(got);
}
END_TEST

START_TEST(test_partial_line_timeout)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "slow");
	p.s->out.kind = CONF_LOG_NONE;
	p.s->forward_output = true;
	int saved = redirect_stdout(pathf("fwd"));
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	ck_assert_int_eq(write(pfd[1], "abc", 3), 3);
	pump_for(50);
	size_t n;
	char *got = slurp(pathf("fwd"), &n);
	ck_assert_uint_eq(n, 0); /* held */
	free(got);
	pump_for(400);
	got = slurp(pathf("fwd"), &n);
	ck_assert_str_eq(got, "slow | abc\n");
	free(got);
	ck_assert_int_eq(write(pfd[1], "def\nghi\njk", 10), 10);
	pump_for(20);
	got = slurp(pathf("fwd"), &n);
	ck_assert_str_eq(got, "slow | abc\nslow + def\nslow | ghi\n");
	free(got);
	close(pfd[1]);
	pump_for(20);
	got = slurp(pathf("fwd"), &n);
	/* EOF writes the held piece */
	ck_assert_str_eq(got, "slow | abc\nslow + def\nslow | ghi\nslow | jk\n");
	free(got);
	output_free(o);
	restore_stdout(saved);
}
END_TEST

static void named_writer(void *arg)
{
	const char *name = arg;
	char buf[4096];
	size_t k = 0;
	for (int i = 0; i < 20000; i++) {
		int pad = (i * 37) % 200;
		k += (size_t)snprintf(
		    buf + k, sizeof(buf) - k, "%s-%d %.*s\n", name, i, pad,
		    "................................................................"
		    "................................................................"
		    "................................................................"
		    "........");
		if (k > sizeof(buf) - 300 || i % 13 == 0) {
			write_all(1, buf, k);
			k = 0;
		}
	}
	write_all(1, buf, k);
}

START_TEST(test_forward_several_writers)
{
	static const char *names[3] = {"a", "bb", "ccc"};
	int saved = redirect_stdout(pathf("fwd"));
	struct output *o[3];
	pid_t pid[3];
	uint64_t want[3];
	for (int i = 0; i < 3; i++) {
		struct conf_process p;
		struct conf_supd s;
		conf_defaults(&p, &s, names[i]);
		p.s->out.kind = CONF_LOG_NONE;
		p.s->forward_output = true;
		ck_assert_int_eq(output_new(&o[i], X, &p, &s), 0);
		int fd;
		pid[i] = start_writer(named_writer, (void *)names[i], &fd, NULL);
		ck_assert_int_eq(output_attach(o[i], fd, -1), 0);
		want[i] = 0;
		for (int j = 0; j < 20000; j++)
			want[i] += (uint64_t)snprintf(NULL, 0, "%s-%d ", names[i], j) +
				   (uint64_t)((j * 37) % 200) + 1;
	}
	pump_until(o, 3, want);
	for (int i = 0; i < 3; i++) {
		wait_writer(pid[i]);
		output_free(o[i]);
	}
	restore_stdout(saved);
	size_t n;
	char *got = slurp(pathf("fwd"), &n);
	int next[3] = {0, 0, 0};
	char *line = got;
	while (line < got + n) {
		char *nl = memchr(line, '\n', (size_t)(got + n - line));
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		int who = -1;
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(names[i]);
			if (strncmp(line, names[i], l) == 0 && strncmp(line + l, " | ", 3) == 0)
				who = i;
		}
		ck_assert_msg(who >= 0, "bad prefix: %.40s", line);
		size_t l = strlen(names[who]);
		char expect[300];
		int pad = (next[who] * 37) % 200;
		snprintf(expect, sizeof(expect), "%s-%d %.*s", names[who], next[who], pad,
			 "................................................................"
			 "................................................................"
			 "................................................................"
			 "........");
		ck_assert_str_eq(line + l + 3, expect);
		next[who]++;
		line = nl + 1;
	}
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(next[i], 20000);
	free(got);
}
END_TEST

START_TEST(test_forward_stderr_and_stamps)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "st");
	p.s->out.kind = CONF_LOG_NONE;
	p.s->err.kind = CONF_LOG_NONE;
	p.s->forward_output = true;
	s.forward_timestamps = true;
	int saved_err = dup(2);
	int fd = open(pathf("fwd_err"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pe[2];
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, -1, pe[0]), 0);
	ck_assert_int_eq(write(pe[1], "oops\n", 5), 5);
	close(pe[1]);
	pump_for(30);
	output_free(o);
	dup2(saved_err, 2);
	close(saved_err);
	char *got = slurp(pathf("fwd_err"), NULL);
	regex_t re;
	ck_assert_int_eq(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} st "
		    "\\| oops\n$",
		    REG_EXTENDED | REG_NOSUB),
	    0);
	ck_assert_msg(regexec(&re, got, 0, NULL, 0) == 0, "got '%s'", got);
	regfree(&re);
	free(got);
}
END_TEST

START_TEST(test_timestamps_in_file)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "ts");
	p.out_path = pathf("ts.log");
	p.s->out.timestamps = true;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	ck_assert_int_eq(write(pfd[1], "one\ntw", 6), 6);
	pump_for(20);
	ck_assert_int_eq(write(pfd[1], "o\n\nthree", 8), 8);
	close(pfd[1]);
	pump_for(20);
	output_free(o);
	char *got = slurp(pathf("ts.log"), NULL);
	regex_t re;
#define TS "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} "
	ck_assert_int_eq(
	    regcomp(&re, "^" TS "one\n" TS "two\n" TS "\n" TS "three$", REG_EXTENDED | REG_NOSUB),
	    0);
	ck_assert_msg(regexec(&re, got, 0, NULL, 0) == 0, "got '%s'", got);
	regfree(&re);
	free(got);
}
END_TEST

START_TEST(test_strip_ansi_split)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "ansi");
	p.out_path = pathf("ansi.log");
	s.strip_ansi = true;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	const char *parts[] = {"a\x1b", "[3", "1mred\x1b[0m \x1b", "x\x1b[1;", "2Hend\n\x1b"};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		ck_assert_int_eq(write(pfd[1], parts[i], strlen(parts[i])),
				 (ssize_t)strlen(parts[i]));
		pump_for(10);
	}
	close(pfd[1]);
	pump_for(10);
	output_free(o);
	char *got = slurp(pathf("ansi.log"), NULL);
	ck_assert_str_eq(got, "ared \x1bxend\n\x1b");
	free(got);
}
END_TEST

START_TEST(test_tail_buffer_none)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "mem");
	p.s->out.kind = CONF_LOG_NONE;
	p.s->tail_buffer = 100;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	ck_assert_ptr_null(output_path(o, OUTPUT_STDOUT));
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	char buf[1000];
	for (int i = 0; i < 1000; i++)
		buf[i] = (char)('0' + i % 10);
	ck_assert_int_eq(write(pfd[1], buf, 1000), 1000);
	pump_for(20);
	char *b;
	size_t n;
	int64_t off;
	bool ov;
	ck_assert_int_eq(output_tail(o, OUTPUT_STDOUT, 0, 50, &b, &n, &off, &ov), 0);
	ck_assert_uint_eq(n, 50);
	ck_assert(ov);
	ck_assert_int_eq(off, 1000);
	ck_assert(memcmp(b, buf + 950, 50) == 0);
	free(b);
	/* more than the buffer holds: only what is held */
	ck_assert_int_eq(output_tail(o, OUTPUT_STDOUT, 0, 500, &b, &n, &off, &ov), 0);
	ck_assert_uint_eq(n, 100);
	ck_assert(memcmp(b, buf + 900, 100) == 0);
	free(b);
	ck_assert_int_eq(output_tail(o, OUTPUT_STDOUT, 1000, 500, &b, &n, &off, &ov), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert(!ov);
	free(b);
	ck_assert_int_eq(output_read(o, OUTPUT_STDOUT, -10, 0, &b, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert(memcmp(b, buf + 990, 10) == 0);
	free(b);
	ck_assert_int_eq(output_read(o, OUTPUT_STDOUT, 950, 20, &b, &n), 0);
	ck_assert_uint_eq(n, 20);
	ck_assert(memcmp(b, buf + 950, 20) == 0);
	free(b);
	/* wrapped ring across a second write */
	ck_assert_int_eq(write(pfd[1], "ABCDEFGHIJ", 10), 10);
	pump_for(20);
	ck_assert_int_eq(output_read(o, OUTPUT_STDOUT, -15, 0, &b, &n), 0);
	ck_assert_str_eq(b, "56789ABCDEFGHIJ");
	free(b);
	/* stderr (NONE) has its own, empty, buffer */
	ck_assert_int_eq(output_read(o, OUTPUT_STDERR, 0, 0, &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(b);
	close(pfd[1]);
	output_free(o);
}
END_TEST

START_TEST(test_tail_from_file)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "ft");
	p.out_path = pathf("ft.log");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	ck_assert_int_eq(write(pfd[1], "hello world\n", 12), 12);
	pump_for(20);
	char *b;
	size_t n;
	int64_t off;
	bool ov;
	ck_assert_int_eq(output_tail(o, OUTPUT_STDOUT, 0, 6, &b, &n, &off, &ov), 0);
	ck_assert_str_eq(b, "world\n");
	ck_assert(ov);
	ck_assert_int_eq(off, 12);
	free(b);
	ck_assert_int_eq(output_clear(o), 0);
	ck_assert_int_eq(output_read(o, OUTPUT_STDOUT, 0, 0, &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(b);
	close(pfd[1]);
	output_free(o);
}
END_TEST

START_TEST(test_auto_names_and_cleanup)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "web");
	p.s->out.kind = CONF_LOG_AUTO;
	p.s->err.kind = CONF_LOG_AUTO;
	s.childlogdir = pathf("child");
	s.identifier = "ident";
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	const char *po = output_path(o, OUTPUT_STDOUT);
	const char *pe = output_path(o, OUTPUT_STDERR);
	regex_t re;
	ck_assert_int_eq(
	    regcomp(&re, "/child/web-stdout---ident-[a-z0-9_]{8}\\.log$", REG_EXTENDED | REG_NOSUB),
	    0);
	ck_assert_msg(regexec(&re, po, 0, NULL, 0) == 0, "%s", po);
	regfree(&re);
	ck_assert(strstr(pe, "/child/web-stderr---ident-"));
	struct stat st;
	ck_assert_int_eq(stat(po, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	char backup[600];
	snprintf(backup, sizeof(backup), "%s.3", po);
	FILE *f = fopen(backup, "w");
	fclose(f);
	f = fopen(pathf("child/other.log"), "w");
	fclose(f);
	f = fopen(pathf("child/web-stdout---otherid-abcdefgh.log"), "w");
	fclose(f);
	output_free(o);
	ck_assert_int_eq(output_cleanup_auto(pathf("child"), "ident"), 3);
	ck_assert_int_ne(stat(backup, &st), 0);
	ck_assert_int_eq(stat(pathf("child/other.log"), &st), 0);
	ck_assert_int_eq(stat(pathf("child/web-stdout---otherid-abcdefgh.log"), &st), 0);
}
END_TEST

/* A file size limit (EFBIG) stands in for a full disk: the pipe keeps
 * draining, the loss is logged once, and the recovery with its count. */
START_TEST(test_write_errors_reported_once)
{
	ck_assert_int_eq(log_open(pathf("supd.log"), 0, 0), 0);
	signal(SIGXFSZ, SIG_IGN);
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "full");
	p.out_path = pathf("full.log");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	struct rlimit rl, small;
	getrlimit(RLIMIT_FSIZE, &rl);
	small = rl;
	small.rlim_cur = 1000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	char buf[700];
	memset(buf, 'f', sizeof(buf));
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(write(pfd[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
		pump_for(5);
	}
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT), 7000);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_int_eq(write(pfd[1], "back\n", 5), 5);
	pump_for(10);
	close(pfd[1]);
	output_free(o);
	struct stat st;
	ck_assert_int_eq(stat(pathf("full.log"), &st), 0);
	ck_assert_int_eq(st.st_size, 1005);
	char *lg = slurp(pathf("supd.log"), NULL);
	char *a = strstr(lg, "dropping output");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(strstr(a + 1, "dropping output"));
	ck_assert_ptr_nonnull(strstr(lg, "writing works again, 6000 bytes were dropped"));
	free(lg);
}
END_TEST

/* A wakeup that finds the pipe full grows it to 512 KiB; a quiet pipe keeps
 * its default size.  Both the splice path (a file) and the read path
 * (forwarding).  Root, or pipe-max-size >= 512 KiB (1 MiB by default), is
 * assumed. */
static void pipe_growth(bool forward)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "grow");
	if (forward) {
		p.s->forward_output = true;
		p.s->out.kind = CONF_LOG_NONE;
	} else {
		p.out_path = pathf("grow.log");
	}
	int saved = forward ? redirect_stdout(pathf("fwd.out")) : -1;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int busy[2], quiet[2];
	ck_assert_int_eq(pipe2(busy, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(quiet, O_CLOEXEC | O_NONBLOCK), 0);
	int size = fcntl(busy[1], F_GETPIPE_SZ);
	ck_assert_int_lt(size, 512 * 1024);
	char line[64];
	memset(line, 'g', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	size_t filled = 0;
	while (write(busy[1], line, sizeof(line)) == (ssize_t)sizeof(line))
		filled += sizeof(line);
	ck_assert_uint_eq(filled, (size_t)size);
	ck_assert_int_eq(write(quiet[1], "quiet\n", 6), 6);
	ck_assert_int_eq(output_attach(o, busy[0], quiet[0]), 0);
	pump_for(20);
	ck_assert_int_eq(fcntl(busy[1], F_GETPIPE_SZ), 512 * 1024);
	ck_assert_int_eq(fcntl(quiet[1], F_GETPIPE_SZ), size);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT), filled);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDERR), 6);
	/* the grown pipe carries more than its old size in one go */
	size_t more = 0;
	while (write(busy[1], line, sizeof(line)) == (ssize_t)sizeof(line))
		more += sizeof(line);
	ck_assert_uint_eq(more, 512 * 1024);
	close(busy[1]);
	close(quiet[1]);
	pump_for(20);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT), filled + more);
	output_free(o);
	if (forward) {
		restore_stdout(saved);
	} else {
		struct stat st;
		ck_assert_int_eq(stat(pathf("grow.log"), &st), 0);
		ck_assert_int_eq(st.st_size, (off_t)(filled + more));
	}
}

START_TEST(test_pipe_grows_splice)
{
	pipe_growth(false);
}
END_TEST

START_TEST(test_pipe_grows_read_path)
{
	pipe_growth(true);
}
END_TEST

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Whatever splicing needs (the relay pipe) exists once a log file is
 * open: the first bytes and EOF add no fd (ctl_load.sh counts supd's). */
START_TEST(test_no_fd_at_first_byte)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "fds");
	p.out_path = pathf("fds.log");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	int before = open_fds();
	ck_assert_int_eq(write(pfd[1], "first\n", 6), 6);
	pump_for(10);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT), 6);
	ck_assert_int_eq(open_fds(), before);
	close(pfd[1]);
	pump_for(10);
	ck_assert_int_eq(open_fds(), before - 2); /* both ends of the pipe */
	output_free(o);
	char *got = slurp(pathf("fds.log"), NULL);
	ck_assert_str_eq(got, "first\n");
	free(got);
}
END_TEST

START_TEST(test_old_pipe_kept_until_eof)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "re");
	p.out_path = pathf("re.log");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int a[2], b[2];
	ck_assert_int_eq(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, a[0], -1), 0);
	ck_assert_int_eq(write(a[1], "run1\n", 5), 5);
	pump_for(10);
	ck_assert_int_eq(output_attach(o, b[0], -1), 0);
	ck_assert_int_eq(write(b[1], "run2\n", 5), 5);
	pump_for(10);
	ck_assert_int_eq(write(a[1], "late\n", 5), 5);
	close(a[1]);
	close(b[1]);
	pump_for(10);
	output_free(o);
	char *got = slurp(pathf("re.log"), NULL);
	ck_assert_str_eq(got, "run1\nrun2\nlate\n");
	free(got);
}
END_TEST

START_TEST(test_rotation_failure_reported_once)
{
	ck_assert_int_eq(log_open(pathf("supd.log"), 0, 0), 0);
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "rot");
	p.out_path = pathf("rot.log");
	p.s->out.maxbytes = 10;
	p.s->out.backups = 1;
	/* a non-empty directory where the backup goes: rename fails */
	ck_assert_int_eq(mkdir(pathf("rot.log.1"), 0700), 0);
	FILE *f = fopen(pathf("rot.log.1/x"), "w");
	fclose(f);
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int pfd[2];
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, pfd[0], -1), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(write(pfd[1], "0123456789\n", 11), 11);
		pump_for(5);
	}
	ck_assert_int_eq(unlink(pathf("rot.log.1/x")), 0);
	ck_assert_int_eq(rmdir(pathf("rot.log.1")), 0);
	pump_for(1100); /* rotation is retried at most once a second */
	ck_assert_int_eq(write(pfd[1], "end\n", 4), 4);
	pump_for(10);
	close(pfd[1]);
	output_free(o);
	size_t n;
	char *b = slurp(pathf("rot.log.1"), &n);
	ck_assert_uint_eq(n, 59);
	free(b);
	char *lg = slurp(pathf("supd.log"), NULL);
	char *a = strstr(lg, "cannot rotate");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(strstr(a + 1, "cannot rotate"));
	ck_assert_ptr_nonnull(strstr(lg, "rotating works again"));
	ck_assert_ptr_null(strstr(lg, "dropping"));
	free(lg);
}
END_TEST

static char sl_got[4096];
static size_t sl_n;

static void fake_syslog(int prio, const char *name, const char *line, size_t len)
{
	sl_n += (size_t)snprintf(sl_got + sl_n, sizeof(sl_got) - sl_n, "%d<%s %.*s>", prio, name,
				 (int)len, line);
}

START_TEST(test_syslog_lines)
{
	output_ctx_set_syslog(X, fake_syslog);
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "sl");
	p.out_path = pathf("sl.log");
	p.s->out.syslog = true;
	p.s->err.syslog = true;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int po[2], pe[2];
	ck_assert_int_eq(pipe2(po, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, po[0], pe[0]), 0);
	ck_assert_int_eq(write(po[1], "one\ntw", 6), 6);
	pump_for(20);
	ck_assert_int_eq(write(po[1], "o\n", 2), 2);
	ck_assert_int_eq(write(pe[1], "bad\n", 4), 4);
	pump_for(20);
	ck_assert_int_eq(write(po[1], "tail", 4), 4);
	pump_for(400); /* a partial line is sent after the hold time */
	close(po[1]);
	close(pe[1]);
	pump_for(20);
	output_free(o);
	output_ctx_set_syslog(X, NULL);
	char want[200];
	snprintf(want, sizeof(want), "%d<sl one>%d<sl two>%d<sl bad>%d<sl tail>", LOG_INFO,
		 LOG_INFO, LOG_ERR, LOG_INFO);
	ck_assert_str_eq(sl_got, want);
	char *got = slurp(pathf("sl.log"), NULL);
	ck_assert_str_eq(got, "one\ntwo\ntail");
	free(got);
}
END_TEST

/* *_events_enabled: every chunk of that channel reaches the event
 * callback (and still the file); the other channel does not. */
static char ev_got[2][64];
static void record_event(struct output *o, enum output_channel ch, enum output_event ev,
			 const char *data, size_t len, void *arg)
{
	(void)o;
	(void)arg;
	ck_assert_int_eq(ev, OUTPUT_EV_LOG);
	size_t n = strlen(ev_got[ch]);
	snprintf(ev_got[ch] + n, sizeof(ev_got[ch]) - n, "%.*s", (int)len, data);
}

START_TEST(test_events_enabled)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "ev");
	p.out_path = pathf("ev.log"); /* a regular file: would be spliced */
	p.s->out.events_enabled = true;
	p.err_path = pathf("ev.err");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	output_set_events(o, record_event, NULL);
	int po[2], pe[2];
	ck_assert_int_eq(pipe2(po, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, po[0], pe[0]), 0);
	ck_assert_int_eq(write(po[1], "out1\n", 5), 5);
	pump_for(20);
	ck_assert_int_eq(write(po[1], "out2", 4), 4);
	ck_assert_int_eq(write(pe[1], "err\n", 4), 4);
	output_drain(o);
	ck_assert_str_eq(ev_got[0], "out1\nout2");
	ck_assert_str_eq(ev_got[1], "");
	size_t len;
	char *f = slurp(pathf("ev.log"), &len);
	ck_assert_str_eq(f, "out1\nout2");
	free(f);
	close(po[1]);
	close(pe[1]);
	output_free(o);
}
END_TEST

/* Capture mode: the events a channel's captures gave, "[...]" each. */
static char cap_got[2][256];
static void record_capture(struct output *o, enum output_channel ch, enum output_event ev,
			   const char *data, size_t len, void *arg)
{
	(void)o;
	(void)arg;
	if (ev != OUTPUT_EV_COMMUNICATION)
		return;
	size_t n = strlen(cap_got[ch]);
	snprintf(cap_got[ch] + n, sizeof(cap_got[ch]) - n, "[%.*s]", (int)len, data);
}

static struct output *capture_output(const char *name, uint64_t max, int *wfd)
{
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, name);
	char file[64];
	snprintf(file, sizeof(file), "%s.log", name);
	p.out_path = pathf(file);
	p.s->out.capture_maxbytes = max;
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	output_set_events(o, record_capture, NULL);
	int po[2];
	ck_assert_int_eq(pipe2(po, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, po[0], -1), 0);
	*wfd = po[1];
	memset(cap_got, 0, sizeof(cap_got));
	return o;
}

/* Writes s and lets output read it, so that each write is its own chunk. */
static void put(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	pump_for(10);
}

/* The bytes between the tokens go to the event, not the log; tokens split
 * across reads are found; bytes that only looked like a token's start are
 * logged once the next bytes show otherwise. */
START_TEST(test_capture)
{
	int w;
	struct output *o = capture_output("cap", 100, &w);
	put(w, "before\n<!--XSUPERVISOR:BEGIN-->one\n<!--XSUPERVISOR:END-->mid <");
	ck_assert_str_eq(cap_got[0], "[one\n]");
	size_t len;
	char *f = slurp(pathf("cap.log"), &len);
	ck_assert_str_eq(f, "before\nmid "); /* "<" may begin a token: held */
	free(f);
	put(w, "<!--XSUPER");
	put(w, "VISOR:BEG");
	put(w, "IN-->two");
	put(w, "<!--XSUPERVISOR:E");
	put(w, "ND--> after\n<!--X");
	ck_assert_str_eq(cap_got[0], "[one\n][two]");
	f = slurp(pathf("cap.log"), &len);
	ck_assert_str_eq(f, "before\nmid < after\n");
	free(f);
	/* At the end of the pipe, held bytes were not a token. */
	close(w);
	output_drain(o);
	pump_for(10);
	f = slurp(pathf("cap.log"), &len);
	ck_assert_str_eq(f, "before\nmid < after\n<!--X");
	free(f);
	output_free(o);
}
END_TEST

/* A capture keeps its last capture_maxbytes bytes; one still open when
 * the pipe ends is dropped and said, and the next output is logged. */
START_TEST(test_capture_bounded)
{
	ck_assert_int_eq(log_open(pathf("supd.log"), 0, 0), 0);
	int w;
	struct output *o = capture_output("cb", 8, &w);
	put(w, "<!--XSUPERVISOR:BEGIN-->0123");
	put(w, "456789abcdef");
	put(w, "XY<!--XSUPERVISOR:END-->");
	ck_assert_str_eq(cap_got[0], "[abcdefXY]");
	put(w, "<!--XSUPERVISOR:BEGIN-->0123456789abcdefghij<!--XSUPERVISOR:END-->");
	ck_assert_str_eq(cap_got[0], "[abcdefXY][cdefghij]");
	put(w, "x<!--XSUPERVISOR:BEGIN-->lost");
	close(w);
	output_drain(o);
	pump_for(10);
	size_t len;
	char *f = slurp(pathf("cb.log"), &len);
	ck_assert_str_eq(f, "x");
	free(f);
	char *lg = slurp(pathf("supd.log"), &len);
	ck_assert_ptr_nonnull(
	    strstr(lg, "'cb' stdout ended inside a capture: 4 captured bytes dropped"));
	free(lg);
	ck_assert_str_eq(cap_got[0], "[abcdefXY][cdefghij]");
	output_free(o);
}
END_TEST

START_TEST(test_channel_bytes)
{
	/* Each channel's byte count (what /metrics and tail -f offsets
	 * read) moves with its own bytes only, at delivery and at a drain. */
	struct conf_process p;
	struct conf_supd s;
	conf_defaults(&p, &s, "nt");
	p.out_path = pathf("nt.log");
	struct output *o;
	ck_assert_int_eq(output_new(&o, X, &p, &s), 0);
	int po[2], pe[2];
	ck_assert_int_eq(pipe2(po, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(output_attach(o, po[0], pe[0]), 0);
	pump_for(20);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT) + output_bytes(o, OUTPUT_STDERR), 0);
	ck_assert_int_eq(write(po[1], "x\n", 2), 2);
	pump_for(20);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDOUT), 2);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDERR), 0);
	ck_assert_int_eq(write(pe[1], "y\n", 2), 2);
	output_drain(o);
	ck_assert_uint_eq(output_bytes(o, OUTPUT_STDERR), 2);
	close(po[1]);
	close(pe[1]);
	output_free(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_integrity_splice);
	tcase_add_test(tc, test_pipe_grows_splice);
	tcase_add_test(tc, test_pipe_grows_read_path);
	tcase_add_test(tc, test_no_fd_at_first_byte);
	tcase_add_test(tc, test_integrity_read_path);
	tcase_add_test(tc, test_redirect_stderr);
	tcase_add_test(tc, test_separate_stderr);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_no_newline_forwarded_in_pieces);
	tcase_add_test(tc, test_partial_line_timeout);
	tcase_add_test(tc, test_forward_several_writers);
	tcase_add_test(tc, test_forward_stderr_and_stamps);
	tcase_add_test(tc, test_timestamps_in_file);
	tcase_add_test(tc, test_strip_ansi_split);
	tcase_add_test(tc, test_tail_buffer_none);
	tcase_add_test(tc, test_tail_from_file);
	tcase_add_test(tc, test_auto_names_and_cleanup);
	tcase_add_test(tc, test_capture);
	tcase_add_test(tc, test_capture_bounded);
	tcase_add_test(tc, test_events_enabled);
	tcase_add_test(tc, test_write_errors_reported_once);
	tcase_add_test(tc, test_old_pipe_kept_until_eof);
	tcase_add_test(tc, test_rotation_failure_reported_once);
	tcase_add_test(tc, test_syslog_lines);
	tcase_add_test(tc, test_channel_bytes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

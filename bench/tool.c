/* Small timing helpers for bench/run, one binary, one subcommand each.
 * Times are CLOCK_REALTIME in seconds with nanoseconds, so they compare with
 * the stamps written by stamp.c and with the daemons' log timestamps.
 *
 *   tool now                        print the time
 *   tool launch TFILE CMD...        write the time to TFILE, then exec CMD
 *   tool gen BYTES TFILE GOFILE     wait for GOFILE to exist, write the time
 *                                   to TFILE, then write BYTES bytes of
 *                                   64-byte text lines to stdout; the last
 *                                   line starts with "END"
 *   tool waitsize FILE BYTES SECS   wait until FILE is BYTES long; print time
 *   tool waitend FILE SECS          wait until FILE or FILE.1 holds the
 *                                   "END" line of gen near its end; print
 *                                   the time
 *   tool killwait STAMPS SECS       SIGKILL the pid on the last line of the
 *                                   stamp file, wait for a new stamp line and
 *                                   print the delay in ms from the kill to
 *                                   the new child's exec
 *   tool floor FILE BYTES           write BYTES into FILE with write(2) from
 *                                   one 256 KiB buffer already in memory
 *                                   (one copy into the page cache, no pipe)
 *                                   and print its own CPU time in s/GiB,
 *                                   the least of three writes in a row
 *                                   (see floor_cpu): the kernel's cost of
 *                                   the copy alone
 *   tool respawn CMD...             the physical reference for restarts: run
 *                                   CMD, and each time it dies, fork and exec
 *                                   it again at once (blocking waitpid)
 *   tool lines ID BYTES GOFILE [sig] wait for GOFILE (sig: woken by
 *                                   SIGWINCH), then write BYTES bytes
 *                                   of 32-byte lines "ID SEQ ....\n" (SEQ
 *                                   0, 1, 2, ...) to stdout as fast as it can
 *   tool checklines FILE ID BYTES   is FILE exactly what `lines ID BYTES`
 *                                   writes?  Prints "lost dup ooo bad"
 *                                   (lines), exits 0 when all are 0
 *   tool waittotal BYTES SECS FILE...
 *                                   wait until the FILEs hold BYTES bytes
 *                                   together; print the time
 *   tool tree N READY [CGDIR]       a program with N children (joins the
 *                                   cgroup CGDIR first): it and each child
 *                                   ignore SIGTERM and wait; once all are
 *                                   forked, it writes its pid and theirs
 *                                   to READY
 *   tool pidswait READY SECS        wait until every pid in READY has
 *                                   exited (pidfds, poll); print the time
 *   tool pgkill READY SECS          SIGKILL the process group of READY's
 *                                   first pid, wait until every pid in it
 *                                   has exited; print the ms from the kill
 *   tool cgwait CGDIR SECS          wait until the cgroup CGDIR is empty
 *                                   (cgroup.events populated 0, watched
 *                                   with inotify); print the time
 *   tool cgkill CGDIR HOW SECS      kill every process of CGDIR, HOW:
 *                                   "kill" by writing 1 to cgroup.kill,
 *                                   "each" by SIGKILL to each pid read
 *                                   from cgroup.procs; wait until it is
 *                                   empty; print the ms from the kill
 *   tool readfloor LIST ROUNDS      the physical floor of a /metrics scrape:
 *                                   the files named in LIST (one path a
 *                                   line: what supd reads per program) read
 *                                   ROUNDS times; prints the CPU time in ms
 *                                   of one round (the least) of pread(2)s of
 *                                   descriptors kept open, then of
 *                                   open+read+close each time
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE  64
#define CHUNK (1024 * LINE)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(double ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
			      (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
	nanosleep(&ts, NULL);
}

static int write_time(const char *path, double t)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%.9f\n", t);
	return fclose(f);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int gen(long long bytes, const char *tfile, const char *gofile)
{
	static char buf[CHUNK];
	for (int i = 0; i < CHUNK / LINE; i++) {
		char *l = buf + i * LINE;
		int k = snprintf(l, LINE, "%08d the quick brown fox jumps over the lazy dog", i);
		memset(l + k, '.', LINE - 1 - k);
		l[LINE - 1] = '\n';
	}
	while (access(gofile, F_OK) != 0)
		sleep_ms(0.5);
	write_time(tfile, now());
	long long left = bytes;
	while (left > 0) {
		size_t n = left > CHUNK ? CHUNK : (size_t)left;
		if (left <= CHUNK && n >= LINE)
			memcpy(buf + n - LINE, "END", 3);
		if (write_all(1, buf, n) < 0) {
			perror("gen: write");
			return 1;
		}
		left -= (long long)n;
	}
	return 0;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int waitsize(const char *path, long long bytes, double secs)
{
	double end = now() + secs;
	while (file_size(path) < bytes) {
		if (now() > end)
			return 1;
		sleep_ms(1);
	}
	printf("%.9f\n", now());
	return 0;
}

/* Does the end of the file hold gen's whole last line?  It starts with
 * "END" (which no other line contains) and may carry a prefix, or be
 * followed by a few lines of the daemon's own log. */
static int ends_with_end(const char *path)
{
	char b[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	off_t sz = lseek(fd, 0, SEEK_END);
	off_t from = sz > (off_t)sizeof b ? sz - (off_t)sizeof b : 0;
	ssize_t n = pread(fd, b, sizeof b, from);
	close(fd);
	if (n <= 0)
		return 0;
	char *e = memmem(b, (size_t)n, "END", 3);
	return e && memchr(e, '\n', (size_t)(b + n - e)) != NULL;
}

static int waitend(const char *path, double secs)
{
	char one[4096];
	snprintf(one, sizeof one, "%s.1", path);
	double end = now() + secs;
	long long last = -2, last1 = -2;
	for (;;) {
		long long s = file_size(path), s1 = file_size(one);
		if ((s != last && ends_with_end(path)) || (s1 != last1 && ends_with_end(one)))
			break;
		last = s;
		last1 = s1;
		if (now() > end)
			return 1;
		sleep_ms(1);
	}
	printf("%.9f\n", now());
	return 0;
}

/* The last complete line of the stamp file: pid and time. */
static int last_stamp(const char *path, long *pid, double *t)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	off_t sz = lseek(fd, 0, SEEK_END);
	off_t from = sz > (off_t)sizeof buf - 1 ? sz - (off_t)sizeof buf + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, from);
	close(fd);
	if (n <= 0 || buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = 0;
	char *l = strrchr(buf, '\n');
	l = l ? l + 1 : buf;
	return sscanf(l, "%ld %lf", pid, t) == 2 ? 0 : -1;
}

static int killwait(const char *path, double secs)
{
	long pid, npid;
	double t0, tn;
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, path, IN_MODIFY) < 0) {
		perror("killwait: inotify");
		return 1;
	}
	if (last_stamp(path, &pid, &t0) < 0) {
		fprintf(stderr, "killwait: no stamp in %s\n", path);
		return 1;
	}
	double tk = now();
	if (kill((pid_t)pid, SIGKILL) < 0) {
		perror("killwait: kill");
		return 1;
	}
	double end = tk + secs;
	for (;;) {
		if (last_stamp(path, &npid, &tn) == 0 && npid != pid)
			break;
		double left = end - now();
		if (left <= 0)
			return 1;
		struct pollfd p = {in, POLLIN, 0};
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0) {
			char ev[4096];
			while (read(in, ev, sizeof ev) > 0)
				;
		}
	}
	printf("%.3f\n", (tn - tk) * 1000);
	return 0;
}

static int respawn(char **cmd)
{
	for (;;) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("respawn: fork");
			return 1;
		}
		if (pid == 0) {
			execv(cmd[0], cmd);
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return 1;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
			return 1;
	}
}

/* One write of bytes into a new file; its CPU time in seconds. */
static double write_once(const char *path, long long bytes, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	for (long long left = bytes; left > 0;) {
		size_t n = left < (long long)len ? (size_t)left : len;
		ssize_t w = write(fd, buf, n);
		if (w <= 0) {
			perror(path);
			close(fd);
			return -1;
		}
		left -= w;
	}
	getrusage(RUSAGE_SELF, &r1);
	close(fd);
	unlink(path);
	return (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
	       (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	       (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
	       (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
}

/* The least of three writes in a row.  A VM whose balloon reports free
 * pages hands freed guest memory back to its host (virtio-balloon free
 * page reporting, seconds after the free), and the host faults each page
 * in again when the guest reuses it: a write into fresh page cache can then
 * cost several times the copy.  The second and third writes reuse the page
 * cache the previous one freed a moment before, so the least of the three
 * is the kernel's own cost of the copy. */
static int floor_cpu(const char *path, long long bytes)
{
	static char buf[256 * 1024];
	memset(buf, 'x', sizeof(buf));
	double best = -1;
	for (int i = 0; i < 3; i++) {
		double t = write_once(path, bytes, buf, sizeof(buf));
		if (t < 0)
			return 1;
		if (best < 0 || t < best)
			best = t;
	}
	printf("%.3f\n", best * 1073741824.0 / (double)bytes);
	return 0;
}

/* The fan-in writer: fixed-width lines, so that the checker knows every
 * line's place, and a counter incremented in place (no printf per line):
 * the writer must cost little next to the daemon that logs it. */
#define FLINE 32
static int lines(const char *id, long long bytes, const char *gofile, bool by_signal)
{
	static char buf[FLINE * 2048];
	char line[FLINE];
	memset(line, '.', FLINE);
	int k = snprintf(line, FLINE, "%-8.8s 0000000000", id);
	line[k] = ' ';
	line[FLINE - 1] = '\n';
	char *seq = line + 9; /* 10 digits */
	if (by_signal) {
		/* 1000 writers polling every 0.5 ms took both CPUs before the
		 * start: each waits for SIGWINCH (blocked before the check, so
		 * that none is missed; ignored by default, so that one sent
		 * before it is blocked harms nothing), looking again every
		 * 100 ms */
		sigset_t winch;
		sigemptyset(&winch);
		sigaddset(&winch, SIGWINCH);
		sigprocmask(SIG_BLOCK, &winch, NULL);
		struct timespec ts = {0, 100 * 1000 * 1000};
		while (access(gofile, F_OK) != 0)
			sigtimedwait(&winch, NULL, &ts);
	}
	while (access(gofile, F_OK) != 0)
		sleep_ms(0.5);
	long long left = bytes;
	while (left > 0) {
		size_t n = 0;
		while (n + FLINE <= sizeof buf && (long long)n < left) {
			memcpy(buf + n, line, FLINE);
			n += FLINE;
			for (int d = 9; d >= 0 && ++seq[d] > '9'; d--)
				seq[d] = '0';
		}
		if ((long long)n > left)
			n = (size_t)left;
		if (write_all(1, buf, n) < 0) {
			perror("lines: write");
			return 1;
		}
		left -= (long long)n;
	}
	return 0;
}

static int checklines(const char *path, const char *id, long long bytes)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		printf("%lld 0 0 0\n", bytes / FLINE);
		return 1;
	}
	char want[16], l[256];
	snprintf(want, sizeof want, "%-8.8s ", id);
	long long expect = 0, lost = 0, dup = 0, ooo = 0, bad = 0, total = bytes / FLINE;
	while (fgets(l, sizeof l, f)) {
		char *e;
		long long s;
		if (strlen(l) != FLINE || memcmp(l, want, 9) || (s = strtoll(l + 9, &e, 10), e != l + 19)) {
			bad++;
			continue;
		}
		if (s == expect)
			expect++;
		else if (s < expect)
			(s == expect - 1) ? dup++ : ooo++;
		else {
			lost += s - expect;
			expect = s + 1;
		}
	}
	fclose(f);
	if (expect < total)
		lost += total - expect;
	printf("%lld %lld %lld %lld\n", lost, dup, ooo, bad);
	return lost || dup || ooo || bad;
}

static int waittotal(long long bytes, double secs, int n, char **files)
{
	double end = now() + secs;
	/* The files' sizes only grow: one that holds its share is not
	 * looked at again, so that the watching of 1000 files (a stat each,
	 * every few ms) does not take the CPU the writers need. */
	long long *size = calloc((size_t)n, sizeof(*size)), share = bytes / n, sum = 0;
	if (!size)
		return 1;
	for (;;) {
		for (int i = 0; i < n; i++) {
			if (size[i] >= share)
				continue;
			long long s = file_size(files[i]);
			if (s > size[i]) {
				sum += s - size[i];
				size[i] = s;
			}
		}
		if (sum >= bytes)
			break;
		if (now() > end) {
			free(size);
			return 1;
		}
		sleep_ms(5);
	}
	free(size);
	printf("%.9f\n", now());
	return 0;
}

static int tree(int n, const char *ready, const char *cgdir)
{
	if (cgdir) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/cgroup.procs", cgdir);
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			return perror(p), 1;
		close(fd);
	}
	signal(SIGTERM, SIG_IGN);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return perror(tmp), 1;
	fprintf(f, "%ld\n", (long)getpid());
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return perror("fork"), 1;
		if (!pid) {
			for (;;)
				pause();
		}
		fprintf(f, "%ld\n", (long)pid);
	}
	fclose(f);
	rename(tmp, ready);
	for (;;)
		pause();
}

/* Waits until every pid listed in path has exited (a pidfd is readable
 * once its process has: a zombie counts as gone); returns the time, or
 * -1.  *first: the first pid. */
static double pids_gone_at(const char *path, double secs, pid_t *first, double *t_kill)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	struct pollfd *v = NULL;
	int n = 0;
	long pid;
	while (fscanf(f, "%ld", &pid) == 1) {
		if (!n && first)
			*first = (pid_t)pid;
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (fd < 0)
			continue; /* already gone */
		v = realloc(v, sizeof(*v) * (size_t)(n + 1));
		v[n++] = (struct pollfd){fd, POLLIN, 0};
	}
	fclose(f);
	if (t_kill) {
		*t_kill = now();
		if (first && kill(-*first, SIGKILL) < 0)
			return -1;
	}
	double end = now() + secs;
	int left = n;
	while (left > 0) {
		double ms = (end - now()) * 1000;
		if (ms <= 0 || poll(v, (nfds_t)n, (int)ms + 1) < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (v[i].fd >= 0 && v[i].revents) {
				close(v[i].fd);
				v[i].fd = -1; /* poll ignores it from now on */
				left--;
			}
	}
	free(v);
	return now();
}

static int pidswait(const char *path, double secs)
{
	double t = pids_gone_at(path, secs, NULL, NULL);
	if (t < 0)
		return fprintf(stderr, "pidswait: not all gone\n"), 1;
	printf("%.9f\n", t);
	return 0;
}

static int pgkill(const char *path, double secs)
{
	pid_t first = 0;
	double t0 = 0, t1 = pids_gone_at(path, secs, &first, &t0);
	if (t1 < 0)
		return fprintf(stderr, "pgkill: not all gone\n"), 1;
	printf("%.3f\n", (t1 - t0) * 1e3);
	return 0;
}

static int populated(const char *events)
{
	char buf[256];
	int fd = open(events, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *p = strstr(buf, "populated ");
	return p ? p[10] == '1' : -1;
}

/* Waits until CGDIR is empty; returns the time, or -1 after secs. */
static double cg_empty_at(const char *cgdir, double secs)
{
	char ev[4096];
	snprintf(ev, sizeof(ev), "%s/cgroup.events", cgdir);
	int ino = inotify_init1(IN_CLOEXEC);
	if (ino < 0 || inotify_add_watch(ino, ev, IN_MODIFY) < 0)
		return -1;
	double end = now() + secs;
	for (;;) {
		int pop = populated(ev);
		if (pop == 0) {
			double t = now();
			close(ino);
			return t;
		}
		if (pop < 0)
			break;
		double left = end - now();
		if (left <= 0)
			break;
		struct pollfd pfd = {ino, POLLIN, 0};
		if (poll(&pfd, 1, (int)(left * 1000) + 1) > 0) {
			char buf[4096];
			if (read(ino, buf, sizeof(buf)) < 0)
				break;
		}
	}
	close(ino);
	return -1;
}

static int cgwait(const char *cgdir, double secs)
{
	double t = cg_empty_at(cgdir, secs);
	if (t < 0)
		return fprintf(stderr, "cgwait: %s not empty\n", cgdir), 1;
	printf("%.9f\n", t);
	return 0;
}

static int cgkill(const char *cgdir, const char *how, double secs)
{
	char p[4096];
	double t0 = now();
	if (!strcmp(how, "kill")) {
		snprintf(p, sizeof(p), "%s/cgroup.kill", cgdir);
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1)
			return perror(p), 1;
		close(fd);
	} else {
		snprintf(p, sizeof(p), "%s/cgroup.procs", cgdir);
		FILE *f = fopen(p, "r");
		if (!f)
			return perror(p), 1;
		long pid;
		while (fscanf(f, "%ld", &pid) == 1)
			kill((pid_t)pid, SIGKILL);
		fclose(f);
	}
	double t1 = cg_empty_at(cgdir, secs);
	if (t1 < 0)
		return fprintf(stderr, "cgkill: %s not empty\n", cgdir), 1;
	printf("%.3f\n", (t1 - t0) * 1e3);
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int readfloor(const char *list, int rounds)
{
	FILE *f = fopen(list, "r");
	if (!f)
		return perror(list), 1;
	char line[4096], buf[8192];
	char **paths = NULL;
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		paths = realloc(paths, sizeof(*paths) * (size_t)(n + 1));
		paths[n++] = strdup(line);
	}
	fclose(f);
	int *fds = calloc((size_t)n + 1, sizeof(*fds));
	for (int i = 0; i < n; i++)
		if ((fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC)) < 0)
			return perror(paths[i]), 1;
	double kept = 1e9, opened = 1e9;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_now();
		for (int i = 0; i < n; i++)
			if (pread(fds[i], buf, sizeof(buf), 0) < 0)
				return perror(paths[i]), 1;
		double t1 = cpu_now();
		for (int i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
				return perror(paths[i]), 1;
			close(fd);
		}
		double t2 = cpu_now();
		if (t1 - t0 < kept)
			kept = t1 - t0;
		if (t2 - t1 < opened)
			opened = t2 - t1;
	}
	printf("%.3f %.3f\n", kept * 1e3, opened * 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "now")) {
		printf("%.9f\n", now());
		return 0;
	}
	if (!strcmp(cmd, "launch") && argc > 3) {
		write_time(argv[2], now());
		execvp(argv[3], argv + 3);
		perror("launch: exec");
		return 127;
	}
	if (!strcmp(cmd, "gen") && argc == 5)
		return gen(atoll(argv[2]), argv[3], argv[4]);
	if (!strcmp(cmd, "waitsize") && argc == 5)
		return waitsize(argv[2], atoll(argv[3]), atof(argv[4]));
	if (!strcmp(cmd, "waitend") && argc == 4)
		return waitend(argv[2], atof(argv[3]));
	if (!strcmp(cmd, "floor") && argc == 4)
		return floor_cpu(argv[2], atoll(argv[3]));
	if (!strcmp(cmd, "respawn") && argc > 2)
		return respawn(argv + 2);
	if (!strcmp(cmd, "lines") && (argc == 5 || (argc == 6 && !strcmp(argv[5], "sig"))))
		return lines(argv[2], atoll(argv[3]), argv[4], argc == 6);
	if (!strcmp(cmd, "checklines") && argc == 5)
		return checklines(argv[2], argv[3], atoll(argv[4]));
	if (!strcmp(cmd, "waittotal") && argc > 4)
		return waittotal(atoll(argv[2]), atof(argv[3]), argc - 4, argv + 4);
	if (!strcmp(cmd, "tree") && (argc == 4 || argc == 5))
		return tree(atoi(argv[2]), argv[3], argc == 5 ? argv[4] : NULL);
	if (!strcmp(cmd, "pidswait") && argc == 4)
		return pidswait(argv[2], atof(argv[3]));
	if (!strcmp(cmd, "pgkill") && argc == 4)
		return pgkill(argv[2], atof(argv[3]));
	if (!strcmp(cmd, "cgwait") && argc == 4)
		return cgwait(argv[2], atof(argv[3]));
	if (!strcmp(cmd, "cgkill") && argc == 5)
		return cgkill(argv[2], argv[3], atof(argv[4]));
	if (!strcmp(cmd, "readfloor") && argc == 4)
		return readfloor(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "killwait") && argc == 4)
		return killwait(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: see bench/tool.c\n");
	return 2;
}

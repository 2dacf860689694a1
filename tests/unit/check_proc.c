/* proc: the state machine with real short children, the request errors,
 * descriptions and exit texts, and the table at 10,000 processes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "proc.h"
#include "spawn.h"

static struct conf_supd supd_conf;

/* A process config built by hand: no log files. */
static struct conf_process *mkproc(const char *name, const char *const *argv)
{
	struct conf_process *p = calloc(1, sizeof(*p));
	p->s = calloc(1, sizeof(*p->s));
	p->name = strdup(name);
	p->group = strdup(name);
	p->program = strdup(name);
	p->s->kind = CONF_PROGRAM;
	int n = 0;
	while (argv[n])
		n++;
	p->argv = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		p->argv[i] = strdup(argv[i]);
	p->argc = n;
	p->command = strdup(argv[0]);
	p->s->priority = 999;
	p->s->autostart = true;
	p->s->startsecs = 0;
	p->s->startretries = 3;
	p->s->autorestart = CONF_AR_FALSE;
	p->s->exitcodes[0] = 1; /* 0 expected */
	p->s->stopsignal = SIGTERM;
	p->s->stopwaitsecs = 10;
	p->s->umask = -1;
	p->s->out.kind = CONF_LOG_NONE;
	p->s->err.kind = CONF_LOG_NONE;
	return p;
}

static void freeproc(struct conf_process *p)
{
	for (int i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free((char *)p->name); /* (not a conf pool: made by hand) */
	free((char *)p->group);
	free((char *)p->program);
	free((char *)p->command);
	free(p->s->directory);
	free(p->s);
	free(p);
}

struct rec {
	enum proc_state seq[32];
	int n;
};

static void rec_hook(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct rec *r = arg;
	(void)p;
	(void)from;
	if (r->n < 32)
		r->seq[r->n++] = to;
}

struct fixture {
	struct loop *l;
	struct procs *t;
	struct rec rec;
	struct proc_hook hook;
};

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(loop_new(&f->l), 0);
	struct procs_env env = {.loop = f->l, .supd = &supd_conf};
	ck_assert_int_eq(procs_new(&f->t, &env), 0);
	f->hook = (struct proc_hook){.cb = rec_hook, .arg = &f->rec};
	procs_add_hook(f->t, &f->hook);
}

static void fx_free(struct fixture *f)
{
	procs_free(f->t);
	loop_free(f->l);
}

/* Runs the loop and reaps (as daemon.c does) until p is in state want. */
static void run_until(struct fixture *f, struct proc *p, enum proc_state want, int max_ms)
{
	int64_t end = loop_now_ms() + max_ms;
	while (p->state != want) {
		ck_assert_msg(loop_now_ms() < end, "timed out in %s waiting for %s",
			      proc_state_name(p->state), proc_state_name(want));
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			struct proc *q = procs_find_pid(f->t, pid);
			if (q)
				proc_exited(q, st);
		}
		if (p->state != want)
			loop_run_once(f->l, 5);
	}
}

static struct conf_ref *cref_none(void)
{
	/* conf_ref_put would conf_free(NULL): the tests own their configs. */
	return NULL;
}

START_TEST(test_exit_expected)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"true", NULL};
	struct conf_process *c = mkproc("t", argv);
	struct proc *p;
	ck_assert_int_eq(procs_add(f.t, c, cref_none(), 999, &p), 0);
	ck_assert_int_eq(p->state, PROC_STOPPED);
	ck_assert_int_eq(proc_start(p), 0);
	/* startsecs=0: RUNNING once the exec is confirmed */
	ck_assert_int_eq(p->state, PROC_STARTING);
	ck_assert_ptr_eq(procs_find_pid(f.t, p->pid), p);
	run_until(&f, p, PROC_EXITED, 5000);
	ck_assert_int_eq(p->exitstatus, 0);
	ck_assert_ptr_null(p->spawnerr);
	ck_assert_int_eq(p->pid, 0);
	enum proc_state want[] = {PROC_STARTING, PROC_RUNNING, PROC_EXITED};
	ck_assert_int_eq(f.rec.n, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(f.rec.seq[i], want[i]);
	fx_free(&f);
	freeproc(c);
}
END_TEST

START_TEST(test_backoff_to_fatal)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"false", NULL};
	struct conf_process *c = mkproc("f", argv);
	c->s->startsecs = 5;
	c->s->startretries = 1;
	struct proc *p;
	ck_assert_int_eq(procs_add(f.t, c, cref_none(), 999, &p), 0);
	ck_assert_int_eq(proc_start(p), 0);
	ck_assert_int_eq(p->state, PROC_STARTING);
	ck_assert_int_eq(proc_start(p), -EALREADY);
	run_until(&f, p, PROC_BACKOFF, 5000);
	ck_assert_str_eq(p->spawnerr, "Exited too quickly (process log may have details)");
	ck_assert_int_eq(p->backoff, 1);
	ck_assert_int_eq(proc_start(p), -EALREADY); /* BACKOFF is a running state */
	int64_t t0 = loop_now_ms();
	run_until(&f, p, PROC_FATAL, 5000);
	/* the second attempt came after the 1 s backoff delay */
	ck_assert_int_ge(loop_now_ms() - t0, 900);
	enum proc_state want[] = {PROC_STARTING, PROC_BACKOFF, PROC_STARTING, PROC_BACKOFF,
				  PROC_FATAL};
	ck_assert_int_eq(f.rec.n, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(f.rec.seq[i], want[i]);
	char buf[128];
	ck_assert_str_eq(proc_description(p, time(NULL), buf, sizeof(buf)),
			 "Exited too quickly (process log may have details)");
	fx_free(&f);
	freeproc(c);
}
END_TEST

START_TEST(test_stop_and_signal)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"sleep", "10", NULL};
	struct conf_process *c = mkproc("s", argv);
	struct proc *p;
	ck_assert_int_eq(procs_add(f.t, c, cref_none(), 999, &p), 0);
	ck_assert_int_eq(proc_stop(p), -ESRCH);
	ck_assert_int_eq(proc_signal(p, SIGUSR1), -ESRCH);
	ck_assert_int_eq(proc_start(p), 0);
	ck_assert_int_eq(proc_signal(p, 0), -EINVAL);
	ck_assert_int_eq(proc_signal(p, 1000), -EINVAL);
	ck_assert_int_eq(proc_stop(p), 0);
	ck_assert_int_eq(p->state, PROC_STOPPING);
	run_until(&f, p, PROC_STOPPED, 5000);
	ck_assert(WIFSIGNALED(p->wstatus) && WTERMSIG(p->wstatus) == SIGTERM);
	ck_assert_int_eq(p->exitstatus, -1);
	ck_assert(proc_is_stopped(p));
	/* restart after a stop, and a signal that ends it unexpectedly */
	ck_assert_int_eq(proc_start(p), 0);
	ck_assert_int_eq(proc_signal(p, SIGKILL), 0);
	run_until(&f, p, PROC_EXITED, 5000);
	ck_assert_str_eq(p->spawnerr, "Bad exit code -1");
	fx_free(&f);
	freeproc(c);
}
END_TEST

START_TEST(test_stop_escalates_to_sigkill)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done", NULL};
	struct conf_process *c = mkproc("stubborn", argv);
	c->s->stopwaitsecs = 1;
	c->s->stopasgroup = c->s->killasgroup = true;
	struct proc *p;
	ck_assert_int_eq(procs_add(f.t, c, cref_none(), 999, &p), 0);
	ck_assert_int_eq(proc_start(p), 0);
	/* let the shell install its trap */
	int64_t t = loop_now_ms() + 200;
	while (loop_now_ms() < t)
		loop_run_once(f.l, 50);
	int64_t t0 = loop_now_ms();
	ck_assert_int_eq(proc_stop(p), 0);
	run_until(&f, p, PROC_STOPPED, 5000);
	ck_assert_int_ge(loop_now_ms() - t0, 900);
	ck_assert(WIFSIGNALED(p->wstatus) && WTERMSIG(p->wstatus) == SIGKILL);
	/* the group kill took the sleeps too */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	fx_free(&f);
	freeproc(c);
}
END_TEST

/* The requests' cells of the state table that the tests above do not
 * reach: BACKOFF stops without a signal (STOP) or gives up (SHUTDOWN),
 * STOPPING takes neither a start nor a second stop, and a shutdown leaves
 * a stopped process alone. */
START_TEST(test_request_cells)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"false", NULL};
	struct conf_process *c = mkproc("f", argv);
	c->s->startsecs = 5;
	c->s->startretries = 3;
	struct proc *p;
	ck_assert_int_eq(procs_add(f.t, c, cref_none(), 999, &p), 0);
	ck_assert_int_eq(proc_stop_for_shutdown(p), 0);
	ck_assert_int_eq(p->state, PROC_STOPPED);
	ck_assert_int_eq(f.rec.n, 0);
	ck_assert_int_eq(proc_start(p), 0);
	run_until(&f, p, PROC_BACKOFF, 5000);
	ck_assert_int_eq(proc_stop(p), 0);
	ck_assert_int_eq(p->state, PROC_STOPPED);
	ck_assert_int_eq(proc_start(p), 0);
	run_until(&f, p, PROC_BACKOFF, 5000);
	ck_assert_int_eq(proc_stop_for_shutdown(p), 0);
	ck_assert_int_eq(p->state, PROC_FATAL);
	ck_assert_int_eq(p->backoff, 0);
	enum proc_state want[] = {PROC_STARTING, PROC_BACKOFF, PROC_STOPPED,
				  PROC_STARTING, PROC_BACKOFF, PROC_FATAL};
	ck_assert_int_eq(f.rec.n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(f.rec.seq[i], want[i]);

	const char *sargv[] = {"sleep", "10", NULL};
	struct conf_process *cs = mkproc("s", sargv);
	struct proc *q;
	ck_assert_int_eq(procs_add(f.t, cs, cref_none(), 999, &q), 0);
	ck_assert_int_eq(proc_start(q), 0);
	ck_assert_int_eq(proc_stop(q), 0);
	ck_assert_int_eq(q->state, PROC_STOPPING);
	ck_assert_int_eq(proc_stop(q), -ESRCH);
	ck_assert_int_eq(proc_start(q), -EALREADY);
	ck_assert_int_eq(proc_stop_for_shutdown(q), 0);
	ck_assert_int_eq(proc_send_stdin(q, "x", 1), -ESRCH);
	run_until(&f, q, PROC_STOPPED, 5000);
	fx_free(&f);
	freeproc(c);
	freeproc(cs);
}
END_TEST

START_TEST(test_start_errors)
{
	struct fixture f;
	fx_init(&f);
	const char *missing[] = {"/nonexistent/supd-test", NULL};
	const char *dir[] = {"/tmp", NULL};
	char path[] = "/tmp/supd-check-proc-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	const char *noexec[] = {path, NULL};
	struct conf_process *c1 = mkproc("missing", missing);
	struct conf_process *c2 = mkproc("dir", dir);
	struct conf_process *c3 = mkproc("noexec", noexec);
	const char *sleeper[] = {"sleep", "10", NULL};
	struct conf_process *c4 = mkproc("badcwd", sleeper);
	c4->s->directory = strdup("/nonexistent/dir");
	c4->s->startretries = 0;
	struct proc *p1, *p2, *p3, *p4;
	ck_assert_int_eq(procs_add(f.t, c1, NULL, 1, &p1), 0);
	ck_assert_int_eq(procs_add(f.t, c2, NULL, 1, &p2), 0);
	ck_assert_int_eq(procs_add(f.t, c3, NULL, 1, &p3), 0);
	ck_assert_int_eq(procs_add(f.t, c4, NULL, 1, &p4), 0);
	ck_assert_int_eq(proc_start(p1), -ENOENT);
	ck_assert_int_eq(proc_start(p2), -EACCES);
	ck_assert_int_eq(proc_start(p3), -EACCES);
	ck_assert_int_eq(p1->state, PROC_STOPPED); /* refused before any change */
	/* autostart does not pre-check: it goes to BACKOFF with the reason */
	ck_assert_int_eq(proc_autostart(p1), -ECHILD);
	ck_assert_int_eq(p1->state, PROC_BACKOFF);
	ck_assert_str_eq(p1->spawnerr, "can't find command '/nonexistent/supd-test'");
	ck_assert_int_eq(proc_stop(p1), 0); /* BACKOFF -> STOPPED, nothing to signal */
	ck_assert_int_eq(p1->state, PROC_STOPPED);
	/* a failure in the child, after fork, comes back on the error pipe */
	ck_assert_int_eq(proc_start(p4), 0);
	run_until(&f, p4, PROC_FATAL, 5000);
	ck_assert_str_eq(p4->spawnerr,
			 "couldn't chdir to /nonexistent/dir: No such file or directory");
	ck_assert_int_eq(p4->pid, 0);
	unlink(path);
	fx_free(&f);
	freeproc(c1);
	freeproc(c2);
	freeproc(c3);
	freeproc(c4);
}
END_TEST

/* procs_generation changes with the set of processes, not with their
 * states: ops keeps its name order of the processes by it (#18). */
START_TEST(test_generation)
{
	struct fixture f;
	fx_init(&f);
	const char *sleeper[] = {"sleep", "10", NULL};
	struct conf_process *c1 = mkproc("a", sleeper), *c2 = mkproc("b", sleeper);
	struct proc *p1, *p2;
	unsigned long g0 = procs_generation(f.t);
	ck_assert_int_eq(procs_add(f.t, c1, NULL, 1, &p1), 0);
	unsigned long g1 = procs_generation(f.t);
	ck_assert_uint_ne(g0, g1);
	ck_assert_int_eq(procs_add(f.t, c2, NULL, 1, &p2), 0);
	unsigned long g2 = procs_generation(f.t);
	ck_assert_uint_ne(g1, g2);
	(void)procs_ordered(f.t);
	ck_assert_int_eq(proc_start(p1), 0);
	run_until(&f, p1, PROC_RUNNING, 5000);
	ck_assert_uint_eq(procs_generation(f.t), g2);
	ck_assert_int_eq(proc_stop(p1), 0);
	run_until(&f, p1, PROC_STOPPED, 5000);
	procs_remove(f.t, p2);
	ck_assert_uint_ne(procs_generation(f.t), g2);
	fx_free(&f);
	freeproc(c1);
	freeproc(c2);
}
END_TEST

START_TEST(test_descriptions)
{
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"true", NULL};
	struct conf_process *c = mkproc("d", argv);
	struct proc *p;
	char buf[128];
	ck_assert_int_eq(procs_add(f.t, c, NULL, 1, &p), 0);
	ck_assert_str_eq(proc_description(p, 1000, buf, sizeof(buf)), "Not started");
	/* Fill in states by hand: descriptions only read the fields. */
	p->state = PROC_RUNNING;
	p->pid = 123;
	p->laststart = 1000;
	ck_assert_str_eq(proc_description(p, 1062, buf, sizeof(buf)), "pid 123, uptime 0:01:02");
	ck_assert_str_eq(proc_description(p, 1000 + 86400 + 7384, buf, sizeof(buf)),
			 "pid 123, uptime 1 day, 2:03:04");
	ck_assert_str_eq(proc_description(p, 1000 + 3 * 86400, buf, sizeof(buf)),
			 "pid 123, uptime 3 days, 0:00:00");
	ck_assert_str_eq(proc_description(p, 900, buf, sizeof(buf)), "pid 123, uptime 0:00:00");
	p->pid = 0;
	p->state = PROC_FATAL;
	ck_assert_str_eq(proc_description(p, 1000, buf, sizeof(buf)),
			 "unknown error (try \"tail d\")");
	p->state = PROC_STARTING;
	ck_assert_str_eq(proc_description(p, 1000, buf, sizeof(buf)), "");
	p->state = PROC_EXITED;
	p->laststop = 1700000000;
	struct tm tm;
	time_t ts = 1700000000;
	char want[64];
	localtime_r(&ts, &tm);
	strftime(want, sizeof(want), "%b %d %I:%M %p", &tm);
	ck_assert_str_eq(proc_description(p, 1700000100, buf, sizeof(buf)), want);
	p->state = PROC_STOPPED;

	ck_assert_str_eq(proc_exit_text(3 << 8, buf, sizeof(buf)), "exit status 3");
	ck_assert_str_eq(proc_exit_text(SIGTERM, buf, sizeof(buf)), "terminated by SIGTERM");
	ck_assert_str_eq(proc_exit_text(SIGSEGV | 0x80, buf, sizeof(buf)),
			 "terminated by SIGSEGV (core dumped)");
	ck_assert_str_eq(spawn_signame(SIGRTMIN + 1, buf, sizeof(buf)), "signal 35");
	ck_assert_str_eq(spawn_signame(SIGRTMIN, buf, sizeof(buf)), "SIGRTMIN");
	ck_assert_str_eq(spawn_signame(29, buf, sizeof(buf)), "SIGPOLL");
	fx_free(&f);
	freeproc(c);
}
END_TEST

/* Reads a spawned child's stdout to EOF. */
static void read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		break;
	}
	buf[n] = 0;
}

/* Both spawn paths (plain fork, and the shared fd table unshared down to
 * the slots) give the child fds 0, 1, 2 only, however many supd holds,
 * including ones not marked close-on-exec. */
START_TEST(test_child_fds)
{
	int extra[300];
	for (int i = 0; i < 300; i++)
		extra[i] = open("/dev/null", O_RDONLY); /* deliberately inheritable */
	struct spawn_slots slots;
	ck_assert_int_eq(spawn_slots_open(&slots), 0);
	/* no pipeline: the shell would hold the pipe fds for a moment */
	const char *argv[] = {"sh", "-c", "ls /proc/$$/fd", NULL};
	struct conf_process *c = mkproc("fds", argv);
	for (int pass = 0; pass < 2; pass++) {
		struct spawn_req req = {.p = c, .slots = pass ? &slots : NULL};
		struct spawn_child ch;
		char err[256], out[256];
		ck_assert_int_eq(spawn_start(&req, &ch, err, sizeof(err)), 0);
		read_all(ch.fd_out, out, sizeof(out));
		int st;
		ck_assert_int_eq(waitpid(ch.pid, &st, 0), ch.pid);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		/* The clone path knows the outcome at return (no error pipe);
		 * a sanitizer build forks on both passes. */
		if (ch.fd_exec >= 0)
			ck_assert_int_eq(spawn_exec_result(ch.fd_exec, c, err, sizeof(err)), 0);
		else
			ck_assert_str_eq(ch.exec_err, "");
		ck_assert_str_eq(out, "0\n1\n2\n");
		close(ch.fd_in);
		close(ch.fd_out);
		close(ch.fd_err);
		close(ch.fd_exec);
	}
	/* a failure in the child on the slots path comes back named */
	c->s->directory = strdup("/nonexistent/dir");
	struct spawn_req req = {.p = c, .slots = &slots};
	struct spawn_child ch;
	char err[256];
	ck_assert_int_eq(spawn_start(&req, &ch, err, sizeof(err)), 0);
	int st;
	ck_assert_int_eq(waitpid(ch.pid, &st, 0), ch.pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	if (ch.fd_exec >= 0)
		ck_assert_int_eq(spawn_exec_result(ch.fd_exec, c, err, sizeof(err)), -ENOENT);
	else
		strcpy(err, ch.exec_err);
	ck_assert_str_eq(err, "couldn't chdir to /nonexistent/dir: No such file or directory");
	close(ch.fd_in);
	close(ch.fd_out);
	close(ch.fd_err);
	close(ch.fd_exec);
	spawn_slots_close(&slots);
	for (int i = 0; i < 300; i++)
		close(extra[i]);
	freeproc(c);
}
END_TEST

/* The child's stdin is a pipe from us, on both spawn paths: what we write
 * comes back through cat. */
START_TEST(test_child_stdin)
{
	struct spawn_slots slots;
	ck_assert_int_eq(spawn_slots_open(&slots), 0);
	const char *argv[] = {"cat", NULL};
	struct conf_process *c = mkproc("cat", argv);
	for (int pass = 0; pass < 2; pass++) {
		struct spawn_req req = {.p = c, .slots = pass ? &slots : NULL};
		struct spawn_child ch;
		char err[256], out[256];
		ck_assert_int_eq(spawn_start(&req, &ch, err, sizeof(err)), 0);
		ck_assert_int_ge(ch.fd_in, 0);
		ck_assert(fcntl(ch.fd_in, F_GETFL) & O_NONBLOCK);
		ck_assert(fcntl(ch.fd_in, F_GETFD) & FD_CLOEXEC);
		ck_assert_int_eq(write(ch.fd_in, "hello\n", 6), 6);
		close(ch.fd_in); /* EOF: cat exits */
		read_all(ch.fd_out, out, sizeof(out));
		int st;
		ck_assert_int_eq(waitpid(ch.pid, &st, 0), ch.pid);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ck_assert_str_eq(out, "hello\n");
		close(ch.fd_out);
		close(ch.fd_err);
		close(ch.fd_exec);
	}
	spawn_slots_close(&slots);
	freeproc(c);
}
END_TEST

/* proc_send_stdin: all or nothing into a pipe nobody reads, EPIPE once the
 * child closed its stdin, NOT_RUNNING (-ESRCH) without a pid. */
START_TEST(test_send_stdin)
{
	struct fixture f;
	fx_init(&f);
	signal(SIGPIPE, SIG_IGN); /* as the daemon does */
	const char *argv1[] = {"sleep", "30", NULL};
	const char *argv2[] = {"sh", "-c", "exec 0<&-; exec sleep 30", NULL};
	struct conf_process *c1 = mkproc("sleeper", argv1);
	struct conf_process *c2 = mkproc("closer", argv2);
	struct proc *p1, *p2;
	ck_assert_int_eq(procs_add(f.t, c1, cref_none(), 1, &p1), 0);
	ck_assert_int_eq(procs_add(f.t, c2, cref_none(), 1, &p2), 0);
	ck_assert_int_eq(proc_send_stdin(p1, "x", 1), -ESRCH);
	ck_assert_int_eq(proc_start(p1), 0);
	ck_assert_int_eq(proc_start(p2), 0);
	run_until(&f, p1, PROC_RUNNING, 5000);
	run_until(&f, p2, PROC_RUNNING, 5000);

	int size = fcntl(p1->stdin_fd, F_GETPIPE_SZ);
	ck_assert_int_gt(size, 0);
	char *big = calloc(1, (size_t)size + 1);
	ck_assert_int_eq(proc_send_stdin(p1, big, 0), 0);
	ck_assert_int_eq(proc_send_stdin(p1, big, (size_t)size + 1), -EAGAIN);
	ck_assert_int_eq(proc_send_stdin(p1, big, (size_t)size - 1), 0);
	ck_assert_int_eq(proc_send_stdin(p1, "ab", 2), -EAGAIN);
	ck_assert_int_eq(proc_send_stdin(p1, "a", 1), 0);
	free(big);

	int r;
	int64_t end = loop_now_ms() + 5000;
	while ((r = proc_send_stdin(p2, "x", 1)) == 0 && loop_now_ms() < end)
		usleep(5000);
	ck_assert_int_eq(r, -EPIPE);

	ck_assert_int_eq(proc_stop(p1), 0);
	ck_assert_int_eq(proc_send_stdin(p1, "x", 1), -ESRCH);
	ck_assert_int_eq(proc_stop(p2), 0);
	run_until(&f, p1, PROC_STOPPED, 5000);
	run_until(&f, p2, PROC_STOPPED, 5000);
	ck_assert_int_eq(p1->stdin_fd, -1);
	ck_assert_int_eq(proc_send_stdin(p1, "x", 1), -ESRCH);
	fx_free(&f);
	freeproc(c1);
	freeproc(c2);
}
END_TEST

START_TEST(test_ten_thousand)
{
	enum { N = 10000 };
	struct fixture f;
	fx_init(&f);
	const char *argv[] = {"true", NULL};
	struct conf_process **cs = calloc(N, sizeof(*cs));
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "p%05d", i);
		cs[i] = mkproc(name, argv);
		cs[i]->s->priority = N - i;
		ck_assert_int_eq(procs_add(f.t, cs[i], NULL, N - i, NULL), 0);
	}
	ck_assert_uint_eq(procs_count(f.t), N);
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "p%05d", i);
		struct proc *p = procs_find(f.t, name, name);
		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_eq(p->conf, cs[i]);
	}
	ck_assert_ptr_null(procs_find(f.t, "p00001", "p00002"));
	struct proc *const *v = procs_ordered(f.t);
	for (int i = 1; i < N; i++)
		ck_assert_int_le(v[i - 1]->gprio, v[i]->gprio);
	ck_assert_ptr_eq(v[0]->conf, cs[N - 1]);
	/* remove half, the rest still found */
	for (int i = 0; i < N; i += 2)
		procs_remove(f.t, procs_find(f.t, cs[i]->name, cs[i]->name));
	ck_assert_uint_eq(procs_count(f.t), N / 2);
	for (int i = 0; i < N; i++)
		ck_assert((procs_find(f.t, cs[i]->name, cs[i]->name) != NULL) == (i % 2 == 1));
	fx_free(&f);
	for (int i = 0; i < N; i++)
		freeproc(cs[i]);
	free(cs);
}
END_TEST

/* depends_on / kind=oneshot by hand: name depends on `on` with cond. */
static void set_dep(struct conf_process *p, const char *on, enum conf_dep_cond cond)
{
	if (!p->s->deps)
		p->s->deps = calloc(1, sizeof(*p->s->deps));
	p->s->deps->v = realloc(p->s->deps->v, (p->s->deps->n + 1) * sizeof(*p->s->deps->v));
	p->s->deps->v[p->s->deps->n].name = strdup(on);
	p->s->deps->v[p->s->deps->n++].cond = cond;
}

static void set_oneshot(struct conf_process *p)
{
	if (!p->s->deps)
		p->s->deps = calloc(1, sizeof(*p->s->deps));
	p->s->deps->oneshot = true;
}

static void free_deps(struct conf_process *p)
{
	if (!p->s->deps)
		return;
	for (size_t i = 0; i < p->s->deps->n; i++)
		free(p->s->deps->v[i].name);
	free(p->s->deps->v);
	free(p->s->deps);
	p->s->deps = NULL;
}

/* The dependency cells: a start request whose condition does not hold
 * starts the dependency and waits (STOPPED, described), DEPS_READY starts
 * it, a failed one-shot is DEP_FAILED (FATAL, named), a stop cancels a
 * wait; a one-shot is never restarted and says how it completed. */
START_TEST(test_dependency_cells)
{
	struct fixture f;
	fx_init(&f);
	const char *ok[] = {"/bin/sh", "-c", "sleep 0.2", NULL};
	const char *bad[] = {"/bin/sh", "-c", "exit 3", NULL};
	const char *run[] = {"/bin/sleep", "30", NULL};
	struct conf_process *job = mkproc("job", ok), *app = mkproc("app", run);
	struct conf_process *fail = mkproc("fail", bad), *dep = mkproc("dep", run);
	struct conf_process *lone = mkproc("lone", run), *never = mkproc("never", run);
	set_oneshot(job);
	job->s->autorestart = CONF_AR_TRUE; /* a one-shot ignores it */
	set_oneshot(fail);
	set_dep(app, "job", CONF_DEP_COMPLETED_OK);
	set_dep(dep, "fail", CONF_DEP_COMPLETED_OK);
	set_dep(lone, "never", CONF_DEP_RUNNING);
	never->s->autostart = false;
	struct proc *pj, *pa, *pf, *pd, *pl, *pn;
	ck_assert_int_eq(procs_add(f.t, job, NULL, 999, &pj), 0);
	ck_assert_int_eq(procs_add(f.t, app, NULL, 999, &pa), 0);
	ck_assert_int_eq(procs_add(f.t, fail, NULL, 999, &pf), 0);
	ck_assert_int_eq(procs_add(f.t, dep, NULL, 999, &pd), 0);
	ck_assert_int_eq(procs_add(f.t, lone, NULL, 999, &pl), 0);
	ck_assert_int_eq(procs_add(f.t, never, NULL, 999, &pn), 0);

	ck_assert_int_eq(proc_start(pa), 0);
	ck_assert_int_eq(pa->state, PROC_STOPPED);
	ck_assert_str_eq(proc_waiting_for(pa), "job (completed_successfully)");
	char buf[256];
	ck_assert_str_eq(proc_description(pa, time(NULL), buf, sizeof(buf)),
			 "waiting for job (completed_successfully)");
	ck_assert(proc_is_running(pj)); /* pulled */
	run_until(&f, pa, PROC_RUNNING, 5000);
	ck_assert_int_eq(pj->state, PROC_EXITED);
	ck_assert(proc_completed_ok(pj));
	ck_assert(strncmp(proc_description(pj, time(NULL), buf, sizeof(buf)), "completed ", 10) ==
		  0);
	ck_assert(strstr(buf, "(exit status 0)"));
	ck_assert(proc_dep_holds(pj, CONF_DEP_RUNNING));
	ck_assert(proc_dep_holds(pj, CONF_DEP_COMPLETED));

	ck_assert_int_eq(proc_start(pd), 0);
	run_until(&f, pd, PROC_FATAL, 5000);
	ck_assert_str_eq(pd->spawnerr,
			 "dependency fail did not complete successfully (exit status 3)");
	ck_assert_int_eq(pf->state, PROC_EXITED); /* not restarted, no BACKOFF */
	ck_assert_int_eq(pf->starts, 1);
	/* a new request answers at once: the dependency still failed */
	ck_assert_int_eq(proc_start(pd), -ECHILD);
	ck_assert_int_eq(pd->state, PROC_FATAL);

	/* never's command is started by the pull; a stop cancels lone's wait */
	ck_assert_int_eq(proc_start(pl), 0);
	ck_assert(proc_waiting_for(pl) != NULL);
	ck_assert_int_eq(proc_stop(pl), 0);
	ck_assert(proc_waiting_for(pl) == NULL);
	ck_assert_int_eq(proc_stop(pl), -ESRCH);
	run_until(&f, pn, PROC_RUNNING, 5000);
	ck_assert_int_eq(pl->state, PROC_STOPPED); /* no longer waits */
	for (size_t i = 0; i < 5 && pl->state == PROC_STOPPED; i++)
		loop_run_once(f.l, 5);
	ck_assert_int_eq(pl->state, PROC_STOPPED);

	proc_stop(pa);
	proc_stop(pn);
	run_until(&f, pa, PROC_STOPPED, 5000);
	run_until(&f, pn, PROC_STOPPED, 5000);
	fx_free(&f);
	struct conf_process *all[] = {job, app, fail, dep, lone, never};
	for (size_t i = 0; i < 6; i++) {
		free_deps(all[i]);
		freeproc(all[i]);
	}
}
END_TEST

int main(void)
{
	supd_conf.childlogdir = "/tmp";
	supd_conf.identifier = "supervisor";
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_exit_expected);
	tcase_add_test(tc, test_generation);
	tcase_add_test(tc, test_backoff_to_fatal);
	tcase_add_test(tc, test_stop_and_signal);
	tcase_add_test(tc, test_stop_escalates_to_sigkill);
	tcase_add_test(tc, test_request_cells);
	tcase_add_test(tc, test_start_errors);
	tcase_add_test(tc, test_descriptions);
	tcase_add_test(tc, test_child_fds);
	tcase_add_test(tc, test_child_stdin);
	tcase_add_test(tc, test_send_stdin);
	tcase_add_test(tc, test_ten_thousand);
	tcase_add_test(tc, test_dependency_cells);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

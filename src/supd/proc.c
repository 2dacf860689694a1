/* supervisord's process state machine (states.py, process.py), driven by
 * events instead of a once-a-second transition() pass, and written as one
 * table: actions[state][event] below is the specification, each cell the
 * action an event takes in a state.  Every state change happens in a cell
 * (or in a helper a cell calls: enter_backoff, enter_running...), never
 * in a request or a callback.  A new event (readiness, a health check, a
 * dependency) is a column, a new condition of an action is in its cell.
 *
 * Each state has at most one deadline, p->timer (startsecs in STARTING,
 * the backoff delay in BACKOFF, stopwaitsecs in STOPPING); its expiry is
 * the TIMER column.  While supd shuts down nothing is spawned. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cron.h"
#include "cgroup.h"
#include "conf_value.h"
#include "proc_check.h"
#include "list.h"
#include "log.h"
#include "output.h"
#include "proc_int.h"
#include "spawn.h"
#include "upgrade.h"

/* ---------------------------------------------------------------- resources */

static void on_timer(struct loop *l, void *arg);
static void on_exec(struct loop *l, int fd, uint32_t events, void *arg);
static void sched_arm(struct proc *p, bool from_now);
static void sched_free(struct proc *p);
static void on_schedule(struct loop *l, void *arg);
static void launch_end(struct proc *p);

static void close_exec(struct proc *p)
{
	if (p->exec_fd < 0)
		return;
	list_unlink(p, exec_link);
	loop_unwatch_fd(p->tab->env.loop, p->exec_fd);
	close(p->exec_fd);
	p->exec_fd = -1;
}

static void close_stdin(struct proc *p)
{
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	p->stdin_fd = -1;
}

static void output_event(struct output *o, enum output_channel ch, enum output_event ev,
			 const char *data, size_t len, void *arg)
{
	(void)o;
	struct proc *p = arg;
	if (p->tab->env.log_event)
		p->tab->env.log_event(p, (int)ch, ev == OUTPUT_EV_COMMUNICATION, data, len,
				      p->tab->env.listener_arg);
}

static void open_output(struct proc *p)
{
	int r = output_new(&p->out, p->tab->outs, p->conf, p->tab->env.supd);
	if (r < 0)
		log_warn("output of '%s': %s", p->conf->name, strerror(-r));
	const struct conf_process *c = p->conf;
	if (p->out && (c->s->out.events_enabled || c->s->err.events_enabled ||
		       c->s->out.capture_maxbytes || c->s->err.capture_maxbytes))
		output_set_events(p->out, output_event, p);
}

void proc_init(struct proc *p)
{
	p->state = PROC_STOPPED;
	p->exec_fd = -1;
	p->stdin_fd = -1;
	loop_timer_init(&p->timer, on_timer, p);
	open_output(p);
	sched_arm(p, true);
}

/* metrics: the kept descriptors (proc_resources_kept). */
struct proc_res {
	pid_t pid;   /* stat_fd's */
	int stat_fd; /* /proc/PID/stat; -1 */
	struct cgroup_statfds cg;
};

static void res_close_stat(struct proc *p)
{
	if (p->res && p->res->stat_fd >= 0) {
		close(p->res->stat_fd);
		p->res->stat_fd = -1;
	}
}

static void res_free(struct proc *p)
{
	if (!p->res)
		return;
	res_close_stat(p);
	cgroup_statfds_close(&p->res->cg);
	free(p->res);
	p->res = NULL;
}

void proc_free(struct proc *p)
{
	check_free(p);
	close_exec(p);
	close_stdin(p);
	free(p->exec_err);
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	sched_free(p);
	output_free(p->out);
	free(p->spawnerr);
	res_free(p);
	if (p->cg) {
		cgroup_close(p->cg->leaf);
		free(p->cg);
	}
	conf_ref_put(p->cref);
	conf_ref_put(p->next_cref);
	proc_deps_free(p);
	free(p);
}

/* ---------------------------------------------------------------- helpers */

const char *proc_state_name(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:
		return "STOPPED";
	case PROC_STARTING:
		return "STARTING";
	case PROC_RUNNING:
		return "RUNNING";
	case PROC_BACKOFF:
		return "BACKOFF";
	case PROC_STOPPING:
		return "STOPPING";
	case PROC_EXITED:
		return "EXITED";
	case PROC_FATAL:
		return "FATAL";
	case PROC_UNKNOWN:
		return "UNKNOWN";
	case PROC_REMOVED:
		return "REMOVED";
	}
	return "UNKNOWN";
}

bool proc_is_stopped(const struct proc *p)
{
	return p->state == PROC_STOPPED || p->state == PROC_EXITED || p->state == PROC_FATAL ||
	       p->state == PROC_UNKNOWN;
}

bool proc_is_running(const struct proc *p)
{
	return p->state == PROC_RUNNING || p->state == PROC_BACKOFF || p->state == PROC_STARTING;
}

const char *proc_exit_text(int st, char *buf, size_t len)
{
	char sn[32];
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "terminated by %s%s",
			 spawn_signame(WTERMSIG(st), sn, sizeof(sn)),
			 WCOREDUMP(st) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "unknown termination cause 0x%04x", st);
	return buf;
}

/* cgroups: "OOM-killed (memory_max=256M)". */
static const char *oom_text(const struct proc *p, char *buf, size_t len)
{
	const struct conf_cgroup *l = p->conf->s->cgroup;
	char v[32];
	if (l && (l->set & CONF_CG_MEMORY_MAX) && l->memory_max != UINT64_MAX)
		snprintf(buf, len, "OOM-killed (memory_max=%s)",
			 cv_limit_name(l->memory_max, v, sizeof(v)));
	else
		snprintf(buf, len, "OOM-killed");
	return buf;
}

enum conf_kill_mode proc_kill_mode(const struct proc *p)
{
	const struct conf_cgroup *l = p->conf->s->cgroup;
	if (l && (l->set & CONF_CG_KILL_MODE))
		return l->kill_mode;
	return p->cg && p->cg->leaf ? CONF_KM_CGROUP : CONF_KM_GROUP;
}

static struct cgroup *leaf_of(const struct proc *p)
{
	return p->cg ? p->cg->leaf : NULL;
}

const char *proc_description(const struct proc *p, time_t now, char *buf, size_t len)
{
	switch (p->state) {
	case PROC_RUNNING: {
		long long up = now > p->laststart ? (long long)(now - p->laststart) : 0;
		long long days = up / 86400, rest = up % 86400;
		if (days)
			snprintf(buf, len, "pid %d, uptime %lld day%s, %lld:%02lld:%02lld",
				 (int)p->pid, days, days == 1 ? "" : "s", rest / 3600,
				 rest / 60 % 60, rest % 60);
		else
			snprintf(buf, len, "pid %d, uptime %lld:%02lld:%02lld", (int)p->pid,
				 rest / 3600, rest / 60 % 60, rest % 60);
		break;
	}
	case PROC_FATAL:
	case PROC_BACKOFF:
		if (p->spawnerr)
			snprintf(buf, len, "%s", p->spawnerr);
		else
			snprintf(buf, len, "unknown error (try \"tail %s\")", p->conf->name);
		break;
	case PROC_EXITED:
		if (p->cg && p->cg->oom) {
			char lim[96];
			snprintf(buf, len, "Exited: %s", oom_text(p, lim, sizeof(lim)));
			break;
		}
		/* fall through */
	case PROC_STOPPED:
		if (proc_waiting_for(p)) {
			snprintf(buf, len, "waiting for %s", proc_waiting_for(p));
		} else if (p->state == PROC_EXITED && conf_is_oneshot(p->conf)) {
			/* a one-shot's end is its result: when and how */
			char when[64], how[96];
			struct tm tm;
			time_t t = p->laststop;
			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%b %d %I:%M %p", &tm);
			snprintf(buf, len, "%s %s (%s)",
				 proc_completed_ok(p) ? "completed" : "failed", when,
				 proc_exit_text(p->wstatus, how, sizeof(how)));
		} else if (p->laststart) {
			struct tm tm;
			time_t t = p->laststop;
			localtime_r(&t, &tm);
			strftime(buf, len, "%b %d %I:%M %p", &tm);
		} else {
			snprintf(buf, len, "Not started");
		}
		break;
	default:
		if (len)
			buf[0] = 0;
	}
	time_t next = proc_next_run(p);
	size_t n = strlen(buf);
	/* svc-kinds: FATAL with a deadline waits for fatal_retry_after */
	if (p->state == PROC_FATAL && loop_timer_armed(&p->timer) && n + 32 < len) {
		int64_t left = p->timer.when_ms - loop_now_ms();
		n += (size_t)snprintf(buf + n, len - n, ", retry in %lld s",
				      (long long)(left > 0 ? (left + 999) / 1000 : 0));
	}
	if (next && n + 40 < len) {
		struct tm tm;
		localtime_r(&next, &tm);
		n += (size_t)snprintf(buf + n, len - n, "%snext run ", n ? ", " : "");
		strftime(buf + n, len - n, "%Y-%m-%d %H:%M:%S", &tm);
	}
	/* readiness, health, STATUS= (only with checks) */
	if (p->state == PROC_STARTING || p->state == PROC_RUNNING)
		check_describe(p, buf, len);
	return buf;
}

static void set_spawnerr(struct proc *p, const char *msg)
{
	free(p->spawnerr);
	p->spawnerr = msg ? strdup(msg) : NULL;
}

/* ---------------------------------------------------------------- transitions */

/* The state changes, and the hooks see it. */
static void change_state(struct proc *p, enum proc_state to)
{
	enum proc_state from = p->state;
	if (from == to)
		return;
	p->state = to;
	if (to == PROC_STARTING)
		p->starts++; /* restarts = starts - 1 (metrics) */
	struct proc_hook *h, *next;
	list_foreach_safe (h, p->tab->hooks, link, next) {
		h->cb(p, from, to, h->arg);
	}
	proc_deps_changed(p->tab);
}

/* FATAL; with fatal_retry_after (svc-kinds), FATAL's deadline is the next
 * try (its TIMER cell). */
static int give_up(struct proc *p)
{
	const struct conf_kinds *k = p->conf->s->kinds;
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	p->backoff = 0;
	change_state(p, PROC_FATAL);
	log_info("gave up: %s entered FATAL state, too many start retries too quickly",
		 p->conf->name);
	if (k && k->fatal_retry_after_ms > 0 && !p->tab->shutting_down) {
		loop_timer_arm(p->tab->env.loop, &p->timer,
			       loop_now_ms() + k->fatal_retry_after_ms);
		log_info("%s: trying again in %lld ms (fatal_retry_after)", p->conf->name,
			 (long long)k->fatal_retry_after_ms);
	}
	return 0;
}

/* The delay before the next try after p->backoff failed starts in a row.
 * supervisord's: n seconds.  Exponential (svc-kinds): 1 s, 2 s, 4 s... up
 * to backoff_max, each up to a fifth shorter at random, so that programs
 * which failed together (a database went away) do not retry in step. */
static int64_t backoff_delay_ms(const struct proc *p)
{
	const struct conf_kinds *k = p->conf->s->kinds;
	if (!k || k->backoff != CONF_BACKOFF_EXPONENTIAL)
		return 1000LL * p->backoff;
	int64_t d = k->backoff_max_ms;
	if (p->backoff <= 30 && (1000LL << (p->backoff - 1)) < d)
		d = 1000LL << (p->backoff - 1);
	return d - (int64_t)arc4random_uniform((uint32_t)(d / 5) + 1);
}

/* The n-th failed start in a row waits backoff_delay_ms, unless it is one
 * too many.  The count is up before the hooks run: BACKOFF's event says
 * it. */
static int enter_backoff(struct proc *p)
{
	launch_end(p);
	p->backoff++;
	int64_t delay = backoff_delay_ms(p);
	loop_timer_arm(p->tab->env.loop, &p->timer, loop_now_ms() + delay);
	change_state(p, PROC_BACKOFF);
	if (p->backoff > p->conf->s->startretries)
		give_up(p);
	else if (p->conf->s->kinds && p->conf->s->kinds->backoff == CONF_BACKOFF_EXPONENTIAL)
		log_info("%s: retrying in %lld ms (backoff=exponential, failure %d)", p->conf->name,
			 (long long)delay, p->backoff);
	return 0;
}

/* With backoff_reset (svc-kinds), the count of failed starts survives
 * RUNNING: it is reset by a run that lasted backoff_reset (exited). */
static void enter_running(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	if (!p->conf->s->kinds || !p->conf->s->kinds->backoff_reset_ms)
		p->backoff = 0;
	change_state(p, PROC_RUNNING);
	if (check_has_ready(p))
		log_info("success: %s entered RUNNING state, its ready check passed",
			 p->conf->name);
	else
		log_info("success: %s entered RUNNING state, process has stayed up for > than %d "
			 "seconds (startsecs)",
			 p->conf->name, p->conf->s->startsecs);
	check_running(p);
}

/* kill() failed for another reason than a gone process (LOST): supd no
 * longer knows what the process does. */
static int enter_unknown(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	change_state(p, PROC_UNKNOWN);
	return -EIO;
}

/* Sends sig to the process (or its group) and (re)arms the stop deadline:
 * STOPPING until it is reaped. */
static int kill_proc(struct proc *p, int sig)
{
	char sn[32];
	if (!p->pid) {
		log_debug("attempted to kill %s with sig %s but it wasn't running", p->conf->name,
			  spawn_signame(sig, sn, sizeof(sn)));
		return -ESRCH;
	}
	check_halt(p); /* no verdicts on a process being stopped */
	bool as_group =
	    p->state == PROC_STOPPING ? p->conf->s->killasgroup : p->conf->s->stopasgroup;
	/* cgroups: kill_mode=cgroup signals every process of the leaf, and
	 * kill_mode=group (or a shutdown) kills them all at the SIGKILL. */
	struct cgroup *leaf = leaf_of(p);
	enum conf_kill_mode km = proc_kill_mode(p);
	bool all = leaf && (km == CONF_KM_CGROUP ||
			    (sig == SIGKILL && (km == CONF_KM_GROUP || p->tab->shutting_down)));
	log_debug("killing %s (pid %d) %swith signal %s", p->conf->name, (int)p->pid,
		  all	     ? "and every process of its cgroup "
		  : as_group ? "process group "
			     : "",
		  spawn_signame(sig, sn, sizeof(sn)));
	int64_t deadline = loop_now_ms() + 1000LL * p->conf->s->stopwaitsecs;
	loop_timer_arm(p->tab->env.loop, &p->timer, deadline);
	if (p->cg)
		p->cg->stop_deadline_ms = deadline;
	change_state(p, PROC_STOPPING);
	if (all) {
		int r = sig == SIGKILL ? cgroup_kill(leaf) : cgroup_signal(leaf, sig);
		if (r >= 0)
			return 0; /* none signalled: it exited, the reaper will say so */
		char path[PATH_MAX];
		log_warn("cannot signal the cgroup of '%s' (%s): %s", p->conf->name,
			 cgroup_path(leaf, path, sizeof(path)), strerror(-r));
	}
	if (kill(as_group ? -p->pid : p->pid, sig) < 0) {
		if (errno == ESRCH) {
			/* It exited on its own; the reaper will say so. */
			log_debug("unable to signal %s (pid %d), it probably just exited on its "
				  "own: %s",
				  p->conf->name, (int)p->pid, strerror(errno));
			return 0;
		}
		log_crit("unknown problem killing %s (%d): %s", p->conf->name, (int)p->pid,
			 strerror(errno));
		return proc_event(p, PROC_EV_LOST);
	}
	return 0;
}

/* A spawn's outcome is known: err says why the child failed before its
 * exec, or NULL: it exec'd (SPAWNED).  A failure is only recorded here,
 * and the clock stopped so that STARTING does not become RUNNING: the
 * child _exits, and its reaping is the SPAWN_FAILED event. */
static void exec_outcome(struct proc *p, const char *err)
{
	if (!err) {
		proc_event(p, PROC_EV_SPAWNED);
		return;
	}
	free(p->exec_err);
	p->exec_err = strdup(err);
	if (!p->exec_err)
		p->exec_err = strdup("spawn error");
	loop_timer_cancel(p->tab->env.loop, &p->timer);
}

/* The error pipe spoke: EOF (exec'd) or the child's failure. */
static void settle_exec(struct proc *p)
{
	char err[512];
	int r = spawn_exec_result(p->exec_fd, p->conf, err, sizeof(err));
	if (r == 1)
		return;
	close_exec(p);
	exec_outcome(p, r < 0 ? err : NULL);
}

void procs_settle_execs(struct procs *t)
{
	struct proc *p, *next;
	list_foreach_safe (p, t->execs, exec_link, next) {
		settle_exec(p);
	}
}

static void on_exec(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	settle_exec(arg);
}

static void on_timer(struct loop *l, void *arg)
{
	(void)l;
	proc_event(arg, PROC_EV_TIMER);
}

/* ---------------------------------------------------------------- schedules */

/* svc-kinds: a scheduled program's own deadline (p->timer belongs to its
 * state), the next run's wall-clock time for status, and for @every the
 * monotonic time it is due (each run due one period after the last, so
 * the runs do not drift by the time it takes to start one). */
struct proc_kinds {
	struct loop_timer sched;
	time_t next_run; /* 0: never due again */
	int64_t due_ms;	 /* @every */
	/* pidfile=: the launcher runs, or its daemon's pid is awaited */
	bool launching;
	int ino_fd; /* inotify on the pid file's directory while awaited; -1 */
	int pidfd;  /* the adopted daemon, for its exit if not supd's child; -1 */
};

static bool scheduled(const struct proc *p)
{
	return p->conf->s->kinds && p->conf->s->kinds->schedule;
}

time_t proc_next_run(const struct proc *p)
{
	return p->kinds ? p->kinds->next_run : 0;
}

static int64_t real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool forking(const struct proc *p)
{
	return p->conf->s->kinds && p->conf->s->kinds->pidfile;
}

static bool launching(const struct proc *p)
{
	return p->kinds && p->kinds->launching;
}

static struct proc_kinds *kinds_get(struct proc *p)
{
	if (!p->kinds) {
		p->kinds = calloc(1, sizeof(*p->kinds));
		if (!p->kinds) {
			log_warn("'%s': %s", p->conf->name, strerror(ENOMEM));
			return NULL;
		}
		loop_timer_init(&p->kinds->sched, on_schedule, p);
		p->kinds->ino_fd = -1;
		p->kinds->pidfd = -1;
	}
	return p->kinds;
}

/* Unwatches and closes one of p->kinds' fds (-1: none). */
static void drop_fd(struct proc *p, int *fd)
{
	if (*fd >= 0) {
		loop_unwatch_fd(p->tab->env.loop, *fd);
		close(*fd);
		*fd = -1;
	}
}

static void unwatch_pidfile(struct proc *p)
{
	if (p->kinds)
		drop_fd(p, &p->kinds->ino_fd);
}

/* Not (or no longer) waiting for a launcher or its pid file. */
static void launch_end(struct proc *p)
{
	if (p->kinds) {
		p->kinds->launching = false;
		unwatch_pidfile(p);
	}
}

static void close_pidfd(struct proc *p)
{
	if (p->kinds)
		drop_fd(p, &p->kinds->pidfd);
}

static void sched_free(struct proc *p)
{
	if (!p->kinds)
		return;
	loop_timer_cancel(p->tab->env.loop, &p->kinds->sched);
	unwatch_pidfile(p);
	close_pidfd(p);
	free(p->kinds);
	p->kinds = NULL;
}

static void on_schedule(struct loop *l, void *arg)
{
	(void)l;
	struct proc *p = arg;
	/* the wall clock was set back since the timer was armed: not due */
	if (!p->kinds->due_ms && real_ms() < (int64_t)p->kinds->next_run * 1000 - 1000) {
		sched_arm(p, true);
		return;
	}
	proc_event(p, PROC_EV_SCHEDULE);
	sched_arm(p, false);
}

/* Arms the next run of p's schedule (none: frees the state): from now, or
 * after the run just due.  A crontab time is a wall-clock time (cron.h);
 * the loop's deadline is monotonic, so a clock set forward runs it late
 * and a clock set back is noticed when the deadline comes. */
static void sched_arm(struct proc *p, bool from_now)
{
	struct loop *loop = p->tab->env.loop;
	if (!scheduled(p)) {
		if (p->kinds) {
			loop_timer_cancel(loop, &p->kinds->sched);
			p->kinds->next_run = 0;
		}
		if (!forking(p) && !p->pid)
			sched_free(p);
		return;
	}
	if (!p->kinds)
		from_now = true;
	struct proc_kinds *k = kinds_get(p);
	if (!k)
		return;
	struct cron c;
	const char *why;
	if (cron_parse(p->conf->s->kinds->schedule, &c, &why) < 0)
		return; /* the config checked it */
	int64_t now = loop_now_ms(), rnow = real_ms();
	if (c.every_ms) {
		k->due_ms = from_now ? now + c.every_ms : k->due_ms + c.every_ms;
		/* runs missed while the machine slept are not made up */
		if (k->due_ms <= now)
			k->due_ms = now + c.every_ms;
		k->next_run = (time_t)((rnow + k->due_ms - now + 999) / 1000);
		loop_timer_arm(loop, &k->sched, k->due_ms);
		return;
	}
	k->due_ms = 0;
	time_t after = (time_t)(rnow / 1000);
	/* the deadline may come a little before the wall clock says */
	if (!from_now && k->next_run > after)
		after = k->next_run;
	time_t next = cron_next(&c, after);
	if (next < 0) {
		log_warn("schedule of '%s' ('%s') is never due", p->conf->name,
			 p->conf->s->kinds->schedule);
		k->next_run = 0;
		loop_timer_cancel(loop, &k->sched);
		return;
	}
	k->next_run = next;
	loop_timer_arm(loop, &k->sched, now + ((int64_t)next * 1000 - rnow));
}

/* ---------------------------------------------------------------- forking daemons */

/* svc-kinds, pidfile=: the command is a launcher; once it exits 0, the
 * process named by the pid file is the program.  supd is a child
 * subreaper, so the daemon, orphaned by the launcher, becomes supd's child
 * and its exit is reaped like any other.  The launcher's exit and the pid
 * file must come within this long of the start. */
#define PIDFILE_WAIT_MS 10000

/* The pid the file names, when it is a running process; 0 otherwise (no
 * file yet, half written, stale). */
static pid_t read_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	end += strspn(end, " \t\r\n");
	if (errno || *end || v <= 1 || v > INT_MAX)
		return 0;
	if (kill((pid_t)v, 0) < 0 && errno != EPERM)
		return 0;
	return (pid_t)v;
}

/* The adopted daemon exited but was not reaped: not supd's child (a
 * process between them still runs), so its status is unknown. */
static void on_pidfd(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	struct proc *p = arg;
	pid_t pid = p->pid;
	int st;
	close_pidfd(p);
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		proc_exited(p, st);
	} else if (r < 0) {
		log_warn(
		    "'%s' (pid %d) exited, but not as supd's child: its exit status is unknown",
		    p->conf->name, (int)pid);
		proc_exited(p, W_EXITCODE(255, 0));
	}
}

/* The daemon runs: it is the program from now on, STARTING for startsecs
 * from now. */
static void adopt(struct proc *p, pid_t pid)
{
	struct procs *t = p->tab;
	struct proc_kinds *k = p->kinds;
	launch_end(p);
	p->pid = pid;
	p->last_pid = pid;
	procs_pid_insert(t, p);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0 && loop_watch_fd(t->env.loop, fd, EPOLLIN, on_pidfd, p) == 0)
		k->pidfd = fd;
	else if (fd >= 0)
		close(fd);
	log_info("adopted: '%s' is pid %d (from %s)", p->conf->name, (int)pid,
		 p->conf->s->kinds->pidfile);
	p->start_ms = loop_now_ms();
	loop_timer_cancel(t->env.loop, &p->timer);
	if (p->conf->s->startsecs > 0)
		loop_timer_arm(t->env.loop, &p->timer,
			       p->start_ms + 1000LL * p->conf->s->startsecs + 1);
	else
		enter_running(p);
}

static void on_pidfile_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	struct proc *p = arg;
	char buf[4096];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pid_t pid = read_pidfile(p->conf->s->kinds->pidfile);
	if (pid)
		adopt(p, pid);
}

/* Watches the pid file's directory until the file names a live process. */
static void watch_pidfile(struct proc *p)
{
	const char *path = p->conf->s->kinds->pidfile;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir))
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 ||
	    inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) < 0 ||
	    loop_watch_fd(p->tab->env.loop, fd, EPOLLIN, on_pidfile_event, p) < 0) {
		/* the deadline still ends the wait */
		log_warn("'%s': cannot watch %s for its pid file: %s", p->conf->name, dir,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	p->kinds->ino_fd = fd;
}

/* STARTING's launcher was reaped: exit 0 and the daemon's pid (now, or
 * when the file names a running process), else a failed start. */
static int launcher_exited(struct proc *p)
{
	const char *path = p->conf->s->kinds->pidfile;
	char msg[128], why[192];
	proc_exit_text(p->wstatus, msg, sizeof(msg));
	if (!WIFEXITED(p->wstatus) || WEXITSTATUS(p->wstatus) != 0) {
		snprintf(why, sizeof(why), "the launcher failed (%s)", msg);
		set_spawnerr(p, why);
		log_warn("exited: %s (%s; its launcher must exit 0 once %s is written)",
			 p->conf->name, msg, path);
		return enter_backoff(p);
	}
	log_debug("'%s': the launcher exited 0, reading %s", p->conf->name, path);
	pid_t pid = read_pidfile(path);
	if (!pid) {
		watch_pidfile(p);
		/* written between the read and the watch */
		pid = read_pidfile(path);
	}
	if (pid)
		adopt(p, pid);
	return 0;
}

/* STARTING's deadline while launching: the launcher is stuck (killed:
 * its exit is the failed start), or the pid file never named a process. */
static int launch_timeout(struct proc *p)
{
	char why[PATH_MAX + 64];
	if (p->pid) {
		log_warn("'%s': the launcher did not exit within %d s: killing it with SIGKILL",
			 p->conf->name, PIDFILE_WAIT_MS / 1000);
		kill(p->pid, SIGKILL);
		return 0;
	}
	snprintf(why, sizeof(why), "%s named no running process within %d s",
		 p->conf->s->kinds->pidfile, PIDFILE_WAIT_MS / 1000);
	set_spawnerr(p, why);
	log_warn("'%s': %s", p->conf->name, why);
	return enter_backoff(p);
}

static bool wants_restart(const struct proc *p, bool expected)
{
	/* a scheduled program's run ends with its exit */
	if (scheduled(p))
		return false;
	if (conf_is_oneshot(p->conf))
		return false; /* its exit is its end, whatever autorestart says */
	switch (p->conf->s->autorestart) {
	case CONF_AR_TRUE:
		return true;
	case CONF_AR_UNEXPECTED:
		return !expected;
	case CONF_AR_FALSE:
		return false;
	}
	return false;
}

/* Whether the last exit (p->exitstatus) is in exitcodes; its text in msg. */
static bool exit_expected(const struct proc *p, char *msg, size_t len)
{
	proc_exit_text(p->wstatus, msg, len);
	if (p->cg && p->cg->oom) {
		size_t l = strlen(msg);
		char o[96];
		snprintf(msg + l, len - l, ", %s", oom_text(p, o, sizeof(o)));
	}
	return p->exitstatus >= 0 && conf_exitcode_expected(p->conf, p->exitstatus);
}

/* ---------------------------------------------------------------- the actions */

typedef int proc_action(struct proc *p);

static int nothing(struct proc *p)
{
	(void)p;
	return 0;
}

static int refuse_started(struct proc *p)
{
	(void)p;
	return -EALREADY;
}

static int refuse_not_running(struct proc *p)
{
	(void)p;
	return -ESRCH;
}

static int refuse_unknown(struct proc *p)
{
	(void)p;
	return -EIO;
}

/* cgroups: writes p's limits into its leaf; a limit the leaf cannot
 * take (its controller not delegated) is said, naming both. */
static void set_limits(struct proc *p, struct cgroup *leaf)
{
	unsigned missing = 0;
	char err[PATH_MAX + 64];
	int r = cgroup_set_limits(leaf, p->conf->s->cgroup, &missing, err, sizeof(err));
	if (r < 0)
		log_warn("limits of '%s': %s", p->conf->name, err);
	for (unsigned b = 1; b <= CGROUP_C_IO; b <<= 1)
		if (missing & b)
			log_warn("program '%s': its %s limits are not applied: the %s controller "
				 "is not available in %s (doc/cgroups.md)",
				 p->conf->name, cgroups_controller_name(b),
				 cgroups_controller_name(b), cgroups_base(p->tab->env.cgroups));
}

/* cgroups: p's leaf, made at its first start (NULL: cgroups are off, or
 * the leaf could not be made: it runs in supd's cgroup, said once). */
/* known: an upgrade in place takes over p's process, whose leaf the old
 * image made. */
static struct cgroup *open_leaf(struct proc *p, bool known)
{
	struct cgroups *cg = p->tab->env.cgroups;
	if (p->cg)
		return p->cg->leaf;
	if (!cg) {
		if (cgroup_limits_need(p->conf->s->cgroup))
			log_warn("program '%s': its cgroup limits are not applied: supd runs "
				 "without cgroups",
				 p->conf->name);
		return NULL;
	}
	p->cg = calloc(1, sizeof(*p->cg));
	if (!p->cg)
		return NULL;
	int r = known ? cgroup_reopen(cg, p->conf->group, p->conf->name, &p->cg->leaf)
		      : cgroup_open(cg, p->conf->group, p->conf->name, &p->cg->leaf);
	if (r < 0) {
		log_warn("no cgroup for '%s' under %s: %s; it runs in supd's cgroup", p->conf->name,
			 cgroups_base(cg), strerror(-r));
		return NULL;
	}
	/* (an upgrade's leaf has the limits the old image wrote: an upgrade
	 * needs the config unchanged) */
	if (!known)
		set_limits(p, p->cg->leaf);
	return p->cg->leaf;
}

void proc_apply_limits(struct proc *p)
{
	if (p->cg && p->cg->leaf)
		set_limits(p, p->cg->leaf);
}

/* /proc/PID's CPU time, RSS and peak RSS. */
static int pid_resources(pid_t pid, struct proc_resources *r)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the fields after the command, which may hold ')' */
	char *rest = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	long long rss = 0;
	if (!rest || sscanf(rest + 2,
			    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
			    "%*d %*d %*d %*u %*u %lld",
			    &ut, &st, &rss) != 3)
		return -EIO;
	long hz = sysconf(_SC_CLK_TCK);
	r->cpu_usec = (int64_t)((ut + st) * (1000000ULL / (unsigned long long)(hz > 0 ? hz : 100)));
	r->mem_current = rss * sysconf(_SC_PAGESIZE);
	r->nprocs = 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f) {
		char line[256];
		long long kb;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
				r->mem_peak = kb * 1024;
		fclose(f);
	}
	return 0;
}

static void res_init(const struct proc *p, struct proc_resources *r)
{
	memset(r, 0, sizeof(*r));
	r->cpu_usec = r->mem_current = r->mem_peak = r->nprocs = r->threads = r->oom_kills = -1;
	r->oom_killed = p->cg && p->cg->oom;
}

static void res_from_leaf(struct proc_resources *r, const struct cgroup_stats *s)
{
	r->cgroup = true;
	r->cpu_usec = (int64_t)s->cpu_usec;
	r->mem_current = s->mem_current;
	r->mem_peak = s->mem_peak;
	r->nprocs = s->nprocs;
	r->oom_kills = s->mem_current >= 0 ? (int64_t)s->oom_kills : -1;
}

int proc_resources(const struct proc *p, struct proc_resources *r)
{
	res_init(p, r);
	struct cgroup *leaf = leaf_of(p);
	struct cgroup_stats s;
	if (leaf && cgroup_stats(leaf, &s) == 0) {
		res_from_leaf(r, &s);
		return 0;
	}
	if (!p->pid)
		return -ESRCH;
	return pid_resources(p->pid, r);
}

int proc_resources_kept(struct proc *p, int procfd, int *budget, struct proc_resources *r,
			char *stat, size_t len)
{
	res_init(p, r);
	if (!p->res) {
		if (!(p->res = malloc(sizeof(*p->res))))
			return -ENOMEM;
		p->res->pid = 0;
		p->res->stat_fd = -1;
		cgroup_statfds_init(&p->res->cg);
	}
	struct proc_res *k = p->res;
	struct cgroup *leaf = leaf_of(p);
	struct cgroup_stats s;
	if (leaf && cgroup_stats_kept(leaf, &k->cg, budget, &s) == 0) {
		res_from_leaf(r, &s);
		return 0;
	}
	if (!p->pid || procfd < 0)
		return -ESRCH;
	if (k->pid != p->pid)
		res_close_stat(p); /* a pidfile= program's pid changed */
	ssize_t n = -1;
	if (k->stat_fd >= 0)
		n = pread(k->stat_fd, stat, len - 1, 0);
	if (n <= 0) {
		res_close_stat(p);
		char path[32];
		snprintf(path, sizeof(path), "%d/stat", (int)p->pid);
		int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = pread(fd, stat, len - 1, 0);
		if (n > 0 && budget && *budget > 0) {
			k->stat_fd = fd;
			k->pid = p->pid;
			--*budget;
		} else {
			close(fd);
		}
		if (n <= 0)
			return -EIO;
	}
	stat[n] = 0;
	r->nprocs = 1;
	return 1;
}

/* -> STARTING, then RUNNING (startsecs=0 and the exec known at once),
 * STARTING (startsecs armed) or BACKOFF (spawn error, -ECHILD). */
static int start(struct proc *p)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	if (p->pid) {
		log_warn("process '%s' already running", c->name);
		return -EALREADY;
	}
	set_spawnerr(p, NULL);
	p->laststart = time(NULL);
	p->start_ms = loop_now_ms();
	loop_timer_cancel(t->env.loop, &p->timer);
	change_state(p, PROC_STARTING);

	struct spawn_req req = {
	    .p = c,
	    .server_url = c->s->serverurl ? c->s->serverurl : t->env.server_url,
	    .environ = t->env.environ,
	    .no_pipes = p->out == NULL,
	    .no_stdin_pipe = t->env.no_stdin_pipes,
	    .child_nofile = t->env.child_nofile,
	    .slots = t->env.slots,
	    .cgroup_fd = -1,
	};
	struct spawn_child ch;
	char err[512];
	int r = 0;
	/* svc-kinds: a stale pid file would name another process */
	if (forking(p) && kinds_get(p)) {
		if (unlink(c->s->kinds->pidfile) < 0 && errno != ENOENT)
			log_warn("'%s': removing the old %s: %s", c->name, c->s->kinds->pidfile,
				 strerror(errno));
		p->kinds->launching = true;
	}
	char procs[PATH_MAX];
	struct cgroup *leaf = open_leaf(p, false);
	if (leaf) {
		req.cgroup_procs = cgroup_procs_path(leaf, procs, sizeof(procs));
		req.cgroup_fd = cgroup_dir(leaf); /* < 0: the child joins by its path */
		if (cgroup_oom_kills(leaf, &p->cg->oom_base) < 0)
			p->cg->oom_base = 0;
	}
	if (c->s->kind == CONF_FCGI) {
		req.fcgi = true;
		if (t->env.fcgi_socket) {
			r = req.fcgi_fd = t->env.fcgi_socket(c, err, sizeof(err), t->env.fcgi_arg);
		} else {
			snprintf(err, sizeof(err), "no FastCGI sockets here");
			r = -ENOSYS;
		}
	}
	if (r >= 0)
		r = check_prepare(p, &req, err, sizeof(err));
	if (r >= 0)
		r = spawn_start(&req, &ch, err, sizeof(err));
	if (req.cgroup_fd >= 0)
		close(req.cgroup_fd);
	check_spawned(p, r >= 0);
	if (r < 0) {
		set_spawnerr(p, err);
		log_info("spawnerr: %s", err);
		proc_event(p, PROC_EV_SPAWN_FAILED);
		return -ECHILD;
	}
	p->pid = ch.pid;
	p->last_pid = ch.pid;
	p->stdin_fd = ch.fd_in;
	if (ch.fd_in < 0 && !t->env.no_stdin_pipes && !req.fcgi)
		log_warn("no stdin pipe for '%s' (too many open files): its stdin is /dev/null",
			 c->name);
	procs_pid_insert(t, p);
	if (c->s->kind == CONF_EVENTLISTENER && t->env.listener_attach && ch.fd_out >= 0) {
		int rl = t->env.listener_attach(p, ch.fd_out, t->env.listener_arg);
		if (rl == 0)
			ch.fd_out = -1;
		else
			log_warn("event listener '%s': %s", c->name, strerror(-rl));
	}
	if (p->out) {
		output_set_pid(p->out, ch.pid);
		int ra = output_attach(p->out, ch.fd_out, ch.fd_err);
		if (ra < 0)
			log_warn("output of '%s': %s", c->name, strerror(-ra));
	}
	log_info("spawned: '%s' with pid %d", c->name, (int)ch.pid);
	free(p->exec_err);
	p->exec_err = NULL;
	if (launching(p))
		loop_timer_arm(t->env.loop, &p->timer, p->start_ms + PIDFILE_WAIT_MS);
	else if (c->s->startsecs > 0)
		loop_timer_arm(t->env.loop, &p->timer, p->start_ms + 1000LL * c->s->startsecs + 1);
	if (ch.fd_exec < 0) {
		/* The outcome is known already (spawn.h). */
		exec_outcome(p, ch.exec_err[0] ? ch.exec_err : NULL);
		return 0;
	}
	p->exec_fd = ch.fd_exec;
	list_push(&t->execs, p, exec_link);
	if (loop_watch_fd(t->env.loop, p->exec_fd, EPOLLIN, on_exec, p) < 0) {
		/* Unwatched, it is taken as exec'd; a failure is read when
		 * the child is reaped. */
		proc_event(p, PROC_EV_SPAWNED);
	}
	return 0;
}

/* STARTING's exec is confirmed: with startsecs=0 that is RUNNING (with a
 * ready check, once it passed). */
static int spawned(struct proc *p)
{
	/* a launcher's exec is not the daemon's start; with a ready check,
	 * RUNNING waits for it */
	if (p->conf->s->startsecs <= 0 && !launching(p) &&
	    (!check_has_ready(p) || check_ready_passed(p)))
		enter_running(p);
	return 0;
}

/* STARTING lasted startsecs: RUNNING, unless the child turns out to have
 * failed before its exec (its answer may be waiting in the pipe), or its
 * ready check has not passed yet (READY will say).  A process that did
 * not get ready in time and ignores its stopsignal gets SIGKILL. */
static int started(struct proc *p)
{
	if (check_abandoned(p)) {
		log_warn("killing '%s' (%d) with SIGKILL", p->conf->name, (int)p->pid);
		if (kill(p->conf->s->killasgroup ? -p->pid : p->pid, SIGKILL) == 0)
			loop_timer_arm(p->tab->env.loop, &p->timer,
				       loop_now_ms() + 1000LL * p->conf->s->stopwaitsecs);
		return 0;
	}
	if (p->exec_fd >= 0)
		settle_exec(p);
	if (!p->exec_err && p->state == PROC_STARTING &&
	    (!check_has_ready(p) || check_ready_passed(p)))
		enter_running(p);
	return 0;
}

/* The ready check passed: RUNNING once startsecs has passed too (else
 * the startsecs timer makes it RUNNING). */
static int ready(struct proc *p)
{
	if (loop_now_ms() - p->start_ms < 1000LL * p->conf->s->startsecs)
		return 0;
	if (p->exec_fd >= 0)
		settle_exec(p);
	if (launching(p) && !p->exec_err)
		return launch_timeout(p);
	if (!p->exec_err && p->state == PROC_STARTING)
		enter_running(p);
	return 0;
}

/* The ready check did not pass within ready_timeout: a failed start.  The
 * process is stopped as a stop would (stopsignal, SIGKILL after
 * stopwaitsecs) but stays STARTING, so that its exit is the failed start
 * (BACKOFF, then FATAL after startretries) with the check's error. */
static int not_ready(struct proc *p)
{
	char sn[32];
	set_spawnerr(p, check_last_error(p));
	check_abandon(p);
	log_debug("killing %s (pid %d) with signal %s: not ready", p->conf->name, (int)p->pid,
		  spawn_signame(p->conf->s->stopsignal, sn, sizeof(sn)));
	loop_timer_arm(p->tab->env.loop, &p->timer,
		       loop_now_ms() + 1000LL * p->conf->s->stopwaitsecs);
	if (kill(p->conf->s->stopasgroup ? -p->pid : p->pid, p->conf->s->stopsignal) < 0 &&
	    errno != ESRCH) {
		log_crit("unknown problem killing %s (%d): %s", p->conf->name, (int)p->pid,
			 strerror(errno));
		return proc_event(p, PROC_EV_LOST);
	}
	return 0;
}

/* health_retries probes failed in a row (or the watchdog starved):
 * health_action.  A restart is a stop then a start; after startretries
 * restarts in a row without a passing probe the program goes FATAL. */
static int unhealthy(struct proc *p)
{
	const struct conf_checks *k = p->conf->s->checks;
	switch (k->health_action) {
	case CONF_HA_NONE:
		return 0;
	case CONF_HA_STOP:
		set_spawnerr(p, check_last_error(p));
		check_set_after(p, CHECK_AFTER_NOTHING);
		log_info("stopping %s: %s", p->conf->name, check_last_error(p));
		return kill_proc(p, p->conf->s->stopsignal);
	case CONF_HA_RESTART:
		break;
	}
	if (check_health_restarts(p) >= p->conf->s->startretries) {
		char msg[320];
		snprintf(msg, sizeof(msg), "%s (gave up after %d health restarts)",
			 check_last_error(p), check_health_restarts(p));
		set_spawnerr(p, msg);
		check_set_after(p, CHECK_AFTER_FATAL);
		log_info("stopping %s for good: %s", p->conf->name, msg);
	} else {
		check_count_health_restart(p);
		set_spawnerr(p, check_last_error(p));
		check_set_after(p, CHECK_AFTER_RESTART);
		log_info("restarting %s: %s", p->conf->name, check_last_error(p));
	}
	return kill_proc(p, p->conf->s->stopsignal);
}

/* A stop is down: STOPPED, or FATAL after too many health restarts.
 * Returns what the stop was for (a restart: the caller starts it once it
 * has said so). */
static enum check_after stopped_state(struct proc *p)
{
	enum check_after a = check_take_after(p);
	if (a == CHECK_AFTER_FATAL) {
		check_reset_health_restarts(p);
		change_state(p, PROC_FATAL);
		log_info("gave up: %s entered FATAL state, %s", p->conf->name, p->spawnerr);
	} else {
		change_state(p, PROC_STOPPED);
	}
	return a;
}

/* health_action=restart: started again once stopped. */
static void restart_for_health(struct proc *p, enum check_after a)
{
	struct procs *t = p->tab;
	if (a == CHECK_AFTER_RESTART && !t->shutting_down && !p->removing && !p->next_conf)
		start(p);
}

/* BACKOFF's delay passed: try again (giving up was decided on entry). */
static int retry(struct proc *p)
{
	if (!p->tab->shutting_down && p->backoff <= p->conf->s->startretries)
		start(p);
	return 0;
}

static int stop(struct proc *p)
{
	/* svc-kinds: awaiting the pid file, nothing to signal */
	if (launching(p) && !p->pid) {
		launch_end(p);
		loop_timer_cancel(p->tab->env.loop, &p->timer);
		change_state(p, PROC_STOPPED);
		log_info("stopped: %s (before its pid file named a process)", p->conf->name);
		return 0;
	}
	return kill_proc(p, p->conf->s->stopsignal);
}

static void finish_pending(struct proc *p);
static int exited_stopping(struct proc *p);

/* BACKOFF has nothing to signal: STOPPED at once, and a reload waiting
 * for it to stop acts now. */
static int stop_backoff(struct proc *p)
{
	log_debug("Attempted to kill %s, which is in BACKOFF state.", p->conf->name);
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	change_state(p, PROC_STOPPED);
	finish_pending(p);
	return 0;
}

/* STOPPING's stopwaitsecs passed: SIGKILL, again every stopwaitsecs. */
static int kill_hard(struct proc *p)
{
	if (!p->pid && p->cg && p->cg->waiting) {
		log_warn("killing what is left of '%s' in its cgroup with SIGKILL", p->conf->name);
		int r = cgroup_kill(p->cg->leaf);
		char path[PATH_MAX];
		if (r < 0)
			log_warn("cannot kill the cgroup of '%s' (%s): %s", p->conf->name,
				 cgroup_path(p->cg->leaf, path, sizeof(path)), strerror(-r));
		loop_timer_arm(p->tab->env.loop, &p->timer,
			       loop_now_ms() + 1000LL * p->conf->s->stopwaitsecs);
		return 0;
	}
	log_warn("killing '%s' (%d) with SIGKILL", p->conf->name, (int)p->pid);
	return kill_proc(p, SIGKILL);
}

/* Reaped while being stopped (the spawn error was logged, if any). */
static int stopped(struct proc *p)
{
	restart_for_health(p, stopped_state(p));
	return 0;
}

static void on_empty(struct cgroup *c, void *arg)
{
	(void)c;
	proc_event(arg, PROC_EV_CGROUP_EMPTY);
}

/* cgroups: STOPPING's main process is reaped; unless kill_mode=process
 * (and not at shutdown) the stop lasts until the leaf is empty, with the
 * same SIGKILL deadline.  Whether it waits. */
static bool wait_leaf(struct proc *p)
{
	struct cgroup *leaf = leaf_of(p);
	if (!leaf || (proc_kill_mode(p) == CONF_KM_PROCESS && !p->tab->shutting_down))
		return false;
	int r = cgroup_watch_empty(leaf, on_empty, p);
	if (r < 0) {
		char path[PATH_MAX];
		log_warn("cannot watch the cgroup of '%s' (%s): %s; killing what is left in it",
			 p->conf->name, cgroup_path(leaf, path, sizeof(path)), strerror(-r));
		cgroup_kill(leaf);
		return false;
	}
	/* Read after the watch began: an emptying in between is seen. */
	if (cgroup_populated(leaf) != 1) {
		cgroup_unwatch(leaf);
		return false;
	}
	p->cg->waiting = true;
	log_info("stopping: '%s' exited, waiting for the %d process(es) left in its cgroup",
		 p->conf->name, cgroup_pids(leaf, NULL, 0));
	int64_t now = loop_now_ms();
	loop_timer_arm(p->tab->env.loop, &p->timer,
		       p->cg->stop_deadline_ms > now ? p->cg->stop_deadline_ms : now);
	return true;
}

/* cgroups: the leaf of a STOPPING process whose main process is reaped
 * is empty: the stop is over. */
static int emptied(struct proc *p)
{
	if (p->pid || !p->cg || !p->cg->waiting)
		return 0;
	p->cg->waiting = false;
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	exited_stopping(p);
	finish_pending(p);
	return 0;
}

static int exited_stopping(struct proc *p)
{
	if (!(p->cg && p->cg->waiting) && wait_leaf(p))
		return 0;
	char msg[128];
	bool expected = exit_expected(p, msg, sizeof(msg));
	enum check_after a = stopped_state(p);
	log_msg(expected ? LL_INFO : LL_WARN, "stopped: %s (%s)", p->conf->name, msg);
	restart_for_health(p, a);
	return 0;
}

/* An exit by itself after startsecs (or from UNKNOWN): EXITED, then
 * autorestart per policy (a STARTING past startsecs whose timer has not
 * fired yet goes through RUNNING first, as supervisord). */
static int exited(struct proc *p)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	char msg[128];
	bool expected = exit_expected(p, msg, sizeof(msg));
	/* svc-kinds: a run shorter than backoff_reset is one more failure */
	int64_t reset_ms = c->s->kinds ? c->s->kinds->backoff_reset_ms : 0;
	bool short_run = reset_ms && loop_now_ms() - p->start_ms < reset_ms;
	if (!short_run)
		p->backoff = 0;
	if (p->state == PROC_STARTING)
		change_state(p, PROC_RUNNING);
	if (expected) {
		log_info("exited: %s (%s; expected)", c->name, msg);
	} else {
		char bad[64];
		snprintf(bad, sizeof(bad), "Bad exit code %d", p->exitstatus);
		set_spawnerr(p, bad);
		log_warn("exited: %s (%s; not expected)", c->name, msg);
	}
	change_state(p, PROC_EXITED);
	if (t->env.exited)
		t->env.exited(p, p->wstatus, expected, t->env.exited_arg);
	/* EXITED's own start: a reload waiting for it acts instead. */
	if (!t->shutting_down && !p->removing && !p->next_conf && wants_restart(p, expected)) {
		if (short_run)
			return enter_backoff(p);
		start(p);
	}
	return 0;
}

/* STARTING's exit: within startsecs a failed start (BACKOFF), after it
 * an exit. */
static int exited_starting(struct proc *p)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	if (launching(p))
		return launcher_exited(p);
	/* a scheduled run may be short: any exit after exec ends it; a
	 * one-shot that is done quickly did its job; with a ready check not
	 * passed yet, an exit is a failed start */
	bool unready = check_has_ready(p) && !check_ready_passed(p);
	if (!unready && (loop_now_ms() - p->start_ms >= 1000LL * c->s->startsecs || scheduled(p) ||
			 conf_is_oneshot(c)))
		return exited(p);
	char msg[128];
	bool expected = exit_expected(p, msg, sizeof(msg));
	char oom[128];
	if (p->cg && p->cg->oom) {
		char o[96];
		snprintf(oom, sizeof(oom), "Exited: %s", oom_text(p, o, sizeof(o)));
		set_spawnerr(p, oom);
	} else if (check_abandoned(p)) {
		; /* not_ready said why */
	} else if (unready) {
		set_spawnerr(p, "Exited before its ready check passed (process log may have "
				"details)");
	} else {
		set_spawnerr(p, "Exited too quickly (process log may have details)");
	}
	log_warn("exited: %s (%s; not expected)", c->name, msg);
	if (t->env.exited)
		t->env.exited(p, p->wstatus, expected, t->env.exited_arg);
	return enter_backoff(p);
}

/* svc-kinds: fatal_retry_after passed in FATAL: a new series of tries. */
static int revive(struct proc *p)
{
	if (p->tab->shutting_down)
		return 0;
	log_info("%s: trying again after FATAL (fatal_retry_after)", p->conf->name);
	start(p);
	return 0;
}

/* A stop request in FATAL: supervisord's answer, unless a retry is due
 * (fatal_retry_after): the operator's stop cancels it, and the program is
 * STOPPED, as after any stop. */
static int stop_fatal(struct proc *p)
{
	if (!loop_timer_armed(&p->timer))
		return -ESRCH;
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	change_state(p, PROC_STOPPED);
	log_info("stopped: %s (its retry after FATAL is cancelled)", p->conf->name);
	return 0;
}

/* svc-kinds: a scheduled run is due and the program is not running. */
static int run_due(struct proc *p)
{
	if (p->tab->shutting_down || p->removing || p->next_conf)
		return 0;
	log_info("scheduled: %s is due", p->conf->name);
	p->backoff = 0;
	start(p);
	return 0;
}

/* ... and it still runs: runs never overlap, this one is skipped. */
static int skip_due(struct proc *p)
{
	log_warn("skipped: the scheduled run of %s, still %s from the last one (runs never "
		 "overlap)",
		 p->conf->name, proc_state_name(p->state));
	return 0;
}

static void fail_deps(struct proc *p, const char *why);

/* A start request: at once when the dependencies' conditions hold;
 * else the ones stopped are started, and p waits (STOPPED, its
 * description says for what) for DEPS_READY or DEP_FAILED. */
static int start_or_wait(struct proc *p)
{
	char why[512];
	if (proc_deps_waiting(p))
		return 0;
	enum deps_verdict v = proc_deps_eval(p, why, sizeof(why));
	if (v == DEPS_WAIT) {
		proc_deps_pull(p);
		v = proc_deps_eval(p, why, sizeof(why));
	}
	if (v == DEPS_HOLD)
		return start(p);
	proc_deps_set_waiting(p, why);
	if (v == DEPS_FAILED) {
		/* refused like a spawn error: the request's answer says why */
		fail_deps(p, why);
		return -ECHILD;
	}
	log_info("waiting: %s for %s", p->conf->name, why);
	change_state(p, PROC_STOPPED);
	proc_deps_changed(p->tab);
	return 0;
}

static int deps_ready(struct proc *p)
{
	if (!proc_deps_waiting(p))
		return 0;
	proc_deps_set_waiting(p, NULL);
	return start(p);
}

/* A dependency can no longer meet its condition: p fails without a try
 * (FATAL, with why as its description). */
static void fail_deps(struct proc *p, const char *why)
{
	proc_deps_set_waiting(p, NULL);
	set_spawnerr(p, why);
	log_warn("gave up: %s entered FATAL state, %s", p->conf->name, why);
	change_state(p, PROC_FATAL);
}

static int deps_failed(struct proc *p)
{
	char why[512];
	if (!proc_deps_waiting(p))
		return 0;
	snprintf(why, sizeof(why), "%s",
		 proc_waiting_for(p) ? proc_waiting_for(p) : "a dependency failed");
	fail_deps(p, why);
	return 0;
}

/* A stop request cancels a wait. */
static int stop_waiting(struct proc *p)
{
	if (!proc_deps_waiting(p))
		return -ESRCH;
	proc_deps_set_waiting(p, NULL);
	log_info("stopped waiting: %s", p->conf->name);
	return 0;
}

/* A reload swapped the config of a stopped process: a new process as far
 * as supervisord is concerned. */
static int reset(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	sched_arm(p, true);
	proc_deps_set_waiting(p, NULL);
	p->laststart = 0;
	p->laststop = 0;
	p->backoff = 0;
	set_spawnerr(p, NULL);
	change_state(p, PROC_STOPPED);
	return 0;
}

/* ---------------------------------------------------------------- the table */

enum proc_row {
	R_STOPPED,
	R_STARTING,
	R_RUNNING,
	R_BACKOFF,
	R_STOPPING,
	R_EXITED,
	R_FATAL,
	R_UNKNOWN,
	NROWS
};

static enum proc_row row_of(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:
		return R_STOPPED;
	case PROC_STARTING:
		return R_STARTING;
	case PROC_RUNNING:
		return R_RUNNING;
	case PROC_BACKOFF:
		return R_BACKOFF;
	case PROC_STOPPING:
		return R_STOPPING;
	case PROC_EXITED:
		return R_EXITED;
	case PROC_FATAL:
		return R_FATAL;
	case PROC_UNKNOWN:
	case PROC_REMOVED:
		break;
	}
	return R_UNKNOWN;
}

/* One row per state, one column per event (proc.h), read as "in this
 * state, this event does that".  `nothing` is either nothing to do or a
 * cell that cannot occur: no child (EXITED, SPAWN_FAILED, LOST) or no
 * deadline (TIMER) in that state, a reset only of a stopped process.  The
 * refuse_* cells answer the requests a state does not take. */
// clang-format off
static proc_action *const actions[NROWS][PROC_NEVENTS] = {
/*              START           STOP                SHUTDOWN TIMER      SPAWNED  SPAWN_FAILED   EXITED           RESET    LOST           SCHEDULE  DEPS_READY  DEP_FAILED   CGROUP_EMPTY READY    NOT_READY  UNHEALTHY */
[R_STOPPED]  = {start_or_wait,  stop_waiting,       nothing, nothing,   nothing, nothing,       nothing,         reset,   nothing,       run_due,  deps_ready, deps_failed, nothing,     nothing, nothing,   nothing},
[R_STARTING] = {refuse_started, stop,               stop,    started,   spawned, enter_backoff, exited_starting, nothing, enter_unknown, skip_due, nothing,    nothing,     nothing,     ready,   not_ready, nothing},
[R_RUNNING]  = {refuse_started, stop,               stop,    nothing,   nothing, enter_backoff, exited,          nothing, enter_unknown, skip_due, nothing,    nothing,     nothing,     nothing, nothing,   unhealthy},
[R_BACKOFF]  = {refuse_started, stop_backoff,       give_up, retry,     nothing, nothing,       nothing,         nothing, nothing,       skip_due, nothing,    nothing,     nothing,     nothing, nothing,   nothing},
[R_STOPPING] = {refuse_started, refuse_not_running, nothing, kill_hard, nothing, stopped,       exited_stopping, nothing, enter_unknown, skip_due, nothing,    nothing,     emptied,     nothing, nothing,   nothing},
[R_EXITED]   = {start_or_wait,  refuse_not_running, nothing, nothing,   nothing, nothing,       nothing,         reset,   nothing,       run_due,  nothing,    nothing,     nothing,     nothing, nothing,   nothing},
[R_FATAL]    = {start_or_wait,  stop_fatal,         nothing, revive,    nothing, nothing,       nothing,         reset,   nothing,       run_due,  nothing,    nothing,     nothing,     nothing, nothing,   nothing},
[R_UNKNOWN]  = {refuse_unknown, refuse_not_running, nothing, nothing,   nothing, enter_backoff, exited,          reset,   nothing,       skip_due, nothing,    nothing,     nothing,     nothing, nothing,   nothing},
};
// clang-format on

int proc_event(struct proc *p, enum proc_event ev)
{
	return actions[row_of(p->state)][ev](p);
}

/* ---------------------------------------------------------------- events from outside */

void proc_exited(struct proc *p, int st)
{
	close_pidfd(p);
	if (p->out)
		output_drain(p->out);
	if (p->exec_fd >= 0)
		settle_exec(p); /* final now: the child is gone */
	close_stdin(p);
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	check_halt(p);
	procs_pid_remove(p);
	res_close_stat(p); /* it would pin the dead task */
	p->pid = 0;
	p->wstatus = st;
	p->laststop = time(NULL);
	struct cgroup *leaf = leaf_of(p);
	if (leaf) {
		uint64_t k = 0;
		p->cg->oom = cgroup_oom_kills(leaf, &k) == 0 && k > p->cg->oom_base;
		/* kill_mode=cgroup: what an exit by itself leaves dies with it;
		 * but a pidfile= launcher's exit leaves the daemon it started,
		 * which is the program from now on. */
		if (p->state != PROC_STOPPING && proc_kill_mode(p) == CONF_KM_CGROUP &&
		    !launching(p) && cgroup_populated(leaf) == 1) {
			log_info("killing the processes '%s' left in its cgroup (kill_mode=cgroup)",
				 p->conf->name);
			cgroup_kill(leaf);
		}
	}
	if (p->exec_err) {
		/* It never ran: a spawn error, not an exit. */
		set_spawnerr(p, p->exec_err);
		free(p->exec_err);
		p->exec_err = NULL;
		log_info("spawnerr: %s", p->spawnerr);
		proc_event(p, PROC_EV_SPAWN_FAILED);
	} else {
		p->exitstatus = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		proc_event(p, PROC_EV_EXITED);
	}
	finish_pending(p);
}

bool procs_reap_probe(struct procs *t, pid_t pid, int st)
{
	return check_reaped(t, pid, st);
}

/* A reload retired or replaced p while it ran: act once it is down. */
static void finish_pending(struct proc *p)
{
	if (p->pid || (!p->removing && !p->next_conf) || !proc_is_stopped(p))
		return;
	struct procs *t = p->tab;
	if (p->removing) {
		struct proc_hook *h, *next;
		list_foreach_safe (h, t->hooks, link, next) {
			h->cb(p, p->state, PROC_REMOVED, h->arg);
		}
		procs_remove(t, p);
		return;
	}
	procs_name_remove(p);
	conf_ref_put(p->cref);
	p->conf = p->next_conf;
	p->cref = p->next_cref;
	p->next_conf = NULL;
	p->next_cref = NULL;
	procs_name_insert(t, p);
	t->dirty = true;
	t->deps_gen++;
	output_free(p->out);
	p->out = NULL;
	open_output(p);
	proc_event(p, PROC_EV_RESET);
	proc_autostart(p);
}

/* ---------------------------------------------------------------- requests */

int proc_start(struct proc *p)
{
	char path[PATH_MAX], err[512];
	if (p->tab->shutting_down)
		return -ESHUTDOWN;
	int r =
	    spawn_find_command(p->conf, p->tab->env.environ, path, sizeof(path), err, sizeof(err));
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return -EACCES;
	return proc_event(p, PROC_EV_START);
}

int proc_autostart(struct proc *p)
{
	/* a scheduled program starts when due (svc-kinds) */
	if (p->tab->shutting_down || !p->conf->s->autostart || p->laststart ||
	    p->state != PROC_STOPPED || scheduled(p))
		return 0;
	return proc_event(p, PROC_EV_START);
}

int proc_stop(struct proc *p)
{
	return proc_event(p, PROC_EV_STOP);
}

int proc_stop_for_shutdown(struct proc *p)
{
	return proc_event(p, PROC_EV_SHUTDOWN);
}

int proc_signal(struct proc *p, int sig)
{
	char sn[32];
	if (sig <= 0 || sig >= NSIG)
		return -EINVAL;
	if (p->state != PROC_RUNNING && p->state != PROC_STARTING && p->state != PROC_STOPPING)
		return -ESRCH;
	if (!p->pid)
		return -ESRCH;
	log_debug("sending %s (pid %d) sig %s", p->conf->name, (int)p->pid,
		  spawn_signame(sig, sn, sizeof(sn)));
	if (kill(p->pid, sig) < 0 && errno != ESRCH) {
		log_crit("unknown problem sending sig %s (%d): %s", p->conf->name, (int)p->pid,
			 strerror(errno));
		return proc_event(p, PROC_EV_LOST);
	}
	return 0;
}

/* The free room is checked first (supd is the pipe's only writer, and
 * the reader only makes more), so a write that cannot fit is refused
 * whole instead of leaving the child half a line. */
int proc_send_stdin(struct proc *p, const void *buf, size_t len)
{
	if (!p->pid || p->state == PROC_STOPPING)
		return -ESRCH;
	if (p->stdin_fd < 0)
		return -EPIPE;
	if (len == 0)
		return 0;
	int size = fcntl(p->stdin_fd, F_GETPIPE_SZ);
	int queued = 0;
	if (size > 0 && ioctl(p->stdin_fd, FIONREAD, &queued) == 0 && queued >= 0 &&
	    len > (size_t)(size - queued < 0 ? 0 : size - queued))
		return -EAGAIN;
	ssize_t n;
	do
		n = write(p->stdin_fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -EPIPE : errno == EAGAIN ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EAGAIN;
}

/* ---------------------------------------------------------------- reload */

void proc_rebind(struct proc *p, const struct conf_process *pc, struct conf_ref *cref, int gprio)
{
	struct procs *t = p->tab;
	procs_name_remove(p);
	conf_ref_put(p->cref);
	p->conf = pc;
	p->cref = conf_ref_get(cref);
	check_rebind(p);
	procs_name_insert(t, p);
	t->deps_gen++;
	if (p->gprio != gprio)
		t->dirty = true;
	p->gprio = gprio;
}

void proc_replace(struct proc *p, const struct conf_process *pc, struct conf_ref *cref, int gprio)
{
	conf_ref_put(p->next_cref);
	p->next_conf = pc;
	p->next_cref = conf_ref_get(cref);
	p->gprio = gprio;
	p->tab->dirty = true;
	if (proc_is_running(p))
		proc_stop(p); /* finishes at once from BACKOFF */
	else
		finish_pending(p);
}

void proc_retire(struct proc *p)
{
	p->removing = true;
	p->tab->deps_gen++;
	if (proc_is_running(p))
		proc_stop(p);
	else
		finish_pending(p);
}

/* ---------------------------------------------------------------- upgrade */

/* Not a transition: the process was in this state in the image before,
 * and nothing happened to it.  So no hook runs and no event is sent. */
int proc_adopt(struct proc *p, const struct upg_proc *u)
{
	struct procs *t = p->tab;
	if (p->pid)
		return -EALREADY;
	switch (u->state) {
	case PROC_STOPPED:
	case PROC_STARTING:
	case PROC_RUNNING:
	case PROC_BACKOFF:
	case PROC_STOPPING:
	case PROC_EXITED:
	case PROC_FATAL:
	case PROC_UNKNOWN:
		break;
	default:
		return -EINVAL;
	}
	p->state = (enum proc_state)u->state;
	p->pid = u->pid;
	p->last_pid = u->last_pid;
	p->laststart = (time_t)u->laststart;
	p->laststop = (time_t)u->laststop;
	p->start_ms = u->start_ms;
	p->backoff = u->backoff;
	p->starts = u->starts;
	p->exitstatus = u->exitstatus;
	p->wstatus = u->wstatus;
	set_spawnerr(p, u->spawnerr);
	if (p->pid) {
		procs_pid_insert(t, p);
		/* cgroups: the previous image put it in its leaf, whose path
		 * is the same: take the leaf again, so that stop empties it */
		struct cgroup *leaf = open_leaf(p, u->oom_base >= 0); /* had a leaf */
		/* (the old image's count when the run began: no read) */
		if (leaf && u->oom_base >= 0)
			p->cg->oom_base = (uint64_t)u->oom_base;
		else if (leaf)
			cgroup_oom_kills(leaf, &p->cg->oom_base);
	}
	p->stdin_fd = u->stdin_fd;
	for (int c = 0; c < 2; c++) {
		if (p->out && u->log[c])
			output_adopt_log(p->out, (enum output_channel)c, u->log[c], u->log_fd[c],
					 u->log_size[c], u->log_dev[c], u->log_ino[c]);
		else if (u->log_fd[c] > 2)
			close(u->log_fd[c]);
	}
	if (p->out) {
		output_set_bytes(p->out, OUTPUT_STDOUT, u->bytes[0]);
		output_set_bytes(p->out, OUTPUT_STDERR, u->bytes[1]);
		if (p->pid)
			output_set_pid(p->out, p->pid);
	}
	int r = 0;
	for (size_t i = 0; i < u->npipes; i++) {
		int fd = u->pipes[i].fd;
		int e = p->out ? output_adopt_pipe(p->out, (enum output_channel)u->pipes[i].ch, fd,
						   u->pipes[i].size)
			       : (close(fd), -ENOMEM);
		if (e < 0 && r == 0)
			r = e;
	}
	if (u->exec_fd >= 0) {
		p->exec_fd = u->exec_fd;
		list_push(&t->execs, p, exec_link);
		if (loop_watch_fd(t->env.loop, p->exec_fd, EPOLLIN, on_exec, p) < 0)
			settle_exec(p);
	}
	if (u->deadline_ms >= 0)
		loop_timer_arm(t->env.loop, &p->timer, u->deadline_ms);
	return r;
}

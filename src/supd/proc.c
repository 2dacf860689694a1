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
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_check.h"
#include "list.h"
#include "log.h"
#include "output.h"
#include "proc_int.h"
#include "spawn.h"

/* ---------------------------------------------------------------- resources */

static void on_timer(struct loop *l, void *arg);
static void on_exec(struct loop *l, int fd, uint32_t events, void *arg);

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
	if (p->out && (c->out.events_enabled || c->err.events_enabled || c->out.capture_maxbytes ||
		       c->err.capture_maxbytes))
		output_set_events(p->out, output_event, p);
}

void proc_init(struct proc *p)
{
	p->state = PROC_STOPPED;
	p->exec_fd = -1;
	p->stdin_fd = -1;
	loop_timer_init(&p->timer, on_timer, p);
	open_output(p);
}

void proc_free(struct proc *p)
{
	check_free(p);
	close_exec(p);
	close_stdin(p);
	free(p->exec_err);
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	output_free(p->out);
	free(p->spawnerr);
	conf_ref_put(p->cref);
	conf_ref_put(p->next_cref);
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
	case PROC_STOPPED:
	case PROC_EXITED:
		if (p->laststart) {
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
}

static int give_up(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	p->backoff = 0;
	change_state(p, PROC_FATAL);
	log_info("gave up: %s entered FATAL state, too many start retries too quickly",
		 p->conf->name);
	return 0;
}

/* The n-th failed start in a row waits n seconds, unless it is one too
 * many.  The count is up before the hooks run: BACKOFF's event says it. */
static int enter_backoff(struct proc *p)
{
	p->backoff++;
	loop_timer_arm(p->tab->env.loop, &p->timer, loop_now_ms() + 1000LL * p->backoff);
	change_state(p, PROC_BACKOFF);
	if (p->backoff > p->conf->startretries)
		give_up(p);
	return 0;
}

static void enter_running(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	p->backoff = 0;
	change_state(p, PROC_RUNNING);
	if (check_has_ready(p))
		log_info("success: %s entered RUNNING state, its ready check passed",
			 p->conf->name);
	else
		log_info("success: %s entered RUNNING state, process has stayed up for > than %d "
			 "seconds (startsecs)",
			 p->conf->name, p->conf->startsecs);
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
	bool as_group = p->state == PROC_STOPPING ? p->conf->killasgroup : p->conf->stopasgroup;
	log_debug("killing %s (pid %d) %swith signal %s", p->conf->name, (int)p->pid,
		  as_group ? "process group " : "", spawn_signame(sig, sn, sizeof(sn)));
	loop_timer_arm(p->tab->env.loop, &p->timer, loop_now_ms() + 1000LL * p->conf->stopwaitsecs);
	change_state(p, PROC_STOPPING);
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

static bool wants_restart(const struct proc *p, bool expected)
{
	switch (p->conf->autorestart) {
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
	    .server_url = c->serverurl ? c->serverurl : t->env.server_url,
	    .environ = t->env.environ,
	    .no_pipes = p->out == NULL,
	    .no_stdin_pipe = t->env.no_stdin_pipes,
	    .child_nofile = t->env.child_nofile,
	    .slots = t->env.slots,
	};
	struct spawn_child ch;
	char err[512];
	int r = 0;
	if (c->kind == CONF_FCGI) {
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
	if (c->kind == CONF_EVENTLISTENER && t->env.listener_attach && ch.fd_out >= 0) {
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
	if (c->startsecs > 0)
		loop_timer_arm(t->env.loop, &p->timer, p->start_ms + 1000LL * c->startsecs + 1);
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
	if (p->conf->startsecs <= 0 && (!check_has_ready(p) || check_ready_passed(p)))
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
		if (kill(p->conf->killasgroup ? -p->pid : p->pid, SIGKILL) == 0)
			loop_timer_arm(p->tab->env.loop, &p->timer,
				       loop_now_ms() + 1000LL * p->conf->stopwaitsecs);
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
	if (loop_now_ms() - p->start_ms < 1000LL * p->conf->startsecs)
		return 0;
	if (p->exec_fd >= 0)
		settle_exec(p);
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
		  spawn_signame(p->conf->stopsignal, sn, sizeof(sn)));
	loop_timer_arm(p->tab->env.loop, &p->timer, loop_now_ms() + 1000LL * p->conf->stopwaitsecs);
	if (kill(p->conf->stopasgroup ? -p->pid : p->pid, p->conf->stopsignal) < 0 &&
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
	const struct conf_checks *k = p->conf->checks;
	switch (k->health_action) {
	case CONF_HA_NONE:
		return 0;
	case CONF_HA_STOP:
		set_spawnerr(p, check_last_error(p));
		check_set_after(p, CHECK_AFTER_NOTHING);
		log_info("stopping %s: %s", p->conf->name, check_last_error(p));
		return kill_proc(p, p->conf->stopsignal);
	case CONF_HA_RESTART:
		break;
	}
	if (check_health_restarts(p) >= p->conf->startretries) {
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
	return kill_proc(p, p->conf->stopsignal);
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
	if (!p->tab->shutting_down && p->backoff <= p->conf->startretries)
		start(p);
	return 0;
}

static int stop(struct proc *p)
{
	return kill_proc(p, p->conf->stopsignal);
}

static void finish_pending(struct proc *p);

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
	log_warn("killing '%s' (%d) with SIGKILL", p->conf->name, (int)p->pid);
	return kill_proc(p, SIGKILL);
}

/* Reaped while being stopped (the spawn error was logged, if any). */
static int stopped(struct proc *p)
{
	restart_for_health(p, stopped_state(p));
	return 0;
}

static int exited_stopping(struct proc *p)
{
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
	if (!t->shutting_down && !p->removing && !p->next_conf && wants_restart(p, expected))
		start(p);
	return 0;
}

/* STARTING's exit: within startsecs a failed start (BACKOFF), after it
 * an exit. */
static int exited_starting(struct proc *p)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	bool unready = check_has_ready(p) && !check_ready_passed(p);
	if (!unready && loop_now_ms() - p->start_ms >= 1000LL * c->startsecs)
		return exited(p);
	char msg[128];
	bool expected = exit_expected(p, msg, sizeof(msg));
	if (check_abandoned(p))
		; /* not_ready said why */
	else if (unready)
		set_spawnerr(p, "Exited before its ready check passed (process log may have "
				"details)");
	else
		set_spawnerr(p, "Exited too quickly (process log may have details)");
	log_warn("exited: %s (%s; not expected)", c->name, msg);
	if (t->env.exited)
		t->env.exited(p, p->wstatus, expected, t->env.exited_arg);
	return enter_backoff(p);
}

/* A reload swapped the config of a stopped process: a new process as far
 * as supervisord is concerned. */
static int reset(struct proc *p)
{
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
/*              START           STOP                SHUTDOWN TIMER      SPAWNED  SPAWN_FAILED   EXITED           RESET    LOST           READY    NOT_READY  UNHEALTHY */
[R_STOPPED]  = {start,          refuse_not_running, nothing, nothing,   nothing, nothing,       nothing,         reset,   nothing,       nothing, nothing,   nothing},
[R_STARTING] = {refuse_started, stop,               stop,    started,   spawned, enter_backoff, exited_starting, nothing, enter_unknown, ready,   not_ready, nothing},
[R_RUNNING]  = {refuse_started, stop,               stop,    nothing,   nothing, enter_backoff, exited,          nothing, enter_unknown, nothing, nothing,   unhealthy},
[R_BACKOFF]  = {refuse_started, stop_backoff,       give_up, retry,     nothing, nothing,       nothing,         nothing, nothing,       nothing, nothing,   nothing},
[R_STOPPING] = {refuse_started, refuse_not_running, nothing, kill_hard, nothing, stopped,       exited_stopping, nothing, enter_unknown, nothing, nothing,   nothing},
[R_EXITED]   = {start,          refuse_not_running, nothing, nothing,   nothing, nothing,       nothing,         reset,   nothing,       nothing, nothing,   nothing},
[R_FATAL]    = {start,          refuse_not_running, nothing, nothing,   nothing, nothing,       nothing,         reset,   nothing,       nothing, nothing,   nothing},
[R_UNKNOWN]  = {refuse_unknown, refuse_not_running, nothing, nothing,   nothing, enter_backoff, exited,          reset,   nothing,       nothing, nothing,   nothing},
};
// clang-format on

int proc_event(struct proc *p, enum proc_event ev)
{
	return actions[row_of(p->state)][ev](p);
}

/* ---------------------------------------------------------------- events from outside */

void proc_exited(struct proc *p, int st)
{
	if (p->out)
		output_drain(p->out);
	if (p->exec_fd >= 0)
		settle_exec(p); /* final now: the child is gone */
	close_stdin(p);
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	check_halt(p);
	procs_pid_remove(p);
	p->pid = 0;
	p->wstatus = st;
	p->laststop = time(NULL);
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
	if (p->tab->shutting_down || !p->conf->autostart || p->laststart ||
	    p->state != PROC_STOPPED)
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
	if (proc_is_running(p))
		proc_stop(p);
	else
		finish_pending(p);
}

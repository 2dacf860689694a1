/* The daemon's end: the ordered shutdown that leaves no descendant behind,
 * and what starts it (a signal, the API, or shutdown_on).
 *
 * Shutdown has two phases.  First the processes stop by priority, highest
 * first; all processes of one priority stop in parallel, and the next
 * priority starts when they are all down.  Then every remaining child
 * (orphans re-parented to us, as PID 1 or subreaper) gets SIGTERM, then
 * SIGKILL after ORPHAN_GRACE_MS, and supd waits until waitpid says ECHILD.
 * Dependencies come before priorities: a process's dependents are stopped
 * (theirs first) before it is. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_value.h"
#include "daemon_int.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "proc.h"

static bool level_key_eq(const struct proc *a, const struct proc *b)
{
	return a->gprio == b->gprio && a->conf->s->priority == b->conf->s->priority;
}

static void begin_orphans(struct daemon *d);
/* Stops the highest priority level that still has processes up; moves
 * down a level once all of it is down. */
static void shutdown_step(struct daemon *d)
{
	if (d->phase != PH_STOPPING)
		return;
	procs_stop_dependents_begin(d->procs);
	while (d->shut_hi > 0) {
		size_t hi = d->shut_hi, lo = hi - 1;
		struct proc *top = NULL;
		for (size_t i = hi; i-- > 0;) {
			if (!d->shut_v[i])
				continue;
			if (!top)
				top = d->shut_v[i];
			else if (!level_key_eq(top, d->shut_v[i]))
				break;
			lo = i;
		}
		if (!top) {
			d->shut_hi = 0;
			break;
		}
		bool up = false;
		for (size_t i = lo; i < hi; i++) {
			struct proc *p = d->shut_v[i];
			if (!p)
				continue;
			/* what depends on p stops first, whatever its priority
			 * (doc/dependencies.md); p waits for them */
			if (proc_stop_dependents(p)) {
				up = true;
				continue;
			}
			proc_stop_for_shutdown(p);
			/* proc_stop_for_shutdown never frees; a retired process
			 * is freed later by its exit, which nulls its slot. */
			if (d->shut_v[i] && !proc_is_stopped(d->shut_v[i]))
				up = true;
		}
		if (up)
			return;
		d->shut_hi = lo;
	}
	loop_timer_cancel(d->loop, &d->wait_timer);
	begin_orphans(d);
}

static void step_cb(struct loop *l, void *arg)
{
	(void)l;
	shutdown_step(arg);
}

static void wait_report_cb(struct loop *l, void *arg)
{
	struct daemon *d = arg;
	char names[512];
	size_t n = 0;
	names[0] = 0;
	for (size_t i = d->shut_hi; i-- > 0 && n < sizeof(names) - 64;) {
		struct proc *p = d->shut_v[i];
		if (p && !proc_is_stopped(p))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
					      p->conf->name);
	}
	if (n)
		log_info("waiting for %s to die", names);
	loop_timer_arm(l, &d->wait_timer, loop_now_ms() + WAIT_REPORT_MS);
}

/* shutdown_on (doc/compat.md): p's exit or FATAL ends supd, which then
 * exits with status. */
static void shutdown_for(struct daemon *d, const struct proc *p, int status, const char *why)
{
	if (d->phase != PH_RUNNING || procs_shutting_down(d->procs))
		return;
	log_warn("%s %s (shutdown_on=%s): shutting down", p->conf->name, why,
		 cv_shutdown_on_name(p->conf->s->shutdown_on));
	d->exit_status = status;
	/* Nothing restarts from now on, p included; the shutdown itself
	 * begins once the transition being handled is over. */
	procs_set_shutting_down(d->procs, true);
	loop_timer_arm(d->loop, &d->shutdown_timer, loop_now_ms());
}

static void shutdown_timer_cb(struct loop *l, void *arg)
{
	(void)l;
	daemon_begin_shutdown(arg);
}

void daemon_proc_exited(struct proc *p, int st, bool expected, void *arg)
{
	enum conf_shutdown_on so = p->conf->s->shutdown_on;
	if (so != CONF_SO_EXIT && !(so == CONF_SO_UNEXPECTED && !expected))
		return;
	char text[96], why[128];
	proc_exit_text(st, text, sizeof(text));
	snprintf(why, sizeof(why), "exited (%s)", text);
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
	shutdown_for(arg, p, status, why);
}

void daemon_proc_changed(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct daemon *d = arg;
	(void)from;
	if (to == PROC_FATAL && p->conf->s->shutdown_on != CONF_SO_NEVER)
		shutdown_for(d, p, 1, "entered FATAL");
	if (d->phase != PH_STOPPING)
		return;
	if (to == PROC_REMOVED) {
		for (size_t i = 0; i < d->shut_n; i++)
			if (d->shut_v[i] == p)
				d->shut_v[i] = NULL;
	}
	/* Coalesce: one step per loop iteration, whatever the number of
	 * processes that changed in it. */
	if (!loop_timer_armed(&d->step_timer))
		loop_timer_arm(d->loop, &d->step_timer, loop_now_ms());
}

void daemon_begin_shutdown(struct daemon *d)
{
	if (d->phase != PH_RUNNING)
		return;
	daemon_notify(d, "STOPPING=1");
	daemon_supervisor_event(d, EV_SUPERVISOR_STATE_CHANGE_STOPPING);
	procs_set_shutting_down(d->procs, true);
	size_t n = procs_count(d->procs);
	d->shut_v = malloc(n * sizeof(*d->shut_v) + 1);
	if (!d->shut_v) {
		/* Stop everything at once instead of by priority. */
		log_error("out of memory: stopping every process at once");
		d->phase = PH_STOPPING;
		struct proc *const *v = procs_ordered(d->procs);
		for (size_t i = 0; i < n; i++)
			proc_stop_for_shutdown(v[i]);
		return;
	}
	if (n) /* (NULL without programs) */
		memcpy(d->shut_v, procs_ordered(d->procs), n * sizeof(*d->shut_v));
	d->shut_n = d->shut_hi = n;
	d->phase = PH_STOPPING;
	loop_timer_arm(d->loop, &d->wait_timer, loop_now_ms() + WAIT_REPORT_MS);
	shutdown_step(d);
}

/* Our children, from /proc: after phase 1 only orphans are left. */
static void signal_children(int sig)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return;
	pid_t me = getpid();
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		char *rp = strrchr(buf, ')');
		char state;
		int ppid;
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid == me && state != 'Z') {
			pid_t pid = (pid_t)atoi(e->d_name);
			log_debug("sending %s to orphan pid %d",
				  sig == SIGKILL ? "SIGKILL" : "SIGTERM", (int)pid);
			kill(pid, sig);
		}
	}
	closedir(dir);
}

static bool have_children(void)
{
	siginfo_t si;
	si.si_pid = 0;
	/* WNOWAIT: just look, the reaper collects. */
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

void daemon_orphans_step(struct daemon *d)
{
	if (!have_children()) {
		d->phase = PH_DONE;
		loop_timer_cancel(d->loop, &d->orphan_timer);
		loop_stop(d->loop);
		return;
	}
	signal_children(d->orphans_sigkill ? SIGKILL : SIGTERM);
}

static void orphan_timer_cb(struct loop *l, void *arg)
{
	struct daemon *d = arg;
	d->orphans_sigkill = true;
	daemon_orphans_step(d);
	/* New orphans appear as their parents die; keep sweeping. */
	if (d->phase == PH_ORPHANS)
		loop_timer_arm(l, &d->orphan_timer, loop_now_ms() + 1000);
}

static void begin_orphans(struct daemon *d)
{
	d->phase = PH_ORPHANS;
	loop_timer_arm(d->loop, &d->orphan_timer, loop_now_ms() + ORPHAN_GRACE_MS);
	daemon_orphans_step(d);
}

void daemon_stop_init(struct daemon *d)
{
	loop_timer_init(&d->step_timer, step_cb, d);
	loop_timer_init(&d->wait_timer, wait_report_cb, d);
	loop_timer_init(&d->orphan_timer, orphan_timer_cb, d);
	loop_timer_init(&d->shutdown_timer, shutdown_timer_cb, d);
}

/* The running daemon: start-up (privileges, rlimits, log, daemonizing,
 * pidfile), signals through a signalfd, the reaper, reload, and the
 * ordered shutdown that ends with no descendant left behind.
 *
 * Shutdown has two phases.  First the processes stop by priority, highest
 * first; all processes of one priority stop in parallel, and the next
 * priority starts when they are all down.  Then every remaining child
 * (orphans re-parented to us, as PID 1 or subreaper) gets SIGTERM, then
 * SIGKILL after ORPHAN_GRACE_MS, and supd waits until waitpid says ECHILD. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "conf_value.h"
#include "daemon_int.h"
#include "events.h"
#include "fcgi.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "proc.h"
#include "spawn.h"
#include "sysd.h"

/* ---------------------------------------------------------------- helpers */

/* Tells systemd (Type=notify) where supd is; silent when not run by it. */
static void notify(struct daemon *d, const char *what)
{
#ifdef HAVE_SYSTEMD
	int r = sysd_notify(d->notify_socket, what);
	if (r < 0)
		log_warn("could not notify the service manager ($NOTIFY_SOCKET) of %s: %s", what,
			 strerror(-r));
#else
	(void)d;
	(void)what;
#endif
}

/* Loading a config leaves the heap holed with the parsers' freed
 * temporaries, interleaved with what stays; hand those pages back once the
 * new model is in place (about 0.5 MB with 1000 programs). */
static void trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Each process's group priority, indexed like c->procs: one pass over the
 * groups rather than a group lookup per process (10,000 programs). */
static int *group_priorities(const struct conf *c)
{
	int *gp = malloc((c->nprocs + 1) * sizeof(int));
	if (!gp)
		return NULL;
	for (size_t i = 0; i < c->nprocs; i++)
		gp[i] = c->procs[i].priority;
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t k = 0; k < c->groups[g].nprocs; k++)
			if (c->groups[g].procs[k] < c->nprocs)
				gp[c->groups[g].procs[k]] = c->groups[g].priority;
	return gp;
}

static void compute_server_url(struct daemon *d, const struct conf *c)
{
	d->have_server_url = false;
	for (size_t pass = 0; pass < 2 && !d->have_server_url; pass++) {
		for (size_t i = 0; i < c->nservers; i++) {
			const struct conf_server *s = &c->servers[i];
			if (pass == 0 && !s->inet && s->file) {
				snprintf(d->server_url, sizeof(d->server_url), "unix://%s",
					 s->file);
				d->have_server_url = true;
				break;
			}
			if (pass == 1 && s->inet) {
				snprintf(d->server_url, sizeof(d->server_url), "http://%s:%d",
					 s->host && *s->host ? s->host : "localhost", s->port);
				d->have_server_url = true;
				break;
			}
		}
	}
}

/* Descriptors kept for control clients, log files of supd itself and the
 * like, beyond what the processes hold. */
#define SPARE_FDS 256

/* Whether every process of c can have a stdin pipe within the fd limit.
 * A running process holds supd's end of its stdout and stderr pipes and its
 * open log files; supervisord's stdin pipe (for sendProcessStdin and fg) is
 * one more.  When the limit cannot hold them all, no process gets one
 * (stdin is /dev/null), said once, rather than the last programs failing
 * to spawn: 10,000 programs under a 20,000-descriptor hard limit. */
static bool stdin_pipes_fit(const struct conf *c, unsigned long *need, unsigned long *have)
{
	struct rlimit rl;
	*need = SPARE_FDS;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct conf_process *p = &c->procs[i];
		*need += 2 + (p->out.kind != CONF_LOG_NONE);
		if (!p->redirect_stderr)
			*need += 1 + (p->err.kind != CONF_LOG_NONE);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	*have = (unsigned long)rl.rlim_cur;
	return *need <= *have;
}

static void exited_cb(struct proc *p, int st, bool expected, void *arg);

void daemon_set_procs_env(struct daemon *d)
{
	unsigned long need = 0, have = 0;
	bool fit = stdin_pipes_fit(d->cref->c, &need, &have);
	if (!fit && !d->no_stdin_pipes)
		log_warn(
		    "%zu processes need about %lu file descriptors with stdin pipes, the limit "
		    "is %lu: every process gets /dev/null as stdin (supctl fg cannot send "
		    "input); raise the hard limit (ulimit -Hn, LimitNOFILE=) to keep them",
		    d->cref->c->nprocs, need, have);
	else if (fit && d->no_stdin_pipes)
		log_info("stdin pipes fit in the file descriptor limit again");
	d->no_stdin_pipes = !fit;
	struct procs_env env = {
	    .loop = d->loop,
	    .supd = &d->cref->c->supd,
	    .server_url = d->have_server_url ? d->server_url : NULL,
	    .environ = NULL,
	    .child_nofile = d->child_nofile,
	    .slots = d->have_slots ? &d->slots : NULL,
	    .no_stdin_pipes = d->no_stdin_pipes,
	    .listener_attach = d->events ? events_attach : NULL,
	    .log_event = d->events ? events_log : NULL,
	    .listener_arg = d->events,
	    .fcgi_socket = fcgi_socket,
	    .fcgi_arg = d->fcgi,
	    .exited = exited_cb,
	    .exited_arg = d,
	};
	procs_set_env(d->procs, &env);
	if (d->events && events_configure(d->events, d->cref->c) < 0)
		log_error("out of memory: event listener pools not updated");
}

static int group_prio_cmp(const void *a, const void *b)
{
	const struct conf_group *x = *(const struct conf_group *const *)a;
	const struct conf_group *y = *(const struct conf_group *const *)b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void daemon_group_event(struct daemon *d, bool added, const char *group)
{
	enum ev_type t = added ? EV_PROCESS_GROUP_ADDED : EV_PROCESS_GROUP_REMOVED;
	if (events_wanted(d->events, t) &&
	    events_notify(d->events, ev_newf(t, "groupname:%s\n", group)) < 0)
		log_error("out of memory: %s event of '%s' lost", ev_type_name(t), group);
}

/* PROCESS_GROUP_ADDED for the groups of nc that old lacks (all of them at
 * start, old NULL), by ascending priority as supervisord adds them, and
 * PROCESS_GROUP_REMOVED for those old had. */
static void group_events(struct daemon *d, const struct conf *old, const struct conf *nc)
{
	const struct conf_group **v = malloc((nc->ngroups + 1) * sizeof(*v));
	if (!v) {
		log_error("out of memory: PROCESS_GROUP events lost");
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < nc->ngroups; i++) {
		const struct conf_group *g = &nc->groups[i];
		const struct conf_group *og = old ? conf_find_group(old, g->name) : NULL;
		if (!og)
			v[n++] = g;
	}
	qsort(v, n, sizeof(*v), group_prio_cmp);
	for (size_t i = 0; old && i < old->ngroups; i++) {
		const struct conf_group *og = &old->groups[i];
		const struct conf_group *g = conf_find_group(nc, og->name);
		if (!g)
			daemon_group_event(d, false, og->name);
	}
	for (size_t i = 0; i < n; i++)
		daemon_group_event(d, true, v[i]->name);
	free(v);
}

static void supervisor_event(struct daemon *d, enum ev_type t)
{
	if (events_wanted(d->events, t) && events_notify(d->events, ev_new(t, "", 0)) < 0)
		log_error("out of memory: %s event lost", ev_type_name(t));
}

static int add_procs(struct daemon *d, const struct conf *c, struct conf_ref *cref)
{
	int *gp = group_priorities(c);
	if (!gp)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < c->nprocs && r == 0; i++) {
		const struct conf_process *p = &c->procs[i];
		if (procs_find(d->procs, p->group, p->name))
			continue;
		r = procs_add(d->procs, p, cref, gp[i], NULL);
	}
	free(gp);
	return r;
}

static void autostart_all(struct daemon *d)
{
	struct proc *const *v = procs_ordered(d->procs);
	size_t n = procs_count(d->procs);
	/* Copy: a spawn never adds or removes, but stay safe if one did. */
	struct proc **copy = malloc(n * sizeof(*copy) + 1);
	if (!copy) {
		log_error("out of memory starting processes");
		return;
	}
	if (n) /* (v is NULL in a config without programs) */
		memcpy(copy, v, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		proc_autostart(copy[i]);
		/* The loop does not run during this pass: close the error
		 * pipes of the children that exec'd meanwhile. */
		if (i % 32 == 31)
			procs_settle_execs(d->procs);
	}
	free(copy);
}

/* ---------------------------------------------------------------- reaping */

static void orphans_step(struct daemon *d);

static void reap(struct daemon *d)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		struct proc *p = procs_find_pid(d->procs, pid);
		if (p) {
			proc_exited(p, st);
		} else {
			char msg[96];
			log_debug("reaped unknown pid %d (%s)", (int)pid,
				  proc_exit_text(st, msg, sizeof(msg)));
		}
	}
	if (d->phase == PH_ORPHANS)
		orphans_step(d);
}

/* ---------------------------------------------------------------- shutdown */

static bool level_key_eq(const struct proc *a, const struct proc *b)
{
	return a->gprio == b->gprio && a->conf->priority == b->conf->priority;
}

static void begin_orphans(struct daemon *d);

/* Stops the highest priority level that still has processes up; moves
 * down a level once all of it is down. */
static void shutdown_step(struct daemon *d)
{
	if (d->phase != PH_STOPPING)
		return;
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
		 cv_shutdown_on_name(p->conf->shutdown_on));
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

static void exited_cb(struct proc *p, int st, bool expected, void *arg)
{
	enum conf_shutdown_on so = p->conf->shutdown_on;
	if (so != CONF_SO_EXIT && !(so == CONF_SO_UNEXPECTED && !expected))
		return;
	char text[96], why[128];
	proc_exit_text(st, text, sizeof(text));
	snprintf(why, sizeof(why), "exited (%s)", text);
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
	shutdown_for(arg, p, status, why);
}

static void hook_cb(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct daemon *d = arg;
	(void)from;
	if (to == PROC_FATAL && p->conf->shutdown_on != CONF_SO_NEVER)
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
	notify(d, "STOPPING=1");
	supervisor_event(d, EV_SUPERVISOR_STATE_CHANGE_STOPPING);
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

static void orphans_step(struct daemon *d)
{
	if (!have_children()) {
		d->phase = PH_DONE;
		loop_timer_cancel(d->loop, &d->orphan_timer);
		loop_stop(d->loop);
		return;
	}
	signal_children(d->orphans_killing ? SIGKILL : SIGTERM);
}

static void orphan_timer_cb(struct loop *l, void *arg)
{
	struct daemon *d = arg;
	d->orphans_killing = true;
	orphans_step(d);
	/* New orphans appear as their parents die; keep sweeping. */
	if (d->phase == PH_ORPHANS)
		loop_timer_arm(l, &d->orphan_timer, loop_now_ms() + 1000);
}

static void begin_orphans(struct daemon *d)
{
	d->phase = PH_ORPHANS;
	loop_timer_arm(d->loop, &d->orphan_timer, loop_now_ms() + ORPHAN_GRACE_MS);
	orphans_step(d);
}

/* ---------------------------------------------------------------- reload */

static void log_lines(int level, const char *text)
{
	for (const char *line = text, *nl; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		log_msg(level, "%.*s", (int)(nl - line), line);
		if (!*nl)
			break;
	}
}

int daemon_load_conf(struct daemon *d, struct conf **out, char *err, size_t errlen)
{
	const struct supd_opts *o = d->opts;
	struct conf_load_opts lo = {
	    .path = o->config_path,
	    .format = o->format,
	    .overrides = o->overrides,
	    .environ = NULL,
	};
	struct diags dg;
	char buf[1024];
	size_t n = 0;
	diags_init(&dg);
	int r = conf_load(&lo, out, &dg);
	if (errlen)
		err[0] = 0;
	if (r < 0 && r != -EINVAL)
		n += (size_t)snprintf(err, errlen, "%s: %s", o->config_path, strerror(-r));
	for (size_t i = 0; i < dg.n; i++) {
		diag_format(&dg.v[i], buf, sizeof(buf));
		if (r == 0) {
			log_warn("%s", buf);
		} else if (n < errlen) {
			n += (size_t)snprintf(err + n, errlen - n, "%s%s", n ? "\n" : "", buf);
		}
	}
	diags_free(&dg);
	return r;
}

int daemon_reload(struct daemon *d, char *why, size_t whylen)
{
	const struct supd_opts *o = d->opts;
	struct conf *nc = NULL;
	char err[4096];
	int r = daemon_load_conf(d, &nc, err, sizeof(err));
	if (r < 0) {
		log_error("config file %s has errors, not reloading", o->config_path);
		log_lines(LL_ERRO, err);
		snprintf(why, whylen, "config file %s has errors, not reloading:\n%s",
			 o->config_path, err);
		/* A deleted socket file still comes back. */
		control_restore(d);
		return r;
	}
	struct conf_ref *ncref = conf_ref_new(nc);
	size_t n = procs_count(d->procs);
	struct proc **old = malloc(n * sizeof(*old) + 1);
	bool *seen = calloc(n + 1, sizeof(bool));
	int *gp = group_priorities(nc);
	if (!ncref || !old || !seen || !gp) {
		r = -ENOMEM;
		snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
		goto refuse;
	}
	/* The control plane before the programs: if it cannot take the new
	 * config, nothing changes, and a later reload can still apply it all. */
	r = control_reload(d, nc, err, sizeof(err));
	if (r < 0)
		goto refuse;
	log_info("reloading %s", o->config_path);
	log_set_level(nc->supd.loglevel);
	struct conf_ref *oldref = d->cref;
	d->cref = ncref;
	compute_server_url(d, nc);
	daemon_set_procs_env(d);
	if (n)
		memcpy(old, procs_ordered(d->procs), n * sizeof(*old));
	/* Match by name through the table's hash: old[i]->order_idx == i
	 * until a process is removed, and removals come last. */
	for (size_t i = 0; i < nc->nprocs; i++) {
		const struct conf_process *np = &nc->procs[i];
		struct proc *p = procs_find(d->procs, np->group, np->name);
		if (!p)
			continue;
		seen[p->order_idx] = true;
		if (p->removing) {
			/* Removed by an earlier reload, still stopping, and back
			 * now: it starts again on the new config once down. */
			p->removing = false;
			proc_replace(p, np, ncref, gp[i]);
		} else if (conf_process_equal(p->conf, np)) {
			proc_rebind(p, np, ncref, gp[i]);
		} else {
			log_info("changed: '%s', restarting it", np->name);
			proc_replace(p, np, ncref, gp[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (seen[i] || old[i]->removing)
			continue;
		log_info("removing '%s'", old[i]->conf->name);
		proc_retire(old[i]);
	}
	free(seen);
	free(gp);
	free(old);
	r = add_procs(d, nc, ncref);
	if (r < 0)
		log_error("adding processes: %s", strerror(-r));
	group_events(d, oldref->c, nc);
	autostart_all(d);
	conf_ref_put(d->reread);
	d->reread = NULL;
	conf_ref_put(oldref);
	trim_heap();
	return 0;
refuse:
	log_error("not reloading %s: %s", o->config_path, err);
	snprintf(why, whylen, "not reloading %s: %s", o->config_path, err);
	free(old);
	free(seen);
	free(gp);
	if (ncref)
		conf_ref_put(ncref);
	else
		conf_free(nc);
	control_restore(d);
	return r;
}

/* ---------------------------------------------------------------- signals */

static const int handled[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2, SIGCHLD};

int daemon_reopen_logs(struct daemon *d)
{
	int first = log_reopen();
	if (first < 0)
		log_warn("reopening %s: %s", log_path() ? log_path() : "the log", strerror(-first));
	struct proc *const *v = procs_ordered(d->procs);
	for (size_t i = 0; i < procs_count(d->procs); i++) {
		if (!v[i]->out)
			continue;
		int r = output_reopen(v[i]->out);
		if (r < 0) {
			log_warn("reopening the logs of '%s': %s", v[i]->conf->name, strerror(-r));
			if (first == 0)
				first = r;
		}
	}
	if (first == -ENOENT && !log_path())
		first = 0;
	/* The first line of a reopened log says why it starts here. */
	log_info("log files reopened%s", first < 0 ? ", not all of them" : "");
	return first;
}

static void signal_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	char sn[32];
	(void)l;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		switch (sig) {
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			log_warn("received %s indicating exit request",
				 spawn_signame(sig, sn, sizeof(sn)));
			daemon_begin_shutdown(d);
			break;
		case SIGHUP:
			if (d->phase != PH_RUNNING) {
				log_warn("ignored SIGHUP indicating restart request (shutdown in "
					 "progress)");
				break;
			}
			log_warn("received SIGHUP indicating restart request");
			char why[4096];
			daemon_reload(d, why, sizeof(why)); /* (a failure is logged) */
			break;
		case SIGUSR2:
			log_info("received SIGUSR2 indicating log reopen request");
			daemon_reopen_logs(d);
			control_restore(d);
			break;
		case SIGCHLD:
			break;
		}
	}
	/* Reap after every read: a SIGCHLD coalesces several exits. */
	reap(d);
}

static int open_signalfd(struct daemon *d, const sigset_t *set)
{
	d->sfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sfd < 0)
		return -errno;
	return loop_watch_fd(d->loop, d->sfd, EPOLLIN, signal_cb, d);
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	/* The signals we read from the signalfd must not be ignored: an
	 * ignored signal is discarded, not queued (supd started by nohup would
	 * never see SIGHUP).  SIGCHLD ignored would also make the kernel reap
	 * for us; SIGPIPE would kill us on a closed socket. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return open_signalfd(d, &set);
}

/* A signalfd in an epoll set wakes it for the process that added it: the
 * daemonized child needs one of its own. */
static int reopen_signalfd(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	loop_unwatch_fd(d->loop, d->sfd);
	close(d->sfd);
	d->sfd = -1;
	return open_signalfd(d, &set);
}

/* ---------------------------------------------------------------- start-up */

static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* supervisord's set_uid_or_exit.  Returns 0 or 2 after printing why. */
static int drop_privileges(const char *user, char *info, size_t infolen)
{
	info[0] = 0;
	if (!user)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long v = strtoul(user, &end, 10);
		if (*user && !*end)
			pw = getpwuid((uid_t)v);
	}
	if (!pw) {
		fprintf(stderr, "Error: Invalid user name %s\n", user);
		return 2;
	}
	/* supervisord says so too when it had nothing to drop: user=root
	 * as root is the way to say that root is meant (no CRIT then). */
	if (getuid() == pw->pw_uid) {
		snprintf(info, infolen, "Set uid to user %u succeeded", (unsigned)pw->pw_uid);
		return 0;
	}
	if (getuid() != 0) {
		fprintf(stderr, "Error: Can't drop privilege as nonroot user\n");
		return 2;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "Error: Could not set user id to %s: %s\n", user, strerror(errno));
		return 2;
	}
	snprintf(info, infolen, "Set uid to user %u succeeded", (unsigned)pw->pw_uid);
	return 0;
}

/* supervisord's set_rlimits_or_exit: raise soft (and, as root, hard)
 * limits to minfds/minprocs. */
static int raise_limit(int res, long min, const char *name, const char *opt, char *info,
		       size_t infolen)
{
	struct rlimit rl;
	if (min <= 0 || getrlimit(res, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)min)
		return 0;
	rlim_t hard = rl.rlim_max;
	if (hard != RLIM_INFINITY && hard < (rlim_t)min)
		hard = (rlim_t)min;
	struct rlimit want = {(rlim_t)min, hard};
	if (setrlimit(res, &want) < 0) {
		fprintf(
		    stderr,
		    "Error: The minimum number of %s required to run this process is %ld as per "
		    "the \"%s\" command-line argument or config file setting. The current "
		    "environment will only allow you to open %llu %s.  Either raise the number "
		    "in your environment or lower the %s setting in the config file to allow "
		    "the process to start.\n",
		    res == RLIMIT_NOFILE ? "file descriptors" : "available processes", min, opt,
		    (unsigned long long)rl.rlim_max,
		    res == RLIMIT_NOFILE ? "file descriptors" : "processes", opt);
		return 2;
	}
	size_t l = strlen(info);
	snprintf(info + l, infolen - l, "%sIncreased %s limit to %ld", l ? "\n" : "", name, min);
	return 0;
}

/* Each process costs supd three or four fds: take all the fds the hard
 * limit allows, and give children the soft limit supd started with (or
 * minfds), as supervisord's children get. */
static void raise_own_nofile(struct daemon *d)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	rlim_t cur = rl.rlim_cur;
	/* root may also raise the hard limit, up to the kernel's nr_open */
	struct rlimit big = {1 << 20, 1 << 20};
	if (rl.rlim_max < big.rlim_max && setrlimit(RLIMIT_NOFILE, &big) == 0) {
		d->child_nofile = (long)cur;
		return;
	}
	if (cur >= rl.rlim_max)
		return;
	d->child_nofile = (long)cur;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* A start-up failure: in supd's log, and on stderr when the log is not
 * echoed there (daemon mode, silent), so that whoever started supd sees
 * why it did not start, whatever the mode. */
static void startup_fail(const struct daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void startup_fail(const struct daemon *d, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_crit("%s", msg);
	if (!d->foreground || d->cref->c->supd.silent)
		fprintf(stderr, "Error: %s\n", msg);
}

/* fork; the child detaches like supervisord's _daemonize.  The parent
 * waits until the child's start-up is over (daemon_started): it exits 0
 * then, or with the child's status when the child failed first, whose
 * reason the child printed on the stderr they share.  (supervisord's
 * parent exits 0 at once, before the child can fail.)  Returns 0 in the
 * child, or 2. */
static int daemonize(struct daemon *d, const struct conf_supd *s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		startup_fail(d, "could not fork to daemonize: %s", strerror(errno));
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		startup_fail(d, "could not fork to daemonize: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 2;
	}
	if (pid > 0) {
		char c;
		ssize_t n;
		int st;
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st))
			_exit(WEXITSTATUS(st));
		_exit(2);
	}
	close(p[0]);
	d->ready_fd = p[1];
	if (s->directory && chdir(s->directory) < 0) {
		startup_fail(d, "can't chdir into %s: %s", s->directory, strerror(errno));
		return 2;
	}
	setsid();
	umask((mode_t)s->umask);
	return 0;
}

/* Start-up is over: the waiting parent exits 0, and the terminal is let
 * go (stdin, stdout and stderr on /dev/null). */
static void daemon_started(struct daemon *d)
{
	if (d->ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		close(fd);
	}
	ssize_t n;
	do
		n = write(d->ready_fd, "1", 1);
	while (n < 0 && errno == EINTR);
	close(d->ready_fd);
	d->ready_fd = -1;
}

static int write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	int r = 0;
	if (write(fd, buf, (size_t)n) != n)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static void cleanup(struct daemon *d)
{
	control_stop(d);
	conf_ref_put(d->reread);
	if (d->pidfile) {
		unlink(d->pidfile);
		free(d->pidfile);
	}
	events_free(d->events);
	procs_free(d->procs);
	fcgi_free(d->fcgi); /* after the processes: they held the sockets */
	if (d->sfd >= 0)
		close(d->sfd);
	loop_free(d->loop);
	free(d->shut_v);
	conf_ref_put(d->cref);
	if (d->have_slots)
		spawn_slots_close(&d->slots);
	free(d->notify_socket);
}

int daemon_run(const struct supd_opts *o, struct conf *c)
{
	struct daemon dd = {.opts = o, .sfd = -1, .foreground = o->foreground, .ready_fd = -1};
	struct daemon *d = &dd;
	char info[512] = "", uinfo[128];
	int rc;

	ensure_std_fds();
	/* Reserved while the fd numbers are still low (struct spawn_slots). */
	d->have_slots = spawn_slots_open(&d->slots) == 0;
	d->cref = conf_ref_new(c);
	if (!d->cref) {
		conf_free(c);
		fprintf(stderr, "supd: out of memory\n");
		return 1;
	}
	const struct conf_supd *s = &c->supd;
	rc = drop_privileges(s->user, uinfo, sizeof(uinfo));
	if (!rc)
		rc = raise_limit(RLIMIT_NOFILE, s->minfds, "RLIMIT_NOFILE", "minfds", info,
				 sizeof(info));
	if (!rc)
		rc = raise_limit(RLIMIT_NPROC, s->minprocs, "RLIMIT_NPROC", "minprocs", info,
				 sizeof(info));
	if (rc) {
		conf_ref_put(d->cref);
		return rc;
	}
	raise_own_nofile(d);

	log_set_level(s->loglevel);
	log_set_echo(d->foreground && !s->silent);
	if (s->logfile_syslog)
		log_set_syslog(log_syslog_default);
	if (s->logfile) {
		int r = log_open(s->logfile, s->logfile_maxbytes, s->logfile_backups);
		if (r < 0) {
			fprintf(stderr, "Error: cannot open the log file %s: %s\n", s->logfile,
				strerror(-r));
			conf_ref_put(d->cref);
			return 2;
		}
	}
	if (uinfo[0])
		log_info("%s", uinfo);
	else if (getuid() == 0)
		log_crit("supd is running as root.  Privileges were not dropped because no user "
			 "is specified in the config file.  If you intend to run as root, you can "
			 "set user=root in the config file to avoid this message.");
	log_lines(LL_INFO, info);

	int r = loop_new(&d->loop);
	if (r < 0) {
		startup_fail(d, "creating the event loop: %s", strerror(-r));
		conf_ref_put(d->cref);
		return 1;
	}
	/* Before any program starts: NOTIFY_SOCKET is supd's, not theirs. */
	d->notify_socket = sysd_notify_take();
	loop_timer_init(&d->step_timer, step_cb, d);
	loop_timer_init(&d->wait_timer, wait_report_cb, d);
	loop_timer_init(&d->orphan_timer, orphan_timer_cb, d);
	loop_timer_init(&d->shutdown_timer, shutdown_timer_cb, d);
	r = setup_signals(d);
	if (d->have_slots)
		spawn_slots_scan_signals(&d->slots); /* SIGPIPE is ignored now */
	if (r < 0) {
		startup_fail(d, "setting up signals: %s", strerror(-r));
		cleanup(d);
		return 1;
	}
	compute_server_url(d, c);
	struct procs_env env = {.loop = d->loop, .supd = s};
	r = procs_new(&d->procs, &env);
	if (r < 0) {
		startup_fail(d, "out of memory");
		cleanup(d);
		return 1;
	}
	r = events_new(&d->events, d->loop, d->procs);
	if (r == 0)
		r = fcgi_new(&d->fcgi, d->loop);
	if (r < 0) {
		startup_fail(d, "out of memory");
		cleanup(d);
		return 1;
	}
	daemon_set_procs_env(d);
	d->hook = (struct proc_hook){.cb = hook_cb, .arg = d};
	procs_add_hook(d->procs, &d->hook);
	d->fcgi_hook = (struct proc_hook){.cb = fcgi_transition, .arg = d->fcgi};
	procs_add_hook(d->procs, &d->fcgi_hook);
	char cerr[512];
	r = control_start(d, cerr, sizeof(cerr));
	if (r < 0) {
		startup_fail(d, "%s", cerr);
		cleanup(d);
		return 2;
	}
	/* Only now, so that a socket already in use is still reported on the
	 * terminal with exit status 2.  The loop, signalfd and listeners
	 * carry over into the child: they have no threads. */
	if (!d->foreground) {
		if (daemonize(d, s) != 0) {
			cleanup(d);
			return 2;
		}
		r = reopen_signalfd(d);
		if (r < 0) {
			startup_fail(d, "setting up signals: %s", strerror(-r));
			cleanup(d);
			return 1;
		}
	}
	/* Per process, not inherited: after daemonizing. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("could not become a child subreaper: %s", strerror(errno));

	if (s->pidfile) {
		r = write_pidfile(s->pidfile);
		if (r < 0)
			log_crit("could not write pidfile %s: %s", s->pidfile, strerror(-r));
		else
			d->pidfile = strdup(s->pidfile);
	}
	log_info("supd started with pid %d", (int)getpid());

	if (!s->nocleanup && s->childlogdir) {
		int n = output_cleanup_auto(s->childlogdir, s->identifier);
		if (n < 0)
			log_warn("removing old AUTO child logs in %s: %s", s->childlogdir,
				 strerror(-n));
	}
	r = add_procs(d, c, d->cref);
	if (r < 0) {
		startup_fail(d, "adding processes: %s", strerror(-r));
		cleanup(d);
		return 1;
	}
	/* Buffered until listeners are READY, as supervisord's are. */
	group_events(d, NULL, c);
	supervisor_event(d, EV_SUPERVISOR_STATE_CHANGE_RUNNING);
	autostart_all(d);
	notify(d, "READY=1");
	daemon_started(d);
	trim_heap();

	r = loop_run(d->loop);
	if (r < 0)
		log_crit("event loop: %s", strerror(-r));
	control_flush(d);
	log_info("supd stopped");
	cleanup(d);
	log_close();
	return r < 0 ? 1 : d->exit_status;
}

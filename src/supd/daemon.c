/* The running daemon: its life in daemon_run (start-up, the run loop,
 * the shutdown), the run loop's signals through a signalfd and the
 * reaper, and the glue the other steps share (the process table's
 * environment, PROCESS_GROUP and SUPERVISOR_STATE events).
 *
 * The steps live beside it: daemon_start.c (privileges, rlimits, log,
 * daemonizing, pidfile), daemon_reload.c (the config read again and
 * applied) and daemon_stop.c (the ordered shutdown, then the orphans). */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "cgroup.h"
#include "daemon_int.h"
#include "events.h"
#include "fcgi.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "proc.h"
#include "spawn.h"
#include "statefile.h"
#include "sysd.h"
#include "upgrade.h"

/* ---------------------------------------------------------------- glue */

/* Tells systemd (Type=notify) where supd is; silent when not run by it. */
void daemon_notify(struct daemon *d, const char *what)
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
void daemon_trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void trim_cb(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	daemon_trim_heap();
}

void daemon_trim_heap_soon(struct daemon *d)
{
	if (!d->trim_timer.cb)
		loop_timer_init(&d->trim_timer, trim_cb, d);
	loop_timer_arm(d->loop, &d->trim_timer, loop_now_ms() + TRIM_MS);
}

/* Where the heap began: daemon_reserve_heap makes [heap_base, brk) resident. */
static uintptr_t heap_base;

void daemon_heap_mark_base(void)
{
	heap_base = (uintptr_t)sbrk(0);
}

/* A page fault costs this host 10.7 us, a page made resident by
 * MADV_POPULATE_WRITE 0.6 us, one already resident less (doc/performance.md,
 * "Page faults"): the first reload of 10,000 programs took about 7,000
 * faults, 76 ms of its 180.  A parse allocates first from the holes that
 * daemon_trim_heap gave back, then from the top of the heap, so both are
 * made resident in one call.  glibc serves a block of n bytes with mmap,
 * and freeing it raises the mmap threshold to its size and the trim
 * threshold to twice that (mallopt(3)): the second block comes from the
 * top of the heap and stays there when freed, for the parse to use. */
void daemon_reserve_heap(size_t n)
{
	if (n < RESERVE_MIN || !heap_base)
		return;
	if (n > RESERVE_MAX)
		n = RESERVE_MAX;
	/* (volatile: a compiler may drop a malloc whose block is unused) */
	void *volatile first = malloc(n);
	free(first);
	void *volatile top = malloc(n);
	free(top);
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (heap_base + pg - 1) & ~(pg - 1);
	uintptr_t hi = (uintptr_t)sbrk(0) & ~(pg - 1);
	if (hi > lo + RESERVE_SPAN)
		lo = hi - RESERVE_SPAN; /* (the top, where the parse ends) */
	/* (EINVAL before Linux 5.14: the faults happen one by one, as before) */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

size_t daemon_heap_in_use(void)
{
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

/* Each process's group priority, indexed like c->procs: one pass over the
 * groups rather than a group lookup per process (10,000 programs). */
int *daemon_group_priorities(const struct conf *c)
{
	int *gp = malloc((c->nprocs + 1) * sizeof(int));
	if (!gp)
		return NULL;
	for (size_t i = 0; i < c->nprocs; i++)
		gp[i] = c->procs[i].s->priority;
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t k = 0; k < c->groups[g].nprocs; k++)
			if (c->groups[g].procs[k] < c->nprocs)
				gp[c->groups[g].procs[k]] = c->groups[g].priority;
	return gp;
}

void daemon_compute_server_url(struct daemon *d, const struct conf *c)
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
		*need += 2 + (p->s->out.kind != CONF_LOG_NONE);
		if (!p->s->redirect_stderr)
			*need += 1 + (p->s->err.kind != CONF_LOG_NONE);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	*have = (unsigned long)rl.rlim_cur;
	return *need <= *have;
}

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
	    .exited = daemon_proc_exited,
	    .exited_arg = d,
	    .cgroups = d->cgroups,
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
void daemon_group_events(struct daemon *d, const struct conf *old, const struct conf *nc)
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

void daemon_supervisor_event(struct daemon *d, enum ev_type t)
{
	if (events_wanted(d->events, t) && events_notify(d->events, ev_new(t, "", 0)) < 0)
		log_error("out of memory: %s event lost", ev_type_name(t));
}

int daemon_add_procs(struct daemon *d, const struct conf *c, struct conf_ref *cref)
{
	int *gp = daemon_group_priorities(c);
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

void daemon_autostart_all(struct daemon *d)
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

void daemon_log_lines(int level, const char *text)
{
	for (const char *line = text, *nl; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		log_msg(level, "%.*s", (int)(nl - line), line);
		if (!*nl)
			break;
	}
}

/* ---------------------------------------------------------------- reaping */

void daemon_reap(struct daemon *d)
{
	loop_timer_cancel(d->loop, &d->reap_timer);
	int64_t cost = 0;
	for (;;) {
		int st;
		int64_t t0 = loop_now_us();
		pid_t pid = waitpid(-1, &st, WNOHANG);
		cost += loop_now_us() - t0;
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (daemon_upgrade_reaped(d, pid, st))
			continue;
		struct proc *p = procs_find_pid(d->procs, pid);
		if (p) {
			proc_exited(p, st);
		} else if (!procs_reap_probe(d->procs, pid, st)) {
			char msg[96];
			log_debug("reaped unknown pid %d (%s)", (int)pid,
				  proc_exit_text(st, msg, sizeof(msg)));
		}
	}
	d->reap_cost_us = cost;
	d->reap_end_us = loop_now_us();
	if (d->phase == PH_ORPHANS)
		daemon_orphans_step(d);
}

/* A waitpid(-1, WNOHANG) walks the list of every child in the kernel
 * until it meets a zombie, and all of it when there is none: about 30 ns
 * a child, 0.3 ms with 10,000.  A mass stop brings their exits one or a
 * few at a time, and a sweep at each SIGCHLD made the stop quadratic
 * (bench/run scale, 10,000 programs: wait4 was 53% of supd's CPU from
 * SIGTERM to its exit).  So a SIGCHLD that comes less than REAP_PACE
 * sweeps' time after the last sweep ended waits for a timer, and that
 * one sweep collects every exit in between: the sweeps take at most a
 * ninth of the time.  Below REAP_PACE_MIN_US a sweep (hundreds of
 * children) nothing waits; at 10,000 an exit is seen up to 3 ms late. */
#define REAP_PACE	 8
#define REAP_PACE_MIN_US 20

static void reap_cb(struct loop *l, void *arg)
{
	(void)l;
	daemon_reap(arg);
}

static void reap_soon(struct daemon *d)
{
	int64_t due_us = d->reap_end_us + REAP_PACE * d->reap_cost_us;
	if (d->reap_cost_us < REAP_PACE_MIN_US || loop_now_us() >= due_us)
		daemon_reap(d);
	else if (!loop_timer_armed(&d->reap_timer))
		loop_timer_arm(d->loop, &d->reap_timer, (due_us + 999) / 1000);
}

/* ---------------------------------------------------------------- signals */

static const int handled[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2, SIGCHLD, SIGUSR1};

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
		case SIGUSR1: {
			/* supervisord leaves SIGUSR1 unused: upgrade in place,
			 * for hosts where only a signal can be sent. */
			log_info("received SIGUSR1 indicating upgrade request");
			char err[1024];
			if (daemon_upgrade_begin(d, NULL, NULL, err, sizeof(err)) < 0)
				log_error("upgrade refused: %s", err);
			break;
		}
		case SIGCHLD:
			log_debug("received SIGCHLD indicating a child quit");
			break;
		}
	}
	/* Reap after every read (a SIGCHLD coalesces several exits), at the
	 * pace the number of children allows. */
	reap_soon(d);
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
int daemon_reopen_signalfd(struct daemon *d)
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

/* ---------------------------------------------------------------- life */

static void cleanup(struct daemon *d)
{
	control_stop(d);
	conf_ref_put(d->reread);
	if (d->state) {
		/* every process is stopped by now: nothing to find */
		statefile_close(d->state, true);
		free(d->state);
	}
	if (d->pidfile) {
		unlink(d->pidfile);
		free(d->pidfile);
	}
	events_free(d->events);
	procs_free(d->procs);
	/* after the processes: they held leaves */
	cgroups_close(d->cgroups);
	fcgi_free(d->fcgi); /* after the processes: they held the sockets */
	if (d->sfd >= 0)
		close(d->sfd);
	loop_free(d->loop);
	free(d->shut_v);
	conf_ref_put(d->cref);
	if (d->have_slots)
		spawn_slots_close(&d->slots);
	free(d->notify_socket);
	free(d->upgrade_path);
	free(d->upgrade_error);
	if (d->upg) { /* (a start-up that failed before taking it over) */
		upg_state_free(d->upg);
		free(d->upg);
	}
}

/* cgroups: supd's subtree, or why not, said once.  Before daemonizing:
 * the daemon is born in the leaf supd moved to. */
static void open_cgroups(struct daemon *d)
{
	const struct conf *c = d->cref->c;
	/* The buffers on the heap: this runs once, and what a frame touches
	 * of the stack stays resident for supd's life. */
	size_t whylen = PATH_MAX + 256;
	char name[32], *why = malloc(whylen);
	char *real = c->path ? realpath(c->path, NULL) : NULL;
	if (!why) {
		free(real);
		log_info("cgroups off (out of memory): programs are stopped through their process "
			 "groups");
		return;
	}
	/* On a host the subtree is named after the config, so that a supd
	 * started again on it finds what the last one left. */
	const char *key = real ? real : c->path ? c->path : "";
	uint32_t h = 2166136261u;
	for (const char *k = key; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	free(real);
	snprintf(name, sizeof(name), "supd-%08x", h);
	const char *fs = getenv("SUPD_CGROUP_FS");
	struct cgroups_opts o = {
	    .off = c->supd.cgroups == CONF_CGROUPS_OFF,
	    .fs = fs && *fs ? fs : NULL,
	    .name = name,
	    .pid1 = getpid() == 1,
	    .delegated = getenv("INVOCATION_ID") != NULL,
	    .loop = d->loop,
	};
	int r = cgroups_open(&d->cgroups, &o, why, whylen);
	if (r < 0)
		log_info("cgroups off (%s): programs are stopped through their process groups",
			 why);
	else
		log_info("cgroups on, %s", why);
	free(why);
}

/* The signals, the process table with its event listener pools and fcgi
 * sockets, wired to the loop.  Returns 0 or the exit status. */
static int open_engine(struct daemon *d)
{
	/* Before any program starts: NOTIFY_SOCKET is supd's, not theirs. */
	d->notify_socket = sysd_notify_take();
	daemon_stop_init(d);
	loop_timer_init(&d->reap_timer, reap_cb, d);
	int r = setup_signals(d);
	if (d->have_slots)
		spawn_slots_scan_signals(&d->slots); /* SIGPIPE is ignored now */
	if (r < 0) {
		daemon_startup_fail(d, "setting up signals: %s", strerror(-r));
		return 1;
	}
	daemon_compute_server_url(d, d->cref->c);
	open_cgroups(d);
	struct procs_env env = {.loop = d->loop, .supd = &d->cref->c->supd};
	r = procs_new(&d->procs, &env);
	if (r == 0)
		r = events_new(&d->events, d->loop, d->procs);
	if (r == 0)
		r = fcgi_new(&d->fcgi, d->loop);
	if (r < 0) {
		daemon_startup_fail(d, "out of memory");
		return 1;
	}
	daemon_set_procs_env(d);
	d->hook = (struct proc_hook){.cb = daemon_proc_changed, .arg = d};
	procs_add_hook(d->procs, &d->hook);
	d->fcgi_hook = (struct proc_hook){.cb = fcgi_transition, .arg = d->fcgi};
	procs_add_hook(d->procs, &d->fcgi_hook);
	return 0;
}

static int open_control(struct daemon *d)
{
	char cerr[512];
	int r = control_start(d, cerr, sizeof(cerr));
	if (r < 0) {
		daemon_startup_fail(d, "%s", cerr);
		return 2;
	}
	return 0;
}

/* Before any program starts: what a supd that died left running is
 * stopped, then this one's record is kept (statefile.h).  A failure is
 * logged, never fatal. */
static void open_state(struct daemon *d)
{
	char *path = statefile_path(&d->cref->c->supd);
	if (!path)
		return;
	statefile_recover(path, d->cref->c);
	d->state = malloc(sizeof(*d->state));
	if (!d->state) {
		log_error("out of memory: no state file %s kept", path);
		free(path);
		return;
	}
	int r = statefile_open(d->state, path, d->loop, d->procs);
	if (r < 0) {
		log_warn("could not write the state file %s: %s (a supd started after this one "
			 "dies may run second copies of the programs)",
			 path, strerror(-r));
		statefile_close(d->state, false);
		free(d->state);
		d->state = NULL;
	}
}

/* The config's programs in the table, their groups announced and the
 * autostart ones started. */
static int start_programs(struct daemon *d)
{
	const struct conf *c = d->cref->c;
	const struct conf_supd *s = &c->supd;
	/* (an upgrade in place keeps the AUTO logs it appends to) */
	if (!s->nocleanup && s->childlogdir && !d->upg) {
		int n = output_cleanup_auto(s->childlogdir, s->identifier);
		if (n < 0)
			log_warn("removing old AUTO child logs in %s: %s", s->childlogdir,
				 strerror(-n));
	}
	/* (an upgrade in place: the log files come with the processes) */
	if (d->upg)
		procs_defer_logs(d->procs, true);
	int r = daemon_add_procs(d, c, d->cref);
	if (r < 0) {
		procs_defer_logs(d->procs, false);
		daemon_startup_fail(d, "adding processes: %s", strerror(-r));
		return 1;
	}
	if (d->upg) {
		/* An upgrade in place: the processes run on, nothing starts. */
		daemon_upgrade_adopt(d);
		daemon_notify(d, "READY=1");
		/* (the heap is trimmed a second later, once the control
		 * socket answers again: daemon_upgrade_adopt) */
		return 0;
	}
	/* Buffered until listeners are READY, as supervisord's are. */
	daemon_group_events(d, NULL, c);
	daemon_supervisor_event(d, EV_SUPERVISOR_STATE_CHANGE_RUNNING);
	daemon_autostart_all(d);
	daemon_notify(d, "READY=1");
	daemon_started(d);
	daemon_trim_heap();
	return 0;
}

/* Until the shutdown (daemon_stop.c) stops the loop. */
static int run_until_stopped(struct daemon *d)
{
	int r = loop_run(d->loop);
	if (r < 0)
		log_crit("event loop: %s", strerror(-r));
	control_flush(d);
	log_info("supd stopped");
	cleanup(d);
	log_close();
	return r < 0 ? 1 : d->exit_status;
}

int daemon_run(const struct supd_opts *o, struct conf *c)
{
	struct daemon dd = {
	    .opts = o, .sfd = -1, .foreground = o->foreground, .ready_fd = -1, .probe_fd = -1};
	struct daemon *d = &dd;
	/* Before the start-up opens anything: the document names fds. */
	bool upgrade_failed = o->upgrade_fd >= 0 && daemon_upgrade_take(d) < 0;

	/* A failure here leaves nothing to free. */
	int rc = daemon_start_process(d, c);
	if (rc)
		return rc;
	if (upgrade_failed)
		log_crit("upgrade in place failed, starting afresh: %s", d->upgrade_error);
	rc = open_engine(d);
	if (!rc)
		rc = open_control(d);
	if (!rc)
		rc = daemon_start_detach(d);
	if (!rc) {
		open_state(d);
		rc = start_programs(d);
	}
	if (rc) {
		cleanup(d);
		return rc;
	}
	return run_until_stopped(d);
}

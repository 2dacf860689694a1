/* supervisord's process state machine (states.py, process.py), driven by
 * events instead of a once-a-second transition() pass:
 *
 *   STOPPED  -> STARTING  start request, or autostart if never started
 *   EXITED   -> STARTING  on exit, by autorestart (true; unexpected: the
 *                         exit status is not in exitcodes), no delay
 *   FATAL    -> STARTING  start request only
 *   BACKOFF  -> STARTING  the backoff delay passed (1 s, 2 s, 3 s, ...)
 *   STARTING -> RUNNING   up for more than startsecs (timer); backoff = 0
 *   STARTING -> BACKOFF   exited within startsecs, or the spawn failed
 *   BACKOFF  -> FATAL     backoff > startretries ("gave up")
 *   BACKOFF  -> STOPPED   stop request (no signal to send)
 *   RUNNING  -> EXITED    exited
 *   RUNNING, STARTING -> STOPPING  stop request: stopsignal, then SIGKILL
 *                         every stopwaitsecs until it dies
 *   STOPPING -> STOPPED   exited
 *   any signalled state -> UNKNOWN  kill() failed with other than ESRCH
 *
 * Each state has at most one deadline, p->timer; on_timer() is the
 * "time passed" column of the table and proc_exited() the "exited" one.
 * While supd shuts down nothing is spawned. */
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

#include "log.h"
#include "output.h"
#include "proc.h"
#include "spawn.h"

struct procs {
	struct procs_env env;
	struct proc **v; /* start order when !dirty */
	size_t n, cap;
	bool dirty;
	struct proc **byname; /* chains through name_next */
	struct proc **bypid;  /* chains through pid_next */
	size_t nbuckets;      /* power of two, for both tables */
	struct proc_hook *hooks;
	bool shutting_down;
	struct proc *execs;	 /* spawned, exec not confirmed (exec_next list) */
	struct output_ctx *outs; /* what the processes' outputs share */
};

/* ---------------------------------------------------------------- conf refs */

struct conf_ref *conf_ref_new(struct conf *c)
{
	struct conf_ref *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	r->refs = 1;
	return r;
}

static struct conf_ref *conf_ref_get(struct conf_ref *r)
{
	if (r)
		r->refs++;
	return r;
}

void conf_ref_put(struct conf_ref *r)
{
	if (r && --r->refs == 0) {
		conf_free(r->c);
		free(r);
	}
}

/* ---------------------------------------------------------------- tables */

static uint64_t name_hash(const char *group, const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *s = group; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t pid_bucket(const struct procs *t, pid_t pid)
{
	return ((uint32_t)pid * 2654435761U) & (t->nbuckets - 1);
}

static size_t name_bucket(const struct procs *t, const struct proc *p)
{
	return name_hash(p->conf->group, p->conf->name) & (t->nbuckets - 1);
}

static void pid_insert(struct procs *t, struct proc *p)
{
	size_t b = pid_bucket(t, p->pid);
	p->pid_next = t->bypid[b];
	t->bypid[b] = p;
}

static void pid_remove(struct procs *t, struct proc *p)
{
	struct proc **pp = &t->bypid[pid_bucket(t, p->pid)];
	while (*pp && *pp != p)
		pp = &(*pp)->pid_next;
	if (*pp)
		*pp = p->pid_next;
	p->pid_next = NULL;
}

static void name_insert(struct procs *t, struct proc *p)
{
	size_t b = name_bucket(t, p);
	p->name_next = t->byname[b];
	t->byname[b] = p;
}

static void name_remove(struct procs *t, struct proc *p)
{
	struct proc **pp = &t->byname[name_bucket(t, p)];
	while (*pp && *pp != p)
		pp = &(*pp)->name_next;
	if (*pp)
		*pp = p->name_next;
	p->name_next = NULL;
}

static int rehash(struct procs *t, size_t nb)
{
	struct proc **byname = calloc(nb, sizeof(*byname));
	struct proc **bypid = calloc(nb, sizeof(*bypid));
	if (!byname || !bypid) {
		free(byname);
		free(bypid);
		return -ENOMEM;
	}
	free(t->byname);
	free(t->bypid);
	t->byname = byname;
	t->bypid = bypid;
	t->nbuckets = nb;
	for (size_t i = 0; i < t->n; i++) {
		name_insert(t, t->v[i]);
		if (t->v[i]->pid > 0)
			pid_insert(t, t->v[i]);
	}
	return 0;
}

int procs_new(struct procs **out, const struct procs_env *env)
{
	struct procs *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->env = *env;
	if (rehash(t, 64) < 0 || output_ctx_new(&t->outs, env->loop) < 0) {
		free(t->byname);
		free(t->bypid);
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void procs_set_env(struct procs *t, const struct procs_env *env)
{
	/* The loop stays: the outputs' shared context was made for it. */
	t->env = *env;
}

static void close_exec(struct proc *p)
{
	if (p->exec_fd < 0)
		return;
	if (p->exec_prev)
		p->exec_prev->exec_next = p->exec_next;
	else
		p->tab->execs = p->exec_next;
	if (p->exec_next)
		p->exec_next->exec_prev = p->exec_prev;
	p->exec_prev = p->exec_next = NULL;
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

static void proc_free(struct proc *p)
{
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

void procs_free(struct procs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		proc_free(t->v[i]);
	free(t->v);
	free(t->byname);
	free(t->bypid);
	output_ctx_free(t->outs);
	free(t);
}

static void on_timer(struct loop *l, void *arg);
static void on_exec(struct loop *l, int fd, uint32_t events, void *arg);

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

int procs_add(struct procs *t, const struct conf_process *pc, struct conf_ref *cref, int gprio,
	      struct proc **out)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		struct proc **v = realloc(t->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = nc;
	}
	if (t->n + 1 > t->nbuckets && rehash(t, t->nbuckets * 2) < 0)
		return -ENOMEM;
	struct proc *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->tab = t;
	p->conf = pc;
	p->cref = conf_ref_get(cref);
	p->gprio = gprio;
	p->state = PROC_STOPPED;
	p->exec_fd = -1;
	p->stdin_fd = -1;
	loop_timer_init(&p->timer, on_timer, p);
	open_output(p);
	p->order_idx = t->n;
	t->v[t->n++] = p;
	t->dirty = true;
	name_insert(t, p);
	if (out)
		*out = p;
	return 0;
}

void procs_remove(struct procs *t, struct proc *p)
{
	if (p->pid > 0)
		pid_remove(t, p);
	name_remove(t, p);
	size_t i = p->order_idx;
	t->v[i] = t->v[--t->n];
	t->v[i]->order_idx = i;
	t->dirty = true;
	proc_free(p);
}

struct proc *procs_find(const struct procs *t, const char *group, const char *name)
{
	struct proc *p = t->byname[name_hash(group, name) & (t->nbuckets - 1)];
	for (; p; p = p->name_next)
		if (!strcmp(p->conf->name, name) && !strcmp(p->conf->group, group))
			return p;
	return NULL;
}

struct proc *procs_find_pid(const struct procs *t, pid_t pid)
{
	for (struct proc *p = t->bypid[pid_bucket(t, pid)]; p; p = p->pid_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

size_t procs_count(const struct procs *t)
{
	return t->n;
}

static int order_cmp(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;
	if (x->gprio != y->gprio)
		return x->gprio < y->gprio ? -1 : 1;
	int c = strcmp(x->conf->group, y->conf->group);
	if (c)
		return c;
	if (x->conf->priority != y->conf->priority)
		return x->conf->priority < y->conf->priority ? -1 : 1;
	return strcmp(x->conf->name, y->conf->name);
}

struct proc *const *procs_ordered(struct procs *t)
{
	if (t->dirty) {
		qsort(t->v, t->n, sizeof(*t->v), order_cmp);
		for (size_t i = 0; i < t->n; i++)
			t->v[i]->order_idx = i;
		t->dirty = false;
	}
	return t->v;
}

void procs_add_hook(struct procs *t, struct proc_hook *h)
{
	h->next = t->hooks;
	t->hooks = h;
}

void procs_remove_hook(struct procs *t, struct proc_hook *h)
{
	for (struct proc_hook **pp = &t->hooks; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			return;
		}
	}
}

void procs_set_shutting_down(struct procs *t, bool on)
{
	t->shutting_down = on;
}

bool procs_shutting_down(const struct procs *t)
{
	return t->shutting_down;
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
	return buf;
}

static void set_spawnerr(struct proc *p, const char *msg)
{
	free(p->spawnerr);
	p->spawnerr = msg ? strdup(msg) : NULL;
}

static void change_state(struct proc *p, enum proc_state to)
{
	enum proc_state from = p->state;
	if (from == to)
		return;
	p->state = to;
	if (to == PROC_STARTING)
		p->starts++;
	if (to == PROC_BACKOFF) {
		p->backoff++;
		loop_timer_arm(p->tab->env.loop, &p->timer, loop_now_ms() + 1000LL * p->backoff);
	}
	for (struct proc_hook *h = p->tab->hooks, *next; h; h = next) {
		next = h->next;
		h->cb(p, from, to, h->arg);
	}
}

static void give_up(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	p->backoff = 0;
	change_state(p, PROC_FATAL);
	log_info("gave up: %s entered FATAL state, too many start retries too quickly",
		 p->conf->name);
}

static void enter_backoff(struct proc *p)
{
	change_state(p, PROC_BACKOFF);
	if (p->backoff > p->conf->startretries)
		give_up(p);
}

static void enter_running(struct proc *p)
{
	loop_timer_cancel(p->tab->env.loop, &p->timer);
	p->backoff = 0;
	change_state(p, PROC_RUNNING);
	log_info("success: %s entered RUNNING state, process has stayed up for > than %d seconds "
		 "(startsecs)",
		 p->conf->name, p->conf->startsecs);
}
/* A spawn's outcome is known: err says why the child failed before its
 * exec (reported when it is reaped), or NULL: it exec'd, and with
 * startsecs=0 that is RUNNING. */
static void exec_outcome(struct proc *p, const char *err)
{
	if (err) {
		free(p->exec_err);
		p->exec_err = strdup(err);
		if (!p->exec_err)
			p->exec_err = strdup("spawn error");
		loop_timer_cancel(p->tab->env.loop, &p->timer);
		return;
	}
	if (p->state == PROC_STARTING && p->conf->startsecs <= 0)
		enter_running(p);
}

/* STOPPED/EXITED/FATAL/BACKOFF -> STARTING, then RUNNING (startsecs=0),
 * STARTING (timer armed) or BACKOFF (spawn error).  Returns 0 or -ECHILD. */
static int spawn(struct proc *p)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	if (p->pid) {
		log_warn("process '%s' already running", c->name);
		return -EALREADY;
	}
	p->killing = false;
	p->administrative_stop = false;
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
		r = spawn_start(&req, &ch, err, sizeof(err));
	if (r < 0) {
		set_spawnerr(p, err);
		log_info("spawnerr: %s", err);
		enter_backoff(p);
		return -ECHILD;
	}
	p->pid = ch.pid;
	p->last_pid = ch.pid;
	p->stdin_fd = ch.fd_in;
	if (ch.fd_in < 0 && !t->env.no_stdin_pipes && !req.fcgi)
		log_warn("no stdin pipe for '%s' (too many open files): its stdin is /dev/null",
			 c->name);
	pid_insert(t, p);
	if (c->kind == CONF_EVENTLISTENER && t->env.listener_attach && ch.fd_out >= 0) {
		int rl = t->env.listener_attach(p, ch.fd_out, t->env.listener_arg);
		if (rl == 0)
			ch.fd_out = -1;
		else
			log_warn("event listener '%s': %s", c->name, strerror(-rl));
	}
	if (p->out) {
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
	p->exec_prev = NULL;
	p->exec_next = t->execs;
	if (t->execs)
		t->execs->exec_prev = p;
	t->execs = p;
	if (loop_watch_fd(t->env.loop, p->exec_fd, EPOLLIN, on_exec, p) < 0) {
		/* Unwatched, the answer is read when the child exits. */
		if (c->startsecs <= 0)
			enter_running(p);
	}
	return 0;
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
	for (struct proc *p = t->execs, *next; p; p = next) {
		next = p->exec_next;
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

/* Sends sig to the process (or its group), entering STOPPING.  BACKOFF
 * has nothing to signal and goes straight to STOPPED. */
static int kill_proc(struct proc *p, int sig)
{
	struct loop *l = p->tab->env.loop;
	char sn[32];
	if (p->state == PROC_BACKOFF) {
		log_debug("Attempted to kill %s, which is in BACKOFF state.", p->conf->name);
		loop_timer_cancel(l, &p->timer);
		change_state(p, PROC_STOPPED);
		return 0;
	}
	if (!p->pid) {
		log_debug("attempted to kill %s with sig %s but it wasn't running", p->conf->name,
			  spawn_signame(sig, sn, sizeof(sn)));
		return -ESRCH;
	}
	bool as_group = p->state == PROC_STOPPING ? p->conf->killasgroup : p->conf->stopasgroup;
	log_debug("killing %s (pid %d) %swith signal %s", p->conf->name, (int)p->pid,
		  as_group ? "process group " : "", spawn_signame(sig, sn, sizeof(sn)));
	p->killing = true;
	loop_timer_arm(l, &p->timer, loop_now_ms() + 1000LL * p->conf->stopwaitsecs);
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
		loop_timer_cancel(l, &p->timer);
		p->killing = false;
		change_state(p, PROC_UNKNOWN);
		return -EIO;
	}
	return 0;
}

static void finish_pending(struct proc *p);

static void on_timer(struct loop *l, void *arg)
{
	struct proc *p = arg;
	(void)l;
	switch (p->state) {
	case PROC_STARTING:
		if (p->exec_fd >= 0)
			settle_exec(p);
		if (!p->exec_err && p->state == PROC_STARTING)
			enter_running(p);
		break;
	case PROC_BACKOFF:
		if (!p->tab->shutting_down && p->backoff <= p->conf->startretries)
			spawn(p);
		break;
	case PROC_STOPPING:
		log_warn("killing '%s' (%d) with SIGKILL", p->conf->name, (int)p->pid);
		kill_proc(p, SIGKILL);
		break;
	default:
		break;
	}
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

void proc_exited(struct proc *p, int st)
{
	struct procs *t = p->tab;
	const struct conf_process *c = p->conf;
	char msg[128];
	if (p->out)
		output_drain(p->out);
	if (p->exec_fd >= 0)
		settle_exec(p); /* final now: the child is gone */
	close_stdin(p);
	loop_timer_cancel(t->env.loop, &p->timer);
	pid_remove(t, p);
	p->pid = 0;
	p->wstatus = st;
	p->laststop = time(NULL);
	if (p->exec_err) {
		/* It never ran: a spawn error, not an exit. */
		set_spawnerr(p, p->exec_err);
		free(p->exec_err);
		p->exec_err = NULL;
		log_info("spawnerr: %s", p->spawnerr);
		if (p->killing) {
			p->killing = false;
			change_state(p, PROC_STOPPED);
		} else {
			enter_backoff(p);
		}
		finish_pending(p);
		return;
	}
	int es = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	bool expected = es >= 0 && conf_exitcode_expected(c, es);
	bool too_quickly = loop_now_ms() - p->start_ms < 1000LL * c->startsecs;
	proc_exit_text(st, msg, sizeof(msg));

	if (p->killing) {
		p->killing = false;
		p->exitstatus = es;
		change_state(p, PROC_STOPPED);
		log_msg(expected ? LL_INFO : LL_WARN, "stopped: %s (%s)", c->name, msg);
	} else if (too_quickly && p->state == PROC_STARTING) {
		p->exitstatus = es;
		set_spawnerr(p, "Exited too quickly (process log may have details)");
		log_warn("exited: %s (%s; not expected)", c->name, msg);
		if (t->env.exited)
			t->env.exited(p, st, expected, t->env.exited_arg);
		enter_backoff(p);
	} else {
		p->backoff = 0;
		p->exitstatus = es;
		if (p->state == PROC_STARTING)
			change_state(p, PROC_RUNNING);
		if (expected) {
			log_info("exited: %s (%s; expected)", c->name, msg);
		} else {
			char bad[64];
			snprintf(bad, sizeof(bad), "Bad exit code %d", es);
			set_spawnerr(p, bad);
			log_warn("exited: %s (%s; not expected)", c->name, msg);
		}
		change_state(p, PROC_EXITED);
		if (t->env.exited)
			t->env.exited(p, st, expected, t->env.exited_arg);
		if (!t->shutting_down && !p->removing && !p->next_conf &&
		    wants_restart(p, expected))
			spawn(p);
	}
	finish_pending(p);
}

/* A reload retired or replaced p while it ran: act once it is down. */
static void finish_pending(struct proc *p)
{
	if (p->pid || (!p->removing && !p->next_conf) || !proc_is_stopped(p))
		return;
	struct procs *t = p->tab;
	if (p->removing) {
		for (struct proc_hook *h = t->hooks, *next; h; h = next) {
			next = h->next;
			h->cb(p, p->state, PROC_REMOVED, h->arg);
		}
		procs_remove(t, p);
		return;
	}
	name_remove(t, p);
	conf_ref_put(p->cref);
	p->conf = p->next_conf;
	p->cref = p->next_cref;
	p->next_conf = NULL;
	p->next_cref = NULL;
	name_insert(t, p);
	t->dirty = true;
	output_free(p->out);
	p->out = NULL;
	open_output(p);
	/* A new process as far as supervisord is concerned. */
	p->laststart = 0;
	p->laststop = 0;
	p->backoff = 0;
	set_spawnerr(p, NULL);
	change_state(p, PROC_STOPPED);
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
	if (proc_is_running(p) || p->state == PROC_STOPPING)
		return -EALREADY;
	if (p->state == PROC_UNKNOWN)
		return -EIO;
	return spawn(p);
}

int proc_autostart(struct proc *p)
{
	if (p->tab->shutting_down || !p->conf->autostart || p->laststart ||
	    p->state != PROC_STOPPED)
		return 0;
	return spawn(p);
}

int proc_stop(struct proc *p)
{
	if (!proc_is_running(p))
		return -ESRCH;
	p->administrative_stop = true;
	int r = kill_proc(p, p->conf->stopsignal);
	finish_pending(p);
	return r;
}

int proc_stop_for_shutdown(struct proc *p)
{
	switch (p->state) {
	case PROC_RUNNING:
	case PROC_STARTING:
		p->administrative_stop = true;
		return kill_proc(p, p->conf->stopsignal);
	case PROC_BACKOFF:
		give_up(p);
		return 0;
	default:
		return 0;
	}
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
		loop_timer_cancel(p->tab->env.loop, &p->timer);
		p->killing = false;
		change_state(p, PROC_UNKNOWN);
		return -EIO;
	}
	return 0;
}

/* The free room is checked first (supd is the pipe's only writer, and
 * the reader only makes more), so a write that cannot fit is refused
 * whole instead of leaving the child half a line. */
int proc_send_stdin(struct proc *p, const void *buf, size_t len)
{
	if (!p->pid || p->killing || p->state == PROC_STOPPING)
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
	name_remove(t, p);
	conf_ref_put(p->cref);
	p->conf = pc;
	p->cref = conf_ref_get(cref);
	name_insert(t, p);
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

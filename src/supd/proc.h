/* Supervised processes: supervisord's state machine for each (proc.c,
 * one states x events table), and the table that holds them all, lookup
 * by name and by pid (proc_table.c).
 *
 * Every timer (startsecs, backoff delay, stopwaitsecs) is a loop deadline;
 * nothing polls.  Transitions are logged with supervisord's wording and
 * reported to hooks, so the control plane can wait for RUNNING or STOPPED
 * without polling.
 *
 * Errors of proc_start/proc_stop/proc_signal are negative errnos that map
 * to supervisord's faults:
 *   -ENOENT     NO_FILE          the command does not exist
 *   -EACCES     NOT_EXECUTABLE   is a directory / not executable / unparsable
 *   -EALREADY   ALREADY_STARTED  STARTING, RUNNING or BACKOFF
 *   -ESRCH      NOT_RUNNING      stop/signal of a process with no pid
 *   -EIO        FAILED           the process is in the UNKNOWN state
 *   -ECHILD     SPAWN_ERROR      the spawn failed (proc->spawnerr says why)
 *   -EINVAL     BAD_SIGNAL       signal number out of range
 *   -ESHUTDOWN  SHUTDOWN_STATE   supd is shutting down
 */
#ifndef SUPD_PROC_H
#define SUPD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "list.h"
#include "loop.h"
#include "output.h"

enum proc_state {
	PROC_STOPPED = 0,
	PROC_STARTING = 10,
	PROC_RUNNING = 20,
	PROC_BACKOFF = 30,
	PROC_STOPPING = 40,
	PROC_EXITED = 100,
	PROC_FATAL = 200,
	PROC_UNKNOWN = 1000,
	/* Not a state: reported to hooks just before the process is freed
	 * (removed by a reload); the pointer is invalid after the call. */
	PROC_REMOVED = -1,
};

struct procs;
struct output;
struct spawn_slots;

/* One supervised process.  Read-only outside proc.c. */
struct proc {
	struct procs *tab;
	const struct conf_process *conf; /* in the config currently applied */
	struct conf_ref *cref;		 /* keeps conf alive */
	struct output *out;		 /* NULL when output_new failed with ENOMEM */
	int gprio;			 /* the group's priority (ordering key) */

	enum proc_state state;
	pid_t pid;		    /* 0: none */
	pid_t last_pid;		    /* the pid of the last run, for the hooks of its exit */
	time_t laststart, laststop; /* wall clock, for display; 0: never */
	int64_t start_ms;	    /* monotonic, for startsecs */
	int backoff;		    /* serial failed starts */
	uint64_t starts;	    /* entries into STARTING since added (metrics' restarts) */
	int exitstatus;		    /* last exit code, -1 for a signal */
	int wstatus;		    /* raw wait status of the last exit */
	char *spawnerr;		    /* NULL: none */
	struct loop_timer timer;    /* the one deadline of the current state */
	int exec_fd;		    /* the spawn's error pipe until exec is confirmed; -1 */
	int stdin_fd;		    /* write end of the child's stdin pipe while it has a pid; -1 */
	char *exec_err;		    /* the child failed before exec: why (until reaped) */

	/* engine bookkeeping */
	bool removing;			      /* removed by a reload: free once stopped */
	const struct conf_process *next_conf; /* changed by a reload: swap once stopped */
	struct conf_ref *next_cref;
	size_t order_idx;
	LIST_LINK(struct proc) by_pid, by_name; /* hash chains */
	LIST_LINK(struct proc) exec_link;	/* procs whose exec is unconfirmed */
	/* statefile.c (issue #15): the start time of pid (/proc/PID/stat
	 * field 22), read at the first state file write after the spawn; 0:
	 * not read yet */
	uint64_t pid_start;
	/* svc-kinds: a scheduled program's timer and next run (proc.c);
	 * NULL for any other */
	struct proc_kinds *kinds;

	/* svc-deps: what it depends on and who depends on it, its wait
	 * (proc_deps.c); NULL: no dependency either way */
	struct proc_deps *deps;
	/* cgroups: the leaf and its stop's state; NULL until the first start
	 * with cgroups on */
	struct proc_cg *cg;
	/* readiness and health checks (proc_check.h): allocated at the first
	 * start of a program that has some; NULL otherwise */
	struct proc_checks *chk;
	/* metrics (issue #16): the descriptors /metrics keeps to read the
	 * resource use with one pread each; NULL until the first scrape */
	struct proc_res *res;
};

/* cgroups: a process's leaf (cgroup.h) and what its stop waits for. */
struct proc_cg {
	struct cgroup *leaf;
	uint64_t oom_base;	  /* memory.events oom_kill when this run began */
	int64_t stop_deadline_ms; /* STOPPING: when what is left gets SIGKILL */
	bool waiting;		  /* STOPPING, the main process reaped: until the leaf is empty */
	bool oom;		  /* the last exit came with an OOM kill in the leaf */
};

/* A reference-counted config, so a process removed or changed by a reload
 * keeps its old settings (stopwaitsecs, killasgroup...) while it stops. */
struct conf_ref {
	struct conf *c;
	int refs;
};

struct conf_ref *conf_ref_new(struct conf *c);
void conf_ref_put(struct conf_ref *r);

typedef void (*proc_hook_cb)(struct proc *p, enum proc_state from, enum proc_state to, void *arg);

/* Something but the state changed (proc_check.h).  The state is
 * p->state. */
enum proc_change {
	PROC_CHANGE_READY,  /* the ready check passed */
	PROC_CHANGE_HEALTH, /* proc_health(p) is new */
	PROC_CHANGE_STATUS, /* STATUS= text */
};
typedef void (*proc_change_cb)(struct proc *p, enum proc_change what, void *arg);

/* A transition subscriber, embedded in its owner.  A hook may remove
 * itself (only itself) while it runs. */
struct proc_hook {
	proc_hook_cb cb;
	void *arg;
	proc_change_cb changed; /* NULL: not interested */
	LIST_LINK(struct proc_hook) link;
};

/* What spawning needs from the daemon. */
struct procs_env {
	struct loop *loop;
	const struct conf_supd *supd;
	const char *server_url;		 /* SUPERVISOR_SERVER_URL; NULL: unset */
	char *const *environ;		 /* supd's environment; NULL: environ */
	long child_nofile;		 /* RLIMIT_NOFILE soft limit for children; 0: inherit */
	const struct spawn_slots *slots; /* NULL: plain fork */
	bool no_stdin_pipes;		 /* children's stdin is /dev/null (fds are short) */
	/* An event listener's stdout is its protocol channel: at each spawn
	 * of one, its read end goes here rather than to its output (0: taken;
	 * < 0: output gets it).  NULL: output gets it. */
	int (*listener_attach)(struct proc *p, int fd_out, void *arg);
	/* A chunk of output of a channel with *_events_enabled (PROCESS_LOG),
	 * or with comm set, what it captured (PROCESS_COMMUNICATION), read
	 * while p has this pid.  NULL: none. */
	void (*log_event)(struct proc *p, int channel, bool comm, const char *data, size_t len,
			  void *arg);
	void *listener_arg; /* for both */
	/* [fcgi-program:x]: the socket for p's stdin (fcgi.h), or a negative
	 * errno with the spawn error in err.  NULL: such programs cannot
	 * spawn. */
	int (*fcgi_socket)(const struct conf_process *p, char *err, size_t errlen, void *arg);
	void *fcgi_arg;
	/* p exited by itself (not stopped by supd, not a spawn error): st is
	 * its wait status, expected per exitcodes.  Called once the exit is
	 * logged and before p is restarted, so that procs_set_shutting_down
	 * from here prevents the restart.  NULL: none. */
	void (*exited)(struct proc *p, int st, bool expected, void *arg);
	void *exited_arg;
	/* cgroups: supd's subtree (cgroup.h); NULL: process groups only */
	struct cgroups *cgroups;
};

int procs_new(struct procs **out, const struct procs_env *env);
/* Frees every process (without stopping them: the daemon does that). */
void procs_free(struct procs *t);
void procs_set_env(struct procs *t, const struct procs_env *env);
/* An upgrade in place: while on, processes added open no log file (their
 * previous image's comes with proc_adopt); off opens what none handed
 * over. */
void procs_defer_logs(struct procs *t, bool on);

/* Adds a process for pc (which cref keeps alive); it starts STOPPED. */
int procs_add(struct procs *t, const struct conf_process *pc, struct conf_ref *cref, int gprio,
	      struct proc **out);
/* Removes and frees a process that has no pid. */
void procs_remove(struct procs *t, struct proc *p);

/* Reload.  proc_rebind: the new config of p is equal (conf_process_equal):
 * keep running, only point at the new model.  proc_replace: it changed:
 * stop p if it runs, then switch to pc and autostart.  proc_retire: it is
 * gone: stop p if it runs, then free it (hooks see PROC_REMOVED).  Each
 * takes its own reference on cref.  After proc_replace/proc_retire, p may
 * already be freed (retire) or restarted. */
void proc_rebind(struct proc *p, const struct conf_process *pc, struct conf_ref *cref, int gprio);
void proc_replace(struct proc *p, const struct conf_process *pc, struct conf_ref *cref, int gprio);
void proc_retire(struct proc *p);

struct proc *procs_find(const struct procs *t, const char *group, const char *name);
struct proc *procs_find_pid(const struct procs *t, pid_t pid);
size_t procs_count(const struct procs *t);
/* Changes whenever a process is added or removed (not on state changes). */
unsigned long procs_generation(const struct procs *t);
/* Processes in start order: ascending (group priority, priority), then
 * group and name.  Valid until the next procs_add/procs_remove. */
struct proc *const *procs_ordered(struct procs *t);

/* The processes' log files' dropping notices (output.h) go to fn (NULL:
 * nowhere). */
void procs_set_output_notice(struct procs *t, output_notice_fn fn, void *arg);

void procs_add_hook(struct procs *t, struct proc_hook *h);
void procs_remove_hook(struct procs *t, struct proc_hook *h);

/* While shutting down no process is spawned: no autorestart, no backoff
 * retry, and proc_start fails with -ESHUTDOWN. */
void procs_set_shutting_down(struct procs *t, bool on);
bool procs_shutting_down(const struct procs *t);

/* What happens to a process: the columns of proc.c's state table.  A
 * cell is the action an event takes in a state.  Requests go through
 * proc_start/proc_autostart/proc_stop/proc_stop_for_shutdown, which check
 * what is not the state's business (shutting down, the command exists)
 * first; the reaper calls proc_exited, which records the exit first; the
 * others are raised inside proc.c. */
enum proc_event {
	PROC_EV_START,	      /* start request, autostart, autorestart */
	PROC_EV_STOP,	      /* stop request */
	PROC_EV_SHUTDOWN,     /* supd stops everything */
	PROC_EV_TIMER,	      /* the state's deadline passed (p->timer) */
	PROC_EV_SPAWNED,      /* the child exec'd (its error pipe closed) */
	PROC_EV_SPAWN_FAILED, /* it never ran: spawn failed, or the child failed
			       * before exec and was reaped */
	PROC_EV_EXITED,	      /* the child was reaped (p->wstatus) */
	PROC_EV_RESET,	      /* a reload gave it a new config: a new process */
	PROC_EV_LOST,	      /* kill() failed, not for a gone process */
	PROC_EV_SCHEDULE,     /* svc-kinds: a scheduled run is due */
	/* svc-deps: the conditions of a program waiting for its dependencies
	 * now hold / one of them can no longer hold (proc_deps.c, once per
	 * loop pass after transitions) */
	PROC_EV_DEPS_READY,
	PROC_EV_DEP_FAILED,
	PROC_EV_CGROUP_EMPTY, /* cgroups: the process's leaf holds no process any more */
	/* readiness and health checks (proc_check.h) */
	PROC_EV_READY,	   /* the ready check passed */
	PROC_EV_NOT_READY, /* it did not pass within ready_timeout */
	PROC_EV_UNHEALTHY, /* health_retries probes failed in a row, or the
			    * watchdog was missed */
	PROC_NEVENTS,
};

/* Runs the cell for (p->state, ev).  Returns the cell's result: 0, or a
 * negative errno for a request the state refuses (see the top). */
int proc_event(struct proc *p, enum proc_event ev);

/* A start request (startProcess): from STOPPED, EXITED, FATAL. */
int proc_start(struct proc *p);
/* Autostart at supd start or when added by a reload: STOPPED -> STARTING
 * if autostart and never started.  Returns proc_start's codes, or 0. */
int proc_autostart(struct proc *p);
/* A stop request (stopProcess): RUNNING/STARTING -> STOPPING, BACKOFF ->
 * STOPPED. */
int proc_stop(struct proc *p);
/* Shutdown's stop: as proc_stop, but BACKOFF gives up (-> FATAL), as
 * supervisord's stop_all. */
int proc_stop_for_shutdown(struct proc *p);
int proc_signal(struct proc *p, int sig);
/* Writes len bytes to the process's stdin (sendProcessStdin), all or
 * nothing: supd keeps no buffer, so bytes that do not fit in the pipe now
 * are refused rather than queued.  Returns 0, or
 *   -ESRCH   NOT_RUNNING  no pid, or being stopped (as supervisord)
 *   -EPIPE   NO_FILE      the child closed its stdin (or has none)
 *   -EAGAIN  FAILED       the pipe has no room for len bytes: the child is
 *                         not reading; nothing was written.  (Should the
 *                         kernel still take only a part, which page slack
 *                         makes possible for len > PIPE_BUF, that part
 *                         stays written and -EAGAIN is returned.)
 * SIGPIPE is ignored by the daemon, so a gone reader is an error here. */
int proc_send_stdin(struct proc *p, const void *buf, size_t len);

/* Reads the error pipes of the children spawned so far whose exec is not
 * confirmed yet, without waiting.  Starting many processes in one pass
 * calls it now and then, so their pipes are closed before fds run out. */
void procs_settle_execs(struct procs *t);

/* The daemon's reaper: a pid of no process may be a readiness or health
 * check's (exec:): true when it was. */
bool procs_reap_probe(struct procs *t, pid_t pid, int st);

/* The daemon's reaper: p's pid exited with wait status st. */
void proc_exited(struct proc *p, int st);

/* Readiness and health, for other parts (dependency conditions, /v1).
 * proc_is_ready: RUNNING, which with a ready_check means the check passed
 * (and startsecs elapsed), without one that startsecs elapsed.
 * proc_health: PROC_HEALTH_NONE without a health_check (a dependency on
 * "healthy" may take RUNNING then); otherwise UNKNOWN until the first
 * probe of this run (and whenever it is not running), then HEALTHY or
 * UNHEALTHY (health_retries failures in a row, or a missed watchdog). */
enum proc_health {
	PROC_HEALTH_NONE,
	PROC_HEALTH_UNKNOWN,
	PROC_HEALTH_HEALTHY,
	PROC_HEALTH_UNHEALTHY,
};
bool proc_is_ready(const struct proc *p);
enum proc_health proc_health(const struct proc *p);
const char *proc_health_name(enum proc_health h); /* "none", "unknown", "healthy"... */
/* The last STATUS= a notify program sent in this run, or NULL. */
const char *proc_status_text(const struct proc *p);
/* The last failure of a check ("health check tcp:...: failed: ..."), or
 * NULL. */
const char *proc_check_error(const struct proc *p);

bool proc_is_stopped(const struct proc *p); /* STOPPED, EXITED, FATAL, UNKNOWN */
bool proc_is_running(const struct proc *p); /* RUNNING, BACKOFF, STARTING */
const char *proc_state_name(enum proc_state s);
/* supervisorctl's description column: "pid 123, uptime 0:01:02", "Nov 22
 * 08:26 PM", "Not started", the spawn error... now is the wall clock. */
const char *proc_description(const struct proc *p, time_t now, char *buf, size_t len);
/* svc-kinds: when a scheduled program runs next (unix seconds), or 0 (not
 * scheduled, or never due again). */
time_t proc_next_run(const struct proc *p);
/* cgroups: the process's kill_mode (its own, else cgroup with a leaf,
 * else process group as supervisord). */
enum conf_kill_mode proc_kill_mode(const struct proc *p);
/* cgroups: a reload changed only p's cgroup settings: the running leaf
 * gets the new limits (a failure is logged). */
void proc_apply_limits(struct proc *p);
/* cgroups: what p uses now, from its leaf (every process in it), else
 * from /proc of its main process (that process alone).  -1: not known
 * (memory without the memory controller...).  Returns 0, or -ESRCH when
 * there is neither (no leaf, no pid). */
struct proc_resources {
	bool cgroup;	     /* from the leaf */
	bool oom_killed;     /* the last exit came with an OOM kill */
	int64_t cpu_usec;    /* user + system */
	int64_t mem_current; /* bytes (the main process's RSS without a leaf) */
	int64_t mem_peak;    /* bytes (its VmHWM without a leaf) */
	int64_t nprocs;
	int64_t threads;   /* the main process's (without a leaf); -1: not known */
	int64_t oom_kills; /* the leaf's memory.events oom_kill; -1: not known */
};
int proc_resources(const struct proc *p, struct proc_resources *r);
/* The same for /metrics, scraped again and again: the files' descriptors
 * kept on p (at most *budget more, decremented) and read with pread.
 * Without a leaf: /proc/PID/stat's text (procfd: /proc) put in stat[len]
 * for the caller to parse, and 1 returned. */
int proc_resources_kept(struct proc *p, int procfd, int *budget, struct proc_resources *r,
			char *stat, size_t len);
/* "exit status 1" / "terminated by SIGTERM (core dumped)" */
const char *proc_exit_text(int wstatus, char *buf, size_t len);

/* Upgrade in place (daemon_upgrade.c): p, just added and never
 * started, takes the state, pid, times, counts and fds (output pipes,
 * stdin, the exec pipe) it had in the image before the exec, and the
 * deadline of its state; no hook runs.  Returns 0, -EINVAL for a state
 * that does not exist, or the first error attaching a pipe (the process
 * is adopted all the same). */
struct upg_proc;
int proc_adopt(struct proc *p, const struct upg_proc *u);

/* ---- dependencies (depends_on, kind=oneshot; proc_deps.c) */

/* Whether q meets a dependency condition: the one test every dependent,
 * /v1/health and supctl wait agree on. */
bool proc_dep_holds(const struct proc *q, enum conf_dep_cond c);
/* A one-shot whose last run exited with an expected code. */
bool proc_completed_ok(const struct proc *p);
/* What a program waiting for its dependencies waits for ("db (running),
 * migrate (completed_successfully)"), or NULL when it does not wait. */
const char *proc_waiting_for(const struct proc *p);
/* Shutdown: asks p's dependents (and theirs first) to stop.  Returns
 * true while any of them is still up: p must wait.  Each shutdown step
 * begins with procs_stop_dependents_begin: within a step a process is
 * walked once. */
void procs_stop_dependents_begin(struct procs *t);
bool proc_stop_dependents(struct proc *p);

#endif

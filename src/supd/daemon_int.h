/* The daemon's context, shared by daemon.c, its steps (daemon_start.c,
 * daemon_reload.c, daemon_stop.c) and control.c (the control plane's
 * wiring).  Private: no other module includes it. */
#ifndef SUPD_DAEMON_INT_H
#define SUPD_DAEMON_INT_H

#include <limits.h>
#include <stdbool.h>

#include "daemon.h"
#include "evproto.h"
#include "loop.h"
#include "proc.h"
#include "spawn.h"

struct http;
struct api;
struct statefile;
struct upg_state;

#define ORPHAN_GRACE_MS 5000
#define WAIT_REPORT_MS	3000
/* daemon_reserve_heap's bounds: below the first, the faults cost less
 * than the call; the second stays under the 32 MiB above which glibc's mmap
 * threshold rises no more */
#define RESERVE_MIN  (64u * 1024)
#define RESERVE_MAX  (30u << 20)
#define RESERVE_SPAN (128u << 20) /* the most of the heap made resident */
/* how long after a config load or an upgrade the heap is trimmed */
#define TRIM_MS 1000

enum phase {
	PH_RUNNING,
	PH_STOPPING, /* processes, by priority */
	PH_ORPHANS,  /* the remaining descendants */
	PH_DONE,
};

struct daemon {
	const struct supd_opts *opts;
	struct conf_ref *cref;
	struct loop *loop;
	struct procs *procs;
	int sfd;
	bool foreground;
	/* daemon mode, until start-up is over: the pipe the waiting parent
	 * reads (a byte: started; EOF: failed, with the child's status) */
	int ready_fd;
	char *pidfile;
	char server_url[PATH_MAX + 16];
	bool have_server_url;
	long child_nofile;   /* the fd limit children get (supd raises its own) */
	bool no_stdin_pipes; /* the fd limit cannot hold a stdin pipe per process */
	struct spawn_slots slots;
	bool have_slots;
	struct proc_hook hook;
	struct events *events; /* listener pools (events.h) */
	struct fcgi *fcgi;     /* [fcgi-program:x] sockets (fcgi.h) */
	struct proc_hook fcgi_hook;
	char *notify_socket; /* $NOTIFY_SOCKET, taken out of the environment */

	enum phase phase;
	struct proc **shut_v; /* start order, snapshotted when the shutdown began */
	size_t shut_n;
	size_t shut_hi; /* shut_v[0, shut_hi) still to stop */
	struct loop_timer step_timer;
	struct loop_timer wait_timer;
	bool orphans_sigkill;
	struct loop_timer orphan_timer;
	struct loop_timer shutdown_timer; /* a shutdown asked for by shutdown_on */
	struct loop_timer trim_timer;	  /* daemon_trim_heap_soon; cb NULL: unused */
	/* reaping's pace (daemon.c, reap_soon): the kernel's cost of the last
	 * sweep's waitpid calls, when that sweep ended, and the sweep put off */
	int64_t reap_cost_us, reap_end_us;
	struct loop_timer reap_timer;
	int exit_status; /* supd's: 0, or per shutdown_on */

	/* control plane (control.c) */
	struct http *http;
	struct api *api;
	struct conf_ref *reread; /* the config of the last reread, not yet applied */

	/* after supd itself dies (statefile.h, issue #15); NULL: none kept */
	struct statefile *state;

	/* upgrade in place (daemon_upgrade.c) */
	unsigned upgrades;   /* in-place upgrades of this pid so far */
	char *upgrade_path;  /* the binary an upgrade under way execs */
	char *upgrade_error; /* why the last one failed; NULL: it did not */
	int upgrade_doc;     /* the highest document version its probe reads */
	struct loop_timer upgrade_timer;
	struct upg_state *upg; /* the new image: what the old one handed over */
	pid_t probe_pid;       /* the new binary's probe run; 0: none */
	int probe_fd;	       /* its output; -1: ended */
	int probe_status;
	bool probe_exited, probe_timed_out;
	struct loop_timer probe_timer;
	char probe_out[1400];
	size_t probe_len;

	struct cgroups *cgroups; /* cgroups: supd's subtree (cgroup.h); NULL: off */
};

/* daemon.c: the run loop and the glue the steps share */
/* Tells systemd (Type=notify) of what; silent when not run by it. */
void daemon_notify(struct daemon *d, const char *what);
void daemon_trim_heap(void);
/* daemon_trim_heap TRIM_MS from now (re-armed by each call): after a config
 * load or an upgrade, once the control socket answers again. */
void daemon_trim_heap_soon(struct daemon *d);
/* The heap grown by n bytes (at most RESERVE_MAX; nothing below
 * RESERVE_MIN), and all of it made resident in one call, for what is
 * allocated next (a config load) to use. */
void daemon_reserve_heap(size_t n);
/* The bytes malloc has handed out (0 when the C library cannot say). */
size_t daemon_heap_in_use(void);
/* Each line of text at level. */
void daemon_log_lines(int level, const char *text);
/* Each process's group priority, indexed like c->procs (malloc'd). */
int *daemon_group_priorities(const struct conf *c);
/* The SUPERVISOR_SERVER_URL children get, from c's servers. */
void daemon_compute_server_url(struct daemon *d, const struct conf *c);
/* The processes of c the table lacks, added on cref (not started). */
int daemon_add_procs(struct daemon *d, const struct conf *c, struct conf_ref *cref);
void daemon_autostart_all(struct daemon *d);
/* PROCESS_GROUP_ADDED/_REMOVED for the groups nc has and old has not, and
 * the reverse (old NULL at start). */
void daemon_group_events(struct daemon *d, const struct conf *old, const struct conf *nc);
void daemon_supervisor_event(struct daemon *d, enum ev_type t);
/* A signalfd of the daemonized child's own. */
int daemon_reopen_signalfd(struct daemon *d);
/* SIGUSR2's work, also asked for through the API: every log file closed
 * and opened again by name (external rotation).  Each failure is logged;
 * returns 0 or the first negative errno. */
int daemon_reopen_logs(struct daemon *d);
/* PROCESS_GROUP_ADDED (added) or _REMOVED for group. */
void daemon_group_event(struct daemon *d, bool added, const char *group);
/* Points the process table at the applied config's [supervisord] settings;
 * call after every change of d->cref (the old model may be freed). */
void daemon_set_procs_env(struct daemon *d);

/* daemon_start.c */
/* std fds, privileges, rlimits, supd's log, the loop, from c (taken).
 * Returns 0, or the exit status after saying why (nothing to free). */
int daemon_start_process(struct daemon *d, struct conf *c);
/* Daemonizing (unless in the foreground), subreaper, pidfile.  Returns 0
 * or the exit status after saying why. */
int daemon_start_detach(struct daemon *d);
/* Start-up is over: a waiting daemonizing parent exits 0 (daemon mode). */
void daemon_started(struct daemon *d);
/* A start-up failure, logged, and on stderr where the log is not. */
__attribute__((format(printf, 2, 3))) void daemon_startup_fail(const struct daemon *d,
							       const char *fmt, ...);

/* daemon_stop.c */
/* The shutdown's timers, before the loop runs. */
void daemon_stop_init(struct daemon *d);
/* The process table's hook (state changes) and exit callback. */
void daemon_proc_changed(struct proc *p, enum proc_state from, enum proc_state to, void *arg);
void daemon_proc_exited(struct proc *p, int st, bool expected, void *arg);
/* After a reap in the orphan phase: signal the rest, or end the loop. */
void daemon_orphans_step(struct daemon *d);
void daemon_begin_shutdown(struct daemon *d);

/* daemon_reload.c */
/* SIGHUP's work, also asked for through the API: the config read again
 * and its difference applied, all or nothing (a config with errors, or
 * one the control plane cannot take, changes nothing).  Each failure is
 * logged; returns 0, or a negative errno with the reason in why. */
int daemon_reload(struct daemon *d, char *why, size_t whylen);
/* Reads the config again with the command line's options.  Returns 0 with
 * a new model in *out, or a negative errno with the errors in err (several
 * lines). */
int daemon_load_conf(struct daemon *d, struct conf **out, char *err, size_t errlen);
/* Whether daemon_load_conf would now read what c was read from (scale,
 * #18: update's reread right after a reread takes the reread's model). */
bool daemon_conf_unchanged(struct daemon *d, const struct conf *c);

/* daemon_upgrade.c (doc/upgrade.md) */
/* supctl upgrade and SIGUSR1: checks the binary (path, or NULL: supd's
 * own file) and starts a probe run of it in the background; when that
 * answers, supd stops accepting and execs at the next turn of the loop,
 * or the refusal is logged and kept for /v1/version (upgrade_error).
 * Returns 0 with the generation the new image will have in *gen, or a
 * negative errno with why in err (nothing changed). */
int daemon_upgrade_begin(struct daemon *d, const char *path, unsigned *gen, char *err,
			 size_t errlen);
/* The new image, before anything else: reads the document (d->upg) and
 * makes the fds it names close-on-exec again.  Returns 0 or a negative
 * errno (d->upgrade_error says why; supd then starts afresh). */
int daemon_upgrade_take(struct daemon *d);
/* Once the processes are in the table: each takes its state back, then
 * whatever exited meanwhile is reaped. */
void daemon_upgrade_adopt(struct daemon *d);
int daemon_upgrade_read(int fd, struct upg_state **out, char *err, size_t errlen);
/* The reaper's: pid is the probe's (true: taken, with its status st). */
bool daemon_upgrade_reaped(struct daemon *d, pid_t pid, int st);
/* daemon.c's reaper (waitpid until nothing is left). */
void daemon_reap(struct daemon *d);

/* control.c: the HTTP listeners and the API over the process table. */
int control_start(struct daemon *d, char *err, size_t errlen);
/* Before a reload applies nc: the listeners made nc's, all or nothing
 * (http_reconfigure).  Refuses a config that would leave supd with no
 * listener when it has some.  Returns 0, or a negative errno with the
 * reason in err (nothing changed). */
int control_reload(struct daemon *d, const struct conf *nc, char *err, size_t errlen);
/* A deleted socket file of the current listeners comes back; a failure
 * is logged. */
void control_restore(struct daemon *d);
void control_stop(struct daemon *d);
/* Lets answers already queued reach their clients (bounded). */
void control_flush(struct daemon *d);

#endif

/* The control plane's operations over the process table, shared by the
 * /v1 JSON API (api.c) and supervisord's XML-RPC (xmlrpc.c): what the
 * daemon provides (struct ops_daemon), name resolution, start/stop/restart
 * with waiting, signals and log clearing over several processes.  Each
 * operation gives a result; only its encoding differs between the two
 * front-ends.
 *
 * Waiting is never polling: one hook on the process table's transitions
 * advances every pending operation, and an operation's callback runs when
 * its last process is done. */
#ifndef SUPD_OPS_H
#define SUPD_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "events.h"
#include "list.h"
#include "loop.h"
#include "proc.h"

/* What a reread found: group names, each list sorted. */
struct ops_diff {
	char **added, **changed, **removed;
	size_t nadded, nchanged, nremoved;
};
void ops_diff_free(struct ops_diff *d);

/* What the daemon provides.  procs and conf are required; an operation
 * left NULL is answered NOT_IMPLEMENTED. */
struct ops_daemon {
	void *arg;
	struct procs *(*procs)(void *arg);
	/* The config currently applied (group priorities, avail). */
	const struct conf *(*conf)(void *arg);
	/* supervisord's daemon state: 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN. */
	int (*state)(void *arg);
	/* Begin a shutdown; it proceeds in the loop.  Return 0 or a negative
	 * errno (-ESHUTDOWN: already shutting down, for reload too). */
	int (*shutdown)(void *arg);
	/* A reload is done before it returns: 0, or a negative errno with the
	 * reason in err (nothing changed). */
	int (*reload)(void *arg, char *err, size_t errlen);
	/* Reopen every log file, as SIGUSR2 does.  0 or the first negative
	 * errno (each failure is in supd's log). */
	int (*reopen)(void *arg);
	/* Read the config again without applying it.  On a config error
	 * return -EINVAL with the errors in err (CANT_REREAD). */
	int (*reread)(void *arg, struct ops_diff *out, char *err, size_t errlen);
	/* Add a group from the last reread (-EEXIST: ALREADY_ADDED, -ENOENT:
	 * BAD_NAME) / remove a fully stopped group (-EBUSY: STILL_RUNNING,
	 * -ENOENT: BAD_NAME). */
	int (*add_group)(void *arg, const char *name);
	int (*remove_group)(void *arg, const char *name);
	/* sendRemoteCommEvent: a REMOTE_COMMUNICATION event.  Returns 0 or a
	 * negative errno.  NULL: dropped. */
	int (*remote_comm)(void *arg, const char *type, const char *data);
	/* The event listener pools' counters (metrics).  NULL: none. */
	void (*pools)(void *arg, events_pool_cb *cb, void *cbarg);
	/* Upgrade in place (doc/upgrade.md): checks the binary (path; NULL:
	 * supd's own) and arms the exec.  Returns 0 with the generation the
	 * new image will report, or a negative errno with why in err. */
	int (*upgrade)(void *arg, const char *path, unsigned *gen, char *err, size_t errlen);
	/* Upgrades of this pid so far, and why the last one failed (NULL:
	 * it did not). */
	unsigned (*upgrades)(void *arg, const char **error);
};

/* supervisord's fault for a negative errno of proc_start/stop/signal
 * ("ALREADY_STARTED"...). */
const char *ops_fault_name(int err);
/* The same for add_group / remove_group: ALREADY_ADDED, BAD_NAME,
 * STILL_RUNNING or FAILED (the only one whose errno says more). */
const char *ops_group_fault(int err);

struct ops;

int ops_new(struct ops **out, struct loop *l, const struct ops_daemon *daemon);
/* Pending operations are freed without their callbacks. */
void ops_free(struct ops *o);
const struct ops_daemon *ops_daemon(const struct ops *o);
struct loop *ops_loop(const struct ops *o);
/* The daemon's state (1 when it has no state callback). */
int ops_state(const struct ops *o);

/* ---- names */

enum ops_spec_kind { OPS_ONE, OPS_GROUP, OPS_ALL };

struct ops_spec {
	enum ops_spec_kind kind;
	char group[256], name[256];
};

/* supervisorctl's split_namespec ("g:p", "g:", "g:*", "x" meaning x:x),
 * plus "*" for all.  -EINVAL for an empty group or a name too long. */
int ops_spec_parse(const char *s, struct ops_spec *sp);

/* Every process, by_name sorted by group, then name (getAllProcessInfo's
 * order), else in start order (priorities: startAllProcesses' and
 * stopAllProcesses' order).  Returns a malloc'd array, or NULL with
 * *n == 0 when empty (NULL with *n != 0 is -ENOMEM). */
struct proc **ops_all(struct ops *o, bool by_name, size_t *n);

/* The processes a spec names, sorted.  Returns the count (0 with *out
 * NULL when the name or group does not exist) or -ENOMEM. */
ssize_t ops_resolve(struct ops *o, const struct ops_spec *sp, struct proc ***out);

/* ---- results */

/* One process's outcome: fault NULL is SUCCESS; msg is the fault's
 * extra text (a name, a spawn error). */
struct ops_item {
	struct proc *p; /* NULL once removed by a reload */
	char *name, *group;
	int phase;
	const char *fault;
	char *msg;
	bool spawnerr; /* the process had a spawn error when it failed */
};

/* ---- start, stop, restart */

enum ops_kind { OPS_START, OPS_STOP, OPS_RESTART };

struct ops_act;
typedef void (*ops_done_cb)(struct ops_act *a, void *arg);

struct ops_act {
	/* read-only for callers */
	enum ops_kind kind;
	bool multi, wait;
	size_t n, pending;
	struct ops_item *items;
	/* private */
	struct ops *o;
	ops_done_cb cb;
	void *arg;
	LIST_LINK(struct ops_act) link;
};

/* Acts on the n processes v (from ops_resolve).  multi: a group or all,
 * where a start skips what runs and a stop what does not (supervisord's
 * startProcessGroup/stopProcessGroup).  wait: finish when each process is
 * RUNNING (start) or stopped, else at once.  Returns 0 when finished now
 * (read *out, then ops_act_free), 1 when pending (cb(*out, arg) runs when
 * done, and must ops_act_free it), or -ENOMEM. */
int ops_act_begin(struct ops *o, struct proc *const *v, size_t n, enum ops_kind kind, bool multi,
		  bool wait, ops_done_cb cb, void *arg, struct ops_act **out);
/* Frees a finished act, or forgets a pending one (its client left). */
void ops_act_free(struct ops_act *a);

/* ---- signals and logs over several processes */

/* Signals the signallable processes among v (RUNNING, STARTING,
 * STOPPING; signalProcessGroup).  *items gets one per process signalled.
 * Returns the count or -ENOMEM. */
ssize_t ops_signal_group(struct proc *const *v, size_t n, int sig, struct ops_item **items);
/* Clears both logs of each process (clearAllProcessLogs).  Returns the
 * count (== n) or -ENOMEM. */
ssize_t ops_clear_logs(struct proc *const *v, size_t n, struct ops_item **items);
void ops_items_free(struct ops_item *items, size_t n);

#endif

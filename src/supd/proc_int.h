/* What proc.c (the state machine) and proc_table.c (the table's
 * bookkeeping) share; nothing else includes this. */
#ifndef SUPD_PROC_INT_H
#define SUPD_PROC_INT_H

#include "output.h"
#include "proc.h"

struct procs {
	struct procs_env env;
	struct proc **v; /* start order when !dirty */
	size_t n, cap;
	bool dirty;
	struct proc **byname; /* hash chains through by_name */
	struct proc **bypid;  /* hash chains through by_pid */
	size_t nbuckets;      /* power of two, for both tables */
	struct proc_hook *hooks;
	bool shutting_down;
	struct proc *execs;	  /* spawned, exec not confirmed (exec_link list) */
	struct output_ctx *outs;  /* what the processes' outputs share */
	struct check_ctx *checks; /* readiness/health checks (proc_check.c); NULL: none yet */
	/* svc-deps (proc_deps.c): bumped when names may resolve to other
	 * processes (added, removed, new config); NULL until a dependency */
	uint64_t deps_gen;
	struct procs_deps *deps;
	/* scale (#18): bumped by every procs_add/procs_remove, so that a
	 * caller may keep a view of the set (ops's name order) until it
	 * changes. */
	unsigned long gen;
};

/* proc_table.c: p's pid (> 0) or its name (p->conf) is now a key. */
void procs_pid_insert(struct procs *t, struct proc *p);
void procs_name_insert(struct procs *t, struct proc *p);
/* Unlinking needs no key: a process not in the table is left alone. */
void procs_pid_remove(struct proc *p);
void procs_name_remove(struct proc *p);
struct conf_ref *conf_ref_get(struct conf_ref *r);

/* proc.c: a new process's own set-up (timer, output) and its end (closes
 * its fds, frees it; its table links are the caller's). */
void proc_init(struct proc *p);
void proc_free(struct proc *p);

/* proc_deps.c: the engine's side of dependencies. */
enum deps_verdict {
	DEPS_HOLD,   /* start now */
	DEPS_WAIT,   /* some condition does not hold yet */
	DEPS_FAILED, /* one can no longer hold (why says which) */
};
enum deps_verdict proc_deps_eval(struct proc *p, char *why, size_t len);
/* A start request of a waiting program starts its stopped dependencies. */
void proc_deps_pull(struct proc *p);
/* why: what p waits for (its description); NULL: it no longer waits. */
void proc_deps_set_waiting(struct proc *p, const char *why);
bool proc_deps_waiting(const struct proc *p);
/* A transition happened: re-evaluate the waiting programs (once per loop
 * pass, not per transition). */
void proc_deps_changed(struct procs *t);
void proc_deps_free(struct proc *p);
void procs_deps_free(struct procs *t);

#endif

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
	struct proc *execs;	 /* spawned, exec not confirmed (exec_link list) */
	struct output_ctx *outs; /* what the processes' outputs share */
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

#endif

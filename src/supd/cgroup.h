/* cgroup v2 containment: a subtree of supd's own, one leaf cgroup per
 * process (<base>/<group>/<process>), the kill of everything in a leaf,
 * its emptiness watched through the loop (inotify on cgroup.events), its
 * limits and its resource use.  doc/cgroups.md tells the modes.
 *
 * A helper module: nothing here logs; every function returns >= 0 or a
 * negative errno, and says why in a caller's buffer where a user needs
 * more than the errno.
 *
 * For the "after supd itself dies" work: a leaf's path is stable (the
 * base is named after the config file on a host, and is supd's own
 * cgroup in a container or under systemd), so the cgroups a killed supd
 * left are the record of what still runs: cgroups_leftovers() lists them. */
#ifndef SUPD_CGROUP_H
#define SUPD_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"

enum cgroup_mode {
	CGROUP_OFF,	  /* no subtree: process groups, as supervisord */
	CGROUP_CONTAINER, /* PID 1 at the root of its own cgroup namespace */
	CGROUP_DELEGATED, /* in a cgroup of its own (systemd Delegate=yes) */
	CGROUP_HOST,	  /* at the host's root, or in a shared cgroup: a subtree made for it */
};

/* The controllers supd uses, as a bit set. */
enum {
	CGROUP_C_CPU = 1,
	CGROUP_C_MEMORY = 2,
	CGROUP_C_PIDS = 4,
	CGROUP_C_IO = 8,
};

struct cgroups;
struct cgroup;

struct cgroups_opts {
	bool off;	   /* [supervisord] cgroups=off */
	const char *fs;	   /* the cgroup2 mount; NULL: /sys/fs/cgroup, then .../unified */
	const char *self;  /* supd's cgroup path in it; NULL: from /proc/self/cgroup */
	const char *name;  /* host mode: the subtree's name under supd's cgroup */
	bool pid1;	   /* supd is PID 1 */
	bool delegated;	   /* a systemd service ($INVOCATION_ID): its cgroup is supd's */
	struct loop *loop; /* for the emptiness watches; NULL: none (tests) */
	/* tests: fs is a plain directory made to look like a cgroupfs; the
	 * controllers its cgroup.controllers lists count as enabled */
	bool fake;
};

/* Finds out whether supd can manage a subtree and sets it up (on success
 * supd itself has moved into a leaf of its own where the mode needs one,
 * and the controllers its parent offers are enabled for the leaves).
 * Returns 0 with *out and the mode's description in why ("host: supd's
 * cgroup is the root of the cgroup2 hierarchy at /sys/fs/cgroup/unified"),
 * or a negative errno with why the mode is off. */
int cgroups_open(struct cgroups **out, const struct cgroups_opts *o, char *why, size_t whylen);
/* Removes the leaves left (empty ones), the base, and moves supd back. */
void cgroups_close(struct cgroups *cg);
enum cgroup_mode cgroups_mode(const struct cgroups *cg);
const char *cgroups_base(const struct cgroups *cg);
unsigned cgroups_controllers(const struct cgroups *cg); /* CGROUP_C_* the leaves have */
/* "memory" for CGROUP_C_MEMORY... */
const char *cgroups_controller_name(unsigned c);

/* The leaves a previous supd left under the base that still hold
 * processes: for each, cb(group, process, arg).  Returns how many, or a
 * negative errno. */
int cgroups_leftovers(struct cgroups *cg,
		      void (*cb)(const char *group, const char *process, void *arg), void *arg);

/* One process's leaf: made if missing (with its group's directory). */
int cgroup_open(struct cgroups *cg, const char *group, const char *process, struct cgroup **out);
/* The same for a leaf known to exist with processes in it (an upgrade in
 * place takes over its processes): no system call. */
int cgroup_reopen(struct cgroups *cg, const char *group, const char *process, struct cgroup **out);
/* Forgets the leaf; removes it when empty. */
void cgroup_close(struct cgroup *c);
/* The leaf's absolute path, made in buf (NULL: it does not fit). */
const char *cgroup_path(const struct cgroup *c, char *buf, size_t len);
/* The leaf's cgroup.procs, which a child writes "0" to before exec. */
const char *cgroup_procs_path(const struct cgroup *c, char *buf, size_t len);
/* A new directory fd of the leaf (CLONE_INTO_CGROUP), for the caller to
 * close; or a negative errno. */
int cgroup_dir(const struct cgroup *c);

/* 1: processes in it (cgroup.events populated), 0: empty. */
int cgroup_populated(const struct cgroup *c);
/* Up to n of its pids into v; returns how many it holds (may exceed n). */
int cgroup_pids(const struct cgroup *c, pid_t *v, size_t n);
/* SIGKILL to every process in it, new forks included (cgroup.kill; on
 * kernels before 5.14, to each pid listed, again until none is left). */
int cgroup_kill(struct cgroup *c);
/* sig to every process in it; returns how many were signalled. */
int cgroup_signal(struct cgroup *c, int sig);

/* cb runs (from the loop) once the leaf is empty: at once from the loop's
 * next turn when it already is.  One watch per leaf; a new one replaces. */
int cgroup_watch_empty(struct cgroup *c, void (*cb)(struct cgroup *c, void *arg), void *arg);
void cgroup_unwatch(struct cgroup *c);

/* Writes the limits l (NULL: none) into the leaf, resetting those l
 * leaves unset.  A limit whose controller the leaf lacks is skipped and
 * its bit set in *missing.  Returns 0 or the first write's negative
 * errno, with the file in err. */
int cgroup_set_limits(struct cgroup *c, const struct conf_cgroup *l, unsigned *missing, char *err,
		      size_t errlen);
/* The controllers limits l need (CGROUP_C_*). */
unsigned cgroup_limits_need(const struct conf_cgroup *l);

struct cgroup_stats {
	uint64_t cpu_usec;   /* cpu.stat usage_usec */
	int64_t mem_current; /* memory.current; -1: no memory controller */
	int64_t mem_peak;    /* memory.peak; -1: not known */
	int64_t nprocs;	     /* pids.current, or cgroup.procs counted */
	uint64_t oom_kills;  /* memory.events oom_kill (0 without memory) */
};
int cgroup_stats(const struct cgroup *c, struct cgroup_stats *s);
/* The same, for reads repeated at each /metrics scrape: the statistic
 * files' descriptors kept in *f (cgroup_statfds_init first) and read
 * with pread, at most *budget of them newly kept (decremented; budget
 * NULL or 0: none kept).  Only the files of the leaf's controllers. */
enum { CGROUP_STATFDS = 6 };
struct cgroup_statfds {
	/* cpu.stat, memory.current, .peak, .events, pids.current, cgroup.procs */
	int fd[CGROUP_STATFDS];
};
void cgroup_statfds_init(struct cgroup_statfds *f);
void cgroup_statfds_close(struct cgroup_statfds *f);
int cgroup_stats_kept(const struct cgroup *c, struct cgroup_statfds *f, int *budget,
		      struct cgroup_stats *s);
/* memory.events oom_kill alone (cheap: one read). */
int cgroup_oom_kills(const struct cgroup *c, uint64_t *out);

#endif

/* The record supd keeps of the processes it runs, so that a supd started
 * after this one died without stopping them (kill -9, a crash, the OOM
 * killer) stops what it left before starting its own: never two copies of
 * a program (issue #15).
 *
 * A small text file (doc/supd.8, FILES), rewritten whole by rename of a
 * temporary at most once per loop turn in which a process started or
 * ended; no fsync (a machine that crashes loses the processes too, and the
 * boot id below makes a file from an earlier boot mean nothing):
 *
 *   supd-state 1
 *   boot <the kernel's boot_id, or ->
 *   pidns <the inode of supd's pid namespace, or 0>
 *   supd <pid> <start time>
 *   proc <pid> <start time> <stopsignal> <stopwaitsecs> <stopasgroup 0|1>
 *        <killasgroup 0|1> <group>:<name>          (one line each)
 *
 * A start time is field 22 of /proc/PID/stat: a pid whose process has
 * another start time was reused and is never signalled.  The pids mean
 * something only in the pid namespace they were written in (a supd as PID
 * 1 of a container beside one outside it, sharing a directory). */
#ifndef SUPD_STATEFILE_H
#define SUPD_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"
#include "proc.h"

#define STATEFILE_BOOT_LEN 40

struct statefile_entry {
	pid_t pid;
	uint64_t start;
	int stopsignal;
	int stopwaitsecs;
	bool stopasgroup, killasgroup;
	char *spec; /* group:name */
};

/* A state file as read. */
struct statefile_data {
	char boot[STATEFILE_BOOT_LEN]; /* "-": unknown */
	uint64_t pidns;		       /* 0: unknown */
	pid_t supd_pid;
	uint64_t supd_start;
	struct statefile_entry *v;
	size_t n;
};

/* Parses len bytes (any bytes: a damaged file is refused whole).
 * Returns 0 with *out filled (free it with statefile_data_free), -EINVAL
 * with a short reason in *why, or -ENOMEM. */
int statefile_parse(const char *text, size_t len, struct statefile_data *out, const char **why);
void statefile_data_free(struct statefile_data *d);

/* Field 22 of /proc/PID/stat (clock ticks after boot).  Returns 0, or a
 * negative errno (-ESRCH: no such process, or a zombie). */
int statefile_pid_start(pid_t pid, uint64_t *out);

/* Where the state file of s is: statefile=, else beside the pidfile (its
 * .pid replaced by .state, or .state added), as an absolute path; NULL
 * for none (statefile=NONE, or no pidfile).  malloc'd. */
char *statefile_path(const struct conf_supd *s);

/* Start-up, before any program starts: stops each process the file names
 * that still runs with its recorded start time, with stopsignal, then
 * SIGKILL after stopwaitsecs (the current config's settings of a program
 * of that name, else the recorded ones), and waits until they are gone.
 * Leaves alone a file from an earlier boot, one written by a supd that
 * still runs, and this supd's own (a re-exec keeps the pid and its start
 * time: the processes are its own).  Logs what it found and did. */
void statefile_recover(const char *path, const struct conf *c);

/* The writer, kept up to date from the process table's hooks. */
struct statefile {
	char *path;
	struct loop *loop;
	struct procs *procs;
	struct loop_timer timer; /* the coalesced write, at the end of a loop turn */
	struct proc_hook hook;
	char boot[STATEFILE_BOOT_LEN];
	uint64_t pidns;
	uint64_t self_start;
	bool failing; /* the last write failed: said once */
};

/* Takes path (malloc'd) and writes the file once.  Returns 0 or a
 * negative errno (logged by the caller; the file is then not kept). */
int statefile_open(struct statefile *sf, char *path, struct loop *loop, struct procs *procs);
/* At the end: the file is removed when remove is set (a shutdown that
 * stopped every process). */
void statefile_close(struct statefile *sf, bool remove);

#endif

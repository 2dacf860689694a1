/* Starting one child: fork and exec with a close-on-exec error pipe, so a
 * failure anywhere before or at exec is known, and named.  What the parent
 * can check (the command, the user) fails spawn_start itself; a failure in
 * the child arrives on the error pipe (fd_exec), which the caller watches:
 * EOF means exec succeeded.  The parent never waits for the new program to
 * load (with slots it sleeps only until the child's execve begins, as with
 * vfork), so many children start about as fast as a bare fork loop.
 *
 * The child gets: its own process group; stdin on a pipe from supd (as
 * supervisord, for sendProcessStdin); stdout and stderr on pipes to supd
 * (or stderr on the stdout pipe); no other fd; the user,
 * groups, directory and umask of the config; supd's environment plus
 * SUPERVISOR_* plus the program's environment; an empty signal mask and
 * default dispositions. */
#ifndef SUPD_SPAWN_H
#define SUPD_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/* What the fast spawn path needs, made once by the daemon: low fd numbers
 * (close-on-exec /dev/null) that the child's pipes are moved to before a
 * clone sharing supd's memory and fd table, the child then unsharing only
 * the fds below them; and a stack for that child.  A spawn then costs the
 * same with 20,000 fds open and 10 MB of memory as with 20 fds and 1 MB. */
struct spawn_slots {
	int fd[5];   /* stdin, stdout, stderr, error pipe, and /dev/null to refill them */
	void *stack; /* the child's stack until it execs (we wait meanwhile) */
	size_t stack_size;
	/* The signals whose disposition is not SIG_DFL in supd: the only ones
	 * a child must reset (exec keeps an ignored signal ignored), rather
	 * than ~60 sigaction calls while supd waits for the exec. */
	uint64_t not_default; /* bit sig - 1; glibc's sigset_t refuses 32 and 33 */
	int nice;	      /* supd's nice value, which every child runs with */
};

/* How much higher a child's priority is until it execs (spawn.c says why). */
#define SPAWN_BOOST 10

/* Returns 0 or a negative errno.  Also scans the signal dispositions. */
int spawn_slots_open(struct spawn_slots *s);
/* Scans supd's signal dispositions again: call it after changing one. */
void spawn_slots_scan_signals(struct spawn_slots *s);
void spawn_slots_close(struct spawn_slots *s);

struct spawn_req {
	const struct conf_process *p;
	const char *server_url;		 /* SUPERVISOR_SERVER_URL; NULL: not set */
	char *const *environ;		 /* supd's environment; NULL: environ */
	bool no_pipes;			 /* stdout/stderr to /dev/null (no output object) */
	bool no_stdin_pipe;		 /* stdin /dev/null rather than a pipe from supd */
	bool fcgi;			 /* stdin is fcgi_fd ([fcgi-program:x]), no pipe */
	int fcgi_fd;			 /* the caller's, left open */
	long child_nofile;		 /* RLIMIT_NOFILE soft limit in the child; 0: inherit */
	const struct spawn_slots *slots; /* NULL: a plain fork */
	/* cgroups: the leaf's cgroup.procs, which the child joins before
	 * anything else (NULL: stays in supd's cgroup) */
	const char *cgroup_procs;
	int cgroup_fd; /* with cgroup_procs: the leaf's directory, for clone3's
			* CLONE_INTO_CGROUP on the clone path (the child is born
			* in it; cgroup_procs is the fallback) */
	/* readiness checks (proc_check.h): "KEY=value" strings set last, over
	 * the same keys of supd's environment (NOTIFY_SOCKET); NULL: none */
	const char *const *extra_env;
	/* fd:N readiness: the child gets extra_fd as its fd extra_fd_num
	 * (needs slots NULL: the plain fork keeps every fd until exec);
	 * extra_fd_num 0 (below 3): none */
	int extra_fd;
	int extra_fd_num;
};

struct spawn_child {
	pid_t pid;
	int fd_in;   /* write end of the stdin pipe, O_NONBLOCK|O_CLOEXEC; -1 when
		      * fds ran out (the child's stdin is then /dev/null) or
		      * with fcgi */
	int fd_out;  /* read end of the stdout pipe, O_NONBLOCK|O_CLOEXEC; -1 with no_pipes */
	int fd_err;  /* stderr's, or -1 with redirect_stderr or no_pipes */
	int fd_exec; /* the error pipe's read end, O_NONBLOCK|O_CLOEXEC; -1 when the
		      * outcome is known at return (the clone path): then
		      * exec_err is "" (exec'd) or why the child failed */
	char exec_err[256];
};

/* Finds the program to run (argv[0] as is when it holds a '/', else
 * searched in the program's PATH, else supd's, as supervisord does) and
 * checks it exists, is no directory and is executable.  On success the full
 * path is in path.  Errors, with supervisord's wording in err:
 *   -EINVAL  "command is empty"
 *   -ENOENT  "can't find command 'foo'"
 *   -EACCES  "command at '/x' is a directory" / "... is not executable" /
 *            "no permission to run command '/x'" */
int spawn_find_command(const struct conf_process *p, char *const *environ, char *path,
		       size_t pathlen, char *err, size_t errlen);

/* Spawns p.  Returns 0 with c filled (the caller owns the four fds), or
 * a negative errno with the reason in err (the caller's spawnerr); no
 * child exists then. */
int spawn_start(const struct spawn_req *r, struct spawn_child *c, char *err, size_t errlen);

/* Reads the error pipe: 1 nothing yet, 0 exec succeeded (EOF), or a
 * negative errno with the child's failure in err ("couldn't chdir to /x:
 * No such file or directory").  The child then exits 127 by itself.  Once
 * the child is reaped the answer is final (never 1). */
int spawn_exec_result(int fd, const struct conf_process *p, char *err, size_t errlen);

/* The name supervisord gives a signal: "SIGTERM", "SIGRTMIN", or
 * "signal 40" for those Python's signal module does not name. */
const char *spawn_signame(int sig, char *buf, size_t len);

#endif

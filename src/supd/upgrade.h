/* Upgrade in place: the state document one supd image hands the next
 * across execve(2) (doc/upgrade.md).  This module only writes and reads
 * the document; daemon_upgrade.c gathers what goes in it and applies what
 * comes out.
 *
 * The document is text, one "key value" line per field, so that a field
 * is added by one line in the writer and one in the reader:
 *
 *	supd-state 2
 *	generation 1
 *	version 0.9
 *	listener
 *	fd 5
 *	...
 *	proc
 *	group web
 *	name web
 *	pid 1234
 *	...
 *	end
 *
 * "listener" and "proc" begin a record; the keys after one belong to it.
 * A reader ignores a key it does not know (a newer writer's) and leaves a
 * field a record lacks (an older writer's) at its default; a document
 * whose version is above UPG_VERSION, or that does not end with "end"
 * (cut short), is refused.  Values are escaped: a backslash, a newline
 * and a carriage return are written "\\", "\n" and "\r".
 *
 * Versions: 1 had no "starts", "bytes.N" and "log.N"; 2 added them (a
 * version 1 document reads with starts = 1 for a process that has a pid,
 * 0 bytes, and the log file names the new image makes).  3 added the
 * event listener pools ("evpool", "evlistener" records, "ev_serial" and
 * "ev_tick") and the FastCGI sockets ("fcgi" records): new kinds of
 * record, which a version 2 reader would take for keys of the record
 * before, so a writer that has none of them writes version 2 (a supd of
 * the version before can still take over), and one that has some writes
 * 3. */
#ifndef SUPD_UPGRADE_H
#define SUPD_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UPG_VERSION 4
/* The environment variable that carries the document's fd across exec. */
#define UPG_ENV "SUPD_UPGRADE_STATE"
/* The bytes the old image's heap held: how much the new one makes
 * resident at once, before its config (daemon_upgrade_prefault). */
#define UPG_HEAP_ENV "SUPD_UPGRADE_HEAP"
/* At most this many records of each kind, and this many pipes per
 * process: a damaged count cannot make a reader allocate without end. */
#define UPG_MAX_RECORDS 1000000
#define UPG_MAX_PIPES	64
#define UPG_MAX_DOC	(256u * 1024 * 1024)
/* The key of the exec's time: its value is 19 digits, written over in
 * the memfd just before the exec. */
#define UPG_T_EXEC_KEY "t_exec_us"

struct upg_listener {
	int fd;	     /* the listening socket */
	int lock_fd; /* unix: the lock on "<path>.lock"; -1: none */
	bool is_unix;
	bool activated; /* from systemd: not supd's to unlink */
	char *path;	/* unix: the configured path */
	char *host;	/* inet */
	int port;
	uint64_t dev, ino; /* unix: the socket file's identity */
};

struct upg_pipe {
	int fd;
	int ch;	  /* 0 stdout, 1 stderr */
	int size; /* its capacity; 0: unknown (key "pipesz FD SIZE", after it) */
};

struct upg_proc {
	char *group, *name;
	int state; /* enum proc_state's value */
	int pid, last_pid;
	int64_t laststart, laststop; /* wall clock seconds */
	int64_t start_ms;	     /* CLOCK_MONOTONIC, the same across exec */
	int64_t deadline_ms;	     /* the state's timer; -1: none */
	int backoff;
	uint64_t starts; /* v2 */
	int exitstatus, wstatus;
	char *spawnerr; /* NULL: none */
	int exec_fd;	/* the spawn's error pipe, exec unconfirmed; -1 */
	int stdin_fd;	/* -1: none */
	struct upg_pipe *pipes;
	size_t npipes;
	uint64_t bytes[2]; /* v2: bytes read per channel */
	char *log[2];	   /* v2: the log file per channel (AUTO names are random) */
	int64_t oom_base;  /* the leaf's oom_kill count when the run began; -1: unknown */
	/* v4: the open log file per channel, handed over with what the writer
	 * knew of it (the new image then neither opens nor stats it); one only
	 * above 2 and with log[] set, else the new image opens log[] by name */
	int log_fd[2];
	uint64_t log_size[2], log_dev[2], log_ino[2];
};

/* An event, buffered or in flight (evproto.h's struct ev). */
struct upg_event {
	uint64_t serial, poolserial;
	int type; /* enum ev_type's value */
	char *payload;
	size_t len;
};

/* A pool: its buffer, oldest first, and its counters (events.h). */
struct upg_evpool {
	char *name;
	uint64_t poolserial; /* the next one */
	uint64_t st[5];	     /* buffered, dispatched, processed, rejected, dropped */
	struct upg_event *evs;
	size_t nevs;
};

/* A running event listener's protocol channel: its stdout (the
 * process's other pipes are in its proc record) and where the protocol
 * stands, the event it was sent and has not answered included (BUSY):
 * the new image takes the answer. */
struct upg_evlistener {
	char *group, *name;
	int out_fd;
	int lstate;	      /* enum ev_lstate's value */
	bool has_cur;	      /* an event sent, not answered yet */
	struct upg_event cur; /* (its serial and pool serial) */
	char *wbuf;	      /* bytes of it its stdin has not taken yet */
	size_t wlen;
	/* the parser of its replies (struct ev_proto) */
	char *line;
	size_t linelen;
	int64_t resultlen, got;
	char *body;
	size_t bodylen;
	char *res; /* the result body kept for supervisor_stdout */
	size_t reslen;
};

/* A FastCGI socket (fcgi.h). */
struct upg_fcgi {
	char *program, *url;
	int fd;
	bool is_unix;
	uint64_t dev, ino;
};

struct upg_state {
	int version;	     /* as read (the writer's) */
	unsigned generation; /* upgrades of this pid so far, this one included */
	char *prev_version;  /* the writer's PACKAGE_VERSION */
	struct upg_listener *ls;
	size_t nls;
	struct upg_proc *procs;
	size_t nprocs;
	/* v3 */
	uint64_t ev_serial; /* the next event serial */
	int64_t ev_tick[3]; /* TICK_5, _60, _3600: the last slice sent */
	struct upg_evpool *pools;
	size_t npools;
	struct upg_evlistener *evls;
	size_t nevls;
	struct upg_fcgi *fcgis;
	size_t nfcgis;
	/* When the old image began the exec (CLOCK_MONOTONIC, us; 0:
	 * unknown): the new image logs its steps' timing from it. */
	int64_t t0_us;
	int64_t t_exec_us;  /* the execve(2) itself (UPG_T_EXEC_KEY) */
	int64_t t_taken_us; /* (the reader's: the document taken, not written) */
	/* v4: a unix socket whose queue holds every fd the document names, in
	 * upg_fds' order (SCM_RIGHTS): the new image takes them from it and
	 * renumbers the document (upg_fds_renumber).  0: none, each fd named
	 * was inherited with its number. */
	int fd_sock;
};

/* Appends s as a document of the given version (1..UPG_VERSION; a lower
 * one leaves out the fields it did not have) to the malloc'd *out of
 * *len bytes.  Returns 0 or -ENOMEM. */
int upg_format(const struct upg_state *s, int version, char **out, size_t *len);

/* Parses len bytes of text (need not be NUL-terminated) into *s (zero
 * it first; free it with upg_state_free even on error).  Returns 0, or
 * -EINVAL with why in err ("line 3: ..."), -EPROTONOSUPPORT for a
 * version this supd does not read, -ENOMEM. */
int upg_parse(const char *text, size_t len, struct upg_state *s, char *err, size_t errlen);

void upg_state_free(struct upg_state *s);

/* The lowest version that carries everything s holds (2, 3 with event
 * pools, listeners or FastCGI sockets, 4 with an fd socket or log fds). */
int upg_version_needed(const struct upg_state *s);

/* Every fd the document names (listeners, locks, pipes, stdin and exec
 * pipes, event listeners' stdout, FastCGI sockets) into v (at most max); returns how many there are
 * (may be more than max). */
size_t upg_fds(const struct upg_state *s, int *v, size_t max);
/* The n fds upg_fds names, in its order, replaced by v's. */
void upg_fds_renumber(struct upg_state *s, const int *v, size_t n);

#endif

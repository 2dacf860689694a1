/* What output.c (the object, its files, reading them back),
 * output_pipe.c (the child's pipes, splice and the relay) and
 * output_line.c (the read path's line work: capture, ANSI stripping, the
 * log file, the tail buffer, forwarding, syslog) share; nothing else
 * includes this.  The behaviour is described in output.h. */
#ifndef SUPD_OUTPUT_INT_H
#define SUPD_OUTPUT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "logfile.h"
#include "loop.h"
#include "output.h"

#define CHUNK (128 * 1024) /* the read path's buffer */
/* Moves per readiness event before returning to the loop, so one busy
 * child cannot starve the others (epoll is level-triggered). */
#define CHUNKS_PER_EVENT 8
/* Bytes per splice(2).  Measured (bench/run logs, 1 GiB, ext4, Linux
 * 6.18): 128-256 KiB cost the least CPU; 1 MiB cost 2-3x more, because
 * ext4 then fills the page cache with 1 MiB folios, whose allocation
 * (fresh, high-order memory) is slow, at least in a VM. */
#define SPLICE_MAX (256 * 1024)
/* A pipe that a wakeup found full is grown to this (or as far as
 * F_SETPIPE_SZ allows): more bytes per wakeup, fewer handovers of the
 * pipe's lock between the child and supd, and a burst has room while the
 * loop is busy elsewhere.  Quiet children keep the default 64 KiB: pipe
 * slots count against the user's pipe-user-pages-soft limit, and each
 * slot costs kernel memory. */
#define PIPE_BIG     (512 * 1024)
#define FWD_MAX_LINE (16 * 1024)
#define FWD_HOLD_MS  200
#define STAMP_LEN    24 /* "YYYY-MM-DD HH:MM:SS,mmm " */
/* Capture mode's tokens, supervisord's. */
#define CAPTURE_BEGIN "<!--XSUPERVISOR:BEGIN-->"
#define CAPTURE_END   "<!--XSUPERVISOR:END-->"
#define TOKEN_MAX     (sizeof(CAPTURE_BEGIN) - 1)

struct out_pipe {
	LIST_LINK(struct out_pipe) link;
	struct out_chan *ch;
	int fd;
	int size;   /* the pipe's capacity */
	bool grown; /* grown, or growing it failed: not tried again */
};

/* A partial line held until its newline, at most FWD_MAX_LINE bytes
 * (allocated at its first byte). */
struct out_line {
	char *buf;
	size_t len;
};

/* What a channel holds of a partial line for forwarding and for syslog;
 * made only for the channels that do either (most do neither). */
struct out_hold {
	struct loop_timer timer; /* flushes partial lines */
	struct out_line fwd;	 /* held for forwarding */
	struct out_line sl;	 /* held for syslog */
	bool fwd_cont;		 /* the held bytes continue an already written piece */
};

/* Capture mode (*_capture_maxbytes): what a channel holds between the
 * BEGIN and END tokens; made only for channels with it. */
struct out_capture {
	char *buf; /* captured so far: the last max bytes */
	size_t len, cap, max;
	char *work;  /* held bytes + the chunk being scanned */
	size_t held; /* bytes at work's start that may begin a token */
	bool on;     /* between BEGIN and END */
};

/* Fields ordered by size: one per stream, two per process, and supd may
 * run thousands of processes. */
struct out_chan {
	struct output *o;
	struct logfile *lf;    /* NULL: no file (NONE, syslog or journal only) */
	struct out_hold *hold; /* forward or syslog: partial lines held */
	struct out_capture *capture;
	/* in-memory tail for channels without a regular file */
	char *tail;
	size_t tail_head; /* next write position */
	uint64_t total;	  /* bytes ever read: the tail's virtual file size */
	uint64_t dropped; /* bytes the file lost in past failures (lf.dropped: now) */
	enum output_channel id;
	int rotate_reported;  /* the rotate_error last logged */
	int journal_reported; /* the journal error last logged */
	uint8_t ansi;	      /* strip_ansi state: 0 text, 1 after ESC, 2 in CSI */
	bool active;	      /* false: stderr with redirect_stderr */
	bool splice_ok;	      /* cleared when splice(2) refuses the target */
	bool timestamps;
	bool line_start; /* the next byte starts a line (timestamps) */
	bool forward;
	bool syslog;
	bool journal; /* *_logfile=journal */
	bool events;  /* *_events_enabled: chunks go to the output's event_cb */
};

struct output {
	struct output_ctx *x;
	const char *name; /* in name_buf */
	char *group;	  /* for the journal only, else NULL */
	uint64_t tail_size;
	struct out_chan ch[2];
	struct out_pipe *pipes; /* list.h */
	output_event_cb event_cb;
	void *event_arg;
	output_event_cb watch_cb; /* output_set_watch (readiness checks) */
	void *watch_arg;
	pid_t pid; /* the current run's, for the journal */
	bool strip_ansi;
	bool fwd_stamps;
	/* the name, in the same allocation (10,000 programs: a 32-byte chunk
	 * less each) */
	char name_buf[];
};

/* What the outputs of one loop share.  The scratch buffers and the relay
 * hold bytes only during one callback, and the loop is single-threaded,
 * so one of each serves every process. */
struct output_ctx {
	struct loop *l;
	output_syslog_fn syslog_sink;
	output_notice_fn notice;
	void *notice_arg;
	char *wbuf; /* stamped and forwarded bytes are built here */
	size_t wcap;
	/* The relay (relay_ready below): -1 until the first regular log
	 * file. */
	int relay[2];
	size_t relay_size;
	/* The read path's buffer, CHUNK bytes.  malloc'd, not part of a
	 * calloc'd struct: calloc would zero it, making 128 KiB resident in
	 * every supd, most of which never read a pipe in user space. */
	char *rbuf;
	/* an upgrade in place: output_new names log files, opens none */
	bool defer_logs;
};

/* Derived rather than kept: two channels a process, thousands of
 * processes. */
static inline const char *out_label(const struct out_chan *c)
{
	return c->id == OUTPUT_STDOUT ? "stdout" : "stderr";
}

/* Where forwarded lines go: supd's own stdout or stderr. */
static inline int out_fwd_fd(const struct out_chan *c)
{
	return c->id == OUTPUT_STDOUT ? 1 : 2;
}

/* The tail's size: tail_size once allocated (at its first byte). */
static inline size_t out_tail_cap(const struct out_chan *c)
{
	return c->tail ? (size_t)c->o->tail_size : 0;
}

/* output_line.c: a chunk read from one of c's pipes (at most CHUNK
 * bytes, modified in place) goes its way. */
void out_chunk(struct out_chan *c, char *p, size_t n);
/* A pipe of c ended: what was held for a token, an ESC or a line goes
 * out. */
void out_pipe_ended(struct out_chan *c);
/* Held partial lines go out (output_free). */
void out_flush_held(struct out_chan *c);
/* Logs a change of c's rotation errors (once each way). */
void out_rotate_result(struct out_chan *c);
/* The timer of c's held partial lines (arg: c). */
void out_hold_timer_cb(struct loop *l, void *arg);

/* output_pipe.c: the relay pipe (made once, for the first regular log
 * file) and a pipe's end. */
bool out_relay_ready(struct output_ctx *x);
void out_relay_close(struct output_ctx *x);
void out_pipe_close(struct output *o, struct out_pipe *pp);

#endif

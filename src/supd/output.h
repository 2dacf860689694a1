/* A process's output: its stdout/stderr pipes read from the loop and
 * written to where the config sends them (log files, rotated), every byte in
 * order and exactly once.
 *
 * One struct output per configured process; it outlives each run of the
 * process, so the log files stay open across restarts.
 *
 * How bytes move: when nothing needs them in user space (a regular log
 * file; no forward_output, timestamps, syslog, strip_ansi, events_enabled,
 * debug log level) they go pipe -> file with splice(2), through a relay pipe of
 * supd's own so that the child's pipe is not locked during the copy into
 * the page cache, at most 256 KiB at a time; otherwise they are read and
 * written in 128 KiB chunks.  Rotation happens after a chunk, never in
 * its middle, so a file exceeds maxbytes by at most one chunk (like
 * supervisord, which rotates after a write).
 * A pipe found full at a wakeup is grown to 512 KiB.
 * Write errors (disk full...) never stop the draining: the bytes are
 * counted as dropped, and output_line.c logs once when dropping starts and
 * once, with the count, when writing works again.
 *
 * *_logfile_timestamps: each line in the file starts with
 * "YYYY-MM-DD HH:MM:SS,mmm " (local time, like supd's own log), stamped
 * when the line's first byte was read.
 *
 * forward_output (container mode): each line also goes to supd's stdout
 * (the child's stderr to supd's stderr) as "name | line\n", preceded by
 * "YYYY-MM-DD HH:MM:SS,mmm " with [supervisord] forward_timestamps.  Only
 * whole lines are written, in one write(2) per batch, so lines of different
 * programs never mix.  A partial line is held until its newline, until it
 * reaches 16 KiB, or for 200 ms; then the piece is written with a newline
 * and the rest of that line follows as "name + rest" (+ marks a
 * continuation).  At EOF a held piece is written with a newline.
 *
 * Tail buffer: a channel without a regular log file (NONE, /dev/stdout...)
 * keeps its last tail_buffer bytes in memory (allocated at the first byte)
 * so output_read/output_tail still answer; a channel with a file is read
 * back from the file. */
#ifndef SUPD_OUTPUT_H
#define SUPD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"

struct output;
struct output_ctx;

enum output_channel {
	OUTPUT_STDOUT = 0,
	OUTPUT_STDERR = 1,
};

/* What the outputs of one loop share (scratch buffers, the relay pipe, the
 * syslog sink): one per loop, made before its first output and freed
 * after its last.  Returns 0 or -ENOMEM. */
int output_ctx_new(struct output_ctx **out, struct loop *l);
void output_ctx_free(struct output_ctx *x);

/* Opens the log files named by p (AUTO files in s->childlogdir, named with
 * s->identifier).  Returns 0 or a negative errno (the caller logs it with
 * the process's name; the process still runs, its output drained).  Except
 * for -ENOMEM, *out is set and usable even on error: a file that could not
 * be opened is retried at each write.  A non-seekable file with maxbytes
 * set is logged once here (rotation is off for it). */
int output_new(struct output **out, struct output_ctx *x, const struct conf_process *p,
	       const struct conf_supd *s);

/* Deletes AUTO log files (and their backups) of this identifier in
 * childlogdir, as supervisord does at start unless nocleanup.  Returns the
 * number removed or a negative errno. */
int output_cleanup_auto(const char *childlogdir, const char *identifier);

/* Takes ownership of the read ends of a freshly spawned child's pipes
 * (non-blocking, close-on-exec; fd_err is -1 with redirect_stderr).  Pipes
 * of an earlier run that a descendant still holds open keep being read
 * until their EOF. */
int output_attach(struct output *o, int fd_out, int fd_err);

/* Reads whatever is readable now without blocking (used before the engine
 * reports an exit, so the log holds the child's last words). */
void output_drain(struct output *o);

int output_reopen(struct output *o); /* SIGUSR2 */

/* Truncates both log files and removes their backups, and empties the tail
 * buffers (clearProcessLogs).  Returns 0 or the first negative errno. */
int output_clear(struct output *o);

/* The log file path of a channel, or NULL when it has none. */
const char *output_path(const struct output *o, enum output_channel ch);

/* supervisord's readProcess*Log (logfile_read_range's offsets) and
 * tailProcess*Log (logfile_tail's), from the file or the tail buffer.
 * -ENOENT: the channel has neither (NO_FILE). */
int output_read(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len);
int output_tail(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len, int64_t *newoffset, bool *overflow);

/* *_syslog: each line goes to syslog(3) as "name line" (stdout at
 * LOG_INFO, stderr at LOG_ERR), whole lines bounded like forwarded ones.
 * Tests replace the sink; NULL restores syslog(3).
 *
 * *_logfile=journal (journal.h): each line, bounded the same way, is one
 * journal entry with SYSLOG_IDENTIFIER=name, PRIORITY (info for stdout,
 * err for stderr, or a "<N>" prefix's), SUPD_PROGRAM, SUPD_GROUP,
 * SUPD_STREAM and SUPD_PID.  output_new loads libsystemd then and fails
 * (-ELIBACC) if it cannot. */
typedef void (*output_syslog_fn)(int prio, const char *name, const char *line, size_t len);
void output_ctx_set_syslog(struct output_ctx *x, output_syslog_fn fn);

/* A log file stopped taking a channel's bytes (dropping: err says why,
 * and the bytes are dropped from then on) or takes them again (dropped:
 * how many were lost meanwhile).  supd's log says both; fn (NULL: none)
 * hears them too, for the event stream. */
struct output_notice {
	const char *name;   /* the process */
	const char *stream; /* "stdout" or "stderr" */
	const char *path;
	bool dropping;
	int err;	  /* dropping: the write's errno */
	uint64_t dropped; /* !dropping: bytes lost */
};
typedef void (*output_notice_fn)(const struct output_notice *n, void *arg);
void output_ctx_set_notice(struct output_ctx *x, output_notice_fn fn, void *arg);

/* Events of a channel's output, to cb:
 * - OUTPUT_EV_LOG (*_events_enabled, PROCESS_LOG): each chunk read, after
 *   strip_ansi, as supervisord emits one event per read;
 * - OUTPUT_EV_COMMUNICATION (*_capture_maxbytes, PROCESS_COMMUNICATION):
 *   what the child wrote between "<!--XSUPERVISOR:BEGIN-->" and
 *   "<!--XSUPERVISOR:END-->" (its last capture_maxbytes bytes), which is
 *   not logged.  Up to 23 bytes that could begin a token are held until
 *   the next output or the end of the pipe.
 * Such channels are read in user space, never spliced.  One callback per
 * output; cb NULL removes it. */
enum output_event { OUTPUT_EV_LOG, OUTPUT_EV_COMMUNICATION };
typedef void (*output_event_cb)(struct output *o, enum output_channel ch, enum output_event ev,
				const char *data, size_t len, void *arg);
void output_set_events(struct output *o, output_event_cb cb, void *arg);

/* A second listener for readiness checks (log:REGEX, proc_check.h): every
 * piece of both channels, as the file gets it, while set.  Channels are
 * read in user space meanwhile.  cb NULL removes it. */
void output_set_watch(struct output *o, output_event_cb cb, void *arg);

/* Bytes read from each channel's pipes since output_new. */
uint64_t output_bytes(const struct output *o, enum output_channel ch);

/* Bytes of each channel that its log file lost (write errors, disk full)
 * since output_new: never goes down. */
uint64_t output_dropped(const struct output *o, enum output_channel ch);

/* The pid of the run whose output this is (for the journal's SUPD_PID). */
void output_set_pid(struct output *o, pid_t pid);

/* Drains, closes the pipes and files, frees. */
void output_free(struct output *o);

/* Upgrade in place (daemon_upgrade.c).  output_pipes: the fds of the
 * pipes o reads (each one's channel in chs, capacity in sizes), at most
 * max; returns how many there are.  output_adopt_pipe: output_attach for
 * one pipe of the previous image, already non-blocking, of capacity size
 * (0: unknown, asked).  output_flush_held: the partial lines held for
 * forwarding and syslog go out now (the next image starts with none).
 * output_set_bytes: the byte count of a channel with a log file carried
 * over (tail -f offsets stay valid). */
size_t output_pipes(const struct output *o, int *fds, int *chs, int *sizes, size_t max);
int output_adopt_pipe(struct output *o, enum output_channel ch, int fd, int size);
void output_flush_held(struct output *o);
void output_set_bytes(struct output *o, enum output_channel ch, uint64_t n);
/* An upgrade in place (doc/upgrade.md).  While on, output_new opens no log
 * file and picks no AUTO name.  output_adopt_log: the channel's log file
 * is path, the previous image's (an AUTO name is random), and fd (>= 0)
 * is that file open, with its size and identity: taken as it is; fd < 0:
 * path is opened.  output_open_deferred, once every process is adopted,
 * opens what none handed over.  output_log_state: the old image's side,
 * false when the channel has no open regular file. */
void output_ctx_defer_logs(struct output_ctx *x, bool on);
void output_adopt_log(struct output *o, enum output_channel ch, const char *path, int fd,
		      uint64_t size, uint64_t dev, uint64_t ino);
void output_open_deferred(struct output *o, const struct conf_supd *s);
bool output_log_state(const struct output *o, enum output_channel ch, int *fd, uint64_t *size,
		      uint64_t *dev, uint64_t *ino);

#endif

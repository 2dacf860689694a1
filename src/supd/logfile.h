/* A size-rotated log file, supervisord's RotatingFileHandler done without
 * loss: name, name.1 ... name.N.  Used for child logs and supd's own log.
 *
 * Non-seekable targets (/dev/stdout, a pipe, a tty) are written as they are
 * with rotation off.  A file or directory removed under us is recreated at
 * the next write.  Write errors (ENOSPC...) are counted, not fatal. */
#ifndef SUPD_LOGFILE_H
#define SUPD_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct logfile {
	char *path;
	uint64_t maxbytes; /* 0: never rotate */
	uint64_t size;	   /* bytes in the current file */
	/* Bytes lost to write errors.  logfile_write only adds to it; the
	 * caller reads it when writing works again (last_error back to 0),
	 * logs the count once and zeroes it. */
	uint64_t dropped;
	int64_t rotate_failed_ms;
	int64_t checked_ms; /* when the path was last compared with the fd */
	dev_t dev;	    /* identity of the open file, to notice a move */
	ino_t ino;
	int fd; /* -1 when closed */
	int backups;
	int last_error;	  /* errno of the last failed write, 0 after a success */
	int rotate_error; /* errno of the last failed rotation, 0 after a success */
	bool seekable;	  /* false: rotation is off */
};

/* Opens (creating, appending; creating missing directories) path.
 * Returns 0 or a negative errno; on error lf is still initialised (fd -1)
 * and every write retries the open. */
int logfile_open(struct logfile *lf, const char *path, uint64_t maxbytes, int backups);
/* logfile_open without the open: lf->fd is -1 (logfile_reopen or the first
 * write opens it).  path NULL: named later (lf->path set by the caller).
 * Returns 0 or -ENOMEM. */
int logfile_init(struct logfile *lf, const char *path, uint64_t maxbytes, int backups);
/* The open regular file fd is lf's file (an upgrade in place hands it
 * over, with what the old image knew of it): no system call. */
void logfile_adopt(struct logfile *lf, int fd, uint64_t size, uint64_t dev, uint64_t ino);
void logfile_close(struct logfile *lf);
/* Closes and opens the same path again (SIGUSR2, after an external
 * rename).  Returns 0 or a negative errno. */
int logfile_reopen(struct logfile *lf);
/* Writes all of buf (retrying short writes), rotating afterwards if the file
 * reached maxbytes.  Returns 0 or a negative errno; on error the bytes not
 * written are counted in dropped.  A failed rotation does not fail the
 * write: it sets rotate_error (the file keeps growing; rotation is retried
 * at most once a second) for the caller to report once. */
int logfile_write(struct logfile *lf, const void *buf, size_t len);
/* Moves up to len bytes from the pipe fd into the file with splice(2),
 * rotating afterwards like logfile_write.  Returns the bytes moved (0
 * at EOF), -EAGAIN when the pipe is empty, or another negative errno:
 * -EINVAL when splice cannot write this target; a write error (ENOSPC...)
 * leaves the bytes in the pipe and last_error untouched, for the caller's
 * read+write path to write or count. */
ssize_t logfile_splice(struct logfile *lf, int pipe_fd, size_t len);
/* Rotation in place: name -> name.1 ... (backups 0: truncate).  When name
 * cannot be renamed it is left as it is (not truncated) and the error
 * returned. */
int logfile_rotate(struct logfile *lf);
/* Truncates the file and removes its backups (supctl clear). */
int logfile_clear(struct logfile *lf);

/* supervisord's readLog on a file: offset >= 0 with length 0 reads to
 * the end; offset < 0 with length 0 reads the last -offset bytes; a negative
 * length, or a negative offset with a length, is -EINVAL.  A missing file
 * is -ENOENT.  *buf is malloc'd (NUL-terminated for convenience). */
int logfile_read_range(const char *path, int64_t offset, int64_t length, char **buf, size_t *len);
/* supervisord's tail*Log: with offset below the file's size, the last
 * min(length, size) bytes, else none; *overflow when size > offset+length
 * (bytes between offset and what is returned were skipped).  *newoffset is
 * the file size.  A missing file gives no bytes, offset 0, no overflow (and
 * returns 0).  Negative offset or length count as 0, as in supervisord. */
int logfile_tail(const char *path, int64_t offset, int64_t length, char **buf, size_t *len,
		 int64_t *newoffset, bool *overflow);

/* The same two, for streaming: *fd (close-on-exec, for pread) and the
 * range [*start, *end) to send, without reading it.  Both refuse what is not
 * a regular file with -ENOTSUP (the caller reads its
 * in-memory tail instead). */
int logfile_open_range(const char *path, int64_t offset, int64_t length, int *fd, int64_t *start,
		       int64_t *end);
int logfile_tail_range(const char *path, int64_t offset, int64_t length, int *fd, int64_t *start,
		       int64_t *end, int64_t *newoffset, bool *overflow);

/* mkdir -p of the directory holding path.  Returns 0 or a negative errno. */
int logfile_mkdir_parent(const char *path);

#endif

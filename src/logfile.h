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
	int fd;            /* -1 when closed */
	uint64_t maxbytes; /* 0: never rotate */
	int backups;
	uint64_t size;     /* bytes in the current file */
	bool seekable;     /* false: rotation is off */
	uint64_t dropped;  /* bytes lost to write errors since the last success */
	int last_error;    /* errno of the last failed write, 0 after a success */
};

/* Opens (creating, appending) path.  Returns 0 or a negative errno. */
int logfile_open(struct logfile *lf, const char *path, uint64_t maxbytes, int backups);
void logfile_close(struct logfile *lf);
int logfile_reopen(struct logfile *lf);
/* Writes all of buf (retrying short writes), rotating afterwards if the file
 * reached maxbytes.  Returns 0 or a negative errno; on error the bytes are
 * counted in dropped. */
int logfile_write(struct logfile *lf, const void *buf, size_t len);
int logfile_rotate(struct logfile *lf);
/* Truncates the file and removes its backups (supctl clear). */
int logfile_clear(struct logfile *lf);

#endif

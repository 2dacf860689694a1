/* logfile: a rotating file writer that loses nothing it can avoid losing.
 *
 * The file is opened without O_APPEND because splice(2) refuses append-mode
 * targets; appending is kept by fstat before each write: a file that grew
 * under us (another writer of the same path) or shrank (copytruncate) moves
 * our position to its end.  The same fstat notices a deleted file
 * (st_nlink 0), which is then recreated; a moved file or directory is
 * noticed by comparing the path's inode with ours, at most once a second. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log_range.h"
#include "logfile.h"

#define PATH_CHECK_MS 1000

static int64_t coarse_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int logfile_mkdir_parent(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	int r = 0;
	/* Create each missing component from the top down. */
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return r;
}

/* /dev/stdout and /dev/stderr name supd's own fds; when those are sockets
 * (some container runtimes) opening /proc/self/fd/N fails with ENXIO, so
 * the fd is duplicated instead. */
static int open_std_alias(const char *path)
{
	int fd = -1;
	if (strcmp(path, "/dev/stdout") == 0 || strcmp(path, "/proc/self/fd/1") == 0)
		fd = 1;
	else if (strcmp(path, "/dev/stderr") == 0 || strcmp(path, "/proc/self/fd/2") == 0)
		fd = 2;
	if (fd < 0)
		return -ENXIO;
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return d < 0 ? -errno : d;
}

static int open_fd(struct logfile *lf, bool truncate)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (truncate ? O_TRUNC : 0);
	int fd = open(lf->path, flags, 0666);
	if (fd < 0 && errno == ENOENT) {
		int r = logfile_mkdir_parent(lf->path);
		if (r < 0)
			return r;
		fd = open(lf->path, flags, 0666);
	}
	if (fd < 0) {
		if (errno != ENXIO)
			return -errno;
		fd = open_std_alias(lf->path);
		if (fd < 0)
			return fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	lf->seekable = S_ISREG(st.st_mode);
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	lf->size = 0;
	if (lf->seekable) {
		off_t end = lseek(fd, 0, SEEK_END);
		if (end < 0) {
			/* A "regular" file that cannot seek: treat as a stream. */
			lf->seekable = false;
		} else {
			lf->size = (uint64_t)end;
		}
	}
	lf->fd = fd;
	lf->checked_ms = coarse_now_ms();
	return 0;
}

int logfile_init(struct logfile *lf, const char *path, uint64_t maxbytes, int backups)
{
	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->maxbytes = maxbytes;
	lf->backups = backups < 0 ? 0 : backups;
	if (!path)
		return 0;
	lf->path = strdup(path);
	return lf->path ? 0 : -ENOMEM;
}

int logfile_open(struct logfile *lf, const char *path, uint64_t maxbytes, int backups)
{
	int r = logfile_init(lf, path, maxbytes, backups);
	return r < 0 ? r : open_fd(lf, false);
}

void logfile_adopt(struct logfile *lf, int fd, uint64_t size, uint64_t dev, uint64_t ino)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = fd;
	lf->seekable = true;
	lf->size = size;
	lf->dev = (dev_t)dev;
	lf->ino = (ino_t)ino;
	lf->checked_ms = coarse_now_ms();
}

void logfile_close(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	free(lf->path);
	lf->path = NULL;
}

int logfile_reopen(struct logfile *lf)
{
	if (!lf->path)
		return -EBADF;
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	return open_fd(lf, false);
}

/* Before a write: is our fd still the file at our path, and where is its
 * end?  Returns 0 or a negative errno (no usable file). */
static int check_file(struct logfile *lf)
{
	if (lf->fd < 0)
		return open_fd(lf, false);
	if (!lf->seekable)
		return 0;
	struct stat st;
	if (fstat(lf->fd, &st) < 0)
		return -errno;
	bool stale = st.st_nlink == 0;
	if (!stale) {
		int64_t now = coarse_now_ms();
		if (now - lf->checked_ms >= PATH_CHECK_MS) {
			struct stat ps;
			lf->checked_ms = now;
			/* Only a path that names nothing or another file counts: a
			 * transient error (EACCES...) must not make us drop bytes. */
			if (stat(lf->path, &ps) < 0)
				stale = errno == ENOENT || errno == ENOTDIR;
			else
				stale = ps.st_dev != lf->dev || ps.st_ino != lf->ino;
		}
	}
	if (stale) {
		close(lf->fd);
		lf->fd = -1;
		return open_fd(lf, false);
	}
	if ((uint64_t)st.st_size != lf->size) {
		off_t end = lseek(lf->fd, 0, SEEK_END);
		if (end < 0)
			return -errno;
		lf->size = (uint64_t)end;
	}
	return 0;
}

static void note_error(struct logfile *lf, int err, uint64_t lost)
{
	lf->last_error = -err;
	lf->dropped += lost;
}

/* After a failed rotation the file keeps growing; retrying on every write
 * would cost renames per chunk, so it is retried at most once a second. */
#define ROTATE_RETRY_MS 1000

static void maybe_rotate(struct logfile *lf)
{
	if (!lf->seekable || lf->maxbytes == 0 || lf->size < lf->maxbytes)
		return;
	if (lf->rotate_error && coarse_now_ms() - lf->rotate_failed_ms < ROTATE_RETRY_MS)
		return;
	int r = logfile_rotate(lf);
	lf->rotate_error = r < 0 ? -r : 0;
	if (r < 0)
		lf->rotate_failed_ms = coarse_now_ms();
}

int logfile_write(struct logfile *lf, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	int r = check_file(lf);
	if (r < 0) {
		note_error(lf, r, len);
		return r;
	}
	const char *p = buf;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(lf->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			note_error(lf, r, left);
			return r;
		}
		p += n;
		left -= (size_t)n;
		lf->size += (uint64_t)n;
	}
	lf->last_error = 0;
	maybe_rotate(lf);
	return 0;
}

ssize_t logfile_splice(struct logfile *lf, int pipe_fd, size_t len)
{
	int r = check_file(lf);
	if (r < 0)
		return r;
	ssize_t n;
	do
		n = splice(pipe_fd, NULL, lf->fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	lf->size += (uint64_t)n;
	lf->last_error = 0;
	maybe_rotate(lf);
	return n;
}

static char *backup_name(const char *path, int i)
{
	char *s;
	if (asprintf(&s, "%s.%d", path, i) < 0)
		return NULL;
	return s;
}

/* name.N-1 -> name.N ... name.1 -> name.2: a failure here only costs an
 * old backup, so it is reported but does not stop the rotation.
 *
 * The oldest is unlinked first so that no rename replaces an existing
 * file: on ext4 (auto_da_alloc) a rename over a file starts writeback of
 * the renamed file's delayed blocks in the caller, which is supd's loop. */
static int shift_backups(struct logfile *lf)
{
	int r = 0;
	char *oldest = backup_name(lf->path, lf->backups);
	if (!oldest)
		return -ENOMEM;
	if (unlink(oldest) < 0 && errno != ENOENT)
		r = -errno;
	free(oldest);
	for (int i = lf->backups; i >= 2; i--) {
		char *from = backup_name(lf->path, i - 1);
		char *to = backup_name(lf->path, i);
		if (!from || !to)
			r = -ENOMEM;
		else if (rename(from, to) < 0 && errno != ENOENT && r == 0)
			r = -errno;
		free(from);
		free(to);
	}
	return r;
}

int logfile_rotate(struct logfile *lf)
{
	if (!lf->path)
		return -EBADF;
	if (!lf->seekable)
		return 0;
	int r = 0;
	if (lf->backups > 0) {
		r = shift_backups(lf);
		char *first = backup_name(lf->path, 1);
		if (!first)
			return -ENOMEM;
		/* rename() replaces the destination atomically.  If the current
		 * file cannot be moved aside it must not be truncated: keep
		 * appending to it. */
		int e = rename(lf->path, first) < 0 && errno != ENOENT ? -errno : 0;
		free(first);
		if (e < 0)
			return e;
	}
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	int o = open_fd(lf, true);
	return o < 0 ? o : r;
}

int logfile_clear(struct logfile *lf)
{
	if (!lf->path)
		return -EBADF;
	int r = 0;
	for (int i = 1; i <= lf->backups; i++) {
		char *b = backup_name(lf->path, i);
		if (!b)
			return -ENOMEM;
		if (unlink(b) < 0 && errno != ENOENT && r == 0)
			r = -errno;
		free(b);
	}
	if (!lf->seekable)
		return r;
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	int o = open_fd(lf, true);
	return r < 0 ? r : o;
}

static int read_at(int fd, off_t off, size_t want, char **buf, size_t *len)
{
	char *b = malloc(want + 1);
	if (!b)
		return -ENOMEM;
	size_t got = 0;
	while (got < want) {
		ssize_t n = pread(fd, b + got, want - got, off + (off_t)got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(b);
			return e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

/* Opens path for reading; *size is 0 for what is not a regular file
 * (-ENOTSUP with regular). */
static int open_size(const char *path, int *fd, int64_t *size, bool regular)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0)
		return -errno;
	struct stat st;
	if (fstat(*fd, &st) < 0 || (regular && !S_ISREG(st.st_mode))) {
		int e = S_ISREG(st.st_mode) ? -errno : -ENOTSUP;
		close(*fd);
		*fd = -1;
		return e;
	}
	*size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
	return 0;
}

int logfile_open_range(const char *path, int64_t offset, int64_t length, int *fd, int64_t *start,
		       int64_t *end)
{
	int64_t s, e, sz;
	if (log_range_span(offset, length, 0, &s, &e) < 0)
		return -EINVAL;
	int r = open_size(path, fd, &sz, true);
	if (r < 0)
		return r;
	log_range_span(offset, length, sz, start, end);
	return 0;
}

int logfile_read_range(const char *path, int64_t offset, int64_t length, char **buf, size_t *len)
{
	int64_t start, end, sz;
	if (log_range_span(offset, length, 0, &start, &end) < 0)
		return -EINVAL;
	int fd;
	int r = open_size(path, &fd, &sz, false);
	if (r < 0)
		return r;
	log_range_span(offset, length, sz, &start, &end);
	r = read_at(fd, start, (size_t)(end - start), buf, len);
	close(fd);
	return r;
}

int logfile_tail_range(const char *path, int64_t offset, int64_t length, int *fd, int64_t *start,
		       int64_t *end, int64_t *newoffset, bool *overflow)
{
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	*overflow = false;
	*newoffset = *start = *end = 0;
	int64_t sz;
	int r = open_size(path, fd, &sz, true);
	if (r < 0)
		return r;
	/* sz - length may not fit when length is near INT64_MAX */
	*overflow = length < sz && sz - length > offset;
	*start = *end = sz;
	if (*overflow || offset < sz)
		*start = sz - (length < sz ? length : sz);
	*newoffset = sz;
	return 0;
}

int logfile_tail(const char *path, int64_t offset, int64_t length, char **buf, size_t *len,
		 int64_t *newoffset, bool *overflow)
{
	int fd;
	int64_t start, end;
	int r = logfile_tail_range(path, offset, length, &fd, &start, &end, newoffset, overflow);
	if (r == -ENOENT || r == -ENOTSUP)
		return read_at(-1, 0, 0, buf, len);
	if (r < 0)
		return r;
	r = read_at(fd, start, (size_t)(end - start), buf, len);
	close(fd);
	return r;
}

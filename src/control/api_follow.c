/* Logs followed for clients (tail -f): /v1's ?follow=true and
 * supervisord's /logtail and /mainlogtail streams.  Each follower reads its
 * file to the end at every inotify event, and reopens it by name when a
 * rotation replaced it; nothing polls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "log.h"
#include "output.h"

/* A log followed for a client (tail -f): the file read to its end at each
 * inotify event, reopened by name when rotation replaced it. */
struct follow {
	enum held_kind kind_tag;
	struct api *a;
	struct http_req *req;
	char *path;
	int fd; /* the file being read; -1 while the name does not exist */
	dev_t dev;
	ino_t ino;
	off_t pos;
	int ifd; /* inotify */
	int wd_file;
	struct follow *prev, *next;
};

#define FOLLOW_FIRST   1024	    /* bytes of history sent first, as supervisord */
#define FOLLOW_BACKLOG (512 * 1024) /* stop reading while the client is this far behind */

void api_follow_free(struct follow *f)
{
	struct api *a = f->a;
	if (f->prev)
		f->prev->next = f->next;
	else if (a->follows == f)
		a->follows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	if (f->ifd >= 0) {
		loop_unwatch_fd(a->loop, f->ifd);
		close(f->ifd);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (f->req) {
		http_req_set_data(f->req, NULL);
		http_stream_end(f->req);
	}
	free(f->path);
	free(f);
}

/* Opens the file now at f->path, from its start (a new file after a
 * rotation) or from its last FOLLOW_FIRST bytes (the first open). */
static void follow_open(struct follow *f, bool first)
{
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return;
	struct stat st;
	if (fstat(f->fd, &st) < 0) {
		close(f->fd);
		f->fd = -1;
		return;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pos = first && st.st_size > FOLLOW_FIRST ? st.st_size - FOLLOW_FIRST : 0;
	if (f->wd_file >= 0)
		inotify_rm_watch(f->ifd, f->wd_file);
	f->wd_file = inotify_add_watch(f->ifd, f->path,
				       IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF);
}

/* Sends what the file has past f->pos.  Returns false when the client is
 * gone. */
static bool follow_read(struct follow *f)
{
	char buf[65536];
	struct stat st;
	if (fstat(f->fd, &st) == 0 && st.st_size < f->pos) {
		static const char msg[] = "\n==> File truncated <==\n";
		if (http_stream_write(f->req, msg, sizeof(msg) - 1) == -EPIPE)
			return false;
		f->pos = 0;
	}
	while (http_stream_pending(f->req) < FOLLOW_BACKLOG) {
		ssize_t n = pread(f->fd, buf, sizeof(buf), f->pos);
		if (n <= 0)
			break;
		int r = http_stream_write(f->req, buf, (size_t)n);
		if (r == -EPIPE)
			return false;
		if (r < 0)
			break; /* full: the rest at the next event */
		f->pos += n;
	}
	return true;
}

static void follow_pump(struct follow *f)
{
	if (f->fd >= 0 && !follow_read(f))
		return;
	/* Rotated or removed: the old file is read to its end above; carry
	 * on with whatever now has the name. */
	struct stat st;
	bool replaced = stat(f->path, &st) < 0 || st.st_ino != f->ino || st.st_dev != f->dev;
	if (f->fd >= 0 && !replaced)
		return;
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	follow_open(f, false);
	if (f->fd >= 0)
		follow_read(f);
}

static void on_follow_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct follow *f = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	follow_pump(f);
}

void api_follow(struct api *a, struct http_req *r, const char *path)
{
	if (!path || !*path) {
		api_reply_error(r, "NO_FILE", "no log file to follow");
		return;
	}
	struct follow *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		api_reply_error(r, "FAILED", "out of memory");
		return;
	}
	f->kind_tag = HELD_FOLLOW;
	f->a = a;
	f->fd = -1;
	f->wd_file = -1;
	/* The directory is watched for the name's return after a rotation. */
	f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int e = f->ifd < 0 ? -errno : 0;
	if (!e && inotify_add_watch(f->ifd, dir, IN_CREATE | IN_MOVED_TO) < 0)
		e = -errno;
	if (!e)
		follow_open(f, true);
	if (!e && f->fd < 0)
		e = -errno;
	if (!e)
		e = loop_watch_fd(a->loop, f->ifd, EPOLLIN, on_follow_event, f);
	if (e < 0) {
		api_follow_free(f);
		if (e == -ENOENT)
			api_reply_error(r, "NO_FILE", "%s", path);
		else
			api_reply_error(r, "FAILED", "%s: %s", path, strerror(-e));
		return;
	}
	if (http_stream_begin(r, "text/plain; charset=utf-8") < 0) {
		api_follow_free(f);
		return;
	}
	f->req = r;
	http_req_set_data(r, f);
	f->next = a->follows;
	if (a->follows)
		a->follows->prev = f;
	a->follows = f;
	follow_read(f);
}

/* supervisord's tail -f endpoints, for its supervisorctl and web tools:
 * GET /logtail/<namespec>[/stdout|stderr] and GET /mainlogtail, a chunked
 * stream; anything unknown or without a log is a bare 404. */
bool api_route_logtail(struct api *a, struct http_req *r, const char *path)
{
	const char *spec;
	bool main_log = !strcmp(path, "/mainlogtail");
	if (main_log)
		spec = NULL;
	else if (!strncmp(path, "/logtail/", 9))
		spec = path + 9;
	else
		return false;
	static const char nf[] = "Not Found\n";
	if (strcmp(http_req_method(r), "GET")) {
		http_reply(r, 400, "text/plain", "Bad Request\n", 12);
		return true;
	}
	if (main_log) {
		if (!log_path() || access(log_path(), F_OK) < 0)
			http_reply(r, 404, "text/plain", nf, sizeof(nf) - 1);
		else
			api_follow(a, r, log_path());
		return true;
	}
	char name[600];
	snprintf(name, sizeof(name), "%s", spec);
	enum output_channel ch = OUTPUT_STDOUT;
	char *slash = strchr(name, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "stderr"))
			ch = OUTPUT_STDERR;
		else if (strcmp(slash + 1, "stdout"))
			name[0] = '\0';
	}
	struct ops_spec sp;
	struct proc **v = NULL;
	const char *file = NULL;
	if (*name && ops_spec_parse(name, &sp) == 0 && sp.kind == OPS_ONE &&
	    ops_resolve(a->core, &sp, &v) > 0 && v[0]->out)
		file = output_path(v[0]->out, ch);
	free(v);
	if (!file || access(file, F_OK) < 0)
		http_reply(r, 404, "text/plain", nf, sizeof(nf) - 1);
	else
		api_follow(a, r, file);
	return true;
}

void api_follow_abandoned(struct follow *f)
{
	f->req = NULL;
	api_follow_free(f);
}

/* A follower that stopped reading at FOLLOW_BACKLOG carries on when its
 * client caught up. */
void api_follow_writable(struct follow *f)
{
	if (f->fd >= 0)
		follow_read(f);
}

/* Logs followed for clients (tail -f): /v1's ?follow=true and
 * supervisord's /logtail and /mainlogtail streams.
 *
 * One inotify instance serves every follower (an instance per follower
 * would exhaust the user's fs.inotify.max_user_instances, 128 by default,
 * for supd and for every other process of the same user).  It watches the
 * directories that hold followed logs, one watch per directory; a followed
 * path (struct flog) is shared by all its followers.
 *
 * A flog keeps the generations of its file that are still on disk: the
 * file at its name and the backups it was renamed to (name.1 ... name.N),
 * each open once, oldest first, with the absolute offset at which it
 * starts in the log's byte stream.  A follower is an absolute position in
 * that stream: one that fell behind rotation reads the backups in order,
 * and one whose bytes were rotated out of the last backup gets a marker
 * with the number of bytes skipped.  Nothing polls: the directory's events
 * say when to look. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#define FOLLOW_FIRST 1024 /* bytes of history sent first, as supervisord */
/* Stop reading while the client is this far behind: what it has not taken
 * stays on disk (a slow follower reads the backups later), so a thousand
 * stalled followers cost a thousand times this, not their logs' size. */
#define FOLLOW_BACKLOG (64 * 1024)
#define MAX_BACKUPS    1000 /* name.N looked at, at most */
#define DIR_EVENTS                                                                                 \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY | IN_ONLYDIR |            \
	 IN_EXCL_UNLINK)

/* A directory watched for followed logs (inotify gives one watch per
 * directory and instance, whatever the path that named it). */
struct fdir {
	int wd;
	unsigned refs;
	struct fdir *next;
};

/* One file of a log: the file now at the log's name, or a backup. */
struct gen {
	int fd;
	dev_t dev;
	ino_t ino;
	int64_t base; /* the absolute offset of its first byte */
	int64_t size; /* the most seen of it */
};

/* A followed path, shared by its followers. */
struct flog {
	char *path;
	const char *name; /* the last component of path */
	size_t nlen;
	struct fdir *dir;
	struct gen *gens; /* oldest first */
	size_t ngens, cap;
	int64_t end; /* where a generation found after a gap starts */
	unsigned refs;
	bool dirty;
	struct flog *next;
};

struct follow_hub {
	int ifd;
	struct fdir *dirs;
	struct flog *logs;
};

/* A client following a log. */
struct follow {
	struct api *a;
	struct http_req *req;
	struct flog *log;
	int64_t pos;   /* absolute, in the log's byte stream */
	bool mid_line; /* the last byte sent was not a newline */
	LIST_LINK(struct follow) link;
};

/* ---------------------------------------------------------------- the hub */

static void gen_close(struct flog *l, size_t i)
{
	close(l->gens[i].fd);
	memmove(&l->gens[i], &l->gens[i + 1], (l->ngens - i - 1) * sizeof(l->gens[0]));
	l->ngens--;
}

/* The instance is closed when nothing is followed. */
static void hub_close_idle(struct api *a)
{
	struct follow_hub *h = a->hub;
	if (!h || h->logs)
		return;
	loop_unwatch_fd(a->loop, h->ifd);
	close(h->ifd);
	free(h);
	a->hub = NULL;
}

static void hub_release(struct api *a, struct flog *l)
{
	struct follow_hub *h = a->hub;
	if (--l->refs)
		return;
	for (struct flog **p = &h->logs; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	while (l->ngens)
		gen_close(l, l->ngens - 1);
	free(l->gens);
	if (l->dir && !--l->dir->refs) {
		inotify_rm_watch(h->ifd, l->dir->wd);
		for (struct fdir **p = &h->dirs; *p; p = &(*p)->next)
			if (*p == l->dir) {
				*p = l->dir->next;
				break;
			}
		free(l->dir);
	}
	free(l->path);
	free(l);
	hub_close_idle(a);
}

static void on_hub_event(struct loop *l, int fd, uint32_t events, void *arg);

static int hub_open(struct api *a)
{
	if (a->hub)
		return 0;
	struct follow_hub *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int e = h->ifd < 0 ? -errno : loop_watch_fd(a->loop, h->ifd, EPOLLIN, on_hub_event, a);
	if (e < 0) {
		if (h->ifd >= 0)
			close(h->ifd);
		free(h);
		return e;
	}
	a->hub = h;
	return 0;
}

static int watch_dir(struct follow_hub *h, const char *path, struct fdir **out)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int wd = inotify_add_watch(h->ifd, dir, DIR_EVENTS);
	if (wd < 0)
		return -errno;
	for (struct fdir *d = h->dirs; d; d = d->next)
		if (d->wd == wd) {
			d->refs++;
			*out = d;
			return 0;
		}
	struct fdir *d = calloc(1, sizeof(*d));
	if (!d) {
		inotify_rm_watch(h->ifd, wd);
		return -ENOMEM;
	}
	*d = (struct fdir){.wd = wd, .refs = 1, .next = h->dirs};
	h->dirs = d;
	*out = d;
	return 0;
}

/* ---------------------------------------------------------------- scanning */

static void name_k(const struct flog *l, int k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, "%s", l->path);
	else
		snprintf(buf, len, "%s.%d", l->path, k);
}

static int add_gen(struct flog *l, const char *path, const struct stat *want)
{
	if (l->ngens == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;
		struct gen *g = realloc(l->gens, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		l->gens = g;
		l->cap = cap;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_ino != want->st_ino || st.st_dev != want->st_dev) {
		close(fd); /* renamed under us: the next event looks again */
		return -EAGAIN;
	}
	int64_t base = l->end;
	if (l->ngens) {
		/* the newest known file was rotated: its size is final */
		struct gen *prev = &l->gens[l->ngens - 1];
		struct stat ps;
		if (fstat(prev->fd, &ps) == 0 && ps.st_size > prev->size)
			prev->size = ps.st_size;
		base = prev->base + prev->size;
	}
	l->gens[l->ngens++] = (struct gen){
	    .fd = fd, .dev = st.st_dev, .ino = st.st_ino, .base = base, .size = st.st_size};
	l->end = base + st.st_size;
	return 0;
}

static void notice(struct follow *f, const char *msg)
{
	http_stream_write(f->req, msg, strlen(msg));
}

/* The newest file shrank in place (cleared, or rotated with no backups):
 * what it held before is gone; it starts anew at the end of what was
 * seen of it. */
static void check_truncated(struct api *a, struct flog *l)
{
	struct gen *g = &l->gens[l->ngens - 1];
	struct stat st;
	if (fstat(g->fd, &st) < 0 || st.st_size >= g->size)
		return;
	for (struct follow *f = a->follows; f; f = f->link.next)
		if (f->log == l && f->pos >= g->base + g->size)
			notice(f, "\n==> File truncated <==\n");
	g->base += g->size;
	g->size = st.st_size;
	l->end = g->base + g->size;
}

/* Brings l's generations up to date with the names on disk: files that
 * appeared at the name since (rotations) are opened, newest last; files
 * no longer at any name are closed, except the newest (supd may still be
 * writing it until it notices it was removed). */
static void flog_scan(struct api *a, struct flog *l)
{
	/* The names found, on the heap and as many as there are: up to
	 * MAX_BACKUPS of them on the stack would touch 150 KB of it, which
	 * would then stay resident in supd. */
	struct name {
		struct stat st;
		bool have, seen;
	} *v = NULL;
	char path[4200];
	int n = 0, cap = 0;
	for (int k = 0; k <= MAX_BACKUPS; k++, n++) {
		if (k == cap) {
			int ncap = cap ? 2 * cap : 8;
			struct name *nv = realloc(v, (size_t)ncap * sizeof(*v));
			if (!nv) {
				free(v);
				return; /* (out of memory: the next scan tries again) */
			}
			v = nv;
			cap = ncap;
		}
		name_k(l, k, path, sizeof(path));
		v[k].seen = false;
		v[k].have = stat(path, &v[k].st) == 0 && S_ISREG(v[k].st.st_mode);
		if (!v[k].have && k > 0)
			break;
	}
	/* where the newest known file is now: the files at lower names are
	 * newer, and new to us */
	int j = n;
	for (size_t i = l->ngens; i-- > 0 && j == n;)
		for (int k = 0; k < n; k++)
			if (v[k].have && v[k].st.st_ino == l->gens[i].ino &&
			    v[k].st.st_dev == l->gens[i].dev) {
				j = k;
				break;
			}
	if (!l->ngens)
		j = 1; /* a new flog starts with the file at the name */
	for (size_t i = 0; i < l->ngens; i++)
		for (int k = 0; k < n; k++)
			if (v[k].have && v[k].st.st_ino == l->gens[i].ino &&
			    v[k].st.st_dev == l->gens[i].dev)
				v[k].seen = true;
	for (int k = j - 1; k >= 0; k--) {
		if (!v[k].have || v[k].seen)
			continue;
		name_k(l, k, path, sizeof(path));
		if (add_gen(l, path, &v[k].st) < 0)
			break;
	}
	for (size_t i = 0; i + 1 < l->ngens;) {
		bool on_disk = false;
		for (int k = 0; k < n && !on_disk; k++)
			on_disk = v[k].have && v[k].st.st_ino == l->gens[i].ino &&
				  v[k].st.st_dev == l->gens[i].dev;
		if (on_disk)
			i++;
		else
			gen_close(l, i);
	}
	free(v);
	if (l->ngens)
		check_truncated(a, l);
}

static bool name_matches(const struct flog *l, const char *name)
{
	if (strncmp(name, l->name, l->nlen))
		return false;
	name += l->nlen;
	if (!*name)
		return true;
	if (*name++ != '.' || !*name)
		return false;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}

/* ---------------------------------------------------------------- following */

/* Sends what the log has past f->pos, and a marker for bytes that were
 * rotated out before they were read.  Returns false when the client is
 * gone. */
static bool follow_read(struct follow *f)
{
	struct flog *l = f->log;
	char buf[16384], mark[128];
	while (l->ngens && http_stream_pending(f->req) < FOLLOW_BACKLOG) {
		size_t i = l->ngens - 1;
		while (i > 0 && l->gens[i].base > f->pos)
			i--;
		struct gen *g = &l->gens[i];
		int64_t skip = 0;
		if (f->pos < g->base) /* before the oldest file left */
			skip = g->base - f->pos;
		int64_t off = f->pos - g->base;
		int64_t lim = i + 1 < l->ngens ? l->gens[i + 1].base - g->base : INT64_MAX;
		ssize_t n = 0;
		if (!skip) {
			size_t want =
			    lim - off < (int64_t)sizeof(buf) ? (size_t)(lim - off) : sizeof(buf);
			n = pread(g->fd, buf, want, off);
			if (n <= 0 && i + 1 < l->ngens) /* this file ends short of the next */
				skip = l->gens[i + 1].base - f->pos;
			else if (n <= 0)
				break;
		}
		if (skip) {
			/* a line of its own, that supctl tail -f recognises */
			snprintf(mark, sizeof(mark),
				 "%s==> %" PRId64
				 " bytes skipped: rotated out before they were read <==\n",
				 f->mid_line ? "\n" : "", skip);
			f->mid_line = false;
			if (http_stream_write(f->req, mark, strlen(mark)) == -EPIPE)
				return false;
			f->pos += skip;
			continue;
		}
		int r = http_stream_write(f->req, buf, (size_t)n);
		if (r == -EPIPE)
			return false;
		if (r < 0)
			break; /* full: the rest at the next event */
		f->pos += n;
		f->mid_line = buf[n - 1] != '\n';
		if (off + n > g->size)
			g->size = off + n;
	}
	return true;
}

static void on_hub_event(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct api *a = arg;
	struct follow_hub *h = a->hub;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			for (struct flog *l = h->logs; l; l = l->next)
				if ((ev->mask & (IN_Q_OVERFLOW | IN_IGNORED)) ||
				    (l->dir && l->dir->wd == ev->wd && ev->len &&
				     name_matches(l, ev->name)))
					l->dirty = true;
		}
	}
	/* followers are freed only by the HTTP server's abandoned callback,
	 * never from here, so the lists stay valid */
	for (struct flog *l = h->logs; l; l = l->next) {
		if (!l->dirty)
			continue;
		l->dirty = false;
		flog_scan(a, l);
		for (struct follow *f = a->follows; f; f = f->link.next)
			if (f->log == l)
				follow_read(f);
	}
}

/* The flog of path, shared or new.  Returns 0 or a negative errno. */
static int flog_get(struct api *a, const char *path, struct flog **out)
{
	int e = hub_open(a);
	if (e < 0)
		return e;
	struct follow_hub *h = a->hub;
	for (struct flog *l = h->logs; l; l = l->next)
		if (!strcmp(l->path, path)) {
			l->refs++;
			flog_scan(a, l);
			*out = l;
			return 0;
		}
	struct flog *l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		l = NULL;
		e = -ENOMEM;
	} else {
		const char *slash = strrchr(l->path, '/');
		l->name = slash ? slash + 1 : l->path;
		l->nlen = strlen(l->name);
		l->refs = 1;
		l->next = h->logs;
		h->logs = l;
		e = watch_dir(h, path, &l->dir);
	}
	if (!e) {
		flog_scan(a, l);
		if (!l->ngens)
			e = access(path, F_OK) < 0 ? -errno : -ENOENT;
	}
	if (e < 0) {
		if (l)
			hub_release(a, l);
		else
			hub_close_idle(a);
		return e;
	}
	*out = l;
	return 0;
}

void api_follow_free(struct follow *f)
{
	struct api *a = f->a;
	list_unlink(f, link);
	if (f->log)
		hub_release(a, f->log);
	if (f->req) {
		http_req_set_data(f->req, NULL);
		http_stream_end(f->req);
	}
	free(f);
}

/* http_hold's callbacks: the client left (frees f); a follower that
 * stopped reading at FOLLOW_BACKLOG carries on when its client caught
 * up. */
static void follow_gone(void *data)
{
	struct follow *f = data;
	f->req = NULL;
	api_follow_free(f);
}

static void follow_writable(void *data)
{
	follow_read(data);
}

void api_follow(struct api *a, struct http_req *r, const char *path)
{
	if (!path || !*path) {
		api_reply_error(r, "NO_FILE", "no log file to follow");
		return;
	}
	struct follow *f = calloc(1, sizeof(*f));
	if (!f) {
		api_reply_error(r, "FAILED", "out of memory");
		return;
	}
	f->a = a;
	int e = flog_get(a, path, &f->log);
	if (e < 0) {
		free(f);
		if (e == -ENOENT)
			api_reply_error(r, "NO_FILE", "%s", path);
		else
			api_reply_error(r, "FAILED", "%s: %s", path, strerror(-e));
		return;
	}
	struct gen *g = &f->log->gens[f->log->ngens - 1];
	struct stat st;
	int64_t size = fstat(g->fd, &st) == 0 ? st.st_size : g->size;
	f->pos = g->base + (size > FOLLOW_FIRST ? size - FOLLOW_FIRST : 0);
	list_push(&a->follows, f, link);
	if (http_stream_begin(r, "text/plain; charset=utf-8") < 0) {
		api_follow_free(f);
		return;
	}
	f->req = r;
	http_hold(r, follow_gone, follow_writable, f);
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

/* output: child pipes -> log files, tail buffers, forwarded lines.
 * The behaviour is described in output.h.  Here: the object, its log
 * files and what reads them back; the pipes are output_pipe.c's, the
 * read path's line work output_line.c's. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "output_int.h"

static void default_syslog(int prio, const char *name, const char *line, size_t len)
{
	syslog(prio, "%s %.*s", name, (int)len, line);
}

int output_ctx_new(struct output_ctx **out, struct loop *l)
{
	struct output_ctx *x = calloc(1, sizeof(*x));
	if (!x || !(x->rbuf = malloc(CHUNK))) {
		free(x);
		return -ENOMEM;
	}
	x->l = l;
	x->syslog_sink = default_syslog;
	x->relay[0] = x->relay[1] = -1;
	*out = x;
	return 0;
}

void output_ctx_free(struct output_ctx *x)
{
	if (!x)
		return;
	if (x->relay[0] >= 0)
		out_relay_close(x);
	free(x->wbuf);
	free(x->rbuf);
	free(x);
}

void output_ctx_set_notice(struct output_ctx *x, output_notice_fn fn, void *arg)
{
	x->notice = fn;
	x->notice_arg = arg;
}

void output_ctx_set_syslog(struct output_ctx *x, output_syslog_fn fn)
{
	x->syslog_sink = fn ? fn : default_syslog;
}

/* Copies virtual bytes [start, end) of the tail into a new buffer; the
 * caller made sure they are still held. */
static int tail_copy(const struct out_chan *c, uint64_t start, uint64_t end, char **buf,
		     size_t *len)
{
	size_t n = (size_t)(end - start);
	char *b = malloc(n + 1);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t back = c->total - (start + i); /* 1..held */
		b[i] = c->tail[(c->tail_head + out_tail_cap(c) - back % out_tail_cap(c)) %
			       out_tail_cap(c)];
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static uint64_t tail_held(const struct out_chan *c)
{
	return c->total < out_tail_cap(c) ? c->total : out_tail_cap(c);
}

void output_set_events(struct output *o, output_event_cb cb, void *arg)
{
	o->event_cb = cb;
	o->event_arg = arg;
}

void output_set_watch(struct output *o, output_event_cb cb, void *arg)
{
	o->watch_cb = cb;
	o->watch_arg = arg;
}

/* ---------------------------------------------------------------- AUTO */

/* Like mkstemps, with supervisord's 8 random characters (mkstemps wants
 * exactly 6): created exclusively, mode 0600. */
static int auto_path(char **out, const char *dir, const char *name, const char *label,
		     const char *ident)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[8];
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
			uint64_t x = (uint64_t)loop_now_ms() * 6364136223846793005ULL +
				     (uint64_t)getpid() +
				     (uint64_t)attempt * 1442695040888963407ULL;
			memcpy(rnd, &x, sizeof(rnd));
		}
		char r[9];
		for (int i = 0; i < 8; i++)
			r[i] = set[rnd[i] % (sizeof(set) - 1)];
		r[8] = '\0';
		char *t;
		if (asprintf(&t, "%s/%s-%s---%s-%s.log", dir, name, label, ident, r) < 0)
			return -ENOMEM;
		int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno == ENOENT && logfile_mkdir_parent(t) == 0)
			fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			close(fd);
			*out = t;
			return 0;
		}
		int e = -errno;
		free(t);
		if (e != -EEXIST)
			return e;
	}
	return -EEXIST;
}

/* "<name>-<stdout|stderr>---<ident>-<random>.log" with an optional ".N". */
static bool is_auto_name(const char *f, const char *ident)
{
	size_t il = strlen(ident);
	const char *m = NULL;
	for (const char *s = f; (s = strstr(s, "---")); s++) {
		if ((s - f >= 7 && strncmp(s - 7, "-stdout", 7) == 0) ||
		    (s - f >= 7 && strncmp(s - 7, "-stderr", 7) == 0)) {
			if (s - f > 7 && strncmp(s + 3, ident, il) == 0 && s[3 + il] == '-') {
				m = s + 3 + il + 1;
				break;
			}
		}
	}
	if (!m)
		return false;
	const char *ext = strstr(m, ".log");
	if (!ext || ext == m)
		return false;
	const char *rest = ext + 4;
	for (const char *q = m; q < ext; q++)
		if (*q == '/' || *q == ' ')
			return false;
	if (*rest == '\0')
		return true;
	if (*rest != '.' || !rest[1])
		return false;
	for (rest++; *rest; rest++)
		if (*rest < '0' || *rest > '9')
			return false;
	return true;
}

int output_cleanup_auto(const char *childlogdir, const char *identifier)
{
	DIR *d = opendir(childlogdir);
	if (!d)
		return -errno;
	int removed = 0, r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_auto_name(e->d_name, identifier))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
		else if (errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(d);
	return r < 0 ? r : removed;
}

/* ---------------------------------------------------------------- public */

/* The log file's path: the configured one, or a new AUTO name. */
static int chan_log_path(struct out_chan *c, enum conf_logkind kind, const char *conf_path,
			 const struct conf_supd *s, char **path)
{
	if (kind != CONF_LOG_AUTO) {
		if (!conf_path)
			return -EINVAL;
		*path = strdup(conf_path);
		return *path ? 0 : -ENOMEM;
	}
	const char *dir = s->childlogdir;
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	return auto_path(path, dir, c->o->name, out_label(c),
			 s->identifier ? s->identifier : "supd");
}

/* A channel's log file just opened (r: how that went). */
static void chan_log_opened(struct out_chan *c, int r)
{
	/* The relay is made with the first log file, not at the first byte:
	 * supd's fd count then does not grow later, under a running load. */
	if (c->lf->seekable)
		(void)out_relay_ready(c->o->x);
	if (r == 0 && !c->lf->seekable && c->lf->maxbytes > 0)
		log_info("'%s' %s log %s is not a regular file: not rotating it", c->o->name,
			 out_label(c), c->lf->path);
}

static int chan_init(struct output *o, struct out_chan *c, enum output_channel id,
		     const struct conf_stream *cs, const struct conf_process *p,
		     const struct conf_supd *s)
{
	const char *cpath = id == OUTPUT_STDERR ? p->err_path : p->out_path;
	c->o = o;
	c->id = id;
	c->splice_ok = true;
	c->line_start = true;
	c->timestamps = cs->timestamps;
	c->forward = p->s->forward_output;
	c->syslog = cs->syslog;
	c->journal = cs->journal;
	c->events = cs->events_enabled;
	if (id == OUTPUT_STDERR && p->s->redirect_stderr)
		return 0;
	c->active = true;
	if (cs->capture_maxbytes) {
		c->capture = calloc(1, sizeof(*c->capture));
		if (!c->capture || !(c->capture->work = malloc(CHUNK + TOKEN_MAX)))
			return -ENOMEM;
		c->capture->max = cs->capture_maxbytes;
	}
	if (c->forward || c->syslog || c->journal) {
		c->hold = calloc(1, sizeof(*c->hold));
		if (!c->hold)
			return -ENOMEM;
		loop_timer_init(&c->hold->timer, out_hold_timer_cb, c);
	}
	if (c->journal) {
		/* loaded here, at the first journal sink, never before */
		int rj = journal_open();
		if (rj < 0)
			return rj;
		if (!o->group && p->group && !(o->group = strdup(p->group)))
			return -ENOMEM;
	}
	if (cs->kind == CONF_LOG_NONE)
		return 0;
	struct logfile *lf = calloc(1, sizeof(*lf));
	if (!lf)
		return -ENOMEM;
	c->lf = lf;
	if (o->x->defer_logs) {
		/* An upgrade in place: the previous image's file comes with the
		 * process (output_adopt_log), else output_open_deferred opens
		 * it; an AUTO name is chosen only then. */
		bool aut = cs->kind == CONF_LOG_AUTO;
		int r = -EINVAL;
		if (aut || cpath)
			r = logfile_init(lf, aut ? NULL : cpath, cs->maxbytes, cs->backups);
		if (r < 0) {
			free(lf);
			c->lf = NULL;
		}
		return r;
	}
	char *path = NULL;
	int r = chan_log_path(c, cs->kind, cpath, s, &path);
	if (r == 0)
		r = logfile_open(lf, path, cs->maxbytes, cs->backups);
	free(path);
	if (!lf->path) {
		free(lf);
		c->lf = NULL;
		return r < 0 ? r : -ENOMEM;
	}
	chan_log_opened(c, r);
	return r;
}

int output_new(struct output **out, struct output_ctx *x, const struct conf_process *p,
	       const struct conf_supd *s)
{
	size_t nl = strlen(p->name);
	struct output *o = calloc(1, sizeof(*o) + nl + 1);
	if (!o)
		return -ENOMEM;
	o->x = x;
	memcpy(o->name_buf, p->name, nl + 1);
	o->name = o->name_buf;
	o->strip_ansi = s->strip_ansi;
	o->fwd_stamps = s->forward_timestamps;
	o->tail_size = p->s->tail_buffer;
	int r1 = chan_init(o, &o->ch[0], OUTPUT_STDOUT, &p->s->out, p, s);
	int r2 = chan_init(o, &o->ch[1], OUTPUT_STDERR, &p->s->err, p, s);
	*out = o;
	if (r1 == -ENOMEM || r2 == -ENOMEM) {
		output_free(o);
		*out = NULL;
		return -ENOMEM;
	}
	return r1 < 0 ? r1 : r2;
}

int output_reopen(struct output *o)
{
	int r = 0;
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		if (!c->lf)
			continue;
		int e = logfile_reopen(c->lf);
		if (e < 0 && r == 0)
			r = e;
	}
	return r;
}

int output_clear(struct output *o)
{
	int r = 0;
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		c->tail_head = 0;
		c->total = 0;
		if (!c->lf)
			continue;
		int e = logfile_clear(c->lf);
		if (e < 0 && r == 0)
			r = e;
	}
	return r;
}

const char *output_path(const struct output *o, enum output_channel ch)
{
	const struct out_chan *c = &o->ch[ch];
	return c->lf ? c->lf->path : NULL;
}

uint64_t output_bytes(const struct output *o, enum output_channel ch)
{
	return o->ch[ch].total;
}

uint64_t output_dropped(const struct output *o, enum output_channel ch)
{
	return o->ch[ch].dropped + (o->ch[ch].lf ? o->ch[ch].lf->dropped : 0);
}

void output_set_pid(struct output *o, pid_t pid)
{
	o->pid = pid;
}

static bool reads_file(const struct out_chan *c)
{
	return c->lf && c->lf->seekable;
}

int output_read(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len)
{
	const struct out_chan *c = &o->ch[ch];
	if (reads_file(c))
		return logfile_read_range(c->lf->path, offset, length, buf, len);
	if (length < 0 || (offset < 0 && length != 0))
		return -EINVAL;
	if (!c->active || (!c->lf && !o->tail_size))
		return -ENOENT;
	uint64_t sz = c->total, lo = sz - tail_held(c), start, end;
	if (offset < 0) {
		uint64_t back = (uint64_t) - (offset + 1) + 1;
		start = back > sz ? 0 : sz - back;
		end = sz;
	} else {
		start = (uint64_t)offset > sz ? sz : (uint64_t)offset;
		end = length == 0 || (uint64_t)length > sz - start ? sz : start + (uint64_t)length;
	}
	if (start < lo)
		start = lo;
	if (end < start)
		end = start;
	return tail_copy(c, start, end, buf, len);
}

int output_tail(const struct output *o, enum output_channel ch, int64_t offset, int64_t length,
		char **buf, size_t *len, int64_t *newoffset, bool *overflow)
{
	const struct out_chan *c = &o->ch[ch];
	if (!c->active || (!c->lf && !o->tail_size)) {
		*buf = strdup("");
		*len = 0;
		*newoffset = 0;
		*overflow = false;
		return *buf ? 0 : -ENOMEM;
	}
	if (reads_file(c))
		return logfile_tail(c->lf->path, offset, length, buf, len, newoffset, overflow);
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	uint64_t sz = c->total, lo = sz - tail_held(c);
	*overflow = sz > (uint64_t)offset && sz - (uint64_t)offset > (uint64_t)length;
	uint64_t start = sz;
	if (*overflow || (uint64_t)offset < sz)
		start = (uint64_t)length < sz ? sz - (uint64_t)length : 0;
	if (start < lo)
		start = lo;
	*newoffset = (int64_t)sz;
	return tail_copy(c, start, sz, buf, len);
}

void output_free(struct output *o)
{
	if (!o)
		return;
	output_drain(o);
	while (o->pipes)
		out_pipe_close(o, o->pipes);
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		out_flush_held(c);
		if (c->hold) {
			loop_timer_cancel(o->x->l, &c->hold->timer);
			free(c->hold->fwd.buf);
			free(c->hold->sl.buf);
			free(c->hold);
		}
		if (c->capture) {
			free(c->capture->buf);
			free(c->capture->work);
			free(c->capture);
		}
		if (c->lf)
			logfile_close(c->lf);
		free(c->lf);
		free(c->tail);
	}
	free(o->group);
	free(o);
}

size_t output_pipes(const struct output *o, int *fds, int *chs, int *sizes, size_t max)
{
	size_t n = 0;
	for (const struct out_pipe *pp = o->pipes; pp; pp = pp->link.next) {
		if (n < max) {
			fds[n] = pp->fd;
			chs[n] = (int)pp->ch->id;
			sizes[n] = pp->size;
		}
		n++;
	}
	return n;
}

void output_flush_held(struct output *o)
{
	for (int i = 0; i < 2; i++)
		out_flush_held(&o->ch[i]);
}

void output_set_bytes(struct output *o, enum output_channel ch, uint64_t n)
{
	/* An in-memory tail starts empty in the new image: its virtual
	 * offsets must start with it. */
	if (o->ch[ch].lf)
		o->ch[ch].total = n;
}

void output_ctx_defer_logs(struct output_ctx *x, bool on)
{
	x->defer_logs = on;
}

void output_adopt_log(struct output *o, enum output_channel ch, const char *path, int fd,
		      uint64_t size, uint64_t dev, uint64_t ino)
{
	struct out_chan *c = &o->ch[ch];
	if (!c->lf) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!c->lf->path || strcmp(c->lf->path, path)) {
		/* an AUTO name (random): the previous image's.  A file made
		 * for another name (output_new not deferred) goes. */
		char *np = strdup(path);
		if (!np) {
			if (fd >= 0)
				close(fd);
			return; /* (output_open_deferred: a name of its own) */
		}
		if (c->lf->fd >= 0) {
			close(c->lf->fd);
			c->lf->fd = -1;
			unlink(c->lf->path);
		}
		free(c->lf->path);
		c->lf->path = np;
	}
	int r = 0;
	if (fd >= 0)
		logfile_adopt(c->lf, fd, size, dev, ino);
	else if (c->lf->fd < 0)
		r = logfile_reopen(c->lf); /* (retried at each write) */
	chan_log_opened(c, r);
}

void output_open_deferred(struct output *o, const struct conf_supd *s)
{
	for (int i = 0; i < 2; i++) {
		struct out_chan *c = &o->ch[i];
		if (!c->lf || c->lf->fd >= 0)
			continue;
		if (!c->lf->path) {
			char *path = NULL;
			if (chan_log_path(c, CONF_LOG_AUTO, NULL, s, &path) < 0) {
				free(c->lf);
				c->lf = NULL;
				continue;
			}
			c->lf->path = path;
		}
		chan_log_opened(c, logfile_reopen(c->lf));
	}
}

bool output_log_state(const struct output *o, enum output_channel ch, int *fd, uint64_t *size,
		      uint64_t *dev, uint64_t *ino)
{
	const struct logfile *lf = o->ch[ch].lf;
	if (!lf || lf->fd < 0 || !lf->seekable)
		return false;
	*fd = lf->fd;
	*size = lf->size;
	*dev = (uint64_t)lf->dev;
	*ino = (uint64_t)lf->ino;
	return true;
}

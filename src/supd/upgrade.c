/* The state document of an upgrade in place: written by the old image,
 * read by the new one (upgrade.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evproto.h"
#include "upgrade.h"

/* ---------------------------------------------------------------- writing */

static void put_str(struct buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	buf_put(b, key, strlen(key));
	buf_put(b, " ", 1);
	/* (spans at once: the document is written while the control socket
	 * is silent) */
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, "\\\n\r");
		buf_put(b, p, n);
		p += n;
		if (*p == '\\')
			buf_put(b, "\\\\", 2);
		else if (*p == '\n')
			buf_put(b, "\\n", 2);
		else if (*p == '\r')
			buf_put(b, "\\r", 2);
		if (*p)
			p++;
	}
	buf_put(b, "\n", 1);
}

/* "key value\n" by hand: some 20 of these per process, written while
 * the control socket is silent, and printf's parsing of its format is
 * most of their cost. */
static void put_num(struct buf *b, const char *key, uint64_t mag, bool neg)
{
	char num[24], *p = num + sizeof(num);
	*--p = '\n';
	do {
		*--p = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	if (neg)
		*--p = '-';
	buf_put(b, key, strlen(key));
	buf_put(b, " ", 1);
	buf_put(b, p, (size_t)(num + sizeof(num) - p));
}

static void put_int(struct buf *b, const char *key, int64_t v)
{
	put_num(b, key, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

static void put_uint(struct buf *b, const char *key, uint64_t v)
{
	put_num(b, key, v, false);
}

static void put_listener(struct buf *b, const struct upg_listener *l)
{
	buf_putf(b, "listener\n");
	put_int(b, "fd", l->fd);
	put_int(b, "lock_fd", l->lock_fd);
	put_int(b, "unix", l->is_unix);
	put_int(b, "activated", l->activated);
	put_str(b, "path", l->path);
	put_str(b, "host", l->host);
	put_int(b, "port", l->port);
	put_uint(b, "dev", l->dev);
	put_uint(b, "ino", l->ino);
}

static void put_proc(struct buf *b, const struct upg_proc *p, int version)
{
	buf_putf(b, "proc\n");
	put_str(b, "group", p->group);
	put_str(b, "name", p->name);
	put_int(b, "state", p->state);
	put_int(b, "pid", p->pid);
	put_int(b, "last_pid", p->last_pid);
	put_int(b, "laststart", p->laststart);
	put_int(b, "laststop", p->laststop);
	put_int(b, "start_ms", p->start_ms);
	put_int(b, "deadline_ms", p->deadline_ms);
	put_int(b, "backoff", p->backoff);
	put_int(b, "exitstatus", p->exitstatus);
	put_int(b, "wstatus", p->wstatus);
	put_str(b, "spawnerr", p->spawnerr);
	put_int(b, "exec_fd", p->exec_fd);
	put_int(b, "stdin_fd", p->stdin_fd);
	for (size_t i = 0; i < p->npipes; i++) {
		buf_putf(b, "pipe %d %d\n", p->pipes[i].ch, p->pipes[i].fd);
		/* (a key of its own: a reader that does not know it skips it) */
		if (p->pipes[i].size > 0)
			buf_putf(b, "pipesz %d %d\n", p->pipes[i].fd, p->pipes[i].size);
	}
	if (version >= 2) {
		put_uint(b, "starts", p->starts);
		put_uint(b, "bytes.0", p->bytes[0]);
		put_uint(b, "bytes.1", p->bytes[1]);
		put_str(b, "log.0", p->log[0]);
		put_str(b, "log.1", p->log[1]);
	}
	if (p->oom_base >= 0)
		put_int(b, "oom_base", p->oom_base);
	for (int c = 0; version >= 4 && c < 2; c++)
		if (p->log_fd[c] > 2 && p->log[c])
			buf_putf(b, "logfd %d %d %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", c,
				 p->log_fd[c], p->log_size[c], p->log_dev[c], p->log_ino[c]);
}

/* Binary data (payloads, partial protocol lines) as hex: any byte,
 * NUL included. */
static void put_hex_val(struct buf *b, const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char chunk[256];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		chunk[k++] = digits[(unsigned char)p[i] >> 4];
		chunk[k++] = digits[(unsigned char)p[i] & 15];
		if (k == sizeof(chunk)) {
			buf_put(b, chunk, k);
			k = 0;
		}
	}
	buf_put(b, chunk, k);
}

static void put_hex(struct buf *b, const char *key, const char *p, size_t n)
{
	if (!n)
		return;
	buf_putf(b, "%s ", key);
	put_hex_val(b, p, n);
	buf_put(b, "\n", 1);
}

static void put_event(struct buf *b, const char *key, const struct upg_event *e)
{
	buf_putf(b, "%s %" PRIu64 " %" PRIu64 " %d ", key, e->serial, e->poolserial, e->type);
	put_hex_val(b, e->payload, e->len);
	buf_put(b, "\n", 1);
}

static void put_evpool(struct buf *b, const struct upg_evpool *p)
{
	buf_putf(b, "evpool\n");
	put_str(b, "name", p->name);
	put_uint(b, "poolserial", p->poolserial);
	buf_putf(b, "stats %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", p->st[0],
		 p->st[1], p->st[2], p->st[3], p->st[4]);
	for (size_t i = 0; i < p->nevs; i++)
		put_event(b, "ev", &p->evs[i]);
}

static void put_evlistener(struct buf *b, const struct upg_evlistener *l)
{
	buf_putf(b, "evlistener\n");
	put_str(b, "group", l->group);
	put_str(b, "name", l->name);
	put_int(b, "out_fd", l->out_fd);
	put_int(b, "lstate", l->lstate);
	if (l->has_cur)
		put_event(b, "cur", &l->cur);
	put_hex(b, "wbuf", l->wbuf, l->wlen);
	put_hex(b, "line", l->line, l->linelen);
	put_int(b, "resultlen", l->resultlen);
	put_int(b, "got", l->got);
	put_hex(b, "body", l->body, l->bodylen);
	put_hex(b, "res", l->res, l->reslen);
}

static void put_fcgi(struct buf *b, const struct upg_fcgi *f)
{
	buf_putf(b, "fcgi\n");
	put_str(b, "program", f->program);
	put_str(b, "url", f->url);
	put_int(b, "fd", f->fd);
	put_int(b, "unix", f->is_unix);
	put_uint(b, "dev", f->dev);
	put_uint(b, "ino", f->ino);
}

int upg_version_needed(const struct upg_state *s)
{
	if (s->fd_sock > 0)
		return 4;
	for (size_t i = 0; i < s->nprocs; i++)
		if ((s->procs[i].log_fd[0] > 2 && s->procs[i].log[0]) ||
		    (s->procs[i].log_fd[1] > 2 && s->procs[i].log[1]))
			return 4;
	return s->npools || s->nevls || s->nfcgis ? 3 : 2;
}

int upg_format(const struct upg_state *s, int version, char **out, size_t *len)
{
	struct buf b = {0};
	if (version < 1 || version > UPG_VERSION)
		version = UPG_VERSION;
	buf_putf(&b, "supd-state %d\n", version);
	put_uint(&b, "generation", s->generation);
	put_str(&b, "version", s->prev_version);
	if (s->t0_us) {
		put_int(&b, "t0_us", s->t0_us);
		/* fixed width: the writer fills it in just before the exec */
		buf_putf(&b, UPG_T_EXEC_KEY " %019" PRId64 "\n", s->t_exec_us);
	}
	if (version >= 4 && s->fd_sock > 0)
		put_int(&b, "fd_sock", s->fd_sock);
	if (version >= 3) { /* (top-level keys: before the first record) */
		put_uint(&b, "ev_serial", s->ev_serial);
		for (int i = 0; i < 3; i++)
			buf_putf(&b, "ev_tick %d %" PRId64 "\n", i, s->ev_tick[i]);
	}
	for (size_t i = 0; i < s->nls; i++)
		put_listener(&b, &s->ls[i]);
	for (size_t i = 0; i < s->nprocs; i++)
		put_proc(&b, &s->procs[i], version);
	if (version >= 3) {
		for (size_t i = 0; i < s->npools; i++)
			put_evpool(&b, &s->pools[i]);
		for (size_t i = 0; i < s->nevls; i++)
			put_evlistener(&b, &s->evls[i]);
		for (size_t i = 0; i < s->nfcgis; i++)
			put_fcgi(&b, &s->fcgis[i]);
	}
	buf_putf(&b, "end\n");
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* ---------------------------------------------------------------- reading */

struct rd {
	struct upg_state *s;
	enum { IN_TOP, IN_LISTENER, IN_PROC, IN_EVPOOL, IN_EVL, IN_FCGI } in;
	size_t line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct rd *r, int e, const char *fmt, ...)
{
	int n = snprintf(r->err, r->errlen, "line %zu: ", r->line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < r->errlen)
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return e;
}

static int get_i64(struct rd *r, const char *key, const char *v, int64_t lo, int64_t hi,
		   int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < lo || x > hi)
		return fail(r, -EINVAL, "%s: bad number '%.40s'", key, v);
	*out = x;
	return 0;
}

static int get_int(struct rd *r, const char *key, const char *v, int lo, int hi, int *out)
{
	int64_t x;
	int e = get_i64(r, key, v, lo, hi, &x);
	if (!e)
		*out = (int)x;
	return e;
}

static int get_u64(struct rd *r, const char *key, const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*v == '-')
		return fail(r, -EINVAL, "%s: bad number '%.40s'", key, v);
	unsigned long long x = strtoull(v, &end, 10);
	if (!*v || *end || errno)
		return fail(r, -EINVAL, "%s: bad number '%.40s'", key, v);
	*out = x;
	return 0;
}

static int get_bool(struct rd *r, const char *key, const char *v, bool *out)
{
	int x;
	int e = get_int(r, key, v, 0, 1, &x);
	if (!e)
		*out = x;
	return e;
}

/* An escaped value, unescaped into a new string in *out (any old one
 * freed: a repeated key keeps the last). */
static int get_str(struct rd *r, const char *key, const char *v, char **out)
{
	char *s = malloc(strlen(v) + 1), *d = s;
	if (!s)
		return -ENOMEM;
	for (const char *p = v; *p; p++) {
		if (*p != '\\') {
			*d++ = *p;
			continue;
		}
		p++;
		if (*p == '\\')
			*d++ = '\\';
		else if (*p == 'n')
			*d++ = '\n';
		else if (*p == 'r')
			*d++ = '\r';
		else {
			free(s);
			return fail(r, -EINVAL, "%s: bad escape", key);
		}
	}
	*d = 0;
	free(*out);
	*out = s;
	return 0;
}

static int grow(void **v, size_t n, size_t size)
{
	if (n >= UPG_MAX_RECORDS)
		return -E2BIG;
	/* doubling at powers of two: amortised O(1) */
	if (n & (n - 1) && n)
		return 0;
	size_t cap = n ? 2 * n : 1;
	void *nv = realloc(*v, cap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

/* A new record at the end of *v (*n of them, each size bytes, set to
 * init), which the keys after it fill in. */
static int new_record(struct rd *r, void **v, size_t *n, size_t size, const void *init, int in,
		      const char *what)
{
	int e = grow(v, *n, size);
	if (e == -E2BIG)
		return fail(r, -EINVAL, "too many %s", what);
	if (e)
		return e;
	memcpy((char *)*v + *n * size, init, size);
	(*n)++;
	r->in = in;
	return 0;
}

static int new_listener(struct rd *r)
{
	static const struct upg_listener init = {.fd = -1, .lock_fd = -1};
	return new_record(r, (void **)&r->s->ls, &r->s->nls, sizeof(init), &init, IN_LISTENER,
			  "listeners");
}

static int new_proc(struct rd *r)
{
	static const struct upg_proc init = {
	    .deadline_ms = -1, .exec_fd = -1, .stdin_fd = -1, .oom_base = -1, .log_fd = {-1, -1}};
	return new_record(r, (void **)&r->s->procs, &r->s->nprocs, sizeof(init), &init, IN_PROC,
			  "processes");
}

static int new_evpool(struct rd *r)
{
	static const struct upg_evpool init = {0};
	return new_record(r, (void **)&r->s->pools, &r->s->npools, sizeof(init), &init, IN_EVPOOL,
			  "event pools");
}

static int new_evl(struct rd *r)
{
	static const struct upg_evlistener init = {.out_fd = -1, .resultlen = -1};
	return new_record(r, (void **)&r->s->evls, &r->s->nevls, sizeof(init), &init, IN_EVL,
			  "event listeners");
}

static int new_fcgi(struct rd *r)
{
	static const struct upg_fcgi init = {.fd = -1};
	return new_record(r, (void **)&r->s->fcgis, &r->s->nfcgis, sizeof(init), &init, IN_FCGI,
			  "FastCGI sockets");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex into a new buffer in *out of *len bytes (any old one freed). */
static int get_hex(struct rd *r, const char *key, const char *v, char **out, size_t *len)
{
	size_t n = strlen(v);
	if (n % 2)
		return fail(r, -EINVAL, "%s: odd number of hex digits", key);
	char *p = malloc(n / 2 + 1);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return fail(r, -EINVAL, "%s: not hex", key);
		}
		p[i] = (char)(hi << 4 | lo);
	}
	free(*out);
	*out = p;
	*len = n / 2;
	return 0;
}

/* "SERIAL POOLSERIAL TYPE HEX" */
static int get_event(struct rd *r, const char *key, const char *v, struct upg_event *e)
{
	unsigned long long serial, poolserial;
	int type, n = 0;
	if (sscanf(v, "%llu %llu %d %n", &serial, &poolserial, &type, &n) != 3 || !n ||
	    v[n - 1] != ' ' || type < 0 || type > 1000 || *v == '-')
		return fail(r, -EINVAL, "%s: expected 'SERIAL POOLSERIAL TYPE HEX', got '%.40s'",
			    key, v);
	e->serial = serial;
	e->poolserial = poolserial;
	e->type = type;
	return get_hex(r, key, v + n, &e->payload, &e->len);
}

static int evpool_key(struct rd *r, const char *k, const char *v)
{
	struct upg_evpool *p = &r->s->pools[r->s->npools - 1];
	if (!strcmp(k, "name"))
		return get_str(r, k, v, &p->name);
	if (!strcmp(k, "poolserial"))
		return get_u64(r, k, v, &p->poolserial);
	if (!strcmp(k, "stats")) {
		unsigned long long x[5];
		int n = 0;
		if (sscanf(v, "%llu %llu %llu %llu %llu%n", &x[0], &x[1], &x[2], &x[3], &x[4],
			   &n) != 5 ||
		    v[n] || strchr(v, '-'))
			return fail(r, -EINVAL, "stats: expected 5 counts, got '%.40s'", v);
		for (int i = 0; i < 5; i++)
			p->st[i] = x[i];
		return 0;
	}
	if (!strcmp(k, "ev")) {
		int e = grow((void **)&p->evs, p->nevs, sizeof(*p->evs));
		if (e == -E2BIG)
			return fail(r, -EINVAL, "too many events");
		if (e)
			return e;
		p->evs[p->nevs] = (struct upg_event){0};
		e = get_event(r, k, v, &p->evs[p->nevs]);
		p->nevs++; /* (freed with the pool even when it failed) */
		return e;
	}
	return 0;
}

static int evl_key(struct rd *r, const char *k, const char *v)
{
	struct upg_evlistener *l = &r->s->evls[r->s->nevls - 1];
	if (!strcmp(k, "group"))
		return get_str(r, k, v, &l->group);
	if (!strcmp(k, "name"))
		return get_str(r, k, v, &l->name);
	if (!strcmp(k, "out_fd"))
		return get_int(r, k, v, -1, INT_MAX, &l->out_fd);
	if (!strcmp(k, "lstate"))
		return get_int(r, k, v, 0, 1000, &l->lstate);
	if (!strcmp(k, "cur")) {
		l->has_cur = true;
		return get_event(r, k, v, &l->cur);
	}
	if (!strcmp(k, "wbuf"))
		return get_hex(r, k, v, &l->wbuf, &l->wlen);
	if (!strcmp(k, "line"))
		return get_hex(r, k, v, &l->line, &l->linelen);
	if (!strcmp(k, "resultlen"))
		return get_i64(r, k, v, -1, INT64_MAX / 2, &l->resultlen);
	if (!strcmp(k, "got"))
		return get_i64(r, k, v, 0, INT64_MAX / 2, &l->got);
	if (!strcmp(k, "body"))
		return get_hex(r, k, v, &l->body, &l->bodylen);
	if (!strcmp(k, "res"))
		return get_hex(r, k, v, &l->res, &l->reslen);
	return 0;
}

static int fcgi_key(struct rd *r, const char *k, const char *v)
{
	struct upg_fcgi *f = &r->s->fcgis[r->s->nfcgis - 1];
	if (!strcmp(k, "program"))
		return get_str(r, k, v, &f->program);
	if (!strcmp(k, "url"))
		return get_str(r, k, v, &f->url);
	if (!strcmp(k, "fd"))
		return get_int(r, k, v, -1, INT_MAX, &f->fd);
	if (!strcmp(k, "unix"))
		return get_bool(r, k, v, &f->is_unix);
	if (!strcmp(k, "dev"))
		return get_u64(r, k, v, &f->dev);
	if (!strcmp(k, "ino"))
		return get_u64(r, k, v, &f->ino);
	return 0;
}

static int listener_key(struct rd *r, const char *k, const char *v)
{
	struct upg_listener *l = &r->s->ls[r->s->nls - 1];
	if (!strcmp(k, "fd"))
		return get_int(r, k, v, -1, INT_MAX, &l->fd);
	if (!strcmp(k, "lock_fd"))
		return get_int(r, k, v, -1, INT_MAX, &l->lock_fd);
	if (!strcmp(k, "unix"))
		return get_bool(r, k, v, &l->is_unix);
	if (!strcmp(k, "activated"))
		return get_bool(r, k, v, &l->activated);
	if (!strcmp(k, "path"))
		return get_str(r, k, v, &l->path);
	if (!strcmp(k, "host"))
		return get_str(r, k, v, &l->host);
	if (!strcmp(k, "port"))
		return get_int(r, k, v, 0, 65535, &l->port);
	if (!strcmp(k, "dev"))
		return get_u64(r, k, v, &l->dev);
	if (!strcmp(k, "ino"))
		return get_u64(r, k, v, &l->ino);
	return 0; /* a newer writer's field */
}

static int pipe_key(struct rd *r, struct upg_proc *p, const char *v)
{
	int ch, fd, n = 0;
	if (sscanf(v, "%d %d%n", &ch, &fd, &n) != 2 || v[n] || ch < 0 || ch > 1 || fd < 0)
		return fail(r, -EINVAL, "pipe: expected 'CHANNEL FD', got '%.40s'", v);
	if (p->npipes >= UPG_MAX_PIPES)
		return fail(r, -EINVAL, "pipe: more than %d pipes", UPG_MAX_PIPES);
	int e = grow((void **)&p->pipes, p->npipes, sizeof(*p->pipes));
	if (e)
		return e;
	p->pipes[p->npipes++] = (struct upg_pipe){.fd = fd, .ch = ch};
	return 0;
}

/* "logfd CHANNEL FD SIZE DEV INO" (v4): the open log file of a channel. */
static int logfd_key(struct rd *r, struct upg_proc *p, const char *v)
{
	int ch, fd, n = 0;
	unsigned long long size, dev, ino;
	if (sscanf(v, "%d %d %llu %llu %llu%n", &ch, &fd, &size, &dev, &ino, &n) != 5 || v[n] ||
	    ch < 0 || ch > 1 || fd <= 2)
		return fail(r, -EINVAL, "logfd: expected 'CHANNEL FD SIZE DEV INO', got '%.60s'",
			    v);
	p->log_fd[ch] = fd;
	p->log_size[ch] = size;
	p->log_dev[ch] = dev;
	p->log_ino[ch] = ino;
	return 0;
}

/* "pipesz FD SIZE": the capacity of the pipe FD named before it. */
static int pipesz_key(struct rd *r, struct upg_proc *p, const char *v)
{
	int fd, size, n = 0;
	if (sscanf(v, "%d %d%n", &fd, &size, &n) != 2 || v[n] || size <= 0)
		return fail(r, -EINVAL, "pipesz: expected 'FD SIZE', got '%.40s'", v);
	for (size_t i = 0; i < p->npipes; i++)
		if (p->pipes[i].fd == fd)
			p->pipes[i].size = size;
	return 0;
}

static int proc_key(struct rd *r, const char *k, const char *v)
{
	struct upg_proc *p = &r->s->procs[r->s->nprocs - 1];
	if (!strcmp(k, "group"))
		return get_str(r, k, v, &p->group);
	if (!strcmp(k, "name"))
		return get_str(r, k, v, &p->name);
	if (!strcmp(k, "state"))
		return get_int(r, k, v, 0, 1000, &p->state);
	if (!strcmp(k, "pid"))
		return get_int(r, k, v, 0, INT_MAX, &p->pid);
	if (!strcmp(k, "last_pid"))
		return get_int(r, k, v, 0, INT_MAX, &p->last_pid);
	if (!strcmp(k, "laststart"))
		return get_i64(r, k, v, 0, INT64_MAX, &p->laststart);
	if (!strcmp(k, "laststop"))
		return get_i64(r, k, v, 0, INT64_MAX, &p->laststop);
	if (!strcmp(k, "start_ms"))
		return get_i64(r, k, v, INT64_MIN / 2, INT64_MAX / 2, &p->start_ms);
	if (!strcmp(k, "deadline_ms"))
		return get_i64(r, k, v, -1, INT64_MAX / 2, &p->deadline_ms);
	if (!strcmp(k, "backoff"))
		return get_int(r, k, v, 0, INT_MAX, &p->backoff);
	if (!strcmp(k, "exitstatus"))
		return get_int(r, k, v, INT_MIN, INT_MAX, &p->exitstatus);
	if (!strcmp(k, "wstatus"))
		return get_int(r, k, v, INT_MIN, INT_MAX, &p->wstatus);
	if (!strcmp(k, "spawnerr"))
		return get_str(r, k, v, &p->spawnerr);
	if (!strcmp(k, "exec_fd"))
		return get_int(r, k, v, -1, INT_MAX, &p->exec_fd);
	if (!strcmp(k, "stdin_fd"))
		return get_int(r, k, v, -1, INT_MAX, &p->stdin_fd);
	if (!strcmp(k, "pipe"))
		return pipe_key(r, p, v);
	if (!strcmp(k, "pipesz"))
		return pipesz_key(r, p, v);
	if (!strcmp(k, "starts"))
		return get_u64(r, k, v, &p->starts);
	if (!strcmp(k, "bytes.0"))
		return get_u64(r, k, v, &p->bytes[0]);
	if (!strcmp(k, "bytes.1"))
		return get_u64(r, k, v, &p->bytes[1]);
	if (!strcmp(k, "log.0"))
		return get_str(r, k, v, &p->log[0]);
	if (!strcmp(k, "log.1"))
		return get_str(r, k, v, &p->log[1]);
	if (!strcmp(k, "oom_base"))
		return get_i64(r, k, v, -1, INT64_MAX, &p->oom_base);
	if (!strcmp(k, "logfd") && r->s->version >= 4)
		return logfd_key(r, p, v);
	return 0;
}

static int top_key(struct rd *r, const char *k, const char *v)
{
	if (!strcmp(k, "generation")) {
		int64_t x;
		int e = get_i64(r, k, v, 0, UINT_MAX, &x);
		r->s->generation = (unsigned)x;
		return e;
	}
	if (!strcmp(k, "version"))
		return get_str(r, k, v, &r->s->prev_version);
	if (!strcmp(k, "ev_serial"))
		return get_u64(r, k, v, &r->s->ev_serial);
	if (!strcmp(k, "ev_tick")) {
		int i, n = 0;
		long long last;
		if (sscanf(v, "%d %lld%n", &i, &last, &n) != 2 || v[n] || i < 0 || i > 2)
			return fail(r, -EINVAL, "ev_tick: expected 'KIND SLICE', got '%.40s'", v);
		r->s->ev_tick[i] = last;
		return 0;
	}
	if (!strcmp(k, "t0_us"))
		return get_i64(r, k, v, 0, INT64_MAX, &r->s->t0_us);
	if (!strcmp(k, "fd_sock") && r->s->version >= 4)
		return get_int(r, k, v, 3, INT_MAX, &r->s->fd_sock);
	if (!strcmp(k, UPG_T_EXEC_KEY))
		return get_i64(r, k, v, 0, INT64_MAX, &r->s->t_exec_us);
	return 0;
}

static int one_line(struct rd *r, char *line, bool *end)
{
	char *sp = strchr(line, ' ');
	const char *v = "";
	if (sp) {
		*sp = 0;
		v = sp + 1;
	}
	if (!strcmp(line, "end") && !sp) {
		*end = true;
		return 0;
	}
	if (!strcmp(line, "listener") && !sp)
		return new_listener(r);
	if (!strcmp(line, "proc") && !sp)
		return new_proc(r);
	/* (version 3's records: a document of an older version has none) */
	if (!strcmp(line, "evpool") && !sp && r->s->version >= 3)
		return new_evpool(r);
	if (!strcmp(line, "evlistener") && !sp && r->s->version >= 3)
		return new_evl(r);
	if (!strcmp(line, "fcgi") && !sp && r->s->version >= 3)
		return new_fcgi(r);
	if (!*line)
		return fail(r, -EINVAL, "empty key");
	switch (r->in) {
	case IN_LISTENER:
		return listener_key(r, line, v);
	case IN_PROC:
		return proc_key(r, line, v);
	case IN_EVPOOL:
		return evpool_key(r, line, v);
	case IN_EVL:
		return evl_key(r, line, v);
	case IN_FCGI:
		return fcgi_key(r, line, v);
	default:
		return top_key(r, line, v);
	}
}

/* A process record names its program and says nothing impossible: a
 * reader of a damaged document must not act on half a record. */
static int check(struct rd *r)
{
	const struct upg_state *s = r->s;
	r->line = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct upg_proc *p = &s->procs[i];
		if (!p->name || !p->group)
			return fail(r, -EINVAL, "process record %zu has no name or group", i + 1);
		if (p->pid == 0 && (p->exec_fd >= 0 || p->stdin_fd >= 0))
			return fail(r, -EINVAL, "process '%s' has pipes but no pid", p->name);
		for (int c = 0; c < 2; c++)
			if (p->log_fd[c] >= 0 && !p->log[c])
				return fail(r, -EINVAL, "process '%s': logfd %d names no log file",
					    p->name, c);
	}
	for (size_t i = 0; i < s->nls; i++)
		if (s->ls[i].fd < 0 || (s->ls[i].is_unix && !s->ls[i].path))
			return fail(r, -EINVAL, "listener record %zu is incomplete", i + 1);
	for (size_t i = 0; i < s->npools; i++)
		if (!s->pools[i].name)
			return fail(r, -EINVAL, "event pool record %zu has no name", i + 1);
	for (size_t i = 0; i < s->nevls; i++) {
		const struct upg_evlistener *l = &s->evls[i];
		if (!l->group || !l->name || l->out_fd < 0)
			return fail(r, -EINVAL, "event listener record %zu is incomplete", i + 1);
		if (l->linelen > EV_LINE_MAX || l->bodylen > EV_RESULT_KEEP)
			return fail(r, -EINVAL, "event listener '%s': protocol state too long",
				    l->name);
	}
	for (size_t i = 0; i < s->nfcgis; i++)
		if (!s->fcgis[i].program || !s->fcgis[i].url || s->fcgis[i].fd < 0)
			return fail(r, -EINVAL, "FastCGI socket record %zu is incomplete", i + 1);
	return 0;
}

int upg_parse(const char *text, size_t len, struct upg_state *s, char *err, size_t errlen)
{
	struct rd r = {.s = s, .in = IN_TOP, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = 0;
	if (len > UPG_MAX_DOC)
		return fail(&r, -EINVAL, "document too large");
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = 0;
	int e = 0;
	bool end = false;
	char *p = copy, *stop = copy + len;
	while (p < stop && !e && !end) {
		char *nl = memchr(p, '\n', (size_t)(stop - p));
		if (!nl) {
			r.line++;
			e = fail(&r, -EINVAL, "cut short (no newline)");
			break;
		}
		*nl = 0;
		r.line++;
		if (memchr(p, 0, (size_t)(nl - p))) {
			e = fail(&r, -EINVAL, "NUL byte");
			break;
		}
		if (r.line == 1) {
			int v = 0, n = 0;
			if (sscanf(p, "supd-state %d%n", &v, &n) != 1 || p[n] || v < 1)
				e = fail(&r, -EINVAL, "not a supd state document");
			else if (v > UPG_VERSION)
				e = fail(&r, -EPROTONOSUPPORT,
					 "state version %d is newer than this supd reads (%d)", v,
					 UPG_VERSION);
			s->version = v;
		} else {
			e = one_line(&r, p, &end);
		}
		p = nl + 1;
	}
	if (!e && !end)
		e = fail(&r, -EINVAL, "cut short (no 'end')");
	if (!e) {
		/* Version 1 had no start count: a process with a pid was
		 * started at least once. */
		for (size_t i = 0; s->version < 2 && i < s->nprocs; i++)
			s->procs[i].starts = s->procs[i].pid ? 1 : 0;
		e = check(&r);
	}
	free(copy);
	return e;
}

void upg_state_free(struct upg_state *s)
{
	for (size_t i = 0; i < s->nls; i++) {
		free(s->ls[i].path);
		free(s->ls[i].host);
	}
	free(s->ls);
	for (size_t i = 0; i < s->nprocs; i++) {
		struct upg_proc *p = &s->procs[i];
		free(p->group);
		free(p->name);
		free(p->spawnerr);
		free(p->pipes);
		free(p->log[0]);
		free(p->log[1]);
	}
	free(s->procs);
	for (size_t i = 0; i < s->npools; i++) {
		free(s->pools[i].name);
		for (size_t k = 0; k < s->pools[i].nevs; k++)
			free(s->pools[i].evs[k].payload);
		free(s->pools[i].evs);
	}
	free(s->pools);
	for (size_t i = 0; i < s->nevls; i++) {
		struct upg_evlistener *l = &s->evls[i];
		free(l->group);
		free(l->name);
		free(l->cur.payload);
		free(l->wbuf);
		free(l->line);
		free(l->body);
		free(l->res);
	}
	free(s->evls);
	for (size_t i = 0; i < s->nfcgis; i++) {
		free(s->fcgis[i].program);
		free(s->fcgis[i].url);
	}
	free(s->fcgis);
	free(s->prev_version);
	memset(s, 0, sizeof(*s));
}

/* Each fd field the document names, in a fixed order: copied into v
 * (upg_fds), or set from v (upg_fds_renumber).  Returns how many there
 * are. */
static void one_fd(int *f, int *v, size_t max, bool set, size_t *n)
{
	if (*f < 0)
		return;
	if (v && *n < max) {
		if (set)
			*f = v[*n];
		else
			v[*n] = *f;
	}
	(*n)++;
}

static size_t walk_fds(struct upg_state *s, int *v, size_t max, bool set)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nls; i++) {
		one_fd(&s->ls[i].fd, v, max, set, &n);
		one_fd(&s->ls[i].lock_fd, v, max, set, &n);
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		struct upg_proc *p = &s->procs[i];
		one_fd(&p->exec_fd, v, max, set, &n);
		one_fd(&p->stdin_fd, v, max, set, &n);
		for (size_t k = 0; k < p->npipes; k++)
			one_fd(&p->pipes[k].fd, v, max, set, &n);
		/* (a log fd is one only with its file: 0 is a zeroed record's) */
		for (int c = 0; c < 2; c++)
			if (p->log_fd[c] > 2 && p->log[c])
				one_fd(&p->log_fd[c], v, max, set, &n);
	}
	for (size_t i = 0; i < s->nevls; i++)
		one_fd(&s->evls[i].out_fd, v, max, set, &n);
	for (size_t i = 0; i < s->nfcgis; i++)
		one_fd(&s->fcgis[i].fd, v, max, set, &n);
	return n;
}

size_t upg_fds(const struct upg_state *s, int *v, size_t max)
{
	/* (read only: walk_fds writes only when set) */
	return walk_fds((struct upg_state *)s, v, max, false);
}

void upg_fds_renumber(struct upg_state *s, const int *v, size_t n)
{
	walk_fds(s, (int *)v, n, true);
}

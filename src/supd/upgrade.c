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

static void put_int(struct buf *b, const char *key, int64_t v)
{
	buf_putf(b, "%s %" PRId64 "\n", key, v);
}

static void put_uint(struct buf *b, const char *key, uint64_t v)
{
	buf_putf(b, "%s %" PRIu64 "\n", key, v);
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
	for (size_t i = 0; i < s->nls; i++)
		put_listener(&b, &s->ls[i]);
	for (size_t i = 0; i < s->nprocs; i++)
		put_proc(&b, &s->procs[i], version);
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
	enum { IN_TOP, IN_LISTENER, IN_PROC } in;
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

static int new_listener(struct rd *r)
{
	struct upg_state *s = r->s;
	int e = grow((void **)&s->ls, s->nls, sizeof(*s->ls));
	if (e == -E2BIG)
		return fail(r, -EINVAL, "too many listeners");
	if (e)
		return e;
	s->ls[s->nls++] = (struct upg_listener){.fd = -1, .lock_fd = -1};
	r->in = IN_LISTENER;
	return 0;
}

static int new_proc(struct rd *r)
{
	struct upg_state *s = r->s;
	int e = grow((void **)&s->procs, s->nprocs, sizeof(*s->procs));
	if (e == -E2BIG)
		return fail(r, -EINVAL, "too many processes");
	if (e)
		return e;
	s->procs[s->nprocs++] =
	    (struct upg_proc){.deadline_ms = -1, .exec_fd = -1, .stdin_fd = -1, .oom_base = -1};
	r->in = IN_PROC;
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
	if (!strcmp(k, "t0_us"))
		return get_i64(r, k, v, 0, INT64_MAX, &r->s->t0_us);
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
	if (!*line)
		return fail(r, -EINVAL, "empty key");
	switch (r->in) {
	case IN_LISTENER:
		return listener_key(r, line, v);
	case IN_PROC:
		return proc_key(r, line, v);
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
	}
	for (size_t i = 0; i < s->nls; i++)
		if (s->ls[i].fd < 0 || (s->ls[i].is_unix && !s->ls[i].path))
			return fail(r, -EINVAL, "listener record %zu is incomplete", i + 1);
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
	free(s->prev_version);
	memset(s, 0, sizeof(*s));
}

static void add_fd(int fd, int *v, size_t max, size_t *n)
{
	if (fd < 0)
		return;
	if (*n < max)
		v[*n] = fd;
	(*n)++;
}

size_t upg_fds(const struct upg_state *s, int *v, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nls; i++) {
		add_fd(s->ls[i].fd, v, max, &n);
		add_fd(s->ls[i].lock_fd, v, max, &n);
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct upg_proc *p = &s->procs[i];
		add_fd(p->exec_fd, v, max, &n);
		add_fd(p->stdin_fd, v, max, &n);
		for (size_t k = 0; k < p->npipes; k++)
			add_fd(p->pipes[k].fd, v, max, &n);
	}
	return n;
}

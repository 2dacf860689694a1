/* The control plane's HTTP server: listeners and authentication.
 *
 * This file opens the sockets of every [unix_http_server] and
 * [inet_http_server] (or takes them from systemd), checks Basic
 * credentials, and holds the server together; http_conn.c serves the
 * connections (HTTP/1.1 on supd's own epoll loop, no thread) and
 * http_parse.c reads the requests.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"
#include "listen.h"
#include "log.h"
#include "sysd.h"

/* ---------------------------------------------------------------- SHA-1 */

/* Only for supervisord's {SHA} password form; FIPS 180-4. */
struct sha1 {
	uint32_t h[5];
	uint64_t len;
	uint8_t buf[64];
	size_t nbuf;
};

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n > 0) {
		size_t k = 64 - s->nbuf < n ? 64 - s->nbuf : n;
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += k;
		p += k;
		n -= k;
		if (s->nbuf == 64) {
			sha1_block(s, s->buf);
			s->nbuf = 0;
		}
	}
}

void http_sha1_hex(const void *data, size_t len, char out[41])
{
	struct sha1 s = {.h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}};
	sha1_update(&s, data, len);
	uint64_t bits = s.len * 8;
	uint8_t pad = 0x80;
	sha1_update(&s, &pad, 1);
	pad = 0;
	while (s.nbuf != 56)
		sha1_update(&s, &pad, 1);
	uint8_t lenb[8];
	for (int i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(&s, lenb, 8);
	for (int i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

/* ---------------------------------------------------------------- auth */

bool http_password_ok(const char *stored, const char *given)
{
	return access_password_ok(stored, given);
}

bool http_authorized(const struct listener *ls, const char *h, enum conf_role *role, char **user)
{
	*role = CONF_ROLE_ADMIN;
	*user = NULL;
	if (!ls->username && !access_accounts(ls->access))
		return true;
	if (!h || strncasecmp(h, "Basic ", 6))
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	char dec[1024];
	if (buf_b64_decode(h, strlen(h), dec, sizeof(dec)) < 0)
		return false;
	char *colon = strchr(dec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	/* supervisord's username is admin; users= entries have their role.
	 * Names are compared every time: no shortcut on a wrong one. */
	bool main_user = ls->username && access_const_eq(ls->username, dec);
	const struct conf_account *acc = access_account(ls->access, dec);
	bool ok = false;
	struct http *hp = ls->http;
	if (!hp->logins)
		hp->logins = access_cache_new(); /* (without it, every login costs its hash) */
	int64_t now = loop_now_ms();
	if (main_user) {
		ok = access_password_check(hp->logins, ls->password ? ls->password : "", colon + 1,
					   now);
	} else if (acc) {
		ok = access_password_check(hp->logins, acc->password, colon + 1, now);
		*role = acc->role;
	} else {
		/* an unknown name costs what a known one does */
		access_password_ok(ls->password ? ls->password : "x", colon + 1);
	}
	if (ok)
		*user = strdup(dec);
	explicit_bzero(dec, sizeof(dec));
	return ok;
}

/* ---------------------------------------------------------------- listeners */

#ifdef HAVE_SYSTEMD
/* Sockets passed by systemd (socket activation), taken once per process:
 * LISTEN_FDS describes the process's start, not a reload.  A listener uses
 * a duplicate, so that closing it at a reload leaves the original for
 * the next http_new. */
static int activated_fds[16];
static int nactivated = -1;

static int activated_socket(const struct conf_server *s)
{
	if (nactivated < 0) {
		int n = sysd_listen_fds(); /* close-on-exec, environment cleared */
		nactivated = 0;
		for (int i = 0; i < n && nactivated < 16; i++)
			activated_fds[nactivated++] = SYSD_LISTEN_FDS_START + i;
	}
	for (int i = 0; i < nactivated; i++) {
		int fd = activated_fds[i];
		bool match = s->inet ? sysd_is_inet_listener(fd, (uint16_t)s->port)
				     : sysd_is_unix_listener(fd, s->file);
		if (match) {
			int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (d >= 0)
				fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK);
			return d < 0 ? -errno : d;
		}
	}
	return -ENOENT;
}
#endif

/* The words supervisord users know for an address in use. */
static int in_use(char *err, size_t errlen, const char *section, const char *where)
{
	return buf_errf(
	    err, errlen, -EADDRINUSE,
	    "Another program is already listening on a port that one of our HTTP servers "
	    "is configured to use.  Shut this program down first before starting supd. "
	    "(%s: %s)",
	    section, where);
}

static int unix_listen(struct listener *ls, const struct conf_server *s, int *out, char *err,
		       size_t errlen)
{
	struct listen_unix u = {.path = s->file,
				.backlog = 1024,
				.mode = s->chmod,
				.owner = s->chown,
				.nonblock = true,
				.lock = true,
				.lock_fd = ls->lock_fd};
	char why[512];
	int fd = listen_unix(&u, why, sizeof(why));
	ls->lock_fd = u.lock_fd;
	if (fd == -EADDRINUSE)
		return in_use(err, errlen, s->section, s->file);
	if (fd == -EAGAIN) /* the lock: said as supervisord says it, with why */
		return in_use(err, errlen, s->section, why);
	if (fd < 0)
		return buf_errf(err, errlen, fd, "%s: %s", s->section, why);
	ls->unix_dev = u.dev;
	ls->unix_ino = u.ino;
	ls->unix_path = strdup(s->file);
	if (!ls->unix_path) {
		unlink(s->file);
		close(fd);
		return buf_errf(err, errlen, -ENOMEM, "%s: %s: %s", s->section, s->file,
				strerror(ENOMEM));
	}
	*out = fd;
	return 0;
}

static int inet_listen(const struct conf_server *s, int *out, bool *loopback, char *err,
		       size_t errlen)
{
	char why[512];
	int fd = listen_inet(s->host, s->port, 1024, true, false, loopback, why, sizeof(why));
	if (fd == -EADDRINUSE) {
		char where[300];
		snprintf(where, sizeof(where), "%s:%d", s->host ? s->host : "", s->port);
		return in_use(err, errlen, s->section, where);
	}
	if (fd < 0)
		return buf_errf(err, errlen, fd, "%s: %s", s->section, why);
	*out = fd;
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static void on_retry(struct loop *l, void *arg)
{
	(void)l;
	http_listener_resume(arg);
}

static void listener_init(struct listener *ls, struct http *h)
{
	memset(ls, 0, sizeof(*ls));
	ls->http = h;
	ls->fd = -1;
	ls->lock_fd = -1;
	loop_timer_init(&ls->retry, on_retry, ls);
}

/* The settings of s, without opening anything. */
static int listener_settings(struct listener *ls, const struct conf_server *s, char *err,
			     size_t errlen)
{
	bool oom = false;
	ls->section = dup_or_null(
	    s->section ? s->section : (s->inet ? "inet_http_server" : "unix_http_server"), &oom);
	ls->is_unix = !s->inet;
	if (s->username) {
		ls->username = dup_or_null(s->username, &oom);
		ls->password = dup_or_null(s->password ? s->password : "", &oom);
	}
	ls->file = dup_or_null(s->file, &oom);
	ls->host = dup_or_null(s->host, &oom);
	ls->owner = dup_or_null(s->chown, &oom);
	ls->port = s->port;
	ls->mode = s->chmod;
	if (access_new(&ls->access, s->access) < 0)
		oom = true;
	return oom ? buf_errf(err, errlen, -ENOMEM, "out of memory") : 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Upgrade in place: the socket the previous image had at s's address,
 * with its lock and identity.  Returns whether there was one. */
static bool inherited_socket(struct listener *ls, const struct conf_server *s)
{
	struct http *h = ls->http;
	for (size_t i = 0; i < h->ninh; i++) {
		struct http_inherited *in = &h->inh[i];
		if (in->taken || in->is_unix != !s->inet)
			continue;
		if (in->is_unix ? !str_eq(in->path, s->file)
				: in->port != s->port || !str_eq(in->host, s->host))
			continue;
		if (in->is_unix && !in->activated) {
			ls->unix_path = strdup(in->path);
			if (!ls->unix_path)
				return false;
			ls->unix_dev = in->dev;
			ls->unix_ino = in->ino;
		}
		in->taken = true;
		ls->fd = in->fd;
		ls->lock_fd = in->lock_fd;
		ls->activated = in->activated;
		return true;
	}
	return false;
}

/* Opens s's socket (or takes it from systemd, or from the image before an
 * upgrade); not yet watched. */
static int listener_open(struct listener *ls, const struct conf_server *s, bool *loopback,
			 char *err, size_t errlen)
{
	int fd = -1, r = -ENOENT;
	*loopback = true;
	if (inherited_socket(ls, s))
		return 0;
#ifdef HAVE_SYSTEMD
	r = fd = activated_socket(s);
	ls->activated = r >= 0;
	/* (an activated inet socket's address is systemd's business) */
#endif
	if (r == -ENOENT) {
		if (ls->is_unix)
			r = unix_listen(ls, s, &fd, err, errlen);
		else
			r = inet_listen(s, &fd, loopback, err, errlen);
	} else if (r < 0) {
		return buf_errf(err, errlen, r, "%s: the socket from systemd: %s", ls->section,
				strerror(-r));
	}
	if (r < 0)
		return r;
	ls->fd = fd;
	return 0;
}

static void listener_warn(const struct listener *ls, bool loopback)
{
	if (!ls->is_unix && !ls->username && !access_accounts(ls->access))
		log_crit("Server '%s' running without any HTTP authentication checking",
			 ls->section);
	if (!ls->is_unix && !loopback && (!ls->password || !*ls->password) &&
	    !access_accounts(ls->access))
		log_warn("Server '%s' listens on a non-loopback address (%s:%d) WITHOUT A "
			 "PASSWORD: anyone who can reach it controls every process",
			 ls->section, ls->host && *ls->host ? ls->host : "*", ls->port);
}

/* Closes the socket (its file unlinked if still ours) and the lock. */
static void listener_close(struct listener *ls)
{
	if (ls->fd >= 0) {
		loop_unwatch_fd(ls->http->loop, ls->fd);
		close(ls->fd);
		ls->fd = -1;
	}
	loop_timer_cancel(ls->http->loop, &ls->retry);
	if (ls->unix_path) {
		struct stat st;
		/* Only our own socket: a successor may already own the name. */
		if (stat(ls->unix_path, &st) == 0 && st.st_dev == ls->unix_dev &&
		    st.st_ino == ls->unix_ino)
			unlink(ls->unix_path);
	}
	free(ls->unix_path);
	ls->unix_path = NULL;
	if (ls->lock_fd >= 0)
		close(ls->lock_fd);
	ls->lock_fd = -1;
}

static void listener_free(struct listener *ls)
{
	listener_close(ls);
	free(ls->section);
	free(ls->username);
	if (ls->password)
		explicit_bzero(ls->password, strlen(ls->password));
	free(ls->password);
	free(ls->file);
	free(ls->host);
	free(ls->owner);
	access_free(ls->access);
}

static bool same_address(const struct listener *ls, const struct conf_server *s)
{
	if (ls->is_unix != !s->inet)
		return false;
	return ls->is_unix ? str_eq(ls->file, s->file)
			   : ls->port == s->port && str_eq(ls->host, s->host);
}

/* Is ls's socket still reachable where it was opened?  A unix socket
 * file may have been deleted (tmp cleaners, an rm) or replaced. */
static bool still_there(const struct listener *ls)
{
	if (!ls->is_unix || ls->activated || !ls->unix_path)
		return true;
	struct stat st;
	return stat(ls->unix_path, &st) == 0 && st.st_dev == ls->unix_dev &&
	       st.st_ino == ls->unix_ino;
}

/* A kept unix socket takes the new mode and owner in place. */
static int restyle(const struct listener *old, const struct conf_server *s, char *err,
		   size_t errlen)
{
	if (!old->is_unix || old->activated || !old->unix_path)
		return 0;
	if (s->chown && !str_eq(s->chown, old->owner)) {
		uid_t uid;
		gid_t gid;
		if (listen_owner(s->chown, &uid, &gid) < 0)
			return buf_errf(err, errlen, -ENOENT,
					"%s: chown: unknown user or group '%s'", s->section,
					s->chown);
		if (lchown(old->unix_path, uid, gid) < 0)
			return buf_errf(err, errlen, -errno, "%s: chown %s to %s: %s", s->section,
					s->file, s->chown, strerror(errno));
	}
	if (s->chmod != old->mode && chmod(old->unix_path, (mode_t)s->chmod) < 0)
		return buf_errf(err, errlen, -errno, "%s: chmod %s: %s", s->section, s->file,
				strerror(errno));
	return 0;
}

/* Closed listeners stay allocated while a connection (killed, freed at
 * the end of its event) may still point at them. */
struct retired {
	struct retired *next;
	struct listener *ls;
	size_t n;
};

static bool points_into(const struct http *h, const struct listener *v, size_t n)
{
	for (const struct conn *c = h->conns; c; c = c->link.next)
		if (c->ls >= v && c->ls < v + n)
			return true;
	return false;
}

static void retired_gc(struct http *h, bool all)
{
	for (struct retired **pp = &h->retired, *r; (r = *pp);) {
		if (!all && points_into(h, r->ls, r->n)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		for (size_t i = 0; i < r->n; i++)
			listener_free(&r->ls[i]);
		free(r->ls);
		free(r);
	}
}

/* The plan of a reconfiguration: for each new listener, the old one it
 * keeps (its socket and connections) or -1 for a socket opened anew. */
struct plan {
	struct listener *nv;
	ssize_t *keep;
	ssize_t *borrow; /* old listener whose lock a new socket uses */
	bool *loopback;
	bool *used; /* per old listener: kept or its lock borrowed */
	size_t n;
	struct retired *ret; /* where the old listeners go */
};

static void plan_undo(struct plan *p)
{
	for (size_t i = 0; p->nv && i < p->n; i++) {
		if (p->keep[i] >= 0)
			p->nv[i].fd = -1; /* the old listener's, untouched */
		if (p->borrow[i] >= 0)
			p->nv[i].lock_fd = -1;
		listener_free(&p->nv[i]);
	}
}

static void plan_free(struct plan *p)
{
	free(p->nv);
	free(p->keep);
	free(p->borrow);
	free(p->loopback);
	free(p->used);
	free(p->ret);
}

static int plan_make(struct http *h, const struct conf *c, struct plan *p, char *err, size_t errlen)
{
	size_t n = c->nservers;
	p->n = 0;
	p->nv = calloc(n + 1, sizeof(*p->nv));
	p->keep = calloc(n + 1, sizeof(*p->keep));
	p->borrow = calloc(n + 1, sizeof(*p->borrow));
	p->loopback = calloc(n + 1, sizeof(*p->loopback));
	p->used = calloc(h->nls + 1, sizeof(*p->used));
	p->ret = calloc(1, sizeof(*p->ret));
	if (!p->nv || !p->keep || !p->borrow || !p->loopback || !p->used || !p->ret)
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct conf_server *s = &c->servers[i];
		struct listener *ls = &p->nv[i];
		listener_init(ls, h);
		p->keep[i] = p->borrow[i] = -1;
		p->n++;
		r = listener_settings(ls, s, err, errlen);
		ssize_t k = -1;
		for (size_t j = 0; j < h->nls && k < 0 && r == 0; j++)
			if (!p->used[j] && h->ls[j].fd >= 0 && same_address(&h->ls[j], s))
				k = (ssize_t)j;
		if (r == 0 && k >= 0) {
			p->used[k] = true;
			if (still_there(&h->ls[k])) {
				p->keep[i] = k;
				p->loopback[i] = true; /* (not known again) */
				ls->fd = h->ls[k].fd;
				continue;
			}
			/* Its file is gone: a new socket at the same path, under
			 * the lock the old one holds. */
			p->borrow[i] = k;
			ls->lock_fd = h->ls[k].lock_fd;
		}
		if (r == 0)
			r = listener_open(ls, s, &p->loopback[i], err, errlen);
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (p->keep[i] >= 0)
			r = restyle(&h->ls[p->keep[i]], &c->servers[i], err, errlen);
	return r;
}

/* Moves what stays from old into ls, which replaces it. */
static void take_over(struct listener *ls, struct listener *old)
{
	loop_unwatch_fd(old->http->loop, old->fd);
	ls->fd = old->fd;
	ls->activated = old->activated;
	ls->unix_path = old->unix_path;
	ls->unix_dev = old->unix_dev;
	ls->unix_ino = old->unix_ino;
	ls->lock_fd = old->lock_fd;
	ls->paused = old->paused;
	ls->failing = old->failing;
	ls->fails = old->fails;
	old->fd = -1;
	old->unix_path = NULL;
	old->lock_fd = -1;
	if (loop_timer_armed(&old->retry)) {
		loop_timer_cancel(old->http->loop, &old->retry);
		loop_timer_arm(ls->http->loop, &ls->retry, loop_now_ms());
	}
}

static int plan_commit(struct http *h, struct plan *p)
{
	int r = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct listener *ls = &p->nv[i];
		bool warn = p->keep[i] < 0;
		if (p->keep[i] >= 0) {
			struct listener *old = &h->ls[p->keep[i]];
			/* (the address is the same: only the credentials matter) */
			warn = !ls->username && !access_accounts(ls->access) &&
			       (old->username || access_accounts(old->access));
			take_over(ls, old);
		}
		if (p->borrow[i] >= 0)
			h->ls[p->borrow[i]].lock_fd = -1; /* now ls's */
		int e = loop_watch_fd(h->loop, ls->fd, ls->paused ? 0 : EPOLLIN,
				      http_listener_readable, ls);
		if (e < 0 && r == 0)
			r = e;
		if (warn)
			listener_warn(ls, p->loopback[i]);
	}
	/* Connections follow their listener, or end with it. */
	for (struct conn *c = h->conns; c; c = c->link.next) {
		bool mine = c->ls >= h->ls && c->ls < h->ls + h->nls;
		ssize_t k = mine ? c->ls - h->ls : -2, to = -1;
		for (size_t i = 0; i < p->n && to < 0; i++)
			if (p->keep[i] == k)
				to = (ssize_t)i;
		if (to >= 0) {
			/* its place in the budget moves with it */
			c->ls->nconns--;
			c->ls = &p->nv[to];
			c->ls->nconns++;
		} else {
			http_conn_kill(c);
		}
	}
	for (size_t j = 0; j < h->nls; j++)
		listener_close(&h->ls[j]);
	p->ret->ls = h->ls;
	p->ret->n = h->nls;
	p->ret->next = h->retired;
	h->retired = p->ret;
	p->ret = NULL;
	h->ls = p->nv;
	h->nls = p->n;
	p->nv = NULL;
	return r;
}

int http_reconfigure(struct http *h, const struct conf *c, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	retired_gc(h, false);
	struct plan p = {0};
	int r = plan_make(h, c, &p, err, errlen);
	if (r < 0)
		plan_undo(&p);
	else
		r = plan_commit(h, &p);
	if (r < 0 && !*err)
		buf_errf(err, errlen, r, "cannot watch a listening socket: %s", strerror(-r));
	plan_free(&p);
	return r;
}

int http_restore(struct http *h, char *err, size_t errlen)
{
	struct conf c = {0};
	int r = 0;
	c.servers = calloc(h->nls + 1, sizeof(*c.servers));
	if (!c.servers)
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	c.nservers = h->nls;
	for (size_t i = 0; i < h->nls; i++) {
		const struct listener *ls = &h->ls[i];
		c.servers[i] = (struct conf_server){
		    .inet = !ls->is_unix,
		    .section = ls->section,
		    .file = ls->file,
		    .chmod = ls->mode,
		    .chown = ls->owner,
		    .host = ls->host,
		    .port = ls->port,
		    .username = ls->username,
		    .password = ls->password,
		    /* (read only: the cast is for the struct's type) */
		    .access = (struct conf_access *)access_conf(ls->access),
		};
	}
	r = http_reconfigure(h, &c, err, errlen);
	free(c.servers);
	return r;
}

/* TCP clients, whom anyone may be, get at most half of the fds (and no
 * fewer than 16): programs' pipes and the unix socket keep the rest. */
static unsigned http_tcp_fd_share(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 2 > UINT_MAX)
		return UINT_MAX;
	return rl.rlim_cur / 2 < 16 ? 16 : (unsigned)(rl.rlim_cur / 2);
}

int http_new(struct http **out, struct loop *l, const struct conf *c,
	     const struct http_handlers *hs, void *ctx, char *err, size_t errlen)
{
	return http_new_inherited(out, l, c, hs, ctx, NULL, 0, err, errlen);
}

int http_new_inherited(struct http **out, struct loop *l, const struct conf *c,
		       const struct http_handlers *hs, void *ctx, struct http_inherited *inh,
		       size_t ninh, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	struct http *h = calloc(1, sizeof(*h));
	if (!h)
		return buf_errf(err, errlen, -ENOMEM, "out of memory");
	h->loop = l;
	h->h = *hs;
	h->ctx = ctx;
	h->max_conns = HTTP_MAX_CONNECTIONS;
	h->idle_ms = HTTP_IDLE_TIMEOUT_S * 1000;
	h->head_ms = HTTP_HEAD_TIMEOUT_S * 1000;
	h->max_tcp = http_tcp_fd_share();
	h->inh = inh;
	h->ninh = ninh;
	int r = http_reconfigure(h, c, err, errlen);
	h->inh = NULL;
	h->ninh = 0;
	if (r < 0) {
		http_free(h);
		return r;
	}
	*out = h;
	return 0;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	h->closing = true;
	/* Every parked request is abandoned, then its connection closed. */
	http_conns_free(h);
	for (size_t i = 0; i < h->nls; i++)
		listener_free(&h->ls[i]);
	free(h->ls);
	retired_gc(h, true);
	access_fails_free(h->fails);
	access_cache_free(h->logins);
	free(h);
}

size_t http_listeners(const struct http *h)
{
	return h->nls;
}

unsigned http_connections(const struct http *h)
{
	return h->nconns;
}

void http_set_idle_timeout_ms(struct http *h, int ms)
{
	h->idle_ms = ms;
}

void http_set_head_timeout_ms(struct http *h, int ms)
{
	h->head_ms = ms;
}

void http_set_max_connections(struct http *h, unsigned n)
{
	h->max_conns = n;
}

size_t http_export(const struct http *h, struct http_inherited *v, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nls; i++) {
		const struct listener *ls = &h->ls[i];
		if (ls->fd < 0)
			continue;
		if (n < max)
			v[n] = (struct http_inherited){
			    .fd = ls->fd,
			    .lock_fd = ls->lock_fd,
			    .is_unix = ls->is_unix,
			    .activated = ls->activated,
			    .path = ls->file,
			    .host = ls->host,
			    .port = ls->port,
			    .dev = ls->unix_dev,
			    .ino = ls->unix_ino,
			};
		n++;
	}
	return n;
}

void http_pause(struct http *h, bool on)
{
	for (size_t i = 0; i < h->nls; i++) {
		struct listener *ls = &h->ls[i];
		/* (a listener paused for room stays as it is) */
		if (ls->fd >= 0 && !ls->paused)
			loop_modify_fd(h->loop, ls->fd, on ? 0 : EPOLLIN);
	}
}

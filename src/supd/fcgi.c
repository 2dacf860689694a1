/* fcgi: [fcgi-program:x] sockets (fcgi.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_value.h"
#include "fcgi.h"
#include "list.h"
#include "listen.h"
#include "log.h"
#include "upgrade.h"

/* One per section and socket URL (a reload may change the URL while the
 * old processes still hold the old socket). */
struct fcgi_sock {
	LIST_LINK(struct fcgi_sock) link;
	struct fcgi *f;
	char *program;
	char *url;
	int fd; /* -1: not open */
	int holders;
	bool is_unix;
	dev_t dev; /* the unix socket file we made */
	ino_t ino;
	struct loop_timer close_timer;
};

struct fcgi {
	struct loop *l;
	struct fcgi_sock *socks;
};

int fcgi_new(struct fcgi **out, struct loop *l)
{
	struct fcgi *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->l = l;
	*out = f;
	return 0;
}

static void sock_close(struct fcgi_sock *s)
{
	if (s->fd < 0)
		return;
	log_info("Closing socket %s", s->url);
	close(s->fd);
	s->fd = -1;
	struct stat st;
	const char *path = s->url + 7;
	if (s->is_unix && stat(path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(path);
}

static void sock_free(struct fcgi_sock *s)
{
	struct fcgi *f = s->f;
	list_unlink(s, link);
	loop_timer_cancel(f->l, &s->close_timer);
	sock_close(s);
	free(s->program);
	free(s->url);
	free(s);
}

void fcgi_free(struct fcgi *f)
{
	if (!f)
		return;
	while (f->socks)
		sock_free(f->socks);
	free(f);
}

static void close_timer_cb(struct loop *l, void *arg)
{
	(void)l;
	struct fcgi_sock *s = arg;
	if (s->holders == 0)
		sock_free(s);
}

static struct fcgi_sock *sock_find(struct fcgi *f, const struct conf_process *p, bool create)
{
	for (struct fcgi_sock *s = f->socks; s; s = s->link.next)
		if (!strcmp(s->program, p->program) && !strcmp(s->url, p->s->socket))
			return s;
	if (!create)
		return NULL;
	struct fcgi_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->program = strdup(p->program);
	s->url = strdup(p->s->socket);
	if (!s->program || !s->url) {
		free(s->program);
		free(s->url);
		free(s);
		return NULL;
	}
	s->f = f;
	s->fd = -1;
	s->is_unix = !strncmp(p->s->socket, "unix://", 7);
	loop_timer_init(&s->close_timer, close_timer_cb, s);
	list_push(&f->socks, s, link);
	return s;
}

/* supervisord's default owner: the program's user, when it is not
 * supd's. */
static const char *default_owner(const struct conf_process *p)
{
	uid_t uid;
	gid_t gid;
	if (!p->s->user || listen_owner(p->s->user, &uid, &gid) < 0 || uid == getuid())
		return NULL;
	return p->s->user;
}

static int sock_open(struct fcgi_sock *s, const struct conf_process *p, char *why, size_t len)
{
	if (s->is_unix) {
		struct listen_unix u = {
		    .path = s->url + 7,
		    .backlog = p->s->socket_backlog,
		    .mode = p->s->socket_mode,
		    .owner = p->s->socket_owner ? p->s->socket_owner : default_owner(p),
		};
		int fd = listen_unix(&u, why, len);
		if (fd >= 0) {
			s->dev = u.dev;
			s->ino = u.ino;
		}
		return fd;
	}
	char *host = NULL;
	int port;
	if (cv_inet_port(s->url + 6, &host, &port) < 0) {
		snprintf(why, len, "not a host:port");
		return -EINVAL;
	}
	int fd = listen_inet(host, port, p->s->socket_backlog, false, true, NULL, why, len);
	free(host);
	return fd;
}

int fcgi_socket(const struct conf_process *p, char *err, size_t errlen, void *arg)
{
	struct fcgi *f = arg;
	struct fcgi_sock *s = sock_find(f, p, true);
	if (!s) {
		snprintf(err, errlen, "out of memory making the FastCGI socket of '%s'", p->name);
		return -ENOMEM;
	}
	if (s->fd >= 0)
		return s->fd;
	char why[512];
	int fd = sock_open(s, p, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "couldn't create FastCGI socket %s: %s", s->url, why);
		return fd;
	}
	log_info("Creating socket %s", s->url);
	s->fd = fd;
	return fd;
}

static bool holds(enum proc_state st)
{
	return st == PROC_STARTING || st == PROC_RUNNING || st == PROC_BACKOFF ||
	       st == PROC_STOPPING;
}

void fcgi_transition(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct fcgi *f = arg;
	const struct conf_process *c = p->conf;
	if (c->s->kind != CONF_FCGI || holds(from) == holds(to))
		return;
	struct fcgi_sock *s = sock_find(f, c, holds(to));
	if (!s) {
		if (holds(to))
			log_error("out of memory: the FastCGI socket of '%s' is not counted",
				  c->name);
		return;
	}
	if (holds(to)) {
		s->holders++;
		loop_timer_cancel(f->l, &s->close_timer);
		return;
	}
	if (s->holders > 0 && --s->holders == 0)
		/* Not now: an exit is followed at once by the restart. */
		loop_timer_arm(f->l, &s->close_timer, loop_now_ms());
}

/* ---------------------------------------------------------------- upgrade */

int fcgi_export(const struct fcgi *f, struct upg_state *s)
{
	size_t n = 0;
	for (const struct fcgi_sock *k = f->socks; k; k = k->link.next)
		n++;
	s->fcgis = calloc(n + 1, sizeof(*s->fcgis));
	if (!s->fcgis)
		return -ENOMEM;
	for (const struct fcgi_sock *k = f->socks; k; k = k->link.next) {
		if (k->fd < 0)
			continue;
		struct upg_fcgi *u = &s->fcgis[s->nfcgis++];
		*u = (struct upg_fcgi){.program = strdup(k->program),
				       .url = strdup(k->url),
				       .fd = k->fd,
				       .is_unix = k->is_unix,
				       .dev = (uint64_t)k->dev,
				       .ino = (uint64_t)k->ino};
		if (!u->program || !u->url)
			return -ENOMEM;
	}
	return 0;
}

void fcgi_import(struct fcgi *f, struct upg_state *s)
{
	for (size_t i = 0; i < s->nfcgis; i++) {
		struct upg_fcgi *u = &s->fcgis[i];
		struct conf_settings ks = {.socket = u->url};
		struct conf_process key = {.program = u->program, .s = &ks};
		struct fcgi_sock *k = sock_find(f, &key, true);
		if (!k || k->fd >= 0 || !!k->is_unix != !!u->is_unix) {
			log_error("upgrade: the FastCGI socket %s of '%s' cannot be taken over",
				  u->url, u->program);
			close(u->fd);
			continue;
		}
		k->fd = u->fd;
		k->dev = (dev_t)u->dev;
		k->ino = (ino_t)u->ino;
		/* (the processes holding it are counted before the loop runs) */
		loop_timer_arm(f->l, &k->close_timer, loop_now_ms());
	}
}

void fcgi_adopted(struct fcgi *f, struct proc *p)
{
	fcgi_transition(p, PROC_STOPPED, p->state, f);
}

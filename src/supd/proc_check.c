/* Readiness and health checks: the probes (proc_check.h says what and when). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_check.h"
#include "list.h"
#include "log.h"
#include "output.h"
#include "proc_int.h"

/* What the processes' checks share: the notify socket (made when the
 * first program needs it) and the exec probes running. */
struct check_ctx {
	struct procs *t;
	int notify_fd;
	char notify_env[128]; /* "NOTIFY_SOCKET=@supd-notify/PID/N" */
	struct proc_checks *execs;
	/* a spawn's extra environment, good until the next spawn */
	const char *env[3];
	char watchdog_env[48];
};

enum phase { PH_NONE, PH_READY, PH_HEALTH };

#define LINE_MAX_WATCH 4096

struct proc_checks {
	struct proc *p;
	const struct conf_check *k; /* the probe of the phase */
	struct loop_timer timer;    /* the next probe, or the probe's timeout */
	struct loop_timer deadline; /* ready_timeout, or the watchdog */
	enum phase phase;
	bool probing;		 /* a probe is in flight (timer: its timeout) */
	bool ready;		 /* the ready check passed in this run */
	enum proc_health health; /* of this run */
	int fails;		 /* health probes failed in a row */
	int health_restarts;	 /* restarts for health without a pass since */
	int sock;		 /* tcp/http probe; -1 */
	bool sent;		 /* http: the request is written */
	pid_t probe_pid;	 /* exec probe; 0 */
	int fd_ready;		 /* fd:N read end; -1 */
	int fd_ready_w;		 /* its write end until the spawn is done; -1 */
	bool abandoned;		 /* not ready in time: being killed */
	enum check_after after;	 /* what a stop for health leads to */
	char *line;		 /* log: the partial line */
	size_t linelen;
	char *status_text; /* STATUS= */
	pid_t main_pid;	   /* MAINPID= */
	char resp[16];	   /* http: the status line's start */
	size_t resplen;
	char last_err[256]; /* "ready check tcp:...: failed: why" */
	char why[160];	    /* the last probe's error alone */
	LIST_LINK(struct proc_checks) exec_link;
};

/* ---------------------------------------------------------------- helpers */

static struct loop *loop_of(const struct proc_checks *c)
{
	return c->p->tab->env.loop;
}

static const struct conf_checks *conf_of(const struct proc_checks *c)
{
	return c->p->conf->s->checks;
}

static void changed(struct proc *p, enum proc_change what)
{
	/* a program waiting for this one to be healthy may go on now */
	proc_deps_changed(p->tab);
	struct proc_hook *h, *next;
	list_foreach_safe (h, p->tab->hooks, link, next) {
		if (h->changed)
			h->changed(p, what, h->arg);
	}
}

static void set_health(struct proc_checks *c, enum proc_health h)
{
	if (c->health == h)
		return;
	c->health = h;
	changed(c->p, PROC_CHANGE_HEALTH);
}

/* A watched fd of the checks (the probe's socket, the fd:N pipe). */
static void close_watched(struct proc_checks *c, int *fd)
{
	if (*fd < 0)
		return;
	loop_unwatch_fd(loop_of(c), *fd);
	close(*fd);
	*fd = -1;
}

/* An exec probe still running is killed; its reaping is then an unknown
 * pid's. */
static void end_probe(struct proc_checks *c)
{
	close_watched(c, &c->sock);
	if (c->probe_pid) {
		kill(-c->probe_pid, SIGKILL);
		c->probe_pid = 0;
		list_unlink(c, exec_link);
	}
	c->probing = false;
	c->sent = false;
	c->resplen = 0;
}

static void on_timer(struct loop *l, void *arg);
static void on_deadline(struct loop *l, void *arg);

static void schedule(struct proc_checks *c, int64_t delay_ms)
{
	loop_timer_arm(loop_of(c), &c->timer, loop_now_ms() + delay_ms);
}

/* A probe's outcome (err NULL: it passed). */
static void result(struct proc_checks *c, const char *err)
{
	struct proc *p = c->p;
	const struct conf_checks *k = conf_of(c);
	end_probe(c);
	loop_timer_cancel(loop_of(c), &c->timer);
	if (c->phase == PH_READY) {
		if (!err) {
			c->ready = true;
			c->phase = PH_NONE;
			loop_timer_cancel(loop_of(c), &c->deadline);
			output_set_watch(p->out, NULL, NULL);
			close_watched(c, &c->fd_ready);
			log_info("ready: %s passed its ready check (%s)", p->conf->name,
				 k->ready.spec);
			changed(p, PROC_CHANGE_READY);
			proc_event(p, PROC_EV_READY);
			return;
		}
		snprintf(c->why, sizeof(c->why), "%s", err);
		snprintf(c->last_err, sizeof(c->last_err), "ready check %s failed: %s",
			 k->ready.spec, err);
		if (k->ready.kind != CONF_CHECK_LOG && k->ready.kind != CONF_CHECK_NOTIFY &&
		    k->ready.kind != CONF_CHECK_FD)
			schedule(c, k->ready.interval_ms);
		return;
	}
	if (c->phase != PH_HEALTH)
		return;
	if (!err) {
		c->fails = 0;
		c->health_restarts = 0;
		set_health(c, PROC_HEALTH_HEALTHY);
		if (k->health.kind != CONF_CHECK_NOTIFY)
			schedule(c, k->health.interval_ms);
		return;
	}
	snprintf(c->why, sizeof(c->why), "%s", err);
	snprintf(c->last_err, sizeof(c->last_err), "health check %s failed: %s", k->health.spec,
		 err);
	c->fails++;
	bool missed_watchdog = k->health.kind == CONF_CHECK_NOTIFY;
	if (c->fails < k->health_retries && !missed_watchdog) {
		log_debug("%s: %s (%d of %d)", p->conf->name, c->last_err, c->fails,
			  k->health_retries);
		schedule(c, k->health.interval_ms);
		return;
	}
	log_warn("unhealthy: %s: %s", p->conf->name, c->last_err);
	if (k->health_action == CONF_HA_NONE && !missed_watchdog)
		schedule(c, k->health.interval_ms); /* it may recover */
	else if (k->health_action == CONF_HA_NONE)
		loop_timer_arm(loop_of(c), &c->deadline, loop_now_ms() + k->watchdog_ms);
	set_health(c, PROC_HEALTH_UNHEALTHY);
	proc_event(p, PROC_EV_UNHEALTHY);
}

/* ---------------------------------------------------------------- tcp and http */

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg);

static int sock_connect(struct proc_checks *c, char *err, size_t errlen)
{
	const struct conf_check *k = c->k;
	struct sockaddr_storage ss;
	socklen_t sl;
	int family;
	memset(&ss, 0, sizeof(ss));
	if (k->port == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		if (strlen(k->host) >= sizeof(un->sun_path)) {
			snprintf(err, errlen, "socket path too long");
			return -ENAMETOOLONG;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, k->host);
		sl = sizeof(*un);
		family = AF_UNIX;
	} else {
		/* A numeric address needs no lookup; a name is looked up
		 * (blocking: /etc/hosts for localhost, doc/readiness.md). */
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST},
				*ai = NULL;
		char port[8];
		snprintf(port, sizeof(port), "%d", k->port);
		int r = getaddrinfo(k->host, port, &hints, &ai);
		if (r == EAI_NONAME) {
			hints.ai_flags = 0;
			r = getaddrinfo(k->host, port, &hints, &ai);
		}
		if (r != 0 || !ai) {
			snprintf(err, errlen, "can't resolve %s: %s", k->host, gai_strerror(r));
			if (ai)
				freeaddrinfo(ai);
			return -EHOSTUNREACH;
		}
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		sl = ai->ai_addrlen;
		family = ai->ai_family;
		freeaddrinfo(ai);
	}
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		int e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		close(fd);
		return -e;
	}
	if (loop_watch_fd(loop_of(c), fd, EPOLLOUT, on_sock, c) < 0) {
		int e = errno ? errno : ENOMEM;
		snprintf(err, errlen, "can't watch a socket: %s", strerror(e));
		close(fd);
		return -e;
	}
	c->sock = fd;
	return 0;
}

static void http_send(struct proc_checks *c)
{
	const struct conf_check *k = c->k;
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: supd-check\r\n"
			 "Connection: close\r\n\r\n",
			 k->path, k->port ? k->host : "localhost");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		result(c, "request too long");
		return;
	}
	/* A fresh socket's buffer takes a request this small whole. */
	ssize_t w = send(c->sock, req, (size_t)n, MSG_NOSIGNAL);
	if (w != n) {
		char e[96];
		snprintf(e, sizeof(e), "sending the request: %s",
			 w < 0 ? strerror(errno) : "short write");
		result(c, e);
		return;
	}
	c->sent = true;
	loop_modify_fd(loop_of(c), c->sock, EPOLLIN);
}

/* "HTTP/1.1 204 ..." : the status. */
static void http_read(struct proc_checks *c)
{
	ssize_t n = recv(c->sock, c->resp + c->resplen, sizeof(c->resp) - 1 - c->resplen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->resplen += (size_t)n;
	c->resp[c->resplen] = 0;
	if (n > 0 && c->resplen < 12)
		return;
	int code = 0;
	if (sscanf(c->resp, "HTTP/%*d.%*d %3d", &code) != 1) {
		result(c, n < 0 ? strerror(errno) : "no HTTP status line in the answer");
		return;
	}
	if (code >= 200 && code < 300) {
		result(c, NULL);
		return;
	}
	char e[48];
	snprintf(e, sizeof(e), "HTTP status %d", code);
	result(c, e);
}

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	struct proc_checks *c = arg;
	if (c->k->kind == CONF_CHECK_HTTP && c->sent) {
		http_read(c);
		return;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		result(c, strerror(soerr));
		return;
	}
	if (c->k->kind == CONF_CHECK_TCP)
		result(c, NULL);
	else
		http_send(c);
}

/* ---------------------------------------------------------------- exec */

static int exec_start(struct proc_checks *c, char *err, size_t errlen)
{
	struct proc *p = c->p;
	struct procs *t = p->tab;
	/* The program's own settings (user, directory, environment...)
	 * with the check's command; no output, stdin /dev/null. */
	struct conf_process probe = *p->conf;
	struct conf_settings ps = *p->conf->s; /* (shared: not written) */
	probe.s = &ps;
	probe.argv = c->k->argv;
	probe.command = c->k->spec;
	ps.redirect_stderr = false;
	struct spawn_req req = {
	    .p = &probe,
	    .server_url = p->conf->s->serverurl ? p->conf->s->serverurl : t->env.server_url,
	    .environ = t->env.environ,
	    .no_pipes = true,
	    .no_stdin_pipe = true,
	    .child_nofile = t->env.child_nofile,
	    .slots = t->env.slots,
	};
	struct spawn_child ch;
	int r = spawn_start(&req, &ch, err, errlen);
	if (r < 0)
		return r;
	if (ch.fd_in >= 0)
		close(ch.fd_in);
	/* The exit status says it all (127 for a failed exec). */
	if (ch.fd_exec >= 0)
		close(ch.fd_exec);
	c->probe_pid = ch.pid;
	list_push(&t->checks->execs, c, exec_link);
	return 0;
}

bool check_reaped(struct procs *t, pid_t pid, int st)
{
	if (!t->checks)
		return false;
	struct proc_checks *c, *next;
	list_foreach_safe (c, t->checks->execs, exec_link, next) {
		if (c->probe_pid != pid)
			continue;
		list_unlink(c, exec_link);
		c->probe_pid = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			result(c, NULL);
		} else {
			char e[96];
			result(c, proc_exit_text(st, e, sizeof(e)));
		}
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- probes */

static void probe(struct proc_checks *c)
{
	char err[160];
	int r = 0;
	c->probing = true;
	schedule(c, c->k->timeout_ms);
	switch (c->k->kind) {
	case CONF_CHECK_TCP:
	case CONF_CHECK_HTTP:
		r = sock_connect(c, err, sizeof(err));
		break;
	case CONF_CHECK_EXEC:
		r = exec_start(c, err, sizeof(err));
		break;
	default:
		c->probing = false;
		loop_timer_cancel(loop_of(c), &c->timer);
		return;
	}
	if (r < 0)
		result(c, err);
}

/* The probe timer: the next probe is due, or the one running timed out. */
static void on_timer(struct loop *l, void *arg)
{
	(void)l;
	struct proc_checks *c = arg;
	if (!c->probing) {
		probe(c);
		return;
	}
	char e[64];
	snprintf(e, sizeof(e), "no answer within %lldms", (long long)c->k->timeout_ms);
	result(c, e);
}

/* ready_timeout passed, or the watchdog was not fed in time. */
static void on_deadline(struct loop *l, void *arg)
{
	(void)l;
	struct proc_checks *c = arg;
	const struct conf_checks *k = conf_of(c);
	if (c->phase == PH_READY) {
		end_probe(c);
		loop_timer_cancel(loop_of(c), &c->timer);
		if (c->why[0])
			snprintf(c->last_err, sizeof(c->last_err),
				 "ready check %s did not pass within %lldms (last error: %s)",
				 k->ready.spec, (long long)k->ready_timeout_ms, c->why);
		else
			snprintf(c->last_err, sizeof(c->last_err),
				 "ready check %s did not pass within %lldms", k->ready.spec,
				 (long long)k->ready_timeout_ms);
		c->phase = PH_NONE;
		output_set_watch(c->p->out, NULL, NULL);
		close_watched(c, &c->fd_ready);
		log_warn("not ready: %s: %s", c->p->conf->name, c->last_err);
		proc_event(c->p, PROC_EV_NOT_READY);
		return;
	}
	if (c->phase == PH_HEALTH && k->health.kind == CONF_CHECK_NOTIFY) {
		char e[64];
		snprintf(e, sizeof(e), "no WATCHDOG=1 within %lldms", (long long)k->watchdog_ms);
		result(c, e);
	}
}

/* ---------------------------------------------------------------- log:REGEX */

static void match_line(struct proc_checks *c, const char *s, size_t n)
{
	char *line = c->line;
	if (c->linelen + n >= LINE_MAX_WATCH)
		n = LINE_MAX_WATCH - 1 - c->linelen;
	memcpy(line + c->linelen, s, n);
	line[c->linelen + n] = 0;
	c->linelen = 0;
	if (regexec(conf_of(c)->ready.regex, line, 0, NULL, 0) == 0)
		result(c, NULL);
}

static void on_output(struct output *o, enum output_channel ch, enum output_event ev,
		      const char *data, size_t len, void *arg)
{
	(void)o;
	(void)ch;
	(void)ev;
	struct proc_checks *c = arg;
	while (len && c->phase == PH_READY) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (nl) {
			match_line(c, data, n);
			n++;
		} else if (c->linelen + n >= LINE_MAX_WATCH - 1) {
			/* a line this long is matched by its start */
			match_line(c, data, n);
		} else {
			memcpy(c->line + c->linelen, data, n);
			c->linelen += n;
		}
		data += n;
		len -= n;
	}
}

/* ---------------------------------------------------------------- fd:N */

static void on_fd_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	struct proc_checks *c = arg;
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && memchr(buf, '\n', (size_t)n)) {
		result(c, NULL);
		return;
	}
	if (n <= 0) {
		char e[64];
		snprintf(e, sizeof(e), "fd %d closed without a newline", conf_of(c)->ready.fd);
		close_watched(c, &c->fd_ready);
		result(c, e);
	}
}

/* ---------------------------------------------------------------- notify */

static bool wants_notify(const struct conf_checks *k)
{
	return k && (k->ready.kind == CONF_CHECK_NOTIFY || k->health.kind == CONF_CHECK_NOTIFY);
}

/* What a process said, as sd_notify(3) says it: newline-separated
 * assignments. */
static void notify_message(struct proc *p, char *msg)
{
	struct proc_checks *c = p->chk;
	const struct conf_checks *k = p->conf->s->checks;
	char *save = NULL;
	for (char *a = strtok_r(msg, "\n", &save); a; a = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(a, "READY=1")) {
			if (c->phase == PH_READY && k->ready.kind == CONF_CHECK_NOTIFY)
				result(c, NULL);
		} else if (!strncmp(a, "STATUS=", 7)) {
			free(c->status_text);
			c->status_text = strdup(a + 7);
			changed(p, PROC_CHANGE_STATUS);
		} else if (!strcmp(a, "WATCHDOG=1")) {
			if (c->phase == PH_HEALTH && k->health.kind == CONF_CHECK_NOTIFY) {
				loop_timer_arm(loop_of(c), &c->deadline,
					       loop_now_ms() + k->watchdog_ms);
				result(c, NULL);
			}
		} else if (!strncmp(a, "MAINPID=", 8)) {
			c->main_pid = (pid_t)atol(a + 8);
		} else if (!strcmp(a, "STOPPING=1")) {
			/* It stops by itself: no health verdict meanwhile. */
			if (c->phase == PH_HEALTH) {
				loop_timer_cancel(loop_of(c), &c->deadline);
				end_probe(c);
				loop_timer_cancel(loop_of(c), &c->timer);
				c->phase = PH_NONE;
			}
			free(c->status_text);
			c->status_text = strdup("stopping");
			changed(p, PROC_CHANGE_STATUS);
		}
	}
}

/* The sender is known by the kernel's credentials, not by what it says:
 * the main process of a program, or one in its process group (a script's
 * systemd-notify), speaks for that program only. */
static void on_notify(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	struct check_ctx *x = arg;
	for (int i = 0; i < 64; i++) {
		char buf[4097];
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred))];
		} cm;
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof(cm)};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return;
		buf[n] = 0;
		struct ucred uc = {0};
		bool have = false;
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
				memcpy(&uc, CMSG_DATA(h), sizeof(uc));
				have = true;
			} else if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
				/* fd store: not supported; never leak them */
				int *fds = (int *)CMSG_DATA(h);
				size_t nf = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t j = 0; j < nf; j++)
					close(fds[j]);
			}
		}
		if (!have || uc.pid <= 0)
			continue;
		struct proc *p = procs_find_pid(x->t, uc.pid);
		if (!p) {
			pid_t pg = getpgid(uc.pid);
			p = pg > 0 ? procs_find_pid(x->t, pg) : NULL;
		}
		if (!p || !p->chk || !wants_notify(p->conf->s->checks)) {
			log_debug("notify message from pid %d ignored: not a program with "
				  "notify checks (or one of its process group)",
				  (int)uc.pid);
			continue;
		}
		notify_message(p, buf);
	}
}

static int notify_open(struct check_ctx *x)
{
	if (x->notify_fd >= 0)
		return 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	/* An abstract address: nothing to clean up, nothing for another
	 * user's files to collide with; sd_notify reads '@' as abstract. */
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int len = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "supd-notify/%d/%lx",
			   (int)getpid(), (unsigned long)(uintptr_t)x);
	if (bind(fd, (struct sockaddr *)&un,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (loop_watch_fd(x->t->env.loop, fd, EPOLLIN, on_notify, x) < 0) {
		int e = errno ? errno : ENOMEM;
		close(fd);
		return -e;
	}
	x->notify_fd = fd;
	snprintf(x->notify_env, sizeof(x->notify_env), "NOTIFY_SOCKET=@%s", un.sun_path + 1);
	return 0;
}

/* ---------------------------------------------------------------- life */

void check_ctx_free(struct check_ctx *x)
{
	if (!x)
		return;
	if (x->notify_fd >= 0) {
		loop_unwatch_fd(x->t->env.loop, x->notify_fd);
		close(x->notify_fd);
	}
	free(x);
}

static struct check_ctx *ctx_of(struct procs *t)
{
	if (!t->checks) {
		t->checks = calloc(1, sizeof(*t->checks));
		if (t->checks) {
			t->checks->t = t;
			t->checks->notify_fd = -1;
		}
	}
	return t->checks;
}

int check_prepare(struct proc *p, struct spawn_req *req, char *err, size_t errlen)
{
	const struct conf_checks *k = p->conf->s->checks;
	if (!k)
		return 0;
	struct check_ctx *x = ctx_of(p->tab);
	if (!p->chk) {
		p->chk = calloc(1, sizeof(*p->chk));
		if (!p->chk || !x) {
			snprintf(err, errlen, "out of memory for the checks of '%s'",
				 p->conf->name);
			return -ENOMEM;
		}
		p->chk->p = p;
		p->chk->sock = -1;
		p->chk->fd_ready = -1;
		p->chk->fd_ready_w = -1;
		loop_timer_init(&p->chk->timer, on_timer, p->chk);
		loop_timer_init(&p->chk->deadline, on_deadline, p->chk);
	}
	struct proc_checks *c = p->chk;
	check_halt(p);
	c->ready = false;
	c->abandoned = false;
	c->after = CHECK_AFTER_NOTHING;
	c->fails = 0;
	c->health = PROC_HEALTH_UNKNOWN;
	c->last_err[0] = 0;
	c->why[0] = 0;
	c->main_pid = 0;
	free(c->status_text);
	c->status_text = NULL;
	const char **env = x->env;
	size_t ne = 0;
	if (wants_notify(k)) {
		int r = notify_open(x);
		if (r < 0) {
			snprintf(err, errlen, "can't make the notify socket for '%s': %s",
				 p->conf->name, strerror(-r));
			return r;
		}
		env[ne++] = x->notify_env;
		if (k->watchdog_ms) {
			snprintf(x->watchdog_env, sizeof(x->watchdog_env), "WATCHDOG_USEC=%lld",
				 (long long)k->watchdog_ms * 1000);
			env[ne++] = x->watchdog_env;
		}
	}
	env[ne] = NULL;
	req->extra_env = ne ? env : NULL;
	if (k->ready.kind == CONF_CHECK_FD) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
			snprintf(err, errlen, "can't make the fd:%d pipe for '%s': %s", k->ready.fd,
				 p->conf->name, strerror(errno));
			return -errno;
		}
		c->fd_ready = fds[0];
		c->fd_ready_w = fds[1];
		req->extra_fd = fds[1];
		req->extra_fd_num = k->ready.fd;
		req->slots = NULL; /* the plain fork keeps the fd until exec */
	}
	return 0;
}

void check_spawned(struct proc *p, bool ok)
{
	struct proc_checks *c = p->chk;
	const struct conf_checks *k = p->conf->s->checks;
	if (!c || !k)
		return;
	if (c->fd_ready_w >= 0)
		close(c->fd_ready_w);
	c->fd_ready_w = -1;
	if (!ok || k->ready.kind == CONF_CHECK_NONE) {
		close_watched(c, &c->fd_ready);
		return;
	}
	c->phase = PH_READY;
	c->k = &k->ready;
	loop_timer_arm(loop_of(c), &c->deadline, p->start_ms + k->ready_timeout_ms);
	switch (k->ready.kind) {
	case CONF_CHECK_LOG:
		if (!c->line)
			c->line = malloc(LINE_MAX_WATCH);
		c->linelen = 0;
		if (c->line && p->out)
			output_set_watch(p->out, on_output, c);
		else
			snprintf(c->last_err, sizeof(c->last_err), "ready check %s: no output",
				 k->ready.spec);
		break;
	case CONF_CHECK_FD:
		if (c->fd_ready >= 0 &&
		    loop_watch_fd(loop_of(c), c->fd_ready, EPOLLIN, on_fd_ready, c) < 0)
			close_watched(c, &c->fd_ready);
		break;
	case CONF_CHECK_NOTIFY:
		break;
	default:
		/* The first probe soon: most programs are ready within a
		 * fraction of the interval. */
		schedule(c, k->ready.interval_ms < 100 ? k->ready.interval_ms : 100);
	}
}

void check_running(struct proc *p)
{
	struct proc_checks *c = p->chk;
	const struct conf_checks *k = p->conf->s->checks;
	if (!c || !k || k->health.kind == CONF_CHECK_NONE)
		return;
	c->phase = PH_HEALTH;
	c->k = &k->health;
	c->fails = 0;
	if (k->health.kind == CONF_CHECK_NOTIFY)
		loop_timer_arm(loop_of(c), &c->deadline, loop_now_ms() + k->watchdog_ms);
	else
		schedule(c, k->health.interval_ms);
}

/* No probe, no timer, no fd:N pipe. */
static void quiesce(struct proc_checks *c)
{
	end_probe(c);
	loop_timer_cancel(loop_of(c), &c->timer);
	loop_timer_cancel(loop_of(c), &c->deadline);
	close_watched(c, &c->fd_ready);
}

void check_halt(struct proc *p)
{
	struct proc_checks *c = p->chk;
	if (!c)
		return;
	quiesce(c);
	if (c->phase == PH_READY && p->out)
		output_set_watch(p->out, NULL, NULL);
	c->phase = PH_NONE;
	if (c->health != PROC_HEALTH_UNKNOWN && !p->pid)
		set_health(c, PROC_HEALTH_UNKNOWN);
}

void check_rebind(struct proc *p)
{
	struct proc_checks *c = p->chk;
	const struct conf_checks *k = p->conf->s->checks;
	if (!c)
		return;
	if (!k) {
		/* cannot be (equal configs), but never keep a stale pointer */
		check_halt(p);
		return;
	}
	if (c->phase == PH_READY)
		c->k = &k->ready;
	else if (c->phase == PH_HEALTH)
		c->k = &k->health;
}

void check_free(struct proc *p)
{
	struct proc_checks *c = p->chk;
	if (!c)
		return;
	quiesce(c);
	free(c->line);
	free(c->status_text);
	free(c);
	p->chk = NULL;
}

/* ---------------------------------------------------------------- queries */

bool check_ready_passed(const struct proc *p)
{
	return p->chk && p->chk->ready;
}

void check_abandon(struct proc *p)
{
	if (p->chk)
		p->chk->abandoned = true;
}

bool check_abandoned(const struct proc *p)
{
	return p->chk && p->chk->abandoned;
}

void check_set_after(struct proc *p, enum check_after a)
{
	if (p->chk)
		p->chk->after = a;
}

enum check_after check_take_after(struct proc *p)
{
	if (!p->chk)
		return CHECK_AFTER_NOTHING;
	enum check_after a = p->chk->after;
	p->chk->after = CHECK_AFTER_NOTHING;
	return a;
}

bool check_has_ready(const struct proc *p)
{
	return p->conf->s->checks && p->conf->s->checks->ready.kind != CONF_CHECK_NONE;
}

const char *check_last_error(const struct proc *p)
{
	return p->chk && p->chk->last_err[0] ? p->chk->last_err : NULL;
}

int check_health_restarts(const struct proc *p)
{
	return p->chk ? p->chk->health_restarts : 0;
}

void check_reset_health_restarts(struct proc *p)
{
	if (p->chk)
		p->chk->health_restarts = 0;
}

void check_count_health_restart(struct proc *p)
{
	if (p->chk)
		p->chk->health_restarts++;
}

bool proc_is_ready(const struct proc *p)
{
	return p->state == PROC_RUNNING && (!check_has_ready(p) || check_ready_passed(p));
}

enum proc_health proc_health(const struct proc *p)
{
	if (!p->conf->s->checks || p->conf->s->checks->health.kind == CONF_CHECK_NONE)
		return PROC_HEALTH_NONE;
	if (!p->chk || p->state != PROC_RUNNING)
		return PROC_HEALTH_UNKNOWN;
	return p->chk->health;
}

const char *proc_health_name(enum proc_health h)
{
	switch (h) {
	case PROC_HEALTH_NONE:
		return "none";
	case PROC_HEALTH_UNKNOWN:
		return "unknown";
	case PROC_HEALTH_HEALTHY:
		return "healthy";
	case PROC_HEALTH_UNHEALTHY:
		return "unhealthy";
	}
	return "unknown";
}

const char *proc_check_error(const struct proc *p)
{
	return check_last_error(p);
}

const char *proc_status_text(const struct proc *p)
{
	return p->chk ? p->chk->status_text : NULL;
}

void check_describe(const struct proc *p, char *buf, size_t len)
{
	const struct proc_checks *c = p->chk;
	size_t used = strlen(buf);
	if (!c || used + 1 >= len)
		return;
	char *o = buf + used;
	size_t room = len - used;
	int n = 0;
	if (p->state == PROC_STARTING && c->phase == PH_READY)
		n = snprintf(o, room, "%swaiting for ready check %s%s%s", used ? ", " : "",
			     c->k->spec, c->why[0] ? ": " : "", c->why);
	else if (p->state == PROC_RUNNING && proc_health(p) != PROC_HEALTH_NONE)
		n = snprintf(o, room, "%s%s", used ? ", " : "", proc_health_name(proc_health(p)));
	if (n < 0 || (size_t)n >= room)
		return;
	if (c->status_text && c->status_text[0] && p->pid)
		snprintf(o + n, room - (size_t)n, "%s%s", used || n ? ", " : "", c->status_text);
}

/* Event listener pools and event dispatch (events.h). */
#include "config.h"

#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "list.h"
#include "log.h"
#include "upgrade.h"
#include "utf8.h"

struct pool {
	LIST_LINK(struct pool) link;
	char *name; /* the group */
	uint32_t mask;
	uint64_t poolserial; /* the next one */
	struct ev_queue q;
	size_t want; /* buffer_size, while configuring */
	bool keep;
	bool to_stdout; /* result_handler=supervisor_stdout:event_handler */
	struct events_pool_stats st;
};

/* supervisor_stdout's handler prints the result body: keep that much of
 * it (a PROCESS_LOG event carries at most one 128 KiB read). */
#define STDOUT_RESULT_MAX (1024 * 1024)
#define STDOUT_HANDLER	  "supervisor_stdout:event_handler"

struct pool_listener {
	LIST_LINK(struct pool_listener) link; /* in attach order */
	struct events *e;
	struct proc *p;
	int out_fd; /* its stdout: the protocol */
	int in_fd;  /* a duplicate of its stdin pipe, non-blocking; -1: none */
	struct ev_proto proto;
	struct ev *cur; /* sent, not answered yet (BUSY) */
	uint64_t cur_poolserial;
	char *wbuf; /* bytes the pipe has not taken yet */
	size_t wlen, woff;
	bool wwatch;
	bool ready; /* became READY during a feed: dispatch after it */
	char *res;  /* the result body, for supervisor_stdout's handler */
	size_t reslen;
};

struct tick {
	struct loop_timer t;
	struct events *e;
	enum ev_type type;
	long period;
	long long last; /* the current slice (epoch seconds) */
};

struct events {
	struct loop *loop;
	struct procs *procs;
	struct proc_hook hook;
	char *server;
	uint64_t serial; /* the next global serial */
	uint32_t wanted; /* every pool's mask */
	struct pool *pools;
	struct pool_listener *ls;
	struct tick ticks[3];
};

static struct pool *find_pool(const struct events *e, const char *name)
{
	for (struct pool *p = e->pools; p; p = p->link.next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static struct pool_listener *find_listener(const struct events *e, const struct proc *p)
{
	for (struct pool_listener *l = e->ls; l; l = l->link.next)
		if (l->p == p)
			return l;
	return NULL;
}

static void lstate(struct pool_listener *l, enum ev_lstate from, enum ev_lstate to)
{
	const char *name = l->p->conf->name;
	log_debug("%s: %s -> %s", name, ev_lstate_name(from), ev_lstate_name(to));
	if (to == EVL_UNKNOWN)
		log_warn(
		    "%s: has entered the UNKNOWN state and will no longer receive events, this "
		    "usually indicates the process violated the eventlistener protocol",
		    name);
}

/* ---------------------------------------------------------------- buffering */

static void accept_event(struct events *e, struct pool *pool, struct ev *ev, uint64_t poolserial,
			 bool head)
{
	uint64_t dropped;
	if (!head)
		pool->st.buffered++;
	if (ev_queue_push(&pool->q, ev, poolserial, head, &dropped) > 0) {
		pool->st.dropped++;
		log_error("pool %s event buffer overflowed, discarding event %llu", pool->name,
			  (unsigned long long)dropped);
	}
}

static void dispatch(struct events *e, struct pool *pool);

/* The listener's event was rejected (a non-OK result, a bad result line,
 * or its death while BUSY): back to the head of its pool's buffer. */
static void reject(struct pool_listener *l)
{
	struct ev *ev = l->cur;
	l->cur = NULL;
	if (!ev)
		return;
	struct pool *pool = find_pool(l->e, l->p->conf->group);
	if (pool) {
		pool->st.rejected++;
		log_debug("rebuffering event %llu for pool %s (buf size=%zu, max=%zu)",
			  (unsigned long long)ev->serial, pool->name, pool->q.n, pool->q.cap);
		accept_event(l->e, pool, ev, l->cur_poolserial, true);
	}
	ev_put(ev);
}

/* ---------------------------------------------------------------- writing */

static void flush(struct pool_listener *l);

static void in_cb(struct loop *lp, int fd, uint32_t events, void *arg)
{
	(void)lp;
	(void)fd;
	(void)events;
	struct pool_listener *l = arg;
	flush(l);
	struct pool *pool = l->wlen ? NULL : find_pool(l->e, l->p->conf->group);
	if (pool)
		dispatch(l->e, pool); /* it may take events again */
}

static void drop_wbuf(struct pool_listener *l)
{
	if (l->wwatch)
		loop_unwatch_fd(l->e->loop, l->in_fd);
	l->wwatch = false;
	free(l->wbuf);
	l->wbuf = NULL;
	l->wlen = l->woff = 0;
}

/* Writes what the pipe takes now; the rest waits for EPOLLOUT.  Returns 0
 * or a negative errno (the listener closed its stdin). */
static int flush_now(struct pool_listener *l)
{
	while (l->woff < l->wlen) {
		ssize_t n = write(l->in_fd, l->wbuf + l->woff, l->wlen - l->woff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!l->wwatch &&
			    loop_watch_fd(l->e->loop, l->in_fd, EPOLLOUT, in_cb, l) == 0)
				l->wwatch = true;
			return 0;
		}
		if (n < 0)
			return -errno;
		l->woff += (size_t)n;
	}
	drop_wbuf(l);
	return 0;
}

static void flush(struct pool_listener *l)
{
	int r = flush_now(l);
	if (r < 0) {
		log_debug("%s: writing an event: %s", l->p->conf->name, strerror(-r));
		drop_wbuf(l);
	}
}

/* Queues header and payload for l and writes what fits.  Returns 0, or a
 * negative errno with nothing queued (EPIPE: it closed its stdin). */
static int send_event(struct pool_listener *l, struct pool *pool, const struct ev_slot *s)
{
	char head[512];
	int hn = ev_header(head, sizeof(head), l->e->server, s->ev->serial, pool->name,
			   s->poolserial, s->ev);
	if (hn < 0)
		return hn;
	size_t add = (size_t)hn + s->ev->len;
	bool was_empty = l->wlen == l->woff;
	char *nb = realloc(l->wbuf, l->wlen + add);
	if (!nb)
		return -ENOMEM;
	l->wbuf = nb;
	memcpy(nb + l->wlen, head, (size_t)hn);
	memcpy(nb + l->wlen + hn, s->ev->payload, s->ev->len);
	size_t before = l->wlen;
	l->wlen += add;
	int r = flush_now(l);
	if (r < 0 && was_empty && l->woff == before) {
		/* Nothing of it went out: as supervisord on EPIPE, the event
		 * stays buffered and the listener's state is unchanged. */
		drop_wbuf(l);
		return r;
	}
	if (r < 0)
		drop_wbuf(l);
	return 0;
}

/* supervisord's _dispatchEvent, for as long as events and READY listeners
 * last: the oldest event to the first RUNNING listener that is READY. */
static void dispatch(struct events *e, struct pool *pool)
{
	for (struct pool_listener *l = e->ls; l && pool->q.n; l = l->link.next) {
		/* A listener still holding unwritten bytes gets nothing more: it
		 * answered without reading (a protocol violation), and what
		 * waits for it stays bounded by one event. */
		if (l->p->state != PROC_RUNNING || l->proto.state != EVL_READY || l->in_fd < 0 ||
		    l->wlen > l->woff || strcmp(l->p->conf->group, pool->name))
			continue;
		struct ev_slot s = pool->q.v[pool->q.head];
		int r = send_event(l, pool, &s);
		if (r < 0) {
			log_debug("%s: event %llu not sent: %s", l->p->conf->name,
				  (unsigned long long)s.ev->serial, strerror(-r));
			continue;
		}
		ev_queue_pop(&pool->q, &s);
		pool->st.dispatched++;
		l->cur = s.ev; /* the queue's reference */
		l->cur_poolserial = s.poolserial;
		ev_proto_sent(&l->proto);
		lstate(l, EVL_READY, EVL_BUSY);
		log_debug("event %llu sent to listener %s", (unsigned long long)s.ev->serial,
			  l->p->conf->name);
	}
}

/* ---------------------------------------------------------------- reading */

static void write_out(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* as print() to a closed stdout: nothing to do */
		p += w;
		n -= (size_t)w;
	}
}

/* supervisor_stdout's event_handler (the plugin of that name, which
 * supd runs natively): the listener echoes the event as its result,
 * "processname:X ... channel:C" then a newline then the data, and each
 * line of the data is printed as "X C | line" on supd's stdout.  As the
 * Python code, the data's last newline yields one more, empty, prefixed
 * line.  Returns -EINVAL where the plugin raises (no newline, a header
 * word without exactly one ':', no processname or channel). */
static int stdout_handler(const char *res, size_t len)
{
	const char *nl = memchr(res, '\n', len);
	if (!nl)
		return -EINVAL;
	const char *name = NULL, *chan = NULL;
	size_t namelen = 0, chanlen = 0;
	for (const char *w = res; w < nl;) {
		while (w < nl && strchr(" \t\r\v\f", *w))
			w++;
		if (w == nl)
			break;
		const char *end = w;
		while (end < nl && !strchr(" \t\r\v\f", *end))
			end++;
		const char *colon = memchr(w, ':', (size_t)(end - w));
		if (!colon || memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return -EINVAL;
		if (colon - w == 11 && !memcmp(w, "processname", 11)) {
			name = colon + 1;
			namelen = (size_t)(end - name);
		} else if (colon - w == 7 && !memcmp(w, "channel", 7)) {
			chan = colon + 1;
			chanlen = (size_t)(end - chan);
		}
		w = end;
	}
	if (!name || !chan)
		return -EINVAL;
	char prefix[512];
	int pn = snprintf(prefix, sizeof(prefix), "%.*s %.*s | ", (int)namelen, name, (int)chanlen,
			  chan);
	if (pn < 0 || (size_t)pn >= sizeof(prefix))
		pn = (int)sizeof(prefix) - 1;
	const char *d = nl + 1, *end = res + len;
	for (;;) {
		const char *e = memchr(d, '\n', (size_t)(end - d));
		write_out(prefix, (size_t)pn);
		write_out(d, (size_t)((e ? e : end) - d));
		write_out("\n", 1);
		if (!e)
			break;
		d = e + 1;
	}
	return 0;
}

static void result_reset(struct pool_listener *l)
{
	free(l->res);
	l->res = NULL;
	l->reslen = 0;
}

static void result_piece(struct pool_listener *l, const char *data, size_t len)
{
	struct pool *pool = find_pool(l->e, l->p->conf->group);
	if (!pool || !pool->to_stdout || l->reslen >= STDOUT_RESULT_MAX)
		return;
	if (len > STDOUT_RESULT_MAX - l->reslen)
		len = STDOUT_RESULT_MAX - l->reslen;
	char *n = realloc(l->res, l->reslen + len);
	if (!n)
		return;
	memcpy(n + l->reslen, data, len);
	l->res = n;
	l->reslen += len;
}

/* The pool's result handler: 0 accepted, 1 rejected, < 0 it raised. */
static int handle_result(struct pool_listener *l, const char *body, size_t len)
{
	struct pool *pool = find_pool(l->e, l->p->conf->group);
	if (pool && pool->to_stdout) {
		int r = stdout_handler(l->res ? l->res : "", l->reslen);
		result_reset(l);
		return r;
	}
	return len == 2 && !memcmp(body, "OK", 2) ? 0 : 1;
}

static void proto_cb(void *arg, enum ev_proto_what what, const char *data, size_t len)
{
	struct pool_listener *l = arg;
	const char *name = l->p->conf->name;
	switch (what) {
	case EVP_READY:
		lstate(l, EVL_ACKNOWLEDGED, EVL_READY);
		l->ready = true;
		break;
	case EVP_BAD_READY:
		lstate(l, EVL_ACKNOWLEDGED, EVL_UNKNOWN);
		break;
	case EVP_SPURIOUS:
		lstate(l, EVL_READY, EVL_UNKNOWN);
		break;
	case EVP_BAD_RESULT:
		if (utf8_valid((const unsigned char *)data, len)) {
			log_warn("%s: bad result line: '%.*s'", name, (int)len, data);
		} else {
			/* the listener's bytes, kept out of supd's log as they are */
			struct buf b = {0};
			utf8_pyrepr(&b, (const unsigned char *)data, len);
			log_warn("%s: bad result line: %s", name, b.oom ? "(undecodable)" : b.p);
			free(b.p);
		}
		lstate(l, EVL_BUSY, EVL_UNKNOWN);
		result_reset(l);
		reject(l);
		break;
	case EVP_BODY:
		result_piece(l, data, len);
		break;
	case EVP_RESULT: {
		int r = handle_result(l, data, len);
		if (r == 0) {
			struct pool *pool = find_pool(l->e, l->p->conf->group);
			if (pool)
				pool->st.processed++;
			log_debug("%s: event was processed", name);
			lstate(l, EVL_BUSY, EVL_ACKNOWLEDGED);
			ev_put(l->cur);
			l->cur = NULL;
		} else if (r > 0) {
			log_warn("%s: event was rejected", name);
			lstate(l, EVL_BUSY, EVL_ACKNOWLEDGED);
			reject(l);
		} else {
			log_warn("%s: event caused an error", name);
			l->proto.state = EVL_UNKNOWN;
			lstate(l, EVL_BUSY, EVL_UNKNOWN);
			reject(l);
		}
		break;
	}
	}
}

/* Reads at most max chunks; returns false at EOF or on an error. */
static bool read_out(struct pool_listener *l, int max)
{
	char buf[4096];
	for (int i = 0; i < max; i++) {
		ssize_t n = read(l->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		ev_proto_feed(&l->proto, buf, (size_t)n, proto_cb, l);
	}
	return true;
}

static void close_out(struct pool_listener *l)
{
	if (l->out_fd < 0)
		return;
	loop_unwatch_fd(l->e->loop, l->out_fd);
	close(l->out_fd);
	l->out_fd = -1;
}

static void after_read(struct pool_listener *l)
{
	struct pool *pool = find_pool(l->e, l->p->conf->group);
	/* A rejected event or a READY listener: both may allow a dispatch. */
	l->ready = false;
	if (pool)
		dispatch(l->e, pool);
}

static void out_cb(struct loop *lp, int fd, uint32_t events, void *arg)
{
	(void)lp;
	(void)fd;
	(void)events;
	struct pool_listener *l = arg;
	if (!read_out(l, 16))
		close_out(l);
	after_read(l);
}

/* ---------------------------------------------------------------- listeners */

static void listener_free(struct pool_listener *l, bool requeue)
{
	if (l->out_fd >= 0)
		read_out(l, 16); /* its last words may be a RESULT */
	close_out(l);
	drop_wbuf(l);
	if (l->in_fd >= 0)
		close(l->in_fd);
	if (requeue)
		reject(l);
	ev_put(l->cur);
	result_reset(l);
	list_unlink(l, link);
	free(l);
}

int events_attach(struct proc *p, int fd_out, void *arg)
{
	struct events *e = arg;
	struct pool_listener *old = find_listener(e, p);
	if (old)
		listener_free(old, true);
	struct pool_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->e = e;
	l->p = p;
	l->in_fd = -1;
	l->out_fd = fd_out;
	ev_proto_reset(&l->proto);
	if (p->stdin_fd >= 0) {
		l->in_fd = fcntl(p->stdin_fd, F_DUPFD_CLOEXEC, 3);
		int fl = l->in_fd >= 0 ? fcntl(l->in_fd, F_GETFL) : -1;
		if (fl >= 0)
			fcntl(l->in_fd, F_SETFL, fl | O_NONBLOCK);
	}
	if (l->in_fd < 0)
		log_warn("event listener '%s' has no stdin pipe: it will receive no events",
			 p->conf->name);
	int r = loop_watch_fd(e->loop, fd_out, EPOLLIN, out_cb, l);
	if (r < 0) {
		if (l->in_fd >= 0)
			close(l->in_fd);
		free(l);
		return r;
	}
	list_append(&e->ls, l, link);
	return 0;
}

/* ---------------------------------------------------------------- events */

void events_pool_stats(const struct events *e, events_pool_cb *cb, void *arg)
{
	for (const struct pool *p = e->pools; p; p = p->link.next) {
		struct events_pool_stats s = p->st;
		s.queued = p->q.n;
		cb(p->name, &s, arg);
	}
}

bool events_wanted(const struct events *e, enum ev_type t)
{
	return e && (e->wanted & (1u << t));
}

int events_notify(struct events *e, struct ev *ev)
{
	if (!ev)
		return -ENOMEM;
	for (struct pool *pool = e->pools; pool; pool = pool->link.next) {
		if (!(pool->mask & (1u << ev->type)))
			continue;
		if (!ev->has_serial) {
			ev->serial = e->serial++;
			ev->has_serial = true;
		}
		accept_event(e, pool, ev, pool->poolserial++, false);
		dispatch(e, pool);
	}
	ev_put(ev);
	return 0;
}

void events_log(struct proc *p, int channel, bool comm, const char *data, size_t len, void *arg)
{
	struct events *e = arg;
	enum ev_type t =
	    comm ? (channel ? EV_PROCESS_COMMUNICATION_STDERR : EV_PROCESS_COMMUNICATION_STDOUT)
		 : (channel ? EV_PROCESS_LOG_STDERR : EV_PROCESS_LOG_STDOUT);
	if (!events_wanted(e, t))
		return;
	char head[512];
	int hn = snprintf(head, sizeof(head), "processname:%s groupname:%s pid:%ld", p->conf->name,
			  p->conf->group, (long)p->pid);
	/* Only PROCESS_LOG names the channel: its type is per channel too,
	 * but supervisord's payload has it. */
	if (hn > 0 && (size_t)hn < sizeof(head))
		hn += snprintf(head + hn, sizeof(head) - (size_t)hn, "%s\n",
			       comm	 ? ""
			       : channel ? " channel:stderr"
					 : " channel:stdout");
	struct ev *ev = NULL;
	if (hn > 0 && (size_t)hn < sizeof(head)) {
		ev = ev_new(t, NULL, (size_t)hn + len);
		if (ev) {
			memcpy(ev->payload, head, (size_t)hn);
			memcpy(ev->payload + hn, data, len);
		}
	}
	if (events_notify(e, ev) < 0)
		log_error("out of memory: %s event of '%s' lost", ev_type_name(t), p->conf->name);
}

static enum ev_type state_type(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:
		return EV_PROCESS_STATE_STOPPED;
	case PROC_STARTING:
		return EV_PROCESS_STATE_STARTING;
	case PROC_RUNNING:
		return EV_PROCESS_STATE_RUNNING;
	case PROC_BACKOFF:
		return EV_PROCESS_STATE_BACKOFF;
	case PROC_STOPPING:
		return EV_PROCESS_STATE_STOPPING;
	case PROC_EXITED:
		return EV_PROCESS_STATE_EXITED;
	case PROC_FATAL:
		return EV_PROCESS_STATE_FATAL;
	default:
		return EV_PROCESS_STATE_UNKNOWN;
	}
}

static void hook_cb(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct events *e = arg;
	struct pool_listener *l = find_listener(e, p);
	if (to == PROC_REMOVED) {
		if (l)
			listener_free(l, true);
		return;
	}
	/* A listener that is gone rejects its event first, as supervisord's
	 * finish() does before the state change is announced. */
	if (l && to != PROC_STARTING && to != PROC_RUNNING && to != PROC_STOPPING) {
		struct pool *pool = find_pool(e, p->conf->group);
		listener_free(l, true);
		l = NULL;
		if (pool)
			dispatch(e, pool);
	}
	enum ev_type t = state_type(to);
	if (events_wanted(e, t)) {
		/* The pid of a run that just ended is still reported. */
		long pid = p->pid
			       ? p->pid
			       : (from == PROC_STOPPING || from == PROC_RUNNING ? p->last_pid : 0);
		bool expected =
		    p->exitstatus >= 0 && conf_exitcode_expected(p->conf, p->exitstatus);
		struct ev *ev = ev_process_state(t, p->conf->name, p->conf->group,
						 proc_state_name(from), p->backoff, pid, expected);
		if (events_notify(e, ev) < 0)
			log_error("out of memory: %s event of '%s' lost", ev_type_name(t),
				  p->conf->name);
	}
	if (l && to == PROC_RUNNING) {
		struct pool *pool = find_pool(e, p->conf->group);
		if (pool)
			dispatch(e, pool);
	}
}

/* ---------------------------------------------------------------- ticks */

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Arms the deadline for the next slice boundary (wall clock, as
 * supervisord's timeslice), converted to the loop's monotonic clock. */
static void tick_arm(struct tick *k)
{
	long long now = wall_ms();
	long long next = (now / 1000 / k->period + 1) * k->period * 1000;
	loop_timer_arm(k->e->loop, &k->t, loop_now_ms() + (next - now));
}

static void tick_cb(struct loop *lp, void *arg)
{
	(void)lp;
	struct tick *k = arg;
	long long slice = wall_ms() / 1000 / k->period * k->period;
	if (slice != k->last) {
		k->last = slice;
		if (events_notify(k->e, ev_newf(k->type, "when:%lld", slice)) < 0)
			log_error("out of memory: %s event lost", ev_type_name(k->type));
	}
	tick_arm(k);
}

/* ---------------------------------------------------------------- set-up */

/* supd's PROCESS_HEALTH_HEALTHY/_UNHEALTHY (doc/readiness.md): a health
 * check's verdict changed.  The payload is PROCESS_STATE's first fields. */
static void health_cb(struct proc *p, enum proc_change what, void *arg)
{
	struct events *e = arg;
	enum proc_health h = proc_health(p);
	if (what != PROC_CHANGE_HEALTH || (h != PROC_HEALTH_HEALTHY && h != PROC_HEALTH_UNHEALTHY))
		return;
	enum ev_type t =
	    h == PROC_HEALTH_HEALTHY ? EV_PROCESS_HEALTH_HEALTHY : EV_PROCESS_HEALTH_UNHEALTHY;
	if (!events_wanted(e, t))
		return;
	struct ev *ev = ev_newf(t, "processname:%s groupname:%s pid:%ld", p->conf->name,
				p->conf->group, (long)p->pid);
	if (!ev || events_notify(e, ev) < 0)
		log_error("out of memory: %s event of '%s' lost", ev_type_name(t), p->conf->name);
}

int events_new(struct events **out, struct loop *l, struct procs *t)
{
	struct events *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->loop = l;
	e->procs = t;
	static const struct {
		enum ev_type type;
		long period;
	} kinds[3] = {{EV_TICK_5, 5}, {EV_TICK_60, 60}, {EV_TICK_3600, 3600}};
	for (int i = 0; i < 3; i++) {
		struct tick *k = &e->ticks[i];
		loop_timer_init(&k->t, tick_cb, k);
		k->e = e;
		k->type = kinds[i].type;
		k->period = kinds[i].period;
	}
	e->hook.cb = hook_cb;
	e->hook.changed = health_cb;
	e->hook.arg = e;
	procs_add_hook(t, &e->hook);
	*out = e;
	return 0;
}

static void pool_free(struct pool *p)
{
	ev_queue_fini(&p->q);
	free(p->name);
	free(p);
}

void events_free(struct events *e)
{
	if (!e)
		return;
	procs_remove_hook(e->procs, &e->hook);
	while (e->ls)
		listener_free(e->ls, false);
	while (e->pools) {
		struct pool *p = e->pools;
		list_unlink(p, link);
		pool_free(p);
	}
	for (int i = 0; i < 3; i++)
		loop_timer_cancel(e->loop, &e->ticks[i].t);
	free(e->server);
	free(e);
}

static uint32_t subscription(const struct conf_process *cp)
{
	uint32_t m = 0;
	for (size_t i = 0; i < cp->s->nevents; i++) {
		int t = ev_type_parse(cp->s->events[i]);
		if (t >= 0)
			m |= ev_type_mask((enum ev_type)t);
	}
	return m;
}

int events_configure(struct events *e, const struct conf *c)
{
	char *server = strdup(c->supd.identifier ? c->supd.identifier : "supervisor");
	if (!server)
		return -ENOMEM;
	free(e->server);
	e->server = server;
	for (struct pool *p = e->pools; p; p = p->link.next)
		p->keep = false;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct conf_process *cp = &c->procs[i];
		if (cp->s->kind != CONF_EVENTLISTENER)
			continue;
		struct pool *p = find_pool(e, cp->group);
		if (!p) {
			p = calloc(1, sizeof(*p));
			if (!p || !(p->name = strdup(cp->group)) ||
			    ev_queue_init(&p->q, (size_t)cp->s->buffer_size) < 0) {
				if (p)
					free(p->name);
				free(p);
				return -ENOMEM;
			}
			list_push(&e->pools, p, link);
		}
		/* A [group:x] of several listener sections is one pool (see
		 * doc/compat.md): it takes every subscription and the largest
		 * buffer of its sections. */
		if (!p->keep) {
			p->mask = 0;
			p->want = 0;
		}
		p->mask |= subscription(cp);
		p->to_stdout =
		    cp->s->result_handler && !strcmp(cp->s->result_handler, STDOUT_HANDLER);
		if ((size_t)cp->s->buffer_size > p->want)
			p->want = (size_t)cp->s->buffer_size;
		p->keep = true;
	}
	for (struct pool *p = e->pools; p; p = p->link.next)
		if (p->keep && ev_queue_resize(&p->q, p->want) < 0)
			return -ENOMEM;
	e->wanted = 0;
	struct pool *p, *next;
	list_foreach_safe (p, e->pools, link, next) {
		if (!p->keep) {
			list_unlink(p, link);
			pool_free(p);
			continue;
		}
		e->wanted |= p->mask;
	}
	for (int i = 0; i < 3; i++) {
		struct tick *k = &e->ticks[i];
		if (!events_wanted(e, k->type)) {
			loop_timer_cancel(e->loop, &k->t);
		} else if (!loop_timer_armed(&k->t)) {
			k->last = wall_ms() / 1000 / k->period * k->period;
			tick_arm(k);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- upgrade */

static int export_event(struct upg_event *u, const struct ev *ev, uint64_t poolserial)
{
	*u = (struct upg_event){
	    .serial = ev->serial, .poolserial = poolserial, .type = (int)ev->type, .len = ev->len};
	u->payload = malloc(ev->len + 1);
	if (!u->payload)
		return -ENOMEM;
	memcpy(u->payload, ev->payload, ev->len);
	return 0;
}

static int dup_bytes(char **out, const char *p, size_t n)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, p, n);
	return 0;
}

/* A listener whose stdout is closed already (its process is ending):
 * its event in flight goes to the head of its pool's exported buffer, as
 * its death would have put it back. */
static int export_orphan(const struct pool_listener *l, struct upg_state *s)
{
	for (size_t i = 0; i < s->npools; i++) {
		struct upg_evpool *u = &s->pools[i];
		if (strcmp(u->name, l->p->conf->group))
			continue;
		struct upg_event *v = realloc(u->evs, (u->nevs + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		u->evs = v;
		memmove(v + 1, v, u->nevs * sizeof(*v));
		u->nevs++;
		u->st[3]++; /* (rejected, as its death counts it) */
		return export_event(&v[0], l->cur, l->cur_poolserial);
	}
	return 0;
}

int events_export(const struct events *e, struct upg_state *s)
{
	s->ev_serial = e->serial;
	for (int i = 0; i < 3; i++)
		s->ev_tick[i] = loop_timer_armed(&e->ticks[i].t) ? e->ticks[i].last : 0;
	size_t n = 0;
	for (const struct pool *p = e->pools; p; p = p->link.next)
		n++;
	s->pools = calloc(n + 1, sizeof(*s->pools));
	if (!s->pools)
		return -ENOMEM;
	for (const struct pool *p = e->pools; p; p = p->link.next) {
		struct upg_evpool *u = &s->pools[s->npools++];
		u->name = strdup(p->name);
		u->poolserial = p->poolserial;
		u->st[0] = p->st.buffered;
		u->st[1] = p->st.dispatched;
		u->st[2] = p->st.processed;
		u->st[3] = p->st.rejected;
		u->st[4] = p->st.dropped;
		u->evs = calloc(p->q.n + 1, sizeof(*u->evs));
		if (!u->name || !u->evs)
			return -ENOMEM;
		for (size_t k = 0; k < p->q.n; k++) {
			const struct ev_slot *sl = &p->q.v[(p->q.head + k) % p->q.cap];
			int r = export_event(&u->evs[u->nevs++], sl->ev, sl->poolserial);
			if (r < 0)
				return r;
		}
	}
	n = 0;
	for (const struct pool_listener *l = e->ls; l; l = l->link.next)
		n++;
	s->evls = calloc(n + 1, sizeof(*s->evls));
	if (!s->evls)
		return -ENOMEM;
	for (const struct pool_listener *l = e->ls; l; l = l->link.next) {
		int r = 0;
		if (l->out_fd < 0) {
			if (l->cur && (r = export_orphan(l, s)) < 0)
				return r;
			continue;
		}
		struct upg_evlistener *u = &s->evls[s->nevls++];
		const struct ev_proto *pr = &l->proto;
		*u = (struct upg_evlistener){
		    .group = strdup(l->p->conf->group),
		    .name = strdup(l->p->conf->name),
		    .out_fd = l->out_fd,
		    .lstate = (int)pr->state,
		    .has_cur = l->cur != NULL,
		    .wlen = l->wlen - l->woff,
		    .linelen = pr->linelen,
		    .resultlen = pr->resultlen,
		    .got = pr->got,
		    .bodylen = pr->got < EV_RESULT_KEEP ? (size_t)(pr->got > 0 ? pr->got : 0)
							: EV_RESULT_KEEP,
		    .reslen = l->reslen,
		};
		if (!u->group || !u->name)
			return -ENOMEM;
		if (l->cur)
			r = export_event(&u->cur, l->cur, l->cur_poolserial);
		if (!r)
			r = dup_bytes(&u->wbuf, l->wbuf ? l->wbuf + l->woff : NULL, u->wlen);
		if (!r)
			r = dup_bytes(&u->line, pr->line, u->linelen);
		if (!r)
			r = dup_bytes(&u->body, pr->body, u->bodylen);
		if (!r)
			r = dup_bytes(&u->res, l->res, u->reslen);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct ev *import_event(const struct upg_event *u)
{
	if (u->type < 0 || u->type >= EV_NTYPES)
		return NULL;
	struct ev *ev = ev_new((enum ev_type)u->type, u->payload, u->len);
	if (ev) {
		ev->serial = u->serial;
		ev->has_serial = true;
	}
	return ev;
}

/* An in-flight event whose listener is not taken over: back to the head
 * of its pool, as that listener's death would have put it. */
static void import_orphan(struct events *e, const char *group, const struct upg_event *u)
{
	struct pool *pool = find_pool(e, group);
	struct ev *ev = pool ? import_event(u) : NULL;
	if (!ev) {
		log_error("upgrade: event %llu of pool %s is lost", (unsigned long long)u->serial,
			  group);
		return;
	}
	pool->st.rejected++;
	accept_event(e, pool, ev, u->poolserial, true);
	ev_put(ev);
}

static void import_listener(struct events *e, struct upg_evlistener *u)
{
	struct proc *p = procs_find(e->procs, u->group, u->name);
	int r = -ESRCH;
	if (p && p->pid && p->conf->s->kind == CONF_EVENTLISTENER)
		r = events_attach(p, u->out_fd, e);
	if (r < 0) {
		log_warn("upgrade: event listener '%s' is not taken over (%s)", u->name,
			 strerror(-r));
		close(u->out_fd);
		if (u->has_cur)
			import_orphan(e, u->group, &u->cur);
		return;
	}
	struct pool_listener *l = find_listener(e, p);
	struct ev_proto *pr = &l->proto;
	pr->state = (enum ev_lstate)u->lstate;
	if (u->linelen) /* (NULL when empty) */
		memcpy(pr->line, u->line, u->linelen);
	pr->linelen = u->linelen;
	pr->resultlen = u->resultlen;
	pr->got = u->got;
	if (u->bodylen)
		memcpy(pr->body, u->body, u->bodylen);
	if (u->has_cur) {
		l->cur = import_event(&u->cur);
		l->cur_poolserial = u->cur.poolserial;
		if (!l->cur)
			log_error("upgrade: event %llu sent to '%s' is lost",
				  (unsigned long long)u->cur.serial, u->name);
	}
	/* (the buffers are the document's: taken, not copied) */
	l->res = u->res;
	l->reslen = u->reslen;
	u->res = NULL;
	if (u->wlen && l->in_fd >= 0) {
		l->wbuf = u->wbuf;
		l->wlen = u->wlen;
		u->wbuf = NULL;
		flush(l);
	}
	log_debug("upgrade: event listener '%s' taken over, %s%s", u->name,
		  ev_lstate_name(pr->state), l->cur ? " with an event in flight" : "");
}

void events_import(struct events *e, struct upg_state *s)
{
	if (s->ev_serial > e->serial)
		e->serial = s->ev_serial;
	for (int i = 0; i < 3; i++) {
		struct tick *k = &e->ticks[i];
		/* A slice that began during the exec is sent now. */
		if (s->ev_tick[i] && loop_timer_armed(&k->t)) {
			k->last = s->ev_tick[i];
			loop_timer_arm(e->loop, &k->t, loop_now_ms());
		}
	}
	for (size_t i = 0; i < s->npools; i++) {
		struct upg_evpool *u = &s->pools[i];
		struct pool *pool = find_pool(e, u->name);
		if (!pool) {
			if (u->nevs)
				log_warn("upgrade: event pool %s is not in the config: its %zu "
					 "buffered events are dropped",
					 u->name, u->nevs);
			continue;
		}
		pool->poolserial = u->poolserial;
		pool->st.buffered = u->st[0];
		pool->st.dispatched = u->st[1];
		pool->st.processed = u->st[2];
		pool->st.rejected = u->st[3];
		pool->st.dropped = u->st[4];
		for (size_t k = 0; k < u->nevs; k++) {
			struct ev *ev = import_event(&u->evs[k]);
			if (!ev) {
				log_error("upgrade: event %llu of pool %s is lost",
					  (unsigned long long)u->evs[k].serial, u->name);
				continue;
			}
			uint64_t dropped;
			if (ev_queue_push(&pool->q, ev, u->evs[k].poolserial, false, &dropped) > 0)
				pool->st.dropped++;
			ev_put(ev);
		}
	}
	for (size_t i = 0; i < s->nevls; i++)
		import_listener(e, &s->evls[i]);
	for (struct pool *pool = e->pools; pool; pool = pool->link.next)
		dispatch(e, pool);
}

/* GET /v1/events: a Server-Sent Events stream of what happens in supd
 * (doc/api.md, "Events").
 *
 * One hook on the process table's transitions (the same facts the API,
 * XML-RPC and the web page read) and the daemon's config notices append
 * each event, once formatted as its SSE frame, to a bounded ring of the
 * last events (at most EV_RING of them and EV_RING_BYTES of frames) with an
 * increasing sequence number.  The ring is
 * every client's buffer: a client only keeps the sequence number of the
 * next event it needs.  A client whose socket does not take its bytes
 * (more than EV_CLIENT_MAX pending) is skipped; when it drains, the
 * writable callback sends it what it missed from the ring, and when the
 * ring has moved past it, a "lost" frame saying how many events it lost.
 * So a slow reader costs a bounded amount and never blocks supd, and a
 * client that reconnects with Last-Event-ID misses nothing the ring still
 * holds.  Nothing is timed: no keep-alive pings, no wakeups when idle.
 *
 * The ring is made when the first client connects: until then events are
 * only counted, so a supd nobody watches pays neither the memory (the
 * frames carry whole process objects: a start-up of 1000 programs would
 * fill the ring) nor the formatting.  A client that asks for events from
 * before that gets a "lost" frame, as one that fell behind does. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "api_int.h"
#include "log.h"

#define EV_RING	      1024
#define EV_RING_BYTES (256 * 1024) /* of frames held for replay */
#define EV_CLIENT_MAX (64 * 1024)  /* bytes queued for one client before it is skipped */

struct ev_rec {
	uint64_t seq;
	char *frame; /* "id: ...\nevent: ...\ndata: {...}\n\n" */
	size_t len;
};

struct ev_client {
	struct api_events *e;
	struct http_req *req;
	uint64_t next; /* the seq of the next event it needs */
	LIST_LINK(struct ev_client) link;
};

struct api_events {
	struct api *a;
	struct procs *hooked;
	struct proc_hook hook;
	struct ev_rec *ring; /* EV_RING slots; NULL until the first client */
	uint64_t first;	     /* the oldest seq the ring holds; > seq: none */
	size_t bytes;	     /* of the frames it holds */
	uint64_t seq;	     /* the last event's seq; 0: none yet */
	uint64_t lost;	     /* events clients lost (skipped past) */
	struct ev_client *clients;
	size_t nclients;
};

/* ---------------------------------------------------------------- clients */

static const struct ev_rec *rec_of(const struct api_events *e, uint64_t seq)
{
	return &e->ring[seq % EV_RING];
}

static uint64_t oldest(const struct api_events *e)
{
	return e->first;
}

/* Drops the ring's oldest frame. */
static void ring_drop(struct api_events *e)
{
	struct ev_rec *r = &e->ring[e->first % EV_RING];
	e->bytes -= r->len;
	free(r->frame);
	r->frame = NULL;
	r->len = 0;
	e->first++;
}

/* Sends c what it needs from the ring, as far as its socket takes it. */
static void client_feed(struct ev_client *c)
{
	struct api_events *e = c->e;
	/* A client that does not read gets nothing more, not even the news
	 * that it lost events, until it drains (writable). */
	if (http_stream_pending(c->req) >= EV_CLIENT_MAX)
		return;
	if (c->next < oldest(e)) {
		uint64_t n = oldest(e) - c->next;
		char buf[128];
		int k =
		    snprintf(buf, sizeof(buf), "event: lost\ndata: {\"lost\":%" PRIu64 "}\n\n", n);
		if (http_stream_write(c->req, buf, (size_t)k) < 0)
			return;
		e->lost += n;
		c->next = oldest(e);
	}
	while (c->next <= e->seq && http_stream_pending(c->req) < EV_CLIENT_MAX) {
		const struct ev_rec *r = rec_of(e, c->next);
		if (http_stream_write(c->req, r->frame, r->len) < 0)
			return;
		c->next++;
	}
}

static void client_unlink(struct ev_client *c)
{
	struct api_events *e = c->e;
	list_unlink(c, link);
	e->nclients--;
}

/* http_hold's callbacks: the client left; it caught up. */
static void client_gone(void *held)
{
	struct ev_client *c = held;
	client_unlink(c);
	free(c);
}

static void client_writable(void *held)
{
	client_feed(held);
}

/* The first event a client needs: after Last-Event-ID (a reconnect) or
 * ?after= (the web page, which knows the seq its list was made at), else
 * the next one to happen. */
static uint64_t start_seq(const struct api_events *e, struct http_req *r)
{
	const char *s = http_req_header(r, "Last-Event-ID");
	if (!s || !*s)
		s = http_req_arg(r, "after");
	if (!s || !*s)
		return e->seq + 1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > e->seq)
		return e->seq + 1; /* from another run of supd, or garbage */
	return (uint64_t)v + 1;
}

void api_events_request(struct api *a, struct http_req *r)
{
	struct api_events *e = a->events;
	if (!e->ring) {
		e->ring = calloc(EV_RING, sizeof(*e->ring));
		if (!e->ring) {
			api_reply_error(r, "FAILED", "out of memory");
			return;
		}
		e->first = e->seq + 1;
	}
	struct ev_client *c = calloc(1, sizeof(*c));
	if (!c) {
		api_reply_error(r, "FAILED", "out of memory");
		return;
	}
	c->e = e;
	c->req = r;
	c->next = start_seq(e, r);
	http_add_header(r, "Cache-Control", "no-cache");
	if (http_stream_begin(r, "text/event-stream; charset=utf-8") < 0) {
		free(c);
		api_reply_error(r, "FAILED", "out of memory");
		return;
	}
	http_hold(r, client_gone, client_writable, c);
	list_push(&e->clients, c, link);
	e->nclients++;
	/* The retry delay for EventSource, and something to read at once, so
	 * a client knows the stream is open. */
	static const char hello[] = "retry: 1000\n: supd events\n\n";
	http_stream_write(r, hello, sizeof(hello) - 1);
	client_feed(c);
}

/* ---------------------------------------------------------------- events */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends the event whose JSON members (after seq and time) b holds. */
static void emit(struct api_events *e, const char *type, struct buf *body)
{
	if (body->oom) {
		free(body->p);
		log_warn("events: out of memory, a %s event is lost", type);
		return;
	}
	uint64_t seq = e->seq + 1;
	struct buf f = {0};
	buf_putf(&f, "id: %" PRIu64 "\nevent: %s\ndata: {\"seq\":%" PRIu64 ",\"time\":%.3f,", seq,
		 type, seq, now_s());
	buf_putf(&f, "\"type\":\"%s\",", type);
	buf_put(&f, body->p, body->len);
	buf_put(&f, "}\n\n", 3);
	free(body->p);
	if (f.oom) {
		free(f.p);
		log_warn("events: out of memory, a %s event is lost", type);
		return;
	}
	while (e->first < seq && (seq - e->first >= EV_RING || e->bytes + f.len > EV_RING_BYTES))
		ring_drop(e);
	struct ev_rec *r = &e->ring[seq % EV_RING];
	r->seq = seq;
	r->frame = f.p;
	r->len = f.len;
	e->bytes += f.len;
	e->seq = seq;
	for (struct ev_client *c = e->clients; c; c = c->link.next)
		client_feed(c);
}

/* Until a client has connected, an event is only counted (above). */
static bool recording(struct api_events *e)
{
	if (e->ring)
		return true;
	e->seq++;
	return false;
}

static void on_transition(struct proc *p, enum proc_state from, enum proc_state to, void *arg)
{
	struct api_events *e = arg;
	if (!recording(e))
		return;
	struct buf b = {0};
	buf_putf(&b, "\"from\":\"%s\",\"to\":\"%s\",\"process\":", proc_state_name(from),
		 to == PROC_REMOVED ? "REMOVED" : proc_state_name(to));
	api_json_proc(&b, p, time(NULL), API_ALL_FIELDS);
	emit(e, "process", &b);
}

/* A log file stopped or started again taking a process's output. */
static void on_log_notice(const struct output_notice *n, void *arg)
{
	struct api_events *e = arg;
	if (!recording(e))
		return;
	struct buf b = {0};
	buf_put(&b, "\"action\":", 9);
	api_json_str(&b, n->dropping ? "dropping" : "resumed");
	buf_put(&b, ",\"stream\":", 10);
	api_json_str(&b, n->stream);
	buf_put(&b, ",\"path\":", 8);
	api_json_str(&b, n->path ? n->path : "");
	if (n->dropping) {
		buf_put(&b, ",\"error\":", 9);
		api_json_str(&b, strerror(n->err));
	} else {
		buf_putf(&b, ",\"dropped_bytes\":%llu", (unsigned long long)n->dropped);
	}
	/* the process, as the other events show it (its name is unique) */
	struct proc *const *v = procs_ordered(e->hooked);
	for (size_t i = 0, k = procs_count(e->hooked); i < k; i++) {
		if (strcmp(v[i]->conf->name, n->name))
			continue;
		buf_put(&b, ",\"process\":", 11);
		api_json_proc(&b, v[i], time(NULL), API_ALL_FIELDS);
		break;
	}
	emit(e, "log", &b);
}

/* Readiness, health or STATUS= changed (proc_check.h): a process event whose
 * from and to are the state it stays in. */
static void on_change(struct proc *p, enum proc_change what, void *arg)
{
	(void)what;
	struct api_events *e = arg;
	if (!recording(e))
		return;
	struct buf b = {0};
	const char *s = proc_state_name(p->state);
	buf_putf(&b, "\"from\":\"%s\",\"to\":\"%s\",\"change\":\"check\",\"process\":", s, s);
	api_json_proc(&b, p, time(NULL), API_ALL_FIELDS);
	emit(e, "process", &b);
}

void api_events_config(struct api *a, const char *what, const char *group)
{
	if (!recording(a->events))
		return;
	struct buf b = {0};
	buf_put(&b, "\"action\":", 9);
	api_json_str(&b, what);
	if (group) {
		buf_put(&b, ",\"group\":", 9);
		api_json_str(&b, group);
	}
	emit(a->events, "config", &b);
}

void api_events_stats(const struct api *a, struct api_events_stats *s)
{
	const struct api_events *e = a->events;
	s->emitted = e->seq;
	s->lost = e->lost;
	s->clients = e->nclients;
	s->held = e->ring ? e->seq + 1 - e->first : 0;
	s->held_bytes = e->bytes;
}

uint64_t api_events_seq(const struct api *a)
{
	return a->events->seq;
}

/* ---------------------------------------------------------------- life */

int api_events_new(struct api *a)
{
	struct api_events *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->a = a;
	e->hook.cb = on_transition;
	e->hook.changed = on_change;
	e->hook.arg = e;
	e->hooked = a->d->procs(a->d->arg);
	procs_add_hook(e->hooked, &e->hook);
	procs_set_output_notice(e->hooked, on_log_notice, e);
	a->events = e;
	return 0;
}

void api_events_free(struct api *a)
{
	struct api_events *e = a->events;
	if (!e)
		return;
	while (e->clients) {
		struct ev_client *c = e->clients;
		client_unlink(c);
		http_req_set_data(c->req, NULL);
		http_stream_end(c->req);
		free(c);
	}
	procs_remove_hook(e->hooked, &e->hook);
	procs_set_output_notice(e->hooked, NULL, NULL);
	if (e->ring)
		while (e->first <= e->seq)
			ring_drop(e);
	free(e->ring);
	free(e);
	a->events = NULL;
}

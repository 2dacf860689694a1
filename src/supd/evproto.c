/* supervisord's event-listener protocol as data (evproto.h). */
#include "config.h"

#include "evproto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum ev_type parent;
} types[EV_NTYPES] = {
    [EV_EVENT] = {"EVENT", EV_EVENT},
    [EV_PROCESS_STATE] = {"PROCESS_STATE", EV_EVENT},
    [EV_PROCESS_STATE_STOPPED] = {"PROCESS_STATE_STOPPED", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_EXITED] = {"PROCESS_STATE_EXITED", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_STARTING] = {"PROCESS_STATE_STARTING", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_STOPPING] = {"PROCESS_STATE_STOPPING", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_BACKOFF] = {"PROCESS_STATE_BACKOFF", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_FATAL] = {"PROCESS_STATE_FATAL", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_RUNNING] = {"PROCESS_STATE_RUNNING", EV_PROCESS_STATE},
    [EV_PROCESS_STATE_UNKNOWN] = {"PROCESS_STATE_UNKNOWN", EV_PROCESS_STATE},
    [EV_PROCESS_LOG] = {"PROCESS_LOG", EV_EVENT},
    [EV_PROCESS_LOG_STDOUT] = {"PROCESS_LOG_STDOUT", EV_PROCESS_LOG},
    [EV_PROCESS_LOG_STDERR] = {"PROCESS_LOG_STDERR", EV_PROCESS_LOG},
    [EV_PROCESS_COMMUNICATION] = {"PROCESS_COMMUNICATION", EV_EVENT},
    [EV_PROCESS_COMMUNICATION_STDOUT] = {"PROCESS_COMMUNICATION_STDOUT", EV_PROCESS_COMMUNICATION},
    [EV_PROCESS_COMMUNICATION_STDERR] = {"PROCESS_COMMUNICATION_STDERR", EV_PROCESS_COMMUNICATION},
    [EV_REMOTE_COMMUNICATION] = {"REMOTE_COMMUNICATION", EV_EVENT},
    [EV_SUPERVISOR_STATE_CHANGE] = {"SUPERVISOR_STATE_CHANGE", EV_EVENT},
    [EV_SUPERVISOR_STATE_CHANGE_RUNNING] = {"SUPERVISOR_STATE_CHANGE_RUNNING",
					    EV_SUPERVISOR_STATE_CHANGE},
    [EV_SUPERVISOR_STATE_CHANGE_STOPPING] = {"SUPERVISOR_STATE_CHANGE_STOPPING",
					     EV_SUPERVISOR_STATE_CHANGE},
    [EV_TICK] = {"TICK", EV_EVENT},
    [EV_TICK_5] = {"TICK_5", EV_TICK},
    [EV_TICK_60] = {"TICK_60", EV_TICK},
    [EV_TICK_3600] = {"TICK_3600", EV_TICK},
    [EV_PROCESS_GROUP] = {"PROCESS_GROUP", EV_EVENT},
    [EV_PROCESS_GROUP_ADDED] = {"PROCESS_GROUP_ADDED", EV_PROCESS_GROUP},
    [EV_PROCESS_GROUP_REMOVED] = {"PROCESS_GROUP_REMOVED", EV_PROCESS_GROUP},
    [EV_PROCESS_HEALTH] = {"PROCESS_HEALTH", EV_EVENT},
    [EV_PROCESS_HEALTH_HEALTHY] = {"PROCESS_HEALTH_HEALTHY", EV_PROCESS_HEALTH},
    [EV_PROCESS_HEALTH_UNHEALTHY] = {"PROCESS_HEALTH_UNHEALTHY", EV_PROCESS_HEALTH},
};

const char *ev_type_name(enum ev_type t)
{
	return (unsigned)t < EV_NTYPES ? types[t].name : "?";
}

int ev_type_parse(const char *name)
{
	for (int i = 0; i < EV_NTYPES; i++)
		if (!strcmp(name, types[i].name))
			return i;
	return -EINVAL;
}

uint32_t ev_type_mask(enum ev_type t)
{
	uint32_t m = 0;
	for (int i = 0; i < EV_NTYPES; i++) {
		/* The tree is two levels below EVENT at most. */
		enum ev_type a = (enum ev_type)i;
		for (int depth = 0; depth < 3; depth++) {
			if (a == t) {
				m |= 1u << i;
				break;
			}
			a = types[a].parent;
		}
	}
	return m;
}

struct ev *ev_new(enum ev_type t, const char *payload, size_t len)
{
	struct ev *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	e->serial = 0;
	e->has_serial = false;
	e->type = t;
	e->refs = 1;
	e->len = len;
	if (len && payload)
		memcpy(e->payload, payload, len);
	e->payload[len] = 0;
	return e;
}

struct ev *ev_newf(enum ev_type t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	struct ev *e = ev_new(t, s, (size_t)n);
	free(s);
	return e;
}

void ev_put(struct ev *e)
{
	if (e && --e->refs == 0)
		free(e);
}

struct ev *ev_process_state(enum ev_type t, const char *name, const char *group,
			    const char *from_state, int tries, long pid, bool expected)
{
	const char *f = "processname:%s groupname:%s from_state:%s";
	switch (t) {
	case EV_PROCESS_STATE_STARTING:
	case EV_PROCESS_STATE_BACKOFF:
		return ev_newf(t, "processname:%s groupname:%s from_state:%s tries:%d", name, group,
			       from_state, tries);
	case EV_PROCESS_STATE_RUNNING:
	case EV_PROCESS_STATE_STOPPING:
	case EV_PROCESS_STATE_STOPPED:
		return ev_newf(t, "processname:%s groupname:%s from_state:%s pid:%ld", name, group,
			       from_state, pid);
	case EV_PROCESS_STATE_EXITED:
		return ev_newf(t, "processname:%s groupname:%s from_state:%s expected:%d pid:%ld",
			       name, group, from_state, expected ? 1 : 0, pid);
	default:
		return ev_newf(t, f, name, group, from_state);
	}
}

int ev_header(char *buf, size_t size, const char *server, uint64_t serial, const char *pool,
	      uint64_t poolserial, const struct ev *e)
{
	int n = snprintf(buf, size,
			 "ver:3.0 server:%s serial:%llu pool:%s poolserial:%llu eventname:%s "
			 "len:%zu\n",
			 server, (unsigned long long)serial, pool, (unsigned long long)poolserial,
			 ev_type_name(e->type), e->len);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* ---------------------------------------------------------------- queue */

int ev_queue_init(struct ev_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap < 1)
		cap = 1;
	q->v = calloc(cap, sizeof(*q->v));
	if (!q->v)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void ev_queue_fini(struct ev_queue *q)
{
	struct ev_slot s;
	while (ev_queue_pop(q, &s))
		ev_put(s.ev);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

int ev_queue_resize(struct ev_queue *q, size_t cap)
{
	if (cap < 1)
		cap = 1;
	if (cap == q->cap)
		return 0;
	struct ev_slot *v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	struct ev_slot s;
	while (q->n > cap && ev_queue_pop(q, &s))
		ev_put(s.ev);
	size_t n = 0;
	while (ev_queue_pop(q, &s))
		v[n++] = s;
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	q->n = n;
	return 0;
}

int ev_queue_push(struct ev_queue *q, struct ev *e, uint64_t poolserial, bool head,
		  uint64_t *dropped)
{
	int r = 0;
	if (q->n >= q->cap) {
		struct ev_slot s = {NULL, 0};
		ev_queue_pop(q, &s);
		if (dropped)
			*dropped = s.ev->serial;
		ev_put(s.ev);
		r = 1;
	}
	e->refs++;
	struct ev_slot s = {e, poolserial};
	if (head) {
		q->head = (q->head + q->cap - 1) % q->cap;
		q->v[q->head] = s;
	} else {
		q->v[(q->head + q->n) % q->cap] = s;
	}
	q->n++;
	return r;
}

bool ev_queue_pop(struct ev_queue *q, struct ev_slot *out)
{
	if (!q->n)
		return false;
	*out = q->v[q->head];
	q->v[q->head].ev = NULL;
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return true;
}

/* ---------------------------------------------------------------- protocol */

const char *ev_lstate_name(enum ev_lstate s)
{
	switch (s) {
	case EVL_READY:
		return "READY";
	case EVL_BUSY:
		return "BUSY";
	case EVL_ACKNOWLEDGED:
		return "ACKNOWLEDGED";
	case EVL_UNKNOWN:
		return "UNKNOWN";
	}
	return "?";
}

void ev_proto_reset(struct ev_proto *p)
{
	p->state = EVL_ACKNOWLEDGED;
	p->linelen = 0;
	p->resultlen = -1;
	p->got = 0;
}

void ev_proto_sent(struct ev_proto *p)
{
	p->state = EVL_BUSY;
	p->linelen = 0;
	p->resultlen = -1;
	p->got = 0;
}

/* Python's int() on what follows "RESULT " (7 bytes, not checked, as
 * supervisord): optional spaces and sign, digits.  A negative length,
 * which leaves supervisord's listener BUSY for good, is a bad line here. */
static long long parse_resultlen(const char *line, size_t len)
{
	if (len <= 7)
		return -1;
	char tmp[EV_LINE_MAX + 1];
	memcpy(tmp, line + 7, len - 7);
	tmp[len - 7] = 0;
	char *s = tmp, *end;
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	if (*s == '-' || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	return *end ? -1 : v;
}

static void bad_result(struct ev_proto *p, ev_proto_cb cb, void *arg)
{
	p->state = EVL_UNKNOWN;
	cb(arg, EVP_BAD_RESULT, p->line, p->linelen);
	p->linelen = 0;
}

void ev_proto_feed(struct ev_proto *p, const char *data, size_t len, ev_proto_cb cb, void *arg)
{
	size_t i = 0;
	while (i < len) {
		switch (p->state) {
		case EVL_UNKNOWN:
			return; /* supervisord drops whatever comes */
		case EVL_READY:
			p->state = EVL_UNKNOWN;
			cb(arg, EVP_SPURIOUS, data + i, len - i);
			return;
		case EVL_ACKNOWLEDGED: {
			size_t take = 6 - p->linelen;
			if (take > len - i)
				take = len - i;
			memcpy(p->line + p->linelen, data + i, take);
			p->linelen += take;
			i += take;
			if (p->linelen < 6)
				return;
			bool ok = !memcmp(p->line, "READY\n", 6);
			p->linelen = 0;
			p->state = ok ? EVL_READY : EVL_UNKNOWN;
			cb(arg, ok ? EVP_READY : EVP_BAD_READY, NULL, 0);
			break;
		}
		case EVL_BUSY:
			if (p->resultlen < 0) {
				const char *nl = memchr(data + i, '\n', len - i);
				size_t take = nl ? (size_t)(nl - (data + i)) : len - i;
				if (take > sizeof(p->line) - p->linelen) {
					memcpy(p->line + p->linelen, data + i,
					       sizeof(p->line) - p->linelen);
					p->linelen = sizeof(p->line);
					bad_result(p, cb, arg);
					return;
				}
				memcpy(p->line + p->linelen, data + i, take);
				p->linelen += take;
				i += take;
				if (!nl)
					return;
				i++; /* the LF */
				long long v = parse_resultlen(p->line, p->linelen);
				if (v < 0) {
					bad_result(p, cb, arg);
					return;
				}
				p->linelen = 0;
				p->resultlen = v;
				p->got = 0;
				break;
			}
			long long need = p->resultlen - p->got;
			size_t take = (unsigned long long)need < len - i ? (size_t)need : len - i;
			if (take)
				cb(arg, EVP_BODY, data + i, take);
			if (p->got < EV_RESULT_KEEP) {
				size_t keep = EV_RESULT_KEEP - (size_t)p->got;
				memcpy(p->body + p->got, data + i, take < keep ? take : keep);
			}
			p->got += (long long)take;
			i += take;
			if (p->got == p->resultlen) {
				size_t blen =
				    p->got < EV_RESULT_KEEP ? (size_t)p->got : EV_RESULT_KEEP;
				p->state = EVL_ACKNOWLEDGED;
				p->resultlen = -1;
				cb(arg, EVP_RESULT, p->body, blen);
			}
			break;
		}
	}
}

/* supervisord's event-listener protocol as data (the ev_ module): the
 * event type tree, payloads and header lines, a pool's bounded FIFO and
 * the parser of a listener's replies (its stdout).  No I/O and no
 * logging here: events.c (the pools and their listeners) drives them from
 * the loop. */
#ifndef SUPD_EVPROTO_H
#define SUPD_EVPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Concrete and abstract types; an abstract one matches its subtypes. */
enum ev_type {
	EV_EVENT,
	EV_PROCESS_STATE,
	EV_PROCESS_STATE_STOPPED,
	EV_PROCESS_STATE_EXITED,
	EV_PROCESS_STATE_STARTING,
	EV_PROCESS_STATE_STOPPING,
	EV_PROCESS_STATE_BACKOFF,
	EV_PROCESS_STATE_FATAL,
	EV_PROCESS_STATE_RUNNING,
	EV_PROCESS_STATE_UNKNOWN,
	EV_PROCESS_LOG,
	EV_PROCESS_LOG_STDOUT,
	EV_PROCESS_LOG_STDERR,
	EV_PROCESS_COMMUNICATION,
	EV_PROCESS_COMMUNICATION_STDOUT,
	EV_PROCESS_COMMUNICATION_STDERR,
	EV_REMOTE_COMMUNICATION,
	EV_SUPERVISOR_STATE_CHANGE,
	EV_SUPERVISOR_STATE_CHANGE_RUNNING,
	EV_SUPERVISOR_STATE_CHANGE_STOPPING,
	EV_TICK,
	EV_TICK_5,
	EV_TICK_60,
	EV_TICK_3600,
	EV_PROCESS_GROUP,
	EV_PROCESS_GROUP_ADDED,
	EV_PROCESS_GROUP_REMOVED,
	/* supd's own (doc/readiness.md): a health check's verdict changed */
	EV_PROCESS_HEALTH,
	EV_PROCESS_HEALTH_HEALTHY,
	EV_PROCESS_HEALTH_UNHEALTHY,
	EV_NTYPES,
};

const char *ev_type_name(enum ev_type t);
/* -EINVAL for an unknown name. */
int ev_type_parse(const char *name);
/* The set (bit per type) of types a subscription to t receives: t and
 * every type below it. */
uint32_t ev_type_mask(enum ev_type t);

/* An event: refcounted, shared by the pools that buffer it. */
struct ev {
	uint64_t serial;
	bool has_serial; /* serials are given at the first pool's acceptance */
	enum ev_type type;
	int refs;
	size_t len;
	char payload[];
};

/* payload NULL: len bytes for the caller to fill. */
struct ev *ev_new(enum ev_type t, const char *payload, size_t len);
/* printf-like payload.  NULL on ENOMEM. */
__attribute__((format(printf, 2, 3))) struct ev *ev_newf(enum ev_type t, const char *fmt, ...);
void ev_put(struct ev *e);

/* PROCESS_STATE_<to>'s payload, as supervisord's events.py: tries for
 * STARTING/BACKOFF, pid for RUNNING/STOPPING/STOPPED, expected and pid for
 * EXITED, nothing more for FATAL/UNKNOWN. */
struct ev *ev_process_state(enum ev_type t, const char *name, const char *group,
			    const char *from_state, int tries, long pid, bool expected);

/* The header line written before the payload. */
int ev_header(char *buf, size_t size, const char *server, uint64_t serial, const char *pool,
	      uint64_t poolserial, const struct ev *e);

/* A pool's buffer: FIFO of at most cap events, each with its pool serial. */
struct ev_slot {
	struct ev *ev;
	uint64_t poolserial;
};
struct ev_queue {
	struct ev_slot *v;
	size_t cap, head, n;
};

int ev_queue_init(struct ev_queue *q, size_t cap);
void ev_queue_fini(struct ev_queue *q);
/* Changes the capacity, keeping the newest events that fit (their
 * references dropped otherwise).  Returns 0 or -ENOMEM (unchanged). */
int ev_queue_resize(struct ev_queue *q, size_t cap);
/* Takes a reference.  When full, the oldest event is discarded first:
 * returns 1 with its serial in *dropped (supervisord's "event buffer
 * overflowed"), else 0.  head: a rejected event goes back in front. */
int ev_queue_push(struct ev_queue *q, struct ev *e, uint64_t poolserial, bool head,
		  uint64_t *dropped);
/* Removes the oldest into *out (the caller owns its reference); false
 * when empty. */
bool ev_queue_pop(struct ev_queue *q, struct ev_slot *out);

/* supervisord's listener states (EventListenerStates). */
enum ev_lstate {
	EVL_READY = 10,
	EVL_BUSY = 20,
	EVL_ACKNOWLEDGED = 30,
	EVL_UNKNOWN = 40,
};
const char *ev_lstate_name(enum ev_lstate s);

/* The listener's stdout, as dispatchers.PEventListenerDispatcher parses it.
 * Bounded: a RESULT line longer than EV_LINE_MAX is a bad line, and only
 * the first EV_RESULT_KEEP bytes of a result body are kept. */
#define EV_LINE_MAX    1024
#define EV_RESULT_KEEP 64

enum ev_proto_what {
	EVP_READY,	/* ACKNOWLEDGED -> READY */
	EVP_RESULT,	/* BUSY -> ACKNOWLEDGED: body (maybe cut) in data */
	EVP_BAD_READY,	/* ACKNOWLEDGED -> UNKNOWN: not READY\n */
	EVP_SPURIOUS,	/* READY -> UNKNOWN: data while READY */
	EVP_BAD_RESULT, /* BUSY -> UNKNOWN: bad RESULT line in data */
	EVP_BODY,	/* a piece of the result body as it arrives (no change) */
};

struct ev_proto {
	enum ev_lstate state;
	char line[EV_LINE_MAX];
	size_t linelen;
	long long resultlen; /* -1: reading the RESULT line */
	long long got;	     /* body bytes seen */
	char body[EV_RESULT_KEEP];
};

typedef void (*ev_proto_cb)(void *arg, enum ev_proto_what what, const char *data, size_t len);

void ev_proto_reset(struct ev_proto *p); /* ACKNOWLEDGED, nothing held */
/* The engine sent an event: READY -> BUSY. */
void ev_proto_sent(struct ev_proto *p);
/* Feeds bytes read from stdout; cb reports each state change as it
 * happens (the state is already updated when cb runs).  cb must not send
 * an event: like supervisord, bytes after READY\n in the same read are
 * spurious, so the engine dispatches only after the feed. */
void ev_proto_feed(struct ev_proto *p, const char *data, size_t len, ev_proto_cb cb, void *arg);

#endif

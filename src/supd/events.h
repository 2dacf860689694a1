/* Event listener pools and supervisord's events (supervisord.md §7).
 *
 * Each [eventlistener:x] section is a pool (named by its group) with a
 * FIFO of buffer_size events; its processes are ordinary processes of the
 * table, except that their stdout is the protocol channel, handed here at
 * each spawn (events_attach) instead of to output.c.  An event accepted by
 * a pool goes to the first of its listeners that is RUNNING and READY, one
 * event per listener at a time; a rejected one goes back to the head of
 * the FIFO.  Writes to a listener's stdin never block: what the pipe does
 * not take now waits for EPOLLOUT, and the listener stays BUSY.
 *
 * PROCESS_STATE_* events come from the table's transition hook; the daemon
 * reports its own state, groups and remote communication.  TICK_* events
 * arm a deadline only while a pool subscribes to them. */
#ifndef SUPD_EVENTS_H
#define SUPD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "evproto.h"
#include "loop.h"
#include "proc.h"

struct events;

int events_new(struct events **out, struct loop *l, struct procs *t);
/* Stops listening; buffered events are dropped. */
void events_free(struct events *e);

/* Creates, updates or drops pools to match c's [eventlistener:x] groups
 * (a pool kept by a reload keeps its buffered events), and arms the TICK
 * deadlines its subscriptions need.  Returns 0 or -ENOMEM. */
int events_configure(struct events *e, const struct conf *c);

/* For procs_env.listener_attach: p (an event listener) was just spawned;
 * takes fd_out, the read end of its stdout.  Returns 0, or a negative
 * errno with fd_out left to the caller. */
int events_attach(struct proc *p, int fd_out, void *arg);

/* For procs_env.log_event: PROCESS_LOG_STDOUT (channel 0) or _STDERR (1)
 * with a chunk of p's output, or with comm, PROCESS_COMMUNICATION_STDOUT
 * or _STDERR with what it captured. */
void events_log(struct proc *p, int channel, bool comm, const char *data, size_t len, void *arg);

/* Offers an event to every pool subscribed to its type; takes e's
 * reference.  Returns 0 or -ENOMEM (e == NULL: the payload could not be
 * built). */
int events_notify(struct events *e, struct ev *ev);

/* What happened to a pool's events since supd started (its counters
 * survive reloads that keep the pool). */
struct events_pool_stats {
	uint64_t buffered;   /* events offered to the pool */
	uint64_t dispatched; /* sent to a listener (again after a rejection too) */
	uint64_t processed;  /* answered OK */
	uint64_t rejected;   /* answered FAIL, an error or never (the listener died) */
	uint64_t dropped;    /* pushed out of a full buffer (buffer_size) */
	size_t queued;	     /* waiting in the buffer now */
};
typedef void events_pool_cb(const char *pool, const struct events_pool_stats *s, void *arg);
/* Calls cb for each pool. */
void events_pool_stats(const struct events *e, events_pool_cb *cb, void *arg);

/* Whether a pool subscribes to type t (to skip building payloads). */
bool events_wanted(const struct events *e, enum ev_type t);

/* Upgrade in place (doc/upgrade.md).  events_export: the pools' buffers
 * and counters, the serials, and each running listener's protocol
 * channel with where it stands (an event in flight and the bytes of it
 * not written yet included) into s.  events_import: the new image takes
 * them over, after the processes (their stdin pipes) are: each listener
 * goes on where it was, its answer to an event in flight taken as if no
 * exec had happened.  What has no place here (a pool or listener not in
 * the config) is closed and logged; an in-flight event whose listener
 * is gone goes back to its pool. */
struct upg_state;
int events_export(const struct events *e, struct upg_state *s);
void events_import(struct events *e, struct upg_state *s);

#endif

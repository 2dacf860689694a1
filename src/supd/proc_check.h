/* Readiness and health checks (ready_check=, health_check=; doc/readiness.md).
 *
 * A process with checks has a struct proc_checks (p->chk), made at its
 * first start.  While it is STARTING the ready check runs; its outcome is
 * an event of the state table (PROC_EV_READY, PROC_EV_NOT_READY).  Once it
 * is RUNNING the health check runs; health_retries failures in a row (or a
 * missed watchdog) are PROC_EV_UNHEALTHY.  What the events do is proc.c's.
 *
 * Probes cost no fork but exec's: tcp and http are non-blocking sockets in
 * the loop, exec is one spawn through spawn.c, log reads the output as it
 * passes, notify listens on one datagram socket for all programs, fd on a
 * pipe.  Each process has one probe timer (the next probe, or the running
 * probe's timeout) and one deadline (ready_timeout, or the watchdog);
 * nothing else wakes between probes. */
#ifndef SUPD_PROC_CHECK_H
#define SUPD_PROC_CHECK_H

#include <stdbool.h>
#include <sys/types.h>

#include "proc.h"
#include "spawn.h"

struct procs;
struct check_ctx;

/* The run's checks: what a spawn needs (NOTIFY_SOCKET and WATCHDOG_USEC in
 * its environment, the fd:N pipe), set into req.  Returns 0 or a negative
 * errno with the reason in err (the spawn then fails). */
int check_prepare(struct proc *p, struct spawn_req *req, char *err, size_t errlen);
/* After spawn_start (ok: it made a child): the ready check starts, or
 * without one nothing. */
void check_spawned(struct proc *p, bool ok);
/* RUNNING: the health check starts. */
void check_running(struct proc *p);
/* Stopping or gone: every probe and deadline stops (readiness, health and
 * the last error stay for the cells and the status). */
void check_halt(struct proc *p);
/* A reload kept p running with an equal config (proc_rebind): the probe
 * follows the new copy, as the old one may be freed. */
void check_rebind(struct proc *p);
void check_free(struct proc *p);
/* Whether p's ready check has passed in this run / there is one. */
bool check_ready_passed(const struct proc *p);
bool check_has_ready(const struct proc *p);
/* Not ready in time: the process is being killed (a failed start). */
void check_abandon(struct proc *p);
bool check_abandoned(const struct proc *p);
/* What a stop for health leads to once the process is down. */
enum check_after {
	CHECK_AFTER_NOTHING, /* STOPPED */
	CHECK_AFTER_RESTART, /* started again */
	CHECK_AFTER_FATAL,   /* too many health restarts in a row */
};
void check_set_after(struct proc *p, enum check_after a);
enum check_after check_take_after(struct proc *p);
/* "ready check tcp:127.0.0.1:80 failed: connection refused", or NULL. */
const char *check_last_error(const struct proc *p);
/* How many health restarts in a row had no passing probe in between. */
int check_health_restarts(const struct proc *p);
void check_count_health_restart(struct proc *p);
/* FATAL for health: a start asked for later begins a new count. */
void check_reset_health_restarts(struct proc *p);
/* " (waiting for ready check ...)", ", healthy", ", STATUS text"...
 * appended to the description in buf (len its size). */
void check_describe(const struct proc *p, char *buf, size_t len);

/* The reaper: pid was an exec probe's (true), now reaped with status st. */
bool check_reaped(struct procs *t, pid_t pid, int st);
void check_ctx_free(struct check_ctx *x);

#endif

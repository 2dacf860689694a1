/* The event loop: one epoll set for every fd, and a min-heap of deadlines
 * that sets epoll_wait's timeout.  With no deadline armed the loop sleeps
 * without a timeout: an idle daemon never wakes up.  Single-threaded. */
#ifndef SUPD_LOOP_H
#define SUPD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);

/* A deadline, embedded in its owner (no allocation per timer).  Zero it
 * before first use (or call loop_timer_init). */
struct loop_timer {
	int64_t when_ms; /* CLOCK_MONOTONIC milliseconds */
	size_t heap_idx; /* SIZE_MAX when not armed */
	loop_timer_cb cb;
	void *arg;
};

int loop_new(struct loop **out);
void loop_free(struct loop *l);

/* events are EPOLLIN/EPOLLOUT/...; cb runs with the events that fired. */
int loop_watch_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_modify_fd(struct loop *l, int fd, uint32_t events);
int loop_unwatch_fd(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* Arms (or re-arms) t to fire once at when_ms. */
int loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t when_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);

int64_t loop_now_ms(void); /* CLOCK_MONOTONIC */
int64_t loop_now_us(void); /* the same clock in microseconds (the same across an exec) */

/* Runs until loop_stop.  Returns 0 or a negative errno from epoll_wait. */
int loop_run(struct loop *l);
/* One iteration, waiting at most timeout_ms (-1: as long as the timers say). */
int loop_run_once(struct loop *l, int timeout_ms);
void loop_stop(struct loop *l);

/* How many times epoll_wait returned; the idle test reads it. */
uint64_t loop_wakeups(const struct loop *l);

#endif

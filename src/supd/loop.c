/* The event loop: epoll for fds, a binary min-heap for deadlines.
 *
 * Watches live in a table indexed by fd.  Each carries a generation number
 * that also travels in the epoll event, so an event that was already
 * collected for an fd which a callback then unwatched (or closed and watched
 * again) in the same dispatch is recognised as stale and dropped.
 *
 * Expired timers are first moved from the heap to a pending list, then run;
 * a callback that re-arms its timer for "now" therefore fires in the next
 * iteration, not in an endless loop inside this one.  A pending timer that
 * is cancelled before its turn is simply skipped. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define NOT_ARMED SIZE_MAX
/* heap_idx values at or above this mean "in the pending list at
 * (heap_idx - PENDING_BASE)". */
#define PENDING_BASE  (SIZE_MAX / 2)
#define EVENTS_PER_IT 64

struct watch {
	loop_fd_cb cb;
	void *arg;
	uint32_t gen; /* 0: no watch */
};

struct loop {
	int epfd;
	bool stop;
	uint32_t next_gen;
	uint64_t wakeups;

	struct watch *watches;
	size_t nwatches; /* table size (highest fd + 1 ever watched) */

	struct loop_timer **heap;
	size_t nheap, capheap;

	struct loop_timer **pending;
	size_t npending, cappending;
};

int64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		return -e;
	}
	l->next_gen = 1;
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->heap_idx = NOT_ARMED;
	for (size_t i = 0; i < l->npending; i++)
		if (l->pending[i])
			l->pending[i]->heap_idx = NOT_ARMED;
	close(l->epfd);
	free(l->watches);
	free(l->heap);
	free(l->pending);
	free(l);
}

/* ---------------------------------------------------------------- fds */

static int watches_reserve(struct loop *l, int fd)
{
	if ((size_t)fd < l->nwatches)
		return 0;
	size_t n = l->nwatches ? l->nwatches : 64;
	while (n <= (size_t)fd)
		n *= 2;
	struct watch *w = realloc(l->watches, n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w + l->nwatches, 0, (n - l->nwatches) * sizeof(*w));
	l->watches = w;
	l->nwatches = n;
	return 0;
}

static uint64_t event_data(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

int loop_watch_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	if (fd < 0 || !cb)
		return -EINVAL;
	int r = watches_reserve(l, fd);
	if (r < 0)
		return r;
	struct watch *w = &l->watches[fd];
	if (w->gen)
		return -EEXIST;
	uint32_t gen = l->next_gen++;
	if (l->next_gen == 0)
		l->next_gen = 1;
	struct epoll_event ev = {.events = events, .data.u64 = event_data(fd, gen)};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->cb = cb;
	w->arg = arg;
	w->gen = gen;
	return 0;
}

int loop_modify_fd(struct loop *l, int fd, uint32_t events)
{
	if (fd < 0 || (size_t)fd >= l->nwatches || !l->watches[fd].gen)
		return -ENOENT;
	struct epoll_event ev = {.events = events, .data.u64 = event_data(fd, l->watches[fd].gen)};
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_unwatch_fd(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nwatches || !l->watches[fd].gen)
		return -ENOENT;
	l->watches[fd].gen = 0;
	l->watches[fd].cb = NULL;
	l->watches[fd].arg = NULL;
	/* The fd may already be closed by its owner; the kernel then dropped
	 * it from the set itself. */
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---------------------------------------------------------------- timers */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when_ms <= t->when_ms)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when_ms < l->heap[c]->when_ms)
			c++;
		if (l->heap[c]->when_ms >= t->when_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct loop *l, size_t i)
{
	struct loop_timer *gone = l->heap[i];
	l->nheap--;
	if (i < l->nheap) {
		struct loop_timer *moved = l->heap[l->nheap];
		heap_set(l, i, moved);
		heap_down(l, i);
		heap_up(l, moved->heap_idx);
	}
	gone->heap_idx = NOT_ARMED;
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	t->when_ms = 0;
	t->heap_idx = NOT_ARMED;
	t->cb = cb;
	t->arg = arg;
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->heap_idx != NOT_ARMED;
}

/* A timer that was zeroed rather than initialised has heap_idx 0: trust
 * heap_idx only when the heap (or pending list) really holds t there. */
static bool timer_in_loop(const struct loop *l, const struct loop_timer *t)
{
	size_t i = t->heap_idx;
	if (i == NOT_ARMED)
		return false;
	if (i >= PENDING_BASE)
		return i - PENDING_BASE < l->npending && l->pending[i - PENDING_BASE] == t;
	return i < l->nheap && l->heap[i] == t;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!timer_in_loop(l, t)) {
		t->heap_idx = NOT_ARMED;
		return;
	}
	if (t->heap_idx >= PENDING_BASE) {
		l->pending[t->heap_idx - PENDING_BASE] = NULL;
		t->heap_idx = NOT_ARMED;
		return;
	}
	heap_remove(l, t->heap_idx);
}

int loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t when_ms)
{
	if (!timer_in_loop(l, t))
		t->heap_idx = NOT_ARMED;
	if (t->heap_idx != NOT_ARMED && t->heap_idx < PENDING_BASE) {
		int64_t old = t->when_ms;
		t->when_ms = when_ms;
		if (when_ms < old)
			heap_up(l, t->heap_idx);
		else
			heap_down(l, t->heap_idx);
		return 0;
	}
	loop_timer_cancel(l, t);
	if (l->nheap == l->capheap) {
		size_t n = l->capheap ? 2 * l->capheap : 64;
		struct loop_timer **h = realloc(l->heap, n * sizeof(*h));
		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->capheap = n;
	}
	t->when_ms = when_ms;
	heap_set(l, l->nheap++, t);
	heap_up(l, l->nheap - 1);
	return 0;
}

/* Moves every timer due at now to the pending list, then runs them in
 * deadline order. */
static void run_timers(struct loop *l, int64_t now)
{
	while (l->nheap > 0 && l->heap[0]->when_ms <= now) {
		if (l->npending == l->cappending) {
			size_t n = l->cappending ? 2 * l->cappending : 64;
			struct loop_timer **p = realloc(l->pending, n * sizeof(*p));
			if (!p)
				break; /* the rest stay in the heap for the next turn */
			l->pending = p;
			l->cappending = n;
		}
		struct loop_timer *t = l->heap[0];
		heap_remove(l, 0);
		t->heap_idx = PENDING_BASE + l->npending;
		l->pending[l->npending++] = t;
	}
	for (size_t i = 0; i < l->npending; i++) {
		struct loop_timer *t = l->pending[i];
		if (!t)
			continue;
		l->pending[i] = NULL;
		t->heap_idx = NOT_ARMED;
		t->cb(l, t->arg);
	}
	l->npending = 0;
}

/* ---------------------------------------------------------------- running */

static int timers_timeout(struct loop *l, int64_t now)
{
	if (l->nheap == 0)
		return -1;
	int64_t d = l->heap[0]->when_ms - now;
	if (d <= 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[EVENTS_PER_IT];
	int t = timers_timeout(l, loop_now_ms());
	if (t < 0 || (timeout_ms >= 0 && timeout_ms < t))
		t = timeout_ms;
	int n = epoll_wait(l->epfd, evs, EVENTS_PER_IT, t);
	l->wakeups++;
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		if ((size_t)fd >= l->nwatches || l->watches[fd].gen != gen)
			continue; /* unwatched by an earlier callback of this batch */
		l->watches[fd].cb(l, fd, evs[i].events, l->watches[fd].arg);
	}
	run_timers(l, loop_now_ms());
	return 0;
}

int loop_run(struct loop *l)
{
	int r = 0;
	while (!l->stop) {
		r = loop_run_once(l, -1);
		if (r < 0)
			break;
	}
	l->stop = false;
	return r;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

uint64_t loop_wakeups(const struct loop *l)
{
	return l->wakeups;
}

/* loop: timers in order, cancel and re-arm, many timers, fd readiness, and
 * callbacks that change the loop while it dispatches. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

struct rec {
	int order[64];
	int n;
};

struct tctx {
	struct rec *rec;
	int id;
};

static void rec_cb(struct loop *l, void *arg)
{
	struct tctx *c = arg;
	(void)l;
	c->rec->order[c->rec->n++] = c->id;
}

START_TEST(test_timers_in_order)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct rec rec = {0};
	struct tctx c[5];
	struct loop_timer t[5];
	int64_t now = loop_now_ms();
	int delays[5] = {40, 10, 30, 0, 20};
	for (int i = 0; i < 5; i++) {
		c[i] = (struct tctx){&rec, i};
		loop_timer_init(&t[i], rec_cb, &c[i]);
		ck_assert(!loop_timer_armed(&t[i]));
		ck_assert_int_eq(loop_timer_arm(l, &t[i], now + delays[i]), 0);
		ck_assert(loop_timer_armed(&t[i]));
	}
	while (rec.n < 5)
		ck_assert_int_eq(loop_run_once(l, -1), 0);
	int want[5] = {3, 1, 4, 2, 0};
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(rec.order[i], want[i]);
		ck_assert(!loop_timer_armed(&t[i]));
	}
	ck_assert_int_ge(loop_now_ms() - now, 40);
	loop_free(l);
}
END_TEST

START_TEST(test_cancel_rearm)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct rec rec = {0};
	struct tctx c[3] = {{&rec, 0}, {&rec, 1}, {&rec, 2}};
	struct loop_timer t[3];
	int64_t now = loop_now_ms();
	for (int i = 0; i < 3; i++) {
		loop_timer_init(&t[i], rec_cb, &c[i]);
		loop_timer_arm(l, &t[i], now + 10 * (i + 1));
	}
	loop_timer_cancel(l, &t[0]);
	loop_timer_cancel(l, &t[0]); /* twice is harmless */
	ck_assert(!loop_timer_armed(&t[0]));
	/* re-arm t[2] earlier than t[1] */
	loop_timer_arm(l, &t[2], now + 5);
	while (rec.n < 2)
		loop_run_once(l, -1);
	ck_assert_int_eq(rec.order[0], 2);
	ck_assert_int_eq(rec.order[1], 1);
	/* nothing armed: a bounded run_once returns with nothing fired */
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_int_eq(rec.n, 2);
	loop_free(l);
}
END_TEST

/* A zeroed (not initialised) timer must not be mistaken for heap slot 0. */
START_TEST(test_zeroed_timer)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct rec rec = {0};
	struct tctx c[2] = {{&rec, 0}, {&rec, 1}};
	struct loop_timer a, b;
	memset(&b, 0, sizeof(b));
	loop_timer_init(&a, rec_cb, &c[0]);
	loop_timer_arm(l, &a, loop_now_ms() + 5);
	loop_timer_cancel(l, &b); /* must not remove a */
	ck_assert(loop_timer_armed(&a));
	b.cb = rec_cb;
	b.arg = &c[1];
	loop_timer_arm(l, &b, loop_now_ms() + 1);
	while (rec.n < 2)
		loop_run_once(l, -1);
	ck_assert_int_eq(rec.order[0], 1);
	ck_assert_int_eq(rec.order[1], 0);
	loop_free(l);
}
END_TEST

struct many {
	int64_t last;
	int fired;
	bool out_of_order;
};

struct mtimer {
	struct loop_timer t;
	struct many *m;
};

static void many_cb(struct loop *l, void *arg)
{
	struct mtimer *mt = arg;
	(void)l;
	if (mt->t.when_ms < mt->m->last)
		mt->m->out_of_order = true;
	mt->m->last = mt->t.when_ms;
	mt->m->fired++;
}

START_TEST(test_ten_thousand)
{
	enum { N = 10000 };
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct mtimer *ts = calloc(N, sizeof(*ts));
	struct many m = {0};
	int64_t now = loop_now_ms();
	srand(42);
	for (int i = 0; i < N; i++) {
		ts[i].m = &m;
		loop_timer_init(&ts[i].t, many_cb, &ts[i]);
		ck_assert_int_eq(loop_timer_arm(l, &ts[i].t, now + rand() % 50), 0);
	}
	/* cancel every third, re-arm every seventh */
	int cancelled = 0;
	for (int i = 0; i < N; i += 3) {
		loop_timer_cancel(l, &ts[i].t);
		cancelled++;
	}
	for (int i = 1; i < N; i += 7)
		if (loop_timer_armed(&ts[i].t))
			loop_timer_arm(l, &ts[i].t, now + rand() % 60);
	while (m.fired < N - cancelled)
		ck_assert_int_eq(loop_run_once(l, 200), 0);
	ck_assert(!m.out_of_order);
	ck_assert_int_eq(m.fired, N - cancelled);
	/* all timers gone: a bounded wait returns without firing anything */
	ck_assert_int_eq(loop_run_once(l, 1), 0);
	ck_assert_int_eq(m.fired, N - cancelled);
	free(ts);
	loop_free(l);
}
END_TEST

/* A timer that re-arms itself for "now" fires once per iteration, not in
 * an endless loop. */
struct selfarm {
	struct loop_timer t;
	int n;
};

static void selfarm_cb(struct loop *l, void *arg)
{
	struct selfarm *s = arg;
	s->n++;
	loop_timer_arm(l, &s->t, loop_now_ms());
}

START_TEST(test_rearm_now_in_callback)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct selfarm s = {.n = 0};
	loop_timer_init(&s.t, selfarm_cb, &s);
	loop_timer_arm(l, &s.t, loop_now_ms());
	ck_assert_int_eq(loop_run_once(l, -1), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(loop_run_once(l, -1), 0);
	ck_assert_int_eq(s.n, 2);
	loop_timer_cancel(l, &s.t);
	loop_free(l);
}
END_TEST

/* One timer callback cancels another due in the same dispatch. */
struct cancel_other {
	struct loop_timer a, b;
	int fired_a, fired_b;
};

static void cancel_a_cb(struct loop *l, void *arg)
{
	struct cancel_other *c = arg;
	c->fired_a++;
	loop_timer_cancel(l, &c->b);
}

static void cancel_b_cb(struct loop *l, void *arg)
{
	struct cancel_other *c = arg;
	(void)l;
	c->fired_b++;
}

START_TEST(test_cancel_other_in_dispatch)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct cancel_other c = {.fired_a = 0};
	loop_timer_init(&c.a, cancel_a_cb, &c);
	loop_timer_init(&c.b, cancel_b_cb, &c);
	int64_t now = loop_now_ms();
	loop_timer_arm(l, &c.a, now - 2);
	loop_timer_arm(l, &c.b, now - 1);
	ck_assert_int_eq(loop_run_once(l, -1), 0);
	ck_assert_int_eq(c.fired_a, 1);
	ck_assert_int_eq(c.fired_b, 0);
	ck_assert(!loop_timer_armed(&c.b));
	ck_assert_int_eq(loop_run_once(l, 5), 0);
	ck_assert_int_eq(c.fired_b, 0);
	loop_free(l);
}
END_TEST

struct fdctx {
	int pipes[2][2];
	int hits[2];
	bool unwatch_other;
	bool unwatch_self;
};

static void fd_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct fdctx *c = arg;
	int which = fd == c->pipes[0][0] ? 0 : 1;
	char buf[16];
	ck_assert(events & EPOLLIN);
	c->hits[which]++;
	(void)!read(fd, buf, sizeof(buf));
	if (c->unwatch_self)
		ck_assert_int_eq(loop_unwatch_fd(l, fd), 0);
	if (c->unwatch_other) {
		int other = c->pipes[!which][0];
		ck_assert_int_eq(loop_unwatch_fd(l, other), 0);
		/* close it too, as an owner freeing an object would */
		close(other);
		c->pipes[!which][0] = -1;
	}
}

START_TEST(test_fd_ready)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	struct fdctx c = {.hits = {0, 0}};
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe2(c.pipes[i], O_CLOEXEC | O_NONBLOCK), 0);
		ck_assert_int_eq(loop_watch_fd(l, c.pipes[i][0], EPOLLIN, fd_cb, &c), 0);
	}
	ck_assert_int_eq(loop_watch_fd(l, c.pipes[0][0], EPOLLIN, fd_cb, &c), -EEXIST);
	/* nothing ready: times out */
	uint64_t w = loop_wakeups(l);
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_uint_eq(loop_wakeups(l), w + 1);
	ck_assert_int_eq(c.hits[0] + c.hits[1], 0);
	ck_assert_int_eq(write(c.pipes[1][1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 1000), 0);
	ck_assert_int_eq(c.hits[1], 1);
	ck_assert_int_eq(c.hits[0], 0);
	/* modify: stop listening for input on pipe 1 */
	ck_assert_int_eq(loop_modify_fd(l, c.pipes[1][0], 0), 0);
	ck_assert_int_eq(write(c.pipes[1][1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_int_eq(c.hits[1], 1);
	ck_assert_int_eq(loop_modify_fd(l, c.pipes[1][0], EPOLLIN), 0);
	ck_assert_int_eq(loop_run_once(l, 1000), 0);
	ck_assert_int_eq(c.hits[1], 2);

	/* both ready; the first callback unwatches and closes the other: the
	 * other's already collected event must not run. */
	c.unwatch_other = true;
	ck_assert_int_eq(write(c.pipes[0][1], "x", 1), 1);
	ck_assert_int_eq(write(c.pipes[1][1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 1000), 0);
	ck_assert_int_eq(c.hits[0] + c.hits[1], 3);
	c.unwatch_other = false;
	int alive = c.pipes[0][0] >= 0 ? 0 : 1;
	c.unwatch_self = true;
	ck_assert_int_eq(write(c.pipes[alive][1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 1000), 0);
	ck_assert_int_eq(c.hits[0] + c.hits[1], 4);
	ck_assert_int_eq(write(c.pipes[alive][1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_int_eq(c.hits[0] + c.hits[1], 4);
	ck_assert_int_eq(loop_unwatch_fd(l, c.pipes[alive][0]), -ENOENT);
	for (int i = 0; i < 2; i++) {
		if (c.pipes[i][0] >= 0)
			close(c.pipes[i][0]);
		close(c.pipes[i][1]);
	}
	loop_free(l);
}
END_TEST

static void stop_cb(struct loop *l, void *arg)
{
	(*(int *)arg)++;
	loop_stop(l);
}

START_TEST(test_run_stop)
{
	struct loop *l;
	ck_assert_int_eq(loop_new(&l), 0);
	int n = 0;
	struct loop_timer t;
	loop_timer_init(&t, stop_cb, &n);
	loop_timer_arm(l, &t, loop_now_ms() + 5);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(n, 1);
	/* loop_run can run again after a stop */
	loop_timer_arm(l, &t, loop_now_ms() + 1);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(n, 2);
	loop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_timers_in_order);
	tcase_add_test(tc, test_cancel_rearm);
	tcase_add_test(tc, test_zeroed_timer);
	tcase_add_test(tc, test_ten_thousand);
	tcase_add_test(tc, test_rearm_now_in_callback);
	tcase_add_test(tc, test_cancel_other_in_dispatch);
	tcase_add_test(tc, test_fd_ready);
	tcase_add_test(tc, test_run_stop);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

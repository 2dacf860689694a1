/* evproto.c: types and subscriptions, payloads, a pool's FIFO, and the
 * listener protocol parser fed whole, split and byte by byte. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evproto.h"

static struct ev *E(enum ev_type t, const char *s)
{
	return ev_new(t, s, strlen(s));
}

START_TEST(test_types)
{
	ck_assert_int_eq(ev_type_parse("PROCESS_STATE_EXITED"), EV_PROCESS_STATE_EXITED);
	ck_assert_int_eq(ev_type_parse("TICK_60"), EV_TICK_60);
	ck_assert_int_lt(ev_type_parse("PROCESS_STATE_exited"), 0);
	ck_assert_int_lt(ev_type_parse("NOPE"), 0);
	for (int t = 0; t < EV_NTYPES; t++)
		ck_assert_int_eq(ev_type_parse(ev_type_name((enum ev_type)t)), t);

	uint32_t ps = ev_type_mask(EV_PROCESS_STATE);
	ck_assert(ps & (1u << EV_PROCESS_STATE_EXITED));
	ck_assert(ps & (1u << EV_PROCESS_STATE_UNKNOWN));
	ck_assert(!(ps & (1u << EV_PROCESS_LOG_STDOUT)));
	ck_assert(!(ps & (1u << EV_TICK_5)));
	uint32_t tick = ev_type_mask(EV_TICK);
	ck_assert_uint_eq(tick, (1u << EV_TICK) | (1u << EV_TICK_5) | (1u << EV_TICK_60) |
				    (1u << EV_TICK_3600));
	ck_assert_uint_eq(ev_type_mask(EV_TICK_5), 1u << EV_TICK_5);
	ck_assert_uint_eq(ev_type_mask(EV_EVENT), (1u << EV_NTYPES) - 1);
	ck_assert(ev_type_mask(EV_SUPERVISOR_STATE_CHANGE) &
		  (1u << EV_SUPERVISOR_STATE_CHANGE_STOPPING));
	ck_assert(ev_type_mask(EV_PROCESS_GROUP) & (1u << EV_PROCESS_GROUP_REMOVED));
	ck_assert(!(ev_type_mask(EV_PROCESS_COMMUNICATION) & (1u << EV_REMOTE_COMMUNICATION)));
}
END_TEST

static void payload_is(struct ev *e, const char *want)
{
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->len, strlen(want));
	ck_assert_str_eq(e->payload, want);
	ev_put(e);
}

START_TEST(test_payloads)
{
	/* supervisord 4.2's wording, observed (supervisord.md §7). */
	payload_is(ev_process_state(EV_PROCESS_STATE_STARTING, "lis", "lis", "STOPPED", 0, 0, true),
		   "processname:lis groupname:lis from_state:STOPPED tries:0");
	payload_is(ev_process_state(EV_PROCESS_STATE_BACKOFF, "a", "g", "STARTING", 2, 9, true),
		   "processname:a groupname:g from_state:STARTING tries:2");
	payload_is(
	    ev_process_state(EV_PROCESS_STATE_RUNNING, "talker", "talker", "STARTING", 0, 12555, 1),
	    "processname:talker groupname:talker from_state:STARTING pid:12555");
	payload_is(ev_process_state(EV_PROCESS_STATE_STOPPING, "a", "g", "RUNNING", 0, 7, true),
		   "processname:a groupname:g from_state:RUNNING pid:7");
	payload_is(ev_process_state(EV_PROCESS_STATE_STOPPED, "a", "g", "STOPPING", 0, 7, true),
		   "processname:a groupname:g from_state:STOPPING pid:7");
	payload_is(ev_process_state(EV_PROCESS_STATE_EXITED, "t", "t", "RUNNING", 0, 3459, false),
		   "processname:t groupname:t from_state:RUNNING expected:0 pid:3459");
	payload_is(ev_process_state(EV_PROCESS_STATE_EXITED, "t", "t", "RUNNING", 0, 1, true),
		   "processname:t groupname:t from_state:RUNNING expected:1 pid:1");
	payload_is(ev_process_state(EV_PROCESS_STATE_FATAL, "a", "g", "BACKOFF", 3, 0, true),
		   "processname:a groupname:g from_state:BACKOFF");
	payload_is(ev_process_state(EV_PROCESS_STATE_UNKNOWN, "a", "g", "RUNNING", 3, 5, true),
		   "processname:a groupname:g from_state:RUNNING");
	payload_is(ev_newf(EV_TICK_5, "when:%lld", 1795379330LL), "when:1795379330");
	payload_is(ev_newf(EV_REMOTE_COMMUNICATION, "type:%s\n%s", "t", "hi"), "type:t\nhi");
	payload_is(ev_newf(EV_PROCESS_GROUP_ADDED, "groupname:%s\n", "lis"), "groupname:lis\n");
	payload_is(ev_new(EV_SUPERVISOR_STATE_CHANGE_RUNNING, "", 0), "");

	struct ev *e = E(EV_TICK_5, "when:1795379330");
	char h[256];
	int n = ev_header(h, sizeof(h), "supervisor", 8, "lis", 8, e);
	const char *want =
	    "ver:3.0 server:supervisor serial:8 pool:lis poolserial:8 eventname:TICK_5 len:15\n";
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(h, want);
	ck_assert_int_lt(ev_header(h, 20, "supervisor", 8, "lis", 8, e), 0);
	ev_put(e);
}
END_TEST

START_TEST(test_queue)
{
	struct ev_queue q;
	ck_assert_int_eq(ev_queue_init(&q, 3), 0);
	struct ev *v[5];
	for (int i = 0; i < 5; i++) {
		v[i] = E(EV_TICK_5, "x");
		v[i]->serial = (uint64_t)i;
		v[i]->refs = 2; /* ours, so that we can look after a discard */
	}
	uint64_t dropped = 99;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ev_queue_push(&q, v[i], (uint64_t)i, false, &dropped), 0);
	/* Full: the oldest goes. */
	ck_assert_int_eq(ev_queue_push(&q, v[3], 3, false, &dropped), 1);
	ck_assert_uint_eq(dropped, 0);
	struct ev_slot s;
	ck_assert(ev_queue_pop(&q, &s));
	ck_assert_ptr_eq(s.ev, v[1]);
	ck_assert_uint_eq(s.poolserial, 1);
	/* Rejected: back in front, before 2 and 3. */
	ck_assert_int_eq(ev_queue_push(&q, s.ev, s.poolserial, true, &dropped), 0);
	ev_put(s.ev);
	/* Full again and a rejection: the oldest (the head) is discarded, and
	 * the rejected event takes its place, as supervisord's pop(0) then
	 * insert(0). */
	ck_assert_int_eq(ev_queue_push(&q, v[4], 4, true, &dropped), 1);
	ck_assert_uint_eq(dropped, 1);
	uint64_t order[3];
	for (int i = 0; i < 3; i++) {
		ck_assert(ev_queue_pop(&q, &s));
		order[i] = s.poolserial;
		ev_put(s.ev);
	}
	ck_assert_uint_eq(order[0], 4);
	ck_assert_uint_eq(order[1], 2);
	ck_assert_uint_eq(order[2], 3);
	ck_assert(!ev_queue_pop(&q, &s));

	/* Shrinking keeps the newest. */
	for (int i = 0; i < 3; i++)
		ev_queue_push(&q, v[i], (uint64_t)i, false, NULL);
	ck_assert_int_eq(ev_queue_resize(&q, 2), 0);
	ck_assert_uint_eq(q.n, 2);
	ck_assert(ev_queue_pop(&q, &s));
	ck_assert_uint_eq(s.poolserial, 1);
	ev_put(s.ev);
	ck_assert_int_eq(ev_queue_resize(&q, 5), 0);
	ck_assert_uint_eq(q.n, 1);
	ev_queue_fini(&q);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(v[i]->refs, 2);
		ev_put(v[i]);
		ev_put(v[i]);
	}
}
END_TEST

/* What the parser reported, as text: "R" READY, "K<body>" a result, "B"
 * bad READY, "S" spurious, "X<line>" bad result line. */
static char got[512];
static char body_seen[512];

static void rec(void *arg, enum ev_proto_what what, const char *data, size_t len)
{
	struct ev_proto *p = arg;
	if (what == EVP_BODY) {
		/* The pieces add up to the body: checked as "K" below. */
		size_t n = strlen(body_seen);
		snprintf(body_seen + n, sizeof(body_seen) - n, "%.*s", (int)len, data);
		return;
	}
	static const char tag[] = {[EVP_READY] = 'R',
				   [EVP_RESULT] = 'K',
				   [EVP_BAD_READY] = 'B',
				   [EVP_SPURIOUS] = 'S',
				   [EVP_BAD_RESULT] = 'X'};
	size_t n = strlen(got);
	snprintf(got + n, sizeof(got) - n, "%c%.*s|", tag[what],
		 what == EVP_RESULT || what == EVP_BAD_RESULT ? (int)len : 0, data ? data : "");
	(void)p;
}

/* Feeds s in pieces of step bytes (0: whole).  '~' marks where the
 * listener waits for an event: the engine sends one there, after the
 * feed, if the listener is READY. */
static const char *run(const char *s, size_t step)
{
	struct ev_proto p;
	ev_proto_reset(&p);
	got[0] = 0;
	body_seen[0] = 0;
	while (*s) {
		const char *end = strchr(s, '~');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		for (size_t i = 0; i < len;) {
			size_t n = step && step < len - i ? step : len - i;
			ev_proto_feed(&p, s + i, n, rec, &p);
			i += n;
		}
		if (p.state == EVL_READY)
			ev_proto_sent(&p);
		s += len + (end != NULL);
	}
	return got;
}

START_TEST(test_proto)
{
	const char *conv = "READY\n~RESULT 2\nOKREADY\n~RESULT 4\nFAILREADY\n";
	for (size_t step = 0; step < 8; step++) {
		ck_assert_str_eq(run(conv, step), "R|KOK|R|KFAIL|R|");
		ck_assert_str_eq(body_seen, "OKFAIL");
	}
	/* A zero-length result is a rejection (not OK). */
	ck_assert_str_eq(run("READY\n~RESULT 0\nREADY\n", 0), "R|K|R|");
	/* Bad lengths: UNKNOWN, and nothing after it counts. */
	ck_assert_str_eq(run("READY\n~RESULT x\nREADY\n", 0), "R|XRESULT x|");
	ck_assert_str_eq(run("READY\n~RESULT -1\nOK", 1), "R|XRESULT -1|");
	ck_assert_str_eq(run("READY\n~RESULT\nOK", 0), "R|XRESULT|");
	ck_assert_str_eq(run("READY\n~RESULT 99999999999999999999999\n", 0),
			 "R|XRESULT 99999999999999999999999|");
	/* Python's int() takes spaces around the number. */
	ck_assert_str_eq(run("READY\n~RESULT  2 \nOK", 3), "R|KOK|");
	/* Not READY first. */
	ck_assert_str_eq(run("HELLO!READY\n", 0), "B|");
	ck_assert_str_eq(run("READ", 0), "");
	/* A long result body: kept cut, still counted exactly. */
	char big[300];
	snprintf(big, sizeof(big), "READY\n~RESULT 100\n%0100dREADY\n", 0);
	ck_assert_str_eq(run(big, 7),
			 "R|K0000000000000000000000000000000000000000000000000000000000000000|R|");
	ck_assert_uint_eq(strlen(body_seen), 100);
	/* A RESULT line that never ends is bounded. */
	char *huge = malloc(EV_LINE_MAX + 100);
	strcpy(huge, "READY\n~");
	memset(huge + 7, 'A', EV_LINE_MAX + 50);
	huge[EV_LINE_MAX + 57] = 0;
	run(huge, 100);
	ck_assert_int_eq(got[0], 'R');
	ck_assert_int_eq(got[2], 'X');
	free(huge);

	/* Bytes after READY\n in the same read are spurious: no event was
	 * sent yet (supervisord dispatches later). */
	ck_assert_str_eq(run("READY\nRESULT 2\nOK", 0), "R|S|");
	/* Data while READY (no event sent) is spurious. */
	struct ev_proto p;
	ev_proto_reset(&p);
	got[0] = 0;
	ev_proto_feed(&p, "READY\nX", 7, rec, &p);
	ck_assert_str_eq(got, "R|S|");
	ck_assert_int_eq(p.state, EVL_UNKNOWN);
	ev_proto_feed(&p, "READY\n", 6, rec, &p);
	ck_assert_str_eq(got, "R|S|");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evproto");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_payloads);
	tcase_add_test(tc, test_queue);
	tcase_add_test(tc, test_proto);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

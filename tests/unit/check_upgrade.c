/* upgrade.c: the state document of an upgrade in place.  A document
 * round-trips; one of the previous version (no start count, byte counts
 * or log names) reads with their defaults; a newer version, a cut or
 * damaged document, and records that say impossible things are refused
 * with the line named; unknown keys (a newer writer's) are skipped. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "upgrade.h"

static int parse(const char *text, struct upg_state *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	return upg_parse(text, strlen(text), s, err, errlen);
}

START_TEST(test_round_trip)
{
	struct upg_pipe pipes[2] = {{.fd = 10, .ch = 0, .size = 65536}, {.fd = 11, .ch = 1}};
	struct upg_listener ls = {.fd = 5,
				  .lock_fd = 6,
				  .is_unix = true,
				  .path = (char *)"/run/supd.sock",
				  .dev = 42,
				  .ino = 4242};
	struct upg_proc p = {.group = (char *)"web",
			     .name = (char *)"web_1",
			     .state = 20,
			     .pid = 1234,
			     .last_pid = 1234,
			     .laststart = 1700000000,
			     .start_ms = 123456789,
			     .deadline_ms = -1,
			     .backoff = 0,
			     .starts = 3,
			     .exitstatus = -1,
			     .wstatus = 15,
			     .spawnerr = (char *)"a\\b\nc\rd",
			     .exec_fd = -1,
			     .stdin_fd = 12,
			     .pipes = pipes,
			     .npipes = 2,
			     .bytes = {100, 200},
			     .log = {(char *)"/var/log/web.log", NULL},
			     .oom_base = 3};
	struct upg_state s = {.generation = 7,
			      .prev_version = (char *)"1.2.3",
			      .ls = &ls,
			      .nls = 1,
			      .procs = &p,
			      .nprocs = 1,
			      .t0_us = 1000,
			      .t_exec_us = 2500};
	char *text;
	size_t len;
	ck_assert_int_eq(upg_format(&s, UPG_VERSION, &text, &len), 0);
	struct upg_state r = {0};
	char err[256];
	ck_assert_int_eq(upg_parse(text, len, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.version, UPG_VERSION);
	ck_assert_uint_eq(r.generation, 7);
	ck_assert_str_eq(r.prev_version, "1.2.3");
	ck_assert_uint_eq(r.nls, 1);
	ck_assert_int_eq(r.ls[0].fd, 5);
	ck_assert_int_eq(r.ls[0].lock_fd, 6);
	ck_assert(r.ls[0].is_unix);
	ck_assert_str_eq(r.ls[0].path, "/run/supd.sock");
	ck_assert_uint_eq(r.ls[0].ino, 4242);
	ck_assert_uint_eq(r.nprocs, 1);
	struct upg_proc *q = &r.procs[0];
	ck_assert_str_eq(q->group, "web");
	ck_assert_str_eq(q->name, "web_1");
	ck_assert_int_eq(q->state, 20);
	ck_assert_int_eq(q->pid, 1234);
	ck_assert_int_eq(q->start_ms, 123456789);
	ck_assert_int_eq(q->deadline_ms, -1);
	ck_assert_uint_eq(q->starts, 3);
	ck_assert_int_eq(q->exitstatus, -1);
	ck_assert_str_eq(q->spawnerr, "a\\b\nc\rd");
	ck_assert_int_eq(q->stdin_fd, 12);
	ck_assert_uint_eq(q->npipes, 2);
	ck_assert_int_eq(q->pipes[1].fd, 11);
	ck_assert_int_eq(q->pipes[1].ch, 1);
	ck_assert_uint_eq(q->bytes[1], 200);
	ck_assert_str_eq(q->log[0], "/var/log/web.log");
	ck_assert_ptr_null(q->log[1]);
	/* the pipes' capacities, the leaf's OOM count, the timing stamps
	 * (the exec's at a fixed width, written over before the exec) */
	ck_assert_int_eq(q->pipes[0].size, 65536);
	ck_assert_int_eq(q->pipes[1].size, 0);
	ck_assert_int_eq(q->oom_base, 3);
	ck_assert_int_eq(r.t0_us, 1000);
	ck_assert_int_eq(r.t_exec_us, 2500);
	ck_assert_ptr_nonnull(strstr(text, "\n" UPG_T_EXEC_KEY " 0000000000000002500\n"));
	int fds[8];
	ck_assert_uint_eq(upg_fds(&r, fds, 8), 5);
	ck_assert_int_eq(fds[0], 5);
	ck_assert_int_eq(fds[2], 12);
	upg_state_free(&r);

	/* version 4: the log file open, and a socket holding the fds */
	free(text);
	p.log_fd[0] = 20;
	p.log_size[0] = 12345;
	p.log_dev[0] = 7;
	p.log_ino[0] = 77;
	p.log_fd[1] = 21; /* (no log.1: not handed over) */
	s.fd_sock = 9;
	ck_assert_int_eq(upg_version_needed(&s), 4);
	ck_assert_int_eq(upg_format(&s, UPG_VERSION, &text, &len), 0);
	ck_assert_int_eq(upg_parse(text, len, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.fd_sock, 9);
	q = &r.procs[0];
	ck_assert_int_eq(q->log_fd[0], 20);
	ck_assert_uint_eq(q->log_size[0], 12345);
	ck_assert_uint_eq(q->log_dev[0], 7);
	ck_assert_uint_eq(q->log_ino[0], 77);
	ck_assert_int_eq(q->log_fd[1], -1);
	/* the fds in upg_fds' order, and renumbered in the same order */
	ck_assert_uint_eq(upg_fds(&r, fds, 8), 6);
	ck_assert_int_eq(fds[5], 20);
	int nv[6] = {30, 31, 32, 33, 34, 35};
	upg_fds_renumber(&r, nv, 6);
	ck_assert_int_eq(r.ls[0].fd, 30);
	ck_assert_int_eq(r.ls[0].lock_fd, 31);
	ck_assert_int_eq(r.procs[0].stdin_fd, 32);
	ck_assert_int_eq(r.procs[0].pipes[0].fd, 33);
	ck_assert_int_eq(r.procs[0].pipes[1].fd, 34);
	ck_assert_int_eq(r.procs[0].log_fd[0], 35);
	upg_state_free(&r);
	/* version 3 has neither */
	free(text);
	ck_assert_int_eq(upg_format(&s, 3, &text, &len), 0);
	ck_assert_ptr_null(strstr(text, "logfd"));
	ck_assert_ptr_null(strstr(text, "fd_sock"));
	ck_assert_int_eq(upg_parse(text, len, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.fd_sock, 0);
	ck_assert_int_eq(r.procs[0].log_fd[0], -1);
	upg_state_free(&r);
	p.log_fd[0] = p.log_fd[1] = 0;
	s.fd_sock = 0;

	/* written as version 1: the fields version 2 added are left out */
	free(text);
	ck_assert_int_eq(upg_format(&s, 1, &text, &len), 0);
	ck_assert_ptr_null(strstr(text, "starts"));
	ck_assert_ptr_null(strstr(text, "log.0"));
	ck_assert_int_eq(upg_parse(text, len, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.version, 1);
	ck_assert_uint_eq(r.procs[0].starts, 1);
	upg_state_free(&r);
	free(text);
}
END_TEST

/* What a version 1 supd wrote, kept as text: a newer reader must read it. */
static const char v1_doc[] = "supd-state 1\n"
			     "generation 1\n"
			     "version 0.1.0\n"
			     "listener\n"
			     "fd 5\n"
			     "lock_fd 6\n"
			     "unix 1\n"
			     "activated 0\n"
			     "path /tmp/s.sock\n"
			     "port 0\n"
			     "dev 2049\n"
			     "ino 77\n"
			     "proc\n"
			     "group w\n"
			     "name w\n"
			     "state 20\n"
			     "pid 4321\n"
			     "last_pid 4321\n"
			     "laststart 1796551431\n"
			     "laststop 0\n"
			     "start_ms 9000\n"
			     "deadline_ms -1\n"
			     "backoff 0\n"
			     "exitstatus 0\n"
			     "wstatus 0\n"
			     "exec_fd -1\n"
			     "stdin_fd 9\n"
			     "pipe 0 10\n"
			     "pipe 1 11\n"
			     "proc\n"
			     "group w\n"
			     "name never\n"
			     "state 0\n"
			     "pid 0\n"
			     "end\n";

START_TEST(test_previous_version)
{
	struct upg_state s;
	char err[256];
	ck_assert_int_eq(parse(v1_doc, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.version, 1);
	ck_assert_uint_eq(s.nprocs, 2);
	ck_assert_int_eq(s.procs[0].pid, 4321);
	ck_assert_uint_eq(s.procs[0].starts, 1); /* had a pid: started once */
	ck_assert_uint_eq(s.procs[1].starts, 0);
	ck_assert_uint_eq(s.procs[0].bytes[0], 0);
	ck_assert_ptr_null(s.procs[0].log[0]); /* the new image names it */
	ck_assert_uint_eq(s.procs[0].npipes, 2);
	ck_assert_int_eq(s.procs[1].stdin_fd, -1);     /* defaults */
	ck_assert_int_eq(s.procs[0].pipes[0].size, 0); /* asked again */
	ck_assert_int_eq(s.procs[0].oom_base, -1);     /* read from the leaf */
	ck_assert_int_eq(s.t0_us, 0);
	upg_state_free(&s);
}
END_TEST

/* Version 3: event pools, listeners (an event in flight, half an answer
 * read, bytes not written yet) and FastCGI sockets; any byte in payloads.
 * A writer with none of them writes version 2, which a supd of the
 * version before reads. */
START_TEST(test_events_fcgi)
{
	struct upg_event evs[2] = {
	    {.serial = 7, .poolserial = 3, .type = 2, .payload = (char *)"a\0b\nc", .len = 5},
	    {.serial = 9, .poolserial = 4, .type = 11, .payload = (char *)"", .len = 0}};
	struct upg_evpool pool = {.name = (char *)"listeners",
				  .poolserial = 5,
				  .st = {10, 9, 8, 1, 2},
				  .evs = evs,
				  .nevs = 2};
	struct upg_evlistener l = {
	    .group = (char *)"listeners",
	    .name = (char *)"listeners_0",
	    .out_fd = 21,
	    .lstate = 20,
	    .has_cur = true,
	    .cur = {.serial = 6, .poolserial = 2, .type = 8, .payload = (char *)"x", .len = 1},
	    .wbuf = (char *)"tail\xff",
	    .wlen = 5,
	    .line = (char *)"RESU",
	    .linelen = 4,
	    .resultlen = -1,
	    .got = 0};
	struct upg_fcgi f = {.program = (char *)"web",
			     .url = (char *)"unix:///run/web.sock",
			     .fd = 22,
			     .is_unix = true,
			     .dev = 1,
			     .ino = 2};
	struct upg_state s = {.generation = 1, .ev_serial = 10, .ev_tick = {100, 60, 0}};
	ck_assert_int_eq(upg_version_needed(&s), 2);
	s.pools = &pool;
	s.npools = 1;
	s.evls = &l;
	s.nevls = 1;
	s.fcgis = &f;
	s.nfcgis = 1;
	ck_assert_int_eq(upg_version_needed(&s), 3);
	char *text;
	size_t len;
	ck_assert_int_eq(upg_format(&s, 3, &text, &len), 0);
	struct upg_state r = {0};
	char err[256];
	ck_assert_int_eq(upg_parse(text, len, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.version, 3);
	ck_assert_uint_eq(r.ev_serial, 10);
	ck_assert_int_eq(r.ev_tick[0], 100);
	ck_assert_int_eq(r.ev_tick[1], 60);
	ck_assert_uint_eq(r.npools, 1);
	ck_assert_str_eq(r.pools[0].name, "listeners");
	ck_assert_uint_eq(r.pools[0].poolserial, 5);
	ck_assert_uint_eq(r.pools[0].st[4], 2);
	ck_assert_uint_eq(r.pools[0].nevs, 2);
	ck_assert_uint_eq(r.pools[0].evs[0].len, 5);
	ck_assert_mem_eq(r.pools[0].evs[0].payload, "a\0b\nc", 5);
	ck_assert_uint_eq(r.pools[0].evs[1].serial, 9);
	ck_assert_uint_eq(r.pools[0].evs[1].len, 0);
	ck_assert_int_eq(r.pools[0].evs[1].type, 11);
	ck_assert_uint_eq(r.nevls, 1);
	const struct upg_evlistener *q = &r.evls[0];
	ck_assert_str_eq(q->name, "listeners_0");
	ck_assert_int_eq(q->out_fd, 21);
	ck_assert_int_eq(q->lstate, 20);
	ck_assert(q->has_cur);
	ck_assert_uint_eq(q->cur.serial, 6);
	ck_assert_uint_eq(q->cur.poolserial, 2);
	ck_assert_uint_eq(q->wlen, 5);
	ck_assert_mem_eq(q->wbuf, "tail\xff", 5);
	ck_assert_uint_eq(q->linelen, 4);
	ck_assert_mem_eq(q->line, "RESU", 4);
	ck_assert_int_eq(q->resultlen, -1);
	ck_assert_uint_eq(r.nfcgis, 1);
	ck_assert_str_eq(r.fcgis[0].url, "unix:///run/web.sock");
	ck_assert(r.fcgis[0].is_unix);
	int fds[4];
	ck_assert_uint_eq(upg_fds(&r, fds, 4), 2);
	ck_assert_int_eq(fds[0], 21);
	ck_assert_int_eq(fds[1], 22);
	upg_state_free(&r);
	free(text);

	/* the records are version 3's: in a version 2 document, "evpool"
	 * is a key of the record before (skipped), not a record */
	const char *v2 = "supd-state 2\nproc\ngroup a\nname a\nevpool\nname b\nend\n";
	ck_assert_int_eq(parse(v2, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.npools, 0);
	ck_assert_str_eq(r.procs[0].name, "b");
	upg_state_free(&r);
	/* damaged records are refused with the line */
	ck_assert_int_eq(
	    parse("supd-state 3\nevlistener\ngroup a\nname a\nend\n", &r, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "line 0: event listener record 1 is incomplete");
	upg_state_free(&r);
	ck_assert_int_eq(
	    parse("supd-state 3\nevpool\nname p\nev 1 2 3 abc\nend\n", &r, err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "line 4: ev: odd number of hex digits");
	upg_state_free(&r);
	ck_assert_int_eq(
	    parse("supd-state 3\nevpool\nname p\nev 1 2 3\nend\n", &r, err, sizeof(err)), -EINVAL);
	upg_state_free(&r);
}
END_TEST

START_TEST(test_refused)
{
	struct upg_state s;
	char err[256];
	ck_assert_int_eq(parse("supd-state 5\nend\n", &s, err, sizeof(err)), -EPROTONOSUPPORT);
	ck_assert_str_eq(err, "line 1: state version 5 is newer than this supd reads (4)");
	upg_state_free(&s);
	/* a log fd with no log file, or one of the standard fds */
	ck_assert_int_eq(parse("supd-state 4\nproc\ngroup a\nname a\nlogfd 0 7 1 2 3\nend\n", &s,
			       err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "line 0: process 'a': logfd 0 names no log file");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 4\nproc\nlogfd 1 2 1 2 3\nend\n", &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "line 3: logfd: expected 'CHANNEL FD SIZE DEV INO', got '1 2 1 2 3'");
	upg_state_free(&s);
	ck_assert_int_eq(parse("hello\n", &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "line 1: not a supd state document");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\n", &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "line 2: cut short (no 'end')");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\nname x", &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "line 3: cut short (no newline)");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\npid 12x\nend\n", &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "line 3: pid: bad number '12x'");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\npid 1\nend\n", &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "line 0: process record 1 has no name or group");
	upg_state_free(&s);
	ck_assert_int_eq(
	    parse("supd-state 2\nproc\ngroup g\nname n\nstdin_fd 4\nend\n", &s, err, sizeof(err)),
	    -EINVAL);
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\nspawnerr a\\x\nend\n", &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "line 3: spawnerr: bad escape");
	upg_state_free(&s);
	ck_assert_int_eq(parse("supd-state 2\nproc\npipe 2 9\nend\n", &s, err, sizeof(err)),
			 -EINVAL);
	upg_state_free(&s);
	/* a newer writer's keys are skipped */
	ck_assert_int_eq(parse("supd-state 2\nfuture 1\nproc\ngroup g\nname n\nhealth ok\nend\n",
			       &s, err, sizeof(err)),
			 0);
	upg_state_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("upgrade");
	TCase *tc = tcase_create("upgrade");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_previous_version);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_events_fcgi);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

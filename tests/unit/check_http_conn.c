/* http_conn: supd's HTTP/1.1 connections, requests and responses
 * (http_conn.c, http_req.c) through a real socket: deferred and streamed
 * answers and their backpressure, a client hanging up on them, bodies
 * (chunked, too large, 100-continue), keep-alive and pipelining,
 * HTTP/1.0, protocol errors, the idle timeout.  The listeners are
 * check_http's; the fixture both use is http_fixture.c. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http_fixture.h"

/* Sends a request, then hangs up without reading. */
static void client_hangup(struct job *j)
{
	int fd = raw_connect();
	const char *req = "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n";
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	/* Let the server park it before we go. */
	usleep(50 * 1000);
	close(fd);
}

/* Is the connection closed by the server (EOF within 2 s)? */
static bool closed_by_server(int fd)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char b[4096];
	ssize_t r;
	while ((r = recv(fd, b, sizeof(b), 0)) > 0)
		;
	return r == 0 || (r < 0 && errno == ECONNRESET);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_deferred)
{
	mode = M_DEFER;
	start_server();
	struct job j = {.fn = client_request, .path = "/wait"};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 202);
	ck_assert_str_eq(j.resp.body, "late");
	ctl_resp_free(&j.resp);
	ck_assert_int_eq(abandoned, 0);
}
END_TEST

START_TEST(test_stream_backpressure)
{
	mode = M_STREAM_BIG;
	start_server();
	struct job j = {.fn = client_request, .path = "/big"};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 200);
	ck_assert_uint_eq(j.nstreamed, BIG_TOTAL);
	ctl_resp_free(&j.resp);
}
END_TEST

START_TEST(test_stream)
{
	mode = M_STREAM;
	start_server();
	struct job j = {.fn = client_request, .path = "/tail"};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 200);
	ck_assert(j.resp.chunked);
	j.streamed[j.nstreamed] = '\0';
	ck_assert_str_eq(j.streamed, "line 0\nline 1\nline 2\n");
	ctl_resp_free(&j.resp);
}
END_TEST

static void on_until_idle(struct loop *l, void *arg)
{
	if (abandoned && http_connections(H) == 0)
		loop_stop(l);
	else
		loop_timer_arm(l, arg, loop_now_ms() + 5);
}

/* A client that hangs up on a parked request is noticed without any
 * traffic, and its connection closed. */
static void check_hangup(enum mode m)
{
	mode = m;
	start_server();
	struct job j = {.fn = client_hangup};
	run_job(&j);
	struct loop_timer t, deadline;
	loop_timer_init(&t, on_until_idle, &t);
	loop_timer_init(&deadline, on_deadline, NULL);
	loop_timer_arm(L, &t, loop_now_ms());
	loop_timer_arm(L, &deadline, loop_now_ms() + 3000);
	loop_run(L);
	loop_timer_cancel(L, &deadline);
	ck_assert_int_eq(abandoned, 1);
	ck_assert_ptr_null(held);
	ck_assert_uint_eq(http_connections(H), 0);
}

START_TEST(test_hangup_deferred)
{
	check_hangup(M_DEFER_FOREVER);
}
END_TEST

START_TEST(test_hangup_stream)
{
	/* The stream writes a line every 20 ms until the hangup is seen. */
	check_hangup(M_STREAM);
}
END_TEST

START_TEST(test_free_with_parked)
{
	mode = M_DEFER_FOREVER;
	start_server();
	/* Park a request, then free the server under it. */
	struct job j = {.fn = client_hangup};
	run_job(&j);
	http_free(H);
	H = NULL;
	ck_assert_int_eq(abandoned, 1);
}
END_TEST

START_TEST(test_no_answer_is_500)
{
	mode = M_NOANSWER;
	start_server();
	struct job j = {.fn = client_request};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 500);
	ctl_resp_free(&j.resp);
}
END_TEST

START_TEST(test_body_too_large)
{
	start_server();
	struct job j = {.fn = client_raw,
			.send = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"};
	j.sendlen = strlen(j.send);
	run_job(&j);
	ck_assert_msg(!strncmp(j.raw, "HTTP/1.1 413", 12), "%s", j.raw);
}
END_TEST

/* A chunked body past the limit: a 413 and the connection is closed, the
 * server carries on. */
static void client_big_chunked(struct job *j)
{
	int fd = raw_connect();
	const char *head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
	ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	static char chunk[65536 + 16];
	int n = snprintf(chunk, sizeof(chunk), "10000\r\n");
	memset(chunk + n, 'x', 65536);
	memcpy(chunk + n + 65536, "\r\n", 2);
	size_t sent = 0;
	for (int i = 0; i < 40; i++) {
		ssize_t k = send(fd, chunk, (size_t)n + 65536 + 2, MSG_NOSIGNAL);
		if (k < 0)
			break;
		sent += (size_t)k;
	}
	j->rc = sent > HTTP_MAX_BODY + 65536 * 8 ? -1 : 0; /* closed before the end */
	/* A 413, unless the reset of the unread bytes overtook it. */
	char buf[256];
	ssize_t k = recv(fd, buf, sizeof(buf) - 1, 0);
	if (k > 0) {
		buf[k] = '\0';
		ck_assert_msg(!strncmp(buf, "HTTP/1.1 413", 12), "%s", buf);
	}
	close(fd);
}

START_TEST(test_chunked_body_too_large)
{
	start_server();
	struct job j = {.fn = client_big_chunked};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	struct job o = {.fn = client_request};
	run_job(&o);
	ck_assert_int_eq(o.resp.status, 200);
	ctl_resp_free(&o.resp);
}
END_TEST

START_TEST(test_malformed)
{
	start_server();
	struct job j = {.fn = client_raw, .send = "GARBAGE\r\n\r\n"};
	j.sendlen = strlen(j.send);
	run_job(&j);
	ck_assert_msg(j.raw[0] == '\0' || !strncmp(j.raw, "HTTP/1.1 400", 12), "%s", j.raw);

	/* A Content-Length that is not a number */
	struct job h = {.fn = client_raw,
			.send = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"};
	h.sendlen = strlen(h.send);
	run_job(&h);
	ck_assert_msg(!strncmp(h.raw, "HTTP/1.1 400", 12), "%s", h.raw);

	/* Headers beyond the per-connection memory bound. */
	size_t n = HTTP_CONN_MEMORY + 1024;
	char *big = malloc(n + 64);
	strcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	size_t k = strlen(big);
	memset(big + k, 'a', n - k);
	strcpy(big + n, "\r\n\r\n");
	struct job m = {.fn = client_raw, .send = big, .sendlen = strlen(big)};
	run_job(&m);
	/* A 431, but closing with our unread bytes pending may reset the
	 * connection before the answer is read: either will do. */
	ck_assert_msg(m.raw[0] == '\0' || !strncmp(m.raw, "HTTP/1.1 4", 10), "%s", m.raw);
	free(big);
	/* The server is unharmed. */
	struct job o = {.fn = client_request};
	run_job(&o);
	ck_assert_int_eq(o.resp.status, 200);
	ctl_resp_free(&o.resp);
}
END_TEST

static void client_keepalive(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	send_str(fd, "GET /two?wait HTTP/1.1\r\nHost: x\r\n\r\n");
	read_responses(fd, j->raw2, sizeof(j->raw2), 1);
	close(fd);
}

START_TEST(test_keepalive)
{
	start_server();
	struct job j = {.fn = client_keepalive};
	run_job(&j);
	ck_assert_msg(!strncmp(j.raw, "HTTP/1.1 200 OK\r\n", 17), "%s", j.raw);
	ck_assert_ptr_null(strstr(j.raw, "Connection: close"));
	ck_assert_ptr_nonnull(strstr(j.raw, "\r\nServer: supd/" PACKAGE_VERSION "\r\n"));
	ck_assert_ptr_nonnull(strstr(j.raw, "\r\nX-Test: yes\r\n"));
	ck_assert_ptr_nonnull(strstr(j.raw, "\r\n\r\nGET /one wait=(none) body=0:"));
	ck_assert_msg(!strncmp(j.raw2, "HTTP/1.1 200 OK\r\n", 17), "%s", j.raw2);
	ck_assert_ptr_nonnull(strstr(j.raw2, "\r\n\r\nGET /two wait= body=0:"));
}
END_TEST

static void client_pipelined(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
		     "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
		     "HEAD /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	read_responses(fd, j->raw, sizeof(j->raw), 3);
	j->rc = closed_by_server(fd);
	close(fd);
}

START_TEST(test_pipelined)
{
	start_server();
	struct job j = {.fn = client_pipelined};
	run_job(&j);
	char *a = strstr(j.raw, "GET /a wait=(none) body=0:");
	char *b = strstr(j.raw, "POST /b wait=(none) body=3:xyz");
	ck_assert_msg(a && b && a < b, "%s", j.raw);
	/* HEAD: the head of the GET answer, Content-Length and all, no body */
	char *c = strstr(b, "HTTP/1.1 200 OK\r\n");
	ck_assert_msg(c, "%s", j.raw);
	ck_assert_ptr_nonnull(strstr(c, "Content-Length: 27\r\n"));
	ck_assert_ptr_nonnull(strstr(c, "Connection: close\r\n"));
	ck_assert_str_eq(strstr(c, "\r\n\r\n"), "\r\n\r\n");
	ck_assert_int_eq(j.rc, 1); /* closed after the third, as asked */
}
END_TEST

static void client_continue(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		     "Expect: 100-continue\r\n\r\n");
	/* The body is sent only after the 100, as curl does (after 1 s). */
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	send_str(fd, "hello");
	read_responses(fd, j->raw2, sizeof(j->raw2), 1);
	close(fd);
}

START_TEST(test_expect_continue)
{
	start_server();
	struct job j = {.fn = client_continue};
	run_job(&j);
	ck_assert_str_eq(j.raw, "HTTP/1.1 100 Continue\r\n\r\n");
	ck_assert_msg(!strncmp(j.raw2, "HTTP/1.1 200 OK\r\n", 17), "%s", j.raw2);
	ck_assert_ptr_nonnull(strstr(j.raw2, "POST /c wait=(none) body=5:hello"));
}
END_TEST

static void client_chunked(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "POST /ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
	usleep(20 * 1000); /* the body in two pieces */
	send_str(fd, "lo\r\n6;x=y\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n");
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	close(fd);
}

START_TEST(test_chunked_body)
{
	start_server();
	struct job j = {.fn = client_chunked};
	run_job(&j);
	ck_assert_msg(strstr(j.raw, "POST /ch wait=(none) body=11:hello world"), "%s", j.raw);
}
END_TEST

/* Sends j->send, reads one response and whether the server then closes. */
static void client_one(struct job *j)
{
	int fd = raw_connect();
	ck_assert_int_eq(send(fd, j->send, j->sendlen, MSG_NOSIGNAL), (ssize_t)j->sendlen);
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	j->rc = closed_by_server(fd);
	close(fd);
}

static void expect_error(const char *req, size_t len, const char *status)
{
	struct job j = {.fn = client_one, .send = req, .sendlen = len};
	run_job(&j);
	ck_assert_msg(!strncmp(j.raw, status, strlen(status)), "want %s: %s", status, j.raw);
	ck_assert_msg(strstr(j.raw, "Connection: close\r\n"), "%s", j.raw);
	ck_assert_msg(strstr(j.raw, "\r\n\r\n{\"error\": {\"code\": \""), "%s", j.raw);
	ck_assert_int_eq(j.rc, 1);
}

START_TEST(test_errors)
{
	start_server();
	const char *bad[] = {
	    "GARBAGE\r\n\r\n",
	    "GET /\r\n\r\n",
	    "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
	    "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
	    "GET /%zz HTTP/1.1\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		expect_error(bad[i], strlen(bad[i]), "HTTP/1.1 400 Bad Request\r\n");
	const char *v2 = "GET / HTTP/2.0\r\nHost: x\r\n\r\n";
	expect_error(v2, strlen(v2), "HTTP/1.1 505 HTTP Version Not Supported\r\n");
	const char *gz = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";
	expect_error(gz, strlen(gz), "HTTP/1.1 501 ");
	/* One byte over the body limit, announced: refused before the body. */
	char big[128];
	snprintf(big, sizeof(big), "POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
		 HTTP_MAX_BODY + 1);
	expect_error(big, strlen(big), "HTTP/1.1 413 Content Too Large\r\n");
	/* The server is unharmed. */
	struct job o = {.fn = client_request};
	run_job(&o);
	ck_assert_int_eq(o.resp.status, 200);
	ctl_resp_free(&o.resp);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

START_TEST(test_head_too_large)
{
	start_server();
	/* No end of head in sight: 431 once the bound is passed. */
	size_t n = HTTP_CONN_MEMORY + 100;
	char *big = malloc(n + 1);
	strcpy(big, "GET / HTTP/1.1\r\nX-Big: ");
	size_t k = strlen(big);
	memset(big + k, 'a', n - k);
	big[n] = '\0';
	expect_error(big, n, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
	/* Exactly at the bound is fine. */
	const char *tail = "\r\n\r\n";
	size_t m = HTTP_CONN_MEMORY - strlen(tail);
	memcpy(big + m, tail, strlen(tail) + 1);
	struct job j = {.fn = client_one, .send = big, .sendlen = strlen(big)};
	run_job(&j);
	ck_assert_msg(!strncmp(j.raw, "HTTP/1.1 200 ", 13), "%.200s", j.raw);
	free(big);
}
END_TEST

static void client_http10(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	send_str(fd, "GET /c HTTP/1.0\r\n\r\n");
	read_responses(fd, j->raw2, sizeof(j->raw2), 1);
	j->rc = closed_by_server(fd);
	close(fd);
}

START_TEST(test_http10)
{
	start_server();
	struct job j = {.fn = client_http10};
	run_job(&j);
	ck_assert_ptr_nonnull(strstr(j.raw, "Connection: keep-alive\r\n"));
	ck_assert_ptr_nonnull(strstr(j.raw, "GET /k wait=(none)"));
	ck_assert_ptr_nonnull(strstr(j.raw2, "Connection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(j.raw2, "GET /c wait=(none)"));
	ck_assert_int_eq(j.rc, 1);
}
END_TEST

/* Connects and sends nothing, or a head one byte at a time (slow loris);
 * measures how long until the server closes. */
static void client_idle(struct job *j)
{
	int fd = raw_connect();
	int64_t t0 = loop_now_ms();
	if (j->send) {
		for (size_t i = 0; i < j->sendlen; i++) {
			if (send(fd, j->send + i, 1, MSG_NOSIGNAL) != 1)
				break;
			usleep(40 * 1000);
		}
	}
	j->rc = closed_by_server(fd);
	j->ms = loop_now_ms() - t0;
	close(fd);
}

START_TEST(test_idle_timeout)
{
	start_server();
	http_set_idle_timeout_ms(H, 300);
	struct job j = {.fn = client_idle};
	run_job(&j);
	ck_assert_int_eq(j.rc, 1);
	ck_assert_msg(j.ms >= 250 && j.ms < 1500, "closed after %lld ms", (long long)j.ms);
	ck_assert_uint_eq(http_connections(H), 0);
	/* A byte every 40 ms keeps no head alive past the timeout: 100 bytes
	 * would take 4 s. */
	char loris[128];
	memset(loris, 'a', sizeof(loris));
	memcpy(loris, "GET / HTTP/1.1\r\nX: ", 19);
	struct job k = {.fn = client_idle, .send = loris, .sendlen = 100};
	run_job(&k);
	ck_assert_int_eq(k.rc, 1);
	ck_assert_msg(k.ms >= 250 && k.ms < 1500, "closed after %lld ms", (long long)k.ms);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

/* The head timeout: a new connection must send its head within it; a
 * kept-alive one may idle (idle timeout) until its next request's first
 * byte, and then has the head timeout again. */
static void client_head_timeout(struct job *j)
{
	int fd = raw_connect();
	int64_t t0 = loop_now_ms();
	j->rc = closed_by_server(fd);
	j->ms = loop_now_ms() - t0;
	close(fd);
	fd = raw_connect();
	send_str(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	read_responses(fd, j->raw, sizeof(j->raw), 1);
	usleep(700 * 1000); /* past the head timeout, idle: still open */
	char b;
	ssize_t k = recv(fd, &b, 1, MSG_DONTWAIT);
	j->rc += k < 0 && errno == EAGAIN ? 10 : 0;
	send_str(fd, "G");
	t0 = loop_now_ms();
	j->rc += closed_by_server(fd) ? 100 : 0;
	j->ms2 = loop_now_ms() - t0;
	close(fd);
}

START_TEST(test_head_timeout)
{
	start_server();
	http_set_head_timeout_ms(H, 300);
	struct job j = {.fn = client_head_timeout};
	run_job(&j);
	ck_assert_int_eq(j.rc, 111);
	ck_assert_msg(j.ms >= 250 && j.ms < 1500, "new: closed after %lld ms", (long long)j.ms);
	ck_assert_msg(j.ms2 >= 250 && j.ms2 < 1500, "kept-alive: closed after %lld ms",
		      (long long)j.ms2);
	ck_assert_msg(strstr(j.raw, "200 OK"), "%s", j.raw);
}
END_TEST

/* http_req_guard's verdicts, as a handler sees them. */
static void client_guard(struct job *j)
{
	static const struct {
		const char *hdrs, *body;
		const char *want;
	} cases[] = {
	    {"Host: h:1\r\n", "", "guard=0"},
	    {"Host: h:1\r\nOrigin: http://evil\r\n", "", "guard=403"},
	    {"Host: h:1\r\nOrigin: null\r\n", "", "guard=403"},
	    {"Host: h:1\r\nReferer: http://evil/x\r\n", "", "guard=403"},
	    {"Host: h:1\r\nOrigin: http://h:1\r\nReferer: http://evil/\r\n", "", "guard=403"},
	    {"Origin: http://h:1\r\n", "", "guard=403"}, /* no Host to compare */
	    {"Host: h:1\r\nOrigin: http://h:1\r\nReferer: http://h:1/i.html\r\n", "", "guard=0"},
	    {"Host: h:1\r\nContent-Type: text/plain\r\n", "{}", "guard=415"},
	    {"Host: h:1\r\nContent-Type: application/x-www-form-urlencoded\r\n", "", "guard=415"},
	    {"Host: h:1\r\n", "{}", "guard=415"},
	    {"Host: h:1\r\nContent-Type: Application/JSON; charset=utf-8\r\n", "{}", "guard=0"},
	};
	j->rc = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = raw_connect();
		char req[512];
		snprintf(req, sizeof(req), "POST /x HTTP/1.1\r\n%sContent-Length: %zu\r\n\r\n%s",
			 cases[i].hdrs, strlen(cases[i].body), cases[i].body);
		send_str(fd, req);
		char buf[2048] = "";
		read_responses(fd, buf, sizeof(buf), 1);
		close(fd);
		if (!strstr(buf, cases[i].want)) {
			snprintf(j->raw, sizeof(j->raw), "case %zu: want %s: %s", i, cases[i].want,
				 buf);
			return;
		}
		j->rc++;
	}
}

START_TEST(test_guard)
{
	mode = M_GUARD;
	start_server();
	struct job j = {.fn = client_guard};
	run_job(&j);
	ck_assert_msg(j.rc == 11, "%s", j.raw);
}
END_TEST

/* The client shuts down its sending side only, on a parked request. */
static void client_shutdown_wr(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(50 * 1000);
	shutdown(fd, SHUT_WR);
	j->rc = closed_by_server(fd);
	close(fd);
}

START_TEST(test_shutdown_deferred)
{
	mode = M_DEFER_FOREVER;
	start_server();
	struct job j = {.fn = client_shutdown_wr};
	run_job(&j);
	ck_assert_int_eq(j.rc, 1);
	ck_assert_int_eq(abandoned, 1);
	ck_assert_ptr_null(held);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

/* A stream to a client that reads nothing for a while: the writer is
 * refused past HTTP_STREAM_MAX, never more is held; the client's hangup
 * abandons the stream. */
static void client_stalled_stream(struct job *j)
{
	int fd = raw_connect();
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	send_str(fd, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(400 * 1000);
	close(fd);
}

START_TEST(test_stream_stalled)
{
	mode = M_STREAM_FLOOD;
	start_server();
	struct job j = {.fn = client_stalled_stream};
	run_job(&j);
	for (int i = 0; i < 100 && (abandoned == 0 || http_connections(H) > 0); i++)
		loop_run_once(L, 10);
	ck_assert_int_gt(flood_refused, 0);
	ck_assert_uint_le(flood_max_pending, HTTP_STREAM_MAX);
	ck_assert_int_eq(abandoned, 1);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

/* HTTP/1.0 has no chunks: a stream is the raw bytes, ended by the close. */
static void client_stream10(struct job *j)
{
	int fd = raw_connect();
	send_str(fd, "GET /tail HTTP/1.0\r\n\r\n");
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t n = 0;
	ssize_t k;
	while ((k = recv(fd, j->raw + n, sizeof(j->raw) - 1 - n, 0)) > 0)
		n += (size_t)k;
	j->raw[n] = '\0';
	j->rc = k == 0;
	close(fd);
}

START_TEST(test_stream_http10)
{
	mode = M_STREAM;
	start_server();
	struct job j = {.fn = client_stream10};
	run_job(&j);
	ck_assert_int_eq(j.rc, 1);
	ck_assert_msg(!strncmp(j.raw, "HTTP/1.1 200 OK\r\n", 17), "%s", j.raw);
	ck_assert_ptr_null(strstr(j.raw, "Transfer-Encoding"));
	ck_assert_ptr_nonnull(strstr(j.raw, "Connection: close\r\n"));
	char *body = strstr(j.raw, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(body + 4, "line 0\nline 1\nline 2\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_conn");
	TCase *tc = tcase_create("conn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_deferred);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_stream_backpressure);
	tcase_add_test(tc, test_hangup_deferred);
	tcase_add_test(tc, test_hangup_stream);
	tcase_add_test(tc, test_free_with_parked);
	tcase_add_test(tc, test_no_answer_is_500);
	tcase_add_test(tc, test_body_too_large);
	tcase_add_test(tc, test_chunked_body_too_large);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_expect_continue);
	tcase_add_test(tc, test_chunked_body);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_head_too_large);
	tcase_add_test(tc, test_http10);
	tcase_add_test(tc, test_stream_http10);
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_head_timeout);
	tcase_add_test(tc, test_guard);
	tcase_add_test(tc, test_shutdown_deferred);
	tcase_add_test(tc, test_stream_stalled);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

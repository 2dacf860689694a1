/* http: supd's HTTP/1.1 server, its listeners and their authentication
 * (http.c): the unix socket's mode and its fate at exit, a live or stale
 * socket found at start, TCP, socket activation, Basic authentication and
 * its passwords, the connection limit and running out of fds.  The
 * connections themselves are check_http_conn's; the fixture both use is
 * http_fixture.c. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "http_fixture.h"

START_TEST(test_echo_get_post)
{
	start_server();
	struct stat st;
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);

	struct job j = {.fn = client_request, .path = "/v1/x?wait=false"};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 200);
	ck_assert_str_eq(j.resp.body, "GET /v1/x wait=false body=0:");
	ck_assert_str_eq(j.resp.content_type, "text/plain");
	ck_assert_int_eq(seen_uid, getuid());
	ctl_resp_free(&j.resp);

	struct job k = {.fn = client_request, .method = "POST", .path = "/p", .body = "{\"a\":1}"};
	run_job(&k);
	ck_assert_int_eq(k.rc, 0);
	ck_assert_str_eq(k.resp.body, "POST /p wait=(none) body=7:{\"a\":1}");
	ctl_resp_free(&k.resp);

	http_free(H);
	H = NULL;
	ck_assert_int_eq(access(sock, F_OK), -1); /* unlinked at exit */
}
END_TEST

START_TEST(test_chmod)
{
	S.chmod = 0660;
	start_server();
	struct stat st;
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0660);
}
END_TEST

START_TEST(test_auth)
{
	char sha[64] = "{SHA}";
	http_sha1_hex("s3cret", 6, sha + 5);
	S.username = "admin";
	S.password = sha;
	start_server();

	struct job j = {.fn = client_request};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 401);
	ck_assert_ptr_nonnull(strstr(j.resp.body, "UNAUTHORIZED"));
	ctl_resp_free(&j.resp);

	struct job k = {.fn = client_request, .user = "admin", .pass = "wrong"};
	run_job(&k);
	ck_assert_int_eq(k.resp.status, 401);
	ctl_resp_free(&k.resp);

	struct job m = {.fn = client_request, .user = "adm", .pass = "s3cret"};
	run_job(&m);
	ck_assert_int_eq(m.resp.status, 401);
	ctl_resp_free(&m.resp);

	struct job o = {.fn = client_request, .user = "admin", .pass = "s3cret"};
	run_job(&o);
	ck_assert_int_eq(o.resp.status, 200);
	ctl_resp_free(&o.resp);

	struct job w = {.fn = client_raw,
			.send = "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!\r\n\r\n"};
	w.sendlen = strlen(w.send);
	run_job(&w);
	ck_assert_msg(!strncmp(w.raw, "HTTP/1.1 401", 12), "%s", w.raw);
	ck_assert_ptr_nonnull(strstr(w.raw, "WWW-Authenticate: Basic realm=\"default\""));
}
END_TEST

START_TEST(test_plain_password)
{
	ck_assert(http_password_ok("abc", "abc"));
	ck_assert(!http_password_ok("abc", "abd"));
	ck_assert(!http_password_ok("abc", "ab"));
	ck_assert(!http_password_ok("abc", "abcd"));
	ck_assert(!http_password_ok("abc", ""));
	ck_assert(http_password_ok("", ""));
	ck_assert(http_password_ok("{SHA}a9993e364706816aba3e25717850c26c9cd0d89d", "abc"));
	ck_assert(!http_password_ok("{SHA}a9993e364706816aba3e25717850c26c9cd0d89d", "abd"));
}
END_TEST

START_TEST(test_sha1_vectors)
{
	char hex[41];
	http_sha1_hex("", 0, hex);
	ck_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	http_sha1_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	http_sha1_hex(m, strlen(m), hex);
	ck_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	static char mil[1000000];
	memset(mil, 'a', sizeof(mil));
	http_sha1_hex(mil, sizeof(mil), hex);
	ck_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

/* Two connections fill a server limited to two: the third waits in the
 * backlog, unanswered, until one of the two closes. */
static void client_limit(struct job *j)
{
	int a = raw_connect(), b = raw_connect();
	usleep(50 * 1000);
	int c = raw_connect(); /* connect succeeds: the backlog takes it */
	send_str(c, "GET /third HTTP/1.1\r\nHost: x\r\n\r\n");
	struct timeval tv = {.tv_usec = 300 * 1000};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64];
	ssize_t r = recv(c, buf, sizeof(buf), 0);
	j->rc = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK); /* no answer yet */
	close(a);
	read_responses(c, j->raw, sizeof(j->raw), 1);
	close(b);
	close(c);
}

START_TEST(test_connection_limit)
{
	start_server();
	http_set_max_connections(H, 2);
	struct job j = {.fn = client_limit};
	run_job(&j);
	ck_assert_int_eq(j.rc, 1);
	ck_assert_msg(strstr(j.raw, "GET /third wait=(none)"), "%s", j.raw);
	/* After the clients: every connection is closed. */
	for (int i = 0; i < 100 && http_connections(H) > 0; i++)
		loop_run_once(L, 10);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

/* A full server closes its oldest connection that never sent a request
 * (once older than HTTP_EVICT_AGE_MS) to serve a new one at once. */
static void client_evict(struct job *j)
{
	int a = raw_connect();
	usleep(20 * 1000);
	int b = raw_connect();
	usleep((HTTP_EVICT_AGE_MS + 200) * 1000);
	int c = raw_connect();
	send_str(c, "GET /third HTTP/1.1\r\nHost: x\r\n\r\n");
	int64_t t0 = loop_now_ms();
	read_responses(c, j->raw, sizeof(j->raw), 1);
	j->ms = loop_now_ms() - t0;
	/* a, the oldest, is gone; b is not */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64];
	ssize_t r = recv(a, buf, sizeof(buf), 0);
	j->rc = r == 0 || (r < 0 && errno == ECONNRESET);
	r = recv(b, buf, sizeof(buf), MSG_DONTWAIT);
	j->rc += r < 0 && errno == EAGAIN ? 10 : 0;
	close(a);
	close(b);
	close(c);
}

START_TEST(test_evict_idle)
{
	start_server();
	http_set_max_connections(H, 2);
	struct job j = {.fn = client_evict};
	run_job(&j);
	ck_assert_msg(strstr(j.raw, "GET /third wait=(none)"), "%s", j.raw);
	ck_assert_msg(j.ms < 1000, "served after %lld ms", (long long)j.ms);
	ck_assert_int_eq(j.rc, 11);
	for (int i = 0; i < 100 && http_connections(H) > 0; i++)
		loop_run_once(L, 10);
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

/* Out of fds: accept fails with EMFILE while the listener stays readable.
 * The server must pause rather than spin, and serve the client once fds
 * are back. */
START_TEST(test_accept_emfile)
{
	start_server();
	int fd = raw_connect(); /* in the backlog */
	send_str(fd, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
	struct rlimit old, low;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	int fill[64], nfill = 0;
	while (nfill < 64 && (fill[nfill] = dup(0)) >= 0)
		nfill++;
	ck_assert_int_lt(nfill, 64); /* the limit was reached */
	uint64_t w0 = loop_wakeups(L);
	int64_t end = loop_now_ms() + 300;
	while (loop_now_ms() < end)
		loop_run_once(L, (int)(end - loop_now_ms()));
	uint64_t spins = loop_wakeups(L) - w0;
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	/* A pause of 100 ms: a few wakeups in 300 ms, not thousands. */
	ck_assert_msg(spins <= 10, "%llu wakeups", (unsigned long long)spins);
	ck_assert_uint_eq(http_connections(H), 0);
	/* fds are back: the client is served. */
	char buf[4096] = "";
	size_t n = 0;
	end = loop_now_ms() + 3000;
	while (loop_now_ms() < end && !strstr(buf, "GET /late")) {
		loop_run_once(L, 10);
		ssize_t k = recv(fd, buf + n, sizeof(buf) - 1 - n, MSG_DONTWAIT);
		if (k > 0)
			n += (size_t)k;
		buf[n] = '\0';
	}
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 200 ", 13), "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "GET /late wait=(none)"));
	close(fd);
}
END_TEST

START_TEST(test_live_socket_refused)
{
	start_server();
	struct http *h2;
	char err[512];
	int r = http_new(&h2, L, &C, &handlers, NULL, err, sizeof(err));
	ck_assert_int_eq(r, -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err, "Another program is already listening"));
	/* The live socket is untouched. */
	struct job j = {.fn = client_request};
	run_job(&j);
	ck_assert_int_eq(j.resp.status, 200);
	ctl_resp_free(&j.resp);
}
END_TEST

START_TEST(test_stale_socket_replaced)
{
	/* A socket file nobody listens on, as a crashed supd leaves it. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	start_server();
	struct job j = {.fn = client_request};
	run_job(&j);
	ck_assert_int_eq(j.resp.status, 200);
	ctl_resp_free(&j.resp);
}
END_TEST

START_TEST(test_no_listener)
{
	C.nservers = 0;
	start_server();
	ck_assert_uint_eq(http_connections(H), 0);
}
END_TEST

START_TEST(test_path_too_long)
{
	char p[200];
	memset(p, 'x', sizeof(p) - 1);
	p[sizeof(p) - 1] = '\0';
	S.file = p;
	struct http *h;
	char err[512];
	ck_assert_int_eq(http_new(&h, L, &C, &handlers, NULL, err, sizeof(err)), -ENAMETOOLONG);
	/* and no lock file beside a socket that cannot be */
	char lock[sizeof(p) + 8];
	snprintf(lock, sizeof(lock), "%s.lock", p);
	ck_assert_int_ne(access(lock, F_OK), 0);
}
END_TEST

/* TCP on loopback, with authentication: the same server, another socket. */
START_TEST(test_inet)
{
	S.inet = true;
	S.section = "inet_http_server";
	S.host = "127.0.0.1";
	S.username = "u";
	S.password = "p";
	char err[512];
	int r = -EADDRINUSE;
	for (int i = 0; i < 50 && r == -EADDRINUSE; i++) {
		S.port = 20000 + (getpid() + i * 7919) % 40000;
		r = http_new(&H, L, &C, &handlers, NULL, err, sizeof(err));
	}
	ck_assert_msg(r == 0, "%d %s", r, err);
	struct job j = {.fn = client_request, .user = "u", .pass = "p", .path = "/x?wait=1"};
	run_job(&j);
	ck_assert_int_eq(j.rc, 0);
	ck_assert_int_eq(j.resp.status, 200);
	ck_assert_str_eq(j.resp.body, "GET /x wait=1 body=0:");
	ck_assert_int_eq(seen_uid, (uid_t)-1); /* no peer credentials over TCP */
	ctl_resp_free(&j.resp);
	struct job k = {.fn = client_request};
	run_job(&k);
	ck_assert_int_eq(k.resp.status, 401);
	ctl_resp_free(&k.resp);
	/* The port is ours: a second server on it is refused. */
	struct http *h2;
	ck_assert_int_eq(http_new(&h2, L, &C, &handlers, NULL, err, sizeof(err)), -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err, "Another program is already listening"));
}
END_TEST

#ifdef HAVE_SYSTEMD
/* Socket activation: the listener is the socket systemd passed, used
 * again after a reload, and never unlinked by us. */
START_TEST(test_socket_activation)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, sock);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s, 16), 0);
	/* LISTEN_FDS counts from fd 3, without holes: the lowest free fd
	 * has every fd below it open (s among them, kept open).  Those are
	 * not listening at our path and must be ignored. */
	int fd = fcntl(s, F_DUPFD, 3);
	char n[16], pid[16];
	snprintf(n, sizeof(n), "%d", fd - 3 + 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", n, 1);
	setenv("LISTEN_PID", pid, 1);
	for (int round = 0; round < 2; round++) {
		start_server();
		struct job j = {.fn = client_request};
		run_job(&j);
		ck_assert_int_eq(j.rc, 0);
		ck_assert_int_eq(j.resp.status, 200);
		ctl_resp_free(&j.resp);
		http_free(H);
		H = NULL;
		ck_assert_int_eq(access(sock, F_OK), 0);
	}
	ck_assert_ptr_null(getenv("LISTEN_FDS"));
	close(fd);
	close(s);
}
END_TEST
#endif

static Suite *suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("listener");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_echo_get_post);
	tcase_add_test(tc, test_chmod);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_connection_limit);
	tcase_add_test(tc, test_evict_idle);
	tcase_add_test(tc, test_accept_emfile);
	tcase_add_test(tc, test_live_socket_refused);
	tcase_add_test(tc, test_stale_socket_replaced);
	tcase_add_test(tc, test_no_listener);
	tcase_add_test(tc, test_path_too_long);
	tcase_add_test(tc, test_inet);
#ifdef HAVE_SYSTEMD
	tcase_add_test(tc, test_socket_activation);
#endif
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("password");
	tcase_add_test(tp, test_plain_password);
	tcase_add_test(tp, test_sha1_vectors);
	suite_add_tcase(s, tp);
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

/* http: supd's HTTP/1.1 server on our loop, exercised by real clients.
 *
 * The server runs in the test's loop on the main thread; the client (our
 * blocking ctl_http client, or a raw socket) runs in a second thread and
 * stops the loop through an eventfd when it is done. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_http.h"
#include "http.h"
#include "loop.h"

/* ---------------------------------------------------------------- fixture */

static char dir[256];
static char sock[300];
static struct loop *L;
static struct http *H;
static struct conf C;
static struct conf_server S;

/* What the handler saw and how it should answer. */
enum mode { M_ECHO, M_DEFER, M_STREAM, M_DEFER_FOREVER, M_NOANSWER, M_STREAM_BIG, M_STREAM_FLOOD };
static enum mode mode;
static struct http_req *held;
static int abandoned;
static struct loop_timer later;
static int stream_step;
static uid_t seen_uid = (uid_t)-1;
#define BIG_TOTAL (3u * 1024 * 1024)
static size_t big_sent;
/* M_STREAM_FLOOD: what the writer saw */
static size_t flood_max_pending;
static int flood_refused;

static void on_later(struct loop *l, void *arg)
{
	if (mode == M_DEFER) {
		http_reply(held, 202, "text/plain", "late", 4);
		held = NULL;
		return;
	}
	if (mode == M_STREAM_FLOOD) {
		/* Writes 64 KiB every 2 ms, whether the client reads or not. */
		static char chunk[65536];
		memset(chunk, 'f', sizeof(chunk));
		int r = http_stream_write(held, chunk, sizeof(chunk));
		if (r == -ENOBUFS)
			flood_refused++;
		else
			ck_assert_int_eq(r, 0);
		if (http_stream_pending(held) > flood_max_pending)
			flood_max_pending = http_stream_pending(held);
		loop_timer_arm(L, &later, loop_now_ms() + 2);
		return;
	}
	if (mode == M_STREAM) {
		if (stream_step < 3) {
			char b[16];
			int n = snprintf(b, sizeof(b), "line %d\n", stream_step++);
			ck_assert_int_eq(http_stream_write(held, b, (size_t)n), 0);
			loop_timer_arm(L, &later, loop_now_ms() + 20);
		} else {
			http_stream_end(held);
			held = NULL;
		}
	}
}

static void on_request(struct http_req *r, void *ctx)
{
	uid_t uid;
	if (http_req_peer(r, &uid, NULL) == 0)
		seen_uid = uid;
	switch (mode) {
	case M_ECHO: {
		size_t len;
		const char *body = http_req_body(r, &len);
		const char *w = http_req_arg(r, "wait");
		char out[512];
		int n = snprintf(out, sizeof(out), "%s %s wait=%s body=%zu:%s", http_req_method(r),
				 http_req_path(r), w ? w : "(none)", len, body);
		http_add_header(r, "X-Test", "yes");
		http_reply(r, 200, "text/plain", out, (size_t)n);
		return;
	}
	case M_DEFER:
	case M_DEFER_FOREVER:
		held = r;
		http_defer(r);
		if (mode == M_DEFER)
			loop_timer_arm(L, &later, loop_now_ms() + 30);
		return;
	case M_STREAM:
		held = r;
		stream_step = 0;
		ck_assert_int_eq(http_stream_begin(r, NULL), 0);
		loop_timer_arm(L, &later, loop_now_ms() + 20);
		return;
	case M_NOANSWER:
		return;
	case M_STREAM_BIG:
		held = r;
		big_sent = 0;
		ck_assert_int_eq(http_stream_begin(r, NULL), 0);
		return;
	case M_STREAM_FLOOD:
		held = r;
		ck_assert_int_eq(http_stream_begin(r, NULL), 0);
		loop_timer_arm(L, &later, loop_now_ms() + 2);
		return;
	}
}

static void on_abandoned(struct http_req *r, void *ctx)
{
	ck_assert_ptr_eq(r, held);
	held = NULL;
	abandoned++;
	loop_timer_cancel(L, &later);
}

/* M_STREAM_BIG: 3 MiB pushed only when the server says the client can
 * take more, never more than HTTP_STREAM_MAX buffered. */
static void on_writable(struct http_req *r, void *ctx)
{
	if (mode != M_STREAM_BIG)
		return;
	static char chunk[256 * 1024];
	memset(chunk, 'b', sizeof(chunk));
	while (big_sent < BIG_TOTAL && http_stream_pending(r) + sizeof(chunk) <= HTTP_STREAM_MAX) {
		if (http_stream_write(r, chunk, sizeof(chunk)) != 0)
			ck_abort_msg("http_stream_write failed");
		big_sent += sizeof(chunk);
	}
	if (big_sent >= BIG_TOTAL) {
		http_stream_end(r);
		held = NULL;
	}
}

static const struct http_handlers handlers = {
    .request = on_request,
    .abandoned = on_abandoned,
    .writable = on_writable,
};

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_http.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	ck_assert_int_eq(loop_new(&L), 0);
	memset(&C, 0, sizeof(C));
	memset(&S, 0, sizeof(S));
	S.section = "unix_http_server";
	S.file = sock;
	S.chmod = 0700;
	C.servers = &S;
	C.nservers = 1;
	mode = M_ECHO;
	flood_max_pending = 0;
	flood_refused = 0;
	seen_uid = (uid_t)-1;
	held = NULL;
	abandoned = 0;
	loop_timer_init(&later, on_later, NULL);
	H = NULL;
}

static void start_server(void)
{
	char err[512];
	int r = http_new(&H, L, &C, &handlers, NULL, err, sizeof(err));
	ck_assert_msg(r == 0, "http_new: %d %s", r, err);
}

static void teardown(void)
{
	if (H)
		http_free(H);
	H = NULL;
	loop_timer_cancel(L, &later);
	loop_free(L);
	unlink(sock);
	rmdir(dir);
}

/* ---------------------------------------------------------------- client thread */

struct job {
	void (*fn)(struct job *j);
	int efd;
	/* results */
	int rc;
	struct ctl_resp resp;
	char streamed[256];
	size_t nstreamed;
	char raw[4096];
	char raw2[4096];
	int64_t ms; /* how long something took */
	const char *user, *pass;
	const char *method, *path, *body;
	const char *send; /* raw bytes to send */
	size_t sendlen;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	j->fn(j);
	uint64_t one = 1;
	ck_assert_int_eq(write(j->efd, &one, sizeof(one)), sizeof(one));
	return NULL;
}

static void on_job_done(struct loop *l, int fd, uint32_t ev, void *arg)
{
	loop_stop(l);
}

static void on_deadline(struct loop *l, void *arg)
{
	ck_abort_msg("client did not finish in time");
}

/* Runs j->fn in a thread while the loop serves it. */
static void run_job(struct job *j)
{
	j->efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(j->efd, 0);
	ck_assert_int_eq(loop_watch_fd(L, j->efd, EPOLLIN, on_job_done, j), 0);
	struct loop_timer deadline;
	loop_timer_init(&deadline, on_deadline, NULL);
	loop_timer_arm(L, &deadline, loop_now_ms() + 5000);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, job_main, j), 0);
	loop_run(L);
	pthread_join(t, NULL);
	loop_timer_cancel(L, &deadline);
	loop_unwatch_fd(L, j->efd);
	close(j->efd);
}

static int count_bytes(void *arg, const char *buf, size_t len)
{
	struct job *j = arg;
	size_t bad = 0;
	for (size_t i = 0; i < len; i++)
		bad += buf[i] != 'b';
	if (bad)
		ck_abort_msg("%zu wrong bytes", bad);
	j->nstreamed += len;
	return 0;
}

static int collect(void *arg, const char *buf, size_t len)
{
	struct job *j = arg;
	ck_assert_uint_lt(j->nstreamed + len, sizeof(j->streamed));
	memcpy(j->streamed + j->nstreamed, buf, len);
	j->nstreamed += len;
	return 0;
}

static void client_request(struct job *j)
{
	char url[400];
	struct ctl_client c;
	if (S.inet)
		snprintf(url, sizeof(url), "http://%s:%d", S.host, S.port);
	else
		snprintf(url, sizeof(url), "unix://%s", sock);
	ck_assert_int_eq(ctl_client_init(&c, url, j->user, j->pass), 0);
	j->rc = ctl_request(&c, j->method ? j->method : "GET", j->path ? j->path : "/", j->body,
			    j->body ? strlen(j->body) : 0, &j->resp,
			    mode == M_STREAM	   ? collect
			    : mode == M_STREAM_BIG ? count_bytes
						   : NULL,
			    j);
	ctl_client_free(&c);
}

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Sends raw bytes, reads until the server closes or the response headers
 * are in. */
static void client_raw(struct job *j)
{
	int fd = raw_connect();
	ck_assert_int_eq(send(fd, j->send, j->sendlen, MSG_NOSIGNAL), (ssize_t)j->sendlen);
	size_t n = 0;
	for (;;) {
		ssize_t k = recv(fd, j->raw + n, sizeof(j->raw) - 1 - n, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
		j->raw[n] = '\0';
		if (strstr(j->raw, "\r\n\r\n"))
			break;
	}
	j->raw[n] = '\0';
	close(fd);
}

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

/* ---------------------------------------------------------------- tests */

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

/* ---------------------------------------------------------------- the protocol, raw */

static void send_str(int fd, const char *s)
{
	ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Bytes of one whole response at the start of b (head, and a body of
 * Content-Length bytes), or 0 while incomplete. */
static size_t response_len(const char *b, size_t n)
{
	const char *e = memmem(b, n, "\r\n\r\n", 4);
	if (!e)
		return 0;
	size_t head = (size_t)(e - b) + 4;
	if (!strncmp(b, "HTTP/1.1 100 ", 13))
		return head;
	const char *cl = strcasestr(b, "\r\nContent-Length: ");
	size_t body = cl && cl < e ? strtoul(cl + 18, NULL, 10) : 0;
	return head + body <= n ? head + body : 0;
}

/* Reads until want whole responses are in buf (or EOF, or 2 s pass).
 * Returns the bytes read. */
static size_t read_responses(int fd, char *buf, size_t cap, int want)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t n = 0;
	for (;;) {
		size_t off = 0;
		int got = 0;
		size_t k;
		while (got < want && (k = response_len(buf + off, n - off)) > 0) {
			off += k;
			got++;
		}
		if (got == want)
			break;
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
	}
	buf[n] = '\0';
	return n;
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
	TCase *tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_echo_get_post);
	tcase_add_test(tc, test_chmod);
	tcase_add_test(tc, test_deferred);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_stream_backpressure);
	tcase_add_test(tc, test_hangup_deferred);
	tcase_add_test(tc, test_hangup_stream);
	tcase_add_test(tc, test_free_with_parked);
	tcase_add_test(tc, test_no_answer_is_500);
	tcase_add_test(tc, test_auth);
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
	tcase_add_test(tc, test_connection_limit);
	tcase_add_test(tc, test_accept_emfile);
	tcase_add_test(tc, test_shutdown_deferred);
	tcase_add_test(tc, test_stream_stalled);
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

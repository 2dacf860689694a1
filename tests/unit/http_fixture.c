/* The server and the clients the http suites share: see
 * http_fixture.h. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "http_fixture.h"

/* ---------------------------------------------------------------- server */

static char dir[256];
char sock[300];
struct loop *L;
struct http *H;
struct conf C;
struct conf_server S;

enum mode mode;
struct http_req *held;
int abandoned;
static struct loop_timer later;
static int stream_step;
uid_t seen_uid = (uid_t)-1;
static size_t big_sent;
size_t flood_max_pending;
int flood_refused;

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
	case M_GUARD: {
		static const char *const json[] = {"application/json", NULL};
		char out[32];
		int n = snprintf(out, sizeof(out), "guard=%u", http_req_guard(r, json));
		http_reply(r, 200, "text/plain", out, (size_t)n);
		return;
	}
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

const struct http_handlers handlers = {
    .request = on_request,
    .abandoned = on_abandoned,
    .writable = on_writable,
};

void setup(void)
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

void start_server(void)
{
	char err[512];
	int r = http_new(&H, L, &C, &handlers, NULL, err, sizeof(err));
	ck_assert_msg(r == 0, "http_new: %d %s", r, err);
}

void teardown(void)
{
	if (H)
		http_free(H);
	H = NULL;
	loop_timer_cancel(L, &later);
	loop_free(L);
	unlink(sock);
	char lock[sizeof(sock) + 8];
	snprintf(lock, sizeof(lock), "%s.lock", sock); /* (http.c's, kept) */
	unlink(lock);
	rmdir(dir);
}

/* ---------------------------------------------------------------- client thread */

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

void on_deadline(struct loop *l, void *arg)
{
	ck_abort_msg("client did not finish in time");
}

void run_job(struct job *j)
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

void client_request(struct job *j)
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

int raw_connect(void)
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
void client_raw(struct job *j)
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

/* ---------------------------------------------------------------- the protocol, raw */

void send_str(int fd, const char *s)
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
size_t read_responses(int fd, char *buf, size_t cap, int want)
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

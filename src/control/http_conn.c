/* The control plane's HTTP/1.1 connections, on supd's epoll loop.
 *
 * A connection reads one request at a time: its head (bounded by
 * HTTP_CONN_MEMORY), then its body (Content-Length or chunked, bounded by
 * HTTP_MAX_BODY); then it stops reading and hands the request to the
 * handler.  Bytes a client pipelined behind it wait in the connection's
 * input buffer, or in the socket, until the answer is out.  So a
 * connection holds at most one request head of input, one body, and the
 * one answer the handler built (or a stream's HTTP_STREAM_MAX).
 *
 * The epoll mask says what the connection waits for: EPOLLIN while it reads
 * a request, EPOLLOUT only while output is pending, and EPOLLRDHUP always
 * (until seen), so that a client hanging up on a parked request is noticed
 * at once.  One timer per connection bounds every wait on the client:
 * a request head (HTTP_HEAD_TIMEOUT_S from the accept, or from a later
 * request's first byte), idle between requests, a body, and each stall of
 * a response the client does not read.  A parked request (deferred, or a
 * stream with nothing to send) has no deadline: the head timeout ends with
 * the head.  http_accept.c decides which connections come in.
 *
 * Handlers' calls (http_reply, http_stream_write...) from outside a
 * connection's own event only queue and set EPOLLOUT; sending happens in
 * the connection's event, so a handler is never re-entered from its own
 * call and a connection is only freed at the end of its own event.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "buf.h"
#include "http_int.h"
#include "http_parse.h"
#include "log.h"

#define LINGER_MS    2000  /* draining a client's unread bytes after an error */
#define LINGER_BYTES 65536 /* ... at most so many: an endless body is cut */
#define READ_CHUNK   16384 /* bytes per read */

static void conn_mask(struct conn *c);
static void conn_update(struct conn *c);

/* ---------------------------------------------------------------- helpers */

static int64_t now_ms(void)
{
	return loop_now_ms();
}

/* The time a request head may take (never more than the idle timeout,
 * which tests shorten). */
static int head_ms(const struct http *h)
{
	return h->head_ms < h->idle_ms ? h->head_ms : h->idle_ms;
}

/* Drops the first n bytes of b. */
static void buf_drop(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = '\0';
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* An IMF-fixdate, without the locale's day and month names. */
static void http_date(char out[32])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool out_pending(const struct conn *c)
{
	return c->out_off < c->out.len || c->boff < c->blen;
}

/* ---------------------------------------------------------------- requests */

static void abandon(struct http_req *r)
{
	r->gone = true;
	if (r->held) {
		r->held = false;
		struct http *h = r->c->http;
		void *arg = r->data;
		if (r->on_gone && arg) {
			r->data = NULL;
			r->on_gone(arg);
		}
		if (h->h.abandoned)
			h->h.abandoned(r, h->ctx);
	}
}

static void req_free(struct http_req *r)
{
	if (!r)
		return;
	free(r->headbuf);
	buf_free(&r->body);
	buf_free(&r->rhdrs);
	buf_free(&r->sbuf);
	free(r->user);
	free(r);
}

/* The request is through: the connection reads the next one, or closes. */
static void req_done(struct conn *c)
{
	struct http_req *r = c->req;
	c->req = NULL;
	if (r) {
		abandon(r);
		req_free(r);
	}
	if (c->close_after) {
		/* Closing with bytes of the client unread would reset the
		 * connection, and the client might lose the answer: shut down
		 * our side and wait (briefly) for the client's close. */
		shutdown(c->fd, SHUT_WR);
		c->state = CS_LINGER;
		c->deadline =
		    now_ms() + (c->http->idle_ms < LINGER_MS ? c->http->idle_ms : LINGER_MS);
		return;
	}
	c->state = CS_HEAD;
	c->started = false;
	c->since = now_ms();
	c->deadline = c->since + c->http->idle_ms;
	/* A kept-alive connection waiting for its next request holds no
	 * buffer: 512 idle clients cost 512 small structs. */
	if (!c->in.len)
		buf_free(&c->in);
	buf_free(&c->out);
}

/* ---------------------------------------------------------------- responses */

/* Queues a status line and the headers every answer has.  length < 0: a
 * stream (chunked, or until close for an HTTP/1.0 client). */
int http_queue_head(struct conn *c, struct http_req *r, unsigned status, const char *ctype,
		    long long length)
{
	bool keep = r && r->keep_alive && !c->close_after && !c->http->closing;
	if (length < 0 && r && r->head.minor == 0)
		keep = false; /* no chunks in HTTP/1.0: the end is the close */
	if (!keep)
		c->close_after = true;
	char date[32];
	http_date(date);
	int e = buf_printf(&c->out,
			   "HTTP/1.1 %u %s\r\nServer: supd/" PACKAGE_VERSION
			   "\r\nDate: %s\r\nContent-Type: %s\r\n",
			   status, http_reason(status), date, ctype);
	if (!e && length >= 0)
		e = buf_printf(&c->out, "Content-Length: %lld\r\n", length);
	else if (!e && r && r->head.minor > 0)
		e = buf_printf(&c->out, "Transfer-Encoding: chunked\r\n");
	if (!e && !keep)
		e = buf_printf(&c->out, "Connection: close\r\n");
	else if (!e && r->head.minor == 0)
		e = buf_printf(&c->out, "Connection: keep-alive\r\n");
	if (!e && r && r->rhdrs.len)
		e = buf_add(&c->out, r->rhdrs.p, r->rhdrs.len);
	if (!e)
		e = buf_add(&c->out, "\r\n", 2);
	return e;
}

int http_queue_body(struct conn *c, const void *body, size_t len)
{
	if (!len)
		return 0;
	c->body = malloc(len);
	if (!c->body)
		return -ENOMEM;
	memcpy(c->body, body, len);
	c->blen = len;
	c->boff = 0;
	return 0;
}

/* Answers the current request (if any) with an error of the JSON form
 * api.c uses.  close: the framing is lost (or the body is left unread):
 * shut the connection down after the answer. */
static void conn_error(struct conn *c, unsigned status, const char *code, const char *msg,
		       bool close)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "{\"error\": {\"code\": \"%s\", \"message\": \"%s\"}}\n", code, msg);
	struct http_req *r = c->req;
	log_debug("%s: %u %s", c->ls->section, status, msg);
	if (close)
		c->close_after = true;
	if (r) {
		buf_free(&r->rhdrs);
		if (status == 401)
			buf_printf(&r->rhdrs, "WWW-Authenticate: Basic realm=\"default\"\r\n");
		r->phase = PH_ANSWERED;
	}
	if (http_queue_head(c, r, status, "application/json", n) < 0 ||
	    (!(r && r->head_only) && http_queue_body(c, body, (size_t)n) < 0))
		c->dead = true;
	c->state = CS_REQ;
}

/* Frames the next stream chunk, or the last one.  Returns false when the
 * stream has nothing to send now. */
static bool stream_next(struct conn *c, struct http_req *r)
{
	if (r->chunk_len) {
		buf_drop(&r->sbuf, r->chunk_len);
		r->chunk_len = 0;
		if (r->chunked_out && buf_add(&c->out, "\r\n", 2) < 0)
			return c->dead = true, false;
	}
	if (r->sbuf.len) {
		if (r->chunked_out && buf_printf(&c->out, "%zx\r\n", r->sbuf.len) < 0)
			return c->dead = true, false;
		/* (sbuf may move as the handler adds to it: no pointer kept) */
		r->chunk_len = r->sbuf.len;
		c->blen = r->chunk_len;
		c->boff = 0;
		return true;
	}
	if (r->stream_ended) {
		if (r->chunked_out && buf_add(&c->out, "0\r\n\r\n", 5) < 0)
			return c->dead = true, false;
		r->stream_done = true;
		return true;
	}
	return false;
}

/* Everything queued is out: queue what comes next.  Returns true when
 * there is more to send. */
static bool next_output(struct conn *c)
{
	c->out.len = 0;
	c->out_off = 0;
	free(c->body);
	c->body = NULL;
	c->blen = c->boff = 0;
	struct http_req *r = c->req;
	if (c->state != CS_REQ || (r && r->phase != PH_ANSWERED))
		return false; /* "100 Continue" went out; or parked */
	if (r && r->stream && !r->stream_done) {
		if (r->head_only) {
			abandon(r); /* HEAD: the head was the whole answer */
		} else {
			if (stream_next(c, r))
				return true;
			struct http *h = c->http;
			if (c->dead || !r->held || (!r->on_writable && !h->h.writable))
				return false;
			/* The client took everything: the handler may go on. */
			if (!r->on_writable)
				h->h.writable(r, h->ctx);
			else if (r->data)
				r->on_writable(r->data);
			return !r->gone && stream_next(c, r);
		}
	}
	req_done(c);
	return false;
}

/* Sends what is queued, and what comes after it, until the socket is
 * full. */
static void conn_flush(struct conn *c)
{
	while (!c->dead) {
		if (!out_pending(c)) {
			if (!next_output(c))
				return;
			continue;
		}
		struct iovec iov[2];
		int n = 0;
		if (c->out_off < c->out.len)
			iov[n++] = (struct iovec){c->out.p + c->out_off, c->out.len - c->out_off};
		if (c->boff < c->blen) {
			char *bp = c->body ? c->body : c->req->sbuf.p;
			iov[n++] = (struct iovec){bp + c->boff, c->blen - c->boff};
		}
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t k = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;
			return;
		}
		size_t sent = (size_t)k, h = c->out.len - c->out_off;
		if (sent >= h) {
			c->out_off = c->out.len;
			c->boff += sent - h;
		} else {
			c->out_off += sent;
		}
		if (c->state == CS_REQ)
			c->deadline = now_ms() + c->http->idle_ms;
	}
}

/* ---------------------------------------------------------------- reading */

static void dispatch(struct conn *c)
{
	struct http_req *r = c->req;
	struct http *h = c->http;
	c->state = CS_REQ;
	c->deadline = now_ms() + h->idle_ms;
	r->phase = PH_HANDLER;
	h->h.request(r, h->ctx);
	if (r->phase == PH_HANDLER)
		conn_error(c, 500, "FAILED", "request not answered", false);
}

/* The failure count's key for c's peer: its address, or a unix peer's
 * uid. */
static unsigned fail_key(const struct conn *c, unsigned char key[8])
{
	memset(key, 0, 8);
	if (c->peer_family) {
		memcpy(key, c->peer_key, 8);
		return c->peer_family;
	}
	memcpy(key, &c->uid, sizeof(c->uid));
	return AF_UNIX;
}

static void login_ok(struct conn *c)
{
	unsigned char key[8];
	unsigned fam = fail_key(c, key);
	if (c->http->fails && (c->ls->username || access_accounts(c->ls->access)))
		access_fail_clear(c->http->fails, fam, key);
}

/* A failed login, counted against its address (it is answered at once). */
static void unauthorized(struct conn *c, bool close)
{
	struct http *h = c->http;
	unsigned char key[8];
	unsigned fam = fail_key(c, key);
	unsigned count = 0;
	if (!h->fails)
		h->fails = access_fails_new();
	int delay = h->fails ? access_fail(h->fails, fam, key, now_ms(), &count) : 0;
	if (delay > 0)
		log_warn("%s: %u failed logins in a row from one client: its next attempts wait "
			 "their turn, %d ms apart",
			 c->ls->section, count, delay);
	conn_error(c, 401, "UNAUTHORIZED", "authentication required", close);
}

/* After more than a few failed logins from c's address, its requests
 * wait their turn before their credentials are checked (a hash costs
 * supd's loop its time): parked on the connection's own timer, the loop
 * free meanwhile.  True when c now waits. */
static bool wait_turn(struct conn *c)
{
	struct http *h = c->http;
	if (c->waited || !h->fails || (!c->ls->username && !access_accounts(c->ls->access)))
		return false;
	unsigned char key[8];
	unsigned fam = fail_key(c, key);
	int w = access_fail_wait(h->fails, fam, key, now_ms());
	if (w <= 0)
		return false;
	c->penalty = true;
	c->state = CS_REQ; /* reads nothing more meanwhile */
	c->req->phase = PH_DEFERRED;
	c->deadline = now_ms() + w;
	return true;
}

/* The role of a unix peer: its uid and groups as the kernel saw them at
 * connect (SO_PEERCRED, SO_PEERGROUPS). */
static enum conf_role peer_role(struct conn *c)
{
	if (!c->have_peer)
		return CONF_ROLE_NONE;
	gid_t gids[256];
	gids[0] = c->gid;
	socklen_t len = sizeof(gids) - sizeof(gid_t);
	size_t n = 1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, gids + 1, &len) == 0)
		n += len / sizeof(gid_t);
	return access_peer_role(c->ls->access, c->uid, gids, n, geteuid());
}

/* After the head: checks what the body will be and authentication. */
static void start_request(struct conn *c)
{
	struct http_req *r = c->req;
	const struct http_head *hd = &r->head;
	r->head_only = !strcmp(hd->method, "HEAD");
	const char *connection = http_head_header(hd, "Connection");
	r->keep_alive = hd->minor > 0 ? !http_list_has(connection, "close")
				      : http_list_has(connection, "keep-alive");
	uint64_t len;
	int e = http_body_framing(hd, &c->chunked, &len);
	if (e == -ENOSYS) {
		conn_error(c, 501, "NOT_IMPLEMENTED", "transfer coding not supported", true);
		return;
	}
	if (e == -EOVERFLOW || (!e && len > HTTP_MAX_BODY)) {
		conn_error(c, 413, "BAD_ARGUMENTS", "request body too large", true);
		return;
	}
	if (e < 0) {
		conn_error(c, 400, "BAD_ARGUMENTS", "malformed request framing", true);
		return;
	}
	bool body = c->chunked || len > 0;
	if (wait_turn(c))
		return;
	c->waited = false;
	/* An early answer leaves the body unread: the connection cannot go on. */
	if (!http_authorized(c->ls, http_head_header(hd, "Authorization"), &r->role, &r->user)) {
		unauthorized(c, body);
		return;
	}
	login_ok(c);
	if (c->ls->is_unix && access_has_roles(c->ls->access))
		r->role = peer_role(c);
	c->served = true;
	const char *expect = http_head_header(hd, "Expect");
	if (expect && strcasecmp(expect, "100-continue")) {
		conn_error(c, 417, "BAD_ARGUMENTS", "unsupported expectation", true);
		return;
	}
	if (buf_add(&r->body, "", 0) < 0) {
		c->dead = true;
		return;
	}
	if (!body) {
		dispatch(c);
		return;
	}
	c->left = len;
	memset(&c->ch, 0, sizeof(c->ch));
	c->state = CS_BODY;
	/* The head was quick; a body of up to HTTP_MAX_BODY may take longer. */
	c->deadline = now_ms() + c->http->idle_ms;
	r->phase = PH_READING;
	/* curl waits a second for this before sending the body anyway. */
	if (expect && hd->minor > 0 && (c->chunked || c->in.len < len) &&
	    buf_add(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0)
		c->dead = true;
}

/* Reads a head out of the input, if it is complete.  Returns whether the
 * connection moved on. */
static bool read_head(struct conn *c)
{
	if (c->scan == 0) {
		/* Empty lines before a request line are skipped (RFC 9112 2.2). */
		size_t k = strspn(c->in.p ? c->in.p : "", "\r\n");
		if (k)
			buf_drop(&c->in, k);
	}
	if (c->in.len && !c->started) {
		/* From a request's first byte, its head has head_ms (a new
		 * connection's clock runs from the accept already). */
		int64_t d = now_ms() + head_ms(c->http);
		c->started = true;
		if (d < c->deadline)
			c->deadline = d;
	}
	size_t end = http_head_end(c->in.p, c->in.len, &c->scan);
	if (!end && c->in.len <= HTTP_CONN_MEMORY)
		return false;
	if (!end || end > HTTP_CONN_MEMORY) {
		conn_error(c, 431, "BAD_ARGUMENTS", "request head too large", true);
		return true;
	}
	c->scan = 0;
	struct http_req *r = calloc(1, sizeof(*r));
	char *hb = malloc(end + 1);
	if (!r || !hb) {
		free(r);
		free(hb);
		c->dead = true;
		return true;
	}
	memcpy(hb, c->in.p, end);
	hb[end] = '\0';
	buf_drop(&c->in, end);
	r->c = c;
	r->headbuf = hb;
	c->req = r;
	int e = http_parse_head(hb, end, &r->head);
	if (e == -EPROTONOSUPPORT)
		conn_error(c, 505, "BAD_ARGUMENTS", "HTTP version not supported", true);
	else if (e == -E2BIG)
		conn_error(c, 431, "BAD_ARGUMENTS", "too many headers", true);
	else if (e < 0)
		conn_error(c, 400, "BAD_ARGUMENTS", "malformed request", true);
	else
		start_request(c);
	return true;
}

static bool read_body(struct conn *c)
{
	struct http_req *r = c->req;
	if (!c->in.len)
		return false;
	if (!c->chunked) {
		size_t n = c->in.len < c->left ? c->in.len : (size_t)c->left;
		if (buf_add(&r->body, c->in.p, n) < 0)
			return c->dead = true;
		buf_drop(&c->in, n);
		c->left -= n;
		if (c->left == 0)
			dispatch(c);
		return true;
	}
	size_t used, out;
	int e = http_chunked_decode(&c->ch, c->in.p, c->in.len, &used, &out);
	if (out && r->body.len + out > HTTP_MAX_BODY) {
		conn_error(c, 413, "BAD_ARGUMENTS", "request body too large", true);
		return true;
	}
	if (out && buf_add(&r->body, c->in.p, out) < 0)
		return c->dead = true;
	buf_drop(&c->in, used);
	if (e < 0)
		conn_error(c, 400, "BAD_ARGUMENTS", "malformed chunked body", true);
	else if (e == 1)
		dispatch(c);
	return e != 0;
}

static void conn_read(struct conn *c)
{
	static char scratch[READ_CHUNK];
	size_t room = sizeof(scratch);
	/* A head needs no more than one byte past the bound to be refused. */
	if (c->state == CS_HEAD) {
		size_t left = c->in.len <= HTTP_CONN_MEMORY ? HTTP_CONN_MEMORY + 1 - c->in.len : 0;
		if (left == 0)
			return;
		if (left < room)
			room = left;
	}
	ssize_t n = read(c->fd, scratch, room);
	if (n == 0) {
		c->eof = c->rdhup = true;
	} else if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			c->dead = true;
	} else if (c->state == CS_LINGER) {
		c->drained += (size_t)n;
		if (c->drained > LINGER_BYTES)
			c->dead = true;
	} else if (buf_add(&c->in, scratch, (size_t)n) < 0) {
		c->dead = true;
	}
}

/* Moves the connection on as far as it goes without waiting. */
static void conn_run(struct conn *c)
{
	while (!c->dead) {
		conn_flush(c);
		if (c->dead || c->state == CS_REQ || c->state == CS_LINGER)
			return;
		bool moved = c->state == CS_HEAD ? read_head(c) : read_body(c);
		if (!moved) {
			/* Nothing more will come: a request cut short is dropped. */
			if (c->eof && !out_pending(c))
				c->dead = true;
			return;
		}
	}
}

/* ---------------------------------------------------------------- events */

void http_conn_free(struct conn *c)
{
	struct http *h = c->http;
	struct http_req *r = c->req;
	c->req = NULL;
	if (r) {
		abandon(r);
		req_free(r);
	}
	loop_timer_cancel(h->loop, &c->timer);
	loop_unwatch_fd(h->loop, c->fd);
	close(c->fd);
	list_unlink(c, link);
	h->nconns--;
	c->ls->nconns--;
	if (!c->ls->is_unix)
		h->ntcp--;
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->body);
	free(c);
	for (size_t i = 0; i < h->nls && !h->closing; i++)
		if (h->ls[i].paused && !loop_timer_armed(&h->ls[i].retry))
			http_listener_resume(&h->ls[i]);
}

static void on_conn_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	if (events & EPOLLERR)
		c->dead = true;
	if (!c->dead && (events & EPOLLIN) && c->state != CS_REQ)
		conn_read(c);
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->rdhup = true;
	if (events & EPOLLHUP && c->state != CS_REQ)
		c->dead = true; /* nobody left to answer */
	if (c->state == CS_LINGER && c->eof)
		c->dead = true;
	conn_run(c);
	/* A parked request whose client is gone (shutdown(SHUT_WR) looks
	 * the same) is abandoned; an answer going out is finished. */
	if (c->state == CS_REQ && c->rdhup && ((c->req && c->req->held) || c->penalty))
		c->dead = true; /* (a held 401 too: a client that hangs up is dropped) */
	conn_update(c);
}

static void on_conn_timer(struct loop *l, void *arg)
{
	struct conn *c = arg;
	if (c->penalty) {
		/* its turn: the request goes on from its head */
		c->penalty = false;
		c->waited = true;
		c->state = CS_HEAD;
		c->req->phase = PH_READING;
		start_request(c);
		conn_run(c);
		conn_update(c);
		return;
	}
	if (c->state == CS_HEAD && (c->started || !c->served))
		log_debug("%s: closing a connection whose request head took over %d ms",
			  c->ls->section, head_ms(c->http));
	else if (c->state != CS_LINGER)
		log_debug("%s: closing a connection idle for %d ms", c->ls->section,
			  c->http->idle_ms);
	c->dead = true;
	conn_update(c);
}

/* Sets the epoll mask and the timer to what the state waits for. */
static void conn_mask(struct conn *c)
{
	struct http *h = c->http;
	struct http_req *r = c->req;
	bool reading = c->state != CS_REQ;
	bool writing =
	    out_pending(c) || (c->state == CS_REQ && r && r->phase == PH_ANSWERED && r->stream &&
			       !r->stream_done && (r->sbuf.len || r->stream_ended));
	uint32_t ev = 0;
	if (reading && !c->eof)
		ev |= EPOLLIN;
	if (!c->rdhup)
		ev |= EPOLLRDHUP;
	if (writing)
		ev |= EPOLLOUT;
	if (ev != c->events && loop_modify_fd(h->loop, c->fd, ev) == 0)
		c->events = ev;
	int64_t d = c->deadline;
	if (c->state == CS_REQ && !writing && !c->penalty)
		d = 0; /* parked: the handler decides */
	if (!d)
		loop_timer_cancel(h->loop, &c->timer);
	else if (!loop_timer_armed(&c->timer) || c->timer.when_ms != d)
		loop_timer_arm(h->loop, &c->timer, d);
}

/* The end of every event of a connection. */
static void conn_update(struct conn *c)
{
	if (c->dead)
		http_conn_free(c);
	else
		conn_mask(c);
}

/* Puts a new connection (c->http, ls, fd and peer set) on the loop: its
 * request head is due within the head timeout.  Returns 0, or a negative
 * errno (c is then the caller's to free). */
int http_conn_start(struct conn *c)
{
	struct http *h = c->http;
	c->events = EPOLLIN | EPOLLRDHUP;
	int r = loop_watch_fd(h->loop, c->fd, c->events, on_conn_event, c);
	if (r < 0)
		return r;
	loop_timer_init(&c->timer, on_conn_timer, c);
	c->since = now_ms();
	c->deadline = c->since + head_ms(h);
	loop_timer_arm(h->loop, &c->timer, c->deadline);
	list_push(&h->conns, c, link);
	h->nconns++;
	c->ls->nconns++;
	if (!c->ls->is_unix)
		h->ntcp++;
	return 0;
}

void http_conns_free(struct http *h)
{
	/* abandoned first for all, as http.h promises, then the closes. */
	for (struct conn *c = h->conns; c; c = c->link.next)
		if (c->req)
			abandon(c->req);
	while (h->conns)
		http_conn_free(h->conns);
}

/* Output was queued, maybe from outside the connection's own event: wait
 * for the socket to take it, for at most the idle timeout. */
void http_conn_wake(struct conn *c)
{
	c->deadline = now_ms() + c->http->idle_ms;
	if (!c->dead)
		conn_mask(c);
}

/* Freed at the end of its event: now, or soon (EPOLLOUT comes at once). */
void http_conn_kill(struct conn *c)
{
	c->dead = true;
	loop_modify_fd(c->http->loop, c->fd, EPOLLOUT);
}

void http_flush_all(struct http *h, int ms)
{
	int64_t until = now_ms() + ms;
	for (;;) {
		struct pollfd pfd[64];
		nfds_t n = 0;
		for (struct conn *c = h->conns; c; c = c->link.next) {
			if (c->dead)
				continue;
			conn_flush(c);
			if (!c->dead && out_pending(c) && n < 64)
				pfd[n++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
		}
		int64_t left = until - now_ms();
		if (n == 0 || left <= 0)
			return;
		if (poll(pfd, n, (int)left) < 0 && errno != EINTR)
			return;
	}
}

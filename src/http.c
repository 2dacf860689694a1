/* The control plane's HTTP server: libmicrohttpd in external-epoll mode.
 *
 * Each listener is one MHD daemon started with MHD_USE_EPOLL (never
 * MHD_USE_EPOLL_INTERNALLY: no thread).  MHD keeps its own epoll set; we
 * watch that set's fd in supd's loop, call MHD_run when it is readable, and
 * keep one loop timer armed at whatever MHD_get_timeout asks for (idle
 * connection timeouts).  Nothing ticks: an idle server costs no wakeup.
 *
 * A request that cannot be answered at once (start-and-wait, tail -f) is
 * parked with MHD_suspend_connection.  MHD does not watch a parked
 * connection at all, so we watch its socket for EPOLLRDHUP ourselves: a
 * client that hangs up is noticed at once and its request abandoned,
 * instead of holding an fd until the next event for it (maybe never).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "http.h"
#include "buf.h"
#include "log.h"

struct listener {
	struct http *http;
	char *section;
	bool is_unix;
	bool activated;	 /* the socket came from systemd: not ours to unlink */
	char *unix_path; /* to unlink at exit, if still ours */
	dev_t unix_dev;
	ino_t unix_ino;
	char *username; /* NULL: no authentication */
	char *password;
	struct MHD_Daemon *mhd;
	int mhd_fd; /* MHD's epoll set */
	struct loop_timer timer;
};

struct header {
	char *name;
	char *value;
};

enum req_phase {
	PH_BODY,     /* reading headers and body */
	PH_HANDLER,  /* inside handlers->request */
	PH_DEFERRED, /* parked, the handler holds it */
	PH_ANSWERED, /* a response is queued */
};

struct http_req {
	struct listener *ls;
	struct MHD_Connection *conn;
	struct http_req *prev, *next; /* http.reqs */
	enum req_phase phase;
	char *method;
	char *path;
	char *body;
	size_t len, cap;
	bool have_peer;
	uid_t uid;
	pid_t pid;
	int fd;		  /* the connection's socket */
	bool suspended;	  /* MHD_suspend_connection in force */
	bool hup_watched; /* fd is in our loop for EPOLLRDHUP */
	bool held;	  /* the handler keeps a pointer to it */
	bool gone;	  /* client hung up or server closing */
	bool stream;	  /* a chunked stream response */
	bool stream_ended;
	char *sbuf;
	size_t slen, scap;
	struct header *hdrs;
	size_t nhdrs;
	void *data;
};

struct http {
	struct loop *loop;
	struct http_handlers h;
	void *ctx;
	struct listener *ls;
	size_t nls;
	struct http_req *reqs;
	unsigned nconns;
	bool closing;
};

/* ---------------------------------------------------------------- SHA-1 */

/* Only for supervisord's {SHA} password form; FIPS 180-4. */
struct sha1 {
	uint32_t h[5];
	uint64_t len;
	uint8_t buf[64];
	size_t nbuf;
};

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n > 0) {
		size_t k = 64 - s->nbuf < n ? 64 - s->nbuf : n;
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += k;
		p += k;
		n -= k;
		if (s->nbuf == 64) {
			sha1_block(s, s->buf);
			s->nbuf = 0;
		}
	}
}

void http_sha1_hex(const void *data, size_t len, char out[41])
{
	struct sha1 s = {.h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}};
	sha1_update(&s, data, len);
	uint64_t bits = s.len * 8;
	uint8_t pad = 0x80;
	sha1_update(&s, &pad, 1);
	pad = 0;
	while (s.nbuf != 56)
		sha1_update(&s, &pad, 1);
	uint8_t lenb[8];
	for (int i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(&s, lenb, 8);
	for (int i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

/* ---------------------------------------------------------------- auth */

/* Compares without an early exit, so the time taken does not say how much
 * of a guess was right. */
static bool const_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la > lb ? la : lb;
	unsigned diff = la != lb;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = i < la ? (unsigned char)a[i] : 0;
		unsigned char y = i < lb ? (unsigned char)b[i] : 0;
		diff |= x ^ y;
	}
	return diff == 0;
}

bool http_password_ok(const char *stored, const char *given)
{
	if (!strncmp(stored, "{SHA}", 5)) {
		char hex[41];
		http_sha1_hex(given, strlen(given), hex);
		return const_eq(stored + 5, hex);
	}
	return const_eq(stored, given);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 into out (NUL-terminated).  Returns the length or -1. */
static ssize_t b64_decode(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *in && *in != '='; in++) {
		int v = b64val((unsigned char)*in);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= cap)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return (ssize_t)n;
}

static bool request_authorized(const struct listener *ls, struct MHD_Connection *conn)
{
	if (!ls->username)
		return true;
	const char *h =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Basic ", 6))
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	char dec[1024];
	if (strlen(h) > 4 * sizeof(dec) / 3 || b64_decode(h, dec, sizeof(dec)) < 0)
		return false;
	char *colon = strchr(dec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	/* Both compared every time: no shortcut on a wrong user name. */
	bool user_ok = const_eq(ls->username, dec);
	bool pass_ok = http_password_ok(ls->password ? ls->password : "", colon + 1);
	explicit_bzero(dec, sizeof(dec));
	return user_ok && pass_ok;
}

/* ---------------------------------------------------------------- driving MHD */

static void listener_rearm(struct listener *ls)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(ls->mhd, &t) == MHD_YES) {
		int64_t ms = t > INT32_MAX ? INT32_MAX : (int64_t)t;
		loop_timer_arm(ls->http->loop, &ls->timer, loop_now_ms() + ms);
	} else {
		loop_timer_cancel(ls->http->loop, &ls->timer);
	}
}

static void listener_run(struct listener *ls)
{
	MHD_run(ls->mhd);
	listener_rearm(ls);
}

static void on_mhd_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	listener_run(arg);
}

static void on_mhd_timer(struct loop *l, void *arg)
{
	listener_run(arg);
}

/* A resumed connection is only processed by the next MHD_run; ask for one
 * now rather than trusting MHD's own wakeup. */
static void run_soon(struct listener *ls)
{
	loop_timer_arm(ls->http->loop, &ls->timer, loop_now_ms());
}

static void on_parked_hup(struct loop *l, int fd, uint32_t events, void *arg);

static void park(struct http_req *r)
{
	MHD_suspend_connection(r->conn);
	r->suspended = true;
	if (!r->hup_watched && r->fd >= 0 &&
	    loop_watch_fd(r->ls->http->loop, r->fd, EPOLLRDHUP, on_parked_hup, r) == 0)
		r->hup_watched = true;
}

static void unpark(struct http_req *r)
{
	if (r->hup_watched) {
		loop_unwatch_fd(r->ls->http->loop, r->fd);
		r->hup_watched = false;
	}
	if (r->suspended) {
		r->suspended = false;
		MHD_resume_connection(r->conn);
		run_soon(r->ls);
	}
}

static void abandon(struct http_req *r)
{
	r->gone = true;
	if (r->held) {
		r->held = false;
		struct http *h = r->ls->http;
		if (h->h.abandoned)
			h->h.abandoned(r, h->ctx);
	}
}

static void on_parked_hup(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct http_req *r = arg;
	abandon(r);
	unpark(r);
}

/* ---------------------------------------------------------------- requests */

static void req_free(struct http_req *r)
{
	struct http *h = r->ls->http;
	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	free(r->method);
	free(r->path);
	free(r->body);
	free(r->sbuf);
	free(r);
}

static struct http_req *req_new(struct listener *ls, struct MHD_Connection *conn,
				const char *method, const char *url)
{
	struct http_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ls = ls;
	r->conn = conn;
	r->fd = -1;
	r->method = strdup(method);
	r->path = strdup(url);
	r->body = malloc(1);
	if (!r->method || !r->path || !r->body) {
		free(r->method);
		free(r->path);
		free(r->body);
		free(r);
		return NULL;
	}
	r->body[0] = '\0';
	r->cap = 1;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci)
		r->fd = ci->connect_fd;
	if (ls->is_unix && r->fd >= 0) {
		struct ucred uc;
		socklen_t sl = sizeof(uc);
		if (getsockopt(r->fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) == 0) {
			r->have_peer = true;
			r->uid = uc.uid;
			r->pid = uc.pid;
		}
	}
	struct http *h = ls->http;
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	return r;
}

static int body_append(struct http_req *r, const char *data, size_t n)
{
	if (r->len + n > HTTP_MAX_BODY)
		return -EMSGSIZE;
	return buf_append(&r->body, &r->len, &r->cap, data, n);
}

static struct MHD_Response *make_response(struct http_req *r, const char *ctype, const void *body,
					  size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				ctype ? ctype : "application/json");
	for (size_t i = 0; i < r->nhdrs; i++)
		MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
	return resp;
}

static enum MHD_Result queue_error(struct http_req *r, unsigned status, const char *code,
				   const char *msg)
{
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "{\"error\": {\"code\": \"%s\", \"message\": \"%s\"}}\n", code, msg);
	struct MHD_Response *resp = make_response(r, NULL, body, (size_t)n);
	if (!resp)
		return MHD_NO;
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"default\"");
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->phase = PH_ANSWERED;
	return ret;
}

static enum MHD_Result on_first_call(struct http_req *r, struct MHD_Connection *conn)
{
	if (!request_authorized(r->ls, conn))
		return queue_error(r, MHD_HTTP_UNAUTHORIZED, "UNAUTHORIZED",
				   "authentication required");
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		errno = 0;
		char *end;
		unsigned long long v = strtoull(cl, &end, 10);
		if (errno || end == cl || v > HTTP_MAX_BODY)
			return queue_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "BAD_ARGUMENTS",
					   "request body too large");
	}
	return MHD_YES;
}

static enum MHD_Result on_body_complete(struct http_req *r)
{
	struct http *h = r->ls->http;
	r->phase = PH_HANDLER;
	h->h.request(r, h->ctx);
	if (r->phase == PH_ANSWERED)
		return MHD_YES;
	if (r->phase == PH_DEFERRED) {
		park(r);
		return MHD_YES;
	}
	return queue_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "FAILED", "request not answered");
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct listener *ls = cls;
	struct http_req *r = *con_cls;
	if (!r) {
		r = req_new(ls, conn, method, url);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		return on_first_call(r, conn);
	}
	if (r->gone)
		return MHD_NO;
	if (*upload_size) {
		/* After an early answer (401, 413) the body is dropped unread.
		 * A chunked body past the limit cannot be answered any more
		 * (MHD queues answers only before or after the body): close,
		 * rather than read an endless body. */
		if (r->phase == PH_BODY && body_append(r, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->phase == PH_BODY)
		return on_body_complete(r);
	/* Resumed: the response, if any, was queued while parked. */
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	if (r->hup_watched) {
		loop_unwatch_fd(r->ls->http->loop, r->fd);
		r->hup_watched = false;
	}
	abandon(r);
	req_free(r);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct listener *ls = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		ls->http->nconns++;
	else if (ls->http->nconns > 0)
		ls->http->nconns--;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct listener *ls = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* Mostly clients misbehaving: worth a look when debugging only. */
	log_debug("%s: %s", ls->section, msg);
}

/* ---------------------------------------------------------------- answering */

const char *http_req_method(const struct http_req *r)
{
	return r->method;
}

const char *http_req_path(const struct http_req *r)
{
	return r->path;
}

const char *http_req_arg(const struct http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_req_header(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	if (len)
		*len = r->len;
	return r->body;
}

int http_req_peer(const struct http_req *r, uid_t *uid, pid_t *pid)
{
	if (!r->have_peer)
		return -ENOTSUP;
	if (uid)
		*uid = r->uid;
	if (pid)
		*pid = r->pid;
	return 0;
}

const char *http_req_listener(const struct http_req *r)
{
	return r->ls->section;
}

void http_req_set_data(struct http_req *r, void *data)
{
	r->data = data;
}

void *http_req_data(const struct http_req *r)
{
	return r->data;
}

int http_add_header(struct http_req *r, const char *name, const char *value)
{
	struct header *v = realloc(r->hdrs, (r->nhdrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->hdrs = v;
	char *n = strdup(name), *val = strdup(value);
	if (!n || !val) {
		free(n);
		free(val);
		return -ENOMEM;
	}
	r->hdrs[r->nhdrs].name = n;
	r->hdrs[r->nhdrs].value = val;
	r->nhdrs++;
	return 0;
}

void http_defer(struct http_req *r)
{
	if (r->phase != PH_HANDLER)
		return;
	r->phase = PH_DEFERRED;
	r->held = true;
}

int http_reply(struct http_req *r, unsigned status, const char *content_type, const void *body,
	       size_t len)
{
	if (r->phase != PH_HANDLER && r->phase != PH_DEFERRED)
		return -EALREADY;
	r->held = false;
	struct MHD_Response *resp = make_response(r, content_type, body, len);
	int ret = 0;
	if (!resp || MHD_queue_response(r->conn, status, resp) != MHD_YES) {
		ret = resp ? -EIO : -ENOMEM;
		r->gone = true; /* the resumed connection is closed */
	}
	if (resp)
		MHD_destroy_response(resp);
	r->phase = PH_ANSWERED;
	unpark(r);
	return ret;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_req *r = cls;
	if (r->gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (r->slen == 0 && !r->stream_ended && r->held) {
		struct http *h = r->ls->http;
		if (h->h.writable)
			h->h.writable(r, h->ctx);
		if (r->gone)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (r->slen > 0) {
		size_t n = r->slen < max ? r->slen : max;
		memcpy(buf, r->sbuf, n);
		memmove(r->sbuf, r->sbuf + n, r->slen - n);
		r->slen -= n;
		return (ssize_t)n;
	}
	if (r->stream_ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing to send: park until http_stream_write wakes us. */
	park(r);
	return 0;
}

int http_stream_begin(struct http_req *r, const char *content_type)
{
	if (r->phase != PH_HANDLER && r->phase != PH_DEFERRED)
		return -EALREADY;
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, r, NULL);
	if (!resp)
		return -ENOMEM;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type ? content_type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	for (size_t i = 0; i < r->nhdrs; i++)
		MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
	enum MHD_Result q = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (q != MHD_YES)
		return -EIO;
	r->phase = PH_ANSWERED;
	r->stream = true;
	r->held = true;
	unpark(r);
	return 0;
}

int http_stream_write(struct http_req *r, const void *buf, size_t len)
{
	if (!r->stream || r->stream_ended || r->gone)
		return -EPIPE;
	if (len == 0)
		return 0;
	if (r->slen + len > HTTP_STREAM_MAX)
		return -ENOBUFS;
	int e = buf_append(&r->sbuf, &r->slen, &r->scap, buf, len);
	if (e < 0)
		return e;
	unpark(r);
	return 0;
}

size_t http_stream_pending(const struct http_req *r)
{
	return r->slen;
}

void http_stream_end(struct http_req *r)
{
	if (!r->stream || r->stream_ended)
		return;
	r->stream_ended = true;
	r->held = false;
	unpark(r);
}

unsigned http_connections(const struct http *h)
{
	return h->nconns;
}

/* ---------------------------------------------------------------- listeners */

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

static int parse_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= sizeof(user))
		return -ENAMETOOLONG;
	memcpy(user, spec, n);
	user[n] = '\0';
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon) {
		struct group *gr = getgrnam(colon + 1);
		if (!gr)
			return -ENOENT;
		*gid = gr->gr_gid;
	}
	return 0;
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Is a server answering on this socket path? */
static bool unix_alive(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr(&sa, path) < 0)
		return false;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	/* EAGAIN: a full backlog, so somebody is listening. */
	bool alive = r == 0 || errno == EAGAIN;
	close(fd);
	return alive;
}

#ifdef HAVE_SYSTEMD
/* Sockets passed by systemd (socket activation), taken once per process:
 * LISTEN_FDS describes the process's start, not a reload.  A listener uses
 * a duplicate, so that MHD closing it at a reload leaves the original for
 * the next http_new. */
static int activated_fds[16];
static int nactivated = -1;

static int activated_socket(const struct conf_server *s)
{
	if (nactivated < 0) {
		int n = sd_listen_fds(1);
		nactivated = 0;
		for (int i = 0; i < n && nactivated < 16; i++) {
			int fd = SD_LISTEN_FDS_START + i;
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			activated_fds[nactivated++] = fd;
		}
	}
	for (int i = 0; i < nactivated; i++) {
		int fd = activated_fds[i];
		bool match = s->inet ? sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1,
							 (uint16_t)s->port) > 0
				     : sd_is_socket_unix(fd, SOCK_STREAM, 1, s->file, 0) > 0;
		if (match) {
			int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (d >= 0)
				fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK);
			return d < 0 ? -errno : d;
		}
	}
	return -ENOENT;
}
#endif

/* Binds a temporary name and hard-links it into place, so that a live
 * server's socket is never replaced: link() fails on an existing name,
 * unlike bind-after-unlink. */
static int unix_listen(struct listener *ls, const struct conf_server *s, int *out, char *err,
		       size_t errlen)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path) + 32];
	snprintf(tmp, sizeof(tmp), "%s.%ld", s->file, (long)getpid());
	if (unix_addr(&sa, tmp) < 0)
		return fail(err, errlen, -ENAMETOOLONG, "%s: socket path too long: %s", s->section,
			    s->file);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: socket: %s", s->section, strerror(errno));
	unlink(tmp);
	int r;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return fail(err, errlen, r, "%s: cannot bind %s: %s", s->section, tmp,
			    strerror(-r));
	}
	/* Listen before the link makes the name visible: a client that sees
	 * the socket file must never get ECONNREFUSED from it. */
	if (listen(fd, 1024) < 0) {
		r = fail(err, errlen, -errno, "%s: listen on %s: %s", s->section, tmp,
			 strerror(errno));
		goto fail_tmp;
	}
	if (chmod(tmp, (mode_t)s->chmod) < 0) {
		r = fail(err, errlen, -errno, "%s: chmod %s: %s", s->section, s->file,
			 strerror(errno));
		goto fail_tmp;
	}
	if (s->chown) {
		uid_t uid;
		gid_t gid;
		r = parse_owner(s->chown, &uid, &gid);
		if (r < 0) {
			fail(err, errlen, r, "%s: chown: unknown user or group '%s'", s->section,
			     s->chown);
			goto fail_tmp;
		}
		if (lchown(tmp, uid, gid) < 0) {
			r = fail(err, errlen, -errno, "%s: chown %s to %s: %s", s->section, s->file,
				 s->chown, strerror(errno));
			goto fail_tmp;
		}
	}
	for (int tries = 0;; tries++) {
		if (link(tmp, s->file) == 0)
			break;
		if (errno != EEXIST || tries == 3) {
			r = fail(err, errlen, -errno, "%s: cannot create %s: %s", s->section,
				 s->file, strerror(errno));
			goto fail_tmp;
		}
		if (unix_alive(s->file)) {
			r = fail(err, errlen, -EADDRINUSE,
				 "Another program is already listening on a port that one of our "
				 "HTTP servers is configured to use.  Shut this program down first "
				 "before starting supd. (%s: %s)",
				 s->section, s->file);
			goto fail_tmp;
		}
		log_info("Unlinking stale socket %s", s->file);
		unlink(s->file);
	}
	unlink(tmp);
	struct stat st;
	if (stat(s->file, &st) == 0) {
		ls->unix_dev = st.st_dev;
		ls->unix_ino = st.st_ino;
	}
	ls->unix_path = strdup(s->file);
	if (!ls->unix_path) {
		r = fail(err, errlen, -ENOMEM, "%s: %s: %s", s->section, s->file,
			 strerror(ENOMEM));
		unlink(s->file);
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
fail_tmp:
	unlink(tmp);
	close(fd);
	return r;
}

static bool addr_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

static int inet_listen(const struct conf_server *s, int *out, bool *loopback, char *err,
		       size_t errlen)
{
	const char *host = s->host;
	if (!host || !*host || !strcmp(host, "*"))
		host = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", s->port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	if (!host)
		hints.ai_family = AF_INET; /* like supervisord: "" is 0.0.0.0 */
	struct addrinfo *ai;
	int g = getaddrinfo(host, port, &hints, &ai);
	if (g)
		return fail(err, errlen, -EINVAL, "%s: cannot resolve '%s': %s", s->section,
			    host ? host : "", gai_strerror(g));
	int r = -EADDRNOTAVAIL;
	int fd = -1;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
			*loopback = addr_loopback(a->ai_addr);
			r = 0;
			break;
		}
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (r < 0) {
		if (r == -EADDRINUSE)
			return fail(
			    err, errlen, r,
			    "Another program is already listening on a port that one of "
			    "our HTTP servers is configured to use.  Shut this program down "
			    "first before starting supd. (%s: %s:%d)",
			    s->section, s->host ? s->host : "", s->port);
		return fail(err, errlen, r, "%s: cannot listen on %s:%d: %s", s->section,
			    s->host ? s->host : "", s->port, strerror(-r));
	}
	*out = fd;
	return 0;
}

static int listener_start(struct listener *ls, const struct conf_server *s, char *err,
			  size_t errlen)
{
	ls->section =
	    strdup(s->section ? s->section : (s->inet ? "inet_http_server" : "unix_http_server"));
	if (!ls->section)
		return fail(err, errlen, -ENOMEM, "out of memory");
	ls->is_unix = !s->inet;
	if (s->username) {
		ls->username = strdup(s->username);
		ls->password = strdup(s->password ? s->password : "");
		if (!ls->username || !ls->password)
			return fail(err, errlen, -ENOMEM, "out of memory");
	}
	int fd = -1, r = -ENOENT;
	bool loopback = true;
#ifdef HAVE_SYSTEMD
	r = fd = activated_socket(s);
	ls->activated = r >= 0;
	/* (an activated inet socket's address is systemd's business) */
#endif
	if (r == -ENOENT) {
		if (ls->is_unix)
			r = unix_listen(ls, s, &fd, err, errlen);
		else
			r = inet_listen(s, &fd, &loopback, err, errlen);
	} else if (r < 0) {
		return fail(err, errlen, r, "%s: the socket from systemd: %s", ls->section,
			    strerror(-r));
	}
	if (r < 0)
		return r;
	/* The socket is MHD's from here: MHD_stop_daemon closes it. */
	ls->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_access,
	    ls, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, ls, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, ls, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, ls, MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!ls->mhd) {
		close(fd);
		return fail(err, errlen, -EIO, "%s: cannot start the HTTP server", ls->section);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(ls->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di)
		return fail(err, errlen, -EIO, "%s: the HTTP server has no epoll fd", ls->section);
	ls->mhd_fd = di->epoll_fd;
	loop_timer_init(&ls->timer, on_mhd_timer, ls);
	r = loop_watch_fd(ls->http->loop, ls->mhd_fd, EPOLLIN, on_mhd_fd, ls);
	if (r < 0) {
		ls->mhd_fd = -1;
		return fail(err, errlen, r, "%s: cannot watch the HTTP server: %s", ls->section,
			    strerror(-r));
	}
	listener_rearm(ls);
	if (!ls->is_unix && !ls->username)
		log_crit("Server '%s' running without any HTTP authentication checking",
			 ls->section);
	if (!ls->is_unix && !loopback && (!ls->password || !*ls->password))
		log_warn("Server '%s' listens on a non-loopback address (%s:%d) WITHOUT A "
			 "PASSWORD: anyone who can reach it controls every process",
			 ls->section, s->host && *s->host ? s->host : "*", s->port);
	return 0;
}

static void listener_stop(struct listener *ls)
{
	if (ls->mhd) {
		if (ls->mhd_fd >= 0)
			loop_unwatch_fd(ls->http->loop, ls->mhd_fd);
		loop_timer_cancel(ls->http->loop, &ls->timer);
		MHD_stop_daemon(ls->mhd);
	}
	if (ls->unix_path) {
		struct stat st;
		/* Only our own socket: a successor may already own the name. */
		if (stat(ls->unix_path, &st) == 0 && st.st_dev == ls->unix_dev &&
		    st.st_ino == ls->unix_ino)
			unlink(ls->unix_path);
	}
	free(ls->unix_path);
	free(ls->section);
	free(ls->username);
	if (ls->password)
		explicit_bzero(ls->password, strlen(ls->password));
	free(ls->password);
}

int http_new(struct http **out, struct loop *l, const struct conf *c,
	     const struct http_handlers *hs, void *ctx, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	struct http *h = calloc(1, sizeof(*h));
	if (!h)
		return fail(err, errlen, -ENOMEM, "out of memory");
	h->loop = l;
	h->h = *hs;
	h->ctx = ctx;
	if (c->nservers) {
		h->ls = calloc(c->nservers, sizeof(*h->ls));
		if (!h->ls) {
			free(h);
			return fail(err, errlen, -ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < c->nservers; i++) {
		struct listener *ls = &h->ls[h->nls++];
		ls->http = h;
		ls->mhd_fd = -1;
		int r = listener_start(ls, &c->servers[i], err, errlen);
		if (r < 0) {
			http_free(h);
			return r;
		}
	}
	*out = h;
	return 0;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	h->closing = true;
	/* MHD must not be stopped with parked connections: wake them all,
	 * marked gone, and let MHD close them. */
	for (struct http_req *r = h->reqs; r; r = r->next) {
		abandon(r);
		unpark(r);
	}
	for (size_t i = 0; i < h->nls; i++)
		if (h->ls[i].mhd)
			MHD_run(h->ls[i].mhd);
	for (size_t i = 0; i < h->nls; i++)
		listener_stop(&h->ls[i]);
	free(h->ls);
	free(h);
}

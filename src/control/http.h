/* The control plane's HTTP server: supd's own HTTP/1.1 server on supd's
 * epoll loop (no thread of its own), with every listener of the config
 * ([unix_http_server], [inet_http_server], with :name suffixes).
 *
 * The server owns transport concerns only: listening sockets, authentication,
 * limits, reading a whole request body, and three ways to answer: at once,
 * later (a deferred request, e.g. "start and wait until RUNNING"), or as a
 * chunked stream (tail -f); a request kept for later carries its own
 * callbacks (http_hold).  What a request means is the handler's business
 * (api.c).  http.c holds the listeners and authentication, http_accept.c
 * admits connections (doc/security.md), http_conn.c serves them,
 * http_req.c is the request's face below, and
 * http_parse.c parses.
 *
 * The protocol: HTTP/1.1 and 1.0; persistent connections (1.1 by default,
 * 1.0 with "Connection: keep-alive"); pipelined requests answered in order,
 * one at a time; bodies by Content-Length or chunked; "Expect:
 * 100-continue" answered before the body is read.  HEAD is answered as GET
 * is, without the body.  A malformed request gets a 400, a version other
 * than 1.x a 505, and its connection is closed.
 *
 * Wiring into the daemon (daemon.c):
 *
 *	struct http *h;
 *	char err[256];
 *	r = http_new(&h, loop, conf, &handlers, ctx, err, sizeof(err));
 *	if (r < 0) { log_crit("%s", err); exit 2; }   // e.g. socket in use
 *	...loop_run...
 *	http_free(h);      // at shutdown: closes listeners, unlinks sockets
 *
 * Socket activation (built --with-systemd, the default; sysd.h): a socket
 * systemd passed (LISTEN_FDS) that listens at a configured unix path or
 * inet port is used instead of creating one; it is neither chmod'ed nor
 * unlinked.
 *
 * On reload, http_reconfigure applies the new config's listeners in place,
 * all or nothing.  Deferred requests still open at http_free are aborted
 * (their clients see the connection close) after handlers->abandoned ran
 * for each.
 */
#ifndef SUPD_HTTP_H
#define SUPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"

struct http;
struct http_req;

/* Bounds on what one client may cost us (doc/security.md). */
#define HTTP_MAX_CONNECTIONS 512	   /* per listener: one cannot starve another */
#define HTTP_OWNER_RESERVE   64		   /* of a unix listener's, kept for supd's uid and root */
#define HTTP_MAX_PER_PEER    32		   /* per TCP peer address (an IPv6 /64 counts as one) */
#define HTTP_MAX_BODY	     (1024 * 1024) /* larger bodies get 413 */
#define HTTP_CONN_MEMORY     (64 * 1024)   /* request line + headers; more gets 431 */
#define HTTP_HEAD_TIMEOUT_S  10		   /* to send a whole request head */
#define HTTP_IDLE_TIMEOUT_S  60		   /* an idle connection is closed */
#define HTTP_EVICT_AGE_MS    500	   /* a connection this young is never evicted */
/* A connection must send a whole request head within HTTP_HEAD_TIMEOUT_S
 * of its accept, or of the first byte of a later request (between
 * requests it may idle HTTP_IDLE_TIMEOUT_S); a body must arrive within
 * HTTP_IDLE_TIMEOUT_S of its head, and an answer the client stops reading
 * is dropped after as long.  Once the head is in, a parked request (a
 * held answer, tail -f) has no deadline.
 *
 * A listener holds at most HTTP_MAX_CONNECTIONS.  When it is full, or
 * accept runs out of fds, the oldest connection still waiting for its
 * first request head (then: the oldest idle between requests), if older
 * than HTTP_EVICT_AGE_MS, is closed to make room; if there is none the
 * listener stops accepting (clients wait in the listen backlog) until one
 * of its connections closes.  A TCP peer over HTTP_MAX_PER_PEER, or a
 * unix-socket peer other than supd's uid and root over
 * HTTP_MAX_CONNECTIONS - HTTP_OWNER_RESERVE, has its new connection
 * closed at once. */

struct http_handlers {
	/* A complete request (headers and body) has arrived and passed
	 * authentication.  The handler answers before returning
	 * (http_reply, http_stream_begin) or keeps r to answer later
	 * (http_defer).  Returning without doing either is answered with a
	 * 500. */
	void (*request)(struct http_req *r, void *ctx);
	/* A deferred or streaming request is going away without the handler
	 * having finished it (client gone, server freed): forget r, it is
	 * freed after this returns.  May be NULL if the handler never keeps
	 * requests, or keeps them with http_hold (whose gone runs first). */
	void (*abandoned)(struct http_req *r, void *ctx);
	/* A stream's buffer is empty and the client could take more: the
	 * handler may http_stream_write now (it stopped at HTTP_STREAM_MAX,
	 * say).  May be NULL.  Not called for a request whose http_hold
	 * gave a writable callback: that runs instead. */
	void (*writable)(struct http_req *r, void *ctx);
	/* r is being answered with status (http_reply, http_stream_begin):
	 * for counting (metrics).  May be NULL. */
	void (*answered)(struct http_req *r, unsigned status, void *ctx);
};

/* Opens every listener of c (a config without [unix_http_server] and
 * [inet_http_server] gives a server with no listener; that is not an
 * error).  Logs the warnings supervisord logs (no authentication, a
 * public address without a password).  On error nothing is left open and
 * err says why, naming the section and path/port.  Returns 0 or a negative
 * errno (-EADDRINUSE: another live server owns the socket or port). */
int http_new(struct http **out, struct loop *l, const struct conf *c, const struct http_handlers *h,
	     void *ctx, char *err, size_t errlen);
void http_free(struct http *h);

/* Makes h's listeners those of c, all or nothing.  A listener at the same
 * address (unix path, or host and port) keeps its socket and its
 * connections and takes c's settings (authentication; a unix socket's
 * mode and owner, changed in place); one whose socket file was deleted or
 * replaced gets a new socket at its path; the others are opened first,
 * and only then are the listeners c no longer has closed, with their
 * connections.  If anything cannot be opened, h is left as it was and
 * err says why (naming the section and address).  Returns 0 or a
 * negative errno. */
int http_reconfigure(struct http *h, const struct conf *c, char *err, size_t errlen);
/* http_reconfigure with h's own listeners: a deleted unix socket file comes
 * back (SIGHUP, SIGUSR2). */
int http_restore(struct http *h, char *err, size_t errlen);
/* How many listeners h has. */
size_t http_listeners(const struct http *h);

/* How many connections are open (tests, fd accounting). */
unsigned http_connections(const struct http *h);

/* For tests only: the idle timeout, the head timeout (the shorter of the
 * two applies to a head) and the per-listener connection limit, instead of
 * HTTP_IDLE_TIMEOUT_S, HTTP_HEAD_TIMEOUT_S and HTTP_MAX_CONNECTIONS. */
void http_set_idle_timeout_ms(struct http *h, int ms);
void http_set_head_timeout_ms(struct http *h, int ms);
void http_set_max_connections(struct http *h, unsigned n);

/* ---- the request (valid until answered and its response is sent) */

const char *http_req_method(const struct http_req *r);
/* The path without the query string, percent-decoded. */
const char *http_req_path(const struct http_req *r);
/* A query argument ("?wait=false"), percent-decoded ("+" is a space);
 * NULL when absent, "" for "?wait". */
const char *http_req_arg(const struct http_req *r, const char *key);
const char *http_req_header(const struct http_req *r, const char *name);
/* The body, NUL-terminated (len excludes the NUL); "" when none. */
const char *http_req_body(const struct http_req *r, size_t *len);
/* The peer of a unix-socket connection (SO_PEERCRED).  Returns 0, or
 * -ENOTSUP on a TCP listener. */
int http_req_peer(const struct http_req *r, uid_t *uid, pid_t *pid);
/* "unix_http_server" / "inet_http_server:x": the listener's section. */
const char *http_req_listener(const struct http_req *r);

/* The one guard every front-end puts before a state-changing request
 * (doc/security.md).  Returns 0 when r may go on; 403 when its Origin or
 * its Referer names another site than its Host header (a page in the
 * operator's browser cannot act, credentials remembered or not); 415 when
 * types (NULL-terminated) is given and r's Content-Type is none of them,
 * or r has a body and no Content-Type.  A body-less request without a
 * Content-Type passes (supctl's POSTs).  Clients that are not browsers
 * send no Origin: supervisorctl and xmlrpc.client pass. */
unsigned http_req_guard(const struct http_req *r, const char *const *types);

/* The one check of who may do what (doc/security.md), which every
 * front-end makes with the role its route, method or action names: 0
 * when r's caller has need (or more); else 403, with msg saying so
 * ("permission denied: user alice may only read (what needs operate)").
 * what names the call ("POST /v1/processes/x/stop", an XML-RPC method
 * and its program).  Logs each refusal, and each allowed call that needs
 * operate or admin, with the caller's uid and pid (or login name). */
unsigned http_req_allow(const struct http_req *r, enum conf_role need, const char *what, char *msg,
			size_t len);

/* Handler-owned pointer carried by a deferred request. */
void http_req_set_data(struct http_req *r, void *data);
void *http_req_data(const struct http_req *r);

/* The one way a front-end keeps a request past its request callback (a
 * held answer: http_defer; a stream: http_stream_begin): r carries
 * gone(arg), run when r goes away unanswered (client gone, server
 * freed), and writable(arg), run when r's stream buffer drained (either
 * may be NULL), with arg as its http_req_data.  Setting the data to NULL
 * (http_req_set_data) lets go: neither runs after that.  gone runs with
 * the data already NULL, before handlers->abandoned; r is freed after
 * both return.  So the router need not know what each front-end holds. */
void http_hold(struct http_req *r, void (*gone)(void *arg), void (*writable)(void *arg), void *arg);

/* ---- answering */

/* Answers with a copy of body.  content_type NULL: application/json.
 * Works at once from the request callback, or later for a deferred
 * request.  Returns 0 or a negative errno (the request is then closed). */
int http_reply(struct http_req *r, unsigned status, const char *content_type, const void *body,
	       size_t len);
/* Adds a response header to the answer being built (before http_reply or
 * http_stream_begin).  Returns 0 or -ENOMEM. */
int http_add_header(struct http_req *r, const char *name, const char *value);

/* The handler will answer later, from any loop callback, with http_reply
 * or http_stream_begin.  The connection is parked meanwhile (no polling);
 * if the client hangs up, http_hold's gone, then handlers->abandoned,
 * runs.  (A client that only
 * shuts down its sending side, shutdown(SHUT_WR), counts as gone: a
 * socket cannot tell the two apart without reading.) */
void http_defer(struct http_req *r);

/* A chunked 200 response whose body is pushed with http_stream_write and
 * finished with http_stream_end.  While nothing is buffered the connection
 * is parked; a write wakes it.  If the client goes away,
 * http_hold's gone and handlers->abandoned run and r must no longer be
 * used. */
int http_stream_begin(struct http_req *r, const char *content_type);
/* Buffers bytes for the client.  Returns 0, or -ENOBUFS when the client
 * reads too slowly and more than HTTP_STREAM_MAX bytes are pending (the
 * bytes are dropped; the caller decides whether to end the stream). */
#define HTTP_STREAM_MAX (1024 * 1024)
int http_stream_write(struct http_req *r, const void *buf, size_t len);
size_t http_stream_pending(const struct http_req *r);
void http_stream_end(struct http_req *r);

/* ---- shared helpers */

/* supervisord's password check: stored is plain or "{SHA}" + hex SHA-1.
 * Constant time in the length of the compared strings. */
bool http_password_ok(const char *stored, const char *given);
/* SHA-1 of data as 40 lowercase hex digits and a NUL. */
void http_sha1_hex(const void *data, size_t len, char out[41]);

/* Upgrade in place (daemon_upgrade.c).  A listening socket handed from
 * one supd image to the next: http_export describes h's (at most max into
 * v, returns how many h has), http_new_inherited is http_new taking, for
 * each listener of c, the inherited socket at its address (marked taken)
 * rather than opening one.  The strings of an exported entry are h's. */
struct http_inherited {
	int fd, lock_fd;
	bool is_unix, activated, taken;
	const char *path, *host;
	int port;
	dev_t dev;
	ino_t ino;
};
size_t http_export(const struct http *h, struct http_inherited *v, size_t max);
int http_new_inherited(struct http **out, struct loop *l, const struct conf *c,
		       const struct http_handlers *hs, void *ctx, struct http_inherited *inh,
		       size_t ninh, char *err, size_t errlen);
/* Stops (on) or resumes accepting on every listener: new clients wait in
 * the backlog while supd execs itself. */
void http_pause(struct http *h, bool on);
/* Sends what every connection has queued, waiting at most ms for slow
 * readers; what is still unsent then is dropped with the connection at
 * the exec. */
void http_flush_all(struct http *h, int ms);

#endif

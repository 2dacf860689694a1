/* The request as handlers see it, and their answers: http.h's face of
 * http_conn.c.  Answers only queue; http_conn.c sends them. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "buf.h"
#include "http_int.h"
#include "http_parse.h"
#include "log.h"

/* ---------------------------------------------------------------- the request */

const char *http_req_method(const struct http_req *r)
{
	return r->head.method;
}

const char *http_req_path(const struct http_req *r)
{
	return r->head.path;
}

const char *http_req_arg(const struct http_req *r, const char *key)
{
	return http_head_arg(&r->head, key);
}

const char *http_req_header(const struct http_req *r, const char *name)
{
	return http_head_header(&r->head, name);
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	if (len)
		*len = r->body.len;
	return r->body.p ? r->body.p : "";
}

int http_req_peer(const struct http_req *r, uid_t *uid, pid_t *pid)
{
	if (!r->c->have_peer)
		return -ENOTSUP;
	if (uid)
		*uid = r->c->uid;
	if (pid)
		*pid = r->c->pid;
	return 0;
}

const char *http_req_listener(const struct http_req *r)
{
	return r->c->ls->section;
}

/* A value of Origin or Referer names r's own site.  (A Referer is a whole
 * URL; http_same_origin reads only its scheme and authority.) */
static bool own_site(const struct http_req *r, const char *url)
{
	const char *host = http_req_header(r, "Host");
	return host && http_same_origin(url, host);
}

unsigned http_req_guard(const struct http_req *r, const char *const *types)
{
	/* Both are checked: a browser may leave either out (Referrer-Policy,
	 * older browsers' form POSTs), never forge one. */
	const char *origin = http_req_header(r, "Origin");
	const char *referer = http_req_header(r, "Referer");
	if ((origin && !own_site(r, origin)) || (referer && !own_site(r, referer)))
		return 403;
	if (!types)
		return 0;
	/* The types a page can send without asking (a form's, text/plain)
	 * are never among a front-end's own: to send application/json or
	 * text/xml, a page must pass a CORS preflight, which supd never
	 * grants. */
	const char *ctype = http_req_header(r, "Content-Type");
	if (!ctype)
		return r->body.len ? 415 : 0;
	for (; *types; types++)
		if (http_media_type_is(ctype, *types))
			return 0;
	return 415;
}

/* Who r's caller is, for messages: the name it logged in with, a unix
 * peer's user name (its uid when it has none), or "anonymous". */
static void caller_name(const struct http_req *r, char *out, size_t len)
{
	if (r->user) {
		snprintf(out, len, "%s", r->user);
	} else if (r->c->have_peer) {
		struct passwd pw, *res = NULL;
		char tmp[1024];
		if (getpwuid_r(r->c->uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
			snprintf(out, len, "%s", pw.pw_name);
		else
			snprintf(out, len, "uid %ld", (long)r->c->uid);
	} else {
		snprintf(out, len, "anonymous");
	}
}

/* "by uid 1000 (pid 42)", "by user alice via inet_http_server". */
static void caller_where(const struct http_req *r, char *out, size_t len)
{
	if (r->c->have_peer)
		snprintf(out, len, "by uid %ld (pid %ld)", (long)r->c->uid, (long)r->c->pid);
	else if (r->user)
		snprintf(out, len, "by user %s via %s", r->user, r->c->ls->section);
	else
		snprintf(out, len, "via %s", r->c->ls->section);
}

unsigned http_req_allow(const struct http_req *r, enum conf_role need, const char *what, char *msg,
			size_t len)
{
	char where[256], w[512];
	caller_where(r, where, sizeof(where));
	/* what holds the client's words (a path, a program name): no control
	 * characters in supd's log */
	snprintf(w, sizeof(w), "%s", what);
	for (char *p = w; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	what = w;
	if (r->role >= need) {
		if (need >= CONF_ROLE_OPERATE)
			log_info("control: %s %s", what, where);
		return 0;
	}
	char who[256];
	caller_name(r, who, sizeof(who));
	if (r->role == CONF_ROLE_NONE)
		snprintf(msg, len, "permission denied: user %s has no role here (%s needs %s)", who,
			 what, conf_role_name(need));
	else
		snprintf(msg, len, "permission denied: user %s may only %s (%s needs %s)", who,
			 conf_role_name(r->role), what, conf_role_name(need));
	log_warn("control: refused %s %s (%s): needs %s", what, where, who, conf_role_name(need));
	return 403;
}

void http_req_set_data(struct http_req *r, void *data)
{
	r->data = data;
}

void *http_req_data(const struct http_req *r)
{
	return r->data;
}

void http_hold(struct http_req *r, void (*gone)(void *arg), void (*writable)(void *arg), void *arg)
{
	r->on_gone = gone;
	r->on_writable = writable;
	r->data = arg;
}

/* ---------------------------------------------------------------- answering */

int http_add_header(struct http_req *r, const char *name, const char *value)
{
	/* A CR or LF would let a value forge headers of its own. */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return -EINVAL;
	if (buf_add(&r->rhdrs, name, strlen(name)) < 0 || buf_add(&r->rhdrs, ": ", 2) < 0 ||
	    buf_add(&r->rhdrs, value, strlen(value)) < 0 || buf_add(&r->rhdrs, "\r\n", 2) < 0)
		return -ENOMEM;
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
	if (r->gone || (r->phase != PH_HANDLER && r->phase != PH_DEFERRED))
		return -EALREADY;
	struct conn *c = r->c;
	r->held = false;
	r->phase = PH_ANSWERED;
	if (c->http->h.answered)
		c->http->h.answered(r, status, c->http->ctx);
	int e = http_queue_head(c, r, status, content_type ? content_type : "application/json",
				(long long)len);
	if (!e && !r->head_only)
		e = http_queue_body(c, body, len);
	if (e < 0) {
		r->gone = true;
		http_conn_kill(c);
		return e;
	}
	http_conn_wake(r->c);
	return 0;
}

int http_stream_begin(struct http_req *r, const char *content_type)
{
	if (r->gone || (r->phase != PH_HANDLER && r->phase != PH_DEFERRED))
		return -EALREADY;
	struct conn *c = r->c;
	if (http_add_header(r, "X-Accel-Buffering", "no") < 0)
		return -ENOMEM;
	if (http_queue_head(c, r, 200, content_type ? content_type : "text/plain; charset=utf-8",
			    -1) < 0)
		return -ENOMEM;
	r->phase = PH_ANSWERED;
	if (c->http->h.answered)
		c->http->h.answered(r, 200, c->http->ctx);
	r->stream = true;
	r->chunked_out = r->head.minor > 0;
	r->held = true;
	http_conn_wake(r->c);
	return 0;
}

int http_stream_write(struct http_req *r, const void *buf, size_t len)
{
	if (!r->stream || r->stream_ended || r->gone)
		return -EPIPE;
	if (len == 0 || r->head_only)
		return 0;
	if (r->sbuf.len + len > HTTP_STREAM_MAX)
		return -ENOBUFS;
	int e = buf_add(&r->sbuf, buf, len);
	if (e < 0)
		return e;
	http_conn_wake(r->c);
	return 0;
}

size_t http_stream_pending(const struct http_req *r)
{
	return r->sbuf.len;
}

void http_stream_end(struct http_req *r)
{
	if (!r->stream || r->stream_ended || r->gone)
		return;
	r->stream_ended = true;
	r->held = false;
	http_conn_wake(r->c);
}

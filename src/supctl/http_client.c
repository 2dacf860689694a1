/* supctl's HTTP/1.1 client and its response parser. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "http_client.h"

/* ---------------------------------------------------------------- URL */

void ctl_url_free(struct ctl_url *u)
{
	free(u->path);
	free(u->host);
	free(u->port);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

int ctl_url_parse(struct ctl_url *u, const char *s)
{
	memset(u, 0, sizeof(*u));
	u->text = strdup(s);
	if (!u->text)
		return -ENOMEM;
	if (!strncmp(s, "unix://", 7) || !strncmp(s, "unix:", 5)) {
		const char *p = s + (strncmp(s, "unix://", 7) ? 5 : 7);
		if (!*p)
			goto bad;
		u->is_unix = true;
		u->path = strdup(p);
		if (!u->path)
			goto nomem;
		return 0;
	}
	if (strncasecmp(s, "http://", 7))
		goto bad;
	const char *h = s + 7, *end = h + strcspn(h, "/?#");
	const char *hs = h, *he, *ps = NULL;
	if (*h == '[') {
		hs = h + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he)
			goto bad;
		if (he + 1 < end) {
			if (he[1] != ':')
				goto bad;
			ps = he + 2;
		}
	} else {
		he = memchr(h, ':', (size_t)(end - h));
		if (he)
			ps = he + 1;
		else
			he = end;
	}
	if (he == hs)
		goto bad;
	u->host = strndup(hs, (size_t)(he - hs));
	u->port = ps ? strndup(ps, (size_t)(end - ps)) : strdup("80");
	if (!u->host || !u->port)
		goto nomem;
	if (!*u->port || strspn(u->port, "0123456789") != strlen(u->port) || strlen(u->port) > 5 ||
	    atoi(u->port) > 65535)
		goto bad;
	return 0;
bad:
	ctl_url_free(u);
	return -EINVAL;
nomem:
	ctl_url_free(u);
	return -ENOMEM;
}

/* ---------------------------------------------------------------- parser */

void ctl_parser_init(struct ctl_parser *p, struct ctl_resp *resp, ctl_body_cb cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
	p->resp = resp;
	p->cb = cb;
	p->arg = arg;
	p->max_body = CTL_MAX_BODY;
}

void ctl_resp_free(struct ctl_resp *r)
{
	free(r->content_type);
	free(r->body);
	r->content_type = NULL;
	r->body = NULL;
	r->len = 0;
}

static int deliver(struct ctl_parser *p, const char *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (p->cb)
		return p->cb(p->arg, buf, n);
	struct ctl_resp *r = p->resp;
	if (n > p->max_body - r->len)
		return -EFBIG;
	/* Grown by doubling, but never past the limit: an endless body costs
	 * max_body of memory, not twice that. */
	size_t need = r->len + n + 1;
	if (need > p->cap) {
		size_t c = p->cap < 4096 ? 4096 : p->cap;
		while (c < need && c <= SIZE_MAX / 2)
			c *= 2;
		if (c < need || c > p->max_body + 1)
			c = need > p->max_body + 1 ? need : p->max_body + 1;
		char *b = realloc(r->body, c);
		if (!b)
			return -ENOMEM;
		r->body = b;
		p->cap = c;
	}
	memcpy(r->body + r->len, buf, n);
	r->len += n;
	r->body[r->len] = '\0';
	return 0;
}

static int parse_status(struct ctl_parser *p, const char *l)
{
	/* HTTP/1.x SSS[ reason] */
	if (strncmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return -EPROTO;
	const char *s = l + 9;
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
	if (s[3] != '\0' && s[3] != ' ')
		return -EPROTO;
	if (s[0] == '0')
		return -EPROTO;
	p->resp->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (l[7] == '0')
		p->resp->close = true;
	return 0;
}

static bool token_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static bool list_has(const char *v, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = v; *s;) {
		s += strspn(s, " \t,");
		size_t k = strcspn(s, " \t,;");
		if (k == n && !strncasecmp(s, word, n))
			return true;
		s += k;
		s += strcspn(s, ",");
	}
	return false;
}

static int parse_header(struct ctl_parser *p, char *l)
{
	if (++p->nheaders > CTL_MAX_HEADERS)
		return -EMSGSIZE;
	char *colon = strchr(l, ':');
	if (!colon || colon == l)
		return -EPROTO;
	for (char *c = l; c < colon; c++)
		if (!token_char((unsigned char)*c))
			return -EPROTO; /* also rejects obsolete line folding */
	*colon = '\0';
	char *v = colon + 1;
	v += strspn(v, " \t");
	size_t vl = strlen(v);
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = '\0';
	struct ctl_resp *r = p->resp;
	if (!strcasecmp(l, "Content-Length")) {
		if (!*v || strspn(v, "0123456789") != vl || vl > 18)
			return -EPROTO;
		int64_t n = strtoll(v, NULL, 10);
		if (r->content_length >= 0 && r->content_length != n)
			return -EPROTO;
		r->content_length = n;
	} else if (!strcasecmp(l, "Transfer-Encoding")) {
		/* We never ask for another coding; chunked must be the only one. */
		if (strcasecmp(v, "chunked") && strcasecmp(v, "identity"))
			return -EPROTO;
		if (!strcasecmp(v, "chunked"))
			r->chunked = true;
	} else if (!strcasecmp(l, "Connection")) {
		if (list_has(v, "close"))
			r->close = true;
	} else if (!strcasecmp(l, "Content-Type")) {
		free(r->content_type);
		r->content_type = strdup(v);
		if (!r->content_type)
			return -ENOMEM;
	}
	return 0;
}

static int parse_chunk_size(struct ctl_parser *p, const char *l)
{
	uint64_t n = 0;
	const char *s = l;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (n >> 56)
			return -EPROTO;
		n = n * 16 + (uint64_t)d;
	}
	if (s == l)
		return -EPROTO;
	s += strspn(s, " \t");
	if (*s && *s != ';')
		return -EPROTO;
	p->remaining = n;
	return 0;
}

/* After the blank line ending the headers: how is the body delimited?
 * Returns 0, or -EFBIG for a collected body announced past the limit. */
static int headers_done(struct ctl_parser *p)
{
	struct ctl_resp *r = p->resp;
	if (r->status >= 100 && r->status < 200) {
		/* 100 Continue and friends: the real response follows. */
		int keep_close = r->close;
		free(r->content_type);
		r->content_type = NULL;
		r->status = 0;
		r->chunked = false;
		r->content_length = -1;
		r->close = keep_close;
		p->nheaders = 0;
		p->header_bytes = 0;
		p->st = CTL_P_STATUS;
		return 0;
	}
	if (p->head || r->status == 204 || r->status == 304)
		p->st = CTL_P_DONE;
	else if (r->chunked)
		p->st = CTL_P_CHUNK_SIZE;
	else if (r->content_length >= 0) {
		p->remaining = (uint64_t)r->content_length;
		if (!p->cb && p->remaining > p->max_body)
			return -EFBIG;
		p->st = p->remaining ? CTL_P_BODY_LEN : CTL_P_DONE;
	} else {
		r->close = true;
		p->st = CTL_P_BODY_EOF;
	}
	return 0;
}

/* One complete line (CR stripped) in a line-oriented state. */
static int on_line(struct ctl_parser *p, char *l)
{
	int r = 0;
	switch (p->st) {
	case CTL_P_STATUS:
		r = parse_status(p, l);
		if (r == 0)
			p->st = CTL_P_HEADER;
		return r;
	case CTL_P_HEADER:
		if (!*l)
			return headers_done(p);
		return parse_header(p, l);
	case CTL_P_CHUNK_SIZE:
		r = parse_chunk_size(p, l);
		if (r == 0)
			p->st = p->remaining ? CTL_P_CHUNK_DATA : CTL_P_TRAILER;
		return r;
	case CTL_P_CHUNK_END:
		if (*l)
			return -EPROTO;
		p->st = CTL_P_CHUNK_SIZE;
		return 0;
	case CTL_P_TRAILER:
		if (!*l)
			p->st = CTL_P_DONE;
		else if (++p->nheaders > CTL_MAX_HEADERS)
			return -EMSGSIZE;
		return 0;
	default:
		return -EPROTO;
	}
}

static bool line_state(enum ctl_pstate st)
{
	return st == CTL_P_STATUS || st == CTL_P_HEADER || st == CTL_P_CHUNK_SIZE ||
	       st == CTL_P_CHUNK_END || st == CTL_P_TRAILER;
}

int ctl_parser_feed(struct ctl_parser *p, const char *buf, size_t n, size_t *used)
{
	size_t i = 0;
	int r;
	if (used)
		*used = 0;
	if (p->st == CTL_P_DONE)
		return 1;
	if (n == 0) {
		if (p->st == CTL_P_BODY_EOF) {
			p->st = CTL_P_DONE;
			return 1;
		}
		return p->any ? -EPROTO : -ECONNRESET;
	}
	p->any = true;
	while (i < n && p->st != CTL_P_DONE) {
		if (line_state(p->st)) {
			const char *nl = memchr(buf + i, '\n', n - i);
			size_t k = nl ? (size_t)(nl - (buf + i)) : n - i;
			if (p->linelen + k >= CTL_MAX_LINE)
				return -EMSGSIZE;
			if (p->st == CTL_P_STATUS || p->st == CTL_P_HEADER) {
				p->header_bytes += k + (nl ? 1 : 0);
				if (p->header_bytes > CTL_MAX_HEADER_BYTES)
					return -EMSGSIZE;
			}
			memcpy(p->line + p->linelen, buf + i, k);
			p->linelen += k;
			i += k;
			if (!nl)
				break;
			i++; /* the '\n' */
			if (p->linelen > 0 && p->line[p->linelen - 1] == '\r')
				p->linelen--;
			p->line[p->linelen] = '\0';
			/* A NUL inside a line would hide the rest from the parsers. */
			if (memchr(p->line, '\0', p->linelen))
				return -EPROTO;
			p->linelen = 0;
			r = on_line(p, p->line);
			if (r < 0)
				return r;
			continue;
		}
		size_t k = n - i;
		if (p->st != CTL_P_BODY_EOF && k > p->remaining)
			k = (size_t)p->remaining;
		r = deliver(p, buf + i, k);
		if (r < 0)
			return r;
		i += k;
		if (p->st == CTL_P_BODY_EOF)
			continue;
		p->remaining -= k;
		if (p->remaining == 0)
			p->st = p->st == CTL_P_BODY_LEN ? CTL_P_DONE : CTL_P_CHUNK_END;
	}
	if (used)
		*used = i;
	return p->st == CTL_P_DONE ? 1 : 0;
}

/* ---------------------------------------------------------------- client */

void ctl_base64(const void *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = in;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

int ctl_client_init(struct ctl_client *c, const char *url, const char *user, const char *pass)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->lim = (struct ctl_limits){.connect_timeout = CTL_CONNECT_TIMEOUT,
				     .timeout = CTL_TIMEOUT,
				     .follow_timeout = CTL_FOLLOW_TIMEOUT,
				     .max_response = CTL_MAX_RESPONSE};
	int r = ctl_url_parse(&c->url, url);
	if (r < 0)
		return r;
	if (user && *user) {
		size_t n = strlen(user) + 1 + (pass ? strlen(pass) : 0);
		char *plain = malloc(n + 1);
		c->auth = malloc(6 + 4 * (n / 3 + 1) + 1);
		if (!plain || !c->auth) {
			free(plain);
			ctl_client_free(c);
			return -ENOMEM;
		}
		snprintf(plain, n + 1, "%s:%s", user, pass ? pass : "");
		memcpy(c->auth, "Basic ", 6);
		ctl_base64(plain, n, c->auth + 6);
		free(plain);
	}
	return 0;
}

static void disconnect(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->nbuf = 0;
	c->reused = false;
}

void ctl_client_free(struct ctl_client *c)
{
	disconnect(c);
	ctl_url_free(&c->url);
	free(c->auth);
	c->auth = NULL;
}

/* SO_SNDTIMEO / SO_RCVTIMEO: secs 0 is no limit, as for the socket. */
static int set_timeout(int fd, int opt, unsigned secs)
{
	struct timeval tv = {.tv_sec = secs};
	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

static int expired(struct ctl_client *c, int err, const char *what, unsigned secs)
{
	c->expired = what;
	c->expired_secs = secs;
	return err;
}

/* A blocking connect bounded by connect_timeout: Linux bounds connect(2)
 * by the send timeout, for TCP (EINPROGRESS when it runs out) as for a
 * unix socket whose listen backlog is full (EAGAIN). */
static int connect_one(struct ctl_client *c, int family, int type, int proto,
		       const struct sockaddr *sa, socklen_t salen, int *out)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	int r = set_timeout(fd, SO_SNDTIMEO, c->lim.connect_timeout);
	if (r == 0 && connect(fd, sa, salen) < 0) {
		r = -errno;
		if (r == -EAGAIN || r == -EINPROGRESS)
			r = expired(c, -ETIMEDOUT, "connect_timeout", c->lim.connect_timeout);
	}
	/* From now on the send timeout bounds a request the server does not
	 * read. */
	if (r == 0)
		r = set_timeout(fd, SO_SNDTIMEO, c->lim.timeout);
	if (r < 0) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

int ctl_connect(struct ctl_client *c)
{
	disconnect(c);
	c->expired = NULL;
	if (c->url.is_unix) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(c->url.path) >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		strcpy(sa.sun_path, c->url.path);
		return connect_one(c, AF_UNIX, SOCK_STREAM, 0, (struct sockaddr *)&sa, sizeof(sa),
				   &c->fd);
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	if (getaddrinfo(c->url.host, c->url.port, &hints, &ai))
		return -EHOSTUNREACH;
	int r = -ECONNREFUSED;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		r = connect_one(c, a->ai_family, a->ai_socktype, a->ai_protocol, a->ai_addr,
				a->ai_addrlen, &c->fd);
		if (r == 0)
			break;
	}
	freeaddrinfo(ai);
	return r;
}

static int send_all(struct ctl_client *c, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return expired(c, -ETIME, "timeout", c->lim.timeout);
			return -errno;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_request(struct ctl_client *c, const char *method, const char *path,
			const char *body, size_t len)
{
	char head[2048];
	int n = snprintf(
	    head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: supctl/" PACKAGE_VERSION "\r\n%s%s%s",
	    method, path, c->url.is_unix ? "localhost" : c->url.host,
	    c->auth ? "Authorization: " : "", c->auth ? c->auth : "", c->auth ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENAMETOOLONG;
	if (body) {
		int k = snprintf(head + n, sizeof(head) - (size_t)n,
				 "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
		if (k < 0 || (size_t)(n + k) >= sizeof(head))
			return -ENAMETOOLONG;
		n += k;
	}
	if ((size_t)n + 2 >= sizeof(head))
		return -ENAMETOOLONG;
	memcpy(head + n, "\r\n", 3);
	n += 2;
	int r = send_all(c, head, (size_t)n);
	if (r == 0 && body && len)
		r = send_all(c, body, len);
	return r;
}

/* Reads until the response is complete, waiting at most secs (0: no
 * limit) for each next bytes. */
static int read_response(struct ctl_client *c, struct ctl_parser *p, const char *what,
			 unsigned secs)
{
	size_t used;
	int r;
	if (c->nbuf > 0) {
		r = ctl_parser_feed(p, c->buf, c->nbuf, &used);
		if (r != 0) {
			if (r > 0) {
				memmove(c->buf, c->buf + used, c->nbuf - used);
				c->nbuf -= used;
			}
			return r;
		}
		c->nbuf = 0;
	}
	r = set_timeout(c->fd, SO_RCVTIMEO, secs);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t k = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return expired(c, -ETIME, what, secs);
			return errno == ECONNRESET && !p->any ? -ECONNRESET : -errno;
		}
		r = ctl_parser_feed(p, c->buf, (size_t)k, &used);
		if (r < 0)
			return r;
		if (r > 0) {
			c->nbuf = (size_t)k - used;
			memmove(c->buf, c->buf + used, c->nbuf);
			return r;
		}
	}
}

int ctl_request(struct ctl_client *c, const char *method, const char *path, const char *body,
		size_t len, struct ctl_resp *resp, ctl_body_cb cb, void *arg)
{
	struct ctl_parser p;
	for (int attempt = 0;; attempt++) {
		int r;
		if (c->fd < 0) {
			r = ctl_connect(c);
			if (r < 0)
				return r;
		}
		bool reused = c->reused;
		ctl_parser_init(&p, resp, cb, arg);
		p.head = !strcmp(method, "HEAD");
		p.max_body = c->lim.max_response ? c->lim.max_response : SIZE_MAX / 2;
		c->expired = NULL;
		r = send_request(c, method, path, body, len);
		if (r == 0 && cb)
			r = read_response(c, &p, "follow_timeout", c->lim.follow_timeout);
		else if (r == 0)
			r = read_response(c, &p, "timeout", c->lim.timeout);
		if (r > 0) {
			if (resp->close)
				disconnect(c);
			else
				c->reused = true;
			return 0;
		}
		ctl_resp_free(resp);
		disconnect(c);
		/* A kept-alive connection may have been closed by the server
		 * (idle timeout) just before we wrote: retry once, fresh. */
		if (reused && attempt == 0 && (r == -ECONNRESET || r == -EPIPE))
			continue;
		return r;
	}
}

int ctl_stream_begin(struct ctl_stream *s, struct ctl_client *c, const char *path, ctl_body_cb cb,
		     void *arg)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	int r = c->fd < 0 ? ctl_connect(c) : 0;
	if (r < 0)
		return r;
	ctl_parser_init(&s->p, &s->resp, cb, arg);
	s->p.max_body = c->lim.max_response ? c->lim.max_response : SIZE_MAX / 2;
	r = send_request(c, "GET", path, NULL, 0);
	if (r < 0)
		disconnect(c);
	return r;
}

int ctl_stream_step(struct ctl_stream *s)
{
	struct ctl_client *c = s->c;
	if (c->fd < 0)
		return -ENOTCONN;
	ssize_t k;
	do
		k = recv(c->fd, c->buf, sizeof(c->buf), 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	size_t used;
	return ctl_parser_feed(&s->p, c->buf, (size_t)k, &used);
}

void ctl_stream_end(struct ctl_stream *s)
{
	if (s->c)
		disconnect(s->c);
	ctl_resp_free(&s->resp);
}

const char *ctl_strerror(const struct ctl_client *c, int err, char *buf, size_t len)
{
	if ((err == -ETIMEDOUT || err == -ETIME) && c->expired) {
		snprintf(buf, len, "%s after %u s (%s)",
			 err == -ETIMEDOUT ? "no connection" : "no answer", c->expired_secs,
			 c->expired);
	} else if (err == -EFBIG) {
		snprintf(buf, len, "answer larger than %zu bytes (max_response)",
			 c->lim.max_response);
	} else if (err == -EMSGSIZE) {
		snprintf(buf, len, "answer's head too large");
	} else if (err == -EPROTO) {
		snprintf(buf, len, "malformed answer");
	} else {
		snprintf(buf, len, "%s", strerror(-err));
	}
	return buf;
}

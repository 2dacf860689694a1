/* Streamed answers: each stream reads STREAM_READ bytes of its file at a
 * time and stops while STREAM_WINDOW bytes wait for the client; the HTTP
 * server's writable callback resumes it.  Memory per stream is thus
 * bounded whatever the range's size, and nothing polls. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_stream.h"

#define STREAM_WINDOW (64 * 1024) /* buffered for the client, at most */
#define STREAM_READ   (16 * 1024) /* read from the file per step */

struct stream {
	struct http_req *req;
	struct xr_part *parts;
	size_t n, i;
	size_t off;  /* in the current text part */
	int64_t pos; /* in the current file part; -1: not started */
	bool xml;
	size_t carry; /* bytes of a cut UTF-8 sequence, at the head of buf */
	char buf[STREAM_READ + 4];
};

static void stream_free(struct stream *s)
{
	xmlrpc_parts_free(s->parts, s->n);
	free(s);
}

/* Sends the next piece of the current part.  Returns 1 when the part is
 * done, 0 when it has more, or a negative errno (client gone). */
static int step_text(struct stream *s, struct xr_part *p)
{
	size_t k = p->len - s->off < STREAM_READ ? p->len - s->off : STREAM_READ;
	int e = http_stream_write(s->req, p->text + s->off, k);
	if (e < 0)
		return e;
	s->off += k;
	return s->off == p->len;
}

static int step_file(struct stream *s, struct xr_part *p)
{
	if (s->pos < 0)
		s->pos = p->start;
	size_t want = STREAM_READ;
	if ((int64_t)want > p->end - s->pos)
		want = (size_t)(p->end - s->pos);
	ssize_t got = want ? pread(p->fd, s->buf + s->carry, want, s->pos) : 0;
	if (got < 0 && errno == EINTR)
		return 0;
	if (got < 0)
		got = 0; /* an I/O error ends the part early, as a shrunk file does */
	s->pos += got;
	bool last = got == 0 || s->pos >= p->end;
	size_t tot = s->carry + (size_t)got;
	int e;
	if (!s->xml) {
		e = http_stream_write(s->req, s->buf, tot);
		s->carry = 0;
	} else {
		static char esc[XMLRPC_ESCAPED_MAX(STREAM_READ + 4)];
		size_t elen, used = xmlrpc_escape_stream(s->buf, tot, last, esc, &elen);
		e = http_stream_write(s->req, esc, elen);
		s->carry = tot - used;
		memmove(s->buf, s->buf + used, s->carry);
	}
	if (e < 0)
		return e;
	return last;
}

/* Sends while the client keeps up; ends and frees s at the end. */
static void pump(struct stream *s)
{
	while (http_stream_pending(s->req) < STREAM_WINDOW) {
		if (s->i == s->n) {
			http_req_set_data(s->req, NULL);
			http_stream_end(s->req);
			stream_free(s);
			return;
		}
		struct xr_part *p = &s->parts[s->i];
		int r = p->text ? step_text(s, p) : step_file(s, p);
		if (r == -ENOBUFS)
			return; /* cannot happen below the window; wait for writable */
		if (r < 0) {
			/* gone or out of memory: the answer cannot be finished */
			http_req_set_data(s->req, NULL);
			http_stream_end(s->req);
			stream_free(s);
			return;
		}
		if (r == 1) {
			s->i++;
			s->off = 0;
			s->pos = -1;
			s->carry = 0;
		}
	}
}

/* http_hold's callbacks: the client left; the client caught up. */
static void stream_gone(void *data)
{
	stream_free(data);
}

static void stream_writable(void *data)
{
	pump(data);
}

int api_stream_reply(struct http_req *r, const char *ctype, struct xr_part *parts, size_t n,
		     bool xml)
{
	struct stream *s = malloc(sizeof(*s));
	if (!s) {
		xmlrpc_parts_free(parts, n);
		http_reply(r, 500, "text/plain", "out of memory\n", 14);
		return -ENOMEM;
	}
	*s = (struct stream){.req = r, .parts = parts, .n = n, .pos = -1, .xml = xml};
	int e = http_stream_begin(r, ctype);
	if (e < 0) {
		stream_free(s);
		http_reply(r, 500, "text/plain", "out of memory\n", 14);
		return e;
	}
	if (!strcmp(http_req_method(r), "HEAD")) {
		/* no body goes out: reading the file would be for nothing */
		http_stream_end(r);
		stream_free(s);
		return 0;
	}
	http_hold(r, stream_gone, stream_writable, s);
	pump(s);
	return 0;
}

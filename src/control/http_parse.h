/* HTTP/1.x request parsing for http.c: pure functions, no I/O, no
 * allocation.  A request head is parsed in place (the caller's copy of it
 * is cut into NUL-terminated strings); a chunked body is decoded
 * incrementally, in place, as its bytes arrive.
 *
 * What is accepted (RFC 9112): lines end in CRLF or a bare LF; empty lines
 * before the request line are skipped; the target is origin-form
 * ("/path?query"), absolute-form ("http://host/path") or "*"; header names
 * are tokens, with no space before the colon; obsolete line folding is
 * refused.  Anything else is a 400, a version other than 1.0 or 1.1 a 505.
 */
#ifndef SUPD_HTTP_PARSE_H
#define SUPD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 64 /* more: 431 */
#define HTTP_MAX_ARGS	 32 /* query arguments; more: 400 */

struct http_kv {
	const char *name;
	const char *value;
};

struct http_head {
	const char *method;
	const char *path; /* percent-decoded, without the query */
	int minor;	  /* HTTP/1.<minor>: 0 or 1 */
	struct http_kv hdrs[HTTP_MAX_HEADERS];
	size_t nhdrs;
	struct http_kv args[HTTP_MAX_ARGS]; /* decoded; "?a" gives value "" */
	size_t nargs;
};

/* Where the head in buf[0..len) ends: the offset just past its empty
 * line, or 0 while it is incomplete.  *scan carries how far earlier calls
 * looked (start it at 0), so bytes arriving one at a time are not scanned
 * again and again. */
size_t http_head_end(const char *buf, size_t len, size_t *scan);

/* Parses the complete head buf[0..len) (as http_head_end measured it) in
 * place; buf[len] must be writable.  Returns 0, -EBADMSG (400),
 * -EPROTONOSUPPORT (505: a well-formed version other than 1.0 and 1.1) or
 * -E2BIG (431: too many headers). */
int http_parse_head(char *buf, size_t len, struct http_head *h);

/* The first header of that name (any case), or NULL. */
const char *http_head_header(const struct http_head *h, const char *name);
/* A query argument, or NULL. */
const char *http_head_arg(const struct http_head *h, const char *name);

/* Does the comma-separated list value hold token (any case)? */
bool http_list_has(const char *value, const char *token);

/* Does url (an Origin or Referer value: "scheme://host[:port][/...]")
 * name the same host and port as a Host header?  A port left out is the
 * scheme's default on both sides (the Host header takes url's scheme).
 * "null" and anything unparsable are false. */
bool http_same_origin(const char *url, const char *host);

/* Is a Content-Type value of that media type ("text/xml" matches
 * "Text/XML; charset=utf-8")? */
bool http_media_type_is(const char *ctype, const char *type);

/* Percent-decodes s in place ("+" too, as a space, when plus is set).
 * Returns 0, or -EBADMSG for a bad escape or an escaped NUL. */
int http_pct_decode(char *s, bool plus);

/* A Content-Length value: 1*DIGIT.  Returns 0, -EBADMSG, or -EOVERFLOW
 * for a number past UINT64_MAX (a 413 rather than a 400). */
int http_content_length(const char *v, uint64_t *out);

/* The body framing a request head asks for.  Returns 0 with *chunked and
 * *length set (length 0 and not chunked: no body), -EBADMSG (400: both
 * Content-Length and chunked, conflicting lengths, bad syntax, chunked in
 * HTTP/1.0), -ENOSYS (501: a transfer coding other than chunked) or
 * -EOVERFLOW (413). */
int http_body_framing(const struct http_head *h, bool *chunked, uint64_t *length);

/* ---- chunked transfer coding */

#define HTTP_CHUNK_LINE_MAX 4096 /* a chunk-size line with extensions, a trailer line */

struct http_chunked {
	int state;
	uint64_t left; /* data bytes left in this chunk */
	size_t line;   /* bytes of the current size or trailer line */
	size_t digits;
};

/* Decodes in place: consumes bytes of buf[0..len), writes the data bytes
 * to the front of buf (never ahead of what it consumed), and returns 1 when
 * the last chunk and the trailers are through, 0 when it needs more input,
 * -EBADMSG on a syntax error.  *used is how many input bytes were
 * consumed (after a 1, the rest belongs to the next request) and *out how
 * many data bytes were written.  Start from a zeroed struct. */
int http_chunked_decode(struct http_chunked *c, char *buf, size_t len, size_t *used, size_t *out);

/* ---- responses */

/* The standard reason phrase of a status ("OK"), "" for an unknown one. */
const char *http_reason(unsigned status);

#endif

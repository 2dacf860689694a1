/* libFuzzer target: a request target's path and query (http_parse.c), the
 * way the API reads its arguments (http_head_arg, the fields= list).  The
 * input is the target of "GET <input> HTTP/1.1".  Checks, besides the
 * sanitizers:
 *  - every decoded name and value is a string inside the request buffer;
 *  - http_head_arg finds, for each name, the first argument of that name;
 *  - the arguments survive a round trip: percent-encoded again into a
 *    query, they parse back to the same names and values, in order;
 *  - http_pct_decode never lengthens a string, and a plus only turns into
 *    a space when asked to;
 *  - fields= yields a mask of known fields only;
 *  - offset=, length= and tail= (log_range.c) parse only into a range
 *    that log_range_span accepts, and that range over files of several
 *    sizes (from the input too) lies inside the file. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "http_parse.h"
#include "log_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head_pre[] = "GET ";
static const char head_post[] = " HTTP/1.1\r\nHost: x\r\n\r\n";

/* "GET <target> HTTP/1.1" and a Host header in a fresh buffer (one byte
 * more, for the parser's NUL), or NULL. */
static char *make_head(const char *target, size_t n, size_t *len)
{
	size_t a = sizeof(head_pre) - 1, b = sizeof(head_post) - 1;
	char *buf = malloc(a + n + b + 1);
	if (!buf)
		abort();
	memcpy(buf, head_pre, a);
	memcpy(buf + a, target, n);
	memcpy(buf + a + n, head_post, b);
	buf[a + n + b] = '\0';
	*len = a + n + b;
	return buf;
}

static void in_buffer(const char *s, const char *buf, size_t len)
{
	if (s < buf || s > buf + len)
		abort();
	if (s + strlen(s) > buf + len) /* ASan also sees a read past buf */
		abort();
}

/* Percent-encodes s into o (3 bytes per input byte at most). */
static size_t enc(const char *s, char *o)
{
	size_t k = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			o[k++] = (char)c;
		else
			k += (size_t)sprintf(o + k, "%%%02X", c);
	}
	return k;
}

static void round_trip(const struct http_head *h)
{
	size_t cap = 8;
	for (size_t i = 0; i < h->nargs; i++)
		cap += 3 * (strlen(h->args[i].name) + strlen(h->args[i].value)) + 2;
	char *t = malloc(cap);
	if (!t)
		abort();
	size_t k = 0;
	t[k++] = '/';
	t[k++] = '?';
	for (size_t i = 0; i < h->nargs; i++) {
		if (i)
			t[k++] = '&';
		k += enc(h->args[i].name, t + k);
		t[k++] = '=';
		k += enc(h->args[i].value, t + k);
	}
	size_t len;
	char *buf = make_head(t, k, &len);
	struct http_head h2;
	memset(&h2, 0, sizeof(h2));
	size_t scan = 0;
	if (http_head_end(buf, len, &scan) != len || http_parse_head(buf, len, &h2) != 0)
		abort();
	/* "?" alone and "?&&" hold no argument; an encoded empty name is "=" */
	if (h2.nargs != h->nargs)
		abort();
	for (size_t i = 0; i < h->nargs; i++)
		if (strcmp(h2.args[i].name, h->args[i].name) ||
		    strcmp(h2.args[i].value, h->args[i].value))
			abort();
	free(buf);
	free(t);
}

static void check_decode(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *p = malloc(size + 1);
	if (!s || !p)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	size_t n = strlen(s);
	memcpy(p, s, n + 1);
	int a = http_pct_decode(s, false), b = http_pct_decode(p, true);
	/* '+' is no escape: it cannot change whether the string is valid */
	if (a != b || (a < 0 && a != -EBADMSG))
		abort();
	if (a == 0) {
		if (strlen(s) > n || strlen(p) != strlen(s))
			abort();
		for (size_t i = 0; s[i]; i++)
			if (s[i] != p[i] && !(s[i] == '+' && p[i] == ' '))
				abort();
	}
	free(s);
	free(p);
}

/* A log read's arguments, the way api.c hands them over. */
static void check_range(const struct http_head *h, const uint8_t *data, size_t size)
{
	struct log_range lr;
	if (log_range_parse(http_head_arg(h, "offset"), http_head_arg(h, "length"),
			    http_head_arg(h, "tail"), &lr) < 0)
		return;
	if (lr.length < 0 || (lr.offset < 0 && lr.length != 0) || (lr.none && lr.offset != 0))
		abort();
	int64_t from_input = 0;
	memcpy(&from_input, data, size < sizeof(from_input) ? size : sizeof(from_input));
	const int64_t sizes[] = {0, 1, 1600, INT64_MAX, from_input, -1};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int64_t s, e, sz = sizes[i] < 0 ? 0 : sizes[i];
		if (log_range_span(lr.offset, lr.length, sizes[i], &s, &e) < 0)
			abort(); /* parse promised a span */
		if (s < 0 || s > e || e > sz)
			abort();
		if (lr.length > 0 && e - s > lr.length)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	check_decode(data, size);

	size_t len;
	char *buf = make_head((const char *)data, size, &len);
	struct http_head h;
	memset(&h, 0, sizeof(h));
	size_t scan = 0;
	size_t end = http_head_end(buf, len, &scan);
	if (end == 0 || end > len)
		goto out;
	int r = http_parse_head(buf, end, &h);
	if (r < 0) {
		if (r != -EBADMSG && r != -EPROTONOSUPPORT && r != -E2BIG)
			abort();
		goto out;
	}
	if (h.nargs > HTTP_MAX_ARGS)
		abort();
	if (h.path != NULL && strcmp(h.path, "/") && strcmp(h.path, "*"))
		in_buffer(h.path, buf, len);
	for (size_t i = 0; i < h.nargs; i++) {
		in_buffer(h.args[i].name, buf, len);
		if (*h.args[i].value)
			in_buffer(h.args[i].value, buf, len);
		const char *v = http_head_arg(&h, h.args[i].name);
		size_t first = 0;
		while (strcmp(h.args[first].name, h.args[i].name))
			first++;
		if (v != h.args[first].value)
			abort();
	}
	round_trip(&h);
	unsigned mask = 0;
	const char *fields = http_head_arg(&h, "fields");
	if (api_parse_fields(fields, &mask) == 0 && (mask & ~API_ALL_FIELDS))
		abort();
	check_range(&h, data, size);
out:
	free(buf);
	return 0;
}

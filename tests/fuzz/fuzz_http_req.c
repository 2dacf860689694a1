/* libFuzzer target: http_parse.c alone, on hostile bytes.  The input is a
 * request head and whatever follows it.  Checks, besides the sanitizers:
 * finding the head's end byte by byte agrees with finding it at once; a
 * parsed head's strings are NUL-terminated inside the buffer (ASan sees a
 * read past it); and a chunked body decodes to the same bytes, with the
 * same end, whether fed at once or in pieces of every size the first
 * input byte picks. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes body[0..n) fed step bytes at a time (0: at once).  Returns the
 * decoder's last answer; out/outlen the data, *used the bytes consumed. */
static int decode(const char *body, size_t n, size_t step, char *out, size_t *outlen, size_t *used)
{
	struct http_chunked c = {0};
	char *work = malloc(n + 1);
	if (!work)
		abort();
	size_t off = 0, have = 0, o = 0, consumed = 0;
	int r = 0;
	for (;;) {
		size_t k = step && n - off > step ? step : n - off;
		memcpy(work + have, body + off, k);
		have += k;
		off += k;
		size_t u, got;
		r = http_chunked_decode(&c, work, have, &u, &got);
		if (got > u || u > have)
			abort(); /* writes ahead of what it read, or reads past */
		memcpy(out + o, work, got);
		o += got;
		consumed += u;
		memmove(work, work + u, have - u);
		have -= u;
		if (r != 0 || off == n)
			break;
	}
	free(work);
	*outlen = o;
	*used = consumed;
	return r;
}

static void check_chunked(const char *body, size_t n, size_t step)
{
	char *a = malloc(n + 1), *b = malloc(n + 1);
	if (!a || !b)
		abort();
	size_t alen, blen, aused, bused;
	int ra = decode(body, n, 0, a, &alen, &aused);
	int rb = decode(body, n, step, b, &blen, &bused);
	/* The same state machine over the same bytes: the same answer. */
	if (ra != rb || alen != blen || aused != bused || memcmp(a, b, alen))
		abort();
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 256 * 1024)
		return 0;
	size_t step = data[0] % 17;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;

	size_t scan = 0;
	size_t end = http_head_end(in, n, &scan);
	size_t scan2 = 0, end2 = 0;
	for (size_t i = 1; i <= n && !end2; i++)
		end2 = http_head_end(in, i, &scan2);
	if (end != end2 || end > n)
		abort();

	/* The rest as a chunked body, whether or not the head asks for it. */
	check_chunked(in + end, n - end, step ? step : 1);
	if (!end)
		return 0;

	/* The parser writes NULs: give it its own exact-size copy. */
	char *head = malloc(end + 1);
	if (!head)
		abort();
	memcpy(head, in, end);
	head[end] = '\0';
	struct http_head h;
	if (http_parse_head(head, end, &h) == 0) {
		size_t k = strlen(h.method) + strlen(h.path);
		for (size_t i = 0; i < h.nhdrs; i++)
			k += strlen(h.hdrs[i].name) + strlen(h.hdrs[i].value);
		for (size_t i = 0; i < h.nargs; i++) {
			k += strlen(h.args[i].name) + strlen(h.args[i].value);
			if (http_head_arg(&h, h.args[i].name) == NULL)
				abort();
		}
		if (h.minor != 0 && h.minor != 1)
			abort();
		(void)k;
		http_head_header(&h, "Content-Length");
		http_list_has(http_head_header(&h, "Connection"), "close");
		bool chunked;
		uint64_t len;
		int r = http_body_framing(&h, &chunked, &len);
		if (r == 0 && chunked && len)
			abort();
	}
	free(head);
	return 0;
}

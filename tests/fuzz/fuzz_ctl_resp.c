/* libFuzzer target: supctl's HTTP response parser.  Every input is parsed
 * twice, whole and in pieces whose sizes come from the input itself; both
 * runs must agree on the outcome, the status and the body, since a
 * response's meaning must not depend on how the network cut it.  An odd
 * first byte also sets a small body limit (max_response), so that the
 * limit's paths are fuzzed too: a kept body never exceeds it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	int r;
	size_t used;
	struct ctl_resp resp;
};

static void parse(const uint8_t *d, size_t n, const uint8_t *cuts, size_t ncuts, size_t max,
		  struct run *out)
{
	struct ctl_parser p;
	ctl_parser_init(&p, &out->resp, NULL, NULL);
	if (max)
		p.max_body = max;
	size_t i = 0, c = 0;
	out->r = 0;
	out->used = 0;
	while (i < n) {
		size_t k = n - i;
		if (ncuts) {
			k = (size_t)cuts[c++ % ncuts] + 1;
			if (k > n - i)
				k = n - i;
		}
		size_t used;
		out->r = ctl_parser_feed(&p, (const char *)d + i, k, &used);
		i += used;
		if (out->r != 0)
			break;
	}
	if (out->r == 0)
		out->r = ctl_parser_feed(&p, NULL, 0, NULL);
	out->used = i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first 8 bytes choose the cuts of the second run. */
	size_t ncuts = size < 8 ? size : 8;
	const uint8_t *cuts = data;
	data += ncuts;
	size -= ncuts;
	size_t max = ncuts && (cuts[0] & 1) ? (size_t)cuts[0] * 4 : 0;
	struct run a, b;
	parse(data, size, NULL, 0, max, &a);
	parse(data, size, cuts, ncuts, max, &b);
	if (a.r != b.r)
		abort();
	if (max && (a.resp.len > max || b.resp.len > max))
		abort();
	if (a.r > 0) {
		if (a.used != b.used || a.resp.status != b.resp.status ||
		    a.resp.len != b.resp.len ||
		    (a.resp.len && memcmp(a.resp.body, b.resp.body, a.resp.len)))
			abort();
		if (a.resp.status < 100 || a.resp.status > 999)
			abort();
	}
	ctl_resp_free(&a.resp);
	ctl_resp_free(&b.resp);
	return 0;
}

/* Log read ranges: the argument checks that every reader (/v1, XML-RPC,
 * the in-memory tail) shares, so that a hostile offset or length is refused
 * the same way everywhere. */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "log_range.h"

#define DEFAULT_TAIL 1600

/* A decimal int64_t: '-'? digits, nothing else (no space, no '+'). */
static int parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (neg)
		s++;
	if (!*s)
		return -EINVAL;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (lim - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return 0;
}

int log_range_parse(const char *offset, const char *length, const char *tail, struct log_range *out)
{
	*out = (struct log_range){.offset = -DEFAULT_TAIL};
	if (tail) {
		int64_t t;
		if (offset || length || parse_i64(tail, &t) < 0 || t < 0)
			return -EINVAL;
		out->offset = -t;
		out->none = t == 0;
		return 0;
	}
	if (!offset && !length)
		return 0;
	out->offset = 0;
	if ((offset && parse_i64(offset, &out->offset) < 0) ||
	    (length && parse_i64(length, &out->length) < 0))
		return -EINVAL;
	int64_t s, e;
	return log_range_span(out->offset, out->length, 0, &s, &e);
}

int log_range_span(int64_t offset, int64_t length, int64_t size, int64_t *start, int64_t *end)
{
	if (length < 0 || (offset < 0 && length != 0))
		return -EINVAL;
	if (size < 0)
		size = 0;
	if (offset < 0) {
		/* -offset may not be representable (INT64_MIN): compare first */
		*start = offset < -size ? 0 : size + offset;
		*end = size;
	} else {
		*start = offset > size ? size : offset;
		*end = length == 0 || length > size - *start ? size : *start + length;
	}
	return 0;
}

/* The byte range of a log read: /v1's ?offset=&length=&tail= and
 * supervisord's readLog(offset, length) semantics, in one place.  Pure
 * functions (no I/O, no allocation), so that a fuzz target can drive them. */
#ifndef SUPD_LOG_RANGE_H
#define SUPD_LOG_RANGE_H

#include <stdbool.h>
#include <stdint.h>

/* What a read asks for, before the file's size is known. */
struct log_range {
	int64_t offset; /* >= 0: from there; < 0: the last -offset bytes */
	int64_t length; /* 0: to the end */
	bool none;	/* ?tail=0: nothing at all */
};

/* Parses /v1's query arguments, each NULL when absent: decimal integers,
 * an optional '-' and digits only.  Default (none given): the last 1600
 * bytes.  Returns 0 or -EINVAL: a bad number, one out of int64_t's range,
 * a negative length or tail, a negative offset with a length, or tail
 * together with offset or length. */
int log_range_parse(const char *offset, const char *length, const char *tail,
		    struct log_range *out);

/* supervisord's readLog over a file of size bytes: offset >= 0 with length 0
 * reads to the end, with a length at most length bytes; offset < 0 (length
 * 0) the last -offset bytes.  Sets [*start, *end), clamped to the file.
 * Returns 0 or -EINVAL (a negative length, or a negative offset with a
 * length). */
int log_range_span(int64_t offset, int64_t length, int64_t size, int64_t *start, int64_t *end);

#endif

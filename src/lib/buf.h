/* The one growable byte buffer: appends that keep the bytes NUL-terminated,
 * on whatever (pointer, length, capacity) fields the caller keeps them in. */
#ifndef SUPD_BUF_H
#define SUPD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Appends n bytes of data at (*buf)[*len] and a NUL after them, doubling
 * *cap (from at least 64) as needed; the first call allocates even for
 * n == 0.  Returns 0, or -ENOMEM with the buffer unchanged. */
int buf_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n);

/* The same on a struct of its own; zero it to start, free(p) to end. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom; /* buf_put/buf_putf ran out of memory */
};

static inline int buf_add(struct buf *b, const void *data, size_t n)
{
	return buf_append(&b->p, &b->len, &b->cap, data, n);
}

static inline int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Appends that cannot fail, for a text built in many steps (a page, a
 * JSON list): the first out-of-memory sets b->oom, which is sticky (later
 * appends do nothing), so the writer checks it once at the end. */
void buf_put(struct buf *b, const void *data, size_t n);
/* buf_put of a printf format. */
__attribute__((format(printf, 2, 3))) void buf_putf(struct buf *b, const char *fmt, ...);

/* Reads a whole file into a new NUL-terminated buffer (*len excludes the
 * NUL).  Returns 0, or a negative errno (-EISDIR for a directory). */
int buf_read_file(const char *path, char **text, size_t *len);
/* buf_read_file of a text file: -EILSEQ, and no more read, when its first
 * 8 KiB hold a NUL byte (a binary: an [include] of every file in /bin read 455 MB). */
int buf_read_text(const char *path, char **text, size_t *len);
/* Reads a file that must be regular (or /dev/null), no further than the
 * size it had when opened, and never waits: what a config load reads
 * besides its main file, since a reload runs in the daemon's loop.
 * -ENODEV: not a regular file (a FIFO, a device, a socket); -EFBIG: larger
 * than max (0: no limit); -EILSEQ as buf_read_text's, when text_only. */
int buf_read_regular(const char *path, size_t max, bool text_only, char **text, size_t *len);

/* Decodes len bytes of base64 into out and a NUL (out may be in itself: the
 * output never overtakes the input).  ASCII whitespace is skipped; '='
 * padding may only end the text.  Returns the decoded length, -EINVAL for
 * text that is not base64, or -ENOSPC when out (cap bytes) cannot hold the
 * result and its NUL.  For HTTP Basic credentials and XML-RPC <base64>. */
ssize_t buf_b64_decode(const char *in, size_t len, char *out, size_t cap);

/* Formats a message into err (errlen bytes) and returns r: for functions
 * that return a negative errno and say why in the caller's buffer. */
__attribute__((format(printf, 4, 5))) int buf_errf(char *err, size_t errlen, int r, const char *fmt,
						   ...);

#endif

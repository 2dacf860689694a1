#include "config.h"

#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int buf_append(char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
	if (n > SIZE_MAX / 2 - *len)
		return -ENOMEM;
	size_t need = *len + n + 1;
	if (need > *cap || !*buf) {
		size_t c = *cap < 64 ? 64 : *cap;
		while (c < need)
			c *= 2;
		char *p = realloc(*buf, c);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = c;
	}
	if (n)
		memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

void buf_put(struct buf *b, const void *data, size_t n)
{
	if (!b->oom && buf_add(b, data, n) < 0)
		b->oom = true;
}

void buf_putf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_put(b, big, (size_t)n);
	free(big);
}

static int read_file(const char *path, char **text, size_t *len, bool text_only);

int buf_read_file(const char *path, char **text, size_t *len)
{
	return read_file(path, text, len, false);
}

int buf_read_text(const char *path, char **text, size_t *len)
{
	return read_file(path, text, len, true);
}

static int read_file(const char *path, char **text, size_t *len, bool text_only)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	bool have_st = fstat(fd, &st) == 0;
	if (have_st && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	/* A regular file's size read in one block: doubling from 8 KiB
	 * copied a 1.7 MB config (10,000 programs) 8 times over, a tenth of
	 * a reload's parse */
	size_t cap = 8192, n = 0;
	if (have_st && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX / 2)
		cap = (size_t)st.st_size + 2; /* (+ the NUL and the read of EOF) */
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		/* (the first read: a NUL there is a binary, not text; the rest
		 * of it is not read) */
		if (text_only && n == 0 && memchr(buf, 0, (size_t)k < 8192 ? (size_t)k : 8192)) {
			free(buf);
			close(fd);
			return -EILSEQ;
		}
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

int buf_read_regular(const char *path, size_t max, bool text_only, char **text, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	size_t size = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		size = 0; /* /dev/null: empty */
	else if (!S_ISREG(st.st_mode))
		r = -ENODEV;
	else if (max && (uintmax_t)st.st_size > max)
		r = -EFBIG;
	else
		size = (size_t)st.st_size;
	char *buf = r == 0 ? malloc(size + 1) : NULL;
	if (r == 0 && !buf)
		r = -ENOMEM;
	size_t n = 0;
	/* no more than fstat's size: a file that grows while it is read (a
	 * log) would otherwise never end */
	while (r == 0 && n < size) {
		ssize_t k = read(fd, buf + n, size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			r = -errno;
		else if (k == 0)
			break;
		else if (text_only && n == 0 && memchr(buf, 0, (size_t)k < 8192 ? (size_t)k : 8192))
			r = -EILSEQ;
		else
			n += (size_t)k;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t buf_b64_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0, pad = 0;
	unsigned acc = 0, bits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64_val(c);
		if (v < 0 || pad)
			return -EINVAL;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return -ENOSPC;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6 || cap == 0)
		return cap ? -EINVAL : -ENOSPC;
	out[o] = '\0';
	return (ssize_t)o;
}

int buf_errf(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

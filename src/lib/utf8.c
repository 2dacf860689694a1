#include "config.h"

#include "utf8.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (n > avail)
		return 0;
	unsigned cp = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		/* a NUL stops here too: it is not a continuation byte */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] ? utf8_len(s + i, n - i) : 1;
		if (!k)
			return false;
		i += k;
	}
	return true;
}

void utf8_pyrepr(struct buf *b, const unsigned char *s, size_t n)
{
	char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
	buf_put(b, "b", 1);
	buf_put(b, &q, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '\\' || c == (unsigned char)q) {
			char e[2] = {'\\', (char)c};
			buf_put(b, e, 2);
		} else if (c == '\t') {
			buf_put(b, "\\t", 2);
		} else if (c == '\n') {
			buf_put(b, "\\n", 2);
		} else if (c == '\r') {
			buf_put(b, "\\r", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			char x[5];
			snprintf(x, sizeof(x), "\\x%02x", c);
			buf_put(b, x, 4);
		} else {
			buf_put(b, &s[i], 1);
		}
	}
	buf_put(b, &q, 1);
}

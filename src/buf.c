#include "config.h"

#include "buf.h"

#include <errno.h>
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
